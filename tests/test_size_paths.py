"""The size switches choose a speed, never a result.

Case handling, early warning's feud count and the rumour round each do a day's few items in
plain Python and many on arrays (``administration.FEW``, ``structures.FEW_FEUDS``,
``kernels.rumour.FEW_SPREADERS``). The pinned runs (800 residents) stay on the small side;
here one busy town (5,000 residents, many incidents and cases, a rumour of 500 spreaders
reaching newcomers) runs with every switch set so that everything takes the plain-Python
side, and again so that everything takes the arrays' side, and the two runs must be the
same to the bit: daily table, residents' state, ties, case book, event log and the
generator's final state. A later edit to one side only fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

import simulation.administration as administration
import simulation.kernels.rumour as rumour
import simulation.shocks as shocks
import simulation.structures as structures
from simulation.model import QuartierModel
from simulation.scenario import apply_overrides, load_scenario, with_preset

from .conftest import SCENARIOS

pytestmark = pytest.mark.slow  # two runs of a 5,000-resident town

BUSY = {
    "town.residents": 5000, "days": 150, "warmup_days": 30,
    "conflict.incident_probability": 0.35, "conflict.escalate_probability": 0.45,
    "conflict.initial_hostile_share": 0.03, "administration.report_base_probability": 0.7,
    "shocks.3.day": 90, "shocks.3.size": 500, "shocks.1.size": 400,
}  # fmt: skip

SWITCHES = ((administration, "FEW"), (structures, "FEW_FEUDS"), (rumour, "FEW_SPREADERS"))


def _run(scenario, monkeypatch, threshold: int, seen: dict) -> dict[str, bytes]:
    for module, name in SWITCHES:
        monkeypatch.setattr(module, name, threshold)
    round_ = rumour.maki_thompson_round

    def counting(state, *args, **kwargs):  # how large the rumour grew: the arrays' side needs > 384
        seen["spreaders"] = max(seen.get("spreaders", 0), int(np.count_nonzero(state == rumour.SPREADER)))
        return round_(state, *args, **kwargs)

    monkeypatch.setattr(shocks, "maki_thompson_round", counting)
    model = QuartierModel(scenario, seed=7)
    model.run_for(scenario.days)
    out = {f"daily.{c}": model.model_frame()[c].to_numpy(dtype=float).tobytes() for c in model.model_frame().columns}
    for field in ("opinion", "tension", "threat", "grievance", "trust"):
        out[f"state.{field}"] = getattr(model.state, field).tobytes()
    out["ties"] = model.valence.tobytes() + model.stage.tobytes()
    book = model.cases
    for column in ("created_day", "ready_day", "unit", "home_unit", "second_unit", "party_a", "party_b", "tie",
                   "district", "status", "handled_day"):  # fmt: skip
        out[f"cases.{column}"] = getattr(book, column)[: book.size].tobytes()
    out["events"] = repr(model.events).encode()
    out["rng"] = repr(model.rng.bit_generator.state).encode()
    seen["cases"] = book.size
    seen["feuds"] = int(np.count_nonzero(model.stage >= 4))
    return out


def test_every_size_switch_gives_the_same_run_on_either_side(monkeypatch):
    scenario = apply_overrides(with_preset(load_scenario(SCENARIOS / "new_shelter.toml"), "koko"), BUSY)
    small_seen: dict = {}
    large_seen: dict = {}
    small = _run(scenario, monkeypatch, 10**9, small_seen)  # everything in plain Python
    large = _run(scenario, monkeypatch, 0, large_seen)  # everything on arrays
    assert small_seen == large_seen
    # busy enough that the switches' real settings (16 cases, 32 feuds, 384 spreaders) are
    # crossed in both directions in a run like this one
    assert small_seen["cases"] > 1000 and small_seen["feuds"] > 32 and small_seen["spreaders"] > 384, small_seen
    differ = [key for key in small if small[key] != large[key]]
    assert not differ, differ
