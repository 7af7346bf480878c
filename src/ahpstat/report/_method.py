"""The methods statement: every method the study used, in words, with the works it cites
(:data:`REFERENCES`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ahpstat.report._format import plural
from ahpstat.scales import get_random_index_table

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
            f"Rubin, 2019): {plural(res.n_dropped_listwise, 'respondent')}.")
    groups = ", ".join(st.survey.group_columns)
    grp_txt = f" Scores were computed for the whole sample and for every {groups}." \
        if groups else ""
    paras = [
        f"The indicator hierarchy had {len(levels)} levels ({' / '.join(map(str, levels))} "
        f"nodes) with {plural(len(h.leaves), 'survey item')}. "
        f"{plural(K, 'expert')} compared the elements under every node pairwise on Saaty's "
        f"1–9 scale (Saaty, 1977). Local weights were derived with {_METHOD_NAMES[p.weighting]}; "
        "pairs that no expert judged would have been handled by Harker's (1987) method or "
        "incomplete logarithmic least squares (Bozóki, Fülöp & Rónyai, 2010). " + agg + ew,
        f"The consistency of every expert's matrix at every node was measured by "
        f"{_INDEX_NAMES[p.index]}{ri_txt}; a matrix was acceptable when the index was at most "
        f"{thr_txt}. Experts whose matrix was not acceptable ("
        f"{plural(n_bad, 'matrix', 'matrices')}) were {pol}; every such case is listed in "
        "the audit table.",
        "The global weight of a node was the product of the local weights on its path from "
        "the goal. The composite score of a node was the weighted mean of the mean answers to "
        "the survey items under it, each item weighted by its global weight relative to the "
        f"node's (OECD, 2008), on the {lo}–{hi} Likert scale of the survey "
        f"({plural(len(res.respondents), 'respondent')}). {miss}{grp_txt} Internal "
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
