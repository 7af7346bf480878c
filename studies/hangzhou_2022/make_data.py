"""Generate the synthetic reconstruction of the seed study (Hangzhou 2022): run me to rebuild.

    .venv/bin/python studies/hangzhou_2022/make_data.py

Writes, next to this file: ``hierarchy.yaml`` (A / 7 B / 22 C / 57 D), ``judgments.csv``
(25 experts, long form), ``experts.csv`` (who they are), ``survey.csv`` (370 respondents in
28 communities, 57 Likert items 1-5, a few blanks) and ``headline.md`` (the calibration
table, also printed). The data are SYNTHETIC: drawn with ``ahpstat.simulate`` around true
weights and item means chosen so that the published figures of the paper (SEED-STUDY.md) are
reproduced by ``ahpstat run study.yaml``.

Calibration
-----------
1. True local weights: criteria B2 > B6 > B7 > B5 > B4 > B3 > B1 (the published order),
   the lower levels drawn once from a fixed seed. The panel is simulated around them on
   Saaty's scale; three matrices are made inconsistent on purpose (E07 at A, E19 at B1 and
   B5) so the audit trail has content.
2. The realized panel weights (eigenvector, AIJ -- what the study runs) fix the targets:
   criterion scores (B1 highest, B3 lowest, B7 = 3.759, all > 3.5, B2-B4 low, B5-B6 high)
   shifted together so the goal is 3.7801; C targets 'goal completion' = 4.0 and 'basic
   information disclosure' = 3.3964, the other C nodes level with their criterion; items
   spread around their C target.
3. The respondents' latent answers are drawn once (common random numbers); the item
   locations are then moved by fixed-point iteration until the realized item means match the
   targets; answers are rounded to 1..5, so the match is to about 1/370.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ahpstat.hierarchy import Hierarchy  # noqa: E402
from hierarchy_spec import hierarchy_dict  # noqa: E402

import ahpstat  # noqa: E402
from ahpstat.panel import run_panel  # noqa: E402
from ahpstat.scales import nearest_saaty  # noqa: E402
from ahpstat.scoring import composite_scores  # noqa: E402

SEED = 20220607
N_EXPERTS = 25
N_COMMUNITIES = 28
N_RESPONDENTS = 370
MISSING_RATE = 0.006

#: true criterion weights in the published order B2 > B6 > B7 > B5 > B4 > B3 > B1
TRUE_CRITERIA = {"B1": 0.085, "B2": 0.22, "B3": 0.095, "B4": 0.115, "B5": 0.14, "B6": 0.19,
                 "B7": 0.155}
#: criterion score targets before the common shift that makes the goal 3.7801
CRITERION_TARGETS = {"B1": 3.96, "B2": 3.72, "B3": 3.58, "B4": 3.70, "B5": 3.87,
                     "B6": 3.86, "B7": 3.759}
SHIFTED = ("B2", "B4", "B5", "B6")  # moved together to hit the goal score
GOAL_TARGET = 3.7801
FIXED_C = {"goal completion": 4.0, "basic information disclosure": 3.3964}
#: deliberately inconsistent matrices (expert, node)
INCONSISTENT = (("E07", "A"), ("E19", "B1"), ("E19", "B5"))


def fmt_value(v: float) -> str:
    """Judgments as an expert writes them: 3, or 1/3."""
    return str(round(v)) if v >= 1 else f"1/{round(1 / v)}"


def true_local_weights(h: Hierarchy, rng: np.random.Generator) -> dict[str, np.ndarray]:
    out = {}
    for v in h.internal:
        ch = h.children(v)
        if v == h.root:
            w = np.array([TRUE_CRITERIA[c] for c in ch])
        else:
            w = rng.dirichlet(np.full(len(ch), 6.0))
        out[v] = w / w.sum()
    return out


def simulate_judgments(h: Hierarchy, truth: dict[str, np.ndarray],
                       rng: np.random.Generator) -> pd.DataFrame:
    """The panel: each expert's priorities scatter around the truth, judgments on the scale."""
    from ahpstat import simulate

    experts = [f"E{k:02d}" for k in range(1, N_EXPERTS + 1)]
    rows = []
    for v in h.internal:
        ch = h.children(v)
        n = len(ch)
        bad = [k for k, e in enumerate(experts) if (e, v) in INCONSISTENT]
        S = simulate.simulate_panel(truth[v], n_experts=N_EXPERTS, rng=rng,
                                    **_panel_options(n))
        for k in bad:  # reverse the two largest judgments: a careless expert
            iu = np.triu_indices(n, 1)
            vals = S[k][iu]
            for p in np.argsort(-np.abs(np.log(vals)))[:2]:
                i, j = iu[0][p], iu[1][p]
                S[k, i, j] = nearest_saaty(np.array(1 / S[k, i, j] * 3 if S[k, i, j] < 1
                                                    else 1 / (S[k, i, j] * 3)))
                S[k, j, i] = 1 / S[k, i, j]
        for k, e in enumerate(experts):
            for i in range(n):
                for j in range(i + 1, n):
                    rows.append((e, v, ch[i], ch[j], fmt_value(S[k, i, j])))
    return pd.DataFrame(rows, columns=["expert", "node", "row", "col", "value"])


def _panel_options(n: int) -> dict:
    return {"spread": 0.25, "noise": 0.12, "scale": "saaty"}


def targets(h: Hierarchy, leaf_w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Item mean targets so that the published node scores come out (given the weights)."""
    g = {v: leaf_w[[h.leaves.index(x) for x in h.leaves_under(v)]].sum() for v in h.nodes}
    crit = h.children(h.root)
    s = dict(CRITERION_TARGETS)
    base = sum(g[c] * s[c] for c in crit)
    delta = (GOAL_TARGET - base) / sum(g[c] for c in SHIFTED)
    for c in SHIFTED:
        s[c] += delta
    english = {v: h.label(v).split("(", 1)[-1].rstrip(")") for v in h.nodes}
    item_t = {}
    for b in crit:
        cs = h.children(b)
        fixed = {c: FIXED_C[english[c]] for c in cs if english[c] in FIXED_C}
        free = [c for c in cs if c not in fixed]
        rest = (s[b] * g[b] - sum(g[c] * t for c, t in fixed.items())) / sum(g[c] for c in free)
        # free C nodes spread +-0.06 around their common level, weighted mean kept
        spread = np.linspace(-0.06, 0.06, len(free)) if len(free) > 1 else np.zeros(1)
        spread -= sum(g[c] * d for c, d in zip(free, spread, strict=True)) / sum(
            g[c] for c in free)
        ct = {**fixed, **{c: rest + d for c, d in zip(free, spread, strict=True)}}
        for c in cs:
            items = h.children(c)
            dev = rng.uniform(-0.15, 0.15, len(items))
            wi = np.array([g[x] for x in items])
            dev -= (wi * dev).sum() / wi.sum()
            for x, d in zip(items, dev, strict=True):
                item_t[x] = ct[c] + d
    return np.array([item_t[x] for x in h.leaves])


def simulate_answers(h: Hierarchy, item_targets: np.ndarray,
                     rng: np.random.Generator) -> pd.DataFrame:
    """370 respondents in 28 communities; item means calibrated to the targets."""
    from ahpstat import simulate

    sizes = rng.multinomial(N_RESPONDENTS - 5 * N_COMMUNITIES,
                            rng.dirichlet(np.full(N_COMMUNITIES, 20.0))) + 5
    communities = [f"HZ{g:02d}" for g in range(1, N_COMMUNITIES + 1)]
    state = rng.bit_generator.state  # common random numbers for every calibration step
    loc = item_targets.copy()
    for _ in range(60):
        rng.bit_generator.state = state
        X = simulate.simulate_survey(loc, group_sizes=sizes, rng=rng, likert=(1, 5),
                                     group_sd=0.15, respondent_sd=0.35, item_sd=0.75,
                                     missing_rate=MISSING_RATE)
        got = np.nanmean(X, axis=0)
        err = item_targets - got
        if np.abs(err).max() < 0.5 / N_RESPONDENTS:
            break
        loc += 1.2 * err
    groups = np.repeat(communities, sizes)
    df = pd.DataFrame(X, columns=[h.item(x) for x in h.leaves])
    df.insert(0, "community", groups)
    df.insert(0, "respondent", [f"R{r:03d}" for r in range(1, len(df) + 1)])
    return df


def main() -> None:
    rng = np.random.default_rng(SEED)
    r_truth, r_panel, r_targets, r_survey = rng.spawn(4)
    tree = hierarchy_dict()
    with open(HERE / "hierarchy.yaml", "w", encoding="utf-8") as fh:
        fh.write("# Reconstructed hierarchy of the seed study (synthetic data; see README.md).\n")
        yaml.safe_dump({"hierarchy": tree}, fh, allow_unicode=True, sort_keys=False, width=100)
    h = Hierarchy.from_dict(tree)

    truth = true_local_weights(h, r_truth)
    judg = simulate_judgments(h, truth, r_panel)
    judg.to_csv(HERE / "judgments.csv", index=False, lineterminator="\n")
    roles = ["researcher"] * 8 + ["platform engineer"] * 7 + ["community worker"] * 10
    pd.DataFrame({"expert": sorted(set(judg.expert)), "role": roles}).to_csv(
        HERE / "experts.csv", index=False, lineterminator="\n")

    # realized panel weights, exactly as the study computes them
    from ahpstat import io

    stacks = io.judgment_stacks(io.read_judgments(HERE / "judgments.csv", layout="long",
                                                  hierarchy=h), h)
    panel = run_panel(stacks, h)
    item_t = targets(h, panel.leaf_weights, r_targets)
    survey = simulate_answers(h, item_t, r_survey)
    survey.to_csv(HERE / "survey.csv", index=False, lineterminator="\n", float_format="%.0f")

    X = survey[[h.item(x) for x in h.leaves]].to_numpy(float)
    scores = composite_scores(panel.leaf_weights, np.nanmean(X, axis=0), h.membership())
    table = headline(h, panel, scores)
    (HERE / "headline.md").write_text(table, encoding="utf-8")
    print(table)
    print(f"ahpstat {ahpstat.__version__}; flagged matrices:")
    print(panel.audit[["expert", "node", "index_before"]].to_string(index=False))


def headline(h: Hierarchy, panel, scores: np.ndarray) -> str:
    pos = {v: i for i, v in enumerate(h.nodes)}
    english = {v: h.label(v).split("(", 1)[-1].rstrip(")") for v in h.nodes}
    rows = ["| node | label | global weight | score | published |",
            "| --- | --- | --- | --- | --- |"]
    pub = {"A": "3.7801", "B7": "3.7590"}
    for v in (h.root, *h.children(h.root)):
        rows.append(f"| {v} | {h.label(v)} | {panel.global_weights[v]:.4f} | "
                    f"{scores[pos[v]]:.4f} | {pub.get(v, '> 3.5')} |")
    for v in h.nodes:
        if english[v] in FIXED_C:
            rows.append(f"| {v} | {h.label(v)} | {panel.global_weights[v]:.4f} | "
                        f"{scores[pos[v]]:.4f} | {FIXED_C[english[v]]:.4f} |")
    crit = list(h.children(h.root))
    order = sorted(crit, key=lambda c: -panel.global_weights[c])
    by_score = sorted(crit, key=lambda c: -scores[pos[c]])
    rows.append("")
    rows.append(f"Weight order: {' > '.join(order)} (published B2 > B6 > B7 > B5 > B4 > B3 > "
                f"B1). Highest score {by_score[0]}, lowest {by_score[-1]} (published B1, B3).")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
