"""The daily metrics' shortcuts give what the plain calls give: what they keep from one day to
the next the values counted afresh, and the daily table the columns and dtypes pandas infers
from the DataCollector's lists."""

import numpy as np
import pandas as pd
import pytest

from simulation.indicators import DAILY, Measurement
from simulation.model import QuartierModel
from simulation.scenario import apply_overrides, load_scenario, with_preset

from .conftest import SCENARIOS

RUMOUR_AWARE = next(m for m in DAILY if m.name == "rumour_aware")


def _counted_afresh(model) -> float:
    """The share aware of a rumour in a fresh measurement (nothing kept), the model's left as it was."""
    kept = model.measurement
    model.measurement = Measurement(model)
    try:
        return RUMOUR_AWARE.compute(model)
    finally:
        model.measurement = kept


def test_the_share_aware_of_a_rumour_kept_once_it_is_over_is_the_share_counted_afresh():
    """Before, while and after the rumour spreads, and after newcomers move in once it is over
    (their rumour states are a longer array, so the share is counted again and falls)."""
    scenario = apply_overrides(load_scenario(SCENARIOS / "playground_rumour.toml"),
                               {"town.residents": 300, "warmup_days": 5, "days": 200})
    model = QuartierModel(scenario, seed=3)
    kept_days = 0
    for _ in range(150):
        model.step()
        assert repr(model.metric("rumour_aware")) == repr(_counted_afresh(model))
        kept_days += model.measurement.kept.get("rumour_aware") is not None
    assert model.rumours and not model.rumours[0].active and kept_days > 50
    before = model.metric("rumour_aware")
    model.add_residents(0, 0, 30, 3.0)
    model.step()
    assert repr(model.metric("rumour_aware")) == repr(_counted_afresh(model))
    assert model.metric("rumour_aware") < before


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
