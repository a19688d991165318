"""Building a conflict-management system over time: changes to a running town and
training of its staff (issue 12; ODD, "Process overview").

* :func:`apply_change` — a ``[[changes]]`` entry of the scenario, or a switch or slider in the
  dashboard: structure, administration and training settings take new values on a given day.
* :func:`train` — a training cohort finishes; trained shares rise (turnover erodes them every
  day, in the model's day).
* :func:`build_up` — each day, external advisers (if engaged) coach staff and structures set
  up during the run grow toward full strength, faster while advisers help.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .scenario import CHANGEABLE, ScenarioError, apply_overrides
from .structures import REGISTRY as STRUCTURES

if TYPE_CHECKING:
    from .town import Town

__all__ = ["apply_change", "train", "adviser_days", "build_up"]

#: Mean days in a month (365.25 / 12), to turn advisers' days per month into days per day.
DAYS_PER_MONTH = 30.4375


def train(town: "Town", cohort) -> None:
    """A training cohort finishes: each target unit's trained share rises by
    staff / unit staff (at most to 1); the hours count as staff hours today."""
    town.log_event("training", value=cohort.staff, detail=cohort.unit, day=cohort.day)
    for unit in town.units:
        if cohort.unit in ("all", unit.kind):
            unit.trained_share = min(1.0, unit.trained_share + cohort.staff / unit.staff)
            town.record("training_hours", cohort.staff * cohort.hours_per_person)


def adviser_days(town: "Town", day: int | None = None) -> float:
    """Adviser days worked for the town on ``day`` (fractional: advisers come some days a
    month; the model spreads their days evenly): count × days_per_month / 30.44 within the
    engagement, else 0."""
    a = town.config.advisers
    day = town.day if day is None else day
    if a.count == 0 or not a.start_day <= day <= a.end_day:
        return 0.0
    return a.count * a.days_per_month / DAYS_PER_MONTH


def build_up(town: "Town") -> None:
    """One day of the programme, before the structures act (step 7).

    External advisers, while engaged: each adviser day lowers every unit's untrained share
    by ``coaching_per_day`` (on-the-job coaching) and binds ``staff_hours_per_adviser_day``
    staff hours; the days and their fee count in ``adviser_days``. Structures set up during
    the run grow by 1 / build_up_days a day, times 1 + ``build_up_speedup`` × the advisers'
    intensity (adviser days per week, at most 1; :meth:`Town.adviser_intensity`).
    """
    a = town.config.advisers
    if a.count:  # most towns engage none: nothing to log or coach
        days = adviser_days(town)
        if town.day == a.start_day:
            town.log_event("advisers_arrive", value=a.count)
        if town.day == a.end_day + 1:
            town.log_event("advisers_leave")
        if days > 0:
            town.record("adviser_days", days)
            town.record("staff_hours", days * a.staff_hours_per_adviser_day)
            keep = (1.0 - a.coaching_per_day) ** days
            for unit in town.units:
                unit.trained_share = 1.0 - (1.0 - unit.trained_share) * keep
    growing = [structure for structure in town.structures.values() if structure.growing]
    if not growing:  # most days: every structure is built, and none needs today's pace
        return
    speed = 1.0 + a.build_up_speedup * town.adviser_intensity()
    for structure in growing:
        structure.build_up(town, speed)


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

