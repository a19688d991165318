"""Packaging beyond what pyproject.toml can say: the scenario library as package data.

The top-level ``scenarios/`` and ``experiments/`` folders stay where users and the README
expect them; ``package_dir`` maps them into the wheel as ``simulation/library_files/...``
(their relative layout kept, so ``scenario = "../scenarios/x.toml"`` in an experiment still
resolves), where :mod:`simulation.library` finds them through ``importlib.resources``.
A mapping, not copies or symlinks: nothing to keep in sync, and it works on every platform.
Code packages are still discovered, so a new subpackage needs no edit here.
"""

from setuptools import find_packages, setup

LIBRARY = {
    "simulation.library_files.scenarios": "scenarios",
    "simulation.library_files.scenarios.validation": "scenarios/validation",
    "simulation.library_files.experiments": "experiments",
}

setup(
    packages=find_packages(include=["simulation", "simulation.*"]) + list(LIBRARY),
    package_dir=LIBRARY,
    package_data={name: ["*.toml"] for name in LIBRARY},
)
