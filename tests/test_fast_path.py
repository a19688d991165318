"""The compiled day (simulation/kernels/compiled.py) against the numpy reference path.

The comparison is exact, not statistical: the compiled kernels take the same random draws
from the model's generator in the same order and add floating-point numbers in the same
order as the numpy kernels, so the two paths must give the same runs to the last bit. An
exact test is both stricter and cheaper than a statistical one (one run per path instead of
replications), and any difference at all, however small, points at a kernel that no longer
computes its reference's rule.
"""

import numpy as np
import pytest

from simulation import metrics
from simulation.kernels import compiled
from simulation.model import QuartierModel
from simulation.scenario import apply_overrides, load_scenario, with_preset

pytestmark = pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")

CASES = {
    # scenario, preset, overrides: between them every branch the compiled day takes
    "shelter-koko": ("new_shelter", "koko", {}),
    "shelter-none": ("new_shelter", "none", {}),
    "festival-mediators": ("festival_incident", "none+mediator_pool", {}),
    "repulsive-two-rounds": ("baseline", None, {"opinion.rule": "repulsive", "opinion.rounds_per_day": 2}),
    "hk-anchored": ("baseline", None, {"opinion.rule": "hk", "residents.stubbornness_mean": 0.2}),
    "friedkin-johnsen": ("baseline", None, {"opinion.rule": "friedkin_johnsen", "residents.stubbornness_mean": 0.3}),
    "opinions-only": ("baseline", None, {"conflict.enabled": False, "administration.enabled": False}),
}


def run(case: str, use_compiled: bool, monkeypatch) -> QuartierModel:
    name, preset, overrides = CASES[case]
    monkeypatch.setattr(compiled, "ENABLED", use_compiled)
    scenario = load_scenario(f"scenarios/{name}.toml")
    if preset:
        scenario = with_preset(scenario, preset)
    scenario = apply_overrides(scenario, {"town.residents": 500, "days": 150, "warmup_days": 40, **overrides})
    model = QuartierModel(scenario, seed=3)
    model.run_for(scenario.days)
    return model


@pytest.mark.parametrize("case", list(CASES))
def test_compiled_day_gives_the_reference_run_bit_for_bit(case, monkeypatch):
    fast, reference = run(case, True, monkeypatch), run(case, False, monkeypatch)
    a = fast.model_frame().to_numpy(dtype=float)
    b = reference.model_frame().to_numpy(dtype=float)
    assert a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=True), f"first differing day: {np.flatnonzero((a != b).any(axis=1))[:1]}"
    for name in ("opinion", "tension", "threat", "grievance", "trust"):
        assert np.array_equal(getattr(fast.state, name), getattr(reference.state, name)), name
    assert np.array_equal(fast.valence, reference.valence) and np.array_equal(fast.stage, reference.stage)


def test_the_runs_compared_are_not_trivial(monkeypatch):
    """The exact comparison above means something only if the runs move: feuds, incidents
    and opinion change happen in them."""
    frame = run("shelter-koko", True, monkeypatch).model_frame()
    assert frame["incidents"].sum() > 0
    assert frame["stage4_share"].max() > 0
    assert frame["opinion_variance"].iloc[-1] != frame["opinion_variance"].iloc[0]


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 100, 128, 129, 1000, 4099, 100_003])
def test_numpy_sum_adds_in_numpys_order(n):
    x = np.random.default_rng(n).standard_normal(n) * 10.0 ** np.random.default_rng(n + 1).integers(-8, 8, n)
    assert compiled.numpy_sum(x) == x.sum()


@pytest.mark.parametrize("seed", range(5))
def test_metrics_agree_on_both_paths(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    x = np.clip(np.concatenate([rng.normal(0.3, 0.1, 700), rng.normal(0.8, 0.05, 300 + seed)]), 0, 1)
    group = rng.integers(0, 3, x.size).astype(np.int16)
    stage = rng.integers(0, 10, 5000).astype(np.int8)
    results = []
    for flag in (True, False):
        monkeypatch.setattr(compiled, "ENABLED", flag)
        results.append(
            (
                metrics.esteban_ray(x),
                metrics.esteban_ray(x, alpha=0.8),
                metrics.stage_shares(stage),
                metrics.mean_by_group(x, group, 4).tolist(),
                metrics.group_mean_distance(x, group, 3),
            )
        )
    assert repr(results[0]) == repr(results[1])


def _opinion_samples():
    """Opinion arrays that reach every branch of the compiled Esteban–Ray: sizes from 2 (a
    kernel much wider than the grid, reflected more than once) to 20,000, two camps, values
    exactly on the grid's cell centres and edges, everyone at 0 or 1, and ties."""
    rng = np.random.default_rng(11)
    yield np.array([0.2, 0.8])
    yield np.array([0.0, 0.0, 1.0])
    yield (np.arange(256) + 0.5) / 256  # every centre of the default small grid
    yield np.repeat(np.arange(0, 257) / 256, 3)  # the cell edges, each three times
    for n in (5, 40, 700, 20_000):
        yield rng.random(n)
        yield np.clip(np.concatenate([rng.normal(0.2, 0.05, n // 2), rng.normal(0.8, 0.05, n - n // 2)]), 0, 1)
        yield np.round(rng.random(n), 2)


def test_compiled_esteban_ray_is_the_reference_bit_for_bit(monkeypatch):
    """kernels/measure.py writes out scipy's reflected Gaussian correlation and numpy's
    interpolation; any difference in the order of a sum would show here first."""
    for x in _opinion_samples():
        for alpha in (0.25, 0.5, 1.0):
            monkeypatch.setattr(compiled, "ENABLED", True)
            fast = metrics.esteban_ray(x, alpha)
            monkeypatch.setattr(compiled, "ENABLED", False)
            reference = metrics.esteban_ray(x, alpha)
            assert fast == reference or (np.isnan(fast) and np.isnan(reference)), (x.size, alpha, fast, reference)


def test_structure_strength_is_numpys_mean_bit_for_bit():
    """The strength is summed in a running sum, which is numpy's order only below 8 values:
    a town has at most as many structures as the schema names, and that must stay below 8."""
    from simulation.scenario import STRUCTURE_NAMES

    assert len(STRUCTURE_NAMES) < 8
    scenario = with_preset(load_scenario("scenarios/new_shelter.toml"), "koko")
    model = QuartierModel(apply_overrides(scenario, {"town.residents": 200, "warmup_days": 5, "days": 20}), seed=4)
    assert len(model.structures) == 6
    for day in range(3):
        for k, structure in enumerate(model.structures.values()):
            # sums that round (the second day's differ when added in reverse), unlike 0 and 1
            structure.built = 0.1 * (k + 1) + 0.07 * day
        assert model.structure_strength() == float(np.mean([st.built for st in model.structures.values()]))


@pytest.mark.parametrize("size", [0, 1, 5, 127, 128, 129, 10_422])
@pytest.mark.parametrize("escalated_share", [0.0, 0.001, 1.0])
def test_tie_counts_agree_on_both_paths(size, escalated_share, monkeypatch):
    """One compiled pass over the ties counts what the reference counts with numpy, for
    towns at peace (the compiled tally skips blocks of stage-0 ties) and at war."""
    rng = np.random.default_rng(size)
    stage = (rng.integers(1, 10, size) * (rng.random(size) < escalated_share)).astype(np.int8)
    valence = rng.integers(-1, 2, size).astype(np.int8)
    cross_group = rng.random(size) < 0.3
    results = []
    for flag in (True, False):
        monkeypatch.setattr(compiled, "ENABLED", flag)
        counts, friendly_cross, cross = metrics.tie_counts(stage, valence, cross_group)
        results.append((counts.tolist(), friendly_cross, cross))
    assert results[0] == results[1]
    assert results[0][0] == np.bincount(stage, minlength=10).tolist()


@pytest.mark.parametrize("seed", range(3))
def test_resident_sums_agree_on_both_paths(seed, monkeypatch):
    """The one compiled call for the opinions' moments and the (group) means adds in the
    reference's order: the same bits."""
    rng = np.random.default_rng(seed)
    n = 2000 + 37 * seed
    x, tension, trust = rng.random(n), rng.random(n) ** 3, rng.normal(0.5, 0.2, n)
    group = rng.integers(0, 3, n).astype(np.int16)
    results = []
    for flag in (True, False):
        monkeypatch.setattr(compiled, "ENABLED", flag)
        moments, (means, by_group) = metrics.resident_sums(x, (tension, trust), (trust, x), group, 4)
        results.append(repr((moments, means.tolist(), by_group.tolist())))
    assert results[0] == results[1]


@pytest.mark.parametrize("m", [0, 1, 63, 64, 65, 1000])
def test_kept_tie_views_are_counted_afresh_views_bit_for_bit(m):
    """Tie views brought up to date day by day from the ties whose valence changed are the
    views counted afresh: on block edges (64 ties), with a few changes a day, with every
    tie changing at once, and with no change at all."""
    rng = np.random.default_rng(m)
    n = 40
    u = rng.integers(0, n, m).astype(np.int32)
    v = rng.integers(0, n, m).astype(np.int32)
    cross = rng.random(m) < 0.4
    safe_degree = np.maximum(np.bincount(u, minlength=n) + np.bincount(v, minlength=n), 1).astype(np.float64)
    valence = rng.integers(-1, 2, m).astype(np.int8)
    counts = compiled.tie_view_counts(u, v, valence, cross, safe_degree)
    for day in range(30):
        changes = m if day == 10 else (0 if day == 20 else min(m, 3))
        pick = rng.integers(0, max(m, 1), changes)
        valence[pick] = rng.integers(-1, 2, changes).astype(np.int8)
        kept = compiled.tie_views_update(u, v, valence, cross, safe_degree, counts)
        fresh = compiled.tie_views(u, v, valence, cross, safe_degree)
        for a, b in zip(kept, fresh):
            assert a.dtype == b.dtype and np.array_equal(a, b), day
        assert np.array_equal(counts[compiled.CONTACT_LIST][: counts[compiled.CONTACT_COUNT][0]],
                              np.flatnonzero(fresh[2])), day  # the kept contact list


def _climb_plainly(valence, stage, u, v, tension, r_step, r_settle, p):
    """The first loop of the compiled hostile_tie_step as it was, over every tie in index order."""
    settle, escalate, deescalate, stickiness, barrier = p
    j = 0
    for k in range(valence.size):
        if valence[k] != compiled.HOSTILE:
            continue
        mean_h = 0.5 * (tension[u[k]] + tension[v[k]])
        s = int(stage[k])
        entrenched = stickiness * (s - 1) / (compiled.MAX_STAGE - 1)
        p_up = escalate * mean_h * (barrier if s in (3, 6) else 1.0)
        if r_step[j] < p_up:
            stage[k] = min(s + 1, compiled.MAX_STAGE)
        elif r_step[j] < p_up + deescalate * (1.0 - mean_h) * (1.0 - entrenched):
            stage[k] = s - 1
            if s - 1 == 0:
                valence[k] = compiled.NEUTRAL
        if settle and r_settle[j] < settle:
            valence[k], stage[k] = compiled.NEUTRAL, 0
        j += 1


@pytest.mark.parametrize("m", [0, 1, 63, 64, 65, 130, 1000])
@pytest.mark.parametrize("hostile_share", [0.0, 0.01, 0.5, 1.0])
def test_hostile_ties_climb_visits_the_hostile_ties_in_order_and_notes_the_risen(m, hostile_share):
    """The climb skips blocks of 64 ties without a hostile one: it must change the same ties
    with the same draws as a loop over every tie (hostile ties on block edges, in the last
    partial block, none, all), and note exactly the ties it lifted to stage 7."""
    rng = np.random.default_rng(m + int(100 * hostile_share))
    n = 30
    u, v = rng.integers(0, n, m).astype(np.int32), rng.integers(0, n, m).astype(np.int32)
    tension = rng.random(n)
    valence = np.where(rng.random(m) < hostile_share, -1, rng.integers(0, 2, m)).astype(np.int8)
    if m >= 65:
        valence[[0, 63, 64, m - 1]] = -1  # on both sides of a block edge and in the last block
    stage = np.where(valence == -1, rng.integers(1, 10, m), 0).astype(np.int8)
    n_hostile = int(np.count_nonzero(valence == -1))
    r_step, r_settle = rng.random(n_hostile), rng.random(n_hostile)
    p = (0.05, 0.6, 0.3, 0.5, 0.4)
    expected_valence, expected_stage = valence.copy(), stage.copy()
    _climb_plainly(expected_valence, expected_stage, u, v, tension, r_step, r_settle, p)
    before = stage >= 7
    risen = compiled.hostile_ties_climb(valence, stage, u, v, tension, r_step, r_settle, *p, 7)
    assert np.array_equal(valence, expected_valence) and np.array_equal(stage, expected_stage)
    assert np.array_equal(risen, np.flatnonzero((stage >= 7) & ~before))
    assert compiled.hostile_ties_climb(valence, stage, u, v, tension, r_step, r_settle, *p, 10).size == 0


@pytest.mark.parametrize("m", [0, 1, 64, 1000])
@pytest.mark.parametrize("contact_share", [0.0, 0.15, 1.0])
def test_contact_threat_anchor_over_the_kept_contact_ties_is_the_reference_bit_for_bit(m, contact_share):
    """The compiled day pulls over the contact ties' list and the kept per-resident counts,
    and sums the groups' opinions in a register per run of one group: the numpy reference
    to the bit, with residents sorted by group and then an unsorted tail (newcomers), a
    resident without ties, no contact tie and every tie a contact tie."""
    from simulation.kernels import opinion as ok

    rng = np.random.default_rng(m + int(100 * contact_share))
    n = 60
    group = np.concatenate([np.repeat([0, 1, 2], 15), rng.integers(0, 3, n - 45)]).astype(np.int16)
    u = np.sort(rng.integers(0, n - 1, m)).astype(np.int32)  # sorted by u, as the town's ties are
    v = rng.integers(0, n - 1, m).astype(np.int32)  # resident n - 1 has no ties
    if m >= 64:
        u[-10:] = rng.integers(0, n - 1, 10)  # newcomers' ties appended unsorted
    x = rng.random(n)
    valence = np.where(rng.random(m) < contact_share, 1, 0).astype(np.int8)
    cross = np.ones(m, dtype=bool)
    safe_degree = np.maximum(np.bincount(u, minlength=n) + np.bincount(v, minlength=n), 1).astype(np.float64)
    threat, stubbornness, x0 = rng.random(n), rng.random(n) * 0.3, rng.random(n)
    counts = compiled.tie_view_counts(u, v, valence, cross, safe_degree)
    contact_tie, n_contact = counts[compiled.CONTACT_TIE], counts[compiled.N_CONTACT]
    contact = counts[compiled.CONTACT_LIST][: counts[compiled.CONTACT_COUNT][0]]  # the list the day reads
    assert np.array_equal(contact, np.flatnonzero(contact_tie))
    for pull, shift in ((0.05, 0.02), (0.0, 0.02), (0.05, 0.0)):
        expected = x.copy()
        if pull > 0:
            expected = ok.intergroup_contact_pull(expected, u, v, contact_tie, pull)
        expected = ok.group_threat_shift(expected, group, threat, shift, 3)
        expected = (1.0 - stubbornness) * expected + stubbornness * x0
        kept = compiled.contact_threat_anchor_at(x, u, v, contact, n_contact, pull, group, threat, shift, 3,
                                                 stubbornness, x0, True)
        fresh = compiled.contact_threat_anchor(x, u, v, contact_tie, pull, group, threat, shift, 3, stubbornness, x0, True)
        assert np.array_equal(kept, expected) and np.array_equal(fresh, expected), (pull, shift)


@pytest.mark.parametrize("m", [0, 1, 2, 500])
@pytest.mark.parametrize("tense_share", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("tail", [0, 1, 40])
def test_hostile_candidates_by_resident_are_every_candidate_tie_in_index_order(m, tense_share, tail):
    """The compiled day looks for new hostile ties among the tense residents' ties only, by
    resident over the ties sorted by u and then over the unsorted tail (newcomers' ties):
    the same ties in the same order as a test of every tie, with residents without ties,
    the last residents without ties, nobody tense and everybody tense."""
    rng = np.random.default_rng(m + tail + int(10 * tense_share))
    n = 50
    u = np.sort(rng.integers(0, n - 5, m)).astype(np.int32)  # the last five residents have no ties as u
    u[m - min(tail, m):] = rng.integers(0, n, min(tail, m))
    v = rng.integers(0, n, m).astype(np.int32)
    valence = rng.integers(-1, 2, m).astype(np.int8)
    tension = np.where(rng.random(n) < tense_share, 0.5 + 0.5 * rng.random(n), 0.5 * rng.random(n))
    tension[:2] = 0.5  # exactly at the threshold counts as tense
    opinion = rng.random(n)
    tense = tension >= 0.5
    expected = np.flatnonzero(tense[u] & tense[v] & (valence != -1) & (np.abs(opinion[u] - opinion[v]) >= 0.3))
    first_tie, sorted_end = compiled.tie_runs(u, n)
    assert sorted_end == m or u[sorted_end] < u[sorted_end - 1]
    for i in range(n):
        assert np.all(u[first_tie[i]:first_tie[i + 1]] == i) and np.count_nonzero(u[:sorted_end] == i) == first_tie[i + 1] - first_tie[i]
    by_resident = compiled.hostile_candidates_by_resident(valence, u, v, tension, 0.5, 0.3, opinion, first_tie, sorted_end)
    assert np.array_equal(by_resident, expected)
    assert np.array_equal(compiled.hostile_candidates(valence, u, v, tension, 0.5, 0.3, opinion), expected)
