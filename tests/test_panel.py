"""Tests of ahpstat.panel: per-node AIJ/AIP, policies and audit, dispersion, resampling."""

from __future__ import annotations

import numpy as np
import pytest

import ahpstat as ah
from ahpstat import InputError
from ahpstat.datasets import example_panel
from ahpstat.hierarchy import Hierarchy
from ahpstat.pairwise import from_upper_triangle
from ahpstat.panel import PanelOptions, run_panel
from ahpstat.scales import on_saaty_scale

TREE = Hierarchy.from_children({"A": ["B1", "B2", "B3"], "B1": ["a", "b", "c"], "B2": ["d"],
                                "B3": ["e", "f", "g", "h"]})


def _example(policy: str = "keep"):
    """The example panel (E3 inconsistent at A) under ``policy``."""
    return run_panel(*example_panel(), options=PanelOptions(policy=policy))


def _random_stacks(rng, K=6, noise=0.4, nan_frac=0.0):
    stacks = {}
    for node in TREE.internal:
        n = len(TREE.children(node))
        if n < 2:
            continue
        w = rng.dirichlet(np.ones(n) * 2)
        iu = np.triu_indices(n, 1)
        logs = np.log(w[iu[0]] / w[iu[1]]) + rng.normal(0, noise, (K, iu[0].size))
        S = from_upper_triangle(np.exp(logs), n)
        if nan_frac:
            for k in range(K):
                for p in range(iu[0].size):
                    if rng.random() < nan_frac:
                        S[k, iu[0][p], iu[1][p]] = S[k, iu[1][p], iu[0][p]] = np.nan
        stacks[node] = (tuple(f"E{k + 1}" for k in range(K)), S)
    return stacks


@pytest.mark.parametrize("method", ["eigenvector", "geometric_mean", "column_mean"])
def test_aij_matches_core(method):
    stacks = _random_stacks(np.random.default_rng(1))
    res = run_panel(stacks, TREE, options=PanelOptions(weighting=method))
    for node, (_, S) in stacks.items():
        G = ah.aggregate(S, method="aij")
        np.testing.assert_allclose(res.aggregate_matrices[node], G, rtol=1e-12)
        np.testing.assert_allclose(res.local[node], ah.weights(G, method=method).weights,
                                   rtol=1e-10)
    assert res.leaf_weights.sum() == pytest.approx(1.0)
    # global = product of locals along the path; one-child node B2 passes its weight on
    assert res.global_weights["d"] == pytest.approx(res.global_weights["B2"])
    assert res.global_weights["f"] == pytest.approx(
        res.local["A"][2] * res.local["B3"][1])


@pytest.mark.parametrize("mean", ["geometric", "arithmetic"])
def test_aip_matches_core(mean):
    stacks = _random_stacks(np.random.default_rng(2))
    ew = {f"E{k + 1}": k + 1.0 for k in range(6)}
    res = run_panel(stacks, TREE, expert_weights=ew,
                    options=PanelOptions(aggregation="aip", aip_mean=mean))
    for node, (_, S) in stacks.items():
        want = ah.aggregate(S, method="aip", mean=mean, expert_weights=list(ew.values()))
        np.testing.assert_allclose(res.local[node], want, rtol=1e-10)


def test_aij_aip_identity():
    # Forman & Peniwati (1998): row geometric mean of the geometric AIJ matrix equals the
    # normalized geometric AIP of the experts' row-geometric-mean vectors.
    stacks = _random_stacks(np.random.default_rng(3), K=9, noise=0.8)
    ew = np.random.default_rng(4).uniform(0.5, 2, 9)
    a = run_panel(stacks, TREE, expert_weights=ew,
                  options=PanelOptions(weighting="geometric_mean", aggregation="aij"))
    b = run_panel(stacks, TREE, expert_weights=ew,
                  options=PanelOptions(weighting="geometric_mean", aggregation="aip"))
    np.testing.assert_allclose(a.leaf_weights, b.leaf_weights, rtol=1e-12)


@pytest.mark.parametrize("policy", ["keep", "drop", "repair", "downweight"])
@pytest.mark.parametrize("aggregation", ["aij", "aip"])
def test_resample_matches_rerun(policy, aggregation):
    stacks = _random_stacks(np.random.default_rng(5), K=7, noise=0.5)
    opts = PanelOptions(policy=policy, aggregation=aggregation)
    res = run_panel(stacks, TREE, options=opts)
    K = len(res.experts)
    np.testing.assert_allclose(res.resample(np.arange(K)), res.leaf_weights, rtol=1e-10)
    idx = np.random.default_rng(6).integers(0, K, (5, K))
    got = res.resample(idx)
    for b in range(5):
        # a resample = the panel with each expert's weight multiplied by its count; the
        # per-expert policy decisions do not depend on the others
        counts = np.bincount(idx[b], minlength=K)
        keep = counts > 0
        sub = {v: (tuple(np.array(e)[keep]), S[keep]) for v, (e, S) in stacks.items()}
        want = run_panel(sub, TREE, expert_weights=counts[keep], options=opts)
        np.testing.assert_allclose(got[b], want.leaf_weights, rtol=1e-8)


def test_incomplete_matrices_flow_through():
    stacks = _random_stacks(np.random.default_rng(7), K=5, nan_frac=0.3)
    res = run_panel(stacks, TREE)
    assert np.isfinite(res.leaf_weights).all()
    assert res.leaf_weights.sum() == pytest.approx(1.0)


def test_disconnected_pooled_graph_is_an_error():
    S = from_upper_triangle(np.array([[2.0, np.nan, np.nan, np.nan, np.nan, 3.0]] * 2), 4)
    stacks = {"B3": (("E1", "E2"), S),
              "A": (("E1", "E2"), from_upper_triangle([[1, 2, 3]] * 2)),
              "B1": (("E1", "E2"), from_upper_triangle([[1, 2, 3]] * 2))}
    with pytest.raises(InputError, match=r"node 'B3'.*pooled comparison graph is disconnected:"
                                         r" no chain of judgments links \{e, f\} \| \{g, h\}"):
        run_panel(stacks, TREE)


def test_unjudged_node_is_an_error():
    stacks = _random_stacks(np.random.default_rng(8))
    del stacks["B1"]
    with pytest.raises(InputError, match=r"node 'B1'.*no expert judged the 3 children"):
        run_panel(stacks, TREE)


def test_keep_flags_every_inconsistent_matrix():
    res = _example("keep")
    cons = res.consistency[res.consistency.expert != "(aggregate)"]
    bad = cons[~cons.acceptable.astype(bool)]
    flags = res.audit[res.audit.action == "flag"]
    assert list(zip(flags.expert, flags.node, strict=True)) == list(
        zip(bad.expert, bad.node, strict=True))
    assert set(res.audit.action) == {"flag"}


def test_drop_leaves_the_expert_out_at_that_node():
    res = _example("drop")
    assert res.node_expert_weights["A"][2] == 0
    assert res.node_expert_weights["B1"][2] > 0
    stacks = {v: (res.experts[:2], res.stacks[v][:2]) for v in res.nodes}
    two = run_panel(stacks, Hierarchy.from_children({"A": ["B1", "B2", "B3"],
                                                     "B1": ["a", "b"], "B3": ["c", "d"]}))
    np.testing.assert_allclose(res.local["A"], two.local["A"])
    assert list(res.audit.action) == ["flag", "drop"]


def test_drop_everyone_is_an_error():
    S = from_upper_triangle([[2, 1 / 9, 7], [3, 1 / 9, 9]])
    stacks = {"A": (("E1", "E2"), S)}
    tree = Hierarchy.from_children({"A": ["x", "y", "z"]})
    with pytest.raises(InputError, match=r"node 'A'.*'drop' policy leaves no expert"):
        run_panel(stacks, tree, options=PanelOptions(policy="drop"))


@pytest.mark.parametrize("on_scale", [True, False])
def test_repair_reaches_threshold_and_is_audited(on_scale):
    base = _example()
    stacks = {v: (base.experts, base.stacks[v]) for v in base.nodes}
    tree = Hierarchy.from_children({"A": ["B1", "B2", "B3"], "B1": ["a", "b"],
                                    "B3": ["c", "d"]})
    res = run_panel(stacks, tree, options=PanelOptions(policy="repair",
                                                       repair_on_scale=on_scale))
    rep = res.audit[res.audit.action == "repair"]
    assert len(rep) >= 1
    assert (rep.index_after.iloc[-1] <= 0.1)
    # each step records the value before = the previous step's value after
    np.testing.assert_allclose(rep.index_before.to_numpy()[1:], rep.index_after.to_numpy()[:-1])
    M = res.effective_stacks["A"][2]
    assert ah.consistency(M).value <= 0.1
    if on_scale:
        assert on_saaty_scale(M).all()
    # only the repaired expert changed
    np.testing.assert_array_equal(res.effective_stacks["A"][:2], res.stacks["A"][:2])
    row = res.consistency[(res.consistency.expert == "E3") & (res.consistency.node == "A")]
    assert row.status.item() == "repaired"
    assert row.value_after.item() <= 0.1


def test_downweight_factor():
    res = _example("downweight")
    row = res.audit[res.audit.action == "downweight"].iloc[0]
    assert row.new == pytest.approx(0.1 / row.index_before)
    assert res.node_expert_weights["A"][2] == pytest.approx(row.new / 3)


def test_gci_threshold_by_order():
    stacks = _random_stacks(np.random.default_rng(9), noise=0.6)
    res = run_panel(stacks, TREE, options=PanelOptions(index="gci"))
    c = res.consistency.set_index(["expert", "node"])
    assert c.loc[("E1", "B1"), "threshold"] == 0.31
    assert c.loc[("E1", "B3"), "threshold"] == 0.35
    assert c.random_index.isna().all()


def test_expert_weight_errors():
    stacks = _random_stacks(np.random.default_rng(10), K=2)
    with pytest.raises(InputError, match="experts without judgments: E9"):
        run_panel(stacks, TREE, expert_weights={"E1": 1, "E2": 1, "E9": 1})
    with pytest.raises(InputError, match="no expert weight for E2"):
        run_panel(stacks, TREE, expert_weights={"E1": 1})


def test_dispersion_zero_for_identical_experts():
    S = from_upper_triangle([[2, 4, 2]] * 3)
    res = run_panel({"A": (("E1", "E2", "E3"), S)},
                    Hierarchy.from_children({"A": ["x", "y", "z"]}))
    d = res.dispersion.iloc[0]
    assert d.log_sd_mean == 0 and d.weight_sd_mean == pytest.approx(0, abs=1e-15)
    assert d.n_experts == 3 and d.n_pairs == 3


def test_options_validation():
    with pytest.raises(ValueError, match=r"`policy` must be one of"):
        PanelOptions(policy="ignore")
    with pytest.raises(ValueError, match=r"`threshold` must be positive"):
        PanelOptions(threshold=-1)


def test_resample_argument_errors():
    res = _example()
    with pytest.raises(ValueError, match=r"`expert_index` must lie in 0..2"):
        res.resample([0, 3])
    with pytest.raises(ValueError, match=r"`expert_index` must be a non-empty int array"):
        res.resample([0.5])


def test_hierarchy_synthesis_leader_example():
    # Wikipedia, "Analytic hierarchy process - leader example", as computed by AHPy
    # (README, "Choosing a leader"; eigenvector, Saaty's 2005 RI table as AHPy's 'saaty'):
    # criteria Experience 0.548, Education 0.127, Charisma 0.270, Age 0.056; synthesized
    # priorities Nell 0.493, Moll 0.358, Sue 0.150; CR(experience) 0.035, CR(education) 0.062.
    crit = ["Experience", "Education", "Charisma", "Age"]
    people = ["Moll", "Nell", "Sue"]
    tree = Hierarchy.from_children({"Goal": crit,
                                    **{c: [f"{p}@{c}" for p in people] for c in crit}})
    judg = {"Goal": [4, 3, 7, 1 / 3, 3, 5], "Experience": [1 / 4, 4, 9],
            "Education": [3, 1 / 5, 1 / 7], "Charisma": [5, 9, 4], "Age": [1 / 3, 5, 9]}
    stacks = {v: (("AHPy",), from_upper_triangle([u])) for v, u in judg.items()}
    res = run_panel(stacks, tree, options=PanelOptions(random_index="saaty_2005"))
    np.testing.assert_allclose(res.local["Goal"], [0.548, 0.127, 0.270, 0.056], atol=6e-4)
    total = {p: sum(res.global_weights[f"{p}@{c}"] for c in crit) for p in people}
    # AHPy rounds every level's weights to 3 decimals before multiplying: agree to 1.5e-3
    assert total["Nell"] == pytest.approx(0.493, abs=1.5e-3)
    assert total["Moll"] == pytest.approx(0.358, abs=1.5e-3)
    assert total["Sue"] == pytest.approx(0.150, abs=1.5e-3)
    assert sum(total.values()) == pytest.approx(1.0)
    cr = res.consistency.set_index(["expert", "node"]).value
    assert round(cr[("AHPy", "Experience")], 3) == 0.035
    assert round(cr[("AHPy", "Education")], 3) == 0.062
