"""Output folders written whole or not at all: the checks before anything is written, and
the temporary folder that replaces the target only when the output is complete.

Separate from :mod:`simulation.runs` (which imports the model) so that the ``quartier``
command can check ``--out`` before it imports the model and starts its pool.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator

from .inputs import InputError, check_name_length, describe_os_error, shorten

__all__ = ["OUTPUT_MARKER", "OutputError", "atomic_output_dir", "check_output_target", "is_quartier_output"]


class OutputError(ValueError):
    """The output folder cannot be used (message meant for users)."""


#: Written into every folder :func:`atomic_output_dir` produces; its presence is what lets
#: ``--overwrite`` replace a folder (``run.json`` marks outputs of older versions).
OUTPUT_MARKER = ".quartier-output.json"
_OLDER_MARKERS = ("run.json", "analysis.html")
#: Where the parent folder cannot be locked (see :func:`_parent_guard`), a ``.partial-*``
#: folder without a lock file is taken for debris only once it is older than this; a younger
#: one may belong to a run that is just starting.
_STALE_SECONDS = 600
#: How long a run waits for the parent folder's lock before it goes on without it. The lock is
#: held for a few renames or while debris is deleted, so a longer wait means a stuck process.
_GUARD_WAIT_SECONDS = 10.0


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


@contextmanager
def _parent_guard(parent: Path, exclusive: bool) -> Iterator[bool]:
    """Hold an OS lock on ``parent`` itself: shared while a run creates its temporary folder
    or swaps it into place, exclusive while debris is judged. Yields whether it got the lock.

    A temporary folder exists for a moment before the lock file inside it is taken, and again
    after that file is removed for the swap. Under the shared lock those moments cannot be
    mistaken for debris; a run killed inside one (SIGKILL) drops the lock with its process,
    so its folder is recognised at once. Where ``flock`` on a folder fails (some network file
    systems), nothing is locked and the age rule (:data:`_STALE_SECONDS`) decides instead.
    """
    try:
        fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        fd = None
    locked = False
    try:
        if fd is not None:
            deadline = time.monotonic() + _GUARD_WAIT_SECONDS
            while True:
                try:
                    fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                    locked = True
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.01)
                except OSError:
                    break
        yield locked
    finally:
        if fd is not None:
            os.close(fd)  # closing drops the lock


def _clean_stale_partials(parent: Path, name: str) -> None:
    """Remove ``.partial-NAME-*`` folders left by killed runs into the same place.

    A live run holds an OS lock on the ``.lock`` file inside its folder for its whole life;
    the kernel drops the lock when the process dies, however it dies (SIGKILL included), so
    a folder whose lock can be taken belongs to nobody. A folder without a lock file is
    debris when no run is creating or swapping a folder here (:func:`_parent_guard`).
    """
    with _parent_guard(parent, exclusive=True) as guarded:
        _remove_debris(parent, name, guarded)


def _remove_debris(parent: Path, name: str, guarded: bool) -> None:
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
                if guarded or time.time() - folder.stat().st_mtime > _STALE_SECONDS:
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
    work = lock = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with _parent_guard(parent, exclusive=False):
            while True:
                # Named before it exists, so that Ctrl-C or SIGTERM at any moment finds it to
                # remove (mkdtemp returns the name only after making the folder).
                work = parent / f".partial-{target.name}-{secrets.token_hex(4)}"
                try:
                    work.mkdir()  # an ordinary folder (the umask's mode), like the result
                    break
                except FileExistsError:
                    continue
            lock = (work / ".lock").open("w")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pass  # a file system without locks: debris of a killed run there is never taken for stale
    except BaseException as exc:
        if lock is not None:
            lock.close()
            shutil.rmtree(work, ignore_errors=True)  # Ctrl-C or SIGTERM while the folder was being made
        elif work is not None:
            with suppress(OSError):
                work.rmdir()  # empty if it is ours; a name taken by another run is left alone
        if isinstance(exc, OSError):
            raise OutputError(f"{label} {shown}: cannot write there ({describe_os_error(exc)})") from None
        raise
    try:
        try:
            yield work
            marker = {"written_by": f"quartier {kind}", "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            (work / OUTPUT_MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"{label} {shown}: cannot write the results ({describe_os_error(exc)}); nothing was written") from None
        with _parent_guard(parent, exclusive=False):
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
