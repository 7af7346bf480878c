"""Pairwise-comparison matrices: validation, construction and the comparison graph.

Numpy core: works on batched float arrays of shape ``(..., n, n)``; ``NaN`` off the diagonal
marks a missing judgment. Knows nothing of labels or files.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._validation import InputError, check_scale
from ahpstat.scales import SAATY_SCALE, saaty_points

__all__ = [
    "as_matrix_batch",
    "comparison_graph_components",
    "consistent_matrix",
    "from_upper_triangle",
    "is_connected",
    "log_errors",
    "validate_matrix",
]

#: default relative tolerance for reciprocity a_ij * a_ji == 1
RECIPROCAL_RTOL = 1e-2


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _where(batch_index: tuple[int, ...]) -> str:
    return f" in matrix {batch_index}" if batch_index else ""


def _first_pair(mask: np.ndarray) -> tuple[tuple[int, ...], int, int]:
    """``(batch index, i, j)`` of the first true entry of ``mask`` (..., n, n)."""
    pos = np.argwhere(mask)[0]
    return tuple(int(x) for x in pos[:-2]), int(pos[-2]), int(pos[-1])


def as_matrix_batch(A: ArrayLike, *, name: str = "A") -> np.ndarray:
    """Return ``A`` as a float array of shape ``(..., n, n)``, checking only the shape.

    Examples
    --------
    >>> as_matrix_batch([[1, 2], [0.5, 1]]).shape
    (2, 2)
    """
    try:
        arr = np.asarray(A, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`{name}` must be a numeric array of shape (..., n, n); {exc}") from None
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
        raise ValueError(
            f"`{name}` must be square with shape (..., n, n); got shape {arr.shape} instead."
        )
    if arr.shape[-1] == 0:
        raise ValueError(f"`{name}` must have at least one element; got shape {arr.shape} instead.")
    return arr


@functools.lru_cache(maxsize=64)
def upper_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``numpy.triu_indices(n, 1)``, made once per ``n`` and read-only: the row-major order
    of a matrix's pairs ``i < j``, which simulation loops ask for per node and replicate.

    Examples
    --------
    >>> upper_pairs(3)
    (array([0, 0, 1]), array([1, 2, 2]))
    """
    iu, ju = np.triu_indices(n, 1)
    iu.flags.writeable = False
    ju.flags.writeable = False
    return iu, ju


def _snap_pairs(arr: np.ndarray, name: str) -> np.ndarray:
    """Check every judged pair against Saaty's scale and replace it by its scale points.

    A pair is on the scale when either of its entries is (the written judgment may be the
    reciprocal: ``0.14`` is on the scale as 1/7 although its mirror 7.14 is 2 % off 7); both
    entries then become exact scale points, ``p`` and ``1/p``.
    """
    n = arr.shape[-1]
    iu, ju = upper_pairs(n)
    up, lo = arr[..., iu, ju], arr[..., ju, iu]
    given = ~np.isnan(up)
    k_up, on_up = saaty_points(np.where(given, up, 1.0))
    k_lo, on_lo = saaty_points(np.where(given, lo, 1.0))
    off = given & ~on_up & ~on_lo
    if off.any():
        pos = np.argwhere(off)[0]
        b, p = tuple(int(x) for x in pos[:-1]), int(pos[-1])
        i, j = int(iu[p]), int(ju[p])
        raise InputError(
            f"`{name}` has a value off Saaty's 1-9 scale{_where(b)}: a[{i}, {j}] = "
            f"{_fmt(arr[(*b, i, j)])}. Expected one of 1..9 or 1/2..1/9."
        )
    k = np.where(on_up, k_up, SAATY_SCALE.size - 1 - k_lo)  # the scale is its own mirror
    out = arr.copy()
    out[..., iu, ju] = np.where(given, SAATY_SCALE[k], np.nan)
    out[..., ju, iu] = np.where(given, SAATY_SCALE[SAATY_SCALE.size - 1 - k], np.nan)
    return out


def _is_clean(arr: np.ndarray) -> bool:
    """Whether ``arr`` needs nothing from :func:`validate_matrix`: no missing entry, every
    entry positive and finite, and ``sum (log a_ij + log a_ji)^2 <= 1e-24`` over all pairs (so
    every pair is reciprocal, and the diagonal 1, to 1e-12). Four numpy operations and no
    warning, whatever ``arr`` holds.
    """
    if arr.ndim == 2:  # one matrix: argmin and a contiguous transpose, not a reduction
        flat = arr.reshape(-1)  # and a strided add (a third of the check's time at 7 x 7)
        if not flat[flat.argmin()] > 0:  # NaN (argmin finds the first), zero or negative
            return False
        L = np.log(arr)  # inf stays inf and fails below; no zero, so no -inf
        S = L + L.T.copy()
    else:
        if not arr.min() > 0:
            return False
        L = np.log(arr)
        S = L + np.swapaxes(L, -1, -2)
    return bool(np.vdot(S, S) <= 1e-24)


def validate_matrix(
    A: ArrayLike,
    *,
    allow_missing: bool = False,
    scale: str | None = None,
    rtol: float = RECIPROCAL_RTOL,
    name: str = "A",
    connected: bool = True,
    hint: str = "use method='harker' or 'llsm', or ahpstat.complete() first",
) -> np.ndarray:
    """Validate pairwise-comparison matrices and return them as a float array.

    Checks, in order: square shape; diagonal equal to 1; no missing entries unless
    ``allow_missing`` (then a missing entry's mirror must be missing too, and the comparison
    graph must be connected); finite and positive entries; reciprocity
    ``a_ij * a_ji = 1`` within ``rtol`` (the worst pair is named); with ``scale="saaty"``,
    every entry on Saaty's 1-9 scale or its reciprocals (:mod:`ahpstat.scales` defines what
    counts as on the scale), each then replaced by its scale point.

    The common case -- complete matrices, positive, and reciprocal to 1e-12 -- is recognised
    in four numpy operations and returned as it is (no copy).

    Parameters
    ----------
    A : array_like, shape (..., n, n)
        Matrices; ``NaN`` off the diagonal marks a missing judgment.
    allow_missing : bool, default False
        Accept ``NaN`` judgments (incomplete matrices).
    scale : {None, "saaty"}, default None
        ``None`` accepts any positive reciprocal value (published examples use 1/1.13);
        ``"saaty"`` requires the 1-9 scale and snaps to it (``0.14`` becomes 1/7).
    rtol : float, default 0.01
        Relative tolerance for reciprocity (``0.333`` is accepted as 1/3).
    name : str
        Parameter name used in messages.
    connected : bool, default True
        With ``allow_missing``, require every matrix's comparison graph to be connected
        (``False`` when the matrices are only pieces of a pooled graph, as in AIJ).
    hint : str
        What the message for a missing judgment advises when ``allow_missing`` is False.

    Returns
    -------
    ndarray, shape (..., n, n)
        The matrices; in a matrix whose worst pair is off by more than 1e-12 (rounded input
        such as 0.333) each lower entry is set exactly to ``1 / a_ij`` (the upper triangle
        wins), so that downstream methods see exactly reciprocal input.

    Raises
    ------
    InputError
        A problem with the matrices' values, naming the matrix (batch index), the pair
        ``(i, j)`` and the values found.
    ValueError
        A misused argument (an array that is not a stack of square matrices, an unknown
        ``scale``).

    Examples
    --------
    >>> validate_matrix([[1, 3], [1/3, 1]])
    array([[1.        , 3.        ],
           [0.33333333, 1.        ]])
    >>> validate_matrix([[1, 3], [3, 1]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: `A` is not reciprocal: a[0, 1] * a[1, 0] = 9 (...). Expected 1.
    """
    arr = as_matrix_batch(A, name=name)
    if scale is not None and scale != "saaty":  # the hot path skips the canonical spellings
        scale = check_scale(scale)
    if scale is None and _is_clean(arr):
        return arr
    # the rest runs only for input that is not clean: each check a named step
    _check_diagonal(arr, name)
    missing = np.isnan(arr)
    anymissing = bool(missing.any())
    if anymissing:
        _check_missing(arr, missing, name, allow_missing, hint)
    _check_positive(arr, missing, anymissing, name)
    if arr.shape[-1] > 1:
        arr = _check_reciprocal(arr, missing, anymissing, name, rtol)
        if scale is not None:
            arr = _snap_pairs(arr, name)
    if connected and anymissing:
        _check_connected(arr, name)
    return arr


def _check_diagonal(arr: np.ndarray, name: str) -> None:
    """Every diagonal entry 1 (within 1e-9)."""
    diag = np.diagonal(arr, axis1=-2, axis2=-1)
    if not np.abs(diag - 1.0).max() <= 1e-9:
        bad = ~(np.abs(diag - 1.0) <= 1e-9)
        pos = np.argwhere(bad)[0]
        b, i = tuple(int(x) for x in pos[:-1]), int(pos[-1])
        raise InputError(
            f"`{name}` must have 1 on the diagonal{_where(b)}: a[{i}, {i}] = "
            f"{_fmt(arr[(*b, i, i)])}. Got {_fmt(arr[(*b, i, i)])} instead of 1."
        )


def _check_missing(arr: np.ndarray, missing: np.ndarray, name: str, allow_missing: bool,
                   hint: str) -> None:
    """Missing judgments allowed, and missing on both sides of the pair."""
    if not allow_missing:
        b, i, j = _first_pair(missing)
        raise InputError(
            f"`{name}` has a missing judgment a[{i}, {j}]{_where(b)}; this method needs a "
            f"complete matrix: {hint}."
        )
    asym = missing != np.swapaxes(missing, -1, -2)
    if asym.any():
        b, i, j = _first_pair(asym)
        raise InputError(
            f"`{name}` is not reciprocal{_where(b)}: a[{i}, {j}] = {_fmt(arr[(*b, i, j)])} "
            f"but a[{j}, {i}] = {_fmt(arr[(*b, j, i)])}; a missing judgment must be missing "
            "on both sides."
        )


def _check_positive(arr: np.ndarray, missing: np.ndarray, anymissing: bool, name: str) -> None:
    """Every given entry finite and positive."""
    present = ~missing
    with np.errstate(invalid="ignore"):
        good = np.isfinite(arr) & (arr > 0)
    if anymissing:
        good |= missing
    if not good.all():
        nonfinite = present & ~np.isfinite(arr)
        if nonfinite.any():
            b, i, j = _first_pair(nonfinite)
            raise InputError(
                f"`{name}` entries must be finite{_where(b)}: got a[{i}, {j}] = "
                f"{_fmt(arr[(*b, i, j)])} instead."
            )
        b, i, j = _first_pair(~good)
        raise InputError(
            f"`{name}` entries must be positive{_where(b)}: got a[{i}, {j}] = "
            f"{_fmt(arr[(*b, i, j)])} instead."
        )


def _check_reciprocal(arr: np.ndarray, missing: np.ndarray, anymissing: bool, name: str,
                      rtol: float) -> np.ndarray:
    """Every pair reciprocal within ``rtol``; a matrix whose worst pair is off by more than
    1e-12 made exactly reciprocal (the upper triangle wins).
    """
    batch_shape, n = arr.shape[:-2], arr.shape[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        prod = arr * np.swapaxes(arr, -1, -2)
    dev = np.abs(prod - 1.0)
    if anymissing:
        dev[missing] = 0.0
    worst = dev.reshape(*batch_shape, -1).max(axis=-1)
    if not np.all(worst <= rtol):
        flat = np.argmax(dev.reshape(-1))
        pos = np.unravel_index(flat, dev.shape)
        b = tuple(int(x) for x in pos[:-2])
        i, j = sorted((int(pos[-2]), int(pos[-1])))
        aij, aji = arr[(*b, i, j)], arr[(*b, j, i)]
        raise InputError(
            f"`{name}` is not reciprocal{_where(b)}: a[{i}, {j}] * a[{j}, {i}] = "
            f"{_fmt(aij * aji)} (a[{i}, {j}] = {_fmt(aij)}, a[{j}, {i}] = {_fmt(aji)}). "
            "Expected 1."
        )
    rounded = worst > 1e-12
    if np.any(rounded):
        # rounded input such as 0.333: in those matrices make the pairs exactly
        # reciprocal (the upper triangle wins)
        lower = np.tril(np.ones((n, n), dtype=bool), -1) & rounded[..., None, None]
        arr = np.where(lower, 1.0 / np.swapaxes(arr, -1, -2), arr)
    return arr


def _check_connected(arr: np.ndarray, name: str) -> None:
    """Every incomplete matrix's comparison graph connected."""
    batch_shape = arr.shape[:-2]
    conn = is_connected(~np.isnan(arr))
    if not np.all(conn):
        b = tuple(int(x) for x in np.argwhere(~conn)[0]) if batch_shape else ()
        comps = comparison_graph_components(~np.isnan(arr[b]))
        parts = " | ".join("{" + ", ".join(str(c) for c in comp) + "}" for comp in comps)
        raise InputError(
            f"`{name}` has a disconnected comparison graph{_where(b)}: no chain of "
            f"judgments links the components {parts}; weights are not identified. "
            f"Got {len(comps)} components instead of 1."
        )


def is_connected(present: ArrayLike) -> np.ndarray:
    """Whether each comparison graph (``present[..., i, j]`` = judgment given) is connected.

    Vectorized over the batch by repeated boolean squaring of the reachability matrix.

    Examples
    --------
    >>> m = np.ones((4, 4), bool); m[:2, 2:] = m[2:, :2] = False
    >>> bool(is_connected(m))
    False
    """
    p = np.asarray(present, dtype=bool)
    n = p.shape[-1]
    reach = (p | p.swapaxes(-1, -2) | np.eye(n, dtype=bool)).astype(np.float32)
    steps = max(1, int(np.ceil(np.log2(max(n, 2)))))
    for _ in range(steps):
        reach = (np.matmul(reach, reach) > 0).astype(np.float32)
    return reach[..., 0, :].all(axis=-1)


def comparison_graph_components(present: ArrayLike) -> list[list[int]]:
    """Connected components (sorted lists of element indices) of one comparison graph.

    Examples
    --------
    >>> m = np.ones((4, 4), bool); m[:2, 2:] = m[2:, :2] = False
    >>> comparison_graph_components(m)
    [[0, 1], [2, 3]]
    """
    p = np.asarray(present, dtype=bool)
    if p.ndim != 2:
        raise ValueError(f"`present` must be one (n, n) matrix; got shape {p.shape} instead.")
    n = p.shape[0]
    adj = p | p.T
    seen = np.zeros(n, dtype=bool)
    comps: list[list[int]] = []
    for s in range(n):
        if seen[s]:
            continue
        stack, comp = [s], []
        seen[s] = True
        while stack:
            u = stack.pop()
            comp.append(u)
            for v in np.flatnonzero(adj[u] & ~seen):
                seen[v] = True
                stack.append(int(v))
        comps.append(sorted(comp))
    return comps


def from_upper_triangle(values: ArrayLike, n: int | None = None) -> np.ndarray:
    """Build reciprocal matrices from upper-triangle judgments given by rows.

    Parameters
    ----------
    values : array_like, shape (..., n (n - 1) / 2)
        ``a_12, a_13, ..., a_1n, a_23, ...``; ``NaN`` = missing.
    n : int, optional
        Matrix order (inferred from the length when omitted).

    Examples
    --------
    >>> from_upper_triangle([3, 5, 2])
    array([[1.        , 3.        , 5.        ],
           [0.33333333, 1.        , 2.        ],
           [0.2       , 0.5       , 1.        ]])
    """
    v = np.asarray(values, dtype=float)
    m = v.shape[-1]
    if n is None:
        n = round((1 + np.sqrt(1 + 8 * m)) / 2)
    if n * (n - 1) // 2 != m:
        raise ValueError(
            f"`values` must hold n(n-1)/2 upper-triangle judgments; got {m} for n = {n} instead."
        )
    out = np.ones((*v.shape[:-1], n, n))
    iu = upper_pairs(n)
    out[..., iu[0], iu[1]] = v
    out[..., iu[1], iu[0]] = 1.0 / v
    return out


def consistent_matrix(w: ArrayLike) -> np.ndarray:
    """The perfectly consistent matrix ``a_ij = w_i / w_j`` (batched over leading axes).

    Examples
    --------
    >>> consistent_matrix([0.5, 0.25, 0.25])[0].tolist()
    [1.0, 2.0, 2.0]
    """
    w = np.asarray(w, dtype=float)
    return w[..., :, None] / w[..., None, :]


def log_errors(A: ArrayLike, w: ArrayLike) -> np.ndarray:
    """``log(a_ij * w_j / w_i)`` for every entry (``NaN`` where the judgment is missing).

    Zero everywhere for a consistent matrix with its own weights; antisymmetric.

    Examples
    --------
    >>> round(float(np.abs(log_errors([[1, 2], [0.5, 1]], [2/3, 1/3])).max()), 12)
    0.0
    """
    a = np.asarray(A, dtype=float)
    w = np.asarray(w, dtype=float)
    return np.log(a) + np.log(w)[..., None, :] - np.log(w)[..., :, None]
