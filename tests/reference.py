"""Plain per-agent reference implementations of the opinion rules.

Readable, slow, one resident at a time, exactly as the papers state the rules. The fast
kernels in ``simulation.kernels.opinion`` must agree with these (exactly for the
synchronous rules, statistically for the random-pair rules). The benchmarks time them too.
"""

from __future__ import annotations

import numpy as np


def neighbour_lists(n: int, u: np.ndarray, v: np.ndarray) -> list[list[int]]:
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(u.tolist(), v.tolist()):
        neighbours[a].append(b)
        neighbours[b].append(a)
    return neighbours


def deffuant_sequential(x: list[float], u: list[int], v: list[int], tolerance: float, mu: float,
                        encounters: int, rng: np.random.Generator) -> list[float]:
    """Deffuant et al. (2000) as published: pick a random tie, both ends move toward each
    other by mu times their difference if it is below the tolerance; repeat."""
    x = list(x)
    picks = rng.integers(0, len(u), size=encounters).tolist()
    for k in picks:
        a, b = u[k], v[k]
        diff = x[b] - x[a]
        if abs(diff) < tolerance:
            x[a] += mu * diff
            x[b] -= mu * diff
    return x


def hegselmann_krause_step(x: list[float], neighbours: list[list[int]], tolerance: float) -> list[float]:
    """Hegselmann & Krause (2002): everyone takes the mean of the opinions within the
    tolerance among themselves and their neighbours, all at once."""
    new = []
    for i, xi in enumerate(x):
        total, count = xi, 1
        for j in neighbours[i]:
            if abs(x[j] - xi) <= tolerance:
                total += x[j]
                count += 1
        new.append(total / count)
    return new


class PerAgentDeffuantModel:
    """The opinion part of one day done one resident at a time, as a per-agent Mesa-style
    model would: each day every resident, in random order, talks to one random neighbour.
    Used by the benchmark as the slow baseline."""

    def __init__(self, x: np.ndarray, u: np.ndarray, v: np.ndarray, tolerance: float, mu: float, seed: int):
        self.x = x.tolist()
        self.neighbours = neighbour_lists(x.size, u, v)
        self.tolerance = tolerance
        self.mu = mu
        self.rng = np.random.default_rng(seed)

    def step(self) -> None:
        x, nb, rng = self.x, self.neighbours, self.rng
        for i in rng.permutation(len(x)).tolist():
            if not nb[i]:
                continue
            j = nb[i][int(rng.integers(len(nb[i])))]
            diff = x[j] - x[i]
            if abs(diff) < self.tolerance:
                x[i] += self.mu * diff
                x[j] -= self.mu * diff
