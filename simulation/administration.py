"""Reporting and case handling: incidents become cases that queue at administration units.

Rules (ODD, "Reporting and handling"):

* **Reporting.** An incident is reported with probability ``base + boost + gain · mean trust
  of its parties`` (``boost`` from a contact point).
* **Routing.** A reported case belongs to the unit of its kind (drawn from ``case_mix``). It
  arrives at the entry unit (the first unit); when it belongs elsewhere it is forwarded,
  costing ``forwarding_delay_days`` (times coordination's factor). A contact point routes it
  straight to the right unit. Without coordination a share of forwarded cases is also worked
  at the entry unit (duplicate work: capacity used, no effect).
* **Cases that need two units.** A share ``multi_unit_share`` also needs a second unit. After
  the first unit's part, the case is handed over: with coordination quickly and safely,
  without it after the forwarding delay, and a share ``handover_loss_share`` of handovers is
  lost — the parties lose trust and gain grievance, and nobody finishes the case.
* **Handling.** A unit handles the oldest ready cases up to its capacity after its response
  delay (cases from districts on alert first). A finished case lowers its parties' grievance
  and raises their trust (less when no unit of its kind exists); trained staff may lower the
  tie's Glasl stage by one while it is low enough for moderation. Every day a case waits
  beyond ``neglect_after_days`` raises the parties' grievance and costs trust.

Cases are columns of numpy arrays that grow by doubling; a town produces a few cases a day.
A day's few cases (up to :data:`FEW`) are worked in plain Python, more on arrays, with the
same results (``tests/test_size_paths.py``); sums, products and tuples over the few units
and structures are made from lists, not generators, which cost more than the work at this
size.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import TYPE_CHECKING

import numpy as np

from .agents import AdministrationUnit
from .kernels import compiled, draws
from .kernels import conflict as ck

if TYPE_CHECKING:
    from .town import Town

__all__ = ["CaseBook", "CaseHandling", "OPEN", "HANDLED", "LOST", "DUPLICATE", "FEW"]

OPEN, HANDLED, LOST = 0, 1, 2
DUPLICATE = -2  # home_unit of duplicate work: uses capacity, has no effect

_COLUMNS = {
    "created_day": np.int32,
    "ready_day": np.int32,
    "unit": np.int16,
    "home_unit": np.int16,
    "second_unit": np.int16,
    "party_a": np.int64,
    "party_b": np.int64,
    "tie": np.int64,
    "district": np.int16,
    "status": np.int8,
    "handled_day": np.int32,
}

# Columns a new case starts with unless given: the book's free rows hold these already.
_NEW_CASE = {"second_unit": -1, "status": OPEN, "handled_day": -1}


def _free_rows(name: str, capacity: int) -> np.ndarray:
    """A column of ``capacity`` free rows: a new case's value, else 0."""
    return np.full(capacity, _NEW_CASE.get(name, 0), dtype=_COLUMNS[name])


_WHOLE_NUMBER = (int, np.integer)
FEW = 16  # up to this many cases or incidents a day, plain Python beats numpy calls (the same
# results either way: tests/test_size_paths.py runs a town on either side alone)


def _report_chance(base, gain, trust_a, trust_b):
    """An incident's chance to be reported, before it is clipped to [0, 1]: ``base`` (the
    administration's base probability plus the structures' boosts) plus ``gain`` times the
    two parties' mean trust in the administration. For arrays or single numbers alike."""
    return base + gain * (0.5 * (trust_a + trust_b))


def _uniforms(rng: np.random.Generator, k: int) -> list[float]:
    """``rng.random(k).tolist()``: ``k`` uniform draws as Python floats. A day's draws are
    mostly one, drawn by the scalar call: the same number from the same stream, a third of
    the cost of the array call."""
    return [rng.random()] if k == 1 else rng.random(k).tolist()


def _integer(rng: np.random.Generator, low: int, high: int) -> int:
    """``int(rng.integers(low, high))``: one whole number in ``[low, high)`` (a span below
    2**32), the same draw from the same stream. With the compiled kernels by their copy of
    numpy's bounded draw (:func:`simulation.kernels.draws.bounded`, checked against numpy's in
    ``tests/test_draws.py``), without ``Generator.integers``' handling of its arguments, which
    costs more than the draw."""
    if compiled.ENABLED:
        return low + int(draws.bounded(draws.handle(rng), high - low - 1))
    return int(rng.integers(low, high))


def _listed(cases: list[int] | np.ndarray) -> list[int]:
    """A few cases' ids as a list of Python ints, whether they come as a list or an array."""
    return cases if isinstance(cases, list) else cases.tolist()


def _clip_changed(state, residents: list[int]) -> None:
    """Grievance and trust back into [0, 1] after a day's work that changed them for
    ``residents``. Every other resident's lie there already (each rule that changes them
    keeps them there, and the town starts there), and a clip leaves such a value as it is:
    so clipping these residents is clipping the whole arrays. A few are clipped one by one,
    as the arrays' clip compares (below 0 to 0, above 1 to 1, anything else kept); many by
    clipping the whole arrays."""
    if len(residents) > FEW:
        # The array's own clip with float bounds: the same clip without np.clip's dispatch.
        state.grievance.clip(0.0, 1.0, out=state.grievance)
        state.trust.clip(0.0, 1.0, out=state.trust)
        return
    for values in (state.grievance, state.trust):
        for resident in residents:
            value = values.item(resident)
            if value < 0.0:
                values[resident] = 0.0
            elif value > 1.0:
                values[resident] = 1.0


class CaseBook:
    """All cases of a run as growing columns (``book.created_day[:book.size]`` etc.).

    The book also keeps the ids of its open cases, oldest first, so that a day's work looks
    at the open cases only, not at every case of the run. Change a case's status only through
    :meth:`close`, which keeps that list right.
    """

    def __init__(self, capacity: int = 256) -> None:
        self.size = 0
        for name in _COLUMNS:
            setattr(self, name, _free_rows(name, capacity))
        self._open = np.zeros(0, dtype=np.int64)
        self._open_to = 0  # the cases from here on were added since _open was brought up to date
        self._closed_since = False  # a case closed since _open was last brought up to date

    def _grow(self, extra: int) -> None:
        need = self.size + extra
        capacity = self.created_day.size
        if need <= capacity:
            return
        while capacity < need:
            capacity *= 2
        for name in _COLUMNS:
            old = getattr(self, name)
            new = _free_rows(name, capacity)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)

    def add(self, n: int, **columns) -> range:
        """Append ``n`` open cases; each column given as ``n`` values or one value for all
        (``second_unit`` -1 unless given: the free rows hold a new case's values already).
        Returns their ids."""
        self._grow(n)
        start, stop = self.size, self.size + n
        for name, values in columns.items():
            column = getattr(self, name)
            if isinstance(values, list) and len(values) <= FEW:
                # A day's few cases: set one by one, quicker than numpy converting the list
                # (most days one case: set without a loop).
                if n == 1:
                    column[start] = values[0]
                else:
                    for i, value in enumerate(values):
                        column[start + i] = value
            elif n == 1 and isinstance(values, _WHOLE_NUMBER):
                column[start] = values
            else:
                column[start:stop] = values
        self.size = stop
        return range(start, stop)

    def close(self, ids: np.ndarray, status: int, day: int | None = None) -> None:
        """Cases ``ids`` are no longer open: ``status`` HANDLED or LOST, on ``day`` if given."""
        if isinstance(ids, list) and len(ids) <= FEW:  # a day's few cases: set one by one
            for case in ids:
                self.status[case] = status
                if day is not None:
                    self.handled_day[case] = day
        else:
            self.status[ids] = status
            if day is not None:
                self.handled_day[ids] = day
        self._closed_since = True

    def open_ids(self) -> np.ndarray:
        """Ids of the open cases, oldest first (ids grow with time)."""
        if self._open_to < self.size:  # cases added since: appended once, not on every add
            self._open = np.concatenate((self._open, np.arange(self._open_to, self.size)))
            self._open_to = self.size
        if self._closed_since:
            self._open = self._open[self.status[self._open] == OPEN]
            self._closed_since = False
        return self._open

    def backlog(self) -> int:
        """Open cases, duplicate work included (it is work waiting to be done)."""
        return int(self.open_ids().size)

    def mean_days_to_handling(self) -> float:
        """Mean days from report to handling over all handled cases (nan if none)."""
        done = (self.status[: self.size] == HANDLED) & (self.home_unit[: self.size] != DUPLICATE)
        if not done.any():
            return float("nan")
        return float(np.mean(self.handled_day[: self.size][done] - self.created_day[: self.size][done]))


class CaseHandling:
    """The administration's units and case book, and the rules above."""

    def __init__(self, town: "Town") -> None:
        adm = town.config.administration
        self.units = [AdministrationUnit(town, k, spec) for k, spec in enumerate(adm.units)]
        self.cases = CaseBook()
        unit_of_kind: dict[str, int] = {}
        for unit in self.units:
            unit_of_kind.setdefault(unit.kind, unit.index)
        self._case_home = np.array([unit_of_kind.get(kind, -1) for kind in adm.case_mix], dtype=np.int16)
        p = np.array(list(adm.case_mix.values()))
        self._case_p = p / p.sum()
        # Cumulative shares of the kinds, as ``Generator.choice`` computes them from ``p``.
        self._case_cdf = self._case_p.cumsum()
        self._case_cdf /= self._case_cdf[-1]
        self._case_cdf_list, self._case_home_list = self._case_cdf.tolist(), self._case_home.tolist()

    def unit(self, kind: str) -> AdministrationUnit | None:
        return next((u for u in self.units if u.kind == kind), None)

    def report_probability(self, town: "Town", a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Probability that an incident between ``a`` and ``b`` is reported (:func:`_report_chance`)."""
        trust = town.state.trust
        return _report_chance(self._report_base(town), town.config.administration.report_trust_gain, trust[a],
                              trust[b]).clip(0.0, 1.0)

    @staticmethod
    def _report_base(town: "Town") -> float:
        """The reporting chance before trust: the base probability and every structure's boost."""
        # Sums and products over the few structures take lists: cheaper than generators at this
        # size (the same values in the same order).
        return town.config.administration.report_base_probability + sum(
            [st.report_boost() for st in town.structures.values()]
        )

    def report(self, town: "Town", incidents: np.ndarray) -> None:
        """Each incident is reported or not (with :meth:`report_probability`); reported ones
        open cases."""
        if incidents.size == 0:
            return
        if incidents.size > FEW:  # a large town's day: on arrays
            a, b = town.ties.u[incidents], town.ties.v[incidents]
            reported = incidents[town.rng.random(incidents.size) < self.report_probability(town, a, b)].tolist()
        else:
            # A day brings a few incidents: their chances worked out one by one in plain
            # Python, quicker than numpy calls on arrays of one or two; the same rule, clipped
            # as report_probability clips.
            base = self._report_base(town)
            # Values as Python numbers (ndarray.item): the same doubles, quicker arithmetic.
            gain = town.config.administration.report_trust_gain
            trust, u, v = town.state.trust.item, town.ties.u.item, town.ties.v.item
            ties = incidents.tolist()
            draws = _uniforms(town.rng, len(ties))
            reported = [
                tie
                for tie, draw in zip(ties, draws)
                if draw < min(max(_report_chance(base, gain, trust(u(tie)), trust(v(tie))), 0.0), 1.0)
            ]
        if reported:
            home = [self._case_home_list[kind] for kind in self._draw_kinds(town.rng, len(reported))]
            self._open(town, reported, home)

    def _draw_kinds(self, rng: np.random.Generator, k: int) -> list[int]:
        """``k`` kinds of case (indices into ``case_mix``) drawn with its shares: the first
        cumulative share above a uniform draw (``searchsorted(..., side="right")``, here for a
        few draws by bisection). These are the draws and the result of
        ``rng.choice(len(case_mix), size=k, p=shares)``, without its checks of ``p`` on
        every call."""
        if k > FEW:
            return np.searchsorted(self._case_cdf, rng.random(k), side="right").tolist()
        cdf = self._case_cdf_list
        return [bisect_right(cdf, draw) for draw in _uniforms(rng, k)]

    def _forwarding_days(self, town: "Town") -> int:
        factor = float(math.prod([st.forwarding_factor() for st in town.structures.values()]))
        return int(round(town.config.administration.forwarding_delay_days * factor))

    def _response_delays(self) -> list[int]:
        return [unit.response_delay_days for unit in self.units]

    def open_cases(self, town: "Town", tie_index: np.ndarray, home: np.ndarray) -> None:
        """Open cases for incidents on ``tie_index``; route them to the entry unit, forwarding
        those that belong to another unit (``home``, -1 where no unit of that kind exists)."""
        self._open(town, np.asarray(tie_index).tolist(), np.asarray(home).tolist())

    def _open(self, town: "Town", ties: list[int], home_units: list[int]) -> None:
        """:meth:`open_cases` for ties and homes as lists."""
        adm = town.config.administration
        structures = town.structures.values()
        rng, day = town.rng, town.day
        n = len(ties)
        entry = 0
        delay = self._response_delays()
        # A day brings a few cases: routed in plain Python, quicker than numpy calls on
        # arrays of one or two. Home is -1 (no unit of its kind), the entry unit 0 or another.
        unit = [k if k > entry else entry for k in home_units]
        if any(st.routes_directly() for st in structures):
            ready = [day + delay[k] for k in unit]
            forwarded = []
        else:
            forwarding = self._forwarding_days(town)
            ready = [day + delay[entry] + (forwarding + delay[k] if k > entry else 0) for k in unit]
            forwarded = [i for i, k in enumerate(home_units) if k > entry]
        # A share of cases needs a second unit too: any other unit, drawn uniformly.
        n_units = len(self.units)
        if n_units == 1:
            second = -1
        else:
            if n == 1:
                # One case (most days): the same two draws by the scalar calls, quicker than
                # the array calls (an integer below 2**32 comes from the generator's 32-bit
                # stream either way; tests/test_case_handling_fast.py checks that they agree).
                needs, other = [rng.random() < adm.multi_unit_share], [_integer(rng, 1, n_units)]
            else:
                needs = (rng.random(n) < adm.multi_unit_share).tolist()
                other = rng.integers(1, n_units, size=n).tolist()
            second = [(k + step) % n_units if need else -1 for k, step, need in zip(unit, other, needs)]
        u, v, where = town.ties.u, town.ties.v, town.state.district
        if n > FEW:  # a large town's day: gathered on arrays
            a, b = u[ties], v[ties]
            district = where[a]
        else:
            a, b = [u.item(tie) for tie in ties], [v.item(tie) for tie in ties]
            district = [where.item(party) for party in a]
        self.cases.add(
            n,
            created_day=day,
            ready_day=ready,
            unit=unit,
            home_unit=home_units,
            second_unit=second,
            party_a=a,
            party_b=b,
            tie=ties,
            district=district,
        )
        town.record("reported", n)
        if n > FEW:
            town.reported_by_district += np.bincount(district, minlength=town.n_districts)  # whole numbers: exact
        else:
            reported = town.reported_by_district
            for d in district:  # counted one by one: whole numbers, so the same sums as a bincount
                reported[d] += 1.0
        # Without coordination a share of forwarded cases is also worked at the entry unit.
        if forwarded and not any([st.avoids_duplicates() for st in structures]):
            share = town.config.structures.coordination.duplicate_share
            draws = _uniforms(rng, len(forwarded))
            twice = [i for i, draw in zip(forwarded, draws) if draw < share]
            if twice:
                self.cases.add(
                    len(twice),
                    created_day=day,
                    ready_day=day + delay[entry],
                    unit=entry,
                    home_unit=DUPLICATE,
                    party_a=[a[i] for i in twice],
                    party_b=[b[i] for i in twice],
                    tie=[ties[i] for i in twice],
                    district=[district[i] for i in twice],
                )

    def handle(self, town: "Town") -> None:
        """Step 6 of the day: units work their ready cases; neglect costs trust. Grievance
        and trust are clipped to [0, 1] once, after the day's work (:func:`_clip_changed`)."""
        book = self.cases
        open_ids = book.open_ids()
        if open_ids.size == 0:
            return
        s = town.state
        day = town.day
        structures = town.structures.values()
        capacity_factor = float(math.prod([st.capacity_factor() for st in structures]))
        ready = self._ready(open_ids, day)  # at any unit
        waiting = self._waiting(ready)
        home = book.home_unit.item  # a case's value as a Python int: quicker to compare
        changed: list[int] = []  # the residents whose grievance or trust today's work changed
        for unit in self.units:
            n = unit.cases_today(waiting[unit.index], capacity_factor)
            if n == 0:
                continue
            take = self._pick(town, ready, unit.index, n)
            town.record("staff_hours", n * unit.staff_hours_per_case)
            # The cases taken are at most a day's capacity: a few, which plain Python sorts
            # out quicker than a row of numpy calls on arrays of one or two.
            duplicate = [case for case in take if home(case) == DUPLICATE]
            if duplicate:
                book.close(duplicate, HANDLED)
                take = [case for case in take if home(case) != DUPLICATE]
            two_units = [case for case in take if book.second_unit.item(case) >= 0]
            if two_units:
                changed += self._hand_over(town, two_units, any([st.avoids_duplicates() for st in structures]))
                take = [case for case in take if case not in two_units]
                # A case handed over to a later unit without delay is ready for it today.
                ready = self._ready(ready, day)
                waiting = self._waiting(ready)
            if take:
                changed += self._finish(town, unit, take)
        changed += self._neglect(town, book.open_ids())
        if changed:  # most days no work changed anyone
            _clip_changed(s, changed)

    def _ready(self, ids: list[int] | np.ndarray, day: int) -> list[int] | np.ndarray:
        """The cases of ``ids`` (ascending) ready for their unit by ``day``, ascending: a few
        as a list, checked one by one in plain Python (a town has a few open cases, and numpy
        calls on arrays of a few cost more than the check); more as an array."""
        book = self.cases
        if len(ids) > FEW:
            ids = np.asarray(ids)  # (a list only ever holds a few, but either is taken)
            return ids[book.ready_day[ids] <= day]
        ready_day = book.ready_day.item  # a case's value as a Python int
        return [case for case in _listed(ids) if ready_day(case) <= day]

    def _pick(self, town: "Town", ready: list[int] | np.ndarray, unit: int, n: int) -> list[int]:
        """The ``n`` cases of ``ready`` that ``unit`` takes today: districts on alert first,
        then the oldest (ids grow with time)."""
        book, day = self.cases, town.day
        if len(ready) <= FEW:
            # Most days a few: picked in plain Python; a stable sort by "not on alert" keeps
            # the ids ascending within each part, as the lexsort below does.
            unit_of, district, until = book.unit.item, book.district.item, town.alert_until.tolist()
            mine = [case for case in _listed(ready) if unit_of(case) == unit]
            if max(until) < day:  # no district on alert (most days): the oldest, as they come
                return mine[:n]
            return sorted(mine, key=lambda case: until[district(case)] < day)[:n]
        ready = np.asarray(ready)
        mine = ready[book.unit[ready] == unit]
        first = (town.alert_until >= day)[book.district[mine]]
        return (mine[np.lexsort((mine, ~first))[:n]] if first.any() else mine[:n]).tolist()

    def _waiting(self, ready: list[int] | np.ndarray) -> list[int]:
        """How many of the cases ``ready`` wait at each unit."""
        if len(ready) == 0:  # most days
            return [0] * len(self.units)
        if len(ready) > FEW:
            return np.bincount(self.cases.unit[ready], minlength=len(self.units)).tolist()
        waiting, unit = [0] * len(self.units), self.cases.unit.item  # else a few: counted one by one
        for case in _listed(ready):
            waiting[unit(case)] += 1
        return waiting

    def _neglect(self, town: "Town", open_ids: np.ndarray) -> list[int]:
        """Every day a case waits beyond ``neglect_after_days`` raises its parties' grievance
        and costs their trust (duplicate work excepted). Returns the parties."""
        adm = town.config.administration
        book, s = self.cases, town.state
        if open_ids.size == 0 or town.day - book.created_day.item(open_ids.item(0)) <= adm.neglect_after_days:
            return []  # not even the oldest open case waits too long
        day, after = town.day, adm.neglect_after_days
        if open_ids.size > FEW:
            neglected = open_ids[(day - book.created_day[open_ids] > after) & (book.home_unit[open_ids] != DUPLICATE)]
        else:  # a few open cases: checked one by one in plain Python, quicker than numpy calls
            created, home = book.created_day.item, book.home_unit.item
            neglected = [case for case in open_ids.tolist() if day - created(case) > after and home(case) != DUPLICATE]
        if len(neglected) > FEW:
            parties = np.concatenate((book.party_a[neglected], book.party_b[neglected]))
            np.add.at(s.grievance, parties, adm.neglect_grievance_per_day)
            np.subtract.at(s.trust, parties, adm.neglect_trust_loss_per_day)
            return parties.tolist()
        # A few: party a of each case, then party b, one after the other as np.add.at adds
        # them (the same sums), without its setup.
        neglected = _listed(neglected)
        parties = [book.party_a.item(case) for case in neglected] + [book.party_b.item(case) for case in neglected]
        grievance, trust = s.grievance, s.trust
        for party in parties:
            grievance[party] += adm.neglect_grievance_per_day
        for party in parties:
            trust[party] -= adm.neglect_trust_loss_per_day
        return parties

    def _hand_over(self, town: "Town", ids: list[int], coordinated: bool) -> list[int]:
        """The first unit's part is done; the case moves to its second unit (or is lost).
        ``ids`` are a few cases (a list): handled one by one in plain Python. Returns the
        parties of the cases lost."""
        adm = town.config.administration
        book = self.cases
        parties: list[int] = []
        town.record("handovers", len(ids))
        if not coordinated:
            draws = _uniforms(town.rng, len(ids))
            gone = [case for case, draw in zip(ids, draws) if draw < adm.handover_loss_share]
            if gone:
                book.close(gone, LOST, town.day)
                s = town.state
                # Party a of each case, then party b, one after the other as np.subtract.at
                # would: the same differences.
                parties = book.party_a[gone].tolist() + book.party_b[gone].tolist()
                for party in parties:
                    s.trust[party] -= adm.lost_case_trust_loss
                for party in parties:
                    s.grievance[party] += adm.lost_case_grievance
                town.record("cases_lost", len(gone))
                ids = [case for case, draw in zip(ids, draws) if not draw < adm.handover_loss_share]
        if not ids:
            return parties
        delays, later = self._response_delays(), town.day + self._forwarding_days(town)
        for case in ids:
            target = int(book.second_unit[case])
            book.unit[case] = target
            book.second_unit[case] = -1
            book.ready_day[case] = later + delays[target]
        return parties

    def _finish(self, town: "Town", unit: AdministrationUnit, take: list[int]) -> list[int]:
        """Unit ``unit`` finishes cases ``take``: relief, trust and perhaps a lower stage.
        ``take`` are a few cases (a list): handled one by one in plain Python. Returns the
        parties."""
        adm = town.config.administration
        book, s = self.cases, town.state
        # No unit of its kind: handled elsewhere, with less effect.
        effect = [1.0 if book.home_unit.item(case) >= 0 else adm.mismatch_effect for case in take]
        # Party a of each case, then party b, one after the other as np.subtract.at would:
        # the same differences.
        parties = [book.party_a.item(case) for case in take] + [book.party_b.item(case) for case in take]
        for party, e in zip(parties, effect + effect):
            s.grievance[party] -= adm.grievance_relief * e
            s.trust[party] += adm.trust_gain * e
        ties = [book.tie.item(case) for case in take]
        draws = _uniforms(town.rng, len(take))
        chance = unit.trained_share * adm.trained_deescalation
        valence, stage = town.valence, town.stage
        lower = [
            tie
            for tie, e, draw in zip(ties, effect, draws)
            if valence[tie] == ck.HOSTILE and stage[tie] <= adm.moderation_max_stage and draw < chance * e
        ]
        if lower:
            town.lower_stage(np.array(lower, dtype=np.int64))
        book.close(take, HANDLED, town.day)
        town.record("cases_handled", len(take))
        town.handling_days_today.extend([town.day - book.created_day.item(case) for case in take])
        return parties
