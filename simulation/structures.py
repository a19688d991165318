"""The six conflict-management structures: one small class each, registered in ``REGISTRY``.

A structure reads its parameters from the scenario (``scenario.structures.<name>``, whose
fields are the schema's ``Structures`` sections) and acts on the town through the
:class:`simulation.town.Town` interface and a few hooks, all neutral in :class:`Structure`:

* ``report_boost`` — added to the probability that an incident is reported;
* ``routes_directly`` — reports go straight to the unit a case belongs to;
* ``forwarding_factor`` — multiplies forwarding and handover delays; ``avoids_duplicates`` —
  no duplicate work and no lost handovers between units;
* ``capacity_factor`` — multiplies every unit's case capacity today;
* ``threat_damping`` and ``rumour_stifling`` — public communication in a crisis;
* ``on_shock(town, shock)`` — a shock has just hit;
* ``act(town)`` — step 7 of the day; sets ``hours_today`` (standing cost plus use).

Every structure has a standing cost (staff time used or not) besides its cost of use, so
the cost-effectiveness view does not favour structures that are free until used.

Adding a seventh structure: its schema section in ``scenario.Structures`` and one class
here with the same ``name``; ``tests/test_registry.py`` fails until both exist and both
languages have a label.

Sums, products and tuples over the few structures or districts are made from lists, not
generators: a generator costs more than the work at this size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .agents import Mediator
from .kernels import compiled, draws
from .kernels import conflict as ck
from .kernels.rumour import SPREADER
from .lookup import TownLookup

if TYPE_CHECKING:
    from .town import Town

__all__ = ["Structure", "REGISTRY", "build_structures"]

#: Up to this many feuds a day are counted by district in plain Python, more on arrays
#: (the same counts; tests/test_size_paths.py runs a town on either side alone).
FEW_FEUDS = 32


def _ties_at_stage(stage: np.ndarray, lowest: int) -> np.ndarray:
    """The ties at Glasl stage ``lowest`` or higher, ascending: ``(stage >= lowest).nonzero()[0]``.
    With the compiled kernels by their scan for the ties at risk of incidents
    (:func:`simulation.kernels.compiled.incident_candidates`, the same ties), which passes
    over a town's many ties at low stages a block at a time: a few µs a day less."""
    if compiled.ENABLED:
        return compiled.incident_candidates(stage, lowest)
    return (stage >= lowest).nonzero()[0]  # flatnonzero without its wrapper


class Structure:
    """Base class: every hook is neutral.

    Build-up: a structure the town has from the start is built (``built`` = 1). One set up
    during a run (a ``[[changes]]`` entry, the dashboard) starts at 0 and grows by
    1 / ``build_up_days`` a day, faster while external advisers help
    (:meth:`build_up`); it costs its full standing hours from the first day. Its effects scale
    with ``built``: rates and probabilities in proportion, switches (routing, avoiding lost
    handovers) from half strength on — a half-built structure does half the work.
    """

    name = "structure"

    def __init__(self, town: "Town", params, built: float = 0.0) -> None:
        self.params = params
        self.hours_today = 0.0
        self.built = 1.0 if params.build_up_days == 0 else float(built)

    @property
    def growing(self) -> bool:
        """Still being built up: below full strength."""
        return self.built < 1.0

    def build_up(self, town: "Town", speed: float = 1.0) -> None:
        """One day of build-up at ``speed`` times the normal pace (advisers help)."""
        if not self.growing:
            return
        self.built += speed / self.params.build_up_days
        if self.built >= 1.0 - 1e-9:  # a sum of 1/d taken d times lands a rounding error short of 1
            self.built = 1.0
            town.log_event("structure_ready", detail=self.name)

    @staticmethod
    def standing_hours(params) -> float:
        """Staff hours a day the structure costs whether used or not (its standing cost)."""
        return 0.0

    @classmethod
    def planned_hours(cls, params, scenario) -> float:
        """Staff hours a day one can plan for (a budget): the standing cost plus scheduled
        work; work that depends on events (mediations, alerts, crises) is not in it."""
        return cls.standing_hours(params)

    def scaled(self, full: float, neutral: float) -> float:
        """``full`` once built, else the way from ``neutral`` to it in proportion to ``built``."""
        return full if self.built >= 1.0 else neutral + (full - neutral) * self.built

    @property
    def working(self) -> bool:
        """Switches work from half strength on."""
        return self.built >= 0.5

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

    def on_shock(self, town: "Town", shock) -> None:
        pass

    def act(self, town: "Town") -> None:
        pass


class ContactPoint(Structure):
    """A low-threshold contact point: more incidents are reported, and reports reach the
    unit they belong to without a detour through the entry unit."""

    name = "contact_point"

    def report_boost(self) -> float:
        return self.scaled(self.params.report_boost, 0.0)

    def routes_directly(self) -> bool:
        return self.params.routes_to_right_unit and self.working

    @staticmethod
    def standing_hours(params) -> float:
        return params.staff_hours_per_day

    def act(self, town) -> None:
        self.hours_today = self.standing_hours(self.params)


class Coordination(Structure):
    """Interdepartmental coordination: forwarding and handovers between units are quick, no
    case is worked twice, and no case that needs two units gets lost between them."""

    name = "coordination"

    def forwarding_factor(self) -> float:
        return self.scaled(self.params.forwarding_factor, 1.0)

    def avoids_duplicates(self) -> bool:
        return self.working

    @staticmethod
    def standing_hours(params) -> float:
        return params.staff_hours_per_day

    def act(self, town) -> None:
        self.hours_today = self.standing_hours(self.params)


class _DailyRecord:
    """A rolling record of the last ``7 · weeks`` days' counts, kept as a ring buffer of days.
    A day's record is a short list (a few districts): cheaper than arrays at this size."""

    def __init__(self, weeks: int, width: int) -> None:
        self.weeks = weeks
        self.ring = [[0.0] * width for _ in range(7 * weeks)]
        self.days = 0

    def push(self, today: list[float]) -> None:
        self.ring[self.days % len(self.ring)] = today
        self.days += 1

    @property
    def history(self) -> np.ndarray:
        """The record in day order, oldest first (days × width)."""
        slot = self.days % len(self.ring)
        return np.array(self.ring[slot:] + self.ring[:slot], dtype=np.float64)


class _WeeklyBaseline(_DailyRecord):
    """A rolling record of daily counts with the rule "last week above k times the usual week".

    Rule: the last 7 days' sum exceeds ``factor`` times the mean week of the
    ``weeks − 1`` weeks before, and exceeds ``minimum``. Kept with running sums of the last
    week and of the whole record. The record holds counts (whole numbers), so these sums are
    exact and equal to summing the record in any order. The answer depends on the sums only,
    so it is kept until a sum changes (most days neither does).
    """

    def __init__(self, weeks: int, width: int) -> None:
        super().__init__(weeks, width)
        self.last_week = [0.0] * width
        self.total = [0.0] * width
        self._above_for: tuple[float, float] | None = None  # (factor, minimum) of _above, None once a sum changed
        self._above: tuple[bool, ...] = ()

    def push(self, today: list[float]) -> None:
        size = len(self.ring)
        slot = self.days % size
        dropped, week_ago = self.ring[slot], self.ring[(self.days - 7) % size]  # a day not yet recorded is 0
        # A sum stays as it is when today's counts are the ones it drops (often all zero):
        # whole numbers, so adding and taking away the same count changes nothing.
        if today != dropped:
            self.total = [total + count - old for total, count, old in zip(self.total, today, dropped)]
            self._above_for = None
        if today != week_ago:
            self.last_week = [week + count - old for week, count, old in zip(self.last_week, today, week_ago)]
            self._above_for = None
        self.ring[slot] = today
        self.days += 1

    def above(self, factor: float, minimum: float) -> tuple[bool, ...]:
        if self._above_for != (factor, minimum):
            earlier_weeks = self.weeks - 1
            # a tuple: the answer is kept and handed out again, so no caller may change it
            # (made from a list: for a few districts a generator costs more than its work)
            self._above_for, self._above = (factor, minimum), tuple([
                week > factor * ((total - week) / earlier_weeks) and week > minimum
                for week, total in zip(self.last_week, self.total)
            ])
        return self._above


class EarlyWarning(Structure):
    """Monitoring of what the town can see, district by district, against its usual level.

    Rule: a district's daily signals are its reported cases plus rumour spreaders picked up
    by staff (each with ``rumour_notice_probability`` a day). It is *above* its threshold when
    the last 7 days' signals exceed ``threshold_factor`` times its usual week and
    ``min_signals_per_week``; the first such day is the crossing. From ``lag_days`` after the
    crossing, each day it is still above is detected with ``detection_probability``. A
    detected district is on alert for ``alert_days``: its cases are handled first, outreach
    lowers perceived threat there (``alert_threat_damping``), mediators go there first and a
    round table is called at once (if the town has them).

    How good the warnings were is judged against what the town cannot see: each alert is
    checked 28 days later against the district's feuds (ties at stage ≥ 4). It was *true* when
    their peak within 7 days before to 28 days after the alert reached 1.5 times the usual
    level before it plus 2; its lead time is the peak's day minus the alert's. Daily counts
    ``alarms_true``, ``alarms_false`` and ``alarm_lead_days`` give the false-alarm rate and
    the mean lead time of a run.
    """

    name = "early_warning"
    CHECK_AFTER_DAYS = 28

    def __init__(self, town, params, built: float = 0.0) -> None:
        super().__init__(town, params, built)
        d = town.n_districts
        self.signals = _WeeklyBaseline(params.window_weeks, d)
        self.feuds = _DailyRecord(params.window_weeks + 6, d)  # ground truth, for judging only: no rule
        self.crossing_day = [-1] * d
        self.detections: list[tuple[int, int]] = []  # (day, district)
        self._pending: list[tuple[int, int, np.ndarray]] = []
        self._lookup = TownLookup()
        self._silent: set = set()  # rumours that have died out (no spreader left)

    def _signals_today(self, town) -> list[float]:
        """Today's signals by district: reported cases plus the rumour spreaders staff notice
        (counts, so adding them in any order gives the same sums)."""
        signals = town.reported_by_district
        for rumour in town.rumours:
            if rumour in self._silent:
                continue
            spreaders = (rumour.state == SPREADER).nonzero()[0]
            if not spreaders.size:  # a rumour that has died out: no one to notice, and no draw
                self._silent.add(rumour)  # and never again: only a spreader makes a spreader
                continue
            seen = spreaders[town.rng.random(spreaders.size) < self.params.rumour_notice_probability]
            if seen.size:
                signals = signals + np.bincount(town.state.district[seen], minlength=town.n_districts)
        return signals.tolist()

    @staticmethod
    def _feuds_today(town, lookup: TownLookup) -> list[int]:
        """Today's feuds (ties at stage 4 or above) by district. Usually a few dozen at most:
        up to :data:`FEW_FEUDS` counted through the list of tie districts, quicker than
        gathering their districts and a bincount; more with the bincount."""
        feuds = _ties_at_stage(town.stage, 4)
        if feuds.size > FEW_FEUDS:
            return np.bincount(lookup.tie_district[feuds], minlength=town.n_districts).tolist()
        counts, district = [0] * town.n_districts, lookup.tie_districts()
        for tie in feuds.tolist():
            counts[district[tie]] += 1
        return counts

    def act(self, town) -> None:
        p, day = self.params, town.day
        self.signals.push(self._signals_today(town))
        lookup = self._lookup.update(town)
        self.feuds.push(self._feuds_today(town, lookup))
        if self._pending:
            self._judge(town)
        due = []
        above_today = self.signals.above(p.threshold_factor, p.min_signals_per_week)
        if True not in above_today:  # most days: no district above, so none crossed or due
            self.crossing_day = [-1] * len(above_today)
            above_today = ()
        for district, above in enumerate(above_today):
            if not above:
                self.crossing_day[district] = -1
                continue
            if self.crossing_day[district] < 0:
                self.crossing_day[district] = day
            if day - self.crossing_day[district] >= p.lag_days and town.alert_until[district] < day:
                due.append(district)
        found = []
        if due:
            detection = self.detection_probability(town)
            found = [district for district, draw in zip(due, town.rng.random(len(due)).tolist()) if draw < detection]
        for district in found:
            town.alert_until[district] = town.day + p.alert_days
            self.detections.append((town.day, district))
            usual = self.feuds.history[: -7, district].mean()
            self._pending.append((town.day, district, np.array([usual])))
            town.record("alerts")
            town.log_event("alert", district)
            tables = town.structure("round_tables")
            if tables is not None:
                tables.hold(town, district)
        alerted = tuple([district for district, until in enumerate(town.alert_until.tolist()) if until >= day])
        if alerted:
            # Each resident of an alerted district once, indexed from cached parts: the same
            # products as a mask over all residents, for a fraction of the work.
            damping = 1.0 - p.alert_threat_damping
            for part in lookup.district_residents(town, alerted):
                town.state.threat[part] *= damping
        self.hours_today = self.standing_hours(p) + p.staff_hours_per_alert_day * len(alerted)

    @staticmethod
    def standing_hours(params) -> float:
        return params.staff_hours_per_week / 7.0

    def detection_probability(self, town) -> float:
        """Today's chance to detect a district above its threshold: the setting, scaled by the
        build-up, × (1 + ``training.recognition_gain`` × trained share: trained staff recognise
        conflicts early) × (1 + ``advisers.analysis_gain`` × the advisers' intensity: an
        outside analysis), at most 1."""
        return min(
            1.0,
            self.scaled(self.params.detection_probability, 0.0)
            * (1.0 + town.config.training.recognition_gain * town.trained_share())
            * (1.0 + town.config.advisers.analysis_gain * town.adviser_intensity()),
        )  # fmt: skip

    def _judge(self, town) -> None:
        """Alerts raised CHECK_AFTER_DAYS ago are judged against the district's feuds."""
        keep = []
        for day, district, usual in self._pending:
            age = town.day - day
            if age < self.CHECK_AFTER_DAYS:
                keep.append((day, district, usual))
                continue
            window = self.feuds.history[-(age + 8) :, district]  # alert day − 7 ... today
            peak_at = int(np.argmax(window))
            if window[peak_at] >= 1.5 * float(usual[0]) + 2:
                town.record("alarms_true")
                town.record("alarm_lead_days", peak_at - 7)
            else:
                town.record("alarms_false")
        self._pending = keep


class MediatorPool(Structure):
    """Mediators, each a Mesa agent with their own capacity, skill and districts, work hostile
    ties within the pool's Glasl-stage mandate.

    Rule: mediator k covers ``districts_per_mediator`` districts (k, k+1, ... in turn) and
    takes on ``capacity_per_week / 7`` mediations a day (fractions accumulate as credit, at
    most one day's worth or one mediation kept). They work ties the town knows of — ties
    with a case reported in the last ``known_for_days``, or any hostile tie in a district on
    alert — in their districts, whose stage lies in ``[min_stage, max_stage]`` and that were
    not mediated in the last ``cooldown_days``: districts on alert first, then the highest
    stage. A mediation by a mediator of skill ``s`` of a dispute at stage ``k`` succeeds with
    probability ``s·(1 − σ_k)·(1 + g·τ)``, at most 1 (``σ_k`` the entrenchment of
    :func:`~simulation.kernels.conflict.update_ties`; ``τ`` the units' trained share and ``g``
    ``training.mediation_gain``: trained staff refer better-prepared cases): the tie falls ``stage_reduction`` stages (to neutral at 0) and both parties lose
    ``tension_relief`` tension.
    """

    name = "mediator_pool"

    def __init__(self, town, params, built: float = 0.0) -> None:
        super().__init__(town, params, built)
        d = town.n_districts
        skills = np.clip(town.rng.normal(params.skill, params.skill_sd, params.mediators), 0.0, 1.0)
        self.mediators = [
            Mediator(
                town,
                capacity_per_day=params.capacity_per_week / 7.0,
                skill=float(skills[k]),
                districts=[(k + j) % d for j in range(min(params.districts_per_mediator, d))],
                min_stage=params.min_stage,
                max_stage=params.max_stage,
            )
            for k in range(params.mediators)
        ]
        self.last_mediated: dict[int, int] = {}
        self._known_from = 0  # the first case of the book the pool still knows of (yesterday's)
        self._window, self._window_ties = None, set()  # (book, first, end) of its known cases, and their ties
        self._lookup = TownLookup()
        self.tried_by_stage = np.zeros(ck.MAX_STAGE + 1, dtype=np.int64)
        self.settled_by_stage = np.zeros(ck.MAX_STAGE + 1, dtype=np.int64)

    def reconfigure(self, town) -> None:
        """New settings on a running pool: existing mediators keep their skill, districts and
        credit and take the new capacity and mandate; the pool grows or shrinks at its end."""
        p = self.params
        d = town.n_districts
        for mediator in self.mediators:
            mediator.capacity_per_day = p.capacity_per_week / 7.0
            mediator.min_stage, mediator.max_stage = p.min_stage, p.max_stage
        del self.mediators[p.mediators :]
        for k in range(len(self.mediators), p.mediators):
            skill = float(np.clip(town.rng.normal(p.skill, p.skill_sd), 0.0, 1.0))
            districts = [(k + j) % d for j in range(min(p.districts_per_mediator, d))]
            self.mediators.append(Mediator(town, p.capacity_per_week / 7.0, skill, districts, p.min_stage, p.max_stage))

    @staticmethod
    def standing_hours(params) -> float:
        return params.mediators * params.retainer_hours_per_week / 7.0

    def workable_ties(self, town) -> list[int]:
        """The ties the pool may work today, ascending (a list: most days none, else a few):
        hostile ties within its stage mandate that the town knows of (a case reported in the
        last ``known_for_days``, or in a district on alert) and that were not mediated in the
        last ``cooldown_days``."""
        p, book, day = self.params, town.cases, town.day
        # Only ties at min_stage or above can be worked: the compiled scan lists them (a few
        # a day, ascending), and the tests of a tie's own values come first, on those few. Most
        # days none is left and what the town knows of is not looked up. In plain Python: a
        # few ties, quicker than a row of small numpy calls.
        highest, cooldown, last = p.max_stage, p.cooldown_days, self.last_mediated
        stage, valence, hostile = town.stage.item, town.valence.item, ck.HOSTILE  # values as Python ints
        mandate = [
            t
            for t in _ties_at_stage(town.stage, p.min_stage).tolist()
            if stage(t) <= highest and valence(t) == hostile and day - last.get(t, -(10**9)) > cooldown
        ]
        if not mandate:
            return mandate
        # Cases are opened in day order, so the recent ones are the tail of the book.
        window = (book, self._first_case_since(book, day - p.known_for_days), book.size)
        if window != self._window:  # most days no case is opened or forgotten: kept from before
            self._window, self._window_ties = window, set(book.tie[window[1] : window[2]].tolist())
        known, alert_until = self._window_ties, town.alert_until.tolist()
        if max(alert_until) < day:  # no district on alert
            return [t for t in mandate if t in known]
        district = self._lookup.update(town).tie_districts()
        return [t for t in mandate if t in known or alert_until[district[t]] >= day]

    def _first_case_since(self, book, since: int) -> int:
        """The first case of the book opened on day ``since`` or later (``searchsorted`` on its
        days). The answer moves on by a case or so a day: it is stepped on from the last one
        (each case is stepped over once in a run, however many days lie between two calls),
        and searched for only when the window grew (a new ``known_for_days``)."""
        start, created, size = self._known_from, book.created_day, book.size
        if start > size or (start and created[start - 1] >= since):
            start = int(created[:size].searchsorted(since))
        while start < size and created[start] < since:
            start += 1
        self._known_from = start
        return start

    def act(self, town) -> None:
        p = self.params
        self.hours_today = self.standing_hours(p)
        capacity = self.scaled(p.capacity_per_week / 7.0, 0.0)  # while being recruited and qualified, part time
        for mediator in self.mediators:
            mediator.capacity_per_day = capacity
        slots = [mediator.take_credit() for mediator in self.mediators]
        if not any(slots):
            return
        ties = self.workable_ties(town)
        if not ties:
            return
        # A few ties: ordered and tallied in plain Python, quicker than small numpy calls.
        # Districts on alert first, then the highest stage, then the tie (all distinct).
        tie_district, alert_until, day = self._lookup.update(town).tie_districts(), town.alert_until.tolist(), town.day
        stage = town.stage.item  # a tie's stage as a Python int
        ties.sort(key=lambda t: (alert_until[tie_district[t]] < day, -stage(t), t))
        district = [tie_district[t] for t in ties]
        free = [True] * len(ties)
        settled_in, failed_in = [0] * town.n_districts, [0] * town.n_districts
        # Cases referred by trained staff are better prepared (training.mediation_gain).
        prepared = 1.0 + town.config.training.mediation_gain * town.trained_share()
        stickiness = town.config.conflict.stage_stickiness
        for mediator, n in zip(self.mediators, slots):
            if n == 0:
                continue
            mine = [i for i, d in enumerate(district) if free[i] and d in mediator.districts][:n]
            if not mine:
                continue
            for i in mine:
                free[i] = False
            work = [ties[i] for i in mine]
            mediator.spend_credit(len(work))
            self.last_mediated.update(dict.fromkeys(work, day))
            # Higher stages entrench (the same σ_k as in the tie rule): skill settles a
            # stage-4 dispute more often than a stage-7 one (Glasl 1982). One or two ties:
            # in plain Python, the same products in the same order as on arrays.
            stages = [stage(t) for t in work]
            draws = town.rng.random(len(work)).tolist()
            settled = [
                draw < min(mediator.skill * (1.0 - stickiness * (k - 1) / (ck.MAX_STAGE - 1)) * prepared, 1.0)
                for draw, k in zip(draws, stages)
            ]
            success = [t for t, ok in zip(work, settled) if ok]
            for i, k, ok in zip(mine, stages, settled):
                self.tried_by_stage[k] += 1
                if ok:
                    self.settled_by_stage[k] += 1
                    settled_in[district[i]] += 1
                else:
                    failed_in[district[i]] += 1
            if success:
                town.lower_stage(np.array(success, dtype=np.int64), p.stage_reduction)
                # One party after the other, as np.subtract.at would: the same differences.
                tension, u, v = town.state.tension, town.ties.u, town.ties.v
                for party in [u.item(t) for t in success] + [v.item(t) for t in success]:
                    tension[party] -= p.tension_relief
            mediator.mediations_tried += len(work)
            mediator.mediations_succeeded += len(success)
            town.record("mediations_tried", len(work))
            town.record("mediations_succeeded", len(success))
            self.hours_today += len(work) * p.staff_hours_per_mediation
        town.state.tension.clip(0.0, 1.0, out=town.state.tension)  # np.clip's result, without its dispatch
        for kind, per_district in (("mediation_settled", settled_in), ("mediation_failed", failed_in)):
            for d, count in enumerate(per_district):
                if count:
                    town.log_event(kind, d, count)


class RoundTables(Structure):
    """Dialogue between groups in a district, every ``interval_days`` (districts staggered)
    or when early warning calls one.

    Rule: ``participants`` residents of the district, as evenly from each group as the
    district allows, lose ``tension_relief`` tension and ``threat_relief`` of their perceived
    threat, move ``opinion_convergence`` of the way to the table's mean view, and each
    neutral cross-group tie between two participants turns friendly with
    ``befriend_probability`` (contact hypothesis; Allport 1954). Their network neighbours get
    ``spillover`` of the tension and threat relief (extended contact; Wright et al. 1997).
    """

    name = "round_tables"

    def __init__(self, town, params, built: float = 0.0) -> None:
        super().__init__(town, params, built)
        self.held: list[tuple[int, int]] = []  # (day, district)
        self._lookup = TownLookup()
        self._schedule_of: tuple[int, int] | None = None  # (interval, districts) of _by_day

    @staticmethod
    def standing_hours(params) -> float:
        return params.staff_hours_per_week / 7.0

    @classmethod
    def planned_hours(cls, params, scenario) -> float:
        """Standing cost plus the tables its schedule calls (one per district each interval)."""
        return cls.standing_hours(params) + len(scenario.town.districts) * params.staff_hours_per_table / params.interval_days

    def act(self, town) -> None:
        self.hours_today = self.standing_hours(self.params)
        for district in self._schedule(town).get(town.day % self.params.interval_days, ()):
            self.hold(town, district)

    def _schedule(self, town) -> dict[int, list[int]]:
        """The districts that hold a table on each day of the interval (``day % interval``),
        ascending: district d on the days with ``(day + d·interval // districts) % interval
        == 0``. Kept until the interval or the number of districts changes."""
        interval, n = self.params.interval_days, town.n_districts
        if self._schedule_of != (interval, n):
            self._schedule_of, self._by_day = (interval, n), {}
            for district in range(n):
                offset = district * interval // n
                self._by_day.setdefault(-offset % interval, []).append(district)
        return self._by_day

    def hold(self, town, district: int) -> None:
        p, s, rng = self.params, town.state, town.rng
        lookup = self._lookup.update(town)
        chosen = []
        # While the tables are being set up, fewer residents come.
        per_group = max(1, int(self.scaled(p.participants, 0)) // town.n_groups)
        for g in range(town.n_groups):
            pool = lookup.residents(town, district, g)
            if pool.size:
                chosen.append(_choose(rng, pool, min(per_group, pool.size)))
        if not chosen:
            return
        who = np.concatenate(chosen)
        tie, other = lookup.ties_of(town, who)
        mark = np.zeros(s.n, dtype=bool)  # the participants, then their network neighbours
        mark[who] = True
        inside = mark[other]  # the tie's other end is a participant too
        mark[other] = True
        mark[who] = False
        heard = mark.nonzero()[0]  # the participants' network neighbours
        for group, share in ((who, 1.0), (heard, p.spillover)):
            s.tension[group] = np.maximum(s.tension[group] - share * p.tension_relief, 0.0)
            s.threat[group] *= 1.0 - share * p.threat_relief
        opinion = s.opinion[who]
        # The mean as ndarray.mean works it out (np.add.reduce over the count), without its
        # Python wrapper: the same sum, divided by the same count.
        opinion += p.opinion_convergence * (np.add.reduce(opinion) / opinion.size - opinion)
        s.opinion[who] = opinion
        # The ties between two participants, ascending: a handful or none, which a set sorts
        # and plain Python filters quicker than numpy calls (and none draw nothing).
        cross, valence = town.cross_group.item, town.valence.item
        among = [t for t in sorted(set(tie[inside].tolist())) if cross(t) and valence(t) == ck.NEUTRAL]
        if among:
            draws = rng.random(len(among)).tolist()
            befriend = [t for t, draw in zip(among, draws) if draw < p.befriend_probability]
            town.valence[befriend] = ck.FRIENDLY
        self.held.append((town.day, district))
        self.hours_today += p.staff_hours_per_table


def _choose(rng: np.random.Generator, pool: np.ndarray, size: int) -> np.ndarray:
    """``rng.choice(pool, size=size, replace=False)``: the same draws, the same residents.
    With the compiled kernels by their copy of numpy's algorithm
    (:func:`simulation.kernels.draws.choice`, checked against numpy's in
    ``tests/test_draws.py``), a few µs instead of ``Generator.choice``'s checks and set-up."""
    if compiled.ENABLED:
        return pool[draws.choice(draws.handle(rng), pool.size, size)]
    return rng.choice(pool, size=size, replace=False)


class CrisisTeam(Structure):
    """A crisis team for escalation the town can see.

    Rule: it convenes on the day of a shock the public sees (a violent incident, a rumour:
    ``shock.public``) if ``activate_on_shock``, and whenever the town's reported cases of the
    last 7 days exceed ``trigger_factor`` times its usual week and ``min_cases_per_week``;
    it stays active ``active_days``. While active, units handle ``capacity_factor`` times
    their cases, perceived threat fades faster (``threat_damping``), rumour spreaders are
    corrected in public (``rumour_stifling``), and each feud at stage
    ``intervention_min_stage`` or above is intervened in (public order, power intervention;
    Glasl's stages 7–9) with ``intervention_probability`` a day, falling
    ``intervention_stage_reduction`` stages.
    """

    name = "crisis_team"

    def __init__(self, town, params, built: float = 0.0) -> None:
        super().__init__(town, params, built)
        self.active_until = -(10**9)
        self.today = town.day
        self.activations: list[int] = []
        self.cases = _WeeklyBaseline(params.window_weeks, 1)

    @property
    def active(self) -> bool:
        return self.today <= self.active_until

    def _activate(self, town, day: int) -> None:
        if not self.active:
            self.activations.append(day)
            town.log_event("crisis_team", day=day)
        self.active_until = max(self.active_until, day + self.params.active_days - 1)

    def on_shock(self, town, shock) -> None:
        if self.params.activate_on_shock and shock.public:
            self.today = shock.spec.day
            self._activate(town, shock.spec.day)

    def act(self, town) -> None:
        p = self.params
        self.today = town.day
        self.cases.push([float(sum(town.reported_by_district.tolist()))])  # whole numbers: any order, same sum
        if self.cases.above(p.trigger_factor, p.min_cases_per_week)[0]:
            self._activate(town, town.day)
        self.hours_today = self.standing_hours(p)
        if not self.active:
            return
        self.hours_today += p.staff_hours_per_active_day
        feuds = _ties_at_stage(town.stage, p.intervention_min_stage)
        hit = feuds[town.rng.random(feuds.size) < self.scaled(p.intervention_probability, 0.0)]
        if hit.size:
            town.lower_stage(hit, p.intervention_stage_reduction)
        town.record("interventions", hit.size)

    @staticmethod
    def standing_hours(params) -> float:
        return params.readiness_hours_per_week / 7.0

    def capacity_factor(self) -> float:
        return self.scaled(self.params.capacity_factor, 1.0) if self.active else 1.0

    def threat_damping(self) -> float:
        return self.scaled(self.params.threat_damping, 0.0) if self.active else 0.0

    def rumour_stifling(self) -> float:
        return self.scaled(self.params.rumour_stifling, 0.0) if self.active else 0.0


REGISTRY: dict[str, type[Structure]] = {
    cls.name: cls for cls in (ContactPoint, EarlyWarning, MediatorPool, RoundTables, Coordination, CrisisTeam)
}


def build_structures(town: "Town") -> dict[str, Structure]:
    """The scenario's enabled structures, in the schema's order, built (the town has them)."""
    config = town.config.structures
    return {
        name: REGISTRY[name](town, getattr(config, name), built=1.0)
        for name in type(config).model_fields
        if getattr(config, name).enabled
    }
