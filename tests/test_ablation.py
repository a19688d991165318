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


def test_analyze_writes_the_ablation_table_for_a_sweep_of_switches(tmp_path):
    """A tiny real sweep of two switches: analyze writes ablation.csv and the HTML section,
    in English and German."""
    from simulation.experiments.analysis import analyze
    from simulation.experiments.sweep import run_sweep

    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(f'base = "{(root / "scenarios" / "festival_incident.toml").as_posix()}"\n'
                        'days = 170\nwarmup_days = 20\n[town]\nresidents = 300\n')
    exp = tmp_path / "abl.toml"
    exp.write_text('scenario = "tiny.toml"\noutput = "out"\nstructures = "none"\ndesign = "full_factorial"\n'
                   'replications = 3\nreference = ""\n'
                   '[parameters."structures.crisis_team.enabled"]\nvalues = [false, true]\n'
                   '[parameters."structures.round_tables.enabled"]\nvalues = [false, true]\n')
    run_sweep(exp, workers=1, progress=False)
    for lang, word in (("en", "Does each structure matter?"), ("de", "Wirkt jede Struktur?")):
        out = tmp_path / f"report-{lang}"
        out.mkdir()
        text = analyze(tmp_path / "out", out, lang=lang)
        table = pd.read_csv(out / "ablation.csv")
        assert set(table["structure"]) == {"crisis_team", "round_tables"}
        assert set(table["comparison"]) == {"alone", "left_out"}
        # NaN figures (a town that has not recovered has no days to de-escalation) drop out.
        assert (table.loc[table["figure"] == "excess_burden", "n"] == 3).all() and (table["n"] <= 3).all()
        assert word in (out / "analysis.html").read_text()
        assert text.count("\n") >= 4
