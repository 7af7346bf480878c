"""Judgment scales and random-index tables, stored as data with their sources.

The random index RI(n) is the mean consistency index CI of random reciprocal matrices of order
``n``; different tools use different tables, which is why their consistency ratios disagree.
ahpstat makes the table an explicit, named choice and reports it with every ratio.

Saaty's scale
-------------
One definition, used wherever a scale is declared (``validate_matrix(scale="saaty")``,
``weights(scale="saaty")``, ``read_judgments(scale="saaty")``): a value is *on the scale* when
it lies within a tolerance of one of the 17 points 1/9, ..., 1/2, 1, 2, ..., 9, measured in
log space -- within 1 % of an integer 1..9 (integers are written exactly; ``3.003`` is 3) and
within 4.5 % of a reciprocal 1/2..1/9, which admits every two-decimal rounding of a reciprocal
(``0.33``, ``0.14``, ``0.13`` for 1/3, 1/7, 1/8; the worst, 1/8 written ``0.12`` or ``0.13``,
is 4.1 % off) while the tolerance intervals of neighbouring points never overlap (1/9 and
1/8 are 11.8 % apart). A value on the scale *is* that point: it is replaced by it
(:func:`snap_to_saaty`), so 0.14 is computed as 1/7 everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

__all__ = [
    "INCOMPLETE_RANDOM_INDEX",
    "RANDOM_INDEX_TABLES",
    "SAATY_INTEGER_LOGTOL",
    "SAATY_LOGTOL",
    "SAATY_RECIPROCAL_LOGTOL",
    "SAATY_SCALE",
    "RandomIndexTable",
    "get_random_index_table",
    "incomplete_random_index",
    "nearest_saaty",
    "on_saaty_scale",
    "random_index",
    "saaty_points",
    "snap_to_saaty",
]

#: Saaty's fundamental 1-9 scale and its reciprocals, ascending.
SAATY_SCALE: np.ndarray = np.array(
    [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]
)
SAATY_SCALE.setflags(write=False)
_LOG_SAATY = np.log(SAATY_SCALE)

#: largest ``|log(value / point)|`` for a value to count as an integer point 1..9 (1 %)
SAATY_INTEGER_LOGTOL: float = math.log1p(0.01)
#: largest ``|log(value / point)|`` for a value to count as a reciprocal point 1/2..1/9
#: (4.5 %: two-decimal roundings such as 0.14 for 1/7 and 0.13 for 1/8)
SAATY_RECIPROCAL_LOGTOL: float = 0.045
#: the tolerance of each point of :data:`SAATY_SCALE`
SAATY_LOGTOL: np.ndarray = np.where(SAATY_SCALE < 1, SAATY_RECIPROCAL_LOGTOL,
                                    SAATY_INTEGER_LOGTOL)
SAATY_LOGTOL.setflags(write=False)

_BEYOND = ("error", "formula", "interpolate")


@dataclass(frozen=True)
class RandomIndexTable:
    """A named random-index table RI(n), with its source.

    Attributes
    ----------
    name : str
        Key used by :func:`random_index` and reported in every consistency result.
    values : Mapping[int, float]
        RI by matrix order ``n`` (``n = 1, 2`` are 0 by definition).
    source : str
        Bibliographic source of the values.
    beyond : {"error", "formula", "interpolate"}
        What happens for an order the table does not list: ``"error"`` raises;
        ``"interpolate"`` interpolates linearly between tabulated orders (and raises beyond
        the largest); ``"formula"`` evaluates ``formula(n)`` beyond the largest tabulated
        order (and raises for a gap inside the table).
    formula : callable, optional
        ``n -> RI(n)``, the source's own formula; required with ``beyond="formula"`` and
        only allowed with it.

    Examples
    --------
    >>> t = RandomIndexTable("mine", {3: 0.5, 5: 1.1}, "my simulation", beyond="interpolate")
    >>> t(4)
    0.8
    >>> t = RandomIndexTable("fit", {3: 0.5}, "my fit", beyond="formula",
    ...                      formula=lambda n: 1.6 * (n - 2) / n)
    >>> round(t(4), 3)
    0.8
    """

    name: str
    values: Mapping[int, float]
    source: str
    beyond: str = "error"
    formula: Callable[[int], float] | None = field(default=None, compare=False)
    _orders: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.beyond not in _BEYOND:
            options = ", ".join(repr(b) for b in _BEYOND)
            raise ValueError(f"`beyond` must be one of {{{options}}}; got {self.beyond!r} "
                             "instead.")
        if self.beyond == "formula" and not callable(self.formula):
            raise ValueError("`beyond='formula'` needs `formula`, a callable n -> RI(n); got "
                             f"{self.formula!r} instead.")
        if self.beyond != "formula" and self.formula is not None:
            raise ValueError("`formula` is used only with beyond='formula'; got beyond="
                             f"{self.beyond!r} instead.")
        if not self.values:
            raise ValueError("`values` must give RI for at least one order; got none.")
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "_orders", tuple(sorted(self.values)))

    @property
    def max_order(self) -> int:
        """Largest tabulated order."""
        return self._orders[-1]

    def __call__(self, n: int) -> float:
        """RI for order ``n`` (see :func:`random_index`)."""
        n = int(n)
        if n < 1:
            raise ValueError(f"`n` must be a positive matrix order; got {n} instead.")
        if n <= 2:
            return 0.0
        if n in self.values:
            return float(self.values[n])
        if n < self.max_order and self.beyond == "interpolate":
            lo = max(k for k in self._orders if k < n)
            hi = min(k for k in self._orders if k > n)
            t = (n - lo) / (hi - lo)
            return float(self.values[lo] + t * (self.values[hi] - self.values[lo]))
        if n > self.max_order and self.formula is not None:
            return float(self.formula(n))
        raise ValueError(
            f"the random-index table {self.name!r} has no value for n = {n} "
            f"(it covers n <= {self.max_order}); choose `random_index='alonso_lamata'` "
            f"(formula beyond its table) or pass a mapping n -> RI. Got n = {n} instead."
        )


def _alonso_lamata_formula(n: int) -> float:
    """Alonso & Lamata (2006): lambda_max ~ 2.7699 n - 4.3513, so RI = (1.7699 n - 4.3513)/(n-1)."""
    return (1.7699 * n - 4.3513) / (n - 1)


_SAATY = RandomIndexTable(
    name="saaty",
    values={
        3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
        11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
    },
    source=(
        "Saaty, T. L. (1980). The Analytic Hierarchy Process. McGraw-Hill, Table 1.7 "
        "(the classic table; n = 12 is 1.48 there, printed as 1.54 in some later copies)."
    ),
)

_SAATY_2005 = RandomIndexTable(
    name="saaty_2005",
    values={
        3: 0.52, 4: 0.89, 5: 1.11, 6: 1.25, 7: 1.35, 8: 1.40, 9: 1.45, 10: 1.49,
        11: 1.52, 12: 1.54, 13: 1.56, 14: 1.58, 15: 1.59,
    },
    source=(
        "Saaty, T. L. (2005). Theory and Applications of the Analytic Network Process. "
        "RWS Publications, p. 31 (the revised table used by AHPy's 'saaty' option)."
    ),
)

_ALONSO_LAMATA = RandomIndexTable(
    name="alonso_lamata",
    values={
        3: 0.5245, 4: 0.8815, 5: 1.1086, 6: 1.2479, 7: 1.3417, 8: 1.4056, 9: 1.4499,
        10: 1.4854, 11: 1.5141, 12: 1.5365, 13: 1.5551, 14: 1.5713, 15: 1.5838,
    },
    source=(
        "Alonso, J. A. & Lamata, M. T. (2006). Consistency in the analytic hierarchy process: "
        "a new approach. Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems 14(4), "
        "445-459, Table 3; beyond the table RI(n) = (1.7699 n - 4.3513)/(n - 1), their fit "
        "lambda_max ~ 1.7699 n - 4.3513 + n."
    ),
    beyond="formula",
    formula=_alonso_lamata_formula,
)

_DONEGAN_DODD = RandomIndexTable(
    name="donegan_dodd",
    values={
        3: 0.4914, 4: 0.8286, 5: 1.0591, 6: 1.1797, 7: 1.2519, 8: 1.3171, 9: 1.3733,
        10: 1.4055, 11: 1.4213, 12: 1.4497, 13: 1.4643, 14: 1.4822, 15: 1.4969,
        16: 1.5078, 17: 1.5153, 18: 1.5262, 19: 1.5313, 20: 1.5371, 25: 1.5619,
        30: 1.5772, 40: 1.5976, 50: 1.6102, 60: 1.6178, 70: 1.6237, 80: 1.6277,
        90: 1.6213, 100: 1.6339,
    },
    source=(
        "Donegan, H. A. & Dodd, F. J. (1991). A note on Saaty's random indexes. "
        "Mathematical and Computer Modelling 15(10), 135-137 (AHPy's default table); "
        "orders between tabulated values are interpolated linearly."
    ),
    beyond="interpolate",
)

#: The named random-index tables, by name.
RANDOM_INDEX_TABLES: Mapping[str, RandomIndexTable] = MappingProxyType(
    {t.name: t for t in (_SAATY, _SAATY_2005, _ALONSO_LAMATA, _DONEGAN_DODD)}
)


def get_random_index_table(table: str | Mapping[int, float] | RandomIndexTable) -> RandomIndexTable:
    """Normalize a table choice (a name, a mapping ``n -> RI`` or a table) to a table.

    Examples
    --------
    >>> get_random_index_table("saaty").source.split(",")[0]
    'Saaty'
    >>> get_random_index_table({3: 0.5}).name
    'user'
    """
    if isinstance(table, RandomIndexTable):
        return table
    if isinstance(table, str):
        try:
            return RANDOM_INDEX_TABLES[table]
        except KeyError:
            names = ", ".join(repr(k) for k in RANDOM_INDEX_TABLES)
            raise ValueError(
                f"`random_index` must be one of {{{names}}} or a mapping n -> RI; "
                f"got {table!r} instead."
            ) from None
    if isinstance(table, Mapping):
        values: dict[int, float] = {}
        for k, v in table.items():
            if int(k) != k or int(k) < 1:
                raise ValueError(
                    f"`random_index` keys must be matrix orders >= 1; got {k!r} instead."
                )
            if not np.isfinite(v) or v < 0 or (int(k) >= 3 and v == 0):
                raise ValueError(
                    f"`random_index` values must be positive for n >= 3; got RI({k}) = {v!r} "
                    "instead."
                )
            values[int(k)] = float(v)
        if not any(k >= 3 for k in values):
            raise ValueError("`random_index` mapping must give RI for some n >= 3; got none.")
        return RandomIndexTable(name="user", values=values, source="user-supplied mapping")
    raise TypeError(
        "`random_index` must be a table name or a mapping n -> RI; "
        f"got {type(table).__name__} instead."
    )


def random_index(n: int, table: str | Mapping[int, float] | RandomIndexTable = "saaty") -> float:
    """Random index RI(n) from a named table.

    Parameters
    ----------
    n : int
        Matrix order.
    table : str or mapping, default "saaty"
        ``"saaty"`` (1980), ``"saaty_2005"``, ``"alonso_lamata"`` (2006; formula beyond
        n = 15), ``"donegan_dodd"`` (1991; interpolated, up to n = 100) or a mapping.

    Returns
    -------
    float
        RI(n); 0 for n = 1, 2.

    Examples
    --------
    >>> random_index(7)
    1.32
    >>> random_index(4, "alonso_lamata")
    0.8815
    >>> round(random_index(20, "alonso_lamata"), 4)
    1.634
    """
    return get_random_index_table(table)(n)


#: Name under which the random index of incomplete matrices is reported.
INCOMPLETE_RANDOM_INDEX_NAME = "agoston_csato"

#: RI(n, m) of incomplete matrices: ``INCOMPLETE_RANDOM_INDEX[n][m]`` is the mean consistency
#: index of the optimal completion of random matrices of order ``n`` with ``m`` missing pairs
#: (0 <= m < (n - 1)(n - 2) / 2); written by ``studies/incomplete_random_index/simulate.py``.
INCOMPLETE_RANDOM_INDEX: Mapping[int, tuple[float, ...]] = MappingProxyType({
    4: (0.888, 0.577, 0.284),
    5: (1.113, 0.924, 0.737, 0.553, 0.365, 0.177),
    6: (1.249, 1.118, 1.010, 0.882, 0.759, 0.627, 0.502, 0.375, 0.242, 0.122),
    7: (1.339, 1.255, 1.168, 1.084, 0.993, 0.906, 0.823, 0.731, 0.640, 0.548, 0.452, 0.358,
         0.269, 0.179, 0.087),
    8: (1.408, 1.347, 1.273, 1.219, 1.151, 1.085, 1.022, 0.959, 0.890, 0.825, 0.755, 0.689,
         0.620, 0.551, 0.482, 0.411, 0.343, 0.270, 0.197, 0.131, 0.063),
    9: (1.452, 1.402, 1.354, 1.306, 1.257, 1.205, 1.155, 1.109, 1.060, 1.011, 0.958, 0.908,
         0.857, 0.804, 0.751, 0.703, 0.650, 0.592, 0.538, 0.485, 0.425, 0.376, 0.321, 0.263,
         0.207, 0.154, 0.101, 0.049),
    10: (1.489, 1.446, 1.410, 1.369, 1.332, 1.295, 1.253, 1.215, 1.177, 1.138, 1.095, 1.055,
         1.018, 0.976, 0.937, 0.896, 0.856, 0.813, 0.772, 0.727, 0.691, 0.647, 0.606, 0.561,
         0.518, 0.471, 0.432, 0.384, 0.340, 0.296, 0.253, 0.209, 0.166, 0.123, 0.080, 0.038),
})
_INCOMPLETE_REPLICATIONS = 10000

#: Source of :data:`INCOMPLETE_RANDOM_INDEX` (reported with every ratio that uses it).
INCOMPLETE_RANDOM_INDEX_SOURCE = (
    "Ágoston, K. Cs. & Csató, L. (2022). Inconsistency thresholds for incomplete pairwise "
    "comparison matrices. Omega 108, 102576 (the definition: mean CI of the lambda_max-optimal "
    "completion of random incomplete matrices with m missing pairs); values by ahpstat's Monte "
    f"Carlo reproduction (studies/incomplete_random_index, {_INCOMPLETE_REPLICATIONS:,} matrices "
    f"per cell, n = 4..{max(INCOMPLETE_RANDOM_INDEX)}); larger n: Alonso & Lamata's (2006) "
    f"RI(n) times the n = {max(INCOMPLETE_RANDOM_INDEX)} profile RI(m) / RI(0) at the same "
    "share m / m_max of missing pairs."
)


def incomplete_random_index(n: int, m: int) -> float:
    """Random index RI(n, m) of an incomplete matrix of order ``n`` missing ``m`` pairs.

    The mean CI of the optimal (lambda_max-minimizing) completion of random matrices with
    ``m`` of their ``n (n - 1) / 2`` pairs missing (Ágoston & Csató 2022): missing pairs
    leave the completion freedom to be consistent, so random incomplete matrices are less
    inconsistent than complete ones, nearly linearly in ``m``, and dividing their CI by the
    complete-matrix RI(n) would accept far too much. ``m = 0`` is the complete RI (these
    values agree with Alonso & Lamata's within the simulation error).

    Parameters
    ----------
    n : int
        Matrix order.
    m : int
        Number of missing pairs (upper triangle), ``0 <= m <= (n - 1)(n - 2) / 2``; the
        largest leaves a spanning tree, which always completes consistently: RI = 0 (and CI
        = 0), the ratio is defined as 0.

    Returns
    -------
    float
        RI(n, m): :data:`INCOMPLETE_RANDOM_INDEX` for n = 4..10. For larger n, Alonso &
        Lamata's RI(n) times the largest tabulated order's profile ``RI(m) / RI(0)``,
        interpolated at the same share ``m / m_max`` of missing pairs (``m_max = (n - 1)(n -
        2) / 2``): the profiles converge as n grows (the n = 10 profile predicts every n = 9
        cell within 0.008, n = 8 within 0.01).

    Raises
    ------
    ValueError
        ``m`` outside ``0..(n - 1)(n - 2) / 2`` (more missing pairs disconnect the
        comparisons: no completion is determined).

    References
    ----------
    Ágoston, K. Cs. & Csató, L. (2022). Omega 108, 102576.
    Alonso, J. A. & Lamata, M. T. (2006). Int. J. Uncertainty, Fuzziness and Knowledge-Based
    Systems 14(4), 445-459.

    Examples
    --------
    >>> round(incomplete_random_index(4, 0), 2), round(incomplete_random_index(4, 2), 2)
    (0.89, 0.28)
    >>> incomplete_random_index(4, 3)  # a spanning tree
    0.0
    """
    n, m = int(n), int(m)
    m_max = (n - 1) * (n - 2) // 2
    if n < 1 or not 0 <= m <= m_max:
        raise ValueError(
            f"an incomplete matrix of order {n} can miss 0 to {m_max} pairs and stay "
            f"connected; got n = {n}, m = {m} instead.")
    if n <= 2 or m == m_max:
        return 0.0
    if n in INCOMPLETE_RANDOM_INDEX:
        return float(INCOMPLETE_RANDOM_INDEX[n][m])
    if n < min(INCOMPLETE_RANDOM_INDEX):  # n = 3, complete
        return _ALONSO_LAMATA(n)
    return float(_ALONSO_LAMATA(n) * _incomplete_profile(m / m_max))


def _incomplete_profile(share: float, order: int | None = None) -> float:
    """``RI(n, m) / RI(n, 0)`` of the tabulated ``order`` (default: the largest) at
    ``m / m_max = share``, linear between its cells (0 at a spanning tree, share 1).
    """
    k = max(INCOMPLETE_RANDOM_INDEX) if order is None else order
    row = np.asarray(INCOMPLETE_RANDOM_INDEX[k])
    m_max = (k - 1) * (k - 2) // 2
    x = np.append(np.arange(row.size) / m_max, 1.0)
    return float(np.interp(share, x, np.append(row / row[0], 0.0)))


def _nearest_point(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest scale point (log space) and the log distance to it."""
    v = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lv = np.log(v)
    dist = np.abs(lv[..., None] - _LOG_SAATY)
    idx = np.argmin(np.where(np.isnan(dist), np.inf, dist), axis=-1)
    d = np.take_along_axis(dist, idx[..., None], axis=-1)[..., 0]
    return idx, np.where(np.isfinite(lv), d, np.inf)


def saaty_points(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each value: the index of its nearest point of :data:`SAATY_SCALE` and whether it
    is on the scale (the package's definition, module notes).

    Examples
    --------
    >>> idx, on = saaty_points(np.array([0.14, 2.5, 9.0]))
    >>> SAATY_SCALE[idx].round(4).tolist(), on.tolist()
    ([0.1429, 3.0, 9.0], [True, False, True])
    """
    idx, d = _nearest_point(values)
    return idx, d <= SAATY_LOGTOL[idx]


def on_saaty_scale(values: np.ndarray, *, rtol: float | None = None) -> np.ndarray:
    """Boolean mask: which values lie on Saaty's 1-9 scale (or its reciprocals).

    Parameters
    ----------
    values : array_like
        Values to check (non-positive and non-finite values are off the scale).
    rtol : float, optional
        ``None`` (default) applies the package's definition (module notes): within 1 % of
        an integer 1..9 and within 4.5 % of a reciprocal 1/2..1/9. A number applies that
        relative tolerance, in log space, to every point instead.

    Examples
    --------
    >>> on_saaty_scale(np.array([3, 0.333, 0.14, 3.003, 2.5, 10, 0.3])).tolist()
    [True, True, True, True, False, False, False]
    >>> on_saaty_scale(np.array([0.333, 0.14]), rtol=0.01).tolist()
    [True, False]
    """
    if rtol is None:
        return saaty_points(values)[1]
    return _nearest_point(values)[1] <= np.log1p(rtol)


def snap_to_saaty(values: np.ndarray) -> np.ndarray:
    """Replace each value on Saaty's scale by its scale point; other values are unchanged.

    The one definition of "on the scale" is :func:`on_saaty_scale` with its default
    tolerance (module notes); ``NaN`` (a missing judgment) stays ``NaN``.

    Examples
    --------
    >>> snap_to_saaty(np.array([0.14, 0.333, 3.003, 2.5, np.nan])).round(6).tolist()
    [0.142857, 0.333333, 3.0, 2.5, nan]
    """
    v = np.asarray(values, dtype=float)
    idx, on = saaty_points(v)
    return np.where(on, SAATY_SCALE[idx], v)


def nearest_saaty(values: np.ndarray) -> np.ndarray:
    """Round values to the nearest point of Saaty's scale, in log space (clipped to 1/9..9).

    Unlike :func:`snap_to_saaty` this rounds any positive value (2.6 becomes 3), as a
    simulation or a repair does.

    Examples
    --------
    >>> nearest_saaty(np.array([2.6, 0.3, 20.0])).round(4).tolist()
    [3.0, 0.3333, 9.0]
    """
    v = np.asarray(values, dtype=float)
    idx = np.abs(np.log(v)[..., None] - _LOG_SAATY).argmin(axis=-1)
    return SAATY_SCALE[idx]
