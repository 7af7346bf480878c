"""Simulated judgments: random weights and reciprocal matrices, expert panels on a hierarchy
with known true weights (:func:`simulate_panel`, :func:`simulate_matrices`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat._validation import check_int, check_scale
from ahpstat.hierarchy import as_hierarchy
from ahpstat.pairwise import from_upper_triangle, upper_pairs
from ahpstat.scales import SAATY_SCALE, nearest_saaty
from ahpstat.simulate._checks import check_prob, check_sd, ids_of, true_local

__all__ = ["random_reciprocal_matrices", "random_weights", "simulate_matrices",
           "simulate_panel"]


# --------------------------------------------------------------------------- helpers


def random_weights(
    n: int,
    *,
    concentration: float | ArrayLike = 1.0,
    size: int | tuple[int, ...] | None = None,
    rng: int | np.random.Generator | None = None,
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
    rng: int | np.random.Generator | None = None,
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
    scale = check_scale(scale)
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
    iu = upper_pairs(n)
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
    rng: int | np.random.Generator | None = None,
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
    ids = ids_of("expert_ids", expert_ids, K, "E", 2)
    nodes = [v for v in h.internal if len(h.children(v)) >= 2]
    truth = true_local(h, true_weights, nodes)
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
        iu = upper_pairs(kids.size)
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
    expert_sd = check_sd("expert_sd", expert_sd)
    noise_sd = check_sd("noise_sd", noise_sd)
    erratic_sd = check_sd("erratic_sd", erratic_sd)
    scale = check_scale(scale)
    p_missing = check_prob("missing", missing)
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
            iu = upper_pairs(n)
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
    rng: int | np.random.Generator | None = None,
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
    truth = true_local(h, shared, [v for v in nodes if v in shared]) if shared else {}
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
        true_local(h, true_weights, missing_nodes)  # raises naming the node
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


