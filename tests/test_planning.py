"""ahpstat.planning: pilot estimates and the simulated precision of study designs.

Independent checks: the pilot estimators recover the parameters a study was simulated with;
the goal score's half-width with exact weights and independent answers matches the
normal-theory value computed from the exact Likert variances (sum over categories of the
cut normal); the criterion weights' half-width falls as 1 / sqrt(experts).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtr

from ahpstat import io
from ahpstat.cli import main
from ahpstat.hierarchy import as_hierarchy
from ahpstat.planning import (
    PilotEstimates,
    estimate_pilot,
    plan_panel_size,
    smallest_designs,
    write_plan,
)
from ahpstat.simulate import latent_means, simulate_panel, simulate_survey

TREE = {"G": ["A", "B", "C"], "A": ["a1", "a2"], "B": ["b1", "b2", "b3"], "C": ["c1", "c2"]}
TRUTH = {"G": [0.5, 0.3, 0.2], "A": [0.6, 0.4], "B": [0.2, 0.3, 0.5], "C": [0.3, 0.7]}


def pilot(**kw) -> PilotEstimates:
    h = as_hierarchy(TREE)
    base = {"hierarchy": h, "local_weights": {k: np.array(v) for k, v in TRUTH.items()},
            "method": "geometric_mean", "expert_sd": 0.3, "noise_sd": 0.2, "n_experts": 10,
            "item_means": np.array([3.2, 3.9, 3.5, 4.1, 2.9, 3.6, 3.3]), "group_sd": 0.0,
            "respondent_sd": 0.0, "answer_sd": 0.8, "likert": (1, 5), "missing": 0.0,
            "n_respondents": 300, "n_clusters": 10}
    return PilotEstimates(**{**base, **kw})


def test_pilot_estimates_recover_the_simulated_parameters():
    h = as_hierarchy(TREE)
    judg = simulate_panel(h, TRUTH, n_experts=200, expert_sd=0.35, noise_sd=0.25, scale=None,
                          rng=11)  # 400 residual degrees of freedom: noise sd within ~4 %
    sds = {"group_sd": 0.4, "respondent_sd": 0.3, "noise_sd": 0.9}
    # mid-scale items: the Likert cut barely shrinks the latent variance components
    sv = simulate_survey(h, latent_means([3.0] * 7, **sds), n_respondents=6000, groups=120,
                         rng=12, **sds)
    p = estimate_pilot(io.judgment_stacks(judg, h), h, sv, cluster_column="group",
                       method="geometric_mean")
    assert p.expert_sd == pytest.approx(0.35, rel=0.12)
    assert p.noise_sd == pytest.approx(0.25, rel=0.1)
    assert p.group_sd == pytest.approx(0.4, rel=0.2)
    assert p.respondent_sd == pytest.approx(0.3, rel=0.25)
    assert p.answer_sd == pytest.approx(0.9, rel=0.1)
    assert (p.n_experts, p.n_respondents, p.n_clusters) == (200, 6000, 120)


def test_goal_half_width_matches_normal_theory_with_exact_weights():
    p = pilot(expert_sd=0.0, noise_sd=0.0)  # every panel returns the true weights
    res = plan_panel_size(p, experts=[5], clusters=[20], per_cluster=[10], replications=3000,
                          rng=3)
    h = p.hierarchy
    g = h.global_weights(p.local_weights)
    w = np.array([float(g[x]) for x in h.leaves])
    # independent computation: the exact variance of each Likert item (cut normal)
    lat = latent_means(np.clip(p.item_means, 1.001, 4.999), noise_sd=0.8)
    cuts = np.arange(1, 5) + 0.5
    cdf = ndtr((cuts[None, :] - lat[:, None]) / 0.8)  # P(y <= k) for k = 1..4
    probs = np.diff(np.c_[np.zeros(7), cdf, np.ones(7)], axis=1)  # P(y = 1..5)
    k = np.arange(1, 6)
    var = (probs * k ** 2).sum(1) - ((probs * k).sum(1)) ** 2
    expected = 1.959964 * np.sqrt(np.sum(w ** 2 * var) / 200)
    got = res.goal().goal_half_width.iloc[0]
    assert got == pytest.approx(expected, rel=0.08)


def test_weight_half_width_falls_as_one_over_root_experts():
    res = plan_panel_size(pilot(), experts=[5, 45], clusters=[10], per_cluster=[5],
                          replications=2000, rng=4)
    t = res.table[res.table.quantity == "weight_half_width"].pivot(
        index="node", columns="experts", values="value")
    ratio = t[5] / t[45]
    assert ratio.to_numpy() == pytest.approx(3.0, rel=0.15)
    p_order = res.table[res.table.quantity == "p_criterion_order"].groupby("experts").value
    assert p_order.first()[45] > p_order.first()[5]


def test_smallest_designs_and_written_plan(tmp_path):
    res = plan_panel_size(pilot(group_sd=0.3, respondent_sd=0.3), experts=[5, 20],
                          clusters=[10, 40], per_cluster=[5, 20], replications=300, rng=5)
    goal = res.goal()
    target = float(goal.goal_half_width.median())
    best = smallest_designs(res, target=target)
    for r in best.itertuples():
        ok = goal[(goal.experts == r.experts) & (goal.goal_half_width <= target)]
        assert r.respondents == ok.respondents.min()
    out = write_plan(res, tmp_path / "plan", target=target)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["pilot.csv", "plan.csv", "plan.md", "plan.png", "plan_goal.csv"]
    assert "Smallest survey per panel size" in (out / "plan.md").read_text()


def test_plan_cli_on_the_seed_study(tmp_path, capsys):
    code = main(["plan", "studies/hangzhou_2022/study.yaml", "--out", str(tmp_path / "p"),
                 "--experts", "5,25", "--clusters", "28", "--per-cluster", "13",
                 "--replications", "200", "--seed", "1", "--no-figures"])
    assert code == 0, capsys.readouterr().err
    assert "experts" in (tmp_path / "p" / "plan.md").read_text()
    code = main(["plan", "studies/hangzhou_2022/study.yaml", "--out", str(tmp_path / "p")])
    assert code == 1 and "not empty" in capsys.readouterr().err
