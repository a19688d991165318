"""Building a conflict-management system over time: changes to a running town and
training of its staff (issue 12; ODD, "Process overview").

* :func:`apply_change` — a ``[[changes]]`` entry of the scenario, or a switch or slider in the
  dashboard: structure, administration and training settings take new values on a given day.
* :func:`train` — a training cohort finishes; trained shares rise (turnover erodes them every
  day, in the model's day).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .scenario import CHANGEABLE, ScenarioError, apply_overrides
from .structures import REGISTRY as STRUCTURES

if TYPE_CHECKING:
    from .town import Town

__all__ = ["apply_change", "train"]


def train(town: "Town", cohort) -> None:
    """A training cohort finishes: each target unit's trained share rises by
    staff / unit staff (at most to 1); the hours count as staff hours today."""
    town.log_event("training", value=cohort.staff, detail=cohort.unit, day=cohort.day)
    for unit in town.units:
        if cohort.unit in ("all", unit.kind):
            unit.trained_share = min(1.0, unit.trained_share + cohort.staff / unit.staff)
            town.record("training_hours", cohort.staff * cohort.hours_per_person)


def apply_change(town: "Town", settings: dict, day: int | None = None) -> None:
    """Change structure, administration or training settings now, on the running town
    (a scheduled ``[[changes]]`` entry, or a switch or slider in the dashboard).

    ``settings`` maps dotted keys below ``structures.``, ``administration.`` or ``training.`` to values;
    they are validated like a scenario file (:class:`ScenarioError` on bad input, and
    nothing changes). A structure switched on starts afresh, one switched off is gone,
    one whose settings change keeps its state (history, mediators, credit). Units keep
    their queues; their capacity, delay, trained share and hours take the new values.
    Counts in the next day's figures; the change is listed in ``change_log``.
    """
    bad = [key for key in settings if not key.startswith(CHANGEABLE)]
    if bad:
        raise ScenarioError(f"{bad[0]}: allowed: keys below {' or '.join(CHANGEABLE)}")
    new = apply_overrides(town.config, settings)
    town.config = new
    built = {}
    for name in type(new.structures).model_fields:
        params = getattr(new.structures, name)
        if not params.enabled:
            continue
        structure = town.structures.get(name)
        if structure is None:
            structure = STRUCTURES[name](town, params)
        else:
            structure.params = params
            if hasattr(structure, "reconfigure"):
                structure.reconfigure(town)
        built[name] = structure
    town.structures = built
    pool = town.structures.get("mediator_pool")
    town.mediators = pool.mediators if pool is not None else []
    for unit, spec in zip(town.units, new.administration.units):
        unit.configure(spec)
    day = max(town.day, 0) + 1 if day is None else day
    town.change_log.append((day, dict(settings)))
    town.log_event("change", detail=", ".join(f"{k} = {v}" for k, v in settings.items()), day=day)

