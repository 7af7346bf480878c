"""Compiled per-matrix kernels (numba) behind the batched numpy API.

Power iteration converges at the rate |lambda_2 / lambda_1| (about 0.6 for random Saaty-scale
7x7 matrices), so a matrix needs tens of iterations; doing them per matrix in compiled code,
with an early exit per matrix, is what makes the batched eigenvector fast. Compiled once and
cached on disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True, fastmath=False)
def perron_batch(A, W0, tol, max_iter):  # pragma: no cover - compiled
    """Power iteration for each matrix of ``A`` (B, n, n) from ``W0`` (B, n).

    Returns weights (B, n) summing to 1, eigenvalues (B,) and iterations (B,) with -1 for
    a matrix that did not converge within ``max_iter``.
    """
    B, n, _ = A.shape
    W = np.empty((B, n))
    LAM = np.empty(B)
    ITERS = np.empty(B, dtype=np.int64)
    for b in prange(B):
        w = W0[b].copy()
        aw = np.empty(n)
        lam = 0.0
        status = -1
        for it in range(1, max_iter + 1):
            s = 0.0
            for i in range(n):
                acc = 0.0
                for j in range(n):
                    acc += A[b, i, j] * w[j]
                aw[i] = acc
                s += acc
            delta = 0.0
            for i in range(n):
                v = aw[i] / s
                d = abs(v - w[i])
                if d > delta:
                    delta = d
                w[i] = v
            lam = s
            if delta <= tol:
                status = it
                break
        for i in range(n):
            W[b, i] = w[i]
        LAM[b] = lam
        ITERS[b] = status
    return W, LAM, ITERS
