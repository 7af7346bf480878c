"""Joint coverage of the rank confidence sets with bootstrap draws of group means.

Ten groups of ``n`` respondents, group means bootstrapped within each group (400 resamples
unless ``--resamples``, as a study's bootstrap resamples respondents within their group),
95% joint sets (``ahpstat.rank_sets.rank_confidence_sets``), each study analysed twice on
the same draws:
``asymptotic`` (Mogstad et al. 2024 as published, ``dof=None``) and ``small-sample``
(``dof = n - 1`` per group: bootstrap variance corrected by ``n / (n - 1)`` and the max-t
statistic studentised by simulated variance estimates -- what a study uses for its groups).

Designs: all groups equal (the least favourable case: the sets cover exactly when no pair is
found different) and groups 0.3 standard errors apart; answers normal (sd 1) or Likert 1..5
(a normal with mean 3.6 and sd 0.9 rounded and clipped: skewed and discrete). Coverage =
share of simulated studies in which the sets cover all ten true ranks at once; ``se`` its
binomial standard error.

Run: ``nice -n 10 .venv/bin/python studies/coverage/rank_sets.py`` (1,000 studies per
equal design, 400 spaced, 400 resamples; writes ``rank_sets.csv`` next to this file). With
a study's default 2,000 resamples: ``--resamples 2000 --sizes 13 --studies-spaced 0 --out
rank_sets_b2000.csv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from ahpstat.bootstrap import resample_counts
from ahpstat.rank_sets import rank_confidence_sets

HERE = Path(__file__).parent
G, LEVEL = 10, 0.95
METHODS = {"asymptotic": False, "small-sample": True}


def _answers(r: np.random.Generator, size: int, answers: str) -> np.ndarray:
    if answers == "normal":
        return r.standard_normal(size)
    return np.clip(np.round(3.6 + 0.9 * r.standard_normal(size)), 1, 5)


def coverage(n: int, spacing_se: float, answers: str, studies: int, seed: int,
             B: int = 400) -> list[dict[str, object]]:
    sd = 1.0 if answers == "normal" else 0.905  # the Likert answers' sd
    theta = sd * spacing_se * np.arange(G) / np.sqrt(n)  # spacing in standard errors
    true_rank = 1 + (theta[None, :] > theta[:, None]).sum(axis=1)
    groups = np.repeat(np.arange(G), n)
    hits = dict.fromkeys(METHODS, 0)
    width = dict.fromkeys(METHODS, 0.0)
    key = [seed, n, int(10 * spacing_se), answers == "normal"]
    for r in np.random.default_rng(key).spawn(studies):
        y = theta[groups] + _answers(r, G * n, answers)
        est = np.bincount(groups, y) / n
        C = resample_counts(G * n, B, strata=groups, rng=r).astype(float)
        draws = np.stack([C[:, groups == g] @ y[groups == g] / n for g in range(G)])
        for m, small in METHODS.items():
            s = rank_confidence_sets(est, draws, confidence_level=LEVEL,
                                     dof=np.full(G, n - 1.0) if small else None)
            hits[m] += bool(((s.low <= true_rank) & (true_rank <= s.high)).all())
            width[m] += float((s.high - s.low + 1).mean())
    rows = []
    for m in METHODS:
        p = hits[m] / studies
        rows.append({"n_per_group": n, "spacing_in_se": spacing_se, "answers": answers,
                     "method": m, "studies": studies, "n_resamples": B, "joint_coverage": p,
                     "se": float(np.sqrt(p * (1 - p) / studies)),
                     "mean_set_size": width[m] / studies})
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--studies", type=int, default=1000,
                   help="simulated studies per design (equal groups)")
    p.add_argument("--studies-spaced", type=int, default=400,
                   help="simulated studies per design (groups 0.3 SE apart; 0: none)")
    p.add_argument("--resamples", type=int, default=400, help="bootstrap resamples per study")
    p.add_argument("--sizes", default="13,30,150", help="respondents per group")
    p.add_argument("--answers", default="normal,likert")
    p.add_argument("--out", default="rank_sets.csv", help="file name, next to this script")
    a = p.parse_args(argv)
    rows = []
    for answers in a.answers.split(","):
        for sp, k in ((0.0, a.studies), (0.3, a.studies_spaced)):
            for n in (int(x) for x in a.sizes.split(",")):
                if k > 0:
                    rows += coverage(n, sp, answers, k, 7, a.resamples)
                    print(pd.DataFrame(rows[-2:]).to_string(index=False, header=False),
                          flush=True)
    df = pd.DataFrame(rows)
    df.to_csv(HERE / a.out, index=False, float_format="%.4f", lineterminator="\n")
    print(df.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
