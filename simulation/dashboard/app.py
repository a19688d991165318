"""The Solara page of the workshop dashboard (``quartier dashboard``, or ``solara run
simulation.dashboard.app``).

Controls come from the scenario schema (through :mod:`.session`), labels from the shared
translation table, figures are drawn in the browser by plotly.js (:mod:`.figures`).

How the page stays alive while the town plays: the page holds one :class:`~.session.Frame`
(an immutable snapshot) as its state and renders nothing else. Every action -- Step, Week,
a shock, a switch, a slider, the scenario -- changes the session through ``Session.apply``
under the session's lock and hands the page a newer frame. The play loop is one thread that
steps only after the page has finished drawing the previous frame (an effect sets an event
once a render is committed), so it never changes state while a render runs, and it keeps
going through every other action, which simply lands between two of its steps.
"""

from __future__ import annotations

import os
import threading
import time

import solara
import solara.lab

from ..reports.i18n import shock_label, structure_label, tr
from ..scenario import PRESETS, STRUCTURE_NAMES
from .figures import CurvesFigure, DistrictFigure, TownFigure, number, shock_list
from .session import SHOCK_BUTTONS, Frame, Session, default_scenario_file, library, scenario_title

LANG = solara.reactive(os.environ.get("QUARTIER_LANG", "de") if os.environ.get("QUARTIER_LANG") in ("de", "en") else "de")
# At most this many days per second in play mode, so a room can follow; a slower machine
# simply plays slower, since each step waits for the previous frame to be drawn.
PLAY_INTERVAL_S = 0.1
FRAME_WAIT_S = 2.0


def _new_session() -> Session:
    session = Session(scenario_file=default_scenario_file())
    session.reset()
    return session


def _town_label(label: str, lang: str) -> str:
    return tr("your_town", lang) if label == "chosen" else structure_label(label, lang)


def _groups(scenario, lang: str) -> list[str]:
    return [g.label_de if lang == "de" else g.label_en for g in scenario.town.groups]


class Views:
    """Every figure of the page for one set of towns, colouring and language."""

    def __init__(self, frame: Frame, scenario, colour_by: str, lang: str) -> None:
        labels = [_town_label(t.label, lang) for t in frame.towns]
        districts = list(scenario.town.districts)
        self.towns = [TownFigure(t, districts, _groups(scenario, lang), label, colour_by, lang)
                      for t, label in zip(frame.towns, labels)]
        self.districts = DistrictFigure(frame, districts, labels, lang)
        self.curves = CurvesFigure(frame, labels, lang)
        self.version = frame.version

    def update(self, frame: Frame) -> None:
        if frame.version == self.version or len(frame.towns) != len(self.towns):
            return
        for view, town in zip(self.towns, frame.towns):
            view.update(town)
        self.districts.update(frame)
        self.curves.update(frame)
        self.version = frame.version


# ----------------------------------------------------------------------------------------------
# Components
# ----------------------------------------------------------------------------------------------


@solara.component
def Counters(frame_var: solara.Reactive, lang: str):
    """Live counters of each town, in the page's number format."""
    frame = frame_var.value
    with solara.Row(classes=["q-counters"], style={"flex-wrap": "wrap", "gap": "1.2em", "font-size": "1.05em"}):
        for town in frame.towns:
            text = " · ".join(f"**{tr(k, lang)}** {number(v, lang)}" for k, v in town.counters.items())
            prefix = "" if len(frame.towns) == 1 else f"*{_town_label(town.label, lang)}*: "
            with solara.Column(classes=[f"q-counter-{town.label}"]):
                solara.Markdown(prefix + text)
    if frame.period_over:
        solara.Info(tr("period_over", lang, days=frame.period_days), classes=["q-period-over"])


@solara.component
def PlayControls(frame_var: solara.Reactive, playing: bool, set_playing, act, lang: str):
    """Play/pause, one day, one week, start again."""
    frame = frame_var.value
    with solara.Card():
        with solara.Row():
            solara.Button(tr("pause", lang) if playing else tr("play", lang), on_click=lambda: set_playing(not playing),
                          color="primary", classes=["q-play"], disabled=frame.period_over and not playing)
            solara.Button(tr("step", lang), on_click=lambda: act(lambda s: s.step(1)), classes=["q-step"])
            solara.Button(tr("week", lang), on_click=lambda: act(lambda s: s.step(7)), classes=["q-week"])
        solara.Button(tr("reset", lang), on_click=lambda: act(lambda s: s.reset()), outlined=True, classes=["q-reset"])


@solara.component
def Figures(frame_var: solara.Reactive, drawn: threading.Event, scenario, colour_by: str, lang: str):
    """The town view(s), tension by district and the curves; rebuilt when the towns, the
    colouring or the language change, otherwise updated with the new frame's data only."""
    frame = frame_var.value
    views = solara.use_memo(lambda: Views(frame, scenario, colour_by, lang),
                            dependencies=[frame.layout_key, len(frame.towns), colour_by, lang])

    def draw():
        views.update(frame)
        drawn.set()  # the play loop may take its next step

    solara.use_effect(draw, dependencies=[views, frame.version])
    with solara.Row(style={"flex-wrap": "wrap"}):
        for view in views.towns:
            solara.Column(children=[view.widget], classes=["q-town"])
        solara.Column(children=[views.districts.widget], classes=["q-districts"])
    solara.Column(children=[views.curves.widget], classes=["q-curves"])
    if frame.shocks:
        with solara.Column(classes=["q-shock-list"]):
            solara.Markdown(shock_list(frame.shocks, lang))


@solara.component
def Page():
    lang = LANG.value
    session = solara.use_memo(_new_session, dependencies=[])
    # The frame lives in a reactive variable that only the parts showing it read, so a step
    # re-renders the counters and figures, not the whole page.
    frame_var = solara.use_reactive(solara.use_memo(session.frame, dependencies=[]))
    playing, set_playing = solara.use_state(False)
    colour_by, set_colour_by = solara.use_state("group")
    shock_district, set_shock_district = solara.use_state("")
    strength, set_strength = solara.use_state(1.0)
    scenarios = solara.use_memo(library, dependencies=[])
    drawn = solara.use_memo(threading.Event, dependencies=[])
    frame_lock = solara.use_memo(threading.Lock, dependencies=[])
    playing_now = solara.use_ref(False)
    playing_now.current = playing

    def show(new: Frame) -> None:
        # Two threads (play and a click) may finish in either order: keep the newest frame.
        with frame_lock:
            if new.version > frame_var.value.version:
                frame_var.value = new

    def act(change) -> None:
        show(session.apply(change))

    def play_loop():
        while playing_now.current:
            started = time.monotonic()
            drawn.wait(FRAME_WAIT_S)
            drawn.clear()
            if not playing_now.current:
                break
            new = session.apply(lambda s: s.step(1))
            show(new)
            if new.period_over:
                set_playing(False)
                break
            time.sleep(max(0.0, PLAY_INTERVAL_S - (time.monotonic() - started)))

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
                name = next(n for n in names if titles[n] == title_chosen)

                def change(s: Session):
                    s.scenario_file = name
                    s.values = {}
                    s.reset()

                act(change)

            solara.Select(tr("scenario", lang), value=titles[session.scenario_file], values=[titles[n] for n in names],
                          on_value=choose, classes=["q-scenario"])
            solara.Markdown(description)
        PlayControls(frame_var, playing, set_playing, act, lang)
        with solara.Card(tr("structures_heading", lang)):
            for name in STRUCTURE_NAMES:
                def toggle(on, name=name):
                    def change(s: Session):
                        s.structures[name] = on
                        s.reset()

                    act(change)

                solara.Switch(label=tr(name, lang), value=session.structures[name], on_value=toggle,
                              classes=[f"q-structure-{name}"])

            def set_side(on):
                def change(s: Session):
                    s.side_by_side = on
                    s.reset()

                act(change)

            solara.Switch(label=tr("side_by_side", lang), value=session.side_by_side, on_value=set_side,
                          classes=["q-side-by-side"])
            if session.side_by_side:
                presets = list(PRESETS)

                def set_other(label):
                    def change(s: Session):
                        s.other_preset = next(p for p in presets if structure_label(p, lang) == label)
                        s.reset()

                    act(change)

                solara.Select(tr("compare_with", lang), value=structure_label(session.other_preset, lang),
                              values=[structure_label(p, lang) for p in presets], on_value=set_other)
        with solara.Card(tr("parameters_heading", lang)):
            specs = solara.use_memo(session.slider_specs,
                                    dependencies=[session.scenario_file, repr(sorted(session.values.items()))])
            for path, spec in specs.items():
                value = spec["value"]

                def set_value(new, path=path, old=value):
                    if new == old:  # a slider reporting its own value must not rebuild the town
                        return

                    def change(s: Session):
                        s.values[path] = new
                        s.reset()

                    act(change)

                shown = number(value, lang, 0 if spec["integer"] else _digits(spec["step"]))
                solara.Text(f"{tr(path, lang)}: {shown}", style={"font-size": "0.95em"})
                with solara.Column(classes=[f"q-slider-{path.split('.')[-1]}"]):
                    if spec["integer"]:
                        solara.SliderInt("", value=int(value), min=int(spec["min"]), max=int(spec["max"]),
                                         on_value=set_value)
                    else:
                        solara.SliderFloat("", value=float(value), min=float(spec["min"]), max=float(spec["max"]),
                                           step=float(spec["step"]), on_value=set_value)

            def set_seed(value):
                def change(s: Session):
                    s.seed = int(value)
                    s.reset()

                act(change)

            solara.InputInt(tr("seed", lang), value=session.seed, on_value=set_seed)

    # Main area
    solara.Markdown(f"## {title}")
    Counters(frame_var, lang)
    with solara.Card(tr("shocks_now", lang)):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            districts = [tr("whole_town", lang), *scenario.town.districts]
            solara.Select(tr("district", lang), value=shock_district or districts[0], values=districts,
                          on_value=set_shock_district, style={"max-width": "14em"})
            with solara.Column(classes=["q-strength"], style={"min-width": "16em"}):
                solara.SliderFloat(tr("strength", lang), value=strength, min=0.5, max=3.0, step=0.5, on_value=set_strength)
            for kind in SHOCK_BUTTONS:
                def fire(kind=kind):
                    district = None if shock_district in ("", districts[0]) else shock_district
                    act(lambda s: s.trigger(kind, district, strength))

                solara.Button(shock_label(kind, lang), on_click=fire, color="warning", classes=[f"q-shock-{kind}"])
    with solara.Row(style={"align-items": "center"}):
        solara.Text(tr("colour_by", lang))
        solara.ToggleButtonsSingle(value=colour_by, on_value=set_colour_by,
                                   children=[solara.Button(tr("by_group", lang), value="group"),
                                             solara.Button(tr("by_tension", lang), value="tension", classes=["q-by-tension"])])
    Figures(frame_var, drawn, scenario, colour_by, lang)


def _digits(step: float) -> int:
    text = f"{step:.6f}".rstrip("0")
    return max(0, len(text.split(".")[1])) if "." in text else 0
