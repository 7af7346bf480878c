"""The whole model's log-density and gradient on the sampler's unconstrained space in one
numba function (priors, Jacobians, the likelihood
:func:`~ahpstat._bayes_model._kernels.loglik_theta` on the experts' log-priorities).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numba
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic

from ahpstat._bayes_model._bases import expand_row, helmert_scales, reduce_row_add
from ahpstat._bayes_model._kernels import LOG_SQRT_2PI, loglik_theta
from ahpstat._numba import njit

__all__ = ["density_cached", "density_cfuncs", "density_in_cache", "density_loaded",
           "density_user_data", "log_density_and_grad", "marginal_density_and_grad"]

_LN2 = math.log(2.0)
#: a log-density's layout flags (``flags`` of :func:`log_density_and_grad`)
_DEVIATION, _SHARED, _LAPSE = 0, 1, 2
#: its prior constants (``priors``): priority_sigma, tau_sigma, log_sigma_mu's mu and sigma,
#: log_sigma_sd, the lapse's alpha and beta, and (optional, a measurement of a bounded
#: variant, not the model) a lower bound of the experts' sigma_k
_PS, _TS, _LM, _LS, _LSD, _LA, _LB, _SMIN = range(8)


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

    The same density as the PyMC model that :func:`ahpstat._bayes_ops.build_model` writes (its
    ``model.logp()``: priors, the log / log-odds transforms' Jacobians, the likelihood of
    :func:`~ahpstat._bayes_model._kernels.loglik_zero_sum`), computed in one compiled function
    (hence its length: every layout of the model in one place): no PyTensor graph to compile and
    no per-op overhead per gradient. The likelihood is evaluated on the experts' log-priorities
    ``theta[k] = mu + tau[node] z[k]`` (:func:`loglik_theta`: two gathers per judgment, the
    interval probabilities in a vectorized loop), the Helmert bases applied node by node with a
    table of their scales (:func:`helmert_scales`). ``x`` holds, in the PyMC model's order of
    its free variables: ``log_priority_raw`` ``(F,)``; with expert deviations ``log tau``
    ``(G,)`` and ``expert_offset_raw`` ``(K, F)``; ``log sigma_shared`` (``flags[_SHARED]``) or
    ``log_sigma_mu``, ``log log_sigma_sd`` and ``sigma_offset`` ``(K,)``; the lapse's log-odds
    (``flags[_LAPSE]``); with deviations ``new_expert_offset`` ``(E,)``.
    ``sizes = (F, G, K, E)``; ``priors`` the 7 prior constants, or 8 with a lower bound of
    ``sigma_k`` (a measurement hook: ``sigma_k = sigma_min + exp(m + s u_k)``). Writes ``grad``
    (same shape as ``x``); returns the log-density.
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
        for i in range(K * F):
            v = x[o + i]
            lp -= 0.5 * v * v
            grad[o + i] = -v
        lp -= K * F * LOG_SQRT_2PI
        o += K * F
    log_sigma = np.empty(K)
    jac = np.ones(K)
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
        if priors.size > _SMIN and priors[_SMIN] > 0.0:
            # sigma_k = sigma_min + exp(m + sd u_k): d log sigma_k / d(m + sd u_k) = jac_k
            for kk in range(K):
                ev = math.exp(log_sigma[kk])
                sk = priors[_SMIN] + ev
                jac[kk] = ev / sk
                log_sigma[kk] = math.log(sk)
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
    # the experts' log-priorities theta[k] = mu + tau[node] z[k], mu = B eta, z[k] = B zeta_k
    # (B the Helmert bases, applied node by node: a running sum, scales from a table)
    scales = helmert_scales(offsets)
    mu = np.empty(E)
    # an int64 0, not the literal: numba compiles a function once more for a literal
    # argument (seconds of a cold compile), and the bases are called with int64 offsets
    # everywhere else (one signature each, see ``_bases``)
    o_eta = np.int64(0)
    expand_row(x, o_eta, offsets, scales, mu)
    theta = np.empty((K, E))
    z = np.empty((K if dev else 0, E))
    # tau of each element's node (one gather per element, not per expert and element)
    tau_e = np.empty(E if dev else 0)
    if dev:
        for e in range(E):
            tau_e[e] = tau[enode[e]]
    for kk in range(K):
        if dev:
            zk, tk = z[kk], theta[kk]
            expand_row(x, o_z + kk * F, offsets, scales, zk)
            for e in range(E):  # contiguous, from 0: a vectorized loop
                tk[e] = mu[e] + tau_e[e] * zk[e]
        else:  # a loop, not ``theta[kk] = mu``: an array assignment costs seconds of
            # compilation (numba's shape-mismatch error message)
            for e in range(E):
                theta[kk, e] = mu[e]
    d_theta = np.zeros((K, E))
    d_ls = np.zeros(K)
    d_kl = np.zeros(2)
    lp += loglik_theta(theta, log_sigma, kl, lower, upper, point, row, col, k, weight, log_u,
                       d_theta, d_ls, d_kl)
    # back through theta and the bases, one pass per expert: d mu = sum_k d theta[k],
    # d z[k] = tau d theta[k], d tau[g] = sum_k d theta[k] . z[k] over node g's elements
    d_mu = np.zeros(E)
    if dev:
        d_z = np.empty(E)
        d_tau = np.zeros(G)
        dz_e = np.empty(E)
        for kk in range(K):
            dk, zk = d_theta[kk], z[kk]
            for e in range(E):  # contiguous, from 0: a vectorized loop
                v = dk[e]
                d_mu[e] += v
                dz_e[e] = v * zk[e]
                d_z[e] = tau_e[e] * v
            for g in range(G):  # node by node, d_tau[g]'s sum in a register (same order)
                acc = d_tau[g]
                for e in range(offsets[g], offsets[g + 1]):
                    acc += dz_e[np.uint64(e)]  # unsigned: no wraparound code
                d_tau[g] = acc
            reduce_row_add(d_z, offsets, scales, grad, o_z + kk * F)
        for g in range(G):
            grad[o_tau + g] += d_tau[g] * tau[g]
    else:
        for kk in range(K):
            dk = d_theta[kk]
            for e in range(E):
                d_mu[e] += dk[e]
    reduce_row_add(d_mu, offsets, scales, grad, o_eta)
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
            dk = d_ls[kk] * jac[kk]
            s += dk
            su += dk * x[o_s + 2 + kk]
            grad[o_s + 2 + kk] += sd * dk
        grad[o_s] += s
        grad[o_s + 1] += sd * su
    if lapse:
        grad[o_l] += (1.0 - pi) * d_kl[1] - pi * d_kl[0]
    return lp


# numba's own inlining (its IR, typed again in the caller), unlike the kernels' LLVM
# inlining (``ahpstat._bayes_model._kernels``): the C callback is this function's one compiled
# caller, and numba otherwise generates the machine code of everything it calls once for it
# and once more for the callback; inlined, the density compiles in about 0.88x the time, the
# same values and gradients bit for bit (``benchmarks/README.md``, 2026-12-04 15:40)
@njit(fastmath=False, nogil=True, inline="always")
def marginal_density_and_grad(y, grad, flags, priors, sizes, enode, offsets, lower, upper,
                              point, row, col, k, weight, log_u):  # pragma: no cover - compiled
    """The model's log-density with the experts' mean offset integrated out (the coordinates
    nutpie samples when the experts deviate from the panel), and its gradient.

    In the model's own coordinates (:func:`log_density_and_grad`) the experts' offsets are
    ``zeta[k] ~ N(0, I)`` and ``theta[k] = mu + tau zeta[k]`` (per free value, ``tau`` of its
    node). Write ``zeta[k] = zbar + d[k]`` with ``zbar`` the experts' mean and ``d`` summing
    to zero over the experts (``d = H_K u``, ``H_K`` the Helmert basis of ``K`` experts,
    ``u`` ``(K - 1, F)`` standard normal), and ``m = mu + tau zbar``: then
    ``theta[k] = m + tau d[k]`` does not involve ``zbar``, and integrating ``zbar`` out of the
    priors ``mu ~ N(0, ps^2)``, ``zbar ~ N(0, 1 / K)`` leaves ``m ~ N(0, ps^2 + tau^2 / K)``.
    This density is that marginal, exactly (the joint of ``(m, zbar, u)`` has the constant
    Jacobian ``sqrt(K)`` per free value); ``zbar`` given ``(m, tau)`` is normal
    (:func:`~ahpstat.bayes._compiled.canonical_draws` draws it afterwards). It removes the
    direction along which ``mu`` and every expert's offset move together (``mu + delta``,
    ``zeta[k] - delta / tau``), which the data leave to the prior and a diagonal mass matrix
    cannot follow.

    The new expert's offsets ``new_expert_offset`` ``(E,)``, independent standard normals
    that no judgment informs, are integrated out too (drawn exactly afterwards, not by the
    sampler).

    ``y`` holds ``m`` ``(F,)``, ``log tau`` ``(G,)``, ``u`` ``(K - 1, F)``, then the other
    free variables as :func:`log_density_and_grad` orders them but the last, the new
    expert's offsets; ``flags[_DEVIATION]`` must be set (NaN otherwise). Writes ``grad``;
    returns the log-density.
    """
    if flags[_DEVIATION] == 0:  # no experts' offsets to integrate out: not this layout
        return np.nan
    F, G, K, E = sizes[0], sizes[1], sizes[2], sizes[3]
    n_rest = y.size - F - G - (K - 1) * F
    n = F + G + K * F + n_rest + E
    x = np.empty(n)
    gx = np.empty(n)
    for i in range(n - E, n):  # the new expert's offsets (not sampled): at 0
        x[i] = 0.0
    for i in range(F + G):
        x[i] = y[i]
    o_u, o_z = F + G, F + G
    kscale = helmert_scales(np.array([0, K]))  # H_K's column scales, one "node" of K
    # zeta = H_K u, contrast by contrast (a running sum over the experts, as expand_row)
    # (the experts outer, the contrasts inner: each contrast's running sum in ``run``, the
    # same operations in the same order per contrast, vectorized over the contrasts)
    run = np.zeros(F)
    for i in range(K - 1, 0, -1):
        ks, fi = kscale[i], float(i)
        yi, xi = o_u + (i - 1) * F, o_z + i * F
        for f in range(F):  # (unsigned indices, all >= 0: no wraparound code)
            v = y[np.uint64(yi + f)] * ks
            x[np.uint64(xi + f)] = run[f] - fi * v
            run[f] += v
    for f in range(F):
        x[o_z + f] = run[f]
    for i in range(n_rest):
        x[o_z + K * F + i] = y[o_u + (K - 1) * F + i]
    lp = log_density_and_grad(x, gx, flags, priors, sizes, enode, offsets, lower, upper, point,
                              row, col, k, weight, log_u)
    for i in range(F + G):
        grad[i] = gx[i]
    # u's gradient: H_K' (zeta's gradient), the experts outer as above
    for f in range(F):
        run[f] = gx[o_z + f]
    for i in range(1, K):
        ks, fi = kscale[i], float(i)
        gi, ui = o_z + i * F, o_u + (i - 1) * F
        for f in range(F):  # (unsigned indices, all >= 0: no wraparound code)
            gf = gx[np.uint64(gi + f)]
            grad[np.uint64(ui + f)] = (run[f] - fi * gf) * ks
            run[f] += gf
    for i in range(n_rest):
        grad[o_u + (K - 1) * F + i] = gx[o_z + K * F + i]
    # the priors: zeta's K F normals were counted, u has (K - 1) F; the new expert's E
    # offsets, at 0, are not sampled; mu's N(0, ps^2) becomes m's N(0, ps^2 + tau^2 / K)
    ps = priors[_PS]
    ps2 = ps * ps
    lp += (F + E) * LOG_SQRT_2PI
    log_ps = math.log(ps)
    for g in range(G):
        t = math.exp(y[F + g])
        t2k = t * t / K
        v = ps2 + t2k
        log_v = math.log(v)
        dt = 0.0
        for f in range(offsets[g] - g, offsets[g + 1] - g - 1):
            m = y[f]
            lp += 0.5 * m * m / ps2 + log_ps - 0.5 * m * m / v - 0.5 * log_v
            grad[f] += m / ps2 - m / v
            dt += m * m * t2k / (v * v) - t2k / v
        grad[F + g] += dt
    return lp


# --------------------------------------------------------------------------- C callbacks
#: the header of the user data (int64) that the C callbacks read: the parameter count, the
#: layout flags, ``point``, ``sizes``, the judgment count, then the addresses of the data
_DIM, _FLAGS, _POINT, _SIZES, _NOBS = 0, 1, 4, 5, 9
_A_PRIORS, _A_ENODE, _A_OFFSETS, _A_LOWER, _A_UPPER, _A_ROW, _A_COL, _A_K, _A_W, _A_LOGU, \
    _A_TRANSFORM = range(10, 21)
_N_PRIORS = 21  # the length of ``priors``
_MARGINAL = 22  # 1: :func:`marginal_density_and_grad`, 0: :func:`log_density_and_grad`
_N_META = 23


@intrinsic
def _void_pointer(typingctx, address):  # pragma: no cover - compiled
    """The ``void *`` at an integer address (the C callbacks' data arrays)."""
    sig = types.voidptr(address)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], cgutils.voidptr_t)

    return sig, codegen


def _logp_c(dim, x_, out_, logp_, user_data):  # pragma: no cover - compiled
    """The C log-density callback for nutpie: :func:`log_density_and_grad` (or
    :func:`marginal_density_and_grad`, as the header says) on the data that ``user_data``
    points to (:func:`density_user_data`); 0 on success, 3 (gradient) or 4
    (value) when not finite, -1 on a wrong dimension.
    """
    meta = numba.carray(user_data, (_N_META,), np.int64)
    if dim != meta[_DIM]:
        return -1
    E, G, n_obs = meta[_SIZES + 3], meta[_SIZES + 1], meta[_NOBS]
    x = numba.carray(x_, (dim,))
    out = numba.carray(out_, (dim,))
    f64, i64 = np.float64, np.int64
    priors = numba.carray(_void_pointer(meta[_A_PRIORS]), (meta[_N_PRIORS],), f64)
    enode = numba.carray(_void_pointer(meta[_A_ENODE]), (E,), i64)
    offsets = numba.carray(_void_pointer(meta[_A_OFFSETS]), (G + 1,), i64)
    lower = numba.carray(_void_pointer(meta[_A_LOWER]), (n_obs,), f64)
    upper = numba.carray(_void_pointer(meta[_A_UPPER]), (n_obs,), f64)
    row = numba.carray(_void_pointer(meta[_A_ROW]), (n_obs,), i64)
    col = numba.carray(_void_pointer(meta[_A_COL]), (n_obs,), i64)
    k = numba.carray(_void_pointer(meta[_A_K]), (n_obs,), i64)
    weight = numba.carray(_void_pointer(meta[_A_W]), (n_obs,), f64)
    log_u = numba.carray(_void_pointer(meta[_A_LOGU]), (1,), f64)
    if meta[_MARGINAL] != 0:
        val = marginal_density_and_grad(x, out, meta[_FLAGS:_FLAGS + 3], priors,
                                        meta[_SIZES:_SIZES + 4], enode, offsets, lower, upper,
                                        meta[_POINT] != 0, row, col, k, weight, log_u[0])
    else:
        val = log_density_and_grad(x, out, meta[_FLAGS:_FLAGS + 3], priors,
                                   meta[_SIZES:_SIZES + 4], enode, offsets, lower, upper,
                                   meta[_POINT] != 0, row, col, k, weight, log_u[0])
    logp = numba.carray(logp_, (1,))
    logp[0] = val
    for i in range(dim):
        if not np.isfinite(out[i]):
            return 3
    if not np.isfinite(val):
        return 4
    return 0


def _expand_c(dim, n_expanded, x_, out_, user_data):  # pragma: no cover - compiled
    """The C expansion callback for nutpie: the free variables on their own scale (``exp``
    of a log-transformed one, the logistic of a log-odds one).
    """
    meta = numba.carray(user_data, (_N_META,), np.int64)
    if dim != meta[_DIM] or n_expanded != dim:
        return -1
    x = numba.carray(x_, (dim,))
    out = numba.carray(out_, (dim,))
    tr = numba.carray(_void_pointer(meta[_A_TRANSFORM]), (dim,), np.int64)
    for i in range(dim):
        if tr[i] == 1:
            out[i] = math.exp(x[i])
        elif tr[i] == 2:
            out[i] = 1.0 / (1.0 + math.exp(-x[i]))
        else:
            out[i] = x[i]
    return 0


_LOGP_SIG = types.int64(types.uint64, types.CPointer(types.double),
                        types.CPointer(types.double), types.CPointer(types.double),
                        types.voidptr)
_EXPAND_SIG = types.int64(types.uint64, types.uint64, types.CPointer(types.double),
                          types.CPointer(types.double), types.voidptr)


@functools.cache
def density_cfuncs() -> tuple[Any, Any]:
    """The compiled C callbacks ``(logp, expand)`` for nutpie (``.address`` each).

    Compiled on first use, then loaded from numba's disk cache in later processes: the data
    are not part of the code (they come through the user-data pointer), so the same machine
    code serves every panel.
    """
    out = []
    for func, sig in ((_logp_c, _LOGP_SIG), (_expand_c, _EXPAND_SIG)):
        try:
            out.append(numba.cfunc(sig, nopython=True, nogil=True, error_model="numpy",
                                   cache=True)(func))
        except RuntimeError:  # no writable cache location
            out.append(numba.cfunc(sig, nopython=True, nogil=True, error_model="numpy")(func))
    return out[0], out[1]


def density_loaded() -> bool:
    """Whether this process holds the compiled C callbacks already (:func:`density_cfuncs`)."""
    return density_cfuncs.cache_info().currsize > 0


def density_cached() -> bool:
    """Whether numba keeps the density's compiled code in an on-disk cache here (a writable
    cache location, :func:`ahpstat._numba.njit`), so that what another process compiles is
    loaded by this one.
    """
    from numba.core.caching import NullCache

    return not isinstance(getattr(log_density_and_grad, "_cache", NullCache()), NullCache)


def density_in_cache() -> bool:
    """Whether numba's on-disk cache holds compiled C callbacks (:func:`density_cfuncs`) for
    this source already, so that this process loads them in a fraction of a second.

    Read from the cache's index (numba's ``FunctionCache``, as the callbacks use it): ``False``
    when there is none, it is for other source, or it cannot be read.
    """
    try:
        from numba.core.caching import FunctionCache

        return all(bool(FunctionCache(f)._cache_file._load_index()) for f in (_logp_c, _expand_c))
    except Exception:  # no cache location, an unreadable index, another numba
        return False


def density_user_data(n_dim: int, flags: np.ndarray, priors: np.ndarray, sizes: np.ndarray,
                      data: tuple[Any, ...], transform: np.ndarray,
                      marginal: bool = False) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """The user data of :func:`density_cfuncs`: ``(meta, arrays)``, ``meta`` the int64 header
    whose address nutpie passes to the callbacks, ``arrays`` the data it points into (keep
    them alive as long as ``meta``). ``data`` as :func:`log_density_and_grad` takes it
    (``enode, offsets, lower, upper, point, row, col, k, weight, log_u``); ``transform`` per
    parameter 0 (none), 1 (log) or 2 (log-odds); ``marginal``: the callback computes
    :func:`marginal_density_and_grad` (``n_dim`` its parameter count).
    """
    enode, offsets, lower, upper, point, row, col, k, weight, log_u = data
    c = np.ascontiguousarray
    arrays = (c(priors, dtype=np.float64), c(enode, dtype=np.int64),
              c(offsets, dtype=np.int64), c(lower, dtype=np.float64),
              c(upper, dtype=np.float64), c(row, dtype=np.int64), c(col, dtype=np.int64),
              c(k, dtype=np.int64), c(weight, dtype=np.float64),
              np.array([log_u], dtype=np.float64), c(transform, dtype=np.int64))
    meta = np.zeros(_N_META, dtype=np.int64)
    meta[_DIM] = n_dim
    meta[_FLAGS:_FLAGS + 3] = flags
    meta[_POINT] = int(bool(point))
    meta[_SIZES:_SIZES + 4] = sizes
    meta[_NOBS] = np.asarray(lower).size
    meta[_N_PRIORS] = arrays[0].size
    meta[_MARGINAL] = int(bool(marginal))
    meta[_A_PRIORS:_A_TRANSFORM + 1] = [a.ctypes.data for a in arrays]
    return meta, arrays
