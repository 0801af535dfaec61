"""Lock-file readers: poetry.lock, Pipfile.lock, uv.lock, pdm.lock and PEP 751 pylock.toml."""
