"""Coverage of ahpstat's bootstrap intervals and the variance they estimate, on the runner.

Run (resumable: the runner keeps its parts in the output folders, so an interrupted run
continues where it stopped with the same command)::

    nice -n 10 .venv/bin/python studies/coverage/run_coverage.py --workers 2

(``--one-stage-full``: the default scheme only at the full size, ``coverage_one_stage.yaml``
into ``out/coverage_one_stage``; ``--serial`` for one core) or, experiment by experiment,
``ahpstat experiment studies/coverage/coverage.yaml --out out/coverage`` (and
``experts.yaml --out out/coverage_experts``) and then ``run_coverage.py --summary-only``.
The experiments are ``coverage.yaml`` (5-50 clusters x latent intra-class correlation 0 /
0.02 / 0.1 x iid / one-stage / two-stage cluster resampling x percentile / basic / BCa) and
``experts.yaml`` (4-25 experts) next to this file.

Writes next to this file: ``coverage.csv`` (goal-score coverage with its binomial standard
error, widths, criteria, few-clusters warnings; one row per clusters x ICC x scheme x
interval), ``variance_ratio.csv`` (bootstrap / true variance of the goal score, with the
survey alone and with experts + survey), ``experts.csv`` (coverage of the criteria's weights
by panel size), ``coverage.md`` (those tables) and the figures ``coverage.png`` and
``variance_ratio.png``.

The variance ratio of a design is the mean bootstrap variance of the goal score over the
simulated studies divided by the variance of the estimate's error over them (the truth is
fixed, so that is the sampling variance the bootstrap estimates). Its 95% interval treats
the mean bootstrap variance as exact (its Monte Carlo error is far smaller) and the sampling
variance as the sample variance of ``n`` normal errors: ``ratio * (n - 1) / chi2(n - 1)``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ahpstat.experiment import load_experiment, run_experiment, summarize

HERE = Path(__file__).parent
SCHEMES = {"iid": "iid", "cluster_one": "one-stage", "cluster_two": "two-stage"}
INTERVALS = ("percentile", "basic", "bca")
KEY = ["clusters", "icc", "scheme", "interval"]


def _methods(summary: pd.DataFrame) -> pd.DataFrame:
    s = summary[summary["method"] >= 0].copy()
    s["scheme"] = s["resampling"].map(SCHEMES)
    return s


def coverage_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per clusters x ICC x scheme x interval: coverage (binomial SE) and widths."""
    s = _methods(summary)

    def pick(target: str, metric: str, col: str = "mean") -> pd.Series:
        d = s[(s.target == target) & (s.metric == metric)]
        return d.set_index(KEY)[col]

    n = pick("goal_score", "coverage", "count").astype(int)
    p = pick("goal_score", "coverage")
    df = pd.DataFrame({
        "n_studies": n,
        "coverage_goal": p,
        "se": np.sqrt(p * (1 - p) / n),
        "width_goal": pick("goal_score", "width"),
        "coverage_goal_survey_alone": pick("goal_score_sample", "coverage"),
        "coverage_criteria_scores": pick("criteria_scores", "coverage"),
        "coverage_criteria_weights": pick("criteria_weights", "coverage"),
        "share_warned_few_clusters": pick("study", "warned_few_clusters"),
    }).reset_index()
    order = {k: i for i, k in enumerate([*SCHEMES.values(), *INTERVALS])}
    return df.sort_values(KEY, key=lambda c: c.map(order) if c.name in ("scheme", "interval")
                          else c, kind="stable").reset_index(drop=True)


def variance_ratios(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per clusters x ICC x scheme x target: bootstrap / sampling variance."""
    s = _methods(summary)
    s = s[s["interval"] == s["interval"].iloc[0]]  # the variances do not depend on it
    rows = []
    for (clusters, icc, scheme, target), g in s.groupby(
            ["clusters", "icc", "scheme", "target"], sort=False):
        if target not in ("goal_score", "goal_score_sample"):
            continue
        m = g.set_index("metric")
        n = int(m.loc["error", "count"])
        samp = float(m.loc["error", "mc_se"]) ** 2 * n  # the errors' variance (ddof 1)
        ratio = float(m.loc["boot_var", "mean"]) / samp
        lo, hi = ratio * (n - 1) / stats.chi2.ppf([0.975, 0.025], n - 1)
        rows.append({"clusters": clusters, "icc": icc, "scheme": scheme,
                     "resampled": "survey alone" if target == "goal_score_sample"
                     else "experts + survey",
                     "variance_ratio": ratio, "ratio_low": lo, "ratio_high": hi,
                     "boot_var": float(m.loc["boot_var", "mean"]), "sampling_var": samp,
                     "n_studies": n})
    return pd.DataFrame(rows).sort_values(["resampled", "icc", "clusters"],
                                          ascending=[False, True, True],
                                          kind="stable").reset_index(drop=True)


def icc_of_scores(summary: pd.DataFrame) -> pd.DataFrame:
    """The goal score's own intra-class correlation (one-way ANOVA) by latent ICC."""
    d = summary[(summary["method"] < 0) & (summary["metric"] == "icc_goal_score")]
    return d.groupby("icc")["mean"].mean().rename("icc_goal_score").reset_index()


def experts_table(summary: pd.DataFrame) -> pd.DataFrame:
    s = summary[(summary["method"] >= 0) & (summary["target"] == "criteria_weights")]
    cov = s[s.metric == "coverage"].set_index("n_experts")
    t = pd.DataFrame({"n_studies": cov["count"].astype(int), "coverage_criteria_weights":
                      cov["mean"], "mc_se": cov["mc_se"],
                      "width": s[s.metric == "width"].set_index("n_experts")["mean"]})
    return t.reset_index()


def _md(df: pd.DataFrame, digits: int = 3) -> str:
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    for r in df.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.{digits}f}" if isinstance(v, float) else str(v)
                                        for v in r) + " |")
    return "\n".join(lines)


def pivot(df: pd.DataFrame, value: str, index: list[str]) -> pd.DataFrame:
    """``value`` with the schemes side by side (iid, one-stage, two-stage)."""
    t = df.pivot_table(index=index, columns="scheme", values=value, sort=False)
    return t[[c for c in SCHEMES.values() if c in t.columns]].reset_index()


def plot(ratios: pd.DataFrame, cov: pd.DataFrame, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    iccs = sorted(ratios["icc"].unique())
    ticks = sorted(ratios.clusters.unique())
    colours = {"iid": "tab:grey", "one-stage": "tab:blue", "two-stage": "tab:red"}
    fig, axes = plt.subplots(2, len(iccs), figsize=(4.2 * len(iccs), 6.4), sharey="row",
                             squeeze=False)
    for j, icc in enumerate(iccs):
        for i, what in enumerate(("survey alone", "experts + survey")):
            ax = axes[i, j]
            for scheme, c in colours.items():
                d = ratios[(ratios.icc == icc) & (ratios.scheme == scheme)
                           & (ratios.resampled == what)].sort_values("clusters")
                ax.errorbar(d.clusters, d.variance_ratio,
                            yerr=[d.variance_ratio - d.ratio_low,
                                  d.ratio_high - d.variance_ratio],
                            marker="o", ms=3, capsize=2, color=c, label=scheme)
            ax.axhline(1.0, color="k", lw=0.8)
            ax.set_xscale("log")
            ax.set_xticks(ticks, [str(t) for t in ticks])
            ax.minorticks_off()
            ax.set_title(f"latent ICC {icc:g}: {what}", fontsize=9)
            ax.set_xlabel("clusters (370 respondents)")
        axes[0, j].set_ylim(bottom=0)
    for i in range(2):
        axes[i, 0].set_ylabel("bootstrap variance / true variance")
    axes[0, 0].legend(fontsize=8)
    n = int(ratios.n_studies.min())
    fig.suptitle("Variance of the goal score: what the bootstrap estimates vs the truth "
                 f"({n} simulated studies per point; bars: 95% intervals)", fontsize=10)
    fig.tight_layout()
    fig.savefig(folder / "variance_ratio.png", dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, len(iccs), figsize=(4.2 * len(iccs), 3.6), sharey=True,
                             squeeze=False)
    n = int(cov.n_studies.min())
    band = 1.96 * np.sqrt(0.95 * 0.05 / n)
    for j, icc in enumerate(iccs):
        ax = axes[0, j]
        for scheme, c in colours.items():
            d = cov[(cov.icc == icc) & (cov.scheme == scheme)
                    & (cov.interval == "percentile")].sort_values("clusters")
            ax.errorbar(d.clusters, d.coverage_goal, yerr=1.96 * d.se, marker="o", ms=3,
                        capsize=2, color=c, label=scheme)
        ax.axhline(0.95, color="k", lw=0.8)
        ax.axhspan(0.95 - band, 0.95 + band, color="0.88", zorder=0)
        ax.axvline(20, color="tab:orange", ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.minorticks_off()
        ax.set_title(f"latent ICC {icc:g}", fontsize=9)
        ax.set_xlabel("clusters (370 respondents)")
    axes[0, 0].set_ylabel("coverage of the true goal score")
    axes[0, 0].legend(fontsize=8, loc="lower right")
    fig.suptitle(f"95% percentile intervals, experts + respondents resampled, {n} studies "
                 "per point (grey: Monte Carlo 95% range around 0.95; dotted: the "
                 "FewClustersWarning threshold)", fontsize=9)
    fig.tight_layout()
    fig.savefig(folder / "coverage.png", dpi=110)
    plt.close(fig)


def _run(name: str, out: Path, a: argparse.Namespace) -> pd.DataFrame:
    if a.summary_only:
        return summarize(out, figures=False)
    exp = load_experiment(HERE / name)
    return run_experiment(exp, out, serial=a.serial, n_workers=a.workers,
                          resume=(out / "experiment.json").exists(), figures=False).summary


def one_stage_full(a: argparse.Namespace) -> int:
    """The default scheme at the full size (``coverage_one_stage.yaml``: 400 studies x
    1,000 resamples per condition): ``coverage_one_stage.csv``,
    ``variance_ratio_one_stage.csv`` and ``coverage_one_stage.md`` next to this file (the
    100-study files of all three schemes are left as they are)."""
    out = a.out if a.out != Path("out/coverage") else Path("out/coverage_one_stage")
    summary = _run("coverage_one_stage.yaml", out, a)
    # 28 and 50 clusters ran as a second experiment beside the first (its own seed), to
    # use two processes of one low-priority core each on a loaded machine
    more = out.with_name(out.name + "_28_50")
    if a.summary_only and (more / "experiment.json").exists():
        summary = pd.concat([summary[~summary["clusters"].isin([28, 50])],
                             summarize(more, figures=False)], ignore_index=True)
    cov = coverage_table(summary)
    ratios = variance_ratios(summary)
    cov.to_csv(a.dest / "coverage_one_stage.csv", index=False, float_format="%.4f",
               lineterminator="\n")
    ratios.to_csv(a.dest / "variance_ratio_one_stage.csv", index=False, float_format="%.4f",
                  lineterminator="\n")
    pc = cov.pivot_table(index=["icc", "clusters"], columns="interval",
                         values="coverage_goal", sort=False)[list(INTERVALS)].reset_index()
    se = cov[cov.interval == "percentile"].set_index(["icc", "clusters"])["se"]
    pc["se (percentile)"] = [se[(i, c)] for i, c in zip(pc.icc, pc.clusters, strict=True)]
    vr = ratios.pivot_table(index=["icc", "clusters"], columns="resampled",
                            values="variance_ratio", sort=False).reset_index()
    pooled = []
    for icc, g in cov[cov.interval == "percentile"].groupby("icc"):
        for lo, hi in ((5, 10), (20, 50)):
            d = g[(g.clusters >= lo) & (g.clusters <= hi)]
            n = int(d.n_studies.sum())
            p = float((d.coverage_goal * d.n_studies).sum() / n)
            pooled.append({"icc": icc, "clusters": f"{lo}-{hi}", "n_studies": n,
                           "coverage_percentile": p, "se": float(np.sqrt(p * (1 - p) / n))})
    parts = ["## One-stage (default) at full size: coverage of the true goal score", "",
             _md(pc), "", "## Pooled (percentile)", "", _md(pd.DataFrame(pooled)), "",
             "## Variance ratio (bootstrap / true variance)", "", _md(vr), "",
             "## Every interval", "", _md(cov), "",
             "## Intra-class correlation of the goal score", "",
             _md(icc_of_scores(summary)), ""]
    (a.dest / "coverage_one_stage.md").write_text("\n".join(parts), encoding="utf-8")
    print("\n".join(parts))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", type=Path, default=Path("out/coverage"),
                   help="folder of the coverage experiment")
    p.add_argument("--experts-out", type=Path, default=Path("out/coverage_experts"),
                   help="folder of the expert-count experiment")
    p.add_argument("--no-experts", action="store_true",
                   help="skip the expert-count experiment")
    p.add_argument("--serial", action="store_true")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--summary-only", action="store_true",
                   help="only rebuild the tables and figures from the finished experiments")
    p.add_argument("--dest", type=Path, default=HERE, help="where to write (default: here)")
    p.add_argument("--one-stage-full", action="store_true",
                   help="the default scheme at full size (coverage_one_stage.yaml) only")
    a = p.parse_args(argv)
    if a.one_stage_full:
        return one_stage_full(a)
    summary = _run("coverage.yaml", a.out, a)
    cov = coverage_table(summary)
    ratios = variance_ratios(summary)
    cov.to_csv(a.dest / "coverage.csv", index=False, float_format="%.4f", lineterminator="\n")
    ratios.to_csv(a.dest / "variance_ratio.csv", index=False, float_format="%.4f",
                  lineterminator="\n")
    vr = ratios.pivot_table(index=["resampled", "icc", "clusters"], columns="scheme",
                            values="variance_ratio", sort=False)
    vr = vr[list(SCHEMES.values())].reset_index()
    parts = ["## Variance ratio of the goal score (bootstrap / true variance)", "",
             _md(vr), "",
             "## Coverage of the true goal score (95% percentile intervals, experts + survey)",
             "", _md(pivot(cov[cov.interval == "percentile"], "coverage_goal",
                           ["icc", "clusters"])), "",
             "## Every scheme and interval", "",
             _md(cov.drop(columns=["n_studies"])), "",
             "## Intra-class correlation of the goal score", "",
             _md(icc_of_scores(summary)), ""]
    if not a.no_experts and (not a.summary_only
                             or (a.experts_out / "experiment.json").exists()):
        e = experts_table(_run("experts.yaml", a.experts_out, a))
        e.to_csv(a.dest / "experts.csv", index=False, float_format="%.4f",
                 lineterminator="\n")
        parts += ["## Criteria's global weights by panel size (95% percentile intervals)", "",
                  _md(e), ""]
    (a.dest / "coverage.md").write_text("\n".join(parts), encoding="utf-8")
    plot(ratios, cov, a.dest)
    print("\n".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
