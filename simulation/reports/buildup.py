"""Building a system over time, for decision makers (issue 12, point 6): the part of a
comparison report that shows paths of building a conflict-management system side by side.

For a comparison of paths (a scenario's ``[[variants]]``, e.g.
``scenarios/koko_implementation.toml``) it shows:

* the **build-up timeline** under the feud curve: trained share of staff, the structures'
  build-up (mean strength, 1 = full), and when external advisers were engaged;
* **each crisis episode's burden** per path: feud-days per 1,000 residents from the
  episode's first shock to the next episode (or the end), with the paired difference to the
  reference path and to the last path (the finished system, the upper bound) — so "does an
  early crisis meet a half-built system" and "does the effect last" are read off one table;
* the **cost** of each path: staff hours (at ``administration.staff_hour_cost_eur``) plus the
  advisers' fees (``advisers.cost_per_day_eur``), and the day the structures were fully built.

Shocks less than :data:`EPISODE_GAP_DAYS` apart belong to one episode.
"""

from __future__ import annotations

import base64
import html
import io
import math

import numpy as np
import pandas as pd

from ..scenario import Scenario, setting
from ..stats import mean_ci, paired_differences, t_quantile
from .i18n import localized, number, shock_label, tr

__all__ = ["path_colours", "EPISODE_GAP_DAYS", "EPISODE_DAYS", "episodes", "episode_burdens", "path_table", "buildup_figure", "buildup_html", "path_label"]

#: Shocks closer than this belong to one crisis episode (a decision and the brawl that
#: follows it). No source; argued as about the time a local conflict takes to calm down
#: (days to de-escalation in the flagship are 30 to 90).
EPISODE_GAP_DAYS = 120

#: Days from an episode's first shock that count toward its burden (or fewer, up to the next
#: episode). No source; argued as half a year: long enough for a town to calm down after a
#: shock (30 to 90 days in the flagship), short enough that a system finished months later
#: does not blur what the crisis met.
EPISODE_DAYS = 180

#: Fixed colours of the presets; other settings and paths take the palette in turn.
PRESET_COLOURS = {"none": "#6b6b6b", "reactive": "#e08214", "koko": "#1a9850", "custom": "#2166ac"}
_PALETTE = ["#2166ac", "#762a83", "#b2182b", "#35978f", "#8c510a"]


def path_colours(names: list[str]) -> dict[str, str]:
    """One colour per setting or path, the same in every figure of a report."""
    palette = iter(_PALETTE * (1 + len(names) // len(_PALETTE)))
    return {name: PRESET_COLOURS.get(name) or next(palette) for name in names}


def path_label(scenario: Scenario, name: str, lang: str) -> str:
    """The path's name in ``lang`` (a variant's label, else the structure setting in words)."""
    from .i18n import structure_label

    variant = next((v for v in scenario.variants if v.name == name), None)
    return localized(variant, "label", lang) if variant is not None else structure_label(name, lang)


def episodes(scenario: Scenario) -> list[tuple[int, int]]:
    """(first day, last day) of each crisis episode: shocks grouped when less than
    :data:`EPISODE_GAP_DAYS` apart; an episode lasts :data:`EPISODE_DAYS` days, or until the
    day before the next one, or the end of the run.

    >>> from simulation.scenario import load_scenario
    >>> episodes(load_scenario("scenarios/koko_implementation.toml"))
    [(100, 279), (800, 979)]
    """
    days = sorted({s.day for s in scenario.shocks if s.day <= scenario.days})
    starts = [d for k, d in enumerate(days) if k == 0 or d - days[k - 1] >= EPISODE_GAP_DAYS]
    ends = [s - 1 for s in starts[1:]] + [scenario.days]
    return [(start, min(end, start + EPISODE_DAYS - 1)) for start, end in zip(starts, ends)]


def episode_burdens(daily: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Feud-days per 1,000 residents of each episode, one row per run (structure,
    replication) and one column ``episode_<k>`` per episode (k from 1)."""
    rows = []
    spans = episodes(scenario)
    for (name, rep), run in daily.groupby(["structure", "replication"], sort=False):
        feuds = run.set_index("day")["feuds_per_1000"]
        row = {"structure": name, "replication": rep}
        for k, (start, end) in enumerate(spans, 1):
            row[f"episode_{k}"] = float(feuds.loc[start:end].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def path_table(cmp) -> pd.DataFrame:
    """One row per path and figure: mean and 95 % CI, paired difference to the reference
    (the first path) and to the upper bound (the last path)."""
    burdens = episode_burdens(cmp.daily, cmp.scenario)
    runs = cmp.runs.merge(burdens, on=["structure", "replication"])
    figures = [c for c in burdens.columns if c.startswith("episode_")]
    figures += ["cost_eur", "adviser_cost_eur", "staff_hours", "days_to_full_strength", "final_trained_share"]
    first, last = cmp.structures[0], cmp.structures[-1]
    rows = []
    for figure in figures:
        by = {name: runs[runs["structure"] == name].set_index("replication")[figure] for name in cmp.structures}
        for name in cmp.structures:
            mean, low, high, n = mean_ci(by[name].to_numpy())
            row = {"figure": figure, "structure": name, "mean": mean, "ci_low": low, "ci_high": high, "n": n}
            for tag, ref in (("first", first), ("last", last)):
                if name == ref:
                    row.update({f"diff_{tag}": math.nan, f"diff_{tag}_low": math.nan, f"diff_{tag}_high": math.nan})
                    continue
                d_mean, d_low, d_high, _ = mean_ci(paired_differences(by[name], by[ref]))
                row.update({f"diff_{tag}": d_mean, f"diff_{tag}_low": d_low, f"diff_{tag}_high": d_high})
            rows.append(row)
    return pd.DataFrame(rows)


def buildup_figure(cmp, lang: str):
    """Feuds per 1,000 with 95 % bands (top) and, under it on the same days, the build-up
    timeline of each path: trained share, structures' strength, advisers engaged."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = cmp.daily[cmp.daily["day"] >= 1]
    fig, axes = plt.subplots(4, 1, figsize=(11, 10), sharex=True, layout="constrained",
                             gridspec_kw={"height_ratios": [3, 1.2, 1.2, 0.8]})
    t = t_quantile(cmp.replications)
    colours = path_colours(cmp.structures)
    marked = set()
    for k, name in enumerate(cmp.structures):
        colour = colours[name]
        part = frame[frame["structure"] == name].groupby("day")
        mean, sd = part["feuds_per_1000"].mean(), part["feuds_per_1000"].std(ddof=1).fillna(0.0)
        half = t * sd / math.sqrt(cmp.replications)
        axes[0].plot(mean.index, mean.to_numpy(), color=colour, lw=1.8, label=path_label(cmp.scenario, name, lang))
        axes[0].fill_between(mean.index, np.maximum((mean - half).to_numpy(), 0), (mean + half).to_numpy(),
                             color=colour, alpha=0.18, lw=0)
        axes[1].plot(mean.index, part["trained_share"].mean().to_numpy(), color=colour, lw=1.8)
        axes[2].plot(mean.index, part["structure_strength"].mean().to_numpy(), color=colour, lw=1.8)
        engaged = part["adviser_days"].mean().to_numpy() > 0
        axes[3].fill_between(mean.index, k, k + 0.8, where=engaged, color=colour, lw=0, step="mid")
        for change in setting(cmp.scenario, name).changes:  # the path's own set-up days, marked
            axes[2].axvline(change.day, color=colour, ls=":", lw=1.5)
            label = localized(change, "label", lang)
            if label and (change.day, label) not in marked:  # paths that share a change: one label
                marked.add((change.day, label))
                axes[2].annotate(label, (change.day, 1.0), xytext=(3, -10 - 11 * len(marked)), textcoords="offset points",
                                 fontsize=9)
    for shock in cmp.scenario.shocks:
        for ax in axes:
            ax.axvline(shock.day, color="black", ls="--", lw=0.8)
        axes[0].annotate(shock_label(shock.kind, lang), (shock.day, 1), xycoords=("data", "axes fraction"),
                         xytext=(3, -4), textcoords="offset points", rotation=90, va="top", fontsize=10)
    axes[0].set_ylim(bottom=0)
    axes[0].set_title(tr("feuds_per_1000", lang), fontsize=15)
    axes[0].legend(fontsize=11, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, frameon=False)
    axes[1].set_ylabel(tr("buildup.trained", lang), fontsize=11)
    axes[1].set_ylim(0, 1)
    axes[2].set_ylabel(tr("buildup.strength", lang), fontsize=11)
    axes[2].set_ylim(0, 1.05)
    axes[3].set_ylabel(tr("buildup.advisers", lang), fontsize=11)
    axes[3].set_yticks([])
    axes[3].set_ylim(0, max(len(cmp.structures), 1))
    axes[3].set_xlabel(tr("day", lang), fontsize=13)
    for ax in axes:
        ax.grid(alpha=0.3)
    return fig


def buildup_html(cmp, lang: str, out=None) -> str:
    """The report's section on building the system: figure, episodes, costs (HTML). With
    ``out``, also writes ``buildup.png`` and ``paths.csv`` there."""
    import matplotlib.pyplot as plt

    fig = buildup_figure(cmp, lang)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    png = buffer.getvalue()
    table = path_table(cmp)
    if out is not None:
        (out / "buildup.png").write_bytes(png)
        table.to_csv(out / "paths.csv", index=False)
    e = html.escape
    spans = episodes(cmp.scenario)
    names = {f"episode_{k}": tr("buildup.episode", lang, k=k, start=s, end=end) for k, (s, end) in enumerate(spans, 1)}
    digits = {"final_trained_share": 2}
    last = path_label(cmp.scenario, cmp.structures[-1], lang)
    first = path_label(cmp.scenario, cmp.structures[0], lang)
    head = "".join(f"<th>{e(path_label(cmp.scenario, s, lang))}</th>" for s in cmp.structures)
    body = []
    for figure, rows in table.groupby("figure", sort=False):
        cells = []
        for _, row in rows.iterrows():
            d = digits.get(figure, 0)
            cell = f"{number(row['mean'], lang, d)}<br><small>[{number(row['ci_low'], lang, d)}; {number(row['ci_high'], lang, d)}]</small>"
            for tag in ("first", "last"):
                if math.isfinite(row[f"diff_{tag}"]) and figure.startswith("episode_"):
                    clear = row[f"diff_{tag}_low"] > 0 or row[f"diff_{tag}_high"] < 0
                    mark = "<b>" if clear else ""
                    cell += (f"<br><small>{e(tr('buildup.vs_' + tag, lang))}: {mark}{number(row[f'diff_{tag}'], lang)} "
                             f"[{number(row[f'diff_{tag}_low'], lang)}; {number(row[f'diff_{tag}_high'], lang)}]{'</b>' if mark else ''}</small>")
            cells.append(f"<td>{cell}</td>")
        label = names.get(figure) or tr(figure, lang)
        body.append(f"<tr><th>{e(label)}</th>{''.join(cells)}</tr>")
    picture = base64.b64encode(png).decode()
    return (
        f"<h2>{e(tr('buildup.title', lang))}</h2>"
        f"<p>{e(tr('buildup.intro', lang, first=first, last=last, n=cmp.replications))}</p>"
        f"<img alt='{e(tr('buildup.title', lang))}' src='data:image/png;base64,{picture}' style='max-width:100%'>"
        f"<table><tr><th></th>{head}</tr>{''.join(body)}</table>"
        f"<p><small>{e(tr('buildup.costs_note', lang, hour=number(cmp.scenario.administration.staff_hour_cost_eur, lang), day=number(cmp.scenario.advisers.cost_per_day_eur, lang)))}</small></p>"
    )
