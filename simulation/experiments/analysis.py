"""``quartier analyze``: what a sweep says.

* **Effects**: for each varied parameter, each summary figure's mean with its 95 % confidence
  interval over the runs at each value (parameters with more than 8 distinct values are cut
  into 5 quantile bins). With several parameters varied this is the main effect, averaged
  over the others.
* **Sensitivity** (``sobol`` and ``morris`` designs): Sobol first-order and total indices
  with bootstrap confidence intervals (Saltelli 2002; Saltelli et al. 2010), or Morris μ* and
  σ (Morris 1991; Campolongo et al. 2007), computed by SALib on each point's mean over
  replications.
* **Ablation** (a sweep of ``structures.<name>.enabled`` switches, e.g.
  ``experiments/ablation.toml``): each structure alone against none, and the full system
  without it against the full system, paired by replication (:mod:`.ablation`).
* **Cost-effectiveness**: each design point's staff hours against the escalation burden it
  avoided compared with the reference runs (same replication seeds), Pareto front marked:
  the points no other point beats on both.

Writes PNGs, CSV tables and one self-contained ``analysis.html``, in English or German
(every text through :mod:`simulation.reports.i18n`; the CSV tables keep the column names).
"""

from __future__ import annotations

import base64
import html
import io
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from ..reports.i18n import DEFAULT_LANGUAGE, structure_label, tr
from ..stats import mean_ci
from .ablation import ablation_table, is_ablation
from .design import Experiment, salib_problem

__all__ = ["analyze", "effects", "sensitivity", "cost_effectiveness", "pareto_front", "AnalysisError"]

FIGURES = ["excess_burden", "incidents", "staff_hours", "final_trust"]
# Column headers of the HTML tables (the CSV files keep the column names); columns not named
# here are parameter keys, which read the same in every language.
_HEADERS = {
    "parameter": "analysis.parameter",
    "figure": "figure",
    "point": "analysis.point",
    "burden_avoided": "analysis.burden_avoided",
    "avoided_ci_low": "analysis.ci_low",
    "avoided_ci_high": "analysis.ci_high",
    "staff_hours": "staff_hours",
    "hours_ci_low": "analysis.ci_low",
    "hours_ci_high": "analysis.ci_high",
}
_SYMBOLS = {"S1_conf": "S1 ±", "ST_conf": "ST ±", "mu_star": "μ*", "mu_star_conf": "μ* ±", "sigma": "σ"}


class AnalysisError(ValueError):
    """A sweep's results cannot be analysed (message meant for users)."""


def _load(folder: Path) -> tuple[Experiment, pd.DataFrame, pd.DataFrame]:
    exp = Experiment.model_validate(tomllib.loads((folder / "experiment.toml").read_text(encoding="utf-8")))
    summary = pd.read_parquet(folder / "summary.parquet")
    design = pd.read_parquet(folder / "design.parquet")
    return exp, summary, design


def effects(summary: pd.DataFrame, parameter: str, figure: str) -> pd.DataFrame:
    """Mean and 95 % CI of ``figure`` at each value (or quantile bin) of ``parameter``."""
    runs = summary[summary["point"] >= 0]
    values = runs[parameter]
    if values.nunique() > 8:
        bins = pd.qcut(values, 5, duplicates="drop")
        key = bins.map(lambda b: b.mid).astype(float)
    else:
        key = values
    rows = []
    for value, group in runs.groupby(key, sort=True):
        mean, low, high, n = mean_ci(group[figure].to_numpy())
        rows.append({"parameter": parameter, "value": float(value), "figure": figure, "mean": mean,
                     "ci_low": low, "ci_high": high, "n": n})
    return pd.DataFrame(rows)


def point_means(summary: pd.DataFrame, figure: str, points: int) -> np.ndarray:
    """Mean of ``figure`` over replications for points 0..points-1 (nan where no run is done)."""
    means = summary[summary["point"] >= 0].groupby("point")[figure].mean()
    return means.reindex(range(points)).to_numpy()


def sensitivity(exp: Experiment, summary: pd.DataFrame, design: pd.DataFrame, figure: str) -> pd.DataFrame | None:
    """Sobol S1/ST or Morris mu*/sigma for ``figure``, with 95 % confidence intervals."""
    if exp.design not in ("sobol", "morris"):
        return None
    problem = salib_problem(exp)
    y = point_means(summary, figure, len(design))
    if not np.all(np.isfinite(y)):
        y = np.where(np.isfinite(y), y, np.nanmean(y))  # a few failed points: neutral fill
    if exp.design == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=exp.seed)
        return pd.DataFrame({
            "parameter": exp.names, "figure": figure,
            "S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"],
        })
    from SALib.analyze import morris

    x = design[exp.names].to_numpy(dtype=float)
    res = morris.analyze(problem, x, y, conf_level=0.95, num_levels=exp.levels, seed=exp.seed)
    return pd.DataFrame({
        "parameter": exp.names, "figure": figure,
        "mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"],
    })


def pareto_front(hours: np.ndarray, avoided: np.ndarray) -> np.ndarray:
    """Boolean mask of points that no other point beats on both (fewer hours, more avoided)."""
    n = hours.size
    front = np.ones(n, dtype=bool)
    for i in range(n):
        better = (hours <= hours[i]) & (avoided >= avoided[i]) & ((hours < hours[i]) | (avoided > avoided[i]))
        front[i] = not better.any()
    return front


def cost_effectiveness(exp: Experiment, summary: pd.DataFrame) -> pd.DataFrame | None:
    """Per design point: staff hours and escalation burden avoided against the reference,
    paired by replication, with 95 % CIs; and whether the point is on the Pareto front."""
    reference = summary[summary["point"] < 0].set_index("replication")["excess_burden"]
    if reference.empty:
        return None
    runs = summary[summary["point"] >= 0].copy()
    runs["burden_avoided"] = runs["replication"].map(reference) - runs["excess_burden"]
    if runs.empty:
        return None  # every design point failed: nothing to weigh against the reference
    rows = []
    for point, group in runs.groupby("point"):
        a_mean, a_low, a_high, n = mean_ci(group["burden_avoided"].to_numpy())
        h_mean, h_low, h_high, _ = mean_ci(group["staff_hours"].to_numpy())
        rows.append({"point": point, **{k: group[k].iloc[0] for k in exp.names},
                     "burden_avoided": a_mean, "avoided_ci_low": a_low, "avoided_ci_high": a_high,
                     "staff_hours": h_mean, "hours_ci_low": h_low, "hours_ci_high": h_high, "n": n})
    table = pd.DataFrame(rows)
    table["pareto"] = pareto_front(table["staff_hours"].to_numpy(), table["burden_avoided"].to_numpy())
    return table


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def _plots(exp, summary, sens, ce, lang: str) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = [f for f in FIGURES if f in summary.columns]
    pictures = {}
    fig, axes = plt.subplots(len(exp.names), len(figures), figsize=(4.2 * len(figures), 3.2 * len(exp.names)),
                             squeeze=False, layout="constrained")
    for i, name in enumerate(exp.names):
        for j, figure in enumerate(figures):
            eff = effects(summary, name, figure)
            ax = axes[i, j]
            ax.plot(eff["value"], eff["mean"], marker="o", color="#2166ac")
            ax.fill_between(eff["value"], eff["ci_low"], eff["ci_high"], color="#2166ac", alpha=0.2, lw=0)
            ax.set_xlabel(name, fontsize=9)
            if i == 0:
                ax.set_title(tr(figure, lang))
            ax.grid(alpha=0.3)
    pictures["effects"] = _png(fig)
    for figure, table in (sens or {}).items():
        fig, ax = plt.subplots(figsize=(9, 0.55 * len(exp.names) + 1.8), layout="constrained")
        y = np.arange(len(table))
        if "ST" in table:
            ax.barh(y + 0.2, table["ST"], 0.4, xerr=table["ST_conf"], label=tr("analysis.sobol_total", lang),
                    color="#b2182b")
            ax.barh(y - 0.2, table["S1"], 0.4, xerr=table["S1_conf"], label=tr("analysis.sobol_first", lang),
                    color="#2166ac")
            ax.set_xlabel(tr("analysis.sobol_index", lang))
        else:
            ax.barh(y, table["mu_star"], 0.6, xerr=table["mu_star_conf"], label="μ*", color="#2166ac")
            ax.set_xlabel(tr("analysis.morris_axis", lang))
        ax.set_yticks(y, table["parameter"], fontsize=9)
        ax.set_title(tr("analysis.sensitivity_of", lang, figure=tr(figure, lang)))
        ax.legend()
        ax.grid(alpha=0.3, axis="x")
        pictures[f"sensitivity_{figure}"] = _png(fig)
    if ce is not None:
        fig, ax = plt.subplots(figsize=(9, 6), layout="constrained")
        ax.errorbar(ce["staff_hours"], ce["burden_avoided"],
                    yerr=[ce["burden_avoided"] - ce["avoided_ci_low"], ce["avoided_ci_high"] - ce["burden_avoided"]],
                    fmt="o", color="#888888", alpha=0.7, label=tr("analysis.design_point", lang))
        front = ce[ce["pareto"]].sort_values("staff_hours")
        ax.plot(front["staff_hours"], front["burden_avoided"], "o-", color="#1a9850", lw=2,
                label=tr("analysis.pareto_front", lang))
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xlabel(tr("analysis.hours_axis", lang))
        ax.set_ylabel(tr("analysis.avoided_axis", lang))
        ax.set_title(tr("analysis.cost_effectiveness_of", lang, reference=structure_label(exp.reference, lang)))
        ax.legend()
        ax.grid(alpha=0.3)
        pictures["cost_effectiveness"] = _png(fig)
    return pictures


def analyze(folder: Path, out: Path, lang: str = DEFAULT_LANGUAGE) -> str:
    """Write the analysis of the sweep in ``folder`` into ``out`` in ``lang``; return a short
    text summary (in the same language)."""
    exp, summary, design = _load(folder)
    if not (summary["point"] >= 0).any():
        raise AnalysisError(
            f"{folder}: none of the {len(design)} design points has a finished run; analyze needs at least one "
            "(the failed runs and their errors are in manifest.sqlite, status = 'failed')"
        )
    figures = [f for f in FIGURES if f in summary.columns]
    pd.concat([effects(summary, n, f) for n in exp.names for f in figures]).to_csv(out / "effects.csv", index=False)
    sens = None
    if exp.design in ("sobol", "morris"):
        sens = {f: sensitivity(exp, summary, design, f) for f in ("excess_burden", "incidents") if f in summary}
        pd.concat(sens.values()).to_csv(out / "sensitivity.csv", index=False)
    ce = cost_effectiveness(exp, summary) if "staff_hours" in summary and "excess_burden" in summary else None
    if ce is not None:
        ce.to_csv(out / "cost_effectiveness.csv", index=False)
    ablation = ablation_table(summary, design) if is_ablation(design) else None
    if ablation is not None:
        ablation.to_csv(out / "ablation.csv", index=False)
    pictures = _plots(exp, summary, sens, ce, lang)
    for name, data in pictures.items():
        (out / f"{name}.png").write_bytes(data)
    lines = [tr("analysis.summary", lang, design=exp.design, points=len(design), replications=exp.replications,
                runs=int((summary["point"] >= 0).sum()))]
    if sens:
        table = sens["excess_burden"]
        key = "ST" if "ST" in table else "mu_star"
        for row in table.sort_values(key, ascending=False).itertuples():
            lines.append(f"  {key} {getattr(row, key):6.3f}  {row.parameter}")
    if ce is not None:
        lines.append("  " + tr("analysis.pareto_count", lang, k=int(ce["pareto"].sum()), n=len(ce)))
    if ablation is not None:
        for (name, comparison), rows in ablation.groupby(["structure", "comparison"], sort=False):
            clear = [tr(f, lang) for f in rows.loc[rows["clear"], "figure"]]
            lines.append(f"  {tr(name, lang)}, {tr('ablation.' + comparison, lang)}: "
                         + (", ".join(clear) if clear else tr("ablation.nothing", lang)))
    (out / "analysis.html").write_text(_html(folder, lines, pictures, sens, ce, lang, ablation), encoding="utf-8")
    return "\n".join(lines)


def _table_html(frame: pd.DataFrame, lang: str) -> str:
    """``frame`` as an HTML table with headers (and names of figures) in ``lang``."""
    frame = frame.drop(columns=["pareto"], errors="ignore")  # the table lists the front only
    if "figure" in frame:
        frame = frame.assign(figure=frame["figure"].map(lambda f: tr(f, lang)))
    headers = [tr(_HEADERS[c], lang) if c in _HEADERS else _SYMBOLS.get(c, c) for c in frame.columns]
    return frame.set_axis(headers, axis=1).to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0,
                                                   classes="t", na_rep="–")


def _ablation_html(table: pd.DataFrame, lang: str) -> str:
    """Rows: structure and comparison; columns: figures; cells: mean difference [95 % CI],
    bold where the interval excludes 0."""
    e = html.escape
    figures = list(dict.fromkeys(table["figure"]))
    head = "".join(f"<th>{e(tr(f, lang))}</th>" for f in figures)
    body = []
    for (name, comparison), rows in table.groupby(["structure", "comparison"], sort=False):
        cells = []
        for row in rows.set_index("figure").reindex(figures).itertuples():
            text = f"{row.diff_mean:.3g} [{row.diff_ci_low:.3g}; {row.diff_ci_high:.3g}]"
            cells.append(f"<td>{'<b>' + text + '</b>' if row.clear else text}</td>")
        body.append(f"<tr><th>{e(tr(name, lang))}</th><th>{e(tr('ablation.' + comparison, lang))}</th>{''.join(cells)}</tr>")
    return f"<table class='t'><tr><th></th><th></th>{head}</tr>{''.join(body)}</table>"


def _html(folder, lines, pictures, sens, ce, lang: str, ablation: pd.DataFrame | None = None) -> str:
    e = html.escape
    title = e(tr("analysis.title", lang))

    def img(key: str) -> str:
        return f"<img src='data:image/png;base64,{base64.b64encode(pictures[key]).decode()}' alt='{e(key)}'>"

    def section(key: str) -> str:
        return f"<h2>{e(tr(key, lang))}</h2><p>{e(tr(key + '_text', lang))}</p>"

    parts = [f"<h1>{title}</h1><p>{e(str(folder))}</p><pre>{e(chr(10).join(lines))}</pre>",
             section("analysis.effects"), img("effects")]
    if sens:
        parts.append(section("analysis.sensitivity"))
        for figure, table in sens.items():
            parts += [img(f"sensitivity_{figure}"), _table_html(table, lang)]
    if ce is not None:
        parts += [section("analysis.cost_effectiveness"), img("cost_effectiveness"),
                  _table_html(ce[ce["pareto"]], lang)]
    if ablation is not None:
        parts += [section("analysis.ablation"), _ablation_html(ablation, lang)]
    style = ("body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1300px;margin:2em auto;font-size:17px}"
             "img{width:100%;border:1px solid #ddd;margin:1em 0}table.t{border-collapse:collapse}"
             "table.t td,table.t th{border:1px solid #bbb;padding:.3em .5em;text-align:right}")
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n")
