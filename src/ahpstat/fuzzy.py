"""Fuzzy comprehensive evaluation (模糊综合评价) of Likert survey data (numpy core).

The grades of the evaluation are the answer categories of the Likert scale (``V = {v_1, ...,
v_K}``, e.g. 很差, 差, 一般, 好, 很好). For each item, the *membership* of the evaluated object
(the whole sample, or a group) in grade ``k`` is the share of its answers in category ``k``:
one row ``r_j = (r_j1, ..., r_jK)`` of the membership matrix ``R`` per item
(:func:`answer_shares`). An evaluation vector ``b = w o R`` composes the items' rows with their
weights ``w`` by a fuzzy operator ``M(., .)`` (:func:`fuzzy_composition`):

``weighted_average`` -- M(., +), 加权平均型
    ``b_k = min(1, sum_j w_j r_jk)``: every item counts in proportion to its weight.
``max_min`` -- M(^, v), 主因素决定型
    ``b_k = max_j min(w_j, r_jk)``: the result is decided by the dominant item.
``max_product`` -- M(., v), 主因素突出型
    ``b_k = max_j w_j r_jk``.
``bounded_min_sum`` -- M(^, +), 取小上界和型
    ``b_k = min(1, sum_j min(w_j, r_jk))``.

In a hierarchy the evaluation is multi-level (:func:`fuzzy_evaluation`): the evaluation
vectors of a node's children form the node's membership matrix, composed with the children's
local weights, from the leaves up. With the weighted-average operator this is linear, so a node's
vector is the global-weighted average of its items' answer shares -- and its weighted score with
grade values equal to the answer values is exactly the composite score (the weighted item mean)
of :mod:`ahpstat.scoring`.

The verdict follows the maximum-membership principle (最大隶属度原则, :func:`max_membership`);
the weighted score ``sum_k b_k s_k / sum_k b_k`` with grade values ``s_k``
(:func:`fuzzy_score`) uses the whole vector.

The four composition models are those of the Chinese comprehensive-evaluation literature
(模糊综合评价); ``^`` and ``v`` are Zadeh's (1965) intersection (min) and union (max) of fuzzy
sets, ``+`` the bounded sum ``min(1, a + b)``.

References
----------
Zadeh, L. A. (1965). Fuzzy sets. Information and Control 8, 338-353.
Lai, C. et al. (2015). A fuzzy comprehensive evaluation model for flood risk based on the
combination weight of game theory. Natural Hazards 77, 1243-1259 (multi-level FCE with the
weighted-average operator).
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

from ahpstat._grouping import (
    equal_columns,
    exact_integer_sums,
    group_indicator,
    indicator_by_rows,
)
from ahpstat._memo import memo
from ahpstat._validation import check_likert, check_method
from ahpstat._warnings import DegenerateDataWarning, warn

__all__ = [
    "FCE_OPERATORS",
    "answer_shares",
    "fuzzy_composition",
    "fuzzy_evaluation",
    "fuzzy_score",
    "max_membership",
]

#: the fuzzy operators by name, with their usual symbols
FCE_OPERATORS: dict[str, str] = {
    "weighted_average": "M(·,⊕)",
    "max_min": "M(∧,∨)",
    "max_product": "M(·,∨)",
    "bounded_min_sum": "M(∧,⊕)",
}


#: Entries of the clusters' dense (groups x items x grades, clusters) answer counts that
#: :func:`answer_shares` makes at most beyond four per answer (8 MiB); above, the sparse
#: product (the same floats)
DENSE_COUNTS_MAX = 1 << 20


def answer_shares(
    answers: ArrayLike, likert: tuple[int, int] | ArrayLike, *,
    frequencies: ArrayLike | None = None, groups: ArrayLike | None = None,
    n_groups: int | None = None,
) -> np.ndarray:
    """Membership rows of the items: each item's share of answers in every grade.

    Parameters
    ----------
    answers : array_like, shape (m, n)
        Answers of ``m`` respondents to ``n`` items, integers ``lo..hi`` (``NaN`` = missing).
    likert : (lo, hi)
        The answer range; the grades are ``lo, lo + 1, ..., hi``.
    frequencies : array_like, shape (..., m), optional
        How often each respondent counts (a bootstrap resample's counts); default 1 each.
    groups : array_like of int, shape (m,), optional
        Group code ``0..G-1`` of each respondent: shares per group.
    n_groups : int, optional
        ``G`` (default ``max(groups) + 1``).

    Returns
    -------
    ndarray, shape (..., n, K) or (..., G, n, K)
        ``K = hi - lo + 1`` shares per item summing to 1; ``NaN`` where nobody (of the group)
        answered the item.

    Raises
    ------
    ValueError
        An answer off the scale or not an integer.

    Examples
    --------
    >>> X = np.array([[1, 5], [2, 5], [2, np.nan], [5, 4]])
    >>> answer_shares(X, (1, 5))
    array([[0.25      , 0.5       , 0.        , 0.        , 0.25      ],
           [0.        , 0.        , 0.        , 0.33333333, 0.66666667]])
    >>> answer_shares(X, (1, 5), groups=[0, 0, 1, 1])[1, 0]
    array([0. , 0.5, 0. , 0. , 0.5])
    """
    lo, hi = check_likert(tuple(np.asarray(likert).tolist()))
    X = np.asarray(answers, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"`answers` must be (respondents, items); got shape {X.shape} instead.")
    K = hi - lo + 1
    m, n = X.shape
    f = np.ones(m) if frequencies is None else np.asarray(frequencies, dtype=float)
    if f.ndim == 0 or f.shape[-1] != m or not np.all(np.isfinite(f)) or np.any(f < 0):
        raise ValueError(f"`frequencies` must be finite, non-negative, one per respondent ({m})"
                         f" on the last axis; got shape {np.shape(f)} instead.")
    if groups is None:
        g, G = np.zeros(m, dtype=np.intp), 1
    else:
        g = np.asarray(groups)
        if g.shape != (m,) or not np.issubdtype(g.dtype, np.integer) or (m and g.min() < 0):
            raise ValueError(f"`groups` must be {m} non-negative integer codes; got "
                             f"{groups!r} instead.")
        G = int(g.max()) + 1 if n_groups is None else int(n_groups)
        if m and g.max() >= G:
            raise ValueError(f"`groups` holds the code {int(g.max())}, but `n_groups` is {G}: "
                             "the codes must be 0..n_groups - 1.")
    if m == 0 or n == 0:
        raise ValueError(f"`answers` must hold at least one respondent and one item; got "
                         f"shape {X.shape} instead.")
    flat = f.reshape(-1, m)
    grouped = equal_columns(flat)
    if grouped is not None and (grouped[1].size == 1 or (
            # the clusters' dense (G n K, clusters) counts only when about as small as
            # the sparse share matrix (one entry per answer) or below 8 MiB: thousands of
            # clusters take the sparse product (the same floats either way)
            G * n * K * grouped[1].size <= max(4 * m * n, DENSE_COUNTS_MAX)
            and exact_integer_sums(flat[:, grouped[1]], m))):
        # frequencies equal within clusters (the estimate's all 1 are one cluster): the
        # clusters' answer counts (exact integers) times their frequencies, with no (G n K,
        # m) matrix -- the same floats as the product below: one product per cell for one
        # cluster (0 + c f), else sums of integers below 2**53, exact in any order
        code, first = grouped
        C = answer_counts(X, lo, K, g, G, units=code, n_units=first.size)  # (G n K, k)
        F = flat[:, first].T                                                # (k, B)
        if first.size == 1:  # (+ 0.0 as the product's sum starts: -0.0 becomes 0.0)
            prod = np.multiply(C, F, out=np.empty((C.shape[0], F.shape[1])))
            np.add(prod, 0.0, out=prod)
        else:
            prod = C @ F
        counts = prod.T.reshape(*f.shape[:-1], G, n, K)
    else:
        ST = _checked_share_matrix(X, lo, K, g, G)
        if grouped is not None:  # frequencies equal within clusters: the clusters' counts
            code, first = grouped
            ST, flat = ST @ group_indicator(code, first.size).T, flat[:, first]
        counts = np.asarray((ST @ flat.T).T).reshape(*f.shape[:-1], G, n, K)
    if groups is None:
        counts = counts[..., 0, :, :]
    return shares_of_counts(counts)


def _checked_share_matrix(X: np.ndarray, lo: int, K: int, g: np.ndarray, G: int
                          ) -> sparse.csr_matrix:
    """:func:`share_matrix` of answers ``X`` checked to be integers ``lo..lo + K - 1`` (or
    NaN), remembered by content: a bootstrap asks for the same answers' matrix block after
    block (the check and the sparse build were a third of the evaluation's time at 10^5
    respondents). The matrix is shared: not to be modified.
    """
    X = np.ascontiguousarray(X, dtype=float)
    codes = np.ascontiguousarray(g, dtype=np.intp)
    cb = codes.tobytes()
    check_answers(X, lo, K)  # once per answers, whatever the grouping
    return memo(X, ("share_matrix", lo, K, cb, G),
                lambda shape, data: _share_matrix_of(shape, data, lo, K, cb, G),
                lambda shape, data: _share_matrix_of.__wrapped__(shape, data, lo, K, cb, G))


@functools.lru_cache(maxsize=4)
def _share_matrix_of(shape: tuple[int, ...], data: bytes, lo: int, K: int, codes: bytes,
                     G: int) -> sparse.csr_matrix:
    X = np.frombuffer(data, dtype=float).reshape(shape)  # checked (check_answers)
    return share_matrix(X, lo, K, np.frombuffer(codes, dtype=np.intp), G)


def _raise_bad_answer(X: np.ndarray, lo: int, K: int) -> None:
    given = ~np.isnan(X)
    bad = given & ((X < lo) | (X > lo + K - 1) | (X != np.round(np.where(given, X, 0.0))))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"`answers` must be integers {lo}..{lo + K - 1} (or NaN); got "
                         f"{X[i, j]!r} at row {i}, column {j} instead.")


def check_answers(X: np.ndarray, lo: int, K: int) -> None:
    """Raise ``ValueError`` (naming the first bad cell) unless the answers ``X`` are
    integers ``lo..lo + K - 1`` or NaN, as :func:`_checked_share_matrix` checks them;
    remembered (a frozen array is checked once, whatever its groupings).

    Examples
    --------
    >>> check_answers(np.array([[1.0, np.nan], [3.0, 2.0]]), 1, 3)
    >>> check_answers(np.array([[1.0, 2.5]]), 1, 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `answers` must be integers 1..3 (or NaN); got ...2.5... at row 0, column 1 instead.
    """
    _answer_cells(X, lo, K)


def _answer_cells(X: np.ndarray, lo: int, K: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The answers ``X`` (m, n) checked (:func:`check_answers`), and their given cells in
    row-major order: each one's row and ``item * K + grade``, and where each row's cells
    start (m + 1,) (remembered as the share matrices are).
    """
    X = np.ascontiguousarray(X, dtype=float)
    return memo(X, ("answer_cells", lo, K), lambda shape, data: _cells_of(shape, data, lo, K),
                lambda shape, data: _cells_of.__wrapped__(shape, data, lo, K))


@functools.lru_cache(maxsize=4)
def _cells_of(shape: tuple[int, ...], data: bytes, lo: int, K: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.frombuffer(data, dtype=float).reshape(shape)
    _raise_bad_answer(X, lo, K)
    rows, items = np.nonzero(~np.isnan(X))
    level = X[rows, items].astype(np.intp) - lo
    return rows, items * K + level, np.searchsorted(rows, np.arange(shape[0] + 1))


def answer_counts(X: np.ndarray, lo: int, K: int, g: np.ndarray, G: int, *,
                  units: np.ndarray | None = None, n_units: int = 1) -> np.ndarray:
    """The counts of answers ``X`` (m, n) by (group ``g``, item, grade), (G * n * K,):
    the row sums of :func:`share_matrix`, by one ``bincount`` -- integer counts, so the
    same floats in any order of summation. With ``units`` (m,) codes ``0..n_units - 1``:
    (G * n * K, n_units), each unit's counts (:func:`share_matrix`'s product with the
    units' indicator). The answers are checked (:func:`check_answers`).

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [1.0, np.nan], [2.0, 2.0]])
    >>> answer_counts(X, 1, 2, np.array([0, 1, 0]), 2).reshape(2, 2, 2).tolist()
    [[[1.0, 1.0], [0.0, 2.0]], [[1.0, 0.0], [0.0, 0.0]]]
    >>> answer_counts(X, 1, 2, np.zeros(3, int), 1, units=np.array([0, 0, 1]), n_units=2)
    array([[2., 0.],
           [0., 1.],
           [0., 0.],
           [1., 1.]])
    """
    n = X.shape[1]
    rows, cell, _ = _answer_cells(X, lo, K)
    if G > 1 or np.any(g):
        cell = np.asarray(g, dtype=np.intp)[rows] * (n * K) + cell
    if units is None:
        return np.bincount(cell, minlength=G * n * K).astype(float)
    key = cell * n_units + np.asarray(units, dtype=np.intp)[rows]
    return (np.bincount(key, minlength=G * n * K * n_units).astype(float)
            .reshape(G * n * K, n_units))


def respondent_counts(X: np.ndarray, lo: int, K: int, g: np.ndarray, G: int,
                      who: np.ndarray, row: np.ndarray, n_rows: int) -> np.ndarray:
    """(n_rows, G * n * K) answer counts by (group ``g``, item, grade) of the respondents
    ``who`` only, respondent ``who[i]`` counted in row ``row[i]``: :func:`share_matrix`'s
    product with the (n_rows, m) indicator of ``(row, who)``, as exact integer counts.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [1.0, np.nan], [2.0, 2.0]])
    >>> respondent_counts(X, 1, 2, np.zeros(3, int), 1, np.array([0, 2]), np.array([1, 0]), 2)
    array([[0., 1., 0., 1.],
           [1., 0., 0., 1.]])
    """
    n = X.shape[1]
    _, cell, ptr = _answer_cells(X, lo, K)
    who = np.asarray(who, dtype=np.intp)
    start, lens = ptr[who], ptr[who + 1] - ptr[who]
    idx = np.repeat(start - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
    key = np.repeat(np.asarray(row, dtype=np.intp) * (G * n * K)
                    + np.asarray(g, dtype=np.intp)[who] * (n * K), lens) + cell[idx]
    return (np.bincount(key, minlength=n_rows * G * n * K).astype(float)
            .reshape(n_rows, G * n * K))


def share_matrix(X: np.ndarray, lo: int, K: int, g: np.ndarray, G: int) -> sparse.csr_matrix:
    """The sparse ``(G * n * K, m)`` matrix of :func:`answer_shares` (checked answers ``X``
    (m, n), group codes ``g``): respondent ``i`` adds its frequency to the cell (its group,
    item ``j``, its answer's grade), so a whole block of resamples is one sparse product.
    """
    n = X.shape[1]
    given = ~np.isnan(X)
    level = (np.where(given, X, lo) - lo).astype(np.intp)
    cell = (g.astype(np.intp)[:, None] * n + np.arange(n)) * K + level
    return indicator_by_rows(given, cell, G * n * K)


def shares_of_counts(counts: np.ndarray) -> np.ndarray:
    """Answer counts (..., K) as shares summing to 1; ``NaN`` where the counts are all 0."""
    tot = counts.sum(axis=-1, keepdims=True)
    some = tot > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = counts / np.where(some, tot, 1.0)   # laid out as counts
    np.copyto(out, np.nan, where=~some)
    return out


def check_operator(operator: str) -> str:
    """The canonical name of an FCE operator given by name (case-insensitive) or by its
    symbol in :data:`FCE_OPERATORS`.

    Examples
    --------
    >>> check_operator("Max_Min")
    'max_min'
    """
    for k, sym in FCE_OPERATORS.items():
        if operator == sym:
            return k
    return check_method("operator", operator, tuple(FCE_OPERATORS))


def _compose(w: np.ndarray, R: np.ndarray, op: str) -> np.ndarray:
    """``w`` (..., n), ``R`` (..., n, K) -> (..., K)."""
    W = w[..., :, None]
    if op == "weighted_average":
        return np.minimum(1.0, (W * R).sum(axis=-2))
    if op == "max_min":
        return np.minimum(W, R).max(axis=-2)
    if op == "max_product":
        return (W * R).max(axis=-2)
    return np.minimum(1.0, np.minimum(W, R).sum(axis=-2))


def _max_compose(W: np.ndarray, B: np.ndarray, idx: np.ndarray, op: str) -> np.ndarray:
    """:func:`_compose` of the nodes whose children are the rows of ``idx`` (padded with
    the dummy node), for the operators that take a maximum over the children: one child
    slot at a time, in slot order -- the same maxima of the same values as
    ``_compose(W[..., idx], B[..., idx, :], op)`` (whose reduction runs over the slots in
    that order too), without its (..., nodes, children, K) temporaries.
    """
    comb = np.minimum if op == "max_min" else np.multiply
    out = None
    for s in range(idx.shape[1]):
        c = idx[:, s]
        v = comb(W[..., c][..., None], B[..., c, :])
        out = v if out is None else np.maximum(out, v, out=out)
    assert out is not None
    return out


def _normalised(b: np.ndarray) -> np.ndarray:
    s = b.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s > 0, b / np.where(s > 0, s, 1.0), np.nan)


def fuzzy_composition(
    weights: ArrayLike, R: ArrayLike, *, operator: str = "weighted_average",
    normalize: bool = False,
) -> np.ndarray:
    """The evaluation vector ``b = w o R`` of one level.

    Parameters
    ----------
    weights : array_like, shape (..., n)
        Weights of the ``n`` factors (items or child criteria).
    R : array_like, shape (..., n, K)
        Membership matrix: row ``j`` is factor ``j``'s membership in the ``K`` grades.
    operator : str, default "weighted_average"
        A key of :data:`FCE_OPERATORS` or its symbol (``"M(∧,∨)"``); case-insensitive.
    normalize : bool, default False
        Divide ``b`` by its sum (the usual step after ``max_min`` and ``max_product``).

    Returns
    -------
    ndarray, shape (..., K)

    Examples
    --------
    The clothing example of the Chinese fuzzy-mathematics textbooks (factors: colour, style,
    durability, price; grades: very welcome ... unwelcome), two kinds of customers with
    weights ``A1``, ``A2``, operator M(∧,∨) -- published vectors ``(0.2, 0.3, 0.4, 0.1)``
    (verdict: 不太欢迎) and ``(0.35, 0.4, 0.2, 0.1)`` (verdict: 比较欢迎):

    >>> R = [[0.2, 0.5, 0.2, 0.1], [0.7, 0.2, 0.1, 0], [0, 0.4, 0.5, 0.1],
    ...      [0.2, 0.3, 0.5, 0]]
    >>> fuzzy_composition([[0.1, 0.2, 0.3, 0.4], [0.4, 0.35, 0.15, 0.1]], R,
    ...                   operator="M(∧,∨)")
    array([[0.2 , 0.3 , 0.4 , 0.1 ],
           [0.35, 0.4 , 0.2 , 0.1 ]])
    """
    op = check_operator(operator)
    w = np.asarray(weights, dtype=float)
    M = np.asarray(R, dtype=float)
    if M.ndim < 2 or w.ndim < 1 or w.shape[-1] != M.shape[-2]:
        raise ValueError("`weights` (..., n) and `R` (..., n, K) must have the same number of "
                         f"factors n; got shapes {w.shape} and {M.shape} instead.")
    if np.any(w < 0) or np.any(M < 0):
        raise ValueError("`weights` and `R` must be non-negative; got a negative entry "
                         "instead.")
    b = _compose(w, M, op)
    return _normalised(b) if normalize else b


def fuzzy_evaluation(
    leaf_memberships: ArrayLike, local_weights: ArrayLike, parents: ArrayLike, *,
    operator: str = "weighted_average", normalize: bool = True,
) -> np.ndarray:
    """Multi-level fuzzy comprehensive evaluation of every node of a hierarchy.

    Parameters
    ----------
    leaf_memberships : array_like, shape (..., L, K)
        Membership rows of the leaves (:func:`answer_shares`), leaves in node order.
    local_weights : array_like, shape (..., N)
        Local weight of every node (the root's is ignored), nodes in pre-order.
    parents : array_like of int, shape (N,)
        Parent position of every node, ``-1`` for the root; pre-order (a parent before its
        children), as :meth:`ahpstat.Hierarchy.parent_index` gives it.
    operator : str, default "weighted_average"
        As :func:`fuzzy_composition`.
    normalize : bool, default True
        Normalise each internal node's vector to sum 1 before it enters its parent's matrix
        (no change for the weighted average, whose vectors already sum to 1).

    Returns
    -------
    ndarray, shape (..., N, K)
        The evaluation vector of every node; a leaf's is its membership row.

    Examples
    --------
    Goal A over B (items x, y) and item z:

    >>> parents = [-1, 0, 1, 1, 0]            # A, B, x, y, z
    >>> R = [[1, 0], [0, 1], [0.5, 0.5]]      # x, y, z over two grades
    >>> fuzzy_evaluation(R, [1, 0.6, 0.25, 0.75, 0.4], parents)
    array([[0.35, 0.65],
           [0.25, 0.75],
           [1.  , 0.  ],
           [0.  , 1.  ],
           [0.5 , 0.5 ]])
    """
    op = check_operator(operator)
    p = np.asarray(parents)
    N = p.shape[0]
    if p.ndim != 1 or (p == -1).sum() != 1 or np.any(p >= np.arange(N)):
        raise ValueError("`parents` must give each node's parent position (-1 for the root) "
                         f"in pre-order, every parent before its children; got {p.tolist()!r} "
                         "instead.")
    is_leaf = ~np.isin(np.arange(N), p)
    Rl = np.asarray(leaf_memberships, dtype=float)
    lw = np.asarray(local_weights, dtype=float)
    if Rl.ndim < 2 or Rl.shape[-2] != is_leaf.sum() or lw.shape[-1] != N:
        raise ValueError(f"`leaf_memberships` must be (..., {int(is_leaf.sum())}, K) and "
                         f"`local_weights` (..., {N}); got shapes {Rl.shape} and {lw.shape} "
                         "instead.")
    batch = np.broadcast_shapes(Rl.shape[:-2], lw.shape[:-1])
    K = Rl.shape[-1]
    # node N is a dummy with weight 0 and membership 0: padding the children of a node with
    # it changes nothing under any of the four operators (all entries are >= 0)
    B = np.zeros((*batch, N + 1, K))
    # the leaves copied run by run (siblings are consecutive in pre-order): slices, not a
    # fancy-indexed scatter of every leaf row
    at = np.flatnonzero(is_leaf)
    cut = np.flatnonzero(np.diff(at) != 1) + 1
    for first, last in zip(np.r_[0, cut], np.r_[cut, at.size], strict=True):
        B[..., at[first]:at[last - 1] + 1, :] = Rl[..., first:last, :]
    # the weights keep their own batch shape (broadcast by the operators): weights shared
    # by every group are not copied once per group
    W = np.zeros((*(1,) * (len(batch) - (lw.ndim - 1)), *lw.shape[:-1], N + 1))
    W[..., :N] = lw
    depth = np.zeros(N, dtype=np.intp)
    for v in range(1, N):
        depth[v] = depth[p[v]] + 1
    for d in range(int(depth.max()) - 1, -1, -1):       # deepest internal nodes first
        nodes = np.flatnonzero((depth == d) & ~is_leaf)
        if not nodes.size:
            continue
        kids = [np.flatnonzero(p == v) for v in nodes]
        idx = np.full((nodes.size, max(k.size for k in kids)), N)
        for r, k in enumerate(kids):
            idx[r, :k.size] = k
        if op in ("max_min", "max_product"):
            b = _max_compose(W, B, idx, op)
        else:
            b = _compose(W[..., idx], B[..., idx, :], op)    # (..., nodes, K)
        B[..., nodes, :] = _normalised(b) if normalize else b
    return B[..., :N, :]


def max_membership(b: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The maximum-membership verdict: the grade with the largest membership.

    Returns
    -------
    grade : ndarray of int, shape (...)
        Position of the largest entry (the lowest such grade when tied; ``-1`` when ``b``
        has ``NaN``).
    tied : ndarray of bool, shape (...)
        Whether another grade has the same membership (the verdict is then not unique).

    Examples
    --------
    >>> max_membership([[0.2, 0.3, 0.4, 0.1], [0.3, 0.3, 0.2, 0.2]])
    (array([2, 0]), array([False,  True]))
    """
    B = np.asarray(b, dtype=float)
    nan = np.isnan(B).any(axis=-1)
    grade = np.argmax(np.where(np.isnan(B), -np.inf, B), axis=-1)
    top = np.take_along_axis(B, grade[..., None], axis=-1)
    tied = (np.isclose(B, top, rtol=1e-12, atol=1e-15).sum(axis=-1) > 1) & ~nan
    return np.where(nan, -1, grade), tied


def fuzzy_score(b: ArrayLike, values: ArrayLike) -> np.ndarray:
    """The weighted score ``sum_k b_k s_k / sum_k b_k`` of evaluation vectors.

    Examples
    --------
    >>> float(fuzzy_score([0.2, 0.3, 0.4, 0.1], [4, 3, 2, 1]))
    2.6
    """
    B = np.asarray(b, dtype=float)
    s = np.asarray(values, dtype=float)
    if s.shape != (B.shape[-1],):
        raise ValueError(f"`values` must give one value per grade ({B.shape[-1]}); got shape "
                         f"{s.shape} instead.")
    tot = B.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (B * s).sum(axis=-1) / tot
    if np.any(tot == 0):
        warn("an evaluation vector is all zero; its weighted score is undefined (NaN).",
             DegenerateDataWarning)
    return np.where(tot > 0, out, np.nan)
