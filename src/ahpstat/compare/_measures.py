"""The numpy core of method comparison: how well weights ``w`` represent a matrix ``A``
(discrepancy, minimum violations, order preservation, Pareto efficiency) and how two weight
vectors agree (Kendall's tau-b, weighted rank correlation), batched over leading axes; and the
one ranking of scores and weights the package uses (:func:`descending_ranks`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ahpstat.pairwise import upper_pairs, validate_matrix

__all__ = ["TIE_RTOL", "average_ranks", "descending_ranks", "euclidean_distance", "kendall_tau",
           "minimum_violations", "order_violations", "pareto_efficiency", "total_deviation",
           "weighted_spearman"]

#: relative tolerance under which two weights (or ratios) count as equal
TIE_RTOL = 1e-9


def _ratios(w: np.ndarray) -> np.ndarray:
    return w[..., :, None] / w[..., None, :]


def _pair(A: ArrayLike, w: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    M = validate_matrix(A)
    W = np.asarray(w, dtype=float)
    if W.shape[-1] != M.shape[-1]:
        raise ValueError(f"`w` must have {M.shape[-1]} weights on its last axis (one per row "
                         f"of `A`); got shape {W.shape} instead.")
    if not (np.all(np.isfinite(W)) and np.all(W > 0)):
        raise ValueError("`w` must be positive and finite; got "
                         f"{W.min() if W.size else W!r} as its smallest entry instead.")
    return M, W


def euclidean_distance(A: ArrayLike, w: ArrayLike) -> np.ndarray:
    """Euclidean distance between a matrix and the ratios of a weight vector.

    ``ED = sqrt(sum_{i != j} (a_ij - w_i / w_j)^2)`` (Takeda, Cogger & Yu 1987; Golany &
    Kress 1993; Choo & Wedley 2004).

    Parameters
    ----------
    A : array_like, shape (..., n, n)
        Complete positive reciprocal matrices.
    w : array_like, shape (..., n)
        Positive weights (any scale: only ratios enter).

    Returns
    -------
    ndarray, shape (...)

    Examples
    --------
    ``w = (2, 1, 1)/4`` gives the ratios 2, 2, 1 where ``A`` says 3, 2, 1 (and the
    reciprocals 1/2 where ``A`` says 1/3): ``ED^2 = 1 + (1/2 - 1/3)^2``.

    >>> A = [[1, 3, 2], [1/3, 1, 1], [1/2, 1, 1]]
    >>> round(float(euclidean_distance(A, [0.5, 0.25, 0.25])), 6)
    1.013794
    """
    M, W = _pair(A, w)
    D = M - _ratios(W)
    return np.sqrt(np.einsum("...ij,...ij->...", D, D))


def total_deviation(A: ArrayLike, w: ArrayLike) -> np.ndarray:
    """Total absolute deviation between a matrix and the ratios of a weight vector.

    ``TD = sum_{i != j} |a_ij - w_i / w_j|`` (the absolute-value fit criterion of the
    comparisons of Golany & Kress 1993 and Choo & Wedley 2004; the squared version is
    ``euclidean_distance(A, w) ** 2``).

    Examples
    --------
    >>> A = [[1, 3, 2], [1/3, 1, 1], [1/2, 1, 1]]
    >>> round(float(total_deviation(A, [0.5, 0.25, 0.25])), 6)
    1.166667
    """
    M, W = _pair(A, w)
    return np.abs(M - _ratios(W)).sum(axis=(-1, -2))


def minimum_violations(A: ArrayLike, w: ArrayLike, *, rtol: float = TIE_RTOL) -> np.ndarray:
    """Golany & Kress's (1993) minimum-violations criterion MV.

    ``MV = sum_{i != j} I_ij`` where ``I_ij = 1`` if ``w_i > w_j`` and ``a_ij < 1`` (a
    reversed preference), ``1/2`` if ``w_i = w_j`` and ``a_ij != 1``, or ``w_i != w_j`` and
    ``a_ij = 1`` (a tie made or broken), 0 otherwise; so every unordered pair contributes
    0 or 1. Weights (and judgments) within relative ``rtol`` of each other count as equal.

    References
    ----------
    Golany, B. & Kress, M. (1993). A multicriteria evaluation of methods for obtaining
    weights from ratio-scale matrices. EJOR 69, 210-220.
    Choo, E. U. & Wedley, W. C. (2004). A common framework for deriving preference values
    from pairwise comparison matrices. Computers & OR 31, 893-908.

    Examples
    --------
    ``A`` prefers 1 to 2 (``a_12 = 2``) and judges 2 and 3 equal; the first weights put 2
    before 1 (1) and separate 2 and 3 (1/2 + 1/2); the second separate 1 and 3, judged equal:

    >>> A = [[1, 2, 1], [1/2, 1, 1], [1, 1, 1]]
    >>> float(minimum_violations(A, [0.3, 0.4, 0.3]))
    2.0
    >>> float(minimum_violations(A, [0.4, 0.3, 0.3]))
    1.0
    """
    M, W = _pair(A, w)
    n = M.shape[-1]
    off = ~np.eye(n, dtype=bool)
    wi, wj = W[..., :, None], W[..., None, :]
    weq = np.abs(wi - wj) <= rtol * np.maximum(wi, wj)
    aeq = np.abs(np.log(M)) <= rtol
    rev = (wi > wj) & ~weq & (M < 1) & ~aeq
    half = (weq & ~aeq) | (~weq & aeq)
    return ((rev * 1.0 + half * 0.5) * off).sum(axis=(-1, -2))


def order_violations(A: ArrayLike, w: ArrayLike, *,
                     rtol: float = TIE_RTOL) -> tuple[np.ndarray, np.ndarray]:
    """Violations of Bana e Costa & Vansnick's (2008) conditions of order preservation.

    POP (preservation of order of preference): ``a_ij > 1`` should give ``w_i > w_j``;
    every pair ``i < j`` that breaks it counts once. POIP (preservation of order of
    intensity of preference): for two judgments ``a_ij > 1`` and ``a_kl > 1`` with
    ``a_ij > a_kl``, ``w_i / w_j > w_k / w_l`` should hold; every such pair of judgments
    that breaks it counts once. Values within relative ``rtol`` count as equal.

    Returns
    -------
    pop, poip : ndarray, shape (...)
        Numbers of violations.

    References
    ----------
    Bana e Costa, C. A. & Vansnick, J.-C. (2008). A critical analysis of the eigenvalue
    method used to derive priorities in AHP. EJOR 187, 1422-1428.

    Examples
    --------
    ``a_23 = 2`` but ``w_2 < w_3`` (one POP violation); ``a_13 = 3 > a_12 = 2`` but
    ``w_1/w_3 = 1.5 < w_1/w_2 = 3`` (one POIP violation):

    >>> A = [[1, 2, 3], [1/2, 1, 2], [1/3, 1/2, 1]]
    >>> pop, poip = order_violations(A, [0.6, 0.2, 0.4])
    >>> int(pop), int(poip)
    (1, 1)
    """
    M, W = _pair(A, w)
    n = M.shape[-1]
    batch = M.shape[:-2]
    lw = np.log(W)
    L = np.log(M)
    iu = upper_pairs(n)
    la = L[..., iu[0], iu[1]]                        # (..., P)
    ld = lw[..., iu[0]] - lw[..., iu[1]]             # (..., P)
    # orient every judgment so that it is > 1 (a_ij < 1 is a_ji > 1)
    sgn = np.sign(la)
    tol = rtol
    pos = np.abs(la) > tol
    la_o = np.abs(la)
    ld_o = ld * np.where(sgn < 0, -1.0, 1.0)
    pop = (pos & (ld_o <= tol)).sum(axis=-1)
    # POIP over pairs of oriented judgments p, q with a_p > a_q > 1
    gt = (la_o[..., :, None] > la_o[..., None, :] + tol) & pos[..., :, None] & pos[..., None, :]
    bad = ld_o[..., :, None] <= ld_o[..., None, :] + tol
    poip = (gt & bad).sum(axis=(-1, -2))
    return pop.reshape(batch), poip.reshape(batch)


def _strongly_connected(adj: np.ndarray) -> np.ndarray:
    """Whether each digraph (batched boolean adjacency) is strongly connected."""
    n = adj.shape[-1]
    reach = (adj | np.eye(n, dtype=bool)).astype(np.float32)
    for _ in range(max(1, int(np.ceil(np.log2(max(n, 2)))))):
        reach = (np.matmul(reach, reach) > 0).astype(np.float32)
    return np.asarray(reach.reshape(*adj.shape[:-2], -1).all(axis=-1))


def _efficient_graph(M: np.ndarray, W: np.ndarray, rtol: float) -> np.ndarray:
    R = _ratios(W)
    adj = R >= M * (1 - rtol)
    return _strongly_connected(adj)


def _dominating_lp(A: np.ndarray, w: np.ndarray, rtol: float) -> np.ndarray:
    """One LP of Bozóki & Fülöp (2018): an efficient vector dominating ``w`` (sum 1)."""
    from scipy.optimize import linprog

    n = A.shape[-1]
    R = w[:, None] / w[None, :]
    eq = np.isclose(R, A, rtol=rtol, atol=0.0)
    below = [(i, j) for i in range(n) for j in range(n) if i != j and R[i, j] < A[i, j]
             and not eq[i, j]]
    exact = [(i, j) for i in range(n) for j in range(i + 1, n) if eq[i, j]]
    m = len(below)
    # variables: x (n), s (m); maximize sum s
    c = np.concatenate([np.zeros(n), -np.ones(m)])
    rows, rhs = [], []
    for t, (i, j) in enumerate(below):
        r = np.zeros(n + m)       # R_ij x_j - x_i + s_ij <= 0
        r[j], r[i], r[n + t] = R[i, j], -1.0, 1.0
        rows.append(r)
        rhs.append(0.0)
        r = np.zeros(n + m)       # x_i - a_ij x_j <= 0
        r[i], r[j] = 1.0, -A[i, j]
        rows.append(r)
        rhs.append(0.0)
    eqs = [np.concatenate([np.ones(n), np.zeros(m)])]
    eqr = [1.0]
    for i, j in exact:
        r = np.zeros(n + m)
        r[i], r[j] = 1.0, -A[i, j]
        eqs.append(r)
        eqr.append(0.0)
    res = linprog(c, A_ub=np.array(rows) if rows else None, b_ub=rhs if rows else None,
                  A_eq=np.array(eqs), b_eq=eqr, bounds=[(0, None)] * (n + m),
                  method="highs")
    if res.status != 0 or res.x is None:  # pragma: no cover - the LP is always feasible (x = w)
        return w
    x = np.maximum(res.x[:n], 0.0)
    if -res.fun <= 1e-12 or not np.all(x > 0):
        return w
    return x / x.sum()


def pareto_efficiency(A: ArrayLike, w: ArrayLike, *, rtol: float = 1e-9,
                      max_rounds: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Whether each weight vector is Pareto efficient for its matrix, and a dominating one.

    ``w`` is efficient when no other vector approximates every ``a_ij`` at least as well by
    its ratio and one strictly better (Blanquero, Carrizosa & Conde 2006). Test: the digraph
    with an arc ``i -> j`` whenever ``w_i / w_j >= a_ij`` is strongly connected (their
    Corollary 10). For an inefficient ``w`` the linear program of Bozóki & Fülöp (2018)

        max sum s_ij  s.t.  (w_i/w_j) x_j - x_i + s_ij <= 0,  x_i - a_ij x_j <= 0
                            for w_i/w_j < a_ij;  x_i = a_ij x_j where w_i/w_j = a_ij;
                            sum x = 1;  x, s >= 0

    gives a vector ``x`` whose every ratio lies between ``w``'s and the judgment, so it
    dominates ``w``; it is re-checked by the graph test (and the LP repeated from ``x`` if
    it were not efficient, at most ``max_rounds`` times).

    Parameters
    ----------
    A : array_like, shape (..., n, n)
        Complete positive reciprocal matrices.
    w : array_like, shape (..., n)
        Positive weights.
    rtol : float
        Relative tolerance for ``w_i / w_j = a_ij``.

    Returns
    -------
    efficient : ndarray of bool, shape (...)
    dominating : ndarray, shape (..., n)
        An efficient vector (sum 1) dominating ``w`` where ``w`` is inefficient; ``NaN``
        where ``w`` is efficient.

    References
    ----------
    Blanquero, R., Carrizosa, E. & Conde, E. (2006). Inferring efficient weights from
    pairwise comparison matrices. Math. Methods Oper. Res. 64, 271-284.
    Bozóki, S. & Fülöp, J. (2018). Efficient weight vectors from pairwise comparison
    matrices. EJOR 264, 419-427.

    Examples
    --------
    The eigenvector of Blanquero et al.'s (2006) matrix is inefficient (Bozóki & Fülöp
    2018, Example 1):

    >>> import numpy as np, ahpstat as ah
    >>> A = np.array([[1, 1, 4, 9], [1, 1, 7, 5], [1/4, 1/7, 1, 4], [1/9, 1/5, 1/4, 1]])
    >>> w = ah.weights(A).weights
    >>> eff, dom = pareto_efficiency(A, w)
    >>> bool(eff), bool(pareto_efficiency(A, dom)[0])
    (False, True)
    """
    M, W = _pair(A, w)
    n = M.shape[-1]
    batch = M.shape[:-2]
    Wn = W / W.sum(axis=-1, keepdims=True)
    eff = _efficient_graph(M, Wn, rtol) if n > 2 else np.ones(batch, dtype=bool)
    dom = np.full((*batch, n), np.nan)
    flatM, flatW = M.reshape(-1, n, n), Wn.reshape(-1, n)
    fe, fd = eff.reshape(-1), dom.reshape(-1, n)
    for b in np.flatnonzero(~fe):
        x = flatW[b]
        for _ in range(max_rounds):
            x = _dominating_lp(flatM[b], x, rtol)
            if bool(_efficient_graph(flatM[b], x, rtol)):
                break
        fd[b] = x
    return eff, fd.reshape(*batch, n)


# --------------------------------------------------------------------------- rank agreement


def average_ranks(w: ArrayLike) -> np.ndarray:
    """Ranks, 1 = largest weight, ties averaged (batched over leading axes); a vector with a
    NaN has NaN ranks (``scipy.stats.rankdata(-w, axis=-1)``, tested against it).
    """
    a = np.asarray(w, dtype=float)
    if a.ndim == 0:
        return np.where(np.isnan(a), np.nan, 1.0)
    ranks = _tie_ranks(a, "average")
    ranks[np.isnan(a).any(axis=-1)] = np.nan
    return ranks


def _tie_ranks(x: np.ndarray, method: str) -> np.ndarray:
    """Descending ranks along the last axis (1 = largest), ties sharing the ``"min"`` or the
    ``"average"`` rank, NaN unranked (NaN) and taking no rank from the others: what
    ``scipy.stats.rankdata(-x, method, axis=-1, nan_policy="omit")`` gives, without
    importing scipy.stats (half a second in a fresh process).
    """
    n = x.shape[-1]
    if n == 0:
        return np.empty(x.shape)
    a = -x
    order = np.argsort(a, axis=-1, kind="stable")  # NaN last
    s = np.take_along_axis(a, order, axis=-1)
    pos = np.broadcast_to(np.arange(n), a.shape)
    tie = s[..., 1:] == s[..., :-1]  # equal sorted neighbours: one run of ties (NaN: none)
    edge = np.zeros((*a.shape[:-1], 1), dtype=bool)
    first = np.maximum.accumulate(np.where(np.concatenate([edge, tie], axis=-1), 0, pos),
                                  axis=-1)
    if method == "average":
        last = np.flip(np.minimum.accumulate(np.flip(np.where(
            np.concatenate([tie, edge], axis=-1), n - 1, pos), -1), axis=-1), -1)
        sorted_ranks = (first + last) / 2 + 1
    else:
        sorted_ranks = first + 1.0
    ranks = np.empty(a.shape)
    np.put_along_axis(ranks, order, sorted_ranks, axis=-1)
    return np.where(np.isnan(x), np.nan, ranks)


#: pairs (over the whole batch) from which :func:`kendall_tau` counts in a compiled loop:
#: below it numpy's sign arrays cost less than importing numba
KENDALL_COMPILED_PAIRS = 1 << 17


def kendall_tau(u: ArrayLike, v: ArrayLike) -> np.ndarray:
    """Kendall's tau-b between two weight vectors (batched over leading axes).

    ``(C - D) / sqrt((C + D + T_u)(C + D + T_v))`` over the pairs of elements: concordant
    ``C``, discordant ``D``, ties in only one vector ``T`` (Kendall 1945); ``NaN`` when a
    vector is constant.

    Examples
    --------
    >>> round(float(kendall_tau([0.5, 0.3, 0.2], [0.4, 0.4, 0.2])), 6)
    0.816497
    """
    a = np.asarray(u, dtype=float)
    b = np.asarray(v, dtype=float)
    if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-1]:
        raise ValueError("`u` and `v` must have as many elements each (their last axis); got "
                         f"shapes {a.shape} and {b.shape}.")
    # s, na, nb are sums of -1, 0 and 1 (NaN propagating) over the pairs i < j, exact in
    # any order: many pairs in a compiled loop (ahpstat._stat_kernels), else the signs of
    # the pairs with the elements on the first axis (whole rows gathered, no (n, n)
    # matrices)
    n = a.shape[-1]
    a, b = np.broadcast_arrays(a, b)
    if a.size * (n - 1) // 2 >= KENDALL_COMPILED_PAIRS:
        from ahpstat._stat_kernels import kendall_counts

        s, na, nb = kendall_counts(a, b)
    else:
        i, j = upper_pairs(n)
        at, bt = (np.ascontiguousarray(np.moveaxis(x, -1, 0)) for x in (a, b))
        da = np.sign(at[i] - at[j])
        db = np.sign(bt[i] - bt[j])
        s = (da * db).sum(axis=0)
        na = (da != 0).sum(axis=0)
        nb = (db != 0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((na > 0) & (nb > 0), s / np.sqrt(na * nb.astype(float)), np.nan)


def weighted_spearman(u: ArrayLike, v: ArrayLike) -> np.ndarray:
    """Weighted rank correlation ``r_W`` of Pinto da Costa & Soares (2005).

    With ranks ``R``, ``Q`` (1 = largest weight) of ``n`` elements,

        r_W = 1 - 6 sum_i (R_i - Q_i)^2 ((n - R_i + 1) + (n - Q_i + 1)) / (n^4 + n^3 - n^2 - n)

    which is 1 for the same order, -1 for the reversed one, and weighs disagreements among
    the top elements more than Spearman's rho does.

    References
    ----------
    Pinto da Costa, J. & Soares, C. (2005). A weighted rank measure of correlation.
    Aust. N. Z. J. Stat. 47(4), 515-529.

    Examples
    --------
    Swapping the first two elements costs more than swapping the last two:

    >>> round(float(weighted_spearman([4, 3, 2, 1], [3, 4, 2, 1])), 6)
    0.72
    >>> round(float(weighted_spearman([4, 3, 2, 1], [4, 3, 1, 2])), 6)
    0.88
    """
    R = average_ranks(u)
    Q = average_ranks(v)
    n = R.shape[-1]
    if n < 2:
        return np.full(R.shape[:-1], np.nan)
    num = 6.0 * ((R - Q) ** 2 * ((n - R + 1) + (n - Q + 1))).sum(axis=-1)
    return 1.0 - num / (n**4 + n**3 - n**2 - n)


def descending_ranks(x: ArrayLike, *, axis: int = -1) -> np.ndarray:
    """Ranks along ``axis``, 1 = largest, ties sharing the lowest rank (``min`` ranks); a NaN
    is unranked (NaN) and takes no rank from the others.

    The one ranking of scores and weights (groups by their scores, a node's children by
    their weights) that the comparison, sensitivity, multiverse and evaluation tables use.

    Examples
    --------
    >>> descending_ranks([0.2, 0.5, 0.2, 0.1]).tolist()
    [2.0, 1.0, 2.0, 4.0]
    >>> descending_ranks([[3.0, np.nan], [1.0, 2.0]], axis=0).tolist()
    [[1.0, nan], [2.0, 1.0]]
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        return np.where(np.isnan(x), np.nan, 1.0)
    return np.moveaxis(_tie_ranks(np.moveaxis(x, axis, -1), "min"), -1, axis)
