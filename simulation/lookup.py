"""Lookups on a town's ties and residents that the structures and shocks read every day,
kept until the town replaces the arrays they were built from."""

from __future__ import annotations

import numpy as np

__all__ = ["TownLookup"]

#: In towns of up to this many residents the ends of the ties are sorted as 16-bit numbers,
#: which numpy's stable sort orders by radix (in linear time); in larger towns as unique
#: 64-bit keys. The same order either way (tests/test_structures.py runs both sides).
RADIX_SORT_RESIDENTS = 2**16


class TownLookup:
    """Lookups on the town's ties and residents, rebuilt whenever the town replaces its ties
    or residents' arrays (a growing population does): each tie's district (its first
    resident's), the residents of a district and group or of a set of districts, each
    resident's ties, and the ties toward a group. Each structure and rumour keeps one and
    calls :meth:`update` before reading it."""

    def __init__(self) -> None:
        self._ties = self._district = self._group = None  # what the lookups were built from

    def update(self, town) -> "TownLookup":
        s = town.state
        if self._ties is not town.ties or self._district is not s.district or self._group is not s.group:
            self._ties, self._district, self._group = town.ties, s.district, s.group
            self.tie_district = s.district[town.ties.u]
            self._tie_district_list: list[int] | None = None
            self._residents: dict[tuple[int, int], np.ndarray] = {}
            self._in_district: dict[tuple[int, ...], list[slice | np.ndarray]] = {}
            self._first_tie = None
            self._toward: dict[int, tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]] = {}
        return self

    def tie_districts(self) -> list[int]:
        """Each tie's district as a list: quicker than the array for a few lookups."""
        if self._tie_district_list is None:
            self._tie_district_list = self.tie_district.tolist()
        return self._tie_district_list

    def district_residents(self, town, districts: tuple[int, ...]) -> list[slice | np.ndarray]:
        """The residents of ``districts``, each once, as parts to index the residents' arrays
        with: runs of consecutive residents as slices (the town places its residents district
        by district, and a slice updates in place, quicker than an index), or one index array
        if they are scattered over more than a few runs."""
        if districts not in self._in_district:
            who = np.flatnonzero(np.isin(town.state.district, districts))
            breaks = np.flatnonzero(np.diff(who) != 1) + 1  # where a run of consecutive residents ends
            if who.size and breaks.size < 8:
                runs = zip(who[np.r_[0, breaks]].tolist(), who[np.r_[breaks - 1, -1]].tolist())
                self._in_district[districts] = [slice(first, last + 1) for first, last in runs]
            else:
                self._in_district[districts] = [who]
        return self._in_district[districts]

    def residents(self, town, district: int, group: int) -> np.ndarray:
        """The residents of ``district`` and ``group``, ascending."""
        key = (district, group)
        if key not in self._residents:
            s = town.state
            self._residents[key] = np.flatnonzero((s.district == district) & (s.group == group))
        return self._residents[key]

    def ties_of(self, town, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ties of the residents ``who`` and the resident at each tie's other end (a tie
        between two of them comes twice, once from each end)."""
        if self._first_tie is None:
            u, v = town.ties.u, town.ties.v
            end = np.concatenate([u, v])
            # The ends in stable order (each resident's ties in tie order).
            if town.state.n <= RADIX_SORT_RESIDENTS:
                order = end.astype(np.uint16).argsort(kind="stable")
            else:
                # Each key made unique by its position, so a plain sort (quicker than a
                # stable argsort of 32-bit ends) gives that order. The keys in int64, which
                # ties' int32 ends times their count could overflow.
                order = np.sort(end.astype(np.int64) * end.size + np.arange(end.size)) % end.size
            self._tie_at = order % u.size
            self._other_end = np.concatenate([v, u])[order]
            self._tie_count = np.bincount(end, minlength=town.state.n)  # each resident's ties
            self._first_tie = np.concatenate(([0], np.cumsum(self._tie_count)))
        first, count = self._first_tie[who], self._tie_count[who]
        # The arrays' own methods: the same numbers without numpy's function dispatch (and
        # the total from the running sum, not count.sum(), which goes through a Python wrapper).
        end = count.cumsum()
        at = (first - (end - count)).repeat(count) + np.arange(end[-1] if end.size else 0)
        return self._tie_at[at], self._other_end[at]

    def ties_toward(self, town, group: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """The ties with a member of ``group`` at their second end (ascending) with each one's
        first end, and those with one at their first end with each one's second end."""
        if group not in self._toward:
            u, v, of_group = town.ties.u, town.ties.v, town.state.group
            to_v = np.flatnonzero(of_group[v] == group)
            to_u = np.flatnonzero(of_group[u] == group)
            self._toward[group] = ((to_v, u[to_v]), (to_u, v[to_u]))
        return self._toward[group]
