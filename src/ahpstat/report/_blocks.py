"""The report's blocks in order: the study, the panel, the scores, then the sections of
the uncertainty, evaluation and sensitivity analyses the result holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ahpstat.report._evaluation import evaluation_blocks
from ahpstat.report._format import fmt_table, img, plural
from ahpstat.report._method import cited_references, method_statement
from ahpstat.report._sensitivity import sensitivity_blocks
from ahpstat.report._uncertainty import bayes_blocks, bootstrap_blocks
from ahpstat.scales import get_random_index_table


def report_blocks(res: Any, figures: Mapping[str, Any] | None = None
                  ) -> list[tuple[str, Any]]:
    """The report as a list of ``(kind, content)`` blocks (heading, para, table, image)."""
    figures = figures or {}
    B = [*_overview_blocks(res, figures), *_consistency_blocks(res, figures),
         *_score_blocks(res, figures), *_analysis_blocks(res, figures),
         *_closing_blocks(res)]
    refs = cited_references([c for kind, c in B if kind == "p"]
                            + [c[1] for kind, c in B if kind == "img"])
    if refs:
        B.append(("h2", "References"))
        B.extend(("ref", r) for r in refs)
    return B


def _overview_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Title, the goal's score, the criteria, the methods statement, the weights."""
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
    B.append(("table", fmt_table(head)))
    B.append(("h2", "Methods"))
    B.append(("p", "*Written for a paper's method section: the paragraphs below say what was "
                   "done, with citations (listed under References), and can be used as they "
                   "are.*"))
    for para in method_statement(res):
        B.append(("p", para))

    if "hierarchy" in figures:
        B.append(img(figures, "hierarchy"))
    B.append(("h2", "Weights at every level"))
    B.append(("p", "Local weight: within the parent (sums to 1 over siblings); global "
                   "weight: within the whole hierarchy (sums to 1 over each level)."))
    B.append(("table", fmt_table(res.weights[["node", "parent", "level", "label", "local",
                                               "global"]], 4)))

    return B


def _consistency_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The consistency of every matrix, the audit trail of the policy, the panel's spread."""
    st = res.study
    B: list[tuple[str, Any]] = []
    B.append(("h2", "Consistency of every matrix"))
    C = res.consistency
    ex = C[C.expert != "(aggregate)"]
    judged = ex[ex.status != "absent"]
    scored = judged[judged.n >= 3]
    n_bad = int((~scored.acceptable.astype(bool)).sum())
    thr = res.panel.threshold
    B.append(("p", f"{plural(len(judged), 'expert matrix', 'expert matrices')} "
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
        B.append(img(figures, "consistency"))
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
    B.append(("table", fmt_table(pd.DataFrame(per_node, columns=[
        "node", "n", "experts", "acceptable", "median", "worst", "worst expert",
        "aggregate"]), 4)))
    bad = scored[~scored.acceptable.astype(bool)]
    if len(bad):
        B.append(("p", "Matrices above the threshold:"))
        B.append(("table", fmt_table(bad[["expert", "node", "n", "value", "threshold",
                                           "status", "value_after"]], 4)))

    B.append(("h2", "Audit trail"))
    if res.audit.empty:
        B.append(("p", "Every matrix was acceptable: nothing was flagged or changed."))
    else:
        B.append(("p", f"Policy '{st.panel.policy}': every flag, drop, down-weight and "
                       "changed judgment (old → new, index before → after)."))
        B.append(("table", fmt_table(res.audit, 4)))

    B.append(("h2", "Panel dispersion"))
    B.append(("p", "Spread of the experts' judgments per node: standard deviation of the "
                   "log-judgments across experts, averaged over pairs (and the widest pair), "
                   "and the mean standard deviation of the experts' own weights."))
    B.append(("table", fmt_table(res.dispersion, 3)))

    return B


def _score_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Composite scores at every level, whole sample and per group."""
    h = res.hierarchy
    crit = list(h.children(h.root))
    S_all = res.scores[res.scores.grouping == "all"].set_index("node")
    B: list[tuple[str, Any]] = []
    B.append(("h2", "Composite scores at every level"))
    if "scores_criteria" in figures:
        B.append(img(figures, "scores_criteria"))
    tab = S_all.reset_index()[["node", "level", "label", "n_respondents", "score"]]
    B.append(("table", fmt_table(tab, 4)))
    for gcol, names in res.group_names.items():
        B.append(("h3", f"Scores per {gcol}"))
        if "scores_groups" in figures and gcol == next(iter(res.group_names)):
            B.append(img(figures, "scores_groups"))
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
        B.append(("table", fmt_table(P, 3)))
        B.append(("p", f"Scores of every node per {gcol}: `scores.csv`; ranks of every "
                       "internal node: `ranks.csv`."))

    return B


def _analysis_blocks(res: Any, figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The sections of the analyses the result holds: bootstrap, Bayes, evaluation,
    sensitivity.
    """
    B: list[tuple[str, Any]] = []
    if res.bootstrap is not None:
        B.extend(bootstrap_blocks(res, figures))
    if res.bayes is not None:
        B.extend(bayes_blocks(res, figures))
    if "objective_weights" in res.uncertainty:
        B.extend(evaluation_blocks(res, figures))
    if getattr(res, "sensitivity", None) is not None:
        B.extend(sensitivity_blocks(res, figures))

    return B


def _closing_blocks(res: Any) -> list[tuple[str, Any]]:
    """Reliability, provenance and the appendix of every expert's consistency."""
    C = res.consistency
    judged = C[(C.expert != "(aggregate)") & (C.status != "absent")]
    B: list[tuple[str, Any]] = []
    B.append(("h2", "Reliability"))
    B.append(("table", fmt_table(res.reliability, 3)))

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
    B.append(("table", fmt_table(judged[["expert", "node", "n", "index", "value",
                                          "threshold", "acceptable", "status"]], 4)))

    return B
