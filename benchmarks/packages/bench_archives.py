"""Archive check: chainward vs GuardDog on the same labelled archives, side by side.

Malicious: tests/assets/packages/malicious/ (inert look-alikes of documented attacks).
Benign: real sdists and wheels of popular packages in benchmarks/work/benign-{sdist,wheel}/
(fetch them with fetch_benign.sh) plus tests/assets/packages/benign/.

chainward runs with the archive rules only (no name popularity, no advisory database), so
that the numbers measure code analysis; "flagged" = verdict suspicious or malicious.
GuardDog runs `guarddog pypi scan ARCHIVE` (source rules; no registry metadata offline);
"flagged" = risk label suspicious or high_risk (score >= 5); "any issue" is also shown.

Usage: python benchmarks/packages/bench_archives.py [--guarddog PATH/TO/guarddog]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from chainward.packages import Checker

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
SETS = {
    "malicious": [ROOT / "tests/assets/packages/malicious"],
    "benign": [
        ROOT / "benchmarks/work/benign-sdist",
        ROOT / "benchmarks/work/benign-wheel",
        ROOT / "tests/assets/packages/benign",
    ],
}
ARCHIVES = (".whl", ".tar.gz", ".zip")


def archives(dirs: list[Path]) -> list[Path]:
    seen: dict[str, Path] = {}
    for directory in dirs:
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                if path.name.endswith(ARCHIVES):
                    seen.setdefault(path.name, path)
    return list(seen.values())


def run_chainward(paths: list[Path]) -> list[dict[str, object]]:
    checker = Checker(names=False, known_malicious=False)
    out = []
    for path in paths:
        wall, cpu = time.perf_counter(), time.process_time()
        result = checker.check_archive(path)
        out.append(
            {
                "archive": path.name,
                "flagged": result.verdict.value != "clean",
                "verdict": result.verdict.value,
                "rules": sorted({f.rule for f in result.findings if f.severity >= 2}),
                "wall": time.perf_counter() - wall,
                "cpu": time.process_time() - cpu,
            }
        )
    return out


def run_guarddog(guarddog: str, paths: list[Path]) -> list[dict[str, object]]:
    from guarddog_env import guarddog_env

    python = str(Path(guarddog).with_name("python"))
    env = guarddog_env(python)
    out = []
    for path in paths:
        start = time.perf_counter()
        done = subprocess.run(
            [guarddog, "pypi", "scan", str(path), "--output-format", "json"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        wall = time.perf_counter() - start
        try:
            data = json.loads(done.stdout)
            risk = data.get("risk_score") or {}
            label = risk.get("label", "none")
            issues = int(data.get("issues", 0))
        except (json.JSONDecodeError, AttributeError):
            label, issues = "error", 0
        out.append(
            {
                "archive": path.name,
                "flagged": label in ("suspicious", "high_risk"),
                "label": label,
                "issues": issues,
                "wall": wall,
            }
        )
    return out


def summarise(name: str, rows: list[dict[str, object]], key: str = "wall") -> str:
    flagged = sum(1 for r in rows if r["flagged"])
    times = [float(r[key]) for r in rows]  # type: ignore[arg-type]
    return (
        f"{flagged}/{len(rows)} flagged ({flagged / max(len(rows), 1):.0%}); "
        f"{key} time mean {statistics.mean(times):.2f} s, median "
        f"{statistics.median(times):.2f} s, max {max(times):.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guarddog", help="path of the guarddog executable (its own venv)")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    results: dict[str, dict[str, list[dict[str, object]]]] = {}
    for label, dirs in SETS.items():
        paths = archives(dirs)
        results[label] = {"chainward": run_chainward(paths)}
        if args.guarddog:
            results[label]["guarddog"] = run_guarddog(args.guarddog, paths)
    for label, tools in results.items():
        print(f"## {label} ({len(tools['chainward'])} archives)")
        print(
            f"chainward: {summarise(label, tools['chainward'])}; "
            f"{summarise(label, tools['chainward'], 'cpu').split('; ')[1]}"
        )
        if "guarddog" in tools:
            gd = tools["guarddog"]
            any_issue = sum(1 for r in gd if int(r["issues"]) > 0)  # type: ignore[call-overload]
            print(f"guarddog:  {summarise(label, gd)}; any issue {any_issue}/{len(gd)}")
            ratio = (
                statistics.mean(float(r["wall"]) for r in gd)  # type: ignore[arg-type]
                / statistics.mean(float(r["wall"]) for r in tools["chainward"])
            )  # type: ignore[arg-type]
            print(f"mean wall-time ratio guarddog/chainward: {ratio:.1f}x")
        if args.show:
            by_name = {r["archive"]: r for r in tools.get("guarddog", [])}
            for row in tools["chainward"]:
                other = by_name.get(row["archive"], {})
                print(
                    f"  {row['archive'][:60]:60s} chainward={row['verdict']:10s} "
                    f"guarddog={other.get('label', '-'):10s} {','.join(row['rules'])}"
                )  # type: ignore[arg-type]
    out = ROOT / "benchmarks/work/archive-results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
