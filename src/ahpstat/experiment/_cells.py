"""One task of an experiment: a batch of replications of one condition, every method.

A task returns sufficient statistics, not replications: one row per (method, target,
metric) with the count of defined values, their sum and their sum of squares. The summary
adds the rows of all batches of a condition in batch order, so the means and their Monte
Carlo standard errors are identical whatever ran where, and a 10^5-replication condition is
a few hundred numbers on disk.

Panel tasks are vectorised over the batch: ``R`` panels of ``K`` experts are simulated as one
``R * K``-expert panel (:func:`ahpstat.simulate.simulate_matrices`, each panel with its own
truth) and weighted, aggregated and scored in a few batched calls. Study tasks loop over
their replications (each replication is a whole study with its own bootstrap, which is
itself vectorised).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat.experiment._spec import BAYES_METHOD
from ahpstat.pairwise import upper_pairs

__all__ = ["STAT_COLUMNS", "bayes_fits", "rank_metrics", "run_task"]

STAT_COLUMNS = ["condition", "batch", "method", "target", "metric", "count", "sum", "sum_sq"]
#: ``method`` of statistics that describe the simulated data, not a method
DATA_METHOD = -1
#: study experiments' ``resampling`` -> ``joint_bootstrap(cluster_stage=...)``
_STAGES = {"cluster_one": "one", "cluster_two": "two"}


# --------------------------------------------------------------------------- metrics


#: estimated weights closer than this are one value (a tie): methods that tie two elements
#: exactly in theory (Saaty-scale judgments) differ by rounding error, ~1e-16, in practice
TIE_TOL = 1e-12


def snap_ties(w: np.ndarray, tol: float = TIE_TOL) -> np.ndarray:
    """``w`` (rows) with values closer than ``tol`` to their next smaller neighbour set to it.

    So that rank metrics see a tie where the weights tie up to rounding error, not an order
    decided by the last bit.

    Examples
    --------
    >>> snap_ties(np.array([[0.4, 0.2 + 1e-17, 0.2, 0.2 + 1e-3]])).tolist()
    [[0.4, 0.2, 0.2, 0.201]]
    """
    o = np.argsort(w, axis=-1)
    s = np.take_along_axis(w, o, axis=-1)
    new = np.concatenate([np.ones((*s.shape[:-1], 1), dtype=bool),
                          np.diff(s, axis=-1) > tol], axis=-1)
    first = np.maximum.accumulate(np.where(new, np.arange(s.shape[-1]), 0), axis=-1)
    out = np.empty_like(w)
    np.put_along_axis(out, o, np.take_along_axis(s, first, axis=-1), axis=-1)
    return out


def rank_metrics(est: np.ndarray, true: np.ndarray) -> dict[str, np.ndarray]:
    """Weight and rank recovery of estimated weights ``est`` against ``true`` (rows).

    Returns ``rmse``, ``max_abs`` (weight error), ``kendall_tau`` (tau-b), ``top_right`` (the
    true top element is strictly first in ``est``) and ``order_right`` (every pair strictly
    in the true order); ``NaN`` rows of ``est`` (no estimate) stay ``NaN``. Estimated weights
    that tie up to rounding error (:data:`TIE_TOL`) are a tie: neither strictly first nor in
    order.

    Examples
    --------
    >>> m = rank_metrics(np.array([[0.5, 0.3, 0.2], [0.3, 0.5, 0.2]]),
    ...                  np.array([[0.6, 0.3, 0.1], [0.6, 0.3, 0.1]]))
    >>> m["top_right"].tolist(), m["order_right"].tolist(), m["max_abs"].round(2).tolist()
    ([1.0, 0.0], [1.0, 0.0], [0.1, 0.3])
    """
    from ahpstat.compare import kendall_tau

    d = est - true
    bad = np.isnan(est).any(axis=-1)
    est = snap_ties(est)
    n = true.shape[-1]
    iu = upper_pairs(n)
    se = np.sign(est[..., iu[0]] - est[..., iu[1]])
    st = np.sign(true[..., iu[0]] - true[..., iu[1]])
    top = np.argmax(true, axis=-1)
    top_est = np.take_along_axis(est, top[..., None], axis=-1)
    others = np.where(np.arange(n) == top[..., None], -np.inf, est)
    out = {
        "rmse": np.sqrt(np.mean(d * d, axis=-1)),
        "max_abs": np.max(np.abs(d), axis=-1),
        "kendall_tau": kendall_tau(est, true),  # tau-b
        "top_right": (top_est[..., 0] > others.max(axis=-1)).astype(float),
        "order_right": np.all(se * st > 0, axis=-1).astype(float),
    }
    return {k: np.where(bad, np.nan, v) for k, v in out.items()}


def agreement(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Whether two methods rank the same elements alike (rows): ``same_order_as_first``
    (every pair in the same order, ties included) and ``same_top_as_first`` (the same
    element first); ``NaN`` where either has no estimate.

    Examples
    --------
    >>> agreement(np.array([[0.5, 0.3, 0.2]]), np.array([[0.5, 0.2, 0.3]]))
    {'same_order_as_first': array([0.]), 'same_top_as_first': array([1.])}
    """
    n = a.shape[-1]
    iu = upper_pairs(n)
    bad = np.isnan(a).any(axis=-1) | np.isnan(b).any(axis=-1)
    a, b = snap_ties(a), snap_ties(b)  # ties up to rounding error are ties in both
    sa = np.sign(a[..., iu[0]] - a[..., iu[1]])
    sb = np.sign(b[..., iu[0]] - b[..., iu[1]])
    out = {"same_order_as_first": np.all(sa == sb, axis=-1).astype(float),
           "same_top_as_first": (np.argmax(a, axis=-1) == np.argmax(b, axis=-1)).astype(float)}
    return {k: np.where(bad, np.nan, v) for k, v in out.items()}


def _stats(rows: list, method: int, target: str, metric: str, values: ArrayLike) -> None:
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    rows.append((method, target, metric, v.size, float(v.sum()), float((v * v).sum())))


# --------------------------------------------------------------------------- truth


def _hierarchy(exp: Any, cond: Mapping[str, Any]) -> Any:
    from ahpstat.hierarchy import Hierarchy

    if cond.get("hierarchy") is not None and not _isnan(cond.get("hierarchy")):
        return Hierarchy.from_dict(exp.hierarchies[cond["hierarchy"]])
    n = int(cond["n"])
    return Hierarchy.from_dict({"id": "goal", "children": [{"id": f"e{i + 1}"}
                                                           for i in range(n)]})


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and np.isnan(v)


def _nodes(h: Any) -> list[str]:
    return [v for v in h.internal if len(h.children(v)) >= 2]


def fixed_truth(exp: Any, h: Any, concentration: float) -> tuple[dict[str, np.ndarray],
                                                                 np.ndarray]:
    """The truth drawn once (``truth.draw: once``): local weights, then Likert item means.

    Drawn from ``default_rng(truth.seed)``: Dirichlet(concentration) local weights at every
    node with two or more children (in ``hierarchy.internal`` order), then uniform item means.
    """
    from ahpstat.simulate import random_weights

    rng = np.random.default_rng(exp.truth["seed"])
    w = {v: random_weights(len(h.children(v)), concentration=concentration, rng=rng)
         for v in _nodes(h)}
    lo, hi = exp.truth["item_means"]
    return w, rng.uniform(lo, hi, len(h.leaves))


def _n_erratic(cond: Mapping[str, Any], K: int) -> int:
    return int(np.floor(float(cond["erratic"]) * K + 0.5))


# --------------------------------------------------------------------------- panel kind


def _weigh(M: np.ndarray, method: str) -> np.ndarray:
    """Weights of matrices (..., n, n); incomplete ones by the method's incomplete form."""
    from ahpstat.weighting import INCOMPLETE_METHOD, weights

    n = M.shape[-1]
    flat = M.reshape(-1, n, n)
    out = np.full(flat.shape[:-1], np.nan)
    inc = np.isnan(flat).any(axis=(-1, -2))
    if (~inc).any():
        out[~inc] = weights(flat[~inc], method=method, validate=False).weights
    if inc.any():
        out[inc] = weights(flat[inc], method=INCOMPLETE_METHOD[method], validate=False).weights
    return out.reshape(*M.shape[:-1])


def _weighted_aij(S: np.ndarray, ew: np.ndarray) -> np.ndarray:
    """AIJ of ``S`` (R, K, n, n) with expert weights per replication (R, K): the package's
    AIJ terms (:func:`ahpstat.aggregation.aij_terms`, unit weights) reweighted per row.
    """
    from ahpstat.aggregation import aij_from_terms, aij_terms

    num, den = aij_terms(S, np.ones(S.shape[-3]))
    w = ew[..., None, None]
    return aij_from_terms((num * w).sum(axis=-3), (den * w).sum(axis=-3))


def _expert_weights(idx: Any, policy: str) -> np.ndarray:
    """(R, K) expert weights under a policy from the index ``idx`` (value, threshold)."""
    value, thr = idx
    if policy == "keep":
        return np.ones(value.shape)
    ok = value <= thr + 1e-12
    if policy == "drop":
        return ok.astype(float)
    with np.errstate(divide="ignore"):
        return np.where(ok, 1.0, thr / np.maximum(value, 1e-300))


def panel_task(exp: Any, cond: Mapping[str, Any], R: int, seed: np.random.SeedSequence):
    """Statistics rows of one batch of a panel experiment (see the module notes)."""
    from ahpstat.consistency import consistency
    from ahpstat.simulate import random_weights, simulate_matrices

    h = _hierarchy(exp, cond)
    nodes = _nodes(h)
    K = int(cond["n_experts"])
    s_truth, s_panel, s_bayes = seed.spawn(3)  # the first two as before the third existed
    g_truth = np.random.default_rng(s_truth)
    conc = float(cond["concentration"])
    if exp.truth["draw"] == "once":
        fixed, _ = fixed_truth(exp, h, conc)
        truth = {v: np.broadcast_to(fixed[v], (R, len(fixed[v]))) for v in nodes}
    else:
        truth = {v: random_weights(len(h.children(v)), concentration=conc, size=R,
                                   rng=g_truth) for v in nodes}
    bad = np.tile(np.arange(K) < _n_erratic(cond, K), R)
    S = simulate_matrices(
        h, {v: np.repeat(truth[v], K, axis=0) for v in nodes}, n_experts=R * K,
        expert_sd=cond["expert_sd"], noise_sd=cond["noise_sd"],
        scale="saaty" if cond["scale"] == "saaty" else None, erratic=bad,
        erratic_sd=cond["erratic_sd"], missing=cond["missing"],
        rng=np.random.default_rng(s_panel))
    S = {v: S[v].reshape(R, K, *S[v].shape[1:]) for v in nodes}

    rows: list[tuple] = []
    # per index: each node's (values, threshold); the threshold is one number or, for a
    # random index of incomplete matrices, one per matrix
    cache: dict[str, dict[str, tuple[np.ndarray, float | np.ndarray]]] = {}

    def index(name: str) -> dict[str, tuple[np.ndarray, float | np.ndarray]]:
        if name not in cache:
            out: dict[str, tuple[np.ndarray, float | np.ndarray]] = {}
            for v in nodes:
                c = consistency(S[v], index=name, threshold=_rule_threshold(name))
                out[v] = (np.asarray(c.value), c.threshold)
            cache[name] = out
        return cache[name]

    for name in exp.acceptance:
        acc = np.mean([index(name)[v][0] <= index(name)[v][1] + 1e-12 for v in nodes], axis=0)
        _stats(rows, DATA_METHOD, "panel", f"accept_{name}", acc.mean(axis=-1))

    true_global = h.global_weights(truth)
    reference: dict[str, np.ndarray] = {}  # the first method's estimates, per target
    # a target is a node (its local weights) or the leaves (their global weights)
    targets: dict[str, str | tuple[str, ...]] = (
        {"weights": h.root} if len(nodes) == 1 and nodes[0] == h.root
        else {"criteria": h.root, "global": tuple(h.leaves)})
    for m in exp.methods.itertuples(index=False):
        if m.weighting == BAYES_METHOD:  # one joint model of the whole panel, per replication
            experts = [f"E{k + 1:02d}" for k in range(K)]
            panels = (_long_judgments(h, nodes, {v: S[v][r] for v in nodes}, experts)
                      for r in range(R))
            fit = bayes_fits(exp, h, panels, scale=cond["scale"], rng=s_bayes)
            _stats(rows, m.method, "panel", "diagnostics_ok", fit["ok"])
            _target_stats(rows, m.method, targets, fit["local"], fit["global"], truth,
                          true_global, reference, bounds=fit["bounds"])
            continue
        local = {}
        for v in nodes:
            idx = index(m.index)[v] if m.policy != "keep" else (np.zeros((R, K)), 1.0)
            ew = _expert_weights(idx, m.policy)
            if m.policy != "keep":  # share of the panel's weight the policy left
                _stats(rows, m.method, "panel", "experts_used" if len(nodes) == 1
                       else f"experts_used_{v}", ew.mean(axis=-1))
            none = ew.sum(axis=-1) == 0
            ew = ew / np.where(none, 1.0, ew.sum(axis=-1))[:, None]
            if m.aggregation == "aij":
                G = _weighted_aij(S[v], ew)
                w = np.full((R, S[v].shape[-1]), np.nan)
                w[~none] = _weigh(G[~none], m.weighting)
            else:
                W = _weigh(S[v], m.weighting)  # (R, K, n)
                with np.errstate(divide="ignore", invalid="ignore"):
                    if m.aip_mean == "arithmetic":
                        w = np.einsum("rk,rkn->rn", ew, W)
                    else:
                        w = np.exp(np.einsum("rk,rkn->rn", ew, np.log(W)))
                w = w / w.sum(axis=-1, keepdims=True)
                w[none] = np.nan
            local[v] = w
        _target_stats(rows, m.method, targets, local, h.global_weights(local), truth,
                      true_global, reference)
    return rows


def _target_stats(rows: list, method: int, targets: Mapping[str, str | tuple[str, ...]],
                  local: Mapping[str, np.ndarray], est_global: Mapping[str, np.ndarray],
                  truth: Mapping[str, np.ndarray], true_global: Mapping[str, Any],
                  reference: dict[str, np.ndarray],
                  bounds: Mapping[Any, tuple[np.ndarray, np.ndarray]] | None = None) -> None:
    """Weight and rank recovery of one method's estimates at every target, agreement with
    the first method, and (``bounds``: interval per node or per leaves tuple) the coverage
    of the true weights and the intervals' mean width.
    """
    for target, node_or_leaves in targets.items():
        if isinstance(node_or_leaves, str):
            est, tru = local[node_or_leaves], truth[node_or_leaves]
        else:
            leaves = node_or_leaves
            est = np.stack([est_global[x] for x in leaves], axis=-1)
            R = est.shape[0]
            tru = np.stack([np.broadcast_to(true_global[x], (R,)) for x in leaves], axis=-1)
        for metric, values in rank_metrics(est, tru).items():
            _stats(rows, method, target, metric, values)
        # rank contradictions between methods on the same matrices (Ishizaka & Lusti)
        first = reference.setdefault(target, est)
        for metric, values in agreement(est, first).items():
            _stats(rows, method, target, metric, values)
        if bounds is not None:  # every element's interval; per replication, their mean
            lo, hi = bounds[node_or_leaves]
            _stats(rows, method, target, "coverage", ((lo <= tru) & (tru <= hi)).mean(axis=-1))
            _stats(rows, method, target, "width", (hi - lo).mean(axis=-1))


# --------------------------------------------------------------------------- Bayes


#: compiled Bayesian models of this process, by panel shape: a model built once (seconds; the
#: first ever compile of its log-density about ten more, then numba's disk cache) is refitted
#: to every later panel of that shape with new data
#: (:meth:`ahpstat.bayes.BayesianAHP.set_judgments`); the draws are the same bit for bit as
#: a fresh compile's, so results do not depend on which worker ran which task
_BAYES_MODELS: dict[str, Any] = {}
_BAYES_KEEP = 4


def _bayes_model(h: Any, judgments: pd.DataFrame, scale: str | None,
                 config: Mapping[str, Any]) -> Any:
    import json

    from ahpstat.bayes import BayesianAHP

    experts = list(dict.fromkeys(judgments["expert"]))
    key = json.dumps([h.to_dict(), experts, scale, dict(config)], sort_keys=True, default=str)
    model = _BAYES_MODELS.get(key)
    if model is None:
        while len(_BAYES_MODELS) >= _BAYES_KEEP:
            _BAYES_MODELS.pop(next(iter(_BAYES_MODELS)))
        model = _BAYES_MODELS[key] = BayesianAHP(judgments, h, scale=scale,
                                                 sampler_config=dict(config))
    else:
        model.set_judgments(judgments)
    return model


def bayes_fits(exp: Any, h: Any, panels: Any, *, scale: str,
               rng: np.random.SeedSequence) -> dict[str, Any]:
    """Fit the joint Bayesian model to each simulated panel (long judgments) in turn.

    Returns ``local`` (node -> (R, n) posterior means of the local weights), ``global``
    (leaf -> (R,) posterior means of the global weights), ``bounds`` (node, or the tuple of
    leaves, -> (lo, hi) equal-tailed credible bounds at ``exp.bayes["confidence_level"]``)
    and ``ok`` ((R,) 1.0 where the fit's diagnostics are fine: R-hat, ESS, no divergence).
    Replication ``r`` samples with the seed ``rng.spawn(R)[r]``.
    """
    b = exp.bayes
    config = {"draws": b["draws"], "tune": b["tune"], "chains": b["chains"],
              "target_accept": b["target_accept"], "cores": 1, "progressbar": False}
    level = b["confidence_level"]
    nodes = _nodes(h)
    leaves = tuple(h.leaves)
    frames = []
    ok = []
    panels = list(panels)
    for judg, seed in zip(panels, rng.spawn(len(panels)), strict=True):
        model = _bayes_model(h, judg, None if scale == "continuous" else scale, config)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # small panels, poor diagnostics: scored below
            model.fit(rng=np.random.default_rng(seed), log_likelihood=False,
                      posterior_predictive=False)
            br = model.result(confidence_level=level)
        frames.append(br.to_frame("weights").set_index(["weight", "node"]))
        ok.append(float(br.ok))

    def col(kind: str, ids: Any, what: str) -> np.ndarray:  # (R, len(ids))
        return np.stack([f.loc[[(kind, x) for x in ids], what].to_numpy(float)
                         for f in frames])

    local = {v: col("local", h.children(v), "mean") for v in nodes}
    glob = col("global", leaves, "mean")
    bounds: dict[Any, tuple[np.ndarray, np.ndarray]] = {
        v: (col("local", h.children(v), "ci_low"), col("local", h.children(v), "ci_high"))
        for v in nodes}
    bounds[leaves] = (col("global", leaves, "ci_low"), col("global", leaves, "ci_high"))
    return {"local": local, "global": {x: glob[:, k] for k, x in enumerate(leaves)},
            "bounds": bounds, "ok": np.array(ok)}


def _long_judgments(h: Any, nodes: list[str], S: Mapping[str, np.ndarray],
                    experts: list[str]) -> pd.DataFrame:
    """The canonical long judgments (upper triangles, missing ones left out) of one panel's
    matrices ``S[node]`` (K, n, n).
    """
    parts = []
    for v in nodes:
        kids = np.asarray(h.children(v), dtype=object)
        iu = upper_pairs(kids.size)
        vals = S[v][:, iu[0], iu[1]]
        k, p = np.nonzero(np.isfinite(vals))
        parts.append(pd.DataFrame({"expert": np.asarray(experts, dtype=object)[k], "node": v,
                                   "row": kids[iu[0][p]], "col": kids[iu[1][p]],
                                   "value": vals[k, p]}))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- study kind


def study_task(exp: Any, cond: Mapping[str, Any], R: int, seed: np.random.SeedSequence):
    """Statistics rows of one batch of a study experiment: R whole simulated studies."""
    from ahpstat import io
    from ahpstat.bootstrap import FewClustersWarning, joint_bootstrap
    from ahpstat.panel import PanelOptions, run_panel
    from ahpstat.simulate import latent_means, simulate_panel, simulate_survey, true_scores

    h = _hierarchy(exp, cond)
    K = int(cond["n_experts"])
    conc = float(cond["concentration"])
    r_sd, a_sd = float(cond["respondent_sd"]), float(cond["answer_sd"])
    if cond.get("icc") is not None and not _isnan(cond.get("icc")):
        icc = float(cond["icc"])
        g_sd = float(np.sqrt(icc / (1.0 - icc) * (r_sd ** 2 + a_sd ** 2)))
    else:
        g_sd = float(cond["group_sd"])
    M = h.membership()
    crit = np.array([h.nodes.index(c) for c in h.children(h.root)])
    top = [h.nodes.index(h.root), *crit]  # the nodes whose intervals are reported
    items = [h.item(x) for x in h.leaves]
    level, n_boot = exp.bootstrap["confidence_level"], exp.bootstrap["n_resamples"]
    panel_keys = ("weighting", "aggregation", "aip_mean", "policy", "index")

    fixed = fixed_truth(exp, h, conc) if exp.truth["draw"] == "once" else None
    rows: list[tuple] = []
    acc: dict[tuple, list] = {}

    def add(method: int, target: str, metric: str, value: Any) -> None:
        acc.setdefault((method, target, metric), []).append(np.asarray(value, dtype=float))

    bayes = exp.methods[exp.methods["weighting"] == BAYES_METHOD]["method"].tolist()
    for s_rep in seed.spawn(R):
        s_truth, s_sim, s_boot, s_bayes = s_rep.spawn(4)  # the first three as before
        if fixed is None:
            weights, item_means = fixed_truth_from(np.random.default_rng(s_truth), h, conc,
                                                   exp.truth["item_means"])
        else:
            weights, item_means = fixed
        truth = true_scores(h, weights, item_means).to_numpy()
        true_global = h.global_weights(weights)
        true_crit_w = np.array([float(true_global[c]) for c in h.children(h.root)])
        latent = latent_means(item_means, group_sd=g_sd, respondent_sd=r_sd, noise_sd=a_sd)
        g_sim = np.random.default_rng(s_sim)
        judg = simulate_panel(h, weights, n_experts=K, expert_sd=cond["expert_sd"],
                              noise_sd=cond["noise_sd"],
                              scale="saaty" if cond["scale"] == "saaty" else None,
                              erratic=_n_erratic(cond, K), erratic_sd=cond["erratic_sd"],
                              missing=cond["missing"], rng=g_sim)
        stacks = io.judgment_stacks(judg, h, validate=False)
        sv = simulate_survey(h, latent, n_respondents=int(cond["respondents"]),
                             groups=int(cond["clusters"]), rng=g_sim, group_sd=g_sd,
                             respondent_sd=r_sd, noise_sd=a_sd)
        X = sv[items].to_numpy(float)
        clusters = sv["group"].to_numpy()
        true_leaf = np.array([float(true_global[x]) for x in h.leaves])
        _stats(rows, DATA_METHOD, "survey", "icc_goal_score", _icc(X @ true_leaf, clusters))
        panels: dict[tuple, Any] = {}
        samplers: dict[tuple, Any] = {}
        boots: dict[tuple, Any] = {}
        samples: dict[str, Any] = {}
        for m in exp.methods.itertuples(index=False):
            if m.weighting == BAYES_METHOD:
                continue  # below
            pk = tuple(getattr(m, k) for k in panel_keys)
            if pk not in panels:
                panels[pk] = run_panel(stacks, h, options=PanelOptions(
                    weighting=m.weighting, aggregation=m.aggregation, aip_mean=m.aip_mean,
                    policy=m.policy, index=m.index, threshold=_rule_threshold(m.index)),
                    diagnostics=False)  # only its weights are used: no report tables
                # every resampling scheme draws the same experts from s_boot: re-run the
                # panel once per draw
                samplers[pk] = _memo(panels[pk].leaf_weight_sampler())
            panel = panels[pk]
            gw = panel.global_weights
            est_crit = np.array([float(gw[c]) for c in h.children(h.root)])
            for metric, v in rank_metrics(est_crit[None], true_crit_w[None]).items():
                add(m.method, "criteria_weights", metric, v)
            bk = (pk, m.resampling)
            if bk not in boots:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    boots[bk] = joint_bootstrap(
                        X, M, leaf_weight_sampler=samplers[pk], n_experts=K,
                        clusters=None if m.resampling == "iid" else clusters,
                        cluster_stage=_STAGES.get(m.resampling, "one"),
                        n_resamples=n_boot, confidence_level=level,
                        rng=np.random.default_rng(s_boot))
                boots[bk] = (boots[bk], any(issubclass(w.category, FewClustersWarning)
                                            for w in caught))
            res, warned = boots[bk]
            add(m.method, "study", "warned_few_clusters", float(warned))
            lo, hi = _ci(res, "scores", m.interval, top)
            cover = (lo <= truth) & (truth <= hi)
            add(m.method, "goal_score", "coverage", float(cover[0]))
            add(m.method, "goal_score", "width", hi[0] - lo[0])
            # the bootstrap variance against the sampling variance of the estimate (the
            # variance of `error` over the replications): their ratio is the variance ratio
            add(m.method, "goal_score", "error", res.scores[0] - truth[0])
            add(m.method, "goal_score", "boot_var", np.var(res.score_draws[0], ddof=1))
            if m.resampling not in samples:  # the survey alone: true weights, respondents
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    samples[m.resampling] = joint_bootstrap(
                        X, M, leaf_weights=true_leaf, resample="respondents",
                        clusters=None if m.resampling == "iid" else clusters,
                        cluster_stage=_STAGES.get(m.resampling, "one"),
                        n_resamples=n_boot, confidence_level=level,
                        rng=np.random.default_rng(s_boot))
            rs = samples[m.resampling]
            slo, shi = _ci(rs, "scores", m.interval, [0])
            add(m.method, "goal_score_sample", "coverage", float(slo[0] <= truth[0] <= shi[0]))
            add(m.method, "goal_score_sample", "width", shi[0] - slo[0])
            add(m.method, "goal_score_sample", "error", rs.scores[0] - truth[0])
            add(m.method, "goal_score_sample", "boot_var", np.var(rs.score_draws[0], ddof=1))
            add(m.method, "criteria_scores", "coverage", cover[crit].mean())
            add(m.method, "criteria_scores", "width", (hi[crit] - lo[crit]).mean())
            glo, ghi = _ci(res, "global_weights", m.interval, top)
            cw = (glo[crit] <= true_crit_w) & (true_crit_w <= ghi[crit])
            add(m.method, "criteria_weights", "coverage", cw.mean())
            add(m.method, "criteria_weights", "width", (ghi[crit] - glo[crit]).mean())
        for method in bayes:  # the joint model's posterior of the criteria's weights
            fit = bayes_fits(exp, h, [judg], scale=cond["scale"], rng=s_bayes)
            est = fit["local"][h.root]  # the criteria's local weights are their global ones
            for metric, v in rank_metrics(est, true_crit_w[None]).items():
                add(method, "criteria_weights", metric, v)
            lo, hi = fit["bounds"][h.root]
            add(method, "criteria_weights", "coverage",
                ((lo <= true_crit_w) & (true_crit_w <= hi)).mean())
            add(method, "criteria_weights", "width", (hi - lo).mean())
            add(method, "study", "diagnostics_ok", fit["ok"])
    for (method, target, metric), vals in acc.items():
        _stats(rows, method, target, metric, np.concatenate([np.ravel(v) for v in vals]))
    return rows


def _ci(res: Any, what: str, method: str, rows: Any) -> tuple[np.ndarray, np.ndarray]:
    """Interval of the bootstrap result's ``what`` (``"scores"`` or ``"global_weights"``),
    computed for ``rows`` only (NaN elsewhere: the other nodes are not reported).
    """
    from ahpstat.bootstrap import bootstrap_interval

    est, draws = ((res.scores, res.score_draws) if what == "scores"
                  else (res.global_weights, res.weight_draws))
    lo = np.full(est.shape, np.nan)
    hi = np.full(est.shape, np.nan)
    lo[rows], hi[rows] = bootstrap_interval(draws[rows], est[rows], method=method,
                                            confidence_level=res.confidence_level,
                                            acceleration=res.acceleration[what][rows])
    return lo, hi


def _memo(sampler: Any) -> Any:
    """``sampler`` remembering its answers by expert index array (same draws, same panel)."""
    cache: dict[tuple, np.ndarray] = {}

    def memo(idx: np.ndarray) -> np.ndarray:
        key = (idx.shape, idx.tobytes())
        if key not in cache:
            cache[key] = sampler(idx)
        return cache[key]

    return memo


def _icc(y: np.ndarray, groups: np.ndarray) -> float:
    """One-way ANOVA intra-class correlation ICC(1) of ``y`` within ``groups``."""
    codes = np.unique(groups, return_inverse=True)[1]
    sizes = np.bincount(codes)
    G, n = sizes.size, y.size
    if G < 2 or n <= G:
        return float("nan")
    means = np.bincount(codes, y) / sizes
    msb = float((sizes * (means - y.mean()) ** 2).sum() / (G - 1))
    msw = float(((y - means[codes]) ** 2).sum() / (n - G))
    m0 = (n - (sizes ** 2).sum() / n) / (G - 1)
    return (msb - msw) / (msb + (m0 - 1) * msw)


def fixed_truth_from(rng: np.random.Generator, h: Any, concentration: float,
                     item_means: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Local weights then uniform Likert item means drawn from ``rng`` (one replication)."""
    from ahpstat.simulate import random_weights

    w = {v: random_weights(len(h.children(v)), concentration=concentration, rng=rng)
         for v in _nodes(h)}
    return w, rng.uniform(item_means[0], item_means[1], len(h.leaves))


# --------------------------------------------------------------------------- entry


def run_task(payload: Mapping[str, Any], condition: int, batch: int) -> pd.DataFrame:
    """Run one task (condition, batch) of an experiment; return its statistics table.

    ``payload`` is :meth:`Experiment.to_dict`. The random streams come from
    ``SeedSequence(seed, spawn_key=(condition, batch))`` only, so the table is the same bit
    for bit wherever and whenever the task runs.
    """
    from ahpstat.experiment._spec import Experiment

    exp = payload if not isinstance(payload, Mapping) else Experiment.from_payload(payload)
    cond = exp.conditions.iloc[condition].to_dict()
    R = exp.batch_rows(batch)
    seed = np.random.SeedSequence(exp.seed, spawn_key=(condition, batch))
    fn = panel_task if exp.kind == "panel" else study_task
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rows = fn(exp, cond, R, seed)
    df = pd.DataFrame(rows, columns=STAT_COLUMNS[2:])
    df.insert(0, "batch", batch)
    df.insert(0, "condition", condition)
    return df.astype({"condition": "int64", "batch": "int64", "method": "int64",
                      "count": "int64"})


def _rule_threshold(index: str) -> float | None:
    """The acceptance rule's threshold: the index's default, Koczkodaj's own 1/3 for his
    index (which has no default, :mod:`ahpstat.consistency`).
    """
    from ahpstat.consistency import KOCZKODAJ_1993_THRESHOLD

    return KOCZKODAJ_1993_THRESHOLD if index == "koczkodaj" else None
