"""End-to-end time of the flagship comparison (``make demo``), before and after issue 14.

Runs ``quartier compare scenarios/new_shelter.toml`` with its 3 structure settings and 20
replications at about 2,000 residents over 365 days (plus the warm-up), on 2 worker
processes, report included, as ``make demo`` does: a fresh process each time. "Before" is
commit 5831ca4 (a git worktree, see ``bench_model.py``), "after" this checkout; each
command runs with ``PYTHONPATH`` set to its checkout, which the fork server's workers
inherit. The two alternate, ``--repeat`` times each; "after, cold" runs once more with an
empty numba cache, so the first-run compilation is counted as a new installation pays it.

Run: ``python benchmarks/bench_compare.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_model import baseline_checkout  # noqa: E402


def compare_once(root: Path, replications: int, workers: int, extra_env: dict | None = None) -> float:
    env = {**os.environ, "PYTHONPATH": str(root), **(extra_env or {})}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "simulation", "compare", str(root / "scenarios" / "new_shelter.toml"),
             "--replications", str(replications), "--workers", str(workers), "--out", f"{tmp}/r"],
            check=True, capture_output=True, env=env, cwd=tmp,
        )  # fmt: skip
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", type=Path, default=Path(os.environ.get("QUARTIER_BASELINE", "/tmp/quartier-baseline")))
    args = parser.parse_args()
    before = baseline_checkout(args.baseline)
    times: dict[str, list[float]] = {"before": [], "after": []}
    label = f"compare, 3 settings x {args.replications} runs, {args.workers} workers"
    for _ in range(args.repeat):
        for name, root in (("before", before), ("after", ROOT)):
            times[name].append(compare_once(root, args.replications, args.workers))
            print(f"{label}, {name}: {times[name][-1]:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as cache:
        cold = compare_once(ROOT, args.replications, args.workers, {"NUMBA_CACHE_DIR": cache})
    print(f"{label}, after with an empty numba cache (first run compiles): {cold:.1f} s")
    b, a = statistics.median(times["before"]), statistics.median(times["after"])
    runs = 3 * args.replications
    print(f"median before {b:.1f} s, after {a:.1f} s (cold {cold:.1f} s): ratio {b / a:.2f} "
          f"({runs / b * 60:.0f} -> {runs / a * 60:.0f} runs a minute)")


if __name__ == "__main__":
    main()
