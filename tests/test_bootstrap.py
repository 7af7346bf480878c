"""Tests of ahpstat.bootstrap: intervals against scipy, resampling, invariants, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import ahpstat.bootstrap as bs
from _bootstrap_panel import aij_geometric_sampler, random_panel, seed_like_tree
from ahpstat import InputError
from ahpstat._bootstrap_kernels import quantiles_linear
from ahpstat._warnings import DegenerateDataWarning
from ahpstat.bootstrap import (
    FewClustersWarning,
    bootstrap_interval,
    jackknife_acceleration,
    joint_bootstrap,
    pairwise_probabilities,
    rank_probabilities,
    resample_counts,
)
from ahpstat.scoring import composite_scores

# a small hierarchy: goal -> B1 (items 0, 1), B2 (item 2 via a one-child C node)
M_SMALL = np.array([
    [1, 1, 1],  # 0 goal
    [1, 1, 0],  # 1 B1
    [0, 0, 1],  # 2 B2
    [1, 0, 0],  # 3 item a
    [0, 1, 0],  # 4 item b
    [0, 0, 1],  # 5 C (only child of B2)
    [0, 0, 1],  # 6 item c
])
PARENTS_SMALL = [-1, 0, 0, 1, 1, 2, 5]
NODES_SMALL = ["A", "B1", "B2", "a", "b", "C", "c"]


@pytest.fixture(scope="module")
def seed_like():
    rng = np.random.default_rng(11)
    par, leaves, M = seed_like_tree()
    stacks, _ = random_panel(par, 9, rng)
    sampler = aij_geometric_sampler(stacks, par, leaves)
    R, G = 120, 6
    groups = rng.integers(0, G, R)
    X = np.clip(np.round(3.5 + rng.normal(0, 1, (R, leaves.size)) + 0.3 * rng.normal(
        size=G)[groups][:, None]), 1, 5)
    return dict(par=par, leaves=leaves, M=M, sampler=sampler, X=X, groups=groups, K=9)


# ------------------------------------------------------------------ intervals vs scipy


@pytest.mark.parametrize("method", ["percentile", "basic", "BCa"])
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_single_mean_matches_scipy(method, level):
    # scipy.stats.bootstrap draws rng.integers(0, n, (B, n)); the same resamples give the
    # same distribution, and our interval functions must give scipy's interval exactly.
    x = np.random.default_rng(3).exponential(size=25)
    ref = stats.bootstrap((x,), np.mean, n_resamples=999, method=method,
                          confidence_level=level, rng=np.random.default_rng(5))
    idx = np.random.default_rng(5).integers(0, x.size, (999, x.size))
    dist = x[idx].mean(axis=-1)
    np.testing.assert_array_equal(dist, ref.bootstrap_distribution)
    loo = (x.sum() - x) / (x.size - 1)
    ci = bootstrap_interval(dist, x.mean(), confidence_level=level, method=method.lower(),
                            acceleration=jackknife_acceleration(loo))
    np.testing.assert_allclose(ci, ref.confidence_interval, rtol=0, atol=1e-14)


def test_two_sample_bca_matches_scipy():
    # multi-sample jackknife acceleration (experts + respondents is this case)
    rng = np.random.default_rng(8)
    x, y = rng.gamma(2, size=15), rng.normal(size=22)
    ref = stats.bootstrap((x, y), lambda a, b, axis=-1: a.mean(axis) - b.mean(axis),
                          n_resamples=500, method="BCa", rng=np.random.default_rng(2))
    g = np.random.default_rng(2)
    ix, iy = g.integers(0, x.size, (500, x.size)), g.integers(0, y.size, (500, y.size))
    dist = x[ix].mean(-1) - y[iy].mean(-1)
    np.testing.assert_allclose(dist, ref.bootstrap_distribution, rtol=0, atol=1e-14)
    lx = (x.sum() - x) / (x.size - 1) - y.mean()
    ly = x.mean() - (y.sum() - y) / (y.size - 1)
    ci = bootstrap_interval(dist, x.mean() - y.mean(), method="bca",
                            acceleration=jackknife_acceleration(lx, ly))
    np.testing.assert_allclose(ci, ref.confidence_interval, rtol=0, atol=1e-14)


def test_bca_ties_match_scipy_and_survive_rounding():
    # The case that made BCa fragile: a statistic of discrete data (the mean of 7 Likert
    # answers, as a small community's item score) for which many resamples reproduce the
    # estimate exactly. scipy.stats.bootstrap counts those ties half below
    # (_percentile_of_score); so do we, and "equal" must allow for rounding: the same
    # replicates a few units in the last place off (another summation order) may not move
    # the interval. Independent reference: scipy's BCa on the same resamples.
    x = np.array([3.0, 4, 4, 3, 5, 2, 4])
    stat = lambda a, axis=-1: a.sum(axis=axis) / 7.0  # noqa: E731 - exact for these sums
    ref = stats.bootstrap((x,), stat, n_resamples=2000, method="BCa",
                          rng=np.random.default_rng(11))
    dist = ref.bootstrap_distribution
    theta = stat(x)
    ties = dist == theta
    assert 0.1 < ties.mean() < 0.3  # a real case of ties (about a sixth of the resamples)
    a = jackknife_acceleration((x.sum() - x) / 7.0)
    ci = bootstrap_interval(dist, theta, method="bca", acceleration=a)
    np.testing.assert_allclose(ci, ref.confidence_interval, rtol=0, atol=1e-14)
    # the tied replicates one to four ulps below or above the estimate: the same interval
    # (counting them all below or all above moves z0 by about +-0.2 and the lower end by a
    # whole step of the distribution, 1/7)
    rng = np.random.default_rng(0)
    for sign in (-1.0, 1.0):
        off = dist.copy()
        k = rng.integers(1, 5, ties.sum())
        off[ties] = theta + sign * k * np.spacing(theta)
        got = bootstrap_interval(off, theta, method="bca", acceleration=a)
        np.testing.assert_allclose(got, ci, rtol=0, atol=1e-12)
    # the same with the estimate off by an ulp instead of the replicates
    got = bootstrap_interval(dist, theta + np.spacing(theta), method="bca", acceleration=a)
    np.testing.assert_allclose(got, ci, rtol=0, atol=1e-12)


def test_batched_statistics_intervals():
    # many statistics at once: each row as on its own
    rng = np.random.default_rng(0)
    D = rng.normal(size=(3, 4, 200))
    est = D.mean(-1) + 0.01
    a = rng.normal(0, 0.05, (3, 4))
    lo, hi = bootstrap_interval(D, est, method="bca", acceleration=a)
    l1, h1 = bootstrap_interval(D[1, 2], est[1, 2], method="bca", acceleration=a[1, 2])
    assert lo.shape == (3, 4)
    assert (lo[1, 2], hi[1, 2]) == (l1, h1)


@pytest.mark.parametrize("B", [1, 2, 3, 7, 100, 1001, 4000])
def test_quantile_kernel_matches_numpy(B):
    rng = np.random.default_rng(B)
    X = rng.normal(size=(40, B))
    X[0] = 1.0
    X[1, : B // 2] = 2.0
    X[2] = np.round(X[2])
    X[3] = np.sort(X[3])
    P = np.sort(rng.random((40, 2)), axis=1)
    P[4] = [0.0, 1.0]
    P[5] = [0.5, 0.5]
    ref = np.array([np.quantile(X[i], P[i]) for i in range(40)])
    np.testing.assert_allclose(quantiles_linear(X, P), ref, rtol=0, atol=1e-12)
    X[6, 0] = np.nan
    assert np.isnan(quantiles_linear(X, P)[6]).all()



def test_quantile_kernel_read_only_probabilities_use_the_same_compilation():
    # BCa's probabilities and a percentile interval's broadcast are read-only or writeable:
    # one compiled specialization for both (a second costs seconds on a first call).
    from ahpstat._bootstrap_kernels import _quantiles_linear

    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 300))
    P = np.tile([0.025, 0.975], (5, 1))
    q = quantiles_linear(X, P)
    compiled = set(_quantiles_linear.signatures)
    q_r = quantiles_linear(X, np.broadcast_to(np.array([0.025, 0.975]), (5, 2)))
    assert set(_quantiles_linear.signatures) == compiled
    np.testing.assert_array_equal(q, q_r)
    np.testing.assert_allclose(q, np.quantile(X, [0.025, 0.975], axis=1).T, rtol=0, atol=1e-12)

def test_constant_distribution_gives_zero_width():
    for method in ("percentile", "basic", "bca"):
        lo, hi = bootstrap_interval(np.full(50, 3.0), 3.0, method=method, acceleration=0.0)
        assert lo == hi == 3.0


def test_interval_errors():
    with pytest.raises(ValueError, match="`method` must be one of"):
        bootstrap_interval([1.0, 2.0], 1.5, method="studentized")
    with pytest.raises(ValueError, match=r"`confidence_level` must be in \(0, 1\)"):
        bootstrap_interval([1.0, 2.0], 1.5, confidence_level=95)
    with pytest.raises(ValueError, match="`acceleration` is required"):
        bootstrap_interval([1.0, 2.0], 1.5, method="bca")


# ------------------------------------------------------------------ resampling


def test_resample_counts_iid_strata_clusters():
    c = resample_counts(7, 300, rng=4)
    assert c.shape == (300, 7) and (c.sum(1) == 7).all()
    strata = np.array([0, 0, 0, 1, 1, 2, 2])
    c = resample_counts(7, 300, strata=strata, rng=4)
    for s in range(3):
        assert (c[:, strata == s].sum(1) == (strata == s).sum()).all()
    clusters = np.array(["x", "x", "x", "y", "y", "z", "z"])
    c = resample_counts(7, 2000, clusters=clusters, rng=4)
    sizes = {"x": 3, "y": 2, "z": 2}
    for name, size in sizes.items():
        tot = c[:, clusters == name].sum(1)
        assert (tot % size == 0).all()  # whole clusters drawn
    n_drawn = sum(c[:, clusters == k].sum(1) // s for k, s in sizes.items())
    assert (n_drawn == 3).all()  # as many clusters as there are
    # each respondent appears once on average
    np.testing.assert_allclose(c.mean(0), 1.0, atol=0.1)


def test_resample_counts_reproducible_and_block_independent():
    a = resample_counts(30, 700, rng=9)
    np.testing.assert_array_equal(a, resample_counts(30, 700, rng=9))
    np.testing.assert_array_equal(a[:512], resample_counts(30, 512, rng=9))
    assert not np.array_equal(a, resample_counts(30, 700, rng=10))


def test_resample_counts_errors():
    with pytest.raises(ValueError, match="`strata` and `clusters` are exclusive"):
        resample_counts(4, 5, strata=[0, 0, 1, 1], clusters=[0, 0, 1, 1])
    with pytest.raises(ValueError, match="`clusters` must have one entry per respondent"):
        resample_counts(4, 5, clusters=[0, 1])
    with pytest.raises(ValueError, match="`n_resamples` must be an integer >= 1"):
        resample_counts(4, 0)


# ------------------------------------------------------------------ ranks


def test_rank_and_pairwise_probabilities():
    rng = np.random.default_rng(1)
    D = rng.normal(size=(5, 400)) + np.arange(5)[:, None]
    P = rank_probabilities(D)
    np.testing.assert_allclose(P.sum(0), 1)
    np.testing.assert_allclose(P.sum(1), 1)
    assert P[4, 0] > 0.5  # the largest mean ranks first most often
    Q = pairwise_probabilities(D)
    np.testing.assert_allclose(Q + Q.T + np.eye(5), 1)
    with pytest.raises(ValueError, match="`draws` must be"):
        rank_probabilities(np.ones(3))


def test_rank_probabilities_share_ties_against_rankdata():
    # independent computation: per resample, scipy's min and max descending ranks of each
    # competitor bound the ranks its tie group occupies; each member gets an equal share
    rng = np.random.default_rng(5)
    D = rng.integers(0, 4, size=(6, 300)) / 3.0  # many ties, NaN in a few resamples
    D[2, :7] = np.nan
    D[4, 3:9] = np.nan
    expected = np.zeros((6, 6))
    for b in range(D.shape[1]):
        col = np.where(np.isnan(D[:, b]), -np.inf, D[:, b])
        lo = stats.rankdata(-col, method="min") - 1
        hi = stats.rankdata(-col, method="max")
        for i in range(6):
            expected[i, lo[i]:hi[i]] += 1.0 / (hi[i] - lo[i])
    expected /= D.shape[1]
    P = rank_probabilities(D)
    np.testing.assert_allclose(P, expected, atol=1e-15)
    np.testing.assert_allclose(P.sum(axis=0), 1.0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)


def test_rank_probabilities_add_shares_in_np_add_at_order():
    # the difference array summed by one bincount: bit for bit what np.add.at gives (every
    # +share in C order, then every -share, into each cell in turn), ties of 3 (1/3 is not
    # exact, so another order of additions would show in the last bits) and NaN
    rng = np.random.default_rng(8)
    D = rng.integers(0, 3, size=(9, 500)) / 2.0
    D[1, :40] = np.nan
    D[5, 20:60] = np.nan
    k, B = D.shape
    order = np.argsort(np.where(np.isnan(D), np.inf, -D), axis=0, kind="stable")
    S = np.take_along_axis(D, order, axis=0)
    start, stop = np.empty((k, B), dtype=np.intp), np.empty((k, B), dtype=np.intp)
    for b in range(B):  # runs of equal values (NaN equal to NaN), by a plain loop
        p = 0
        while p < k:
            q = p + 1
            while q < k and (S[q, b] == S[p, b] or (np.isnan(S[q, b]) and np.isnan(S[p, b]))):
                q += 1
            start[p:q, b], stop[p:q, b] = p, q
            p = q
    share = 1.0 / (stop - start)
    acc = np.zeros((k, k + 1))
    np.add.at(acc, (order, start), share)
    np.add.at(acc, (order, stop), -share)
    expected = np.cumsum(acc, axis=1)[:, :k] / B
    assert rank_probabilities(D).tobytes() == expected.tobytes()


def test_rank_tables_do_not_depend_on_last_bits():
    # ties up to rounding (as two computation paths give) must not reorder competitors;
    # the old tie-break in index order flips with the perturbation below
    rng = np.random.default_rng(6)
    D = rng.integers(1, 5, size=(5, 400)) / 7.0
    E = D * (1 + rng.choice([-1, 1], size=D.shape) * 2.0**-52)
    # (one resample reordered moves a probability by 1/400; summation order only last bits)
    np.testing.assert_allclose(rank_probabilities(E), rank_probabilities(D), atol=1e-12)
    np.testing.assert_array_equal(pairwise_probabilities(E), pairwise_probabilities(D))
    # a strict order is kept: no tie tolerance beyond rounding
    F = np.array([[1.0, 2.0], [1.0 + 1e-9, 2.0 + 1e-9]])
    np.testing.assert_array_equal(rank_probabilities(F), [[0.0, 1.0], [1.0, 0.0]])


# ------------------------------------------------------------------ joint bootstrap


@pytest.mark.filterwarnings("ignore::ahpstat.bootstrap.FewClustersWarning")
def test_joint_scores_consistent_with_draws(seed_like):
    d = seed_like
    res = joint_bootstrap(d["X"], d["M"], leaf_weight_sampler=d["sampler"], n_experts=d["K"],
                          groups=d["groups"], clusters=d["groups"], n_resamples=300, rng=3,
                          parents=d["par"], method="percentile")
    leaf_rows = np.asarray(d["leaves"])
    W = res.weight_draws[leaf_rows].T  # leaf global weights per resample
    m = res.score_draws[leaf_rows].T  # leaf scores are the item means
    np.testing.assert_allclose(res.score_draws.T, composite_scores(W, m, d["M"]), atol=1e-12)
    gm = res.group_score_draws[:, leaf_rows, :].transpose(2, 0, 1)
    np.testing.assert_allclose(res.group_score_draws.transpose(2, 0, 1),
                               composite_scores(W, gm, d["M"]), atol=1e-12)
    np.testing.assert_allclose(res.weight_draws[0], 1.0)
    np.testing.assert_allclose(res.scores, composite_scores(
        res.global_weights[leaf_rows], np.nanmean(d["X"], axis=0), d["M"]))


@pytest.mark.filterwarnings("ignore::ahpstat.bootstrap.FewClustersWarning")
def test_joint_reproducible_and_batch_independent(seed_like, monkeypatch):
    d = seed_like
    kw = dict(leaf_weight_sampler=d["sampler"], n_experts=d["K"], groups=d["groups"],
              clusters=d["groups"], rng=np.random.default_rng(5), parents=d["par"])
    a = joint_bootstrap(d["X"], d["M"], n_resamples=600, **kw)
    kw["rng"] = np.random.default_rng(5)
    b = joint_bootstrap(d["X"], d["M"], n_resamples=512, **kw)
    np.testing.assert_array_equal(a.score_draws[:, :512], b.score_draws)
    np.testing.assert_array_equal(a.group_score_draws[..., :512], b.group_score_draws)
    # the same resamples when the respondents are processed in smaller chunks (as for a
    # very large survey)
    monkeypatch.setattr(bs._resampling, "CELLS", 1000)
    kw["rng"] = np.random.default_rng(5)
    c = joint_bootstrap(d["X"], d["M"], n_resamples=600, **kw)
    np.testing.assert_array_equal(a.score_draws, c.score_draws)
    np.testing.assert_array_equal(a.group_score_draws, c.group_score_draws)
    np.testing.assert_allclose(a.acceleration["scores"], c.acceleration["scores"])


def test_constant_survey_zero_width_item_intervals():
    X = np.full((30, 3), 4.0)
    for method in ("percentile", "basic", "bca"):
        res = joint_bootstrap(X, M_SMALL, leaf_weights=[0.2, 0.3, 0.5], groups=np.arange(30) % 3,
                              resample="respondents", n_resamples=200, rng=0, method=method,
                              parents=PARENTS_SMALL)
        t = res.to_frame("scores")
        assert (t.ci_low == 4.0).all() and (t.ci_high == 4.0).all() and (t.se == 0).all()


def test_one_expert_no_panel_variance():
    stacks = {0: np.array([[[1, 2], [0.5, 1]]]), 1: np.array([[[1, 3], [1 / 3, 1]]])}
    M = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]])
    parents = [-1, 0, 0, 1, 1]
    sampler = aij_geometric_sampler(stacks, parents, [3, 4, 2])
    X = np.random.default_rng(0).integers(1, 6, (40, 3)).astype(float)
    with pytest.warns(DegenerateDataWarning, match="one expert"):
        res = joint_bootstrap(X, M, leaf_weight_sampler=sampler, n_experts=1, n_resamples=300,
                              rng=1, parents=parents, groups=np.arange(40) % 2)
    v = res.variance_split()
    assert (v.var_panel == 0).all()
    assert (v.share_panel.fillna(0) == 0).all()
    np.testing.assert_allclose(res.weight_draws, res.global_weights[:, None] + 0 * res.weight_draws)


def test_variance_split_sources(seed_like):
    d = seed_like
    kw = dict(leaf_weight_sampler=d["sampler"], n_experts=d["K"], groups=d["groups"],
              n_resamples=400, rng=2, parents=d["par"])
    only_r = joint_bootstrap(d["X"], d["M"], resample="respondents", **kw).variance_split()
    assert (only_r.var_panel == 0).all()
    both = joint_bootstrap(d["X"], d["M"], **kw)
    v = both.variance_split()
    goal = v[(v.node == "0") & v.group.isna()].iloc[0]
    assert goal.var_panel > 0 and goal.var_sample > 0
    assert 0 < goal.share_panel < 1
    # independent sources, nearly additive score: joint variance ~ sum of the parts
    assert goal.var_joint == pytest.approx(goal.var_panel + goal.var_sample, rel=0.3)
    # leaves (item means) have no panel variance, overall and per group
    leaf = v.node.isin([str(i) for i in d["leaves"]])
    assert (v.var_panel[leaf] == 0).all()
    np.testing.assert_allclose(v.var_sample[leaf], v.var_joint[leaf])


def test_bca_acceleration_streaming_matches_raw_jackknife():
    rng = np.random.default_rng(4)
    X = rng.gamma(2.0, size=(25, 3))
    X[3, 1] = np.nan
    w = np.array([0.2, 0.3, 0.5])
    res = joint_bootstrap(X, M_SMALL, leaf_weights=w, resample="respondents", n_resamples=50,
                          rng=0, groups=np.arange(25) % 2)
    loo = np.array([composite_scores(w, np.nanmean(np.delete(X, i, 0), 0), M_SMALL)
                    for i in range(25)])
    np.testing.assert_allclose(res.acceleration["scores"], jackknife_acceleration(loo.T),
                               rtol=1e-6)
    g = np.arange(25) % 2
    for k in range(2):
        Xg = X[g == k]
        loo = np.array([composite_scores(w, np.nanmean(np.delete(Xg, i, 0), 0), M_SMALL)
                        for i in range(Xg.shape[0])])
        np.testing.assert_allclose(res.acceleration["group_scores"][k],
                                   jackknife_acceleration(loo.T), rtol=1e-6)


def test_iid_standard_error_of_item_mean():
    rng = np.random.default_rng(0)
    X = rng.normal(3, 1, (200, 3))
    res = joint_bootstrap(X, M_SMALL, leaf_weights=[1, 1, 1], resample="respondents",
                          n_resamples=4000, rng=1)
    se = res.standard_error("scores")[3]
    assert se == pytest.approx(X[:, 0].std() / np.sqrt(200), rel=0.05)


def test_cluster_resampling_widens_with_cluster_effect():
    rng = np.random.default_rng(0)
    G = 30
    cl = np.repeat(np.arange(G), 10)
    X = rng.normal(3, 1, (300, 3)) + rng.normal(0, 1, G)[cl][:, None]
    kw = dict(leaf_weights=[1, 1, 1], resample="respondents", n_resamples=2000, rng=1)
    iid = joint_bootstrap(X, M_SMALL, **kw).standard_error("scores")[0]
    clu = joint_bootstrap(X, M_SMALL, clusters=cl, **kw).standard_error("scores")[0]
    assert clu > 2 * iid
    # two-stage SE of a mean of cluster means: close to sd(cluster means) / sqrt(G)
    cm = X.mean(1).reshape(G, 10).mean(1)
    assert clu == pytest.approx(cm.std() / np.sqrt(G), rel=0.15)


def test_result_tables_and_reinterval():
    X = np.random.default_rng(0).integers(1, 6, (60, 3)).astype(float)
    stacks = {0: np.exp(np.random.default_rng(1).normal(0, .3, (5, 2, 2)) * [[0, 1], [-1, 0]]),
              1: np.exp(np.random.default_rng(2).normal(0, .3, (5, 2, 2)) * [[0, 1], [-1, 0]])}
    sampler = aij_geometric_sampler(stacks, [*PARENTS_SMALL[:3], 1, 1], [3, 4, 2])
    M = M_SMALL[[0, 1, 2, 3, 4]]
    with pytest.warns(FewClustersWarning, match="only 4 clusters"):
        res = joint_bootstrap(
            pd.DataFrame(X, columns=["a", "b", "c"]).assign(com=np.arange(60) % 4), M,
            leaf_weight_sampler=sampler, n_experts=5, groups="com", clusters="com",
            leaves=["a", "b", "c"], nodes=["A", "B1", "B2", "a", "b"], parents=[-1, 0, 0, 1, 1],
            n_resamples=400, rng=0)
    s = res.to_frame("scores")
    assert list(s.columns) == ["node", "level", "group", "estimate", "se", "ci_low", "ci_high",
                               "confidence_level", "method", "interval"]
    assert len(s) == 5 * (1 + 4) and set(s.group.dropna()) == {"0", "1", "2", "3"}
    assert s.level.tolist()[:5] == [0, 1, 1, 2, 2]
    w = res.to_frame("weights")
    assert set(w.weight) == {"global", "local"}
    loc = w[w.weight == "local"].set_index("node")
    assert loc.loc["a", "estimate"] + loc.loc["b", "estimate"] == pytest.approx(1)
    r = res.to_frame("ranks")
    np.testing.assert_allclose(r.groupby("group").probability.sum(), 1)
    assert set(res.to_frame("pairwise").columns) == {"node", "a", "b", "probability"}
    c = res.criteria_rank_probabilities(by="weight")
    assert set(c.node) == {"B1", "B2"}
    assert set(res.to_frame("variance").columns) >= {"var_panel", "var_sample", "share_panel"}
    p = res.interval(method="percentile", confidence_level=0.8)
    assert p.method == "percentile" and p.score_draws is res.score_draws
    lo, hi = p.confidence_interval("scores")
    np.testing.assert_allclose(lo, np.quantile(res.score_draws, 0.1, axis=-1))
    np.testing.assert_allclose(hi, np.quantile(res.score_draws, 0.9, axis=-1))


def test_joint_errors():
    X = np.ones((10, 3))
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(com=[0] * 5 + [1] * 5)
    kw = dict(leaf_weights=[1, 1, 1], resample="respondents", n_resamples=10)
    with pytest.raises(InputError, match="`clusters` column 'community' is not in the survey"):
        joint_bootstrap(df, M_SMALL, clusters="community", leaves=["a", "b", "c"], **kw)
    with pytest.raises(ValueError, match="needs at least 2 clusters; got 1"):
        joint_bootstrap(X, M_SMALL, clusters=np.zeros(10), **kw)
    with pytest.raises(ValueError, match="`method` must be one of"):
        joint_bootstrap(X, M_SMALL, method="normal", **{**kw, "n_resamples": 10})
    with pytest.raises(ValueError, match="`resample` must be one of"):
        joint_bootstrap(X, M_SMALL, **{**kw, "resample": ("judges",)})
    with pytest.raises(ValueError, match="resampling 'experts' needs `leaf_weight_sampler`"):
        joint_bootstrap(X, M_SMALL, **{**kw, "resample": "experts"})
    with pytest.raises(ValueError, match="`leaf_weight_sampler` must return"):
        joint_bootstrap(X, M_SMALL, leaf_weight_sampler=lambda i: np.ones((1, 2)), n_experts=3,
                        n_resamples=10)
    with pytest.raises(ValueError, match="`answers` must be"):
        joint_bootstrap(np.ones((10, 2)), M_SMALL, **kw)
    with pytest.raises(ValueError, match="`groups` must have one entry per respondent"):
        joint_bootstrap(X, M_SMALL, groups=[0, 1], **kw)
    with pytest.raises(ValueError, match="`parents` must give one parent index"):
        joint_bootstrap(X, M_SMALL, parents=[0, 0, 0, 0, 0, 0, 0], **kw)
    with pytest.raises(InputError, match="no column for items"):
        joint_bootstrap(df, M_SMALL, leaves=["a", "b", "z"], **kw)
    with pytest.warns(FewClustersWarning, match="fewer than 20 clusters"):
        joint_bootstrap(X, M_SMALL, clusters=[0] * 5 + [1] * 5, **kw)


def test_resampled_item_means_spread_matches_the_bootstrap_formula():
    # Independent computation: the iid bootstrap mean of n values has standard deviation
    # sqrt(population variance / n) (Efron & Tibshirani 1993, eq. 5.4 / 6.2).
    from ahpstat.bootstrap import resampled_item_means

    rng = np.random.default_rng(3)
    X = rng.integers(1, 6, (200, 3)).astype(float)
    X[5, 1] = np.nan
    m, gm = resampled_item_means(X, 20_000, groups=np.repeat(["a", "b"], 100), rng=4)
    se = np.array([np.nanstd(X[:, j]) / np.sqrt(np.sum(~np.isnan(X[:, j]))) for j in range(3)])
    np.testing.assert_allclose(m.std(axis=0), se, rtol=0.03)
    np.testing.assert_allclose(m.mean(axis=0), np.nanmean(X, axis=0), atol=4 * se.max() / 100)
    se_b = X[100:].std(axis=0) / 10.0  # group "b": its own 100 respondents, complete
    np.testing.assert_allclose(gm[:, 1].std(axis=0), se_b, rtol=0.03)
    again, _ = resampled_item_means(X, 20_000, groups=np.repeat(["a", "b"], 100), rng=4)
    np.testing.assert_array_equal(m, again)
    with pytest.raises(ValueError, match=r"`answers` must be \(respondents, items\)"):
        resampled_item_means(X[:, 0], 10)


def test_interval_leaves_out_a_few_undefined_draws():
    # Independent computation: numpy's type-7 quantiles of the defined draws (scipy's convention).
    rng = np.random.default_rng(5)
    d = rng.normal(size=(2, 1000))
    d[0, 7] = np.nan  # one resample where the statistic is undefined: 99.9 % defined
    d[1, :50] = np.nan  # 5 % undefined: below MIN_DEFINED_SHARE, no interval
    lo, hi = bs.bootstrap_interval(d, 0.0, method="percentile", confidence_level=0.9)
    q = np.quantile(d[0][~np.isnan(d[0])], [0.05, 0.95])
    assert lo[0] == pytest.approx(q[0]) and hi[0] == pytest.approx(q[1])
    assert np.isnan(lo[1]) and np.isnan(hi[1])
    lo_b, hi_b = bs.bootstrap_interval(d[:1], 0.0, method="bca", acceleration=0.0)
    assert np.isfinite(lo_b[0]) and np.isfinite(hi_b[0])


def test_stratified_counts_kernel_matches_bincount_formula():
    # The compiled count loop against the numpy formula it replaced (same uniforms).
    from ahpstat.bootstrap._resampling import Units, _stratified_counts

    rng = np.random.default_rng(3)
    for n, units in ((1, 1), (50, 1), (300, 7), (2000, 40)):
        codes = rng.integers(0, units, n)
        codes[:units] = np.arange(units)  # every unit present
        u = Units(codes, units)
        got = _stratified_counts(np.random.default_rng(8), 37, u)
        draws = np.random.default_rng(8).random((37, n))
        pick = u.starts[u.unit_of_pos] + (draws * u.sizes[u.unit_of_pos]).astype(np.intp)
        want = np.stack([np.bincount(p, minlength=n) for p in pick])
        np.testing.assert_array_equal(got, want)
        # into a used buffer (overwritten, not added to) and as float32
        for dtype in (float, np.float32):
            buf, uni = np.full((40, n), 7.0, dtype=dtype), np.full((40, n), 0.5)
            again = _stratified_counts(np.random.default_rng(8), 37, u, dtype, buf, uni)
            assert again.dtype == dtype
            np.testing.assert_array_equal(again, want)
    # a unit with no respondents
    u = Units(np.array([0, 2, 2, 0, 2]), 3)
    got = _stratified_counts(np.random.default_rng(1), 5, u)
    np.testing.assert_array_equal(got.sum(axis=1), 5)
    np.testing.assert_array_equal(got[:, u.starts[0]:u.starts[0] + 2].sum(axis=1), 2)


def test_integer_answers_float32_sums_are_exact():
    # Integer answers take float32 products (exact below 2**24); halved answers are not
    # integers and take float64. Halving is exact in every operation, so the draws must be
    # exactly half: any rounding in the float32 path would show.
    gen = np.random.default_rng(11)
    X = gen.integers(1, 6, size=(400, 3)).astype(float)
    X[gen.random(X.shape) < 0.05] = np.nan
    kw = dict(leaf_weights=[0.2, 0.3, 0.5], groups=np.arange(400) % 5, resample="respondents",
              n_resamples=300, rng=2, parents=PARENTS_SMALL, method="percentile")
    a = joint_bootstrap(X, M_SMALL, **kw)
    b = joint_bootstrap(X * 0.5, M_SMALL, **kw)
    np.testing.assert_array_equal(b.score_draws, 0.5 * a.score_draws)
    np.testing.assert_array_equal(b.group_score_draws, 0.5 * a.group_score_draws)
