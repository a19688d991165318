"""The compiled day's kernels as they were made faster: the same results to the bit.

The fast forms (unsigned indices, residents' loops split so they vectorise, block tests on
int8) must give what the plain rules give: the numpy reference or a loop over every tie.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from simulation.kernels import compiled
from simulation.kernels import conflict as ck


@pytest.mark.parametrize("m", [0, 1, 63, 64, 65, 128, 1000, 10_007])
@pytest.mark.parametrize("share", [0.0, 0.001, 0.3, 1.0])
def test_incident_candidates_are_every_tie_at_or_above_the_stage_in_index_order(m, share):
    """Tested a block of 64 at a time, as int8: ties on block edges, in the last partial
    block, none and all, and thresholds below, within and above an int8's range."""
    rng = np.random.default_rng(m + int(1000 * share))
    stage = np.where(rng.random(m) < share, rng.integers(4, 10, m), rng.integers(0, 4, m)).astype(np.int8)
    if m >= 65:
        stage[[0, 63, 64, m - 1]] = 9
    for min_stage in (-300, -128, -1, 0, 1, 4, 9, 10, 127, 128, 1000):
        got = compiled.incident_candidates(stage, min_stage)
        assert got.dtype == np.int64
        assert np.array_equal(got, np.flatnonzero(stage >= min_stage)), min_stage


@pytest.mark.parametrize("m", [0, 1, 500])
@pytest.mark.parametrize("tail", [0, 7])
def test_tension_step_is_the_numpy_reference_bit_for_bit(m, tail):
    """Ties sorted by u then an unsorted tail, residents without ties; distances summed
    per resident in tie order, the drive in the reference's order, the decays after it."""
    rng = np.random.default_rng(m + tail)
    n = 40
    u = np.sort(rng.integers(0, n - 1, m)).astype(np.int32)
    if m:
        u[m - min(tail, m):] = rng.integers(0, n - 1, min(tail, m))
    v = rng.integers(0, n - 1, m).astype(np.int32)
    safe_degree = np.maximum(np.bincount(u, minlength=n) + np.bincount(v, minlength=n), 1).astype(np.float64)
    opinion = rng.random(n)
    stress, hostile_share, grievance, threat = rng.random(n) * 0.3, rng.random(n) * 0.2, rng.random(n), rng.random(n)
    cross_share, trust, tension = rng.random(n) * 0.5, rng.random(n), rng.random(n)
    p = SimpleNamespace(weight_hostile_ties=0.2, weight_grievance=0.3, weight_threat=0.2,
                        weight_opinion_distance=0.9, weight_distrust=0.2, contact_relief=0.3)
    relaxation, threat_keep, grievance_keep = 0.1, 0.95 * 0.8, 0.995
    d = np.abs(opinion[u] - opinion[v])
    distance = (np.bincount(u, weights=d, minlength=n) + np.bincount(v, weights=d, minlength=n)) / safe_degree
    drive = ck.tension_drive(stress, hostile_share, grievance, threat, distance, cross_share, p, trust)
    expected_tension = tension + relaxation * (drive - tension)
    expected_threat, expected_grievance = threat * threat_keep, grievance * grievance_keep
    compiled.tension_step(
        opinion, u, v, safe_degree, stress, hostile_share, grievance, threat, cross_share, trust, tension,
        p.weight_distrust, p.weight_hostile_ties, p.weight_grievance, p.weight_threat, p.weight_opinion_distance,
        p.contact_relief, relaxation, threat_keep, grievance_keep,
    )  # fmt: skip
    assert np.array_equal(tension, expected_tension)
    assert np.array_equal(threat, expected_threat) and np.array_equal(grievance, expected_grievance)


@pytest.mark.parametrize("group", [[], [1], [0, 0, 1, 1, 1, 0], [2, 2, 2]])
def test_group_sums_of_few_residents_are_bincounts(group):
    """The group sums carried by resident (compiled.group_sums, the threat shift's): nobody,
    one resident, a group coming back after another, a group left empty."""
    group = np.array(group, dtype=np.int16)
    values = np.random.default_rng(group.size).standard_normal(group.size) * 1e5
    counts, sums = compiled.group_sums(values, group, 3)
    assert counts.tolist() == np.bincount(group, minlength=3).tolist()
    assert sums.tolist() == np.bincount(group, weights=values, minlength=3).tolist()
