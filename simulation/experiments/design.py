"""Experiment files (``experiments/*.toml``) and their designs.

An experiment names a scenario, the parameters that vary (any key of the scenario schema by its
dotted path, e.g. ``structures.mediator_pool.mediators``) with a range or a list of values, a
design, replications and what to keep. Designs come from libraries, not from us:
``full_factorial`` (itertools), ``latin_hypercube`` (``scipy.stats.qmc.LatinHypercube``),
``sobol`` (Saltelli's scheme, ``SALib.sample.sobol``) and ``morris`` (``SALib.sample.morris``).

Validation happens once, here, with the same quality of messages as scenarios: every problem
names the key, the value and what is allowed; a parameter's range must lie inside the range
the scenario schema allows for that key.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import tomllib
import warnings
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from ..inputs import InputError, read_text, shorten
from ..indicators import metric_names
from ..summaries import summary_names
from ..scenario import (
    Scenario,
    ScenarioError,
    range_of,
    Section,
    apply_overrides,
    format_validation_error,
    load_scenario,
    setting,
    with_preset,
)

__all__ = ["Experiment", "Parameter", "load_experiment", "design_points", "design_size", "run_count",
           "experiment_warnings", "SUMMARY_METRICS", "ExperimentError"]

SUMMARY_METRICS = tuple(summary_names())  # every per-run figure, from simulation.summaries


class ExperimentError(ScenarioError):
    """An experiment file is not valid (message meant for users)."""


class Parameter(Section):
    # nan passed ``low >= high`` and reached int(round(nan)) as a traceback (found by tests/test_fuzz.py)
    low: float | None = Field(None, allow_inf_nan=False, description="Lower end of the range (with 'high').")
    high: float | None = Field(None, allow_inf_nan=False, description="Upper end of the range (with 'low').")
    values: list[float | int | bool | str] | None = Field(
        None, min_length=1, description="Explicit values (full_factorial only), instead of a range."
    )
    integer: bool = Field(False, description="Round sampled values to whole numbers.")

    @model_validator(mode="after")
    def _range_or_values(self) -> "Parameter":
        has_range = self.low is not None or self.high is not None
        if self.values is not None and has_range:
            raise ValueError("give either 'values' or 'low' and 'high', not both")
        if self.values is None and (self.low is None or self.high is None):
            raise ValueError("give 'low' and 'high', or 'values'")
        if self.values is None and self.low >= self.high:
            raise ValueError(f"low = {self.low} must be below high = {self.high}")
        return self


class Experiment(Section):
    scenario: str = Field(description="Scenario file, relative to the experiment file.")
    structures: str = Field(
        "custom",
        description="Structure setting applied before the parameters: none, reactive, koko, "
        "custom (as in the scenario file), e.g. none+mediator_pool, or the name of one of the "
        "scenario's [[variants]] (a path with its own changes and cohorts).",
    )
    design: Literal["full_factorial", "latin_hypercube", "sobol", "morris"] = Field(
        description="How design points are chosen."
    )
    samples: int = Field(
        16,
        ge=1,
        le=1_000_000,
        description="latin_hypercube: points; sobol: base samples N (N x (D + 2) points, a "
        "power of 2 is best); morris: trajectories (r x (D + 1) points).",
    )
    levels: int = Field(
        4, ge=2, le=100, description="morris: grid levels; full_factorial: levels of a range."
    )
    replications: int = Field(5, ge=1, le=10_000, description="Runs per design point.")
    days: int | None = Field(None, ge=1, le=36500, description="Days to simulate (default: the scenario's).")
    seed: int = Field(1, ge=0, le=2**63 - 1, description="Root of every run's seed (numpy SeedSequence).")
    common_random_numbers: bool = Field(
        True,
        description="Replication r uses the same seed at every design point, so differences "
        "between points are not differences between towns.",
    )
    reference: str | None = Field(
        "none",
        description="Also run the scenario under this structure setting once per replication, "
        "as the baseline of the cost-effectiveness view; empty string for none.",
    )
    output: str = Field(description="Output folder, relative to the experiment file.")
    daily_metrics: list[str] = Field(
        default_factory=lambda: ["feuds_per_1000", "incidents", "trust_mean", "esteban_ray", "staff_hours"],
        description="Per-day metrics kept for every run (the per-day table).",
    )
    summary_metrics: list[str] = Field(
        default_factory=lambda: list(SUMMARY_METRICS), description="Per-run figures kept (the summary table)."
    )
    parameters: dict[str, Parameter] = Field(min_length=1, description="What varies, by dotted key.")

    @model_validator(mode="after")
    def _check(self) -> "Experiment":
        if self.design != "full_factorial":
            listed = [k for k, p in self.parameters.items() if p.values is not None]
            if listed:
                raise ValueError(f"parameters.{listed[0]}: 'values' only work with design = 'full_factorial'; give low and high")
        unknown = sorted(set(self.summary_metrics) - set(SUMMARY_METRICS))
        if unknown:
            raise ValueError(f"summary_metrics: {unknown} unknown; allowed: {', '.join(SUMMARY_METRICS)}")
        return self

    @property
    def names(self) -> list[str]:
        return list(self.parameters)


def _loc(name: str) -> tuple[Any, ...]:
    """A dotted parameter name as a schema location (numbers index lists)."""
    return tuple(int(part) if part.isdigit() else part for part in name.split("."))


def _check_against_scenario(exp: Experiment, scenario: Scenario, source: str) -> None:
    """Every parameter is a scenario key and its range lies inside the schema's range."""
    try:
        base = setting(scenario, exp.structures)
    except ScenarioError as exc:
        raise ExperimentError(f"{source}: invalid experiment\n  structures = {shorten(exp.structures)}: "
                              f"{str(exc).split(': ', 1)[-1]}") from None
    problems = []
    for name, p in exp.parameters.items():
        probes = p.values if p.values is not None else [p.low, p.high]
        for value in probes:
            value = int(round(value)) if p.integer and isinstance(value, float) else value
            try:
                apply_overrides(base, {name: value})
            except ScenarioError as exc:
                detail = str(exc).splitlines()[-1].strip()
                detail = detail.removeprefix(f"{name}: ").removeprefix(f"{name} = {shorten(value)}: ")
                allowed = range_of(_loc(name))
                hint = f" (the schema allows {allowed})" if allowed and allowed not in detail else ""
                problems.append(f'  parameters."{name}" = {shorten(value)}: {detail}{hint}')
                break
    allowed_daily = set(metric_names(base))
    bad_daily = [m for m in exp.daily_metrics if m not in allowed_daily]
    if bad_daily:
        problems.append(f"  daily_metrics: {bad_daily} unknown; allowed: {', '.join(sorted(allowed_daily))}")
    if exp.reference:
        try:
            with_preset(scenario, exp.reference)
        except ScenarioError as exc:
            problems.append(f"  reference = {shorten(exp.reference)}: {str(exc).split(': ', 1)[-1]}")
    if problems:
        raise ExperimentError("\n".join([f"{source}: invalid experiment", *problems]))


def load_experiment(path: str | Path, output_dir: Path | None = None) -> tuple[Experiment, Scenario, Path, str]:
    """Read and validate an experiment file.

    Returns the experiment, its scenario (with the structure setting applied), the output
    folder (``output_dir`` if given, else the file's ``output`` relative to the file) and a
    fingerprint of the file (to refuse resuming a changed experiment).
    """
    path = Path(path)
    try:
        text = read_text(path, "experiment file")
        data = tomllib.loads(text)
    except InputError as exc:
        raise ExperimentError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise ExperimentError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as exc:
        text = format_validation_error(exc, str(path), Experiment)
        raise ExperimentError(text) from None
    scenario_path = (path.parent / exp.scenario).resolve()
    try:
        scenario = load_scenario(scenario_path)
    except ScenarioError as exc:
        raise ExperimentError(f"{path}: scenario = {shorten(exp.scenario)}: {exc}") from None
    if exp.days is not None:
        scenario = apply_overrides(scenario, {"days": exp.days})
    _check_against_scenario(exp, scenario, str(path))
    fingerprint = hashlib.sha256(text.encode() + scenario.model_dump_json().encode()).hexdigest()
    out = Path(output_dir).resolve() if output_dir is not None else (path.parent / exp.output).resolve()
    return exp, setting(scenario, exp.structures), out, fingerprint


def design_size(exp: Experiment) -> int:
    """Design points, computed from the settings alone (before any design is drawn)."""
    d = len(exp.parameters)
    if exp.design == "full_factorial":
        return math.prod(len(p.values) if p.values is not None else exp.levels for p in exp.parameters.values())
    if exp.design == "sobol":
        return exp.samples * (d + 2)
    if exp.design == "morris":
        return exp.samples * (d + 1)
    return exp.samples


def run_count(exp: Experiment) -> int:
    """Runs of a sweep: design points x replications, plus the reference runs."""
    return design_size(exp) * exp.replications + (exp.replications if exp.reference else 0)


def experiment_warnings(exp: Experiment) -> list[str]:
    """Settings that work but weaken the result."""
    found = []
    if exp.design == "sobol" and exp.samples & (exp.samples - 1):
        low = 1 << (exp.samples.bit_length() - 1)
        found.append(
            f"samples = {exp.samples}: Saltelli's Sobol design converges best with a power of 2 "
            f"(e.g. {max(low, 2)} or {low * 2}); the indices will be less accurate"
        )
    return found


def salib_problem(exp: Experiment) -> dict[str, Any]:
    return {
        "num_vars": len(exp.parameters),
        "names": exp.names,
        "bounds": [[p.low, p.high] for p in exp.parameters.values()],
    }


def design_points(exp: Experiment) -> pd.DataFrame:
    """One row per design point (index ``point``), one column per parameter, in design order.

    Sizes: full_factorial, the product of the value counts (ranges give ``levels`` values);
    latin_hypercube, ``samples``; sobol, ``samples x (D + 2)`` (first-order and total indices);
    morris, ``samples x (D + 1)``.
    """
    names = exp.names
    params = list(exp.parameters.values())
    if exp.design == "full_factorial":
        axes = [p.values if p.values is not None else np.linspace(p.low, p.high, exp.levels).tolist() for p in params]
        matrix = list(itertools.product(*axes))
        frame = pd.DataFrame(matrix, columns=names)
    else:
        problem = salib_problem(exp)
        if exp.design == "latin_hypercube":
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(exp.seed)).random(exp.samples)
            lows = np.array([p.low for p in params])
            highs = np.array([p.high for p in params])
            matrix = qmc.scale(unit, lows, highs)
        elif exp.design == "sobol":
            from SALib.sample import sobol

            with warnings.catch_warnings():  # a power-of-2 advice; experiment_warnings says it once
                warnings.simplefilter("ignore", UserWarning)
                matrix = sobol.sample(problem, exp.samples, calc_second_order=False, seed=exp.seed)
        else:
            from SALib.sample import morris

            matrix = morris.sample(problem, exp.samples, num_levels=exp.levels, seed=exp.seed)
        frame = pd.DataFrame(matrix, columns=names)
    for name, p in zip(names, params):
        if p.integer:
            frame[name] = frame[name].round().astype(np.int64)
    frame.index.name = "point"
    return frame
