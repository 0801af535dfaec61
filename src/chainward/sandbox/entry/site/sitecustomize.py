"""PEP 578 audit hook for every Python process in the sandbox (stdlib only).

Appends one JSON line per interesting event to ``$CHAINWARD_AUDIT_DIR/audit-PID.jsonl``.
The outside observer (strace) is the authority; this adds Python-level detail such
as the callable a pickle resolved or the command line a blocked ``Popen`` wanted.
"""

import json
import os
import sys
from typing import Any

_DIR = os.environ.get("CHAINWARD_AUDIT_DIR")
# writes inside scratch are what scratch is for; only reads there can matter
_SCRATCH = os.environ.get("CHAINWARD_SCRATCH")
_SKIP = tuple(p for p in (_DIR, _SCRATCH and _SCRATCH.rstrip("/") + "/") if p) or ("\0",)
_EVENTS = frozenset(
    {
        "pickle.find_class",
        "subprocess.Popen",
        "os.exec",
        "os.posix_spawn",
        "os.system",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "socket.connect",
        "socket.bind",
        "socket.sendto",
        "socket.getaddrinfo",
        "open",
    }
)
_HINTS = (
    ".ssh",
    ".aws",
    ".gnupg",
    "shadow",
    "credential",
    "token",
    "secret",
    "wallet",
    "canary",
    ".netrc",
    ".pypirc",
    ".kube",
    ".docker",
    "Login Data",
    "Cookies",
    "/proc/1/",
    "environ",
    ".mozilla",
    ".config",
)
_state: dict[str, Any] = {"fh": None, "busy": False}


def _arg(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return [_arg(v) for v in value[:64]]
    return repr(value)[:512]


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event not in _EVENTS or _state["busy"]:
        return
    if event == "open":
        path = args[0] if args else None
        if not isinstance(path, (str, bytes)):
            return
        path = os.fsdecode(path)
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
        if not (any(c in mode for c in "wax+") or any(h in path for h in _HINTS)):
            return
        if path.startswith(_SKIP):
            return
        args = (path, mode)
    _state["busy"] = True
    try:
        if _state["fh"] is None:
            _state["fh"] = open(  # noqa: SIM115 - kept open for the process lifetime
                os.path.join(_DIR or "", f"audit-{os.getpid()}.jsonl"),
                "a",
                buffering=1,
                encoding="utf-8",
            )
        record = {"event": event, "args": [_arg(a) for a in args], "pid": os.getpid()}
        if event == "os.exec":
            record["args"] = [_arg(args[0]), _arg(list(args[1]) if len(args) > 1 else [])]
        _state["fh"].write(json.dumps(record) + "\n")
    except Exception:
        pass
    finally:
        _state["busy"] = False


def _reset_after_fork() -> None:
    _state["fh"] = None


if _DIR and os.path.isdir(_DIR):
    sys.addaudithook(_hook)
    os.register_at_fork(after_in_child=_reset_after_fork)
