"""Copy gen.sh's output into tests/assets/realworld/ with registry hosts replaced.

    python benchmarks/audit/lockgen/sanitize.py HOST [HOST...]

Every ``http(s)://HOST`` in the files under $OUT (default /tmp/lockgen/out) becomes
``https://package-index.invalid`` (the repository names no registry host); the tools' venv
path that sbom4python writes into file comments becomes /opt/venv. Name every registry host
that ``grep -rhoE 'https?://[^/"]+' $OUT | sort -u`` shows (the index, its file host, ...).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

OUT = Path(os.environ.get("OUT", "/tmp/lockgen/out"))
DEST = Path(__file__).resolve().parents[3] / "tests" / "assets" / "realworld"
TOOLS = os.environ.get("T", "/tmp/locktools/bin").removesuffix("/bin")


def main(hosts: list[str]) -> int:
    if not hosts:
        print(__doc__, file=sys.stderr)
        return 2
    alternatives = "|".join(re.escape(h) for h in sorted(hosts, key=len, reverse=True))
    pattern = re.compile(rf"https?://({alternatives})(?=[/\"'\s]|$)")
    for src in sorted(OUT.rglob("*")):
        if src.is_file():
            dest = DEST / src.relative_to(OUT)
            text = pattern.sub("https://package-index.invalid", src.read_text(encoding="utf-8"))
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text.replace(TOOLS, "/opt/venv"), encoding="utf-8")
            print(dest.relative_to(DEST))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
