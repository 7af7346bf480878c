"""The synthesis engine: every decision maker's local priorities at every node, prepared
once, the group's by AIP or AIJ, the hierarchic composition, for a batch of decision-maker
weights at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ahpstat._validation import InputError
from ahpstat.aggregation import aij_from_terms, aij_terms
from ahpstat.alternatives._options import DecisionOptions
from ahpstat.io import DecisionData, Preference
from ahpstat.pairwise import comparison_graph_components, is_connected
from ahpstat.weighting import INCOMPLETE_METHOD, weights


class Node:
    """One judged node's per-decision-maker inputs, prepared once."""

    def __init__(self, node: str, elements: tuple[str, ...], prefs: Mapping[str, Preference],
                 dms: tuple[str, ...], weights: np.ndarray, opts: DecisionOptions,
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


def _own_priorities(p: Preference, opts: DecisionOptions, node: str, dm: str) -> np.ndarray:
    if p.kind != "pairwise":
        return p.priorities()
    assert p.matrix is not None
    return _weight_batch(np.array(p.matrix)[None], opts, node, p.elements, dm)[0]


def _weight_batch(A: np.ndarray, opts: DecisionOptions, node: str,
                  elements: Sequence[str], dm: str | None = None) -> np.ndarray:
    """Weights of a batch of matrices (B, n, n); incomplete ones completed or weighted by
    the incomplete variant of the method; a disconnected one is an InputError.
    """
    missing = np.isnan(A)
    if not missing.any():
        return weights(A, method=opts.weighting, validate=False).weights
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
        out[full] = weights(A[full], method=opts.weighting, validate=False).weights
    part = ~full
    if opts.completion is not None:
        out[part] = weights(A[part], method=opts.weighting, completion=opts.completion).weights
    else:
        out[part] = weights(A[part], method=INCOMPLETE_METHOD[opts.weighting],
                            validate=False).weights
    return out


class Engine:
    """The model prepared for evaluation: per node inputs, the synthesis for any counts."""

    def __init__(self, data: DecisionData, opts: DecisionOptions) -> None:
        self.data = data
        self.opts = opts
        h = data.hierarchy
        self.tree = h
        self.dms = data.decision_makers
        self.nodes: dict[str, Node] = {}
        for v in h.nodes:
            els = data.elements(v)
            self.nodes[v] = Node(v, els, data.preferences.get(v, {}), self.dms,
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


def one_hot(K: int, k: int) -> np.ndarray:
    c = np.zeros((1, K))
    c[0, k] = 1.0
    return c
