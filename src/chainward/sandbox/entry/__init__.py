"""Programs that run *inside* the sandbox (stdlib only; never imported by chainward)."""
