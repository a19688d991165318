"""Something to take home: a one-page handout of a dashboard session (issue 13, point 6).

One A4 page in the page's language for the debrief: the scenario, the structures switched
on and the workshop's settings, the four curves of the dashboard with the shocks and the
log's moments marked, the key figures on the last day and the event log's most telling
lines (:func:`simulation.reports.story.story_lines`). Drawn with matplotlib's object API
(no pyplot, so a download on the server's threads cannot disturb another one) and saved as
PNG or PDF (matplotlib's PDF backend). From Python::

    from simulation.dashboard.handout import write_handout
    write_handout(session, "debrief.pdf", "de")
"""

from __future__ import annotations

import io
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .. import __version__
from ..reports.i18n import LANGUAGES, structure_label, tr
from ..reports.story import MARKED_KINDS, story_lines
from ..scenario import STRUCTURE_NAMES
from .figures import CURVE_LABELS, MARK_COLOURS, TOWN_COLOURS, number
from .session import CURVES, Frame, Session, scenario_title

__all__ = ["Handout", "handout", "handout_figure", "handout_bytes", "write_handout", "FORMATS"]

FORMATS = ("png", "pdf")
A4_INCHES = (8.27, 11.69)
PNG_DPI = 150
LOG_LINES = 13


@dataclass(frozen=True)
class Handout:
    """Everything the page shows, as text, plus the frame the curves are drawn from."""

    lang: str
    title: str
    scenario: str
    description: str
    structures: str
    settings: list[str]
    figures_heading: str
    figures: list[str]
    log: list[str]
    footer: str
    frame: Frame
    town_labels: list[str]


def handout(session: Session, lang: str) -> Handout:
    """The handout's texts in ``lang``, taken from the session under its lock (a snapshot:
    the town may play on while the page is drawn)."""
    if lang not in LANGUAGES:
        raise ValueError(f"handout language {str(lang)[:20]!r}: allowed: {', '.join(LANGUAGES)}")
    with session.lock:
        frame = session.frame()
        scenario = session.scenario()
        specs = session.slider_specs()
        structures = [name for name in STRUCTURE_NAMES if session.structures.get(name)]
        seed = session.seed
        labels = ["chosen", *([session.other_preset] if session.side_by_side else [])]
    title, description = scenario_title(scenario, lang)
    districts = list(scenario.town.districts)
    town_labels = [tr("your_town", lang) if label == "chosen" else structure_label(label, lang) for label in labels]
    settings = [f"{tr(path, lang)}: {number(spec['value'], lang, 0 if spec['integer'] else _digits(spec['value']))}"
                for path, spec in specs.items()]
    figures, log = [], []
    for label, town in zip(town_labels, frame.towns):
        prefix = f"{label}: " if len(frame.towns) > 1 else ""
        figures.append(prefix + " · ".join(f"{tr(k, lang)} {number(v, lang)}" for k, v in town.counters.items()
                                           if k != "counter_day"))
    first = frame.towns[0]
    if len(frame.towns) > 1:
        log.append(f"{town_labels[0]}:")
    log += story_lines(list(first.events), lang, districts, LOG_LINES) or [tr("event_log_empty", lang)]
    on = ", ".join(tr(name, lang) for name in structures) or tr("handout_no_structures", lang)
    return Handout(
        lang=lang,
        title=f"{tr('handout_title', lang)} · {time.strftime('%d.%m.%Y' if lang == 'de' else '%Y-%m-%d')}",
        scenario=title,
        description=description,
        structures=f"{tr('handout_structures', lang)}: {on}",
        settings=settings,
        figures_heading=tr("handout_figures", lang, day=frame.day),
        figures=figures,
        log=log,
        footer=tr("handout_footer", lang, version=__version__, seed=seed),
        frame=frame,
        town_labels=town_labels,
    )


def _digits(value: float) -> int:
    text = f"{value:.4f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def handout_figure(page: Handout) -> Figure:
    """The A4 page of a :class:`Handout`."""
    lang, frame = page.lang, page.frame
    fig = Figure(figsize=A4_INCHES)
    y = 0.965

    def text(s: str, size: float = 9.5, weight: str = "normal", width: int = 105, gap: float = 0.004, colour="#111"):
        nonlocal y
        wrapped = textwrap.fill(s, width) if width else s
        fig.text(0.06, y, wrapped, fontsize=size, weight=weight, va="top", color=colour)
        y -= (wrapped.count("\n") + 1) * size * 1.45 / (72 * A4_INCHES[1]) + gap

    text(page.title, 10, colour="#555")
    text(page.scenario, 16, "bold", width=60, gap=0.006)
    text(page.description, 9, width=115, gap=0.008)
    text(page.structures, 9.5, "bold", width=88, gap=0.004)
    text(f"{tr('handout_settings', lang)}: " + " · ".join(page.settings), 8.5, width=125, gap=0.006)

    # The curves: four panels, as on the dashboard.
    top, height = y - 0.005, 0.33
    days = np.arange(frame.day + 1)
    marks = [(e.day, e.kind) for e in frame.towns[0].events if e.kind in MARKED_KINDS and e.kind != "shock"]
    for p, (key, _) in enumerate(CURVES):
        row, col = divmod(p, 2)
        ax = fig.add_axes((0.08 + col * 0.47, top - (row + 1) * height / 2 + 0.025, 0.39, height / 2 - 0.06))
        for t, (town, label) in enumerate(zip(frame.towns, page.town_labels)):
            values = town.curves[key]
            ax.plot(days[: values.size], values, color=TOWN_COLOURS[t % 2], ls=("-", "--")[t % 2], lw=1.6, label=label)
        for k, (day, _kind) in enumerate(frame.shocks):
            ax.axvline(day, color="black", ls=":", lw=0.9)
            if p == 0:
                ax.annotate(str(k + 1), (day, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -2),
                            textcoords="offset points", va="top", fontsize=7, weight="bold")
        for day, kind in marks:
            ax.axvline(day, ymax=0.07, color=MARK_COLOURS[kind], lw=2)
        ax.set_title(tr(CURVE_LABELS[key], lang), fontsize=9)
        ax.set_xlim(0, max(10, frame.day))
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, lang, 2 if abs(v) < 1 and v else 0)))
        ax.grid(alpha=0.3)
        if row == 1:
            ax.set_xlabel(tr("day", lang), fontsize=8)
        if p == 0 and len(frame.towns) > 1:
            ax.legend(fontsize=7, loc="upper left")
    y = top - height - 0.01
    if frame.shocks:
        from ..reports.i18n import shock_label

        text("   ".join(f"{k + 1}: {tr('on_day', lang, day=day)} {shock_label(kind, lang)}"
                        for k, (day, kind) in enumerate(frame.shocks)), 8, width=130, gap=0.002)
    text(tr("event_marks", lang), 7.5, width=140, gap=0.01, colour="#444")

    text(page.figures_heading, 11, "bold", gap=0.002)
    for line in page.figures:
        text(line, 9, width=120, gap=0.002)
    y -= 0.01
    text(tr("handout_log", lang), 11, "bold", gap=0.002)
    for line in page.log:
        if y < 0.05:  # a very long description: the log gives way to the footer
            break
        text(line, 8.8, width=120, gap=0.0005)
    fig.text(0.06, 0.02, textwrap.fill(page.footer, 140), fontsize=7, color="#555", va="bottom")
    return fig


def handout_bytes(session: Session, lang: str, fmt: str) -> bytes:
    """The handout as PNG or PDF bytes (the dashboard's download buttons)."""
    if fmt not in FORMATS:
        raise ValueError(f"handout format {str(fmt)[:20]!r}: allowed: {', '.join(FORMATS)}")
    page = handout(session, lang)
    fig = handout_figure(page)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=PNG_DPI,
                metadata={"Title": f"{page.scenario} – {page.title}"} if fmt == "pdf" else None)
    return buffer.getvalue()


def write_handout(session: Session, path: str | Path, lang: str) -> Path:
    """Write the handout to ``path``, as PNG or PDF by its suffix (``.png``, ``.pdf``)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"handout file {path.name[:60]!r}: allowed: a name ending in .png or .pdf")
    path.write_bytes(handout_bytes(session, lang, fmt))
    return path
