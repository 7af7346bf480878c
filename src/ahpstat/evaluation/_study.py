"""Evaluating a run study: :func:`evaluate_study` and its validated inputs."""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ahpstat._level_counts import kept_counts
from ahpstat._memo import freeze
from ahpstat._threads import (
    Claims,
    in_child,
    one_blas_thread,
    prefetched,
    shared_claims,
    shared_empty,
)
from ahpstat._validation import check_likert
from ahpstat._warnings import DegenerateDataWarning, warn
from ahpstat.evaluation._evaluator import Evaluator
from ahpstat.evaluation._jackknife import jackknife
from ahpstat.evaluation._options import EvaluationOptions
from ahpstat.evaluation._resampling import check_same_resamples, respondent_blocks
from ahpstat.evaluation._result import EvaluationResult
from ahpstat.evaluation._tables import Tables, method_of


@one_blas_thread  # many mid-sized products per block: one parallel layer (ahpstat._threads)
def evaluate_study(
    data: Any,
    *,
    options: EvaluationOptions | None = None,
    likert: tuple[int, int] | None = None,
    group: str | None = None,
    bootstrap: Any = None,
    rng: int | np.random.Generator | None = None,
    cluster: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], Any] | None = None,
    prepared: Estimate | None = None,
) -> EvaluationResult:
    """Objective and combined weights, fuzzy evaluation, TOPSIS and GRA of a study's groups.

    Parameters
    ----------
    data : StudyResult
        A run study (its hierarchy, panel, answers after the missing-answer policy and
        grouping columns).
    options : EvaluationOptions, optional
        What to compute (default: :class:`EvaluationOptions`'s defaults).
    likert : (lo, hi), optional
        The answer range (default: the study's ``survey.likert``).
    group : str, optional
        The grouping column whose groups are evaluated and ranked (default: the bootstrap's
        groups' column, else the study's first grouping column).
    bootstrap : StudyBootstrapResult, optional
        The study's bootstrap; with it every statistic gets intervals from the same
        resamples, and ``rng`` and ``cluster`` must be the ones it was run with.
    rng : None, int, SeedSequence or Generator
        The ``rng`` given to :func:`ahpstat.bootstrap.bootstrap_study` (a Generator as it was
        *before* the bootstrap used it). Checked: the regenerated resamples must give the
        bootstrap's own item means, else a ``ValueError``.
    cluster : str, optional
        The bootstrap's cluster column (``None``: respondents iid).
    progress : callable, optional
        ``progress(done, total)`` as blocks of resamples are done: ``done`` the resamples
        computed so far (by this process and the child process it shares them with), never
        decreasing, ``total`` at the end.
    meanwhile : callable, optional
        Other work of the caller's, called once with no argument: while BCa's jackknife
        runs in its child process, before the resamples' statistics (at the end when there
        is no bootstrap), so that it fills the time the second core would wait. Its result
        is not used (the caller keeps it).
    prepared : Estimate, optional
        The set-up and the whole-sample statistics made ahead by :func:`estimate` with the
        same ``data`` object, options, answer range and grouping (otherwise ignored): used
        instead of making them again. It holds ``data``'s answers as they were (answers
        changed in place in between are not seen).

    Returns
    -------
    EvaluationResult
        Tables (:meth:`EvaluationResult.to_frame`):

        ``objective_weights``
            ``weighting, node, parent, level, weight, estimate, se, ci_low, ci_high,
            confidence_level, method, interval``: every node's ``global`` and ``local``
            weight under every weighting (``ahp``, the objective methods, ``combined``).
        ``objective_components``
            ``weighting, node, quantity, estimate, se, ci_low, ci_high, ...``: what each
            objective method computes per item (entropy, divergence; sd, conflict,
            information; ...) and the combination's coefficients (``node`` empty).
        ``weight_agreement``
            ``weighting_a, weighting_b, level, measure, estimate, se, ci_low, ci_high,
            ...``: Kendall's tau-b (``kendall_tau``) and the weighted rank correlation
            (``weighted_spearman``) of the two weightings' global weights of the nodes at
            each depth (``level`` 1 = the criteria).
        ``fce``
            ``weighting, operator, symbol, grouping, group, node, grade, estimate, se,
            ci_low, ci_high, ...``: the evaluation vectors (whole sample: ``grouping`` and
            ``group`` are ``"all"``).
        ``fce_verdicts``
            ``weighting, operator, symbol, grouping, group, node, verdict, tied,
            verdict_share, score, score_se, score_ci_low, score_ci_high, ...``: the
            maximum-membership verdict (``verdict_share``: share of the resamples with the
            same verdict) and the weighted score.
        ``topsis``, ``gra``
            ``weighting, grouping, group, estimate, se, ci_low, ci_high, rank, ...``: the
            closeness / grade and the group's rank (1 = best).
        ``evaluation_ranks``
            ``ranking, weighting, grouping, group, rank, probability``: the groups' rank
            probabilities by TOPSIS, GRA and each FCE score at the goal (``ranking`` names
            which).

    Raises
    ------
    ValueError
        Bad options, no grouping column for a group-level method, or an ``rng`` that does
        not reproduce the bootstrap's resamples.

    Examples
    --------
    >>> import tempfile
    >>> from ahpstat import Study
    >>> from ahpstat.datasets import write_example_study
    >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
    >>> ev = evaluate_study(res, options=EvaluationOptions(objective=("entropy",)))
    >>> ev.to_frame("objective_weights").weighting.unique().tolist()
    ['ahp', 'entropy', 'combined']
    """
    if meanwhile is not None and not callable(meanwhile):
        raise TypeError(f"`meanwhile` must be callable; got {type(meanwhile).__name__} "
                        "instead.")
    if prepared is not None and not isinstance(prepared, Estimate):
        raise TypeError("`prepared` must be an Estimate (ahpstat.evaluation.estimate); got "
                        f"{type(prepared).__name__} instead.")
    opts, likert, group, _, _ = _checked(data, options, likert, group, cluster, bootstrap)
    e = (prepared.made() if prepared is not None and prepared.data is data
         and prepared.options == opts and prepared.likert == likert and prepared.group == group
         else estimate(data, opts, likert, group, cluster, bootstrap, compute=True))
    opts, (lo, hi), h = e.options, e.likert, data.hierarchy
    group, gcodes, gnames, ev, est, W_hat = e.group, e.gcodes, e.gnames, e.ev, e.est, e.W_hat
    G = len(gnames)
    grades = _grades(opts, lo, hi)
    R = ev.X.shape[0]
    draws = None
    acceleration: dict[str, np.ndarray] = {}
    level, method, label = 0.95, "percentile", ""
    labeller: Callable[[str], str] | None = None
    if bootstrap is not None:
        boot = bootstrap
        _check_bootstrap(boot, h, R, gnames, group, cluster)
        level, method = boot.confidence_level, boot.method
        label = boot.interval_label("scores")
        labeller = _labeller(boot, opts)
        clusters = (np.asarray(data.group_names[cluster], dtype=object)[
            np.asarray(data.group_codes[cluster])] if cluster is not None else None)
        # BCa's jackknife (independent of the draws) in a child process on the second core
        # while the draws' statistics are computed here (ahpstat._threads.in_child)
        accel = (in_child(lambda: jackknife(ev, data, boot, W_hat, R, clusters, gcodes, G))
                 if method == "bca" else None)
        try:
            if meanwhile is not None:
                meanwhile()
                meanwhile = None
            draws = _bootstrap_draws(ev, boot, rng, est, W_hat, clusters, gcodes, progress)
        except BaseException:
            if accel is not None:  # end the child; the draws' error is the one raised
                accel(cancel=True)
            raise
        if accel is not None:
            acceleration = accel()
        _warn_undefined(draws, est)
    if meanwhile is not None:
        meanwhile()
    tables = Tables(ev, est, draws, acceleration, level, method, labeller, h, gnames, group,
                     grades, opts).all()
    return EvaluationResult(
        options=opts, nodes=tuple(h.nodes), fce_nodes=tuple(ev.nodes[i] for i in ev.fce_nodes),
        groups=gnames, grouping=group, grades=grades, estimates=est, draws=draws,
        acceleration=acceleration, confidence_level=level, method=method, interval=label,
        tables=tables)


class Estimate(NamedTuple):
    """The evaluation's set-up (the ``Evaluator`` of the answers, with its summaries of
    the whole sample) and its statistics on the whole sample (``est``; empty until
    :meth:`made`), for :func:`evaluate_study`'s ``prepared``: made by :func:`estimate`.

    Examples
    --------
    >>> import tempfile
    >>> from ahpstat import Study
    >>> from ahpstat.datasets import write_example_study
    >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
    >>> e = estimate(res, EvaluationOptions(objective=("entropy",)))
    >>> len(e.est), len(e.made().est) > 0
    (0, True)
    """

    data: Any
    options: EvaluationOptions
    likert: tuple[int, int]
    group: str | None
    gcodes: np.ndarray | None
    gnames: tuple[str, ...]
    ev: Evaluator
    W_hat: np.ndarray
    est: dict[str, np.ndarray]

    def made(self) -> Estimate:
        """With the statistics on the whole sample computed."""
        if self.est:
            return self
        R = self.ev.X.shape[0]
        ones = np.ones((1, R))
        est = {k: v[0] for k, v in self.ev(self.W_hat, ones, ones).items()}
        return self._replace(est=est)


def estimate(data: Any, options: EvaluationOptions | None = None,
             likert: tuple[int, int] | None = None, group: str | None = None,
             cluster: str | None = None, bootstrap: Any = None, *,
             compute: bool = False) -> Estimate:
    """The evaluation's set-up made ahead, for :func:`evaluate_study`'s ``prepared``.

    The options checked and the evaluator of ``data``'s answers; with ``compute=True``, the
    statistics on the whole sample too (the evaluator's one-time summaries of the answers
    made with them). :func:`evaluate_study` given it as ``prepared`` (with the same ``data``
    object and options) uses it instead of making it again, so that a caller can make it
    ahead, while other work runs in threads (``Study.run`` makes it while the bootstrap's
    worker threads draw); the result is the same.

    Parameters
    ----------
    data : StudyResult
        A run study, as for :func:`evaluate_study`.
    options, likert, group, cluster, bootstrap
        As for :func:`evaluate_study` (checked the same way, with the same errors).
    compute : bool, default False
        Compute the whole-sample statistics now (otherwise :func:`evaluate_study` does).

    Returns
    -------
    Estimate
        The checked options, answer range and grouping, the evaluator and (``compute``) the
        whole-sample statistics (``est``: name -> array).

    Examples
    --------
    >>> import tempfile
    >>> from ahpstat import Study
    >>> from ahpstat.datasets import write_example_study
    >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
    >>> e = estimate(res, EvaluationOptions(objective=("entropy",)), compute=True)
    >>> ev = evaluate_study(res, options=EvaluationOptions(objective=("entropy",)), prepared=e)
    >>> bool(ev.estimates["global:entropy"].sum() > 0)
    True
    """
    opts, (lo, hi), group, gcodes, gnames = _checked(data, options, likert, group, cluster,
                                                      bootstrap)
    X = freeze(data.answers)  # read-only: remembered by identity, not content (ahpstat._memo)
    ev = Evaluator(X, (lo, hi), data.hierarchy, gcodes, len(gnames), opts)
    W_hat = np.asarray(data.panel.leaf_weights, dtype=float)[None]
    e = Estimate(data, opts, (lo, hi), group, gcodes, gnames, ev, W_hat, {})
    return e.made() if compute else e


def _checked(data: Any, options: EvaluationOptions | None, likert: tuple[int, int] | None,
             group: str | None, cluster: str | None, bootstrap: Any
             ) -> tuple[EvaluationOptions, tuple[int, int], str | None, np.ndarray | None,
                        tuple[str, ...]]:
    """:func:`evaluate_study`'s options checked, with their defaults: ``(options, (lo, hi),
    group, group codes, group names)``.
    """
    opts = EvaluationOptions() if options is None else options
    if not isinstance(opts, EvaluationOptions):
        raise TypeError(f"`options` must be an EvaluationOptions; got {type(opts).__name__} "
                        "instead.")
    if likert is None:
        likert = tuple(data.study.survey.likert)
    lo, hi = check_likert(likert)
    group, gcodes, gnames = _grouping(data, opts, group, cluster, bootstrap)
    _grades(opts, lo, hi)
    return opts, (lo, hi), group, gcodes, gnames


def _grouping(data: Any, opts: EvaluationOptions, group: str | None, cluster: str | None,
              bootstrap: Any) -> tuple[str | None, np.ndarray | None, tuple[str, ...]]:
    """The grouping column evaluated (default: the bootstrap's, else the first), its codes
    and its group names; checks ``group`` and ``cluster``.
    """
    groupings = tuple(data.group_codes)
    if group is None:
        group = _bootstrap_grouping(bootstrap, data) if bootstrap is not None else (
            groupings[0] if groupings else None)
    if group is not None and group not in groupings:
        raise ValueError(f"`group` must be a grouping column of the study ({list(groupings)}); "
                         f"got {group!r} instead.")
    if cluster is not None and cluster not in groupings:
        raise ValueError(f"`cluster` must be a grouping column of the study "
                         f"({list(groupings)}); got {cluster!r} instead.")
    gcodes = np.asarray(data.group_codes[group]) if group is not None else None
    gnames = tuple(data.group_names[group]) if group is not None else ()
    if opts.unit == "groups" and len(gnames) < 2:
        raise ValueError("objective weights over the groups need a grouping column with at "
                         f"least 2 groups; got {len(gnames)} instead.")
    return group, gcodes, gnames


def _grades(opts: EvaluationOptions, lo: int, hi: int) -> tuple[str, ...]:
    """The grade names (default: the answer values), checked against the answer scale."""
    K = hi - lo + 1
    grades = opts.grades if opts.grades is not None else tuple(str(v) for v in range(lo, hi + 1))
    if len(grades) != K:
        raise ValueError(f"`grades` must name the {K} answer categories {lo}..{hi}; got "
                         f"{len(grades)} names instead: {list(grades)}.")
    if opts.grade_values is not None and len(opts.grade_values) != K:
        raise ValueError(f"`grade_values` must give {K} values, one per answer category; got "
                         f"{len(opts.grade_values)} instead.")
    return grades


def _check_bootstrap(boot: Any, h: Any, R: int, gnames: tuple[str, ...], group: str | None,
                     cluster: str | None) -> None:
    """``bootstrap`` must be this study's, with the same group and cluster columns."""
    if tuple(boot.nodes) != tuple(h.nodes) or boot.n_respondents != R:
        raise ValueError("`bootstrap` must be the bootstrap of this study (same nodes and "
                         "respondents); got another one instead.")
    if tuple(boot.groups) != gnames:
        raise ValueError(f"`group` must be the bootstrap's grouping column (groups "
                         f"{list(boot.groups)[:5]}...); got {group!r} instead.")
    if (boot.scheme == "cluster") != (cluster is not None):
        raise ValueError("`cluster` must be the bootstrap's cluster column (it resampled "
                         f"{'clusters' if boot.scheme == 'cluster' else 'respondents iid'})"
                         f"; got {cluster!r} instead.")


def _bootstrap_draws(ev: Evaluator, boot: Any, rng: Any, est: Mapping[str, np.ndarray],
                     W_hat: np.ndarray, clusters: np.ndarray | None,
                     gcodes: np.ndarray | None,
                     progress: Callable[[int, int], None] | None) -> dict[str, np.ndarray]:
    """Every statistic on every resample of the bootstrap (resamples on the last axis).

    The blocks of resamples are shared with a forked child process (the second core), each
    process taking the next block when it is free (:func:`ahpstat._threads.shared_claims`):
    each block's statistics are a function of the block alone, so the draws are the same
    whoever computes which block (and with ``AHPSTAT_THREADS=1``, all here).
    """
    from ahpstat.bootstrap import BLOCK, n_blocks

    h = ev.hierarchy
    R, L = ev.X.shape
    leaf_rows = np.array([h.node_index[v] for v in h.leaves])
    B = boot.n_resamples
    nb = n_blocks(B)
    kept = kept_counts()
    claims = shared_claims(nb)
    try:
        # with a child sharing the blocks, the draws in memory it writes into too, and the
        # resamples stored by each process (for ``progress``: this one's, the child's)
        alloc = shared_empty if claims is not None else np.empty
        draws = {k: alloc((*v.shape, B)) for k, v in est.items()}
        stored = alloc((2,))
        stored[:] = 0.0
        me = os.getpid()
        reported = [0]

        def statistics(blocks: Iterable[int]
                       ) -> Iterator[tuple[slice, dict[str, np.ndarray]]]:
            """The statistics of ``blocks`` (block numbers, in order), block by block."""
            checked = False
            # block k + 1's resamples drawn and counted in a second thread while block k's
            # statistics are computed (the same blocks: ahpstat._threads.prefetched)
            for sl, Fo, Fg in prefetched(respondent_blocks(boot, rng, R, clusters, gcodes,
                                                           ev.G, levels=ev.packed_levels,
                                                           kept=kept, blocks=blocks)):
                rows = Fo.shape[0]
                W = (boot.weight_draws[leaf_rows, sl].T if boot.weight_draws is not None
                     else np.broadcast_to(W_hat, (rows, L)))
                st = ev(np.ascontiguousarray(W), Fo, Fg)
                if not checked:
                    mg = (ev._group_shares(Fg) @ ev.answer_values) if ev.G else None
                    check_same_resamples(boot, leaf_rows, sl, st, mg)
                    checked = True
                yield sl, st

        def store(sl: slice, st: Mapping[str, np.ndarray]) -> None:
            for k, v in st.items():
                draws[k][..., sl] = np.moveaxis(v, 0, -1)
            here = os.getpid() == me
            stored[0 if here else 1] += sl.stop - sl.start
            if here and progress is not None:
                # both processes' resamples so far (the child's cell is read while it
                # writes it: a progress count, never a result), never going back
                n = min(B, int(stored[0] + stored[1]))
                if n > reported[0]:
                    reported[0] = n
                    progress(n, B)

        done: set[int] = set()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            if claims is not None:
                done = _shared_blocks(statistics, store, claims)
                if kept is not None:  # the child took its blocks' counts in its memory only
                    for b0 in done:
                        kept.forget(b0 // BLOCK)
                stored[:] = (sum(min(BLOCK, B - b0) for b0 in done), 0.0)
            for sl, st in statistics(k for k in range(nb) if k * BLOCK not in done):
                store(sl, st)
        if progress is not None and reported[0] < B:  # the child stored the last ones
            progress(B, B)
    finally:
        if claims is not None:
            claims.close()
    return draws


def _shared_blocks(statistics: Callable[[Iterable[int]], Iterator[tuple[slice, Any]]],
                   store: Callable[[slice, Any], None], claims: Claims) -> set[int]:
    """:func:`_bootstrap_draws`' blocks shared with a forked child (``claims``): the first
    block here (the evaluator's caches made once, before the fork), then each process takes
    the next block when it is free and stores its statistics in the shared draws. The
    starts of the blocks stored; a child that died stored none (this process computes them
    after).
    """
    done: set[int] = set()
    try:
        for sl, st in statistics(itertools.islice(claims, 1)):
            store(sl, st)
            done.add(sl.start)

        def child_blocks() -> list[int]:
            stored = []
            for sl, st in statistics(claims):
                store(sl, st)
                stored.append(sl.start)
            return stored

        child = in_child(child_blocks)
        try:
            for sl, st in statistics(claims):
                store(sl, st)
                done.add(sl.start)
        except BaseException:
            child(cancel=True)
            raise
        done.update(child())
    finally:
        claims.close()
    return done


def _labeller(boot: Any, opts: EvaluationOptions) -> Callable[[str], str]:
    """``label(key)``: what statistic ``key``'s intervals are, in words -- level, method and
    the sources it was resampled from (as :meth:`StudyBootstrapResult.interval_label` says it
    for the scores), so that a table read alone cannot be misread.
    """
    overall = (f"{boot.cluster_stage}-stage cluster ({boot.n_clusters} clusters)"
               if boot.scheme == "cluster" else "respondents iid")
    names = {"experts": "experts", "overall": overall, "groups": "respondents within group"}
    on = {"experts": "experts" in boot.resample and boot.weight_draws is not None,
          "overall": "respondents" in boot.resample,
          "groups": "respondents" in boot.resample}
    obj = {"overall"} if opts.unit == "respondents" else {"groups"}

    def dep(w: str) -> set[str]:
        if w == "ahp":
            return {"experts"}
        if w == "combined":
            return {"experts"} | obj
        return set(obj)

    def label(key: str) -> str:
        m = method_of(key, boot.method)
        lv = f"{100 * boot.confidence_level:g}% {({'bca': 'BCa'}).get(m, m)}"
        parts = key.split(":")
        kind = parts[0]
        if kind in ("global", "local", "component"):
            src = dep(parts[1])
        elif kind == "combination_coefficients":
            src = dep("combined")
        elif kind in ("tau", "rw"):
            src = dep(parts[1]) | dep(parts[2])
        elif kind in ("fce", "score"):
            src = dep(parts[1]) | ({"overall"} if parts[3] == "all" else {"groups"})
        elif kind in ("topsis", "gra"):
            src = dep(parts[1]) | {"groups"}
        else:
            src = {"overall"}
        used = [names[s] for s in ("experts", "overall", "groups") if s in src and on[s]]
        return f"{lv} bootstrap: " + (" + ".join(used) or "nothing resampled")

    return label


def _bootstrap_grouping(boot: Any, data: Any) -> str | None:
    if not boot.groups:
        return None
    for col, names in data.group_names.items():
        if tuple(names) == tuple(boot.groups):
            return str(col)
    return None


def _warn_undefined(draws: dict[str, np.ndarray], est: dict[str, np.ndarray]) -> None:
    bad = [k for k, d in draws.items()
           if np.isnan(d).any() and not np.isnan(est[k]).all()]
    if bad:
        what = sorted({k.split(":")[0] + (":" + k.split(":")[1] if ":" in k else "")
                       for k in bad})
        warn(f"some bootstrap resamples leave a statistic of the evaluation undefined (e.g. an "
             f"item that every resampled respondent answered alike: {', '.join(what[:6])}); "
             "those draws are left out of its interval (conditional on it being defined) and "
             "ranked last in rank probabilities.", DegenerateDataWarning)
