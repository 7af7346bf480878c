"""Tests of ahpstat.consistency: CI/CR with named tables, GCI, Koczkodaj, worst judgments."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given

import ahpstat as ah
from _base_study import copy_base_study
from ahpstat.consistency import KOCZKODAJ_1993_THRESHOLD, gci_threshold, worst_judgments
from strategies import (
    SAATY_VALUES,
    batches,
    consistent_matrices,
    incomplete_consistent_matrices,
    incomplete_saaty_matrices,
    llsm_reference,
    matrix_from_upper,
    orders,
    saaty_matrices,
)

INDICES = ("ci", "cr", "gci", "koczkodaj")
DRINKS_UPPER = [9, 5, 2, 1, 1, 1 / 2, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 3, 1 / 4, 1 / 3,
                1 / 9, 1 / 2, 1, 1 / 3, 2, 1 / 2, 1 / 3]


def lambda_max_reference(A: np.ndarray) -> float:
    return float(np.linalg.eigvals(A).real.max())


def gci_reference(A: np.ndarray) -> float:
    """Aguaron & Moreno-Jimenez (2003): 2/((n-1)(n-2)) sum_{i<j} log^2(a_ij w_j / w_i)."""
    n = A.shape[0]
    g = np.prod(A, axis=1) ** (1 / n)  # row geometric means (scale does not matter)
    s = sum(np.log(A[i, j] * g[j] / g[i]) ** 2 for i in range(n) for j in range(i + 1, n))
    return 2 * s / ((n - 1) * (n - 2))


def koczkodaj_reference(A: np.ndarray) -> float:
    """Koczkodaj (1993): max over triads of min(|1 - a_ik/(a_ij a_jk)|, |1 - a_ij a_jk/a_ik|)."""
    n = A.shape[0]
    worst = 0.0
    for i, j, k in itertools.combinations(range(n), 3):
        a, b, c = A[i, j], A[i, k], A[j, k]
        if np.isnan(a) or np.isnan(b) or np.isnan(c):
            continue
        worst = max(worst, min(abs(1 - b / (a * c)), abs(1 - a * c / b)))
    return worst


# --------------------------------------------------------------------------- published numbers


def test_drinks_consistency_ratio():
    # Saaty: lambda_max = 7.177, CR = 0.022 with RI(7) = 1.32 (published by Saaty; AHPy's
    # README prints 0.022 too, with Saaty's 2005 table).
    A = matrix_from_upper(np.array(DRINKS_UPPER), 7)
    c = ah.consistency(A, index="cr", random_index="saaty")
    assert float(c.value) == pytest.approx(0.022, abs=5e-4)
    assert c.random_index == "saaty" and c.random_index_value == 1.32
    assert float(c.lambda_max) == pytest.approx(7.177, abs=5e-4)
    assert c.threshold == 0.1 and bool(c.acceptable)
    # independent: CI from LAPACK's eigenvalue, divided by Saaty's RI(7) = 1.32
    assert float(c.value) == pytest.approx((lambda_max_reference(A) - 7) / 6 / 1.32, rel=1e-9)
    c05 = ah.consistency(A, random_index="saaty_2005")
    assert float(c05.value) == pytest.approx(0.022, abs=5e-4)


# AHPy README (github.com/PhilipGriffith/AHPy): consistency ratios as printed, with the table
# each example used ('saaty' in AHPy is Saaty's 2005 table; 'dd' is Donegan & Dodd, default).
AHPY_CR = {
    "experience": ([1 / 4, 4, 9], "saaty_2005", 0.035, 3),
    "education": ([3, 1 / 5, 1 / 7], "saaty_2005", 0.062, 3),
    "leader_criteria": ([4, 3, 7, 1 / 3, 3, 5], "saaty_2005", 0.044, 3),
    "car_criteria": ([3, 7, 3, 9, 1, 1 / 7], "donegan_dodd", 0.08, 3),
    "cost": ([2, 5, 3, 2, 2, 1 / 2], "donegan_dodd", 0.016, 3),
    "price": ([9, 9, 1, 1 / 2, 5, 1, 1 / 9, 1 / 9, 1 / 7, 1 / 9, 1 / 9, 1 / 7, 1 / 2, 5, 6],
              "donegan_dodd", 0.072, 3),
    "cargo": ([1, 1 / 2, 1 / 2, 1 / 2, 1 / 3, 1 / 2, 1 / 2, 1 / 2, 1 / 3, 1, 1, 1 / 2, 1, 1 / 2,
               1 / 2], "donegan_dodd", 0.002, 3),
    # "Missing Pairwise Comparisons" example, complete version (precision 4)
    "bozoki_complete": ([1, 5, 2, 3, 4, 3 / 4], "donegan_dodd", 0.0372, 4),
}


@pytest.mark.parametrize("name", sorted(AHPY_CR))
def test_ahpy_published_consistency_ratios(name):
    upper, table, published, decimals = AHPY_CR[name]
    n = round((1 + np.sqrt(1 + 8 * len(upper))) / 2)
    A = matrix_from_upper(np.array(upper, dtype=float), n)
    c = ah.consistency(A, index="cr", random_index=table)
    assert round(float(c.value), decimals) == pytest.approx(published, abs=1e-12)
    assert c.random_index == table


def test_incomplete_cr_is_that_of_the_optimal_completion_ahpy():
    # AHPy README: with c-d missing the optimal completion (Bozoki et al. 2010) gives
    # CR 0.0372 (Donegan & Dodd table).
    nan = np.nan
    A = np.array([[1, 1, 5, 2], [1, 1, 3, 4], [1 / 5, 1 / 3, 1, nan], [1 / 2, 1 / 4, nan, 1]])
    c = ah.consistency(A, random_index="donegan_dodd", random_index_incomplete="table")
    assert round(float(c.value), 4) == pytest.approx(0.0372, abs=1e-12)
    assert c.completion == "optimal" and c.random_index == "donegan_dodd"
    # by default the same CI is divided by RI(4, 1) of incomplete matrices instead
    d = ah.consistency(A, random_index="donegan_dodd")
    assert float(d.value) == pytest.approx(
        float(c.value) * ah.random_index(4, "donegan_dodd") / d.random_index_value, rel=1e-12)


def test_gci_thresholds_aguaron_moreno_jimenez():
    # Aguaron & Moreno-Jimenez (2003), EJOR 147, 137-145: 0.31 (n = 3), 0.35 (n = 4),
    # 0.37 (n > 4).
    assert gci_threshold(3) == 0.31 and gci_threshold(4) == 0.35
    for n in (5, 6, 9, 15, 30):
        assert gci_threshold(n) == 0.37
    for n, thr in ((3, 0.31), (4, 0.35), (5, 0.37), (8, 0.37)):
        assert ah.consistency(np.ones((n, n)), index="gci").threshold == thr


def test_koczkodaj_hand_computed_triads():
    # Koczkodaj (1993): triad (a_12, a_13, a_23) = (2, 4, 3): a_12 a_23 / a_13 = 1.5,
    # min(|1 - 4/6|, |1 - 6/4|) = 1/3 -- exactly the acceptability limit 1/3.
    A = matrix_from_upper(np.array([2.0, 4.0, 3.0]), 3)
    one_third = KOCZKODAJ_1993_THRESHOLD
    c = ah.consistency(A, index="koczkodaj", threshold=one_third)
    assert float(c.value) == pytest.approx(1 / 3, rel=1e-12)
    assert c.threshold == pytest.approx(1 / 3) and bool(c.acceptable)
    # (2, 8, 2): a_12 a_23 / a_13 = 0.5, min(|1 - 2|, |1 - 0.5|) = 0.5 -> not acceptable
    B = matrix_from_upper(np.array([2.0, 8.0, 2.0]), 3)
    c = ah.consistency(B, index="koczkodaj", threshold=one_third)
    assert float(c.value) == pytest.approx(0.5, rel=1e-12) and not bool(c.acceptable)
    # without a threshold the index is a diagnostic: nothing flagged (issue 11.4)
    c = ah.consistency(B, index="koczkodaj")
    assert np.isnan(c.threshold) and bool(c.acceptable)
    # consistent triad (2, 6, 3): 0
    C = matrix_from_upper(np.array([2.0, 6.0, 3.0]), 3)
    assert float(ah.consistency(C, index="koczkodaj").value) == pytest.approx(0, abs=1e-12)


def test_ci_index_and_its_threshold():
    # CI = (lambda_max - n)/(n - 1) (Saaty 1977); CI <= 0.1 RI(n) is the same rule as CR <= 0.1.
    A = matrix_from_upper(np.array(DRINKS_UPPER), 7)
    c = ah.consistency(A, index="ci", random_index="alonso_lamata")
    assert float(c.value) == pytest.approx((lambda_max_reference(A) - 7) / 6, rel=1e-9)
    assert c.threshold == pytest.approx(0.1 * 1.3417)


def test_explicit_threshold():
    A = matrix_from_upper(np.array(DRINKS_UPPER), 7)
    c = ah.consistency(A, index="cr", threshold=0.02)
    assert c.threshold == 0.02 and not bool(c.acceptable)


def test_to_frame_schema():
    S = np.stack([np.ones((3, 3)), matrix_from_upper(np.array([9.0, 1 / 9, 9.0]), 3)])
    f = ah.consistency(S, index="cr").to_frame()
    assert list(f.columns) == ["matrix", "index", "value", "threshold", "acceptable",
                               "random_index"]
    assert f["acceptable"].tolist() == [True, False]


# -------------------------------------------------------------- independent computations


@given(saaty_matrices(orders(3, 12)))
def test_cr_matches_lapack(A):
    n = A.shape[0]
    ri = {3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49, 11: 1.51,
          12: 1.48}[n]  # Saaty (1980), typed in from the book's table
    c = ah.consistency(A, index="cr")
    assert float(c.value) == pytest.approx((lambda_max_reference(A) - n) / (n - 1) / ri,
                                           rel=1e-8, abs=1e-12)
    assert bool(c.acceptable) == (float(c.value) <= 0.1 + 1e-12)


@given(saaty_matrices(orders(3, 10)))
def test_gci_matches_hand_formula(A):
    assert float(ah.consistency(A, index="gci").value) == pytest.approx(gci_reference(A),
                                                                        rel=1e-9, abs=1e-12)


@given(saaty_matrices(orders(3, 8)))
def test_koczkodaj_matches_triad_loop(A):
    assert float(ah.consistency(A, index="koczkodaj").value) == pytest.approx(
        koczkodaj_reference(A), rel=1e-9, abs=1e-12)


@given(incomplete_saaty_matrices(orders(3, 7)))
def test_koczkodaj_incomplete_uses_complete_triads(A):
    c = ah.consistency(A, index="koczkodaj")
    assert float(c.value) == pytest.approx(koczkodaj_reference(A), rel=1e-9, abs=1e-12)
    assert c.completion == "complete triads only"


@given(incomplete_saaty_matrices(orders(3, 7)))
def test_gci_incomplete_given_pairs(A):
    # Squared log errors over the given pairs with incomplete-LLSM weights, divided by the
    # residual degrees of freedom (given pairs - (n - 1)); the LLSM weights come from the
    # least-squares solve built in strategies.llsm_reference.
    n = A.shape[0]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if not np.isnan(A[i, j])]
    mu = np.log(llsm_reference(A))
    sse = sum((np.log(A[i, j]) - mu[i] + mu[j]) ** 2 for i, j in pairs)
    dof = len(pairs) - (n - 1)
    expected = sse / dof if dof > 0 else 0.0
    c = ah.consistency(A, index="gci")
    assert float(c.value) == pytest.approx(expected, rel=1e-8, abs=1e-12)
    assert c.completion == "given pairs only"


# ------------------------------------------------------------------------------- properties


@pytest.mark.parametrize("index", INDICES)
@given(wa=consistent_matrices(orders(1, 10)))
def test_consistent_matrix_has_zero_inconsistency(index, wa):
    _, A = wa
    c = ah.consistency(A, index=index)
    assert float(c.value) == pytest.approx(0.0, abs=1e-9)
    assert bool(c.acceptable)


@pytest.mark.parametrize("index", INDICES)
@given(wa=incomplete_consistent_matrices(orders(3, 6)))
def test_incomplete_consistent_matrix_has_zero_inconsistency(index, wa):
    _, A = wa
    assert float(ah.consistency(A, index=index).value) == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize("index", INDICES)
@given(S=batches(saaty_matrices, orders(1, 7)))
def test_batch_equals_loop(index, S):
    c = ah.consistency(S, index=index)
    assert np.shape(c.value) == S.shape[:1]
    for k in range(S.shape[0]):
        ck = ah.consistency(S[k], index=index)
        assert float(c.value[k]) == pytest.approx(float(ck.value), rel=1e-10, abs=1e-12)
        assert bool(c.acceptable[k]) == bool(ck.acceptable)


@pytest.mark.parametrize("index", INDICES)
@given(S=batches(incomplete_saaty_matrices, orders(3, 5), max_size=3))
def test_batch_equals_loop_incomplete(index, S):
    c = ah.consistency(S, index=index)
    for k in range(S.shape[0]):
        ck = ah.consistency(S[k], index=index)
        assert float(c.value[k]) == pytest.approx(float(ck.value), rel=1e-7, abs=1e-10)


@pytest.mark.parametrize("index", INDICES)
@pytest.mark.parametrize("n", [1, 2])
def test_orders_one_and_two_are_consistent(index, n):
    A = matrix_from_upper(np.array([7.0])[: n * (n - 1) // 2], n)
    c = ah.consistency(A, index=index)
    assert float(c.value) == 0.0 and bool(c.acceptable)


@pytest.mark.parametrize("table", ["alonso_lamata", "donegan_dodd"])
def test_order_thirty(table):
    rng = np.random.default_rng(30)
    values = np.array([1 / 9, 1 / 5, 1 / 2, 1, 2, 3, 7, 9])[rng.integers(0, 8, 435)]
    A = matrix_from_upper(values, 30)
    c = ah.consistency(A, random_index=table)
    ri = {"alonso_lamata": (1.7699 * 30 - 4.3513) / 29, "donegan_dodd": 1.5772}[table]
    assert c.random_index_value == pytest.approx(ri, rel=1e-12)
    assert float(c.value) == pytest.approx((lambda_max_reference(A) - 30) / 29 / ri, rel=1e-8)
    for index in ("gci", "koczkodaj"):
        assert np.isfinite(ah.consistency(A, index=index).value)


@given(saaty_matrices(orders(3, 8)))
def test_cr_orders_agree_across_tables(A):
    # The same CI divided by each table's RI(n): ratios between tables are the RI ratios.
    n = A.shape[0]
    cr = {t: float(ah.consistency(A, random_index=t).value) for t in
          ("saaty", "saaty_2005", "alonso_lamata", "donegan_dodd")}
    ci = float(ah.consistency(A, index="ci").value)
    for t, v in cr.items():
        assert v == pytest.approx(ci / ah.random_index(n, t), rel=1e-10, abs=1e-12)


# ------------------------------------------------------------------------- worst judgments


def test_worst_judgments_finds_the_perturbed_entry():
    # A consistent 5x5 matrix with a_13 multiplied by 6: the log error of (1, 3) is the largest.
    w = np.array([0.35, 0.25, 0.2, 0.12, 0.08])
    A = w[:, None] / w[None, :]
    A[1, 3] *= 6
    A[3, 1] = 1 / A[1, 3]
    df = ah.worst_judgments(A, k=3)
    assert list(df.columns) == ["matrix", "rank", "row", "col", "value", "consistent_value",
                                "log_error"]
    assert (int(df.loc[0, "row"]), int(df.loc[0, "col"])) == (1, 3)
    assert df["rank"].tolist() == [1, 2, 3] and len(df) == 3
    # hand: geometric-mean weights, e_ij = log(a_ij g_j / g_i), consistent value g_i / g_j
    g = np.prod(A, axis=1) ** (1 / 5)
    assert df.loc[0, "value"] == pytest.approx(A[1, 3])
    assert df.loc[0, "consistent_value"] == pytest.approx(g[1] / g[3], rel=1e-12)
    assert df.loc[0, "log_error"] == pytest.approx(np.log(A[1, 3] * g[3] / g[1]), rel=1e-12)
    assert df.loc[0, "log_error"] == pytest.approx(np.log(6) * (1 - 2 / 5), rel=1e-12)
    assert np.all(np.diff(np.abs(df["log_error"])) <= 1e-12)


def test_worst_judgments_incomplete_and_batched():
    nan = np.nan
    A = np.array([[1, 1, 5, 2], [1, 1, 3, 4], [1 / 5, 1 / 3, 1, nan], [1 / 2, 1 / 4, nan, 1]])
    df = ah.worst_judgments(np.stack([A, A]))
    assert len(df) == 10  # 5 given pairs per matrix; the missing pair is not ranked
    assert set(df["matrix"]) == {0, 1}
    assert not ((df["row"] == 2) & (df["col"] == 3)).any()


# ------------------------------------------------------------------------ validation errors


def test_unknown_index():
    with pytest.raises(ValueError, match=r"`index` must be one of \{'ci', 'cr', 'gci', "
                                         r"'koczkodaj'\}; got 'rc' instead"):
        ah.consistency(np.ones((3, 3)), index="rc")


def test_unknown_random_index_table():
    with pytest.raises(ValueError, match=r"`random_index` must be one of \{'saaty', "
                                         r"'saaty_2005', 'alonso_lamata', 'donegan_dodd'\} or "
                                         r"a mapping n -> RI; got 'dd' instead"):
        ah.consistency(np.ones((3, 3)), random_index="dd")


def test_order_beyond_saaty_table():
    A = np.ones((16, 16))
    with pytest.raises(ValueError, match=r"the random-index table 'saaty' has no value for "
                                         r"n = 16 \(it covers n <= 15\).*Got n = 16 instead"):
        ah.consistency(A, index="cr", random_index="saaty")


def test_order_beyond_user_mapping():
    with pytest.raises(ValueError, match=r"table 'user' has no value for n = 4"):
        ah.consistency(np.ones((4, 4)), random_index={3: 0.5})


def test_invalid_matrix_in_consistency():
    with pytest.raises(ValueError, match=r"`A` entries must be positive"):
        ah.consistency(np.array([[1, 0.0], [0.0, 1]]))


def test_worst_judgments_rejects_unknown_method_and_bad_k():
    # issue 9: an unknown method used to run silently
    A = matrix_from_upper(np.array([2.0, 4.0, 3.0]), 3)
    with pytest.raises(ValueError, match=r"`method` must be one of \{'eigenvector', .*"
                                         r"got 'bogus' instead"):
        worst_judgments(A, method="bogus")
    for k in (0, -1, 1.5):
        with pytest.raises(ValueError, match=r"`k` must be a positive integer"):
            worst_judgments(A, k=k)
    assert len(worst_judgments(A, method="Eigenvector", k=2)) == 2


@pytest.mark.parametrize("index", ["cr", "ci", "gci"])
def test_large_batch_equals_matrix_by_matrix(index):
    # 100 matrices take the compiled pass; one at a time the numpy path.
    rng = np.random.default_rng(5)
    S = np.stack([matrix_from_upper(np.array(SAATY_VALUES)[rng.integers(0, 17, 10)], 5)
                  for _ in range(100)])
    big = ah.consistency(S, index=index)
    for k in range(0, 100, 13):
        np.testing.assert_allclose(big.value[k], ah.consistency(S[k], index=index).value,
                                   rtol=1e-11, atol=1e-14)


def test_koczkodaj_policy_needs_a_threshold(tmp_path):
    # issue 11.4: no default threshold, so a policy acting on Koczkodaj's index must name one
    study = copy_base_study(tmp_path / "s", extra="consistency: {index: koczkodaj, policy: drop}\n")
    with pytest.raises(ah.InputError, match=r"`consistency.threshold` is required") as e:
        ah.Study.from_yaml(study)
    assert "study.yaml" in str(e.value)
    ok = copy_base_study(tmp_path / "t", extra="consistency: {index: koczkodaj, policy: drop, "
                         "threshold: 0.3333}\n")
    assert ah.Study.from_yaml(ok).panel.threshold == pytest.approx(0.3333)
    with pytest.raises(ValueError, match="no default threshold"):
        ah.panel.PanelOptions(index="koczkodaj", policy="drop")


@pytest.mark.parametrize("threshold", [None, 0.05])
@pytest.mark.parametrize("index", ["cr", "ci"])
def test_one_matrix_equals_a_batch_of_one_bit_for_bit(index, threshold):
    # One matrix takes a Python-float branch (speed); a batch of one the array branch: the
    # same doubles in every field (drinks matrix, a consistent one, an order-2 one).
    u = [9, 5, 2, 1, 1, 1/2, 1/3, 1/9, 1/9, 1/9, 1/9, 1/3, 1/4, 1/3, 1/9,
         1/2, 1, 1/3, 2, 1/2, 1/3]
    for A in (ah.pairwise.from_upper_triangle(u), matrix_from_upper(np.array([2.0, 4, 2]), 3),
              matrix_from_upper(np.array([3.0]), 2)):
        one = ah.consistency(A, index=index, threshold=threshold)
        ref = ah.consistency(A[None], index=index, threshold=threshold)
        assert one.value.shape == () and one.value.dtype == np.float64
        assert one.value.tobytes() == ref.value[0].tobytes()
        assert one.lambda_max.tobytes() == ref.lambda_max[0].tobytes()
        assert one.threshold == ref.threshold and type(one.threshold) is float
        assert one.random_index_value == ref.random_index_value
        assert isinstance(one.acceptable, np.bool_) and one.acceptable == ref.acceptable[0]
        fused = ah.weights(A, consistency=index).consistency
        assert fused.value.tobytes() == ah.consistency(A, index=index).value.tobytes()
