from pathlib import Path

import pytest

from simulation.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def baseline():
    return load_scenario(SCENARIOS / "baseline.toml")


@pytest.fixture
def deffuant_file():
    return SCENARIOS / "validation" / "deffuant_complete.toml"


@pytest.fixture
def hk_file():
    return SCENARIOS / "validation" / "hk_complete.toml"


def pytest_sessionstart(session):
    """Load (the first time on a machine: compile) the numba kernels before any test, so
    tests that time or signal a subprocess do not meet a kernel being compiled."""
    from simulation.runs import warm_kernels

    warm_kernels()
