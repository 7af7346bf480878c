"""One at a time (exact): the interval of every criterion's local weight in which the groups'
ranking (or the top group) does not change, and Triantaphyllou & Sánchez's (1997) thresholds
(:func:`weight_sensitivity`; its numpy core :func:`rank_reversal_intervals`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ahpstat._results import TablesResult
from ahpstat.sensitivity._common import group_means

__all__ = ["CROSSING_RTOL", "WeightSensitivityResult", "rank_reversal_intervals",
           "weight_sensitivity"]

#: relative tolerance under which a crossing counts as lying at the current weight
CROSSING_RTOL = 1e-9


# --------------------------------------------------------------------------- numpy core


def rank_reversal_intervals(a: np.ndarray, b: np.ndarray, w: float, *,
                            rtol: float = CROSSING_RTOL) -> dict[str, Any]:
    """Exact stability interval of a ranking of linear score lines ``a_k + b_k t``.

    Parameters
    ----------
    a, b : ndarray, shape (G,)
        Intercepts and slopes of the groups' scores as functions of ``t`` in [0, 1].
    w : float
        The current value of ``t``.

    Returns
    -------
    dict
        ``lower``, ``upper``: the largest interval around ``w`` (within [0, 1]) with no
        crossing of two lines strictly inside, so that the ranking at ``w`` holds on
        ``(lower, upper)``; a crossing at ``w`` itself (two groups tied now, separating as
        soon as ``t`` moves) makes both bounds ``w``.
        ``top_lower``, ``top_upper``: the same for the crossings of the top group's line.
        ``any_pair``, ``top_pair``: the pairs ``(j, k)`` (indices, ``j`` ahead at ``w``)
        whose crossing is nearest to ``w``; ``crossings``: every crossing in [0, 1] as
        ``(t, j, k)``.

    Examples
    --------
    Three groups; group 0 leads at ``t = 0.3``, group 1 overtakes it at ``t = 0.5``, group
    2 overtakes group 0 at ``t = 0.6``:

    >>> a, b = np.array([3.0, 2.0, 1.5]), np.array([0.0, 2.0, 2.5])
    >>> r = rank_reversal_intervals(a, b, 0.3)
    >>> [float(r[k]) for k in ("lower", "upper", "top_upper")]
    [0.0, 0.5, 0.5]
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    G = a.size
    s = a + b * w
    top = int(np.nanargmax(s)) if np.isfinite(s).any() else -1
    any_pair = top_pair = None
    crossings = []
    scale = max(1.0, float(np.nanmax(np.abs(s)))) if np.isfinite(s).any() else 1.0
    for j in range(G):
        for k in range(j + 1, G):
            if not (np.isfinite(s[j]) and np.isfinite(s[k])):
                continue
            db = b[j] - b[k]
            if abs(db) <= rtol * max(1.0, abs(b[j]), abs(b[k])):
                continue  # parallel lines never cross
            t = (a[k] - a[j]) / db
            if abs(s[j] - s[k]) <= rtol * scale:
                t = w  # tied at the current weight: the crossing is here
            if t < -rtol or t > 1 + rtol:
                continue
            t = min(max(t, 0.0), 1.0)
            first, second = (j, k) if s[j] >= s[k] else (k, j)
            crossings.append((t, first, second))
    lower, upper = 0.0, 1.0
    top_lower, top_upper = 0.0, 1.0
    best_any = best_top = np.inf
    for t, j, k in crossings:
        d = abs(t - w)
        if t <= w and t >= lower:
            lower = t
        if t >= w and t <= upper:
            upper = t
        if d < best_any:
            best_any, any_pair = d, (j, k)
        if top in (j, k):
            if t <= w and t >= top_lower:
                top_lower = t
            if t >= w and t <= top_upper:
                top_upper = t
            if d < best_top:
                best_top, top_pair = d, (j, k)
    return {"lower": lower, "upper": upper, "top_lower": top_lower, "top_upper": top_upper,
            "any_pair": any_pair, "top_pair": top_pair, "top": top,
            "crossings": sorted(crossings)}


def _delta(t: float, w: float) -> float:
    """Triantaphyllou & Sánchez's change of the un-normalized weight reaching ``t``."""
    return np.inf if t >= 1.0 else (t - w) / (1.0 - t)


# --------------------------------------------------------------------------- one at a time


@dataclass(frozen=True)
class WeightSensitivityResult(TablesResult):
    """One-at-a-time weight sensitivity of the groups' ranking at the goal.

    Attributes
    ----------
    intervals : pandas.DataFrame
        ``grouping, parent, node, level, weight, lower, upper, top_lower, top_upper,
        delta_any, percent_any, delta_top, percent_top, pair_any, pair_top``: for every
        criterion (every non-root node with siblings) its local ``weight`` and the exact
        interval of that weight (siblings rescaled proportionally) in which the ranking of
        the groups is unchanged (``lower``, ``upper``) and the top group stays on top
        (``top_*``); ``delta_*``: Triantaphyllou & Sánchez's (1997) smallest change of the
        un-normalized weight that reverses some pair (``any``) or a pair with the top group
        (``top``), signed (``inf`` when none is feasible); ``percent_*`` = 100 |delta| /
        weight; ``pair_*`` the two groups that swap first (``"a>b"``: ``a`` ahead now).
    critical : pandas.DataFrame
        ``grouping, scope, measure, parent, node, delta, percent``: the most critical
        criterion among the goal's children (``scope = "criteria"``) and among all criteria
        (``"all"``), by the four definitions of Triantaphyllou & Sánchez (absolute-top
        ``AT``, absolute-any ``AA``, percent-top ``PT``, percent-any ``PA``); no node and
        ``inf`` when no feasible weight change reverses such a pair.
    lines : pandas.DataFrame
        ``grouping, parent, node, group, intercept, slope``: each group's goal score
        ``intercept + slope * t`` against the criterion's weight ``t`` (for the figure).
    crossings : pandas.DataFrame
        ``grouping, parent, node, t, ahead, behind``: every crossing in [0, 1].
    """

    intervals: Any
    critical: Any
    lines: Any
    crossings: Any

    def _frames(self) -> dict[str, Any]:
        """The tables by kind (the output files' stems)."""
        return {"sensitivity_weights": self.intervals,
                "sensitivity_critical": self.critical}


def weight_sensitivity(result: Any, *, grouping: str | None = None) -> WeightSensitivityResult:
    """Exact one-at-a-time weight intervals of every criterion for the groups' ranking.

    Parameters
    ----------
    result : StudyResult
        A run study with at least one grouping column.
    grouping : str, optional
        The grouping column whose groups are ranked (default: every grouping column).

    Returns
    -------
    WeightSensitivityResult

    Notes
    -----
    With the leaves' global weights ``g_l`` and a group's item means ``m_l``, the goal score
    is ``sum_l g_l m_l``. Setting criterion ``c``'s local weight to ``t`` scales the leaves
    under ``c`` by ``t / w_c`` and those under its siblings by ``(1 - t) / (1 - w_c)``, so
    ``S(t) = A_out + A_sib / (1 - w_c) + (A_c / w_c - A_sib / (1 - w_c)) t`` with ``A_c``,
    ``A_sib``, ``A_out`` the parts of the sum under ``c``, under its siblings and outside
    their parent. The crossings of these lines are the only points where the ranking can
    change: the intervals are exact, not read off a grid. Triantaphyllou & Sánchez's
    threshold for a crossing at ``t*`` is ``delta = (t* - w_c) / (1 - t*)``, which for the
    goal's children is their ``(P_j - P_i) / (a_ik - a_jk)``.

    References
    ----------
    Triantaphyllou, E. & Sánchez, A. (1997). A sensitivity analysis approach for some
    deterministic multi-criteria decision-making methods. Decision Sciences 28, 151-194.

    Examples
    --------
    >>> from ahpstat.datasets import example_study_result
    >>> ws = weight_sensitivity(example_study_result())
    >>> ws.intervals[["parent", "node", "weight", "lower", "upper"]].round(3).head(2)
      parent node  weight  lower  upper
    0      G    A    0.65  0.307  1.000
    1      G    B    0.35  0.000  0.693
    """
    import pandas as pd

    h = result.hierarchy
    blocks = group_means(result)
    if grouping is not None:
        blocks = [x for x in blocks if x[0] == grouping]
        if not blocks:
            raise ValueError(f"`grouping` must be one of {list(result.group_codes)}; got "
                             f"{grouping!r} instead.")
    if not blocks:
        raise ValueError("the study has no grouping column (`survey.group_columns`): there "
                         "are no groups to rank. Got none instead.")
    rows, lines, cross = _score_lines(result, blocks)
    intervals = pd.DataFrame(rows, columns=[
        "grouping", "parent", "node", "level", "weight", "lower", "upper", "top_lower",
        "top_upper", "delta_any", "percent_any", "delta_top", "percent_top", "pair_any",
        "pair_top"])
    return WeightSensitivityResult(
        intervals=intervals, critical=_critical(intervals, h.root),
        lines=pd.DataFrame(lines, columns=["grouping", "parent", "node", "group",
                                           "intercept", "slope"]),
        crossings=pd.DataFrame(cross, columns=["grouping", "parent", "node", "t", "ahead",
                                               "behind"]))


def _score_lines(result: Any, blocks: list[tuple[str, tuple[str, ...], np.ndarray]]
                 ) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Rows of the intervals table, the score lines ``a + b t`` of every group and their
    crossings, for every criterion with siblings under every internal node.
    """
    h = result.hierarchy
    g = np.asarray(result.leaf_weights, dtype=float)
    M = np.asarray(result.membership, dtype=float)
    npos = {v: k for k, v in enumerate(h.nodes)}
    local = {}
    for v in result.panel.nodes:
        for c, x in zip(h.children(v), result.panel.local[v], strict=True):
            local[c] = float(x)
    rows, lines, cross = [], [], []
    for gcol, names, means in blocks:
        C = means * g[None, :]                       # (G, L) contributions
        tot = C.sum(axis=1)                           # goal score (sum g = 1)
        for v in h.internal:
            ch = h.children(v)
            if len(ch) < 2:
                continue
            A_v = C @ M[npos[v]]
            for c in ch:
                w = local[c]
                A_c = C @ M[npos[c]]
                A_sib = A_v - A_c
                A_out = tot - A_v
                a = A_out + A_sib / (1.0 - w)
                b = A_c / w - A_sib / (1.0 - w)
                r = rank_reversal_intervals(a, b, w)
                d_any = _nearest_delta(r["crossings"], w, None)
                d_top = _nearest_delta(r["crossings"], w, r["top"])
                rows.append((gcol, v, c, h.depth(c), w, r["lower"], r["upper"],
                             r["top_lower"], r["top_upper"], d_any, 100 * abs(d_any) / w,
                             d_top, 100 * abs(d_top) / w, _pair_label(r["any_pair"], names),
                             _pair_label(r["top_pair"], names)))
                for k, nm in enumerate(names):
                    lines.append((gcol, v, c, nm, a[k], b[k]))
                for t, j, k in r["crossings"]:
                    cross.append((gcol, v, c, t, names[j], names[k]))
    return rows, lines, cross


def _critical(intervals: Any, root: str) -> Any:
    """The most critical criterion by each of the four thresholds (absolute or percent, top
    group or any pair), among the goal's children and among all criteria.
    """
    import pandas as pd

    crit = []
    for gcol, sub in intervals.groupby("grouping", sort=False):
        for scope, part in (("criteria", sub[sub.parent == root]), ("all", sub)):
            for code, col in (("AT", "delta_top"), ("AA", "delta_any"), ("PT", "percent_top"),
                              ("PA", "percent_any")):
                vals = part[col].abs()
                if not np.isfinite(vals).any():  # no weight change reverses such a pair
                    crit.append((gcol, scope, code, None, None, np.inf, np.inf))
                    continue
                i = vals.idxmin()
                crit.append((gcol, scope, code, part.loc[i, "parent"], part.loc[i, "node"],
                             part.loc[i, col.replace("percent", "delta")],
                             part.loc[i, col.replace("delta", "percent")]))
    return pd.DataFrame(crit, columns=["grouping", "scope", "measure", "parent", "node",
                                       "delta", "percent"])


def _pair_label(p: tuple[int, int] | None, names: Sequence[str]) -> str:
    return "" if p is None else f"{names[p[0]]}>{names[p[1]]}"


def _nearest_delta(crossings: Sequence[tuple], w: float, top: int | None) -> float:
    best = np.inf
    for t, j, k in crossings:
        if top is not None and top not in (j, k):
            continue
        d = _delta(t, w)
        if abs(d) < abs(best):
            best = d
    return float(best)


