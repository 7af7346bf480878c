"""Hypothesis strategies for pairwise-comparison matrices, and independent reference solutions.

Matrices are built here with plain numpy, independently of :mod:`ahpstat.pairwise`, so that a
bug in the package's constructors cannot hide in the data the tests feed it. The reference
solutions (LAPACK eigenvectors, Harker's matrix, LLSM by least squares) are written from the
papers' definitions, without calling ahpstat.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st

#: Saaty's 1-9 scale and its reciprocals (Saaty 1980, Table 1.1), written out by hand.
SAATY_VALUES: tuple[float, ...] = tuple(1.0 / k for k in range(9, 1, -1)) + tuple(
    float(k) for k in range(1, 10)
)


def matrix_from_upper(values: np.ndarray, n: int) -> np.ndarray:
    """Reciprocal matrix with 1 on the diagonal from upper-triangle values given by rows."""
    A = np.ones((n, n))
    iu = np.triu_indices(n, 1)
    A[iu] = values
    A[iu[1], iu[0]] = 1.0 / np.asarray(values, dtype=float)
    return A


def orders(min_n: int = 1, max_n: int = 8) -> st.SearchStrategy[int]:
    """Matrix orders ``n``."""
    return st.integers(min_n, max_n)


@st.composite
def saaty_matrices(draw, n: int | st.SearchStrategy[int] | None = None) -> np.ndarray:
    """A reciprocal ``(n, n)`` matrix whose upper triangle is drawn from Saaty's scale."""
    if n is None:
        n = orders(1, 8)
    if not isinstance(n, int):
        n = draw(n)
    m = n * (n - 1) // 2
    values = draw(st.lists(st.sampled_from(SAATY_VALUES), min_size=m, max_size=m))
    return matrix_from_upper(np.array(values, dtype=float), n)


@st.composite
def weight_vectors(draw, n: int | st.SearchStrategy[int] | None = None) -> np.ndarray:
    """Positive weights summing to 1 (ratios up to 10^4, so matrices stay well conditioned)."""
    if n is None:
        n = orders(1, 8)
    if not isinstance(n, int):
        n = draw(n)
    logs = draw(
        st.lists(
            st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False), min_size=n, max_size=n
        )
    )
    w = 10.0 ** np.array(logs, dtype=float)
    return w / w.sum()


@st.composite
def consistent_matrices(
    draw, n: int | st.SearchStrategy[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(w, A)`` with ``A[i, j] = w[i] / w[j]`` exactly consistent."""
    w = draw(weight_vectors(n))
    return w, w[:, None] / w[None, :]


@st.composite
def spanning_tree_mask(draw, n: int) -> np.ndarray:
    """Boolean ``(n, n)`` mask of a random spanning tree (symmetric, diagonal True)."""
    order = draw(st.permutations(range(n)))
    keep = np.eye(n, dtype=bool)
    for pos in range(1, n):
        parent = order[draw(st.integers(0, pos - 1))]
        child = order[pos]
        keep[parent, child] = keep[child, parent] = True
    return keep


@st.composite
def incomplete_masks(draw, n: int) -> np.ndarray:
    """Mask of given judgments whose comparison graph is connected, with some pairs missing.

    A random spanning tree is always kept; each other pair is dropped at random, at least one
    (when ``n >= 3``; a matrix of order 1 or 2 has no pair to spare).
    """
    keep = draw(spanning_tree_mask(n))
    iu, ju = np.triu_indices(n, 1)
    extra = [p for p in range(iu.size) if not keep[iu[p], ju[p]]]
    if not extra:
        return keep
    drop = draw(st.lists(st.booleans(), min_size=len(extra), max_size=len(extra)))
    if not any(drop):
        drop[draw(st.integers(0, len(extra) - 1))] = True
    for p, d in zip(extra, drop, strict=True):
        if not d:
            keep[iu[p], ju[p]] = keep[ju[p], iu[p]] = True
    return keep


@st.composite
def incomplete_saaty_matrices(
    draw, n: int | st.SearchStrategy[int] | None = None
) -> np.ndarray:
    """A Saaty-scale reciprocal matrix with ``NaN`` for missing judgments, connected graph."""
    if n is None:
        n = orders(3, 7)
    if not isinstance(n, int):
        n = draw(n)
    A = draw(saaty_matrices(n))
    keep = draw(incomplete_masks(n))
    return np.where(keep, A, np.nan)


@st.composite
def incomplete_consistent_matrices(
    draw, n: int | st.SearchStrategy[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(w, A)``: a consistent matrix of ``w`` with some judgments missing (connected)."""
    if n is None:
        n = orders(3, 7)
    if not isinstance(n, int):
        n = draw(n)
    w, A = draw(consistent_matrices(n))
    keep = draw(incomplete_masks(n))
    return w, np.where(keep, A, np.nan)


@st.composite
def batches(
    draw,
    element: Callable[[int], st.SearchStrategy[np.ndarray]] | None = None,
    n: int | st.SearchStrategy[int] | None = None,
    max_size: int = 4,
    min_size: int = 1,
) -> np.ndarray:
    """A stack ``(k, n, n)`` of matrices of one order (``element`` builds each one).

    ``element`` is a strategy factory taking ``n`` (default :func:`saaty_matrices`).
    """
    if element is None:
        element = saaty_matrices
    if n is None:
        n = orders(1, 7)
    if not isinstance(n, int):
        n = draw(n)
    k = draw(st.integers(min_size, max_size))
    return np.stack([draw(element(n)) for _ in range(k)])


# ------------------------------------------------------------------ reference computations


def eig_reference(A: np.ndarray) -> tuple[np.ndarray, float]:
    """Principal eigenvector (sum 1) and eigenvalue by LAPACK, independent of the package."""
    vals, vecs = np.linalg.eig(A)
    k = int(np.argmax(vals.real))
    v = np.abs(vecs[:, k].real)
    return v / v.sum(), float(vals[k].real)


def harker_reference(A: np.ndarray) -> tuple[np.ndarray, float]:
    """Harker (1987): missing a_ij -> 0, a_ii = 1 + (missing in row i); principal eigenvector."""
    n = A.shape[0]
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i == j:
                H[i, i] = 1 + sum(np.isnan(A[i, k]) for k in range(n) if k != i)
            elif not np.isnan(A[i, j]):
                H[i, j] = A[i, j]
    return eig_reference(H)


def llsm_reference(A: np.ndarray) -> np.ndarray:
    """Incomplete LLSM as least squares: log a_ij = mu_i - mu_j over given i<j, sum mu = 0."""
    n = A.shape[0]
    rows, rhs = [], []
    for i in range(n):
        for j in range(i + 1, n):
            if not np.isnan(A[i, j]):
                r = np.zeros(n)
                r[i], r[j] = 1.0, -1.0
                rows.append(r)
                rhs.append(np.log(A[i, j]))
    rows.append(np.ones(n))  # fix the gauge: sum mu = 0
    rhs.append(0.0)
    mu = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
    w = np.exp(mu)
    return w / w.sum()


# ------------------------------------------------------------------ trees and judgments


@st.composite
def trees(draw, max_children: int = 4, max_depth: int = 3) -> dict[str, list[str]]:
    """A random tree as a mapping parent -> ordered children (root ``"G"``, ids unique).

    Every internal node has 1..``max_children`` children; depth at most ``max_depth``.
    """
    children: dict[str, list[str]] = {}
    counter = [0]

    def grow(v: str, depth: int) -> None:
        if depth >= max_depth or (depth > 0 and draw(st.booleans())):
            return
        k = draw(st.integers(1 if depth else 2, max_children))
        kids = []
        for _ in range(k):
            counter[0] += 1
            kids.append(f"n{counter[0]}")
        children[v] = kids
        for c in kids:
            grow(c, depth + 1)

    grow("G", 0)
    return children


@st.composite
def local_weight_maps(draw, children: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """Positive local weights summing to 1 for every parent of ``children``."""
    return {v: draw(weight_vectors(len(kids))) for v, kids in children.items()}


@st.composite
def panel_judgments(draw, children: dict[str, list[str]], max_experts: int = 4
                    ) -> list[tuple[str, str, str, str, float]]:
    """Complete judgments on Saaty's scale of 1..``max_experts`` experts at every node with
    two or more children: ``(expert, node, row, col, value)``, upper triangle only."""
    K = draw(st.integers(1, max_experts))
    rows = []
    for k in range(K):
        for v, kids in children.items():
            for i in range(len(kids)):
                for j in range(i + 1, len(kids)):
                    rows.append((f"E{k + 1}", v, kids[i], kids[j],
                                 draw(st.sampled_from(SAATY_VALUES))))
    return rows
