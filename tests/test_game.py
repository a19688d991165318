"""The budget game (simulation/dashboard/game.py) and its pages (game_page.py).

Unit tests on the rooms, teams, costs and ranking; browser tests (slow) with three teams in
three pages and the trainer's board, sharing shocks, served on 127.0.0.1 only.
"""

import gc
import threading
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
