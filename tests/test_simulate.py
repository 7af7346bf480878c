"""Tests of ahpstat.simulate: panels and surveys with known truth.

The checks are against independent computations (the true weights the panel was drawn around,
numerical integration of the Likert model, Monte Carlo standard errors) and against published
numbers (Alonso & Lamata's 2006 random indices), never against values the code produced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import ahpstat as ah
from ahpstat import io
from ahpstat.hierarchy import Hierarchy
from ahpstat.pairwise import is_connected
from ahpstat.panel import PanelOptions, run_panel
from ahpstat.scales import on_saaty_scale
from ahpstat.simulate import (
    expected_likert_mean,
    latent_means,
    random_reciprocal_matrices,
    random_weights,
    simulate_panel,
    simulate_survey,
    true_scores,
)

TREE = {"A": ["B1", "B2", "B3"], "B1": ["x", "y", "z", "w"], "B2": ["u"],
        "B3": ["p", "q", "r", "s", "t"]}
TRUTH = {"A": [0.5, 0.3, 0.2], "B1": [0.4, 0.3, 0.2, 0.1],
         "B3": [0.05, 0.1, 0.15, 0.3, 0.4]}


@pytest.fixture(scope="module")
def h():
    return Hierarchy.from_dict({"id": "A", "children": [
        {"id": "B1", "children": [{"id": c, "item": f"Q_{c}"} for c in "xyzw"]},
        {"id": "B2", "children": [{"id": "u", "item": "Q_u"}]},
        {"id": "B3", "children": [{"id": c, "item": f"Q_{c}"} for c in "pqrst"]}]})


# --------------------------------------------------------------------------- panel


def test_panel_is_deterministic_under_rng(h):
    a = simulate_panel(h, TRUTH, n_experts=5, erratic=1, missing=0.3, rng=11)
    b = simulate_panel(h, TRUTH, n_experts=5, erratic=1, missing=0.3,
                       rng=np.random.default_rng(11))
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["erratic"] == b.attrs["erratic"]
    c = simulate_panel(h, TRUTH, n_experts=5, erratic=1, missing=0.3, rng=12)
    assert not a.equals(c)


def test_panel_layout_scale_and_reciprocity(h):
    df = simulate_panel(TREE, TRUTH, n_experts=7, rng=3)
    assert list(df.columns) == ["expert", "node", "row", "col", "value"]
    assert io.validate_judgments(df, h, scale="saaty", errors="collect") == []
    assert on_saaty_scale(df["value"].to_numpy()).all()
    # upper triangle only: row comes before col in the children's order
    pos = {v: {c: i for i, c in enumerate(h.children(v))} for v in h.internal}
    assert all(pos[v][r] < pos[v][c] for v, r, c in df[["node", "row", "col"]].itertuples(
        index=False))
    # complete: every expert judges every pair of every node with >= 2 children
    assert len(df) == 7 * (3 + 6 + 10)
    stacks = io.judgment_stacks(df, h)
    assert set(stacks) == {"A", "B1", "B3"}
    for _, S in stacks.values():
        np.testing.assert_allclose(S * np.swapaxes(S, -1, -2), 1.0)


def test_zero_noise_panel_recovers_true_weights(h):
    """No expert deviation, no judgment noise, continuous values: every matrix is
    w_i / w_j, so the AIJ weights equal the true weights the panel was drawn around."""
    df = simulate_panel(h, TRUTH, n_experts=4, expert_sd=0.0, noise_sd=0.0, scale=None,
                        rng=0)
    stacks = io.judgment_stacks(df, h)
    for method in ("eigenvector", "geometric_mean"):
        res = run_panel(stacks, h, options=PanelOptions(weighting=method))
        for v, w in TRUTH.items():
            np.testing.assert_allclose(res.local[v], w, rtol=1e-9)
        # global weights: products along the paths (independent hand computation)
        assert res.global_weights["t"] == pytest.approx(0.2 * 0.4)
        assert res.global_weights["u"] == pytest.approx(0.3)
    for _, S in stacks.values():
        assert np.allclose(ah.consistency(S, index="ci").value, 0.0, atol=1e-12)


def test_panel_centres_on_truth_with_noise(h):
    """With expert deviation and noise (continuous), the geometric AIJ of a large panel
    estimates the true weights: log-weights within 4 standard errors of the truth."""
    K, sd, noise = 400, 0.3, 0.2
    df = simulate_panel(h, TRUTH, n_experts=K, expert_sd=sd, noise_sd=noise, scale=None,
                        rng=5)
    res = run_panel(io.judgment_stacks(df, h), h,
                    options=PanelOptions(weighting="geometric_mean"))
    for v, w in TRUTH.items():
        n = len(w)
        est = np.log(res.local[v]) - np.log(res.local[v]).mean()
        true = np.log(w) - np.log(w).mean()
        # per-expert centred log row mean: var = sd^2 (1 - 1/n) + noise^2 (n-1)... bounded by
        # sd^2 + noise^2; the mean over K experts has SE <= sqrt((sd^2 + noise^2) / K)
        se = np.sqrt((sd**2 + noise**2) / K)
        assert np.abs(est - true).max() < 4 * se, v
        assert n == len(h.children(v))


def test_missing_keeps_graphs_connected_and_only_deletes(h):
    full = simulate_panel(h, TRUTH, n_experts=30, rng=8)
    part = simulate_panel(h, TRUTH, n_experts=30, missing=0.9, rng=8)
    stacks = io.judgment_stacks(part, h)
    for v, (experts, S) in stacks.items():
        assert len(experts) == 30
        assert is_connected(~np.isnan(S)).all(), v
    # the same rng: missingness only removes judgments of the complete panel
    key = ["expert", "node", "row", "col"]
    merged = part.merge(full, on=key, suffixes=("", "_full"), how="left")
    np.testing.assert_array_equal(merged["value"], merged["value_full"])
    # realized rate at B3 (n = 5): 0.9 * (1 - 2/5) = 0.54, binomial tolerance (4 SE)
    m = 30 * 10
    rate = 1 - (part.node == "B3").sum() / m
    assert rate == pytest.approx(0.54, abs=4 * np.sqrt(0.54 * 0.46 / m))
    # the frame feeds run_panel (Harker / incomplete LLSM at the nodes)
    res = run_panel(stacks, h)
    assert res.leaf_weights.sum() == pytest.approx(1.0)


def test_erratic_experts_are_less_consistent(h):
    df = simulate_panel(h, TRUTH, n_experts=6, expert_sd=0.1, noise_sd=0.05, scale=None,
                        erratic=["E03", "E05"], erratic_sd=1.0, rng=2)
    assert df.attrs["erratic"] == ("E03", "E05")
    experts, S = io.judgment_stacks(df, h)["B3"]
    gci = ah.consistency(S, index="gci").value
    bad = np.isin(experts, ["E03", "E05"])
    assert gci[bad].min() > gci[~bad].max()
    chosen = simulate_panel(h, TRUTH, n_experts=6, erratic=2, rng=2).attrs["erratic"]
    assert len(chosen) == 2 and set(chosen) <= {f"E0{k}" for k in range(1, 7)}


def test_panel_accepts_mapping_and_ids(h):
    df = simulate_panel({"G": ["a", "b"]}, {"G": [3, 1]}, n_experts=2, expert_sd=0,
                        noise_sd=0, expert_ids=["ann", "bob"], rng=0)
    assert df["expert"].tolist() == ["ann", "bob"]
    assert df["value"].tolist() == [3.0, 3.0]  # 0.75 / 0.25


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"n_experts": 0}, ValueError, r"`n_experts` must be an integer >= 1"),
    ({"n_experts": 2, "expert_sd": -1}, ValueError, r"`expert_sd` must be a finite number"),
    ({"n_experts": 2, "noise_sd": "x"}, TypeError, r"`noise_sd` must be a number"),
    ({"n_experts": 2, "scale": "likert"}, ValueError, r"`scale` must be one of"),
    ({"n_experts": 2, "missing": 1.5}, ValueError, r"`missing` must be a probability"),
    ({"n_experts": 2, "erratic": 3}, ValueError, r"`erratic` must be a number of experts in"),
    ({"n_experts": 2, "erratic": ["E09"]}, ValueError, r"`erratic` names experts.*'E09'"),
    ({"n_experts": 2, "erratic": 0.5}, TypeError, r"`erratic` must be a number of experts"),
    ({"n_experts": 2, "expert_ids": ["a"]}, ValueError, r"`expert_ids` must hold 2 id"),
    ({"n_experts": 2, "expert_ids": ["a", "a"]}, ValueError, r"`expert_ids` must be unique"),
])
def test_panel_argument_errors(h, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        simulate_panel(h, TRUTH, **kwargs)


@pytest.mark.parametrize("truth, match", [
    ({"A": [0.5, 0.3, 0.2], "B1": [0.25] * 4}, r"`true_weights` lacks node 'B3'"),
    ({**TRUTH, "B1": [0.5, 0.5]}, r"`true_weights\['B1'\]` must be 4 positive weights"),
    ({**TRUTH, "A": [0.5, 0.0, 0.5]}, r"`true_weights\['A'\]` must be 3 positive"),
    ({**TRUTH, "Z": [1.0]}, r"`true_weights` names nodes that are not in the hierarchy"),
])
def test_true_weights_errors(h, truth, match):
    with pytest.raises(ValueError, match=match):
        simulate_panel(h, truth, n_experts=2)


@pytest.mark.parametrize("tree, exc, match", [
    ({"A": ["B"], "C": ["D"]}, ValueError, r"exactly one root"),
    ({"A": ["B"], "B": ["C"], "C": ["B"]}, ValueError, r"`hierarchy` has a cycle through 'B'"),
    ({"A": "BC"}, TypeError, r"needs a list of children for 'A'"),
    (["A", "B"], TypeError, r"`hierarchy` must be an ahpstat.Hierarchy"),
])
def test_hierarchy_argument_errors(tree, exc, match):
    with pytest.raises(exc, match=match):
        simulate_panel(tree, {"A": [1.0]}, n_experts=1)


# --------------------------------------------------------------------------- survey


def test_expected_likert_mean_matches_numerical_integration():
    """Independent check: integrate the rounding-and-clipping answer function against the
    normal density of the latent answer."""
    sds = {"group_sd": 0.3, "respondent_sd": 0.4, "noise_sd": 0.8}
    s = np.sqrt(0.3**2 + 0.4**2 + 0.8**2)
    for mu in (1.2, 2.9, 3.8, 4.6, 5.7):
        def f(y, mu=mu):
            return np.clip(np.round(y), 1, 5) * stats.norm.pdf(y, mu, s)
        pts = [1.5, 2.5, 3.5, 4.5]
        val = integrate.quad(f, mu - 12 * s, mu + 12 * s, points=pts, limit=200)[0]
        assert expected_likert_mean(mu, **sds) == pytest.approx(val, abs=1e-8)
    # custom thresholds on a 0..2 scale: P(y > -1) + P(y > 1) for y ~ N(0, 1)
    got = expected_likert_mean(0.0, likert=(0, 2), thresholds=[-1.0, 1.0])
    assert got == pytest.approx(stats.norm.sf(-1) + stats.norm.sf(1))


def test_latent_means_inverts_expected_mean():
    target = np.array([1.3, 2.5, 3.7801, 4.9])
    mu = latent_means(target, respondent_sd=0.35, noise_sd=0.75)
    np.testing.assert_allclose(expected_likert_mean(mu, respondent_sd=0.35, noise_sd=0.75),
                               target, atol=1e-12)


def test_large_survey_mean_matches_expected_mean():
    """Monte Carlo: the sample item means of a large clustered survey lie within 4 standard
    errors (computed from the 200 equal-sized group means, so clustering is accounted for)
    of the exact expected Likert means."""
    mu = np.array([2.2, 3.0, 3.6, 4.4, 5.2])
    sds = {"group_sd": 0.3, "respondent_sd": 0.4, "noise_sd": 0.9}
    df = simulate_survey([f"Q{i}" for i in range(5)], mu, n_respondents=20_000, groups=200,
                         rng=42, **sds)
    X = df.drop(columns="group")
    gm = X.groupby(df["group"]).mean()
    se = gm.std(ddof=1).to_numpy() / np.sqrt(len(gm))
    diff = X.mean().to_numpy() - expected_likert_mean(mu, **sds)
    assert np.all(np.abs(diff) < 4 * se), (diff, se)


def test_survey_layout_feeds_read_survey_and_study(tmp_path, h):
    """Simulated panel + survey written to files run as a Study, reproducing run_panel."""
    import yaml

    judg = simulate_panel(h, TRUTH, n_experts=5, rng=1)
    judg.to_csv(tmp_path / "j.csv", index=False)
    sv = simulate_survey(h, {leaf: 3.5 for leaf in h.leaves}, n_respondents=40, groups=4,
                         group_sd=0.2, noise_sd=0.8, missing=0.05, id_column="rid",
                         group_column="community", rng=2)
    assert sv.index.name == "rid" and list(sv.columns[1:]) == [h.item(x) for x in h.leaves]
    sv.to_csv(tmp_path / "s.csv", float_format="%.0f")
    back = io.read_survey(tmp_path / "s.csv", id_column="rid", items=list(sv.columns[1:]),
                          group_columns=["community"])
    pd.testing.assert_frame_equal(back, sv, check_dtype=False, check_index_type=False)
    with open(tmp_path / "h.yaml", "w") as fh:
        yaml.safe_dump(h.to_dict(), fh)
    study = {"hierarchy": "h.yaml", "judgments": "j.csv",
             "survey": {"path": "s.csv", "id_column": "rid", "group_columns": ["community"]}}
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(study))
    res = ah.Study.from_yaml(tmp_path / "study.yaml").run()
    want = run_panel(io.judgment_stacks(judg, h), h)
    np.testing.assert_allclose(res.leaf_weights, want.leaf_weights, rtol=1e-12)


def test_survey_is_deterministic_and_uses_common_random_numbers():
    kw = {"n_respondents": 30, "groups": [10, 20], "group_sd": 0.5, "noise_sd": 0.7}
    a = simulate_survey(["a", "b"], [3.0, 3.0], rng=4, **kw)
    pd.testing.assert_frame_equal(a, simulate_survey(["a", "b"], [3.0, 3.0], rng=4, **kw))
    # moving a mean by +1 moves every latent answer by +1: answers never go down
    b = simulate_survey(["a", "b"], [4.0, 3.0], rng=4, **kw)
    assert (b["a"] >= a["a"]).all() and (b["b"] == a["b"]).all()
    assert a["group"].value_counts().to_dict() == {"G01": 10, "G02": 20}


def test_survey_missing_rate():
    df = simulate_survey(["a", "b", "c"], [3, 3, 3], n_respondents=2000, missing=0.1, rng=0)
    rate = df[["a", "b", "c"]].isna().to_numpy().mean()
    assert rate == pytest.approx(0.1, abs=4 * np.sqrt(0.1 * 0.9 / 6000))


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"groups": 3}, ValueError, r"`n_respondents` is required"),
    ({"groups": 3, "n_respondents": 2}, ValueError, r"`n_respondents` must be an integer >= 3"),
    ({"groups": [2, 3], "n_respondents": 4}, ValueError, r"`n_respondents` \(4\) must equal"),
    ({"groups": [2, 0]}, ValueError, r"`groups` must be an integer >= 1"),
    ({"groups": "abc"}, TypeError, r"`groups` must be a number of groups"),
    ({"groups": [5], "likert": (5, 1)}, ValueError, r"`likert` must be \(lowest, highest\)"),
    ({"groups": [5], "thresholds": [1, 2]}, ValueError, r"`thresholds` must be 4 increasing"),
    ({"groups": [5], "group_sd": -0.1}, ValueError, r"`group_sd` must be a finite number"),
    ({"groups": [5], "missing": -0.1}, ValueError, r"`missing` must be a probability"),
    ({"groups": [5], "group_column": "Q1"}, ValueError, r"`id_column` and `group_column`"),
    ({"groups": [5], "group_ids": ["x", "y"]}, ValueError, r"`group_ids` must hold 1 id"),
])
def test_survey_argument_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        simulate_survey(["Q1", "Q2"], [3.0, 3.0], **kwargs)


def test_survey_item_errors(h):
    with pytest.raises(ValueError, match=r"`item_means` must hold one mean per item \(2\)"):
        simulate_survey(["Q1", "Q2"], [3.0], n_respondents=3)
    with pytest.raises(ValueError, match=r"`item_means` lacks item 'y'"):
        simulate_survey(h, {"x": 3.0}, n_respondents=3)
    with pytest.raises(TypeError, match=r"`item_means` may be a mapping only"):
        expected_likert_mean({"x": 3.0})
    with pytest.raises(TypeError, match=r"`items` must be an ahpstat.Hierarchy"):
        simulate_survey("Q1", [3.0], n_respondents=3)
    with pytest.raises(ValueError, match=r"`items` must be unique column names"):
        simulate_survey(["Q1", "Q1"], [3.0, 3.0], n_respondents=3)
    with pytest.raises(ValueError, match=r"`likert_means` must lie strictly inside"):
        latent_means([5.0])
    with pytest.raises(ValueError, match=r"all 0: the expected answer is a step function"):
        latent_means([3.0], noise_sd=0.0)


def test_true_scores_by_hand(h):
    """Hand computation: a node's score is the global-weight average of its items."""
    m = np.arange(1.0, 11.0) / 2  # items x, y, z, w, u, p, q, r, s, t get 0.5, 1.0, .., 5.0
    means = dict(zip(h.leaves, m, strict=True))
    got = true_scores(h, TRUTH, means)
    b1 = 0.4 * means["x"] + 0.3 * means["y"] + 0.2 * means["z"] + 0.1 * means["w"]
    b3 = np.dot(TRUTH["B3"], [means[c] for c in "pqrst"])
    assert got["B1"] == pytest.approx(b1)
    assert got["B2"] == pytest.approx(means["u"])
    assert got["A"] == pytest.approx(0.5 * b1 + 0.3 * means["u"] + 0.2 * b3)
    with pytest.raises(ValueError, match=r"`item_means` must hold one mean per leaf \(10\)"):
        true_scores(h, TRUTH, [3.0, 4.0])


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("n, ri", [(3, 0.5245), (4, 0.8815)])
def test_random_matrices_reproduce_alonso_lamata_random_index(n, ri):
    """Mean CI of random Saaty-scale matrices = the random index of Alonso & Lamata (2006),
    Table 3 (100,000 matrices each), within 4 Monte Carlo standard errors."""
    A = random_reciprocal_matrices(n, size=20_000, rng=2006)
    ci = ah.consistency(A, index="ci").value
    se = ci.std(ddof=1) / np.sqrt(ci.size)
    assert ci.mean() == pytest.approx(ri, abs=4 * se + 5e-4)


def test_random_matrices_continuous_scale():
    A = random_reciprocal_matrices(5, size=(2, 3), scale=None, rng=0)
    assert A.shape == (2, 3, 5, 5)
    assert np.all((A >= 1 / 9) & (A <= 9))
    np.testing.assert_allclose(A * np.swapaxes(A, -1, -2), 1.0)
    assert random_reciprocal_matrices(1, rng=0).tolist() == [[1.0]]


def test_random_weights_dirichlet_moments():
    """Dirichlet(c, ..., c): mean 1/n, variance (1/n)(1 - 1/n)/(n c + 1)."""
    n, c = 4, 3.0
    W = random_weights(n, concentration=c, size=50_000, rng=1)
    np.testing.assert_allclose(W.sum(axis=-1), 1.0)
    var = (1 / n) * (1 - 1 / n) / (n * c + 1)
    np.testing.assert_allclose(W.mean(axis=0), 1 / n, atol=4 * np.sqrt(var / W.shape[0]))
    np.testing.assert_allclose(W.var(axis=0), var, rtol=0.05)
    with pytest.raises(ValueError, match=r"`concentration` must be a positive number"):
        random_weights(3, concentration=[1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match=r"`n` must be an integer >= 1"):
        random_weights(0)
