"""What the dashboard shows and does, without any user interface: testable on its own.

A :class:`Session` holds the choices of the room (scenario, structures, the few parameters a
workshop changes, seed, side by side) and one or two :class:`Town` objects built from them.
The sliders' ranges, defaults and help texts come from the scenario schema; this module only
names which keys a workshop gets to change.

Every change to a session -- a step, a shock, a switch, a new scenario -- goes through
:meth:`Session.apply`, which holds the session's lock while it changes the towns and returns
a :class:`Frame`: an immutable snapshot of everything the page shows. The page renders frames
only, never the live model, so a step can never change what a render is reading, and Step,
Week and play can never step the same town at once.
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..events import Event
from ..kernels import conflict as ck
from ..library import scenario_files
from ..model import QuartierModel
from ..tomlwrite import to_toml
from ..scenario import (
    CHANGEABLE,
    STRUCTURE_NAMES,
    Scenario,
    ScenarioError,
    apply_overrides,
    field_bounds,
    load_scenario,
    model_at,
    scenario_from_dict,
    with_preset,
)

__all__ = ["Session", "Town", "Frame", "TownFrame", "WORKSHOP_PARAMETERS", "slider_spec", "SHOCK_BUTTONS", "library",
           "log_lines"]

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
    """The scenario library for workshops: file name -> scenario (research scenarios left out)."""
    found = {}
    for path in scenario_files():
        try:
            scenario = load_scenario(path)
        except ScenarioError:
            continue  # a broken file in a user's folder must not take the page down
        if scenario.meta.audience == "workshop":
            found[path.name] = scenario
    return found


def scenario_path(name: str) -> Path:
    """The library file called ``name`` (user folders first, as ``quartier run`` finds it)."""
    for path in scenario_files():
        if path.name == name:
            return path
    raise ScenarioError(f"scenario {name[:60]!r}: allowed: one of {', '.join(p.name for p in scenario_files())}")


def slider_spec(path: str, scenario: Scenario) -> dict[str, Any]:
    """Range, step, current value and help text of a schema key, for a slider."""
    parts = tuple(path.split("."))
    model = model_at(parts)
    info = model.model_fields[parts[-1]]
    lo, hi, _, _ = field_bounds(info)
    value: Any = scenario
    for part in parts:
        value = getattr(value, part)
    integer = info.annotation is int
    if integer and hi is not None and hi > 100:
        hi = max(20, int(value) * 4)  # a usable slider, not the schema's outer limit
    lo = lo if lo is not None else 0
    hi = hi if hi is not None else max(1, value * 4)
    return {
        "min": lo,
        "max": hi,
        "step": 1 if integer else slider_step(lo, hi, value),
        "value": value,
        "integer": integer,
        "help": info.description,
    }


# Steps a person can read off a slider; a slider of 50 to 200 positions is fine to drag.
_NICE_STEPS = (1.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.025, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0001)


def slider_step(lo: float, hi: float, value: float) -> float:
    """The coarsest readable step with at least 50 positions between ``lo`` and ``hi`` whose
    grid, counted from ``lo``, holds ``value`` exactly.

    A grid that misses the scenario's value would move the value at load (a step of
    (20 - 1) / 100 = 0.19 turns 2.0 into 1.95) and silently rebuild the town.
    """

    def on_grid(x: float, step: float) -> bool:
        k = (x - lo) / step
        return abs(k - round(k)) < 1e-9 * max(1.0, abs(k))

    for step in _NICE_STEPS:
        if (hi - lo) / step >= 50 and on_grid(value, step) and on_grid(hi, step):
            return step
    for step in _NICE_STEPS:  # a value with more digits than any readable step: hold it anyway
        if on_grid(value, step):
            return step
    return (hi - lo) / 1000


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


@dataclass(frozen=True)
class TownFrame:
    """What the page shows of one town on one day (copies, never views on the live arrays)."""

    label: str
    day: int
    counters: dict[str, int]
    curves: dict[str, np.ndarray]
    district_tension: np.ndarray
    positions: np.ndarray
    group: np.ndarray
    tension: np.ndarray
    hostile_segments: np.ndarray
    hostile_band: np.ndarray
    # The town's event log so far (the model never changes an event once logged, so a
    # tuple of the same records is a snapshot).
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Frame:
    """A snapshot of the whole session for one render; ``version`` grows with every change,
    ``layout_key`` changes only when the towns were rebuilt (figures are then built anew)."""

    version: int
    layout_key: int
    day: int
    period_days: int
    shocks: tuple[tuple[int, str], ...]
    towns: tuple[TownFrame, ...]

    @property
    def period_over(self) -> bool:
        return self.day >= self.period_days


# Curves the dashboard draws (those of the comparison report): metric column (or derived
# series) and a scale factor.
CURVES = (("feuds_per_1000", 1.0), ("esteban_ray", 1.0), ("trust_mean", 1.0), ("incidents_week", 1.0))
_versions = itertools.count(1)


def curve_values(series: Callable[[str], np.ndarray], key: str, scale: float) -> np.ndarray:
    """A curve's values by day; ``incidents_week`` is the trailing 7-day average scaled to a
    week, as in the comparison report."""
    if key == "incidents_week":
        daily = series("incidents")
        window = np.minimum(np.arange(1, daily.size + 1), 7)
        return 7.0 * np.convolve(daily, np.ones(7), mode="full")[: daily.size] / window
    return series(key) * scale


def log_lines(town: TownFrame, lang: str, districts: list[str] | tuple[str, ...], start: int = 0) -> list[dict[str, Any]]:
    """The lines of a town's event log from its ``start``-th event on, as the page's log
    shows them: ``{"day", "kind", "text"}`` with ``text`` "Tag 130 – Nordstadt: Gewaltvorfall".
    The page asks only for lines it has not shown yet, so a step sends only the day's news."""
    from ..reports.story import event_line

    return [{"day": e.day, "kind": e.kind, "text": event_line(e, lang, districts)} for e in town.events[start:]]


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
    # Shocks triggered from the page since the towns were built: (day, kind, district, strength).
    shocks_triggered: list[tuple[int, str, str | None, float]] = field(default_factory=list)
    # Changes made on the running town (switches and structure sliders after day 0): (day, settings).
    changes_made: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    pending_changes: list[dict[str, Any]] = field(default_factory=list)
    live_values: dict[str, Any] = field(default_factory=dict)
    # A scenario loaded from a file (a saved session) instead of one of the library.
    loaded: Scenario | None = None
    loaded_name: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    layout_key: int = field(default=0, repr=False, compare=False)
    started_with: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    def apply(self, change: Callable[["Session"], Any] | None = None) -> Frame:
        """Make one change (a function of the session) under the lock and return the frame
        that shows its result. Every path that changes the towns goes through here."""
        with self.lock:
            if change is not None:
                change(self)
            return self.frame()

    def frame(self) -> Frame:
        """A snapshot of what the page shows, taken under the lock."""
        with self.lock:
            towns = tuple(self._town_frame(t) for t in self.towns)
            shocks = tuple((int(day), kind) for day, kind in self.towns[0].model.shock_log) if self.towns else ()
            days = self.towns[0].model.config.days if self.towns else 0
            return Frame(next(_versions), self.layout_key, self.day, int(days), shocks, towns)

    @staticmethod
    def _town_frame(town: "Town") -> TownFrame:
        model = town.model
        s = model.state
        frame = model.datacollector.model_vars
        n = model.n_districts
        per_district = np.bincount(s.district, minlength=n)
        segments, band = town.hostile_segments()
        return TownFrame(
            label=town.label,
            day=int(model.steps),
            counters={
                "counter_day": int(model.steps),
                "counter_incidents": int(sum(frame["incidents"])),
                "counter_reported": int(sum(frame["reported"])),
                "counter_cases": int(sum(frame["cases_handled"])),
                "counter_backlog": int(frame["backlog"][-1]),
                "counter_mediations": int(sum(frame["mediations_succeeded"])),
            },
            curves={key: curve_values(town.series, key, scale) for key, scale in CURVES},
            district_tension=np.bincount(s.district, weights=s.tension, minlength=n) / np.maximum(per_district, 1),
            positions=town.positions().copy(),
            group=s.group.copy(),
            tension=s.tension.copy(),
            hostile_segments=segments,
            hostile_band=band,
            events=tuple(model.events),
        )

    def scenario(self) -> Scenario:
        base = self.loaded if self.loaded is not None else load_scenario(scenario_path(self.scenario_file))
        return apply_overrides(base, self.values) if self.values else base

    def change(self, settings: dict[str, Any]) -> None:
        """A switch or slider during the run: before the first day the town is built anew
        with it; later it changes the running town from the next day on (``apply_change``),
        in the town with the room's settings only (the other side stays its preset), and is
        remembered for :meth:`save`."""
        with self.lock:
            running = self.day > 0 and all(k.startswith(CHANGEABLE) for k in settings)
            for key, value in settings.items():
                if key.startswith("structures.") and key.endswith(".enabled"):
                    self.structures[key.split(".")[1]] = bool(value)
                elif running:
                    self.live_values[key] = value  # shown by the slider; the start stays as it was
                else:
                    self.values[key] = value
            if not running:
                self.reset()
                return
            # Applied just before the next day, after any shock triggered in this pause: the
            # order in which a scenario file's shocks and changes of one day take effect.
            self.pending_changes.append(dict(settings))
            self.changes_made.append((self.day + 1, dict(settings)))

    def save(self) -> str:
        """The session as a scenario file (TOML) that ``quartier run`` reproduces exactly:
        the scenario with the room's settings, the seed, the structures at the start, and
        every shock and change with the day it took effect."""
        with self.lock:
            data = self._start_scenario().model_dump(mode="json", exclude_none=True)
            data["seed"] = self.seed
            model = self.towns[0].model
            data["days"] = max(int(data.get("days", 1)), self.day, 1)
            # Within one day, shocks from the page fired before the scenario's own (those fire
            # as the day begins), and all shocks before the day's changes: the file keeps that order.
            triggered = []
            for day, kind, district, strength in self.shocks_triggered:
                entry = {"kind": kind, "day": day + 1, **shock_fields(model.config, kind, district, strength)}
                triggered.append({k: v for k, v in entry.items() if v is not None})
            own = data.get("shocks", [])
            data["shocks"] = sorted(triggered + own, key=lambda s: s["day"])
            for day, settings in self.changes_made:
                data.setdefault("changes", []).append({"day": day, "set": dict(settings)})
            meta = data.setdefault("meta", {})
            for lang in ("en", "de"):
                title = meta.get(f"title_{lang}", "")
                if not title.endswith(SAVED_SUFFIX[lang]):
                    meta[f"title_{lang}"] = title[: TITLE_MAX - len(SAVED_SUFFIX[lang])] + SAVED_SUFFIX[lang]
        return to_toml(data)

    def _start_scenario(self) -> Scenario:
        started = self.started_with or self.structures
        return apply_overrides(self.scenario(), {f"structures.{n}.enabled": on for n, on in started.items()})

    def load(self, text: str, name: str = "saved.toml") -> None:
        """Open a saved session (or any scenario file) as the room's scenario; raises
        :class:`ScenarioError` with a one-line reason, changing nothing, if it is not valid."""
        scenario = parse_scenario_text(text, name)
        with self.lock:
            self.loaded, self.loaded_name = scenario, name[:80]
            self.values = {}
            self.seed = int(scenario.seed)
            self.structures = {n: bool(getattr(scenario.structures, n).enabled) for n in STRUCTURE_NAMES}
            self.reset()

    def slider_specs(self) -> dict[str, dict[str, Any]]:
        scenario = self.scenario()
        if self.live_values:
            scenario = apply_overrides(scenario, self.live_values)
        return {path: slider_spec(path, scenario) for path in WORKSHOP_PARAMETERS}

    def reset(self) -> None:
        """Build the town(s) afresh from the choices (same seed: the same town)."""
        scenario = self.scenario()
        chosen = apply_overrides(scenario, {f"structures.{n}.enabled": on for n, on in self.structures.items()})
        with self.lock:
            self.started_with = dict(self.structures)
            self.changes_made, self.pending_changes, self.live_values = [], [], {}
            self.towns = [Town("chosen", QuartierModel(chosen, seed=self.seed), self.seed)]
            if self.side_by_side:
                other = with_preset(scenario, self.other_preset)
                self.towns.append(Town(self.other_preset, QuartierModel(other, seed=self.seed), self.seed))
            self.shocks_triggered = []
            self.layout_key = next(_versions)

    @property
    def day(self) -> int:
        return self.towns[0].model.steps if self.towns else 0

    def step(self, days: int = 1) -> None:
        """Advance every town by ``days``, in lockstep."""
        with self.lock:
            for _ in range(days):
                for settings in self.pending_changes:
                    self.towns[0].model.apply_change(settings)
                self.pending_changes = []
                for town in self.towns:
                    town.model.step()

    def trigger(self, kind: str, district: str | None, strength: float = 1.0) -> None:
        """The same shock hits every town now."""
        if kind not in SHOCK_BUTTONS:
            raise ValueError(f"shock kind {kind[:40]!r}: allowed: {', '.join(SHOCK_BUTTONS)}")
        with self.lock:
            self.shocks_triggered.append((self.day, kind, district, float(strength)))
            for town in self.towns:
                self._trigger_one(town, kind, district, strength)

    @staticmethod
    def _trigger_one(town: "Town", kind: str, district: str | None, strength: float) -> None:
        fields = shock_fields(town.model.config, kind, district, strength)
        town.model.trigger_shock(kind, **fields)


def shock_fields(config: Scenario, kind: str, district: str | None, strength: float) -> dict[str, Any]:
    """The schema fields of a button's shock in this town: sizes times ``strength``, the
    scenario's last group as target or newcomers, its first unit for a budget cut."""
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
    return {"district": district, **fields}


SAVED_SUFFIX = {"en": " (saved workshop session)", "de": " (gespeicherte Workshop-Sitzung)"}
MAX_SCENARIO_BYTES = 1_000_000
TITLE_MAX = 120  # the schema's limit for meta.title_*


def parse_scenario_text(text: str | bytes, name: str = "saved.toml") -> Scenario:
    """A scenario from the text of an uploaded file, validated like any scenario file.

    Raises :class:`ScenarioError` with one line naming the problem: too large, not UTF-8,
    not TOML, a ``base`` (an upload has no folder to find it in), or the schema's message.
    """
    if isinstance(text, bytes):
        if len(text) > MAX_SCENARIO_BYTES:
            raise ScenarioError(f"{name[:60]}: {len(text)} bytes: allowed: a scenario file of at most 1 MB")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ScenarioError(f"{name[:60]}: not a text file (UTF-8): allowed: a scenario file (.toml)") from None
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{name[:60]}: not a TOML file ({str(exc)[:80]}): allowed: a scenario file (.toml)") from None
    if "base" in data:
        raise ScenarioError(f"{name[:60]}: key 'base' = {str(data['base'])[:40]!r}: allowed: a self-contained file "
                            "(the dashboard saves them so)")
    return scenario_from_dict(data, name[:60])


def scenario_title(scenario: Scenario, lang: str) -> tuple[str, str]:
    meta = scenario.meta
    return (meta.title_de, meta.description_de) if lang == "de" else (meta.title_en, meta.description_en)


def default_scenario_file() -> str:
    files = [p.name for p in scenario_files()]
    return "new_shelter.toml" if "new_shelter.toml" in files else files[0]
