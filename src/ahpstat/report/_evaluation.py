"""The report's evaluation sections: objective and combined weights, the fuzzy
comprehensive evaluation, rankings of other methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ahpstat.report._format import img, with_ci

_WEIGHTING_TEXT = {
    "entropy": "entropy weights (Zeleny, 1982)",
    "critic": "CRITIC weights (Diakoulaki et al., 1995)",
    "sd": "standard-deviation weights",
    "cv": "coefficient-of-variation weights",
}


_COMBINATION_TEXT = {
    "game_theory": "the game-theory (minimum-deviation) combination (Lai et al., 2015)",
    "multiplicative": "multiplicative normalisation (the normalised product)",
    "linear": "a linear combination",
}


def evaluation_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Subjective against objective weights, their agreement, fuzzy evaluation, rankings."""
    h = res.hierarchy
    U = res.uncertainty
    info = res.run_info.get("evaluation", {})
    o = info.get("options", {})
    crit = list(h.children(h.root))
    B: list[tuple[str, Any]] = [("h2", "Subjective against objective weights")]
    texts = [_WEIGHTING_TEXT[m] for m in o.get("objective", ())]
    para = ("The experts' AHP weights (subjective) are set beside weights computed from the "
            "survey itself")
    if texts:
        unit = ("the respondents' answers" if o.get("unit") == "respondents"
                else f"the item means of the {info.get('groups')} {info.get('grouping')} "
                     "groups")
        para += (": " + ", ".join(texts) + f", from {unit}"
                 + (f" ({o['normalization']} normalisation for entropy)"
                    if "entropy" in o.get("objective", ()) else ""))
    para += (". Each is computed per item and rolled up the hierarchy as AHP weights are (a "
             "criterion's weight is the sum of its items').")
    if o.get("combination"):
        c = _COMBINATION_TEXT[o["combination"]]
        if o["combination"] == "linear":
            c += f" with α = {o['alpha']:g} on the AHP weights"
        para += f" The AHP and {o['combine']} weights are combined by {c}."
    if info.get("intervals"):
        para += (" Intervals come from the same bootstrap resamples as the scores: AHP weights "
                 "vary with the resampled experts, objective weights with the resampled "
                 "respondents, combined ones with both (the `interval` column of each table "
                 "says what was resampled).")
    B.append(("p", para + " Tables: `objective_weights.csv`, `objective_components.csv`, "
                          "`weight_agreement.csv`."))
    if "weights_compared" in figures:
        B.append(img(figures, "weights_compared"))
    t = U["objective_weights"]
    g = t[(t.weight == "global") & t.node.isin(crit)]
    tab = pd.DataFrame({"criterion": crit, "label": [h.label(c) for c in crit]})
    for w in dict.fromkeys(g.weighting):
        d = g[g.weighting == w].set_index("node").reindex(crit)
        tab[w] = with_ci(d.estimate, d.ci_low, d.ci_high)
    B.append(("p", "Global weights of the criteria" + (" with their intervals" if
                                                       info.get("intervals") else "") + ":"))
    B.append(("table", tab))
    a = U["weight_agreement"]
    a1 = a[a.level == 1]
    if len(a1):
        P = a1.pivot_table(index=["weighting_a", "weighting_b"], columns="measure",
                           values="estimate", aggfunc="first", sort=False)
        rows = []
        for (wa, wb), _ in P.iterrows():
            r = {"weightings": f"{wa} – {wb}"}
            for m in ("kendall_tau", "weighted_spearman"):
                x = a1[(a1.weighting_a == wa) & (a1.weighting_b == wb) & (a1.measure == m)]
                r[m] = with_ci(x.estimate, x.ci_low, x.ci_high, 2)[0]
            rows.append(r)
        B.append(("p", "How far the weightings agree on the order of the criteria: Kendall's "
                       "tau-b (Kendall, 1945) and the weighted rank correlation of Pinto da "
                       "Costa & Soares (2005), which counts disagreement at the top more (1: "
                       "the same order, -1: reversed). Every level of the hierarchy: "
                       "`weight_agreement.csv`."))
        B.append(("table", pd.DataFrame(rows)))
    B.extend(_fce_blocks(res))
    B.extend(_ranking_blocks(res))
    return B


def _fce_blocks(res: Any) -> list[tuple[str, Any]]:
    U = res.uncertainty
    v = U.get("fce_verdicts")
    if v is None or v.empty:
        return []
    h = res.hierarchy
    B: list[tuple[str, Any]] = [("h3", "Fuzzy comprehensive evaluation")]
    B.append(("p", "Membership of every item in each answer grade = its share of the answers "
                   "(per group); composed up the hierarchy with the local weights by each "
                   "fuzzy operator (M(·,⊕): weighted average; M(∧,∨): the dominant factor "
                   "decides). Verdict: the grade of largest membership (`verdict_share`: the "
                   "share of resamples with the same verdict); score: the membership-weighted "
                   "grade value, which under M(·,⊕) equals the composite score. Tables: "
                   "`fce.csv` (every membership, with intervals), `fce_verdicts.csv`."))
    allv = v[v.grouping == "all"]
    tab = pd.DataFrame({
        "weighting": allv.weighting, "operator": allv.symbol, "node": allv.node,
        "verdict": allv.verdict, "verdict share": allv.verdict_share.round(3),
        "score": with_ci(allv.score, allv.score_ci_low, allv.score_ci_high)})
    B.append(("p", "Whole sample:"))
    B.append(("table", tab.reset_index(drop=True)))
    gv = v[(v.grouping != "all") & (v.node == h.root)]
    if len(gv):
        first = gv[(gv.weighting == gv.weighting.iloc[0]) & (gv.operator == gv.operator.iloc[0])]
        counts = first.verdict.value_counts()
        B.append(("p", f"Per {first.grouping.iloc[0]}, at the goal ({first.symbol.iloc[0]}, "
                       f"{first.weighting.iloc[0]} weights): "
                       + ", ".join(f"{n} × {g}" for g, n in counts.items()) + "."))
    return B


def _ranking_blocks(res: Any) -> list[tuple[str, Any]]:
    U = res.uncertainty
    tables = [(k, U.get(k)) for k in ("topsis", "gra")]
    tables = [(k, t) for k, t in tables if t is not None and len(t)]
    if not tables:
        return []
    B: list[tuple[str, Any]] = [("h3", "Ranking the groups: TOPSIS and grey relational "
                                       "analysis")]
    B.append(("p", "The groups ranked on their item means with each weight vector: TOPSIS "
                   "closeness to the ideal group (Hwang & Yoon, 1981) and the grey relational "
                   "grade (Deng, 1982). Rank probabilities over the resamples: "
                   "`evaluation_ranks.csv`."))
    rp = U.get("evaluation_ranks")
    for k, t in tables:
        gcol = str(t.grouping.iloc[0])
        W = list(dict.fromkeys(t.weighting))
        tab = pd.DataFrame({gcol: list(dict.fromkeys(t.group))})
        for w in W:
            d = t[t.weighting == w].set_index("group").reindex(tab[gcol])
            cells = with_ci(d.estimate, d.ci_low, d.ci_high)
            tab[w] = [f"{c} ({int(r)})" if pd.notna(r) else c for c, r in zip(cells, d["rank"],
                                                                               strict=True)]
        if rp is not None and len(rp):
            first = rp[(rp.ranking == k) & (rp.weighting == W[0]) & (rp["rank"] == 1)]
            tab[f"P(rank 1), {W[0]}"] = tab[gcol].map(
                first.set_index("group").probability).round(3)
        name = "TOPSIS closeness" if k == "topsis" else "Grey relational grade"
        B.append(("p", f"{name} (rank):"))
        B.append(("table", tab))
    return B
