"""What structures, shocks and case handling may read and change of a town.

:class:`Town` is the small, documented interface between the model
(:class:`simulation.model.QuartierModel`, which implements it) and the units that act on it.
It is a :class:`typing.Protocol`: nothing inherits from it; it exists so that structures and
shocks depend on this page rather than on the whole model, and so that the import graph has
no cycle (model → structures → town, never back to model).

Read freely: ``config``, ``day``, ``rng``, ``state`` (residents' arrays), ``ties``,
``adjacency``, ``cross_group``, ``n_groups``, ``n_districts``, ``structures``,
``alert_until``, ``reported_by_district``, ``incidents_by_district``, ``rumours``,
``cases`` (the case book), ``units``, ``trained_share()`` (staff-weighted mean over the units),
``adviser_intensity()`` (external advisers' days per week today, at most 1).

Change only through:

* ``state`` arrays in place (opinions, tension, threat, trust, grievance), clipped to [0, 1];
* ``valence``/``stage`` of ties in place, or :meth:`lower_stage`;
* :meth:`record` for every daily count (one recording path: incidents, reports, staff hours,
  mediations ...), :meth:`record_incidents` for incidents;
* :meth:`add_residents` for a growing population: it appends to every per-resident array and
  calls ``on_residents_added(town, count)`` on each structure and running rumour, so nothing
  keeps an array of the old length;
* ``alert_until[d]`` (early warning's alert of district ``d``), ``rumours`` (append);
* :meth:`log_event` for the event log (:mod:`simulation.events`): notable moments, no effect
  on the run.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

__all__ = ["Town"]


class Town(Protocol):
    config: Any
    day: int
    rng: np.random.Generator
    state: Any
    ties: Any
    adjacency: Any
    cross_group: np.ndarray
    valence: np.ndarray
    stage: np.ndarray
    n_groups: int
    n_districts: int
    structures: dict[str, Any]
    alert_until: np.ndarray
    reported_by_district: np.ndarray
    incidents_by_district: np.ndarray
    handling_days_today: list[int]
    rumours: list[Any]
    cases: Any

    units: list[Any]

    def record(self, name: str, amount: float = 1) -> None: ...

    def log_event(self, kind: str, district: int = -1, value: float = 0.0, detail: str = "", day: int | None = None) -> None: ...

    def adviser_intensity(self) -> float: ...

    def trained_share(self) -> float: ...

    def record_incidents(self, tie_index: np.ndarray) -> None: ...

    def lower_stage(self, tie: np.ndarray, stages: int = 1) -> None: ...

    def add_residents(self, group: int, district: int, count: int, ties_per_resident: float) -> np.ndarray: ...

    def structure(self, name: str) -> Any: ...
