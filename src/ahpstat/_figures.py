"""PNG figures of a study result (matplotlib, Agg backend). Drawing only: no statistics.

Figures use node ids (the default fonts have no CJK glyphs); the report's tables give the
labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ahpstat._text import escape_mathtext as _m

__all__ = ["FIGURES", "draw_all"]

#: file name -> caption
FIGURES = {
    "hierarchy.png": "The hierarchy: each box's height is the node's global weight.",
    "scores_criteria.png": "Composite score of the goal and of every criterion (whole sample).",
    "scores_groups.png": "Composite scores per group: goal and criteria.",
    "consistency.png": "Consistency of every expert's matrix at every node "
                       "(index / threshold; above 1 = not acceptable, marked x).",
    "forest_scores.png": "Bootstrap confidence intervals of the scores: goal and criteria "
                         "(whole sample), and the goal per group.",
    "rank_probabilities.png": "Bootstrap probability of each rank of every group on the "
                              "goal's score (rank 1 = highest).",
    "bayes_credal.png": "Posterior probability that the row criterion outweighs the column "
                        "criterion, P(w_row > w_col), at the goal.",
    "bayes_experts.png": "Posterior inconsistency sigma_k of every expert (mean and credible "
                         "interval; larger = more erratic judgments, less influence).",
}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "svg.hashsalt": "ahpstat",
                         "figure.dpi": 100, "savefig.dpi": 110})
    return plt


def _save(fig: Any, path: Path) -> None:
    fig.savefig(path, format="png", metadata={"Software": None}, bbox_inches="tight")


def draw_all(res: Any, out: Path) -> list[str]:
    """Draw every figure into ``out``; return the file names written."""
    plt = _plt()
    written = []
    for name, fn in (("hierarchy.png", hierarchy_figure),
                     ("scores_criteria.png", criteria_scores_figure),
                     ("scores_groups.png", group_scores_figure),
                     ("consistency.png", consistency_figure),
                     ("forest_scores.png", forest_figure),
                     ("rank_probabilities.png", rank_probability_figure),
                     ("bayes_credal.png", credal_figure),
                     ("bayes_experts.png", expert_sigma_figure),
                     *_ROBUSTNESS_FIGURES):
        fig = fn(res, plt)
        if fig is None:
            continue
        _save(fig, out / name)
        plt.close(fig)
        written.append(name)
    return written


def hierarchy_figure(res: Any, plt: Any) -> Any:
    """Icicle chart: one column per level, boxes stacked with height = global weight."""
    h = res.hierarchy
    W = res.weights.set_index("node")
    depth_max = int(W.depth.max())
    fig, ax = plt.subplots(figsize=(2.2 * (depth_max + 1), 9))
    # y positions: leaves stacked in pre-order, internal nodes span their leaves
    top: dict[str, float] = {}
    y = 1.0
    for leaf in h.leaves:
        top[leaf] = y
        y -= float(W.loc[leaf, "global"])
    for v in h.nodes:
        if v not in top:
            top[v] = top[h.leaves_under(v)[0]]
    cmap = plt.get_cmap("tab10")
    crit = {c: k for k, c in enumerate(h.children(h.root))}

    def colour(v: str) -> Any:
        path = v
        while h.parent(path) is not None and h.parent(path) != h.root:
            path = h.parent(path)
        return cmap(crit.get(path, 0) % 10) if v != h.root else (0.85, 0.85, 0.85, 1)

    for v in h.nodes:
        d = int(W.loc[v, "depth"])
        g = float(W.loc[v, "global"])
        ax.add_patch(plt.Rectangle((d, top[v] - g), 0.95, g, facecolor=colour(v),
                                   edgecolor="white", linewidth=0.5,
                                   alpha=1.0 if d <= 1 else 0.75 - 0.15 * (d - 2)))
        fs = 8 if d <= 1 else (7 if d == 2 else 5.5)
        if g >= 0.008 or d <= 1:
            ax.text(d + 0.05, top[v] - g / 2, f"{_m(v)}  {g:.3f}", va="center", ha="left",
                    fontsize=fs)
    ax.set_xlim(0, depth_max + 1)
    ax.set_ylim(0, 1)
    ax.set_xticks(np.arange(depth_max + 1) + 0.475)
    ax.set_xticklabels([_m(W.loc[W.depth == d, "level"].iloc[0]) for d in
                        range(depth_max + 1)])
    ax.set_yticks([])
    for s in ("top", "right", "left"):
        ax.spines[s].set_visible(False)
    ax.set_title("Global weights (box height) at every level")
    return fig


def criteria_scores_figure(res: Any, plt: Any) -> Any:
    h = res.hierarchy
    S = res.scores[res.scores.grouping == "all"].set_index("node")["score"]
    crit = list(h.children(h.root))
    vals = [float(S[c]) for c in crit]
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(crit) + 1.2))
    ypos = np.arange(len(crit))[::-1]
    ax.barh(ypos, vals, color="#4c72b0")
    for yy, v in zip(ypos, vals, strict=True):
        ax.text(v + 0.01, yy, f"{v:.3f}", va="center", fontsize=7)
    goal = float(S[h.root])
    ax.axvline(goal, color="#c44e52", linestyle="--", linewidth=1)
    ax.text(goal, len(crit) - 0.4, f" {_m(h.root)} = {goal:.4f}", color="#c44e52", fontsize=7)
    ax.set_yticks(ypos)
    ax.set_yticklabels([_m(c) for c in crit])
    lo, hi = res.study.survey.likert
    span = max([*vals, goal]) - min([*vals, goal])
    ax.set_xlim(max(lo, min([*vals, goal]) - max(0.3, span)), min(hi, max(vals) + 0.3))
    ax.set_xlabel(f"composite score (Likert {lo}-{hi})")
    ax.set_title("Scores of the criteria, whole sample")
    return fig


def group_scores_figure(res: Any, plt: Any) -> Any:
    if not res.group_names:
        return None
    h = res.hierarchy
    gcol = next(iter(res.group_names))
    names = list(res.group_names[gcol])
    cols = [h.root, *h.children(h.root)]
    S = res.scores[res.scores.grouping == gcol].pivot(index="group", columns="node",
                                                      values="score")
    Z = S.loc[names, cols].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * len(cols), 0.22 * len(names) + 1.4))
    im = ax.imshow(Z, aspect="auto", cmap="viridis")
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            if np.isfinite(Z[i, j]):
                ax.text(j, i, f"{Z[i, j]:.2f}", ha="center", va="center", fontsize=5.5,
                        color="white" if Z[i, j] < np.nanmean(Z) else "black")
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels([_m(c) for c in cols])
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([_m(g) for g in names], fontsize=6)
    ax.set_title(f"Scores per {_m(gcol)}")
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    return fig


def consistency_figure(res: Any, plt: Any) -> Any:
    C = res.consistency
    C = C[(C.expert != "(aggregate)") & (C.n >= 3)]
    if C.empty:
        return None
    nodes = [v for v in res.panel.nodes if v in set(C.node)]
    experts = list(res.experts)
    R = (C.assign(ratio=C.value / C.threshold)
         .pivot(index="expert", columns="node", values="ratio")
         .reindex(index=experts, columns=nodes))
    Z = R.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(0.25 * len(nodes) + 2, 0.2 * len(experts) + 1.5))
    vmax = max(2.0, float(np.nanmax(Z)) if np.isfinite(Z).any() else 2.0)
    from matplotlib.colors import TwoSlopeNorm

    im = ax.imshow(Z, aspect="auto", cmap="RdYlGn_r", norm=TwoSlopeNorm(1.0, 0.0, vmax))
    bad = np.argwhere(Z > 1 + 1e-12)
    if bad.size:
        ax.scatter(bad[:, 1], bad[:, 0], marker="x", color="black", s=12, linewidths=0.8)
    ax.set_xticks(range(len(nodes)))
    ax.set_xticklabels([_m(v) for v in nodes], rotation=90, fontsize=6)
    ax.set_yticks(range(len(experts)))
    ax.set_yticklabels([_m(e) for e in experts], fontsize=6)
    idx = res.study.panel.index.upper()
    ax.set_title(f"{idx} / threshold per expert and node")
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    return fig


def forest_figure(res: Any, plt: Any) -> Any:
    """Scores with bootstrap intervals: goal + criteria, and the goal per group."""
    if res.bootstrap is None:
        return None
    h = res.hierarchy
    S = res.scores
    crit = [h.root, *h.children(h.root)]
    top = S[(S.grouping == "all")].set_index("node").loc[crit]
    gcol = res.run_info.get("bootstrap", {}).get("group")
    G = S[(S.grouping == gcol) & (S.node == h.root)] if gcol else S.iloc[:0]
    G = G.sort_values("score", kind="stable")
    panels = 2 if len(G) else 1
    height = max(0.3 * len(crit) + 1.2, 0.2 * len(G) + 1.2)
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, height), squeeze=False)

    def draw(ax, labels, est, lo, hi, title, colour):
        y = np.arange(len(labels))[::-1]
        err = np.vstack([est - lo, hi - est])
        ax.errorbar(est, y, xerr=np.where(np.isfinite(err), err, 0.0), fmt="o", ms=3,
                    color=colour, ecolor=colour, elinewidth=1, capsize=2)
        ax.set_yticks(y)
        ax.set_yticklabels([_m(x) for x in labels], fontsize=7 if len(labels) <= 12 else 6)
        ax.set_title(title)
        ax.grid(axis="x", linewidth=0.3)

    b = res.run_info["bootstrap"]
    lv = f"{100 * b['confidence_level']:g}% {'BCa' if b['method'] == 'bca' else b['method']}"
    draw(axes[0, 0], crit, top.score.to_numpy(), top.ci_low.to_numpy(),
         top.ci_high.to_numpy(), f"Goal and criteria ({lv})", "#4c72b0")
    goal = float(top.loc[h.root, "score"])
    axes[0, 0].axvline(goal, color="#c44e52", linestyle="--", linewidth=0.8)
    if len(G):
        draw(axes[0, 1], G.group.tolist(), G.score.to_numpy(), G.ci_low.to_numpy(),
             G.ci_high.to_numpy(), f"Goal {_m(h.root)} per {_m(gcol)} ({lv})", "#55a868")
        axes[0, 1].axvline(goal, color="#c44e52", linestyle="--", linewidth=0.8)
    lo, hi = res.study.survey.likert
    for ax in axes[0]:
        ax.set_xlabel(f"composite score (Likert {lo}-{hi})")
    fig.tight_layout()
    return fig


def rank_probability_figure(res: Any, plt: Any) -> Any:
    """Heat map of P(rank = r) of every group on the goal's score."""
    rp = res.uncertainty.get("rank_probabilities")
    if rp is None or rp.empty:
        return None
    h = res.hierarchy
    sub = rp[rp.node == h.root]
    gcol = str(sub.grouping.iloc[0])
    P = sub.pivot(index="group", columns="rank", values="probability")
    S = res.scores[(res.scores.grouping == gcol) & (res.scores.node == h.root)]
    order = S.sort_values("score", ascending=False, kind="stable").group.tolist()
    P = P.reindex(index=order)
    Z = P.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(0.2 * Z.shape[1] + 2.5, 0.2 * Z.shape[0] + 1.4))
    im = ax.imshow(Z, aspect="auto", cmap="Blues", vmin=0, vmax=max(0.05, float(Z.max())))
    ax.set_xticks(range(Z.shape[1]))
    ax.set_xticklabels([str(c) for c in P.columns], fontsize=6)
    ax.set_yticks(range(Z.shape[0]))
    ax.set_yticklabels([_m(g) for g in order], fontsize=6)
    ax.set_xlabel(f"rank on {_m(h.root)} (1 = highest score)")
    ax.set_title(f"P(rank) of every {_m(gcol)} (rows: highest estimate first)")
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    return fig


def credal_figure(res: Any, plt: Any) -> Any:
    """Heat map of the posterior P(w_i > w_j) among the goal's children."""
    cr = res.uncertainty.get("credal")
    if cr is None or cr.empty:
        return None
    h = res.hierarchy
    kids = list(h.children(h.root))
    sub = cr[cr.node == h.root]
    if sub.empty:
        return None
    P = sub.pivot(index="element_i", columns="element_j", values="p_greater").reindex(
        index=kids, columns=kids)
    Z = P.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(0.45 * len(kids) + 2, 0.4 * len(kids) + 1.2))
    im = ax.imshow(Z, cmap="RdBu_r", vmin=0, vmax=1)
    for i in range(len(kids)):
        for j in range(len(kids)):
            if np.isfinite(Z[i, j]):
                ax.text(j, i, f"{Z[i, j]:.2f}", ha="center", va="center", fontsize=6)
    ax.set_xticks(range(len(kids)))
    ax.set_xticklabels([_m(k) for k in kids])
    ax.set_yticks(range(len(kids)))
    ax.set_yticklabels([_m(k) for k in kids])
    ax.set_title(f"P(w_row > w_col) at {_m(h.root)}")
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    return fig


def expert_sigma_figure(res: Any, plt: Any) -> Any:
    """Posterior mean and interval of each expert's inconsistency sigma_k."""
    ex = res.uncertainty.get("expert_inconsistency")
    if ex is None or ex.empty:
        return None
    ex = ex.sort_values("sigma_mean", kind="stable")
    y = np.arange(len(ex))
    fig, ax = plt.subplots(figsize=(5, 0.2 * len(ex) + 1.2))
    m = ex.sigma_mean.to_numpy()
    err = np.vstack([m - ex.sigma_ci_low.to_numpy(), ex.sigma_ci_high.to_numpy() - m])
    ax.errorbar(m, y, xerr=err, fmt="o", ms=3, color="#8172b2", elinewidth=1, capsize=2)
    ax.set_yticks(y)
    ax.set_yticklabels([_m(e) for e in ex.expert], fontsize=6)
    ax.set_xlabel("sigma_k (sd of the expert's log-judgment errors)")
    ax.set_title("Expert inconsistency (posterior)")
    ax.grid(axis="x", linewidth=0.3)
    return fig


# --------------------------------------------------------------------------- robustness


def _sensitivity(res: Any) -> Any:
    return getattr(res, "sensitivity", None)


def specification_curve_figure(res: Any, plt: Any) -> Any:
    """Specification curve (Simonsohn, Simmons & Nelson 2020): the goal's score under every
    specification, sorted, above a dashboard of the choices each one makes.
    """
    sa = _sensitivity(res)
    if sa is None or sa.multiverse is None:
        return None
    mv = sa.multiverse
    h = res.hierarchy
    lo, hi = mv.info["likert"]
    spec = mv.specifications
    sc = mv.scores[mv.scores.node == h.root]
    overall = sc[sc.grouping == "all"].set_index("spec")["score"].reindex(spec.spec)
    mean_t = (spec.likert == "mean").to_numpy()
    y = overall.to_numpy(dtype=float).copy()
    y[mean_t] = (y[mean_t] - lo) / (hi - lo)
    grp = sc[sc.grouping != "all"]
    gmin = grp.groupby("spec")["score"].min().reindex(spec.spec).to_numpy(dtype=float).copy()
    gmax = grp.groupby("spec")["score"].max().reindex(spec.spec).to_numpy(dtype=float).copy()
    gmin[mean_t] = (gmin[mean_t] - lo) / (hi - lo)
    gmax[mean_t] = (gmax[mean_t] - lo) / (hi - lo)
    order = np.argsort(np.where(np.isnan(y), np.inf, y), kind="stable")
    factors = [f for f in ("weighting", "aggregation", "consistency", "policy", "missing",
                           "scale", "likert") if spec[f].nunique() > 1]
    rows = [(f, lev) for f in factors for lev in spec[f].drop_duplicates()]
    D = np.array([(spec[f].to_numpy()[order] == lev) for f, lev in rows], dtype=float)
    S = len(spec)
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(9, 3.2 + 0.14 * len(rows)), sharex=True,
                                  gridspec_kw={"height_ratios": [2.2, 0.14 * len(rows) + 0.4]})
    x = np.arange(S)
    if np.isfinite(gmin).any():
        ax.vlines(x, gmin[order], gmax[order], color="#c8d3e6", linewidth=0.6,
                  label="range over the groups")
    ax.scatter(x, y[order], s=2, color="#1f4e9c", label="whole sample", zorder=3)
    if mv.baseline is not None:
        xb = int(np.flatnonzero(order == mv.baseline)[0])
        ax.scatter([xb], [y[mv.baseline]], s=40, facecolor="none", edgecolor="#c44e52",
                   zorder=4, label="the study's own choices")
    ax.set_ylabel("goal score (0-1)")
    ax.set_title(f"Specification curve: {S} specifications, sorted by the goal's score "
                 "(mean answers in POMP units)")
    ax.legend(fontsize=6, loc="upper left")
    ax2.imshow(D, aspect="auto", cmap="Greys", vmin=0, vmax=1.4, interpolation="nearest")
    ax2.set_yticks(range(len(rows)))
    ax2.set_yticklabels([f"{_m(f)}: {_m(lev)}" for f, lev in rows], fontsize=5.5)
    ax2.set_xlabel("specification (sorted)")
    fig.tight_layout()
    return fig


def rank_stability_figure(res: Any, plt: Any) -> Any:
    """Each group's goal rank over the specifications: range, quartiles, median and the
    study's own rank.
    """
    sa = _sensitivity(res)
    if sa is None or sa.multiverse is None:
        return None
    mv = sa.multiverse
    h = res.hierarchy
    gcol = sa.settings.get("grouping")
    sc = mv.scores[(mv.scores.node == h.root) & (mv.scores.grouping == gcol)]
    if sc.empty:
        return None
    feas = set(mv.specifications.spec[mv.specifications.feasible])
    sc = sc[sc.spec.isin(feas)]
    st = mv.rank_stability[(mv.rank_stability.grouping == gcol)
                           & (mv.rank_stability.node == h.root)]
    st = st.sort_values(["baseline_rank", "group"], kind="stable")
    groups = st.group.tolist()
    fig, ax = plt.subplots(figsize=(7, 0.22 * len(groups) + 1.3))
    for i, g in enumerate(groups):
        r = sc[sc.group == g]["rank"].dropna().to_numpy()
        if r.size == 0:
            continue
        q1, med, q3 = np.percentile(r, [25, 50, 75])
        ax.hlines(i, r.min(), r.max(), color="#b0b0b0", linewidth=1)
        ax.hlines(i, q1, q3, color="#4c72b0", linewidth=4)
        ax.plot([med], [i], "o", color="white", markeredgecolor="#1f4e9c", markersize=4)
    ax.plot(st.baseline_rank.to_numpy(), np.arange(len(groups)), "x", color="#c44e52",
            markersize=5, label="the study's own choices")
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels([f"{_m(g)} ({s:.0%})" for g, s in zip(groups, st.share_same_rank,
                                                              strict=True)], fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel(f"rank on {_m(h.root)} (1 = highest score)")
    ax.set_title(f"Goal rank of every {_m(gcol)} over the specifications (range, quartiles, "
                 "median); in brackets: share keeping its rank")
    ax.legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    return fig


def weight_gradient_figure(res: Any, plt: Any) -> Any:
    """Every group's goal score against one criterion's weight (siblings rescaled), with the
    crossings and the interval in which the ranking holds: the most critical criterion
    among the goal's children.
    """
    sa = _sensitivity(res)
    if sa is None or sa.weights is None:
        return None
    ws = sa.weights
    h = res.hierarchy
    iv = ws.intervals[ws.intervals.parent == h.root]
    if iv.empty:
        return None
    crit = ws.critical[(ws.critical.scope == "criteria") & (ws.critical.measure == "AA")]
    node = crit.node.iloc[0] if len(crit) and crit.node.iloc[0] is not None else \
        iv.sort_values("weight", ascending=False).node.iloc[0]
    row = iv[iv.node == node].iloc[0]
    L = ws.lines[(ws.lines.parent == h.root) & (ws.lines.node == node)]
    C = ws.crossings[(ws.crossings.parent == h.root) & (ws.crossings.node == node)]
    t = np.linspace(0, 1, 101)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.axvspan(row.lower, row.upper, color="#e8f0e0", label="ranking unchanged")
    for a, b in zip(L.intercept, L.slope, strict=True):
        ax.plot(t, a + b * t, color="#4c72b0", linewidth=0.6, alpha=0.7)
    if len(C):
        ax.scatter(C.t, [float(L.set_index("group").loc[g, "intercept"]
                               + L.set_index("group").loc[g, "slope"] * x)
                         for g, x in zip(C.ahead, C.t, strict=True)],
                   s=6, color="#c44e52", zorder=3, label="crossings (rank reversals)")
    ax.axvline(row.weight, color="black", linestyle="--", linewidth=1,
               label=f"current weight {row.weight:.3f}")
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"local weight of {_m(node)} (its siblings rescaled proportionally)")
    ax.set_ylabel(f"goal score per {_m(row.grouping)}")
    ax.set_title(f"Scores against the weight of {_m(node)}: the ranking holds on "
                 f"[{row.lower:.3f}, {row.upper:.3f}], the top group on "
                 f"[{row.top_lower:.3f}, {row.top_upper:.3f}]")
    ax.legend(fontsize=6, loc="best")
    fig.tight_layout()
    return fig


FIGURES.update({
    "specification_curve.png": "Specification curve: the goal's score under every combination "
                               "of analyst choices, sorted, with the choices below "
                               "(Simonsohn, Simmons & Nelson 2020).",
    "rank_stability.png": "Goal rank of every group over the specifications of the "
                          "multiverse.",
    "weight_gradient.png": "Goal scores of the groups against the weight of the most "
                           "critical criterion, with the rank reversals.",
})
_ROBUSTNESS_FIGURES = (("specification_curve.png", specification_curve_figure),
                       ("rank_stability.png", rank_stability_figure),
                       ("weight_gradient.png", weight_gradient_figure))
