"""Tests of ahpstat.pairwise: validation, construction, comparison graph, log errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ahpstat as ah
from ahpstat.pairwise import (
    as_matrix_batch,
    comparison_graph_components,
    consistent_matrix,
    from_upper_triangle,
    is_connected,
    log_errors,
    validate_matrix,
)
from strategies import (
    SAATY_VALUES,
    consistent_matrices,
    incomplete_masks,
    matrix_from_upper,
    orders,
    saaty_matrices,
    weight_vectors,
)

nan = np.nan


# ------------------------------------------------------------------------------ construction


@given(n=orders(1, 10), data=st.data())
def test_from_upper_triangle_matches_hand_construction(n, data):
    m = n * (n - 1) // 2
    values = np.array(data.draw(st.lists(st.sampled_from(SAATY_VALUES), min_size=m,
                                         max_size=m)), dtype=float)
    A = from_upper_triangle(values, n)
    np.testing.assert_allclose(A, matrix_from_upper(values, n), rtol=1e-15)
    if n > 1:  # the order is inferred from the length n(n-1)/2
        np.testing.assert_array_equal(from_upper_triangle(values), A)


def test_from_upper_triangle_batched_and_missing():
    A = from_upper_triangle([[2, nan, 4], [3, 5, 7]])
    assert A.shape == (2, 3, 3)
    assert np.isnan(A[0, 0, 2]) and np.isnan(A[0, 2, 0])
    assert A[1, 2, 1] == pytest.approx(1 / 7)


def test_from_upper_triangle_wrong_length():
    with pytest.raises(ValueError, match=r"`values` must hold n\(n-1\)/2 upper-triangle "
                                         r"judgments; got 4 for n = 3 instead"):
        from_upper_triangle([1, 2, 3, 4], 3)


@given(weight_vectors(orders(1, 8)))
def test_consistent_matrix(w):
    A = consistent_matrix(w)
    n = w.size
    for i in range(n):
        for j in range(n):
            assert A[i, j] == pytest.approx(w[i] / w[j], rel=1e-15)


@given(wa=consistent_matrices(orders(1, 8)))
def test_log_errors_zero_for_consistent_and_antisymmetric(wa):
    w, A = wa
    np.testing.assert_allclose(log_errors(A, w), 0.0, atol=1e-12)
    np.testing.assert_allclose(log_errors(A, w * 3.7), 0.0, atol=1e-12)  # scale-free


@given(saaty_matrices(orders(2, 7)), weight_vectors(orders(7, 7)))
def test_log_errors_hand_formula(A, w7):
    n = A.shape[0]
    w = w7[:n] / w7[:n].sum()
    E = log_errors(A, w)
    for i in range(n):
        for j in range(n):
            assert E[i, j] == pytest.approx(np.log(A[i, j] * w[j] / w[i]), abs=1e-12)
    np.testing.assert_allclose(E, -E.T, atol=1e-12)


# -------------------------------------------------------------------------- comparison graph


@given(n=orders(1, 9), data=st.data())
def test_generated_incomplete_masks_are_connected(n, data):
    keep = data.draw(incomplete_masks(n))
    assert bool(is_connected(keep))
    assert comparison_graph_components(keep) == [list(range(n))]


def components_reference(adj: np.ndarray) -> list[list[int]]:
    """Components by repeated relabelling (minimum label over neighbours until stable)."""
    n = adj.shape[0]
    label = list(range(n))
    changed = True
    while changed:
        changed = False
        for i in range(n):
            for j in range(n):
                if (adj[i, j] or adj[j, i]) and label[j] < label[i]:
                    label[i] = label[j]
                    changed = True
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(label):
        groups.setdefault(lab, []).append(i)
    return sorted(groups.values())


@given(n=orders(1, 9), data=st.data())
def test_components_match_reference(n, data):
    iu = np.triu_indices(n, 1)
    bits = data.draw(st.lists(st.booleans(), min_size=iu[0].size, max_size=iu[0].size))
    adj = np.eye(n, dtype=bool)
    adj[iu[0][bits], iu[1][bits]] = True
    adj = adj | adj.T
    comps = comparison_graph_components(adj)
    assert comps == components_reference(adj)
    assert bool(is_connected(adj)) == (len(comps) == 1)


def test_is_connected_batched():
    m = np.ones((3, 4, 4), dtype=bool)
    m[1, :2, 2:] = m[1, 2:, :2] = False
    m[2] = np.eye(4, dtype=bool)
    assert is_connected(m).tolist() == [True, False, False]
    assert comparison_graph_components(m[2]) == [[0], [1], [2], [3]]


def test_components_needs_one_matrix():
    with pytest.raises(ValueError, match=r"`present` must be one \(n, n\) matrix; got shape "
                                         r"\(2, 3, 3\) instead"):
        comparison_graph_components(np.ones((2, 3, 3), dtype=bool))


# ---------------------------------------------------------------------------------- validation


def test_validate_returns_exact_reciprocals():
    A = validate_matrix([[1, 3, 0.2], [0.333, 1, 0.5], [5, 2, 1]])
    assert A[1, 0] == 1 / 3 and A[2, 1] == 2.0  # upper triangle wins
    np.testing.assert_array_equal(A * A.T, np.ones((3, 3)))


def test_validate_snaps_to_saaty_scale():
    A = validate_matrix([[1, 0.333], [3.003, 1]], scale="saaty")
    assert A[0, 1] == 1 / 3 and A[1, 0] == 3.0


@given(saaty_matrices(orders(1, 8)))
def test_validate_accepts_saaty_matrices_unchanged(A):
    np.testing.assert_allclose(validate_matrix(A, scale="saaty"), A, rtol=1e-15)


def test_not_numeric():
    with pytest.raises(ValueError, match=r"`A` must be a numeric array of shape \(\.\.\., n, n\)"):
        as_matrix_batch([["a", "b"], ["c", "d"]])


def test_empty():
    with pytest.raises(ValueError, match=r"`A` must have at least one element; got shape "
                                         r"\(0, 0\) instead"):
        validate_matrix(np.ones((0, 0)))


def test_not_square_names_parameter():
    with pytest.raises(ValueError, match=r"`stack` must be square with shape \(\.\.\., n, n\); "
                                         r"got shape \(2, 2, 3\) instead"):
        validate_matrix(np.ones((2, 2, 3)), name="stack")


def test_nan_on_diagonal():
    with pytest.raises(ValueError, match=r"`A` must have 1 on the diagonal: a\[0, 0\] = nan"):
        validate_matrix([[nan, 1], [1, 1]], allow_missing=True)


def test_diagonal_in_batch_names_matrix():
    S = np.ones((2, 3, 3, 3))
    S[1, 2, 1, 1] = 2
    with pytest.raises(ValueError, match=r"`A` must have 1 on the diagonal in matrix \(1, 2\): "
                                         r"a\[1, 1\] = 2\. Got 2 instead of 1"):
        validate_matrix(S)


def test_zero_entry():
    with pytest.raises(ValueError, match=r"`A` entries must be positive: got a\[1, 0\] = 0"):
        validate_matrix([[1, 2], [0, 1]])


def test_negative_infinity():
    with pytest.raises(ValueError, match=r"`A` entries must be finite: got a\[0, 1\] = -inf"):
        validate_matrix([[1, -np.inf], [1, 1]])


def test_reciprocity_tolerance():
    validate_matrix([[1, 2], [0.499, 1]])  # 0.2% off: rounding, accepted
    with pytest.raises(ValueError, match=r"a\[0, 1\] \* a\[1, 0\] = 0\.96 \(a\[0, 1\] = 2, "
                                         r"a\[1, 0\] = 0\.48\)\. Expected 1"):
        validate_matrix([[1, 2], [0.48, 1]])
    validate_matrix([[1, 2], [0.48, 1]], rtol=0.05)


def test_off_scale_value_and_reciprocal_of_off_scale():
    with pytest.raises(ValueError, match=r"off Saaty's 1-9 scale: a\[0, 1\] = 10\."):
        validate_matrix([[1, 10], [0.1, 1]], scale="saaty")
    with pytest.raises(ValueError, match=r"off Saaty's 1-9 scale: a\[0, 2\] = 1\.13\."):
        validate_matrix(matrix_from_upper(np.array([2, 1.13, 3]), 3), scale="saaty")


def test_off_scale_with_missing_judgments():
    A = np.array([[1, 2, nan], [0.5, 1, 2.5], [nan, 0.4, 1]])
    with pytest.raises(ValueError, match=r"off Saaty's 1-9 scale: a\[1, 2\] = 2\.5"):
        validate_matrix(A, allow_missing=True, scale="saaty")


def test_disconnected_three_components():
    A = np.full((5, 5), nan)
    np.fill_diagonal(A, 1)
    A[0, 3], A[3, 0] = 2, 0.5
    A[1, 4], A[4, 1] = 3, 1 / 3
    with pytest.raises(ValueError, match=r"links the components \{0, 3\} \| \{1, 4\} \| \{2\}; "
                                         r"weights are not identified\. Got 3 components"):
        validate_matrix(A, allow_missing=True)


def test_public_names_are_reexported():
    assert ah.pairwise.validate_matrix is validate_matrix
    assert ah.InputError.__mro__[1] is ValueError


def test_clean_input_is_returned_as_it_is_and_data_problems_are_input_errors():
    A = matrix_from_upper(np.array([2.0, 3.0, 0.5]), 3)
    assert validate_matrix(A) is A
    with pytest.raises(ah.InputError):
        validate_matrix([[1, 2], [0.4, 1]])
    with pytest.raises(ValueError) as err:  # argument misuse: a plain ValueError
        validate_matrix(np.ones((2, 3)))
    assert not isinstance(err.value, ah.InputError)


def test_rounded_reciprocals_are_made_exact_per_matrix():
    # Only the matrix with a rounded entry (0.333) gets exact reciprocals; the other keeps
    # its own lower triangle bit for bit (within 1e-12 of reciprocal: nothing to fix).
    exact = matrix_from_upper(np.array([3.0, 5.0, 2.0]), 3)
    tiny = exact.copy()
    tiny[2, 0] = 0.2 * (1 + 4e-13)
    rounded = exact.copy()
    rounded[1, 0] = 0.333
    got = validate_matrix(np.stack([tiny, rounded]))
    np.testing.assert_array_equal(got[0], tiny)
    assert got[1, 1, 0] == 1 / 3


def test_saaty_pairs_snap_whichever_entry_was_written():
    # 0.14 is on the scale as 1/7 although its mirror 1/0.14 = 7.14 is 2 % off 7: the pair
    # becomes (1/7, 7) exactly, whichever triangle holds the written value.
    A = matrix_from_upper(np.array([0.14, 2.0, 3.0]), 3)
    got = validate_matrix(A, scale="saaty")
    assert got[0, 1] == 1 / 7 and got[1, 0] == 7.0
    got = validate_matrix(A.T.copy(), scale="saaty")
    assert got[1, 0] == 1 / 7 and got[0, 1] == 7.0
