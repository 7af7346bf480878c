"""Consistency indices of pairwise-comparison matrices (numpy core, batched).

Indices
-------
``ci``
    Saaty's consistency index ``CI = (lambda_max - n) / (n - 1)``.
``cr``
    Consistency ratio ``CR = CI / RI(n)`` with a named random-index table
    (:mod:`ahpstat.scales`); acceptable when ``CR <= 0.10`` by default (Saaty 1980).
``gci``
    Geometric consistency index (Aguarón & Moreno-Jiménez 2003):
    ``GCI = 2 / ((n - 1)(n - 2)) * sum_{i<j} log^2(a_ij w_j / w_i)`` with row-geometric-mean
    weights; thresholds 0.31 (n = 3), 0.35 (n = 4), 0.37 (n > 4).
``koczkodaj``
    Koczkodaj's (1993) index, the worst triad:
    ``max_{i,j,k} min(|1 - a_ik / (a_ij a_jk)|, |1 - a_ij a_jk / a_ik|)``. A diagnostic with
    no default threshold: Koczkodaj's own 1/3 does not depend on ``n`` while the worst of
    ``n (n - 1) (n - 2) / 6`` triads grows with it (1/3 accepts 9 % of random 3 x 3 matrices,
    0.07 % of 4 x 4 and none of 200,000 of order 5 or more, where CR <= 0.10 accepts 22 %,
    3.2 % and 0.25 % (n = 5); at n = 3 it is the same rule as CR <= 0.016, by Bozóki &
    Rapcsák's 2008 correspondence), and the literature gives no n-dependent replacement. Pass
    ``threshold=`` (for example :data:`KOCZKODAJ_1993_THRESHOLD`) to flag matrices; without
    one nothing is flagged (``threshold`` NaN, ``acceptable`` all true).

Incomplete matrices (``NaN`` = missing): ``ci`` and ``cr`` are those of the optimal
(lambda_max-minimizing) completion (Bozóki, Fülöp & Rónyai 2010), i.e. the least
inconsistency the given judgments allow, measured against the random index of incomplete
matrices RI(n, m) of Ágoston & Csató (2022), ``m`` the number of missing pairs
(:func:`ahpstat.scales.incomplete_random_index`, reported as ``"agoston_csato"``): the
complete-matrix RI(n) would be 1.5-3 times too lenient. ``gci`` sums the squared log
errors over the given judgments with incomplete-LLSM weights and divides by the residual
degrees of freedom, the number of given pairs minus ``n - 1`` (for a complete matrix that is
``(n - 1)(n - 2) / 2``, the formula above); its thresholds are the complete-matrix ones
(Aguarón & Moreno-Jiménez give none for incomplete matrices: a caveat, see the methods page).
``koczkodaj`` uses the triads whose three judgments are all given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._priorities import (
    WEIGHTING_METHODS,
    compiled_pass,
    llsm_weights,
    method_weights,
    numpy_path,
    weights_of_valid,
)
from ahpstat._results import ConsistencyResult
from ahpstat._validation import check_method
from ahpstat.pairwise import as_matrix_batch, upper_pairs, validate_matrix
from ahpstat.scales import (
    INCOMPLETE_RANDOM_INDEX_NAME,
    INCOMPLETE_RANDOM_INDEX_SOURCE,
    RandomIndexTable,
    get_random_index_table,
    incomplete_random_index,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONSISTENCY_INDICES",
    "GCI_THRESHOLDS",
    "KOCZKODAJ_1993_THRESHOLD",
    "consistency",
    "worst_judgments",
]

CONSISTENCY_INDICES = ("ci", "cr", "gci", "koczkodaj")

#: Random index of incomplete matrices: Ágoston & Csató's RI(n, m), or the complete table's.
RANDOM_INDEX_INCOMPLETE = ("agoston_csato", "table")

#: Aguarón & Moreno-Jiménez (2003), Table 2: GCI thresholds equivalent to CR = 0.10.
GCI_THRESHOLDS = {3: 0.31, 4: 0.35}
_GCI_THRESHOLD_LARGE = 0.37

#: Koczkodaj's (1993) suggested threshold for his index, the same for every order ``n``: not
#: a default (module notes), an explicit choice, ``consistency(A, index="koczkodaj",
#: threshold=KOCZKODAJ_1993_THRESHOLD)``.
KOCZKODAJ_1993_THRESHOLD = 1.0 / 3.0

_SOURCES = {
    "ci": "Saaty, T. L. (1977). J. Math. Psychology 15, 234-281.",
    "cr": "Saaty, T. L. (1980). The Analytic Hierarchy Process. McGraw-Hill.",
    "gci": (
        "Aguarón, J. & Moreno-Jiménez, J. M. (2003). The geometric consistency index: "
        "approximated thresholds. EJOR 147, 137-145."
    ),
    "koczkodaj": (
        "Koczkodaj, W. W. (1993). A new definition of consistency of pairwise comparisons. "
        "Math. Comput. Modelling 18(7), 79-84."
    ),
}


def gci_threshold(n: int) -> float:
    """GCI acceptability threshold for order ``n`` (0.31, 0.35, 0.37; NaN for n < 3).

    Examples
    --------
    >>> gci_threshold(3), gci_threshold(4), gci_threshold(9)
    (0.31, 0.35, 0.37)
    """
    if n < 3:
        return float("nan")
    return GCI_THRESHOLDS.get(n, _GCI_THRESHOLD_LARGE)


def consistency(
    A: ArrayLike,
    *,
    index: str = "cr",
    random_index: str | Mapping[int, float] | RandomIndexTable = "saaty",
    threshold: float | None = None,
    validate: bool = True,
    random_index_incomplete: str = "agoston_csato",
) -> ConsistencyResult:
    """Consistency index of one or many pairwise-comparison matrices.

    Parameters
    ----------
    A : array_like, shape (..., n, n)
        Positive reciprocal matrices; ``NaN`` marks a missing judgment.
    index : {"cr", "ci", "gci", "koczkodaj"}, default "cr"
        Which index (see the module notes for formulas and references); case-insensitive.
    random_index : str or mapping, default "saaty"
        Random-index table for ``"cr"`` and ``"ci"`` of complete matrices: ``"saaty"``,
        ``"saaty_2005"``, ``"alonso_lamata"``, ``"donegan_dodd"`` or a mapping ``n -> RI``.
        Matrices with missing judgments always use RI(n, m) of incomplete matrices
        (``"agoston_csato"``, module notes). Always reported in the result.
    threshold : float, optional
        Acceptability threshold; defaults: CR 0.10, CI 0.10 x RI (of each matrix),
        GCI by ``n``
        (0.31 / 0.35 / 0.37); Koczkodaj none (a diagnostic: nothing flagged unless a
        threshold is given, module notes).
    validate : bool, default True
        ``False`` skips :func:`ahpstat.pairwise.validate_matrix` for matrices the caller has
        validated already. To get weights and the index from one validation, use
        ``ahpstat.weights(A, consistency=index)``.
    random_index_incomplete : {"agoston_csato", "table"}, default "agoston_csato"
        Random index of matrices with missing judgments: RI(n, m) of incomplete matrices
        (module notes), or ``"table"``: ``random_index``'s RI(n) of complete matrices, as
        AHPy and earlier ahpstat versions do (too lenient; to reproduce their numbers).

    Returns
    -------
    ConsistencyResult
        ``value``, ``threshold``, ``acceptable`` (value <= threshold), ``index``,
        ``random_index`` (table name), ``random_index_value``, ``lambda_max``, ``n``,
        ``completion``, ``source``. Matrices of order 1 and 2 are consistent (0).

    Raises
    ------
    InputError
        Invalid matrices (the message names the matrix and the pair).
    ValueError
        An unknown index or random-index table.

    Examples
    --------
    Saaty's drinks matrix (Saaty 1977), lambda_max = 7.177:

    >>> import ahpstat as ah
    >>> u = [9, 5, 2, 1, 1, 1/2, 1/3, 1/9, 1/9, 1/9, 1/9, 1/3, 1/4, 1/3, 1/9,
    ...      1/2, 1, 1/3, 2, 1/2, 1/3]
    >>> A = ah.pairwise.from_upper_triangle(u)
    >>> c = ah.consistency(A, index="cr", random_index="saaty")
    >>> round(float(c.value), 4), c.threshold, bool(c.acceptable), c.random_index_value
    (0.0223, 0.1, True, 1.32)
    >>> round(float(ah.consistency(A, index="gci").value), 4)
    0.0804

    An incomplete matrix is measured against the random index of incomplete matrices
    (Bozóki, Fülöp & Rónyai 2010, Section 5, pair c-d missing):

    >>> import numpy as np
    >>> B = [[1, 1, 5, 2], [1, 1, 3, 4], [1/5, 1/3, 1, np.nan], [1/2, 1/4, np.nan, 1]]
    >>> c = ah.consistency(B)
    >>> c.random_index, c.completion, bool(c.acceptable)
    ('agoston_csato', 'optimal', True)
    """
    index = check_method("index", index, CONSISTENCY_INDICES)
    inc = check_method("random_index_incomplete", random_index_incomplete,
                       RANDOM_INDEX_INCOMPLETE)
    if index in ("ci", "cr"):
        get_random_index_table(random_index)  # an unknown table fails before the matrices
    arr = as_matrix_batch(A)
    n = arr.shape[-1]
    if index in ("ci", "cr", "gci") and n > 2 and not numpy_path(arr):
        fused = compiled_pass(arr, eigenvector=index != "gci", gci=index == "gci")
        if fused is not None:
            _, _, lam, gci, _ = fused
            batch = arr.shape[:-2]
            return consistency_of_valid(
                arr, index=index, random_index=random_index, threshold=threshold,
                lambda_max=lam.reshape(batch) if index != "gci" else None,
                gci=gci.reshape(batch) if index == "gci" else None, complete=True)
    M = validate_matrix(arr, allow_missing=True) if validate else arr
    return consistency_of_valid(M, index=index, random_index=random_index,
                                 threshold=threshold, incomplete_table=inc == "table")


def consistency_of_valid(
    M: np.ndarray,
    *,
    index: str,
    random_index: str | Mapping[int, float] | RandomIndexTable,
    threshold: float | None,
    lambda_max: np.ndarray | None = None,
    gci: np.ndarray | None = None,
    complete: bool | None = None,
    incomplete_table: bool = False,
) -> ConsistencyResult:
    """:func:`consistency` of validated matrices; ``lambda_max`` (of complete matrices) or
    ``gci``, when given, were computed already (by the fused kernel or the weights);
    ``incomplete_table``: incomplete matrices use ``random_index``'s RI(n) too.
    """
    n = M.shape[-1]
    incomplete = not complete and bool(np.isnan(M).any())
    completion = None
    if index in ("ci", "cr"):
        table = get_random_index_table(random_index)
        name, source = table.name, table.source
        ri: float | np.ndarray  # one RI(n), or RI(n, m) per matrix of an incomplete batch
        if incomplete:
            missing = np.triu(np.isnan(M), 1).sum(axis=(-1, -2))
            M = _complete_optimal(M)
            completion = "optimal"
            lambda_max = None
            if incomplete_table:
                ri = table(n)
            else:
                ri, name, source = _random_indices(n, missing, table)
        else:
            ri = table(n)
        if lambda_max is None and M.ndim == 2:  # one matrix: no WeightsResult around it
            lambda_max = np.asarray(method_weights(M, method="eigenvector")[1])
        elif lambda_max is None:
            lambda_max = weights_of_valid(M, method="eigenvector")[1]
        lam = lambda_max
        if (M.ndim == 2 and isinstance(ri, float)
                and (threshold is None or isinstance(threshold, (float, int)))):
            return _scalar_ci_cr(lam, n, ri, index, threshold, name, source, completion)
        if n > 2:
            ci = (lam - n) / (n - 1)
            # lambda_max >= n: below n (1 + 8 eps) is the eigenvalue's round-off, 0
            ci = np.where(lam <= n * _ROUND_OFF, 0.0, ci)
        else:
            ci = np.zeros(M.shape[:-2])
        if index == "cr" and isinstance(ri, float) and ri > 0 and threshold is None:
            # the common batch (one positive RI, the default threshold) in three numpy calls
            # instead of eight: the same division and comparison, so the same bits
            value = ci / ri
            return ConsistencyResult(
                value, 0.1, value <= 0.1 + 1e-12, index, n, name, ri, lam, completion,
                _SOURCES[index] + " Random index: " + source)
        if index == "ci":
            value = ci
            # CI <= 0.1 RI is the same rule as CR <= 0.1
            thr = 0.1 * np.asarray(ri) if threshold is None else threshold
        else:
            # RI = 0 (n <= 2, or a spanning tree: always completed consistently, CI = 0)
            value = np.divide(ci, ri, out=np.zeros(np.shape(ci)), where=np.asarray(ri) > 0)
            thr = 0.1 if threshold is None else threshold
        thr = float(thr) if np.ndim(thr) == 0 else thr
        return ConsistencyResult(
            value=value,
            threshold=thr,
            acceptable=value <= np.asarray(thr) + 1e-12,
            index=index,
            n=n,
            random_index=name,
            random_index_value=ri,
            lambda_max=lam,
            completion=completion,
            source=_SOURCES[index] + " Random index: " + source,
        )
    if index == "gci":
        value = _gci(M) if gci is None else gci
        thr = gci_threshold(n) if threshold is None else threshold
        completion = "given pairs only" if incomplete else None
    else:
        value = _koczkodaj(M)
        thr = np.nan if threshold is None else threshold  # a diagnostic (module notes)
        completion = "complete triads only" if incomplete else None
    if n > 2 and not np.isnan(thr):
        acceptable = value <= thr + 1e-12
    else:  # nothing to flag: consistent by definition, or no threshold
        acceptable = np.ones(np.shape(value), dtype=bool)
    return ConsistencyResult(
        value=value,
        threshold=float(thr),
        acceptable=acceptable,
        index=index,
        n=n,
        completion=completion,
        source=_SOURCES[index],
    )


_ROUND_OFF = 1 + 8 * np.finfo(float).eps


def _scalar_ci_cr(lam: np.ndarray, n: int, ri: float, index: str, threshold: float | None,
                  name: str, source: str, completion: str | None) -> ConsistencyResult:
    """The ``ci``/``cr`` branch of :func:`consistency_of_valid` for one matrix, in Python
    floats (the same operations on the same doubles, so the same bits; a third of the time of
    one 7 x 7 ``weights(A, consistency="cr")`` went to numpy's per-call overhead here).
    """
    lv = float(lam)
    ci = 0.0 if n <= 2 or lv <= n * _ROUND_OFF else (lv - n) / (n - 1)
    if index == "ci":
        value, thr = ci, 0.1 * ri if threshold is None else float(threshold)
    else:
        value = ci / ri if ri > 0 else 0.0
        thr = 0.1 if threshold is None else float(threshold)
    # positional: a third faster than keywords for this ten-field frozen dataclass
    return ConsistencyResult(
        np.array(value), thr, np.bool_(value <= thr + 1e-12), index, n, name, ri, lam,
        completion, _SOURCES[index] + " Random index: " + source)


def _random_indices(
    n: int, missing: np.ndarray, table: RandomIndexTable
) -> tuple[float | np.ndarray, str, str]:
    """RI of each matrix of a batch with ``missing`` pairs missing: RI(n, m) of incomplete
    matrices (Ágoston & Csató 2022), ``table``'s RI(n) for complete ones; one float when they
    all share it. Returns ``(ri, name, source)``.
    """
    m = np.asarray(missing)
    some_complete = bool((m == 0).any())
    full = table(n) if some_complete else np.nan
    ri = np.array([full if k == 0 else incomplete_random_index(n, k) for k in m.ravel()])
    ri = ri.reshape(m.shape)
    inc_source = INCOMPLETE_RANDOM_INDEX_SOURCE
    if not some_complete:
        name, source = INCOMPLETE_RANDOM_INDEX_NAME, inc_source
    else:
        name = f"{table.name} (complete), {INCOMPLETE_RANDOM_INDEX_NAME} (incomplete)"
        source = f"{table.source} Incomplete matrices: {inc_source}"
    uniq = np.unique(ri)
    return (float(uniq[0]) if uniq.size == 1 else ri), name, source


def _complete_optimal(M: np.ndarray) -> np.ndarray:
    from ahpstat.completion import complete

    return complete(M, method="optimal", validate=False)


def _gci(M: np.ndarray) -> np.ndarray:
    n = M.shape[-1]
    if n <= 2:
        return np.zeros(M.shape[:-2])
    L = np.log(M)
    if np.isnan(M).any():
        w = llsm_weights(M)
        lw = np.log(w)
        E = L + lw[..., None, :] - lw[..., :, None]
        given = ((~np.isnan(E)).sum(axis=(-1, -2)) - n) / 2  # pairs given (not the diagonal)
        sse = np.nansum(E * E, axis=(-1, -2)) / 2
        dof = given - (n - 1)  # a spanning tree (dof 0) is always consistent
        return np.where(dof > 0, sse / np.maximum(dof, 1), 0.0)
    # With row means mu and column sums c of L, expanding the square gives
    # sum_ij (L_ij - mu_i + mu_j)^2 = sum_ij L_ij^2 - 2 (sum_i mu_i)^2 + 2 mu . c
    # (= sum L^2 - 2 n |mu|^2 for skew-symmetric L): no (..., n, n) error array, and einsum
    # because numpy's reductions over a short last axis are slow. Clip round-off below 0.
    mu = np.einsum("...ij->...i", L) * (1.0 / n)
    c = np.einsum("...ij->...j", L)
    smu = np.einsum("...i->...", mu)
    sse = (np.einsum("...ij,...ij->...", L, L) - 2.0 * smu * smu
           + 2.0 * np.einsum("...i,...i->...", mu, c))
    return np.maximum(sse, 0.0) / ((n - 1) * (n - 2))


def _koczkodaj(M: np.ndarray) -> np.ndarray:
    n = M.shape[-1]
    if n <= 2:
        return np.zeros(M.shape[:-2])
    L = np.log(M)
    # t_ijk = log a_ij + log a_jk - log a_ik for all i, j, k
    T = L[..., :, :, None] + L[..., None, :, :] - L[..., :, None, :]
    worst = np.nanmax(np.abs(T).reshape(*M.shape[:-2], -1), axis=-1)
    return 1.0 - np.exp(-worst)


def worst_judgments(
    A: ArrayLike, *, k: int | None = None, method: str = "geometric_mean"
) -> pd.DataFrame:
    """Rank the judgments most responsible for a matrix's inconsistency.

    The error of judgment ``(i, j)`` is ``e_ij = log(a_ij w_j / w_i)``: how far ``a_ij`` is
    from the ratio its own matrix's weights imply (0 for a consistent matrix). Judgments are
    ranked by ``|e_ij|``, largest first; ``consistent_value = w_i / w_j`` is what would make
    that judgment agree.

    Parameters
    ----------
    A : array_like, shape (..., n, n)
        Matrices (``NaN`` = missing; missing pairs are not ranked).
    k : int, optional
        Keep the ``k`` worst per matrix (all when omitted).
    method : {"geometric_mean", "eigenvector", "column_mean", "harker", "llsm"}
        Weighting method for ``w``, case-insensitive (``"llsm"`` is used automatically for
        incomplete input unless ``"harker"`` is asked for).

    Returns
    -------
    DataFrame
        ``matrix, rank, row, col, value, consistent_value, log_error`` (row < col).

    Examples
    --------
    ``a_03 = 1/4`` where the other judgments imply about 4:

    >>> A = [[1, 2, 4, 1/4], [1/2, 1, 2, 2], [1/4, 1/2, 1, 1], [4, 1/2, 1, 1]]
    >>> worst_judgments(A, k=1)[["row", "col", "value"]]
       row  col  value
    0    0    3   0.25
    """
    method = check_method("method", method, WEIGHTING_METHODS)
    if k is not None and (isinstance(k, bool) or int(k) != k or k < 1):
        raise ValueError(f"`k` must be a positive integer or None; got {k!r} instead.")
    M = validate_matrix(A, allow_missing=True)
    n = M.shape[-1]
    if np.isnan(M).any() and method not in ("harker", "llsm"):
        method = "llsm"
    w = weights_of_valid(M, method=method)[0]
    lw = np.log(w)
    E = np.log(M) + lw[..., None, :] - lw[..., :, None]
    iu = upper_pairs(n)
    flatM = M.reshape(-1, n, n)
    flatE = E.reshape(-1, n, n)
    flatW = w.reshape(-1, n)
    rows = []
    for b in range(flatM.shape[0]):
        e = flatE[b][iu]
        keep = ~np.isnan(e)
        order = np.argsort(-np.abs(np.where(keep, e, 0.0)), kind="stable")
        order = order[keep[order]]
        if k is not None:
            order = order[:k]
        for r, p in enumerate(order, start=1):
            i, j = int(iu[0][p]), int(iu[1][p])
            rows.append((b, r, i, j, flatM[b, i, j], flatW[b, i] / flatW[b, j], e[p]))
    import pandas as pd

    return pd.DataFrame(
        rows, columns=["matrix", "rank", "row", "col", "value", "consistent_value", "log_error"]
    )
