"""Individual priorities: every expert's (respondent's) own weights, summaries and repair.

What ahpsurvey users (Cho 2019) expect from survey AHP data:

:func:`individual_priorities`
    One row per expert x node x element: the expert's local priority (and global weight
    when the expert judged the whole path), the consistency ratio of the expert's matrix,
    and any group columns; :meth:`IndividualPriorities.summary` summarizes them by group
    (mean, SD, geometric mean normalized or not, trimmed mean, median) with the share of
    consistent matrices at a threshold.
:func:`harker_repair`
    Per matrix, replaces the ``k`` most inconsistent judgments, one after the other, by
    Harker's values (the ratio of the weights of the matrix with those judgments left out,
    Harker 1987; Saaty 2003's "maximum deviation" method, ahpsurvey's ``ahp.harker`` /
    ``ahp.md``), optionally rounded to the scale, stopping as soon as the consistency ratio
    is below a target, and reports every change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ahpstat._priorities import harker_matrix
from ahpstat._validation import InputError, check_int, check_method
from ahpstat.consistency import consistency
from ahpstat.hierarchy import Hierarchy, as_hierarchy
from ahpstat.io import cell_text, judgment_stacks, validate_judgments
from ahpstat.pairwise import is_connected, upper_pairs
from ahpstat.scales import get_random_index_table, nearest_saaty
from ahpstat.weighting import INCOMPLETE_METHOD, WEIGHTING_METHODS, weights

__all__ = ["IndividualPriorities", "RepairResult", "harker_repair", "individual_priorities"]

_ROUNDINGS = ("saaty", "integer")
_STATS = ("mean", "sd", "geometric_mean", "geometric_mean_raw", "trimmed_mean", "median")


def _infer_hierarchy(judgments: pd.DataFrame) -> Hierarchy:
    """A one-node hierarchy from judgments of a single node (elements in order of first
    appearance).
    """
    nodes = list(dict.fromkeys(cell_text(v) for v in judgments["node"]))
    if len(nodes) != 1:
        raise InputError(f"judgments of several nodes {nodes[:5]} need a `hierarchy` (the order "
                         "of each node's elements). Got none instead.")
    els = list(dict.fromkeys(cell_text(x) for pair in zip(judgments["row"], judgments["col"],
                                                           strict=True) for x in pair))
    return Hierarchy.from_children({nodes[0]: els})


def _node_weights(S: np.ndarray, method: str, completion: str | None, node: str,
                  experts: Sequence[str]) -> tuple[np.ndarray, list[str | None]]:
    """Each expert's weights at a node (K, n); NaN (and a note) where not identified."""
    K, n = S.shape[0], S.shape[-1]
    W = np.full((K, n), np.nan)
    note: list[str | None] = [None] * K
    missing = np.isnan(S).reshape(K, -1).any(axis=1)
    if (~missing).any():
        W[~missing] = weights(S[~missing], method=method, validate=False).weights
    for k in np.flatnonzero(missing):
        A = S[k]
        if not is_connected(~np.isnan(A)):
            note[k] = "disconnected"
            continue
        if completion is not None:
            W[k] = weights(A, method=method, completion=completion).weights
            note[k] = f"completed ({completion})"
        else:
            W[k] = weights(A, method=INCOMPLETE_METHOD[method], validate=False).weights
            note[k] = f"incomplete ({INCOMPLETE_METHOD[method]})"
    return W, note


@dataclass(frozen=True)
class IndividualPriorities:
    """Every expert's own priorities (see :func:`individual_priorities`).

    Attributes
    ----------
    table : DataFrame
        ``expert, node, element, priority, global_weight, cr, consistent, n_judgments,
        completion`` plus the group columns; one row per expert x node x element.
    consistency : DataFrame
        ``expert, node, n, cr, lambda_max, consistent`` plus the group columns; one row per
        expert x node.
    weighting : str
    random_index : str
    threshold : float
        The consistency-ratio threshold of ``consistent``.
    group_columns : tuple of str
    """

    table: pd.DataFrame
    consistency: pd.DataFrame
    weighting: str
    random_index: str
    threshold: float
    group_columns: tuple[str, ...]

    def wide(self, node: str | None = None) -> pd.DataFrame:
        """Ahpsurvey's ``ahp.indpref`` layout: one row per expert, one column per element of
        ``node`` (default: the only or the first node), then ``cr``.
        """
        nodes = list(dict.fromkeys(self.table.node))
        node = nodes[0] if node is None else node
        if node not in nodes:
            raise ValueError(f"`node` must be one of {nodes}; got {node!r} instead.")
        t = self.table[self.table.node == node]
        els = list(dict.fromkeys(t.element))
        out = t.pivot(index="expert", columns="element", values="priority")
        out = out.loc[list(dict.fromkeys(t.expert)), els]
        cr = self.consistency[self.consistency.node == node].set_index("expert").cr
        out["cr"] = cr.reindex(out.index).to_numpy()
        out.columns.name = None
        return out

    def summary(self, by: str | Sequence[str] | None = None, *, threshold: float | None = None,
                consistent_only: bool = False, trim: float = 0.1) -> pd.DataFrame:
        """Summaries of the individual priorities per group, node and element.

        Parameters
        ----------
        by : str or sequence of str, optional
            Group column(s) (given to :func:`individual_priorities`); default: everyone.
        threshold : float, optional
            Consistency-ratio threshold for ``share_consistent`` and ``consistent_only``
            (default: the one the priorities were computed with).
        consistent_only : bool, default False
            Summarize only the experts whose matrix at that node is consistent (ahpsurvey's
            ``censorcr``).
        trim : float, default 0.1
            Proportion cut from each end for ``trimmed_mean`` (``scipy.stats.trim_mean``).

        Returns
        -------
        DataFrame
            ``<by...>, node, element, n, mean, sd, geometric_mean, geometric_mean_raw,
            trimmed_mean, median, share_consistent``. ``geometric_mean`` is normalized to
            sum 1 over the node's elements (the geometric AIP), ``geometric_mean_raw`` is
            not (ahpsurvey's ``gm_mean``); ``sd`` uses ``n - 1``; ``share_consistent`` is the
            share of the group's experts whose matrix at the node has CR <= threshold.
        """
        keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
        for k in keys:
            if k not in self.group_columns:
                raise ValueError(f"`by` must name group columns {list(self.group_columns)}; "
                                 f"got {k!r} instead.")
        if not 0 <= trim < 0.5:
            raise ValueError(f"`trim` must lie in [0, 0.5); got {trim!r} instead.")
        thr = self.threshold if threshold is None else float(threshold)
        t = self.table.copy()
        t["_ok"] = t.cr <= thr + 1e-12
        if consistent_only:
            t = t[t._ok]
        t = t[np.isfinite(t.priority)]
        rows = []
        group_keys = [*keys, "node"]
        for gk, g in t.groupby(group_keys, sort=False, dropna=False):
            gk = gk if isinstance(gk, tuple) else (gk,)
            share = g.drop_duplicates("expert")._ok.mean()
            gm_raw = {}
            for e, ge in g.groupby("element", sort=False):
                x = ge.priority.to_numpy()
                gm_raw[e] = float(np.exp(np.log(x).mean())) if (x > 0).all() else 0.0
            tot = sum(gm_raw.values())
            for e, ge in g.groupby("element", sort=False):
                x = ge.priority.to_numpy()
                rows.append((*gk, e, len(x), float(x.mean()),
                             float(x.std(ddof=1)) if len(x) > 1 else np.nan,
                             gm_raw[e] / tot if tot > 0 else np.nan, gm_raw[e],
                             float(stats.trim_mean(x, trim)), float(np.median(x)),
                             float(share)))
        return pd.DataFrame(rows, columns=[*group_keys, "element", "n", *_STATS,
                                           "share_consistent"])


def individual_priorities(
    judgments: pd.DataFrame,
    hierarchy: Any = None,
    *,
    weighting: str = "eigenvector",
    completion: str | None = None,
    random_index: str | Mapping[int, float] = "saaty",
    threshold: float = 0.1,
    group_columns: Sequence[str] = (),
) -> IndividualPriorities:
    """Every expert's own priorities at every node, with their consistency.

    Parameters
    ----------
    judgments : DataFrame
        Canonical long judgments (:func:`ahpstat.io.read_judgments`,
        :func:`ahpstat.io.read_ahpsurvey`), with the group columns if any (constant per
        expert).
    hierarchy : Hierarchy or mapping parent -> children, optional
        Default: one node, its elements in order of first appearance.
    weighting : str, default "eigenvector"
        :data:`ahpstat.weighting.WEIGHTING_METHODS` (``"column_mean"`` is ahpsurvey's
        ``"arithmetic"``, ``"geometric_mean"`` its ``"geometric"``).
    completion : {None, "optimal", "harker", "llsm"}
        For an incomplete matrix: complete it first; ``None`` weights it by the incomplete
        variant of the method (eigenvector: Harker; the means: LLSM).
    random_index : str or mapping, default "saaty"
        Random-index table of the consistency ratio (ahpsurvey's own is the mapping
        ``{3: 0.5251686, 4: 0.8836651, 5: 1.1081014, ...}``).
    threshold : float, default 0.1
        CR at or below which a matrix counts as consistent.
    group_columns : sequence of str
        Columns of ``judgments`` describing the expert (constant per expert) to carry along.

    Returns
    -------
    IndividualPriorities

    Examples
    --------
    Two respondents with consistent answers (a = 2b = 4c, and indifference), so the
    priorities are 4/7, 2/7, 1/7 and 1/3 each, with CR 0:

    >>> import io
    >>> from ahpstat.io import read_ahpsurvey
    >>> f = io.StringIO("a_b,a_c,b_c\\n2,4,2\\n1,1,-1\\n")
    >>> j = read_ahpsurvey(f, attributes=["a", "b", "c"], negconvert=False)
    >>> individual_priorities(j).wide().round(3)  # doctest: +NORMALIZE_WHITESPACE
                a      b      c   cr
    expert
    1       0.571  0.286  0.143  0.0
    2       0.333  0.333  0.333  0.0
    """
    weighting = check_method("weighting", weighting, WEIGHTING_METHODS)
    if completion is not None:
        from ahpstat.completion import COMPLETION_METHODS

        completion = check_method("completion", completion, COMPLETION_METHODS)
    table = get_random_index_table(random_index)
    tree = _infer_hierarchy(judgments) if hierarchy is None else as_hierarchy(hierarchy)
    groups = tuple(group_columns)
    missing = [c for c in groups if c not in judgments.columns]
    if missing:
        raise InputError(f"the judgments have no group column(s) {missing}. Got the columns "
                         f"{list(judgments.columns)} instead.")
    validate_judgments(judgments, tree, errors="raise")
    info = None
    if groups:
        info = judgments.assign(expert=[cell_text(e) for e in judgments.expert]) \
            .groupby("expert", sort=False)[list(groups)].nunique(dropna=False)
        bad = info[(info > 1).any(axis=1)]
        if not bad.empty:
            e = bad.index[0]
            col = next(c for c in groups if bad.loc[e, c] > 1)
            raise InputError(f"a group column must be constant per expert. Got several values "
                             f"of {col!r} instead.", expert=str(e), column=col)
        info = judgments.assign(expert=[cell_text(e) for e in judgments.expert]) \
            .groupby("expert", sort=False)[list(groups)].first()
    stacks = judgment_stacks(judgments, tree, validate=False)
    rows, crow = [], []
    local: dict[str, dict[str, np.ndarray]] = {}
    for v, (experts, S) in stacks.items():
        n = S.shape[-1]
        W, note = _node_weights(S, weighting, completion, v, experts)
        ok = ~np.isnan(W).any(axis=1)
        cr = np.full(len(experts), np.nan)
        lam = np.full(len(experts), np.nan)
        if ok.any():
            c = consistency(S[ok], index="cr", random_index=table)
            cr[ok] = c.value
            lam[ok] = c.lambda_max
        given = (~np.isnan(S)).sum(axis=(1, 2)) - n
        local[v] = {e: W[k] for k, e in enumerate(experts)}
        for k, e in enumerate(experts):
            consistent = bool(cr[k] <= threshold + 1e-12) if np.isfinite(cr[k]) else False
            crow.append((e, v, n, cr[k], lam[k], consistent))
            for i, el in enumerate(tree.children(v)):
                rows.append((e, v, el, W[k, i], cr[k], consistent, int(given[k] // 2),
                             note[k]))
    tab = pd.DataFrame(rows, columns=["expert", "node", "element", "priority", "cr",
                                      "consistent", "n_judgments", "completion"])
    # global weights where the expert judged every node on the path
    glob = np.full(len(tab), np.nan)
    for r, (e, v, el) in enumerate(zip(tab.expert, tab.node, tab.element, strict=True)):
        g = float(local[v][e][tree.children(v).index(el)])
        p = v
        q = tree.parent(p)
        while q is not None and np.isfinite(g):
            kids = tree.children(q)
            w = local.get(q, {}).get(e) if len(kids) > 1 else np.ones(1)
            if w is None:
                g = np.nan
                break
            g *= float(w[kids.index(p)]) if len(w) > 1 else 1.0
            p, q = q, tree.parent(q)
        glob[r] = g
    tab.insert(4, "global_weight", glob)
    cons = pd.DataFrame(crow, columns=["expert", "node", "n", "cr", "lambda_max",
                                       "consistent"])
    if info is not None:
        for col in groups:
            tab[col] = tab.expert.map(info[col]).to_numpy()
            cons[col] = cons.expert.map(info[col]).to_numpy()
    return IndividualPriorities(table=tab, consistency=cons, weighting=weighting,
                                random_index=table.name, threshold=float(threshold),
                                group_columns=groups)


# --------------------------------------------------------------------------- repair


@dataclass(frozen=True)
class RepairResult:
    """What :func:`harker_repair` did.

    Attributes
    ----------
    judgments : DataFrame
        The judgments with the replaced values (same rows and columns; ``source_*`` kept).
    changes : DataFrame
        ``expert, node, step, row, col, old, new, harker_value, cr_before, cr_after``: one
        row per replaced judgment (``harker_value`` before rounding; ``cr_after`` the
        matrix's CR after this step).
    summary : DataFrame
        ``expert, node, cr_before, cr_after, n_changed, reached_target``: one row per matrix
        examined (those already below the target have ``n_changed = 0``).
    """

    judgments: pd.DataFrame
    changes: pd.DataFrame
    summary: pd.DataFrame


def _round(x: float, rounding: str | None, limit: bool) -> float:
    if rounding == "saaty":
        return float(nearest_saaty(np.array(x)))
    if rounding == "integer":  # ahpsurvey: nearest integer or its reciprocal (R rounds half even)
        x = float(round(x)) if x >= 1 else 1.0 / round(1.0 / x)
    if limit:
        x = min(9.0, max(1.0 / 9.0, x))
    return x


def _eig(A: np.ndarray) -> np.ndarray:
    return weights(A[None], method="eigenvector", validate=False).weights[0]


def harker_repair(
    judgments: pd.DataFrame,
    hierarchy: Any = None,
    *,
    k: int = 1,
    target: float = 0.1,
    rounding: str | None = "saaty",
    limit: bool = True,
    random_index: str | Mapping[int, float] = "saaty",
    ranking: str = "error",
) -> RepairResult:
    """Replace each inconsistent matrix's worst judgments by Harker's values.

    For every expert's matrix at every node whose consistency ratio is above ``target``:
    rank the judgments by their error ``e_ij = a_ij w_j / w_i`` (eigenvector ``w``), then
    for ``t = 1, 2, ..., k``: leave the ``t`` worst judgments out (Harker's auxiliary
    matrix: 0 for each, its row's diagonal ``1 + `` the number left out), take the
    principal eigenvector ``u`` of that matrix, and replace the ``t``-th worst judgment by
    ``u_i / u_j`` (rounded as asked); stop as soon as the CR is below ``target``.

    Parameters
    ----------
    judgments : DataFrame
        Canonical long judgments (complete matrices).
    hierarchy : Hierarchy or mapping, optional
        Default: one node (see :func:`individual_priorities`).
    k : int, default 1
        At most this many judgments changed per matrix (ahpsurvey's ``iterations``).
    target : float, default 0.1
        Stop once the CR is below this (ahpsurvey's ``stopcr``).
    rounding : {"saaty", "integer", None}, default "saaty"
        ``"saaty"``: the nearest point of Saaty's scale in log space; ``"integer"``:
        ahpsurvey's ``round = TRUE`` (the nearest integer, or the reciprocal of the nearest
        integer below 1); ``None``: Harker's value itself.
    limit : bool, default True
        Keep values within 1/9 .. 9 (ahpsurvey's ``limit``).
    random_index : str or mapping, default "saaty"
    ranking : {"error", "upper"}, default "error"
        ``"error"``: the judgments ranked by ``max(e_ij, e_ji)`` (how far a judgment is from
        consistency, whichever way); ``"upper"``: by ``e_ij`` of the upper triangle only, as
        ahpsurvey does (its lower triangle is set to 1, so a judgment that is too small in
        the upper triangle ranks last).

    Returns
    -------
    RepairResult

    References
    ----------
    Harker, P. T. (1987). Alternative modes of questioning in the analytic hierarchy process.
    Mathematical Modelling 9(3-5), 353-360. Saaty, T. L. (2003). Decision-making with the AHP:
    why is the principal eigenvector necessary. EJOR 145(1), 85-91.

    Examples
    --------
    Saaty's (2003) family-house matrix, as in ahpsurvey's vignette: the (nbrhd, cond) = 6
    judgment becomes 0.459 and the CR falls from 0.17 to 0.0825:

    >>> import pandas as pd
    >>> atts = ["size", "trans", "nbrhd", "age", "yard", "modern", "cond", "finance"]
    >>> up = [5, 3, 7, 6, 6, 1/3, 1/4, 1/3, 5, 3, 3, 1/5, 1/7, 6, 3, 4, 6, 1/5,
    ...       1/3, 1/4, 1/7, 1/8, 1/2, 1/5, 1/6, 1/5, 1/6, 1/2]
    >>> pairs = [(a, b) for i, a in enumerate(atts) for b in atts[i + 1:]]
    >>> j = pd.DataFrame([("S", "house", a, b, v) for (a, b), v in zip(pairs, up)],
    ...                  columns=["expert", "node", "row", "col", "value"])
    >>> r = harker_repair(j, k=10, target=0.1, rounding=None, limit=False,
    ...                   random_index={8: 1.4048466})
    >>> r.changes[["row", "col", "old", "new"]].round(3)
         row   col  old    new
    0  nbrhd  cond  6.0  0.459
    >>> round(float(r.changes.cr_before[0]), 2), round(float(r.changes.cr_after[0]), 4)
    (0.17, 0.0825)
    """
    k = check_int("k", k, 1)
    if rounding is not None:
        rounding = check_method("rounding", rounding, _ROUNDINGS)
    ranking = check_method("ranking", ranking, ("error", "upper"))
    table = get_random_index_table(random_index)
    tree = _infer_hierarchy(judgments) if hierarchy is None else as_hierarchy(hierarchy)
    validate_judgments(judgments, tree, errors="raise")
    stacks = judgment_stacks(judgments, tree, validate=False)
    changes, summary = [], []
    new_value: dict[tuple[str, str, str, str], float] = {}
    for v, (experts, S) in stacks.items():
        kids = tree.children(v)
        n = S.shape[-1]
        pairs_max = n * (n - 1) // 2
        for e_idx, e in enumerate(experts):
            A = S[e_idx]
            if np.isnan(A).any():
                raise InputError("Harker's repair needs a complete matrix; complete it first "
                                 "(ahpstat.complete) or leave this expert out. Got "
                                 f"{int(np.isnan(A).sum() // 2)} missing judgments instead.",
                                 expert=e, node=v)
            cr0 = float(consistency(A, index="cr", random_index=table).value)
            if cr0 < target or n < 3:
                summary.append((e, v, cr0, cr0, 0, bool(cr0 < target)))
                continue
            w = _eig(A)
            E = A * w[None, :] / w[:, None]  # e_ij = a_ij w_j / w_i
            iu, ju = upper_pairs(n)
            score = E[iu, ju] if ranking == "upper" else np.maximum(E[iu, ju], E[ju, iu])
            # ties (every judgment of a 3 x 3 matrix has the same error) go to the first pair
            # in upper-triangle order, whatever the eigenvector's last-digit round-off
            order = np.argsort(-np.round(score, 10), kind="stable")
            R = A.copy()
            cr = cr0
            steps = min(k, pairs_max)
            for t in range(1, steps + 1):
                B = A.copy()
                for p in order[:t]:
                    B[iu[p], ju[p]] = B[ju[p], iu[p]] = np.nan
                u = _eig(harker_matrix(B))
                i, j = iu[order[t - 1]], ju[order[t - 1]]
                hv = float(u[i] / u[j])
                val = _round(hv, rounding, limit)
                R[i, j], R[j, i] = val, 1.0 / val
                cr = float(consistency(R, index="cr", random_index=table).value)
                changes.append((e, v, t, kids[i], kids[j], float(A[i, j]), val, hv, cr0, cr))
                new_value[(e, v, kids[i], kids[j])] = val
                if cr < target:
                    break
            n_changed = sum(1 for c in changes if c[0] == e and c[1] == v)
            summary.append((e, v, cr0, cr, n_changed, bool(cr < target)))
    out = judgments.copy()
    if new_value:
        vals = out["value"].to_numpy(dtype=float).copy()
        for r, (e, v, a, b) in enumerate(zip(out.expert.map(cell_text), out.node.map(cell_text),
                                             out.row.map(cell_text), out.col.map(cell_text),
                                             strict=True)):
            if (e, v, a, b) in new_value:
                vals[r] = new_value[(e, v, a, b)]
            elif (e, v, b, a) in new_value:
                vals[r] = 1.0 / new_value[(e, v, b, a)]
        out["value"] = vals
    return RepairResult(
        judgments=out,
        changes=pd.DataFrame(changes, columns=["expert", "node", "step", "row", "col", "old",
                                               "new", "harker_value", "cr_before", "cr_after"]),
        summary=pd.DataFrame(summary, columns=["expert", "node", "cr_before", "cr_after",
                                               "n_changed", "reached_target"]))
