"""Tests of ahpstat.multiverse: exact ANOVA, scales, Likert treatments, the specification grid."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ahpstat as ah
from ahpstat import InputError
from ahpstat.multiverse import (
    FACTORS,
    JUDGMENT_SCALES,
    anova_decomposition,
    likert_transform,
    multiverse,
    multiverse_grid,
    rescale_judgments,
)

# --------------------------------------------------------------------------- ANOVA


def _dummy_design(shape, order):
    """Cell-means coding of all main effects (order 1) or main + two-way effects (order 2)."""
    cells = np.array(list(itertools.product(*(range(n) for n in shape))))
    cols = [np.ones(len(cells))]
    for i, n in enumerate(shape):
        for a in range(1, n):
            cols.append((cells[:, i] == a).astype(float))
    if order == 2:
        for i, j in itertools.combinations(range(len(shape)), 2):
            for a in range(1, shape[i]):
                for b in range(1, shape[j]):
                    cols.append(((cells[:, i] == a) & (cells[:, j] == b)).astype(float))
    return np.column_stack(cols)


@st.composite
def factorials(draw):
    k = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=k, max_size=k)))
    Y = draw(hnp.arrays(float, shape, elements=st.floats(-50, 50, allow_nan=False,
                                                         allow_subnormal=False)))
    return Y


@settings(max_examples=60)
@given(factorials())
def test_anova_components_sum_to_total_variance(Y):
    d = anova_decomposition(Y)
    parts = sum(v for key, v in d.items() if key != ())
    assert float(parts) == pytest.approx(float(Y.var()), rel=1e-9, abs=1e-9)
    assert float(d[()]) == pytest.approx(float(Y.var()), rel=1e-12, abs=1e-12)
    for key, v in d.items():
        if key != ("rest",):
            assert float(v) >= -1e-9


@settings(max_examples=40)
@given(factorials())
def test_anova_matches_least_squares_fits(Y):
    # Independent computation: in a balanced factorial the variance explained by the
    # least-squares fit of the main-effects model (and of main effects + two-way
    # interactions) equals the sum of the corresponding ANOVA components.
    d = anova_decomposition(Y)
    y = Y.reshape(-1)
    for order in (1, 2):
        X = _dummy_design(Y.shape, order)
        fit = X @ np.linalg.lstsq(X, y, rcond=None)[0]
        explained = fit.var()
        comp = sum(float(v) for key, v in d.items() if key not in ((), ("rest",))
                   and len(key) <= order)
        assert comp == pytest.approx(explained, rel=1e-7, abs=1e-7)


def test_anova_hand_computed():
    # Y = a_i + b_j + (ab)_ij on a 2 x 2: a = (-1, 1), b = 0, interaction +-2.
    Y = np.array([[-1 + 2, -1 - 2], [1 - 2, 1 + 2]], dtype=float)
    d = anova_decomposition(Y)
    assert float(d[(0,)]) == pytest.approx(1.0)
    assert float(d[(1,)]) == pytest.approx(0.0)
    assert float(d[(0, 1)]) == pytest.approx(4.0)
    assert float(d[()]) == pytest.approx(5.0)
    assert float(d[("rest",)]) == pytest.approx(0.0, abs=1e-12)
    # three factors, a pure three-way interaction lands in "rest"
    s = np.array([-1.0, 1.0])
    Y3 = np.einsum("i,j,k->ijk", s, s, s)
    d3 = anova_decomposition(Y3)
    assert float(d3[("rest",)]) == pytest.approx(1.0)
    assert all(float(v) == pytest.approx(0.0, abs=1e-12) for key, v in d3.items()
               if key not in ((), ("rest",)))


def test_anova_trailing_axes_are_separate_responses():
    rng = np.random.default_rng(1)
    Y = rng.normal(size=(3, 2, 4, 5))
    d = anova_decomposition(Y, n_factors=3)
    for r in range(5):
        dr = anova_decomposition(Y[..., r])
        for key in dr:
            assert float(d[key][r]) == pytest.approx(float(dr[key]))


# --------------------------------------------------------------------------- scales, Likert


def test_judgment_scales_published_values():
    # Salo & Hamalainen (1997): w = 0.45 + 0.05 x -> 1, 1.22, 1.5, 1.86, 2.33, 3, 4, 5.67, 9.
    np.testing.assert_allclose(JUDGMENT_SCALES["balanced"].values,
                               [1, 11 / 9, 1.5, 13 / 7, 7 / 3, 3, 4, 17 / 3, 9])
    assert JUDGMENT_SCALES["geometric"].values == tuple(2.0 ** k for k in range(9))
    np.testing.assert_allclose(JUDGMENT_SCALES["inverse_linear"].values,
                               [9 / (10 - x) for x in range(1, 10)])
    assert JUDGMENT_SCALES["saaty"].values == tuple(float(x) for x in range(1, 10))
    for s in JUDGMENT_SCALES.values():
        assert s.values[0] == 1.0 and all(np.diff(s.values) > 0)


def test_rescale_judgments_keeps_reciprocity_and_missing():
    A = np.array([[1, 3, np.nan], [1 / 3, 1, 1 / 5], [np.nan, 5, 1]])
    B = rescale_judgments(A, "balanced")
    assert B[0, 1] == pytest.approx(1.5) and B[1, 0] == pytest.approx(1 / 1.5)
    assert B[1, 2] == pytest.approx(0.3 / 0.7) and B[2, 1] == pytest.approx(0.7 / 0.3)
    assert np.isnan(B[0, 2]) and np.isnan(B[2, 0])
    with pytest.raises(ValueError, match=r"off Saaty's 1-9 scale"):
        rescale_judgments([[1, 2.5], [0.4, 1]], "balanced")
    with pytest.raises(ValueError, match=r"`scale` must be one of"):
        rescale_judgments(A, "nope")


def test_likert_treatments_hand_computed():
    X = np.array([[1, 5], [3, 4], [3, np.nan], [5, 4]], dtype=float)
    # top-box: share answering 5; top-2-box: 4 or 5
    np.testing.assert_array_equal(np.nanmean(likert_transform(X, "top_box", (1, 5)), 0),
                                  [0.25, 1 / 3])
    np.testing.assert_array_equal(np.nanmean(likert_transform(X, "top2_box", (1, 5)), 0),
                                  [0.25, 1.0])
    R = likert_transform(X, "ridit", (1, 5))
    # item 1: categories 1 (1/4), 3 (2/4), 5 (1/4): ridits 1/8, 1/4 + 1/4 = 1/2, 7/8
    np.testing.assert_allclose(R[:, 0], [0.125, 0.5, 0.5, 0.875])
    # the whole sample's mean ridit is 1/2 by construction
    np.testing.assert_allclose(np.nanmean(R, axis=0), 0.5)
    assert np.isnan(R[2, 1])


# --------------------------------------------------------------------------- the grid


def test_grid_validation_locates_the_key():
    g = multiverse_grid({"policy": "Drop"})
    assert g["policy"] == ("drop",)
    for bad, match in [({"weighting": ["eigen"]}, r"`sensitivity.weighting` must be a list"),
                       ({"scale": []}, r"`sensitivity.scale` must list at least one"),
                       ({"colour": ["red"]}, r"unknown key `sensitivity.colour`"),
                       ({"likert": ["mean", "mean"]}, r"repeats the level"),
                       ({"consistency": [{"index": "cr", "threshold": -1}]},
                        r"`sensitivity.consistency.threshold` must be a positive"),
                       ({"consistency": [{"index": "cr", "random_index": "x"}]},
                        r"`sensitivity.consistency.random_index` must be one of"),
                       ({"consistency": [{"idx": "cr"}]},
                        r"unknown key `sensitivity.consistency.idx`")]:
        with pytest.raises(InputError, match=match) as e:
            multiverse_grid(bad, file="study.yaml")
        assert str(e.value).startswith("study.yaml: ")


# --------------------------------------------------------------------------- a study


@pytest.fixture(scope="module")
def example():
    from ahpstat.datasets import example_study_result

    return example_study_result()


SMALL = {"weighting": ["eigenvector", "geometric_mean"], "aggregation": ["aij", "aip_geometric"],
         "consistency": ["cr", "gci"], "policy": ["keep", "drop"],
         "missing": ["available_case"], "scale": ["saaty", "balanced"],
         "likert": ["mean", "top2_box"]}


def test_multiverse_baseline_reproduces_the_study(example):
    mv = multiverse(example, SMALL)
    assert len(mv.specifications) == 2 * 2 * 2 * 2 * 1 * 2 * 2
    assert mv.baseline is not None and bool(mv.specifications.baseline.iloc[mv.baseline])
    base = mv.scores[mv.scores.spec == mv.baseline].merge(
        example.scores, on=["node", "grouping", "group"], suffixes=("", "_study"))
    np.testing.assert_allclose(base.score, base.score_study, rtol=1e-12)
    assert len(base) == len(mv.scores[mv.scores.spec == mv.baseline])
    r = mv.scores[(mv.scores.spec == mv.baseline) & (mv.scores.grouping != "all")].merge(
        example.ranks, on=["grouping", "node", "group"], suffixes=("", "_study"))
    np.testing.assert_array_equal(r["rank"], r["rank_study"])


def test_multiverse_specification_scores_equal_a_direct_rerun(example):
    # every specification against an independent re-run of the panel with those options
    import dataclasses

    from ahpstat.panel import run_panel
    from ahpstat.scoring import composite_scores

    mv = multiverse(example, SMALL)
    S = mv.specifications
    row = S[(S.weighting == "geometric_mean") & (S.aggregation == "aip_geometric")
            & (S.policy == "keep") & (S.scale == "balanced") & (S.likert == "top2_box")
            & (S.consistency == "cr/saaty")].iloc[0]
    stacks = {v: (ex, rescale_judgments(M, "balanced")) for v, (ex, M) in
              example.stacks.items()}
    opts = dataclasses.replace(example.study.panel, weighting="geometric_mean",
                               aggregation="aip", aip_mean="geometric")
    p = run_panel(stacks, example.hierarchy, options=opts)
    X = example.answers
    top2 = np.where(np.isnan(X), np.nan, (X >= 4).astype(float))
    direct = composite_scores(p.leaf_weights, np.nanmean(top2, axis=0), example.membership)
    got = mv.scores[(mv.scores.spec == row.spec) & (mv.scores.grouping == "all")]
    nodes = list(example.hierarchy.nodes)
    for v, s in zip(got.node, got.score, strict=True):
        assert s == pytest.approx(direct[nodes.index(v)], rel=1e-12)


def test_multiverse_tables_and_anova(example):
    mv = multiverse(example, SMALL)
    assert set(mv.tables()) == {"multiverse", "multiverse_specifications",
                                "multiverse_rank_stability", "multiverse_weight_order",
                                "multiverse_anova", "multiverse_effects"}
    assert list(mv.specifications.columns) == ["spec", *FACTORS, "baseline", "feasible",
                                               "problem"]
    an = mv.anova
    for (_t, _l, _g, _gr), sub in an.groupby(["target", "likert", "grouping", "group"]):
        tot = sub[sub.effect == "total"].variance.iloc[0]
        assert sub[sub.effect != "total"].variance.sum() == pytest.approx(tot, abs=1e-12)
    # the consistency level cannot matter when the policy keeps everyone: a factor whose
    # only influence runs through 'drop' shows up in its interaction with the policy
    st_ = mv.rank_stability
    assert ((st_.share_same_rank >= 0) & (st_.share_same_rank <= 1)).all()
    assert set(mv.weight_order.columns) == {"parent", "node", "baseline_rank",
                                            "share_same_rank", "share_same_order"}


def test_multiverse_infeasible_specifications_are_kept_and_warned(example):
    # a threshold so strict that 'drop' removes every expert somewhere
    grid = {**SMALL, "consistency": [{"index": "gci", "threshold": 1e-9}],
            "policy": ["keep", "drop"], "scale": ["saaty"]}
    with pytest.warns(ah.DegenerateDataWarning, match=r"cannot be computed"):
        mv = multiverse(example, grid)
    bad = mv.specifications[~mv.specifications.feasible]
    assert len(bad) and (bad.policy == "drop").all()
    assert bad.problem.str.contains("policy leaves no expert").all()
    assert mv.scores[mv.scores.spec.isin(bad.spec)].score.isna().all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(mv.anova[mv.anova.target == "goal_rank"].variance).all()


def test_multiverse_missing_rules_use_the_raw_survey(tmp_path):
    # a study that itself deletes listwise: the multiverse re-reads the survey once so that
    # its available-case specifications see every answer
    from ahpstat.datasets import write_example_study
    from ahpstat.study import Study

    path = write_example_study(tmp_path, extra="")
    sv = (tmp_path / "survey.csv").read_text().splitlines()
    for k in (1, 5, 9):  # blank one answer of three respondents
        cells = sv[k].split(",")
        cells[2] = ""
        sv[k] = ",".join(cells)
    (tmp_path / "survey.csv").write_text("\n".join(sv) + "\n")
    text = path.read_text().replace("likert: [1, 5]}", "likert: [1, 5], missing: listwise}")
    path.write_text(text)
    res = Study.from_yaml(path).run()
    assert res.n_dropped_listwise == 3
    grid = {**SMALL, "weighting": ["eigenvector"], "aggregation": ["aij"], "policy": ["keep"],
            "consistency": ["cr"], "scale": ["saaty"], "likert": ["mean"],
            "missing": ["available_case", "listwise"]}
    mv = multiverse(res, grid)
    assert mv.info["respondents"] == {0: 40, 1: 37}
    base = mv.scores[mv.scores.spec == mv.baseline].merge(
        res.scores, on=["node", "grouping", "group"], suffixes=("", "_study"))
    np.testing.assert_allclose(base.score, base.score_study, rtol=1e-12)
    ac = mv.specifications[mv.specifications.missing == "available_case"].spec.iloc[0]
    full = Study.from_yaml(path)
    import dataclasses

    full = dataclasses.replace(full, survey=dataclasses.replace(full.survey,
                                                                missing="available_case"))
    ref = full.run().scores
    got = mv.scores[mv.scores.spec == ac].merge(ref, on=["node", "grouping", "group"],
                                                suffixes=("", "_ref"))
    np.testing.assert_allclose(got.score, got.score_ref, rtol=1e-12)


# --------------------------------------------------------------------------- weighting family


def _entropy_minmax(X):
    """Min-max entropy weights written out (Zeleny 1982; the 熵权法 textbook steps), for
    complete data without constant items: independent of ahpstat.objective.
    """
    Z = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    P = Z / Z.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(P), 0.0)
    e = -plogp.sum(axis=0) / np.log(X.shape[0])
    d = 1 - e
    return d / d.sum()


def _game_theory(u1, u2):
    """Two-vector game-theory combination by its 2 x 2 first-order system (Lai et al. 2015)."""
    A = np.array([[u1 @ u1, u1 @ u2], [u2 @ u1, u2 @ u2]])
    a = np.linalg.solve(A, np.array([u1 @ u1, u2 @ u2]))
    a = np.abs(a) / np.abs(a).sum()
    return a[0] * u1 + a[1] * u2


FAMILY = {"weighting": ["eigenvector", "geometric_mean"], "aggregation": ["aij"],
          "consistency": [{"index": "gci", "threshold": 1e-9}], "policy": ["keep", "drop"],
          "missing": ["available_case"], "scale": ["saaty"], "likert": ["mean", "top2_box"],
          "family": ["ahp", "entropy", "critic", "combined"]}


@pytest.fixture(scope="module")
def family_mv(example):
    with pytest.warns(ah.DegenerateDataWarning, match=r"cannot be computed"):
        return multiverse(example, FAMILY)


def test_family_default_is_ahp_only():
    assert multiverse_grid()["family"] == ("ahp",)
    with pytest.raises(InputError, match=r"`sensitivity.family` must be a list of"):
        multiverse_grid({"family": ["ahp", "topsis"]})
    assert multiverse_grid({"family": ["AHP", "Entropy"]})["family"] == ("ahp", "entropy")


def _assert_spec_scores(example, mv, leaf_weights, item_means, **levels):
    """The whole-sample scores of the (first) specification with these levels equal the
    composite scores of the given leaf weights and item means.
    """
    from ahpstat.scoring import composite_scores

    S = mv.specifications
    pick = np.ones(len(S), bool)
    for f, lev in levels.items():
        pick &= (S[f] == lev).to_numpy()
    spec = S[pick].spec.iloc[0]
    direct = composite_scores(leaf_weights, item_means, example.membership)
    got = mv.scores[(mv.scores.spec == spec) & (mv.scores.grouping == "all")]
    nodes = list(example.hierarchy.nodes)
    assert len(got) == 3
    for v, s in zip(got.node, got.score, strict=True):
        assert s == pytest.approx(direct[nodes.index(v)], rel=1e-10)


def test_family_entropy_and_combined_scores_against_hand_computation(example, family_mv):
    X = example.answers
    w_ent = _entropy_minmax(X)
    # entropy: the weights from the survey, whatever the panel
    for w in ("eigenvector", "geometric_mean"):
        _assert_spec_scores(example, family_mv, w_ent, X.mean(axis=0), family="entropy",
                            weighting=w, policy="keep", likert="mean")
    # combined: the study's own AHP leaf weights (eigenvector, AIJ, keep) with entropy
    _assert_spec_scores(example, family_mv, _game_theory(example.panel.leaf_weights, w_ent),
                        X.mean(axis=0), family="combined", weighting="eigenvector",
                        policy="keep", likert="mean")
    # top-2-box: the objective weights come from the specification's own (0/1) data
    T = (X >= 4).astype(float)
    _assert_spec_scores(example, family_mv, _entropy_minmax(T), T.mean(axis=0),
                        family="entropy", weighting="eigenvector", policy="keep",
                        likert="top2_box")


def test_family_feasibility_and_anova(family_mv):
    mv = family_mv
    S = mv.specifications
    assert len(S) == 2 * 2 * 2 * 4
    # a drop policy that leaves no expert breaks AHP and combined, not the objective families
    drop = S[S.policy == "drop"]
    assert not drop[drop.family.isin(["ahp", "combined"])].feasible.any()
    assert drop[drop.family.isin(["entropy", "critic"])].feasible.all()
    # objective families ignore the panel factors: the same scores under both weightings
    sc = mv.scores.merge(S, on="spec")
    ent = sc[(sc.family == "critic") & (sc.policy == "keep")]
    a = ent[ent.weighting == "eigenvector"].sort_values(["likert", "grouping", "group", "node"])
    b = ent[ent.weighting == "geometric_mean"].sort_values(["likert", "grouping", "group",
                                                            "node"])
    np.testing.assert_array_equal(a.score.to_numpy(), b.score.to_numpy())
    assert mv.info["family"]["combination"] == "game_theory"
    assert mv.info["family"]["combine"] == "entropy"
    assert set(mv.weight_order.columns) == {"parent", "node", "baseline_rank",
                                            "share_same_rank", "share_same_order"}
    assert mv.weight_order.share_same_rank.between(0, 1).all()


def test_family_factor_in_the_anova(example):
    grid = {**FAMILY, "consistency": ["cr"], "policy": ["keep"]}
    mv = multiverse(example, grid)
    S = mv.specifications
    assert S.baseline.sum() == 1 and S[S.baseline].family.iloc[0] == "ahp"
    an = mv.anova[(mv.anova.target == "goal_score") & (mv.anova.likert == "mean")]
    tot = an[an.effect == "total"].variance.iloc[0]
    fam = an[an.effect == "family"].variance.iloc[0]
    # the goal score's variance over the weighting families alone, by hand
    y = mv.scores[(mv.scores.grouping == "all") & (mv.scores.node == example.hierarchy.root)]
    y = y.merge(S, on="spec")
    y = y[y.likert == "mean"]
    fam_means = y.groupby("family").score.mean()
    assert fam == pytest.approx(float(((fam_means - y.score.mean()) ** 2).mean()), rel=1e-9)
    # within a family only the weighting differs (eigenvector or geometric mean), and for
    # matrices of order <= 3, as here, the two are the same weights (Crawford & Williams
    # 1985): the family may carry the whole variance, up to rounding
    assert 0 < fam <= tot * (1 + 1e-12)


def test_koczkodaj_level_without_threshold_is_an_input_error_with_a_policy():
    # Koczkodaj's index has no default threshold (issue 11.4); a grid that would drop, repair or
    # down-weight by it must be refused where it is read (check = run), not by PanelOptions'
    # ValueError in the middle of the run (a traceback).
    from ahpstat.multiverse import multiverse_grid

    with pytest.raises(InputError, match=r"Koczkodaj.*threshold.*\['drop'\]"):
        multiverse_grid({"consistency": [{"index": "koczkodaj"}], "policy": ["keep", "drop"]})
    kept = multiverse_grid({"consistency": [{"index": "koczkodaj"}], "policy": ["keep"]})
    assert kept["consistency"][0]["threshold"] is None
    given_thr = multiverse_grid({"consistency": [{"index": "koczkodaj", "threshold": 1 / 3}],
                                 "policy": ["drop"]})
    assert given_thr["consistency"][0]["threshold"] == pytest.approx(1 / 3)
