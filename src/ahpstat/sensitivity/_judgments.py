"""Judgment perturbation (simulation): every judgment moved to a neighbouring scale value with
some probability (or by a log-normal factor), the panel re-aggregated with the study's own
rules (:func:`judgment_perturbation`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ahpstat._results import TablesResult
from ahpstat.pairwise import upper_pairs
from ahpstat.sensitivity._common import group_means

__all__ = ["PerturbationResult", "judgment_perturbation", "perturb_judgments"]


# --------------------------------------------------------------------------- perturbation


def perturb_judgments(A: np.ndarray, *, probability: float = 0.1, sigma: float | None = None,
                      rng: int | np.random.Generator | None = None) -> np.ndarray:
    """Randomly perturbed copies of pairwise-comparison matrices (upper triangle drawn).

    With ``sigma=None`` every given judgment moves with ``probability`` to a neighbouring
    value of Saaty's 17-point scale (1/9, ..., 1/2, 1, 2, ..., 9), up or down with equal
    chance (the only neighbour at 1/9 and 9); otherwise every judgment is multiplied by
    ``exp(sigma Z)``, ``Z`` standard normal. Reciprocals follow; ``NaN`` stays.

    Examples
    --------
    >>> A = np.array([[1, 3], [1/3, 1]])
    >>> B = perturb_judgments(np.repeat(A[None], 1000, 0), probability=1.0, rng=1)
    >>> sorted(set(np.round(B[:, 0, 1], 6).tolist()))
    [2.0, 4.0]
    """
    from ahpstat.scales import SAATY_SCALE

    gen = np.random.default_rng(rng)
    M = np.array(A, dtype=float)
    n = M.shape[-1]
    iu = upper_pairs(n)
    U = M[..., iu[0], iu[1]]
    given = ~np.isnan(U)
    if sigma is None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"`probability` must lie in [0, 1]; got {probability!r} instead.")
        logs = np.log(SAATY_SCALE)
        k = np.abs(np.log(np.where(given, U, 1.0))[..., None] - logs).argmin(axis=-1)
        move = gen.random(U.shape) < probability
        step = np.where(gen.random(U.shape) < 0.5, -1, 1)
        step = np.where(k == 0, 1, np.where(k == SAATY_SCALE.size - 1, -1, step))
        k2 = np.where(move & given, k + step, k)
        V = np.where(given, SAATY_SCALE[k2], np.nan)
    else:
        if not (np.isfinite(sigma) and sigma >= 0):
            raise ValueError(f"`sigma` must be a non-negative number; got {sigma!r} instead.")
        V = U * np.exp(sigma * gen.standard_normal(U.shape))
    M[..., iu[0], iu[1]] = V
    M[..., iu[1], iu[0]] = 1.0 / V
    return M


@dataclass(frozen=True)
class PerturbationResult(TablesResult):
    """How often the ranking survives random perturbations of the judgments.

    Attributes
    ----------
    ranks : pandas.DataFrame
        ``grouping, group, node, baseline_rank, p_same_rank, p_top, rank_mean``: over the
        replicates, for the goal and every criterion.
    weight_order : pandas.DataFrame
        ``parent, node, baseline_rank, p_same_rank, p_same_order``: each criterion's rank
        among its siblings, and the whole order of its parent's children.
    """

    ranks: Any
    weight_order: Any
    n_resamples: int
    settings: dict[str, Any]

    def _frames(self) -> dict[str, Any]:
        """The tables by kind (the output files' stems)."""
        return {"sensitivity_judgments_ranks": self.ranks,
                "sensitivity_judgments_order": self.weight_order}


def judgment_perturbation(result: Any, *, n_resamples: int = 200, probability: float = 0.1,
                          sigma: float | None = None, rng: int | np.random.Generator | None = None,
                          progress: Callable[[int, int], None] | None = None
                          ) -> PerturbationResult:
    """Re-run the study's panel on randomly perturbed judgments; count what survives.

    Every replicate perturbs every expert's judgments at every node
    (:func:`perturb_judgments`), re-aggregates the panel with the study's own options
    (weighting method, aggregation, consistency index, threshold and policy, applied to the
    perturbed matrices), and re-scores every group from the same item means.

    Parameters
    ----------
    result : StudyResult
    n_resamples : int, default 200
    probability : float, default 0.1
        Chance that a judgment moves one step on Saaty's scale.
    sigma : float, optional
        Log-normal perturbation instead (``a_ij exp(sigma Z)``).
    rng : None, int or Generator
    progress : callable, optional
        ``progress(done, total)``.

    Returns
    -------
    PerturbationResult

    Examples
    --------
    >>> from ahpstat.datasets import example_study_result
    >>> pr = judgment_perturbation(example_study_result(), n_resamples=20, rng=1)
    >>> pr.weight_order.columns.tolist()
    ['parent', 'node', 'baseline_rank', 'p_same_rank', 'p_same_order']
    """
    import pandas as pd

    from ahpstat._validation import InputError
    from ahpstat.compare import descending_ranks
    from ahpstat.panel import run_panel
    from ahpstat.scoring import composite_scores

    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise ValueError(f"`n_resamples` must be a positive integer; got {n_resamples!r} "
                         "instead.")
    gen = np.random.default_rng(rng)
    h = result.hierarchy
    panel = result.panel
    opts = result.study.panel
    nodes = tuple(h.nodes)
    npos = {v: k for k, v in enumerate(nodes)}
    rep = (h.root, *h.children(h.root))
    ridx = [npos[v] for v in rep]
    blocks = group_means(result)
    base_scores = [composite_scores(result.leaf_weights, m, result.membership)[:, ridx]
                   for _, _, m in blocks]
    base_ranks = [descending_ranks(s, axis=-2) for s in base_scores]
    internal = [v for v in h.internal if len(h.children(v)) >= 2]
    base_order = {v: descending_ranks(panel.local[v]) for v in internal}
    same_rank = [np.zeros(s.shape) for s in base_scores]
    top = [np.zeros(s.shape) for s in base_scores]
    rsum = [np.zeros(s.shape) for s in base_scores]
    ok = 0
    w_same = {v: np.zeros(len(h.children(v))) for v in internal}
    o_same = dict.fromkeys(internal, 0.0)
    streams = gen.spawn(n_resamples)
    failed = 0
    for r in range(n_resamples):
        stacks = {v: (ex, perturb_judgments(S, probability=probability, sigma=sigma,
                                            rng=streams[r]))
                  for v, (ex, S) in result.stacks.items()}
        try:
            p = run_panel(stacks, h, experts=panel.experts,
                          expert_weights=panel.expert_weights, options=opts,
                          diagnostics=False)
        except InputError:
            failed += 1
            if progress is not None:
                progress(r + 1, n_resamples)
            continue
        ok += 1
        for b, (_g, _n, m) in enumerate(blocks):
            s = composite_scores(p.leaf_weights, m, result.membership)[:, ridx]
            rk = descending_ranks(s, axis=-2)
            same_rank[b] += rk == base_ranks[b]
            top[b] += rk == 1
            rsum[b] += np.nan_to_num(rk)
        for v in internal:
            rr = descending_ranks(p.local[v])
            w_same[v] += rr == base_order[v]
            o_same[v] += float(np.array_equal(rr, base_order[v]))
        if progress is not None:
            progress(r + 1, n_resamples)
    if ok == 0:
        raise InputError("every perturbed panel failed (the policy left a node without "
                         f"experts in all {n_resamples} replicates). Got 0 usable replicates "
                         "instead.")
    rows = []
    for b, (gcol, names, _m) in enumerate(blocks):
        for k, gname in enumerate(names):
            for j, v in enumerate(rep):
                rows.append((gcol, gname, v, base_ranks[b][k, j], same_rank[b][k, j] / ok,
                             top[b][k, j] / ok, rsum[b][k, j] / ok))
    ranks = pd.DataFrame(rows, columns=["grouping", "group", "node", "baseline_rank",
                                        "p_same_rank", "p_top", "rank_mean"])
    wo = []
    for v in internal:
        for k, c in enumerate(h.children(v)):
            wo.append((v, c, int(base_order[v][k]), w_same[v][k] / ok, o_same[v] / ok))
    weight_order = pd.DataFrame(wo, columns=["parent", "node", "baseline_rank", "p_same_rank",
                                             "p_same_order"])
    settings = {"n_resamples": n_resamples, "used": ok, "failed": failed,
                "probability": None if sigma is not None else probability, "sigma": sigma,
                "mode": "lognormal" if sigma is not None else "scale_step"}
    return PerturbationResult(ranks=ranks, weight_order=weight_order, n_resamples=ok,
                              settings=settings)


