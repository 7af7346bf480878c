"""Group aggregation of several experts' pairwise judgments (Forman & Peniwati 1998).

Numpy core: a stack of matrices has the experts on axis ``-3``: shape ``(..., K, n, n)``.

``aij`` (aggregation of individual judgments)
    Element-wise weighted geometric mean of the experts' matrices; the only mean that keeps
    reciprocity (Aczél & Saaty 1983). Missing judgments (``NaN``) are skipped, the expert
    weights renormalized over the experts who gave that judgment.
``aip`` (aggregation of individual priorities)
    Weight each expert's matrix, then combine the weight vectors by the weighted geometric
    mean (renormalized) or the weighted arithmetic mean.

Identity (tested): the row geometric mean of the geometric AIJ matrix equals the normalized
geometric AIP of the experts' row-geometric-mean vectors (complete matrices).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._validation import check_method
from ahpstat.pairwise import is_connected, validate_matrix
from ahpstat.weighting import WEIGHTING_METHODS, weights

__all__ = [
    "AGGREGATIONS",
    "AIP_MEANS",
    "aggregate",
    "aij_from_terms",
    "aij_terms",
    "normalize_expert_weights",
]

#: aggregation rules: of individual judgments (AIJ) or of individual priorities (AIP)
AGGREGATIONS = ("aij", "aip")
#: means of the experts' weights under AIP
AIP_MEANS = ("geometric", "arithmetic")


def normalize_expert_weights(expert_weights: ArrayLike | None, n_experts: int) -> np.ndarray:
    """Validate expert weights (positive, finite, one per expert) and scale them to sum 1.

    Examples
    --------
    >>> normalize_expert_weights([1, 3], 2)
    array([0.25, 0.75])
    >>> normalize_expert_weights(None, 4)
    array([0.25, 0.25, 0.25, 0.25])
    """
    if expert_weights is None:
        return np.full(n_experts, 1.0 / n_experts)
    ew = np.asarray(expert_weights, dtype=float)
    if ew.shape != (n_experts,):
        raise ValueError(
            f"`expert_weights` must have one weight per expert ({n_experts}); "
            f"got shape {ew.shape} instead."
        )
    if not (np.all(np.isfinite(ew)) and np.all(ew > 0)):
        raise ValueError(
            f"`expert_weights` must be positive and finite; got {ew.tolist()} instead."
        )
    return ew / ew.sum()


def aggregate(
    stack: ArrayLike,
    *,
    method: str = "aij",
    expert_weights: ArrayLike | None = None,
    mean: str = "geometric",
    weighting: str = "eigenvector",
) -> np.ndarray:
    """Combine the judgments of a panel of experts.

    Parameters
    ----------
    stack : array_like, shape (..., K, n, n)
        One reciprocal matrix per expert (axis ``-3``); ``NaN`` = missing judgment.
    method : {"aij", "aip"}, default "aij"
        Aggregate judgments (returns a matrix) or priorities (returns weights).
    expert_weights : array_like, shape (K,), optional
        Positive weights of the experts (equal when omitted); normalized to sum 1.
    mean : {"geometric", "arithmetic"}, default "geometric"
        For ``"aip"``: how to combine the weight vectors (``"aij"`` is always geometric).
    weighting : str, default "eigenvector"
        For ``"aip"``: the weighting method applied to each expert's matrix (``"harker"`` or
        ``"llsm"`` for incomplete matrices).

    Returns
    -------
    ndarray
        ``"aij"``: the aggregate matrix (..., n, n) (``NaN`` where no expert judged a pair;
        the pooled comparison graph must be connected, a single expert's need not be).
        ``"aip"``: weights (..., n) summing to 1.

    References
    ----------
    Forman, E. & Peniwati, K. (1998). Aggregating individual judgments and priorities with
    the analytic hierarchy process. EJOR 108, 165-169.

    Examples
    --------
    >>> import numpy as np, ahpstat as ah
    >>> stack = np.array([[[1, 4], [1/4, 1]], [[1, 1], [1, 1]]])
    >>> ah.aggregate(stack, method="aij")
    array([[1. , 2. ],
           [0.5, 1. ]])
    >>> ah.aggregate(stack, method="aip", mean="arithmetic").round(3)
    array([0.65, 0.35])
    """
    method = check_method("method", method, AGGREGATIONS)  # case-insensitive, as every method
    mean = check_method("mean", mean, AIP_MEANS)
    weighting = check_method("weighting", weighting, WEIGHTING_METHODS)
    # AIP weights each expert's matrix: missing judgments only with an incomplete-capable method
    incomplete_ok = method == "aij" or weighting in ("harker", "llsm")
    # AIJ pools the judgments: one expert's graph may be disconnected if the pooled one is not
    S = validate_matrix(
        stack, allow_missing=incomplete_ok, name="stack", connected=method == "aip",
        hint="use weighting='harker' or 'llsm', or ahpstat.complete() each matrix first",
    )
    if S.ndim < 3:
        raise ValueError(
            f"`stack` must have shape (..., experts, n, n); got shape {S.shape} instead."
        )
    K = S.shape[-3]
    ew = normalize_expert_weights(expert_weights, K)
    if method == "aij":
        num, den = aij_terms(S, ew)
        G = aij_from_terms(num.sum(axis=-3), den.sum(axis=-3))
        if np.isnan(G).any():
            conn = is_connected(~np.isnan(G))
            if not np.all(conn):
                # re-validate to get the message naming the components
                validate_matrix(G, allow_missing=True, name="aggregate")
        return G
    W = weights(S, method=weighting, validate=False).weights  # (..., K, n)
    if mean == "arithmetic":
        out = np.einsum("k,...kn->...n", ew, W)
    else:
        out = np.exp(np.einsum("k,...kn->...n", ew, np.log(W)))
    return out / out.sum(axis=-1, keepdims=True)



def aij_terms(stack: np.ndarray, expert_weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each expert's share of the weighted geometric mean (AIJ): weighted log-judgments and
    the weights of the judgments given.

    The AIJ matrix of any multiset of experts is :func:`aij_from_terms` of the sums of these
    terms over the experts (counted as often as they occur), so a resample of experts is a
    matrix product of its count vector with them.

    Parameters
    ----------
    stack : ndarray, shape (..., K, n, n)
        Validated positive matrices; ``NaN`` = missing judgment.
    expert_weights : ndarray, shape (K,)
        Non-negative expert weights (0 = the expert does not count).

    Returns
    -------
    num, den : ndarray, shape (..., K, n, n)
        ``w_k log a_kij`` and ``w_k`` where expert ``k`` gave ``a_kij``; 0 where missing.

    Examples
    --------
    >>> num, den = aij_terms(np.array([[[1, 4], [1/4, 1]], [[1, 1], [1, 1]]]),
    ...                      np.array([0.5, 0.5]))
    >>> aij_from_terms(num.sum(axis=0), den.sum(axis=0))
    array([[1. , 2. ],
           [0.5, 1. ]])
    """
    L = np.log(stack)
    given = ~np.isnan(L)
    wk = np.where(given, np.asarray(expert_weights, dtype=float)[:, None, None], 0.0)
    return np.where(given, L, 0.0) * wk, wk


def aij_from_terms(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """The AIJ matrix ``exp(num / den)`` from summed :func:`aij_terms` (shape (..., n, n)).

    ``NaN`` where no counted expert gave the judgment (``den == 0``); the diagonal is 1.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        G = np.exp(num / den)
    G = np.where(den > 0, G, np.nan)
    n = G.shape[-1]
    G[..., np.arange(n), np.arange(n)] = 1.0
    return G
