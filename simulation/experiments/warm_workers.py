"""Imported by the process pool's fork server (see :func:`simulation.experiments.pool.process_pool`):
it loads every compiled kernel once there, so the workers forked from it start with them
loaded instead of each loading them again (about half a second of CPU per worker when
numba's cache is filled, some 20 s each when it is empty).

A failure here must not take the fork server down: the workers then load the kernels on
their first run, as they would without this module.
"""

from __future__ import annotations

try:
    from ..runs import warm_kernels

    warm_kernels()
except Exception:  # noqa: BLE001 - a worker can still load the kernels itself
    pass
