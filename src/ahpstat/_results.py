"""Frozen result dataclasses of the numpy core (documented, inspectable, tidy via to_frame)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ConsistencyResult", "TablesResult", "WeightsResult"]


def element_labels(labels: Sequence[str] | None, n: int) -> list[str]:
    """``n`` labels of the elements of a result table: ``labels`` as text, or ``"0"``,
    ``"1"``, ... (the one check of a ``labels`` argument of the core's tables).
    """
    if labels is None:
        return [str(i) for i in range(n)]
    labels = [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"`labels` must have {n} entries; got {len(labels)} instead.")
    return labels


@dataclass(frozen=True)
class WeightsResult:
    """Priority weights of pairwise-comparison matrices.

    Attributes
    ----------
    weights : ndarray, shape (..., n)
        Positive weights summing to 1 over the last axis.
    lambda_max : ndarray, shape (...)
        Principal eigenvalue of the matrix the method works on (``NaN`` where the method does
        not define one). For ``"harker"`` it is Harker's auxiliary matrix's.
    method : str
        The weighting method used.
    n_iter : int
        Iterations used (eigenvector-type methods; 0 otherwise).
    consistency : ConsistencyResult or None
        The consistency index asked for with ``weights(..., consistency=...)``, computed from
        the same validated matrices.
    """

    weights: np.ndarray
    lambda_max: np.ndarray
    method: str
    n_iter: int = 0
    consistency: ConsistencyResult | None = None

    def to_frame(self, labels: Sequence[str] | None = None) -> pd.DataFrame:
        """Tidy table: one row per (matrix, element) with ``matrix, element, weight``.

        Examples
        --------
        >>> import ahpstat as ah
        >>> ah.weights([[1, 3], [1/3, 1]]).to_frame(["a", "b"])
           matrix element  weight
        0       0       a    0.75
        1       0       b    0.25
        """
        w = np.asarray(self.weights)
        n = w.shape[-1]
        flat = w.reshape(-1, n)
        names = element_labels(labels, n)
        import pandas as pd

        return pd.DataFrame(
            {
                "matrix": np.repeat(np.arange(flat.shape[0]), n),
                "element": np.tile(names, flat.shape[0]),
                "weight": flat.ravel(),
            }
        )


@dataclass(frozen=True)
class ConsistencyResult:
    """A consistency index of pairwise-comparison matrices, with what was used to compute it.

    Attributes
    ----------
    value : ndarray, shape (...)
        The index (0 for a consistent matrix).
    threshold : float or ndarray
        The acceptability threshold used (``NaN`` when the index has none).
    acceptable : ndarray of bool, shape (...)
        ``value <= threshold``.
    index : str
        ``"ci"``, ``"cr"``, ``"gci"`` or ``"koczkodaj"``.
    random_index : str or None
        Name of the random-index table (``"cr"``, ``"ci"``); ``"agoston_csato"`` for
        incomplete matrices (RI(n, m), :func:`ahpstat.scales.incomplete_random_index`).
    random_index_value : float, ndarray or None
        RI used (``"cr"``, ``"ci"``): one float, or one per matrix when they differ (a batch
        of incomplete matrices missing different numbers of pairs).
    lambda_max : ndarray or None
        Principal eigenvalue used (``"ci"``, ``"cr"``).
    n : int
        Matrix order.
    completion : str or None
        How an incomplete matrix was treated (``None`` when complete).
    source : str
        Reference of the index (and of the random-index table).
    """

    value: np.ndarray
    threshold: float | np.ndarray
    acceptable: np.ndarray | np.bool_  # a numpy bool for one matrix, as numpy compares
    index: str
    n: int
    random_index: str | None = None
    random_index_value: float | np.ndarray | None = None
    lambda_max: np.ndarray | None = None
    completion: str | None = None
    source: str = ""

    def to_frame(self) -> pd.DataFrame:
        """Tidy table with ``matrix, index, value, threshold, acceptable, random_index``.

        Examples
        --------
        >>> import ahpstat as ah
        >>> ah.consistency([[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]]).to_frame()[["index", "value"]]
          index  value
        0    cr    0.0
        """
        v = np.atleast_1d(np.asarray(self.value, dtype=float)).ravel()
        thr = np.broadcast_to(np.asarray(self.threshold, dtype=float), np.shape(self.value))
        acc = np.atleast_1d(np.asarray(self.acceptable)).ravel()
        import pandas as pd

        return pd.DataFrame(
            {
                "matrix": np.arange(v.size),
                "index": self.index,
                "value": v,
                "threshold": np.atleast_1d(thr).ravel(),
                "acceptable": acc,
                "random_index": self.random_index,
            }
        )


class TablesResult:
    """Base of the results that hold several tidy tables (a comparison, a sensitivity
    analysis, a multiverse): ``to_frame(kind)`` gives one of them, as every result of the
    package does, and :attr:`frame_kinds` names them; ``tables()`` is a thin alias giving all
    of them at once, ``{kind: to_frame(kind) for kind in frame_kinds}`` (the kinds are the
    output files' stems). A subclass builds its tables in ``_frames()``.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Two(TablesResult):
    ...     def _frames(self):
    ...         return {"first": 1, "second": 2}
    >>> Two().frame_kinds, Two().to_frame("Second"), Two().to_frame(), Two().tables()
    (('first', 'second'), 2, 1, {'first': 1, 'second': 2})
    """

    def _frames(self) -> dict[str, Any]:
        """The tables by kind (implemented by each result)."""
        raise NotImplementedError

    @property
    def frame_kinds(self) -> tuple[str, ...]:
        """The names of the tables this result holds (:meth:`to_frame`'s ``kind``)."""
        return tuple(self._frames())

    def to_frame(self, kind: str | None = None) -> Any:
        """One of the result's tables (:attr:`frame_kinds`; the first by default),
        case-insensitively.
        """
        from ahpstat._validation import check_method

        tables = self._frames()
        kind = next(iter(tables)) if kind is None else check_method("kind", kind, tuple(tables))
        return tables[kind]

    def tables(self) -> dict[str, Any]:
        """Every table at once, by kind: an alias of ``{k: to_frame(k) for k in
        frame_kinds}`` (the output files' stems), for writing them all.
        """
        return dict(self._frames())
