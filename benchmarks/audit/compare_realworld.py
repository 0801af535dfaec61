"""chainward vs pip-audit on real-world manifests of every format (see compare_pip_audit.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench_audit import ROOT, OsvServer
from compare_pip_audit import _id_sets
from packaging.utils import canonicalize_name
from realworld_pins import kind, pins, requirements_pins, write_requirements

SKIP_SUFFIXES = (".md", ".py", ".sh")
RECORD_NAME = "pip-audit-findings.json"
INCLUDE = re.compile(r"^\s*(-r|--requirement)[\s=]", re.MULTILINE)


@dataclass
class Outcome:
    path: Path
    kind: str
    pins_pip: int = 0
    pins_cw: int = 0
    findings_pip: int = 0
    findings_cw: int = 0
    agreed: int = 0
    invisible: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    recorded: dict = field(default_factory=dict)
    fix_same: int = 0
    fix_diff: list[str] = field(default_factory=list)


def _pip_audit(requirements: Path, osv_url: str) -> tuple[int, dict | None, str]:
    with tempfile.TemporaryDirectory() as cache:
        proc = subprocess.run(
            [
                "pip-audit",
                "-r",
                str(requirements),
                "--no-deps",
                "--disable-pip",
                "-s",
                "osv",
                "--osv-url",
                osv_url,
                "--cache-dir",
                cache,
                "-f",
                "json",
                "--progress-spinner",
                "off",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    doc = json.loads(proc.stdout) if proc.returncode in (0, 1) and proc.stdout else None
    return proc.returncode, doc, proc.stderr.strip()


def _chainward(path: Path, db: Path) -> tuple[int, dict | None, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "chainward", "audit", str(path), "--db", str(db), "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    doc = json.loads(proc.stdout) if proc.returncode in (0, 1) and proc.stdout else None
    return proc.returncode, doc, proc.stderr.strip()


def _pip_audit_pins(
    pins_: list[tuple[str, str]], osv_url: str, tmp: Path
) -> tuple[int, dict | None, str]:
    """pip-audit on ``name==version`` lines; one run per layer, since it refuses a name
    twice in one file (pypa/pip-audit#662) and a forked lock holds two versions of it."""
    layers: list[list[tuple[str, str]]] = []
    for pin in pins_:
        for layer in layers:
            if all(name != pin[0] for name, _ in layer):
                layer.append(pin)
                break
        else:
            layers.append([pin])
    merged: dict = {"dependencies": []}
    for index, layer in enumerate(layers):
        code, doc, err = _pip_audit(write_requirements(layer, tmp / f"pins{index}.txt"), osv_url)
        if doc is None:
            return code, None, err
        merged["dependencies"] += doc["dependencies"]
    return 0, merged, ""


def compare_one(path: Path, db: Path, osv_url: str, tmp: Path) -> Outcome:
    what = kind(path)
    out = Outcome(path, what)
    expected, out.invisible = pins(path)
    if what == "requirements":
        code, pip_doc, err = _pip_audit(path, osv_url)
        if pip_doc is None:
            out.notes.append(f"pip-audit refused the file (exit {code}): {err.splitlines()[-1]}")
            code, pip_doc, err = _pip_audit_pins(expected, osv_url, tmp)
        elif INCLUDE.search(path.read_text(encoding="utf-8-sig")):
            out.notes.append(
                "pip-audit --disable-pip does not follow -r includes (cf. pypa/pip-audit#587): "
                "given the flattened exact pins instead"
            )
            code, pip_doc, err = _pip_audit_pins(expected, osv_url, tmp)
    else:
        code, pip_doc, err = _pip_audit_pins(expected, osv_url, tmp)
    if pip_doc is None:
        out.differences.append(f"pip-audit failed on the pins (exit {code}): {err[-300:]}")
        return out
    theirs: dict[tuple[str, str], list[frozenset[str]]] = {}
    their_fixes: dict[tuple[str, str], list[tuple[frozenset[str], list[str]]]] = {}
    for dep in pip_doc["dependencies"]:
        key = (canonicalize_name(dep["name"]), dep.get("version", ""))
        if "skip_reason" in dep:
            out.notes.append(f"pip-audit skipped {key}: {dep['skip_reason']}")
            continue
        theirs[key] = _id_sets(dep["vulns"])
        their_fixes[key] = [
            (frozenset([v["id"], *v.get("aliases", [])]), v["fix_versions"]) for v in dep["vulns"]
        ]
    out.recorded = {
        "pins": sorted(f"{name}=={version}" for name, version in theirs),
        "findings": {
            f"{name}=={version}": sorted(sorted(ids) for ids in sets)
            for (name, version), sets in sorted(theirs.items())
            if sets
        },
        "not_seen_by_pip_audit": out.invisible,
    }
    code, cw_doc, cw_err = _chainward(path, db)
    if cw_doc is None:
        out.differences.append(f"chainward exit {code}: {cw_err[-300:]}")
        return out
    out.notes += [line for line in cw_err.splitlines() if line.strip()][:40]

    ours: dict[tuple[str, str], list[frozenset[str]]] = defaultdict(list)
    our_fixes: dict[tuple[str, str], list[tuple[frozenset[str], list[str]]]] = defaultdict(list)
    for dep in cw_doc["dependencies"]:
        key = (canonicalize_name(dep["name"]), dep["version"])
        ours[key] += _id_sets(dep["vulns"])
        our_fixes[key] += [
            (frozenset([v["id"], *v.get("aliases", [])]), v["fix_versions"]) for v in dep["vulns"]
        ]
    for key, pairs in their_fixes.items():
        for ids, fixes in pairs:
            mine = [f for i, f in our_fixes.get(key, []) if i & ids]
            if not mine:
                continue
            if mine[0] == fixes:
                out.fix_same += 1
            else:
                out.fix_diff.append(
                    f"{key} {sorted(ids)[0]}: pip-audit {fixes}, chainward {mine[0]}"
                )
    out.pins_pip, out.pins_cw = len(theirs), len(ours)
    for key in sorted(set(theirs) - set(ours)):
        out.differences.append(f"{key}: audited by pip-audit only ({len(theirs[key])} findings)")
    for key in sorted(set(ours) - set(theirs)):
        out.differences.append(f"{key}: audited by chainward only ({len(ours[key])} findings)")
    for key in sorted(set(ours) & set(theirs)):
        mine, their = ours[key], theirs[key]
        out.findings_pip += len(their)
        out.findings_cw += len(mine)
        for ids in their:
            if any(ids & m for m in mine):
                out.agreed += 1
            else:
                out.differences.append(f"{key}: only pip-audit reports {sorted(ids)}")
        for ids in mine:
            if not any(ids & t for t in their):
                out.differences.append(f"{key}: only chainward reports {sorted(ids)}")
    for key in set(theirs) - set(ours):
        out.findings_pip += len(theirs[key])
    for key in set(ours) - set(theirs):
        out.findings_cw += len(ours[key])
    return out


def manifests(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and not p.name.endswith(SKIP_SUFFIXES)
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
        and p.name != RECORD_NAME
    )


def run_realworld(root: Path, *, update: bool, verbose: bool, record: Path | None = None) -> int:
    from bench_audit import OSV_ALL

    from chainward.vulndb import import_path, open_store

    update_zip = OSV_ALL.with_name("PyPI-update.zip")
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "advisories.sqlite"
        with open_store(db) as store:
            if update:
                import_path(store, update_zip)
        server = OsvServer(*([update_zip] if update else []))
        try:
            for path in manifests(root):
                outcome = compare_one(path, db, server.url, tmp)
                outcomes.append(outcome)
                rel = path.relative_to(root)
                print(
                    f"{rel!s:<58} {outcome.kind:<14} pins {outcome.pins_cw:>3}/"
                    f"{outcome.pins_pip:<3} findings {outcome.findings_cw:>3}/"
                    f"{outcome.findings_pip:<3} agreed {outcome.agreed:>3} "
                    f"diff {len(outcome.differences)}"
                )
                shown = outcome.differences if verbose else outcome.differences[:8]
                for line in shown:
                    print(f"    DIFF {line}")
                if verbose:
                    for line in outcome.notes:
                        print(f"    note {line}")
                    if outcome.invisible:
                        print(f"    pip-audit cannot see: {', '.join(outcome.invisible)}")
                    for line in outcome.fix_diff:
                        print(f"    fix versions differ: {line}")
        finally:
            server.close()
    if record is not None:
        recorded = {
            str(o.path.relative_to(root)): {"format": o.kind, **o.recorded}
            for o in outcomes
            if o.recorded
        }
        record.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
        print(f"pip-audit's findings recorded in {record}")
    print()
    print(
        "| format | files | pins chainward / pip-audit | findings chainward / pip-audit "
        "| agreed | differences | same fix versions |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    for what, group in sorted(by_kind.items()):
        print(
            f"| {what} | {len(group)} | {sum(o.pins_cw for o in group)} / "
            f"{sum(o.pins_pip for o in group)} | {sum(o.findings_cw for o in group)} / "
            f"{sum(o.findings_pip for o in group)} | {sum(o.agreed for o in group)} | "
            f"{sum(len(o.differences) for o in group)} | "
            f"{sum(o.fix_same for o in group)} of {sum(o.fix_same + len(o.fix_diff) for o in group)} |"
        )
    return 1 if any(o.differences for o in outcomes) else 0


__all__ = ["compare_one", "manifests", "requirements_pins", "run_realworld"]
