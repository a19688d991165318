"""Figures of a run's per-day metrics (matplotlib, no display needed)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .scenario import Scenario  # noqa: E402

__all__ = ["summary_figure"]


def summary_figure(frame: pd.DataFrame, scenario: Scenario):
    """Four panels: escalation, polarization, trust and grievance by group, incidents and backlog."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True, layout="constrained")
    day = frame["day"]
    ax = axes[0, 0]
    ax.plot(day, frame["escalation_index"], label="escalation index", color="tab:red")
    ax.plot(day, frame["hostile_share"], label="hostile ties (share)", color="tab:orange")
    ax.plot(day, frame["stage4_share"], label="ties at Glasl stage ≥ 4", color="tab:brown")
    ax.set_title("Escalation")
    ax.legend(fontsize=8)

    ax = axes[0, 1]
    ax.plot(day, frame["esteban_ray"], label="Esteban–Ray", color="tab:purple")
    ax.plot(day, frame["bimodality"], label="bimodality coefficient", color="tab:blue")
    ax.plot(day, frame["group_distance"], label="distance of group means", color="tab:green")
    ax.axhline(5 / 9, color="grey", lw=0.8, ls=":", label="BC = 5/9")
    ax.set_title("Polarization")
    ax.legend(fontsize=8)

    ax = axes[1, 0]
    for g in scenario.town.groups:
        line = ax.plot(day, frame[f"trust_{g.name}"], label=f"trust: {g.label_en}")[0]
        ax.plot(day, frame[f"grievance_{g.name}"], ls="--", color=line.get_color(), label=f"grievance: {g.label_en}")
    ax.set_ylim(0, 1)
    ax.set_title("Trust and grievance by group")
    ax.set_xlabel("day")
    ax.legend(fontsize=8)

    ax = axes[1, 1]
    weekly = frame["incidents"].rolling(7, min_periods=1).sum()
    ax.plot(day, weekly, label="incidents, last 7 days", color="tab:red")
    ax.plot(day, frame["reported"].rolling(7, min_periods=1).sum(), label="reported, last 7 days", color="tab:orange")
    ax.plot(day, frame["backlog"], label="case backlog", color="tab:grey")
    ax.set_title("Incidents and cases")
    ax.set_xlabel("day")
    ax.legend(fontsize=8)
    fig.suptitle(scenario.meta.title_en)
    return fig
