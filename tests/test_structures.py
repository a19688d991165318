"""Each structure in a controlled setting (conflict dynamics frozen where they would blur it)."""

import numpy as np
import pytest

from simulation.kernels import conflict as ck
from simulation.kernels.rumour import SPREADER, STIFLER
from simulation.model import QuartierModel
from simulation.scenario import apply_overrides, scenario_from_dict, with_preset


def frozen(baseline, **over):
    """A small town whose ties do not change by themselves (conflict off), admin on, every
    case for one unit only (no handovers) unless a test says otherwise."""
    return apply_overrides(
        baseline,
        {"town.residents": 400, "warmup_days": 0, "conflict.enabled": False, "administration.multi_unit_share": 0.0,
         "structures.mediator_pool.skill_sd": 0.0, **over},
    )


def open_cases(model, ties, home):
    model.case_handling.open_cases(model, np.asarray(ties), np.asarray(home, dtype=np.int16))


def test_mediators_lower_stages_only_within_their_mandate(baseline):
    sc = frozen(baseline, **{
        "structures.mediator_pool.enabled": True, "structures.mediator_pool.skill": 1.0, "conflict.stage_stickiness": 0.0,
        "structures.mediator_pool.mediators": 50, "structures.mediator_pool.capacity_per_week": 7.0,
        "structures.mediator_pool.min_stage": 3, "structures.mediator_pool.max_stage": 6,
        "structures.mediator_pool.stage_reduction": 2,
    })
    model = QuartierModel(sc)
    ties = np.arange(9)
    model.valence[ties] = ck.HOSTILE
    model.stage[ties] = np.arange(1, 10)
    open_cases(model, ties, np.zeros(9))  # the town knows of these disputes
    model.step()
    # Stages 3-6 fall by 2 (3 -> 1, 4 -> 2, 5 -> 3, 6 -> 4); 1, 2 and 7-9 are outside the mandate.
    np.testing.assert_array_equal(model.stage[ties], [1, 2, 1, 2, 3, 4, 7, 8, 9])
    assert model.model_frame()["mediations_succeeded"].iloc[-1] == 4
    assert sum(m.mediations_succeeded for m in model.mediators) == 4


def test_mediators_do_not_take_the_same_dispute_twice_within_the_cooldown(baseline):
    sc = frozen(baseline, **{
        "structures.mediator_pool.enabled": True, "structures.mediator_pool.skill": 0.0,
        "structures.mediator_pool.mediators": 10, "structures.mediator_pool.capacity_per_week": 7.0,
        "structures.mediator_pool.cooldown_days": 30,
    })
    model = QuartierModel(sc)
    model.valence[0], model.stage[0] = ck.HOSTILE, 5
    open_cases(model, [0], [0])
    model.run_for(40)
    tried = model.model_frame()["mediations_tried"].to_numpy()[1:]
    assert list(np.flatnonzero(tried) + 1) == [1, 32]  # day 1, then after 30 days of cooldown


@pytest.mark.parametrize("lag", [0, 5])
def test_early_warning_detects_a_district_above_threshold_only_after_its_lag(baseline, lag):
    data = frozen(baseline).model_dump()
    data["structures"]["early_warning"].update(enabled=True, detection_probability=1.0, lag_days=lag)
    model = QuartierModel(scenario_from_dict(data))
    model.run_for(19)
    # Ten cases reported from Altstadt (district 1) on day 20, against a quiet history: the
    # crossing is day 20, the detection day 20 + lag. Early warning sees reports, not incidents.
    in_altstadt = np.flatnonzero(model.state.district[model.ties.u] == 1)[:10]
    open_cases(model, in_altstadt, np.zeros(10))
    model.run_for(21)
    ew = model.structure("early_warning")
    assert ew.detections == [(20 + lag, 1)]
    assert model.alert_until[1] == 20 + lag + 21


def test_early_warning_does_not_see_unreported_incidents(baseline):
    shock = {"kind": "violent_incident", "day": 20, "district": "Altstadt", "size": 10, "stage": 5}
    data = frozen(baseline).model_dump()
    data["shocks"] = [shock]
    data["structures"]["early_warning"].update(enabled=True, detection_probability=1.0, lag_days=0)
    model = QuartierModel(scenario_from_dict(data))
    model.run_for(40)
    assert model.structure("early_warning").detections == []


def test_early_warning_never_fires_for_a_quiet_town(baseline):
    model = QuartierModel(frozen(baseline, **{"structures.early_warning.enabled": True}))
    model.run_for(60)
    assert model.structure("early_warning").detections == []


def test_crisis_team_shrinks_a_rumours_reach(baseline):
    """Same towns and seeds with and without the crisis team; the rumour starts with 5
    residents. A 0.5 chance that a spreader is corrected at every telling cuts its reach.
    Per-seed reach had sd of about 0.06 in both settings, so the difference of two 6-seed
    means has SE about 0.035; we demand a fall of at least 0.1 (the measured fall was 0.25),
    which a crisis team without effect would pass with a chance far below 1 %."""
    reach = {}
    for on in (False, True):
        values = []
        for seed in range(6):
            data = frozen(baseline).model_dump()
            data["shocks"] = [{"kind": "rumour", "day": 5, "size": 5, "target_group": "newcomers"}]
            data["structures"]["crisis_team"]["enabled"] = on
            model = QuartierModel(scenario_from_dict(data), seed=seed)
            model.run_for(60)
            values.append(model.model_frame()["rumour_aware"].iloc[-1])
        reach[on] = np.mean(values)
    assert reach[False] - reach[True] > 0.1, reach


def test_crisis_team_convenes_on_a_public_shock_not_on_a_decision(baseline):
    data = frozen(baseline, **{"structures.crisis_team.enabled": True, "structures.crisis_team.active_days": 10}).model_dump()
    data["shocks"] = [{"kind": "contested_decision", "day": 5}, {"kind": "resource_cut", "day": 8, "unit": "integration"},
                      {"kind": "violent_incident", "day": 15, "district": "Nordstadt"}]
    model = QuartierModel(scenario_from_dict(data))
    model.run_for(30)
    active = model.model_frame()["crisis_team_active"].to_numpy()
    assert list(np.flatnonzero(active)) == list(range(15, 25))


def test_crisis_team_convenes_when_reports_rise_above_the_towns_normal(baseline):
    data = frozen(baseline, **{"structures.crisis_team.enabled": True, "structures.crisis_team.activate_on_shock": False,
                               "structures.crisis_team.min_cases_per_week": 8}).model_dump()
    model = QuartierModel(scenario_from_dict(data))
    model.run_for(19)
    open_cases(model, np.arange(7), np.zeros(7))  # 7 reports: below the minimum of 8
    model.run_for(10)
    assert model.structure("crisis_team").activations == []
    open_cases(model, np.arange(7, 20), np.zeros(13))
    model.run_for(2)
    assert model.structure("crisis_team").activations == [30]


def test_crisis_team_intervenes_in_feuds_at_high_stages_only(baseline):
    data = frozen(baseline, **{"structures.crisis_team.enabled": True, "structures.crisis_team.intervention_probability": 1.0,
                               "structures.crisis_team.intervention_stage_reduction": 3}).model_dump()
    data["shocks"] = [{"kind": "violent_incident", "day": 1, "district": "Nordstadt", "size": 1, "stage": 1}]
    model = QuartierModel(scenario_from_dict(data))
    ties = np.arange(1000, 1009)
    model.valence[ties], model.stage[ties] = ck.HOSTILE, np.arange(1, 10)
    model.run_for(1)
    np.testing.assert_array_equal(model.stage[ties], [1, 2, 3, 4, 5, 6, 4, 5, 6])


def test_resource_cut_raises_the_backlog(baseline):
    """Busy town, public order office only; 90 % of its capacity cut from day 30 to 90.
    Mean backlog over days 60-90 over 4 seeds must at least double (capacity falls tenfold)."""
    def mean_backlog(cut):
        values = []
        for seed in range(4):
            data = with_preset(apply_overrides(baseline, {"warmup_days": 60, "conflict.incident_probability": 0.3}), "none").model_dump()
            if cut:
                data["shocks"] = [{"kind": "resource_cut", "day": 30, "unit": "public_order", "size": 0.9, "duration_days": 60}]
            model = QuartierModel(scenario_from_dict(data), seed=seed)
            model.run_for(90)
            values.append(model.model_frame()["backlog"].iloc[60:91].mean())
        return np.mean(values)

    assert mean_backlog(True) > 2 * mean_backlog(False)


def test_coordination_shortens_time_from_report_to_handling(baseline):
    """Cases of other units are forwarded: 7 days without coordination, 0.2 x 7 = 1 day with it.
    Capacity is ample, so the mean time to handling must fall by several days."""
    def days_to_handling(on):
        sc = frozen(baseline, **{"structures.coordination.enabled": on})
        model = QuartierModel(sc, seed=3)
        open_cases(model, np.arange(30), [0, 1, 2] * 10)
        model.run_for(40)
        return model.cases.mean_days_to_handling()

    without, with_ = days_to_handling(False), days_to_handling(True)
    # 20 of 30 cases are forwarded and save 6 days each: 4 days on average.
    assert without - with_ == pytest.approx(4.0, abs=0.5)


def test_coordination_keeps_cases_that_need_two_units_from_getting_lost(baseline):
    """Every case needs two units; without coordination a quarter of 400 handovers is lost
    (binomial sd about 9, so 100 +- 30 is a 3-sd band), with it none; a contact point does
    not help here (it routes the first part, not the handover)."""
    def lost(coordination):
        sc = frozen(baseline, **{"administration.multi_unit_share": 1.0, "structures.contact_point.enabled": True,
                                 "structures.coordination.enabled": coordination})
        model = QuartierModel(sc, seed=4)
        for unit in model.units:
            unit.capacity_per_day = 100.0
        model.config.administration.multi_unit_share = 1.0
        model.case_handling.open_cases(model, np.arange(400), np.zeros(400, dtype=np.int16))
        model.run_for(60)
        frame = model.model_frame()
        return frame["cases_lost"].sum(), frame["handovers"].sum()

    (lost_without, handovers), (lost_with, _) = lost(False), lost(True)
    assert handovers == 400
    assert abs(lost_without - 100) < 30 and lost_with == 0


def test_round_table_relieves_tension_and_befriends_across_groups(baseline):
    sc = frozen(baseline, **{"structures.round_tables.enabled": True, "structures.round_tables.participants": 400,
                             "structures.round_tables.befriend_probability": 1.0, "structures.round_tables.interval_days": 365})
    model = QuartierModel(sc)
    tables = model.structure("round_tables")
    here = model.state.district == 0
    before = model.state.tension[here].copy()
    neutral_cross = (model.valence == ck.NEUTRAL) & model.cross_group & here[model.ties.u] & here[model.ties.v]
    tables.hold(model, 0)
    assert np.all(model.state.tension[here] <= before)
    assert np.all(model.valence[neutral_cross] == ck.FRIENDLY)


def test_presets_switch_structures_and_nothing_else(baseline):
    none, reactive, koko = (with_preset(baseline, p) for p in ("none", "reactive", "koko"))
    for setting in (none, reactive, koko):
        assert setting.administration == baseline.administration
        assert setting.town == baseline.town and setting.conflict == baseline.conflict
    assert reactive.structures.contact_point.enabled and not reactive.structures.crisis_team.enabled
    assert all(getattr(koko.structures, n).enabled for n in
               ("contact_point", "early_warning", "mediator_pool", "round_tables", "coordination", "crisis_team"))
    combo = with_preset(baseline, "none+mediator_pool")
    assert combo.structures.mediator_pool.enabled and not combo.structures.contact_point.enabled
    minus = with_preset(baseline, "koko-coordination")
    assert not minus.structures.coordination.enabled and minus.structures.crisis_team.enabled


def test_structure_hours_include_standing_costs(baseline):
    model = QuartierModel(with_preset(frozen(baseline), "koko"))
    model.run_for(10)
    frame = model.model_frame().iloc[1:]
    p = model.config.structures
    assert (frame["hours_contact_point"] == 4.0).all()
    assert np.allclose(frame["hours_early_warning"], p.early_warning.staff_hours_per_week / 7)  # quiet: no alert
    # An idle pool still costs its retainer; an idle crisis team its readiness.
    assert np.allclose(frame["hours_mediator_pool"], p.mediator_pool.mediators * p.mediator_pool.retainer_hours_per_week / 7)
    assert np.allclose(frame["hours_crisis_team"], p.crisis_team.readiness_hours_per_week / 7)
    assert (frame["staff_hours"] >= frame[[c for c in frame if c.startswith("hours_")]].sum(axis=1)).all()


@pytest.mark.parametrize("damping", [0.0, 0.5])
def test_early_warning_outreach_lowers_threat_in_the_alerted_district_only(baseline, damping):
    """Conflict dynamics are off, so nothing else moves threat: with outreach, threat in the
    alerted district (1) falls by the damping each day on alert; elsewhere it stays."""
    data = frozen(baseline).model_dump()
    data["structures"]["early_warning"].update(enabled=True, detection_probability=1.0, lag_days=0,
                                               alert_threat_damping=damping)
    model = QuartierModel(scenario_from_dict(data))
    model.state.threat[:] = 0.5
    model.run_for(19)
    open_cases(model, np.flatnonzero(model.state.district[model.ties.u] == 1)[:10], np.zeros(10))
    model.run_for(5)  # alert from day 20: days 20-24 on alert
    s = model.state
    assert np.allclose(s.threat[s.district != 1], 0.5)
    assert np.allclose(s.threat[s.district == 1], 0.5 * (1 - damping) ** 5)


def test_round_table_relief_spills_over_to_participants_friends_only_with_spillover(baseline):
    """Same table (same seed, same participants) with and without spillover: the neighbours of
    participants lose spillover x threat_relief of their threat, nobody else anything."""
    threat = {}
    for spillover in (0.0, 0.5):
        sc = frozen(baseline, **{"structures.round_tables.enabled": True, "structures.round_tables.participants": 10,
                                 "structures.round_tables.interval_days": 365,
                                 "structures.round_tables.spillover": spillover})
        model = QuartierModel(sc, seed=7)
        model.state.threat[:] = 0.5
        model.structure("round_tables").hold(model, 0)
        threat[spillover] = model.state.threat.copy()
    participants = threat[0.0] < 0.5
    friends = (threat[0.5] < 0.5) & ~participants
    assert participants.sum() == 10 and friends.sum() > 10
    np.testing.assert_allclose(threat[0.5][friends], 0.5 * (1 - 0.5 * 0.3))
    assert np.allclose(threat[0.0][~participants], 0.5)


def test_lookups_of_known_cases_and_alerted_residents_match_a_plain_search():
    """The mediator pool steps its first known case on from yesterday's, and early warning
    keeps alerted residents as slices where they sit in runs: both must give what a fresh
    search gives, whether the window moves on, grows or stays, and whether residents sit
    district by district or scattered."""
    from types import SimpleNamespace

    from simulation.lookup import TownLookup
    from simulation.structures import MediatorPool

    rng = np.random.default_rng(3)
    created = np.sort(rng.integers(0, 300, 400))
    book = SimpleNamespace(created_day=np.concatenate([created, np.zeros(100, dtype=created.dtype)]), size=0)
    pool = object.__new__(MediatorPool)
    pool._known_from = 0
    for day in range(0, 320, 3):
        book.size = int(np.searchsorted(created, day, side="right"))
        window = 60 if day < 200 else 120  # a new known_for_days: the window grows once
        since = day - window
        assert pool._first_case_since(book, since) == np.searchsorted(created[: book.size], since)

    for district in (np.repeat([0, 1, 2, 3], 50), rng.integers(0, 4, 200), np.r_[np.repeat([0, 1], 30), [2, 0, 1]]):
        town = SimpleNamespace(state=SimpleNamespace(district=district, group=0 * district), ties=SimpleNamespace(u=[0]))
        lookup = TownLookup().update(town)
        for districts in [(0,), (1, 3), (0, 1, 2), (3,)]:
            marked = np.zeros(district.size, dtype=int)
            for part in lookup.district_residents(town, districts):
                marked[part] += 1
            np.testing.assert_array_equal(marked, np.isin(district, districts).astype(int))


class _Rumour:
    """A rumour as early warning sees it: who is spreading it."""

    def __init__(self, state):
        self.state = state


def test_early_warning_notices_a_rumours_spreaders_while_there_are_any_and_then_stops_looking(baseline):
    sc = frozen(baseline, **{"structures.early_warning.enabled": True,
                             "structures.early_warning.rumour_notice_probability": 1.0})  # fmt: skip
    model = QuartierModel(sc)
    ew = model.structure("early_warning")
    rumour = _Rumour(np.zeros(model.state.n, dtype=np.int8))
    spreaders = np.array([0, 1, model.state.n - 1])
    rumour.state[spreaders] = SPREADER
    model.rumours.append(rumour)
    model.reported_by_district[:] = [1, 0, 2, 0]
    noticed = (model.reported_by_district + np.bincount(model.state.district[spreaders], minlength=4)).tolist()
    for _ in range(2):  # a rumour with spreaders is looked at every day
        assert ew._signals_today(model) == noticed
    rumour.state[spreaders] = STIFLER  # it has died out
    for _ in range(2):
        draws_before = model.rng.bit_generator.state
        assert ew._signals_today(model) == [1.0, 0.0, 2.0, 0.0]
        assert model.rng.bit_generator.state == draws_before  # no one to notice: no draw


@pytest.mark.parametrize("radix_up_to", [10**9, 0])  # the ends sorted as 16-bit numbers, or as 64-bit keys
def test_the_ties_of_some_residents_are_every_tie_at_either_end_with_the_resident_at_the_other(
    monkeypatch, radix_up_to
):
    from types import SimpleNamespace

    import simulation.lookup
    from simulation.lookup import TownLookup

    monkeypatch.setattr(simulation.lookup, "RADIX_SORT_RESIDENTS", radix_up_to)

    rng = np.random.default_rng(5)
    n = 60
    u, v = rng.integers(0, n, 300), rng.integers(0, n, 300)
    u, v = u[u != v].astype(np.int32), v[u != v].astype(np.int32)
    town = SimpleNamespace(state=SimpleNamespace(n=n, district=np.zeros(n, int), group=np.zeros(n, int)),
                           ties=SimpleNamespace(u=u, v=v))  # fmt: skip
    lookup = TownLookup().update(town)
    for who in (np.array([3]), np.array([7, 1, 7]), rng.choice(n, 20, replace=False), np.array([], dtype=int)):
        tie, other = lookup.ties_of(town, who)
        # By hand: resident by resident, the ties where they are the first end, then those
        # where they are the second, each in tie order.
        want = []
        for r in who:
            want += [(int(t), int(v[t])) for t in np.flatnonzero(u == r)]
            want += [(int(t), int(u[t])) for t in np.flatnonzero(v == r)]
        assert list(zip(tie.tolist(), other.tolist())) == want


@pytest.mark.parametrize("participants", [10, 40, 400])  # a few, more, every resident of the district
def test_round_table_picks_the_same_participants_with_numpys_choice_or_the_compiled_copy(
    baseline, monkeypatch, participants
):
    """A table's participants are drawn by ``rng.choice`` or, with the compiled kernels, by
    their copy of its algorithm: the same residents, the same table, the generator left in
    the same state either way."""
    from simulation.kernels import compiled

    if not compiled.AVAILABLE:
        pytest.skip("numba not installed: numpy's choice only")
    import simulation.structures as structures

    sc = frozen(baseline, **{"structures.round_tables.enabled": True, "structures.round_tables.interval_days": 365,
                             "structures.round_tables.participants": participants})  # fmt: skip
    after = []
    for enabled in (True, False):
        monkeypatch.setattr(structures.compiled, "ENABLED", enabled)
        model = QuartierModel(sc, seed=11)
        tables = model.structure("round_tables")
        for district in (0, 1, 0):
            tables.hold(model, district)
        after.append((model.state.tension.tobytes(), model.state.threat.tobytes(), model.state.opinion.tobytes(),
                      model.valence.tobytes(), repr(model.rng.bit_generator.state)))  # fmt: skip
    assert after[0] == after[1]


@pytest.mark.parametrize("compiled_scan", [True, False])
def test_the_ties_at_a_stage_or_above_are_the_same_with_either_scan(monkeypatch, compiled_scan):
    """Early warning's feuds, the mediators' escalated ties in alerted districts and the
    crisis team's feuds are found by the compiled kernels' block scan or by numpy: the same
    ties, ascending, for any stages and threshold."""
    import simulation.structures as structures

    if compiled_scan and not structures.compiled.AVAILABLE:
        pytest.skip("numba not installed")
    monkeypatch.setattr(structures.compiled, "ENABLED", compiled_scan)
    rng = np.random.default_rng(3)
    for m in (0, 1, 63, 64, 65, 1000, 10_403):
        for share in (0.0, 0.01, 0.5, 1.0):
            stage = np.where(rng.random(m) < share, rng.integers(1, 10, m), 0).astype(np.int8)
            for lowest in (0, 1, 4, 7, 9, 10):
                got = structures._ties_at_stage(stage, lowest)
                assert got.dtype == np.int64 and got.tolist() == np.flatnonzero(stage >= lowest).tolist()


def workable_by_definition(pool, town) -> list[int]:
    """The pool's rule written out: hostile ties within the stage mandate that the town knows
    of (a case reported in the last ``known_for_days``, or any tie at ``min_stage`` or above in
    a district on alert), not mediated in the last ``cooldown_days``; ascending."""
    p, book, day = pool.params, town.cases, town.day
    cases = np.arange(book.size)
    known = set(book.tie[cases[book.created_day[cases] >= day - p.known_for_days]].tolist())
    alerted = np.flatnonzero(town.alert_until >= day)
    in_alert = np.isin(town.state.district[town.ties.u], alerted) & (town.stage >= p.min_stage)
    known |= set(np.flatnonzero(in_alert).tolist())
    return sorted(
        t for t in known
        if p.min_stage <= town.stage[t] <= p.max_stage and town.valence[t] == ck.HOSTILE
        and day - pool.last_mediated.get(t, -(10**9)) > p.cooldown_days
    )  # fmt: skip


def test_the_pools_workable_ties_are_its_rule_on_quiet_days_busy_days_and_alerts(baseline):
    sc = apply_overrides(with_preset(baseline, "koko"), {"town.residents": 500, "warmup_days": 0})
    model = QuartierModel(sc, seed=3)
    pool, rng = model.structure("mediator_pool"), np.random.default_rng(8)
    seen = {"none": 0, "some": 0, "alert": 0}
    for day in range(120):
        model.step()
        if day % 3 == 0:  # stir: feuds that the town knows of or not, and now and then an alert
            ties = rng.choice(model.ties.m, 6, replace=False)
            model.valence[ties], model.stage[ties] = ck.HOSTILE, rng.integers(2, 9, ties.size)
            model.case_handling.open_cases(model, ties[:2], np.zeros(2, dtype=np.int16))
        if day % 10 == 0:
            model.alert_until[rng.integers(model.n_districts)] = model.day + int(rng.integers(0, 5))
        got, want = pool.workable_ties(model), workable_by_definition(pool, model)
        assert got == want
        seen["alert" if (model.alert_until >= model.day).any() and got else "some" if got else "none"] += 1
    assert min(seen.values()) > 0  # every kind of day came up
