"""The report's sensitivity section: weight sensitivity and the multiverse of analyst
choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ahpstat.report._format import fmt_table, img

_FACTOR_TEXT = {
    "weighting": "weighting method", "aggregation": "aggregation (AIJ / AIP with its mean)",
    "consistency": "consistency index, random-index table and threshold",
    "policy": "policy for inconsistent experts", "missing": "missing-answer rule",
    "scale": "judgment scale", "likert": "treatment of the Likert answers",
    "family": "weighting family (AHP, objective weights from the survey, or combined)",
}


def sensitivity_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The robustness section: multiverse, weight intervals, perturbation, Sobol'."""
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
        if "specification_curve" in figures:
            B.append(img(figures, "specification_curve"))
        st = mv.rank_stability
        top = st[(st.grouping == gcol) & (st.node == h.root)].sort_values(
            ["baseline_rank", "group"], kind="stable")
        if len(top):
            B.append(("p", f"How often each {gcol} keeps the goal rank it has under the "
                           "study's own choices (share of the specifications), the range "
                           "and median of its rank, and the share in which it ranks first "
                           "(`multiverse_rank_stability.csv` has every criterion too)."))
            if "rank_stability" in figures:
                B.append(img(figures, "rank_stability"))
            B.append(("table", fmt_table(top[["group", "baseline_rank", "share_same_rank",
                                               "rank_min", "rank_median", "rank_max",
                                               "share_top"]].rename(columns={"group": gcol}),
                                          {"baseline_rank": 0, "share_same_rank": 3,
                                           "rank_min": 0, "rank_median": 1, "rank_max": 0,
                                           "share_top": 3})))
        wo = mv.weight_order[mv.weight_order.parent == h.root]
        if len(wo):
            across = "the panel aggregations" if len(mv.grid.get("family", ())) < 2 else \
                "the weight vectors (panel aggregations and weighting families)"
            B.append(("p", f"The criteria's weight order across {across} "
                           f"(share of specifications keeping each criterion's rank; the "
                           f"whole order is kept in {float(wo.share_same_order.iloc[0]):.1%} "
                           "of them; every node: `multiverse_weight_order.csv`)."))
            B.append(("table", fmt_table(wo[["node", "baseline_rank", "share_same_rank"]],
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
            B.append(("table", fmt_table(rk[["effect", "order", "share_mean", "share_max"]],
                                          3)))
        gs = ef[(ef.target == "goal_score")].sort_values(["likert", "share_mean"],
                                                          ascending=[True, False],
                                                          kind="stable")
        gs = gs.groupby("likert", sort=False).head(3)
        if len(gs):
            B.append(("p", "The same for the whole sample's goal score, within each treatment "
                           "of the Likert answers (their units differ): the three largest "
                           "effects."))
            B.append(("table", fmt_table(gs[["likert", "effect", "share_mean"]].rename(
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
        if "weight_gradient" in figures:
            B.append(img(figures, "weight_gradient"))
        iv = ws.intervals[(ws.intervals.parent == h.root) & (ws.intervals.grouping == gcol)]
        B.append(("table", fmt_table(iv[["node", "weight", "lower", "upper", "top_lower",
                                          "top_upper", "delta_any", "percent_any",
                                          "delta_top", "percent_top"]],
                                      {"percent_any": 1, "percent_top": 1})))
        cr = ws.critical[(ws.critical.grouping == gcol)]
        B.append(("p", "Most critical criterion (Triantaphyllou & Sánchez 1997): AT/AA = "
                       "smallest absolute change reversing the top group / any two groups; "
                       "PT/PA = the same relative to the weight."))
        B.append(("table", fmt_table(cr[["scope", "measure", "parent", "node", "delta",
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
        B.append(("table", fmt_table(r[["group", "baseline_rank", "p_same_rank", "p_top",
                                         "rank_mean"]].rename(columns={"group": gcol}),
                                      {"baseline_rank": 0, "p_same_rank": 3, "p_top": 3,
                                       "rank_mean": 1})))
        o = jp.weight_order[jp.weight_order.parent == h.root]
        B.append(("table", fmt_table(o[["node", "baseline_rank", "p_same_rank",
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
            B.append(("table", fmt_table(sub[["output", "factor", "S1", "S1_conf", "ST",
                                               "ST_conf"]], 3)))
    return B
