"""The evaluation's resampled answer counts without (resamples x respondents) matrices:
packed dense products (:class:`ahpstat._level_counts.PackedLevels`) and known cluster
groupings (:class:`ahpstat._grouping.Grouped`), each against the direct computation.
"""

import numpy as np
import pytest

from ahpstat._grouping import Grouped
from ahpstat._level_counts import PackedLevels
from ahpstat.fuzzy import answer_shares
from ahpstat.objective import objective_weights


def _direct(codes, K, sizes, f):
    """sum_i f_i [group g, x_ij = k] by a gather per group and level (the definition)."""
    gc = np.repeat(np.arange(sizes.size), sizes)
    out = np.zeros((f.shape[0], sizes.size, codes.shape[1], K))
    for g in range(sizes.size):
        for k in range(K):
            out[:, g, :, k] = f[:, gc == g] @ (codes[gc == g] == k).astype(float)
    return out


@pytest.mark.parametrize(("K", "scale"), [(5, 1), (7, 1), (5, 3000), (2, 1)])
def test_packed_level_counts_equal_the_direct_sums(K, scale):
    """Exact integer counts, bit for bit: several levels per packed float (K = 5: four
    levels in one column), two columns per item (K = 7), counts so large that fewer levels
    fit (``scale``), one packed level (K = 2); missing answers, an empty group.
    """
    rng = np.random.default_rng(K * scale)
    sizes = np.array([40, 0, 7, 1, 25])
    m, n = int(sizes.sum()), 6
    codes = rng.integers(0, K, (m, n)).astype(np.int16)
    codes[rng.random((m, n)) < 0.1] = -1
    f = rng.poisson(1.0, (9, m)).astype(float) * scale
    got = PackedLevels(codes, K, sizes).counts(f)
    np.testing.assert_array_equal(got, _direct(codes, K, sizes, f))


@pytest.mark.parametrize("K", [5, 7])
def test_stratified_counts_take_the_group_sizes_as_totals(K):
    """``stratified=True`` (each group resampled within itself: its frequencies sum to its
    size in every row) gives the direct sums, bit for bit, without summing the totals.
    """
    rng = np.random.default_rng(K)
    sizes = np.array([30, 0, 9, 1, 44])
    m, n = int(sizes.sum()), 4
    codes = rng.integers(0, K, (m, n)).astype(np.int16)
    codes[rng.random((m, n)) < 0.1] = -1
    starts = np.cumsum(sizes) - sizes
    f = np.zeros((11, m))
    for a, size in zip(starts, sizes, strict=True):
        if size:
            for r in range(f.shape[0]):
                f[r, a:a + size] = np.bincount(rng.integers(0, size, size), minlength=size)
    np.testing.assert_array_equal(f[:, starts[2]:starts[2] + 9].sum(axis=1), 9.0)
    got = PackedLevels(codes, K, sizes).counts(f, stratified=True)
    np.testing.assert_array_equal(got, _direct(codes, K, sizes, f))


def test_grouped_frequencies_give_the_dense_results_bit_for_bit():
    """Frequencies known to be equal within clusters (a one-stage cluster bootstrap) give
    the same objective weights, components and answer shares as the same frequencies
    written out per respondent.
    """
    rng = np.random.default_rng(5)
    R, L, C = 300, 5, 9
    X = rng.integers(1, 6, (R, L)).astype(float)
    X[rng.random((R, L)) < 0.05] = np.nan
    cluster = rng.integers(0, C, R)
    times = rng.poisson(1.0, (12, C)).astype(float)
    g = Grouped.of(times, cluster)
    dense = times[:, cluster]
    np.testing.assert_array_equal(g.dense(), dense)
    for m in ("entropy", "critic"):
        a = objective_weights(X, method=m, frequencies=g)
        b = objective_weights(X, method=m, frequencies=dense)
        np.testing.assert_array_equal(a.weights, b.weights)
        for k, v in a.components.items():
            np.testing.assert_array_equal(v, b.components[k])


def test_evaluator_shares_from_packed_and_grouped_counts_equal_answer_shares():
    """The evaluator's whole-sample shares of grouped frequencies and its group shares of
    within-group counts reduced chunk by chunk (one reused buffer) equal
    :func:`answer_shares` of the dense frequencies.
    """
    from ahpstat._level_counts import GroupCounts
    from ahpstat.bootstrap import Units, block_counts
    from ahpstat.evaluation._evaluator import Evaluator
    from ahpstat.evaluation._options import EvaluationOptions
    from ahpstat.hierarchy import Hierarchy

    rng = np.random.default_rng(8)
    R, L, G = 200, 4, 3
    X = rng.integers(1, 6, (R, L)).astype(float)
    X[rng.random((R, L)) < 0.05] = np.nan
    gcodes = rng.integers(0, G, R)
    h = Hierarchy.from_dict({"id": "goal", "children": [
        {"id": "A", "children": [{"id": "q0"}, {"id": "q1"}]},
        {"id": "B", "children": [{"id": "q2"}, {"id": "q3"}]}]})
    ev = Evaluator(X, (1, 5), h, gcodes, G, EvaluationOptions())
    units = Units(gcodes, G)
    F = np.empty((7, R))
    for s, cnt in block_counts(np.random.default_rng(1), 7, units, "strata"):
        F[s:s + cnt.shape[0]][:, units.order] = cnt
    Fg = GroupCounts(np.concatenate([ev.packed_levels(units).counts(cnt) for _, cnt in
                                     block_counts(np.random.default_rng(1), 7, units,
                                                  "strata", reuse=True)]))
    want = answer_shares(X, (1, 5), frequencies=F, groups=gcodes, n_groups=G)
    np.testing.assert_array_equal(ev._group_shares(Fg), want)
    cl = rng.integers(0, 5, R)
    Fo = Grouped.of(rng.poisson(1.0, (7, 5)).astype(float), cl)
    np.testing.assert_array_equal(ev._shares(Fo),
                                  answer_shares(X, (1, 5), frequencies=Fo.dense()))
