"""Figures of the uncertainty: bootstrap intervals of the scores, rank probabilities
(with the rank confidence sets) and the Bayesian model's credal and expert figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ahpstat._figures._common import (
    DOT_COLOUR,
    GOAL_COLOUR,
    annotate_cells,
    cell_fontsize,
    interval_text,
    likert_range,
    new_figure,
)
from ahpstat._figures._labels import Names
from ahpstat._figures._options import FIGURES
from ahpstat._text import escape_mathtext as _m


def forest_figure(res: Any, names: Names) -> tuple[Any, str] | None:
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
    height = max(0.3 * len(crit) + 1.5, 0.19 * len(G) + 1.5)
    fig = new_figure(5.2 * panels, height)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    lv = interval_text(res)
    goal = float(top.loc[h.root, "score"])

    def draw(ax: Any, labels: list[str], est: Any, lo: Any, hi: Any, title: str,
             colour: str) -> None:
        y = np.arange(len(labels))[::-1]
        err = np.vstack([est - lo, hi - est])
        ax.errorbar(est, y, xerr=np.where(np.isfinite(err), err, 0.0), fmt="o", ms=3,
                    color=colour, ecolor=colour, elinewidth=1, capsize=2, label=lv)
        ax.axvline(goal, color=GOAL_COLOUR, linestyle="--", linewidth=0.8,
                   label=f"goal {names(h.root)}, whole sample ({goal:.3f})")
        ax.set_yticks(y, labels, fontsize=7 if len(labels) <= 12 else 6)
        ax.set_title(title)
        ax.grid(axis="x", linewidth=0.3, color="#dddddd")
        ax.legend(loc="lower right", fontsize=6, frameon=True)

    draw(axes[0], [names(v, width=32) for v in crit], top.score.to_numpy(),
         top.ci_low.to_numpy(), top.ci_high.to_numpy(), "Goal and criteria, whole sample",
         DOT_COLOUR)
    axes[0].set_ylabel("goal and criteria")
    if len(G):
        draw(axes[1], [_m(str(g)) for g in G.group], G.score.to_numpy(), G.ci_low.to_numpy(),
             G.ci_high.to_numpy(), f"Goal {names(h.root)} per {_m(str(gcol))}", "#55a868")
        axes[1].set_ylabel(_m(str(gcol)))
    lo, hi = likert_range(res)
    for ax in axes:
        ax.set_xlabel(f"composite score (Likert {lo}–{hi})")
    cap = (FIGURES["forest_scores"] + f" Dots: estimates; bars: {lv}s; dashed line: the "
           "goal's score in the whole sample.")
    return fig, cap


def rank_probability_figure(res: Any, names: Names) -> tuple[Any, str] | None:
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
    fig = new_figure(0.2 * Z.shape[1] + 2.8, 0.2 * Z.shape[0] + 1.6)
    ax = fig.add_subplot()
    im = ax.imshow(Z, aspect="auto", cmap="Blues", vmin=0, vmax=max(0.05, float(Z.max())))
    ax.set_xticks(range(Z.shape[1]), [str(c) for c in P.columns], fontsize=6)
    ax.set_yticks(range(Z.shape[0]), [_m(str(g)) for g in order], fontsize=6)
    ax.set_xlabel(f"rank on the goal {names(h.root)} (1 = highest score)")
    ax.set_ylabel(f"{_m(gcol)} (highest estimate first)")
    cb = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    cb.set_label("P(rank = r) over the bootstrap resamples")
    ax.set_title(f"How sure is each {_m(gcol)}'s rank?")
    n = res.run_info.get("bootstrap", {}).get("replicates")
    cap = (FIGURES["rank_probabilities"] + " Rank 1 = highest score; each row sums to 1"
           + (f" over {n} resamples." if n else "."))
    return fig, cap + _rank_sets_overlay(res, ax, gcol, order, list(P.columns))


def _rank_sets_overlay(res: Any, ax: Any, gcol: str, order: list[Any],
                       ranks: list[Any]) -> str:
    """Draw each group's joint rank set (box) and marginal rank interval (line) on the goal
    row of the rank heat map; return the caption's sentence about them.
    """
    h = res.hierarchy
    col = {r: k for k, r in enumerate(ranks)}
    row = {str(g): k for k, g in enumerate(order)}
    said = []
    rs = res.uncertainty.get("rank_confidence_sets")
    if rs is not None and not rs.empty:
        j = rs[(rs.ranked == "groups") & (rs.node == h.root) & (rs.coverage == "joint")
               & (rs.grouping == gcol)].dropna(subset=["rank_low", "rank_high"])
        for i, r in enumerate(j.itertuples(index=False)):
            y = row.get(str(r.group))
            if y is None or r.rank_low not in col or r.rank_high not in col:
                continue
            ax.add_patch(_rectangle((col[r.rank_low] - 0.5, y - 0.42),
                                    col[r.rank_high] - col[r.rank_low] + 1, 0.84,
                                    fill=False, ec="#dd8452", lw=1.4,
                                    label="joint rank set" if i == 0 else None))
        if len(j):
            lv = f"{100 * float(j.confidence_level.iloc[0]):g}%"
            said.append(f"orange boxes: {lv} joint rank sets, covering the true ranks of all "
                        f"{len(j)} groups together (bootstrap max-t with stepdown, Mogstad "
                        "et al. 2024)")
    R = res.ranks[(res.ranks.grouping == gcol) & (res.ranks.node == h.root)].dropna(
        subset=["rank_ci_low", "rank_ci_high"])
    first = True
    for r in R.itertuples(index=False):
        y = row.get(str(r.group))
        lo, hi = col.get(r.rank_ci_low), col.get(r.rank_ci_high)
        if y is None or lo is None or hi is None:
            continue
        ax.plot([lo, hi], [y, y], color="black", lw=0.9, marker="|", ms=4,
                label="marginal rank interval" if first else None)
        first = False
    if not first:
        level = res.run_info.get("bootstrap", {}).get("confidence_level")
        lv = f"{100 * level:g}% " if level else ""
        said.append(f"black lines: {lv}marginal intervals (percentiles of each group's "
                    "bootstrap ranks), each covering its own rank only")
    if said:
        ax.legend(loc="upper right", fontsize=6, framealpha=0.8)  # top rows rank high
    text = "; ".join(said)
    return (" " + text[:1].upper() + text[1:] + ".") if said else ""


def _rectangle(xy: tuple[float, float], w: float, h: float, **kw: Any) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(xy, w, h, **kw)


def credal_figure(res: Any, names: Names) -> tuple[Any, str] | None:
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
    wide = names.mode != "id"
    fig_w = 0.5 * len(kids) + (3.6 if wide else 2.4)
    fig_h = 0.42 * len(kids) + (2.4 if wide else 1.5)
    fig = new_figure(fig_w, fig_h)
    ax = fig.add_subplot()
    im = ax.imshow(Z, cmap="RdBu_r", vmin=0, vmax=1)
    annotate_cells(ax, im, Z, ".2f", cell_fontsize(fig_h, len(kids), fig_w - 1.5,
                                                   len(kids), 4))
    ax.set_xticks(range(len(kids)), [names(k, width=20) for k in kids],
                  rotation=40 if wide else 0, ha="right" if wide else "center")
    ax.set_yticks(range(len(kids)), [names(k, width=20) for k in kids])
    ax.set_xlabel("column criterion j")
    ax.set_ylabel("row criterion i")
    cb = fig.colorbar(im, ax=ax, fraction=0.05, pad=0.03)
    cb.set_label("posterior P(w_i > w_j)")
    ax.set_title(f"Credal ranking of the criteria at {names(h.root)}")
    cap = (FIGURES["bayes_credal"] + " 0.5 = undecided; near 1 (red) the row criterion "
           "outweighs the column criterion in almost every posterior draw.")
    return fig, cap


def expert_sigma_figure(res: Any, names: Names) -> tuple[Any, str] | None:
    """Posterior mean and interval of each expert's inconsistency sigma_k."""
    ex = res.uncertainty.get("expert_inconsistency")
    if ex is None or ex.empty:
        return None
    ex = ex.sort_values("sigma_mean", kind="stable")
    y = np.arange(len(ex))
    fig = new_figure(5.2, 0.19 * len(ex) + 1.5)
    ax = fig.add_subplot()
    m = ex.sigma_mean.to_numpy()
    err = np.vstack([m - ex.sigma_ci_low.to_numpy(), ex.sigma_ci_high.to_numpy() - m])
    level = res.run_info.get("bayes", {}).get("credible_level", 0.95)
    lv = f"{100 * level:g}% equal-tailed credible interval"
    ax.errorbar(m, y, xerr=err, fmt="o", ms=3, color="#8172b2", elinewidth=1, capsize=2,
                label=f"posterior mean and {lv}")
    ax.set_yticks(y, [_m(str(e)) for e in ex.expert], fontsize=6)
    ax.set_xlabel("σ_k: sd of the expert's log-judgment errors")
    ax.set_ylabel("expert (least to most inconsistent)")
    ax.set_title("Expert inconsistency (posterior)")
    ax.grid(axis="x", linewidth=0.3, color="#dddddd")
    ax.legend(loc="lower right", fontsize=6, frameon=True)
    cap = (FIGURES["bayes_experts"] + f" Dots: posterior means; bars: {lv}s. Larger σ_k = "
           "more erratic judgments, less influence on the weights.")
    return fig, cap
