"""The alternative treatments of the data a specification can choose: the numbers given to
the verbal judgments (:data:`JUDGMENT_SCALES`, :func:`rescale_judgments`) and the
treatments of the Likert answers (:data:`LIKERT_TREATMENTS`, :func:`likert_transform`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._validation import check_method

LIKERT_TREATMENTS = ("mean", "top_box", "top2_box", "ridit")


@dataclass(frozen=True)
class JudgmentScale:
    """A numerical scale for the verbal judgments 1..9 (and their reciprocals).

    Attributes
    ----------
    name : str
    formula : str
        ``c(x)`` for ``x = 1..9`` on Saaty's scale.
    source : str
    values : tuple of float
        ``c(1), ..., c(9)`` (``c(1) = 1``).
    """

    name: str
    formula: str
    source: str
    values: tuple[float, ...]


def _scale(name: str, formula: str, source: str, fn: Callable[[np.ndarray], np.ndarray]
           ) -> JudgmentScale:
    x = np.arange(1.0, 10.0)
    v = fn(x)
    return JudgmentScale(name, formula, source, tuple(float(t) for t in v / v[0]))


#: The judgment scales, by name (values for x = 1..9; reciprocals mirror them).
JUDGMENT_SCALES: Mapping[str, JudgmentScale] = {
    s.name: s for s in (
        _scale("saaty", "c = x", "Saaty, T. L. (1977). J. Math. Psychology 15, 234-281.",
               lambda x: x),
        _scale("balanced", "c = w / (1 - w), w = 0.45 + 0.05 x",
               "Salo, A. A. & Hämäläinen, R. P. (1997). On the measurement of preferences in "
               "the analytic hierarchy process. J. Multi-Criteria Decision Analysis 6, "
               "309-319.", lambda x: (0.45 + 0.05 * x) / (0.55 - 0.05 * x)),
        _scale("geometric", "c = 2^(x - 1)",
               "Lootsma, F. A. (1989). Conflict resolution via pairwise comparison of "
               "concessions. EJOR 40, 109-116 (as listed by Ishizaka & Labib 2011, Table 2).",
               lambda x: 2.0 ** (x - 1)),
        _scale("power", "c = x^2",
               "Harker, P. T. & Vargas, L. G. (1987). The theory of ratio scale estimation: "
               "Saaty's analytic hierarchy process. Management Science 33, 1383-1403.",
               lambda x: x**2),
        _scale("root_square", "c = sqrt(x)",
               "Harker, P. T. & Vargas, L. G. (1987). Management Science 33, 1383-1403.",
               np.sqrt),
        _scale("logarithmic", "c = log2(x + 1)",
               "Ishizaka, A., Balkenborg, D. & Kaplan, T. (2011). Influence of aggregation "
               "and measurement scale on ranking a compromise alternative in AHP. J. Oper. "
               "Res. Soc. 62, 700-710.", lambda x: np.log2(x + 1.0)),
        _scale("inverse_linear", "c = 9 / (10 - x)",
               "Ma, D. & Zheng, X. (1991). 9/9-9/1 scale method of AHP. Proc. 2nd Int. "
               "Symposium on the AHP, Pittsburgh, 197-202.", lambda x: 9.0 / (10.0 - x)),
    )
}


def rescale_judgments(A: ArrayLike, scale: str) -> np.ndarray:
    """Map judgments on Saaty's 1-9 scale to another judgment scale.

    Each judgment ``x`` in 1..9 becomes ``c(x)``, a reciprocal ``1/x`` becomes ``1/c(x)``;
    the diagonal and ``NaN`` (missing) stay. Judgments must lie on Saaty's scale (within
    1 %).

    Parameters
    ----------
    A : array_like, shape (..., n, n)
    scale : str
        A key of :data:`JUDGMENT_SCALES`.

    Returns
    -------
    ndarray
        Positive reciprocal matrices on the new scale.

    References
    ----------
    Ishizaka, A. & Labib, A. (2011). Review of the main developments in the analytic
    hierarchy process. Expert Systems with Applications 38, 14336-14345 (Table 2).
    Goepel, K. D. (2019). Comparison of judgment scales of the analytical hierarchy
    process — a new approach. Int. J. Inf. Technol. Decis. Mak. 18, 445-463.

    Examples
    --------
    >>> rescale_judgments([[1, 3], [1/3, 1]], "balanced").round(4)
    array([[1.    , 1.5   ],
           [0.6667, 1.    ]])
    >>> float(rescale_judgments([[1, 9], [1/9, 1]], "geometric")[0, 1])
    256.0
    """
    scale = check_method("scale", scale, JUDGMENT_SCALES)
    M = np.asarray(A, dtype=float)
    if scale == "saaty":
        return M.copy()
    L = np.log(np.where(np.isnan(M), 1.0, M))
    x = np.exp(np.abs(L))
    k = np.rint(x)
    off = np.abs(np.log(x) - np.log(np.clip(k, 1, 9))) > np.log1p(1e-2)
    if np.any(off & ~np.isnan(M)) or np.any((k > 9) & ~np.isnan(M)):
        bad = np.argwhere(off & ~np.isnan(M) | (k > 9) & ~np.isnan(M))[0]
        raise ValueError(f"`A` has a judgment off Saaty's 1-9 scale at {tuple(bad.tolist())}"
                         f": {M[tuple(bad)]:.6g}; another judgment scale needs Saaty-scale "
                         "judgments.")
    table = np.array((1.0, *JUDGMENT_SCALES[scale].values))  # index 1..9
    c = table[np.clip(k, 1, 9).astype(int)]
    out = np.where(L >= 0, c, 1.0 / c)
    return np.where(np.isnan(M), np.nan, out)


def likert_transform(X: ArrayLike, treatment: str, likert: tuple[int, int]) -> np.ndarray:
    """Per-answer values whose item means give the item statistic of a Likert treatment.

    Parameters
    ----------
    X : array_like, shape (R, L)
        Answers ``lo..hi`` (``NaN`` = missing, kept).
    treatment : {"mean", "top_box", "top2_box", "ridit"}
        ``mean``: the answer itself (interval treatment). ``top_box``: 1 for the highest
        category, else 0; ``top2_box``: 1 for the two highest. ``ridit``: the ridit of the
        answer's category against the item's answers in ``X``,
        ``P(X < k) + P(X = k) / 2`` (Bross 1958): a group's mean ridit is the probability
        that one of its answers beats a random answer of the whole sample (ties half).
    likert : (lo, hi)

    Returns
    -------
    ndarray, shape (R, L)

    References
    ----------
    Bross, I. D. J. (1958). How to use ridit analysis. Biometrics 14, 18-38.

    Examples
    --------
    >>> X = np.array([[1.0], [2.0], [2.0], [5.0]])
    >>> likert_transform(X, "ridit", (1, 5)).ravel().tolist()
    [0.125, 0.5, 0.5, 0.875]
    >>> likert_transform(X, "top2_box", (1, 5)).ravel().tolist()
    [0.0, 0.0, 0.0, 1.0]
    """
    treatment = check_method("treatment", treatment, LIKERT_TREATMENTS)
    X = np.asarray(X, dtype=float)
    lo, hi = likert
    miss = np.isnan(X)
    if treatment == "mean":
        return X.copy()
    if treatment in ("top_box", "top2_box"):
        cut = hi if treatment == "top_box" else hi - 1
        return np.where(miss, np.nan, (X >= cut).astype(float))
    cats = np.arange(lo, hi + 1)
    onehot = (X[..., None] == cats)                       # (R, L, K)
    cnt = onehot.sum(axis=0).astype(float)                # (L, K)
    tot = cnt.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = cnt / tot
    below = np.cumsum(p, axis=-1) - p
    rid = below + p / 2.0                                 # (L, K)
    idx = np.clip(np.where(miss, lo, X) - lo, 0, hi - lo).astype(int)
    out = np.take_along_axis(rid, idx.T, axis=-1).T
    return np.where(miss, np.nan, out)
