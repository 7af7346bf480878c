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

from collections.abc import Iterator

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
    R, L = X.shape
    gidx = None
    G = 1
    if groups is not None:
        gidx = np.asarray(groups)
        if gidx.shape != (R,) or (R and (not np.issubdtype(gidx.dtype, np.integer)
                                         or gidx.min() < 0)):
            raise ValueError("`groups` must hold one non-negative integer code per "
                             f"respondent; got shape {gidx.shape}, dtype {gidx.dtype} instead.")
        G = (int(gidx.max()) + 1 if R else 0) if n_groups is None else int(n_groups)
        if R and int(gidx.max()) >= G:
            raise ValueError(f"`groups` must be codes 0..{G - 1} (`n_groups` = {G}); got "
                             f"{int(gidx.max())} instead.")
    sums = np.zeros((G, L))
    counts = np.zeros((G, L))
    cells = np.arange(L)
    for lo, x in _row_chunks(X):  # a few MiB of temporaries, whatever the survey's size
        given = ~np.isnan(x)
        x0 = np.where(given, x, 0.0)
        if gidx is None:
            sums[0] += x0.sum(axis=0)
            counts[0] += given.sum(axis=0)
        else:
            flat = (gidx[lo:lo + len(x), None] * L + cells).ravel()
            sums += np.bincount(flat, weights=x0.ravel(), minlength=G * L).reshape(G, L)
            counts += np.bincount(flat, weights=given.ravel().astype(float),
                                  minlength=G * L).reshape(G, L)
    return sums, counts


def _row_chunks(X: np.ndarray, cells: int = 1 << 18) -> Iterator[tuple[int, np.ndarray]]:
    """``(first row, block of rows)`` of ``X`` in blocks of about ``cells`` entries (views)."""
    step = max(1, cells // max(X.shape[1], 1))
    for lo in range(0, X.shape[0], step):
        yield lo, X[lo:lo + step]


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


def cronbach_alpha(answers: ArrayLike, items: ArrayLike | None = None) -> float:
    """Cronbach's alpha of a set of items (listwise deletion of incomplete respondents).

    ``alpha = k / (k - 1) * (1 - sum_i var_i / var_total)`` with sample variances
    (``ddof=1``), Cronbach (1951). ``NaN`` with a warning when it is undefined (fewer than two
    items or complete respondents, or zero total variance).

    Parameters
    ----------
    answers : array_like, shape (R, L)
        One row per respondent (``NaN`` = missing).
    items : array_like of int, optional
        The columns of ``answers`` that form the scale (default: all). The variances are
        computed in two passes over blocks of rows, so no copy of the selected columns is
        made (a survey of 10^6 respondents costs a few MiB here).

    Examples
    --------
    >>> round(cronbach_alpha([[1, 2], [2, 3], [3, 3], [4, 5]]), 4)
    0.96
    >>> round(cronbach_alpha([[1, 9, 2], [2, 9, 3], [3, 9, 3], [4, 9, 5]], items=[0, 2]), 4)
    0.96
    """
    X = np.asarray(answers, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"`answers` must be (respondents, items); got shape {X.shape} instead.")
    cols = np.arange(X.shape[1]) if items is None else np.asarray(items, dtype=np.intp)
    k = len(cols)
    n, s_item, s_total = 0, np.zeros(k), 0.0
    for _, x in _row_chunks(X):  # pass 1: complete rows, item sums, total sum
        x = x[:, cols]
        x = x[~np.isnan(x).any(axis=1)]
        n += len(x)
        s_item += x.sum(axis=0)
        s_total += float(x.sum())
    if k < 2 or n < 2:
        warn("Cronbach's alpha needs at least 2 items and 2 complete respondents; NaN.",
             DegenerateDataWarning)
        return float("nan")
    m_item, m_total = s_item / n, s_total / n
    ss_item, ss_total = np.zeros(k), 0.0
    for _, x in _row_chunks(X):  # pass 2: squared deviations
        x = x[:, cols]
        x = x[~np.isnan(x).any(axis=1)]
        ss_item += ((x - m_item) ** 2).sum(axis=0)
        ss_total += float(((x.sum(axis=1) - m_total) ** 2).sum())
    total = ss_total / (n - 1)
    if total == 0:
        warn("Cronbach's alpha is undefined when the total score has no variance; NaN.",
             DegenerateDataWarning)
        return float("nan")
    return float(k / (k - 1) * (1 - (ss_item / (n - 1)).sum() / total))
