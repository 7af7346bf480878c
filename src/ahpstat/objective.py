"""Objective (data-driven) criteria weights and their combination with subjective weights.

Indicator-system studies weight their items twice: by experts (AHP, *subjective*) and from the
data (*objective*: the entropy weight method, CRITIC, standard-deviation or coefficient-of-
variation weights), and then combine the two (组合赋权). This module is the numpy core: every
function works on a decision matrix ``X`` of ``m`` units (rows: respondents, or groups) by
``n`` items (columns), batched over leading axes, with optional *frequencies* of the rows -- how
often each row counts, so that a bootstrap resample (rows drawn with repeats) or a
leave-one-out jackknife (one row with frequency 0) is the same computation with other
frequencies. ``NaN`` is a missing answer: every statistic of an item uses the rows that answered
it (correlations use the rows that answered both items).

Methods
-------
``entropy``
    Shannon's entropy weight method (Zeleny 1982, ch. 7; Hwang & Yoon 1981, §4.1): with
    ``p_ij`` the share of unit ``i`` in item ``j`` after a normalisation,
    ``e_j = -(1 / ln n_j) sum_i p_ij ln p_ij`` (``n_j`` units answered item ``j``),
    ``d_j = 1 - e_j`` (divergence) and ``w_j = d_j / sum_k d_k``. Two normalisations, named:
    ``"proportion"`` (``p_ij = x_ij / sum_i x_ij``, the data must be non-negative) and
    ``"minmax"`` (``z_ij = (x_ij - min_i x_ij) / (max_i x_ij - min_i x_ij)`` first, then
    ``p_ij = z_ij / sum_i z_ij``; the usual choice of the Chinese 熵权法 literature, which makes
    the item's lowest answer a zero).
``critic``
    CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995): min-max normalised items ``z_j``, their
    standard deviations ``s_j`` and Pearson correlations ``r_jk``; the information of item
    ``j`` is ``C_j = s_j sum_k (1 - r_jk)`` and ``w_j = C_j / sum_k C_k``.
``sd``
    Standard-deviation weights ``w_j = s_j / sum_k s_k`` on the raw items (which share one
    answer scale in a survey; Jahan & Edwards 2013 use them on normalised data).
``cv``
    Coefficient-of-variation weights ``w_j = v_j / sum_k v_k``, ``v_j = s_j / |mean_j|``.

Standard deviations are sample ones (``ddof=1``) over the units (with frequencies, over the
``sum f`` rows they stand for), as pymcdm and pyDecision compute them.

Degenerate cases, handled explicitly (each with a :class:`~ahpstat.DegenerateDataWarning`)
    *Zeros*: ``0 ln 0 = 0`` (the limit; Shannon's convention), so a unit with share 0 adds no
    entropy. With ``shift > 0`` the shares are computed from ``z + shift`` instead (some papers
    shift the min-max values by 0.0001 or 0.01 to avoid the zeros; say which). pymcdm instead
    sets the whole item's entropy to 0 once it holds a zero -- not done here.
    *A constant item* (every answer equal) carries no information: its divergence, standard
    deviation and CRITIC information are exactly 0, so its weight is 0; CRITIC leaves it out of
    the other items' conflict sums (as if it were not in the matrix: adding a constant item
    changes no other weight). Its coefficient of variation is 0 as well.
    *Fewer than two answers* to an item, or every item constant, or a zero mean for ``cv``: the
    weights are undefined -- ``NaN``.

Combination (:func:`combine_weights`)
-------------------------------------
``multiplicative``
    ``w_j = prod_k u_kj / sum_i prod_k u_ki`` (multiplicative normalisation, 乘法合成归一化).
``linear``
    ``w = sum_k alpha_k u_k`` with stated coefficients (for two vectors, ``alpha`` on the
    first -- by convention the subjective one -- and ``1 - alpha`` on the second).
``game_theory``
    The game-theory (minimum-deviation) combination (Lai et al. 2015, after the 博弈论组合赋权
    literature): the coefficients ``alpha`` minimise ``|| sum_k alpha_k u_k - u_i ||_2`` for
    every ``i`` at once, whose first-order condition is the linear system
    ``sum_k alpha_k (u_i . u_k) = u_i . u_i`` (``i = 1..K``); then ``alpha* = |alpha| /
    sum |alpha|`` and ``w = sum_k alpha*_k u_k``. Linearly dependent vectors (e.g. identical
    ones) make the system singular: the minimum-norm solution is used (pseudo-inverse), which
    gives identical vectors equal coefficients.

References
----------
Diakoulaki, D., Mavrotas, G. & Papayannakis, L. (1995). Determining objective weights in
multiple criteria problems: the CRITIC method. Computers & Operations Research 22(7), 763-770.
Hwang, C.-L. & Yoon, K. (1981). Multiple Attribute Decision Making. Springer.
Jahan, A. & Edwards, K. L. (2013). Weighting of dependent and target-based criteria for optimal
decision-making in materials selection process. Materials & Design 49, 1000-1008.
Lai, C., Chen, X., Chen, X., Wang, Z., Wu, X. & Zhao, S. (2015). A fuzzy comprehensive
evaluation model for flood risk based on the combination weight of game theory. Natural
Hazards 77, 1243-1259.
Zeleny, M. (1982). Multiple Criteria Decision Making. McGraw-Hill.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._grouping import equal_columns, group_indicator
from ahpstat._threads import one_blas_thread
from ahpstat._validation import check_method
from ahpstat._warnings import DegenerateDataWarning, warn

__all__ = [
    "COMBINATION_METHODS",
    "ENTROPY_NORMALIZATIONS",
    "OBJECTIVE_METHODS",
    "CombinedWeights",
    "ObjectiveWeights",
    "combine_weights",
    "critic_weights",
    "cv_weights",
    "entropy_weights",
    "objective_weights",
    "sd_weights",
]

#: objective weighting methods, by name
OBJECTIVE_METHODS = ("entropy", "critic", "sd", "cv")
#: the two named normalisations of the entropy weight method
ENTROPY_NORMALIZATIONS = ("minmax", "proportion")
#: ways of combining weight vectors
COMBINATION_METHODS = ("multiplicative", "linear", "game_theory")
#: relative spread under which an item counts as constant (up to rounding)
_CONST_RTOL = 1e-12


@dataclass(frozen=True)
class ObjectiveWeights:
    """Objective weights of the items and the quantities they come from.

    Attributes
    ----------
    method : str
        ``"entropy"``, ``"critic"``, ``"sd"`` or ``"cv"``.
    normalization : str or None
        ``"minmax"`` or ``"proportion"`` (entropy); ``"minmax"`` (CRITIC); ``None`` otherwise.
    weights : ndarray, shape (..., n)
        The weights (sum 1 over the last axis; ``NaN`` where undefined).
    components : dict of str to ndarray, shape (..., n)
        What the method reports per item, as papers tabulate it: ``entropy``, ``divergence``
        (entropy); ``sd``, ``conflict`` (``sum_k (1 - r_jk)``), ``information`` (CRITIC);
        ``sd`` (sd); ``sd``, ``mean``, ``cv`` (cv).
    constant : ndarray of bool, shape (..., n)
        Items whose answers are all equal (weight 0).
    """

    method: str
    normalization: str | None
    weights: np.ndarray
    components: dict[str, np.ndarray] = field(repr=False)
    constant: np.ndarray = field(repr=False)

    def to_frame(self, labels: Sequence[str] | None = None) -> Any:
        """Tidy table of an unbatched result: ``item``, each component, ``weight``.

        Examples
        --------
        >>> entropy_weights([[1, 2], [2, 2], [3, 5]], normalization="proportion").to_frame(
        ...     ["a", "b"]).round(4)
          item  entropy  divergence  weight
        0    a   0.9206      0.0794  0.4571
        1    b   0.9057      0.0943  0.5429
        """
        import pandas as pd

        from ahpstat._results import element_labels

        if self.weights.ndim != 1:
            raise ValueError("`to_frame` needs an unbatched result (weights of shape (n,)); got "
                             f"shape {self.weights.shape} instead.")
        n = self.weights.shape[-1]
        df = pd.DataFrame({"item": element_labels(labels, n)})
        for k, v in self.components.items():
            df[k] = v
        df["weight"] = self.weights
        return df


@dataclass(frozen=True)
class CombinedWeights:
    """Weight vectors combined into one.

    Attributes
    ----------
    method : str
        ``"multiplicative"``, ``"linear"`` or ``"game_theory"``.
    weights : ndarray, shape (..., n)
        The combined weights (sum 1).
    coefficients : ndarray, shape (..., K)
        The coefficient of each combined vector: ``alpha`` (linear), ``alpha*`` (game theory);
        ``NaN`` for the multiplicative combination, which has none.
    """

    method: str
    weights: np.ndarray
    coefficients: np.ndarray


# --------------------------------------------------------------------------- internals

#: above this many distinct values in an item, its values are kept row by row
_MAX_LEVELS = 64


class _Columns:
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
            const = (self.hi - self.lo) <= _CONST_RTOL * np.where(np.isfinite(scale), scale,
                                                                    0.0)
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


class _Data:
    """A decision matrix (..., m, n) with row frequencies (..., m), validated once."""

    def __init__(self, X: ArrayLike, frequencies: ArrayLike | None) -> None:
        A = np.asarray(X, dtype=float)
        if A.ndim < 2 or A.shape[-1] < 1 or A.shape[-2] < 1:
            raise ValueError("`X` must be (..., units, items) with at least one unit and one "
                             f"item; got shape {A.shape} instead.")
        if np.isinf(A).any():
            raise ValueError("`X` must be finite (NaN marks a missing answer); got an infinite "
                             "value instead.")
        m = A.shape[-2]
        if frequencies is None:
            f = np.ones((*A.shape[:-2], m))
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
        self._cols: _Columns | None = None

    @property
    def columns(self) -> _Columns:
        if self._cols is None:
            self._cols = self._make_columns()
        return self._cols

    def _make_columns(self) -> _Columns:
        A, f = self.A, self.f
        if self.shared:
            sh = _shared(A)
            if sh.levels is not None:
                return _Columns(sh.levels, sh.level_counts(f))
        vals = np.swapaxes(A, -1, -2)                                   # (..., n, m)
        counts = np.where(np.isnan(vals), 0.0, f[..., None, :])
        return _Columns(vals, counts)

    def correlations(self) -> np.ndarray:
        """Pairwise-complete frequency-weighted Pearson correlations (..., n, n)."""
        A, f = self.A, self.f
        if self.shared:
            sxy, nn, sx, sxx = _shared(A).cross_sums(f)
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
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = sxy - sx * sy / nn
            vx = sxx - sx**2 / nn
            vy = syy - sy**2 / nn
            r = cov / np.sqrt(vx * vy)
        r = np.where(nn >= 2, r, np.nan)
        return np.clip(r, -1.0, 1.0)


class _Shared:
    """What a shared (m, n) matrix contributes to every resample, computed once.

    For a batch of frequencies (..., m): the answer counts of each item's distinct values
    (one sparse product; ``None`` above :data:`_MAX_LEVELS` values) and the cross sums of the
    correlations -- ``sum f x_j x_k`` by one dense product over the pairs ``j <= k`` (the
    values centred), and ``sum f [j, k answered]``, ``sum f x_j [k answered]``,
    ``sum f x_j^2 [k answered]`` as complete-data sums minus sparse corrections over the
    missing cells (few in a survey).

    Frequencies that are equal within groups of units (a cluster bootstrap: every respondent
    of a resampled community counted as often as the community) are summed over the groups
    instead: each sum is the groups' sums (computed once per grouping) weighted by the
    groups' frequencies, so a block of resamples costs (resamples x groups) instead of
    (resamples x units) products. The values are centred on their mean rounded to a power
    of two below their range over 64 (no cancellation either way): Likert answers centred
    so are multiples of 1/16, their products and integer-frequency sums exact in binary, so
    that the sums over groups are the sums over units bit for bit (tested).
    """

    def __init__(self, A: np.ndarray) -> None:
        from scipy import sparse

        m, n = A.shape
        self.m, self.n = m, n
        P = ~np.isnan(A)
        uniq = [np.unique(A[P[:, j], j]) for j in range(n)]
        q = max(1, max(u.size for u in uniq))
        self.levels: np.ndarray | None = None
        if q <= _MAX_LEVELS:
            vals = np.full((n, q), np.nan)
            rows, cols = [], []
            for j, u in enumerate(uniq):
                vals[j, :u.size] = u
                ok = np.flatnonzero(P[:, j])
                rows.append(ok)
                cols.append(j * q + np.searchsorted(u, A[ok, j]))
            r, c = np.concatenate(rows), np.concatenate(cols)
            self.levels, self.q = vals, q
            self.onehot_t = sparse.csr_matrix((np.ones(r.size), (c, r)), shape=(n * q, m))
        X0 = np.where(P, A - _dyadic_centre(A), 0.0)              # centred: no cancellation
        self.X0, self.X0sq = X0, X0**2
        self.iu, self.ju = np.triu_indices(n)
        self._prod: np.ndarray | None = None
        self._groupings: dict[bytes, _Sums] = {}
        self.Qf = (~P).astype(float)
        self.c_x: Any = None
        self.c_xx: Any = None
        self.c_qq: Any = None
        self.missing = bool(self.Qf.any())
        if self.missing:
            i, k = np.nonzero(~P)                                  # the missing cells (i, k)
            rows_ = np.repeat(i, n)
            j_ = np.tile(np.arange(n), i.size)
            cols_ = j_ * n + np.repeat(k, n)                       # (j, k) flattened

            def mat(values: np.ndarray) -> Any:
                return sparse.csr_matrix((values, (cols_, rows_)), shape=(n * n, m))

            xj = X0[rows_, j_]
            self.c_x, self.c_xx = mat(xj), mat(xj**2)
            self.c_qq = mat(self.Qf[rows_, j_])

    @property
    def prod(self) -> np.ndarray:
        """``x_j x_k`` of every unit and pair ``j <= k`` (m, n (n + 1) / 2), made on first
        use (a cluster bootstrap never needs it: 1.3 GB at 10^5 respondents x 57 items).
        """
        if self._prod is None:
            self._prod = np.ascontiguousarray(self.X0[:, self.iu] * self.X0[:, self.ju])
        return self._prod

    def _units(self, flat: np.ndarray) -> tuple[np.ndarray, _Sums]:
        """``(frequencies, sums)``: the groups' frequencies (B, k) and sums when the units'
        frequencies ``flat`` (B, m) are equal within groups of units
        (:func:`ahpstat._grouping.equal_columns`), else ``flat`` itself with the units' own sums.
        """
        codes = equal_columns(flat)
        if codes is None:
            return flat, _Sums(self.prod, self.X0, self.X0sq, self.Qf, self.c_x, self.c_xx,
                               self.c_qq, np.ones(self.m),
                               self.onehot_t if self.levels is not None else None)
        code, first = codes
        key = code.tobytes()
        sums = self._groupings.pop(key, None)
        if sums is None:
            sums = self._group_sums(code, first.size)
            if len(self._groupings) >= 4:  # the estimate's, the resamples', the jackknife's
                self._groupings.pop(next(iter(self._groupings), b""), None)
        self._groupings[key] = sums  # most recently used last
        return flat[:, first], sums

    @one_blas_thread  # many small products: threaded BLAS spun 10-60x their CPU time
    def _group_sums(self, code: np.ndarray, k: int) -> _Sums:
        from scipy import sparse

        G = group_indicator(code, k)
        order = np.argsort(code, kind="stable")
        ends = np.cumsum(np.bincount(code, minlength=k))
        Xs = self.X0[order]
        prod = np.empty((k, self.iu.size))
        for g in range(k):
            Xg = Xs[(ends[g - 1] if g else 0):ends[g]]
            prod[g] = (Xg.T @ Xg)[self.iu, self.ju]

        def by_group(S: Any) -> Any:
            return None if S is None else sparse.csr_matrix(S @ G.T)

        return _Sums(prod, np.asarray(G @ self.X0), np.asarray(G @ self.X0sq),
                     np.asarray(G @ self.Qf), by_group(self.c_x), by_group(self.c_xx),
                     by_group(self.c_qq), np.asarray(G.sum(axis=1)).ravel(),
                     by_group(self.onehot_t) if self.levels is not None else None)

    def level_counts(self, f: np.ndarray) -> np.ndarray:
        w, S = self._units(f.reshape(-1, self.m))
        c = np.asarray((S.onehot_t @ w.T).T)
        return c.reshape(*f.shape[:-1], self.n, self.q)

    def cross_sums(self, f: np.ndarray) -> tuple[np.ndarray, ...]:
        n = self.n
        w, S = self._units(f.reshape(-1, self.m))
        B = w.shape[0]
        half = w @ S.prod
        sxy = np.empty((B, n, n))
        sxy[:, self.iu, self.ju] = half
        sxy[:, self.ju, self.iu] = half
        N = (w @ S.size)[:, None, None]
        s1 = (w @ S.X0)[:, :, None]
        s2 = (w @ S.X0sq)[:, :, None]
        if not self.missing:
            nn = np.broadcast_to(N, (B, n, n))
            sx = np.broadcast_to(s1, (B, n, n))
            sxx = np.broadcast_to(s2, (B, n, n))
        else:
            def corr(C: Any) -> np.ndarray:
                return np.asarray((C @ w.T).T).reshape(B, n, n)

            sx = s1 - corr(S.c_x)
            sxx = s2 - corr(S.c_xx)
            qv = w @ S.Qf                                          # (B, n)
            nn = N - qv[:, :, None] - qv[:, None, :] + corr(S.c_qq)
        shape = (*f.shape[:-1], n, n)
        return (sxy.reshape(shape), np.reshape(nn, shape), np.reshape(sx, shape),
                np.reshape(sxx, shape))


class _Sums(NamedTuple):
    """The sums :class:`_Shared` weights by frequencies, over units or over groups of them:
    pair products, centred values and their squares, missing indicators, the missing-cell
    corrections, unit counts and the answer-level indicators.
    """

    prod: np.ndarray
    X0: np.ndarray
    X0sq: np.ndarray
    Qf: np.ndarray
    c_x: Any
    c_xx: Any
    c_qq: Any
    size: np.ndarray
    onehot_t: Any


def _dyadic_centre(A: np.ndarray) -> np.ndarray:
    """Each column's mean rounded to a multiple of a power of two between its range / 128
    and its range / 64 (:class:`_Shared`); the mean itself for a constant column, 0 for an
    empty one.

    Examples
    --------
    >>> _dyadic_centre(np.array([[1.0, 2.0], [2.0, 2.0], [5.0, 2.0]]))  # range 4: 1/16
    array([2.6875, 2.    ])
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)           # an item nobody answered
        mean = np.nan_to_num(np.nanmean(A, axis=0))
        span = np.nan_to_num(np.nanmax(A, axis=0) - np.nanmin(A, axis=0))
    _, e = np.frexp(np.where(span > 0, span, 1.0))               # span = s 2**e, s in [1/2, 1)
    step = np.ldexp(1.0, e - 7)
    return np.where(span > 0, np.round(mean / step) * step, mean)


@functools.lru_cache(maxsize=4)
def _shared_cached(shape: tuple[int, ...], data: bytes) -> _Shared:
    return _Shared(np.frombuffer(data, dtype=float).reshape(shape))


def _shared(A: np.ndarray) -> _Shared:
    """The :class:`_Shared` of ``A``, cached by content (a bootstrap calls with the same
    answers block after block).
    """
    A = np.ascontiguousarray(A, dtype=float)
    return _shared_cached(A.shape, A.tobytes())


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


# --------------------------------------------------------------------------- methods


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
    d = _Data(X, frequencies)
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
    d = _Data(X, frequencies)
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
    c = _Data(X, frequencies).columns
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
    c = _Data(X, frequencies).columns
    sd, mean = c.sd, c.mean
    zero_mean = np.abs(mean) <= _CONST_RTOL * np.maximum(np.abs(c.lo), np.abs(c.hi))
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


# --------------------------------------------------------------------------- combination


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
