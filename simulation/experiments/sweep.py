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

One sweep at a time per folder: the coordinator holds an OS lock (``fcntl.flock``) on
``.lock`` in the folder for its whole life. The kernel releases it when the process ends,
however it ends, so a crash never leaves a stale lock, and a second ``sweep`` or ``--resume``
on a running folder is refused with a message naming the running one. The manifest is
created in one SQLite transaction after every other file, so a folder without its ``runs``
table is an unfinished start, which ``sweep`` and ``--resume`` both prepare again.

Each finished run's file is recorded with its SHA-256 and row count. ``--resume`` and
``quartier check`` verify them: a file that is missing, truncated or changed puts its run
back to pending, and ``--resume`` runs it again and says so.

Running out of disk space stops the sweep with exit code 2 and the manifest intact; after
freeing space, ``--resume`` completes it.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
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
import pyarrow as pa
import pyarrow.parquet as pq

from ..inputs import InputError, check_name_length, describe_os_error, shorten
from ..resources import DEFAULT_MAX_RUNS, check_scenario, check_sweep
from ..runs import provenance
from ..scenario import Scenario, with_preset
from .design import Experiment, ExperimentError, design_points, load_experiment, run_count
from .pool import default_workers, start_fork_server
from .runner import RunSpec, execute, replication_seeds, run_many

__all__ = ["SweepTask", "run_and_store", "prepare_sweep", "run_sweep", "SweepError", "read_manifest",
           "verify_runs", "check_folder", "SweepLock"]

PENDING, DONE, FAILED, NO_SPACE = "pending", "done", "failed", "no_space"
LOCK_NAME = ".lock"
#: What a sweep writes into its folder (``analysis`` is ``quartier analyze``'s default output).
OWN_NAMES = {LOCK_NAME, "manifest.sqlite", "manifest.sqlite-wal", "manifest.sqlite-shm", "manifest.sqlite-journal",
             "experiment.toml", "scenario.json", "design.parquet", "provenance.json", "daily", "summary.parquet",
             "analysis"}


class SweepError(ExperimentError):
    """The sweep cannot start or resume (message meant for users)."""


@dataclass(frozen=True)
class SweepTask:
    """Everything a worker needs for one run, picklable."""

    spec: RunSpec
    out: str
    daily_metrics: tuple[str, ...]
    summary_metrics: tuple[str, ...]


def _write_atomic(frame: pd.DataFrame | pa.Table, path: Path) -> str:
    """Write ``frame`` (a table or an Arrow table) under a temporary name, then rename: the
    file is complete or absent. Returns the SHA-256 of the bytes written."""
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        if isinstance(frame, pa.Table):
            pq.write_table(frame, tmp)
        else:
            frame.to_parquet(tmp, index=False, engine="pyarrow")
        digest = _sha256(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest


def daily_table(frame: pd.DataFrame, labels: dict[str, Any], metrics: tuple[str, ...]) -> pa.Table:
    """A run's file: its ``labels`` on every row, then ``day`` and the ``metrics`` columns
    of its per-day ``frame``, as ``frame.assign(**labels)`` would give them to
    ``to_parquet`` (the same column types and values, pandas' schema note included).

    Built as Arrow columns straight from the frame's, without the pandas table in between:
    in a sweep of short runs that copy and ``to_parquet``'s conversion were half of the
    runner's own time per run (``benchmarks/bench_sweep.py``). The schema is pandas' own,
    taken once from an empty table of the same columns."""
    columns = ("day", *metrics)
    key = (tuple((name, type(value)) for name, value in labels.items()), tuple((c, frame[c].dtype) for c in columns))
    schema = _SCHEMAS.get(key)
    if schema is None:
        empty = frame.iloc[:0][list(columns)].assign(**labels)[[*labels, *columns]]
        schema = _SCHEMAS[key] = pa.Schema.from_pandas(empty, preserve_index=False)
    rows = len(frame)
    arrays = [pa.array([value] * rows, type=schema.field(name).type) for name, value in labels.items()]
    arrays += [pa.array(frame[c].to_numpy(), type=schema.field(c).type, from_pandas=True) for c in columns]  # nan: null
    return pa.Table.from_arrays(arrays, schema=schema)


_SCHEMAS: dict = {}  # pandas' schema of a run's file, by its labels' and columns' types


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_and_store(task: SweepTask) -> dict[str, Any]:
    """Worker side: run, write the per-day Parquet file, return status, summary row and the
    file's checksum and row count (never raises)."""
    spec = task.spec
    start = time.perf_counter()
    try:
        result = execute(spec)
        simulated = time.perf_counter() - start  # the run itself; writing counts as runner overhead
        labels = {"run_id": spec.run_id, **spec.labels, "seed": spec.seed}
        daily = daily_table(result.frame, labels, task.daily_metrics)
        summary = {**labels, **{k: result.summary[k] for k in task.summary_metrics}}
        digest = _write_atomic(daily, Path(task.out) / "daily" / f"run-{spec.run_id:06d}.parquet")
        return {"run_id": spec.run_id, "status": DONE, "error": None, "seconds": simulated,
                "summary": json.dumps(summary), "sha256": digest, "rows": daily.num_rows}
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # not the run's fault: stop, do not mark it failed
            return {"run_id": spec.run_id, "status": NO_SPACE, "error": str(exc), "seconds": 0.0, "summary": None}
        return _failed(spec, exc, start)
    except Exception as exc:  # a failing run is data, not the end of the sweep
        return _failed(spec, exc, start)


def _failed(spec: RunSpec, exc: Exception, start: float) -> dict[str, Any]:
    detail = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
    return {"run_id": spec.run_id, "status": FAILED, "error": detail, "seconds": time.perf_counter() - start,
            "summary": None}


class SweepLock:
    """An exclusive OS lock on ``FOLDER/.lock`` for the life of a sweep (see the module doc).

    The file also names the holder (pid, host, start) for the message a second sweep gets;
    the lock, not the text, decides."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_NAME
        self.handle = None

    def __enter__(self) -> "SweepLock":
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                handle.close()
                raise SweepError(
                    f"output = {self.path.parent}: this file system cannot lock files ({describe_os_error(exc)}), "
                    "so a second sweep could not be kept out; allowed: a folder on a local disk or NFS"
                ) from None
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise SweepError(
                f"output = {self.path.parent}: another quartier sweep is working in this folder ({holder}); "
                "wait for it to finish, or stop it and continue with --resume"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {platform.node()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()  # releases the lock; the file stays (deleting it would race a waiting sweep)

    @staticmethod
    def held(folder: Path) -> bool:
        path = Path(folder) / LOCK_NAME
        if not path.exists():
            return False
        with path.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return True
        return False


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


def _prepared(folder: Path) -> bool:
    """True when the folder holds a complete start: the ``runs`` table is created last."""
    if not (folder / "manifest.sqlite").is_file() or not (folder / "provenance.json").is_file():
        return False
    try:
        with sqlite3.connect(f"file:{folder / 'manifest.sqlite'}?mode=ro", uri=True, timeout=30) as db:
            return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'").fetchone() is not None
    except sqlite3.DatabaseError as exc:
        # Never prepared afresh: that would delete the finished runs the manifest recorded.
        raise SweepError(
            f"{folder / 'manifest.sqlite'}: damaged or unreadable ({exc}); Quartier leaves this folder as it is: restore the "
            "manifest from a backup, or start the sweep again in a new output folder"
        ) from None


def _migrate(db: sqlite3.Connection) -> None:
    """Manifests of earlier versions lack the checksum columns."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    with db:
        for name, kind in (("file_sha256", "TEXT"), ("file_rows", "INTEGER")):
            if name not in columns:
                db.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")


def _plan(exp: Experiment, design: pd.DataFrame) -> pd.DataFrame:
    """Every run: run_id, point, replication, seed (design points first, then references)."""
    points, reps = len(design), exp.replications
    n_reference = reps if exp.reference else 0
    if exp.common_random_numbers:
        per_rep = replication_seeds(exp.seed, reps)
        seeds = np.concatenate([np.tile(np.array(per_rep, dtype=np.uint64), points),
                                np.array(per_rep[:n_reference], dtype=np.uint64)])
    else:
        seeds = np.array(replication_seeds(exp.seed, points * reps + n_reference), dtype=np.uint64)
    plan = pd.DataFrame({
        "run_id": np.arange(points * reps + n_reference, dtype=np.int64),
        "point": np.concatenate([np.repeat(np.arange(points, dtype=np.int64), reps),
                                 np.full(n_reference, -1, dtype=np.int64)]),
        "replication": np.concatenate([np.tile(np.arange(reps, dtype=np.int64), points),
                                       np.arange(n_reference, dtype=np.int64)]),
    })
    plan["seed"] = seeds.astype(np.int64)
    return plan


def _clear(folder: Path) -> None:
    """Remove what an unfinished start left (only names a sweep writes)."""
    for name in OWN_NAMES - {LOCK_NAME}:
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def _prepare(path: Path, exp: Experiment, scenario: Scenario, out: Path, fingerprint: str) -> None:
    """Write the design, the copies of the inputs and provenance, then the manifest (its
    ``runs`` table in one transaction, last: the folder counts as started only after it)."""
    _clear(out)
    db = _connect(out)  # creates manifest.sqlite first: it claims the folder for _clear after a crash
    try:
        (out / "daily").mkdir()
        design = design_points(exp)
        design.reset_index().to_parquet(out / "design.parquet", index=False)
        shutil.copyfile(path, out / "experiment.toml")
        (out / "scenario.json").write_text(scenario.model_dump_json(indent=2), encoding="utf-8")
        record = {**provenance(), "host": platform.node(), "experiment_file": str(path),
                  "experiment_fingerprint": fingerprint}
        (out / "provenance.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        plan = _plan(exp, design)
        with db:
            db.execute(
                "CREATE TABLE runs (run_id INTEGER PRIMARY KEY, point INTEGER, replication INTEGER, seed INTEGER,"
                " status TEXT, error TEXT, seconds REAL, updated TEXT, summary TEXT, file_sha256 TEXT, file_rows INTEGER)"
            )
            db.executemany(
                "INSERT INTO runs VALUES (?, ?, ?, ?, 'pending', NULL, NULL, NULL, NULL, NULL, NULL)",
                plan[["run_id", "point", "replication", "seed"]].itertuples(index=False, name=None),
            )
    finally:
        db.close()


def _run_file(out: Path, run_id: int) -> Path:
    return out / "daily" / f"run-{int(run_id):06d}.parquet"


def verify_runs(out: Path, manifest: pd.DataFrame, expected_rows: int | None = None) -> dict[int, str]:
    """Done runs whose file is missing, truncated or changed: ``{run_id: reason}``.

    A file is checked against the SHA-256 recorded when its run finished; runs recorded by
    an earlier version without a checksum are checked by reading the file's row count."""
    import pyarrow.parquet as pq

    bad: dict[int, str] = {}
    done = manifest[manifest["status"] == DONE]
    has_hash = "file_sha256" in done.columns
    for row in done.itertuples(index=False):
        file = _run_file(out, row.run_id)
        if not file.is_file():
            bad[int(row.run_id)] = "file missing"
            continue
        recorded = getattr(row, "file_sha256", None) if has_hash else None
        if isinstance(recorded, str):
            if _sha256(file) != recorded:
                bad[int(row.run_id)] = "file changed or truncated (checksum differs)"
            continue
        try:
            rows = pq.read_metadata(file).num_rows
        except Exception:  # any parser error means the file is unusable  # noqa: BLE001
            bad[int(row.run_id)] = "file unreadable"
            continue
        if expected_rows is not None and rows != expected_rows:
            bad[int(row.run_id)] = f"file has {rows} rows, expected {expected_rows}"
    return bad


def _refuse_foreign(out: Path, resume: bool) -> None:
    """Refuse a folder holding files a sweep did not write (unless resuming a sweep there)."""
    names = {p.name for p in out.iterdir()}
    foreign = sorted(names - OWN_NAMES)
    if not foreign and names - {LOCK_NAME} and "manifest.sqlite" not in names:
        foreign = sorted(names - {LOCK_NAME})  # names a sweep uses, but no manifest ever claimed the folder
    if foreign and not (_prepared(out) and resume):
        raise SweepError(
            f"output = {shorten(out, 80, quote=False)}: holds files a sweep did not write ({', '.join(foreign[:3])}"
            f"{', ...' if len(foreign) > 3 else ''}); allowed: a new or empty folder, or a sweep's folder with --resume"
        )


def prepare_sweep(path: Path, resume: bool, output_dir: Path | None = None,
                  loaded: tuple | None = None) -> tuple[Experiment, Scenario, Path]:
    """Validate the experiment and create (or check, on resume) the output folder.

    Call with the folder's :class:`SweepLock` held (``run_sweep`` does)."""
    exp, scenario, out, fingerprint = loaded or load_experiment(path, output_dir)
    if not out.is_dir():
        raise SweepError(f"output = {shorten(out, 80, quote=False)}: not a folder")
    _refuse_foreign(out, resume)
    if not _prepared(out):
        # An empty folder, or one whose start was interrupted before its manifest was complete.
        _prepare(path, exp, scenario, out, fingerprint)
        return exp, scenario, out
    if not resume:
        raise SweepError(f"output = {out}: folder exists and is not empty (use --resume to continue that sweep)")
    try:
        recorded = json.loads((out / "provenance.json").read_text(encoding="utf-8"))["experiment_fingerprint"]
    except (ValueError, KeyError, OSError):
        recorded = None
    if recorded != fingerprint:
        raise SweepError(
            f"--resume: {path} or its scenario changed since the sweep in {out} began; "
            "resume with the same files, or start a new sweep in another output folder"
        )
    for stale in out.glob("daily/.tmp-*"):
        stale.unlink()
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
    """A copy of ``base`` with dotted keys set (copying only the tables and lists on the
    way; a number indexes a list, e.g. ``town.groups.0.share``)."""
    data = dict(base)
    for dotted, value in values.items():
        node: Any = data
        *tables, key = dotted.split(".")
        for table in tables:
            index = int(table) if isinstance(node, list) else table
            node[index] = list(node[index]) if isinstance(node[index], list) else dict(node[index])
            node = node[index]
        node[int(key) if isinstance(node, list) else key] = value
    return data


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _no_space(out: Path, path: Path) -> SweepError:
    return SweepError(
        f"output = {out}: no space left on the device; the manifest is intact: free some space and "
        f"continue with `quartier sweep {path} --resume`"
    )


def _output_folder(out: Path, resume: bool) -> None:
    """Create the output folder (or check it on resume) with messages instead of OS errors."""
    try:
        check_name_length(out, "output =")
    except InputError as exc:
        raise SweepError(str(exc)) from None
    shown = shorten(out, 80, quote=False)
    cwd = Path.cwd()
    if out == cwd or out in cwd.parents or out in (Path.home(), Path(out.anchor)):
        raise SweepError(f"output = {shown}: is the current folder, contains it, or is the home folder; "
                         "allowed: a folder of its own, e.g. results/NAME")
    if out.exists() and not out.is_dir():
        raise SweepError(f"output = {shown}: is a file; allowed: a folder")
    if resume and not (out / "manifest.sqlite").exists():
        raise SweepError(f"--resume: {shown} holds no sweep to resume (no manifest.sqlite)")
    if out.is_dir():
        _refuse_foreign(out, resume)  # before the lock file is created in it
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SweepError(f"output = {shown}: a part of the path is a file; allowed: a folder") from None
    except OSError as exc:
        raise SweepError(f"output = {shown}: cannot create the folder ({describe_os_error(exc)})") from None


def run_sweep(path: Path, workers: int | None = None, resume: bool = False, executor=None,
              progress: bool | None = None, max_memory: str | int | None = None, yes: bool = False,
              max_runs: int = DEFAULT_MAX_RUNS, output_dir: Path | None = None) -> dict[str, Any]:
    """Run (or resume) a sweep; returns counts, what was re-run and why, and where the
    results are.

    Before anything is written the sweep's memory is estimated (:mod:`simulation.resources`)
    and a sweep of more than ``max_runs`` runs needs ``yes``."""
    path = Path(path)
    loaded = load_experiment(path, output_dir)
    exp, scenario, out, _ = loaded
    local_workers = 0 if executor is not None else (workers or default_workers())
    per_run = check_scenario(scenario, max_memory, str(path))
    check_sweep(run_count(exp), per_run, local_workers, max_memory, max_runs, yes, str(path))
    _output_folder(out, resume)
    with SweepLock(out):
        if local_workers > 1:  # its imports and kernels load while the sweep is prepared and checked
            start_fork_server()
        try:
            return _run_locked(path, resume, loaded, workers, executor, progress)
        except sqlite3.OperationalError as exc:
            if "full" in str(exc):
                raise _no_space(out, path) from None
            raise
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise _no_space(out, path) from None
            raise


def _run_locked(path, resume, loaded, workers, executor, progress) -> dict[str, Any]:
    exp, scenario, out = prepare_sweep(path, resume, loaded=loaded)
    db = _connect(out)
    redone: dict[int, str] = {}
    try:
        _migrate(db)
        manifest = read_manifest(out)
        redone = verify_runs(out, manifest, expected_rows=scenario.days + 1)
        if redone:
            with db:
                db.executemany("UPDATE runs SET status = 'pending', summary = NULL, file_sha256 = NULL,"
                               " file_rows = NULL WHERE run_id = ?", [(k,) for k in redone])
            manifest = read_manifest(out)
        todo = manifest[manifest["status"] != DONE]
        for run_id in todo["run_id"]:
            _run_file(out, run_id).unlink(missing_ok=True)  # written but never recorded: run again
        started = time.perf_counter()
        busy = 0.0
        for result in run_many(
            _tasks(exp, scenario, out, todo), workers=workers, executor=executor, progress=progress,
            description="sweep", task=run_and_store, total=len(todo),
        ):
            if result["status"] == NO_SPACE:
                raise _no_space(out, path)
            busy += result["seconds"]
            with db:
                db.execute(
                    "UPDATE runs SET status = ?, error = ?, seconds = ?, summary = ?, file_sha256 = ?, file_rows = ?,"
                    " updated = datetime('now') WHERE run_id = ?",
                    (result["status"], result["error"], result["seconds"], result["summary"], result.get("sha256"),
                     result.get("rows"), result["run_id"]),
                )
    finally:
        db.close()
    wall = time.perf_counter() - started
    final = read_manifest(out)
    rows = final.loc[final["status"] == DONE, "summary"]
    if len(rows):
        _write_atomic(pd.DataFrame([json.loads(r) for r in rows]), out / "summary.parquet")
    else:
        (out / "summary.parquet").unlink(missing_ok=True)
    return {
        "out": out,
        "runs": len(final),
        "done": int((final["status"] == DONE).sum()),
        "failed": int((final["status"] == FAILED).sum()),
        "ran_now": len(todo),
        "redone": redone,
        "wall_seconds": wall,
        "run_seconds": busy,
    }


def check_folder(out: Path) -> dict[str, Any]:
    """What ``quartier check`` reports about a sweep folder, without changing it: whether a
    sweep is running there, the runs by status, done runs whose files are missing or
    corrupt, whether summary.parquet agrees with the manifest, and files in daily/ that
    belong to no finished run."""
    import pyarrow.parquet as pq

    out = Path(out)
    if not _prepared(out):
        raise SweepError(
            f"{shorten(out, 80, quote=False)}: not a sweep's folder (no complete manifest.sqlite); "
            "allowed: the output folder of `quartier sweep`"
        )
    manifest = read_manifest(out)
    try:
        days = json.loads((out / "scenario.json").read_text(encoding="utf-8"))["days"]
    except (OSError, ValueError, KeyError):
        days = None
    bad = verify_runs(out, manifest, expected_rows=None if days is None else days + 1)
    done_ids = set(manifest.loc[manifest["status"] == DONE, "run_id"].astype(int))
    stray = sorted(p.name for p in (out / "daily").iterdir()
                   if not p.name.startswith((".", "_")) and p.name not in {_run_file(out, i).name for i in done_ids})
    try:
        summary_rows = pq.read_metadata(out / "summary.parquet").num_rows
    except FileNotFoundError:
        summary_rows = 0 if not done_ids else None
    except Exception:  # noqa: BLE001 - unreadable is the finding
        summary_rows = None
    return {
        "out": out,
        "running": SweepLock.held(out),
        "runs": len(manifest),
        "done": len(done_ids),
        "failed": int((manifest["status"] == FAILED).sum()),
        "pending": int((manifest["status"] == PENDING).sum()),
        "bad": bad,
        "stray": stray,
        "summary_ok": summary_rows == len(done_ids),
    }
