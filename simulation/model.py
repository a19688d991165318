"""The Quartier model: a town's residents, ties and administration, one day per step.

One day, in this order (docs/ODD.md, "Process overview"):

1. scheduled shocks fire (Mesa events, before the step);
2. opinions update by the scenario's rule (:mod:`simulation.kernels.opinion`), then
   positive intergroup contact pulls together and group threat pushes apart;
3. tension relaxes toward its drive (hostile ties, grievance, threat, opinion distance,
   distrust; relief from friendly cross-group ties);
4. ties change valence and Glasl stage (higher stages entrench);
5. hostile ties at high stages produce incidents, which raise tension and threat and can
   mobilise collective action (Granovetter cascade; distrust lowers thresholds);
6. incidents are reported and cases handled by administration units
   (:mod:`simulation.administration`);
7. conflict-management structures act (:mod:`simulation.structures`);
8. metrics are collected (:mod:`simulation.indicators`; row ``day = 0`` is the initial state).

Structures, shocks and case handling act on the model through the small interface described
in :mod:`simulation.town`. All randomness comes from ``self.rng`` (Mesa's numpy Generator,
seeded from the scenario), drawn in a fixed order, so the same scenario and seed give
bit-identical results in any process.
"""

from __future__ import annotations

import functools

import mesa
import numpy as np
import pandas as pd

from . import administration
from .administration import CaseHandling
from .agents import Residents
from .events import CLUSTER_MIN, Event
from .indicators import COUNTS, Measurement, daily_metrics, metric_names
from .kernels import compiled
from .kernels import conflict as ck
from .kernels import day as kd
from .kernels import draws
from .kernels import opinion as ok
from .network import Ties, build_ties
from .population import ResidentState, draw_traits, initial_residents
from . import programme
from .scenario import Scenario
from .shocks import build_shock
from .structures import build_structures

__all__ = ["QuartierModel", "ResidentState", "metric_names"]

#: Glasl's stage 7, "limited destruction": the event log notes feuds that reach it.
HIGH_STAGE = kd.HIGH_STAGE
#: The opinion rules that meet in pairs (one random matching a round); the compiled day runs them.
PAIRWISE_RULES = ("deffuant", "repulsive")


#: Today's counts before anything happened: whole numbers, hours as floats.
_ZERO_COUNTS = {**dict.fromkeys(COUNTS, 0), "staff_hours": 0.0, "training_hours": 0.0}


class QuartierModel(mesa.Model):
    """Neighbourhood conflict dynamics under municipal conflict-management structures.

    Parameters
    ----------
    config : Scenario
        A validated scenario (see :mod:`simulation.scenario`); the default scenario if None.
    seed : int, optional
        Overrides ``config.seed``.
    ties : Ties, optional
        A network handed in by the user (e.g. :func:`simulation.network.ties_from_networkx`)
        instead of the generated one; it must have ``config.town.residents`` nodes.
    """

    def __init__(self, config: Scenario | None = None, *, seed: int | None = None, ties: Ties | None = None) -> None:
        config = Scenario() if config is None else config
        seed = config.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.config = config
        self.seed_value = seed
        self.day = 0
        self.n_groups = len(config.town.groups)
        self.n_districts = len(config.town.districts)

        self.state = initial_residents(config, self.rng, config.town.residents)
        if ties is None:
            block = self.state.district * self.n_groups + self.state.group
            blocks = np.arange(self.n_districts * self.n_groups)
            ties = build_ties(config.town.network, block, blocks // self.n_groups, blocks % self.n_groups, self.rng)
        elif ties.n != self.state.n:
            raise ValueError(f"the network has {ties.n} nodes but the scenario {self.state.n} residents")
        self._set_ties(ties)
        self.valence, self.stage = self._initial_tie_states(np.arange(ties.m))

        self._anchored = bool(np.any(self.state.stubbornness > 0))
        self.residents = Residents(self)
        self.case_handling = CaseHandling(self)
        self.units = self.case_handling.units
        self._staff: tuple = ()  # the staff trained_share() weighs by, and their weights
        self.cases = self.case_handling.cases

        self.incidents_cumulative = 0
        self.alert_until = np.full(self.n_districts, -1, dtype=np.int64)
        self.rumours = []
        self.shock_log: list[tuple[int, str]] = []
        self.events: list[Event] = []
        self._cluster_logged = np.full(self.n_districts, -(10**9), dtype=np.int64)
        self._reset_daily_counters()
        self.structures = build_structures(self)
        pool = self.structures.get("mediator_pool")
        self.mediators = pool.mediators if pool is not None else []
        self._warm_up(config.warmup_days)
        self.shock_events = [build_shock(self, spec) for spec in config.shocks]
        for event in self.shock_events:
            event.schedule()
        self.training_events = [functools.partial(self.train, cohort) for cohort in config.training.cohorts]
        for cohort, fire in zip(config.training.cohorts, self.training_events):
            self.schedule_event(fire, at=cohort.day - 0.5)
        self.change_log: list[tuple[int, dict]] = []
        # Mesa keeps only weak references to event callbacks: the bound methods of these
        # partials' targets live as long as the model holds the list.
        self.change_events = [functools.partial(self.apply_change, change.set, change.day) for change in config.changes]
        for change, fire in zip(config.changes, self.change_events):
            self.schedule_event(fire, at=change.day - 0.5)
        self._metrics = daily_metrics(config)
        self.datacollector = mesa.DataCollector(
            model_reporters={m.name: [self.metric, [m.name]] for m in self._metrics}
        )
        # each metric's function, or the daily count it copies, and its column of the
        # DataCollector's table, paired once
        columns = self.datacollector.model_vars
        self._columns = [(m.compute, columns[m.name]) for m in self._metrics if not m.count]
        self._count_columns = [(m.name, columns[m.name]) for m in self._metrics if m.count]
        self.measurement: Measurement | None = None  # the day before's: none before day 0's
        self._measure()

    # ------------------------------------------------------------------------------------------
    # Set-up and a growing population
    # ------------------------------------------------------------------------------------------

    def _set_ties(self, ties: Ties) -> None:
        self.ties = ties
        self.degree = ties.degree()
        self._safe_degree = np.maximum(self.degree, 1).astype(np.float64)
        self.adjacency = ties.adjacency()
        self.cross_group = self.state.group[ties.u] != self.state.group[ties.v]
        self._tie_view_counts = None  # counted afresh when next needed (_kept_tie_view_counts)

    def _initial_tie_states(self, index: np.ndarray, hostile: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Valence and stage for the ties ``index``: friendly by group mix, and (for the
        town's first ties only) a few hostile at stages 1 to 3."""
        c = self.config.conflict
        k = index.size
        valence = np.full(k, ck.NEUTRAL, dtype=np.int8)
        stage = np.zeros(k, dtype=np.int8)
        if not c.enabled:
            return valence, stage
        p_friendly = np.where(self.cross_group[index], c.initial_friendly_across_groups, c.initial_friendly_within_group)
        r = self.rng.random(k)
        valence[r < p_friendly] = ck.FRIENDLY
        if hostile:
            feud = r > 1.0 - c.initial_hostile_share
            valence[feud] = ck.HOSTILE
            stage[feud] = self.rng.integers(1, 4, size=int(feud.sum()))
        return valence, stage

    def add_residents(self, group: int, district: int, count: int, ties_per_resident: float) -> np.ndarray:
        """New residents of ``group`` move into ``district``, each tied to about
        ``ties_per_resident`` residents, preferring their district (as the block model does).
        Their ties start as the group mix predicts, never hostile by construction. Every
        structure and running rumour is told (``on_residents_added``). Returns the indices.
        """
        start = self.state.n
        new = draw_traits(self.config, self.rng, np.full(count, group, dtype=np.int16), np.full(count, district, dtype=np.int16))
        self.state.append(new)
        idx = np.arange(start, start + count)
        h = self.config.town.network.district_homophily
        stubs = np.repeat(idx, max(1, int(round(ties_per_resident))))
        local = np.flatnonzero(self.state.district[:start] == district)
        pick_local = (self.rng.random(stubs.size) < h) & (local.size > 0)
        near = self.rng.integers(0, max(local.size, 1), size=stubs.size)
        partner = np.where(
            pick_local,
            local[near] if local.size else near,  # (a district nobody lives in yet: none picked)
            self.rng.integers(0, start, size=stubs.size),
        )
        ties, fresh = self.ties.add_ties(stubs, partner)
        self._set_ties(ties)
        valence, stage = self._initial_tie_states(fresh, hostile=False)
        self.valence = np.concatenate([self.valence, valence])
        self.stage = np.concatenate([self.stage, stage])
        for listener in [*self.structures.values(), *self.rumours]:
            if hasattr(listener, "on_residents_added"):
                listener.on_residents_added(self, count)
        return idx

    # ------------------------------------------------------------------------------------------
    # One day
    # ------------------------------------------------------------------------------------------

    def step(self) -> None:
        # Counters are reset right after collection, before the next day's shocks fire
        # (they fire between steps), so a shock's incidents count on its own day.
        self.day = self.steps
        self._simulate_day()
        self._measure()
        self._reset_daily_counters()

    def _warm_up(self, days: int) -> None:
        """Run ``days`` unrecorded days (numbered below 0) so day 0 is an everyday state,
        not the arbitrary initial one; counts start afresh afterwards."""
        for k in range(days):
            self.day = k - days
            self._reset_daily_counters()
            self._simulate_day()
        self.day = 0
        self._reset_daily_counters()

    def trigger_shock(self, kind: str, **fields) -> None:
        """Let a shock hit now (on demand, e.g. from the dashboard), as if scheduled for today.

        ``fields`` are the shock's keys of the scenario schema; they are validated like a
        scenario file's. Its incidents count in the next day's figures.
        """
        from .scenario import SHOCK_CLASSES

        spec = SHOCK_CLASSES[kind].model_validate({"kind": kind, "day": max(self.day, 0) + 1, **fields})
        build_shock(self, spec).fire()

    def train(self, cohort) -> None:
        """A training cohort finishes (:func:`simulation.programme.train`)."""
        programme.train(self, cohort)

    def apply_change(self, settings: dict, day: int | None = None) -> None:
        """Change settings on the running town (:func:`simulation.programme.apply_change`)."""
        programme.apply_change(self, settings, day)

    def log_event(self, kind: str, district: int = -1, value: float = 0.0, detail: str = "", day: int | None = None) -> None:
        """Note a notable moment (:mod:`simulation.events`); warm-up days are not logged."""
        day = self.day if day is None else day
        if day >= 0:
            self.events.append(Event(int(day), kind, int(district), float(value), detail))

    # Mesa's views of all agents list every resident in a town up to EAGER_RESIDENTS: their
    # agents are made the first time one of these is read (simulation.agents.Residents).
    @property
    def agents(self):
        self.residents.complete()
        return super().agents

    @property
    def agents_by_type(self):
        self.residents.complete()
        return super().agents_by_type

    @property
    def agent_types(self):
        self.residents.complete()
        return super().agent_types

    def structure(self, name: str):
        """The structure ``name`` if the town has it switched on, else None."""
        return self.structures.get(name)

    def _simulate_day(self) -> None:
        for rumour in self.rumours:
            if rumour.active:
                rumour.advance(self)
        logging = self.day >= 0  # warm-up days are not logged: no extra pass over the ties there
        conflict = self.config.conflict.enabled
        if conflict and compiled.ENABLED and self.config.opinion.rule in PAIRWISE_RULES:
            incidents, risen = self._compiled_day(logging)
        else:
            self._update_tie_views()
            self._opinion_step()
            if conflict:
                self._tension_step()
                high_before = self.stage >= HIGH_STAGE if logging else None
                ck.update_ties(
                    self.valence, self.stage, self.ties.u, self.ties.v,
                    self.state.opinion, self.state.tension, self.state.tolerance, self.config.conflict, self.rng,
                )  # fmt: skip
                incidents = self._incident_step()
                risen = np.flatnonzero((self.stage >= HIGH_STAGE) & ~high_before) if logging else None
        if conflict:
            self._log_escalation(risen, logging)
            if self.config.administration.enabled:
                self.case_handling.report(self, incidents)
        if self.config.administration.enabled:
            self.case_handling.handle(self)
        programme.build_up(self)
        for structure in self.structures.values():
            structure.act(self)
        # Staff turnover: trained staff leave and untrained ones take their place.
        keep = (1.0 - self.config.training.turnover_per_year) ** (1.0 / 365.0)
        for unit in self.units:
            unit.trained_share *= keep

    def _compiled_day(self, logging: bool) -> tuple[np.ndarray, np.ndarray]:
        """Views, opinions, tension, tie changes and incidents in one compiled call
        (:func:`simulation.kernels.day.whole_day`); the same day as the steps below it, to
        the bit. Returns today's incidents and the ties that reached Glasl stage 7."""
        cfg, c, s = self.config.opinion, self.config.conflict, self.state
        damping = max((st.threat_damping() for st in self.structures.values()), default=0.0)
        counts = self._kept_tie_view_counts()
        s.opinion, risen, incidents = kd.whole_day(
            draws.handle(self.rng), self.ties.u, self.ties.v, self.valence, self.stage, self.cross_group,
            self._safe_degree, s.opinion, s.tolerance, cfg.rounds_per_day, cfg.contact_tolerance_gain,
            cfg.convergence_rate, cfg.rejection_radius if cfg.rule == "repulsive" else np.inf,
            cfg.rejection_radius * (1.0 - cfg.hostile_rejection_factor),
            cfg.contact_opinion_pull, s.group, s.threat, cfg.threat_opinion_shift, self.n_groups, s.stubbornness,
            s.opinion0, self._anchored,
            s.stress, s.grievance, s.trust, s.tension,
            (c.weight_distrust, c.weight_hostile_ties, c.weight_grievance, c.weight_threat,
             c.weight_opinion_distance, c.contact_relief, c.tension_relaxation_rate),
            (1.0 - c.threat_decay_per_day) * (1.0 - damping), 1.0 - c.grievance_decay_per_day,
            (float(c.resolution_probability), c.escalate_probability, c.deescalate_probability,
             c.stage_stickiness, c.threshold_barrier, c.hostile_tension_threshold,
             c.hostile_distance_threshold, c.turn_hostile_probability),
            logging, counts,
            c.befriend_probability, ck.COOLING_CHANCE * c.unfriend_probability, c.incident_min_stage,
            c.incident_probability,
        )  # fmt: skip
        # the tie views as the day's kernel left them (compiled.tie_views_update)
        self.hostile_tie, self.hostile_share_of = counts[compiled.HOSTILE_TIE], counts[compiled.HOSTILE_SHARE]
        self.contact_tie, self.friendly_cross_share_of = counts[compiled.CONTACT_TIE], counts[compiled.CROSS_SHARE]
        self.record_incidents(incidents)
        if incidents.size:
            self._incident_effects(incidents)
        return incidents, risen

    def _log_escalation(self, risen: np.ndarray | None, logging: bool) -> None:
        """Event log: ties newly at Glasl stage 7+, and districts with a cluster of incidents."""
        if not logging:
            return
        if risen.size:
            per_district = np.bincount(self.state.district[self.ties.u[risen]], minlength=self.n_districts)
            for district in np.flatnonzero(per_district).tolist():
                self.log_event("high_stage", district, per_district[district])
        if self.counts["incidents"] < CLUSTER_MIN:  # most days: no district can have a cluster
            return
        cluster = (self.incidents_by_district >= CLUSTER_MIN) & (self.day - self._cluster_logged >= 7)
        for district in np.flatnonzero(cluster).tolist():
            self._cluster_logged[district] = self.day
            self.log_event("incident_cluster", district, self.incidents_by_district[district])

    def adviser_intensity(self) -> float:
        """External advisers' presence today: adviser days per week, at most 1."""
        return min(1.0, 7.0 * programme.adviser_days(self))

    def structure_strength(self) -> float:
        """Mean build-up (0 to 1) over the structures switched on; 0 without any."""
        if not self.structures:
            return 0.0
        # A running sum from 0 is how np.mean adds fewer than 8 values (a town has at most
        # six structures): the same bits, without an array.
        total = 0.0
        for structure in self.structures.values():
            total += structure.built
        return float(total / len(self.structures))

    def trained_share(self) -> float:
        """Mean trained share over the units, weighted by their staff."""
        staff = tuple([u.staff for u in self.units])
        if staff != self._staff:  # staff change only with the settings (``apply_change``): rarely
            self._staff, self._staff_weights = staff, np.array(staff, dtype=float)
            self._staff_total = self._staff_weights.sum()
        return float(self._staff_weights.dot(np.array([u.trained_share for u in self.units])) / self._staff_total)

    def _reset_daily_counters(self) -> None:
        # a copy of the one dict of zeros: a third of the cost of building it key by key
        self.counts = _ZERO_COUNTS.copy()
        self.incidents_by_district = np.zeros(self.n_districts)
        self.reported_by_district = np.zeros(self.n_districts)
        self.handling_days_today: list[int] = []

    def record(self, name: str, amount: float = 1) -> None:
        """Add ``amount`` to today's count ``name`` (one of :data:`simulation.indicators.COUNTS`)."""
        self.counts[name] += amount

    def record_incidents(self, tie_index: np.ndarray) -> None:
        """Incidents on ``tie_index`` happened today (the one path for the model and shocks)."""
        self.counts["incidents"] += int(tie_index.size)
        if tie_index.size > administration.FEW:  # a large town's day, or a brawl
            self.incidents_by_district += np.bincount(self.state.district[self.ties.u[tie_index]],
                                                      minlength=self.n_districts)
        elif tie_index.size:
            # Most days a few: counted one by one (whole numbers, so the same sums as an array
            # call, which costs some 25 µs in a run against 1-2 µs for a few)
            by_district = self.incidents_by_district
            for district in self.state.district[self.ties.u[tie_index]].tolist():
                by_district[district] += 1.0

    def _kept_tie_view_counts(self) -> tuple:
        """The compiled tie views' counts (:func:`simulation.kernels.compiled.tie_view_counts`),
        counted afresh after the ties changed, else kept from the day before."""
        if self._tie_view_counts is None:
            self._tie_view_counts = compiled.tie_view_counts(
                self.ties.u, self.ties.v, self.valence, self.cross_group, self._safe_degree
            )
        return self._tie_view_counts

    def _update_tie_views(self) -> None:
        """Per-resident shares of hostile and of friendly cross-group ties (yesterday's ties)."""
        u, v = self.ties.u, self.ties.v
        if compiled.ENABLED:
            views = compiled.tie_views_update(u, v, self.valence, self.cross_group, self._safe_degree,
                                              self._kept_tie_view_counts())
            self.hostile_tie, self.hostile_share_of, self.contact_tie, self.friendly_cross_share_of = views
            return
        n = self.state.n
        self.hostile_tie = self.valence == ck.HOSTILE
        hostile = np.flatnonzero(self.hostile_tie)
        self.hostile_share_of = (np.bincount(u[hostile], minlength=n) + np.bincount(v[hostile], minlength=n)) / self._safe_degree
        self.contact_tie = (self.valence == ck.FRIENDLY) & self.cross_group
        fc = np.flatnonzero(self.contact_tie)
        self.friendly_cross_share_of = (np.bincount(u[fc], minlength=n) + np.bincount(v[fc], minlength=n)) / self._safe_degree

    def _opinion_step(self) -> None:
        cfg = self.config.opinion
        s = self.state
        u, v = self.ties.u, self.ties.v
        conflict_on = self.config.conflict.enabled
        pairwise = cfg.rule in PAIRWISE_RULES
        gain = cfg.contact_tolerance_gain if conflict_on else 0.0
        tolerance = s.tolerance
        if gain > 0 and not (pairwise and compiled.ENABLED):  # the compiled round widens it per pair
            tolerance = np.minimum(1.0, tolerance * (1.0 + gain * self.friendly_cross_share_of))
        hostile = self.hostile_tie if conflict_on else None
        if pairwise:
            rejection = cfg.rejection_radius if cfg.rule == "repulsive" else np.inf
            hostile_rejection = cfg.rejection_radius * (1.0 - cfg.hostile_rejection_factor)
            for _ in range(cfg.rounds_per_day):
                if not compiled.ENABLED:
                    ok.deffuant_round(s.opinion, u, v, tolerance, cfg.convergence_rate, self.rng, rejection, hostile, hostile_rejection)
                elif u.size:  # the draws of ok.random_matching, then the round compiled
                    cand = self.rng.integers(0, u.size, size=max(1, s.n // 2))
                    compiled.pairwise_round(
                        s.opinion, u, v, cand, tolerance, gain, self.friendly_cross_share_of, cfg.convergence_rate,
                        rejection, self.cross_group if hostile is None else hostile, hostile is not None,
                        hostile_rejection,
                    )  # fmt: skip
        else:
            listens = ~self.hostile_tie if conflict_on else None
            if cfg.rule == "hk":
                s.opinion = ok.hegselmann_krause(s.opinion, u, v, tolerance, listens)
            else:
                s.opinion = ok.friedkin_johnsen(s.opinion, s.opinion0, u, v, s.stubbornness, listens)
        anchor = self._anchored and cfg.rule != "friedkin_johnsen"
        if compiled.ENABLED:
            s.opinion = compiled.contact_threat_anchor(
                s.opinion, u, v, self.contact_tie if conflict_on else self.cross_group,
                cfg.contact_opinion_pull if conflict_on else 0.0, s.group, s.threat,
                cfg.threat_opinion_shift if conflict_on else 0.0, self.n_groups, s.stubbornness, s.opinion0, anchor,
            )  # fmt: skip
            return
        if conflict_on:
            s.opinion = ok.intergroup_contact_pull(s.opinion, u, v, self.contact_tie, cfg.contact_opinion_pull)
            s.opinion = ok.group_threat_shift(s.opinion, s.group, s.threat, cfg.threat_opinion_shift, self.n_groups)
        # Every rule keeps residents anchored to their initial view (Friedkin & Johnsen
        # 1990); with stubbornness 0 the rules are the textbook ones. friedkin_johnsen
        # anchors by itself.
        if anchor:
            s.opinion = (1.0 - s.stubbornness) * s.opinion + s.stubbornness * s.opinion0

    def _tension_step(self) -> None:
        c = self.config.conflict
        s = self.state
        damping = max((st.threat_damping() for st in self.structures.values()), default=0.0)
        if compiled.ENABLED:
            compiled.tension_step(
                s.opinion, self.ties.u, self.ties.v, self._safe_degree, s.stress, self.hostile_share_of, s.grievance,
                s.threat, self.friendly_cross_share_of, s.trust, s.tension, c.weight_distrust, c.weight_hostile_ties,
                c.weight_grievance, c.weight_threat, c.weight_opinion_distance, c.contact_relief,
                c.tension_relaxation_rate, (1.0 - c.threat_decay_per_day) * (1.0 - damping), 1.0 - c.grievance_decay_per_day,
            )  # fmt: skip
            return
        distance = self.ties.node_sum(np.abs(s.opinion[self.ties.u] - s.opinion[self.ties.v])) / self._safe_degree
        drive = ck.tension_drive(
            s.stress, self.hostile_share_of, s.grievance, s.threat, distance, self.friendly_cross_share_of, c, s.trust
        )
        s.tension += c.tension_relaxation_rate * (drive - s.tension)
        s.threat *= (1.0 - c.threat_decay_per_day) * (1.0 - damping)
        s.grievance *= 1.0 - c.grievance_decay_per_day

    def _incident_step(self) -> np.ndarray:
        """Incidents on escalated ties, their effects, and mobilisation. Returns tie indices."""
        c = self.config.conflict
        s = self.state
        incidents = ck.draw_incidents(self.stage, c.incident_min_stage, c.incident_probability, self.rng)
        self.record_incidents(incidents)
        if incidents.size:
            self._incident_effects(incidents)
        return incidents

    def _incident_effects(self, incidents: np.ndarray) -> None:
        """Tension, grievance and threat after today's incidents, and the mobilisation."""
        c = self.config.conflict
        s = self.state
        if compiled.ENABLED:
            a = self.adjacency
            joined = compiled.incident_effects(
                incidents, self.ties.u, self.ties.v, s.district, self.n_districts, a.indptr, a.indices, a.data,
                self.degree, s.tension, s.grievance, s.threat, s.threshold, s.trust, c.incident_tension_jump,
                c.incident_neighbour_tension, c.grievance_per_incident, c.incident_district_threat,
                c.mobilisation_rounds, c.mobilisation_legitimacy, c.mobilisation_min_tension, c.mobilisation_tension,
            )  # fmt: skip
            if c.mobilisation_rounds > 0:
                self.record("mobilised", joined)
            return
        parties = np.concatenate([self.ties.u[incidents], self.ties.v[incidents]])
        involved = np.bincount(parties, minlength=s.n).astype(np.float64)
        near = self.adjacency @ involved
        s.tension = np.clip(s.tension + c.incident_tension_jump * involved + c.incident_neighbour_tension * near, 0, 1)
        s.grievance = np.clip(s.grievance + c.grievance_per_incident * involved, 0, 1)
        # Threat scales with incidents per 1,000 residents of a district, so a town of
        # 100,000 feels one incident no more than a village feels its share of it.
        per_district = np.bincount(s.district[self.ties.u[incidents]], minlength=self.n_districts)
        population = np.maximum(np.bincount(s.district, minlength=self.n_districts), 1)
        per_thousand = 1000.0 * per_district / population
        s.threat = np.clip(s.threat + c.incident_district_threat * per_thousand[s.district], 0, 1)
        if c.mobilisation_rounds > 0:
            seeds = involved > 0
            # Distrust lowers the threshold to join (Epstein 2002: illegitimacy).
            threshold = s.threshold * (1.0 - c.mobilisation_legitimacy * (1.0 - s.trust))
            active = ck.granovetter_cascade(
                seeds, self.adjacency, self.degree, threshold, s.tension >= c.mobilisation_min_tension, c.mobilisation_rounds
            )
            joined = active & ~seeds
            self.record("mobilised", int(joined.sum()))
            s.tension[joined] = np.minimum(s.tension[joined] + c.mobilisation_tension, 1.0)

    def lower_stage(self, tie: np.ndarray, stages: int = 1) -> None:
        """Lower hostile ties ``tie`` by ``stages`` Glasl stages; at stage 0 they turn neutral."""
        tie = tie[self.valence[tie] == ck.HOSTILE]
        self.stage[tie] -= stages
        self.valence[tie[self.stage[tie] <= 0]] = ck.NEUTRAL
        self.stage[tie] = np.maximum(self.stage[tie], 0)

    # ------------------------------------------------------------------------------------------
    # Metrics
    # ------------------------------------------------------------------------------------------

    def metric(self, name: str) -> float:
        """Today's value of a metric (the DataCollector's reporter): the last one measured."""
        return self.datacollector.model_vars[name][-1]

    def _measure(self) -> None:
        """Today's metrics, stored as the DataCollector's row of the day."""
        self.incidents_cumulative += self.counts["incidents"]
        self.measurement = Measurement(self, self.measurement)  # handed what the day before kept
        # What DataCollector.collect does with model reporters, without calling each
        # reporter through it (a fifth of a day's time at 2,000 residents).
        for compute, column in self._columns:
            column.append(compute(self))
        counts = self.counts
        for name, column in self._count_columns:
            column.append(counts[name])

    def model_frame(self) -> pd.DataFrame:
        """One row per day (0 = initial state): ``day`` and every metric."""
        # Each column made an array by numpy first: from these lists (Python ints and floats,
        # numpy integers) it infers the dtype pandas would, int64 or float64, for much less
        # than pandas pays to infer it from a list
        columns = {name: np.array(values) for name, values in self.datacollector.model_vars.items()}
        days = np.arange(len(next(iter(columns.values()))), dtype=np.int64)
        return pd.DataFrame({"day": days, **columns})

    def agents_frame(self) -> pd.DataFrame:
        """Each resident's current state."""
        s = self.state
        return pd.DataFrame(
            {
                "id": np.arange(s.n, dtype=np.int64),
                "group": np.asarray(self.config.group_names())[s.group],
                "district": np.asarray(self.config.town.districts)[s.district],
                "opinion": s.opinion,
                "tension": s.tension,
                "trust": s.trust,
                "grievance": s.grievance,
            }
        )
