"""BCa's jackknife of the evaluation in bounded memory: exact leave-one-out up to a threshold,
grouped (delete-d) above it -- checked against a hand-made delete-d jackknife and against the
exact path; no (R, R) frequency matrix is ever built."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from ahpstat.bootstrap import jackknife_acceleration
from ahpstat.evaluation import EvaluationOptions
from ahpstat.evaluation._evaluator import Evaluator
from ahpstat.evaluation._jackknife import (
    contiguous_blocks,
    jackknife,
    row_chunk,
    within_group_blocks,
)
from ahpstat.hierarchy import Hierarchy

R, G, BLOCKS = 900, 3, 300
BOOT = SimpleNamespace(n_experts=0, resample=("respondents",))


@pytest.fixture(scope="module")
def setup():
    """Two criteria over five items, fixed AHP weights, R synthetic skewed answers (mostly 1
    or 2, a 5 now and then: skewed influence values, so ``a`` is far from 0) in G groups of
    different skewness, 2 % missing.
    """
    h = Hierarchy.from_dict({"id": "G", "children": [
        {"id": "C1", "children": [{"id": "q1"}, {"id": "q2"}, {"id": "q3"}]},
        {"id": "C2", "children": [{"id": "q4"}, {"id": "q5"}]}]})
    gen = np.random.default_rng(5)
    g = np.repeat(np.arange(G), R // G)
    p5 = np.array([0.03, 0.05, 0.08])[g][:, None]
    u = gen.random((R, 5))
    X = np.where(u < p5, 5.0, np.where(u < p5 + 0.4, 2.0, 1.0))
    X[gen.random(X.shape) < 0.02] = np.nan
    opts = EvaluationOptions(objective=("entropy",), fce_operators=("weighted_average",))
    ev = Evaluator(X, (1, 5), h, g, G, opts)
    W = np.array([[0.3, 0.2, 0.1, 0.25, 0.15]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exact = jackknife(ev, None, BOOT, W, R, None, g, G, exact_max=R)
        grouped = jackknife(ev, None, BOOT, W, R, None, g, G, exact_max=R - 1,
                            n_blocks=BLOCKS)
    return SimpleNamespace(h=h, X=X, g=g, ev=ev, W=W, exact=exact, grouped=grouped)


def test_blocks_are_contiguous_balanced_and_within_groups():
    b = contiguous_blocks(10, 4)
    assert b.tolist() == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3]
    assert contiguous_blocks(5, 10).tolist() == [0, 1, 2, 3, 4]   # n <= blocks: one each
    g = np.array([1, 0, 1, 1, 0, 1, 2, 1, 1, 0])
    blk, bgroup = within_group_blocks(g, 3, 4)
    assert (bgroup[blk] == g).all()                                  # a block is one group's
    assert bgroup.tolist() == [0, 0, 1, 1, 1, 2]   # ceil(4 n_g / 10), >= 2, <= n_g


def test_grouped_item_means_are_a_hand_made_delete_d_jackknife(setup):
    # independent computation: each block's item sums and counts removed from the totals
    X, g = setup.X, setup.g
    given = ~np.isnan(X)
    Xz = np.where(given, X, 0.0)

    def loo_means(blk, rows=slice(None)):
        S = np.stack([Xz[rows][blk == k].sum(0) for k in range(blk.max() + 1)])
        n = np.stack([given[rows][blk == k].sum(0) for k in range(blk.max() + 1)])
        return (Xz[rows].sum(0) - S) / (given[rows].sum(0) - n)      # (blocks, L)

    a = jackknife_acceleration(loo_means(contiguous_blocks(R, BLOCKS)).T)
    np.testing.assert_allclose(setup.grouped["item_means"], a, rtol=1e-9)
    # the group scores' terms: each group's respondents in its own contiguous blocks
    blk, bgroup = within_group_blocks(g, G, BLOCKS)
    assert np.bincount(bgroup).tolist() == [BLOCKS // G] * G
    for k in range(G):
        assert (bgroup[blk[g == k]] == k).all()
        assert (np.diff(blk[g == k]) >= 0).all()                     # contiguous, in order
        assert np.bincount(blk[g == k]).max() - np.bincount(blk[g == k])[blk[g == k]].min() <= 1


def test_grouped_acceleration_agrees_with_the_exact_one(setup):
    # Independent computation: the exact leave-one-out path. The grouped ``a`` is the
    # skewness of b block values over 6 sqrt(b); under near-normal block values its sampling
    # sd is sqrt(6 / b) / (6 sqrt(b)) = 1 / (sqrt(6) b): 300 blocks for the whole sample
    # (sd 0.0014), 100 per group for the group statistics (sd 0.0041). Allowed: 4 sd, against
    # accelerations of 0.01-0.05 here (so a wrong block structure or sample weighting fails).
    # The goal's global weight is 1 whatever the resample: its ``a`` is rounding noise.
    ex, gr = setup.exact, setup.grouped
    items = [setup.h.node_index[v] for v in setup.h.nodes if v != "G"]
    keys_all = ["item_means", "component:entropy:entropy", "global:entropy",
                "fce:ahp:weighted_average:all", "score:ahp:weighted_average:all"]
    keys_groups = ["fce:ahp:weighted_average:groups", "score:ahp:weighted_average:groups"]
    for keys, b in ((keys_all, BLOCKS), (keys_groups, BLOCKS // G)):
        tol = 4 / (np.sqrt(6) * b)
        largest = 0.0
        for k in keys:
            e, q = np.asarray(ex[k]), np.asarray(gr[k])
            if k.startswith("global:"):
                e, q = e[items], q[items]
            ok = np.isfinite(e)
            largest = max(largest, np.abs(e[ok]).max())
            assert np.abs(q[ok] - e[ok]).max() < tol, (k, np.abs(q[ok] - e[ok]).max(), tol)
        assert largest > 2 * tol                                     # a is far from 0


def test_no_frequency_block_exceeds_the_budget(setup):
    # shapes, not timing: every frequency matrix given to the evaluator has at most
    # row_chunk(R, budget) rows and one column per respondent; above the threshold at most
    # `n_blocks` rows per sample in all -- never an (R, R) array
    shapes: list[tuple[int, int]] = []

    def spy(W, Fo, Fg):
        given = [F for F in (Fo, Fg) if F is not None]
        assert len(given) == 1  # a unit out of one sample; the other whole (None: all ones)
        shapes.append(given[0].shape)
        return setup.ev(W, Fo, Fg)

    budget = 8 * R * 64                                               # 64 rows a block
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = jackknife(spy, None, BOOT, setup.W, R, None, setup.g, G, exact_max=R - 1,
                      n_blocks=BLOCKS, budget=budget)
    assert row_chunk(R, budget) == 64
    assert all(c == R and r <= 64 for r, c in shapes)
    assert sum(r for r, _ in shapes) == 2 * BLOCKS                    # whole sample + groups
    for k, v in setup.grouped.items():                                # same values, chunked
        np.testing.assert_allclose(a[k], v, rtol=1e-9, atol=1e-12, err_msg=k)


def test_a_sample_left_whole_is_computed_once_with_the_same_statistics(setup):
    """``Fo`` / ``Fg`` = None (every respondent once in every row, as in the jackknife rows
    that leave a unit out of the other sample): the statistics of the explicit all-ones
    frequencies, computed once and repeated instead of once per row.
    """
    rows = 4
    W = np.repeat(setup.W, rows, axis=0)
    F = np.ones((rows, R))
    F[np.arange(rows), np.arange(rows) * 7] = 0.0  # a different respondent out in each row
    ones = np.ones((rows, R))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fo, fg, ref_o, ref_g in ((None, F, ones, F), (F, None, F, ones),
                                     (None, None, ones, ones)):
            got, ref = setup.ev(W, fo, fg), setup.ev(W, ref_o, ref_g)
            assert got.keys() == ref.keys()
            for k in ref:
                assert got[k].shape == ref[k].shape, k
                np.testing.assert_allclose(got[k], ref[k], rtol=1e-13, atol=1e-15,
                                           err_msg=k)


def test_a_sample_left_whole_is_computed_once_per_evaluator(setup):
    """What depends on the whole sample alone (``Fo`` / ``Fg`` None: its answer shares,
    means and objective weights) is remembered by the evaluator across calls (the jackknife
    asks chunk after chunk): each call gives the bits and memory layout a fresh evaluator
    gives, in new arrays (changing one changes no later result), for one row and several.
    """
    opts = EvaluationOptions(objective=("entropy", "critic"))
    F = np.ones((3, R))
    F[[0, 1, 2], [5, 17, 40]] = 0.0

    def fresh(W, fo, fg):
        return Evaluator(setup.X, (1, 5), setup.h, setup.g, G, opts)(W, fo, fg)

    ev = Evaluator(setup.X, (1, 5), setup.h, setup.g, G, opts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rows, fo, fg in ((1, None, None), (3, None, F), (3, F, None), (1, None, None),
                             (3, None, None), (3, None, F)):
            W = np.repeat(setup.W, rows, axis=0)
            got, ref = ev(W, fo, fg), fresh(W, fo, fg)
            assert list(got) == list(ref)
            for k in ref:
                assert got[k].strides == ref[k].strides, k
                assert got[k].tobytes() == ref[k].tobytes(), k
                got[k][...] = -1.0  # the caller's to change
    assert {"shares", "group_shares", "objective:entropy", "objective:critic"} <= set(ev._once)
    # entropy's own options reach the remembered whole-sample weights: against explicit
    # all-ones rows (computed per row), with options other than entropy_weights' defaults
    other = EvaluationOptions(objective=("entropy",), normalization="proportion", shift=0.01)
    ev = Evaluator(setup.X, (1, 5), setup.h, setup.g, G, other)
    W, ones = np.repeat(setup.W, 2, axis=0), np.ones((2, R))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, ref = ev(W, None, None), ev(W, ones, ones)
        default = Evaluator(setup.X, (1, 5), setup.h, setup.g, G,
                            EvaluationOptions(objective=("entropy",)))(W, None, None)
    assert not np.allclose(got["global:entropy"], default["global:entropy"])
    for k in ref:
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-13, atol=1e-15, err_msg=k)


def test_left_out_blocks_give_the_counts_of_the_dense_rows_exactly(setup):
    """The within-group jackknife rows as a LeaveOut (all the answers' counts less the
    block's) against the dense 0/1 frequency rows through answer_shares: the same numbers,
    bit for bit (integer counts), for blocks of several respondents and of one.
    """
    from ahpstat.evaluation._jackknife import LeaveOut

    blk, _ = within_group_blocks(setup.g, G, 40)
    W = np.repeat(setup.W, 7, axis=0)
    for code, lo in ((blk, 5), (np.arange(R, dtype=np.int64), 100)):
        rows = LeaveOut(code, lo, lo + 7)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got, ref = setup.ev(W, None, rows), setup.ev(W, None, rows.dense())
        for k in ref:
            np.testing.assert_array_equal(got[k], ref[k], err_msg=k)


def test_left_out_group_shares_are_the_sparse_products_bit_for_bit(setup):
    """The groups' shares of LeaveOut rows (the groups' counts less the left-out
    respondents', counted by ``respondent_counts``) against the sparse products they
    replace (share matrix times the left-out indicator, transposed): bits and layout.
    """
    from ahpstat.evaluation._jackknife import LeaveOut
    from ahpstat.fuzzy import share_matrix, shares_of_counts

    blk, _ = within_group_blocks(setup.g, G, 40)
    g = np.asarray(setup.g, dtype=np.intp)
    ST = share_matrix(setup.X, 1, 5, g, G)
    total = np.asarray(ST.sum(axis=1)).ravel()
    for code, lo, hi in ((blk, 5, 12), (np.arange(R, dtype=np.int64), 100, 107),
                         (blk, 0, 1)):
        rows = LeaveOut(code, lo, hi)
        out = np.asarray((ST @ rows.left_out().T).T.toarray())
        np.subtract(total, out, out=out)
        want = shares_of_counts(out.reshape(hi - lo, G, setup.X.shape[1], 5))
        got = setup.ev._group_shares(rows)
        assert got.shape == want.shape and got.strides == want.strides
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize(("rows", "n", "L", "G", "K"),
                         [(3, 4, 5, 2, 6), (0, 4, 5, 2, 6), (3, 0, 5, 2, 6), (3, 4, 5, 0, 6),
                          (3, 4, 5, 2, 0)])
def test_group_average_is_the_einsum_also_on_empty_blocks(rows, n, L, G, K):
    # the groups' average (rows, G, n, K) of A (rows, n, L) over shares (rows, G, L, K),
    # against numpy's einsum; empty blocks keep their shape instead of failing to reshape
    from ahpstat.evaluation._evaluator import _group_average, _groups_by_item

    gen = np.random.default_rng(1)
    A, shares = gen.random((rows, n, L)), gen.random((rows, G, L, K))
    got = _group_average(A, _groups_by_item(shares), G, K)
    np.testing.assert_allclose(got, np.einsum("rnl,rglk->rgnk", A, shares), rtol=1e-13)
    assert got.shape == (rows, G, n, K)


def test_maximum_operators_compiled_as_by_numpy(setup, monkeypatch):
    """The evaluator's compiled maximum operators (a block of >= TREE_MAX_COMPILED
    resamples x groups; the C-ordered shares made once for every weighting and operator)
    give :func:`fuzzy_evaluation`'s numpy vectors bit for bit, overall and by group."""
    from ahpstat.evaluation import _evaluator

    opts = EvaluationOptions(objective=("entropy", "critic"),
                             fce_operators=("max_min", "max_product", "weighted_average"),
                             fce_weighting=("ahp", "entropy", "combined"))
    gen = np.random.default_rng(9)
    rows = 5
    W = gen.dirichlet(np.ones(5), rows)
    F = gen.poisson(1.0, (rows, R)).astype(float)
    outs = []
    for threshold in (0, 10**9):  # everything compiled, then nothing
        monkeypatch.setattr(_evaluator, "TREE_MAX_COMPILED", threshold)
        ev = Evaluator(setup.X, (1, 5), setup.h, setup.g, G, opts)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outs.append(ev(W, F, F))
    got, ref = outs
    keys = [k for k in ref if k.startswith(("fce:", "score:"))]
    assert any(":max_min:groups" in k for k in keys) and len(keys) == 2 * 3 * 3 * 2
    for k in keys:
        assert got[k].tobytes() == ref[k].tobytes(), k


def test_a_resample_with_undefined_weights_has_undefined_rankings_only(setup):
    """A row (resample) whose weights are undefined (NaN: CRITIC's correlations where the
    resample left an item constant) has NaN TOPSIS closeness and grey relational grades
    under that weighting -- it was a ValueError that stopped the whole study -- while the
    other rows are those the same evaluator gives them without that row (checked against
    the two-row call), and the other weightings' rankings of the row are defined."""
    opts = EvaluationOptions(objective=("critic",), combination=None,
                             topsis_weighting=("ahp", "critic"),
                             gra_weighting=("ahp", "critic"))
    ev = Evaluator(setup.X, (1, 5), setup.h, setup.g, G, opts)
    W = np.repeat(setup.W, 3, axis=0)
    Fo = np.ones((3, R))
    Fo[1] = 0.0
    Fo[1, 0] = 3.0  # the middle resample: one respondent, drawn three times
    Fo[2, ::2] = 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = ev(W, Fo, None)
        ref = ev(W[[0, 2]], Fo[[0, 2]], None)
    assert np.isnan(got["global:critic"][1]).all()  # the case this test is about
    for k in ("topsis:ahp", "gra:ahp", "topsis:critic", "gra:critic"):
        assert got[k].shape == (3, G), k
        np.testing.assert_array_equal(got[k][[0, 2]], ref[k], err_msg=k)
    assert np.isnan(got["topsis:critic"][1]).all() and np.isnan(got["gra:critic"][1]).all()
    assert np.isfinite(got["topsis:ahp"]).all() and np.isfinite(got["gra:ahp"]).all()
