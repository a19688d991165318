"""The five shock kinds. Each is a small class built from its scenario entry (the schema's
``Shock`` union, same ``kind``); Mesa's event list calls ``fire`` before the step of the
shock's day (at time ``day − 0.5``). Shocks act through the :class:`simulation.town.Town`
interface.

Every shock tells the structures it has hit (``Structure.on_shock``) and is listed with its
day in ``town.shock_log``. ``public`` marks shocks everyone sees at once (a brawl, a rumour),
which convene a crisis team by themselves.

Each shock feeds group threat (Blumer 1958; Quillian 1995) where it threatens a group: an
influx threatens the other groups of the district, a decision the side it goes against, a
rumour its believers, a violent incident the whole district. Threat then shifts opinions
apart (:func:`simulation.kernels.opinion.group_threat_shift`) and raises tension.

Adding a sixth shock: its schema class in ``scenario.py`` (joined to the ``Shock`` union) and
one class here with the same ``kind``; ``tests/test_registry.py`` enforces both and the labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .kernels import conflict as ck
from .kernels.rumour import IGNORANT, SPREADER, maki_thompson_round
from .lookup import TownLookup

if TYPE_CHECKING:
    from .town import Town

__all__ = ["ShockEvent", "REGISTRY", "build_shock", "RumourProcess"]


class ShockEvent:
    kind = "shock"
    public = False

    def __init__(self, model: "Town", spec) -> None:
        self.model = model
        self.spec = spec
        self.district = None if spec.district is None else model.config.town.districts.index(spec.district)

    def schedule(self) -> None:
        self.model.schedule_event(self.fire, at=self.spec.day - 0.5)

    def fire(self) -> None:
        model = self.model
        self.apply(model)
        model.shock_log.append((self.spec.day, self.kind))
        where = getattr(self, "district_hit", self.district)  # a brawl in a district drawn at random
        model.log_event("shock", -1 if where is None else where, detail=self.kind, day=self.spec.day)
        for structure in model.structures.values():
            structure.on_shock(model, self)

    def apply(self, model: "Town") -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def residents_in_scope(self, model) -> np.ndarray:
        if self.district is None:
            return np.arange(model.state.n)
        return np.flatnonzero(model.state.district == self.district)


class NewcomerInflux(ShockEvent):
    """New residents of a group move in (into one district, or spread over all). Their first
    ties start as the group mix predicts (friendly or neutral, never hostile by construction);
    residents of other groups in the district feel ``threat``."""

    kind = "newcomer_influx"

    def apply(self, model) -> None:
        group = model.config.group_names().index(self.spec.group)
        if self.district is not None:
            counts = np.zeros(model.n_districts, dtype=np.int64)
            counts[self.district] = self.spec.size
        else:
            counts = np.bincount(np.arange(self.spec.size) % model.n_districts, minlength=model.n_districts)
        s = model.state
        others = (s.group != group) & (counts[s.district] > 0)
        s.threat[others] = np.minimum(s.threat[others] + self.spec.threat, 1.0)
        for district, count in enumerate(counts.tolist()):
            if count:
                model.add_residents(group, district, count, self.spec.ties_per_resident)


class ViolentIncident(ShockEvent):
    """A violent incident: ``size`` ties of the district (cross-group ties first) jump to a
    hostile ``stage``; everyone in the district gets tenser and feels more threatened."""

    kind = "violent_incident"
    public = True

    def apply(self, model) -> None:
        spec, s = self.spec, model.state
        district = self.district if self.district is not None else int(model.rng.integers(model.n_districts))
        self.district_hit = district
        local = np.flatnonzero(s.district[model.ties.u] == district)
        cross = local[model.cross_group[local]]
        same = local[~model.cross_group[local]]
        pick = np.concatenate([model.rng.permutation(cross), model.rng.permutation(same)])[: spec.size]
        model.valence[pick] = ck.HOSTILE
        model.stage[pick] = np.maximum(model.stage[pick], spec.stage)
        here = s.district == district
        s.tension[here] = np.minimum(s.tension[here] + spec.tension_jump, 1.0)
        s.threat[here] = np.minimum(s.threat[here] + spec.threat, 1.0)
        model.record_incidents(pick)
        # A brawl is reported like any incident (the police and the public order office hear
        # of it), so early warning and mediators learn of the feuds it started.
        if model.config.administration.enabled:
            model.case_handling.report(model, pick)


class Rumour(ShockEvent):
    """A rumour about a group starts with ``size`` residents (outside that group where
    possible) and spreads by Maki–Thompson over the following days (:class:`RumourProcess`)."""

    kind = "rumour"
    public = True

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
        self._lookup = TownLookup()
        self._over = False  # no spreader left: it stays so, since only a spreader makes one
        self._believe(model, seeds)

    @property
    def active(self) -> bool:
        if not self._over:
            self._over = not np.any(self.state == SPREADER)
            if self._over:
                self._settle()
        return not self._over

    def _settle(self) -> None:
        """Once over, the residents' states are read-only: nothing may change them any more
        (what is kept of a rumour that is over, e.g. the share aware of it, relies on that)."""
        self.state.flags.writeable = False

    def aware(self) -> np.ndarray:
        return self.state != IGNORANT

    def on_residents_added(self, town, count: int) -> None:
        self.state = np.concatenate([self.state, np.zeros(count, np.int8)])
        if self._over:
            self._settle()

    def advance(self, model) -> None:
        stifling = max((s.rumour_stifling() for s in model.structures.values()), default=0.0)
        adjacency = model.adjacency
        for _ in range(self.spec.contacts_per_day):
            new = maki_thompson_round(self.state, adjacency.indptr, adjacency.indices, model.rng, stifling)
            self._believe(model, new)

    def _ties_toward_target(self, model) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """The ties toward the target group (:meth:`TownLookup.ties_toward`): found again only
        when the town replaces its ties or residents' groups (an influx does), not on every
        telling."""
        return self._lookup.update(model).ties_toward(model, self.target)

    def _believe(self, model, who: np.ndarray) -> None:
        s = model.state
        who = who[s.group[who] != self.target]
        if who.size == 0:
            return
        s.threat[who] = np.minimum(s.threat[who] + self.spec.threat, 1.0)
        believer = np.zeros(s.n, dtype=bool)
        believer[who] = True
        # The believers' ties to the target group, ascending: among the ties with a member of
        # the target group at one end, those with a believer at the other (believers are
        # outside the target group, so no tie is found from both ends).
        (to_v, u_of), (to_u, v_of) = self._ties_toward_target(model)
        toward = np.concatenate((to_v[believer[u_of]], to_u[believer[v_of]]))
        toward.sort()
        turn = toward[model.rng.random(toward.size) < self.spec.hostility_probability]
        model.valence[turn] = ck.HOSTILE
        model.stage[turn] = np.maximum(model.stage[turn], 2)


class ContestedDecision(ShockEvent):
    """An administrative decision: residents on the side it goes against (opinion below 0.5
    when it favours 'high', above when it favours 'low') harden their view, lose trust, gain
    grievance, tension and perceived threat."""

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
        s.threat[losers] = np.minimum(s.threat[losers] + spec.threat, 1.0)


class ResourceCut(ShockEvent):
    """A unit loses a share of its capacity for a while (and gets it back afterwards). The
    town's units are the same under every structure setting, so a cut hits every setting."""

    kind = "resource_cut"

    def apply(self, model) -> None:
        unit = model.case_handling.unit(self.spec.unit)
        if unit is None:  # the kind appears in the case mix only: no unit to cut
            return
        self.unit, self.lost = unit, unit.capacity_per_day * self.spec.size
        unit.capacity_per_day -= self.lost
        model.schedule_event(self.restore, at=self.spec.day + self.spec.duration_days - 0.5)

    def restore(self) -> None:
        self.unit.capacity_per_day += self.lost


REGISTRY: dict[str, type[ShockEvent]] = {
    cls.kind: cls for cls in (NewcomerInflux, ViolentIncident, Rumour, ContestedDecision, ResourceCut)
}
"""Behaviour of each shock kind, by the schema's ``kind``."""


def build_shock(model, spec) -> ShockEvent:
    return REGISTRY[spec.kind](model, spec)
