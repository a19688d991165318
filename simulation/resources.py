"""Memory a scenario or a sweep will need, estimated before anything is allocated.

A scenario can be valid by its schema and still impossible to run: two million residents
who all know each other are two trillion ties. :func:`check_scenario` and
:func:`check_sweep` estimate the peak memory from the sizes the scenario declares and refuse
(with :class:`ResourceError`, exit code 2) what exceeds the limit: ``--max-memory``, else
the environment variable ``QUARTIER_MAX_MEMORY``, else 80 % of the machine's physical memory.

The per-item costs were measured with ``tracemalloc`` on the model (peak over building the
town and its first days): 73 bytes per tie of the generated network (tie arrays, their
states, the sparse adjacency built from them), 141 bytes per tie added by an influx (the tie
arrays are copied when they grow: 4.7 million ties after an influx of 50,000 residents with
100 ties each peaked at 665 MB), and 270 bytes per resident (state arrays and the Mesa agent
that is their public face). The estimate uses 200 bytes per tie and 400 per resident, about
1.4 times the worst measurement, for the numpy temporaries of a day that grow with the same
sizes, and adds the interpreter with its libraries (about 250 MB resident).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

from .scenario import Scenario

__all__ = ["ResourceError", "Estimate", "estimate_scenario", "check_scenario", "check_sweep", "memory_limit",
           "parse_size", "format_bytes", "MAX_COMPLETE_RESIDENTS", "DEFAULT_MAX_RUNS"]

BYTES_PER_TIE = 200
BYTES_PER_RESIDENT = 400
BYTES_PER_DAY = 2_000  # one row of the per-day table (about 60 figures) and its share of the frame
INTERPRETER_BYTES = 250 * 2**20
#: The coordinator of a sweep keeps per run: a row of the plan, of the manifest as read by
#: pandas (with the summary as JSON text), and of the summary table it gathers at the end.
BYTES_PER_SWEEP_RUN = 2_000
#: A complete network of 5,000 residents has 12.5 million ties (about 1.5 GB and minutes per
#: simulated day); the literature's complete-graph validations use 1,000.
MAX_COMPLETE_RESIDENTS = 5_000
#: Above this many runs a sweep starts only with ``--yes`` (30,720 runs of the shipped Sobol
#: experiment take about 7 core-hours; 100,000 is the size where a typo costs a day).
DEFAULT_MAX_RUNS = 100_000
ENV_MAX_MEMORY = "QUARTIER_MAX_MEMORY"


class ResourceError(ValueError):
    """A scenario or sweep would need more than allowed (message meant for users)."""


@dataclass(frozen=True)
class Estimate:
    residents: int
    ties: int
    bytes: int

    def describe(self) -> str:
        return f"{self.residents:,} residents, {self.ties:,} ties: about {format_bytes(self.bytes)}"


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1024 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit in ("B", "KB", "MB") else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def parse_size(text: str) -> int:
    """Bytes from a size like ``8G``, ``500MB``, ``2.5 GiB`` or a plain number of bytes."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)(i?b)?\s*", str(text), re.IGNORECASE)
    if not match or float(match.group(1)) <= 0:
        raise ResourceError(f"--max-memory {str(text)[:40]!r}: allowed: a size such as 8G, 500M or 2.5GB")
    factor = 1024 ** " kmgt".index(match.group(2).lower() or " ")
    return int(float(match.group(1)) * factor)


def memory_limit(max_memory: str | int | None = None) -> tuple[int, str]:
    """The limit in bytes and where it comes from."""
    if max_memory is not None:
        return (max_memory if isinstance(max_memory, int) else parse_size(max_memory)), "--max-memory"
    if os.environ.get(ENV_MAX_MEMORY):
        return parse_size(os.environ[ENV_MAX_MEMORY]), ENV_MAX_MEMORY
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - platforms without sysconf
        import psutil

        total = psutil.virtual_memory().total
    return int(0.8 * total), "80 % of this machine's memory"


def _ties(residents: int, scenario: Scenario) -> int:
    net = scenario.town.network
    if net.kind == "complete":
        return residents * (residents - 1) // 2
    return math.ceil(residents * net.mean_degree / 2)


def estimate_scenario(scenario: Scenario) -> Estimate:
    """Peak memory of one run: the town at its largest (after every influx) and its ties."""
    residents = scenario.town.residents
    ties = _ties(residents, scenario)
    for shock in scenario.shocks:
        if shock.kind == "newcomer_influx":
            residents += shock.size
            ties += math.ceil(shock.size * shock.ties_per_resident)
    total = INTERPRETER_BYTES + BYTES_PER_TIE * ties + BYTES_PER_RESIDENT * residents
    total += BYTES_PER_DAY * (scenario.days + 1)
    return Estimate(residents, ties, total)


def check_scenario(scenario: Scenario, max_memory: str | int | None = None, source: str = "scenario") -> Estimate:
    """The estimate, or :class:`ResourceError` when the scenario cannot be run here."""
    net = scenario.town.network
    if net.kind == "complete" and scenario.town.residents > MAX_COMPLETE_RESIDENTS:
        raise ResourceError(
            f"{source}: town.network.kind = 'complete' with town.residents = {scenario.town.residents:,}: "
            f"{_ties(scenario.town.residents, scenario):,} ties; allowed: at most {MAX_COMPLETE_RESIDENTS:,} residents "
            "in a complete network (use kind = 'sbm' or 'small_world' with a mean_degree for a large town)"
        )
    estimate = estimate_scenario(scenario)
    limit, origin = memory_limit(max_memory)
    if estimate.bytes > limit:
        raise ResourceError(
            f"{source}: needs {estimate.describe()}; allowed: {format_bytes(limit)} ({origin}). "
            "Use fewer residents, a smaller town.network.mean_degree or smaller influxes, or raise --max-memory"
        )
    return estimate


def check_sweep(runs: int, per_run: Estimate, workers: int, max_memory: str | int | None = None,
                max_runs: int = DEFAULT_MAX_RUNS, yes: bool = False, source: str = "experiment") -> int:
    """Bytes a sweep needs (its workers and the coordinator's bookkeeping), or
    :class:`ResourceError` when that exceeds the limit or the run count needs ``--yes``."""
    needed = workers * per_run.bytes + INTERPRETER_BYTES + BYTES_PER_SWEEP_RUN * runs
    limit, origin = memory_limit(max_memory)
    if needed > limit:
        raise ResourceError(
            f"{source}: {runs:,} runs on {workers} workers need about {format_bytes(needed)} "
            f"({format_bytes(per_run.bytes)} per worker, {format_bytes(BYTES_PER_SWEEP_RUN * runs)} to keep track of the runs); "
            f"allowed: {format_bytes(limit)} ({origin}). Use fewer samples, levels or replications, or fewer workers"
        )
    if runs > max_runs and not yes:
        raise ResourceError(
            f"{source}: {runs:,} runs; more than {max_runs:,} start only with --yes (check samples, levels and "
            "replications first)"
        )
    return needed
