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
FEW_SPREADERS = 384  # up to this many, a round is walked in plain Python (about where numpy batches catch up;
# the same round either way: tests/test_size_paths.py runs a town on either side alone)


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

    The spreaders, in random order, are split into ``batches`` consecutive batches as
    ``np.array_split`` splits them (the first ``n % batches`` one longer). Each batch draws a
    listener for each of its spreaders, then a stifling draw for each; a listener knows the
    rumour if they knew it when the round began or heard it from an earlier batch. A round
    has a few dozen spreaders: the batches are walked in plain Python, with every draw made
    in one call in the order the batches make them, instead of a dozen numpy calls a batch.
    Above ``FEW_SPREADERS`` (a large town's rumour) numpy batches are quicker: the same
    tellings and draws (tests/test_rumour_round.py).
    """
    spreaders = (state == SPREADER).nonzero()[0]  # flatnonzero without its wrapper
    first = indptr[spreaders]
    degree = indptr[spreaders + 1] - first
    spreaders = rng.permutation(spreaders[degree > 0])
    n = spreaders.size
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if n > FEW_SPREADERS:
        return _numpy_batches(state, indptr, indices, rng, stifling, spreaders, batches)
    size, longer = divmod(n, min(batches, n))
    ends = [size * (j + 1) + min(j + 1, longer) for j in range(min(batches, n))]
    # Batch by batch, its listener draws and then its stifling draws: one call, the same numbers.
    draws = rng.random(2 * n).tolist()
    pick, stop_draw, start = [], [], 0
    for end in ends:
        pick += draws[2 * start : start + end]
        stop_draw += draws[start + end : 2 * end]
        start = end
    first = indptr[spreaders]
    count = (indptr[spreaders + 1] - first).tolist()
    # A random neighbour each: the draw times the degree, truncated (as astype(int64) does).
    listener = indices[first + np.array([int(d * c) for d, c in zip(pick, count)], dtype=np.int64)]
    knew = (state[listener] != IGNORANT).tolist()
    listener, teller = listener.tolist(), spreaders.tolist()
    heard, stop, start = [], [], 0
    told = set()  # who heard it from an earlier batch of this round
    for end in ends:
        new = set()
        for i in range(start, end):
            knows = knew[i] or listener[i] in told
            if not knows:
                new.add(listener[i])
            if knows or stop_draw[i] < stifling:
                stop.append(teller[i])
        told |= new
        heard += sorted(new)  # each batch's new spreaders ascending, as np.unique gives them
        start = end
    heard = np.array(heard, dtype=indices.dtype)
    state[heard] = SPREADER
    state[np.array(stop, dtype=np.int64)] = STIFLER
    return heard


def _numpy_batches(state, indptr, indices, rng, stifling, spreaders, batches) -> np.ndarray:
    """The round's tellings batch by batch with numpy calls, for many ``spreaders`` (in their
    random order): the same tellings and draws as the plain-Python walk."""
    heard = []
    for part in np.array_split(spreaders, min(batches, spreaders.size)):
        start = indptr[part]
        count = indptr[part + 1] - start
        listener = indices[start + (rng.random(part.size) * count).astype(np.int64)]
        knows = state[listener] != IGNORANT
        new = np.unique(listener[~knows])
        state[new] = SPREADER
        heard.append(new)
        stop = knows | (rng.random(part.size) < stifling)
        state[part[stop]] = STIFLER
    return np.concatenate(heard)
