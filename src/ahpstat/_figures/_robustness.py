"""Figures of the robustness of the results: the specification curve and rank
stability of the multiverse, the weight gradient of the sensitivity analysis, and the
weights of other weightings side by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ahpstat._figures._common import GOAL_COLOUR, interval_text, new_figure
from ahpstat._figures._labels import Names
from ahpstat._figures._layout import fixed_layout
from ahpstat._figures._options import FIGURES
from ahpstat._text import escape_mathtext as _m


def _sensitivity(res: Any) -> Any:
    return getattr(res, "sensitivity", None)


def specification_curve_figure(res: Any, names: Names) -> tuple[Any, str] | None:
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
    factors = [f for f in mv.grid if f in spec and spec[f].nunique() > 1]
    rows = [(f, lev) for f in factors for lev in spec[f].drop_duplicates()]
    D = np.array([(spec[f].to_numpy()[order] == lev) for f, lev in rows], dtype=float)
    S = len(spec)
    fig = new_figure(9, 3.2 + 0.14 * len(rows))
    ax, ax2 = fig.subplots(2, 1, sharex=True,
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
    ax2.set_ylabel("choices")
    return fig, (FIGURES["specification_curve"] + " Dots: the whole sample's goal score; "
                 "vertical lines: its range over the groups; circle: the study's own "
                 "choices. Dark cells below: the choices each specification makes.")


def rank_stability_figure(res: Any, names: Names) -> tuple[Any, str] | None:
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
    fig = new_figure(7, 0.22 * len(groups) + 1.3)
    ax = fig.add_subplot()
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
    ax.set_ylabel(f"{_m(str(gcol))} (share of specifications keeping its rank)")
    ax.legend(fontsize=6, loc="lower right")
    return fig, (FIGURES["rank_stability"] + " Grey line: the range of the rank; thick bar: "
                 "its quartiles; white dot: the median; red x: the rank under the study's "
                 "own choices.")


def weight_gradient_figure(res: Any, names: Names) -> tuple[Any, str] | None:
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
    fig = new_figure(7, 4.5)
    ax = fig.add_subplot()
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
    return fig, (FIGURES["weight_gradient"] + " Each line is a group's goal score; the "
                 "dashed line marks the criterion's current weight, the shaded band the "
                 "weights within which the ranking of the groups is unchanged.")


#: colours of the weightings in the side-by-side weights figure
_WEIGHTING_COLOURS = {"ahp": "#4c72b0", "entropy": "#55a868", "critic": "#dd8452",
                      "sd": "#8172b3", "cv": "#937860", "combined": "#c44e52"}


def weights_compared_figure(res: Any, names: Names) -> tuple[Any, str] | None:
    """Global weights of the goal's children under every weighting, with intervals."""
    t = res.uncertainty.get("objective_weights")
    if t is None or t.empty:
        return None
    h = res.hierarchy
    crit = list(h.children(h.root))
    sub = t[(t.weight == "global") & t.node.isin(crit)]
    ws = list(dict.fromkeys(sub.weighting))
    if len(ws) < 2:
        return None
    fig = new_figure(6.2, 0.42 * len(crit) * max(1.0, len(ws) / 3) + 1.6, fixed=True)
    ax = fig.add_subplot()
    y0 = np.arange(len(crit))[::-1].astype(float)
    step = 0.8 / len(ws)
    has_ci = bool(sub.ci_low.notna().any())
    for k, w in enumerate(ws):
        d = sub[sub.weighting == w].set_index("node").reindex(crit)
        est = d.estimate.to_numpy(dtype=float)
        y = y0 + 0.4 - step * (k + 0.5)
        colour = _WEIGHTING_COLOURS.get(w, "#333333")
        if has_ci:
            lo, hi = d.ci_low.to_numpy(dtype=float), d.ci_high.to_numpy(dtype=float)
            err = np.vstack([est - lo, hi - est])
            ax.errorbar(est, y, xerr=np.where(np.isfinite(err), np.maximum(err, 0), 0.0),
                        fmt="o", ms=3, color=colour, ecolor=colour, elinewidth=1, capsize=2,
                        label=w)
        else:
            ax.plot(est, y, "o", ms=3.5, color=colour, label=w)
    ax.axvline(1.0 / len(crit), color=GOAL_COLOUR, linestyle="--", linewidth=0.8,
               label=f"equal weights (1/{len(crit)})")
    ax.set_yticks(y0, [names(v, width=32) for v in crit], fontsize=7)
    ax.set_xlabel(f"global weight of the criterion (sums to 1 over the {len(crit)} criteria)")
    ax.set_ylabel(f"criteria (children of {names(h.root)})")
    ax.set_title("Subjective (AHP) against objective weights")
    fixed_layout(fig, ax)
    ax.grid(axis="x", linewidth=0.3, color="#dddddd")
    ax.legend(loc="lower right", fontsize=6, frameon=True, title="weighting",
              title_fontsize=6)
    cap = FIGURES["weights_compared"] + " Dots: estimates."
    if has_ci:
        lv = interval_text(res) or "bootstrap interval"
        cap += (f" Bars: {lv}s from the same resamples as the scores (each weighting "
                "resamples what it depends on: AHP the experts, objective weights the "
                "respondents, the combination both; `objective_weights.csv` says which).")
    cap += " Dashed line: equal weights."
    return fig, cap
