"""The study report, Markdown and HTML, from a :class:`~ahpstat.study.StudyResult`.

A thin layer: it formats the result's tables (rounding only for display), states the
methods in words, and embeds the figures. No statistics are computed here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ahpstat._text import escape_markdown
from ahpstat.scales import get_random_index_table

__all__ = ["method_statement", "report_blocks", "write_report"]

_INDEX_NAMES = {
    "cr": "consistency ratio CR = CI / RI(n), CI = (λmax − n)/(n − 1) (Saaty 1980)",
    "ci": "consistency index CI = (λmax − n)/(n − 1) (Saaty 1977)",
    "gci": "geometric consistency index GCI (Aguarón & Moreno-Jiménez 2003)",
    "koczkodaj": "Koczkodaj's (1993) inconsistency index (worst triad)",
}
_METHOD_NAMES = {
    "eigenvector": "the principal right eigenvector (Saaty 1977)",
    "geometric_mean": "the row geometric mean (logarithmic least squares; Crawford & "
                      "Williams 1985)",
    "column_mean": "the normalized column mean (additive normalization)",
    "harker": "Harker's (1987) eigenvector for incomplete matrices",
    "llsm": "incomplete logarithmic least squares (Bozóki, Fülöp & Rónyai 2010)",
}
_POLICY_TEXT = {
    "keep": "kept in the panel and flagged in the audit table",
    "drop": "left out of the panel at that node (recorded in the audit table)",
    "repair": "repaired: the judgment furthest from the ratio the matrix's own weights imply "
              "was moved to that ratio{scale}, and this was repeated until the matrix was "
              "acceptable; every change is listed in the audit table",
    "downweight": "down-weighted at that node, their weight multiplied by threshold / index "
                  "(recorded in the audit table)",
}


# --------------------------------------------------------------------------- blocks


def _fmt_table(df: pd.DataFrame, digits: dict[str, int] | int = 4) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            d = digits.get(c, 4) if isinstance(digits, dict) else digits
            out[c] = out[c].map(lambda x, d=d: "" if pd.isna(x) else f"{x:.{d}f}")
        elif pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].map({True: "yes", False: "no"})
        else:
            out[c] = out[c].map(lambda x: "" if x is None or (isinstance(x, float)
                                                                 and pd.isna(x)) else str(x))
    return out


def method_statement(res: Any) -> list[str]:
    """Paragraphs saying what was done, in words a reviewer accepts."""
    st = res.study
    p = st.panel
    h = res.hierarchy
    K = len(res.experts)
    levels = [len(x) for x in h.levels()]
    thr = res.panel.threshold
    thr_txt = f"{thr:g}" if thr is not None else "the index's own threshold for each order"
    ri_txt = ""
    if p.index in ("cr", "ci"):
        t = get_random_index_table(p.random_index)
        ri_txt = (f" The random index RI(n) is taken from the '{t.name}' table ({t.source}); "
                  "other tables give other ratios, which is why the table is named.")
    if p.aggregation == "aij":
        agg = ("The experts' judgments were combined at every node by the aggregation of "
               "individual judgments (AIJ): the element-wise weighted geometric mean of the "
               "experts' matrices (Forman & Peniwati 1998), the only mean that keeps "
               "reciprocity, skipping missing judgments; the weights were then computed from "
               "the aggregate matrix.")
    else:
        agg = ("The experts' priorities were combined at every node by the aggregation of "
               f"individual priorities (AIP): each expert's weights, then their weighted "
               f"{p.aip_mean} mean (Forman & Peniwati 1998).")
    ew = ("Experts were weighted as given in the expert-weights file."
          if st.expert_weights is not None else "All experts had equal weight.")
    pol = _POLICY_TEXT[p.policy].format(
        scale=" (rounded to Saaty's 1–9 scale, or one scale step toward it)"
        if p.repair_on_scale else "")
    miss = ("Item means use every available answer (available-case analysis)."
            if st.survey.missing == "available_case" else
            f"Respondents with any missing answer were excluded (listwise deletion; "
            f"{res.n_dropped_listwise} excluded).")
    groups = ", ".join(st.survey.group_columns)
    grp_txt = f" Scores are given for the whole sample and per {groups}." if groups else ""
    lo, hi = st.survey.likert
    return [
        f"The hierarchy has {len(levels)} levels ({' / '.join(map(str, levels))} nodes) and "
        f"{len(h.leaves)} survey items. {K} experts compared the children of every node on "
        f"Saaty's 1–9 scale. Local weights were computed with {_METHOD_NAMES[p.weighting]}."
        " Incomplete aggregate matrices (pairs no expert judged) would use Harker's method "
        "(eigenvector) or incomplete least squares (geometric mean). " + agg + " " + ew,
        f"The consistency of every expert's matrix at every node was measured by the "
        f"{_INDEX_NAMES[p.index]}; a matrix is acceptable when the index is at most "
        f"{thr_txt}.{ri_txt} Experts whose matrix was not acceptable were {pol}.",
        "A node's global weight is the product of the local weights on its path from the "
        "goal; the leaves' global weights sum to 1. A node's composite score is the "
        "weighted mean of the mean answers to the items under it, each item weighted by its "
        f"global weight divided by the node's (the seed study's method), on the {lo}–{hi} "
        f"Likert scale of the survey ({len(res.respondents)} respondents). {miss}" + grp_txt,
        "Reliability is Cronbach's (1951) alpha of the items under each criterion and of "
        "all items (respondents with a missing answer in the item set are left out).",
    ]


def report_blocks(res: Any, figures: Sequence[str] = ()) -> list[tuple[str, Any]]:
    """The report as a list of ``(kind, content)`` blocks (heading, para, table, image)."""
    from ahpstat._figures import FIGURES

    h = res.hierarchy
    st = res.study
    B: list[tuple[str, Any]] = []
    title = st.title or f"Study {st.name}"
    B.append(("h1", title))
    S_all = res.scores[res.scores.grouping == "all"].set_index("node")
    goal = float(S_all.loc[h.root, "score"])
    B.append(("p", f"Goal {h.root} ({h.label(h.root)}): composite score **{goal:.4f}** from "
                   f"{len(res.experts)} experts and {len(res.respondents)} respondents. "
                   f"Weighting: {st.panel.weighting}, aggregation: {st.panel.aggregation.upper()},"
                   f" consistency: {st.panel.index.upper()}"
                   + (f" with the '{get_random_index_table(st.panel.random_index).name}' "
                      "random index" if st.panel.index in ("cr", "ci") else "")
                   + f", policy: {st.panel.policy}."))

    # headline: the criteria
    W = res.weights.set_index("node")
    crit = list(h.children(h.root))
    head = pd.DataFrame({
        "criterion": crit,
        "label": [h.label(c) for c in crit],
        "weight": [float(W.loc[c, "global"]) for c in crit],
        "weight rank": pd.Series([float(W.loc[c, "global"]) for c in crit]).rank(
            ascending=False, method="min").astype(int).tolist(),
        "score": [float(S_all.loc[c, "score"]) for c in crit],
        "score rank": pd.Series([float(S_all.loc[c, "score"]) for c in crit]).rank(
            ascending=False, method="min").astype(int).tolist(),
    })
    B.append(("h2", "Headline: the criteria"))
    B.append(("table", _fmt_table(head)))
    B.append(("h2", "Methods"))
    for para in method_statement(res):
        B.append(("p", para))

    if "hierarchy.png" in figures:
        B.append(("img", ("hierarchy.png", FIGURES["hierarchy.png"])))
    B.append(("h2", "Weights at every level"))
    B.append(("p", "Local weight: within the parent (sums to 1 over siblings); global "
                   "weight: within the whole hierarchy (sums to 1 over each level)."))
    B.append(("table", _fmt_table(res.weights[["node", "parent", "level", "label", "local",
                                               "global"]], 4)))

    B.append(("h2", "Consistency of every matrix"))
    C = res.consistency
    ex = C[C.expert != "(aggregate)"]
    judged = ex[ex.status != "absent"]
    scored = judged[judged.n >= 3]
    n_bad = int((~scored.acceptable.astype(bool)).sum())
    thr = res.panel.threshold
    B.append(("p", f"{len(judged)} expert matrices ({len(scored)} of order 3 or more, where "
                   f"inconsistency is possible); {n_bad} exceed the threshold"
                   + (f" {thr:g}" if thr is not None else "") + "."))
    if st.panel.index in ("cr", "ci"):
        t = get_random_index_table(st.panel.random_index)
        orders = sorted({int(n) for n in scored.n}) or [3]
        B.append(("p", f"Random index table: **{t.name}** — {t.source}"))
        B.append(("table", pd.DataFrame({"n": [str(n) for n in orders],
                                         "RI(n)": [f"{t(n):.4f}" for n in orders]})))
    if "consistency.png" in figures:
        B.append(("img", ("consistency.png", FIGURES["consistency.png"])))
    agg = C[C.expert == "(aggregate)"]
    per_node = []
    for v in res.panel.nodes:
        sub = scored[scored.node == v]
        if sub.empty:
            continue
        a = agg[agg.node == v]
        worst = sub.loc[sub.value.idxmax()]
        per_node.append((v, int(sub.n.iloc[0]), len(sub),
                         int(sub.acceptable.astype(bool).sum()),
                         float(sub.value.median()), float(worst.value), worst.expert,
                         float(a.value.iloc[0]) if len(a) else float("nan")))
    B.append(("p", "Per node: experts' index (median, worst) and the aggregate matrix's."))
    B.append(("table", _fmt_table(pd.DataFrame(per_node, columns=[
        "node", "n", "experts", "acceptable", "median", "worst", "worst expert",
        "aggregate"]), 4)))
    bad = scored[~scored.acceptable.astype(bool)]
    if len(bad):
        B.append(("p", "Matrices above the threshold:"))
        B.append(("table", _fmt_table(bad[["expert", "node", "n", "value", "threshold",
                                           "status", "value_after"]], 4)))

    B.append(("h2", "Audit trail"))
    if res.audit.empty:
        B.append(("p", "Every matrix was acceptable: nothing was flagged or changed."))
    else:
        B.append(("p", f"Policy '{st.panel.policy}': every flag, drop, down-weight and "
                       "changed judgment (old → new, index before → after)."))
        B.append(("table", _fmt_table(res.audit, 4)))

    B.append(("h2", "Panel dispersion"))
    B.append(("p", "Spread of the experts' judgments per node: standard deviation of the "
                   "log-judgments across experts, averaged over pairs (and the widest pair), "
                   "and the mean standard deviation of the experts' own weights."))
    B.append(("table", _fmt_table(res.dispersion, 3)))

    B.append(("h2", "Composite scores at every level"))
    if "scores_criteria.png" in figures:
        B.append(("img", ("scores_criteria.png", FIGURES["scores_criteria.png"])))
    tab = S_all.reset_index()[["node", "level", "label", "n_respondents", "score"]]
    B.append(("table", _fmt_table(tab, 4)))
    for gcol, names in res.group_names.items():
        B.append(("h3", f"Scores per {gcol}"))
        if "scores_groups.png" in figures and gcol == next(iter(res.group_names)):
            B.append(("img", ("scores_groups.png", FIGURES["scores_groups.png"])))
        cols = [h.root, *crit]
        P = (res.scores[res.scores.grouping == gcol]
             .pivot(index="group", columns="node", values="score")
             .reindex(index=list(names), columns=cols))
        n = (res.scores[(res.scores.grouping == gcol) & (res.scores.node == h.root)]
             .set_index("group").n_respondents.reindex(list(names)))
        R = res.ranks[(res.ranks.grouping == gcol) & (res.ranks.node == h.root)]
        R = R.set_index("group")["rank"].reindex(list(names))
        P.insert(0, "respondents", n)
        P[f"rank ({h.root})"] = R
        P = P.reset_index().rename(columns={"group": gcol})
        B.append(("table", _fmt_table(P, 3)))
        B.append(("p", f"Scores of every node per {gcol}: `scores.csv`; ranks of every "
                       "internal node: `ranks.csv`."))

    if res.bootstrap is not None:
        B.extend(_bootstrap_blocks(res, figures))
    if res.bayes is not None:
        B.extend(_bayes_blocks(res, figures))
    if getattr(res, "sensitivity", None) is not None:
        B.extend(_sensitivity_blocks(res, figures))

    B.append(("h2", "Reliability"))
    B.append(("table", _fmt_table(res.reliability, 3)))

    B.append(("h2", "Provenance"))
    prov = res.provenance()
    B.append(("p", f"ahpstat {prov['version']} (Python {prov['python']}, numpy "
                   f"{prov['numpy']}, pandas {prov['pandas']}); seed {prov['seed']}. "
                   "All options are in `provenance.json`."))
    B.append(("table", pd.DataFrame(
        [(role, d["path"], d["sha256"]) for role, d in prov["inputs"].items()],
        columns=["input", "file", "SHA-256"])))
    B.append(("p", "Tables: " + ", ".join(f"`{k}.csv`" for k in res.frame_kinds) + "."))

    B.append(("h2", "Appendix: every expert's consistency"))
    B.append(("table", _fmt_table(judged[["expert", "node", "n", "index", "value",
                                          "threshold", "acceptable", "status"]], 4)))
    return B


_METHOD_TEXT = {"percentile": "percentile", "basic": "basic (reverse percentile)",
                "bca": "bias-corrected and accelerated (BCa; Efron & Tibshirani 1993, ch. 14)"}


def _bootstrap_blocks(res: Any, figures: Sequence[str]) -> list[tuple[str, Any]]:
    """The bootstrap section: what was resampled, intervals, ranks, variance split."""
    from ahpstat._figures import FIGURES

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
              "`rank_pairwise.csv`, `criteria_ranks.csv`, `variance_split.csv`."))
    if "forest_scores.png" in figures:
        B.append(("img", ("forest_scores.png", FIGURES["forest_scores.png"])))
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
    B.append(("table", _fmt_table(tab, 4)))
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
    B.append(("table", _fmt_table(vt, {"var_panel": 7, "var_sample": 7, "var_joint": 7,
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
                           "resamples."))
            B.append(("table", _fmt_table(P.reset_index(), 2)))
    gcol = info.get("group")
    if gcol and "rank_probabilities" in res.uncertainty:
        B.append(("h3", f"How sure is each {gcol}'s rank?"))
        if "rank_probabilities.png" in figures:
            B.append(("img", ("rank_probabilities.png", FIGURES["rank_probabilities.png"])))
        R = res.ranks[(res.ranks.grouping == gcol) & (res.ranks.node == h.root)]
        G = res.scores[(res.scores.grouping == gcol) & (res.scores.node == h.root)]
        T = R.merge(G[["group", "ci_low", "ci_high"]], on="group").sort_values(
            "rank", kind="stable")
        rp = res.uncertainty["rank_probabilities"]
        top1 = rp[(rp.node == h.root) & (rp["rank"] == 1)].set_index("group")["probability"]
        T = T.assign(p_first=T.group.map(top1))
        T = T[["group", "score", "ci_low", "ci_high", "rank", "rank_mean", "rank_ci_low",
               "rank_ci_high", "p_first"]].rename(columns={"group": gcol})
        B.append(("p", f"Ranks on the goal's score: the estimate's rank, the mean rank and "
                       f"the {level} interval of the rank over the resamples, and P(rank 1)."))
        B.append(("table", _fmt_table(T, {"score": 3, "ci_low": 3, "ci_high": 3,
                                          "rank_mean": 1, "rank_ci_low": 0,
                                          "rank_ci_high": 0, "p_first": 3})))
    return B


def _bayes_blocks(res: Any, figures: Sequence[str]) -> list[tuple[str, Any]]:
    """The Bayesian section: posterior weights, credal ranks, experts, scores, diagnostics."""
    from ahpstat._figures import FIGURES

    h = res.hierarchy
    info = res.run_info["bayes"]
    U = res.uncertainty
    level = f"{100 * info['credible_level']:g}%"
    nu = ("estimated (prior Gamma(2, 0.1))" if info["nu"] is None
          else f"fixed at {info['nu']:g}")
    B: list[tuple[str, Any]] = [("h2", "Bayesian aggregation of the panel")]
    B.append(("p", "All experts' judgments at all nodes in one model: log a_ij = θ_i − θ_j "
                   "+ ε, with each expert's log-priorities θ a panel mean plus the expert's "
                   "own deviation, and Student-t errors whose scale σ_k is expert k's "
                   f"inconsistency, shared across nodes (ν {nu}). The raw judgments enter "
                   "(the consistency policy does not apply: the model down-weights erratic "
                   f"experts itself). Sampler: {info['sampler']}, {info['chains']} chains × "
                   f"{info['draws']} draws after {info['tune']} tuning steps; {level} "
                   "equal-tailed credible intervals. Tables: `bayes_weights.csv`, "
                   "`credal.csv`, `expert_inconsistency.csv`, `bayes_scores.csv`, "
                   "`bayes_diagnostics.csv`."))
    D = U["bayes_diagnostics"]
    ok = bool(D["ok"].iloc[0]) if len(D) else False
    B.append(("h3", "Sampler diagnostics"))
    B.append(("p", ("Diagnostics are fine: " if ok else "**Diagnostics are poor: do not "
                    "report these results as they stand** (see the advice printed with "
                    "the run): ")
              + f"max R-hat {D.r_hat.max():.3f}, min bulk ESS {D.ess_bulk.min():.0f}, min "
              f"tail ESS {D.ess_tail.min():.0f}, {int(D.n_divergences.iloc[0])} divergent "
              "transitions (want R-hat ≤ 1.01, ESS ≥ 100 per chain, no divergences)."))
    worst = D.assign(_e=D[["ess_bulk", "ess_tail"]].min(axis=1)).sort_values(
        ["r_hat", "_e"], ascending=[False, True], kind="stable").head(8)
    B.append(("table", _fmt_table(worst[["parameter", "r_hat", "ess_bulk", "ess_tail"]],
                                  {"r_hat": 3, "ess_bulk": 0, "ess_tail": 0})))

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
    B.append(("table", _fmt_table(tab, 4)))
    if "bayes_credal.png" in figures:
        B.append(("img", ("bayes_credal.png", FIGURES["bayes_credal.png"])))
    B.append(("p", "P(w_i > w_j) for every pair of siblings at every node: `credal.csv`."))
    B.append(("h3", "Expert inconsistency"))
    if "bayes_experts.png" in figures:
        B.append(("img", ("bayes_experts.png", FIGURES["bayes_experts.png"])))
    ex = U["expert_inconsistency"].sort_values("rank", kind="stable")
    B.append(("p", "σ_k posterior, rank 1 = most inconsistent; influence = the expert's "
                   "share of the likelihood precision (1/K if all were equally consistent)."))
    B.append(("table", _fmt_table(ex, 3)))
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
    B.append(("table", _fmt_table(pd.DataFrame({
        "node": nodes, "score": [S.loc[v, "score"] for v in nodes],
        "bootstrap ci_low": [S.loc[v, "ci_low"] for v in nodes],
        "bootstrap ci_high": [S.loc[v, "ci_high"] for v in nodes],
        "posterior median": [P.loc[v, "median"] for v in nodes],
        "posterior ci_low": [P.loc[v, "ci_low"] for v in nodes],
        "posterior ci_high": [P.loc[v, "ci_high"] for v in nodes]}), 4)))
    return B


_FACTOR_TEXT = {
    "weighting": "weighting method", "aggregation": "aggregation (AIJ / AIP with its mean)",
    "consistency": "consistency index, random-index table and threshold",
    "policy": "policy for inconsistent experts", "missing": "missing-answer rule",
    "scale": "judgment scale", "likert": "treatment of the Likert answers",
}


def _sensitivity_blocks(res: Any, figures: Sequence[str]) -> list[tuple[str, Any]]:
    """The robustness section: multiverse, weight intervals, perturbation, Sobol'."""
    from ahpstat._figures import FIGURES

    sa = res.sensitivity
    h = res.hierarchy
    gcol = sa.settings.get("grouping")
    B: list[tuple[str, Any]] = [("h2", "Robustness: is the ranking robust?")]
    mv = sa.multiverse
    if mv is not None:
        spec = mv.specifications
        levels = "; ".join(f"{_FACTOR_TEXT[f]}: {', '.join(map(str, spec[f].unique()))}"
                           for f in mv.grid)
        n_bad = int((~spec.feasible).sum())
        B.append(("h3", "Multiverse of analyst choices"))
        B.append(("p", f"The study was re-run under every combination of these choices "
                       f"({len(spec)} specifications, {mv.info['n_panels']} panel "
                       f"aggregations): {levels}."
                  + (f" {n_bad} specifications could not be computed (see "
                     "`multiverse_specifications.csv`)." if n_bad else "")
                  + " Scores and ranks of every specification: `multiverse.csv`; the "
                    "specifications: `multiverse_specifications.csv`."))
        if "specification_curve.png" in figures:
            B.append(("img", ("specification_curve.png", FIGURES["specification_curve.png"])))
        st = mv.rank_stability
        top = st[(st.grouping == gcol) & (st.node == h.root)].sort_values(
            ["baseline_rank", "group"], kind="stable")
        if len(top):
            B.append(("p", f"How often each {gcol} keeps the goal rank it has under the "
                           "study's own choices (share of the specifications), the range "
                           "and median of its rank, and the share in which it ranks first "
                           "(`multiverse_rank_stability.csv` has every criterion too)."))
            if "rank_stability.png" in figures:
                B.append(("img", ("rank_stability.png", FIGURES["rank_stability.png"])))
            B.append(("table", _fmt_table(top[["group", "baseline_rank", "share_same_rank",
                                               "rank_min", "rank_median", "rank_max",
                                               "share_top"]].rename(columns={"group": gcol}),
                                          {"baseline_rank": 0, "share_same_rank": 3,
                                           "rank_min": 0, "rank_median": 1, "rank_max": 0,
                                           "share_top": 3})))
        wo = mv.weight_order[mv.weight_order.parent == h.root]
        if len(wo):
            B.append(("p", "The criteria's weight order across the panel aggregations "
                           f"(share of specifications keeping each criterion's rank; the "
                           f"whole order is kept in {float(wo.share_same_order.iloc[0]):.1%} "
                           "of them; every node: `multiverse_weight_order.csv`)."))
            B.append(("table", _fmt_table(wo[["node", "baseline_rank", "share_same_rank"]],
                                          {"share_same_rank": 3})))
        ef = mv.effects
        rk = ef[(ef.target == "goal_rank") & (ef.grouping == gcol)].head(8)
        if len(rk):
            B.append(("p", f"Which choices move the goal ranks of the groups ({gcol}): the "
                           "exact variance "
                           "decomposition of each group's rank over the full factorial "
                           "(main effects, two-way interactions and the higher-order rest, "
                           "which sum to the variance; Saisana, Saltelli & Tarantola 2005), "
                           "as the mean and the largest share over the groups. Per group: "
                           "`multiverse_anova.csv`."))
            B.append(("table", _fmt_table(rk[["effect", "order", "share_mean", "share_max"]],
                                          3)))
        gs = ef[(ef.target == "goal_score")].sort_values(["likert", "share_mean"],
                                                          ascending=[True, False],
                                                          kind="stable")
        gs = gs.groupby("likert", sort=False).head(3)
        if len(gs):
            B.append(("p", "The same for the whole sample's goal score, within each treatment "
                           "of the Likert answers (their units differ): the three largest "
                           "effects."))
            B.append(("table", _fmt_table(gs[["likert", "effect", "share_mean"]].rename(
                columns={"share_mean": "share"}), 3)))
    ws = sa.weights
    if ws is not None:
        B.append(("h3", "How far can a weight move before the ranking changes?"))
        B.append(("p", f"For every criterion, its local weight was moved with its siblings "
                       "rescaled proportionally; every group's goal score is then linear in "
                       "the weight, so the intervals below are exact: the ranking of the "
                       f"groups ({gcol}) and of the top group holds within them. Δ is "
                       "Triantaphyllou & Sánchez's (1997) smallest change of the criterion's "
                       "un-normalized weight that reverses two groups (any two, or the top "
                       "one), also as a percentage of the weight; every criterion at every "
                       "level: `sensitivity_weights.csv`."))
        if "weight_gradient.png" in figures:
            B.append(("img", ("weight_gradient.png", FIGURES["weight_gradient.png"])))
        iv = ws.intervals[(ws.intervals.parent == h.root) & (ws.intervals.grouping == gcol)]
        B.append(("table", _fmt_table(iv[["node", "weight", "lower", "upper", "top_lower",
                                          "top_upper", "delta_any", "percent_any",
                                          "delta_top", "percent_top"]],
                                      {"percent_any": 1, "percent_top": 1})))
        cr = ws.critical[(ws.critical.grouping == gcol)]
        B.append(("p", "Most critical criterion (Triantaphyllou & Sánchez 1997): AT/AA = "
                       "smallest absolute change reversing the top group / any two groups; "
                       "PT/PA = the same relative to the weight."))
        B.append(("table", _fmt_table(cr[["scope", "measure", "parent", "node", "delta",
                                          "percent"]], {"percent": 1})))
    jp = sa.judgments
    if jp is not None:
        s = jp.settings
        how = (f"moved to a neighbouring value of Saaty's scale with probability "
               f"{s['probability']:g}" if s["mode"] == "scale_step" else
               f"multiplied by exp({s['sigma']:g} Z), Z standard normal")
        B.append(("h3", "Perturbed judgments"))
        B.append(("p", f"In {s['used']} replicates every judgment of every expert was {how}, "
                       "and the panel re-aggregated with the study's own rule and "
                       "inconsistency policy"
                  + (f" ({s['failed']} replicates failed and were left out)"
                     if s["failed"] else "")
                  + ". Probability that each group keeps its goal rank and that the "
                    "criteria keep their weight order (`sensitivity_judgments_ranks.csv`, "
                    "`sensitivity_judgments_order.csv`)."))
        r = jp.ranks[(jp.ranks.grouping == gcol) & (jp.ranks.node == h.root)].sort_values(
            ["baseline_rank", "group"], kind="stable")
        B.append(("table", _fmt_table(r[["group", "baseline_rank", "p_same_rank", "p_top",
                                         "rank_mean"]].rename(columns={"group": gcol}),
                                      {"baseline_rank": 0, "p_same_rank": 3, "p_top": 3,
                                       "rank_mean": 1})))
        o = jp.weight_order[jp.weight_order.parent == h.root]
        B.append(("table", _fmt_table(o[["node", "baseline_rank", "p_same_rank",
                                         "p_same_order"]], 3)))
    sb = sa.sobol
    if sb is not None and len(sb):
        so = sa.settings["sobol"]
        B.append(("h3", "Global sensitivity to the criteria's weights (Sobol')"))
        first = None
        if mv is not None:
            st = mv.rank_stability
            t1 = st[(st.grouping == gcol) & (st.node == h.root)].sort_values(
                "baseline_rank", kind="stable")
            first = t1.group.iloc[0] if len(t1) else None
        B.append(("p", "Every criterion's weight multiplied by an independent factor between "
                       f"1/{so['factor']:g} and {so['factor']:g} (log-uniform), weights "
                       "renormalized; first-order (S1) and total (ST) Sobol' indices of each "
                       f"group's goal score and rank, estimated with SALib from "
                       f"{so['n_samples']} x (k + 2) samples (`sensitivity_sobol.csv`)"
                  + (f"; below for the top {gcol}, {first}." if first is not None else ".")))
        sub = sb[sb.group == first] if first is not None else sb.head(0)
        if len(sub):
            B.append(("table", _fmt_table(sub[["output", "factor", "S1", "S1_conf", "ST",
                                               "ST_conf"]], 3)))
    return B


# --------------------------------------------------------------------------- rendering


def _md_cell(x: str) -> str:
    return escape_markdown(x)


def to_markdown(blocks: list[tuple[str, Any]]) -> str:
    """Headings and table cells are text (escaped); paragraphs are Markdown whose user text
    cannot open HTML, links, images or blocks (:func:`ahpstat._text.escape_markdown`).
    """
    out: list[str] = []
    for kind, c in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + escape_markdown(c))
        elif kind == "p":
            out.append(escape_markdown(c, keep_emphasis=True))
        elif kind == "table":
            cols = [str(x) for x in c.columns]
            lines = ["| " + " | ".join(_md_cell(x) for x in cols) + " |",
                     "| " + " | ".join("---" for _ in cols) + " |"]
            for row in c.itertuples(index=False):
                lines.append("| " + " | ".join(_md_cell(str(x)) for x in row) + " |")
            out.append("\n".join(lines))
        elif kind == "img":
            name, cap = c
            out.append(f"![{cap}]({name})\n\n*{cap}*")
    return "\n\n".join(out) + "\n"


def _inline(text: str) -> str:
    import re

    t = html.escape(text)
    t = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", t)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", t)


_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;
line-height:1.45}table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.85em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}th{background:#f3f3f3}
td.num{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1em 0}
img{max-width:100%}figcaption{font-size:.85em;color:#555}.wrap{overflow-x:auto}"""


def to_html(blocks: list[tuple[str, Any]], title: str) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"]
    for kind, c in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{html.escape(c)}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{_inline(c)}</p>")
        elif kind == "table":
            rows = ['<div class="wrap"><table><thead><tr>'
                    + "".join(f"<th>{html.escape(str(x))}</th>" for x in c.columns)
                    + "</tr></thead><tbody>"]
            for row in c.itertuples(index=False):
                cells = []
                for x in row:
                    s = str(x)
                    num = s.replace(".", "", 1).replace("-", "", 1).isdigit()
                    cells.append(f'<td class="num">{html.escape(s)}</td>' if num
                                 else f"<td>{html.escape(s)}</td>")
                rows.append("<tr>" + "".join(cells) + "</tr>")
            rows.append("</tbody></table></div>")
            out.append("".join(rows))
        elif kind == "img":
            name, cap = c
            out.append(f'<figure><img src="{html.escape(name)}" alt="{html.escape(cap)}">'
                       f"<figcaption>{html.escape(cap)}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_report(res: Any, out: Path, *, figures: bool = True) -> list[Path]:
    """Write ``report.md``, ``report.html`` and (with ``figures``) the PNG figures."""
    out = Path(out)
    names: list[str] = []
    if figures:
        from ahpstat._figures import draw_all

        names = draw_all(res, out)
    blocks = report_blocks(res, names)
    title = res.study.title or f"Study {res.study.name}"
    (out / "report.md").write_text(to_markdown(blocks), encoding="utf-8", newline="\n")
    (out / "report.html").write_text(to_html(blocks, title), encoding="utf-8", newline="\n")
    return [out / "report.md", out / "report.html", *(out / n for n in names)]
