"""summary.png (``quartier run``): one language per figure, chosen with ``--lang``."""

import pandas as pd
import pytest

from simulation.cli import main
from simulation.plots import summary_figure, write_summary_figure
from simulation.reports.i18n import LANGUAGES, localized
from simulation.runs import run_scenario
from simulation.scenario import apply_overrides, load_scenario

from .conftest import SCENARIOS
from .languages import figure_text, foreign_words


def tiny_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(f'base = "{(SCENARIOS / "new_shelter.toml").as_posix()}"\ndays = 30\nwarmup_days = 5\n'
                    "[town]\nresidents = 150\n")
    return path


@pytest.fixture(scope="module")
def tiny_run():
    scenario = apply_overrides(load_scenario(SCENARIOS / "new_shelter.toml"),
                               {"town.residents": 150, "days": 30, "warmup_days": 5})
    model, _ = run_scenario(scenario)
    return model.model_frame(), scenario


@pytest.mark.parametrize("lang", LANGUAGES)
def test_summary_figure_speaks_only_its_language(tiny_run, lang):
    import matplotlib.pyplot as plt

    frame, scenario = tiny_run
    fig = summary_figure(frame, scenario, lang)
    text = figure_text(fig)
    plt.close(fig)
    assert foreign_words(text, lang) == []
    assert localized(scenario.meta, "title", lang) in text
    for group in scenario.town.groups:
        assert localized(group, "label", lang) in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_run_command_draws_summary_png_in_the_language_asked_for(tmp_path, lang):
    """The file the CLI leaves is, byte for byte, the figure of the written table in ``lang``
    (matplotlib's PNG output is deterministic for the same figure)."""
    out = tmp_path / "out"
    assert main(["run", str(tiny_file(tmp_path)), "--lang", lang, "--out", str(out)]) == 0
    frame = pd.read_parquet(out / "model.parquet")
    expected = tmp_path / "expected.png"
    write_summary_figure(frame, load_scenario(tiny_file(tmp_path)), expected, lang)
    assert (out / "summary.png").read_bytes() == expected.read_bytes()


def test_run_command_rejects_an_unknown_language(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(tiny_file(tmp_path)), "--lang", "fr", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "--lang" in err and "'fr'" in err and "de" in err
    assert not (tmp_path / "out").exists()
