"""Tests of ahpstat.sensitivity: exact rank-reversal intervals, Triantaphyllou & Sánchez's
thresholds, judgment perturbation, Sobol' indices."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ahpstat.scales import SAATY_SCALE
from ahpstat.scoring import composite_scores
from ahpstat.sensitivity import (
    judgment_perturbation,
    perturb_judgments,
    rank_reversal_intervals,
    sobol_weights,
    weight_sensitivity,
)

# --------------------------------------------------------------------------- the numpy core


def test_intervals_hand_computed():
    # S0 = 3, S1 = 2 + 2t, S2 = 1.5 + 2.5t at t = 0.3 (scores 3, 2.6, 2.25):
    # S1 = S0 at t = 0.5; S2 = S0 at t = 0.6; S2 = S1 at t = 1 (0.5 / 0.5).
    r = rank_reversal_intervals(np.array([3.0, 2.0, 1.5]), np.array([0.0, 2.0, 2.5]), 0.3)
    assert (r["lower"], r["upper"]) == (0.0, 0.5)
    assert (r["top_lower"], r["top_upper"]) == (0.0, 0.5)
    assert r["any_pair"] == (0, 1) and r["top"] == 0
    assert [round(t, 12) for t, _, _ in r["crossings"]] == [0.5, 0.6, 1.0]
    # from t = 0.55 (group 1 ahead of 0, 0 ahead of 2) the ranking holds on (0.5, 0.6)
    r = rank_reversal_intervals(np.array([3.0, 2.0, 1.5]), np.array([0.0, 2.0, 2.5]), 0.55)
    assert (r["lower"], r["upper"]) == (0.5, pytest.approx(0.6))
    assert r["top"] == 1 and (r["top_lower"], r["top_upper"]) == (0.5, 1.0)


def test_threshold_exactly_at_a_crossing():
    # two pairs cross at the same point t = 0.4: the threshold is that crossing, once
    a = np.array([2.0, 1.6, 1.2])
    b = np.array([0.0, 1.0, 2.0])          # 1.6 + 0.4 = 2 and 1.2 + 0.8 = 2 at t = 0.4
    r = rank_reversal_intervals(a, b, 0.25)
    assert r["upper"] == pytest.approx(0.4)
    assert r["top_upper"] == pytest.approx(0.4)
    assert sum(abs(t - 0.4) < 1e-12 for t, _, _ in r["crossings"]) == 3  # 0~1, 0~2, 1~2
    # the current weight sits on a crossing (two groups tied now): no room either way
    r = rank_reversal_intervals(a, b, 0.4)
    assert r["lower"] == r["upper"] == 0.4
    # parallel lines never cross
    r = rank_reversal_intervals(np.array([2.0, 1.0]), np.array([1.0, 1.0]), 0.5)
    assert (r["lower"], r["upper"], r["crossings"]) == (0.0, 1.0, [])


# --------------------------------------------------------------------------- a study


@pytest.fixture(scope="module")
def example():
    from ahpstat.datasets import example_study_result

    return example_study_result(n_respondents=120, sites=("s1", "s2", "s3", "s4", "s5"))


def _scores_at(res, parent, node, t):
    """Goal scores of the groups when ``node``'s local weight is ``t`` (brute force: set the
    local weights, recompute every global weight along the tree, then the composite score)."""
    h = res.hierarchy
    local = {v: dict(zip(h.children(v), res.panel.local[v], strict=True))
             for v in res.panel.nodes}
    w = local[parent][node]
    for c in h.children(parent):
        local[parent][c] = t if c == node else local[parent][c] * (1 - t) / (1 - w)
    g = {h.root: 1.0}
    for v in h.nodes:
        for c in h.children(v):
            g[c] = g[v] * local[v][c]
    leaf = np.array([g[x] for x in h.leaves])
    codes = res.group_codes["site"]
    means = np.array([np.nanmean(np.where((codes == k)[:, None], res.answers, np.nan), axis=0)
                      for k in range(len(res.group_names["site"]))])
    return composite_scores(leaf, means, res.membership)[:, 0]


def test_weight_intervals_are_exact_by_brute_force(example):
    ws = weight_sensitivity(example)
    assert len(ws.intervals) == 7  # G: A, B; A: a1, a2; B: b1, b2, b3
    for row in ws.intervals.itertuples():
        base = np.argsort(-_scores_at(example, row.parent, row.node, row.weight),
                          kind="stable")
        eps = 1e-6
        for t in (row.lower + eps, (row.lower + row.weight) / 2, (row.weight + row.upper) / 2,
                  row.upper - eps):
            if row.lower < t < row.upper:
                order = np.argsort(-_scores_at(example, row.parent, row.node, t), kind="stable")
                np.testing.assert_array_equal(order, base)
        for t in (row.lower - eps, row.upper + eps):
            if 0 < t < 1:  # just outside a finite bound the ranking differs
                order = np.argsort(-_scores_at(example, row.parent, row.node, t), kind="stable")
                assert not np.array_equal(order, base)


def test_triantaphyllou_sanchez_thresholds_for_the_goals_children(example):
    # Independent: their formula delta_{k,i,j} = (P_j - P_i) / (a_ik - a_jk) on the goal's
    # children, with P the groups' goal scores and a_ik group i's score on criterion k; the
    # smallest feasible |delta| (the weight stays >= 0: delta >= -w_k) over the pairs.
    ws = weight_sensitivity(example)
    S = example.scores[example.scores.grouping == "site"]
    P = S[S.node == "G"].set_index("group").score
    groups = list(P.index)
    for k, w in zip(("A", "B"), example.panel.local["G"], strict=True):
        a = S[S.node == k].set_index("group").score
        best = np.inf
        for i, j in itertools.combinations(groups, 2):
            if a[i] == a[j]:
                continue
            d = (P[j] - P[i]) / (a[i] - a[j])
            if d >= -w and abs(d) < abs(best):
                best = d
        row = ws.intervals[(ws.intervals.parent == "G") & (ws.intervals.node == k)].iloc[0]
        assert row.delta_any == pytest.approx(best, rel=1e-9)
        assert row.percent_any == pytest.approx(100 * abs(best) / w, rel=1e-9)
    crit = ws.critical[(ws.critical.scope == "criteria")].set_index("measure")
    assert set(crit.index) == {"AT", "AA", "PT", "PA"}
    rows = ws.intervals[ws.intervals.parent == "G"]
    assert crit.loc["AA", "node"] == rows.loc[rows.delta_any.abs().idxmin(), "node"]


def test_lines_reproduce_the_study_scores(example):
    ws = weight_sensitivity(example, grouping="site")
    S = example.scores[(example.scores.grouping == "site") & (example.scores.node == "G")]
    for row in ws.intervals.itertuples():
        L = ws.lines[(ws.lines.parent == row.parent) & (ws.lines.node == row.node)]
        at_w = L.intercept + L.slope * row.weight
        np.testing.assert_allclose(at_w.to_numpy(), S.score.to_numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match=r"`grouping` must be one of"):
        weight_sensitivity(example, grouping="nope")


# --------------------------------------------------------------------------- perturbation


def test_perturb_judgments_steps_and_reciprocity():
    A = np.ones((4000, 3, 3))
    A[:, 0, 1], A[:, 1, 0] = 9.0, 1 / 9
    A[:, 0, 2], A[:, 2, 0] = 1 / 9, 9.0
    A[:, 1, 2], A[:, 2, 1] = 3.0, 1 / 3
    B = perturb_judgments(A, probability=0.25, rng=5)
    np.testing.assert_allclose(B * np.swapaxes(B, -1, -2), 1.0)
    assert set(np.round(B[:, 0, 1], 9)) <= {9.0, 8.0}      # the only neighbour of 9
    assert set(np.round(B[:, 0, 2], 9)) <= {round(1 / 9, 9), 0.125}
    assert set(np.round(B[:, 1, 2], 9)) <= {2.0, 3.0, 4.0}
    moved = (B[:, 1, 2] != 3.0).mean()
    assert abs(moved - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 4000)
    up = (B[:, 1, 2] == 4.0).sum() / max(1, (B[:, 1, 2] != 3.0).sum())
    assert abs(up - 0.5) < 0.1
    np.testing.assert_array_equal(perturb_judgments(A, probability=0.0, rng=1), A)
    np.testing.assert_allclose(perturb_judgments(A, sigma=0.0, rng=1), A)
    assert np.all(np.isin(np.round(perturb_judgments(A, probability=1.0, rng=2), 9),
                          np.round(np.r_[SAATY_SCALE, 1.0], 9)))


def test_judgment_perturbation(example):
    none = judgment_perturbation(example, n_resamples=5, probability=0.0, rng=1)
    assert (none.ranks.p_same_rank == 1).all() and (none.weight_order.p_same_order == 1).all()
    a = judgment_perturbation(example, n_resamples=15, probability=0.3, rng=7)
    b = judgment_perturbation(example, n_resamples=15, probability=0.3, rng=7)
    assert a.ranks.equals(b.ranks) and a.weight_order.equals(b.weight_order)
    assert ((a.ranks.p_same_rank >= 0) & (a.ranks.p_same_rank <= 1)).all()
    assert a.settings["mode"] == "scale_step"
    ln = judgment_perturbation(example, n_resamples=5, sigma=0.3, rng=7)
    assert ln.settings["mode"] == "lognormal"
    with pytest.raises(ValueError, match=r"`n_resamples` must be a positive integer"):
        judgment_perturbation(example, n_resamples=0)


# --------------------------------------------------------------------------- Sobol


def test_sobol_weights(example):
    t = sobol_weights(example, n_samples=128, rng=3)
    assert set(t.output) == {"goal_score", "goal_rank"} and set(t.factor) == {"A", "B"}
    t2 = sobol_weights(example, n_samples=128, rng=3)
    assert t.equals(t2)
    sc = t[t.output == "goal_score"].dropna()
    # two criteria: the new weight is a function of x_A - x_B, nearly linear over [-log 2,
    # log 2], with x_A, x_B i.i.d.: by symmetry each explains about half of the variance
    assert ((sc.S1 > 0.35) & (sc.S1 < 0.65)).all()
    assert ((sc.ST > 0.35) & (sc.ST < 0.65)).all()
    assert (sc.ST + sc.ST_conf >= sc.S1 - sc.S1_conf).all()
    with pytest.raises(ValueError, match=r"`n_samples` must be a power of 2"):
        sobol_weights(example, n_samples=100)
    with pytest.raises(ValueError, match=r"`factor` must be a number > 1"):
        sobol_weights(example, factor=1.0)


# --------------------------------------------------------------------------- the section


def test_section_settings_defaults_and_errors():
    from ahpstat import InputError
    from ahpstat.multiverse import DEFAULT_GRID
    from ahpstat.sensitivity import sensitivity_settings

    s = sensitivity_settings({}, groups=["community"])
    assert s["grid"]["weighting"] == DEFAULT_GRID["weighting"]
    assert s["judgments"] == {"n_resamples": 200, "probability": 0.1, "sigma": None}
    assert s["sobol"]["n_samples"] == 512 and s["one_at_a_time"] and s["enabled"]
    off = sensitivity_settings({"judgments": False, "sobol": None, "enabled": False})
    assert off["judgments"] is None and off["sobol"] is None and not off["enabled"]
    bad = [({"grouping": "district"}, r"`sensitivity.grouping` must be one of the survey"),
           ({"judgments": {"probability": 2}}, r"`sensitivity.judgments.probability` must"),
           ({"judgments": {"sigma": -1}}, r"`sensitivity.judgments.sigma` must be a number"),
           ({"judgments": {"reps": 3}}, r"unknown key `sensitivity.judgments.reps`"),
           ({"sobol": {"n_samples": 100}}, r"`sensitivity.sobol.n_samples` must be a power"),
           ({"sobol": {"factor": 0.5}}, r"`sensitivity.sobol.factor` must be a number > 1"),
           ({"nodes": "leaves"}, r"`sensitivity.nodes` must be one of"),
           ({"one_at_a_time": "yes"}, r"`sensitivity.one_at_a_time` must be true or false"),
           ({"grid": {}}, r"unknown key `sensitivity.grid`"),
           ({"scale": ["saaty", "fibonacci"]}, r"`sensitivity.scale` must be a list of"),
           ([1, 2], r"`sensitivity` must be a mapping")]
    for sec, match in bad:
        with pytest.raises(InputError, match=match) as e:
            sensitivity_settings(sec, groups=["community"], file="study.yaml")
        assert str(e.value).startswith("study.yaml: ")


def test_sensitivity_analysis_runs_every_part(example):
    from ahpstat.sensitivity import sensitivity_analysis, sensitivity_settings

    s = sensitivity_settings({"weighting": ["eigenvector", "geometric_mean"],
                              "aggregation": ["aij"], "policy": ["keep"], "consistency": ["cr"],
                              "missing": ["available_case"], "scale": ["saaty", "balanced"],
                              "likert": ["mean", "ridit"], "judgments": {"n_resamples": 4},
                              "sobol": {"n_samples": 32}}, groups=["site"])
    seen = []
    sa = sensitivity_analysis(example, s, rng=2, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (4 + 4, 8) and all(d <= t for d, t in seen)
    assert set(sa.tables()) == {
        "multiverse", "multiverse_specifications", "multiverse_rank_stability",
        "multiverse_weight_order", "multiverse_anova", "multiverse_effects",
        "sensitivity_weights", "sensitivity_critical", "sensitivity_judgments_ranks",
        "sensitivity_judgments_order", "sensitivity_sobol"}
    again = sensitivity_analysis(example, s, rng=2)
    for k, t in sa.tables().items():
        assert t.equals(again.tables()[k]), k


def test_to_frame_is_the_one_accessor_of_the_tables(example):
    # One accessor (issue 9): every table of tables() through to_frame(kind), by name,
    # case-insensitively; an unknown kind is refused naming the kinds.
    ws = weight_sensitivity(example)
    assert ws.frame_kinds == tuple(ws.tables()) == ("sensitivity_weights",
                                                     "sensitivity_critical")
    for kind, table in ws.tables().items():
        assert ws.to_frame(kind.upper()) is table
    assert ws.to_frame() is ws.intervals
    with pytest.raises(ValueError, match="sensitivity_critical"):
        ws.to_frame("sensitivity")
