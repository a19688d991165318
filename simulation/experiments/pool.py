"""The local process pool of :func:`simulation.experiments.runner.run_many`, and its fork
server started early.

This module imports nothing of the simulation, so the ``quartier`` command can start the
fork server (:func:`start_fork_server`) before it imports the model itself: the fork
server's imports and kernel loading (about 2.5 s) then run on the second core while the
command's own imports and set-up run on the first, instead of one after the other when the
first run is submitted.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

__all__ = ["FORK_SERVER_PRELOAD", "default_workers", "process_pool", "start_fork_server"]

#: Imported by the fork server before it forks any worker: the runner, the model (the
#: runner imports it only when it runs one) and :mod:`.warm_workers`, which loads the
#: compiled kernels.
FORK_SERVER_PRELOAD = ["simulation.experiments.runner", "simulation.model", "simulation.experiments.warm_workers"]


def default_workers() -> int:
    """The cores this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _context():
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(FORK_SERVER_PRELOAD)  # no effect once it runs (it has them then)
        return context
    return multiprocessing.get_context("spawn")  # pragma: no cover - Windows and macOS defaults


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A local process pool. Workers come from a fork server that has imported the
    simulation and loaded its compiled kernels already (:mod:`.warm_workers`): safe where
    the parent has threads (plain fork is not), and quick to start (spawn would import
    everything again in every worker, and each would load the kernels)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context())


def start_fork_server() -> bool:
    """Start the fork server now, in the background, if this platform has one; it imports
    :data:`FORK_SERVER_PRELOAD` while the caller goes on. Call it once the input is known
    to be good and a pool will be used: a fork server started for nothing costs a core for
    some seconds. Returns whether one runs."""
    context = _context()
    if context.get_start_method() != "forkserver":  # pragma: no cover - Windows and macOS
        return False
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return True
