"""Building a system over time (issue 12, points 3–5): structures build up, external advisers
coach staff, analyse and speed the build-up, a town file becomes a scenario."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from simulation.model import QuartierModel
from simulation.programme import DAYS_PER_MONTH
from simulation.scenario import ScenarioError, apply_overrides, load_scenario, scenario_from_dict, setting
from simulation.townfile import scenario_from_town_file

from .conftest import SCENARIOS

SET_UP = {"structures.contact_point.enabled": True, "structures.crisis_team.enabled": True}


def quiet(baseline, changes=(), **over):
    """A small town without conflict dynamics, so only the programme's rules move figures."""
    data = apply_overrides(
        baseline, {"town.residents": 300, "warmup_days": 0, "conflict.enabled": False, **over}
    ).model_dump()
    data["changes"] = list(changes)
    return scenario_from_dict(data)


def test_a_structure_set_up_on_day_t_grows_linearly_to_full_strength_and_says_so(baseline):
    """Contact point (build-up 90 days) and crisis team (60) set up on day 10: each day adds
    1/90 resp. 1/60, so their mean strength on day 10 + k is (k/90 + k/60) / 2 until day 70."""
    sc = quiet(baseline, [{"day": 10, "set": SET_UP}])
    model = QuartierModel(sc)
    model.run_for(120)
    strength = model.model_frame().set_index("day")["structure_strength"]
    assert strength.loc[:9].eq(0).all()
    for k in (1, 30, 59):
        assert strength.loc[9 + k] == pytest.approx((k / 90 + min(k / 60, 1)) / 2)
    assert strength.loc[9 + 90] == 1.0 and strength.loc[98] < 1.0
    ready = [(e.day, e.detail) for e in model.events if e.kind == "structure_ready"]
    assert ready == [(69, "crisis_team"), (99, "contact_point")]


def test_a_half_built_contact_point_adds_half_its_reporting_boost(baseline):
    sc = quiet(baseline, [{"day": 1, "set": {"structures.contact_point.enabled": True}}])
    model = QuartierModel(sc)
    model.run_for(45)  # 45 of 90 days
    point = model.structure("contact_point")
    assert point.built == pytest.approx(0.5)
    assert point.report_boost() == pytest.approx(0.5 * sc.structures.contact_point.report_boost)


def test_structures_the_town_already_has_are_fully_built_from_day_0(baseline):
    sc = quiet(baseline, **{"structures.mediator_pool.enabled": True})
    model = QuartierModel(sc)
    assert model.structure("mediator_pool").built == 1.0
    model.run_for(5)
    assert model.model_frame()["structure_strength"].eq(1.0).all()


def advised(baseline, **over):
    return quiet(
        baseline,
        [{"day": 10, "set": SET_UP}],
        **{"advisers.count": 2, "advisers.start_day": 10, "advisers.end_day": 99, "advisers.days_per_month": 4.0,
           "training.turnover_per_year": 0.0, **over},
    )


def test_advisers_coach_staff_by_the_closed_form_and_cost_what_they_cost(baseline):
    """Untrained share × (1 − coaching)^(adviser days); adviser days = count × days a month /
    30.44 per day of the engagement (90 days); the fee is days × cost per day."""
    sc = advised(baseline)
    model = QuartierModel(sc)
    model.run_for(150)
    frame = model.model_frame()
    per_day = 2 * 4.0 / DAYS_PER_MONTH
    assert frame["adviser_days"].sum() == pytest.approx(90 * per_day)
    assert frame.loc[frame["day"].between(10, 99), "adviser_days"].eq(per_day).all()
    expected = 1.0 - (1.0 - 0.0) * (1.0 - sc.advisers.coaching_per_day) ** (90 * per_day)
    assert model.units[0].trained_share == pytest.approx(expected)
    from simulation.summaries import run_summary

    summary = run_summary(frame, sc)
    assert summary["adviser_cost_eur"] == pytest.approx(90 * per_day * sc.advisers.cost_per_day_eur)
    kinds = [(e.day, e.kind) for e in model.events if e.kind.startswith("advisers")]
    assert kinds == [(10, "advisers_arrive"), (100, "advisers_leave")]


def test_advisers_speed_up_the_build_up_and_what_they_built_outlasts_them_only_through_staff(baseline):
    """With two advisers (intensity capped at 1) and speedup 1, build-up runs twice as fast:
    the contact point is ready 45 days after set-up instead of 90. After they leave, trained
    shares decay with turnover at the closed-form rate."""
    fast = QuartierModel(advised(baseline))
    slow = QuartierModel(advised(baseline, **{"advisers.count": 0}))
    fast.run_for(120)
    slow.run_for(120)
    ready = lambda m: {e.detail: e.day for e in m.events if e.kind == "structure_ready"}  # noqa: E731
    assert ready(fast)["contact_point"] == 10 + 45 - 1 and ready(slow)["contact_point"] == 10 + 90 - 1

    decaying = QuartierModel(advised(baseline, **{"training.turnover_per_year": 0.2}))
    decaying.run_for(99)
    at_leave = decaying.units[0].trained_share
    decaying.run_for(365)
    assert decaying.units[0].trained_share == pytest.approx(at_leave * 0.8, rel=1e-9)


def test_advisers_and_trained_staff_sharpen_early_warning_and_switched_off_do_not(baseline):
    """Detection = setting × (1 + recognition_gain × trained share) × (1 + analysis_gain ×
    intensity); two advisers at 4 days a month work 1.84 days a week, capped at intensity 1."""
    over = {"structures.early_warning.enabled": True, "structures.early_warning.detection_probability": 0.2,
            "administration.units.0.trained_share": 0.5, "training.recognition_gain": 1.0}
    on = QuartierModel(advised(baseline, **over))
    on.run_for(20)
    assert on.adviser_intensity() == 1.0
    trained = on.trained_share()
    ew = on.structure("early_warning")
    assert ew.detection_probability(on) == pytest.approx(0.2 * (1 + trained) * 1.5)
    no_analysis = QuartierModel(advised(baseline, **{**over, "advisers.analysis_gain": 0.0}))
    no_analysis.run_for(20)
    assert no_analysis.structure("early_warning").detection_probability(no_analysis) == pytest.approx(0.2 * (1 + trained))
    blind = QuartierModel(advised(baseline, **{**over, "advisers.analysis_gain": 0.0, "training.recognition_gain": 0.0}))
    blind.run_for(20)
    assert blind.structure("early_warning").detection_probability(blind) == pytest.approx(0.2)


def test_early_warning_built_on_day_t_detects_in_proportion_to_its_strength(baseline):
    sc = quiet(baseline, [{"day": 1, "set": {"structures.early_warning.enabled": True}}],
               **{"structures.early_warning.detection_probability": 0.4, "training.recognition_gain": 0.0})
    model = QuartierModel(sc)
    model.run_for(45)  # 45 of 180 days
    assert model.structure("early_warning").detection_probability(model) == pytest.approx(0.4 * 0.25)


@pytest.mark.parametrize(
    "over, words",
    [
        ({"advisers.count": -1}, ["advisers.count", "-1", "[0, 50]"]),
        ({"advisers.start_day": 50, "advisers.end_day": 10}, ["advisers.end_day = 10", "advisers.start_day"]),
        ({"structures.mediator_pool.build_up_days": -3}, ["build_up_days", "-3", "[0, 3650]"]),
        ({"training.turnover_per_year": 1.5}, ["turnover_per_year", "1.5"]),
        ({"administration.staff_hour_cost_eur": -1}, ["staff_hour_cost_eur", "-1"]),
    ],
)
def test_bad_programme_settings_name_key_value_and_allowed(baseline, over, words):
    with pytest.raises(ScenarioError) as err:
        apply_overrides(baseline, over)
    for word in words:
        assert word in str(err.value)


def test_the_implementation_scenario_has_its_four_paths():
    sc = load_scenario("scenarios/koko_implementation.toml")
    assert [v.name for v in sc.variants] == ["no_programme", "trained_staff", "with_advisers", "finished"]
    trained, advisers = setting(sc, "trained_staff"), setting(sc, "with_advisers")
    assert trained.advisers.count == 0 and advisers.advisers.count == 2
    assert not any(getattr(trained.structures, n).enabled for n in type(trained.structures).model_fields)
    assert [c.day for c in trained.changes] == [30] and len(trained.training.cohorts) == 2
    assert all(getattr(setting(sc, "finished").structures, n).enabled for n in type(sc.structures).model_fields)


def test_a_bad_variant_is_named(baseline):
    data = baseline.model_dump()
    data["variants"] = [{"name": "fast", "label_en": "f", "label_de": "f", "set": {"advisers.count": 99}}]
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data)
    assert "variants[0] (fast)" in str(err.value) and "advisers.count" in str(err.value)


# ----------------------------------------------------------------------------------------------
# The town's own starting conditions
# ----------------------------------------------------------------------------------------------

TOWN = """kind,name,residents,established,newcomers,staff,capacity_per_day,trained_share
title,Musterstadt,,,,,,
district,Nordstadt,1200,0.6,0.4,,,
district,Altstadt,600,0.9,0.1,,,
district,Hafen,300,0.5,0.5,,,
unit,public_order,,,,12,3,0.1
unit,integration,,,,5,1,0.4
structure,contact_point,,,,,,
"""


def test_a_town_file_becomes_a_town_with_its_districts_groups_units_and_structures(tmp_path, baseline):
    path = tmp_path / "town.csv"
    path.write_text(TOWN, encoding="utf-8")
    sc = scenario_from_town_file(path, baseline)
    assert sc.town.residents == 2100 and sc.town.districts == ["Nordstadt", "Altstadt", "Hafen"]
    assert [u.kind for u in sc.administration.units] == ["public_order", "integration"]
    assert sc.administration.units[1].staff == 5 and sc.administration.units[1].trained_share == 0.4
    assert sc.structures.contact_point.enabled and not sc.structures.mediator_pool.enabled
    model = QuartierModel(apply_overrides(sc, {"warmup_days": 0}))
    s = model.state
    per_block = np.bincount(s.district * 2 + s.group, minlength=6)
    # Largest remainders of 2100 × weight × share: exact block sizes.
    assert per_block.tolist() == [720, 480, 540, 60, 150, 150]


@pytest.mark.parametrize(
    "edit, words",
    [
        (("1200,0.6,0.4", "1200,0.6,0.5"), ["line 3", "sum to 1.1", "summing to 1"]),
        (("1200,0.6,0.4", "many,0.6,0.4"), ["line 3", "residents = 'many'", "whole number"]),
        (("structure,contact_point", "structure,contact_pont"), ["line 8", "contact_pont", "contact_point"]),
        (("unit,integration", "unit,parks"), ["line 7", "'parks'", "public_order"]),
        (("unit,public_order,,,,12", "unit,public_order,,,,-4"), ["line 6", "staff = '-4'", "from 1"]),
        (("district,Hafen", "quarter,Hafen"), ["line 5", "kind = 'quarter'", "district"]),
    ],
)
def test_a_bad_town_file_exits_2_naming_line_value_and_allowed_and_writes_nothing(tmp_path, edit, words):
    path = tmp_path / "town.csv"
    path.write_text(TOWN.replace(*edit), encoding="utf-8")
    out = tmp_path / "out" / "my_town.toml"
    done = subprocess.run(
        [sys.executable, "-m", "simulation", "town", str(path), "--out", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr
    assert not out.exists() and not list(tmp_path.glob("out/*"))


def test_quartier_town_writes_a_scenario_that_loads_back(tmp_path):
    path = tmp_path / "town.csv"
    path.write_text(TOWN, encoding="utf-8")
    out = tmp_path / "my_town.toml"
    done = subprocess.run([sys.executable, "-m", "simulation", "town", str(path), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    sc = load_scenario(out)
    assert sc.town.district_weights == [1200, 600, 300] and sc.meta.title_de == "Musterstadt"


@pytest.mark.parametrize(
    "text, words",
    [
        ('[advisers]\ncount = 2\nstart_day = 300\nend_day = 100\n', ["advisers.end_day = 100", "start_day"]),
        ('[advisers]\ncost_per_day_eur = -5\n', ["advisers.cost_per_day_eur = -5", "[0.0, 100000.0]"]),
        ('[[variants]]\nname = "fast"\nlabel_en = "f"\nlabel_de = "f"\nset = { "advisers.count" = 99 }\n',
         ["variants[0] (fast)", "advisers.count", "99"]),
        ('[[variants]]\nname = "x"\nlabel_en = "x"\nlabel_de = "x"\npreset = "kokko"\n', ["variants[0] (x)", "kokko", "koko"]),
        ('[training]\nturnover_per_year = 2\n', ["training.turnover_per_year", "2"]),
    ],
)
def test_compare_refuses_bad_programme_files_with_exit_2_and_writes_nothing(tmp_path, text, words):
    bad = tmp_path / "bad.toml"
    bad.write_text('base = "' + str(SCENARIOS / "baseline.toml") + '"\n' + text, encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "simulation", "compare", str(bad), "--out", str(out),
                           "--replications", "2"], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)
    assert not out.exists()


def test_trained_staff_make_mediations_succeed_more_often_and_without_the_gain_they_do_not(baseline):
    """The same 400 stage-4 disputes mediated in one day by a pool (skill 0.4, no spread) in a town whose
    staff are fully trained: with mediation_gain 0.5 the success probability is 0.4 × (1 −
    σ_4) × 1.5, without it 0.4 × (1 − σ_4). The counts are binomial on 400 tries (sd ≤ 10),
    so the two expected counts lie more than six sd apart; each count must lie within 4 sd
    of its own expectation."""
    from simulation.kernels import conflict as ck

    def settled(gain):
        sc = quiet(baseline, **{"structures.mediator_pool.enabled": True, "structures.mediator_pool.mediators": 60,
                                "structures.mediator_pool.skill": 0.4, "structures.mediator_pool.skill_sd": 0.0,
                                "structures.mediator_pool.capacity_per_week": 50.0,
                                "structures.mediator_pool.districts_per_mediator": 4,
                                "training.mediation_gain": gain, "training.turnover_per_year": 0.0})
        model = QuartierModel(sc, seed=5)
        for unit in model.units:
            unit.trained_share = 1.0
        ties = np.arange(400)
        model.valence[ties], model.stage[ties] = ck.HOSTILE, 4
        model.alert_until[:] = 10**6  # every hostile tie is known to the pool
        model.step()
        return model.model_frame()["mediations_succeeded"].sum(), model.model_frame()["mediations_tried"].sum()

    sigma = baseline.conflict.stage_stickiness * 3 / 8  # σ_k of stage 4
    for gain, factor in ((0.0, 1.0), (0.5, 1.5)):
        won, tried = settled(gain)
        p = 0.4 * (1 - sigma) * factor
        assert tried == 400 and abs(won - p * tried) < 4 * np.sqrt(tried * p * (1 - p)), (gain, won)


def test_adviser_days_bind_staff_hours_and_the_cost_counts_hours_and_fees(baseline):
    """Per adviser day staff_hours_per_adviser_day staff hours (8 against 0: the difference is
    exactly 8 × the adviser days); cost = staff hours × staff_hour_cost_eur + adviser days × fee."""
    from simulation.summaries import run_summary

    frames = {}
    for hours in (0.0, 8.0):
        sc = advised(baseline, **{"advisers.staff_hours_per_adviser_day": hours})
        model = QuartierModel(sc)
        model.run_for(120)
        frames[hours] = (sc, model.model_frame())
    days = frames[8.0][1]["adviser_days"].sum()
    extra = frames[8.0][1]["staff_hours"].sum() - frames[0.0][1]["staff_hours"].sum()
    assert days > 0 and extra == pytest.approx(8.0 * days)
    sc, frame = frames[8.0]
    summary = run_summary(frame, sc)
    expected = frame["staff_hours"].sum() * sc.administration.staff_hour_cost_eur + days * sc.advisers.cost_per_day_eur
    assert summary["cost_eur"] == pytest.approx(expected)


def test_each_structure_half_built_does_half_its_work_and_switches_from_half_strength(baseline):
    """The build-up rule on every structure's hooks: rates in proportion to ``built``,
    switches (routing, no lost handovers) from 0.5 on; built, each hook is its setting."""
    from simulation.structures import REGISTRY

    sc = quiet(baseline, **{f"structures.{n}.enabled": True for n in REGISTRY})
    model = QuartierModel(sc)
    s = sc.structures
    made = {name: cls(model, getattr(s, name), built=0.5) for name, cls in REGISTRY.items()}
    assert made["contact_point"].report_boost() == pytest.approx(0.5 * s.contact_point.report_boost)
    assert made["contact_point"].routes_directly() and made["coordination"].avoids_duplicates()
    assert made["coordination"].forwarding_factor() == pytest.approx(1 - 0.5 * (1 - s.coordination.forwarding_factor))
    crisis = made["crisis_team"]
    crisis.active_until = crisis.today = 0
    assert crisis.capacity_factor() == pytest.approx(1 + 0.5 * (s.crisis_team.capacity_factor - 1))
    assert crisis.threat_damping() == pytest.approx(0.5 * s.crisis_team.threat_damping)
    assert crisis.rumour_stifling() == pytest.approx(0.5 * s.crisis_team.rumour_stifling)
    pool = made["mediator_pool"]
    pool.act(model)
    assert all(m.capacity_per_day == pytest.approx(0.5 * s.mediator_pool.capacity_per_week / 7) for m in pool.mediators)
    barely = {name: cls(model, getattr(s, name), built=0.49) for name, cls in REGISTRY.items()}
    assert not barely["contact_point"].routes_directly() and not barely["coordination"].avoids_duplicates()
    built = {name: cls(model, getattr(s, name), built=1.0) for name, cls in REGISTRY.items()}
    assert built["coordination"].forwarding_factor() == s.coordination.forwarding_factor
    assert built["contact_point"].report_boost() == s.contact_point.report_boost
