"""Tests of ahpstat.scales: Saaty's scale and the random-index tables with their sources."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ahpstat as ah
from ahpstat.scales import (
    RANDOM_INDEX_TABLES,
    SAATY_INTEGER_LOGTOL,
    SAATY_RECIPROCAL_LOGTOL,
    SAATY_SCALE,
    RandomIndexTable,
    get_random_index_table,
    nearest_saaty,
    on_saaty_scale,
    random_index,
    snap_to_saaty,
)
from strategies import SAATY_VALUES

# Saaty (1980), The Analytic Hierarchy Process, Table 1.7 -- the classic table (n = 1..15) as
# listed in docs/methods.md and, identically, in the Haskell package hahp
# (HAHP/Algorithm/Consistency.hs, saatyTable).
SAATY_1980 = [0.00, 0.00, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56,
              1.57, 1.59]
# Saaty (2005), Theory and Applications of the ANP, p. 31, as typed in AHPy's source
# (ahpy.py, _compute_consistency_ratio, random_index == 'saaty').
SAATY_2005 = {3: 0.52, 4: 0.89, 5: 1.11, 6: 1.25, 7: 1.35, 8: 1.40, 9: 1.45, 10: 1.49, 11: 1.52,
              12: 1.54, 13: 1.56, 14: 1.58, 15: 1.59}
# Donegan & Dodd (1991), Math. Comput. Modelling 15(10), 135-137, as typed in AHPy's source
# (random_index == 'dd'), including its interpolation between tabulated orders.
DONEGAN_DODD = {3: 0.4914, 4: 0.8286, 5: 1.0591, 6: 1.1797, 7: 1.2519, 8: 1.3171, 9: 1.3733,
                10: 1.4055, 11: 1.4213, 12: 1.4497, 13: 1.4643, 14: 1.4822, 15: 1.4969,
                16: 1.5078, 17: 1.5153, 18: 1.5262, 19: 1.5313, 20: 1.5371, 25: 1.5619,
                30: 1.5772, 40: 1.5976, 50: 1.6102, 60: 1.6178, 70: 1.6237, 80: 1.6277,
                90: 1.6213, 100: 1.6339}
# Alonso & Lamata (2006), IJUFKS 14(4), 445-459, Table 3 (docs/methods.md); beyond it their
# regression of the mean random lambda_max, 2.7699 n - 4.3513, i.e. RI(n) = (1.7699 n -
# 4.3513)/(n - 1) -- the same regression as in the R package easyAHP (R/easyAHP.R, CR =
# (lambda - n)/((2.7699 n - 4.3513) - n)). The table itself is checked against a Monte Carlo
# estimate below (the paper was not at hand; ahpsurvey's own simulated RI agree to ~0.002).
ALONSO_LAMATA = {3: 0.5245, 4: 0.8815, 5: 1.1086, 6: 1.2479, 7: 1.3417, 8: 1.4056, 9: 1.4499,
                 10: 1.4854, 11: 1.5141, 12: 1.5365, 13: 1.5551, 14: 1.5713, 15: 1.5838}


# ----------------------------------------------------------------------------- random index


def test_saaty_1980_table():
    for n, ri in enumerate(SAATY_1980, start=1):
        assert random_index(n, "saaty") == ri
    assert random_index(12) == 1.48  # the 1980 value, not the 1.54 of later copies


def test_saaty_2005_table_matches_ahpy():
    for n, ri in SAATY_2005.items():
        assert random_index(n, "saaty_2005") == ri


def test_donegan_dodd_table_matches_ahpy():
    for n, ri in DONEGAN_DODD.items():
        assert random_index(n, "donegan_dodd") == ri


@pytest.mark.parametrize("n", [21, 22, 24, 27, 35, 55, 95, 99])
def test_donegan_dodd_interpolation_matches_ahpy(n):
    # AHPy: linear interpolation between the neighbouring tabulated orders.
    keys = sorted(DONEGAN_DODD)
    lo = max(k for k in keys if k < n)
    hi = min(k for k in keys if k > n)
    expected = DONEGAN_DODD[lo] + (DONEGAN_DODD[hi] - DONEGAN_DODD[lo]) * (n - lo) / (hi - lo)
    assert random_index(n, "donegan_dodd") == pytest.approx(expected, rel=1e-12)


def test_alonso_lamata_table_and_formula():
    for n, ri in ALONSO_LAMATA.items():
        assert random_index(n, "alonso_lamata") == ri
    for n in (16, 20, 30, 100, 1000):
        assert random_index(n, "alonso_lamata") == pytest.approx((1.7699 * n - 4.3513) / (n - 1),
                                                                 rel=1e-12)
    # the regression continues the table smoothly (within 0.003 at n = 15)
    assert abs((1.7699 * 15 - 4.3513) / 14 - ALONSO_LAMATA[15]) < 0.003


@pytest.mark.parametrize("table", sorted(RANDOM_INDEX_TABLES))
def test_orders_one_and_two_are_zero(table):
    assert random_index(1, table) == 0.0 and random_index(2, table) == 0.0


@pytest.mark.parametrize("table", sorted(RANDOM_INDEX_TABLES))
def test_tables_are_named_sourced_and_increasing_to_15(table):
    t = RANDOM_INDEX_TABLES[table]
    assert t.name == table and len(t.source) > 40
    ri = [t(n) for n in range(3, 16)]
    if table != "saaty":  # Saaty's classic table dips at n = 12 (1.48 after 1.51)
        assert np.all(np.diff(ri) > 0)


def simulated_random_index(n: int, size: int, rng: np.random.Generator) -> tuple[float, float]:
    """Mean CI (and its standard error) of random matrices with upper entries uniform on the
    17 values of Saaty's scale -- the definition of RI used by Alonso & Lamata (2006)."""
    iu = np.triu_indices(n, 1)
    v = np.array(SAATY_VALUES)[rng.integers(0, 17, (size, iu[0].size))]
    A = np.ones((size, n, n))
    A[:, iu[0], iu[1]] = v
    A[:, iu[1], iu[0]] = 1 / v
    ci = (np.linalg.eigvals(A).real.max(axis=-1) - n) / (n - 1)
    return float(ci.mean()), float(ci.std(ddof=1) / np.sqrt(size))


@pytest.mark.parametrize("n", [3, 5, 7, 9])
def test_alonso_lamata_table_agrees_with_simulation(n):
    # Independent Monte Carlo estimate of RI(n) (4000 matrices, fixed seed, numpy only); the
    # tolerance is 4.5 standard errors. Saaty's classic 0.58 at n = 3 is 5 s.e. away.
    mean, se = simulated_random_index(n, 4000, np.random.default_rng(2006 + n))
    assert abs(mean - random_index(n, "alonso_lamata")) < 4.5 * se


@pytest.mark.slow
@pytest.mark.parametrize("n", range(3, 16))
def test_alonso_lamata_table_agrees_with_large_simulation(n):
    # 100 000 matrices per order: standard errors 0.0004-0.002.
    mean, se = simulated_random_index(n, 100_000, np.random.default_rng(2006 + n))
    assert abs(mean - random_index(n, "alonso_lamata")) < 4.5 * se


def test_user_mapping():
    t = get_random_index_table({3: 0.5, 4: 0.9})
    assert t.name == "user" and t(3) == 0.5 and t(1) == 0.0
    assert ah.consistency(np.ones((3, 3)), random_index={3: 0.5}).random_index == "user"


def test_table_object_passes_through():
    t = RANDOM_INDEX_TABLES["saaty"]
    assert get_random_index_table(t) is t


# ---------------------------------------------------------------------------- random-index errors


@pytest.mark.parametrize(("table", "n", "covers"), [("saaty", 16, 15), ("saaty_2005", 16, 15),
                                                    ("donegan_dodd", 101, 100)])
def test_order_beyond_table(table, n, covers):
    with pytest.raises(ValueError, match=rf"the random-index table '{table}' has no value for "
                                         rf"n = {n} \(it covers n <= {covers}\); choose "
                                         rf"`random_index='alonso_lamata'`"):
        random_index(n, table)


def test_order_not_positive():
    with pytest.raises(ValueError, match=r"`n` must be a positive matrix order; got 0 instead"):
        random_index(0)


def test_unknown_table():
    with pytest.raises(ValueError, match=r"`random_index` must be one of \{'saaty', .*\} or a "
                                         r"mapping n -> RI; got 'ahpy' instead"):
        random_index(5, "ahpy")


def test_table_of_wrong_type():
    with pytest.raises(TypeError, match=r"`random_index` must be a table name or a mapping "
                                        r"n -> RI; got float instead"):
        random_index(5, 1.12)


@pytest.mark.parametrize(("mapping", "message"), [
    ({2.5: 0.3}, r"`random_index` keys must be matrix orders >= 1; got 2\.5 instead"),
    ({0: 0.3}, r"`random_index` keys must be matrix orders >= 1; got 0 instead"),
    ({3: 0.0}, r"`random_index` values must be positive for n >= 3; got RI\(3\) = 0\.0"),
    ({3: float("nan")}, r"`random_index` values must be positive for n >= 3; got RI\(3\) = nan"),
    ({1: 0.0, 2: 0.0}, r"`random_index` mapping must give RI for some n >= 3; got none"),
])
def test_bad_user_mapping(mapping, message):
    with pytest.raises(ValueError, match=message):
        get_random_index_table(mapping)


# ------------------------------------------------------------------------------ Saaty's scale


def test_saaty_scale_constant():
    np.testing.assert_allclose(SAATY_SCALE, sorted(SAATY_VALUES), rtol=1e-15)
    assert SAATY_SCALE.size == 17 and not SAATY_SCALE.flags.writeable
    assert ah.SAATY_SCALE is SAATY_SCALE


@given(st.sampled_from(SAATY_VALUES), st.floats(-0.009, 0.009))
def test_on_scale_accepts_rounded_values(v, rel):
    assert bool(on_saaty_scale(np.array(v * (1 + rel))))


def test_on_scale_rejects():
    got = on_saaty_scale(np.array([2.5, 10, 0.0, -3, np.nan, np.inf, 1.13, 0.3]))
    assert got.tolist() == [False] * 8


@given(st.floats(1e-3, 1e3))
def test_nearest_saaty_is_nearest_in_log_space(x):
    got = float(nearest_saaty(np.array(x)))
    dist = [abs(np.log(x) - np.log(s)) for s in SAATY_VALUES]
    assert abs(np.log(x) - np.log(got)) == pytest.approx(min(dist), abs=1e-12)


# -------------------------------------------------------------- one definition of the scale


def test_on_scale_default_admits_two_decimal_roundings_of_reciprocals():
    # The package's definition (ahpstat.scales): reciprocals within 4.5 % (every two-decimal
    # rounding: 0.11, 0.12/0.13, 0.14, 0.17, 0.2, 0.25, 0.33, 0.5), integers within 1 %.
    ok = [0.11, 0.12, 0.13, 0.14, 0.17, 0.2, 0.25, 0.33, 0.5, 1, 2.015, 3.003, 8.95, 9]
    assert on_saaty_scale(np.array(ok)).all()
    bad = [0.1, 0.3, 0.4, 0.6, 0.99, 1.02, 1.13, 2.5, 3.1, 9.5, 10]
    assert not on_saaty_scale(np.array(bad)).any()
    # the tolerance intervals of neighbouring points never overlap
    lo, hi = np.log(SAATY_SCALE[:-1]), np.log(SAATY_SCALE[1:])
    tol = np.where(SAATY_SCALE < 1, SAATY_RECIPROCAL_LOGTOL, SAATY_INTEGER_LOGTOL)
    assert (hi - lo > tol[:-1] + tol[1:]).all()


def test_snap_replaces_values_on_the_scale_by_their_point():
    got = snap_to_saaty(np.array([0.14, 0.333, 3.003, 2.5, np.nan, 1 / 7]))
    np.testing.assert_array_equal(got[[0, 1, 2, 5]], [1 / 7, 1 / 3, 3.0, 1 / 7])
    assert got[3] == 2.5 and np.isnan(got[4])


def test_io_and_weights_share_the_definition(tmp_path):
    # read_judgments(scale="saaty") and weights(scale="saaty") accept and snap the same
    # values (issue 9: they used to disagree about 0.14).
    from ahpstat.io import read_judgments

    p = tmp_path / "j.csv"
    p.write_text("expert,node,row,col,value\nE1,A,x,y,0.14\nE1,A,x,z,0.333\nE1,A,y,z,3.003\n")
    df = read_judgments(p, scale="saaty")
    assert df["value"].tolist() == [1 / 7, 1 / 3, 3.0]
    A = ah.pairwise.from_upper_triangle([0.14, 0.333, 3.003])
    got = ah.weights(A, scale="saaty").weights
    np.testing.assert_allclose(got, ah.weights(ah.pairwise.from_upper_triangle(
        [1 / 7, 1 / 3, 3.0])).weights, rtol=1e-15)
    bad = tmp_path / "b.csv"
    bad.write_text("expert,node,row,col,value\nE1,A,x,y,0.3\n")
    with pytest.raises(ah.InputError, match="not on Saaty's scale"):
        read_judgments(bad, scale="saaty")
    with pytest.raises(ah.InputError, match="off Saaty's 1-9 scale"):
        ah.weights(ah.pairwise.from_upper_triangle([0.3, 1, 1]), scale="saaty")


# ------------------------------------------------------------------ RandomIndexTable options


def test_table_beyond_is_validated_and_formula_used():
    with pytest.raises(ValueError, match=r"`beyond` must be one of \{'error', 'formula', "
                                         r"'interpolate'\}; got 'extrapolate' instead"):
        RandomIndexTable("t", {3: 0.5}, "s", beyond="extrapolate")
    with pytest.raises(ValueError, match=r"`beyond='formula'` needs `formula`"):
        RandomIndexTable("t", {3: 0.5}, "s", beyond="formula")
    with pytest.raises(ValueError, match=r"`formula` is used only with beyond='formula'"):
        RandomIndexTable("t", {3: 0.5}, "s", formula=lambda n: 1.0)
    # the table's own formula, not Alonso & Lamata's, beyond the table
    t = RandomIndexTable("t", {3: 0.5}, "s", beyond="formula", formula=lambda n: n / 10)
    assert t(3) == 0.5 and t(7) == pytest.approx(0.7)
    al = RANDOM_INDEX_TABLES["alonso_lamata"]
    assert al(20) == pytest.approx((1.7699 * 20 - 4.3513) / 19)
