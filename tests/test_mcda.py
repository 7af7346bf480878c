"""Tests of ahpstat.mcda: TOPSIS and grey relational analysis against published examples,
hand computations and numbers computed with pymcdm 1.4.0 and pyDecision 5.1.8 in a separate
virtual environment (tests/data/objective/reference.py prints them)."""

from __future__ import annotations

import numpy as np
import pytest

from ahpstat import DegenerateDataWarning
from ahpstat.mcda import _gra_each, _topsis_each, grey_relational_analysis, topsis

LIK = np.array([[4, 3, 5, 2], [2, 3, 4, 4], [5, 4, 4, 1], [3, 2, 5, 3], [4, 5, 3, 2],
                [1, 3, 4, 5]], dtype=float)
W4 = np.array([0.4, 0.3, 0.2, 0.1])
# pyDecision's topsis_method (vector normalisation) and pymcdm's TOPSIS (default: min-max
# normalisation), all benefit; pymcdm with item 1 a cost item
PYDECISION_TOPSIS_LIK = [0.619122, 0.313843, 0.755574, 0.422264, 0.710283, 0.244426]
PYMCDM_TOPSIS_LIK = [0.613899, 0.334807, 0.725708, 0.441052, 0.643112, 0.274292]
PYMCDM_TOPSIS_LIK_COST1 = [0.400689, 0.580012, 0.339057, 0.441052, 0.462757, 0.660943]
# pyDecision's gra_method (min-max, rho = 0.5) divides the grade by the number of units
PYDECISION_GRA_LIK = [0.105873, 0.075873, 0.118889, 0.091667, 0.112222, 0.076984]


def test_topsis_opricovic_tzeng_published():
    X = [[1, 3000], [2, 3750], [5, 4500]]
    c = topsis(X, [0.5, 0.5], normalization="minmax", benefit=np.array([False, True]))
    np.testing.assert_allclose(c.closeness, [0.5, 0.617, 0.5], atol=5e-4)


def test_topsis_vector_by_hand():
    X = np.array([[1.0, 3000], [2, 3750], [5, 4500]])
    r = topsis(X, [0.5, 0.5], benefit=np.array([False, True]))
    V = 0.5 * X / np.sqrt((X**2).sum(axis=0))
    best = np.array([V[:, 0].min(), V[:, 1].max()])
    worst = np.array([V[:, 0].max(), V[:, 1].min()])
    dp = np.sqrt(((V - best) ** 2).sum(axis=1))
    dm = np.sqrt(((V - worst) ** 2).sum(axis=1))
    np.testing.assert_allclose(r.distance_best, dp)
    np.testing.assert_allclose(r.closeness, dm / (dp + dm))


def test_topsis_matches_other_packages():
    np.testing.assert_allclose(topsis(LIK, W4).closeness, PYDECISION_TOPSIS_LIK, atol=2e-6)
    np.testing.assert_allclose(topsis(LIK, W4, normalization="minmax").closeness,
                               PYMCDM_TOPSIS_LIK, atol=2e-6)
    cost = np.array([False, True, True, True])
    np.testing.assert_allclose(topsis(LIK, W4, normalization="MinMax", benefit=cost).closeness,
                               PYMCDM_TOPSIS_LIK_COST1, atol=2e-6)


def test_gra_si_sun_supplier_example_published():
    # Si Shoukui & Sun Xijing, 数学建模算法与应用 (Mathematical modeling algorithms and
    # applications, National Defense Industry Press), the grey relational analysis example of
    # choosing one of 6 parts suppliers on 9 indicators (rows here: the suppliers); price,
    # location and after-sales service are cost indicators; min-max normalisation, reference
    # = the best value of each indicator, rho = 0.5, equal weights. Published grades
    # r = 0.4630, 0.5560, 0.6491, 0.6527, 0.4936, 0.6130 (supplier 4 first, then 3 and 6).
    X = np.array([[0.83, 0.9, 0.99, 0.92, 0.87, 0.95], [326, 295, 340, 287, 310, 303],
                  [21, 38, 25, 19, 27, 10], [3.2, 2.4, 2.2, 2, 0.9, 1.7],
                  [0.2, 0.25, 0.12, 0.33, 0.2, 0.09], [0.15, 0.2, 0.14, 0.09, 0.15, 0.17],
                  [250, 180, 300, 200, 150, 175], [0.23, 0.15, 0.27, 0.3, 0.18, 0.26],
                  [0.87, 0.95, 0.99, 0.89, 0.82, 0.94]]).T
    benefit = np.array([True, False, False, False, True, True, True, True, True])
    g = grey_relational_analysis(X, np.ones(9), benefit=benefit)
    np.testing.assert_allclose(g.grade, [0.4630, 0.5560, 0.6491, 0.6527, 0.4936, 0.6130],
                               atol=5e-5)
    assert g.coefficients[0, 0] == pytest.approx(1 / 3)   # supplier 1's quality: the worst


def test_gra_matches_pydecision_and_hand():
    g = grey_relational_analysis(LIK, W4)
    np.testing.assert_allclose(g.grade / LIK.shape[0], PYDECISION_GRA_LIK, atol=2e-6)
    r = grey_relational_analysis([[3, 1], [1, 2]], [0.75, 0.25])
    np.testing.assert_allclose(r.coefficients, [[1, 1 / 3], [1 / 3, 1]])
    np.testing.assert_allclose(r.grade, [0.75 + 0.25 / 3, 0.25 + 0.75 / 3])


def test_gra_mean_normalisation_by_hand():
    X = np.array([[2.0, 4], [4, 2], [3, 3]])
    r = grey_relational_analysis(X, [0.5, 0.5], normalization="mean", rho=1.0)
    Y = X / X.mean(axis=0)            # (2/3, 4/3), (4/3, 2/3), (1, 1)
    D = np.abs(Y.max(axis=0) - Y)     # (2/3, 0), (0, 2/3), (1/3, 1/3)
    xi = (0 + D.max()) / (D + D.max())
    np.testing.assert_allclose(r.coefficients, xi)
    np.testing.assert_allclose(r.grade, xi.mean(axis=1))


def test_batched_and_weight_scale():
    rng = np.random.default_rng(4)
    X = rng.random((3, 5, 4))
    w = rng.dirichlet(np.ones(4), size=3)
    c = topsis(X, w).closeness
    g = grey_relational_analysis(X, w).grade
    for k in range(3):
        np.testing.assert_allclose(c[k], topsis(X[k], w[k]).closeness)
        np.testing.assert_allclose(g[k], grey_relational_analysis(X[k], w[k]).grade)
    np.testing.assert_allclose(topsis(X[0], 7 * w[0]).closeness, c[0])
    np.testing.assert_allclose(grey_relational_analysis(X[0], 7 * w[0]).grade, g[0])


@pytest.mark.parametrize(("x_shape", "w_shape"), [((3, 4, 2), (2,)), ((6, 5, 4, 2), (5, 2)),
                                                 ((6, 5, 4, 2), (2,)), ((4, 3), (5, 3))])
def test_weights_broadcast_against_the_units_batch_axes(x_shape, w_shape):
    """Weights with fewer (or more) batch axes than X broadcast as numpy does: every slice
    equals the unbatched call on that slice (a loop over 2-D problems, where no axis can be
    misplaced)."""
    rng = np.random.default_rng(7)
    X, w = rng.random(x_shape), rng.random(w_shape)
    Xb, wb = np.broadcast_arrays(X, w[..., None, :])
    for norm in ("vector", "minmax"):
        c = topsis(X, w, normalization=norm).closeness
        g = grey_relational_analysis(X, w).grade
        assert c.shape == g.shape == Xb.shape[:-1]
        for idx in np.ndindex(Xb.shape[:-2]):
            np.testing.assert_array_equal(
                c[idx], topsis(Xb[idx], wb[idx][0], normalization=norm).closeness)
            np.testing.assert_allclose(g[idx], grey_relational_analysis(Xb[idx],
                                                                        wb[idx][0]).grade)


def _topsis_direct(A, w, b, norm):
    """TOPSIS of one weighting, written out (the formulas of the module notes)."""
    lo, hi = A.min(axis=-2), A.max(axis=-2)
    const = (hi - lo) <= 1e-12 * np.maximum(np.abs(lo), np.abs(hi))
    with np.errstate(invalid="ignore", divide="ignore"):
        if norm == "vector":
            R = A / np.sqrt((A**2).sum(axis=-2, keepdims=True))
        else:
            R = (A - lo[..., None, :]) / (hi - lo)[..., None, :]
    V = w[..., None, :] * np.where(const[..., None, :], 0.0, R)
    best = np.where(b, V.max(axis=-2), V.min(axis=-2))[..., None, :]
    worst = np.where(b, V.min(axis=-2), V.max(axis=-2))[..., None, :]
    dp = np.sqrt(((V - best) ** 2).sum(axis=-1))
    dm = np.sqrt(((V - worst) ** 2).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(dp + dm > 0, dm / (dp + dm), np.nan)


def _gra_direct(A, w, b, rho):
    """Grey relational grades of one weighting, min-max normalised, written out."""
    lo, hi = A.min(axis=-2, keepdims=True), A.max(axis=-2, keepdims=True)
    const = ((hi - lo) <= 1e-12 * np.maximum(np.abs(lo), np.abs(hi)))[..., 0, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        Y = np.where(b, (A - lo) / (hi - lo), (hi - A) / (hi - lo))
        D = np.where(const[..., None, :], 0.0, np.abs(Y.max(axis=-2, keepdims=True) - Y))
        dmin = D.min(axis=(-2, -1), keepdims=True)
        dmax = D.max(axis=(-2, -1), keepdims=True)
        xi = np.where(dmax > 0, (dmin + rho * dmax) / (D + rho * dmax), np.nan)
        return ((w / w.sum(axis=-1, keepdims=True))[..., None, :] * xi).sum(axis=-1)


@pytest.mark.parametrize("norm", ["vector", "minmax"])
def test_each_weighting_at_once_equals_one_at_a_time(norm):
    # the evaluation's several weightings in one call: bit for bit each one's own numbers,
    # with weights in other memory layouts (an F-ordered block, a broadcast row), a cost
    # item, a constant item and a missing value in one resample
    rng = np.random.default_rng(11)
    X = rng.integers(1, 6, (6, 7, 5)).astype(float) + rng.random((6, 7, 5))
    X[..., 3] = 2.5
    X[4, 2, 1] = np.nan
    b = np.array([True, False, True, True, True])
    ws = [rng.dirichlet(np.ones(5), 6), np.asfortranarray(rng.dirichlet(np.ones(5), 6)),
          np.broadcast_to(rng.dirichlet(np.ones(5)), (6, 5))]
    got = _topsis_each(X, ws, normalization=norm, benefit=b)
    grey = _gra_each(X, ws, rho=0.4, benefit=b)
    for w, t, g in zip(ws, got, grey, strict=True):
        ref = _topsis_direct(X, w, b, norm)
        assert t.closeness.tobytes() == ref.tobytes()
        assert g.grade.tobytes() == _gra_direct(X, w, b, 0.4).tobytes()
        assert np.isnan(ref[4]).all() and np.isfinite(ref[:4]).all()
    # the warnings as one call per weighting gives them
    with pytest.warns(DegenerateDataWarning) as rec:
        _topsis_each(np.ones((3, 2)), [[0.5, 0.5], [0.2, 0.8]])
        _gra_each(np.ones((3, 2)), [[0.5, 0.5], [0.2, 0.8], [1.0, 0.0]])
    assert [str(r.message)[:4] for r in rec] == ["TOPS"] * 2 + ["grey"] * 3
    with pytest.raises(ValueError, match=r"got shapes \(6, 4\) and \(\) instead"):
        _topsis_each(LIK, [W4, 0.5])


def test_constant_item_adds_nothing():
    X = np.column_stack([LIK, np.full(6, 3.0)])
    w = np.array([0.4, 0.3, 0.2, 0.1, 0.5])
    np.testing.assert_allclose(topsis(X, w).closeness, topsis(LIK, W4).closeness)
    g = grey_relational_analysis(X, w)
    np.testing.assert_allclose(g.coefficients[:, -1], 1.0)
    with pytest.warns(DegenerateDataWarning, match="undefined"):
        assert np.isnan(topsis(np.ones((3, 2)), [0.5, 0.5]).closeness).all()
    with pytest.warns(DegenerateDataWarning, match="undefined"):
        assert np.isnan(grey_relational_analysis(np.ones((3, 2)), [0.5, 0.5]).grade).all()


def test_bad_input():
    with pytest.raises(ValueError, match="at least 2 units"):
        topsis([[1, 2]], [0.5, 0.5])
    with pytest.raises(ValueError, match="`normalization` must be one of"):
        topsis(LIK, W4, normalization="sum")
    with pytest.raises(ValueError, match="`rho` must be in"):
        grey_relational_analysis(LIK, W4, rho=0)
    with pytest.raises(ValueError, match="positive data"):
        grey_relational_analysis([[0, 1], [1, 2]], [0.5, 0.5], normalization="mean")
    with pytest.raises(ValueError, match="`benefit` must be 4 booleans"):
        topsis(LIK, W4, benefit=[1, 1, 1, 1])
    with pytest.raises(ValueError, match="non-negative"):
        topsis(LIK, -W4)


def test_shape_errors_name_the_weights_as_given():
    for f in (topsis, grey_relational_analysis):
        with pytest.raises(ValueError, match=r"got shapes \(3, 3\) and \(2,\) instead"):
            f(np.ones((3, 3)), [0.5, 0.5])
        with pytest.raises(ValueError, match=r"got shapes \(3, 3\) and \(\) instead"):
            f(np.ones((3, 3)), 1.0)
