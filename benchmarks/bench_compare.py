"""End-to-end time of the flagship comparison (issue: structures and compare).

Runs ``quartier compare scenarios/new_shelter.toml`` with 3 structure settings and 20
replications at about 2,000 residents over 365 days (plus the warm-up), on 2 worker
processes, report included, as a user would: a fresh process each time. Prints each wall
time and the median.

Run: ``python benchmarks/bench_compare.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    times = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "simulation", "compare", str(ROOT / "scenarios" / "new_shelter.toml"),
                 "--replications", str(args.replications), "--workers", str(args.workers), "--out", f"{tmp}/r"],
                check=True, capture_output=True,
            )
            times.append(time.perf_counter() - start)
            print(f"compare, 3 settings x {args.replications} runs, {args.workers} workers: {times[-1]:.1f} s")
    runs = 3 * args.replications
    median = statistics.median(times)
    print(f"median {median:.1f} s over {len(times)} repeats; {runs / median * 60:.0f} runs a minute")


if __name__ == "__main__":
    main()
