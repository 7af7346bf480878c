"""Frequencies that are equal within groups of units (a cluster bootstrap counts every
respondent of a resampled community as often as the community): found exactly, so that
a sum over units weighted by such frequencies can be taken over the groups' sums instead.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from scipy import sparse

__all__ = ["Grouped", "equal_columns", "exact_integer_sums", "group_indicator",
           "indicator_by_rows"]


class Grouped(NamedTuple):
    """Frequencies ``(..., m)`` equal within known groups of the ``m`` units, kept as the
    groups' frequencies: unit ``r`` counts ``weights[..., code[r]]`` times; ``first[c]`` is
    the first unit of group ``c`` (groups numbered in order of first appearance, as
    :func:`equal_columns` numbers them). A one-stage cluster bootstrap knows this grouping
    (every respondent of a drawn community counted as often as the community), so its
    frequencies need neither the dense ``(resamples, respondents)`` matrix nor the search
    for equal columns.

    Examples
    --------
    >>> f = Grouped.of(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([1, 0, 1]))
    >>> f.shape, f.dense().tolist()
    ((2, 3), [[0.0, 2.0, 0.0], [1.0, 1.0, 1.0]])
    >>> f.weights.tolist(), f.code.tolist(), f.first.tolist()
    ([[0.0, 2.0], [1.0, 1.0]], [0, 1, 0], [0, 1])
    """

    weights: np.ndarray
    code: np.ndarray
    first: np.ndarray

    @classmethod
    def of(cls, unit_weights: np.ndarray, units: np.ndarray) -> Grouped:
        """From the frequencies ``(..., k)`` of ``k`` units (clusters) and each unit's
        cluster ``units`` (m,): the clusters renumbered by first appearance.
        """
        uniq, first = np.unique(units, return_index=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty(order.size, dtype=np.intp)
        rank[order] = np.arange(order.size)
        code = rank[np.searchsorted(uniq, units)]
        return cls(np.ascontiguousarray(np.asarray(unit_weights, dtype=float)[..., uniq[order]]),
                   code, first[order])

    @property
    def shape(self) -> tuple[int, ...]:
        return (*self.weights.shape[:-1], self.code.size)

    def dense(self) -> np.ndarray:
        """The frequencies as a ``(..., m)`` array."""
        return self.weights[..., self.code]


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


def indicator_by_rows(given: np.ndarray, cell: np.ndarray, n_cells: int) -> sparse.csr_matrix:
    """The (n_cells, m) 0/1 matrix with a 1 at (``cell[i, j]``, ``i``) for every
    ``given[i, j]`` of the (m, n) mask, ``cell`` increasing along each row of the mask.

    The matrix ``csr_matrix((ones, (cells, units)))`` makes from the cells listed unit by
    unit, entry for entry (each row's units in increasing order), built as the transpose of
    the units' rows: no sort of the entries (the share and level matrices of 10^5
    respondents x 57 items).

    Examples
    --------
    >>> given = np.array([[True, True], [False, True], [True, False]])
    >>> indicator_by_rows(given, np.array([[0, 3], [1, 2], [1, 2]]), 4).toarray()
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.],
           [1., 0., 0.]])
    """
    indptr = np.concatenate([[0], np.cumsum(given.sum(axis=1))])
    by_unit = sparse.csr_matrix((np.ones(int(indptr[-1])), cell[given], indptr),
                                shape=(given.shape[0], n_cells))
    return by_unit.T.tocsr()


def exact_integer_sums(F: np.ndarray, m: int) -> bool:
    """Whether sums of products of ``F``'s entries with integer counts of at most ``m``
    units are exact in any order of summation (so a dense product gives a sparse one's
    floats): ``F`` holds integers, no ``-0.0`` (a sum of ``-0.0`` products may start from
    ``+0.0`` or not), and ``|F| * m < 2**53``.

    Examples
    --------
    >>> exact_integer_sums(np.array([[0.0, 3.0], [1.0, 2.0]]), 100)
    True
    >>> exact_integer_sums(np.array([0.5]), 100), exact_integer_sums(np.array([-0.0]), 1)
    (False, False)
    """
    F = np.asarray(F, dtype=float)
    if F.size == 0:
        return True
    return bool(np.all(F == np.floor(F)) and not np.signbit(F).any()
                and np.abs(F).max() * max(m, 1) < 2.0**53)
