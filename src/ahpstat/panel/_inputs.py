"""The panel's inputs: every node's stack over all experts, who judged it, one expert's weights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._validation import InputError
from ahpstat.hierarchy import Hierarchy
from ahpstat.pairwise import is_connected
from ahpstat.weighting import INCOMPLETE_METHOD, weights

__all__ = ["expert_weights_one", "experts_present", "full_stacks", "panel_experts"]


def panel_experts(stacks: Mapping[str, tuple[Sequence[str], ArrayLike]],
                   hierarchy: Hierarchy, experts: Sequence[str] | None) -> tuple[str, ...]:
    """The experts in order (default: first appearance over the nodes); at least one."""
    if experts is None:
        seen: dict[str, None] = {}
        for node in hierarchy.internal:
            if node in stacks:
                for e in stacks[node][0]:
                    seen.setdefault(str(e), None)
        experts = tuple(seen)
    out = tuple(str(e) for e in experts)
    if not out:
        raise InputError("the panel has no expert judgments. Got 0 experts instead.")
    return out


def full_stacks(stacks, hierarchy, experts):
    """Node -> (K, n, n) over all experts (all-NaN rows for an absent expert)."""
    pos = {e: k for k, e in enumerate(experts)}
    K = len(experts)
    out = {}
    for node in hierarchy.internal:
        n = len(hierarchy.children(node))
        full = np.full((K, n, n), np.nan)
        full[:, np.arange(n), np.arange(n)] = 1.0
        if node in stacks:
            ex, S = stacks[node]
            S = np.asarray(S, dtype=float)
            if S.shape != (len(ex), n, n):
                raise ValueError(f"stack of node {node!r} must have shape ({len(ex)}, {n}, {n});"
                                 f" got {S.shape} instead.")
            for e, M in zip(ex, S, strict=True):
                full[pos[e]] = M
        out[node] = full
    return out


def experts_present(full: np.ndarray) -> np.ndarray:
    """(K,) whether each expert gave at least one judgment at this node."""
    n = full.shape[-1]
    if n == 1:
        return np.ones(full.shape[0], dtype=bool)
    off = ~np.eye(n, dtype=bool)
    return (~np.isnan(full[:, off])).any(axis=-1)


def expert_weights_one(A: np.ndarray, method: str) -> np.ndarray:
    if np.isnan(A).any():
        if not is_connected(~np.isnan(A)):
            return np.full(A.shape[-1], np.nan)
        method = INCOMPLETE_METHOD[method]
    return weights(A, method=method, validate=False).weights
