"""A study's panel re-run under every weighting method: which nodes' weight order and which
groups' ranks change (:func:`compare_study`, :class:`StudyComparison`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ahpstat._results import TablesResult
from ahpstat.compare._measures import (
    average_ranks,
    descending_ranks,
    kendall_tau,
    weighted_spearman,
)
from ahpstat.compare._methods import DEFAULT_METHODS, check_methods

__all__ = ["StudyComparison", "compare_study"]


# --------------------------------------------------------------------------- a whole study


@dataclass(frozen=True)
class StudyComparison(TablesResult):
    """A study's panel re-run under several weighting methods (everything else as in the
    study).

    Attributes
    ----------
    methods : tuple of str
        The weighting methods, the reference first.
    weights : pandas.DataFrame
        ``method, node, parent, local, global, local_rank`` (every non-root node; rank 1 =
        largest local weight among its siblings).
    order : pandas.DataFrame
        ``node, method_a, method_b, same_order, kendall_tau, weighted_spearman,
        max_abs_local_diff``: for every internal node with two or more children and every
        two methods, whether the children's weight order is the same.
    scores : pandas.DataFrame
        ``method, grouping, group, node, score, rank, score_change, rank_change``: the goal's
        and every internal node's score per group (and for the whole sample, ``group =
        "all"``, rank empty), with the change from the first method.
    summary : pandas.DataFrame
        ``method, goal_score, max_abs_score_change, groups_rank_changed,
        nodes_order_differs`` against the first method (the reference).
    """

    methods: tuple[str, ...]
    weights: Any
    order: Any
    scores: Any
    summary: Any
    leaf_weights: dict[str, np.ndarray] = field(repr=False)

    def _frames(self) -> dict[str, Any]:
        """The tables by kind (``compare_<kind>`` when a study writes them)."""
        return {"weights": self.weights, "order": self.order, "scores": self.scores,
                "summary": self.summary}


def compare_study(result: Any, *, methods: Sequence[str] | None = None) -> StudyComparison:
    """Re-run a study's panel under several weighting methods and compare the outcomes.

    The aggregation rule, consistency index, threshold, inconsistency policy, expert weights
    and the survey stay as the study has them; only the weighting method changes (the
    study's own method is the reference, first, unless ``methods`` says otherwise).

    Parameters
    ----------
    result : StudyResult
        A run study (:meth:`ahpstat.Study.run`).
    methods : sequence of str, optional
        Default: the study's method, then the other complete-matrix methods.

    Returns
    -------
    StudyComparison
        Tables ``weights``, ``order``, ``scores``, ``summary``.

    Examples
    --------
    >>> from ahpstat.datasets import example_study_result
    >>> cmp = compare_study(example_study_result())
    >>> cmp.summary[["method", "nodes_order_differs"]]
               method  nodes_order_differs
    0     eigenvector                    0
    1  geometric_mean                    0
    2     column_mean                    0
    """
    import pandas as pd

    from ahpstat.panel import run_panel
    from ahpstat.scoring import composite_scores, item_sums_counts, means_from_sums

    base = result.study.panel
    if methods is None:
        meths = (base.weighting, *(m for m in DEFAULT_METHODS if m != base.weighting))
    else:
        meths = check_methods(methods, False)
    h = result.hierarchy
    panel = result.panel
    nodes = tuple(h.nodes)
    internal = tuple(h.internal)
    pos = {v: k for k, v in enumerate(nodes)}
    leaf_w: dict[str, np.ndarray] = {}
    locals_: dict[str, dict[str, np.ndarray]] = {}
    w_rows = []
    for m in meths:
        p = panel if m == base.weighting else run_panel(
            result.stacks, h, experts=panel.experts, expert_weights=panel.expert_weights,
            options=replace(base, weighting=m))
        leaf_w[m] = p.leaf_weights
        locals_[m] = p.local
        for v in internal:
            lw = p.local[v]
            rk = average_ranks(lw)
            for c, x, r in zip(h.children(v), lw, rk, strict=True):
                w_rows.append((m, c, v, float(x), p.global_weights[c], float(r)))
    weights = pd.DataFrame(w_rows, columns=["method", "node", "parent", "local", "global",
                                            "local_rank"])
    o_rows = []
    for v in internal:
        if len(h.children(v)) < 2:
            continue
        for a, b in itertools.combinations(meths, 2):
            u, x = locals_[a][v], locals_[b][v]
            same = bool(np.array_equal(np.argsort(-u, kind="stable"),
                                       np.argsort(-x, kind="stable")))
            o_rows.append((v, a, b, same, float(kendall_tau(u, x)),
                           float(weighted_spearman(u, x)), float(np.abs(u - x).max())))
    order = pd.DataFrame(o_rows, columns=["node", "method_a", "method_b", "same_order",
                                          "kendall_tau", "weighted_spearman",
                                          "max_abs_local_diff"])
    X = result.answers
    Mship = result.membership
    s_all, c_all = item_sums_counts(X)
    blocks = [("all", ("all",), means_from_sums(s_all, c_all))]
    for gcol, codes in result.group_codes.items():
        names = result.group_names[gcol]
        s, c = item_sums_counts(X, codes, len(names))
        blocks.append((gcol, names, means_from_sums(s, c)))
    G = np.stack([leaf_w[m] for m in meths])  # (m, L)
    idx = [pos[v] for v in internal]
    s_rows = []
    ref_scores: dict[tuple[str, str, str], tuple[float, float]] = {}
    for gcol, names, means in blocks:
        S = composite_scores(G[:, None, :], means[None], Mship)[..., idx]  # (m, G, I)
        R = descending_ranks(S, axis=-2) if gcol != "all" else np.full(S.shape, np.nan)
        for k, m in enumerate(meths):
            for gi, g in enumerate(names):
                for j, v in enumerate(internal):
                    key = (gcol, g, v)
                    score, rank = float(S[k, gi, j]), float(R[k, gi, j])
                    if k == 0:
                        ref_scores[key] = (score, rank)
                    r0 = ref_scores[key]
                    s_rows.append((m, gcol, g, v, score, rank, score - r0[0], rank - r0[1]))
    scores = pd.DataFrame(s_rows, columns=["method", "grouping", "group", "node", "score",
                                           "rank", "score_change", "rank_change"])
    summ = []
    for m in meths:
        sub = scores[scores.method == m]
        goal = sub[(sub.grouping == "all") & (sub.node == h.root)].score.iloc[0]
        grp = sub[(sub.grouping != "all") & (sub.node == h.root)]
        nd = order[((order.method_a == meths[0]) & (order.method_b == m))]
        summ.append((m, float(goal), float(np.nanmax(np.abs(sub.score_change))),
                     int((grp.rank_change.fillna(0) != 0).sum()),
                     int((~nd.same_order).sum()) if len(nd) else 0))
    summary = pd.DataFrame(summ, columns=["method", "goal_score", "max_abs_score_change",
                                          "groups_rank_changed", "nodes_order_differs"])
    return StudyComparison(methods=meths, weights=weights, order=order, scores=scores,
                           summary=summary, leaf_weights=leaf_w)


