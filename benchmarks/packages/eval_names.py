"""Name check: recall on real malicious imitators, false positives on legitimate names.

Usage: python benchmarks/packages/eval_names.py [--guarddog] [--show]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from chainward.packages.popular import load_popular
from chainward.packages.typosquat import TyposquatIndex

sys.path.insert(0, str(Path(__file__).resolve().parent))

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def read_lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text().splitlines() if ln and not ln.startswith("#")]


def imitators() -> list[tuple[str, str]]:
    return [tuple(ln.split("\t")[:2]) for ln in read_lines(DATA / "malicious_imitators.tsv")]  # type: ignore[misc]


def run(
    index_ranks: dict[str, int],
    mal: list[tuple[str, str]],
    legit: list[str],
    show: bool,
    label: str,
    guarddog: bool,
) -> None:
    index = TyposquatIndex(index_ranks)
    start = time.perf_counter()
    hits = {name: index.check(name) for name, _ in mal}
    fps = {name: index.check(name) for name in legit}
    elapsed = time.perf_counter() - start
    caught = sum(1 for m in hits.values() if m is not None)
    flagged = [n for n, m in fps.items() if m is not None]
    n = len(mal) + len(legit)
    print(f"## {label}")
    print(
        f"chainward: recall {caught}/{len(mal)} = {caught / len(mal):.1%}; "
        f"false positives {len(flagged)}/{len(legit)} = {len(flagged) / len(legit):.2%}; "
        f"{elapsed / n * 1000:.2f} ms/name"
    )
    if show:
        for name, target in mal:
            if hits[name] is None:
                print("  MISS", name, "->", target)
        for name in flagged:
            m = fps[name]
            assert m is not None
            print("  FP", name, "->", m.imitates, m.technique, m.detail)
    if guarddog:
        start = time.perf_counter()
        flagged_gd = guarddog_flagged(guarddog, index_ranks, [n for n, _ in mal] + legit)
        g_elapsed = time.perf_counter() - start
        g_caught = sum(1 for name, _ in mal if name in flagged_gd)
        g_flagged = [x for x in legit if x in flagged_gd]
        print(
            f"guarddog typosquatting rule: recall {g_caught}/{len(mal)} = "
            f"{g_caught / len(mal):.1%}; false positives {len(g_flagged)}/{len(legit)} = "
            f"{len(g_flagged) / len(legit):.2%}; {g_elapsed / n * 1000:.2f} ms/name "
            "(including start-up)"
        )


def guarddog_flagged(python: str, ranks: dict[str, int], names: list[str]) -> set[str]:
    """GuardDog's own detector in its own environment, fed the same popular list, offline."""
    import subprocess

    from guarddog_env import guarddog_env

    done = subprocess.run(
        [python, str(HERE / "guarddog_names.py")],
        input="\n".join(names),
        text=True,
        capture_output=True,
        check=True,
        env=guarddog_env(python, ranks),
    )
    return set(done.stdout.split())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", action="store_true")
    parser.add_argument(
        "--guarddog", metavar="PYTHON", help="Python of an environment where guarddog is installed"
    )
    args = parser.parse_args()
    ranks = dict(load_popular())
    mal = imitators()
    legit = read_lines(DATA / "legit_longtail.txt")
    run(
        ranks,
        mal,
        legit,
        args.show,
        "A: full reference list; legitimate = 5,000 unranked names",
        args.guarddog,
    )
    held = {n: r for n, r in ranks.items() if r <= 10000}
    mal_b = [(n, t) for n, t in mal if t in held]
    legit_b = sorted(n for n, r in ranks.items() if r > 10000)
    run(
        held,
        mal_b,
        legit_b,
        args.show,
        "B: reference = ranks 1-10000; legitimate = ranks 10001-15000",
        args.guarddog,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
