"""The report's uncertainty sections: the bootstrap (intervals, ranks and their
confidence sets) and the Bayesian model (posterior, predictive checks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ahpstat.report._format import fmt_table, img

_METHOD_TEXT = {"percentile": "percentile", "basic": "basic (reverse percentile)",
                "bca": "bias-corrected and accelerated (BCa; Efron & Tibshirani 1993, ch. 14)"}


def bootstrap_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The bootstrap section: what was resampled, intervals, ranks, variance split."""
    h = res.hierarchy
    info = res.run_info["bootstrap"]
    pol = res.study.panel
    level = f"{100 * info['confidence_level']:g}%"
    parts = []
    if "experts" in info["resample"]:
        parts.append(f"the {len(res.experts)} experts (with replacement; each resampled panel "
                     f"re-aggregated by {pol.aggregation.upper()} under the same "
                     f"'{pol.policy}' policy)")
    if "respondents" in info["resample"]:
        if info["scheme"] == "cluster" and info.get("cluster_stage") == "two":
            parts.append(f"the respondents in two stages: the {info['n_clusters']} "
                         f"{info['cluster']} clusters with replacement, then respondents "
                         "within each drawn cluster (which counts the within-cluster "
                         "variance twice: conservative at low intra-class correlation; "
                         "scores per group: respondents within the group)")
        elif info["scheme"] == "cluster":
            parts.append(f"the respondents by whole clusters: the {info['n_clusters']} "
                         f"{info['cluster']} clusters with replacement, each drawn cluster "
                         "with all its respondents (scores per group: respondents within "
                         "the group)")
        else:
            parts.append("the respondents (independently, with replacement; scores per "
                         "group: within the group)")
    B: list[tuple[str, Any]] = [("h2", "Uncertainty: bootstrap")]
    B.append(("p", f"{info['n_resamples']} bootstrap resamples of " + " and of ".join(parts)
              + f", both sources independently. Intervals: {level} "
              f"{_METHOD_TEXT[info['method']]}. Tables: `scores.csv` and `weights.csv` "
              "(`ci_low`, `ci_high`), `ranks.csv`, `rank_probabilities.csv`, "
              "`rank_pairwise.csv`, `rank_confidence_sets.csv`, `criteria_ranks.csv`, "
              "`variance_split.csv`; each names its intervals in an `interval` column "
              "(`ranks.csv`: `rank_interval`)."))
    for c in info.get("caveats", []):
        B.append(("p", f"**Caveat.** {c[:1].upper()}{c[1:]}"))
    if "forest_scores" in figures:
        B.append(img(figures, "forest_scores"))
    S = res.scores[res.scores.grouping == "all"].set_index("node")
    W = res.weights.set_index("node")
    crit = [h.root, *h.children(h.root)]
    vs = res.uncertainty["variance_split"]
    V = vs[vs.grouping == "all"].set_index("node")
    tab = pd.DataFrame({
        "node": crit, "label": [h.label(v) for v in crit],
        "score": [S.loc[v, "score"] for v in crit],
        "ci_low": [S.loc[v, "ci_low"] for v in crit],
        "ci_high": [S.loc[v, "ci_high"] for v in crit],
        "weight": [W.loc[v, "global"] for v in crit],
        "weight ci_low": [W.loc[v, "ci_low"] for v in crit],
        "weight ci_high": [W.loc[v, "ci_high"] for v in crit],
    })
    B.append(("p", f"Goal and criteria, whole sample ({level} intervals):"))
    B.append(("table", fmt_table(tab, 4)))
    B.append(("h3", "Where the uncertainty comes from"))
    B.append(("p", "Variance of each score over resamples of the panel only (item means "
                   "fixed) and of the sample only (weights fixed; clusters whole); share = "
                   "panel / (panel + sample). A one-at-a-time split with no interaction "
                   "term: panel + sample is close to the joint variance only because the "
                   "sources are independent and the score is nearly additive in them. "
                   "`variance_split.csv` has every node and group."))
    vt = pd.DataFrame({"node": crit, "var_panel": [V.loc[v, "var_panel"] for v in crit],
                       "var_sample": [V.loc[v, "var_sample"] for v in crit],
                       "var_joint": [V.loc[v, "var_joint"] for v in crit],
                       "share_panel": [V.loc[v, "share_panel"] for v in crit]})
    B.append(("table", fmt_table(vt, {"var_panel": 7, "var_sample": 7, "var_joint": 7,
                                       "share_panel": 3})))
    cr = res.uncertainty.get("criteria_ranks")
    if cr is not None and len(cr):
        for by in ("weight", "score"):
            sub = cr[cr.by == by]
            if sub.empty:
                continue
            P = sub.pivot(index="node", columns="rank", values="probability")
            P = P.reindex(index=list(h.children(h.root)))
            P.columns = [f"P(rank {c})" for c in P.columns]
            B.append(("p", f"Criteria ranked by {by}: probability of each rank over the "
                           "resamples" + _joint_sets_text(res, "criteria", by, level)))
            B.append(("table", fmt_table(_with_joint_sets(P.reset_index(), res, "criteria",
                                                           by, "node"), 2)))
    gcol = info.get("group")
    if gcol and "rank_probabilities" in res.uncertainty:
        B.append(("h3", f"How sure is each {gcol}'s rank?"))
        if "rank_probabilities" in figures:
            B.append(img(figures, "rank_probabilities"))
        R = res.ranks[(res.ranks.grouping == gcol) & (res.ranks.node == h.root)]
        G = res.scores[(res.scores.grouping == gcol) & (res.scores.node == h.root)]
        T = R.merge(G[["group", "ci_low", "ci_high"]], on="group").sort_values(
            "rank", kind="stable")
        rp = res.uncertainty["rank_probabilities"]
        top1 = rp[(rp.node == h.root) & (rp["rank"] == 1)].set_index("group")["probability"]
        T = T.assign(p_first=T.group.map(top1))
        T = T[["group", "score", "ci_low", "ci_high", "rank", "rank_mean", "rank_ci_low",
               "rank_ci_high", "p_first"]]
        T = _with_joint_sets(T, res, "groups", "score", "group").rename(columns={
            "group": gcol, "rank_ci_low": "marginal rank_ci_low",
            "rank_ci_high": "marginal rank_ci_high"})
        B.append(("p", f"Ranks on the goal's score: the estimate's rank, the mean rank, the "
                       f"{level} marginal interval of the rank over the resamples (each "
                       f"{gcol} on its own) and P(rank 1)"
                       + _joint_sets_text(res, "groups", "score", level)))
        B.append(("table", fmt_table(T, {"score": 3, "ci_low": 3, "ci_high": 3,
                                          "rank_mean": 1, "marginal rank_ci_low": 0,
                                          "marginal rank_ci_high": 0, "joint rank_low": 0,
                                          "joint rank_high": 0, "p_first": 3})))
    return B


def _joint_sets(res: Any, ranked: str, by: str) -> pd.DataFrame | None:
    """The joint rank sets at the goal (groups) or of the goal's children (criteria)."""
    rs = res.uncertainty.get("rank_confidence_sets")
    if rs is None or rs.empty:
        return None
    h = res.hierarchy
    where = rs["node"] == h.root if ranked == "groups" else rs["parent"] == h.root
    sub = rs[where & (rs.ranked == ranked) & (rs.by == by) & (rs.coverage == "joint")]
    if ranked == "groups":
        sub = sub[sub.grouping == res.run_info["bootstrap"].get("group")]
    return sub if len(sub) else None


def _with_joint_sets(T: pd.DataFrame, res: Any, ranked: str, by: str,
                     key: str) -> pd.DataFrame:
    """``T`` with the joint sets' bounds as columns ``joint rank_low``/``joint rank_high``."""
    sub = _joint_sets(res, ranked, by)
    if sub is None:
        return T
    S = sub.set_index(key)
    return T.assign(**{"joint rank_low": T[key].map(S["rank_low"]),
                       "joint rank_high": T[key].map(S["rank_high"])})


def _joint_sets_text(res: Any, ranked: str, by: str, level: str) -> str:
    sub = _joint_sets(res, ranked, by)
    if sub is None:
        return "."
    from ahpstat.rank_sets import SMALL_SAMPLE_COVERAGE

    small = (f"; {SMALL_SAMPLE_COVERAGE}" if sub["interval"].str.contains(
        "small-sample", regex=False).any() else "")
    return (f"; joint rank_low..rank_high: the {level} joint confidence set of each rank, "
            f"covering the true ranks of all {len(sub)} {ranked} at once (bootstrap max-t "
            f"over all pairwise differences with stepdown, Mogstad et al. 2024{small}; "
            "`rank_confidence_sets.csv` also has the marginal sets).")


def _predictive_check_blocks(pc: pd.DataFrame, info: Mapping[str, Any]
                             ) -> list[tuple[str, Any]]:
    """Posterior predictive checks: scale ends, and the experts whose consistency the model
    does not reproduce.
    """
    level = f"{100 * info['credible_level']:g}%"
    B: list[tuple[str, Any]] = [("h3", "Posterior predictive checks")]
    ends = pc[pc.check == "share_at_scale_ends"]
    lines = []
    if len(ends):
        e = ends.iloc[0]
        lines.append(f"Share of judgments at the scale's ends (9 or 1/9): observed "
                     f"{100 * e.observed:.1f}%, replicated {100 * e.replicated_median:.1f}% "
                     f"({level} interval {100 * e.ci_low:.1f}–{100 * e.ci_high:.1f}%, "
                     f"p = {e.p_value:.2f}).")
    cr = pc[pc.check == "consistency_ratio"]
    if len(cr):
        out = cr[(cr.observed < cr.ci_low) | (cr.observed > cr.ci_high)]
        lines.append(f"Consistency ratio per expert (mean CR of the expert's complete "
                     f"matrices of order ≥ 3), observed vs replicated: {len(cr) - len(out)} "
                     f"of {len(cr)} experts inside the {level} predictive interval"
                     + (f"; outside: {', '.join(map(str, out.expert))}." if len(out) else "."))
    B.append(("p", "Every judgment replicated at each posterior draw (the expert's own "
                   "deviation, inconsistency and lapses included) and summarised like the "
                   "observed ones; p = P(replicated ≥ observed), near 0 or 1 a misfit. "
                   + " ".join(lines) + " Table: `bayes_predictive_checks.csv`."))
    if len(cr):
        worst = cr.assign(_d=(cr.p_value - 0.5).abs()).sort_values(
            "_d", ascending=False, kind="stable").head(5)
        B.append(("table", fmt_table(worst[["expert", "observed", "replicated_median",
                                             "ci_low", "ci_high", "p_value"]], 3)))
    return B


def bayes_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The Bayesian section: posterior weights, credal ranks, experts, scores, diagnostics."""
    h = res.hierarchy
    info = res.run_info["bayes"]
    U = res.uncertainty
    level = f"{100 * info['credible_level']:g}%"
    B: list[tuple[str, Any]] = [("h2", "Bayesian aggregation of the panel")]
    B.append(("p", "All experts' judgments at all nodes in one model: log a_ij = θ_i − θ_j "
                   "+ ε, with each expert's log-priorities θ a panel mean plus the expert's "
                   "own deviation, and normal errors whose scale σ_k is expert k's "
                   "inconsistency, shared across nodes, with a lapse probability π of a random "
                   "answer; a judgment on the discrete scale is the interval of log ratios "
                   "that rounds to it (docs: the Bayesian model). The raw judgments enter "
                   "(the consistency policy does not apply: the model down-weights erratic "
                   f"experts itself). Sampler: {info['sampler']}, {info['chains']} chains × "
                   f"{info['draws']} draws after {info['tune']} tuning steps; {level} "
                   "equal-tailed credible intervals. Tables: `bayes_weights.csv`, "
                   "`credal.csv`, `expert_inconsistency.csv`, `bayes_scores.csv`, "
                   "`bayes_diagnostics.csv`."))
    D = U["bayes_diagnostics"]
    ok = bool(info["diagnostics_ok"])
    bad = [str(x) for x in D.loc[~D["ok"].astype(bool), "parameter"]]
    B.append(("h3", "Sampler diagnostics"))
    B.append(("p", ("Verdict: diagnostics are fine: " if ok else "Verdict: **diagnostics are "
                    "poor: do not report these results as they stand** (see the advice "
                    "printed with the run): ")
              + f"max R-hat {D.r_hat.max():.3f}, min bulk ESS {D.ess_bulk.min():.0f}, min "
              f"tail ESS {D.ess_tail.min():.0f}, {int(info['n_divergences'])} divergent "
              "transitions (want R-hat ≤ 1.01, ESS ≥ 100 per chain, no divergences)"
              + (f"; {len(bad)} parameter(s) fail: {', '.join(bad[:8])}"
                 + (", ..." if len(bad) > 8 else "") if bad else "")
              + ". Each parameter's verdict: column `ok` of `bayes_diagnostics.csv`."))
    worst = D.assign(_e=D[["ess_bulk", "ess_tail"]].min(axis=1)).sort_values(
        ["r_hat", "_e"], ascending=[False, True], kind="stable").head(8)
    B.append(("table", fmt_table(worst[["parameter", "r_hat", "ess_bulk", "ess_tail"]],
                                  {"r_hat": 3, "ess_bulk": 0, "ess_tail": 0})))

    if "bayes_predictive_checks" in U:
        B.extend(_predictive_check_blocks(U["bayes_predictive_checks"], info))

    bw = U["bayes_weights"]
    crit = list(h.children(h.root))
    W = res.weights.set_index("node")
    post = bw[bw.weight == "global"].set_index("node")
    tab = pd.DataFrame({
        "criterion": crit, "classic (AHP)": [W.loc[c, "global"] for c in crit],
        "bootstrap ci_low": [W.loc[c, "ci_low"] for c in crit],
        "bootstrap ci_high": [W.loc[c, "ci_high"] for c in crit],
        "posterior mean": [post.loc[c, "mean"] for c in crit],
        "posterior median": [post.loc[c, "median"] for c in crit],
        "ci_low": [post.loc[c, "ci_low"] for c in crit],
        "ci_high": [post.loc[c, "ci_high"] for c in crit]})
    B.append(("h3", "Posterior weights of the criteria"))
    B.append(("table", fmt_table(tab, 4)))
    if "bayes_credal" in figures:
        B.append(img(figures, "bayes_credal"))
    B.append(("p", "P(w_i > w_j) for every pair of siblings at every node: `credal.csv`. "
                   "`p_greater` is about the panel's centre (it goes to 0 or 1 as experts are "
                   "added, however much they disagree); `p_greater_new_expert` is the "
                   "probability that one more expert drawn from this panel ranks i above j "
                   "(near 1/2 when the panel is split): the consensus."))
    B.append(("h3", "Expert inconsistency"))
    if "bayes_experts" in figures:
        B.append(img(figures, "bayes_experts"))
    ex = U["expert_inconsistency"].sort_values("rank", kind="stable")
    B.append(("p", "σ_k posterior, rank 1 = most inconsistent; influence = the expert's "
                   "share of the likelihood precision (1/K if all were equally consistent)."))
    B.append(("table", fmt_table(ex, 3)))
    B.append(("h3", "Bayesian score intervals beside the bootstrap's"))
    bs = U["bayes_scores"]
    P = bs[bs.grouping == "all"].set_index("node")
    S = res.scores[res.scores.grouping == "all"].set_index("node")
    nodes = [h.root, *crit]
    how = res.run_info["bayes"]["scores_item_means"]
    B.append(("p", "Each posterior draw of the weights is paired with one bootstrap resample "
                   f"of the respondents' item means ({how}), so the posterior score intervals "
                   "carry both the panel's and the sample's uncertainty, like the joint "
                   "bootstrap's; they differ in how the panel is modelled. Posterior rank "
                   "probabilities of the groups at the goal and the criteria: "
                   "`bayes_rank_probabilities.csv`."))
    B.append(("table", fmt_table(pd.DataFrame({
        "node": nodes, "score": [S.loc[v, "score"] for v in nodes],
        "bootstrap ci_low": [S.loc[v, "ci_low"] for v in nodes],
        "bootstrap ci_high": [S.loc[v, "ci_high"] for v in nodes],
        "posterior median": [P.loc[v, "median"] for v in nodes],
        "posterior ci_low": [P.loc[v, "ci_low"] for v in nodes],
        "posterior ci_high": [P.loc[v, "ci_high"] for v in nodes]}), 4)))
    return B
