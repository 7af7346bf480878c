"""Joint coverage of the rank confidence sets with bootstrap draws of group means.

Ten groups of ``n`` respondents (answers N(theta_g, 1)), group means bootstrapped within each
group (400 resamples, as a study's bootstrap resamples respondents within their group), 95%
joint sets (``ahpstat.rank_sets.rank_confidence_sets``). Two designs: all groups equal (the
least favourable case: the sets cover exactly when no pair is found different) and groups
0.3 standard errors apart. Coverage = share of simulated studies in which the sets cover all
ten true ranks at once; ``se`` its binomial standard error.

Run: ``.venv/bin/python studies/coverage/rank_sets.py [--studies 600]``; writes
``rank_sets.csv`` next to this file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from ahpstat.bootstrap import resample_counts
from ahpstat.rank_sets import rank_confidence_sets

HERE = Path(__file__).parent
G, B, LEVEL = 10, 400, 0.95


def coverage(n: int, spacing_se: float, studies: int, seed: int) -> dict[str, float]:
    theta = spacing_se * np.arange(G) / np.sqrt(n)  # spacing in standard errors of a mean
    true_rank = 1 + (theta[None, :] > theta[:, None]).sum(axis=1)
    groups = np.repeat(np.arange(G), n)
    hits, width = 0, 0.0
    for r in np.random.default_rng([seed, n, int(10 * spacing_se)]).spawn(studies):
        y = theta[groups] + r.standard_normal(G * n)
        est = np.bincount(groups, y) / n
        C = resample_counts(G * n, B, strata=groups, rng=r).astype(float)
        draws = np.stack([C[:, groups == g] @ y[groups == g] / n for g in range(G)])
        s = rank_confidence_sets(est, draws, confidence_level=LEVEL)
        hits += bool(((s.low <= true_rank) & (true_rank <= s.high)).all())
        width += float((s.high - s.low + 1).mean())
    p = hits / studies
    return {"n_per_group": n, "spacing_in_se": spacing_se, "studies": studies,
            "joint_coverage": p, "se": float(np.sqrt(p * (1 - p) / studies)),
            "mean_set_size": width / studies}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--studies", type=int, default=600)
    a = p.parse_args(argv)
    rows = [coverage(n, sp, a.studies, 7) for sp in (0.0, 0.3) for n in (13, 37, 150)]
    df = pd.DataFrame(rows)
    df.to_csv(HERE / "rank_sets.csv", index=False, float_format="%.4f", lineterminator="\n")
    print(df.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
