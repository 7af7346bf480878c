"""Coverage of the joint bootstrap interval of the goal score over simulated studies.

Each simulated study has known true scores (true priorities, a 25-expert panel around them,
370 respondents in 28 clusters with an intra-cluster correlation of 0.1); the test counts how
often the 95% BCa interval from two-stage cluster + expert resampling covers the true goal
score. The larger run behind ``studies/coverage`` varies the scheme, method and cluster count.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ahpstat._bootstrap_panel import simulate_study
from ahpstat.bootstrap import joint_bootstrap

N_STUDIES = 160
N_RESAMPLES = 300


def test_joint_goal_interval_coverage():
    root = np.random.default_rng(2024)
    hits = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 28 clusters: no few-clusters warning expected
        for r in root.spawn(N_STUDIES):
            s = simulate_study(r, n_clusters=28, per_cluster=13)
            res = joint_bootstrap(s["X"], s["M"], leaf_weight_sampler=s["sampler"],
                                  n_experts=s["K"], clusters=s["clusters"],
                                  n_resamples=N_RESAMPLES, rng=r, method="bca")
            lo, hi = res.confidence_interval("scores")
            hits += bool(lo[0] <= s["true_scores"][0] <= hi[0])
    coverage = hits / N_STUDIES
    # binomial tolerance: 3 standard errors of a proportion of 0.95 over N_STUDIES studies
    tol = 3 * np.sqrt(0.95 * 0.05 / N_STUDIES)
    assert coverage == pytest.approx(0.95, abs=tol), f"coverage {coverage:.3f}"
