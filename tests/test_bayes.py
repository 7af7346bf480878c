"""Tests of ahpstat.bayes: the likelihood kernel, validation, the model's log-density, one
shared fit (labelled output, LOO, predictive groups, tables), the sanity limit.

Default suite: two compiled models (one shared fit of the default model, the sanity limit).
Reference values come from independent computations: scipy's normal distribution, finite
differences, PyMC's own log-density, numpy's geometric AIJ. Heavier checks are ``slow``.
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import ahpstat as ah
from _numpy_state import hugepage_setting
from ahpstat._bayes_model import (
    block_basis,
    interval_bounds,
    judgment_bounds,
    lapse_logs,
    log_normal_interval_scalar,
    loglik_draw,
    loglik_value_and_grad,
    loglik_zero_sum,
    obs_columns,
    pointwise_loglik,
    prepare_panel,
    replicate_judgments,
    zero_sum,
    zero_sum_reduce,
)
from ahpstat.bayes import BayesianAHP, BayesResult, score_draws
from ahpstat.scoring import composite_scores
from ahpstat.simulate import simulate_panel

try:
    import nutpie  # noqa: F401
    import pymc  # noqa: F401

    HAVE_PYMC = True
except ImportError:  # pragma: no cover
    HAVE_PYMC = False

needs_pymc = pytest.mark.skipif(not HAVE_PYMC, reason="needs the bayes extra")

TREE = {"G": ["A", "B", "C"], "A": ["a1", "a2"]}
TRUTH = {"G": [0.6, 0.3, 0.1], "A": [0.7, 0.3]}
FAST = {"draws": 400, "tune": 400, "chains": 4, "progressbar": False}


def _judgments(rows):
    return pd.DataFrame(rows, columns=["expert", "node", "row", "col", "value"])


GOOD = [("E1", "G", "A", "B", 2.0), ("E1", "G", "B", "C", 3.0), ("E1", "A", "a1", "a2", 2.0)]


# --------------------------------------------------------------------------- kernel
@pytest.mark.parametrize(("a", "b"), [(-1.0, 1.0), (0.2, 0.9), (-3.0, -2.5), (-40.0, -39.0),
                                      (39.0, 1e3), (-1e3, 5.0), (2.0, 2.0 + 1e-6)])
def test_log_normal_interval_matches_scipy(a, b):
    """log(Phi(b) - Phi(a)) against scipy, in the tails through log-sf / log-cdf."""
    if a >= 0:
        ref = stats.norm.logsf(a) + np.log1p(-np.exp(stats.norm.logsf(b) - stats.norm.logsf(a)))
    elif b <= 0:
        ref = stats.norm.logcdf(b) + np.log1p(-np.exp(stats.norm.logcdf(a)
                                                      - stats.norm.logcdf(b)))
    else:
        ref = np.log(stats.norm.cdf(b) - stats.norm.cdf(a))
    assert log_normal_interval_scalar(a, b) == pytest.approx(ref, rel=1e-9, abs=1e-12)


def test_interval_bounds_are_log_midpoints():
    lo, hi = interval_bounds(np.log(ah.SAATY_SCALE))
    assert lo[0] == -1e3 and hi[-1] == 1e3  # 1/9 and 9 are open-ended
    # 1 covers the latent ratios between sqrt(1/2) and sqrt(2); 9 those above sqrt(72)
    assert np.exp(lo[8]) == pytest.approx(math.sqrt(0.5))
    assert np.exp(hi[8]) == pytest.approx(math.sqrt(2.0))
    assert np.exp(lo[16]) == pytest.approx(math.sqrt(72.0))


def _kernel_args(scale, lapse, rng=0):
    J = simulate_panel(TREE, TRUTH, n_experts=5, rng=rng, noise_sd=0.4,
                       scale=scale)
    p = prepare_panel(J, TREE, scale=scale)
    gen = np.random.default_rng(rng)
    E, K, G = len(p.elements), len(p.experts), len(p.judged)
    mu, tau = gen.normal(size=E), np.abs(gen.normal(size=G)) * 0.3
    z, ls = gen.normal(size=(K, E)), gen.normal(-0.7, 0.3, K)
    kl = lapse_logs(None if lapse is None else np.array([lapse]), 1)[0]
    lo, hi, point = judgment_bounds(p)
    args = [mu, tau, z, p.element_node, ls, kl, lo, hi, point, p.row, p.col, p.expert,
            p.expert_weights[p.expert], p.lapse_log_density()]
    return p, args


@pytest.mark.parametrize(("scale", "lapse"), [("saaty", 0.05), ("saaty", None), (None, 0.1),
                                              (None, None)])
def test_likelihood_gradient_matches_finite_differences(scale, lapse):
    p, args = _kernel_args(scale, lapse)
    d = [np.zeros_like(np.asarray(args[i], float)) for i in (0, 1, 2, 4, 5)]
    total = loglik_value_and_grad(*args, *d)
    out = np.empty(p.n_obs)
    loglik_draw(*args, out)
    assert total == pytest.approx(out.sum(), rel=1e-12)

    def f(i, x):
        a = list(args)
        a[i] = x
        o = np.empty(p.n_obs)
        loglik_draw(*a, o)
        return o.sum()

    for i, di in ((0, 0), (1, 1), (2, 2), (4, 3), (5, 4)):
        x = np.asarray(args[i], float)
        if lapse is None and i == 5:
            continue
        for flat in range(min(x.size, 4)):
            e = np.zeros(x.size)
            e[flat] = 1e-6
            e = e.reshape(x.shape)
            num = (f(i, x + e) - f(i, x - e)) / 2e-6
            assert d[di].ravel()[flat] == pytest.approx(num, rel=1e-5, abs=1e-6)


def test_likelihood_against_scipy():
    """One judgment by hand: the normal interval probability and the lapse mixture."""
    p, args = _kernel_args("saaty", 0.05)
    mu, tau, z, enode, ls, _, lo, hi = args[:8]
    out = np.empty(p.n_obs)
    loglik_draw(*args, out)
    for o in (0, 3, 7):
        r, c, k = p.row[o], p.col[o], p.expert[o]
        loc = mu[r] - mu[c] + tau[enode[r]] * (z[k, r] - z[k, c])
        P = stats.norm.cdf(hi[o], loc, np.exp(ls[k])) - stats.norm.cdf(lo[o], loc, np.exp(ls[k]))
        assert out[o] == pytest.approx(np.log(0.95 * P + 0.05 / 17), rel=1e-9)


def test_zero_sum_transform_and_its_gradient():
    """The O(n) zero-sum expansion equals the dense Helmert basis, orthonormal and zero-sum
    within each node; the zero-sum likelihood's gradient matches finite differences."""
    offsets = np.array([0, 3, 5, 9, 16])
    B = block_basis(offsets)
    assert np.allclose(B.T @ B, np.eye(B.shape[1]))
    for a, b in itertools.pairwise(offsets):
        assert np.allclose(B[a:b].sum(axis=0), 0.0)
    gen = np.random.default_rng(4)
    free = gen.normal(size=(3, B.shape[1]))
    np.testing.assert_allclose(zero_sum(free, offsets), free @ B.T, atol=1e-14)
    g = gen.normal(size=(3, 16))
    out = np.empty_like(free)
    zero_sum_reduce(g, offsets, out)
    np.testing.assert_allclose(out, g @ B, atol=1e-14)
    # the likelihood in the free parameters, value and gradient
    p, args = _kernel_args("saaty", 0.05)
    K = len(p.experts)
    F = len(p.elements) - len(p.judged)
    eta, zeta = gen.normal(size=F), gen.normal(size=(K, F))
    rest = dict(tau=args[1], enode=p.element_node, offsets=p.offsets, ls=args[4], kl=args[5])

    # the integer arrays as the model's Op gets them (pm.Data: int32), so that this call
    # and the model's share one compiled signature of the kernel
    i32 = [np.asarray(a, np.int32) for a in (p.element_node, *args[9:12])]

    def total(eta, zeta, ls):
        return loglik_zero_sum(eta, rest["tau"], zeta, i32[0], p.offsets, ls, rest["kl"],
                               *args[6:9], *i32[1:], *args[12:])

    val, d_eta, _, d_zeta, _, _ = total(eta, zeta, rest["ls"])
    Bp = block_basis(p.offsets)
    o = np.empty(p.n_obs)
    loglik_draw(Bp @ eta, args[1], zeta @ Bp.T, *args[3:], o)
    assert val == pytest.approx(o.sum(), rel=1e-12)
    h = 1e-6
    for i in range(F):
        e = np.zeros(F)
        e[i] = h
        num = (total(eta + e, zeta, rest["ls"])[0] - total(eta - e, zeta, rest["ls"])[0]) / 2 / h
        assert d_eta[i] == pytest.approx(num, rel=1e-5, abs=1e-6)
    e = np.zeros((K, F))
    e[1, 2] = h
    num = (total(eta, zeta + e, rest["ls"])[0] - total(eta, zeta - e, rest["ls"])[0]) / 2 / h
    assert d_zeta[1, 2] == pytest.approx(num, rel=1e-5, abs=1e-6)


# --------------------------------------------------------------------------- validation
def test_fit_advises_no_huge_pages_and_restores_numpys_setting(monkeypatch):
    """The fit runs with numpy's huge-page advice off (``ahpstat._limits.small_pages``),
    read inside the fit, and numpy's setting is back afterwards, after an error too."""
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    before = hugepage_setting()
    seen = []

    def fit(self, *args):
        seen.append(hugepage_setting())
        raise RuntimeError("stop")

    monkeypatch.setattr(BayesianAHP, "_fit", fit)
    with pytest.raises(RuntimeError, match="stop"):
        BayesianAHP(_judgments(GOOD), TREE).fit(sampler="pymc")
    assert seen == [False]
    assert hugepage_setting() == before


def test_import_is_lazy():
    code = "import sys, ahpstat.bayes; print(any(m in sys.modules for m in ('pymc', 'arviz')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize(("bad_row", "match"), [
    (("E2", "X", "A", "B", 2.0), r"node 'X'"),
    (("E2", "G", "A", "Z", 2.0), r"'Z' is not a child of node 'G'"),
    (("E2", "G", "A", "B", -1.0), r"positive"),
    (("E2", "G", "A", "B", 2.5), r"not on Saaty's scale"),
    (("E1", "G", "B", "A", 2.0), r"contradicts"),
])
def test_invalid_judgments_raise_before_sampling(bad_row, match):
    m = BayesianAHP(_judgments([*GOOD, bad_row]), TREE)
    with pytest.raises(ah.InputError, match=match):
        m.build_model()
    assert m.model is None


@pytest.mark.parametrize("scale", ["saaty", None])
def test_replicated_judgments_equal_the_numpy_expression(scale):
    """The compiled replication (latent judgment, then the scale value whose interval holds
    it) against the plain numpy expression of the model, the same random numbers drawn in the
    same order: identical values, with and without lapses and expert deviations, an infinite
    sigma included (the scale's ends)."""
    J = simulate_panel(TREE, TRUTH, n_experts=5, rng=3, noise_sd=0.5, scale=scale)
    p = prepare_panel(J, TREE, scale=scale)
    g = np.random.default_rng(0)
    S, K, E = 300, len(p.experts), len(p.elements)
    log_scale = p.scale_log
    for dev in (True, False):
        theta = 2.0 * g.normal(size=(S, K * E if dev else E))
        sigma = g.gamma(2.0, 0.3, size=(S, K))
        sigma[0, 0] = np.inf
        ri, ci = obs_columns(p, dev)
        for lapse in (0.1 * g.random(S), None):
            ref = np.empty((S, p.n_obs))
            rng = np.random.default_rng(5)
            for a in range(0, S, 128):
                b = min(S, a + 128)
                y = (theta[a:b, ri] - theta[a:b, ci]
                     + sigma[a:b][:, p.expert] * rng.standard_normal((b - a, p.n_obs)))
                if log_scale is not None:
                    y = log_scale[np.searchsorted((log_scale[1:] + log_scale[:-1]) / 2, y)]
                if lapse is not None:
                    hit = rng.random((b - a, p.n_obs)) < lapse[a:b, None]
                    if log_scale is not None:
                        rand = log_scale[rng.integers(0, log_scale.size, (b - a, p.n_obs))]
                    else:
                        half = p.lapse_half_range()
                        rand = rng.uniform(-half, half, size=(b - a, p.n_obs))
                    y = np.where(hit, rand, y)
                ref[a:b] = y
            got = replicate_judgments(p, theta, sigma, lapse, np.random.default_rng(5),
                                      row=ri, col=ci, chunk=128)
            np.testing.assert_array_equal(got, ref)


def test_replicated_judgments_from_mu_tau_and_offsets_equal_those_from_theta():
    """The replication given ``mu``, ``tau`` and the experts' offsets (each chunk of draws
    makes its own log-priorities) against the same given ``theta``, computed here in numpy
    (``mu + tau[node] * offset``): identical values, with chunks that do not divide the
    draws and a chunk larger than them."""
    J = simulate_panel(TREE, TRUTH, n_experts=5, rng=3, noise_sd=0.5)
    p = prepare_panel(J, TREE)
    g = np.random.default_rng(1)
    S, K, E, G = 70, len(p.experts), len(p.elements), len(p.judged)
    mu, tau = g.normal(size=(S, E)), g.gamma(2.0, 0.3, size=(S, G))
    z = g.normal(size=(S, K, E))
    sigma = g.gamma(2.0, 0.3, size=(S, K))
    theta = (mu[:, None, :] + tau[:, p.element_node][:, None, :] * z).reshape(S, -1)
    ri, ci = obs_columns(p, True)
    for lapse, chunk in ((0.1 * g.random(S), 32), (None, 32), (0.1 * g.random(S), 100)):
        ref = replicate_judgments(p, theta, sigma, lapse, np.random.default_rng(7), row=ri,
                                  col=ci, chunk=chunk)
        got = replicate_judgments(p, mu, sigma, lapse, np.random.default_rng(7), row=ri,
                                  col=ci, chunk=chunk, tau=tau, offset=z)
        np.testing.assert_array_equal(got, ref)


def test_continuous_scale_accepts_off_scale_values():
    J = _judgments([*GOOD, ("E2", "G", "A", "B", 2.5)])
    p = prepare_panel(J, TREE, scale=None)
    assert p.n_obs == 4 and p.scale_log is None
    np.testing.assert_allclose(np.sort(np.exp(p.log_value)), [2.0, 2.0, 2.5, 3.0])


def test_disconnected_node_names_node_and_components():
    tree = {"G": ["A", "B", "C", "D"]}
    rows = [("E1", "G", "A", "B", 2.0), ("E2", "G", "C", "D", 3.0)]
    with pytest.raises(ah.InputError, match=r"node 'G'.*not connected.*\[\['A', 'B'\], "
                                            r"\['C', 'D'\]\].*Got 2 components"):
        BayesianAHP(_judgments(rows), tree).build_model()


def test_source_location_in_errors():
    J = _judgments([*GOOD, ("E2", "G", "A", "B", 0.0)])
    J["source_file"], J["source_row"] = "judg.csv", np.arange(2, len(J) + 2)
    with pytest.raises(ah.InputError, match=r"judg.csv, row 5"):
        BayesianAHP(J, TREE).build_model()


def test_config_validation():
    with pytest.raises(ValueError, match=r"`model_config` has unknown keys \['errors'\]"):
        BayesianAHP(_judgments(GOOD), TREE, model_config={"errors": "normal"})
    with pytest.raises(ValueError, match=r"`model_config\['error'\]` must be one of"):
        BayesianAHP(_judgments(GOOD), TREE, model_config={"error": "cauchy"}).build_model()
    with pytest.raises(ValueError, match=r"`model_config\['tau_sigma'\]` must be a positive"):
        BayesianAHP(_judgments(GOOD), TREE, model_config={"tau_sigma": -1}).build_model()
    with pytest.raises(ValueError, match=r"Student-t"):
        BayesianAHP(_judgments(GOOD), TREE, model_config={"nu": 4})
    with pytest.raises(ValueError, match=r"`scale` must be one of"):
        BayesianAHP(_judgments(GOOD), TREE, scale="likert")
    with pytest.raises(ah.InputError, match=r"'E9'"):
        BayesianAHP(_judgments(GOOD), TREE, expert_weights={"E9": 1.0}).build_model()


def test_scale_aware_defaults():
    m = BayesianAHP(_judgments(GOOD), TREE)
    cfg = m._validate_model_config()
    R = math.log(9)
    assert cfg["priority_sigma"] == pytest.approx(R / 2)
    assert cfg["tau_sigma"] == pytest.approx(R / 4)
    assert math.exp(cfg["log_sigma_mu"]["mu"]) == pytest.approx(R / 4)
    assert BayesianAHP.default_model_config["priority_sigma"] is None  # not mutated


def test_score_draws_matches_composite_scores():
    M = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    rng = np.random.default_rng(0)
    g = rng.dirichlet(np.ones(3), size=50)
    means = np.array([[4.0, 3.0, 5.0], [2.0, 1.0, 3.0]])
    out = score_draws(g, means, M)
    assert out.shape == (50, 2, 6)
    np.testing.assert_allclose(out[7, 1], composite_scores(g[7], means[1], M))
    assert score_draws(g.T, means[0], M, axis=-1).shape == (6, 50)
    with pytest.raises(ValueError, match="`axis` must be 0 or -1"):
        score_draws(g, means[0], M, axis=1)


# --------------------------------------------------------------------------- model
@needs_pymc
def test_model_logp_equals_independent_computation():
    """PyMC's log-density of the built model at a random point equals priors (scipy) plus
    the censored-normal likelihood with lapses (scipy), judgment by judgment."""
    import pytensor

    J = simulate_panel(TREE, TRUTH, n_experts=4, rng=3, noise_sd=0.3)
    m = BayesianAHP(J, TREE)
    model = m.build_model()
    with pytensor.config.change_flags(mode="FAST_COMPILE"):  # no C code to compile
        pt_point = model.initial_point()
        gen = np.random.default_rng(1)
        point = {k: v + gen.normal(0, 0.3, np.shape(v)) for k, v in pt_point.items()}
        got = model.compile_logp(jacobian=False)(point)
    cfg, p = m._resolved_config, m.panel
    eta, zeta = point["log_priority_raw"], point["expert_offset_raw"]
    # the zero-sum expansion by a dense Helmert basis built here (no package code)
    B = np.zeros((len(p.elements), eta.size))
    f = 0
    for g, n in enumerate(p.sizes):
        a = p.offsets[g]
        for k in range(1, n):
            B[a:a + k, f] = 1.0 / math.sqrt(k * (k + 1))
            B[a + k, f] = -k / math.sqrt(k * (k + 1))
            f += 1
    mu, z = B @ eta, zeta @ B.T
    tau = np.exp(point["tau_log__"])
    msig, ssig = point["log_sigma_mu"], np.exp(point["log_sigma_sd_log__"])
    u, lapse = point["sigma_offset"], 1 / (1 + np.exp(-point["lapse_logodds__"]))
    ref = (stats.norm.logpdf(eta, 0, cfg["priority_sigma"]).sum()
           + stats.halfnorm.logpdf(tau, scale=cfg["tau_sigma"]).sum()
           + stats.norm.logpdf(zeta).sum() + stats.norm.logpdf(point["new_expert_offset"]).sum()
           + stats.norm.logpdf(msig, cfg["log_sigma_mu"]["mu"], 1.0)
           + stats.halfnorm.logpdf(ssig, scale=cfg["log_sigma_sd"])
           + stats.norm.logpdf(u).sum() + stats.beta.logpdf(lapse, 1, 19))
    lo, hi = p.bounds()
    for o in range(p.n_obs):
        r, c, k = p.row[o], p.col[o], p.expert[o]
        g = p.element_node[r]
        loc = mu[r] - mu[c] + tau[g] * (z[k, r] - z[k, c])
        sd = np.exp(msig + ssig * u[k])
        P = stats.norm.cdf(hi[o], loc, sd) - stats.norm.cdf(lo[o], loc, sd)
        ref += np.log((1 - lapse) * P + lapse / 17)
    assert got == pytest.approx(ref, rel=1e-9)
    assert model["log_judgment"] in model.observed_RVs  # an observed variable, no Potential
    assert not model.potentials


# --------------------------------------------------------------------------- one shared fit
@pytest.fixture(scope="session")
def small_fit():
    """Default model; 4 experts (warns), E04 erratic, 2-level tree; fitted once."""
    J = simulate_panel(TREE, TRUTH, n_experts=4, rng=11, noise_sd=0.2, expert_sd=0.15,
                       erratic=["E04"], erratic_sd=1.5)
    m = BayesianAHP(J, TREE, sampler_config=FAST)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        idata = m.fit(rng=20)
    return J, m, idata, caught


@needs_pymc
def test_small_panel_warns_before_sampling(small_fit):
    caught = small_fit[3]
    assert any("Only 4 expert(s)" in str(w.message) for w in caught)


@needs_pymc
def test_labelled_posterior(small_fit):
    idata = small_fit[2]
    post = idata.posterior
    for name in ("local_weight", "global_weight", "new_expert_local_weight",
                 "new_expert_global_weight"):
        assert post[name].dims == ("chain", "draw", "node")
    assert list(post["node"].values) == ["G", "A", "a1", "a2", "B", "C"]
    assert list(post["parent"].values) == ["", "G", "A", "A", "G", "G"]
    assert post["sigma"].dims == ("chain", "draw", "expert")
    assert post["tau"].dims == ("chain", "draw", "judged_node")
    lw = post["local_weight"]
    np.testing.assert_allclose(lw.sel(node=["A", "B", "C"]).sum("node"), 1.0)
    np.testing.assert_allclose(lw.sel(node="G"), 1.0)
    gw = post["global_weight"]
    np.testing.assert_allclose(gw.sel(node="a1"), lw.sel(node="A") * lw.sel(node="a1"))
    np.testing.assert_allclose(gw.sel(node=["a1", "a2", "B", "C"]).sum("node"), 1.0)
    for key in ("ahpstat_version", "model_config", "sampler_config", "data_sha256", "scale"):
        assert key in idata.attrs and key in post.attrs
    assert post.attrs["ahpstat_version"] == ah.__version__
    assert len(post.attrs["data_sha256"]) == 64


@needs_pymc
def test_log_likelihood_and_predictive_groups(small_fit):
    import arviz as az

    _, m, idata, _ = small_fit
    n = m.panel.n_obs
    assert idata.log_likelihood["log_judgment"].shape == (4, 400, n)
    assert idata.posterior_predictive["log_judgment"].shape == (4, 400, n)
    assert idata.observed_data["log_judgment"].shape == (n,)
    loo = az.loo(idata)
    assert np.isfinite(loo.elpd_loo)
    # the group is the model's own likelihood: its sum at a draw equals PyMC's
    import pymc as pm

    post = idata.posterior.isel(chain=0, draw=5)
    point = {v.name: post[v.name].values for v in m.model.free_RVs}
    ll_model = pm.logp(m.model["log_judgment"], m.panel.log_value)
    f = m.model.compile_fn(ll_model, inputs=m.model.free_RVs, on_unused_input="ignore",
                           mode="FAST_COMPILE")  # no C code to compile
    assert float(idata.log_likelihood["log_judgment"].isel(chain=0, draw=5).sum()) \
        == pytest.approx(float(f(point)), rel=1e-9)
    # replicated judgments lie on Saaty's scale
    rep = np.exp(idata.posterior_predictive["log_judgment"].values[0, :50])
    assert ah.scales.on_saaty_scale(rep).all()


@needs_pymc
def test_pointwise_warmup_has_the_fits_argument_types(small_fit):
    """The pointwise kernels that a first fit compiles while a forked child compiles its
    density (``_compile_pointwise``) get the argument types the fit itself gives them: after
    the shared fit, the warm-up adds no signature to any of them (a signature of its own
    would be compiled for nothing, and could race the child's compilation of the kernels
    they share with the density in numba's cache, ``ahpstat._bayes_model._bases``)."""
    from ahpstat._bayes_model import _bases, _kernels, _posterior

    _, m, _, _ = small_fit
    kernels = {"loglik_theta_draws": _kernels.loglik_theta_draws,
               "_theta_draws": _posterior._theta_draws,
               "_latent_judgments": _posterior._latent_judgments,
               "zero_sum_expand": _bases.zero_sum_expand}
    if not m._nutpie_graph:  # the canonical draws of nutpie's compiled density only
        kernels["offsets_around"] = _bases.offsets_around
    before = {name: set(k.signatures) for name, k in kernels.items()}
    assert all(before.values())  # the fit called every one of them
    m._compile_pointwise()
    assert {name: set(k.signatures) for name, k in kernels.items()} == before


@needs_pymc
def test_result_tables(small_fit):
    _, m, _, _ = small_fit
    res = m.result(confidence_level=0.9)
    assert isinstance(res, BayesResult)
    w = res.weights
    assert list(w.columns) == ["node", "parent", "weight", "mean", "sd", "median", "ci_low",
                               "ci_high", "r_hat", "ess_bulk", "ess_tail"]
    assert (w["ci_low"] <= w["median"]).all() and (w["median"] <= w["ci_high"]).all()
    # the table is az.summary of the labelled draws: the same numbers by hand
    draws = m.idata.posterior["local_weight"].sel(node="a1").values.ravel()
    row = w[(w.node == "a1") & (w.weight == "local")].iloc[0]
    assert row["mean"] == pytest.approx(draws.mean())
    assert row["ci_low"] == pytest.approx(np.quantile(draws, 0.05))
    c = res.credal.set_index(["node", "element_i", "element_j"])
    assert list(res.credal.columns) == ["node", "element_i", "element_j", "p_greater",
                                        "p_greater_new_expert"]
    pa = c.loc[("G", "A", "B")]
    assert pa["p_greater"] + c.loc[("G", "B", "A"), "p_greater"] == pytest.approx(1.0)
    # a new expert is less certain than the panel centre (between-expert spread)
    assert 0.5 < pa["p_greater_new_expert"] <= pa["p_greater"]
    ne = res.new_expert
    assert (ne.set_index(["node", "weight"]).loc[("A", "local"), "sd"]
            > w.set_index(["node", "weight"]).loc[("A", "local"), "sd"])
    d = res.diagnostics
    assert {"parameter", "r_hat", "ess_bulk", "ess_tail", "ok"} <= set(d.columns)
    assert "local_weight[G]" not in set(d["parameter"])  # constant: left out
    assert res.ok == (bool(d["ok"].all()) and res.n_divergences == 0)
    ex = res.experts.set_index("expert")
    assert ex["rank"].idxmin() == "E04"  # the erratic expert is the most inconsistent
    assert ex["influence"].sum() == pytest.approx(1.0)
    assert ex.loc["E04", "influence"] < 0.5 / 4  # below half the equal share 1/K
    assert res.to_frame("credal") is res.credal


@needs_pymc
def test_result_tables_equal_arviz_summary(small_fit):
    """Every summary column of the tables is what one full ``az.summary`` (statistics,
    diagnostics and the quantiles as ``stat_funcs``) gives for the same draws: the
    statistics identical, the convergence diagnostics (ArviZ's formulas over all parameters
    at once, ``ahpstat.bayes._convergence``) to the last digit or two."""
    import arviz as az

    _, m, idata, _ = small_fit
    res = m.result(confidence_level=0.9)
    a = (1.0 - 0.9) / 2.0  # as the result computes the tail probability (0.05 - 1 ulp)
    sf = {"median": np.median, "ci_low": lambda x: np.quantile(x, a),
          "ci_high": lambda x: np.quantile(x, 1.0 - a)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = az.summary(idata, var_names=["local_weight", "global_weight", "sigma", "tau"],
                       stat_funcs=sf, extend=True, round_to="none")
    cols = ["mean", "sd", "median", "ci_low", "ci_high"]
    diag = ["r_hat", "ess_bulk", "ess_tail"]
    w = res.weights[res.weights["sd"] > 0]
    labels = [f"{k}_weight[{v}]" for k, v in zip(w["weight"], w["node"], strict=True)]
    np.testing.assert_array_equal(w[cols].to_numpy(), s.loc[labels, cols].to_numpy())
    np.testing.assert_allclose(w[diag].to_numpy(), s.loc[labels, diag].to_numpy(),
                               rtol=1e-12, atol=0)
    ex = res.experts
    np.testing.assert_array_equal(ex["sigma_ci_high"].to_numpy(),
                                  s.loc[[f"sigma[{e}]" for e in ex["expert"]], "ci_high"])
    d = res.diagnostics.set_index("parameter")
    keep = [p for p in d.index if p in s.index]
    assert len(keep) == len(w) + len(ex) + idata.posterior.sizes["judged_node"]
    dcols = ["r_hat", "ess_bulk", "ess_tail", "mcse_mean"]
    np.testing.assert_allclose(d.loc[keep, dcols].to_numpy(), s.loc[keep, dcols].to_numpy(),
                               rtol=1e-12, atol=0)


@needs_pymc
def test_predictive_checks_observed_side_and_replicates(small_fit):
    """The observed statistics against ahpstat.consistency on the raw judgments and a direct
    count; the replicated side from the posterior_predictive group (independent loop)."""
    J, m, idata, _ = small_fit
    from ahpstat.bayes import predictive_checks

    pc = m.result().predictive_checks(max_draws=200)
    assert list(pc.columns) == ["check", "expert", "n", "observed", "replicated_median",
                                "ci_low", "ci_high", "p_value"]
    cr = pc[pc.check == "consistency_ratio"].set_index("expert")
    A = _stack(J, "G", TREE["G"])  # the only node of order >= 3
    ref = ah.consistency(A, index="cr").value
    experts = list(pd.unique(J["expert"]))
    for k, e in enumerate(experts):
        assert cr.loc[e, "n"] == 1
        assert cr.loc[e, "observed"] == pytest.approx(float(ref[k]), rel=1e-9)
    # replicated CR of E01 from the raw draws, by a loop over 200 evenly thinned draws
    rep = idata.posterior_predictive["log_judgment"].stack(sample=("chain", "draw"))
    rep = rep.transpose("sample", "judgment").values
    keep = np.unique(np.linspace(0, rep.shape[0] - 1, 200).round().astype(int))
    cdat = idata.constant_data
    sel = (cdat["judgment_expert"].values == experts[0]) & (cdat["judgment_node"].values == "G")
    vals = []
    for s_ in keep:
        B = np.ones((3, 3))
        for o in np.flatnonzero(sel):
            i = TREE["G"].index(str(cdat["judgment_row"].values[o]))
            j = TREE["G"].index(str(cdat["judgment_col"].values[o]))
            B[i, j], B[j, i] = np.exp(rep[s_, o]), np.exp(-rep[s_, o])
        vals.append(float(ah.consistency(B, index="cr").value))
    row = cr.loc[experts[0]]
    assert row["replicated_median"] == pytest.approx(np.median(vals), rel=1e-9)
    assert row["p_value"] == pytest.approx(np.mean(np.array(vals) >= row["observed"]))
    ends = pc[pc.check == "share_at_scale_ends"].iloc[0]
    v = J["value"].to_numpy(float)
    assert ends["observed"] == pytest.approx(np.mean((v >= 9) | (v <= 1 / 9)))
    assert ends["n"] == len(J) and 0 <= ends["ci_low"] <= ends["ci_high"] <= 1
    # the erratic expert E04 is the least consistent, observed and replicated
    assert cr["observed"].idxmax() == "E04" and cr["replicated_median"].idxmax() == "E04"
    with pytest.raises(ValueError, match="confidence_level"):
        predictive_checks(idata, confidence_level=1.5)


@needs_pymc
def test_refit_same_rng_same_draws_and_data_swap(small_fit):
    J, m, idata, _ = small_fit
    first = idata.posterior["local_weight"].values.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = m.fit(rng=20)
    np.testing.assert_array_equal(again.posterior["local_weight"].values, first)
    # new judgments of the same panel: no recompilation, new posterior
    J2 = simulate_panel(TREE, {"G": [0.2, 0.3, 0.5], "A": [0.5, 0.5]}, n_experts=4, rng=5,
                        noise_sd=0.2)
    m.set_judgments(J2)
    assert "nutpie" in m._compiled
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(rng=1)
    assert m.timings["compile"] == 0.0
    lw = m.result().weights.set_index(["node", "weight"])["mean"]
    assert lw[("C", "local")] > lw[("A", "local")]
    m.set_judgments(J)  # back, for the other tests
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(rng=20)


@needs_pymc
def test_refit_when_diagnostics_ask_is_recorded(small_fit):
    """``sampler_config['retry']``: a fit whose max R-hat exceeds ``r_hat`` is sampled again
    with ``factor`` times the tuning and draws and a seed derived from the first; every
    attempt is recorded; the first attempt is the fit without the check (same seed, same
    diagnostics). ``r_hat = 1`` forces the refit (an R-hat of exactly 1 does not occur)."""
    m = small_fit[1]
    assert len(m.result().attempts) == 1  # the shared fit passed its check the first time
    with pytest.raises(ValueError, match=r"`sampler_config\['retry'\]` has unknown keys"):
        m.fit(retry={"tries": 2})
    with pytest.raises(ValueError, match=r"\['factor'\]` must be an integer >= 1"):
        m.fit(retry={"factor": 0})
    saved = m.idata, m._result_cache
    short = {"draws": 30, "tune": 30, "log_likelihood": False, "posterior_predictive": False}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plain = m.fit(rng=3, retry={"max_retries": 0}, **short)
            plain_att = m.result().attempts
            with pytest.warns(ah.ConvergenceWarning, match="after 1 longer refit"):
                refit = m.fit(rng=3, retry={"r_hat": 1.0, "max_retries": 1, "factor": 2},
                              **short)
            att = m.result().attempts
    finally:
        m.idata, m._result_cache = saved
    assert len(plain_att) == 1 and plain.posterior.sizes["draw"] == 30
    assert list(att["attempt"]) == [0, 1]
    assert list(att["tune"]) == [30, 60] and list(att["draws"]) == [30, 60]
    assert att["seed"][0] == plain.posterior.attrs["seed"] == plain_att["seed"][0]
    assert att["seed"][1] != att["seed"][0]
    assert att["max_r_hat"][0] == plain_att["max_r_hat"][0]  # the same first fit
    assert refit.posterior.sizes["draw"] == 60  # the last attempt's draws are kept
    assert json.loads(refit.attrs["sampling_attempts"])[1]["draws"] == 60
    assert refit.posterior.attrs["seed"] == plain.posterior.attrs["seed"]


@needs_pymc
def test_one_thread_setting_keeps_the_fit_in_the_calling_thread(small_fit, monkeypatch):
    """``AHPSTAT_THREADS=1``: a fit starts no thread (its pointwise groups are computed in the
    calling thread), and the groups are those of a fit with two worker threads, bit for bit
    and in the same order (short fits of the shared, compiled model)."""
    import threading

    m = small_fit[1]
    started: list[str] = []
    start = threading.Thread.start

    def recorded(self, *args, **kwargs):
        started.append(self.name)
        return start(self, *args, **kwargs)

    monkeypatch.setattr(threading.Thread, "start", recorded)
    saved = m.idata, m._result_cache
    short = {"draws": 30, "tune": 30}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            monkeypatch.setenv("AHPSTAT_THREADS", "2")
            threaded = m.fit(rng=7, **short)
            with_workers, started[:] = list(started), []
            monkeypatch.setenv("AHPSTAT_THREADS", "1")
            alone = m.fit(rng=7, **short)
    finally:
        m.idata, m._result_cache = saved
    assert sum(n.startswith("ahpstat-pointwise") for n in with_workers) == 2  # seen when run
    assert started == []
    assert list(alone.groups()) == list(threaded.groups())
    for group in ("posterior", "log_likelihood", "posterior_predictive"):
        for name, x in threaded[group].data_vars.items():
            assert alone[group][name].values.tobytes() == x.values.tobytes(), (group, name)


# --------------------------------------------------------------------------- sanity limit
SANITY = {"error": "normal", "shared_sigma": True, "expert_deviation": False,
          "priority_sigma": 10.0}


def _stack(J, node, kids):
    experts = list(pd.unique(J["expert"]))
    n = len(kids)
    A = np.full((len(experts), n, n), np.nan)
    A[:, np.arange(n), np.arange(n)] = 1.0
    for e, r, c, v in J[J.node == node][["expert", "row", "col", "value"]].itertuples(
            index=False):
        k, i, j = experts.index(e), kids.index(r), kids.index(c)
        A[k, i, j], A[k, j, i] = v, 1.0 / v
    return A


@needs_pymc
def test_sanity_limit_equals_geometric_aij():
    """Normal errors, one sigma, no expert deviation, continuous judgments: the posterior
    centre of the log-priorities is the log row geometric mean of the geometric AIJ matrix
    (plain numpy here, and ahpstat's own AIJ + geometric-mean weights)."""
    import arviz as az

    J = simulate_panel(TREE, TRUTH, n_experts=6, rng=3, noise_sd=0.3, scale=None)
    m = BayesianAHP(J, TREE, scale=None, model_config=SANITY, sampler_config=FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(rng=5)
    lp = m.idata.posterior["log_priority"]
    centre = lp.mean(("chain", "draw")).to_series()
    mcse = az.mcse(m.idata.posterior[["log_priority"]])["log_priority"].to_series()
    for node, kids in TREE.items():
        A = _stack(J, node, kids)
        G = np.exp(np.log(A).mean(axis=0))
        ref = np.log(G).mean(axis=1)
        ref -= ref.mean()
        got = centre[kids].to_numpy()
        np.testing.assert_array_less(np.abs(got - ref), 4 * mcse[kids].to_numpy() + 2e-3)
        w = np.exp(got) / np.exp(got).sum()
        np.testing.assert_allclose(w, ah.weights(ah.aggregate(A), method="geometric_mean")
                                   .weights, atol=3e-3)


# --------------------------------------------------------------------------- slow
@needs_pymc
@pytest.mark.slow
def test_reduced_calibration_saaty_rounded():
    """Reduced calibration study: 40 Saaty-rounded panels of 10 experts; the 90 % intervals
    of the local weights cover the truth at a rate inside 0.82..0.97 (binomial-ish sd about
    0.03 with 40 clusters of 6 weights) and no fit fails to mix: max R-hat over every
    parameter of every fit <= 1.05 (the issue's bound). With the package's default chains
    (4 x 1,000 draws after 1,000 tuning steps) none of 83 refitted calibration replications
    crossed it, the 37 hardest of 1,600 included (studies/bayes_calibration/geometry.py); at
    4 x 500 after 500, 3.75 % of fits did, by chance at low ESS (docs/bayes_model.md)."""
    sys.path.insert(0, "studies/bayes_calibration")
    import run as cal  # studies/bayes_calibration/run.py

    tree, K, scale, opts, kind = cal.CONDITIONS["saaty"]
    hits, worst, m = [], 1.0, None
    for r in range(40):
        gen = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(r,)))
        w = cal.truth(tree, kind, gen)
        J = simulate_panel(tree, w, n_experts=K, scale=scale, expert_sd=gen.uniform(0.1, 0.4),
                           noise_sd=gen.uniform(0.1, 0.5), rng=gen, **opts)
        if m is None:
            m = BayesianAHP(J, tree, sampler_config=cal.SAMPLER)
        _, res, _ = cal._fit(m, J, gen)
        lw = res.weights[res.weights.weight == "local"].set_index("node")
        for v, kids in tree.items():
            for p, kid in enumerate(kids):
                hits.append(lw.loc[kid, "ci_low"] <= w[v][p] <= lw.loc[kid, "ci_high"])
        worst = max(worst, float(res.diagnostics["r_hat"].max()))
    assert 0.82 <= np.mean(hits) <= 0.97, np.mean(hits)
    assert worst <= 1.05, worst


@needs_pymc
@pytest.mark.slow
def test_cold_first_fit_loads_the_density_its_child_compiled(tmp_path):
    """A first fit in a fresh process, three times. On an empty numba cache with one worker
    the fit compiles everything itself (no child, no cache hit), and every kernel compiled
    in the process has one signature: two processes compiling two signatures of one kernel
    at once could corrupt numba's cache (``ahpstat._bayes_model._bases``). On another
    empty cache with two workers a forked child compiles the density while the fit prepares
    the rest, and the fit loads both C callbacks from the cache. On that cache, now warm,
    no child is forked and the callbacks load from it. The draws are the same all three
    times."""
    import os
    import textwrap

    code = textwrap.dedent(f"""
        import json, warnings
        warnings.simplefilter("ignore")
        from numba.core.registry import CPUDispatcher
        import os
        from ahpstat.bayes import BayesianAHP
        from ahpstat.simulate import simulate_panel
        from ahpstat._bayes_model import _bases, _density, _kernels, _posterior
        forks = []
        fork = os.fork
        os.fork = lambda: (forks.append(1), fork())[1]
        J = simulate_panel({TREE!r}, {TRUTH!r}, n_experts=5, rng=3, noise_sd=0.2)
        m = BayesianAHP(J, {TREE!r}, sampler_config={FAST!r})
        cached_before = _density.density_in_cache()
        idata = m.fit(rng=1)
        print(json.dumps({{
            "forks": len(forks), "cached_before": cached_before,
            "cached_after": _density.density_in_cache(),
            "hits": [c.cache_hits for c in _density.density_cfuncs()],
            "signatures": {{f"{{mod.__name__}}.{{name}}": len(obj.signatures)
                           for mod in (_bases, _density, _kernels, _posterior)
                           for name, obj in vars(mod).items()
                           if isinstance(obj, CPUDispatcher) and obj.signatures}},
            "draws": idata.posterior["local_weight"].values[:, :50].ravel().tolist(),
        }}))
        """)

    def run(workers: str, cache: str) -> dict:
        env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / cache),
               "AHPSTAT_THREADS": workers}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=900, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    alone = run("1", "a")
    assert (alone["forks"], alone["hits"]) == (0, [0, 0]), alone
    assert "ahpstat._bayes_model._kernels.loglik_theta" in alone["signatures"]
    assert set(alone["signatures"].values()) == {1}, alone["signatures"]
    cold = run("2", "b")
    assert (cold["cached_before"], cold["forks"], cold["hits"], cold["cached_after"]) \
        == (False, 1, [1, 1], True), cold
    assert set(cold["signatures"].values()) == {1}, cold["signatures"]
    warm = run("2", "b")
    assert (warm["cached_before"], warm["forks"], warm["hits"]) == (True, 0, [1, 1]), warm
    assert alone["draws"] == cold["draws"] == warm["draws"]


@needs_pymc
@pytest.mark.slow
def test_nutpie_on_the_graph_when_its_model_class_differs(monkeypatch):
    """The C callbacks build nutpie 0.16's model class; should another nutpie's class not
    take them, ``fit`` samples the PyMC model's PyTensor graph instead (same output)."""
    import ahpstat.bayes._compiled as compiled

    def other_nutpie(*args, **kwargs):
        raise TypeError("CompiledPyMCModel.__init__() got an unexpected keyword argument")

    monkeypatch.setattr(compiled, "compile_density", other_nutpie)
    J = simulate_panel(TREE, TRUTH, n_experts=5, rng=3, noise_sd=0.2)
    m = BayesianAHP(J, TREE, sampler_config=FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = m.fit(rng=1)
    assert m._nutpie_graph
    assert idata.posterior["local_weight"].dims == ("chain", "draw", "node")
    assert "log_likelihood" in idata.groups()


@needs_pymc
@pytest.mark.slow
def test_refit_cures_an_unconverged_fit():
    """A real fit that has not converged -- 50 tuning steps and 50 draws per chain on a
    calibration panel (25 experts, Saaty's scale; studies/bayes_calibration/run.py,
    replication experts_25:2) -- reaches a max R-hat far above the 1.05 threshold (1.25
    here); ``fit`` refits it from scratch with 20 times the tuning and draws (the library's
    default length, 1,000 each) and keeps the refit, which passes (1.013 here).

    Both margins are wide on purpose: a fit at the threshold's edge is machine-dependent.
    The calibration's collapsed replication experts_25:109, which this test used, reaches
    R-hat 1.052 at the default length on one CPU and 1.043 on another (their floating-point
    paths differ), so it refitted on one machine and not on the other."""
    sys.path.insert(0, "studies/bayes_calibration")
    import run as cal  # studies/bayes_calibration/run.py

    tree, _, scale, _, _ = cal.CONDITIONS["experts_25"]
    J, _, gen = cal.replication("experts_25", 2)
    m = BayesianAHP(J, tree, scale=scale, sampler_config=cal.SAMPLER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = m.fit(rng=gen, tune=50, draws=50, log_likelihood=False,
                      posterior_predictive=False, retry={"max_retries": 1, "factor": 20})
    att = m.result().attempts
    assert len(att) == 2, att
    assert att["max_r_hat"][0] > 1.1 and att["max_r_hat"][1] <= 1.05, att
    assert list(att["draws"]) == [50, 1000] and list(att["tune"]) == [50, 1000]
    assert idata.posterior.sizes["draw"] == 1000


@needs_pymc
@pytest.mark.slow
def test_pymc_nuts_backend_agrees(small_fit):
    J, m, _, _ = small_fit
    m2 = BayesianAHP(J, TREE, sampler_config={**FAST, "sampler": "pymc"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = m2.fit(rng=4)
    assert idata.attrs["sampler"] == "pymc"
    a = m.result().weights["mean"].to_numpy()
    b = m2.result().weights["mean"].to_numpy()
    np.testing.assert_allclose(a, b, atol=0.02)


@needs_pymc
@pytest.mark.slow
def test_pointwise_loglik_matches_kernel_sum():
    p, args = _kernel_args("saaty", 0.05)
    mu, tau, z, _, ls = args[:5]
    out = pointwise_loglik(p, mu[None], tau[None], z[None], np.exp(ls)[None], np.array([0.05]))
    d = [np.zeros_like(np.asarray(args[i], float)) for i in (0, 1, 2, 4, 5)]
    assert out.sum() == pytest.approx(loglik_value_and_grad(*args, *d), rel=1e-12)


@needs_pymc
@pytest.mark.slow
def test_marginal_coordinates_sample_the_models_posterior():
    """nutpie samples the density with the experts' mean offset integrated out and draws it
    back from its conditional (``ahpstat.bayes._compiled.canonical_draws``); the posterior
    must be the one sampled in the model's own coordinates (measurement hook
    ``BayesianAHP._marginal = False``): the same variables, dims and coordinates, posterior
    means within Monte Carlo error and the same posterior sds of the panel's
    log-priorities (too small if the conditional's spread were lost), the experts' offsets,
    the between-expert spreads, the experts' sigma and a new expert's weights. (The
    conditional's centre moves the log-priorities by less than 1 % here: the kernel test
    ``test_canonical_draws_draw_the_experts_mean_from_its_conditional`` holds it exactly;
    with 3 dissimilar experts the model's own coordinates mixed too slowly in the tails for
    a comparison of sds.)"""
    import arviz as az

    J = simulate_panel(TREE, TRUTH, n_experts=8, rng=5, noise_sd=0.25, expert_sd=0.2,
                       scale="saaty")
    cfg = {"draws": 1000, "tune": 1000, "chains": 4, "progressbar": False}
    names = ["log_priority", "expert_offset_raw", "tau", "sigma", "new_expert_local_weight"]
    summaries, layouts = [], []
    for marginal in (True, False):
        m = BayesianAHP(J, TREE, sampler_config=cfg)
        m._marginal = marginal
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = m.fit(rng=3, log_likelihood=False, posterior_predictive=False)
        post = idata.posterior
        layouts.append(([(c, post.coords[c].dtype) for c in post.coords],
                        {v: post[v].dims for v in post.data_vars}))
        s = az.summary(post[names], kind="all", round_to="none")
        summaries.append(s[s["sd"] > 1e-12])
    assert layouts[0] == layouts[1]
    a, b = summaries
    assert list(a.index) == list(b.index) and len(a) >= 20
    z = (a["mean"] - b["mean"]) / np.sqrt(a["sd"] ** 2 / a["ess_bulk"]
                                           + b["sd"] ** 2 / b["ess_bulk"])
    assert z.abs().max() < 4.5, z.abs().sort_values().tail()
    ratio = a["sd"] / b["sd"]
    assert ratio.between(0.85, 1.18).all(), ratio.sort_values()
    mu_ratio = ratio[ratio.index.str.startswith("log_priority")]
    assert mu_ratio.between(0.9, 1.1).all(), mu_ratio
