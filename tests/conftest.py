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
