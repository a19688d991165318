"""The five shocks, and the rumour against the Maki–Thompson result."""

import numpy as np
import pytest

from simulation.kernels import conflict as ck
from simulation.kernels.rumour import IGNORANT, SPREADER, maki_thompson_round
from simulation.model import QuartierModel
from simulation.network import complete
from simulation.scenario import ScenarioError, apply_overrides, scenario_from_dict


def with_shocks(baseline, shocks, **over):
    data = apply_overrides(baseline, {"town.residents": 400, "warmup_days": 0, **over}).model_dump()
    data["shocks"] = shocks
    return scenario_from_dict(data)


def rumour_to_the_end(n, seed, batches=16):
    adjacency = complete(n).adjacency()
    rng = np.random.default_rng(seed)
    state = np.zeros(n, np.int8)
    state[0] = SPREADER
    while (state == SPREADER).any():
        maki_thompson_round(state, adjacency.indptr, adjacency.indices, rng, 0.0, batches)
    return np.mean(state == IGNORANT)


def test_maki_thompson_on_a_complete_graph_leaves_about_a_fifth_unaware():
    """Theory: the share never hearing the rumour tends to 0.2032 (Sudbury 1985). At n = 2,000
    one run's share has sd about 0.013, so the mean of 20 runs has SE 0.003; we allow 0.012."""
    shares = [rumour_to_the_end(2000, seed) for seed in range(20)]
    assert np.mean(shares) == pytest.approx(0.2032, abs=0.012)


def test_fully_synchronous_tellings_would_be_biased():
    """Why the kernel works in batches: all spreaders telling at once stifle each other
    too early and reach more people (about 0.17 unaware), outside the tolerance above."""
    shares = [rumour_to_the_end(2000, seed, batches=1) for seed in range(20)]
    assert np.mean(shares) < 0.2032 - 0.02


def test_rumour_in_the_model_on_a_complete_graph_reaches_four_fifths(deffuant_file):
    from simulation.scenario import load_scenario

    base = load_scenario(deffuant_file)
    data = base.model_dump()
    data["days"] = 30
    data["shocks"] = [{"kind": "rumour", "day": 2, "size": 1, "target_group": "everyone", "contacts_per_day": 5}]
    shares = []
    for seed in range(8):
        model = QuartierModel(scenario_from_dict(data), seed=seed)
        model.run_for(30)
        shares.append(1.0 - model.model_frame()["rumour_aware"].iloc[-1])
    # n = 1,000: per-run sd about 0.018, SE of 8 runs 0.006; we allow 0.02.
    assert np.mean(shares) == pytest.approx(0.2032, abs=0.02)


def test_newcomer_influx_adds_residents_and_ties(baseline):
    shock = {"kind": "newcomer_influx", "day": 5, "district": "Südviertel", "group": "newcomers", "size": 60,
             "ties_per_resident": 5}
    model = QuartierModel(with_shocks(baseline, [shock]))
    model.run_for(4)
    ties_before = model.ties.m
    model.run_for(1)
    assert model.state.n == 460
    new = np.arange(400, 460)
    assert np.all(model.state.district[new] == 2) and np.all(model.state.group[new] == 1)
    assert model.ties.m - ties_before >= 60 * 5 * 0.9  # a few duplicate draws are dropped
    assert model.degree[new].min() >= 1
    assert model.model_frame()["residents"].tolist()[-2:] == [400, 460]


def test_violent_incident_makes_hostile_ties_and_raises_tension_in_its_district(baseline):
    shock = {"kind": "violent_incident", "day": 3, "district": "Nordstadt", "size": 12, "stage": 6,
             "tension_jump": 0.3}
    model = QuartierModel(with_shocks(baseline, [shock], **{"conflict.enabled": False}))
    model.run_for(2)
    tension_before = model.state.tension.copy()
    model.run_for(1)
    here = model.state.district == 0
    assert np.count_nonzero(model.stage == 6) >= 12
    assert np.all(model.state.tension[here] >= tension_before[here])
    assert np.all(model.state.tension[~here] == tension_before[~here])
    assert model.model_frame()["incidents"].iloc[-1] == 12


def test_contested_decision_costs_trust_on_the_losing_side_only(baseline):
    shock = {"kind": "contested_decision", "day": 2, "favours": "high", "trust_loss": 0.2, "opinion_push": 0.0,
             "grievance": 0.0, "tension_jump": 0.0}
    sc = with_shocks(baseline, [shock], **{"conflict.enabled": False, "administration.enabled": False,
                                           "opinion.rule": "hk", "residents.tolerance_mean": 0.001})
    model = QuartierModel(sc)
    model.run_for(1)
    trust, x = model.state.trust.copy(), model.state.opinion.copy()
    model.run_for(1)
    losers = x < 0.5
    np.testing.assert_allclose(model.state.trust[losers], np.maximum(trust[losers] - 0.2, 0))
    np.testing.assert_array_equal(model.state.trust[~losers], trust[~losers])


def test_resource_cut_lasts_its_duration(baseline):
    shock = {"kind": "resource_cut", "day": 10, "unit": "integration", "size": 0.5, "duration_days": 20}
    model = QuartierModel(with_shocks(baseline, [shock]))
    unit = next(u for u in model.units if u.kind == "integration")
    model.run_for(9)
    assert unit.capacity_per_day == 1.0
    model.run_for(1)
    assert unit.capacity_per_day == 0.5
    model.run_for(19)
    assert unit.capacity_per_day == 0.5
    model.run_for(1)
    assert unit.capacity_per_day == 1.0


def test_shock_errors_name_the_field(baseline):
    with pytest.raises(ScenarioError, match=r"shocks\[0\]\.kind = 'earthquake'"):
        with_shocks(baseline, [{"kind": "earthquake", "day": 3}])
    with pytest.raises(ScenarioError, match=r"shocks\[0\]\.district = 'Mitte'"):
        with_shocks(baseline, [{"kind": "rumour", "day": 3, "district": "Mitte", "target_group": "newcomers"}])
    with pytest.raises(ScenarioError, match=r"did you mean 'size'"):
        with_shocks(baseline, [{"kind": "rumour", "day": 3, "sise": 3, "target_group": "newcomers"}])


def test_hostility_from_a_rumour_targets_ties_to_the_target_group(baseline):
    shock = {"kind": "rumour", "day": 2, "size": 20, "target_group": "newcomers", "hostility_probability": 1.0}
    model = QuartierModel(with_shocks(baseline, [shock], **{"conflict.enabled": False}))
    model.run_for(1)
    hostile_before = model.valence == ck.HOSTILE
    model.run_for(1)
    turned = np.flatnonzero((model.valence == ck.HOSTILE) & ~hostile_before)
    groups = model.state.group
    assert turned.size > 0
    assert np.all((groups[model.ties.u[turned]] == 1) | (groups[model.ties.v[turned]] == 1))
