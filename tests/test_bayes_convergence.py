"""The vectorized convergence diagnostics against ``arviz.summary`` (the independent
reference: ArviZ's own per-parameter functions), on chains whose diagnostics differ."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

az = pytest.importorskip("arviz")

from ahpstat.bayes._convergence import METRICS, multichain_diagnostics  # noqa: E402


def _ar1(g, C, D, P, phi):
    x = np.empty((C, D, P))
    x[:, 0] = g.normal(size=(C, P))
    for t in range(1, D):
        x[:, t] = phi * x[:, t - 1] + g.normal(size=(C, P))
    return x


def _cases():
    g = np.random.default_rng(3)
    nonfinite = g.normal(size=(4, 200, 4))
    nonfinite[1, 7, 1] = np.nan
    nonfinite[2, 9, 3] = np.inf
    return {
        "iid": g.normal(size=(4, 1000, 20)),
        "autocorrelated": _ar1(g, 4, 1000, 20, 0.9) + np.arange(20) * 0.01,
        "odd draws, 3 chains": _ar1(g, 3, 301, 5, 0.5),
        "ties (rounded)": np.round(_ar1(g, 4, 400, 6, 0.7)),
        "one chain": _ar1(g, 1, 500, 4, 0.3),
        "a stuck chain": _ar1(g, 4, 500, 3, 0.2) + np.array([0, 0, 0, 3.0])[:, None, None],
        "negatively correlated": _ar1(g, 4, 400, 3, -0.6),
        "fewer than 4 draws": g.normal(size=(2, 3, 3)),
        "6 draws": g.normal(size=(2, 6, 3)),
        "nan and inf": nonfinite,
        "constant": np.concatenate([np.full((4, 300, 1), 2.5), g.normal(size=(4, 300, 2))],
                                   axis=2),
        "indicator-like": (g.random((4, 300, 3)) < 0.03).astype(float),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_diagnostics_equal_arviz_summary(name):
    x = _cases()[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = az.summary({"v": x}, kind="diagnostics", round_to="none", fmt="xarray")["v"]
        got = multichain_diagnostics(x)
    ref = np.stack([np.asarray(ref.sel(metric=m)).ravel() for m in METRICS])
    assert got.shape == ref.shape == (5, x.shape[2])
    # the same formulas; sums taken in another order move the last digit or two
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)  # NaN where ArviZ has NaN


def test_diagnostics_keep_a_variables_shape_and_are_nan_free_on_good_chains():
    g = np.random.default_rng(0)
    x = _ar1(g, 4, 400, 6, 0.5).reshape(4, 400, 2, 3)
    d = multichain_diagnostics(x)
    assert d.shape == (5, 6) and np.isfinite(d).all()
    assert (d[METRICS.index("ess_bulk")] < 4 * 400).all()  # autocorrelated: fewer than draws


def test_a_constant_parameter_warns_nothing():
    """A constant parameter (a node's only child, weight 1) has a NaN R-hat, as ArviZ gives
    it, without a RuntimeWarning: the tests turn ahpstat's RuntimeWarnings into errors, and a
    fit's summary runs beside other threads, so no warnings filter is relied on."""
    x = np.concatenate([np.ones((4, 100, 1)), np.random.default_rng(1).normal(size=(4, 100, 1))],
                       axis=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = multichain_diagnostics(x)
    assert np.isnan(d[METRICS.index("r_hat"), 0]) and np.isfinite(d[:, 1]).all()
