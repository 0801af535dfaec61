"""Side-by-side: chainward vs picklescan, modelscan, fickling and modelaudit on the labelled corpus.

    python benchmarks/models/compare.py --anchors /tmp/mscan-anchors/bin [--tools a,b] [--report]
    python benchmarks/models/compare.py --missing   # only files a tool has no result for yet

The anchors are installed in their own virtual environment (so they cannot change
the shared interpreter): see README.md. Each tool runs once per file, as a
subprocess, exactly as a user would — except modelaudit, which costs seconds per
file and is therefore run once on the whole corpus folder (its JSON names the file
of every issue); it runs with its telemetry disabled. Results are cached in
results.json after each tool, so ``--report`` reprints the tables.
"flagged" follows each tool's own exit-code rule (chainward: a finding at or above
"high", i.e. verdict unsafe). Prints a detection table, a false-positive table and
writes results.json beside this script.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "assets" / "models"


def tools(bin_dir: Path) -> dict[str, list[str]]:
    return {
        "chainward": [sys.executable, "-m", "chainward", "model", "scan", "-f", "json"],
        "picklescan": [str(bin_dir / "picklescan"), "-p"],
        "modelscan": [str(bin_dir / "modelscan"), "-p"],
        "fickling": [str(bin_dir / "fickling"), "--check-safety"],
        "modelaudit": [str(bin_dir / "modelaudit"), "scan", "--format", "json", "--no-cache"],
    }


def flagged(tool: str, proc: subprocess.CompletedProcess[str]) -> str:
    code = proc.returncode
    if tool == "modelscan":
        # 0 clean, 1 issues found, 2 errors, 3 no supported files, 4 usage
        return {0: "clean", 1: "flagged", 3: "skipped"}.get(code, "error")
    if tool in ("chainward", "picklescan", "fickling", "modelaudit"):
        return {0: "clean", 1: "flagged"}.get(code, "error")
    return "error"


def run_modelaudit(
    bin_dir: Path,
    labels: dict[str, dict[str, str]],
    env: dict[str, str],
    folder: Path = CORPUS,
    files: list[str] | None = None,
) -> dict[str, str]:
    """modelaudit over the whole folder, or over the listed files (``--missing``)."""
    targets = [str(CORPUS / rel) for rel in files] if files else [str(folder)]
    proc = subprocess.run(
        [str(bin_dir / "modelaudit"), "scan", "--format", "json", "--no-cache", *targets],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
        cwd=ROOT,
    )
    doc = json.loads(proc.stdout[proc.stdout.index("{") :])
    if files:
        labels = {rel: labels[rel] for rel in files}
    out = {rel: "clean" for rel in labels}
    for issue in doc.get("issues", []):
        if issue.get("severity") not in ("warning", "critical"):
            continue
        location = str(issue.get("location") or "")
        for rel in labels:
            path = str(CORPUS / rel)
            if location == path or (location.startswith(path) and location[len(path)] in " :!/("):
                out[rel] = "flagged"
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--anchors", type=Path, default=Path("/tmp/mscan-anchors/bin"))
    parser.add_argument("--tools", default="chainward,picklescan,modelscan,fickling,modelaudit")
    parser.add_argument("--report", action="store_true", help="only print cached results")
    parser.add_argument("--subset", default="", help="only labels under this folder, e.g. formats2")
    parser.add_argument(
        "--missing", action="store_true", help="only files a tool has no cached result for"
    )
    args = parser.parse_args()
    labels = json.loads((CORPUS / "labels.json").read_text())
    extra = CORPUS / "formats2" / "labels.json"  # the second corpus has its own generator
    if extra.exists():
        labels.update(json.loads(extra.read_text()))
    if args.subset:
        labels = {k: v for k, v in labels.items() if k.startswith(args.subset.rstrip("/") + "/")}
    env = dict(os.environ, PROMPTFOO_DISABLE_TELEMETRY="1", NO_COLOR="1")
    suffix = f"-{args.subset.strip('/').replace('/', '-')}" if args.subset else ""
    cache = Path(__file__).with_name(f"results{suffix}.json")
    saved = json.loads(cache.read_text()) if cache.exists() else {"results": {}, "timing": {}}
    results: dict[str, dict[str, str]] = saved["results"]
    timing: dict[str, float] = saved["timing"]
    selected = [] if args.report else args.tools.split(",")
    for tool, cmd in tools(args.anchors).items():
        if tool not in selected:
            continue
        start = time.monotonic()
        previous = results.get(tool, {}) if args.missing else {}
        todo = [rel for rel in labels if rel not in previous]
        if not todo:
            continue
        if tool == "modelaudit":
            results[tool] = {
                **previous,
                **run_modelaudit(
                    args.anchors, labels, env, CORPUS / args.subset, todo if previous else None
                ),
            }
        else:
            results[tool] = dict(previous)
            for rel in todo:
                try:
                    proc = subprocess.run(
                        [*cmd, str(CORPUS / rel)],
                        capture_output=True,
                        text=True,
                        env=env,
                        timeout=120,
                        cwd=ROOT,
                    )
                    results[tool][rel] = flagged(tool, proc)
                except subprocess.TimeoutExpired:
                    results[tool][rel] = "timeout"
        spent = time.monotonic() - start
        if not previous or tool not in timing:  # a partial run keeps the full run's time
            timing[tool] = spent if not previous else spent * len(labels) / len(todo)
        cache.write_text(json.dumps({"results": results, "timing": timing}, indent=1) + "\n")
        print(f"{tool}: {spent:.1f} s for {len(todo)} files", file=sys.stderr)
    main_labels = {r: i for r, i in labels.items() if not r.startswith("formats2/")}
    second = {r: i for r, i in labels.items() if r.startswith("formats2/")}
    for title, group in (("labelled corpus", main_labels), ("formats2 corpus", second)):
        if group:
            print(f"\n## {title}\n")
            print_tables(group, results, timing)


def print_tables(
    labels: dict[str, dict[str, str]],
    results: dict[str, dict[str, str]],
    timing: dict[str, float],
) -> None:
    malicious = [r for r, i in labels.items() if i["label"] == "malicious"]
    benign = [r for r, i in labels.items() if i["label"] == "benign"]
    print(
        f"| tool | malicious flagged (of {len(malicious)}) | benign flagged (of {len(benign)}) "
        "| errors/skips | wall s |"
    )
    print("|---|---|---|---|---|")
    for tool, per_file in results.items():
        tp = sum(per_file.get(r) == "flagged" for r in malicious)
        fp = sum(per_file.get(r) == "flagged" for r in benign)
        err = sum(per_file.get(r) not in ("flagged", "clean") for r in labels)
        mode = " (one process, whole folder)" if tool == "modelaudit" else " (one process per file)"
        print(f"| {tool} | {tp} | {fp} | {err} | {timing.get(tool, 0.0):.1f}{mode} |")
    print("\nMissed malicious files:")
    for tool, per_file in results.items():
        missed = sorted(
            r.removeprefix("malicious/") for r in malicious if per_file.get(r) != "flagged"
        )
        print(f"- {tool} ({len(missed)}): {', '.join(missed) if missed else '-'}")
    print("\nFalse positives (benign files flagged):")
    for tool, per_file in results.items():
        fps = sorted(r.removeprefix("benign/") for r in benign if per_file.get(r) == "flagged")
        print(f"- {tool} ({len(fps)}): {', '.join(fps) if fps else '-'}")


if __name__ == "__main__":
    main()
