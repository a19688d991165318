"""The Quartier model: a town's residents, ties and administration, one day per step.

One day (DESIGN.md, "One day"), in this order:

1. scheduled shocks fire (Mesa events, before the step);
2. opinions update by the scenario's rule (:mod:`simulation.kernels.opinion`);
3. tension relaxes toward its drive;
4. ties change valence and Glasl stage;
5. hostile ties at high stages produce incidents, which raise tension and threat and can
   mobilise collective action (Granovetter cascade);
6. incidents are reported and cases handled by administration units
   (:mod:`simulation.administration`);
7. conflict-management structures act;
8. metrics are collected (Mesa DataCollector; row ``day = 0`` is the initial state).

All randomness comes from ``self.rng`` (Mesa's numpy Generator, seeded from the scenario),
drawn in a fixed order, so the same scenario and seed give bit-identical results in any
process.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import mesa
import numpy as np
import pandas as pd

from . import metrics
from .administration import DUPLICATE, HANDLED, CaseBook
from .agents import AdministrationUnit, Resident
from .kernels import conflict as ck
from .kernels import opinion as ok
from .network import Ties, build_ties
from .scenario import STRUCTURE_NAMES, Scenario
from .shocks import build_shock
from .structures import build_structures

__all__ = ["QuartierModel", "ResidentState", "metric_names"]


@dataclass
class ResidentState:
    """Every resident's state, one array per attribute (row i is resident i)."""

    group: np.ndarray
    district: np.ndarray
    opinion: np.ndarray
    opinion0: np.ndarray
    tolerance: np.ndarray
    stubbornness: np.ndarray
    tension: np.ndarray
    grievance: np.ndarray
    trust: np.ndarray
    threshold: np.ndarray
    threat: np.ndarray
    stress: np.ndarray

    @property
    def n(self) -> int:
        return int(self.opinion.size)

    def append(self, other: "ResidentState") -> None:
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))


_BASE_METRICS = [
    "residents",
    "opinion_variance",
    "bimodality",
    "esteban_ray",
    "group_distance",
    "clusters",
    "major_clusters",
    "hostile_share",
    "stage4_share",
    "stage7_share",
    "escalation_index",
    "incidents",
    "incidents_cumulative",
    "reported",
    "mobilised",
    "cross_group_friendly_share",
    "tension_mean",
    "trust_mean",
    "grievance_mean",
    "backlog",
    "cases_handled",
    "days_to_handling",
    "staff_hours",
    "mediations_tried",
    "mediations_succeeded",
    "rumour_aware",
    "districts_on_alert",
    "crisis_team_active",
    *[f"hours_{name}" for name in STRUCTURE_NAMES],
]


def metric_names(scenario: Scenario) -> list[str]:
    """Names of the per-day metrics (columns of ``model.parquet`` besides ``day``)."""
    per_group = [f"{what}_{g}" for g in scenario.group_names() for what in ("trust", "grievance", "opinion")]
    return _BASE_METRICS + per_group


def _clipped_normal(rng: np.random.Generator, mean, sd, size: int, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    return np.clip(rng.normal(mean, sd, size), lo, hi)


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

        self.state = self._initial_residents(config.town.residents)
        if ties is None:
            block = self.state.district * self.n_groups + self.state.group
            blocks = np.arange(self.n_districts * self.n_groups)
            ties = build_ties(
                config.town.network, block, blocks // self.n_groups, blocks % self.n_groups, self.rng
            )
        elif ties.n != self.state.n:
            raise ValueError(f"the network has {ties.n} nodes but the scenario {self.state.n} residents")
        self._set_ties(ties)
        self.valence, self.stage = self._initial_tie_states(np.arange(ties.m))

        self._anchored = bool(np.any(self.state.stubbornness > 0))
        self.residents = [Resident(self, i) for i in range(self.state.n)]
        self.units = [AdministrationUnit(self, k, spec) for k, spec in enumerate(config.administration.units)]
        self.cases = CaseBook()
        self._unit_of_kind = {}
        for unit in self.units:
            self._unit_of_kind.setdefault(unit.kind, unit.index)
        mix = config.administration.case_mix
        self._case_home = np.array([self._unit_of_kind.get(kind, -1) for kind in mix], dtype=np.int16)
        self._case_p = np.array(list(mix.values()))
        self._case_p = self._case_p / self._case_p.sum()

        self.incidents_cumulative = 0
        self.escalation_today = metrics.escalation_index(self.stage)
        self.alert_until = np.full(self.n_districts, -1, dtype=np.int64)
        self.rumours = []
        self.shock_log: list[tuple[int, str]] = []
        self.structures = build_structures(self)
        pool = self.structures.get("mediator_pool")
        self.mediators = pool.mediators if pool is not None else []
        self._today: dict[str, float] = {}
        self._reset_daily_counters()
        self._warm_up(config.warmup_days)
        self.shock_events = [build_shock(self, spec) for spec in config.shocks]
        for event in self.shock_events:
            event.schedule()
        self.datacollector = mesa.DataCollector(
            model_reporters={name: [self.metric, [name]] for name in metric_names(config)}
        )
        self._measure()
        self.datacollector.collect(self)

    # ------------------------------------------------------------------------------------------
    # Set-up
    # ------------------------------------------------------------------------------------------

    def _initial_residents(self, n: int) -> ResidentState:
        """Residents sorted by (district, group) block; traits drawn per group."""
        cfg, rng = self.config, self.rng
        shares = np.array([g.share for g in cfg.town.groups])
        counts = np.floor(shares * n).astype(np.int64)
        remainder = shares * n - counts
        counts[np.argsort(-remainder, kind="stable")[: n - counts.sum()]] += 1
        group = rng.permutation(np.repeat(np.arange(self.n_groups), counts))
        district = rng.permutation(np.arange(n) % self.n_districts)
        order = np.argsort(district * self.n_groups + group, kind="stable")
        return self._draw_traits(group[order].astype(np.int16), district[order].astype(np.int16))

    def _draw_traits(self, group: np.ndarray, district: np.ndarray) -> ResidentState:
        cfg, rng = self.config, self.rng
        traits = cfg.residents
        n = group.size
        op_mean = np.array([g.opinion_mean for g in cfg.town.groups])[group]
        op_sd = np.array([g.opinion_sd for g in cfg.town.groups])[group]
        trust_mean = np.array([g.trust_mean for g in cfg.town.groups])[group]
        opinion = _clipped_normal(rng, op_mean, op_sd, n)
        uniform = np.array([g.opinion_distribution == "uniform" for g in cfg.town.groups])[group]
        opinion[uniform] = rng.random(int(uniform.sum()))
        return ResidentState(
            group=group,
            district=district,
            opinion=opinion,
            opinion0=opinion.copy(),
            tolerance=_clipped_normal(rng, traits.tolerance_mean, traits.tolerance_sd, n, 1e-3, 1.0),
            stubbornness=_clipped_normal(rng, traits.stubbornness_mean, traits.stubbornness_sd, n),
            tension=_clipped_normal(rng, traits.tension_mean, 0.1, n),
            grievance=_clipped_normal(rng, traits.grievance_mean, 0.05, n),
            trust=_clipped_normal(rng, trust_mean, 0.15, n),
            threshold=_clipped_normal(rng, traits.threshold_mean, traits.threshold_sd, n),
            threat=np.zeros(n),
            stress=_clipped_normal(rng, traits.stress_mean, traits.stress_sd, n),
        )

    def _set_ties(self, ties: Ties) -> None:
        self.ties = ties
        self.degree = ties.degree()
        self._safe_degree = np.maximum(self.degree, 1).astype(np.float64)
        self.adjacency = ties.adjacency()
        self.cross_group = self.state.group[ties.u] != self.state.group[ties.v]

    def _initial_tie_states(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Valence and stage for the ties ``index``: friendly by group mix, a few hostile."""
        c = self.config.conflict
        k = index.size
        valence = np.full(k, ck.NEUTRAL, dtype=np.int8)
        stage = np.zeros(k, dtype=np.int8)
        if not c.enabled:
            return valence, stage
        p_friendly = np.where(self.cross_group[index], c.initial_friendly_across_groups, c.initial_friendly_within_group)
        r = self.rng.random(k)
        valence[r < p_friendly] = ck.FRIENDLY
        hostile = r > 1.0 - c.initial_hostile_share
        valence[hostile] = ck.HOSTILE
        stage[hostile] = self.rng.integers(1, 4, size=int(hostile.sum()))
        return valence, stage

    def add_residents(self, group: int, district: int, count: int, ties_per_resident: float) -> np.ndarray:
        """New residents of ``group`` move into ``district``, each tied to about
        ``ties_per_resident`` residents, preferring their district (as the block model does).

        Returns the new residents' indices.
        """
        start = self.state.n
        new = self._draw_traits(np.full(count, group, dtype=np.int16), np.full(count, district, dtype=np.int16))
        self.state.append(new)
        idx = np.arange(start, start + count)
        self.residents.extend(Resident(self, i) for i in idx.tolist())
        h = self.config.town.network.district_homophily
        stubs = np.repeat(idx, max(1, int(round(ties_per_resident))))
        local = np.flatnonzero(self.state.district[:start] == district)
        pick_local = (self.rng.random(stubs.size) < h) & (local.size > 0)
        partner = np.where(
            pick_local,
            local[self.rng.integers(0, max(local.size, 1), size=stubs.size)],
            self.rng.integers(0, start, size=stubs.size),
        )
        ties, fresh = self.ties.add_ties(stubs, partner)
        self._set_ties(ties)
        valence, stage = self._initial_tie_states(fresh)
        self.valence = np.concatenate([self.valence, valence])
        self.stage = np.concatenate([self.stage, stage])
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
        self.datacollector.collect(self)
        self._reset_daily_counters()

    def _warm_up(self, days: int) -> None:
        """Run ``days`` unrecorded days (numbered below 0) so day 0 is an everyday state,
        not the arbitrary initial one; incident counts start afresh afterwards."""
        for k in range(days):
            self.day = k - days
            self._reset_daily_counters()
            self._simulate_day()
        self.day = 0
        self.incidents_cumulative = 0
        self._reset_daily_counters()

    def trigger_shock(self, kind: str, **fields) -> None:
        """Let a shock hit now (on demand, e.g. from the dashboard), as if scheduled for today.

        ``fields`` are the shock's keys of the scenario schema; they are validated like a
        scenario file's. Its incidents count in the next day's figures.
        """
        from .scenario import SHOCK_CLASSES

        spec = SHOCK_CLASSES[kind].model_validate({"kind": kind, "day": max(self.day, 0) + 1, **fields})
        build_shock(self, spec).fire()

    def structure(self, name: str):
        """The structure ``name`` if the town has it switched on, else None."""
        return self.structures.get(name)

    def _simulate_day(self) -> None:
        for rumour in self.rumours:
            if rumour.active:
                rumour.advance(self)
        self._update_tie_views()
        self._opinion_step()
        if self.config.conflict.enabled:
            self._tension_step()
            ck.update_ties(
                self.valence,
                self.stage,
                self.ties.u,
                self.ties.v,
                self.state.opinion,
                self.state.tension,
                self.state.tolerance,
                self.config.conflict,
                self.rng,
            )
            incidents = self._incident_step()
            if self.config.administration.enabled:
                self._report(incidents)
        if self.config.administration.enabled:
            self._handle_cases()
        self.escalation_today = metrics.escalation_index(self.stage)
        for structure in self.structures.values():
            structure.act(self)

    def _reset_daily_counters(self) -> None:
        self.incidents_today = 0
        self.incidents_by_district = np.zeros(self.n_districts)
        self.reported_today = 0
        self.mobilised_today = 0
        self.cases_handled_today = 0
        self.staff_hours_today = 0.0
        self.mediations_tried_today = 0
        self.mediations_succeeded_today = 0
        self.handling_days_today: list[int] = []

    def _update_tie_views(self) -> None:
        """Per-resident shares of hostile and of friendly cross-group ties (yesterday's ties)."""
        u, v = self.ties.u, self.ties.v
        self.hostile_tie = self.valence == ck.HOSTILE
        hostile = np.flatnonzero(self.hostile_tie)
        n = self.state.n
        self.hostile_share_of = (
            np.bincount(u[hostile], minlength=n) + np.bincount(v[hostile], minlength=n)
        ) / self._safe_degree
        fc = np.flatnonzero((self.valence == ck.FRIENDLY) & self.cross_group)
        self.friendly_cross_share_of = (np.bincount(u[fc], minlength=n) + np.bincount(v[fc], minlength=n)) / self._safe_degree

    def _opinion_step(self) -> None:
        cfg = self.config.opinion
        s = self.state
        u, v = self.ties.u, self.ties.v
        conflict_on = self.config.conflict.enabled
        tolerance = s.tolerance
        if conflict_on and cfg.contact_tolerance_gain > 0:
            tolerance = np.minimum(1.0, tolerance * (1.0 + cfg.contact_tolerance_gain * self.friendly_cross_share_of))
        hostile = self.hostile_tie if conflict_on else None
        listens = ~self.hostile_tie if conflict_on else None
        if cfg.rule in ("deffuant", "repulsive"):
            rejection = cfg.rejection_radius if cfg.rule == "repulsive" else np.inf
            hostile_rejection = cfg.rejection_radius * (1.0 - cfg.hostile_rejection_factor)
            for _ in range(cfg.rounds_per_day):
                ok.deffuant_round(
                    s.opinion, u, v, tolerance, cfg.convergence_rate, self.rng, rejection, hostile, hostile_rejection
                )
        elif cfg.rule == "hk":
            s.opinion = ok.hegselmann_krause(s.opinion, u, v, tolerance, listens)
        else:
            s.opinion = ok.friedkin_johnsen(s.opinion, s.opinion0, u, v, s.stubbornness, listens)
            return
        # Every rule keeps residents anchored to their initial view (Friedkin & Johnsen
        # 1990); with stubbornness 0 the rules are the textbook ones.
        if self._anchored:
            s.opinion = (1.0 - s.stubbornness) * s.opinion + s.stubbornness * s.opinion0

    def _tension_step(self) -> None:
        c = self.config.conflict
        s = self.state
        distance = self.ties.node_sum(np.abs(s.opinion[self.ties.u] - s.opinion[self.ties.v])) / self._safe_degree
        drive = ck.tension_drive(
            s.stress, self.hostile_share_of, s.grievance, s.threat, distance, self.friendly_cross_share_of, c
        )
        s.tension += c.tension_relaxation_rate * (drive - s.tension)
        damping = max((st.threat_damping() for st in self.structures.values()), default=0.0)
        s.threat *= (1.0 - c.threat_decay_per_day) * (1.0 - damping)
        s.grievance *= 1.0 - c.grievance_decay_per_day

    def _incident_step(self) -> np.ndarray:
        """Incidents on escalated ties, their effects, and mobilisation. Returns tie indices."""
        c = self.config.conflict
        s = self.state
        incidents = ck.draw_incidents(self.stage, c.incident_min_stage, c.incident_probability, self.rng)
        self.incidents_today += int(incidents.size)  # a shock before the step may have added some
        self.incidents_cumulative += self.incidents_today
        if incidents.size == 0:
            return incidents
        parties = np.concatenate([self.ties.u[incidents], self.ties.v[incidents]])
        involved = np.bincount(parties, minlength=s.n).astype(np.float64)
        near = self.adjacency @ involved
        s.tension = np.clip(s.tension + c.incident_tension_jump * involved + c.incident_neighbour_tension * near, 0, 1)
        s.grievance = np.clip(s.grievance + c.grievance_per_incident * involved, 0, 1)
        # Threat scales with incidents per 1,000 residents of a district, so a town of
        # 100,000 feels one incident no more than a village feels its share of it.
        per_district = np.bincount(s.district[self.ties.u[incidents]], minlength=self.n_districts)
        self.incidents_by_district += per_district
        population = np.maximum(np.bincount(s.district, minlength=self.n_districts), 1)
        per_thousand = 1000.0 * per_district / population
        s.threat = np.clip(s.threat + c.incident_district_threat * per_thousand[s.district], 0, 1)
        if c.mobilisation_rounds > 0:
            seeds = involved > 0
            active = ck.granovetter_cascade(
                seeds,
                self.adjacency,
                self.degree,
                s.threshold,
                s.tension >= c.mobilisation_min_tension,
                c.mobilisation_rounds,
            )
            joined = active & ~seeds
            self.mobilised_today = int(joined.sum())
            s.tension[joined] = np.minimum(s.tension[joined] + c.mobilisation_tension, 1.0)
        return incidents

    # ------------------------------------------------------------------------------------------
    # Reporting and case handling
    # ------------------------------------------------------------------------------------------

    def report_probability(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Probability that an incident between ``a`` and ``b`` is reported."""
        adm = self.config.administration
        boost = sum(st.report_boost() for st in self.structures.values())
        trust = 0.5 * (self.state.trust[a] + self.state.trust[b])
        return np.clip(adm.report_base_probability + boost + adm.report_trust_gain * trust, 0, 1)

    def _report(self, incidents: np.ndarray) -> None:
        if incidents.size == 0:
            return
        a, b = self.ties.u[incidents], self.ties.v[incidents]
        reported = self.rng.random(incidents.size) < self.report_probability(a, b)
        k = int(reported.sum())
        self.reported_today = k
        if k == 0:
            return
        home = self._case_home[self.rng.choice(self._case_p.size, size=k, p=self._case_p)]
        self.open_cases(incidents[reported], home)

    def open_cases(self, tie_index: np.ndarray, home: np.ndarray) -> None:
        """Open cases for incidents on ``tie_index``; route them to the entry unit, forwarding
        those that belong to another unit (``home``, -1 where no unit of that kind exists)."""
        adm = self.config.administration
        structures = self.structures.values()
        entry = 0
        delay = np.array([unit.response_delay_days for unit in self.units])
        elsewhere = (home >= 0) & (home != entry)
        unit = np.where(elsewhere, home, entry)
        if any(st.routes_directly() for st in structures):
            ready = self.day + delay[unit]
            forwarded = np.zeros(tie_index.size, dtype=bool)
        else:
            factor = float(np.prod([st.forwarding_factor() for st in structures]))
            forwarding = int(round(adm.forwarding_delay_days * factor))
            ready = self.day + delay[entry] + np.where(elsewhere, forwarding + delay[unit], 0)
            forwarded = elsewhere
        a, b = self.ties.u[tie_index], self.ties.v[tie_index]
        self.cases.add(
            created_day=np.full(tie_index.size, self.day),
            ready_day=ready,
            unit=unit,
            home_unit=home,
            party_a=a,
            party_b=b,
            tie=tie_index,
            district=self.state.district[a],
        )
        # Without coordination a share of forwarded cases is also worked at the entry unit:
        # duplicate work that uses its capacity and has no effect (home_unit = DUPLICATE).
        if forwarded.any() and not any(st.avoids_duplicates() for st in structures):
            share = self.config.structures.coordination.duplicate_share
            twice = np.flatnonzero(forwarded)[self.rng.random(int(forwarded.sum())) < share]
            if twice.size:
                self.cases.add(
                    created_day=np.full(twice.size, self.day),
                    ready_day=np.full(twice.size, self.day + delay[entry]),
                    unit=np.full(twice.size, entry),
                    home_unit=np.full(twice.size, DUPLICATE),
                    party_a=a[twice],
                    party_b=b[twice],
                    tie=tie_index[twice],
                    district=self.state.district[a[twice]],
                )

    def _handle_cases(self) -> None:
        adm = self.config.administration
        s = self.state
        book = self.cases
        open_ids = book.open_ids()
        if open_ids.size == 0:
            return
        capacity_factor = float(np.prod([st.capacity_factor() for st in self.structures.values()]))
        for unit in self.units:
            ready = open_ids[(book.unit[open_ids] == unit.index) & (book.ready_day[open_ids] <= self.day)]
            n = unit.cases_today(ready.size, capacity_factor)
            if n == 0:
                continue
            take = ready[:n]  # ids grow with time: the oldest first
            home = book.home_unit[take]
            effect = np.where(home == unit.index, 1.0, np.where(home == DUPLICATE, 0.0, adm.mismatch_effect))
            for party in (book.party_a[take], book.party_b[take]):
                np.subtract.at(s.grievance, party, adm.grievance_relief * effect)
                np.add.at(s.trust, party, adm.trust_gain * effect)
            tie = book.tie[take]
            lower = (self.valence[tie] == ck.HOSTILE) & (
                self.rng.random(n) < unit.trained_share * adm.trained_deescalation * effect
            )
            self.lower_stage(tie[lower])
            book.status[take] = HANDLED
            book.handled_day[take] = self.day
            real = home != DUPLICATE
            self.cases_handled_today += int(real.sum())
            self.staff_hours_today += n * unit.staff_hours_per_case
            self.handling_days_today.extend((self.day - book.created_day[take[real]]).tolist())
        still_open = open_ids[(book.status[open_ids] != HANDLED) & (book.home_unit[open_ids] != DUPLICATE)]
        neglected = still_open[self.day - book.created_day[still_open] > adm.neglect_after_days]
        for party in (book.party_a[neglected], book.party_b[neglected]):
            np.add.at(s.grievance, party, adm.neglect_grievance_per_day)
            np.subtract.at(s.trust, party, adm.neglect_trust_loss_per_day)
        np.clip(s.grievance, 0, 1, out=s.grievance)
        np.clip(s.trust, 0, 1, out=s.trust)

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
        """Today's value of a metric (the DataCollector's reporter)."""
        return self._today[name]

    def _measure(self) -> None:
        s = self.state
        x = s.opinion
        clusters, major = metrics.opinion_clusters(x)
        today = {
            "residents": s.n,
            "opinion_variance": metrics.opinion_variance(x),
            "bimodality": metrics.bimodality_coefficient(x),
            "esteban_ray": metrics.esteban_ray(x),
            "group_distance": metrics.group_mean_distance(x, s.group, self.n_groups),
            "clusters": clusters,
            "major_clusters": major,
            **metrics.stage_shares(self.stage),
            "escalation_index": metrics.escalation_index(self.stage),
            "incidents": self.incidents_today,
            "incidents_cumulative": self.incidents_cumulative,
            "reported": self.reported_today,
            "mobilised": self.mobilised_today,
            "cross_group_friendly_share": metrics.cross_group_friendly_share(
                self.valence == ck.FRIENDLY, self.cross_group
            ),
            "tension_mean": float(s.tension.mean()),
            "trust_mean": float(s.trust.mean()),
            "grievance_mean": float(s.grievance.mean()),
            "backlog": self.cases.backlog(),
            "cases_handled": self.cases_handled_today,
            "days_to_handling": float(np.mean(self.handling_days_today)) if self.handling_days_today else np.nan,
            "staff_hours": self.staff_hours_today,
            "mediations_tried": self.mediations_tried_today,
            "mediations_succeeded": self.mediations_succeeded_today,
            "rumour_aware": float(np.mean(np.any([r.aware()[: s.n] for r in self.rumours], axis=0)))
            if self.rumours
            else 0.0,
            "districts_on_alert": int(np.sum(self.alert_until >= self.day)),
            "crisis_team_active": int(bool(self.structures.get("crisis_team") and self.structures["crisis_team"].active)),
        }
        for name in STRUCTURE_NAMES:
            structure = self.structures.get(name)
            today[f"hours_{name}"] = structure.hours_today if structure is not None else 0.0
        today["staff_hours"] += sum(today[f"hours_{name}"] for name in STRUCTURE_NAMES)
        for what, values in (("trust", s.trust), ("grievance", s.grievance), ("opinion", x)):
            by_group = metrics.mean_by_group(values, s.group, self.n_groups)
            for g, name in enumerate(self.config.group_names()):
                today[f"{what}_{name}"] = float(by_group[g])
        self._today = today

    def model_frame(self) -> pd.DataFrame:
        """One row per day (0 = initial state): ``day`` and every metric."""
        frame = pd.DataFrame(self.datacollector.model_vars)
        frame.insert(0, "day", np.arange(len(frame), dtype=np.int64))
        return frame

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
