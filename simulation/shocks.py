"""The five shock kinds. Each is a small class built from its scenario entry; Mesa's event
list calls ``fire`` before the step of the shock's day (at time ``day − 0.5``).

Every shock tells the structures it has hit (``Structure.on_shock``) and is listed with its
day in ``model.shock_log``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .kernels import conflict as ck
from .kernels.rumour import IGNORANT, SPREADER, maki_thompson_round

if TYPE_CHECKING:
    from .model import QuartierModel

__all__ = ["ShockEvent", "REGISTRY", "build_shock", "RumourProcess"]


class ShockEvent:
    kind = "shock"

    def __init__(self, model: "QuartierModel", spec) -> None:
        self.model = model
        self.spec = spec
        self.district = None if spec.district is None else model.config.town.districts.index(spec.district)

    def schedule(self) -> None:
        self.model.schedule_event(self.fire, at=self.spec.day - 0.5)

    def fire(self) -> None:
        model = self.model
        self.apply(model)
        model.shock_log.append((self.spec.day, self.kind))
        for structure in model.structures.values():
            structure.on_shock(model)

    def apply(self, model: "QuartierModel") -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def residents_in_scope(self, model) -> np.ndarray:
        if self.district is None:
            return np.arange(model.state.n)
        return np.flatnonzero(model.state.district == self.district)


class NewcomerInflux(ShockEvent):
    """New residents of a group move in (into one district, or spread over all)."""

    kind = "newcomer_influx"

    def apply(self, model) -> None:
        group = model.config.group_names().index(self.spec.group)
        if self.district is not None:
            model.add_residents(group, self.district, self.spec.size, self.spec.ties_per_resident)
            return
        counts = np.bincount(np.arange(self.spec.size) % model.n_districts, minlength=model.n_districts)
        for district, count in enumerate(counts.tolist()):
            if count:
                model.add_residents(group, district, count, self.spec.ties_per_resident)


class ViolentIncident(ShockEvent):
    """A violent incident: ``size`` ties of the district (cross-group ties first) jump to a
    hostile ``stage``; everyone in the district gets tenser and feels more threatened."""

    kind = "violent_incident"

    def apply(self, model) -> None:
        spec, s = self.spec, model.state
        district = self.district if self.district is not None else int(model.rng.integers(model.n_districts))
        local = np.flatnonzero(s.district[model.ties.u] == district)
        cross = local[model.cross_group[local]]
        same = local[~model.cross_group[local]]
        pick = np.concatenate([model.rng.permutation(cross), model.rng.permutation(same)])[: spec.size]
        model.valence[pick] = ck.HOSTILE
        model.stage[pick] = np.maximum(model.stage[pick], spec.stage)
        here = s.district == district
        s.tension[here] = np.minimum(s.tension[here] + spec.tension_jump, 1.0)
        s.threat[here] = np.minimum(s.threat[here] + spec.threat, 1.0)
        model.incidents_today += int(pick.size)
        model.incidents_by_district[district] += pick.size
        model.incidents_cumulative += int(pick.size)


class Rumour(ShockEvent):
    """A rumour about a group starts with ``size`` residents (outside that group where
    possible) and spreads by Maki–Thompson over the following days (:class:`RumourProcess`)."""

    kind = "rumour"

    def apply(self, model) -> None:
        target = model.config.group_names().index(self.spec.target_group)
        scope = self.residents_in_scope(model)
        outside = scope[model.state.group[scope] != target]
        pool = outside if outside.size >= self.spec.size else scope
        seeds = model.rng.choice(pool, size=min(self.spec.size, pool.size), replace=False)
        model.rumours.append(RumourProcess(model, self.spec, target, seeds))


class RumourProcess:
    """A spreading rumour: advanced each day before the opinions update.

    Each new believer outside the target group feels ``threat`` more, and each of their
    ties to members of the target group turns hostile (stage 2) with
    ``hostility_probability``.
    """

    def __init__(self, model, spec, target_group: int, seeds: np.ndarray) -> None:
        self.spec = spec
        self.target = target_group
        self.state = np.zeros(model.state.n, dtype=np.int8)
        self.state[seeds] = SPREADER
        self._believe(model, seeds)

    @property
    def active(self) -> bool:
        return bool(np.any(self.state == SPREADER))

    def aware(self) -> np.ndarray:
        return self.state != IGNORANT

    def advance(self, model) -> None:
        if self.state.size < model.state.n:  # residents moved in since it started
            self.state = np.concatenate([self.state, np.zeros(model.state.n - self.state.size, np.int8)])
        stifling = max((s.rumour_stifling() for s in model.structures.values()), default=0.0)
        adjacency = model.adjacency
        for _ in range(self.spec.contacts_per_day):
            new = maki_thompson_round(self.state, adjacency.indptr, adjacency.indices, model.rng, stifling)
            self._believe(model, new)

    def _believe(self, model, who: np.ndarray) -> None:
        s = model.state
        who = who[s.group[who] != self.target]
        if who.size == 0:
            return
        s.threat[who] = np.minimum(s.threat[who] + self.spec.threat, 1.0)
        believer = np.zeros(s.n, dtype=bool)
        believer[who] = True
        u, v = model.ties.u, model.ties.v
        toward = np.flatnonzero(
            (believer[u] & (s.group[v] == self.target)) | (believer[v] & (s.group[u] == self.target))
        )
        turn = toward[model.rng.random(toward.size) < self.spec.hostility_probability]
        model.valence[turn] = ck.HOSTILE
        model.stage[turn] = np.maximum(model.stage[turn], 2)


class ContestedDecision(ShockEvent):
    """An administrative decision: residents on the side it goes against (opinion below 0.5
    when it favours 'high', above when it favours 'low') harden their view, lose trust, gain
    grievance and tension."""

    kind = "contested_decision"

    def apply(self, model) -> None:
        spec, s = self.spec, model.state
        scope = self.residents_in_scope(model)
        if spec.favours == "high":
            losers = scope[s.opinion[scope] < 0.5]
            s.opinion[losers] = np.maximum(s.opinion[losers] - spec.opinion_push, 0.0)
        else:
            losers = scope[s.opinion[scope] > 0.5]
            s.opinion[losers] = np.minimum(s.opinion[losers] + spec.opinion_push, 1.0)
        s.trust[losers] = np.maximum(s.trust[losers] - spec.trust_loss, 0.0)
        s.grievance[losers] = np.minimum(s.grievance[losers] + spec.grievance, 1.0)
        s.tension[losers] = np.minimum(s.tension[losers] + spec.tension_jump, 1.0)


class ResourceCut(ShockEvent):
    """A unit loses a share of its capacity for a while (and gets it back afterwards).
    Where the unit takes no conflict cases (e.g. under the 'none' preset) nothing changes."""

    kind = "resource_cut"

    def apply(self, model) -> None:
        unit = next((u for u in model.units if u.kind == self.spec.unit), None)
        if unit is None:  # under this preset the unit takes no conflict cases
            return
        self.unit, self.lost = unit, unit.capacity_per_day * self.spec.size
        unit.capacity_per_day -= self.lost
        model.schedule_event(self.restore, at=self.spec.day + self.spec.duration_days - 0.5)

    def restore(self) -> None:
        self.unit.capacity_per_day += self.lost


REGISTRY: dict[str, type[ShockEvent]] = {
    cls.kind: cls for cls in (NewcomerInflux, ViolentIncident, Rumour, ContestedDecision, ResourceCut)
}


def build_shock(model, spec) -> ShockEvent:
    return REGISTRY[spec.kind](model, spec)
