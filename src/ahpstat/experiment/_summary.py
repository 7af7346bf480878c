"""The summary step: tidy tables, figures and a Markdown report from an experiment folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ahpstat.experiment._cells import DATA_METHOD
from ahpstat.experiment._parts import PARTS, done_tasks, load_run, read_parts
from ahpstat.experiment._spec import Experiment

__all__ = ["summarize"]

#: metric -> (label, higher is better)
METRIC_LABELS = {
    "rmse": "weight RMSE", "max_abs": "max abs weight error", "kendall_tau": "Kendall tau",
    "top_right": "P(top element right)", "order_right": "P(full order right)",
    "coverage": "coverage", "width": "interval width", "experts_used": "expert weight kept",
    "warned_few_clusters": "share warned (few clusters)",
    "error": "estimate - truth", "boot_var": "bootstrap variance",
    "icc_goal_score": "intra-class correlation of the goal score",
    "same_order_as_first": "P(same order as the first method)",
    "same_top_as_first": "P(same top element as the first method)",
    "diagnostics_ok": "P(sampler diagnostics fine)",
}


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def _atomic_csv(path: Path, df: pd.DataFrame) -> None:
    from ahpstat._text import neutralize_frame

    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    neutralize_frame(df).to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, path)


def summary_table(exp: Experiment, stats: pd.DataFrame) -> pd.DataFrame:
    """Tidy summary: one row per condition x method x target x metric.

    ``mean`` over the replications, its Monte Carlo standard error ``mc_se`` (sd / sqrt(n)),
    ``count`` the replications with a defined value; condition and method columns labelled.
    Batches are added in batch order, so the table does not depend on where tasks ran.
    """
    key = ["condition", "method", "target", "metric"]
    if stats.empty:
        cols = [*exp.conditions.columns, *exp.methods.columns[1:], "target", "metric",
                "count", "mean", "mc_se", "batches"]
        return pd.DataFrame(columns=cols)
    g = stats.groupby(key, sort=True)
    agg = g[["count", "sum", "sum_sq"]].sum().join(g["batch"].nunique().rename("batches"))
    agg = agg.reset_index()
    n = agg["count"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = agg["sum"].to_numpy() / n
        var = np.maximum(agg["sum_sq"].to_numpy() / n - mean * mean, 0.0) * n / (n - 1)
        se = np.sqrt(var / n)
    agg["mean"] = np.where(n > 0, mean, np.nan)
    agg["mc_se"] = np.where(n > 1, se, np.nan)
    methods = exp.methods.copy()
    out = agg.merge(exp.conditions, on="condition", how="left")
    out = out.merge(methods, on="method", how="left")
    mcols = [c for c in exp.methods.columns if c != "method"]
    out.loc[out["method"] == DATA_METHOD, mcols] = None
    cols = [*exp.conditions.columns, "method", *mcols, "target", "metric", "count", "mean",
            "mc_se", "batches"]
    return out[cols].sort_values(["condition", "method", "target", "metric"],
                                 kind="stable", ignore_index=True)


def _varying(df: pd.DataFrame, cols: list[str]) -> list[str]:
    return [c for c in cols if c in df and df[c].nunique(dropna=False) > 1]


def _label(row: Any, cols: list[str]) -> str:
    return ", ".join(f"{c}={row[c]}" for c in cols) if cols else "all"


def report_markdown(exp: Experiment, summary: pd.DataFrame, *, n_done: int,
                    figures: list[str]) -> str:
    """The Markdown report of a summary table."""
    ccols = [c for c in exp.conditions.columns if c != "condition"]
    mcols = [c for c in exp.methods.columns if c != "method"]
    cvar = _varying(exp.conditions, ccols)
    mvar = _varying(exp.methods, mcols)
    fixed_c = {c: exp.conditions[c].iloc[0] for c in ccols if c not in cvar}
    fixed_m = {c: exp.methods[c].iloc[0] for c in mcols if c not in mvar}
    from ahpstat._text import escape_markdown as esc

    lines = [f"# Experiment: {esc(exp.name)}", ""]
    if exp.description:
        lines += [esc(exp.description), ""]
    status = "complete" if n_done == exp.n_tasks else f"INCOMPLETE ({n_done} of {exp.n_tasks})"
    lines += [
        f"- kind: {exp.kind}; seed {exp.seed}; {exp.replications} replications per condition "
        f"in batches of {exp.batch_size}; {len(exp.conditions)} conditions x "
        f"{len(exp.methods)} methods; tasks {status}.",
        "- fixed conditions: " + ", ".join(f"{k}={esc(v)}" for k, v in fixed_c.items()),
        "- fixed method settings: " + ", ".join(f"{k}={esc(v)}" for k, v in fixed_m.items()),
        "- every value is a mean over replications with its Monte Carlo standard error in "
        "parentheses.", ""]
    if summary.empty:
        return "\n".join([*lines, "No task has finished yet.", ""])
    for target, sub_t in summary.groupby("target", sort=False):
        lines += [f"## {target}", ""]
        for is_data, sub in sub_t.groupby(sub_t["method"] == DATA_METHOD, sort=False):
            idx = [*cvar, *([] if is_data else mvar)] or ["condition"]
            lines += [_wide(sub, idx), ""]
    for f in figures:
        lines += [f"![{Path(f).stem}]({f})", ""]
    return "\n".join(lines)


def _wide(sub: pd.DataFrame, idx: list[str]) -> str:
    """Markdown table: one row per condition (x method), one column per metric."""
    sub = sub.copy()
    sub["cell"] = [f"{m:.4g} ({s:.2g})" if np.isfinite(s) else f"{m:.4g}"
                   for m, s in zip(sub["mean"], sub["mc_se"], strict=True)]
    wide = sub.pivot_table(index=idx, columns="metric", values="cell", aggfunc="first",
                           sort=False).reset_index()
    wide.columns = [str(c) for c in wide.columns]
    return _md_table(wide.fillna(""))


def _md_table(df: pd.DataFrame) -> str:
    from ahpstat._text import escape_markdown

    def cell(v: Any) -> str:
        return escape_markdown(v).replace("|", "\\|")

    head = "| " + " | ".join(map(cell, df.columns)) + " |"
    sep = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(cell(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def draw_figures(exp: Experiment, summary: pd.DataFrame, folder: Path) -> list[str]:
    """One PNG per target x metric: the metric against the first varying numeric condition,
    one line per method, one panel per combination of the other varying conditions.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ccols = [c for c in exp.conditions.columns if c != "condition"]
    mcols = [c for c in exp.methods.columns if c != "method"]
    cvar = _varying(exp.conditions, ccols)
    numeric = [c for c in cvar if pd.api.types.is_numeric_dtype(exp.conditions[c])]
    if not numeric or summary.empty:
        return []
    x = numeric[0]
    facets = [c for c in cvar if c != x]
    mvar = _varying(exp.methods, mcols)
    folder.mkdir(exist_ok=True)
    written = []
    for (target, metric), sub in summary[summary["method"] != DATA_METHOD].groupby(
            ["target", "metric"], sort=False):
        label = METRIC_LABELS.get(metric, metric)
        written.append(_draw(plt, folder, f"{target}_{metric}.png", sub, x, facets,
                             mvar if mvar else ["method"], label,
                             f"{exp.name}: {target} — {label}", target))
    # acceptance rates describe the simulated matrices, not a method: one line per rule
    acc = summary[(summary["method"] == DATA_METHOD)
                  & summary["metric"].astype(str).str.startswith("accept_")]
    for target, sub in acc.groupby("target", sort=False):
        written.append(_draw(plt, folder, f"{target}_acceptance.png", sub, x, facets,
                             ["metric"], "acceptance rate",
                             f"{exp.name}: {target} — acceptance rate by rule", target))
    return written


def _draw(plt: Any, folder: Path, name: str, sub: pd.DataFrame, x: str, facets: list[str],
          lines: list[str], ylabel: str, title: str, target: str) -> str:
    """One figure: ``mean`` (+- 1.96 ``mc_se``) against ``x``, a line per ``lines`` value,
    a panel per combination of ``facets`` (at most 12); written atomically.
    """
    from ahpstat._text import escape_mathtext

    keys = sub[facets].drop_duplicates().to_dict("records") if facets else [{}]
    if len(keys) > 12:
        keys = keys[:12]
    ncol = min(len(keys), 3)
    nrow = -(-len(keys) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.2 * nrow), squeeze=False,
                             sharey=True)
    for ax, k in zip(axes.flat, keys, strict=False):
        d = sub
        for c, v in k.items():
            d = d[d[c] == v]
        for lab, dm in d.groupby(lines, sort=False):
            dm = dm.sort_values(x)
            text = ", ".join(map(str, lab if isinstance(lab, tuple) else (lab,)))
            ax.errorbar(dm[x], dm["mean"], yerr=1.96 * dm["mc_se"].fillna(0), marker="o",
                        ms=3, capsize=2, lw=1, label=escape_mathtext(text))
        ax.set_title(escape_mathtext(_label(k, facets) if facets else target), fontsize=8)
        ax.set_xlabel(x)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(keys):]:
        ax.set_visible(False)
    axes[0, 0].set_ylabel(ylabel)
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(escape_mathtext(title), fontsize=10)
    fig.tight_layout()
    tmp = folder / f".{name}.tmp{os.getpid()}.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, folder / name)
    return f"figures/{name}"


def summarize(out: str | os.PathLike, *, figures: bool = True) -> pd.DataFrame:
    """Summarize an experiment folder: ``summary.csv``, ``conditions.csv``, ``methods.csv``,
    ``report.md`` and ``figures/`` (each written atomically); return the summary table.

    Works on an unfinished experiment too (the report says how many tasks are done).

    Parameters
    ----------
    out : path
        An experiment folder written by :func:`run_experiment`.
    figures : bool, default True

    Returns
    -------
    DataFrame
        One row per condition x method x target x metric: the condition and method
        settings, ``target`` (``weights``, ``criteria``, ``global``, ``goal_score``, ...),
        ``metric``, ``count``, ``mean``, ``mc_se``, ``batches``. Method settings are empty on
        rows describing the simulated data (``method == -1``: acceptance rates).

    Examples
    --------
    >>> summarize("no/such/folder")
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: no/such/folder: not an experiment folder (no experiment.json).
    """
    out = Path(out)
    exp, _ = load_run(out)
    stats = read_parts(out)
    table = summary_table(exp, stats)
    _atomic_csv(out / "summary.csv", table)
    _atomic_csv(out / "conditions.csv", exp.conditions)
    _atomic_csv(out / "methods.csv", exp.methods)
    figs = draw_figures(exp, table, out / "figures") if figures else []
    n_done = len(done_tasks(out / PARTS))
    _atomic_text(out / "report.md", report_markdown(exp, table, n_done=n_done, figures=figs))
    return table
