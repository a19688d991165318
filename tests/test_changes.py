"""Changes during a run (issue 12, point 1): a municipality switches structures on and off and
changes settings on given days, in a scenario file or live from the dashboard."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from simulation.model import QuartierModel
from simulation.scenario import ScenarioError, apply_overrides, scenario_from_dict

# A pool set up in ten days (its default build-up is 270), so its work shows within the test's
# 80 days; build-up itself is tested in tests/test_programme.py.
START_POOL = {
    "structures.mediator_pool.enabled": True,
    "structures.mediator_pool.mediators": 6,
    "structures.mediator_pool.build_up_days": 10,
}


def shelter_with(baseline, changes=()):
    data = apply_overrides(baseline, {"town.residents": 800, "warmup_days": 60}).model_dump()
    data["shocks"] = [{"kind": "violent_incident", "day": 20, "district": "Nordstadt", "size": 20, "stage": 6}]
    data["changes"] = list(changes)
    return scenario_from_dict(data)


def test_a_change_leaves_the_days_before_it_untouched_and_changes_those_after(baseline):
    plain = QuartierModel(shelter_with(baseline), seed=3)
    changed = QuartierModel(shelter_with(baseline, [{"day": 30, "set": START_POOL}]), seed=3)
    plain.run_for(80)
    changed.run_for(80)
    a, b = plain.model_frame(), changed.model_frame()
    pd.testing.assert_frame_equal(a.iloc[:30], b.iloc[:30])  # days 0-29: bit for bit
    assert a["mediations_tried"].sum() == 0 and b["mediations_tried"].iloc[30:].sum() > 0
    assert changed.change_log == [(30, START_POOL)]


def test_a_change_made_live_gives_the_same_run_as_the_scheduled_one(baseline):
    scheduled = QuartierModel(shelter_with(baseline, [{"day": 30, "set": START_POOL}]), seed=4)
    scheduled.run_for(70)
    live = QuartierModel(shelter_with(baseline), seed=4)
    live.run_for(29)
    live.apply_change(START_POOL)  # what the dashboard does when a switch flips on day 29
    live.run_for(41)
    pd.testing.assert_frame_equal(scheduled.model_frame(), live.model_frame())


def test_switching_a_structure_off_and_changing_a_unit(baseline):
    data = shelter_with(baseline, [
        {"day": 10, "set": {"structures.crisis_team.enabled": True}},
        {"day": 40, "set": {"structures.crisis_team.enabled": False, "administration.units.0.capacity_per_day": 0.5}},
    ])
    model = QuartierModel(data, seed=1)
    model.run_for(60)
    frame = model.model_frame()
    assert frame["hours_crisis_team"].iloc[10:40].min() > 0 and frame["hours_crisis_team"].iloc[40:].max() == 0
    assert model.units[0].capacity_per_day == 0.5 and model.structure("crisis_team") is None


@pytest.mark.parametrize(
    "change, words",
    [
        ({"day": 5, "set": {"structures.mediator_pool.mediators": -1}}, ["changes[0]", "mediators = -1", "[0, 500]"]),
        ({"day": 5, "set": {"town.residents": 10}}, ["changes[0].set", "town.residents", "structures."]),
        ({"day": 5, "set": {"structures.mediator_poool.enabled": True}}, ["mediator_poool", "mediator_pool"]),
        ({"day": 0, "set": {"structures.crisis_team.enabled": True}}, ["changes", "day"]),
        ({"day": 5, "set": {}}, ["changes", "set"]),
    ],
)
def test_bad_changes_name_key_value_and_allowed(baseline, change, words):
    data = baseline.model_dump()
    data["changes"] = [change]
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data)
    for word in words:
        assert word in str(err.value)


def test_live_change_with_a_bad_value_changes_nothing(baseline):
    model = QuartierModel(shelter_with(baseline), seed=2)
    before = model.config
    with pytest.raises(ScenarioError):
        model.apply_change({"structures.mediator_pool.skill": 2.0})
    assert model.config is before and model.change_log == []


def test_cli_refuses_a_scenario_with_a_bad_change_before_running(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[changes]]\nday = 10\nset = { "structures.mediator_pool.mediators" = 9000 }\n')
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "simulation", "run", str(bad), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "mediators = 9000" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_the_trained_share_weighs_the_staff_a_change_sets(baseline):
    """``trained_share()`` keeps the staff weights between days; a change of staff must
    reach it (it fails when the weights are kept past the change)."""
    model = QuartierModel(shelter_with(baseline), seed=2)
    model.run_for(3)

    def train_unequally():  # the baseline trains nobody (and a change sets the scenario's shares)
        for k, unit in enumerate(model.units):
            unit.trained_share = 0.2 * (k + 1)

    train_unequally()

    def by_hand():
        staff = np.array([u.staff for u in model.units], dtype=float)
        return float(np.dot(staff, [u.trained_share for u in model.units]) / staff.sum())

    assert model.trained_share() == by_hand()
    before = model.trained_share()
    staff = [u.staff for u in model.units]
    model.apply_change({"administration.units.0.staff": staff[0] * 10})
    assert [u.staff for u in model.units] == [staff[0] * 10, *staff[1:]]
    train_unequally()
    assert model.trained_share() == by_hand() != before
    model.run_for(2)
    assert model.metric("trained_share") == by_hand()
