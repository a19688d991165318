"""Running one scenario and writing its results: Parquet tables (the daily figures, the
residents, the event log), provenance, a summary plot.

Output is written into a hidden sibling folder and renamed into place only when complete,
so an interrupted or failed run never leaves a half-written output folder behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Iterator

import pandas as pd

from .events import events_frame
from .model import QuartierModel
from .reports.i18n import LANGUAGES
from .inputs import InputError, check_name_length, describe_os_error, shorten
from .scenario import Scenario

__all__ = ["run_scenario", "warm_kernels", "provenance", "atomic_output_dir", "check_output_target", "is_quartier_output",
           "write_parquet", "run_events_frame", "OutputError"]

_PACKAGES = ("quartier", "mesa", "numpy", "scipy", "pandas", "pyarrow", "networkx", "pydantic", "matplotlib")


class OutputError(ValueError):
    """The output folder cannot be used (message meant for users)."""


def git_commit() -> str | None:
    """The commit of the source tree this package runs from, or None outside a checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(
        ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        timeout=5,
    ).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def provenance() -> dict:
    """Versions of Python and the packages, platform, git commit."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
        "git_commit": git_commit(),
    }


#: Written into every folder :func:`atomic_output_dir` produces; its presence is what lets
#: ``--overwrite`` replace a folder (``run.json`` marks outputs of older versions).
OUTPUT_MARKER = ".quartier-output.json"
_OLDER_MARKERS = ("run.json", "analysis.html")
#: A ``.partial-*`` folder without a lock file older than this is debris of a run killed while
#: it was being created; younger ones may belong to a run that is just starting.
_STALE_SECONDS = 600


def is_quartier_output(folder: Path) -> bool:
    """True when ``folder`` was written by :func:`atomic_output_dir` (run, compare, analyze)."""
    return any((Path(folder) / name).is_file() for name in (OUTPUT_MARKER, *_OLDER_MARKERS))


def _project_root() -> Path | None:
    """The source checkout this package runs from, if any (never a valid output folder)."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "pyproject.toml").is_file() else None


def check_output_target(target: Path, overwrite: bool, label: str = "--out") -> Path:
    """Refuse an output folder whose replacement could destroy what Quartier did not write.

    Refused: the current folder or any folder containing it, the home folder, the file
    system root, the project root, a file, a name longer than the system allows, and a
    folder holding anything but a previous Quartier output (recognised by its marker file).
    A previous output is replaced only with ``overwrite``. Returns the resolved path.
    """
    shown = shorten(target, 80, quote=False)
    try:
        check_name_length(target, label)
    except InputError as exc:
        raise OutputError(str(exc)) from None
    resolved = Path(os.path.abspath(target))
    cwd = Path.cwd()
    allowed = "allowed: a new folder, an empty one, or a previous Quartier output with --overwrite"
    if resolved == cwd or resolved in cwd.parents:
        raise OutputError(
            f"{label} {shown}: is the current folder or contains it; allowed: a folder inside it, e.g. {label} runs/NAME"
        )
    if resolved in {Path.home(), Path(resolved.anchor), _project_root()}:
        raise OutputError(f"{label} {shown}: is the home folder, the root or the project folder; {allowed}")
    if resolved.exists() and not resolved.is_dir():
        raise OutputError(f"{label} {shown}: exists and is not a folder; {allowed}")
    if resolved.is_dir() and any(resolved.iterdir()):
        if (resolved / "manifest.sqlite").exists():
            raise OutputError(f"{label} {shown}: is a sweep's folder, which --overwrite never replaces; {allowed}")
        if not is_quartier_output(resolved):
            raise OutputError(f"{label} {shown}: holds files Quartier did not write; {allowed}")
        if not overwrite:
            raise OutputError(f"{label} {shown}: a previous output is there (use --overwrite to replace it)")
    return resolved


def _clean_stale_partials(parent: Path, name: str) -> None:
    """Remove ``.partial-NAME-*`` folders left by killed runs into the same place.

    A live run holds an OS lock on the ``.lock`` file inside its folder for its whole life;
    the kernel drops the lock when the process dies, however it dies (SIGKILL included), so
    a folder whose lock can be taken belongs to nobody.
    """
    for folder in parent.glob(f".replaced-{name}-*"):
        # A previous output set aside by a run killed in the middle of its swap: put it back
        # if nothing took its place, else it is the replaced one and can go.
        try:
            if not (parent / name).exists() and (folder / "output").is_dir():
                os.replace(folder / "output", parent / name)
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
    for folder in parent.glob(f".partial-{name}-*"):
        lock = folder / ".lock"
        try:
            if not lock.exists():
                if time.time() - folder.stat().st_mtime > _STALE_SECONDS:
                    shutil.rmtree(folder, ignore_errors=True)
                continue
            with lock.open("a") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a live run
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


@contextmanager
def atomic_output_dir(target: Path, overwrite: bool = False, label: str = "--out",
                      kind: str = "output") -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target``.

    The target is checked first (:func:`check_output_target`). The previous output, if
    any, stays in place until the new one is complete, then both are swapped by renames
    and the old one is deleted. Failure, Ctrl-C or SIGTERM remove the temporary folder; a
    SIGKILL leaves it to be cleaned up by the next run into the same place. Running out
    of disk space or permission is an :class:`OutputError` (exit code 2), not a traceback.
    """
    target = Path(target)
    if target.parent.is_dir():
        _clean_stale_partials(target.parent.resolve(), target.name)  # before the check: it may restore an output
    target = check_output_target(target, overwrite, label)
    old = None
    shown = shorten(target, 80, quote=False)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".partial-{target.name}-", dir=parent))
        lock = (work / ".lock").open("w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass  # a file system without locks: debris of a killed run there is never taken for stale
        umask = os.umask(0)
        os.umask(umask)
        work.chmod(0o777 & ~umask)  # mkdtemp makes 0700; the result should be an ordinary folder
    except OSError as exc:
        raise OutputError(f"{label} {shown}: cannot write there ({describe_os_error(exc)})") from None
    try:
        try:
            yield work
            marker = {"written_by": f"quartier {kind}", "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            (work / OUTPUT_MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"{label} {shown}: cannot write the results ({describe_os_error(exc)}); nothing was written") from None
        (work / ".lock").unlink()
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".replaced-{target.name}-", dir=parent))
            os.replace(target, old / "output")
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        if old is not None and not target.exists():
            os.replace(old / "output", target)  # the swap failed halfway: put the old output back
        raise
    finally:
        lock.close()
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow")


#: Set when the command is asked to stop (SIGTERM). The signal handler raises at once as well;
#: this flag is for when that exception lands inside a C callback (numba compiling a kernel on
#: its first call), which swallows it: the day loop then stops at the next day.
stop_requested = threading.Event()


def warm_kernels() -> float:
    """Load every compiled kernel into this process, compiling it first if numba's cache
    does not have it yet (the first time on a machine: some 20 s; later a second or so):
    one short run of the flagship scenario with all six structures and its shock. Returns
    the seconds it took. ``make setup`` calls it, so the first comparison does not compile;
    the process pool's fork server does (:mod:`simulation.experiments.warm_workers`), so
    its workers start with the kernels loaded; and the tests do, so a test that sends a
    signal does not hit a kernel being loaded (numba's callbacks swallow the exception the
    signal raises)."""
    from .library import library_folder
    from .scenario import apply_overrides, load_scenario, with_preset

    start = time.perf_counter()
    scenario = with_preset(load_scenario(library_folder() / "new_shelter.toml"), "koko")
    scenario = apply_overrides(scenario, {"town.residents": 300, "warmup_days": 20, "days": 140})
    QuartierModel(scenario, seed=1).run_for(scenario.days)
    return time.perf_counter() - start


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    days: int | None = None,
    progress: bool = False,
) -> tuple[QuartierModel, float]:
    """Build and run a model; returns it and the wall time in seconds."""
    from tqdm import tqdm

    days = scenario.days if days is None else days
    start = time.perf_counter()
    model = QuartierModel(scenario, seed=seed)
    with tqdm(total=days, unit="day", disable=not progress, desc="simulating", leave=False) as bar:
        for _ in range(days):
            if stop_requested.is_set():
                raise KeyboardInterrupt
            model.step()
            bar.update()
    return model, time.perf_counter() - start


def run_events_frame(model: QuartierModel) -> pd.DataFrame:
    """The run's event log as written to ``events.parquet``: one row an event in day order,
    with the columns of :func:`simulation.events.events_frame` (``district`` the index, −1
    for the whole town), ``district_name`` ("" for the whole town) and the sentence in both
    languages, ``text_en`` and ``text_de``."""
    districts = list(model.config.town.districts)
    frame = events_frame(model.events, districts=districts)
    names = [districts[d] if 0 <= d < len(districts) else "" for d in frame["district"]]
    frame.insert(3, "district_name", pd.Series(names, dtype="string"))
    for lang in LANGUAGES:
        frame[f"text_{lang}"] = events_frame(model.events, lang, districts)["text"]
    return frame


def write_run(model: QuartierModel, out: Path, wall_seconds: float, source: str | None = None) -> None:
    """Write the data of a run into ``out``: model.parquet, agents.parquet, events.parquet
    (:func:`run_events_frame`) and run.json (figures are the interfaces' business:
    ``quartier run`` adds summary.png)."""
    write_parquet(model.model_frame(), out / "model.parquet")
    write_parquet(model.agents_frame(), out / "agents.parquet")
    write_parquet(run_events_frame(model), out / "events.parquet")
    record = {
        "scenario_file": source,
        "seed": model.seed_value,
        "days": model.steps,
        "wall_seconds": round(wall_seconds, 3),
        "scenario": model.config.model_dump(mode="json"),
        **provenance(),
    }
    (out / "run.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
