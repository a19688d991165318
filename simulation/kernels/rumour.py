"""Maki–Thompson rumour spreading on a network, as a pure function on arrays.

States: 0 ignorant, 1 spreader, 2 stifler. A spreader tells a random neighbour: an
ignorant neighbour becomes a spreader; a neighbour who already knows (spreader or stifler)
makes the teller stop (the teller becomes a stifler). On a complete graph a share of about
0.203 never hears the rumour (Maki & Thompson 1973; Sudbury 1985).

Sequential semantics: one telling at a time. One call does ``contacts`` rounds; in each round
every current spreader tells once, in random order, split into ``batches`` consecutive
batches that see each other's results. With many batches this is the sequential process;
the default keeps a batch to about 1/16 of the spreaders, which reproduces the 0.203 of the
sequential process within sampling error (tests/test_shocks.py).
"""

from __future__ import annotations

import numpy as np

__all__ = ["IGNORANT", "SPREADER", "STIFLER", "maki_thompson_round"]

IGNORANT, SPREADER, STIFLER = 0, 1, 2


def maki_thompson_round(
    state: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    rng: np.random.Generator,
    stifling: float = 0.0,
    batches: int = 16,
) -> np.ndarray:
    """One round of tellings, in place on ``state``. Returns residents who newly heard it.

    ``indptr``/``indices`` are the CSR neighbour lists. ``stifling`` is an extra probability
    that a spreader gives up after a telling (public correction in a crisis).
    """
    spreaders = np.flatnonzero(state == SPREADER)
    degree = indptr[spreaders + 1] - indptr[spreaders]
    spreaders = rng.permutation(spreaders[degree > 0])
    heard = []
    for part in np.array_split(spreaders, min(batches, max(spreaders.size, 1))):
        if part.size == 0:
            continue
        start = indptr[part]
        count = indptr[part + 1] - start
        listener = indices[start + (rng.random(part.size) * count).astype(np.int64)]
        knows = state[listener] != IGNORANT
        new = np.unique(listener[~knows])
        state[new] = SPREADER
        heard.append(new)
        stop = knows | (rng.random(part.size) < stifling)
        state[part[stop]] = STIFLER
    return np.concatenate(heard) if heard else np.empty(0, dtype=np.int64)
