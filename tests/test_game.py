"""The budget game (simulation/dashboard/game.py) and its pages (game_page.py).

Unit tests on the rooms, teams, costs and ranking; browser tests (slow) with three teams in
three pages and the trainer's board, sharing shocks, served on 127.0.0.1 only.
"""

import gc
import threading
import time
import weakref

import numpy as np
import pytest

from simulation.dashboard.game import (
    COSTS,
    DAYS_PER_MONTH,
    GameError,
    Registry,
    Room,
    feud_days,
    monthly_hours,
)
from simulation.scenario import STRUCTURE_NAMES, apply_overrides, load_scenario, with_preset

from .conftest import SCENARIOS


def small_room(budget: float = 300.0, seed: int = 3) -> Room:
    scenario = apply_overrides(load_scenario(SCENARIOS / "baseline.toml"), {"town.residents": 400})
    return Room("TEST", "baseline.toml", scenario, seed, budget)


# ----------------------------------------------------------------------------------------------
# Costs
# ----------------------------------------------------------------------------------------------


def test_every_structure_has_one_cost_rule():
    assert set(COSTS) == set(STRUCTURE_NAMES)


@pytest.mark.parametrize("name", STRUCTURE_NAMES)
def test_planned_hours_are_the_hours_the_model_records_without_use(name):
    """The cost rule against the model: over 84 days (three cycles of round tables) the hours
    a structure alone records, less the hours of its use (mediations, outreach on alert,
    active crisis days), are its planned hours exactly."""
    scenario = with_preset(apply_overrides(load_scenario(SCENARIOS / "baseline.toml"), {"town.residents": 400}),
                           f"none+{name}")
    from simulation.model import QuartierModel

    model = QuartierModel(scenario, seed=5)
    days = 84
    for _ in range(days):
        model.step()
    data = model.datacollector.get_model_vars_dataframe().iloc[1:]
    params = getattr(scenario.structures, name)
    use = {
        "early_warning": params.staff_hours_per_alert_day * data["districts_on_alert"].sum()
        if name == "early_warning" else 0.0,
        "mediator_pool": params.staff_hours_per_mediation * data["mediations_tried"].sum()
        if name == "mediator_pool" else 0.0,
        "crisis_team": params.staff_hours_per_active_day * data["crisis_team_active"].sum()
        if name == "crisis_team" else 0.0,
    }.get(name, 0.0)
    recorded = data[f"hours_{name}"].sum()
    planned = monthly_hours(scenario)[name] * days / DAYS_PER_MONTH
    assert recorded - use == pytest.approx(planned, rel=1e-9)


def test_a_choice_over_budget_is_refused_naming_hours_structures_and_budget():
    room = small_room(budget=100)
    room.join("Nord")
    with pytest.raises(GameError) as info:
        room.choose("Nord", ["contact_point", "round_tables"])  # 120 + 60 hours a month
    message = str(info.value)
    assert "Staff hours per month = 180" in message and "at most 100" in message
    assert "contact point 120" in message and "round tables 60" in message
    german = info.value.message("de")
    assert "Personalstunden pro Monat = 180" in german and "höchstens 100" in german
    assert room.teams["Nord"].structures == ()  # the team keeps its town without structures
    # Smaller: fewer round tables fit.
    team = room.choose("Nord", ["round_tables"], {"round_tables": 56})
    assert team.planned_total == pytest.approx(monthly_hours(team.model.config)["round_tables"]) and team.planned_total < 100


def test_a_size_outside_the_schemas_range_is_refused_with_field_value_and_range():
    room = small_room()
    room.join("Nord")
    with pytest.raises(GameError) as info:
        room.choose("Nord", ["mediator_pool"], {"mediator_pool": -3})
    assert str(info.value) == "Mediators = '-3': allowed: a whole number from 0 to 500"
    with pytest.raises(GameError, match="Structure 'teleporter'"):
        room.choose("Nord", ["teleporter"])


def test_more_mediators_cost_more():
    room = small_room()
    assert room.cost(["mediator_pool"], {"mediator_pool": 8})["mediator_pool"] == pytest.approx(
        2 * room.cost(["mediator_pool"], {"mediator_pool": 4})["mediator_pool"])


# ----------------------------------------------------------------------------------------------
# Rooms and teams
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "<b>Nord</b>", "", "   ", "x" * 31, "_hidden", "Nord\n"])
def test_a_team_name_with_markup_or_other_characters_is_refused(name):
    room = small_room()
    if name == "Nord\n":  # surrounding white space is trimmed, not refused
        assert room.join(name).name == "Nord"
        return
    with pytest.raises(GameError) as info:
        room.join(name)
    assert "Team name" in str(info.value) and "no markup" in str(info.value)
    assert "Teamname" in info.value.message("de")
    assert room.teams == {}


def test_names_in_other_scripts_and_with_spaces_are_fine():
    room = small_room()
    for name in ("Team Süd", "Ekip Çarşı", "Команда 3", "A.B-C_d"):
        assert room.join(name).name == name


def test_an_unknown_room_and_a_negative_budget_are_refused_in_both_languages():
    rooms = Registry()
    with pytest.raises(GameError) as info:
        rooms.get("ZZZZ")
    assert "Room 'ZZZZ'" in str(info.value) and "Raum 'ZZZZ'" in info.value.message("de")
    for budget in (-5, "viel", float("nan")):
        with pytest.raises(GameError) as info:
            rooms.open("baseline.toml", 1, budget)
        assert "Budget" in str(info.value) and "from 0 to" in str(info.value)
    with pytest.raises(GameError, match="Scenario"):
        rooms.open("../../etc/passwd", 1, 100)
    assert rooms.rooms == {}


def test_a_room_code_is_found_whatever_its_case_and_the_trainer_needs_the_key():
    rooms = Registry()
    room = rooms.open("baseline.toml", 1, 100)
    assert rooms.get(f" {room.code.lower()} ") is room
    assert rooms.trainer(room.code, room.trainer_key) is room
    with pytest.raises(GameError, match="does not open"):
        rooms.trainer(room.code, "guess")
    rooms.close(room.code)
    with pytest.raises(GameError):
        rooms.get(room.code)


def test_shocks_reach_every_team_and_the_reference_on_the_same_day():
    room = small_room()
    for name, choice in (("A", []), ("B", ["crisis_team"]), ("C", ["mediator_pool"])):
        room.join(name)
        room.choose(name, choice)
    room.advance(5)
    room.trigger("violent_incident")
    room.advance(3)
    for model in room.models():
        assert [(int(d), k) for d, k in model.shock_log] == [(6, "violent_incident")]
        assert model.datacollector.model_vars["incidents"][6] >= 8  # the shock's own incidents
    assert room.board().shocks == ((6, "violent_incident"),)


def test_a_team_choosing_no_structures_has_the_reference_town_exactly():
    room = small_room()
    room.join("A")
    room.join("B")
    room.choose("B", ["mediator_pool", "crisis_team"])
    room.advance(20)
    room.trigger("rumour")
    room.advance(40)
    same = room.teams["A"].model.datacollector.get_model_vars_dataframe()
    reference = room.reference.datacollector.get_model_vars_dataframe()
    other = room.teams["B"].model.datacollector.get_model_vars_dataframe()
    assert same.equals(reference)
    assert not other.equals(reference)  # the check could fail: a choice changes the town


def test_ranking_and_paired_difference_match_a_direct_computation():
    room = small_room(budget=400)
    choices = {"none": [], "pool": ["mediator_pool", "crisis_team"], "all": ["contact_point", "early_warning",
               "mediator_pool", "coordination", "crisis_team"]}
    for name, choice in choices.items():
        room.join(name)
        room.choose(name, choice)
    room.advance(30)
    room.trigger("violent_incident", strength=3.0)
    room.advance(90)
    board = room.board()

    def direct(model):
        return float(model.datacollector.get_model_vars_dataframe()["feuds_per_1000"].iloc[1:].sum())

    base = direct(room.reference)
    expected = sorted((direct(room.teams[n].model), n) for n in choices)
    assert [row.name for row in board.ranking] == [n for _, n in expected]
    for row in board.ranking:
        figure = direct(room.teams[row.name].model)
        assert row.feud_days == pytest.approx(figure) and row.difference == pytest.approx(figure - base)
        assert row.rank == 1 + [n for _, n in expected].index(row.name)
    assert next(r for r in board.ranking if r.name == "none").difference == 0.0
    assert feud_days(room.reference) == pytest.approx(base)
    # Hours spent: the structures' hours, none for the team without structures.
    spent = {row.name: row.hours_spent for row in board.ranking}
    assert spent["none"] == 0.0 and spent["all"] > spent["pool"] > 0.0


def test_choices_are_fixed_and_new_teams_refused_once_the_year_started_but_a_team_comes_back():
    room = small_room()
    room.join("A")
    room.advance(1)
    with pytest.raises(GameError, match="fixed"):
        room.choose("A", ["contact_point"])
    with pytest.raises(GameError, match="joining before the year starts"):
        room.join("Late")
    assert room.join("A") is room.teams["A"]
    with pytest.raises(GameError, match="not in room"):
        room.choose("Nobody", [])


def test_bad_days_and_shocks_are_refused_and_change_nothing():
    room = small_room()
    for days in (0, -1, 1.5, "7", True):
        with pytest.raises(GameError, match="Days"):
            room.advance(days)
    with pytest.raises(GameError, match="Shock"):
        room.trigger("earthquake")
    with pytest.raises(GameError, match="District"):
        room.trigger("rumour", district="<b>x</b>")
    assert room.day == 0 and room.shocks == []


def test_a_team_leaving_and_a_room_closing_give_the_towns_memory_back():
    rooms = Registry()
    room = rooms.open("baseline.toml", 2, 100)
    room.join("A")
    room.join("B")
    gone = weakref.ref(room.teams["A"].model)
    room.leave("A")
    gc.collect()
    assert gone() is None and list(room.teams) == ["B"]
    kept = weakref.ref(room.teams["B"].model)
    rooms.close(room.code)
    del room
    gc.collect()
    assert kept() is None and rooms.rooms == {}


def test_teams_and_the_trainer_acting_at_once_leave_the_towns_in_lockstep():
    room = small_room()
    for name in ("A", "B"):
        room.join(name)
    errors = []

    def work(action):
        try:
            for _ in range(5):
                action()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(lambda: room.advance(2),)),
               threading.Thread(target=work, args=(lambda: room.board(),)),
               threading.Thread(target=work, args=(lambda: room.trigger("rumour"),))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert {m.steps for m in room.models()} == {10}
    assert len({len(m.shock_log) for m in room.models()}) == 1


def test_the_board_holds_copies_not_the_live_towns():
    room = small_room()
    room.join("A")
    room.advance(3)
    board = room.board()
    before = board.teams[0].curves["feuds_per_1000"].copy()
    room.advance(3)
    assert np.array_equal(board.teams[0].curves["feuds_per_1000"], before) and board.day == 3
    assert room.board().version > board.version


# ----------------------------------------------------------------------------------------------
# The pages, rendered in-process
# ----------------------------------------------------------------------------------------------


def test_the_workshop_page_routes_game_queries_and_only_those():
    from simulation.dashboard.game_page import game_query

    assert game_query(None) is None and game_query("") is None and game_query("lang=de") is None
    assert game_query("game") == {"game": ""}
    assert game_query("room=ABCD") == {"room": "ABCD"}
    assert game_query("trainer=ABCD&key=12ab") == {"trainer": "ABCD", "key": "12ab"}


def render_game(query):
    import solara

    from simulation.dashboard import app
    from simulation.dashboard.game_page import GamePage

    @solara.component
    def Wrapped():
        with solara.AppLayout():
            GamePage(query, app.LANG)

    return solara.render(Wrapped(), handle_error=False)


def test_game_pages_in_process_bad_input_gets_a_message_and_a_team_sees_the_trainers_shock():
    import ipyvuetify as v

    from simulation.dashboard import app
    from simulation.dashboard.figures import FigureWidget
    from simulation.dashboard.game import ROOMS

    app.LANG.set("de")
    _, trainer = render_game({"game": ""})
    trainer.find(v.TextField, label="Budget: Personalstunden pro Monat").widget.v_model = "-5"
    trainer.find(v.Btn, children=["Raum eröffnen"]).widget.click()
    assert "Budget '-5'" in trainer.find(v.Alert, type="error").widget.children[0]
    trainer.find(v.TextField, label="Budget: Personalstunden pro Monat").widget.v_model = "150"
    trainer.find(v.Btn, children=["Raum eröffnen"]).widget.click()
    room = next(r for r in ROOMS.rooms.values() if r.budget_hours_per_month == 150 and not r.teams)
    try:
        _, team = render_game({"room": room.code})
        team.find(v.TextField, label="Teamname").widget.v_model = "<script>alert(1)</script>"
        team.find(v.Btn, children=["Beitreten"]).widget.click()
        assert "kein Markup" in team.find(v.Alert, type="error").widget.children[0] and room.teams == {}
        team.find(v.TextField, label="Teamname").widget.v_model = "Nord"
        team.find(v.Btn, children=["Beitreten"]).widget.click()
        team.find(v.Switch, label="Konfliktanlaufstelle").widget.v_model = True
        team.find(v.Switch, label="runde Tische").widget.v_model = True
        team.find(v.Btn, children=["Diese Wahl übernehmen"]).widget.click()
        assert "höchstens 150" in team.find(v.Alert, type="error").widget.children[0]
        assert room.teams["Nord"].structures == ()
        team.find(v.Switch, label="runde Tische").widget.v_model = False
        team.find(v.Btn, children=["Diese Wahl übernehmen"]).widget.click()
        assert room.teams["Nord"].structures == ("contact_point",)
        trainer.find(v.Btn, children=["+1 Woche"]).widget.click()
        trainer.find(v.Btn, children=["Gewaltvorfall"]).widget.click()
        trainer.find(v.Btn, children=["+1 Woche"]).widget.click()
        # the team's page follows the room from its own thread: wait for the snapshot of day 14
        deadline = 200
        while deadline and len(team.find(FigureWidget).widget.data[0].x) < 15:
            time.sleep(0.05)
            deadline -= 1
        own = team.find(FigureWidget).widget
        assert len(own.data[0].x) == 15 and len(own.layout.shapes) == 4  # the shock on all four panels
        assert own.data[2].y[8] >= 8  # incidents of the week: the shock's own eight
    finally:
        ROOMS.close(room.code)


def test_two_switches_flipped_before_a_render_are_both_chosen():
    """A browser can deliver two switch events before the page renders again (the browser
    test failed so under load): both choices must count, not only the last one."""
    import ipyvuetify as v

    from simulation.dashboard import app
    from simulation.dashboard.game import ROOMS

    app.LANG.set("de")
    room = ROOMS.open("baseline.toml", 1, 500)
    try:
        _, team = render_game({"room": room.code})
        team.find(v.TextField, label="Teamname").widget.v_model = "Süd"
        team.find(v.Btn, children=["Beitreten"]).widget.click()
        point, tables = (team.find(v.Switch, label=label).widget for label in ("Konfliktanlaufstelle", "runde Tische"))
        with team:  # both events before the next render
            point.v_model = True
            tables.v_model = True
        team.find(v.Btn, children=["Diese Wahl übernehmen"]).widget.click()
        assert room.teams["Süd"].structures == ("contact_point", "round_tables")
    finally:
        ROOMS.close(room.code)
        app.LANG.set("de")


# ----------------------------------------------------------------------------------------------
# A real browser: the trainer, three teams and the board, each in its own browser context
# ----------------------------------------------------------------------------------------------

from .test_dashboard import (  # noqa: E402  (fixtures shared with the dashboard's browser tests)
    browser_type_launch_args,  # noqa: F401
    dashboard_server,  # noqa: F401
    outside_requests,
)


def game_page(browser, url: str, requests: list[str], dialogs: list[str]):
    """A new device (its own browser context and so its own Solara session) opening ``url``."""
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    return page


def error_text(page) -> str:
    page.wait_for_selector(".q-game-error", timeout=30_000)
    return page.inner_text(".q-game-error")


def join(page, name: str) -> None:
    page.wait_for_selector(".q-game-join", timeout=60_000)
    page.fill(".q-game-name-input input", name)
    page.click(".q-game-join")


def curves(page, selector: str) -> list:
    """Each plotly figure's traces (x, y) under ``selector`` as the browser holds them."""
    return page.evaluate(
        "(s) => [...document.querySelectorAll(s + ' .js-plotly-plot')].map(p => ({"
        " shapes: (p.layout.shapes || []).length, traces: p.data.map(t => ({x: [...t.x], y: [...t.y]}))}))", selector)


@pytest.mark.slow
def test_browser_three_teams_share_the_trainers_shocks_and_bad_input_breaks_nothing(dashboard_server, browser):
    url, log = dashboard_server
    log_start = log.stat().st_size
    requests, dialogs = [], []
    trainer = game_page(browser, url + "?game", requests, dialogs)
    trainer.wait_for_selector(".q-game-open", timeout=60_000)
    # A budget below zero: a message in the page's language, no room.
    trainer.fill(".q-game-budget input", "-5")
    trainer.click(".q-game-open")
    message = error_text(trainer)
    assert "Budget '-5'" in message and "erlaubt ist eine Zahl von 0 bis" in message
    trainer.fill(".q-game-budget input", "150")
    trainer.click(".q-game-open")
    trainer.wait_for_selector(".q-game-code", timeout=30_000)
    code = trainer.inner_text(".q-game-code").strip()
    assert len(code) == 4

    # An unknown room (codes have no digits), then a name with markup: messages, nothing joined.
    lost = game_page(browser, url + "?room=AB1", requests, dialogs)
    join(lost, "Nord")
    assert "Raum 'AB1'" in error_text(lost)
    teams = {name: game_page(browser, f"{url}?room={code}", requests, dialogs) for name in ("Nord", "Süd", "West")}
    join(teams["West"], "<script>alert('x')</script>")
    assert "kein Markup" in error_text(teams["West"])
    for name, page in teams.items():
        join(page, name)
        page.wait_for_selector(".q-game-take", timeout=30_000)
    # Nord: a mediator pool of 6; Süd: a contact point and coordination (120 + 30 = 150 hours);
    # West tries a contact point and round tables (180 hours), is refused, and keeps none.
    nord, sued, west = teams["Nord"], teams["Süd"], teams["West"]
    # Each team reads its planned hours before it takes its choice, as a team at the table would;
    # the page then holds every switch and size the team set.
    nord.click(".q-game-structure-mediator_pool")
    nord.wait_for_selector(".q-game-size-mediator_pool input", timeout=30_000)
    four = nord.inner_text(".q-game-cost")  # the pool's default size is 4, not 6
    nord.fill(".q-game-size-mediator_pool input", "6")
    nord.wait_for_function("(t) => document.querySelector('.q-game-cost').innerText != t", arg=four, timeout=30_000)
    nord.click(".q-game-take")
    for structure in ("contact_point", "coordination"):
        sued.click(f".q-game-structure-{structure}")
    sued.wait_for_selector(".q-game-cost >> text=150 von 150", timeout=30_000)
    sued.click(".q-game-take")
    for structure in ("contact_point", "round_tables"):
        west.click(f".q-game-structure-{structure}")
    west.wait_for_selector(".q-game-cost >> text=180 von 150", timeout=30_000)
    west.click(".q-game-take")
    refusal = error_text(west)
    assert "Personalstunden pro Monat = 180" in refusal and "höchstens 150" in refusal
    nord.wait_for_selector(".q-game-taken >> text=Konfliktvermittler:innen: 6", timeout=30_000)
    sued.wait_for_selector(".q-game-taken >> text=Abstimmung", timeout=30_000)

    board = game_page(browser, f"{url}?board={code}", requests, dialogs)
    board.wait_for_function("document.querySelectorAll('.q-game-team .js-plotly-plot').length == 3", timeout=60_000)
    # The trainer: a week, a violent incident for everyone, another week.
    trainer.wait_for_function("document.querySelectorAll('.q-game-team .js-plotly-plot').length == 3", timeout=60_000)
    trainer.click(".q-game-week")
    trainer.wait_for_selector(".q-game-day >> text=Tag 7", timeout=30_000)
    trainer.click(".q-game-shock-violent_incident")
    trainer.wait_for_selector(".q-game-shock-list >> text=Gewaltvorfall", timeout=30_000)
    trainer.click(".q-game-week")
    trainer.wait_for_selector(".q-game-day >> text=Tag 14", timeout=30_000)
    for name, page in teams.items():
        page.wait_for_function(
            "() => { const p = document.querySelector('.q-game-own .js-plotly-plot');"
            " return p && p.data[0].x.length == 15 && (p.layout.shapes || []).length == 4; }", timeout=60_000)
        (own,) = curves(page, ".q-game-own")
        incidents_week = own["traces"][2]["y"]
        assert incidents_week[8] >= 8, (name, incidents_week)  # the shock's eight incidents, on day 8 in every town
    board.wait_for_function(
        "() => [...document.querySelectorAll('.q-game-team .js-plotly-plot')]"
        ".every(p => p.data[0].x.length == 15 && (p.layout.shapes || []).length == 4)", timeout=60_000)
    shown = curves(board, ".q-game-team")
    assert len(shown) == 3
    for figure in shown:
        team_line, reference_line = figure["traces"][4], figure["traces"][5]  # incidents per week
        assert team_line["y"][8] >= 8 and reference_line["y"][8] >= 8
    # The ranking: every team once, with its difference to no structures; West chose none: 0.
    board.wait_for_selector(".q-game-ranking tbody tr:nth-child(3)", timeout=30_000)
    rows = [r.split("\t") for r in board.inner_text(".q-game-ranking tbody").strip().splitlines()]
    assert sorted(r[1] for r in rows) == ["Nord", "Süd", "West"]
    assert next(r for r in rows if r[1] == "West")[3] == "0"
    assert not dialogs  # no script from a team name ran
    assert not outside_requests(url, requests), outside_requests(url, requests)
    assert all(u.startswith("http://127.0.0.1:") or u.startswith(("data:", "blob:")) for u in requests)
    text = log.read_text()[log_start:]
    assert "Traceback" not in text, text[-3000:]
    for page in (trainer, lost, board, *teams.values()):
        page.context.close()


@pytest.mark.slow
def test_browser_the_english_page_says_an_unknown_room_in_english(dashboard_server, browser):
    url, _ = dashboard_server
    requests, dialogs = [], []
    page = game_page(browser, url + "?room=ZZ9", requests, dialogs)
    page.wait_for_selector(".q-game-join", timeout=60_000)
    page.click(".q-language")
    page.wait_for_selector(".q-game-join >> text=Join", timeout=30_000)
    join(page, "North")
    message = error_text(page)
    assert "Room 'ZZ9': no such room is open" in message and "Raum" not in message
    assert not outside_requests(url, requests)
    page.context.close()


def test_the_trainers_link_reopens_the_controls_and_a_wrong_key_gets_a_message():
    import ipyvuetify as v

    from simulation.dashboard import app
    from simulation.dashboard.game import ROOMS

    app.LANG.set("en")
    room = ROOMS.open("baseline.toml", 1, 100)
    try:
        _, page = render_game({"trainer": room.code, "key": room.trainer_key})
        page.find(v.Btn, children=["+1 week"]).widget.click()
        assert room.day == 7
        _, wrong = render_game({"trainer": room.code, "key": "guess"})
        assert "does not open the trainer's controls" in wrong.find(v.Alert, type="error").widget.children[0]
        assert not wrong.find(v.Btn, children=["+1 week"]).widgets
        _, board = render_game({"board": room.code})  # the board alone: no controls
        assert not board.find(v.Btn, children=["+1 week"]).widgets
    finally:
        ROOMS.close(room.code)
        app.LANG.set("de")


def test_a_full_server_refuses_a_new_room_until_an_idle_room_gives_its_place_back():
    from simulation.dashboard import game

    rooms = Registry(max_rooms=2)
    first = rooms.open("baseline.toml", 1, 100)
    rooms.open("baseline.toml", 2, 100)
    with pytest.raises(GameError, match="at most 2"):
        rooms.open("baseline.toml", 3, 100)
    first.touched -= game.ROOM_IDLE_S + 1  # nobody changed it for longer than the idle time
    third = rooms.open("baseline.toml", 3, 100)
    assert first.closed and first.code not in rooms.rooms and third.code in rooms.rooms


@pytest.mark.slow
def test_browser_the_workshop_page_links_to_the_budget_game(dashboard_server, browser):
    url, _ = dashboard_server
    requests, dialogs = [], []
    page = game_page(browser, url, requests, dialogs)
    page.wait_for_selector("a >> text=Budgetspiel", timeout=60_000)
    page.click("a >> text=Budgetspiel")
    page.wait_for_selector("text=Raum eröffnen", timeout=60_000)
    assert "?game" in page.url and not outside_requests(url, requests)
    page.context.close()
