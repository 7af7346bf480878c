"""Compiled helpers of ``ahpstat.bootstrap`` (numba): per-row quantiles by selection.

Intervals for every node and group need two quantiles of each of hundreds of rows of 10,000
draws, at a different probability per row for BCa. Sorting every row costs more than the whole
resampling; a quickselect per row is linear. Compiled once and cached on disk where numba
can write its cache (in memory otherwise, as in a read-only install).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ahpstat._numba import njit, readonly


@njit()
def _select(a, lo, hi, k):  # pragma: no cover - compiled
    """Partially order ``a[lo:hi+1]`` in place so that ``a[k]`` is its k-th smallest."""
    while hi > lo:
        # median of three pivot
        mid = (lo + hi) // 2
        x, y, z = a[lo], a[mid], a[hi]
        if x < y:
            if y < z:
                pivot = y
            elif x < z:
                pivot = z
            else:
                pivot = x
        elif x < z:
            pivot = x
        elif y < z:
            pivot = z
        else:
            pivot = y
        i, j = lo, hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                t = a[i]
                a[i] = a[j]
                a[j] = t
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return


@njit()
def _bracket(sample, p):  # pragma: no cover - compiled
    """Values bracketing the ``p``-quantile of the row, from its strided sample: two order
    statistics of the sample, selected in place (``sample`` is reordered; a sort of the
    sample would give the same values, but numba's sort costs seconds of compilation).
    """
    s = sample.size
    j = p * (s - 1)
    m = 4.0 * np.sqrt(s * p * (1.0 - p)) + 4.0
    jl = int(np.floor(j - m))
    jh = int(np.ceil(j + m)) + 1
    lo = -np.inf
    if jl > 0:
        _select(sample, 0, s - 1, jl)
        lo = sample[jl]
    hi = np.inf
    if jh < s - 1:
        _select(sample, 0, s - 1, jh)
        hi = sample[jh]
    return lo, hi


@njit()
def _linear(v0, v1, f):  # pragma: no cover - compiled
    return v0 + f * (v1 - v0) if f > 0 else v0


@njit()
def _row_quantile_full(x, k, f):  # pragma: no cover - compiled
    row = x.copy()
    B = row.size
    _select(row, 0, B - 1, k)
    v0 = row[k]
    if k + 1 > B - 1 or not f > 0:
        return v0
    v1 = row[k + 1]
    for b in range(k + 2, B):
        if row[b] < v1:
            v1 = row[b]
    return _linear(v0, v1, f)


@njit(parallel=True)
def _quantiles_linear(X, P):  # pragma: no cover - compiled
    """Type-7 ("linear") quantiles of each row of ``X`` (M, B) at probabilities ``P`` (M, Q).

    A row containing ``NaN``, or a ``NaN`` probability, gives ``NaN``. Floyd-Rivest style:
    two order statistics of a strided sample of the row bracket each wanted order statistic,
    one pass counts the values below the bracket and keeps those inside it, and the order
    statistic is selected among those few (falling back to a quickselect of the whole row if
    the bracket missed).
    """
    M, B = X.shape
    Q = P.shape[1]
    out = np.empty((M, Q))
    stride = max(1, B // 512)
    for m in prange(M):
        x = X[m]
        bad = False
        for b in range(B):
            if np.isnan(x[b]):
                bad = True
                break
        sample = x[::stride].copy()
        buf = np.empty(B)
        for q in range(Q):
            p = P[m, q]
            if bad or np.isnan(p):
                out[m, q] = np.nan
                continue
            h = (B - 1) * p
            k = min(max(int(np.floor(h)), 0), B - 1)
            f = h - k
            need = k + 1 if (f > 0 and k + 1 <= B - 1) else k
            lo, hi = _bracket(sample, k / (B - 1) if B > 1 else 0.5)
            below = 0
            nb = 0
            for b in range(B):
                v = x[b]
                if v < lo:
                    below += 1
                elif v <= hi:
                    buf[nb] = v
                    nb += 1
            if below <= k and need < below + nb:
                kk = k - below
                _select(buf, 0, nb - 1, kk)
                v0 = buf[kk]
                if need > k:
                    v1 = buf[kk + 1]
                    for b in range(kk + 2, nb):
                        if buf[b] < v1:
                            v1 = buf[b]
                    out[m, q] = _linear(v0, v1, f)
                else:
                    out[m, q] = v0
            else:
                out[m, q] = _row_quantile_full(x, k, f)
    return out


@njit(parallel=True)
def _fraction_below(X, t, rtol):  # pragma: no cover - compiled
    """``(#(X < t) + #(X <= t)) / (2 B)`` per row (scipy's ``_percentile_of_score``: a tie
    counts half), where a draw within ``rtol * max(|t|, max |X|)`` of ``t`` is a tie.
    """
    M, B = X.shape
    out = np.empty(M)
    for m in prange(M):
        tm = t[m]
        top = abs(tm)
        for b in range(B):
            a = abs(X[m, b])
            if a > top:
                top = a
        lo = tm - rtol * top
        hi = tm + rtol * top
        c = 0
        for b in range(B):
            v = X[m, b]
            if v < lo:
                c += 2
            elif v <= hi:
                c += 1
        out[m] = c / (2.0 * B)
    return out


def quantiles_linear(X: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Type-7 ("linear") quantiles of each row of ``X`` (M, B) at probabilities ``P`` (M, Q)
    (:func:`_quantiles_linear`); ``NaN`` for a row holding a ``NaN`` or a ``NaN`` probability.

    The arrays are passed contiguous and read-only (:func:`ahpstat._numba.readonly`): one
    compiled specialization whatever the caller's arrays.

    Examples
    --------
    >>> quantiles_linear(np.array([[3.0, 1.0, 2.0, 4.0]]), np.array([[0.0, 0.5, 1.0]]))
    array([[1. , 2.5, 4. ]])
    """
    return _quantiles_linear(readonly(np.ascontiguousarray(X)),
                             readonly(np.ascontiguousarray(P)))


def fraction_below(X: np.ndarray, t: np.ndarray, rtol: float) -> np.ndarray:
    """Per row of ``X`` (M, B), the fraction of draws below ``t`` (M,), a tie (within
    ``rtol``) counting half (:func:`_fraction_below`); arrays passed contiguous and read-only.

    Examples
    --------
    >>> fraction_below(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([3.0]), 1e-9)
    array([0.625])
    """
    return _fraction_below(readonly(np.ascontiguousarray(X)), readonly(np.ascontiguousarray(t)),
                           float(rtol))


@njit(nogil=True)  # drawn in a worker thread beside the statistics (_threads.prefetched)
def stratified_counts(u, starts, sizes, out):  # pragma: no cover - compiled
    """Write the counts of the draws into ``out`` (rows, n) (its values before do not
    matter): respondents sorted by unit (unit ``g`` at positions ``starts[g]`` to
    ``starts[g] + sizes[g]``), row ``r``'s draw ``i`` of unit ``g`` picks position
    ``starts[g] + floor(u[r, i] * sizes[g])``.

    The same arithmetic as ``np.bincount(start + (u * size).astype(np.intp))`` row by row,
    hence the same counts, in one pass with no ``(rows, n)`` index temporaries: for 100,000
    respondents this was most of the bootstrap's time. Each unit of a row is counted in a
    small integer histogram (a few kB, in the first-level cache) and then written out once,
    instead of incrementing the wide float row in place after zeroing it; the unit's picks
    are computed first in a loop of their own (which the compiler vectorises), then counted.
    A product rounding up to ``size`` (impossible for ``u < 1`` and sizes below 2**52)
    would stay in its unit.
    """
    rows = u.shape[0]
    most = max(1, sizes.max()) if sizes.size else 1
    hist = np.zeros(most, dtype=np.int32)
    pick = np.empty(most, dtype=np.int64)
    for r in range(rows):
        o = out[r]
        ur = u[r]
        for g in range(starts.size):
            a = starts[g]
            size = sizes[g]
            fsize = float(size)
            for i in range(size):
                hist[i] = 0
                k = int(ur[a + i] * fsize)
                pick[i] = k if k < size else size - 1
            for i in range(size):
                hist[pick[i]] += 1
            for i in range(size):
                o[a + i] = hist[i]


@njit(nogil=True)
def add_columns(f, cols, cells, out):  # pragma: no cover - compiled
    """``out[r, cells[t]] += f[r, cols[t]]`` for every row ``r`` and pair ``t``: the sums
    of a few scattered columns of ``f`` (rows, m) into ``out`` (rows, c), row by row --
    ``cols`` sorted, so each row of ``f`` is read forward once (a column gather of a wide
    ``f`` misses the cache at every element).
    """
    rows = f.shape[0]
    for r in range(rows):
        fr = f[r]
        o = out[r]
        for t in range(cols.size):
            o[cells[t]] += fr[cols[t]]
