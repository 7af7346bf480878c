"""Tests of ahpstat.scoring: composite scores, sufficient statistics, Cronbach's alpha."""

from __future__ import annotations

import numpy as np
import pytest

from ahpstat._warnings import DegenerateDataWarning
from ahpstat.scoring import composite_scores, cronbach_alpha, item_sums_counts, means_from_sums

# goal -> B1 (items a, b), B2 (item c)
M = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])


def test_composite_scores_by_hand():
    g = np.array([0.3, 0.3, 0.4])
    m = np.array([4.0, 3.0, 5.0])
    s = composite_scores(g, m, M)
    # goal: sum g_l m_l (weights sum 1); B1: weight-averaged over its own leaves
    assert s[0] == pytest.approx(0.3 * 4 + 0.3 * 3 + 0.4 * 5)
    assert s[1] == pytest.approx((0.3 * 4 + 0.3 * 3) / 0.6)
    np.testing.assert_allclose(s[3:], m)


def test_composite_scores_groups_and_batches():
    rng = np.random.default_rng(0)
    g = rng.dirichlet(np.ones(3), size=4)  # 4 weight draws
    m = rng.uniform(1, 5, (6, 3))  # 6 groups
    s = composite_scores(g[:, None, :], m, M)
    assert s.shape == (4, 6, 6)
    for b in range(4):
        for k in range(6):
            np.testing.assert_allclose(s[b, k], composite_scores(g[b], m[k], M))


def test_a_node_score_is_between_its_items():
    rng = np.random.default_rng(1)
    g = rng.dirichlet(np.ones(3))
    m = rng.uniform(1, 5, 3)
    s = composite_scores(g, m, M)
    assert m.min() <= s[0] <= m.max()
    assert min(m[:2]) <= s[1] <= max(m[:2])


def test_sums_counts_available_case():
    X = np.array([[1, np.nan, 5], [3, 4, np.nan], [5, 2, 1]])
    s, c = item_sums_counts(X, groups=[0, 1, 1])
    np.testing.assert_array_equal(c, [[1, 0, 1], [2, 2, 1]])
    mu = means_from_sums(s, c)
    np.testing.assert_array_equal(mu[0], [1, np.nan, 5])
    np.testing.assert_array_equal(mu[1], [4, 3, 1])
    s1, c1 = item_sums_counts(X)
    np.testing.assert_allclose(means_from_sums(s1, c1)[0], np.nanmean(X, axis=0))


def test_cronbach_alpha_formula():
    rng = np.random.default_rng(2)
    X = rng.integers(1, 6, (50, 4)).astype(float) + rng.normal(0, 1, (50, 1)).round()
    k = X.shape[1]
    want = k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    assert cronbach_alpha(X) == pytest.approx(want)
    # identical items: alpha = 1
    col = rng.integers(1, 6, (30, 1)).astype(float)
    assert cronbach_alpha(np.repeat(col, 3, axis=1)) == pytest.approx(1.0)


def test_cronbach_alpha_listwise_and_degenerate():
    X = np.array([[1, 2], [2, 3], [3, 3], [4, 5], [np.nan, 1]])
    assert cronbach_alpha(X) == pytest.approx(cronbach_alpha(X[:4]))
    with pytest.warns(DegenerateDataWarning, match="at least 2 items"):
        assert np.isnan(cronbach_alpha(X[:, :1]))
    with pytest.warns(DegenerateDataWarning, match="no variance"):
        assert np.isnan(cronbach_alpha(np.ones((4, 3))))
