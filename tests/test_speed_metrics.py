"""What the daily metrics keep from one day to the next gives the values counted afresh."""

from simulation.indicators import DAILY, Measurement
from simulation.model import QuartierModel
from simulation.scenario import apply_overrides, load_scenario

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
    scenario = apply_overrides(load_scenario("scenarios/playground_rumour.toml"),
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
