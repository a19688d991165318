"""Every NaN a figure can take is documented (docs/reference/missing_values.md).

The columns are read from the outputs, not listed here: a metric added tomorrow that can be
NaN fails this test until its missing values are explained."""

import re
from pathlib import Path

import numpy as np
import pytest

from simulation.experiments.runner import run_summary
from simulation.model import QuartierModel
from simulation.scenario import apply_overrides, load_scenario

from .conftest import ROOT, SCENARIOS

DOC = ROOT / "docs" / "reference" / "missing_values.md"


def documented_columns() -> set[str]:
    """Column names in the first cell of the tables' rows; ``<group>`` stands for any name."""
    names = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([^`]+)`", line.split("|")[1]))
    return names


def is_documented(column: str, documented: set[str]) -> bool:
    return any(re.fullmatch(re.escape(name).replace(re.escape("<group>"), r"[a-z][a-z0-9_]*"), column)
               for name in documented)


def test_the_document_has_the_known_cases():
    documented = documented_columns()
    assert {"days_to_handling", "cross_group_friendly_share", "days_to_deescalation"} <= documented
    assert is_documented("trust_newcomers", documented) and not is_documented("trust_mean_x", {"trust_mean"})


SHIPPED = sorted(SCENARIOS.glob("*.toml")) + sorted((SCENARIOS / "validation").glob("*.toml"))


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_nan_in_the_outputs_of_shipped_scenarios_is_documented(path: Path):
    scenario = load_scenario(path)
    if scenario.meta.audience == "research":  # a city of a million: its columns, at a town's size
        scenario = apply_overrides(scenario, {"town.residents": 20_000})
    model = QuartierModel(scenario)
    model.run_for(scenario.days)
    frame = model.model_frame()
    tables = {
        "model.parquet": frame,
        "agents.parquet": model.agents_frame(),
        "summary": {k: v for k, v in run_summary(frame, scenario).items()},
    }
    documented = documented_columns()
    undocumented = []
    for table, data in tables.items():
        columns = data.items() if isinstance(data, dict) else ((c, data[c]) for c in data.columns)
        for column, values in columns:
            values = np.asarray(values)
            if values.dtype.kind == "f" and np.isnan(values).any() and not is_documented(column, documented):
                undocumented.append(f"{table}: {column}")
    assert not undocumented, f"document these NaN in {DOC.relative_to(ROOT)}: {undocumented}"
