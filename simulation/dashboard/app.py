"""The Solara page of the workshop dashboard (``quartier dashboard``, or ``solara run
simulation.dashboard.app``).

Controls come from the scenario schema (through :mod:`.session`), labels from the shared
translation table, figures are drawn in the browser by plotly.js (:mod:`.figures`).

How the page stays alive while the town plays: the page holds one :class:`~.session.Frame`
(an immutable snapshot) as its state and renders nothing else. Every action -- Step, Week,
a shock, a switch, a slider, the scenario -- changes the session through ``Session.apply``
under the session's lock and hands the page a newer frame. The play loop is one thread per
page that steps only after the browser reports the previous frame drawn (:class:`DrawnSignal`),
so it never sends frames faster than a participant's device can show them, never changes
state during a render, and keeps going through every other action, which simply lands
between two of its steps.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from pathlib import Path

import ipyvue
import reacton.ipyvuetify as rv
import solara
import solara.server.settings
import traitlets

from ..reports.i18n import shock_label, structure_label, tr
from ..scenario import PRESETS, STRUCTURE_NAMES, ScenarioError
from .eventlog import EventLogView
from .figures import CurvesFigure, DistrictFigure, TownFigure, install_plotly_bundle, number, shock_list
from .handout import FORMATS as HANDOUT_FORMATS
from .handout import handout_bytes
from .game_page import GamePage, game_query
from .room import announce_from_argv
from .session import (
    SHOCK_BUTTONS,
    Frame,
    Session,
    default_scenario_file,
    library,
    parse_scenario_text,
    scenario_title,
)

announce_from_argv()  # `--host 0.0.0.0`: the warning and the addresses for the room
install_plotly_bundle(solara.server.settings.assets.proxy_cache_dir)
# A page whose connection drops finds its town again when it reconnects within this time; after
# it the town's memory is given back (Solara's default keeps it a day: 15 towns of a room).
if "SOLARA_KERNEL_CULL_TIMEOUT" not in os.environ:
    solara.server.settings.kernel.cull_timeout = "20m"
LANG = solara.reactive(os.environ.get("QUARTIER_LANG", "de") if os.environ.get("QUARTIER_LANG") in ("de", "en") else "de")
# At most this many days per second in play mode, so a room can follow; a slower machine
# simply plays slower, since each step waits for the previous frame to be drawn.
PLAY_INTERVAL_S = 0.1
FRAME_WAIT_S = 2.0


class Player:
    """The page's one play loop: a thread that steps the session one day at a time, each step
    only after the page has drawn the previous frame, until stopped. Starting it while it runs
    does nothing, so there is never a second loop."""

    def __init__(self, session: Session, drawn: threading.Event) -> None:
        self.session, self.drawn = session, drawn
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None
        self.show = lambda frame: None
        self.on_period_over = lambda: None

    def start(self) -> None:
        self.stopped.clear()
        self.drawn.set()  # the frame on screen is drawn: the first step need not wait
        if self.thread is None or not self.thread.is_alive():
            # Solara hands a thread started here the page's context, so it may set its state.
            self.thread = threading.Thread(target=self._loop, name="quartier-play", daemon=True)
            self.thread.start()

    def stop(self) -> None:
        self.stopped.set()

    def _loop(self) -> None:
        try:
            while not self.stopped.is_set():
                started = time.monotonic()
                self.drawn.wait(FRAME_WAIT_S)
                self.drawn.clear()
                if self.stopped.is_set():
                    break
                frame = self.session.apply(lambda s: s.step(1))
                self.show(frame)
                if frame.period_over:
                    self.stopped.set()
                    self.on_period_over()
                    break
                self.stopped.wait(max(0.0, PLAY_INTERVAL_S - (time.monotonic() - started)))
        except Exception:
            # An error would otherwise vanish with the thread and play would just stop.
            traceback.print_exc()


def _new_session() -> Session:
    session = Session(scenario_file=default_scenario_file())
    session.reset()
    return session


def _town_label(label: str, lang: str) -> str:
    return tr("your_town", lang) if label == "chosen" else structure_label(label, lang)


def _groups(scenario, lang: str) -> list[str]:
    return [g.label_de if lang == "de" else g.label_en for g in scenario.town.groups]


class DrawnSignal(ipyvue.VueTemplate):
    """Tells the server when the browser has drawn a frame: the page sets ``version`` after
    sending a frame's figure data; the browser, having applied the messages before it in order,
    waits for two animation frames (the redraw is painted) and calls back. Play waits for this
    call, so it never sends frames faster than the participant's device can draw them."""

    template = traitlets.Unicode("""
<template><span class="q-drawn" :data-version="version" style="display:none"></span></template>
<script>
module.exports = {
  watch: {
    version(v) {
      requestAnimationFrame(() => requestAnimationFrame(() => this.drawn(v)));
    }
  }
}
</script>""").tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)

    def __init__(self, on_drawn=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.on_drawn = on_drawn

    def vue_drawn(self, version) -> None:
        if self.on_drawn is not None:
            self.on_drawn(version)


# Solara's own messages (its page template is English only), with the page's wording.
FRAMEWORK_TEXT = {
    "de": {
        "Server disconnected.": "Verbindung zum Server unterbrochen – neuer Versuch läuft …",
        "App is disconnected, and may not function properly. Please refresh the page.":
            "Die Verbindung ist unterbrochen. Bitte die Seite neu laden; Ihre Stadt bleibt auf dem Server erhalten.",
        "Could not restore session. Please refresh the page.":
            "Die Sitzung ließ sich nicht wiederherstellen. Bitte die Seite neu laden.",
        "Could not restore session. Please refresh.": "Die Sitzung ließ sich nicht wiederherstellen. Bitte die Seite neu laden.",
        "Please refresh the page": "Bitte die Seite neu laden",
        "Restoring session…": "Sitzung wird wiederhergestellt …",
        "Loading app": "Wird geladen …",
    },
    "en": {
        "Server disconnected.": "Connection to the server lost – trying again …",
        "App is disconnected, and may not function properly. Please refresh the page.":
            "The connection is lost. Please reload the page; your town stays on the server.",
    },
}


class FrameworkText(ipyvue.VueTemplate):
    """Puts Solara's own messages (disconnected, reconnecting, loading) into the page's
    language: a watcher on the page replaces their text wherever Solara shows them."""

    template = traitlets.Unicode("""
<template><span style="display:none"></span></template>
<script>
module.exports = {
  mounted() {
    const swap = () => {
      const texts = this.texts || {};
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      let node;
      while ((node = walker.nextNode())) {
        const plain = node.nodeValue.replace(/\\s+/g, ' ').trim();
        if (plain && texts[plain] && node.nodeValue !== texts[plain]) node.nodeValue = texts[plain];
      }
    };
    this._observer = new MutationObserver(swap);
    this._observer.observe(document.body, {childList: true, subtree: true, characterData: true});
    swap();
  },
  destroyed() { if (this._observer) this._observer.disconnect(); }
}
</script>""").tag(sync=True)
    texts = traitlets.Dict().tag(sync=True)


class Views:
    """Every figure of the page for one set of towns, colouring and language."""

    def __init__(self, frame: Frame, scenario, colour_by: str, lang: str) -> None:
        labels = [_town_label(t.label, lang) for t in frame.towns]
        districts = list(scenario.town.districts)
        self.towns = [TownFigure(t, districts, _groups(scenario, lang), label, colour_by, lang)
                      for t, label in zip(frame.towns, labels)]
        self.districts = DistrictFigure(frame, districts, labels, lang)
        self.curves = CurvesFigure(frame, labels, lang)
        self.log = EventLogView(frame, districts, labels, lang, on_town=lambda town, events: self.curves.mark_events(events),
                                on_pick=self.curves.highlight)
        self.version = frame.version

    def update(self, frame: Frame) -> None:
        if frame.version == self.version or len(frame.towns) != len(self.towns):
            return
        for view, town in zip(self.towns, frame.towns):
            view.update(town)
        self.districts.update(frame)
        self.curves.update(frame)
        self.log.update(frame)
        self.version = frame.version


# ----------------------------------------------------------------------------------------------
# Components
# ----------------------------------------------------------------------------------------------


@solara.component
def Counters(frame_var: solara.Reactive, lang: str):
    """Live counters of each town, in the page's number format. Plain elements whose text
    changes in place (a Markdown element would be a new widget, compiled anew in the browser,
    on every step)."""
    frame = frame_var.value
    with solara.Row(classes=["q-counters"], style={"flex-wrap": "wrap", "gap": "1.2em", "font-size": "1.05em"}):
        for town in frame.towns:
            with solara.Column(classes=[f"q-counter-{town.label}"]):
                with rv.Html(tag="div", style_="margin: 0.5em 0"):
                    if len(frame.towns) > 1:
                        rv.Html(tag="i", children=[_town_label(town.label, lang)])
                        solara.Text(": ")
                    for k, (key, value) in enumerate(town.counters.items()):
                        solara.Text(" · " if k else "")
                        rv.Html(tag="b", children=[tr(key, lang)])
                        solara.Text(f" {number(value, lang)}")
    if frame.period_over:
        solara.Info(tr("period_over", lang, days=frame.period_days), classes=["q-period-over"])


@solara.component
def PlayControls(period_over: solara.Reactive, playing: bool, set_playing, advance, act, lang: str):
    """Play/pause, one day, one week, start again. Reads only whether the period is over, so
    a step does not re-render it."""
    with solara.Card():
        with solara.Row():
            solara.Button(tr("pause", lang) if playing else tr("play", lang), on_click=lambda: set_playing(not playing),
                          color="primary", classes=["q-play"], disabled=period_over.value and not playing)
            solara.Button(tr("step", lang), on_click=lambda: advance(lambda s: s.step(1)), classes=["q-step"])
            solara.Button(tr("week", lang), on_click=lambda: advance(lambda s: s.step(7)), classes=["q-week"])
        solara.Button(tr("reset", lang), on_click=lambda: act(lambda s: s.reset()), outlined=True, classes=["q-reset"])


@solara.component
def Figures(frame_var: solara.Reactive, drawn: threading.Event, scenario, colour_by: str, lang: str):
    """The town view(s), tension by district and the curves; rebuilt when the towns, the
    colouring or the language change, otherwise updated with the new frame's data only."""
    frame = frame_var.value
    views = solara.use_memo(lambda: Views(frame, scenario, colour_by, lang),
                            dependencies=[frame.layout_key, len(frame.towns), colour_by, lang])

    signal = solara.use_memo(lambda: DrawnSignal(on_drawn=lambda version: drawn.set()), dependencies=[])

    def draw():
        views.update(frame)
        signal.version = frame.version  # after the figures' data, so the browser acks both

    solara.use_effect(draw, dependencies=[views, frame.version])
    solara.Column(children=[signal], style={"display": "none"})
    with solara.Row(style={"flex-wrap": "wrap"}):
        for view in views.towns:
            solara.Column(children=[view.widget], classes=["q-town"])
        solara.Column(children=[views.districts.widget], classes=["q-districts"])
    solara.Column(children=[views.curves.widget], classes=["q-curves"])
    if frame.shocks:
        with solara.Column(classes=["q-shock-list"]):
            solara.Markdown(shock_list(frame.shocks, lang))
    with solara.Column(classes=["q-event-log-panel"]):
        solara.Column(children=[views.log.widget])
        solara.Text(tr("event_marks", lang), style={"font-size": "13px", "color": "#555"})


@solara.component
def HandoutDownloads(session: Session, lang: str):
    """The session's one-page handout for the debrief, as PNG or PDF (:mod:`.handout`); drawn
    when clicked, from a snapshot, so the town may go on playing."""
    with solara.Row(classes=["q-handout"], style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Text(tr("handout", lang))
        for fmt in HANDOUT_FORMATS:
            with solara.Column(classes=[f"q-handout-{fmt}"]):
                solara.FileDownload(lambda fmt=fmt: handout_bytes(session, lang, fmt), filename=f"quartier_handout.{fmt}",
                                    label=tr(f"handout_{fmt}", lang),
                                    mime_type="application/pdf" if fmt == "pdf" else "image/png")


LOADED = "__loaded__"
DOCS = Path(__file__).resolve().parents[2] / "docs"


def session_plan(lang: str) -> str:
    """The 90-minute plan (docs/session_plan_<lang>.md), or "" where the docs are not installed."""
    path = DOCS / f"session_plan_{lang}.md"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@solara.component
def SaveAndLoad(session: Session, act, lang: str):
    """Save the session as a scenario file; open one (a saved session or any scenario file).
    A file that is not a valid scenario gets a one-line message here and changes nothing."""
    error, set_error = solara.use_state("")

    def on_file(info):
        try:
            # Checked before taking the session's lock: a bad file must not hold up the town.
            parse_scenario_text(info["data"], str(info.get("name", "")))
            act(lambda s: s.load(info["data"].decode("utf-8"), str(info.get("name", "saved.toml"))))
            set_error("")
        except ScenarioError as exc:
            set_error(str(exc).strip().splitlines()[-1][:300])

    with solara.Column(classes=["q-save-load"]):
        solara.FileDownload(lambda: session.save().encode("utf-8"), filename="quartier_sitzung.toml" if lang == "de"
                            else "quartier_session.toml", label=tr("save_session", lang))
        solara.FileDrop(label=tr("load_session", lang), on_file=on_file, lazy=False)
        if error:
            solara.Error(f"{tr('load_failed', lang)}: {error}", classes=["q-load-error"])


@solara.component
def WorkshopPage():
    lang = LANG.value
    session = solara.use_memo(_new_session, dependencies=[])
    # The frame lives in a reactive variable that only the parts showing it read, so a step
    # re-renders the counters and figures, not the whole page.
    first_frame = solara.use_memo(session.frame, dependencies=[])
    frame_var = solara.use_reactive(first_frame)  # never read here: reading it would subscribe the page
    period_over = solara.use_reactive(first_frame.period_over)
    playing, set_playing = solara.use_state(False)
    colour_by, set_colour_by = solara.use_state("group")
    shock_district, set_shock_district = solara.use_state("")
    strength, set_strength = solara.use_state(1.0)
    scenarios = solara.use_memo(library, dependencies=[])
    drawn = solara.use_memo(threading.Event, dependencies=[])

    def show(new: Frame) -> None:
        # Two threads (play and a click) may finish in either order: keep the newest frame.
        # No lock of ours around this: a click's handler already holds the render lock here,
        # and the play thread waiting for it while holding a second lock would deadlock.
        if new.version > frame_var.value.version:
            frame_var.value = new
            period_over.value = new.period_over  # equal values wake nobody

    # The sidebar and title show the session's settings: a change of them re-renders the page;
    # a step, a week or a shock (`advance`) only hands over a frame, like a play step, so
    # only the counters and figures render again.
    _, set_settings_version = solara.use_state(0)

    def advance(change) -> None:
        show(session.apply(change))

    def act(change) -> None:
        advance(change)
        set_settings_version(lambda v: v + 1)

    player = solara.use_memo(lambda: Player(session, drawn), dependencies=[])
    player.show, player.on_period_over = show, lambda: set_playing(False)

    def start_or_stop():
        if playing:
            player.start()
        else:
            player.stop()
        return player.stop  # the page went away: stop its loop

    solara.use_effect(start_or_stop, dependencies=[playing])

    scenario = session.loaded if session.loaded is not None else scenarios[session.scenario_file]
    title, description = scenario_title(scenario, lang)

    solara.Title(tr("app_title", lang))
    framework_text = solara.use_memo(FrameworkText, dependencies=[])
    framework_text.texts = FRAMEWORK_TEXT[lang]
    solara.Column(children=[framework_text], style={"display": "none"})
    with solara.AppBar():
        solara.AppBarTitle(tr("app_title", lang))
        solara.Button(tr("language_button", lang), on_click=lambda: LANG.set("en" if lang == "de" else "de"),
                      text=True, classes=["q-language"])

    with solara.Sidebar():
        with solara.Card(tr("scenario", lang)):
            names = list(scenarios)
            titles = {n: scenario_title(s, lang)[0] for n, s in scenarios.items()}
            if session.loaded is not None:
                titles[LOADED] = scenario_title(session.loaded, lang)[0]

            def choose(title_chosen):
                name = next(n for n in titles if titles[n] == title_chosen)
                if name == LOADED:
                    return

                def change(s: Session):
                    s.scenario_file, s.loaded, s.loaded_name = name, None, ""
                    s.values = {}
                    s.reset()

                act(change)

            current = LOADED if session.loaded is not None else session.scenario_file
            solara.Select(tr("scenario", lang), value=titles[current], values=list(titles.values()),
                          on_value=choose, classes=["q-scenario"])
            solara.Markdown(description)
            SaveAndLoad(session, act, lang)
            plan = session_plan(lang)
            if plan:
                with solara.Details(tr("session_plan", lang)):
                    solara.Markdown(plan)
            # The budget game runs on the same server, on its own page (simulation/dashboard/game_page.py).
            solara.Markdown(f"[{tr('game_title', lang)}: {tr('game_open_room', lang)} · {tr('game_join_room', lang)}](?game)",
                            style={"font-size": "0.95em"})
        PlayControls(period_over, playing, set_playing, advance, act, lang)
        with solara.Card(tr("structures_heading", lang)):
            for name in STRUCTURE_NAMES:
                def toggle(on, name=name):
                    act(lambda s: s.change({f"structures.{name}.enabled": on}))

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
                                    dependencies=[session.scenario_file, session.loaded_name, session.layout_key,
                                                  repr(sorted(session.values.items())),
                                                  repr(sorted(session.live_values.items()))])
            for path, spec in specs.items():
                value = spec["value"]

                def set_value(new, path=path, old=value):
                    if new == old:  # a slider reporting its own value must not rebuild the town
                        return

                    act(lambda s: s.change({path: new}))

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
                    advance(lambda s: s.trigger(kind, district, strength))

                solara.Button(shock_label(kind, lang), on_click=fire, color="warning", classes=[f"q-shock-{kind}"])
    with solara.Row(style={"align-items": "center"}):
        solara.Text(tr("colour_by", lang))
        solara.ToggleButtonsSingle(value=colour_by, on_value=set_colour_by,
                                   children=[solara.Button(tr("by_group", lang), value="group"),
                                             solara.Button(tr("by_tension", lang), value="tension", classes=["q-by-tension"])])
    Figures(frame_var, drawn, scenario, colour_by, lang)
    HandoutDownloads(session, lang)


def _digits(step: float) -> int:
    text = f"{step:.6f}".rstrip("0")
    return max(0, len(text.split(".")[1])) if "." in text else 0


@solara.component
def Page():
    """The workshop page, or the budget game's (:mod:`.game_page`) when the address asks for it:
    ``?game``, ``?room=CODE``, ``?board=CODE`` or ``?trainer=CODE&key=KEY``."""
    query = game_query(solara.use_router().search)
    if query is not None:
        GamePage(query, LANG)
    else:
        WorkshopPage()
