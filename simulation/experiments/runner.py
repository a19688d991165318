"""The one way Quartier runs many simulations in parallel (``compare`` and ``sweep``).

A run is described by a picklable :class:`RunSpec` (the resolved scenario as a plain dict,
a seed, labels); :func:`execute` runs one in whatever process it lands in and returns its
per-day table and its summary. :func:`run_many` spreads specs over an executor — by
default a local process pool, but anything with the ``concurrent.futures.Executor``
interface can be passed in (a Dask ``distributed.Client.get_executor()``, an MPI pool) —
and yields results as they finish, with a progress bar.

Results do not depend on the number of workers or the order in which runs finish: each
run's randomness comes only from its own seed.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..summaries import run_summary
from ..runs import progress_bar, stop_requested
from ..scenario import Scenario, scenario_from_dict
from .pool import default_workers, process_pool

if TYPE_CHECKING:
    from ..model import QuartierModel

__all__ = ["RunSpec", "RunResult", "execute", "execute_keeping_events", "run_many", "replication_seeds", "run_summary"]


def replication_seeds(root_seed: int, count: int) -> list[int]:
    """``count`` independent seeds from ``numpy.random.SeedSequence(root_seed)``.

    Replication r gets the same seed under every structure setting: common random numbers,
    so differences between settings are not drowned in differences between towns.
    """
    children = np.random.SeedSequence(root_seed).spawn(count)
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> 1) for child in children]


@dataclass(frozen=True)
class RunSpec:
    run_id: int
    scenario: dict[str, Any]
    seed: int
    labels: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    spec: RunSpec
    frame: pd.DataFrame
    summary: dict[str, Any]


def _simulate(spec: RunSpec) -> tuple[QuartierModel, RunResult]:
    # Imported here, in the process that runs: a pool's workers have it from their fork
    # server, and the coordinating process, which only gathers results, is spared Mesa's
    # and the model's imports (about a second of CPU before it can submit the first run).
    from ..model import QuartierModel

    scenario = scenario_from_dict(spec.scenario, f"run {spec.run_id}")
    model = QuartierModel(scenario, seed=spec.seed)
    model.run_for(scenario.days)
    frame = model.model_frame()
    return model, RunResult(spec, frame, run_summary(frame, scenario))


def execute(spec: RunSpec) -> RunResult:
    """Run one simulation (in this process) and summarise it."""
    return _simulate(spec)[1]


def execute_keeping_events(spec: RunSpec, replication: int) -> tuple[RunResult, list | None]:
    """Run one simulation like :func:`execute`, and hand back its event log too if it is
    replication ``replication`` (``spec.labels["replication"]``; a comparison's "story of
    one run"): only that log crosses between processes.

    It lives here, beside :func:`execute`, because a pool's workers import a task's module
    before its first run: this one their fork server has imported already, while the
    report's module (:mod:`simulation.reports.compare`, with scipy's statistics) cost each
    worker about 0.6 s of CPU before its first run."""
    model, result = _simulate(spec)
    return result, list(model.events) if spec.labels.get("replication") == replication else None


def run_many(
    specs: Iterable,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool | None = None,
    description: str = "runs",
    task: Callable = execute,
    total: int | None = None,
    in_flight: int | None = None,
) -> Iterator:
    """Apply ``task`` (a module-level function) to every spec; yield results as they finish.

    At most ``in_flight`` specs (default: four per worker) are submitted at a time and more
    are drawn from ``specs`` as runs finish, so neither the specs nor the results pile up in
    the coordinating process however long the sweep. With one worker and no executor the
    runs happen in this process.
    """
    progress = sys.stderr.isatty() if progress is None else progress
    workers = default_workers() if workers is None else workers
    if total is None and hasattr(specs, "__len__"):
        total = len(specs)
    bar = progress_bar(total=total, unit="run", desc=description, disable=not progress, smoothing=0.05)
    try:
        if executor is None and workers <= 1:
            for spec in specs:
                if stop_requested.is_set():  # a SIGTERM swallowed while numba loaded a kernel
                    raise KeyboardInterrupt
                yield task(spec)
                bar.update()
            return
        own = executor is None
        pool = process_pool(workers) if own else executor
        limit = in_flight or 4 * workers
        pending = iter(specs)
        running = set()
        try:
            for spec in itertools.islice(pending, limit):
                running.add(pool.submit(task, spec))
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
                    bar.update()
                for spec in itertools.islice(pending, len(done)):
                    running.add(pool.submit(task, spec))
        finally:
            if own:
                pool.shutdown(wait=True, cancel_futures=True)
    finally:
        bar.close()
