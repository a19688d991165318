"""The compiled day's sums over the residents against numpy, to the bit."""

import numpy as np
import pytest

from simulation.kernels import compiled, measure

pytestmark = pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")


@pytest.mark.parametrize("n", [1, 5, 7, 8, 9, 15, 16, 17, 64, 127, 128, 129, 136, 255, 256, 257, 1000, 2120, 4099, 70001])
def test_central_moments_without_arrays_of_terms_are_numpys(n):
    """The moments summed where their terms are worked out (numpy's pairwise order: below
    8 values, 8 partial sums up to 128, halves on multiples of 8 above) are numpy's
    ``np.mean(d2)``, ``np.mean(d2 * d)``, ``np.mean(d2 * d2)`` to the bit, on sizes at
    every edge of that order."""
    rng = np.random.default_rng(n)
    # values of many magnitudes, so that any other order of additions would show
    x = rng.random(n) * 10.0 ** rng.integers(-4, 4, n)
    d = x - x.mean()
    d2 = d * d
    reference = (float(np.mean(d2)), float(np.mean(d2 * d)), float(np.mean(d2 * d2)))
    assert measure.central_moments(x) == reference
    assert measure.central_moments(x) == compiled.central_moments(x)


@pytest.mark.parametrize("layout", ["blocks", "interleaved", "one_group", "empty_group", "one_resident", "none"])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 7])
def test_group_sums_by_resident_add_in_bincounts_order(layout, k):
    """Group sums carried in registers while the group stays the same are
    ``np.bincount``'s to the bit, and ``group_sums_in_runs``' too: groups in blocks
    (one a single resident), alternating resident by resident, one group, a group left
    empty, one resident, nobody."""
    rng = np.random.default_rng(k)
    n = 1500
    group = {
        "blocks": np.repeat(np.array([0, 2, 1, 0, 2]), [400, 1, 299, 500, 300]),
        "interleaved": rng.integers(0, 3, n),
        "one_group": np.zeros(n, dtype=np.int64),
        "empty_group": np.repeat(np.array([0, 2]), [700, 800]),
        "one_resident": np.array([1]),
        "none": np.zeros(0, dtype=np.int64),
    }[layout].astype(np.int16)
    arrays = tuple(rng.standard_normal(group.size) * 10.0 ** rng.integers(-6, 6, group.size) for _ in range(k))
    counts, sums = measure.group_sums_by_resident(arrays, group, 3)
    assert counts.tolist() == np.bincount(group, minlength=3).tolist()
    for j, a in enumerate(arrays):
        assert sums[:, j].tolist() == np.bincount(group, weights=a, minlength=3).tolist()
    if group.size:
        in_runs = measure.group_sums_in_runs(arrays, group, 3)
        assert counts.tolist() == in_runs[0].tolist() and sums.tolist() == in_runs[1].tolist()
