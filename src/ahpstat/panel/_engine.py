"""The aggregation engine: any resample of the panel's experts re-aggregated by AIJ or AIP from
per-expert tables fixed once (the policy's decisions carry over), and every expert's own
weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ahpstat._validation import InputError
from ahpstat._warnings import DegenerateDataWarning, warn
from ahpstat.aggregation import aij_from_terms, aij_terms
from ahpstat.hierarchy import Hierarchy
from ahpstat.pairwise import comparison_graph_components, is_connected
from ahpstat.panel._inputs import expert_weights_one, experts_present
from ahpstat.panel._options import PanelOptions
from ahpstat.weighting import INCOMPLETE_METHOD, weights

__all__ = ["Engine", "aggregate_matrices", "engine_tables", "expert_local_weights"]


class Engine:
    """Re-aggregation of fixed per-expert inputs for any expert count vectors (B, K)."""

    def __init__(self, hierarchy: Hierarchy, tables, method, aggregation, aip_mean):
        self.hierarchy = hierarchy
        self.nodes = hierarchy.internal  # internal node ids (with n >= 2 matrices or n == 1)
        self.sizes = [len(hierarchy.children(v)) for v in self.nodes]
        self.tables = tables        # (num (K, S), den (K, S)) with per-node column slices
        self.method = method
        self.aggregation = aggregation
        self.aip_mean = aip_mean
        # group nodes of equal order for one batched weighting call each
        self.by_size: dict[int, list[int]] = {}
        for j, n in enumerate(self.sizes):
            if n >= 2:
                self.by_size.setdefault(n, []).append(j)

    def local(self, counts: np.ndarray, *, strict: bool) -> list[np.ndarray]:
        """Local weights per internal node, each (B, n)."""
        num_t, den_t, cuts = self.tables
        num = counts @ num_t
        den = counts @ den_t
        B = counts.shape[0]
        out: list[Any] = [None] * len(self.nodes)
        for j, n in enumerate(self.sizes):
            if n == 1:
                out[j] = np.ones((B, 1))
        bad = np.zeros(B, dtype=bool)
        for n, js in self.by_size.items():
            if self.aggregation == "aij":
                sl = [slice(cuts[j], cuts[j + 1]) for j in js]
                nu = np.stack([num[:, s] for s in sl], axis=1).reshape(B, len(js), n, n)
                de = np.stack([den[:, s] for s in sl], axis=1).reshape(B, len(js), n, n)
                W = self._weight(aij_from_terms(nu, de), js, strict, bad)
            else:
                sl = [slice(cuts[j], cuts[j + 1]) for j in js]
                nu = np.stack([num[:, s] for s in sl], axis=1)  # (B, nodes, n)
                de = np.stack([den[:, s] for s in sl], axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    W = nu / de
                if self.aip_mean == "geometric":
                    top = np.where(np.isnan(W), -np.inf, W).max(axis=-1, keepdims=True)
                    with np.errstate(invalid="ignore"):
                        W = np.exp(W - top)
                W = W / W.sum(axis=-1, keepdims=True)
                nanrow = ~np.isfinite(W).all(axis=-1)
                if nanrow.any():
                    if strict:
                        j = js[int(np.argwhere(nanrow)[0][1])]
                        raise InputError(
                            "no expert's weights are available at this node (every expert "
                            "was dropped or left it out).", node=self.nodes[j])
                    bad |= nanrow.any(axis=-1)
            for t, j in enumerate(js):
                out[j] = W[:, t, :]
        if bad.any():
            warn(f"{int(bad.sum())} of {B} expert resamples leave some node without "
                 "identified weights (no retained expert judged it, or its comparisons are "
                 "disconnected); their weights are NaN.", DegenerateDataWarning)
            for j in range(len(out)):
                out[j] = np.where(bad[:, None], np.nan, out[j])
        return out

    def _weight(self, A: np.ndarray, js: list[int], strict: bool, bad: np.ndarray):
        missing = np.isnan(A)
        if not missing.any():
            return weights(A, method=self.method, validate=False).weights
        present = ~missing
        conn = is_connected(present)
        if not conn.all():
            if strict:
                b, t = (int(x) for x in np.argwhere(~conn)[0])
                node = self.nodes[js[t]]
                names = self.hierarchy.children(node)
                comps = comparison_graph_components(present[b, t])
                parts = " | ".join("{" + ", ".join(names[i] for i in c) + "}" for c in comps)
                raise InputError(
                    "the experts' pooled comparison graph is disconnected: no chain of "
                    f"judgments links {parts}, so the weights are not identified. Got "
                    f"{len(comps)} components instead of 1.", node=node)
            bad |= ~conn.all(axis=-1)
            A = np.where(missing & ~conn[..., None, None], 1.0, A)
            A[..., np.eye(A.shape[-1], dtype=bool)] = 1.0
            missing = np.isnan(A)
            if not missing.any():
                return weights(A, method=self.method, validate=False).weights
        method = INCOMPLETE_METHOD[self.method]
        return weights(A, method=method, validate=False).weights

    def leaf_weights(self, counts: np.ndarray, *, strict: bool) -> np.ndarray:
        loc = self.local(counts, strict=strict)
        return self.hierarchy.leaf_weights(dict(zip(self.nodes, loc, strict=True)))


def expert_local_weights(effective: dict[str, np.ndarray], node_w: dict[str, np.ndarray],
                          nodes: tuple[str, ...], opts: PanelOptions,
                          experts: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Every expert's own weights at every node (one batched call per matrix order for the
    complete matrices); ``NaN`` when absent or not identified.
    """
    K = len(experts)
    expert_local: dict[str, np.ndarray] = {}
    by_n: dict[int, list[tuple[str, int]]] = {}
    for v in nodes:
        S = effective[v]
        n = S.shape[-1]
        present = node_w[v] > 0 if n < 2 else experts_present(S)
        EL = np.full((K, n), np.nan)
        if n < 2:
            EL[experts_present(S)] = 1.0
        else:
            full_k = present & ~np.isnan(S).reshape(K, -1).any(axis=-1)
            for k in np.flatnonzero(full_k).tolist():
                by_n.setdefault(n, []).append((v, int(k)))
            for k in np.flatnonzero(present & ~full_k).tolist():
                EL[k] = expert_weights_one(S[k], opts.weighting)
        expert_local[v] = EL
    for _n, pairs in by_n.items():
        W = weights(np.stack([effective[v][k] for v, k in pairs]),
                               method=opts.weighting, validate=False).weights
        for (v, k), w in zip(pairs, W, strict=True):
            expert_local[v][k] = w
    if opts.aggregation == "aip":
        for v in nodes:
            EL = expert_local[v]
            badk = [k for k in np.flatnonzero(node_w[v] > 0) if np.isnan(EL[k]).any()]
            if badk and EL.shape[-1] >= 2:
                raise InputError(
                    "AIP needs each expert's own weights, but this expert's comparisons at "
                    "the node are disconnected. Use aggregation 'aij' or complete the "
                    "matrix.", node=v, expert=experts[badk[0]])
    return expert_local


def engine_tables(effective: dict[str, np.ndarray], node_w: dict[str, np.ndarray],
                   expert_local: dict[str, np.ndarray], nodes: tuple[str, ...],
                   opts: PanelOptions) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Per node, columns of weighted log judgments (AIJ) or log weights (AIP) per expert:
    any resample's aggregate is its expert count vector times these tables.
    """
    num_cols, den_cols, cuts = [], [], [0]
    K = next(iter(node_w.values())).shape[0] if node_w else 0
    for v in nodes:
        S = effective[v]
        n = S.shape[-1]
        w = node_w[v][:, None]
        if opts.aggregation == "aij":
            num, den = aij_terms(S, node_w[v])
            num_cols.append(num.reshape(K, n * n))
            den_cols.append(den.reshape(K, n * n))
        else:
            EL = expert_local[v]
            given = ~np.isnan(EL)
            X = np.log(EL) if opts.aip_mean == "geometric" else EL
            num_cols.append(np.where(given, X, 0.0) * w)
            den_cols.append(given * w)
        cuts.append(cuts[-1] + num_cols[-1].shape[1])
    num_t = np.concatenate(num_cols, axis=1) if num_cols else np.zeros((K, 0))
    den_t = np.concatenate(den_cols, axis=1) if den_cols else np.zeros((K, 0))
    return num_t, den_t, cuts


def aggregate_matrices(engine: Engine, hierarchy: Hierarchy) -> dict[str, np.ndarray | None]:
    """The aggregate (AIJ) matrix of every node for the whole panel (``None`` under AIP)."""
    num_t, den_t, cuts = engine.tables
    ones = np.ones((1, num_t.shape[0]))
    num1, den1 = ones @ num_t, ones @ den_t
    agg: dict[str, np.ndarray | None] = {}
    for j, v in enumerate(engine.nodes):
        n = len(hierarchy.children(v))
        if engine.aggregation != "aij":
            agg[v] = None
            continue
        sl = slice(cuts[j], cuts[j + 1])
        agg[v] = aij_from_terms(num1[0, sl].reshape(n, n), den1[0, sl].reshape(n, n))
    return agg
