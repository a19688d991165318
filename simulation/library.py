"""The scenario library: shipped scenarios and experiments, plus the user's own folders.

The top-level ``scenarios/`` and ``experiments/`` folders of the source tree are mapped
into the package by setuptools (``setup.py``: ``simulation/library_files/scenarios`` and
``.../experiments`` in the wheel, keeping their relative layout, so an experiment's
``scenario = "../scenarios/x.toml"`` still resolves). They are found with
:mod:`importlib.resources` after a normal install, and in the source tree in a checkout
or an editable install.

A user adds folders of their own with ``--scenarios DIR`` or the environment variable
``QUARTIER_SCENARIOS`` (several folders joined by ``os.pathsep``); their files come first,
so a user's ``baseline.toml`` is found before the shipped one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from .scenario import ScenarioError

__all__ = ["library_folder", "scenario_folders", "scenario_files", "resolve_scenario", "resolve_experiment",
           "is_shipped", "ENV_VARIABLE"]

ENV_VARIABLE = "QUARTIER_SCENARIOS"


def library_folder(kind: str = "scenarios") -> Path:
    """The folder of shipped ``scenarios`` or ``experiments``.

    Installed from a wheel, the files are package data; in a source checkout (or an editable
    install, which maps only the code) they are the top-level folders of the project.
    """
    shipped = resources.files("simulation") / "library_files" / kind
    if shipped.is_dir():
        return Path(str(shipped))  # wheels install unzipped: a real folder
    return Path(__file__).resolve().parents[1] / kind


def is_shipped(path: Path) -> bool:
    """True for a file inside the shipped library (outputs must not be written beside it)."""
    path = Path(path).resolve()
    return any(path.is_relative_to(library_folder(kind).resolve()) for kind in ("scenarios", "experiments"))


def _user_folders(extra: Iterable[str | Path] | None) -> list[Path]:
    """The user's folders; one that is not a folder is an error naming where it came from."""
    given = [("--scenarios", Path(f)) for f in (extra or [])]
    given += [(f"${ENV_VARIABLE}", Path(f)) for f in os.environ.get(ENV_VARIABLE, "").split(os.pathsep) if f]
    for origin, folder in given:
        if not folder.is_dir():
            what = "is a file" if folder.exists() else "does not exist"
            raise ScenarioError(f"{origin} {str(folder)[:80]}: {what}; allowed: a folder of scenario files (*.toml)")
    return [folder for _, folder in given]


def scenario_folders(extra: Iterable[str | Path] | None = None) -> list[Path]:
    """Folders searched for scenarios, in order: ``extra``, ``$QUARTIER_SCENARIOS``, the library."""
    return [*_user_folders(extra), library_folder("scenarios")]


def scenario_files(extra: Iterable[str | Path] | None = None) -> list[Path]:
    """Every ``*.toml`` of the searched folders (not their subfolders), a name listed once:
    the first folder that has it wins."""
    seen: dict[str, Path] = {}
    for folder in scenario_folders(extra):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                seen.setdefault(path.name, path)
    return sorted(seen.values(), key=lambda p: p.name)


def _is_file(path: Path) -> bool:
    """``path.is_file()`` that answers False, not OSError, for names the system cannot take."""
    try:
        return path.is_file()
    except OSError:
        return False


def _resolve(name_or_path: str | Path, folders: list[Path], what: str, example: str) -> Path:
    path = Path(name_or_path)
    try:
        if path.exists():
            return path
    except OSError:
        return path  # e.g. a name too long: reading it reports that
    if not path.is_absolute():
        names = [path] if path.suffix == ".toml" else [path.with_name(path.name + ".toml")]
        for folder in folders:
            for name in names:
                if _is_file(folder / name):
                    return folder / name
    if path.suffix or path.is_absolute() or path.parent != Path("."):
        return path  # meant as a path: reading it reports what is wrong with it
    shipped = sorted({p.stem for f in folders if f.is_dir() for p in f.glob("*.toml")})
    raise ScenarioError(
        f"{what} {str(name_or_path)[:80]!r}: no such file and no {what} of that name in the library; "
        f"allowed: a file path or one of {', '.join(shipped) or '(none)'} (e.g. {example})"
    )


def resolve_scenario(name_or_path: str | Path, extra: Iterable[str | Path] | None = None) -> Path:
    """A scenario file: an existing path as given, else a library name with or without
    ``.toml`` (``new_shelter``, ``validation/hk_complete``) from the searched folders."""
    return _resolve(name_or_path, scenario_folders(extra), "scenario", "new_shelter")


def resolve_experiment(name_or_path: str | Path) -> Path:
    """An experiment file: an existing path as given, else a shipped experiment by name."""
    return _resolve(name_or_path, [library_folder("experiments")], "experiment", "small_mediators_warning")
