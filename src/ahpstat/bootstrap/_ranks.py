"""Ranks from joint draws: ``P(rank = r)`` and ``P(a > b)`` of competitors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

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
