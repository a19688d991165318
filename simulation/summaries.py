"""Per-run figures, each once: name, how it is computed from a run's daily table, unit,
which direction is better, and whether the comparison report shows it in its table.

Everything that lists per-run figures derives from :data:`SUMMARY`: the runner's summary
row (:func:`run_summary`), an experiment's default ``metrics``, the comparison report's
table and ``analyze``'s columns. Labels live in the translation table
(:mod:`simulation.reports.i18n`, key = the figure's name).

Shock response is measured on feuds per 1,000 residents (relationships at Glasl stage 4 or
higher), a count a trainer can read (ODD, "Observation"): with F_b the mean before the first
shock, the peak, its day, the days until F ≤ F_b + 0.1·(F_peak − F_b) held for 7 days, and
the excess burden Σ max(F − F_b, 0) in feud-days per 1,000 residents. Polarization after
the shocks is the mean Esteban–Ray value from the first shock to the end, and its rise the
difference to the mean before it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .metrics import shock_response
from .scenario import Scenario

__all__ = ["Summary", "SUMMARY", "TABLE", "run_summary", "summary_names"]


@dataclass(frozen=True)
class Summary:
    name: str
    compute: Callable[["_Run"], float]
    unit: str = ""
    better: Literal["lower", "higher"] | None = None
    table: bool = False


@dataclass
class _Run:
    recorded: pd.DataFrame  # days >= 1
    last: pd.Series
    shock_day: int
    response: dict[str, float]
    scenario: Scenario

    def total(self, column: str) -> float:
        return float(self.recorded[column].sum())

    def before_after(self, column: str) -> tuple[float, float]:
        values = self.recorded[column].to_numpy()
        start = min(max(self.shock_day - 1, 0), values.size)
        before = float(values[:start].mean()) if start > 0 else float(values[0]) if values.size else math.nan
        after = float(values[start:].mean()) if start < values.size else math.nan
        return before, after


def _rise(column: str) -> Callable[[_Run], float]:
    def rise(run: _Run) -> float:
        before, after = run.before_after(column)
        return after - before

    return rise


def _cost(run: _Run) -> float:
    """Staff hours at the administration's hourly cost plus the advisers' fees."""
    return run.total("staff_hours") * run.scenario.administration.staff_hour_cost_eur + _adviser_cost(run)


def _adviser_cost(run: _Run) -> float:
    return run.total("adviser_days") * run.scenario.advisers.cost_per_day_eur


def _first_day_at_full_strength(run: _Run) -> float:
    full = np.flatnonzero(run.recorded["structure_strength"].to_numpy() >= 1.0)
    return float(run.recorded["day"].iloc[full[0]]) if full.size else math.nan


def _ratio(numerator: str, denominator: tuple[str, ...]) -> Callable[[_Run], float]:
    def ratio(run: _Run) -> float:
        below = sum(run.total(c) for c in denominator)
        return run.total(numerator) / below if below > 0 else math.nan

    return ratio


SUMMARY: tuple[Summary, ...] = (
    Summary("peak_feuds", lambda r: r.response["peak"], "per 1,000 residents", "lower", table=True),
    Summary("peak_day", lambda r: r.response["peak_day"], "day"),
    Summary("days_to_deescalation", lambda r: r.response["days_to_deescalation"], "days", "lower", table=True),
    Summary("excess_burden", lambda r: r.response["excess_burden"], "feud-days per 1,000", "lower", table=True),
    Summary("baseline_feuds", lambda r: r.response["baseline"], "per 1,000 residents", "lower"),
    Summary("polarization_after", lambda r: r.before_after("esteban_ray")[1], "", "lower", table=True),
    Summary("polarization_rise", _rise("esteban_ray"), "", "lower", table=True),
    Summary("group_distance_rise", _rise("group_distance"), "", "lower"),
    Summary("incidents", lambda r: r.total("incidents"), "incidents", "lower", table=True),
    Summary("reported", lambda r: r.total("reported"), "cases"),
    Summary("cases_lost", lambda r: r.total("cases_lost"), "cases", "lower", table=True),
    Summary("staff_hours", lambda r: r.total("staff_hours"), "hours", table=True),
    Summary("mediations_succeeded", lambda r: r.total("mediations_succeeded"), "mediations", "higher"),
    Summary("interventions", lambda r: r.total("interventions"), "feuds"),
    Summary("crisis_days", lambda r: r.total("crisis_team_active"), "days"),
    Summary("alarm_false_rate", _ratio("alarms_false", ("alarms_true", "alarms_false")), "", "lower"),
    Summary("alarm_lead_days", _ratio("alarm_lead_days", ("alarms_true",)), "days", "higher"),
    Summary("rumour_aware", lambda r: float(r.recorded["rumour_aware"].max()) if len(r.recorded) else 0.0, "", "lower"),
    Summary("final_trust", lambda r: float(r.last["trust_mean"]), "", "higher", table=True),
    Summary("final_esteban_ray", lambda r: float(r.last["esteban_ray"]), "", "lower"),
    Summary("final_backlog", lambda r: float(r.last["backlog"]), "cases", "lower"),
    Summary("adviser_days", lambda r: r.total("adviser_days"), "days"),
    Summary("adviser_cost_eur", _adviser_cost, "euros"),
    Summary("cost_eur", _cost, "euros", "lower"),
    Summary("final_trained_share", lambda r: float(r.last["trained_share"]), "", "higher"),
    Summary("days_to_full_strength", _first_day_at_full_strength, "days", "lower"),
)

#: The figures of the comparison report's table, in order.
TABLE: tuple[str, ...] = tuple(s.name for s in SUMMARY if s.table)


def summary_names() -> list[str]:
    return [s.name for s in SUMMARY]


def run_summary(frame: pd.DataFrame, scenario: Scenario) -> dict[str, float]:
    """Every figure of :data:`SUMMARY` for one run's daily table (``model.parquet``)."""
    recorded = frame[frame["day"] >= 1]
    shock_day = scenario.first_shock_day() or 1
    response = shock_response(recorded["feuds_per_1000"].to_numpy(), shock_day)
    run = _Run(recorded, frame.iloc[-1], shock_day, response, scenario)
    return {s.name: float(s.compute(run)) for s in SUMMARY}
