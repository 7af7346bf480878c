"""The objective weighting methods: entropy, CRITIC, standard deviation, coefficient of
variation (:func:`objective_weights` and one function each; the package notes give the
formulas).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._validation import check_method
from ahpstat._warnings import DegenerateDataWarning, warn
from ahpstat.objective._data import CONST_RTOL, Data
from ahpstat.objective._result import ObjectiveWeights

__all__ = ["ENTROPY_NORMALIZATIONS", "OBJECTIVE_METHODS", "critic_weights", "cv_weights",
           "entropy_weights", "objective_weights", "sd_weights"]

#: objective weighting methods, by name
OBJECTIVE_METHODS = ("entropy", "critic", "sd", "cv")
#: the two named normalisations of the entropy weight method
ENTROPY_NORMALIZATIONS = ("minmax", "proportion")


def _benefit(benefit: ArrayLike | None, n: int) -> np.ndarray:
    if benefit is None:
        return np.ones(n, dtype=bool)
    b = np.asarray(benefit)
    if b.shape != (n,) or b.dtype != bool:
        raise ValueError(f"`benefit` must be {n} booleans (True: higher is better); got "
                         f"{benefit!r} instead.")
    return b


def _normalise(d: np.ndarray, what: str) -> np.ndarray:
    """``d / sum(d)`` over the last axis; NaN (with a warning) where undefined."""
    s = d.sum(axis=-1, keepdims=True)
    bad = ~np.isfinite(s) | (s <= 0)
    if bad.any():
        warn(f"{what}: the weights are undefined (NaN) -- every item is constant or some item "
             "has fewer than two answers.", DegenerateDataWarning)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bad, np.nan, d / np.where(bad, 1.0, s))


def _warn_constant(const: np.ndarray, what: str) -> None:
    if const.any():
        idx = np.flatnonzero(const.reshape(-1, const.shape[-1]).any(axis=0))
        shown = ", ".join(str(i) for i in idx[:10]) + (", ..." if idx.size > 10 else "")
        warn(f"{what}: item(s) {shown} are constant (every answer equal) and get weight 0.",
             DegenerateDataWarning)


def entropy_weights(
    X: ArrayLike, *, normalization: str = "minmax", frequencies: ArrayLike | None = None,
    benefit: ArrayLike | None = None, shift: float = 0.0,
) -> ObjectiveWeights:
    """Entropy weights of the items of a decision matrix (Shannon's entropy weight method).

    Parameters
    ----------
    X : array_like, shape (..., m, n)
        ``m`` units (respondents or groups) by ``n`` items; ``NaN`` = missing.
    normalization : {"minmax", "proportion"}, default "minmax"
        How the shares ``p_ij`` are formed (module notes); case-insensitive.
    frequencies : array_like, shape (..., m), optional
        How often each unit counts (a bootstrap resample's counts); default 1 each.
    benefit : array_like of bool, shape (n,), optional
        ``"minmax"`` only: ``False`` marks a cost item (reversed). Default: all benefit.
    shift : float, default 0
        Added to the normalised values before the shares are formed (``0``: the limit
        ``0 ln 0 = 0``).

    Returns
    -------
    ObjectiveWeights
        ``components``: ``entropy`` ``e_j`` and ``divergence`` ``d_j = 1 - e_j``.

    Raises
    ------
    ValueError
        Negative data with ``"proportion"``, a bad option or shape.

    Notes
    -----
    ``e_j = -(1 / ln n_j) sum_i f_i p_ij ln p_ij`` with ``p_ij = y_ij / sum_i f_i y_ij``
    (``y`` the normalised values plus ``shift``, ``f`` the frequencies, ``n_j = sum_i f_i``
    over the units that answered item ``j``); ``w_j = (1 - e_j) / sum_k (1 - e_k)`` (Zeleny
    1982; Hwang & Yoon 1981). Constant items have ``d_j = 0`` exactly.

    Examples
    --------
    Three units, two items; by hand with proportions: item 1 has ``p = (1, 2, 3)/6``,
    ``e = -(1/ln 3) sum p ln p = 1.011404 / 1.098612 = 0.92062``, item 2 ``p = (2, 2, 5)/9``,
    ``e = 0.995027 / 1.098612 = 0.90571``; ``w = (0.07938, 0.09429) / 0.17367``:

    >>> r = entropy_weights([[1, 2], [2, 2], [3, 5]], normalization="proportion")
    >>> r.components["entropy"].round(5), r.weights.round(4)
    (array([0.92062, 0.90571]), array([0.4571, 0.5429]))

    With min-max normalisation the lowest answer becomes 0 (and ``0 ln 0 = 0``): item 1
    ``p = (0, 1/3, 2/3)``, ``e = 0.57938``; item 2 ``p = (0, 0, 1)``, ``e = 0``;
    ``w = (0.42062, 1) / 1.42062``:

    >>> entropy_weights([[1, 2], [2, 2], [3, 5]]).weights.round(4)
    array([0.2961, 0.7039])
    """
    norm = check_method("normalization", normalization, ENTROPY_NORMALIZATIONS)
    shift = float(shift)
    if not np.isfinite(shift) or shift < 0:
        raise ValueError(f"`shift` must be a finite number >= 0; got {shift!r} instead.")
    d = Data(X, frequencies)
    b = _benefit(benefit, d.A.shape[-1])
    c = d.columns
    used = c.counts > 0
    if norm == "proportion":
        if benefit is not None and not b.all():
            raise ValueError("`benefit` applies to the 'minmax' normalisation only; "
                             "proportions need no direction. Got cost items instead.")
        if np.any(d.A[~np.isnan(d.A)] < 0):
            raise ValueError("the 'proportion' normalisation needs non-negative data; got a "
                             "negative value in `X` instead (use normalization='minmax').")
        Y = np.where(used, c.values, 0.0)
    else:
        Y = np.where(used, c.minmax(b), 0.0)
    Y = Y + shift * used
    S = (c.counts * Y).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        P = Y / S[..., None]
        plogp = np.where(P > 0, P * np.log(np.where(P > 0, P, 1.0)), 0.0)
        e = -(c.counts * plogp).sum(axis=-1) / np.log(c.n)
    e = np.where(c.const, 1.0, e)            # a constant item: no divergence, exactly
    e = np.where(c.few | (~c.const & ~(S > 0)), np.nan, e)
    div = np.where(np.isnan(e), np.nan, 1.0 - e)
    _warn_constant(c.const, "entropy weights")
    w = _normalise(np.where(c.const, 0.0, div), "entropy weights")
    return ObjectiveWeights("entropy", norm, w, {"entropy": e, "divergence": div}, c.const)


def critic_weights(
    X: ArrayLike, *, frequencies: ArrayLike | None = None, benefit: ArrayLike | None = None,
) -> ObjectiveWeights:
    """CRITIC weights (Diakoulaki, Mavrotas & Papayannakis 1995).

    Parameters
    ----------
    X : array_like, shape (..., m, n)
        ``m`` units by ``n`` items; ``NaN`` = missing (correlations over the units that
        answered both items).
    frequencies : array_like, shape (..., m), optional
        How often each unit counts; default 1 each.
    benefit : array_like of bool, shape (n,), optional
        ``False`` marks a cost item (normalised ``(max - x)/(max - min)``, which flips the
        signs of its correlations). Default: all benefit.

    Returns
    -------
    ObjectiveWeights
        ``components``: ``sd`` (of the normalised item), ``conflict`` ``sum_k (1 - r_jk)`` and
        ``information`` ``C_j = sd_j * conflict_j``.

    Notes
    -----
    ``z_ij = (x_ij - min_i x_ij) / (max_i x_ij - min_i x_ij)``; ``s_j`` the sample standard
    deviation of ``z_j``; ``r_jk`` Pearson's correlation of ``z_j`` and ``z_k`` (that of
    ``x_j`` and ``x_k``, up to the sign of a cost item); ``C_j = s_j sum_k (1 - r_jk)``;
    ``w_j = C_j / sum_k C_k``. A constant item gets ``C_j = 0`` and is left out of the other
    items' sums (module notes).

    Examples
    --------
    Two perfectly correlated items and one opposed to them; hand computation: every
    normalised item has ``s = 0.5``, the conflicts are ``0 + 2``, ``0 + 2``, ``2 + 2``:

    >>> critic_weights([[1, 1, 3], [2, 2, 2], [3, 3, 1]]).weights
    array([0.25, 0.25, 0.5 ])
    """
    d = Data(X, frequencies)
    b = _benefit(benefit, d.A.shape[-1])
    c = d.columns
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.where(c.const, 0.0, c.sd / (c.hi - c.lo))
    sign = np.where(b, 1.0, -1.0)
    r = d.correlations() * sign[:, None] * sign[None, :]
    keep = ~c.const
    one_minus = np.where(keep[..., None, :], 1.0 - r, 0.0)   # constant items left out
    conflict = one_minus.sum(axis=-1)
    conflict = np.where(np.isnan(one_minus).any(axis=-1) | c.few, np.nan, conflict)
    conflict = np.where(c.const, 0.0, conflict)
    info = sd * conflict
    _warn_constant(c.const, "CRITIC weights")
    w = _normalise(info, "CRITIC weights")
    return ObjectiveWeights("critic", "minmax", w,
                            {"sd": sd, "conflict": conflict, "information": info}, c.const)


def sd_weights(X: ArrayLike, *, frequencies: ArrayLike | None = None) -> ObjectiveWeights:
    """Standard-deviation weights ``w_j = s_j / sum_k s_k`` (sample SD of the raw items).

    Examples
    --------
    Jahan & Edwards (2013), as their table gives them to two decimals:

    >>> X = [[0, 0, 0], [0.39, 0.3, 0.77], [0.17, 0.36, 0.8], [0.35, 0.29, 0.93],
    ...      [0.3, 0.4, 0.94], [0.84, 0.71, 1], [1, 1, 0.99]]
    >>> sd_weights(X).weights.round(2)
    array([0.35, 0.31, 0.34])
    """
    c = Data(X, frequencies).columns
    _warn_constant(c.const, "SD weights")
    return ObjectiveWeights("sd", None, _normalise(c.sd, "SD weights"), {"sd": c.sd}, c.const)


def cv_weights(X: ArrayLike, *, frequencies: ArrayLike | None = None) -> ObjectiveWeights:
    """Coefficient-of-variation weights ``w_j = v_j / sum_k v_k``, ``v_j = s_j / |mean_j|``.

    Examples
    --------
    Hand computation: item 1 has mean 2 and SD 1 (``v = 0.5``), item 2 mean 4 and SD 1
    (``v = 0.25``):

    >>> cv_weights([[1, 3], [2, 4], [3, 5]]).weights.round(6)
    array([0.666667, 0.333333])
    """
    c = Data(X, frequencies).columns
    sd, mean = c.sd, c.mean
    zero_mean = np.abs(mean) <= CONST_RTOL * np.maximum(np.abs(c.lo), np.abs(c.hi))
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(c.const, 0.0, sd / np.abs(mean))
    if np.any(zero_mean & ~c.const & ~c.few):
        warn("CV weights: an item has mean 0, so its coefficient of variation is undefined; "
             "NaN.", DegenerateDataWarning)
        cv = np.where(zero_mean & ~c.const, np.nan, cv)
    _warn_constant(c.const, "CV weights")
    return ObjectiveWeights("cv", None, _normalise(cv, "CV weights"),
                            {"sd": sd, "mean": mean, "cv": cv}, c.const)


def objective_weights(
    X: ArrayLike, *, method: str = "entropy", normalization: str | None = None,
    frequencies: ArrayLike | None = None, benefit: ArrayLike | None = None, shift: float = 0.0,
) -> ObjectiveWeights:
    """Objective weights by name: ``"entropy"``, ``"critic"``, ``"sd"`` or ``"cv"``.

    Parameters
    ----------
    X : array_like, shape (..., m, n)
    method : {"entropy", "critic", "sd", "cv"}, default "entropy"
        Case-insensitive.
    normalization : {"minmax", "proportion"}, optional
        Entropy only (default ``"minmax"``).
    frequencies, benefit, shift
        As :func:`entropy_weights` and :func:`critic_weights` take them.

    Examples
    --------
    >>> objective_weights([[1, 1, 3], [2, 2, 2], [3, 3, 1]], method="CRITIC").weights
    array([0.25, 0.25, 0.5 ])
    """
    m = check_method("method", method, OBJECTIVE_METHODS)
    if m != "entropy" and normalization is not None:
        raise ValueError(f"`normalization` applies to the entropy method only; got "
                         f"{normalization!r} with method {m!r} instead.")
    if m != "entropy" and shift:
        raise ValueError(f"`shift` applies to the entropy method only; got {shift!r} with "
                         f"method {m!r} instead.")
    if m == "entropy":
        return entropy_weights(X, normalization=normalization or "minmax",
                               frequencies=frequencies, benefit=benefit, shift=shift)
    if m == "critic":
        return critic_weights(X, frequencies=frequencies, benefit=benefit)
    if benefit is not None:
        raise ValueError(f"`benefit` does not apply to method {m!r} (a spread has no "
                         "direction); got it instead.")
    return sd_weights(X, frequencies=frequencies) if m == "sd" else cv_weights(
        X, frequencies=frequencies)
