"""Completion of incomplete pairwise-comparison matrices (numpy core).

``optimal``
    The completion minimizing lambda_max (Bozóki, Fülöp & Rónyai 2010): in the log
    parametrization ``a_ij = exp(x)`` the Perron root is a convex function of the missing
    entries, so Newton's method with the analytic gradient
    ``d lambda / d x_ij = (v_i a_ij u_j - v_j a_ji u_i) / (v . u)`` (``u``, ``v`` the right and
    left Perron vectors) and a finite-difference Hessian finds the unique optimum when the
    comparison graph is connected; matrices missing the same number of pairs are solved
    together, in one batch.
``harker``
    Fill ``a_ij = w_i / w_j`` with Harker's (1987) weights.
``llsm``
    Fill ``a_ij = w_i / w_j`` with incomplete-LLSM weights (geometric-mean equivalent).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._priorities import llsm_weights, principal_eigenvector, weights_of_valid
from ahpstat._validation import check_method
from ahpstat._warnings import ConvergenceWarning, warn
from ahpstat.pairwise import validate_matrix

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
    method = check_method("method", method, COMPLETION_METHODS)
    M = validate_matrix(A, allow_missing=True) if validate else np.asarray(A, dtype=float)
    missing = np.isnan(M)
    if not missing.any():
        return M.copy()
    if method in ("harker", "llsm"):
        w = weights_of_valid(M, method=method)[0]
        full = w[..., :, None] / w[..., None, :]
        return np.where(missing, full, M)
    n = M.shape[-1]
    flat = M.reshape(-1, n, n)
    out = flat.copy()
    d = np.triu(np.isnan(flat), 1).sum(axis=(-1, -2))
    for k in np.unique(d[d > 0]):  # matrices with the same number of missing pairs together
        sel = np.flatnonzero(d == k)
        per = newton_bytes(n, int(k))
        if sel.size == 1 or per > _CHUNK_BYTES:
            from ahpstat._limits import require_memory

            require_memory(
                per, what=f"the optimal completion of a {n} x {n} matrix with {k} missing "
                f"judgments", detail=f"Newton: {k} perturbed {n} x {n} matrices and a {k} x "
                f"{k} Hessian, in 8-byte floats",
                hint="Judge more of its pairs, or use a method that needs no completion: "
                     "complete(method='llsm' or 'harker'), or the consistency index 'gci' "
                     "(`consistency.index: gci` in a study file).")
        step = max(1, int(_CHUNK_BYTES // per))
        for s in range(0, sel.size, step):
            out[sel[s:s + step]] = _optimal_batch(flat[sel[s:s + step]], tol)
    return out.reshape(M.shape)


#: finite-difference step (log scale) of the Hessian in the optimal completion
_FD_STEP = 1e-6

#: matrices completed together are grouped so that their working memory stays below this
_CHUNK_BYTES = 64 * 2**20


def newton_bytes(n: int, d: int) -> float:
    """Working memory of the optimal completion of one ``n`` x ``n`` matrix with ``d`` missing
    pairs: the ``d`` perturbed copies of the matrix (and their transposes and Perron
    vectors) for the finite-difference Hessian, and the ``d`` x ``d`` Hessian.

    Examples
    --------
    >>> newton_bytes(7, 5) / 2**10  # KiB
    7.2265625
    """
    return 8.0 * (3.0 * d * n * n + 2.0 * d * d + 4.0 * d * n)


def _perron(A: np.ndarray, *, left: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Right (or left) Perron vectors and roots of ``A`` (k, n, n) to 1e-14: numpy for up to
    64 matrices, the compiled kernel beyond (the small problems of one matrix stay free of
    numba's start-up cost).
    """
    X = np.ascontiguousarray(np.swapaxes(A, -1, -2)) if left else A
    w, lam, _ = principal_eigenvector(X, tol=1e-14, max_iter=100_000, numpy_max=64)
    return w, lam


def _optimal_batch(
    M: np.ndarray, tol: float, bounds: tuple[float, float] | None = None
) -> np.ndarray:
    """The lambda_max-minimizing completion of matrices ``M`` (B, n, n) that all miss the
    same number ``d`` of pairs: damped Newton in the logs of the missing entries.

    The gradient is analytic, ``d lambda / d x_ij = (v_i a_ij u_j - v_j a_ji u_i) / (v . u)``
    (``u``, ``v`` the right and left Perron vectors; Bozóki, Fülöp & Rónyai 2010); the
    Hessian is its forward difference (``d`` more gradients per step, all matrices and
    directions in one batch), symmetrized; the step is backtracked until lambda_max does not
    increase (a gradient step where the Hessian is not positive definite). Starts from the
    LLSM completion, already close: a few steps to a gradient below ``tol``.

    ``bounds=(lo, hi)`` keeps every missing entry in ``[lo, hi]`` (projected Newton: a
    variable at a bound that the gradient pushes outwards is held there, the Newton step is
    taken in the others, and the step is projected back into the box).
    """
    B = M.shape[0]
    miss = np.isnan(M)
    _, iu, ju = np.nonzero(np.triu(miss, 1))  # row-major: matrix by matrix
    d = iu.size // B
    Iu, Ju = iu.reshape(B, d), ju.reshape(B, d)
    base = np.where(miss, 1.0, M)
    w0 = llsm_weights(M)
    rows = np.arange(B)[:, None]
    x = np.log(w0[rows, Iu] / w0[rows, Ju])
    lo, hi = (-np.inf, np.inf) if bounds is None else (np.log(bounds[0]), np.log(bounds[1]))
    x = np.clip(x, lo, hi)

    def fill(x: np.ndarray, sel: np.ndarray) -> np.ndarray:
        A = base[sel].copy()
        r = np.arange(sel.size)[:, None]
        A[r, Iu[sel], Ju[sel]] = np.exp(x)
        A[r, Ju[sel], Iu[sel]] = np.exp(-x)
        return A

    def gradient(x: np.ndarray, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        A = fill(x, sel)
        u, lam = _perron(A)
        v, _ = _perron(A, left=True)
        r = np.arange(sel.size)[:, None]
        i, j = Iu[sel], Ju[sel]
        g = (v[r, i] * A[r, i, j] * u[r, j] - v[r, j] * A[r, j, i] * u[r, i])
        return lam, g / np.einsum("ki,ki->k", v, u)[:, None]

    active = np.arange(B)
    gmax = np.full(B, np.inf)
    for _ in range(100):
        if active.size == 0:
            break
        lam, g = gradient(x[active], active)
        xa = x[active]
        held = ((xa <= lo) & (g > 0)) | ((xa >= hi) & (g < 0))  # at a bound, pushed out
        g = np.where(held, 0.0, g)  # the projected gradient
        gmax[active] = np.abs(g).max(axis=-1)
        keep = gmax[active] > tol
        active, lam, g, held = active[keep], lam[keep], g[keep], held[keep]
        if active.size == 0:
            break
        k = active.size
        xp = np.repeat(x[active], d, axis=0) + _FD_STEP * np.tile(np.eye(d), (k, 1))
        _, gp = gradient(xp, np.repeat(active, d))
        H = (gp.reshape(k, d, d) - np.where(held, 0.0, g)[:, None, :]) / _FD_STEP
        H = 0.5 * (H + np.swapaxes(H, -1, -2))
        free = ~held
        H = np.where(free[:, :, None] & free[:, None, :], H, np.eye(d))  # held: no step
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            try:
                step = -np.linalg.solve(H, g[..., None])[..., 0]
            except np.linalg.LinAlgError:
                step = np.full_like(g, np.nan)
        slope = np.einsum("ki,ki->k", g, step)
        bad = ~np.isfinite(step).all(axis=-1) | ~(slope < 0)
        step[bad] = -g[bad]
        slope[bad] = -np.einsum("ki,ki->k", g[bad], g[bad])
        t = np.ones(k)
        todo = np.ones(k, dtype=bool)
        for _ in range(40):  # backtracking: lambda_max must not increase
            sel = np.flatnonzero(todo)
            xt = np.clip(x[active[sel]] + t[sel, None] * step[sel], lo, hi)
            _, lt = _perron(fill(xt, active[sel]))
            ok = lt <= lam[sel] + 1e-4 * t[sel] * slope[sel] + 1e-13 * lam[sel]
            x[active[sel[ok]]] = xt[ok]
            todo[sel[ok]] = False
            t[sel[~ok]] *= 0.5
            if not todo.any():
                break
        active = active[~todo | (t > 1e-12)]
    if (gmax > max(tol, 1e-6)).any():
        warn(
            f"optimal completion stopped before convergence for {(gmax > tol).sum()} of {B} "
            f"matrices; largest gradient {gmax.max():.2e}.",
            ConvergenceWarning,
        )
    return fill(x, np.arange(B))
