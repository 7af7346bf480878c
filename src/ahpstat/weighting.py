"""Priority weights from pairwise-comparison matrices (numpy core, batched over leading axes).

Methods
-------
``eigenvector``
    Saaty's principal right eigenvector, by power iteration started from the row geometric
    mean (all entries positive, so Perron-Frobenius guarantees a unique positive principal
    eigenvector and convergence); every matrix's convergence is checked, stragglers fall back
    to LAPACK (``numpy.linalg.eig``) and are never returned unconverged.
``geometric_mean``
    Row geometric mean, i.e. the logarithmic least-squares solution (Crawford & Williams 1985).
``column_mean``
    Normalize each column to sum 1, average the rows ("additive normalization").
``harker``
    Incomplete matrices (Harker 1987): missing entries set to 0, diagonal ``1 + m_i`` with
    ``m_i`` the row's missing count, then the principal eigenvector.
``llsm``
    Incomplete logarithmic least squares (Bozóki, Fülöp & Rónyai 2010; Kwiesielewicz 1996):
    solve ``L mu = r`` on the comparison graph's Laplacian; equals ``geometric_mean`` for a
    complete matrix.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._results import WeightsResult
from ahpstat._validation import check_choice
from ahpstat._warnings import ConvergenceWarning, warn
from ahpstat.pairwise import validate_matrix

__all__ = ["WEIGHTING_METHODS", "weights"]

WEIGHTING_METHODS = ("eigenvector", "geometric_mean", "column_mean", "harker", "llsm")
_INCOMPLETE_METHODS = ("harker", "llsm")


def weights(
    A: ArrayLike,
    *,
    method: str = "eigenvector",
    tol: float = 1e-12,
    max_iter: int = 1000,
    scale: str | None = None,
    completion: str | None = None,
) -> WeightsResult:
    """Priority weights of one or many pairwise-comparison matrices.

    Parameters
    ----------
    A : array_like, shape (..., n, n)
        Positive reciprocal matrices, batched over any leading axes; ``NaN`` off the diagonal
        marks a missing judgment (``"harker"`` and ``"llsm"`` accept those; any method does
        with ``completion``).
    method : {"eigenvector", "geometric_mean", "column_mean", "harker", "llsm"}
        Weighting method (see the module notes).
    tol : float, default 1e-12
        Power-iteration convergence tolerance (max absolute change of a weight).
    max_iter : int, default 1000
        Power iterations before the remaining matrices are solved by LAPACK.
    scale : {None, "saaty"}
        Require Saaty's 1-9 scale (default: any positive reciprocal values).
    completion : {None, "optimal", "harker", "llsm"}
        Complete incomplete matrices first (:func:`ahpstat.complete`), then weight them:
        ``method="eigenvector", completion="optimal"`` is the eigenvector of the
        lambda-max-minimizing completion (Bozóki, Fülöp & Rónyai 2010), AHPy's default for
        incomplete matrices. Complete matrices are weighted as they are.

    Returns
    -------
    WeightsResult
        ``weights`` (..., n) summing to 1, ``lambda_max`` (...) for eigenvector-type methods
        (``NaN`` for the others), ``method``, ``n_iter``.

    Notes
    -----
    For a consistent matrix ``a_ij = w_i / w_j`` every method returns ``w``; for an
    inconsistent one they differ, which is why the method is always reported.
    ``lambda_max >= n`` with equality iff the matrix is consistent (Saaty 1977).

    References
    ----------
    Saaty, T. L. (1977). J. Math. Psychology 15, 234-281.
    Crawford, G. & Williams, C. (1985). J. Math. Psychology 29, 387-405.
    Harker, P. T. (1987). Mathematical Modelling 9, 837-848.
    Bozóki, S., Fülöp, J. & Rónyai, L. (2010). Math. Comput. Modelling 52, 318-333.

    Examples
    --------
    Saaty's drinks matrix (Saaty 1977):

    >>> import numpy as np, ahpstat as ah
    >>> u = [9, 5, 2, 1, 1, 1/2, 1/3, 1/9, 1/9, 1/9, 1/9, 1/3, 1/4, 1/3, 1/9,
    ...      1/2, 1, 1/3, 2, 1/2, 1/3]
    >>> A = ah.pairwise.from_upper_triangle(u)
    >>> r = ah.weights(A)
    >>> r.weights.round(4)
    array([0.1775, 0.0191, 0.0418, 0.1164, 0.1896, 0.1288, 0.3268])
    >>> round(float(r.lambda_max), 3)
    7.177
    >>> ah.weights(A, method="geometric_mean").weights.round(3)
    array([0.179, 0.018, 0.042, 0.116, 0.191, 0.129, 0.324])

    An incomplete matrix (Bozóki, Fülöp & Rónyai 2010, Section 5: c-d missing), weighted as
    AHPy does (its test gives 0.3738, 0.392, 0.0985, 0.1357):

    >>> nan = np.nan
    >>> B = [[1, 1, 5, 2], [1, 1, 3, 4], [1/5, 1/3, 1, nan], [1/2, 1/4, nan, 1]]
    >>> ah.weights(B, completion="optimal").weights.round(4)
    array([0.3738, 0.392 , 0.0985, 0.1357])
    """
    check_choice("method", method, WEIGHTING_METHODS)
    if completion is not None:
        from ahpstat.completion import COMPLETION_METHODS, complete

        check_choice("completion", completion, COMPLETION_METHODS)
        M = validate_matrix(A, allow_missing=True, scale=scale)
        if np.isnan(M).any():
            M = complete(M, method=completion)
        return _weights_validated(M, method=method, tol=tol, max_iter=max_iter)
    M = validate_matrix(A, allow_missing=method in _INCOMPLETE_METHODS, scale=scale)
    return _weights_validated(M, method=method, tol=tol, max_iter=max_iter)


def _weights_validated(M: np.ndarray, *, method: str, tol: float = 1e-12,
                       max_iter: int = 1000) -> WeightsResult:
    """:func:`weights` on already validated matrices (internal fast path)."""
    nan = np.full(M.shape[:-2], np.nan)
    if method == "geometric_mean":
        return WeightsResult(geometric_mean_weights(M), nan, method)
    if method == "column_mean":
        # row means of the column-normalized matrix; einsum, as in geometric_mean_weights
        W = np.einsum("...ij,...j->...i", M, 1.0 / np.einsum("...ij->...j", M))
        return WeightsResult(W / np.einsum("...i->...", W)[..., None], nan, method)
    if method == "llsm":
        return WeightsResult(llsm_weights(M), nan, method)
    if method == "harker":
        H = harker_matrix(M)
        w, lam, it = principal_eigenvector(H, start=llsm_weights(M), tol=tol, max_iter=max_iter)
        return WeightsResult(w, lam, method, it)
    # started from the row geometric mean, computed inside the compiled kernel
    w, lam, it = principal_eigenvector(M, tol=tol, max_iter=max_iter)
    return WeightsResult(w, lam, method, it)


def geometric_mean_weights(M: np.ndarray) -> np.ndarray:
    """Row geometric means normalized to 1 (complete, validated matrices).

    Examples
    --------
    >>> geometric_mean_weights(np.array([[1, 4.0], [0.25, 1]]))
    array([0.8, 0.2])
    """
    # einsum: numpy's reductions over a short last axis (mean, sum) are several times slower
    mu = np.einsum("...ij->...i", np.log(M))
    mu -= mu.max(axis=-1, keepdims=True)
    w = np.exp(mu * (1.0 / M.shape[-1]))
    return w / np.einsum("...i->...", w)[..., None]


def llsm_weights(M: np.ndarray) -> np.ndarray:
    """Logarithmic least-squares weights of possibly incomplete matrices.

    Minimizes ``sum over given i<j of (log a_ij - mu_i + mu_j)^2``; the normal equations are
    ``L mu = r`` with ``L`` the comparison graph's Laplacian and ``r_i = sum_j log a_ij``;
    ``(L + 1 1^T) mu = r`` gives the zero-sum solution when the graph is connected.

    Examples
    --------
    >>> A = np.array([[1, 2, np.nan], [0.5, 1, 2], [np.nan, 0.5, 1]])
    >>> llsm_weights(A).round(4)
    array([0.5714, 0.2857, 0.1429])
    """
    present = ~np.isnan(M)
    if present.all():
        return geometric_mean_weights(M)
    n = M.shape[-1]
    L = np.where(present, np.log(np.where(present, M, 1.0)), 0.0)
    adj = present & ~np.eye(n, dtype=bool)
    lap = np.eye(n) * adj.sum(axis=-1)[..., None] - adj + 1.0
    mu = np.linalg.solve(lap, L.sum(axis=-1)[..., None])[..., 0]
    mu -= mu.max(axis=-1, keepdims=True)
    w = np.exp(mu)
    return w / w.sum(axis=-1, keepdims=True)


def harker_matrix(M: np.ndarray) -> np.ndarray:
    """Harker's (1987) auxiliary matrix: missing entries 0, diagonal ``1 + m_i``.

    Examples
    --------
    >>> harker_matrix(np.array([[1, 2, np.nan], [0.5, 1, 2], [np.nan, 0.5, 1]]))
    array([[2. , 2. , 0. ],
           [0.5, 1. , 2. ],
           [0. , 0.5, 2. ]])
    """
    missing = np.isnan(M)
    H = np.where(missing, 0.0, M)
    idx = np.arange(M.shape[-1])
    H[..., idx, idx] = 1.0 + missing.sum(axis=-1)
    return H


def principal_eigenvector(
    M: np.ndarray, *, start: np.ndarray | None = None, tol: float = 1e-12,
    max_iter: int = 1000,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Perron eigenvector (sum 1) and eigenvalue of non-negative irreducible matrices.

    ``start`` (broadcast to ``(..., n)``, rows summing to 1) defaults to each matrix's row
    geometric mean (the uniform vector where a row holds a zero).
    Power iteration per matrix in compiled code (``ahpstat._kernels.perron_batch``), each
    stopping when no weight changes by more than ``tol``; a matrix whose observed convergence
    rate is slow is squared (iterating ``A**2``, ``A**4``, ...: same Perron vector, squared
    rate). Small batches run on one thread, large ones in parallel. Matrices not converged
    after about ``max_iter`` matrix-vector products are solved with ``numpy.linalg.eig`` (a
    :class:`~ahpstat._warnings.ConvergenceWarning` says how many), so nothing unconverged is
    ever returned.

    Returns
    -------
    (weights, lambda_max, n_iter)
        ``lambda_max`` is ``sum(M @ w)`` at the converged ``w``; ``n_iter`` the largest
        number of matrix-vector products (a step with ``M**k`` counts ``k``) over the batch.

    Examples
    --------
    >>> w, lam, _ = principal_eigenvector(np.array([[1, 2.0], [0.5, 1]]))
    >>> w.round(4), round(float(lam), 6)
    (array([0.6667, 0.3333]), 2.0)
    """
    batch = M.shape[:-2]
    n = M.shape[-1]
    A = np.ascontiguousarray(M.reshape(-1, n, n), dtype=float)
    B = A.shape[0]
    if n == 1:
        return np.ones((*batch, 1)), np.ones(batch), 0
    w0 = None  # the kernel starts from the row geometric means
    if start is not None:
        w0 = np.ascontiguousarray(np.broadcast_to(start, (*batch, n)).reshape(B, n), dtype=float)
    from ahpstat._kernels import perron_batch  # numba: imported on first use

    w, lam, iters = perron_batch(A, w0, float(tol), int(max_iter))
    idx = np.flatnonzero(iters < 0)
    it = int(iters.max(initial=0)) if idx.size == 0 else int(max_iter)
    if idx.size:
        sub = A[idx]
        warn(
            f"power iteration did not converge for {idx.size} of {B} matrices in {max_iter} "
            "iterations; solved them with numpy.linalg.eig instead.",
            ConvergenceWarning,
        )
        vals, vecs = np.linalg.eig(sub)
        k = np.argmax(vals.real, axis=-1)
        v = np.abs(np.take_along_axis(vecs.real, k[:, None, None], axis=-1)[..., 0])
        w[idx] = v / v.sum(axis=-1, keepdims=True)
        lam[idx] = np.take_along_axis(vals.real, k[:, None], axis=-1)[:, 0]
    return w.reshape(*batch, n), lam.reshape(batch), it
