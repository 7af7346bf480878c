"""Tests of ahpstat.weighting: published numbers, independent computations, properties."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ahpstat as ah
from ahpstat import ConvergenceWarning
from strategies import (
    SAATY_VALUES,
    batches,
    consistent_matrices,
    eig_reference,
    harker_reference,
    incomplete_consistent_matrices,
    incomplete_saaty_matrices,
    llsm_reference,
    matrix_from_upper,
    orders,
    saaty_matrices,
)

COMPLETE_METHODS = ("eigenvector", "geometric_mean", "column_mean", "harker", "llsm")
INCOMPLETE_METHODS = ("harker", "llsm")

# Saaty's drinks matrix (relative consumption of drinks in the USA), upper triangle by rows:
# coffee, wine, tea, beer, soda, milk, water. Saaty (1977), J. Math. Psych. 15, 234-281;
# Saaty (2008), Int. J. Services Sciences 1, 83-98; matrix as printed in AHPy's README.
DRINKS_UPPER = [9, 5, 2, 1, 1, 1 / 2, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 3, 1 / 4, 1 / 3,
                1 / 9, 1 / 2, 1, 1 / 3, 2, 1 / 2, 1 / 3]
# Published eigenvector weights (Saaty's 4-decimal values, docs/methods.md).
DRINKS_WEIGHTS = [0.1775, 0.0191, 0.0418, 0.1164, 0.1896, 0.1288, 0.3268]


# --------------------------------------------------------------------------- published numbers


def test_drinks_eigenvector_weights_and_lambda_max():
    # Saaty's published weights (4 decimals) and lambda_max = 7.177 (docs/methods.md).
    A = matrix_from_upper(np.array(DRINKS_UPPER), 7)
    r = ah.weights(A, method="eigenvector")
    np.testing.assert_allclose(r.weights, DRINKS_WEIGHTS, atol=5e-5)
    assert r.lambda_max == pytest.approx(7.177, abs=5e-4)
    assert r.method == "eigenvector"
    # AHPy README (precision=3): water 0.327, soda 0.19, coffee 0.177, milk 0.129,
    # beer 0.116, tea 0.042, wine 0.019.
    np.testing.assert_allclose(
        r.weights, [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327], atol=5e-4
    )


# AHPy README (github.com/PhilipGriffith/AHPy), eigenvector weights printed to 3 decimals.
# Each case: upper triangle by rows, published weights in element order.
AHPY_EXAMPLES = {
    # "Choosing a leader": Moll, Nell, Sue
    "experience": ([1 / 4, 4, 9], [0.217, 0.717, 0.066]),
    "education": ([3, 1 / 5, 1 / 7], [0.188, 0.081, 0.731]),  # from 0.024, 0.01, 0.093 / 0.127
    # criteria: Experience, Education, Charisma, Age
    "leader_criteria": ([4, 3, 7, 1 / 3, 3, 5], [0.548, 0.127, 0.270, 0.056]),
    # "Purchasing a vehicle": Cost, Safety, Style, Capacity
    "car_criteria": ([3, 7, 3, 9, 1, 1 / 7], [0.510, 0.234, 0.041, 0.215]),
    # Price, Fuel, Maintenance, Resale
    "cost": ([2, 5, 3, 2, 2, 1 / 2], [0.488, 0.252, 0.100, 0.161]),
    # Accord Sedan, Accord Hybrid, Pilot, CR-V, Element, Odyssey
    "price": ([9, 9, 1, 1 / 2, 5, 1, 1 / 9, 1 / 9, 1 / 7, 1 / 9, 1 / 9, 1 / 7, 1 / 2, 5, 6],
              [0.246, 0.025, 0.025, 0.246, 0.366, 0.093]),
    "cargo": ([1, 1 / 2, 1 / 2, 1 / 2, 1 / 3, 1 / 2, 1 / 2, 1 / 2, 1 / 3, 1, 1, 1 / 2, 1, 1 / 2,
               1 / 2], [0.089, 0.089, 0.170, 0.170, 0.170, 0.311]),
}


@pytest.mark.parametrize("name", sorted(AHPY_EXAMPLES))
def test_ahpy_published_eigenvector_weights(name):
    upper, published = AHPY_EXAMPLES[name]
    n = len(published)
    A = matrix_from_upper(np.array(upper, dtype=float), n)
    np.testing.assert_allclose(ah.weights(A).weights, published, atol=5e-4 + 1e-9)


@pytest.mark.parametrize("name", ["experience", "education"])
def test_geometric_mean_equals_eigenvector_for_order_3_ahpy(name):
    # For n = 3 the row geometric mean IS the principal eigenvector (Crawford & Williams 1985,
    # J. Math. Psych. 29, 387-405), so AHPy's published 3x3 weights also test geometric_mean.
    upper, published = AHPY_EXAMPLES[name]
    A = matrix_from_upper(np.array(upper, dtype=float), 3)
    np.testing.assert_allclose(
        ah.weights(A, method="geometric_mean").weights, published, atol=5e-4 + 1e-9
    )


def test_drinks_geometric_mean_by_hand_formula():
    # Row geometric mean w_i = (prod_j a_ij)^(1/n), normalized (Crawford & Williams 1985),
    # computed here with products (not logs) as an independent check.
    A = matrix_from_upper(np.array(DRINKS_UPPER), 7)
    g = np.prod(A, axis=1) ** (1 / 7)
    np.testing.assert_allclose(ah.weights(A, method="geometric_mean").weights, g / g.sum(),
                               rtol=1e-12)


# -------------------------------------------------------------- independent computations


@given(saaty_matrices(orders(1, 12)))
def test_eigenvector_matches_numpy_eig(A):
    r = ah.weights(A, method="eigenvector")
    w_ref, lam_ref = eig_reference(A)
    np.testing.assert_allclose(r.weights, w_ref, atol=1e-9)
    assert float(r.lambda_max) == pytest.approx(lam_ref, rel=1e-9)


@given(saaty_matrices(orders(1, 10)))
def test_geometric_mean_matches_hand_formula(A):
    n = A.shape[0]
    g = np.prod(A, axis=1) ** (1.0 / n)
    np.testing.assert_allclose(ah.weights(A, method="geometric_mean").weights, g / g.sum(),
                               rtol=1e-10)


@given(saaty_matrices(orders(1, 10)))
def test_column_mean_matches_hand_formula(A):
    # Additive normalization: each column divided by its sum, then row averages.
    n = A.shape[0]
    ref = np.array([sum(A[i, j] / sum(A[k, j] for k in range(n)) for j in range(n)) / n
                    for i in range(n)])
    np.testing.assert_allclose(ah.weights(A, method="column_mean").weights, ref, rtol=1e-10)


@given(incomplete_saaty_matrices(orders(3, 8)))
def test_harker_matches_eigenvector_of_harker_matrix(A):
    r = ah.weights(A, method="harker")
    w_ref, lam_ref = harker_reference(A)
    np.testing.assert_allclose(r.weights, w_ref, atol=1e-9)
    assert float(r.lambda_max) == pytest.approx(lam_ref, rel=1e-9)


@given(incomplete_saaty_matrices(orders(3, 8)))
def test_llsm_matches_least_squares_solution(A):
    np.testing.assert_allclose(ah.weights(A, method="llsm").weights, llsm_reference(A),
                               rtol=1e-8)


@given(saaty_matrices(orders(1, 8)))
def test_llsm_and_harker_on_complete_matrices(A):
    # Complete matrix: incomplete LLSM is the row geometric mean, Harker's matrix is A itself.
    np.testing.assert_allclose(ah.weights(A, method="llsm").weights,
                               ah.weights(A, method="geometric_mean").weights, rtol=1e-10)
    np.testing.assert_allclose(ah.weights(A, method="harker").weights,
                               eig_reference(A)[0], atol=1e-9)


def test_harker_and_llsm_on_bozoki_example():
    # Bozoki, Fulop & Ronyai (2010) 4x4 example with c-d missing; references built here.
    nan = np.nan
    A = np.array([[1, 1, 5, 2], [1, 1, 3, 4], [1 / 5, 1 / 3, 1, nan], [1 / 2, 1 / 4, nan, 1]])
    np.testing.assert_allclose(ah.weights(A, method="harker").weights, harker_reference(A)[0],
                               atol=1e-10)
    np.testing.assert_allclose(ah.weights(A, method="llsm").weights, llsm_reference(A),
                               rtol=1e-10)


# ------------------------------------------------------------------------------- properties


@pytest.mark.parametrize("method", COMPLETE_METHODS)
@given(wa=consistent_matrices(orders(1, 10)))
def test_consistent_matrix_recovers_weights(method, wa):
    w, A = wa
    r = ah.weights(A, method=method)
    np.testing.assert_allclose(r.weights, w, rtol=1e-8, atol=1e-12)
    if method in ("eigenvector", "harker"):
        # lambda_max = n iff consistent (Saaty 1977)
        assert float(r.lambda_max) == pytest.approx(A.shape[0], rel=1e-9)
    else:
        assert np.isnan(r.lambda_max)


@pytest.mark.parametrize("method", INCOMPLETE_METHODS)
@given(wa=incomplete_consistent_matrices(orders(3, 8)))
def test_incomplete_consistent_matrix_recovers_weights(method, wa):
    # Harker's matrix of a consistent incomplete matrix has H w = n w (Harker 1987).
    w, A = wa
    r = ah.weights(A, method=method)
    np.testing.assert_allclose(r.weights, w, rtol=1e-8, atol=1e-12)
    if method == "harker":
        assert float(r.lambda_max) == pytest.approx(A.shape[0], rel=1e-9)


@pytest.mark.parametrize("method", COMPLETE_METHODS)
@given(A=saaty_matrices(orders(1, 8)), data=st.data())
def test_permuting_items_permutes_weights(method, A, data):
    n = A.shape[0]
    p = np.array(data.draw(st.permutations(range(n))), dtype=int)
    w = ah.weights(A, method=method).weights
    wp = ah.weights(A[np.ix_(p, p)], method=method).weights
    np.testing.assert_allclose(wp, w[p], atol=1e-10)


@pytest.mark.parametrize("method", INCOMPLETE_METHODS)
@given(A=incomplete_saaty_matrices(orders(3, 7)), data=st.data())
def test_permuting_items_permutes_weights_incomplete(method, A, data):
    n = A.shape[0]
    p = np.array(data.draw(st.permutations(range(n))), dtype=int)
    w = ah.weights(A, method=method).weights
    wp = ah.weights(A[np.ix_(p, p)], method=method).weights
    np.testing.assert_allclose(wp, w[p], atol=1e-10)


@pytest.mark.parametrize("method", COMPLETE_METHODS)
@given(A=saaty_matrices(orders(1, 12)))
def test_weights_positive_and_sum_to_one(method, A):
    w = ah.weights(A, method=method).weights
    assert w.shape == (A.shape[0],)
    assert np.all(w > 0)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)


@given(saaty_matrices(orders(1, 12)))
def test_lambda_max_at_least_n(A):
    # Saaty (1977): lambda_max >= n for every positive reciprocal matrix.
    assert float(ah.weights(A).lambda_max) >= A.shape[0] - 1e-9


@pytest.mark.parametrize("method", ["geometric_mean", "llsm"])
@given(A=saaty_matrices(orders(1, 10)))
def test_geometric_mean_of_transpose_is_normalized_reciprocal(method, A):
    # A^T has entries 1/a_ij, so its row geometric means are the reciprocals of A's.
    w = ah.weights(A, method=method).weights
    wt = ah.weights(A.T, method=method).weights
    np.testing.assert_allclose(wt, (1 / w) / (1 / w).sum(), rtol=1e-10)


@pytest.mark.parametrize("method", COMPLETE_METHODS)
@given(S=batches(saaty_matrices, orders(1, 7)))
def test_batch_equals_loop(method, S):
    r = ah.weights(S, method=method)
    assert r.weights.shape == S.shape[:-1]
    for k in range(S.shape[0]):
        rk = ah.weights(S[k], method=method)
        np.testing.assert_allclose(r.weights[k], rk.weights, atol=1e-12)
        np.testing.assert_allclose(r.lambda_max[k], rk.lambda_max, rtol=1e-12)


@pytest.mark.parametrize("method", INCOMPLETE_METHODS)
@given(S=batches(incomplete_saaty_matrices, orders(3, 6)))
def test_batch_equals_loop_incomplete(method, S):
    r = ah.weights(S, method=method)
    for k in range(S.shape[0]):
        np.testing.assert_allclose(r.weights[k], ah.weights(S[k], method=method).weights,
                                   atol=1e-12)


def test_two_batch_axes():
    rng = np.random.default_rng(3)
    S = np.exp(rng.normal(size=(2, 3, 5, 5)))
    S = np.triu(S, 1)
    S = S + np.swapaxes(1 / np.where(S > 0, S, np.inf), -1, -2) + np.eye(5)
    r = ah.weights(S)
    assert r.weights.shape == (2, 3, 5) and r.lambda_max.shape == (2, 3)
    np.testing.assert_allclose(r.weights[1, 2], eig_reference(S[1, 2])[0], atol=1e-9)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 20, 30])
@pytest.mark.parametrize("method", COMPLETE_METHODS)
def test_orders_one_to_thirty(n, method):
    rng = np.random.default_rng(n)
    values = np.array([1 / 9, 1 / 5, 1 / 2, 1, 2, 3, 7, 9])[rng.integers(0, 8, n * (n - 1) // 2)]
    A = matrix_from_upper(values, n)
    w = ah.weights(A, method=method).weights
    assert w.shape == (n,) and np.all(w > 0) and w.sum() == pytest.approx(1.0)
    if method == "eigenvector":
        np.testing.assert_allclose(w, eig_reference(A)[0], atol=1e-9)
    if n <= 2:  # orders 1 and 2 are always consistent: every method gives the same weights
        np.testing.assert_allclose(w, A[:, 0] / A[:, 0].sum())


# ------------------------------------------------------------------------------ convergence


def test_nonconverged_power_iteration_is_reported_and_repaired():
    # With too few iterations the power method cannot converge: a ConvergenceWarning says so
    # and the vector comes from LAPACK instead (never a silent unconverged vector).
    A = matrix_from_upper(np.array(DRINKS_UPPER), 7)
    with pytest.warns(ConvergenceWarning, match=r"did not converge for 1 of 1 matrices in 2"):
        r = ah.weights(A, max_iter=2)
    w_ref, lam_ref = eig_reference(A)
    np.testing.assert_allclose(r.weights, w_ref, atol=1e-12)
    assert float(r.lambda_max) == pytest.approx(lam_ref, rel=1e-12)


def test_converged_power_iteration_is_silent_and_counts_iterations():
    A = matrix_from_upper(np.array(DRINKS_UPPER), 7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = ah.weights(A)
    assert 1 <= r.n_iter < 1000


def test_nonconverged_only_the_stragglers_are_counted():
    # A consistent matrix converges at once from the geometric-mean start; drinks does not.
    A = matrix_from_upper(np.array(DRINKS_UPPER), 7)
    w = np.arange(1.0, 8.0) / 28
    S = np.stack([w[:, None] / w[None, :], A])
    with pytest.warns(ConvergenceWarning, match=r"1 of 2 matrices"):
        r = ah.weights(S, max_iter=2)
    np.testing.assert_allclose(r.weights[0], w, atol=1e-12)
    np.testing.assert_allclose(r.weights[1], eig_reference(A)[0], atol=1e-12)


# ------------------------------------------------------------------------ validation errors


def test_unknown_method():
    with pytest.raises(ValueError, match=r"`method` must be one of \{'eigenvector', .*"
                                         r"got 'power' instead"):
        ah.weights(np.ones((2, 2)), method="power")


def test_not_square():
    with pytest.raises(ValueError, match=r"`A` must be square with shape \(\.\.\., n, n\); "
                                         r"got shape \(2, 3\) instead"):
        ah.weights(np.ones((2, 3)))


def test_one_dimensional():
    with pytest.raises(ValueError, match=r"`A` must be square .* got shape \(3,\) instead"):
        ah.weights(np.ones(3))


def test_non_finite():
    A = np.array([[1, np.inf], [0, 1]])
    with pytest.raises(ValueError, match=r"`A` entries must be finite: got a\[0, 1\] = inf"):
        ah.weights(A)


def test_non_positive():
    A = np.array([[1, -2.0], [-0.5, 1]])
    with pytest.raises(ValueError, match=r"`A` entries must be positive: got a\[0, 1\] = -2"):
        ah.weights(A)


def test_diagonal_not_one():
    A = np.array([[1, 2.0], [0.5, 3]])
    with pytest.raises(ValueError, match=r"`A` must have 1 on the diagonal: a\[1, 1\] = 3"):
        ah.weights(A)


def test_not_reciprocal_names_worst_pair_and_both_values():
    A = matrix_from_upper(np.array([2.0, 3.0, 4.0]), 3)
    A[0, 1] = 2.1  # 5% off: a[0,1] a[1,0] = 1.05
    A[2, 1] = 0.5  # a[1,2] a[2,1] = 2: the worst pair
    with pytest.raises(ValueError, match=r"`A` is not reciprocal: a\[1, 2\] \* a\[2, 1\] = 2 "
                                         r"\(a\[1, 2\] = 4, a\[2, 1\] = 0\.5\)"):
        ah.weights(A)


def test_not_reciprocal_in_batch_names_matrix():
    S = np.array([[[1, 2], [0.5, 1]], [[1, 2], [2, 1]]])
    with pytest.raises(ValueError, match=r"not reciprocal in matrix \(1,\)"):
        ah.weights(S)


def test_rounded_reciprocals_are_accepted():
    # 0.333 is accepted as 1/3 (published matrices are often printed rounded).
    A = np.array([[1, 3, 5], [0.333, 1, 2], [0.2, 0.5, 1]])
    B = matrix_from_upper(np.array([3.0, 5.0, 2.0]), 3)
    np.testing.assert_allclose(ah.weights(A).weights, ah.weights(B).weights, rtol=1e-12)


def test_off_saaty_scale_with_strict_scale():
    A = matrix_from_upper(np.array([2.5, 3.0, 1.0]), 3)
    with pytest.raises(ValueError, match=r"`A` has a value off Saaty's 1-9 scale: "
                                         r"a\[0, 1\] = 2\.5\. Expected one of 1\.\.9"):
        ah.weights(A, scale="saaty")
    ah.weights(A)  # any positive value is fine without the strict scale


def test_unknown_scale():
    with pytest.raises(ValueError, match=r"`scale` must be one of \{'saaty', None\}; got 'likert'"):
        ah.weights(np.ones((2, 2)), scale="likert")


def test_missing_judgment_needs_incomplete_method():
    A = np.array([[1, 2, np.nan], [0.5, 1, 2], [np.nan, 0.5, 1]])
    with pytest.raises(ValueError, match=r"`A` has a missing judgment a\[0, 2\]; this method "
                                         r"needs a complete matrix: use method='harker'"):
        ah.weights(A, method="eigenvector")


def test_missing_on_one_side_only():
    A = np.array([[1, 2, np.nan], [0.5, 1, 2], [4, 0.5, 1]])
    with pytest.raises(ValueError, match=r"a\[0, 2\] = nan but a\[2, 0\] = 4; a missing "
                                         r"judgment must be missing on both sides"):
        ah.weights(A, method="llsm")


@pytest.mark.parametrize("method", INCOMPLETE_METHODS)
def test_disconnected_comparison_graph_names_components(method):
    nan = np.nan
    A = np.array([[1, 2, nan, nan], [0.5, 1, nan, nan], [nan, nan, 1, 3], [nan, nan, 1 / 3, 1]])
    with pytest.raises(ValueError, match=r"`A` has a disconnected comparison graph: .*"
                                         r"components \{0, 1\} \| \{2, 3\}.*Got 2 components"):
        ah.weights(A, method=method)


# ------------------------------------------------ one validation, one pass, and both paths


def _random_saaty(B: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = np.array(SAATY_VALUES)[rng.integers(0, 17, (B, n * (n - 1) // 2))]
    return np.stack([matrix_from_upper(v, n) for v in values])


@pytest.mark.parametrize("B", [1, 3, 40])  # numpy path (<= 4 matrices) and compiled path
@pytest.mark.parametrize(("method", "index"), [("eigenvector", "cr"), ("eigenvector", "ci"),
                                               ("geometric_mean", "gci"),
                                               ("geometric_mean", "cr"),
                                               ("column_mean", "koczkodaj")])
def test_weights_with_consistency_equal_the_two_calls(B, method, index):
    A = _random_saaty(B, 6, seed=B)
    both = ah.weights(A, method=method, consistency=index, random_index="alonso_lamata")
    w = ah.weights(A, method=method)
    c = ah.consistency(A, index=index, random_index="alonso_lamata")
    np.testing.assert_allclose(both.weights, w.weights, rtol=0, atol=1e-13)
    np.testing.assert_allclose(both.consistency.value, c.value, rtol=1e-11, atol=1e-14)
    assert both.consistency.index == index
    np.testing.assert_equal(both.consistency.threshold, c.threshold)  # NaN: Koczkodaj's
    assert both.consistency.random_index == c.random_index
    np.testing.assert_array_equal(both.consistency.acceptable, c.acceptable)


def test_compiled_path_matches_numpy_path_matrix_by_matrix():
    # A batch of 300 takes the compiled kernel; each matrix alone the numpy path. Both are
    # checked against LAPACK (eig_reference) too.
    A = _random_saaty(300, 7, seed=9)
    for method in ("eigenvector", "geometric_mean"):
        big = ah.weights(A, method=method)
        for k in range(0, 300, 37):
            one = ah.weights(A[k], method=method)
            np.testing.assert_allclose(big.weights[k], one.weights, rtol=0, atol=1e-12)
            if method == "eigenvector":
                w_ref, lam_ref = eig_reference(A[k])
                np.testing.assert_allclose(big.weights[k], w_ref, atol=1e-11)
                assert float(big.lambda_max[k]) == pytest.approx(lam_ref, rel=1e-11)


def test_compiled_path_reports_invalid_matrices_like_the_numpy_path():
    # The kernel only flags a bad matrix; the numpy validator then names it.
    A = _random_saaty(50, 5, seed=4)
    A[17, 1, 3] = -A[17, 1, 3]
    with pytest.raises(ah.InputError, match=r"entries must be positive in matrix \(17,\)"):
        ah.weights(A)
    A[17, 1, 3] = np.nan
    A[17, 3, 1] = np.nan
    with pytest.raises(ah.InputError, match=r"missing judgment a\[1, 3\] in matrix \(17,\)"):
        ah.weights(A, consistency="cr")
    np.testing.assert_allclose(ah.weights(A, method="llsm").weights.sum(axis=-1), 1.0)


def test_validated_once_path():
    # validate=False on validated matrices gives the same numbers.
    A = _random_saaty(6, 5, seed=2)
    M = ah.pairwise.validate_matrix(A)
    for method in COMPLETE_METHODS:
        ref = ah.weights(A, method=method)
        np.testing.assert_array_equal(ah.weights(M, method=method, validate=False).weights,
                                      ref.weights)


def test_methods_are_case_insensitive():
    A = _random_saaty(1, 4, seed=3)[0]
    np.testing.assert_array_equal(ah.weights(A, method="Geometric_Mean").weights,
                                  ah.weights(A, method="geometric_mean").weights)
    assert ah.weights(A, consistency="CR").consistency.index == "cr"
    assert ah.consistency(A, index="GCI").index == "gci"
    with pytest.raises(ValueError, match=r"`consistency` must be one of"):
        ah.weights(A, consistency="rc")
