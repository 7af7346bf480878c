"""Alternatives as the last level: the classic AHP decision, for one or many decision makers.

A :class:`DecisionModel` holds a criteria tree, the alternatives judged under every leaf
criterion and the decision makers' preferences at every node (:mod:`ahpstat.io`'s
:class:`~ahpstat.io.DecisionData`: read from R ahp's ``.ahp`` files, AHPy's dictionaries or a
study). :meth:`DecisionModel.evaluate` synthesizes the whole tree:

1. every decision maker's local priorities at every node: the weighting method on a pairwise
   matrix (an incomplete one through Harker's method or the optimal completion), or the
   priorities, scores (``score / sum``) or ratings given directly;
2. the group's local priorities at every node, with that node's decision-maker weights:
   ``aggregation="aip"`` (R ahp's rule) takes their weighted arithmetic (default) or
   geometric mean; ``"aij"`` takes the weighted geometric mean of the judgments (Forman &
   Peniwati 1998), a direct priority counting as the consistent matrix ``p_i / p_j``;
3. the criteria's global weights (Saaty's hierarchic composition) and the alternatives'
   totals ``t_a = sum_c g_c x_ca`` over the leaf criteria ``c``, where ``x_c`` is the local
   vector of the alternatives under ``c``: as computed (``mode="distributive"``), divided by
   its largest entry (``mode="ideal"``, Belton & Gear 1983; Saaty 1994), or a rating (always
   absolute). The reported priority is ``t / sum(t)``.

The same synthesis runs for each decision maker alone (R ahp's ``Analyze(decisionMaker=)``)
and, for the uncertainty layers, for every resample of the decision makers
(:meth:`DecisionModel.bootstrap`) and every posterior draw of a Bayesian model of their
judgments (:meth:`DecisionModel.bayes`). :func:`rank_reversal` re-evaluates the model with an
alternative removed or added and reports every change of order.

R ahp parity: ``evaluate()``'s defaults (eigenvector, weighted arithmetic AIP,
distributive, consistency ratio with Alonso & Lamata's random index) reproduce R ahp's
``Calculate``; :meth:`DecisionResult.analyze` is its ``Analyze`` table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import InputError, check_confidence_level, check_int, check_method
from ahpstat._warnings import warn
from ahpstat.aggregation import aij_from_terms, aij_terms
from ahpstat.completion import COMPLETION_METHODS
from ahpstat.consistency import consistency
from ahpstat.hierarchy import Hierarchy
from ahpstat.io import DecisionData, Preference
from ahpstat.pairwise import comparison_graph_components, is_connected
from ahpstat.scales import get_random_index_table
from ahpstat.weighting import WEIGHTING_METHODS, _weights_validated, weights

__all__ = [
    "AGGREGATIONS",
    "AIP_MEANS",
    "GROUP",
    "MODES",
    "DecisionBootstrapResult",
    "DecisionModel",
    "DecisionResult",
    "EvaluationOptions",
    "rank_reversal",
]

#: the decision makers' aggregate in every table (R ahp calls it "Total")
GROUP = "(group)"
AGGREGATIONS = ("aip", "aij")
MODES = ("distributive", "ideal")
AIP_MEANS = ("arithmetic", "geometric")
_INCOMPLETE = {"eigenvector": "harker", "geometric_mean": "llsm", "column_mean": "llsm",
               "harker": "harker", "llsm": "llsm"}


@dataclass(frozen=True)
class EvaluationOptions:
    """How a :class:`DecisionModel` is evaluated (defaults: R ahp's ``Calculate``).

    Attributes
    ----------
    weighting : str, default "eigenvector"
        Weighting method of a pairwise matrix (:data:`ahpstat.weighting.WEIGHTING_METHODS`).
    completion : {None, "optimal", "harker", "llsm"}, default None
        An incomplete matrix is first completed by this method (``"optimal"``: the
        lambda-max-minimizing completion, AHPy's default); ``None`` weights it directly
        (eigenvector: Harker 1987; geometric mean: incomplete LLSM).
    aggregation : {"aip", "aij"}, default "aip"
    aip_mean : {"arithmetic", "geometric"}, default "arithmetic"
    mode : {"distributive", "ideal"}, default "distributive"
    random_index : str, default "alonso_lamata"
        Random-index table of the consistency ratio (R ahp uses Alonso & Lamata 2006).
    """

    weighting: str = "eigenvector"
    completion: str | None = None
    aggregation: str = "aip"
    aip_mean: str = "arithmetic"
    mode: str = "distributive"
    random_index: str = "alonso_lamata"

    def __post_init__(self) -> None:
        object.__setattr__(self, "weighting",
                           check_method("weighting", self.weighting, WEIGHTING_METHODS))
        if self.completion is not None:
            object.__setattr__(self, "completion", check_method(
                "completion", self.completion, COMPLETION_METHODS))
        object.__setattr__(self, "aggregation",
                           check_method("aggregation", self.aggregation, AGGREGATIONS))
        object.__setattr__(self, "aip_mean", check_method("aip_mean", self.aip_mean,
                                                          AIP_MEANS))
        object.__setattr__(self, "mode", check_method("mode", self.mode, MODES))
        get_random_index_table(self.random_index)


# --------------------------------------------------------------------------- the engine


class _Node:
    """One judged node's per-decision-maker inputs, prepared once."""

    def __init__(self, node: str, elements: tuple[str, ...], prefs: Mapping[str, Preference],
                 dms: tuple[str, ...], weights: np.ndarray, opts: EvaluationOptions,
                 is_leaf: bool) -> None:
        self.node = node
        self.elements = elements
        self.is_leaf = is_leaf
        n = len(elements)
        K = len(dms)
        self.n = n
        self.present = np.array([dm in prefs for dm in dms])
        self.weights = np.where(self.present, weights, 0.0)
        kinds = {p.kind for p in prefs.values()}
        self.rating = "rating" in kinds
        if self.rating and kinds != {"rating"}:
            dm = next(d for d, p in prefs.items() if p.kind != "rating")
            raise InputError("ratings are absolute; they cannot be aggregated with relative "
                             "priorities or judgments at one node. Give every decision "
                             "maker's preference here as ratings. Got a "
                             f"{prefs[dm].kind} preference instead.", node=node, expert=dm)
        # every decision maker's own local vector (NaN when absent)
        self.local = np.full((K, n), np.nan)
        for k, dm in enumerate(dms):
            p = prefs.get(dm)
            if p is None:
                continue
            self.local[k] = _own_priorities(p, opts, node, dm) if n > 1 else 1.0
        if n > 1 and self.present.any() and self.weights[self.present].sum() <= 0:
            raise InputError("every decision maker who judged this node has weight 0. Got "
                             f"weights {weights.tolist()} instead.", node=node)
        # what the group aggregation needs
        self.aggregation = opts.aggregation
        self.geometric = opts.aggregation == "aij" or opts.aip_mean == "geometric"
        self.stack = None
        if n > 1 and opts.aggregation == "aij" and not self.rating:
            S = np.full((K, n, n), np.nan)
            for k, dm in enumerate(dms):
                p = prefs.get(dm)
                if p is not None:
                    S[k] = p.ratio_matrix(node=node, decision_maker=dm)
            self.stack = S
        elif n > 1 and self.geometric:
            for dm in dms:
                p = prefs.get(dm)
                if p is not None and p.kind != "pairwise":
                    p.ratio_matrix(node=node, decision_maker=dm)  # zero -> located error
        self.opts = opts

    def group(self, counts: np.ndarray) -> np.ndarray:
        """Group local vectors (B, n) for decision-maker count vectors (B, K)."""
        B = counts.shape[0]
        if self.n == 1:
            return np.ones((B, 1))
        w = counts * self.weights[None, :]  # (B, K); absent -> 0
        tot = w.sum(axis=1, keepdims=True)
        out = np.full((B, self.n), np.nan)
        ok = tot[:, 0] > 0
        if not ok.any():
            return out
        if self.stack is not None:
            num, den = aij_terms(np.where(self.present[:, None, None], self.stack, np.nan),
                                 self.weights)
            # per-resample: counts @ terms (experts counted as often as drawn)
            N = np.einsum("bk,kij->bij", counts, num)
            D = np.einsum("bk,kij->bij", counts, den)
            A = aij_from_terms(N[ok], D[ok])
            out[ok] = _weight_batch(A, self.opts, self.node, self.elements)
            return out
        L = np.where(self.present[:, None], self.local, 0.0)
        if self.geometric:
            with np.errstate(divide="ignore"):
                logL = np.where(self.present[:, None], np.log(np.where(
                    self.present[:, None], self.local, 1.0)), 0.0)
            G = np.exp((w[ok] @ logL) / tot[ok])
            out[ok] = G if self.rating else G / G.sum(axis=1, keepdims=True)
        else:
            out[ok] = (w[ok] @ L) / tot[ok]
        return out


def _own_priorities(p: Preference, opts: EvaluationOptions, node: str, dm: str) -> np.ndarray:
    if p.kind != "pairwise":
        return p.priorities()
    assert p.matrix is not None
    return _weight_batch(np.array(p.matrix)[None], opts, node, p.elements, dm)[0]


def _weight_batch(A: np.ndarray, opts: EvaluationOptions, node: str,
                  elements: Sequence[str], dm: str | None = None) -> np.ndarray:
    """Weights of a batch of matrices (B, n, n); incomplete ones completed or weighted by
    the incomplete variant of the method; a disconnected one is an InputError.
    """
    missing = np.isnan(A)
    if not missing.any():
        return _weights_validated(A, method=opts.weighting).weights
    conn = is_connected(~missing)
    if not conn.all():
        b = int(np.flatnonzero(~conn)[0])
        comps = comparison_graph_components(~missing[b])
        parts = " | ".join("{" + ", ".join(elements[i] for i in c) + "}" for c in comps)
        who = "these judgments" if dm is not None else "the pooled judgments"
        raise InputError(f"{who} do not link every element: no chain of judgments connects "
                         f"{parts}, so the priorities are not identified. Got {len(comps)} "
                         "groups instead of 1.", node=node, expert=dm)
    out = np.empty(A.shape[:-1])
    full = ~missing.reshape(A.shape[0], -1).any(axis=1)
    if full.any():
        out[full] = _weights_validated(A[full], method=opts.weighting).weights
    part = ~full
    if opts.completion is not None:
        out[part] = weights(A[part], method=opts.weighting, completion=opts.completion).weights
    else:
        out[part] = _weights_validated(A[part], method=_INCOMPLETE[opts.weighting]).weights
    return out


class _Engine:
    """The model prepared for evaluation: per node inputs, the synthesis for any counts."""

    def __init__(self, data: DecisionData, opts: EvaluationOptions) -> None:
        self.data = data
        self.opts = opts
        h = data.hierarchy
        self.tree = h
        self.dms = data.decision_makers
        self.nodes: dict[str, _Node] = {}
        for v in h.nodes:
            els = data.elements(v)
            self.nodes[v] = _Node(v, els, data.preferences.get(v, {}), self.dms,
                                  np.asarray(data.decision_maker_weights[v]), opts,
                                  is_leaf=h.is_leaf(v))
        self.m = len(data.alternatives)

    def synthesize(self, counts: np.ndarray) -> dict[str, np.ndarray]:
        """For count vectors (B, K): criteria local/global weights, alternatives' local
        vectors, contributions and totals (all with a leading B axis).
        """
        h = self.tree
        local = {v: self.nodes[v].group(counts) for v in h.internal}
        g = h.global_weights(local) if h.internal else {h.root: np.ones(counts.shape[0])}
        leaves = h.leaves
        X = np.stack([self.nodes[c].group(counts) for c in leaves], axis=1)  # (B, L, m)
        if self.opts.mode == "ideal":
            rel = np.array([not self.nodes[c].rating for c in leaves])
            with np.errstate(invalid="ignore", divide="ignore"):
                ideal = X / X.max(axis=2, keepdims=True)
            X = np.where(rel[None, :, None], ideal, X)
        gl = np.stack([g[c] for c in leaves], axis=-1)  # (B, L)
        contrib = gl[..., None] * X
        totals = contrib.sum(axis=1)
        return {"local": local, "global": g, "alt_local": X, "contributions": contrib,
                "totals": totals}


def _one_hot(K: int, k: int) -> np.ndarray:
    c = np.zeros((1, K))
    c[0, k] = 1.0
    return c


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class DecisionResult:
    """The synthesized decision, for the group and for each decision maker.

    Attributes
    ----------
    totals : DataFrame
        ``decision_maker, alternative, total, priority, rank`` (``total`` the synthesis
        ``sum_c g_c x_ca``, ``priority`` = total / sum of totals, rank 1 = best), the group
        (:data:`GROUP`) first.
    weights : DataFrame
        ``decision_maker, node, parent, level, local, global``: every criterion.
    local : DataFrame
        ``decision_maker, node, element, priority``: every node's local vector (the
        alternatives' under each leaf criterion, after ``mode``).
    contributions : DataFrame
        ``decision_maker, node, alternative, contribution``: what each criterion (the sum
        over the leaves under it) adds to each alternative's total (R ahp's
        ``weightContribution``).
    consistency : DataFrame
        ``decision_maker, node, n, origin, value, lambda_max, random_index,
        random_index_value``: the consistency ratio of every pairwise matrix (``NaN`` for
        direct priorities, scores and ratings); the group's row is the aggregate matrix's
        under AIJ and, as R ahp reports it, the largest of the decision makers' under AIP.
    options : EvaluationOptions
    alternatives, decision_makers : tuple of str
    hierarchy : Hierarchy
    """

    totals: pd.DataFrame
    weights: pd.DataFrame
    local: pd.DataFrame
    contributions: pd.DataFrame
    consistency: pd.DataFrame
    options: EvaluationOptions
    alternatives: tuple[str, ...]
    decision_makers: tuple[str, ...]
    hierarchy: Hierarchy

    def priorities(self, decision_maker: str = GROUP) -> pd.Series:
        """The alternatives' priorities (sum 1) of the group or one decision maker."""
        t = self.totals[self.totals.decision_maker == decision_maker]
        if t.empty:
            raise ValueError(f"`decision_maker` must be {GROUP!r} or one of "
                             f"{list(self.decision_makers)}; got {decision_maker!r} instead.")
        return pd.Series(t.priority.to_numpy(), index=pd.Index(t.alternative, name="alternative"),
                         name="priority")

    def analyze(self, decision_maker: str = GROUP, *, variable: str = "contribution",
                sort: str = "priority") -> pd.DataFrame:
        """R ahp's ``Analyze`` table: one row per criterion, one column per alternative.

        Parameters
        ----------
        decision_maker : str, default :data:`GROUP`
        variable : {"contribution", "priority"}
            ``"contribution"``: column ``weight`` (the criterion's global weight) and each
            alternative's contribution from that criterion (R ahp's default,
            ``weightContribution``); ``"priority"``: column ``priority`` (the criterion's
            local weight) and, on the leaf criteria, the alternatives' local priorities.
        sort : {"priority", "orig"}
            ``"priority"``: siblings by decreasing weight and the alternatives by decreasing
            total (R ahp's default); ``"orig"``: the file's order.

        Returns
        -------
        DataFrame
            Index ``node``; columns ``level`` (the goal 0), ``weight`` or ``priority``, one
            per alternative, and ``inconsistency`` (the consistency ratio at that node).
        """
        check_method("variable", variable, ("contribution", "priority"))
        check_method("sort", sort, ("priority", "orig"))
        dm = decision_maker
        self.priorities(dm)  # validates the name
        w = self.weights[self.weights.decision_maker == dm].set_index("node")
        tot = self.priorities(dm)
        alts = list(tot.sort_values(ascending=False, kind="stable").index) if sort == "priority" \
            else list(self.alternatives)
        h = self.hierarchy
        order: list[str] = []

        def walk(v: str) -> None:
            order.append(v)
            kids = list(h.children(v))
            if sort == "priority":
                kids.sort(key=lambda c: -float(w.loc[c, "local"]))
            for c in kids:
                walk(c)

        walk(h.root)
        cons = self.consistency[self.consistency.decision_maker == dm].set_index("node")
        rows = []
        if variable == "contribution":
            con = self.contributions[self.contributions.decision_maker == dm]
            piv = con.pivot(index="node", columns="alternative", values="contribution")
            for v in order:
                rows.append({"node": v, "level": h.depth(v), "weight": float(w.loc[v, "global"]),
                             **{a: float(piv.loc[v, a]) for a in alts},
                             "inconsistency": float(cons.value.get(v, np.nan))})
        else:
            loc = self.local[self.local.decision_maker == dm]
            for v in order:
                row: dict[str, Any] = {"node": v, "level": h.depth(v),
                                       "priority": float(w.loc[v, "local"])}
                if h.is_leaf(v):
                    lv = loc[loc.node == v].set_index("element").priority
                    row.update({a: float(lv[a]) for a in alts})
                else:
                    row.update({a: np.nan for a in alts})
                row["inconsistency"] = float(cons.value.get(v, np.nan))
                rows.append(row)
        return pd.DataFrame(rows).set_index("node")

    def to_frame(self, kind: str = "totals") -> pd.DataFrame:
        """One of the tables by name: ``totals``, ``weights``, ``local``, ``contributions``,
        ``consistency``.
        """
        kind = check_method("kind", kind, ("totals", "weights", "local", "contributions",
                                           "consistency"))
        return getattr(self, kind).copy()


# --------------------------------------------------------------------------- the model


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

    def _options(self, options: EvaluationOptions | None, kw: Mapping[str, Any]
                 ) -> EvaluationOptions:
        if options is not None and kw:
            raise ValueError("give either `options` or keyword options, not both; got both "
                             "instead.")
        return options if options is not None else EvaluationOptions(**kw)

    def evaluate(self, options: EvaluationOptions | None = None, **kwargs: Any
                 ) -> DecisionResult:
        """Synthesize the decision for the group and for every decision maker.

        Parameters
        ----------
        options : EvaluationOptions, optional
        **kwargs
            The fields of :class:`EvaluationOptions` (``weighting``, ``completion``,
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
        eng = _Engine(self.data, opts)
        K = len(eng.dms)
        runs = [(GROUP, np.ones((1, K)))]
        for k, dm in enumerate(eng.dms):
            if K > 1:
                runs.append((dm, _one_hot(K, k)))
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

    def _consistency(self, eng: _Engine, opts: EvaluationOptions) -> pd.DataFrame:
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
    def resample(self, counts: np.ndarray, options: EvaluationOptions | None = None,
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
        t = _Engine(self.data, opts).synthesize(C)["totals"]
        with np.errstate(invalid="ignore", divide="ignore"):
            return t / t.sum(axis=1, keepdims=True)

    def bootstrap(
        self,
        *,
        n_resamples: int = 2000,
        confidence_level: float = 0.95,
        method: str = "percentile",
        rng: Any = None,
        options: EvaluationOptions | None = None,
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

    def bayes(self, *, options: EvaluationOptions | None = None, model_config: Any = None,
              sampler_config: Any = None, rng: Any = None, **fit_kwargs: Any
              ) -> DecisionBayesResult:
        """A Bayesian model of the decision makers' judgments, carried to the alternatives.

        :class:`ahpstat.bayes.BayesianAHP` is fitted to every pairwise judgment of the whole
        tree with the alternatives as the leaves' children; each posterior draw of the local
        priorities is synthesized like :meth:`evaluate` (``mode`` applies; aggregation is the
        model's). Direct priorities, scores and ratings are taken as given, identical in
        every draw (the group's mean of them).

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
        weights = np.asarray(self.data.decision_maker_weights[self.hierarchy.root])
        bm = BayesianAHP(judg, structure, expert_weights=dict(zip(
            self.decision_makers, weights * len(weights), strict=True)),
            model_config=model_config, sampler_config=sampler_config)
        bm.fit(rng=rng, **fit_kwargs)
        res = bm.result()
        local = _local_draws(res, self.data, structure, fixed)
        draws = _synthesize_draws(self.data, opts, local)
        return DecisionBayesResult(alternatives=self.alternatives, draws=draws.T,
                                   bayes=res, options=opts)


# --------------------------------------------------------------------------- bootstrap result


@dataclass(frozen=True)
class DecisionBootstrapResult:
    """Bootstrap of the decision makers: every resample's priorities of the alternatives.

    Attributes
    ----------
    alternatives : tuple of str
    estimate : ndarray (m,)
        The group's priorities on the full panel.
    draws : ndarray (m, B)
        Priorities in each resample (resamples on the last axis).
    jackknife : ndarray (m, K) or None
        Leave-one-decision-maker-out priorities (BCa).
    confidence_level : float
    method : str
    options : EvaluationOptions
    """

    alternatives: tuple[str, ...]
    estimate: np.ndarray
    draws: np.ndarray
    jackknife: np.ndarray | None
    confidence_level: float
    method: str
    options: EvaluationOptions = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """``alternative, priority, low, high, se, confidence_level, method``."""
        from ahpstat.bootstrap import bootstrap_interval, jackknife_acceleration

        acc = None
        if self.method == "bca":
            assert self.jackknife is not None
            acc = jackknife_acceleration(self.jackknife)
        ci = bootstrap_interval(self.draws, self.estimate, confidence_level=self.confidence_level,
                                method=self.method, acceleration=acc)
        with np.errstate(invalid="ignore"):
            se = np.nanstd(self.draws, axis=1, ddof=1)
        return pd.DataFrame({"alternative": list(self.alternatives), "priority": self.estimate,
                             "low": ci.low, "high": ci.high, "se": se,
                             "confidence_level": self.confidence_level, "method": self.method})

    def rank_probabilities(self) -> pd.DataFrame:
        """``alternative, rank, probability``: the share of resamples in each rank."""
        from ahpstat.bootstrap import rank_table

        return rank_table(self.draws, list(self.alternatives), key="alternative")


@dataclass(frozen=True)
class DecisionBayesResult:
    """Posterior draws of the alternatives' priorities.

    Attributes
    ----------
    alternatives : tuple of str
    draws : ndarray (m, S)
        Priorities in each posterior draw (draws on the last axis).
    bayes : ahpstat.bayes.BayesResult
        The fitted model's result (weights, diagnostics).
    options : EvaluationOptions
    """

    alternatives: tuple[str, ...]
    draws: np.ndarray
    bayes: Any = field(repr=False)
    options: EvaluationOptions = field(repr=False)

    def to_frame(self, *, ci: float = 0.95) -> pd.DataFrame:
        """``alternative, mean, sd, low, high, ci`` (equal-tailed credible interval)."""
        ci = check_confidence_level(ci, "ci")
        a = (1 - ci) / 2
        lo, hi = np.quantile(self.draws, [a, 1 - a], axis=1)
        return pd.DataFrame({"alternative": list(self.alternatives),
                             "mean": self.draws.mean(axis=1),
                             "sd": self.draws.std(axis=1, ddof=1), "low": lo, "high": hi,
                             "ci": ci})

    def rank_probabilities(self) -> pd.DataFrame:
        """``alternative, rank, probability`` over the posterior draws."""
        from ahpstat.bootstrap import rank_table

        return rank_table(self.draws, list(self.alternatives), key="alternative")


# --------------------------------------------------------------------------- Bayes helpers

_SEP = " \u25b8 "  # criterion ▸ alternative: the alternatives' node ids in the Bayesian model


def _bayes_inputs(data: DecisionData, opts: EvaluationOptions
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
            fixed[v] = _Node(v, els, prefs, data.decision_makers,
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


def _synthesize_draws(data: DecisionData, opts: EvaluationOptions,
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


# --------------------------------------------------------------------------- rank reversal


def rank_reversal(
    model: DecisionModel,
    *,
    remove: Sequence[str] | str | None = None,
    add: Mapping[str, Mapping[str, Any]] | None = None,
    modes: Sequence[str] = MODES,
    options: EvaluationOptions | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Check whether the order of the other alternatives changes when one is removed or added.

    Parameters
    ----------
    model : DecisionModel
    remove : str or sequence of str, optional
        Alternatives to remove, one at a time (default: each alternative in turn).
    add : mapping name -> {leaf: preference source}, optional
        New alternatives to add, one at a time: for each leaf criterion, either the name of
        an existing alternative it copies (Belton & Gear's test) or a mapping decision maker
        -> :class:`~ahpstat.io.Preference` over the enlarged set of alternatives.
    modes : sequence of {"distributive", "ideal"}, default both
    options, **kwargs
        As :meth:`DecisionModel.evaluate` (``mode`` is set by ``modes``).

    Returns
    -------
    DataFrame
        One row per (change, mode, pair of remaining alternatives whose order differs):
        ``change`` (``remove X`` / ``add X``), ``mode``, ``first``, ``second`` (the order
        before), ``before_first``, ``before_second``, ``after_first``, ``after_second``
        (priorities, renormalized over the alternatives both runs share), ``reversed``
        (True). An empty table means no rank reversal. See :func:`rank_reversal_summary`-like
        counts in ``DataFrame.attrs['checked']`` (changes x modes checked).

    Notes
    -----
    Distributive synthesis can reverse ranks when a copy or near-copy is added (Belton &
    Gear 1983); the ideal mode preserves the order when an irrelevant alternative is added
    or removed (Saaty 1994, ch. 5), unless the removed or added alternative is the ideal on
    some criterion. Ratings are absolute, so they never reverse.
    """
    base = model._options(options, kwargs)
    if remove is None and add is None:
        remove = list(model.alternatives)
    removes = [remove] if isinstance(remove, str) else list(remove or [])
    rows = []
    checked = 0
    for mode in modes:
        opts = EvaluationOptions(**{**base.__dict__, "mode": mode})
        before = model.evaluate(opts).priorities()
        changes: list[tuple[str, DecisionModel]] = []
        for a in removes:
            changes.append((f"remove {a}", _without(model, a)))
        for name, spec in (add or {}).items():
            changes.append((f"add {name}", _with(model, name, spec)))
        for label, m2 in changes:
            checked += 1
            after = m2.evaluate(opts).priorities()
            common = [a for a in before.index if a in after.index]
            b = before[common] / before[common].sum()
            f = after[common] / after[common].sum()
            for i, x in enumerate(common):
                for y in common[i + 1:]:
                    if np.sign(b[x] - b[y]) * np.sign(f[x] - f[y]) < 0:
                        first, second = (x, y) if b[x] > b[y] else (y, x)
                        rows.append((label, mode, first, second, float(b[first]),
                                     float(b[second]), float(f[first]), float(f[second]),
                                     True))
    out = pd.DataFrame(rows, columns=["change", "mode", "first", "second", "before_first",
                                      "before_second", "after_first", "after_second",
                                      "reversed"])
    out.attrs["checked"] = checked
    return out


def _without(model: DecisionModel, alt: str) -> DecisionModel:
    d = model.data
    if alt not in d.alternatives:
        raise ValueError(f"`remove` names {alt!r}, which is not an alternative "
                         f"{list(d.alternatives)}.")
    keep = tuple(a for a in d.alternatives if a != alt)
    idx = [d.alternatives.index(a) for a in keep]
    prefs: dict[str, dict[str, Preference]] = {}
    for v, ps in d.preferences.items():
        if d.hierarchy.children(v):
            prefs[v] = dict(ps)
            continue
        prefs[v] = {dm: _subset(p, idx, keep) for dm, p in ps.items()}
    return DecisionModel(DecisionData(
        hierarchy=d.hierarchy, alternatives=keep, decision_makers=d.decision_makers,
        preferences=prefs, decision_maker_weights=d.decision_maker_weights,
        attributes={a: d.attributes[a] for a in keep if a in d.attributes}, name=d.name,
        source=d.source, version=d.version))


def _subset(p: Preference, idx: list[int], keep: tuple[str, ...]) -> Preference:
    if p.kind == "pairwise":
        assert p.matrix is not None
        return Preference("pairwise", keep, matrix=p.matrix[np.ix_(idx, idx)], origin=p.origin,
                          file=p.file, line=p.line)
    assert p.values is not None
    v = p.values[idx]
    kind = p.kind
    if kind == "priority":  # renormalize what remains: the same ratios
        v = v / v.sum()
    return Preference(kind, keep, values=v, origin=p.origin, file=p.file, line=p.line)


def _with(model: DecisionModel, name: str, spec: Mapping[str, Any]) -> DecisionModel:
    d = model.data
    if name in d.alternatives:
        raise ValueError(f"`add` names {name!r}, which is already an alternative.")
    alts = (*d.alternatives, name)
    prefs: dict[str, dict[str, Preference]] = {}
    for v, ps in d.preferences.items():
        if d.hierarchy.children(v):
            prefs[v] = dict(ps)
            continue
        how = spec.get(v) if isinstance(spec, Mapping) else spec
        if how is None and isinstance(spec, str):
            how = spec
        if isinstance(how, str):
            if how not in d.alternatives:
                raise ValueError(f"`add[{name!r}]` copies {how!r}, which is not an "
                                 "alternative.")
            c = d.alternatives.index(how)
            prefs[v] = {dm: _copy_of(p, c, alts) for dm, p in ps.items()}
        elif isinstance(how, Mapping):
            prefs[v] = dict(how)
        else:
            raise ValueError(f"`add[{name!r}]` must give, for leaf {v!r}, the alternative it "
                             "copies or the decision makers' preferences over the enlarged "
                             f"set; got {how!r} instead.")
    return DecisionModel(DecisionData(
        hierarchy=d.hierarchy, alternatives=alts, decision_makers=d.decision_makers,
        preferences=prefs, decision_maker_weights=d.decision_maker_weights, name=d.name,
        source=d.source, version=d.version))


def _copy_of(p: Preference, c: int, alts: tuple[str, ...]) -> Preference:
    if p.kind == "pairwise":
        assert p.matrix is not None
        n = p.matrix.shape[0]
        M = np.ones((n + 1, n + 1))
        M[:n, :n] = p.matrix
        M[n, :n] = p.matrix[c]
        M[:n, n] = p.matrix[:, c]
        return Preference("pairwise", alts, matrix=M, origin=p.origin)
    assert p.values is not None
    v = np.append(p.values, p.values[c])
    if p.kind == "priority":
        v = v / v.sum()
    return Preference(p.kind, alts, values=v, origin=p.origin)
