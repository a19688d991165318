"""Quartier: an agent-based simulation of neighbourhood conflict dynamics.

Compare how a municipality's conflict-management structures change escalation and
polarization when a shock hits a neighbourhood. See ``docs/ODD.md`` for the model.
"""

from .model import QuartierModel
from .scenario import Scenario, ScenarioError, load_scenario

__all__ = ["QuartierModel", "Scenario", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"
