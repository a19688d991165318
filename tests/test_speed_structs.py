"""The mediator pool's and case handling's shortcuts against their rules written out
(simulation/structures.py, simulation/administration.py).

The pool finds its workable ties among the ties at its lowest stage and above before it looks
up what the town knows of, and case handling checks a few open cases one by one as a list:
both must give what the rule gives by definition, whichever way the day goes.
"""

import numpy as np

from simulation.kernels import conflict as ck
from simulation.model import QuartierModel
from simulation.scenario import apply_overrides, with_preset


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


def test_ready_cases_picked_and_counted_the_same_from_a_list_or_an_array(baseline):
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
            ready = ch._ready(some, model.day)
            want = some[book.ready_day[some] <= model.day]
            assert list(ready) == want.tolist()
            assert isinstance(ready, list) == (some.size <= 16)  # a few as a list, more as an array
            assert ch._waiting(ready) == ch._waiting(want)
            for unit in range(3):
                assert ch._pick(model, ready, unit, 3) == ch._pick(model, want, unit, 3)
