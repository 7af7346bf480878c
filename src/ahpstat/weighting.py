"""Priority weights from pairwise-comparison matrices (numpy core, batched over leading axes).

Methods
-------
``eigenvector``
    Saaty's principal right eigenvector (all entries positive, so Perron-Frobenius
    guarantees a unique positive principal eigenvector). Small batches (up to 32 matrices):
    power iteration by repeated squaring in numpy (no compiled code, so even the first call
    in a fresh process is fast); matrices of order 2 and 3: the closed forms (for them the
    eigenvector is the row geometric mean); large batches: a compiled kernel (inverse
    iteration shifted by the Collatz-Wielandt bound, :mod:`ahpstat._kernels`). Either stops
    when one power step ``A w / sum(A w)`` changes no weight by more than ``tol``; every
    matrix's convergence is checked, stragglers fall back to LAPACK (``numpy.linalg.eig``)
    and are never returned unconverged.
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

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._priorities import (
    FUSED_METHODS,
    NUMPY_MAX_MATRICES,
    WEIGHTING_METHODS,
    compiled_pass,
    method_weights,
    numpy_path,
)
from ahpstat._results import WeightsResult
from ahpstat._validation import check_method
from ahpstat.consistency import CONSISTENCY_INDICES, consistency_of_valid
from ahpstat.pairwise import as_matrix_batch, validate_matrix

if TYPE_CHECKING:
    from ahpstat.scales import RandomIndexTable

__all__ = ["INCOMPLETE_METHOD", "NUMPY_MAX_MATRICES", "WEIGHTING_METHODS", "weights"]

#: the method that weights an incomplete matrix in place of each method: Harker's eigenvector
#: for the eigenvector, the incomplete LLSM for the means (the incomplete methods themselves)
INCOMPLETE_METHOD: Mapping[str, str] = MappingProxyType({
    "eigenvector": "harker", "geometric_mean": "llsm", "column_mean": "llsm",
    "harker": "harker", "llsm": "llsm"})
_INCOMPLETE_METHODS = ("harker", "llsm")
_FUSED_INDICES = (None, "ci", "cr", "gci")


def _method(name: str, value: object, choices: tuple[str, ...]) -> str:
    """A method name, case-insensitive (:func:`ahpstat._validation.check_method`)."""
    return check_method(name, value, choices)


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
        index = _method("consistency", consistency, CONSISTENCY_INDICES)
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
    if (arr.ndim > 2 and method in FUSED_METHODS and scale is None and index in _FUSED_INDICES
            and arr.shape[-1] > 1 and not numpy_path(arr)):
        fused = _weights_fused(arr, method, index, random_index, tol, max_iter)
        if fused is not None:
            return fused
    if validate:
        arr = validate_matrix(arr, allow_missing=method in _INCOMPLETE_METHODS, scale=scale)
    w, lam, it = method_weights(arr, method=method, tol=tol, max_iter=max_iter)
    if index is None:
        return WeightsResult(w, lam, method, it)
    c = consistency_of_valid(
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
    eig = method == "eigenvector" or index in ("ci", "cr")
    fused = compiled_pass(arr, eigenvector=eig, geometric_mean=method == "geometric_mean",
                          gci=index == "gci", tol=tol, max_iter=max_iter)
    if fused is None:
        return None
    WE, WG, lam, gci, it = fused
    batch, n = arr.shape[:-2], arr.shape[-1]
    W = WE if method == "eigenvector" else WG
    lam_out = lam.reshape(batch) if method == "eigenvector" else np.full(batch, np.nan)
    c = None
    if index is not None:
        c = consistency_of_valid(
            arr, index=index, random_index=random_index, threshold=None,
            lambda_max=lam.reshape(batch) if eig else None,
            gci=gci.reshape(batch) if index == "gci" else None, complete=True)
    return WeightsResult(W.reshape(*batch, n), lam_out, method, it, c)
