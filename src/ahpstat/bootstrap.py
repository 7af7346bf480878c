"""Bootstrap uncertainty for AHP weights, composite scores and ranks.

Two independent sources of uncertainty (docs/methods.md): the expert panel, which gives the
weights, and the respondent sample, which gives the item means. This module resamples either
or both, independently, and keeps every resample (draws on the LAST axis), so another
confidence level or interval method needs no new resampling.

Layers
------
numpy core (no labels)
    :func:`resample_counts` (iid, stratified, one- or two-stage cluster resampling as count
    matrices), :func:`bootstrap_interval` (percentile, basic and BCa intervals with scipy's
    conventions), :func:`jackknife_acceleration` (BCa's ``a``), :func:`rank_probabilities`,
    :func:`pairwise_probabilities`.
labelled
    :func:`joint_bootstrap` -> :class:`StudyBootstrapResult` (tidy tables via ``to_frame``).

Speed comes from structure: a composite score is linear in the item means, so each resample
needs only the resampled item sums and counts, ``counts @ answers`` -- one matrix product per
block of resamples -- and all node scores of all groups follow from ``(w * m) @ membership.T``.
The panel is re-run once per resample for all nodes and groups.

Reproducibility: the resamples are generated in fixed blocks of ``BLOCK`` resamples, block
``k`` from its own stream ``rng.spawn``-ed for it, so the result depends on ``rng`` and the
data only -- never on how the work is batched, chunked or distributed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import ndtr, ndtri

from ahpstat._validation import (
    InputError,
    check_confidence_level,
    check_int,
    check_method,
)
from ahpstat._warnings import AHPWarning, DegenerateDataWarning, warn
from ahpstat.hierarchy import Hierarchy
from ahpstat.panel import PanelResult
from ahpstat.scoring import composite_scores, means_from_sums

__all__ = [
    "BLOCK",
    "MIN_CLUSTERS",
    "MIN_DEFINED_SHARE",
    "MIN_EXPERTS",
    "SPLIT",
    "ConfidenceInterval",
    "FewClustersWarning",
    "FewExpertsWarning",
    "StudyBootstrapResult",
    "StudyData",
    "bootstrap_interval",
    "bootstrap_study",
    "jackknife_acceleration",
    "joint_bootstrap",
    "pairwise_probabilities",
    "rank_probabilities",
    "rank_table",
    "resample_counts",
    "resampled_item_means",
]

#: Resamples per random stream block. Fixed: changing it changes the resamples drawn.
BLOCK = 256
_CELLS = 1 << 22  # count-matrix cells per sub-chunk (memory bound, depends on data only)
_METHODS = ("percentile", "basic", "bca")
_SOURCES = ("experts", "respondents")
_STAGES = ("one", "two")
#: Share of defined (non-NaN) draws below which an interval is NaN rather than conditional.
MIN_DEFINED_SHARE = 0.99
#: Below this many clusters a cluster bootstrap misses its nominal coverage (studies/coverage).
MIN_CLUSTERS = 20
#: Name of the variance decomposition of :meth:`StudyBootstrapResult.variance_split`.
SPLIT = "one-at-a-time (no interaction term)"
#: Below this many experts the expert bootstrap is coarse and under-covers (studies/coverage).
MIN_EXPERTS = 10


class FewClustersWarning(AHPWarning):
    """Too few clusters for the cluster bootstrap to reach its nominal coverage.

    One-stage intervals are then too narrow; two-stage ones too wide at low intra-class
    correlation and too narrow at high (the message says which applies).
    """


class FewExpertsWarning(AHPWarning):
    """Too few experts for the expert bootstrap: few distinct panels, intervals too narrow."""


class ConfidenceInterval(NamedTuple):
    """Lower and upper confidence limits (arrays of the statistic's shape)."""

    low: Any
    high: Any


# --------------------------------------------------------------------------------------------
# numpy core: resampling
# --------------------------------------------------------------------------------------------


def _normalize_rng(rng: Any) -> np.random.Generator:
    return np.random.default_rng(rng)


def _n_blocks(n_resamples: int) -> int:
    return -(-n_resamples // BLOCK)


class _Units:
    """Respondents sorted into contiguous units (strata or clusters)."""

    def __init__(self, codes: np.ndarray, n_units: int) -> None:
        self.order = np.argsort(codes, kind="stable")
        self.sizes = np.bincount(codes, minlength=n_units).astype(np.intp)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.intp)
        self.unit_of_pos = np.repeat(np.arange(n_units), self.sizes)
        self.n = int(codes.size)
        self.n_units = n_units


def _rows_per_chunk(n: int) -> int:
    return max(1, min(BLOCK, _CELLS // max(n, 1)))


def _stratified_counts(gen: np.random.Generator, rows: int, units: _Units) -> np.ndarray:
    """Counts (rows, n) in sorted order: each unit's respondents resampled within the unit."""
    n = units.n
    u = gen.random((rows, n))
    sizes = units.sizes[units.unit_of_pos]
    pick = units.starts[units.unit_of_pos] + (u * sizes).astype(np.intp)
    pick += (np.arange(rows) * n)[:, None]
    return np.bincount(pick.ravel(), minlength=rows * n).reshape(rows, n)


def _cluster_draws(gen: np.random.Generator, rows: int, n_units: int) -> np.ndarray:
    """Stage 1 of cluster resampling: (rows, G) indices of the clusters drawn, with
    replacement, as many as there are.
    """
    return (gen.random((rows, n_units)) * n_units).astype(np.intp)


def _times_drawn(j: np.ndarray, n_units: int) -> np.ndarray:
    """(rows, G) how often each cluster is drawn in each row of stage-1 draws ``j``."""
    rows = j.shape[0]
    flat = j + (np.arange(rows) * n_units)[:, None]
    return np.bincount(flat.ravel(), minlength=rows * n_units).reshape(rows, n_units)


def _cluster_counts(gen: np.random.Generator, j: np.ndarray, units: _Units) -> np.ndarray:
    """Counts (rows, n) in sorted order: two-stage cluster resampling, stage 2.

    ``j`` (rows, G) are the clusters drawn with replacement in stage 1; stage 2 draws, for
    each drawn cluster, as many respondents as it has, with replacement, within it. A cluster
    drawn ``k`` times contributes ``k`` independent within-cluster resamples.
    """
    n = units.n
    rows, G = j.shape
    reps = units.sizes[j].ravel()
    j_rep = np.repeat(j.ravel(), reps)
    row_rep = np.repeat(np.repeat(np.arange(rows), G), reps)
    u = gen.random(j_rep.size)
    pick = units.starts[j_rep] + (u * units.sizes[j_rep]).astype(np.intp) + row_rep * n
    return np.bincount(pick, minlength=rows * n).reshape(rows, n)


def _block_counts(gen: np.random.Generator, rows: int, units: _Units, scheme: str):
    """Yield (start, counts) sub-chunks of one block of resamples, in sorted order.

    ``scheme``: ``"strata"`` (respondents within their unit), ``"cluster_one"`` (whole
    clusters) or ``"cluster_two"`` (clusters, then respondents within them). The stream is
    consumed in resample order (for clusters: all stage-1 draws of the block first, so one-
    and two-stage resampling draw the same clusters from the same stream), and the
    sub-chunk size -- chosen from the data size to bound memory -- does not change the
    resamples.
    """
    step = _rows_per_chunk(units.n)
    if scheme in ("cluster_one", "cluster_two"):
        G = units.n_units
        j = _cluster_draws(gen, rows, G)
        for s in range(0, rows, step):
            if scheme == "cluster_one":
                yield s, _times_drawn(j[s:s + step], G)[:, units.unit_of_pos]
            else:
                yield s, _cluster_counts(gen, j[s:s + step], units)
    else:
        for s in range(0, rows, step):
            yield s, _stratified_counts(gen, min(step, rows - s), units)


def _codes(x: ArrayLike | None, n: int, name: str) -> tuple[np.ndarray | None, tuple[str, ...]]:
    if x is None:
        return None, ()
    arr = np.asarray(x)
    if arr.ndim != 1 or arr.size != n:
        raise ValueError(
            f"`{name}` must have one entry per respondent ({n}); got shape {arr.shape} instead."
        )
    if pd.isna(arr).any():
        raise ValueError(f"`{name}` must not contain missing values; got {int(pd.isna(arr).sum())}"
                         " missing instead.")
    codes, uniques = pd.factorize(arr, sort=True)
    return codes.astype(np.intp), tuple(str(u) for u in uniques)


def resample_counts(
    n: int,
    n_resamples: int,
    *,
    strata: ArrayLike | None = None,
    clusters: ArrayLike | None = None,
    cluster_stage: str = "one",
    rng: Any = None,
) -> np.ndarray:
    """How often each observation appears in each bootstrap resample.

    Parameters
    ----------
    n : int
        Number of observations (respondents).
    n_resamples : int
        Number of resamples ``B``.
    strata : array_like, shape (n,), optional
        Resample within each stratum (keeping its size). Exclusive with ``clusters``.
    clusters : array_like, shape (n,), optional
        Cluster resampling: draw as many clusters as there are, with replacement (see
        ``cluster_stage``).
    cluster_stage : {"one", "two"}, default "one"
        With ``clusters``: ``"one"`` keeps every drawn cluster whole (all its respondents,
        once per draw); ``"two"`` then also draws, within each drawn cluster, as many
        respondents as it has, with replacement. Case-insensitive. See Notes.
    rng : None, int or numpy.random.Generator
        Source of randomness; block ``k`` of ``BLOCK`` resamples uses ``rng.spawn``'s k-th
        stream, so the counts do not depend on any batching. One- and two-stage resampling
        with the same ``rng`` draw the same clusters.

    Returns
    -------
    ndarray of int, shape (B, n)
        ``counts[b, i]``: copies of observation ``i`` in resample ``b``. Without ``clusters``
        every row sums to ``n``; with them, to the size of the drawn clusters.

    Notes
    -----
    One-stage resampling of whole clusters estimates the variance of a mean over clusters
    with the factor ``(G - 1) / G`` (Davison & Hinkley 1997, §3.8; Field & Welsh 2007): the
    between-cluster spread already contains the within-cluster sampling variance. Resampling
    respondents again within the drawn clusters adds that variance a second time: for
    ``G`` clusters of ``m`` respondents the two-stage variance of the overall mean is about
    ``(G - 1) / G + (1 - rho) (m - 1) / (m (1 + (m - 1) rho))`` times the true one at
    intra-class correlation ``rho`` -- nearly twice the truth when ``rho`` is small
    (measured in ``studies/coverage``). Two-stage resampling is kept for comparison with earlier
    results; it is conservative at low intra-class correlation, not more accurate.

    Examples
    --------
    >>> c = resample_counts(5, 3, rng=1)
    >>> c.shape, c.sum(axis=1).tolist()
    ((3, 5), [5, 5, 5])
    >>> c = resample_counts(4, 2, strata=[0, 0, 1, 1], rng=1)
    >>> (c[:, :2].sum(axis=1), c[:, 2:].sum(axis=1))
    (array([2, 2]), array([2, 2]))

    One-stage cluster resampling keeps clusters whole (every member of a drawn cluster
    appears as often as the cluster was drawn):

    >>> c = resample_counts(5, 4, clusters=["a", "a", "b", "b", "b"], rng=3)
    >>> bool((c[:, 0] == c[:, 1]).all() and (c[:, 2] == c[:, 4]).all())
    True

    Examples
    --------
    >>> c = resample_counts(5, 3, rng=1)
    >>> c.shape, c.sum(axis=1).tolist()
    ((3, 5), [5, 5, 5])
    """
    n = check_int("n", n, 1)
    n_resamples = check_int("n_resamples", n_resamples, 1)
    if strata is not None and clusters is not None:
        raise ValueError("`strata` and `clusters` are exclusive; got both instead.")
    codes, names = _codes(clusters if clusters is not None else strata, n,
                          "clusters" if clusters is not None else "strata")
    if codes is None:
        codes = np.zeros(n, dtype=np.intp)
        names = ("all",)
    stage = _check_stage(cluster_stage)
    scheme = f"cluster_{stage}" if clusters is not None else "strata"
    units = _Units(codes, len(names))
    out = np.empty((n_resamples, n), dtype=np.int64)
    gens = _normalize_rng(rng).spawn(_n_blocks(n_resamples))
    for k, gen in enumerate(gens):
        b0 = k * BLOCK
        rows = min(BLOCK, n_resamples - b0)
        for s, c in _block_counts(gen, rows, units, scheme):
            out[b0 + s:b0 + s + c.shape[0], units.order] = c
    return out


def resampled_item_means(
    answers: ArrayLike,
    n_resamples: int,
    *,
    clusters: ArrayLike | None = None,
    cluster_stage: str = "one",
    groups: ArrayLike | None = None,
    rng: Any = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Available-case item means of bootstrap resamples of the respondents.

    For pairing with other draws (e.g. posterior weight draws, one resample per draw), so
    that scores carry the sampling uncertainty of the item means too.

    Parameters
    ----------
    answers : array_like, shape (R, L)
        Answers of ``R`` respondents to ``L`` items (``NaN`` = missing).
    n_resamples : int
        Number of resamples ``S``.
    clusters : array_like, shape (R,), optional
        Overall means resample clusters (:func:`resample_counts`); iid respondents when
        omitted.
    cluster_stage : {"one", "two"}, default "one"
        Whole clusters, or clusters then respondents within them (:func:`resample_counts`).
    groups : array_like, shape (R,), optional
        Also return per-group means, each group's respondents resampled within it.
    rng : None, int or numpy.random.Generator
        Source of randomness (two independent streams: overall, groups).

    Returns
    -------
    means : ndarray, shape (S, L)
        Item means of each resample (``NaN`` where a resample holds no answer to an item).
    group_means : ndarray, shape (S, G, L) or None
        Per group, groups in sorted order of their labels (as :func:`resample_counts`).

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, np.nan]])
    >>> m, _ = resampled_item_means(X, 4, rng=0)
    >>> m.shape
    (4, 2)
    >>> m, gm = resampled_item_means(X, 2, groups=["a", "a", "b"], rng=0)
    >>> gm[:, 1, 0].tolist()  # group "b" has one respondent: always 5
    [5.0, 5.0]
    """
    X = np.asarray(answers, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"`answers` must be (respondents, items); got shape {X.shape} instead.")
    present = ~np.isnan(X)
    V = np.where(present, X, 0.0)
    P = present.astype(float)
    gen_all, gen_groups = _normalize_rng(rng).spawn(2)

    def means(C: np.ndarray, rows: Any) -> np.ndarray:
        return means_from_sums(C @ V[rows], C @ P[rows])

    C = resample_counts(X.shape[0], n_resamples, clusters=clusters,
                        cluster_stage=cluster_stage, rng=gen_all).astype(float)
    overall = means(C, slice(None))
    if groups is None:
        return overall, None
    codes, names = _codes(groups, X.shape[0], "groups")
    C = resample_counts(X.shape[0], n_resamples, strata=codes, rng=gen_groups).astype(float)
    by_group = np.stack([means(C[:, codes == g], codes == g) for g in range(len(names))], axis=1)
    return overall, by_group


# --------------------------------------------------------------------------------------------
# numpy core: intervals
# --------------------------------------------------------------------------------------------


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
    parts = [_jackknife_terms(np.asarray(t, dtype=float)) for t in jackknife]
    return _accel(parts, np.broadcast_shapes(*(p[0].shape for p in parts)) if parts else ())


def _jackknife_terms(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    ``alpha_2`` with ``z_{1-alpha}``.

    Examples
    --------
    >>> d = np.arange(1.0, 101.0)
    >>> lo, hi = bootstrap_interval(d, 50.0, method="percentile", confidence_level=0.9)
    >>> round(float(lo), 6), round(float(hi), 6)
    (5.95, 95.05)
    """
    confidence_level = check_confidence_level(confidence_level)
    method = check_method("method", method, _METHODS)
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
        from ahpstat._bootstrap_kernels import fraction_below

        a = np.broadcast_to(np.asarray(acceleration, dtype=float), shape).reshape(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            z0 = ndtri(fraction_below(np.ascontiguousarray(X), np.ascontiguousarray(t)))
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


# --------------------------------------------------------------------------------------------
# numpy core: ranks
# --------------------------------------------------------------------------------------------


def rank_probabilities(draws: ArrayLike) -> np.ndarray:
    """``P(rank = r)`` of each of ``k`` competitors from joint draws.

    Parameters
    ----------
    draws : array_like, shape (k, B)
        Joint draws (same resample = same column). Higher is better.

    Returns
    -------
    ndarray, shape (k, k)
        ``P[i, r]``: share of resamples in which competitor ``i`` ranks ``r + 1`` (1 = highest).
        Exact ties are broken in index order; ``NaN`` ranks last.

    Examples
    --------
    >>> rank_probabilities([[3, 1, 3], [2, 2, 1]])
    array([[0.66666667, 0.33333333],
           [0.33333333, 0.66666667]])
    """
    D = np.asarray(draws, dtype=float)
    if D.ndim != 2:
        raise ValueError(f"`draws` must be (competitors, resamples); got shape {D.shape} instead.")
    k = D.shape[0]
    order = np.argsort(np.where(np.isnan(D), np.inf, -D), axis=0, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(k)[:, None], axis=0)
    out = np.zeros((k, k))
    for r in range(k):
        out[:, r] = (ranks == r).mean(axis=1)
    return out


def rank_table(draws: ArrayLike, names: Sequence[str], *, key: str = "group") -> pd.DataFrame:
    """:func:`rank_probabilities` as a tidy table ``<key>, rank, probability``.

    Examples
    --------
    >>> rank_table([[3, 1, 3], [2, 2, 1]], ["x", "y"]).probability.round(3).tolist()
    [0.667, 0.333, 0.333, 0.667]
    """
    P = rank_probabilities(draws)
    k = len(names)
    return pd.DataFrame({key: np.repeat(list(names), k), "rank": np.tile(np.arange(1, k + 1), k),
                         "probability": P.ravel()})


def pairwise_probabilities(draws: ArrayLike) -> np.ndarray:
    """``P(a > b)`` for every ordered pair of competitors from joint draws.

    Parameters
    ----------
    draws : array_like, shape (k, B)

    Returns
    -------
    ndarray, shape (k, k)
        ``P[a, b]``: share of resamples with ``draws[a] > draws[b]`` (strictly; diagonal 0).

    Examples
    --------
    >>> pairwise_probabilities([[3, 1, 3], [2, 2, 1]])
    array([[0.        , 0.66666667],
           [0.33333333, 0.        ]])
    """
    D = np.asarray(draws, dtype=float)
    if D.ndim != 2:
        raise ValueError(f"`draws` must be (competitors, resamples); got shape {D.shape} instead.")
    return (D[:, None, :] > D[None, :, :]).mean(axis=-1)


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _check_stage(stage: Any) -> str:
    """``cluster_stage`` normalised: ``"one"`` or ``"two"`` (case-insensitive)."""
    return check_method("cluster_stage", stage, _STAGES)


# --------------------------------------------------------------------------------------------
# labelled layer
# --------------------------------------------------------------------------------------------


class _Moments:
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


def _accel(parts: list[tuple[np.ndarray, np.ndarray]], shape: tuple[int, ...]) -> np.ndarray:
    """BCa's ``a`` from the jackknife terms of independent samples (NaN without any)."""
    if not parts:
        return np.full(shape, np.nan)
    num = sum(p[0] for p in parts)
    den = sum(p[1] for p in parts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.broadcast_to(num / 6.0 / np.asarray(den) ** 1.5, shape).copy()


@dataclass(frozen=True, eq=False)
class StudyBootstrapResult:
    """Bootstrap of a weighted hierarchy scored from a survey, with every resample kept.

    Attributes
    ----------
    nodes, leaves : tuple of str
        Node ids (rows of ``membership``) and leaf ids (its columns).
    groups : tuple of str
        Group names (empty when no groups were given).
    parents : tuple of int or None
        Parent index of each node (``-1`` for the root), when given.
    global_weights : ndarray, shape (N,)
        Global weight of each node (sum of its leaves' global weights).
    scores, group_scores : ndarray, shape (N,) and (G, N)
        Estimates: node scores overall and per group.
    weight_draws : ndarray, shape (N, B) or None
        Global weights per resample (``None`` when experts were not resampled).
    score_draws, group_score_draws : ndarray, shape (N, B) and (G, N, B)
        Node scores per resample, both sources resampled as requested.
    panel_score_draws, sample_score_draws : ndarray, shape (N, B)
        Scores with only the panel resampled (item means fixed) and only the sample
        resampled (weights fixed; clusters whole, the stage-1 draws of the same resamples
        under two-stage resampling).
    group_var_panel, group_var_sample : ndarray, shape (G, N)
        Per group, the variances of those two (only the variances are kept per group).
    acceleration : dict of str to ndarray
        BCa's ``a`` for ``"global_weights"``, ``"local_weights"``, ``"scores"`` and
        ``"group_scores"`` (from the jackknife over experts and respondents or clusters).
    confidence_level, method : float, str
        Defaults used by :meth:`confidence_interval` and :meth:`to_frame`.
    n_resamples : int
    resample : tuple of str
        Sources resampled: ``"experts"``, ``"respondents"``.
    scheme : str
        Overall respondent resampling: ``"iid"`` or ``"cluster"``. Group scores always
        resample respondents within their group.
    cluster_stage : str or None
        With ``scheme="cluster"``: ``"one"`` (whole clusters) or ``"two"`` (clusters, then
        respondents within them); ``None`` otherwise.
    n_clusters, n_experts, n_respondents : int or None
    """

    nodes: tuple[str, ...]
    leaves: tuple[str, ...]
    groups: tuple[str, ...]
    parents: tuple[int, ...] | None
    global_weights: np.ndarray
    scores: np.ndarray
    group_scores: np.ndarray
    weight_draws: np.ndarray | None
    score_draws: np.ndarray
    group_score_draws: np.ndarray
    panel_score_draws: np.ndarray
    sample_score_draws: np.ndarray
    group_var_panel: np.ndarray
    group_var_sample: np.ndarray
    acceleration: dict[str, np.ndarray] = field(repr=False)
    confidence_level: float = 0.95
    method: str = "bca"
    n_resamples: int = 0
    resample: tuple[str, ...] = _SOURCES
    scheme: str = "iid"
    cluster_stage: str | None = None
    n_clusters: int | None = None
    n_experts: int | None = None
    n_respondents: int = 0
    _tree: Hierarchy | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        tree = None if self.parents is None else _index_tree(self.parents)
        object.__setattr__(self, "_tree", tree)

    # ---- derived quantities -------------------------------------------------------------

    @property
    def local_weights(self) -> np.ndarray | None:
        """Local weight of each node (global / parent's global; root 1), if ``parents``."""
        if self._tree is None:
            return None
        return _local(self.global_weights, self._tree)

    @property
    def local_weight_draws(self) -> np.ndarray | None:
        """Local weights per resample, shape (N, B) (``None`` without ``parents`` or draws)."""
        if self._tree is None or self.weight_draws is None:
            return None
        return _local(self.weight_draws, self._tree)

    def interval(
        self, *, confidence_level: float | None = None, method: str | None = None
    ) -> StudyBootstrapResult:
        """The same resamples with another default level or method (nothing is resampled).

        Examples
        --------
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> res.interval(confidence_level=0.9, method="percentile").method
        'percentile'
        """
        lv = self.confidence_level if confidence_level is None else check_confidence_level(
            confidence_level)
        m = self.method if method is None else check_method("method", method, _METHODS)
        return dataclasses.replace(self, confidence_level=lv, method=m)

    def _quantity(self, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        what = check_method("what", what, ("scores", "group_scores", "global_weights",
                                           "local_weights"))
        if what == "scores":
            return self.scores, self.score_draws, self.acceleration["scores"]
        if what == "group_scores":
            return self.group_scores, self.group_score_draws, self.acceleration["group_scores"]
        if self.weight_draws is None:
            raise ValueError(f"no weight resamples: `resample` did not include 'experts'; "
                             f"got {self.resample!r} instead.")
        if what == "global_weights":
            return self.global_weights, self.weight_draws, self.acceleration["global_weights"]
        if self.parents is None:
            raise ValueError("local weights need `parents`; got None instead.")
        lw, lwd = self.local_weights, self.local_weight_draws
        assert lw is not None and lwd is not None  # parents and weight draws are known
        return lw, lwd, self.acceleration["local_weights"]

    def confidence_interval(
        self, what: str = "scores", *, confidence_level: float | None = None,
        method: str | None = None,
    ) -> ConfidenceInterval:
        """Interval of ``"scores"`` (N,), ``"group_scores"`` (G, N), ``"global_weights"`` or
        ``"local_weights"`` (N,), from the stored resamples.

        Examples
        --------
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> lo, hi = res.confidence_interval("scores", method="percentile")
        >>> bool(lo[0] < res.scores[0] < hi[0])
        True
        """
        est, draws, acc = self._quantity(what)
        return bootstrap_interval(
            draws, est,
            confidence_level=self.confidence_level if confidence_level is None
            else confidence_level,
            method=self.method if method is None else method, acceleration=acc)

    def interval_label(
        self, what: str = "scores", *, confidence_level: float | None = None,
        method: str | None = None,
    ) -> str:
        """What an interval of ``what`` is, in words: level, method and what was resampled.

        For the ``interval`` column of every table, so that a table read alone cannot be
        misread (``what`` as in :meth:`confidence_interval`).

        Examples
        --------
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> res.interval_label("scores", method="bca")
        '95% BCa bootstrap: respondents iid'
        >>> res.interval_label("group_scores", confidence_level=0.9, method="basic")
        '90% basic bootstrap: respondents within group'
        """
        what = check_method("what", what, ("scores", "group_scores", "global_weights",
                                           "local_weights"))
        lv = self.confidence_level if confidence_level is None else check_confidence_level(
            confidence_level)
        m = self.method if method is None else check_method("method", method, _METHODS)
        parts = []
        if "experts" in self.resample:
            parts.append("experts")
        if "respondents" in self.resample and what in ("scores", "group_scores"):
            if what == "group_scores":
                parts.append("respondents within group")
            elif self.scheme == "cluster":
                parts.append(f"{self.cluster_stage}-stage cluster ({self.n_clusters} "
                             "clusters)")
            else:
                parts.append("respondents iid")
        name = {"bca": "BCa"}.get(m, m)
        return f"{100 * lv:g}% {name} bootstrap: " + (" + ".join(parts) or "nothing resampled")

    def standard_error(self, what: str = "scores") -> np.ndarray:
        """Standard deviation (``ddof=1``) of the resamples of ``what``."""
        return self._quantity(what)[1].std(axis=-1, ddof=1)

    def rank_probabilities(self, *, node: str | None = None) -> pd.DataFrame:
        """Groups ranked by their score at ``node`` (default: the root): ``P(rank = r)``.

        Returns a tidy table ``node, group, rank, probability`` (rank 1 = highest score).
        """
        v = self._node_index(node)
        t = rank_table(self.group_score_draws[:, v, :], self.groups)
        t.insert(0, "node", self.nodes[v])
        return t

    def criteria_rank_probabilities(
        self, *, parent: str | None = None, by: str = "score", group: str | None = None
    ) -> pd.DataFrame:
        """Children of ``parent`` (default: the root) ranked by ``"score"`` or ``"weight"``.

        Returns ``parent, node, rank, probability`` (rank 1 = highest).
        """
        D, names, p = self._children_draws(parent, by, group)
        t = rank_table(D, names, key="node")
        t.insert(0, "parent", p)
        return t

    def pairwise_probabilities(
        self, *, of: str = "groups", node: str | None = None, by: str = "score",
        group: str | None = None,
    ) -> pd.DataFrame:
        """``P(a ranks above b)`` for groups at ``node`` (``of="groups"``) or for the children
        of ``node`` (``of="criteria"``, ranked ``by`` score or weight). Columns
        ``node, a, b, probability``.
        """
        of = check_method("of", of, ("groups", "criteria"))
        if of == "groups":
            v = self._node_index(node)
            D, names, where = self.group_score_draws[:, v, :], list(self.groups), self.nodes[v]
        else:
            D, names, where = self._children_draws(node, by, group)
        P = pairwise_probabilities(D)
        k = len(names)
        a, b = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        keep = a != b
        return pd.DataFrame({"node": where, "a": np.asarray(names)[a[keep]],
                             "b": np.asarray(names)[b[keep]], "probability": P[keep]})

    def rank_confidence_sets(
        self, *, of: str = "groups", node: str | None = None, by: str = "score",
        group: str | None = None, confidence_level: float | None = None,
        coverage: Sequence[str] | str = ("joint", "marginal"),
    ) -> pd.DataFrame:
        """Joint and marginal confidence sets for ranks (:mod:`ahpstat.rank_sets`).

        Groups ranked by their score at ``node`` (``of="groups"``, default the root), or the
        children of ``node`` ranked by ``"score"`` (whole sample, or ``group``'s) or
        ``"weight"`` (``of="criteria"``). Joint sets cover the ranks of all of them at once
        at ``confidence_level`` (default the result's); marginal ones each rank on its own.

        Returns
        -------
        DataFrame
            ``node, group, estimate, rank, rank_low, rank_high, coverage, confidence_level,
            interval`` for groups; ``parent, node, ...`` for criteria (rank 1 = highest).

        Examples
        --------
        Two criteria whose scores 40 respondents cannot tell apart: each may rank 1 or 2.

        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> t = res.rank_confidence_sets(of="criteria", coverage="joint")
        >>> t[["parent", "node", "rank", "rank_low", "rank_high"]].values.tolist()
        [['0', '1', 1, 1, 2], ['0', '2', 2, 1, 2]]
        """
        from ahpstat.rank_sets import rank_sets_table

        of = check_method("of", of, ("groups", "criteria"))
        level = self.confidence_level if confidence_level is None else confidence_level
        if of == "groups":
            v = self._node_index(node)
            est, D, names = self.group_scores[:, v], self.group_score_draws[:, v, :], self.groups
            where, key, what = self.nodes[v], "group", f"groups at {self.nodes[v]}"
        else:
            D, names, where = self._children_draws(node, by, group)
            pos = [self.nodes.index(x) for x in names]
            if by == "weight":
                est = self.global_weights[pos]
            elif group is None:
                est = self.scores[pos]
            else:
                est = self.group_scores[self.groups.index(group)][pos]
            key, what = "node", f"criteria under {where} by {by}"
        t = rank_sets_table(est, D, list(names), confidence_level=level, coverage=coverage,
                            key=key, what=what)
        t.insert(0, "node" if of == "groups" else "parent", where)
        return t

    def variance_split(self) -> pd.DataFrame:
        """One-at-a-time split of each score's bootstrap variance: panel versus sample.

        ``var_panel``: variance over resamples with only the experts resampled (item means
        fixed); ``var_sample``: only the respondents resampled (weights fixed; clusters kept
        whole even under two-stage resampling, whose second stage would count the
        within-cluster variance twice); ``share_panel = var_panel / (var_panel +
        var_sample)``; ``var_joint``: both resampled at once, as the intervals were. The split
        is one source at a time with no interaction term: ``var_panel + var_sample`` is
        close to ``var_joint`` only because the sources are independent and the score is
        nearly additive in them. Columns ``node, group, var_panel, var_sample, var_joint,
        share_panel, split`` (``group`` empty for the whole sample; ``split`` names the
        decomposition).

        Examples
        --------
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> t = res.variance_split()
        >>> t.split.iloc[0]
        'one-at-a-time (no interaction term)'
        """
        rows = []
        triples = [tuple(_var(x, self.scores) for x in (
            self.panel_score_draws, self.sample_score_draws, self.score_draws)),
            *zip(self.group_var_panel, self.group_var_sample,
                 _var(self.group_score_draws, self.group_scores), strict=True)]
        for g, (vp, vs, vj) in enumerate(triples):
            with np.errstate(invalid="ignore", divide="ignore"):
                share = vp / (vp + vs)
            rows.append(pd.DataFrame({
                "node": self.nodes, "group": None if g == 0 else self.groups[g - 1],
                "var_panel": vp, "var_sample": vs, "var_joint": vj, "share_panel": share,
                "split": SPLIT}))
        return pd.concat(rows, ignore_index=True)

    def to_frame(self, kind: str = "scores") -> pd.DataFrame:
        """Tidy tables.

        ``"scores"``: ``node, level, group, estimate, se, ci_low, ci_high, confidence_level,
        method, interval`` -- every node overall (``group`` empty) then per group; ``level``
        is the depth (root 0) when ``parents`` is known. Leaves' scores are the item means.
        ``"weights"``: ``node, parent, weight ("global"/"local"), estimate, se, ci_low,
        ci_high, confidence_level, method, interval``. ``interval`` names each interval
        (:meth:`interval_label`). ``"ranks"``: groups at the root
        (:meth:`rank_probabilities`). ``"pairwise"``: groups at the root.
        ``"variance"``: :meth:`variance_split`.

        Examples
        --------
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> list(res.to_frame("scores").columns)  # doctest: +NORMALIZE_WHITESPACE
        ['node', 'level', 'group', 'estimate', 'se', 'ci_low', 'ci_high', 'confidence_level',
         'method', 'interval']
        """
        kind = check_method("kind", kind, ("scores", "weights", "ranks", "pairwise",
                                           "variance"))
        if kind == "ranks":
            return self.rank_probabilities()
        if kind == "pairwise":
            return self.pairwise_probabilities()
        if kind == "variance":
            return self.variance_split()
        meta = {"confidence_level": self.confidence_level, "method": self.method}
        if kind == "weights":
            frames = []
            kinds = ["global"] + (["local"] if self.parents is not None else [])
            for k in kinds:
                est, draws, _ = self._quantity(f"{k}_weights")
                lo, hi = self.confidence_interval(f"{k}_weights")
                frames.append(pd.DataFrame({
                    "node": self.nodes, "parent": self._parent_names(), "weight": k,
                    "estimate": est, "se": draws.std(axis=-1, ddof=1),
                    "ci_low": lo, "ci_high": hi, **meta,
                    "interval": self.interval_label(f"{k}_weights")}))
            return pd.concat(frames, ignore_index=True)
        level = self._levels()
        lo, hi = self.confidence_interval("scores")
        frames = [pd.DataFrame({
            "node": self.nodes, "level": level, "group": None, "estimate": self.scores,
            "se": self.standard_error("scores"), "ci_low": lo, "ci_high": hi, **meta,
            "interval": self.interval_label("scores")})]
        if self.groups:
            G, N = self.group_scores.shape
            glo, ghi = self.confidence_interval("group_scores")
            frames.append(pd.DataFrame({
                "node": np.tile(self.nodes, G), "level": np.tile(level, G),
                "group": np.repeat(self.groups, N), "estimate": self.group_scores.ravel(),
                "se": self.standard_error("group_scores").ravel(), "ci_low": glo.ravel(),
                "ci_high": ghi.ravel(), **meta,
                "interval": self.interval_label("group_scores")}))
        return pd.concat(frames, ignore_index=True)

    # ---- helpers --------------------------------------------------------------------------

    def _node_index(self, node: str | None) -> int:
        if node is None:
            return self._root()
        if node not in self.nodes:
            raise ValueError(f"`node` must be one of the nodes; got {node!r} instead.")
        return self.nodes.index(node)

    def _root(self) -> int:
        return 0 if self._tree is None else int(self._tree.root)

    def _children_draws(self, parent, by, group):
        by = check_method("by", by, ("score", "weight"))
        if self._tree is None:
            raise ValueError("ranking criteria needs `parents`; got None instead.")
        p = self._node_index(parent)
        ch = [int(c) for c in self._tree.children(str(p))]
        if by == "weight":
            D = self._quantity("global_weights")[1][ch]
        elif group is None:
            D = self.score_draws[ch]
        else:
            if group not in self.groups:
                raise ValueError(f"`group` must be one of the groups; got {group!r} instead.")
            D = self.group_score_draws[self.groups.index(group)][ch]
        return D, [self.nodes[i] for i in ch], self.nodes[p]

    def _parent_names(self) -> list[str | None]:
        if self._tree is None:
            return [None] * len(self.nodes)
        parent = [self._tree.parent(str(i)) for i in range(len(self.nodes))]
        return [None if q is None else self.nodes[int(q)] for q in parent]

    def _levels(self) -> list[Any]:
        if self._tree is None:
            return [None] * len(self.nodes)
        return [self._tree.depth(str(i)) for i in range(len(self.nodes))]


def _var(draws: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Sample variance over the last axis, computed about ``centre`` (exactly 0 if constant)."""
    B = draws.shape[-1]
    if B < 2:
        return np.full(draws.shape[:-1], np.nan)
    d = draws - centre[..., None]
    return ((d**2).sum(axis=-1) - d.sum(axis=-1) ** 2 / B) / (B - 1)


def _index_tree(parents: Sequence[int]) -> Hierarchy:
    """The tree of ``parents`` (parent position of each node, -1 for the root) as a
    :class:`~ahpstat.Hierarchy` whose node ids are the positions as text.
    """
    kids: dict[str, list[str]] = {}
    for i, p in enumerate(parents):
        if p >= 0:
            kids.setdefault(str(p), []).append(str(i))
    if not kids:
        return Hierarchy.from_dict({"id": str(list(parents).index(-1))})
    return Hierarchy.from_children(kids, argument="parents")


def _local(g: np.ndarray, tree: Hierarchy) -> np.ndarray:
    """Local weights from global weights ``g`` with the nodes on axis 0 (positions = ids)."""
    loc = tree.local_weights({str(i): g[i] for i in range(g.shape[0])})
    return np.stack([loc[str(i)] for i in range(g.shape[0])])


@dataclass(frozen=True, eq=False)
class _Design:
    """The validated inputs of :func:`joint_bootstrap`."""

    X: np.ndarray                      # (R, L) answers, NaN = missing
    M: np.ndarray                      # (N, L) membership
    w_hat: np.ndarray                  # (L,) leaf weights of the whole panel
    gcodes: np.ndarray | None          # (R,) group codes
    gnames: tuple[str, ...]
    ccodes: np.ndarray | None          # (R,) cluster codes
    cnames: tuple[str, ...]
    stage: str                         # cluster stage, "one" or "two"
    resample: tuple[str, ...]
    n_resamples: int
    confidence_level: float
    method: str
    nodes: tuple[str, ...]
    leaves: tuple[str, ...]
    parents: tuple[int, ...] | None
    n_experts: int | None
    sampler: Callable[[np.ndarray], np.ndarray] | None

    @property
    def do_experts(self) -> bool:
        """Resample the panel (one expert: resampling changes nothing, weights stay fixed)."""
        return "experts" in self.resample and self.n_experts is not None and self.n_experts > 1

    @property
    def do_respondents(self) -> bool:
        """Resample the respondents."""
        return "respondents" in self.resample

    @property
    def scheme(self) -> str:
        """Overall respondent resampling: ``"cluster"`` or ``"iid"``."""
        return "cluster" if self.ccodes is not None else "iid"


def _check_options(resample: Sequence[str] | str, n_resamples: int, confidence_level: float,
                   method: str, cluster_stage: str) -> tuple[tuple[str, ...], int, float, str, str]:
    method = check_method("method", method, _METHODS)
    stage = _check_stage(cluster_stage)
    confidence_level = check_confidence_level(confidence_level)
    n_resamples = check_int("n_resamples", n_resamples, 2 if method == "bca" else 1)
    if isinstance(resample, str):
        resample = (resample,)
    sources = tuple(check_method("resample", r, _SOURCES) for r in resample)
    if not sources:
        raise ValueError("`resample` must name at least one of 'experts', 'respondents'; "
                         "got () instead.")
    return sources, n_resamples, confidence_level, method, stage


def _check_structure(membership: ArrayLike, answers: Any, nodes: Sequence[str] | None,
                     leaves: Sequence[str] | None, parents: Sequence[int] | None
                     ) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...],
                                tuple[int, ...] | None]:
    M = np.asarray(membership, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"`membership` must be (nodes, leaves); got shape {M.shape} instead.")
    N, L = M.shape
    if leaves is None:
        if isinstance(answers, pd.DataFrame):
            raise ValueError("`leaves` must name the item columns of a DataFrame `answers`; "
                             "got None instead.")
        leaves = tuple(f"item{i}" for i in range(L))
    leaf_ids = tuple(str(x) for x in leaves)
    if len(leaf_ids) != L:
        raise ValueError(f"`leaves` must name the {L} columns of `membership`; got "
                         f"{len(leaf_ids)} instead.")
    node_ids = tuple(str(x) for x in (nodes if nodes is not None else range(N)))
    if len(node_ids) != N:
        raise ValueError(f"`nodes` must name the {N} rows of `membership`; got "
                         f"{len(node_ids)} instead.")
    par = None
    if parents is not None:
        par = tuple(int(p) for p in parents)
        if len(par) != N or sum(p == -1 for p in par) != 1 or any(p < -1 or p >= N
                                                                    for p in par):
            raise ValueError(f"`parents` must give one parent index per node ({N}) and -1 for "
                             f"exactly one root; got {par!r} instead.")
        _index_tree(par)  # a tree: no cycle
    return M, node_ids, leaf_ids, par


def _answers(answers: Any, leaves: tuple[str, ...], groups: Any, clusters: Any
             ) -> tuple[np.ndarray, Any, Any]:
    """The answer matrix (R, L) and the group and cluster labels (columns looked up)."""
    if isinstance(answers, pd.DataFrame):
        def column(x: Any, name: str) -> Any:
            if isinstance(x, str):
                if x not in answers.columns:
                    raise InputError(f"`{name}` column {x!r} is not in the survey; the columns "
                                     f"are {list(map(str, answers.columns))}. Got {x!r} instead.",
                                     column=x)
                return answers[x].to_numpy()
            return x

        groups = column(groups, "groups")
        clusters = column(clusters, "clusters")
        missing = [c for c in leaves if c not in answers.columns]
        if missing:
            raise InputError(f"the survey has no column for items {missing}. Got columns "
                             f"{list(map(str, answers.columns))} instead.")
        X = answers[list(leaves)].to_numpy(dtype=float)
    else:
        if isinstance(groups, str) or isinstance(clusters, str):
            raise ValueError("`groups`/`clusters` given as column names need `answers` as a "
                             "DataFrame; got an array instead.")
        X = np.asarray(answers, dtype=float)
    L = len(leaves)
    if X.ndim != 2 or X.shape[1] != L:
        raise ValueError(f"`answers` must be (respondents, {L} leaves); got shape {X.shape} "
                         "instead.")
    if X.shape[0] < 1:
        raise ValueError("`answers` has no respondents; got 0 rows instead.")
    return X, groups, clusters


def _check_panel(resample: tuple[str, ...], leaf_weights: ArrayLike | None,
                 sampler: Callable[[np.ndarray], np.ndarray] | None, n_experts: int | None,
                 L: int) -> tuple[np.ndarray, int | None]:
    if "experts" in resample:
        if sampler is None or n_experts is None:
            raise ValueError("resampling 'experts' needs `leaf_weight_sampler` and "
                             "`n_experts`; got None instead.")
        n_experts = check_int("n_experts", n_experts, 1)
        if n_experts == 1:
            warn("one expert: resampling the panel adds no variance.", DegenerateDataWarning)
        elif n_experts < MIN_EXPERTS:
            warn(_few_experts_message(n_experts), FewExpertsWarning)
    if leaf_weights is None:
        if sampler is None or n_experts is None:
            raise ValueError("give `leaf_weights` or a `leaf_weight_sampler` with `n_experts`; "
                             "got neither instead.")
        leaf_weights = _call_sampler(sampler, np.arange(n_experts)[None], L)[0]
    w = np.asarray(leaf_weights, dtype=float)
    if w.shape != (L,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"`leaf_weights` must be {L} finite non-negative weights; got shape "
                         f"{w.shape} instead.")
    return w, n_experts


def _design(answers: Any, membership: ArrayLike, *, leaf_weights: ArrayLike | None,
            sampler: Callable[[np.ndarray], np.ndarray] | None, n_experts: int | None,
            groups: Any, clusters: Any, cluster_stage: str, resample: Sequence[str] | str,
            n_resamples: int, confidence_level: float, method: str,
            nodes: Sequence[str] | None, leaves: Sequence[str] | None,
            parents: Sequence[int] | None) -> _Design:
    """Validate every input of :func:`joint_bootstrap` (in the order the user reads them)."""
    sources, B, level, method, stage = _check_options(resample, n_resamples, confidence_level,
                                                      method, cluster_stage)
    M, node_ids, leaf_ids, par = _check_structure(membership, answers, nodes, leaves, parents)
    X, groups, clusters = _answers(answers, leaf_ids, groups, clusters)
    R = X.shape[0]
    gcodes, gnames = _codes(groups, R, "groups")
    ccodes, cnames = _codes(clusters, R, "clusters")
    if ccodes is not None:
        if len(cnames) < 2:
            raise ValueError(f"cluster resampling needs at least 2 clusters; got {len(cnames)} "
                             "instead.")
        if len(cnames) < MIN_CLUSTERS and "respondents" in sources:
            warn(_few_clusters_message(len(cnames), stage), FewClustersWarning)
    w, K = _check_panel(sources, leaf_weights, sampler, n_experts, len(leaf_ids))
    return _Design(X=X, M=M, w_hat=w, gcodes=gcodes, gnames=gnames, ccodes=ccodes,
                   cnames=cnames, stage=stage, resample=sources, n_resamples=B,
                   confidence_level=level, method=method, nodes=node_ids, leaves=leaf_ids,
                   parents=par, n_experts=K, sampler=sampler)


def _few_clusters_message(n_clusters: int, stage: str) -> str:
    """What a cluster bootstrap with few clusters gets wrong, by stage (studies/coverage)."""
    G = n_clusters
    if stage == "one":
        return (f"only {G} clusters: one-stage cluster-bootstrap intervals are too narrow with "
                f"fewer than {MIN_CLUSTERS} clusters -- the bootstrap variance is about "
                f"(G - 1) / G = {(G - 1) / G:.2f} of the true one and is estimated from {G} "
                "clusters only (studies/coverage: a nominal 95% interval covered about 85% "
                "with 5 clusters and 90% with 10). Read them as lower bounds of the "
                "uncertainty.")
    return (f"only {G} clusters, resampled in two stages: the intervals are too wide when the "
            "intra-class correlation is low (the second stage counts the within-cluster "
            "variance again, up to about twice the variance) and can still be too narrow when "
            "it is high, so they are neither lower nor upper bounds (studies/coverage). "
            "One-stage resampling (`cluster_stage: one`, the default) is too narrow by a "
            "known amount instead.")


def _few_experts_message(n_experts: int) -> str:
    """What an expert bootstrap of a small panel gets wrong (studies/coverage)."""
    K = n_experts
    return (f"only {K} experts: the expert bootstrap resamples among at most C(2K - 1, K) = "
            f"{math.comb(2 * K - 1, K)} distinct panels and puts the panel's variance at "
            f"about (K - 1) / K = {(K - 1) / K:.2f} of the true one; with fewer than "
            f"{MIN_EXPERTS} experts the intervals of the weights (and the panel's part of "
            "the score intervals) are too narrow (studies/coverage: 95% intervals of the "
            "criteria's weights covered about 80% with 4 experts and 87% with 8). Read them "
            "as lower bounds of the panel's uncertainty.")


def _call_sampler(sampler: Callable, idx: np.ndarray, L: int) -> np.ndarray:
    W = np.asarray(sampler(idx), dtype=float)
    if W.shape != (idx.shape[0], L):
        raise ValueError(f"`leaf_weight_sampler` must return ({idx.shape[0]}, {L}) leaf "
                         f"weights for {idx.shape[0]} resamples; got shape {W.shape} instead.")
    return W


def joint_bootstrap(
    answers: ArrayLike | pd.DataFrame,
    membership: ArrayLike,
    *,
    leaf_weights: ArrayLike | None = None,
    leaf_weight_sampler: Callable[[np.ndarray], np.ndarray] | None = None,
    n_experts: int | None = None,
    groups: ArrayLike | str | None = None,
    clusters: ArrayLike | str | None = None,
    cluster_stage: str = "one",
    resample: Sequence[str] | str = _SOURCES,
    n_resamples: int = 10_000,
    confidence_level: float = 0.95,
    method: str = "bca",
    rng: Any = None,
    nodes: Sequence[str] | None = None,
    leaves: Sequence[str] | None = None,
    parents: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StudyBootstrapResult:
    """Bootstrap node scores (overall and per group), weights and ranks.

    Parameters
    ----------
    answers : array_like (R, L) or DataFrame
        Survey answers, one row per respondent, one column per leaf (``NaN`` = missing;
        available-case item means). A DataFrame is indexed by ``leaves`` and may hold the
        ``groups`` and ``clusters`` columns.
    membership : array_like, shape (N, L)
        ``membership[v, l] = 1`` if leaf ``l`` is under node ``v`` (``Hierarchy.membership()``).
    leaf_weights : array_like, shape (L,), optional
        Global weights of the leaves from the whole panel (default: the sampler on all
        experts).
    leaf_weight_sampler : callable, optional
        ``sampler(expert_index) -> (B, L)`` leaf global weights, ``expert_index`` an int array
        (B, k) of expert indices (with repeats) -- the panel re-run under the study's own
        aggregation and inconsistency policy. Called once per block of resamples and once for
        the ``n_experts`` leave-one-out panels (``k = n_experts - 1``) for BCa.
    n_experts : int, optional
        Panel size (required when resampling experts).
    groups : array_like or str, optional
        Group of each respondent (or a column of ``answers``): scores per group, resampling
        respondents within their group.
    clusters : array_like or str, optional
        Cluster of each respondent (or a column): the overall scores then resample clusters
        (see ``cluster_stage``); otherwise respondents iid.
    cluster_stage : {"one", "two"}, default "one"
        ``"one"``: whole clusters; ``"two"``: clusters, then respondents within each drawn
        cluster (:func:`resample_counts`, whose Notes say why two-stage overstates the
        variance). Case-insensitive. The sample-only draws of the variance split always keep
        clusters whole.
    resample : {"experts", "respondents"} or both, default both
        Sources resampled, independently.
    n_resamples : int, default 10000
    confidence_level : float, default 0.95
    method : {"bca", "percentile", "basic"}, default "bca"
        Default interval method of the result (any can be asked for later).
    rng : None, int or numpy.random.Generator
        Block ``k`` of ``BLOCK`` resamples draws from its own spawned stream (experts and
        respondents independent), so results depend on ``rng`` and the data only.
    nodes, leaves : sequence of str, optional
        Names of the rows and columns of ``membership``.
    parents : sequence of int, optional
        Parent index of each node, ``-1`` for the root (gives local weights, levels and
        criteria ranks).
    progress : callable, optional
        ``progress(done, total)`` is called after each block of ``BLOCK`` resamples (for a
        progress bar); it does not affect the result.

    Returns
    -------
    StudyBootstrapResult

    Notes
    -----
    Per resample ``b``: expert indices are drawn with replacement and the panel re-run
    (weights ``w_b``); item sums and counts come from ``counts_b @ answers``; scores are
    ``((w_b * m_b) @ M.T) / (w_b @ M.T)`` for all nodes and all groups at once. The same
    resamples also give the panel-only scores ``(w_b, m_hat)`` and the sample-only scores
    ``(w_hat, m_b)`` for :meth:`StudyBootstrapResult.variance_split`. BCa's acceleration
    uses the multi-sample jackknife (scipy's): leave-one-expert-out and leave-one-respondent-
    out (or leave-one-cluster-out with ``clusters``; within-group for group scores).
    With fewer than ``MIN_CLUSTERS`` clusters a :class:`FewClustersWarning` is issued: the
    coverage study (``studies/coverage``) shows the intervals are then too narrow.

    Examples
    --------
    Two criteria (weights 0.6, 0.4), three items, a fixed panel:

    >>> M = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    >>> X = np.random.default_rng(0).integers(1, 6, size=(40, 3))
    >>> res = joint_bootstrap(X, M, leaf_weights=[0.3, 0.3, 0.4], resample="respondents",
    ...                       n_resamples=500, rng=1, parents=[-1, 0, 0, 1, 1, 2])
    >>> res.score_draws.shape
    (6, 500)
    >>> t = res.to_frame("scores")
    >>> bool((t.ci_low <= t.estimate).all() and (t.estimate <= t.ci_high).all())
    True
    """
    d = _design(answers, membership, leaf_weights=leaf_weights, sampler=leaf_weight_sampler,
                n_experts=n_experts, groups=groups, clusters=clusters,
                cluster_stage=cluster_stage, resample=resample, n_resamples=n_resamples,
                confidence_level=confidence_level, method=method, nodes=nodes, leaves=leaves,
                parents=parents)
    sums = _Sums(d)
    draws = _Draws(d, sums)
    root = _normalize_rng(rng)
    e_root, o_root, g_root = root.spawn(3)
    nb = _n_blocks(d.n_resamples)
    e_gens, o_gens, g_gens = e_root.spawn(nb), o_root.spawn(nb), g_root.spawn(nb)
    for k in range(nb):
        b0 = k * BLOCK
        rows = min(BLOCK, d.n_resamples - b0)
        W = _panel_block(d, e_gens[k], rows) if d.do_experts else None
        m_b = m_one = gm_b = None
        if d.do_respondents:
            m_b, m_one = sums.overall_means(o_gens[k], rows)
            if sums.G:
                gm_b = sums.group_means(g_gens[k], rows)
        draws.add(slice(b0, b0 + rows), W, m_b, m_one, gm_b)
        if progress is not None:
            progress(b0 + rows, d.n_resamples)
    draws.warn_undefined()
    gvar_panel, gvar_sample = draws.group_variances()
    return StudyBootstrapResult(
        nodes=d.nodes, leaves=d.leaves, groups=d.gnames, parents=d.parents,
        global_weights=sums.gw_hat, scores=sums.score_hat, group_scores=sums.gscore_hat,
        weight_draws=draws.weights, score_draws=draws.joint, group_score_draws=draws.gjoint,
        panel_score_draws=draws.panel, sample_score_draws=draws.sample,
        group_var_panel=gvar_panel, group_var_sample=gvar_sample,
        acceleration=_acceleration(d, sums), confidence_level=d.confidence_level,
        method=d.method, n_resamples=d.n_resamples, resample=d.resample, scheme=d.scheme,
        cluster_stage=d.stage if d.scheme == "cluster" else None,
        n_clusters=len(d.cnames) if d.ccodes is not None else None,
        n_experts=d.n_experts, n_respondents=d.X.shape[0],
    )


class _Sums:
    """Per-respondent sufficient statistics and the estimates on the original data."""

    def __init__(self, d: _Design) -> None:
        X, M, w_hat = d.X, d.M, d.w_hat
        R, L = X.shape
        N = M.shape[0]
        given = ~np.isnan(X)
        self.stage, self.cluster = d.stage, d.ccodes is not None
        self.complete = bool(given.all())
        self.X0 = np.where(given, X, 0.0)
        self.Gv = given.astype(float)
        self.step = _rows_per_chunk(R)
        # overall design: units are clusters or one stratum (iid)
        self.o_units = _Units(d.ccodes if d.ccodes is not None else np.zeros(R, np.intp),
                              len(d.cnames) if d.ccodes is not None else 1)
        self.oX, self.oG = self.X0[self.o_units.order], self.Gv[self.o_units.order]
        self.c_sums = self.c_counts = np.zeros((0, L))
        if d.ccodes is not None:
            # item sums and answer counts per cluster: a one-stage resample is
            # (times drawn) @ them
            onehot_c = np.zeros((len(d.cnames), R))
            onehot_c[d.ccodes, np.arange(R)] = 1.0
            self.c_sums, self.c_counts = onehot_c @ self.X0, onehot_c @ self.Gv
        self.s_hat, self.n_hat = self.X0.sum(axis=0), self.Gv.sum(axis=0)
        self.m_hat = means_from_sums(self.s_hat, self.n_hat)
        self.G = G = len(d.gnames)
        self.gs_hat = self.gn_hat = self.gm_hat = np.zeros((0, L))
        if G and d.gcodes is not None:
            self.g_units = _Units(d.gcodes, G)
            self.gX, self.gG = self.X0[self.g_units.order], self.Gv[self.g_units.order]
            onehot = np.zeros((G, R))
            onehot[d.gcodes, np.arange(R)] = 1.0
            self.gs_hat, self.gn_hat = onehot @ self.X0, onehot @ self.Gv
            self.gm_hat = means_from_sums(self.gs_hat, self.gn_hat)
        self.score_hat = composite_scores(w_hat, self.m_hat, M)
        self.gscore_hat = composite_scores(w_hat, self.gm_hat, M) if G else np.zeros((0, N))
        self.gw_hat = M @ w_hat

    def overall_means(self, gen: np.random.Generator,
                      rows: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Item means (rows, L) of one block of resamples of the whole sample, and (with
        clusters) those of the whole clusters drawn in stage 1 (the one-stage means).
        """
        L = self.X0.shape[1]
        S = np.empty((rows, L))
        C = np.empty((rows, L))
        m_one = None
        chunks: Any
        if self.cluster:
            # stage 1, the clusters drawn; whole clusters give the one-stage means
            u = self.o_units
            j = _cluster_draws(gen, rows, u.n_units)
            times = _times_drawn(j, u.n_units).astype(float)
            m_one = means_from_sums(times @ self.c_sums, times @ self.c_counts)
            step = self.step
            chunks = ((s, _cluster_counts(gen, j[s:s + step], u))
                      for s in range(0, rows, step)) if self.stage == "two" else ()
        else:
            chunks = _block_counts(gen, rows, self.o_units, "strata")
        for s, cnt in chunks:
            cnt = cnt.astype(float)
            S[s:s + cnt.shape[0]] = cnt @ self.oX
            C[s:s + cnt.shape[0]] = (cnt.sum(axis=1)[:, None] if self.complete
                                     else cnt @ self.oG)
        if self.cluster and self.stage == "one":
            assert m_one is not None
            return m_one, m_one
        return means_from_sums(S, C), m_one

    def group_means(self, gen: np.random.Generator, rows: int) -> np.ndarray:
        """Item means (rows, G, L) of one block, respondents resampled within their group."""
        G, L = self.G, self.X0.shape[1]
        gS = np.empty((rows, G, L))
        gC = np.empty((rows, G, L))
        u = self.g_units
        for s, cnt in _block_counts(gen, rows, u, "strata"):
            cnt = cnt.astype(float)
            r = slice(s, s + cnt.shape[0])
            for g in range(G):
                a, e = u.starts[g], u.starts[g] + u.sizes[g]
                gS[r, g] = cnt[:, a:e] @ self.gX[a:e]
                gC[r, g] = (cnt[:, a:e].sum(axis=1)[:, None] if self.complete
                            else cnt[:, a:e] @ self.gG[a:e])
        return means_from_sums(gS, gC)


def _panel_block(d: _Design, gen: np.random.Generator, rows: int) -> np.ndarray:
    """Leaf weights (rows, L) of one block of expert resamples (the panel re-run)."""
    assert d.sampler is not None and d.n_experts is not None  # checked by _design
    idx = gen.integers(0, d.n_experts, size=(rows, d.n_experts))
    return _call_sampler(d.sampler, idx, d.M.shape[1])


class _Draws:
    """Every resample's scores (and weights), filled block by block.

    Panel-only and sample-only group scores keep only their variances (streamed, centred on
    the estimate, in block order -- so independent of any batching).
    """

    def __init__(self, d: _Design, sums: _Sums) -> None:
        N, B, L, G = d.M.shape[0], d.n_resamples, d.M.shape[1], sums.G
        self.d, self.sums = d, sums
        self.sc = _Scorer(d.M, d.w_hat, sums.m_hat, sums.gm_hat)
        self.joint, self.panel, self.sample = (np.empty((N, B)) for _ in range(3))
        self.gjoint = np.empty((G, N, B))
        self.weights = np.empty((N, B)) if "experts" in d.resample else None
        m = self.sc.multi.size
        self.gvar = {k: [np.zeros((G, m)), np.zeros((G, m))] for k in ("panel", "sample")}
        self.gvar["items"] = [np.zeros((G, L)), np.zeros((G, L))]

    def add(self, sl: slice, W: np.ndarray | None, m_b: np.ndarray | None,
            m_one: np.ndarray | None, gm_b: np.ndarray | None) -> None:
        """Store one block of resamples ``sl`` (``None``: that source not resampled)."""
        sc, sums, rows = self.sc, self.sums, sl.stop - sl.start
        if self.weights is not None:
            self.weights[:, sl] = ((W @ self.d.M.T).T if W is not None
                                   else sums.gw_hat[:, None])
        self.joint[:, sl] = sc.scores(W, m_b, rows).T
        self.panel[:, sl] = sc.scores(W, None, rows).T
        # sample-only draws for the variance split: whole clusters even under two-stage
        # resampling (its second stage counts the within-cluster variance twice)
        self.sample[:, sl] = sc.scores(None, m_one if m_one is not None else m_b, rows).T
        if not sums.G:
            return
        self.gjoint[:, :, sl] = sc.group_scores(W, gm_b, rows).transpose(1, 2, 0)
        for key, (Wk, gk) in (("panel", (W, None)), ("sample", (None, gm_b))):
            dev = sc.group_multi(Wk, gk, rows) - sums.gscore_hat[:, sc.multi]
            self.gvar[key][0] += dev.sum(axis=0)
            self.gvar[key][1] += (dev**2).sum(axis=0)
        if gm_b is not None:
            dev = gm_b - sums.gm_hat
            self.gvar["items"][0] += dev.sum(axis=0)
            self.gvar["items"][1] += (dev**2).sum(axis=0)

    def group_variances(self) -> tuple[np.ndarray, np.ndarray]:
        """Per group, the variances (G, N) of the panel-only and sample-only scores."""
        B, G, N = self.d.n_resamples, self.sums.G, self.d.M.shape[0]
        sc = self.sc
        with np.errstate(invalid="ignore", divide="ignore"):
            v = {key: (s2 - s1**2 / B) / (B - 1) if B > 1 else np.full(s1.shape, np.nan)
                 for key, (s1, s2) in self.gvar.items()}
        gvars = {"panel": np.zeros((G, N)), "sample": np.zeros((G, N))}
        for key in ("panel", "sample"):
            gvars[key][:, sc.multi] = v[key]
        # a node over a single leaf scores that item's mean: no panel variance
        gvars["sample"][:, sc.single] = v["items"][:, sc.single_leaf]
        return gvars["panel"], gvars["sample"]

    def warn_undefined(self) -> None:
        """Warn when some resample left an item without any answer (scores NaN there)."""
        B = self.d.n_resamples
        holes = np.isnan(self.joint).any(axis=0) | np.isnan(self.gjoint).any(axis=(0, 1))
        if not holes.any():
            return
        gaps = [bool(x) for x in np.isnan(self.gjoint).any(axis=(1, 2)).ravel()]
        where = ", ".join(g for g, hit in zip(self.d.gnames, gaps, strict=True) if hit)
        if np.isnan(self.joint).any():
            where = "the whole sample" + (", " + where if where else "")
        warn(f"{int(holes.sum())} of {B} resamples left an item without any answer ({where}); "
             "those scores are NaN there, left out of the intervals (which "
             f"are conditional on the score being defined; NaN where fewer than "
             f"{MIN_DEFINED_SHARE:.0%} of the resamples define it) and ranked last in rank "
             "probabilities.", DegenerateDataWarning)


def _acceleration(d: _Design, sums: _Sums) -> dict[str, np.ndarray]:
    """BCa's ``a`` of every quantity: the multi-sample jackknife over experts and
    respondents (or clusters; within their group for group scores).
    """
    M = d.M
    L = d.X.shape[1]
    N, G = M.shape[0], sums.G
    parts: dict[str, list] = {"scores": [], "group_scores": [], "global_weights": [],
                              "local_weights": []}
    if d.do_experts and d.sampler is not None and d.n_experts is not None:
        K = d.n_experts
        loo = np.array([np.delete(np.arange(K), i) for i in range(K)])
        Wj = _call_sampler(d.sampler, loo, L)  # (K, L)
        parts["scores"].append(_num_den_raw(composite_scores(Wj, sums.m_hat, M)))
        if G:
            gj = composite_scores(Wj, np.broadcast_to(sums.gm_hat, (K, G, L)), M)
            parts["group_scores"].append(_num_den_raw(gj))
        gwj = Wj @ M.T
        parts["global_weights"].append(_num_den_raw(gwj))
        if d.parents is not None:
            tree = _index_tree(d.parents)
            parts["local_weights"].append(_num_den_raw(_local(gwj.T, tree).T))
    if d.do_respondents:
        parts["scores"].append(_respondent_jackknife(d, sums))
        if G:
            parts["group_scores"].append(_group_jackknife(d, sums))
    return {
        "scores": _accel(parts["scores"], (N,)),
        "group_scores": _accel(parts["group_scores"], (G, N)),
        "global_weights": _accel(parts["global_weights"], (N,)),
        "local_weights": _accel(parts["local_weights"], (N,)),
    }


def _respondent_jackknife(d: _Design, sums: _Sums) -> tuple[np.ndarray, np.ndarray]:
    """Jackknife terms of the scores over respondents (or clusters), streamed."""
    M, w_hat = d.M, d.w_hat
    R, L = d.X.shape
    N = M.shape[0]
    mom = _Moments((N,))
    if d.ccodes is not None:
        m_loo = means_from_sums(sums.s_hat - sums.c_sums, sums.n_hat - sums.c_counts)
        mom.add(composite_scores(w_hat, m_loo, M) - sums.score_hat)
    else:
        step = max(1, _CELLS // max(L, N))
        for a in range(0, R, step):
            e = min(R, a + step)
            m_loo = means_from_sums(sums.s_hat - sums.X0[a:e], sums.n_hat - sums.Gv[a:e])
            mom.add(composite_scores(w_hat, m_loo, M) - sums.score_hat)
    return mom.num_den()


def _group_jackknife(d: _Design, sums: _Sums) -> tuple[np.ndarray, np.ndarray]:
    """Jackknife terms of the group scores over the respondents within each group."""
    M, w_hat = d.M, d.w_hat
    R, L = d.X.shape
    N, G = M.shape[0], sums.G
    assert d.gcodes is not None  # groups were given
    gmom = _Moments((G, N))
    step = max(1, _CELLS // max(L, N, G))
    for a in range(0, R, step):
        e = min(R, a + step)
        gc = d.gcodes[a:e]
        m_loo = means_from_sums(sums.gs_hat[gc] - sums.X0[a:e], sums.gn_hat[gc] - sums.Gv[a:e])
        t = composite_scores(w_hat, m_loo, M) - sums.gscore_hat[gc]
        oh = np.zeros((G, e - a))
        oh[gc, np.arange(e - a)] = 1.0
        gmom.add(t, onehot=oh)
    return gmom.num_den()


@dataclass(frozen=True, eq=False)
class StudyData:
    """What a study's bootstrap resamples: the input of :func:`bootstrap_study`.

    A :class:`~ahpstat.study.StudyResult` is one (it extends this class).

    Attributes
    ----------
    hierarchy : Hierarchy
    panel : PanelResult
        The aggregated panel; each expert resample re-runs it
        (:meth:`~ahpstat.panel.PanelResult.resample`).
    answers : ndarray, shape (R, L)
        The respondents' answers in ``hierarchy.leaves`` order (after the missing-answer
        policy; ``NaN`` = missing).
    group_codes : dict
        Grouping column -> (R,) int codes into ``group_names[column]``.
    group_names : dict
        Grouping column -> group names.
    survey_file : str or None
        The survey file, for error messages.
    """

    hierarchy: Hierarchy
    panel: PanelResult
    answers: np.ndarray
    group_codes: dict[str, np.ndarray]
    group_names: dict[str, tuple[str, ...]]
    survey_file: str | None

    def group_labels(self, column: str) -> np.ndarray:
        """The group of every respondent in grouping ``column``."""
        return np.asarray(self.group_names[column], dtype=object)[self.group_codes[column]]


def bootstrap_study(
    data: StudyData,
    *,
    n_resamples: int = 2000,
    resample: Sequence[str] | str = _SOURCES,
    cluster: str | None = None,
    cluster_stage: str = "one",
    group: str | None = None,
    method: str = "percentile",
    confidence_level: float = 0.95,
    rng: int | np.random.Generator | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StudyBootstrapResult:
    """Bootstrap a study's weights, scores and ranks (:func:`joint_bootstrap` on its pieces).

    Each expert resample re-runs the study's own panel (aggregation rule and inconsistency
    policy: :meth:`ahpstat.panel.PanelResult.resample`); each respondent resample re-computes
    the item means from the study's answers (after its missing-answer policy).

    Parameters
    ----------
    data : StudyData
        A run study (a :class:`~ahpstat.study.StudyResult` is one).
    n_resamples : int, default 2000
    resample : {"experts", "respondents"} or both, default both
        Sources resampled, independently of each other.
    cluster : str or None, default None
        A grouping column of the study (``survey.group_columns``) whose groups are the
        clusters of a cluster bootstrap of the whole-sample scores; ``None``: respondents iid.
    cluster_stage : {"one", "two"}, default "one"
        Whole clusters, or clusters then respondents within them (:func:`joint_bootstrap`).
    group : str or None, default None
        The grouping column whose groups get scores, intervals and ranks (respondents are
        resampled within their group); default the study's first grouping column.
    method : {"percentile", "basic", "BCa"}, default "percentile"
        Interval method of the result's tables (any other can be asked for later,
        :meth:`StudyBootstrapResult.interval`); case-insensitive.
    confidence_level : float, default 0.95
    rng : None, int or numpy.random.Generator
        Same ``rng``, same resamples (:func:`joint_bootstrap`).
    progress : callable, optional
        ``progress(done, total)`` after each block of resamples.

    Returns
    -------
    StudyBootstrapResult
        Rows in the study's node order (``hierarchy.nodes``); ``groups`` are the groups of
        ``group``.

    Raises
    ------
    TypeError
        ``data`` is not a :class:`StudyData`.
    ValueError
        ``cluster`` or ``group`` not a grouping column of the study, or a bad option.
    ahpstat.InputError
        The survey has fewer than 2 clusters in ``cluster`` (names the survey file).

    Examples
    --------
    >>> import tempfile
    >>> from ahpstat import Study
    >>> from ahpstat.datasets import write_example_study
    >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
    >>> b = bootstrap_study(res, n_resamples=200, cluster="site", rng=1)
    >>> b.score_draws.shape, b.groups
    ((8, 200), ('s1', 's2'))
    """
    if not isinstance(data, StudyData):
        raise TypeError("`data` must be an ahpstat.bootstrap.StudyData (e.g. a StudyResult); "
                        f"got {type(data).__name__} instead.")
    method = check_method("method", method, _METHODS)
    groupings = tuple(data.group_codes)
    for name, value in (("cluster", cluster), ("group", group)):
        if value is not None and value not in groupings:
            raise ValueError(f"`{name}` must be a grouping column of the study "
                             f"(survey.group_columns: {list(groupings)}) or None; got "
                             f"{value!r} instead.")
    if group is None and groupings:
        group = groupings[0]
    clusters = None
    if cluster is not None:
        clusters = data.group_labels(cluster)
        n_c = len(set(clusters))
        if n_c < 2:
            raise InputError(f"cluster resampling needs at least 2 clusters, but the column "
                             f"has {n_c} distinct value. Use `cluster: null` for iid "
                             f"resampling. Got {n_c} cluster instead.",
                             file=data.survey_file, column=cluster)
    h = data.hierarchy
    return joint_bootstrap(
        data.answers, h.membership(), leaf_weights=data.panel.leaf_weights,
        leaf_weight_sampler=data.panel.resample, n_experts=len(data.panel.experts),
        groups=data.group_labels(group) if group is not None else None,
        clusters=clusters, cluster_stage=cluster_stage, resample=resample,
        n_resamples=n_resamples, confidence_level=confidence_level, method=method, rng=rng,
        nodes=h.nodes, leaves=h.leaves, parents=h.parent_index().tolist(), progress=progress)


class _Scorer:
    """Node scores for blocks of resamples, using the structure of the problem.

    Nodes over a single leaf score that leaf's mean whatever the weights; only the other
    nodes need ``((w * m) @ M.T) / (w @ M.T)``. With the weights fixed the score is linear in
    the means (``m @ A.T``); with the means fixed it is ``(w @ Q) / (w @ M.T)``.
    """

    def __init__(self, M, w_hat, m_hat, gm_hat) -> None:
        self.N, self.L = M.shape
        nleaf = M.sum(axis=1)
        self.multi = np.flatnonzero(nleaf > 1)
        self.single = np.flatnonzero(nleaf == 1)
        self.single_leaf = M[self.single].argmax(axis=1)
        self.Mm = M[self.multi]
        self.MmT = np.ascontiguousarray(self.Mm.T)
        den = self.Mm @ w_hat
        self.AT = np.ascontiguousarray((w_hat * self.Mm / den[:, None]).T)  # (L, Nm)
        self.m_hat, self.gm_hat = m_hat, gm_hat
        self.fixed = composite_scores(w_hat, m_hat, M)
        self.gfixed = composite_scores(w_hat, gm_hat, M) if gm_hat.shape[0] else None
        G, Nm = gm_hat.shape[0], self.multi.size
        # Q[l, g * Nm + v] = gm_hat[g, l] * Mm[v, l]
        self.Q = (gm_hat.T[:, :, None] * self.MmT[:, None, :]).reshape(self.L, G * Nm)
        self.mQ = m_hat[:, None] * self.MmT

    def scores(self, W, m, rows):
        """(rows, N) node scores; ``W`` or ``m`` None means the estimate."""
        if W is None and m is None:
            return np.broadcast_to(self.fixed, (rows, self.N))
        out = np.empty((rows, self.N))
        mm = self.m_hat if m is None else m
        out[:, self.single] = mm[..., self.single_leaf] if m is not None else self.fixed[
            self.single]
        if W is None:
            out[:, self.multi] = m @ self.AT
        elif m is None:
            out[:, self.multi] = (W @ self.mQ) / (W @ self.MmT)
        else:
            out[:, self.multi] = ((W * m) @ self.MmT) / (W @ self.MmT)
        return out

    def group_multi(self, W, gm, rows):
        """(rows, G, Nm) scores per group of the nodes over several leaves."""
        G, L, Nm = self.gm_hat.shape[0], self.L, self.multi.size
        if W is None and gm is None:
            return np.broadcast_to(self.gfixed[:, self.multi], (rows, G, Nm))
        if W is None:
            return (gm.reshape(rows * G, L) @ self.AT).reshape(rows, G, Nm)
        den = (W @ self.MmT)[:, None, :]
        if gm is None:
            return (W @ self.Q).reshape(rows, G, Nm) / den
        num = ((W[:, None, :] * gm).reshape(rows * G, L) @ self.MmT).reshape(rows, G, Nm)
        return num / den

    def group_scores(self, W, gm, rows):
        """(rows, G, N) node scores per group."""
        G = self.gm_hat.shape[0]
        if W is None and gm is None:
            return np.broadcast_to(self.gfixed, (rows, G, self.N))
        out = np.empty((rows, G, self.N))
        if gm is None:
            out[:, :, self.single] = self.gfixed[:, self.single]
        else:
            out[:, :, self.single] = gm[..., self.single_leaf]
        out[:, :, self.multi] = self.group_multi(W, gm, rows)
        return out


def _num_den_raw(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_jackknife_terms` of leave-one-out values on axis 0."""
    return _jackknife_terms(np.moveaxis(np.asarray(t, dtype=float), 0, -1))
