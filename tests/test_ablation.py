"""The ablation table reads a sweep of structure switches correctly (synthetic sweep with
known effects)."""

import itertools

import numpy as np
import pandas as pd

from simulation.experiments.ablation import ablation_table, is_ablation


def test_ablation_table_finds_the_structure_that_matters_and_only_it():
    names = ["structures.a.enabled", "structures.b.enabled"]
    points = list(itertools.product([False, True], repeat=2))
    design = pd.DataFrame([{"point": k, **dict(zip(names, p))} for k, p in enumerate(points)])
    rng = np.random.default_rng(0)
    rows = []
    for k, (a, b) in enumerate(points):
        for r in range(10):
            town = 100 + 10 * r  # replication r is the same town at every point
            rows.append({"point": k, "replication": r, "excess_burden": town - 30 * a + rng.normal(0, 1)})
    table = ablation_table(pd.DataFrame(rows), design, figures=("excess_burden",)).set_index(["structure", "comparison"])
    assert is_ablation(design)
    assert table.loc[("a", "alone"), "clear"] and table.loc[("a", "left_out"), "clear"]
    assert abs(table.loc[("a", "alone"), "diff_mean"] + 30) < 1.5 and abs(table.loc[("a", "left_out"), "diff_mean"] - 30) < 1.5
    assert not table.loc[("b", "alone"), "clear"] and not table.loc[("b", "left_out"), "clear"]
