"""The daily metrics' shared work (the day's measurement) against each metric computed on its own."""

from simulation.indicators import Measurement, daily_metrics


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
