"""AHPy-style input (a dict of pairs per node plus a parent -> children map).

Expected numbers come from AHPy's README (github PhilipGriffith/AHPy, "Purchasing a vehicle"
and "Purchasing a vehicle reprised: normalized weights and the Compose class") and its test
suite (``tests/test_ahp.py``: the cities example of Saaty 2005 and the incomplete example of
Bozóki, Fülöp & Rónyai 2010). AHPy rounds every local and global weight to ``precision``
decimals as it goes, so its target weights can differ from the exact ones by a unit in the
last printed decimal; the tolerances below say so.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import ahpstat as ah
from ahpstat import InputError
from ahpstat.alternatives import DecisionModel
from ahpstat.io import from_ahpy

VEHICLES = ("Accord Sedan", "Accord Hybrid", "Pilot", "CR-V", "Element", "Odyssey")
PAIRS = list(itertools.combinations(VEHICLES, 2))
CRITERIA = {("Cost", "Safety"): 3, ("Cost", "Style"): 7, ("Cost", "Capacity"): 3,
            ("Safety", "Style"): 9, ("Safety", "Capacity"): 1, ("Style", "Capacity"): 1 / 7}
COST = {("Price", "Fuel"): 2, ("Price", "Maintenance"): 5, ("Price", "Resale"): 3,
        ("Fuel", "Maintenance"): 2, ("Fuel", "Resale"): 2, ("Maintenance", "Resale"): 1 / 2}
VALUES = {
    "Price": (9, 9, 1, 1 / 2, 5, 1, 1 / 9, 1 / 9, 1 / 7, 1 / 9, 1 / 9, 1 / 7, 1 / 2, 5, 6),
    "Safety": (1, 5, 7, 9, 1 / 3, 5, 7, 9, 1 / 3, 2, 9, 1 / 8, 2, 1 / 8, 1 / 9),
    "Passenger": (1, 1 / 2, 1, 3, 1 / 2, 1 / 2, 1, 3, 1 / 2, 2, 6, 1, 3, 1 / 2, 1 / 6),
    "Fuel": (1 / 1.13, 1.41, 1.15, 1.24, 1.19, 1.59, 1.3, 1.4, 1.35, 1 / 1.23, 1 / 1.14,
             1 / 1.18, 1.08, 1.04, 1 / 1.04),
    "Resale": (3, 4, 1 / 2, 2, 2, 2, 1 / 5, 1, 1, 1 / 6, 1 / 2, 1 / 2, 4, 4, 1),
    "Maintenance": (1.5, 4, 4, 4, 5, 4, 4, 4, 5, 1, 1.2, 1, 1, 3, 2),
    "Style": (1, 7, 5, 9, 6, 7, 5, 9, 6, 1 / 6, 3, 1 / 3, 7, 5, 1 / 5),
    "Cargo": (1, 1 / 2, 1 / 2, 1 / 2, 1 / 3, 1 / 2, 1 / 2, 1 / 2, 1 / 3, 1, 1, 1 / 2, 1,
              1 / 2, 1 / 2),
}
HIERARCHY = {"Criteria": ["Cost", "Safety", "Style", "Capacity"],
             "Cost": ["Price", "Fuel", "Maintenance", "Resale"],
             "Capacity": ["Cargo", "Passenger"]}


def _car_comparisons():
    comps = {"Criteria": CRITERIA, "Cost": COST, "Capacity": {("Cargo", "Passenger"): 1 / 5}}
    comps.update({k: dict(zip(PAIRS, v, strict=True)) for k, v in VALUES.items()})
    return comps


def test_readme_vehicle_example():
    """README: ``criteria.target_weights`` = {'Odyssey': 0.219, 'Accord Sedan': 0.215,
    'CR-V': 0.167, 'Accord Hybrid': 0.15, 'Element': 0.144, 'Pilot': 0.106}; Cost's local
    weights Price 0.488, Fuel 0.252, Resale 0.161, Maintenance 0.1 and its CR 0.016 (Donegan &
    Dodd's random index, AHPy's default)."""
    res = DecisionModel(from_ahpy(_car_comparisons(), HIERARCHY)).evaluate(
        completion="optimal", random_index="donegan_dodd")
    expected = {"Odyssey": 0.219, "Accord Sedan": 0.215, "CR-V": 0.167, "Accord Hybrid": 0.15,
                "Element": 0.144, "Pilot": 0.106}
    p = res.priorities()
    for k, v in expected.items():
        assert p[k] == pytest.approx(v, abs=5e-4), k
    w = res.weights[res.weights.decision_maker == "(group)"].set_index("node")["local"]
    for k, v in {"Price": 0.488, "Fuel": 0.252, "Resale": 0.161, "Maintenance": 0.1}.items():
        assert w[k] == pytest.approx(v, abs=5e-4)
    cr = res.consistency.set_index("node").value
    assert cr["Cost"] == pytest.approx(0.016, abs=5e-4)
    assert cr["Criteria"] == pytest.approx(0.08, abs=5e-3)
    assert cr["Price"] == pytest.approx(0.072, abs=5e-4)


def test_readme_compose_example_with_measured_values():
    """README, "normalized weights and the Compose class": Passenger, Fuel, Resale and Cargo
    given as measured values; target weights {'Odyssey': 0.218, 'Accord Sedan': 0.21,
    'Element': 0.161, 'Accord Hybrid': 0.154, 'CR-V': 0.149, 'Pilot': 0.108}; the normalized
    Passenger weights {'Pilot': 0.229, 'Odyssey': 0.229, 'Accord Sedan': 0.143, ...,
    'Element': 0.114} and Resale's CR-V 0.188. AHPy rounds each Compare object to 3
    decimals before combining, so a target weight can be off by 0.001 (Pilot: 0.1074 exactly)."""
    comps = _car_comparisons()
    comps["Passenger"] = dict(zip(VEHICLES, (5, 5, 8, 5, 4, 8), strict=True))
    comps["Fuel"] = dict(zip(VEHICLES, (31, 35, 22, 27, 25, 26), strict=True))
    comps["Resale"] = dict(zip(VEHICLES, (0.52, 0.46, 0.44, 0.55, 0.48, 0.48), strict=True))
    comps["Cargo"] = dict(zip(VEHICLES, (14, 14, 87.6, 72.9, 74.6, 147.4), strict=True))
    res = DecisionModel(from_ahpy(comps, HIERARCHY)).evaluate(completion="optimal")
    expected = {"Odyssey": 0.218, "Accord Sedan": 0.21, "Element": 0.161, "Accord Hybrid": 0.154,
                "CR-V": 0.149, "Pilot": 0.108}
    p = res.priorities()
    for k, v in expected.items():
        assert p[k] == pytest.approx(v, abs=1.5e-3), k
    loc = res.local[res.local.decision_maker == "(group)"]
    pas = loc[loc.node == "Passenger"].set_index("element").priority
    assert pas["Pilot"] == pytest.approx(0.229, abs=5e-4)
    assert pas["Element"] == pytest.approx(0.114, abs=5e-4)
    res_ = loc[loc.node == "Resale"].set_index("element").priority
    assert res_["CR-V"] == pytest.approx(0.188, abs=5e-4)


def test_cities_example_from_ahpys_tests():
    """AHPy tests, ``test_cities_weights_dd_precision_4``: target weights {'Bethesda': 0.2291,
    'Boston': 0.2748, 'Pittsburgh': 0.3852, 'Santa Fe': 0.1110} (Saaty 2005)."""
    criteria = {("Culture", "Housing"): 3, ("Culture", "Transportation"): 5,
                ("Family", "Culture"): 5, ("Family", "Housing"): 7,
                ("Family", "Transportation"): 7, ("Housing", "Transportation"): 3,
                ("Jobs", "Culture"): 2, ("Jobs", "Housing"): 4, ("Jobs", "Transportation"): 7,
                ("Family", "Jobs"): 1}
    culture = {("Bethesda", "Pittsburgh"): 1, ("Boston", "Bethesda"): 2,
               ("Boston", "Pittsburgh"): 2.5, ("Boston", "Santa Fe"): 1,
               ("Pittsburgh", "Bethesda"): 1, ("Santa Fe", "Bethesda"): 2,
               ("Santa Fe", "Pittsburgh"): 2.5}
    with pytest.raises(InputError, match="compared twice"):
        # AHPy's own test data states (Bethesda, Pittsburgh) twice; ahpstat refuses that
        from_ahpy({"Culture": culture})
    culture.pop(("Pittsburgh", "Bethesda"))  # both say 1: the same judgment
    family = {("Bethesda", "Boston"): 2, ("Bethesda", "Santa Fe"): 4, ("Boston", "Santa Fe"): 2,
              ("Pittsburgh", "Bethesda"): 3, ("Pittsburgh", "Boston"): 8,
              ("Pittsburgh", "Santa Fe"): 9}
    housing = {("Bethesda", "Boston"): 5, ("Bethesda", "Santa Fe"): 2.5,
               ("Pittsburgh", "Bethesda"): 2, ("Pittsburgh", "Boston"): 9,
               ("Pittsburgh", "Santa Fe"): 7, ("Santa Fe", "Boston"): 4}
    jobs = {("Bethesda", "Pittsburgh"): 3, ("Bethesda", "Santa Fe"): 4,
            ("Boston", "Bethesda"): 2, ("Boston", "Pittsburgh"): 6, ("Boston", "Santa Fe"): 8,
            ("Pittsburgh", "Santa Fe"): 1}
    transportation = {("Bethesda", "Boston"): 1.5, ("Bethesda", "Santa Fe"): 4,
                      ("Boston", "Santa Fe"): 2.5, ("Pittsburgh", "Bethesda"): 2,
                      ("Pittsburgh", "Boston"): 3.5, ("Pittsburgh", "Santa Fe"): 9}
    comps = {"Goal": criteria, "Culture": culture, "Family": family, "Housing": housing,
             "Jobs": jobs, "Transportation": transportation}
    h = {"Goal": ["Culture", "Family", "Housing", "Jobs", "Transportation"]}
    p = DecisionModel(from_ahpy(comps, h)).evaluate(completion="optimal").priorities()
    expected = {"Bethesda": 0.2291, "Boston": 0.2748, "Pittsburgh": 0.3852, "Santa Fe": 0.1110}
    for k, v in expected.items():
        assert p[k] == pytest.approx(v, abs=2e-4), k


def test_incomplete_matrix_weights_as_ahpy():
    """AHPy tests, ``test_incomplete_example_*`` (Bozóki, Fülöp & Rónyai 2010): missing
    (c, d) completed to 0.730297106886979; weights {'a': 0.3738, 'b': 0.392, 'c': 0.0985,
    'd': 0.1357}; CR 0.0372 (Donegan & Dodd)."""
    u = {("a", "b"): 1, ("a", "c"): 5, ("a", "d"): 2, ("b", "c"): 3, ("b", "d"): 4}
    res = DecisionModel(from_ahpy({"I": u})).evaluate(completion="optimal",
                                                      random_index="donegan_dodd")
    np.testing.assert_allclose(res.priorities()[["a", "b", "c", "d"]],
                               [0.3738, 0.392, 0.0985, 0.1357], atol=5e-5)
    # the same in one call of the numpy core, and on the CLI's path (weights(completion=))
    nan = np.nan
    A = [[1, 1, 5, 2], [1, 1, 3, 4], [1 / 5, 1 / 3, 1, nan], [1 / 2, 1 / 4, nan, 1]]
    # AHPy divides by the complete-matrix RI; ahpstat by RI(4, 1) of incomplete matrices
    # (Ágoston & Csató 2022) unless asked for the table's
    ahpy_cr = ah.consistency(A, random_index="donegan_dodd", random_index_incomplete="table")
    assert float(ahpy_cr.value) == pytest.approx(0.0372, abs=5e-5)
    own = ah.consistency(A, random_index="donegan_dodd")
    assert res.consistency.value.iloc[0] == pytest.approx(float(own.value), rel=1e-12)
    assert res.consistency.random_index.iloc[0] == "agoston_csato"
    w = ah.weights(A, method="eigenvector", completion="optimal").weights
    np.testing.assert_allclose(w, [0.3738, 0.392, 0.0985, 0.1357], atol=5e-5)
    # (AHPy's cycling coordinates stop at a norm tolerance of 1e-4: 4e-7 from the optimum)
    assert ah.complete(A)[2, 3] == pytest.approx(0.730297106886979, abs=1e-6)
    # a complete matrix is weighted as it is, whatever the completion
    B = ah.complete(A)
    np.testing.assert_allclose(ah.weights(B, completion="harker").weights,
                               ah.weights(B).weights, atol=1e-15)
    # Harker's weights of the incomplete matrix differ from the optimal completion's
    assert not np.allclose(ah.weights(A, method="harker").weights, w, atol=1e-4)


def test_incomplete_housing_example_completion():
    """AHPy tests, ``test_incomplete_housing_missing_comparisons``: the optimal completion
    of an 8x8 matrix with 12 missing pairs; e.g. (b, c) = 0.3300187496240363 and (c, d) =
    9.920512661898753."""
    m = {("a", "b"): 5, ("a", "c"): 3, ("a", "d"): 7, ("a", "e"): 6, ("a", "f"): 6,
         ("b", "d"): 5, ("b", "f"): 3, ("c", "e"): 3, ("c", "g"): 6, ("f", "d"): 4,
         ("g", "a"): 3, ("g", "e"): 5, ("h", "a"): 4, ("h", "b"): 7, ("h", "d"): 8,
         ("h", "f"): 6}
    d = from_ahpy({"H": m})
    p = d.preferences["H"]["DecisionMaker"]
    C = ah.complete(p.matrix)
    pos = {e: i for i, e in enumerate(p.elements)}
    expected = {("b", "c"): 0.3300187496240363, ("b", "e"): 1.7197409185349517,
                ("b", "g"): 0.4663515002203321, ("c", "d"): 9.920512661898753,
                ("c", "f"): 4.852486449214693, ("c", "h"): 0.5696073301509899}
    for (a, b), v in expected.items():
        # AHPy's cycling coordinates stop at a tolerance of 1e-4 on the norm
        assert C[pos[a], pos[b]] == pytest.approx(v, rel=2e-3), (a, b)


@pytest.mark.parametrize(("comps", "h", "needle"), [
    ({"A": {("x", "y"): 2}, "B": {("x", "y"): 2}}, None, "`hierarchy` is required"),
    ({"A": {("B", "C"): 2}, "B": {("x", "y"): 2}}, {"A": ["B", "C"]}, "has no comparisons"),
    ({"A": {("B", "D"): 2}, "B": {("x", "y"): 2}, "C": {("x", "y"): 2}}, {"A": ["B", "C"]},
     "unknown ['D']"),
    ({"A": {("B", "C"): 2}, "B": {("x", "y"): 2}, "C": {("x", "z"): 2}}, {"A": ["B", "C"]},
     "same alternatives"),
    ({"A": {("x", "y"): -2}}, None, "must be positive"),
    ({"A": {("x", "y"): 2, ("y", "x"): 0.5}}, None, "compared twice"),
    ({"A": {("x", "y"): 2, "z": 1}}, None, "either all pairs"),
])
def test_errors_name_the_node(comps, h, needle):
    with pytest.raises(InputError) as e:
        from_ahpy(comps, h)
    assert needle in str(e.value)
