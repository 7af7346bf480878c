"""Bootstrap confidence intervals (percentile, basic, BCa) and BCa's jackknife acceleration.

scipy's conventions (``scipy.stats.bootstrap``); resamples on the LAST axis.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._validation import TIE_RTOL, check_confidence_level, check_method
from ahpstat._warnings import DegenerateDataWarning, warn

__all__ = [
    "METHODS",
    "MIN_DEFINED_SHARE",
    "TIE_RTOL",
    "ConfidenceInterval",
    "JackknifeMoments",
    "acceleration_from_terms",
    "bootstrap_interval",
    "jackknife_acceleration",
    "jackknife_terms",
    "loo_terms",
]

#: Interval methods (names as :func:`ahpstat._validation.check_method` returns them).
METHODS = ("percentile", "basic", "bca")
#: Share of defined (non-NaN) draws below which an interval is NaN rather than conditional.
MIN_DEFINED_SHARE = 0.99
# BCa's bias correction counts a draw within ``TIE_RTOL * max(|theta|, max |draws|)`` of the
# estimate as a tie (half below; ``TIE_RTOL`` from ``_validation``): a draw equal to the
# estimate in exact arithmetic (a resample of discrete data that reproduces it) but computed
# in another order lands a few units in the last place either side of it, and counting those
# as below or above moved ``z0`` -- and an interval end by a whole step of a discrete
# distribution -- with rounding.


class ConfidenceInterval(NamedTuple):
    """Lower and upper confidence limits (arrays of the statistic's shape)."""

    low: Any
    high: Any


def jackknife_acceleration(*jackknife: ArrayLike) -> np.ndarray:
    """BCa acceleration ``a`` from leave-one-out values of one or more independent samples.

    Parameters
    ----------
    *jackknife : array_like, shape (..., n_j)
        For each independently resampled sample ``j`` (e.g. experts, respondents), the
        statistic recomputed with each of its ``n_j`` units left out (last axis).

    Returns
    -------
    ndarray, shape (...)

    Notes
    -----
    As ``scipy.stats.bootstrap`` (Efron & Tibshirani 1993, eq. 14.15; multi-sample form):
    ``U_ji = (n_j - 1)(mean_i theta_ji - theta_ji)``,
    ``a = sum_j sum_i U_ji**3 / n_j**3 / (6 (sum_j sum_i U_ji**2 / n_j**2)**1.5)``.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 4.0, 8.0])
    >>> loo = (x.sum() - x) / 3
    >>> round(float(jackknife_acceleration(loo)), 6)
    0.054734
    """
    parts = [jackknife_terms(np.asarray(t, dtype=float)) for t in jackknife]
    shape = np.broadcast_shapes(*(p[0].shape for p in parts)) if parts else ()
    return acceleration_from_terms(parts, shape)


def jackknife_terms(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One sample's terms of BCa's ``a`` from its leave-one-out values (last axis): scipy's
    ``sum U**3 / n**3`` and ``sum U**2 / n**2`` with ``U = (n - 1)(mean - theta_i)``.
    """
    n = float(t.shape[-1])
    U = (n - 1) * (t.mean(axis=-1, keepdims=True) - t)
    return (U**3).sum(axis=-1) / n**3, (U**2).sum(axis=-1) / n**2


def _quantiles(X: np.ndarray, P: np.ndarray) -> np.ndarray:
    from ahpstat._bootstrap_kernels import quantiles_linear  # numba: compiled on first use

    return quantiles_linear(np.ascontiguousarray(X), np.ascontiguousarray(P))


def bootstrap_interval(
    distribution: ArrayLike,
    estimate: ArrayLike,
    *,
    confidence_level: float = 0.95,
    method: str = "bca",
    acceleration: ArrayLike | None = None,
) -> ConfidenceInterval:
    """Two-sided bootstrap confidence interval from a bootstrap distribution.

    Parameters
    ----------
    distribution : array_like, shape (..., B)
        Bootstrap replicates of the statistic, resamples on the last axis.
    estimate : array_like, shape (...)
        The statistic on the original data.
    confidence_level : float, default 0.95
    method : {"percentile", "basic", "bca"}, default "bca"
    acceleration : array_like, shape (...), optional
        BCa's ``a`` (:func:`jackknife_acceleration`); required for ``"bca"``.

    Returns
    -------
    ConfidenceInterval
        ``low`` and ``high`` of shape (...). A distribution whose draws are all equal gives
        the zero-width interval at that value (scipy gives ``NaN`` for BCa there); equal up to
        rounding (a relative spread of 16 machine epsilons) counts as equal. ``NaN`` draws
        (a statistic undefined in a resample) are left out when at least
        :data:`MIN_DEFINED_SHARE` of the draws are defined (the interval is then conditional
        on the statistic being defined); otherwise the interval is ``NaN``.

    Notes
    -----
    scipy's conventions (``scipy.stats.bootstrap``): quantiles of type 7 ("linear");
    percentile ``[q(alpha), q(1 - alpha)]`` with ``alpha = (1 - confidence_level) / 2``;
    basic ``[2 theta - q(1 - alpha), 2 theta - q(alpha)]``; BCa (Efron & Tibshirani 1993,
    ch. 14) ``z0 = ndtri((#(theta_b < theta) + #(theta_b <= theta)) / (2B))``,
    ``alpha_1 = ndtr(z0 + (z0 + z_alpha) / (1 - a (z0 + z_alpha)))`` and likewise
    ``alpha_2`` with ``z_{1-alpha}``. Draws equal to the estimate count half, as in scipy;
    unlike scipy, "equal" allows for rounding (:data:`TIE_RTOL`): a resample that reproduces
    the estimate in exact arithmetic is a tie whatever the last bits of either.

    Examples
    --------
    >>> d = np.arange(1.0, 101.0)
    >>> lo, hi = bootstrap_interval(d, 50.0, method="percentile", confidence_level=0.9)
    >>> round(float(lo), 6), round(float(hi), 6)
    (5.95, 95.05)
    """
    confidence_level = check_confidence_level(confidence_level)
    method = check_method("method", method, METHODS)
    D = np.asarray(distribution, dtype=float)
    if D.ndim == 0 or D.shape[-1] < 1:
        raise ValueError(f"`distribution` needs resamples on its last axis; got shape {D.shape}"
                         " instead.")
    shape = D.shape[:-1]
    theta = np.broadcast_to(np.asarray(estimate, dtype=float), shape)
    X = D.reshape(-1, D.shape[-1])
    t = theta.reshape(-1)
    alpha = (1.0 - confidence_level) / 2.0
    if method == "bca":
        if acceleration is None:
            raise ValueError("`acceleration` is required for method 'bca'; got None instead.")
        from scipy.special import ndtr, ndtri  # only here: not imported by every study run

        from ahpstat._bootstrap_kernels import fraction_below

        a = np.broadcast_to(np.asarray(acceleration, dtype=float), shape).reshape(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            z0 = ndtri(fraction_below(np.ascontiguousarray(X), np.ascontiguousarray(t),
                                      TIE_RTOL))
            za = float(ndtri(alpha))
            n1 = z0 + za
            n2 = z0 - za
            P = np.stack([ndtr(z0 + n1 / (1 - a * n1)), ndtr(z0 + n2 / (1 - a * n2))], axis=-1)
    else:
        P = np.broadcast_to(np.array([alpha, 1.0 - alpha]), (X.shape[0], 2))
    Q = _quantiles(X, P)
    lo, hi = Q[:, 0], Q[:, 1]
    if method == "basic":
        lo, hi = 2 * t - hi, 2 * t - lo
    # constant draws (up to rounding): the zero-width interval at that value
    xmin, xmax = X.min(axis=-1), X.max(axis=-1)
    const = xmax - xmin <= 16 * np.finfo(float).eps * np.maximum(np.abs(xmax), np.abs(xmin))
    if const.any():
        v = X[const, 0] if method != "basic" else 2 * t[const] - X[const, 0]
        lo = np.where(const, 0.0, lo)
        hi = np.where(const, 0.0, hi)
        lo[const] = v
        hi[const] = v
    # a few undefined draws (e.g. a resample in which nobody answered an item): the interval
    # of the defined ones, i.e. conditional on the statistic being defined
    holes = np.isnan(X).any(axis=-1)
    for r in np.flatnonzero(holes):
        x = X[r][~np.isnan(X[r])]
        if x.size >= MIN_DEFINED_SHARE * X.shape[-1]:
            ci = bootstrap_interval(x, t[r], confidence_level=confidence_level, method=method,
                                    acceleration=None if method != "bca" else a[r])
            lo[r], hi[r] = ci.low, ci.high
        else:
            lo[r] = hi[r] = np.nan
    if method == "bca":
        nan_out = (np.isnan(lo) | np.isnan(hi)) & ~holes
        if nan_out.any():
            warn("The BCa confidence interval cannot be calculated for some statistics (a "
                 "degenerate jackknife); NaN there.", DegenerateDataWarning)
    lo = lo.reshape(shape)
    hi = hi.reshape(shape)
    return ConfidenceInterval(lo[()] if lo.ndim == 0 else lo, hi[()] if hi.ndim == 0 else hi)


class JackknifeMoments:
    """Streaming centred jackknife moments (values are centred on the full estimate)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.n = np.zeros(shape)
        self.s1 = np.zeros(shape)
        self.s2 = np.zeros(shape)
        self.s3 = np.zeros(shape)

    def add(self, d: np.ndarray, onehot: np.ndarray | None = None) -> None:
        """``d``: (m, ...) centred jackknife values; ``onehot`` (G, m) assigns them to groups."""
        if onehot is None:
            self.n += d.shape[0]
            self.s1 += d.sum(axis=0)
            self.s2 += (d**2).sum(axis=0)
            self.s3 += (d**3).sum(axis=0)
        else:
            self.n += onehot.sum(axis=1)[:, None]
            self.s1 += onehot @ d
            self.s2 += onehot @ d**2
            self.s3 += onehot @ d**3

    def num_den(self) -> tuple[np.ndarray, np.ndarray]:
        n = self.n
        with np.errstate(invalid="ignore", divide="ignore"):
            m = self.s1 / n
            c2 = self.s2 - n * m**2
            c3 = self.s3 - 3 * m * self.s2 + 2 * n * m**3
            # U = (n-1)(mean - theta_i) = -(n-1)(d_i - m)
            num = -((n - 1) ** 3) * c3 / n**3
            den = (n - 1) ** 2 * c2 / n**2
        return num, den


def acceleration_from_terms(parts: list[tuple[np.ndarray, np.ndarray]],
                            shape: tuple[int, ...]) -> np.ndarray:
    """BCa's ``a`` from the jackknife terms of independent samples (NaN without any)."""
    if not parts:
        return np.full(shape, np.nan)
    num = sum(p[0] for p in parts)
    den = sum(p[1] for p in parts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.broadcast_to(num / 6.0 / np.asarray(den) ** 1.5, shape).copy()


def loo_terms(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`jackknife_terms` of leave-one-out values on axis 0."""
    return jackknife_terms(np.moveaxis(np.asarray(t, dtype=float), 0, -1))
