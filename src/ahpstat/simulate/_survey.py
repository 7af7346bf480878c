"""Simulated Likert surveys with known truth: the latent-normal answer model, its exact
expected answers (:func:`expected_likert_mean`, :func:`latent_means`), the survey
(:func:`simulate_survey`) and the true composite scores (:func:`true_scores`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import ndtr

from ahpstat._validation import check_int, check_likert
from ahpstat.hierarchy import Hierarchy, as_hierarchy
from ahpstat.simulate._checks import check_prob, check_sd, ids_of, true_local

__all__ = ["expected_likert_mean", "latent_means", "simulate_survey", "true_scores"]


# --------------------------------------------------------------------------- survey


def _likert_model(likert: Any, thresholds: ArrayLike | None, group_sd: Any, respondent_sd: Any,
                  noise_sd: Any) -> tuple[int, int, np.ndarray, float]:
    lo, hi = check_likert(likert)
    if thresholds is None:
        t = np.arange(lo, hi) + 0.5
    else:
        t = np.asarray(thresholds, dtype=float)
        if (t.shape != (hi - lo,) or not np.all(np.isfinite(t))
                or not np.all(np.diff(t) > 0)):
            raise ValueError(f"`thresholds` must be {hi - lo} increasing finite cut points for "
                             f"the Likert range {lo}..{hi}; got {t.tolist()!r} instead.")
    s = np.sqrt(check_sd("group_sd", group_sd) ** 2 + check_sd("respondent_sd",
                                                                  respondent_sd) ** 2
                + check_sd("noise_sd", noise_sd) ** 2)
    return lo, hi, t, float(s)


def _means_array(name: str, means: Any, keys: Sequence[str] | None = None,
                 alt_keys: Sequence[str] | None = None) -> np.ndarray:
    if isinstance(means, Mapping):
        if keys is None:
            raise TypeError(f"`{name}` may be a mapping only when the items are named; got a "
                            "mapping instead.")
        m = {str(k): v for k, v in means.items()}
        out = []
        for j, k in enumerate(keys):
            alt = alt_keys[j] if alt_keys is not None else k
            if k in m:
                out.append(m[k])
            elif alt in m:
                out.append(m[alt])
            else:
                raise ValueError(f"`{name}` lacks item {k!r}; got keys {sorted(m)!r} instead.")
        arr = np.asarray(out, dtype=float)
    else:
        try:
            arr = np.asarray(means, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"`{name}` must be numbers (one per item); got "
                            f"{type(means).__name__} instead.") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite; got {arr.tolist()!r} instead.")
    return arr


def expected_likert_mean(
    item_means: ArrayLike,
    *,
    group_sd: float = 0.0,
    respondent_sd: float = 0.0,
    noise_sd: float = 1.0,
    likert: tuple[int, int] = (1, 5),
    thresholds: ArrayLike | None = None,
) -> np.ndarray:
    """Exact expected Likert answer of items under the model of :func:`simulate_survey`.

    Parameters
    ----------
    item_means : array_like
        Latent item means ``mu_i`` (any shape).
    group_sd, respondent_sd, noise_sd : float
        As in :func:`simulate_survey`.
    likert : (int, int), default (1, 5)
    thresholds : array_like, optional
        As in :func:`simulate_survey` (default: halfway between categories).

    Returns
    -------
    ndarray
        ``E[answer]`` for each item, the same shape as ``item_means``: the true item means of
        a simulated survey (averaged over groups and respondents, i.e. the population value).

    Notes
    -----
    The latent answer is ``N(mu_i, s^2)`` with ``s^2 = group_sd^2 + respondent_sd^2 +
    noise_sd^2``, and the answer is ``lo + sum_k 1[y > t_k]``, so
    ``E[answer] = lo + sum_k Phi((mu_i - t_k) / s)`` (``s = 0``: the indicator itself).

    Examples
    --------
    >>> expected_likert_mean([3.0, 4.0], noise_sd=0.0).tolist()
    [3.0, 4.0]
    >>> round(float(expected_likert_mean(3.0, noise_sd=0.8)), 6)  # symmetric about 3
    3.0
    >>> expected_likert_mean(6.0, noise_sd=1.0) < 5
    np.True_
    """
    lo, _hi, t, s = _likert_model(likert, thresholds, group_sd, respondent_sd, noise_sd)
    mu = _means_array("item_means", item_means)
    if s == 0:
        return lo + (mu[..., None] > t).sum(axis=-1).astype(float)
    return lo + ndtr((mu[..., None] - t) / s).sum(axis=-1)


def latent_means(
    likert_means: ArrayLike,
    *,
    group_sd: float = 0.0,
    respondent_sd: float = 0.0,
    noise_sd: float = 1.0,
    likert: tuple[int, int] = (1, 5),
    thresholds: ArrayLike | None = None,
) -> np.ndarray:
    """Latent item means whose expected Likert answers are ``likert_means``.

    The inverse of :func:`expected_likert_mean` (which is strictly increasing in the latent
    mean when the total standard deviation is positive), by bisection to machine precision.

    Parameters
    ----------
    likert_means : array_like
        Target expected answers, strictly inside the Likert range.
    group_sd, respondent_sd, noise_sd, likert, thresholds
        As in :func:`simulate_survey`.

    Returns
    -------
    ndarray
        Latent means, the same shape as ``likert_means``.

    Examples
    --------
    >>> mu = latent_means([3.5, 4.2], noise_sd=0.9)
    >>> expected_likert_mean(mu, noise_sd=0.9).round(10).tolist()
    [3.5, 4.2]
    """
    lo, hi, t, s = _likert_model(likert, thresholds, group_sd, respondent_sd, noise_sd)
    target = _means_array("likert_means", likert_means)
    if s == 0:
        raise ValueError("`group_sd`, `respondent_sd` and `noise_sd` are all 0: the expected "
                         "answer is a step function of the latent mean and has no inverse. "
                         "Got a total standard deviation of 0 instead.")
    if not np.all((target > lo) & (target < hi)):
        raise ValueError(f"`likert_means` must lie strictly inside the Likert range {lo}..{hi}; "
                         f"got {target.tolist()!r} instead.")
    a = np.full(target.shape, t[0] - 40.0 * s)
    b = np.full(target.shape, t[-1] + 40.0 * s)
    for _ in range(200):
        mid = 0.5 * (a + b)
        below = lo + ndtr((mid[..., None] - t) / s).sum(axis=-1) < target
        a = np.where(below, mid, a)
        b = np.where(below, b, mid)
        if np.all(b - a <= 4 * np.finfo(float).eps * np.maximum(1.0, np.abs(a))):
            break
    return 0.5 * (a + b)


def simulate_survey(
    items: Any,
    item_means: ArrayLike | Mapping[str, float],
    *,
    n_respondents: int | None = None,
    groups: int | Sequence[int] = 1,
    group_sd: float = 0.0,
    respondent_sd: float = 0.0,
    noise_sd: float = 1.0,
    likert: tuple[int, int] = (1, 5),
    thresholds: ArrayLike | None = None,
    missing: float = 0.0,
    id_column: str = "respondent",
    group_column: str = "group",
    respondent_ids: Sequence[str] | None = None,
    group_ids: Sequence[str] | None = None,
    rng: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate Likert answers of respondents nested in groups.

    Parameters
    ----------
    items : Hierarchy or sequence of str
        A hierarchy (its leaves are the items, columns named ``hierarchy.item(leaf)``) or
        the item column names.
    item_means : array_like (L,) or mapping
        Latent item means ``mu_i`` in item order, or a mapping keyed by leaf id or column
        name. :func:`latent_means` gives the latent means for wanted Likert means.
    n_respondents : int, optional
        Number of respondents, split as evenly as possible over ``groups``; may be omitted
        when ``groups`` lists the group sizes.
    groups : int or sequence of int, default 1
        Number of groups, or the size of each group.
    group_sd, respondent_sd, noise_sd : float, default 0, 0, 1
        Standard deviations of the group effect (shared by every item and respondent of a
        group), the respondent effect (shared by the respondent's items) and the answer noise.
    likert : (int, int), default (1, 5)
        Lowest and highest answer.
    thresholds : array_like, optional
        ``hi - lo`` increasing cut points on the latent scale (default ``lo + 0.5, ...,
        hi - 0.5``: round to the nearest category).
    missing : float in [0, 1], default 0.0
        Probability that an answer is blank (completely at random).
    id_column, group_column : str
        Names of the respondent id (the index) and of the group column.
    respondent_ids, group_ids : sequence of str, optional
        Default ``R001, ...`` and ``G01, ...``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    DataFrame
        Indexed by respondent id (index name ``id_column``): the group column (text) and one
        float column per item holding integers ``lo..hi`` (``NaN`` = blank) -- the layout
        :func:`ahpstat.io.read_survey` returns. ``df.to_csv(path, float_format="%.0f")``
        writes a survey file a study reads (``id_column``, ``group_columns: [group_column]``).
        ``attrs["group_effects"]`` holds the drawn group effects ``u_g`` (array, group
        order), so a group's true item means are ``expected_likert_mean(item_means + u_g,
        respondent_sd=..., noise_sd=...)``.

    Notes
    -----
    ``y_ri = mu_i + u_g + v_r + e_ri``; answer ``= lo + #{k : y_ri > t_k}``.
    :func:`expected_likert_mean` gives the exact expected answer. The draws depend on the
    sizes only (group effects, respondent effects, noise, missingness, in that order), so
    the same ``rng`` with other means or standard deviations gives the same standardized
    draws.

    Examples
    --------
    >>> df = simulate_survey(["Q1", "Q2"], [3.0, 4.5], n_respondents=6, groups=2,
    ...                      noise_sd=0.7, rng=3)
    >>> df.columns.tolist(), df.index.name, df.group.tolist()
    (['group', 'Q1', 'Q2'], 'respondent', ['G01', 'G01', 'G01', 'G02', 'G02', 'G02'])
    >>> bool(df[["Q1", "Q2"]].isin([1, 2, 3, 4, 5]).all().all())
    True
    """
    if isinstance(items, Hierarchy):
        keys = list(items.leaves)
        columns = [items.item(x) for x in keys]
        mu = _means_array("item_means", item_means, keys, columns)
    elif isinstance(items, Sequence) and not isinstance(items, str):
        columns = [str(c) for c in items]
        if not columns or len(set(columns)) != len(columns):
            raise ValueError(f"`items` must be unique column names; got {columns!r} instead.")
        mu = _means_array("item_means", item_means, columns)
    else:
        raise TypeError("`items` must be an ahpstat.Hierarchy or a list of column names; got "
                        f"{type(items).__name__} instead.")
    L = len(columns)
    if mu.shape != (L,):
        raise ValueError(f"`item_means` must hold one mean per item ({L}); got shape "
                         f"{mu.shape} instead.")
    lo, _hi, t, _ = _likert_model(likert, thresholds, group_sd, respondent_sd, noise_sd)
    p_missing = check_prob("missing", missing)
    if isinstance(groups, int | np.integer) and not isinstance(groups, bool):
        G = check_int("groups", groups, 1)
        if n_respondents is None:
            raise ValueError("`n_respondents` is required when `groups` is a number of groups; "
                             "got None instead.")
        R = check_int("n_respondents", n_respondents, G)
        sizes = np.full(G, R // G)
        sizes[: R % G] += 1
    elif isinstance(groups, Sequence | np.ndarray) and not isinstance(groups, str):
        sizes = np.array([check_int("groups", g, 1) for g in groups], dtype=int)
        if sizes.size == 0:
            raise ValueError("`groups` must list at least one group size; got [] instead.")
        R = int(sizes.sum())
        if n_respondents is not None and n_respondents != R:
            raise ValueError(f"`n_respondents` ({n_respondents!r}) must equal the sum of the "
                             f"group sizes in `groups`; got {R} instead.")
        G = sizes.size
    else:
        raise TypeError("`groups` must be a number of groups or a list of group sizes; got "
                        f"{type(groups).__name__} instead.")
    if not isinstance(id_column, str) or not isinstance(group_column, str) \
            or id_column == group_column or id_column in columns or group_column in columns:
        raise ValueError("`id_column` and `group_column` must be distinct names that are not "
                         f"item columns; got {id_column!r} and {group_column!r} instead.")
    rids = ids_of("respondent_ids", respondent_ids, R, "R", 3)
    gids = ids_of("group_ids", group_ids, G, "G", 2)

    gen = np.random.default_rng(rng)
    u = gen.standard_normal(G)
    v = gen.standard_normal(R)
    e = gen.standard_normal((R, L))
    blank = gen.random((R, L)) < p_missing
    code = np.repeat(np.arange(G), sizes)
    y = (mu[None, :] + float(group_sd) * u[code, None] + float(respondent_sd) * v[:, None]
         + float(noise_sd) * e)
    ans = lo + np.searchsorted(t, y.ravel(), side="left").reshape(R, L).astype(float)
    ans[blank] = np.nan
    index = pd.Index(rids, name=id_column, dtype=object)
    out = pd.DataFrame(ans, index=index, columns=columns)
    out.insert(0, group_column, np.array(gids, dtype=object)[code])
    out.attrs["group_effects"] = float(group_sd) * u  # u_g, in group order (true group means)
    return out


def true_scores(
    hierarchy: Any,
    true_weights: Mapping[str, ArrayLike],
    item_means: ArrayLike | Mapping[str, float],
) -> pd.Series:
    """Composite scores of every node under the truth of a simulation.

    Parameters
    ----------
    hierarchy : Hierarchy or mapping
        As in :func:`simulate_panel`.
    true_weights : mapping node -> array_like
        True local weights (as given to :func:`simulate_panel`).
    item_means : array_like (L,) or mapping leaf -> float
        True item means on the answer scale, in leaf order -- typically
        :func:`expected_likert_mean` of the latent means given to :func:`simulate_survey`.

    Returns
    -------
    Series
        Score of every node (index: ``hierarchy.nodes``), by the seed study's rule
        (:func:`ahpstat.scoring.composite_scores` of the true leaf global weights).

    Examples
    --------
    >>> tree = {"A": ["B1", "B2"], "B1": ["x", "y"]}
    >>> true_scores(tree, {"A": [0.5, 0.5], "B1": [0.75, 0.25]}, [4.0, 2.0, 3.0]).tolist()
    [3.25, 3.5, 4.0, 2.0, 3.0]
    """
    from ahpstat.scoring import composite_scores

    h = as_hierarchy(hierarchy)
    nodes = [v for v in h.internal if len(h.children(v)) >= 2]
    local = true_local(h, true_weights, nodes)
    g = h.global_weights(local)
    leaf_w = np.array([float(g[x]) for x in h.leaves])
    m = _means_array("item_means", item_means, list(h.leaves))
    if m.shape != leaf_w.shape:
        raise ValueError(f"`item_means` must hold one mean per leaf ({leaf_w.size}); got "
                         f"shape {m.shape} instead.")
    return pd.Series(composite_scores(leaf_w, m, h.membership()), index=list(h.nodes),
                     name="score")
