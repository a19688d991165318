"""Reporting and case handling: incidents become cases that queue at administration units.

Rule (DESIGN.md, one day, step 6): an incident is reported with probability
``base + gain · mean trust of its parties``. A reported case belongs to the unit of its
kind (drawn from ``case_mix``). It arrives at the entry unit (the first unit); when it
belongs elsewhere it is forwarded, costing ``forwarding_delay_days`` extra. A unit handles
the oldest ready cases up to its capacity after its response delay. Handling lowers the
parties' grievance and raises their trust (less when no unit of the case's kind exists);
trained staff may also lower the tie's Glasl stage. Every day a case waits beyond
``neglect_after_days`` raises the parties' grievance and costs trust.

Cases are columns of numpy arrays that grow by doubling; a town produces a few cases a
day, so this is never the slow part.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CaseBook", "OPEN", "HANDLED", "DUPLICATE"]

OPEN, HANDLED = 0, 1
DUPLICATE = -2  # home_unit of duplicate work: uses capacity, has no effect

_COLUMNS = {
    "created_day": np.int32,
    "ready_day": np.int32,
    "unit": np.int16,
    "home_unit": np.int16,
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
