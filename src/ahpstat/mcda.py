"""Ranking evaluated units by TOPSIS and grey relational analysis (numpy core).

Both rank ``m`` units (e.g. the communities of a survey) on ``n`` items (e.g. their item means)
with a weight vector -- any of them: AHP, objective or combined weights. Batched over leading
axes (``X`` of shape ``(..., m, n)``, ``weights`` of shape ``(..., n)``), so a whole block of
bootstrap resamples is one call.

TOPSIS (Hwang & Yoon 1981)
    Normalise each item (``"vector"``: ``r_ij = x_ij / sqrt(sum_i x_ij^2)``, Hwang & Yoon's
    choice; or ``"minmax"``), weight it ``v_ij = w_j r_ij``, take the ideal ``A+`` (best value
    of each item over the units: the largest for a benefit item, the smallest for a cost item)
    and anti-ideal ``A-``, the Euclidean distances ``D+_i``, ``D-_i`` of each unit to them,
    and the relative closeness ``C_i = D-_i / (D+_i + D-_i)`` in [0, 1] (higher is better).
Grey relational analysis (Deng 1982; Kuo, Yang & Huang 2008)
    Normalise each item (``"minmax"``: ``(x - min)/(max - min)`` for a benefit item,
    ``(max - x)/(max - min)`` for a cost item; or ``"mean"``: ``x / mean``, and ``mean / x``
    for a cost item), take the reference sequence ``x0`` of the best values,
    the deviations ``D_ij = |x0_j - x_ij|`` with their smallest and largest value over all
    units and items, ``D_min`` and ``D_max``, the grey relational coefficients
    ``xi_ij = (D_min + rho D_max) / (D_ij + rho D_max)`` (distinguishing coefficient
    ``rho`` in (0, 1], usually 0.5) and the grey relational grade
    ``gamma_i = sum_j w_j xi_ij`` (higher is closer to the ideal).

Degenerate cases: an item on which every unit is equal tells the units nothing -- it adds no
distance in TOPSIS and, in grey relational analysis, every unit equals the reference there
(``xi = 1``); if every item is so, the closeness and the grade are ``NaN`` (with a
:class:`~ahpstat.DegenerateDataWarning`). A missing value (``NaN``) makes every result ``NaN``:
the ideal is not known without it.

References
----------
Deng, J.-L. (1982). Control problems of grey systems. Systems & Control Letters 1, 288-294.
Hwang, C.-L. & Yoon, K. (1981). Multiple Attribute Decision Making: Methods and Applications.
Springer, Berlin.
Kuo, Y., Yang, T. & Huang, G.-W. (2008). The use of grey relational analysis in solving
multiple attribute decision-making problems. Computers & Industrial Engineering 55, 80-93.
Opricovic, S. & Tzeng, G.-H. (2004). Compromise solution by MCDM methods: a comparative
analysis of VIKOR and TOPSIS. EJOR 156, 445-455.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._validation import check_method
from ahpstat._warnings import DegenerateDataWarning, warn

__all__ = [
    "GRA_NORMALIZATIONS",
    "TOPSIS_NORMALIZATIONS",
    "GreyRelationalResult",
    "TopsisResult",
    "grey_relational_analysis",
    "topsis",
]

TOPSIS_NORMALIZATIONS = ("vector", "minmax")
GRA_NORMALIZATIONS = ("minmax", "mean")


@dataclass(frozen=True)
class TopsisResult:
    """TOPSIS of ``m`` units.

    Attributes
    ----------
    closeness : ndarray, shape (..., m)
        Relative closeness ``C_i = D-_i / (D+_i + D-_i)`` (higher is better).
    distance_best, distance_worst : ndarray, shape (..., m)
        ``D+_i`` and ``D-_i``: distances to the ideal and to the anti-ideal unit.
    """

    closeness: np.ndarray
    distance_best: np.ndarray
    distance_worst: np.ndarray


@dataclass(frozen=True)
class GreyRelationalResult:
    """Grey relational analysis of ``m`` units.

    Attributes
    ----------
    grade : ndarray, shape (..., m)
        Grey relational grade ``gamma_i = sum_j w_j xi_ij`` (higher is better).
    coefficients : ndarray, shape (..., m, n)
        Grey relational coefficients ``xi_ij``.
    rho : float
        The distinguishing coefficient.
    """

    grade: np.ndarray
    coefficients: np.ndarray
    rho: float


def _inputs(X: ArrayLike, weights: Sequence[ArrayLike], benefit: ArrayLike | None
            ) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """``X``, each weight vector and ``benefit`` as arrays, each weight checked as given (its
    own shape in the message), ``X``'s values once for all of them.
    """
    A = np.asarray(X, dtype=float)
    ws = [np.asarray(v, dtype=float) for v in weights]
    for w in ws:
        if A.ndim < 2 or A.shape[-2] < 2 or w.ndim < 1 or w.shape[-1] != A.shape[-1]:
            raise ValueError("`X` must be (..., units, items) with at least 2 units and "
                             f"`weights` (..., items); got shapes {A.shape} and {w.shape} "
                             "instead.")
    if np.isinf(A).any() or not all(np.all(np.isfinite(w)) and not np.any(w < 0)
                                    for w in ws):
        raise ValueError("`X` must be finite (NaN = missing) and `weights` finite and "
                         "non-negative; got another value instead.")
    n = A.shape[-1]
    b = np.ones(n, dtype=bool) if benefit is None else np.asarray(benefit)
    if b.shape != (n,) or b.dtype != bool:
        raise ValueError(f"`benefit` must be {n} booleans (True: higher is better); got "
                         f"{benefit!r} instead.")
    return A, ws, b


def _stacked(A: np.ndarray, ws: list[np.ndarray]) -> np.ndarray:
    """The weightings stacked on a leading axis that stands in front of every batch axis of
    ``A`` (``(k, ..., n)``, broadcasting with ``A``'s ``(..., m, n)`` as each weight alone
    does): a weight with fewer batch axes than ``A`` gets size-one axes after ``k``.
    """
    W = np.stack(np.broadcast_arrays(*ws))
    return W.reshape(W.shape[:1] + (1,) * max(0, A.ndim - W.ndim) + W.shape[1:])


def _constant(A: np.ndarray) -> np.ndarray:
    lo, hi = A.min(axis=-2), A.max(axis=-2)
    scale = np.maximum(np.abs(lo), np.abs(hi))
    with np.errstate(invalid="ignore"):
        return (hi - lo) <= 1e-12 * scale


def topsis(
    X: ArrayLike, weights: ArrayLike, *, normalization: str = "vector",
    benefit: ArrayLike | None = None,
) -> TopsisResult:
    """TOPSIS relative closeness of ``m`` units to the ideal (Hwang & Yoon 1981).

    Parameters
    ----------
    X : array_like, shape (..., m, n)
        Units by items (e.g. groups by item means); a ``NaN`` makes every closeness ``NaN``.
    weights : array_like, shape (..., n)
        Item weights (any scale: the closeness does not depend on it).
    normalization : {"vector", "minmax"}, default "vector"
        Case-insensitive.
    benefit : array_like of bool, shape (n,), optional
        ``False`` marks a cost item (lower is better). Default: all benefit.

    Returns
    -------
    TopsisResult

    Examples
    --------
    Opricovic & Tzeng's (2004) example: three alternatives, a cost and a benefit criterion,
    equal weights; with min-max normalisation the closeness is 0.500, 0.617, 0.500 (as
    published, and by hand: ``v = (0, .125, .5)``, ``(0, .25, .5)``, so A2 has
    ``D+ = sqrt(.078125)``, ``D- = sqrt(.203125)``):

    >>> X = [[1, 3000], [2, 3750], [5, 4500]]
    >>> topsis(X, [0.5, 0.5], normalization="minmax",
    ...        benefit=np.array([False, True])).closeness.round(3)
    array([0.5  , 0.617, 0.5  ])

    Hwang & Yoon's vector normalisation ranks them otherwise (0.762, 0.722, 0.238):

    >>> topsis(X, [0.5, 0.5], benefit=np.array([False, True])).closeness.round(3)
    array([0.762, 0.722, 0.238])
    """
    return _topsis_each(X, [weights], normalization=normalization, benefit=benefit)[0]


def _topsis_each(X: ArrayLike, weights: Sequence[ArrayLike], *, normalization: str = "vector",
                 benefit: ArrayLike | None = None) -> list[TopsisResult]:
    """:func:`topsis` of ``X`` under each of ``weights`` (each (..., n)): the items
    normalised once for all of them, then every weighting in one batched pass (the same
    numbers as one :func:`topsis` call each: they enter elementwise only); the warnings as
    one call each would give them.
    """
    norm = check_method("normalization", normalization, TOPSIS_NORMALIZATIONS)
    A, ws, b = _inputs(X, weights, benefit)
    w = _stacked(A, ws)                                       # (k, ..., n)
    const = _constant(A)
    if norm == "vector":
        with np.errstate(invalid="ignore", divide="ignore"):
            R = A / np.sqrt((A**2).sum(axis=-2, keepdims=True))
    else:
        lo, hi = A.min(axis=-2, keepdims=True), A.max(axis=-2, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            R = (A - lo) / (hi - lo)
    R = np.where(const[..., None, :], 0.0, R)
    V = w[..., None, :] * R
    best = np.where(b, V.max(axis=-2), V.min(axis=-2))[..., None, :]
    worst = np.where(b, V.min(axis=-2), V.max(axis=-2))[..., None, :]
    dp = np.sqrt(((V - best) ** 2).sum(axis=-1))
    dm = np.sqrt(((V - worst) ** 2).sum(axis=-1))
    tot = dp + dm
    with np.errstate(invalid="ignore", divide="ignore"):
        C = np.where(tot > 0, dm / np.where(tot > 0, tot, 1.0), np.nan)
    out = []
    for i in range(len(ws)):
        if np.any(tot[i] == 0):
            warn("TOPSIS: every unit is equal on every weighted item; the closeness is "
                 "undefined (NaN).", DegenerateDataWarning)
        out.append(TopsisResult(C[i], dp[i], dm[i]))
    return out


def grey_relational_analysis(
    X: ArrayLike, weights: ArrayLike, *, rho: float = 0.5, normalization: str = "minmax",
    benefit: ArrayLike | None = None,
) -> GreyRelationalResult:
    """Grey relational grades of ``m`` units against the ideal (Deng 1982).

    Parameters
    ----------
    X : array_like, shape (..., m, n)
    weights : array_like, shape (..., n)
        Item weights (normalised to sum 1 here).
    rho : float, default 0.5
        Distinguishing coefficient in (0, 1].
    normalization : {"minmax", "mean"}, default "minmax"
        Case-insensitive.
    benefit : array_like of bool, shape (n,), optional
        ``False`` marks a cost item. Default: all benefit.

    Returns
    -------
    GreyRelationalResult

    Notes
    -----
    pyDecision's ``gra_method`` returns ``sum_j w_j xi_ij / m`` (divided by the number of
    units): the same ranking, ``1/m`` of the grade here.

    Examples
    --------
    Hand computation with min-max normalisation: unit 1 is best on item 1 and worst on
    item 2, so ``xi = (1, 1/3)``; unit 2 is the reverse; with weights (0.75, 0.25) their
    grades are ``0.75 + 0.25/3`` and ``0.25 + 0.75/3``:

    >>> grey_relational_analysis([[3, 1], [1, 2]], [0.75, 0.25]).grade.round(6)
    array([0.833333, 0.5     ])
    """
    return _gra_each(X, [weights], rho=rho, normalization=normalization, benefit=benefit)[0]


def _gra_each(X: ArrayLike, weights: Sequence[ArrayLike], *, rho: float = 0.5,
              normalization: str = "minmax", benefit: ArrayLike | None = None
              ) -> list[GreyRelationalResult]:
    """:func:`grey_relational_analysis` of ``X`` under each of ``weights`` (each (..., n)):
    the grey relational coefficients (which do not depend on the weights) computed once,
    then each weighting's grade as one call would give it (the same numbers); the warnings
    as one call each would give them.
    """
    norm = check_method("normalization", normalization, GRA_NORMALIZATIONS)
    rho = float(rho)
    if not 0 < rho <= 1:
        raise ValueError(f"`rho` must be in (0, 1]; got {rho!r} instead.")
    A, ws, b = _inputs(X, weights, benefit)
    const = _constant(A)
    if norm == "minmax":
        lo, hi = A.min(axis=-2, keepdims=True), A.max(axis=-2, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            Y = np.where(b, (A - lo) / (hi - lo), (hi - A) / (hi - lo))
    else:
        mean = A.mean(axis=-2, keepdims=True)
        if np.any(A[~np.isnan(A)] <= 0):
            raise ValueError("the 'mean' normalisation needs positive data; got a value <= 0 "
                             "in `X` instead (use normalization='minmax').")
        with np.errstate(invalid="ignore", divide="ignore"):
            Y = np.where(b, A / mean, mean / A)
    ref = Y.max(axis=-2, keepdims=True)
    D = np.abs(ref - Y)
    D = np.where(const[..., None, :], 0.0, D)
    dmin = D.min(axis=(-2, -1), keepdims=True)
    dmax = D.max(axis=(-2, -1), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        xi = np.where(dmax > 0, (dmin + rho * dmax) / (D + rho * dmax), np.nan)
    out = []
    degenerate = bool(np.any(dmax == 0))  # the same for every weighting
    for w in ws:
        if degenerate:
            warn("grey relational analysis: every unit is equal on every item; the grades "
                 "are undefined (NaN).", DegenerateDataWarning)
        with np.errstate(invalid="ignore", divide="ignore"):
            wn = w / w.sum(axis=-1, keepdims=True)
        out.append(GreyRelationalResult((wn[..., None, :] * xi).sum(axis=-1), xi, rho))
    return out
