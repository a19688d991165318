"""The `quartier` command as a user meets it: outputs, exit codes, messages, no debris."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from simulation.cli import main

from .conftest import SCENARIOS

SMALL = ["--days", "20"]


def small_scenario(tmp_path, extra=""):
    path = tmp_path / "small.toml"
    path.write_text(f'base = "{(SCENARIOS / "baseline.toml").as_posix()}"\nwarmup_days = 10\n[town]\nresidents = 300\n{extra}')
    return path


def test_run_writes_the_four_outputs_readable_with_pandas(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(small_scenario(tmp_path)), "--out", str(out), *SMALL]) == 0
    model = pd.read_parquet(out / "model.parquet")
    agents = pd.read_parquet(out / "agents.parquet")
    record = json.loads((out / "run.json").read_text())
    assert list(model["day"]) == list(range(21))
    assert {"escalation_index", "esteban_ray", "bimodality", "backlog", "trust_newcomers"} <= set(model.columns)
    assert list(agents.columns) == ["id", "group", "district", "opinion", "tension", "trust", "grievance"]
    assert len(agents) == 300
    assert record["seed"] == 20240601 and record["days"] == 20
    assert record["scenario"]["town"]["residents"] == 300
    assert record["packages"]["mesa"].startswith("3.")
    assert (out / "summary.png").stat().st_size > 10_000
    assert "incidents" in capsys.readouterr().out


def test_misspelt_key_exits_2_without_output_folder(tmp_path, capsys):
    bad = small_scenario(tmp_path, "[opinion]\nrulez = 'hk'\n")
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "opinion.rulez" in err and "did you mean 'rule'" in err
    assert not out.exists()
    assert not list(tmp_path.glob(".partial-*"))


def test_out_of_range_value_exits_2_through_the_real_command(tmp_path):
    bad = small_scenario(tmp_path, "[conflict]\nincident_probability = 1.5\n")
    proc = subprocess.run(
        [sys.executable, "-m", "simulation", "run", str(bad), "--out", str(tmp_path / "o")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert "conflict.incident_probability = 1.5" in proc.stderr and "[0.0, 1.0]" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


def test_existing_output_folder_is_not_clobbered(tmp_path, capsys):
    """A folder with files Quartier did not write is refused even with --overwrite; a
    previous output is replaced only with --overwrite."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    for extra in ([], ["--overwrite"]):
        assert main(["run", str(small_scenario(tmp_path)), "--out", str(out), *extra, *SMALL]) == 2
        assert "Quartier did not write" in capsys.readouterr().err
        assert (out / "keep.txt").read_text() == "mine"
    other = tmp_path / "other"
    assert main(["run", str(small_scenario(tmp_path)), "--out", str(other), *SMALL]) == 0
    assert main(["run", str(small_scenario(tmp_path)), "--out", str(other), *SMALL]) == 2
    assert "--overwrite" in capsys.readouterr().err
    (other / "model.parquet").write_bytes(b"old")
    assert main(["run", str(small_scenario(tmp_path)), "--out", str(other), "--overwrite", *SMALL]) == 0
    assert pd.read_parquet(other / "model.parquet")["day"].max() == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "out", "small.toml"]  # no debris beside


def test_failure_during_the_run_leaves_nothing_behind(tmp_path, monkeypatch):
    import simulation.runs as runs  # the command imports run_scenario from there when it runs

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runs, "run_scenario", explode)
    out = tmp_path / "out"
    assert main(["run", str(small_scenario(tmp_path)), "--out", str(out)]) == 130
    assert not out.exists() and not list(tmp_path.glob(".partial-*"))


@pytest.mark.parametrize("args", [["--seed", "-1"], ["--days", "0"], ["--days", "many"]])
def test_bad_command_line_values_exit_2(tmp_path, args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(small_scenario(tmp_path)), *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert args[0] in err and ("allowed" in err or "whole number" in err)


def test_scenarios_lists_titles(capsys):
    assert main(["scenarios"]) == 0
    assert "baseline.toml" in capsys.readouterr().out
    assert main(["scenarios", "--lang", "de"]) == 0
    assert "Ausgangslage" in capsys.readouterr().out


def test_own_scenario_folders_by_option_and_environment(tmp_path, monkeypatch, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    small_scenario(mine)  # mine/small.toml
    monkeypatch.chdir(tmp_path)
    assert main(["run", "small", "--scenarios", str(mine), "--out", "res", *SMALL]) == 0
    assert json.loads((tmp_path / "res" / "run.json").read_text())["scenario_file"] == str(mine / "small.toml")
    assert main(["run", "small", "--out", "res2", *SMALL]) == 2  # not in the library
    assert "no scenario of that name" in capsys.readouterr().err
    monkeypatch.setenv("QUARTIER_SCENARIOS", str(mine))
    assert main(["scenarios"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert "small.toml" in listed and "new_shelter.toml" in listed


def test_validate_reports_every_file_and_the_memory_it_needs(tmp_path, capsys):
    bad = small_scenario(tmp_path, "[opinion]\nrule = 'nope'\n")
    assert main(["validate", "baseline", str(bad), "new_shelter"]) == 2
    captured = capsys.readouterr()
    assert captured.out.count(": valid (needs about") == 2 and "MB of memory" in captured.out
    assert "opinion.rule = 'nope'" in captured.err


@pytest.mark.parametrize("where", ["home", "project"])
def test_out_never_replaces_home_or_the_project(where, tmp_path, monkeypatch, capsys):
    from pathlib import Path

    monkeypatch.chdir(tmp_path)
    target = Path.home() if where == "home" else Path(__file__).resolve().parents[1]
    assert main(["run", "baseline", "--out", str(target), "--overwrite", "--days", "1"]) == 2
    assert "project folder" in capsys.readouterr().err


def test_an_output_set_aside_by_a_run_killed_mid_swap_is_put_back(tmp_path, capsys):
    """Killed between its two renames, a run leaves the previous output in .replaced-NAME-*;
    the next run into the same place restores it (and then needs --overwrite as usual)."""
    out = tmp_path / "out"
    assert main(["run", str(small_scenario(tmp_path)), "--out", str(out), *SMALL]) == 0
    aside = tmp_path / ".replaced-out-x1"
    aside.mkdir()
    out.rename(aside / "output")
    assert main(["run", str(small_scenario(tmp_path)), "--out", str(out), *SMALL]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "model.parquet").is_file() and not aside.exists()


def test_a_bug_is_one_line_with_the_traceback_in_a_file_and_no_output(tmp_path, monkeypatch, capsys):
    import re

    import simulation.runs as runs  # the command imports run_scenario from there when it runs

    def broken(*args, **kwargs):
        raise RuntimeError("injected bug")

    monkeypatch.setattr(runs, "run_scenario", broken)
    monkeypatch.delenv("QUARTIER_DEBUG", raising=False)
    out = tmp_path / "out"
    assert main(["run", str(small_scenario(tmp_path)), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: injected bug" in err and "Traceback" not in err
    log = re.search(r"traceback in (\S+);", err).group(1)
    assert "injected bug" in open(log).read()
    assert not out.exists() and not list(tmp_path.glob(".partial-*"))
    monkeypatch.setenv("QUARTIER_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["run", str(small_scenario(tmp_path)), "--out", str(out)])


def test_validate_recognises_experiments_and_counts_their_runs(tmp_path, capsys):
    from .conftest import ROOT

    good = ROOT / "experiments" / "small_mediators_warning.toml"
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace("../scenarios/", f"{ROOT.as_posix()}/scenarios/").replace(
        "replications = 5", "replications = 0"))
    assert main(["validate", str(good), str(bad)]) == 2
    captured = capsys.readouterr()
    assert "valid experiment (65 runs" in captured.out
    assert "replications = 0" in captured.err and "unknown key" not in captured.err


def test_a_sigterm_swallowed_by_a_c_callback_stops_the_command_without_a_traceback(monkeypatch, capsys):
    """SIGTERM can arrive while numba loads a kernel, inside a C callback that cannot unwind
    the program: the exception is swallowed there and Python would print it with a
    traceback. The command instead stops at the stop flag and says "terminated" (143),
    while other exceptions swallowed by C callbacks are still printed."""
    import ctypes
    import signal

    from simulation import cli
    from simulation.runs import stop_requested

    def run_hit_by_sigterm_in_a_callback(args):
        def callback():
            cli._on_sigterm(signal.SIGTERM, None)  # what the signal does, at this moment

        def broken():
            raise ValueError("a real error in a callback")

        ctypes.CFUNCTYPE(None)(callback)()
        ctypes.CFUNCTYPE(None)(broken)()
        assert stop_requested.is_set()
        raise KeyboardInterrupt  # what the run loop does when it sees the flag

    monkeypatch.setattr(cli, "_cmd_run", run_hit_by_sigterm_in_a_callback)
    reached_default = []  # the hook Python would print with (pytest's own while testing)
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reached_default.append(repr(u.exc_value)))
    hook = sys.unraisablehook
    assert main(["run", "baseline"]) == 143
    assert "terminated" in capsys.readouterr().err
    assert reached_default == ["ValueError('a real error in a callback')"]
    assert sys.unraisablehook is hook and not stop_requested.is_set()


def test_the_model_is_imported_only_by_commands_that_run_it_and_after_the_fork_server_starts(tmp_path):
    """Importing the command loads no Mesa, pandas or compiled kernels (``--help``,
    ``validate`` and ``scenarios`` need none: about 0.2 s instead of 1.5 s), and ``compare``
    starts its pool's fork server once its input and ``--out`` are good; with a pool, the
    command's own process never imports the model (only the fork server and its workers
    run one), so it is ready to submit the first run about a second sooner (each in a
    fresh process: this test's own has them loaded)."""
    light = subprocess.run(
        [sys.executable, "-c", "import sys, simulation.cli; print(sorted(m for m in ('simulation.model', 'mesa', "
         "'pandas', 'numba', 'matplotlib') if m in sys.modules))"],
        capture_output=True, text=True, check=True,
    )
    assert light.stdout.strip() == "[]", light.stdout
    scenario = tmp_path / "short.toml"
    scenario.write_text(f'base = "{(SCENARIOS / "baseline.toml").as_posix()}"\nwarmup_days = 5\ndays = 15\n'
                        "[town]\nresidents = 200\n")
    spy = (
        "import sys\n"
        "import simulation.experiments.pool as pool\n"
        "seen, real = [], pool.start_fork_server\n"
        "def start():\n"
        "    seen.append('simulation.model' in sys.modules)\n"
        "    return real()\n"
        "pool.start_fork_server = start\n"
        "from simulation.cli import main\n"
        "for out in sys.argv[1:]:\n"
        f"    code = main(['compare', {str(scenario)!r}, '--replications', '2',"
        " '--structures', 'none', '--workers', '2', '--out', out])\n"
        "    print(code, seen, 'simulation.model' in sys.modules)\n"
    )
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    ran = subprocess.run([sys.executable, "-c", spy, str(foreign), str(tmp_path / "out")], capture_output=True,
                         text=True, check=True)
    refused, made = [line for line in ran.stdout.splitlines() if line[:1].isdigit()]  # the prints above
    # A refused --out starts no fork server (it would load the model for nothing, on a core,
    # after the command has ended) and imports no model.
    assert refused == "2 [] False", ran.stdout + ran.stderr
    # A good one starts it once, the report is made, and the model is imported only where
    # the runs happen.
    assert made == "0 [False] False", ran.stdout + ran.stderr
    assert (tmp_path / "out" / "report.html").is_file() and (foreign / "notes.txt").read_text() == "keep"
