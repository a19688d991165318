"""The installed package must contain every module and the scenario library: setuptools only
ships folders that are regular packages or declared data, and an editable install in a
developer's tree can hide a missing one."""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simulation"


def test_every_folder_of_the_package_is_a_regular_package():
    folders = {p.parent for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    missing = sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists())
    assert not missing, f"add __init__.py to {missing}"


def test_setup_maps_every_library_folder_into_the_package():
    """A new folder of scenarios must be added to setup.py's LIBRARY, or the wheel lacks it."""
    text = (ROOT / "setup.py").read_text()
    folders = [ROOT / "scenarios", ROOT / "experiments", *[p for p in (ROOT / "scenarios").rglob("*") if p.is_dir()]]
    unmapped = [str(f.relative_to(ROOT)) for f in folders if f'"{f.relative_to(ROOT).as_posix()}"' not in text]
    assert not unmapped, f"map {unmapped} in setup.py"


def _copy_source(dest: Path) -> Path:
    """The project without build debris (a stale build/ folder would ship deleted modules)
    or outputs; names are skipped only at the top, where they are outputs, not packages."""
    top = {".venv", "build", "dist", ".git", ".pytest_cache", ".hypothesis", "runs", "reports", "results",
           "notebooks", "docs", "benchmarks"}

    def ignore(folder, names):
        skip = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
        return skip | (top & set(names) if Path(folder) == ROOT else set())

    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


@pytest.mark.slow
def test_wheel_installed_elsewhere_finds_the_library_from_an_empty_folder(tmp_path):
    """Build a wheel, install it without dependencies into a fresh venv that borrows this
    environment's installed dependencies (a plain path line in a .pth file: no network and
    no editable finder of the checkout), then use the shipped library from an empty folder."""
    source = _copy_source(tmp_path / "src")
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("quartier-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "QUARTIER_SCENARIOS")}
    quartier = venv / "bin" / "quartier"

    where = subprocess.run([str(python), "-c", "import simulation; print(simulation.__file__)"], cwd=empty, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert str(venv) in where, where  # the wheel, not the checkout

    listed = subprocess.run([str(quartier), "scenarios"], cwd=empty, env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    shipped = sorted(p.name for p in (ROOT / "scenarios").glob("*.toml"))
    assert [line.split()[0] for line in listed.stdout.splitlines() if line.strip()] == shipped

    ran = subprocess.run([str(quartier), "run", "new_shelter", "--days", "5"], cwd=empty, env=env,
                         capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert (empty / "runs" / "new_shelter" / "model.parquet").is_file()
    assert sorted(p.name for p in empty.iterdir()) == ["runs"]  # nothing else written into the folder

    # A shipped experiment resolves by name with its scenario (the relative layout survives
    # in the wheel); --max-runs stops it before anything runs.
    swept = subprocess.run([str(quartier), "sweep", "small_mediators_warning", "--max-runs", "10"], cwd=empty,
                           env=env, capture_output=True, text=True)
    assert swept.returncode == 2 and "65 runs; more than 10 start only with --yes" in swept.stderr, swept.stderr
    assert str(venv) in swept.stderr  # the experiment file inside the installed package
