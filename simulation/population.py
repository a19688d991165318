"""The town's residents at the start and as they move in: traits drawn per group.

Residents are sorted by (district, group) block, which keeps the block-model network's
ties local in memory. Traits are drawn from the scenario's ``residents`` section and each
group's own opinion and trust; all from the model's generator, in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

__all__ = ["ResidentState", "initial_residents", "draw_traits"]


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


def _clipped_normal(rng: np.random.Generator, mean, sd, size: int, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    return np.clip(rng.normal(mean, sd, size), lo, hi)


def _largest_remainders(shares: np.ndarray, n: int) -> np.ndarray:
    counts = np.floor(shares * n).astype(np.int64)
    remainder = shares * n - counts
    counts[np.argsort(-remainder, kind="stable")[: n - counts.sum()]] += 1
    return counts


def initial_residents(config, rng: np.random.Generator, n: int) -> ResidentState:
    """``n`` residents, groups by their shares (largest remainders), districts evenly — or,
    for a town described district by district (``town.district_weights`` and
    ``town.district_group_shares``, e.g. from ``quartier town``), each (district, group)
    block by its share of the town (largest remainders)."""
    n_groups, n_districts = len(config.town.groups), len(config.town.districts)
    town = config.town
    if town.district_weights or town.district_group_shares:
        weights = np.array(town.district_weights or [1.0] * n_districts, dtype=float)
        mix = np.array(town.district_group_shares or [[g.share for g in town.groups]] * n_districts, dtype=float)
        counts = _largest_remainders((weights[:, None] / weights.sum() * mix).ravel(), n)
        blocks = np.repeat(np.arange(n_districts * n_groups), counts)
        return draw_traits(config, rng, (blocks % n_groups).astype(np.int16), (blocks // n_groups).astype(np.int16))
    shares = np.array([g.share for g in config.town.groups])
    counts = np.floor(shares * n).astype(np.int64)
    remainder = shares * n - counts
    counts[np.argsort(-remainder, kind="stable")[: n - counts.sum()]] += 1
    group = rng.permutation(np.repeat(np.arange(n_groups), counts))
    district = rng.permutation(np.arange(n) % n_districts)
    order = np.argsort(district * n_groups + group, kind="stable")
    return draw_traits(config, rng, group[order].astype(np.int16), district[order].astype(np.int16))


def draw_traits(config, rng: np.random.Generator, group: np.ndarray, district: np.ndarray) -> ResidentState:
    """Traits of residents of the given groups and districts."""
    traits = config.residents
    n = group.size
    by_group = lambda attr: np.array([getattr(g, attr) for g in config.town.groups])[group]  # noqa: E731
    opinion = _clipped_normal(rng, by_group("opinion_mean"), by_group("opinion_sd"), n)
    uniform = np.array([g.opinion_distribution == "uniform" for g in config.town.groups])[group]
    opinion[uniform] = rng.random(int(uniform.sum()))
    return ResidentState(
        group=group,
        district=district,
        opinion=opinion,
        opinion0=opinion.copy(),
        tolerance=_clipped_normal(rng, traits.tolerance_mean, traits.tolerance_sd, n, 1e-3, 1.0),
        stubbornness=_clipped_normal(rng, traits.stubbornness_mean, traits.stubbornness_sd, n),
        tension=_clipped_normal(rng, traits.tension_mean, traits.tension_sd, n),
        grievance=_clipped_normal(rng, traits.grievance_mean, traits.grievance_sd, n),
        trust=_clipped_normal(rng, by_group("trust_mean"), traits.trust_sd, n),
        threshold=_clipped_normal(rng, traits.threshold_mean, traits.threshold_sd, n),
        threat=np.zeros(n),
        stress=_clipped_normal(rng, traits.stress_mean, traits.stress_sd, n),
    )
