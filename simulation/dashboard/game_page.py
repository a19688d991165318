"""The budget game's pages (Solara), served by the workshop dashboard under query parameters:

* ``/?game`` -- open a room (the trainer) or join one (a team);
* ``/?room=CODE`` -- a team joins room CODE: its choice within the budget, then its town;
* ``/?board=CODE`` -- the board alone, for the projector (every team side by side, ranking);
* ``/?trainer=CODE&key=KEY`` -- the trainer's controls and the board again (after a reload).

The game itself is :mod:`.game` (no Solara there). Each page watches its room in a thread of
its own (:func:`use_board`): the room's condition wakes it when anything changed, and the page
takes a fresh :class:`~.game.Board` snapshot -- so a shock the trainer triggers shows in every
team's page and on the board. Bad input gets its message (in the page's language) under the
control it came from and changes nothing in the room.
"""

from __future__ import annotations

import html
import threading
import traceback
import urllib.parse

import numpy as np
import plotly.graph_objects as go
import solara
from plotly.subplots import make_subplots

from ..reports.i18n import shock_label, tr
from ..scenario import STRUCTURE_NAMES
from .figures import FONT, TOWN_COLOURS, FigureWidget, number, separators, shock_list
from .game import ROOMS, SIZES, Board, GameError, Room, TeamBoard, size_bounds
from .session import SHOCK_BUTTONS, library, scenario_title

__all__ = ["game_query", "GamePage"]

QUERY_KEYS = ("game", "room", "board", "trainer")
DEFAULT_SCENARIO = "baseline.toml"  # no shocks of its own: the trainer triggers them
DEFAULT_BUDGET = "150"  # hours a month: about a contact point, or a pool and round tables
WATCH_TIMEOUT_S = 1.0
PANELS = (("feuds_per_1000", "dash_feuds"), ("esteban_ray", "dash_polarization"),
          ("incidents_week", "dash_incidents_week"), ("hours_spent", "game_hours_spent"))
REFERENCE_COLOUR = "#777777"


def game_query(search: str | None) -> dict[str, str] | None:
    """The game's query parameters (first value each), or None when the page is the workshop's."""
    params = urllib.parse.parse_qs(search or "", keep_blank_values=True)
    if not any(key in params for key in QUERY_KEYS):
        return None
    return {key: values[0][:80] for key, values in params.items()}


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------


def _two_lines(text: str, width: int = 26) -> str:
    """A panel title on at most two lines, so four small panels' titles do not overlap."""
    if len(text) <= width or " " not in text:
        return html.escape(text)
    cut = min((i for i, c in enumerate(text) if c == " "), key=lambda i: abs(i - len(text) / 2))
    return f"{html.escape(text[:cut])}<br>{html.escape(text[cut + 1:])}"


def team_figure(team: TeamBoard, reference: TeamBoard | None, shocks, lang: str) -> FigureWidget:
    """One town's four small curves (escalation, polarization, incidents, hours spent), the
    reference town without structures as a grey dashed line where given, shocks dotted.

    Built anew for each snapshot of the room (a few per game, at the trainer's clicks), with
    its data inside: incremental plotly updates sent in quick succession from a page's watching
    thread (a week, a shock, a week) did not all reach the browser, and nothing paces them here
    as the workshop page's play loop is paced."""
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.24, horizontal_spacing=0.14,
                        subplot_titles=[_two_lines(tr(label, lang)) for _, label in PANELS])
    for p, (key, _) in enumerate(PANELS):
        for town, colour, dash, name in ((team, TOWN_COLOURS[0], "solid", team.name),
                                         (reference, REFERENCE_COLOUR, "dash", tr("none", lang))):
            if town is None:
                continue
            values = town.curves[key]
            fig.add_trace(go.Scatter(x=np.arange(values.size), y=np.round(values, 3), mode="lines", name=html.escape(name),
                                     showlegend=p == 0 and reference is not None,
                                     line={"color": colour, "dash": dash, "width": 2.2 if town is team else 1.6}),
                          row=p // 2 + 1, col=p % 2 + 1)
    fig.update_layout(title={"text": f"<b>{html.escape(team.name)}</b>", "x": 0.5, "font": {"size": 16}},
                      font={**FONT, "size": 13}, separators=separators(lang), height=400, width=400,
                      margin={"l": 45, "r": 10, "t": 90, "b": 30}, plot_bgcolor="white",
                      legend={"orientation": "h", "y": -0.12, "x": 0})
    fig.update_xaxes(gridcolor="#e5e5e5", rangemode="tozero")
    fig.update_yaxes(gridcolor="#e5e5e5", rangemode="tozero")
    fig.update_annotations(font={"size": 12})
    for day, _ in shocks:
        for axis in ("x", "x2", "x3", "x4"):
            fig.add_shape(type="line", x0=day, x1=day, xref=axis, y0=0, y1=1, yref=axis.replace("x", "y") + " domain",
                          line={"color": "black", "dash": "dot", "width": 1})
    return FigureWidget(fig)


# ----------------------------------------------------------------------------------------------
# Watching a room
# ----------------------------------------------------------------------------------------------


def use_board(room: Room) -> Board:
    """The room's latest board; a thread of this page waits for the room to change and hands
    the page the new snapshot (stopped when the page goes away)."""
    board = solara.use_reactive(solara.use_memo(room.board, dependencies=[room]))

    def watch():
        stop = threading.Event()

        def loop():
            try:
                version = board.value.version
                while not stop.is_set() and not room.closed:
                    if room.wait(version, WATCH_TIMEOUT_S) != version and not stop.is_set():
                        fresh = room.board()
                        version = fresh.version
                        board.value = fresh
            except Exception:
                traceback.print_exc()

        # Solara hands a thread started here the page's context, so it may set its state.
        threading.Thread(target=loop, name=f"quartier-game-{room.code}", daemon=True).start()
        return stop.set

    solara.use_effect(watch, dependencies=[room])
    return board.value


# ----------------------------------------------------------------------------------------------
# Components
# ----------------------------------------------------------------------------------------------


def _error(message: str) -> None:
    if message:
        solara.Error(message, classes=["q-game-error"])


@solara.component
def TeamFigures(board: Board, lang: str, only: str | None = None):
    """Every team's town side by side (the board), or one team's own town (``only``)."""
    teams = [t for t in board.teams if only is None or t.name == only]
    names = tuple(t.name for t in teams)
    reference = board.reference if only is None else None  # a team sees its own town only
    figures = solara.use_memo(lambda: [team_figure(team, reference, board.shocks, lang) for team in teams],
                              dependencies=[names, lang, only, board.version])

    def close_old():
        return lambda: [figure.close() for figure in figures]  # give the widgets' memory back

    solara.use_effect(close_old, dependencies=[figures])
    with solara.Row(style={"flex-wrap": "wrap", "gap": "0.2em"}, classes=["q-game-towns"]):
        for k, (figure, team) in enumerate(zip(figures, teams)):
            with solara.Column(classes=["q-game-team", f"q-game-team-{k}"], style={"max-width": "402px"}):
                solara.Column(children=[figure])
                chosen = ", ".join(_choice_words(team, lang)) or tr("none", lang)
                solara.Text(chosen, style={"font-size": "0.9em"})
                solara.Text(f"{tr('game_planned', lang, hours=number(team.planned_hours, lang), budget=number(board.budget_hours_per_month, lang))}"
                            f" · {tr('game_hours_spent', lang)}: {number(team.curves['hours_spent'][-1], lang)}"
                            f" · {tr('game_col_incidents', lang)}: {number(team.incidents, lang)}",
                            style={"font-size": "0.9em"}, classes=["q-game-team-counters"])
    if board.shocks:
        with solara.Column(classes=["q-game-shock-list"]):
            solara.Markdown(shock_list(board.shocks, lang))


def _choice_words(team: TeamBoard, lang: str) -> list[str]:
    words = []
    for name in team.structures:
        size = team.sizes.get(name)
        words.append(tr(name, lang) + (f" ({tr(f'structures.{name}.{SIZES[name]}', lang)}: {size})" if size is not None else ""))
    return words


@solara.component
def Ranking(board: Board, lang: str):
    """The ranking table: feud-days per 1,000 and the paired difference to no structures."""
    from reacton import ipyvuetify as v

    columns = ("game_col_rank", "game_col_team", "game_col_feud_days", "game_col_difference",
               "game_col_incidents", "game_col_incidents_difference", "game_hours_spent")

    def signed(x: float, digits: int = 0) -> str:
        return ("+" if x > 0 else "") + number(x, lang, digits)

    with solara.Card(tr("game_ranking", lang), classes=["q-game-ranking"]):
        if board.day >= board.period_days:
            solara.Success(tr("game_year_over", lang), classes=["q-game-year-over"])
        rows = [[str(r.rank), r.name, number(r.feud_days, lang), signed(r.difference), number(r.incidents, lang),
                 signed(r.incidents_difference), number(r.hours_spent, lang)] for r in board.ranking]
        # Text children are text nodes in the browser: a team name is never read as markup.
        v.SimpleTable(children=[
            v.Html(tag="thead", children=[v.Html(tag="tr", children=[v.Html(tag="th", children=[tr(c, lang)]) for c in columns])]),
            v.Html(tag="tbody", children=[v.Html(tag="tr", children=[v.Html(tag="td", children=[cell]) for cell in row])
                                          for row in rows]),
        ])
        solara.Text(tr("game_ranking_note", lang), style={"font-size": "0.9em"})


@solara.component
def BoardView(room: Room, lang: str):
    """The shared board: day, teams, every town side by side, the ranking."""
    board = use_board(room)
    if room.closed:
        solara.Warning(tr("game_room_closed", lang), classes=["q-game-closed"])
        return
    solara.Markdown(f"## {tr('game_title', lang)} · {tr('game_room_code', lang)} {board.code}")
    solara.Text(f"{tr('counter_day', lang)} {board.day}", classes=["q-game-day"], style={"font-size": "1.3em"})
    names = ", ".join(t.name for t in board.teams)
    solara.Text(tr("game_teams", lang, names=names) if names else tr("game_no_teams", lang), classes=["q-game-teams"])
    TeamFigures(board, lang)
    if board.started:
        Ranking(board, lang)


@solara.component
def TrainerView(room: Room, lang: str, on_close):
    """The trainer's controls over the board: advance the year, shocks for all, close."""
    error, set_error = solara.use_state("")

    def act(action):
        try:
            action()
            set_error("")
        except GameError as exc:
            set_error(exc.message(lang))

    def to_end():
        left = int(room.scenario.days) - room.day
        if left > 0:  # at the end already: nothing to do
            act(lambda: room.advance(left))

    with solara.Card(classes=["q-game-trainer"]):
        with solara.Row(style={"align-items": "baseline"}):
            solara.Text(f"{tr('game_room_code', lang)}:", style={"font-size": "1.4em"})
            solara.Text(room.code, classes=["q-game-code"], style={"font-size": "2em", "font-weight": "bold"})
        with solara.Column(style={"gap": "0"}):
            solara.Text(tr("game_room_opened", lang, code=room.code))
            # The key opens the controls: folded away, so the projected page does not show it.
            with solara.Details(tr("game_controls_link", lang)):
                solara.Text(tr("game_trainer_link", lang, code=room.code, trainer_key=room.trainer_key),
                            style={"font-size": "0.9em"}, classes=["q-game-trainer-link"])
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button(tr("game_week", lang), on_click=lambda: act(lambda: room.advance(7)), color="primary",
                          classes=["q-game-week"])
            solara.Button(tr("game_month", lang), on_click=lambda: act(lambda: room.advance(30)), classes=["q-game-month"])
            solara.Button(tr("game_to_end", lang), on_click=to_end, classes=["q-game-end"])
        with solara.Row(style={"flex-wrap": "wrap"}):
            for kind in SHOCK_BUTTONS:
                solara.Button(shock_label(kind, lang), color="warning", classes=[f"q-game-shock-{kind}"],
                              on_click=lambda kind=kind: act(lambda: room.trigger(kind)))
        _error(error)
        solara.Button(tr("game_close_room", lang), outlined=True, classes=["q-game-close"],
                      on_click=lambda: (ROOMS.close(room.code), on_close()))
    BoardView(room, lang)


@solara.component
def TeamView(room: Room, name: str, lang: str, on_leave):
    """A team's page: its choice within the budget before the year starts, then its town."""
    board = use_board(room)
    team = next((t for t in board.teams if t.name == name), None)
    chosen, set_chosen = solara.use_state(tuple(team.structures) if team else ())
    sizes, set_sizes = solara.use_state(
        {n: str(team.sizes.get(n, getattr(getattr(room.scenario.structures, n), SIZES[n]))) if team else "" for n in SIZES})
    error, set_error = solara.use_state("")
    if room.closed or team is None:
        solara.Warning(tr("game_room_closed", lang), classes=["q-game-closed"])
        return

    def parsed_sizes() -> dict:
        out = {}
        for n, text in sizes.items():
            if n in chosen and str(text).strip():
                try:
                    out[n] = int(str(text).strip())
                except ValueError:
                    out[n] = str(text).strip()  # refused by the game with the field, value and range
        return out

    try:
        cost = sum(room.cost(chosen, parsed_sizes()).values())
        cost_text = tr("game_planned", lang, hours=number(cost, lang), budget=number(room.budget_hours_per_month, lang))
    except GameError as exc:
        cost_text = exc.message(lang)

    def take():
        try:
            room.choose(name, chosen, parsed_sizes())
            set_error("")
        except GameError as exc:
            set_error(exc.message(lang))

    solara.Markdown(f"## {tr('game_title', lang)} · {tr('game_room_code', lang)} {room.code}")
    solara.Text(f"{tr('game_col_team', lang)}: {name} · {tr('counter_day', lang)} {board.day}",
                classes=["q-game-day"], style={"font-size": "1.2em"})
    with solara.Card(tr("game_choose", lang), classes=["q-game-choice"]):
        fixed = board.started
        for structure in STRUCTURE_NAMES:
            def toggle(on, structure=structure):
                # From the state as it is now, not as this render saw it: two switches flipped
                # faster than a render would otherwise keep only the second.
                set_chosen(lambda now: tuple(n for n in STRUCTURE_NAMES
                                             if (n == structure and on) or (n != structure and n in now)))

            with solara.Row(style={"align-items": "center"}):
                solara.Switch(label=tr(structure, lang), value=structure in chosen, on_value=toggle, disabled=fixed,
                              classes=[f"q-game-structure-{structure}"])
                if structure in SIZES and structure in chosen:
                    lo, hi = size_bounds(structure)
                    key = f"structures.{structure}.{SIZES[structure]}"
                    solara.InputText(f"{tr(key, lang)} ({lo}–{hi})", value=sizes[structure], disabled=fixed,
                                     on_value=lambda text, structure=structure: set_sizes(lambda now: {**now, structure: text}),
                                     continuous_update=True, classes=[f"q-game-size-{structure}"],
                                     style={"max-width": "18em"})
        with solara.Column():
            solara.Text(cost_text, classes=["q-game-cost"])
            if not fixed:
                with solara.Row():
                    solara.Button(tr("game_take_choice", lang), on_click=take, color="primary", classes=["q-game-take"])
            _error(error)
            words = ", ".join(_choice_words(team, lang)) or tr("none", lang)
            solara.Text(f"{tr('game_choice_taken', lang, hours=number(team.planned_hours, lang))} {words}",
                        classes=["q-game-taken"])
        if not fixed:
            solara.Info(tr("game_waiting", lang))
    with solara.Column(classes=["q-game-own"]):
        TeamFigures(board, lang, only=name)
    if board.day >= board.period_days:
        Ranking(board, lang)

    def leave():
        room.leave(name)
        on_leave()

    solara.Button(tr("game_leave", lang), on_click=leave, outlined=True, classes=["q-game-leave"])


@solara.component
def EntryView(query: dict, lang: str, on_trainer, on_team):
    """Open a room (the trainer) or join one (a team)."""
    scenarios = solara.use_memo(library, dependencies=[])
    names = list(scenarios)
    scenario, set_scenario = solara.use_state(DEFAULT_SCENARIO if DEFAULT_SCENARIO in names else names[0])
    seed, set_seed = solara.use_state("1")
    budget, set_budget = solara.use_state(DEFAULT_BUDGET)
    code, set_code = solara.use_state(query.get("room", ""))
    team, set_team = solara.use_state("")
    open_error, set_open_error = solara.use_state("")
    join_error, set_join_error = solara.use_state("")

    def open_room():
        try:
            number_ = int(seed.strip()) if seed.strip().lstrip("-").isdigit() else seed
            room = ROOMS.open(scenario, number_, budget.strip())
            set_open_error("")
            on_trainer(room)
        except GameError as exc:
            set_open_error(exc.message(lang))

    def join():
        try:
            room = ROOMS.get(code)
            room.join(team)
            set_join_error("")
            on_team(room, team.strip())
        except GameError as exc:
            set_join_error(exc.message(lang))

    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Card(tr("game_join_room", lang), classes=["q-game-join-card"], style={"min-width": "22em"}):
            solara.InputText(tr("game_room_code", lang), value=code, on_value=set_code, continuous_update=True,
                             classes=["q-game-code-input"])
            solara.InputText(tr("game_team_name", lang), value=team, on_value=set_team, continuous_update=True,
                             classes=["q-game-name-input"])
            solara.Button(tr("game_join", lang), on_click=join, color="primary", classes=["q-game-join"])
            _error(join_error)
        if "room" not in query:
            titles = {n: scenario_title(s, lang)[0] for n, s in scenarios.items()}
            with solara.Card(tr("game_open_room", lang), classes=["q-game-open-card"], style={"min-width": "22em"}):
                solara.Select(tr("scenario", lang), value=titles[scenario], values=list(titles.values()),
                              on_value=lambda t: set_scenario(next(n for n in titles if titles[n] == t)))
                solara.InputText(tr("seed", lang), value=seed, on_value=set_seed, continuous_update=True,
                                 classes=["q-game-seed"])
                solara.InputText(tr("game_budget", lang), value=budget, on_value=set_budget, continuous_update=True,
                                 classes=["q-game-budget"])
                solara.Button(tr("game_open", lang), on_click=open_room, color="primary", classes=["q-game-open"])
                _error(open_error)


@solara.component
def GamePage(query: dict, lang_var: solara.Reactive):
    """The game's page for a query (:func:`game_query`): entry, trainer, team or board."""
    lang = lang_var.value
    # (kind, room, team name): what this page shows once a room is open or joined.
    view, set_view = solara.use_state(("entry", None, ""))
    problem = ""
    if view[0] == "entry" and ("board" in query or "trainer" in query):
        try:
            if "trainer" in query:
                view = ("trainer", ROOMS.trainer(query["trainer"], query.get("key", "")), "")
            else:
                view = ("board", ROOMS.get(query["board"]), "")
        except GameError as exc:
            problem = exc.message(lang)

    solara.Title(tr("game_title", lang))
    with solara.AppBar():
        solara.AppBarTitle(tr("game_title", lang))
        solara.Button(tr("language_button", lang), on_click=lambda: lang_var.set("en" if lang == "de" else "de"),
                      text=True, classes=["q-language"])
    kind, room, name = view
    back = lambda: set_view(("entry", None, ""))  # noqa: E731
    if problem:
        _error(problem)
    elif kind == "trainer":
        TrainerView(room, lang, back).key(f"trainer-{room.code}")
    elif kind == "board":
        BoardView(room, lang).key(f"board-{room.code}")
    elif kind == "team":
        TeamView(room, name, lang, back).key(f"team-{room.code}-{name}")
    else:
        EntryView(query, lang, on_trainer=lambda r: set_view(("trainer", r, "")),
                  on_team=lambda r, n: set_view(("team", r, n)))
