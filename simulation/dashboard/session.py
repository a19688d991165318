"""What the dashboard shows and does, without any user interface: testable on its own.

A :class:`Session` holds the choices of the room (scenario, structures, the few parameters a
workshop changes, seed, side by side) and one or two :class:`Town` objects built from them.
The sliders' ranges, defaults and help texts come from the scenario schema; this module only
names which keys a workshop gets to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..cli import scenario_folder
from ..kernels import conflict as ck
from ..model import QuartierModel
from ..scenario import (
    STRUCTURE_NAMES,
    Scenario,
    _model_at,
    apply_overrides,
    field_bounds,
    load_scenario,
    with_preset,
)

__all__ = ["Session", "Town", "WORKSHOP_PARAMETERS", "slider_spec", "SHOCK_BUTTONS", "library"]

# The keys a workshop changes; everything about them (range, default, help) is the schema's.
WORKSHOP_PARAMETERS = (
    "structures.mediator_pool.mediators",
    "structures.contact_point.report_boost",
    "structures.early_warning.threshold_factor",
    "structures.round_tables.interval_days",
    "structures.crisis_team.active_days",
    "conflict.incident_probability",
)

# On-demand shocks: the schema fields each button sets, at strength 1 (the strength slider
# multiplies sizes). Kept small: a button is a nudge in a workshop, not a new scenario.
SHOCK_BUTTONS: dict[str, dict[str, Any]] = {
    "violent_incident": {"size": 8, "stage": 5},
    "rumour": {"size": 4, "target_group": None},  # None: the last group in the scenario
    "newcomer_influx": {"size": 40, "group": None},
    "contested_decision": {},
    "resource_cut": {"unit": None, "size": 0.3, "duration_days": 60},  # None: the entry unit
}


def library() -> dict[str, Scenario]:
    """The scenario library: file name -> scenario."""
    return {p.name: load_scenario(p) for p in sorted(scenario_folder().glob("*.toml"))}


def slider_spec(path: str, scenario: Scenario) -> dict[str, Any]:
    """Range, step, current value and help text of a schema key, for a slider."""
    parts = tuple(path.split("."))
    model = _model_at(parts)
    info = model.model_fields[parts[-1]]
    lo, hi, _, _ = field_bounds(info)
    value: Any = scenario
    for part in parts:
        value = getattr(value, part)
    integer = info.annotation is int
    if integer and hi is not None and hi > 100:
        hi = max(20, int(value) * 4)  # a usable slider, not the schema's outer limit
    return {
        "min": lo if lo is not None else 0,
        "max": hi if hi is not None else max(1, value * 4),
        "step": 1 if integer else (hi - lo) / 100 if hi is not None and lo is not None else 0.01,
        "value": value,
        "integer": integer,
        "help": info.description,
    }


def town_layout(model: QuartierModel, seed: int, start: int = 0) -> np.ndarray:
    """Positions of residents ``start..n-1``: districts as discs on a grid, each group in
    its own sector of the disc, so segregation and hostile ties across groups show.

    Uses its own generator (from the seed), never the model's, so drawing cannot change
    the simulation.
    """
    s = model.state
    rng = np.random.default_rng([seed, start, 7])
    d = s.district[start:].astype(float)
    g = s.group[start:].astype(float)
    cols = math.ceil(math.sqrt(model.n_districts))
    cx, cy = (d % cols) * 2.4, -(d // cols) * 2.4
    sector = 2 * math.pi / model.n_groups
    angle = g * sector + rng.random(d.size) * sector
    radius = np.sqrt(rng.random(d.size))
    return np.column_stack([cx + radius * np.cos(angle), cy + radius * np.sin(angle)])


@dataclass
class Town:
    """One model and its drawing positions (computed once per town, extended for newcomers)."""

    label: str
    model: QuartierModel
    seed: int
    layout: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.layout = town_layout(self.model, self.seed)

    def positions(self) -> np.ndarray:
        n = self.model.state.n
        if self.layout.shape[0] < n:
            self.layout = np.vstack([self.layout, town_layout(self.model, self.seed, self.layout.shape[0])])
        return self.layout

    def hostile_segments(self) -> tuple[np.ndarray, np.ndarray]:
        """Line segments of hostile ties and their Glasl band (0: 1-3, 1: 4-6, 2: 7-9)."""
        ties = np.flatnonzero(self.model.valence == ck.HOSTILE)
        pos = self.positions()
        segments = np.stack([pos[self.model.ties.u[ties]], pos[self.model.ties.v[ties]]], axis=1)
        return segments, (self.model.stage[ties] - 1) // 3

    def series(self, name: str) -> np.ndarray:
        return np.asarray(self.model.datacollector.model_vars[name], dtype=float)


@dataclass
class Session:
    """The room's choices and the towns built from them."""

    scenario_file: str = "new_shelter.toml"
    structures: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(STRUCTURE_NAMES, True))
    values: dict[str, Any] = field(default_factory=dict)
    seed: int = 1
    side_by_side: bool = False
    other_preset: str = "none"
    towns: list[Town] = field(default_factory=list)

    def scenario(self) -> Scenario:
        base = load_scenario(scenario_folder() / self.scenario_file)
        return apply_overrides(base, self.values) if self.values else base

    def slider_specs(self) -> dict[str, dict[str, Any]]:
        scenario = self.scenario()
        return {path: slider_spec(path, scenario) for path in WORKSHOP_PARAMETERS}

    def reset(self) -> None:
        """Build the town(s) afresh from the choices (same seed: the same town)."""
        scenario = self.scenario()
        chosen = apply_overrides(scenario, {f"structures.{n}.enabled": on for n, on in self.structures.items()})
        self.towns = [Town("chosen", QuartierModel(chosen, seed=self.seed), self.seed)]
        if self.side_by_side:
            other = with_preset(scenario, self.other_preset)
            self.towns.append(Town(self.other_preset, QuartierModel(other, seed=self.seed), self.seed))

    @property
    def day(self) -> int:
        return self.towns[0].model.steps if self.towns else 0

    def step(self, days: int = 1) -> None:
        """Advance every town by ``days``, in lockstep."""
        for _ in range(days):
            for town in self.towns:
                town.model.step()

    def trigger(self, kind: str, district: str | None, strength: float = 1.0) -> None:
        """The same shock hits every town now."""
        for town in self.towns:
            config = town.model.config
            fields = dict(SHOCK_BUTTONS[kind])
            if "size" in fields:
                size = fields["size"] * strength
                fields["size"] = min(size, 0.9) if kind == "resource_cut" else max(1, int(round(size)))
            if "target_group" in fields:
                fields["target_group"] = config.group_names()[-1]
            if "group" in fields:
                fields["group"] = config.group_names()[-1]
            if "unit" in fields:
                fields["unit"] = config.administration.units[0].kind
            if kind == "newcomer_influx" and district is None:
                district = config.town.districts[0]
            town.model.trigger_shock(kind, district=district, **fields)


def scenario_title(scenario: Scenario, lang: str) -> tuple[str, str]:
    meta = scenario.meta
    return (meta.title_de, meta.description_de) if lang == "de" else (meta.title_en, meta.description_en)


def default_scenario_file() -> str:
    files = [p.name for p in sorted(Path(scenario_folder()).glob("*.toml"))]
    return "new_shelter.toml" if "new_shelter.toml" in files else files[0]
