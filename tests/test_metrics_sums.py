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


@pytest.mark.parametrize("n", [0, 1, 127, 128, 129, 255, 256, 257, 1000, 10412])
@pytest.mark.parametrize("mix", ["random", "all_cross_friendly", "none_cross", "quiet"])
@pytest.mark.parametrize("dtype", [np.int8, np.int64])
def test_tie_counts_in_bytes_are_numpys(n, mix, dtype):
    """The tie metrics' counts kept in bytes block by block are ``np.bincount``'s and
    ``np.count_nonzero``'s: on the blocks' edges, with every tie friendly and cross-group
    (a block's byte counts reach 128), none cross-group, and a quiet town (one escalated
    tie in the last full block and one in the tail); int8 as in the model, int64 too."""
    rng = np.random.default_rng(n)
    stage = rng.integers(0, 10, n) * (rng.random(n) < 0.3)
    valence = rng.integers(-1, 2, n)
    cross_group = rng.random(n) < 0.4
    if mix == "all_cross_friendly":
        valence[:] = 1
        cross_group[:] = True
    elif mix == "none_cross":
        cross_group[:] = False
    elif mix == "quiet":
        stage[:] = 0
        if n:
            stage[[max(n - n % 128 - 1, 0), n - 1]] = [9, 4]
    stage, valence = stage.astype(dtype), valence.astype(dtype)
    counts, both, total = measure.tie_counts(stage, valence, 1, cross_group)
    assert counts.tolist() == np.bincount(stage, minlength=10).tolist()
    assert (both, total) == (np.count_nonzero((valence == 1) & cross_group), np.count_nonzero(cross_group))
    assert counts.tolist() == measure.stage_counts(stage).tolist()
