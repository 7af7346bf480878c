"""Figures of the point estimates: the hierarchy, the scores (whole sample and per
group) and the experts' consistency.
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
    spread_labels,
    text_colour,
)
from ahpstat._figures._labels import Names, fitting_lines
from ahpstat._figures._layout import EDGE_PT, fixed_layout
from ahpstat._figures._options import FIGURES
from ahpstat._text import escape_mathtext as _m


def hierarchy_figure(res: Any, names: Names) -> tuple[Any, str] | None:
    """Icicle chart: one column per level, box height = global weight; the deepest level's
    labels beside it, spread so they never overlap, each joined to its box.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    h = res.hierarchy
    W = res.weights.set_index("node")
    depth_of = {v: int(d) for v, d in W["depth"].items()}
    global_of = {v: float(g) for v, g in W["global"].items()}
    depth_max = max(depth_of.values())
    leaves = list(h.leaves)
    n_deep = sum(1 for v in h.nodes if depth_of[v] == depth_max)
    wide = names.mode != "id"
    col_w = 1.9 if wide else 1.15
    label_w = 2.6 if wide else 1.1
    height = max(4.0, 0.125 * n_deep + 1.0)
    fig = new_figure(col_w * depth_max + 0.9 + label_w, height, fixed=True)
    ax = fig.add_subplot()
    top: dict[str, float] = {}
    y = 1.0
    for leaf in leaves:
        top[leaf] = y
        y -= global_of[leaf]
    for v in reversed(h.nodes):  # a node starts where its first leaf starts
        if v not in top:
            top[v] = top[h.leaves_under(v)[0]]
    import matplotlib as mpl

    cmap = mpl.colormaps["tab10"]
    crit = {c: k for k, c in enumerate(h.children(h.root))}

    def colour(v: str) -> Any:
        if v == h.root:
            return (0.88, 0.88, 0.88, 1.0)
        path = v
        while h.parent(path) not in (None, h.root):
            path = h.parent(path)
        base = np.array(cmap(crit.get(path, 0) % 10))
        d = depth_of[v]
        return (*tuple(base[:3] + (1 - base[:3]) * min(0.55, 0.2 * (d - 1))), 1.0)

    x_of = {d: (0.0 if d == 0 else 0.9 + col_w * (d - 1)) for d in range(depth_max + 1)}
    w_of = {d: (0.85 if d == 0 else col_w * 0.95) for d in range(depth_max + 1)}
    pt_per_unit = 72 * height * 0.9  # y-axis units (0..1) -> points, roughly
    pt_per_inch = 72 * 0.92  # x-axis units are about inches (less the margins)
    deep: list[tuple[str, float]] = []
    for v in h.nodes:
        d = depth_of[v]
        g = global_of[v]
        rgba = colour(v)
        # add_artist, not add_patch: the limits are set below, so the data limits that
        # add_patch updates (a third of this figure's time) are never used
        ax.add_artist(Rectangle((x_of[d], top[v] - g), w_of[d], g, facecolor=rgba,
                                edgecolor="white", linewidth=0.6))
        if d == depth_max and d > 0:
            deep.append((v, top[v] - g / 2))
            continue
        fs = 8.0 if d <= 1 else 7.0
        if d == 0:  # the goal's box is the whole height: its name reads upwards along it
            text = names.fit(v, f"  {g:.3f}", 0.9 * pt_per_unit, fs,
                             lines=fitting_lines(w_of[0] * pt_per_inch, fs, 2))
            ax.text(x_of[0] + w_of[0] / 2, 0.5, text, rotation=90, va="center",
                    ha="center", ma="center", fontsize=fs, color=text_colour(rgba))
        elif g * pt_per_unit >= fs * 1.15:  # the label fits inside the box
            text = names.fit(v, f"  {g:.3f}", (w_of[d] - 0.1) * pt_per_inch, fs,
                             lines=fitting_lines(g * pt_per_unit, fs, 3))
            ax.text(x_of[d] + 0.04, top[v] - g / 2, text, va="center", ha="left",
                    fontsize=fs, color=text_colour(rgba))
    if deep:
        fs = 6.0
        x_box = x_of[depth_max] + w_of[depth_max]
        x_lab = x_box + 0.25
        ys = np.array([c for _, c in deep])
        pos = spread_labels(ys, gap=1.15 * fs / pt_per_unit, lo=0.004, hi=0.996)
        # the leaders from the boxes to their labels: one artist, not one line each
        ax.add_collection(LineCollection(
            [[(x_box, c), (x_box + 0.08, p), (x_lab - 0.03, p)]
             for (_, c), p in zip(deep, pos, strict=True)],
            colors="#999999", linewidths=0.4), autolim=False)
        for (v, _c), p in zip(deep, pos, strict=True):
            g = global_of[v]
            ax.text(x_lab, p, names.fit(v, f"  {g:.3f}", label_w * pt_per_inch, fs),
                    va="center", ha="left", fontsize=fs)
    ax.set_xlim(0, x_of[depth_max] + w_of[depth_max] + 0.25 + label_w)
    ax.set_ylim(0, 1)
    level_names = [_m(str(W.loc[W.depth == d, "level"].iloc[0])) for d in range(depth_max + 1)]
    ax.set_xticks([x_of[d] + w_of[d] / 2 for d in range(depth_max + 1)], level_names)
    ax.set_yticks([])
    for s in ("top", "right", "left"):
        ax.spines[s].set_visible(False)
    ax.set_title("Global weights: box height = the node's weight in the whole hierarchy")
    fixed_layout(fig, ax)
    cap = (FIGURES["hierarchy"] + " Numbers are global weights (they sum to 1 over each "
           "level); the last level's labels are set beside their boxes.")
    return fig, cap


def criteria_scores_figure(res: Any, names: Names) -> tuple[Any, str] | None:
    """Dot-and-interval plot of the goal's and the criteria's scores (whole sample)."""
    h = res.hierarchy
    S = res.scores[res.scores.grouping == "all"].set_index("node")
    nodes = [h.root, *h.children(h.root)]
    est = np.array([float(S.loc[v, "score"]) for v in nodes])
    interval = interval_text(res)
    lo_hi = None
    if interval and {"ci_low", "ci_high"} <= set(S.columns):
        lo_hi = np.array([[float(S.loc[v, "ci_low"]) for v in nodes],
                          [float(S.loc[v, "ci_high"]) for v in nodes]])
    wide = names.mode != "id"
    fig = new_figure(6.4 if wide else 5.6, 0.3 * len(nodes) + 1.3, fixed=True)
    ax = fig.add_subplot()
    y = np.arange(len(nodes))[::-1].astype(float)
    y[0] += 0.4  # the goal set apart above the criteria
    goal = est[0]
    ax.axvline(goal, color=GOAL_COLOUR, linestyle="--", linewidth=0.9,
               label=f"goal {names(h.root)} = {goal:.4f}")
    if lo_hi is not None:
        err = np.vstack([est - lo_hi[0], lo_hi[1] - est])
        ax.errorbar(est, y, xerr=np.where(np.isfinite(err), err, 0.0), fmt="none",
                    ecolor=DOT_COLOUR, elinewidth=1.2, capsize=2.5, label=interval)
    ax.plot(est, y, "o", color=DOT_COLOUR, ms=4.5, label="estimate", zorder=3)
    right = lo_hi[1] if lo_hi is not None else est
    for yy, v, r in zip(y, est, right, strict=True):
        ax.annotate(f"{v:.3f}", (r, yy), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=7)
    ax.set_yticks(y, [names(v, width=40) for v in nodes])
    lo, hi = likert_range(res)
    span_lo = np.nanmin(lo_hi[0]) if lo_hi is not None else est.min()
    span_hi = np.nanmax(lo_hi[1]) if lo_hi is not None else est.max()
    pad = max(0.08, 0.12 * (span_hi - span_lo))
    ax.set_xlim(max(lo, span_lo - pad), min(hi, span_hi + 2.2 * pad))
    ax.set_xlabel(f"composite score (Likert scale {lo}–{hi}; axis shows part of it)")
    ax.set_ylabel("goal and criteria")
    ax.grid(axis="x", linewidth=0.3, color="#dddddd")
    ax.legend(loc="lower right", fontsize=6.5, frameon=True)
    ax.set_title("Scores of the goal and the criteria, whole sample")
    fixed_layout(fig, ax)
    cap = (FIGURES["scores_criteria"] + " Dots: estimates; dashed line: the goal's score"
           + (f"; bars: {interval}s." if interval else " (no bootstrap section: no "
              "intervals)."))
    return fig, cap


def group_scores_figure(res: Any, names: Names) -> tuple[Any, str] | None:
    if not res.group_names:
        return None
    h = res.hierarchy
    gcol = next(iter(res.group_names))
    groups = list(res.group_names[gcol])
    cols = [h.root, *h.children(h.root)]
    S = res.scores[res.scores.grouping == gcol].pivot(index="group", columns="node",
                                                      values="score")
    Z = S.reindex(index=groups, columns=cols).to_numpy(dtype=float)
    wide = names.mode != "id"
    fig_w = 1.6 + (0.75 if wide else 0.55) * len(cols)
    fig_h = 0.24 * len(groups) + (2.0 if wide else 1.5)
    fig = new_figure(fig_w, fig_h, fixed=True)
    ax = fig.add_subplot()
    im = ax.imshow(Z, aspect="auto", cmap="viridis")
    annotate_cells(ax, im, Z, ".2f", cell_fontsize(fig_h, len(groups), fig_w - 1.2,
                                                   len(cols), 4))
    ax.set_xticks(range(len(cols)), [names(c, width=24) for c in cols],
                  rotation=40 if wide else 0, ha="right" if wide else "center")
    ax.set_yticks(range(len(groups)), [_m(str(g)) for g in groups], fontsize=6.5)
    ax.set_xlabel("goal and criteria")
    ax.set_ylabel(_m(str(gcol)))
    lo, hi = likert_range(res)
    cb = fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02)
    cb.set_label(f"composite score (Likert {lo}–{hi})")
    ax.set_title(f"Scores per {_m(str(gcol))}")
    fixed_layout(fig, ax, cbar=cb)
    cap = (FIGURES["scores_groups"].replace("group", _m(str(gcol)), 1)
           + " Cell numbers are the scores; colours span the range shown on the colour bar.")
    return fig, cap


def consistency_figure(res: Any, names: Names) -> tuple[Any, str] | None:
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.lines import Line2D

    C = res.consistency
    C = C[C.expert != "(aggregate)"]
    small = [v for v in res.panel.nodes if v in set(C.node[C.n < 3])]
    C = C[C.n >= 3]
    idx = res.study.panel.index.upper()
    if C.empty:
        return None
    nodes = [v for v in res.panel.nodes if v in set(C.node)]
    experts = list(res.experts)
    R = (C.assign(ratio=C.value / C.threshold)
         .pivot(index="expert", columns="node", values="ratio")
         .reindex(index=experts, columns=nodes))
    Z = R.to_numpy(dtype=float)
    wide = names.mode != "id"
    fig = new_figure(0.24 * len(nodes) + 2.6, 0.2 * len(experts) + (2.6 if wide else 1.9),
                     fixed=True)
    ax = fig.add_subplot()
    vmax = max(2.0, float(np.nanmax(Z)) if np.isfinite(Z).any() else 2.0)
    im = ax.imshow(Z, aspect="auto", cmap="RdYlGn_r", norm=TwoSlopeNorm(1.0, 0.0, vmax))
    bad = np.argwhere(Z > 1 + 1e-12)
    if bad.size:
        ax.scatter(bad[:, 1], bad[:, 0], marker="x", color="black", s=14, linewidths=0.8)
    ax.set_xticks(range(len(nodes)), [names(v, width=18) for v in nodes], rotation=90,
                  fontsize=6)
    ax.set_yticks(range(len(experts)), [_m(str(e)) for e in experts], fontsize=6)
    ax.set_xlabel("node (matrices of order 3 or more)")
    ax.set_ylabel("expert")
    cb = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    cb.set_label(f"{idx} / threshold (above 1: not acceptable)")
    legend_fs = 6.5
    width, height = (float(x) * 72 for x in fig.get_size_inches())
    ax.legend(handles=[Line2D([], [], marker="x", color="black", linestyle="none",
                              label="above the threshold")],
              loc="lower left", bbox_to_anchor=(EDGE_PT / width, EDGE_PT / height),
              bbox_transform=fig.transFigure, borderaxespad=0, fontsize=legend_fs,
              frameon=False)
    thr = res.panel.threshold
    ax.set_title(f"{idx} of every expert's matrix, relative to its threshold"
                 + (f" ({thr:g})" if thr is not None else ""))
    fixed_layout(fig, ax, cbar=cb, below=2.2 * legend_fs)
    cap = (f"Consistency of every expert's matrix at every node: {idx} divided by the "
           "threshold (green: acceptable, red and x: not acceptable; blank: the expert did "
           "not judge that node).")
    if small:
        shown = ", ".join(_m(str(v)) for v in small[:12]) + (", …" if len(small) > 12 else "")
        cap += (f" Not shown: the {len(small)} node(s) with two elements ({shown}), whose "
                "2 × 2 matrices are always consistent.")
    return fig, cap
