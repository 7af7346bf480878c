"""Tests of ahpstat.aggregation (core): AIJ and AIP (Forman & Peniwati 1998)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ahpstat as ah
from ahpstat.aggregation import normalize_expert_weights
from strategies import (
    batches,
    eig_reference,
    incomplete_saaty_matrices,
    llsm_reference,
    orders,
    saaty_matrices,
    weight_vectors,
)

nan = np.nan


def expert_weights_for(k: int) -> st.SearchStrategy[np.ndarray]:
    return st.lists(st.floats(0.1, 10.0), min_size=k, max_size=k).map(np.array)


def rgm(A: np.ndarray) -> np.ndarray:
    """Row geometric mean by products, normalized (Crawford & Williams 1985)."""
    g = np.prod(A, axis=1) ** (1 / A.shape[0])
    return g / g.sum()


# ------------------------------------------------------------------------- hand computations


def test_two_experts_by_hand():
    # AIJ: sqrt(4 * 1) = 2. AIP arithmetic: ((0.8, 0.2) + (0.5, 0.5)) / 2 = (0.65, 0.35).
    # AIP geometric: sqrt(0.8 * 0.5) : sqrt(0.2 * 0.5) = 2 : 1 -> (2/3, 1/3).
    S = np.array([[[1, 4], [1 / 4, 1]], [[1, 1], [1, 1]]])
    np.testing.assert_allclose(ah.aggregate(S, method="aij"), [[1, 2], [0.5, 1]])
    np.testing.assert_allclose(ah.aggregate(S, method="aip", mean="arithmetic"), [0.65, 0.35])
    np.testing.assert_allclose(ah.aggregate(S, method="aip"), [2 / 3, 1 / 3])
    # expert weights 3 : 1 -> AIJ 4^(3/4) = 2.828...
    G = ah.aggregate(S, method="aij", expert_weights=[3, 1])
    assert G[0, 1] == pytest.approx(4 ** 0.75) and G[1, 0] == pytest.approx(4 ** -0.75)
    np.testing.assert_allclose(ah.aggregate(S, method="aip", mean="arithmetic",
                                            expert_weights=[3, 1]), [0.725, 0.275])


@given(S=batches(saaty_matrices, orders(2, 6), max_size=5), data=st.data())
def test_aij_is_weighted_geometric_mean(S, data):
    K = S.shape[0]
    ew = data.draw(expert_weights_for(K))
    G = ah.aggregate(S, method="aij", expert_weights=ew)
    p = ew / ew.sum()
    expected = np.prod(S ** p[:, None, None], axis=0)
    np.testing.assert_allclose(G, expected, rtol=1e-12)
    np.testing.assert_allclose(G * G.T, 1.0, rtol=1e-12)  # the geometric mean keeps reciprocity


@pytest.mark.parametrize("mean", ["geometric", "arithmetic"])
@given(S=batches(saaty_matrices, orders(2, 6), max_size=5), data=st.data())
def test_aip_by_hand(mean, S, data):
    K = S.shape[0]
    ew = data.draw(expert_weights_for(K))
    p = ew / ew.sum()
    W = np.array([eig_reference(S[k])[0] for k in range(K)])  # eigenvector per expert
    if mean == "arithmetic":
        expected = p @ W
    else:
        expected = np.prod(W ** p[:, None], axis=0)
    expected = expected / expected.sum()
    got = ah.aggregate(S, method="aip", mean=mean, expert_weights=ew)
    np.testing.assert_allclose(got, expected, atol=1e-9)


@given(S=batches(saaty_matrices, orders(2, 7), max_size=6), data=st.data())
def test_aij_aip_identity_with_expert_weights(S, data):
    # Forman & Peniwati (1998); docs/methods.md: the row geometric mean of the weighted
    # geometric AIJ matrix equals the normalized weighted geometric mean of the experts'
    # row-geometric-mean vectors. Checked through the package and by hand.
    K = S.shape[0]
    ew = data.draw(expert_weights_for(K))
    via_aij = ah.weights(ah.aggregate(S, method="aij", expert_weights=ew),
                         method="geometric_mean").weights
    via_aip = ah.aggregate(S, method="aip", mean="geometric", weighting="geometric_mean",
                           expert_weights=ew)
    p = ew / ew.sum()
    hand = np.prod(np.array([rgm(S[k]) for k in range(K)]) ** p[:, None], axis=0)
    np.testing.assert_allclose(via_aij, via_aip, rtol=1e-10)
    np.testing.assert_allclose(via_aip, hand / hand.sum(), rtol=1e-10)


@given(w=weight_vectors(orders(2, 6)), K=st.integers(1, 4))
def test_identical_consistent_experts(w, K):
    S = np.broadcast_to(w[:, None] / w[None, :], (K, w.size, w.size))
    np.testing.assert_allclose(ah.aggregate(S, method="aij"), S[0], rtol=1e-12)
    for mean in ("geometric", "arithmetic"):
        np.testing.assert_allclose(ah.aggregate(S, method="aip", mean=mean), w, rtol=1e-9)


@given(S=batches(saaty_matrices, orders(2, 5), min_size=2, max_size=4), data=st.data())
def test_expert_order_does_not_matter(S, data):
    K = S.shape[0]
    ew = data.draw(expert_weights_for(K))
    p = np.array(data.draw(st.permutations(range(K))), dtype=int)
    for kw in ({"method": "aij"}, {"method": "aip"}, {"method": "aip", "mean": "arithmetic"}):
        np.testing.assert_allclose(ah.aggregate(S, expert_weights=ew, **kw),
                                   ah.aggregate(S[p], expert_weights=ew[p], **kw), rtol=1e-10)


def test_batched_nodes_equal_loop():
    rng = np.random.default_rng(5)
    v = np.exp(rng.normal(size=(3, 4, 6)))  # 3 nodes, 4 experts, n = 4
    S = np.ones((3, 4, 4, 4))
    iu = np.triu_indices(4, 1)
    S[..., iu[0], iu[1]] = v
    S[..., iu[1], iu[0]] = 1 / v
    ew = [1, 2, 3, 4]
    for kw in ({"method": "aij"}, {"method": "aip"}, {"method": "aip", "mean": "arithmetic"}):
        got = ah.aggregate(S, expert_weights=ew, **kw)
        for g in range(3):
            np.testing.assert_allclose(got[g], ah.aggregate(S[g], expert_weights=ew, **kw),
                                       rtol=1e-12)


# ------------------------------------------------------------------------- missing judgments


def test_aij_skips_missing_and_renormalizes_by_hand():
    # a_13: only experts 2 and 3 judged it (9 and 1/9 ... weights 2 and 4 -> 9^(2/6) 9^(-4/6)).
    E1 = np.array([[1, 2, nan], [1 / 2, 1, 3], [nan, 1 / 3, 1]])
    E2 = np.array([[1, 4, 9], [1 / 4, 1, 1], [1 / 9, 1, 1]])
    E3 = np.array([[1, 1, 1 / 9], [1, 1, 2], [9, 1 / 2, 1]])
    G = ah.aggregate(np.stack([E1, E2, E3]), method="aij", expert_weights=[1, 2, 4])
    assert G[0, 2] == pytest.approx(9 ** (2 / 6) * (1 / 9) ** (4 / 6), rel=1e-12)
    assert G[0, 1] == pytest.approx(2 ** (1 / 7) * 4 ** (2 / 7), rel=1e-12)
    assert G[2, 0] == pytest.approx(1 / G[0, 2], rel=1e-12)


def test_aij_pair_nobody_judged_stays_missing():
    E1 = np.array([[1, 2, nan, 3], [1 / 2, 1, 2, nan], [nan, 1 / 2, 1, 2],
                   [1 / 3, nan, 1 / 2, 1]])
    G = ah.aggregate(np.stack([E1, E1]), method="aij")
    assert np.isnan(G[0, 2]) and np.isnan(G[1, 3])
    np.testing.assert_allclose(G[~np.isnan(G)], E1[~np.isnan(E1)], rtol=1e-12)


@pytest.mark.parametrize("weighting", ["harker", "llsm"])
@given(S=batches(incomplete_saaty_matrices, orders(3, 5), max_size=3))
def test_aip_incomplete(weighting, S):
    K = S.shape[0]
    got = ah.aggregate(S, method="aip", weighting=weighting, mean="arithmetic")
    if weighting == "llsm":
        W = np.array([llsm_reference(S[k]) for k in range(K)])
        np.testing.assert_allclose(got, W.mean(axis=0) / W.mean(axis=0).sum(), rtol=1e-8)
    assert np.all(got > 0) and got.sum() == pytest.approx(1.0)


# ------------------------------------------------------------------------- validation errors


def test_aij_pools_experts_whose_own_graphs_are_disconnected():
    # AIJ needs only the pooled graph connected (issue 3: "a node whose pooled comparison graph
    # is disconnected is an error"): expert 1 judged a-b only, expert 2 b-c only.
    E1 = np.array([[1, 2, nan], [1 / 2, 1, nan], [nan, nan, 1]])
    E2 = np.array([[1, nan, nan], [nan, 1, 3], [nan, 1 / 3, 1]])
    G = ah.aggregate(np.stack([E1, E2]), method="aij")
    assert G[0, 1] == 2 and G[1, 2] == pytest.approx(3) and np.isnan(G[0, 2])
    E3 = np.array([[1, 2, nan, nan], [1 / 2, 1, nan, nan], [nan, nan, 1, 3],
                   [nan, nan, 1 / 3, 1]])
    with pytest.raises(ValueError, match=r"`aggregate` has a disconnected comparison graph: "
                                         r".*\{0, 1\} \| \{2, 3\}"):
        ah.aggregate(np.stack([E3, E3]), method="aij")


def test_aip_disconnected_expert_matrix():
    # AIP weights each expert's matrix, so each graph must be connected.
    E = np.array([[1, 2, nan, nan], [1 / 2, 1, nan, nan], [nan, nan, 1, 3],
                  [nan, nan, 1 / 3, 1]])
    with pytest.raises(ValueError, match=r"`stack` has a disconnected comparison graph in "
                                         r"matrix \(1,\): .*\{0, 1\} \| \{2, 3\}"):
        ah.aggregate(np.stack([np.ones((4, 4)), E]), method="aip", weighting="llsm")


def test_aip_complete_only_weighting_rejects_missing():
    E = np.array([[1, 2, nan], [1 / 2, 1, 3], [nan, 1 / 3, 1]])
    with pytest.raises(ValueError, match=r"`stack` has a missing judgment a\[0, 2\] in matrix "
                                         r"\(1,\); this method needs a complete matrix: use "
                                         r"weighting='harker' or 'llsm'"):
        ah.aggregate(np.stack([np.ones((3, 3)), E]), method="aip", weighting="eigenvector")


@pytest.mark.parametrize(("kw", "message"), [
    ({"method": "aijp"}, r"`method` must be one of \{'aij', 'aip'\}; got 'aijp' instead"),
    ({"mean": "harmonic"}, r"`mean` must be one of \{'geometric', 'arithmetic'\}; got "
                           r"'harmonic' instead"),
    ({"weighting": "ahp"}, r"`weighting` must be one of \{'eigenvector', .*\}; got 'ahp'"),
    ({"expert_weights": [1, 2, 3]}, r"`expert_weights` must have one weight per expert \(2\); "
                                    r"got shape \(3,\) instead"),
    ({"expert_weights": [1, -1]}, r"`expert_weights` must be positive and finite; got "
                                  r"\[1\.0, -1\.0\] instead"),
    ({"expert_weights": [1, nan]}, r"`expert_weights` must be positive and finite"),
])
def test_argument_errors(kw, message):
    S = np.ones((2, 3, 3))
    with pytest.raises(ValueError, match=message):
        ah.aggregate(S, **kw)


def test_stack_needs_expert_axis():
    with pytest.raises(ValueError, match=r"`stack` must have shape \(\.\.\., experts, n, n\); "
                                         r"got shape \(3, 3\) instead"):
        ah.aggregate(np.ones((3, 3)))


def test_stack_entries_validated():
    S = np.ones((2, 3, 3))
    S[1, 0, 1] = 5  # a[1,0] stays 1
    with pytest.raises(ValueError, match=r"`stack` is not reciprocal in matrix \(1,\): "
                                         r"a\[0, 1\] \* a\[1, 0\] = 5"):
        ah.aggregate(S)


def test_normalize_expert_weights():
    np.testing.assert_allclose(normalize_expert_weights([2, 6], 2), [0.25, 0.75])
    np.testing.assert_allclose(normalize_expert_weights(None, 3), [1 / 3] * 3)


def test_method_names_are_case_insensitive():
    # One vocabulary (issue 9): every method name is matched case-insensitively.
    stack = np.array([[[1, 4], [1 / 4, 1]], [[1, 1], [1, 1]]])
    np.testing.assert_array_equal(ah.aggregate(stack, method="AIJ"),
                                  ah.aggregate(stack, method="aij"))
    np.testing.assert_array_equal(
        ah.aggregate(stack, method="AIP", mean="Arithmetic", weighting="Geometric_Mean"),
        ah.aggregate(stack, method="aip", mean="arithmetic", weighting="geometric_mean"))
