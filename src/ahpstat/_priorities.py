"""Priority vectors of validated pairwise-comparison matrices: the computations below the API.

:func:`ahpstat.weights` and :func:`ahpstat.consistency` validate their input and choose what
to compute; this module computes it, for matrices validated already (or, in
:func:`compiled_pass`, validated in the same compiled pass). Both public modules, the
completion and the other layers' internal callers use it, so that no public module reaches
into another's private names and the dependencies go one way::

    weighting  >  consistency  >  completion  >  _priorities  >  _kernels

A private module: its names without underscores are the package's internal API.
"""

from __future__ import annotations

import numpy as np

from ahpstat._warnings import ConvergenceWarning, warn
from ahpstat.pairwise import _is_clean

__all__ = [
    "FUSED_METHODS",
    "NUMPY_MAX_MATRICES",
    "WEIGHTING_METHODS",
    "compiled_pass",
    "geometric_mean_weights",
    "harker_matrix",
    "lapack_stragglers",
    "llsm_weights",
    "method_weights",
    "n_matrices",
    "numpy_path",
    "principal_eigenvector",
    "weights_of_valid",
]

WEIGHTING_METHODS = ("eigenvector", "geometric_mean", "column_mean", "harker", "llsm")
#: the methods one compiled pass computes (:func:`compiled_pass`)
FUSED_METHODS = ("eigenvector", "geometric_mean")

#: batches of at most this many matrices run in numpy: no numba import, so the first call in
#: a fresh process answers in milliseconds (numba's own start costs 0.4-0.6 s, more than all
#: of the seed study's computing: a panel of 25 experts is a batch of 25 matrices per node);
#: in steady state one 7 x 7 matrix takes 13 us in numpy and a stack of 25 about twice the
#: compiled kernel's time; larger batches use the compiled kernels (:mod:`ahpstat._kernels`)
NUMPY_MAX_MATRICES = 32
#: ... or at most this many entries (32 matrices of order 7: 98 of order 4)
NUMPY_MAX_ENTRIES = NUMPY_MAX_MATRICES * 49
#: complete matrices of order 2 and 3 have closed forms (:func:`method_weights`): numpy up to
#: this many of them (a panel's nodes of order 3, batched, are hundreds of matrices)
CLOSED_FORM_MAX_MATRICES = 4096
#: up to this many matrices, one at a time (:func:`_perron_single`); beyond, as one stack
#: (:func:`_perron_stacked`)
LOOP_MAX_MATRICES = 4


def n_matrices(arr: np.ndarray) -> int:
    """Number of ``(n, n)`` matrices in a batch ``(..., n, n)``."""
    return arr.size // (arr.shape[-1] * arr.shape[-1])


def numpy_path(arr: np.ndarray, closed_form: bool = True) -> bool:
    """Whether a batch ``(..., n, n)`` is computed in numpy rather than by the compiled
    kernels: at most ``NUMPY_MAX_MATRICES`` matrices or ``NUMPY_MAX_ENTRIES`` entries, or
    (``closed_form``: complete matrices, eigenvector) of order 2 or 3 and at most
    ``CLOSED_FORM_MAX_MATRICES``. No numba import then: a fresh process answers in
    milliseconds.
    """
    if arr.size <= NUMPY_MAX_ENTRIES:
        return True
    n = arr.shape[-1]
    B = n_matrices(arr)
    return B <= NUMPY_MAX_MATRICES or (closed_form and n <= 3 and B <= CLOSED_FORM_MAX_MATRICES)


def compiled_pass(
    arr: np.ndarray, *, eigenvector: bool = True, geometric_mean: bool = False,
    gci: bool = False, tol: float = 1e-12, max_iter: int = 1000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int] | None:
    """One compiled pass over a batch ``(..., n, n)`` of complete matrices, validation
    included (:func:`ahpstat._kernels.core_batch`).

    Returns ``(WE, WG, lambda_max, gci, n_iter)``, flat over the batch (``(B, n)`` and
    ``(B,)``), the eigenvector's stragglers solved by LAPACK; or ``None`` if a matrix needs
    the numpy path (an invalid or incomplete matrix: the validator then names the problem).
    """
    from ahpstat._kernels import core_batch  # numba: imported on first use

    n = arr.shape[-1]
    A = np.ascontiguousarray(arr.reshape(-1, n, n))
    WE, WG, lam, g, status, iters = core_batch(
        A, eigenvector=eigenvector, geometric_mean=geometric_mean, gci=gci,
        tol=tol, max_iter=max_iter)
    # x[x.argmax()], not x.max(): a third of the time of numpy's reduction on small batches
    worst = int(status[status.argmax()])
    if worst in (1, 2):  # a missing judgment or an invalid matrix: the numpy path decides
        return None
    it = int(iters[iters.argmax()]) if eigenvector else 0
    if worst == 3:
        WE, lam, it = lapack_stragglers(A, WE, lam, status == 3, max_iter)
    return WE, WG, lam, g, it


def weights_of_valid(
    M: np.ndarray, *, method: str, tol: float = 1e-12, max_iter: int = 1000
) -> tuple[np.ndarray, np.ndarray, int]:
    """``(weights, lambda_max, n_iter)`` of validated matrices, as
    ``ahpstat.weights(M, method=method, validate=False)`` computes them: a large batch of
    complete matrices in one compiled pass, the rest by :func:`method_weights`.
    """
    n = M.shape[-1]
    if method in FUSED_METHODS and n > 1 and not numpy_path(M):
        eig = method == "eigenvector"
        fused = compiled_pass(M, eigenvector=eig, geometric_mean=not eig, tol=tol,
                              max_iter=max_iter)
        if fused is not None:
            WE, WG, lam, _, it = fused
            batch = M.shape[:-2]
            if eig:
                return WE.reshape(*batch, n), lam.reshape(batch), it
            return WG.reshape(*batch, n), np.full(batch, np.nan), 0
    return method_weights(M, method=method, tol=tol, max_iter=max_iter)


def method_weights(
    M: np.ndarray, *, method: str, tol: float = 1e-12, max_iter: int = 1000
) -> tuple[np.ndarray, np.ndarray, int]:
    """``(weights, lambda_max, n_iter)`` of validated matrices by ``method`` (``NaN``
    lambda_max for the methods that define none), without the fused compiled pass.
    """
    if method == "eigenvector":
        if M.shape[-1] in (2, 3) and _is_clean(M):  # positive, reciprocal: closed forms
            return _eigen_closed_form(M)
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


def _eigen_closed_form(M: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Eigenvector and ``lambda_max`` of positive reciprocal matrices of order 2 or 3 (as
    :func:`ahpstat.pairwise.validate_matrix` returns them; not Harker's matrices): the
    principal eigenvector is the row geometric mean (Crawford & Williams 1985) and
    ``lambda_max`` is 2, or ``1 + d + 1/d`` with ``d = (a_13 / (a_12 a_23))**(1/3)`` for
    order 3 (Saaty 1977); the power iteration's result up to its tolerance, in a few numpy
    calls, exact up to rounding.

    Examples
    --------
    >>> w, lam, _ = _eigen_closed_form(np.array([[1, 2, 8], [1/2, 1, 4], [1/8, 1/4, 1]]))
    >>> w.round(4), round(float(lam), 6)
    (array([0.6154, 0.3077, 0.0769]), 3.0)
    """
    w = geometric_mean_weights(M)
    if M.shape[-1] == 2:
        return w, np.full(M.shape[:-2], 2.0), 0
    d = np.cbrt(M[..., 0, 2] / (M[..., 0, 1] * M[..., 1, 2]))
    return w, 1.0 + d + 1.0 / d, 0


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
    max_iter: int = 1000, numpy_max: int | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Perron eigenvector (sum 1) and eigenvalue of non-negative irreducible matrices.

    ``start`` (broadcast to ``(..., n)``, rows summing to 1) defaults to the uniform vector
    for small batches and to each matrix's row geometric mean for large ones. Batches of at
    most ``NUMPY_MAX_MATRICES`` matrices or ``NUMPY_MAX_ENTRIES`` entries iterate by
    repeated squaring in numpy (:func:`_perron_numpy` one at a time, :func:`_perron_stacked`
    as a stack); larger ones run the compiled kernel (:mod:`ahpstat._kernels`);
    ``numpy_max`` (a number of matrices) replaces that limit.
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
    small = numpy_path(A, closed_form=False) if numpy_max is None else B <= numpy_max
    if small and B <= LOOP_MAX_MATRICES:
        w, lam, it, bad = _perron_numpy(A, w0, tol, max_iter)
    elif small:
        w, lam, it, bad = _perron_stacked(A, w0, tol, max_iter)
    else:
        from ahpstat._kernels import perron_batch  # numba: imported on first use

        w, lam, iters = perron_batch(A, w0, float(tol), int(max_iter))
        bad = iters < 0
        it = int(iters.max(initial=0))
    w, lam, it2 = lapack_stragglers(A, w, lam, bad, max_iter)
    return w.reshape(*batch, n), lam.reshape(batch), max(it, it2)


def lapack_stragglers(
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

#: squarings before the first convergence check of the numpy paths (``S**64``): a random
#: Saaty matrix of order 7 needs 64 power steps (197 of 200 in ``benchmarks/bench_core.py``),
#: so a check at 32 would fail for almost every one of them (five products wasted), where an
#: expert's matrix, converged at 32, pays one product more
FIRST_SQUARINGS = 6


def _first_squarings(max_iter: int) -> int:
    """``FIRST_SQUARINGS``, fewer when ``max_iter`` allows fewer power steps
    (``floor(log2(max_iter))`` as an integer's bit length: a third of ``np.log2``'s time,
    a microsecond of one 7 x 7 call).
    """
    return min(FIRST_SQUARINGS, max(int(max_iter), 1).bit_length() - 1)


def _perron_single(
    M: np.ndarray, tol: float, max_iter: int, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.float64, int] | None:
    """Power iteration by repeated squaring for one matrix, in the fewest numpy calls.

    ``w = S**p start`` (uniform start by default) with ``S = M / max row sum``, so that no
    power overflows, and ``p = 64`` (``FIRST_SQUARINGS`` matrix products; fewer if
    ``max_iter`` is smaller), doubled while a power step from ``w`` still changes a weight by
    more than ``tol`` (the 2-norm of the change, which bounds the largest) and
    ``2 p <= max_iter``; ``S`` is rescaled after each extra squaring.
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
    for _ in range(_first_squarings(max_iter)):
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
        top = float(S.reshape(-1)[S.argmax()])  # S.max(): argmax is a third of its time
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


def _perron_stacked(
    A: np.ndarray, w0: np.ndarray | None, tol: float, max_iter: int,
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """:func:`_perron_single`'s iteration on a stack ``A`` (B, n, n) at once (stacked
    ``matmul``; a matrix leaves the stack when it converges): batches of up to
    ``NUMPY_MAX_MATRICES`` matrices, with no numba import.

    Returns ``(W, lambda_max, n_iter, not_converged)`` as :func:`_perron_numpy` does.
    """
    B, n, _ = A.shape
    W = np.full((B, n), 1.0 / n)
    lam = np.full(B, np.nan)
    bad = np.zeros(B, dtype=bool)
    x = np.ones((B, n, 1)) if w0 is None else w0[:, :, None]
    S = A * (1.0 / np.einsum("bij->bi", A).max(axis=-1))[:, None, None]
    p = 1
    for _ in range(_first_squarings(max_iter)):
        S = np.matmul(S, S)
        p *= 2
    idx = np.arange(B)
    M = A
    it = 0
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # NaN fails below
        while True:
            w = np.matmul(S, x)
            v = np.matmul(M, w)[:, :, 0]
            w = w[:, :, 0]
            sw, lv = np.einsum("bi->b", w), np.einsum("bi->b", v)
            d = v * (sw / lv)[:, None] - w  # power-step change, times sw
            done = (sw > 0.0) & (lv > 0.0) & (np.einsum("bi,bi->b", d, d) <= (tol * sw) ** 2)
            n_done = int(np.count_nonzero(done))
            if n_done:
                k = idx[done]
                W[k] = w[done] / sw[done, None]
                lam[k] = lv[done] / sw[done]
                it = p
                if n_done == idx.size:
                    break
            if 2 * p > max_iter or p >= 1 << 20:
                bad[idx[~done]] = True
                break
            if n_done:
                keep = ~done
                idx, M, S, x = idx[keep], M[keep], S[keep], x[keep]
            # rows of S sum to at most 1, so S @ S cannot overflow after a rescaling to max 1
            # either; a vanished (all underflow) or NaN matrix cannot converge: flagged, dropped
            S = np.matmul(S, S)
            top = S.reshape(S.shape[0], -1).max(axis=1)
            alive = (top > 0.0) & (top < np.inf)
            if not alive.all():
                bad[idx[~alive]] = True
                idx, M, S, x, top = idx[alive], M[alive], S[alive], x[alive], top[alive]
                if idx.size == 0:
                    break
            S *= (1.0 / top)[:, None, None]
            p *= 2
    return W, lam, it, bad
