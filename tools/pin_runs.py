"""Pin whole runs to the bit, and check them later (for behaviour-preserving speed work).

``python tools/pin_runs.py save DIR`` runs a set of scenario/preset cases (every shipped
workshop scenario under none, koko and each structure alone, plus the programme scenario,
shortened) and stores each run's daily table, final resident state, ties, case log and event
log in ``DIR``; ``python tools/pin_runs.py check DIR`` runs them again and names every case
and column that differs. Both paths of the kernels are covered with ``QUARTIER_KERNELS``.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

from simulation.model import QuartierModel
from simulation.scenario import STRUCTURE_NAMES, apply_overrides, load_scenario, with_preset

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["new_shelter", "festival_incident", "housing_decision", "integration_budget_cut",
             "newcomers_everywhere", "playground_rumour", "baseline"]
PRESETS = ["none", "koko", *(f"none+{s}" for s in STRUCTURE_NAMES)]


def cases():
    for name in SCENARIOS:
        for preset in PRESETS if name == "new_shelter" else ["none", "koko"]:
            yield name, preset, {"town.residents": 800, "days": 200, "warmup_days": 60}
    yield "koko_implementation", None, {"town.residents": 600, "days": 400, "warmup_days": 30}


def digest(name, preset, overrides, seed=5) -> dict[str, str]:
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml")
    if preset:
        scenario = with_preset(scenario, preset)
    scenario = apply_overrides(scenario, overrides)
    model = QuartierModel(scenario, seed=seed)
    model.run_for(scenario.days)
    out = {}
    frame = model.model_frame()
    for column in frame.columns:
        out[f"daily.{column}"] = frame[column].to_numpy(dtype=float).tobytes()
    s = model.state
    for field in ("opinion", "tension", "threat", "grievance", "trust"):
        out[f"state.{field}"] = getattr(s, field).tobytes()
    out["ties.valence"] = model.valence.tobytes()
    out["ties.stage"] = model.stage.tobytes()
    out["events"] = repr(model.events).encode()
    if model.config.administration.enabled:
        book = model.case_handling.cases
        for column in ("created_day", "ready_day", "unit", "home_unit", "second_unit", "party_a", "party_b",
                       "tie", "district", "status", "handled_day"):
            out[f"cases.{column}"] = getattr(book, column)[: book.size].tobytes()
    out["rng"] = repr(model.rng.bit_generator.state).encode()
    return {k: hashlib.sha256(v).hexdigest()[:16] for k, v in out.items()}


def key(case) -> str:
    name, preset, _ = case
    return f"{name}.{preset}".replace("+", "_")


def main() -> int:
    mode, folder = sys.argv[1], Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    bad = 0
    for case in cases():
        got = digest(*case)
        path = folder / f"{key(case)}.txt"
        if mode == "save":
            path.write_text("\n".join(f"{k} {v}" for k, v in got.items()))
            continue
        want = dict(line.split(" ", 1) for line in path.read_text().splitlines())
        diff = [k for k in sorted(set(want) | set(got)) if want.get(k) != got.get(k)]
        if diff:
            bad += 1
            print(f"DIFFERS {key(case)}: {', '.join(diff[:12])}{' …' if len(diff) > 12 else ''}")
        else:
            print(f"same    {key(case)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
