"""A decision matrix with row frequencies, validated once (:class:`Data`), and its items as
values with (frequency-weighted) counts (:class:`Columns`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._grouping import Grouped
from ahpstat._memo import frozen, memo
from ahpstat.objective._shared import shared_summary

__all__ = ["CONST_RTOL", "Columns", "Data"]

#: relative spread under which an item counts as constant (up to rounding)
CONST_RTOL = 1e-12


class Columns:
    """Each item's answers as values with their (frequency-weighted) counts.

    ``values`` (..., n, q) and ``counts`` (..., n, q), broadcasting together: the distinct
    answers of a shared matrix with their counts per resample (a few levels for Likert data,
    so a block of resamples is one matrix product), or every unit's value with its frequency.
    """

    def __init__(self, values: np.ndarray, counts: np.ndarray) -> None:
        self.values, self.counts = values, counts
        used = counts > 0
        self.n = counts.sum(axis=-1)
        v0 = np.where(used, values, 0.0)
        self.lo = np.where(used, values, np.inf).min(axis=-1)
        self.hi = np.where(used, values, -np.inf).max(axis=-1)
        scale = np.maximum(np.abs(self.lo), np.abs(self.hi))
        with np.errstate(invalid="ignore", divide="ignore"):
            const = (self.hi - self.lo) <= CONST_RTOL * np.where(np.isfinite(scale), scale, 0.0)
            self.mean = (counts * v0).sum(axis=-1) / self.n
            dev = np.where(used, v0 - self.mean[..., None], 0.0)
            var = (counts * dev**2).sum(axis=-1) / (self.n - 1)
        self.const = const & (self.n >= 2)   # one answer is no evidence of a constant item
        self.few = self.n < 2
        self.var = np.where(self.few, np.nan, np.where(self.const, 0.0, var))
        self.sd = np.sqrt(self.var)

    def minmax(self, benefit: np.ndarray) -> np.ndarray:
        """The values min-max normalised (``0`` for a constant item)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            rng = np.where(self.const | self.few, 1.0, self.hi - self.lo)[..., None]
            b = benefit[:, None]
            Z = np.where(b, (self.values - self.lo[..., None]) / rng,
                         (self.hi[..., None] - self.values) / rng)
        return np.where(self.const[..., None], 0.0, Z)


def _has_inf(A: np.ndarray) -> bool:
    """Whether ``A`` holds an infinite value; an array ahpstat froze (the evaluation's
    answers, given again for every block of resamples) is looked at once
    (:func:`ahpstat._memo.memo`), any other every time.
    """
    if frozen(A):
        return memo(A, "has_inf", _has_inf_of, _has_inf_of)
    return bool(np.isinf(A).any())


def _has_inf_of(shape: tuple[int, ...], data: bytes) -> bool:
    return bool(np.isinf(np.frombuffer(data, dtype=float)).any())


class Data:
    """A decision matrix (..., m, n) with row frequencies (..., m), validated once."""

    def __init__(self, X: ArrayLike, frequencies: ArrayLike | None) -> None:
        A = np.asarray(X, dtype=float)
        if A.ndim < 2 or A.shape[-1] < 1 or A.shape[-2] < 1:
            raise ValueError("`X` must be (..., units, items) with at least one unit and one "
                             f"item; got shape {A.shape} instead.")
        if _has_inf(A):
            raise ValueError("`X` must be finite (NaN marks a missing answer); got an infinite "
                             "value instead.")
        m = A.shape[-2]
        f: Any
        if frequencies is None:
            f = np.ones((*A.shape[:-2], m))
        elif isinstance(frequencies, Grouped):  # known groups of units (a cluster bootstrap)
            f = frequencies
            w = f.weights
            if f.code.shape != (m,) or not np.all(np.isfinite(w)) or np.any(w < 0):
                raise ValueError("`frequencies` must be finite and non-negative, one per unit "
                                 f"({m}); got grouped frequencies of shape {f.shape} instead.")
            if A.ndim != 2:
                f = f.dense()
        else:
            f = np.asarray(frequencies, dtype=float)
            if f.ndim == 0 or f.shape[-1] != m:
                raise ValueError(f"`frequencies` must have one entry per unit ({m}) on its "
                                 f"last axis; got shape {f.shape} instead.")
            if not np.all(np.isfinite(f)) or np.any(f < 0):
                raise ValueError("`frequencies` must be finite and non-negative; got "
                                 f"{f.min() if f.size else f!r} as the smallest instead.")
        self.A, self.f = A, f
        self.shared = A.ndim == 2
        self.batch = np.broadcast_shapes(A.shape[:-2], f.shape[:-1])
        self._cols: Columns | None = None

    @property
    def columns(self) -> Columns:
        if self._cols is None:
            self._cols = self._make_columns()
        return self._cols

    def _make_columns(self) -> Columns:
        A, f = self.A, self.f
        if self.shared:
            sh = shared_summary(A)
            if sh.levels is not None:
                return Columns(sh.levels, sh.level_counts(f))
        if isinstance(f, Grouped):
            f = f.dense()
        vals = np.swapaxes(A, -1, -2)                                   # (..., n, m)
        counts = np.where(np.isnan(vals), 0.0, f[..., None, :])
        return Columns(vals, counts)

    def correlations(self) -> np.ndarray:
        """Pairwise-complete frequency-weighted Pearson correlations (..., n, n)."""
        A, f = self.A, self.f
        if self.shared:
            sxy, nn, sx, sxx = shared_summary(A).cross_sums(f)
        else:
            P = ~np.isnan(A)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)   # an item nobody answered
                centre = np.nan_to_num(np.nanmean(A, axis=-2, keepdims=True))
            X0 = np.where(P, A - centre, 0.0)      # centred: no cancellation
            Pf = P.astype(float)
            full = (*self.batch, *A.shape[-2:])
            fw = np.broadcast_to(f, (*self.batch, A.shape[-2]))[..., :, None]

            def tr(U: np.ndarray) -> np.ndarray:
                return np.ascontiguousarray(np.swapaxes(np.broadcast_to(U, full), -1, -2))

            Xc = np.ascontiguousarray(np.broadcast_to(X0, full))
            Pc = np.ascontiguousarray(np.broadcast_to(Pf, full))
            Xf = tr(X0 * fw)
            sxy, nn = Xf @ Xc, tr(Pf * fw) @ Pc
            sx = Xf @ Pc
            sxx = tr(X0**2 * fw) @ Pc
        sy = np.swapaxes(sx, -1, -2)
        syy = np.swapaxes(sxx, -1, -2)
        # the same operations as ``cov = sxy - sx * sy / nn``, ``vx = sxx - sx**2 / nn``,
        # ``vy = syy - sy**2 / nn``, ``r = cov / sqrt(vx * vy)``, each result written over
        # its operand's temporary (a block of resamples: no new (B, n, n) array per step)
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = sx * sy
            cov /= nn
            np.subtract(sxy, cov, out=cov)
            vx = sx**2
            vx /= nn
            np.subtract(sxx, vx, out=vx)
            vy = sy**2
            vy /= nn
            np.subtract(syy, vy, out=vy)
            vx *= vy
            np.sqrt(vx, out=vx)
            cov /= vx
        r = np.where(nn >= 2, cov, np.nan)
        return np.clip(r, -1.0, 1.0, out=r)
