"""The judgments' likelihood kernels (numba): the censored-normal (interval) and normal
log-likelihood of one judgment under the lapse mixture, its total and gradient over all
judgments, per judgment and draw, and on the zero-sum parameters.

The small per-judgment functions are inlined by LLVM (``forceinline=True``), not by numba's
own IR inlining (``inline="always"``): the same speed (values and gradients bit for bit
equal), but numba's IR inlining re-types every inlined body: the model's log-density took
21 s to compile cold with it, 15 s without (``benchmarks/README.md``, 2026-12-03).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from ahpstat._bayes_model._bases import zero_sum_expand, zero_sum_reduce
from ahpstat._numba import njit

__all__ = [
    "LOG_SQRT_2PI",
    "SENTINEL",
    "log_normal_interval_scalar",
    "loglik_draw",
    "loglik_theta",
    "loglik_theta_draws",
    "loglik_value_and_grad",
    "loglik_zero_sum",
    "normal_upper_tail",
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


@njit(fastmath=False, forceinline=True)
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


@njit(fastmath=False, forceinline=True)
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


@njit(fastmath=False, forceinline=True)
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


#: beyond this many standard units the normal density and tail are taken as exactly 0 (the
#: density is below 1e-325 there; the fast path's exponential flushes below e^-708 to 0)
_ZERO = 38.7
_LOG2E = 1.0 / math.log(2.0)
#: ln 2 split in two (Cody and Waite): k * _LN2_HI is exact for |k| < 2^11
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
#: 1 / j! for j = 2..13: exp(r) on |r| <= ln 2 / 2 to a relative 1e-17 (the next term)
_INV_FACT = tuple(1.0 / math.factorial(j) for j in range(2, 14))


@intrinsic
def _as_double(typingctx, bits):  # pragma: no cover - compiled
    """The double whose IEEE bits are the int64 ``bits`` (a bitcast, vectorizable)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@intrinsic
def _fma(typingctx, a, b, c):  # pragma: no cover - compiled
    """``a * b + c`` rounded once (``llvm.fma.f64``: IEEE fused multiply-add).

    Written out, not left to the compiler (``fastmath={"contract"}``): a contracting compiler
    fuses the vectorized body of a loop and its scalar remainder differently, so a
    judgment's value would depend on its position in the array and on the CPU. The
    intrinsic is the same operation everywhere (vectorized like any arithmetic, emulated
    exactly where a CPU has no FMA unit). The Horner chains of the interval pass are made of
    it: 0.8x that pass's time (``benchmarks/README.md``, 2026-12-03 evening).
    """
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(d, [d, d, d]),
                                            "llvm.fma.f64")
        return builder.call(fn, args)

    return sig, codegen


@intrinsic
def _wide_vectors(typingctx):  # pragma: no cover - compiled
    """Ask LLVM to vectorize the calling function's loops at 512 bits where the CPU has
    AVX-512 (the function attribute ``"prefer-vector-width"="512"``); harmless elsewhere.

    LLVM otherwise keeps to 256-bit vectors on x86 CPUs with AVX-512 (its caution about their
    clock speed). The interval pass (:func:`_intervals_lapse`) is compute-bound: at 512 bits
    it takes about 0.87x the time, and its results are the same bits at any width (the same
    operations, none reassociated: ``test_interval_pass_gives_each_judgment_the_same_bits_
    wherever_it_sits``). Only there: on the density's gathers and scatter-adds the wider
    vectors gained nothing (``benchmarks/README.md``, 2026-12-04 evening).
    """
    sig = types.none()

    def codegen(context, builder, signature, args):
        # llvmlite's attribute set accepts only the attributes without a value; this one is
        # written into the IR as LLVM reads it. Should a later llvmlite refuse it, the pass
        # compiles at the default width (the same values)
        try:
            set.add(builder.function.attributes, '"prefer-vector-width"="512"')
        except Exception:  # pragma: no cover - another llvmlite
            pass
        return context.get_dummy_value()

    return sig, codegen


@njit(fastmath=False, forceinline=True)
def _exp_nonpositive(x):  # pragma: no cover - compiled
    """``exp(x)`` for ``x <= 0`` in arithmetic only (no library call, so that loops of it
    vectorize): ``x = k ln 2 + r``, a degree-13 Taylor polynomial of ``exp(r)``, ``2^k`` built
    from its bits; 0 below ``-708`` (where ``exp`` leaves the normal doubles). Within 2 units
    in the last place of ``math.exp`` (``tests/test_bayes_kernel.py``).
    """
    xc = max(x, -708.0)
    kf = math.floor(xc * _LOG2E + 0.5)
    r = (xc - kf * _LN2_HI) - kf * _LN2_LO
    c = _INV_FACT
    q = _fma(c[11], r, c[10])
    q = _fma(q, r, c[9])
    q = _fma(q, r, c[8])
    q = _fma(q, r, c[7])
    q = _fma(q, r, c[6])
    q = _fma(q, r, c[5])
    q = _fma(q, r, c[4])
    q = _fma(q, r, c[3])
    q = _fma(q, r, c[2])
    q = _fma(q, r, c[1])
    q = _fma(q, r, c[0])
    er = 1.0 + r + r * r * q
    scale = _as_double((np.int64(kf) + 1023) << 52)
    return er * scale if x >= -708.0 else 0.0


@njit(fastmath=False, forceinline=True)
def _tail_ratio(x):  # pragma: no cover - compiled
    """``(n, d, e)`` with ``Q(x) = n / d`` and ``e = exp(-x^2 / 2)`` for ``x >= 0``: Cody's
    three ranges of :func:`normal_upper_tail` as fractions (the third multiplied through by
    ``t^6``, ``t = x^2 / 2``, so that it needs no division), all three evaluated and one
    selected (no branch, so that loops of it vectorize); ``(0, 1, 0)`` beyond ``_ZERO``.
    """
    xc = min(x, _ZERO)
    e = _exp_nonpositive(-0.5 * xc * xc)
    y = xc * _SQRT1_2
    s = y * y
    # Horner's rule in fused multiply-adds (:func:`_fma`)
    ns = _fma(_fma(_fma(_fma(_CA[4], s, _CA[0]), s, _CA[1]), s, _CA[2]), s, _CA[3])
    ds = _fma(_fma(_fma(s + _CB[0], s, _CB[1]), s, _CB[2]), s, _CB[3])
    nm = _fma(_fma(_fma(_fma(_fma(_fma(_fma(_CC[8], y, _CC[0]), y, _CC[1]), y, _CC[2]), y,
                                   _CC[3]), y, _CC[4]), y, _CC[5]), y, _CC[6])
    dm = _fma(_fma(_fma(_fma(_fma(_fma(y + _CD[0], y, _CD[1]), y, _CD[2]), y, _CD[3]), y,
                             _CD[4]), y, _CD[5]), y, _CD[6])
    # third range, 1 / y^2 = 1 / s: s R(1 / s) with R = P / Q of degree 5 is nf / (s df)
    nf = _fma(_fma(_fma(_fma(_fma(_CP[4], s, _CP[3]), s, _CP[2]), s, _CP[1]), s, _CP[0]),
              s, _CP[5])
    df = _fma(_fma(_fma(_fma(_fma(_CQ[4], s, _CQ[3]), s, _CQ[2]), s, _CQ[1]), s, _CQ[0]),
              s, 1.0)
    sdf = s * df
    small, mid, zero = y <= 0.46875, y <= 4.0, x > _ZERO
    n = (0.5 * (ds - y * ns) if small else 0.5 * e * _fma(nm, y, _CC[7]) if mid
         else 0.5 * e * (_INV_SQRT_PI * sdf - nf))
    d = ds if small else _fma(dm, y, _CD[7]) if mid else y * sdf
    return (0.0 if zero else n), (1.0 if zero else d), (0.0 if zero else e)


@njit(fastmath=False, forceinline=True)
def _interval_lapse_fast(a, b, keep, lapse_u):  # pragma: no cover - compiled
    """:func:`_interval_lapse` in arithmetic only (no call, no branch: loops of it vectorize)
    and with two divisions instead of three: ``(p, dll/dloc * sd, dll/dlog sd, share)``,
    ``p`` the probability (not its log).

    ``Q(|a|) = na / da`` and ``Q(|b|) = nb / db`` (:func:`_tail_ratio`), so ``P`` is one
    fraction over ``da db`` whichever side of 0 the interval lies: ``Q(a) - Q(b)`` above 0,
    ``Q(-b) - Q(-a)`` below, ``1 - Q(-a) - Q(b)`` across it (no cancellation against 1 on
    either side, as in :func:`_interval_lapse`).
    """
    na, da, ea = _tail_ratio(abs(a))
    nb, db, eb = _tail_ratio(abs(b))
    pn = (na * db - nb * da if a >= 0.0 else nb * da - na * db if b <= 0.0
          else da * db - na * db - nb * da)
    pd = da * db
    kn = keep * pn
    num = kn + lapse_u * pd
    p = num / pd
    inum = 1.0 / num
    ip = pd * inum
    fa = keep * _INV_SQRT_2PI * ea
    fb = keep * _INV_SQRT_2PI * eb
    return p, (fa - fb) * ip, (a * fa - b * fb) * ip, kn * inum


@njit(fastmath=False)
def _intervals_lapse(ab, keep, lapse_u, out):  # pragma: no cover - compiled
    """:func:`_interval_lapse_fast` of every judgment: ``ab`` ``(2, n)`` their standardised
    interval ends, ``out`` ``(4, n)`` (one loop without calls or branches: vectorized, at
    512 bits where the CPU has them: :func:`_wide_vectors`).
    """
    _wide_vectors()
    for o in range(ab.shape[1]):
        p, g, dls, share = _interval_lapse_fast(ab[0, o], ab[1, o], keep, lapse_u)
        out[0, o] = p
        out[1, o] = g
        out[2, o] = dls
        out[3, o] = share


@njit(fastmath=False, forceinline=True)
def _standardised_ends(theta, isd, lower, upper, row, col, k, ab):  # pragma: no cover
    """``ab[:, o]``: judgment ``o``'s interval ends in standard units of its expert's error,
    ``((lower - loc) / sd, (upper - loc) / sd)``, ``loc = theta[k, row] - theta[k, col]``.
    """
    for o in range(row.size):
        kk = np.uint64(k[o])  # unsigned indices: no negative-index wraparound code
        loc = theta[kk, np.uint64(row[o])] - theta[kk, np.uint64(col[o])]
        s = isd[kk]
        ab[0, o] = (lower[o] - loc) * s
        ab[1, o] = (upper[o] - loc) * s


@njit(fastmath=False, nogil=True)
def loglik_theta_draws(mu, tau, z, enode, log_sigma, kl, lower, upper, point, row, col, k,
                       weight, log_u, out):  # pragma: no cover - compiled
    """:func:`loglik_draw` at every draw (the rows of ``mu``, ``tau``, ``z``, ``log_sigma``,
    ``kl`` and ``out``), computed as the density computes it (:func:`loglik_theta`): per
    draw the experts' log-priorities ``theta[k] = mu + tau[node] z[k]``, then, for discrete
    judgments under a lapse, the vectorized interval probabilities and one ``log`` each;
    other cases per judgment as :func:`_judgment`. ``z`` ``(S, 0, 0)`` without deviations.
    """
    S, n = out.shape
    K = log_sigma.shape[1]
    E = mu.shape[1]
    deviation = z.shape[1] > 0
    theta = np.empty((K, E))
    ab = np.empty((2, n))
    res = np.empty((4, n))
    for s in range(S):
        for kk in range(K):
            for e in range(E):
                theta[kk, e] = mu[s, e] + tau[s, enode[e]] * z[s, kk, e] if deviation \
                    else mu[s, e]
        keep = math.exp(kl[s, 0])
        lapse_u = math.exp(kl[s, 1] + log_u)
        isd = np.exp(-log_sigma[s])
        if lapse_u > 0.0 and not point:
            _standardised_ends(theta, isd, lower, upper, row, col, k, ab)
            _intervals_lapse(ab, keep, lapse_u, res)
            for o in range(n):
                out[s, o] = weight[o] * math.log(res[0, o])
        else:
            for o in range(n):
                kk = k[o]
                ll = _judgment(theta[kk, row[o]] - theta[kk, col[o]], isd[kk],
                               log_sigma[s, kk], keep, lapse_u, lower[o], upper[o], point)[0]
                out[s, o] = weight[o] * ll


#: a run's product of probabilities is turned into its log before it falls below this
_FLUSH = 1.0e-200


@njit(fastmath=False)
def loglik_theta(theta, log_sigma, kl, lower, upper, point, row, col, k, weight, log_u,
                 d_theta, d_ls, d_kl):  # pragma: no cover - compiled
    """Total weighted log-likelihood on the experts' log-priorities ``theta`` ``(K, E)``
    (``theta[k] = mu + tau[node] z[k]``), its gradient added to ``d_theta``, ``d_ls`` (per
    expert) and ``d_kl`` (``log(1 - pi)``, ``log pi``).

    The same likelihood as :func:`loglik_value_and_grad`, organised for speed: two gathers and
    two scatter-adds per judgment; discrete judgments under a lapse in three passes: their
    standardised interval ends (gathers), the probabilities and derivatives in one loop of
    arithmetic that the compiler vectorizes (:func:`_intervals_lapse`: no ``exp`` or ``erfc``
    call, two divisions), then per run of one expert's judgments with one weight (the panel's
    order: by expert) a product of the probabilities with one ``log`` (or one before the
    product could underflow) and the scatter-adds. Other cases (continuous judgments, no
    lapse) per judgment as :func:`_judgment`.
    """
    keep = math.exp(kl[0])
    lapse_u = math.exp(kl[1] + log_u)
    n = row.size
    isd = np.exp(-log_sigma)
    total = 0.0
    kept = 0.0
    weights = 0.0
    if lapse_u > 0.0 and not point:
        ab = np.empty((2, n))
        _standardised_ends(theta, isd, lower, upper, row, col, k, ab)
        res = np.empty((4, n))
        _intervals_lapse(ab, keep, lapse_u, res)
        o = 0
        while o < n:
            kk, w = k[o], weight[o]
            ukk = np.uint64(kk)  # unsigned indices: no negative-index wraparound code
            gs = w * isd[kk]
            prod, run_log, run_dls, run_share = 1.0, 0.0, 0.0, 0.0
            m = 0
            # the row element's gradient in a register while consecutive judgments share
            # their row (a matrix's judgments, row by row): the same additions in the same
            # order as adding into memory each time (a judgment's column is never its row),
            # without a store and a reload between them
            r_acc = np.uint64(row[o])
            acc = d_theta[ukk, r_acc]
            # (unsigned indices, all >= 0: no negative-index wraparound code)
            while o < n and k[np.uint64(o)] == kk and weight[np.uint64(o)] == w:
                uo = np.uint64(o)
                p = res[0, uo]
                if p < 1.0e-100:  # only with a lapse probability below about 1e-98
                    run_log += math.log(p)
                else:
                    prod *= p
                    if prod < _FLUSH:
                        run_log += math.log(prod)
                        prod = 1.0
                gl = gs * res[1, uo]
                r = np.uint64(row[uo])
                if r != r_acc:
                    d_theta[ukk, r_acc] = acc
                    r_acc = r
                    acc = d_theta[ukk, r]
                acc += gl
                d_theta[ukk, np.uint64(col[uo])] -= gl
                run_dls += res[2, uo]
                run_share += res[3, uo]
                m += 1
                o += 1
            d_theta[ukk, r_acc] = acc
            total += w * (run_log + math.log(prod))
            d_ls[kk] += w * run_dls
            kept += w * run_share
            weights += w * m
    else:
        for o in range(n):
            kk, r, c = k[o], row[o], col[o]
            ll, g, dls, share = _judgment(theta[kk, r] - theta[kk, c], isd[kk],
                                          log_sigma[kk], keep, lapse_u, lower[o], upper[o],
                                          point)
            w = weight[o]
            total += w * ll
            gl = w * g
            d_theta[kk, r] += gl
            d_theta[kk, c] -= gl
            d_ls[kk] += w * dls
            kept += w * share
            weights += w
    if lapse_u > 0.0:
        d_kl[0] += kept
        d_kl[1] += weights - kept
    return total


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
