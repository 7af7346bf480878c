"""Tests of ahpstat.compare: hand-computed measures, a published example, independent checks."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kendalltau

import ahpstat as ah
from ahpstat.compare import (
    compare_methods,
    compare_study,
    euclidean_distance,
    kendall_tau,
    minimum_violations,
    order_violations,
    pareto_efficiency,
    total_deviation,
    weighted_spearman,
)
from ahpstat.compare._measures import _dominating_lp
from strategies import consistent_matrices, saaty_matrices

# Blanquero, Carrizosa & Conde (2006) / Bozóki & Fülöp (2018), Example 1: a 4 x 4 matrix
# whose principal eigenvector (printed there to six decimals) is inefficient.
BF_MATRIX = np.array([[1, 1, 4, 9], [1, 1, 7, 5], [1 / 4, 1 / 7, 1, 4],
                      [1 / 9, 1 / 5, 1 / 4, 1]])
BF_EIGENVECTOR = [0.404518, 0.436173, 0.110295, 0.049014]


def dominates(A, x, w, tol=1e-9):
    """Definition (Blanquero et al. 2006): x at least as close everywhere, closer somewhere."""
    dx = np.abs(A - x[:, None] / x[None, :])
    dw = np.abs(A - w[:, None] / w[None, :])
    return bool(np.all(dx <= dw + tol) and np.any(dx < dw - tol))


# --------------------------------------------------------------------------- hand-computed


def test_ed_td_mv_hand_computed():
    # A = (a12, a13, a23) = (4, 2, 1); w = (0.5, 0.3, 0.2): ratios 5/3, 5/2, 3/2.
    A = ah.pairwise.from_upper_triangle([4, 2, 1])
    w = np.array([0.5, 0.3, 0.2])
    d = {(0, 1): (4, 5 / 3), (0, 2): (2, 5 / 2), (1, 2): (1, 3 / 2)}
    sq = sum((a - r) ** 2 + (1 / a - 1 / r) ** 2 for a, r in d.values())
    ab = sum(abs(a - r) + abs(1 / a - 1 / r) for a, r in d.values())
    assert float(euclidean_distance(A, w)) == pytest.approx(np.sqrt(sq), rel=1e-12)
    assert float(total_deviation(A, w)) == pytest.approx(ab, rel=1e-12)
    # ED^2 by hand: (7/3)^2 + (1/4-3/5)^2 + (1/2)^2 + (1/2-2/5)^2 + (1/2)^2 + (1-2/3)^2
    hand = (7 / 3) ** 2 + (0.25 - 0.6) ** 2 + 0.25 + 0.1**2 + 0.25 + (1 / 3) ** 2
    assert float(euclidean_distance(A, w)) ** 2 == pytest.approx(hand, rel=1e-12)
    # MV: 1 ~ 2 and 1 ~ 3 agree with A; a23 = 1 but w2 != w3: 1/2 + 1/2 = 1.
    assert float(minimum_violations(A, w)) == 1.0
    # a reversed pair: w2 > w1 while a12 = 4 -> 1 more
    assert float(minimum_violations(A, [0.3, 0.5, 0.2])) == 2.0


def test_consistent_matrix_has_zero_discrepancy_and_every_method_agrees():
    w = np.array([0.4, 0.3, 0.2, 0.1])
    A = ah.pairwise.consistent_matrix(w)
    c = compare_methods(A)
    np.testing.assert_allclose(c.weights, np.broadcast_to(w, (3, 4)), atol=1e-12)
    np.testing.assert_allclose(c.euclidean_distance, 0, atol=1e-10)
    np.testing.assert_allclose(c.total_deviation, 0, atol=1e-10)
    np.testing.assert_allclose(c.gci, 0, atol=1e-12)
    assert c.minimum_violations.tolist() == [0, 0, 0]
    assert c.pop_violations.tolist() == [0, 0, 0] and c.poip_violations.tolist() == [0, 0, 0]
    assert c.efficient.all()
    np.testing.assert_allclose(c.kendall_tau, 1.0)
    np.testing.assert_allclose(c.weighted_spearman, 1.0)


def test_order_violations_hand_computed():
    # judgments a12 = 3, a13 = 5, a23 = 2; w = (0.5, 0.1, 0.4): ratios 5, 1.25, 0.25.
    A = ah.pairwise.from_upper_triangle([3, 5, 2])
    pop, poip = order_violations(A, [0.5, 0.1, 0.4])
    # POP: a23 = 2 > 1 but w2 < w3 -> 1.
    # POIP (oriented judgments a13 = 5 > a12 = 3 > a23 = 2): need r13 > r12 > r23:
    # r13 = 1.25 < r12 = 5 (violated); r13 = 1.25 > r23 = 0.25 (kept);
    # r12 = 5 > r23 = 0.25 (kept) -> 1.
    assert (int(pop), int(poip)) == (1, 1)
    # the geometric-mean weights of a consistent matrix violate nothing
    pop, poip = order_violations(ah.pairwise.consistent_matrix([0.5, 0.3, 0.2]),
                                 [0.5, 0.3, 0.2])
    assert (int(pop), int(poip)) == (0, 0)


def test_gci_with_geometric_mean_weights_is_aguaron_gci():
    u = [9, 5, 2, 1, 1, 1 / 2, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 3, 1 / 4, 1 / 3, 1 / 9,
         1 / 2, 1, 1 / 3, 2, 1 / 2, 1 / 3]
    A = ah.pairwise.from_upper_triangle(u)
    c = compare_methods(A, methods=["geometric_mean", "eigenvector"])
    assert c.gci[0] == pytest.approx(float(ah.consistency(A, index="gci").value), rel=1e-12)
    assert c.gci[1] >= c.gci[0]  # the geometric mean minimizes the sum of squared log errors


# --------------------------------------------------------------------------- efficiency


def test_published_inefficient_eigenvector():
    # Bozóki & Fülöp (2018), Example 1: the eigenvector, inefficient.
    w = ah.weights(BF_MATRIX).weights
    np.testing.assert_allclose(w, BF_EIGENVECTOR, atol=5e-7)
    eff, dom = pareto_efficiency(BF_MATRIX, w)
    assert not bool(eff)
    assert dominates(BF_MATRIX, dom, w)
    assert bool(pareto_efficiency(BF_MATRIX, dom)[0])
    assert dom.sum() == pytest.approx(1.0)
    # the geometric mean is efficient (Blanquero et al. 2006, Theorem 7)
    gm = ah.weights(BF_MATRIX, method="geometric_mean").weights
    assert bool(pareto_efficiency(BF_MATRIX, gm)[0])
    frame = compare_methods(BF_MATRIX).to_frame("dominating")
    assert set(frame.method) == {"eigenvector", "column_mean"}
    np.testing.assert_allclose(frame[frame.method == "eigenvector"].dominating_weight, dom)


@settings(max_examples=40)
@given(saaty_matrices(st.integers(3, 6)), st.sampled_from(["eigenvector", "column_mean"]))
def test_efficiency_graph_test_agrees_with_the_lp(A, method):
    # Two independent characterizations: strong connectivity (Blanquero et al. 2006) and a
    # positive optimum of Bozóki & Fülöp's LP (the LP returns w unchanged when it is 0).
    w = ah.weights(A, method=method).weights
    eff, dom = pareto_efficiency(A, w)
    x = _dominating_lp(A, w, 1e-9)
    lp_inefficient = not np.allclose(x, w, rtol=0, atol=1e-12)
    assert bool(eff) == (not lp_inefficient)
    if not eff:
        assert dominates(A, dom, w)
        assert bool(pareto_efficiency(A, dom)[0])
    else:
        assert np.isnan(dom).all()


@settings(max_examples=30)
@given(saaty_matrices(st.integers(3, 7)))
def test_geometric_mean_is_always_efficient(A):
    # Blanquero, Carrizosa & Conde (2006), Theorem 7.
    gm = ah.weights(A, method="geometric_mean").weights
    assert bool(pareto_efficiency(A, gm)[0])


def test_efficiency_by_hand_on_the_published_matrix():
    # Independent of both tests above: in the eigenvector every ratio w_1/w_j lies below
    # a_1j (0.93 < 1, 3.67 < 4, 8.25 < 9), so raising w_1 a little moves all of them, and
    # their reciprocals, toward the judgments and leaves the others unchanged: it dominates.
    w = ah.weights(BF_MATRIX).weights
    assert np.all((w[0] / w[1:]) < BF_MATRIX[0, 1:])
    x = w.copy()
    x[0] *= 1.01
    assert dominates(BF_MATRIX, x, w)
    # no such one-coordinate move improves the geometric mean (a grid of factors)
    gm = ah.weights(BF_MATRIX, method="geometric_mean").weights
    for k, f in itertools.product(range(4), np.exp(np.linspace(-0.1, 0.1, 41))):
        y = gm.copy()
        y[k] *= f
        assert not dominates(BF_MATRIX, y, gm)


# --------------------------------------------------------------------------- rank agreement


@settings(max_examples=40)
@given(st.lists(st.integers(1, 5), min_size=3, max_size=8).flatmap(
    lambda u: st.tuples(st.just(u), st.permutations(u))))
def test_kendall_tau_matches_scipy(uv):
    u, v = (np.array(x, dtype=float) for x in uv)
    ref = kendalltau(u, v, variant="b").statistic
    got = float(kendall_tau(u, v))
    if np.isnan(ref):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("compiled", [False, True])
def test_kendall_tau_batched_is_the_pair_count_formula_bit_for_bit(compiled, monkeypatch):
    # batched rows with ties, a constant row and a NaN, broadcast against one vector: each
    # row is (C - D) / sqrt((C + D + T_u)(C + D + T_v)) from the pairs counted in Python;
    # numpy's sign arrays and the compiled loop (large batches) alike
    import ahpstat.compare._measures as measures

    monkeypatch.setattr(measures, "KENDALL_COMPILED_PAIRS", 0 if compiled else 1 << 60)
    rng = np.random.default_rng(5)
    a = rng.integers(0, 4, size=(6, 9)).astype(float)
    a[1] = 2.0
    a[2, 3] = np.nan
    b = rng.integers(0, 4, size=9).astype(float)
    got = kendall_tau(a, b)
    assert got.shape == (6,)
    for r in range(6):
        if np.isnan(a[r]).any() or np.all(a[r] == a[r, 0]):
            assert np.isnan(got[r])
            continue
        s = na = nb = 0
        for i in range(9):
            for j in range(i + 1, 9):
                x, y = np.sign(a[r, i] - a[r, j]), np.sign(b[i] - b[j])
                s, na, nb = s + x * y, na + (x != 0), nb + (y != 0)
        assert got[r] == s / np.sqrt(na * float(nb))


def test_kendall_tau_compiled_counts_equal_the_sign_arrays():
    """The compiled pair counts (``_stat_kernels.kendall_counts``) against numpy's sign
    arrays on many rows: ties, NaN, infinities, 2 to 60 elements, 3-d batches.
    """
    from ahpstat._stat_kernels import kendall_counts

    rng = np.random.default_rng(9)
    for n in (2, 3, 7, 22, 60):
        a = rng.integers(0, 5, (4, 50, n)) / 4.0
        b = rng.random((4, 50, n))
        b[:, :10] = np.round(b[:, :10], 1)
        a[0, 0, 0], b[1, 1, -1], a[2, 2, 0], a[2, 2, 1] = np.nan, np.nan, np.inf, np.inf
        i, j = np.triu_indices(n, 1)
        with np.errstate(invalid="ignore"):  # inf - inf
            da, db = np.sign(a[..., i] - a[..., j]), np.sign(b[..., i] - b[..., j])
        s, na, nb = kendall_counts(a, b)
        np.testing.assert_array_equal(s, (da * db).sum(axis=-1))
        np.testing.assert_array_equal(na, (da != 0).sum(axis=-1))
        np.testing.assert_array_equal(nb, (db != 0).sum(axis=-1))


@pytest.mark.parametrize(("u", "v"), [([1, 2, 3, 4, 5], [1.0]), (np.ones((3, 5)), np.ones((3, 1))),
                                      ([1, 2, 3], [3, 2]), (1.0, [1.0, 2.0])])
def test_kendall_tau_vectors_of_different_lengths_are_an_error(u, v):
    # a length-1 last axis used to broadcast silently (a constant vector: NaN)
    with pytest.raises(ValueError, match="as many elements each"):
        kendall_tau(u, v)


def test_weighted_spearman_hand_computed_and_bounds():
    # n = 4, denominator n^4 + n^3 - n^2 - n = 300. Swapping ranks 1 and 2:
    # 6 * [1 * (4 + 3) + 1 * (3 + 4)] / 300 = 84 / 300.
    assert float(weighted_spearman([4, 3, 2, 1], [3, 4, 2, 1])) == pytest.approx(1 - 84 / 300)
    # swapping ranks 3 and 4: 6 * [1 * (2 + 1) + 1 * (1 + 2)] / 300 = 36 / 300.
    assert float(weighted_spearman([4, 3, 2, 1], [4, 3, 1, 2])) == pytest.approx(1 - 36 / 300)
    for n in (2, 3, 5, 8):
        u = np.arange(n, 0, -1.0)
        assert float(weighted_spearman(u, u)) == pytest.approx(1.0)
        assert float(weighted_spearman(u, u[::-1])) == pytest.approx(-1.0)


# --------------------------------------------------------------------------- the API


def test_compare_methods_batched_and_tidy():
    rng = np.random.default_rng(0)
    A = np.stack([ah.pairwise.from_upper_triangle(
        rng.choice(ah.SAATY_SCALE, 6)) for _ in range(6)]).reshape(2, 3, 4, 4)
    c = compare_methods(A, methods=["Eigenvector", "geometric_mean"])
    assert c.methods == ("eigenvector", "geometric_mean")
    assert c.weights.shape == (2, 3, 2, 4)
    assert c.euclidean_distance.shape == (2, 3, 2)
    assert c.kendall_tau.shape == (2, 3, 2, 2)
    one = compare_methods(A[1, 2], methods=["eigenvector", "geometric_mean"])
    np.testing.assert_allclose(c.euclidean_distance[1, 2], one.euclidean_distance)
    np.testing.assert_array_equal(c.efficient[1, 2], one.efficient)
    m = c.to_frame("measures")
    assert list(m.columns) == ["matrix", "method", "euclidean_distance", "total_deviation",
                               "minimum_violations", "gci", "pop_violations",
                               "poip_violations", "efficient"]
    assert len(m) == 12
    w = c.to_frame("weights", labels=list("abcd"))
    assert list(w.columns) == ["matrix", "element", "eigenvector", "geometric_mean"]
    assert len(c.to_frame("agreement")) == 6


def test_compare_methods_incomplete():
    A = np.array([[1, 2, np.nan], [0.5, 1, 3], [np.nan, 1 / 3, 1]])
    c = compare_methods(A)
    assert c.methods == ("harker", "llsm")
    assert np.isnan(c.euclidean_distance).all()
    np.testing.assert_allclose(c.gci, 0.0, atol=1e-12)  # a spanning tree: no redundancy
    with pytest.raises(ValueError, match=r"need complete matrices"):
        compare_methods(A, methods=["eigenvector"])


def test_errors():
    with pytest.raises(ValueError, match=r"`methods` must be one of"):
        compare_methods(np.ones((3, 3)), methods=["nope"])
    with pytest.raises(ValueError, match=r"must not repeat"):
        compare_methods(np.ones((3, 3)), methods=["llsm", "LLSM"])
    with pytest.raises(ValueError, match=r"`w` must have 3 weights"):
        euclidean_distance(np.ones((3, 3)), [0.5, 0.5])
    with pytest.raises(ValueError, match=r"`w` must be positive"):
        total_deviation(np.ones((2, 2)), [1.0, 0.0])
    with pytest.raises(ValueError, match=r"`table` must be one of"):
        compare_methods(np.ones((3, 3))).to_frame("nope")


@given(consistent_matrices(st.integers(3, 6)))
@settings(max_examples=20)
def test_consistent_matrices_every_method_efficient(wA):
    _, A = wA
    c = compare_methods(A)
    assert c.efficient.all()
    assert (c.minimum_violations == 0).all()


# --------------------------------------------------------------------------- a study


def test_compare_study_reference_is_the_study_itself():
    from ahpstat.datasets import example_study_result

    res = example_study_result()
    cmp = compare_study(res, methods=["eigenvector", "geometric_mean", "column_mean"])
    ev = cmp.weights[cmp.weights.method == "eigenvector"].set_index("node")
    study_w = res.weights.set_index("node")
    for node in ev.index:
        assert ev.loc[node, "global"] == pytest.approx(study_w.loc[node, "global"], rel=1e-12)
    sc = cmp.scores[(cmp.scores.method == "eigenvector")]
    ref = res.scores.merge(sc, on=["grouping", "group", "node"], suffixes=("", "_c"))
    np.testing.assert_allclose(ref.score_c, ref.score, rtol=1e-12)
    assert (sc.score_change == 0).all()
    # another method's scores: the composite scores of its leaf weights (no missing answers)
    gm = cmp.scores[(cmp.scores.method == "column_mean") & (cmp.scores.grouping == "all")]
    lw = cmp.leaf_weights["column_mean"]
    from ahpstat.scoring import composite_scores

    means = np.nanmean(res.answers, axis=0)
    direct = composite_scores(lw, means, res.membership)
    nodes = list(res.hierarchy.nodes)
    for v, s in zip(gm.node, gm.score, strict=True):
        assert s == pytest.approx(direct[nodes.index(v)], rel=1e-12)
    assert list(cmp.summary.method) == ["eigenvector", "geometric_mean", "column_mean"]
    assert set(cmp.order.columns) >= {"node", "same_order", "kendall_tau"}
    pairs = set(itertools.combinations(cmp.methods, 2))
    assert set(zip(cmp.order.method_a, cmp.order.method_b, strict=True)) == pairs


def test_ranks_match_scipy_rankdata_with_ties_nan_and_batches():
    # independent computation: scipy.stats.rankdata (the package ranks without importing it)
    from scipy.stats import rankdata

    from ahpstat.compare import descending_ranks
    from ahpstat.compare._measures import average_ranks as _ranks

    gen = np.random.default_rng(3)
    for shape in [(1,), (5,), (3, 7), (4, 2, 6), (2, 0)]:
        for k in range(40):
            w = gen.integers(0, 4, shape).astype(float) / 3  # many ties
            if k % 3 == 0 and w.size:
                w.flat[gen.integers(0, w.size, 2)] = np.nan
            if k % 7 == 0:
                w[:] = np.nan
            np.testing.assert_array_equal(_ranks(w), rankdata(-w, method="average", axis=-1))
            for axis in range(-w.ndim, w.ndim):
                ref = rankdata(-w, method="min", axis=axis, nan_policy="omit")
                np.testing.assert_array_equal(descending_ranks(w, axis=axis),
                                              np.where(np.isnan(w), np.nan, ref))


def test_to_frame_kind_and_deprecated_table():
    """`kind` is the argument (as on every result); `table=` is its deprecated alias."""
    from ahpstat import AHPDeprecationWarning

    c = compare_methods([[1, 2, 6], [1 / 2, 1, 2], [1 / 6, 1 / 2, 1]])
    assert c.frame_kinds == ("weights", "measures", "agreement", "dominating")
    for kind in c.frame_kinds:
        expected = c.to_frame(kind)
        pd.testing.assert_frame_equal(c.to_frame(kind=kind.upper()), expected)
        with pytest.warns(AHPDeprecationWarning, match=r"to_frame\(table=...\)"):
            pd.testing.assert_frame_equal(c.to_frame(table=kind), expected)
    pd.testing.assert_frame_equal(c.to_frame(), c.to_frame("weights"))
    with pytest.warns(AHPDeprecationWarning), pytest.raises(ValueError,
                                                            match=r"`table` must be one of"):
        c.to_frame(table="nope")
    with pytest.raises(ValueError, match=r"`kind` or `table` must be one of"):
        c.to_frame(kind="nope")
    with pytest.raises(TypeError, match=r"give `kind` only"):
        c.to_frame("weights", table="weights")
