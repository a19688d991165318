"""Quartier: an agent-based simulation of neighbourhood conflict dynamics.

Compare how a municipality's conflict-management structures change escalation and
polarization when a shock hits a neighbourhood. See ``docs/ODD.md`` for the model.

The names below are imported when first used (PEP 562), not with the package: the
``quartier`` command starts its fork server before it imports the model (Mesa, pandas and
the compiled kernels take about two seconds), and ``quartier --help`` or ``validate`` need
none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import QuartierModel
    from .scenario import Scenario, ScenarioError, load_scenario

__all__ = ["QuartierModel", "Scenario", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"

_HOME = {"QuartierModel": "model", "Scenario": "scenario", "ScenarioError": "scenario", "load_scenario": "scenario"}


def __getattr__(name: str):
    if name in _HOME:
        from importlib import import_module

        value = getattr(import_module(f".{_HOME[name]}", __name__), name)
        globals()[name] = value  # looked up here from now on
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
