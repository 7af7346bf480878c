"""Tests of ahpstat.completion: optimal (lambda_max-minimizing), Harker and LLSM completion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

import ahpstat as ah
from strategies import (
    batches,
    consistent_matrices,
    harker_reference,
    incomplete_saaty_matrices,
    llsm_reference,
    orders,
    spanning_tree_mask,
)

METHODS = ("optimal", "harker", "llsm")
nan = np.nan
# Bozoki, Fulop & Ronyai (2010), Math. Comput. Modelling 52, 318-333: the 4x4 example with
# c-d missing (a-b 1, a-c 5, a-d 2, b-c 3, b-d 4), also AHPy README "Missing Pairwise
# Comparisons".
BOZOKI = np.array([[1, 1, 5, 2], [1, 1, 3, 4], [1 / 5, 1 / 3, 1, nan], [1 / 2, 1 / 4, nan, 1]])


def lambda_max(A: np.ndarray) -> float:
    return float(np.linalg.eigvals(A).real.max())


# --------------------------------------------------------------------------- published numbers


def test_bozoki_optimal_completion_value_and_weights():
    M = ah.complete(BOZOKI, method="optimal")
    # published optimum c-d = 0.7303 (AHPy: 0.7302971068355002, cyclic coordinates, tol 1e-4)
    assert M[2, 3] == pytest.approx(0.7303, abs=5e-5)
    assert M[2, 3] == pytest.approx(0.7302971068355002, abs=1e-5)
    assert M[3, 2] == pytest.approx(1 / M[2, 3], rel=1e-14)
    # AHPy README: weights a 0.3738, b 0.392, c 0.0985, d 0.1357 after completion
    np.testing.assert_allclose(ah.weights(M).weights, [0.3738, 0.3920, 0.0985, 0.1357],
                               atol=5e-5)


def test_bozoki_optimum_matches_one_dimensional_search():
    # Independent: minimize LAPACK's lambda_max over the missing entry by a bounded scalar
    # search in log space (the function is convex there, Bozoki et al. 2010).
    def f(x):
        A = np.where(np.isnan(BOZOKI), 1.0, BOZOKI)
        A[2, 3], A[3, 2] = np.exp(x), np.exp(-x)
        return lambda_max(A)

    res = minimize_scalar(f, bounds=(-np.log(9), np.log(9)), method="bounded",
                          options={"xatol": 1e-10})
    M = ah.complete(BOZOKI)
    assert M[2, 3] == pytest.approx(np.exp(res.x), rel=1e-6)
    assert lambda_max(M) == pytest.approx(res.fun, abs=1e-12)


# -------------------------------------------------------------------------------- properties


@given(A=incomplete_saaty_matrices(orders(3, 6)), data=st.data())
def test_optimal_completion_is_a_local_minimum_of_lambda_max(A, data):
    # Moving any completed entry by a factor e^(+-d) cannot lower LAPACK's lambda_max.
    M = ah.complete(A, method="optimal")
    lam = lambda_max(M)
    iu, ju = np.nonzero(np.triu(np.isnan(A), 1))
    p = data.draw(st.integers(0, iu.size - 1))
    i, j = iu[p], ju[p]
    for d in (0.05, -0.05):
        B = M.copy()
        B[i, j] *= np.exp(d)
        B[j, i] = 1 / B[i, j]
        assert lambda_max(B) >= lam - 1e-9


@pytest.mark.parametrize("method", METHODS)
@given(A=incomplete_saaty_matrices(orders(3, 6)))
def test_completion_is_reciprocal_and_keeps_every_judgment(method, A):
    M = ah.complete(A, method=method)
    given_ = ~np.isnan(A)
    assert np.all(np.isfinite(M)) and np.all(M > 0)
    np.testing.assert_array_equal(M[given_], A[given_])
    np.testing.assert_allclose(M * M.T, 1.0, rtol=1e-12)
    np.testing.assert_array_equal(np.diag(M), 1.0)


@pytest.mark.parametrize("method", ["harker", "llsm"])
@given(A=incomplete_saaty_matrices(orders(3, 7)))
def test_harker_and_llsm_fill_with_their_weight_ratios(method, A):
    # The missing a_ij become w_i / w_j, with w from the reference solutions built in tests.
    w = {"harker": lambda: harker_reference(A)[0], "llsm": lambda: llsm_reference(A)}[method]()
    M = ah.complete(A, method=method)
    missing = np.isnan(A)
    np.testing.assert_allclose(M[missing], (w[:, None] / w[None, :])[missing], rtol=1e-8)


@pytest.mark.parametrize("method", METHODS)
@given(wa=consistent_matrices(orders(3, 7)), data=st.data())
def test_spanning_tree_completes_to_the_consistent_matrix(method, wa, data):
    # n - 1 judgments on a spanning tree determine a unique consistent matrix, which has
    # lambda_max = n, the minimum possible: every method must return it.
    _, C = wa
    keep = data.draw(spanning_tree_mask(C.shape[0]))
    M = ah.complete(np.where(keep, C, np.nan), method=method)
    np.testing.assert_allclose(M, C, rtol=1e-6)


@pytest.mark.parametrize("method", METHODS)
@given(S=batches(incomplete_saaty_matrices, orders(3, 5), max_size=3))
def test_batch_equals_loop(method, S):
    M = ah.complete(S, method=method)
    assert M.shape == S.shape
    for k in range(S.shape[0]):
        np.testing.assert_allclose(M[k], ah.complete(S[k], method=method), rtol=1e-7)


def test_batch_with_complete_members():
    C = np.array([[1, 2, 4], [1 / 2, 1, 3], [1 / 4, 1 / 3, 1]])
    A = np.array([[1, 2, nan], [1 / 2, 1, 3], [nan, 1 / 3, 1]])
    M = ah.complete(np.stack([C, A]))
    np.testing.assert_array_equal(M[0], C)
    assert M[1, 0, 2] == pytest.approx(6.0)  # a spanning tree: the consistent value 2 * 3


@pytest.mark.parametrize("method", METHODS)
def test_complete_input_is_returned_unchanged(method):
    C = np.array([[1, 2, 4], [1 / 2, 1, 3], [1 / 4, 1 / 3, 1]])
    M = ah.complete(C, method=method)
    np.testing.assert_array_equal(M, C)
    assert M is not C


def test_larger_order_completion():
    rng = np.random.default_rng(12)
    n = 10
    A = np.ones((n, n))
    iu = np.triu_indices(n, 1)
    v = np.array([1 / 9, 1 / 3, 1 / 2, 1, 2, 3, 5, 9])[rng.integers(0, 8, iu[0].size)]
    A[iu], A[iu[1], iu[0]] = v, 1 / v
    for i, j in [(0, 5), (1, 7), (2, 9), (3, 4), (6, 8)]:
        A[i, j] = A[j, i] = nan
    M = ah.complete(A)
    lam = lambda_max(M)
    for i, j in [(0, 5), (6, 8)]:
        for d in (0.02, -0.02):
            B = M.copy()
            B[i, j] *= np.exp(d)
            B[j, i] = 1 / B[i, j]
            assert lambda_max(B) >= lam - 1e-9


# ------------------------------------------------------------------------ validation errors


def test_unknown_method():
    with pytest.raises(ValueError, match=r"`method` must be one of \{'optimal', 'harker', "
                                         r"'llsm'\}; got 'em' instead"):
        ah.complete(BOZOKI, method="em")


@pytest.mark.parametrize("method", METHODS)
def test_disconnected_comparison_graph(method):
    A = np.array([[1, 2, nan, nan], [0.5, 1, nan, nan], [nan, nan, 1, 3], [nan, nan, 1 / 3, 1]])
    with pytest.raises(ValueError, match=r"disconnected comparison graph: no chain of judgments "
                                         r"links the components \{0, 1\} \| \{2, 3\}"):
        ah.complete(A, method=method)


def test_disconnected_in_batch_names_matrix():
    A = np.array([[1, 2, nan], [0.5, 1, nan], [nan, nan, 1]])
    S = np.stack([BOZOKI[:3, :3], A])
    with pytest.raises(ValueError, match=r"disconnected comparison graph in matrix \(1,\).*"
                                         r"\{0, 1\} \| \{2\}"):
        ah.complete(S)
