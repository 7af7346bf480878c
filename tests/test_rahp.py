"""R ahp's .ahp files: the reader and the DecisionModel reproduce R ahp's published tables.

Expected numbers come from R ahp 0.2.12's built vignette "AHP Examples" (CRAN,
``inst/doc/examples.html``; the package's example files are byte-identical to the copies in
``tests/data/public``):

- car example, ``print(carAhp, priority = function(x) x$parent$priority["Total", x$name])``
  after ``Calculate(carAhp)``: every node's local priority, printed with 8 digits;
- car example, ``Analyze(carAhp)``: weights, contributions and inconsistency in percent
  (one decimal);
- vacation example, ``AnalyzeTable(vacationAhp)`` and ``AnalyzeTable(vacationAhp,
  decisionMaker = "Dad" | "Mom" | "Kid")``: percent with one decimal.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from ahpstat import InputError
from ahpstat.alternatives import GROUP, DecisionModel
from ahpstat.io import read_ahp
from ahpstat.io._rexpr import RCodeError, compile_function, evaluate_number

DATA = Path(__file__).parent / "data" / "public"
CAR = DATA / "ahp_car.ahp"
VACATION = DATA / "ahp_vacation.ahp"

# --- R ahp vignette, car example: local priorities ("Total") printed with 8 digits ---------
CAR_LOCAL = {
    "Cost": 0.51007502, "Purchase Price": 0.48805379, "Fuel Cost": 0.25153610,
    "Maintenance Cost": 0.09986256, "Resale Value": 0.16054755, "Safety": 0.23435219,
    "Style": 0.04051875, "Capacity": 0.21505404, "Cargo Capacity": 0.16666667,
    "Passenger Capacity": 0.83333333,
}
CARS = ("Accord Sedan", "Accord Hybrid", "Pilot", "CR-V", "Element", "Odyssey")
CAR_ALTERNATIVES = {
    "Purchase Price": (0.24617542, 0.02455426, 0.02455426, 0.24617542, 0.36575063, 0.09279001),
    "Fuel Cost": (0.14544902, 0.12882628, 0.20495090, 0.16699703, 0.18035679, 0.17341999),
    "Maintenance Cost": (0.35819852, 0.31325042, 0.08369953, 0.09953251, 0.08791282,
                         0.05740619),
    "Resale Value": (0.23408904, 0.11101029, 0.03808108, 0.36023288, 0.12829335, 0.12829335),
    "Safety": (0.21624385, 0.21624385, 0.07515991, 0.03603025, 0.02229468, 0.43402745),
    "Style": (0.35785923, 0.35785923, 0.03886101, 0.15508522, 0.02275249, 0.06758283),
    "Cargo Capacity": (0.09193018, 0.09193018, 0.19640904, 0.19640904, 0.19640904, 0.22691251),
    "Passenger Capacity": (0.13636364, 0.13636364, 0.27272727, 0.13636364, 0.04545455,
                           0.27272727),
}
# --- R ahp vignette, Analyze(carAhp): percent, one decimal ---------------------------------
# columns: Weight, Odyssey, Accord Sedan, CR-V, Element, Accord Hybrid, Pilot, Inconsistency
CAR_ANALYZE = {
    "Buy Car": (100.0, 22.0, 21.0, 16.3, 15.1, 14.1, 11.5, 7.5),
    "Cost": (51.0, 5.9, 11.7, 11.7, 12.9, 4.8, 4.0, 1.5),
    "Purchase Price": (24.9, 2.3, 6.1, 6.1, 9.1, 0.6, 0.6, 6.8),
    "Fuel Cost": (12.8, 2.2, 1.9, 2.1, 2.3, 1.7, 2.6, 0.0),
    "Resale Value": (8.2, 1.1, 1.9, 2.9, 1.1, 0.9, 0.3, 3.2),
    "Maintenance Cost": (5.1, 0.3, 1.8, 0.5, 0.4, 1.6, 0.4, 2.3),
    "Safety": (23.4, 10.2, 5.1, 0.8, 0.5, 5.1, 1.8, 8.0),
    "Capacity": (21.5, 5.7, 2.8, 3.1, 1.5, 2.8, 5.6, 0.0),
    "Passenger Capacity": (17.9, 4.9, 2.4, 2.4, 0.8, 2.4, 4.9, 0.0),
    "Cargo Capacity": (3.6, 0.8, 0.3, 0.7, 0.7, 0.3, 0.7, 0.4),
    "Style": (4.1, 0.3, 1.5, 0.6, 0.1, 1.5, 0.2, 10.1),
}
CAR_ANALYZE_COLUMNS = ("weight", "Odyssey", "Accord Sedan", "CR-V", "Element",
                       "Accord Hybrid", "Pilot", "inconsistency")
# --- R ahp vignette, AnalyzeTable(vacationAhp[, decisionMaker]) ----------------------------
# rows: node -> (Weight, Beach, Mountains, Inconsistency); None = R's NA
VACATION_ANALYZE = {
    GROUP: {"Vacation": (100.0, 52.4, 47.6, 6.8), "Spa": (34.2, 23.1, 11.1, 0.0),
            "Costs": (33.0, 12.1, 20.9, 0.0), "Fun": (32.8, 17.2, 15.6, 0.0)},
    "Dad": {"Vacation": (100.0, 31.4, 68.6, 3.5), "Costs": (71.7, 23.9, 47.8, 0.0),
            "Fun": (21.7, 3.1, 18.6, 0.0), "Spa": (6.6, 4.4, 2.2, 0.0)},
    "Mom": {"Vacation": (100.0, 78.7, 21.3, 6.8), "Spa": (74.3, 63.7, 10.6, 0.0),
            "Fun": (19.4, 12.9, 6.5, 0.0), "Costs": (6.3, 2.1, 4.2, None)},
    "Kid": {"Vacation": (100.0, 89.4, 10.6, 0.0), "Fun": (81.8, 81.8, 0.0, None),
            "Costs": (9.1, 4.5, 4.5, None), "Spa": (9.1, 3.0, 6.1, 0.0)},
}


def _pct(x: float) -> float:
    return round(100 * x, 1)


def test_car_local_priorities_match_r_ahp_to_8_digits():
    res = DecisionModel.from_ahp_file(CAR).evaluate()
    w = res.weights[res.weights.decision_maker == GROUP].set_index("node")["local"]
    for node, expected in CAR_LOCAL.items():
        assert w[node] == pytest.approx(expected, abs=5e-9), node
    loc = res.local[res.local.decision_maker == GROUP]
    for crit, values in CAR_ALTERNATIVES.items():
        got = loc[loc.node == crit].set_index("element").priority[list(CARS)]
        np.testing.assert_allclose(got, values, atol=5e-9, err_msg=crit)


def test_car_analyze_table_matches_r_ahp():
    res = DecisionModel.from_ahp_file(CAR).evaluate()
    table = res.analyze()
    assert list(table.index) == list(CAR_ANALYZE)  # R's default sort: by weight, then totals
    assert list(table.columns[1:]) == list(CAR_ANALYZE_COLUMNS)
    for node, row in CAR_ANALYZE.items():
        got = [_pct(table.loc[node, c]) for c in CAR_ANALYZE_COLUMNS]
        assert got == list(row), node
    # the totals, the first row, are the alternatives' priorities
    assert res.priorities().idxmax() == "Odyssey"


@pytest.mark.parametrize("dm", list(VACATION_ANALYZE))
def test_vacation_analyze_tables_match_r_ahp(dm):
    res = DecisionModel.from_ahp_file(VACATION).evaluate()
    table = res.analyze(dm)
    expected = VACATION_ANALYZE[dm]
    assert list(table.index) == list(expected)
    for node, (weight, beach, mountains, incons) in expected.items():
        assert _pct(table.loc[node, "weight"]) == weight
        assert _pct(table.loc[node, "Beach"]) == beach
        assert _pct(table.loc[node, "Mountains"]) == mountains
        if incons is None:
            assert np.isnan(table.loc[node, "inconsistency"])
        else:
            assert _pct(table.loc[node, "inconsistency"]) == incons


def test_vacation_reader_decision_makers_weights_and_kinds():
    d = read_ahp(VACATION)
    assert d.decision_makers == ("Dad", "Mom", "Kid")
    np.testing.assert_allclose(d.decision_maker_weights["Vacation"], [0.4, 0.4, 0.2])
    p = d.preferences
    assert p["Costs"]["Dad"].origin == "pairwiseFunction"
    assert p["Costs"]["Mom"].kind == "score" and p["Costs"]["Mom"].origin == "scoreFunction"
    # Mom's scoreFunction 1/a$cost on costs 10000, 5000
    np.testing.assert_allclose(p["Costs"]["Mom"].values, [1e-4, 2e-4])
    assert p["Costs"]["Kid"].kind == "priority"
    np.testing.assert_allclose(p["Fun"]["Kid"].values, [5, 0])
    # Dad's pairwiseFunction min(9, max(1/9, a2$cost/a1$cost)): Beach over Mountains = 1/2
    assert p["Costs"]["Dad"].matrix[0, 1] == pytest.approx(0.5)


def test_car_functions_evaluated_like_r():
    d = read_ahp(CAR)
    fuel = d.preferences["Fuel Cost"]["DecisionMaker"].matrix
    mpg = dict(zip(CARS, (31, 35, 22, 27, 25, 26), strict=True))
    for i, a in enumerate(CARS):
        for j, b in enumerate(CARS):
            assert fuel[i, j] == pytest.approx(min(9, max(1 / 9, mpg[b] / mpg[a])))
    resale = d.preferences["Resale Value"]["DecisionMaker"].matrix
    # residual values 0.52 / 0.40 = 1.3 >= 1.25 -> 5 (R's GetResalePreference)
    assert resale[0, 2] == 5 and resale[2, 0] == pytest.approx(1 / 5)
    # 0.55 / 0.52 = 1.058 -> 2; recursion gives CR-V over Accord Sedan 2, so the reverse 1/2
    assert resale[0, 3] == pytest.approx(0.5)


def test_zero_score_is_a_located_error_only_where_ratios_are_needed():
    m = DecisionModel.from_ahp_file(VACATION)
    m.evaluate()  # R ahp's rule (weighted arithmetic AIP): a zero score is a zero priority
    for kw in ({"aggregation": "aij"}, {"aip_mean": "geometric"}):
        with pytest.raises(InputError) as e:
            m.evaluate(**kw)
        msg = str(e.value)
        assert "ahp_vacation.ahp" in msg and "'Fun'" in msg and "'Kid'" in msg
        assert "'Mountains' is 0" in msg and "ratio" in msg
        # the line of the zero score in the file
        line = next(i for i, t in enumerate(VACATION.read_text().splitlines(), start=1)
                    if t.strip() == "- Mountains: 0")
        assert f"line {line}" in msg


def test_aij_and_ideal_on_car_differ_from_distributive_but_stay_normalized():
    m = DecisionModel.from_ahp_file(CAR)
    for kw in ({"aggregation": "aij"}, {"mode": "ideal"}, {"weighting": "geometric_mean"}):
        p = m.evaluate(**kw).priorities()
        assert p.sum() == pytest.approx(1.0)
    # one decision maker: AIJ = AIP
    np.testing.assert_allclose(m.evaluate(aggregation="aij").priorities(),
                               m.evaluate().priorities(), atol=1e-12)


# --------------------------------------------------------------------------- version 1.0


def test_version_1_file_gives_the_same_model_as_version_2(tmp_path):
    """R ahp's version 1.0 format (pairs directly under `preferences`, `preferenceFunction`)."""
    v2 = CAR.read_text()
    lines = []
    skip_pairwise = False
    for t in v2.splitlines():
        if t.startswith("Version:"):
            lines.append("Version: 1.0")
            continue
        s = t.strip()
        if s == "preferences:" or s == "preferences: ":
            skip_pairwise = True
            indent = len(t) - len(t.lstrip())
            continue
        if skip_pairwise and s.startswith("pairwise:"):
            lines.append(" " * indent + "preferences:")
            skip_pairwise = False
            continue
        if skip_pairwise and s.startswith("pairwiseFunction:"):
            lines.append(" " * indent + "preferenceFunction:" + t.split("pairwiseFunction:")[1])
            skip_pairwise = False
            continue
        if skip_pairwise and s.startswith("#"):
            continue
        lines.append(t)
    p = tmp_path / "car_v1.ahp"
    p.write_text("\n".join(lines) + "\n")
    a = DecisionModel.from_ahp_file(CAR).evaluate().priorities()
    b = DecisionModel.from_ahp_file(p).evaluate().priorities()
    np.testing.assert_allclose(a, b, atol=1e-15)


# --------------------------------------------------------------------------- errors


def _write(tmp_path, text: str) -> Path:
    p = tmp_path / "model.ahp"
    p.write_text(textwrap.dedent(text))
    return p


BASE = """\
    Version: 2.0
    Alternatives: &alternatives
      A:
        cost: 1
      B:
        cost: 2
    Goal:
      name: G
      preferences:
        pairwise:
          - [X, Y, 3]
      children:
        X:
          preferences:
            pairwise:
              - [A, B, 2]
          children: *alternatives
        Y:
          preferences:
            score:
              - A: 1
              - B: 3
          children: *alternatives
    """


def test_minimal_file_by_hand(tmp_path):
    res = DecisionModel.from_ahp_file(_write(tmp_path, BASE)).evaluate()
    # G: X 3/4, Y 1/4; X: A 2/3, B 1/3; Y: A 1/4, B 3/4 (hand computation)
    a = 0.75 * 2 / 3 + 0.25 * 0.25
    assert res.priorities()["A"] == pytest.approx(a)
    assert res.priorities()["B"] == pytest.approx(1 - a)


@pytest.mark.parametrize(("edit", "needle", "line"), [
    (("Version: 2.0", "Version: 3.0"), "versions 1.0 and 2.x", 1),
    (("- [A, B, 2]", "- [A, C, 2]"), "'C' is not one of the elements", 16),
    (("- [A, B, 2]", "- [A, B, 0]"), "must be positive", 16),
    (("- [A, B, 2]", "- [A, B, 2]\n          - [B, A, 1/2]"), "judged twice", 17),
    (("- [A, B, 2]", "- [A, A, 2]"), "two different elements", 16),
    (("- [A, B, 2]", "- [A, B, two]"), "number or an R expression", 16),
    (("- B: 3", "- B: -3"), "non-negative", 22),
    (("  name: G", "  name: G\n  decision-makers:\n    - Ann: 1"),
     "names 'Ann', who gives no preferences", 9),
    (("score:", "scores:"), "Did you mean 'score'", 20),
    (("  name: G", "  name: G\n  name: H"), "twice", 9),
])
def test_located_errors(tmp_path, edit, needle, line):
    old, new = edit
    text = textwrap.dedent(BASE)
    assert old in text
    p = tmp_path / "model.ahp"
    p.write_text(text.replace(old, new, 1))
    with pytest.raises(InputError) as e:
        DecisionModel.from_ahp_file(p).evaluate()
    msg = str(e.value)
    assert needle in msg
    assert "model.ahp" in msg
    if line is not None:
        assert f"line {line}" in msg


def test_missing_pair_stays_missing_and_is_completed(tmp_path):
    text = textwrap.dedent(BASE).replace("""    pairwise:
      - [X, Y, 3]
  children:
    X:""", """    pairwise:
      - [X, Y, 3]
      - [X, Z, 6]
  children:
    Z:
      preferences:
        priority:
          - A: 0.5
          - B: 0.5
      children: *alternatives
    X:""")
    p = tmp_path / "m.ahp"
    p.write_text(text)
    d = read_ahp(p)
    M = d.preferences["G"]["DecisionMaker"].matrix
    assert d.hierarchy.children("G") == ("Z", "X", "Y")
    assert np.isnan(M[0, 2]) and np.isnan(M[2, 0])  # (Z, Y) was not judged
    assert M[1, 2] == 3 and M[1, 0] == 6
    # a consistent incomplete matrix: Harker and the optimal completion both give 6:2:1
    for completion in (None, "optimal"):
        res = DecisionModel(d).evaluate(completion=completion)
        w = res.weights[res.weights.decision_maker == GROUP].set_index("node")["local"]
        np.testing.assert_allclose(w[["Z", "X", "Y"]], [1 / 9, 6 / 9, 2 / 9], atol=1e-9)


def test_dangerous_r_code_is_refused_not_run(tmp_path):
    text = textwrap.dedent(BASE).replace("""        score:
          - A: 1
          - B: 3""", """        scoreFunction: function(a) system("touch pwned")""")
    p = tmp_path / "m.ahp"
    p.write_text(text)
    with pytest.raises(InputError, match="outside the R subset"):
        read_ahp(p)
    assert not (tmp_path / "pwned").exists()


# --------------------------------------------------------------------------- R subset


@pytest.mark.parametrize(("code", "value"), [
    ("1/7", 1 / 7), ("2/5", 0.4), ("-2^2", -4.0), ("2^3^2", 512.0), ("(1 + 2) * 3", 9.0),
    ("7 %% 3", 1.0), ("7 %/% 2", 3.0), ("max(1/9, min(9, 20))", 9.0), ("abs(-2)", 2.0),
    ("log(100, 10)", 2.0), ("if (2 > 1) 5 else 6", 5.0), ("ifelse(FALSE, 1, 2)", 2.0),
    ("1e2", 100.0), ("5L", 5.0), (".5", 0.5), ("round(2.5)", 2.0), ("sqrt(16)", 4.0),
])
def test_r_numbers(code, value):
    assert evaluate_number(code) == pytest.approx(value)


def test_r_functions_blocks_locals_and_text_attributes():
    f = compile_function("""function(a1, a2) {
        r <- a1$x / a2$x; if (a1$`kind of` == "big") r <- r * 2
        # a comment
        if (r > 3)
          return(3)
        else
          r
    }""", n_args=2)
    assert f({"x": 2, "kind of": "big"}, {"x": 1}) == 3.0
    assert f({"x": 1, "kind of": "small"}, {"x": 2}) == 0.5


@pytest.mark.parametrize("code", [
    "for (i in 1:3) i", "while (TRUE) 1", "system('ls')", "x[1]", "f(a = 1)", "function(a) a",
    "eval(parse(text = '1'))", "1 +", "library(stats)",
])
def test_r_refuses_outside_the_subset(code):
    with pytest.raises(RCodeError):
        if code.startswith("function"):
            compile_function(code, n_args=2)
        else:
            evaluate_number(code)


def test_r_endless_recursion_is_an_error_not_a_hang():
    f = compile_function("F <- function(a1, a2) F(a2, a1)", n_args=2)
    with pytest.raises(RCodeError, match="nested calls"):
        f({}, {})


@pytest.mark.parametrize("code", [
    "(" * 5000 + "1" + ")" * 5000, "-" * 5000 + "1", "!" * 5000 + "1", "x <- " * 3000 + "1",
    "{" * 3000 + "1" + "}" * 3000, "if (TRUE) " * 1500 + "1", "1" + "^1" * 5000,
])
def test_r_deep_nesting_is_an_error_not_a_recursion_error(code):
    with pytest.raises(RCodeError, match=r"nested more than|chained more than"):
        evaluate_number(code)


def test_r_deep_evaluation_across_recursive_calls_is_an_error():
    # 45 nested additions around each of up to 64 nested calls would exhaust Python's stack
    f = compile_function("F <- function(a1, a2) " + "1+(" * 45 + "F(a2, a1)" + ")" * 45,
                         n_args=2)
    with pytest.raises(RCodeError, match="nests more than"):
        f({}, {})
