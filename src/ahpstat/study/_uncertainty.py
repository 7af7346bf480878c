"""The uncertainty sections of a study: the bootstrap's and the Bayesian model's tables."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ahpstat.bootstrap import rank_table, resampled_item_means
from ahpstat.scoring import composite_scores
from ahpstat.study._config import StudyInputs
from ahpstat.study._result import ALL_LABEL, StudyResult

__all__ = ["attach_bayes", "attach_bootstrap"]

def _in_order(df: pd.DataFrame, column: str, order: Sequence[str]) -> pd.DataFrame:
    """Rows sorted stably by ``column`` in ``order`` (the study's group order)."""
    pos = {g: k for k, g in enumerate(order)}
    return (df.assign(_o=df[column].map(pos)).sort_values("_o", kind="stable")
            .drop(columns="_o").reset_index(drop=True))


def _rank_summary(P: pd.DataFrame, level: float) -> pd.DataFrame:
    """Mean rank and equal-tailed rank interval per group from ``P(rank = r)`` rows.

    Groups with the same number of rows (a rank table: one per rank) are summarised
    together in (groups, ranks) arrays -- each row's cumulative sum and sum the same
    operations as for the group alone -- and others one group at a time.
    """
    a = (1.0 - level) / 2.0
    tol = 1e-12
    codes, names = pd.factorize(P["group"], sort=False)  # first appearance; NaN -1: left out
    keep = codes >= 0
    sizes = np.bincount(codes[keep], minlength=len(names))
    k = int(sizes[0]) if sizes.size else 0
    if k and (sizes == k).all():
        order = np.argsort(codes[keep], kind="stable")  # each group's rows, in their order
        r = P["rank"].to_numpy(dtype=float)[keep][order].reshape(-1, k)
        p = P["probability"].to_numpy(dtype=float)[keep][order].reshape(-1, k)
        cdf = np.cumsum(p, axis=1)
        lo = (cdf < a - tol).sum(axis=1)  # np.searchsorted(cdf, a - tol) of each row
        hi = np.minimum((cdf < 1.0 - a - tol).sum(axis=1), k - 1)
        # each row's (cdf < x).sum() is np.searchsorted(cdf, x) when its running sum never
        # decreases (a rank table's probabilities can be -1e-17); else group by group below
        if (lo < k).all() and (np.diff(cdf, axis=1) >= 0).all():
            rows = np.arange(r.shape[0])
            return pd.DataFrame({"group": list(names), "rank_mean": (r * p).sum(axis=1),
                                 "rank_ci_low": r[rows, lo], "rank_ci_high": r[rows, hi]})
    out = []
    for g, sub in P.groupby("group", sort=False):
        r = sub["rank"].to_numpy(dtype=float)
        p = sub["probability"].to_numpy(dtype=float)
        cdf = np.cumsum(p)
        out.append((g, float((r * p).sum()), r[np.searchsorted(cdf, a - tol)],
                    r[min(np.searchsorted(cdf, 1.0 - a - tol), len(r) - 1)]))
    return pd.DataFrame(out, columns=["group", "rank_mean", "rank_ci_low", "rank_ci_high"])


def attach_bootstrap(res: StudyResult, boot: Any, opts: Mapping[str, Any],
                     rng: np.random.Generator | None = None) -> StudyResult:
    """The result with the bootstrap's intervals in its tables and the bootstrap tables;
    ``rng``: the rank sets' small-sample studentisation (None: seeded by the draws).
    """
    h = res.hierarchy
    gcol = opts.get("group") or (next(iter(res.group_codes)) if res.group_codes else None)
    order = res.group_names.get(gcol, ()) if gcol is not None else ()
    level = boot.confidence_level

    t = boot.to_frame("scores")
    overall = t["group"].isna()
    t = t.assign(grouping=np.where(overall, ALL_LABEL, gcol if gcol is not None else ""),
                 group=t["group"].where(~overall, ALL_LABEL))
    scores = res.scores.drop(columns=["ci_low", "ci_high", "interval"]).merge(
        t[["grouping", "group", "node", "ci_low", "ci_high", "interval"]], how="left",
        on=["grouping", "group", "node"], validate="one_to_one")
    scores["interval"] = scores["interval"].astype(object).where(scores["interval"].notna(),
                                                                 None)

    weights = res.weights.copy()
    if boot.weight_draws is not None:
        wt = boot.to_frame("weights")
        for kind, lo, hi in (("global", "ci_low", "ci_high"),
                             ("local", "local_ci_low", "local_ci_high")):
            sub = wt[wt.weight == kind].set_index("node")
            weights[lo] = weights["node"].map(sub["ci_low"])
            weights[hi] = weights["node"].map(sub["ci_high"])
        root = weights["node"] == h.root
        weights.loc[root, ["local_ci_low", "local_ci_high"]] = 1.0
        weights["interval"] = boot.interval_label("global_weights")

    ranks = res.ranks.copy()
    extra: dict[str, pd.DataFrame] = {}
    if boot.groups and gcol is not None:
        summ = []
        probs = {v: boot.rank_probabilities(node=v) for v in h.internal}  # (read only)
        for v in h.internal:
            sm = _rank_summary(probs[v], level)
            summ.append(sm.assign(grouping=gcol, node=v))
        summ = pd.concat(summ, ignore_index=True)
        ranks = ranks.drop(columns=["rank_mean", "rank_ci_low", "rank_ci_high",
                                    "rank_interval"]).merge(
            summ, how="left", on=["grouping", "node", "group"], validate="one_to_one")
        marginal = (f"{100 * level:g}% marginal: equal-tailed percentiles of the bootstrap "
                    f"ranks; resampled: {boot.resampled('group_scores')} (joint sets: "
                    "rank_confidence_sets.csv)")
        ranks["rank_interval"] = [marginal if ok else None for ok in ranks["rank_ci_low"].notna()]
        top = [h.root, *h.children(h.root)]
        rp = pd.concat([_in_order(probs[v] if v in probs else boot.rank_probabilities(node=v),
                                  "group", order) for v in top], ignore_index=True)
        rp.insert(0, "grouping", gcol)
        extra["rank_probabilities"] = rp
        pw = pd.concat([boot.pairwise_probabilities(of="groups", node=v) for v in top],
                       ignore_index=True)
        pos = {g: k for k, g in enumerate(order)}
        pw = (pw.assign(_n=pw["node"].map({v: k for k, v in enumerate(top)}),
                        _a=pw["a"].map(pos), _b=pw["b"].map(pos))
              .sort_values(["_n", "_a", "_b"], kind="stable")
              .drop(columns=["_n", "_a", "_b"]).reset_index(drop=True))
        pw.insert(0, "grouping", gcol)
        extra["rank_pairwise"] = pw
    crit = [boot.criteria_rank_probabilities(by="score").assign(by="score")]
    if boot.weight_draws is not None:
        crit.append(boot.criteria_rank_probabilities(by="weight").assign(by="weight"))
    crit = pd.concat(crit, ignore_index=True)
    extra["criteria_ranks"] = crit[["by", "parent", "node", "rank", "probability"]]
    extra["rank_confidence_sets"] = _rank_sets(boot, h, gcol if boot.groups else None, order,
                                               level, rng)
    vs = boot.variance_split()
    overall = vs["group"].isna()
    vs = vs.assign(grouping=np.where(overall, ALL_LABEL, gcol if gcol is not None else ""),
                   group=vs["group"].where(~overall, ALL_LABEL))
    extra["variance_split"] = vs[["grouping", "group", "node", "var_panel", "var_sample",
                                  "var_joint", "share_panel", "split"]]
    info = {
        "n_resamples": boot.n_resamples, "resample": list(boot.resample),
        "cluster": opts.get("cluster"), "group": gcol, "scheme": boot.scheme,
        "cluster_stage": boot.cluster_stage, "n_clusters": boot.n_clusters,
        "method": boot.method, "confidence_level": level, "caveats": boot.caveats(),
    }
    return dataclasses.replace(
        res, scores=scores, weights=weights, ranks=ranks, bootstrap=boot,
        uncertainty={**res.uncertainty, **extra},
        run_info={**res.run_info, "bootstrap": info})


#: columns of ``rank_confidence_sets.csv``
#: the columns of the Bayesian model's weights that the study's tables show
BAYES_WEIGHT_COLUMNS = ("node", "parent", "weight", "mean", "median", "sd", "ci_low", "ci_high")

RANK_SET_COLUMNS = ["ranked", "by", "grouping", "parent", "node", "group", "estimate", "rank",
                    "rank_low", "rank_high", "coverage", "confidence_level", "interval"]


def _rank_sets(boot: Any, h: Any, gcol: str | None, order: Sequence[str],
               level: float, rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Joint and marginal confidence sets for the ranks of the groups (``gcol``; none when
    ``None``) at the goal and every criterion, and of the criteria by score (whole sample)
    and by weight (when the experts were resampled).
    """
    frames = []
    for v in [h.root, *h.children(h.root)] if gcol is not None else []:
        t = boot.rank_confidence_sets(node=v, confidence_level=level, rng=rng)
        pos = {g: k for k, g in enumerate(order)}
        t = (t.assign(_c=t["coverage"] != "joint", _g=t["group"].map(pos))
             .sort_values(["_c", "_g"], kind="stable").drop(columns=["_c", "_g"]))
        frames.append(t.assign(ranked="groups", by="score", grouping=gcol, parent=""))
    bys = ["score", *(["weight"] if boot.weight_draws is not None else [])]
    for by in bys:
        t = boot.rank_confidence_sets(of="criteria", by=by, confidence_level=level, rng=rng)
        frames.append(t.assign(ranked="criteria", by=by,
                               grouping=ALL_LABEL if by == "score" else "",
                               group=ALL_LABEL if by == "score" else ""))
    out = pd.concat(frames, ignore_index=True)
    return out[RANK_SET_COLUMNS]


def _credible(level: float) -> str:
    return f"{100 * level:g}% equal-tailed posterior credible interval"


def attach_bayes(res: StudyResult, inputs: StudyInputs, opts: Mapping[str, Any],
                  rng: Any, cluster: str | None = None,
                  cluster_stage: str = "one") -> StudyResult:
    """Fit the joint Bayesian model of the judgments; add its tables to the result."""
    from ahpstat.bayes import BayesianAHP

    h = res.hierarchy
    model = BayesianAHP(
        inputs.judgments, h, scale=opts.get("scale", "saaty"),
        expert_weights=inputs.expert_weights,
        model_config={**opts["priors"], "nu": opts["nu"]},
        sampler_config={k: opts[k] for k in ("draws", "tune", "chains", "cores", "sampler",
                                             "target_accept")})

    with warnings.catch_warnings():
        # ArviZ's notice of its coming refactor says nothing about this study
        warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")
        idata = model.fit(rng=rng)
    br = model.result(confidence_level=opts["confidence_level"])
    level = opts["confidence_level"]

    nodes = tuple(h.nodes)
    node_pos = {v: k for k, v in enumerate(nodes)}
    bw = br.to_frame("weights")[list(BAYES_WEIGHT_COLUMNS)]
    bw = (bw.assign(_w=bw["weight"].map({"local": 0, "global": 1}),
                    _n=bw["node"].map(node_pos))
          .sort_values(["_w", "_n"], kind="stable").drop(columns=["_w", "_n"])
          .reset_index(drop=True))

    # posterior scores: draw s of the weights x bootstrap resample s of the respondents'
    # item means (clusters as in the bootstrap settings, else iid; groups within themselves)

    study_leaf = {leaf: k for k, leaf in enumerate(h.leaves)}
    cols = [study_leaf[leaf] for leaf in br.leaves]
    X = res.answers[:, cols]
    G = br.global_leaf_draws.T  # (S, L)
    S = G.shape[0]
    clusters = res.group_codes.get(cluster) if cluster is not None else None
    blocks: list[tuple[str, tuple[str, ...], np.ndarray]] = []
    gens = np.random.default_rng(rng).spawn(1 + len(res.group_codes))
    m_all, _ = resampled_item_means(X, S, clusters=clusters, cluster_stage=cluster_stage,
                                    rng=gens[0])
    blocks.append((ALL_LABEL, (ALL_LABEL,), composite_scores(G, m_all, br.membership)[:, None]))
    group_draws = {}
    for (gcol, codes), gen in zip(res.group_codes.items(), gens[1:], strict=True):
        names = res.group_names[gcol]
        _, m_g = resampled_item_means(X, S, groups=codes, rng=gen)
        assert m_g is not None  # groups were given
        D = composite_scores(G[:, None, :], m_g, br.membership)  # (S, G, N)
        blocks.append((gcol, names, D))
        group_draws[gcol] = D
    a = (1.0 - level) / 2.0
    rows = []
    for gcol, names, D in blocks:
        with np.errstate(invalid="ignore"):
            q = np.quantile(D, [a, 0.5, 1.0 - a], axis=0)
            mean = D.mean(axis=0)
        for k, g in enumerate(names):
            for r, v in enumerate(br.nodes):
                rows.append((v, gcol, g, mean[k, r], q[1, k, r], q[0, k, r], q[2, k, r]))
    bs = pd.DataFrame(rows, columns=["node", "grouping", "group", "mean", "median", "ci_low",
                                     "ci_high"])
    bs["item_means"] = (f"{cluster_stage}-stage cluster bootstrap" if clusters is not None
                        else "iid bootstrap")
    bs["interval"] = (_credible(level) + "; item means: one bootstrap resample of the "
                      "respondents per draw")
    bw = bw.assign(interval=_credible(level))
    # posterior rank probabilities of the groups at the goal and the criteria
    top = [h.root, *h.children(h.root)]
    bnode = {v: k for k, v in enumerate(br.nodes)}
    rp = []
    for gcol, D in group_draws.items():
        names = res.group_names[gcol]
        for v in top:
            t = rank_table(D[:, :, bnode[v]].T, names)  # draws (G, S)
            t.insert(0, "node", v)
            t.insert(0, "grouping", gcol)
            rp.append(t)
    gorder = {ALL_LABEL: -1, **{g: k for k, g in enumerate(res.group_codes)}}
    bs = (bs.assign(_g=bs["grouping"].map(gorder), _n=bs["node"].map(node_pos))
          .sort_values(["_g", "_n"], kind="stable").drop(columns=["_g", "_n"])
          .reset_index(drop=True))

    diag = br.diagnostics.reset_index(drop=True)  # per-parameter verdicts; the fit's: info
    extra = {"bayes_weights": bw, "credal": br.credal.reset_index(drop=True),
             "expert_inconsistency": br.experts.reset_index(drop=True).assign(
                 interval=_credible(level)),
             "bayes_scores": bs, "bayes_diagnostics": diag,
             "bayes_predictive_checks": br.predictive_checks().assign(
                 interval=f"{100 * level:g}% equal-tailed posterior predictive interval")}
    if rp:
        extra["bayes_rank_probabilities"] = pd.concat(rp, ignore_index=True)
    attrs = idata.posterior.attrs
    info = {"sampler": attrs.get("sampler"), "sampler_seed": attrs.get("seed"),
            "draws": opts["draws"], "tune": opts["tune"], "chains": opts["chains"],
            "target_accept": opts["target_accept"], "nu": opts["nu"],
            "priors": model.model_config, "credible_level": level,
            "n_divergences": int(br.n_divergences), "diagnostics_ok": bool(br.ok),
            "max_r_hat": float(diag["r_hat"].max()),
            "min_ess_bulk": float(diag["ess_bulk"].min()),
            "min_ess_tail": float(diag["ess_tail"].min()),
            "parameters_not_ok": [str(x) for x in diag.loc[~diag["ok"], "parameter"]],
            "sampling_attempts": br.attempts.to_dict("records"),
            "scores_item_means": (
                "posterior weight draw s paired with bootstrap resample s of the respondents ("
                + (f"{cluster_stage}-stage clusters '{cluster}'" if clusters is not None
                   else "iid")
                + "; group scores resample within the group)")}
    return dataclasses.replace(res, bayes=br, uncertainty={**res.uncertainty, **extra},
                               run_info={**res.run_info, "bayes": info})
