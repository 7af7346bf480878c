"""The convergence diagnostics of :func:`arviz.summary` (``kind="diagnostics"``), computed for
every parameter of a variable at once.

``arviz.summary`` computes them parameter by parameter in Python (``_multichain_statistics``:
five effective sample sizes, two rank normalizations and two R-hats each), about 2.8 ms per
parameter: 1.3 s for the 477 parameters of 100 experts' result, on the fit's path after
sampling; and it compiles its variance with numba in every new process (0.37 s). Here the
same formulas (Vehtari, Gelman, Simpson, Carpenter and Buerkner 2021, as ArviZ 0.x
implements them: split chains, rank normalization with Blom's offset, the folded R-hat,
Geyer's initial monotone sequence on FFT autocovariances, R's type-7 quantiles for the tail
ESS, ArviZ's one-pass variances) run on arrays ``(parameter, chain, draw)``; only Geyer's
truncation loop runs per parameter. ``tests/test_bayes_convergence.py`` checks the values
against ``arviz.summary``.

A parameter with a NaN or an infinite draw, or fewer than 4 draws per chain, is left to
ArviZ's own per-parameter function (the same values as before).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["METRICS", "multichain_diagnostics"]

#: the rows of :func:`multichain_diagnostics`, in ``arviz.summary``'s order
METRICS = ("mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat")


def multichain_diagnostics(x: np.ndarray) -> np.ndarray:
    """``(5, P)``: :data:`METRICS` of each parameter of ``x`` ``(chain, draw, P)``, as
    ``arviz.summary(..., kind="diagnostics")`` gives them.

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> d = multichain_diagnostics(g.normal(size=(4, 500, 3)))
    >>> d.shape, bool((np.abs(d[4] - 1) < 0.02).all())  # R-hat near 1 for iid chains
    ((5, 3), True)
    """
    x = np.asarray(x, dtype=float)
    C, D = x.shape[0], x.shape[1]
    x = x.reshape(C, D, -1)
    P = x.shape[2]
    out = np.full((len(METRICS), P), np.nan)
    finite = np.isfinite(x).all(axis=(0, 1))
    if D < 4 or not finite.all():
        from arviz.stats.diagnostics import _multichain_statistics

        for p in range(P) if D < 4 else np.flatnonzero(~finite):
            out[:, p] = _multichain_statistics(x[:, :, p])
        if D < 4:
            return out
    cols = np.flatnonzero(finite)
    if cols.size:  # one parameter's draws contiguous: (P, chain, draw), as ArviZ has them
        # a constant parameter's R-hat is 0 / 0 (NaN, as ArviZ's): numpy's error state is the
        # thread's own, unlike a warnings filter, which other threads can change meanwhile
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, cols] = _diagnostics(
                np.ascontiguousarray(np.moveaxis(x[:, :, cols], 2, 0)))
    return out


def _diagnostics(x: np.ndarray) -> np.ndarray:
    """:func:`multichain_diagnostics` of finite draws ``(P, chain, draw)``, at least 4 per
    chain.
    """
    P, C, D = x.shape
    z_split = _z_scale(_split(x))
    # tail ESS: the 5 % and 95 % quantiles (R's type 7) of each parameter's pooled draws
    q05, q95 = _quantile(x, 0.05), _quantile(x, 0.95)
    ess_tail = np.minimum(_ess(_split((x <= q05[:, None, None]).astype(float))),
                          _ess(_split((x <= q95[:, None, None]).astype(float))))
    if C < 2:
        r_hat = np.full(P, np.nan)
    else:
        folded = np.abs(x - np.median(x.reshape(P, C * D), axis=1)[:, None, None])
        r_hat = np.maximum(_rhat(z_split), _rhat(_z_scale(_split(folded))))
    n = C * D
    centred2 = (x - x.reshape(P, n).mean(axis=1)[:, None, None]) ** 2
    c2_sum = centred2.reshape(P, n).sum(axis=1)
    mcse_mean = np.sqrt(c2_sum / (n - 1) / _ess(_split(x)))
    ess_bulk = _ess(z_split)
    evar = c2_sum / n
    varvar = (((centred2 ** 2).reshape(P, n).mean(axis=1) - evar ** 2)
              / _ess(_split(centred2)))
    mcse_sd = np.sqrt(varvar / evar / 4)
    return np.stack([mcse_mean, mcse_sd, ess_bulk, ess_tail, r_hat])


def _split(x: np.ndarray) -> np.ndarray:
    """ArviZ's ``_split_chains`` of each parameter: each chain's first and last halves as
    chains of their own (all first halves, then all second halves).
    """
    half = x.shape[2] // 2
    return np.concatenate([x[:, :, :half], x[:, :, x.shape[2] - half:]], axis=1)


def _z_scale(x: np.ndarray) -> np.ndarray:
    """Rank normalization of each parameter's draws: average ranks over all its chains and
    draws, Blom's offset ``(r - 3/8) / (N + 1/4)``, the standard normal quantile.
    """
    from scipy import stats

    P, C, D = x.shape
    rank = stats.rankdata(x.reshape(P, C * D), method="average", axis=1)
    c = 3 / 8
    return np.asarray(stats.norm.ppf((rank - c) / (C * D - 2 * c + 1))).reshape(P, C, D)


def _quantile(x: np.ndarray, q: float) -> np.ndarray:
    """``scipy.stats.mstats.mquantiles(..., alphap=1, betap=1)`` (R's type 7, ArviZ's
    ``quantile``) of each parameter's pooled draws, with its arithmetic.
    """
    s = np.sort(x.reshape(x.shape[0], -1), axis=1)
    n = s.shape[1]
    aleph = n * q + (1.0 - q)  # n p + alphap + p (1 - alphap - betap), alphap = betap = 1
    k = math.floor(min(max(aleph, 1), n - 1))
    gamma = min(max(aleph - k, 0), 1)
    return (1.0 - gamma) * s[:, k - 1] + gamma * s[:, k]


def _variance(x: np.ndarray, ddof: int) -> np.ndarray:
    """The variance along the last axis as ArviZ takes it: with numba installed (as here)
    its one-pass ``stats_variance_1d`` (the sums of the values and of their squares
    accumulated in order, ``(S2 / n - (S / n)^2) n / (n - ddof)``), numpy's otherwise.
    """
    from arviz.utils import Numba

    if not Numba.numba_flag:
        return np.asarray(np.var(x, axis=-1, ddof=ddof))
    n = x.shape[-1]
    s = np.add.accumulate(x, axis=-1)[..., -1]  # accumulate: strictly in order
    s2 = np.add.accumulate(x * x, axis=-1)[..., -1]
    return (s2 / n - (s / n) ** 2) * (n / (n - ddof))


def _rhat(x: np.ndarray) -> np.ndarray:
    """ArviZ's ``_rhat`` of each parameter of ``x`` ``(P, chain, draw)``."""
    D = x.shape[2]
    between = D * _variance(x.mean(axis=2), 1)
    within = _variance(x, 1).mean(axis=1)
    return np.sqrt((between / within + D - 1) / D)


def _ess(x: np.ndarray) -> np.ndarray:
    """ArviZ's ``_ess`` (not relative) of each parameter of ``x`` ``(P, chain, draw)``."""
    from scipy.fftpack import next_fast_len

    P, C, D = x.shape
    out = np.empty(P)
    flat = x.reshape(P, C * D)
    const = (flat.max(axis=1) - flat.min(axis=1)) < np.finfo(float).resolution
    out[const] = C * D
    live = np.flatnonzero(~const)
    if not live.size:
        return out
    y = x[live]
    m = next_fast_len(2 * D)
    f = np.fft.rfft(y - y.mean(axis=2, keepdims=True), n=m, axis=2)
    f *= np.conjugate(f)
    acov = np.fft.irfft(f, n=m, axis=2)[:, :, :D]
    acov /= D
    mean_var = acov[:, :, 0].mean(axis=1) * D / (D - 1.0)
    var_plus = mean_var * (D - 1.0) / D
    if C > 1:
        var_plus = var_plus + _variance(y.mean(axis=2), 1)
    # every lag's autocorrelation, (live, D)
    rho = 1.0 - (mean_var[:, None] - acov.mean(axis=1)) / var_plus[:, None]
    floor = 1 / np.log10(C * D)
    for j in range(live.size):
        out[live[j]] = _geyer(rho[j], C * D, floor)
    return out


def _geyer(r: np.ndarray, n_total: int, floor: float) -> float:
    """The ESS from the autocorrelations ``r`` of every lag by Geyer's initial positive and
    monotone sequences (ArviZ's loops and arithmetic).
    """
    D = r.size
    rho = np.zeros(D)
    even, odd = 1.0, float(r[1])
    rho[0], rho[1] = even, odd
    t = 1
    while t < D - 3 and even + odd > 0.0:
        even, odd = float(r[t + 1]), float(r[t + 2])
        if even + odd >= 0:
            rho[t + 1], rho[t + 2] = even, odd
        t += 2
    max_t = t - 2
    if even > 0:
        rho[max_t + 1] = even
    t = 1
    while t <= max_t - 2:
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
            rho[t + 1] = (rho[t - 1] + rho[t]) / 2.0
            rho[t + 2] = rho[t + 1]
        t += 2
    tau = max(-1.0 + 2.0 * np.sum(rho[:max_t + 1]) + np.sum(rho[max_t + 1:max_t + 2]), floor)
    return math.nan if np.isnan(rho).any() else float(n_total / tau)
