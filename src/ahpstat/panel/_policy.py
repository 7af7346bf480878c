"""The inconsistency policy: every expert's index at every node, flags, drops, repairs and
down-weights, with the consistency table and the audit of everything done (module notes of
:mod:`ahpstat.panel`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import InputError
from ahpstat.consistency import consistency
from ahpstat.hierarchy import Hierarchy
from ahpstat.pairwise import is_connected
from ahpstat.panel._inputs import expert_weights_one, experts_present
from ahpstat.panel._options import PanelOptions
from ahpstat.scales import SAATY_SCALE, get_random_index_table, nearest_saaty

__all__ = ["AGGREGATE_LABEL", "AUDIT_COLUMNS", "PolicyLog", "apply_policy"]

#: label used in the consistency table for the aggregate (AIJ) matrix of a node
AGGREGATE_LABEL = "(aggregate)"

AUDIT_COLUMNS = ["expert", "node", "action", "row", "col", "old", "new", "index",
                 "index_before", "index_after", "threshold"]
_LOG_SCALE = np.log(SAATY_SCALE)


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


def _repair(A: np.ndarray, value: float, thr: float, opts: PanelOptions,
            expert: str, node: str, names: Sequence[str], audit: list) -> tuple[np.ndarray, float]:
    """Move the worst judgment toward its consistent value until ``value <= thr``."""
    A = A.copy()
    n = A.shape[-1]
    given = ~np.isnan(A) & np.triu(np.ones((n, n), bool), 1)
    max_steps = opts.max_repair_steps or 2 * max(1, int(given.sum()))
    steps = 0
    while value > thr + 1e-12 and steps < max_steps:
        w = expert_weights_one(A, opts.weighting)
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


class PolicyLog:
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


def apply_policy(full: dict[str, np.ndarray], hierarchy: Hierarchy, ew: np.ndarray,
                  log: PolicyLog) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Flag (and drop, repair or down-weight) each expert's inconsistent matrices.

    Returns the effective stacks (repaired judgments) and each node's expert weights
    (0 = absent or dropped).
    """
    opts = log.opts
    nodes = hierarchy.internal
    pre = _index_values_by_node({v: full[v][experts_present(full[v])] for v in nodes
                                 if full[v].shape[-1] >= 2}, opts)
    effective: dict[str, np.ndarray] = {}
    node_w: dict[str, np.ndarray] = {}
    for v in nodes:
        S = full[v]
        n = S.shape[-1]
        present = experts_present(S)
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
                 log: PolicyLog) -> None:
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
