"""Products of posterior draws: composite scores draw by draw, and the posterior predictive
checks of a fit (observed vs replicated judgments).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat.bayes._common import LOG_RANGE
from ahpstat.scoring import composite_scores

__all__ = ["predictive_checks", "score_draws"]


def score_draws(
    leaf_weight_draws: ArrayLike,
    item_means: ArrayLike,
    membership: ArrayLike,
    *,
    axis: int = 0,
) -> np.ndarray:
    """Posterior (or bootstrap) draws of every node's composite score.

    Combines draws of the leaves' global weights with item means by the seed study's rule
    ``score_v = sum_l (g_l / g_v) mean_l`` over the leaves ``l`` under ``v``
    (:func:`ahpstat.scoring.composite_scores`), draw by draw.

    Parameters
    ----------
    leaf_weight_draws : array_like, shape (S, L) (``axis=0``) or (L, S) (``axis=-1``)
        Draws of the leaves' global weights; ``axis`` is the draws axis.
    item_means : array_like, shape (L,) or (G, L)
        Item means, overall or per group ``G``.
    membership : array_like, shape (N, L)
        ``membership[v, l] = 1`` if leaf ``l`` lies under node ``v`` (a leaf is under itself).
    axis : {0, -1}, optional
        Position of the draws axis in the input, and in the output.

    Returns
    -------
    ndarray
        Node scores: ``(S, N)`` or ``(S, G, N)`` for ``axis=0``; ``(N, S)`` or ``(G, N, S)``
        for ``axis=-1``.

    Examples
    --------
    Goal over two criteria; criterion ``A`` has two items, ``B`` one; two weight draws:

    >>> M = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    >>> g = np.array([[0.3, 0.3, 0.4], [0.2, 0.4, 0.4]])
    >>> score_draws(g, [4.0, 3.0, 5.0], M)[:, 0]
    array([4.1, 4. ])
    """
    g = np.asarray(leaf_weight_draws, dtype=float)
    m = np.asarray(item_means, dtype=float)
    if g.ndim != 2:
        raise ValueError(
            f"`leaf_weight_draws` must be 2-d (draws, leaves); got shape {g.shape} instead."
        )
    if axis not in (0, -1):
        raise ValueError(f"`axis` must be 0 or -1; got {axis!r} instead.")
    if m.ndim not in (1, 2):
        raise ValueError(f"`item_means` must be (L,) or (G, L); got shape {m.shape} instead.")
    if axis != 0:
        g = g.T
    if m.ndim == 2:
        out = composite_scores(g[:, None, :], m[None, :, :], membership)  # (S, G, N)
    else:
        out = composite_scores(g, m, membership)  # (S, N)
    return out if axis == 0 else np.moveaxis(out, 0, -1)



def predictive_checks(idata: Any, *, confidence_level: float = 0.95,
                      max_draws: int = 1000) -> pd.DataFrame:
    """Posterior predictive checks of a fit: observed vs replicated judgments.

    Every replicated data set of the ``posterior_predictive`` group (each expert giving every
    judgment again at one posterior draw, its own deviation, inconsistency and lapses
    included) is summarised as the observed one is; the observed statistic should look like
    a typical replicated one (Gelman, Meng & Stern 1996). Two statistics:

    - ``consistency_ratio``, per expert: the mean consistency ratio (Saaty's random index)
      of the expert's complete matrices of order 3 or more. A ``p_value`` near 0 means the
      expert is less consistent than the model's ``sigma_k`` and lapses reproduce; near 1,
      more consistent (e.g. a repaired or copied matrix).
    - ``share_at_scale_ends``, over the panel (``expert = "all"``): the share of judgments
      at or beyond the scale's ends 9 and 1/9. Too many observed end values mean the
      judgments clip (true ratios above 9) more than the model expects.

    Parameters
    ----------
    idata : arviz.InferenceData
        From :meth:`BayesianAHP.fit` (with its ``posterior_predictive`` group).
    confidence_level : float, optional
        Level of the equal-tailed interval of the replicated statistic.
    max_draws : int, optional
        Replicated data sets used at most (evenly thinned), to bound the work.

    Returns
    -------
    DataFrame
        ``check, expert, n, observed, replicated_median, ci_low, ci_high, p_value``: ``n``
        matrices (consistency) or judgments (scale ends); ``p_value`` = P(replicated >=
        observed).

    Examples
    --------
    >>> from ahpstat.bayes import predictive_checks  # doctest: +SKIP
    >>> predictive_checks(model.fit(rng=1)).columns.tolist()  # doctest: +SKIP
    ['check', 'expert', 'n', 'observed', 'replicated_median', 'ci_low', 'ci_high', 'p_value']
    """
    from ahpstat.consistency import consistency

    if not 0 < confidence_level < 1:
        raise ValueError("`confidence_level` must lie in (0, 1); got "
                         f"{confidence_level!r} instead.")
    if "posterior_predictive" not in idata.groups():
        raise ValueError("`idata` has no posterior_predictive group; fit with "
                         "`posterior_predictive=True`. Got groups "
                         f"{list(idata.groups())} instead.")
    rep = idata.posterior_predictive["log_judgment"].stack(sample=("chain", "draw"))
    rep = np.asarray(rep.transpose("sample", "judgment").values)
    keep = np.unique(np.linspace(0, rep.shape[0] - 1, min(max_draws, rep.shape[0]))
                     .round().astype(int))
    Y = np.vstack([np.asarray(idata.observed_data["log_judgment"].values)[None], rep[keep]])
    cd = idata.constant_data
    expert = np.asarray(cd["judgment_expert"].values).astype(str)
    node = np.asarray(cd["judgment_node"].values).astype(str)
    row = np.asarray(cd["judgment_row"].values).astype(str)
    col = np.asarray(cd["judgment_col"].values).astype(str)
    structure = json.loads(idata.posterior.attrs["structure"])
    a = (1.0 - confidence_level) / 2.0
    rows = []

    def summary(check: str, who: str, n: int, T: np.ndarray) -> None:
        obs, r = float(T[0]), T[1:]
        rows.append((check, who, n, obs, float(np.median(r)), float(np.quantile(r, a)),
                     float(np.quantile(r, 1.0 - a)), float(np.mean(r >= obs))))

    # consistency ratio per expert: complete matrices of order >= 3, batched by order
    cells: dict[int, list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]] = {}
    for (k, g), idx in pd.Series(np.arange(node.size)).groupby([expert, node]):
        kids = structure[g]
        n = len(kids)
        ix = idx.to_numpy()
        if n < 3 or ix.size != n * (n - 1) // 2:
            continue
        pos = {c: i for i, c in enumerate(kids)}
        cells.setdefault(n, []).append((k, ix, np.array([pos[x] for x in row[ix]]),
                                        np.array([pos[x] for x in col[ix]])))
    cr: dict[str, list[np.ndarray]] = {}
    for n, group in cells.items():
        A = np.ones((Y.shape[0], len(group), n, n))
        for m, (_, ix, r, c) in enumerate(group):
            v = np.exp(Y[:, ix])
            A[:, m, r, c] = v
            A[:, m, c, r] = 1.0 / v
        val = np.asarray(consistency(A.reshape(-1, n, n), index="cr").value)
        val = val.reshape(Y.shape[0], len(group))
        for m, (k, *_) in enumerate(group):
            cr.setdefault(k, []).append(val[:, m])
    experts = [str(e) for e in idata.posterior["expert"].values]
    for k in experts:
        if k in cr:
            summary("consistency_ratio", k, len(cr[k]), np.mean(cr[k], axis=0))
    # share of judgments at (or beyond) the scale's ends
    end = LOG_RANGE - 1e-9
    summary("share_at_scale_ends", "all", int(Y.shape[1]), (np.abs(Y) >= end).mean(axis=1))
    return pd.DataFrame(rows, columns=["check", "expert", "n", "observed",
                                       "replicated_median", "ci_low", "ci_high", "p_value"])

