"""The whole model's log-density and gradient on the sampler's unconstrained space in one
numba function (priors, Jacobians, the likelihood
:func:`~ahpstat._bayes_model._kernels.loglik_zero_sum`).
"""

from __future__ import annotations

import math

import numpy as np

from ahpstat._bayes_model._kernels import LOG_SQRT_2PI, loglik_zero_sum
from ahpstat._numba import njit

__all__ = ["log_density_and_grad"]

_LN2 = math.log(2.0)
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
