"""The study report, Markdown and HTML, from a :class:`~ahpstat.study.StudyResult`.

A thin layer: it formats the result's tables (rounding only for display), states the
methods in words, and embeds the figures. No statistics are computed here.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._text import escape_markdown
from ahpstat.scales import get_random_index_table

__all__ = ["PAPER_TABLE_MAX_ROWS", "latex_escape", "method_statement", "paper_tables",
           "report_blocks", "to_latex", "write_report",
           "write_xlsx"]

_INDEX_NAMES = {
    "cr": "the consistency ratio CR = CI / RI(n), with CI = (λmax − n)/(n − 1) (Saaty, 1980)",
    "ci": "the consistency index CI = (λmax − n)/(n − 1) (Saaty, 1977)",
    "gci": "the geometric consistency index GCI (Aguarón & Moreno-Jiménez, 2003)",
    "koczkodaj": "Koczkodaj's (1993) inconsistency index (the worst triad)",
}
_METHOD_NAMES = {
    "eigenvector": "the principal right eigenvector of each matrix (Saaty, 1977)",
    "geometric_mean": "the row geometric mean of each matrix, the logarithmic least-squares "
                      "solution (Crawford & Williams, 1985)",
    "column_mean": "the mean of the normalized columns of each matrix",
    "harker": "Harker's (1987) eigenvector method for incomplete matrices",
    "llsm": "incomplete logarithmic least squares (Bozóki, Fülöp & Rónyai, 2010)",
}
_POLICY_TEXT = {
    "keep": "kept in the panel and listed",
    "drop": "left out of the panel at that node",
    "repair": "repaired: the judgment furthest from the ratio implied by the matrix's own "
              "weights was replaced by that ratio{scale}, repeatedly, until the matrix was "
              "acceptable (Harker, 1987; Xu & Wei, 1999)",
    "downweight": "down-weighted at that node, their weight multiplied by the threshold "
                  "divided by their index",
}
_BOOT_METHOD = {"percentile": "percentile", "basic": "basic",
                "bca": "bias-corrected and accelerated (BCa; Efron, 1987)"}

#: every work the report can cite: key (as in docs/references.bib) -> (how the text cites it,
#: the reference as listed)
REFERENCES: dict[str, tuple[str, str]] = {
    "saaty1977": (r"Saaty,? \(?1977", "Saaty, T. L. (1977). A scaling method for priorities "
                  "in hierarchical structures. Journal of Mathematical Psychology, 15(3), "
                  "234–281. https://doi.org/10.1016/0022-2496(77)90033-5"),
    "saaty1980": (r"Saaty,? \(?1980", "Saaty, T. L. (1980). The Analytic Hierarchy Process: "
                  "Planning, Priority Setting, Resource Allocation. McGraw-Hill."),
    "saaty2005": (r"Saaty,? \(?2005", "Saaty, T. L. (2005). Theory and Applications of the "
                  "Analytic Network Process. RWS Publications."),
    "alonso2006": (r"Alonso & Lamata,? \(?2006", "Alonso, J. A., & Lamata, M. T. (2006). "
                   "Consistency in the analytic hierarchy process: a new approach. "
                   "International Journal of Uncertainty, Fuzziness and Knowledge-Based "
                   "Systems, 14(4), 445–459. https://doi.org/10.1142/S0218488506004114"),
    "donegan1991": (r"Donegan & Dodd,? \(?1991", "Donegan, H. A., & Dodd, F. J. (1991). A "
                    "note on Saaty's random indexes. Mathematical and Computer Modelling, "
                    "15(10), 135–137. https://doi.org/10.1016/0895-7177(91)90098-R"),
    "crawford1985": (r"Crawford & Williams,? \(?1985", "Crawford, G., & Williams, C. (1985). "
                     "A note on the analysis of subjective judgment matrices. Journal of "
                     "Mathematical Psychology, 29(4), 387–405. "
                     "https://doi.org/10.1016/0022-2496(85)90002-1"),
    "harker1987": (r"Harker('s)?,? \(?1987", "Harker, P. T. (1987). Incomplete pairwise "
                   "comparisons in the analytic hierarchy process. Mathematical Modelling, "
                   "9(11), 837–848. https://doi.org/10.1016/0270-0255(87)90503-3"),
    "bozoki2010": (r"Bozóki, Fülöp & Rónyai,? \(?2010", "Bozóki, S., Fülöp, J., & Rónyai, L. "
                   "(2010). On optimal completion of incomplete pairwise comparison "
                   "matrices. Mathematical and Computer Modelling, 52(1–2), 318–333. "
                   "https://doi.org/10.1016/j.mcm.2010.02.047"),
    "aguaron2003": (r"Aguarón & Moreno-Jiménez,? \(?2003", "Aguarón, J., & Moreno-Jiménez, "
                    "J. M. (2003). The geometric consistency index: Approximated thresholds. "
                    "European Journal of Operational Research, 147(1), 137–145. "
                    "https://doi.org/10.1016/S0377-2217(02)00255-2"),
    "koczkodaj1993": (r"Koczkodaj('s)?,? \(?1993", "Koczkodaj, W. W. (1993). A new "
                      "definition of consistency of pairwise comparisons. Mathematical and "
                      "Computer Modelling, 18(7), 79–84. "
                      "https://doi.org/10.1016/0895-7177(93)90059-8"),
    "xu1999": (r"Xu & Wei,? \(?1999", "Xu, Z., & Wei, C. (1999). A consistency improving "
               "method in the analytic hierarchy process. European Journal of Operational "
               "Research, 116(2), 443–449. https://doi.org/10.1016/S0377-2217(98)00109-X"),
    "forman1998": (r"Forman & Peniwati,? \(?1998", "Forman, E., & Peniwati, K. (1998). "
                   "Aggregating individual judgments and priorities with the analytic "
                   "hierarchy process. European Journal of Operational Research, 108(1), "
                   "165–169. https://doi.org/10.1016/S0377-2217(97)00244-0"),
    "aczel1983": (r"Aczél & Saaty,? \(?1983", "Aczél, J., & Saaty, T. L. (1983). Procedures "
                  "for synthesizing ratio judgements. Journal of Mathematical Psychology, "
                  "27(1), 93–102. https://doi.org/10.1016/0022-2496(83)90028-7"),
    "oecd2008": (r"OECD,? \(?2008", "OECD & European Commission Joint Research Centre "
                 "(2008). Handbook on Constructing Composite Indicators: Methodology and User "
                 "Guide. OECD Publishing. https://doi.org/10.1787/9789264043466-en"),
    "little2019": (r"Little & Rubin,? \(?2019", "Little, R. J. A., & Rubin, D. B. (2019). "
                   "Statistical Analysis with Missing Data (3rd ed.). Wiley. "
                   "https://doi.org/10.1002/9781119482260"),
    "cronbach1951": (r"Cronbach('s)?,? \(?1951", "Cronbach, L. J. (1951). Coefficient alpha "
                     "and the internal structure of tests. Psychometrika, 16(3), 297–334. "
                     "https://doi.org/10.1007/BF02310555"),
    "efron1993": (r"Efron & Tibshirani,? \(?1993", "Efron, B., & Tibshirani, R. J. (1993). "
                  "An Introduction to the Bootstrap. Chapman & Hall. "
                  "https://doi.org/10.1201/9780429246593"),
    "efron1987": (r"Efron,? \(?1987", "Efron, B. (1987). Better bootstrap confidence "
                  "intervals. Journal of the American Statistical Association, 82(397), "
                  "171–185. https://doi.org/10.1080/01621459.1987.10478410"),
    "davison1997": (r"Davison & Hinkley,? \(?1997", "Davison, A. C., & Hinkley, D. V. (1997). "
                    "Bootstrap Methods and their Application. Cambridge University Press. "
                    "https://doi.org/10.1017/CBO9780511802843"),
    "mogstad2024": (r"Mogstad et al\.,? \(?2024", "Mogstad, M., Romano, J. P., Shaikh, A. M., & "
                    "Wilhelm, D. (2024). Inference for ranks with applications to mobility "
                    "across neighbourhoods and academic achievement across countries. The "
                    "Review of Economic Studies, 91(1). https://doi.org/10.1093/restud/rdad006"),
    "hoffman2014": (r"Hoffman & Gelman,? \(?2014", "Hoffman, M. D., & Gelman, A. (2014). The "
                    "No-U-Turn sampler: adaptively setting path lengths in Hamiltonian Monte "
                    "Carlo. Journal of Machine Learning Research, 15, 1593–1623."),
    "abrilpla2023": (r"Abril-Pla et al\.,? \(?2023", "Abril-Pla, O., Andreani, V., Carroll, "
                     "C., Dong, L., Fonnesbeck, C. J., Kochurov, M., Kumar, R., Lao, J., "
                     "Luhmann, C. C., Martin, O. A., Osthege, M., Vieira, R., Wiecki, T., & "
                     "Zinkov, R. (2023). PyMC: a modern, and comprehensive probabilistic "
                     "programming framework in Python. PeerJ Computer Science, 9, e1516. "
                     "https://doi.org/10.7717/peerj-cs.1516"),
    "vehtari2021": (r"Vehtari et al\.,? \(?2021", "Vehtari, A., Gelman, A., Simpson, D., "
                    "Carpenter, B., & Bürkner, P.-C. (2021). Rank-normalization, folding, and "
                    "localization: An improved R-hat for assessing convergence of MCMC. "
                    "Bayesian Analysis, 16(2), 667–718. https://doi.org/10.1214/20-BA1221"),
    "saisana2005": (r"Saisana, Saltelli & Tarantola,? \(?2005", "Saisana, M., Saltelli, A., & "
                    "Tarantola, S. (2005). Uncertainty and sensitivity analysis techniques as "
                    "tools for the quality assessment of composite indicators. Journal of the "
                    "Royal Statistical Society: Series A, 168(2), 307–323. "
                    "https://doi.org/10.1111/j.1467-985X.2005.00350.x"),
    "triantaphyllou1997": (r"Triantaphyllou & Sánchez('s)?,? \(?1997", "Triantaphyllou, E., & "
                           "Sánchez, A. (1997). A sensitivity analysis approach for some "
                           "deterministic multi-criteria decision-making methods. Decision "
                           "Sciences, 28(1), 151–194. "
                           "https://doi.org/10.1111/j.1540-5915.1997.tb01306.x"),
    "simonsohn2020": (r"Simonsohn, Simmons & Nelson,? \(?2020", "Simonsohn, U., Simmons, J. "
                      "P., & Nelson, L. D. (2020). Specification curve analysis. Nature Human "
                      "Behaviour, 4, 1208–1214. https://doi.org/10.1038/s41562-020-0912-z"),
    "zeleny1982": (r"Zeleny,? \(?1982", "Zeleny, M. (1982). Multiple Criteria Decision "
                   "Making. McGraw-Hill."),
    "diakoulaki1995": (r"Diakoulaki et al\.,? \(?1995", "Diakoulaki, D., Mavrotas, G., & "
                       "Papayannakis, L. (1995). Determining objective weights in multiple "
                       "criteria problems: The CRITIC method. Computers & Operations "
                       "Research, 22(7), 763–770. "
                       "https://doi.org/10.1016/0305-0548(94)00059-H"),
    "lai2015": (r"Lai et al\.,? \(?2015", "Lai, C., Chen, X., Chen, X., Wang, Z., Wu, X., & "
                "Zhao, S. (2015). A fuzzy comprehensive evaluation model for flood risk based "
                "on the combination weight of game theory. Natural Hazards, 77(2), "
                "1243–1259. https://doi.org/10.1007/s11069-015-1645-6"),
    "hwang1981": (r"Hwang & Yoon,? \(?1981", "Hwang, C.-L., & Yoon, K. (1981). Multiple "
                  "Attribute Decision Making: Methods and Applications. Springer. "
                  "https://doi.org/10.1007/978-3-642-48318-9"),
    "deng1982": (r"Deng,? \(?1982", "Deng, J.-L. (1982). Control problems of grey systems. "
                 "Systems & Control Letters, 1(5), 288–294. "
                 "https://doi.org/10.1016/S0167-6911(82)80025-X"),
    "kendall1945": (r"Kendall,? \(?1945", "Kendall, M. G. (1945). The treatment of ties in "
                    "ranking problems. Biometrika, 33(3), 239–251. "
                    "https://doi.org/10.1093/biomet/33.3.239"),
    "pinto2005": (r"Pinto da Costa & Soares,? \(?2005", "Pinto da Costa, J., & Soares, C. "
                  "(2005). A weighted rank measure of correlation. Australian & New Zealand "
                  "Journal of Statistics, 47(4), 515–529. "
                  "https://doi.org/10.1111/j.1467-842X.2005.00413.x"),
}


def cited_references(texts: Sequence[str]) -> list[str]:
    """The references (as listed, alphabetical) of every work the texts cite.

    Examples
    --------
    >>> [r[:22] for r in cited_references(["weights (Saaty, 1977); CR (Saaty, 1980)"])]
    ['Saaty, T. L. (1977). A', 'Saaty, T. L. (1980). T']
    """
    text = re.sub(r"'s\b", "", "\n".join(texts))
    found = [ref for pat, ref in REFERENCES.values() if re.search(pat, text)]
    return sorted(set(found), key=lambda r: r.casefold())


def _plural(n: int, one: str, many: str | None = None) -> str:
    """``"1 matrix"``, ``"2 matrices"``.

    Examples
    --------
    >>> _plural(1, "matrix", "matrices"), _plural(24, "matrix", "matrices")
    ('1 matrix', '24 matrices')
    """
    return f"{n} {one if n == 1 else (many or one + 's')}"


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
    """Paragraphs for a paper's method section: what was done, with citations (past tense).

    Every work cited is in :data:`REFERENCES`; the report lists them under References.
    """
    from ahpstat._versions import library_versions

    st = res.study
    p = st.panel
    h = res.hierarchy
    K = len(res.experts)
    levels = [len(x) for x in h.levels()]
    lo, hi = st.survey.likert
    thr = res.panel.threshold
    thr_txt = f"{thr:g}" if thr is not None else "the index's usual threshold for its order"
    ri_txt = ""
    if p.index in ("cr", "ci"):
        t = get_random_index_table(p.random_index)
        cite = {"saaty": "Saaty, 1980", "saaty_2005": "Saaty, 2005",
                "alonso_lamata": "Alonso & Lamata, 2006",
                "donegan_dodd": "Donegan & Dodd, 1991"}.get(t.name, "user-supplied")
        ri_txt = (f", with the random index RI(n) of the '{t.name}' table ({cite})"
                  if t.name != "user" else ", with a user-supplied random-index table")
    if p.aggregation == "aij":
        agg = ("The judgments of the experts were combined at every node by the aggregation "
               "of individual judgments (AIJ; Forman & Peniwati, 1998), the element-wise "
               "weighted geometric mean of their matrices, which preserves reciprocity "
               "(Aczél & Saaty, 1983); the weights were derived from the aggregate matrix.")
    else:
        agg = ("The experts' priorities were combined at every node by the aggregation of "
               f"individual priorities (AIP; Forman & Peniwati, 1998), the weighted "
               f"{p.aip_mean} mean of each expert's weights.")
    ew = (" Experts were weighted as given in the expert-weights file."
          if st.expert_weights is not None else " All experts had equal weight.")
    pol = _POLICY_TEXT[p.policy].format(
        scale=" (rounded to Saaty's scale, or moved one step of it toward that ratio)"
        if p.repair_on_scale else "")
    n_bad = int((res.audit.action == "flag").sum()) if "action" in res.audit else 0
    miss = ("Item means used every available answer (available-case analysis; Little & "
            "Rubin, 2019)." if st.survey.missing == "available_case" else
            "Respondents with any missing answer were excluded (listwise deletion; Little & "
            f"Rubin, 2019): {_plural(res.n_dropped_listwise, 'respondent')}.")
    groups = ", ".join(st.survey.group_columns)
    grp_txt = f" Scores were computed for the whole sample and for every {groups}." \
        if groups else ""
    paras = [
        f"The indicator hierarchy had {len(levels)} levels ({' / '.join(map(str, levels))} "
        f"nodes) with {_plural(len(h.leaves), 'survey item')}. "
        f"{_plural(K, 'expert')} compared the elements under every node pairwise on Saaty's "
        f"1–9 scale (Saaty, 1977). Local weights were derived with {_METHOD_NAMES[p.weighting]}; "
        "pairs that no expert judged would have been handled by Harker's (1987) method or "
        "incomplete logarithmic least squares (Bozóki, Fülöp & Rónyai, 2010). " + agg + ew,
        f"The consistency of every expert's matrix at every node was measured by "
        f"{_INDEX_NAMES[p.index]}{ri_txt}; a matrix was acceptable when the index was at most "
        f"{thr_txt}. Experts whose matrix was not acceptable ("
        f"{_plural(n_bad, 'matrix', 'matrices')}) were {pol}; every such case is listed in "
        "the audit table.",
        "The global weight of a node was the product of the local weights on its path from "
        "the goal. The composite score of a node was the weighted mean of the mean answers to "
        "the survey items under it, each item weighted by its global weight relative to the "
        f"node's (OECD, 2008), on the {lo}–{hi} Likert scale of the survey "
        f"({_plural(len(res.respondents), 'respondent')}). {miss}{grp_txt} Internal "
        "consistency of the items was assessed with Cronbach's (1951) alpha.",
    ]
    info = res.run_info.get("bootstrap") if res.bootstrap is not None else None
    if info:
        parts = []
        if "experts" in info["resample"]:
            parts.append(f"the experts (each resampled panel re-aggregated with the same rule "
                         f"and the same '{p.policy}' policy)")
        if "respondents" in info["resample"]:
            if info["scheme"] == "cluster" and info.get("cluster_stage") == "two":
                parts.append(f"the respondents in two stages ({info['n_clusters']} "
                             f"{info['cluster']} clusters with replacement, then respondents "
                             "within each drawn cluster; Davison & Hinkley, 1997)")
            elif info["scheme"] == "cluster":
                parts.append(f"the respondents by whole clusters (the {info['n_clusters']} "
                             f"{info['cluster']} clusters with replacement; Davison & "
                             "Hinkley, 1997)")
            else:
                parts.append("the respondents (independently, with replacement)")
        paras.append(
            f"Uncertainty was quantified by a bootstrap (Efron & Tibshirani, 1993) of "
            f"{info['n_resamples']} resamples of " + " and, independently, of ".join(parts)
            + f"; {100 * info['confidence_level']:g}% {_BOOT_METHOD[info['method']]} "
            "confidence intervals are reported for every weight and score, and the "
            "probability of every rank is the share of resamples giving that rank."
            + (" Marginal rank intervals are percentiles of each group's bootstrap ranks; "
               "joint confidence sets, covering the ranks of all groups (or criteria) at "
               "once, come from the bootstrap maximum over all pairwise differences of "
               "their studentized deviations, with stepdown (Mogstad et al., 2024)."
               if "rank_confidence_sets" in res.uncertainty else ""))
    b = res.run_info.get("bayes") if res.bayes is not None else None
    if b:
        paras.append(
            "The panel was also analysed with a Bayesian hierarchical model of all judgments "
            "of all experts at all nodes: log-judgments equal differences of the experts' "
            "log-priorities, each expert's priorities deviating from the panel's, with "
            "normal errors whose scale measures each expert's inconsistency across the "
            "hierarchy and a small probability of a random answer; a judgment on the "
            "discrete scale counts as the interval of log ratios that rounds to it "
            "(interval censoring). The posterior was sampled with the No-U-Turn sampler "
            f"(Hoffman & Gelman, 2014; {b['sampler']}, PyMC; Abril-Pla et al., 2023), "
            f"{b['chains']} chains of {b['draws']} draws after {b['tune']} tuning steps; "
            "convergence was "
            "checked with the rank-normalized R-hat and bulk and tail effective sample sizes "
            f"(Vehtari et al., 2021); {100 * b['credible_level']:g}% equal-tailed credible "
            "intervals are reported.")
    v = library_versions(res)
    libs = ", ".join(f"{k} {v[k]}" for k in v if k not in ("ahpstat", "python"))
    paras.append(f"All computations used ahpstat {v.get('ahpstat', '')} (Python "
                 f"{v['python']}; {libs}).")
    return paras


def _img(figures: Mapping[str, Any], name: str) -> tuple[str, Any]:
    fig = figures[name]
    return ("img", (fig.image, fig.caption))


def report_blocks(res: Any, figures: Mapping[str, Any] | None = None
                  ) -> list[tuple[str, Any]]:
    """The report as a list of ``(kind, content)`` blocks (heading, para, table, image)."""
    h = res.hierarchy
    st = res.study
    figures = figures or {}
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
    B.append(("p", "*Written for a paper's method section: the paragraphs below say what was "
                   "done, with citations (listed under References), and can be used as they "
                   "are.*"))
    for para in method_statement(res):
        B.append(("p", para))

    if "hierarchy" in figures:
        B.append(_img(figures, "hierarchy"))
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
    B.append(("p", f"{_plural(len(judged), 'expert matrix', 'expert matrices')} "
                   f"({len(scored)} of order 3 or more, where inconsistency is possible); "
                   f"{n_bad} {'exceeds' if n_bad == 1 else 'exceed'} the threshold"
                   + (f" {thr:g}" if thr is not None else "") + "."))
    if st.panel.index in ("cr", "ci"):
        t = get_random_index_table(st.panel.random_index)
        orders = sorted({int(n) for n in scored.n}) or [3]
        B.append(("p", f"Random index table: **{t.name}** — {t.source}"))
        B.append(("table", pd.DataFrame({"n": [str(n) for n in orders],
                                         "RI(n)": [f"{t(n):.4f}" for n in orders]})))
    if "consistency" in figures:
        B.append(_img(figures, "consistency"))
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
    if "scores_criteria" in figures:
        B.append(_img(figures, "scores_criteria"))
    tab = S_all.reset_index()[["node", "level", "label", "n_respondents", "score"]]
    B.append(("table", _fmt_table(tab, 4)))
    for gcol, names in res.group_names.items():
        B.append(("h3", f"Scores per {gcol}"))
        if "scores_groups" in figures and gcol == next(iter(res.group_names)):
            B.append(_img(figures, "scores_groups"))
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
    if "objective_weights" in res.uncertainty:
        B.extend(_evaluation_blocks(res, figures))
    if getattr(res, "sensitivity", None) is not None:
        B.extend(_sensitivity_blocks(res, figures))

    B.append(("h2", "Reliability"))
    B.append(("table", _fmt_table(res.reliability, 3)))

    B.append(("h2", "Provenance"))
    prov = res.provenance()
    libs = prov.get("libraries") or {}
    lib_txt = ", ".join(f"{k} {v}" for k, v in libs.items() if k not in ("ahpstat", "python"))
    B.append(("p", f"ahpstat {prov['version']} (Python {prov['python']}"
                   + (f"; {lib_txt}" if lib_txt else "") + f"); seed {prov['seed']}. "
                   "All options and library versions are in `provenance.json`."))
    B.append(("table", pd.DataFrame(
        [(role, d["path"], d["sha256"]) for role, d in prov["inputs"].items()],
        columns=["input", "file", "SHA-256"])))
    B.append(("p", "Tables: " + ", ".join(f"`{k}.csv`" for k in res.frame_kinds)
                   + "; all of them also as one Excel workbook (`tables.xlsx`, a sheet per "
                   "table) and as LaTeX booktabs tables (`tables.tex`)."))

    B.append(("h2", "Appendix: every expert's consistency"))
    B.append(("table", _fmt_table(judged[["expert", "node", "n", "index", "value",
                                          "threshold", "acceptable", "status"]], 4)))

    refs = cited_references([c for kind, c in B if kind == "p"]
                            + [c[1] for kind, c in B if kind == "img"])
    if refs:
        B.append(("h2", "References"))
        B.extend(("ref", r) for r in refs)
    return B


_METHOD_TEXT = {"percentile": "percentile", "basic": "basic (reverse percentile)",
                "bca": "bias-corrected and accelerated (BCa; Efron & Tibshirani 1993, ch. 14)"}


def _bootstrap_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
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
        B.append(_img(figures, "forest_scores"))
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
                           "resamples" + _joint_sets_text(res, "criteria", by, level)))
            B.append(("table", _fmt_table(_with_joint_sets(P.reset_index(), res, "criteria",
                                                           by, "node"), 2)))
    gcol = info.get("group")
    if gcol and "rank_probabilities" in res.uncertainty:
        B.append(("h3", f"How sure is each {gcol}'s rank?"))
        if "rank_probabilities" in figures:
            B.append(_img(figures, "rank_probabilities"))
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
        B.append(("table", _fmt_table(T, {"score": 3, "ci_low": 3, "ci_high": 3,
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


def _with_ci(est: Any, lo: Any, hi: Any, digits: int = 3) -> list[str]:
    """``"0.246 [0.221, 0.270]"`` cells (the estimate alone without an interval)."""
    out = []
    for e, a, b in zip(est, lo, hi, strict=True):
        cell = f"{e:.{digits}f}"
        if pd.notna(a) and pd.notna(b):
            cell += f" [{a:.{digits}f}, {b:.{digits}f}]"
        out.append(cell)
    return out


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


def _evaluation_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
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
        B.append(_img(figures, "weights_compared"))
    t = U["objective_weights"]
    g = t[(t.weight == "global") & t.node.isin(crit)]
    tab = pd.DataFrame({"criterion": crit, "label": [h.label(c) for c in crit]})
    for w in dict.fromkeys(g.weighting):
        d = g[g.weighting == w].set_index("node").reindex(crit)
        tab[w] = _with_ci(d.estimate, d.ci_low, d.ci_high)
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
                r[m] = _with_ci(x.estimate, x.ci_low, x.ci_high, 2)[0]
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
        "score": _with_ci(allv.score, allv.score_ci_low, allv.score_ci_high)})
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
            cells = _with_ci(d.estimate, d.ci_low, d.ci_high)
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
        B.append(("table", _fmt_table(worst[["expert", "observed", "replicated_median",
                                             "ci_low", "ci_high", "p_value"]], 3)))
    return B


def _bayes_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
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
    B.append(("table", _fmt_table(worst[["parameter", "r_hat", "ess_bulk", "ess_tail"]],
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
    B.append(("table", _fmt_table(tab, 4)))
    if "bayes_credal" in figures:
        B.append(_img(figures, "bayes_credal"))
    B.append(("p", "P(w_i > w_j) for every pair of siblings at every node: `credal.csv`. "
                   "`p_greater` is about the panel's centre (it goes to 0 or 1 as experts are "
                   "added, however much they disagree); `p_greater_new_expert` is the "
                   "probability that one more expert drawn from this panel ranks i above j "
                   "(near 1/2 when the panel is split): the consensus."))
    B.append(("h3", "Expert inconsistency"))
    if "bayes_experts" in figures:
        B.append(_img(figures, "bayes_experts"))
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
    "family": "weighting family (AHP, objective weights from the survey, or combined)",
}


def _sensitivity_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
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
            B.append(_img(figures, "specification_curve"))
        st = mv.rank_stability
        top = st[(st.grouping == gcol) & (st.node == h.root)].sort_values(
            ["baseline_rank", "group"], kind="stable")
        if len(top):
            B.append(("p", f"How often each {gcol} keeps the goal rank it has under the "
                           "study's own choices (share of the specifications), the range "
                           "and median of its rank, and the share in which it ranks first "
                           "(`multiverse_rank_stability.csv` has every criterion too)."))
            if "rank_stability" in figures:
                B.append(_img(figures, "rank_stability"))
            B.append(("table", _fmt_table(top[["group", "baseline_rank", "share_same_rank",
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
        if "weight_gradient" in figures:
            B.append(_img(figures, "weight_gradient"))
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
        elif kind in ("p", "ref"):
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


_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# *emphasis*: the asterisks hug the text and are not inside a word ("2 * 3", "x*y*z" stay)
_EM = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_CODE = re.compile(r"`(.+?)`")


def _inline(text: str) -> str:
    """A paragraph's inline Markdown (``**bold**``, ``*emphasis*``, ```code```) as HTML.

    Examples
    --------
    >>> _inline("*Written* for **papers**: `a<b`, `*.csv`, 2 * 3")
    '<em>Written</em> for <strong>papers</strong>: <code>a&lt;b</code>, <code>*.csv</code>, 2 * 3'
    """
    parts = _CODE.split(html.escape(text))  # odd parts: inside backticks, left as they are
    for i in range(0, len(parts), 2):
        parts[i] = _EM.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>", parts[i]))
    for i in range(1, len(parts), 2):
        parts[i] = f"<code>{parts[i]}</code>"
    return "".join(parts)


_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;
line-height:1.45}table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.85em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}th{background:#f3f3f3}
td.num{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1em 0}
img{max-width:100%}figcaption{font-size:.85em;color:#555}.wrap{overflow-x:auto}"""


def _data_uri(path: Path) -> str:
    mime = {".png": "image/png", ".svg": "image/svg+xml", ".pdf": "application/pdf"}.get(
        path.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def to_html(blocks: list[tuple[str, Any]], title: str, *, images: Path | None = None) -> str:
    """The report as one HTML page; with ``images`` (the folder holding the figures) every
    image is embedded (base64), so the page is self-contained.
    """
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"]
    for kind, c in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{html.escape(c)}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{_inline(c)}</p>")
        elif kind == "ref":
            out.append(f'<p class="ref">{_inline(c)}</p>')
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
            src = (_data_uri(images / name) if images is not None and (images / name).is_file()
                   else html.escape(name))
            out.append(f'<figure><img src="{src}" alt="{html.escape(cap)}">'
                       f"<figcaption>{html.escape(cap)}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_report(res: Any, out: Path, *, figures: bool = True,
                 figure_options: Any = None) -> list[Path]:
    """Write the report and the tables for a paper into ``out``.

    ``report.md``; ``report.html`` (self-contained: the figures are embedded); with
    ``figures`` the figures (:mod:`ahpstat._figures`, formats and resolution from
    ``figure_options``, the study file's ``figures:`` section); ``tables.xlsx`` (every table,
    one sheet each) and ``tables.tex`` (every table as a LaTeX booktabs ``longtable``), their
    text cells formula-neutralised (:func:`ahpstat._text.neutralize_frame`). A table of more
    than :data:`PAPER_TABLE_MAX_ROWS` rows (the multiverse's long table) is only in its CSV
    file; both files say which (:func:`paper_tables`).
    """
    out = Path(out)
    drawn: dict[str, Any] = {}
    if figures:
        from ahpstat._figures import draw_all

        drawn = {f.name: f for f in draw_all(res, out, figure_options)}
    blocks = report_blocks(res, drawn)
    title = res.study.title or f"Study {res.study.name}"
    (out / "report.md").write_text(to_markdown(blocks), encoding="utf-8", newline="\n")
    (out / "report.html").write_text(to_html(blocks, title, images=out), encoding="utf-8",
                                     newline="\n")
    tables, omitted = paper_tables({k: res.to_frame(k) for k in res.frame_kinds})
    write_xlsx(tables, out / "tables.xlsx", omitted=omitted)
    (out / "tables.tex").write_text(to_latex(tables, title=title, omitted=omitted),
                                    encoding="utf-8", newline="\n")
    files = [out / "report.md", out / "report.html", out / "tables.xlsx", out / "tables.tex"]
    return files + [out / f for d in drawn.values() for f in d.files]


# --------------------------------------------------------------------------- tables for papers

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
#: tables with more rows are left out of tables.xlsx and tables.tex (their CSV file has them):
#: the multiverse's long table (300,000 rows for the seed study) took minutes to write there
#: and is no table for a paper
PAPER_TABLE_MAX_ROWS = 20_000


def paper_tables(tables: Mapping[str, pd.DataFrame], max_rows: int = PAPER_TABLE_MAX_ROWS
                 ) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """The tables for tables.xlsx and tables.tex, and those left out (name -> rows).

    Examples
    --------
    >>> kept, omitted = paper_tables({"w": pd.DataFrame({"x": [1, 2]}),
    ...                               "big": pd.DataFrame({"x": range(5)})}, max_rows=3)
    >>> list(kept), omitted
    (['w'], {'big': 5})
    """
    kept = {k: df for k, df in tables.items() if len(df) <= max_rows}
    return kept, {k: len(df) for k, df in tables.items() if len(df) > max_rows}


def _omitted_note(omitted: Mapping[str, int]) -> str:
    listed = "; ".join(f"{k} ({n:,} rows, {k}.csv)" for k, n in omitted.items())
    return f"Left out (more than {PAPER_TABLE_MAX_ROWS:,} rows; in their CSV files): {listed}."


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: Path, *,
               omitted: Mapping[str, int] | None = None) -> Path:
    """Every table as one sheet of an Excel workbook (text cells formula-neutralised).

    Sheet names are the table names (at most 31 characters, Excel's limit); numbers stay
    numbers at full precision. ``omitted`` (name -> rows, from :func:`paper_tables`): the
    tables left out, listed on a last sheet ``omitted`` with their CSV file.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_xlsx({"weights": pd.DataFrame({"node": ["=A1"], "w": [0.5]})},
    ...                    Path(d) / "t.xlsx")
    ...     ws = openpyxl.load_workbook(p)["weights"]
    ...     [c.value for c in ws[2]]
    ["'=A1", 0.5]
    """
    import datetime as _dt

    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from ahpstat._text import neutralize_frame

    # openpyxl's write-only mode, row by row: a third of the time of DataFrame.to_excel
    # (whose per-cell formatting pipeline dominated the seed study's output); same values
    wb = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for name, df in tables.items():
        sheet = _SHEET_BAD.sub("_", str(name))[:31] or "table"
        k = 2
        while sheet.lower() in used:
            sheet = f"{sheet[:28]}_{k}"
            k += 1
        used.add(sheet.lower())
        ws = wb.create_sheet(sheet)
        ws.freeze_panes = "A2"
        safe = neutralize_frame(df)
        header = []
        for c in safe.columns:
            cell = WriteOnlyCell(ws, value=str(c))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        cols = [safe[c].to_numpy(dtype=object) for c in safe.columns]
        for row in zip(*cols, strict=True):
            ws.append([None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                       else v for v in row])
    if omitted:
        ws = wb.create_sheet("omitted" if "omitted" not in used else "omitted_tables")
        ws.append(["table", "rows", "file"])
        for table, rows in omitted.items():
            ws.append([table, rows, f"{table}.csv"])
    props = wb.properties
    props.creator = "ahpstat"
    fixed = _dt.datetime(2000, 1, 1)
    props.created = props.modified = fixed
    wb.save(path)
    return path


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$",
                  "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text: Any) -> str:
    """Text safe in LaTeX: the ten special characters escaped.

    Examples
    --------
    >>> print(latex_escape("50% of R&D_1 {x}"))
    50\\% of R\\&D\\_1 \\{x\\}
    """
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _latex_cell(x: Any) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if isinstance(x, float | np.floating):
        v = float(x)
        return f"{v:.4f}" if abs(v) >= 1e-4 or v == 0 else f"{v:.2e}"
    return latex_escape(x)


def to_latex(tables: Mapping[str, pd.DataFrame], *, title: str = "",
             omitted: Mapping[str, int] | None = None) -> str:
    """Every table as a LaTeX ``longtable`` with booktabs rules (text escaped, formula-like
    cells neutralised, numbers to 4 decimals; the CSV files keep full precision).
    ``omitted`` (name -> rows, from :func:`paper_tables`): named in a comment at the top.

    Needs ``\\usepackage{booktabs,longtable}``; each table has a caption and a label
    ``tab:<name>``.

    Examples
    --------
    >>> print(to_latex({"w": pd.DataFrame({"node": ["B_1"], "weight": [0.25]})}))
    ... # doctest: +ELLIPSIS
    % Tables ...
    \\begin{longtable}{lr}
    \\caption{w}\\label{tab:w}\\\\
    \\toprule
    node & weight \\\\
    \\midrule
    \\endhead
    B\\_1 & 0.2500 \\\\
    \\bottomrule
    \\end{longtable}
    <BLANKLINE>
    """
    from ahpstat._text import neutralize_frame

    out = [f"% Tables of {latex_escape(title) if title else 'an ahpstat study'}, written by "
           "ahpstat. Preamble: \\usepackage{booktabs,longtable}", ""]
    if omitted:
        out[-1:] = ["% " + _omitted_note(omitted), ""]
    for name, df in tables.items():
        df = neutralize_frame(df)
        align = "".join("r" if pd.api.types.is_numeric_dtype(df[c])
                        and not pd.api.types.is_bool_dtype(df[c]) else "l" for c in df.columns)
        out.append(f"\\begin{{longtable}}{{{align}}}")
        out.append(f"\\caption{{{latex_escape(name)}}}\\label{{tab:{_label(name)}}}\\\\")
        out.append("\\toprule")
        out.append(" & ".join(latex_escape(c) for c in df.columns) + " \\\\")
        out.append("\\midrule")
        out.append("\\endhead")
        for row in df.itertuples(index=False):
            out.append(" & ".join(_latex_cell(x) for x in row) + " \\\\")
        out.append("\\bottomrule")
        out.append("\\end{longtable}")
        out.append("")
    return "\n".join(out)


def _label(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9:-]+", "-", str(name)).strip("-") or "table"
