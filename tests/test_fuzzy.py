"""Tests of ahpstat.fuzzy: the textbook clothing example (published vectors and verdicts),
hand computations, and the identity with the composite scores of ahpstat.scoring."""

from __future__ import annotations

import numpy as np
import pytest

from ahpstat import DegenerateDataWarning, Hierarchy
from ahpstat.fuzzy import (
    FCE_OPERATORS,
    answer_shares,
    fuzzy_composition,
    fuzzy_evaluation,
    fuzzy_score,
    max_membership,
)
from ahpstat.scoring import composite_scores

# The clothing example of the Chinese fuzzy-mathematics textbooks: factors colour, style,
# durability, price; grades 很欢迎, 较欢迎, 不太欢迎, 不欢迎; two kinds of customers. Published
# with M(^, v): B1 = (0.2, 0.3, 0.4, 0.1) -> 不太欢迎, B2 = (0.35, 0.4, 0.2, 0.1) -> 较欢迎.
CLOTH_R = np.array([[0.2, 0.5, 0.2, 0.1], [0.7, 0.2, 0.1, 0], [0, 0.4, 0.5, 0.1],
                    [0.2, 0.3, 0.5, 0]])
CLOTH_A = np.array([[0.1, 0.2, 0.3, 0.4], [0.4, 0.35, 0.15, 0.1]])
GRADES = ("很欢迎", "较欢迎", "不太欢迎", "不欢迎")


def test_clothing_example_published():
    B = fuzzy_composition(CLOTH_A, CLOTH_R, operator="max_min")
    np.testing.assert_allclose(B, [[0.2, 0.3, 0.4, 0.1], [0.35, 0.4, 0.2, 0.1]])
    g, tied = max_membership(B)
    assert [GRADES[k] for k in g] == ["不太欢迎", "较欢迎"] and not tied.any()


def test_operators_by_hand():
    w = np.array([0.4, 0.3, 0.2, 0.1])
    R = np.array([[0.5, 0.3, 0.2, 0.0], [0.2, 0.4, 0.3, 0.1], [0.1, 0.3, 0.5, 0.1],
                  [0.0, 0.2, 0.4, 0.4]])
    # M(., +): b1 = .4*.5 + .3*.2 + .2*.1 + .1*0 = .28, ...
    np.testing.assert_allclose(fuzzy_composition(w, R), [0.28, 0.32, 0.31, 0.09])
    # M(., v): b1 = max(.2, .06, .02, 0) = .2, b2 = max(.12, .12, .06, .02), ...
    np.testing.assert_allclose(fuzzy_composition(w, R, operator="max_product"),
                               [0.2, 0.12, 0.1, 0.04])
    # M(^, +): b1 = .4 + .2 + .1 + 0 = .7 ; b2 = .3 + .3 + .2 + .1 = .9 ; b3 = .2+.3+.2+.1
    np.testing.assert_allclose(fuzzy_composition(w, R, operator="bounded_min_sum"),
                               [0.7, 0.9, 0.8, 0.3])
    # the symbol names the same operator; normalisation divides by the sum
    np.testing.assert_allclose(fuzzy_composition(w, R, operator="M(∧,∨)", normalize=True),
                               np.array([0.4, 0.3, 0.3, 0.1]) / 1.1)
    assert set(FCE_OPERATORS) == {"weighted_average", "max_min", "max_product",
                                  "bounded_min_sum"}


def test_answer_shares_with_frequencies_and_groups():
    X = np.array([[1, 5], [2, 5], [2, np.nan], [5, 4]])
    S = answer_shares(X, (1, 5), frequencies=[[2, 0, 1, 1]])
    np.testing.assert_allclose(S[0, 0], [0.5, 0.25, 0, 0, 0.25])
    np.testing.assert_allclose(S[0, 1], [0, 0, 0, 1 / 3, 2 / 3])
    Sg = answer_shares(X, (1, 5), groups=np.array([0, 0, 1, 1]), n_groups=3)
    assert Sg.shape == (3, 2, 5) and np.isnan(Sg[2]).all()
    np.testing.assert_allclose(Sg[1, 1], [0, 0, 0, 1, 0])


def test_weighted_average_score_equals_composite_score():
    rng = np.random.default_rng(2)
    h = Hierarchy.from_children({"A": ["B1", "B2"], "B1": ["x", "y", "z"],
                                 "B2": ["u", "v"]})
    X = rng.integers(1, 6, size=(50, 5)).astype(float)
    X[rng.random(X.shape) < 0.05] = np.nan
    local = {"A": [0.7, 0.3], "B1": [0.2, 0.5, 0.3], "B2": [0.6, 0.4]}
    lw = np.array([float(x) for _, x, _ in h.walk_weights(local)])
    B = fuzzy_evaluation(answer_shares(X, (1, 5)), lw, h.parent_index())
    score = fuzzy_score(B, np.arange(1, 6))
    means = np.nanmean(X, axis=0)
    np.testing.assert_allclose(score, composite_scores(h.leaf_weights(local), means,
                                                       h.membership()), rtol=1e-12)
    np.testing.assert_allclose(B.sum(axis=-1), 1)


def test_multilevel_max_min_by_hand():
    # A over B1 (items x, y) and B2 (item z); local weights A: (.6, .4), B1: (.5, .5)
    parents = [-1, 0, 1, 1, 0, 4]            # A, B1, x, y, B2, z
    R = np.array([[0.6, 0.4], [0.2, 0.8], [0.3, 0.7]])
    B = fuzzy_evaluation(R, [1, 0.6, 0.5, 0.5, 0.4, 1.0], parents, operator="max_min")
    # B1 = (max(min(.5,.6), min(.5,.2)), max(min(.5,.4), min(.5,.8))) = (.5, .5) -> (.5, .5)
    np.testing.assert_allclose(B[1], [0.5, 0.5])
    # B2 = (min(1, .3), min(1, .7)) = (.3, .7), normalised (.3, .7)
    np.testing.assert_allclose(B[4], [0.3, 0.7])
    # A = (max(min(.6,.5), min(.4,.3)), max(min(.6,.5), min(.4,.7))) = (.5, .5)
    np.testing.assert_allclose(B[0], [0.5, 0.5])
    Bu = fuzzy_evaluation(R, [1, 0.6, 0.5, 0.5, 0.4, 1.0], parents, operator="max_min",
                          normalize=False)
    np.testing.assert_allclose(Bu[4], [0.3, 0.7])


@pytest.mark.parametrize("op", list(FCE_OPERATORS))
def test_multilevel_batched_with_shared_weights_is_the_recursion_node_by_node(op):
    # groups sharing one weight vector per row (weights (rows, 1, N), memberships (rows, G,
    # L, K)), leaves not consecutive in pre-order: each node's vector from its children's by
    # fuzzy_composition, the deepest first, one row and group at a time
    parents = [-1, 0, 1, 1, 0, 4, 4, 5, 0]   # A, B1, x, y, B2, C, z, u, w
    N = len(parents)
    leaf = [v for v in range(N) if v not in parents]
    rng = np.random.default_rng(3)
    R = rng.random((3, 2, len(leaf), 4))
    R[0, 1, 2] = 0.0                          # a leaf with no membership at all
    R[1, 0, 3] = np.nan                       # an item nobody in a group answered
    R[2, 1, 0, 1] = np.nan
    lw = rng.random((3, 1, N))
    got = fuzzy_evaluation(R, lw, parents, operator=op)
    assert got.shape == (3, 2, N, 4)
    for r in range(3):
        for g in range(2):
            vec = {v: R[r, g, k] for k, v in enumerate(leaf)}
            for v in range(N - 1, -1, -1):
                kids = [c for c in range(N) if parents[c] == v]
                if kids:
                    vec[v] = fuzzy_composition(lw[r, 0, kids], np.array([vec[c] for c in kids]),
                                               operator=op, normalize=True)
            for v in range(N):  # bit for bit, NaN where the recursion gives NaN
                np.testing.assert_array_equal(got[r, g, v], vec[v])
    assert np.isnan(got[1, 0, 0]).all()  # the missing item reaches the goal


def test_verdict_ties_and_nan_and_score():
    g, t = max_membership([[0.3, 0.3, 0.4], [0.5, 0.5, 0.0], [np.nan, 1, 0]])
    assert g.tolist() == [2, 0, -1] and t.tolist() == [False, True, False]
    assert float(fuzzy_score([0.2, 0.3, 0.4, 0.1], [4, 3, 2, 1])) == pytest.approx(2.6)
    with pytest.warns(DegenerateDataWarning, match="all zero"):
        assert np.isnan(fuzzy_score([0.0, 0.0], [1, 2]))


def test_bad_input():
    with pytest.raises(ValueError, match=r"integers 1\.\.5"):
        answer_shares([[1, 6]], (1, 5))
    with pytest.raises(ValueError, match=r"integers 1\.\.5"):
        answer_shares([[1, 2.5]], (1, 5))
    with pytest.raises(ValueError, match="`likert` must be"):
        answer_shares([[1, 2]], (5, 1))
    with pytest.raises(ValueError, match="`operator` must be one of"):
        fuzzy_composition([1.0], [[1.0, 0.0]], operator="max")
    with pytest.raises(ValueError, match="same number of factors"):
        fuzzy_composition([0.5, 0.5], [[1.0, 0.0]])
    with pytest.raises(ValueError, match="pre-order"):
        fuzzy_evaluation([[1.0, 0.0]], [1, 1], [1, -1])
    with pytest.raises(ValueError, match="one value per grade"):
        fuzzy_score([0.5, 0.5], [1, 2, 3])
    with pytest.raises(ValueError, match="`groups` must be"):
        answer_shares([[1, 2]], (1, 5), groups=[0.5])


def _preorder_tree(rng, N):
    """Random parents of N nodes, relabelled in pre-order (a parent before its children)."""
    par = [-1] + [int(rng.integers(0, v)) for v in range(1, N)]
    kids = {v: [] for v in range(N)}
    for v in range(1, N):
        kids[par[v]].append(v)
    order, stack = [], [0]
    while stack:
        v = stack.pop()
        order.append(v)
        stack.extend(reversed(kids[v]))
    new = {v: i for i, v in enumerate(order)}
    return np.array([-1] + [new[par[order[i]]] for i in range(1, N)])


@pytest.mark.parametrize("seed", range(6))
def test_compiled_max_compositions_equal_fuzzy_evaluation_bit_for_bit(seed):
    """The evaluation's compiled M(∧,∨) and M(·,∨) (``_stat_kernels.tree_max``) against
    the numpy recursion of :func:`fuzzy_evaluation`: random trees (uneven numbers of
    children), non-negative memberships and weights with zeros, ties (quarters), NaN, an
    infinite weight, broadcast batches, normalised or not, a subset of the nodes.
    """
    from ahpstat._stat_kernels import tree_max

    rng = np.random.default_rng(seed)
    for _ in range(15):
        N = int(rng.integers(2, 30))
        p = _preorder_tree(rng, N)
        L = int((~np.isin(np.arange(N), p)).sum())
        K = int(rng.integers(1, 7))
        R = rng.random((3, 4, L, K)) if seed % 2 else rng.integers(0, 4, (3, 4, L, K)) / 4
        R[rng.random(R.shape) < 0.1] = 0.0
        W = rng.random((3, 1, N))
        W[rng.random(W.shape) < 0.1] = 0.0
        if seed >= 3:
            R[rng.random(R.shape) < 0.03] = np.nan
            W[rng.random(W.shape) < 0.03] = np.nan
            W[0, 0, int(rng.integers(1, N))] = np.inf
        nodes = np.sort(rng.choice(N, int(rng.integers(1, N + 1)), replace=False))
        for op in ("max_min", "max_product"):
            for norm in (True, False):
                with np.errstate(invalid="ignore"):  # inf x 0
                    want = fuzzy_evaluation(R, W, p, operator=op,
                                            normalize=norm)[..., nodes, :]
                got = tree_max(R, W, p, op == "max_product", norm, nodes)
                assert got.shape == want.shape and got.strides == want.strides
                np.testing.assert_array_equal(got, want)
                np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_share_and_level_matrices_are_the_coo_builds_entry_for_entry():
    """``share_matrix`` and ``Shared``'s level indicators, built as transposes of the
    respondents' rows (``_grouping.indicator_by_rows``), against ``csr_matrix`` from the
    (cell, respondent) pairs: the same indices, pointers and values (so every product with
    them sums in the same order). Missing answers, groups, an item with one level.
    """
    from scipy import sparse

    from ahpstat.fuzzy import share_matrix
    from ahpstat.objective._shared import Shared

    rng = np.random.default_rng(4)
    m, n, K, G = 300, 6, 5, 4
    X = rng.integers(1, K + 1, (m, n)).astype(float)
    X[:, 2] = 3.0
    X[rng.random((m, n)) < 0.1] = np.nan
    g = rng.integers(0, G, m)
    r, c = np.nonzero(~np.isnan(X))
    col = (g[r] * n + c) * K + (X[r, c] - 1).astype(np.intp)
    want = sparse.csr_matrix((np.ones(r.size), (col, r)), shape=(G * n * K, m))
    got = share_matrix(X, 1, K, g, G)
    sh = Shared(X)
    level = np.stack([np.searchsorted(sh.levels[j][~np.isnan(sh.levels[j])], X[:, j])
                      for j in range(n)], axis=1)
    want_l = sparse.csr_matrix((np.ones(r.size), (c * sh.q + level[r, c], r)),
                               shape=(n * sh.q, m))
    for a, b in ((got, want), (sh.onehot_t, want_l)):
        assert a.shape == b.shape
        for attr in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))


def test_shares_of_counts_as_the_plain_formula_in_the_counts_layout():
    # written in place: the same bits, NaN where a row has no answer, laid out as the counts
    # (the evaluation's counts come with the resamples varying fastest)
    from ahpstat.fuzzy import shares_of_counts

    rng = np.random.default_rng(2)
    C = rng.integers(0, 3, (6, 4, 3, 5)).astype(float)
    C[1, 2, 0] = 0.0
    C[3, 0, 2] = np.nan
    flat = np.ascontiguousarray(C.reshape(6, -1).T)
    for counts in (C, flat.T.reshape(C.shape), np.asfortranarray(C), C[:, ::2]):
        tot = counts.sum(axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            ref = np.where(tot > 0, counts / np.where(tot > 0, tot, 1.0), np.nan)
        got = shares_of_counts(counts)
        assert got.strides == ref.strides and got.tobytes() == ref.tobytes()
    assert np.isnan(shares_of_counts(C)[1, 2, 0]).all()


def test_answer_counts_are_the_share_matrix_products():
    """``answer_counts`` (one bincount) against the share matrix's row sums and its product
    with a units' indicator (the sparse products it replaces): the same floats.
    """
    from ahpstat._grouping import group_indicator
    from ahpstat.fuzzy import answer_counts, share_matrix

    rng = np.random.default_rng(7)
    m, n, K, G, k = 400, 5, 4, 3, 6
    X = rng.integers(2, K + 2, (m, n)).astype(float)
    X[rng.random((m, n)) < 0.15] = np.nan
    X[:, 1] = np.nan  # an item nobody answered
    g = rng.integers(0, G, m)
    u = rng.integers(0, k, m)
    ST = share_matrix(X, 2, K, g, G)
    np.testing.assert_array_equal(answer_counts(X, 2, K, g, G),
                                  np.asarray(ST.sum(axis=1)).ravel())
    np.testing.assert_array_equal(answer_counts(X, 2, K, g, G, units=u, n_units=k),
                                  (ST @ group_indicator(u, k).T).toarray())
    with pytest.raises(ValueError, match="at row 3, column 0"):
        X[3, 0] = 1.5
        answer_counts(X, 2, K, g, G)


@pytest.mark.parametrize("case", ["ones", "one_cluster_fraction", "clusters_integer",
                                  "clusters_fraction", "batched_ones", "negative_zero",
                                  "clusters_negative_zero"])
def test_answer_shares_of_clustered_frequencies_as_the_sparse_products(case):
    """Frequencies equal within clusters: the clusters' counts times their frequencies
    (one product for one cluster, integer sums otherwise) give the bits and the layout of
    the sparse products they replace (share matrix, clusters' indicator, frequencies).
    """
    from ahpstat._grouping import equal_columns, group_indicator
    from ahpstat.fuzzy import share_matrix, shares_of_counts

    rng = np.random.default_rng(11)
    m, n, K, G = 240, 4, 5, 3
    X = rng.integers(1, K + 1, (m, n)).astype(float)
    X[rng.random((m, n)) < 0.1] = np.nan
    g = rng.integers(0, G, m)
    cl = np.repeat(np.arange(12), m // 12)
    f = {"ones": np.ones(m),
         "one_cluster_fraction": np.full((2, m), 0.37),
         "clusters_integer": rng.integers(0, 4, (3, 12)).astype(float)[:, cl],
         "clusters_fraction": (rng.random((3, 12)) * 3)[:, cl],
         "batched_ones": np.ones((2, 3, m)),
         "negative_zero": np.full(m, -0.0),
         "clusters_negative_zero": np.where(cl % 2, 2.0, -0.0)[None, :]}[case]
    flat = f.reshape(-1, m)
    code, first = equal_columns(flat)
    for groups, GG in ((None, 1), (g, G)):
        ST = share_matrix(X, 1, K, np.zeros(m, np.intp) if groups is None else g, GG)
        ST2 = ST @ group_indicator(code, first.size).T
        counts = np.asarray((ST2 @ flat[:, first].T).T).reshape(*f.shape[:-1], GG, n, K)
        want = shares_of_counts(counts if groups is not None else counts[..., 0, :, :])
        got = answer_shares(X, (1, K), frequencies=f, groups=groups)
        assert got.shape == want.shape and got.strides == want.strides
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_many_clusters_take_the_sparse_product_with_the_same_floats(monkeypatch):
    """Above DENSE_COUNTS_MAX entries the clusters' dense counts are not made (their
    memory grows with the clusters: 3 GB at 100,000 respondents in clusters of 4): the
    sparse product, the same bits and layout."""
    import ahpstat.fuzzy as fz

    rng = np.random.default_rng(2)
    m, n, K, G = 400, 3, 5, 4
    X = rng.integers(1, K + 1, (m, n)).astype(float)
    X[rng.random((m, n)) < 0.1] = np.nan
    g = rng.integers(0, G, m)
    f = rng.integers(0, 1000, (2, 100)).astype(float)[:, np.repeat(np.arange(100), 4)]
    dense = answer_shares(X, (1, K), frequencies=f, groups=g)
    monkeypatch.setattr(fz, "DENSE_COUNTS_MAX", 0)  # 4 m n = 4,800 < G n K k = 6,000

    def no_dense(*a, **k):
        raise AssertionError("the dense counts were made")

    monkeypatch.setattr(fz, "answer_counts", no_dense)
    sparse_path = answer_shares(X, (1, K), frequencies=f, groups=g)
    assert sparse_path.strides == dense.strides
    assert sparse_path.tobytes() == dense.tobytes()


def test_exact_integer_sums_guards():
    """When a dense product's integer sums equal a sparse one's in any order: integers
    (no -0.0) whose sums with ``m`` unit counts stay below 2**53."""
    from ahpstat._grouping import exact_integer_sums

    assert exact_integer_sums(np.array([[3.0, 0.0]]), 1000)
    assert not exact_integer_sums(np.array([[2.0**52 + 1]]), 2)  # 2**53 and above: rounded
    assert exact_integer_sums(np.array([[2.0**52 + 1]]), 1)
    assert not exact_integer_sums(np.array([[1.0, -0.0]]), 3)
    assert not exact_integer_sums(np.array([[1.5]]), 3)


def test_answer_shares_bad_groups_and_empty_answers_are_clear_errors():
    X = np.array([[1.0, 2.0], [3.0, 1.0]])
    with pytest.raises(ValueError, match=r"holds the code 3, but `n_groups` is 2"):
        answer_shares(X, (1, 5), groups=[0, 3], n_groups=2)
    with pytest.raises(ValueError, match="at least one respondent and one item"):
        answer_shares(np.empty((0, 2)), (1, 5))


def test_respondent_counts_are_the_share_matrix_product_with_their_indicator():
    # some respondents, each in one row (rows in any order, some rows empty): the sparse
    # product of the share matrix with the (rows, respondents) indicator, as floats
    from scipy import sparse

    from ahpstat.fuzzy import respondent_counts, share_matrix

    rng = np.random.default_rng(3)
    m, n, K, G, rows = 200, 4, 3, 5, 6
    X = rng.integers(1, K + 1, (m, n)).astype(float)
    X[rng.random((m, n)) < 0.2] = np.nan
    X[7] = np.nan  # a respondent with no answer
    g = rng.integers(0, G, m)
    who = np.sort(rng.choice(m, 60, replace=False))
    who[0] = 7
    who.sort()
    row = rng.integers(0, rows - 1, who.size)  # the last row stays empty
    ind = sparse.csr_matrix((np.ones(who.size), (row, who)), shape=(rows, m))
    want = np.asarray((share_matrix(X, 1, K, g, G) @ ind.T).T.toarray())
    np.testing.assert_array_equal(respondent_counts(X, 1, K, g, G, who, row, rows), want)


def test_frozen_answers_give_what_a_writeable_copy_gives():
    # an array ahpstat froze (ahpstat._memo.freeze) is computed from its own buffer (no
    # content key: ahpstat._memo's ``direct``), a writeable copy through the content cache:
    # the same
    from ahpstat._memo import freeze
    from ahpstat.fuzzy import _answer_cells, _checked_share_matrix
    from ahpstat.objective._shared import shared_summary

    rng = np.random.default_rng(8)
    X = rng.integers(1, 6, (500, 6)).astype(float)
    X[rng.random(X.shape) < 0.1] = np.nan
    W = X.copy()
    X = freeze(X)
    for a, b in zip(_answer_cells(X, 1, 5), _answer_cells(W, 1, 5), strict=True):
        np.testing.assert_array_equal(a, b)
    g = rng.integers(0, 3, 500)
    assert (_checked_share_matrix(X, 1, 5, g, 3) != _checked_share_matrix(W, 1, 5, g, 3)).nnz == 0
    s, t = shared_summary(X), shared_summary(W)
    for k in ("X0", "X0sq", "Qf", "levels"):
        np.testing.assert_array_equal(getattr(s, k), getattr(t, k))
    with pytest.raises(ValueError, match="row 4, column 2"):
        Y = X.copy()
        Y[4, 2] = 9.0
        _answer_cells(freeze(Y), 1, 5)
