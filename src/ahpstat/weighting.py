"""Priority weights from pairwise-comparison matrices (numpy core, batched over leading axes).

Methods
-------
``eigenvector``
    Saaty's principal right eigenvector (all entries positive, so Perron-Frobenius
    guarantees a unique positive principal eigenvector). Small batches: power iteration by
    repeated squaring in numpy (no compiled code, so even the first call in a fresh process
    is fast); large batches: a compiled kernel (inverse iteration shifted by the
    Collatz-Wielandt bound, :mod:`ahpstat._kernels`). Either stops when one power step
    ``A w / sum(A w)`` changes no weight by more than ``tol``; every matrix's convergence is
    checked, stragglers fall back to LAPACK (``numpy.linalg.eig``) and are never returned
    unconverged.
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

Validated once
--------------
``weights(A)`` validates ``A`` (:func:`ahpstat.pairwise.validate_matrix`) and computes;
``weights(A, consistency="cr")`` also returns the consistency index from the same pass (the
eigenvector's ``lambda_max`` is the CR's), so a matrix is validated once for both. Code that
has already validated its matrices (``M = validate_matrix(A)``) passes ``validate=False``.
Large batches of complete matrices with ``"eigenvector"`` or ``"geometric_mean"`` take one
compiled pass that validates, weights and (with ``consistency``) computes ``lambda_max`` and
the index, with no ``(B, n, n)`` temporary.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._results import WeightsResult
from ahpstat._validation import check_choice
from ahpstat._warnings import ConvergenceWarning, warn
from ahpstat.pairwise import as_matrix_batch, validate_matrix

if TYPE_CHECKING:
    from ahpstat.scales import RandomIndexTable

__all__ = ["INCOMPLETE_METHOD", "NUMPY_MAX_MATRICES", "WEIGHTING_METHODS", "weights"]

WEIGHTING_METHODS = ("eigenvector", "geometric_mean", "column_mean", "harker", "llsm")
#: the method that weights an incomplete matrix in place of each method: Harker's eigenvector
#: for the eigenvector, the incomplete LLSM for the means (the incomplete methods themselves)
INCOMPLETE_METHOD: Mapping[str, str] = MappingProxyType({
    "eigenvector": "harker", "geometric_mean": "llsm", "column_mean": "llsm",
    "harker": "harker", "llsm": "llsm"})
_INCOMPLETE_METHODS = ("harker", "llsm")
_FUSED_METHODS = ("eigenvector", "geometric_mean")
_FUSED_INDICES = (None, "ci", "cr", "gci")

#: batches of at most this many matrices run in numpy: no numba import, so the first call in
#: a fresh process answers in milliseconds, and about as fast as the compiled kernel later
#: (measured: one 7 x 7 matrix 13 us in numpy, 2 to 4 matrices within 10 us of the kernel);
#: larger batches use the compiled kernels (:mod:`ahpstat._kernels`)
NUMPY_MAX_MATRICES = 4


def _cons() -> ModuleType:
    """The consistency module (imported lazily: it imports this one)."""
    mod = sys.modules.get("ahpstat.consistency")
    return mod if mod is not None else importlib.import_module("ahpstat.consistency")


def _n_matrices(arr: np.ndarray) -> int:
    return arr.size // (arr.shape[-1] * arr.shape[-1])


def _method(name: str, value: object, choices: tuple[str, ...]) -> str:
    """``check_choice`` after lower-casing: methods are case-insensitive."""
    if value in choices:  # the common case, spelled as listed: no lower-casing
        return value
    return check_choice(name, value.lower() if isinstance(value, str) else value, choices)


def weights(
    A: ArrayLike,
    *,
    method: str = "eigenvector",
    tol: float = 1e-12,
    max_iter: int = 1000,
    scale: str | None = None,
    completion: str | None = None,
    consistency: str | None = None,
    random_index: str | Mapping[int, float] | RandomIndexTable = "saaty",
    validate: bool = True,
) -> WeightsResult:
    """Priority weights of one or many pairwise-comparison matrices.

    Parameters
    ----------
    A : array_like, shape (..., n, n)
        Positive reciprocal matrices, batched over any leading axes; ``NaN`` off the diagonal
        marks a missing judgment (``"harker"`` and ``"llsm"`` accept those; any method does
        with ``completion``).
    method : {"eigenvector", "geometric_mean", "column_mean", "harker", "llsm"}
        Weighting method (see the module notes); case-insensitive.
    tol : float, default 1e-12
        Eigenvector convergence tolerance: the largest change of a weight in one power step.
    max_iter : int, default 1000
        Iterations (matrix-vector products or their equivalent) before the remaining
        matrices are solved by LAPACK.
    scale : {None, "saaty"}
        Require Saaty's 1-9 scale, snapping values to it (:mod:`ahpstat.scales`; default: any
        positive reciprocal values).
    completion : {None, "optimal", "harker", "llsm"}
        Complete incomplete matrices first (:func:`ahpstat.complete`), then weight them:
        ``method="eigenvector", completion="optimal"`` is the eigenvector of the
        lambda-max-minimizing completion (Bozóki, Fülöp & Rónyai 2010), AHPy's default for
        incomplete matrices. Complete matrices are weighted as they are.
    consistency : {None, "cr", "ci", "gci", "koczkodaj"}
        Also compute this consistency index (as :func:`ahpstat.consistency` does) from the
        same validated matrices, returned as the result's ``consistency``.
    random_index : str, mapping or RandomIndexTable, default "saaty"
        Random-index table for ``consistency="cr"`` or ``"ci"``.
    validate : bool, default True
        ``False`` skips :func:`ahpstat.pairwise.validate_matrix` for matrices the caller has
        validated already (the validated-once path; garbage in, garbage out).

    Returns
    -------
    WeightsResult
        ``weights`` (..., n) summing to 1, ``lambda_max`` (...) for eigenvector-type methods
        (``NaN`` for the others), ``method``, ``n_iter``, and ``consistency`` (a
        :class:`~ahpstat._results.ConsistencyResult`, or ``None``).

    Raises
    ------
    InputError
        Invalid matrices (the message names the matrix and the pair).
    ValueError
        An unknown method, index or scale.

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

    Weights and the consistency ratio from one validation:

    >>> r = ah.weights(A, consistency="cr")
    >>> round(float(r.consistency.value), 4), bool(r.consistency.acceptable)
    (0.0223, True)
    """
    method = _method("method", method, WEIGHTING_METHODS)
    index = None
    if consistency is not None:
        index = _method("consistency", consistency, _cons().CONSISTENCY_INDICES)
    if completion is not None:
        from ahpstat.completion import COMPLETION_METHODS, complete

        completion = _method("completion", completion, COMPLETION_METHODS)
        arr = (validate_matrix(A, allow_missing=True, scale=scale) if validate
               else as_matrix_batch(A))
        if np.isnan(arr).any():
            arr = complete(arr, method=completion, validate=False)
        validate, scale = False, None
    else:
        arr = as_matrix_batch(A)
    if (method in _FUSED_METHODS and scale is None and index in _FUSED_INDICES
            and arr.shape[-1] > 1 and _n_matrices(arr) > NUMPY_MAX_MATRICES):
        fused = _weights_fused(arr, method, index, random_index, tol, max_iter)
        if fused is not None:
            return fused
    if validate:
        arr = validate_matrix(arr, allow_missing=method in _INCOMPLETE_METHODS, scale=scale)
    w, lam, it = _weights_of_valid(arr, method=method, tol=tol, max_iter=max_iter)
    if index is None:
        return WeightsResult(w, lam, method, it)
    c = _cons()._consistency_of_valid(
        arr, index=index, random_index=random_index, threshold=None,
        lambda_max=lam if method == "eigenvector" and index in ("ci", "cr") else None,
        complete=method not in _INCOMPLETE_METHODS or None)
    return WeightsResult(w, lam, method, it, c)


def _weights_fused(
    arr: np.ndarray, method: str, index: str | None,
    random_index: str | Mapping[int, float] | RandomIndexTable, tol: float, max_iter: int,
) -> WeightsResult | None:
    """One compiled pass (validation included); ``None`` if a matrix needs the numpy path
    (an invalid or incomplete matrix: the validator then names the problem).
    """
    from ahpstat._kernels import core_batch  # numba: imported on first use

    batch, n = arr.shape[:-2], arr.shape[-1]
    A = np.ascontiguousarray(arr.reshape(-1, n, n))
    eig = method == "eigenvector" or index in ("ci", "cr")
    WE, WG, lam, gci, status, iters = core_batch(
        A, eigenvector=eig, geometric_mean=method == "geometric_mean", gci=index == "gci",
        tol=tol, max_iter=max_iter)
    worst = int(status.max())
    if worst in (1, 2):  # a missing judgment or an invalid matrix: the numpy path decides
        return None
    it = int(iters.max()) if eig else 0
    if worst == 3:
        WE, lam, it = _lapack_stragglers(A, WE, lam, status == 3, max_iter)
    W = WE if method == "eigenvector" else WG
    lam_out = lam.reshape(batch) if method == "eigenvector" else np.full(batch, np.nan)
    c = None
    if index is not None:
        c = _cons()._consistency_of_valid(
            arr, index=index, random_index=random_index, threshold=None,
            lambda_max=lam.reshape(batch) if eig else None,
            gci=gci.reshape(batch) if index == "gci" else None, complete=True)
    return WeightsResult(W.reshape(*batch, n), lam_out, method, it, c)


def _weights_of_valid(
    M: np.ndarray, *, method: str, tol: float = 1e-12, max_iter: int = 1000
) -> tuple[np.ndarray, np.ndarray, int]:
    """``(weights, lambda_max, n_iter)`` of validated matrices (``NaN`` lambda_max for the
    methods that define none).
    """
    if method == "eigenvector":
        if M.ndim == 2 and M.shape[0] > 1:
            one = _perron_single(M, tol, max_iter)
            if one is not None:
                return one[0], np.asarray(one[1]), one[2]
        return principal_eigenvector(M, tol=tol, max_iter=max_iter)
    nan = np.full(M.shape[:-2], np.nan)
    if method == "geometric_mean":
        return geometric_mean_weights(M), nan, 0
    if method == "column_mean":
        # row means of the column-normalized matrix; einsum, as in geometric_mean_weights
        W = np.einsum("...ij,...j->...i", M, 1.0 / np.einsum("...ij->...j", M))
        return W / np.einsum("...i->...", W)[..., None], nan, 0
    if method == "llsm":
        return llsm_weights(M), nan, 0
    H = harker_matrix(M)  # "harker"
    return principal_eigenvector(H, start=llsm_weights(M), tol=tol, max_iter=max_iter)


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
    max_iter: int = 1000, numpy_max: int = NUMPY_MAX_MATRICES,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Perron eigenvector (sum 1) and eigenvalue of non-negative irreducible matrices.

    ``start`` (broadcast to ``(..., n)``, rows summing to 1) defaults to the uniform vector
    for small batches and to each matrix's row geometric mean for large ones. Batches of at
    most ``NUMPY_MAX_MATRICES`` matrices iterate by repeated squaring in numpy
    (:func:`_perron_numpy`); larger ones run the compiled kernel (:mod:`ahpstat._kernels`);
    ``numpy_max`` moves that limit.
    Either stops when one power step changes no weight by more than ``tol``; matrices not
    converged after about ``max_iter`` iterations are solved with ``numpy.linalg.eig`` (a
    :class:`~ahpstat._warnings.ConvergenceWarning` says how many), so nothing unconverged is
    ever returned.

    Returns
    -------
    (weights, lambda_max, n_iter)
        ``lambda_max`` is ``sum(M @ w)`` at the returned ``w``; ``n_iter`` the largest
        number of iterations over the batch (matrix-vector products or their equivalent).

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
    w0 = None
    if start is not None:
        w0 = np.ascontiguousarray(np.broadcast_to(start, (*batch, n)).reshape(B, n), dtype=float)
    if B <= numpy_max:
        w, lam, it, bad = _perron_numpy(A, w0, tol, max_iter)
    else:
        from ahpstat._kernels import perron_batch  # numba: imported on first use

        w, lam, iters = perron_batch(A, w0, float(tol), int(max_iter))
        bad = iters < 0
        it = int(iters.max(initial=0))
    w, lam, it2 = _lapack_stragglers(A, w, lam, bad, max_iter)
    return w.reshape(*batch, n), lam.reshape(batch), max(it, it2)


def _lapack_stragglers(
    A: np.ndarray, W: np.ndarray, lam: np.ndarray, bad: np.ndarray, max_iter: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Solve the matrices flagged ``bad`` (not converged) with ``numpy.linalg.eig``, warning."""
    if not bad.any():
        return W, lam, 0
    idx = np.flatnonzero(bad)
    warn(
        f"power iteration did not converge for {idx.size} of {A.shape[0]} matrices in "
        f"{max_iter} iterations; solved them with numpy.linalg.eig instead.",
        ConvergenceWarning,
    )
    vals, vecs = np.linalg.eig(A[idx])
    k = np.argmax(vals.real, axis=-1)
    v = np.abs(np.take_along_axis(vecs.real, k[:, None, None], axis=-1)[..., 0])
    W = W.copy()
    lam = lam.copy()
    W[idx] = v / v.sum(axis=-1, keepdims=True)
    lam[idx] = np.take_along_axis(vals.real, k[:, None], axis=-1)[:, 0]
    return W, lam, int(max_iter)


_ONES: dict[int, np.ndarray] = {}


def _perron_single(
    M: np.ndarray, tol: float, max_iter: int, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.float64, int] | None:
    """Power iteration by repeated squaring for one matrix, in the fewest numpy calls.

    ``w = S**p start`` (uniform start by default) with ``S = M / max row sum``, so that no
    power overflows, and ``p = 32`` (five matrix products), doubled while a power step from
    ``w`` still changes a weight by more than ``tol`` (the 2-norm of the change, which
    bounds the largest) and ``2 p <= max_iter``; ``S`` is rescaled after each extra squaring.
    Returns ``(w, sum(M w), p)``, or ``None`` if it did not converge (the caller then solves
    the matrix with LAPACK).
    """
    n = M.shape[0]
    one = _ONES.get(n)
    if one is None:
        one = _ONES.setdefault(n, np.ones(n))
    x = one if start is None else start
    S = M * (1.0 / max(M.dot(one).tolist()))
    p = 1
    for _ in range(5 if max_iter >= 32 else max(0, int(np.log2(max(max_iter, 1))))):
        S = S.dot(S)
        p *= 2
    while True:
        w = S.dot(x)
        sw = float(w.dot(one))
        v = M.dot(w)
        lv = float(v.dot(one))
        if sw > 0.0 and lv > 0.0:  # also False for NaN
            d = v * (sw / lv) - w  # power-step change, times sw
            if float(d.dot(d)) <= (tol * sw) ** 2:
                return w * (1.0 / sw), np.float64(lv / sw), p
        if 2 * p > max_iter or p >= 1 << 20:
            return None
        # rows of S sum to at most 1 (S = M / its largest row sum), so S @ S cannot overflow
        # after a rescaling to max 1 either (entries <= n); only a vanished S (all
        # underflow) or NaN is left, and that cannot converge
        S = S.dot(S)
        top = float(S.max())
        if not 0.0 < top < np.inf:
            return None
        S *= 1.0 / top
        p *= 2


def _perron_numpy(
    A: np.ndarray, w0: np.ndarray | None, tol: float, max_iter: int,
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """:func:`_perron_single` for each matrix of a small batch ``A`` (B, n, n).

    Returns ``(W, lambda_max, n_iter, not_converged)``; a matrix that did not converge has
    the uniform vector and ``NaN`` (for the caller's LAPACK fallback).
    """
    B, n, _ = A.shape
    W = np.full((B, n), 1.0 / n)
    lam = np.full(B, np.nan)
    bad = np.zeros(B, dtype=bool)
    it = 0
    for b in range(B):
        one = _perron_single(A[b], tol, max_iter, None if w0 is None else w0[b])
        if one is None:
            bad[b] = True
            continue
        W[b], lam[b] = one[0], one[1]
        it = max(it, one[2])
    return W, lam, it, bad
