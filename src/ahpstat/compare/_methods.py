"""Several weighting methods on the same matrices, measured side by side
(:func:`compare_methods`, :class:`MethodComparison`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ahpstat._validation import check_method
from ahpstat.compare._measures import (
    euclidean_distance,
    kendall_tau,
    minimum_violations,
    order_violations,
    pareto_efficiency,
    total_deviation,
    weighted_spearman,
)
from ahpstat.pairwise import upper_pairs, validate_matrix
from ahpstat.weighting import WEIGHTING_METHODS, weights

__all__ = ["DEFAULT_METHODS", "MethodComparison", "check_methods", "compare_methods"]

#: methods compared by default (complete matrices; Harker and LLSM coincide with them there)
DEFAULT_METHODS = ("eigenvector", "geometric_mean", "column_mean")
_INCOMPLETE_DEFAULT = ("harker", "llsm")


# --------------------------------------------------------------------------- comparison


def check_methods(methods: Sequence[str] | None, incomplete: bool) -> tuple[str, ...]:
    """The methods to compare, canonical and distinct (default: :data:`DEFAULT_METHODS`, or
    Harker and LLSM for incomplete matrices).
    """
    if methods is None:
        return _INCOMPLETE_DEFAULT if incomplete else DEFAULT_METHODS
    if isinstance(methods, str):
        methods = (methods,)
    out = []
    for m in methods:
        m2 = check_method("methods", m, WEIGHTING_METHODS)
        if m2 in out:
            raise ValueError(f"`methods` must not repeat a method; got {m!r} twice.")
        out.append(m2)
    if not out:
        raise ValueError("`methods` must name at least one weighting method; got none.")
    return tuple(out)


@dataclass(frozen=True)
class MethodComparison:
    """Several weighting methods applied to the same matrices, and how well each fits.

    Attributes
    ----------
    methods : tuple of str
        The methods, in the order of every method axis.
    weights : ndarray, shape (..., m, n)
        Each method's weights (sum 1).
    euclidean_distance, total_deviation, minimum_violations, gci : ndarray, shape (..., m)
        Discrepancy between each matrix and each method's ratios ``w_i / w_j`` (module
        notes); ``NaN`` for an incomplete matrix (except ``gci``, over the given pairs).
    pop_violations, poip_violations : ndarray, shape (..., m)
        Violations of the conditions of order preservation (Bana e Costa & Vansnick 2008).
    efficient : ndarray of bool, shape (..., m)
        Pareto efficiency of each method's weights (Blanquero et al. 2006).
    dominating : ndarray, shape (..., m, n)
        An efficient vector dominating an inefficient one (Bozóki & Fülöp 2018); ``NaN``
        where the weights are efficient.
    kendall_tau, weighted_spearman : ndarray, shape (..., m, m)
        Rank agreement between every two methods' weights (1 on the diagonal).
    """

    methods: tuple[str, ...]
    weights: np.ndarray
    euclidean_distance: np.ndarray
    total_deviation: np.ndarray
    minimum_violations: np.ndarray
    gci: np.ndarray
    pop_violations: np.ndarray
    poip_violations: np.ndarray
    efficient: np.ndarray
    dominating: np.ndarray
    kendall_tau: np.ndarray
    weighted_spearman: np.ndarray

    _MEASURES = ("euclidean_distance", "total_deviation", "minimum_violations", "gci",
                 "pop_violations", "poip_violations", "efficient")

    #: the tables of :meth:`to_frame`, the first its default
    frame_kinds = ("weights", "measures", "agreement", "dominating")

    def to_frame(self, kind: str | None = None, labels: Sequence[str] | None = None, *,
                 table: str | None = None) -> Any:
        """Tidy tables of the comparison, one per ``kind`` (case-insensitive).

        Parameters
        ----------
        kind : {"weights", "measures", "agreement", "dominating"}, default "weights"
            ``weights``: ``matrix, element`` and one column of weights per method, side by
            side. ``measures``: ``matrix, method`` and one column per measure.
            ``agreement``: ``matrix, method_a, method_b, kendall_tau, weighted_spearman``
            (every unordered pair). ``dominating``: ``matrix, method, element, weight,
            dominating_weight`` for the inefficient weight vectors only.
        labels : sequence of str, optional
            Element names (default ``"0"``, ``"1"``, ...).
        table : str, optional
            Deprecated alias of ``kind`` (an :class:`~ahpstat.AHPDeprecationWarning`); it
            will be removed in the next release.

        Examples
        --------
        >>> c = compare_methods([[1, 2, 6], [1/2, 1, 2], [1/6, 1/2, 1]])
        >>> c.to_frame("measures")[["method", "minimum_violations", "efficient"]]
                   method  minimum_violations  efficient
        0     eigenvector                 0.0       True
        1  geometric_mean                 0.0       True
        2     column_mean                 0.0       True
        """
        import pandas as pd

        from ahpstat._results import element_labels

        if table is not None:
            from ahpstat._warnings import AHPDeprecationWarning, warn

            if kind is not None:
                raise TypeError("give `kind` only (`table` is its deprecated alias); got "
                                f"kind={kind!r} and table={table!r} instead.")
            warn("`MethodComparison.to_frame(table=...)` is deprecated; call it `kind`.",
                 AHPDeprecationWarning)
            table = check_method("table", table, self.frame_kinds)
        else:  # while `table` is an alias, a bad `kind` names both
            table = ("weights" if kind is None
                     else check_method("kind` or `table", kind, self.frame_kinds))
        m, n = self.weights.shape[-2:]
        names = element_labels(labels, n)
        W = self.weights.reshape(-1, m, n)
        B = W.shape[0]
        if table == "weights":
            df = pd.DataFrame({"matrix": np.repeat(np.arange(B), n),
                               "element": np.tile(names, B)})
            for k, meth in enumerate(self.methods):
                df[meth] = W[:, k, :].ravel()
            return df
        if table == "measures":
            df = pd.DataFrame({"matrix": np.repeat(np.arange(B), m),
                               "method": np.tile(self.methods, B)})
            for name in self._MEASURES:
                df[name] = np.asarray(getattr(self, name)).reshape(-1)
            return df
        if table == "agreement":
            rows = []
            kt = self.kendall_tau.reshape(-1, m, m)
            ws = self.weighted_spearman.reshape(-1, m, m)
            for b in range(B):
                for a, c in itertools.combinations(range(m), 2):
                    rows.append((b, self.methods[a], self.methods[c], kt[b, a, c],
                                 ws[b, a, c]))
            return pd.DataFrame(rows, columns=["matrix", "method_a", "method_b",
                                               "kendall_tau", "weighted_spearman"])
        D = self.dominating.reshape(-1, m, n)
        E = self.efficient.reshape(-1, m)
        rows = []
        for b in range(B):
            for k in np.flatnonzero(~E[b]).tolist():
                for i in range(n):
                    rows.append((b, self.methods[k], names[i], W[b, k, i], D[b, k, i]))
        return pd.DataFrame(rows, columns=["matrix", "method", "element", "weight",
                                           "dominating_weight"])


def compare_methods(A: ArrayLike, *, methods: Sequence[str] | None = None) -> MethodComparison:
    """Weight matrices by several methods and measure how well each represents them.

    Parameters
    ----------
    A : array_like, shape (..., n, n)
        Positive reciprocal matrices, batched over leading axes; ``NaN`` marks a missing
        judgment (then only ``"harker"`` and ``"llsm"`` apply, and the ratio-fit measures
        ED, TD, MV, order violations and efficiency are ``NaN``/``False``: they need every
        ``a_ij``).
    methods : sequence of str, optional
        Weighting methods (case-insensitive); default ``("eigenvector", "geometric_mean",
        "column_mean")`` for complete matrices, ``("harker", "llsm")`` otherwise.

    Returns
    -------
    MethodComparison
        Weights of every method side by side, ED, TD, MV, GCI, order-preservation
        violations, Pareto efficiency with a dominating vector, and the rank agreement
        (Kendall's tau-b, weighted Spearman ``r_W``) between every two methods; tidy tables
        from :meth:`MethodComparison.to_frame`.

    Notes
    -----
    Formulas and references: see the module notes. The geometric mean (LLSM) vector is
    always efficient (Blanquero et al. 2006); the eigenvector need not be (Bozóki &
    Fülöp 2018).

    Examples
    --------
    Blanquero et al.'s (2006) matrix, whose eigenvector is inefficient:

    >>> import numpy as np
    >>> A = np.array([[1, 1, 4, 9], [1, 1, 7, 5], [1/4, 1/7, 1, 4], [1/9, 1/5, 1/4, 1]])
    >>> c = compare_methods(A)
    >>> c.to_frame("weights").round(4)
       matrix element  eigenvector  geometric_mean  column_mean
    0       0       0       0.4045          0.4246       0.4126
    1       0       1       0.4362          0.4216       0.4212
    2       0       2       0.1103          0.1066       0.1148
    3       0       3       0.0490          0.0473       0.0514
    >>> c.efficient.tolist()
    [False, True, False]
    >>> c.to_frame("agreement")[["method_a", "method_b", "kendall_tau"]].round(3)
             method_a        method_b  kendall_tau
    0     eigenvector  geometric_mean        0.667
    1     eigenvector     column_mean        1.000
    2  geometric_mean     column_mean        0.667
    """
    M = validate_matrix(A, allow_missing=True)
    incomplete = np.isnan(M)
    any_missing = bool(incomplete.any())
    meths = check_methods(methods, any_missing)
    if any_missing:
        bad = [m for m in meths if m not in _INCOMPLETE_DEFAULT]
        if bad:
            raise ValueError(f"`methods` {bad} need complete matrices, but `A` has missing "
                             "judgments; use 'harker' or 'llsm'. Got "
                             f"{', '.join(map(repr, bad))} instead.")
    W = np.stack([weights(M, method=m, validate=False).weights for m in meths], axis=-2)
    n = M.shape[-1]
    Mx = M[..., None, :, :]
    # gci with each method's own weights, over the given pairs
    from ahpstat.pairwise import log_errors

    E = log_errors(Mx, W)
    iu = upper_pairs(n)
    e = E[..., iu[0], iu[1]]
    given = ~np.isnan(e)
    dof = given.sum(axis=-1) - (n - 1) if any_missing else np.full(e.shape[:-1],
                                                                   (n - 1) * (n - 2) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        gci = np.where(dof > 0, np.nansum(e * e, axis=-1) / np.maximum(dof, 1), 0.0)
    shape = W.shape[:-1]
    if any_missing:
        nanv = np.full(shape, np.nan)
        complete = ~incomplete.reshape(*M.shape[:-2], -1).any(axis=-1)
        ed, td, mv, pop, poip = (nanv.copy() for _ in range(5))
        eff = np.zeros(shape, dtype=bool)
        dom = np.full(W.shape, np.nan)
        if complete.any():
            sub = compare_methods(M[complete], methods=meths)
            for arr, val in ((ed, sub.euclidean_distance), (td, sub.total_deviation),
                             (mv, sub.minimum_violations), (pop, sub.pop_violations),
                             (poip, sub.poip_violations), (eff, sub.efficient),
                             (dom, sub.dominating)):
                arr[complete] = val
    else:
        Mb = np.broadcast_to(Mx, (*shape, n, n))
        ed = euclidean_distance(Mb, W)
        td = total_deviation(Mb, W)
        mv = minimum_violations(Mb, W)
        pop, poip = order_violations(Mb, W)
        pop, poip = pop.astype(float), poip.astype(float)
        eff, dom = pareto_efficiency(Mb, W)
    kt = kendall_tau(W[..., :, None, :], W[..., None, :, :])
    ws = weighted_spearman(W[..., :, None, :], W[..., None, :, :])
    return MethodComparison(methods=meths, weights=W, euclidean_distance=ed,
                            total_deviation=td, minimum_violations=mv, gci=gci,
                            pop_violations=pop, poip_violations=poip, efficient=eff,
                            dominating=dom, kendall_tau=kt, weighted_spearman=ws)


