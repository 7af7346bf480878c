"""Panel aggregation at every node of a hierarchy: AIJ / AIP, inconsistency policies, audit.

The labelled layer between the numpy core (:mod:`ahpstat.aggregation`,
:mod:`ahpstat.weighting`, :mod:`ahpstat.consistency`) and :mod:`ahpstat.study`. Input is the
per-node expert stacks of ``io.judgment_stacks`` (``node -> (experts, (K, n, n))``, ``NaN`` =
missing judgment) and a hierarchy; output is a :class:`PanelResult` with the local and
global weights, every expert's consistency at every node, an audit table of everything the
inconsistency policy did, and the panel's dispersion per node.

Aggregation (Forman & Peniwati 1998)
    ``aij``: element-wise weighted geometric mean of the experts' judgments, skipping missing
    ones (the weights renormalized over the experts who gave that judgment), then the
    weighting method on the aggregate matrix. A pair no expert judged stays missing: the
    eigenvector is then Harker's (1987) and the geometric mean the incomplete LLSM; a node
    whose pooled comparison graph is disconnected is an :class:`~ahpstat.InputError`.
    ``aip``: each expert's weights (Harker / LLSM for an incomplete matrix), combined by the
    weighted geometric mean (renormalized) or the weighted arithmetic mean.

Policies for an expert whose matrix at a node exceeds the threshold of the chosen index
    Every such case is flagged in the audit table, whatever the policy.
    ``keep``: flag only. ``drop``: leave that expert out at that node. ``repair``: repeatedly
    replace the worst judgment (largest ``|log(a_ij w_j / w_i)|``) by its consistent value
    ``w_i / w_j`` (rounded to Saaty's scale, or one scale step toward it, when
    ``repair_on_scale``) until the index is acceptable; every change is a row of the audit
    table. ``downweight``: multiply the expert's weight at that node by ``threshold / value``
    (an expert at twice the threshold counts half).

A policy acts per expert and node, independently of the other experts, so a resample of the
panel (:meth:`PanelResult.resample`) only re-aggregates: the per-expert decisions are
precomputed, and all nodes of all resamples are two matrix products plus one batched
eigenvector call per matrix order.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat._validation import InputError, check_method
from ahpstat._warnings import DegenerateDataWarning, warn
from ahpstat.aggregation import AGGREGATIONS, AIP_MEANS, aij_from_terms, aij_terms
from ahpstat.consistency import CONSISTENCY_INDICES, consistency
from ahpstat.hierarchy import Hierarchy, as_hierarchy
from ahpstat.io import expert_weight_vector
from ahpstat.pairwise import comparison_graph_components, is_connected
from ahpstat.scales import SAATY_SCALE, get_random_index_table, nearest_saaty
from ahpstat.weighting import INCOMPLETE_METHOD, WEIGHTING_METHODS, weights

__all__ = [
    "AGGREGATIONS",
    "PANEL_POLICIES",
    "PanelOptions",
    "PanelResult",
    "run_panel",
]

PANEL_POLICIES = ("keep", "drop", "repair", "downweight")
#: label used in the consistency table for the aggregate (AIJ) matrix of a node
AGGREGATE_LABEL = "(aggregate)"

_AUDIT_COLUMNS = ["expert", "node", "action", "row", "col", "old", "new", "index",
                  "index_before", "index_after", "threshold"]
_LOG_SCALE = np.log(SAATY_SCALE)
_DISPERSION_COLUMNS = ["node", "n_experts", "n_elements", "n_pairs", "log_sd_mean",
                       "log_sd_max", "worst_row", "worst_col", "weight_sd_mean"]


def needs_threshold(index: str, threshold: float | None, policy: str) -> bool:
    """Whether a panel policy acting on ``index`` lacks the threshold it needs.

    Koczkodaj's index has no default threshold (:mod:`ahpstat.consistency`), so a policy
    other than ``"keep"`` needs one given; the other indices have defaults.

    Examples
    --------
    >>> needs_threshold("koczkodaj", None, "drop"), needs_threshold("koczkodaj", 1 / 3, "drop")
    (True, False)
    >>> needs_threshold("koczkodaj", None, "keep"), needs_threshold("cr", None, "drop")
    (False, False)
    """
    return index == "koczkodaj" and threshold is None and policy != "keep"


@dataclass(frozen=True)
class PanelOptions:
    """How the panel is aggregated (defaults: the seed study's eigenvector + CR + AIJ).

    Attributes
    ----------
    weighting : str, default "eigenvector"
        Weighting method (:data:`ahpstat.weighting.WEIGHTING_METHODS`). Every option is
        matched case-insensitively.
    aggregation : {"aij", "aip"}, default "aij"
    aip_mean : {"geometric", "arithmetic"}, default "geometric"
    index : {"cr", "ci", "gci", "koczkodaj"}, default "cr"
    random_index : str, default "saaty"
        Random-index table (``"cr"`` and ``"ci"``).
    threshold : float or None, default None
        Acceptability threshold of ``index``; ``None`` = the index's own (CR 0.10, ...).
    policy : {"keep", "drop", "repair", "downweight"}, default "keep"
    repair_on_scale : bool, default True
        Repaired judgments stay on Saaty's 1-9 scale.
    max_repair_steps : int or None
        Changes per matrix before giving up (default: twice the number of pairs).
    """

    weighting: str = "eigenvector"
    aggregation: str = "aij"
    aip_mean: str = "geometric"
    index: str = "cr"
    random_index: str = "saaty"
    threshold: float | None = None
    policy: str = "keep"
    repair_on_scale: bool = True
    max_repair_steps: int | None = None

    def __post_init__(self) -> None:
        for name, choices in (("weighting", WEIGHTING_METHODS), ("aggregation", AGGREGATIONS),
                              ("aip_mean", AIP_MEANS), ("index", CONSISTENCY_INDICES),
                              ("policy", PANEL_POLICIES)):
            object.__setattr__(self, name, check_method(name, getattr(self, name), choices))
        get_random_index_table(self.random_index)
        if self.threshold is not None and not (np.isfinite(self.threshold)
                                               and self.threshold > 0):
            raise ValueError(f"`threshold` must be positive; got {self.threshold!r} instead.")
        if needs_threshold(self.index, self.threshold, self.policy):
            raise ValueError(
                "Koczkodaj's index has no default threshold (it does not depend on the matrix "
                "order; see ahpstat.consistency): give `threshold` (Koczkodaj's own is 1/3) for "
                f"the '{self.policy}' policy; got no threshold instead.")


@dataclass(frozen=True)
class PanelResult:
    """The aggregated panel: weights at every node and what was done to get them.

    Attributes
    ----------
    experts : tuple of str
        All experts, in the order of every per-expert axis.
    expert_weights : ndarray, shape (K,)
        Normalized expert weights (before any policy).
    nodes : tuple of str
        Internal nodes (pre-order).
    local : dict
        ``node -> (n,)`` local weights of its children (in ``children(node)`` order).
    global_weights : dict
        ``node -> float`` for every node (root = 1).
    leaves : tuple of str
    leaf_weights : ndarray, shape (L,)
        Global weights of the leaves (sum 1), in ``leaves`` order.
    aggregate_matrices : dict
        ``node -> (n, n)`` the AIJ matrix (``aij``), or ``None`` (``aip``).
    stacks : dict
        ``node -> (K, n, n)`` the experts' matrices as given (all-``NaN`` for an expert who
        did not judge that node).
    effective_stacks : dict
        The same after the policy (repaired judgments).
    node_expert_weights : dict
        ``node -> (K,)`` the expert weights used at that node (0 = absent or dropped).
    expert_local : dict
        ``node -> (K, n)`` each expert's own weights (``NaN`` when absent or not identified).
    consistency : DataFrame
        ``expert, node, n, index, value, threshold, acceptable, random_index,
        random_index_value, lambda_max, completion, status, value_after`` -- one row per expert
        and node, plus one per node for the aggregate matrix (``expert = "(aggregate)"``,
        ``aij`` only).
    audit : DataFrame
        ``expert, node, action, row, col, old, new, index, index_before, index_after,
        threshold``; ``action`` is ``flag``, ``drop``, ``repair``, ``repair_failed`` or
        ``downweight`` (``old``/``new`` are then the expert's node weight multiplier).
    dispersion : DataFrame
        Per node: ``node, n_experts, n_elements, n_pairs, log_sd_mean, log_sd_max, worst_row,
        worst_col, weight_sd_mean``.
    options : PanelOptions
    threshold : float or None
        The threshold used (``None`` when it depends on the matrix order, e.g. GCI).
    """

    experts: tuple[str, ...]
    expert_weights: np.ndarray
    nodes: tuple[str, ...]
    local: dict[str, np.ndarray]
    global_weights: dict[str, float]
    leaves: tuple[str, ...]
    leaf_weights: np.ndarray
    aggregate_matrices: dict[str, np.ndarray | None]
    stacks: dict[str, np.ndarray]
    effective_stacks: dict[str, np.ndarray]
    node_expert_weights: dict[str, np.ndarray]
    expert_local: dict[str, np.ndarray]
    consistency: pd.DataFrame
    audit: pd.DataFrame
    dispersion: pd.DataFrame
    options: PanelOptions
    threshold: float | None
    _engine: _Engine = field(repr=False, compare=False)

    def resample(self, expert_index: ArrayLike) -> np.ndarray:
        """Leaf global weights of the panel re-run on a resample of experts.

        Parameters
        ----------
        expert_index : array_like of int, shape (k,) or (B, k)
            Indices into :attr:`experts`, repeats allowed (a bootstrap resample counts an
            expert as often as drawn). The policy decisions (drops, repairs, down-weights)
            are per expert and node, so they carry over unchanged.

        Returns
        -------
        ndarray, shape (L,) or (B, L)
            Leaf global weights (sum 1) in :attr:`leaves` order. ``NaN`` (with a
            :class:`~ahpstat.DegenerateDataWarning`) for a resample in which no retained
            expert judged some node, or whose pooled comparisons at a node are disconnected.

        Examples
        --------
        >>> import numpy as np
        >>> from ahpstat.datasets import example_panel
        >>> res = run_panel(*example_panel())
        >>> np.allclose(res.resample(np.arange(len(res.experts))), res.leaf_weights)
        True
        >>> res.resample([[0, 0, 1], [1, 2, 2]]).shape
        (2, 5)
        """
        idx = np.asarray(expert_index)
        if idx.dtype.kind not in "iu" or idx.ndim not in (1, 2) or idx.shape[-1] == 0:
            raise ValueError("`expert_index` must be a non-empty int array (k,) or (B, k); got "
                             f"dtype {idx.dtype}, shape {idx.shape} instead.")
        K = len(self.experts)
        if idx.size and (idx.min() < 0 or idx.max() >= K):
            raise ValueError(f"`expert_index` must lie in 0..{K - 1}; got values "
                             f"{int(idx.min())}..{int(idx.max())} instead.")
        one = idx.ndim == 1
        idx2 = idx[None] if one else idx
        B = idx2.shape[0]
        counts = np.zeros((B, K))
        np.add.at(counts, (np.repeat(np.arange(B), idx2.shape[1]), idx2.ravel()), 1.0)
        g = self._engine.leaf_weights(counts, strict=False)
        return g[0] if one else g

    def leaf_weight_sampler(self) -> Callable[[np.ndarray], np.ndarray]:
        """``sampler(expert_index (B, k)) -> (B, L)``, as :func:`ahpstat.bootstrap.joint_bootstrap`
        takes it (:meth:`resample`).
        """
        return self.resample


# --------------------------------------------------------------------------- engine


class _Engine:
    """Re-aggregation of fixed per-expert inputs for any expert count vectors (B, K)."""

    def __init__(self, hierarchy: Hierarchy, tables, method, aggregation, aip_mean):
        self.hierarchy = hierarchy
        self.nodes = hierarchy.internal  # internal node ids (with n >= 2 matrices or n == 1)
        self.sizes = [len(hierarchy.children(v)) for v in self.nodes]
        self.tables = tables        # (num (K, S), den (K, S)) with per-node column slices
        self.method = method
        self.aggregation = aggregation
        self.aip_mean = aip_mean
        # group nodes of equal order for one batched weighting call each
        self.by_size: dict[int, list[int]] = {}
        for j, n in enumerate(self.sizes):
            if n >= 2:
                self.by_size.setdefault(n, []).append(j)

    def local(self, counts: np.ndarray, *, strict: bool) -> list[np.ndarray]:
        """Local weights per internal node, each (B, n)."""
        num_t, den_t, cuts = self.tables
        num = counts @ num_t
        den = counts @ den_t
        B = counts.shape[0]
        out: list[Any] = [None] * len(self.nodes)
        for j, n in enumerate(self.sizes):
            if n == 1:
                out[j] = np.ones((B, 1))
        bad = np.zeros(B, dtype=bool)
        for n, js in self.by_size.items():
            if self.aggregation == "aij":
                sl = [slice(cuts[j], cuts[j + 1]) for j in js]
                nu = np.stack([num[:, s] for s in sl], axis=1).reshape(B, len(js), n, n)
                de = np.stack([den[:, s] for s in sl], axis=1).reshape(B, len(js), n, n)
                W = self._weight(aij_from_terms(nu, de), js, strict, bad)
            else:
                sl = [slice(cuts[j], cuts[j + 1]) for j in js]
                nu = np.stack([num[:, s] for s in sl], axis=1)  # (B, nodes, n)
                de = np.stack([den[:, s] for s in sl], axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    W = nu / de
                if self.aip_mean == "geometric":
                    top = np.where(np.isnan(W), -np.inf, W).max(axis=-1, keepdims=True)
                    with np.errstate(invalid="ignore"):
                        W = np.exp(W - top)
                W = W / W.sum(axis=-1, keepdims=True)
                nanrow = ~np.isfinite(W).all(axis=-1)
                if nanrow.any():
                    if strict:
                        j = js[int(np.argwhere(nanrow)[0][1])]
                        raise InputError(
                            "no expert's weights are available at this node (every expert "
                            "was dropped or left it out).", node=self.nodes[j])
                    bad |= nanrow.any(axis=-1)
            for t, j in enumerate(js):
                out[j] = W[:, t, :]
        if bad.any():
            warn(f"{int(bad.sum())} of {B} expert resamples leave some node without "
                 "identified weights (no retained expert judged it, or its comparisons are "
                 "disconnected); their weights are NaN.", DegenerateDataWarning)
            for j in range(len(out)):
                out[j] = np.where(bad[:, None], np.nan, out[j])
        return out

    def _weight(self, A: np.ndarray, js: list[int], strict: bool, bad: np.ndarray):
        missing = np.isnan(A)
        if not missing.any():
            return weights(A, method=self.method, validate=False).weights
        present = ~missing
        conn = is_connected(present)
        if not conn.all():
            if strict:
                b, t = (int(x) for x in np.argwhere(~conn)[0])
                node = self.nodes[js[t]]
                names = self.hierarchy.children(node)
                comps = comparison_graph_components(present[b, t])
                parts = " | ".join("{" + ", ".join(names[i] for i in c) + "}" for c in comps)
                raise InputError(
                    "the experts' pooled comparison graph is disconnected: no chain of "
                    f"judgments links {parts}, so the weights are not identified. Got "
                    f"{len(comps)} components instead of 1.", node=node)
            bad |= ~conn.all(axis=-1)
            A = np.where(missing & ~conn[..., None, None], 1.0, A)
            A[..., np.eye(A.shape[-1], dtype=bool)] = 1.0
            missing = np.isnan(A)
            if not missing.any():
                return weights(A, method=self.method, validate=False).weights
        method = INCOMPLETE_METHOD[self.method]
        return weights(A, method=method, validate=False).weights

    def leaf_weights(self, counts: np.ndarray, *, strict: bool) -> np.ndarray:
        loc = self.local(counts, strict=strict)
        return self.hierarchy.leaf_weights(dict(zip(self.nodes, loc, strict=True)))


# --------------------------------------------------------------------------- helpers


def _full_stacks(stacks, hierarchy, experts):
    """Node -> (K, n, n) over all experts (all-NaN rows for an absent expert)."""
    pos = {e: k for k, e in enumerate(experts)}
    K = len(experts)
    out = {}
    for node in hierarchy.internal:
        n = len(hierarchy.children(node))
        full = np.full((K, n, n), np.nan)
        full[:, np.arange(n), np.arange(n)] = 1.0
        if node in stacks:
            ex, S = stacks[node]
            S = np.asarray(S, dtype=float)
            if S.shape != (len(ex), n, n):
                raise ValueError(f"stack of node {node!r} must have shape ({len(ex)}, {n}, {n});"
                                 f" got {S.shape} instead.")
            for e, M in zip(ex, S, strict=True):
                full[pos[e]] = M
        out[node] = full
    return out


def _present(full: np.ndarray) -> np.ndarray:
    """(K,) whether each expert gave at least one judgment at this node."""
    n = full.shape[-1]
    if n == 1:
        return np.ones(full.shape[0], dtype=bool)
    off = ~np.eye(n, dtype=bool)
    return (~np.isnan(full[:, off])).any(axis=-1)


def _index_values(A: np.ndarray, opts: PanelOptions) -> dict[str, Any]:
    """Index of each matrix (batch (m, n, n)); NaN for a matrix whose graph is disconnected."""
    m, n = A.shape[0], A.shape[-1]
    val = np.full(m, np.nan)
    lam = np.full(m, np.nan)
    thr = np.full(m, np.nan)
    comp = np.array([None] * m, dtype=object)
    ri_value = np.full(m, np.nan)  # per matrix: incomplete ones have their own RI(n, m)
    ri_name = np.array([None] * m, dtype=object)
    if m == 0:
        return dict(value=val, lambda_max=lam, threshold=thr, completion=comp, ri=ri_value,
                    ri_name=ri_name)
    conn = is_connected(~np.isnan(A)) if n > 1 else np.ones(m, bool)
    complete = ~np.isnan(A).reshape(m, -1).any(axis=-1)
    groups = [np.flatnonzero(complete & conn)] + [
        np.array([b]) for b in np.flatnonzero(~complete & conn)]
    for sel in groups:
        if sel.size == 0:
            continue
        c = consistency(A[sel], index=opts.index, random_index=opts.random_index,
                        threshold=opts.threshold)
        val[sel] = c.value
        thr[sel] = c.threshold
        if c.lambda_max is not None:
            lam[sel] = c.lambda_max
        comp[sel] = c.completion
        if c.random_index_value is not None:
            ri_value[sel] = c.random_index_value
            ri_name[sel] = c.random_index
    if not conn.all():
        # order-dependent thresholds need a threshold even for unidentified matrices
        thr[~conn] = consistency(np.ones((n, n)), index=opts.index,
                                 random_index=opts.random_index,
                                 threshold=opts.threshold).threshold
    return dict(value=val, lambda_max=lam, threshold=thr, completion=comp, ri=ri_value,
                ri_name=ri_name)


def _index_values_by_node(mats: dict[str, np.ndarray], opts: PanelOptions) -> dict:
    """:func:`_index_values` of several nodes' batches, one core call per matrix order."""
    out: dict[str, dict] = {}
    by_n: dict[int, list[str]] = {}
    for v, A in mats.items():
        by_n.setdefault(A.shape[-1], []).append(v)
    for _n, vs in by_n.items():
        sizes = [mats[v].shape[0] for v in vs]
        iv = _index_values(np.concatenate([mats[v] for v in vs]), opts)
        cuts = np.cumsum([0, *sizes])
        for t, v in enumerate(vs):
            sl = slice(cuts[t], cuts[t + 1])
            out[v] = {k: (x[sl] if isinstance(x, np.ndarray) else x) for k, x in iv.items()}
    return out


def _one_index(A: np.ndarray, opts: PanelOptions) -> float:
    return float(_index_values(A[None], opts)["value"][0])


def _expert_weights_one(A: np.ndarray, method: str) -> np.ndarray:
    if np.isnan(A).any():
        if not is_connected(~np.isnan(A)):
            return np.full(A.shape[-1], np.nan)
        method = INCOMPLETE_METHOD[method]
    return weights(A, method=method, validate=False).weights


def _repair(A: np.ndarray, value: float, thr: float, opts: PanelOptions,
            expert: str, node: str, names: Sequence[str], audit: list) -> tuple[np.ndarray, float]:
    """Move the worst judgment toward its consistent value until ``value <= thr``."""
    A = A.copy()
    n = A.shape[-1]
    given = ~np.isnan(A) & np.triu(np.ones((n, n), bool), 1)
    max_steps = opts.max_repair_steps or 2 * max(1, int(given.sum()))
    steps = 0
    while value > thr + 1e-12 and steps < max_steps:
        w = _expert_weights_one(A, opts.weighting)
        E = np.log(A) + np.log(w)[None, :] - np.log(w)[:, None]
        E = np.where(given, np.abs(E), -1.0)
        order = np.argsort(-E, axis=None, kind="stable")
        change = None
        for flat in order:
            i, j = divmod(int(flat), n)
            if E[i, j] <= 1e-12:
                break
            old, target = A[i, j], w[i] / w[j]
            new = target
            if opts.repair_on_scale:
                new = float(nearest_saaty(np.array(target)))
                if np.isclose(new, old):
                    # one scale step toward the consistent value
                    k = int(np.abs(_LOG_SCALE - np.log(old)).argmin())
                    k += 1 if target > old else -1
                    if 0 <= k < SAATY_SCALE.size:
                        new = float(SAATY_SCALE[k])
            if not np.isclose(new, old):
                change = (i, j, float(old), float(new))
                break
        if change is None:
            break
        i, j, old, new = change
        A[i, j], A[j, i] = new, 1.0 / new
        after = _one_index(A, opts)
        audit.append((expert, node, "repair", names[i], names[j], old, new, opts.index,
                      value, after, thr))
        value = after
        steps += 1
    if value > thr + 1e-12:
        audit.append((expert, node, "repair_failed", None, None, np.nan, np.nan, opts.index,
                      value, value, thr))
    return A, value


# --------------------------------------------------------------------------- main entry


def run_panel(
    stacks: Mapping[str, tuple[Sequence[str], ArrayLike]],
    hierarchy: Any,
    *,
    experts: Sequence[str] | None = None,
    expert_weights: Mapping[str, float] | ArrayLike | None = None,
    options: PanelOptions | None = None,
    diagnostics: bool = True,
) -> PanelResult:
    """Aggregate a panel's judgments at every internal node of a hierarchy.

    Parameters
    ----------
    stacks : mapping
        ``node -> (experts, stack (K_node, n, n))`` as :func:`ahpstat.io.judgment_stacks`
        returns (element order = ``hierarchy.children(node)``; ``NaN`` = missing). A node
        with one child needs no matrix.
    hierarchy : Hierarchy
        Uses ``internal``, ``leaves``, ``nodes``, ``children(id)``.
    experts : sequence of str, optional
        Order of the experts (default: first appearance over the nodes).
    expert_weights : mapping expert -> weight, or array (K,), optional
        Positive weights (equal when omitted), normalized to sum 1.
    options : PanelOptions, optional
    diagnostics : bool, default True
        ``False`` skips what only the report needs (the dispersion table and the aggregate
        matrices' consistency rows): for callers that re-run many panels for their weights.

    Returns
    -------
    PanelResult

    Raises
    ------
    InputError
        A node with two or more children that no expert judged; a node whose pooled
        comparison graph is disconnected; a node where the policy drops every expert; an
        expert's disconnected matrix under AIP.

    Examples
    --------
    >>> from ahpstat.datasets import example_panel
    >>> res = run_panel(*example_panel())
    >>> res.leaf_weights.round(4)
    array([0.2364, 0.1182, 0.3034, 0.1513, 0.1907])
    >>> res.audit[["expert", "node", "action"]].head(1)
      expert node action
    0     E3    A   flag
    """
    opts = options or PanelOptions()
    hierarchy = as_hierarchy(hierarchy)
    experts = _panel_experts(stacks, hierarchy, experts)
    ew = expert_weight_vector(expert_weights, experts)
    full = _full_stacks(stacks, hierarchy, experts)
    nodes = tuple(hierarchy.internal)
    log = _PolicyLog(experts, opts)
    effective, node_w = _apply_policy(full, hierarchy, ew, log)
    expert_local = _expert_local_weights(effective, node_w, nodes, opts, experts)
    engine = _Engine(hierarchy, tables=_engine_tables(effective, node_w, expert_local, nodes,
                                                      opts),
                     method=opts.weighting, aggregation=opts.aggregation,
                     aip_mean=opts.aip_mean)
    loc_list = engine.local(np.ones((1, len(experts))), strict=True)
    local = {v: loc_list[j][0] for j, v in enumerate(nodes)}
    agg = _aggregate_matrices(engine, hierarchy)
    if diagnostics:
        log.aggregate_rows(agg)
    disp = (_dispersion(nodes, {v: hierarchy.children(v) for v in nodes}, full, expert_local)
            if diagnostics else pd.DataFrame(columns=_DISPERSION_COLUMNS))
    return PanelResult(
        experts=experts, expert_weights=ew, nodes=nodes, local=local,
        global_weights={v: float(g) for v, g in hierarchy.global_weights(local).items()},
        leaves=tuple(hierarchy.leaves), leaf_weights=hierarchy.leaf_weights(local),
        aggregate_matrices=agg, stacks=full, effective_stacks=effective,
        node_expert_weights=node_w, expert_local=expert_local,
        consistency=log.consistency_frame(), audit=pd.DataFrame(log.audit,
                                                                columns=_AUDIT_COLUMNS),
        dispersion=disp, options=opts, threshold=log.threshold(), _engine=engine,
    )


def _panel_experts(stacks: Mapping[str, tuple[Sequence[str], ArrayLike]],
                   hierarchy: Hierarchy, experts: Sequence[str] | None) -> tuple[str, ...]:
    """The experts in order (default: first appearance over the nodes); at least one."""
    if experts is None:
        seen: dict[str, None] = {}
        for node in hierarchy.internal:
            if node in stacks:
                for e in stacks[node][0]:
                    seen.setdefault(str(e), None)
        experts = tuple(seen)
    out = tuple(str(e) for e in experts)
    if not out:
        raise InputError("the panel has no expert judgments. Got 0 experts instead.")
    return out


class _PolicyLog:
    """What the inconsistency policy saw and did: consistency rows, audit rows, thresholds."""

    def __init__(self, experts: tuple[str, ...], opts: PanelOptions) -> None:
        self.experts, self.opts = experts, opts
        self.rows: list[tuple] = []
        self.audit: list[tuple] = []
        self.thresholds: set[float] = set()

    def expert_rows(self, v: str, n: int, present: np.ndarray, iv: dict[str, Any],
                    val: np.ndarray, thr: np.ndarray, status: np.ndarray,
                    after: np.ndarray) -> None:
        """One consistency row per expert at node ``v``."""
        K = len(self.experts)
        lam = np.full(K, np.nan)
        comp = np.array([None] * K, dtype=object)
        ri, ri_name = np.full(K, np.nan), np.array([self._ri_name()] * K, dtype=object)
        lam[present], comp[present] = iv["lambda_max"], iv["completion"]
        ri[present] = iv["ri"]
        ri_name[present] = [x if x is not None else self._ri_name() for x in iv["ri_name"]]
        for k in range(K):
            self.rows.append((self.experts[k], v, n, self.opts.index, val[k], thr[k],
                              bool(not val[k] > thr[k] + 1e-12) if present[k] else np.nan,
                              ri_name[k], ri[k], lam[k], comp[k], status[k], after[k]))

    def _ri_name(self) -> str | None:
        """The random-index table named in the options (``None`` for GCI, Koczkodaj)."""
        opts = self.opts
        return (get_random_index_table(opts.random_index).name
                if opts.index in ("cr", "ci") else None)

    def aggregate_rows(self, agg: Mapping[str, np.ndarray | None]) -> None:
        """One consistency row per node for its aggregate (AIJ) matrix."""
        mats = {v: a[None] for v, a in agg.items() if a is not None and a.shape[-1] >= 2}
        pre = _index_values_by_node(mats, self.opts)
        for v in mats:  # node order
            iv = pre[v]
            ok = bool(not iv["value"][0] > iv["threshold"][0] + 1e-12)  # no threshold: ok
            self.rows.append((AGGREGATE_LABEL, v, mats[v].shape[-1], self.opts.index,
                              iv["value"][0], iv["threshold"][0], ok,
                              iv["ri_name"][0] or self._ri_name(), iv["ri"][0],
                              iv["lambda_max"][0], iv["completion"][0], "aggregate",
                              iv["value"][0]))

    def consistency_frame(self) -> pd.DataFrame:
        """The consistency table (see :class:`PanelResult`)."""
        cons = pd.DataFrame(self.rows, columns=[
            "expert", "node", "n", "index", "value", "threshold", "acceptable",
            "random_index", "random_index_value", "lambda_max", "completion", "status",
            "value_after"])
        return cons

    def threshold(self) -> float | None:
        """The threshold used (``None`` when it depends on the matrix order)."""
        return self.thresholds.pop() if len(self.thresholds) == 1 else self.opts.threshold


def _apply_policy(full: dict[str, np.ndarray], hierarchy: Hierarchy, ew: np.ndarray,
                  log: _PolicyLog) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Flag (and drop, repair or down-weight) each expert's inconsistent matrices.

    Returns the effective stacks (repaired judgments) and each node's expert weights
    (0 = absent or dropped).
    """
    opts = log.opts
    nodes = hierarchy.internal
    pre = _index_values_by_node({v: full[v][_present(full[v])] for v in nodes
                                 if full[v].shape[-1] >= 2}, opts)
    effective: dict[str, np.ndarray] = {}
    node_w: dict[str, np.ndarray] = {}
    for v in nodes:
        S = full[v]
        n = S.shape[-1]
        present = _present(S)
        if n >= 2 and not present.any():
            raise InputError(f"no expert judged the {n} children of this node "
                             f"({', '.join(hierarchy.children(v))}). Got 0 judgments "
                             "instead.", node=v)
        mult = present.astype(float)
        S_eff = S.copy()
        if n >= 2:
            _node_policy(v, S, S_eff, mult, present, pre[v], hierarchy.children(v), log)
        effective[v] = S_eff
        node_w[v] = ew * mult
    return effective, node_w


def _node_policy(v: str, S: np.ndarray, S_eff: np.ndarray, mult: np.ndarray,
                 present: np.ndarray, iv: dict[str, Any], names: Sequence[str],
                 log: _PolicyLog) -> None:
    """The policy at one node: fills ``S_eff`` (repairs) and ``mult`` (weight factors)."""
    opts, experts = log.opts, log.experts
    K = len(experts)
    val = np.full(K, np.nan)
    thr = np.full(K, np.nan)
    val[present], thr[present] = iv["value"], iv["threshold"]
    after = val.copy()
    status = np.array(["absent"] * K, dtype=object)
    status[present] = "ok"
    for k in np.flatnonzero(present).tolist():
        log.thresholds.add(float(thr[k]))
        if np.isnan(val[k]) or not val[k] > thr[k] + 1e-12:  # (a NaN threshold: never)
            continue
        e = experts[k]
        log.audit.append((e, v, "flag", None, None, np.nan, np.nan, opts.index, val[k], val[k],
                          thr[k]))
        status[k] = "flagged"
        if opts.policy == "drop":
            mult[k] = 0.0
            status[k] = "dropped"
            log.audit.append((e, v, "drop", None, None, 1.0, 0.0, opts.index, val[k], np.nan,
                              thr[k]))
        elif opts.policy == "downweight":
            f = thr[k] / val[k]
            mult[k] = f
            status[k] = "downweighted"
            log.audit.append((e, v, "downweight", None, None, 1.0, f, opts.index, val[k],
                              val[k], thr[k]))
        elif opts.policy == "repair":
            S_eff[k], after[k] = _repair(S[k], val[k], thr[k], opts, e, v, names, log.audit)
            status[k] = "repaired" if after[k] <= thr[k] + 1e-12 else "repair_failed"
    if not (mult > 0).any():
        raise InputError(
            f"the '{opts.policy}' policy leaves no expert at this node: every "
            f"matrix exceeds the {opts.index.upper()} threshold. Use policy 'keep', "
            "'repair' or 'downweight', or a larger threshold. Got "
            f"{int(present.sum())} inconsistent experts instead.", node=v)
    log.expert_rows(v, S.shape[-1], present, iv, val, thr, status, after)


def _expert_local_weights(effective: dict[str, np.ndarray], node_w: dict[str, np.ndarray],
                          nodes: tuple[str, ...], opts: PanelOptions,
                          experts: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Every expert's own weights at every node (one batched call per matrix order for the
    complete matrices); ``NaN`` when absent or not identified.
    """
    K = len(experts)
    expert_local: dict[str, np.ndarray] = {}
    by_n: dict[int, list[tuple[str, int]]] = {}
    for v in nodes:
        S = effective[v]
        n = S.shape[-1]
        present = node_w[v] > 0 if n < 2 else _present(S)
        EL = np.full((K, n), np.nan)
        if n < 2:
            EL[_present(S)] = 1.0
        else:
            full_k = present & ~np.isnan(S).reshape(K, -1).any(axis=-1)
            for k in np.flatnonzero(full_k).tolist():
                by_n.setdefault(n, []).append((v, int(k)))
            for k in np.flatnonzero(present & ~full_k).tolist():
                EL[k] = _expert_weights_one(S[k], opts.weighting)
        expert_local[v] = EL
    for _n, pairs in by_n.items():
        W = weights(np.stack([effective[v][k] for v, k in pairs]),
                               method=opts.weighting, validate=False).weights
        for (v, k), w in zip(pairs, W, strict=True):
            expert_local[v][k] = w
    if opts.aggregation == "aip":
        for v in nodes:
            EL = expert_local[v]
            badk = [k for k in np.flatnonzero(node_w[v] > 0) if np.isnan(EL[k]).any()]
            if badk and EL.shape[-1] >= 2:
                raise InputError(
                    "AIP needs each expert's own weights, but this expert's comparisons at "
                    "the node are disconnected. Use aggregation 'aij' or complete the "
                    "matrix.", node=v, expert=experts[badk[0]])
    return expert_local


def _engine_tables(effective: dict[str, np.ndarray], node_w: dict[str, np.ndarray],
                   expert_local: dict[str, np.ndarray], nodes: tuple[str, ...],
                   opts: PanelOptions) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Per node, columns of weighted log judgments (AIJ) or log weights (AIP) per expert:
    any resample's aggregate is its expert count vector times these tables.
    """
    num_cols, den_cols, cuts = [], [], [0]
    K = next(iter(node_w.values())).shape[0] if node_w else 0
    for v in nodes:
        S = effective[v]
        n = S.shape[-1]
        w = node_w[v][:, None]
        if opts.aggregation == "aij":
            num, den = aij_terms(S, node_w[v])
            num_cols.append(num.reshape(K, n * n))
            den_cols.append(den.reshape(K, n * n))
        else:
            EL = expert_local[v]
            given = ~np.isnan(EL)
            X = np.log(EL) if opts.aip_mean == "geometric" else EL
            num_cols.append(np.where(given, X, 0.0) * w)
            den_cols.append(given * w)
        cuts.append(cuts[-1] + num_cols[-1].shape[1])
    num_t = np.concatenate(num_cols, axis=1) if num_cols else np.zeros((K, 0))
    den_t = np.concatenate(den_cols, axis=1) if den_cols else np.zeros((K, 0))
    return num_t, den_t, cuts


def _aggregate_matrices(engine: _Engine, hierarchy: Hierarchy) -> dict[str, np.ndarray | None]:
    """The aggregate (AIJ) matrix of every node for the whole panel (``None`` under AIP)."""
    num_t, den_t, cuts = engine.tables
    ones = np.ones((1, num_t.shape[0]))
    num1, den1 = ones @ num_t, ones @ den_t
    agg: dict[str, np.ndarray | None] = {}
    for j, v in enumerate(engine.nodes):
        n = len(hierarchy.children(v))
        if engine.aggregation != "aij":
            agg[v] = None
            continue
        sl = slice(cuts[j], cuts[j + 1])
        agg[v] = aij_from_terms(num1[0, sl].reshape(n, n), den1[0, sl].reshape(n, n))
    return agg


def _dispersion(nodes, names, full, expert_local) -> pd.DataFrame:
    """Per node: spread of the experts' log-judgments and of their own weights."""
    rows = []
    for v in nodes:
        S = full[v]
        n = S.shape[-1]
        present = _present(S)
        if n < 2:
            rows.append((v, int(present.sum()), n, 0, 0.0, 0.0, None, None, 0.0))
            continue
        iu = np.triu_indices(n, 1)
        L = np.log(S[present][:, iu[0], iu[1]])  # (K', pairs)
        cnt = (~np.isnan(L)).sum(axis=0)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sd = np.where(cnt >= 2, np.nanstd(L, axis=0, ddof=1) if L.shape[0] >= 2
                          else np.nan, np.nan)
        EL = expert_local[v][present]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            wsd = np.nanstd(EL, axis=0, ddof=1) if EL.shape[0] >= 2 else np.full(n, np.nan)
        if np.isnan(sd).all():
            rows.append((v, int(present.sum()), n, len(iu[0]), np.nan, np.nan, None, None,
                         float(np.nanmean(wsd)) if not np.isnan(wsd).all() else np.nan))
            continue
        p = int(np.nanargmax(sd))
        rows.append((v, int(present.sum()), n, len(iu[0]), float(np.nanmean(sd)),
                     float(sd[p]), names[v][iu[0][p]], names[v][iu[1][p]],
                     float(np.nanmean(wsd))))
    return pd.DataFrame(rows, columns=_DISPERSION_COLUMNS)


