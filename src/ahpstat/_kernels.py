"""Compiled per-matrix kernels (numba) behind the batched numpy API, for large batches.

One pass over each matrix, with no ``(B, n, n)`` temporary, does what the public functions
would otherwise do in several numpy passes (:func:`core_batch`):

1. **validation** -- unit diagonal (within 1e-9), finite positive entries, reciprocity
   ``a_ij a_ji = 1`` within ``rtol``; a matrix whose worst pair is off by more than 1e-12 is
   used with exact reciprocals (the upper triangle wins), as
   :func:`ahpstat.pairwise.validate_matrix` returns it. A matrix that fails is flagged (the
   caller re-runs the numpy validator, which names the problem); a missing judgment (NaN) is
   flagged separately.
2. **row geometric mean** -- by row products (logs only on overflow), or from the logs of
   the entries when the geometric consistency index is wanted too (then computed in the same
   pass from the log errors).
3. **principal eigenvector** -- inverse iteration shifted by the Collatz-Wielandt upper
   bound of ``lambda_max``, on ``_LANES`` matrices at once (:func:`_lockstep`), started from
   the row geometric mean: about six rounds for random Saaty-scale 7 x 7 matrices, whose
   power iteration converges at ``|lambda_2 / lambda_1|`` of about 0.6 (about 50
   matrix-vector products), fewer for the matrices experts give. It stops like the power
   method: when one power step ``A w / sum(A w)`` changes no weight by more than ``tol``,
   that step is returned with ``lambda_max = sum(A w)``. A matrix for which this has not
   happened after ``min(_MAX_INVERSE, max_iter)`` rounds continues by power iteration with
   adaptive squaring (:func:`_power`) up to ``max_iter`` matrix-vector products in all, and
   one still not converged is flagged for LAPACK.

Small batches run on one thread: starting numba's thread pool for a parallel loop costs
microseconds when the cores are idle but a scheduler time slice (about 9 ms measured here)
when other processes keep them busy. Batches of at least ``PARALLEL_MIN_ENTRIES`` matrix
entries use the parallel kernel; both give bit-identical results (tested). The parallel
regions run with BLAS limited to one thread (:mod:`ahpstat._threads`): one parallel layer at
a time.

The kernels are compiled by :func:`ahpstat._numba.njit` (cached on disk where a cache can be
written, in memory otherwise).
"""

from __future__ import annotations

import numpy as np
from numba import config, prange

from ahpstat._numba import njit, readonly

__all__ = ["PARALLEL_MIN_ENTRIES", "core_batch", "perron_batch"]


#: batches with at least this many matrix entries (B * n * n) use the parallel kernel;
#: 2**18 is about 5,000 matrices of order 7 (a few milliseconds of work on one core)
PARALLEL_MIN_ENTRIES = 1 << 18

#: matrices per task of the parallel kernel (scratch arrays are allocated per task)
_CHUNK = 256

#: at most this many squarings (iterating A**64) in the power-iteration fallback
_MAX_POWER = 64

#: inverse-iteration rounds before the power-iteration fallback takes over
_MAX_INVERSE = 12

#: matrices iterated together (in the lanes of :func:`_lockstep`)
_LANES = 64

#: status codes of :func:`core_batch`
OK, MISSING, INVALID, NOT_CONVERGED = 0, 1, 2, 3


# ------------------------------------------------------------------------ per-matrix steps


@njit(fastmath=False)
def _load(A, b, rtol, X):  # pragma: no cover - compiled
    """Validate ``A[b]`` into ``X``; return OK, MISSING or INVALID (``X`` then undefined)."""
    n = A.shape[1]
    worst = 0.0
    for i in range(n):
        d = A[b, i, i]
        if not abs(d - 1.0) <= 1e-9:
            return INVALID
        X[i, i] = d
        for j in range(i + 1, n):
            u = A[b, i, j]
            lo = A[b, j, i]
            if u != u or lo != lo:
                return MISSING
            if not (0.0 < u < np.inf and 0.0 < lo < np.inf):
                return INVALID
            dev = abs(u * lo - 1.0)
            if not dev <= rtol:
                return INVALID
            if dev > worst:
                worst = dev
            X[i, j] = u
            X[j, i] = lo
    if worst > 1e-12:  # rounded input such as 0.333: exact reciprocals, the upper wins
        for i in range(n):
            for j in range(i + 1, n):
                X[j, i] = 1.0 / X[i, j]
    return OK


@njit(fastmath=False)
def _copy(A, b, X):  # pragma: no cover - compiled
    n = A.shape[1]
    for i in range(n):
        for j in range(n):
            X[i, j] = A[b, i, j]


@njit(fastmath=False)
def _geometric_mean(X, g):  # pragma: no cover - compiled
    """``g`` = row geometric means of ``X``, normalized; uniform if a row has a zero."""
    n = X.shape[0]
    tot = 0.0
    for i in range(n):
        p = 1.0
        for j in range(n):
            p *= X[i, j]
        if not 0.0 < p < np.inf:  # over/underflow (or a zero): the same mean by logs
            s = 0.0
            for j in range(n):
                s += np.log(X[i, j])
            g[i] = np.exp(s / n) if s > -np.inf else 0.0
        else:
            g[i] = p ** (1.0 / n)
        tot += g[i]
    if not 0.0 < tot < np.inf:
        for i in range(n):
            g[i] = 1.0 / n
        return
    ok = True
    for i in range(n):
        g[i] /= tot
        ok = ok and g[i] > 0.0
    if not ok:
        for i in range(n):
            g[i] = 1.0 / n


@njit(fastmath=False)
def _log_geometric_mean(X, L, mu, g):  # pragma: no cover - compiled
    """Logs ``L`` of a complete reciprocal ``X``, row means ``mu`` and weights ``g``.

    The lower triangle's logs are the negated upper ones (exact for exact reciprocals, within
    1e-12 otherwise), so only ``n (n - 1) / 2`` logarithms are taken.
    """
    n = X.shape[0]
    for i in range(n):
        d = X[i, i]
        L[i, i] = 0.0 if d == 1.0 else np.log(d)
        for j in range(i + 1, n):
            v = np.log(X[i, j])
            L[i, j] = v
            L[j, i] = -v if X[j, i] * X[i, j] == 1.0 else np.log(X[j, i])
    top = -np.inf
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += L[i, j]
        mu[i] = s / n
        if mu[i] > top:
            top = mu[i]
    tot = 0.0
    for i in range(n):
        g[i] = np.exp(mu[i] - top)
        tot += g[i]
    for i in range(n):
        g[i] /= tot


@njit(fastmath=False)
def _gci(L, mu):  # pragma: no cover - compiled
    """Geometric consistency index from logs ``L`` and row log-means ``mu`` (n >= 3)."""
    n = L.shape[0]
    sse = 0.0
    for i in range(n):
        for j in range(n):
            e = L[i, j] - mu[i] + mu[j]
            sse += e * e
    return sse / ((n - 1) * (n - 2))


@njit(fastmath=False)
def _power_step(X, w, y):  # pragma: no cover - compiled
    """``y = X w / sum(X w)``; returns the largest change ``max |y - w|`` (inf if broken)."""
    n = X.shape[0]
    s = 0.0
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += X[i, j] * w[j]
        y[i] = acc
        s += acc
    if not 0.0 < s < np.inf:
        return np.inf
    r = 1.0 / s
    delta = 0.0
    for i in range(n):
        y[i] *= r
        d = abs(y[i] - w[i])
        if not d <= delta:
            delta = d
    return delta


@njit(fastmath=False)
def _row_sum_root(X, w):  # pragma: no cover - compiled
    """``sum(X w)``: the Perron root once ``w`` (sum 1) has converged."""
    n = X.shape[0]
    lam = 0.0
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += X[i, j] * w[j]
        lam += acc
    return lam


@njit(fastmath=False)
def _square(M, n, P, Q):  # pragma: no cover - compiled
    """``P = M @ M`` rescaled so that its entries sum to ``n`` (``Q`` is scratch; ``M`` may
    be ``P`` itself: it is read in full before ``P`` is written).
    """
    tot = 0.0
    for i in range(n):
        for j in range(n):
            acc = 0.0
            for k in range(n):
                acc += M[i, k] * M[k, j]
            Q[i, j] = acc
            tot += acc
    c = n / tot
    for i in range(n):
        for j in range(n):
            P[i, j] = Q[i, j] * c


@njit(fastmath=False)
def _power(X, w, tol, max_iter, P, Q, y):  # pragma: no cover - compiled
    """Power iteration from ``w`` with adaptive squaring; the converged step is left in ``y``.

    Returns the matrix-vector products with ``X`` that the steps amount to (a step with
    ``X**k`` counts ``k``), or -1 when not converged within ``max_iter``. When the observed
    rate says that more than ``2 n`` steps remain (the cost of one matrix product), the
    iterated matrix is squared (and rescaled), which squares the rate.
    """
    n = X.shape[0]
    M = X
    power = 1
    it = 0
    prev = -1.0
    decided = False
    while it < max_iter:
        delta = _power_step(M, w, y)
        for i in range(n):
            w[i] = y[i]
        it += power
        if delta <= tol:
            return it
        if not delta < np.inf:
            return -1
        if prev > 0.0 and not decided:
            decided = True
            rho = delta / prev
            if rho < 1.0 and power < _MAX_POWER and np.log(tol / delta) < 2.0 * n * np.log(rho):
                _square(M, n, P, Q)
                M = P
                power *= 2
                prev = -1.0
                decided = False
                continue
        prev = delta
    return -1


@njit(fastmath=False)
def _lockstep(XT, WT, tol, maxr, YT, LUT, sig, r, done, fin, RT):  # noqa: C901  # pragma: no cover
    """Inverse iteration on ``_LANES`` matrices at once, lanes in the last axis.

    ``XT[i, j, c]`` is entry ``(i, j)`` of lane ``c``'s matrix; ``WT[:, c]`` its start (sum 1,
    positive). Each round computes ``y = X w`` for every lane; a lane whose power step
    ``y / sum(y)`` changes no weight by more than ``tol`` is done (the step goes to
    ``RT[:, c]``, ``fin[c]`` records the round). The others take one solve of
    ``(sigma I - X) x = w`` with ``sigma = max_i y_i / w_i``, the Collatz-Wielandt upper bound
    of ``lambda_max``: as ``sigma >= lambda_max``, ``sigma I - X`` is a (possibly singular)
    M-matrix, so Gaussian elimination needs no pivoting, which keeps every lane on the same
    instructions, and ``x`` stays positive. The bound tightens with the iterate (quadratic
    convergence from the row geometric mean: about six rounds for random Saaty-scale 7 x 7
    matrices, whose power iteration needs about 50 steps); at most ``maxr`` rounds.

    Every loop over lanes has the constant trip count ``_LANES`` and no branch that a select
    cannot express, so the compiler vectorizes it (measured: 0.27 us per 7 x 7 matrix here,
    against 0.85 us for scalar power iteration with squaring); that is also why the steps are
    written out in one function rather than split into helpers. A vanished pivot (``sigma =
    lambda_max`` to working precision) is replaced by a tiny one.
    """
    n = XT.shape[0]
    for c in range(_LANES):
        done[c] = False
    rounds = 0
    while rounds < maxr:
        rounds += 1
        for i in range(n):
            y = YT[i]
            for c in range(_LANES):
                y[c] = 0.0
            for j in range(n):
                x = XT[i, j]
                w = WT[j]
                for c in range(_LANES):
                    y[c] += x[c] * w[c]
        for c in range(_LANES):
            sig[c] = 0.0
        for i in range(n):
            y = YT[i]
            for c in range(_LANES):
                sig[c] += y[c]
        for c in range(_LANES):
            r[c] = 1.0 / sig[c]
            sig[c] = 0.0
        for i in range(n):
            y = YT[i]
            w = WT[i]
            for c in range(_LANES):
                d = abs(y[c] * r[c] - w[c])
                sig[c] = max(sig[c], d)
        left = 0
        for c in range(_LANES):
            if not done[c] and sig[c] <= tol and 0.0 < r[c] < np.inf:
                done[c] = True
                fin[c] = rounds
                for i in range(n):
                    RT[i, c] = YT[i, c] * r[c]
            if not done[c]:
                left += 1
        if left == 0 or rounds >= maxr:
            break
        for c in range(_LANES):
            sig[c] = 0.0
        for i in range(n):
            y = YT[i]
            w = WT[i]
            for c in range(_LANES):
                sig[c] = max(sig[c], y[c] / w[c])
        for i in range(n):
            for j in range(n):
                x = XT[i, j]
                lu = LUT[i, j]
                for c in range(_LANES):
                    lu[c] = -x[c]
            lu = LUT[i, i]
            for c in range(_LANES):
                lu[c] += sig[c]
        for k in range(n):
            piv = LUT[k, k]
            for c in range(_LANES):
                p = max(piv[c], 1e-15 * sig[c])
                piv[c] = p
                r[c] = 1.0 / p
            for i in range(k + 1, n):
                f = LUT[i, k]
                for c in range(_LANES):
                    f[c] *= r[c]
                for j in range(k + 1, n):
                    u = LUT[k, j]
                    t = LUT[i, j]
                    for c in range(_LANES):
                        t[c] -= f[c] * u[c]
        for i in range(n):
            y = YT[i]
            w = WT[i]
            for c in range(_LANES):
                y[c] = w[c]
            for j in range(i):
                lo = LUT[i, j]
                z = YT[j]
                for c in range(_LANES):
                    y[c] -= lo[c] * z[c]
        for i in range(n - 1, -1, -1):
            y = YT[i]
            for j in range(i + 1, n):
                u = LUT[i, j]
                z = YT[j]
                for c in range(_LANES):
                    y[c] -= u[c] * z[c]
            d = LUT[i, i]
            for c in range(_LANES):
                y[c] /= d[c]
        for c in range(_LANES):
            sig[c] = 0.0
        for i in range(n):
            y = YT[i]
            for c in range(_LANES):
                sig[c] += y[c]
        for c in range(_LANES):
            r[c] = 1.0 / sig[c]
        for i in range(n):
            y = YT[i]
            w = WT[i]
            for c in range(_LANES):
                w[c] = y[c] * r[c] if not done[c] else w[c]


@njit(fastmath=False)
def _chunks(A, lo, hi, W0, validate, rtol, want_eig, want_gm, want_gci, tol, max_iter,  # noqa: C901
            WE, WG, LAM, GCI, STATUS, ITERS):  # pragma: no cover - compiled
    """Everything :func:`core_batch` computes, for matrices ``lo .. hi - 1``, ``_LANES``
    matrices at a time.

    Three steps in one function (hence the ``noqa: C901``): load and check each matrix and
    put it in a lane, with its start vector; solve all lanes in lockstep (:func:`_lockstep`);
    read each lane back, finishing a lane that did not converge by power iteration. Each
    branch is already a named kernel (``_load``, ``_gci``, ``_power``, ...); what is left is
    the lane bookkeeping that ties the steps together (the lane -> matrix map ``idx``, the
    eighteen scratch arrays), which as separate functions would pass a dozen arrays each way
    and read no better. This is the one compiled entry point of the serial path
    (:func:`_core_serial` calls it from Python): numba re-optimizes the whole machine code of
    every compiled callee in each caller, so each level of compiled calls above the work
    costs seconds on a first (uncached) call.
    """
    n = A.shape[1]
    C = _LANES
    X, L, P, Q = np.empty((n, n)), np.empty((n, n)), np.empty((n, n)), np.empty((n, n))
    mu, g, w, y = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    XT, LUT = np.empty((n, n, C)), np.empty((n, n, C))
    WT, YT, RT = np.empty((n, C)), np.empty((n, C)), np.empty((n, C))
    sig, r = np.empty(C), np.empty(C)
    done = np.empty(C, dtype=np.bool_)
    fin, idx = np.empty(C, dtype=np.int64), np.empty(C, dtype=np.int64)
    maxr = min(_MAX_INVERSE, max_iter)
    for first in range(lo, hi, _LANES):
        m = 0
        for b in range(first, min(hi, first + _LANES)):
            if validate:
                st = _load(A, b, rtol, X)
                STATUS[b] = st
                if st != OK:
                    continue
            else:
                _copy(A, b, X)
                STATUS[b] = OK
            if want_gci:
                _log_geometric_mean(X, L, mu, g)
                GCI[b] = _gci(L, mu) if n > 2 else 0.0
            elif want_gm or (want_eig and W0.shape[0] == 0):
                _geometric_mean(X, g)
            if want_gm:
                for i in range(n):
                    WG[b, i] = g[i]
            if not want_eig:
                continue
            if W0.shape[0] > 0:
                for i in range(n):
                    g[i] = W0[b, i]
            for i in range(n):
                WT[i, m] = g[i]
                for j in range(n):
                    XT[i, j, m] = X[i, j]
            idx[m] = b
            m += 1
        if m == 0:
            continue
        for c in range(m, _LANES):  # idle lanes: the identity, done at once
            for i in range(n):
                WT[i, c] = 1.0 / n
                for j in range(n):
                    XT[i, j, c] = 1.0 if i == j else 0.0
        _lockstep(XT, WT, tol, maxr, YT, LUT, sig, r, done, fin, RT)
        for c in range(m):
            b = idx[c]
            for i in range(n):
                for j in range(n):
                    X[i, j] = XT[i, j, c]
            if done[c]:
                it = fin[c]
                for i in range(n):
                    y[i] = RT[i, c]
            else:  # not converged by inverse iteration: power iteration with squaring from
                ok = True  # the last iterate (uniform if that broke down)
                for i in range(n):
                    w[i] = WT[i, c]
                    ok = ok and 0.0 < w[i] < np.inf
                if not ok:
                    for i in range(n):
                        w[i] = 1.0 / n
                it = _power(X, w, tol, max_iter - maxr, P, Q, y)
                if it < 0:
                    STATUS[b] = NOT_CONVERGED
                    it = max_iter
                    for i in range(n):
                        y[i] = w[i]
                else:
                    it += maxr
            for i in range(n):
                WE[b, i] = y[i]
            LAM[b] = _row_sum_root(X, y)
            ITERS[b] = it


def _outputs(B, n, want_eig, want_gm, want_gci):
    """The arrays :func:`core_batch` returns, allocated in numpy (not compiled: a compiled
    allocation costs a second of compilation for nothing in steady state).
    """
    WE = np.empty((B if want_eig else 0, n))
    WG = np.empty((B if want_gm else 0, n))
    LAM = np.empty(B if want_eig else 0)
    LAM.fill(np.nan)  # a third of np.full's time on small batches
    GCI = np.empty(B if want_gci else 0)
    GCI.fill(np.nan)
    STATUS = np.zeros(B, dtype=np.int8)
    ITERS = np.zeros(B, dtype=np.int64)
    return WE, WG, LAM, GCI, STATUS, ITERS


def _core_serial(A, W0, validate, rtol, want_eig, want_gm, want_gci, tol, max_iter):
    """The batch on the calling thread: one compiled call (:func:`_chunks`) over all of it.

    ``A`` and ``W0`` are passed as read-only views whatever the caller's flags, so that one
    compiled specialization serves writeable and read-only input (numba compiles one per
    combination of flags, each costing the whole first-call compilation again).
    """
    B, n, _ = A.shape
    out = _outputs(B, n, want_eig, want_gm, want_gci)
    _chunks(readonly(A), 0, B, readonly(W0), validate, rtol, want_eig, want_gm, want_gci, tol,
            max_iter, *out)
    return out


@njit(parallel=True, fastmath=False)
def _tasks(A, W0, validate, rtol, want_eig, want_gm, want_gci, tol, max_iter,
           WE, WG, LAM, GCI, STATUS, ITERS):  # pragma: no cover - compiled
    """:func:`_chunks` in parallel tasks of ``_CHUNK`` matrices (the loop body is one call)."""
    B = A.shape[0]
    for t in prange((B + _CHUNK - 1) // _CHUNK):
        _chunks(A, t * _CHUNK, min(B, (t + 1) * _CHUNK), W0, validate, rtol, want_eig,
                want_gm, want_gci, tol, max_iter, WE, WG, LAM, GCI, STATUS, ITERS)


def _core_parallel(A, W0, validate, rtol, want_eig, want_gm, want_gci, tol, max_iter):
    """The batch in parallel tasks of ``_CHUNK`` matrices (the same results, bit for bit)."""
    B, n, _ = A.shape
    out = _outputs(B, n, want_eig, want_gm, want_gci)
    _tasks(readonly(A), readonly(W0), validate, rtol, want_eig, want_gm, want_gci, tol,
           max_iter, *out)
    return out


def core_batch(
    A: np.ndarray,
    *,
    eigenvector: bool = True,
    geometric_mean: bool = False,
    gci: bool = False,
    validate: bool = True,
    start: np.ndarray | None = None,
    rtol: float = 1e-2,
    tol: float = 1e-12,
    max_iter: int = 1000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate and solve each matrix of ``A`` (B, n, n) in one compiled pass.

    Parameters
    ----------
    A : ndarray, shape (B, n, n)
        C-contiguous float64 matrices (the input itself: nothing of its size is allocated).
    eigenvector, geometric_mean, gci : bool
        What to compute: the Perron vector and root, the row geometric mean, the geometric
        consistency index (of the row geometric mean; needs ``n >= 3`` to be non-zero).
    validate : bool
        Check every matrix as :func:`ahpstat.pairwise.validate_matrix` does (without naming
        the problem: the status says which matrices failed). ``False`` trusts the input
        (non-negative irreducible matrices such as Harker's are accepted).
    start : ndarray, shape (B, n), optional
        Start of the eigenvector iteration (rows summing to 1); the row geometric mean by
        default.
    rtol, tol, max_iter
        Reciprocity tolerance; convergence tolerance (largest change of a weight in one
        power step); matrix-vector products before a matrix is flagged as not converged.

    Returns
    -------
    (W_eigenvector, W_geometric_mean, lambda_max, gci, status, n_iter)
        Arrays with ``B`` rows (0 rows for what was not asked for); ``status`` is 0 (ok), 1
        (a missing judgment), 2 (invalid), 3 (not converged: the row holds the last iterate);
        ``n_iter`` the iterations per matrix (start check, inverse-iteration solves, power
        steps).

    Examples
    --------
    >>> A = np.array([[[1.0, 2.0], [0.5, 1.0]], [[1.0, -2.0], [-0.5, 1.0]]])
    >>> WE, WG, lam, gci, status, it = core_batch(A)
    >>> WE[0].round(4), lam[0].round(6), status.tolist()
    (array([0.6667, 0.3333]), np.float64(2.0), [0, 2])
    """
    B, n = A.shape[0], A.shape[-1]
    W0 = np.empty((0, n)) if start is None else start
    args = (A, W0, bool(validate), float(rtol), bool(eigenvector), bool(geometric_mean),
            bool(gci), float(tol), int(max_iter))
    # config.NUMBA_NUM_THREADS, not numba.get_num_threads(): the latter starts the pool
    if B * n * n >= PARALLEL_MIN_ENTRIES and config.NUMBA_NUM_THREADS > 1:
        from ahpstat._threads import single_threaded_blas

        with single_threaded_blas():
            return _core_parallel(*args)
    return _core_serial(*args)


def perron_batch(
    A: np.ndarray, W0: np.ndarray | None, tol: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Perron vector and root of each matrix of ``A`` (B, n, n), from ``W0`` (B, n).

    ``A`` must be a C-contiguous float64 array of non-negative irreducible matrices (it is
    not validated); ``W0`` rows should sum to 1, ``None`` starts from each row geometric mean
    (uniform where a row holds a zero).

    Returns
    -------
    (W, lambda_max, n_iter)
        Weights (B, n) summing to 1; ``sum(A[b] @ W[b])`` (B,); iterations per matrix, or
        -1 for a matrix that did not converge within ``max_iter`` matrix-vector products
        (its row then holds the last iterate).

    Examples
    --------
    >>> A = np.array([[[1.0, 2.0], [0.5, 1.0]]])
    >>> W, lam, it = perron_batch(A, None, 1e-12, 100)
    >>> W.round(4), lam.round(6)
    (array([[0.6667, 0.3333]]), array([2.]))
    """
    W, _, lam, _, status, iters = core_batch(A, validate=False, start=W0, tol=tol,
                                             max_iter=max_iter)
    return W, lam, np.where(status == NOT_CONVERGED, -1, iters)
