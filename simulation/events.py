"""What happened, in words: the run's event log (issue 13, point 4).

The model notes notable moments as :class:`Event` records in ``town.events`` through one
path, :meth:`Town.log_event`; this module names the kinds, says them in a language and
turns the log into a table (``events.parquet`` of ``quartier run``, the dashboard's log,
the comparison report's story of one run).

Its sentences are labels like any other (``event.<kind>`` in
:data:`simulation.reports.i18n.LABELS`). An event is (day, kind, district, value, detail):
``district`` is the district's index or −1 for the whole town, ``value`` a number the kind explains (a count, a Glasl stage),
``detail`` a name (the shock's kind, the structure, the changed keys). Days before 0 (the
warm-up) are not logged. Logging draws no random numbers, so runs stay bit-identical with
or without anyone reading the log.

Kinds and the rule that logs them:

* ``shock`` — a shock fires (``detail`` its kind);
* ``change`` — settings change on the running town (``detail`` the keys);
* ``training`` — a training cohort finishes (``value`` its staff);
* ``incident_cluster`` — a district has at least :data:`CLUSTER_MIN` incidents in one day,
  at most once a week per district (``value`` the incidents);
* ``high_stage`` — ties reach Glasl stage 7 ("limited destruction", Glasl 1982) in a district
  today for the first time this episode (``value`` how many);
* ``mediation_settled`` / ``mediation_failed`` — a day's mediations in a district
  (``value`` how many);
* ``crisis_team`` — the crisis team convenes;
* ``alert`` — early warning puts a district on alert;
* ``advisers_arrive`` / ``advisers_leave`` — external conflict advisers start and end;
* ``structure_ready`` — a structure that is being built up reaches full strength.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

__all__ = ["Event", "KINDS", "CLUSTER_MIN", "describe", "events_frame"]

#: Incidents in one district on one day that make a cluster worth a line. No source; argued
#: because a district has about one incident a week in a calm year (the flagship's baseline),
#: so three on one day is well outside the everyday.
CLUSTER_MIN = 3

KINDS = (
    "shock",
    "change",
    "training",
    "incident_cluster",
    "high_stage",
    "mediation_settled",
    "mediation_failed",
    "crisis_team",
    "alert",
    "advisers_arrive",
    "advisers_leave",
    "structure_ready",
)

@dataclass(frozen=True)
class Event:
    """One notable moment of a run."""

    day: int
    kind: str
    district: int = -1
    value: float = 0.0
    detail: str = ""


def describe(event: Event, lang: str, districts: list[str] | tuple[str, ...] = ()) -> str:
    """The event as a short sentence in ``lang``, with its district's name if it has one.

    >>> describe(Event(12, "alert", 1), "en", ["North", "Centre"])
    'Centre: early warning: district on alert'
    >>> describe(Event(30, "mediation_settled", 0, 2.0), "de", ["Nord"])
    'Nord: 2 Mediationen erfolgreich'
    >>> describe(Event(31, "mediation_failed", 0, 1.0), "en", ["North"])
    'North: a mediation failed'
    """
    from .reports.i18n import LABELS, shock_label, structure_label, tr

    detail = event.detail
    if event.kind == "shock":
        detail = shock_label(detail, lang)
    elif event.kind == "structure_ready":
        detail = structure_label(detail, lang)
    value = int(event.value) if float(event.value).is_integer() else round(event.value, 2)
    key = f"event.{event.kind}"
    key = f"{key}.one" if value == 1 and f"{key}.one" in LABELS else key
    text = tr(key, lang, value=value, detail=detail)
    if 0 <= event.district < len(districts):
        return f"{districts[event.district]}: {text}"
    return text


def events_frame(events: list[Event], lang: str | None = None, districts: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """The log as a table (one row an event, in day order); with ``lang``, a ``text`` column."""
    frame = pd.DataFrame(
        [asdict(e) for e in events], columns=["day", "kind", "district", "value", "detail"]
    ).astype({"day": "int64", "kind": "string", "district": "int64", "value": "float64", "detail": "string"})
    if lang is not None:
        frame["text"] = pd.Series([describe(e, lang, districts) for e in events], dtype="string")
    return frame
