"""Running one scenario and writing its results: Parquet tables (the daily figures, the
residents, the event log), provenance, a summary plot.

Output is written into a hidden sibling folder and renamed into place only when complete
(:mod:`simulation.outputs`), so an interrupted or failed run never leaves a half-written
output folder behind.
"""

from __future__ import annotations

import functools
import json
import platform
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .events import events_frame
from .reports.i18n import LANGUAGES
from .scenario import Scenario

if TYPE_CHECKING:  # imported where a model is made (see experiments.runner._simulate)
    from .model import QuartierModel

__all__ = ["run_scenario", "warm_kernels", "provenance", "write_parquet", "run_events_frame", "progress_bar"]

_PACKAGES = ("quartier", "mesa", "numpy", "scipy", "pandas", "pyarrow", "networkx", "pydantic", "matplotlib")


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
    from .model import QuartierModel
    from .scenario import apply_overrides, load_scenario, with_preset

    start = time.perf_counter()
    scenario = with_preset(load_scenario(library_folder() / "new_shelter.toml"), "koko")
    scenario = apply_overrides(scenario, {"town.residents": 300, "warmup_days": 20, "days": 140})
    QuartierModel(scenario, seed=1).run_for(scenario.days)
    return time.perf_counter() - start


@functools.cache
def _bar_class():
    from tqdm import tqdm

    class ProgressBar(tqdm):
        monitor_interval = 0  # tqdm's documented switch for its monitor thread

    return ProgressBar


def progress_bar(**options):
    """A tqdm progress bar (``options`` are tqdm's) that starts no thread.

    Every tqdm bar, even a disabled one, starts tqdm's monitor thread, which outlives the bar;
    it only refreshes bars that print rarely. Without it the process keeps a single thread,
    so a comparison's report can draw half its figures in a forked copy of the process
    (:func:`simulation.reports.compare.write_report`), which is safe only then."""
    return _bar_class()(**options)


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    days: int | None = None,
    progress: bool = False,
) -> tuple[QuartierModel, float]:
    """Build and run a model; returns it and the wall time in seconds."""
    from .model import QuartierModel

    days = scenario.days if days is None else days
    start = time.perf_counter()
    model = QuartierModel(scenario, seed=seed)
    with progress_bar(total=days, unit="day", disable=not progress, desc="simulating", leave=False) as bar:
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
