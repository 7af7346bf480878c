"""Confidence sets for ranks: joint (simultaneous) and marginal.

A percentile interval of a bootstrap rank covers that one rank at its level; ten such
intervals cover all ten true ranks together far less often (63 % for ten groups 0.06 apart,
issue 11). The sets here come from simultaneous confidence intervals for all pairwise
differences of the ranked quantities (Mogstad, Romano, Shaikh & Wilhelm 2024, Review of
Economic Studies 91(1), "Inference for ranks with applications to mobility across
neighbourhoods and academic achievement across countries"; their R package ``csranks``):

- the rank of ``j`` is ``1 + #{k : theta_k > theta_j}`` (1 = highest; ties share the best);
- for every ordered pair ``(j, k)`` a lower confidence bound ``L_jk = (t_j - t_k) - s_jk c``
  of ``theta_j - theta_k``, with ``s_jk`` the bootstrap standard deviation of the difference
  and ``c`` the ``confidence_level`` quantile over the resamples of the largest studentized
  deviation ``max_(j,k) ((t*_j - t*_k) - (t_j - t_k)) / s_jk`` (max-t);
- stepdown (Romano & Wolf 2005): pairs found different are dropped and ``c`` recomputed
  over the rest until nothing new is found;
- ``j``'s set is ``[1 + #{k : L_kj > 0}, K - #{k : L_jk > 0}]``: it cannot rank above the
  groups shown better than it, nor below those shown worse.

Joint sets take the maximum over all pairs: all ``K`` sets cover all ``K`` true ranks at
once with probability ``confidence_level`` (asymptotically). Marginal sets take it over
the pairs involving ``j`` only: each set covers its own rank at that level.

``csranks`` draws the deviations from a normal distribution with a given covariance; here
they are the bootstrap's own joint draws, so the dependence between the competitors (e.g.
all groups scored with the same resampled panel) is kept as resampled.

Layers: :func:`rank_confidence_sets` (numpy core, no labels) -> :class:`RankSets`;
:func:`rank_sets_table` (tidy: one row per competitor).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat._validation import check_confidence_level

__all__ = [
    "METHOD",
    "RankSets",
    "rank_confidence_sets",
    "rank_sets_table",
]

#: How the sets are built, for labels and tables.
METHOD = "bootstrap max-t stepdown (Mogstad et al. 2024)"
#: Share of resamples defining every competitor below which the sets are NaN.
MIN_DEFINED_SHARE = 0.99


@dataclass(frozen=True)
class RankSets:
    """Confidence sets for the ranks of ``K`` competitors (rank 1 = highest).

    Attributes
    ----------
    rank : ndarray of int, shape (K,)
        The estimates' ranks, ``1 + #{k : t_k > t_j}`` (ties share the best rank).
    low, high : ndarray of float, shape (K,)
        The sets ``{low, ..., high}`` (whole numbers; ``NaN`` when fewer than 99 % of the
        resamples define every competitor).
    confidence_level : float
    simultaneous : bool
        ``True``: joint coverage of all ``K`` ranks; ``False``: each set on its own.
    stepdown : bool
    n_resamples : int
        Resamples used (those in which every competitor is defined).
    """

    rank: np.ndarray
    low: np.ndarray
    high: np.ndarray
    confidence_level: float
    simultaneous: bool
    stepdown: bool
    n_resamples: int


def _lower_bounds(diff: np.ndarray, sd: np.ndarray, dev: np.ndarray, pairs: np.ndarray,
                  level: float, stepdown: bool) -> np.ndarray:
    """Lower confidence bounds ``L`` (K, K) of ``theta_j - theta_k`` on the ``pairs`` mask,
    0 elsewhere, by max-t with optional stepdown (csranks' ``csdiffmeans``, one-sided
    "lower" bounds over ordered pairs, which is its two-sided stepdown form).
    """
    K, B = dev.shape
    L = np.zeros((K, K))
    active = pairs.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(sd > 0, 1.0 / sd, 0.0)  # a difference without spread: not in the max
    while True:
        stat = np.full(B, -np.inf)
        for j in np.flatnonzero(active.any(axis=1)):
            ks = np.flatnonzero(active[j])
            t = (dev[j][None, :] - dev[ks]) * scale[j, ks][:, None]
            np.maximum(stat, t.max(axis=0), out=stat)
        c = float(np.quantile(stat, level)) if np.isfinite(stat).all() else 0.0
        L[active] = diff[active] - sd[active] * c
        kept = active & ~(L > 0)
        if not stepdown or kept.sum() == active.sum() or not kept.any():
            return L
        active = kept


def rank_confidence_sets(
    estimates: ArrayLike,
    draws: ArrayLike,
    *,
    confidence_level: float = 0.95,
    simultaneous: bool = True,
    stepdown: bool = True,
) -> RankSets:
    """Joint or marginal confidence sets for the ranks of ``K`` competitors.

    Parameters
    ----------
    estimates : array_like, shape (K,)
        The ranked quantities (higher = better rank), finite.
    draws : array_like, shape (K, B)
        Their joint bootstrap (or other sampling) draws: column ``b`` is one resample of all
        ``K``. Resamples in which a competitor is ``NaN`` are left out (sets ``NaN`` if
        fewer than 99 % remain).
    confidence_level : float, default 0.95
    simultaneous : bool, default True
        Joint sets (all ranks covered together) or marginal ones (each on its own).
    stepdown : bool, default True
        Romano-Wolf stepdown: never wider than the single-step sets, often narrower.

    Returns
    -------
    RankSets

    Notes
    -----
    Mogstad, Romano, Shaikh & Wilhelm (2024), with the bootstrap distribution of the
    studentized pairwise differences in place of csranks' normal one; see the module
    docstring. Computation: ``O(K^2 B)`` per stepdown round (marginal: per competitor).

    Examples
    --------
    Three well separated competitors and two close ones:

    >>> rng = np.random.default_rng(0)
    >>> est = np.array([5.0, 3.0, 1.0, 0.9])
    >>> draws = est[:, None] + rng.normal(0, 0.1, (4, 2000))
    >>> s = rank_confidence_sets(est, draws)
    >>> s.rank.tolist(), s.low.tolist(), s.high.tolist()
    ([1, 2, 3, 4], [1.0, 2.0, 3.0, 3.0], [1.0, 2.0, 4.0, 4.0])
    """
    level = check_confidence_level(confidence_level)
    t = np.asarray(estimates, dtype=float)
    D = np.asarray(draws, dtype=float)
    if t.ndim != 1 or t.size < 1:
        raise ValueError(f"`estimates` must be a non-empty vector; got shape {t.shape} instead.")
    if D.ndim != 2 or D.shape[0] != t.size or D.shape[1] < 2:
        raise ValueError(f"`draws` must be (K={t.size}, resamples >= 2); got shape {D.shape} "
                         "instead.")
    if not np.isfinite(t).all():
        raise ValueError("`estimates` must be finite; got "
                         f"{int((~np.isfinite(t)).sum())} non-finite instead.")
    K = t.size
    rank = 1 + (t[None, :] > t[:, None]).sum(axis=1)
    defined = np.isfinite(D).all(axis=0)
    B = int(defined.sum())
    if B < MIN_DEFINED_SHARE * D.shape[1] or B < 2:
        nan = np.full(K, np.nan)
        return RankSets(rank, nan, nan.copy(), level, bool(simultaneous), bool(stepdown), B)
    D = D[:, defined]
    dev = D - t[:, None]
    diff = t[:, None] - t[None, :]
    c = dev - dev.mean(axis=1, keepdims=True)
    cov = (c @ c.T) / (B - 1)
    var = np.diag(cov)
    sd = np.sqrt(np.maximum(var[:, None] + var[None, :] - 2 * cov, 0.0))
    off = ~np.eye(K, dtype=bool)
    if simultaneous:
        L = _lower_bounds(diff, sd, dev, off, level, stepdown)
        better = (L > 0).sum(axis=0)  # k shown above j: L[k, j] > 0
        worse = (L > 0).sum(axis=1)   # k shown below j: L[j, k] > 0
    else:
        better = np.zeros(K, dtype=int)
        worse = np.zeros(K, dtype=int)
        for j in range(K):
            pairs = np.zeros((K, K), dtype=bool)
            pairs[j, :] = pairs[:, j] = True
            L = _lower_bounds(diff, sd, dev, pairs & off, level, stepdown)
            better[j] = int((L[:, j] > 0).sum())
            worse[j] = int((L[j, :] > 0).sum())
    return RankSets(rank, (1 + better).astype(float), (K - worse).astype(float), level,
                    bool(simultaneous), bool(stepdown), B)


def set_label(confidence_level: float, simultaneous: bool, n: int, what: str) -> str:
    """Words for a table's ``interval`` column.

    Examples
    --------
    >>> set_label(0.95, True, 28, "groups at A")
    '95% joint over the 28 groups at A: bootstrap max-t stepdown (Mogstad et al. 2024)'
    """
    kind = f"joint over the {n} {what}" if simultaneous else "marginal"
    return f"{100 * confidence_level:g}% {kind}: {METHOD}"


def rank_sets_table(
    estimates: ArrayLike,
    draws: ArrayLike,
    names: Sequence[Any],
    *,
    confidence_level: float = 0.95,
    coverage: Sequence[str] | str = ("joint", "marginal"),
    key: str = "name",
    what: str = "competitors",
) -> pd.DataFrame:
    """:func:`rank_confidence_sets` as a tidy table, joint and/or marginal.

    Competitors whose estimate is not finite are not ranked (their row has empty bounds);
    the others are ranked among themselves.

    Parameters
    ----------
    estimates, draws : array_like, shapes (K,) and (K, B)
    names : sequence, length K
    confidence_level : float, default 0.95
    coverage : {"joint", "marginal"} or both, default both
    key : str, default "name"
        Name of the column holding ``names``.
    what : str, default "competitors"
        What is ranked, for the ``interval`` label (e.g. ``"groups at A"``).

    Returns
    -------
    DataFrame
        ``<key>, estimate, rank, rank_low, rank_high, coverage, confidence_level, interval``
        (nullable integers; joint rows first).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> est = np.array([5.0, 3.0, 1.0, 0.9])
    >>> t = rank_sets_table(est, est[:, None] + rng.normal(0, 0.1, (4, 2000)), list("abcd"),
    ...                     coverage="joint")
    >>> t.rank_low.tolist(), t.rank_high.tolist()
    ([1, 2, 3, 3], [1, 2, 4, 4])
    >>> t.interval.iloc[0]
    '95% joint over the 4 competitors: bootstrap max-t stepdown (Mogstad et al. 2024)'
    """
    est = np.asarray(estimates, dtype=float)
    D = np.asarray(draws, dtype=float)
    names = list(names)
    if est.ndim != 1 or len(names) != est.size:
        raise ValueError(f"`names` must name the {est.size} competitors; got {len(names)} "
                         "instead.")
    kinds = (coverage,) if isinstance(coverage, str) else tuple(coverage)
    for k in kinds:
        if k not in ("joint", "marginal"):
            raise ValueError(f"`coverage` must be 'joint', 'marginal' or both; got {k!r} "
                             "instead.")
    level = check_confidence_level(confidence_level)
    ok = np.isfinite(est)
    frames = []
    for kind in kinds:
        rank = np.full(est.size, np.nan)
        low = np.full(est.size, np.nan)
        high = np.full(est.size, np.nan)
        if ok.any():
            s = rank_confidence_sets(est[ok], D[ok], confidence_level=level,
                                     simultaneous=kind == "joint")
            rank[ok], low[ok], high[ok] = s.rank, s.low, s.high
        frames.append(pd.DataFrame({
            key: names, "estimate": est,
            "rank": pd.array(rank, dtype="Int64"),  # NaN -> <NA>
            "rank_low": pd.array(low, dtype="Int64"),  # NaN -> <NA>
            "rank_high": pd.array(high, dtype="Int64"),  # NaN -> <NA>
            "coverage": kind, "confidence_level": level,
            "interval": set_label(level, kind == "joint", int(ok.sum()), what)}))
    return pd.concat(frames, ignore_index=True)
