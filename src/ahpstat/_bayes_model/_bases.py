"""Zero-sum bases: the ``n - 1`` free values of every judged node to ``n`` values summing to
zero (Helmert contrasts), applied in ``O(n)`` by compiled loops and their transpose for the
gradient.

Every compiled caller passes the row offset ``f0`` as an int64, never as a literal ``0``:
numba compiles a function once per signature, and a literal is a signature of its own. One
signature per kernel keeps a cold compile short, and it keeps numba's on-disk cache safe when
two processes compile the same kernel at once (a first fit compiles its density in a forked
child while it compiles the pointwise groups' kernels, which share these and the likelihood's
kernels, ``BayesianAHP.fit``): numba numbers a kernel's cached signatures as each process
sees its index, so two processes that cache two different signatures of one kernel at the
same time can give both the same number.
"""

from __future__ import annotations

import math

import numpy as np

from ahpstat._numba import njit

__all__ = ["block_basis", "expand_row", "helmert_basis", "helmert_scales", "offsets_around",
           "reduce_row_add", "zero_sum", "zero_sum_expand", "zero_sum_reduce"]


def helmert_basis(n: int) -> np.ndarray:
    """Orthonormal basis ``(n, n - 1)`` of the zero-sum subspace of R^n (Helmert contrasts).

    Column ``k`` (1-based) is ``(1, ..., 1, -k, 0, ..., 0) / sqrt(k (k + 1))`` with ``k``
    ones. With ``eta ~ N(0, s^2 I_(n-1))``, ``H @ eta`` is the zero-sum normal with scale
    ``s``: every difference ``x_i - x_j`` has variance ``2 s^2``, as for ``n`` independent
    ``N(0, s^2)`` values. :func:`zero_sum_expand` applies it in ``O(n)``.

    Examples
    --------
    >>> H = helmert_basis(3)
    >>> bool(np.allclose(H.sum(axis=0), 0)), bool(np.allclose(H.T @ H, np.eye(2)))
    (True, True)
    """
    H = np.zeros((n, max(n - 1, 0)))
    for k in range(1, n):
        H[:k, k - 1] = 1.0
        H[k, k - 1] = -float(k)
        H[:, k - 1] /= math.sqrt(k * (k + 1.0))
    return H


def block_basis(offsets: np.ndarray) -> np.ndarray:
    """Block-diagonal zero-sum basis ``(E, E - G)``: :func:`helmert_basis` of every node."""
    sizes = np.diff(offsets)
    B = np.zeros((int(offsets[-1]), int(np.sum(sizes - 1))))
    for g, n in enumerate(sizes):
        a, f = int(offsets[g]), int(offsets[g]) - g
        B[a:a + n, f:f + n - 1] = helmert_basis(int(n))
    return B


@njit(fastmath=False)
def helmert_scales(offsets):  # pragma: no cover - compiled
    """``1 / sqrt(i (i + 1))`` for ``i`` up to the largest node's size: the scale of Helmert
    column ``i`` (:func:`helmert_basis`), one table instead of a ``sqrt`` and a division per
    value.
    """
    n_max = 1
    for g in range(offsets.size - 1):
        n_max = max(n_max, offsets[g + 1] - offsets[g])
    out = np.zeros(n_max)
    for i in range(1, n_max):
        out[i] = 1.0 / math.sqrt(i * (i + 1.0))
    return out


@njit(fastmath=False, forceinline=True)
def expand_row(free, f0, offsets, scales, out):  # pragma: no cover - compiled
    """``out = B @ free[f0:f0 + E - G]`` (one row of :func:`zero_sum_expand`; ``scales`` from
    :func:`helmert_scales`): a running sum per node, ``O(E)``.
    """
    for g in range(offsets.size - 1):
        a, n = offsets[g], offsets[g + 1] - offsets[g]
        f = f0 + a - g - 1  # free value of Helmert column i is free[f + i]
        s = 0.0
        for i in range(n - 1, 0, -1):
            # unsigned indices (all are >= 0): no negative-index wraparound code
            v = free[np.uint64(f + i)] * scales[np.uint64(i)]
            out[np.uint64(a + i)] = s - i * v
            s += v
        out[a] = s


@njit(fastmath=False, forceinline=True)
def reduce_row_add(grad, offsets, scales, out, f0):  # pragma: no cover - compiled
    """``out[f0:f0 + E - G] += B.T @ grad`` (one row of :func:`zero_sum_reduce`, added)."""
    for g in range(offsets.size - 1):
        a, n = offsets[g], offsets[g + 1] - offsets[g]
        f = f0 + a - g - 1
        t = grad[a]
        for i in range(1, n):
            # unsigned indices (all are >= 0): no negative-index wraparound code
            ga = grad[np.uint64(a + i)]
            out[np.uint64(f + i)] += (t - i * ga) * scales[np.uint64(i)]
            t += ga


@njit(fastmath=False, nogil=True)
def zero_sum_expand(free, offsets, out):  # pragma: no cover - compiled
    """``out[r] = B @ free[r]`` for every row (:func:`block_basis`, never formed): the
    ``E - G`` free values of each row to ``E`` values summing to zero within each node.

    ``free`` ``(R, E - G)``, ``out`` ``(R, E)``; ``O(E)`` per row (a running sum per node,
    :func:`expand_row`).
    """
    scales = helmert_scales(offsets)
    f0 = np.int64(0)  # not the literal 0: one signature of expand_row (module docstring)
    for row in range(free.shape[0]):
        expand_row(free[row], f0, offsets, scales, out[row])


@njit(fastmath=False)
def zero_sum_reduce(grad, offsets, out):  # pragma: no cover - compiled
    """``out[r] = B.T @ grad[r]``: a gradient over the ``E`` values back to the free values
    (the transpose of :func:`zero_sum_expand`). ``grad`` ``(R, E)``, ``out`` ``(R, E - G)``.
    """
    scales = helmert_scales(offsets)
    out[:] = 0.0
    f0 = np.int64(0)  # not the literal 0: one signature of reduce_row_add
    for row in range(grad.shape[0]):
        reduce_row_add(grad[row], offsets, scales, out[row], f0)


@njit(fastmath=False, nogil=True)
def offsets_around(mean, u, out):  # pragma: no cover - compiled
    """``out[s, :, f] = mean[s, f] + H_K u[s, :, f]``: ``K`` values around their mean per
    row ``s`` and column ``f``, ``H_K`` the Helmert basis of ``K`` values (``u`` ``(S, K - 1,
    F)``, ``mean`` ``(S, F)``, ``out`` ``(S, K, F)``).

    The same operations in the same order as ``mean[:, None, :] + zero_sum(u.transpose(0,
    2, 1), [0, K]).transpose(0, 2, 1)`` (:func:`expand_row` over the middle axis, then the
    sum with the mean), so the same values, in one pass without the transposed copies: each
    column's running sum in ``run``, the columns inner (contiguous).
    """
    S, K, F = out.shape
    scales = helmert_scales(np.array([0, K]))
    run = np.empty(F)
    for s in range(S):
        for f in range(F):
            run[f] = 0.0
        for i in range(K - 1, 0, -1):
            sc, fi = scales[i], float(i)
            for f in range(F):
                v = u[s, i - 1, f] * sc
                out[s, i, f] = mean[s, f] + (run[f] - fi * v)
                run[f] += v
        for f in range(F):
            out[s, 0, f] = mean[s, f] + run[f]


def zero_sum(free: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """:func:`zero_sum_expand` over the last axis of any array (a new array).

    Examples
    --------
    >>> x = zero_sum(np.array([1.0, 2.0, 3.0]), np.array([0, 2, 4]))  # two nodes of 2
    >>> x.round(4).tolist(), bool(np.allclose(x[:2].sum(), 0))
    ([0.7071, -0.7071, 1.4142, -1.4142], True)
    """
    free = np.asarray(free, dtype=float)
    # explicit row count: ``-1`` is ambiguous when there are no free values (one element)
    flat = np.ascontiguousarray(free.reshape(math.prod(free.shape[:-1]), free.shape[-1]))
    out = np.empty((flat.shape[0], int(offsets[-1])))
    zero_sum_expand(flat, np.asarray(offsets, dtype=np.int64), out)
    return out.reshape(*free.shape[:-1], out.shape[1])
