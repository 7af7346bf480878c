"""Ranks from joint draws: ``P(rank = r)`` and ``P(a > b)`` of competitors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat._validation import TIE_RTOL

__all__ = ["pairwise_probabilities", "rank_probabilities", "rank_table"]


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
        Competitors tied in a resample (equal within ``TIE_RTOL`` of the larger magnitude,
        so that rounding in the last bits cannot order them) share the ranks they occupy
        equally: two tied for first place count half a first and half a second rank each.
        ``NaN`` ranks last (several ``NaN`` share the last ranks). Rows and columns sum to 1.

    Examples
    --------
    >>> rank_probabilities([[3, 1, 3], [2, 2, 1]])
    array([[0.66666667, 0.33333333],
           [0.33333333, 0.66666667]])
    >>> rank_probabilities([[1.0], [1.0 + 1e-15], [0.5]])  # a tie up to rounding
    array([[0.5, 0.5, 0. ],
           [0.5, 0.5, 0. ],
           [0. , 0. , 1. ]])
    """
    D = np.asarray(draws, dtype=float)
    if D.ndim != 2:
        raise ValueError(f"`draws` must be (competitors, resamples); got shape {D.shape} instead.")
    k, B = D.shape
    if B == 0:
        return np.full((k, k), np.nan)
    order = np.argsort(np.where(np.isnan(D), np.inf, -D), axis=0, kind="stable")
    S = np.take_along_axis(D, order, axis=0)  # descending, NaN last
    with np.errstate(invalid="ignore"):
        gap = np.abs(S[1:] - S[:-1]) > TIE_RTOL * np.maximum(np.abs(S[1:]), np.abs(S[:-1]))
    both_nan = np.isnan(S[1:]) & np.isnan(S[:-1])
    new_run = np.ones((k, B), dtype=bool)
    new_run[1:] = (gap | (np.isnan(S[1:]) != np.isnan(S[:-1]))) & ~both_nan
    # the run of tied positions [start, stop) each sorted position belongs to
    pos = np.broadcast_to(np.arange(k)[:, None], (k, B))
    start = np.maximum.accumulate(np.where(new_run, pos, 0), axis=0)
    end_run = np.ones((k, B), dtype=bool)
    end_run[:-1] = new_run[1:]
    stop = np.minimum.accumulate(np.where(end_run, pos + 1, k)[::-1], axis=0)[::-1]
    share = 1.0 / (stop - start)
    # each competitor gets `share` on ranks start..stop-1: a difference array over ranks,
    # every +share (in C order) then every -share added into its cell in turn, as
    # np.add.at does it (one bincount over both: the same additions in the same order)
    cell = order * (k + 1)
    idx = np.concatenate([(cell + start).ravel(), (cell + stop).ravel()])
    acc = np.bincount(idx, weights=np.concatenate([share.ravel(), -share.ravel()]),
                      minlength=k * (k + 1)).reshape(k, k + 1)
    return np.cumsum(acc, axis=1)[:, :k] / B


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
        ``P[a, b]``: share of resamples with ``draws[a] > draws[b]`` by more than
        ``TIE_RTOL`` of the larger magnitude (a tie up to rounding counts for neither;
        diagonal 0).

    Examples
    --------
    >>> pairwise_probabilities([[3, 1, 3], [2, 2, 1]])
    array([[0.        , 0.66666667],
           [0.33333333, 0.        ]])
    """
    D = np.asarray(draws, dtype=float)
    if D.ndim != 2:
        raise ValueError(f"`draws` must be (competitors, resamples); got shape {D.shape} instead.")
    tol = TIE_RTOL * np.maximum(np.abs(D[:, None, :]), np.abs(D[None, :, :]))
    return (D[:, None, :] - D[None, :, :] > tol).mean(axis=-1)
