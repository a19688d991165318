"""The ablation table: does each structure matter, alone and within the full system?

From a sweep whose parameters are the ``structures.<name>.enabled`` switches (e.g.
``experiments/ablation.toml``, all 64 combinations), for each structure:

* **alone**: the runs with only that structure on, minus the runs with none, and
* **left out**: the runs with all but that structure, minus the runs with all of them,

paired by replication (the sweep runs every point with the same replication seeds), as the
mean difference with its 95 % t-interval, for the headline figures. A structure whose rows
are zero within their intervals in every figure does nothing measurable in that scenario.
"""

from __future__ import annotations

import pandas as pd

from ..stats import mean_ci
from ..summaries import SUMMARY

__all__ = ["is_ablation", "ablation_table", "ABLATION_FIGURES"]

_PREFIX, _SUFFIX = "structures.", ".enabled"
ABLATION_FIGURES = tuple(s.name for s in SUMMARY if s.table)


def _switches(design: pd.DataFrame) -> list[str]:
    return [c for c in design.columns if c.startswith(_PREFIX) and c.endswith(_SUFFIX)]


def is_ablation(design: pd.DataFrame) -> bool:
    """True when the sweep varies structure switches (and nothing else)."""
    switches = _switches(design)
    others = [c for c in design.columns if c != "point" and c not in switches]
    return bool(switches) and not others


def _point(design: pd.DataFrame, on: set[str], switches: list[str]) -> int | None:
    mask = pd.Series(True, index=design.index)
    for column in switches:
        mask &= design[column].astype(bool) == (column in on)
    rows = design.loc[mask, "point"]
    return int(rows.iloc[0]) if len(rows) else None


def ablation_table(summary: pd.DataFrame, design: pd.DataFrame, figures=ABLATION_FIGURES) -> pd.DataFrame:
    """One row per structure, comparison and figure: mean difference and 95 % interval."""
    switches = _switches(design)
    everything = set(switches)
    runs = summary[summary["point"] >= 0].set_index(["point", "replication"])
    rows = []
    for column in switches:
        name = column[len(_PREFIX) : -len(_SUFFIX)]
        for comparison, (with_, without) in {
            "alone": ({column}, set()),
            "left_out": (everything - {column}, everything),
        }.items():
            a, b = _point(design, with_, switches), _point(design, without, switches)
            if a is None or b is None:
                continue
            for figure in figures:
                if figure not in runs.columns:
                    continue
                diff = (runs.loc[a, figure] - runs.loc[b, figure]).dropna().to_numpy()
                mean, low, high, n = mean_ci(diff)
                rows.append({"structure": name, "comparison": comparison, "figure": figure,
                             "diff_mean": mean, "diff_ci_low": low, "diff_ci_high": high, "n": n,
                             "clear": bool(n > 1 and (low > 0 or high < 0))})
    return pd.DataFrame(rows)
