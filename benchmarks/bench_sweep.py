"""Sweep runner: throughput, overhead, coordinator memory, and Mesa's batch_run alongside.

1. The shipped small experiment (experiments/small_mediators_warning.toml: 12 points x 5
   replications + 5 reference runs at 2,000 residents) on 2 workers: runs per minute and the
   runner's overhead, 1 - (sum of run times) / (wall time x workers).
2. Coordinator memory as the sweep grows: the same tiny sweep (100 residents, 20 days) with
   100 and with 1,000 runs, each in a fresh process; peak RSS of the coordinating process
   alone (ru_maxrss of RUSAGE_SELF: workers are other processes).
3. Mesa's batch_run on the same tiny sweeps (2 processes, per-day data collection like our
   per-day table), for time and the same memory figure.

Run: ``python benchmarks/bench_sweep.py`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TINY = {"town.residents": 100, "warmup_days": 10}
TINY_DAYS = 20


def _experiment(tmp: Path, source: Path | None, runs: int | None = None) -> Path:
    """A copy of an experiment writing into ``tmp`` (or a tiny factorial with ``runs`` runs)."""
    if source is not None:
        text = source.read_text().replace('scenario = "../scenarios/', f'scenario = "{ROOT}/scenarios/')
        text = text.replace('output = "../results/small_mediators_warning"', f'output = "{tmp}/out"')
        path = tmp / "exp.toml"
        path.write_text(text)
        return path
    scenario = tmp / "tiny.toml"
    scenario.write_text(f'base = "{ROOT}/scenarios/baseline.toml"\ndays = {TINY_DAYS}\nwarmup_days = 10\n'
                        "[town]\nresidents = 100\n")
    path = tmp / "exp.toml"
    path.write_text(f'scenario = "{scenario}"\noutput = "{tmp}/out"\ndesign = "full_factorial"\nreplications = {runs // 10}\n'
                    f'reference = ""\n[parameters."conflict.incident_probability"]\nlow = 0.05\nhigh = 0.3\n'
                    '[parameters."residents.tolerance_mean"]\nvalues = [0.2, 0.3]\n'
                    .replace('low = 0.05\nhigh = 0.3', 'values = [0.05, 0.1, 0.15, 0.2, 0.3]'))
    return path


def measure_quartier(runs: int | None) -> dict:
    from simulation.experiments.sweep import run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = ROOT / "experiments" / "small_mediators_warning.toml" if runs is None else None
        path = _experiment(tmp, source, runs)
        start = time.perf_counter()
        report = run_sweep(path, workers=2, progress=False)
        wall = time.perf_counter() - start
    return {
        "runs": report["runs"],
        "wall_s": wall,
        "runs_per_minute": report["runs"] / wall * 60,
        "overhead_share": 1.0 - report["run_seconds"] / (wall * 2),
        "coordinator_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure_batch_run(runs: int) -> dict:
    import mesa

    from simulation.scenario import apply_overrides, load_scenario

    base = apply_overrides(load_scenario(ROOT / "scenarios" / "baseline.toml"), {**TINY, "days": TINY_DAYS})
    configs = [
        apply_overrides(base, {"conflict.incident_probability": p, "residents.tolerance_mean": t})
        for p in (0.05, 0.1, 0.15, 0.2, 0.3) for t in (0.2, 0.3)
    ]
    start = time.perf_counter()
    results = mesa.batch_run(BatchQuartier, {"config": configs}, number_processes=2, rng=list(range(runs // 10)),
                             data_collection_period=1, max_steps=TINY_DAYS, display_progress=False)
    wall = time.perf_counter() - start
    return {
        "runs": runs,
        "rows": len(results),
        "wall_s": wall,
        "runs_per_minute": runs / wall * 60,
        "coordinator_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


try:
    from simulation.model import QuartierModel

    class BatchQuartier(QuartierModel):
        """QuartierModel with the keyword batch_run passes (``rng``)."""

        def __init__(self, config, rng=None):
            super().__init__(config, seed=rng)
except ImportError:  # pragma: no cover
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=2, metavar=("WHICH", "RUNS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        which, runs = args.one
        runs = None if runs == "small" else int(runs)
        print(json.dumps(measure_quartier(runs) if which == "quartier" else measure_batch_run(runs)))
        return

    def fresh(which: str, runs: str) -> dict:
        out = subprocess.run([sys.executable, __file__, "--one", which, runs], check=True, capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    small = fresh("quartier", "small")
    print(f"small experiment: {small['runs']} runs in {small['wall_s']:.1f} s on 2 workers = "
          f"{small['runs_per_minute']:.0f} runs/min; runner overhead {100 * small['overhead_share']:.1f} %")
    print(f"{'':10} {'runs':>6} {'wall s':>8} {'runs/min':>9} {'coordinator peak MB':>20}")
    for which in ("quartier", "batch_run"):
        for runs in ("100", "1000"):
            r = fresh(which, runs)
            print(f"{which:10} {r['runs']:>6} {r['wall_s']:>8.1f} {r['runs_per_minute']:>9.0f} {r['coordinator_peak_mb']:>20.0f}")


if __name__ == "__main__":
    main()
