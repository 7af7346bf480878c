"""Private numpy side of :mod:`ahpstat.bayes`: judgments as index arrays, the judgment scale's
intervals, the censored-normal kernel and the posterior's numpy products.

Nothing here imports PyMC, PyTensor or ArviZ: the data preparation (through the package's one
judgment validation, :func:`ahpstat.io.validate_judgments` and :func:`ahpstat.io.judgment_stacks`),
the pointwise log-likelihood and the posterior predictive replication are plain numpy / numba,
so they are cheap and testable alone.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._numba import njit
from ahpstat._validation import InputError, check_scale
from ahpstat.pairwise import comparison_graph_components
from ahpstat.scales import SAATY_SCALE

__all__ = [
    "LOG_SQRT_2PI",
    "SENTINEL",
    "Panel",
    "block_basis",
    "credal_table",
    "helmert_basis",
    "interval_bounds",
    "judgment_bounds",
    "log_density_and_grad",
    "log_normal_interval_scalar",
    "loglik_draw",
    "loglik_value_and_grad",
    "loglik_zero_sum",
    "normal_upper_tail",
    "obs_columns",
    "pointwise_loglik",
    "prepare_panel",
    "replicate_judgments",
    "scale_log_values",
    "zero_sum",
    "zero_sum_expand",
    "zero_sum_reduce",
]

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_LN2 = math.log(2.0)
#: finite stand-in (log-ratio units) for the open ends of a scale's first and last interval:
#: e^1000 is beyond any judgment, and finite bounds keep the gradients free of inf * 0
SENTINEL = 1.0e3
#: the asymptotic normal tail is used beyond this many standard deviations (erfc underflows
#: near 38; at 35 the series' first omitted term is below 1e-8 relatively)
_TAIL = 35.0


# --------------------------------------------------------------------------- kernel
def log_normal_interval_scalar(a: float, b: float) -> float:  # pragma: no cover - compiled too
    """``log(Phi(b) - Phi(a))`` for ``a < b``: log-probability of a standard normal in ``(a, b)``.

    Accurate in both tails: an interval on the upper side uses the survival function
    ``Q(x) = erfc(x / sqrt 2) / 2`` (an interval on the lower side is mirrored onto it),
    ``log(Q(a) - Q(b)) = log Q(a) + log(1 - Q(b) / Q(a))``, with the asymptotic series of
    ``log Q`` beyond 35; an interval containing 0 uses ``erf`` (no cancellation: its ends have
    opposite signs). Plain ``math`` so that numba compiles it (PyTensor op, numpy kernels)
    and Python runs it unchanged.

    Examples
    --------
    >>> round(log_normal_interval_scalar(-1.0, 1.0), 6)  # log 0.682689
    -0.381715
    >>> round(log_normal_interval_scalar(40.0, 1e3), 2)  # log Q(40), far beyond erfc's range
    -804.61
    """
    if b <= 0.0:  # mirror the lower side onto the upper side
        a, b = -b, -a
    if a >= 0.0:
        if a < _TAIL:
            la = math.log(0.5 * math.erfc(a * _SQRT1_2))
        else:
            r = 1.0 / (a * a)
            la = -0.5 * a * a - math.log(a) - LOG_SQRT_2PI + math.log1p(r * (3.0 * r - 1.0))
        if b < _TAIL:
            lb = math.log(0.5 * math.erfc(b * _SQRT1_2))
        else:
            r = 1.0 / (b * b)
            lb = -0.5 * b * b - math.log(b) - LOG_SQRT_2PI + math.log1p(r * (3.0 * r - 1.0))
        t = lb - la
        if t > -_LN2:
            return la + math.log(-math.expm1(t))
        return la + math.log1p(-math.exp(t))
    return math.log(0.5 * (math.erf(b * _SQRT1_2) - math.erf(a * _SQRT1_2)))


_lni = njit()(log_normal_interval_scalar)


_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)

# W. J. Cody's rational Chebyshev approximations of erf / erfc (Math. Comp. 23, 1969,
# 631-638; the coefficients of netlib SPECFUN's CALERF): erf(y) = y A(y^2) / B(y^2) for
# y <= 0.46875, exp(y^2) erfc(y) = C(y) / D(y) for 0.46875 < y <= 4 and
# (1 / sqrt(pi) - s P(s) / Q(s)) / y with s = 1 / y^2 beyond (theoretical accuracy ~18 digits).
_CA = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
       3.20937758913846947e03, 1.85777706184603153e-1)
_CB = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
       2.84423683343917062e03)
_CC = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
       2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
       2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_CD = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
       1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
       3.43936767414372164e03, 1.23033935480374942e03)
_CP = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
       1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_CQ = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
       6.05183413124413191e-2, 2.33520497626869185e-3)


@njit(fastmath=False, inline="always")
def normal_upper_tail(x, ex):  # pragma: no cover - compiled
    """``Q(x) = P(Z > x)`` of a standard normal for ``x >= 0``, given ``ex = exp(-x^2 / 2)``.

    The likelihood needs the normal density at both ends of a judgment's interval anyway
    (for the gradient), so its ``exp`` is reused: ``Q(x) = ex erfcx(x / sqrt 2) / 2`` with
    the scaled complementary error function from Cody's rational approximations (no
    ``exp`` and no ``erfc`` call); near 0, ``Q(x) = (1 - erf(x / sqrt 2)) / 2`` directly.
    Relative error below 1e-12 wherever ``Q(x)`` is a normal double (the rounding of
    ``x^2`` in ``ex`` beyond ``x = 30``); ``0`` once ``ex`` underflows (``x > 38.6``).

    Examples
    --------
    >>> import math
    >>> round(normal_upper_tail(1.0, math.exp(-0.5)), 12)  # 1 - Phi(1)
    0.158655253931
    """
    y = x * _SQRT1_2
    if y <= 0.46875:
        s = y * y
        num = (((_CA[4] * s + _CA[0]) * s + _CA[1]) * s + _CA[2]) * s + _CA[3]
        den = (((s + _CB[0]) * s + _CB[1]) * s + _CB[2]) * s + _CB[3]
        return 0.5 - 0.5 * y * num / den
    if y <= 4.0:
        num = ((((((_CC[8] * y + _CC[0]) * y + _CC[1]) * y + _CC[2]) * y + _CC[3]) * y
                 + _CC[4]) * y + _CC[5]) * y + _CC[6]
        den = ((((((y + _CD[0]) * y + _CD[1]) * y + _CD[2]) * y + _CD[3]) * y + _CD[4]) * y
               + _CD[5]) * y + _CD[6]
        return 0.5 * ex * (num * y + _CC[7]) / (den * y + _CD[7])
    s = 1.0 / (y * y)
    num = (((_CP[5] * s + _CP[0]) * s + _CP[1]) * s + _CP[2]) * s + _CP[3]
    den = (((s + _CQ[0]) * s + _CQ[1]) * s + _CQ[2]) * s + _CQ[3]
    return 0.5 * ex * (_INV_SQRT_PI - s * (num * s + _CP[4]) / (den * s + _CQ[4])) / y


@njit(fastmath=False, inline="always")
def _interval_lapse(a, b, keep, lapse_u):  # pragma: no cover - compiled
    """A discrete judgment under the lapse mixture: ``(ll, dll/dloc * sd, dll/dlog sd,
    share)`` with ``p = keep P + lapse_u``, ``P = Phi(b) - Phi(a)``.

    Two ``exp`` (the normal densities at ``a`` and ``b``, which the gradient needs) and one
    ``log``: the tail probabilities reuse the densities (:func:`normal_upper_tail`). ``P``
    is a difference of upper tails on the side away from 0 (no cancellation against 1), and
    ``p`` is at least ``lapse_u``, so linear space is accurate.
    """
    ea = math.exp(-0.5 * a * a)
    eb = math.exp(-0.5 * b * b)
    if a >= 0.0:
        P = normal_upper_tail(a, ea) - normal_upper_tail(b, eb)
    elif b <= 0.0:
        P = normal_upper_tail(-b, eb) - normal_upper_tail(-a, ea)
    else:
        P = 1.0 - normal_upper_tail(-a, ea) - normal_upper_tail(b, eb)
    fa = keep * _INV_SQRT_2PI * ea
    fb = keep * _INV_SQRT_2PI * eb
    kp = keep * P
    ip = 1.0 / (kp + lapse_u)
    return math.log(kp + lapse_u), (fa - fb) * ip, (a * fa - b * fb) * ip, kp * ip


@njit(fastmath=False, inline="always")
def _judgment(loc, isd, log_sd, keep, lapse_u, lower, upper,
              point):  # pragma: no cover - compiled
    """One judgment at location ``loc``: ``(ll, dll/dloc, dll/dlog sd_k, share of the
    normal part)``.

    ``loc = mu[r] - mu[c] + tau[g] (z[k, r] - z[k, c])``, ``isd = 1 / sd_k``; continuous
    (``point``): the normal density of ``lower`` (the observed log ratio); discrete:
    ``P = Phi(b) - Phi(a)`` with ``a = (lower - loc) / sd``, ``b = (upper - loc) / sd``.
    With a lapse (``lapse_u = pi u`` > 0) the probability is ``keep p + lapse_u``
    (``keep = 1 - pi``), computed in linear space (it is at least ``lapse_u``); without, in
    log space (accurate in both tails).
    """
    if point:
        e = (lower - loc) * isd
        d_loc = e * isd
        d_ls = e * e - 1.0
        if lapse_u > 0.0:
            dens = keep * math.exp(-0.5 * e * e) * _INV_SQRT_2PI * isd
            p = dens + lapse_u
            share = dens / p
            return math.log(p), share * d_loc, share * d_ls, share
        return -0.5 * e * e - log_sd - LOG_SQRT_2PI, d_loc, d_ls, 1.0
    a = (lower - loc) * isd
    b = (upper - loc) * isd
    if lapse_u > 0.0:
        ll, g, d_ls, share = _interval_lapse(a, b, keep, lapse_u)
        return ll, g * isd, d_ls, share
    ll = _lni(a, b)
    pa = math.exp(-LOG_SQRT_2PI - 0.5 * a * a - ll)
    pb = math.exp(-LOG_SQRT_2PI - 0.5 * b * b - ll)
    return ll, (pa - pb) * isd, a * pa - b * pb, 1.0


@njit(fastmath=False)
def loglik_draw(mu, tau, z, enode, log_sigma, kl, lower, upper, point, row, col, k, weight,
                log_u, out):  # pragma: no cover - compiled
    """``out[o]``: weighted log-likelihood of judgment ``o`` at one draw (see
    :func:`_judgment`); ``kl = (log(1 - pi), log pi)`` (``(0, -inf)`` without lapses).
    """
    isd = np.exp(-log_sigma)
    keep = math.exp(kl[0])
    lapse_u = math.exp(kl[1] + log_u)
    deviation = z.shape[0] > 0
    for o in range(row.size):
        kk, r, c = k[o], row[o], col[o]
        loc = mu[r] - mu[c]
        if deviation:
            loc += tau[enode[r]] * (z[kk, r] - z[kk, c])
        ll = _judgment(loc, isd[kk], log_sigma[kk], keep, lapse_u, lower[o], upper[o],
                       point)[0]
        out[o] = weight[o] * ll


@njit(fastmath=False)
def loglik_value_and_grad(mu, tau, z, enode, log_sigma, kl, lower, upper, point, row, col,
                          k, weight, log_u, d_mu, d_tau, d_z, d_ls,
                          d_kl):  # pragma: no cover - compiled
    """Total weighted log-likelihood, and its gradient in the zeroed ``d_*`` arrays.

    ``dL/dloc = (phi(a) - phi(b)) / (sd P)``, ``dL/dlog sd = (a phi(a) - b phi(b)) / P``
    (the normal density: ``e / sd`` and ``e^2 - 1``), scaled by the normal part's share of
    the probability under a lapse mixture; ``d/dlog(1 - pi)`` is that share, ``d/dlog pi``
    the rest.
    """
    isd = np.exp(-log_sigma)
    keep = math.exp(kl[0])
    lapse_u = math.exp(kl[1] + log_u)
    deviation = z.shape[0] > 0
    total = 0.0
    kept = 0.0
    weights = 0.0
    for o in range(row.size):
        kk, r, c = k[o], row[o], col[o]
        loc = mu[r] - mu[c]
        zd = 0.0
        t = 0.0
        gi = 0
        if deviation:
            gi = enode[r]
            t = tau[gi]
            zd = z[kk, r] - z[kk, c]
            loc += t * zd
        ll, d_loc, d_lsig, share = _judgment(loc, isd[kk], log_sigma[kk], keep, lapse_u,
                                             lower[o], upper[o], point)
        w = weight[o]
        total += w * ll
        kept += w * share
        weights += w
        gl = w * d_loc
        d_mu[r] += gl
        d_mu[c] -= gl
        if deviation:
            d_tau[gi] += gl * zd
            d_z[kk, r] += gl * t
            d_z[kk, c] -= gl * t
        d_ls[kk] += w * d_lsig
    if lapse_u > 0.0:
        d_kl[0] += kept
        d_kl[1] += weights - kept
    return total


@njit(fastmath=False)
def loglik_zero_sum(eta, tau, zeta, enode, offsets, log_sigma, kl, lower, upper, point, row,
                    col, k, weight, log_u):  # pragma: no cover - compiled
    """:func:`loglik_value_and_grad` of the zero-sum parameters: ``(total, d_eta, d_tau,
    d_zeta, d_log_sigma, d_kl)``.

    ``mu = B eta`` (``eta`` ``(E - G,)``) and ``z_k = B zeta_k`` (``zeta`` ``(K, E - G)``),
    ``B`` the block Helmert basis (:func:`block_basis`, applied by :func:`zero_sum_expand`:
    ``n - 1`` free values per node of ``n`` elements); the gradient with respect to ``mu``
    and ``z`` goes back through ``B.T`` (:func:`zero_sum_reduce`). Only the differences
    within a node enter the likelihood, so the sampler sees no direction the data leave to
    the prior alone (the per-node means), which would force it to small steps.
    """
    E = offsets[offsets.size - 1]
    eta2 = np.empty((1, eta.size))  # a contiguous row (the op may get a strided view)
    eta2[0, :] = eta
    mu = np.empty((1, E))
    zero_sum_expand(eta2, offsets, mu)
    z = np.empty((zeta.shape[0], E))
    zero_sum_expand(zeta, offsets, z)
    d_mu = np.zeros((1, E))
    d_z = np.zeros_like(z)
    d_tau = np.zeros_like(tau)
    d_ls = np.zeros_like(log_sigma)
    d_kl = np.zeros_like(kl)
    total = loglik_value_and_grad(mu[0], tau, z, enode, log_sigma, kl, lower, upper, point,
                                  row, col, k, weight, log_u, d_mu[0], d_tau, d_z, d_ls, d_kl)
    d_eta = np.empty((1, eta.size))
    zero_sum_reduce(d_mu, offsets, d_eta)
    d_zeta = np.empty_like(zeta)
    zero_sum_reduce(d_z, offsets, d_zeta)
    return total, d_eta[0], d_tau, d_zeta, d_ls, d_kl


# --------------------------------------------------------------------------- log-density
#: a log-density's layout flags (``flags`` of :func:`log_density_and_grad`)
_DEVIATION, _SHARED, _LAPSE = 0, 1, 2
#: its prior constants (``priors``): priority_sigma, tau_sigma, log_sigma_mu's mu and sigma,
#: log_sigma_sd, the lapse's alpha and beta
_PS, _TS, _LM, _LS, _LSD, _LA, _LB = range(7)


@njit(fastmath=False)
def _softplus(x):  # pragma: no cover - compiled
    """``log(1 + e^x)`` without overflow."""
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@njit(fastmath=False, nogil=True)
def log_density_and_grad(x, grad, flags, priors, sizes, enode, offsets, lower, upper, point,  # noqa: C901
                         row, col, k, weight, log_u):  # pragma: no cover - compiled
    """The model's log-density on the sampler's unconstrained space, and its gradient.

    The same density as the PyMC model that :func:`ahpstat._bayes_ops.build_model` writes
    (its ``model.logp()``: priors, the log / log-odds transforms' Jacobians, the likelihood
    :func:`loglik_zero_sum`), computed in one compiled function (hence its length: every
    layout of the model in one place): no PyTensor graph to compile and no per-op overhead
    per gradient. ``x`` holds, in the PyMC model's order of its free
    variables: ``log_priority_raw`` ``(F,)``; with expert deviations ``log tau`` ``(G,)`` and
    ``expert_offset_raw`` ``(K, F)``; ``log sigma_shared`` (``flags[_SHARED]``) or
    ``log_sigma_mu``, ``log log_sigma_sd`` and ``sigma_offset`` ``(K,)``; the lapse's
    log-odds (``flags[_LAPSE]``); with deviations ``new_expert_offset`` ``(E,)``.
    ``sizes = (F, G, K, E)``. Writes ``grad`` (same shape as ``x``); returns the log-density.
    """
    F, G, K, E = sizes[0], sizes[1], sizes[2], sizes[3]
    dev, shared, lapse = flags[_DEVIATION] != 0, flags[_SHARED] != 0, flags[_LAPSE] != 0
    ps, ts = priors[_PS], priors[_TS]
    lp = 0.0
    o = 0
    eta = x[o:o + F]
    for i in range(F):
        lp -= 0.5 * (eta[i] / ps) ** 2
        grad[o + i] = -eta[i] / (ps * ps)
    lp -= F * (math.log(ps) + LOG_SQRT_2PI)
    o += F
    tau = np.zeros(G if dev else 0)
    o_tau = o
    zeta = np.zeros((K if dev else 0, F))
    o_z = o
    if dev:
        for g in range(G):  # HalfNormal(ts) on tau = e^v, with the Jacobian e^v
            v = x[o + g]
            t = math.exp(v)
            tau[g] = t
            lp += _LN2 - LOG_SQRT_2PI - math.log(ts) - 0.5 * (t / ts) ** 2 + v
            grad[o + g] = 1.0 - (t / ts) ** 2
        o += G
        o_z = o
        for kk in range(K):
            for i in range(F):
                v = x[o + kk * F + i]
                zeta[kk, i] = v
                lp -= 0.5 * v * v
                grad[o + kk * F + i] = -v
        lp -= K * F * LOG_SQRT_2PI
        o += K * F
    log_sigma = np.empty(K)
    lm, ls = priors[_LM], priors[_LS]
    o_s = o
    if shared:  # LogNormal(lm, ls) on sigma = e^v with its Jacobian: Normal(lm, ls) on v
        v = x[o]
        lp += -0.5 * ((v - lm) / ls) ** 2 - math.log(ls) - LOG_SQRT_2PI
        grad[o] = -(v - lm) / (ls * ls)
        for kk in range(K):
            log_sigma[kk] = v
        o += 1
    else:
        m = x[o]
        vs = x[o + 1]
        sd = math.exp(vs)
        lsd = priors[_LSD]
        lp += -0.5 * ((m - lm) / ls) ** 2 - math.log(ls) - LOG_SQRT_2PI
        grad[o] = -(m - lm) / (ls * ls)
        lp += _LN2 - LOG_SQRT_2PI - math.log(lsd) - 0.5 * (sd / lsd) ** 2 + vs
        grad[o + 1] = 1.0 - (sd / lsd) ** 2
        for kk in range(K):
            u = x[o + 2 + kk]
            log_sigma[kk] = m + sd * u
            lp -= 0.5 * u * u + LOG_SQRT_2PI
            grad[o + 2 + kk] = -u
        o += 2 + K
    kl = np.empty(2)
    o_l = o
    pi = 0.0
    if lapse:  # Beta(a, b) on pi = sigmoid(v), with the Jacobian pi (1 - pi)
        v = x[o]
        a, b = priors[_LA], priors[_LB]
        log_pi, log_1m = -_softplus(-v), -_softplus(v)
        pi = math.exp(log_pi)
        lp += (a * log_pi + b * log_1m + math.lgamma(a + b) - math.lgamma(a)
               - math.lgamma(b))
        grad[o] = a * (1.0 - pi) - b * pi
        kl[0], kl[1] = log_1m, log_pi
        o += 1
    else:
        kl[0], kl[1] = 0.0, -np.inf
    if dev:
        for i in range(E):
            v = x[o + i]
            lp -= 0.5 * v * v + LOG_SQRT_2PI
            grad[o + i] = -v
        o += E
    total, d_eta, d_tau, d_zeta, d_ls, d_kl = loglik_zero_sum(
        eta, tau, zeta, enode, offsets, log_sigma, kl, lower, upper, point, row, col, k,
        weight, log_u)
    lp += total
    for i in range(F):
        grad[i] += d_eta[i]
    if dev:
        for g in range(G):
            grad[o_tau + g] += d_tau[g] * tau[g]
        for kk in range(K):
            for i in range(F):
                grad[o_z + kk * F + i] += d_zeta[kk, i]
    if shared:
        s = 0.0
        for kk in range(K):
            s += d_ls[kk]
        grad[o_s] += s
    else:
        sd = math.exp(x[o_s + 1])
        s = 0.0
        su = 0.0
        for kk in range(K):
            s += d_ls[kk]
            su += d_ls[kk] * x[o_s + 2 + kk]
            grad[o_s + 2 + kk] += sd * d_ls[kk]
        grad[o_s] += s
        grad[o_s + 1] += sd * su
    if lapse:
        grad[o_l] += (1.0 - pi) * d_kl[1] - pi * d_kl[0]
    return lp


@njit(fastmath=False)
def _loglik_draws(mu, tau, z, enode, log_sigma, kl, lower, upper, point, row, col, k, weight,
                  log_u, out):  # pragma: no cover - compiled
    for s in range(mu.shape[0]):
        loglik_draw(mu[s], tau[s], z[s], enode, log_sigma[s], kl[s], lower, upper, point, row,
                    col, k, weight, log_u, out[s])


# --------------------------------------------------------------------------- zero-sum
def helmert_basis(n: int) -> np.ndarray:
    """Orthonormal basis ``(n, n - 1)`` of the zero-sum subspace of R^n (Helmert contrasts).

    Column ``k`` (1-based) is ``(1, ..., 1, -k, 0, ..., 0) / sqrt(k (k + 1))`` with ``k``
    ones. With ``eta ~ N(0, s^2 I_(n-1))``, ``H @ eta`` is the zero-sum normal with scale
    ``s``: every difference ``x_i - x_j`` has variance ``2 s^2``, as for ``n`` independent
    ``N(0, s^2)`` values. :func:`zero_sum_expand` applies it in ``O(n)``.

    Examples
    --------
    >>> H = helmert_basis(3)
    >>> bool(np.allclose(H.sum(axis=0), 0)), bool(np.allclose(H.T @ H, np.eye(2)))
    (True, True)
    """
    H = np.zeros((n, max(n - 1, 0)))
    for k in range(1, n):
        H[:k, k - 1] = 1.0
        H[k, k - 1] = -float(k)
        H[:, k - 1] /= math.sqrt(k * (k + 1.0))
    return H


def block_basis(offsets: np.ndarray) -> np.ndarray:
    """Block-diagonal zero-sum basis ``(E, E - G)``: :func:`helmert_basis` of every node."""
    sizes = np.diff(offsets)
    B = np.zeros((int(offsets[-1]), int(np.sum(sizes - 1))))
    for g, n in enumerate(sizes):
        a, f = int(offsets[g]), int(offsets[g]) - g
        B[a:a + n, f:f + n - 1] = helmert_basis(int(n))
    return B


@njit(fastmath=False)
def zero_sum_expand(free, offsets, out):  # pragma: no cover - compiled
    """``out[r] = B @ free[r]`` for every row (:func:`block_basis`, never formed): the
    ``E - G`` free values of each row to ``E`` values summing to zero within each node.

    ``free`` ``(R, E - G)``, ``out`` ``(R, E)``; ``O(E)`` per row (a running sum per node).
    """
    for row in range(free.shape[0]):
        for g in range(offsets.size - 1):
            a, n = offsets[g], offsets[g + 1] - offsets[g]
            f = a - g - 1  # free value of Helmert column k is free[f + k]
            s = 0.0
            for i in range(n - 1, -1, -1):
                if i >= 1:
                    v = free[row, f + i] / math.sqrt(i * (i + 1.0))
                    out[row, a + i] = s - i * v
                    s += v
                else:
                    out[row, a] = s


@njit(fastmath=False)
def zero_sum_reduce(grad, offsets, out):  # pragma: no cover - compiled
    """``out[r] = B.T @ grad[r]``: a gradient over the ``E`` values back to the free values
    (the transpose of :func:`zero_sum_expand`). ``grad`` ``(R, E)``, ``out`` ``(R, E - G)``.
    """
    for row in range(grad.shape[0]):
        for g in range(offsets.size - 1):
            a, n = offsets[g], offsets[g + 1] - offsets[g]
            f = a - g - 1
            t = 0.0
            for i in range(n):
                if i >= 1:
                    out[row, f + i] = (t - i * grad[row, a + i]) / math.sqrt(i * (i + 1.0))
                t += grad[row, a + i]


def zero_sum(free: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """:func:`zero_sum_expand` over the last axis of any array (a new array).

    Examples
    --------
    >>> x = zero_sum(np.array([1.0, 2.0, 3.0]), np.array([0, 2, 4]))  # two nodes of 2
    >>> x.round(4).tolist(), bool(np.allclose(x[:2].sum(), 0))
    ([0.7071, -0.7071, 1.4142, -1.4142], True)
    """
    free = np.asarray(free, dtype=float)
    flat = np.ascontiguousarray(free.reshape(-1, free.shape[-1]))
    out = np.empty((flat.shape[0], int(offsets[-1])))
    zero_sum_expand(flat, np.asarray(offsets, dtype=np.int64), out)
    return out.reshape(*free.shape[:-1], out.shape[1])


# --------------------------------------------------------------------------- scale
def scale_log_values(scale: str | None) -> np.ndarray | None:
    """The judgment scale's values in log space, ascending (``None``: continuous judgments).

    Examples
    --------
    >>> scale_log_values("saaty").round(3)[[0, 8, 16]]
    array([-2.197,  0.   ,  2.197])
    """
    if check_scale(scale) is None:
        return None
    return np.log(np.asarray(SAATY_SCALE, dtype=float))


def interval_bounds(log_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bound of each scale value's interval of the latent log ratio.

    A judgment ``v_c`` on a discrete scale says the latent log ratio lies between the
    log-space midpoints to its neighbours; the scale's ends are open (``9`` means "9 or more"):
    ``-SENTINEL`` and ``+SENTINEL`` stand for minus and plus infinity.

    Examples
    --------
    >>> lo, hi = interval_bounds(np.log([1 / 3, 1, 3]))
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([-1000.0, -0.549, 0.549], [-0.549, 0.549, 1000.0])
    """
    mid = 0.5 * (log_values[1:] + log_values[:-1])
    return np.concatenate([[-SENTINEL], mid]), np.concatenate([mid, [SENTINEL]])


# --------------------------------------------------------------------------- judgments
@dataclass(frozen=True, eq=False)
class Panel:
    """Validated judgments as flat index arrays into one vector of all judged elements.

    ``elements`` are the children of the judged nodes (nodes with two or more children),
    node after node in pre-order; a child id is unique in a tree, so it names its element.
    Judgment ``o`` is expert ``expert[o]``'s ``log a`` for elements ``row[o] < col[o]`` (flat
    indices; oriented to the upper triangle of the node's matrix), ``log_value[o]``.
    """

    hierarchy: Any
    experts: tuple[str, ...]
    judged: tuple[str, ...]
    elements: tuple[str, ...]
    element_node: np.ndarray  # (E,) index into judged
    offsets: np.ndarray  # (G + 1,)
    expert: np.ndarray  # (O,)
    node: np.ndarray  # (O,) index into judged
    row: np.ndarray  # (O,) flat element index
    col: np.ndarray  # (O,)
    log_value: np.ndarray  # (O,)
    scale: str | None
    scale_log: np.ndarray | None  # (C,) ascending, or None (continuous)
    expert_weights: np.ndarray  # (K,), mean 1
    sha256: str

    @property
    def n_obs(self) -> int:
        return int(self.log_value.size)

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each judgment's interval of the latent log ratio (discrete scales only)."""
        if self.scale_log is None:
            raise ValueError("continuous judgments have no intervals")
        lo, hi = interval_bounds(self.scale_log)
        cat = self.category()
        return lo[cat], hi[cat]

    def category(self) -> np.ndarray:
        """Each judgment's position on the scale (discrete scales only)."""
        assert self.scale_log is not None
        return np.abs(self.log_value[:, None] - self.scale_log[None, :]).argmin(axis=1)

    def lapse_half_range(self) -> float:
        """``R``: a random continuous answer is uniform on ``[-R, R]`` (log ratio), ``R`` the
        larger of log 9 and the largest ``|log a|`` given.
        """
        return max(math.log(9.0), float(np.abs(self.log_value).max(initial=0.0)))

    def lapse_log_density(self) -> float:
        """Log-density of a random answer: uniform over the scale's values, or (continuous)
        uniform over ``[-R, R]`` (:meth:`lapse_half_range`).
        """
        if self.scale_log is not None:
            return -math.log(self.scale_log.size)
        return -math.log(2.0 * self.lapse_half_range())

    def n_judged_per_node(self) -> np.ndarray:
        """Judgments per judged node (all experts)."""
        return np.bincount(self.node, minlength=len(self.judged))


def _as_hierarchy(structure: Any) -> Any:
    from ahpstat.hierarchy import as_hierarchy

    return as_hierarchy(structure, argument="structure")


def _expert_order(judgments: pd.DataFrame, found: set[str]) -> tuple[str, ...]:
    """The experts of the judgments in order of first appearance."""
    seen = list(dict.fromkeys(str(e).strip() for e in judgments["expert"].tolist()))
    first = [e for e in seen if e in found]
    return tuple(first + sorted(found - set(first)))


def prepare_panel(judgments: pd.DataFrame, structure: Any, *, scale: str | None = "saaty",
                  expert_weights: Any = None) -> Panel:
    """Validate the judgments (the package's one path) and build the model's index arrays.

    Raises :class:`~ahpstat.InputError` (naming file, row, expert and node when known) for
    everything :func:`ahpstat.io.validate_judgments` rejects (with ``scale``), and for a node
    whose comparison graph, pooled over all experts, is not connected.
    """
    from ahpstat.io import expert_weight_vector, judgment_stacks, validate_judgments

    scale = check_scale(scale)
    h = _as_hierarchy(structure)
    if not isinstance(judgments, pd.DataFrame):
        raise TypeError("`judgments` must be a pandas DataFrame in the canonical long form "
                        "(expert, node, row, col, value); got "
                        f"{type(judgments).__name__} instead.")
    if len(judgments) == 0:
        raise InputError("the judgments table is empty. Got 0 rows instead.")
    validate_judgments(judgments, h, scale=scale, errors="raise")
    stacks = judgment_stacks(judgments, h, validate=False)
    judged = tuple(v for v in h.internal if len(h.children(v)) >= 2)
    missing = [v for v in judged if v not in stacks]
    if missing:  # pragma: no cover - validate_judgments names them first
        raise InputError(f"no expert judged the nodes {missing}. Got no judgments instead.")
    experts = _expert_order(judgments, {e for v in judged for e in stacks[v][0]})
    kpos = {e: k for k, e in enumerate(experts)}
    sizes = np.array([len(h.children(v)) for v in judged], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    parts = []
    for g, v in enumerate(judged):
        who, stack = stacks[v]
        n = int(sizes[g])
        present = ~np.isnan(stack)
        comps = comparison_graph_components(present.any(axis=0) | np.eye(n, dtype=bool))
        if len(comps) > 1:
            kids = h.children(v)
            names = [[kids[p] for p in comp] for comp in comps]
            raise InputError(
                f"the comparison graph of node {v!r}, pooled over all experts, is not "
                f"connected: its elements fall into the separate groups {names}, which no "
                "judgment links, so their relative weights are not identified. Add a judgment "
                f"between the groups. Got {len(comps)} components instead of 1.", node=v)
        iu, ju = np.triu_indices(n, 1)
        kk, p = np.nonzero(present[:, iu, ju])
        parts.append((np.array([kpos[who[x]] for x in kk], dtype=np.int64),
                      np.full(kk.size, g, dtype=np.int64), offsets[g] + iu[p], offsets[g] + ju[p],
                      np.log(stack[kk, iu[p], ju[p]])))
    k_all, g_all, r_all, c_all, y_all = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((c_all, r_all, k_all))
    k_all, g_all, r_all, c_all, y_all = (x[order] for x in (k_all, g_all, r_all, c_all, y_all))
    log_scale = scale_log_values(scale)
    if log_scale is not None:  # snap 0.333 to 1/3 (validate_judgments accepted it as 1/3)
        y_all = log_scale[np.abs(y_all[:, None] - log_scale[None, :]).argmin(axis=1)]
    w = expert_weight_vector(expert_weights, experts)
    w = w * (len(experts) / w.sum())
    elements = tuple(c for v in judged for c in h.children(v))
    structure_map = {v: list(h.children(v)) for v in h.internal}
    canonical = {
        "structure": structure_map, "experts": list(experts), "scale": scale,
        "expert_weights": [float(x) for x in w],
        "obs": [[experts[k], elements[r], elements[c], float(y)]
                for k, r, c, y in zip(k_all, r_all, c_all, y_all, strict=True)],
    }
    sha = hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
    return Panel(hierarchy=h, experts=experts, judged=judged, elements=elements,
                 element_node=np.repeat(np.arange(len(judged)), sizes), offsets=offsets,
                 expert=k_all, node=g_all, row=r_all, col=c_all, log_value=y_all, scale=scale,
                 scale_log=log_scale, expert_weights=w, sha256=sha)


# --------------------------------------------------------------------------- layout
@dataclass(frozen=True)
class Layout:
    """Index arrays that map the flat element vector onto the hierarchy's nodes."""

    pad_index: np.ndarray  # (G, n_max) element index per judged node, padded with 0
    pad_valid: np.ndarray  # (G, n_max) bool
    element_pad: np.ndarray  # (E,) position of element e in pad_index.ravel()
    node_source: np.ndarray  # (N,) index into [1, local weights of the elements...]
    ancestors: np.ndarray  # (N, N) 1 if column node is the row node or one of its ancestors
    parent: tuple[str, ...]  # (N,) parent id ("" for the root)


def layout(panel: Panel) -> Layout:
    """The index arrays of :class:`Layout` for ``panel``'s hierarchy."""
    h = panel.hierarchy
    sizes = panel.sizes
    G, n_max = len(panel.judged), int(sizes.max())
    pad_index = np.zeros((G, n_max), dtype=np.int64)
    pad_valid = np.zeros((G, n_max), dtype=bool)
    element_pad = np.empty(int(panel.offsets[-1]), dtype=np.int64)
    for g in range(G):
        n, a = int(sizes[g]), int(panel.offsets[g])
        pad_index[g, :n] = np.arange(a, a + n)
        pad_valid[g, :n] = True
        element_pad[a:a + n] = g * n_max + np.arange(n)
    epos = {e: p for p, e in enumerate(panel.elements)}
    nodes = h.nodes
    node_source = np.array([1 + epos[v] if v in epos else 0 for v in nodes], dtype=np.int64)
    npos = {v: p for p, v in enumerate(nodes)}
    anc = np.zeros((len(nodes), len(nodes)))
    parent = []
    for r, v in enumerate(nodes):
        u: str | None = v
        while u is not None:
            anc[r, npos[u]] = 1.0
            u = h.parent(u)
        parent.append(h.parent(v) or "")
    return Layout(pad_index, pad_valid, element_pad, node_source, anc, tuple(parent))


# --------------------------------------------------------------------------- posterior
def expert_log_priorities(mu: np.ndarray, tau: np.ndarray | None, offset: np.ndarray | None,
                          element_node: np.ndarray) -> np.ndarray:
    """``theta[s, k, e] = mu[s, e] + tau[s, node(e)] * offset[s, k, e]`` as ``(S, K * E)``."""
    if tau is None or offset is None:
        return mu
    theta = mu[:, None, :] + tau[:, None, element_node] * offset
    return theta.reshape(theta.shape[0], -1)


def obs_columns(panel: Panel, deviation: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each judgment's two columns of ``theta`` (flat ``(K * E)`` with expert deviations)."""
    E = len(panel.elements)
    if not deviation:
        return panel.row, panel.col
    return panel.expert * E + panel.row, panel.expert * E + panel.col


def judgment_bounds(panel: Panel) -> tuple[np.ndarray, np.ndarray, bool]:
    """``lower, upper, point`` as the likelihood kernels take them: each judgment's interval
    of the latent log ratio (discrete scale), or its log value twice (continuous, ``point``).
    """
    if panel.scale_log is None:
        return panel.log_value, panel.log_value, True
    lo, hi = panel.bounds()
    return lo, hi, False


def lapse_logs(lapse: np.ndarray | None, S: int) -> np.ndarray:
    """``(S, 2)``: ``log(1 - pi), log pi`` per draw (``0, -inf`` without lapses)."""
    if lapse is None:
        return np.tile([0.0, -np.inf], (S, 1))
    lapse = np.asarray(lapse, dtype=float)
    with np.errstate(divide="ignore"):
        return np.stack([np.log1p(-lapse), np.log(lapse)], axis=1)


def pointwise_loglik(panel: Panel, mu: np.ndarray, tau: np.ndarray | None,
                     z: np.ndarray | None, sigma: np.ndarray,
                     lapse: np.ndarray | None) -> np.ndarray:
    """Weighted log-likelihood of every judgment at every draw, ``(S, O)``: the model's own
    likelihood kernel, draw by draw.

    ``mu`` ``(S, E)``, ``tau`` ``(S, G)`` and ``z`` ``(S, K, E)`` (``None`` without expert
    deviations), ``sigma`` ``(S, K)``, ``lapse`` ``(S,)`` or ``None``.
    """
    S = mu.shape[0]
    out = np.empty((S, panel.n_obs))
    if tau is None or z is None:
        tau, z = np.zeros((S, 0)), np.zeros((S, 0, 0))
    lower, upper, point = judgment_bounds(panel)
    c = np.ascontiguousarray
    _loglik_draws(c(mu, dtype=float), c(tau, dtype=float), c(z, dtype=float),
                  panel.element_node, np.log(c(sigma, dtype=float)), lapse_logs(lapse, S),
                  lower, upper, point, panel.row, panel.col, panel.expert,
                  panel.expert_weights[panel.expert], panel.lapse_log_density(), out)
    return out


def replicate_judgments(panel: Panel, theta: np.ndarray, sigma: np.ndarray,
                        lapse: np.ndarray | None, rng: np.random.Generator, *,
                        row: np.ndarray, col: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Posterior predictive log-judgments ``(S, O)``: every judgment given again by its expert.

    Latent ``log a = theta_i - theta_j + sigma_k * z``, then (discrete scale) the scale value
    whose interval holds it; with probability ``lapse`` a random answer instead (uniform over
    the scale, or over ``[-R, R]`` for continuous judgments, see
    :meth:`Panel.lapse_log_density`).
    """
    S, n = theta.shape[0], panel.n_obs
    ri, ci = row, col
    out = np.empty((S, n))
    log_scale = panel.scale_log
    mid = None if log_scale is None else 0.5 * (log_scale[1:] + log_scale[:-1])
    for a in range(0, S, chunk):
        b = min(S, a + chunk)
        loc = theta[a:b, ri] - theta[a:b, ci]
        y = loc + sigma[a:b][:, panel.expert] * rng.standard_normal((b - a, n))
        if log_scale is not None:
            assert mid is not None
            y = log_scale[np.searchsorted(mid, y)]
        if lapse is not None:
            hit = rng.random((b - a, n)) < lapse[a:b, None]
            if log_scale is not None:
                rand = log_scale[rng.integers(0, log_scale.size, size=(b - a, n))]
            else:
                half = panel.lapse_half_range()
                rand = rng.uniform(-half, half, size=(b - a, n))
            y = np.where(hit, rand, y)
        out[a:b] = y
    return out


def credal_table(hierarchy: Any, judged: tuple[str, ...], draws: Mapping[str, np.ndarray],
                 columns: Mapping[str, str]) -> pd.DataFrame:
    """``P(w_i > w_j)`` for every ordered pair of siblings of every judged node.

    ``draws[name]`` is ``(S, N)`` local weights over the hierarchy's nodes (pre-order), one
    array per kind of weight; ``columns`` maps each name to its output column.
    """
    pos = {v: p for p, v in enumerate(hierarchy.nodes)}
    rows: list[tuple[Any, ...]] = []
    for v in judged:
        kids = hierarchy.children(v)
        idx = [pos[c] for c in kids]
        probs = []
        for name in columns:
            w = draws[name][:, idx]  # (S, n)
            probs.append((w[:, :, None] > w[:, None, :]).mean(axis=0))
        for a, ca in enumerate(kids):
            for b, cb in enumerate(kids):
                if a != b:
                    rows.append((v, ca, cb, *(float(p[a, b]) for p in probs)))
    return pd.DataFrame(rows, columns=["node", "element_i", "element_j", *columns.values()])
