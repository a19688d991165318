"""Metrics against values worked out by hand."""

import math

import numpy as np
import pytest

from simulation import metrics as mt
from simulation.kernels import compiled, measure


def test_bimodality_separates_two_camps_from_one():
    rng = np.random.default_rng(0)
    one = rng.normal(0.5, 0.1, 2000)
    two = np.concatenate([rng.normal(0.2, 0.05, 1000), rng.normal(0.8, 0.05, 1000)])
    assert mt.bimodality_coefficient(one) < 5 / 9 < mt.bimodality_coefficient(two)
    # Uniform: skewness 0, excess kurtosis -1.2 -> BC = 1 / (3 - 1.2) = 5/9 (large n).
    assert mt.bimodality_coefficient(rng.random(200_000)) == pytest.approx(5 / 9, abs=0.005)


def test_esteban_ray_is_zero_at_consensus_and_highest_for_two_equal_poles():
    assert mt.esteban_ray(np.full(100, 0.5)) == 0.0
    poles = mt.esteban_ray(np.array([0.0] * 50 + [1.0] * 50))
    assert poles > mt.esteban_ray(np.array([0.0] * 80 + [1.0] * 20))
    assert poles > mt.esteban_ray(np.random.default_rng(0).random(100))


@pytest.mark.parametrize("spread", [0.02, 0.05, 0.1])
def test_esteban_ray_grows_with_the_distance_between_two_camps(spread):
    """A family of two-pole towns (two equal camps at 0.5 +- d/2 with a given spread): the
    measure must rise with d at every step of 0.05, and shifting every opinion by a fraction
    of a grid cell must not change it (no bin edges). Same seed for every d, so the steps
    compare like with like."""
    values = []
    for d in np.arange(0.1, 0.71, 0.05):
        z = np.random.default_rng(3).normal(0, spread, (2, 2000))
        x = np.clip(np.concatenate([0.5 - d / 2 + z[0], 0.5 + d / 2 + z[1]]), 0, 1)
        values.append(mt.esteban_ray(x))
        assert mt.esteban_ray(np.clip(x + 0.0004, 0, 1)) == pytest.approx(values[-1], rel=0.01)
    assert np.all(np.diff(values) > 0), values


def test_feuds_per_thousand_counts_stage_four_and_up():
    assert mt.feuds_per_thousand(np.array([0, 3, 4, 9]), residents=200) == 10.0

def test_clusters_counted_by_gaps_and_major_share():
    x = np.array([0.1] * 49 + [0.5] * 50 + [0.9])
    assert mt.opinion_clusters(x, gap=0.02, major_share=0.02) == (3, 2)


def test_stage_shares_and_escalation_index():
    stage = np.array([0, 0, 0, 1, 4, 7, 9, 0, 0, 0], dtype=np.int8)
    shares = mt.stage_shares(stage)
    assert shares == {"hostile_share": 0.4, "stage4_share": 0.3, "stage7_share": 0.2}
    assert mt.escalation_index(stage) == pytest.approx((1 + 4 + 7 + 9) / 10 / 9)


def test_group_distance_and_means():
    x = np.array([0.2, 0.4, 0.7, 0.9])
    g = np.array([0, 0, 1, 1])
    assert mt.group_mean_distance(x, g, 2) == pytest.approx(0.5)
    np.testing.assert_allclose(mt.mean_by_group(x, g, 2), [0.3, 0.8])
    assert math.isnan(mt.mean_by_group(x, g, 3)[2])


def test_cross_group_friendly_share():
    friendly = np.array([True, False, True, True])
    cross = np.array([True, True, False, False])
    assert mt.cross_group_friendly_share(friendly, cross) == 0.5


def test_shock_response_on_a_known_curve():
    e = np.full(100, 0.1)
    e[29:40] = np.linspace(0.5, 0.1, 11)  # shock on day 30: jumps to 0.5, back by day 40
    r = mt.shock_response(e, shock_day=30)
    assert r["baseline"] == pytest.approx(0.1)
    assert r["peak"] == 0.5 and r["peak_day"] == 30
    # Level 0.1 + 0.1 * 0.4 = 0.14 is first reached on index 38 (0.14), i.e. 9 days after.
    assert r["days_to_deescalation"] == 9
    assert r["excess_burden"] == pytest.approx(np.sum(np.linspace(0.5, 0.1, 11) - 0.1))
    never = mt.shock_response(np.concatenate([np.full(10, 0.1), np.full(20, 0.9)]), shock_day=11)
    assert math.isnan(never["days_to_deescalation"])


def test_shock_response_after_the_end_of_the_run_is_not_measured():
    r = mt.shock_response(np.full(30, 0.1), shock_day=60)
    assert all(math.isnan(v) for v in r.values())


def test_the_reporter_of_a_metric_gives_the_days_recorded_value():
    """``model.metric`` (the DataCollector's reporter) reads the row ``_measure`` recorded."""
    from simulation.model import QuartierModel
    from simulation.scenario import apply_overrides, load_scenario

    scenario = apply_overrides(load_scenario("scenarios/new_shelter.toml"),
                               {"town.residents": 200, "warmup_days": 5, "days": 10})
    model = QuartierModel(scenario, seed=1)
    model.run_for(3)
    for name, column in model.datacollector.model_vars.items():
        assert len(column) == 4
        assert model.metric(name) is column[-1]


@pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")
@pytest.mark.parametrize("layout", ["blocks", "interleaved", "one_group", "empty_group", "one_resident", "none"])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 7])
def test_group_sums_in_runs_add_in_bincounts_order(layout, k):
    """Group sums carried in registers while the group stays the same (three arrays side by
    side, the last repeated) are ``np.bincount``'s to the bit, whether the groups come in
    blocks (one a single resident), alternate resident by resident, are one group, leave a
    group empty, or the town has one resident or nobody."""
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
    # values of many magnitudes, so that any other order of additions would show
    size = group.size
    arrays = tuple(rng.standard_normal(size) * 10.0 ** rng.integers(-6, 6, size) for _ in range(k))
    counts, sums = measure.group_sums_in_runs(arrays, group, 3)
    assert counts.tolist() == np.bincount(group, minlength=3).tolist()
    for j, a in enumerate(arrays):
        assert sums[:, j].tolist() == np.bincount(group, weights=a, minlength=3).tolist()


@pytest.mark.parametrize("districts", [0, 1, 5, 63, 64, 65, 200])
def test_districts_on_alert_counts_as_count_nonzero_does(districts):
    """Districts alerted until today or later, counted in plain Python with the small counts'
    numpy scalars made once: the value and type of ``np.count_nonzero`` (the table's type),
    also past the counts made beforehand."""
    from types import SimpleNamespace

    from simulation.indicators import DAILY

    compute = next(m.compute for m in DAILY if m.name == "districts_on_alert")
    rng = np.random.default_rng(districts)
    for day in (0, 3, 10):
        alert_until = rng.integers(-1, 12, districts).astype(np.int64)
        alert_until[: districts // 2] = 20  # many alerted at once
        got = compute(SimpleNamespace(day=day, alert_until=alert_until))
        expected = np.int64(np.count_nonzero(alert_until >= day))
        assert type(got) is np.int64 and got == expected


def test_staff_hours_add_the_structures_hours_in_their_order():
    """Staff hours: the day's counted hours plus the sum of the structures' hours taken in
    the registry's order (``sum`` over them, as the metric always took it: the same bits)."""
    from types import SimpleNamespace

    from simulation.indicators import DAILY

    compute = next(m.compute for m in DAILY if m.name == "staff_hours")
    # hours whose sum depends on their order (even with sum's compensated addition)
    hours = [2745646630997781.0, -2463493452343571.5, 1.3020153534647937e-17, 4.077178654137947e-17,
             -5984944470487219.0]
    town = SimpleNamespace(
        counts={"staff_hours": 2.5, "training_hours": 0.2},
        structures={f"s{k}": SimpleNamespace(hours_today=h) for k, h in enumerate(hours)},
    )
    assert compute(town) == 2.5 + 0.2 + sum(st.hours_today for st in town.structures.values())
    assert compute(SimpleNamespace(counts=town.counts, structures={})) == 2.5 + 0.2


def _edge_samples():
    """Opinion samples on the density grid's edges: residents below the first and above the
    last cell centre, exactly on centres, at 0 and 1, many equal values, a tiny town."""
    rng = np.random.default_rng(11)
    grid = 256
    centres = (np.arange(grid) + 0.5) / grid
    yield "camps", np.clip(np.concatenate([rng.normal(0.2, 0.05, 900), rng.normal(0.8, 0.05, 600)]), 0, 1)
    yield "ends", np.concatenate([np.zeros(40), np.ones(30), rng.random(500), np.full(20, 0.5 / grid)])
    yield "on_centres", np.concatenate([centres[rng.integers(0, grid, 800)], rng.random(300)])
    yield "equal", np.concatenate([np.full(700, 0.3), np.full(5, 0.31)])
    yield "tiny", np.array([0.1, 0.9, 0.5])


@pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")
@pytest.mark.parametrize("name,x", list(_edge_samples()))
def test_esteban_ray_compiled_is_the_references_to_the_bit_on_grid_edges(name, x, monkeypatch):
    """The compiled Esteban-Ray measure (cached cell centres, the running sum advanced in
    the interpolation's walk) gives the numpy reference's bits, for every alpha branch."""
    for alpha in (0.5, 0.25, 1.0):
        results = []
        for flag in (True, False):
            monkeypatch.setattr(compiled, "ENABLED", flag)
            results.append(mt.esteban_ray(x, alpha=alpha))
        assert repr(results[0]) == repr(results[1]), (name, alpha, results)
