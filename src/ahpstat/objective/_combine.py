"""Weight vectors combined into one: multiplicative, linear, game theory
(:func:`combine_weights`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._validation import check_method
from ahpstat._warnings import DegenerateDataWarning, warn
from ahpstat.objective._result import CombinedWeights

__all__ = ["COMBINATION_METHODS", "combine_weights"]

#: ways of combining weight vectors
COMBINATION_METHODS = ("multiplicative", "linear", "game_theory")


def combine_weights(
    vectors: ArrayLike, *, method: str = "game_theory",
    alpha: float | ArrayLike | None = None,
) -> CombinedWeights:
    """Combine ``K`` weight vectors of the same items into one.

    Parameters
    ----------
    vectors : array_like, shape (K, ..., n)
        The weight vectors (each non-negative, summing to 1 over the last axis), batched over
        the middle axes; conventionally the subjective (AHP) vector first.
    method : {"game_theory", "multiplicative", "linear"}, default "game_theory"
        Module notes; case-insensitive.
    alpha : float or array_like of K floats
        ``"linear"`` only (and required there): the coefficients (non-negative, summing to 1);
        a single number ``a`` with two vectors means ``(a, 1 - a)``.

    Returns
    -------
    CombinedWeights

    Examples
    --------
    Hand computation of the game-theory combination of ``u = (0.6, 0.3, 0.1)`` and
    ``v = (0.2, 0.3, 0.5)``: ``u.u = 0.46``, ``u.v = 0.26``, ``v.v = 0.38``; solving
    ``0.46 a + 0.26 b = 0.46``, ``0.26 a + 0.38 b = 0.38`` gives ``a = 0.70896``,
    ``b = 0.51493``, normalised ``(0.57927, 0.42073)``:

    >>> c = combine_weights([[0.6, 0.3, 0.1], [0.2, 0.3, 0.5]])
    >>> c.coefficients.round(5), c.weights.round(5)
    (array([0.57927, 0.42073]), array([0.43171, 0.3    , 0.26829]))
    >>> combine_weights([[0.6, 0.3, 0.1], [0.2, 0.3, 0.5]], method="linear",
    ...                 alpha=0.5).weights
    array([0.4, 0.3, 0.3])
    >>> combine_weights([[0.6, 0.3, 0.1], [0.2, 0.3, 0.5]],
    ...                 method="multiplicative").weights.round(4)   # (0.12, 0.09, 0.05)/0.26
    array([0.4615, 0.3462, 0.1923])
    """
    m = check_method("method", method, COMBINATION_METHODS)
    V = np.asarray(vectors, dtype=float)
    if V.ndim < 2 or V.shape[0] < 2:
        raise ValueError("`vectors` must hold at least two weight vectors, shape (K, ..., n) "
                         f"with K >= 2; got shape {V.shape} instead.")
    if not np.all(np.isfinite(V)) or np.any(V < 0):
        raise ValueError("`vectors` must be finite and non-negative weights; got "
                         f"{np.nanmin(V) if V.size else V!r} as the smallest entry instead.")
    K = V.shape[0]
    if m != "linear" and alpha is not None:
        raise ValueError(f"`alpha` applies to the linear combination only; got {alpha!r} with "
                         f"method {m!r} instead.")
    batch = V.shape[1:-1]
    if m == "multiplicative":
        prod = np.prod(V, axis=0)
        s = prod.sum(axis=-1, keepdims=True)
        if np.any(s <= 0):
            warn("multiplicative combination: the vectors share no item with positive weight; "
                 "NaN.", DegenerateDataWarning)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(s > 0, prod / np.where(s > 0, s, 1.0), np.nan)
        return CombinedWeights(m, w, np.full((*batch, K), np.nan))
    if m == "linear":
        if alpha is None:
            raise ValueError("the linear combination needs `alpha`, the stated coefficient(s); "
                             "got None instead.")
        a = np.atleast_1d(np.asarray(alpha, dtype=float))
        if a.shape == (1,) and K == 2:
            a = np.array([a[0], 1.0 - a[0]])
        if a.shape != (K,) or not np.all(np.isfinite(a)) or np.any(a < 0) or not np.isclose(
                a.sum(), 1.0, rtol=0, atol=1e-9):
            raise ValueError(f"`alpha` must be {K} non-negative coefficients summing to 1 (or "
                             f"one number in [0, 1] for two vectors); got {alpha!r} instead.")
        w = np.tensordot(a, V, axes=(0, 0))
        return CombinedWeights(m, w, np.broadcast_to(a, (*batch, K)).copy())
    # game theory: sum_k a_k (u_i . u_k) = u_i . u_i
    U = np.moveaxis(V, 0, -2)                         # (..., K, n)
    G = U @ np.swapaxes(U, -1, -2)                    # (..., K, K)
    d = np.diagonal(G, axis1=-2, axis2=-1)            # (..., K)
    a = (np.linalg.pinv(G, hermitian=True) @ d[..., None])[..., 0]
    s = np.abs(a).sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        a_star = np.abs(a) / s
    w = (a_star[..., None] * U).sum(axis=-2)
    w = w / w.sum(axis=-1, keepdims=True)
    return CombinedWeights(m, w, a_star)
