"""Running the multiverse: every specification of the grid on a run study
(:func:`multiverse`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from ahpstat._validation import InputError, check_method
from ahpstat._warnings import DegenerateDataWarning, warn
from ahpstat.evaluation import EvaluationOptions
from ahpstat.multiverse._anova import anova_rows
from ahpstat.multiverse._grid import FACTORS, level_label, multiverse_grid
from ahpstat.multiverse._result import MultiverseResult
from ahpstat.multiverse._treatments import likert_transform, rescale_judgments


def _raw_survey(result: Any) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, tuple]]:
    """Answers before any missing-answer rule (re-read once only if the study dropped rows)."""
    if getattr(result, "n_dropped_listwise", 0) == 0:
        return result.answers, result.group_codes, result.group_names
    study = result.study
    inp = study.load()
    sv = inp.survey
    X = sv[list(inp.items)].to_numpy(dtype=float)
    codes, names = {}, {}
    for gcol in study.survey.group_columns:
        lab = sv[gcol].astype(str).to_numpy()
        # the study's order; a group that listwise deletion emptied follows, in file order
        known = tuple(result.group_names.get(gcol, ()))
        nm = known + tuple(dict.fromkeys(g for g in lab if g not in set(known)))
        pos = {g: k for k, g in enumerate(nm)}
        codes[gcol] = np.array([pos[g] for g in lab], dtype=np.intp)
        names[gcol] = nm
    return X, codes, names


def _panel_options(base: Any, weighting: str, aggregation: str, cons: Mapping[str, Any],
                   policy: str, scale: str) -> Any:
    agg, mean = (aggregation, base.aip_mean) if aggregation == "aij" else \
        ("aip", aggregation.split("_", 1)[1])
    return replace(base, weighting=weighting, aggregation=agg, aip_mean=mean,
                   index=cons["index"], random_index=cons["random_index"],
                   threshold=cons["threshold"], policy=policy,
                   repair_on_scale=base.repair_on_scale and scale == "saaty")


def _baseline_levels(study: Any) -> dict[str, Any]:
    p = study.panel
    agg = "aij" if p.aggregation == "aij" else f"aip_{p.aip_mean}"
    ri = p.random_index if isinstance(p.random_index, str) else "user"
    return {"weighting": p.weighting, "aggregation": agg,
            "consistency": {"index": p.index, "random_index": ri, "threshold": p.threshold},
            "policy": p.policy, "missing": study.survey.missing, "scale": "saaty",
            "likert": "mean", "family": "ahp"}


def _same_level(factor: str, a: Any, b: Any) -> bool:
    if factor != "consistency":
        return a == b
    if a["index"] != b["index"]:
        return False
    if a["index"] in ("cr", "ci") and a["random_index"] != b["random_index"]:
        return False
    return a["threshold"] == b["threshold"]


def multiverse(result: Any, grid: Mapping[str, Any] | None = None, *,
               nodes: str = "criteria",
               progress: Callable[[int, int], None] | None = None) -> MultiverseResult:
    """Run a study over the full factorial of a grid of analyst choices.

    Parameters
    ----------
    result : StudyResult
        The study as run (its panel stacks, hierarchy and survey are reused; nothing is
        re-read per specification).
    grid : mapping, optional
        Levels per factor (:data:`FACTORS`); missing factors take :data:`DEFAULT_GRID`'s
        levels. Validated by :func:`multiverse_grid`.
    nodes : {"criteria", "internal"}
        Nodes whose scores and ranks are reported: the goal and its children, or every
        internal node.
    progress : callable, optional
        ``progress(done, total)`` over the panel configurations.

    Returns
    -------
    MultiverseResult

    Notes
    -----
    A specification that cannot be computed (a ``drop`` policy that leaves some node
    without experts, judgments off Saaty's scale for another scale) is kept in the tables
    as infeasible with its reason, its scores ``NaN``, and a
    :class:`~ahpstat.DegenerateDataWarning`; the ANOVA then needs every cell and is ``NaN``.

    Examples
    --------
    >>> from ahpstat.datasets import example_study_result
    >>> mv = multiverse(example_study_result(), {"weighting": ["eigenvector", "geometric_mean"],
    ...                 "aggregation": ["aij"], "consistency": ["cr"], "policy": ["keep"],
    ...                 "missing": ["available_case"], "scale": ["saaty", "balanced"],
    ...                 "likert": ["mean", "ridit"]})
    >>> len(mv.specifications), int(mv.baseline)
    (8, 0)
    """
    g = multiverse_grid(grid)
    nodes = check_method("nodes", nodes, ("criteria", "internal"))
    study = result.study
    h = result.hierarchy
    rep = (h.root, *h.children(h.root)) if nodes == "criteria" else tuple(h.internal)
    lo, hi = study.survey.likert
    shape = tuple(len(g[f]) for f in FACTORS)
    S = int(np.prod(shape))
    spec_panel, leaf_w, local_w, problems = _panels(result, g, shape, progress)
    P = len(leaf_w)
    blocks, gnames, means, objective, nresp, fopts = _survey_statistics(result, g)
    leaf_all, cell_problem = _leaf_weights(g, leaf_w, problems, objective, fopts)
    block_scores = _block_scores(result, blocks, means, leaf_all, rep)
    specs, pid, baseline = _specifications(study, g, shape, spec_panel, cell_problem)
    infeasible = ~specs.feasible.to_numpy()
    if infeasible.any():
        warn(f"{int(infeasible.sum())} of {S} specifications cannot be computed (e.g. "
             f"{specs.problem[infeasible].iloc[0]}); their scores are NaN and the variance "
             "decomposition is undefined.", DegenerateDataWarning)
    grids = np.indices(shape).reshape(len(FACTORS), -1).T  # (S, 8)
    cell = (grids[:, 7], pid, grids[:, 4], grids[:, 6])    # (family, panel, missing, likert)
    scores, rank_arrays = _tidy_scores(blocks, block_scores, cell, rep)
    stability = _rank_stability(rank_arrays, baseline, ~infeasible, gnames, rep)
    weight_order = _weight_order(result, g, ~infeasible, cell, local_w, leaf_all, baseline)
    anova, effects = _anova_tables(h, g, shape, block_scores, cell, rank_arrays, gnames, rep)
    info = {"n_specifications": S, "n_panels": P, "n_infeasible": int(infeasible.sum()),
            "nodes": list(rep), "respondents": nresp, "likert": [lo, hi]}
    if fopts is not None:
        info["family"] = {"normalization": fopts.normalization, "shift": fopts.shift,
                          "unit": fopts.unit, "combination": fopts.combination,
                          "combine": fopts.combine, "alpha": fopts.alpha}
    return MultiverseResult(grid=g, specifications=specs, scores=scores,
                            rank_stability=stability, weight_order=weight_order, anova=anova,
                            effects=effects, baseline=baseline, info=info)


def _panels(result: Any, g: Mapping[str, tuple], shape: tuple[int, ...],
            progress: Callable[[int, int], None] | None
            ) -> tuple[np.ndarray, np.ndarray, list[dict[str, np.ndarray] | None], list[str]]:
    """The panel of every distinct configuration (weighting, aggregation, consistency,
    policy, scale; policy ``keep`` ignores the consistency level): each specification's
    panel index, the panels' leaf and local weights, and why a panel could not be computed.
    """
    from ahpstat.panel import run_panel

    study = result.study
    h = result.hierarchy
    base = study.panel
    panel = result.panel
    pkeys: dict[tuple, int] = {}
    spec_panel = np.empty(shape[:4] + shape[5:6], dtype=np.intp)  # (w, a, c, p, scale)
    for iw, ia, ic, ip, isc in itertools.product(*(range(shape[i]) for i in (0, 1, 2, 3, 5))):
        pol = g["policy"][ip]
        key = (iw, ia, ic if pol != "keep" else -1, ip, isc)
        spec_panel[iw, ia, ic, ip, isc] = pkeys.setdefault(key, len(pkeys))
    P = len(pkeys)
    leaf_w = np.full((P, len(h.leaves)), np.nan)
    local_w: list[dict[str, np.ndarray] | None] = [None] * P
    problems: list[str] = [""] * P
    scaled: dict[str, dict] = {}
    for t, (key, p) in enumerate(pkeys.items()):
        iw, ia, ic, ip, isc = key
        scale = g["scale"][isc]
        cons = g["consistency"][max(ic, 0)]
        opts = _panel_options(base, g["weighting"][iw], g["aggregation"][ia], cons,
                              g["policy"][ip], scale)
        try:
            if scale not in scaled:
                scaled[scale] = _scaled_stacks(result.stacks, scale, study)
            pr = run_panel(scaled[scale], h, experts=panel.experts,
                           expert_weights=panel.expert_weights, options=opts,
                           diagnostics=False)
            leaf_w[p] = pr.leaf_weights
            local_w[p] = pr.local
        except InputError as exc:
            problems[p] = exc.reason if hasattr(exc, "reason") else str(exc)
            if isinstance(exc, InputError) and exc.location.node:
                problems[p] = f"node {exc.location.node!r}: {problems[p]}"
        if progress is not None:
            progress(t + 1, P)
    return spec_panel, leaf_w, local_w, problems


def _survey_statistics(result: Any, g: Mapping[str, tuple]) -> tuple[
        list[tuple[str, tuple]], dict[str, tuple], dict[tuple[int, int], list[np.ndarray]],
        dict[tuple[str, int, int], tuple[np.ndarray, str]], dict[int, int],
        EvaluationOptions | None]:
    """Item means per (missing rule, Likert treatment) and block of groups, and the
    objective weight vectors computed from the same data.
    """
    from ahpstat.scoring import item_sums_counts, means_from_sums

    lo, hi = result.study.survey.likert
    X, codes, gnames = _raw_survey(result)
    blocks = [("all", ("all",))] + [(gc, gnames[gc]) for gc in codes]
    fams = g["family"]
    fopts = _family_options(result.study) if any(f != "ahp" for f in fams) else None
    wanted = [f for f in fams if f not in ("ahp", "combined")]
    if fopts is not None and "combined" in fams and fopts.combine not in wanted:
        wanted.append(str(fopts.combine))
    means = {}  # (im, il) -> list over blocks of (G_b, L)
    objective: dict[tuple[str, int, int], tuple[np.ndarray, str]] = {}
    nresp = {}
    for im, miss in enumerate(g["missing"]):
        keep = ~np.isnan(X).any(axis=1) if miss == "listwise" else np.ones(len(X), bool)
        Xm = X[keep]
        for il, lt in enumerate(g["likert"]):
            V = likert_transform(Xm, lt, (lo, hi))
            lst = []
            s, c = item_sums_counts(V)
            lst.append(means_from_sums(s, c))
            for gc, nm in blocks[1:]:
                s, c = item_sums_counts(V, codes[gc][keep], len(nm))
                lst.append(means_from_sums(s, c))
            means[(im, il)] = lst
            for m in wanted:
                objective[(m, im, il)] = _objective_vector(V, lst, m, fopts, miss, lt)
        nresp[im] = int(keep.sum())
    return blocks, gnames, means, objective, nresp, fopts


def _leaf_weights(g: Mapping[str, tuple], leaf_w: np.ndarray, problems: list[str],
                  objective: Mapping[tuple[str, int, int], tuple[np.ndarray, str]],
                  fopts: EvaluationOptions | None) -> tuple[np.ndarray, np.ndarray]:
    """Leaf weights of every (family, panel, missing rule, Likert treatment), and why a
    cell could not be computed.
    """
    fams = g["family"]
    P = len(leaf_w)
    nm_, nl_ = len(g["missing"]), len(g["likert"])
    F = len(fams)
    leaf_all = np.full((F, P, nm_, nl_, leaf_w.shape[1]), np.nan)
    cell_problem = np.full((F, P, nm_, nl_), "", dtype=object)
    for fi, fam in enumerate(fams):
        for im, il in itertools.product(range(nm_), range(nl_)):
            if fam == "ahp":
                leaf_all[fi, :, im, il] = leaf_w
                cell_problem[fi, :, im, il] = problems
                continue
            method = fam
            if fam == "combined":
                assert fopts is not None  # read whenever a family other than ahp is wanted
                method = str(fopts.combine)
            w, prob = objective[(method, im, il)]
            if fam != "combined":
                leaf_all[fi, :, im, il] = w
                cell_problem[fi, :, im, il] = prob
                continue
            leaf_all[fi, :, im, il], cell_problem[fi, :, im, il] = _combined(
                leaf_w, problems, w, prob, fopts)
    return leaf_all, cell_problem


def _block_scores(result: Any, blocks: list[tuple[str, tuple]],
                  means: Mapping[tuple[int, int], list[np.ndarray]], leaf_all: np.ndarray,
                  rep: tuple[str, ...]) -> list[np.ndarray]:
    """Scores of the reported nodes for every (family, panel, survey treatment), per block
    of groups: ``(F, P, missing, likert, G, N_rep)``.
    """
    from ahpstat.scoring import composite_scores

    npos = {v: k for k, v in enumerate(result.hierarchy.nodes)}
    rep_idx = [npos[v] for v in rep]
    Mship = result.membership
    F, P, nm_, nl_ = leaf_all.shape[:4]
    block_scores = []
    for b, (_gc, nm) in enumerate(blocks):
        arr = np.full((F, P, nm_, nl_, len(nm), len(rep)), np.nan)
        for (im, il), lst in means.items():
            with np.errstate(invalid="ignore", divide="ignore"):
                sc = composite_scores(leaf_all[:, :, im, il, None, :], lst[b][None, None],
                                      Mship)
            arr[:, :, im, il] = sc[..., rep_idx]
        block_scores.append(arr)
    return block_scores


def _specifications(study: Any, g: Mapping[str, tuple], shape: tuple[int, ...],
                    spec_panel: np.ndarray, cell_problem: np.ndarray
                    ) -> tuple[Any, np.ndarray, int | None]:
    """The specification table (levels, baseline, feasibility), each specification's panel
    and the baseline specification (the study's own choices), if in the grid.
    """
    import pandas as pd

    S = int(np.prod(shape))
    grids = np.indices(shape).reshape(len(FACTORS), -1).T  # (S, 8)
    base_lv = _baseline_levels(study)
    spec_rows = []
    baseline = None
    pid = np.empty(S, dtype=np.intp)
    for s_i, ix in enumerate(grids):
        lv = {f: g[f][ix[k]] for k, f in enumerate(FACTORS)}
        p = spec_panel[ix[0], ix[1], ix[2], ix[3], ix[5]]
        pid[s_i] = p
        is_base = all(_same_level(f, lv[f], base_lv[f]) for f in FACTORS)
        if is_base and baseline is None:
            baseline = s_i
        prob = cell_problem[ix[7], p, ix[4], ix[6]]
        spec_rows.append((s_i, *(level_label(f, lv[f]) for f in FACTORS), is_base,
                          prob == "", prob or None))
    specs = pd.DataFrame(spec_rows, columns=["spec", *FACTORS, "baseline", "feasible",
                                             "problem"])
    return specs, pid, baseline


def _tidy_scores(blocks: list[tuple[str, tuple]], block_scores: list[np.ndarray],
                 cell: tuple[np.ndarray, ...], rep: tuple[str, ...]
                 ) -> tuple[Any, dict[str, np.ndarray]]:
    """The tidy scores of every specification (``multiverse.csv``) and the groups' ranks
    ``(S, G, N_rep)`` per grouping.
    """
    import pandas as pd

    from ahpstat.compare import descending_ranks

    fam_s, pid, im_s, il_s = cell
    S = len(pid)
    frames = []
    rank_arrays = {}
    for b, (gc, nm) in enumerate(blocks):
        sc = block_scores[b][fam_s, pid, im_s, il_s]     # (S, G, N)
        if gc == "all":
            rk = np.full(sc.shape, np.nan)
        else:
            rk = descending_ranks(sc, axis=-2)
            rank_arrays[gc] = rk
        Gn, Nn = sc.shape[1], sc.shape[2]
        frames.append(pd.DataFrame({
            "spec": np.repeat(np.arange(S), Gn * Nn),
            "node": np.tile(np.array(rep, dtype=object), S * Gn),
            "grouping": gc,
            "group": np.tile(np.repeat(np.array(nm, dtype=object), Nn), S),
            "score": sc.reshape(-1),
            "rank": rk.reshape(-1),
        }))
    scores = pd.concat(frames, ignore_index=True)
    return scores, rank_arrays


def _rank_stability(rank_arrays: Mapping[str, np.ndarray], baseline: int | None,
                    feas: np.ndarray, gnames: Mapping[str, tuple], rep: tuple[str, ...]) -> Any:
    """How stable each group's rank is over the feasible specifications."""
    import pandas as pd

    st_rows = []
    for gc, rk in rank_arrays.items():
        base_rk = rk[baseline] if baseline is not None else np.full(rk.shape[1:], np.nan)
        R = rk[feas]
        for gi, gname in enumerate(gnames[gc]):
            for j, v in enumerate(rep):
                col = R[:, gi, j]
                ok = ~np.isnan(col)
                br = base_rk[gi, j]
                if ok.any():
                    st_rows.append((gc, gname, v, br, float(np.mean(col[ok] == br))
                                    if not np.isnan(br) else np.nan, float(col[ok].min()),
                                    float(np.median(col[ok])), float(col[ok].max()),
                                    float(np.mean(col[ok] == 1))))
                else:
                    st_rows.append((gc, gname, v, br, np.nan, np.nan, np.nan, np.nan, np.nan))
    stability = pd.DataFrame(st_rows, columns=["grouping", "group", "node", "baseline_rank",
                                               "share_same_rank", "rank_min", "rank_median",
                                               "rank_max", "share_top"])
    return stability


def _weight_order(result: Any, g: Mapping[str, tuple], feas: np.ndarray,
                  cell: tuple[np.ndarray, ...], local_w: list[dict[str, np.ndarray] | None],
                  leaf_all: np.ndarray, baseline: int | None) -> Any:
    """Weight order of every internal node's children over the distinct weight vectors
    (AHP: one per panel configuration; objective: one per survey treatment; combined: one
    per both), each counted as often as feasible specifications use it.
    """
    import pandas as pd

    from ahpstat.compare import descending_ranks

    h = result.hierarchy
    npos = {v: k for k, v in enumerate(h.nodes)}
    Mship = result.membership
    fams = g["family"]
    fam_s, pid, im_s, il_s = cell
    vec_count: dict[tuple[int, int, int, int], int] = {}
    for s_i in np.flatnonzero(feas).tolist():
        fam = fams[fam_s[s_i]]
        if fam == "ahp":
            vkey = (int(fam_s[s_i]), int(pid[s_i]), -1, -1)
        else:
            vkey = (int(fam_s[s_i]), -1 if fam != "combined" else int(pid[s_i]),
                    int(im_s[s_i]), int(il_s[s_i]))
        vec_count[vkey] = vec_count.get(vkey, 0) + 1
    base_local = result.panel.local if baseline is None else local_w[pid[baseline]]
    wo_rows = []
    for v in h.internal:
        ch = h.children(v)
        if len(ch) < 2 or base_local is None:
            continue
        ch_idx = [npos[c] for c in ch]
        brank = descending_ranks(base_local[v])
        same = np.zeros(len(ch))
        same_order = 0.0
        tot = 0.0
        for (fi, p, im, il), cnt in vec_count.items():
            if im < 0:
                lw_p = local_w[p]
                if lw_p is None:
                    continue
                r = descending_ranks(lw_p[v])
            else:
                gw = leaf_all[fi, max(p, 0), im, il] @ Mship.T   # global node weights
                r = descending_ranks(gw[ch_idx])                      # local = global / parent's
            same += cnt * (r == brank)
            same_order += cnt * float(np.array_equal(r, brank))
            tot += cnt
        for k, c in enumerate(ch):
            wo_rows.append((v, c, int(brank[k]), same[k] / tot if tot else np.nan,
                            same_order / tot if tot else np.nan))
    weight_order = pd.DataFrame(wo_rows, columns=["parent", "node", "baseline_rank",
                                                  "share_same_rank", "share_same_order"])
    return weight_order


def _anova_tables(h: Any, g: Mapping[str, tuple], shape: tuple[int, ...],
                  block_scores: list[np.ndarray], cell: tuple[np.ndarray, ...],
                  rank_arrays: Mapping[str, np.ndarray], gnames: Mapping[str, tuple],
                  rep: tuple[str, ...]) -> tuple[Any, Any]:
    """Exact ANOVA of the goal score (within each Likert treatment: their units differ) and
    of every group's goal rank (over the whole factorial), and the effects summarised.
    """
    import pandas as pd

    fam_s, pid, im_s, il_s = cell
    an_rows = []
    goal_j = rep.index(h.root)
    y = block_scores[0][fam_s, pid, im_s, il_s][:, 0, goal_j].reshape(shape)
    li = FACTORS.index("likert")
    others = tuple(f for f in FACTORS if f != "likert")
    for il, lt in enumerate(g["likert"]):
        an_rows += anova_rows(np.take(y, il, axis=li), others, "goal_score", lt, "all", "all")
    for gc, rk in rank_arrays.items():
        Y = rk[:, :, goal_j].reshape(*shape, -1)
        for gi, gname in enumerate(gnames[gc]):
            an_rows += anova_rows(Y[..., gi], FACTORS, "goal_rank", "all", gc, gname)
    anova = pd.DataFrame(an_rows, columns=["target", "likert", "grouping", "group", "effect",
                                           "order", "variance", "share"])
    parts = anova[anova.effect != "total"]
    effects = (parts.groupby(["target", "likert", "grouping", "effect"], sort=False)
               .agg(order=("order", "first"), share_mean=("share", "mean"),
                    share_max=("share", "max"))
               .reset_index()
               .sort_values(["target", "likert", "grouping", "share_mean"],
                            ascending=[True, True, True, False], kind="stable")
               .reset_index(drop=True))
    return anova, effects


def _family_options(study: Any) -> EvaluationOptions:
    """The objective settings of the ``family`` factor: the study's evaluation options
    (with a game-theory combination when it has none), else the defaults.
    """
    ev = getattr(study, "evaluation", None)
    if ev is None:
        return EvaluationOptions(fce_weighting=())
    if ev.combination is not None:
        return ev
    return replace(ev, objective=ev.objective or ("entropy",), combination="game_theory",
                   combine=None, alpha=None)


def _objective_vector(V: np.ndarray, means: list[np.ndarray], method: str, opts: Any,
                      missing: str, likert: str) -> tuple[np.ndarray, str]:
    """An objective weight vector (L,) of one survey treatment, and why it is undefined
    (``""``: defined). ``V``: the treated answers; ``means[1]``: the first grouping's item
    means (the units when ``opts.unit == "groups"``).
    """
    from ahpstat.objective import objective_weights

    where = f"{method} weights ({missing}, {likert})"
    if opts.unit == "groups":
        if len(means) < 2:
            return np.full(V.shape[1], np.nan), f"{where}: the groups as units need a group " \
                "column"
        data = means[1]
    else:
        data = V
    kw: dict[str, Any] = {"normalization": opts.normalization, "shift": opts.shift} \
        if method == "entropy" else {}
    w = objective_weights(data, method=method, **kw).weights
    if not np.isfinite(w).all():
        return w, f"{where} are undefined (every item constant, or too few answers)"
    return w, ""


def _combined(leaf_w: np.ndarray, problems: list[str], w: np.ndarray, prob: str,
              opts: Any) -> tuple[np.ndarray, list[str]]:
    """Every panel's AHP leaf weights (P, L) combined with one objective vector (L,)."""
    from ahpstat.objective import combine_weights

    out = np.full(leaf_w.shape, np.nan)
    why = [p or prob for p in problems]
    ok = np.array([not p for p in why])
    if ok.any():
        c = combine_weights([leaf_w[ok], np.broadcast_to(w, leaf_w[ok].shape)],
                            method=opts.combination,
                            alpha=opts.alpha if opts.combination == "linear" else None)
        out[ok] = c.weights
        bad = ~np.isfinite(c.weights).all(axis=-1)
        for k in np.flatnonzero(ok)[bad]:
            why[k] = f"the {opts.combination} combination is undefined"
    return out, why


def _scaled_stacks(stacks: Mapping[str, tuple], scale: str, study: Any) -> dict:
    if scale == "saaty":
        return dict(stacks)
    if getattr(study.judgments, "scale", "saaty") != "saaty":
        raise InputError(f"the judgment scale '{scale}' re-maps Saaty's 1-9 values, but the "
                         "study does not require its judgments to be on Saaty's scale "
                         "(`judgments.scale` is null). Got scale "
                         f"{study.judgments.scale!r} instead.")
    out = {}
    for v, (ex, S) in stacks.items():
        try:
            out[v] = (ex, rescale_judgments(S, scale))
        except ValueError as exc:
            raise InputError(str(exc), node=v) from None
    return out
