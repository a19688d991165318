"""The daily metrics' shared work (the day's measurement) against each metric computed on its own."""

import pytest

from simulation.indicators import DAILY, Measurement, daily_metrics
from simulation.model import QuartierModel
from simulation.scenario import apply_overrides, load_scenario

from .conftest import SCENARIOS


def test_each_metric_alone_gives_the_value_of_the_days_measurement():
    """A metric that reads what another computed first in the day's measurement (the moments,
    the means, the tie counts, the clusters) computes it itself in a fresh measurement: alone, in any
    order, it gives the value and the type the day's measurement recorded."""
    from simulation.model import QuartierModel
    from simulation.scenario import apply_overrides, load_scenario

    scenario = apply_overrides(load_scenario("scenarios/new_shelter.toml"),
                               {"town.residents": 300, "warmup_days": 5, "days": 10})
    model = QuartierModel(scenario, seed=2)
    model.run_for(4)
    metrics = daily_metrics(scenario)
    recorded = {m.name: model.metric(m.name) for m in metrics}
    for m in reversed(metrics):
        model.measurement = Measurement(model)
        value = m.compute(model)
        assert repr(value) == repr(recorded[m.name]) and type(value) is type(recorded[m.name]), m.name


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
    with pytest.raises(ValueError):  # what is kept relies on it: a rumour that is over is read-only
        model.rumours[0].state[0] = 1
    before = model.metric("rumour_aware")
    model.add_residents(0, 0, 30, 3.0)
    model.step()
    assert repr(model.metric("rumour_aware")) == repr(_counted_afresh(model))
    assert model.metric("rumour_aware") < before
    with pytest.raises(ValueError):  # the newcomers' longer array too
        model.rumours[0].state[-1] = 1
