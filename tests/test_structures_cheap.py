"""The structures' cheaper daily paths against the plain rule they replace (the same
numbers, the same draws)."""

import numpy as np
import pytest

from simulation.model import QuartierModel
from simulation.scenario import apply_overrides
from simulation.structures import EarlyWarning


@pytest.mark.parametrize("feuds", [0, 1, 7, 32, 33, 400])
def test_feuds_are_counted_by_district_as_a_bincount_counts_them(baseline, feuds):
    sc = apply_overrides(baseline, {"town.residents": 400, "warmup_days": 0, "structures.early_warning.enabled": True})
    model = QuartierModel(sc, seed=2)
    ew = model.structure("early_warning")
    lookup = ew._lookup.update(model)
    model.stage[:] = np.random.default_rng(feuds).integers(0, 4, model.stage.size)  # below 4: no feud
    model.stage[np.random.default_rng(1).choice(model.stage.size, feuds, replace=False)] = 4 + feuds % 4
    expected = np.bincount(lookup.tie_district[model.stage >= 4], minlength=model.n_districts).tolist()
    assert EarlyWarning._feuds_today(model, lookup) == expected
    assert sum(expected) == feuds


def test_a_mediations_chance_in_plain_python_is_the_arrays_to_the_bit():
    """A mediation's chance s·(1 − σ_k)·prepared, at most 1, worked out per tie in plain
    Python: the same products in the same order as on the arrays it replaced."""
    from simulation.kernels import conflict as ck

    rng = np.random.default_rng(7)
    for _ in range(200):
        skill, stickiness, prepared = rng.random(), rng.random(), 1.0 + rng.random()
        stages = rng.integers(0, ck.MAX_STAGE + 1, 5)
        entrenched = stickiness * (stages.astype(np.int64) - 1) / (ck.MAX_STAGE - 1)
        arrays = np.minimum(skill * (1.0 - entrenched) * prepared, 1.0)
        plain = [min(skill * (1.0 - stickiness * (k - 1) / (ck.MAX_STAGE - 1)) * prepared, 1.0) for k in stages.tolist()]
        assert plain == arrays.tolist()


def test_the_weekly_baseline_keeps_the_sums_of_its_record_when_it_skips_unchanged_ones():
    """Its running sums equal the record's sums (whole numbers: exact) day by day, also on
    the days it skips a sum because today's counts equal the ones dropped from it."""
    from simulation.structures import _WeeklyBaseline

    rng = np.random.default_rng(3)
    baseline = _WeeklyBaseline(weeks=3, width=2)
    for day in range(200):
        quiet = rng.random() < 0.6
        baseline.push([0.0, 0.0] if quiet else rng.integers(0, 4, 2).astype(float).tolist())
        history = baseline.history
        assert baseline.total == history.sum(axis=0).tolist()
        assert baseline.last_week == history[-7:].sum(axis=0).tolist()
        # its answer is kept while the sums stand (quiet days), and only for its own factor and minimum
        for factor, minimum in [(2.0, 1) if day % 50 < 40 else (1.5, 0)] * 2:
            week, earlier = history[-7:].sum(axis=0), history[:-7].sum(axis=0) / 2
            assert baseline.above(factor, minimum) == tuple(((week > factor * earlier) & (week > minimum)).tolist())
