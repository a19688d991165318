"""The rumour round walked in plain Python against the numpy batches it replaced: the same
states, the same residents returned in the same order, and the same draws."""

import numpy as np
import pytest

from simulation.kernels.rumour import IGNORANT, SPREADER, STIFLER, maki_thompson_round
from simulation.network import complete


def numpy_batches(state, indptr, indices, rng, stifling=0.0, batches=16):
    """The round as numpy batches (the kernel before it walked the batches in Python)."""
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


def sparse_graph(n, seed):
    """A random graph with some residents without ties (degree 0 is skipped)."""
    rng = np.random.default_rng(seed)
    u = rng.integers(0, n, 3 * n)
    v = rng.integers(0, n, 3 * n)
    keep = (u != v) & (u < n - 5) & (v < n - 5)  # the last five have no ties
    import scipy.sparse as sp

    a = sp.coo_array((np.ones(keep.sum()), (u[keep], v[keep])), shape=(n, n))
    return (a + a.T).tocsr()


@pytest.mark.parametrize("batches", [1, 3, 16, 200])
@pytest.mark.parametrize("stifling", [0.0, 0.5])
@pytest.mark.parametrize("graph", ["complete", "sparse"])
def test_round_matches_the_numpy_batches(batches, stifling, graph):
    n = 300
    adjacency = complete(n).adjacency() if graph == "complete" else sparse_graph(n, 1)
    for seed in range(6):
        start = np.random.default_rng(seed + 10).choice([IGNORANT, SPREADER, STIFLER], size=n, p=[0.7, 0.2, 0.1]).astype(np.int8)
        if seed == 0:
            start[:] = IGNORANT  # nobody tells: no draw at all
        if seed == 1:
            start[:] = IGNORANT
            start[[3, n - 1]] = SPREADER  # two spreaders, one without ties
        states, rngs = [start.copy(), start.copy()], [np.random.default_rng(seed), np.random.default_rng(seed)]
        for _ in range(5):
            old = numpy_batches(states[0], adjacency.indptr, adjacency.indices, rngs[0], stifling, batches)
            new = maki_thompson_round(states[1], adjacency.indptr, adjacency.indices, rngs[1], stifling, batches)
            assert new.tolist() == old.tolist()
            assert new.dtype == old.dtype
            assert np.array_equal(states[0], states[1])
            assert rngs[0].bit_generator.state == rngs[1].bit_generator.state
