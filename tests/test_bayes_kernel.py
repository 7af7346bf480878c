"""The Bayesian likelihood kernel's normal tails against scipy (an independent computation).

The lapse-mixture kernel computes ``P = Phi(b) - Phi(a)`` from the normal densities at the
interval's ends and Cody's rational approximations (:func:`normal_upper_tail`), not from
``erfc``; these tests hold it to scipy's ``ndtr`` / ``log_ndtr`` (Cephes) up to the extreme
tails (|z| = 40, where a naive ``Phi(b) - Phi(a)`` underflows or cancels), and its gradient to
finite differences there.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from ahpstat._bayes_model import loglik_draw, loglik_value_and_grad, normal_upper_tail

# Cody's three ranges meet at x = 0.46875 sqrt 2 and 4 sqrt 2 (x / sqrt 2 is erfc's argument)
EDGES = [0.46875 * math.sqrt(2.0), 4.0 * math.sqrt(2.0)]


def test_normal_upper_tail_matches_scipy_ndtr():
    """Q(x) = ndtr(-x) to 1e-12 relative error, from 0 to 37.5 (Q ~ 1e-307) and at the edges
    of Cody's ranges (either side)."""
    x = np.concatenate([np.linspace(0.0, 37.5, 20001), EDGES,
                        np.nextafter(EDGES, 0.0), np.nextafter(EDGES, 10.0)])
    q = np.array([normal_upper_tail(v, math.exp(-0.5 * v * v)) for v in x])
    ref = special.ndtr(-x)
    np.testing.assert_allclose(q, ref, rtol=1e-12, atol=0.0)
    # below x = 10 (where the judgments live) to 2e-14: only x^2's rounding in exp remains
    near = x < 10
    np.testing.assert_allclose(q[near], ref[near], rtol=2e-14, atol=0.0)
    # beyond the double range Q underflows to 0 (the lapse term keeps p positive)
    assert normal_upper_tail(40.0, math.exp(-800.0)) == 0.0


def _one(a, b, lapse):
    """loglik_draw's arguments for one judgment with loc 0 and sd 1 (so its interval in
    standard units is (a, b)), a lapse of probability ``lapse`` over 17 scale values."""
    kl = np.array([math.log1p(-lapse), math.log(lapse)])
    return [np.zeros(2), np.zeros(0), np.zeros((0, 0)), np.zeros(2, dtype=np.int64),
            np.zeros(1), kl, np.array([a]), np.array([b]), False,
            np.array([0]), np.array([1]), np.array([0]), np.ones(1), -math.log(17.0)]


def _log_interval(a, b):
    """log(Phi(b) - Phi(a)) from scipy's log_ndtr, on the side of 0 without cancellation."""
    if a >= 0:  # upper tail: log Q(a) + log1p(-Q(b) / Q(a))
        la, lb = special.log_ndtr(-a), special.log_ndtr(-b)
    elif b <= 0:
        la, lb = special.log_ndtr(b), special.log_ndtr(a)
    else:
        return math.log(stats.norm.cdf(b) - stats.norm.cdf(a))
    return la + math.log1p(-math.exp(lb - la))


@pytest.mark.parametrize(("a", "b"), [
    (-1.0, 1.0), (0.2, 0.9), (-0.3, 0.1), (0.6, 0.7), (-3.0, -2.5), (5.0, 5.5),
    (-6.0, -5.9), (12.0, 12.5), (-20.0, -19.0), (30.0, 31.0), (-36.0, -35.5),
    (36.0, 1e3), (-1e3, -37.0), (2.0, 2.0 + 1e-6), (-1e3, 0.4), (-0.4, 1e3),
])
def test_lapse_likelihood_in_the_tails_matches_scipy(a, b):
    """log(keep P + pi u) against scipy's log_ndtr, in the bulk and the extreme tails; with a
    lapse of 1e-300 the normal part dominates down to P ~ 1e-290, so the tail probability
    itself is tested (a naive cdf difference is 0 or all cancellation there)."""
    for lapse in (0.05, 1e-300):
        out = np.empty(1)
        loglik_draw(*_one(a, b, lapse), out)
        lp = _log_interval(a, b)
        ref = np.logaddexp(math.log1p(-lapse) + lp, math.log(lapse / 17.0))
        assert out[0] == pytest.approx(ref, rel=1e-11, abs=1e-13)


@pytest.mark.parametrize(("a", "b"), [(-1.0, 1.0), (0.6, 0.7), (-6.0, -5.9), (12.0, 12.5),
                                      (-36.0, -35.5), (-1e3, 0.4), (3.0, 1e3)])
def test_lapse_likelihood_gradient_in_the_tails(a, b):
    """dL/dloc and dL/dlog sd against central differences of scipy's log-probability (an
    independent computation), with a lapse small enough that the normal part dominates."""
    lapse = 1e-300
    args = _one(a, b, lapse)
    d = [np.zeros(2), np.zeros(0), np.zeros((0, 0)), np.zeros(1), np.zeros(2)]
    loglik_value_and_grad(*args, *d)

    def ll(loc, log_sd):
        s = math.exp(log_sd)
        lp = _log_interval((a - loc) / s if a > -1e3 else -1e300,
                           (b - loc) / s if b < 1e3 else 1e300)
        return np.logaddexp(math.log1p(-lapse) + lp, math.log(lapse / 17.0))

    h = 1e-6
    d_loc = (ll(h, 0.0) - ll(-h, 0.0)) / (2 * h)
    d_ls = (ll(0.0, h) - ll(0.0, -h)) / (2 * h)
    assert d[0][0] == pytest.approx(d_loc, rel=1e-5, abs=1e-8)  # loc = mu[0] - mu[1]
    assert d[0][1] == pytest.approx(-d_loc, rel=1e-5, abs=1e-8)
    assert d[3][0] == pytest.approx(d_ls, rel=1e-5, abs=1e-8)


# --------------------------------------------------------------------------- the density's kernel
def test_exp_without_a_library_call_matches_math_exp():
    """The vectorizable exponential of the density's kernel (no library call) within 2 units
    in the last place of ``math.exp`` (glibc, an independent implementation) on [-708, 0],
    and 0 below, where exp leaves the normal doubles."""
    from ahpstat._bayes_model._kernels import _exp_nonpositive

    gen = np.random.default_rng(2)
    x = np.concatenate([-gen.uniform(0, 708, 20000), -gen.uniform(0, 2, 5000), [0.0, -708.0],
                        -np.log(2.0) * np.arange(0, 1022)])
    got = np.array([_exp_nonpositive(v) for v in x])
    ref = np.exp(x)
    assert np.all(np.abs(got - ref) <= 2 * np.spacing(ref))
    assert _exp_nonpositive(-708.5) == 0.0 and _exp_nonpositive(-1e6) == 0.0


def _theta_one(a, b, lapse):
    """loglik_theta's arguments for one judgment with loc 0 and sd 1 (its interval in standard
    units is (a, b)), a lapse of probability ``lapse`` over 17 scale values."""
    kl = np.array([math.log1p(-lapse), math.log(lapse)])
    return [np.zeros((1, 2)), np.zeros(1), kl, np.array([a]), np.array([b]), False,
            np.array([0]), np.array([1]), np.array([0]), np.ones(1), -math.log(17.0)]


@pytest.mark.parametrize(("a", "b"), [
    (-1.0, 1.0), (0.2, 0.9), (-0.3, 0.1), (0.6, 0.7), (-3.0, -2.5), (5.0, 5.5),
    (-6.0, -5.9), (12.0, 12.5), (-20.0, -19.0), (30.0, 31.0), (-36.0, -35.5),
    (36.0, 1e3), (-1e3, -37.0), (2.0, 2.01), (-1e3, 0.4), (-0.4, 1e3), (0.3, 5.0),
    (-5.8, 0.2), (-0.65, 0.67), (5.6, 5.7), (-1e3, 1e3), (2.0, 2.0 + 1e-6),
])
def test_density_kernel_matches_scipy_in_the_tails(a, b):
    """The density's kernel (loglik_theta: Cody's three ranges as fractions, selected without
    branches, the vectorizable exponential, probabilities multiplied per run) against scipy's
    log_ndtr in the bulk, at the edges of Cody's ranges and in the tails, with the derivatives
    of the reference kernel (loglik_value_and_grad, per judgment with erfc-free tails) for a
    lapse of 5 % and (the normal part dominating down to P ~ 1e-290) of 1e-300. ``P`` is a
    difference of tails, so its relative error grows as ``Q / P``: an interval of 1e-6 sd at 2
    sd (``Q / P`` = 4e5; the Saaty intervals are 0.1 sd wide or more) is held to 1e-9."""
    from ahpstat._bayes_model import loglik_theta

    rel = 1e-9 if b - a < 1e-3 else 1e-11
    for lapse in (0.05, 1e-300):
        d_theta, d_ls, d_kl = np.zeros((1, 2)), np.zeros(1), np.zeros(2)
        val = loglik_theta(*_theta_one(a, b, lapse), d_theta, d_ls, d_kl)
        lp = _log_interval(a, b)
        ref = np.logaddexp(math.log1p(-lapse) + lp, math.log(lapse / 17.0))
        assert val == pytest.approx(ref, rel=rel, abs=1e-13)
        d = [np.zeros(2), np.zeros(0), np.zeros((0, 0)), np.zeros(1), np.zeros(2)]
        loglik_value_and_grad(*_one(a, b, lapse), *d)
        np.testing.assert_allclose(d_theta[0], d[0], rtol=rel, atol=1e-300)
        np.testing.assert_allclose(d_ls, d[3], rtol=rel, atol=1e-300)
        # d/dlog pi is the judgment count minus the normal part's share, in both kernels
        np.testing.assert_allclose(d_kl, d[4], rtol=rel, atol=1e-15)


def test_interval_pass_gives_each_judgment_the_same_bits_wherever_it_sits():
    """The vectorized interval pass computes a judgment the same way in the loop's vector
    body and in its scalar remainder (explicit fused multiply-adds, nothing left for the
    compiler to contract), so a judgment's probability and derivatives do not depend on how
    many judgments precede it: each one alone, in slices of 8 and 37 and in the whole array,
    bit for bit (a compiler-contracted version fails this: its body and remainder fuse
    differently)."""
    from ahpstat._bayes_model._kernels import _intervals_lapse

    gen = np.random.default_rng(11)
    n = 1_000
    a = gen.normal(0.0, 2.0, n)
    b = a + gen.uniform(0.05, 3.0, n)
    b[::9], a[4::9] = 1e3, -1e3  # the scale's open ends
    ab = np.ascontiguousarray(np.vstack([a, b]))
    whole = np.empty((4, n))
    _intervals_lapse(ab, 0.97, 0.002, whole)
    for width in (1, 8, 37):
        for start in range(0, n - width, 53):
            part = np.empty((4, width))
            _intervals_lapse(np.ascontiguousarray(ab[:, start:start + width]), 0.97, 0.002,
                             part)
            assert part.tobytes() == whole[:, start:start + width].tobytes(), (width, start)


def test_interval_pass_uses_512_bit_vectors_where_the_cpu_has_them():
    """LLVM vectorizes at 256 bits on x86 CPUs with AVX-512 unless a function asks for
    more; the interval pass asks (``_wide_vectors``), so its machine code works on 512-bit
    registers (``zmm``) on such a CPU (without the request it has none: checked when it was
    written). Its values do not depend on the width (the test above). Compiled afresh from
    its Python source, as numba's cache keeps no assembly; skipped on CPUs without AVX-512.
    """
    import numba
    from llvmlite import binding as llvm

    from ahpstat._bayes_model._kernels import _intervals_lapse

    if not llvm.get_host_cpu_features().get("avx512f", False):
        pytest.skip("the CPU has no AVX-512")
    fresh = numba.njit(error_model="numpy")(_intervals_lapse.py_func)
    ab = np.zeros((2, 64))
    out = np.empty((4, 64))
    fresh(ab, 0.97, 0.002, out)
    asm = next(iter(fresh.inspect_asm().values()))
    assert "zmm" in asm


def test_density_kernel_equals_the_reference_kernel_on_a_panel():
    """loglik_theta on a simulated panel (several experts, runs of judgments, expert weights,
    sds from 0.01 to 3 so that every Cody range and the underflow are reached) equals the
    reference kernel loglik_value_and_grad: value and every derivative, to rounding."""
    from ahpstat._bayes_model import judgment_bounds, loglik_theta, prepare_panel
    from ahpstat.simulate import simulate_panel

    J = simulate_panel(TREE, TRUTH, n_experts=6, rng=5, noise_sd=0.5, scale="saaty")
    experts = sorted(set(J["expert"]))
    weights = dict.fromkeys(experts, 1.0) | {experts[0]: 2.0, experts[1]: 0.5}
    p = prepare_panel(J, TREE, scale="saaty", expert_weights=weights)
    lo, hi, point = judgment_bounds(p)
    K, E = len(p.experts), len(p.elements)
    gen = np.random.default_rng(8)
    for log_sd in (np.log(np.geomspace(0.01, 3.0, K)), gen.normal(-1.0, 1.0, K)):
        theta = gen.normal(size=(K, E))
        kl = np.array([math.log1p(-0.03), math.log(0.03)])
        w = p.expert_weights[p.expert]
        d_theta, d_ls, d_kl = np.zeros((K, E)), np.zeros(K), np.zeros(2)
        val = loglik_theta(theta, log_sd, kl, lo, hi, point, p.row, p.col, p.expert, w,
                           p.lapse_log_density(), d_theta, d_ls, d_kl)
        # the reference on mu = 0, tau = 1, z = theta: loc = theta[k, r] - theta[k, c]
        d = [np.zeros(E), np.zeros(len(p.judged)), np.zeros((K, E)), np.zeros(K), np.zeros(2)]
        ref = loglik_value_and_grad(np.zeros(E), np.ones(len(p.judged)), theta, p.element_node,
                                    log_sd, kl, lo, hi, point, p.row, p.col, p.expert, w,
                                    p.lapse_log_density(), *d)
        assert val == pytest.approx(ref, rel=1e-13)
        np.testing.assert_allclose(d_theta, d[2], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(d_ls, d[3], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(d_kl, d[4], rtol=1e-12)


# --------------------------------------------------------------------------- log-density
TREE = {"G": ["A", "B", "C"], "A": ["a1", "a2"]}
TRUTH = {"G": [0.6, 0.3, 0.1], "A": [0.7, 0.3]}
PRIORS = np.array([1.1, 0.55, -0.6, 1.0, 0.5, 1.0, 19.0])  # ps, ts, lm, ls, lsd, alpha, beta


def _density_case(deviation, shared, lapse, scale="saaty", n_experts=4, incomplete=False):
    from ahpstat._bayes_model import judgment_bounds, prepare_panel
    from ahpstat.simulate import simulate_panel

    J = simulate_panel(TREE, TRUTH, n_experts=n_experts, rng=3, noise_sd=0.4, scale=scale)
    weights = None
    if incomplete:  # one expert silent at node A, unequal expert weights
        J = J[~((J["expert"] == "E02") & (J["node"] == "A"))].reset_index(drop=True)
        weights = dict(zip(sorted(set(J["expert"])), range(1, n_experts + 1), strict=True))
    p = prepare_panel(J, TREE, scale=scale, expert_weights=weights)
    E, G, K = len(p.elements), len(p.judged), len(p.experts)
    F = E - G
    lo, hi, point = judgment_bounds(p)
    data = (p.element_node, p.offsets, lo, hi, point, p.row, p.col, p.expert,
            p.expert_weights[p.expert], p.lapse_log_density())
    flags = np.array([deviation, shared, lapse], dtype=np.int64)
    sizes = np.array([F, G, K, E], dtype=np.int64)
    n = F + (G + K * F + E if deviation else 0) + (1 if shared else 2 + K) + (1 if lapse else 0)
    return p, data, flags, sizes, n


def _check_gradient(fn, x, g, flags, priors, sizes, data, h=1e-6):
    """``g``, the gradient ``fn`` wrote at ``x``, against central differences of ``fn``."""
    n = x.size
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        up = fn(x + e, np.empty(n), flags, priors, sizes, *data)
        dn = fn(x - e, np.empty(n), flags, priors, sizes, *data)
        assert g[i] == pytest.approx((up - dn) / (2 * h), rel=1e-5, abs=1e-5), i


def _density_by_scipy(x, p, data, deviation, shared, lapse):
    """The same log-density from scipy's distributions, the transforms' Jacobians and the
    per-judgment likelihood (loglik_draw), written out independently."""
    from ahpstat._bayes_model import zero_sum

    ps, ts, lm, ls, lsd, a, b = PRIORS
    E, G, K = len(p.elements), len(p.judged), len(p.experts)
    F = E - G
    o = 0
    eta = x[o:o + F]
    o += F
    lp = stats.norm.logpdf(eta, 0, ps).sum()
    tau, z = np.zeros(0), np.zeros((0, 0))
    if deviation:
        v = x[o:o + G]
        o += G
        tau = np.exp(v)
        lp += (stats.halfnorm.logpdf(tau, scale=ts) + v).sum()
        zeta = x[o:o + K * F].reshape(K, F)
        o += K * F
        lp += stats.norm.logpdf(zeta).sum()
        z = zero_sum(zeta, p.offsets)
    if shared:
        log_sigma = np.full(K, x[o])
        lp += stats.lognorm.logpdf(np.exp(x[o]), ls, scale=np.exp(lm)) + x[o]
        o += 1
    else:
        m, vs, u = x[o], x[o + 1], x[o + 2:o + 2 + K]
        o += 2 + K
        lp += stats.norm.logpdf(m, lm, ls) + stats.halfnorm.logpdf(np.exp(vs), scale=lsd) + vs
        lp += stats.norm.logpdf(u).sum()
        log_sigma = m + np.exp(vs) * u
    kl = np.array([0.0, -np.inf])
    if lapse:
        pi = 1.0 / (1.0 + np.exp(-x[o]))
        lp += stats.beta.logpdf(pi, a, b) + np.log(pi) + np.log1p(-pi)
        kl = np.array([np.log1p(-pi), np.log(pi)])
        o += 1
    if deviation:
        lp += stats.norm.logpdf(x[o:o + E]).sum()
        o += E
    assert o == x.size
    out = np.empty(p.n_obs)
    enode, _, lo, hi, point, row, col, k, w, log_u = data
    loglik_draw(zero_sum(eta, p.offsets), tau, z, enode, log_sigma, kl, lo, hi, point, row,
                col, k, w, log_u, out)
    return lp + out.sum()


@pytest.mark.parametrize(("deviation", "shared", "lapse", "scale"), [
    (True, False, True, "saaty"), (True, False, False, "saaty"), (True, True, True, None),
    (False, False, True, "saaty"), (False, True, False, None)])
def test_log_density_matches_scipy_and_finite_differences(deviation, shared, lapse, scale):
    """The compiled log-density (priors on the unconstrained space with the transforms'
    Jacobians, plus the likelihood) against scipy's distributions, and its gradient against
    central differences, in every layout of the model."""
    from ahpstat._bayes_model import log_density_and_grad

    p, data, flags, sizes, n = _density_case(deviation, shared, lapse, scale)
    gen = np.random.default_rng(11)
    for _ in range(3):
        x = gen.normal(size=n) * 0.7
        g = np.empty(n)
        val = log_density_and_grad(x, g, flags, PRIORS, sizes, *data)
        ref = _density_by_scipy(x, p, data, deviation, shared, lapse)
        assert val == pytest.approx(ref, rel=1e-10)
        _check_gradient(log_density_and_grad, x, g, flags, PRIORS, sizes, data)


def test_log_density_with_a_lower_bound_on_sigma():
    """The measurement hook sigma_k = sigma_min + exp(m + s u_k) (an eighth prior constant):
    the likelihood at those sigma_k, the priors unchanged (the same unconstrained variables),
    the gradient against central differences; without it the seven-constant density."""
    from ahpstat._bayes_model import log_density_and_grad, loglik_draw, zero_sum

    p, data, flags, sizes, n = _density_case(True, False, True)
    F, G, K, _ = (int(v) for v in sizes)
    priors = np.append(PRIORS, 0.05)
    x = np.random.default_rng(12).normal(size=n) * 0.7
    g = np.empty(n)
    val = log_density_and_grad(x, g, flags, priors, sizes, *data)
    base = log_density_and_grad(x, np.empty(n), flags, PRIORS, sizes, *data)
    o = F + G + K * F
    log_sigma = x[o] + np.exp(x[o + 1]) * x[o + 2:o + 2 + K]
    tau, zeta, pi = np.exp(x[F:F + G]), x[F + G:o].reshape(K, F), 1 / (1 + np.exp(-x[o + 2 + K]))
    kl = np.array([np.log1p(-pi), np.log(pi)])
    enode, offsets, lo, hi, point, row, col, k, w, log_u = data
    lik = []
    for ls in (log_sigma, np.log(0.05 + np.exp(log_sigma))):
        out = np.empty(p.n_obs)
        loglik_draw(zero_sum(x[:F], offsets), tau, zero_sum(zeta, offsets), enode, ls, kl, lo,
                    hi, point, row, col, k, w, log_u, out)
        lik.append(out.sum())
    assert val - base == pytest.approx(lik[1] - lik[0], rel=1e-9)
    _check_gradient(log_density_and_grad, x, g, flags, priors, sizes, data)


@pytest.mark.parametrize(("shared", "lapse", "scale", "n_experts", "other"), [
    (False, True, "saaty", 4, ""), (True, False, None, 4, ""), (False, False, "saaty", 4, ""),
    (True, True, "saaty", 4, ""), (False, True, "saaty", 1, ""),
    (False, True, "saaty", 4, "incomplete"), (False, True, "saaty", 4, "sigma_min")])
def test_marginal_density_integrates_the_experts_mean_out_of_the_model(shared, lapse, scale,
                                                                        n_experts, other):
    """The density nutpie samples (:func:`marginal_density_and_grad`) is the model's
    (:func:`log_density_and_grad`, itself checked against scipy above) with the experts' mean
    offset ``zbar`` and the new expert's offsets ``v`` integrated out, exactly: for any
    ``zbar`` and ``v``, the model's density at ``eta = m - tau zbar``,
    ``zeta[k] = zbar + (H_K u)[k]``, ``new_expert_offset = v`` is the marginal's times a
    normal density in ``zbar`` times ``v``'s standard normal density times the change of
    variables' constant ``K^(-F/2)``. Checked
    independently of the marginal's formula: along ``zbar`` the model's log-density is
    quadratic, so three points give its curvature and centre (the conditional normal that
    :func:`~ahpstat.bayes._compiled.canonical_draws` draws from); the remainder must be the
    marginal plus ``-F/2 log K`` at every point; the gradient against central differences."""
    from ahpstat._bayes_model import log_density_and_grad, marginal_density_and_grad

    _, data, flags, sizes, n = _density_case(True, shared, lapse, scale, n_experts,
                                             incomplete=other == "incomplete")
    priors = np.append(PRIORS, 0.05) if other == "sigma_min" else PRIORS
    F, G, K, E = (int(v) for v in sizes)
    ny = n - F - E  # the marginal's dimension
    offsets = np.asarray(data[1])
    fnode = np.repeat(np.arange(G), np.diff(offsets) - 1)
    gen = np.random.default_rng(21)

    def model(y, zbar, v):
        tau = np.exp(y[F:F + G])[fnode]
        x = np.concatenate([y[:F] - tau * zbar, y[F:F + G],
                            (zbar[None] + _helmert(K) @ y[F + G:F + G + (K - 1) * F]
                             .reshape(K - 1, F)).ravel(), y[F + G + (K - 1) * F:], v])
        return log_density_and_grad(x, np.empty(n), flags, priors, sizes, *data)

    for _ in range(3):
        y = gen.normal(size=ny) * 0.7
        g = np.empty(ny)
        v0 = np.zeros(E)
        val = marginal_density_and_grad(y, g, flags, priors, sizes, *data)
        # the model's log-density along each zbar_f alone is a parabola: its second
        # difference is -A_f, its maximum at c_f; independent of the other zbar values
        h = 0.5
        curv, centre = np.empty(F), np.empty(F)
        for f in range(F):
            e = np.zeros(F)
            e[f] = h
            lo, mid, hi = model(y, -e, v0), model(y, 0 * e, v0), model(y, e, v0)
            curv[f] = -(hi - 2 * mid + lo) / h ** 2
            centre[f] = (hi - lo) / (2 * h * curv[f])
        assert np.all(curv > 0)
        for zbar, v in ((np.zeros(F), v0), (gen.normal(size=F), gen.normal(size=E))):
            log_cond = np.sum(stats.norm.logpdf(zbar, centre, 1 / np.sqrt(curv)))
            log_cond += np.sum(stats.norm.logpdf(v))
            assert model(y, zbar, v) - log_cond == pytest.approx(val - F / 2 * np.log(K),
                                                                 rel=1e-10, abs=1e-8)
        _check_gradient(marginal_density_and_grad, y, g, flags, priors, sizes, data)


def _helmert(K):
    from ahpstat._bayes_model import helmert_basis

    return helmert_basis(K)


@pytest.mark.parametrize("n_experts", [5, 2, 1])
def test_offsets_around_their_mean_is_the_helmert_expansion_plus_the_mean(n_experts):
    """:func:`~ahpstat._bayes_model.offsets_around` (the experts' offsets of the canonical
    draws): ``mean + H_K u`` over the middle axis, against a dense Helmert basis, and bit for
    bit the numpy composition it replaced (the zero-sum expansion of the transposed array,
    then the sum with the mean)."""
    from ahpstat._bayes_model import offsets_around, zero_sum

    g = np.random.default_rng(4)
    S, K, F = 3, n_experts, 7
    u, mean = g.normal(size=(S, K - 1, F)), g.normal(size=(S, F))
    out = np.empty((S, K, F))
    offsets_around(mean, u, out)
    np.testing.assert_allclose(out, mean[:, None, :] + np.einsum("ki,sif->skf", _helmert(K), u),
                               rtol=1e-12, atol=1e-12)
    old = mean[:, None, :] + zero_sum(np.ascontiguousarray(u.transpose(0, 2, 1)),
                                      np.array([0, K])).transpose(0, 2, 1)
    assert out.tobytes() == np.ascontiguousarray(old).tobytes()


@pytest.mark.parametrize("n_experts", [4, 1])
def test_canonical_draws_draw_the_experts_mean_from_its_conditional(n_experts):
    """:func:`~ahpstat.bayes._compiled.canonical_draws` maps draws of the marginal density
    back to the model's coordinates: ``zbar`` is the conditional normal of the model's
    log-density along ``zbar`` (its centre and curvature measured from the model's density
    by three points, as in the test above), ``eta = m - tau zbar``, ``zeta[k] - zbar`` the
    Helmert expansion of ``u`` over the experts (a dense basis here), the new expert's
    offsets the generator's next standard normals; the other variables pass through
    unchanged."""
    import xarray as xr

    from ahpstat._bayes_model import log_density_and_grad
    from ahpstat.bayes._compiled import canonical_draws

    p, data, flags, sizes, n = _density_case(True, False, True, n_experts=n_experts)
    F, G, K, E = (int(v) for v in sizes)
    offsets = np.asarray(data[1])
    fnode = np.repeat(np.arange(G), np.diff(offsets) - 1)
    gen = np.random.default_rng(8)
    ys = gen.normal(size=(3, n - F - E)) * 0.7
    rest = n - F - E - F - G - (K - 1) * F
    post = xr.Dataset({
        "expert_mean_raw": (("chain", "draw", "contrast"), ys[None, :, :F]),
        "tau": (("chain", "draw", "judged_node"), np.exp(ys[None, :, F:F + G])),
        "expert_deviation_raw": (("chain", "draw", "expert_contrast", "contrast"),
                                 ys[None, :, F + G:F + G + (K - 1) * F].reshape(1, 3, K - 1, F)),
        "other": (("chain", "draw", "x"), ys[None, :, n - F - E - rest:])},
        coords={"expert": list(p.experts)})
    cfg = {"priority_sigma": PRIORS[0]}
    out = canonical_draws(post, p, cfg, np.random.default_rng(3))
    ref_gen = np.random.default_rng(3)
    eps = ref_gen.standard_normal((3, F))
    np.testing.assert_array_equal(out["new_expert_offset"].values[0],
                                  ref_gen.standard_normal((3, E)))
    assert list(out.data_vars) == ["log_priority_raw", "tau", "expert_offset_raw", "other",
                                   "new_expert_offset"]
    np.testing.assert_array_equal(out["other"].values, post["other"].values)
    for s, y in enumerate(ys):
        tau = np.exp(y[F:F + G])[fnode]

        def model(zbar, y=y, tau=tau):
            x = np.concatenate([y[:F] - tau * zbar, y[F:F + G],
                                (zbar[None] + _helmert(K) @ y[F + G:F + G + (K - 1) * F]
                                 .reshape(K - 1, F)).ravel(), y[F + G + (K - 1) * F:],
                                np.zeros(E)])
            return log_density_and_grad(x, np.empty(n), flags, PRIORS, sizes, *data)

        curv, centre = np.empty(F), np.empty(F)
        for f in range(F):
            e = np.zeros(F)
            e[f] = 0.5
            lo, mid, hi = model(-e), model(0 * e), model(e)
            curv[f] = -(hi - 2 * mid + lo) / 0.25
            centre[f] = (hi - lo) / curv[f]
        zbar = centre + eps[s] / np.sqrt(curv)
        eta = out["log_priority_raw"].values[0, s]
        zeta = out["expert_offset_raw"].values[0, s]
        np.testing.assert_allclose(eta, y[:F] - tau * zbar, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(
            zeta, zbar[None] + _helmert(K) @ y[F + G:F + G + (K - 1) * F].reshape(K - 1, F),
            rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("deviation", "shared", "lapse", "scale"), [
    (True, False, True, "saaty"), (False, True, False, None)])
def test_c_callbacks_read_the_data_through_the_user_data_pointer(deviation, shared, lapse,
                                                                  scale):
    """nutpie's C callbacks (called here through ctypes, as nutpie calls them) give
    :func:`log_density_and_grad`'s value and gradient on the data the user-data pointer
    points to, report a wrong dimension and a non-finite value, and expand the free variables
    to their own scale (exp of a log-transformed one, the logistic of a log-odds one)."""
    import ctypes

    from ahpstat._bayes_model import density_cfuncs, density_user_data, log_density_and_grad

    _, data, flags, sizes, n = _density_case(deviation, shared, lapse, scale)
    transform = np.arange(n) % 3  # every code somewhere
    meta, keep = density_user_data(n, flags, np.asarray(PRIORS), sizes, data, transform)
    logp_c, expand_c = density_cfuncs()
    dp = ctypes.POINTER(ctypes.c_double)
    x = np.random.default_rng(4).normal(size=n) * 0.7
    grad, val = np.empty(n), np.empty(1)
    code = logp_c.ctypes(n, x.ctypes.data_as(dp), grad.ctypes.data_as(dp),
                         val.ctypes.data_as(dp), ctypes.c_void_p(meta.ctypes.data))
    ref_grad = np.empty(n)
    ref = log_density_and_grad(x, ref_grad, flags, np.asarray(PRIORS), sizes, *data)
    assert code == 0 and val[0] == ref
    np.testing.assert_array_equal(grad, ref_grad)
    assert logp_c.ctypes(n + 1, x.ctypes.data_as(dp), grad.ctypes.data_as(dp),
                         val.ctypes.data_as(dp), ctypes.c_void_p(meta.ctypes.data)) == -1
    bad = x.copy()
    bad[0] = np.inf
    assert logp_c.ctypes(n, bad.ctypes.data_as(dp), grad.ctypes.data_as(dp),
                         val.ctypes.data_as(dp), ctypes.c_void_p(meta.ctypes.data)) in (3, 4)
    out = np.empty(n)
    assert expand_c.ctypes(n, n, x.ctypes.data_as(dp), out.ctypes.data_as(dp),
                           ctypes.c_void_p(meta.ctypes.data)) == 0
    want = np.where(transform == 1, np.exp(x), np.where(transform == 2, 1 / (1 + np.exp(-x)), x))
    np.testing.assert_allclose(out, want, rtol=1e-15)
    del keep
    if deviation:  # the header's flag: the density with the experts' mean integrated out
        from ahpstat._bayes_model import marginal_density_and_grad

        F, _, _, E = (int(v) for v in sizes)
        ny = n - F - E
        meta, keep = density_user_data(ny, flags, np.asarray(PRIORS), sizes, data,
                                       transform[:ny], marginal=True)
        y = x[:ny]
        grad, ref_grad = np.empty(ny), np.empty(ny)
        code = logp_c.ctypes(ny, y.ctypes.data_as(dp), grad.ctypes.data_as(dp),
                             val.ctypes.data_as(dp), ctypes.c_void_p(meta.ctypes.data))
        ref = marginal_density_and_grad(y, ref_grad, flags, np.asarray(PRIORS), sizes, *data)
        assert code == 0 and val[0] == ref and ref != log_density_and_grad(
            x, np.empty(n), flags, np.asarray(PRIORS), sizes, *data)
        np.testing.assert_array_equal(grad, ref_grad)
        del keep


@pytest.mark.slow
def test_compiled_density_and_products_equal_the_pymc_model():
    """The density nutpie samples (``ahpstat.bayes._compiled``) is the PyMC model's: the same
    free variables in the same order, ``model.logp()`` and its gradient at random points, and
    the deterministics (weights, sigma, the new expert's weights, scores) from the draws."""
    pytest.importorskip("pymc")
    pytest.importorskip("nutpie")
    import pandas as pd
    import pytensor
    import xarray as xr

    from ahpstat.bayes import BayesianAHP
    from ahpstat.bayes._compiled import add_products, density
    from ahpstat.bayes._model import _item_means_frame
    from ahpstat.simulate import simulate_panel

    J = simulate_panel(TREE, TRUTH, n_experts=5, rng=2, noise_sd=0.4, scale="saaty")
    means = pd.Series({"B": 3.0, "C": 4.0, "a1": 2.5, "a2": 4.5})
    for cfg in ({}, {"shared_sigma": True, "error": "normal"}, {"expert_deviation": False}):
        m = BayesianAHP(J, TREE, item_means=means, model_config=cfg)
        model = m.build_model()
        d = density(m.panel, m._resolved_config, marginal=False)
        vv = model.value_vars
        assert [v.name.split("_log__")[0].split("_logodds__")[0] for v in vv] == list(d.names)
        logp, dlogp = model.compile_logp(), model.compile_dlogp()
        names = [n for n in ("log_priority", "local_weight", "global_weight", "sigma",
                             "new_expert_local_weight", "new_expert_global_weight", "score")
                 if n in model.named_vars]
        outs = model.replace_rvs_by_values([model[n] for n in names])
        det = pytensor.function(vv, outs, mode="FAST_COMPILE", on_unused_input="ignore")
        gen = np.random.default_rng(5)
        xs = gen.normal(size=(3, d.n_dim)) * 0.6
        draws: dict[str, list[np.ndarray]] = {n: [] for n in d.names}
        offset = None
        for x in xs:
            point, o = {}, 0
            for v, shape in zip(vv, d.shapes, strict=True):
                n = int(np.prod(shape))
                point[v.name] = x[o:o + n].reshape(shape)
                o += n
            val, grad = d.logp(x)
            # equal up to a constant: PyTensor's betaln(1, 19) is 4e-8 off -log(19), which
            # scipy's and ours are not (test_log_density_matches_scipy...); constants do
            # not change the posterior
            diff = val - float(logp(point))
            offset = diff if offset is None else offset
            assert abs(diff) < 1e-6 and diff == pytest.approx(offset, abs=1e-10)
            np.testing.assert_allclose(grad, dlogp(point), rtol=1e-8, atol=1e-10)
            for n, v in d.expand(x).items():
                draws[n].append(v)
        post = xr.Dataset({n: (("chain", "draw", *d.dims.get(n, ())), np.stack(v)[None])
                           for n, v in draws.items()})
        frame = _item_means_frame(means, m.panel.hierarchy)
        post = add_products(post, m.panel, m.layout, m._resolved_config, frame)
        for s, x in enumerate(xs):
            point, o = [], 0
            for shape in d.shapes:
                n = int(np.prod(shape))
                point.append(x[o:o + n].reshape(shape))
                o += n
            for name, ref in zip(names, det(*point), strict=True):
                np.testing.assert_allclose(post[name].values[0, s], ref, rtol=1e-10,
                                           atol=1e-14, err_msg=name)
