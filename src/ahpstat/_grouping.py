"""Frequencies that are equal within groups of units (a cluster bootstrap counts every
respondent of a resampled community as often as the community): found exactly, so that
a sum over units weighted by such frequencies can be taken over the groups' sums instead.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import sparse

__all__ = ["equal_columns", "group_indicator"]


@functools.lru_cache(maxsize=8)
def _hash_weights(B: int) -> np.ndarray:
    """Fixed weights for hashing frequency columns (square roots; a collision only costs
    the grouping, the equality itself is checked exactly).
    """
    return np.sqrt(np.arange(2.0, B + 2.0))


def equal_columns(flat: np.ndarray, max_share: float = 0.25
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """Groups of equal columns of ``flat`` (B, m): ``(code, first)`` with
    ``flat[:, r] == flat[:, first[code[r]]]`` for every column ``r``, groups numbered in
    order of first appearance (so one grouping always gets the same codes).

    ``None`` when there are more than ``max_share * m`` groups (not worth it) or on a hash
    collision (the equality is checked exactly).

    Examples
    --------
    >>> code, first = equal_columns(np.array([[2.0, 0, 2, 2, 0, 2, 1, 1]]), max_share=0.5)
    >>> code.tolist(), first.tolist()
    ([0, 1, 0, 0, 1, 0, 2, 2], [0, 1, 6])
    >>> equal_columns(np.array([[1.0, 2, 3, 4]])) is None
    True
    """
    B, m = flat.shape
    if B == 0 or m < 2:
        return None
    key = flat.T @ _hash_weights(B)
    _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    if first.size > max_share * m:
        return None
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    code, first = rank[inv.ravel()], first[order]
    if not np.array_equal(flat[:, first[code]], flat):
        return None
    return code, first


def group_indicator(code: np.ndarray, k: int) -> sparse.csr_matrix:
    """The (k, m) 0/1 matrix of unit ``r`` in group ``code[r]``.

    Examples
    --------
    >>> group_indicator(np.array([0, 1, 0]), 2).toarray()
    array([[1., 0., 1.],
           [0., 1., 0.]])
    """
    m = code.size
    return sparse.csr_matrix((np.ones(m), (code, np.arange(m))), shape=(k, m))
