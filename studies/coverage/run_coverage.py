"""Coverage of ahpstat's bootstrap intervals, on the experiment runner.

Run: ``.venv/bin/python studies/coverage/run_coverage.py [--out DIR] [--serial | --workers N]``
(or ``ahpstat experiment studies/coverage/coverage.yaml --out DIR`` and then
``run_coverage.py --summary-only --out DIR``). The experiment is ``coverage.yaml`` next to
this file: the seed-sized hierarchy (``hierarchy.yaml``), 25 experts around fixed true local
weights, 370 respondents in G communities on 1..5 (community sd 0.3, respondent sd 0.3,
answer sd 0.8), G in {5, 10, 20, 28, 50}; respondents resampled iid, as whole clusters
(one-stage) or two-stage (experts always resampled too); percentile, basic and BCa intervals
from the same 1,000 resamples; 80 simulated studies per G. The runner keeps its parts in
``--out`` (default ``out/coverage``), so an interrupted run continues where it stopped.

Writes ``coverage.csv``, ``coverage.md`` (the table) and ``coverage.png`` next to this file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from ahpstat.experiment import load_experiment, run_experiment, summarize

HERE = Path(__file__).parent
METHODS = ("percentile", "basic", "bca")


def coverage_table(summary: pd.DataFrame, n_resamples: int) -> pd.DataFrame:
    """The study's table (one row per clusters x scheme x interval) from the runner's summary."""
    s = summary[summary["method"] >= 0]
    key = ["clusters", "resampling", "interval"]

    def pick(target: str, metric: str, col: str = "mean") -> pd.Series:
        d = s[(s.target == target) & (s.metric == metric)]
        return d.set_index(key)[col]

    df = pd.DataFrame({
        "coverage_goal": pick("goal_score", "coverage"),
        "mc_se": pick("goal_score", "coverage", "mc_se"),
        "coverage_criteria": pick("criteria_scores", "coverage"),
        "mean_width_goal": pick("goal_score", "width"),
        "coverage_criteria_weights": pick("criteria_weights", "coverage"),
        "warned_few_clusters": pick("study", "warned_few_clusters") > 0.5,
        "n_studies": pick("goal_score", "coverage", "count").astype(int),
    }).reset_index().rename(columns={"resampling": "scheme", "interval": "method"})
    df["respondents_per_cluster"] = 370 // df["clusters"]
    df["n_resamples"] = n_resamples
    order = {"iid": 0, "cluster_two": 1, "cluster_one": 2}
    df = df.sort_values(["clusters", "scheme", "method"],
                        key=lambda c: c.map(order) if c.name == "scheme" else
                        c.map({m: k for k, m in enumerate(METHODS)}) if c.name == "method"
                        else c, kind="stable")
    return df.reset_index(drop=True)


def plot(df: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
    n = int(df.n_studies.iloc[0])
    band = 1.96 * np.sqrt(0.95 * 0.05 / n)
    titles = {"cluster_one": "whole clusters (one-stage)",
              "cluster_two": "clusters, then respondents (two-stage)", "iid": "iid"}
    for ax, scheme in zip(axes, ("cluster_one", "cluster_two", "iid"), strict=True):
        for m, marker in zip(METHODS, "os^", strict=True):
            d = df[(df.scheme == scheme) & (df.method == m)]
            ax.errorbar(d.clusters, d.coverage_goal, yerr=1.96 * d.mc_se, marker=marker,
                        capsize=3, label=m)
        ax.axhline(0.95, color="k", lw=1)
        ax.axhspan(0.95 - band, 0.95 + band, color="0.85", zorder=0)
        ax.axvline(20, color="r", ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_xticks(sorted(df.clusters.unique()))
        ax.set_xticklabels(sorted(df.clusters.unique()))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("number of clusters (370 respondents)")
        ax.set_title(f"respondents resampled: {titles[scheme]}", fontsize=9)
    axes[0].set_ylabel("coverage of the true goal score (95% interval)")
    axes[0].legend(loc="lower right")
    fig.suptitle("Joint bootstrap (experts + respondents), latent ICC 0.11: coverage "
                 "(red: the FewClustersWarning threshold)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="out/coverage", help="the experiment's folder")
    p.add_argument("--serial", action="store_true")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--summary-only", action="store_true",
                   help="only rebuild the table and plot from the finished experiment")
    a = p.parse_args(argv)
    exp = load_experiment(HERE / "coverage.yaml")
    out = Path(a.out)
    if a.summary_only:
        summary = summarize(out, figures=False)
    else:
        summary = run_experiment(exp, out, serial=a.serial, n_workers=a.workers,
                                 resume=(out / "experiment.json").exists(), figures=False).summary
    df = coverage_table(summary, exp.bootstrap["n_resamples"])
    df.to_csv(HERE / "coverage.csv", index=False)
    cols = ["clusters", "scheme", "method", "coverage_goal", "mc_se", "coverage_criteria",
            "mean_width_goal", "coverage_criteria_weights", "warned_few_clusters"]
    table = df[cols].copy()
    for c in cols[3:-1]:
        table[c] = table[c].map("{:.3f}".format)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in r) + " |" for r in table.itertuples(index=False)]
    (HERE / "coverage.md").write_text("\n".join(lines) + "\n")
    plot(df, HERE / "coverage.png")
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
