"""Completion of incomplete pairwise-comparison matrices (numpy core).

``optimal``
    The completion minimizing lambda_max (Bozóki, Fülöp & Rónyai 2010): in the log
    parametrization ``a_ij = exp(x)`` the Perron root is a convex function of the missing
    entries, so a quasi-Newton method with the analytic gradient
    ``d lambda / d x_ij = (v_i a_ij u_j - v_j a_ji u_i) / (v . u)`` (``u``, ``v`` the right and
    left Perron vectors) finds the unique optimum when the comparison graph is connected.
``harker``
    Fill ``a_ij = w_i / w_j`` with Harker's (1987) weights.
``llsm``
    Fill ``a_ij = w_i / w_j`` with incomplete-LLSM weights (geometric-mean equivalent).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._validation import check_choice
from ahpstat._warnings import ConvergenceWarning, warn
from ahpstat.pairwise import validate_matrix
from ahpstat.weighting import _weights_validated, principal_eigenvector

__all__ = ["COMPLETION_METHODS", "complete"]

COMPLETION_METHODS = ("optimal", "harker", "llsm")


def complete(
    A: ArrayLike, *, method: str = "optimal", tol: float = 1e-10, validate: bool = True
) -> np.ndarray:
    """Fill the missing judgments of incomplete pairwise-comparison matrices.

    Parameters
    ----------
    A : array_like, shape (..., n, n)
        Matrices with ``NaN`` for missing judgments (mirrored); the comparison graph of each
        must be connected (otherwise a ``ValueError`` names the components).
    method : {"optimal", "harker", "llsm"}, default "optimal"
        See the module notes; case-insensitive.
    tol : float
        Gradient tolerance of the optimal completion.
    validate : bool, default True
        ``False`` skips :func:`ahpstat.pairwise.validate_matrix` for matrices the caller has
        validated already.

    Returns
    -------
    ndarray, shape (..., n, n)
        Full positive reciprocal matrices that agree with every given judgment.

    Examples
    --------
    Bozóki, Fülöp & Rónyai (2010), Section 5 example: c-d missing, optimum 0.7303.

    >>> import numpy as np, ahpstat as ah
    >>> nan = np.nan
    >>> A = np.array([[1, 1, 5, 2], [1, 1, 3, 4], [1/5, 1/3, 1, nan], [1/2, 1/4, nan, 1]])
    >>> round(float(ah.complete(A)[2, 3]), 4)
    0.7303
    """
    method = check_choice("method", method.lower() if isinstance(method, str) else method,
                          COMPLETION_METHODS)
    M = validate_matrix(A, allow_missing=True) if validate else np.asarray(A, dtype=float)
    missing = np.isnan(M)
    if not missing.any():
        return M.copy()
    if method in ("harker", "llsm"):
        w = _weights_validated(M, method=method).weights
        full = w[..., :, None] / w[..., None, :]
        return np.where(missing, full, M)
    n = M.shape[-1]
    flat = M.reshape(-1, n, n)
    out = flat.copy()
    for b in range(flat.shape[0]):
        if np.isnan(flat[b]).any():
            out[b] = _optimal_one(flat[b], tol)
    return out.reshape(M.shape)


def _optimal_one(M: np.ndarray, tol: float) -> np.ndarray:
    iu, ju = np.nonzero(np.triu(np.isnan(M), 1))
    from ahpstat._limits import completion_bytes, require_memory

    m = len(iu)
    require_memory(completion_bytes(m), what=f"the optimal completion of a {M.shape[0]} x "
                   f"{M.shape[0]} matrix with {m} missing judgments",
                   detail=f"BFGS: a {m} x {m} matrix of 8-byte floats, twice",
                   hint="Judge more of its pairs, or use a method that needs no completion: "
                        "complete(method='llsm' or 'harker'), or the consistency index 'gci' "
                        "(`consistency.index: gci` in a study file).")
    # start from the LLSM completion (already close to optimal)
    w0 = _weights_validated(M, method="llsm").weights
    x0 = np.log(w0[iu] / w0[ju])
    base = np.where(np.isnan(M), 1.0, M)

    def fill(x: np.ndarray) -> np.ndarray:
        A = base.copy()
        A[iu, ju] = np.exp(x)
        A[ju, iu] = np.exp(-x)
        return A

    def f(x: np.ndarray) -> tuple[float, np.ndarray]:
        A = fill(x)
        u, lam, _ = principal_eigenvector(A[None], tol=1e-14, max_iter=100000)
        v, _, _ = principal_eigenvector(A.T[None].copy(), tol=1e-14, max_iter=100000)
        u, v = u[0], v[0]
        vu = float(v @ u)
        g = (v[iu] * A[iu, ju] * u[ju] - v[ju] * A[ju, iu] * u[iu]) / vu
        return float(lam[0]), g

    from scipy.optimize import minimize

    res = minimize(f, x0, jac=True, method="BFGS", options={"gtol": tol, "maxiter": 1000})
    if not res.success and np.max(np.abs(res.jac)) > 1e-6:
        warn(
            f"optimal completion stopped before convergence ({res.message}); "
            f"largest gradient {np.max(np.abs(res.jac)):.2e}.",
            ConvergenceWarning,
        )
    return fill(res.x)
