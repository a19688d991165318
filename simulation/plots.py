"""Figures of a run's per-day metrics (matplotlib, no display needed), in English or German."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .reports.i18n import DEFAULT_LANGUAGE, localized, tr  # noqa: E402
from .scenario import Scenario  # noqa: E402

__all__ = ["summary_figure", "write_summary_figure"]


def summary_figure(frame: pd.DataFrame, scenario: Scenario, lang: str = DEFAULT_LANGUAGE):
    """Four panels: escalation, polarization, trust and grievance by group, incidents and backlog.

    Every text comes from the translation table or the scenario's own texts in ``lang``.
    """
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True, layout="constrained")
    day = frame["day"]

    def panel(ax, title_key: str, lines: list[tuple[str, str, str]]) -> None:
        for column, label_key, colour in lines:
            ax.plot(day, frame[column], label=tr(label_key, lang), color=colour)
        ax.set_title(tr(title_key, lang))

    ax = axes[0, 0]
    panel(ax, "run.escalation", [
        ("feuds_per_1000", "feuds_per_1000", "tab:red"),
    ])
    ax.legend(fontsize=8)

    ax = axes[0, 1]
    panel(ax, "run.polarization", [
        ("esteban_ray", "run.esteban_ray", "tab:purple"),
        ("bimodality", "run.bimodality", "tab:blue"),
        ("group_distance", "run.group_distance", "tab:green"),
    ])
    ax.axhline(5 / 9, color="grey", lw=0.8, ls=":", label="BC = 5/9")
    ax.legend(fontsize=8)

    ax = axes[1, 0]
    for g in scenario.town.groups:
        group = localized(g, "label", lang)
        line = ax.plot(day, frame[f"trust_{g.name}"], label=tr("run.trust_of", lang, group=group))[0]
        ax.plot(day, frame[f"grievance_{g.name}"], ls="--", color=line.get_color(),
                label=tr("run.grievance_of", lang, group=group))
    ax.set_ylim(0, 1)
    ax.set_title(tr("run.trust_grievance", lang))
    ax.set_xlabel(tr("day", lang))
    ax.legend(fontsize=8)

    ax = axes[1, 1]
    weekly = frame["incidents"].rolling(7, min_periods=1).sum()
    ax.plot(day, weekly, label=tr("run.incidents_7d", lang), color="tab:red")
    ax.plot(day, frame["reported"].rolling(7, min_periods=1).sum(), label=tr("run.reported_7d", lang),
            color="tab:orange")
    ax.plot(day, frame["backlog"], label=tr("run.backlog", lang), color="tab:grey")
    ax.set_title(tr("run.incidents_cases", lang))
    ax.set_xlabel(tr("day", lang))
    ax.legend(fontsize=8)
    fig.suptitle(localized(scenario.meta, "title", lang))
    return fig


def write_summary_figure(frame: pd.DataFrame, scenario: Scenario, path, lang: str = DEFAULT_LANGUAGE) -> None:
    """Draw :func:`summary_figure` and save it as a PNG at ``path`` (110 dpi, as ``summary.png``)."""
    fig = summary_figure(frame, scenario, lang)
    fig.savefig(path, dpi=110)
    plt.close(fig)
