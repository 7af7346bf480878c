"""A vectorized panel re-run for the tests and benchmarks (not part of the package).

The study pipeline supplies its own panel re-run (its aggregation rule and inconsistency
policy). This one is the simplest honest case, batched over resamples: AIJ (element-wise
geometric mean of the resampled experts' complete matrices) followed by row-geometric-mean
weighting, for every internal node, then global weights by products along the paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np


def aij_geometric_sampler(
    stacks: Mapping[int, np.ndarray], parents: Sequence[int], leaves: Sequence[int], *,
    via: str = "counts",
) -> Callable[[np.ndarray], np.ndarray]:
    """Return ``sampler(expert_index (B, k)) -> leaf global weights (B, L)``.

    ``stacks[v]`` is the ``(K, n, n)`` stack of complete matrices of internal node ``v`` whose
    children, in increasing node index, are the rows; ``parents[v]`` is the parent index
    (``-1`` for the root); nodes are in pre-order (a parent before its children).

    ``via="stack"`` gathers the resampled stacks ``(B, k, n, n)``, takes their element-wise
    geometric mean (AIJ) and its row geometric mean. ``via="counts"`` computes the same
    numbers from the structure: the log row-geometric-mean of the geometric AIJ matrix is the
    mean of the experts' log row means (AIJ/AIP identity, docs/methods.md), so a resample is
    the expert count vector times a (K, n) table -- one matrix product for all nodes.
    """
    parents = np.asarray(parents)
    n_nodes = parents.size
    children = {v: np.flatnonzero(parents == v) for v in range(n_nodes)}
    logs = {v: np.log(np.asarray(s, dtype=float)) for v, s in stacks.items()}
    leaves = np.asarray(leaves)
    if via == "counts":
        order = sorted(logs)
        table = np.concatenate([logs[v].mean(axis=-1) for v in order], axis=1)  # (K, sum n)
        K = table.shape[0]
        cuts = np.cumsum([0] + [logs[v].shape[-1] for v in order])

        def sampler_counts(idx: np.ndarray) -> np.ndarray:
            idx = np.asarray(idx)
            B, k = idx.shape
            cnt = np.zeros((B, K))
            np.add.at(cnt, (np.repeat(np.arange(B), k), idx.ravel()), 1.0)
            lw_all = (cnt @ table) / k
            g = np.ones((B, n_nodes))
            pos = dict(zip(order, range(len(order)), strict=True))
            for v in range(n_nodes):
                ch = children[v]
                if ch.size == 0:
                    continue
                if ch.size == 1:
                    g[:, ch[0]] = g[:, v]
                    continue
                j = pos[v]
                lw = lw_all[:, cuts[j]:cuts[j + 1]]
                w = np.exp(lw - lw.max(axis=-1, keepdims=True))
                w /= w.sum(axis=-1, keepdims=True)
                g[:, ch] = g[:, v, None] * w
            return g[:, leaves]

        return sampler_counts

    def sampler(idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx)
        B = idx.shape[0]
        g = np.ones((B, n_nodes))
        for v in range(n_nodes):
            ch = children[v]
            if ch.size == 0:
                continue
            if ch.size == 1:
                g[:, ch[0]] = g[:, v]
                continue
            la = logs[v][idx].mean(axis=1)  # (B, n, n): log of the AIJ matrix
            lw = la.mean(axis=-1)  # row geometric mean (log)
            w = np.exp(lw - lw.max(axis=-1, keepdims=True))
            w /= w.sum(axis=-1, keepdims=True)
            g[:, ch] = g[:, v, None] * w
        return g[:, leaves]

    return sampler


def seed_like_tree(
    shape: Sequence[Sequence[int]] = ((3, 3, 3, 3, 3, 3, 4), (2, 3, 3, 2, 3, 2, 2, 3, 3, 3, 3,
                                                               3, 2, 3, 2, 3, 2, 3, 2, 3, 3, 2)),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A goal -> 7 criteria -> 22 indicators -> 57 items tree (the seed study's sizes).

    Returns ``parents`` (N,), ``leaves`` (L,) node indices and ``membership`` (N, L), nodes in
    pre-order.
    """
    level1, level2 = shape
    parents = [-1]
    it2 = iter(level2)

    def add(parent: int) -> int:
        parents.append(parent)
        return len(parents) - 1

    for n_c in level1:
        c = add(0)
        for _ in range(n_c):
            d = add(c)
            for _ in range(next(it2)):
                add(d)
    par = np.array(parents)
    n = par.size
    is_leaf = np.array([not np.any(par == v) for v in range(n)])
    leaves = np.flatnonzero(is_leaf)
    M = np.zeros((n, leaves.size))
    for j, leaf in enumerate(leaves):
        v = leaf
        while v >= 0:
            M[v, j] = 1.0
            v = par[v]
    return par, leaves, M


def random_panel(
    parents: np.ndarray, n_experts: int, rng: np.random.Generator, *, spread: float = 0.4,
    true_log_weights: Mapping[int, np.ndarray] | None = None,
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Experts' complete matrices around true priorities (log-normal judgment errors).

    Returns ``stacks`` (node -> (K, n, n)) and the true local log-weights (node -> (n,)).
    """
    parents = np.asarray(parents)
    stacks, truth = {}, {}
    for v in range(parents.size):
        ch = np.flatnonzero(parents == v)
        if ch.size < 2:
            continue
        mu = (rng.normal(0, 0.5, ch.size) if true_log_weights is None
              else np.asarray(true_log_weights[v]))
        mu = mu - mu.mean()
        truth[v] = mu
        theta = mu + rng.normal(0, spread, (n_experts, ch.size))  # each expert's priorities
        eps = rng.normal(0, spread / 2, (n_experts, ch.size, ch.size))
        eps = np.triu(eps, 1)
        eps = eps - eps.transpose(0, 2, 1)
        stacks[v] = np.exp(theta[:, :, None] - theta[:, None, :] + eps)
    return stacks, truth

