"""The exact variance decomposition of a balanced full factorial (functional ANOVA):
:func:`anova_decomposition` and the rows of the multiverse's variance table.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import ArrayLike


def anova_decomposition(Y: ArrayLike, *, n_factors: int | None = None,
                        max_order: int = 2) -> dict[tuple, np.ndarray]:
    """Exact variance decomposition of a response over a balanced full factorial.

    ``Y[i_1, ..., i_k, ...]`` holds the response of every combination of ``k`` factors
    (one axis each, all combinations present once); trailing axes are separate responses.
    With ``m_S`` the mean of ``Y`` over the factors not in ``S``, the effects are
    ``f_S = sum_{T subset S} (-1)^{|S|-|T|} m_T`` (Hoeffding / functional ANOVA) and the
    population variance of ``Y`` over the cells is exactly ``sum_S Var(f_S)`` (the effects
    are orthogonal in a balanced design). Returned: the variance of every main effect and
    (``max_order = 2``) every two-way interaction, ``()`` for the total and ``("rest",)``
    for all higher orders together, so that the parts sum to the total.

    Parameters
    ----------
    Y : array_like, shape (n_1, ..., n_k, ...)
    n_factors : int, optional
        ``k`` (default: ``Y.ndim``).
    max_order : {1, 2}

    Returns
    -------
    dict
        ``(i,)`` and ``(i, j)`` -> variance (shape of the trailing axes); ``()`` -> total;
        ``("rest",)`` -> the remainder (higher-order interactions).

    References
    ----------
    Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity analysis
    techniques as tools for the quality assessment of composite indicators. J. R. Stat.
    Soc. A 168, 307-323.
    Sobol', I. M. (1993). Sensitivity estimates for nonlinear mathematical models. Math.
    Modelling Comput. Experiment 1, 407-414.

    Examples
    --------
    An additive response has no interaction:

    >>> Y = np.add.outer([0.0, 2.0], [0.0, 1.0, 2.0])
    >>> d = anova_decomposition(Y)
    >>> [round(float(d[k]), 6) for k in [(0,), (1,), (0, 1), ()]]
    [1.0, 0.666667, 0.0, 1.666667]
    """
    Y = np.asarray(Y, dtype=float)
    k = Y.ndim if n_factors is None else int(n_factors)
    if max_order not in (1, 2):
        raise ValueError(f"`max_order` must be 1 or 2; got {max_order!r} instead.")
    axes = tuple(range(k))
    mu = Y.mean(axis=axes)
    total = ((Y - Y.mean(axis=axes, keepdims=True)) ** 2).mean(axis=axes)
    out: dict[tuple, np.ndarray] = {(): total}
    mains = {}
    for i in range(k):
        other = tuple(a for a in axes if a != i)
        m = Y.mean(axis=other, keepdims=True) - Y.mean(axis=axes, keepdims=True)
        mains[i] = m
        out[(i,)] = (m**2).mean(axis=axes)
    explained = sum((out[(i,)] for i in range(k)), np.zeros_like(mu))
    if max_order == 2:
        for i, j in itertools.combinations(range(k), 2):
            other = tuple(a for a in axes if a not in (i, j))
            mij = Y.mean(axis=other, keepdims=True) - Y.mean(axis=axes, keepdims=True)
            f = mij - mains[i] - mains[j]
            out[(i, j)] = (f**2).mean(axis=axes)
            explained = explained + out[(i, j)]
    out[("rest",)] = total - explained
    return out


def anova_rows(Y: np.ndarray, factors: tuple[str, ...], target: str, likert: str,
                grouping: str, group: str) -> list[tuple]:
    head = (target, likert, grouping, group)
    if np.isnan(Y).any():
        return [(*head, "total", 0, np.nan, np.nan)]
    d = anova_decomposition(Y, n_factors=len(factors))
    tot = float(d[()])
    if tot <= 1e-24 + 1e-14 * float(np.mean(Y)) ** 2:  # constant up to round-off: nothing
        d = {k: np.zeros_like(v) for k, v in d.items()}  # to decompose (e.g. the whole
        tot = 0.0                                        # sample's mean ridit)
    rows = [(*head, "total", 0, tot, 1.0 if tot > 0 else np.nan)]
    for key, v in d.items():
        if key == () or key == ("rest",):
            continue
        rows.append((*head, ":".join(factors[i] for i in key), len(key), float(v),
                     float(v) / tot if tot > 0 else np.nan))
    rest = float(d[("rest",)])
    rows.append((*head, "higher-order", 3, rest, rest / tot if tot > 0 else np.nan))
    return rows
