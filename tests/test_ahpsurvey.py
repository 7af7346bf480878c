"""ahpsurvey's wide format and individual priorities reproduce ahpsurvey's published numbers.

Expected numbers come from ahpsurvey 0.4.1's vignette "Analytic Hierarchy Process for
Survey Data in R" as built on CRAN (``inst/doc/my-vignette.html``), computed there on the
``city200`` data (``tests/data/public/ahpsurvey_city200.csv``, byte-identical to the
package's data set) with ``atts <- c("cult", "fam", "house", "jobs", "trans")`` and
``negconvert = TRUE``. ahpsurvey's own random index (``ahp.cr``'s table, 500 000
simulations) is given explicitly where its consistency ratios are compared.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ahpstat import InputError
from ahpstat.hierarchy import Hierarchy
from ahpstat.individual import harker_repair, individual_priorities
from ahpstat.io import judgment_stacks, read_ahpsurvey, read_judgments

CITY = Path(__file__).parent / "data" / "public" / "ahpsurvey_city200.csv"
ATTS = ["cult", "fam", "house", "jobs", "trans"]
# ahp.cr's random index (ahpsurvey 0.4.1, R/ahp_cr.R), n = 1..8
RI = {3: 0.5251686, 4: 0.8836651, 5: 1.1081014, 6: 1.2492774, 7: 1.3415514,
      8: 1.4048466}


@pytest.fixture(scope="module")
def city():
    return read_ahpsurvey(CITY, attributes=ATTS, negconvert=True)


def test_matrices_of_the_first_respondents(city):
    """Vignette, ``city200 %>% ahp.mat(atts = atts, negconvert = TRUE) %>% head(3)``."""
    published = [
        [[1, 0.5, 2, 0.5, 6], [2, 1, 4, 4, 8], [0.5, 0.25, 1, 0.25, 3],
         [2, 0.25, 4, 1, 8], [0.167, 0.125, 0.333, 0.125, 1]],
        [[1, 0.5, 4, 1, 4], [2, 1, 4, 2, 8], [0.25, 0.25, 1, 0.25, 3],
         [1, 0.5, 4, 1, 7], [0.25, 0.125, 0.333, 0.143, 1]],
        [[1, 0.25, 2, 1, 3], [4, 1, 7, 3, 5], [0.5, 0.143, 1, 0.25, 3],
         [1, 0.333, 4, 1, 6], [0.333, 0.2, 0.333, 0.167, 1]],
    ]
    experts, S = judgment_stacks(city, Hierarchy.from_children({"goal": ATTS}))["goal"]
    assert experts[:3] == ("1", "2", "3")  # the row number is the respondent id
    assert len(experts) == 200
    np.testing.assert_allclose(S[:3], published, atol=5e-4)


def test_arithmetic_aggregated_priorities_and_sd(city):
    """Vignette: ``ahp.aggpref(cityahp, atts, method = "arithmetic")`` prints
    0.1620 0.4367 0.0761 0.2827 0.0424 and ``aggmethod = "sd"`` 0.033 0.054 0.009 0.048
    0.007 (ahpsurvey's "arithmetic" = column normalization, row means)."""
    s = individual_priorities(city, weighting="column_mean").summary()
    np.testing.assert_allclose(s["mean"], [0.1620, 0.4367, 0.0761, 0.2827, 0.0424],
                               atol=5e-5)
    np.testing.assert_allclose(s["sd"], [0.033, 0.054, 0.009, 0.048, 0.007], atol=5e-4)
    assert list(s.element) == ATTS


def test_eigen_priorities_geometric_mean_not_normalized(city):
    """Vignette: ``ahp.aggpref(..., method = "eigen")`` (aggregated by ahpsurvey's
    ``gm_mean``, not renormalized) prints 0.1526 0.4483 0.0705 0.2758 0.0397."""
    s = individual_priorities(city).summary()
    np.testing.assert_allclose(s["geometric_mean_raw"],
                               [0.1526, 0.4483, 0.0705, 0.2758, 0.0397], atol=5e-5)
    assert s["geometric_mean"].sum() == pytest.approx(1.0)
    assert s["geometric_mean_raw"].sum() < 1


def test_consistency_ratios(city):
    """Vignette: ``table(cr <= 0.1)`` gives 70 FALSE, 130 TRUE; the consistency ratio of
    Saaty's city matrix (``weight``) is 0.0508 and its eigen weights 0.1522 0.4335 0.0716
    0.3050 0.0378."""
    ip = individual_priorities(city, random_index=RI)
    assert int(ip.consistency.consistent.sum()) == 130
    assert ip.summary()["share_consistent"].iloc[0] == pytest.approx(0.65)
    saaty = pd.DataFrame([{"cult_fam": 5, "cult_house": -3, "cult_jobs": 2, "cult_trans": -5,
                           "fam_house": -7, "fam_jobs": -1, "fam_trans": -7,
                           "house_jobs": 4, "house_trans": -3, "jobs_trans": -7}])
    j = read_ahpsurvey(saaty, attributes=ATTS, negconvert=True)
    one = individual_priorities(j, random_index=RI)
    assert one.consistency.cr.iloc[0] == pytest.approx(0.0508, abs=5e-5)
    np.testing.assert_allclose(one.wide().loc["1", ATTS],
                               [0.1522, 0.4335, 0.0716, 0.3050, 0.0378], atol=5e-5)


def test_canned_routine_individual_rows_and_censored_aggregate(city):
    """Vignette, ``ahp(df = city200, ..., method = 'arithmetic', censorcr = 0.1, agg = TRUE)``:
    the first four individual rows (cult fam house jobs trans CR) and the aggregate of the
    130 consistent respondents with its SD."""
    ip = individual_priorities(city, weighting="column_mean", random_index=RI)
    wide = ip.wide()
    published = [(0.181, 0.433, 0.0904, 0.260, 0.0355, 0.0614),
                 (0.227, 0.394, 0.0846, 0.253, 0.0418, 0.0297),
                 (0.153, 0.485, 0.0860, 0.223, 0.0524, 0.0634),
                 (0.131, 0.436, 0.0695, 0.327, 0.0364, 0.0932)]
    for k, row in enumerate(published):
        got = wide.iloc[k][[*ATTS, "cr"]].to_numpy(dtype=float)
        # ahpsurvey prints 3 significant digits
        np.testing.assert_allclose(got, row, rtol=5e-3, atol=5e-5)
    s = ip.summary(consistent_only=True)
    assert (s.n == 130).all()
    np.testing.assert_allclose(s["mean"], [0.1581, 0.4430, 0.0757, 0.2820, 0.0412], atol=5e-5)
    np.testing.assert_allclose(s["sd"], [0.02970, 0.05422, 0.00768, 0.04593, 0.00559],
                               atol=5e-6)


def test_group_summary_like_the_vignette_edu_column():
    """Vignette: ``edu = factor(rep(edl, 50))`` beside city200, ``ahp(..., censorcr = 0.1)``,
    then the mean of cult by edu: High School 0.163, No High School 0.158, Postgraduate
    0.153, Undergraduate 0.160."""
    edl = ["No High School", "High School", "Undergraduate", "Postgraduate"]
    df = pd.read_csv(CITY)
    df.insert(0, "edu", [edl[i % 4] for i in range(len(df))])
    j = read_ahpsurvey(df, attributes=ATTS, negconvert=True, keep_columns=["edu"])
    ip = individual_priorities(j, weighting="column_mean", random_index=RI,
                               group_columns=["edu"])
    s = ip.summary("edu", consistent_only=True)
    cult = s[s.element == "cult"].set_index("edu")["mean"]
    expected = {"High School": 0.163, "No High School": 0.158, "Postgraduate": 0.153,
                "Undergraduate": 0.160}
    for g, v in expected.items():
        assert cult[g] == pytest.approx(v, abs=5e-4), g
    share = ip.summary("edu").drop_duplicates("edu").set_index("edu").share_consistent
    assert share.sum() * 50 == pytest.approx(130)  # 50 respondents per group


# --------------------------------------------------------------------------- Harker


def test_harker_on_saatys_family_matrix():
    """Vignette, Saaty (2003)'s house example: ``ahp.harker(fam.mat, atts, iterations = 10,
    stopcr = 0.1)`` replaces only element [3, 7] (nbrhd, cond) = 6 by 0.459 (and [7, 3] by
    2.180); the CR falls from 0.17 to 0.0825."""
    atts = ["size", "trans", "nbrhd", "age", "yard", "modern", "cond", "finance"]
    up = [5, 3, 7, 6, 6, 1 / 3, 1 / 4, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7, 6, 3, 4, 6, 1 / 5,
          1 / 3, 1 / 4, 1 / 7, 1 / 8, 1 / 2, 1 / 5, 1 / 6, 1 / 5, 1 / 6, 1 / 2]
    pairs = [(a, b) for i, a in enumerate(atts) for b in atts[i + 1:]]
    j = pd.DataFrame([("S", "house", a, b, v) for (a, b), v in zip(pairs, up, strict=True)],
                     columns=["expert", "node", "row", "col", "value"])
    r = harker_repair(j, k=10, target=0.1, rounding=None, limit=False, random_index=RI)
    assert len(r.changes) == 1
    c = r.changes.iloc[0]
    assert (c.row, c.col, c.old) == ("nbrhd", "cond", 6.0)
    assert c.new == pytest.approx(0.459, abs=5e-4)
    assert 1 / c.new == pytest.approx(2.180, abs=5e-3)
    assert c.cr_before == pytest.approx(0.17, abs=5e-3)
    assert c.cr_after == pytest.approx(0.0825, abs=5e-5)
    new = r.judgments.set_index(["row", "col"]).value
    assert new["nbrhd", "cond"] == pytest.approx(c.new)
    assert new["size", "trans"] == 5  # nothing else changed
    assert r.summary.reached_target.all()


@pytest.mark.parametrize(("k", "inconsistent"), [(1, 22), (2, 13), (4, 2)])
def test_harker_on_city200_like_ahpsurvey(city, k, inconsistent):
    """Vignette: ``ahp.harker(atts, iterations = it, stopcr = 0.1, limit = T, round = T)``
    leaves 22 inconsistent respondents with one iteration ("we only have to censor 22
    samples with 1 iteration"), 13 with two and 2 with four. ahpsurvey ranks the judgments
    by the error of the upper triangle only (``ranking="upper"``)."""
    r = harker_repair(city, k=k, target=0.1, rounding="integer", limit=True, random_index=RI,
                      ranking="upper")
    ip = individual_priorities(r.judgments, random_index=RI)
    assert int((ip.consistency.cr > 0.1).sum()) == inconsistent
    assert (r.changes.groupby("expert").size() <= k).all()
    assert set(r.changes.expert) <= set(r.summary[r.summary.cr_before >= 0.1].expert)


def test_harker_ranking_by_error_repairs_more(city):
    """ahpstat's default ranks both triangles (a judgment too small is as wrong as one too
    large): with the same budget it leaves fewer inconsistent respondents than ahpsurvey's
    upper-triangle ranking, and never more."""
    for k in (1, 2):
        counts = {}
        for ranking in ("upper", "error"):
            r = harker_repair(city, k=k, rounding="integer", random_index=RI, ranking=ranking)
            ip = individual_priorities(r.judgments, random_index=RI)
            counts[ranking] = int((ip.consistency.cr > 0.1).sum())
        assert counts["error"] <= counts["upper"]
    assert counts["error"] < 13


def test_harker_then_eigen_aggregate_like_the_vignette(city):
    """Vignette: ``ahp.harker(iterations = 5, stopcr = 0.1, limit = T, round = T) %>%
    ahp.aggpref(method = "eigen")`` prints 0.1427 0.4388 0.0698 0.2886 0.0424. ahpsurvey's
    "eigen" is 11 power steps from the row sums, not the converged eigenvector, which moves
    the 4th decimal by at most 1."""
    r = harker_repair(city, k=5, rounding="integer", random_index=RI, ranking="upper")
    s = individual_priorities(r.judgments).summary()
    np.testing.assert_allclose(s["geometric_mean_raw"],
                               [0.1427, 0.4388, 0.0698, 0.2886, 0.0424], atol=1.5e-4)


def test_harker_by_hand_on_a_3x3():
    """Closed form: with a_12 left out of a 3x3 matrix, the two remaining judgments
    a_13 = x and a_23 = y are consistent, so Harker's value u_1 / u_2 is x / y."""
    x, y = 4.0, 2.0
    j = pd.DataFrame([("E", "n", "a", "b", 9.0), ("E", "n", "a", "c", x),
                      ("E", "n", "b", "c", y)],
                     columns=["expert", "node", "row", "col", "value"])
    r = harker_repair(j, k=1, target=0.1, rounding=None, limit=False)
    c = r.changes.iloc[0]
    assert (c.row, c.col) == ("a", "b")
    assert c.new == pytest.approx(x / y)
    assert c.cr_after == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------- reader


def test_layout_ahpsurvey_through_read_judgments(city):
    h = Hierarchy.from_children({"goal": ATTS})
    j = read_judgments(CITY, layout="ahpsurvey", hierarchy=h, encoding="signed_left_negative")
    pd.testing.assert_frame_equal(j, city)


def test_encodings_and_reversed_columns():
    f = io.StringIO("b_a,a_c,b_c\n3,-2,-3\n")
    j = read_ahpsurvey(f, attributes=["a", "b", "c"], negconvert=False)
    v = j.set_index(["row", "col"]).value
    assert v["a", "b"] == pytest.approx(1 / 3)   # the column b_a holds b over a = 3
    assert v["a", "c"] == pytest.approx(1 / 2)   # -2: c twice as important as a
    with pytest.raises(InputError, match="signed judgment"):
        read_ahpsurvey(io.StringIO("a_b\n0.5\n"), attributes=["a", "b"], negconvert=True)
    j = read_ahpsurvey(io.StringIO("a_b\n0.5\n"), attributes=["a", "b"], reciprocal=False)
    assert j.value.iloc[0] == 0.5
    with pytest.raises(ValueError, match="never guessed"):
        read_ahpsurvey(io.StringIO("a_b\n2\n"), attributes=["a", "b"])
    with pytest.raises(ValueError, match="forbids"):
        read_ahpsurvey(io.StringIO("a_b\n2\n"), attributes=["a", "b"], negconvert=True,
                       reciprocal=False)


def test_positional_columns_like_ahpsurvey_col():
    f = io.StringIO("x,y,z\n2,4,2\n")
    j = read_ahpsurvey(f, attributes=["a", "b", "c"], negconvert=False, columns=["x", "y", "z"])
    assert j.set_index(["row", "col"]).value.to_dict() == {("a", "b"): 2.0, ("a", "c"): 4.0,
                                                          ("b", "c"): 2.0}


@pytest.mark.parametrize(("text", "kw", "needle", "row", "column"), [
    ("a_b,a_c\n2,3\n", {}, "no column for the pair b_c", 1, "b_c"),
    ("a_b,a_c,b_c,name\n2,3,1,x\n", {}, "neither pairs", 1, "name"),
    ("a_b,a_c,b_c\n2,0,1\n", {}, "0 is not a judgment", 2, "a_c"),
    ("a_b,a_c,b_c\n2,three,1\n", {}, "not a number", 2, "a_c"),
    ("id,a_b,a_c,b_c\nr1,2,3,1\nr1,2,3,1\n", {"id_column": "id"}, "second row", 3, "id"),
])
def test_located_errors(text, kw, needle, row, column):
    f = io.StringIO(text)
    with pytest.raises(InputError) as e:
        read_ahpsurvey(f, attributes=["a", "b", "c"], negconvert=True, **kw)
    assert needle in str(e.value)
    assert e.value.location.row == row and e.value.location.column == column


def test_missing_cells_are_missing_judgments_and_weighted_by_harker():
    f = io.StringIO("a_b,a_c,b_c\n2,,2\n")
    j = read_ahpsurvey(f, attributes=["a", "b", "c"], negconvert=False)
    assert len(j) == 2
    # a = 2b, b = 2c and (a, c) missing: every incomplete method gives 4:2:1
    for completion in (None, "optimal"):
        ip = individual_priorities(j, completion=completion)
        np.testing.assert_allclose(ip.wide().loc["1", ["a", "b", "c"]], [4 / 7, 2 / 7, 1 / 7],
                                   atol=1e-9)
