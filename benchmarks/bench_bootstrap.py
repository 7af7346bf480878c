"""Benchmark of ahpstat.bootstrap against a straightforward pandas/loop bootstrap.

Run: ``.venv/bin/python benchmarks/bench_bootstrap.py [--quick]``

1. The seed-sized study (57 items, 370 respondents in 28 communities, 87 nodes of which 30
   internal, 25 experts): 10,000 joint replicates (experts and respondents, two-stage cluster
   resampling overall, within-community resampling per community) giving BCa intervals for
   every node score overall and for all 28 communities; wall time (best of 3) and peak
   memory (tracemalloc: every numpy allocation), beside the same bootstrap written as a
   pandas/Python loop (timed on fewer replicates, scaled per 10,000), with the ratio.
2. Respondent-only bootstrap, overall scores, fixed weights (the reference figure).
3. Scaling in respondents (two-stage cluster, 100 clusters) up to 1,000,000 respondents.

The panel step timed is ``tests/_bootstrap_panel.aij_geometric_sampler``: AIJ (geometric
mean of the resampled experts' matrices) + row-geometric-mean weights for all 30 internal
nodes, batched over resamples via the expert-count identity; the stacked ``(B, K, n, n)``
version is timed too.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import ahpstat as ah
from ahpstat.bootstrap import joint_bootstrap
from ahpstat.scoring import composite_scores

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _bootstrap_panel import aij_geometric_sampler, random_panel, seed_like_tree


def seed_study(rng: np.random.Generator, R: int = 370, G: int = 28, K: int = 25):
    par, leaves, M = seed_like_tree()
    stacks, _ = random_panel(par, K, rng)
    groups = np.sort(rng.integers(0, G, R))
    effect = rng.normal(0, 0.3, G)[groups]
    X = np.clip(np.round(3.7 + effect[:, None] + rng.normal(0, 0.9, (R, leaves.size))), 1, 5)
    X[rng.random(X.shape) < 0.02] = np.nan  # a few missing answers
    return par, leaves, M, stacks, X, groups


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def run_vectorized(X, M, groups, sampler, K, par, B, rng):
    res = joint_bootstrap(X, M, leaf_weight_sampler=sampler, n_experts=K, groups=groups,
                          clusters=groups, n_resamples=B, rng=rng, parents=par, method="bca")
    ci = res.confidence_interval("scores")
    gci = res.confidence_interval("group_scores")
    return res, ci, gci


def run_loop(X, M, groups, stacks, par, leaves, K, B, rng):
    """The same joint bootstrap, written the straightforward way (pandas + Python loops)."""
    rng = np.random.default_rng(rng)
    items = [f"i{j}" for j in range(X.shape[1])]
    df = pd.DataFrame(X, columns=items).assign(community=groups)
    internal = sorted(stacks)
    children = {v: np.flatnonzero(par == v) for v in range(par.size)}
    overall, per_group = [], []
    for _ in range(B):
        # panel: resample experts, re-aggregate and re-weight every node
        idx = rng.integers(0, K, K)
        g = np.ones(par.size)
        for v in range(par.size):
            ch = children[v]
            if ch.size == 1:
                g[ch[0]] = g[v]
            elif v in internal:
                A = ah.aggregate(stacks[v][idx], method="aij")
                g[ch] = g[v] * ah.weights(A, method="geometric_mean").weights
        w = g[leaves]
        # respondents: clusters, then respondents within them
        drawn = rng.choice(np.unique(groups), size=np.unique(groups).size, replace=True)
        parts = [df[df.community == c].sample(frac=1.0, replace=True, random_state=rng)
                 for c in drawn]
        means = pd.concat(parts)[items].mean().to_numpy()
        overall.append(composite_scores(w, means, M))
        # per community: respondents within the community
        gm = (df.groupby("community").sample(frac=1.0, replace=True, random_state=rng)
              .groupby("community")[items].mean().to_numpy())
        per_group.append(composite_scores(w, gm, M))
    overall = np.array(overall).T
    per_group = np.moveaxis(np.array(per_group), 0, -1)
    q = [0.025, 0.975]
    return np.quantile(overall, q, axis=-1), np.quantile(per_group, q, axis=-1)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes (CI smoke run)")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(20220101)
    par, leaves, M, stacks, X, groups = seed_study(rng)
    K = 25
    sampler = aij_geometric_sampler(stacks, par, leaves)
    stack_sampler = aij_geometric_sampler(stacks, par, leaves, via="stack")
    B = 2_000 if args.quick else 10_000
    n_loop = 20 if args.quick else 100
    print(f"ahpstat {ah.__version__}; numpy {np.__version__}; pandas {pd.__version__}; "
          f"python {sys.version.split()[0]}")
    print(f"seed-sized study: {X.shape[1]} items, {X.shape[0]} respondents, "
          f"{np.unique(groups).size} communities, {M.shape[0]} nodes "
          f"({int((M.sum(1) > 1).sum())} internal), {K} experts")

    # warm-up (numba compilation, caches)
    run_vectorized(X, M, groups, sampler, K, par, 300, 0)
    t_vec, (res, _, _) = best_of(lambda: run_vectorized(X, M, groups, sampler, K, par, B, 1))
    tracemalloc.start()
    run_vectorized(X, M, groups, sampler, K, par, B, 1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    t_panel, _ = best_of(lambda: sampler(np.random.default_rng(0).integers(0, K, (B, K))))
    t_stack, _ = best_of(lambda: stack_sampler(np.random.default_rng(0).integers(0, K, (B, K))),
                         repeat=1)
    t_loop, _ = best_of(lambda: run_loop(X, M, groups, stacks, par, leaves, K, n_loop, 2),
                        repeat=1)
    loop_per_B = t_loop / n_loop * B
    print()
    print(f"1. joint bootstrap, {B:,} replicates, BCa intervals for all {M.shape[0]} nodes "
          f"overall and in all 28 communities")
    print(f"   ahpstat (vectorized)        {t_vec:9.3f} s   peak numpy memory "
          f"{peak / 2**20:7.1f} MiB")
    print(f"     of which panel re-run     {t_panel:9.3f} s   (expert-count identity; the "
          f"stacked (B, K, n, n) AIJ takes {t_stack:.3f} s)")
    print(f"   pandas/loop                 {loop_per_B:9.1f} s   (timed {n_loop} replicates: "
          f"{t_loop:.2f} s)")
    print(f"   ratio loop / vectorized     {loop_per_B / t_vec:9.0f} x")

    # 2. respondent-only, overall, fixed weights
    w = res.global_weights[leaves]
    t_r, _ = best_of(lambda: joint_bootstrap(X, M, leaf_weights=w, resample="respondents",
                                             n_resamples=B, rng=3, method="percentile"))
    t_r_ci, _ = best_of(lambda: joint_bootstrap(
        X, M, leaf_weights=w, resample="respondents", n_resamples=B, rng=3,
        method="percentile").confidence_interval("scores"))
    print()
    print(f"2. respondent-only (iid), overall scores of all nodes, fixed weights: "
          f"{t_r / B * 1000 * 1000:.1f} ms per 1,000 replicates "
          f"({t_r_ci / B * 1000 * 1000:.1f} ms with percentile intervals)")

    # 3. scaling in respondents
    print()
    Bs = 50 if args.quick else 200
    sizes = [1_000, 10_000, 100_000] + ([] if args.quick else [1_000_000])
    print(f"3. scaling: respondent-only, two-stage cluster (100 clusters), {Bs} replicates")
    print("   respondents      time (s)   us per replicate per 1,000 respondents")
    big_rng = np.random.default_rng(7)
    for R in sizes:
        Xr = big_rng.integers(1, 6, (R, leaves.size)).astype(float)
        cl = big_rng.integers(0, 100, R)
        t, _ = best_of(lambda Xr=Xr, cl=cl: joint_bootstrap(
            Xr, M, leaf_weights=w, resample="respondents", clusters=cl, n_resamples=Bs, rng=4,
            method="percentile").confidence_interval("scores"), repeat=1)
        print(f"   {R:>11,}   {t:10.3f}   {t / Bs / (R / 1000) * 1e6:10.1f}")
        del Xr
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
