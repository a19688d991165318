"""The conflict kernels in controlled settings."""

import numpy as np
import pytest

from simulation.kernels import conflict as ck
from simulation.network import complete
from simulation.scenario import Conflict


def two_node_tie(tension, opinions=(0.1, 0.9)):
    u, v = np.array([0]), np.array([1])
    return u, v, np.array(opinions, dtype=float), np.array(tension, dtype=float)


def test_tense_far_apart_pair_turns_hostile_and_calm_pair_does_not():
    p = Conflict(turn_hostile_probability=1.0, befriend_probability=0.0, unfriend_probability=0.0)
    rng = np.random.default_rng(0)
    u, v, x, h = two_node_tie([0.8, 0.8])
    valence, stage = np.array([ck.NEUTRAL], np.int8), np.array([0], np.int8)
    assert ck.update_ties(valence, stage, u, v, x, h, np.full(2, 0.2), p, rng) == 1
    assert valence[0] == ck.HOSTILE and stage[0] == 1
    u, v, x, h = two_node_tie([0.2, 0.8])
    valence, stage = np.array([ck.NEUTRAL], np.int8), np.array([0], np.int8)
    assert ck.update_ties(valence, stage, u, v, x, h, np.full(2, 0.2), p, rng) == 0


def test_stages_climb_with_tension_and_fall_without():
    """Stage moves up w.p. p_up*h and down w.p. p_down*(1-h): the mean drift per day of
    1,000 ties is p*(2h-1); after 5 days at h = 0.9 the mean stage rises by about
    5 * 0.3 * 0.8 = 1.2, at h = 0.1 it falls by about as much."""
    p = Conflict(escalate_probability=0.3, deescalate_probability=0.3, turn_hostile_probability=0.0,
                 befriend_probability=0.0, unfriend_probability=0.0, resolution_probability=0.0,
                     stage_stickiness=0.0, threshold_barrier=1.0)
    n = 2000
    u, v = np.arange(0, n, 2), np.arange(1, n, 2)
    x = np.zeros(n)
    for h, sign in ((0.9, 1), (0.1, -1)):
        valence = np.full(u.size, ck.HOSTILE, np.int8)
        stage = np.full(u.size, 5, np.int8)
        rng = np.random.default_rng(1)
        for _ in range(5):
            ck.update_ties(valence, stage, u, v, x, np.full(n, h), np.full(n, 0.2), p, rng)
        # 1,000 ties, per-tie sd of the 5-day change about 1.1: SE of the mean ~0.035.
        assert stage.mean() - 5 == pytest.approx(sign * 1.2, abs=0.15)
        assert stage.max() <= ck.MAX_STAGE and stage.min() >= 0


def test_calmed_tie_becomes_neutral_at_stage_zero():
    p = Conflict(escalate_probability=0.0, deescalate_probability=1.0, turn_hostile_probability=0.0,
                 befriend_probability=0.0, unfriend_probability=0.0)
    u, v, x, h = two_node_tie([0.0, 0.0])
    valence, stage = np.array([ck.HOSTILE], np.int8), np.array([1], np.int8)
    ck.update_ties(valence, stage, u, v, x, h, np.full(2, 0.2), p, np.random.default_rng(0))
    assert valence[0] == ck.NEUTRAL and stage[0] == 0


def test_incidents_only_at_or_above_the_minimum_stage_and_scale_with_stage():
    rng = np.random.default_rng(2)
    stage = np.repeat(np.arange(10, dtype=np.int8), 20_000)
    hits = ck.draw_incidents(stage, 4, 0.6, rng)
    assert stage[hits].min() == 4
    rate = np.bincount(stage[hits], minlength=10) / 20_000
    # Expected 0.6 * (k - 3) / 6: 0.1 at stage 4 ... 0.6 at stage 9; SE <= 0.0035.
    np.testing.assert_allclose(rate[4:], 0.6 * np.arange(1, 7) / 6, atol=0.015)
    assert rate[:4].sum() == 0


def test_granovetter_cascade_follows_thresholds():
    """A complete graph of 10: one seed is 1/9 of everyone's neighbours. Thresholds 0.1
    join in round one; then 0.25 residents see (1+k)/9 and join in turn; 0.9 never."""
    ties = complete(10)
    adjacency = ties.adjacency()
    threshold = np.array([0.0, 0.1, 0.1, 0.25, 0.25, 0.9, 0.9, 0.9, 0.9, 0.9])
    seeds = np.zeros(10, bool)
    seeds[0] = True
    active = ck.granovetter_cascade(seeds, adjacency, ties.degree(), threshold, np.ones(10, bool), 10)
    np.testing.assert_array_equal(active, [True] * 5 + [False] * 5)
    calm = np.ones(10, bool)
    calm[3:5] = False
    active = ck.granovetter_cascade(seeds, adjacency, ties.degree(), threshold, calm, 10)
    np.testing.assert_array_equal(active, [True] * 3 + [False] * 7)


def test_tension_drive_weights_and_clipping():
    p = Conflict(weight_hostile_ties=0.5, weight_grievance=0.2, weight_threat=0.3, weight_opinion_distance=0.4,
                 contact_relief=0.5, weight_distrust=0.2)
    one = np.ones(1)
    d = ck.tension_drive(0.1 * one, 0.5 * one, 0.2 * one, 0.1 * one, 0.5 * one, 0.2 * one, p, 0.6 * one)
    assert d[0] == pytest.approx(0.1 + 0.25 + 0.04 + 0.03 + 0.2 - 0.1 + 0.2 * 0.4)
    assert ck.tension_drive(one, one, one, one, one, 0 * one, p, one)[0] == 1.0


def test_hostile_ties_settle_at_the_resolution_rate():
    """Calm-free setting (h = 0.5: up and down equally likely) with resolution 0.1: after one
    day about 10 % of 5,000 hostile ties are neutral (SE 0.4 %)."""
    p = Conflict(resolution_probability=0.1, turn_hostile_probability=0.0, befriend_probability=0.0,
                 unfriend_probability=0.0)
    u, v = np.arange(0, 10_000, 2), np.arange(1, 10_000, 2)
    valence = np.full(u.size, ck.HOSTILE, np.int8)
    stage = np.full(u.size, 5, np.int8)
    ck.update_ties(valence, stage, u, v, np.zeros(10_000), np.full(10_000, 0.5), np.full(10_000, 0.2), p,
                   np.random.default_rng(0))
    assert np.mean(valence == ck.NEUTRAL) == pytest.approx(0.1, abs=0.015)
    assert np.all(stage[valence == ck.NEUTRAL] == 0)


def test_higher_glasl_stages_entrench():
    """With stickiness, a stage-8 feud at mean tension 0.5 falls a stage with probability
    0.3*0.5*(1 - 0.5*7/8) = 0.084 a day and a stage-2 quarrel with 0.3*0.5*(1 - 0.5/8) = 0.141;
    over 5,000 ties each the difference (0.057) is about 8 standard errors (SE 0.007)."""
    p = Conflict(stage_stickiness=0.5, resolution_probability=0.0, turn_hostile_probability=0.0,
                 befriend_probability=0.0, unfriend_probability=0.0)
    n = 10_000
    u, v = np.arange(0, n, 2), np.arange(1, n, 2)
    fell = {}
    for start in (2, 8):
        valence = np.full(u.size, ck.HOSTILE, np.int8)
        stage = np.full(u.size, start, np.int8)
        ck.update_ties(valence, stage, u, v, np.zeros(n), np.full(n, 0.5), np.full(n, 0.2), p, np.random.default_rng(2))
        fell[start] = np.mean(stage < start)
    assert fell[2] == pytest.approx(0.141, abs=0.02) and fell[8] == pytest.approx(0.084, abs=0.02)
