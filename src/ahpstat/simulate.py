"""Simulated expert panels and Likert surveys with known truth.

Every generator draws only from a keyword-only ``rng`` (normalized with
``np.random.default_rng``) and returns data in the layouts the rest of the package reads, so a
simulated study runs through :func:`ahpstat.io.judgment_stacks`, :func:`ahpstat.panel.run_panel`,
:func:`ahpstat.bootstrap.joint_bootstrap` or, written to files, :class:`ahpstat.Study`.

Panel model (:func:`simulate_panel`)
    Expert ``k``'s log-priorities at node ``g`` are ``theta_kg = log w_g + expert_sd * z_kg``
    with ``z_kg`` standard normal and centred over the node's elements (so the experts scatter
    around the true local weights ``w_g``); a judgment is
    ``log a_ij = theta_i - theta_j + sigma_k * eps_ij`` (upper triangle only), with
    ``sigma_k = noise_sd`` or ``erratic_sd`` for erratic experts, then optionally rounded to the
    nearest value of Saaty's scale (in log space, clipped to 1/9..9). This is the log-linear
    judgment model of docs/methods.md (Crawford & Williams 1985).

Survey model (:func:`simulate_survey`)
    Respondent ``r`` of group ``g`` has the latent answer to item ``i``
    ``y_ri = mu_i + u_g + v_r + e_ri`` with ``u_g ~ N(0, group_sd^2)``,
    ``v_r ~ N(0, respondent_sd^2)``, ``e_ri ~ N(0, noise_sd^2)``; the Likert answer is the
    lowest category plus the number of thresholds below ``y_ri`` (default thresholds halfway
    between categories, i.e. rounding to the nearest category, clipped to the range). Its
    expected value, :func:`expected_likert_mean`, is exact, so the true item means and the true
    composite scores of a simulated study are known.

Common random numbers: the draws of a generator depend on the sizes only, never on the
parameter values, so e.g. the same ``rng`` with ``missing=0.2`` deletes judgments from the
panel that ``missing=0`` gives, and moving ``item_means`` moves every latent answer alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import ndtr

from ahpstat._validation import check_choice, check_int, check_likert
from ahpstat.hierarchy import Hierarchy, as_hierarchy
from ahpstat.pairwise import from_upper_triangle
from ahpstat.scales import SAATY_SCALE, nearest_saaty

__all__ = [
    "expected_likert_mean",
    "latent_means",
    "random_reciprocal_matrices",
    "random_weights",
    "simulate_matrices",
    "simulate_panel",
    "simulate_survey",
    "true_scores",
]

_SCALES = ("saaty", None)


# --------------------------------------------------------------------------- validation


def _check_sd(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a number; got {type(value).__name__} "
                        "instead.") from None
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"`{name}` must be a finite number >= 0; got {value!r} instead.")
    return v


def _check_prob(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a probability; got {type(value).__name__} "
                        "instead.") from None
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"`{name}` must be a probability in [0, 1]; got {value!r} instead.")
    return v


def _ids(name: str, given: Sequence[Any] | None, n: int, prefix: str, width: int) -> list[str]:
    if given is None:
        w = max(width, len(str(n)))
        return [f"{prefix}{k:0{w}d}" for k in range(1, n + 1)]
    if isinstance(given, str) or not isinstance(given, Sequence):
        raise TypeError(f"`{name}` must be a sequence of {n} ids; got "
                        f"{type(given).__name__} instead.")
    out = [str(x) for x in given]
    if len(out) != n:
        raise ValueError(f"`{name}` must hold {n} id(s); got {len(out)} instead.")
    if len(set(out)) != n or any(x == "" for x in out):
        raise ValueError(f"`{name}` must be unique, non-empty ids; got {out!r} instead.")
    return out


def _true_local(h: Any, true_weights: Mapping[str, ArrayLike],
                nodes: Sequence[str]) -> dict[str, np.ndarray]:
    if not isinstance(true_weights, Mapping):
        raise TypeError("`true_weights` must map each node to the local weights of its "
                        f"children; got {type(true_weights).__name__} instead.")
    unknown = [str(v) for v in true_weights if str(v) not in h]
    if unknown:
        raise ValueError(f"`true_weights` names nodes that are not in the hierarchy: "
                         f"{unknown!r}. Got {len(unknown)} unknown node(s) instead.")
    out = {}
    for v in nodes:
        kids = h.children(v)
        if v not in true_weights:
            raise ValueError(f"`true_weights` lacks node {v!r} (children "
                             f"{', '.join(kids)}); every node with two or more children needs "
                             "its local weights. Got no entry instead.")
        w = np.asarray(true_weights[v], dtype=float)
        if w.shape != (len(kids),) or not np.all(np.isfinite(w)) or not np.all(w > 0):
            raise ValueError(f"`true_weights[{v!r}]` must be {len(kids)} positive weights (one "
                             f"per child {', '.join(kids)}); got {w.tolist()!r} instead.")
        out[v] = w / w.sum()
    return out


# --------------------------------------------------------------------------- helpers


def random_weights(
    n: int,
    *,
    concentration: float | ArrayLike = 1.0,
    size: int | tuple[int, ...] | None = None,
    rng: Any = None,
) -> np.ndarray:
    """Random weight vectors from a Dirichlet distribution.

    Parameters
    ----------
    n : int
        Number of elements (>= 1).
    concentration : float or array_like (n,), default 1.0
        Dirichlet parameter per element (a scalar is used for all): 1 is uniform on the
        simplex, larger values concentrate the weights around ``concentration / sum``.
    size : int or tuple of int, optional
        Batch shape; the result has shape ``(*size, n)``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    ndarray, shape ``(n,)`` or ``(*size, n)``
        Positive weights summing to 1 on the last axis.

    Examples
    --------
    >>> w = random_weights(4, concentration=5.0, rng=1)
    >>> w.shape, bool(np.isclose(w.sum(), 1.0))
    ((4,), True)
    >>> random_weights(3, size=(2, 5), rng=1).shape
    (2, 5, 3)
    """
    n = check_int("n", n, 1)
    alpha = np.broadcast_to(np.asarray(concentration, dtype=float), (n,)) if np.ndim(
        concentration) == 0 else np.asarray(concentration, dtype=float)
    if alpha.shape != (n,) or not np.all(np.isfinite(alpha)) or not np.all(alpha > 0):
        raise ValueError(f"`concentration` must be a positive number or {n} positive numbers; "
                         f"got {np.asarray(concentration).tolist()!r} instead.")
    gen = np.random.default_rng(rng)
    return gen.dirichlet(alpha, size=size)


def random_reciprocal_matrices(
    n: int,
    *,
    size: int | tuple[int, ...] | None = None,
    scale: str | None = "saaty",
    rng: Any = None,
) -> np.ndarray:
    """Random reciprocal matrices: the ensemble behind the random index RI(n).

    Each upper-triangle entry is drawn independently, uniformly from the 17 values of Saaty's
    scale (1/9, ..., 1, ..., 9), as in Alonso & Lamata (2006); the lower triangle holds the
    reciprocals.

    Parameters
    ----------
    n : int
        Matrix order (>= 1).
    size : int or tuple of int, optional
        Batch shape; the result has shape ``(*size, n, n)``.
    scale : {"saaty", None}, default "saaty"
        ``None`` draws ``log a_ij`` uniformly on ``[log 1/9, log 9]`` (continuous values).
    rng : None, int or numpy.random.Generator

    Returns
    -------
    ndarray, shape ``(n, n)`` or ``(*size, n, n)``

    Notes
    -----
    The mean consistency index CI of these matrices is the random index: 0.5245 for
    ``n = 3`` and 0.8815 for ``n = 4`` in Alonso & Lamata's (2006) 100,000-matrix estimates.

    Examples
    --------
    >>> A = random_reciprocal_matrices(4, size=3, rng=0)
    >>> A.shape, bool(np.allclose(A * np.swapaxes(A, -1, -2), 1.0))
    ((3, 4, 4), True)
    """
    n = check_int("n", n, 1)
    check_choice("scale", scale, _SCALES)
    gen = np.random.default_rng(rng)
    batch: tuple[int, ...] = (() if size is None
                              else tuple(int(x) for x in np.atleast_1d(size)))
    m = n * (n - 1) // 2
    if scale == "saaty":
        vals = SAATY_SCALE[gen.integers(0, SAATY_SCALE.size, size=(*batch, m))]
    else:
        vals = np.exp(gen.uniform(-np.log(9.0), np.log(9.0), size=(*batch, m)))
    if n == 1:
        return np.ones((*batch, 1, 1))
    return from_upper_triangle(vals, n)


# --------------------------------------------------------------------------- panel


def _spanning_tree_pairs(gen: np.random.Generator, K: int, n: int) -> np.ndarray:
    """``(K, m)`` mask of the upper-triangle pairs of one random spanning tree per expert.

    A random recursive tree on a random order of the elements: element ``perm[t]`` is joined
    to one of ``perm[0..t-1]`` chosen uniformly.
    """
    m = n * (n - 1) // 2
    pos = np.full((n, n), -1)
    iu = np.triu_indices(n, 1)
    pos[iu] = np.arange(m)
    perm = gen.permuted(np.tile(np.arange(n), (K, 1)), axis=1)
    tree = np.zeros((K, m), dtype=bool)
    ks = np.arange(K)
    for t in range(1, n):
        j = gen.integers(0, t, size=K)
        a, b = perm[:, t], perm[ks, j]
        tree[ks, pos[np.minimum(a, b), np.maximum(a, b)]] = True
    return tree


def simulate_panel(
    hierarchy: Any,
    true_weights: Mapping[str, ArrayLike],
    *,
    n_experts: int,
    expert_sd: float = 0.2,
    noise_sd: float = 0.1,
    scale: str | None = "saaty",
    erratic: int | Sequence[str] = 0,
    erratic_sd: float = 1.0,
    missing: float = 0.0,
    expert_ids: Sequence[str] | None = None,
    rng: Any = None,
) -> pd.DataFrame:
    """Simulate a panel of experts judging every node of a hierarchy.

    Parameters
    ----------
    hierarchy : Hierarchy or mapping
        An :class:`ahpstat.Hierarchy`, the nested mapping :meth:`Hierarchy.from_dict` takes,
        or a mapping parent -> list of children (``{"A": ["B1", "B2"], "B1": [...]}``).
    true_weights : mapping node -> array_like
        True local weights of the children of every node with two or more children, in
        ``hierarchy.children(node)`` order (positive; normalized to sum 1).
    n_experts : int
        Panel size.
    expert_sd : float, default 0.2
        Standard deviation of an expert's log-priorities around the true ones.
    noise_sd : float, default 0.1
        Standard deviation of each log-judgment around the expert's own priorities (the
        expert's inconsistency).
    scale : {"saaty", None}, default "saaty"
        Round each judgment to the nearest value of Saaty's 1/9..9 scale (in log space), or
        keep it continuous.
    erratic : int or sequence of str, default 0
        Erratic experts, whose judgment noise is ``erratic_sd`` instead of ``noise_sd``: how
        many (chosen at random) or their ids. The ids are in ``result.attrs["erratic"]``.
    erratic_sd : float, default 1.0
    missing : float in [0, 1], default 0.0
        Probability that a judgment is missing. The judgments of one random spanning tree
        of each expert's comparison graph are always kept, so every matrix stays connected
        (its weights stay identified): the realized missing rate is
        ``missing * (1 - 2 / n)`` for a node with ``n`` children (none for ``n = 2``).
    expert_ids : sequence of str, optional
        Default ``E01, E02, ...``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    DataFrame
        Canonical long form, one row per judgment, upper triangle only (``row`` before
        ``col`` in the children's order), ordered by expert, node (pre-order) and pair:
        ``expert, node, row, col`` (str) and ``value`` (float > 0, how much more important
        ``row`` is than ``col``). ``attrs["erratic"]`` is the tuple of erratic experts.
        Ready for :func:`ahpstat.io.validate_judgments` and
        :func:`ahpstat.io.judgment_stacks`.

    Raises
    ------
    ValueError, TypeError
        Invalid arguments, naming the parameter (and the node for ``true_weights``).

    Notes
    -----
    ``theta_kg = log w_g + expert_sd * (z_kg - mean(z_kg))`` and
    ``log a_ij = theta_i - theta_j + sigma_k * eps_ij`` with standard normal ``z`` and
    ``eps``; ``sigma_k`` is ``erratic_sd`` for erratic experts and ``noise_sd`` otherwise.
    With ``expert_sd = noise_sd = 0`` and ``scale=None`` every matrix is the consistent
    matrix ``w_i / w_j`` and every weighting method returns ``w_g``. The random draws depend
    on the sizes only: the same ``rng`` gives the same judgments whatever ``missing`` and
    ``erratic`` are (those come from separate streams).

    Examples
    --------
    >>> tree = {"A": ["B1", "B2", "B3"], "B1": ["x", "y"]}
    >>> truth = {"A": [0.5, 0.3, 0.2], "B1": [0.6, 0.4]}
    >>> df = simulate_panel(tree, truth, n_experts=3, rng=1)
    >>> df.head(4)
      expert node row col  value
    0    E01    A  B1  B2    2.0
    1    E01    A  B1  B3    2.0
    2    E01    A  B2  B3    2.0
    3    E01   B1   x   y    1.0
    >>> len(df), sorted(df.expert.unique())
    (12, ['E01', 'E02', 'E03'])
    """
    h = as_hierarchy(hierarchy)
    K = check_int("n_experts", n_experts, 1)
    ids = _ids("expert_ids", expert_ids, K, "E", 2)
    nodes = [v for v in h.internal if len(h.children(v)) >= 2]
    truth = _true_local(h, true_weights, nodes)
    if isinstance(erratic, Sequence) and not isinstance(erratic, str):
        unknown = [str(e) for e in erratic if str(e) not in ids]
        if unknown:
            raise ValueError(f"`erratic` names experts that are not in the panel: {unknown!r}; "
                             f"the experts are {ids[0]}..{ids[-1]}. Got {len(unknown)} unknown "
                             "id(s) instead.")
        which: Any = np.isin(ids, [str(e) for e in erratic])
    else:
        which = erratic
    bad, draws = _draw_panel(h, truth, nodes, K, expert_sd=expert_sd, noise_sd=noise_sd,
                             scale=scale, erratic=which, erratic_sd=erratic_sd,
                             missing=missing, rng=rng)
    parts: list[tuple[np.ndarray, ...]] = []
    for g, (v, vals, keep) in enumerate(draws):
        kids = np.array(h.children(v), dtype=object)
        iu = np.triu_indices(kids.size, 1)
        k_idx, p_idx = np.nonzero(keep)  # row-major: by expert, then pair
        parts.append((k_idx, np.full(k_idx.size, g), np.full(k_idx.size, v, dtype=object),
                      kids[iu[0][p_idx]], kids[iu[1][p_idx]], vals[k_idx, p_idx]))
    k_all, g_all, node, row, col, value = (np.concatenate(c) for c in zip(*parts, strict=True))
    order = np.lexsort((g_all, k_all))  # by expert, node; pairs stay in order
    out = pd.DataFrame({
        "expert": np.array(ids, dtype=object)[k_all[order]],
        "node": node[order], "row": row[order], "col": col[order],
        "value": value[order].astype(float),
    })
    out.attrs["erratic"] = tuple(e for e, b in zip(ids, bad, strict=True) if b)
    return out


def _draw_panel(h: Any, truth: Mapping[str, np.ndarray], nodes: Sequence[str], K: int, *,
                expert_sd: Any, noise_sd: Any, scale: Any, erratic: Any, erratic_sd: Any,
                missing: Any, rng: Any) -> tuple[np.ndarray, Any]:
    """The panel model's draws: the erratic mask and, lazily per node, ``(node, values (K, m),
    kept (K, m))`` (upper triangle, row-major). ``truth[v]`` is ``(n,)`` or per expert
    ``(K, n)``. One implementation for :func:`simulate_panel` and :func:`simulate_matrices`.
    """
    expert_sd = _check_sd("expert_sd", expert_sd)
    noise_sd = _check_sd("noise_sd", noise_sd)
    erratic_sd = _check_sd("erratic_sd", erratic_sd)
    check_choice("scale", scale, _SCALES)
    p_missing = _check_prob("missing", missing)
    gen = np.random.default_rng(rng)
    g_judge, g_missing, g_erratic = gen.spawn(3)

    if isinstance(erratic, int | np.integer) and not isinstance(erratic, bool):
        if not 0 <= erratic <= K:
            raise ValueError(f"`erratic` must be a number of experts in 0..{K} or a list of "
                             f"expert ids; got {erratic!r} instead.")
        bad = np.zeros(K, dtype=bool)
        bad[g_erratic.choice(K, size=int(erratic), replace=False)] = True
    elif isinstance(erratic, np.ndarray) and erratic.dtype == bool and erratic.shape == (K,):
        bad = erratic
    else:
        raise TypeError("`erratic` must be a number of experts or a list of expert ids; got "
                        f"{type(erratic).__name__} instead.")
    sigma = np.where(bad, erratic_sd, noise_sd)

    def draws() -> Any:
        for v in nodes:
            n = len(h.children(v))
            iu = np.triu_indices(n, 1)
            m = iu[0].size
            z = g_judge.standard_normal((K, n))
            eps = g_judge.standard_normal((K, m))
            u = g_missing.random((K, m))
            tree = _spanning_tree_pairs(g_missing, K, n)
            z -= z.mean(axis=1, keepdims=True)
            theta = np.log(truth[v]) + expert_sd * z  # truth (n,) or per expert (K, n)
            logs = theta[:, iu[0]] - theta[:, iu[1]] + sigma[:, None] * eps
            vals = nearest_saaty(np.exp(logs)) if scale == "saaty" else np.exp(logs)
            keep = tree | (u >= p_missing) if p_missing > 0 else np.ones((K, m), dtype=bool)
            yield v, vals, keep

    return bad, draws()


def simulate_matrices(
    hierarchy: Any,
    true_weights: Mapping[str, ArrayLike],
    *,
    n_experts: int,
    expert_sd: float = 0.2,
    noise_sd: float = 0.1,
    scale: str | None = "saaty",
    erratic: int | ArrayLike = 0,
    erratic_sd: float = 1.0,
    missing: float = 0.0,
    rng: Any = None,
) -> dict[str, np.ndarray]:
    """The judgments of :func:`simulate_panel` as arrays: one ``(K, n, n)`` stack per node.

    The array form for Monte Carlo work (:mod:`ahpstat.experiment` draws many panels at
    once): the same model, the same draws -- with the same ``rng`` the matrices hold exactly
    the judgments :func:`simulate_panel` returns as rows -- and no labels.

    Parameters
    ----------
    hierarchy : Hierarchy or mapping
        As in :func:`simulate_panel`.
    true_weights : mapping node -> array_like
        True local weights of every node with two or more children: ``(n,)`` shared by all
        experts, or ``(n_experts, n)``, one truth per expert (e.g. ``R`` independent panels of
        ``K`` experts stacked as ``R * K`` experts, each panel with its own truth).
    n_experts, expert_sd, noise_sd, scale, erratic_sd, missing, rng
        As in :func:`simulate_panel`.
    erratic : int or bool array (n_experts,), default 0
        How many erratic experts (chosen at random), or which.

    Returns
    -------
    dict node -> ndarray (n_experts, n, n)
        Reciprocal matrices in ``hierarchy.children(node)`` order; ``NaN`` = missing.

    Examples
    --------
    >>> tree = {"A": ["B1", "B2", "B3"], "B1": ["x", "y"]}
    >>> truth = {"A": [0.5, 0.3, 0.2], "B1": [0.6, 0.4]}
    >>> S = simulate_matrices(tree, truth, n_experts=3, rng=1)
    >>> S["A"].shape, S["A"][0, 0].tolist()  # simulate_panel(..., rng=1): E01 at A
    ((3, 3, 3), [1.0, 2.0, 2.0])
    >>> per_expert = {"A": [[0.5, 0.3, 0.2]] * 3, "B1": [0.6, 0.4]}
    >>> bool(np.array_equal(simulate_matrices(tree, per_expert, n_experts=3, rng=1)["A"],
    ...                     S["A"]))
    True
    """
    h = as_hierarchy(hierarchy)
    K = check_int("n_experts", n_experts, 1)
    nodes = [v for v in h.internal if len(h.children(v)) >= 2]
    if not isinstance(true_weights, Mapping):
        raise TypeError("`true_weights` must map each node to the local weights of its "
                        f"children; got {type(true_weights).__name__} instead.")
    shared = {v: w for v, w in true_weights.items() if np.ndim(w) <= 1}
    truth = _true_local(h, shared, [v for v in nodes if v in shared]) if shared else {}
    for v in nodes:
        if v in shared or v not in true_weights:
            continue
        n = len(h.children(v))
        w = np.asarray(true_weights[v], dtype=float)
        if w.shape != (K, n) or not np.all(np.isfinite(w)) or not np.all(w > 0):
            raise ValueError(f"`true_weights[{v!r}]` must be {n} positive weights or one row of "
                             f"them per expert ({K}, {n}); got shape {w.shape} instead.")
        truth[v] = w / w.sum(axis=1, keepdims=True)
    missing_nodes = [v for v in nodes if v not in truth]
    if missing_nodes:
        _true_local(h, true_weights, missing_nodes)  # raises naming the node
    if not (isinstance(erratic, int | np.integer) and not isinstance(erratic, bool)):
        erratic = np.asarray(erratic)
        if erratic.dtype != bool or erratic.shape != (K,):
            raise ValueError(f"`erratic` must be a number of experts or {K} booleans; got "
                             f"{erratic.tolist()!r} instead.")
    _, draws = _draw_panel(h, truth, nodes, K, expert_sd=expert_sd, noise_sd=noise_sd,
                           scale=scale, erratic=erratic, erratic_sd=erratic_sd,
                           missing=missing, rng=rng)
    out = {}
    for v, vals, keep in draws:
        out[v] = from_upper_triangle(np.where(keep, vals, np.nan), len(h.children(v)))
    return out


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
    s = np.sqrt(_check_sd("group_sd", group_sd) ** 2 + _check_sd("respondent_sd",
                                                                  respondent_sd) ** 2
                + _check_sd("noise_sd", noise_sd) ** 2)
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
    rng: Any = None,
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
    p_missing = _check_prob("missing", missing)
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
    rids = _ids("respondent_ids", respondent_ids, R, "R", 3)
    gids = _ids("group_ids", group_ids, G, "G", 2)

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
    local = _true_local(h, true_weights, nodes)
    g = h.global_weights(local)
    leaf_w = np.array([float(g[x]) for x in h.leaves])
    m = _means_array("item_means", item_means, list(h.leaves))
    if m.shape != leaf_w.shape:
        raise ValueError(f"`item_means` must hold one mean per leaf ({leaf_w.size}); got "
                         f"shape {m.shape} instead.")
    return pd.Series(composite_scores(leaf_w, m, h.membership()), index=list(h.nodes),
                     name="score")
