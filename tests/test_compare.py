"""`quartier compare`: the flagship claim, reproducibility across workers, the report."""

import os
from functools import partial

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from simulation.cli import main
from simulation.reports.compare import CURVES, curve_figure, run_comparison, summary_table, write_report
from simulation.reports.i18n import LANGUAGES, shock_label, tr
from simulation.scenario import PRESETS, SHOCK_KINDS, STRUCTURE_NAMES, apply_overrides, load_scenario

from .conftest import SCENARIOS
from .languages import figure_text, foreign_words, visible_text


def small_flagship():
    return apply_overrides(load_scenario(SCENARIOS / "new_shelter.toml"),
                           {"town.residents": 300, "days": 150, "warmup_days": 30})


@pytest.fixture(scope="module")
def small_comparison():
    return run_comparison(small_flagship(), ["none", "koko"], replications=3, workers=1, progress=False)


@pytest.mark.slow
def test_flagship_koko_has_lower_excess_burden_than_none_with_ci_excluding_zero():
    """The flagship at full size. The paired difference koko - none in excess burden had a
    per-run sd of about 0.11 (in escalation-index units) against a mean of about -0.1 to -0.3
    in trial runs, so 20 paired replications give SE <= 0.025 and a 95 % interval of about
    +-0.05: it excludes zero unless the effect is under a third of what we saw. 20 is also
    what the README's comparison uses."""
    cmp = run_comparison(load_scenario(SCENARIOS / "new_shelter.toml"), ["none", "koko"], replications=20,
                         workers=2, progress=False)
    table = summary_table(cmp)
    row = table[(table["figure"] == "excess_burden") & (table["structure"] == "koko")].iloc[0]
    assert row["diff_ci_high"] < 0, row.to_dict()


def test_results_do_not_depend_on_the_number_of_workers(small_comparison):
    two = run_comparison(small_flagship(), ["none", "koko"], replications=3, workers=2, progress=False)
    assert_frame_equal(small_comparison.runs, two.runs, check_exact=True)
    assert_frame_equal(small_comparison.daily, two.daily, check_exact=True)


def test_settings_share_seeds_and_replications_differ(small_comparison):
    runs = small_comparison.runs
    by = runs.pivot(index="replication", columns="structure", values="seed")
    assert (by["none"] == by["koko"]).all()
    assert by["none"].nunique() == 3


def test_every_setting_shock_and_curve_has_a_label():
    for name in (*PRESETS, "custom", *STRUCTURE_NAMES, *SHOCK_KINDS, *CURVES):
        for lang in LANGUAGES:
            assert tr(name, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_report_has_no_untranslated_label(small_comparison, tmp_path, lang):
    write_report(small_comparison, tmp_path, lang)
    text = visible_text((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert foreign_words(text, lang) == []
    for key in ("excess_burden", "incidents", "report_title"):
        assert tr(key, lang) in text
    for png in [*(f"{c}.png" for c in CURVES)]:
        assert (tmp_path / png).stat().st_size > 10_000
    assert (tmp_path / "table.csv").exists() and (tmp_path / "daily.parquet").exists()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_figures_use_only_labels_of_their_language(small_comparison, lang):
    import matplotlib.pyplot as plt

    for curve in CURVES:
        fig = curve_figure(small_comparison, curve, lang)
        text = figure_text(fig)
        plt.close(fig)
        assert foreign_words(text, lang) == [], curve
        assert tr(curve, lang) in text


def test_report_is_self_contained(small_comparison, tmp_path):
    write_report(small_comparison, tmp_path, "en")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert html.count("data:image/png;base64,") == len(CURVES)


def test_paired_difference_table_matches_runs(small_comparison):
    table = summary_table(small_comparison)
    runs = small_comparison.runs
    koko = runs[runs.structure == "koko"].set_index("replication")["incidents"]
    none = runs[runs.structure == "none"].set_index("replication")["incidents"]
    row = table[(table.figure == "incidents") & (table.structure == "koko")].iloc[0]
    assert row["diff_mean"] == pytest.approx(float(np.mean(koko - none)))
    assert row["mean"] == pytest.approx(float(koko.mean()))


def test_compare_command_writes_the_report_and_rejects_unknown_settings(tmp_path, capsys):
    path = tmp_path / "flag.toml"
    path.write_text(f'base = "{(SCENARIOS / "new_shelter.toml").as_posix()}"\ndays = 140\nwarmup_days = 20\n[town]\nresidents = 250\n')
    out = tmp_path / "out"
    assert main(["compare", str(path), "--structures", "none,none+mediator_pool", "--replications", "2",
                 "--workers", "1", "--lang", "de", "--out", str(out)]) == 0
    assert (out / "report.html").exists() and "excess feud-days" in capsys.readouterr().out
    assert main(["compare", str(path), "--structures", "none,kokko", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "'kokko'" in err and "koko" in err
    assert not (tmp_path / "x").exists()


def test_report_numbers_follow_the_language():
    """German writes 1.234 and 0,181; English 1,234 and 0.181 (issue 13, point 9)."""
    from simulation.reports.compare import _fmt

    assert _fmt(2178.4, "excess_burden", "de") == "2.178" and _fmt(2178.4, "excess_burden", "en") == "2,178"
    assert _fmt(0.18123, "polarization_after", "de") == "0,181" and _fmt(0.18123, "polarization_after") == "0.181"
    assert _fmt(37.25, "cases_lost", "de") == "37"


def test_spread_band_of_single_towns_holds_the_runs_middle_and_is_wider_than_the_mean_band(small_comparison):
    """The 10-90 % band is the per-day quantile of the runs: by construction it lies between
    the runs' minimum and maximum, and on days the runs differ it is not the mean's band."""
    from simulation.reports.compare import spread_band

    daily = small_comparison.daily
    by_day = daily[daily["structure"] == "none"].groupby("day")["feuds_per_1000"]
    low, high = spread_band(by_day)
    assert (low <= high).all()
    assert (low >= by_day.min()).all() and (high <= by_day.max()).all()
    assert ((high - low) > 0).any()  # three towns do differ
    np.testing.assert_allclose(low, by_day.quantile(0.1))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_report_explains_the_spread_to_trainers_and_tells_one_runs_story(small_comparison, tmp_path, lang):
    from simulation.reports.story import event_line

    write_report(small_comparison, tmp_path, lang)
    text = visible_text((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert tr("spread_for_trainers", lang) in text and tr("story_heading", lang) in text
    # The story is the first replication's log under each setting, with its shocks in words.
    assert set(small_comparison.stories) == {"none", "koko"}
    districts = small_comparison.scenario.town.districts
    first_shock = next(e for e in small_comparison.stories["koko"] if e.kind == "shock")
    assert event_line(first_shock, lang, districts) in text
    story = pd.read_csv(tmp_path / "story.csv")
    assert set(story["structure"]) == {"none", "koko"}
    shocks = story[story["kind"] == "shock"]
    assert [text.endswith(shock_label(kind, lang)) for kind, text in zip(shocks["detail"], shocks["text"])] == [True] * len(shocks)


def test_the_story_is_the_log_of_the_first_replication_rerun_alone(small_comparison):
    from simulation.model import QuartierModel

    scenario = small_comparison.scenario
    from simulation.scenario import with_preset

    model = QuartierModel(with_preset(scenario, "koko"), seed=small_comparison.seeds[0])
    model.run_for(scenario.days)
    assert small_comparison.stories["koko"] == model.events


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the figures are drawn aside only where os.fork exists")
def test_figures_drawn_beside_a_forked_copy_are_the_bytes_drawn_in_turn(small_comparison, tmp_path, monkeypatch):
    """The report draws half its curves in a forked copy of the process (``_drawing_aside``).
    Its files must be the same bytes as those drawn one after the other here, the copy must
    really draw its half, and a copy that fails must cost no figure (they are drawn here)."""
    from simulation.reports import compare

    draw = compare._draw_curves
    parent = os.getpid()
    drawn: dict[str, list[tuple[bool, str]]] = {}

    def recording(cmp, curves, out, lang, fail_aside=False):
        if os.getpid() != parent and fail_aside:
            raise RuntimeError("the copy fails")
        with open(out.parent / f"{out.name}.who", "a") as log:  # the copy's list is not ours
            log.writelines(f"{os.getpid() == parent} {curve}\n" for curve in curves)
        draw(cmp, curves, out, lang)

    files = {}
    for mode in ("in turn", "aside", "copy fails"):
        out = tmp_path / mode.replace(" ", "_")
        out.mkdir()
        monkeypatch.setattr(compare, "_may_fork", lambda: mode != "in turn")
        monkeypatch.setattr(compare, "_draw_curves", partial(recording, fail_aside=mode == "copy fails"))
        write_report(small_comparison, out, "en")
        lines = (tmp_path / f"{out.name}.who").read_text().split()
        drawn[mode] = sorted(zip(lines[::2], lines[1::2]))
        files[mode] = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in (".png", ".html", ".csv")}
    assert drawn["in turn"] == sorted(("True", c) for c in CURVES)
    assert drawn["aside"] == sorted([("True", c) for c in CURVES[::2]] + [("False", c) for c in CURVES[1::2]])
    assert drawn["copy fails"] == sorted(("True", c) for c in CURVES)
    assert len(files["in turn"]) == len(CURVES) + 4  # the PNGs, report.html and three CSV files
    assert files["aside"] == files["in turn"]
    assert files["copy fails"] == files["in turn"]


def test_progress_bars_leave_no_thread_behind():
    """Every plain tqdm bar, even a disabled one, starts tqdm's monitor thread, which outlives
    it; a thread left running would keep the report from drawing in a forked copy."""
    import threading

    from simulation.runs import progress_bar

    before = set(threading.enumerate())
    for disable in (True, False):
        with progress_bar(total=2, disable=disable) as bar:
            bar.update(2)
    assert set(threading.enumerate()) <= before


def test_a_comparisons_task_is_found_among_the_fork_servers_imports(monkeypatch):
    """The pool's workers are forked from a server that has imported ``FORK_SERVER_PRELOAD``.
    Unpickling the comparison's task there must import nothing more: the report's module
    (scipy's statistics, the figures' helpers) cost each worker about 0.6 s of CPU before its
    first run when the task lived there."""
    import pickle
    import subprocess
    import sys

    from simulation.experiments.pool import FORK_SERVER_PRELOAD
    from simulation.reports import compare

    class Captured(Exception):
        pass

    def capture(specs, task, **_):
        raise Captured(task)

    monkeypatch.setattr(compare, "run_many", capture)
    with pytest.raises(Captured) as caught:
        run_comparison(small_flagship(), ["none"], replications=1, workers=2, progress=False)
    code = (f"import pickle, sys\nfor name in {FORK_SERVER_PRELOAD!r}: __import__(name)\n"
            "before = set(sys.modules)\npickle.loads(sys.stdin.buffer.read())\n"
            "print(sorted(set(sys.modules) - before))")
    found = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(caught.value.args[0]),
                           capture_output=True, check=True)
    assert found.stdout.decode().strip() == "[]"
