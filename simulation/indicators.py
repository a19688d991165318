"""The daily metrics, each once: name, how it is computed from the town, unit, which
direction is better, and whether reports and the dashboard draw it as a curve.

Everything that lists daily metrics derives from :data:`DAILY`: the model's DataCollector
reporters and so the columns of ``model.parquet``, the report's and the dashboard's curves,
``analyze``'s titles. Labels live in the one translation table
(:mod:`simulation.reports.i18n`, key = the metric's name); ``tests/test_registry.py`` fails
when one is missing in either language.

Adding a metric: one :class:`Metric` here (a pure function from :mod:`simulation.metrics`
where it is more than a count) and its labels, plus a test of the function. What several
metrics read (the tie counts, the opinions' moments) is a property of :class:`Measurement`,
computed once a day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter, is_
from typing import Any, Literal

import numpy as np

from . import metrics
from .scenario import STRUCTURE_NAMES, Scenario

__all__ = ["Metric", "Measurement", "DAILY", "COUNTS", "daily_metrics", "metric_names", "report_curves"]


@dataclass(frozen=True)
class Metric:
    name: str
    compute: Callable[[Any], float]
    unit: str = ""
    better: Literal["lower", "higher"] | None = None
    curve: bool = False
    doc: str = ""
    #: the metric is today's count of its name (one of :data:`COUNTS`): the model copies
    #: these from ``town.counts`` in one loop rather than calling ``compute`` for each
    count: bool = False


def _daily_count(name: str, unit: str, **kwargs: Any) -> Metric:
    """The metric that is today's count ``name`` (one of :data:`COUNTS`), as recorded."""
    return Metric(name, lambda town: town.counts[name], unit, count=True, **kwargs)


#: Daily counts, recorded through ``town.record(name, amount)`` and reset after each day.
COUNTS = (
    "incidents",
    "reported",
    "mobilised",
    "cases_handled",
    "handovers",
    "cases_lost",
    "staff_hours",
    "training_hours",
    "mediations_tried",
    "mediations_succeeded",
    "interventions",
    "alerts",
    "alarms_true",
    "alarms_false",
    "alarm_lead_days",
    "adviser_days",
)


#: Per-resident quantities whose town mean is a metric, and those whose group means are:
#: all summed in one pass over the residents, with the opinions' moments
#: (:func:`simulation.metrics.resident_sums`).
AVERAGED = ("tension", "threat", "trust", "grievance")
AVERAGED_BY_GROUP = ("trust", "grievance", "opinion")
_OPINION = AVERAGED_BY_GROUP.index("opinion")
_averaged = attrgetter(*AVERAGED)
_averaged_by_group = attrgetter(*AVERAGED_BY_GROUP)


class Measurement:
    """What several of a day's metrics read, each computed once per measurement, on first use.

    The model makes a new one for each day's row (``town.measurement``); a metric computed
    on its own computes just what it reads. Cached properties: after the first use, reading
    one is a plain attribute look-up (a metric that reads them pays no call).

    ``kept``: what a metric keeps from one day to the next, handed on from the day
    before's measurement (``before``), for a value whose inputs have stopped changing.
    """

    def __init__(self, town, before: Measurement | None = None) -> None:
        self.town = town
        self.kept: dict[str, Any] = {} if before is None else before.kept

    @cached_property
    def tie_counts(self) -> tuple[np.ndarray, int, int]:
        """Ties per Glasl stage, friendly cross-group ties, cross-group ties
        (:func:`simulation.metrics.tie_counts`)."""
        t = self.town
        return metrics.tie_counts(t.stage, t.valence, t.cross_group)

    @cached_property
    def stage_tally(self) -> list[int]:
        """Ties per Glasl stage (``tie_counts[0]``) as Python numbers, converted once for the
        metrics that read them."""
        return self.tie_counts[0].tolist()

    @cached_property
    def stage_shares(self) -> dict[str, float]:
        return metrics.stage_shares(self.town.stage, counts=self.stage_tally)

    @cached_property
    def sorted_opinion(self) -> np.ndarray:
        return np.sort(self.town.state.opinion)

    @cached_property
    def clusters(self) -> tuple[int, int]:
        return metrics.opinion_clusters(self.sorted_opinion, presorted=True)

    @cached_property
    def resident_sums(self):
        """The per-resident sums of :data:`AVERAGED` and :data:`AVERAGED_BY_GROUP` with the
        opinions' moments, in one pass (:func:`simulation.metrics.resident_sums`)."""
        s = self.town.state
        return metrics.resident_sums(s.opinion, _averaged(s), _averaged_by_group(s), s.group, self.town.n_groups)

    @cached_property
    def moments(self) -> tuple[float, float, float]:
        """The opinions' central moments (:func:`simulation.metrics.central_moments`)."""
        return self.resident_sums[0]

    @cached_property
    def means(self) -> list[float]:
        """The town means of :data:`AVERAGED`, as Python floats (converted once rather than
        one numpy scalar per metric)."""
        return self.resident_sums[1][0].tolist()

    @cached_property
    def group_means(self) -> list[list[float]]:
        """``group_means[k][g]``: group ``g``'s mean of ``AVERAGED_BY_GROUP[k]`` (nan for an
        empty group), as Python floats."""
        return self.resident_sums[1][1].tolist()


def _mean(what: str) -> Callable[[Any], float]:
    """The town's mean of the per-resident quantity ``what`` (one of :data:`AVERAGED`)."""
    k = AVERAGED.index(what)
    return lambda town: town.measurement.means[k]


def _group_mean(what: str, g: int) -> Callable[[Any], float]:
    """Group ``g``'s mean of the per-resident quantity ``what`` (one of
    :data:`AVERAGED_BY_GROUP`; nan for an empty group)."""
    k = AVERAGED_BY_GROUP.index(what)
    return lambda town: town.measurement.group_means[k][g]


def _rumour_aware(town) -> float:
    """Share of residents who know at least one rumour.

    Once every rumour is over (no spreader left), nobody's state changes any more (a rumour
    that is over makes its states read-only), so the share is kept: counted again only when
    a rumour is added or an influx gives a rumour a new array of states."""
    rumours = town.rumours
    if not rumours:
        return 0.0
    states = [rumour.state for rumour in rumours]
    kept = town.measurement.kept.get("rumour_aware")
    if kept is not None and len(kept[0]) == len(states) and all(map(is_, kept[0], states)):
        return kept[1]
    aware = rumours[0].aware()
    for rumour in rumours[1:]:
        aware = aware | rumour.aware()
    # a count over a count: the same bits as the mean of the 0/1 values
    share = np.count_nonzero(aware) / aware.size if aware.size else float("nan")
    over = not any(rumour.active for rumour in rumours)
    town.measurement.kept["rumour_aware"] = (states, share) if over else None
    return share


def _days_to_handling(town) -> float:
    days = town.handling_days_today  # whole days: their sum is exact in any order
    return sum(days) / len(days) if days else float("nan")


#: ``np.int64(k)`` for the counts a town's districts give, made once: making the scalar
#: costs more than the count.
_INT64 = tuple(np.int64(k) for k in range(65))


def _districts_on_alert(town) -> np.int64:
    day = town.day  # (a handful of districts: plain Python is quicker than numpy here)
    alerted = sum([until >= day for until in town.alert_until.tolist()])
    return _INT64[alerted] if alerted < len(_INT64) else np.int64(alerted)  # np.count_nonzero's type


_hours_today = attrgetter("hours_today")


def _crisis_team_active(town) -> int:
    team = town.structure("crisis_team")
    return int(bool(team and team.active))


def _cross_friendly(town) -> float:
    return metrics.cross_group_friendly_share(None, None, counts=town.measurement.tie_counts[1:])


DAILY: tuple[Metric, ...] = (
    Metric("residents", lambda t: t.state.n, "residents"),
    Metric("opinion_variance", lambda t: metrics.opinion_variance(t.state.opinion, moments=t.measurement.moments),
           better="lower"),
    Metric("bimodality", lambda t: metrics.bimodality_coefficient(t.state.opinion, moments=t.measurement.moments),
           better="lower"),
    Metric("esteban_ray", lambda t: metrics.esteban_ray(t.state.opinion, sorted_x=t.measurement.sorted_opinion,
                                                        variance=t.measurement.moments[0]),
           better="lower", curve=True, doc="polarization (Duclos-Esteban-Ray, kernel density)"),
    Metric("group_distance", lambda t: metrics.group_mean_distance(t.state.opinion, t.state.group, t.n_groups,
                                                                   means=t.measurement.group_means[_OPINION]),
           better="lower", curve=True),
    Metric("clusters", lambda t: t.measurement.clusters[0]),
    Metric("major_clusters", lambda t: t.measurement.clusters[1]),
    Metric("hostile_share", lambda t: t.measurement.stage_shares["hostile_share"], better="lower"),
    Metric("stage4_share", lambda t: t.measurement.stage_shares["stage4_share"], better="lower"),
    Metric("stage7_share", lambda t: t.measurement.stage_shares["stage7_share"], better="lower"),
    Metric("escalation_index", lambda t: metrics.escalation_index(t.stage, counts=t.measurement.stage_tally), better="lower"),
    Metric("feuds_per_1000", lambda t: metrics.feuds_per_thousand(t.stage, t.state.n, counts=t.measurement.stage_tally),
           "per 1,000 residents", better="lower", curve=True),
    _daily_count("incidents", "incidents", better="lower", curve=True),
    Metric("incidents_cumulative", lambda t: t.incidents_cumulative, "incidents", better="lower"),
    _daily_count("reported", "cases"),
    _daily_count("mobilised", "residents", better="lower"),
    Metric("cross_group_friendly_share", _cross_friendly, better="higher"),
    Metric("tension_mean", _mean("tension"), better="lower"),
    Metric("threat_mean", _mean("threat"), better="lower"),
    Metric("trust_mean", _mean("trust"), better="higher", curve=True),
    Metric("grievance_mean", _mean("grievance"), better="lower"),
    Metric("backlog", lambda t: t.cases.backlog(), "cases", better="lower"),
    _daily_count("cases_handled", "cases"),
    _daily_count("handovers", "cases"),
    _daily_count("cases_lost", "cases", better="lower"),
    Metric("days_to_handling", _days_to_handling, "days", better="lower"),
    Metric("staff_hours", lambda t: t.counts["staff_hours"] + t.counts["training_hours"]
           + sum(map(_hours_today, t.structures.values())), "hours"),
    _daily_count("training_hours", "hours"),
    Metric("trained_share", lambda t: t.trained_share(), better="higher"),
    Metric("structure_strength", lambda t: t.structure_strength(), better="higher",
           doc="mean build-up of the structures switched on (1 = full strength)"),
    _daily_count("adviser_days", "days"),
    _daily_count("mediations_tried", "mediations"),
    _daily_count("mediations_succeeded", "mediations", better="higher"),
    _daily_count("interventions", "feuds"),
    Metric("rumour_aware", _rumour_aware, better="lower"),
    Metric("districts_on_alert", _districts_on_alert, "districts"),
    _daily_count("alerts", "alerts"),
    _daily_count("alarms_true", "alerts"),
    _daily_count("alarms_false", "alerts", better="lower"),
    _daily_count("alarm_lead_days", "days"),
    Metric("crisis_team_active", _crisis_team_active),
    *(
        Metric(f"hours_{name}", (lambda n: lambda t: t.structures[n].hours_today if n in t.structures else 0.0)(name),
               "hours")
        for name in STRUCTURE_NAMES
    ),
)


def _per_group(scenario: Scenario) -> list[Metric]:
    out = []
    for g, group in enumerate(scenario.group_names()):
        for what in AVERAGED_BY_GROUP:
            out.append(Metric(f"{what}_{group}", _group_mean(what, g)))
    return out


def daily_metrics(scenario: Scenario) -> list[Metric]:
    """Every daily metric of a run of ``scenario``: :data:`DAILY` plus per-group means."""
    return [*DAILY, *_per_group(scenario)]


def report_curves() -> list[str]:
    """The curves a comparison report draws, in order: the metrics marked ``curve``; daily
    counts (incidents) are drawn as a 7-day average per week (``incidents_week``)."""
    return [f"{m.name}_week" if m.name == "incidents" else m.name for m in DAILY if m.curve]


def metric_names(scenario: Scenario) -> list[str]:
    """Names of the per-day metrics (columns of ``model.parquet`` besides ``day``)."""
    return [m.name for m in daily_metrics(scenario)]
