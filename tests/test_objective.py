"""Tests of ahpstat.objective: published worked examples, hand computations, independent
re-implementations (row replication for frequencies, pandas' pairwise-complete correlations,
per-item entropies) and numbers computed with pymcdm 1.4.0 and pyDecision in a separate virtual
environment (see tests/data/objective/reference.py, which prints them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ahpstat import DegenerateDataWarning
from ahpstat.objective import (
    combine_weights,
    critic_weights,
    cv_weights,
    entropy_weights,
    objective_weights,
    sd_weights,
)

# Elsayed, Dawood & Karthikeyan (2017), Int. J. Eng. Trends Technol. 46(2), 60-66: 12
# alternatives x 5 criteria; entropy weights with proportions (as pymcdm's test suite gives
# them for this published example, its reference).
ELSAYED = np.array([[7, 312, 1891, 6613, 163], [72, 88, 728, 941804, 1078],
                    [10, 252, 2594, 3466, 117471], [10, 145, 980, 2371, 86329],
                    [65, 54, 350, 501, 29897], [29, 48, 380, 912, 34051],
                    [7, 476, 3300, 78470, 2212], [70, 87, 650, 733, 819000],
                    [4, 86, 591, 3015, 103], [12, 79, 579, 3240, 96098],
                    [21, 45, 261, 1253, 453], [1, 72, 530, 4333, 0.104800]])
ELSAYED_W = [0.104991, 0.069124, 0.071373, 0.449937, 0.304575]

# Tuş & Adalı (2019), Opsearch 56, 528-538: time-and-attendance software, 5 x 6; CRITIC
# weights as published (three decimals).
TUS = np.array([[5000, 3, 3, 4, 3, 2], [680, 5, 3, 2, 2, 1], [2000, 3, 2, 3, 4, 3],
                [600, 4, 3, 1, 2, 2], [800, 2, 4, 3, 3, 4]])
TUS_W = [0.157, 0.249, 0.168, 0.121, 0.154, 0.151]

# Jahan & Edwards (2013), Materials & Design 49, 1000-1008: SD weights of normalised data.
JAHAN = np.array([[0, 0, 0], [0.39, 0.3, 0.77], [0.17, 0.36, 0.8], [0.35, 0.29, 0.93],
                  [0.3, 0.4, 0.94], [0.84, 0.71, 1], [1, 1, 0.99]])
JAHAN_W = [0.35, 0.31, 0.34]


# ------------------------------------------------------------------------ published examples


def test_entropy_elsayed_published():
    w = entropy_weights(ELSAYED, normalization="proportion").weights
    np.testing.assert_allclose(w, ELSAYED_W, atol=5e-7)


def test_critic_tus_adali_published():
    w = critic_weights(TUS).weights
    np.testing.assert_allclose(w, TUS_W, atol=5e-4)


def test_sd_jahan_edwards_published():
    np.testing.assert_allclose(sd_weights(JAHAN).weights, JAHAN_W, atol=5e-3)


# Independent computations in a separate virtual environment (pymcdm 1.4.0, pyDecision
# 5.1.8): tests/data/objective/reference.py prints these numbers.
PYMCDM_ENTROPY_TUS = [0.562389, 0.070405, 0.035389, 0.132367, 0.055209, 0.144241]
PYDECISION_ENTROPY_TUS = [0.562389, 0.070405, 0.035389, 0.132367, 0.055209, 0.144241]
PYMCDM_CRITIC_TUS = [0.157003, 0.249489, 0.167675, 0.1211, 0.154099, 0.150633]
PYDECISION_CRITIC_TUS = [0.157003, 0.249489, 0.167675, 0.1211, 0.154099, 0.150633]
PYMCDM_SD_TUS = [0.997351, 0.000608, 0.000377, 0.000608, 0.000446, 0.000608]
LIK = np.array([[4, 3, 5, 2], [2, 3, 4, 4], [5, 4, 4, 1], [3, 2, 5, 3], [4, 5, 3, 2],
                [1, 3, 4, 5]], dtype=float)
# pyDecision's entropy_method on the min-max normalised matrix (it skips zero shares)
PYDECISION_ENTROPY_MINMAX_LIK = [0.23629, 0.263305, 0.214065, 0.286341]
PYDECISION_ENTROPY_LIK = [0.375, 0.146067, 0.051666, 0.427268]
PYDECISION_CRITIC_LIK = [0.228085, 0.232013, 0.25366, 0.286242]


@pytest.mark.parametrize("ref", [PYDECISION_ENTROPY_TUS, PYMCDM_ENTROPY_TUS])
def test_entropy_matches_other_packages(ref):
    w = entropy_weights(TUS, normalization="proportion").weights
    np.testing.assert_allclose(w, ref, atol=2e-6)


@pytest.mark.parametrize("ref", [PYDECISION_CRITIC_TUS, PYMCDM_CRITIC_TUS])
def test_critic_matches_other_packages(ref):
    np.testing.assert_allclose(critic_weights(TUS).weights, ref, atol=2e-6)


def test_sd_and_likert_matrix_match_other_packages():
    np.testing.assert_allclose(sd_weights(TUS).weights, PYMCDM_SD_TUS, atol=2e-6)
    np.testing.assert_allclose(entropy_weights(LIK).weights, PYDECISION_ENTROPY_MINMAX_LIK,
                               atol=2e-6)
    np.testing.assert_allclose(entropy_weights(LIK, normalization="proportion").weights,
                               PYDECISION_ENTROPY_LIK, atol=2e-6)
    np.testing.assert_allclose(critic_weights(LIK).weights, PYDECISION_CRITIC_LIK, atol=2e-6)


# ------------------------------------------------------------------------ hand computations


def test_entropy_hand_proportion_and_minmax():
    X = [[1, 2], [2, 2], [3, 5]]
    r = entropy_weights(X, normalization="proportion")
    p1 = np.array([1, 2, 3]) / 6
    p2 = np.array([2, 2, 5]) / 9
    e = [-(p * np.log(p)).sum() / np.log(3) for p in (p1, p2)]
    np.testing.assert_allclose(r.components["entropy"], e, rtol=1e-12)
    d = 1 - np.array(e)
    np.testing.assert_allclose(r.weights, d / d.sum(), rtol=1e-12)
    # min-max: z = (0, .5, 1) and (0, 0, 1); 0 ln 0 = 0
    e1 = -((1 / 3) * np.log(1 / 3) + (2 / 3) * np.log(2 / 3)) / np.log(3)
    m = entropy_weights(X, normalization="MinMax")
    np.testing.assert_allclose(m.components["entropy"], [e1, 0.0], atol=1e-15)
    np.testing.assert_allclose(m.weights, np.array([1 - e1, 1]) / (2 - e1), rtol=1e-12)


def test_entropy_shift_papers_convention():
    # z + 0.0001 (a shift some papers use to avoid the zeros): p = (1e-4, .5001, 1.0001)/1.5003
    X = [[1, 2], [2, 2], [3, 5]]
    r = entropy_weights(X, shift=1e-4)
    y = np.array([0, 0.5, 1.0]) + 1e-4
    p = y / y.sum()
    e1 = -(p * np.log(p)).sum() / np.log(3)
    assert r.components["entropy"][0] == pytest.approx(e1, rel=1e-12)


def test_critic_hand():
    r = critic_weights([[1, 1, 3], [2, 2, 2], [3, 3, 1]])
    np.testing.assert_allclose(r.components["sd"], [0.5, 0.5, 0.5])
    np.testing.assert_allclose(r.components["conflict"], [2, 2, 4])
    np.testing.assert_allclose(r.weights, [0.25, 0.25, 0.5])


def test_critic_cost_item_flips_correlations():
    # item 3 as a cost item is perfectly correlated with items 1 and 2: no conflict anywhere
    with pytest.warns(DegenerateDataWarning, match="undefined"):
        r = critic_weights([[1, 1, 3], [2, 2, 2], [3, 3, 1]],
                           benefit=np.array([True, True, False]))
    np.testing.assert_allclose(r.components["conflict"], [0, 0, 0])
    assert np.isnan(r.weights).all()


def test_sd_and_cv_hand():
    np.testing.assert_allclose(cv_weights([[1, 3], [2, 4], [3, 5]]).weights, [2 / 3, 1 / 3])
    r = sd_weights([[1, 1], [2, 3], [3, 5]])
    np.testing.assert_allclose(r.components["sd"], [1, 2])
    np.testing.assert_allclose(r.weights, [1 / 3, 2 / 3])


# ------------------------------------------------------------------------ degenerate cases


def test_constant_item_gets_zero_weight_and_leaves_critic_unchanged():
    rng = np.random.default_rng(3)
    X = rng.integers(1, 6, size=(30, 4)).astype(float)
    Xc = np.column_stack([X, np.full(30, 3.0)])
    with pytest.warns(DegenerateDataWarning, match=r"item\(s\) 4 are constant"):
        r = critic_weights(Xc)
    assert r.weights[-1] == 0 and r.constant.tolist() == [False] * 4 + [True]
    np.testing.assert_allclose(r.weights[:4], critic_weights(X).weights, rtol=1e-12)
    for norm in ("minmax", "proportion"):
        with pytest.warns(DegenerateDataWarning, match="constant"):
            e = entropy_weights(Xc, normalization=norm)
        assert e.components["divergence"][-1] == 0 and e.weights[-1] == 0
        np.testing.assert_allclose(e.weights[:4], entropy_weights(X, normalization=norm).weights,
                                   rtol=1e-12)
    with pytest.warns(DegenerateDataWarning):
        assert sd_weights(Xc).weights[-1] == 0
    with pytest.warns(DegenerateDataWarning):
        assert cv_weights(Xc).weights[-1] == 0


def test_all_zero_item_is_constant_and_zeros_use_the_limit():
    X = np.array([[0.0, 1, 0], [0, 2, 1], [0, 3, 3]])
    with pytest.warns(DegenerateDataWarning, match="constant"):
        r = entropy_weights(X, normalization="proportion")
    assert r.weights[0] == 0
    # item 3: p = (0, 1/4, 3/4): the zero adds nothing (pymcdm would set e = 0 instead)
    p = np.array([0.25, 0.75])
    assert r.components["entropy"][2] == pytest.approx(-(p * np.log(p)).sum() / np.log(3))


def test_every_item_constant_gives_nan():
    with pytest.warns(DegenerateDataWarning, match="undefined"):
        r = entropy_weights([[2, 2], [2, 2]])
    assert np.isnan(r.weights).all()


def test_item_with_one_answer_gives_nan():
    X = np.array([[1.0, np.nan], [2, 3], [3, np.nan]])
    with pytest.warns(DegenerateDataWarning, match="fewer than two answers"):
        r = entropy_weights(X)
    assert np.isnan(r.weights).all()


def test_cv_zero_mean_is_undefined():
    with pytest.warns(DegenerateDataWarning, match="mean 0"):
        r = cv_weights([[-1, 1], [1, 2]])
    assert np.isnan(r.weights).all()


# ------------------------------------------------------------------------ independent checks


@st.composite
def survey(draw):
    m = draw(st.integers(3, 12))
    n = draw(st.integers(2, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.integers(1, 6, size=(m, n)).astype(float)
    X[0, :] = 1
    X[1, :] = 5          # no constant item
    f = rng.integers(0, 4, size=m)
    f[:2] = 1
    return X, f


@pytest.mark.filterwarnings("ignore::ahpstat.DegenerateDataWarning")
@given(survey(), st.sampled_from(["entropy", "critic", "sd", "cv"]))
def test_frequencies_equal_row_replication(data, method):
    X, f = data
    a = objective_weights(X, method=method, frequencies=f).weights
    b = objective_weights(np.repeat(X, f, axis=0), method=method).weights
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore::ahpstat.DegenerateDataWarning")
@given(survey())
def test_batched_frequencies_equal_one_at_a_time(data):
    X, f = data
    F = np.stack([f, np.ones_like(f), f[::-1]])
    for method in ("entropy", "critic"):
        W = objective_weights(X, method=method, frequencies=F).weights
        for k in range(3):
            np.testing.assert_allclose(
                W[k], objective_weights(X, method=method, frequencies=F[k]).weights,
                rtol=1e-12)


@pytest.mark.filterwarnings("ignore::ahpstat.DegenerateDataWarning")
def test_cluster_frequencies_are_summed_over_clusters_bit_for_bit(monkeypatch):
    """A cluster bootstrap's frequencies (equal within each cluster) are summed over the
    clusters' sums. Integer answers and counts make every sum exact, so the weights, their
    components and the answer shares must be those of the sums over respondents bit for bit
    (that path forced by turning the grouping off), and those of the rows replicated.
    """
    import ahpstat.fuzzy as fuzzy_module
    import ahpstat.objective._shared as objective_module  # where the grouping is used
    from ahpstat._grouping import equal_columns
    from ahpstat.fuzzy import answer_shares

    rng = np.random.default_rng(11)
    R, L, C = 600, 6, 12
    X = rng.integers(1, 6, (R, L)).astype(float)
    X[rng.random((R, L)) < 0.05] = np.nan
    cluster = rng.integers(0, C, R)
    F = rng.poisson(1.0, (16, C)).astype(float)[:, cluster]
    code, first = equal_columns(F)
    assert first.size == C and np.array_equal(F, F[:, first[code]])
    methods = ("entropy", "critic")
    grouped = {m: objective_weights(X, method=m, frequencies=F) for m in methods}
    shares = answer_shares(X, (1, 5), frequencies=F)
    monkeypatch.setattr(objective_module, "equal_columns", lambda f: None)
    monkeypatch.setattr(fuzzy_module, "equal_columns", lambda f: None)
    for m in methods:
        u = objective_weights(X, method=m, frequencies=F)
        np.testing.assert_array_equal(grouped[m].weights, u.weights)
        for k, v in grouped[m].components.items():
            np.testing.assert_array_equal(v, u.components[k])
        rep = objective_weights(np.repeat(X, F[3].astype(int), axis=0), method=m)
        np.testing.assert_allclose(grouped[m].weights[3], rep.weights, rtol=1e-12)
    np.testing.assert_array_equal(shares, answer_shares(X, (1, 5), frequencies=F))


def test_missing_answers_available_case_entropy():
    rng = np.random.default_rng(7)
    X = rng.integers(1, 6, size=(25, 4)).astype(float)
    X[[1, 5, 9], 2] = np.nan
    X[[0, 3], 0] = np.nan
    r = entropy_weights(X, normalization="proportion")
    # each item's entropy from its own answers
    e = []
    for j in range(4):
        x = X[~np.isnan(X[:, j]), j]
        p = x / x.sum()
        e.append(-(p * np.log(p)).sum() / np.log(x.size))
    np.testing.assert_allclose(r.components["entropy"], e, rtol=1e-12)


def test_missing_answers_critic_uses_pairwise_complete_correlations():
    rng = np.random.default_rng(11)
    X = rng.integers(1, 6, size=(40, 5)).astype(float)
    X[rng.random(X.shape) < 0.08] = np.nan
    r = critic_weights(X)
    df = pd.DataFrame(X)
    z = (df - df.min()) / (df.max() - df.min())
    sd = z.std(ddof=1).to_numpy()
    corr = z.corr().to_numpy()          # pandas: pairwise-complete Pearson
    info = sd * (1 - corr).sum(axis=1)
    np.testing.assert_allclose(r.weights, info / info.sum(), rtol=1e-10)


def test_invariances():
    rng = np.random.default_rng(5)
    X = rng.integers(1, 6, size=(20, 4)).astype(float)
    Y = X * np.array([2.0, 1, 3, 0.5]) + np.array([1.0, -3, 0, 7])   # positive affine per item
    np.testing.assert_allclose(critic_weights(X).weights, critic_weights(Y).weights, rtol=1e-12)
    np.testing.assert_allclose(entropy_weights(X).weights, entropy_weights(Y).weights,
                               rtol=1e-12)
    S = X * np.array([2.0, 1, 3, 0.5])                                # scaling only
    np.testing.assert_allclose(entropy_weights(X, normalization="proportion").weights,
                               entropy_weights(S, normalization="proportion").weights, rtol=1e-12)
    np.testing.assert_allclose(cv_weights(X).weights, cv_weights(S).weights, rtol=1e-12)


def test_to_frame_table():
    t = critic_weights([[1, 1, 3], [2, 2, 2], [3, 3, 1]]).to_frame(["a", "b", "c"])
    assert t.columns.tolist() == ["item", "sd", "conflict", "information", "weight"]
    with pytest.raises(ValueError, match="unbatched"):
        critic_weights(np.stack([LIK, LIK[::-1]])).to_frame()


# ------------------------------------------------------------------------ bad input


def test_bad_input_messages():
    with pytest.raises(ValueError, match="`normalization` must be one of"):
        entropy_weights([[1, 2], [2, 3]], normalization="zscore")
    with pytest.raises(ValueError, match="non-negative data"):
        entropy_weights([[-1, 2], [2, 3]], normalization="proportion")
    with pytest.raises(ValueError, match="`frequencies` must have one entry per unit"):
        entropy_weights([[1, 2], [2, 3]], frequencies=[1, 1, 1])
    with pytest.raises(ValueError, match="`frequencies` must be finite and non-negative"):
        critic_weights([[1, 2], [2, 3]], frequencies=[1, -1])
    with pytest.raises(ValueError, match="`X` must be"):
        sd_weights([1, 2, 3])
    with pytest.raises(ValueError, match="`benefit` must be 2 booleans"):
        critic_weights([[1, 2], [2, 3]], benefit=[1, 0])
    with pytest.raises(ValueError, match="minmax' normalisation only"):
        entropy_weights([[1, 2], [2, 3]], normalization="proportion",
                        benefit=np.array([True, False]))
    with pytest.raises(ValueError, match="`method` must be one of"):
        objective_weights([[1, 2], [2, 3]], method="entropie")
    with pytest.raises(ValueError, match="entropy method only"):
        objective_weights([[1, 2], [2, 3]], method="critic", normalization="minmax")
    with pytest.raises(ValueError, match="`shift` must be"):
        entropy_weights([[1, 2], [2, 3]], shift=-1)
    with pytest.raises(ValueError, match="must be finite"):
        sd_weights([[1, np.inf], [2, 3]])


# ------------------------------------------------------------------------ combination


def test_game_theory_hand_and_first_order_condition():
    u, v = np.array([0.6, 0.3, 0.1]), np.array([0.2, 0.3, 0.5])
    c = combine_weights([u, v])
    # by hand: 0.46 a + 0.26 b = 0.46, 0.26 a + 0.38 b = 0.38
    a = (0.46 * 0.38 - 0.26 * 0.38) / (0.46 * 0.38 - 0.26**2)
    b = (0.46 * 0.38 - 0.26 * 0.46) / (0.46 * 0.38 - 0.26**2)
    np.testing.assert_allclose(c.coefficients, np.array([a, b]) / (a + b), rtol=1e-12)
    np.testing.assert_allclose(c.weights, (a * u + b * v) / (a + b), rtol=1e-12)
    # symmetric pair: equal coefficients
    s = combine_weights([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])
    np.testing.assert_allclose(s.weights, [0.35, 0.3, 0.35])


def test_game_theory_identical_and_batched():
    u = np.array([0.5, 0.25, 0.25])
    c = combine_weights([u, u])
    np.testing.assert_allclose(c.weights, u)
    np.testing.assert_allclose(c.coefficients, [0.5, 0.5])
    rng = np.random.default_rng(0)
    V = rng.dirichlet(np.ones(5), size=(3, 4))       # 3 vectors, batch 4
    cb = combine_weights(V)
    for k in range(4):
        np.testing.assert_allclose(cb.weights[k], combine_weights(V[:, k]).weights, rtol=1e-10)
    np.testing.assert_allclose(cb.weights.sum(axis=-1), 1)


def test_linear_and_multiplicative():
    u, v = [0.6, 0.3, 0.1], [0.2, 0.3, 0.5]
    np.testing.assert_allclose(combine_weights([u, v], method="linear", alpha=0.3).weights,
                               0.3 * np.array(u) + 0.7 * np.array(v))
    np.testing.assert_allclose(combine_weights([u, v, v], method="linear",
                                               alpha=[0.2, 0.4, 0.4]).weights,
                               0.2 * np.array(u) + 0.8 * np.array(v))
    np.testing.assert_allclose(combine_weights([u, v], method="multiplicative").weights,
                               np.array([0.12, 0.09, 0.05]) / 0.26)
    with pytest.warns(DegenerateDataWarning, match="no item with positive weight"):
        w = combine_weights([[1, 0], [0, 1]], method="multiplicative").weights
    assert np.isnan(w).all()


def test_combination_bad_input():
    u, v = [0.6, 0.3, 0.1], [0.2, 0.3, 0.5]
    with pytest.raises(ValueError, match="needs `alpha`"):
        combine_weights([u, v], method="linear")
    with pytest.raises(ValueError, match="`alpha` must be 2 non-negative"):
        combine_weights([u, v], method="linear", alpha=1.5)
    with pytest.raises(ValueError, match="linear combination only"):
        combine_weights([u, v], alpha=0.5)
    with pytest.raises(ValueError, match="at least two weight vectors"):
        combine_weights([u])
    with pytest.raises(ValueError, match="non-negative weights"):
        combine_weights([u, [-0.1, 0.6, 0.5]])
    with pytest.raises(ValueError, match="`method` must be one of"):
        combine_weights([u, v], method="nash")


@pytest.mark.parametrize("case", ["shared", "shared_grouped", "batched", "fortran"])
def test_correlations_bit_for_bit_as_the_plain_formula(case):
    # the correlations computed in place: the same bits and memory layout as the formula
    # written out with a new array per step, from the same sums
    from ahpstat._grouping import Grouped
    from ahpstat.objective._data import Data
    from ahpstat.objective._shared import shared_summary

    rng = np.random.default_rng(21)
    A = rng.integers(1, 6, (200, 7)).astype(float)
    A[rng.random(A.shape) < 0.06] = np.nan
    f: object = rng.integers(0, 3, (4, 200)).astype(float)
    if case == "shared_grouped":
        f = Grouped.of(rng.integers(0, 3, (4, 10)).astype(float), np.arange(200) % 10)
    elif case == "batched":
        A, f = rng.random((3, 40, 7)), rng.random((3, 40))
        A[1, 5, 2] = np.nan
    elif case == "fortran":
        A, f = np.asfortranarray(rng.random((40, 7))), None
    d = Data(A, f)
    got = d.correlations()
    if d.shared:
        sxy, nn, sx, sxx = shared_summary(d.A).cross_sums(d.f)
    else:  # the products of centred values and answer indicators, written out
        P = ~np.isnan(d.A)
        X0 = np.where(P, d.A - np.nan_to_num(np.nanmean(d.A, axis=-2, keepdims=True)), 0.0)
        fw = np.broadcast_to(d.f, (*d.batch, d.A.shape[-2]))[..., :, None]
        full = (*d.batch, *d.A.shape[-2:])

        def tr(U):
            return np.ascontiguousarray(np.swapaxes(np.broadcast_to(U, full), -1, -2))

        Pc = np.ascontiguousarray(np.broadcast_to(P.astype(float), full))
        Xf = tr(X0 * fw)
        sxy = Xf @ np.ascontiguousarray(np.broadcast_to(X0, full))
        nn, sx = tr(P * fw) @ Pc, Xf @ Pc
        sxx = tr(X0**2 * fw) @ Pc
    sy, syy = np.swapaxes(sx, -1, -2), np.swapaxes(sxx, -1, -2)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (sxy - sx * sy / nn) / np.sqrt((sxx - sx**2 / nn) * (syy - sy**2 / nn))
    ref = np.clip(np.where(nn >= 2, r, np.nan), -1.0, 1.0)
    assert got.shape == ref.shape and got.strides == ref.strides
    assert got.tobytes() == ref.tobytes()
    assert np.isfinite(got).any()


def test_read_only_answers_are_checked_for_infinities_once_and_correctly():
    # an array ahpstat froze (ahpstat._memo.freeze: the evaluation's answers) is looked at
    # once (remembered by identity); any other array, read-only or not, every time: an
    # infinity is found either way
    from ahpstat._memo import freeze
    from ahpstat.objective import _data

    calls = []
    X = freeze(np.arange(12.0).reshape(4, 3))
    real = _data._has_inf_of

    def counted(shape, data):
        calls.append(shape)
        return real(shape, data)

    try:
        _data._has_inf_of = counted
        for _ in range(3):
            entropy_weights(X)
        Y = freeze(np.where(np.arange(12).reshape(4, 3) == 7, np.inf, X))
        with pytest.raises(ValueError, match="must be finite"):
            entropy_weights(Y)
        Z = X.copy()
        Z[0, 0] = -np.inf
        Z.flags.writeable = False  # the user's read-only array: checked directly
        with pytest.raises(ValueError, match="must be finite"):
            critic_weights(Z)
    finally:
        _data._has_inf_of = real
    assert calls == [(4, 3), (4, 3)]  # X once, Y once


@pytest.mark.parametrize("case", ["ones", "integer", "fraction", "negative_zero", "units"])
def test_shared_level_counts_are_the_sparse_level_indicator_products(case):
    """``Shared.level_counts`` -- a grouping's counts times integer frequencies (exact sums),
    else the sparse products -- against the sparse products written out (the units' level
    indicators times the grouping's indicator, times the frequencies): bits, signs, layout.
    """
    from scipy import sparse

    from ahpstat._grouping import Grouped, equal_columns, group_indicator
    from ahpstat.objective._shared import Shared

    rng = np.random.default_rng(5)
    m, n, k = 300, 5, 10
    A = rng.integers(1, 6, (m, n)).astype(float)
    A[:, 3] = rng.integers(0, 3, m) * 0.5  # other levels
    A[rng.random((m, n)) < 0.1] = np.nan
    cl = rng.integers(0, k, m)
    f = {"ones": np.ones((1, m)),
         "integer": rng.integers(0, 4, (4, k)).astype(float)[:, cl],
         "fraction": (rng.random((4, k)) * 2)[:, cl],
         "negative_zero": np.where(rng.random((2, k)) < 0.5, -0.0, 3.0)[:, cl],
         "units": rng.integers(0, 3, (2, m)).astype(float)}[case]
    sh = Shared(A)
    P = ~np.isnan(A)
    r, c = np.nonzero(P)
    level = np.stack([np.searchsorted(sh.levels[j][~np.isnan(sh.levels[j])], A[:, j])
                      for j in range(n)], axis=1)
    onehot = sparse.csr_matrix((np.ones(r.size), (c * sh.q + level[r, c], r)),
                               shape=(n * sh.q, m))
    grouped = equal_columns(f)
    if grouped is None:
        want = np.asarray((onehot @ f.T).T)
    else:
        code, first = grouped
        S = sparse.csr_matrix(onehot @ group_indicator(code, first.size).T)
        want = np.asarray((S @ f[:, first].T).T)
    want = want.reshape(f.shape[0], n, sh.q)
    for freq in ([f] if grouped is None else [f, Grouped.of(f[:, first], code)]):
        got = sh.level_counts(freq)
        assert got.shape == want.shape and got.strides == want.strides
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("method", ["critic", "entropy", "sd"])
def test_a_users_read_only_array_is_checked_again_after_it_changed(method):
    """A read-only array the user froze can still change (through a view taken before, or
    made writeable again): every call validates it anew and computes from its content
    (ahpstat remembers by identity only arrays it froze itself)."""
    X = np.random.default_rng(0).integers(1, 6, (30, 4)).astype(float)
    view = X[:]
    X.flags.writeable = False
    first = objective_weights(X, method=method).weights
    view[:6, 1] = 1.0  # the same memory, X still read-only and owning it
    again = objective_weights(X.copy(), method=method).weights
    np.testing.assert_array_equal(objective_weights(X, method=method).weights, again)
    assert not np.array_equal(first, again)
    view[-1, -1] = np.inf  # the last element (a check that stops one short misses it)
    with pytest.raises(ValueError, match="must be finite"):
        objective_weights(X, method=method)
    X.flags.writeable = True
    X[-1, -1], X[0, 0] = 3.0, -np.inf
    X.flags.writeable = False
    with pytest.raises(ValueError, match="must be finite"):
        objective_weights(X, method=method)
