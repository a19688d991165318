"""The story of one run: the event log's lines people read (issue 13, points 4 and 6).

One line is "Tag 130 – Nordstadt: Gewaltvorfall": the day, then the sentence of
:func:`simulation.events.describe`. The comparison report and the handout show only the most
telling lines of a log (:func:`key_events`); the dashboard shows every line.
"""

from __future__ import annotations

from ..events import Event, describe
from .i18n import tr

__all__ = ["event_line", "key_events", "story_lines", "MARKED_KINDS"]

#: Kinds in the order a short story keeps them: what changed the town's course first
#: (shocks, the room's decisions, the crisis team, alerts), everyday escalation last.
STORY_ORDER = (
    "shock",
    "change",
    "crisis_team",
    "alert",
    "advisers_arrive",
    "advisers_leave",
    "structure_ready",
    "training",
    "incident_cluster",
    "mediation_failed",
    "high_stage",
    "mediation_settled",
)

#: Kinds marked on the dashboard's curves and the handout's: moments, not everyday counts.
MARKED_KINDS = ("shock", "change", "crisis_team", "alert")


def event_line(event: Event, lang: str, districts: list[str] | tuple[str, ...] = ()) -> str:
    """One line of the log: "Day 130 – North: violent incident".

    >>> event_line(Event(130, "shock", 0, 0.0, "violent_incident"), "de", ["Nordstadt"])
    'Tag 130 – Nordstadt: Gewaltvorfall'
    """
    return tr("event_line", lang, day=event.day, text=describe(event, lang, districts))


def key_events(events: list[Event], limit: int) -> list[Event]:
    """The ``limit`` most telling events, in day order: by :data:`STORY_ORDER`, earlier first
    within a kind, so a long log of everyday escalation does not crowd out the shocks."""
    rank = {kind: k for k, kind in enumerate(STORY_ORDER)}
    chosen = sorted(range(len(events)), key=lambda i: (rank[events[i].kind], events[i].day, i))[:limit]
    return [events[i] for i in sorted(chosen)]


def story_lines(events: list[Event], lang: str, districts: list[str] | tuple[str, ...] = (),
                limit: int = 12) -> list[str]:
    """The lines of :func:`key_events`, with a last line saying how many were left out."""
    lines = [event_line(e, lang, districts) for e in key_events(events, limit)]
    if len(events) > limit:
        lines.append(tr("events_left_out", lang, n=len(events) - limit))
    return lines
