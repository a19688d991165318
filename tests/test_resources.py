"""Memory estimates (simulation/resources.py) are upper bounds of what a run really takes,
and not so loose that they refuse towns that fit."""

import tracemalloc

import pytest

from simulation.model import QuartierModel
from simulation.resources import (
    INTERPRETER_BYTES,
    ResourceError,
    check_scenario,
    check_sweep,
    estimate_scenario,
    parse_size,
)
from simulation.scenario import apply_overrides, load_scenario, scenario_from_dict

from .conftest import SCENARIOS


def town(kind="sbm", residents=3000, degree=20.0, influx=None):
    scenario = apply_overrides(load_scenario(SCENARIOS / "baseline.toml"), {
        "town.residents": residents, "town.network.kind": kind, "town.network.mean_degree": degree,
        "days": 3, "warmup_days": 1})
    if influx:
        data = scenario.model_dump()
        data["shocks"] = [{"kind": "newcomer_influx", "day": 1, "group": "newcomers", "size": influx[0],
                           "ties_per_resident": influx[1]}]
        scenario = scenario_from_dict(data)
    return scenario


@pytest.mark.parametrize("scenario", [town(), town("complete", 1200), town(residents=1000, influx=(8000, 40))],
                         ids=["sbm", "complete", "influx"])
def test_estimate_bounds_the_measured_peak_within_a_factor_of_four(scenario):
    """The interpreter's own memory is not traced, so it is taken off the estimate; what is
    left must cover the traced peak (an estimate below it would let a town through that does
    not fit) and stay within 4x of it. Measured: 1.7x (sbm), 1.5x (influx), 2.7x (complete:
    its ties cost 73 bytes against the 200 the estimate takes for the costliest kind);
    4x leaves room for the model's allocation pattern to change without refusing towns
    that fit."""
    tracemalloc.start()
    try:
        model = QuartierModel(scenario, seed=1)
        for _ in range(scenario.days):
            model.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimated = estimate_scenario(scenario).bytes - INTERPRETER_BYTES
    assert peak <= estimated <= 4 * peak, (peak, estimated)


def test_limits_come_from_the_option_then_the_environment(monkeypatch):
    scenario = town()
    monkeypatch.setenv("QUARTIER_MAX_MEMORY", "1M")
    with pytest.raises(ResourceError, match="QUARTIER_MAX_MEMORY"):
        check_scenario(scenario)
    assert check_scenario(scenario, "64G").bytes > INTERPRETER_BYTES
    assert parse_size("2.5GiB") == int(2.5 * 2**30) and parse_size("500m") == 500 * 2**20 and parse_size("123") == 123
    with pytest.raises(ResourceError, match="--max-memory"):
        parse_size("-3G")


def test_sweeps_count_workers_and_runs_and_ask_for_yes():
    per_run = estimate_scenario(town())
    assert check_sweep(1000, per_run, 2, "64G") > 2 * per_run.bytes
    with pytest.raises(ResourceError, match="4 workers"):
        check_sweep(10, per_run, 4, 3 * per_run.bytes)
    with pytest.raises(ResourceError, match="--yes"):
        check_sweep(200_001, per_run, 1, "64G", max_runs=200_000)
    assert check_sweep(200_001, per_run, 1, "64G", max_runs=200_000, yes=True)
