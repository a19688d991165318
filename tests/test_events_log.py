"""The event log where people read it: `quartier run`'s events.parquet, the dashboard's log
and the handout (issue 13, points 4 and 6). The log itself is tested in test_events.py."""

import pandas as pd
import pytest

from simulation.cli import main
from simulation.events import KINDS

from .conftest import SCENARIOS


def flagship_until(tmp_path, days: int):
    """The flagship at 300 residents, long enough for its first shocks (days 60 and 100)."""
    path = tmp_path / "small.toml"
    path.write_text(f'base = "{(SCENARIOS / "new_shelter.toml").as_posix()}"\nwarmup_days = 20\ndays = {days}\n'
                    "[town]\nresidents = 300\n")
    return path


def test_quartier_run_writes_the_event_log_with_both_languages(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(flagship_until(tmp_path, 110)), "--out", str(out)]) == 0
    events = pd.read_parquet(out / "events.parquet")
    assert list(events.columns) == ["day", "kind", "district", "district_name", "value", "detail", "text_en", "text_de"]
    assert events["day"].is_monotonic_increasing and set(events["kind"]) <= set(KINDS)
    shocks = events[events["kind"] == "shock"]
    # The flagship's scheduled shocks of the first 110 days: contested decision (60), newcomers (100).
    assert list(shocks["day"]) == [60, 100]
    assert list(shocks["detail"]) == ["contested_decision", "newcomer_influx"]
    assert shocks["text_de"].str.contains("umstrittene Entscheidung").iloc[0]
    assert shocks["text_en"].str.contains("contested decision").iloc[0]
    assert (events.loc[events["district"] >= 0, "district_name"] != "").all()
    assert (events.loc[events["district"] < 0, "district_name"] == "").all()
