"""``quartier sweep``: many runs of an experiment, resumable, on any executor.

Layout of the output folder::

    experiment.toml      the experiment file as it was when the sweep began
    scenario.json        the resolved scenario (structure setting applied)
    design.parquet       one row per design point: point and the parameter values
    manifest.sqlite      one row per run: point, replication, seed, status, error, seconds,
                         and the run's summary row (JSON) once it is done
    provenance.json      package versions, git commit, host, the experiment's fingerprint
    daily/run-NNNNNN.parquet    per-day metrics of each run (written by the worker itself)
    summary.parquet      all per-run rows, gathered from the manifest after every sweep call

Every row carries ``run_id, point, replication, seed`` and the parameter values; reference
runs (the experiment's ``reference`` structure setting) have ``point = -1``. Read the tables
with ``pandas.read_parquet(folder / "daily")`` and ``pandas.read_parquet(folder / "summary.parquet")``.

Workers write their own per-day results, each file first under a temporary name and then
renamed, so a file is either complete or absent. A worker sends back only its status and its
one summary row, which the coordinator records together in SQLite (WAL mode, one short
transaction per finished run): status and summary can never disagree after a crash.

After a crash, Ctrl-C or a killed worker, ``--resume`` runs what is not ``done``; a run that
was finished but not yet recorded is run again and writes the identical file again, so no
run is lost or counted twice. A run that
raises is recorded as ``failed`` with its error, and the sweep goes on.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..runs import provenance
from ..scenario import Scenario, with_preset
from .design import Experiment, ExperimentError, design_points, load_experiment
from .runner import RunSpec, execute, replication_seeds, run_many

__all__ = ["SweepTask", "run_and_store", "prepare_sweep", "run_sweep", "SweepError", "read_manifest"]

PENDING, DONE, FAILED = "pending", "done", "failed"


class SweepError(ExperimentError):
    """The sweep cannot start or resume (message meant for users)."""


@dataclass(frozen=True)
class SweepTask:
    """Everything a worker needs for one run, picklable."""

    spec: RunSpec
    out: str
    daily_metrics: tuple[str, ...]
    summary_metrics: tuple[str, ...]


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    frame.to_parquet(tmp, index=False, engine="pyarrow")
    os.replace(tmp, path)


def run_and_store(task: SweepTask) -> dict[str, Any]:
    """Worker side: run, write the per-day Parquet file, return status and summary row
    (never raises)."""
    spec = task.spec
    start = time.perf_counter()
    try:
        result = execute(spec)
        simulated = time.perf_counter() - start  # the run itself; writing counts as runner overhead
        labels = {"run_id": spec.run_id, **spec.labels, "seed": spec.seed}
        daily = result.frame[["day", *task.daily_metrics]].assign(**labels)
        daily = daily[[*labels, "day", *task.daily_metrics]]
        summary = {**labels, **{k: result.summary[k] for k in task.summary_metrics}}
        _write_atomic(daily, Path(task.out) / "daily" / f"run-{spec.run_id:06d}.parquet")
        return {"run_id": spec.run_id, "status": DONE, "error": None, "seconds": simulated,
                "summary": json.dumps(summary)}
    except Exception as exc:  # a failing run is data, not the end of the sweep
        detail = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
        return {"run_id": spec.run_id, "status": FAILED, "error": detail, "seconds": time.perf_counter() - start,
                "summary": None}


# ----------------------------------------------------------------------------------------------
# Manifest
# ----------------------------------------------------------------------------------------------


def _connect(folder: Path) -> sqlite3.Connection:
    db = sqlite3.connect(folder / "manifest.sqlite", timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def read_manifest(folder: Path) -> pd.DataFrame:
    """The manifest as a table (one row per run; ``summary`` is the run's row as JSON)."""
    with sqlite3.connect(folder / "manifest.sqlite", timeout=30) as db:
        return pd.read_sql_query("SELECT * FROM runs ORDER BY run_id", db)


def _plan(exp: Experiment, design: pd.DataFrame) -> pd.DataFrame:
    """Every run: run_id, point, replication, seed (design points first, then references)."""
    points, reps = len(design), exp.replications
    n_reference = reps if exp.reference else 0
    if exp.common_random_numbers:
        per_rep = replication_seeds(exp.seed, reps)
        seeds = [per_rep[r] for _ in range(points) for r in range(reps)] + per_rep[:n_reference]
    else:
        seeds = replication_seeds(exp.seed, points * reps + n_reference)
    rows = [(p * reps + r, p, r) for p in range(points) for r in range(reps)]
    rows += [(points * reps + r, -1, r) for r in range(n_reference)]
    plan = pd.DataFrame(rows, columns=["run_id", "point", "replication"])
    plan["seed"] = np.array(seeds, dtype=np.uint64).astype(np.int64)
    return plan


def prepare_sweep(path: Path, resume: bool) -> tuple[Experiment, Scenario, Path]:
    """Validate the experiment and create (or check, on resume) the output folder."""
    exp, scenario, out, fingerprint = load_experiment(path)
    manifest = out / "manifest.sqlite"
    if resume:
        if not manifest.exists():
            raise SweepError(f"--resume: {out} holds no sweep to resume (no manifest.sqlite)")
        recorded = json.loads((out / "provenance.json").read_text())["experiment_fingerprint"]
        if recorded != fingerprint:
            raise SweepError(
                f"--resume: {path} or its scenario changed since the sweep in {out} began; "
                "resume with the same files, or start a new sweep in another output folder"
            )
        for stale in out.glob("daily/.tmp-*"):
            stale.unlink()
        return exp, scenario, out
    if out.exists() and any(out.iterdir()):
        raise SweepError(f"output = {out}: folder exists and is not empty (use --resume to continue that sweep)")
    work = out.with_name(f".partial-{out.name}")
    shutil.rmtree(work, ignore_errors=True)
    (work / "daily").mkdir(parents=True)
    design = design_points(exp)
    design.reset_index().to_parquet(work / "design.parquet", index=False)
    shutil.copyfile(path, work / "experiment.toml")
    (work / "scenario.json").write_text(scenario.model_dump_json(indent=2), encoding="utf-8")
    record = {**provenance(), "host": platform.node(), "experiment_file": str(path), "experiment_fingerprint": fingerprint}
    (work / "provenance.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    plan = _plan(exp, design)
    db = _connect(work)
    with db:
        db.execute(
            "CREATE TABLE runs (run_id INTEGER PRIMARY KEY, point INTEGER, replication INTEGER, seed INTEGER,"
            " status TEXT, error TEXT, seconds REAL, updated TEXT, summary TEXT)"
        )
        db.executemany(
            "INSERT INTO runs VALUES (?, ?, ?, ?, 'pending', NULL, NULL, NULL, NULL)",
            plan[["run_id", "point", "replication", "seed"]].itertuples(index=False, name=None),
        )
    db.close()
    # The folder appears complete or not at all: a sweep killed while preparing leaves nothing.
    if out.exists():
        out.rmdir()
    os.replace(work, out)
    return exp, scenario, out


def _tasks(exp: Experiment, scenario: Scenario, out: Path, todo: pd.DataFrame) -> Iterator[SweepTask]:
    """Tasks for the runs in ``todo``, built lazily (a sweep may have millions)."""
    design = pd.read_parquet(out / "design.parquet").set_index("point")
    base = scenario.model_dump(mode="json")
    reference = with_preset(scenario, exp.reference).model_dump(mode="json") if exp.reference else None
    for row in todo.itertuples(index=False):
        if row.point < 0:
            params = {name: None for name in exp.names}
            data = reference
        else:
            params = {name: design.at[row.point, name] for name in exp.names}
            # Plain dict edits: the ranges were checked when the experiment was loaded and the
            # worker validates the whole scenario again, so the coordinator stays light.
            data = _with_values(base, {k: _plain(v) for k, v in params.items()})
        labels = {"point": int(row.point), "replication": int(row.replication), **{k: _plain(v) for k, v in params.items()}}
        yield SweepTask(
            RunSpec(int(row.run_id), data, int(row.seed), labels),
            str(out),
            tuple(exp.daily_metrics),
            tuple(exp.summary_metrics),
        )


def _with_values(base: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with dotted keys set (copying only the tables on the way)."""
    data = dict(base)
    for dotted, value in values.items():
        node = data
        *tables, key = dotted.split(".")
        for table in tables:
            node[table] = dict(node[table])
            node = node[table]
        node[key] = value
    return data


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def run_sweep(path: Path, workers: int | None = None, resume: bool = False, executor=None,
              progress: bool | None = None) -> dict[str, Any]:
    """Run (or resume) a sweep; returns counts and where the results are."""
    exp, scenario, out = prepare_sweep(Path(path), resume)
    manifest = read_manifest(out)
    todo = manifest[manifest["status"] != DONE]
    db = _connect(out)
    started = time.perf_counter()
    busy = 0.0
    try:
        for result in run_many(
            _tasks(exp, scenario, out, todo), workers=workers, executor=executor, progress=progress,
            description="sweep", task=run_and_store, total=len(todo),
        ):
            busy += result["seconds"]
            with db:
                db.execute(
                    "UPDATE runs SET status = ?, error = ?, seconds = ?, summary = ?, updated = datetime('now')"
                    " WHERE run_id = ?",
                    (result["status"], result["error"], result["seconds"], result["summary"], result["run_id"]),
                )
    finally:
        db.close()
    wall = time.perf_counter() - started
    final = read_manifest(out)
    rows = final.loc[final["status"] == DONE, "summary"]
    if len(rows):
        pd.DataFrame([json.loads(r) for r in rows]).to_parquet(out / "summary.parquet", index=False)
    return {
        "out": out,
        "runs": len(final),
        "done": int((final["status"] == DONE).sum()),
        "failed": int((final["status"] == FAILED).sum()),
        "ran_now": len(todo),
        "wall_seconds": wall,
        "run_seconds": busy,
    }
