"""What a shared decision matrix contributes to every resample, computed once and cached
(:class:`Shared`, :func:`shared_summary`): the answer counts of each item's levels and the
cross sums of the correlations, over units or over groups of units.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, NamedTuple

import numpy as np

from ahpstat._grouping import (
    Grouped,
    equal_columns,
    exact_integer_sums,
    group_indicator,
    indicator_by_rows,
)
from ahpstat._memo import memo
from ahpstat._threads import one_blas_thread

__all__ = ["MAX_LEVELS", "Shared", "Sums", "dyadic_centre", "shared_summary"]

#: above this many distinct values in an item, its values are kept row by row
MAX_LEVELS = 64


class Shared:
    """What a shared (m, n) matrix contributes to every resample, computed once.

    For a batch of frequencies (..., m): the answer counts of each item's distinct values
    (one sparse product; ``None`` above :data:`MAX_LEVELS` values) and the cross sums of the
    correlations -- ``sum f x_j x_k`` by one dense product over the pairs ``j <= k`` (the
    values centred), and ``sum f [j, k answered]``, ``sum f x_j [k answered]``,
    ``sum f x_j^2 [k answered]`` as complete-data sums minus sparse corrections over the
    missing cells (few in a survey).

    Frequencies that are equal within groups of units (a cluster bootstrap: every respondent
    of a resampled community counted as often as the community) are summed over the groups
    instead: each sum is the groups' sums (computed once per grouping) weighted by the
    groups' frequencies, so a block of resamples costs (resamples x groups) instead of
    (resamples x units) products. The values are centred on their mean rounded to a power
    of two below their range over 64 (no cancellation either way): Likert answers centred
    so are multiples of 1/16, their products and integer-frequency sums exact in binary, so
    that the sums over groups are the sums over units bit for bit (tested).
    """

    def __init__(self, A: np.ndarray) -> None:
        from scipy import sparse

        m, n = A.shape
        self.m, self.n = m, n
        P = ~np.isnan(A)
        AT = np.ascontiguousarray(A.T)            # the items as contiguous rows
        PT = ~np.isnan(AT)
        uniq = [np.unique(AT[j][PT[j]]) for j in range(n)]
        q = max(1, max(u.size for u in uniq))
        self.levels: np.ndarray | None = None
        if q <= MAX_LEVELS:
            vals = np.full((n, q), np.nan)
            level = np.empty((n, m), dtype=np.intp)
            for j, u in enumerate(uniq):
                vals[j, :u.size] = u
                level[j] = np.searchsorted(u, AT[j])  # (a missing answer's is not used)
            self.levels, self.q = vals, q
            # each given answer's (item, level) column and unit, item by item: the counts
            # of a grouping of the units by one bincount (:meth:`_group_sums`)
            self._given = (((np.arange(n) * q)[:, None] + level)[PT], np.nonzero(PT)[1])
            self._level = (P, level)
        self._onehot_t: Any = None
        self._group_onehot: dict[bytes, Any] = {}
        X0 = np.where(P, A - dyadic_centre(A), 0.0)              # centred: no cancellation
        self.X0, self.X0sq = X0, X0**2
        self.iu, self.ju = np.triu_indices(n)
        self._prod: np.ndarray | None = None
        self._groupings: dict[bytes, Sums] = {}
        self.Qf = (~P).astype(float)
        self.c_x: Any = None
        self.c_xx: Any = None
        self.c_qq: Any = None
        self.missing = bool(self.Qf.any())
        if self.missing:
            i, k = np.nonzero(~P)                                  # the missing cells (i, k)
            rows_ = np.repeat(i, n)
            j_ = np.tile(np.arange(n), i.size)
            cols_ = j_ * n + np.repeat(k, n)                       # (j, k) flattened

            def mat(values: np.ndarray) -> Any:
                return sparse.csr_matrix((values, (cols_, rows_)), shape=(n * n, m))

            xj = X0[rows_, j_]
            self.c_x, self.c_xx = mat(xj), mat(xj**2)
            self.c_qq = mat(self.Qf[rows_, j_])

    @property
    def onehot_t(self) -> Any:
        """The units' (n q, m) answer-level indicators (sparse), made on first use: sums
        over groups of units take the groups' counts instead (:meth:`level_counts`).
        """
        if self._onehot_t is None and self.levels is not None:
            P, level = self._level
            self._onehot_t = indicator_by_rows(P, (np.arange(self.n) * self.q)[None, :]
                                               + level.T, self.n * self.q)
        return self._onehot_t

    @property
    def prod(self) -> np.ndarray:
        """``x_j x_k`` of every unit and pair ``j <= k`` (m, n (n + 1) / 2), made on first
        use (a cluster bootstrap never needs it: 1.3 GB at 10^5 respondents x 57 items).
        """
        if self._prod is None:
            self._prod = np.ascontiguousarray(self.X0[:, self.iu] * self.X0[:, self.ju])
        return self._prod

    def _units(self, f: Any) -> tuple[np.ndarray, Sums]:
        """``(frequencies, sums)``: the groups' frequencies (B, k) and sums when the units'
        frequencies ``f`` (..., m) are equal within groups of units (a
        :class:`~ahpstat._grouping.Grouped`, or found by
        :func:`~ahpstat._grouping.equal_columns`), else ``f`` flattened to (B, m) with the
        units' own sums.
        """
        if isinstance(f, Grouped):
            w, code, first = f.weights.reshape(-1, f.weights.shape[-1]), f.code, f.first
        else:
            flat = f.reshape(-1, self.m)
            codes = equal_columns(flat)
            if codes is None:
                return flat, Sums(self.prod, self.X0, self.X0sq, self.Qf, self.c_x, self.c_xx,
                                  self.c_qq, np.ones(self.m))
            code, first = codes
            w = flat[:, first]
        key = code.tobytes()
        sums = self._groupings.pop(key, None)
        if sums is None:
            sums = self._group_sums(code, first.size)
            if len(self._groupings) >= 4:  # the estimate's, the resamples', the jackknife's
                self._groupings.pop(next(iter(self._groupings), b""), None)
        self._groupings[key] = sums  # most recently used last
        return w, sums

    @one_blas_thread  # many small products: threaded BLAS spun 10-60x their CPU time
    def _group_sums(self, code: np.ndarray, k: int) -> Sums:
        from scipy import sparse

        G = group_indicator(code, k)
        order = np.argsort(code, kind="stable")
        ends = np.cumsum(np.bincount(code, minlength=k))
        Xs = self.X0[order]
        prod = np.empty((k, self.iu.size))
        for g in range(k):
            Xg = Xs[(ends[g - 1] if g else 0):ends[g]]
            prod[g] = (Xg.T @ Xg)[self.iu, self.ju]

        def by_group(S: Any) -> Any:
            return None if S is None else sparse.csr_matrix(S @ G.T)

        counts = None
        if self.levels is not None:  # each group's answers per (item, level): integers
            cell, unit = self._given
            counts = (np.bincount(cell * k + code[unit], minlength=self.n * self.q * k)
                      .astype(float).reshape(self.n * self.q, k))
        return Sums(prod, np.asarray(G @ self.X0), np.asarray(G @ self.X0sq),
                     np.asarray(G @ self.Qf), by_group(self.c_x), by_group(self.c_xx),
                     by_group(self.c_qq), np.asarray(G.sum(axis=1)).ravel(), counts, code)

    def level_counts(self, f: np.ndarray) -> np.ndarray:
        w, S = self._units(f)
        if S.counts is not None and exact_integer_sums(w, self.m):
            # integer frequencies: the groups' counts times them, exact sums in any order --
            # the floats of the sparse product below
            c = (S.counts @ w.T).T
        else:
            c = np.asarray((self._level_indicator(S) @ w.T).T)
        return c.reshape(*f.shape[:-1], self.n, self.q)

    def _level_indicator(self, S: Sums) -> Any:
        """The (n q, units or groups) answer-level indicators of ``S``'s units: the
        units' own, or their product with a grouping's indicator (made on first use).
        """
        if S.code is None:
            return self.onehot_t
        from scipy import sparse

        key = S.code.tobytes()
        made = self._group_onehot  # one read: another thread may replace it meanwhile
        if key in made:
            return made[key]
        G = group_indicator(S.code, S.size.size)
        ind = sparse.csr_matrix(self.onehot_t @ G.T)
        self._group_onehot = {key: ind}  # the last grouping only
        return ind

    def cross_sums(self, f: np.ndarray) -> tuple[np.ndarray, ...]:
        n = self.n
        w, S = self._units(f)
        B = w.shape[0]
        half = w @ S.prod
        sxy = np.empty((B, n, n))
        sxy[:, self.iu, self.ju] = half
        sxy[:, self.ju, self.iu] = half
        N = (w @ S.size)[:, None, None]
        s1 = (w @ S.X0)[:, :, None]
        s2 = (w @ S.X0sq)[:, :, None]
        if not self.missing:
            nn = np.broadcast_to(N, (B, n, n))
            sx = np.broadcast_to(s1, (B, n, n))
            sxx = np.broadcast_to(s2, (B, n, n))
        else:
            def corr(C: Any) -> np.ndarray:
                return np.asarray((C @ w.T).T).reshape(B, n, n)

            sx = s1 - corr(S.c_x)
            sxx = s2 - corr(S.c_xx)
            qv = w @ S.Qf                                          # (B, n)
            nn = N - qv[:, :, None] - qv[:, None, :] + corr(S.c_qq)
        shape = (*f.shape[:-1], n, n)
        return (sxy.reshape(shape), np.reshape(nn, shape), np.reshape(sx, shape),
                np.reshape(sxx, shape))


class Sums(NamedTuple):
    """The sums :class:`Shared` weights by frequencies, over units or over groups of them:
    pair products, centred values and their squares, missing indicators, the missing-cell
    corrections, unit counts (the answer-level indicators: :meth:`Shared._level_indicator`).
    """

    prod: np.ndarray
    X0: np.ndarray
    X0sq: np.ndarray
    Qf: np.ndarray
    c_x: Any
    c_xx: Any
    c_qq: Any
    size: np.ndarray
    #: a grouping's answer counts per (item, level) and group (n q, k), and the grouping
    counts: np.ndarray | None = None
    code: np.ndarray | None = None


def dyadic_centre(A: np.ndarray) -> np.ndarray:
    """Each column's mean rounded to a multiple of a power of two between its range / 128
    and its range / 64 (:class:`Shared`); the mean itself for a constant column, 0 for an
    empty one.

    Examples
    --------
    >>> dyadic_centre(np.array([[1.0, 2.0], [2.0, 2.0], [5.0, 2.0]]))  # range 4: 1/16
    array([2.6875, 2.    ])
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)           # an item nobody answered
        mean = np.nan_to_num(np.nanmean(A, axis=0))
        span = np.nan_to_num(np.nanmax(A, axis=0) - np.nanmin(A, axis=0))
    _, e = np.frexp(np.where(span > 0, span, 1.0))               # span = s 2**e, s in [1/2, 1)
    step = np.ldexp(1.0, e - 7)
    return np.where(span > 0, np.round(mean / step) * step, mean)


@functools.lru_cache(maxsize=4)
def _summary_cached(shape: tuple[int, ...], data: bytes) -> Shared:
    return Shared(np.frombuffer(data, dtype=float).reshape(shape))


def shared_summary(A: np.ndarray) -> Shared:
    """The :class:`Shared` of ``A``, cached by content (a bootstrap calls with the same
    answers block after block).
    """
    A = np.ascontiguousarray(A, dtype=float)
    return memo(A, "shared_summary", _summary_cached, _summary_cached.__wrapped__)
