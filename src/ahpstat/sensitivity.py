"""Weight and judgment sensitivity of a study's ranking of the groups.

One at a time (exact)
    Give a criterion ``c`` under node ``v`` the local weight ``t`` in [0, 1] and rescale its
    siblings proportionally (``w_s (1 - t) / (1 - w_c)``). Every group's goal score is then
    a linear function of ``t``, ``S_k(t) = a_k + b_k t``, so two groups swap exactly where
    their lines cross, ``t* = (a_k - a_j) / (b_j - b_k)``; :func:`weight_sensitivity`
    returns, for every criterion at every level, the interval of ``t`` around its weight in
    which no pair of groups swaps (the ranking is unchanged) and the one in which the top
    group stays on top, and Triantaphyllou & Sánchez's (1997) thresholds: the smallest
    change ``delta`` of the criterion's un-normalized weight that reverses a pair of groups
    (any pair, or one involving the top group), absolute and relative to the weight.
    Changing a weight by ``delta`` and renormalizing is exactly the proportional rescaling
    above: ``t = (w + delta) / (1 + delta)``. The most critical criterion is the one with the
    smallest threshold (absolute-top, absolute-any, percent-top, percent-any).

Judgment perturbation (simulation)
    :func:`judgment_perturbation` moves each judgment of every expert to a neighbouring
    value of Saaty's scale with probability ``p`` (or multiplies it by a log-normal factor),
    re-aggregates the panel with the study's own aggregation rule and inconsistency policy,
    and reports how often each group keeps its rank and each node's children keep their
    weight order.

Global (variance-based)
    :func:`sobol_weights` perturbs every criterion's weight at once by independent
    log-uniform factors and estimates Sobol' first-order and total indices of every group's
    goal score and rank with SALib (Saltelli sampling; Herman & Usher 2017).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "SENSITIVITY_DEFAULTS",
    "PerturbationResult",
    "SensitivityAnalysis",
    "WeightSensitivityResult",
    "judgment_perturbation",
    "perturb_judgments",
    "rank_reversal_intervals",
    "sensitivity_analysis",
    "sensitivity_settings",
    "sobol_weights",
    "weight_sensitivity",
]

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
class WeightSensitivityResult:
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

    def tables(self) -> dict[str, Any]:
        """The tables by output file stem."""
        return {"sensitivity_weights": self.intervals,
                "sensitivity_critical": self.critical}


def _group_means(result: Any) -> list[tuple[str, tuple[str, ...], np.ndarray]]:
    from ahpstat.scoring import item_sums_counts, means_from_sums

    X = result.answers
    out = []
    for gcol, codes in result.group_codes.items():
        names = result.group_names[gcol]
        s, c = item_sums_counts(X, codes, len(names))
        out.append((gcol, names, means_from_sums(s, c)))
    return out


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
    blocks = _group_means(result)
    if grouping is not None:
        blocks = [x for x in blocks if x[0] == grouping]
        if not blocks:
            raise ValueError(f"`grouping` must be one of {list(result.group_codes)}; got "
                             f"{grouping!r} instead.")
    if not blocks:
        raise ValueError("the study has no grouping column (`survey.group_columns`): there "
                         "are no groups to rank. Got none instead.")
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
    intervals = pd.DataFrame(rows, columns=[
        "grouping", "parent", "node", "level", "weight", "lower", "upper", "top_lower",
        "top_upper", "delta_any", "percent_any", "delta_top", "percent_top", "pair_any",
        "pair_top"])
    crit = []
    for gcol, sub in intervals.groupby("grouping", sort=False):
        for scope, part in (("criteria", sub[sub.parent == h.root]), ("all", sub)):
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
    critical = pd.DataFrame(crit, columns=["grouping", "scope", "measure", "parent", "node",
                                           "delta", "percent"])
    return WeightSensitivityResult(
        intervals=intervals, critical=critical,
        lines=pd.DataFrame(lines, columns=["grouping", "parent", "node", "group",
                                           "intercept", "slope"]),
        crossings=pd.DataFrame(cross, columns=["grouping", "parent", "node", "t", "ahead",
                                               "behind"]))


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


# --------------------------------------------------------------------------- perturbation


def perturb_judgments(A: np.ndarray, *, probability: float = 0.1, sigma: float | None = None,
                      rng: Any = None) -> np.ndarray:
    """Randomly perturbed copies of pairwise-comparison matrices (upper triangle drawn).

    With ``sigma=None`` every given judgment moves with ``probability`` to a neighbouring
    value of Saaty's 17-point scale (1/9, ..., 1/2, 1, 2, ..., 9), up or down with equal
    chance (the only neighbour at 1/9 and 9); otherwise every judgment is multiplied by
    ``exp(sigma Z)``, ``Z`` standard normal. Reciprocals follow; ``NaN`` stays.

    Examples
    --------
    >>> A = np.array([[1, 3], [1/3, 1]])
    >>> B = perturb_judgments(np.repeat(A[None], 1000, 0), probability=1.0, rng=1)
    >>> sorted(set(np.round(B[:, 0, 1], 6).tolist()))
    [2.0, 4.0]
    """
    from ahpstat.scales import SAATY_SCALE

    gen = np.random.default_rng(rng)
    M = np.array(A, dtype=float)
    n = M.shape[-1]
    iu = np.triu_indices(n, 1)
    U = M[..., iu[0], iu[1]]
    given = ~np.isnan(U)
    if sigma is None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"`probability` must lie in [0, 1]; got {probability!r} instead.")
        logs = np.log(SAATY_SCALE)
        k = np.abs(np.log(np.where(given, U, 1.0))[..., None] - logs).argmin(axis=-1)
        move = gen.random(U.shape) < probability
        step = np.where(gen.random(U.shape) < 0.5, -1, 1)
        step = np.where(k == 0, 1, np.where(k == SAATY_SCALE.size - 1, -1, step))
        k2 = np.where(move & given, k + step, k)
        V = np.where(given, SAATY_SCALE[k2], np.nan)
    else:
        if not (np.isfinite(sigma) and sigma >= 0):
            raise ValueError(f"`sigma` must be a non-negative number; got {sigma!r} instead.")
        V = U * np.exp(sigma * gen.standard_normal(U.shape))
    M[..., iu[0], iu[1]] = V
    M[..., iu[1], iu[0]] = 1.0 / V
    return M


@dataclass(frozen=True)
class PerturbationResult:
    """How often the ranking survives random perturbations of the judgments.

    Attributes
    ----------
    ranks : pandas.DataFrame
        ``grouping, group, node, baseline_rank, p_same_rank, p_top, rank_mean``: over the
        replicates, for the goal and every criterion.
    weight_order : pandas.DataFrame
        ``parent, node, baseline_rank, p_same_rank, p_same_order``: each criterion's rank
        among its siblings, and the whole order of its parent's children.
    """

    ranks: Any
    weight_order: Any
    n_resamples: int
    settings: dict[str, Any]

    def tables(self) -> dict[str, Any]:
        """The tables by output file stem."""
        return {"sensitivity_judgments_ranks": self.ranks,
                "sensitivity_judgments_order": self.weight_order}


def judgment_perturbation(result: Any, *, n_resamples: int = 200, probability: float = 0.1,
                          sigma: float | None = None, rng: Any = None,
                          progress: Callable[[int, int], None] | None = None
                          ) -> PerturbationResult:
    """Re-run the study's panel on randomly perturbed judgments; count what survives.

    Every replicate perturbs every expert's judgments at every node
    (:func:`perturb_judgments`), re-aggregates the panel with the study's own options
    (weighting method, aggregation, consistency index, threshold and policy, applied to the
    perturbed matrices), and re-scores every group from the same item means.

    Parameters
    ----------
    result : StudyResult
    n_resamples : int, default 200
    probability : float, default 0.1
        Chance that a judgment moves one step on Saaty's scale.
    sigma : float, optional
        Log-normal perturbation instead (``a_ij exp(sigma Z)``).
    rng : None, int or Generator
    progress : callable, optional
        ``progress(done, total)``.

    Returns
    -------
    PerturbationResult

    Examples
    --------
    >>> from ahpstat.datasets import example_study_result
    >>> pr = judgment_perturbation(example_study_result(), n_resamples=20, rng=1)
    >>> pr.weight_order.columns.tolist()
    ['parent', 'node', 'baseline_rank', 'p_same_rank', 'p_same_order']
    """
    import pandas as pd

    from ahpstat._validation import InputError
    from ahpstat.compare import descending_ranks
    from ahpstat.panel import run_panel
    from ahpstat.scoring import composite_scores

    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise ValueError(f"`n_resamples` must be a positive integer; got {n_resamples!r} "
                         "instead.")
    gen = np.random.default_rng(rng)
    h = result.hierarchy
    panel = result.panel
    opts = result.study.panel
    nodes = tuple(h.nodes)
    npos = {v: k for k, v in enumerate(nodes)}
    rep = (h.root, *h.children(h.root))
    ridx = [npos[v] for v in rep]
    blocks = _group_means(result)
    base_scores = [composite_scores(result.leaf_weights, m, result.membership)[:, ridx]
                   for _, _, m in blocks]
    base_ranks = [descending_ranks(s, axis=-2) for s in base_scores]
    internal = [v for v in h.internal if len(h.children(v)) >= 2]
    base_order = {v: descending_ranks(panel.local[v]) for v in internal}
    same_rank = [np.zeros(s.shape) for s in base_scores]
    top = [np.zeros(s.shape) for s in base_scores]
    rsum = [np.zeros(s.shape) for s in base_scores]
    ok = 0
    w_same = {v: np.zeros(len(h.children(v))) for v in internal}
    o_same = dict.fromkeys(internal, 0.0)
    streams = gen.spawn(n_resamples)
    failed = 0
    for r in range(n_resamples):
        stacks = {v: (ex, perturb_judgments(S, probability=probability, sigma=sigma,
                                            rng=streams[r]))
                  for v, (ex, S) in result.stacks.items()}
        try:
            p = run_panel(stacks, h, experts=panel.experts,
                          expert_weights=panel.expert_weights, options=opts,
                          diagnostics=False)
        except InputError:
            failed += 1
            if progress is not None:
                progress(r + 1, n_resamples)
            continue
        ok += 1
        for b, (_g, _n, m) in enumerate(blocks):
            s = composite_scores(p.leaf_weights, m, result.membership)[:, ridx]
            rk = descending_ranks(s, axis=-2)
            same_rank[b] += rk == base_ranks[b]
            top[b] += rk == 1
            rsum[b] += np.nan_to_num(rk)
        for v in internal:
            rr = descending_ranks(p.local[v])
            w_same[v] += rr == base_order[v]
            o_same[v] += float(np.array_equal(rr, base_order[v]))
        if progress is not None:
            progress(r + 1, n_resamples)
    if ok == 0:
        raise InputError("every perturbed panel failed (the policy left a node without "
                         f"experts in all {n_resamples} replicates). Got 0 usable replicates "
                         "instead.")
    rows = []
    for b, (gcol, names, _m) in enumerate(blocks):
        for k, gname in enumerate(names):
            for j, v in enumerate(rep):
                rows.append((gcol, gname, v, base_ranks[b][k, j], same_rank[b][k, j] / ok,
                             top[b][k, j] / ok, rsum[b][k, j] / ok))
    ranks = pd.DataFrame(rows, columns=["grouping", "group", "node", "baseline_rank",
                                        "p_same_rank", "p_top", "rank_mean"])
    wo = []
    for v in internal:
        for k, c in enumerate(h.children(v)):
            wo.append((v, c, int(base_order[v][k]), w_same[v][k] / ok, o_same[v] / ok))
    weight_order = pd.DataFrame(wo, columns=["parent", "node", "baseline_rank", "p_same_rank",
                                             "p_same_order"])
    settings = {"n_resamples": n_resamples, "used": ok, "failed": failed,
                "probability": None if sigma is not None else probability, "sigma": sigma,
                "mode": "lognormal" if sigma is not None else "scale_step"}
    return PerturbationResult(ranks=ranks, weight_order=weight_order, n_resamples=ok,
                              settings=settings)


# --------------------------------------------------------------------------- Sobol


def sobol_weights(result: Any, *, factor: float = 2.0, n_samples: int = 1024,
                  node: str | None = None, grouping: str | None = None,
                  confidence_level: float = 0.95, rng: Any = None) -> Any:
    """Sobol' indices of the groups' goal scores and ranks for the criteria's weights.

    Each child ``c`` of ``node`` (default: the goal) gets its local weight multiplied by
    ``exp(x_c)``, ``x_c`` independent and uniform on ``[-log(factor), log(factor)]``, the
    weights renormalized; each group's goal score (linear in the weights) and rank are
    computed for every sample. First-order (``S1``) and total (``ST``) indices say how much
    of the output's variance each weight's uncertainty explains alone and with its
    interactions. Sampling and estimation by SALib (Saltelli's scheme with Sobol'
    sequences; Saltelli 2002; Saltelli et al. 2010), ``n_samples * (k + 2)`` evaluations.

    Parameters
    ----------
    result : StudyResult
    factor : float, default 2
        Largest multiplicative change of a weight (> 1).
    n_samples : int, default 1024
        SALib's base sample size ``N`` (a power of 2).
    node : str, optional
        Whose children's weights vary (default: the goal).
    grouping : str, optional
        Grouping column (default: the first).
    confidence_level : float, default 0.95
        For SALib's bootstrap intervals of the indices.
    rng : None, int or Generator
        Seeds SALib's scrambled Sobol' sequence and its bootstrap.

    Returns
    -------
    DataFrame
        ``grouping, output, group, factor, S1, S1_conf, ST, ST_conf`` with ``output``
        ``goal_score`` or ``goal_rank``.

    References
    ----------
    Herman, J. & Usher, W. (2017). SALib: an open-source Python library for sensitivity
    analysis. J. Open Source Software 2(9), 97.
    Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output.
    Computer Physics Communications 181, 259-270.

    Examples
    --------
    >>> from ahpstat.datasets import example_study_result
    >>> t = sobol_weights(example_study_result(), n_samples=64, rng=1)
    >>> sorted(set(t.factor))
    ['A', 'B']
    """
    try:
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample
    except ImportError:  # pragma: no cover - SALib is a dependency of the dev install
        raise ImportError("sobol_weights needs SALib: pip install 'ahpstat[sensitivity]'."
                          ) from None
    import pandas as pd

    from ahpstat.compare import descending_ranks

    if not (isinstance(factor, int | float) and np.isfinite(factor) and factor > 1):
        raise ValueError(f"`factor` must be a number > 1; got {factor!r} instead.")
    if (isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2
            or n_samples & (n_samples - 1)):
        raise ValueError(f"`n_samples` must be a power of 2 (>= 2); got {n_samples!r} instead.")
    h = result.hierarchy
    v = h.root if node is None else node
    if v not in h.nodes or len(h.children(v)) < 2:
        raise ValueError(f"`node` must be a node with two or more children; got {node!r} "
                         "instead.")
    blocks = _group_means(result)
    if grouping is not None:
        blocks = [x for x in blocks if x[0] == grouping]
    if not blocks:
        raise ValueError("`grouping` must name one of the study's grouping columns "
                         f"{list(result.group_codes)}; got {grouping!r} instead.")
    gcol, names, means = blocks[0]
    gen = np.random.default_rng(rng)
    seed = int(gen.integers(2**31 - 1))
    ch = h.children(v)
    npos = {x: k for k, x in enumerate(h.nodes)}
    M = np.asarray(result.membership, dtype=float)
    g = np.asarray(result.leaf_weights, dtype=float)
    w = result.panel.local[v]
    lf = np.log(factor)
    problem = {"num_vars": len(ch), "names": list(ch), "bounds": [[-lf, lf]] * len(ch)}
    X = sobol_sample.sample(problem, n_samples, calc_second_order=False, seed=seed)
    W = w * np.exp(X)
    W /= W.sum(axis=1, keepdims=True)               # (N', k) new local weights
    # leaf weights: leaves under child c scale by W_c / w_c; others unchanged
    under = np.stack([M[npos[c]] for c in ch])        # (k, L)
    scale = (W / w) @ under                           # (N', L), 0 outside v's subtree
    outside = 1.0 - under.sum(axis=0)
    G = g * (scale + outside)                         # (N', L)
    scores = G @ np.nan_to_num(means).T               # (N', groups)
    scores = np.where(np.isnan(means).any(axis=1)[None, :], np.nan, scores)
    ranks = descending_ranks(scores, axis=-2)
    rows = []
    for out_name, Y in (("goal_score", scores), ("goal_rank", ranks)):
        for k, gname in enumerate(names):
            y = Y[:, k]
            if not np.isfinite(y).all() or np.var(y) == 0:
                for c in ch:
                    rows.append((gcol, out_name, gname, c, np.nan, np.nan, np.nan, np.nan))
                continue
            Si = sobol_analyze.analyze(problem, y, calc_second_order=False,
                                       conf_level=confidence_level, seed=seed)
            for i, c in enumerate(ch):
                rows.append((gcol, out_name, gname, c, float(Si["S1"][i]),
                             float(Si["S1_conf"][i]), float(Si["ST"][i]),
                             float(Si["ST_conf"][i])))
    return pd.DataFrame(rows, columns=["grouping", "output", "group", "factor", "S1",
                                       "S1_conf", "ST", "ST_conf"])


# --------------------------------------------------------------------------- a study section


#: defaults of the study file's ``sensitivity:`` section (present = enabled); the grid
#: factors default to :data:`ahpstat.multiverse.DEFAULT_GRID`
SENSITIVITY_DEFAULTS: dict[str, Any] = {
    "enabled": True, "nodes": "criteria", "grouping": None, "one_at_a_time": True,
    "judgments": {"n_resamples": 200, "probability": 0.1, "sigma": None},
    "sobol": {"n_samples": 512, "factor": 2.0, "confidence_level": 0.95},
}
_SECTION_KEYS = ("enabled", "nodes", "grouping", "one_at_a_time", "judgments", "sobol")


def sensitivity_settings(section: Any, *, groups: Sequence[str] = (), file: str | None = None,
                         key: str = "sensitivity") -> dict[str, Any]:
    """Validate a study file's ``sensitivity:`` section and fill in every default.

    Keys: the grid factors of :func:`ahpstat.multiverse.multiverse_grid` (each a list of
    levels), ``nodes`` (``criteria`` | ``internal``), ``grouping`` (a survey group column,
    default the first), ``one_at_a_time`` (true/false), ``judgments`` (``{n_resamples,
    probability, sigma}`` or false) and ``sobol`` (``{n_samples, factor, confidence_level}``
    or false),
    ``enabled``. Errors are :class:`~ahpstat.InputError` naming ``file`` and the key.

    Examples
    --------
    >>> s = sensitivity_settings({"scale": ["saaty", "balanced"], "sobol": False})
    >>> s["grid"]["scale"], s["sobol"], s["judgments"]["n_resamples"]
    (('saaty', 'balanced'), None, 200)
    >>> sensitivity_settings({"judgments": {"n_resamples": 0}}, file="s.yaml")
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: s.yaml: `sensitivity.judgments.n_resamples` must be ...
    """
    from ahpstat._validation import InputError
    from ahpstat.multiverse import FACTORS, multiverse_grid

    if section is None or section is True:
        section = {}
    if not isinstance(section, dict):
        raise InputError(f"`{key}` must be a mapping of settings. Got "
                         f"{type(section).__name__} instead.", file=file)
    unknown = [k for k in section if k not in _SECTION_KEYS and k not in FACTORS]
    if unknown:
        known = ", ".join(f"`{key}.{k}`" for k in (*_SECTION_KEYS, *FACTORS))
        raise InputError(f"unknown key `{key}.{unknown[0]}`; the keys here are {known}. Got "
                         f"`{key}.{unknown[0]}` instead.", file=file)
    grid = multiverse_grid({k: v for k, v in section.items() if k in FACTORS}, file=file,
                           key=key)
    out: dict[str, Any] = {"grid": grid}

    def flag(name: str) -> bool:
        v = section.get(name, SENSITIVITY_DEFAULTS[name])
        if not isinstance(v, bool):
            raise InputError(f"`{key}.{name}` must be true or false. Got {v!r} instead.",
                             file=file)
        return v

    out["enabled"] = flag("enabled")
    out["one_at_a_time"] = flag("one_at_a_time")
    nodes = section.get("nodes", "criteria")
    if nodes not in ("criteria", "internal"):
        raise InputError(f"`{key}.nodes` must be one of {{'criteria', 'internal'}}. Got "
                         f"{nodes!r} instead.", file=file)
    out["nodes"] = nodes
    grouping = section.get("grouping")
    if grouping is not None and grouping not in groups:
        raise InputError(f"`{key}.grouping` must be one of the survey's group columns "
                         f"(`survey.group_columns`: {list(groups)}) or null. Got {grouping!r} "
                         "instead.", file=file)
    out["grouping"] = grouping

    def sub(name: str, keys: tuple[str, ...]) -> dict[str, Any] | None:
        v = section.get(name, {})
        if v is False or v is None:
            return None
        if v is True:
            v = {}
        if not isinstance(v, dict):
            raise InputError(f"`{key}.{name}` must be a mapping of settings or false. Got "
                             f"{v!r} instead.", file=file)
        bad = [k for k in v if k not in keys]
        if bad:
            known = ", ".join(f"`{key}.{name}.{k}`" for k in keys)
            raise InputError(f"unknown key `{key}.{name}.{bad[0]}`; the keys here are "
                             f"{known}. Got `{key}.{name}.{bad[0]}` instead.", file=file)
        return {**SENSITIVITY_DEFAULTS[name], **v}

    def number(value: Any, name: str, lo: float, hi: float | None, closed: bool) -> float:
        ok = (not isinstance(value, bool) and isinstance(value, int | float)
              and np.isfinite(value) and (value >= lo if closed else value > lo)
              and (hi is None or value <= hi))
        if not ok:
            rng_txt = f"{'>=' if closed else '>'} {lo:g}" + (f" and <= {hi:g}" if hi else "")
            raise InputError(f"`{key}.{name}` must be a number {rng_txt}. Got {value!r} "
                             "instead.", file=file)
        return float(value)

    def integer(value: Any, name: str, lo: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < lo:
            raise InputError(f"`{key}.{name}` must be an integer >= {lo}. Got {value!r} "
                             "instead.", file=file)
        return int(value)

    j = sub("judgments", ("n_resamples", "probability", "sigma"))
    if j is not None:
        j["n_resamples"] = integer(j["n_resamples"], "judgments.n_resamples", 1)
        j["probability"] = number(j["probability"], "judgments.probability", 0.0, 1.0, True)
        if j["sigma"] is not None:
            j["sigma"] = number(j["sigma"], "judgments.sigma", 0.0, None, False)
    out["judgments"] = j
    s = sub("sobol", ("n_samples", "factor", "confidence_level"))
    if s is not None:
        n = integer(s["n_samples"], "sobol.n_samples", 2)
        if n & (n - 1):
            raise InputError(f"`{key}.sobol.n_samples` must be a power of 2 (e.g. 512). Got "
                             f"{n!r} instead.", file=file)
        s["n_samples"] = n
        s["factor"] = number(s["factor"], "sobol.factor", 1.0, None, False)
        cl = number(s["confidence_level"], "sobol.confidence_level", 0.0, 1.0, False)
        if cl >= 1:
            raise InputError(f"`{key}.sobol.confidence_level` must be a confidence level "
                             f"below 1 (e.g. 0.95). Got {cl!r} instead.", file=file)
        s["confidence_level"] = cl
    out["sobol"] = s
    return out


@dataclass(frozen=True)
class SensitivityAnalysis:
    """A study's ``sensitivity:`` section, run: multiverse, weight intervals, judgment
    perturbation and Sobol' indices (each ``None`` when switched off).

    Tables (:meth:`tables`): ``multiverse`` (every specification x node x group: score,
    rank), ``multiverse_specifications``, ``multiverse_rank_stability``,
    ``multiverse_weight_order``, ``multiverse_anova``, ``sensitivity_weights``,
    ``sensitivity_critical``, ``sensitivity_judgments_ranks``,
    ``sensitivity_judgments_order``, ``sensitivity_sobol``.
    """

    settings: dict[str, Any]
    multiverse: Any
    weights: WeightSensitivityResult | None
    judgments: PerturbationResult | None
    sobol: Any

    def tables(self) -> dict[str, Any]:
        """The tables by output file stem."""
        out: dict[str, Any] = {}
        if self.multiverse is not None:
            out.update(self.multiverse.tables())
        if self.weights is not None:
            out.update(self.weights.tables())
        if self.judgments is not None:
            out.update(self.judgments.tables())
        if self.sobol is not None:
            out["sensitivity_sobol"] = self.sobol
        return out


def sensitivity_analysis(result: Any, settings: dict[str, Any] | None = None, *,
                         rng: Any = None,
                         progress: Callable[[int, int], None] | None = None
                         ) -> SensitivityAnalysis:
    """Run the robustness analyses of a study (its ``sensitivity:`` section).

    Parameters
    ----------
    result : StudyResult
    settings : dict, optional
        As :func:`sensitivity_settings` returns (default: every default).
    rng : None, int or Generator
        Seeds the judgment perturbation and Sobol' sampling (two independent streams).
    progress : callable, optional
        ``progress(done, total)`` over the panel re-runs (multiverse configurations and
        perturbation replicates).

    Returns
    -------
    SensitivityAnalysis

    Examples
    --------
    >>> from ahpstat.datasets import example_study_result
    >>> s = sensitivity_settings({"weighting": ["eigenvector"], "aggregation": ["aij"],
    ...     "policy": ["keep"], "consistency": ["cr"], "judgments": {"n_resamples": 5},
    ...     "sobol": {"n_samples": 64}})
    >>> sa = sensitivity_analysis(example_study_result(), s, rng=1)
    >>> sorted(sa.tables())[:3]
    ['multiverse', 'multiverse_anova', 'multiverse_effects']
    """
    from ahpstat.multiverse import multiverse

    s = settings if settings is not None else sensitivity_settings({})
    gen = np.random.default_rng(rng)
    jr, sr = gen.spawn(2)
    grouping = s.get("grouping") or (next(iter(result.group_codes), None))
    g = s["grid"]
    n_panels = _count_panels(g)
    n_rep = s["judgments"]["n_resamples"] if s["judgments"] is not None else 0
    total = n_panels + n_rep

    def step(offset: int) -> Callable[[int, int], None] | None:
        if progress is None:
            return None

        def cb(d: int, _t: int) -> None:
            progress(min(offset + d, total), total)
        return cb

    mv = multiverse(result, g, nodes=s["nodes"], progress=step(0))
    ws = weight_sensitivity(result, grouping=grouping) if (s["one_at_a_time"] and grouping) \
        else None
    jp = None
    if s["judgments"] is not None:
        j = s["judgments"]
        jp = judgment_perturbation(result, n_resamples=j["n_resamples"],
                                   probability=j["probability"], sigma=j["sigma"], rng=jr,
                                   progress=step(n_panels))
    sb = None
    if s["sobol"] is not None and grouping:
        so = s["sobol"]
        sb = sobol_weights(result, factor=so["factor"], n_samples=so["n_samples"],
                           grouping=grouping, confidence_level=so["confidence_level"], rng=sr)
    return SensitivityAnalysis(settings={**s, "grouping": grouping}, multiverse=mv,
                               weights=ws, judgments=jp, sobol=sb)


def _count_panels(g: dict[str, tuple]) -> int:
    n = len(g["weighting"]) * len(g["aggregation"]) * len(g["scale"])
    per = sum(1 if p == "keep" else len(g["consistency"]) for p in g["policy"])
    return n * per
