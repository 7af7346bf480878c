"""Alternatives as the last level: synthesis modes, ratings, measured values, rank reversal,
and the bootstrap and Bayes layers carried to the alternatives' totals and ranks.

Expected values are computed by hand (exact fractions) or by an independent route (the
numpy core's ``aggregate``, a re-weighted model); R ahp's and AHPy's published numbers are in
``test_rahp.py`` and ``test_ahpy.py``.
"""

from __future__ import annotations

from fractions import Fraction as Fr

import numpy as np
import pandas as pd
import pytest

import ahpstat as ah
from ahpstat import InputError
from ahpstat.alternatives import GROUP, DecisionModel, rank_reversal
from ahpstat.hierarchy import Hierarchy
from ahpstat.io import (
    DecisionData,
    Preference,
    RatingScale,
    measured_preference,
    rating_preference,
)


def _model(prefs, alts, dms=("DM",), tree=None, weights=None):
    h = tree or Hierarchy.from_children({"G": sorted({v for v in prefs if v != "G"})})
    w = weights or {v: np.full(len(dms), 1 / len(dms)) for v in h.nodes}
    return DecisionModel(DecisionData(h, tuple(alts), tuple(dms), prefs, w))


def _consistent(v):
    v = np.asarray(v, dtype=float)
    return v[:, None] / v[None, :]


# --------------------------------------------------------------------------- Belton & Gear


def _belton_gear(with_copy: bool):
    """The example usually quoted from Belton & Gear (1983): three equally important
    criteria; local priorities A (1/11, 9/11, 8/18), B (9/11, 1/11, 9/18), C (1/11, 1/11,
    1/18), given as consistent matrices; optionally D, a copy of B."""
    cols = {"c1": (1, 9, 1), "c2": (9, 1, 1), "c3": (8, 9, 1)}
    alts = ["A", "B", "C"] + (["D"] if with_copy else [])
    prefs = {"G": {"DM": Preference("pairwise", ("c1", "c2", "c3"), matrix=np.ones((3, 3)))}}
    for c, v in cols.items():
        v = list(v) + ([v[1]] if with_copy else [])
        prefs[c] = {"DM": Preference("pairwise", tuple(alts), matrix=_consistent(v))}
    return _model(prefs, alts)


def test_belton_gear_distributive_reverses_ideal_does_not():
    before = _belton_gear(False).evaluate().priorities()
    after = _belton_gear(True).evaluate().priorities()
    # by hand: A = (1/11 + 9/11 + 8/18) / 3, B = (9/11 + 1/11 + 9/18) / 3
    a = (Fr(1, 11) + Fr(9, 11) + Fr(8, 18)) / 3
    b = (Fr(9, 11) + Fr(1, 11) + Fr(9, 18)) / 3
    assert before["A"] == pytest.approx(float(a)) and before["B"] == pytest.approx(float(b))
    assert before["B"] > before["A"]
    # with D = B: A = (1/20 + 9/12 + 8/27) / 3 > B = (9/20 + 1/12 + 9/27) / 3
    a2 = (Fr(1, 20) + Fr(9, 12) + Fr(8, 27)) / 3
    b2 = (Fr(9, 20) + Fr(1, 12) + Fr(9, 27)) / 3
    assert after["A"] == pytest.approx(float(a2)) and after["B"] == pytest.approx(float(b2))
    assert after["A"] > after["B"]
    # ideal mode: A = 1/9 + 1 + 8/9 = 2 < B = 1 + 1/9 + 1, with or without D
    for m in (_belton_gear(False), _belton_gear(True)):
        r = m.evaluate(mode="ideal")
        t = r.totals[r.totals.decision_maker == GROUP].set_index("alternative").total
        assert t["A"] == pytest.approx(2 / 3) and t["B"] == pytest.approx((2 + 1 / 9) / 3)


def test_rank_reversal_report():
    m = _belton_gear(False)
    rr = rank_reversal(m, add={"D": "B"})
    assert rr.attrs["checked"] == 2
    assert list(rr["mode"]) == ["distributive"]
    row = rr.iloc[0]
    assert (row.change, row["first"], row.second) == ("add D", "B", "A")
    assert row.after_first < row.after_second
    # removing alternatives, both modes: removing C (the worst) reverses nothing here
    rr = rank_reversal(m, remove="C")
    assert rr.empty and rr.attrs["checked"] == 2
    # removing the copy D from the four-alternative model restores B over A (distributive)
    rr = rank_reversal(_belton_gear(True), remove=["D"])
    assert set(rr["mode"]) == {"distributive"}
    with pytest.raises(ValueError, match="not an alternative"):
        rank_reversal(m, remove="Z")


# --------------------------------------------------------------------------- modes, kinds


def test_measured_values_benefit_and_cost_by_hand():
    alts = ("x", "y", "z")
    prefs = {"G": {"DM": Preference("pairwise", ("price", "space"), matrix=[[1, 3], [1 / 3, 1]])},
             "price": {"DM": measured_preference(alts, [10, 20, 40], direction="cost")},
             "space": {"DM": measured_preference(alts, [1, 1, 2], direction="benefit")}}
    p = _model(prefs, alts).evaluate().priorities()
    price = np.array([1 / 10, 1 / 20, 1 / 40]) / (1 / 10 + 1 / 20 + 1 / 40)
    space = np.array([1, 1, 2]) / 4
    np.testing.assert_allclose(p[list(alts)], 0.75 * price + 0.25 * space)
    with pytest.raises(InputError, match="cost of 0"):
        measured_preference(alts, [0, 1, 2], direction="cost")


def test_ratings_are_absolute_adding_an_alternative_changes_no_score():
    scale = RatingScale.from_judgments(["good", "fair", "poor"],
                                       _consistent([4, 2, 1]))  # idealized 1, 1/2, 1/4
    np.testing.assert_allclose(scale.values, [1, 0.5, 0.25])

    def model(alts, r1, r2):
        prefs = {"G": {"DM": Preference("pairwise", ("c1", "c2"), matrix=[[1, 2], [0.5, 1]])},
                 "c1": {"DM": rating_preference(alts, r1, scale)},
                 "c2": {"DM": rating_preference(alts, r2, scale)}}
        return _model(prefs, alts)

    r = model(("a", "b"), {"a": "good", "b": "fair"}, {"a": "poor", "b": "good"}).evaluate()
    t = r.totals[r.totals.decision_maker == GROUP].set_index("alternative").total
    assert t["a"] == pytest.approx(2 / 3 * 1 + 1 / 3 * 0.25)
    assert t["b"] == pytest.approx(2 / 3 * 0.5 + 1 / 3 * 1)
    r2 = model(("a", "b", "c"), {"a": "good", "b": "fair", "c": "good"},
               {"a": "poor", "b": "good", "c": "good"}).evaluate(mode="ideal")
    t2 = r2.totals[r2.totals.decision_maker == GROUP].set_index("alternative").total
    assert t2["a"] == pytest.approx(t["a"]) and t2["b"] == pytest.approx(t["b"])
    assert rank_reversal(model(("a", "b", "c"), {"a": "good", "b": "fair", "c": "poor"},
                               {"a": "poor", "b": "good", "c": "fair"})).empty


def test_ratings_cannot_mix_with_relative_priorities():
    scale = RatingScale.from_priorities({"hi": 1, "lo": 0.5})
    alts = ("a", "b")
    prefs = {"G": {"A": Preference("pairwise", ("c1", "c2"), matrix=np.ones((2, 2))),
                   "B": Preference("pairwise", ("c1", "c2"), matrix=np.ones((2, 2)))},
             "c1": {"A": rating_preference(alts, {"a": "hi", "b": "lo"}, scale),
                    "B": Preference("score", alts, values=[1, 2])},
             "c2": {"A": Preference("score", alts, values=[1, 2]),
                    "B": Preference("score", alts, values=[1, 2])}}
    with pytest.raises(InputError, match="ratings are absolute") as e:
        _model(prefs, alts, dms=("A", "B")).evaluate()
    assert e.value.location.node == "c1" and e.value.location.expert == "B"


def test_aij_group_equals_the_numpy_core_aggregate():
    rng = np.random.default_rng(3)
    alts = ("a", "b", "c", "d")
    dms = ("E1", "E2", "E3")
    stacks = ah.pairwise.from_upper_triangle(np.exp(rng.normal(0, 0.8, (3, 6))))
    prefs = {"G": {d: Preference("pairwise", ("c1", "c2"), matrix=[[1, 2], [0.5, 1]])
                   for d in dms},
             "c1": {d: Preference("pairwise", alts, matrix=stacks[k]) for k, d in enumerate(dms)},
             "c2": {d: Preference("score", alts, values=[1, 2, 3, 4]) for d in dms}}
    w = {v: np.array([0.5, 0.3, 0.2]) for v in ("G", "c1", "c2")}
    res = _model(prefs, alts, dms=dms, weights=w).evaluate(aggregation="aij")
    loc = res.local[(res.local.decision_maker == GROUP) & (res.local.node == "c1")]
    A = ah.aggregate(stacks, method="aij", expert_weights=[0.5, 0.3, 0.2])
    np.testing.assert_allclose(loc.priority, ah.weights(A).weights, atol=1e-12)
    # AIP arithmetic = the weighted mean of the eigenvectors
    res = _model(prefs, alts, dms=dms, weights=w).evaluate()
    loc = res.local[(res.local.decision_maker == GROUP) & (res.local.node == "c1")]
    own = ah.weights(stacks).weights
    np.testing.assert_allclose(loc.priority, np.array([0.5, 0.3, 0.2]) @ own, atol=1e-12)


def test_decision_maker_weights_differ_by_node():
    """R ahp lets a node set its own decision-maker weights (inherited below it)."""
    alts = ("a", "b")
    prefs = {"G": {"P": Preference("pairwise", ("c1", "c2"), matrix=[[1, 3], [1 / 3, 1]]),
                   "Q": Preference("pairwise", ("c1", "c2"), matrix=[[1, 1 / 3], [3, 1]])},
             "c1": {"P": Preference("priority", alts, values=[1, 0]),
                    "Q": Preference("priority", alts, values=[0, 1])},
             "c2": {"P": Preference("priority", alts, values=[0.5, 0.5]),
                    "Q": Preference("priority", alts, values=[0.5, 0.5])}}
    w = {"G": np.array([0.5, 0.5]), "c1": np.array([0.9, 0.1]), "c2": np.array([0.5, 0.5])}
    p = _model(prefs, alts, dms=("P", "Q"), weights=w).evaluate().priorities()
    # G: (0.5, 0.5); c1: a = 0.9; c2: 0.5
    assert p["a"] == pytest.approx(0.5 * 0.9 + 0.5 * 0.5)


# --------------------------------------------------------------------------- uncertainty


def _panel(K=12, seed=0, judgment_sd=0.0):
    """K decision makers whose weights scatter around a truth (log-normal, sd 0.3); with
    ``judgment_sd`` each judgment also errs (log-normal), so the matrices are inconsistent."""
    rng = np.random.default_rng(seed)
    alts = ("a", "b", "c")
    true = {"G": np.array([0.6, 0.4]), "c1": np.array([0.5, 0.3, 0.2]),
            "c2": np.array([0.2, 0.3, 0.5])}
    dms = tuple(f"E{k}" for k in range(K))
    prefs: dict[str, dict[str, Preference]] = {}
    for v, w in true.items():
        els = ("c1", "c2") if v == "G" else alts
        prefs[v] = {}
        for d in dms:
            noise = np.exp(rng.normal(0, 0.3, len(w)))
            M = _consistent(w * noise)
            if judgment_sd:
                n = len(w)
                E = np.triu(rng.normal(0, judgment_sd, (n, n)), 1)
                M = M * np.exp(E - E.T)
            prefs[v][d] = Preference("pairwise", els, matrix=M)
    return _model(prefs, alts, dms=dms)


def test_resample_equals_a_reweighted_model():
    """Counts (B, K) re-weight the decision makers: resample([2, 1, 0, ...]) equals the
    model whose weights are proportional to the counts."""
    m = _panel(K=4)
    counts = np.array([[2, 1, 0, 1], [0, 0, 4, 0]])
    draws = m.resample(counts)
    for b in range(2):
        w = counts[b] / counts[b].sum()
        d = m.data
        keep = w > 0
        dms = tuple(np.array(d.decision_makers)[keep])
        prefs = {v: {dm: p for dm, p in ps.items() if dm in dms} for v, ps in d.preferences.items()}
        m2 = DecisionModel(DecisionData(d.hierarchy, d.alternatives, dms, prefs,
                                        {v: w[keep] for v in d.hierarchy.nodes}))
        np.testing.assert_allclose(draws[b], m2.evaluate().priorities(), atol=1e-12)


def test_bootstrap_intervals_and_rank_probabilities():
    m = _panel(K=12)
    b1 = m.bootstrap(n_resamples=300, rng=5)
    b2 = m.bootstrap(n_resamples=300, rng=5, method="bca")
    np.testing.assert_array_equal(b1.draws, b2.draws)  # same rng, same resamples
    t = b1.to_frame()
    est = m.evaluate().priorities()
    np.testing.assert_allclose(t.priority, est[list(m.alternatives)], atol=1e-12)
    assert ((t.low <= t.priority) & (t.priority <= t.high)).all()
    assert (b2.to_frame().low < b2.to_frame().high).all()
    rp = b1.rank_probabilities()
    P = rp.pivot(index="alternative", columns="rank", values="probability")
    np.testing.assert_allclose(P.sum(axis=0), 1.0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    # the same probabilities from the draws by a plain loop
    ranks = (-b1.draws).argsort(axis=0).argsort(axis=0)
    for i, a in enumerate(m.alternatives):
        assert P.loc[a, 1] == pytest.approx(float((ranks[i] == 0).mean()))


def test_bootstrap_needs_two_decision_makers_and_warns_below_ten():
    m = _belton_gear(False)
    with pytest.raises(InputError, match="at least two"):
        m.bootstrap(n_resamples=10)
    with pytest.warns(ah.FewExpertsWarning):
        _panel(K=5).bootstrap(n_resamples=20, rng=1)


def test_per_decision_maker_tables_and_group_label():
    m = _panel(K=3)
    r = m.evaluate()
    assert list(dict.fromkeys(r.totals.decision_maker)) == [GROUP, "E0", "E1", "E2"]
    for dm in m.decision_makers:
        assert r.analyze(dm).loc["G", "weight"] == pytest.approx(1.0)
        # each decision maker alone = a one-decision-maker model
        d = m.data
        prefs = {v: {dm: ps[dm]} for v, ps in d.preferences.items()}
        alone = DecisionModel(DecisionData(d.hierarchy, d.alternatives, (dm,), prefs,
                                           {v: [1.0] for v in d.hierarchy.nodes}))
        np.testing.assert_allclose(r.priorities(dm), alone.evaluate().priorities(),
                                   atol=1e-12)
    with pytest.raises(ValueError, match="decision_maker"):
        r.priorities("nobody")
    assert set(r.to_frame("contributions").columns) == {"decision_maker", "node",
                                                        "alternative", "contribution"}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::ahpstat.ConvergenceWarning")
def test_bayes_carried_to_the_alternatives():
    """With consistent, agreeing decision makers the posterior of the alternatives'
    priorities centres on the AIJ estimate; the rank probabilities follow the draws."""
    pytest.importorskip("pymc")
    m = _panel(K=8, seed=2, judgment_sd=0.2)
    est = m.evaluate(aggregation="aij", weighting="geometric_mean").priorities()
    res = m.bayes(rng=3, draws=500, tune=500, sampler_config={"chains": 2,
                                                               "progressbar": False})
    t = res.to_frame()
    np.testing.assert_allclose(t["mean"], est[list(m.alternatives)], atol=0.03)
    assert ((t.low < t["mean"]) & (t["mean"] < t.high)).all()
    rp = res.rank_probabilities().pivot(index="alternative", columns="rank",
                                        values="probability")
    np.testing.assert_allclose(rp.sum(axis=1), 1.0)


def test_zero_score_for_bayes_is_a_located_error():
    alts = ("a", "b")
    prefs = {"G": {"DM": Preference("pairwise", ("c1", "c2"), matrix=[[1, 2], [0.5, 1]])},
             "c1": {"DM": Preference("score", alts, values=[3, 0])},
             "c2": {"DM": Preference("score", alts, values=[1, 1])}}
    m = _model(prefs, alts)
    assert m.evaluate().priorities()["a"] == pytest.approx(2 / 3 + 1 / 6)
    from ahpstat.alternatives._model import _bayes_inputs

    with pytest.raises(InputError, match="'b' is 0") as e:
        _bayes_inputs(m.data, m._options(None, {}))
    assert e.value.location.node == "c1"


def test_bayes_needs_two_decision_makers():
    """R ahp's car example has one decision maker: a clear error at once (the sampler ran
    minutes to R-hat 4.5 there), not a non-converged posterior."""
    from pathlib import Path

    m = DecisionModel.from_ahp_file(Path(__file__).parent / "data" / "public" / "ahp_car.ahp")
    with pytest.raises(InputError, match="one decision maker") as e:
        m.bayes(rng=1)
    assert e.value.location.file.endswith("ahp_car.ahp")


def test_local_table_is_tidy():
    r = _panel(K=2).evaluate()
    assert isinstance(r.local, pd.DataFrame)
    g = r.local[r.local.decision_maker == GROUP]
    for _node, x in g.groupby("node"):
        assert x.priority.sum() == pytest.approx(1.0)


def test_decision_maker_weights_default_to_equal_but_partial_weights_are_an_error():
    alts = ("x", "y")
    prefs = {"G": {d: Preference("pairwise", ("c1", "c2"), matrix=[[1, 3], [1 / 3, 1]])
                   for d in ("A", "B")},
             "c1": {"A": Preference("score", alts, values=[1, 3]),
                    "B": Preference("score", alts, values=[3, 1])},
             "c2": {d: Preference("score", alts, values=[1, 1]) for d in ("A", "B")}}
    h = Hierarchy.from_children({"G": ["c1", "c2"]})
    d = DecisionData(h, alts, ("A", "B"), prefs)
    for v in ("G", "c1", "c2"):
        np.testing.assert_array_equal(d.decision_maker_weights[v], [0.5, 0.5])
    # by hand: c1 averages (1/4, 3/4) and (3/4, 1/4) to (1/2, 1/2); c2 is (1/2, 1/2)
    np.testing.assert_allclose(DecisionModel(d).evaluate().priorities()[list(alts)],
                               [0.5, 0.5])
    with pytest.raises(InputError, match="one weight per decision maker") as e:
        DecisionData(h, alts, ("A", "B"), prefs, {"G": [0.5, 0.5]})
    assert e.value.location.node == "c1"


def test_bayes_priorities_table_names_its_level_confidence_level():
    # One vocabulary (issue 9): the level is `confidence_level`, the old `ci=` a deprecated
    # alias. Checked against numpy's own quantiles of the same draws.
    from ahpstat import AHPDeprecationWarning
    from ahpstat.alternatives import DecisionBayesResult, DecisionOptions

    draws = np.random.default_rng(3).dirichlet([4, 2, 1], size=400).T  # (3 alternatives, S)
    res = DecisionBayesResult(("a", "b", "c"), draws, bayes=None, options=DecisionOptions())
    t = res.to_frame(confidence_level=0.9)
    assert t.columns.tolist() == ["alternative", "mean", "sd", "low", "high",
                                  "confidence_level"]
    np.testing.assert_allclose(t["low"], np.quantile(draws, 0.05, axis=1))
    np.testing.assert_allclose(t["high"], np.quantile(draws, 0.95, axis=1))
    assert (t["confidence_level"] == 0.9).all()
    with pytest.warns(AHPDeprecationWarning, match="confidence_level"):
        old = res.to_frame(ci=0.9)
    pd.testing.assert_frame_equal(old, t)
