"""Coverage of the joint bootstrap interval of the goal score over simulated studies.

Each simulated study is drawn with ``ahpstat.simulate``: fixed true local weights on a
seed-sized hierarchy (7 criteria, 22 indicators, 57 items), a 25-expert panel around them
(continuous judgments, so the true weights are exactly what the panel estimates), and 364
respondents in 28 communities answering on 1..5 (community effect sd 0.3, respondent effect
sd 0.3, noise sd 0.8). The true goal score is the composite score of the true weights and
the exact expected Likert means (``expected_likert_mean``). The panel is re-run by the
package itself (``run_panel``, AIJ + geometric mean) inside ``joint_bootstrap``; the test
counts how often the 95% BCa interval (one-stage cluster + expert resampling) covers the
truth. The larger run behind ``studies/coverage`` varies the scheme, method and cluster count.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ahpstat import io
from ahpstat.bootstrap import joint_bootstrap
from ahpstat.panel import PanelOptions, run_panel
from ahpstat.simulate import (
    expected_likert_mean,
    latent_means,
    random_weights,
    simulate_panel,
    simulate_survey,
    true_scores,
)

N_STUDIES = 160
N_RESAMPLES = 300
SURVEY = {"group_sd": 0.3, "respondent_sd": 0.3, "noise_sd": 0.8}
#: indicators per criterion and items per indicator: the seed study's 7 / 22 / 57
SHAPE = ((3, 3, 3, 3, 3, 3, 4),
         (2, 3, 3, 2, 3, 2, 2, 3, 3, 3, 3, 3, 2, 3, 2, 3, 2, 3, 2, 3, 3, 2))


def seed_shaped_tree() -> dict[str, list[str]]:
    tree: dict[str, list[str]] = {"A": []}
    items = iter(SHAPE[1])
    c = d = 0
    for b, n_c in enumerate(SHAPE[0], start=1):
        tree["A"].append(f"B{b}")
        tree[f"B{b}"] = []
        for _ in range(n_c):
            c += 1
            tree[f"B{b}"].append(f"C{c}")
            tree[f"C{c}"] = [f"D{d + k}" for k in range(1, next(items) + 1)]
            d += len(tree[f"C{c}"])
    return tree


# the full check (160 studies: 3 standard errors of 0.95 are 0.052) is slow; the default
# suite runs 40 (0.103): a check against gross under-coverage (a true 70 % fails it with
# probability 0.98), not against 87 %
@pytest.mark.parametrize("n_studies", [pytest.param(N_STUDIES, marks=pytest.mark.slow), 40])
def test_joint_goal_interval_coverage(n_studies):
    tree = seed_shaped_tree()
    truth_rng = np.random.default_rng(12345)  # the same truth in every simulated study
    truth = {v: random_weights(len(kids), concentration=4.0, rng=truth_rng)
             for v, kids in tree.items() if len(kids) > 1}
    from ahpstat.hierarchy import Hierarchy

    h = Hierarchy.from_dict({"id": "A", "children": [
        {"id": b, "children": [{"id": c, "children": [{"id": d} for d in tree[c]]}
                               for c in tree[b]]} for b in tree["A"]]})
    item_means = truth_rng.uniform(3.2, 4.2, len(h.leaves))  # true Likert means
    latent = latent_means(item_means, **SURVEY)
    np.testing.assert_allclose(expected_likert_mean(latent, **SURVEY), item_means)
    goal = true_scores(h, truth, item_means)["A"]
    M = h.membership()
    items = [h.item(x) for x in h.leaves]

    hits = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 28 clusters: no few-clusters warning expected
        for r in np.random.default_rng(2024).spawn(n_studies):
            judg = simulate_panel(h, truth, n_experts=25, expert_sd=0.4, noise_sd=0.2,
                                  scale=None, rng=r)
            panel = run_panel(io.judgment_stacks(judg, h, validate=False), h,
                              options=PanelOptions(weighting="geometric_mean", index="gci"),
                              diagnostics=False)
            sv = simulate_survey(h, latent, n_respondents=28 * 13, groups=28, rng=r, **SURVEY)
            res = joint_bootstrap(sv[items].to_numpy(float), M,
                                  leaf_weight_sampler=panel.leaf_weight_sampler(),
                                  n_experts=25, clusters=sv["group"].to_numpy(),
                                  n_resamples=N_RESAMPLES, rng=r, method="bca")
            lo, hi = res.confidence_interval("scores")
            hits += bool(lo[0] <= goal <= hi[0])
    coverage = hits / n_studies
    # binomial tolerance: 3 standard errors of a proportion of 0.95 over n_studies studies
    tol = 3 * np.sqrt(0.95 * 0.05 / n_studies)
    assert coverage == pytest.approx(0.95, abs=tol), f"coverage {coverage:.3f}"
