"""Multiverse (specification) analysis of a study: every combination of analyst choices.

A study's ranking rests on choices that other analysts could reasonably make differently.
:func:`multiverse` re-runs the study over the full factorial of a grid of such choices
(Steegen, Tuerlinckx, Gelman & Vanpaemel 2016; Simonsohn, Simmons & Nelson 2020) and says
how much each choice moves the goal's score and each group's rank:

``weighting``
    Weighting method (:data:`ahpstat.weighting.WEIGHTING_METHODS`).
``aggregation``
    ``aij`` (geometric mean of the judgments), ``aip_geometric`` or ``aip_arithmetic``
    (the experts' priorities combined by that mean; Forman & Peniwati 1998).
``consistency``
    Index, random-index table and threshold, one level each (e.g. CR with Saaty's table at
    0.10, GCI at its own thresholds); matters only with a policy other than ``keep``.
``policy``
    What is done to an inconsistent expert (:data:`ahpstat.panel.PANEL_POLICIES`).
``missing``
    Survey answers: ``available_case`` item means or ``listwise`` deletion.
``scale``
    The numbers given to the verbal judgments (:data:`JUDGMENT_SCALES`): Saaty's 1-9 and
    the alternatives in Ishizaka & Labib (2011) and Goepel (2019); each judgment ``x`` on
    Saaty's scale becomes ``c(x)`` (``1/c(1/x)`` for a reciprocal).
``likert``
    Treatment of the Likert answers (:data:`LIKERT_TREATMENTS`): ``mean`` (interval
    scale), ``top_box`` / ``top2_box`` (share of answers in the highest / two highest
    categories) or ``ridit`` (mean ridit against the whole sample's answers to the item;
    Bross 1958): the latter three are ordinal and lie in [0, 1].
``family``
    The weighting family (:data:`WEIGHTING_FAMILIES`): ``ahp`` (the experts' weights, as
    set by the five panel factors above), an objective method of :mod:`ahpstat.objective`
    -- ``entropy``, ``critic``, ``sd``, ``cv``: item weights from the survey itself,
    computed on the specification's own data (its missing-answer rule and Likert
    treatment), so the panel factors do not move them -- or ``combined`` (the panel's AHP
    weights combined with an objective vector). The objective settings (entropy's
    normalisation and shift, respondents or groups as units, the combination method, the
    objective vector combined and the linear ``alpha``) are the study's
    (:class:`ahpstat.evaluation.EvaluationOptions`, from its ``objective_weights:`` and
    ``combination:`` sections), else that class's defaults (min-max entropy over the
    respondents; game-theory combination with entropy). Default: ``ahp`` only.

Speed: the panel is aggregated once per distinct panel configuration (policy ``keep``
ignores the consistency level), from the study's arrays in memory; every specification's
scores are then one batched product of leaf weights and per-group item statistics.

The variance of the goal's score and of each group's rank over the factorial is split
exactly into main effects, two-way interactions and the higher-order rest by the functional
ANOVA of a balanced full factorial (:func:`anova_decomposition`; Saisana, Saltelli &
Tarantola 2005 do the same for composite indicators).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._validation import InputError
from ahpstat._warnings import DegenerateDataWarning, warn
from ahpstat.evaluation import WEIGHTINGS, EvaluationOptions
from ahpstat.panel import needs_threshold

__all__ = [
    "AGGREGATION_LEVELS",
    "DEFAULT_GRID",
    "FACTORS",
    "JUDGMENT_SCALES",
    "LIKERT_TREATMENTS",
    "WEIGHTING_FAMILIES",
    "JudgmentScale",
    "MultiverseResult",
    "anova_decomposition",
    "likert_transform",
    "multiverse",
    "multiverse_grid",
    "rescale_judgments",
]

FACTORS = ("weighting", "aggregation", "consistency", "policy", "missing", "scale", "likert",
           "family")
#: The weighting families (the ``family`` factor): AHP, the objective methods, combined.
WEIGHTING_FAMILIES = WEIGHTINGS
AGGREGATION_LEVELS = ("aij", "aip_geometric", "aip_arithmetic")
LIKERT_TREATMENTS = ("mean", "top_box", "top2_box", "ridit")
MISSING_RULES = ("available_case", "listwise")


# --------------------------------------------------------------------------- judgment scales


@dataclass(frozen=True)
class JudgmentScale:
    """A numerical scale for the verbal judgments 1..9 (and their reciprocals).

    Attributes
    ----------
    name : str
    formula : str
        ``c(x)`` for ``x = 1..9`` on Saaty's scale.
    source : str
    values : tuple of float
        ``c(1), ..., c(9)`` (``c(1) = 1``).
    """

    name: str
    formula: str
    source: str
    values: tuple[float, ...]


def _scale(name: str, formula: str, source: str, fn: Callable[[np.ndarray], np.ndarray]
           ) -> JudgmentScale:
    x = np.arange(1.0, 10.0)
    v = fn(x)
    return JudgmentScale(name, formula, source, tuple(float(t) for t in v / v[0]))


#: The judgment scales, by name (values for x = 1..9; reciprocals mirror them).
JUDGMENT_SCALES: Mapping[str, JudgmentScale] = {
    s.name: s for s in (
        _scale("saaty", "c = x", "Saaty, T. L. (1977). J. Math. Psychology 15, 234-281.",
               lambda x: x),
        _scale("balanced", "c = w / (1 - w), w = 0.45 + 0.05 x",
               "Salo, A. A. & Hämäläinen, R. P. (1997). On the measurement of preferences in "
               "the analytic hierarchy process. J. Multi-Criteria Decision Analysis 6, "
               "309-319.", lambda x: (0.45 + 0.05 * x) / (0.55 - 0.05 * x)),
        _scale("geometric", "c = 2^(x - 1)",
               "Lootsma, F. A. (1989). Conflict resolution via pairwise comparison of "
               "concessions. EJOR 40, 109-116 (as listed by Ishizaka & Labib 2011, Table 2).",
               lambda x: 2.0 ** (x - 1)),
        _scale("power", "c = x^2",
               "Harker, P. T. & Vargas, L. G. (1987). The theory of ratio scale estimation: "
               "Saaty's analytic hierarchy process. Management Science 33, 1383-1403.",
               lambda x: x**2),
        _scale("root_square", "c = sqrt(x)",
               "Harker, P. T. & Vargas, L. G. (1987). Management Science 33, 1383-1403.",
               np.sqrt),
        _scale("logarithmic", "c = log2(x + 1)",
               "Ishizaka, A., Balkenborg, D. & Kaplan, T. (2011). Influence of aggregation "
               "and measurement scale on ranking a compromise alternative in AHP. J. Oper. "
               "Res. Soc. 62, 700-710.", lambda x: np.log2(x + 1.0)),
        _scale("inverse_linear", "c = 9 / (10 - x)",
               "Ma, D. & Zheng, X. (1991). 9/9-9/1 scale method of AHP. Proc. 2nd Int. "
               "Symposium on the AHP, Pittsburgh, 197-202.", lambda x: 9.0 / (10.0 - x)),
    )
}


def rescale_judgments(A: ArrayLike, scale: str) -> np.ndarray:
    """Map judgments on Saaty's 1-9 scale to another judgment scale.

    Each judgment ``x`` in 1..9 becomes ``c(x)``, a reciprocal ``1/x`` becomes ``1/c(x)``;
    the diagonal and ``NaN`` (missing) stay. Judgments must lie on Saaty's scale (within
    1 %).

    Parameters
    ----------
    A : array_like, shape (..., n, n)
    scale : str
        A key of :data:`JUDGMENT_SCALES`.

    Returns
    -------
    ndarray
        Positive reciprocal matrices on the new scale.

    References
    ----------
    Ishizaka, A. & Labib, A. (2011). Review of the main developments in the analytic
    hierarchy process. Expert Systems with Applications 38, 14336-14345 (Table 2).
    Goepel, K. D. (2019). Comparison of judgment scales of the analytical hierarchy
    process — a new approach. Int. J. Inf. Technol. Decis. Mak. 18, 445-463.

    Examples
    --------
    >>> rescale_judgments([[1, 3], [1/3, 1]], "balanced").round(4)
    array([[1.    , 1.5   ],
           [0.6667, 1.    ]])
    >>> float(rescale_judgments([[1, 9], [1/9, 1]], "geometric")[0, 1])
    256.0
    """
    if scale not in JUDGMENT_SCALES:
        names = ", ".join(repr(k) for k in JUDGMENT_SCALES)
        raise ValueError(f"`scale` must be one of {{{names}}}; got {scale!r} instead.")
    M = np.asarray(A, dtype=float)
    if scale == "saaty":
        return M.copy()
    L = np.log(np.where(np.isnan(M), 1.0, M))
    x = np.exp(np.abs(L))
    k = np.rint(x)
    off = np.abs(np.log(x) - np.log(np.clip(k, 1, 9))) > np.log1p(1e-2)
    if np.any(off & ~np.isnan(M)) or np.any((k > 9) & ~np.isnan(M)):
        bad = np.argwhere(off & ~np.isnan(M) | (k > 9) & ~np.isnan(M))[0]
        raise ValueError(f"`A` has a judgment off Saaty's 1-9 scale at {tuple(bad.tolist())}"
                         f": {M[tuple(bad)]:.6g}; another judgment scale needs Saaty-scale "
                         "judgments.")
    table = np.array((1.0, *JUDGMENT_SCALES[scale].values))  # index 1..9
    c = table[np.clip(k, 1, 9).astype(int)]
    out = np.where(L >= 0, c, 1.0 / c)
    return np.where(np.isnan(M), np.nan, out)


# --------------------------------------------------------------------------- Likert


def likert_transform(X: ArrayLike, treatment: str, likert: tuple[int, int]) -> np.ndarray:
    """Per-answer values whose item means give the item statistic of a Likert treatment.

    Parameters
    ----------
    X : array_like, shape (R, L)
        Answers ``lo..hi`` (``NaN`` = missing, kept).
    treatment : {"mean", "top_box", "top2_box", "ridit"}
        ``mean``: the answer itself (interval treatment). ``top_box``: 1 for the highest
        category, else 0; ``top2_box``: 1 for the two highest. ``ridit``: the ridit of the
        answer's category against the item's answers in ``X``,
        ``P(X < k) + P(X = k) / 2`` (Bross 1958): a group's mean ridit is the probability
        that one of its answers beats a random answer of the whole sample (ties half).
    likert : (lo, hi)

    Returns
    -------
    ndarray, shape (R, L)

    References
    ----------
    Bross, I. D. J. (1958). How to use ridit analysis. Biometrics 14, 18-38.

    Examples
    --------
    >>> X = np.array([[1.0], [2.0], [2.0], [5.0]])
    >>> likert_transform(X, "ridit", (1, 5)).ravel().tolist()
    [0.125, 0.5, 0.5, 0.875]
    >>> likert_transform(X, "top2_box", (1, 5)).ravel().tolist()
    [0.0, 0.0, 0.0, 1.0]
    """
    X = np.asarray(X, dtype=float)
    lo, hi = likert
    miss = np.isnan(X)
    if treatment == "mean":
        return X.copy()
    if treatment in ("top_box", "top2_box"):
        cut = hi if treatment == "top_box" else hi - 1
        return np.where(miss, np.nan, (X >= cut).astype(float))
    if treatment != "ridit":
        names = ", ".join(repr(t) for t in LIKERT_TREATMENTS)
        raise ValueError(f"`treatment` must be one of {{{names}}}; got {treatment!r} instead.")
    cats = np.arange(lo, hi + 1)
    onehot = (X[..., None] == cats)                       # (R, L, K)
    cnt = onehot.sum(axis=0).astype(float)                # (L, K)
    tot = cnt.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = cnt / tot
    below = np.cumsum(p, axis=-1) - p
    rid = below + p / 2.0                                 # (L, K)
    idx = np.clip(np.where(miss, lo, X) - lo, 0, hi - lo).astype(int)
    out = np.take_along_axis(rid, idx.T, axis=-1).T
    return np.where(miss, np.nan, out)


# --------------------------------------------------------------------------- ANOVA


def anova_decomposition(Y: ArrayLike, *, n_factors: int | None = None,
                        max_order: int = 2) -> dict[tuple, np.ndarray]:
    """Exact variance decomposition of a response over a balanced full factorial.

    ``Y[i_1, ..., i_k, ...]`` holds the response of every combination of ``k`` factors
    (one axis each, all combinations present once); trailing axes are separate responses.
    With ``m_S`` the mean of ``Y`` over the factors not in ``S``, the effects are
    ``f_S = sum_{T subset S} (-1)^{|S|-|T|} m_T`` (Hoeffding / functional ANOVA) and the
    population variance of ``Y`` over the cells is exactly ``sum_S Var(f_S)`` (the effects
    are orthogonal in a balanced design). Returned: the variance of every main effect and
    (``max_order = 2``) every two-way interaction, ``()`` for the total and ``("rest",)``
    for all higher orders together, so that the parts sum to the total.

    Parameters
    ----------
    Y : array_like, shape (n_1, ..., n_k, ...)
    n_factors : int, optional
        ``k`` (default: ``Y.ndim``).
    max_order : {1, 2}

    Returns
    -------
    dict
        ``(i,)`` and ``(i, j)`` -> variance (shape of the trailing axes); ``()`` -> total;
        ``("rest",)`` -> the remainder (higher-order interactions).

    References
    ----------
    Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity analysis
    techniques as tools for the quality assessment of composite indicators. J. R. Stat.
    Soc. A 168, 307-323.
    Sobol', I. M. (1993). Sensitivity estimates for nonlinear mathematical models. Math.
    Modelling Comput. Experiment 1, 407-414.

    Examples
    --------
    An additive response has no interaction:

    >>> Y = np.add.outer([0.0, 2.0], [0.0, 1.0, 2.0])
    >>> d = anova_decomposition(Y)
    >>> [round(float(d[k]), 6) for k in [(0,), (1,), (0, 1), ()]]
    [1.0, 0.666667, 0.0, 1.666667]
    """
    Y = np.asarray(Y, dtype=float)
    k = Y.ndim if n_factors is None else int(n_factors)
    if max_order not in (1, 2):
        raise ValueError(f"`max_order` must be 1 or 2; got {max_order!r} instead.")
    axes = tuple(range(k))
    mu = Y.mean(axis=axes)
    total = ((Y - Y.mean(axis=axes, keepdims=True)) ** 2).mean(axis=axes)
    out: dict[tuple, np.ndarray] = {(): total}
    mains = {}
    for i in range(k):
        other = tuple(a for a in axes if a != i)
        m = Y.mean(axis=other, keepdims=True) - Y.mean(axis=axes, keepdims=True)
        mains[i] = m
        out[(i,)] = (m**2).mean(axis=axes)
    explained = sum((out[(i,)] for i in range(k)), np.zeros_like(mu))
    if max_order == 2:
        for i, j in itertools.combinations(range(k), 2):
            other = tuple(a for a in axes if a not in (i, j))
            mij = Y.mean(axis=other, keepdims=True) - Y.mean(axis=axes, keepdims=True)
            f = mij - mains[i] - mains[j]
            out[(i, j)] = (f**2).mean(axis=axes)
            explained = explained + out[(i, j)]
    out[("rest",)] = total - explained
    return out


# --------------------------------------------------------------------------- the grid


#: The default grid: 3 x 3 x 2 x 4 x 2 x 3 x 3 x 1 = 1296 specifications.
DEFAULT_GRID: dict[str, tuple] = {
    "weighting": ("eigenvector", "geometric_mean", "column_mean"),
    "aggregation": ("aij", "aip_geometric", "aip_arithmetic"),
    "consistency": ({"index": "cr", "random_index": "saaty", "threshold": 0.1},
                    {"index": "gci"}),
    "policy": ("keep", "drop", "repair", "downweight"),
    "missing": ("available_case", "listwise"),
    "scale": ("saaty", "balanced", "logarithmic"),
    "likert": ("mean", "top2_box", "ridit"),
    "family": ("ahp",),
}


def _consistency_label(c: Mapping[str, Any]) -> str:
    parts = [str(c["index"])]
    if c["index"] in ("cr", "ci"):
        parts.append(str(c.get("random_index", "saaty")))
    if c.get("threshold") is not None:
        parts.append(f"{c['threshold']:g}")
    return "/".join(parts)


def multiverse_grid(grid: Mapping[str, Any] | None = None, *, file: str | None = None,
                    key: str = "sensitivity") -> dict[str, tuple]:
    """Validate a grid of analyst choices; fill missing factors from :data:`DEFAULT_GRID`.

    Every factor is a list of levels (a single value is a one-level list). Errors are
    :class:`~ahpstat.InputError` naming ``file`` and the key (``sensitivity.scale``, ...).

    Examples
    --------
    >>> g = multiverse_grid({"weighting": "eigenvector", "scale": ["saaty", "balanced"]})
    >>> g["weighting"], g["scale"]
    (('eigenvector',), ('saaty', 'balanced'))
    >>> multiverse_grid({"scale": ["saaty", "fibonacci"]})
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: `sensitivity.scale` must be a list of ...
    """
    from ahpstat.consistency import CONSISTENCY_INDICES
    from ahpstat.panel import PANEL_POLICIES
    from ahpstat.scales import RANDOM_INDEX_TABLES
    from ahpstat.weighting import WEIGHTING_METHODS

    g = dict(grid or {})
    unknown = [k for k in g if k not in FACTORS]
    if unknown:
        known = ", ".join(f"`{key}.{k}`" for k in FACTORS)
        raise InputError(f"unknown key `{key}.{unknown[0]}`; the factors are {known}. Got "
                         f"`{key}.{unknown[0]}` instead.", file=file)
    choices = {"weighting": WEIGHTING_METHODS, "aggregation": AGGREGATION_LEVELS,
               "policy": PANEL_POLICIES, "missing": MISSING_RULES,
               "scale": tuple(JUDGMENT_SCALES), "likert": LIKERT_TREATMENTS,
               "family": WEIGHTING_FAMILIES}
    out: dict[str, tuple] = {}
    for name in FACTORS:
        raw = g.get(name, DEFAULT_GRID[name])
        if raw is None:
            raw = DEFAULT_GRID[name]
        levels = list(raw) if isinstance(raw, list | tuple) else [raw]
        if not levels:
            raise InputError(f"`{key}.{name}` must list at least one level. Got an empty list "
                             "instead.", file=file)
        if name == "consistency":
            norm = []
            for lev in levels:
                c = {"index": lev} if isinstance(lev, str) else lev
                if not isinstance(c, Mapping):
                    raise InputError(f"`{key}.consistency` levels must be an index name or a "
                                     "mapping {index, random_index, threshold}. Got "
                                     f"{lev!r} instead.", file=file)
                bad = [k for k in c if k not in ("index", "random_index", "threshold")]
                if bad:
                    raise InputError(f"unknown key `{key}.consistency.{bad[0]}`; the keys "
                                     "are `index`, `random_index`, `threshold`. Got "
                                     f"`{bad[0]}` instead.", file=file)
                idx = c.get("index")
                idx = idx.lower() if isinstance(idx, str) else idx
                if idx not in CONSISTENCY_INDICES:
                    opts = ", ".join(repr(x) for x in CONSISTENCY_INDICES)
                    raise InputError(f"`{key}.consistency.index` must be one of {{{opts}}}. "
                                     f"Got {c.get('index')!r} instead.", file=file)
                ri = c.get("random_index", "saaty")
                if ri not in RANDOM_INDEX_TABLES:
                    opts = ", ".join(repr(x) for x in RANDOM_INDEX_TABLES)
                    raise InputError(f"`{key}.consistency.random_index` must be one of "
                                     f"{{{opts}}}. Got {ri!r} instead.", file=file)
                thr = c.get("threshold")
                if thr is not None and (isinstance(thr, bool) or not isinstance(thr, int | float)
                                        or not np.isfinite(thr) or thr <= 0):
                    raise InputError(f"`{key}.consistency.threshold` must be a positive number "
                                     f"or null. Got {thr!r} instead.", file=file)
                lev2 = {"index": idx, "random_index": ri,
                        "threshold": None if thr is None else float(thr)}
                norm.append(lev2)
            labels = [_consistency_label(c) for c in norm]
            if len(set(labels)) != len(labels):
                raise InputError(f"`{key}.consistency` repeats a level. Got {labels} instead.",
                                 file=file)
            out[name] = tuple(norm)
            continue
        norm2 = []
        for lev in levels:
            v = lev.lower() if isinstance(lev, str) else lev
            if v not in choices[name]:
                opts = ", ".join(repr(x) for x in choices[name])
                raise InputError(f"`{key}.{name}` must be a list of {{{opts}}}. Got {lev!r} "
                                 "instead.", file=file)
            if v in norm2:
                raise InputError(f"`{key}.{name}` repeats the level {lev!r}. Got "
                                 f"{levels!r} instead.", file=file)
            norm2.append(v)
        out[name] = tuple(norm2)
    for c in out["consistency"]:
        acting = [p for p in out["policy"] if needs_threshold(c["index"], c["threshold"], p)]
        if acting:
            raise InputError(f"`{key}.consistency`: Koczkodaj's index has no default threshold "
                             "(ahpstat.consistency); give `threshold` (Koczkodaj's own is 1/3) "
                             f"for the policies {acting}. Got {{index: koczkodaj}} without a "
                             "threshold instead.", file=file)
    return out


def _level_label(factor: str, level: Any) -> str:
    return _consistency_label(level) if factor == "consistency" else str(level)


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class MultiverseResult:
    """Every specification of a grid of analyst choices, and what they change.

    Attributes
    ----------
    specifications : pandas.DataFrame
        ``spec`` (0..S-1), one column per factor (its level label), ``baseline`` (the
        study's own choices), ``feasible`` and ``problem`` (why a specification could not
        be computed, e.g. a ``drop`` policy that leaves a node without experts).
    scores : pandas.DataFrame
        ``spec, node, grouping, group, score, rank``: the score of every reported node for
        the whole sample (``grouping = group = "all"``, no rank) and per group, and the
        group's rank at that node (1 = highest, ties share the lowest). Written as
        ``multiverse.csv``.
    rank_stability : pandas.DataFrame
        ``grouping, group, node, baseline_rank, share_same_rank, rank_min, rank_median,
        rank_max, share_top``: over the feasible specifications.
    weight_order : pandas.DataFrame
        ``parent, node, baseline_rank, share_same_rank, share_same_order``: each criterion's
        local-weight rank among its siblings (and the whole order of its parent's children)
        kept across the panel configurations (weighted by how many specifications use
        each).
    anova : pandas.DataFrame
        ``target, likert, grouping, group, effect, order, variance, share``: the exact
        variance decomposition (:func:`anova_decomposition`) of the goal's score (whole
        sample; ``target = "goal_score"``) over the other factors within each Likert
        treatment (``likert``: their units differ), and of every group's goal rank
        (``target = "goal_rank"``, ``likert = "all"``) over the whole factorial;
        ``effect`` is a factor, ``a:b`` (two-way interaction), ``higher-order`` (the rest)
        or ``total`` (the variance itself; ``share`` = variance / total).
    effects : pandas.DataFrame
        ``target, likert, grouping, effect, order, share_mean, share_max``: the ANOVA shares
        summarized over the groups (mean and largest share of each effect), largest first.
    """

    grid: dict[str, tuple]
    specifications: Any
    scores: Any
    rank_stability: Any
    weight_order: Any
    anova: Any
    effects: Any
    baseline: int | None
    info: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, Any]:
        """The tables by output file stem."""
        return {"multiverse": self.scores, "multiverse_specifications": self.specifications,
                "multiverse_rank_stability": self.rank_stability,
                "multiverse_weight_order": self.weight_order,
                "multiverse_anova": self.anova, "multiverse_effects": self.effects}


# --------------------------------------------------------------------------- running


def _raw_survey(result: Any) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, tuple]]:
    """Answers before any missing-answer rule (re-read once only if the study dropped rows)."""
    if getattr(result, "n_dropped_listwise", 0) == 0:
        return result.answers, result.group_codes, result.group_names
    study = result.study
    inp = study.load()
    sv = inp.survey
    X = sv[list(inp.items)].to_numpy(dtype=float)
    codes, names = {}, {}
    for gcol in study.survey.group_columns:
        lab = sv[gcol].astype(str).to_numpy()
        # the study's order; a group that listwise deletion emptied follows, in file order
        known = tuple(result.group_names.get(gcol, ()))
        nm = known + tuple(dict.fromkeys(g for g in lab if g not in set(known)))
        pos = {g: k for k, g in enumerate(nm)}
        codes[gcol] = np.array([pos[g] for g in lab], dtype=np.intp)
        names[gcol] = nm
    return X, codes, names


def _panel_options(base: Any, weighting: str, aggregation: str, cons: Mapping[str, Any],
                   policy: str, scale: str) -> Any:
    agg, mean = (aggregation, base.aip_mean) if aggregation == "aij" else \
        ("aip", aggregation.split("_", 1)[1])
    return replace(base, weighting=weighting, aggregation=agg, aip_mean=mean,
                   index=cons["index"], random_index=cons["random_index"],
                   threshold=cons["threshold"], policy=policy,
                   repair_on_scale=base.repair_on_scale and scale == "saaty")


def _baseline_levels(study: Any) -> dict[str, Any]:
    p = study.panel
    agg = "aij" if p.aggregation == "aij" else f"aip_{p.aip_mean}"
    ri = p.random_index if isinstance(p.random_index, str) else "user"
    return {"weighting": p.weighting, "aggregation": agg,
            "consistency": {"index": p.index, "random_index": ri, "threshold": p.threshold},
            "policy": p.policy, "missing": study.survey.missing, "scale": "saaty",
            "likert": "mean", "family": "ahp"}


def _same_level(factor: str, a: Any, b: Any) -> bool:
    if factor != "consistency":
        return a == b
    if a["index"] != b["index"]:
        return False
    if a["index"] in ("cr", "ci") and a["random_index"] != b["random_index"]:
        return False
    return a["threshold"] == b["threshold"]


def multiverse(result: Any, grid: Mapping[str, Any] | None = None, *,
               nodes: str = "criteria",
               progress: Callable[[int, int], None] | None = None) -> MultiverseResult:
    """Run a study over the full factorial of a grid of analyst choices.

    Parameters
    ----------
    result : StudyResult
        The study as run (its panel stacks, hierarchy and survey are reused; nothing is
        re-read per specification).
    grid : mapping, optional
        Levels per factor (:data:`FACTORS`); missing factors take :data:`DEFAULT_GRID`'s
        levels. Validated by :func:`multiverse_grid`.
    nodes : {"criteria", "internal"}
        Nodes whose scores and ranks are reported: the goal and its children, or every
        internal node.
    progress : callable, optional
        ``progress(done, total)`` over the panel configurations.

    Returns
    -------
    MultiverseResult

    Notes
    -----
    A specification that cannot be computed (a ``drop`` policy that leaves some node
    without experts, judgments off Saaty's scale for another scale) is kept in the tables
    as infeasible with its reason, its scores ``NaN``, and a
    :class:`~ahpstat.DegenerateDataWarning`; the ANOVA then needs every cell and is ``NaN``.

    Examples
    --------
    >>> from ahpstat.datasets import example_study_result
    >>> mv = multiverse(example_study_result(), {"weighting": ["eigenvector", "geometric_mean"],
    ...                 "aggregation": ["aij"], "consistency": ["cr"], "policy": ["keep"],
    ...                 "missing": ["available_case"], "scale": ["saaty", "balanced"],
    ...                 "likert": ["mean", "ridit"]})
    >>> len(mv.specifications), int(mv.baseline)
    (8, 0)
    """
    import pandas as pd

    from ahpstat.compare import _desc_ranks, _group_ranks
    from ahpstat.panel import run_panel
    from ahpstat.scoring import composite_scores, item_sums_counts, means_from_sums

    g = multiverse_grid(grid)
    if nodes not in ("criteria", "internal"):
        raise ValueError(f"`nodes` must be 'criteria' or 'internal'; got {nodes!r} instead.")
    study = result.study
    h = result.hierarchy
    all_nodes = tuple(h.nodes)
    npos = {v: k for k, v in enumerate(all_nodes)}
    rep = (h.root, *h.children(h.root)) if nodes == "criteria" else tuple(h.internal)
    rep_idx = [npos[v] for v in rep]
    lo, hi = study.survey.likert
    shape = tuple(len(g[f]) for f in FACTORS)
    S = int(np.prod(shape))

    # ---- panels: one per distinct configuration
    base = study.panel
    panel = result.panel
    pkeys: dict[tuple, int] = {}
    spec_panel = np.empty(shape[:4] + shape[5:6], dtype=np.intp)  # (w, a, c, p, scale)
    for iw, ia, ic, ip, isc in itertools.product(*(range(shape[i]) for i in (0, 1, 2, 3, 5))):
        pol = g["policy"][ip]
        key = (iw, ia, ic if pol != "keep" else -1, ip, isc)
        spec_panel[iw, ia, ic, ip, isc] = pkeys.setdefault(key, len(pkeys))
    P = len(pkeys)
    leaf_w = np.full((P, len(h.leaves)), np.nan)
    local_w: list[dict[str, np.ndarray] | None] = [None] * P
    problems: list[str] = [""] * P
    scaled: dict[str, dict] = {}
    for t, (key, p) in enumerate(pkeys.items()):
        iw, ia, ic, ip, isc = key
        scale = g["scale"][isc]
        cons = g["consistency"][max(ic, 0)]
        opts = _panel_options(base, g["weighting"][iw], g["aggregation"][ia], cons,
                              g["policy"][ip], scale)
        try:
            if scale not in scaled:
                scaled[scale] = _scaled_stacks(result.stacks, scale, study)
            pr = run_panel(scaled[scale], h, experts=panel.experts,
                           expert_weights=panel.expert_weights, options=opts,
                           diagnostics=False)
            leaf_w[p] = pr.leaf_weights
            local_w[p] = pr.local
        except InputError as exc:
            problems[p] = exc.reason if hasattr(exc, "reason") else str(exc)
            if isinstance(exc, InputError) and exc.location.node:
                problems[p] = f"node {exc.location.node!r}: {problems[p]}"
        if progress is not None:
            progress(t + 1, P)

    # ---- survey: item statistics per (missing rule, Likert treatment) and group; the
    # objective weight vectors computed from the same data
    X, codes, gnames = _raw_survey(result)
    Mship = result.membership
    blocks = [("all", ("all",))] + [(gc, gnames[gc]) for gc in codes]
    fams = g["family"]
    fopts = _family_options(study) if any(f != "ahp" for f in fams) else None
    wanted = [f for f in fams if f not in ("ahp", "combined")]
    if fopts is not None and "combined" in fams and fopts.combine not in wanted:
        wanted.append(str(fopts.combine))
    means = {}  # (im, il) -> list over blocks of (G_b, L)
    objective: dict[tuple[str, int, int], tuple[np.ndarray, str]] = {}
    nresp = {}
    for im, miss in enumerate(g["missing"]):
        keep = ~np.isnan(X).any(axis=1) if miss == "listwise" else np.ones(len(X), bool)
        Xm = X[keep]
        for il, lt in enumerate(g["likert"]):
            V = likert_transform(Xm, lt, (lo, hi))
            lst = []
            s, c = item_sums_counts(V)
            lst.append(means_from_sums(s, c))
            for gc, nm in blocks[1:]:
                s, c = item_sums_counts(V, codes[gc][keep], len(nm))
                lst.append(means_from_sums(s, c))
            means[(im, il)] = lst
            for m in wanted:
                objective[(m, im, il)] = _objective_vector(V, lst, m, fopts, miss, lt)
        nresp[im] = int(keep.sum())

    # ---- leaf weights of every (family, panel, missing rule, Likert treatment)
    nm_, nl_ = len(g["missing"]), len(g["likert"])
    F = len(fams)
    leaf_all = np.full((F, P, nm_, nl_, len(h.leaves)), np.nan)
    cell_problem = np.full((F, P, nm_, nl_), "", dtype=object)
    for fi, fam in enumerate(fams):
        for im, il in itertools.product(range(nm_), range(nl_)):
            if fam == "ahp":
                leaf_all[fi, :, im, il] = leaf_w
                cell_problem[fi, :, im, il] = problems
                continue
            method = fam
            if fam == "combined":
                assert fopts is not None  # read whenever a family other than ahp is wanted
                method = str(fopts.combine)
            w, prob = objective[(method, im, il)]
            if fam != "combined":
                leaf_all[fi, :, im, il] = w
                cell_problem[fi, :, im, il] = prob
                continue
            leaf_all[fi, :, im, il], cell_problem[fi, :, im, il] = _combined(
                leaf_w, problems, w, prob, fopts)

    # ---- scores of every (family, panel, survey treatment): (F, P, G, N_rep) per block
    block_scores = []
    for b, (_gc, nm) in enumerate(blocks):
        arr = np.full((F, P, nm_, nl_, len(nm), len(rep)), np.nan)
        for (im, il), lst in means.items():
            with np.errstate(invalid="ignore", divide="ignore"):
                sc = composite_scores(leaf_all[:, :, im, il, None, :], lst[b][None, None],
                                      Mship)
            arr[:, :, im, il] = sc[..., rep_idx]
        block_scores.append(arr)

    # ---- specification table
    grids = np.indices(shape).reshape(len(FACTORS), -1).T  # (S, 8)
    base_lv = _baseline_levels(study)
    spec_rows = []
    baseline = None
    pid = np.empty(S, dtype=np.intp)
    im_s, il_s, fam_s = grids[:, 4], grids[:, 6], grids[:, 7]
    for s_i, ix in enumerate(grids):
        lv = {f: g[f][ix[k]] for k, f in enumerate(FACTORS)}
        p = spec_panel[ix[0], ix[1], ix[2], ix[3], ix[5]]
        pid[s_i] = p
        is_base = all(_same_level(f, lv[f], base_lv[f]) for f in FACTORS)
        if is_base and baseline is None:
            baseline = s_i
        prob = cell_problem[ix[7], p, ix[4], ix[6]]
        spec_rows.append((s_i, *(_level_label(f, lv[f]) for f in FACTORS), is_base,
                          prob == "", prob or None))
    specs = pd.DataFrame(spec_rows, columns=["spec", *FACTORS, "baseline", "feasible",
                                             "problem"])
    infeasible = ~specs.feasible.to_numpy()
    if infeasible.any():
        warn(f"{int(infeasible.sum())} of {S} specifications cannot be computed (e.g. "
             f"{specs.problem[infeasible].iloc[0]}); their scores are NaN and the variance "
             "decomposition is undefined.", DegenerateDataWarning)

    # ---- tidy scores (multiverse.csv) and ranks
    frames = []
    rank_arrays = {}
    for b, (gc, nm) in enumerate(blocks):
        sc = block_scores[b][fam_s, pid, im_s, il_s]     # (S, G, N)
        if gc == "all":
            rk = np.full(sc.shape, np.nan)
        else:
            rk = _group_ranks(sc)
            rank_arrays[gc] = rk
        Gn, Nn = sc.shape[1], sc.shape[2]
        frames.append(pd.DataFrame({
            "spec": np.repeat(np.arange(S), Gn * Nn),
            "node": np.tile(np.array(rep, dtype=object), S * Gn),
            "grouping": gc,
            "group": np.tile(np.repeat(np.array(nm, dtype=object), Nn), S),
            "score": sc.reshape(-1),
            "rank": rk.reshape(-1),
        }))
    scores = pd.concat(frames, ignore_index=True)

    # ---- rank stability (groups) over feasible specifications
    feas = ~infeasible
    st_rows = []
    for gc, rk in rank_arrays.items():
        base_rk = rk[baseline] if baseline is not None else np.full(rk.shape[1:], np.nan)
        R = rk[feas]
        for gi, gname in enumerate(gnames[gc]):
            for j, v in enumerate(rep):
                col = R[:, gi, j]
                ok = ~np.isnan(col)
                br = base_rk[gi, j]
                if ok.any():
                    st_rows.append((gc, gname, v, br, float(np.mean(col[ok] == br))
                                    if not np.isnan(br) else np.nan, float(col[ok].min()),
                                    float(np.median(col[ok])), float(col[ok].max()),
                                    float(np.mean(col[ok] == 1))))
                else:
                    st_rows.append((gc, gname, v, br, np.nan, np.nan, np.nan, np.nan, np.nan))
    stability = pd.DataFrame(st_rows, columns=["grouping", "group", "node", "baseline_rank",
                                               "share_same_rank", "rank_min", "rank_median",
                                               "rank_max", "share_top"])

    # ---- weight order of every internal node's children over the distinct weight vectors
    # (AHP: one per panel configuration; objective: one per survey treatment; combined: one
    # per both), each counted as often as feasible specifications use it
    vec_count: dict[tuple[int, int, int, int], int] = {}
    for s_i in np.flatnonzero(feas).tolist():
        fam = fams[fam_s[s_i]]
        if fam == "ahp":
            vkey = (int(fam_s[s_i]), int(pid[s_i]), -1, -1)
        else:
            vkey = (int(fam_s[s_i]), -1 if fam != "combined" else int(pid[s_i]),
                    int(im_s[s_i]), int(il_s[s_i]))
        vec_count[vkey] = vec_count.get(vkey, 0) + 1
    base_local = panel.local if baseline is None else local_w[pid[baseline]]
    wo_rows = []
    for v in h.internal:
        ch = h.children(v)
        if len(ch) < 2 or base_local is None:
            continue
        ch_idx = [npos[c] for c in ch]
        brank = _desc_ranks(base_local[v])
        same = np.zeros(len(ch))
        same_order = 0.0
        tot = 0.0
        for (fi, p, im, il), cnt in vec_count.items():
            if im < 0:
                lw_p = local_w[p]
                if lw_p is None:
                    continue
                r = _desc_ranks(lw_p[v])
            else:
                gw = leaf_all[fi, max(p, 0), im, il] @ Mship.T   # global node weights
                r = _desc_ranks(gw[ch_idx])                      # local = global / parent's
            same += cnt * (r == brank)
            same_order += cnt * float(np.array_equal(r, brank))
            tot += cnt
        for k, c in enumerate(ch):
            wo_rows.append((v, c, int(brank[k]), same[k] / tot if tot else np.nan,
                            same_order / tot if tot else np.nan))
    weight_order = pd.DataFrame(wo_rows, columns=["parent", "node", "baseline_rank",
                                                  "share_same_rank", "share_same_order"])

    # ---- exact ANOVA of the goal score (within each Likert treatment: their units differ)
    # and of every group's goal rank (over the whole factorial)
    an_rows = []
    goal_j = rep.index(h.root)
    y = block_scores[0][fam_s, pid, im_s, il_s][:, 0, goal_j].reshape(shape)
    li = FACTORS.index("likert")
    others = tuple(f for f in FACTORS if f != "likert")
    for il, lt in enumerate(g["likert"]):
        an_rows += _anova_rows(np.take(y, il, axis=li), others, "goal_score", lt, "all", "all")
    for gc, rk in rank_arrays.items():
        Y = rk[:, :, goal_j].reshape(*shape, -1)
        for gi, gname in enumerate(gnames[gc]):
            an_rows += _anova_rows(Y[..., gi], FACTORS, "goal_rank", "all", gc, gname)
    anova = pd.DataFrame(an_rows, columns=["target", "likert", "grouping", "group", "effect",
                                           "order", "variance", "share"])
    parts = anova[anova.effect != "total"]
    effects = (parts.groupby(["target", "likert", "grouping", "effect"], sort=False)
               .agg(order=("order", "first"), share_mean=("share", "mean"),
                    share_max=("share", "max"))
               .reset_index()
               .sort_values(["target", "likert", "grouping", "share_mean"],
                            ascending=[True, True, True, False], kind="stable")
               .reset_index(drop=True))
    info = {"n_specifications": S, "n_panels": P, "n_infeasible": int(infeasible.sum()),
            "nodes": list(rep), "respondents": nresp, "likert": [lo, hi]}
    if fopts is not None:
        info["family"] = {"normalization": fopts.normalization, "shift": fopts.shift,
                          "unit": fopts.unit, "combination": fopts.combination,
                          "combine": fopts.combine, "alpha": fopts.alpha}
    return MultiverseResult(grid=g, specifications=specs, scores=scores,
                            rank_stability=stability, weight_order=weight_order, anova=anova,
                            effects=effects, baseline=baseline, info=info)


def _family_options(study: Any) -> EvaluationOptions:
    """The objective settings of the ``family`` factor: the study's evaluation options
    (with a game-theory combination when it has none), else the defaults.
    """
    ev = getattr(study, "evaluation", None)
    if ev is None:
        return EvaluationOptions(fce_weighting=())
    if ev.combination is not None:
        return ev
    return replace(ev, objective=ev.objective or ("entropy",), combination="game_theory",
                   combine=None, alpha=None)


def _objective_vector(V: np.ndarray, means: list[np.ndarray], method: str, opts: Any,
                      missing: str, likert: str) -> tuple[np.ndarray, str]:
    """An objective weight vector (L,) of one survey treatment, and why it is undefined
    (``""``: defined). ``V``: the treated answers; ``means[1]``: the first grouping's item
    means (the units when ``opts.unit == "groups"``).
    """
    from ahpstat.objective import objective_weights

    where = f"{method} weights ({missing}, {likert})"
    if opts.unit == "groups":
        if len(means) < 2:
            return np.full(V.shape[1], np.nan), f"{where}: the groups as units need a group " \
                "column"
        data = means[1]
    else:
        data = V
    kw: dict[str, Any] = {"normalization": opts.normalization, "shift": opts.shift} \
        if method == "entropy" else {}
    w = objective_weights(data, method=method, **kw).weights
    if not np.isfinite(w).all():
        return w, f"{where} are undefined (every item constant, or too few answers)"
    return w, ""


def _combined(leaf_w: np.ndarray, problems: list[str], w: np.ndarray, prob: str,
              opts: Any) -> tuple[np.ndarray, list[str]]:
    """Every panel's AHP leaf weights (P, L) combined with one objective vector (L,)."""
    from ahpstat.objective import combine_weights

    out = np.full(leaf_w.shape, np.nan)
    why = [p or prob for p in problems]
    ok = np.array([not p for p in why])
    if ok.any():
        c = combine_weights([leaf_w[ok], np.broadcast_to(w, leaf_w[ok].shape)],
                            method=opts.combination,
                            alpha=opts.alpha if opts.combination == "linear" else None)
        out[ok] = c.weights
        bad = ~np.isfinite(c.weights).all(axis=-1)
        for k in np.flatnonzero(ok)[bad]:
            why[k] = f"the {opts.combination} combination is undefined"
    return out, why


def _anova_rows(Y: np.ndarray, factors: tuple[str, ...], target: str, likert: str,
                grouping: str, group: str) -> list[tuple]:
    head = (target, likert, grouping, group)
    if np.isnan(Y).any():
        return [(*head, "total", 0, np.nan, np.nan)]
    d = anova_decomposition(Y, n_factors=len(factors))
    tot = float(d[()])
    if tot <= 1e-24 + 1e-14 * float(np.mean(Y)) ** 2:  # constant up to round-off: nothing
        d = {k: np.zeros_like(v) for k, v in d.items()}  # to decompose (e.g. the whole
        tot = 0.0                                        # sample's mean ridit)
    rows = [(*head, "total", 0, tot, 1.0 if tot > 0 else np.nan)]
    for key, v in d.items():
        if key == () or key == ("rest",):
            continue
        rows.append((*head, ":".join(factors[i] for i in key), len(key), float(v),
                     float(v) / tot if tot > 0 else np.nan))
    rest = float(d[("rest",)])
    rows.append((*head, "higher-order", 3, rest, rest / tot if tot > 0 else np.nan))
    return rows


def _scaled_stacks(stacks: Mapping[str, tuple], scale: str, study: Any) -> dict:
    if scale == "saaty":
        return dict(stacks)
    if getattr(study.judgments, "scale", "saaty") != "saaty":
        raise InputError(f"the judgment scale '{scale}' re-maps Saaty's 1-9 values, but the "
                         "study does not require its judgments to be on Saaty's scale "
                         "(`judgments.scale` is null). Got scale "
                         f"{study.judgments.scale!r} instead.")
    out = {}
    for v, (ex, S) in stacks.items():
        try:
            out[v] = (ex, rescale_judgments(S, scale))
        except ValueError as exc:
            raise InputError(str(exc), node=v) from None
    return out
