"""Coverage of ahpstat's bootstrap intervals over simulated studies with known true scores.

Run: ``.venv/bin/python studies/coverage/run_coverage.py [--studies N] [--resamples B]``
Writes ``coverage.csv``, ``coverage.md`` (the table) and ``coverage.png`` next to this file.

Design (every study drawn with ``ahpstat.simulate``): the seed-sized hierarchy (goal, 7
criteria, 22 indicators, 57 items) with fixed true local weights (Dirichlet, concentration 4)
and fixed true Likert item means (uniform 3.2..4.2); each simulated study draws a 25-expert
panel around the true weights (``simulate_panel``: expert sd 0.4, judgment noise sd 0.2,
continuous judgments) and 370 respondents split evenly into G communities answering 1..5
(``simulate_survey``: community effect sd 0.3, respondent effect sd 0.3, noise sd 0.8; latent
intra-community correlation 0.11). True scores: the composite scores of the true weights and
the exact expected Likert means (``true_scores``, ``expected_likert_mean``). The panel is
re-run inside the bootstrap by ``ahpstat.panel.run_panel`` (AIJ + geometric mean).
Conditions: G in {5, 10, 20, 28, 50}; overall respondent resampling iid or two-stage cluster
(experts always resampled too); percentile, basic and BCa intervals from the same resamples.
Reported: coverage of the true goal score and the mean coverage of the 7 criterion scores by
the 95% intervals, with the Monte Carlo standard error, and whether ahpstat warned.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ahpstat import io
from ahpstat.bootstrap import FewClustersWarning, joint_bootstrap
from ahpstat.hierarchy import Hierarchy
from ahpstat.panel import PanelOptions, run_panel
from ahpstat.simulate import (
    latent_means,
    random_weights,
    simulate_panel,
    simulate_survey,
    true_scores,
)

HERE = Path(__file__).parent
METHODS = ("percentile", "basic", "bca")
PANEL = {"n_experts": 25, "expert_sd": 0.4, "noise_sd": 0.2, "scale": None}
SURVEY = {"group_sd": 0.3, "respondent_sd": 0.3, "noise_sd": 0.8}
#: indicators per criterion and items per indicator: the seed study's 7 / 22 / 57
SHAPE = ((3, 3, 3, 3, 3, 3, 4),
         (2, 3, 3, 2, 3, 2, 2, 3, 3, 3, 3, 3, 2, 3, 2, 3, 2, 3, 2, 3, 3, 2))


def make_truth() -> tuple[Hierarchy, dict, np.ndarray]:
    """The seed-shaped hierarchy, its true local weights and true Likert item means."""
    items = iter(SHAPE[1])
    c = d = 0
    crit = []
    for b, n_c in enumerate(SHAPE[0], start=1):
        inds = []
        for _ in range(n_c):
            c += 1
            kids = [{"id": f"D{d + k}"} for k in range(1, next(items) + 1)]
            d += len(kids)
            inds.append({"id": f"C{c}", "children": kids})
        crit.append({"id": f"B{b}", "children": inds})
    h = Hierarchy.from_dict({"id": "A", "children": crit})
    rng = np.random.default_rng(12345)  # the same truth in every simulated study
    weights = {v: random_weights(len(h.children(v)), concentration=4.0, rng=rng)
               for v in h.internal if len(h.children(v)) > 1}
    return h, weights, rng.uniform(3.2, 4.2, len(h.leaves))


def simulate_study(h, weights, latent, G: int, per_cluster: int, rng) -> dict:
    """One study: the panel re-run (sampler) and the survey answers with their clusters."""
    judg = simulate_panel(h, weights, rng=rng, **PANEL)
    panel = run_panel(io.judgment_stacks(judg, h, validate=False), h,
                      options=PanelOptions(weighting="geometric_mean", index="gci"))
    sv = simulate_survey(h, latent, n_respondents=G * per_cluster, groups=G, rng=rng, **SURVEY)
    return {"X": sv[[h.item(x) for x in h.leaves]].to_numpy(float),
            "clusters": sv["group"].to_numpy(), "sampler": panel.leaf_weight_sampler()}


def run(n_studies: int, n_resamples: int, clusters=(5, 10, 20, 28, 50), seed: int = 2022):
    h, weights, item_means = make_truth()
    latent = latent_means(item_means, **SURVEY)
    truth = true_scores(h, weights, item_means).to_numpy()
    M = h.membership()
    crit = np.array([h.nodes.index(c) for c in h.children(h.root)])
    rows = []
    for G in clusters:
        t0 = time.perf_counter()
        hits = {(s, m): [0, 0.0] for s in ("iid", "cluster") for m in METHODS}
        widths = {k: 0.0 for k in hits}
        warned = False
        for r in np.random.default_rng([seed, G]).spawn(n_studies):
            st = simulate_study(h, weights, latent, G, 370 // G, r)
            for scheme in ("iid", "cluster"):
                with warnings.catch_warnings(record=True) as w:
                    warnings.simplefilter("always")
                    res = joint_bootstrap(
                        st["X"], M, leaf_weight_sampler=st["sampler"],
                        n_experts=PANEL["n_experts"],
                        clusters=st["clusters"] if scheme == "cluster" else None,
                        n_resamples=n_resamples, rng=r)
                warned |= any(issubclass(x.category, FewClustersWarning) for x in w)
                for m in METHODS:
                    lo, hi = res.confidence_interval("scores", method=m)
                    cover = (lo <= truth) & (truth <= hi)
                    hits[scheme, m][0] += bool(cover[0])
                    hits[scheme, m][1] += cover[crit].mean()
                    widths[scheme, m] += hi[0] - lo[0]
        for (scheme, m), (goal, crit_sum) in hits.items():
            p = goal / n_studies
            rows.append({
                "clusters": G, "respondents_per_cluster": 370 // G, "scheme": scheme,
                "method": m, "coverage_goal": p,
                "mc_se": np.sqrt(p * (1 - p) / n_studies),
                "coverage_criteria": crit_sum / n_studies,
                "mean_width_goal": widths[scheme, m] / n_studies,
                "warned_few_clusters": warned and scheme == "cluster",
                "n_studies": n_studies, "n_resamples": n_resamples,
            })
        print(f"G={G}: {time.perf_counter() - t0:.0f} s", flush=True)
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    n = int(df.n_studies.iloc[0])
    band = 1.96 * np.sqrt(0.95 * 0.05 / n)
    for ax, scheme in zip(axes, ("cluster", "iid"), strict=True):
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
        ax.set_title(f"respondents resampled: {scheme}")
    axes[0].set_ylabel("coverage of the true goal score (95% interval)")
    axes[0].legend(loc="lower right")
    fig.suptitle("Joint bootstrap (experts + respondents), latent ICC 0.11: coverage "
                 "(red: the FewClustersWarning threshold)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--studies", type=int, default=200)
    p.add_argument("--resamples", type=int, default=1000)
    p.add_argument("--plot-only", action="store_true", help="redraw from coverage.csv")
    a = p.parse_args(argv)
    if a.plot_only:
        plot(pd.read_csv(HERE / "coverage.csv"), HERE / "coverage.png")
        return 0
    df = run(a.studies, a.resamples)
    df.to_csv(HERE / "coverage.csv", index=False)
    table = df.assign(
        coverage_goal=df.coverage_goal.map("{:.3f}".format),
        mc_se=df.mc_se.map("{:.3f}".format),
        coverage_criteria=df.coverage_criteria.map("{:.3f}".format),
        mean_width_goal=df.mean_width_goal.map("{:.3f}".format),
    )[["clusters", "scheme", "method", "coverage_goal", "mc_se", "coverage_criteria",
       "mean_width_goal", "warned_few_clusters"]]
    lines = ["| " + " | ".join(table.columns) + " |",
             "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(
        index=False)]
    (HERE / "coverage.md").write_text("\n".join(lines) + "\n")
    plot(df, HERE / "coverage.png")
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
