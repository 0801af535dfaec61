#!/bin/sh
# Export projects/uv/uv.lock with the real uv (offline: --frozen reads only the lock) into
# the formats uv writes, so the tests can check that chainward reads the lock and uv's
# own exports of it the same way. Needs uv (pip install uv); outputs are committed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/projects/uv-export"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/projects/uv/uv.lock" "$here/projects/uv/pyproject.toml" "$work/"
mkdir -p "$out"
cd "$work"
UV_OFFLINE=1 uv export --frozen --all-extras --all-groups --format pylock.toml -o pylock.toml >/dev/null
UV_OFFLINE=1 uv export --frozen --all-extras --all-groups --format requirements-txt -o requirements.txt >/dev/null
sed -i 's#^\(\#    uv export .*\) -o .*#\1#' pylock.toml requirements.txt
cp pylock.toml requirements.txt "$out/"
