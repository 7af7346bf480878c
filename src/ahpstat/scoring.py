"""Composite scores of a weighted hierarchy from survey item means (numpy core).

The composite score (docs/methods.md, as in the seed study): the score of node ``v`` is

    score_v = sum over leaves l under v of (g_l / g_v) * mean_l,   g_v = sum of g_l under v,

with ``g_l`` the leaves' global weights and ``mean_l`` the item means. A score is linear in
the item means, so per-respondent (or per-group) sufficient statistics -- sums and counts of
the answers -- are all any resample needs.

Arrays: ``membership`` is the (nodes, leaves) 0/1 matrix of ``Hierarchy.membership()``;
``leaf_weights`` has the leaves on the last axis, batched over leading axes (e.g. resamples);
``item_means`` has the leaves on the last axis and may carry groups before it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._warnings import DegenerateDataWarning, warn

__all__ = ["composite_scores", "cronbach_alpha", "item_sums_counts", "means_from_sums"]


def composite_scores(
    leaf_weights: ArrayLike, item_means: ArrayLike, membership: ArrayLike
) -> np.ndarray:
    """Scores of every node: the weight-averaged item means of its leaves.

    Parameters
    ----------
    leaf_weights : array_like, shape (..., L)
        Global weights of the leaves (need not sum to 1; only ratios within a subtree matter).
    item_means : array_like, shape (..., L) or (..., G, L)
        Item means (overall, or per group G); leading axes broadcast with ``leaf_weights``'s.
    membership : array_like, shape (N, L)
        ``membership[v, l] = 1`` if leaf ``l`` lies under node ``v`` (a leaf is under itself).

    Returns
    -------
    ndarray, shape (..., N) or (..., G, N)
        Node scores (``NaN`` where an item mean is missing).

    Examples
    --------
    Goal over two criteria (weights 0.6, 0.4); criterion 1 has two items (0.3, 0.3):

    >>> M = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    >>> composite_scores([0.3, 0.3, 0.4], [4.0, 3.0, 5.0], M)
    array([4.1, 3.5, 5. , 4. , 3. , 5. ])
    """
    g = np.asarray(leaf_weights, dtype=float)
    m = np.asarray(item_means, dtype=float)
    M = np.asarray(membership, dtype=float)
    if M.ndim != 2 or M.shape[1] != g.shape[-1] or m.shape[-1] != g.shape[-1]:
        raise ValueError(
            "`membership` must be (nodes, leaves) with leaves matching `leaf_weights` and "
            f"`item_means`; got shapes {M.shape}, {g.shape}, {m.shape} instead."
        )
    if m.ndim > g.ndim:  # groups axis present
        g = g[..., None, :]
    num = (g * m) @ M.T
    den = g @ M.T
    return num / den


def item_sums_counts(
    answers: ArrayLike, groups: ArrayLike | None = None, n_groups: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-group sums and counts of the answers (missing = ``NaN`` is skipped).

    Parameters
    ----------
    answers : array_like, shape (R, L)
        One row per respondent.
    groups : array_like of int, shape (R,), optional
        Group code 0..G-1 of each respondent (one group when omitted).
    n_groups : int, optional
        Number of groups (default: ``max(groups) + 1``).

    Returns
    -------
    sums, counts : ndarray, shape (G, L)

    Examples
    --------
    >>> s, c = item_sums_counts([[1, np.nan], [3, 4]], groups=[0, 0])
    >>> means_from_sums(s, c)
    array([[2., 4.]])
    """
    X = np.asarray(answers, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"`answers` must be (respondents, items); got shape {X.shape} instead.")
    given = ~np.isnan(X)
    X0 = np.where(given, X, 0.0)
    if groups is None:
        return X0.sum(axis=0)[None], given.sum(axis=0)[None].astype(float)
    gidx = np.asarray(groups)
    G = int(gidx.max()) + 1 if n_groups is None else int(n_groups)
    onehot = np.zeros((G, X.shape[0]))
    onehot[gidx, np.arange(X.shape[0])] = 1.0
    return onehot @ X0, onehot @ given.astype(float)


def means_from_sums(sums: ArrayLike, counts: ArrayLike) -> np.ndarray:
    """Available-case means ``sums / counts`` (``NaN`` where nobody answered).

    Examples
    --------
    >>> means_from_sums([[6.0, 0.0]], [[2.0, 0.0]])
    array([[ 3., nan]])
    """
    s = np.asarray(sums, dtype=float)
    c = np.asarray(counts, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / np.where(c > 0, c, 1.0), np.nan)


def cronbach_alpha(answers: ArrayLike) -> float:
    """Cronbach's alpha of a set of items (listwise deletion of incomplete respondents).

    ``alpha = k / (k - 1) * (1 - sum_i var_i / var_total)`` with sample variances
    (``ddof=1``), Cronbach (1951). ``NaN`` with a warning when it is undefined (fewer than two
    items or complete respondents, or zero total variance).

    Examples
    --------
    >>> round(cronbach_alpha([[1, 2], [2, 3], [3, 3], [4, 5]]), 4)
    0.96
    """
    X = np.asarray(answers, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"`answers` must be (respondents, items); got shape {X.shape} instead.")
    X = X[~np.isnan(X).any(axis=1)]
    k = X.shape[1]
    if k < 2 or X.shape[0] < 2:
        warn("Cronbach's alpha needs at least 2 items and 2 complete respondents; NaN.",
             DegenerateDataWarning)
        return float("nan")
    total = X.sum(axis=1).var(ddof=1)
    if total == 0:
        warn("Cronbach's alpha is undefined when the total score has no variance; NaN.",
             DegenerateDataWarning)
        return float("nan")
    return float(k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / total))
