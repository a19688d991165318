"""The six conflict-management structures: one small class each, registered in ``REGISTRY``.

A structure reads its parameters from the scenario (``scenario.structures.<name>``) and acts
on the model through a few hooks, all with neutral defaults in :class:`Structure`:

* ``report_boost`` — added to the probability that an incident is reported;
* ``routes_directly`` — reports go straight to the unit a case belongs to;
* ``forwarding_factor`` — multiplies the forwarding delay; ``avoids_duplicates``;
* ``capacity_factor`` — multiplies every unit's case capacity today;
* ``threat_damping`` and ``rumour_stifling`` — public communication in a crisis;
* ``on_shock(model)`` — a shock has just hit;
* ``act(model)`` — step 7 of the day; returns nothing, counts its own staff hours.

Adding a seventh structure means one class here, one schema section in ``scenario.py`` and
its name in ``REGISTRY``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .agents import Mediator
from .kernels import conflict as ck

if TYPE_CHECKING:
    from .model import QuartierModel

__all__ = ["Structure", "REGISTRY", "build_structures"]


class Structure:
    """Base class: every hook is neutral."""

    name = "structure"

    def __init__(self, model: "QuartierModel", params) -> None:
        self.params = params
        self.hours_today = 0.0

    def report_boost(self) -> float:
        return 0.0

    def routes_directly(self) -> bool:
        return False

    def forwarding_factor(self) -> float:
        return 1.0

    def avoids_duplicates(self) -> bool:
        return False

    def capacity_factor(self) -> float:
        return 1.0

    def threat_damping(self) -> float:
        return 0.0

    def rumour_stifling(self) -> float:
        return 0.0

    def on_shock(self, model: "QuartierModel") -> None:
        pass

    def act(self, model: "QuartierModel") -> None:
        pass


class ContactPoint(Structure):
    """A low-threshold contact point: more incidents are reported, and reports reach the
    unit they belong to without a detour through the entry unit."""

    name = "contact_point"

    def report_boost(self) -> float:
        return self.params.report_boost

    def routes_directly(self) -> bool:
        return self.params.routes_to_right_unit

    def act(self, model) -> None:
        self.hours_today = self.params.staff_hours_per_day


class Coordination(Structure):
    """Interdepartmental coordination: forwarding is quick and no case is handled twice."""

    name = "coordination"

    def forwarding_factor(self) -> float:
        return self.params.forwarding_factor

    def avoids_duplicates(self) -> bool:
        return True

    def act(self, model) -> None:
        self.hours_today = self.params.staff_hours_per_day


class EarlyWarning(Structure):
    """Monitoring of each district's weekly incidents against its own usual level.

    Rule: a district is *above* its threshold on a day when its incidents of the last 7 days
    exceed ``threshold_factor`` times its mean week over the 11 weeks before, and exceed
    ``min_incidents_per_week``. The first such day is the crossing. From ``lag_days`` after
    the crossing on, each day it is still above it is detected with
    ``detection_probability``. A detected district is on alert for ``alert_days``: mediators
    work there first and a round table is called at once (if the town has round tables).
    Falling below the threshold resets the crossing.
    """

    name = "early_warning"
    WEEKS = 12

    def __init__(self, model, params) -> None:
        super().__init__(model, params)
        d = model.n_districts
        self.history = np.zeros((7 * self.WEEKS, d))
        self.crossing_day = np.full(d, -1, dtype=np.int64)
        self.detections: list[tuple[int, int]] = []  # (day, district)

    def above_threshold(self, model) -> np.ndarray:
        """Districts above their threshold today (after today's incidents are in)."""
        p = self.params
        self.history = np.roll(self.history, -1, axis=0)
        self.history[-1] = model.incidents_by_district
        last_week = self.history[-7:].sum(axis=0)
        usual_week = self.history[:-7].sum(axis=0) / (self.WEEKS - 1)
        return (last_week > p.threshold_factor * usual_week) & (last_week > p.min_incidents_per_week)

    def act(self, model) -> None:
        p = self.params
        self.hours_today = p.staff_hours_per_day
        above = self.above_threshold(model)
        self.crossing_day[~above] = -1
        self.crossing_day[above & (self.crossing_day < 0)] = model.day
        due = np.flatnonzero(
            above & (model.day - self.crossing_day >= p.lag_days) & (model.alert_until < model.day)
        )
        if due.size == 0:
            return
        found = due[model.rng.random(due.size) < p.detection_probability]
        for district in found.tolist():
            model.alert_until[district] = model.day + p.alert_days
            self.detections.append((model.day, district))
            tables = model.structure("round_tables")
            if tables is not None:
                tables.hold(model, district)


class MediatorPool(Structure):
    """Mediators work hostile ties within their Glasl-stage mandate.

    Rule: each mediator takes on ``capacity_per_week / 7`` mediations a day (fractions
    accumulate). They work ties the town knows of — ties with a case reported in the last
    60 days, or in a district on alert — highest stage first, districts on alert before the
    rest, and only ties whose stage lies in ``[min_stage, max_stage]`` and that were not
    mediated in the last ``cooldown_days``. A mediation succeeds with probability ``skill``:
    the tie falls ``stage_reduction`` stages (to neutral at 0) and both parties lose
    ``tension_relief`` tension.
    """

    name = "mediator_pool"
    KNOWN_FOR_DAYS = 60

    def __init__(self, model, params) -> None:
        super().__init__(model, params)
        self.mediators = [
            Mediator(
                model,
                capacity_per_day=params.capacity_per_week / 7.0,
                skill=params.skill,
                districts=range(model.n_districts),
                min_stage=params.min_stage,
                max_stage=params.max_stage,
            )
            for _ in range(params.mediators)
        ]
        self.credit = 0.0
        self.last_mediated: dict[int, int] = {}

    def known_ties(self, model) -> np.ndarray:
        book = model.cases
        recent = book.created_day[: book.size] >= model.day - self.KNOWN_FOR_DAYS
        ties = book.tie[: book.size][recent]
        alerted = np.flatnonzero(model.alert_until >= model.day)
        if alerted.size:
            in_alert = np.flatnonzero(
                (model.valence == ck.HOSTILE) & np.isin(model.state.district[model.ties.u], alerted)
            )
            ties = np.concatenate([ties, in_alert])
        return np.unique(ties)

    def act(self, model) -> None:
        p = self.params
        self.hours_today = 0.0
        self.credit = min(self.credit + len(self.mediators) * p.capacity_per_week / 7.0, max(1.0, len(self.mediators)))
        slots = int(self.credit)
        if slots == 0:
            return
        ties = self.known_ties(model)
        stage = model.stage[ties]
        ties = ties[(model.valence[ties] == ck.HOSTILE) & (stage >= p.min_stage) & (stage <= p.max_stage)]
        if self.last_mediated and ties.size:
            since = np.array([model.day - self.last_mediated.get(t, -(10**9)) for t in ties.tolist()])
            ties = ties[since > p.cooldown_days]
        if ties.size == 0:
            return
        alert = (model.alert_until[model.state.district[model.ties.u[ties]]] >= model.day).astype(np.int64)
        order = np.lexsort((ties, -model.stage[ties].astype(np.int64), -alert))
        work = ties[order[:slots]]
        self.credit -= work.size
        self.last_mediated.update(dict.fromkeys(work.tolist(), model.day))
        succeeded = model.rng.random(work.size) < p.skill
        success = work[succeeded]
        model.lower_stage(success, p.stage_reduction)
        for party in (model.ties.u[success], model.ties.v[success]):
            np.subtract.at(model.state.tension, party, p.tension_relief)
        np.clip(model.state.tension, 0.0, 1.0, out=model.state.tension)
        model.mediations_tried_today += int(work.size)
        model.mediations_succeeded_today += int(success.size)
        owner = np.arange(work.size) % len(self.mediators)  # mediations go round the pool
        for k, mediator in enumerate(self.mediators):
            mine = owner == k
            mediator.mediations_tried += int(mine.sum())
            mediator.mediations_succeeded += int((mine & succeeded).sum())
        self.hours_today = work.size * p.staff_hours_per_mediation


class RoundTables(Structure):
    """Dialogue between groups in a district, every ``interval_days`` (districts staggered)
    or when early warning calls one.

    Rule: ``participants`` residents of the district, as evenly from each group as the
    district allows, lose ``tension_relief`` tension, move ``opinion_convergence`` of the way
    to the table's mean view, and each neutral cross-group tie between two participants
    turns friendly with ``befriend_probability`` (contact hypothesis; Allport 1954).
    """

    name = "round_tables"

    def __init__(self, model, params) -> None:
        super().__init__(model, params)
        self.held: list[tuple[int, int]] = []  # (day, district)

    def act(self, model) -> None:
        self.hours_today = 0.0
        interval = self.params.interval_days
        for district in range(model.n_districts):
            offset = district * interval // model.n_districts
            if (model.day + offset) % interval == 0:
                self.hold(model, district)

    def hold(self, model, district: int) -> None:
        p, s, rng = self.params, model.state, model.rng
        chosen = []
        per_group = max(1, p.participants // model.n_groups)
        for g in range(model.n_groups):
            pool = np.flatnonzero((s.district == district) & (s.group == g))
            if pool.size:
                chosen.append(rng.choice(pool, size=min(per_group, pool.size), replace=False))
        if not chosen:
            return
        who = np.concatenate(chosen)
        s.tension[who] = np.maximum(s.tension[who] - p.tension_relief, 0.0)
        s.opinion[who] += p.opinion_convergence * (s.opinion[who].mean() - s.opinion[who])
        present = np.zeros(s.n, dtype=bool)
        present[who] = True
        among = np.flatnonzero(
            present[model.ties.u] & present[model.ties.v] & model.cross_group & (model.valence == ck.NEUTRAL)
        )
        model.valence[among[rng.random(among.size) < p.befriend_probability]] = ck.FRIENDLY
        self.held.append((model.day, district))
        self.hours_today += p.staff_hours_per_table


class CrisisTeam(Structure):
    """A crisis team: activates when a shock hits or when the town's escalation index
    exceeds its threshold, and stays active ``active_days``. While active, units handle
    ``capacity_factor`` times their cases, perceived threat fades faster, and rumour
    spreaders are corrected in public."""

    name = "crisis_team"

    def __init__(self, model, params) -> None:
        super().__init__(model, params)
        self.active_until = -(10**9)
        self.model = model
        self.activations: list[int] = []

    @property
    def active(self) -> bool:
        return self.model.day <= self.active_until

    def _activate(self, day: int) -> None:
        if not self.active:
            self.activations.append(day)
        self.active_until = max(self.active_until, day + self.params.active_days - 1)

    def on_shock(self, model) -> None:
        if self.params.activate_on_shock:
            self._activate(model.day + 1)

    def act(self, model) -> None:
        if model.escalation_today > self.params.activation_escalation_index:
            self._activate(model.day)
        self.hours_today = self.params.staff_hours_per_active_day if self.active else 0.0

    def capacity_factor(self) -> float:
        return self.params.capacity_factor if self.active else 1.0

    def threat_damping(self) -> float:
        return self.params.threat_damping if self.active else 0.0

    def rumour_stifling(self) -> float:
        return self.params.rumour_stifling if self.active else 0.0


REGISTRY: dict[str, type[Structure]] = {
    cls.name: cls for cls in (ContactPoint, EarlyWarning, MediatorPool, RoundTables, Coordination, CrisisTeam)
}


def build_structures(model: "QuartierModel") -> dict[str, Structure]:
    """The scenario's enabled structures, in the registry's order."""
    config = model.config.structures
    return {
        name: cls(model, getattr(config, name))
        for name, cls in REGISTRY.items()
        if getattr(config, name).enabled
    }
