"""Whole runs of an earlier commit and of this checkout, interleaved in one process (paired A/B).

On a shared machine the speed swings by tens of percent from one minute to the next, more
than a change of a few percent makes. Here both versions run in the same process, one run
after the other with the same seed, alternating which goes first, so each pair meets the
same minute; the ratio of each pair's CPU times is the measurement, and its median and
quartiles are printed. The earlier commit's package is extracted with ``git archive`` and
imported as ``simulation_base`` (its modules import each other relatively).

    python benchmarks/bench_paired.py 86e3241                # none, reactive, koko; 12 seeds
    python benchmarks/bench_paired.py 86e3241 --settings koko --seeds 20
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def extract(rev: str, into: Path) -> None:
    """The package ``simulation`` of commit ``rev`` as ``into/simulation_base``."""
    archive = subprocess.run(["git", "archive", rev, "simulation"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "simulation").rename(into / "simulation_base")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the earlier commit")
    parser.add_argument("--settings", default="none,reactive,koko")
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--scenario", default="new_shelter")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        extract(args.rev, Path(tmp))
        sys.path[:0] = [tmp, str(ROOT)]
        import simulation.runs as now_runs
        import simulation.scenario as now_scenario
        import simulation_base.runs as base_runs
        import simulation_base.scenario as base_scenario

        # each version reads its own commit's scenario file (the schema may have grown since)
        archive = subprocess.run(["git", "archive", args.rev, "scenarios"], cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        base_path = Path(tmp) / "scenarios" / f"{args.scenario}.toml"
        path = ROOT / "scenarios" / f"{args.scenario}.toml"
        print(f"{args.scenario}, {args.seeds} seeds a setting, CPU s per run: {args.rev} against this checkout")
        for name in args.settings.split(","):
            versions = [
                # a commit older than comparison variants knows the structure presets only
                (runs, getattr(scenario, "setting", scenario.with_preset)(scenario.load_scenario(file), name))
                for runs, scenario, file in ((base_runs, base_scenario, base_path), (now_runs, now_scenario, path))
            ]
            for runs, scenario in versions:  # loads the compiled kernels, outside the timing
                runs.run_scenario(scenario, seed=1, days=30)
            times = np.zeros((2, args.seeds))
            for k in range(args.seeds):
                for which in (0, 1) if k % 2 else (1, 0):
                    runs, scenario = versions[which]
                    start = time.process_time()
                    runs.run_scenario(scenario, seed=2 + k)
                    times[which, k] = time.process_time() - start
            ratio = times[1] / times[0]
            q1, median, q3 = np.percentile(ratio, [25, 50, 75])
            print(f"  {name:<9} before {np.median(times[0]):.3f}  after {np.median(times[1]):.3f}  "
                  f"paired ratio after/before: median {median:.3f} (quartiles {q1:.3f}-{q3:.3f})")


if __name__ == "__main__":
    main()
