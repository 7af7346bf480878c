"""Every statistic of the evaluation for a block of resamples: objective and combined
weights, their agreement with the AHP weights, the fuzzy evaluation, TOPSIS and GRA.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ahpstat._grouping import Grouped
from ahpstat._level_counts import GroupCounts, PackedLevels
from ahpstat.compare import kendall_tau, weighted_spearman
from ahpstat.evaluation._jackknife import LeaveOut
from ahpstat.evaluation._options import EvaluationOptions
from ahpstat.fuzzy import (
    answer_counts,
    answer_shares,
    check_answers,
    fuzzy_evaluation,
    respondent_counts,
    shares_of_counts,
)
from ahpstat.mcda import _gra_each, _topsis_each
from ahpstat.objective import (
    combine_weights,
    objective_weights,
)

#: batch elements (resamples x groups) from which the maximum operators' fuzzy evaluation is
#: compiled (:func:`ahpstat._stat_kernels.tree_max`); below it numpy's costs less than
#: importing numba
TREE_MAX_COMPILED = 1024


class Evaluator:
    """Every statistic of the evaluation for a block of (expert, respondent) resamples.

    A resample is given by the AHP leaf weights ``W`` (rows, L) and two frequency matrices
    (rows, R): ``Fo`` for the whole-sample resample (respondents iid or clusters) and ``Fg``
    for the within-group resample; the estimate is the same computation with the panel's
    weights and all frequencies 1, and a jackknife value one with a 0 frequency.

    ``Fg`` may be a :class:`~ahpstat.evaluation._jackknife.LeaveOut` (the jackknife's
    leave-one-block-out rows, the groups' counts then all counts less the block's) and
    ``Fo`` or ``Fg`` may be ``None``: all frequencies 1 in every row (a jackknife row that
    leaves a unit out of the other sample). What depends on that sample alone (its answer
    shares, the objective weights over respondents) is then computed once and repeated, not
    once per row: the within-group jackknife no longer recomputes the whole sample's
    statistics for each of its (up to a thousand) rows.
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
        self._counts_g: np.ndarray | None = None  # the groups' answer counts
        self._counts_c: tuple[bytes, np.ndarray] | None = None  # clusters' answer counts
        self._packed: tuple[Any, PackedLevels] | None = None
        self._once: dict[str, dict[str, np.ndarray]] = {}  # :meth:`_whole`'s results

    # ---- pieces ---------------------------------------------------------------------------

    def _shares(self, F: np.ndarray | Grouped) -> np.ndarray:
        if isinstance(F, Grouped):  # a cluster bootstrap: the clusters' answer counts
            key = F.code.tobytes()
            if self._counts_c is None or self._counts_c[0] != key:
                # each cluster's answer counts (exact integers, as the share matrix's
                # product with the clusters' indicator gave them)
                lo, k = self.likert[0], F.first.size
                by = answer_counts(self.X, lo, self.K, F.code, k)
                self._counts_c = (key, by.reshape(k, self.L * self.K))
            w = F.weights.reshape(-1, F.weights.shape[-1])
            counts = (w @ self._counts_c[1]).reshape(*F.shape[:-1], self.L, self.K)
            return shares_of_counts(_resample_last(counts))
        return answer_shares(self.X, self.likert, frequencies=F)          # (rows, L, K)

    def _group_shares(self, Fg: np.ndarray | LeaveOut | GroupCounts) -> np.ndarray:
        if isinstance(Fg, GroupCounts):  # within-group resamples, counted as drawn
            return shares_of_counts(_resample_last(Fg.counts))
        if isinstance(Fg, LeaveOut):  # jackknife rows: all the counts less the block's
            assert self.gcodes is not None  # (groups: self.G > 0)
            lo, g = self.likert[0], np.asarray(self.gcodes, dtype=np.intp)
            if self._counts_g is None:
                self._counts_g = answer_counts(self.X, lo, self.K, g, self.G)
            total = self._counts_g
            # the left-out respondents' counts (exact integers), laid out as the transposed
            # sparse product (share matrix, left-out indicator) gave them
            who = np.flatnonzero((Fg.blk >= Fg.lo) & (Fg.blk < Fg.hi))
            rows = Fg.shape[0]
            out = np.empty((total.size, rows)).T
            out[...] = respondent_counts(self.X, lo, self.K, g, self.G, who,
                                         Fg.blk[who] - Fg.lo, rows)
            np.subtract(total, out, out=out)
            return shares_of_counts(out.reshape(Fg.shape[0], self.G, self.L, self.K))
        return answer_shares(self.X, self.likert, frequencies=Fg, groups=self.gcodes,
                             n_groups=self.G)                              # (rows, G, L, K)

    def _whole(self, key: str, rows: int, make: Callable[[], dict[str, np.ndarray]]
               ) -> dict[str, np.ndarray]:
        """``make()``'s arrays (1, ...) -- statistics of the whole sample with every
        respondent once, which the jackknife asks for chunk after chunk -- computed once per
        evaluator and given as ``rows`` identical rows (new arrays, laid out as ``make()``'s
        for one row, as the products that follow expect).
        """
        if key not in self._once:
            self._once[key] = make()
        return {k: np.repeat(a, rows, axis=0) if a.shape[0] != rows else a.copy(order="K")
                for k, a in self._once[key].items()}

    def packed_levels(self, units: Any) -> PackedLevels:
        """The answers' levels sorted by group as ``units`` sorts them, packed (made once;
        the answers checked as :func:`answer_shares` checks them).
        """
        if self._packed is None or self._packed[0] is not units:
            lo = self.likert[0]
            check_answers(self.X, lo, self.K)
            self._packed = (units, PackedLevels.of_answers(self.X, lo, self.K, units))
        return self._packed[1]

    def _local(self, g: np.ndarray) -> np.ndarray:
        """Local weights (..., N) from global node weights (..., N)."""
        par = g[..., np.maximum(self.parents, 0)]
        with np.errstate(invalid="ignore", divide="ignore"):
            loc = g / par
        loc[..., self.parents < 0] = 1.0
        return loc

    # ---- the statistics -------------------------------------------------------------------

    def __call__(self, W: np.ndarray, Fo: np.ndarray | None, Fg: np.ndarray | LeaveOut | None
                 ) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        rows = W.shape[0]
        ones = np.ones((1, self.X.shape[0]))
        if Fo is None:  # every respondent once: the same in every row, computed once
            whole = self._whole("shares", rows, lambda: _with_means(self._shares(ones),
                                                                    self.answer_values))
            shares_o, out["item_means"] = whole["shares"], whole["means"]
        else:
            shares_o = self._shares(Fo)                                # (rows, L, K)
            out["item_means"] = shares_o @ self.answer_values          # (rows, L)
        shares_g = means_g = None
        if self.G:
            if Fg is None:
                whole = self._whole("group_shares", rows, lambda: _with_means(
                    self._group_shares(ones), self.answer_values))
                shares_g, means_g = whole["shares"], whole["means"]
            else:
                shares_g = self._group_shares(Fg)                      # (rows, G, L, K)
                means_g = shares_g @ self.answer_values                # (rows, G, L)
        vec = self._vectors(W, Fo, means_g, out)
        local = self._hierarchy(vec, out)
        self._fce(local, shares_o, shares_g, out)
        if means_g is not None and self.G >= 2:
            # every weighting in one call: the groups' normalised means (TOPSIS) and grey
            # relational coefficients (GRA) do not depend on the weights
            o = self.opts
            tw, gw = o.topsis_weighting or (), o.gra_weighting or ()
            if tw:
                ws, undefined = _defined_weights([vec[w] for w in tw])
                got = _topsis_each(means_g, ws, normalization=o.topsis_normalization)
                for w, r, bad in zip(tw, got, undefined, strict=True):
                    out[f"topsis:{w}"] = _undefined_rows(r.closeness, bad)
            if gw:
                ws, undefined = _defined_weights([vec[w] for w in gw])
                grey = _gra_each(means_g, ws, rho=o.rho, normalization=o.gra_normalization)
                for w, g, bad in zip(gw, grey, undefined, strict=True):
                    out[f"gra:{w}"] = _undefined_rows(g.grade, bad)
        return out

    def _vectors(self, W: np.ndarray, Fo: np.ndarray | None, means_g: np.ndarray | None,
                 out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The leaf weight vectors: AHP, the objective methods, their combination."""
        o = self.opts
        vec: dict[str, np.ndarray] = {"ahp": W}
        rows = W.shape[0]
        for m in o.objective:
            kw: dict[str, Any] = {"normalization": o.normalization, "shift": o.shift} \
                if m == "entropy" else {}
            if o.unit == "respondents" and Fo is None:
                # the same whole sample in every row: computed once (per evaluator)
                def once(m: str = m, kw: dict[str, Any] = kw) -> dict[str, np.ndarray]:
                    r = objective_weights(self.X, method=m, frequencies=np.ones(
                        (1, self.X.shape[0])), **kw)
                    return {"": r.weights, **r.components}

                got = self._whole(f"objective:{m}", rows, once)
                vec[m] = got.pop("")
                for k, v in got.items():
                    out[f"component:{m}:{k}"] = v
                continue
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
        # every pair of vectors at a level in one batched call of each measure (the same
        # values as pair by pair: both work row by row along the nodes), stored in the
        # order of the pairs
        pairs = list(itertools.combinations(list(vec), 2))
        got: dict[str, np.ndarray] = {}
        for d in self.levels if pairs else ():
            idx = self.depth == d
            ga = np.stack([out[f"global:{a}"][:, idx] for a, _ in pairs])
            gb = np.stack([out[f"global:{b}"][:, idx] for _, b in pairs])
            tau, rw = kendall_tau(ga, gb), weighted_spearman(ga, gb)
            for p, (a, b) in enumerate(pairs):
                got[f"tau:{a}:{b}:{d}"], got[f"rw:{a}:{b}:{d}"] = tau[p], rw[p]
        for a, b in pairs:
            for d in self.levels:
                for kind in ("tau", "rw"):
                    out[f"{kind}:{a}:{b}:{d}"] = got[f"{kind}:{a}:{b}:{d}"]
        return local

    def _fce(self, local: dict[str, np.ndarray], shares_o: np.ndarray,
             shares_g: np.ndarray | None, out: dict[str, np.ndarray]) -> None:
        """Fuzzy evaluation vectors and weighted scores, whole sample and per group."""
        o = self.opts
        vals = self.answer_values if o.grade_values is None else np.asarray(o.grade_values)
        by_item: np.ndarray | None = None  # shares_g laid out for _group_average, made once
        dense: dict[str, np.ndarray] = {}  # the shares C-ordered for tree_max, made once
        if (shares_g is not None and {"max_min", "max_product"} & set(o.fce_operators)
                and o.fce_weighting and _compiled(shares_g.shape[:-2])):
            # first: _groups_by_item copies from it faster than from shares_g's layout
            dense["g"] = np.ascontiguousarray(shares_g)
        for w in o.fce_weighting:
            for op in o.fce_operators:
                if op == "weighted_average":
                    # linear: a node's vector is its items' rows averaged with the items'
                    # global weights -- one product for the reported nodes only
                    A = self._average_matrix(out[f"global:{w}"])    # (rows, n, L)
                    Bo = A @ shares_o                                  # (rows, n, K)
                    Bg = None
                    if shares_g is not None:
                        if by_item is None:  # (from the C-ordered copy when made: faster)
                            by_item = _groups_by_item(dense.get("g", shares_g))
                        Bg = _group_average(A, by_item, shares_g.shape[1], shares_g.shape[3])
                elif op in ("max_min", "max_product"):
                    Bo = self._max_evaluation(shares_o, local[w], op, dense, "o")
                    Bg = None if shares_g is None else self._max_evaluation(
                        shares_g, local[w][:, None, :], op, dense, "g")
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

    def _max_evaluation(self, shares: np.ndarray, local: np.ndarray, op: str,
                        dense: dict[str, np.ndarray], key: str) -> np.ndarray:
        """The reported nodes' vectors (..., n, K) under a maximum operator: compiled for
        a large batch (a block of resamples: the shares and weights are >= 0 or NaN, so the
        vectors are :func:`fuzzy_evaluation`'s bit for bit), else by numpy (no numba to
        import for the estimate alone). ``dense[key]``: ``shares`` C-ordered as the kernel
        reads them, copied once for every weighting and operator.
        """
        if _compiled(np.broadcast_shapes(shares.shape[:-2], local.shape[:-1])):
            from ahpstat._stat_kernels import tree_max

            if key not in dense:
                dense[key] = np.ascontiguousarray(shares)
            return tree_max(dense[key], local, self.parents, op == "max_product", True,
                            self.fce_nodes)
        return fuzzy_evaluation(shares, local, self.parents, operator=op)[
            ..., self.fce_nodes, :]

    def _average_matrix(self, g: np.ndarray) -> np.ndarray:
        """(rows, n, L): item ``l``'s share ``g_l / g_v`` of reported node ``v``'s weight."""
        Msub = self.M[self.fce_nodes]                                  # (n, L)
        gl = g[:, self.leaf_pos]                                       # (rows, L)
        num = Msub[None] * gl[:, None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            return num / num.sum(axis=-1, keepdims=True)


def _compiled(batch: tuple[int, ...]) -> bool:
    """Whether a maximum operator's batch of this shape is evaluated compiled."""
    return int(np.prod(batch)) >= TREE_MAX_COMPILED


def _resample_last(counts: np.ndarray) -> np.ndarray:
    """``counts`` (rows, ...) laid out with the resamples varying fastest, as the sparse
    product ``(ST @ F.T).T`` of :func:`answer_shares` lays them out: the products that
    follow (``shares @ answer_values``) then sum in the same order, to the same last bit.
    """
    rows = counts.shape[0]
    flat = np.ascontiguousarray(counts.reshape(rows, -1).T)
    return flat.T.reshape(counts.shape)


def _with_means(shares: np.ndarray, values: np.ndarray) -> dict[str, np.ndarray]:
    """Answer shares (..., K) and the mean answers ``shares @ values`` (...)."""
    return {"shares": shares, "means": shares @ values}


def _groups_by_item(shares_g: np.ndarray) -> np.ndarray:
    """The groups' shares (rows, G, L, K) as (rows, L, G * K), contiguous: the operand of
    :func:`_group_average` (a strided copy of the block's shares, made once per block for
    every weighting).
    """
    rows, G, L, K = shares_g.shape
    return np.ascontiguousarray(np.moveaxis(shares_g, 1, 2)).reshape(rows, L, G * K)


def _group_average(A: np.ndarray, by_item: np.ndarray, G: int, K: int) -> np.ndarray:
    """(rows, G, n, K) = A (rows, n, L) applied to every group's rows, given as
    ``by_item`` (rows, L, G * K) (:func:`_groups_by_item`); ``G`` and ``K`` given, not
    inferred: an empty block has nothing to infer them from.
    """
    return np.moveaxis((A @ by_item).reshape(by_item.shape[0], A.shape[1], G, K), 2, 1)


def _score(B: np.ndarray, values: np.ndarray) -> np.ndarray:
    tot = B.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (B * values).sum(axis=-1) / tot, np.nan)


def _defined_weights(ws: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each weighting's rows (resamples) where a weight is undefined (NaN: e.g. CRITIC's
    correlations where a resample left an item constant) get equal weights, so that the
    rankings of the other rows are computed as they are; and those rows (``(rows,)`` bool
    each), whose rankings are then undefined (:func:`_undefined_rows`).
    """
    out, masks = [], []
    for w in ws:
        bad = ~np.isfinite(w).all(axis=-1)
        if bad.any():
            w = w.copy()
            w[bad] = 1.0 / w.shape[-1]
        out.append(w)
        masks.append(bad)
    return out, masks


def _undefined_rows(x: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """``x`` (rows, ...) with the rows ``bad`` NaN (undefined)."""
    if not bad.any():
        return x
    x = np.array(x, dtype=float)
    x[bad] = np.nan
    return x
