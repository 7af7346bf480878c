"""Running the panel: :func:`run_panel` at every node, and the dispersion table."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat.hierarchy import as_hierarchy
from ahpstat.io import expert_weight_vector
from ahpstat.pairwise import upper_pairs
from ahpstat.panel._engine import Engine, aggregate_matrices, engine_tables, expert_local_weights
from ahpstat.panel._inputs import experts_present, full_stacks, panel_experts
from ahpstat.panel._options import PanelOptions
from ahpstat.panel._policy import AUDIT_COLUMNS, PolicyLog, apply_policy
from ahpstat.panel._result import PanelResult

__all__ = ["run_panel"]

_DISPERSION_COLUMNS = ["node", "n_experts", "n_elements", "n_pairs", "log_sd_mean",
                       "log_sd_max", "worst_row", "worst_col", "weight_sd_mean"]


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
    experts = panel_experts(stacks, hierarchy, experts)
    ew = expert_weight_vector(expert_weights, experts)
    full = full_stacks(stacks, hierarchy, experts)
    nodes = tuple(hierarchy.internal)
    log = PolicyLog(experts, opts)
    effective, node_w = apply_policy(full, hierarchy, ew, log)
    expert_local = expert_local_weights(effective, node_w, nodes, opts, experts)
    engine = Engine(hierarchy, tables=engine_tables(effective, node_w, expert_local, nodes,
                                                      opts),
                     method=opts.weighting, aggregation=opts.aggregation,
                     aip_mean=opts.aip_mean)
    loc_list = engine.local(np.ones((1, len(experts))), strict=True)
    local = {v: loc_list[j][0] for j, v in enumerate(nodes)}
    agg = aggregate_matrices(engine, hierarchy)
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
                                                                columns=AUDIT_COLUMNS),
        dispersion=disp, options=opts, threshold=log.threshold(), _engine=engine,
    )


def _dispersion(nodes, names, full, expert_local) -> pd.DataFrame:
    """Per node: spread of the experts' log-judgments and of their own weights."""
    rows = []
    for v in nodes:
        S = full[v]
        n = S.shape[-1]
        present = experts_present(S)
        if n < 2:
            rows.append((v, int(present.sum()), n, 0, 0.0, 0.0, None, None, 0.0))
            continue
        iu = upper_pairs(n)
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
