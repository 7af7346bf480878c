""":class:`DecisionModel`: a decision's validated inputs, evaluated, resampled and fitted."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import InputError, check_confidence_level, check_int, check_method
from ahpstat._warnings import warn
from ahpstat.aggregation import aij_from_terms, aij_terms
from ahpstat.alternatives._engine import Engine, Node, one_hot
from ahpstat.alternatives._options import GROUP, DecisionOptions
from ahpstat.alternatives._result import (
    DecisionBayesResult,
    DecisionBootstrapResult,
    DecisionResult,
)
from ahpstat.consistency import consistency
from ahpstat.hierarchy import Hierarchy
from ahpstat.io import DecisionData
from ahpstat.scales import get_random_index_table, on_saaty_scale


class DecisionModel:
    """A classic AHP decision: criteria, alternatives, decision makers and their preferences.

    Parameters
    ----------
    data : DecisionData
        The validated inputs (:func:`ahpstat.io.read_ahp`, :func:`ahpstat.io.from_ahpy`).

    Examples
    --------
    Two criteria, two alternatives, one decision maker (the Kid of R ahp's vacation example
    scores Fun 5 : 0):

    >>> from ahpstat.hierarchy import Hierarchy
    >>> from ahpstat.io import DecisionData, Preference
    >>> h = Hierarchy.from_children({"Vacation": ["Fun", "Spa"]})
    >>> alts = ("Beach", "Mountains")
    >>> prefs = {"Vacation": {"Kid": Preference("pairwise", ("Fun", "Spa"),
    ...                                         matrix=[[1, 9], [1/9, 1]])},
    ...          "Fun": {"Kid": Preference("score", alts, values=[5, 0])},
    ...          "Spa": {"Kid": Preference("pairwise", alts, matrix=[[1, 0.5], [2, 1]])}}
    >>> data = DecisionData(h, alts, ("Kid",), prefs, {v: [1.0] for v in h.nodes})
    >>> DecisionModel(data).evaluate().priorities().round(4).tolist()
    [0.9333, 0.0667]
    """

    def __init__(self, data: DecisionData) -> None:
        if not isinstance(data, DecisionData):
            raise TypeError("`data` must be an ahpstat.io.DecisionData (read_ahp, from_ahpy); "
                            f"got {type(data).__name__} instead.")
        self.data = data

    # constructors
    @classmethod
    def from_ahp_file(cls, path: str | os.PathLike) -> DecisionModel:
        """Read an R ahp ``.ahp`` file (:func:`ahpstat.io.read_ahp`)."""
        from ahpstat.io import read_ahp

        return cls(read_ahp(path))

    @classmethod
    def from_ahpy(cls, comparisons: Mapping[str, Any],
                  hierarchy: Mapping[str, Sequence[str]] | None = None) -> DecisionModel:
        """AHPy-style input (:func:`ahpstat.io.from_ahpy`)."""
        from ahpstat.io import from_ahpy

        return cls(from_ahpy(comparisons, hierarchy))

    # views
    @property
    def hierarchy(self) -> Hierarchy:
        """The criteria tree."""
        return self.data.hierarchy

    @property
    def alternatives(self) -> tuple[str, ...]:
        """The alternatives, in the order of every table."""
        return self.data.alternatives

    @property
    def decision_makers(self) -> tuple[str, ...]:
        """The decision makers (experts), in the order of every per-decision-maker axis."""
        return self.data.decision_makers

    def __repr__(self) -> str:
        return (f"DecisionModel(goal={self.hierarchy.root!r}, criteria={len(self.hierarchy)}, "
                f"alternatives={len(self.alternatives)}, "
                f"decision_makers={len(self.decision_makers)})")

    def _options(self, options: DecisionOptions | None, kw: Mapping[str, Any]
                 ) -> DecisionOptions:
        if options is not None and kw:
            raise ValueError("give either `options` or keyword options, not both; got both "
                             "instead.")
        return options if options is not None else DecisionOptions(**kw)

    def evaluate(self, options: DecisionOptions | None = None, **kwargs: Any
                 ) -> DecisionResult:
        """Synthesize the decision for the group and for every decision maker.

        Parameters
        ----------
        options : DecisionOptions, optional
        **kwargs
            The fields of :class:`DecisionOptions` (``weighting``, ``completion``,
            ``aggregation``, ``aip_mean``, ``mode``, ``random_index``) instead of
            ``options``.

        Returns
        -------
        DecisionResult

        Raises
        ------
        InputError
            A matrix whose judgments do not link every element (weights not identified); a
            zero score under ``aij`` or the geometric mean (no ratio judgment expresses it);
            ratings mixed with relative priorities at one node.
        """
        opts = self._options(options, kwargs)
        eng = Engine(self.data, opts)
        K = len(eng.dms)
        runs = [(GROUP, np.ones((1, K)))]
        for k, dm in enumerate(eng.dms):
            if K > 1:
                runs.append((dm, one_hot(K, k)))
        tot_rows, w_rows, loc_rows, con_rows = [], [], [], []
        h = self.hierarchy
        alts = self.alternatives
        membership = h.membership()  # (nodes, leaves)
        for name, counts in runs:
            s = eng.synthesize(counts)
            t = s["totals"][0]
            pr = t / t.sum() if np.isfinite(t).all() and t.sum() > 0 else np.full_like(t, np.nan)
            order = np.argsort(-np.where(np.isnan(t), -np.inf, t), kind="stable")
            rank = np.empty(len(t), dtype=int)
            rank[order] = np.arange(1, len(t) + 1)
            for a, alt in enumerate(alts):
                tot_rows.append((name, alt, float(t[a]), float(pr[a]), int(rank[a])))
            for v, lw, gw in h.walk_weights({u: s["local"][u][0] for u in h.internal}):
                w_rows.append((name, v, h.parent(v), h.depth(v), float(lw), float(gw)))
            for v in h.internal:
                for e, x in zip(h.children(v), s["local"][v][0], strict=True):
                    loc_rows.append((name, v, e, float(x)))
            for j, c in enumerate(h.leaves):
                for a, x in enumerate(s["alt_local"][0, j]):
                    loc_rows.append((name, c, alts[a], float(x)))
            node_contrib = membership @ s["contributions"][0]  # (nodes, m)
            for i, v in enumerate(h.nodes):
                for a, alt in enumerate(alts):
                    con_rows.append((name, v, alt, float(node_contrib[i, a])))
        contributions = pd.DataFrame(con_rows, columns=["decision_maker", "node", "alternative",
                                                        "contribution"])
        cons = self._consistency(eng, opts)
        return DecisionResult(
            totals=pd.DataFrame(tot_rows, columns=["decision_maker", "alternative", "total",
                                                   "priority", "rank"]),
            weights=pd.DataFrame(w_rows, columns=["decision_maker", "node", "parent", "level",
                                                  "local", "global"]),
            local=pd.DataFrame(loc_rows, columns=["decision_maker", "node", "element",
                                                  "priority"]),
            contributions=contributions, consistency=cons, options=opts,
            alternatives=alts, decision_makers=self.decision_makers, hierarchy=h)

    def _consistency(self, eng: Engine, opts: DecisionOptions) -> pd.DataFrame:
        table = get_random_index_table(opts.random_index)
        rows: list[tuple[Any, ...]] = []
        K = len(eng.dms)
        for v, nd in eng.nodes.items():
            prefs = self.data.preferences.get(v, {})
            own = []
            for dm in eng.dms:
                p = prefs.get(dm)
                if p is None:
                    continue
                val = lam = np.nan
                ri: tuple[str, float] = (table.name, table(nd.n) if nd.n >= 3 else 0.0)
                if p.kind == "pairwise" and nd.n >= 2:
                    c = consistency(np.array(p.matrix), index="cr", random_index=table)
                    val, lam = float(c.value), float(np.asarray(c.lambda_max))
                    # an incomplete matrix: RI(n, m) of incomplete matrices (Ágoston & Csató)
                    ri = (str(c.random_index), float(np.asarray(c.random_index_value)))
                own.append((dm, v, nd.n, p.origin, val, lam, *ri))
            if K == 1:
                rows.extend((GROUP, *r[1:]) for r in own)
                continue
            if nd.stack is not None:
                A = aij_from_terms(*(x.sum(axis=0) for x in aij_terms(
                    np.where(nd.present[:, None, None], nd.stack, np.nan), nd.weights)))
                c = consistency(A, index="cr", random_index=table)
                rows.append((GROUP, v, nd.n, "aggregate (AIJ)", float(c.value),
                             float(np.asarray(c.lambda_max)), str(c.random_index),
                             float(np.asarray(c.random_index_value))))
            else:
                finite = [r[4] for r in own if np.isfinite(r[4])]
                rows.append((GROUP, v, nd.n, "largest of the decision makers (AIP)",
                             max(finite) if finite else np.nan, np.nan, table.name,
                             table(nd.n) if nd.n >= 3 else 0.0))
            rows.extend(own)
        return pd.DataFrame(rows, columns=["decision_maker", "node", "n", "origin", "value",
                                           "lambda_max", "random_index", "random_index_value"])

    # ------------------------------------------------------------------ uncertainty
    def resample(self, counts: np.ndarray, options: DecisionOptions | None = None,
                 **kwargs: Any) -> np.ndarray:
        """The group's alternative priorities for decision-maker count vectors.

        Parameters
        ----------
        counts : array_like, shape (B, K)
            How often each decision maker appears in each resample.

        Returns
        -------
        ndarray, shape (B, m)
            Priorities (totals / their sum); ``NaN`` for a resample that leaves a node
            without a decision maker.
        """
        opts = self._options(options, kwargs)
        C = np.asarray(counts, dtype=float)
        K = len(self.decision_makers)
        if C.ndim != 2 or C.shape[1] != K:
            raise ValueError(f"`counts` must have shape (B, {K}); got {C.shape} instead.")
        t = Engine(self.data, opts).synthesize(C)["totals"]
        with np.errstate(invalid="ignore", divide="ignore"):
            return t / t.sum(axis=1, keepdims=True)

    def bootstrap(
        self,
        *,
        n_resamples: int = 2000,
        confidence_level: float = 0.95,
        method: str = "percentile",
        rng: int | np.random.Generator | None = None,
        options: DecisionOptions | None = None,
        **kwargs: Any,
    ) -> DecisionBootstrapResult:
        """Resample the decision makers: intervals and rank probabilities of the alternatives.

        Each resample draws as many decision makers as there are, with replacement (their
        voting weights kept), and re-synthesizes the group's priorities.

        Parameters
        ----------
        n_resamples : int, default 2000
        confidence_level : float, default 0.95
        method : {"percentile", "basic", "bca"}, default "percentile"
            BCa's acceleration comes from leaving each decision maker out.
        rng : None, int or numpy.random.Generator
        options, **kwargs
            As :meth:`evaluate`.

        Returns
        -------
        DecisionBootstrapResult
        """
        from ahpstat.bootstrap import MIN_EXPERTS, FewExpertsWarning, resample_counts

        opts = self._options(options, kwargs)
        n_resamples = check_int("n_resamples", n_resamples, 1)
        confidence_level = check_confidence_level(confidence_level)
        K = len(self.decision_makers)
        if K < 2:
            raise InputError("bootstrapping the decision makers needs at least two of them. "
                             f"Got {K} instead.")
        if K < MIN_EXPERTS:
            warn(f"{K} decision makers: a bootstrap of so few is coarse and its intervals "
                 f"under-cover (below {MIN_EXPERTS}).", FewExpertsWarning)
        counts = resample_counts(K, n_resamples, rng=np.random.default_rng(rng))
        draws = self.resample(counts, opts)  # (B, m)
        estimate = self.resample(np.ones((1, K)), opts)[0]
        jack = None
        if check_method("method", method, ("percentile", "basic", "bca")) == "bca":
            loo = np.ones((K, K)) - np.eye(K)
            jack = self.resample(loo, opts).T  # (m, K)
        return DecisionBootstrapResult(
            alternatives=self.alternatives, estimate=estimate, draws=draws.T,
            jackknife=jack, confidence_level=confidence_level, method=method, options=opts)

    def bayes(self, *, options: DecisionOptions | None = None, scale: str | None = "auto",
              model_config: Any = None, sampler_config: Any = None,
              rng: int | np.random.Generator | None = None,
              **fit_kwargs: Any) -> DecisionBayesResult:
        """A Bayesian model of the decision makers' judgments, carried to the alternatives.

        :class:`ahpstat.bayes.BayesianAHP` is fitted to every pairwise judgment of the whole
        tree with the alternatives as the leaves' children; each posterior draw of the local
        priorities is synthesized like :meth:`evaluate` (``mode`` applies; aggregation is the
        model's). Direct priorities, scores and ratings are taken as given, identical in
        every draw (the group's mean of them).

        Parameters
        ----------
        scale : {"auto", "saaty", None}, default "auto"
            The judgments' scale (:class:`~ahpstat.bayes.BayesianAHP`'s ``scale``): ``"saaty"``
            (each judgment the interval of log ratios that rounds to it), ``None``
            (continuous ratios), or ``"auto"``: ``"saaty"`` when every judgment lies on
            Saaty's scale, else ``None`` (the peers' formats declare no scale: R ahp files and
            AHPy dictionaries hold any positive ratio). The scale used is in the result's
            provenance.

        Returns
        -------
        DecisionBayesResult
            Posterior draws of the alternatives' priorities (mean, credible interval, rank
            probabilities).

        Raises
        ------
        InputError
            One decision maker (the model's between-decision-maker spread is then not
            identified); a zero score or priority (no ratio judgment), located.
        """
        from ahpstat.bayes import BayesianAHP

        if len(self.decision_makers) < 2:
            raise InputError(
                "the Bayesian model pools the decision makers' judgments and estimates how "
                "much they disagree; with one decision maker that disagreement is not "
                "identified and the sampler does not converge (R-hat above 4 on R ahp's car "
                "example). Evaluate it without the Bayesian model. Got 1 decision maker "
                "instead.", file=self.data.source)
        opts = self._options(options, {})
        judg, structure, fixed = _bayes_inputs(self.data, opts)
        if judg.empty:
            raise InputError("the Bayesian model needs judgments; this decision has only "
                             "ratings. Got no judgments instead.")
        if isinstance(scale, str) and scale.lower() == "auto":
            scale = "saaty" if on_saaty_scale(judg["value"].to_numpy(dtype=float)).all() else None
        weights = np.asarray(self.data.decision_maker_weights[self.hierarchy.root])
        bm = BayesianAHP(judg, structure, scale=scale, expert_weights=dict(zip(
            self.decision_makers, weights * len(weights), strict=True)),
            model_config=model_config, sampler_config=sampler_config)
        bm.fit(rng=rng, **fit_kwargs)
        res = bm.result()
        local = _local_draws(res, self.data, structure, fixed)
        draws = _synthesize_draws(self.data, opts, local)
        return DecisionBayesResult(alternatives=self.alternatives, draws=draws.T,
                                   bayes=res, options=opts)


_SEP = " \u25b8 "  # criterion ▸ alternative: the alternatives' node ids in the Bayesian model


def _bayes_inputs(data: DecisionData, opts: DecisionOptions
                  ) -> tuple[pd.DataFrame, dict[str, list[str]], dict[str, np.ndarray]]:
    """Long judgments over the tree with the alternatives as the leaves' children
    (``leaf ▸ alternative`` ids). Direct priorities and scores enter as the ratio judgments
    they imply (``p_i / p_j``; a zero is an InputError); a leaf criterion with ratings stays a
    leaf of the model, its ratings fixed at the group's mean.
    """
    h = data.hierarchy
    structure: dict[str, list[str]] = {}
    rows = []
    fixed: dict[str, np.ndarray] = {}
    K = len(data.decision_makers)
    for v in h.nodes:
        els = data.elements(v)
        prefs = data.preferences.get(v, {})
        if any(p.kind == "rating" for p in prefs.values()):
            fixed[v] = Node(v, els, prefs, data.decision_makers,
                             np.asarray(data.decision_maker_weights[v]), opts,
                             is_leaf=True).group(np.ones((1, K)))[0]
            continue
        ids = list(els) if h.children(v) else [f"{v}{_SEP}{a}" for a in els]
        structure[v] = ids
        if len(els) < 2:
            continue
        for dm, p in prefs.items():
            M = p.ratio_matrix(node=v, decision_maker=dm)
            n = len(els)
            for i in range(n):
                for j in range(i + 1, n):
                    if not np.isnan(M[i, j]):
                        rows.append((dm, v, ids[i], ids[j], float(M[i, j])))
    judg = pd.DataFrame(rows, columns=["expert", "node", "row", "col", "value"])
    return judg, structure, fixed


def _local_draws(res: Any, data: DecisionData, structure: Mapping[str, list[str]],
                 fixed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Node -> (S, n) local priorities of every judged node, from the posterior (or fixed)."""
    S = int(res.global_leaf_draws.shape[-1])
    lw = res.idata.posterior["local_weight"].stack(sample=("chain", "draw"))
    out: dict[str, np.ndarray] = {}
    for v in data.hierarchy.nodes:
        if v in fixed:
            out[v] = np.broadcast_to(fixed[v], (S, len(fixed[v])))
        elif len(structure[v]) == 1:
            out[v] = np.ones((S, 1))
        else:
            out[v] = np.asarray(lw.sel(node=structure[v]).transpose("sample", "node").values)
    return out


def _synthesize_draws(data: DecisionData, opts: DecisionOptions,
                      local: Mapping[str, np.ndarray]) -> np.ndarray:
    h = data.hierarchy
    crit = {v: local[v] for v in h.internal}
    g = h.global_weights(crit) if h.internal else {h.root: np.ones(1)}
    X = np.stack([local[c] for c in h.leaves], axis=1)  # (S, L, m)
    if opts.mode == "ideal":
        rating = np.array([any(p.kind == "rating" for p in data.preferences.get(c, {}).values())
                           for c in h.leaves])
        X = np.where(rating[None, :, None], X, X / X.max(axis=2, keepdims=True))
    gl = np.stack([np.broadcast_to(g[c], X.shape[:1]) for c in h.leaves], axis=-1)
    t = (gl[..., None] * X).sum(axis=1)
    return t / t.sum(axis=1, keepdims=True)
