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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .agents import AdministrationUnit
from .kernels import conflict as ck

if TYPE_CHECKING:
    from .town import Town

__all__ = ["CaseBook", "CaseHandling", "OPEN", "HANDLED", "LOST", "DUPLICATE"]

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


class CaseBook:
    """All cases of a run as growing columns (``book.created_day[:book.size]`` etc.)."""

    def __init__(self, capacity: int = 256) -> None:
        self.size = 0
        for name, dtype in _COLUMNS.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))

    def _grow(self, extra: int) -> None:
        need = self.size + extra
        capacity = self.created_day.size
        if need <= capacity:
            return
        while capacity < need:
            capacity *= 2
        for name in _COLUMNS:
            old = getattr(self, name)
            new = np.zeros(capacity, dtype=old.dtype)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)

    def add(self, **columns: np.ndarray) -> np.ndarray:
        """Append cases; every column given as an array of the same length. Returns ids."""
        k = len(next(iter(columns.values())))
        self._grow(k)
        ids = np.arange(self.size, self.size + k)
        self.second_unit[ids] = -1
        for name, values in columns.items():
            getattr(self, name)[ids] = values
        self.status[ids] = OPEN
        self.handled_day[ids] = -1
        self.size += k
        return ids

    def open_ids(self) -> np.ndarray:
        return np.flatnonzero(self.status[: self.size] == OPEN)

    def backlog(self) -> int:
        """Open cases, duplicate work included (it is work waiting to be done)."""
        return int(np.count_nonzero(self.status[: self.size] == OPEN))

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

    def unit(self, kind: str) -> AdministrationUnit | None:
        return next((u for u in self.units if u.kind == kind), None)

    def report_probability(self, town: "Town", a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Probability that an incident between ``a`` and ``b`` is reported."""
        adm = town.config.administration
        boost = sum(st.report_boost() for st in town.structures.values())
        trust = 0.5 * (town.state.trust[a] + town.state.trust[b])
        return np.clip(adm.report_base_probability + boost + adm.report_trust_gain * trust, 0, 1)

    def report(self, town: "Town", incidents: np.ndarray) -> None:
        """Each incident is reported or not; reported ones open cases."""
        if incidents.size == 0:
            return
        a, b = town.ties.u[incidents], town.ties.v[incidents]
        reported = town.rng.random(incidents.size) < self.report_probability(town, a, b)
        k = int(reported.sum())
        if k == 0:
            return
        home = self._case_home[town.rng.choice(self._case_p.size, size=k, p=self._case_p)]
        self.open_cases(town, incidents[reported], home)

    def _forwarding_days(self, town: "Town") -> int:
        factor = float(np.prod([st.forwarding_factor() for st in town.structures.values()]))
        return int(round(town.config.administration.forwarding_delay_days * factor))

    def open_cases(self, town: "Town", tie_index: np.ndarray, home: np.ndarray) -> None:
        """Open cases for incidents on ``tie_index``; route them to the entry unit, forwarding
        those that belong to another unit (``home``, -1 where no unit of that kind exists)."""
        adm = town.config.administration
        structures = town.structures.values()
        rng = town.rng
        entry = 0
        delay = np.array([unit.response_delay_days for unit in self.units])
        elsewhere = (home >= 0) & (home != entry)
        unit = np.where(elsewhere, home, entry)
        if any(st.routes_directly() for st in structures):
            ready = town.day + delay[unit]
            forwarded = np.zeros(tie_index.size, dtype=bool)
        else:
            ready = town.day + delay[entry] + np.where(elsewhere, self._forwarding_days(town) + delay[unit], 0)
            forwarded = elsewhere
        # A share of cases needs a second unit too: any other unit, drawn uniformly.
        second = np.full(tie_index.size, -1, dtype=np.int16)
        n_units = len(self.units)
        if n_units > 1:
            needs = rng.random(tie_index.size) < adm.multi_unit_share
            other = (unit + rng.integers(1, n_units, size=tie_index.size)) % n_units
            second[needs] = other[needs]
        a, b = town.ties.u[tie_index], town.ties.v[tie_index]
        district = town.state.district[a]
        self.cases.add(
            created_day=np.full(tie_index.size, town.day),
            ready_day=ready,
            unit=unit,
            home_unit=home,
            second_unit=second,
            party_a=a,
            party_b=b,
            tie=tie_index,
            district=district,
        )
        town.record("reported", tie_index.size)
        np.add.at(town.reported_by_district, district, 1)
        # Without coordination a share of forwarded cases is also worked at the entry unit.
        if forwarded.any() and not any(st.avoids_duplicates() for st in structures):
            share = town.config.structures.coordination.duplicate_share
            twice = np.flatnonzero(forwarded)[rng.random(int(forwarded.sum())) < share]
            if twice.size:
                self.cases.add(
                    created_day=np.full(twice.size, town.day),
                    ready_day=np.full(twice.size, town.day + delay[entry]),
                    unit=np.full(twice.size, entry),
                    home_unit=np.full(twice.size, DUPLICATE),
                    party_a=a[twice],
                    party_b=b[twice],
                    tie=tie_index[twice],
                    district=district[twice],
                )

    def handle(self, town: "Town") -> None:
        """Step 6 of the day: units work their ready cases; neglect costs trust."""
        adm = town.config.administration
        s = town.state
        book = self.cases
        open_ids = book.open_ids()
        if open_ids.size == 0:
            return
        structures = town.structures.values()
        capacity_factor = float(np.prod([st.capacity_factor() for st in structures]))
        coordinated = any(st.avoids_duplicates() for st in structures)
        alerted = town.alert_until >= town.day
        for unit in self.units:
            ready = open_ids[(book.unit[open_ids] == unit.index) & (book.ready_day[open_ids] <= town.day)]
            n = unit.cases_today(ready.size, capacity_factor)
            if n == 0:
                continue
            # Districts on alert first, then the oldest (ids grow with time).
            order = np.lexsort((ready, ~alerted[book.district[ready]]))
            take = ready[order[:n]]
            town.record("staff_hours", n * unit.staff_hours_per_case)
            real = book.home_unit[take] != DUPLICATE
            book.status[take[~real]] = HANDLED
            take = take[real]
            handover = take[book.second_unit[take] >= 0]
            done = take[book.second_unit[take] < 0]
            if handover.size:
                self._hand_over(town, handover, coordinated)
            self._finish(town, unit, done)
        still_open = open_ids[(book.status[open_ids] == OPEN) & (book.home_unit[open_ids] != DUPLICATE)]
        neglected = still_open[town.day - book.created_day[still_open] > adm.neglect_after_days]
        for party in (book.party_a[neglected], book.party_b[neglected]):
            np.add.at(s.grievance, party, adm.neglect_grievance_per_day)
            np.subtract.at(s.trust, party, adm.neglect_trust_loss_per_day)
        np.clip(s.grievance, 0, 1, out=s.grievance)
        np.clip(s.trust, 0, 1, out=s.trust)

    def _hand_over(self, town: "Town", ids: np.ndarray, coordinated: bool) -> None:
        """The first unit's part is done; the case moves to its second unit (or is lost)."""
        adm = town.config.administration
        book = self.cases
        town.record("handovers", ids.size)
        if not coordinated:
            lost = town.rng.random(ids.size) < adm.handover_loss_share
            gone = ids[lost]
            book.status[gone] = LOST
            book.handled_day[gone] = town.day
            s = town.state
            for party in (book.party_a[gone], book.party_b[gone]):
                np.subtract.at(s.trust, party, adm.lost_case_trust_loss)
                np.add.at(s.grievance, party, adm.lost_case_grievance)
            town.record("cases_lost", gone.size)
            ids = ids[~lost]
        target = book.second_unit[ids]
        delay = np.array([unit.response_delay_days for unit in self.units])
        book.unit[ids] = target
        book.second_unit[ids] = -1
        book.ready_day[ids] = town.day + self._forwarding_days(town) + delay[target]

    def _finish(self, town: "Town", unit: AdministrationUnit, take: np.ndarray) -> None:
        adm = town.config.administration
        book, s = self.cases, town.state
        home = book.home_unit[take]
        effect = np.where(home >= 0, 1.0, adm.mismatch_effect)  # no unit of its kind: handled elsewhere
        for party in (book.party_a[take], book.party_b[take]):
            np.subtract.at(s.grievance, party, adm.grievance_relief * effect)
            np.add.at(s.trust, party, adm.trust_gain * effect)
        tie = book.tie[take]
        moderable = (town.valence[tie] == ck.HOSTILE) & (town.stage[tie] <= adm.moderation_max_stage)
        lower = moderable & (town.rng.random(take.size) < unit.trained_share * adm.trained_deescalation * effect)
        town.lower_stage(tie[lower])
        book.status[take] = HANDLED
        book.handled_day[take] = town.day
        town.record("cases_handled", take.size)
        town.handling_days_today.extend((town.day - book.created_day[take]).tolist())
