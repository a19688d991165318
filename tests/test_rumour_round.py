"""The rumour round walked in plain Python against the numpy batches it replaced (which the
kernel keeps for many spreaders): the same states, the same residents returned in the same
order, and the same draws."""

import numpy as np
import pytest

import simulation.kernels.rumour as rumour
from simulation.kernels.rumour import IGNORANT, SPREADER, STIFLER, maki_thompson_round
from simulation.network import complete


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
@pytest.mark.parametrize("n", [300, 2500])
def test_round_walked_in_python_matches_the_numpy_batches(batches, stifling, graph, n, monkeypatch):
    """Every round twice, once with every spreader count on the plain-Python side of
    FEW_SPREADERS and once on the numpy batches' side."""
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
            monkeypatch.setattr(rumour, "FEW_SPREADERS", 0)  # numpy batches
            old = maki_thompson_round(states[0], adjacency.indptr, adjacency.indices, rngs[0], stifling, batches)
            monkeypatch.setattr(rumour, "FEW_SPREADERS", 10**9)  # plain Python
            new = maki_thompson_round(states[1], adjacency.indptr, adjacency.indices, rngs[1], stifling, batches)
            assert new.tolist() == old.tolist()
            assert new.dtype == old.dtype
            assert np.array_equal(states[0], states[1])
            assert rngs[0].bit_generator.state == rngs[1].bit_generator.state


def test_believers_ties_toward_the_target_group_are_those_of_a_mask_over_every_tie(baseline):
    """The ties a rumour may turn hostile, found among the ties with a target-group member at
    one end (kept until the town's ties change): the same ties, ascending, as two masks over
    every tie, also after an influx has replaced the ties."""
    from types import SimpleNamespace

    from simulation.model import QuartierModel
    from simulation.scenario import apply_overrides
    from simulation.shocks import RumourProcess

    model = QuartierModel(apply_overrides(baseline, {"town.residents": 400, "warmup_days": 0}), seed=3)
    spec = SimpleNamespace(threat=0.1, hostility_probability=0.5)
    target = 1
    rumour = RumourProcess(model, spec, target, np.array([0]))
    for step in range(2):
        s, u, v = model.state, model.ties.u, model.ties.v
        believer = np.zeros(s.n, dtype=bool)
        believer[np.random.default_rng(step).choice(s.n, s.n // 3, replace=False)] = True
        believer &= s.group != target
        expected = np.flatnonzero((believer[u] & (s.group[v] == target)) | (believer[v] & (s.group[u] == target)))
        (to_v, u_of), (to_u, v_of) = rumour._ties_toward_target(model)
        found = np.sort(np.concatenate((to_v[believer[u_of]], to_u[believer[v_of]])))
        assert found.tolist() == expected.tolist() and expected.size
        model.add_residents(target, 0, 20, 3)  # new ties: found again
        rumour.on_residents_added(model, 20)
