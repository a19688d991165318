"""Case handling's few-case paths (simulation/administration.py).

A unit takes at most a day's capacity of cases, so the cases it finishes, hands over or loses
are worked one by one in plain Python rather than with numpy calls on arrays of one or two.
These tests pin that the effects still add up case by case, exactly as ``np.add.at`` adds
them, also for a resident who is a party to several cases handled the same day.
"""

import numpy as np
import pytest

from simulation.administration import DUPLICATE, HANDLED, LOST, OPEN, CaseBook, _integer
from simulation.model import QuartierModel
from simulation.scenario import apply_overrides


def quiet_town(baseline, **over):
    """A small town whose residents change only through case handling (conflict off), every
    unit without delay and with room for every case, grievance and trust at 0.5 and effects
    small enough that two of them stay within [0, 1] (no clipping)."""
    sc = apply_overrides(baseline, {
        "town.residents": 300, "warmup_days": 0, "conflict.enabled": False,
        "administration.multi_unit_share": 0.0, "administration.grievance_relief": 0.1,
        "administration.trust_gain": 0.1, "administration.lost_case_trust_loss": 0.1,
        "administration.lost_case_grievance": 0.1, **over,
    })  # fmt: skip
    model = QuartierModel(sc, seed=1)
    for unit in model.units:
        unit.response_delay_days, unit.capacity_per_day = 0, 10.0
    model.state.grievance[:] = 0.5
    model.state.trust[:] = 0.5
    return model


def two_ties_of_one_resident(model):
    """Two ties (a, b) and (a, c) of one resident a: returns the ties and a, b, c."""
    u = model.ties.u
    ends, count = np.unique(u, return_counts=True)
    a = ends[count >= 2][0]
    ties = np.flatnonzero(u == a)[:2]
    b, c = model.ties.v[ties]
    return ties, a, b, c


def test_finished_cases_relieve_a_resident_once_for_each_of_their_cases(baseline):
    model = quiet_town(baseline)
    adm = model.config.administration
    ties, a, b, c = two_ties_of_one_resident(model)
    # The case on (a, c) is of a kind no unit has: handled elsewhere, with less effect.
    model.case_handling.open_cases(model, ties, np.array([0, -1], dtype=np.int16))
    model.case_handling.handle(model)
    relief, gain, m = adm.grievance_relief, adm.trust_gain, adm.mismatch_effect
    s = model.state
    assert s.grievance[a] == 0.5 - relief * 1.0 - relief * m
    assert s.trust[a] == 0.5 + gain * 1.0 + gain * m
    assert (s.grievance[b], s.grievance[c]) == (0.5 - relief, 0.5 - relief * m)
    assert (s.trust[b], s.trust[c]) == (0.5 + gain, 0.5 + gain * m)
    book = model.cases
    assert book.status[:2].tolist() == [HANDLED, HANDLED] and book.handled_day[:2].tolist() == [model.day] * 2
    assert sorted(model.handling_days_today) == [0, 0]


def test_lost_handovers_cost_a_resident_trust_once_for_each_of_their_cases(baseline):
    model = quiet_town(baseline, **{"administration.multi_unit_share": 1.0, "administration.handover_loss_share": 1.0})
    adm = model.config.administration
    ties, a, b, c = two_ties_of_one_resident(model)
    model.case_handling.open_cases(model, ties, np.zeros(2, dtype=np.int16))
    model.case_handling.handle(model)
    loss, grievance = adm.lost_case_trust_loss, adm.lost_case_grievance
    s = model.state
    assert s.trust[a] == 0.5 - loss - loss and s.grievance[a] == 0.5 + grievance + grievance
    assert s.trust[b] == s.trust[c] == 0.5 - loss
    assert model.cases.status[:2].tolist() == [LOST, LOST]
    assert model.counts["cases_lost"] == 2 and model.counts["handovers"] == 2


def test_a_case_handed_over_without_delay_is_finished_by_its_second_unit_the_same_day(baseline):
    model = quiet_town(baseline, **{
        "administration.multi_unit_share": 1.0, "administration.handover_loss_share": 0.0,
        "administration.forwarding_delay_days": 0,
    })  # fmt: skip
    ties, a, b, c = two_ties_of_one_resident(model)
    model.case_handling.open_cases(model, ties, np.zeros(2, dtype=np.int16))
    second = model.cases.second_unit[:2].copy()
    assert (second > 0).all()  # drawn among the later units: both work today
    model.case_handling.handle(model)
    book = model.cases
    assert book.unit[:2].tolist() == second.tolist() and book.second_unit[:2].tolist() == [-1, -1]
    assert book.status[:2].tolist() == [HANDLED, HANDLED]
    relief = model.config.administration.grievance_relief
    assert model.state.grievance[a] == 0.5 - relief - relief


def test_a_handed_over_case_waits_for_its_second_unit(baseline):
    model = quiet_town(baseline, **{
        "administration.multi_unit_share": 1.0, "administration.handover_loss_share": 0.0,
        "administration.forwarding_delay_days": 3,
    })  # fmt: skip
    for unit in model.units[1:]:
        unit.response_delay_days = 4
    ties, a, b, c = two_ties_of_one_resident(model)
    model.case_handling.open_cases(model, ties, np.zeros(2, dtype=np.int16))
    second = model.cases.second_unit[:2].tolist()
    model.case_handling.handle(model)
    book = model.cases
    assert book.unit[:2].tolist() == second and book.second_unit[:2].tolist() == [-1, -1]
    assert book.ready_day[:2].tolist() == [model.day + 3 + 4] * 2
    assert book.status[:2].tolist() == [OPEN, OPEN]
    assert model.state.grievance[a] == 0.5


def test_duplicate_work_uses_capacity_and_has_no_effect(baseline):
    model = quiet_town(baseline, **{"structures.coordination.duplicate_share": 1.0,
                                    "administration.forwarding_delay_days": 0})  # fmt: skip
    ties, a, b, c = two_ties_of_one_resident(model)
    # Both belong to unit 1: forwarded, and each also worked at the entry unit.
    model.case_handling.open_cases(model, ties, np.ones(2, dtype=np.int16))
    book = model.cases
    assert book.size == 4 and book.home_unit[2:4].tolist() == [DUPLICATE, DUPLICATE]
    model.case_handling.handle(model)
    assert book.status[:4].tolist() == [HANDLED] * 4
    assert book.handled_day[2:4].tolist() == [-1, -1]  # duplicate work is not a handled case
    relief = model.config.administration.grievance_relief
    assert model.state.grievance[a] == 0.5 - relief - relief
    assert model.counts["cases_handled"] == 2


def test_new_cases_are_routed_to_their_unit_with_the_delays_of_the_way(baseline):
    model = quiet_town(baseline, **{"administration.forwarding_delay_days": 4, "administration.multi_unit_share": 1.0})
    for unit, delay in zip(model.units, [2, 5, 7]):
        unit.response_delay_days = delay
    model.day = 10
    # No unit of its kind (-1) and the entry unit's own cases stay at the entry unit; the
    # others are forwarded: entry delay, forwarding, their unit's delay.
    model.case_handling.open_cases(model, np.arange(4), np.array([-1, 0, 1, 2], dtype=np.int16))
    book = model.cases
    assert book.unit[:4].tolist() == [0, 0, 1, 2]
    assert book.ready_day[:4].tolist() == [12, 12, 10 + 2 + 4 + 5, 10 + 2 + 4 + 7]
    second = book.second_unit[:4]
    assert ((second >= 0) & (second < 3) & (second != book.unit[:4])).all()  # every case needs another unit
    assert book.created_day[:4].tolist() == [10] * 4 and book.status[:4].tolist() == [OPEN] * 4


def test_a_contact_point_routes_new_cases_straight_to_their_unit(baseline):
    model = quiet_town(baseline, **{"structures.contact_point.enabled": True, "administration.forwarding_delay_days": 4})
    for unit, delay in zip(model.units, [2, 5, 7]):
        unit.response_delay_days = delay
    model.day = 10
    model.case_handling.open_cases(model, np.arange(4), np.array([-1, 0, 1, 2], dtype=np.int16))
    book = model.cases
    assert book.size == 4  # nothing forwarded, so no duplicate work
    assert book.unit[:4].tolist() == [0, 0, 1, 2] and book.ready_day[:4].tolist() == [12, 12, 15, 17]
    assert book.second_unit[:4].tolist() == [-1] * 4


def test_open_ids_are_the_open_cases_oldest_first_whatever_the_order_of_adds_and_closes():
    book = CaseBook(capacity=4)
    columns = {"created_day": 0, "ready_day": 0, "unit": 0, "home_unit": 0, "party_a": 0, "party_b": 1,
               "tie": 0, "district": 0}  # fmt: skip

    def open_cases():
        return np.flatnonzero(book.status[: book.size] == OPEN).tolist()

    book.add(3, **columns)
    assert book.open_ids().tolist() == [0, 1, 2]
    book.close([1], HANDLED)
    book.add(2, **columns)  # added after a close, before the list is brought up to date
    book.close([3], LOST)  # and one of them closed before it is
    assert book.open_ids().tolist() == open_cases() == [0, 2, 4]
    book.add(4, **columns)  # the book grows past its first capacity
    book.add(1, **columns)
    assert book.open_ids().tolist() == open_cases() == [0, 2, 4, 5, 6, 7, 8, 9]
    book.close([0, 9], HANDLED)
    assert book.open_ids().tolist() == open_cases() == [2, 4, 5, 6, 7, 8]
    assert book.backlog() == 6


@pytest.mark.parametrize("many", [False, True])
def test_reporting_in_plain_python_reports_and_routes_as_the_arrays_did(baseline, many):
    """A day's incidents are reported one by one with the chances of report_probability
    (the same draws), and their kinds are the first cumulative share above a draw; a large
    town's many incidents (more than 16) on arrays, with the same result."""
    model = quiet_town(baseline)
    ch, rng = model.case_handling, model.rng
    model.state.trust[:] = np.random.default_rng(3).random(model.state.n)
    incidents = np.array([4, 9, 4, 17, 30, 2] * (20 if many else 1))
    state = rng.bit_generator.state
    chance = ch.report_probability(model, model.ties.u[incidents], model.ties.v[incidents])
    draws = rng.random(incidents.size)
    kinds = np.searchsorted(ch._case_cdf, rng.random(int((draws < chance).sum())), side="right")
    rng.bit_generator.state = state
    ch.report(model, incidents)
    book = model.cases
    k = int((draws < chance).sum())  # the cases; duplicate work, if any, comes after them
    assert book.tie[: k].tolist() == incidents[draws < chance].tolist()
    assert book.home_unit[: k].tolist() == ch._case_home[kinds].tolist()
    assert book.party_a[: k].tolist() == model.ties.u[incidents[draws < chance]].tolist()
    assert book.district[: k].tolist() == model.state.district[book.party_a[: k]].tolist()
    assert model.reported_by_district.tolist() == np.bincount(book.district[: k], minlength=4).tolist()
    assert 0 < k < incidents.size  # some reported, some not
    assert (k > 16) == many  # the many open their cases and draw their kinds on arrays too
    for k in (3, 50):  # by bisection, and on arrays
        twin = np.random.default_rng()
        twin.bit_generator.state = rng.bit_generator.state
        assert ch._draw_kinds(rng, k) == np.searchsorted(ch._case_cdf, twin.random(k), side="right").tolist()


def test_a_unit_picks_the_same_cases_from_a_few_ready_ones_as_from_many(baseline):
    """Districts on alert first, then the oldest: the plain-Python pick (up to 16 ready
    cases) and the lexsort pick (more) take the same cases in the same order."""
    model = quiet_town(baseline)
    ch, book = model.case_handling, model.cases
    rng = np.random.default_rng(4)
    ties = rng.choice(model.ties.m, 40, replace=False)
    model.case_handling.open_cases(model, ties, rng.integers(-1, 3, 40).astype(np.int16))
    ids = np.arange(book.size)
    for alert in ([], [1], [0, 2], [0, 1, 2, 3]):
        model.alert_until[:] = -1
        model.alert_until[alert] = model.day
        for unit in range(3):
            for n in (1, 3, 40):
                many = ch._pick(model, ids, unit, n)
                mine = ids[book.unit[ids] == unit]
                first = np.isin(book.district[mine], alert)
                assert many == mine[np.lexsort((mine, ~first))][:n].tolist()
                for few in (ids[:16], ids[5:12], ids[:0]):
                    mine = few[book.unit[few] == unit]
                    first = np.isin(book.district[mine], alert)
                    assert ch._pick(model, few, unit, n) == mine[np.lexsort((mine, ~first))][:n].tolist()


@pytest.mark.parametrize("units", [2, 3, 7])
def test_one_case_draws_its_second_unit_as_the_array_calls_do(units):
    """A single new case draws whether it needs a second unit and which by scalar calls: the
    same numbers as rng.random(1) and rng.integers(1, units, size=1), and the generator left
    in the same state (its 32-bit half-word included), whatever was drawn before."""
    for seed in range(20):
        scalar, array = np.random.default_rng(seed), np.random.default_rng(seed)
        for rng in (scalar, array):
            rng.integers(1, units, size=seed % 3)  # a 32-bit half-word may be left over
        for _ in range(3):
            assert [scalar.random()] == array.random(1).tolist()
            assert [int(scalar.integers(1, units))] == array.integers(1, units, size=1).tolist()
            assert scalar.bit_generator.state == array.bit_generator.state


@pytest.mark.parametrize("cases", [2, 17, 18, 40])  # 2, 16, 17 and 39 neglected: both sides of 16
def test_neglect_costs_each_party_once_a_case_as_np_add_at_does(baseline, cases):
    """Cases waiting too long: a few are added up party by party in plain Python, many with
    np.add.at; either way a resident in several cases pays once for each, to the bit."""
    model = quiet_town(baseline)
    adm, book, s = model.config.administration, model.cases, model.state
    ties, a, b, c = two_ties_of_one_resident(model)
    ties = np.concatenate([ties, np.random.default_rng(cases).choice(model.ties.m, cases - 2, replace=False)])
    model.case_handling.open_cases(model, ties, np.zeros(cases, dtype=np.int16))
    book.created_day[: book.size] = model.day - adm.neglect_after_days - 1 - np.arange(book.size) % 2
    duplicate = book.size - 1 if cases > 2 else -1  # duplicate work is not neglect
    book.home_unit[duplicate] = DUPLICATE if cases > 2 else 0
    s.grievance[:] = np.random.default_rng(1).random(s.n)
    s.trust[:] = np.random.default_rng(2).random(s.n)
    grievance, trust = s.grievance.copy(), s.trust.copy()
    neglected = [case for case in range(book.size) if case != duplicate]
    parties = np.concatenate((book.party_a[neglected], book.party_b[neglected]))
    np.add.at(grievance, parties, adm.neglect_grievance_per_day)
    np.subtract.at(trust, parties, adm.neglect_trust_loss_per_day)
    model.case_handling._neglect(model, book.open_ids())
    assert s.grievance.tobytes() == grievance.tobytes() and s.trust.tobytes() == trust.tobytes()


def test_a_new_case_starts_open_unhandled_and_with_one_unit_also_after_the_book_grows():
    book = CaseBook(capacity=2)
    columns = dict(created_day=0, ready_day=0, unit=0, home_unit=0, party_a=1, party_b=2, tie=3, district=0)
    for n in (1, 2, 1, 5, 20):  # grows 2 -> 4 -> 8 -> 16 -> 32
        book.add(n, **columns)
    book.add(2, second_unit=[1, -1], **columns)
    size = book.size
    assert size == 31 and book.created_day.size == 32
    assert book.status[:size].tolist() == [OPEN] * size
    assert book.handled_day[:size].tolist() == [-1] * size
    assert book.second_unit[:size].tolist() == [-1] * 29 + [1, -1]
    assert list(book.add(1, **columns)) == [31]


def test_clipping_the_residents_a_day_changed_is_clipping_the_whole_arrays():
    """A few residents are clipped one by one as the arrays' clip compares (a value in
    [0, 1], -0.0 included, is kept); many, and every resident's values, by the arrays' clip."""
    from types import SimpleNamespace

    import simulation.administration as administration

    rng = np.random.default_rng(4)
    for changed in (3, administration.FEW + 1):
        grievance, trust = rng.random(200), rng.random(200)
        residents = rng.choice(200, changed, replace=False).tolist()
        for values in (grievance, trust):
            values[residents] = np.resize([-0.2, 1.3, -0.0, 0.0, 0.4, 1.0], changed)  # below, above, within
        state = SimpleNamespace(grievance=grievance.copy(), trust=trust.copy())
        administration._clip_changed(state, residents + residents[:1])  # a resident changed twice comes twice
        for clipped, values in ((state.grievance, grievance), (state.trust, trust)):
            assert clipped.tobytes() == values.clip(0.0, 1.0).tobytes()


def test_grievance_and_trust_lie_in_0_1_whenever_cases_are_handled(baseline, monkeypatch):
    """What clipping only the residents a day's work changed relies on: every rule that
    changes grievance or trust (the day, incidents, shocks, the town's start) keeps them in
    [0, 1], so case handling finds them there (a busy town with shocks and every structure)."""
    from simulation.administration import CaseHandling
    from simulation.scenario import load_scenario, with_preset

    from .conftest import SCENARIOS

    handle, outside = CaseHandling.handle, []

    def checked(self, town):
        for values in (town.state.grievance, town.state.trust):
            outside.append(int(np.count_nonzero(~((values >= 0.0) & (values <= 1.0)))))
        handle(self, town)

    monkeypatch.setattr(CaseHandling, "handle", checked)
    scenario = apply_overrides(with_preset(load_scenario(SCENARIOS / "new_shelter.toml"), "koko"), {
        "town.residents": 800, "days": 200, "warmup_days": 30, "conflict.incident_probability": 0.35,
        "administration.report_base_probability": 0.7, "administration.neglect_after_days": 3,
    })  # fmt: skip
    QuartierModel(scenario, seed=3).run_for(scenario.days)
    assert len(outside) > 400 and not any(outside)


def picked_by_definition(town, ready, unit: int, n: int) -> list[int]:
    """Case handling's pick written out: the unit's ready cases in districts on alert first,
    then the rest, each part oldest (lowest id) first; the first ``n``."""
    book = town.cases
    mine = [int(c) for c in ready if book.unit[c] == unit]
    alerted = [c for c in mine if town.alert_until[book.district[c]] >= town.day]
    return (alerted + [c for c in mine if c not in alerted])[:n]


def test_ready_cases_picked_and_counted_by_their_rule_from_a_list_or_an_array(baseline):
    sc = apply_overrides(baseline, {"town.residents": 300, "warmup_days": 0, "conflict.enabled": False})
    model = QuartierModel(sc, seed=1)
    ch, book, rng = model.case_handling, model.cases, np.random.default_rng(2)
    ties = rng.choice(model.ties.m, 40, replace=False)
    ch.open_cases(model, ties, rng.integers(-1, 3, 40).astype(np.int16))
    book.ready_day[: book.size] = model.day + rng.integers(-2, 3, book.size)
    ids = np.arange(book.size)
    for alert in ([], [1]):
        model.alert_until[:] = -1
        model.alert_until[alert] = model.day
        for some in (ids, ids[:16], ids[5:12], ids[:0]):
            want = some[book.ready_day[some] <= model.day]
            # a few come back as a list (checked one by one), more as an array; a list of
            # more than a few is taken too
            for given in (some, some.tolist()):
                ready = ch._ready(given, model.day)
                assert list(ready) == want.tolist()
                assert isinstance(ready, list) == (some.size <= 16)
            counted = np.bincount(book.unit[want], minlength=len(ch.units)).tolist()
            for given in (ready, want, want.tolist()):
                assert ch._waiting(given) == counted
                for unit in range(3):
                    assert ch._pick(model, given, unit, 3) == picked_by_definition(model, want, unit, 3)


@pytest.mark.parametrize("units", [2, 3, 7, 1000])
def test_one_whole_number_is_numpys_and_leaves_the_same_state(units):
    """``_integer(rng, 1, units)`` (the compiled kernels' bounded draw where they run) gives
    ``rng.integers(1, units, size=1)``'s number and leaves the generator in the same state,
    its 32-bit half-word included, whatever was drawn before."""
    for seed in range(20):
        mine, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
        for rng in (mine, numpys):
            rng.integers(1, units, size=seed % 3)  # a 32-bit half-word may be left over
        for _ in range(3):
            assert [_integer(mine, 1, units)] == numpys.integers(1, units, size=1).tolist()
            assert mine.bit_generator.state == numpys.bit_generator.state
            assert mine.random() == numpys.random()
