"""Staff qualification as a process (issue 12, point 2): cohorts raise the trained share,
turnover erodes it."""

import numpy as np
import pytest

from simulation.model import QuartierModel
from simulation.scenario import ScenarioError, apply_overrides, scenario_from_dict


def quiet(baseline, **over):
    return apply_overrides(baseline, {"town.residents": 300, "warmup_days": 0, "conflict.enabled": False, **over})


def test_turnover_without_training_decays_the_trained_share_as_the_closed_form(baseline):
    """share(t) = share(0) * (1 - turnover)^(t / 365), exactly (up to float rounding)."""
    sc = quiet(baseline, **{"training.turnover_per_year": 0.2, "administration.units.0.trained_share": 0.6})
    model = QuartierModel(sc)
    model.run_for(730)
    assert model.units[0].trained_share == pytest.approx(0.6 * 0.8**2, rel=1e-9)
    frame = model.model_frame()
    t = frame["day"].to_numpy()
    staff = np.array([u.staff for u in model.units], dtype=float)
    expected = 0.6 * staff[0] / staff.sum() * 0.8 ** (t / 365)
    np.testing.assert_allclose(frame["trained_share"], expected, rtol=1e-9)


def test_a_cohort_raises_the_trained_share_by_staff_over_unit_staff_and_costs_hours(baseline):
    data = quiet(baseline, **{"training.turnover_per_year": 0.0}).model_dump()
    data["training"]["cohorts"] = [{"day": 10, "unit": "public_order", "staff": 3, "hours_per_person": 40}]
    data["administration"]["units"][0]["staff"] = 12
    model = QuartierModel(scenario_from_dict(data))
    model.run_for(20)
    assert model.units[0].trained_share == pytest.approx(0.25) and model.units[1].trained_share == 0.0
    frame = model.model_frame()
    assert frame["training_hours"].sum() == 120 and frame.loc[frame["day"] == 10, "training_hours"].item() == 120


def test_trained_staff_calm_more_disputes_when_handling_cases(baseline):
    """The same 300 stage-2 disputes handled by untrained and by fully trained staff: with
    trained_deescalation 0.5 about half the handled ones fall a stage when every handler is
    trained (binomial sd ~9 on 300), none when nobody is."""
    from simulation.kernels import conflict as ck

    def calmed(share):
        sc = quiet(baseline, **{"administration.multi_unit_share": 0.0, "training.turnover_per_year": 0.0})
        model = QuartierModel(sc, seed=1)
        for unit in model.units:
            unit.trained_share, unit.capacity_per_day = share, 100.0
        ties = np.arange(300)
        model.valence[ties], model.stage[ties] = ck.HOSTILE, 2
        model.case_handling.open_cases(model, ties, np.zeros(300, dtype=np.int16))
        model.run_for(10)
        return int((model.stage[ties] < 2).sum())

    assert calmed(0.0) == 0 and abs(calmed(1.0) - 150) < 30


def test_a_cohort_for_a_unit_the_town_lacks_is_refused_by_name(baseline):
    data = baseline.model_dump()
    data["training"]["cohorts"] = [{"day": 5, "unit": "housing", "staff": 2}]
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data)
    assert "training.cohorts[0].unit = 'housing'" in str(err.value) and "public_order" in str(err.value)
