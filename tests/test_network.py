"""The town generator: sizes, degrees, homophily, and the sparse views of the ties."""

import networkx as nx
import numpy as np
import pytest

from simulation.network import block_model, complete, small_world, sorted_unique, ties_from_networkx


def blocks(n_districts, n_groups, n, rng):
    b = np.sort(rng.integers(0, n_districts * n_groups, n))
    ids = np.arange(n_districts * n_groups)
    return b, ids // n_groups, ids % n_groups


def test_block_model_hits_mean_degree_and_lists_each_tie_once():
    rng = np.random.default_rng(1)
    block, bd, bg = blocks(4, 2, 20_000, rng)
    ties = block_model(block, bd, bg, 10.0, 0.8, 0.6, rng)
    assert np.all(ties.u < ties.v)
    keys = ties.u.astype(np.int64) * ties.n + ties.v
    assert np.unique(keys).size == ties.m
    # Duplicates are rare at this size (about k/n of draws), so the mean stays within 1 %.
    assert ties.degree().mean() == pytest.approx(10.0, rel=0.01)


def test_block_model_homophily_keeps_ties_local():
    """With h_d = 0.8, 4 equal districts and mixing otherwise at random, the share of ties
    inside a district is 1 / (1 + 3 (1 - 0.8)) = 0.625 (before dropping duplicates)."""
    rng = np.random.default_rng(2)
    block, bd, bg = blocks(4, 1, 40_000, rng)
    ties = block_model(block, bd, bg, 10.0, 0.8, 0.0, rng)
    district = bd[block]
    within = np.mean(district[ties.u] == district[ties.v])
    assert within == pytest.approx(0.625, abs=0.01)
    random_mix = block_model(block, bd, bg, 10.0, 0.0, 0.0, rng)
    assert np.mean(district[random_mix.u] == district[random_mix.v]) == pytest.approx(0.25, abs=0.01)


def test_small_world_has_ring_degree_and_rewires_the_right_share():
    rng = np.random.default_rng(3)
    ring = small_world(5000, 10, 0.0, rng)
    assert np.all(ring.degree() == 10)
    rewired = small_world(5000, 10, 0.2, rng)
    far = np.minimum(rewired.v - rewired.u, 5000 - (rewired.v - rewired.u)) > 5
    assert far.mean() == pytest.approx(0.2, abs=0.02)


def test_complete_graph_and_networkx_round_trip():
    ties = complete(50)
    assert ties.m == 50 * 49 // 2
    graph = nx.karate_club_graph()
    back = ties_from_networkx(graph)
    assert back.m == graph.number_of_edges()
    assert nx.is_isomorphic(back.to_networkx(), graph)


def test_adjacency_and_node_sum_agree():
    rng = np.random.default_rng(4)
    block, bd, bg = blocks(2, 2, 500, rng)
    ties = block_model(block, bd, bg, 6.0, 0.5, 0.5, rng)
    w = rng.random(ties.m)
    dense = ties.adjacency(w).toarray()
    np.testing.assert_allclose(dense.sum(axis=1), ties.node_sum(w))
    np.testing.assert_array_equal(ties.adjacency().sum(axis=1), ties.degree())


def test_add_ties_keeps_old_order_and_skips_duplicates():
    ties = complete(4)
    grown, fresh = ties.add_ties(np.array([4, 0, 5, 5]), np.array([0, 1, 5, 2]))
    np.testing.assert_array_equal(grown.u[: ties.m], ties.u)
    assert fresh.size == 2  # (0,4) and (2,5); (0,1) exists, (5,5) is a self-tie
    assert grown.n == 6
    # newcomers' ties (drawn as int64) take the town's index type: the compiled day has one
    # version to load, not one before and one after newcomers arrive
    assert grown.u.dtype == grown.v.dtype == ties.u.dtype == np.int32
    assert grown.u[ties.m :].tolist() == [0, 2] and grown.v[ties.m :].tolist() == [4, 5]


def test_block_model_builds_100k_town_without_trouble():
    rng = np.random.default_rng(5)
    block, bd, bg = blocks(10, 2, 100_000, rng)
    ties = block_model(block, bd, bg, 10.0, 0.8, 0.6, rng)
    assert 480_000 < ties.m <= 500_000


@pytest.mark.parametrize("size", [0, 1, 2, 7, 5000])
def test_sorted_unique_is_numpys_unique(size):
    """The tie keys' de-duplication must give np.unique's values, or every town's ties change."""
    rng = np.random.default_rng(size)
    keys = rng.integers(0, max(2, size // 3), size=size) * 1_000_003 + rng.integers(0, 3, size=size)
    assert np.array_equal(sorted_unique(keys), np.unique(keys))
