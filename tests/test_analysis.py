"""``quartier analyze`` in English and German (simulation/experiments/analysis.py)."""

import pandas as pd
import pytest

from simulation.experiments import analysis
from simulation.experiments.analysis import analyze, cost_effectiveness
from simulation.experiments.design import load_experiment
from simulation.experiments.sweep import run_sweep
from simulation.reports.i18n import LANGUAGES, tr

from .conftest import SCENARIOS
from .languages import figure_text, foreign_words, visible_text


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """Two mediator pool sizes x 2 replications plus the reference runs: small, but every part
    of the report (effects, cost-effectiveness with its Pareto front) has something to show."""
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "tiny.toml").write_text(f'base = "{(SCENARIOS / "new_shelter.toml").as_posix()}"\ndays = 60\n'
                                      "warmup_days = 5\n[town]\nresidents = 150\n")
    (folder / "exp.toml").write_text(
        'scenario = "tiny.toml"\noutput = "out"\ndesign = "full_factorial"\nreplications = 2\nstructures = "koko"\n'
        'reference = "none"\nseed = 3\n[parameters."structures.mediator_pool.mediators"]\nvalues = [0, 4]\n'
    )
    run_sweep(folder / "exp.toml", workers=1, progress=False)
    return folder


@pytest.mark.parametrize("lang", LANGUAGES)
def test_report_and_figures_speak_only_their_language(sweep, tmp_path, monkeypatch, lang):
    drawn = []
    png = analysis._png
    monkeypatch.setattr(analysis, "_png", lambda fig: (drawn.append(figure_text(fig)), png(fig))[1])
    lines = analyze(sweep / "out", tmp_path, lang=lang)
    html = (tmp_path / "analysis.html").read_text(encoding="utf-8")
    assert f"<html lang='{lang}'>" in html
    assert foreign_words(visible_text(html), lang) == []
    assert foreign_words(lines, lang) == []
    assert tr("analysis.cost_effectiveness", lang) in html and tr("analysis.effects", lang) in html
    assert len(drawn) == 2  # effects and cost-effectiveness (no sensitivity in a factorial design)
    for text in drawn:
        assert foreign_words(text, lang) == [], text
    assert tr("excess_burden", lang) in drawn[0] and tr("analysis.pareto_front", lang) in drawn[1]


def test_csv_tables_keep_their_column_names_in_every_language(sweep, tmp_path):
    tables = {}
    for lang in LANGUAGES:
        out = tmp_path / lang
        out.mkdir()
        analyze(sweep / "out", out, lang=lang)
        tables[lang] = pd.read_csv(out / "cost_effectiveness.csv")
    pd.testing.assert_frame_equal(tables["en"], tables["de"])
    assert {"burden_avoided", "staff_hours", "pareto"} <= set(tables["en"].columns)


def test_cost_effectiveness_is_skipped_when_every_design_point_failed(sweep):
    """Only the reference runs finished: nothing to weigh, so no table (it raised KeyError)."""
    summary = pd.read_parquet(sweep / "out" / "summary.parquet")
    exp = load_experiment(sweep / "exp.toml")[0]
    assert cost_effectiveness(exp, summary[summary["point"] < 0]) is None
    assert cost_effectiveness(exp, summary) is not None


def test_analyze_command_passes_the_language_on(sweep, tmp_path, capsys):
    from simulation.cli import main

    assert main(["analyze", str(sweep / "out"), "--lang", "de", "--out", str(tmp_path / "ana")]) == 0
    assert "<html lang='de'>" in (tmp_path / "ana" / "analysis.html").read_text(encoding="utf-8")
    assert tr("analysis.pareto_count", "de", k=1, n=2).split(":")[0] in capsys.readouterr().out


def test_a_sweep_without_any_finished_design_point_is_refused_with_a_message(sweep, tmp_path):
    """Only the reference runs finished (every design point failed): a clear error instead of
    a KeyError from an empty table."""
    import shutil

    from simulation.experiments.analysis import AnalysisError

    folder = tmp_path / "failed"
    shutil.copytree(sweep / "out", folder)
    summary = pd.read_parquet(folder / "summary.parquet")
    summary[summary["point"] < 0].to_parquet(folder / "summary.parquet", index=False)
    with pytest.raises(AnalysisError, match=r"none of the 2 design points has a finished run"):
        analyze(folder, tmp_path)
