"""The case handling's single whole-number draw against numpy's (tests/test_speed_<area>.py)."""

import numpy as np
import pytest

from simulation.administration import _integer


@pytest.mark.parametrize("units", [2, 3, 7, 1000])
def test_one_whole_number_is_numpys_and_leaves_the_same_state(units):
    """``_integer(rng, 1, units)`` (the compiled kernels' bounded draw where they run) gives
    ``rng.integers(1, units, size=1)``'s number and leaves the generator in the same state,
    its 32-bit half-word included, whatever was drawn before."""
    for seed in range(20):
        mine, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
        for rng in (mine, numpys):
            rng.integers(1, units, size=seed % 3)  # a 32-bit half-word may be left over
        for _ in range(3):
            assert [_integer(mine, 1, units)] == numpys.integers(1, units, size=1).tolist()
            assert mine.bit_generator.state == numpys.bit_generator.state
            assert mine.random() == numpys.random()
