"""Confidence sets for ranks: joint (simultaneous) and marginal.

A percentile interval of a bootstrap rank covers that one rank at its level; ten such
intervals cover all ten true ranks together far less often (63 % for ten groups 0.06 apart,
issue 11). The sets here come from simultaneous confidence intervals for all pairwise
differences of the ranked quantities (Mogstad, Romano, Shaikh & Wilhelm 2024, Review of
Economic Studies 91(1), "Inference for ranks with applications to mobility across
neighbourhoods and academic achievement across countries"; their R package ``csranks``):

- the rank of ``j`` is ``1 + #{k : theta_k > theta_j}`` (1 = highest; ties share the best);
- for every ordered pair ``(j, k)`` a lower confidence bound ``L_jk = (t_j - t_k) - s_jk c``
  of ``theta_j - theta_k``, with ``s_jk`` the bootstrap standard deviation of the difference
  and ``c`` the ``confidence_level`` quantile over the resamples of the largest studentized
  deviation ``max_(j,k) ((t*_j - t*_k) - (t_j - t_k)) / s_jk`` (max-t);
- stepdown (Romano & Wolf 2005): pairs found different are dropped and ``c`` recomputed
  over the rest until nothing new is found;
- ``j``'s set is ``[1 + #{k : L_kj > 0}, K - #{k : L_jk > 0}]``: it cannot rank above the
  groups shown better than it, nor below those shown worse.

Joint sets take the maximum over all pairs: all ``K`` sets cover all ``K`` true ranks at
once with probability ``confidence_level`` (asymptotically). Marginal sets take it over
the pairs involving ``j`` only: each set covers its own rank at that level.

``csranks`` draws the deviations from a normal distribution with a given covariance; here
they are the bootstrap's own joint draws, so the dependence between the competitors (e.g.
all groups scored with the same resampled panel) is kept as resampled.

Small samples (``dof``). The construction above is asymptotic: it treats the standard
deviations ``s_jk`` as known. With few units behind each estimate they are not, and the sets
under-cover: ten equal groups of 13 respondents, 95 % joint sets, cover all ten ranks 82 %
of the time (94-95 % with 150; ``studies/coverage/rank_sets.py``). Two things go wrong: the
bootstrap variance of a mean of ``n`` units is ``(n - 1) / n`` of the unbiased one, and the
maximum over all pairs of ``(t_j - t_k - (theta_j - theta_k)) / s_jk`` picks the pairs whose
``s_jk`` came out small -- the statistic has heavier tails than the bootstrap's max-t with
``s_jk`` held fixed. Given the degrees of freedom ``nu`` of each competitor's variance
estimate, ``dof`` corrects both: the deviations are scaled by ``sqrt((nu + 1) / nu)``, and
each resample's differences are divided by a variance estimate drawn as it would vary over
samples -- ``v_j chi2(nu_j) / nu_j`` independently per competitor for competitors from
separate samples (groups), a Wishart draw ``W(nu, S / nu)`` of the whole covariance for
competitors estimated from one sample (criteria from one panel) -- the studentised (t-type)
max statistic of Hall (1992; Games & Howell 1976 for pairs with unequal variances),
with normal variance noise. Measured (ten equal groups, 95 %, 1,000 studies per cell,
standard error 0.7-0.8): 93.7 % (normal answers) and 94.7 % (Likert answers) at 13
respondents per group, 93.3-95.0 % at 30 and 150; pooled 94.3 %.

Layers: :func:`rank_confidence_sets` (numpy core, no labels) -> :class:`RankSets`;
:func:`rank_sets_table` (tidy: one row per competitor).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat._threads import one_blas_thread
from ahpstat._validation import TIE_RTOL, check_confidence_level

__all__ = [
    "METHOD",
    "SMALL_SAMPLE_COVERAGE",
    "RankSets",
    "rank_confidence_sets",
    "rank_sets_table",
]

#: How the sets are built, for labels and tables.
METHOD = "bootstrap max-t stepdown (Mogstad et al. 2024)"
#: What the small-sample correction achieves where it matters most (studies/coverage).
SMALL_SAMPLE_COVERAGE = (
    "studentised for small samples; ten equal groups of 13 respondents, 1,000 simulated "
    "studies, 2,000 resamples: 95% joint sets covered 94.0% (normal answers) and 95.0% "
    "(Likert answers), standard error 0.7-0.8 points, against 83-84% without the "
    "correction (studies/coverage/rank_sets.py)")
#: Share of resamples defining every competitor below which the sets are NaN.
MIN_DEFINED_SHARE = 0.99
# Two competitors whose estimates and every resample agree within ``TIE_RTOL`` (from
# ``_validation``) times the largest magnitude among them are tied (the same quantity reached
# by two computations, e.g. two items that always get the same answers): their difference and
# its spread are zero, whatever the last bits (BCa counts its ties the same way).
#: The covariance formula's ``sd`` of a difference carries rounding of about
#: ``sqrt(eps) * sd`` of the competitors; below this share of it the spread is measured
#: directly from the resampled differences.
_DIRECT_SD_SHARE = 1e-6
#: Cells of a (pairs, resamples) temporary of the max-t statistic per chunk: 512 KiB, in
#: the CPU's cache (chunks of 2**22 cells ran at memory speed, three times slower).
_CELLS = 1 << 16
#: At most this many cells of every pair's studentised deviations are kept (128 MiB).
_CELLS_KEPT = 1 << 24
#: From this many kept cells on they may be computed by a compiled loop
#: (:func:`ahpstat._stat_kernels.pair_deviations`, the same bits as numpy's chunks): about
#: 10x faster than the chunks, but its first call in a process costs about 0.6 s CPU even
#: with numba imported and its cache warm (against 0.05 s for the chunks at 28 competitors
#: x 4,000 resamples), so it is taken (:func:`_use_compiled`) once it is loaded, from the
#: second call of that size on (a study asks once per block of resamples: 16 calls at
#: 100,000 respondents) or from :data:`_CELLS_ALWAYS_COMPILED` cells on
_CELLS_COMPILED = 1 << 18
_CELLS_ALWAYS_COMPILED = 1 << 25
_large_calls = 0  # calls of this process with at least _CELLS_COMPILED cells


def _use_compiled(cells: int) -> bool:
    """Whether :func:`pair_deviations` computes ``cells`` kept cells (see
    :data:`_CELLS_COMPILED`); counts this process's large calls.
    """
    global _large_calls
    if cells < _CELLS_COMPILED:
        return False
    _large_calls += 1
    if _large_calls > 1 or cells >= _CELLS_ALWAYS_COMPILED:
        return True
    mod = sys.modules.get("ahpstat._stat_kernels")
    return mod is not None and bool(mod._pair_deviations.signatures)


@dataclass(frozen=True)
class RankSets:
    """Confidence sets for the ranks of ``K`` competitors (rank 1 = highest).

    Attributes
    ----------
    rank : ndarray of int, shape (K,)
        The estimates' ranks, ``1 + #{k : t_k > t_j}`` (ties share the best rank).
    low, high : ndarray of float, shape (K,)
        The sets ``{low, ..., high}`` (whole numbers; ``NaN`` when fewer than 99 % of the
        resamples define every competitor).
    confidence_level : float
    simultaneous : bool
        ``True``: joint coverage of all ``K`` ranks; ``False``: each set on its own.
    stepdown : bool
    n_resamples : int
        Resamples used (those in which every competitor is defined).
    dof : float, ndarray or None
        The small-sample correction's degrees of freedom (``None``: none, asymptotic).
    """

    rank: np.ndarray
    low: np.ndarray
    high: np.ndarray
    confidence_level: float
    simultaneous: bool
    stepdown: bool
    n_resamples: int
    dof: float | np.ndarray | None = None


class _MaxT:
    """The max-t statistic over any set of ordered pairs: per resample, the largest
    studentised deviation ``((t*_j - t*_k) - (t_j - t_k)) / s_jk`` (divided by the square
    root of ``noise(jj, kk)``, the (len(jj), B) ratio of each resample's simulated variance
    of ``t_j - t_k`` to ``s_jk ** 2``, when given: the small-sample studentisation).

    Every pair's deviations are computed once (when they fit in :data:`_CELLS_KEPT` cells)
    and each stepdown round, joint or marginal, takes the maximum over its pairs' rows --
    the same numbers as computing them per round (the same operations per element; a
    maximum is exact in any order). Otherwise they are computed per round in chunks.
    """

    def __init__(self, dev: np.ndarray, sd: np.ndarray, pairs: np.ndarray,
                 noise: Any = None) -> None:
        K, B = dev.shape
        self.dev, self.noise, self.B = dev, noise, B
        with np.errstate(invalid="ignore", divide="ignore"):
            # a difference without spread: not in the max
            self.scale = np.where(sd > 0, 1.0 / sd, 0.0)
        self.step = max(1, _CELLS // B)  # pairs per chunk
        self.T: np.ndarray | None = None
        jj, kk = np.nonzero(pairs)
        if jj.size * B <= _CELLS_KEPT:
            self.row = np.full((K, K), -1, dtype=np.intp)
            self.row[jj, kk] = np.arange(jj.size)
            self.T = np.empty((jj.size, B))
            if (noise is None or isinstance(noise, _Independent)) and _use_compiled(
                    jj.size * B):
                # every pair in one pass, the same operations per element as _t
                from ahpstat._stat_kernels import pair_deviations

                var, vc = (noise.var, noise.vc) if noise is not None else (sd[:0, 0], dev[:0])
                pair_deviations(dev, self.scale, jj, kk, var, vc, noise is not None, self.T)
                return
            for s in range(0, jj.size, self.step):
                self.T[s:s + self.step] = self._t(jj[s:s + self.step], kk[s:s + self.step])

    def _t(self, j: np.ndarray, k: np.ndarray) -> np.ndarray:
        t = (self.dev[j] - self.dev[k]) * self.scale[j, k][:, None]
        if self.noise is not None:
            t = t / np.sqrt(self.noise(j, k))
        return t

    def __call__(self, active: np.ndarray) -> np.ndarray:
        """(B,) the statistic over the pairs of the (K, K) mask ``active`` (``-inf``: none)."""
        stat = np.full(self.B, -np.inf)
        jj, kk = np.nonzero(active)
        for s in range(0, jj.size, self.step):
            j, k = jj[s:s + self.step], kk[s:s + self.step]
            t = self._t(j, k) if self.T is None else self.T[self.row[j, k]]
            np.maximum(stat, t.max(axis=0), out=stat)
        return stat


def _lower_bounds(diff: np.ndarray, sd: np.ndarray, max_t: _MaxT, pairs: np.ndarray,
                  level: float, stepdown: bool) -> np.ndarray:
    """Lower confidence bounds ``L`` (K, K) of ``theta_j - theta_k`` on the ``pairs`` mask,
    0 elsewhere, by max-t (:class:`_MaxT`) with optional stepdown (csranks'
    ``csdiffmeans``, one-sided "lower" bounds over ordered pairs, which is its two-sided
    stepdown form).
    """
    K = diff.shape[0]
    L = np.zeros((K, K))
    active = pairs.copy()
    while True:
        stat = max_t(active)
        c = float(np.quantile(stat, level)) if np.isfinite(stat).all() else 0.0
        L[active] = diff[active] - sd[active] * c
        kept = active & ~(L > 0)
        if not stepdown or kept.sum() == active.sum() or not kept.any():
            return L
        active = kept


@one_blas_thread  # small products: threaded OpenBLAS took 10-60x as long (ahpstat._threads)
def rank_confidence_sets(
    estimates: ArrayLike,
    draws: ArrayLike,
    *,
    confidence_level: float = 0.95,
    simultaneous: bool = True,
    stepdown: bool = True,
    dof: ArrayLike | None = None,
    rng: int | np.random.Generator | None = None,
) -> RankSets:
    """Joint or marginal confidence sets for the ranks of ``K`` competitors.

    Parameters
    ----------
    estimates : array_like, shape (K,)
        The ranked quantities (higher = better rank), finite.
    draws : array_like, shape (K, B)
        Their joint bootstrap (or other sampling) draws: column ``b`` is one resample of all
        ``K``. Resamples in which a competitor is ``NaN`` are left out (sets ``NaN`` if
        fewer than 99 % remain).
    confidence_level : float, default 0.95
    simultaneous : bool, default True
        Joint sets (all ranks covered together) or marginal ones (each on its own).
    stepdown : bool, default True
        Romano-Wolf stepdown: never wider than the single-step sets, often narrower.
    dof : float or array_like of shape (K,), optional
        Small-sample correction (module docstring): degrees of freedom of the competitors'
        variance estimates. A vector: competitor ``j`` comes from a sample of its own of
        ``dof[j] + 1`` units (groups: their respondents); a number: all come from one sample
        of ``dof + 1`` units (criteria: the experts). ``inf`` for a competitor means no
        correction for it. ``None`` (default): the asymptotic sets of Mogstad et al.
    rng : int, Generator or None, optional
        Source of the simulated variance estimates (only with ``dof``). ``None`` seeds from
        the estimates and draws, so the same inputs always give the same sets.

    Returns
    -------
    RankSets

    Notes
    -----
    Mogstad, Romano, Shaikh & Wilhelm (2024), with the bootstrap distribution of the
    studentized pairwise differences in place of csranks' normal one; see the module
    docstring. Computation: ``O(K^2 B)`` per stepdown round (marginal: per competitor).
    With ``dof``, the max-t statistic is studentised by simulated variance estimates
    (module docstring, "Small samples"); without it, ten equal groups of 13 respondents are
    covered jointly only 82 % of the time at 95 %.

    Examples
    --------
    Three well separated competitors and two close ones:

    >>> rng = np.random.default_rng(0)
    >>> est = np.array([5.0, 3.0, 1.0, 0.9])
    >>> draws = est[:, None] + rng.normal(0, 0.1, (4, 2000))
    >>> s = rank_confidence_sets(est, draws)
    >>> s.rank.tolist(), s.low.tolist(), s.high.tolist()
    ([1, 2, 3, 4], [1.0, 2.0, 3.0, 3.0], [1.0, 2.0, 4.0, 4.0])

    The same draws from competitors estimated from 10 units each (e.g. groups of 10):

    >>> rank_confidence_sets(est, draws, dof=[9, 9, 9, 9]).low.tolist()
    [1.0, 2.0, 3.0, 3.0]
    """
    level = check_confidence_level(confidence_level)
    t = np.asarray(estimates, dtype=float)
    D = np.asarray(draws, dtype=float)
    if t.ndim != 1 or t.size < 1:
        raise ValueError(f"`estimates` must be a non-empty vector; got shape {t.shape} instead.")
    if D.ndim != 2 or D.shape[0] != t.size or D.shape[1] < 2:
        raise ValueError(f"`draws` must be (K={t.size}, resamples >= 2); got shape {D.shape} "
                         "instead.")
    if not np.isfinite(t).all():
        raise ValueError("`estimates` must be finite; got "
                         f"{int((~np.isfinite(t)).sum())} non-finite instead.")
    K = t.size
    tol = TIE_RTOL * float(np.abs(t).max())
    rank = 1 + (t[None, :] > t[:, None] + tol).sum(axis=1)
    defined = np.isfinite(D).all(axis=0)
    B = int(defined.sum())
    nu = _check_dof(dof, K)
    if B < MIN_DEFINED_SHARE * D.shape[1] or B < 2:
        nan = np.full(K, np.nan)
        return RankSets(rank, nan, nan.copy(), level, bool(simultaneous), bool(stepdown), B,
                        nu)
    D = D[:, defined]
    dev = D - t[:, None]
    if nu is not None:  # the bootstrap variance of a mean of n units is (n - 1) / n of it
        a = np.asarray(nu, dtype=float)
        with np.errstate(invalid="ignore"):
            f = np.where(np.isfinite(a), np.sqrt((a + 1.0) / a), 1.0)
        dev = dev * np.reshape(f, (-1, 1))
    diff = t[:, None] - t[None, :]
    c = dev - dev.mean(axis=1, keepdims=True)
    cov = (c @ c.T) / (B - 1)
    var = np.diag(cov)
    sd = np.sqrt(np.maximum(var[:, None] + var[None, :] - 2 * cov, 0.0))
    off = ~np.eye(K, dtype=bool)
    diff, sd = _snap_ties(t, D, dev, diff, sd, var, off, max(tol, TIE_RTOL * np.abs(D).max()))
    noise = None
    if nu is not None:
        if rng is None:  # a function of the inputs: the same study gives the same sets
            h = hashlib.blake2b(t.tobytes() + D.tobytes(), digest_size=16).digest()
            rng = np.frombuffer(h, dtype=np.uint32).tolist()
        noise = _variance_noise(nu, cov, var, sd, B, np.random.default_rng(rng))
    max_t = _MaxT(dev, sd, off, noise)
    if simultaneous:
        L = _lower_bounds(diff, sd, max_t, off, level, stepdown)
        better = (L > 0).sum(axis=0)  # k shown above j: L[k, j] > 0
        worse = (L > 0).sum(axis=1)   # k shown below j: L[j, k] > 0
    else:
        better = np.zeros(K, dtype=int)
        worse = np.zeros(K, dtype=int)
        for j in range(K):
            pairs = np.zeros((K, K), dtype=bool)
            pairs[j, :] = pairs[:, j] = True
            L = _lower_bounds(diff, sd, max_t, pairs & off, level, stepdown)
            better[j] = int((L[:, j] > 0).sum())
            worse[j] = int((L[j, :] > 0).sum())
    return RankSets(rank, (1 + better).astype(float), (K - worse).astype(float), level,
                    bool(simultaneous), bool(stepdown), B, nu)


def _snap_ties(t: np.ndarray, D: np.ndarray, dev: np.ndarray, diff: np.ndarray,
               sd: np.ndarray, var: np.ndarray, off: np.ndarray,
               tol: float) -> tuple[np.ndarray, np.ndarray]:
    """``diff`` and ``sd`` with rounding taken out (:data:`TIE_RTOL`).

    A pair whose resampled difference barely varies has its ``sd`` measured directly (the
    covariance formula's rounding is about ``sqrt(eps)`` of the competitors' spread, and a
    ratio of rounding noises must not decide a rank). A pair equal in every resample within
    ``tol`` has no spread, and with estimates equal within ``tol`` no difference: without
    this, one unit in the last place of a structural tie put one competitor above the other.
    """
    spread = np.sqrt(np.maximum(var[:, None], var[None, :]))
    jj, kk = np.nonzero(off & (sd <= _DIRECT_SD_SHARE * spread))
    if jj.size == 0:
        return diff, sd
    diff, sd = diff.copy(), sd.copy()
    d = dev[jj] - dev[kk]
    sd[jj, kk] = d.std(axis=1, ddof=1)
    same = np.abs(D[jj] - D[kk]).max(axis=1) <= tol
    sd[jj[same], kk[same]] = 0.0
    tied = np.abs(diff[jj, kk]) <= tol
    diff[jj[tied], kk[tied]] = 0.0
    return diff, sd


def _check_dof(dof: ArrayLike | None, K: int) -> float | np.ndarray | None:
    """``dof`` validated: ``None``, a number > 0 (one sample) or a (K,) vector > 0."""
    if dof is None:
        return None
    a = np.asarray(dof, dtype=float)
    if a.ndim > 1 or (a.ndim == 1 and a.size != K):
        raise ValueError(f"`dof` must be a number or one per competitor ({K}); got shape "
                         f"{a.shape} instead.")
    if np.isnan(a).any() or (a <= 0).any():
        raise ValueError(f"`dof` must be > 0 (inf: no correction); got {a.tolist()} instead.")
    return float(a) if a.ndim == 0 else a


def _variance_noise(nu: float | np.ndarray, cov: np.ndarray, var: np.ndarray, sd: np.ndarray,
                    B: int, gen: np.random.Generator) -> Any:
    """``noise(jj, kk)``: per resample, a simulated variance estimate of ``t_j - t_k`` over its
    expectation ``sd[j, k] ** 2`` for each pair ``(jj[p], kk[p])`` -- independent scaled
    chi-squares per competitor (a vector ``nu``) or a Wishart draw of the whole covariance (a
    number ``nu``).
    """
    if np.ndim(nu) == 1:
        v = np.asarray(nu, dtype=float)
        chi = np.ones((v.size, B))
        fin = np.isfinite(v)
        chi[fin] = gen.chisquare(v[fin][:, None], (int(fin.sum()), B)) / v[fin][:, None]
        return _Independent(var, var[:, None] * chi)  # (K, B): each one's simulated variance
    n = float(nu)
    if not np.isfinite(n):
        return None
    lam, U = np.linalg.eigh(cov)
    keep = lam > 1e-12 * max(float(lam.max()), 0.0)
    R = np.sqrt(lam[keep])[:, None] * U[:, keep].T  # (r, K): cov = R.T @ R
    r = R.shape[0]
    if r == 0:
        return None
    if n > r - 1:  # Bartlett: W = A A^T ~ Wishart(n, I_r)
        A = np.tril(gen.standard_normal((B, r, r)), -1)
        idx = np.arange(r)
        A[:, idx, idx] = np.sqrt(gen.chisquare(n - idx, (B, r)))
        Y = np.swapaxes(A, 1, 2) @ R  # (B, r, K): W = A A^T -> R^T W R = Y^T Y
    else:  # fewer units than dimensions: a sum of m = max(1, round(n)) outer products
        n = float(max(1, round(n)))
        Y = gen.standard_normal((B, int(n), r)) @ R
    Q = np.swapaxes(Y, 1, 2) @ Y / n  # (B, K, K) simulated covariance
    d = np.einsum("bkk->bk", Q)
    sim = (d[:, :, None] + d[:, None, :] - 2 * Q).transpose(1, 2, 0)  # (K, K, B)
    sd2 = sd ** 2

    def common(jj: np.ndarray, kk: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            rr = sim[jj, kk] / sd2[jj, kk][:, None]
        return np.where(sd2[jj, kk][:, None] > 0, np.maximum(rr, 1e-300), 1.0)

    return common


class _Independent:
    """``noise(jj, kk)`` of competitors from separate samples (:func:`_variance_noise`):
    ``(vc_j + vc_k) / (var_j + var_k)`` per resample from each competitor's simulated
    variances ``vc`` (K, B); 1 where the variances sum to 0.
    """

    def __init__(self, var: np.ndarray, vc: np.ndarray) -> None:
        self.var, self.vc = var, vc

    def __call__(self, jj: np.ndarray, kk: np.ndarray) -> np.ndarray:
        den = self.var[jj] + self.var[kk]
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (self.vc[jj] + self.vc[kk]) / den[:, None]
        return np.where(den[:, None] > 0, r, 1.0)


def set_label(confidence_level: float, simultaneous: bool, n: int, what: str,
              dof: ArrayLike | None = None) -> str:
    """Words for a table's ``interval`` column.

    Examples
    --------
    >>> set_label(0.95, True, 28, "groups at A")
    '95% joint over the 28 groups at A: bootstrap max-t stepdown (Mogstad et al. 2024)'
    >>> set_label(0.95, False, 7, "criteria", dof=24)
    '95% marginal: bootstrap max-t stepdown (Mogstad et al. 2024), small-sample studentised (df 24)'
    """
    kind = f"joint over the {n} {what}" if simultaneous else "marginal"
    out = f"{100 * confidence_level:g}% {kind}: {METHOD}"
    if dof is not None:
        a = np.asarray(dof, dtype=float)
        a = a[np.isfinite(a)]
        if a.size:
            lo, hi = float(a.min()), float(a.max())
            df = f"{lo:.0f}" if round(lo) == round(hi) else f"{lo:.0f}-{hi:.0f}"
            out += f", small-sample studentised (df {df})"
    return out


def rank_sets_table(
    estimates: ArrayLike,
    draws: ArrayLike,
    names: Sequence[Any],
    *,
    confidence_level: float = 0.95,
    coverage: Sequence[str] | str = ("joint", "marginal"),
    key: str = "name",
    what: str = "competitors",
    dof: ArrayLike | None = None,
    rng: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """:func:`rank_confidence_sets` as a tidy table, joint and/or marginal.

    Competitors whose estimate is not finite are not ranked (their row has empty bounds);
    the others are ranked among themselves.

    Parameters
    ----------
    estimates, draws : array_like, shapes (K,) and (K, B)
    names : sequence, length K
    confidence_level : float, default 0.95
    coverage : {"joint", "marginal"} or both, default both
    key : str, default "name"
        Name of the column holding ``names``.
    what : str, default "competitors"
        What is ranked, for the ``interval`` label (e.g. ``"groups at A"``).
    dof, rng : optional
        The small-sample correction, as in :func:`rank_confidence_sets` (a vector ``dof``
        has one entry per competitor, ranked or not).

    Returns
    -------
    DataFrame
        ``<key>, estimate, rank, rank_low, rank_high, coverage, confidence_level, interval``
        (nullable integers; joint rows first).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> est = np.array([5.0, 3.0, 1.0, 0.9])
    >>> t = rank_sets_table(est, est[:, None] + rng.normal(0, 0.1, (4, 2000)), list("abcd"),
    ...                     coverage="joint")
    >>> t.rank_low.tolist(), t.rank_high.tolist()
    ([1, 2, 3, 3], [1, 2, 4, 4])
    >>> t.interval.iloc[0]
    '95% joint over the 4 competitors: bootstrap max-t stepdown (Mogstad et al. 2024)'
    """
    est = np.asarray(estimates, dtype=float)
    D = np.asarray(draws, dtype=float)
    names = list(names)
    if est.ndim != 1 or len(names) != est.size:
        raise ValueError(f"`names` must name the {est.size} competitors; got {len(names)} "
                         "instead.")
    kinds = (coverage,) if isinstance(coverage, str) else tuple(coverage)
    for k in kinds:
        if k not in ("joint", "marginal"):
            raise ValueError(f"`coverage` must be 'joint', 'marginal' or both; got {k!r} "
                             "instead.")
    level = check_confidence_level(confidence_level)
    ok = np.isfinite(est)
    nu = _check_dof(dof, est.size)
    nu_ok = nu[ok] if isinstance(nu, np.ndarray) else nu
    frames = []
    for kind in kinds:
        rank = np.full(est.size, np.nan)
        low = np.full(est.size, np.nan)
        high = np.full(est.size, np.nan)
        if ok.any():
            s = rank_confidence_sets(est[ok], D[ok], confidence_level=level,
                                     simultaneous=kind == "joint", dof=nu_ok, rng=rng)
            rank[ok], low[ok], high[ok] = s.rank, s.low, s.high
        frames.append(pd.DataFrame({
            key: names, "estimate": est,
            "rank": pd.array(rank, dtype="Int64"),  # NaN -> <NA>
            "rank_low": pd.array(low, dtype="Int64"),  # NaN -> <NA>
            "rank_high": pd.array(high, dtype="Int64"),  # NaN -> <NA>
            "coverage": kind, "confidence_level": level,
            "interval": set_label(level, kind == "joint", int(ok.sum()), what, nu_ok)}))
    return pd.concat(frames, ignore_index=True)
