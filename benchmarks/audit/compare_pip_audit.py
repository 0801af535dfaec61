"""Accuracy: chainward audit vs pip-audit on the same advisory data (alias-aware).

    python benchmarks/audit/compare_pip_audit.py [--update]
    python benchmarks/audit/compare_pip_audit.py --realworld [DIR] [--record FILE]
        # DIR defaults to tests/assets/realworld; --record writes pip-audit's findings

pip-audit queries ../shared/tools/osv_api_server.py on loopback (``--osv-url``); chainward
reads its database. With ``--update``, both also get PyPI-update.zip (server overlay /
``db import``). For every dependency, a pip-audit result and a chainward finding are the
same vulnerability when their {id} | aliases sets intersect. Exit 1 on any difference.

``--realworld`` runs every real-world manifest under DIR (requirements files, locks,
pyproject/setup.cfg/Pipfile, SBOMs; see tests/assets/realworld/SOURCES.md): chainward audits
the file itself; pip-audit gets the file when it is a requirements file (or, when it refuses
it, the file's exact pins), else the lock's registry pins as ``name==version`` lines read
independently by realworld_pins.py. Reported per file: pins each side audited, findings,
agreed findings, and every difference (pin sets and findings); the entries pip-audit cannot
see at all (VCS/URL/path/editable/unpinned) are listed, not counted as differences.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_audit import CONSTRAINTS, HERE, OSV_ALL, ROOT, OsvServer, run_chainward, run_pip_audit

MANIFESTS = [CONSTRAINTS, *sorted((HERE / "manifests").glob("*.txt"))]


def _id_sets(vulns: list[dict]) -> list[frozenset[str]]:
    return [frozenset([v["id"], *v.get("aliases", [])]) for v in vulns]


def compare(pip_doc: dict, cw_doc: dict) -> tuple[int, int, int, list[str]]:
    """(pip-audit results, chainward findings, primary ids equal, differences)."""
    from packaging.utils import canonicalize_name

    ours = {(d["name"], d["version"]): _id_sets(d["vulns"]) for d in cw_doc["dependencies"]}
    primary_ours = {
        (d["name"], d["version"]): {v["id"] for v in d["vulns"]} for d in cw_doc["dependencies"]
    }
    theirs_total = ours_total = same_primary = 0
    differences = []
    seen = set()
    for dep in pip_doc["dependencies"]:
        if "skip_reason" in dep:
            differences.append(f"pip-audit skipped {dep['name']}: {dep['skip_reason']}")
            continue
        key = (canonicalize_name(dep["name"]), dep["version"])
        seen.add(key)
        theirs = _id_sets(dep["vulns"])
        mine = ours.get(key, [])
        theirs_total += len(theirs)
        ours_total += len(mine)
        same_primary += sum(1 for v in dep["vulns"] if v["id"] in primary_ours.get(key, set()))
        for ids in theirs:
            if not any(ids & m for m in mine):
                differences.append(f"{key}: only pip-audit reports {sorted(ids)}")
        for ids in mine:
            if not any(ids & t for t in theirs):
                differences.append(f"{key}: only chainward reports {sorted(ids)}")
        if len(mine) != len(theirs):
            differences.append(f"{key}: {len(theirs)} pip-audit results, {len(mine)} findings")
    for key, mine in ours.items():
        if key not in seen and mine:
            differences.append(f"{key}: not audited by pip-audit, chainward reports {len(mine)}")
    return theirs_total, ours_total, same_primary, differences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="also apply PyPI-update.zip")
    parser.add_argument(
        "--realworld",
        nargs="?",
        const=ROOT / "tests" / "assets" / "realworld",
        type=Path,
        help="compare on the real-world manifests under this directory",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list every difference")
    parser.add_argument(
        "--record",
        type=Path,
        help="with --realworld: write pip-audit's pins and findings per file to this JSON file",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.realworld is not None:
        from compare_realworld import run_realworld

        return run_realworld(
            args.realworld, update=args.update, verbose=args.verbose, record=args.record
        )
    from chainward.vulndb import import_path, open_store

    update = OSV_ALL.with_name("PyPI-update.zip")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "advisories.sqlite"
        with open_store(db) as store:
            if args.update:
                import_path(store, update)
        server = OsvServer(*([update] if args.update else []))
        try:
            print(
                f"{'manifest':<22} {'pins':>5} {'pip-audit':>9} {'chainward':>9} "
                f"{'same id':>7}  differences"
            )
            for manifest in MANIFESTS:
                pins = sum(1 for line in manifest.read_text().splitlines() if "==" in line)
                _, pip_doc = run_pip_audit(manifest, server.url)
                _, cw_doc = run_chainward(manifest, db)
                theirs, ours, same, differences = compare(pip_doc, cw_doc)
                print(
                    f"{manifest.name:<22} {pins:>5} {theirs:>9} {ours:>9} {same:>7}  "
                    f"{len(differences)}"
                )
                for line in differences[:20]:
                    print(f"    {line}")
                failed |= bool(differences)
        finally:
            server.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
