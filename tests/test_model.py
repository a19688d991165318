"""The Mesa model: agents as views, case handling, data collection, switches."""

import numpy as np
import pandas as pd
import pytest

from simulation.agents import AdministrationUnit, Resident
from simulation.kernels import conflict as ck
from simulation.model import QuartierModel, metric_names
from simulation.scenario import apply_overrides, load_scenario, with_preset

from .conftest import SCENARIOS


def small(baseline, **over):
    return apply_overrides(baseline, {"town.residents": 300, "warmup_days": 0, **over})


def test_residents_are_mesa_agents_reading_the_arrays(baseline):
    model = QuartierModel(small(baseline))
    residents = model.agents_by_type[Resident]
    assert len(residents) == 300
    r = model.residents[17]
    assert r.opinion == model.state.opinion[17]
    r.tension = 0.75
    assert model.state.tension[17] == 0.75
    mean_trust = np.mean(residents.get("trust"))
    assert mean_trust == pytest.approx(model.state.trust.mean())
    assert len(model.agents_by_type[AdministrationUnit]) == 3


@pytest.mark.parametrize("value", [1.25, -0.1, float("nan")])
def test_a_share_set_outside_zero_to_one_is_refused(baseline, value):
    """Trust, grievance and the other shares stay in [0, 1] (case handling clips only what
    its own work changed): a value set from outside is an error naming it, and not written."""
    model = QuartierModel(small(baseline), seed=1)
    r = model.residents[7]
    with pytest.raises(ValueError, match=r"resident 7: trust = .* outside \[0, 1\]"):
        r.trust = value
    assert model.state.trust[7] == r.trust and 0.0 <= r.trust <= 1.0
    r.trust, r.tolerance = 1.0, 1.4  # the edge is a share; a tolerance is no share
    assert model.state.trust[7] == 1.0 and model.state.tolerance[7] == 1.4


def test_a_town_makes_resident_agents_when_mesa_lists_them(baseline):
    """A run makes no resident agent; Mesa's views of all agents list every resident
    (made then, in index order), newcomers included, and an agent asked for before is kept."""
    model = QuartierModel(small(baseline, days=10), seed=2)
    model.run_for(10)
    assert Resident not in model._agents_by_type  # Mesa's own store: nothing made by the run
    early = model.residents[42]
    assert Resident in model.agent_types
    listed = list(model.agents_by_type[Resident])
    assert [r.index for r in listed] == [42, *(i for i in range(300) if i != 42)] and listed[0] is early
    assert sum(isinstance(a, Resident) for a in model.agents) == 300
    model.add_residents(0, 0, 5, 3.0)
    assert len(model.agents_by_type[Resident]) == 305 and model.residents[304] in model.agents


def test_data_collector_has_one_row_per_day_with_every_metric(baseline):
    model = QuartierModel(small(baseline))
    model.run_for(15)
    frame = model.model_frame()
    assert list(frame.columns) == ["day", *metric_names(model.config)]
    assert len(frame) == 16 and frame["day"].iloc[-1] == 15


def test_opinion_kernel_alone_when_mechanisms_are_off(baseline):
    model = QuartierModel(small(baseline, **{"conflict.enabled": False, "administration.enabled": False}))
    model.run_for(30)
    frame = model.model_frame()
    assert (model.valence == ck.NEUTRAL).all()
    assert frame["incidents"].sum() == 0 and frame["backlog"].sum() == 0
    assert frame["opinion_variance"].iloc[-1] < frame["opinion_variance"].iloc[0]


def force_cases(model, n_cases, home):
    """Open ``n_cases`` cases today on the first ties, belonging to unit ``home``."""
    ties = np.arange(n_cases)
    model.config.administration.multi_unit_share = 0.0  # single-unit cases: the rules below
    model.case_handling.open_cases(model, ties, np.full(n_cases, home, dtype=np.int16))


def test_unit_handles_after_its_delay_and_at_its_capacity(baseline):
    sc = small(baseline, **{"conflict.enabled": False})
    model = QuartierModel(sc)
    unit = model.units[0]
    unit.capacity_per_day, unit.response_delay_days = 2.0, 3
    force_cases(model, 5, home=0)
    model.run_for(6)
    handled = model.model_frame()["cases_handled"].tolist()[1:]
    # Opened on day 0, ready on day 3: 2, 2, 1 on days 3, 4, 5.
    assert handled == [0, 0, 2, 2, 1, 0]


def test_forwarded_case_waits_the_forwarding_delay(baseline):
    sc = small(baseline, **{"conflict.enabled": False, "administration.forwarding_delay_days": 4})
    model = QuartierModel(sc)
    force_cases(model, 1, home=1)  # belongs to social services, arrives at public order
    days = 0
    while model.cases.backlog():
        model.step()
        days += 1
    # Entry delay (2) + forwarding (4) + social services' own delay (5).
    assert days == 2 + 4 + 5


def test_handling_raises_trust_and_lowers_grievance_of_the_parties(baseline):
    model = QuartierModel(small(baseline, **{"conflict.enabled": False}))
    a, b = model.ties.u[0], model.ties.v[0]
    model.state.grievance[[a, b]] = 0.5
    trust_before = model.state.trust[[a, b]].copy()
    force_cases(model, 1, home=0)
    model.run_for(5)
    assert np.all(model.state.grievance[[a, b]] < 0.5 - 0.2)
    assert np.all(model.state.trust[[a, b]] > trust_before)


def test_neglected_cases_cost_trust(baseline):
    sc = small(baseline, **{"conflict.enabled": False, "administration.neglect_after_days": 2})
    model = QuartierModel(sc)
    for unit in model.units:
        unit.capacity_per_day = 0.0
    a = model.ties.u[0]
    before = model.state.trust[a]
    force_cases(model, 1, home=0)
    model.run_for(12)
    # Opened on day 0; "waiting longer than 2 days" holds on days 3 to 12: 10 days at 0.004.
    assert model.state.trust[a] == pytest.approx(before - 10 * 0.004, abs=1e-9)


def test_trained_staff_lower_the_stage_of_the_handled_tie(baseline):
    sc = small(baseline, **{"conflict.enabled": False, "administration.trained_deescalation": 1.0})
    model = QuartierModel(sc)
    model.units[0].trained_share = 1.0
    model.valence[[0, 1]], model.stage[[0, 1]] = ck.HOSTILE, [3, 5]
    force_cases(model, 2, home=0)
    model.run_for(3)
    # Moderation works up to moderation_max_stage (3): the stage-5 feud is beyond it.
    assert model.stage[0] == 2 and model.stage[1] == 5


def test_newcomers_join_with_ties(baseline):
    model = QuartierModel(small(baseline))
    m_before = model.ties.m
    new = model.add_residents(group=1, district=2, count=50, ties_per_resident=6)
    assert model.state.n == 350 and len(model.residents) == 350
    assert np.all(model.state.district[new] == 2)
    assert model.ties.m > m_before and model.valence.size == model.ties.m
    model.run_for(5)  # the grown arrays work in every rule of the day
    assert model.model_frame()["residents"].iloc[-1] == 350


def test_newcomers_move_into_a_district_nobody_lives_in_yet(baseline):
    """A district with no residents (a small town with a tiny district weight) takes
    newcomers: their ties go to residents elsewhere, as there is nobody near to prefer."""
    districts = len(baseline.town.districts)
    sc = apply_overrides(small(baseline), {"town.residents": 60, "town.district_weights": [1.0] * (districts - 1) + [0.001]})
    model = QuartierModel(sc, seed=1)
    empty = districts - 1
    assert not np.any(model.state.district == empty)
    m_before = model.ties.m
    new = model.add_residents(group=1, district=empty, count=5, ties_per_resident=2)
    fresh = np.arange(m_before, model.ties.m)
    assert fresh.size > 0 and np.all(model.state.district[new] == empty)
    ends = np.concatenate([model.ties.u[fresh], model.ties.v[fresh]])
    assert np.all(np.isin(ends[~np.isin(ends, new)], np.flatnonzero(model.state.district != empty)))
    model.run_for(5)


def test_baseline_year_is_a_tense_but_ordinary_year(baseline):
    """The calibration target of docs/ODD.md (section 1, "Patterns"): a handful of reported incidents a week in a
    town of 2,000, no runaway. Averaged over 3 seeds (weekly counts vary by +-50 %)."""
    weekly = []
    for seed in range(3):
        model = QuartierModel(baseline, seed=seed)
        model.run_for(365)
        frame = model.model_frame()
        weekly.append(frame["reported"].sum() / 52)
        assert frame["escalation_index"].max() < 0.05
    assert 1.0 <= np.mean(weekly) <= 10.0, weekly


def test_distrust_feeds_tension(baseline):
    """Epstein's legitimacy channel: the same town with trust set to 0 everywhere. With
    weight_distrust 0.1 the drive is 0.1 higher for everyone, and tension (closing a tenth of
    the gap a day) is about 0.1 * (1 - 0.9^20) = 0.088 higher after 20 days; without the
    weight, no difference. Allow 0.05: ties and incidents differ a little between the runs."""
    tension = {}
    for weight in (0.0, 0.1):
        sc = small(baseline, **{"warmup_days": 0, "conflict.weight_distrust": weight})
        model = QuartierModel(sc, seed=3)
        model.state.trust[:] = 0.0
        model.run_for(20)
        tension[weight] = model.state.tension.mean()
    assert tension[0.1] - tension[0.0] > 0.05


def test_distrust_lowers_mobilisation_thresholds(baseline):
    """Epstein's (2002) legitimacy channel in the cascade: a brawl in a distrustful town
    (trust 0.1 everywhere) with mobilisation_legitimacy 0.5 (thresholds × 0.55) against 0
    (thresholds as drawn), 8 paired seeds. In a pilot the paired differences in residents
    mobilised over 30 days were 32, 32, 232, −7, 45, 72, 31, 46. Cascade sizes are heavy-tailed
    (one town's cascade ran to 255), so the claim is on log(1 + mobilised), where one large
    cascade does not swamp the interval: the paired mean's 95 % interval must exclude 0 (in the
    pilot about 1.5 ± 0.7, i.e. several times more residents join)."""
    from simulation.stats import mean_ci

    mobilised = {}
    for legitimacy in (0.0, 0.5):
        totals = []
        for seed in range(8):
            sc = small(baseline, **{"town.residents": 600, "conflict.mobilisation_legitimacy": legitimacy})
            model = QuartierModel(sc, seed=seed)
            model.state.trust[:] = 0.1
            model.step()
            model.trigger_shock("violent_incident", district="Nordstadt", size=20, stage=6)
            model.run_for(30)
            totals.append(model.model_frame()["mobilised"].sum())
        mobilised[legitimacy] = np.array(totals, dtype=float)
    _, low, _, _ = mean_ci(np.log1p(mobilised[0.5]) - np.log1p(mobilised[0.0]))
    assert low > 0, mobilised


def test_a_city_makes_resident_agents_only_when_asked(baseline, monkeypatch):
    """Above EAGER_RESIDENTS the agents are made on first access; the run is the same."""
    from simulation import agents

    scenario = small(baseline, days=20)
    eager = QuartierModel(scenario, seed=4)
    monkeypatch.setattr(agents, "EAGER_RESIDENTS", 100)
    lazy = QuartierModel(scenario, seed=4)
    assert len(lazy.residents) == 300 and Resident not in lazy.agents_by_type
    r = lazy.residents[-1]
    assert r is lazy.residents[299] and r.opinion == lazy.state.opinion[299]
    assert len(lazy.agents_by_type[Resident]) == 1
    with pytest.raises(IndexError):
        lazy.residents[300]
    eager.run_for(20)
    lazy.run_for(20)
    assert eager.model_frame().equals(lazy.model_frame())
    lazy.add_residents(0, 0, 5, 3.0)
    assert len(lazy.residents) == 305 and lazy.residents[304].index == 304


@pytest.mark.parametrize("name", ["playground_rumour", "koko_implementation", "new_shelter"])
@pytest.mark.parametrize("preset", ["none", "koko"])
def test_model_frame_is_the_table_pandas_makes_from_the_lists(name, preset):
    scenario = apply_overrides(
        with_preset(load_scenario(SCENARIOS / f"{name}.toml"), preset),
        {"town.residents": 300, "days": 120, "warmup_days": 20},
    )
    model = QuartierModel(scenario, seed=3)
    model.run_for(scenario.days)
    expected = pd.DataFrame(model.datacollector.model_vars)
    expected.insert(0, "day", np.arange(len(expected), dtype=np.int64))
    got = model.model_frame()
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert set(got.dtypes.astype(str)) <= {"int64", "float64"}
