"""The town's social network: generated as a numpy edge list, stored as a sparse adjacency.

Every generator returns a :class:`Ties` object: two int arrays ``u < v`` listing each
undirected tie once (sorted, no self-ties, no duplicates). Tie states (valence, Glasl
stage) are arrays aligned with these. Per-resident sums over ties use ``np.bincount`` on
both ends, which is as fast as a sparse product and keeps one ordering of ties.

networkx is used only where a user hands in a graph (:func:`ties_from_networkx`) or for
analysis (:meth:`Ties.to_networkx`); its own generators are far too slow at 100,000 nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["Ties", "sorted_unique", "block_model", "small_world", "complete", "ties_from_networkx", "build_ties"]


@dataclass(frozen=True)
class Ties:
    """Undirected ties of ``n`` residents, each listed once with ``u < v``."""

    n: int
    u: np.ndarray
    v: np.ndarray

    @property
    def m(self) -> int:
        return int(self.u.size)

    def degree(self) -> np.ndarray:
        return np.bincount(self.u, minlength=self.n) + np.bincount(self.v, minlength=self.n)

    def node_sum(self, per_tie: np.ndarray) -> np.ndarray:
        """Sum a per-tie quantity onto both ends: result[i] = sum over ties of i."""
        w = per_tie.astype(np.float64, copy=False)
        return np.bincount(self.u, weights=w, minlength=self.n) + np.bincount(
            self.v, weights=w, minlength=self.n
        )

    def adjacency(self, weights: np.ndarray | None = None) -> sp.csr_array:
        """Symmetric sparse adjacency (CSR); ``weights`` per tie, default 1."""
        w = np.ones(self.m) if weights is None else weights
        rows = np.concatenate([self.u, self.v])
        cols = np.concatenate([self.v, self.u])
        return sp.csr_array((np.concatenate([w, w]), (rows, cols)), shape=(self.n, self.n))

    def to_networkx(self):
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from(zip(self.u.tolist(), self.v.tolist()))
        return graph

    def add_ties(self, u: np.ndarray, v: np.ndarray) -> tuple["Ties", np.ndarray]:
        """Ties with new ones appended (existing order kept); returns the indices of the new ones.

        Self-ties and ties already present are dropped, so tie states stay aligned: the old
        ties keep their indices and the returned indices point at the appended ones.
        """
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        keep = lo != hi
        lo, hi = lo[keep], hi[keep]
        n = max(self.n, int(hi.max()) + 1 if hi.size else self.n)
        key_old = self.u.astype(np.int64) * n + self.v
        key_new = lo.astype(np.int64) * n + hi
        key_new, first = np.unique(key_new, return_index=True)
        fresh = ~np.isin(key_new, key_old)
        lo, hi = lo[first][fresh], hi[first][fresh]
        new_index = np.arange(self.m, self.m + lo.size)
        # One index type for old and new ties (not int32 before newcomers and int64 after):
        # each compiled kernel then has one version to load, not two.
        index_type = _index_type(n)
        ties = Ties(n, np.concatenate([self.u, lo]).astype(index_type, copy=False),
                    np.concatenate([self.v, hi]).astype(index_type, copy=False))
        return ties, new_index


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` for a 1-d integer array: the same sorted distinct values.

    numpy 2.3 and later take a hash table for integer ``np.unique`` and then sort its
    result; on the five million tie keys of a city that is 5 s, a sort and one comparison
    pass 0.1 s.
    """
    s = np.sort(a)
    first = np.empty(s.size, dtype=bool)
    first[:1] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    return s[first]


def _canonical(n: int, u: np.ndarray, v: np.ndarray) -> Ties:
    """Drop self-ties and duplicates, orient ``u < v``, sort by (u, v)."""
    lo = np.minimum(u, v).astype(np.int64)
    hi = np.maximum(u, v).astype(np.int64)
    keep = lo != hi
    key = sorted_unique(lo[keep] * n + hi[keep])
    index_type = _index_type(n)
    return Ties(n, (key // n).astype(index_type), (key % n).astype(index_type))


def _index_type(n: int) -> type:
    """Residents' indices fit 32 bits below 2³¹ residents: half the memory of a town's ties."""
    return np.int32 if n < 2**31 else np.int64


def block_model(
    block: np.ndarray,
    block_district: np.ndarray,
    block_group: np.ndarray,
    mean_degree: float,
    district_homophily: float,
    group_homophily: float,
    rng: np.random.Generator,
) -> Ties:
    """A stochastic block model over (district, group) blocks, generated in O(ties).

    Each resident sends ``mean_degree / 2`` ties (rounded at random so the mean is exact).
    A tie from block ``a`` lands in block ``b`` with probability proportional to
    ``size(b) * (1 if same district else 1 - h_d) * (1 if same group else 1 - h_g)``, at a
    uniformly chosen resident of ``b``. With both homophilies 0 this is an Erdős–Rényi
    graph; near 1 ties stay inside a district and group. Duplicates and self-ties are
    dropped, so the realised mean degree is a little below the target in tiny towns.

    Parameters
    ----------
    block : int array (n,), block of each resident; residents must be sorted by block.
    block_district, block_group : int arrays (B,), district and group of each block.
    mean_degree, district_homophily, group_homophily : as in the scenario schema.
    rng : the model's generator.

    References
    ----------
    Holland, Laskey & Leinhardt (1983), Stochastic blockmodels, Social Networks 5(2).
    """
    n = block.size
    n_blocks = block_district.size
    sizes = np.bincount(block, minlength=n_blocks)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    same_d = block_district[:, None] == block_district[None, :]
    same_g = block_group[:, None] == block_group[None, :]
    affinity = np.where(same_d, 1.0, 1.0 - district_homophily) * np.where(
        same_g, 1.0, 1.0 - group_homophily
    )
    weight = affinity * sizes[None, :]
    weight /= weight.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(weight, axis=1)
    cumulative[:, -1] = 1.0

    half = mean_degree / 2.0
    stubs = np.floor(half).astype(np.int64) + (rng.random(n) < half - np.floor(half))
    source = np.repeat(np.arange(n), stubs)
    draws = rng.random(source.size)
    target_block = np.empty(source.size, dtype=np.int64)
    # Sources are sorted by block (residents are), so each block's stubs are one slice.
    bounds = np.searchsorted(block[source], np.arange(n_blocks + 1))
    for a in range(n_blocks):
        lo, hi = bounds[a], bounds[a + 1]
        target_block[lo:hi] = np.searchsorted(cumulative[a], draws[lo:hi], side="right")
    np.minimum(target_block, n_blocks - 1, out=target_block)
    target = starts[target_block] + np.floor(
        rng.random(source.size) * sizes[target_block]
    ).astype(np.int64)
    return _canonical(n, source, target)


def small_world(n: int, mean_degree: float, rewire_probability: float, rng: np.random.Generator) -> Ties:
    """Watts–Strogatz: a ring where each resident knows ``k/2`` on each side, then each tie's
    far end is rewired to a uniform resident with probability ``p``.

    Residents are ordered by district, so ring neighbours live in the same part of town.

    References
    ----------
    Watts & Strogatz (1998), Collective dynamics of 'small-world' networks, Nature 393.
    """
    half = max(1, int(round(mean_degree / 2.0)))
    source = np.repeat(np.arange(n), half)
    target = (source + np.tile(np.arange(1, half + 1), n)) % n
    rewire = rng.random(source.size) < rewire_probability
    target[rewire] = rng.integers(0, n, size=int(rewire.sum()))
    return _canonical(n, source, target)


def complete(n: int) -> Ties:
    """Everyone knows everyone: n(n−1)/2 ties (for validation against the literature)."""
    u, v = np.triu_indices(n, k=1)
    return Ties(n, u.astype(_index_type(n)), v.astype(_index_type(n)))


def ties_from_networkx(graph) -> Ties:
    """Ties from a networkx graph whose nodes are 0..n−1 (relabel others first)."""
    n = graph.number_of_nodes()
    nodes = set(graph.nodes)
    if nodes != set(range(n)):
        raise ValueError("graph nodes must be the integers 0..n-1; use nx.convert_node_labels_to_integers")
    edges = np.array(list(graph.edges), dtype=np.int64).reshape(-1, 2)
    return _canonical(n, edges[:, 0], edges[:, 1])


def build_ties(network, block, block_district, block_group, rng) -> Ties:
    """The network a scenario asks for (``network`` is the schema's ``town.network``)."""
    n = block.size
    if network.kind == "complete":
        return complete(n)
    if network.kind == "small_world":
        return small_world(n, network.mean_degree, network.rewire_probability, rng)
    return block_model(
        block,
        block_district,
        block_group,
        network.mean_degree,
        network.district_homophily,
        network.group_homophily,
        rng,
    )
