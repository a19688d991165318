"""The installed package must contain every module: setuptools only ships folders that are
regular packages, and an editable install in a developer's tree can hide a missing one."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "simulation"


def test_every_folder_of_the_package_is_a_regular_package():
    folders = {p.parent for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts}
    missing = sorted(str(f.relative_to(ROOT.parent)) for f in folders if not (f / "__init__.py").exists())
    assert not missing, f"add __init__.py to {missing}"
