"""Compiled per-matrix kernels (numba) behind the batched numpy API.

Power iteration converges at the rate ``rho = |lambda_2 / lambda_1|``: about 0.2 for the
matrices experts give (CR below about 0.1; about 15 iterations to 1e-12 from the row
geometric mean) but about 0.6 for random Saaty-scale 7 x 7 matrices (about 50 iterations).
Each matrix is iterated on its own, in compiled code, with an early exit; when the observed
rate says many iterations remain (more than ``2 n``, the cost of one matrix product counted
in matrix-vector products), the iterated matrix is squared (and rescaled), which squares the
rate. The weights are the same Perron vector either way; only the work changes.

Small batches run on one thread: starting numba's thread pool for a parallel loop costs
microseconds when the cores are idle but a scheduler time slice (about 9 ms measured here)
when other processes keep them busy, which is what an optimizer calling the kernel once per
step (``completion._optimal_one``) would pay at every step. Batches of at least
``PARALLEL_MIN_ENTRIES`` matrix entries use the parallel kernel.

Compiled functions are cached on disk (``cache=True``) where numba can write a cache
(the package's ``__pycache__`` or the user's cache directory); numba does not fall back by
itself when neither is writable (it raises ``RuntimeError`` when the function is defined),
so the kernels are then compiled in memory, once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import config, njit, prange

__all__ = ["PARALLEL_MIN_ENTRIES", "perron_batch"]

#: batches with at least this many matrix entries (B * n * n) use the parallel kernel;
#: 2**18 is about 5,000 matrices of order 7 (a few milliseconds of work on one core)
PARALLEL_MIN_ENTRIES = 1 << 18

#: matrices per task of the parallel kernel (scratch arrays are allocated per task)
_CHUNK = 256

#: at most this many squarings (iterating A**64)
_MAX_POWER = 64


def _njit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit`` with an on-disk cache when one can be written, in memory otherwise."""

    def decorate(func: Callable[..., Any]) -> Any:
        try:
            return njit(cache=True, **options)(func)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return njit(cache=False, **options)(func)

    return decorate


@_njit(fastmath=False)
def _square(src, b, n, P, Q):  # pragma: no cover - compiled
    """``P[0] = src[b] @ src[b]`` rescaled so that its entries sum to ``n``."""
    tot = 0.0
    for i in range(n):
        for j in range(n):
            acc = 0.0
            for k in range(n):
                acc += src[b, i, k] * src[b, k, j]
            Q[i, j] = acc
            tot += acc
    c = n / tot
    for i in range(n):
        for j in range(n):
            P[0, i, j] = Q[i, j] * c


@_njit(fastmath=False)
def _geometric_mean_start(A, b, n, w):  # pragma: no cover - compiled
    """``w`` = row geometric means of ``A[b]``, normalized; uniform if a row has a zero."""
    tot = 0.0
    for i in range(n):
        p = 1.0
        for j in range(n):
            p *= A[b, i, j]
        if not 0.0 < p < np.inf:  # over/underflow (or a zero): the same mean by logs
            s = 0.0
            for j in range(n):
                s += np.log(A[b, i, j])
            p = np.exp(s / n) if s > -np.inf else 0.0
            w[i] = p
        else:
            w[i] = p ** (1.0 / n)
        tot += w[i]
    if not 0.0 < tot < np.inf:
        for i in range(n):
            w[i] = 1.0 / n
        return
    ok = True
    for i in range(n):
        w[i] /= tot
        ok = ok and w[i] > 0.0
    if not ok:
        for i in range(n):
            w[i] = 1.0 / n


@_njit(fastmath=False)
def _perron_one(A, b, W0, tol, max_iter, P, Q, w, aw, W, LAM, ITERS):  # pragma: no cover
    """Power iteration for matrix ``A[b]``; writes ``W[b], LAM[b], ITERS[b]``.

    Starts from ``W0[b]``, or from the row geometric mean when ``W0`` has no rows.
    ``P`` (1, n, n), ``Q`` (n, n), ``w`` and ``aw`` (n,) are scratch space.
    """
    n = A.shape[1]
    if W0.shape[0] == 0:
        _geometric_mean_start(A, b, n, w)
    else:
        for i in range(n):
            w[i] = W0[b, i]
    M = A  # the matrix iterated: A[b] itself, later (rescaled) A[b] ** power in P[0]
    mb = b
    power = 1
    it = 0  # matrix-vector products with A[b] that the steps so far amount to
    status = -1
    prev = -1.0
    decided = False  # whether squaring has been considered at the current power
    while it < max_iter:
        s = 0.0
        for i in range(n):
            acc = 0.0
            for j in range(n):
                acc += M[mb, i, j] * w[j]
            aw[i] = acc
            s += acc
        r = 1.0 / s
        delta = 0.0
        for i in range(n):
            v = aw[i] * r
            d = abs(v - w[i])
            if d > delta:
                delta = d
            w[i] = v
        it += power
        if delta <= tol:
            status = it
            break
        if prev > 0.0 and not decided:
            decided = True
            rho = delta / prev
            # steps still needed at this rate: log(tol / delta) / log(rho); squaring costs
            # about n steps and halves them
            if rho < 1.0 and power < _MAX_POWER and np.log(tol / delta) < 2.0 * n * np.log(rho):
                _square(M, mb, n, P, Q)
                M = P
                mb = 0
                power *= 2
                prev = -1.0
                decided = False
                continue
        prev = delta
    lam = 0.0  # sum of A w with sum(w) = 1: lambda_max for the converged w
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += A[b, i, j] * w[j]
        lam += acc
    for i in range(n):
        W[b, i] = w[i]
    LAM[b] = lam
    ITERS[b] = status


@_njit(fastmath=False)
def _perron_serial(A, W0, tol, max_iter):  # pragma: no cover - compiled
    B, n, _ = A.shape
    W = np.empty((B, n))
    LAM = np.empty(B)
    ITERS = np.empty(B, dtype=np.int64)
    P = np.empty((1, n, n))
    Q = np.empty((n, n))
    w = np.empty(n)
    aw = np.empty(n)
    for b in range(B):
        _perron_one(A, b, W0, tol, max_iter, P, Q, w, aw, W, LAM, ITERS)
    return W, LAM, ITERS


@_njit(parallel=True, fastmath=False)
def _perron_parallel(A, W0, tol, max_iter):  # pragma: no cover - compiled
    B, n, _ = A.shape
    W = np.empty((B, n))
    LAM = np.empty(B)
    ITERS = np.empty(B, dtype=np.int64)
    for c in prange((B + _CHUNK - 1) // _CHUNK):
        P = np.empty((1, n, n))
        Q = np.empty((n, n))
        w = np.empty(n)
        aw = np.empty(n)
        for b in range(c * _CHUNK, min(B, (c + 1) * _CHUNK)):
            _perron_one(A, b, W0, tol, max_iter, P, Q, w, aw, W, LAM, ITERS)
    return W, LAM, ITERS


def perron_batch(
    A: np.ndarray, W0: np.ndarray | None, tol: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Perron vector and root of each matrix of ``A`` (B, n, n), from ``W0`` (B, n).

    ``A`` and ``W0`` must be C-contiguous float64 arrays; ``W0`` rows should sum to 1.
    ``W0=None`` starts each matrix from its row geometric mean (computed in the kernel: the
    eigenvector's start for pairwise-comparison matrices, close to it when the matrix is
    nearly consistent and equal to it for order 3), or from the uniform vector when a row
    holds a zero. Each matrix is iterated until no weight changes by more than ``tol`` in a
    step.

    Returns
    -------
    (W, lambda_max, n_iter)
        Weights (B, n) summing to 1; ``sum(A[b] @ W[b])`` (B,), the Perron root once ``W[b]``
        has converged; and per matrix the matrix-vector products with ``A[b]`` that the
        iteration amounts to (a step with ``A[b] ** k`` counts ``k``), or -1 for a matrix
        that did not converge within ``max_iter`` (its row then holds the last iterate).

    Examples
    --------
    >>> A = np.array([[[1.0, 2.0], [0.5, 1.0]]])
    >>> W, lam, it = perron_batch(A, None, 1e-12, 100)
    >>> W.round(4), lam.round(6)
    (array([[0.6667, 0.3333]]), array([2.]))
    """
    B, n = A.shape[0], A.shape[-1]
    if W0 is None:
        W0 = np.empty((0, n))
    # config.NUMBA_NUM_THREADS, not numba.get_num_threads(): the latter starts the pool
    if B * n * n >= PARALLEL_MIN_ENTRIES and config.NUMBA_NUM_THREADS > 1:
        return _perron_parallel(A, W0, tol, max_iter)
    return _perron_serial(A, W0, tol, max_iter)
