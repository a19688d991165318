"""The dashboard's figures, drawn in the browser by plotly.js (a Plotly ``FigureWidget``).

Each figure is built once per set of towns, colouring and language; a step then sends only
the data that changed (colours, hostile ties, the curves' values) as one batched update, and
the browser redraws. plotly.js itself travels inside the widget (the ``plotly`` package ships
it), so the page needs nothing from the internet.

Colours are safe for the common colour-vision deficiencies (Okabe & Ito 2008 for groups and
towns; tension on the "cividis" scale, Nuñez et al. 2018, which reads the same in grey).
Text is at least 13 px, for a projector at 1280×720.
"""

from __future__ import annotations

import math
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..reports.i18n import number, shock_label, tr
from ..reports.story import MARKED_KINDS
from .session import CURVES, Frame, TownFrame

# plotly.js with its widget code (5 MB) is served once per device as a static file from the
# local asset cache, not sent through every figure's websocket channel (which, three figures
# per page and fifteen participants, made 200 MB per room and stalled the server).
BUNDLE_PATH = f"quartier-plotly-widget@{plotly.__version__}/widgetbundle.js"
BUNDLE_SOURCE = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
# After every update plotly's widget diffs the whole computed layout and data against its
# model and sends the difference back to Python (to fill in defaults Python never reads here):
# a third of a step's drawing time in the browser and a message per figure for the server to
# parse. The figures here only ever flow from Python to the browser, so the echo is switched off.
_SHIM = f"""
const bundle = await import(window.location.origin + "/_solara/cdn/{BUNDLE_PATH}");
bundle.FigureView.prototype._sendLayoutDelta = function () {{}};
bundle.FigureView.prototype._sendTraceDeltas = function () {{}};
export default bundle.default;
"""


def install_plotly_bundle(cache_dir: str | Path) -> Path:
    """Copy plotly's widget bundle into Solara's asset cache (atomic; nothing to download)."""
    target = Path(cache_dir) / BUNDLE_PATH
    if not target.exists() or target.stat().st_size != BUNDLE_SOURCE.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{os.getpid()}.partial")
        shutil.copyfile(BUNDLE_SOURCE, partial)
        os.replace(partial, target)
    return target


class FigureWidget(go.FigureWidget):
    """plotly's FigureWidget, loading its front-end code from the asset cache."""

    _esm = _SHIM


# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
GROUP_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
TOWN_COLOURS = ["#0072B2", "#D55E00"]
TOWN_DASHES = ["solid", "dash"]
# Hostile ties: darker and wider with the Glasl band, so the band reads without colour too.
BAND_COLOURS = ["#E69F00", "#D55E00", "#6A0000"]
BAND_WIDTHS = [1.0, 1.8, 2.8]
TENSION_SCALE = "Cividis"
FONT = {"size": 14}
CURVE_LABELS = {"feuds_per_1000": "dash_feuds", "esteban_ray": "dash_polarization",
                "trust_mean": "dash_trust", "incidents_week": "dash_incidents_week"}


def separators(lang: str) -> str:
    """plotly's decimal and thousands separators: "1.234,5" on the German page."""
    return ",." if lang == "de" else ".,"


def _district_centres(n_districts: int) -> np.ndarray:
    cols = math.ceil(math.sqrt(n_districts))
    return np.array([[(d % cols) * 2.4, -(d // cols) * 2.4] for d in range(n_districts)])


def _segments_xy(segments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line segments as one x and one y array with a gap (NaN) after each segment."""
    if segments.size == 0:
        return np.array([]), np.array([])
    k = segments.shape[0]
    xy = np.full((k, 3, 2), np.nan)
    xy[:, :2, :] = segments
    return xy[:, :, 0].ravel(), xy[:, :, 1].ravel()


def town_title(label: str, day: int, lang: str) -> str:
    return f"{tr('counter_day', lang)} {day} · {label}"


class TownFigure:
    """Residents as points (by group or by tension) and hostile ties by Glasl band."""

    def __init__(self, town: TownFrame, districts: list[str], groups: list[str], label: str,
                 colour_by: str, lang: str) -> None:
        self.colour_by, self.lang, self.label, self.n_groups = colour_by, lang, label, len(groups)
        fig = go.Figure()
        for b in range(3):
            fig.add_trace(go.Scattergl(x=[], y=[], mode="lines", name=tr(f"hostile_band_{b + 1}", lang),
                                     line={"color": BAND_COLOURS[b], "width": BAND_WIDTHS[b]}, hoverinfo="skip"))
        if colour_by == "tension":
            fig.add_trace(go.Scattergl(
                x=[], y=[], mode="markers", name=tr("tension", lang), showlegend=False, hoverinfo="skip",
                marker={"size": 4, "color": [], "colorscale": TENSION_SCALE, "cmin": 0, "cmax": 1,
                        "colorbar": {"title": {"text": tr("tension", lang)}, "thickness": 12, "len": 0.6}}))
        else:
            for g, name in enumerate(groups):
                fig.add_trace(go.Scattergl(x=[], y=[], mode="markers", name=name, hoverinfo="skip",
                                           marker={"size": 4, "color": GROUP_COLOURS[g % len(GROUP_COLOURS)]}))
        centres = _district_centres(len(districts))
        for (x, y), name in zip(centres, districts):
            fig.add_annotation(x=x, y=y + 1.15, text=f"<b>{name}</b>", showarrow=False, font={"size": 14})
        fig.update_layout(
            title={"text": town_title(label, town.day, lang), "font": {"size": 16}, "x": 0.5},
            font=FONT, separators=separators(lang), height=470, width=520,
            margin={"l": 5, "r": 5, "t": 45, "b": 5}, plot_bgcolor="white",
            legend={"orientation": "h", "y": -0.02, "x": 0.5, "xanchor": "center", "font": {"size": 13}},
            # Fixed ranges around the districts' discs (radius 1, names above): with autorange
            # plotly measured the town anew on every step.
            xaxis={"visible": False, "range": [centres[:, 0].min() - 1.1, centres[:, 0].max() + 1.1]},
            yaxis={"visible": False, "scaleanchor": "x", "range": [centres[:, 1].min() - 1.1, centres[:, 1].max() + 1.5]},
            uirevision="town",
        )
        self.widget = FigureWidget(fig)
        self.n_points = -1
        self.update(town)

    def update(self, town: TownFrame) -> None:
        w = self.widget
        with w.batch_update():
            w.layout.title.text = town_title(self.label, town.day, self.lang)
            for b in range(3):
                x, y = _segments_xy(town.hostile_segments[town.hostile_band == b])
                w.data[b].x, w.data[b].y = x, y
            pos = town.positions
            if self.colour_by == "tension":
                if pos.shape[0] != self.n_points:
                    w.data[3].x, w.data[3].y = pos[:, 0], pos[:, 1]
                w.data[3].marker.color = np.round(town.tension, 3)
            elif pos.shape[0] != self.n_points:  # groups never change; newcomers add points
                for g in range(self.n_groups):
                    mine = town.group == g
                    w.data[3 + g].x, w.data[3 + g].y = pos[mine, 0], pos[mine, 1]
            self.n_points = pos.shape[0]


class DistrictFigure:
    """Mean tension by district, one bar per town and district."""

    def __init__(self, frame: Frame, districts: list[str], labels: list[str], lang: str) -> None:
        fig = go.Figure()
        for t, label in enumerate(labels):
            fig.add_trace(go.Bar(y=districts, x=np.zeros(len(districts)), orientation="h", name=label,
                                 marker={"color": TOWN_COLOURS[t % 2], "pattern": {"shape": "" if t == 0 else "/"}},
                                 hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
        fig.update_layout(
            title={"text": tr("tension_by_district", lang), "font": {"size": 16}}, font=FONT,
            separators=separators(lang), height=80 + 45 * len(districts) * max(1, len(labels)) ** 0.5, width=520,
            margin={"l": 10, "r": 10, "t": 45, "b": 30}, barmode="group", showlegend=len(labels) > 1,
            xaxis={"range": [0, 1], "title": {"text": tr("tension", lang)}, "gridcolor": "#e5e5e5", "ticklabeloverflow": "allow"},
            yaxis={"autorange": "reversed", "ticklabeloverflow": "allow"}, plot_bgcolor="white",
            legend={"orientation": "h", "y": -0.25}, uirevision="districts",
        )
        self.widget = FigureWidget(fig)
        self.update(frame)

    def update(self, frame: Frame) -> None:
        with self.widget.batch_update():
            for t, town in enumerate(frame.towns):
                self.widget.data[t].x = np.round(town.district_tension, 3)


_AXES = ("x", "x2", "x3", "x4")


def days_axis_end(day: int) -> int:
    """Where the curves' day axis ends on ``day``: at least 10 days, then the next multiple of
    10 (to day 60), 30 (to day 180) or 60 days, so the axis moves a dozen times in a year
    instead of every day.

    >>> [days_axis_end(d) for d in (0, 10, 11, 59, 61, 181, 365)]
    [10, 10, 20, 60, 90, 240, 420]
    """
    step = 10 if day <= 60 else 30 if day <= 180 else 60
    return max(10, -(-day // step) * step)


def value_axis_range(series: list[np.ndarray], current: tuple[float, float]) -> tuple[float, float]:
    """The value axis of a panel: from 0 (or below, for negative values) to a round number
    (1, 2, 2.5 or 5 times a power of ten) above every value, never smaller than ``current``,
    so it only moves when a curve outgrows it.

    >>> value_axis_range([np.array([0.0, 0.31])], (0.0, 0.0))
    (0.0, 0.5)
    >>> value_axis_range([np.array([0.2])], (0.0, 0.5))
    (0.0, 0.5)
    """
    values = np.concatenate([np.asarray(v, dtype=float).ravel() for v in series]) if series else np.array([])
    values = values[np.isfinite(values)]
    low = min(current[0], 0.0, float(values.min()) if values.size else 0.0)
    high = max(current[1], float(values.max()) * 1.05 if values.size else 0.0)
    if high <= 0:
        return (low, max(current[1], 1.0))
    if high > current[1]:
        scale = 10.0 ** math.floor(math.log10(high))
        high = next(m * scale for m in (1, 2, 2.5, 5, 10) if m * scale >= high)
    return (low, high)
# Moments of the event log other than shocks (those have their dotted lines): a short tick at
# the foot of every panel. A highlighted day (a clicked log line): a pale band.
MARK_COLOURS = {"crisis_team": "#6A0000", "alert": "#D55E00", "change": "#0072B2"}
HIGHLIGHT = "rgba(240, 190, 0, 0.35)"


class CurvesFigure:
    """Escalation, polarization, trust and weekly incidents over the days, one line per town,
    with the shocks marked (labels staggered so that shocks a few days apart stay readable),
    the event log's other moments as ticks at the foot of each panel (:meth:`mark_events`)
    and a clicked log line's day as a band (:meth:`highlight`)."""

    def __init__(self, frame: Frame, labels: list[str], lang: str) -> None:
        self.lang = lang
        fig = make_subplots(rows=2, cols=2, vertical_spacing=0.14, horizontal_spacing=0.08,
                            subplot_titles=[tr(CURVE_LABELS[key], lang) for key, _ in CURVES])
        for p, (key, _) in enumerate(CURVES):
            for t, label in enumerate(labels):
                fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=label, legendgroup=label, showlegend=p == 0,
                                         line={"color": TOWN_COLOURS[t % 2], "dash": TOWN_DASHES[t % 2], "width": 2.5}),
                              row=p // 2 + 1, col=p % 2 + 1)
        fig.update_layout(font=FONT, separators=separators(lang), height=560, margin={"l": 50, "r": 20, "t": 60, "b": 50},
                          showlegend=len(labels) > 1, legend={"orientation": "h", "y": 1.12, "x": 0, "font": {"size": 14}},
                          plot_bgcolor="white", uirevision="curves")
        fig.update_xaxes(title={"text": tr("day", lang)}, row=2)
        # "allow": plotly otherwise measures every tick label after every redraw to hide those
        # running past the figure's edge, which none of these do.
        fig.update_xaxes(gridcolor="#e5e5e5", rangemode="tozero", ticklabeloverflow="allow")
        fig.update_yaxes(gridcolor="#e5e5e5", rangemode="tozero", ticklabeloverflow="allow")
        fig.update_annotations(font={"size": 15})
        self.widget = FigureWidget(fig)
        self.n_titles = len(self.widget.layout.annotations)
        self.shocks_drawn: tuple = ()
        self.marks_drawn: tuple = ()
        self.shock_shapes: list[dict] = []
        self.mark_shapes: list[dict] = []
        self.highlight_shapes: list[dict] = []
        self.shapes_lock = threading.Lock()  # a click (highlight) and a step may both redraw them
        self.last_day = frame.day
        self.x_end: int = -1
        self.y_ranges: list[tuple[float, float]] = [(0.0, 0.0)] * len(CURVES)
        self.update(frame)

    def update(self, frame: Frame) -> None:
        w = self.widget
        self.last_day = frame.day
        days = np.arange(frame.day + 1)
        with w.batch_update():
            i = 0
            for key, _ in CURVES:
                for town in frame.towns:
                    values = town.curves[key]
                    w.data[i].x, w.data[i].y = days[: values.size], np.round(values, 4)
                    i += 1
            # Fixed ranges that grow in steps: with autorange plotly redraws every axis's ticks
            # on every new day, the largest part of a step's drawing in the browser.
            x_end = days_axis_end(frame.day)
            if x_end != self.x_end:
                for axis in _AXES:
                    w.layout[axis.replace("x", "xaxis")].range = [0, x_end]
                self.x_end = x_end
            for p, (key, _) in enumerate(CURVES):
                y_range = value_axis_range([town.curves[key] for town in frame.towns], self.y_ranges[p])
                if y_range != self.y_ranges[p]:
                    w.layout[_AXES[p].replace("x", "yaxis")].range = list(y_range)
                    self.y_ranges[p] = y_range
            if frame.shocks != self.shocks_drawn:
                self._mark_shocks(frame.shocks)

    def _mark_shocks(self, shocks) -> None:
        """A dotted line per shock in every panel, numbered at the top of the first panel;
        the names go into the list under the figure (:func:`shock_list`), so labels of shocks
        a few days apart cannot overlap on a projector."""
        w = self.widget
        shapes, labels = [], list(w.layout.annotations[: self.n_titles])
        last_day, level = -10**9, 0
        for k, (day, _kind) in enumerate(shocks):
            level = level + 1 if day - last_day < 8 else 0  # numbers of shocks days apart step down
            last_day = day
            for axis in _AXES:
                yref = axis.replace("x", "y") + " domain"
                shapes.append({"type": "line", "x0": day, "x1": day, "xref": axis, "y0": 0, "y1": 1, "yref": yref,
                               "line": {"color": "black", "dash": "dot", "width": 1.2}})
            labels.append({"x": day, "xref": "x", "y": 1.0 - 0.12 * (level % 4), "yref": "y domain",
                           "text": f"<b>{k + 1}</b>", "showarrow": False, "xanchor": "left", "yanchor": "top",
                           "font": {"size": 14}, "bgcolor": "rgba(255,255,255,0.85)"})
        self.shock_shapes = shapes
        self._draw_shapes()
        w.layout.annotations = labels
        self.shocks_drawn = tuple(shocks)

    def _draw_shapes(self) -> None:
        with self.shapes_lock:
            self.widget.layout.shapes = self.highlight_shapes + self.shock_shapes + self.mark_shapes

    def mark_events(self, events) -> None:
        """Ticks at the foot of each panel for the log's crisis team, alerts and changes
        (shocks have their lines already); redrawn only when there is a new one."""
        marks = tuple((e.day, e.kind) for e in events if e.kind in MARKED_KINDS and e.kind != "shock")
        if marks == self.marks_drawn:
            return
        self.mark_shapes = [
            {"type": "line", "x0": day, "x1": day, "xref": axis, "y0": 0, "y1": 0.07,
             "yref": axis.replace("x", "y") + " domain", "line": {"color": MARK_COLOURS[kind], "width": 2.5}}
            for day, kind in marks for axis in _AXES
        ]
        self.marks_drawn = marks
        self._draw_shapes()

    def highlight(self, day: int | None) -> None:
        """A pale band over ``day`` in every panel (a clicked log line); None removes it. At
        least a few pixels wide however many days the curves show."""
        half = max(0.5, self.last_day / 150)
        self.highlight_shapes = [] if day is None else [
            {"type": "rect", "x0": day - half, "x1": day + half, "xref": axis, "y0": 0, "y1": 1,
             "yref": axis.replace("x", "y") + " domain", "fillcolor": HIGHLIGHT, "line": {"width": 0}, "layer": "below"}
            for axis in _AXES
        ]
        self._draw_shapes()


def shock_list(shocks, lang: str) -> str:
    """The numbered shocks of the curves, in words: "1 · Tag 60: umstrittene Entscheidung"."""
    return "  \n".join(f"**{k + 1}** · {tr('counter_day', lang)} {day}: {shock_label(kind, lang)}"
                       for k, (day, kind) in enumerate(shocks))
