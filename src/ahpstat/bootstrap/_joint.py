"""The joint bootstrap of a weighted hierarchy scored from a survey, in named steps.

:func:`joint_bootstrap`: :func:`~ahpstat.bootstrap._design.design` (validation) ->
:class:`_Sums` (per-respondent sufficient statistics, one block's means) -> per block of
resamples :func:`_panel_block` (the panel re-run) and :class:`_Draws` (scores of all nodes and
groups by :class:`_Scorer`) -> :func:`_acceleration` (BCa's multi-sample jackknife) ->
:class:`~ahpstat.bootstrap.StudyBootstrapResult`.

Speed comes from structure: a composite score is linear in the item means, so each resample
needs only the resampled item sums and counts, ``counts @ answers`` -- one matrix product per
block of resamples -- and all node scores of all groups follow from ``(w * m) @ membership.T``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat._level_counts import KeptCounts, PackedLevels, kept_counts
from ahpstat._threads import computed_ahead, one_blas_thread, started
from ahpstat._warnings import DegenerateDataWarning, warn
from ahpstat.bootstrap._design import Design, call_sampler, design
from ahpstat.bootstrap._intervals import (
    MIN_DEFINED_SHARE,
    JackknifeMoments,
    acceleration_from_terms,
    loo_terms,
)
from ahpstat.bootstrap._resampling import (
    BLOCK,
    Scratch,
    Units,
    block_counts,
    chunk_rows,
    cluster_counts,
    cluster_draws,
    n_blocks,
    rows_per_chunk,
    times_drawn,
)
from ahpstat.bootstrap._result import (
    SOURCES,
    StudyBootstrapResult,
    index_tree,
    local_from_global,
)
from ahpstat.scoring import composite_scores, item_sums_counts, means_from_sums

__all__ = ["joint_bootstrap"]


@one_blas_thread  # one parallel layer at a time (ahpstat._threads)
def joint_bootstrap(
    answers: ArrayLike | pd.DataFrame,
    membership: ArrayLike,
    *,
    leaf_weights: ArrayLike | None = None,
    leaf_weight_sampler: Callable[[np.ndarray], np.ndarray] | None = None,
    n_experts: int | None = None,
    groups: ArrayLike | str | None = None,
    clusters: ArrayLike | str | None = None,
    cluster_stage: str = "one",
    resample: Sequence[str] | str = SOURCES,
    n_resamples: int = 10_000,
    confidence_level: float = 0.95,
    method: str = "bca",
    rng: int | np.random.Generator | None = None,
    nodes: Sequence[str] | None = None,
    leaves: Sequence[str] | None = None,
    parents: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], Any] | None = None,
) -> StudyBootstrapResult:
    """Bootstrap node scores (overall and per group), weights and ranks.

    Parameters
    ----------
    answers : array_like (R, L) or DataFrame
        Survey answers, one row per respondent, one column per leaf (``NaN`` = missing;
        available-case item means). A DataFrame is indexed by ``leaves`` and may hold the
        ``groups`` and ``clusters`` columns.
    membership : array_like, shape (N, L)
        ``membership[v, l] = 1`` if leaf ``l`` is under node ``v`` (``Hierarchy.membership()``).
    leaf_weights : array_like, shape (L,), optional
        Global weights of the leaves from the whole panel (default: the sampler on all
        experts).
    leaf_weight_sampler : callable, optional
        ``sampler(expert_index) -> (B, L)`` leaf global weights, ``expert_index`` an int array
        (B, k) of expert indices (with repeats) -- the panel re-run under the study's own
        aggregation and inconsistency policy. Called once per block of resamples and once for
        the ``n_experts`` leave-one-out panels (``k = n_experts - 1``) for BCa.
    n_experts : int, optional
        Panel size (required when resampling experts).
    groups : array_like or str, optional
        Group of each respondent (or a column of ``answers``): scores per group, resampling
        respondents within their group.
    clusters : array_like or str, optional
        Cluster of each respondent (or a column): the overall scores then resample clusters
        (see ``cluster_stage``); otherwise respondents iid.
    cluster_stage : {"one", "two"}, default "one"
        ``"one"``: whole clusters; ``"two"``: clusters, then respondents within each drawn
        cluster (:func:`resample_counts`, whose Notes say why two-stage overstates the
        variance). Case-insensitive. The sample-only draws of the variance split always keep
        clusters whole.
    resample : {"experts", "respondents"} or both, default both
        Sources resampled, independently.
    n_resamples : int, default 10000
    confidence_level : float, default 0.95
    method : {"bca", "percentile", "basic"}, default "bca"
        Default interval method of the result (any can be asked for later).
    rng : None, int or numpy.random.Generator
        Block ``k`` of ``BLOCK`` resamples draws from its own spawned stream (experts and
        respondents independent), so results depend on ``rng`` and the data only.
    nodes, leaves : sequence of str, optional
        Names of the rows and columns of ``membership``.
    parents : sequence of int, optional
        Parent index of each node, ``-1`` for the root (gives local weights, levels and
        criteria ranks).
    progress : callable, optional
        ``progress(done, total)`` is called after each block of ``BLOCK`` resamples (for a
        progress bar); it does not affect the result.
    meanwhile : callable, optional
        Other work of the caller's, independent of the bootstrap, called once with no
        argument: with worker threads, in a thread of its own started after the design's
        checks, beside the one-core set-up and the draws (so that it uses the cores' time
        they leave), and waited for before this returns (its error, if any, raised then,
        after the bootstrap's own); without them (``AHPSTAT_THREADS=1``), in this thread
        after the first block. It must not use numba's parallel kernels or BLAS threads
        (:func:`ahpstat._threads.started`); it does not affect the result.

    Returns
    -------
    StudyBootstrapResult

    Notes
    -----
    Per resample ``b``: expert indices are drawn with replacement and the panel re-run
    (weights ``w_b``); item sums and counts come from ``counts_b @ answers``; scores are
    ``((w_b * m_b) @ M.T) / (w_b @ M.T)`` for all nodes and all groups at once. The same
    resamples also give the panel-only scores ``(w_b, m_hat)`` and the sample-only scores
    ``(w_hat, m_b)`` for :meth:`StudyBootstrapResult.variance_split`. BCa's acceleration
    uses the multi-sample jackknife (scipy's): leave-one-expert-out and leave-one-respondent-
    out (or leave-one-cluster-out with ``clusters``; within-group for group scores).
    With fewer than ``MIN_CLUSTERS`` clusters a :class:`FewClustersWarning` is issued: the
    coverage study (``studies/coverage``) shows the intervals are then too narrow.

    Examples
    --------
    Two criteria (weights 0.6, 0.4), three items, a fixed panel:

    >>> M = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    >>> X = np.random.default_rng(0).integers(1, 6, size=(40, 3))
    >>> res = joint_bootstrap(X, M, leaf_weights=[0.3, 0.3, 0.4], resample="respondents",
    ...                       n_resamples=500, rng=1, parents=[-1, 0, 0, 1, 1, 2])
    >>> res.score_draws.shape
    (6, 500)
    >>> t = res.to_frame("scores")
    >>> bool((t.ci_low <= t.estimate).all() and (t.estimate <= t.ci_high).all())
    True
    """
    if meanwhile is not None and not callable(meanwhile):
        raise TypeError(f"`meanwhile` must be callable; got {type(meanwhile).__name__} "
                        "instead.")
    d = design(answers, membership, leaf_weights=leaf_weights, sampler=leaf_weight_sampler,
                n_experts=n_experts, groups=groups, clusters=clusters,
                cluster_stage=cluster_stage, resample=resample, n_resamples=n_resamples,
                confidence_level=confidence_level, method=method, nodes=nodes, leaves=leaves,
                parents=parents)
    # the caller's other work in a thread from here on, beside this set-up (one core) and
    # the draws (after the design's checks and warnings: its warnings come after those, and
    # before the draws' own, as without the thread); joined before returning, within this
    # function's one-BLAS-thread limit. Without worker threads (AHPSTAT_THREADS=1) it runs
    # here after the first block.
    join = started(meanwhile) if meanwhile is not None else None
    try:
        result = _joint(d, rng, progress, join)
    except BaseException:
        if join is not None:
            with contextlib.suppress(Exception):  # this error first
                join(cancel=True)
        raise
    if join is not None:
        join()
    return result


def _joint(d: Design, rng: Any, progress: Callable[[int, int], None] | None,
           join: Callable[[], None] | None) -> StudyBootstrapResult:
    """:func:`joint_bootstrap` of design ``d``; ``join()`` (its ``meanwhile``, started) is
    called after the first block and before the warnings.
    """
    sums = _Sums(d, kept_counts())
    draws = _Draws(d, sums)
    root = np.random.default_rng(rng)
    e_root, o_root, g_root = root.spawn(3)
    nb = n_blocks(d.n_resamples)
    e_gens, o_gens, g_gens = e_root.spawn(nb), o_root.spawn(nb), g_root.spawn(nb)

    def respondent_means(k: int) -> tuple[Any, Any, Any]:
        rows = min(BLOCK, d.n_resamples - k * BLOCK)
        m_b = m_one = gm_b = None
        if d.do_respondents:
            m_b, m_one = sums.overall_means(o_gens[k], rows)
            if sums.G:
                gm_b = sums.group_means(g_gens[k], rows, k)
        return m_b, m_one, gm_b

    # the next blocks' respondent resamples drawn and counted in worker threads while block
    # k's panel is re-run and its scores computed (each block from its own streams: the
    # same draws whatever the threads, _threads.computed_ahead); up to eight blocks per
    # worker ahead (their means: small), so that they keep drawing while this thread
    # computes the acceleration and the caller's meanwhile
    acceleration = None
    for k, (m_b, m_one, gm_b) in enumerate(computed_ahead(respondent_means, nb, ahead=8)):
        b0 = k * BLOCK
        rows = min(BLOCK, d.n_resamples - b0)
        W = _panel_block(d, e_gens[k], rows) if d.do_experts else None
        draws.add(slice(b0, b0 + rows), W, m_b, m_one, gm_b)
        if progress is not None:
            progress(b0 + rows, d.n_resamples)
        if acceleration is None:
            # BCa's jackknife (no draws in it) here, while the worker threads draw the next
            # blocks, rather than after the last block with the second core idle; then the
            # caller's own work, if any
            acceleration = _acceleration(d, sums)
            if join is not None:
                join()  # without worker threads: the caller's work, now
    if acceleration is None:  # no block (never: n_resamples >= 1)
        acceleration = _acceleration(d, sums)
    if join is not None:
        join()  # its warnings before the bootstrap's, whatever the threads
    draws.warn_undefined()
    gvar_panel, gvar_sample = draws.group_variances()
    result = StudyBootstrapResult(
        nodes=d.nodes, leaves=d.leaves, groups=d.gnames, parents=d.parents,
        global_weights=sums.gw_hat, scores=sums.score_hat, group_scores=sums.gscore_hat,
        weight_draws=draws.weights, score_draws=draws.joint, group_score_draws=draws.gjoint,
        panel_score_draws=draws.panel, sample_score_draws=draws.sample,
        group_var_panel=gvar_panel, group_var_sample=gvar_sample,
        acceleration=acceleration, confidence_level=d.confidence_level,
        method=d.method, n_resamples=d.n_resamples, resample=d.resample, scheme=d.scheme,
        cluster_stage=d.stage if d.scheme == "cluster" else None,
        n_clusters=len(d.cnames) if d.ccodes is not None else None,
        n_experts=d.n_experts, n_respondents=d.X.shape[0],
        group_sizes=(tuple(int(c) for c in np.bincount(d.gcodes, minlength=len(d.gnames)))
                     if d.gcodes is not None else ()),
    )
    if sums.kept is not None:
        sums.kept.bind(result)
    return result


class _Sums:
    """Per-respondent sufficient statistics and the estimates on the original data."""

    def __init__(self, d: Design, kept: KeptCounts | None = None) -> None:
        X, M, w_hat = d.X, d.M, d.w_hat
        R, L = X.shape
        N = M.shape[0]
        # a C-ordered copy: the answers may be a column-major view of the survey's frame, and
        # gathering rows of that (X0[order]) and the products below were several times slower
        self.X0 = np.array(X, dtype=float, order="C")
        given = ~np.isnan(self.X0)
        self.X0[~given] = 0.0
        self.stage, self.cluster = d.stage, d.ccodes is not None
        self.scratch = Scratch()  # count buffers per worker thread, kept across blocks
        self.complete = bool(given.all())
        self.Gv = given.astype(float)
        self.step = rows_per_chunk(R)
        # overall design: units are clusters or one stratum (iid)
        self.o_units = Units(d.ccodes if d.ccodes is not None else np.zeros(R, np.intp),
                              len(d.cnames) if d.ccodes is not None else 1)
        # The resampled sums are counts @ answers: integer counts times the answers. When the
        # answers are integers too (Likert points, 0/1) and no sum can reach 2**24, float32
        # holds every partial sum exactly, so its products (twice as fast) give the float64
        # results bit for bit, in any order of summation: the answers and the answer counts
        # then go side by side into one product per block and group. Otherwise float64 as
        # before (separate products: the same bits as ever).
        drawn = max(R, self.o_units.n_units * int(self.o_units.sizes.max(initial=0)))
        self.G = G = len(d.gnames)
        self.kept: KeptCounts | None = None
        self.packed: PackedLevels | None = None
        if G and d.gcodes is not None:
            self.g_units = Units(d.gcodes, G)
            if kept is not None and d.do_respondents:
                # the within-group resamples counted by answer level, kept for the
                # evaluation (ahpstat._level_counts.KeptCounts)
                self.packed = kept.packed(np.asarray(X, dtype=float), self.g_units,
                                          d.n_resamples)
                self.kept = kept if self.packed is not None else None
        # Only where rows of counts multiply the answers (not for one-stage clusters, whose
        # sums are the clusters' sums times the times drawn, nor for groups counted by
        # level): the float32 check and the answers in the units' order (made here, before
        # the worker threads read them)
        use_o = not (self.cluster and self.stage == "one")
        use_g = bool(G) and d.gcodes is not None and self.kept is None
        self.exact32 = (use_o or use_g) and bool(np.array_equal(self.X0, np.round(self.X0))) \
            and (max(1.0, float(np.abs(self.X0).max(initial=0.0))) * drawn < 2**24)
        self.dtype = np.float32 if self.exact32 else np.float64
        XG = (np.concatenate([self.X0, self.Gv], axis=1).astype(np.float32) if self.exact32
              else None)
        self.oX: np.ndarray | None = None
        self.oG: np.ndarray | None = None
        self.oXG: np.ndarray | None = None
        if use_o:
            self.oX, self.oG = self.X0[self.o_units.order], self.Gv[self.o_units.order]
            self.oXG = XG[self.o_units.order] if XG is not None else None
        self.c_sums = self.c_counts = np.zeros((0, L))
        if d.ccodes is not None:
            # item sums and answer counts per cluster: a one-stage resample is
            # (times drawn) @ them
            self.c_sums, self.c_counts = item_sums_counts(X, d.ccodes, len(d.cnames))
        self.s_hat, self.n_hat = self.X0.sum(axis=0), self.Gv.sum(axis=0)
        self.m_hat = means_from_sums(self.s_hat, self.n_hat)
        self.gs_hat = self.gn_hat = self.gm_hat = np.zeros((0, L))
        if G and d.gcodes is not None:
            self.gs_hat, self.gn_hat = item_sums_counts(X, d.gcodes, G)
            self.gm_hat = means_from_sums(self.gs_hat, self.gn_hat)
            if use_g:  # the answers in group order, for counts @ answers
                self.gX, self.gG = self.X0[self.g_units.order], self.Gv[self.g_units.order]
                self.gXG = XG[self.g_units.order] if XG is not None else None
        self.score_hat = composite_scores(w_hat, self.m_hat, M)
        self.gscore_hat = composite_scores(w_hat, self.gm_hat, M) if G else np.zeros((0, N))
        self.gw_hat = M @ w_hat

    def overall_means(self, gen: np.random.Generator,
                      rows: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Item means (rows, L) of one block of resamples of the whole sample, and (with
        clusters) those of the whole clusters drawn in stage 1 (the one-stage means).
        """
        L = self.X0.shape[1]
        S = np.empty((rows, L))
        C = np.empty((rows, L))
        m_one = None
        chunks: Any
        if self.cluster:
            # stage 1, the clusters drawn; whole clusters give the one-stage means
            u = self.o_units
            j = cluster_draws(gen, rows, u.n_units)
            times = times_drawn(j, u.n_units).astype(float)
            m_one = means_from_sums(times @ self.c_sums, times @ self.c_counts)
            step = self.step
            chunks = ((s, cluster_counts(gen, j[s:s + step], u))
                      for s in range(0, rows, step)) if self.stage == "two" else ()
        else:
            chunks = block_counts(gen, rows, self.o_units, "strata", self.dtype,
                                  reuse=self.scratch)
        for s, cnt in chunks:
            assert self.oX is not None and self.oG is not None  # made for this design
            cnt = np.asarray(cnt, dtype=self.dtype)
            S[s:s + cnt.shape[0]], C[s:s + cnt.shape[0]] = self._sums(cnt, self.oX, self.oG,
                                                                      self.oXG)
        if self.cluster and self.stage == "one":
            assert m_one is not None
            return m_one, m_one
        return means_from_sums(S, C), m_one

    def _sums(self, cnt: np.ndarray, X: np.ndarray, Gv: np.ndarray,
              XG: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Resampled item sums and answer counts ``(cnt @ X, cnt @ Gv)``."""
        if XG is not None:  # float32, exact (above)
            both = cnt @ XG
            L = X.shape[1]
            return both[:, :L], both[:, L:]
        return cnt @ X, (cnt.sum(axis=1)[:, None] if self.complete else cnt @ Gv)

    def group_means(self, gen: np.random.Generator, rows: int, block: int) -> np.ndarray:
        """Item means (rows, G, L) of one block, respondents resampled within their group."""
        if self.kept is not None:
            assert self.packed is not None
            # counted by answer level (and kept): the item sums and answer counts are those
            # counts times the levels and their sums -- integers, exactly the sums below
            counts = np.concatenate([self.packed.counts(cnt, stratified=True)
                                     for _, cnt in block_counts(gen, rows, self.g_units,
                                                                "strata", reuse=self.scratch)])
            # (rows, G, L, K)
            self.kept.keep(block, counts)
            return means_from_sums(counts @ self.kept.values, counts.sum(axis=-1))
        G, L = self.G, self.X0.shape[1]
        gS = np.empty((rows, G, L))
        gC = np.empty((rows, G, L))
        u = self.g_units
        for s, cnt in block_counts(gen, rows, u, "strata", self.dtype, reuse=self.scratch):
            r = slice(s, s + cnt.shape[0])
            for g in range(G):
                a, e = u.starts[g], u.starts[g] + u.sizes[g]
                gS[r, g], gC[r, g] = self._sums(
                    cnt[:, a:e], self.gX[a:e], self.gG[a:e],
                    self.gXG[a:e] if self.gXG is not None else None)
        return means_from_sums(gS, gC)


def _panel_block(d: Design, gen: np.random.Generator, rows: int) -> np.ndarray:
    """Leaf weights (rows, L) of one block of expert resamples (the panel re-run)."""
    assert d.sampler is not None and d.n_experts is not None  # checked by design
    idx = gen.integers(0, d.n_experts, size=(rows, d.n_experts))
    return call_sampler(d.sampler, idx, d.M.shape[1])


class _Draws:
    """Every resample's scores (and weights), filled block by block.

    Panel-only and sample-only group scores keep only their variances (streamed, centred on
    the estimate, in block order -- so independent of any batching).
    """

    def __init__(self, d: Design, sums: _Sums) -> None:
        N, B, L, G = d.M.shape[0], d.n_resamples, d.M.shape[1], sums.G
        self.d, self.sums = d, sums
        self.sc = _Scorer(d.M, d.w_hat, sums.m_hat, sums.gm_hat)
        self.joint, self.panel, self.sample = (np.empty((N, B)) for _ in range(3))
        self.gjoint = np.empty((G, N, B))
        self.weights = np.empty((N, B)) if "experts" in d.resample else None
        m = self.sc.multi.size
        self.gvar = {k: [np.zeros((G, m)), np.zeros((G, m))] for k in ("panel", "sample")}
        self.gvar["items"] = [np.zeros((G, L)), np.zeros((G, L))]

    def add(self, sl: slice, W: np.ndarray | None, m_b: np.ndarray | None,
            m_one: np.ndarray | None, gm_b: np.ndarray | None) -> None:
        """Store one block of resamples ``sl`` (``None``: that source not resampled)."""
        sc, sums, rows = self.sc, self.sums, sl.stop - sl.start
        if self.weights is not None:
            self.weights[:, sl] = ((W @ self.d.M.T).T if W is not None
                                   else sums.gw_hat[:, None])
        self.joint[:, sl] = sc.scores(W, m_b, rows).T
        self.panel[:, sl] = sc.scores(W, None, rows).T
        # sample-only draws for the variance split: whole clusters even under two-stage
        # resampling (its second stage counts the within-cluster variance twice)
        self.sample[:, sl] = sc.scores(None, m_one if m_one is not None else m_b, rows).T
        if not sums.G:
            return
        self.gjoint[:, :, sl] = sc.group_scores(W, gm_b, rows).transpose(1, 2, 0)
        for key, (Wk, gk) in (("panel", (W, None)), ("sample", (None, gm_b))):
            dev = sc.group_multi(Wk, gk, rows) - sums.gscore_hat[:, sc.multi]
            self.gvar[key][0] += dev.sum(axis=0)
            self.gvar[key][1] += (dev**2).sum(axis=0)
        if gm_b is not None:
            dev = gm_b - sums.gm_hat
            self.gvar["items"][0] += dev.sum(axis=0)
            self.gvar["items"][1] += (dev**2).sum(axis=0)

    def group_variances(self) -> tuple[np.ndarray, np.ndarray]:
        """Per group, the variances (G, N) of the panel-only and sample-only scores."""
        B, G, N = self.d.n_resamples, self.sums.G, self.d.M.shape[0]
        sc = self.sc
        with np.errstate(invalid="ignore", divide="ignore"):
            v = {key: (s2 - s1**2 / B) / (B - 1) if B > 1 else np.full(s1.shape, np.nan)
                 for key, (s1, s2) in self.gvar.items()}
        gvars = {"panel": np.zeros((G, N)), "sample": np.zeros((G, N))}
        for key in ("panel", "sample"):
            gvars[key][:, sc.multi] = v[key]
        # a node over a single leaf scores that item's mean: no panel variance
        gvars["sample"][:, sc.single] = v["items"][:, sc.single_leaf]
        return gvars["panel"], gvars["sample"]

    def warn_undefined(self) -> None:
        """Warn when some resample left an item without any answer (scores NaN there)."""
        B = self.d.n_resamples
        holes = np.isnan(self.joint).any(axis=0) | np.isnan(self.gjoint).any(axis=(0, 1))
        if not holes.any():
            return
        gaps = [bool(x) for x in np.isnan(self.gjoint).any(axis=(1, 2)).ravel()]
        where = ", ".join(g for g, hit in zip(self.d.gnames, gaps, strict=True) if hit)
        if np.isnan(self.joint).any():
            where = "the whole sample" + (", " + where if where else "")
        warn(f"{int(holes.sum())} of {B} resamples left an item without any answer ({where}); "
             "those scores are NaN there, left out of the intervals (which "
             f"are conditional on the score being defined; NaN where fewer than "
             f"{MIN_DEFINED_SHARE:.0%} of the resamples define it) and ranked last in rank "
             "probabilities.", DegenerateDataWarning)


def _acceleration(d: Design, sums: _Sums) -> dict[str, np.ndarray]:
    """BCa's ``a`` of every quantity: the multi-sample jackknife over experts and
    respondents (or clusters; within their group for group scores).
    """
    M = d.M
    L = d.X.shape[1]
    N, G = M.shape[0], sums.G
    parts: dict[str, list] = {"scores": [], "group_scores": [], "global_weights": [],
                              "local_weights": []}
    if d.do_experts and d.sampler is not None and d.n_experts is not None:
        K = d.n_experts
        loo = np.array([np.delete(np.arange(K), i) for i in range(K)])
        Wj = call_sampler(d.sampler, loo, L)  # (K, L)
        parts["scores"].append(loo_terms(composite_scores(Wj, sums.m_hat, M)))
        if G:
            gj = composite_scores(Wj, np.broadcast_to(sums.gm_hat, (K, G, L)), M)
            parts["group_scores"].append(loo_terms(gj))
        gwj = Wj @ M.T
        parts["global_weights"].append(loo_terms(gwj))
        if d.parents is not None:
            tree = index_tree(d.parents)
            parts["local_weights"].append(loo_terms(local_from_global(gwj.T, tree).T))
    if d.do_respondents:
        parts["scores"].append(_respondent_jackknife(d, sums))
        if G:
            parts["group_scores"].append(_group_jackknife(d, sums))
    return {
        "scores": acceleration_from_terms(parts["scores"], (N,)),
        "group_scores": acceleration_from_terms(parts["group_scores"], (G, N)),
        "global_weights": acceleration_from_terms(parts["global_weights"], (N,)),
        "local_weights": acceleration_from_terms(parts["local_weights"], (N,)),
    }


def _respondent_jackknife(d: Design, sums: _Sums) -> tuple[np.ndarray, np.ndarray]:
    """Jackknife terms of the scores over respondents (or clusters), streamed."""
    M, w_hat = d.M, d.w_hat
    R, L = d.X.shape
    N = M.shape[0]
    mom = JackknifeMoments((N,))
    if d.ccodes is not None:
        m_loo = means_from_sums(sums.s_hat - sums.c_sums, sums.n_hat - sums.c_counts)
        mom.add(composite_scores(w_hat, m_loo, M) - sums.score_hat)
    else:
        step = chunk_rows(max(L, N))
        for a in range(0, R, step):
            e = min(R, a + step)
            m_loo = means_from_sums(sums.s_hat - sums.X0[a:e], sums.n_hat - sums.Gv[a:e])
            mom.add(composite_scores(w_hat, m_loo, M) - sums.score_hat)
    return mom.num_den()


def _group_jackknife(d: Design, sums: _Sums) -> tuple[np.ndarray, np.ndarray]:
    """Jackknife terms of the group scores over the respondents within each group."""
    M, w_hat = d.M, d.w_hat
    R, L = d.X.shape
    N, G = M.shape[0], sums.G
    assert d.gcodes is not None  # groups were given
    gmom = JackknifeMoments((G, N))
    step = chunk_rows(max(L, N, G))
    for a in range(0, R, step):
        e = min(R, a + step)
        gc = d.gcodes[a:e]
        m_loo = means_from_sums(sums.gs_hat[gc] - sums.X0[a:e], sums.gn_hat[gc] - sums.Gv[a:e])
        t = composite_scores(w_hat, m_loo, M) - sums.gscore_hat[gc]
        oh = np.zeros((G, e - a))
        oh[gc, np.arange(e - a)] = 1.0
        gmom.add(t, onehot=oh)
    return gmom.num_den()


class _Scorer:
    """Node scores for blocks of resamples, using the structure of the problem.

    Nodes over a single leaf score that leaf's mean whatever the weights; only the other
    nodes need ``((w * m) @ M.T) / (w @ M.T)``. With the weights fixed the score is linear in
    the means (``m @ A.T``); with the means fixed it is ``(w @ Q) / (w @ M.T)``.
    """

    def __init__(self, M, w_hat, m_hat, gm_hat) -> None:
        self.N, self.L = M.shape
        nleaf = M.sum(axis=1)
        self.multi = np.flatnonzero(nleaf > 1)
        self.single = np.flatnonzero(nleaf == 1)
        self.single_leaf = M[self.single].argmax(axis=1)
        self.Mm = M[self.multi]
        self.MmT = np.ascontiguousarray(self.Mm.T)
        den = self.Mm @ w_hat
        self.AT = np.ascontiguousarray((w_hat * self.Mm / den[:, None]).T)  # (L, Nm)
        self.m_hat, self.gm_hat = m_hat, gm_hat
        self.fixed = composite_scores(w_hat, m_hat, M)
        self.gfixed = composite_scores(w_hat, gm_hat, M) if gm_hat.shape[0] else None
        G, Nm = gm_hat.shape[0], self.multi.size
        # Q[l, g * Nm + v] = gm_hat[g, l] * Mm[v, l]
        self.Q = (gm_hat.T[:, :, None] * self.MmT[:, None, :]).reshape(self.L, G * Nm)
        self.mQ = m_hat[:, None] * self.MmT

    def scores(self, W, m, rows):
        """(rows, N) node scores; ``W`` or ``m`` None means the estimate."""
        if W is None and m is None:
            return np.broadcast_to(self.fixed, (rows, self.N))
        out = np.empty((rows, self.N))
        mm = self.m_hat if m is None else m
        out[:, self.single] = mm[..., self.single_leaf] if m is not None else self.fixed[
            self.single]
        if W is None:
            out[:, self.multi] = m @ self.AT
        elif m is None:
            out[:, self.multi] = (W @ self.mQ) / (W @ self.MmT)
        else:
            out[:, self.multi] = ((W * m) @ self.MmT) / (W @ self.MmT)
        return out

    def group_multi(self, W, gm, rows):
        """(rows, G, Nm) scores per group of the nodes over several leaves."""
        G, L, Nm = self.gm_hat.shape[0], self.L, self.multi.size
        if W is None and gm is None:
            return np.broadcast_to(self.gfixed[:, self.multi], (rows, G, Nm))
        if W is None:
            return (gm.reshape(rows * G, L) @ self.AT).reshape(rows, G, Nm)
        den = (W @ self.MmT)[:, None, :]
        if gm is None:
            return (W @ self.Q).reshape(rows, G, Nm) / den
        num = ((W[:, None, :] * gm).reshape(rows * G, L) @ self.MmT).reshape(rows, G, Nm)
        return num / den

    def group_scores(self, W, gm, rows):
        """(rows, G, N) node scores per group."""
        G = self.gm_hat.shape[0]
        if W is None and gm is None:
            return np.broadcast_to(self.gfixed, (rows, G, self.N))
        out = np.empty((rows, G, self.N))
        if gm is None:
            out[:, :, self.single] = self.gfixed[:, self.single]
        else:
            out[:, :, self.single] = gm[..., self.single_leaf]
        out[:, :, self.multi] = self.group_multi(W, gm, rows)
        return out
