"""Running one scenario and writing its results: Parquet tables, provenance, a summary plot.

Output is written into a hidden sibling folder and renamed into place only when complete,
so an interrupted or failed run never leaves a half-written output folder behind.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Iterator

import pandas as pd

from .model import QuartierModel
from .scenario import Scenario

__all__ = ["run_scenario", "provenance", "atomic_output_dir", "write_parquet", "OutputError"]

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


@contextmanager
def atomic_output_dir(target: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target``.

    Raises :class:`OutputError` when ``target`` exists with content and ``overwrite`` is
    False, or when its parent cannot be written.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputError(f"--out {target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise OutputError(f"--out {target}: folder exists and is not empty (use --overwrite to replace it)")
    parent = target.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".partial-{target.name}-", dir=parent))
        umask = os.umask(0)
        os.umask(umask)
        work.chmod(0o777 & ~umask)  # mkdtemp makes 0700; the result should be an ordinary folder
    except OSError as exc:
        raise OutputError(f"--out {target}: cannot write there ({exc.strerror})") from None
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    os.replace(work, target)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow")


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
            model.step()
            bar.update()
    return model, time.perf_counter() - start


def write_run(model: QuartierModel, out: Path, wall_seconds: float, source: str | None = None) -> None:
    """Write model.parquet, agents.parquet, run.json and summary.png into ``out``."""
    from .plots import summary_figure

    write_parquet(model.model_frame(), out / "model.parquet")
    write_parquet(model.agents_frame(), out / "agents.parquet")
    record = {
        "scenario_file": source,
        "seed": model.seed_value,
        "days": model.steps,
        "wall_seconds": round(wall_seconds, 3),
        "scenario": model.config.model_dump(mode="json"),
        **provenance(),
    }
    (out / "run.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    fig = summary_figure(model.model_frame(), model.config)
    fig.savefig(out / "summary.png", dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
