"""Speed and memory of one run, before and after the compiled day (issue 14), side by side.

"Before" is the implementation of commit 5831ca4 (numpy kernels, Mesa's DataCollector),
checked out once as a git worktree (``--baseline``, default ``/tmp/quartier-baseline``;
made with ``git worktree add --detach /tmp/quartier-baseline 5831ca4`` when missing).
"After" is this checkout. Every measurement is a fresh process with ``PYTHONPATH`` set to
the implementation measured, so both run on the same machine at the same time, alternating.

1. One ``new_shelter`` run under the ``koko`` preset (2,000 residents, 240 warm-up + 365
   days): the first run in a fresh process (after imports; "after" includes loading the
   compiled kernels from numba's cache) and a second run in the same process (steady state),
   wall and CPU seconds, medians of ``--repeat`` processes, and the ratio before/after.
2. Scaling: the baseline scenario at 1,000 to 100,000 residents (``--big`` adds 1,000,000
   with ``scenarios/city.toml``'s 80 districts, after only): seconds, seconds per day and
   peak memory (ru_maxrss of the measuring process, Python and libraries included).
3. The floor: one compiled pass over all ties and residents that reads what a day must read
   at least once (both ends' opinion and tension, the tie's state) and writes one value per
   resident; the day's time divided by it says how far the day is from that floor.

Run: ``python benchmarks/bench_model.py`` (about 10 minutes on 2 cores; ``--quick`` fewer
repeats and sizes). ``--json results.json`` keeps the figures; ``--plot results.json`` draws
``docs/img/scaling.png`` (time and peak memory against residents, log-log) from them. The machine may be shared: quote the medians and the ratios of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE_COMMIT = "5831ca4"


def baseline_checkout(path: Path) -> Path:
    """The implementation of :data:`BASELINE_COMMIT`, as a git worktree (made if missing)."""
    if not (path / "simulation" / "model.py").exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), BASELINE_COMMIT],
                       check=True, capture_output=True)
    return path


def in_fresh_process(root: Path, *args: str) -> dict:
    """Run this script's child mode with ``root``'s implementation; returns its JSON."""
    env = {**os.environ, "PYTHONPATH": str(root), "QUARTIER_BENCH_ROOT": str(root)}
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True, env=env,
                         cwd="/tmp")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------------
# Child mode: measured inside a fresh process
# ------------------------------------------------------------------------------------------------


def _source() -> Path:
    """The checkout being measured (its scenarios too: they may differ between the two)."""
    return Path(os.environ.get("QUARTIER_BENCH_ROOT", ROOT))


def _timed(f) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    f()
    return time.perf_counter() - wall, time.process_time() - cpu


def one_run() -> dict:
    """Child: two new_shelter/koko runs in this process; the first and the second timed."""
    wall, cpu = time.perf_counter(), time.process_time()
    from simulation.model import QuartierModel
    from simulation.scenario import load_scenario, with_preset

    scenario = with_preset(load_scenario(_source() / "scenarios" / "new_shelter.toml"), "koko")
    import_s = time.perf_counter() - wall, time.process_time() - cpu

    def run() -> None:
        QuartierModel(scenario, seed=1).run_for(scenario.days)

    first = _timed(run)
    second = _timed(run)
    return {"import": import_s, "first": first, "second": second,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def one_size(n: int, days: int, city: bool) -> dict:
    """Child: one run of ``n`` residents (baseline.toml, or city.toml's districts)."""
    from simulation.model import QuartierModel
    from simulation.scenario import apply_overrides, load_scenario

    source = (ROOT if city else _source()) / "scenarios" / ("city.toml" if city else "baseline.toml")
    scenario = apply_overrides(load_scenario(source), {"town.residents": n, "days": days})
    holder = {}
    init = _timed(lambda: holder.setdefault("m", QuartierModel(scenario, seed=1)))  # one town for before and after
    model = holder["m"]
    run = _timed(lambda: model.run_for(days))
    all_days = days + scenario.warmup_days
    return {
        "residents": n,
        "ties": model.ties.m,
        "days": all_days,
        "init_s": init[0],
        "run_s": run[0],
        "total_s": init[0] + run[0],
        "cpu_s": init[1] + run[1],
        "ms_per_day": 1000 * (init[0] + run[0]) / all_days,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def floor(n: int) -> dict:
    """Child: the day against one compiled pass over ties and residents (see the docstring)."""
    import numba
    import numpy as np

    from simulation.model import QuartierModel
    from simulation.scenario import apply_overrides, load_scenario

    @numba.njit(cache=False)
    def one_pass(u, v, valence, stage, opinion, tension, out):
        for k in range(u.size):
            a, b = u[k], v[k]
            d = abs(opinion[a] - opinion[b]) + tension[a] + tension[b] + valence[k] + stage[k]
            out[a] += d
            out[b] -= d
        return out

    scenario = apply_overrides(load_scenario(_source() / "scenarios" / "baseline.toml"), {"town.residents": n})
    model = QuartierModel(scenario)
    s, t = model.state, model.ties
    out = np.zeros(s.n)
    one_pass(t.u, t.v, model.valence, model.stage, s.opinion, s.tension, out)
    reps = 200
    start = time.perf_counter()
    for _ in range(reps):
        one_pass(t.u, t.v, model.valence, model.stage, s.opinion, s.tension, out)
    pass_s = (time.perf_counter() - start) / reps
    days = 60
    day_s = _timed(lambda: model.run_for(days))[0] / days
    return {"residents": n, "ties": t.m, "floor_us": 1e6 * pass_s, "day_us": 1e6 * day_s, "ratio": day_s / pass_s}


# ------------------------------------------------------------------------------------------------
# Parent: side by side
# ------------------------------------------------------------------------------------------------


def plot(results: dict, out: Path) -> None:
    """CPU seconds per run (steadier than wall time on a shared machine) and peak memory
    against residents, before and after, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(9, 3.6))
    for key, style, label in (("before", "o--", "before (5831ca4)"), ("after", "s-", "after (compiled day)")):
        rows = [r[key] for r in results["sizes"] if r.get(key)]
        n = [r["residents"] for r in rows]
        ax_t.plot(n, [r["cpu_s"] for r in rows], style, label=label)
        ax_m.plot(n, [r["peak_mb"] for r in rows], style, label=label)
    n = [r["after"]["residents"] for r in results["sizes"]]
    ref = results["sizes"][0]["after"]
    ax_t.plot(n, [ref["cpu_s"] * k / n[0] for k in n], ":", color="grey", label="proportional to residents")
    ax_t.set(xscale="log", yscale="log", xlabel="residents", ylabel="CPU seconds per run (240 + 365 days)")
    ax_m.set(xscale="log", yscale="log", xlabel="residents", ylabel="peak memory of the process (MB)")
    ax_t.legend(fontsize=8)
    ax_m.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, sizes up to 10,000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--big", action="store_true", help="also 1,000,000 residents (city.toml, after only)")
    parser.add_argument("--baseline", type=Path, default=Path(os.environ.get("QUARTIER_BASELINE", "/tmp/quartier-baseline")))
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--plot", type=Path, help="draw docs/img/scaling.png from a --json file and stop")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plot:
        plot(json.loads(args.plot.read_text()), ROOT / "docs" / "img" / "scaling.png")
        return
    if args.child:
        sys.path.insert(0, os.environ["QUARTIER_BENCH_ROOT"])
        kind, *rest = args.child
        if kind == "run":
            result = one_run()
        elif kind == "size":
            result = one_size(int(rest[0]), int(rest[1]), rest[2] == "city")
        else:
            result = floor(int(rest[0]))
        print(json.dumps(result))
        return

    before, after = baseline_checkout(args.baseline), ROOT
    repeat = 3 if args.quick else args.repeat
    results: dict = {"run": {}, "sizes": [], "floor": []}

    # 1. one new_shelter run, alternating before and after
    runs = {"before": [], "after": []}
    for _ in range(repeat):
        runs["before"].append(in_fresh_process(before, "--child", "run"))
        runs["after"].append(in_fresh_process(after, "--child", "run"))
    print("One new_shelter run (koko, 2,000 residents, 240 warm-up + 365 days); medians of", repeat, "processes")
    print(f"{'':22} {'before s':>9} {'after s':>9} {'ratio':>6}")
    for key in ("first", "second"):
        for i, unit in ((0, "wall"), (1, "CPU")):
            b = statistics.median(r[key][i] for r in runs["before"])
            a = statistics.median(r[key][i] for r in runs["after"])
            name = f"{'first' if key == 'first' else 'steady'} run, {unit}"
            results["run"][name] = {"before": b, "after": a, "ratio": b / a}
            print(f"{name:22} {b:>9.3f} {a:>9.3f} {b / a:>6.1f}")
    b = statistics.median(r["import"][0] for r in runs["before"])
    a = statistics.median(r["import"][0] for r in runs["after"])
    results["run"]["imports, wall"] = {"before": b, "after": a}
    print(f"{'imports, wall':22} {b:>9.3f} {a:>9.3f}")

    # 2. scaling
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    print()
    print("Scaling: baseline.toml, 240 warm-up + 365 days, one fresh process each")
    print(f"{'residents':>10} {'ties':>10} {'before s':>9} {'after s':>8} {'ratio':>6} {'before CPU s':>12} "
          f"{'after CPU s':>11} {'ratio':>6} {'after ms/day':>12} {'before MB':>10} {'after MB':>9}")
    for n in sizes:
        b = in_fresh_process(before, "--child", "size", str(n), "365", "town")
        a = in_fresh_process(after, "--child", "size", str(n), "365", "town")
        results["sizes"].append({"before": b, "after": a})
        print(f"{n:>10,} {a['ties']:>10,} {b['total_s']:>9.2f} {a['total_s']:>8.2f} {b['total_s'] / a['total_s']:>6.1f} "
              f"{b['cpu_s']:>12.2f} {a['cpu_s']:>11.2f} {b['cpu_s'] / a['cpu_s']:>6.1f} "
              f"{a['ms_per_day']:>12.2f} {b['peak_mb']:>10.0f} {a['peak_mb']:>9.0f}")
    if args.big:
        a = in_fresh_process(after, "--child", "size", "1000000", "365", "city")
        results["sizes"].append({"before": None, "after": a})
        print(f"{1_000_000:>10,} {a['ties']:>10,} {'':>9} {a['total_s']:>8.2f} {'':>6} {'':>12} {a['cpu_s']:>11.2f} "
              f"{'':>6} {a['ms_per_day']:>12.2f} {'':>10} {a['peak_mb']:>9.0f}   (city.toml, 80 districts)")

    # 3. the floor
    print()
    print("The day against its floor (one compiled pass over ties and residents), after")
    print(f"{'residents':>10} {'floor µs':>9} {'day µs':>9} {'day/floor':>9}")
    for n in [2_000, 100_000] if not args.quick else [2_000]:
        f = in_fresh_process(after, "--child", "floor", str(n))
        results["floor"].append(f)
        print(f"{n:>10,} {f['floor_us']:>9.0f} {f['day_us']:>9.0f} {f['ratio']:>9.0f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
