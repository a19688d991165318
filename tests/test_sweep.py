"""Sweeps: designs, seeds, errors, resumability, executors, and the analysis."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from simulation.cli import main
from simulation.experiments.analysis import analyze, pareto_front
from simulation.experiments.design import ExperimentError, design_points, load_experiment
from simulation.experiments.runner import replication_seeds
from simulation.experiments.sweep import read_manifest, run_sweep

from .conftest import SCENARIOS


def tiny_scenario(tmp_path, days=75, residents=200):
    path = tmp_path / "tiny.toml"
    path.write_text(f'base = "{(SCENARIOS / "new_shelter.toml").as_posix()}"\ndays = {days}\nwarmup_days = 10\n'
                    f'[town]\nresidents = {residents}\n')
    return path


def experiment(tmp_path, body, name="exp", **scenario_kw):
    scenario = tiny_scenario(tmp_path, **scenario_kw)
    path = tmp_path / f"{name}.toml"
    path.write_text(f'scenario = "{scenario.name}"\noutput = "out-{name}"\n{body}')
    return path


FACTORIAL = '''design = "full_factorial"
replications = 2
structures = "koko"
[parameters."structures.mediator_pool.mediators"]
values = [0, 4, 8]
[parameters."structures.mediator_pool.skill"]
values = [0.2, 0.8]
'''


@pytest.mark.parametrize(
    ("design", "extra", "size"),
    [("latin_hypercube", "samples = 7", 7), ("sobol", "samples = 8", 8 * (2 + 2)), ("morris", "samples = 5", 5 * (2 + 1))],
)
def test_design_sizes(tmp_path, design, extra, size):
    body = f'''design = "{design}"\n{extra}\n[parameters."conflict.incident_probability"]\nlow = 0.05\nhigh = 0.3
[parameters."structures.mediator_pool.mediators"]\nlow = 0\nhigh = 10\ninteger = true\n'''
    exp, *_ = load_experiment(experiment(tmp_path, body))
    points = design_points(exp)
    assert len(points) == size
    assert points["conflict.incident_probability"].between(0.05, 0.3).all()
    assert points["structures.mediator_pool.mediators"].dtype == np.int64


def test_factorial_size_and_seeds_are_recorded(tmp_path):
    path = experiment(tmp_path, "seed = 42\n" + FACTORIAL)
    run_sweep(path, workers=1, progress=False)
    manifest = read_manifest(tmp_path / "out-exp")
    assert len(manifest) == 3 * 2 * 2 + 2  # 6 points x 2 replications + 2 reference runs
    seeds = replication_seeds(42, 2)
    # Common random numbers: replication r has the same seed at every point and in the reference.
    assert (manifest["seed"] == manifest["replication"].map(dict(enumerate(seeds)))).all()
    assert set(manifest["status"]) == {"done"}


def test_without_common_random_numbers_every_run_has_its_own_seed(tmp_path):
    path = experiment(tmp_path, "seed = 42\ncommon_random_numbers = false\n" + FACTORIAL)
    run_sweep(path, workers=1, progress=False)
    manifest = read_manifest(tmp_path / "out-exp")
    assert manifest["seed"].nunique() == len(manifest)
    assert list(manifest["seed"]) == replication_seeds(42, len(manifest))


def test_tables_are_tidy_with_parameters_point_replication_seed(tmp_path):
    path = experiment(tmp_path, FACTORIAL)
    run_sweep(path, workers=1, progress=False)
    out = tmp_path / "out-exp"
    summary = pd.read_parquet(out / "summary.parquet")
    daily = pd.read_parquet(out / "daily")
    for table in (summary, daily):
        assert {"run_id", "point", "replication", "seed", "structures.mediator_pool.mediators"} <= set(table.columns)
    assert len(daily) == len(summary) * 76
    assert summary.loc[summary.point == -1, "structures.mediator_pool.mediators"].isna().all()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (FACTORIAL.replace("mediators", "mediatorz", 1), "structures.mediator_pool.mediatorz"),
        (FACTORIAL.replace("values = [0.2, 0.8]", "values = [0.2, 1.8]"), 'parameters."structures.mediator_pool.skill" = 1.8'),
        (FACTORIAL.replace('design = "full_factorial"', 'design = "latin"'), "design = 'latin'"),
        (FACTORIAL.replace('design = "full_factorial"', 'design = "sobol"'), "only work with design = 'full_factorial'"),
        ('daily_metrics = ["escalation"]\n' + FACTORIAL, "daily_metrics: ['escalation'] unknown"),
        ("replicatoins = 3\n" + FACTORIAL, "did you mean 'replications'"),
        (FACTORIAL + "lo = 3\n", r'parameters."structures.mediator_pool.skill".lo: unknown key.*allowed keys here: high, integer, low, values'),
    ],
)
def test_bad_experiments_name_the_key_value_and_allowed(tmp_path, body, message, capsys):
    path = experiment(tmp_path, body)
    with pytest.raises(ExperimentError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        load_experiment(path)
    assert main(["sweep", str(path)]) == 2
    assert not (tmp_path / "out-exp").exists()


def test_out_of_range_names_the_schema_range(tmp_path):
    path = experiment(tmp_path, FACTORIAL.replace("values = [0.2, 0.8]", "values = [0.2, 1.8]"))
    with pytest.raises(ExperimentError, match=r"skill\" = 1.8: allowed: \[0.0, 1.0\]"):
        load_experiment(path)


def test_existing_output_needs_resume_and_changed_experiment_refuses_resume(tmp_path):
    path = experiment(tmp_path, FACTORIAL)
    run_sweep(path, workers=1, progress=False)
    with pytest.raises(ExperimentError, match="use --resume"):
        run_sweep(path, workers=1, progress=False)
    report = run_sweep(path, workers=1, resume=True, progress=False)
    assert report["ran_now"] == 0 and report["done"] == 14
    path.write_text(path.read_text().replace("replications = 2", "replications = 3"))
    with pytest.raises(ExperimentError, match="changed since the sweep"):
        run_sweep(path, workers=1, resume=True, progress=False)


def results(out):
    summary = pd.read_parquet(out / "summary.parquet").sort_values("run_id").reset_index(drop=True)
    daily = pd.read_parquet(out / "daily").sort_values(["run_id", "day"]).reset_index(drop=True)
    return summary, daily


def test_same_results_with_one_worker_two_workers_and_dask(tmp_path):
    from distributed import Client, LocalCluster

    outs = []
    for name, kwargs in (("one", {"workers": 1}), ("two", {"workers": 2})):
        run_sweep(experiment(tmp_path, FACTORIAL, name=name), progress=False, **kwargs)
        outs.append(results(tmp_path / f"out-{name}"))
    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        run_sweep(experiment(tmp_path, FACTORIAL, name="dask"), executor=client.get_executor(), progress=False)
    outs.append(results(tmp_path / "out-dask"))
    for summary, daily in outs[1:]:
        assert_frame_equal(outs[0][0], summary, check_exact=True)
        assert_frame_equal(outs[0][1], daily, check_exact=True)


@pytest.mark.slow
def test_resume_after_sigkill_runs_each_run_exactly_once_with_identical_results(tmp_path):
    body = FACTORIAL.replace("values = [0, 4, 8]", "values = [0, 2, 4, 6, 8]").replace("replications = 2", "replications = 4")
    # 300-day runs (~0.15 s each): the kill, after a third of the runs, finds the sweep running.
    killed = experiment(tmp_path, body, name="killed", days=300, residents=300)
    clean = experiment(tmp_path, body, name="clean", days=300, residents=300)
    total = 5 * 2 * 4 + 4
    proc = subprocess.Popen([sys.executable, "-m", "simulation", "sweep", str(killed), "--workers", "2"],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = tmp_path / "out-killed" / "manifest.sqlite"
    deadline = time.time() + 120
    done = 0
    while time.time() < deadline:
        if manifest.exists():
            with sqlite3.connect(manifest, timeout=30) as db:
                try:
                    done = db.execute("SELECT COUNT(*) FROM runs WHERE status = 'done'").fetchone()[0]
                except sqlite3.OperationalError:  # the manifest exists before its runs table
                    done = 0
            if done >= total // 3:
                break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert total // 3 <= done < total, done  # killed halfway, not before or after
    report = run_sweep(killed, workers=2, resume=True, progress=False)
    assert report["done"] == total and report["ran_now"] < total
    manifest_after = read_manifest(tmp_path / "out-killed")
    assert (manifest_after["status"] == "done").all() and manifest_after["run_id"].is_unique
    files = sorted(p.name for p in (tmp_path / "out-killed" / "daily").iterdir())
    assert len(files) == total and not [f for f in files if f.startswith(".tmp")]
    run_sweep(clean, workers=2, progress=False)
    for a, b in zip(results(tmp_path / "out-killed"), results(tmp_path / "out-clean")):
        assert_frame_equal(a, b, check_exact=True)


def test_a_failing_run_is_recorded_and_the_others_finish(tmp_path, monkeypatch, capsys):
    import simulation.experiments.sweep as sweep

    real = sweep.execute

    def flaky(spec):
        if spec.run_id == 3:
            raise RuntimeError("injected failure")
        return real(spec)

    monkeypatch.setattr(sweep, "execute", flaky)
    path = experiment(tmp_path, FACTORIAL)
    assert main(["sweep", str(path), "--workers", "1"]) == 1
    manifest = read_manifest(tmp_path / "out-exp")
    failed = manifest[manifest.status == "failed"]
    assert list(failed.run_id) == [3] and "injected failure" in failed.error.iloc[0]
    assert (manifest.status == "done").sum() == len(manifest) - 1
    assert len(pd.read_parquet(tmp_path / "out-exp" / "summary.parquet")) == len(manifest) - 1
    assert "1 failed" in capsys.readouterr().out


def test_analysis_finds_a_parameter_without_effect(tmp_path):
    """Sobol on two parameters: the incident probability drives incidents; a disabled crisis
    team's hourly cost cannot change anything. With one replication and common random numbers
    the dummy's runs are identical to the letter, so its total index is 0 up to bootstrap noise."""
    body = '''design = "sobol"\nsamples = 32\nreplications = 1\nstructures = "none"\nreference = ""
[parameters."conflict.incident_probability"]\nlow = 0.05\nhigh = 0.4
[parameters."structures.crisis_team.staff_hours_per_active_day"]\nlow = 0\nhigh = 100
'''
    # 150 days take in the flagship's brawl (day 130), so the town has feuds at stage 4+
    # whose incidents the probability can drive; a calm 60-day town has none.
    path = experiment(tmp_path, body, days=150, residents=200)
    run_sweep(path, workers=2, progress=False)
    out = tmp_path / "report"
    out.mkdir()
    analyze(tmp_path / "out-exp", out)
    sens = pd.read_csv(out / "sensitivity.csv")
    incidents = sens[sens.figure == "incidents"].set_index("parameter")
    assert abs(incidents.loc["structures.crisis_team.staff_hours_per_active_day", "ST"]) < 0.02
    assert incidents.loc["conflict.incident_probability", "ST"] > 0.5
    html = (out / "analysis.html").read_text()
    assert "Sobol" in html and html.count("data:image/png;base64,") >= 2


def test_pareto_front():
    hours = np.array([1.0, 2.0, 3.0, 2.5, 1.5])
    avoided = np.array([0.1, 0.5, 0.6, 0.4, 0.05])
    np.testing.assert_array_equal(pareto_front(hours, avoided), [True, True, True, False, False])


def test_analyze_command_writes_cost_effectiveness(tmp_path, capsys):
    path = experiment(tmp_path, FACTORIAL)
    run_sweep(path, workers=1, progress=False)
    assert main(["analyze", str(tmp_path / "out-exp"), "--out", str(tmp_path / "ana")]) == 0
    ce = pd.read_csv(tmp_path / "ana" / "cost_effectiveness.csv")
    assert len(ce) == 6 and ce["pareto"].any()
    assert "Pareto front" in capsys.readouterr().out


def test_analyze_refuses_a_folder_that_is_not_a_sweep(tmp_path, capsys):
    assert main(["analyze", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a finished sweep" in err and "summary.parquet" in err and "Traceback" not in err


def _hashes(folder):
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((folder / "daily").glob("run-*.parquet"))}


def test_resume_reruns_exactly_the_truncated_deleted_and_overwritten_files(tmp_path, capsys):
    path = experiment(tmp_path, FACTORIAL, days=30)
    run_sweep(path, workers=1, progress=False)
    out = tmp_path / "out-exp"
    clean = _hashes(out)
    daily = out / "daily"
    (daily / "run-000001.parquet").write_bytes((daily / "run-000001.parquet").read_bytes()[:100])  # truncated
    (daily / "run-000004.parquet").unlink()  # deleted
    (daily / "run-000007.parquet").write_bytes((daily / "run-000008.parquet").read_bytes())  # overwritten
    assert main(["check", str(out)]) == 1
    assert "3 finished runs have missing or corrupt files" in capsys.readouterr().out
    assert main(["analyze", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    report = run_sweep(path, workers=1, resume=True, progress=False)
    assert sorted(report["redone"]) == [1, 4, 7] and report["ran_now"] == 3
    assert "missing" in report["redone"][4] and "checksum" in report["redone"][1]
    assert _hashes(out) == clean  # the same seeds give the same bytes again
    assert main(["check", str(out)]) == 0
    assert len(pd.read_parquet(out / "daily")) == 14 * 31  # the documented way of reading works again


def test_a_crashed_start_is_completed_by_resume_and_a_foreign_folder_is_refused(tmp_path):
    path = experiment(tmp_path, FACTORIAL, days=20)
    out = tmp_path / "out-exp"
    out.mkdir()
    sqlite3.connect(out / "manifest.sqlite").close()  # what two crashed starts once left: an empty manifest
    report = run_sweep(path, workers=1, resume=True, progress=False)
    assert report["done"] == 14
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    path.write_text(path.read_text().replace('output = "out-exp"', 'output = "other"'))
    with pytest.raises(ExperimentError, match="files a sweep did not write"):
        run_sweep(path, workers=1, progress=False)
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_two_sweeps_on_one_folder_one_runs_the_other_is_refused(tmp_path):
    """Started at the same instant: exactly one gets the folder's lock; a --resume while it
    runs is refused too; the folder is complete and verified afterwards."""
    # Long enough runs (1,000 days, ~0.8 s each, 14 runs) that the sweep is still running
    # when the --resume, started after the manifest appears, has imported and asks for the
    # lock (~2 s): with 150-day runs, as fast as they now are, it had finished (CI saw it).
    path = experiment(tmp_path, FACTORIAL, days=1000, residents=300)
    command = [sys.executable, "-m", "simulation", "sweep", str(path), "--workers", "1"]
    first, second = (subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(2))
    deadline = time.time() + 60
    while not (tmp_path / "out-exp" / "manifest.sqlite").exists() and time.time() < deadline:
        time.sleep(0.05)
    resume = subprocess.run([*command, "--resume"], capture_output=True, text=True)
    results = [(p.wait(timeout=600), p.stderr.read()) for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refused = next(err for code, err in results if code == 2)
    for err in (refused, resume.stderr):
        assert "another quartier sweep is working in this folder" in err and "Traceback" not in err
    assert resume.returncode == 2
    assert main(["check", str(tmp_path / "out-exp")]) == 0
    assert len(read_manifest(tmp_path / "out-exp")) == 14


@pytest.mark.slow
def test_sigterm_stops_a_sweep_with_143_and_resume_completes_it(tmp_path):
    # 600-day runs (~0.4 s each): the signal, sent after two runs, finds the sweep running.
    path = experiment(tmp_path, FACTORIAL, days=600, residents=300)
    proc = subprocess.Popen([sys.executable, "-m", "simulation", "sweep", str(path), "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    manifest = tmp_path / "out-exp" / "manifest.sqlite"
    deadline = time.time() + 120
    done = 0
    while time.time() < deadline and done < 2:
        if manifest.exists():
            with sqlite3.connect(manifest, timeout=30) as db:
                try:
                    done = db.execute("SELECT COUNT(*) FROM runs WHERE status = 'done'").fetchone()[0]
                except sqlite3.OperationalError:  # the runs table is not there yet
                    pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143 and "--resume" in err and "Traceback" not in err
    report = run_sweep(path, workers=1, resume=True, progress=False)
    assert report["done"] == 14 and report["ran_now"] < 14
    assert main(["check", str(tmp_path / "out-exp")]) == 0


def test_a_damaged_manifest_is_refused_and_nothing_is_deleted(tmp_path, capsys):
    path = experiment(tmp_path, FACTORIAL, days=20)
    run_sweep(path, workers=1, progress=False)
    out = tmp_path / "out-exp"
    manifest = out / "manifest.sqlite"
    manifest.write_bytes(b"garbage" * 100)
    files = sorted(p.name for p in (out / "daily").iterdir())
    for argv in (["sweep", str(path), "--resume"], ["check", str(out)], ["analyze", str(out)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "manifest.sqlite: damaged or unreadable" in err and "Traceback" not in err
    assert sorted(p.name for p in (out / "daily").iterdir()) == files


def test_an_in_process_sweep_stops_when_a_stop_was_requested():
    """A SIGTERM swallowed inside numba's callbacks leaves only the flag: the in-process loop
    must stop at the next run instead of running on (the CLI then exits with 143)."""
    from simulation.experiments.runner import run_many
    from simulation.runs import stop_requested

    ran = []
    stop_requested.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            list(run_many([1, 2, 3], workers=1, progress=False, task=ran.append))
    finally:
        stop_requested.clear()
    assert ran == []
    assert list(run_many([1, 2], workers=1, progress=False, task=lambda x: x * 10)) == [10, 20]


@pytest.mark.parametrize("labels", [
    {"run_id": 1, "point": 0, "replication": 2, "mediator_pool.mediators": 6, "conflict.rate": 0.25,
     "structures": "koko", "flag": True, "seed": 7},
    {"run_id": 9, "point": -1, "replication": 0, "mediator_pool.mediators": None, "conflict.rate": None,
     "structures": None, "flag": None, "seed": 2**62},  # the reference runs' labels: no parameter values
])
def test_a_runs_file_is_the_bytes_pandas_would_write(tmp_path, labels):
    """The worker builds its file's Arrow table itself (a third of the runner's time per run
    in a sweep of short runs went into pandas' copy and conversion); the file must still be
    the one ``frame.assign(**labels).to_parquet`` writes, byte for byte, nan cells included."""
    from simulation.experiments.sweep import _write_atomic, daily_table

    frame = pd.DataFrame({"day": np.arange(5), "incidents": [0, 3, 1, 0, 2],
                          "days_to_handling": [np.nan, 2.5, np.nan, 1.0, 0.5], "trust_mean": np.linspace(0.4, 0.5, 5)})
    metrics = ("incidents", "days_to_handling", "trust_mean")
    by_pandas = frame[["day", *metrics]].assign(**labels)[[*labels, "day", *metrics]]
    assert _write_atomic(daily_table(frame, labels, metrics), tmp_path / "new.parquet") == \
        _write_atomic(by_pandas, tmp_path / "pandas.parquet")
    back = pd.read_parquet(tmp_path / "new.parquet")
    assert_frame_equal(back, pd.read_parquet(tmp_path / "pandas.parquet"))
    assert back["days_to_handling"].isna().tolist() == [True, False, True, False, False]


def _kernels_loaded(_) -> bool:
    """In a worker, before it ran anything: has the day's fused kernel a compiled version?"""
    from simulation.kernels import day

    return bool(day.whole_day.overloads)


@pytest.mark.skipif(not __import__("simulation.kernels.compiled", fromlist=["AVAILABLE"]).AVAILABLE,
                    reason="numba not installed")
def test_pool_workers_start_with_the_kernels_loaded():
    """The fork server loads the kernels once (simulation/experiments/warm_workers.py), so a
    worker's first run does not load them again (~0.45 s of CPU per worker)."""
    from simulation.experiments.pool import process_pool

    with process_pool(2) as pool:
        assert list(pool.map(_kernels_loaded, range(2))) == [True, True]


def test_a_sweep_starts_its_fork_server_after_its_checks_and_before_its_preparation(tmp_path, monkeypatch):
    """With local workers, the fork server (imports and kernels, ~2.5 s on one core) starts
    while the sweep is prepared (design, manifest) instead of after it; never for one worker,
    which runs in this process, nor for a sweep its checks refuse."""
    import simulation.experiments.sweep as sweep

    calls = []
    real_start, real_prepare = sweep.start_fork_server, sweep.prepare_sweep
    monkeypatch.setattr(sweep, "start_fork_server", lambda: calls.append("start") or real_start())
    monkeypatch.setattr(sweep, "prepare_sweep", lambda *a, **k: calls.append("prepare") or real_prepare(*a, **k))
    from simulation.resources import ResourceError

    with pytest.raises(ResourceError, match="--yes"):  # 14 runs against a limit of 5
        run_sweep(experiment(tmp_path, FACTORIAL, name="refused"), workers=2, max_runs=5, progress=False)
    assert calls == []
    run_sweep(experiment(tmp_path, FACTORIAL, name="one"), workers=1, progress=False)
    assert calls == ["prepare"]
    calls.clear()
    report = run_sweep(experiment(tmp_path, FACTORIAL, name="two"), workers=2, progress=False)
    assert calls == ["start", "prepare"] and report["done"] == 14
