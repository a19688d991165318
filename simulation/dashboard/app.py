"""The Solara page of the workshop dashboard (``quartier dashboard``, or ``solara run
simulation.dashboard.app``).

Controls come from the scenario schema (through :mod:`.session`), labels from the shared
translation table, figures are drawn with matplotlib and sent as images, so the page needs no
JavaScript beyond Solara's own (served from the local asset cache).
"""

from __future__ import annotations

import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import solara  # noqa: E402
import solara.lab  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from ..reports.i18n import shock_label, structure_label, tr  # noqa: E402
from ..scenario import PRESETS, STRUCTURE_NAMES  # noqa: E402
from .session import (  # noqa: E402
    SHOCK_BUTTONS,
    Session,
    default_scenario_file,
    library,
    scenario_title,
)

LANG = solara.reactive(os.environ.get("QUARTIER_LANG", "de") if os.environ.get("QUARTIER_LANG") in ("de", "en") else "de")
BAND_COLOURS = ["#fdae61", "#f46d43", "#a50026"]
GROUP_COLOURS = ["#4575b4", "#1a9850", "#984ea3", "#ff7f00", "#a6761d", "#e7298a"]
PLAY_INTERVAL_S = 0.15


def _new_session() -> Session:
    session = Session(scenario_file=default_scenario_file())
    session.reset()
    return session


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------


class TownView:
    """The map of one town: residents and hostile ties. Built once per town, colouring and
    language; each frame only moves data (matplotlib spends most of a frame building axes)."""

    def __init__(self, town, colour_by: str, lang: str, title: str) -> None:
        self.town, self.colour_by = town, colour_by
        model = town.model
        self.fig, ax = plt.subplots(figsize=(5.2, 4.7), dpi=90)
        self.fig.subplots_adjust(left=0.01, right=0.99, top=0.94, bottom=0.12)
        pos = town.positions()
        if colour_by == "tension":
            self.points = ax.scatter(pos[:, 0], pos[:, 1], c=model.state.tension, cmap="YlOrRd", vmin=0, vmax=1,
                                     s=6, lw=0)
            self.fig.colorbar(self.points, ax=ax, shrink=0.6, label=tr("tension", lang))
        else:
            self.points = ax.scatter(pos[:, 0], pos[:, 1], c=self._group_colours(), s=6, lw=0)
            for g, group in enumerate(model.config.town.groups):
                ax.scatter([], [], c=GROUP_COLOURS[g % len(GROUP_COLOURS)], s=30,
                           label=group.label_de if lang == "de" else group.label_en)
        self.bands = [ax.add_collection(LineCollection([], colors=BAND_COLOURS[b], linewidths=0.8 + 0.8 * b,
                                                       alpha=0.9, label=tr(f"hostile_band_{b + 1}", lang)))
                      for b in range(3)]
        cols = int(np.ceil(np.sqrt(model.n_districts)))
        for d, name in enumerate(model.config.town.districts):
            ax.text((d % cols) * 2.4, -(d // cols) * 2.4 + 1.12, name, ha="center", fontsize=10, weight="bold")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8, frameon=False)
        ax.set_aspect("equal")
        ax.set_xlim(-1.2, (cols - 1) * 2.4 + 1.2)
        rows = int(np.ceil(model.n_districts / cols))
        ax.set_ylim(-(rows - 1) * 2.4 - 1.2, 1.4)
        ax.set_axis_off()
        ax.set_title(title, fontsize=12)

    def _group_colours(self) -> np.ndarray:
        return np.array(GROUP_COLOURS)[self.town.model.state.group % len(GROUP_COLOURS)]

    def update(self):
        model = self.town.model
        self.points.set_offsets(self.town.positions())
        if self.colour_by == "tension":
            self.points.set_array(model.state.tension)
        else:
            self.points.set_facecolors(self._group_colours())
        segments, band = self.town.hostile_segments()
        for b, collection in enumerate(self.bands):
            collection.set_segments(segments[band == b])
        return self.fig


class CurvesView:
    """Escalation, polarization, trust and incidents over time for the towns, with shock
    markers; built once per set of towns and language, updated each frame."""

    PANELS = (("escalation_index", 100.0), ("esteban_ray", 1.0), ("trust_mean", 1.0), ("incidents_week", 1.0))

    def __init__(self, towns, labels, lang: str) -> None:
        self.towns, self.lang = towns, lang
        self.fig, axes = plt.subplots(2, 2, figsize=(11, 5.6), sharex=True, dpi=80)
        self.fig.subplots_adjust(left=0.05, right=0.99, top=0.94, bottom=0.09, hspace=0.28, wspace=0.12)
        self.axes = list(axes.flat)
        self.lines = {}
        for p, (ax, (key, _)) in enumerate(zip(self.axes, self.PANELS)):
            for t, (label, style) in enumerate(zip(labels, ("-", "--"))):
                (self.lines[p, t],) = ax.plot([], [], style, color="#2166ac" if style == "-" else "#6b6b6b", label=label)
            ax.set_title(tr(key, lang), fontsize=10)
            ax.grid(alpha=0.3)
        self.axes[2].set_xlabel(tr("day", lang))
        self.axes[3].set_xlabel(tr("day", lang))
        if len(towns) > 1:
            self.axes[0].legend(fontsize=8)
        self.shocks_drawn = 0

    @staticmethod
    def values(town, key: str, scale: float) -> np.ndarray:
        if key == "incidents_week":  # the 7-day average scaled to a week, as in the report
            daily = town.series("incidents")
            window = np.minimum(np.arange(1, daily.size + 1), 7)
            return 7.0 * np.convolve(daily, np.ones(7), mode="full")[: daily.size] / window
        return town.series(key) * scale

    def update(self):
        days = max(10, self.towns[0].model.steps)
        for p, (ax, (key, scale)) in enumerate(zip(self.axes, self.PANELS)):
            top = 0.0
            for t, town in enumerate(self.towns):
                values = self.values(town, key, scale)
                self.lines[p, t].set_data(np.arange(values.size), values)
                top = max(top, float(np.nanmax(values)) if values.size else 0.0)
            # Limits by hand: autoscaling stops once a limit has been set, and every curve
            # here starts at 0.
            ax.set_ylim(0, top * 1.1 if top > 0 else 1.0)
            ax.set_xlim(0, days)
        log = self.towns[0].model.shock_log
        for day, kind in log[self.shocks_drawn:]:
            for ax in self.axes:
                ax.axvline(day, color="black", ls=":", lw=1)
                ax.annotate(shock_label(kind, self.lang), (day, 1.0), xycoords=("data", "axes fraction"), rotation=90,
                            va="top", ha="right", fontsize=7)
        self.shocks_drawn = len(log)
        return self.fig


class DistrictView:
    """Mean tension by district, as bars; updated each frame."""

    def __init__(self, town, lang: str) -> None:
        self.town = town
        model = town.model
        self.fig, ax = plt.subplots(figsize=(4.6, 2.6), dpi=90)
        self.fig.subplots_adjust(left=0.22, right=0.97, top=0.88, bottom=0.12)
        self.bars = ax.barh(model.config.town.districts, np.zeros(model.n_districts))
        ax.set_xlim(0, 1)
        ax.set_title(tr("tension_by_district", lang), fontsize=10)
        ax.invert_yaxis()

    def update(self):
        s = self.town.model.state
        n = self.town.model.n_districts
        means = np.bincount(s.district, weights=s.tension, minlength=n) / np.maximum(np.bincount(s.district, minlength=n), 1)
        for bar, value in zip(self.bars, means):
            bar.set_width(value)
            bar.set_color(plt.cm.YlOrRd(value))
        return self.fig


class Views:
    """Every figure of the page for one set of towns, colouring and language."""

    def __init__(self, session: Session, colour_by: str, lang: str) -> None:
        labels = [_town_label(session, t, lang) for t in session.towns]
        self.towns = [TownView(t, colour_by, lang, f"{tr('town_now', lang)} – {label}")
                      for t, label in zip(session.towns, labels)]
        self.districts = [DistrictView(t, lang) for t in session.towns]
        self.curves = CurvesView(session.towns, labels, lang)

    def close(self) -> None:
        for view in [*self.towns, *self.districts, self.curves]:
            plt.close(view.fig)


def _show(view, classes: list[str], tick: int):
    with solara.Column(classes=classes):
        solara.FigureMatplotlib(view.update(), dependencies=[id(view), tick], format="png")


# ----------------------------------------------------------------------------------------------
# Components
# ----------------------------------------------------------------------------------------------


@solara.component
def Counters(session: Session, lang: str, tick: int):
    """Live counters; ``tick`` changes whenever the towns do (the session object does not)."""
    with solara.Row(classes=["q-counters"], style={"flex-wrap": "wrap", "gap": "1.2em"}):
        for town in session.towns:
            frame = town.model.datacollector.model_vars
            items = [
                ("counter_day", town.model.steps),
                ("counter_incidents", int(sum(frame["incidents"]))),
                ("counter_reported", int(sum(frame["reported"]))),
                ("counter_cases", int(sum(frame["cases_handled"]))),
                ("counter_backlog", int(frame["backlog"][-1])),
                ("counter_mediations", int(sum(frame["mediations_succeeded"]))),
            ]
            text = " · ".join(f"**{tr(k, lang)}** {v}" for k, v in items)
            prefix = "" if len(session.towns) == 1 else f"*{_town_label(session, town, lang)}*: "
            with solara.Column(classes=[f"q-counter-{town.label}"]):
                solara.Markdown(prefix + text)


def _town_label(session: Session, town, lang: str) -> str:
    return tr("your_town", lang) if town.label == "chosen" else structure_label(town.label, lang)


@solara.component
def Page():
    lang = LANG.value
    session = solara.use_memo(_new_session, dependencies=[])
    tick, set_tick = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    colour_by, set_colour_by = solara.use_state("group")
    shock_district, set_shock_district = solara.use_state("")
    strength, set_strength = solara.use_state(1.0)
    scenarios = solara.use_memo(library, dependencies=[])

    def refresh():
        set_tick(lambda t: t + 1)

    def rebuild():
        session.reset()
        refresh()

    def step(days: int = 1):
        session.step(days)
        refresh()

    playing_now = solara.use_ref(False)
    playing_now.current = playing

    def play_loop():
        # A thread, so the page also renders where no event loop runs (tests); it stops as
        # soon as Pause is pressed (the ref) or the page goes away (the task is cancelled).
        while playing_now.current:
            time.sleep(PLAY_INTERVAL_S)
            if not playing_now.current:
                break
            session.step(1)
            set_tick(lambda t: t + 1)

    solara.lab.use_task(play_loop, dependencies=[playing], prefer_threaded=True)

    scenario = scenarios[session.scenario_file]
    title, description = scenario_title(scenario, lang)

    solara.Title(tr("app_title", lang))
    with solara.AppBar():
        solara.AppBarTitle(tr("app_title", lang))
        solara.Button(tr("language_button", lang), on_click=lambda: LANG.set("en" if lang == "de" else "de"),
                      text=True, classes=["q-language"])

    with solara.Sidebar():
        with solara.Card(tr("scenario", lang)):
            names = list(scenarios)
            titles = {n: scenario_title(s, lang)[0] for n, s in scenarios.items()}

            def choose(title_chosen):
                session.scenario_file = next(n for n in names if titles[n] == title_chosen)
                session.values = {}
                rebuild()

            solara.Select(tr("scenario", lang), value=titles[session.scenario_file], values=[titles[n] for n in names],
                          on_value=choose)
            solara.Markdown(description)
        with solara.Card():
            with solara.Row():
                solara.Button(tr("pause", lang) if playing else tr("play", lang), on_click=lambda: set_playing(not playing),
                              color="primary", classes=["q-play"])
                solara.Button(tr("step", lang), on_click=lambda: step(1), classes=["q-step"])
                solara.Button(tr("week", lang), on_click=lambda: step(7), classes=["q-week"])
            solara.Button(tr("reset", lang), on_click=rebuild, outlined=True, classes=["q-reset"])
        with solara.Card(tr("structures_heading", lang)):
            for name in STRUCTURE_NAMES:
                def toggle(on, name=name):
                    session.structures[name] = on
                    rebuild()

                solara.Switch(label=tr(name, lang), value=session.structures[name], on_value=toggle,
                              classes=[f"q-structure-{name}"])

            def set_side(on):
                session.side_by_side = on
                rebuild()

            solara.Switch(label=tr("side_by_side", lang), value=session.side_by_side, on_value=set_side,
                          classes=["q-side-by-side"])
            if session.side_by_side:
                presets = list(PRESETS)

                def set_other(label):
                    session.other_preset = next(p for p in presets if structure_label(p, lang) == label)
                    rebuild()

                solara.Select(tr("compare_with", lang), value=structure_label(session.other_preset, lang),
                              values=[structure_label(p, lang) for p in presets], on_value=set_other)
        with solara.Card(tr("parameters_heading", lang)):
            for path, spec in session.slider_specs().items():
                def set_value(value, path=path):
                    session.values[path] = value
                    rebuild()

                value = spec["value"]
                solara.Text(f"{tr(path, lang)}: {value:g}", style={"font-size": "0.9em"})
                if spec["integer"]:
                    solara.SliderInt("", value=int(value), min=int(spec["min"]), max=int(spec["max"]), on_value=set_value)
                else:
                    solara.SliderFloat("", value=float(value), min=float(spec["min"]), max=float(spec["max"]),
                                       step=float(spec["step"]), on_value=set_value)

            def set_seed(value):
                session.seed = int(value)
                rebuild()

            solara.InputInt(tr("seed", lang), value=session.seed, on_value=set_seed)

    # Main area
    solara.Markdown(f"## {title}")
    Counters(session, lang, tick)
    with solara.Card(tr("shocks_now", lang)):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            districts = [tr("whole_town", lang), *scenario.town.districts]
            solara.Select(tr("district", lang), value=shock_district or districts[0], values=districts,
                          on_value=set_shock_district, style={"max-width": "14em"})
            solara.SliderFloat(tr("strength", lang), value=strength, min=0.5, max=3.0, step=0.5, on_value=set_strength)
            for kind in SHOCK_BUTTONS:
                def fire(kind=kind):
                    district = None if shock_district in ("", districts[0]) else shock_district
                    session.trigger(kind, district, strength)
                    refresh()

                solara.Button(shock_label(kind, lang), on_click=fire, color="warning", classes=[f"q-shock-{kind}"])
    with solara.Row(style={"align-items": "center"}):
        solara.Text(tr("colour_by", lang))
        solara.ToggleButtonsSingle(value=colour_by, on_value=set_colour_by,
                                   children=[solara.Button(tr("by_group", lang), value="group"),
                                             solara.Button(tr("by_tension", lang), value="tension", classes=["q-by-tension"])])
    views = solara.use_memo(lambda: Views(session, colour_by, lang), dependencies=[id(session.towns), colour_by, lang])
    previous = solara.use_ref(None)
    if previous.current is not views:
        if previous.current is not None:
            previous.current.close()
        previous.current = views
    with solara.Row(style={"flex-wrap": "wrap"}):
        for view in views.towns:
            _show(view, ["q-town"], tick)
    with solara.Row(style={"flex-wrap": "wrap"}):
        for view in views.districts:
            _show(view, ["q-districts"], tick)
    _show(views.curves, ["q-curves"], tick)
    solara.Text(f"{tick}", style={"display": "none"})
