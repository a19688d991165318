"""Draws from the model's generator inside compiled code (simulation/kernels/draws.py)
against numpy's own: the same numbers and the same generator state afterwards.

Exact, not statistical: the compiled day must take the very numbers the numpy reference
takes, or runs stop being bit-identical. Sizes cover both branches of ``choice`` (Floyd's
algorithm, and the tail shuffle above 10,000 with more than a fiftieth drawn), the empty
draw, ``high = 1`` (no bits used) and ranges that make Lemire's method reject draws.
"""

import numpy as np
import pytest

from simulation.kernels import compiled

pytestmark = pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")


def pair(seed):
    return np.random.default_rng(seed), np.random.default_rng(seed)


def same_state(a, b):
    return a.bit_generator.state == b.bit_generator.state


@pytest.mark.parametrize("seed", range(40))
def test_random_integers_and_choice_are_numpys(seed):
    from simulation.kernels import draws

    a, b = pair(seed)
    h = draws.handle(b)
    # an odd number of 32-bit draws first, so a buffered half word is in play
    assert np.array_equal(a.integers(0, 7, size=3), draws.integers(h, 7, 3)) and same_state(a, b)
    pop = int(a.integers(1, 40_000))
    b.integers(1, 40_000)
    size = int(a.integers(0, min(pop, 1_500) + 1))
    b.integers(0, min(pop, 1_500) + 1)
    assert np.array_equal(a.choice(pop, size=size, replace=False), draws.choice(h, pop, size)) and same_state(a, b)
    assert np.array_equal(a.integers(0, pop, size=size), draws.integers(h, pop, size)) and same_state(a, b)
    assert np.array_equal(a.random(size), draws.randoms(h, size)) and same_state(a, b)
    assert a.random() == draws.random(h) and same_state(a, b)


@pytest.mark.parametrize(("pop", "size"), [(1, 0), (1, 1), (10_000, 300), (10_001, 201), (10_001, 200), (30_000, 30_000),
                                           (2**31 + 11, 5)])
def test_choice_branches_and_edges(pop, size):
    from simulation.kernels import draws

    a, b = pair(pop + size)
    h = draws.handle(b)
    assert np.array_equal(a.choice(pop, size=size, replace=False), draws.choice(h, pop, size)) and same_state(a, b)
    assert np.array_equal(a.integers(0, 1, size=4), draws.integers(h, 1, 4)) and same_state(a, b)
    # 3·2³⁰ rejects about a quarter of the 32-bit draws
    assert np.array_equal(a.integers(0, 3 * 2**30, size=500), draws.integers(h, 3 * 2**30, 500)) and same_state(a, b)


@pytest.mark.parametrize(("pop", "size"), [(1, 0), (1, 1), (64, 64), (65, 63), (10_410, 52), (10_410, 94), (10_001, 201),
                                           (30_000, 30_000), (2**31 + 11, 5)])
def test_sorted_choice_is_numpys_choice_sorted(pop, size):
    """The bitmap's order (and np.sort where the bitmap would be too long) is np.sort's."""
    from simulation.kernels import draws

    a, b = pair(pop + size)
    h = draws.handle(b)
    for _ in range(3):
        want = np.sort(a.choice(pop, size=size, replace=False))
        got = draws.sorted_choice(h, pop, size)
        assert got.dtype == want.dtype and np.array_equal(got, want) and same_state(a, b)


def test_a_copied_model_draws_from_its_own_generator():
    """The compiled day finds the generator's C state by address: a deep copy of a model
    (new generator, same state) must continue exactly like the original, not draw from it."""
    import copy

    from simulation.model import QuartierModel
    from simulation.scenario import apply_overrides, load_scenario, with_preset

    scenario = apply_overrides(with_preset(load_scenario("scenarios/new_shelter.toml"), "koko"),
                               {"town.residents": 400, "warmup_days": 10, "days": 40})
    model = QuartierModel(scenario, seed=2)
    model.run_for(5)
    twin = copy.deepcopy(model)
    model.run_for(10)
    twin.run_for(10)
    assert model.model_frame().equals(twin.model_frame())
    assert model.rng.bit_generator.state == twin.rng.bit_generator.state


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(("n", "p"), [(0, 0.3), (7, 0.0), (1, 1.0), (10_410, 0.005), (10_410, 0.009), (4_000, 0.005),
                                      (50, 0.5), (60, 0.7), (10_000, 0.97), (10_410, 0.049), (1_000_000, 0.3),
                                      (200, 0.45), (35, 0.99)])
def test_binomial_is_numpys(seed, n, p):
    """Inversion (mean up to 30) and BTPE, p above and below a half; many draws a case, so
    BTPE's rarer steps (its tails, and the squeeze far from the mode) are taken too."""
    from simulation.kernels import draws

    a, b = pair(seed)
    h = draws.handle(b)
    for _ in range(300):
        assert a.binomial(n, p) == draws.binomial(h, n, p)
    assert same_state(a, b)
