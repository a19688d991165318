"""The day's rules as kernels: the numpy reference (:mod:`.opinion`, :mod:`.conflict`,
:mod:`.rumour`) and their compiled versions (:mod:`.compiled`, :mod:`.day`, :mod:`.draws`,
:mod:`.measure`).

Numba caches each compiled function on disk and knows it is out of date only when the
function's *own* file changes; a function calling into another file keeps the callee it
was compiled with (numba's documented limitation, numba/numba#1833). :func:`day.whole_day`
would go on running an old :func:`compiled.befriend_candidates` after an update that
changed only ``compiled.py``: different results from the same scenario and seed, silently.
So on import this package compares a digest of all its files with the one it left beside
numba's cache, and when they differ it removes the kernels' cache files first
(:func:`fresh_cache`): every kernel is then compiled from the sources it runs with.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Written beside numba's cache files: the digest of the sources they were compiled from.
STAMP = "quartier-kernels.digest"


def source_digest() -> str:
    """Digest of every module of this package (names and bytes), and numba's and numpy's
    versions (a compiled draw follows the numpy it was compiled with, :mod:`.draws`)."""
    import numpy

    digest = hashlib.blake2b(digest_size=16)
    digest.update(numpy.__version__.encode())
    try:
        import numba

        digest.update(numba.__version__.encode())
    except ImportError:  # pragma: no cover - no numba, no cache
        pass
    for path in sorted(HERE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_folder() -> Path | None:
    """Where numba caches this package's functions (it picks the first of its locators
    that can serve the file: ``NUMBA_CACHE_DIR``, the package's ``__pycache__`` if
    writable, a user-wide folder); None without numba."""
    try:
        from numba.core import caching
    except ImportError:  # pragma: no cover - no numba, no cache
        return None
    # the class that lists them: CacheImpl in recent numba, _CacheImpl in older ones
    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    locators = getattr(impl, "_locator_classes", None)
    if not locators:  # pragma: no cover - a numba that moved its locators again: its default
        return HERE / "__pycache__"

    def probe():  # the locators read a function's first line number only
        return None

    source = str(HERE / "__init__.py")  # the folder decides; this file is always there
    for locator_class in locators:
        locator = locator_class.from_function(probe, source)
        if locator is not None:
            return Path(locator.get_cache_path())
    return None


def fresh_cache(folder: Path | None = None) -> bool:
    """Remove this package's numba cache files if they were compiled from other sources
    than today's; returns whether it removed them.

    Safe with several processes at once: removing a file makes numba compile it again,
    never load a wrong one (numba reads an index and then its data file, and treats a
    data file gone in between as not cached). What it cannot see: a process that was
    already running while the sources changed compiles from the ones it imported, and may
    save that (a developer's worry, not a user's)."""
    folder = cache_folder() if folder is None else folder
    if folder is None or not folder.is_dir():
        return False
    digest = source_digest()
    stamp = folder / STAMP
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    modules = tuple(f"{path.stem}." for path in HERE.glob("*.py"))
    for path in folder.iterdir():
        if path.suffix in (".nbi", ".nbc") and path.name.startswith(modules):
            try:
                path.unlink(missing_ok=True)
            except OSError:  # another user's file in a shared cache: numba cannot replace it either
                pass
    temporary = folder / f"{STAMP}.{os.getpid()}"
    try:
        temporary.write_text(digest)
        os.replace(temporary, stamp)
    except OSError:  # a read-only cache: numba will not write there either
        temporary.unlink(missing_ok=True)
    return True


fresh_cache()
