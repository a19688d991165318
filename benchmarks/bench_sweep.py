"""Sweep runner: throughput, overhead, coordinator memory, and Mesa's batch_run alongside.

1. The shipped small experiment (experiments/small_mediators_warning.toml: 12 points x 5
   replications + 5 reference runs at 2,000 residents) on 2 workers: runs per minute and the
   runner's overhead, 1 - (sum of run times) / (wall time x workers).
2. Coordinator memory as the sweep grows: the same tiny sweep (100 residents, 20 days) with
   100 and with 1,000 runs, each in a fresh process; peak RSS of the coordinating process
   alone (ru_maxrss of RUSAGE_SELF: workers are other processes).
3. Mesa's batch_run on the same tiny sweeps (2 processes, per-day data collection like our
   per-day table), for time and the same memory figure.

4. Before and after issue 14, side by side (``--compare``): the small experiment and a
   reduced ``experiments/sobol_structures.toml`` (``--sobol-samples`` base samples instead of
   512, same parameters, replications and reference), each on 2 workers with ``PYTHONPATH``
   set to the implementation measured (commit 5831ca4 as a git worktree, see
   ``bench_model.py``, or this checkout); the full sweep's time is extrapolated from the
   reduced one's runs per minute. Pool start-up (until the first worker is ready) is timed
   apart: the fork server is started first, so the runner's overhead
   ``1 - (sum of run times) / (wall time x workers)`` leaves it out. The overhead is given
   over the runs' loop and, next to it, over the whole call with the sweep's set-up (design,
   manifest) included, with the set-up's seconds.

Run: ``python benchmarks/bench_sweep.py`` (a few minutes on 2 cores; ``--compare`` adds
about 15 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A child measuring another checkout (QUARTIER_BENCH_ROOT) imports that checkout's code.
SOURCE = Path(os.environ.get("QUARTIER_BENCH_ROOT", ROOT))
sys.path.insert(0, str(SOURCE))

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


def _sobol(tmp: Path, samples: int) -> Path:
    """experiments/sobol_structures.toml with ``samples`` base samples, writing into ``tmp``."""
    text = (SOURCE / "experiments" / "sobol_structures.toml").read_text()
    text = text.replace('scenario = "../scenarios/', f'scenario = "{SOURCE}/scenarios/')
    text = re.sub(r"^samples = \d+", f"samples = {samples}", text, flags=re.M)
    text = re.sub(r"^output = .*$", f'output = "{tmp}/out"', text, flags=re.M)
    path = tmp / "sobol.toml"
    path.write_text(text)
    return path


def pool_start_up() -> float:
    """Seconds until a fresh pool of 2 workers has run a trivial task on each."""
    from simulation.experiments.runner import process_pool  # there in the baseline too (since: pool)

    start = time.perf_counter()
    pool = process_pool(2)
    list(pool.map(abs, [-1, -2]))
    took = time.perf_counter() - start
    pool.shutdown()
    return took


def measure_quartier(runs: int | None, sobol_samples: int | None = None) -> dict:
    from simulation.experiments.sweep import run_sweep

    start_up = pool_start_up()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if sobol_samples:
            path = _sobol(tmp, sobol_samples)
        else:
            source = SOURCE / "experiments" / "small_mediators_warning.toml" if runs is None else None
            path = _experiment(tmp, source, runs)
        start = time.perf_counter()
        report = run_sweep(path, workers=2, progress=False)
        wall = time.perf_counter() - start
    return {
        "runs": report["runs"],
        "wall_s": wall,
        "runs_per_minute": report["runs"] / wall * 60,
        # The runner's overhead while it runs: over the runs' loop (report["wall_seconds"]),
        # not the set-up before it (the design, with SALib's import, and the manifest: once
        # per sweep, ~2 s, which would be a share of a reduced sweep but not of a real one).
        "overhead_share": 1.0 - report["run_seconds"] / (report["wall_seconds"] * 2),
        "overhead_share_with_set_up": 1.0 - report["run_seconds"] / (wall * 2),
        "set_up_s": wall - report["wall_seconds"],
        # The fork server was started (and timed) before the sweep and serves its pool too,
        # so the overheads above leave the pool's start-up out.
        "pool_start_up_s": start_up,
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
    parser.add_argument("--compare", action="store_true", help="before/after issue 14, small and reduced Sobol")
    parser.add_argument("--sobol-samples", type=int, default=4, help="base samples of the reduced Sobol sweep")
    parser.add_argument("--baseline", type=Path, default=Path(os.environ.get("QUARTIER_BASELINE", "/tmp/quartier-baseline")))
    args = parser.parse_args()
    if args.one:
        which, runs = args.one
        if which == "sobol":
            print(json.dumps(measure_quartier(None, int(runs))))
            return
        runs = None if runs == "small" else int(runs)
        print(json.dumps(measure_quartier(runs) if which == "quartier" else measure_batch_run(runs)))
        return
    if args.compare:
        compare(args.baseline, args.sobol_samples)
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


def compare(baseline: Path, sobol_samples: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_model import baseline_checkout

    roots = {"before": baseline_checkout(baseline), "after": ROOT}

    def fresh_in(root: Path, which: str, runs: str) -> dict:
        env = {**os.environ, "PYTHONPATH": str(root), "QUARTIER_BENCH_ROOT": str(root)}
        out = subprocess.run([sys.executable, __file__, "--one", which, runs], check=True, capture_output=True,
                             text=True, env=env, cwd="/tmp")
        return json.loads(out.stdout.strip().splitlines()[-1])

    full_runs = None
    print(f"{'':28} {'runs':>5} {'wall s':>7} {'runs/min':>8} {'overhead':>8} {'with set-up':>11} {'set-up s':>8} "
          f"{'pool start s':>12}")
    results = {}
    for label, which, arg in (("small experiment", "quartier", "small"), (f"Sobol, {sobol_samples} samples", "sobol", str(sobol_samples))):
        for name in ("before", "after"):
            r = fresh_in(roots[name], which, arg)
            results[(label, name)] = r
            print(f"{label + ', ' + name:28} {r['runs']:>5} {r['wall_s']:>7.1f} {r['runs_per_minute']:>8.1f} "
                  f"{100 * r['overhead_share']:>7.1f}% {100 * r['overhead_share_with_set_up']:>10.1f}% "
                  f"{r['set_up_s']:>8.2f} {r['pool_start_up_s']:>12.2f}", flush=True)
    text = (ROOT / "experiments" / "sobol_structures.toml").read_text()
    samples = int(re.search(r"^samples = (\d+)", text, flags=re.M).group(1))
    for name in ("before", "after"):
        r = results[(f"Sobol, {sobol_samples} samples", name)]
        full_runs = r["runs"] * samples / sobol_samples
        print(f"sobol_structures.toml in full ({full_runs:,.0f} runs) on 2 workers, extrapolated, {name}: "
              f"{full_runs / r['runs_per_minute']:.0f} min")


if __name__ == "__main__":
    main()
