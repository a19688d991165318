"""``quartier compare``: structure settings side by side under one scenario's shocks.

Every setting runs with the same replication seeds (common random numbers) on the shared
runner (:mod:`simulation.experiments.runner`). The report has curves with 95 % bands of the mean and
the 10–90 % spread of single towns, a table of shock-response figures with confidence
intervals and paired differences to a reference setting, and the story of one run (the event
log of the first replication under each setting), as PNG files, one self-contained HTML file
and CSV.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..indicators import report_curves
from ..summaries import TABLE
from ..events import Event, events_frame
from ..experiments.runner import RunSpec, execute_keeping_events, replication_seeds, run_many
from ..runs import provenance, write_parquet
from ..scenario import Scenario, setting
from ..stats import mean_ci, paired_differences, t_quantile
from .buildup import buildup_html, path_colours, path_label, path_table
from .i18n import localized, shock_label, structure_label, tr
from .story import story_lines

__all__ = ["Comparison", "run_comparison", "write_report", "summary_table", "curve_figure", "TABLE_FIGURES",
           "spread_band", "story_html", "story_frame"]

# Shown in the table, in this order; escalation figures are shown in % of the maximum.
TABLE_FIGURES = list(TABLE)  # from simulation.summaries
_PERCENT: dict[str, float] = {}  # figures shown in % of their value (none since feuds are counts)
CURVES = report_curves()  # from simulation.indicators
_FROM_ZERO = {"feuds_per_1000", "incidents_week"}  # counts: their axis starts at 0


@dataclass
class Comparison:
    scenario: Scenario
    structures: list[str]
    seeds: list[int]
    daily: pd.DataFrame  # one row per structure, replication and day
    runs: pd.DataFrame  # one row per structure and replication
    # The event log of one run per structure (replication STORY_REPLICATION: the same town
    # under every setting), for the report's "story of one run".
    stories: dict[str, list[Event]] = field(default_factory=dict)

    @property
    def replications(self) -> int:
        return len(self.seeds)

    @property
    def reference(self) -> str:
        return "none" if "none" in self.structures else self.structures[0]


def run_comparison(
    scenario: Scenario,
    structures: list[str],
    replications: int,
    workers: int | None = None,
    progress: bool | None = None,
    executor=None,
) -> Comparison:
    """Run every structure setting with the same ``replications`` seeds."""
    seeds = replication_seeds(scenario.seed, replications)
    variants = {name: setting(scenario, name).model_dump(mode="json") for name in structures}
    specs = [
        RunSpec(k, variants[name], seed, {"structure": name, "replication": r})
        for k, (name, (r, seed)) in enumerate((n, rs) for n in structures for rs in enumerate(seeds))
    ]
    frames, rows, stories = [], [], {}
    task = partial(execute_keeping_events, replication=STORY_REPLICATION)
    for result, events in run_many(specs, workers=workers, progress=progress, executor=executor,
                                   description="compare", task=task):
        if events is not None:
            stories[result.spec.labels["structure"]] = events
        labels = {**result.spec.labels, "seed": result.spec.seed}
        frames.append(result.frame.assign(**labels))
        rows.append({**labels, **result.summary})
    order = {name: i for i, name in enumerate(structures)}
    daily = pd.concat(frames, ignore_index=True)
    daily = daily.sort_values(["structure", "replication", "day"], key=lambda c: c.map(order) if c.name == "structure" else c)
    runs = pd.DataFrame(rows).sort_values(["structure", "replication"], key=lambda c: c.map(order) if c.name == "structure" else c)
    return Comparison(scenario, structures, seeds, daily.reset_index(drop=True), runs.reset_index(drop=True),
                      {name: stories[name] for name in structures if name in stories})


#: The replication whose event log the report tells (the first: the same town in every setting).
STORY_REPLICATION = 0


def summary_table(cmp: Comparison) -> pd.DataFrame:
    """Long table: figure, structure, mean and CI, and the paired difference to the reference."""
    rows = []
    ref = cmp.runs[cmp.runs["structure"] == cmp.reference].set_index("replication")
    for figure in TABLE_FIGURES:
        scale = _PERCENT.get(figure, 1.0)
        for name in cmp.structures:
            mine = cmp.runs[cmp.runs["structure"] == name].set_index("replication")
            mean, low, high, n = mean_ci(mine[figure].to_numpy() * scale)
            low = max(low, 0.0) if math.isfinite(low) else low  # every figure here is non-negative
            diff = paired_differences(mine[figure], ref[figure]) * scale
            d_mean, d_low, d_high, d_n = mean_ci(diff) if name != cmp.reference else (math.nan,) * 3 + (0,)
            rows.append(
                {
                    "figure": figure,
                    "structure": name,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "n": n,
                    "reference": cmp.reference,
                    "diff_mean": d_mean,
                    "diff_ci_low": d_low,
                    "diff_ci_high": d_high,
                    "diff_n": d_n,
                }
            )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------


def _curve_values(daily: pd.DataFrame, curve: str) -> pd.Series:
    if curve == "incidents_week":
        # A 7-day average scaled to a week, so the first days are not a partial sum.
        return 7.0 * daily.groupby(["structure", "replication"], sort=False)["incidents"].transform(
            lambda s: s.rolling(7, min_periods=1).mean()
        )
    return daily[curve]


def _shock_groups(scenario: Scenario, within_days: int = 10) -> list[tuple[int, list[str]]]:
    """Shocks grouped when they follow each other within ``within_days`` (one label each)."""
    groups: list[tuple[int, list[str]]] = []
    last = None
    for shock in sorted(scenario.shocks, key=lambda s: s.day):
        if last is not None and shock.day - last < within_days:
            groups[-1][1].append(shock.kind)
        else:
            groups.append((shock.day, [shock.kind]))
        last = shock.day
    return groups


#: The spread of single towns drawn next to the confidence band of the mean: these quantiles
#: of the runs on each day (issue 13, point 6).
SPREAD_QUANTILES = (0.1, 0.9)


def spread_band(values_by_day) -> tuple[pd.Series, pd.Series]:
    """Per day, the :data:`SPREAD_QUANTILES` of the runs' values (``values_by_day``: the values
    grouped by day): where single towns lie, unlike the mean's confidence band, which
    narrows with more runs while this band does not."""
    low, high = SPREAD_QUANTILES
    return values_by_day.quantile(low), values_by_day.quantile(high)


def _draw_spread(ax, values_by_day, colour: str) -> None:
    """The spread band, lighter than the mean's band, with thin edges so it reads in grey."""
    low, high = spread_band(values_by_day)
    ax.fill_between(low.index, low.to_numpy(), high.to_numpy(), color=colour, alpha=0.07, lw=0)
    for edge in (low, high):
        ax.plot(edge.index, edge.to_numpy(), color=colour, lw=0.7, alpha=0.6, ls=(0, (1, 1.5)))


def curve_figure(cmp: Comparison, curve: str, lang: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = cmp.daily[cmp.daily["day"] >= 1].copy()
    frame["value"] = _curve_values(frame, curve)
    fig, ax = plt.subplots(figsize=(11, 5.2), layout="constrained")
    n = cmp.replications
    t = t_quantile(n)
    colours = path_colours(cmp.structures)
    for name in cmp.structures:
        part = frame[frame["structure"] == name].groupby("day")["value"]
        mean, sd = part.mean(), part.std(ddof=1).fillna(0.0)
        colour = colours[name]
        ax.plot(mean.index, mean.to_numpy(), color=colour, lw=2.2, label=path_label(cmp.scenario, name, lang))
        half = t * sd / math.sqrt(n)
        # Every curve here is non-negative; a band below 0 would only be the normal approximation.
        low = np.maximum((mean - half).to_numpy(), 0.0)
        ax.fill_between(mean.index, low, (mean + half).to_numpy(), color=colour, alpha=0.2, lw=0)
        _draw_spread(ax, part, colour)
    if curve in _FROM_ZERO:
        ax.set_ylim(bottom=0.0)
    else:  # a level that is never near 0 (polarization, trust): zoom to the data, leave room for labels
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + 0.35 * (high - low))
    top = ax.get_ylim()[1]
    for day, kinds in _shock_groups(cmp.scenario):
        ax.annotate(" / ".join(shock_label(k, lang) for k in kinds), (day, top), xytext=(4, -8),
                    textcoords="offset points", rotation=90, va="top", fontsize=11,
                    bbox={"facecolor": "white", "alpha": 0.6, "lw": 0, "pad": 1})
    for shock in cmp.scenario.shocks:
        ax.axvline(shock.day, color="black", ls="--", lw=1)
    for change in cmp.scenario.changes:  # the town's own changes (a path's are in the build-up figure)
        ax.axvline(change.day, color="#555555", ls=":", lw=1.3)
        label = localized(change, "label", lang) or tr("change_mark", lang)
        ax.annotate(label, (change.day, 0), xycoords=("data", "axes fraction"), xytext=(3, 4),
                    textcoords="offset points", rotation=90, va="bottom", fontsize=10, color="#555555")
    ax.set_title(tr(curve, lang), fontsize=17)
    ax.set_xlabel(tr("day", lang), fontsize=14)
    ax.tick_params(labelsize=12)
    ax.grid(alpha=0.3)
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(facecolor="#6b6b6b", alpha=0.15, edgecolor="#6b6b6b", ls=":", lw=0.7))
    labels.append(tr("spread_legend", lang))
    # Long path names (a scenario's variants) go two to a row, so the legend fits the width.
    ncol = len(labels) if sum(len(label) for label in labels) < 110 else 2
    ax.legend(handles, labels, fontsize=13, loc="upper center", bbox_to_anchor=(0.5, -0.13),
              ncol=ncol, frameon=False)
    return fig


# ----------------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------------


def _fmt(value: float, figure: str, lang: str = "en") -> str:
    """A figure as the report's language writes numbers (German: 1.234,5)."""
    if not math.isfinite(value):
        return "–"
    if figure in ("peak_day", "days_to_deescalation", "incidents", "staff_hours", "excess_burden", "cases_lost"):
        text = f"{round(value):,}"  # round() gives an int, so -0.3 shows as 0, not -0
    elif figure in ("peak_feuds",):
        text = f"{value:,.1f}"
    else:
        text = f"{value:.3f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "de" else text


def _cell(mean: float, low: float, high: float, figure: str, lang: str = "en") -> str:
    if not math.isfinite(mean):
        return "–"
    if not math.isfinite(low):
        return _fmt(mean, figure, lang)
    return f"{_fmt(mean, figure, lang)} <span class='ci'>[{_fmt(low, figure, lang)}; {_fmt(high, figure, lang)}]</span>"


def _table_html(table: pd.DataFrame, structures: list[str], lang: str, cell, scenario: Scenario) -> str:
    """A table with one row per figure and one column per structure; ``cell(row, figure)``
    renders the ``<td>`` of one row of :func:`summary_table`."""
    e = html.escape
    head = "".join(f"<th>{e(path_label(scenario, s, lang))}</th>" for s in structures)
    body = []
    for figure in TABLE_FIGURES:
        cells = []
        for s in structures:
            row = table[(table["figure"] == figure) & (table["structure"] == s)].iloc[0]
            cells.append(cell(row, figure))
        body.append(f"<tr><th>{e(tr(figure, lang))}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>{e(tr('figure', lang))}</th>{head}</tr>{''.join(body)}</table>"


def _html(cmp: Comparison, table: pd.DataFrame, images: dict[str, bytes], lang: str) -> str:
    sc = cmp.scenario
    title = localized(sc.meta, "title", lang)
    description = localized(sc.meta, "description", lang)
    n = cmp.replications
    e = html.escape

    def level(row, figure: str) -> str:
        cell = _cell(row["mean"], row["ci_low"], row["ci_high"], figure, lang)
        if figure == "days_to_deescalation":
            note = tr("recovered", lang, k=int(row["n"]), n=n) if row["n"] else tr("never_recovered", lang)
            cell += f"<div class='note'>{e(note)}</div>"
        return f"<td>{cell}</td>"

    def difference(row, figure: str) -> str:
        cell = _cell(row["diff_mean"], row["diff_ci_low"], row["diff_ci_high"], figure, lang)
        clear = math.isfinite(row["diff_ci_low"]) and (row["diff_ci_low"] > 0 or row["diff_ci_high"] < 0)
        return f"<td class='{'clear' if clear else ''}'>{cell}</td>"

    others = [s for s in cmp.structures if s != cmp.reference]
    levels = _table_html(table, cmp.structures, lang, level, cmp.scenario)
    differences = _table_html(table, others, lang, difference, cmp.scenario)
    shocks = "".join(
        f"<li><b>{e(tr('on_day', lang, day=s.day))}</b>: {e(shock_label(s.kind, lang))}"
        f"{' – ' + e(s.district) if s.district else ''}</li>"
        for s in sorted(sc.shocks, key=lambda s: s.day)
    )
    pictures = "".join(
        f"<figure><img alt='{e(tr(c, lang))}' src='data:image/png;base64,{base64.b64encode(images[c]).decode()}'></figure>"
        for c in CURVES
    )
    ref_label = path_label(cmp.scenario, cmp.reference, lang)
    buildup = buildup_html(cmp, lang) if cmp.scenario.variants else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(tr('report_title', lang))}: {e(title)}</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; font-size: 20px; line-height: 1.45; margin: 2em auto; max-width: 1250px; color: #111; }}
h1 {{ font-size: 2em; margin-bottom: 0.2em; }} h2 {{ font-size: 1.45em; margin-top: 1.6em; border-bottom: 2px solid #ccc; }}
.sub {{ color: #444; font-size: 1.15em; }}
table {{ border-collapse: collapse; width: 100%; margin: 0.6em 0; }}
th, td {{ border: 1px solid #bbb; padding: 0.45em 0.6em; text-align: right; vertical-align: top; }}
th {{ background: #f0f0f0; }} tr th:first-child {{ text-align: left; }}
.ci {{ color: #555; font-size: 0.8em; white-space: nowrap; }} .note {{ color: #555; font-size: 0.75em; }}
td.clear {{ background: #deebf7; font-weight: bold; }}
figure {{ margin: 1em 0; }} .trainers {{ background: #f6f6f6; padding: 0.5em 0.8em; border-left: 4px solid #999; }}
.story {{ display: flex; flex-wrap: wrap; gap: 1.5em; }} .story div {{ flex: 1 1 28em; }} .story li {{ font-size: 0.85em; }} img {{ width: 100%; border: 1px solid #ddd; }}
</style></head><body>
<h1>{e(title)}</h1>
<p class="sub">{e(tr('report_title', lang))}</p>
<p>{e(description)}</p>
<h2>{e(tr('shocks_heading', lang))}</h2><ul>{shocks}</ul>
<h2>{e(tr('results', lang))}</h2>
<p>{e(tr('table_intro', lang, n=n))}</p>
{levels}
<h2>{e(tr('difference_to', lang))} „{e(ref_label)}“</h2>
<p>{e(tr('diff_intro', lang, ref=ref_label))}</p>
{differences}
{buildup}
<p>{e(tr('mean_band', lang, n=n))} {e(tr('spread_band', lang, n=n))}</p>
<p class="trainers">{e(tr('spread_for_trainers', lang))}</p>
{pictures}
{story_html(cmp, lang)}
<h2>{e(tr('how_to_read', lang))}</h2><p>{e(tr('how_to_read_text', lang))}</p>
<h2>{e(tr('settings', lang))}</h2>
<p>{e(tr('settings_text', lang, residents=f"{sc.town.residents:,}", days=sc.days, n=n, seed=sc.seed, version=__version__))}</p>
</body></html>
"""


def story_html(cmp: Comparison, lang: str, limit: int = 12) -> str:
    """The report's "story of one run": the most telling lines of the story replication's
    event log, one column per setting ("" when the comparison kept no log)."""
    if not cmp.stories:
        return ""
    e = html.escape
    districts = list(cmp.scenario.town.districts)
    columns = "".join(
        f"<div><h3>{e(path_label(cmp.scenario, name, lang))}</h3><ul>"
        + "".join(f"<li>{e(line)}</li>" for line in story_lines(events, lang, districts, limit))
        + "</ul></div>"
        for name, events in cmp.stories.items()
    )
    intro = tr("story_intro", lang, n=cmp.replications, seed=cmp.seeds[STORY_REPLICATION])
    return f"<h2>{e(tr('story_heading', lang))}</h2><p>{e(intro)}</p><div class='story'>{columns}</div>"


def story_frame(cmp: Comparison, lang: str) -> pd.DataFrame:
    """Every line of the story replication's logs, one row an event, with a ``structure`` column."""
    districts = list(cmp.scenario.town.districts)
    frames = [events_frame(events, lang, districts).assign(structure=name) for name, events in cmp.stories.items()]
    columns = ["structure", "day", "kind", "district", "value", "detail", "text"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _draw_curves(cmp: Comparison, curves: list[str], out: Path, lang: str) -> None:
    """Each curve of ``curves`` as ``out/<curve>.png``."""
    import matplotlib.pyplot as plt

    for curve in curves:
        fig = curve_figure(cmp, curve, lang)
        fig.savefig(out / f"{curve}.png", dpi=100)
        plt.close(fig)


def _may_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


@contextmanager
def _drawing_aside(cmp: Comparison, curves: list[str], out: Path, lang: str):
    """Draw ``curves`` in a forked copy of this process while the caller draws the others;
    yields whether it does. On leaving, waits for the copy, and draws here whatever it did
    not finish (so a failed copy costs time, never a figure).

    Why: the figures take about 2 s of one core after the runs, while the pool's cores sit
    idle. A fork shares the comparison and matplotlib with this process for free (a spawned
    process would import matplotlib and receive the daily table). It is used only where it
    is safe: with ``os.fork`` and no other Python thread running (the dashboard's server, a
    Dask client or a progress bar's monitor keep threads; there the figures are drawn here,
    one after the other). Each figure's PNG is the same bytes whichever process draws it.
    """
    if not curves or not _may_fork():
        yield False
        return
    # Ctrl-C and SIGTERM are held until the copy has dropped this process's handlers
    # (which would clean up the output folder from inside the copy).
    held = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the copy; its work is checked by its files
            code = 1
            try:
                for number in held:
                    signal.signal(number, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, held)
                _draw_curves(cmp, curves, out, lang)
                code = 0
            finally:
                os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)
    status = None
    try:
        yield True
        status = os.waitpid(pid, 0)[1]
    finally:
        if status is None:  # interrupted here: the copy must not outlive the call
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    if status != 0:
        _draw_curves(cmp, curves, out, lang)


def write_report(cmp: Comparison, out: Path, lang: str, source: str | None = None) -> None:
    """Write PNGs, report.html, table.csv, runs.csv, story.csv, daily.parquet and run.json into ``out``."""
    table = summary_table(cmp)
    with _drawing_aside(cmp, CURVES[1::2], out, lang) as aside:
        _draw_curves(cmp, CURVES[::2] if aside else CURVES, out, lang)
        table.to_csv(out / "table.csv", index=False)
        if cmp.scenario.variants:
            path_table(cmp).to_csv(out / "paths.csv", index=False)
        cmp.runs.to_csv(out / "runs.csv", index=False)
        story_frame(cmp, lang).to_csv(out / "story.csv", index=False)
        write_parquet(cmp.daily, out / "daily.parquet")
        record = {
            "scenario_file": source,
            "structures": cmp.structures,
            "replications": cmp.replications,
            "seeds": cmp.seeds,
            "story_replication": STORY_REPLICATION,
            "language": lang,
            "scenario": cmp.scenario.model_dump(mode="json"),
            **provenance(),
        }
        (out / "run.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    images = {curve: (out / f"{curve}.png").read_bytes() for curve in CURVES}
    (out / "report.html").write_text(_html(cmp, table, images, lang), encoding="utf-8")
