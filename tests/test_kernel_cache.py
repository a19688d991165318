"""Numba's disk cache never serves a kernel compiled from other sources than today's.

Numba notices only changes of a function's own file (numba/numba#1833): a cached caller
keeps running the callee from another file it was compiled with. ``simulation.kernels``
clears its cache when any of its files changed. The test runs the package's guard on two
tiny modules of its own (a caller and a callee in different files), in fresh processes as
a user's next session would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import simulation.kernels

pytestmark = pytest.mark.slow  # three fresh processes, each importing and compiling with numba

CALLEE = """
import numba


@numba.njit(cache=True)
def value():
    return {value}
"""

CALLER = """
import numba

from .callee import value


@numba.njit(cache=True)
def twice():
    return 2.0 * value()
"""


def _twice(root: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["PYTHONPATH"] = str(root)
    out = subprocess.run(
        [sys.executable, "-c", "from kernels_copy.caller import twice; print(twice())"],
        env=env, capture_output=True, text=True, check=True, cwd=root,
    )  # fmt: skip
    return float(out.stdout)


def _cached(package: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (package / "__pycache__").glob("*.nb[ic]")}


def test_a_changed_callee_in_another_file_is_compiled_afresh_for_its_cached_caller(tmp_path):
    package = tmp_path / "kernels_copy"
    package.mkdir()
    shutil.copy(simulation.kernels.__file__, package / "__init__.py")
    (package / "callee.py").write_text(CALLEE.format(value="1.0"))
    (package / "caller.py").write_text(CALLER)

    assert _twice(tmp_path) == 2.0
    first = _cached(package)
    assert any(name.startswith("caller.") for name in first), first

    # Nothing changed: the next process loads the cache as it is (no needless compile).
    assert _twice(tmp_path) == 2.0
    assert _cached(package) == first

    # The callee changes, its caller's file does not. Without the guard numba loads the
    # caller's cached code, which still returns 2.0.
    (package / "callee.py").write_text(CALLEE.format(value="30.0"))
    assert _twice(tmp_path) == 60.0


def test_the_guard_leaves_other_files_in_the_cache_folder_alone(tmp_path):
    from simulation.kernels import STAMP, fresh_cache

    (tmp_path / "compiled.tie_views-97.py313.nbi").write_bytes(b"old")
    (tmp_path / "compiled.tie_views-97.py313.1.nbc").write_bytes(b"old")
    (tmp_path / "compiled.cpython-313.pyc").write_bytes(b"bytecode")
    (tmp_path / "elsewhere.f-1.py313.nbi").write_bytes(b"not ours")
    assert fresh_cache(tmp_path) is True
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [STAMP, "compiled.cpython-313.pyc", "elsewhere.f-1.py313.nbi"]
    )
    (tmp_path / "compiled.tie_views-97.py313.nbi").write_bytes(b"new")
    assert fresh_cache(tmp_path) is False  # the same sources: the cache stays
    assert (tmp_path / "compiled.tie_views-97.py313.nbi").exists()
