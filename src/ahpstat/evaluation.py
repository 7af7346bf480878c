"""Subjective against objective weights, fuzzy evaluation and rankings of a study, with
uncertainty from the same bootstrap resamples as the AHP scores.

:func:`evaluate_study` takes a run study (its hierarchy, panel and survey answers) and

* computes objective weights of the items (:mod:`ahpstat.objective`: entropy, CRITIC, SD, CV)
  from the respondents' answers (or from the groups' item means), rolled up the hierarchy the
  way AHP weights are: a node's global weight is the sum of its items' weights, its local
  weight its global weight over its parent's (:meth:`ahpstat.Hierarchy.local_weights`);
* combines the AHP (subjective) item weights with one objective vector
  (:func:`ahpstat.objective.combine_weights`: game-theory, multiplicative or linear);
* measures how far the weightings agree (Kendall's tau-b and the weighted rank correlation of
  :mod:`ahpstat.compare`, at every level of the hierarchy);
* evaluates every group (and the whole sample) by multi-level fuzzy comprehensive evaluation
  on the Likert answers (:mod:`ahpstat.fuzzy`): evaluation vectors per node, the
  maximum-membership verdict named by the study's grades, the weighted score;
* ranks the groups by TOPSIS and grey relational analysis on their item means
  (:mod:`ahpstat.mcda`) with any of the weight vectors.

Uncertainty: given the study's bootstrap (:func:`ahpstat.bootstrap.bootstrap_study`) and the
``rng`` it was run with, every quantity is recomputed on exactly the same resamples -- the
expert resample's AHP weights (kept in the bootstrap result) and the same respondent resamples
(regenerated from the same random streams, and checked against the bootstrap's item means) --
so an interval here and an AHP score's interval describe the same uncertainty, jointly.
Intervals use the bootstrap's method and level (percentile, basic or BCa; BCa's acceleration
from the multi-sample jackknife over experts, respondents or clusters and the respondents of
each group, as for the scores), and the groups' rank probabilities come from the same draws.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import check_likert, check_method
from ahpstat._warnings import DegenerateDataWarning, warn
from ahpstat.compare import kendall_tau, weighted_spearman
from ahpstat.fuzzy import (
    FCE_OPERATORS,
    _operator,
    answer_shares,
    fuzzy_evaluation,
    max_membership,
)
from ahpstat.mcda import GRA_NORMALIZATIONS, TOPSIS_NORMALIZATIONS
from ahpstat.mcda import grey_relational_analysis as _gra
from ahpstat.mcda import topsis as _topsis
from ahpstat.objective import (
    COMBINATION_METHODS,
    ENTROPY_NORMALIZATIONS,
    OBJECTIVE_METHODS,
    combine_weights,
    objective_weights,
)

__all__ = [
    "EVALUATION_TABLES",
    "UNITS",
    "WEIGHTINGS",
    "EvaluationOptions",
    "EvaluationResult",
    "evaluate_study",
]

#: every weighting an evaluation can use: the panel's AHP weights, the objective methods and
#: their combination
WEIGHTINGS = ("ahp", *OBJECTIVE_METHODS, "combined")
#: the units whose data give the objective weights
UNITS = ("respondents", "groups")
#: the tables of an :class:`EvaluationResult`, in the order they are written
EVALUATION_TABLES = ("objective_weights", "objective_components", "weight_agreement",
                     "fce", "fce_verdicts", "topsis", "gra", "evaluation_ranks")
_NODE_SETS = ("criteria", "internal", "all")


def _names(key: str, value: Any, choices: Sequence[str]) -> tuple[str, ...]:
    """A name or names from ``choices`` (case-insensitive), without repeats."""
    vals = (value,) if isinstance(value, str) else tuple(value)
    out = tuple(check_method(key, v, choices) for v in vals)
    if len(set(out)) != len(out):
        raise ValueError(f"`{key}` must not repeat a name; got {list(vals)!r} instead.")
    return out


@dataclass(frozen=True)
class EvaluationOptions:
    """What :func:`evaluate_study` computes (the study file's ``objective_weights:``,
    ``combination:``, ``fce:``, ``topsis:`` and ``gra:`` sections).

    Attributes
    ----------
    objective : tuple of str
        Objective methods (:data:`ahpstat.objective.OBJECTIVE_METHODS`).
    normalization : str
        Entropy's normalisation, ``"minmax"`` or ``"proportion"``.
    shift : float
        Entropy's shift of the normalised values (0: the limit ``0 ln 0 = 0``).
    unit : str
        ``"respondents"`` (objective weights from the answers) or ``"groups"`` (from the
        groups' item means).
    combination : str or None
        How the AHP vector and ``combine`` are combined
        (:data:`ahpstat.objective.COMBINATION_METHODS`); ``None``: no combined weights.
    alpha : float or None
        The linear combination's weight of the AHP vector (required for ``"linear"``).
    combine : str or None
        The objective method combined with AHP (default: the first of ``objective``).
    fce_weighting : tuple of str
        Weightings the fuzzy evaluation uses (:data:`WEIGHTINGS`); empty: no evaluation.
    fce_operators : tuple of str
        Fuzzy operators (:data:`ahpstat.fuzzy.FCE_OPERATORS`).
    grades : tuple of str or None
        Names of the answer categories, lowest first (default: the answer values).
    grade_values : tuple of float or None
        Values of the grades in the weighted score (default: the answer values).
    fce_nodes : str
        Nodes reported: ``"criteria"`` (the goal and its children), ``"internal"`` or
        ``"all"``.
    topsis_weighting, gra_weighting : tuple of str or None
        Weightings TOPSIS and grey relational analysis rank the groups with (``None``: every
        weighting computed; empty: not run).
    topsis_normalization, gra_normalization : str
        :data:`ahpstat.mcda.TOPSIS_NORMALIZATIONS`, :data:`ahpstat.mcda.GRA_NORMALIZATIONS`.
    rho : float
        Grey relational analysis's distinguishing coefficient.
    """

    objective: tuple[str, ...] = ("entropy", "critic")
    normalization: str = "minmax"
    shift: float = 0.0
    unit: str = "respondents"
    combination: str | None = "game_theory"
    alpha: float | None = None
    combine: str | None = None
    fce_weighting: tuple[str, ...] = ("ahp",)
    fce_operators: tuple[str, ...] = ("weighted_average", "max_min")
    grades: tuple[str, ...] | None = None
    grade_values: tuple[float, ...] | None = None
    fce_nodes: str = "criteria"
    topsis_weighting: tuple[str, ...] | None = None
    topsis_normalization: str = "vector"
    gra_weighting: tuple[str, ...] | None = None
    gra_normalization: str = "minmax"
    rho: float = 0.5

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        obj = _names("objective", self.objective, OBJECTIVE_METHODS)
        set_(self, "objective", obj)
        set_(self, "normalization", check_method("normalization", self.normalization,
                                                 ENTROPY_NORMALIZATIONS))
        shift = float(self.shift)
        if not np.isfinite(shift) or shift < 0:
            raise ValueError(f"`shift` must be a number >= 0; got {self.shift!r} instead.")
        set_(self, "shift", shift)
        set_(self, "unit", check_method("unit", self.unit, UNITS))
        self._check_combination(obj)
        available = ("ahp", *obj) + (("combined",) if self.combination is not None else ())
        for key in ("fce_weighting", "topsis_weighting", "gra_weighting"):
            given = getattr(self, key)
            vals = available if given is None else _names(key, given, WEIGHTINGS)
            missing = [v for v in vals if v not in available]
            if missing:
                raise ValueError(f"`{key}` names {missing}, which this evaluation does not "
                                 f"compute (it has {list(available)}); got {list(vals)!r} "
                                 "instead.")
            set_(self, key, tuple(vals))
        self._check_fce()
        set_(self, "topsis_normalization", check_method(
            "topsis_normalization", self.topsis_normalization, TOPSIS_NORMALIZATIONS))
        set_(self, "gra_normalization", check_method(
            "gra_normalization", self.gra_normalization, GRA_NORMALIZATIONS))
        rho = float(self.rho)
        if not 0 < rho <= 1:
            raise ValueError(f"`rho` must be in (0, 1]; got {self.rho!r} instead.")
        set_(self, "rho", rho)

    def _check_combination(self, obj: tuple[str, ...]) -> None:
        set_ = object.__setattr__
        if self.combination is None:
            set_(self, "combine", None)
            return
        comb = check_method("combination", self.combination, COMBINATION_METHODS)
        set_(self, "combination", comb)
        if not obj:
            raise ValueError("a combination needs an objective method to combine with AHP; "
                             "got `objective` empty instead.")
        set_(self, "combine", obj[0] if self.combine is None else check_method(
            "combine", self.combine, obj))
        a = self.alpha
        if comb == "linear":
            if a is None or isinstance(a, bool) or not isinstance(a, int | float) or not (
                    0 <= a <= 1):
                raise ValueError("the linear combination needs `alpha`, the weight of the "
                                 f"AHP vector in [0, 1]; got {a!r} instead.")
            set_(self, "alpha", float(a))
        elif a is not None:
            raise ValueError(f"`alpha` applies to the linear combination only; got {a!r} with "
                             f"{comb!r} instead.")

    def _check_fce(self) -> None:
        set_ = object.__setattr__
        ops = (self.fce_operators,) if isinstance(self.fce_operators, str) else tuple(
            self.fce_operators)
        ops = tuple(_operator(o) for o in ops)
        if self.fce_weighting and not ops:
            raise ValueError("`fce_operators` must name at least one operator; got none.")
        set_(self, "fce_operators", ops)
        if self.grades is not None:
            set_(self, "grades", tuple(str(g) for g in self.grades))
        if self.grade_values is not None:
            gv = tuple(float(v) for v in self.grade_values)
            if not all(np.isfinite(gv)):
                raise ValueError(f"`grade_values` must be finite numbers; got "
                                 f"{self.grade_values!r} instead.")
            set_(self, "grade_values", gv)
        set_(self, "fce_nodes", check_method("fce_nodes", self.fce_nodes, _NODE_SETS))

    @property
    def weightings(self) -> tuple[str, ...]:
        """The weight vectors computed: ``ahp``, the objective methods, ``combined``."""
        return ("ahp", *self.objective) + (("combined",) if self.combination else ())


# --------------------------------------------------------------------------- computation


class _Evaluator:
    """Every statistic of the evaluation for a block of (expert, respondent) resamples.

    A resample is given by the AHP leaf weights ``W`` (rows, L) and two frequency matrices
    (rows, R): ``Fo`` for the whole-sample resample (respondents iid or clusters) and ``Fg``
    for the within-group resample; the estimate is the same computation with the panel's
    weights and all frequencies 1, and a jackknife value one with a 0 frequency.
    """

    def __init__(self, X: np.ndarray, likert: tuple[int, int], hierarchy: Any,
                 gcodes: np.ndarray | None, n_groups: int, opts: EvaluationOptions) -> None:
        self.opts = opts
        self.X = X
        L = X.shape[1]
        lo, hi = likert
        self.K = hi - lo + 1
        self.likert = likert
        self.answer_values = np.arange(lo, hi + 1, dtype=float)
        self.hierarchy = hierarchy
        self.M = np.asarray(hierarchy.membership(), dtype=float)
        self.leaf_pos = np.array([hierarchy.node_index[v] for v in hierarchy.leaves])
        self.parents = np.asarray(hierarchy.parent_index())
        self.nodes = tuple(hierarchy.nodes)
        self.N = len(self.nodes)
        self.L = L
        self.G = n_groups
        self.gcodes = gcodes
        depth = np.array([hierarchy.depth(v) for v in self.nodes])
        self.depth = depth
        internal = np.isin(np.arange(self.N), self.parents)
        if opts.fce_nodes == "criteria":
            keep = depth <= 1
        elif opts.fce_nodes == "internal":
            keep = internal
        else:
            keep = np.ones(self.N, dtype=bool)
        self.fce_nodes = np.flatnonzero(keep)
        # agreement levels: every depth >= 1 with at least two nodes
        self.levels = [d for d in range(1, int(depth.max()) + 1) if (depth == d).sum() >= 2]

    # ---- pieces ---------------------------------------------------------------------------

    def _shares(self, F: np.ndarray) -> np.ndarray:
        return answer_shares(self.X, self.likert, frequencies=F)          # (rows, L, K)

    def _group_shares(self, Fg: np.ndarray) -> np.ndarray:
        return answer_shares(self.X, self.likert, frequencies=Fg, groups=self.gcodes,
                             n_groups=self.G)                              # (rows, G, L, K)

    def _local(self, g: np.ndarray) -> np.ndarray:
        """Local weights (..., N) from global node weights (..., N)."""
        par = g[..., np.maximum(self.parents, 0)]
        with np.errstate(invalid="ignore", divide="ignore"):
            loc = g / par
        loc[..., self.parents < 0] = 1.0
        return loc

    # ---- the statistics -------------------------------------------------------------------

    def __call__(self, W: np.ndarray, Fo: np.ndarray, Fg: np.ndarray) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        shares_o = self._shares(Fo)                                    # (rows, L, K)
        out["item_means"] = shares_o @ self.answer_values              # (rows, L)
        shares_g = means_g = None
        if self.G:
            shares_g = self._group_shares(Fg)                          # (rows, G, L, K)
            means_g = shares_g @ self.answer_values                    # (rows, G, L)
        vec = self._vectors(W, Fo, means_g, out)
        local = self._hierarchy(vec, out)
        self._fce(local, shares_o, shares_g, out)
        if means_g is not None and self.G >= 2:
            o = self.opts
            for w in o.topsis_weighting or ():
                out[f"topsis:{w}"] = _topsis(means_g, vec[w],
                                             normalization=o.topsis_normalization).closeness
            for w in o.gra_weighting or ():
                out[f"gra:{w}"] = _gra(means_g, vec[w], rho=o.rho,
                                       normalization=o.gra_normalization).grade
        return out

    def _vectors(self, W: np.ndarray, Fo: np.ndarray, means_g: np.ndarray | None,
                 out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The leaf weight vectors: AHP, the objective methods, their combination."""
        o = self.opts
        vec: dict[str, np.ndarray] = {"ahp": W}
        for m in o.objective:
            kw: dict[str, Any] = {"normalization": o.normalization, "shift": o.shift} \
                if m == "entropy" else {}
            if o.unit == "respondents":
                res = objective_weights(self.X, method=m, frequencies=Fo, **kw)
            else:
                if means_g is None:
                    raise ValueError("objective weights over the groups need groups; got none.")
                res = objective_weights(means_g, method=m, **kw)
            vec[m] = res.weights
            for k, v in res.components.items():
                out[f"component:{m}:{k}"] = v
        if o.combination:
            c = combine_weights([W, vec[str(o.combine)]], method=o.combination,
                                alpha=o.alpha if o.combination == "linear" else None)
            vec["combined"] = c.weights
            out["combination_coefficients"] = c.coefficients
        return vec

    def _hierarchy(self, vec: dict[str, np.ndarray], out: dict[str, np.ndarray]
                   ) -> dict[str, np.ndarray]:
        """Every vector rolled up (global, local weights) and the rank agreement of every two
        vectors at every level.
        """
        local: dict[str, np.ndarray] = {}
        for w, v in vec.items():
            g = v @ self.M.T                                           # (rows, N)
            out[f"global:{w}"] = g
            local[w] = out[f"local:{w}"] = self._local(g)
        for a, b in itertools.combinations(list(vec), 2):
            for d in self.levels:
                idx = self.depth == d
                ga, gb = out[f"global:{a}"][:, idx], out[f"global:{b}"][:, idx]
                out[f"tau:{a}:{b}:{d}"] = kendall_tau(ga, gb)
                out[f"rw:{a}:{b}:{d}"] = weighted_spearman(ga, gb)
        return local

    def _fce(self, local: dict[str, np.ndarray], shares_o: np.ndarray,
             shares_g: np.ndarray | None, out: dict[str, np.ndarray]) -> None:
        """Fuzzy evaluation vectors and weighted scores, whole sample and per group."""
        o = self.opts
        vals = self.answer_values if o.grade_values is None else np.asarray(o.grade_values)
        for w in o.fce_weighting:
            for op in o.fce_operators:
                if op == "weighted_average":
                    # linear: a node's vector is its items' rows averaged with the items'
                    # global weights -- one product for the reported nodes only
                    A = self._average_matrix(out[f"global:{w}"])    # (rows, n, L)
                    Bo = A @ shares_o                                  # (rows, n, K)
                    Bg = None if shares_g is None else _group_average(A, shares_g)
                else:
                    Bo = fuzzy_evaluation(shares_o, local[w], self.parents,
                                          operator=op)[:, self.fce_nodes]
                    Bg = None if shares_g is None else fuzzy_evaluation(
                        shares_g, local[w][:, None, :], self.parents,
                        operator=op)[:, :, self.fce_nodes]
                out[f"fce:{w}:{op}:all"] = Bo
                out[f"score:{w}:{op}:all"] = _score(Bo, vals)
                if Bg is not None:
                    out[f"fce:{w}:{op}:groups"] = Bg                   # (rows, G, n, K)
                    out[f"score:{w}:{op}:groups"] = _score(Bg, vals)

    def _average_matrix(self, g: np.ndarray) -> np.ndarray:
        """(rows, n, L): item ``l``'s share ``g_l / g_v`` of reported node ``v``'s weight."""
        Msub = self.M[self.fce_nodes]                                  # (n, L)
        gl = g[:, self.leaf_pos]                                       # (rows, L)
        num = Msub[None] * gl[:, None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            return num / num.sum(axis=-1, keepdims=True)


def _group_average(A: np.ndarray, shares_g: np.ndarray) -> np.ndarray:
    """(rows, G, n, K) = A (rows, n, L) applied to every group's rows (rows, G, L, K)."""
    rows, G, L, K = shares_g.shape
    S = np.ascontiguousarray(np.moveaxis(shares_g, 1, 2)).reshape(rows, L, G * K)
    return np.moveaxis((A @ S).reshape(rows, A.shape[1], G, K), 2, 1)


def _score(B: np.ndarray, values: np.ndarray) -> np.ndarray:
    tot = B.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (B * values).sum(axis=-1) / tot, np.nan)


# --------------------------------------------------------------------------- resampling


def _rewound(rng: Any) -> np.random.Generator:
    """A fresh generator whose ``spawn`` gives the children ``rng`` gives next.

    An int or ``SeedSequence`` always gives the same; a ``Generator`` is copied at its
    current spawn count, so passing the generator *before* it was given to the bootstrap
    reproduces the bootstrap's streams.
    """
    if isinstance(rng, np.random.Generator):
        ss = rng.bit_generator.seed_seq
        if not isinstance(ss, np.random.SeedSequence):
            raise TypeError("`rng` must be an int, a SeedSequence or a Generator made from "
                            f"one; got a generator seeded by {type(ss).__name__} instead.")
        return np.random.default_rng(np.random.SeedSequence(
            ss.entropy, spawn_key=ss.spawn_key, pool_size=ss.pool_size,
            n_children_spawned=ss.n_children_spawned))
    return np.random.default_rng(rng)


def _respondent_blocks(boot: Any, rng: Any, R: int, clusters: np.ndarray | None,
                       gcodes: np.ndarray | None, n_groups: int):
    """Yield ``(slice, Fo, Fg)`` for the bootstrap's blocks of resamples: the respondent
    frequencies of the whole-sample and the within-group resamples, regenerated from the
    same streams as :func:`ahpstat.bootstrap.joint_bootstrap` draws them (experts, overall,
    groups: ``rng.spawn(3)``, each spawned into one stream per block of ``BLOCK``).
    """
    from ahpstat.bootstrap._resampling import BLOCK, Units, block_counts, n_blocks

    B = boot.n_resamples
    do_r = "respondents" in boot.resample
    nb = n_blocks(B)
    _, o_root, g_root = _rewound(rng).spawn(3)
    o_gens, g_gens = o_root.spawn(nb), g_root.spawn(nb)
    if clusters is not None:
        cc, cn = pd.factorize(clusters, sort=True)
        o_units = Units(cc.astype(np.intp), len(cn))
        scheme = f"cluster_{boot.cluster_stage}"
    else:
        o_units = Units(np.zeros(R, np.intp), 1)
        scheme = "strata"
    g_units = Units(gcodes, n_groups) if gcodes is not None and n_groups else None
    for k in range(nb):
        b0 = k * BLOCK
        rows = min(BLOCK, B - b0)
        Fo = np.ones((rows, R))
        Fg = np.ones((rows, R))
        if do_r:
            for s, cnt in block_counts(o_gens[k], rows, o_units, scheme):
                Fo[s:s + cnt.shape[0]][:, o_units.order] = cnt
            if g_units is not None:
                for s, cnt in block_counts(g_gens[k], rows, g_units, "strata"):
                    Fg[s:s + cnt.shape[0]][:, g_units.order] = cnt
        yield slice(b0, b0 + rows), Fo, Fg


def _check_same_resamples(boot: Any, leaf_rows: np.ndarray, sl: slice,
                          stats: dict[str, np.ndarray], means_g: np.ndarray | None) -> None:
    """The regenerated respondent resamples must give the bootstrap's own item means."""
    ref = boot.score_draws[leaf_rows, sl].T                       # (rows, L)
    ok = np.allclose(stats["item_means"], ref, rtol=1e-9, atol=1e-12, equal_nan=True)
    if ok and means_g is not None and boot.groups:
        gref = np.moveaxis(boot.group_score_draws[:, leaf_rows, sl], -1, 0)
        ok = np.allclose(means_g, gref, rtol=1e-9, atol=1e-12, equal_nan=True)
    if not ok:
        raise ValueError("`rng` does not reproduce the bootstrap's resamples: give the `rng` "
                         "that `bootstrap` was run with (an int seed, or the Generator as it "
                         "was before the bootstrap used it), and the same `cluster` and "
                         "`group`. Got resamples with other item means instead.")


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class EvaluationResult:
    """Objective and combined weights, fuzzy evaluation and rankings of a study's groups.

    Attributes
    ----------
    options : EvaluationOptions
    nodes : tuple of str
        The hierarchy's nodes (pre-order); ``fce_nodes`` the ones the evaluation reports.
    groups : tuple of str
        The groups evaluated and ranked (of the grouping column ``grouping``).
    grades : tuple of str
        Names of the grades (answer categories, lowest first).
    estimates : dict of str to ndarray
        Every statistic on the data (keys as in :attr:`draws`).
    draws : dict of str to ndarray or None
        The same statistics per bootstrap resample, resamples on the LAST axis (``None``
        without a bootstrap).
    acceleration : dict of str to ndarray
        BCa's ``a`` per statistic (empty unless the interval method is BCa).
    confidence_level, method : float, str
        The intervals' level and method (the bootstrap's).
    interval : str
        What the intervals are, in words (the bootstrap's label), or ``""``.
    tables : dict of str to DataFrame
        :data:`EVALUATION_TABLES`, tidy (see :func:`evaluate_study`).
    """

    options: EvaluationOptions
    nodes: tuple[str, ...]
    fce_nodes: tuple[str, ...]
    groups: tuple[str, ...]
    grouping: str | None
    grades: tuple[str, ...]
    estimates: dict[str, np.ndarray] = field(repr=False)
    draws: dict[str, np.ndarray] | None = field(repr=False)
    acceleration: dict[str, np.ndarray] = field(repr=False)
    confidence_level: float = 0.95
    method: str = "percentile"
    interval: str = ""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def to_frame(self, kind: str = "objective_weights") -> pd.DataFrame:
        """One of the tidy tables (:data:`EVALUATION_TABLES`).

        Examples
        --------
        >>> import tempfile
        >>> from ahpstat import Study
        >>> from ahpstat.datasets import write_example_study
        >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
        >>> r = evaluate_study(res)
        >>> r.to_frame("topsis").columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
        ['weighting', 'grouping', 'group', 'estimate', 'se', 'ci_low', 'ci_high', 'rank',
         'confidence_level', 'method', 'interval']
        """
        kind = check_method("kind", kind, EVALUATION_TABLES)
        return self.tables[kind]

    def weights(self, weighting: str, *, kind: str = "global") -> np.ndarray:
        """A weighting's node weights (estimate), ``kind`` ``"global"`` or ``"local"``.

        Examples
        --------
        >>> import tempfile
        >>> from ahpstat import Study
        >>> from ahpstat.datasets import write_example_study
        >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
        >>> float(evaluate_study(res).weights("entropy")[0])  # the goal
        1.0
        """
        check_method("kind", kind, ("global", "local"))
        w = check_method("weighting", weighting, self.options.weightings)
        return self.estimates[f"{kind}:{w}"]


# --------------------------------------------------------------------------- the function


def evaluate_study(
    data: Any,
    *,
    options: EvaluationOptions | None = None,
    likert: tuple[int, int] | None = None,
    group: str | None = None,
    bootstrap: Any = None,
    rng: Any = None,
    cluster: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationResult:
    """Objective and combined weights, fuzzy evaluation, TOPSIS and GRA of a study's groups.

    Parameters
    ----------
    data : StudyResult
        A run study (its hierarchy, panel, answers after the missing-answer policy and
        grouping columns).
    options : EvaluationOptions, optional
        What to compute (default: :class:`EvaluationOptions`'s defaults).
    likert : (lo, hi), optional
        The answer range (default: the study's ``survey.likert``).
    group : str, optional
        The grouping column whose groups are evaluated and ranked (default: the bootstrap's
        groups' column, else the study's first grouping column).
    bootstrap : StudyBootstrapResult, optional
        The study's bootstrap; with it every statistic gets intervals from the same
        resamples, and ``rng`` and ``cluster`` must be the ones it was run with.
    rng : None, int, SeedSequence or Generator
        The ``rng`` given to :func:`ahpstat.bootstrap.bootstrap_study` (a Generator as it was
        *before* the bootstrap used it). Checked: the regenerated resamples must give the
        bootstrap's own item means, else a ``ValueError``.
    cluster : str, optional
        The bootstrap's cluster column (``None``: respondents iid).
    progress : callable, optional
        ``progress(done, total)`` after each block of resamples.

    Returns
    -------
    EvaluationResult
        Tables (:meth:`EvaluationResult.to_frame`):

        ``objective_weights``
            ``weighting, node, parent, level, weight, estimate, se, ci_low, ci_high,
            confidence_level, method, interval``: every node's ``global`` and ``local``
            weight under every weighting (``ahp``, the objective methods, ``combined``).
        ``objective_components``
            ``weighting, node, quantity, estimate, se, ci_low, ci_high, ...``: what each
            objective method computes per item (entropy, divergence; sd, conflict,
            information; ...) and the combination's coefficients (``node`` empty).
        ``weight_agreement``
            ``weighting_a, weighting_b, level, measure, estimate, se, ci_low, ci_high,
            ...``: Kendall's tau-b (``kendall_tau``) and the weighted rank correlation
            (``weighted_spearman``) of the two weightings' global weights of the nodes at
            each depth (``level`` 1 = the criteria).
        ``fce``
            ``weighting, operator, symbol, grouping, group, node, grade, estimate, se,
            ci_low, ci_high, ...``: the evaluation vectors (whole sample: ``grouping`` and
            ``group`` are ``"all"``).
        ``fce_verdicts``
            ``weighting, operator, symbol, grouping, group, node, verdict, tied,
            verdict_share, score, score_se, score_ci_low, score_ci_high, ...``: the
            maximum-membership verdict (``verdict_share``: share of the resamples with the
            same verdict) and the weighted score.
        ``topsis``, ``gra``
            ``weighting, grouping, group, estimate, se, ci_low, ci_high, rank, ...``: the
            closeness / grade and the group's rank (1 = best).
        ``evaluation_ranks``
            ``ranking, weighting, grouping, group, rank, probability``: the groups' rank
            probabilities by TOPSIS, GRA and each FCE score at the goal (``ranking`` names
            which).

    Raises
    ------
    ValueError
        Bad options, no grouping column for a group-level method, or an ``rng`` that does
        not reproduce the bootstrap's resamples.

    Examples
    --------
    >>> import tempfile
    >>> from ahpstat import Study
    >>> from ahpstat.datasets import write_example_study
    >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
    >>> ev = evaluate_study(res, options=EvaluationOptions(objective=("entropy",)))
    >>> ev.to_frame("objective_weights").weighting.unique().tolist()
    ['ahp', 'entropy', 'combined']
    """
    opts = EvaluationOptions() if options is None else options
    if not isinstance(opts, EvaluationOptions):
        raise TypeError(f"`options` must be an EvaluationOptions; got {type(opts).__name__} "
                        "instead.")
    if likert is None:
        likert = tuple(data.study.survey.likert)
    lo, hi = check_likert(likert)
    h = data.hierarchy
    group, gcodes, gnames = _grouping(data, opts, group, cluster, bootstrap)
    G = len(gnames)
    grades = _grades(opts, lo, hi)
    ev = _Evaluator(np.asarray(data.answers, dtype=float), (lo, hi), h, gcodes, G, opts)
    R = ev.X.shape[0]
    W_hat = np.asarray(data.panel.leaf_weights, dtype=float)[None]
    ones = np.ones((1, R))
    est = {k: v[0] for k, v in ev(W_hat, ones, ones).items()}
    draws = None
    acceleration: dict[str, np.ndarray] = {}
    level, method, label = 0.95, "percentile", ""
    labeller: Callable[[str], str] | None = None
    if bootstrap is not None:
        boot = bootstrap
        _check_bootstrap(boot, h, R, gnames, group, cluster)
        level, method = boot.confidence_level, boot.method
        label = boot.interval_label("scores")
        labeller = _labeller(boot, opts)
        clusters = (np.asarray(data.group_names[cluster], dtype=object)[
            np.asarray(data.group_codes[cluster])] if cluster is not None else None)
        draws = _bootstrap_draws(ev, boot, rng, est, W_hat, clusters, gcodes, progress)
        if method == "bca":
            acceleration = _jackknife(ev, data, boot, W_hat, R, clusters, gcodes, G)
        _warn_undefined(draws, est)
    tables = _Tables(ev, est, draws, acceleration, level, method, labeller, h, gnames, group,
                     grades, opts).all()
    return EvaluationResult(
        options=opts, nodes=tuple(h.nodes), fce_nodes=tuple(ev.nodes[i] for i in ev.fce_nodes),
        groups=gnames, grouping=group, grades=grades, estimates=est, draws=draws,
        acceleration=acceleration, confidence_level=level, method=method, interval=label,
        tables=tables)


def _grouping(data: Any, opts: EvaluationOptions, group: str | None, cluster: str | None,
              bootstrap: Any) -> tuple[str | None, np.ndarray | None, tuple[str, ...]]:
    """The grouping column evaluated (default: the bootstrap's, else the first), its codes
    and its group names; checks ``group`` and ``cluster``.
    """
    groupings = tuple(data.group_codes)
    if group is None:
        group = _bootstrap_grouping(bootstrap, data) if bootstrap is not None else (
            groupings[0] if groupings else None)
    if group is not None and group not in groupings:
        raise ValueError(f"`group` must be a grouping column of the study ({list(groupings)}); "
                         f"got {group!r} instead.")
    if cluster is not None and cluster not in groupings:
        raise ValueError(f"`cluster` must be a grouping column of the study "
                         f"({list(groupings)}); got {cluster!r} instead.")
    gcodes = np.asarray(data.group_codes[group]) if group is not None else None
    gnames = tuple(data.group_names[group]) if group is not None else ()
    if opts.unit == "groups" and len(gnames) < 2:
        raise ValueError("objective weights over the groups need a grouping column with at "
                         f"least 2 groups; got {len(gnames)} instead.")
    return group, gcodes, gnames


def _grades(opts: EvaluationOptions, lo: int, hi: int) -> tuple[str, ...]:
    """The grade names (default: the answer values), checked against the answer scale."""
    K = hi - lo + 1
    grades = opts.grades if opts.grades is not None else tuple(str(v) for v in range(lo, hi + 1))
    if len(grades) != K:
        raise ValueError(f"`grades` must name the {K} answer categories {lo}..{hi}; got "
                         f"{len(grades)} names instead: {list(grades)}.")
    if opts.grade_values is not None and len(opts.grade_values) != K:
        raise ValueError(f"`grade_values` must give {K} values, one per answer category; got "
                         f"{len(opts.grade_values)} instead.")
    return grades


def _check_bootstrap(boot: Any, h: Any, R: int, gnames: tuple[str, ...], group: str | None,
                     cluster: str | None) -> None:
    """``bootstrap`` must be this study's, with the same group and cluster columns."""
    if tuple(boot.nodes) != tuple(h.nodes) or boot.n_respondents != R:
        raise ValueError("`bootstrap` must be the bootstrap of this study (same nodes and "
                         "respondents); got another one instead.")
    if tuple(boot.groups) != gnames:
        raise ValueError(f"`group` must be the bootstrap's grouping column (groups "
                         f"{list(boot.groups)[:5]}...); got {group!r} instead.")
    if (boot.scheme == "cluster") != (cluster is not None):
        raise ValueError("`cluster` must be the bootstrap's cluster column (it resampled "
                         f"{'clusters' if boot.scheme == 'cluster' else 'respondents iid'})"
                         f"; got {cluster!r} instead.")


def _bootstrap_draws(ev: _Evaluator, boot: Any, rng: Any, est: Mapping[str, np.ndarray],
                     W_hat: np.ndarray, clusters: np.ndarray | None,
                     gcodes: np.ndarray | None,
                     progress: Callable[[int, int], None] | None) -> dict[str, np.ndarray]:
    """Every statistic on every resample of the bootstrap (resamples on the last axis)."""
    h = ev.hierarchy
    R, L = ev.X.shape
    leaf_rows = np.array([h.node_index[v] for v in h.leaves])
    B = boot.n_resamples
    draws = {k: np.empty((*v.shape, B)) for k, v in est.items()}
    checked = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        for sl, Fo, Fg in _respondent_blocks(boot, rng, R, clusters, gcodes, ev.G):
            rows = Fo.shape[0]
            W = (boot.weight_draws[leaf_rows, sl].T if boot.weight_draws is not None
                 else np.broadcast_to(W_hat, (rows, L)))
            st = ev(np.ascontiguousarray(W), Fo, Fg)
            if not checked:
                mg = (ev._group_shares(Fg) @ ev.answer_values) if ev.G else None
                _check_same_resamples(boot, leaf_rows, sl, st, mg)
                checked = True
            for k, v in st.items():
                draws[k][..., sl] = np.moveaxis(v, 0, -1)
            if progress is not None:
                progress(sl.stop, B)
    return draws


def _labeller(boot: Any, opts: EvaluationOptions) -> Callable[[str], str]:
    """``label(key)``: what statistic ``key``'s intervals are, in words -- level, method and
    the sources it was resampled from (as :meth:`StudyBootstrapResult.interval_label` says it
    for the scores), so that a table read alone cannot be misread.
    """
    overall = (f"{boot.cluster_stage}-stage cluster ({boot.n_clusters} clusters)"
               if boot.scheme == "cluster" else "respondents iid")
    names = {"experts": "experts", "overall": overall, "groups": "respondents within group"}
    on = {"experts": "experts" in boot.resample and boot.weight_draws is not None,
          "overall": "respondents" in boot.resample,
          "groups": "respondents" in boot.resample}
    obj = {"overall"} if opts.unit == "respondents" else {"groups"}

    def dep(w: str) -> set[str]:
        if w == "ahp":
            return {"experts"}
        if w == "combined":
            return {"experts"} | obj
        return set(obj)

    def label(key: str) -> str:
        m = _method_of(key, boot.method)
        lv = f"{100 * boot.confidence_level:g}% {({'bca': 'BCa'}).get(m, m)}"
        parts = key.split(":")
        kind = parts[0]
        if kind in ("global", "local", "component"):
            src = dep(parts[1])
        elif kind == "combination_coefficients":
            src = dep("combined")
        elif kind in ("tau", "rw"):
            src = dep(parts[1]) | dep(parts[2])
        elif kind in ("fce", "score"):
            src = dep(parts[1]) | ({"overall"} if parts[3] == "all" else {"groups"})
        elif kind in ("topsis", "gra"):
            src = dep(parts[1]) | {"groups"}
        else:
            src = {"overall"}
        used = [names[s] for s in ("experts", "overall", "groups") if s in src and on[s]]
        return f"{lv} bootstrap: " + (" + ".join(used) or "nothing resampled")

    return label


def _bootstrap_grouping(boot: Any, data: Any) -> str | None:
    if not boot.groups:
        return None
    for col, names in data.group_names.items():
        if tuple(names) == tuple(boot.groups):
            return str(col)
    return None


def _jackknife(ev: _Evaluator, data: Any, boot: Any, W_hat: np.ndarray, R: int,
               clusters: np.ndarray | None, gcodes: np.ndarray | None,
               G: int) -> dict[str, np.ndarray]:
    """BCa's acceleration from the multi-sample jackknife: leave one expert out (panel
    re-run), one respondent (or cluster) out of the whole sample, one respondent out of each
    group -- the samples the bootstrap resamples independently.
    """
    from ahpstat.bootstrap import jackknife_acceleration

    samples: list[dict[str, np.ndarray]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        K = boot.n_experts or 0
        if "experts" in boot.resample and K >= 2:
            loo = np.array([np.delete(np.arange(K), i) for i in range(K)])
            Wj = np.asarray(data.panel.resample(loo), dtype=float)
            samples.append(ev(Wj, np.ones((K, R)), np.ones((K, R))))
        if "respondents" in boot.resample:
            if clusters is not None:
                cc = pd.factorize(clusters, sort=True)[0]
                Fo = 1.0 - (cc[None, :] == np.arange(cc.max() + 1)[:, None])
            else:
                Fo = 1.0 - np.eye(R)
            n = Fo.shape[0]
            samples.append(ev(np.broadcast_to(W_hat, (n, W_hat.shape[1])), Fo,
                              np.ones((n, R))))
            if G:
                # one call for every respondent left out of its group; each group is its own
                # (independently resampled) sample
                Fg = 1.0 - np.eye(R)
                allg = ev(np.broadcast_to(W_hat, (R, W_hat.shape[1])), np.ones((R, R)), Fg)
                for g in range(G):
                    rows = np.flatnonzero(gcodes == g)
                    if rows.size >= 2:
                        samples.append({k: v[rows] for k, v in allg.items()})
    if not samples:
        return {}
    return {k: jackknife_acceleration(*(np.moveaxis(s[k], 0, -1) for s in samples))
            for k in samples[0]}


def _warn_undefined(draws: dict[str, np.ndarray], est: dict[str, np.ndarray]) -> None:
    bad = [k for k, d in draws.items()
           if np.isnan(d).any() and not np.isnan(est[k]).all()]
    if bad:
        what = sorted({k.split(":")[0] + (":" + k.split(":")[1] if ":" in k else "")
                       for k in bad})
        warn(f"some bootstrap resamples leave a statistic of the evaluation undefined (e.g. an "
             f"item that every resampled respondent answered alike: {', '.join(what[:6])}); "
             "those draws are left out of its interval (conditional on it being defined) and "
             "ranked last in rank probabilities.", DegenerateDataWarning)


# --------------------------------------------------------------------------- tables


def _interval_columns(est: np.ndarray, draws: np.ndarray | None, acc: np.ndarray | None,
                      level: float, method: str) -> dict[str, np.ndarray]:
    from ahpstat.bootstrap import bootstrap_interval

    est = np.asarray(est, dtype=float)
    if draws is None:
        nan = np.full(est.shape, np.nan)
        return {"se": nan, "ci_low": nan, "ci_high": nan}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        with np.errstate(invalid="ignore"):
            se = np.nanstd(draws, axis=-1, ddof=1) if draws.shape[-1] > 1 else np.full(
                est.shape, np.nan)
        m = method
        if m == "bca" and acc is None:
            m = "percentile"
        lo, hi = bootstrap_interval(draws, est, confidence_level=level, method=m,
                                    acceleration=acc if m == "bca" else None)
    lo = np.where(np.isnan(est), np.nan, lo)
    hi = np.where(np.isnan(est), np.nan, hi)
    return {"se": np.asarray(se), "ci_low": np.asarray(lo), "ci_high": np.asarray(hi)}


_META = ["confidence_level", "method", "interval"]


def _method_of(key: str, method: str) -> str:
    """The interval method of statistic ``key``: the bootstrap's, except percentile for the
    rank correlations -- they take few values, so BCa's bias correction (the share of draws
    below the estimate) is undefined or arbitrary for them.
    """
    return "percentile" if key.startswith(("tau:", "rw:")) else method
_IV = ["se", "ci_low", "ci_high"]


class _Tables:
    """The tidy tables of an evaluation from its estimates and draws."""

    def __init__(self, ev: _Evaluator, est: Mapping[str, np.ndarray],
                 draws: Mapping[str, np.ndarray] | None, acc: Mapping[str, np.ndarray],
                 level: float, method: str, labeller: Callable[[str], str] | None, h: Any,
                 gnames: tuple[str, ...], grouping: str | None, grades: tuple[str, ...],
                 opts: EvaluationOptions) -> None:
        self.ev, self.est, self.draws, self.acc = ev, est, draws, acc
        self.level, self.method, self.labeller = level, method, labeller
        self.h, self.gnames, self.grouping, self.grades, self.opts = (h, gnames, grouping,
                                                                      grades, opts)

    def mt(self, key: str) -> dict[str, Any]:
        """What the intervals of statistic ``key`` are."""
        if self.draws is None or self.labeller is None:
            return {"confidence_level": np.nan, "method": None, "interval": None}
        return {"confidence_level": self.level, "method": _method_of(key, self.method),
                "interval": self.labeller(key)}

    def iv(self, key: str) -> dict[str, np.ndarray]:
        """Standard error and interval of statistic ``key``."""
        return _interval_columns(self.est[key], None if self.draws is None else self.draws[key],
                                 self.acc.get(key), self.level, _method_of(key, self.method))

    def all(self) -> dict[str, pd.DataFrame]:
        fce, verdicts = self.fce()
        return {"objective_weights": self.weights(), "objective_components": self.components(),
                "weight_agreement": self.agreement(), "fce": fce, "fce_verdicts": verdicts,
                "topsis": self.ranking("topsis", self.opts.topsis_weighting or ()),
                "gra": self.ranking("gra", self.opts.gra_weighting or ()),
                "evaluation_ranks": self.rank_probabilities()}

    def weights(self) -> pd.DataFrame:
        h, nodes = self.h, self.ev.nodes
        parent = [h.parent(v) or "" for v in nodes]
        depth = [h.depth(v) for v in nodes]
        frames = []
        for w in self.opts.weightings:
            for kind in ("global", "local"):
                key = f"{kind}:{w}"
                frames.append(pd.DataFrame({"weighting": w, "node": nodes, "parent": parent,
                                            "level": depth, "weight": kind,
                                            "estimate": self.est[key], **self.iv(key),
                                            **self.mt(key)}))
        return pd.concat(frames, ignore_index=True)

    def components(self) -> pd.DataFrame:
        leaves = tuple(self.h.leaves)
        comp = []
        for key, e in self.est.items():
            if key.startswith("component:"):
                _, m, q = key.split(":")
                names = leaves if e.shape[-1] == len(leaves) else None
                comp.append(pd.DataFrame({"weighting": m, "node": names, "quantity": q,
                                          "estimate": e, **self.iv(key), **self.mt(key)}))
        key = "combination_coefficients"
        if key in self.est:
            comp.append(pd.DataFrame({
                "weighting": "combined", "node": None,
                "quantity": ["coefficient:ahp", f"coefficient:{self.opts.combine}"],
                "estimate": self.est[key], **self.iv(key), **self.mt(key)}))
        cols = ["weighting", "node", "quantity", "estimate", *_IV, *_META]
        return pd.concat(comp, ignore_index=True)[cols] if comp else pd.DataFrame(columns=cols)

    def agreement(self) -> pd.DataFrame:
        rows = []
        for key, e in self.est.items():
            if key.startswith(("tau:", "rw:")):
                kind, a, b, d = key.split(":")
                rows.append({"weighting_a": a, "weighting_b": b, "level": int(d),
                             "measure": "kendall_tau" if kind == "tau" else "weighted_spearman",
                             "estimate": float(e),
                             **{k: float(v) for k, v in self.iv(key).items()}, **self.mt(key)})
        t = pd.DataFrame(rows, columns=["weighting_a", "weighting_b", "level", "measure",
                                        "estimate", *_IV, *_META])
        return t.sort_values(["level", "measure", "weighting_a", "weighting_b"],
                             kind="stable").reset_index(drop=True) if len(t) else t

    def fce(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        fce_rows: list[pd.DataFrame] = []
        verdict_rows: list[pd.DataFrame] = []
        for w in self.opts.fce_weighting:
            for op in self.opts.fce_operators:
                blocks: list[tuple[str | None, tuple[str, ...], str]] = [
                    ("all", ("all",), "all")]
                if self.gnames:
                    blocks.append((self.grouping, self.gnames, "groups"))
                for gcol, names, which in blocks:
                    head = {"weighting": w, "operator": op, "symbol": FCE_OPERATORS[op],
                            "grouping": gcol}
                    f, v = self._fce_block(head, names, f"fce:{w}:{op}:{which}",
                                           f"score:{w}:{op}:{which}")
                    fce_rows.append(f)
                    verdict_rows.append(v)
        head_cols = ["weighting", "operator", "symbol", "grouping", "group", "node"]
        fce = pd.concat(fce_rows, ignore_index=True) if fce_rows else pd.DataFrame(
            columns=[*head_cols, "grade", "estimate", *_IV, *_META])
        verdicts = pd.concat(verdict_rows, ignore_index=True) if verdict_rows else pd.DataFrame(
            columns=[*head_cols, "verdict", "tied", "verdict_share", "score", "score_se",
                     "score_ci_low", "score_ci_high", *_META])
        return fce, verdicts

    def _fce_block(self, head: dict[str, Any], names: tuple[str, ...], fk: str, sk: str
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
        fnodes = [self.ev.nodes[i] for i in self.ev.fce_nodes]
        grades = self.grades
        E = self.est[fk].reshape(len(names), len(fnodes), len(grades))
        EI = {k: v.reshape(E.shape).ravel() for k, v in self.iv(fk).items()}
        fce = pd.DataFrame({
            **head, "group": np.repeat(names, len(fnodes) * len(grades)),
            "node": np.tile(np.repeat(fnodes, len(grades)), len(names)),
            "grade": np.tile(grades, len(names) * len(fnodes)),
            "estimate": E.ravel(), **EI, **self.mt(fk)})
        grade, tied = max_membership(E)
        share = np.full(grade.shape, np.nan)
        if self.draws is not None:        # the verdict of every resample (NaN: none)
            D = self.draws[fk].reshape(*E.shape, -1)
            gb = np.argmax(np.where(np.isnan(D), -np.inf, D), axis=-2)
            gb = np.where(np.isnan(D).any(axis=-2), -1, gb)
            share = (gb == grade[..., None]).mean(axis=-1)
        S = self.est[sk].reshape(len(names), len(fnodes))
        SI = {k: v.reshape(S.shape).ravel() for k, v in self.iv(sk).items()}
        verdicts = pd.DataFrame({
            **head, "group": np.repeat(names, len(fnodes)), "node": np.tile(fnodes, len(names)),
            "verdict": [grades[g] if g >= 0 else None for g in grade.ravel()],
            "tied": tied.ravel(), "verdict_share": share.ravel(), "score": S.ravel(),
            "score_se": SI["se"], "score_ci_low": SI["ci_low"], "score_ci_high": SI["ci_high"],
            **self.mt(sk)})
        return fce, verdicts

    def ranking(self, prefix: str, ws: tuple[str, ...]) -> pd.DataFrame:
        rows = []
        for w in ws:
            key = f"{prefix}:{w}"
            if key in self.est:
                e = self.est[key]
                rows.append(pd.DataFrame({"weighting": w, "grouping": self.grouping,
                                          "group": self.gnames, "estimate": e, **self.iv(key),
                                          "rank": _ranks(e), **self.mt(key)}))
        cols = ["weighting", "grouping", "group", "estimate", *_IV, "rank", *_META]
        return pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)

    def rank_probabilities(self) -> pd.DataFrame:
        from ahpstat.bootstrap import rank_table

        cols = ["ranking", "weighting", "grouping", "group", "rank", "probability"]
        draws = self.draws
        if draws is None or len(self.gnames) < 2:
            return pd.DataFrame(columns=cols)
        o = self.opts
        sources: list[tuple[str, str, np.ndarray]] = []
        for name, ws in (("topsis", o.topsis_weighting or ()), ("gra", o.gra_weighting or ())):
            sources += [(name, w, draws[f"{name}:{w}"]) for w in ws if f"{name}:{w}" in draws]
        if 0 in self.ev.fce_nodes:            # the goal: every group's FCE score
            root = self.ev.fce_nodes.tolist().index(0)
            for w in o.fce_weighting:
                for op in o.fce_operators:
                    k = f"score:{w}:{op}:groups"
                    if k in draws:
                        sources.append((f"fce_score:{op}", w, draws[k][:, root, :]))
        frames = []
        for name, w, D in sources:
            t = rank_table(D, self.gnames)
            frames.append(t.assign(ranking=name, weighting=w, grouping=self.grouping)[cols])
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks, 1 = highest, ties share the lowest rank; NaN unranked."""
    from scipy.stats import rankdata

    r = rankdata(-np.asarray(x, dtype=float), method="min", nan_policy="omit")
    return np.where(np.isnan(x), np.nan, r)


