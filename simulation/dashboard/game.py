"""The budget game (issue 13, point 3): teams run the same town on a budget of staff hours.

The trainer opens a :class:`Room` -- one scenario, one seed, a budget of staff hours per
month -- and gets a short code. Teams join it with the code and a name; each :class:`Team`
chooses which conflict-management structures its town gets and their sizes (how many
mediators, how often round tables meet), within the budget. The trainer advances the year
and triggers shocks; every action reaches every team's town on the same day.

Common random numbers: every team's town is built from the room's scenario and the room's
seed, so all towns start identical and meet the same shocks on the same days; a hidden
reference town with no structures (preset ``none``) runs alongside. A team's paired
difference to it is the effect of its choice in this one town -- one seed, so it still
carries chance (structures draw random numbers too); the comparison report over many seeds
is the test of a finding, the game is a discussion starter.

Cost rule (:func:`monthly_hours`): a choice costs the structures' *planned* staff hours per
month of 30 days -- their standing costs ("used or not" in the schema) plus the round tables
their schedule calls. Hours that depend on what happens (a mediation, outreach in a district
on alert, the crisis team's active days) cannot be planned; they show on the board as hours
spent. The case handling of the administration's units is the town's own and not part of
the budget. ``tests/test_game.py`` checks the rule against the hours the model records.

Ranking (:func:`ranking`): feud-days per 1,000 residents -- the area under the curve of feuds
per 1,000 residents (relationships at Glasl stage 4 or higher), summed over the days played;
lower is better, ties go to the team that spent fewer hours. Each team's paired difference is
its figure minus the reference town's.

Rooms live in a process-wide :class:`Registry` (Solara serves each browser in its own thread;
every room has its own lock). Nothing here knows about Solara: ``game_page.py`` is the page.
Bad input raises :class:`GameError`, whose message names the field, the value and what is
allowed, in either language.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..model import QuartierModel
from ..reports.i18n import tr
from ..scenario import STRUCTURE_NAMES, Scenario, ScenarioError, apply_overrides, field_bounds, load_scenario, model_at, with_preset
from ..structures import REGISTRY as STRUCTURES
from .session import SHOCK_BUTTONS, curve_values, scenario_path, shock_fields

__all__ = [
    "GameError", "Room", "Team", "Registry", "ROOMS", "SIZES", "COSTS", "monthly_hours",
    "feud_days", "ranking", "Board", "TeamBoard", "RankRow",
]

DAYS_PER_MONTH = 30
MAX_BUDGET_HOURS = 10_000.0  # a month of about 60 full-time posts: far above any town's means
MAX_ROOMS = 20
#: A room nobody changed for this long is closed when a new room needs its place.
ROOM_IDLE_S = 6 * 3600.0
MAX_TEAMS = 12
MAX_ADVANCE_DAYS = 3650
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: read aloud and typed without mix-ups
CODE_LENGTH = 4
TEAM_NAME = re.compile(r"[^\W_]([\w .\-]{0,29})", re.UNICODE)  # letters, digits, space, _ . -
#: The size a team chooses for a structure: the schema key under ``structures.<name>.``.
SIZES: dict[str, str] = {"mediator_pool": "mediators", "round_tables": "interval_days"}
#: Curves of the board, one small panel each: daily metric (or derived series).
BOARD_CURVES = ("feuds_per_1000", "esteban_ray", "incidents_week", "hours_spent")

_versions = itertools.count(1)


class GameError(ValueError):
    """Bad input from a page: a message key of the translation table and the values it names
    (field, value, what is allowed). ``str()`` is the English message; :meth:`message` is
    the message in the page's language."""

    def __init__(self, key: str, **values: Any) -> None:
        self.key, self.values = key, values
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        values = dict(self.values)
        if "field" in values:  # a schema key: its label
            values["field"] = tr(values["field"], lang)
        if "parts" in values:  # (structure, hours) pairs
            values["parts"] = ", ".join(f"{tr(name, lang)} {hours:.0f}" for name, hours in values["parts"])
        return tr(self.key, lang, **values)


def _shown(value: Any, limit: int = 40) -> str:
    """A value as a message quotes it: short and on one line."""
    text = " ".join(str(value).split())
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


# ----------------------------------------------------------------------------------------------
# What a choice costs
# ----------------------------------------------------------------------------------------------

#: Planned staff hours per day of each structure (standing cost plus scheduled round
#: tables), as each structure class states it (:meth:`simulation.structures.Structure.planned_hours`).
COSTS: dict[str, Callable[[Any, Scenario], float]] = {name: cls.planned_hours for name, cls in STRUCTURES.items()}


def monthly_hours(scenario: Scenario) -> dict[str, float]:
    """Planned staff hours per month (30 days) of each structure the scenario switches on.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario; its ``structures`` say which are on and their settings.

    Returns
    -------
    dict
        structure name -> hours per month, for the structures switched on.

    Example
    -------
    Four mediators on a retainer of 2 hours a week: 4 · 2 / 7 · 30 ≈ 34.3 hours a month.
    """
    hours = {}
    for name in STRUCTURE_NAMES:
        params = getattr(scenario.structures, name)
        if params.enabled:
            hours[name] = DAYS_PER_MONTH * COSTS[name](params, scenario)
    return hours


def size_bounds(structure: str) -> tuple[int, int]:
    """The schema's range of a structure's size (``SIZES``)."""
    info = model_at(("structures", structure, SIZES[structure])).model_fields[SIZES[structure]]
    lo, hi, _, _ = field_bounds(info)
    return int(lo), int(hi)


def choice_settings(structures: Iterable[str], sizes: dict[str, int]) -> dict[str, Any]:
    """Dotted schema keys for a choice: each structure on or off, and the sizes given.

    Raises :class:`GameError` for an unknown structure or a size outside the schema's range.
    """
    on = set(structures)
    unknown = sorted(on - set(STRUCTURE_NAMES)) + sorted(set(sizes) - set(SIZES))
    if unknown:
        raise GameError("game_bad_structure", value=_shown(unknown[0]), allowed=", ".join(STRUCTURE_NAMES))
    settings: dict[str, Any] = {f"structures.{n}.enabled": n in on for n in STRUCTURE_NAMES}
    for name, size in sizes.items():
        key = f"structures.{name}.{SIZES[name]}"
        lo, hi = size_bounds(name)
        if isinstance(size, bool) or not isinstance(size, (int, float)) or size != int(size) or not lo <= size <= hi:
            raise GameError("game_bad_size", field=key, value=_shown(size), low=lo, high=hi)
        settings[key] = int(size)
    return settings


# ----------------------------------------------------------------------------------------------
# Teams and rooms
# ----------------------------------------------------------------------------------------------


@dataclass
class Team:
    """A team's choice and its town (built from the room's scenario and seed)."""

    name: str
    structures: tuple[str, ...]
    sizes: dict[str, int]
    planned_hours: dict[str, float]
    model: QuartierModel

    @property
    def planned_total(self) -> float:
        return float(sum(self.planned_hours.values()))

    def choice_label(self) -> str:
        return "+".join(self.structures) or "none"


def hours_spent(model: QuartierModel) -> np.ndarray:
    """Staff hours the structures spent, cumulative by day (day 0 first)."""
    data = model.datacollector.model_vars
    daily = np.sum([np.asarray(data[f"hours_{n}"], dtype=float) for n in STRUCTURE_NAMES], axis=0)
    daily[0] = 0.0  # day 0 is the state before the game
    return np.cumsum(daily)


def feud_days(model: QuartierModel) -> float:
    """Feud-days per 1,000 residents: feuds per 1,000 residents summed over days 1..today."""
    return float(np.sum(np.asarray(model.datacollector.model_vars["feuds_per_1000"][1:], dtype=float)))


def _series(model: QuartierModel) -> Callable[[str], np.ndarray]:
    return lambda name: np.asarray(model.datacollector.model_vars[name], dtype=float)


def board_curves(model: QuartierModel) -> dict[str, np.ndarray]:
    """The board's curves of one town, by day (copies)."""
    curves = {key: curve_values(_series(model), key, 1.0) for key in BOARD_CURVES if key != "hours_spent"}
    curves["hours_spent"] = hours_spent(model)
    return curves


@dataclass(frozen=True)
class TeamBoard:
    """What the board shows of one team (copies, never the live model)."""

    name: str
    structures: tuple[str, ...]
    sizes: dict[str, int]
    planned_hours: float
    curves: dict[str, np.ndarray]
    incidents: int
    feud_days: float


@dataclass(frozen=True)
class RankRow:
    rank: int
    name: str
    feud_days: float
    difference: float  # the team's feud-days minus the reference town's
    incidents: int
    incidents_difference: int
    hours_spent: float


@dataclass(frozen=True)
class Board:
    """A snapshot of a room for one render; ``version`` grows with every change."""

    version: int
    code: str
    day: int
    period_days: int
    budget_hours_per_month: float
    shocks: tuple[tuple[int, str], ...]
    teams: tuple[TeamBoard, ...]
    reference: TeamBoard
    ranking: tuple[RankRow, ...]

    @property
    def started(self) -> bool:
        return self.day > 0


def ranking(teams: Iterable[Team], reference: QuartierModel) -> list[RankRow]:
    """Teams by feud-days per 1,000 residents (lower first; equal figures: fewer hours spent
    first), each with its paired difference to the reference town without structures."""
    base_feuds = feud_days(reference)
    base_incidents = int(np.sum(reference.datacollector.model_vars["incidents"][1:]))
    rows = []
    for team in teams:
        incidents = int(np.sum(team.model.datacollector.model_vars["incidents"][1:]))
        figure = feud_days(team.model)
        rows.append((figure, float(hours_spent(team.model)[-1]), team.name, incidents))
    rows.sort()
    return [RankRow(k + 1, name, figure, figure - base_feuds, incidents, incidents - base_incidents, spent)
            for k, (figure, spent, name, incidents) in enumerate(rows)]


@dataclass
class Room:
    """One town, one seed, one budget; the teams and the hidden reference town.

    Every method that reads or changes the towns holds the room's lock, so the trainer's
    page, the teams' pages and the board never see a town half-stepped.
    """

    code: str
    scenario_name: str
    scenario: Scenario
    seed: int
    budget_hours_per_month: float
    trainer_key: str = field(default_factory=lambda: secrets.token_hex(4))
    teams: dict[str, Team] = field(default_factory=dict)
    # Shocks the trainer triggered: (day, kind, district, strength); day = the day before it hits.
    shocks: list[tuple[int, str, str | None, float]] = field(default_factory=list)
    version: int = 0
    touched: float = field(default_factory=time.monotonic)  # last change (time.monotonic)
    closed: bool = False
    reference: QuartierModel = field(init=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    changed: threading.Condition = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.reference = QuartierModel(with_preset(self.scenario, "none"), seed=self.seed)
        self.changed = threading.Condition(self.lock)
        self.version = next(_versions)

    @property
    def day(self) -> int:
        return int(self.reference.steps)

    @property
    def started(self) -> bool:
        return self.day > 0

    def _touch(self) -> None:
        self.version = next(_versions)
        self.touched = time.monotonic()
        self.changed.notify_all()

    def wait(self, version: int, timeout: float) -> int:
        """Wait until the room changed after ``version`` (or ``timeout`` seconds); its version."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != version, timeout)
            return self.version

    # -- teams ---------------------------------------------------------------------------------

    def join(self, name: str) -> Team:
        """A team joins with no structures chosen yet; a name already in the room is that
        team coming back (a reloaded page). Raises :class:`GameError` for a name with other
        characters than letters, digits, spaces and ``_ . -`` (no markup), a full room, or a
        new team once the year has started."""
        name = str(name).strip()
        if not TEAM_NAME.fullmatch(name):
            raise GameError("game_bad_team_name", value=_shown(name))
        with self.lock:
            if name in self.teams:
                return self.teams[name]
            if self.started:
                raise GameError("game_join_started", code=self.code, day=self.day)
            if len(self.teams) >= MAX_TEAMS:
                raise GameError("game_room_full", code=self.code, count=len(self.teams), most=MAX_TEAMS)
            team = self._build(name, (), {})
            self.teams[name] = team
            self._touch()
            return team

    def leave(self, name: str) -> None:
        """The team leaves; its town is dropped (and its memory given back)."""
        with self.lock:
            if self.teams.pop(name, None) is not None:
                self._touch()

    def _build(self, name: str, structures: tuple[str, ...], sizes: dict[str, int]) -> Team:
        scenario = apply_overrides(with_preset(self.scenario, "none"), choice_settings(structures, sizes))
        return Team(name, structures, dict(sizes), monthly_hours(scenario), QuartierModel(scenario, seed=self.seed))

    def cost(self, structures: Iterable[str], sizes: dict[str, int]) -> dict[str, float]:
        """Planned hours per month of a choice, by structure, without choosing it."""
        scenario = apply_overrides(with_preset(self.scenario, "none"), choice_settings(structures, sizes))
        return monthly_hours(scenario)

    def choose(self, name: str, structures: Iterable[str], sizes: dict[str, int] | None = None) -> Team:
        """The team's choice, before the year starts: its town is built anew with it.

        Raises :class:`GameError` when the choice's planned hours exceed the room's budget
        (naming the hours, the structures' share and the budget), when the year has started,
        or for an unknown team, structure or a size outside the schema's range.
        """
        chosen = set(structures)
        choice_settings(chosen, sizes or {})  # validates the choice before taking the lock
        ordered = tuple(n for n in STRUCTURE_NAMES if n in chosen)
        sizes = {n: v for n, v in (sizes or {}).items() if n in chosen}  # sizes of structures left out: dropped
        planned = self.cost(ordered, sizes)
        total = sum(planned.values())
        if total > self.budget_hours_per_month + 1e-9:
            raise GameError("game_over_budget", value=f"{total:.0f}", parts=tuple(planned.items()),
                            budget=f"{self.budget_hours_per_month:.0f}")
        with self.lock:
            if name not in self.teams:
                raise GameError("game_unknown_team", value=_shown(name), code=self.code)
            if self.started:
                raise GameError("game_choice_started", day=self.day)
            team = self._build(name, ordered, sizes)
            self.teams[name] = team
            self._touch()
            return team

    # -- the trainer ---------------------------------------------------------------------------

    def models(self) -> list[QuartierModel]:
        return [self.reference, *(t.model for t in self.teams.values())]

    def advance(self, days: int) -> None:
        """Every town, the reference included, goes ``days`` days on, in lockstep."""
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_ADVANCE_DAYS:
            raise GameError("game_bad_days", value=_shown(days), most=MAX_ADVANCE_DAYS)
        with self.lock:
            for _ in range(days):
                for model in self.models():
                    model.step()
            self._touch()

    def trigger(self, kind: str, district: str | None = None, strength: float = 1.0) -> None:
        """The same shock hits every town now (it counts in the next day's figures)."""
        if kind not in SHOCK_BUTTONS:
            raise GameError("game_bad_shock", value=_shown(kind), allowed=", ".join(SHOCK_BUTTONS))
        if district is not None and district not in self.scenario.town.districts:
            raise GameError("game_bad_district", value=_shown(district), allowed=", ".join(self.scenario.town.districts))
        with self.lock:
            fields = shock_fields(self.reference.config, kind, district, strength)
            for model in self.models():
                model.trigger_shock(kind, **fields)
            self.shocks.append((self.day, kind, district, float(strength)))
            self._touch()

    # -- what the pages show -------------------------------------------------------------------

    def board(self) -> Board:
        with self.lock:
            teams = tuple(self._team_board(t.name, t.structures, t.sizes, t.planned_total, t.model)
                          for t in self.teams.values())
            reference = self._team_board("none", (), {}, 0.0, self.reference)
            return Board(self.version, self.code, self.day, int(self.scenario.days), self.budget_hours_per_month,
                         tuple((int(d), k) for d, k in self.reference.shock_log), teams, reference,
                         tuple(ranking(self.teams.values(), self.reference)))

    @staticmethod
    def _team_board(name, structures, sizes, planned, model) -> TeamBoard:
        return TeamBoard(name, tuple(structures), dict(sizes), float(planned), board_curves(model),
                         int(np.sum(model.datacollector.model_vars["incidents"][1:])), feud_days(model))


class Registry:
    """Open rooms by code, for the whole server process (thread-safe). At most ``max_rooms``;
    a room nobody changed for :data:`ROOM_IDLE_S` is closed when a new one needs its place."""

    def __init__(self, max_rooms: int = MAX_ROOMS) -> None:
        self.rooms: dict[str, Room] = {}
        self.max_rooms = max_rooms
        self.lock = threading.Lock()

    def open(self, scenario_name: str, seed: int, budget_hours_per_month: float) -> Room:
        """A new room. Raises :class:`GameError` for a budget below 0 (or not a number), a
        seed that is not a whole number, an unknown scenario, or too many rooms."""
        try:
            budget = float(budget_hours_per_month)
        except (TypeError, ValueError):
            budget = float("nan")
        if not 0.0 <= budget <= MAX_BUDGET_HOURS:
            raise GameError("game_bad_budget", value=_shown(budget_hours_per_month), most=f"{MAX_BUDGET_HOURS:.0f}")
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise GameError("game_bad_seed", value=_shown(seed))
        try:
            scenario = load_scenario(scenario_path(scenario_name))
        except ScenarioError:
            raise GameError("game_bad_scenario", value=_shown(scenario_name)) from None
        with self.lock:
            idle = [c for c, r in self.rooms.items() if time.monotonic() - r.touched > ROOM_IDLE_S]
        for stale in idle:  # rooms of workshops long over: their memory is given back
            self.close(stale)
        with self.lock:
            if len(self.rooms) >= self.max_rooms:
                raise GameError("game_too_many_rooms", most=self.max_rooms)
            code = self._new_code()
            # Built under the registry's lock: a fraction of a second, and the code stays unique.
            room = Room(code, scenario_name, scenario, seed, budget)
            self.rooms[code] = room
            return room

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            if code not in self.rooms:
                return code

    def get(self, code: str) -> Room:
        """The open room ``code`` (case and spaces ignored); :class:`GameError` if none."""
        key = "".join(str(code).split()).upper()
        with self.lock:
            room = self.rooms.get(key)
        if room is None:
            raise GameError("game_unknown_room", value=_shown(code, 12))
        return room

    def trainer(self, code: str, key: str) -> Room:
        """The room, for its trainer: the key shown when it was opened must match."""
        room = self.get(code)
        if not secrets.compare_digest(str(key), room.trainer_key):
            raise GameError("game_wrong_key", code=room.code)
        return room

    def close(self, code: str) -> None:
        """Close the room: every team's town is dropped."""
        with self.lock:
            room = self.rooms.pop("".join(str(code).split()).upper(), None)
        if room is not None:
            with room.lock:  # pages watching it learn that it closed
                room.closed = True
                room._touch()


#: The server's rooms.
ROOMS = Registry()
