"""Random index of incomplete matrices (Ágoston & Csató 2022) and its use by consistency().

The table is ahpstat's own Monte Carlo (studies/incomplete_random_index); the published table
could not be read here, so it is checked against independent computations instead:

- its m = 0 column (complete matrices, same generator) against Alonso & Lamata's (2006)
  published RI(n);
- cells with missing pairs against a separate Monte Carlo written here, whose completion is
  scipy's bounded scalar minimizer of numpy's eigenvalues (not ahpstat's Newton);
- its near-linearity in m, the property Ágoston & Csató report, and the convergence of its
  profiles in m / m_max that the extrapolation beyond n = 10 relies on.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

import ahpstat as ah
from ahpstat.panel import PanelOptions, run_panel
from ahpstat.scales import (
    INCOMPLETE_RANDOM_INDEX,
    RANDOM_INDEX_TABLES,
    SAATY_SCALE,
    _incomplete_profile,
    incomplete_random_index,
)

STUDY_CSV = (Path(__file__).resolve().parents[1] / "studies" / "incomplete_random_index"
             / "random_index.csv")
nan = np.nan


@pytest.fixture(scope="module")
def study_rows():
    with open(STUDY_CSV, newline="") as fh:
        return [(int(r["n"]), int(r["m"]), float(r["ri"]), float(r["se"]))
                for r in csv.DictReader(fh)]


def test_shipped_table_is_the_study_output(study_rows):
    # the package's table is exactly what the study's script wrote (3 decimals)
    cells = {(n, m): ri for n, m, ri, _ in study_rows}
    for n, row in INCOMPLETE_RANDOM_INDEX.items():
        assert len(row) == (n - 1) * (n - 2) // 2
        for m, ri in enumerate(row):
            assert ri == round(cells[n, m], 3)


def test_complete_column_matches_alonso_lamata(study_rows):
    # Alonso & Lamata (2006), Table 3: RI(n) of complete random matrices, same generator
    published = RANDOM_INDEX_TABLES["alonso_lamata"]
    for n, m, ri, se in study_rows:
        if m == 0:
            assert abs(ri - published(n)) < 4 * se + 1e-3, (n, ri, published(n))


def _independent_ri_one_missing(n: int, size: int, seed: int) -> tuple[float, float]:
    """Mean CI of random n x n matrices missing pair (0, 1), completed by scipy's bounded
    Brent search over log a_01 of numpy's largest eigenvalue (lambda_max is convex in it,
    Bozóki, Fülöp & Rónyai 2010)."""
    rng = np.random.default_rng(seed)
    iu, ju = np.triu_indices(n, 1)
    ci = np.empty(size)
    for s in range(size):
        A = np.ones((n, n))
        v = SAATY_SCALE[rng.integers(0, 17, iu.size)]
        A[iu, ju], A[ju, iu] = v, 1 / v

        def lam(x, A=A):
            A[0, 1], A[1, 0] = np.exp(x), np.exp(-x)
            return np.linalg.eigvals(A).real.max()

        res = optimize.minimize_scalar(lam, bounds=(-12, 12), method="bounded",
                                       options={"xatol": 1e-9})
        ci[s] = (res.fun - n) / (n - 1)
    return float(ci.mean()), float(ci.std(ddof=1) / np.sqrt(size))


def test_one_missing_pair_against_independent_simulation():
    # n = 4, m = 1 (every position is equivalent under relabelling): 1,500 matrices
    ri, se = _independent_ri_one_missing(4, 1500, seed=11)
    assert abs(incomplete_random_index(4, 1) - ri) < 4 * se
    # and it is far below the complete-matrix RI that was used before
    assert ri < 0.75 * RANDOM_INDEX_TABLES["alonso_lamata"](4)


@pytest.mark.slow
@pytest.mark.parametrize("n", [5, 6, 7])
def test_one_missing_pair_against_independent_simulation_larger(n):
    ri, se = _independent_ri_one_missing(n, 4000, seed=n)
    assert abs(incomplete_random_index(n, 1) - ri) < 4 * se


def test_nearly_linear_in_missing_pairs():
    # Ágoston & Csató (2022): RI decreases with m nearly linearly (here: within 0.035 of the
    # line from RI(n, 0) to 0 at a spanning tree, concave)
    for n, row in INCOMPLETE_RANDOM_INDEX.items():
        m_max = (n - 1) * (n - 2) // 2
        lin = row[0] * (1 - np.arange(len(row)) / m_max)
        assert np.abs(np.array(row) - lin).max() < 0.035, n
        assert all(a > b for a, b in itertools.pairwise(row))


def test_profile_extrapolation_beyond_the_table():
    # beyond n = 10: RI(n) times the n = 10 profile at the same share of missing pairs; the
    # profiles converge, so the n = 10 profile predicts the n = 9 and n = 8 cells closely
    for n, tol in ((9, 0.008), (8, 0.011)):
        row = np.array(INCOMPLETE_RANDOM_INDEX[n])
        m_max = (n - 1) * (n - 2) // 2
        pred = [row[0] * _incomplete_profile(m / m_max) for m in range(row.size)]
        assert np.abs(pred - row).max() < tol, n


def test_incomplete_random_index_edges():
    assert incomplete_random_index(5, 6) == 0.0  # spanning tree
    assert incomplete_random_index(2, 0) == 0.0
    big = incomplete_random_index(12, 10)  # beyond the table: the n = 10 profile
    assert big == pytest.approx(RANDOM_INDEX_TABLES["alonso_lamata"](12)
                                * _incomplete_profile(10 / 55))
    assert _incomplete_profile(0.0) == 1.0 and _incomplete_profile(1.0) == 0.0
    assert incomplete_random_index(3, 0) == RANDOM_INDEX_TABLES["alonso_lamata"](3)
    with pytest.raises(ValueError, match="can miss 0 to 6 pairs"):
        incomplete_random_index(5, 7)
    with pytest.raises(ValueError, match="can miss"):
        incomplete_random_index(4, -1)


B = np.array([[1, 1, 5, 2], [1, 1, 3, 4], [1 / 5, 1 / 3, 1, nan], [1 / 2, 1 / 4, nan, 1]])


def test_consistency_uses_incomplete_ri():
    c = ah.consistency(B, index="cr")
    assert c.random_index == "agoston_csato"
    assert c.random_index_value == incomplete_random_index(4, 1)
    assert c.completion == "optimal"
    assert "Ágoston" in c.source
    # CR = CI of the optimal completion / RI(4, 1)
    ci = (ah.weights(ah.complete(B)).lambda_max - 4) / 3
    assert float(c.value) == pytest.approx(ci / incomplete_random_index(4, 1), rel=1e-9)
    # CI's threshold is 0.1 RI(4, 1)
    assert ah.consistency(B, index="ci").threshold == pytest.approx(
        0.1 * incomplete_random_index(4, 1))


def test_consistency_mixed_batch_and_spanning_tree():
    full = ah.complete(B)
    c = ah.consistency(np.stack([B, full]), index="cr", random_index="saaty")
    np.testing.assert_allclose(c.random_index_value, [incomplete_random_index(4, 1), 0.90])
    assert c.random_index == "saaty (complete), agoston_csato (incomplete)"
    tree = np.array([[1, 9, nan], [1 / 9, 1, 9], [nan, 1 / 9, 1]])  # a spanning tree
    t = ah.consistency(tree)
    assert float(t.value) == 0.0 and bool(t.acceptable)


def test_weights_consistency_of_incomplete_matrix_uses_incomplete_ri():
    r = ah.weights(B, method="harker", consistency="cr")
    assert r.consistency.random_index == "agoston_csato"
    assert float(r.consistency.value) == pytest.approx(float(ah.consistency(B).value))


def test_panel_consistency_table_names_the_table_per_expert():
    S = np.stack([ah.complete(B), B])
    h = ah.Hierarchy.from_children({"goal": ["a", "b", "c", "d"]})
    res = run_panel({"goal": (("E1", "E2"), S)}, h, options=PanelOptions())
    cons = res.consistency.set_index("expert")
    assert cons.loc["E1", "random_index"] == "saaty"
    assert cons.loc["E1", "random_index_value"] == 0.90
    assert cons.loc["E2", "random_index"] == "agoston_csato"
    assert cons.loc["E2", "random_index_value"] == incomplete_random_index(4, 1)
