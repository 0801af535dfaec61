"""Side-by-side: chainward vs picklescan, modelscan, fickling and modelaudit on the labelled corpus.

    python benchmarks/models/compare.py --anchors /tmp/mscan-anchors/bin [--skip-modelaudit]

The anchors are installed in their own virtual environment (so they cannot change
the shared interpreter): see README.md. Each tool runs once per file, as a
subprocess, exactly as a user would; modelaudit runs with its telemetry disabled.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--anchors", type=Path, default=Path("/tmp/mscan-anchors/bin"))
    parser.add_argument("--skip-modelaudit", action="store_true")
    args = parser.parse_args()
    labels = json.loads((CORPUS / "labels.json").read_text())
    env = dict(os.environ, PROMPTFOO_DISABLE_TELEMETRY="1", NO_COLOR="1")
    results: dict[str, dict[str, str]] = {}
    timing: dict[str, float] = {}
    for tool, cmd in tools(args.anchors).items():
        if tool == "modelaudit" and args.skip_modelaudit:
            continue
        start = time.monotonic()
        results[tool] = {}
        for rel in labels:
            target = CORPUS / rel
            try:
                proc = subprocess.run([*cmd, str(target)], capture_output=True, text=True,
                                      env=env, timeout=120, cwd=ROOT)
                results[tool][rel] = flagged(tool, proc)
            except subprocess.TimeoutExpired:
                results[tool][rel] = "timeout"
        timing[tool] = time.monotonic() - start
        print(f"{tool}: {timing[tool]:.1f} s for {len(labels)} files", file=sys.stderr)
    malicious = [r for r, i in labels.items() if i["label"] == "malicious"]
    benign = [r for r, i in labels.items() if i["label"] == "benign"]
    print(f"\n| tool | malicious flagged (of {len(malicious)}) | benign flagged (of {len(benign)}) "
          "| errors/skips | wall s (one process per file) |")
    print("|---|---|---|---|---|")
    for tool, per_file in results.items():
        tp = sum(per_file[r] == "flagged" for r in malicious)
        fp = sum(per_file[r] == "flagged" for r in benign)
        err = sum(per_file[r] not in ("flagged", "clean") for r in labels)
        print(f"| {tool} | {tp} | {fp} | {err} | {timing[tool]:.1f} |")
    print("\nMissed malicious files (per tool):")
    for tool, per_file in results.items():
        missed = [r for r in malicious if per_file[r] != "flagged"]
        print(f"- {tool}: {len(missed)}" + (f" — {', '.join(sorted(missed))}" if missed and
                                               len(missed) <= 70 else ""))
    print("\nFalse positives (benign files flagged):")
    for tool, per_file in results.items():
        fps = [r for r in benign if per_file[r] == "flagged"]
        print(f"- {tool}: {len(fps)}" + (f" — {', '.join(sorted(fps))}" if fps else ""))
    out = Path(__file__).with_name("results.json")
    out.write_text(json.dumps({"results": results, "timing": timing}, indent=1) + "\n")


if __name__ == "__main__":
    main()
