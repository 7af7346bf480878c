"""Tests of ahpstat.evaluation: the evaluation reuses the bootstrap's resamples exactly (checked
against the bootstrap's own draws and against independently regenerated resamples), its
identities with the AHP scores, options and errors, determinism."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ahpstat.bootstrap import BLOCK, bootstrap_study, resample_counts
from ahpstat.evaluation import EvaluationOptions, evaluate_study
from ahpstat.mcda import topsis
from ahpstat.objective import critic_weights, entropy_weights

SEED = 11


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from ahpstat import Study
    from ahpstat.datasets import write_example_study

    return Study.from_yaml(write_example_study(tmp_path_factory.mktemp("ex"))).run()


def _boot(res, method="percentile", n=300, cluster="site", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bootstrap_study(res, n_resamples=n, cluster=cluster, rng=SEED, method=method,
                               **kw)


@pytest.fixture(scope="module")
def boot(study):
    return _boot(study)


@pytest.fixture(scope="module")
def ev(study, boot):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate_study(study, bootstrap=boot, rng=SEED, cluster="site")


def test_ahp_weights_are_the_bootstraps(study, boot, ev):
    np.testing.assert_allclose(ev.estimates["global:ahp"], boot.global_weights, rtol=1e-12)
    np.testing.assert_allclose(ev.draws["global:ahp"], boot.weight_draws, rtol=1e-12)
    t = ev.to_frame("objective_weights")
    a = t[(t.weighting == "ahp") & (t.weight == "global")]
    lo, hi = boot.confidence_interval("global_weights")
    np.testing.assert_allclose(a.ci_low, lo, rtol=1e-12)
    np.testing.assert_allclose(a.ci_high, hi, rtol=1e-12)


def test_fce_weighted_average_score_is_the_composite_score_on_every_resample(study, boot, ev):
    # M(., +) with the answer values as grade values scores exactly the weighted item mean:
    # the goal's FCE score per group equals the AHP score per group, resample by resample
    root = ev.fce_nodes.index(study.hierarchy.root)
    d = ev.draws["score:ahp:weighted_average:groups"][:, root, :]
    np.testing.assert_allclose(d, boot.group_score_draws[:, 0, :], rtol=1e-10)
    np.testing.assert_allclose(ev.draws["score:ahp:weighted_average:all"][root],
                               boot.score_draws[0], rtol=1e-10)


def test_objective_draws_match_independently_regenerated_resamples(study, boot, ev):
    # the whole-sample resamples, regenerated with the public resample_counts from the
    # overall stream of the same seed (joint_bootstrap spawns experts, overall, groups)
    _, o_root, _ = np.random.default_rng(SEED).spawn(3)
    site = np.asarray(study.group_names["site"], dtype=object)[study.group_codes["site"]]
    C = resample_counts(len(study.answers), boot.n_resamples, clusters=site, rng=o_root)
    X = study.answers
    M = study.hierarchy.membership()
    for b in (0, 1, BLOCK - 1, BLOCK, boot.n_resamples - 1):
        Xb = np.repeat(X, C[b], axis=0)
        e = entropy_weights(Xb).weights
        c = critic_weights(Xb).weights
        np.testing.assert_allclose(ev.draws["global:entropy"][:, b], M @ e, rtol=1e-10)
        np.testing.assert_allclose(ev.draws["global:critic"][:, b], M @ c, rtol=1e-10)


def test_topsis_draws_use_the_bootstraps_group_means(study, boot, ev):
    leaves = [study.hierarchy.node_index[v] for v in study.hierarchy.leaves]
    for b in (0, 77, boot.n_resamples - 1):
        gm = boot.group_score_draws[:, leaves, b]
        w = boot.weight_draws[leaves, b]
        np.testing.assert_allclose(ev.draws["topsis:ahp"][:, b], topsis(gm, w).closeness,
                                   rtol=1e-10)


def test_bca_matches_the_bootstraps_own_intervals(study):
    bb = _boot(study, method="bca", n=400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = evaluate_study(study, bootstrap=bb, rng=SEED, cluster="site")
    np.testing.assert_allclose(e.acceleration["global:ahp"], bb.acceleration["global_weights"],
                               rtol=1e-9)
    root = e.fce_nodes.index(study.hierarchy.root)
    np.testing.assert_allclose(e.acceleration["score:ahp:weighted_average:groups"][:, root],
                               bb.acceleration["group_scores"][:, 0], rtol=1e-9)
    v = e.to_frame("fce_verdicts")
    v = v[(v.operator == "weighted_average") & (v.grouping == "site")
          & (v.node == study.hierarchy.root)]
    lo, hi = bb.confidence_interval("group_scores")
    np.testing.assert_allclose(v.score_ci_low, lo[:, 0], rtol=1e-9)
    np.testing.assert_allclose(v.score_ci_high, hi[:, 0], rtol=1e-9)


def test_wrong_rng_or_cluster_is_refused(study, boot):
    with pytest.raises(ValueError, match="does not reproduce the bootstrap's resamples"):
        evaluate_study(study, bootstrap=boot, rng=SEED + 1, cluster="site")
    with pytest.raises(ValueError, match="`cluster` must be the bootstrap's cluster column"):
        evaluate_study(study, bootstrap=boot, rng=SEED)


def test_generator_rng_before_use_reproduces(study):
    gen = np.random.default_rng(5)
    from ahpstat.evaluation import rewound as _rewound

    before = _rewound(gen)                   # as the generator is before the bootstrap
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = bootstrap_study(study, n_resamples=50, cluster="site", rng=gen)
        e = evaluate_study(study, bootstrap=b, rng=before, cluster="site")
    assert e.draws["topsis:ahp"].shape == (2, 50)


def test_deterministic(study, boot, ev):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = evaluate_study(study, bootstrap=boot, rng=SEED, cluster="site")
    for k, t in ev.tables.items():
        assert t.equals(again.tables[k]), k



def test_counts_kept_by_the_bootstrap_give_the_same_draws_and_tables(study, boot, ev):
    """The study pipeline has the joint bootstrap count its within-group resamples by
    answer level and keep the counts for the evaluation (drawn once instead of twice): the
    group score draws equal those of ``counts @ answers``, and the evaluation's tables those
    of resamples regenerated from the streams, bit for bit."""
    from ahpstat._level_counts import keeping_counts

    with warnings.catch_warnings(), keeping_counts(tuple(study.study.survey.likert)) as kept:
        warnings.simplefilter("ignore")
        shared = _boot(study)
        assert sorted(kept.blocks) == [0, 1]  # 300 resamples: two blocks kept
        assert kept.take(boot, 0) is None     # only for the bootstrap that kept them
        again = evaluate_study(study, bootstrap=shared, rng=SEED, cluster="site")
    assert not kept.blocks  # all taken
    np.testing.assert_array_equal(shared.group_score_draws, boot.group_score_draws)
    np.testing.assert_array_equal(shared.score_draws, boot.score_draws)
    for k, t in ev.tables.items():
        assert t.equals(again.tables[k]), k

def test_tables_and_ranks(study, ev):
    t = ev.to_frame("objective_weights")
    assert set(t.weighting) == {"ahp", "entropy", "critic", "combined"}
    g = t[t.weight == "global"]
    # every weighting's leaves sum to 1 and a node's weight is the sum of its leaves'
    for _w, sub in g.groupby("weighting"):
        leaves = sub[sub.node.isin(study.hierarchy.leaves)]
        assert leaves.estimate.sum() == pytest.approx(1.0)
        assert sub[sub.node == study.hierarchy.root].estimate.iloc[0] == pytest.approx(1.0)
    loc = t[(t.weight == "local") & (t.parent == study.hierarchy.root)]
    for _w, sub in loc.groupby("weighting"):
        assert sub.estimate.sum() == pytest.approx(1.0)
    r = ev.to_frame("evaluation_ranks")
    sums = r.groupby(["ranking", "weighting", "group"]).probability.sum()
    np.testing.assert_allclose(sums, 1.0)
    a = ev.to_frame("weight_agreement")
    assert set(a.measure) == {"kendall_tau", "weighted_spearman"}
    v = ev.to_frame("fce_verdicts")
    assert set(v.verdict) <= set(ev.grades)
    assert ((v.verdict_share >= 0) & (v.verdict_share <= 1)).all()
    f = ev.to_frame("fce")
    sums = f[f.operator == "weighted_average"].groupby(["group", "node"]).estimate.sum()
    np.testing.assert_allclose(sums, 1.0)
    with pytest.raises(ValueError, match="`kind` must be one of"):
        ev.to_frame("nope")


def test_without_bootstrap_and_groups_unit(study):
    opts = EvaluationOptions(objective=("entropy", "sd", "cv"), unit="groups",
                             combination="linear", alpha=0.6, combine="sd",
                             fce_weighting=("combined", "entropy"),
                             fce_operators=("M(∧,∨)", "max_product", "bounded_min_sum"),
                             grades=("很差", "差", "一般", "好", "很好"), fce_nodes="all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = evaluate_study(study, options=opts)
    assert e.draws is None
    t = e.to_frame("objective_weights")
    assert t.ci_low.isna().all() and t.interval.isna().all()
    # linear combination with alpha = 0.6 on the AHP vector
    leaves = list(study.hierarchy.leaves)
    g = t[(t.weight == "global") & t.node.isin(leaves)].pivot(index="node", columns="weighting",
                                                              values="estimate")
    np.testing.assert_allclose(g["combined"], 0.6 * g["ahp"] + 0.4 * g["sd"], rtol=1e-12)
    assert set(e.to_frame("fce").node) == set(study.hierarchy.nodes)
    assert set(e.to_frame("fce_verdicts").verdict) <= {"很差", "差", "一般", "好", "很好"}


def test_options_validation():
    with pytest.raises(ValueError, match="`objective` must be one of"):
        EvaluationOptions(objective=("entropie",))
    with pytest.raises(ValueError, match="needs `alpha`"):
        EvaluationOptions(combination="linear")
    with pytest.raises(ValueError, match="linear combination only"):
        EvaluationOptions(alpha=0.3)
    with pytest.raises(ValueError, match="does not compute"):
        EvaluationOptions(objective=("entropy",), topsis_weighting=("critic",))
    with pytest.raises(ValueError, match="does not compute"):
        EvaluationOptions(combination=None, fce_weighting=("combined",))
    with pytest.raises(ValueError, match="`combine` must be one of"):
        EvaluationOptions(objective=("entropy",), combine="critic")
    with pytest.raises(ValueError, match="`rho` must be in"):
        EvaluationOptions(rho=2)
    with pytest.raises(ValueError, match="`unit` must be one of"):
        EvaluationOptions(unit="items")
    with pytest.raises(ValueError, match="`operator` must be one of"):
        EvaluationOptions(fce_operators=("max",))
    with pytest.raises(ValueError, match="must not repeat"):
        EvaluationOptions(objective=("entropy", "Entropy"))


def test_bad_arguments(study):
    with pytest.raises(ValueError, match="`grades` must name the 5 answer categories"):
        evaluate_study(study, options=EvaluationOptions(grades=("bad", "good")))
    with pytest.raises(ValueError, match="`group` must be a grouping column"):
        evaluate_study(study, group="district")
    with pytest.raises(TypeError, match="`options` must be an EvaluationOptions"):
        evaluate_study(study, options={"objective": "entropy"})


# ------------------------------------------------------------------------ the study file

_SECTIONS = """bootstrap: {n_resamples: 200, cluster: site, method: BCa}
objective_weights: {methods: [entropy, critic], normalization: proportion}
combination: {method: linear, alpha: 0.5}
fce: {grades: [很差, 差, 一般, 好, 很好], operators: [weighted_average, "M(∧,∨)"],
      weighting: [ahp, combined]}
topsis: {weighting: [ahp, entropy]}
gra: {rho: 0.4}
"""


def _study_file(tmp_path, extra):
    from ahpstat.datasets import write_example_study

    return write_example_study(tmp_path, extra=extra)


def test_study_sections_run_on_the_bootstraps_resamples(tmp_path):
    from ahpstat import Study
    from ahpstat.output import write_study

    st = Study.from_yaml(_study_file(tmp_path, _SECTIONS))
    o = st.evaluation
    assert o.objective == ("entropy", "critic") and o.normalization == "proportion"
    assert o.combination == "linear" and o.alpha == 0.5 and o.combine == "entropy"
    assert o.fce_operators == ("weighted_average", "max_min")
    assert o.topsis_weighting == ("ahp", "entropy")
    assert o.gra_weighting == ("ahp", "entropy", "critic", "combined") and o.rho == 0.4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = st.run()
    for k in ("objective_weights", "fce_verdicts", "topsis", "gra", "evaluation_ranks"):
        assert k in res.frame_kinds
    # the FCE score at the goal is the composite score, with the bootstrap's own interval
    v = res.to_frame("fce_verdicts")
    v = v[(v.operator == "weighted_average") & (v.weighting == "ahp")
          & (v.node == res.hierarchy.root)]
    s = res.scores[res.scores.node == res.hierarchy.root]
    m = v.merge(s, on=["grouping", "group"])
    np.testing.assert_allclose(m.score_x, m.score_y, rtol=1e-12)
    # groups only: with 2 clusters half the whole-sample resamples equal the estimate, and
    # BCa's count of draws below it then turns on the last bit of rounding
    g = m[m.grouping == "site"]
    np.testing.assert_allclose(g.score_ci_low, g.ci_low, rtol=1e-9)
    np.testing.assert_allclose(g.score_ci_high, g.ci_high, rtol=1e-9)
    assert res.run_info["evaluation"]["grouping"] == "site"
    assert set(res.provenance()["options"]) >= {"objective_weights", "fce", "gra"}
    out = tmp_path / "out"
    write_study(res, out)
    assert (out / "fce_verdicts.csv").exists() and (out / "weight_agreement.csv").exists()


def test_study_without_bootstrap_evaluates_point_values(tmp_path):
    from ahpstat import Study

    st = Study.from_yaml(_study_file(tmp_path, "fce: {}\n"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = st.run()
    assert res.to_frame("fce").ci_low.isna().all()
    assert set(res.to_frame("objective_weights").weighting) == {"ahp"}


@pytest.mark.parametrize("extra, match", [
    ("combination: {}\n", r"needs the `objective_weights` section"),
    ("objective_weights: {}\ncombination: {method: linear}\n",
     r"`combination.alpha` .* is required"),
    ("objective_weights: {}\ncombination: {alpha: 0.3}\n", r"linear combination only"),
    ("objective_weights: {methods: entropy}\ncombination: {objective: critic}\n",
     r"`combination.objective` must be one of"),
    ("objective_weights: {methods: [entropy]}\ntopsis: {weighting: [critic]}\n",
     r"`topsis.weighting` names 'critic'.*objective_weights.methods"),
    ("fce: {weighting: [combined]}\n", r"add the `combination` section"),
    ("fce: {grades: [bad, good]}\n", r"`fce.grades` must give one entry per answer category, 5"),
    ("fce: {operators: [max]}\n", r"`fce.operators` must be"),
    ("objective_weights: {methods: [entropy, entropy]}\n", r"`objective_weights.methods`"),
    ("gra: {rho: 0}\n", r"`gra.rho` must be a number in \(0, 1\]"),
    ("objective_weights: {metods: [sd]}\n", r"unknown key `objective_weights.metods`"),
])
def test_study_section_errors_name_the_key(tmp_path, extra, match):
    from ahpstat import InputError, Study

    with pytest.raises(InputError, match=match) as info:
        Study.from_yaml(_study_file(tmp_path, extra))
    assert "study.yaml" in str(info.value)


def test_group_methods_need_a_grouping_column(tmp_path):
    from ahpstat import InputError, Study

    p = _study_file(tmp_path, "topsis: {}\n")
    text = p.read_text(encoding="utf-8").replace("group_columns: [site]", "group_columns: []")
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"`topsis` works on the groups"):
        Study.from_yaml(p)


def test_run_switch_skips_or_forces_the_evaluation(tmp_path):
    # Study.run(evaluation=...) and `ahpstat run --no-evaluation` / `--evaluation`
    from ahpstat.cli import main
    from ahpstat.datasets import write_example_study
    from ahpstat.study import Study

    path = write_example_study(tmp_path / "s")
    st = Study.from_yaml(path)
    assert st.evaluation is None and "objective_weights" not in st.run().uncertainty
    forced = st.run(evaluation=True).uncertainty
    assert {"objective_weights", "fce", "topsis"} <= set(forced)
    assert set(forced["objective_weights"].weighting) == {"ahp", "entropy", "critic",
                                                          "combined"}
    path.write_text(path.read_text() + "objective_weights:\n  methods: [entropy]\n")
    st = Study.from_yaml(path)
    assert st.evaluation_options(False) is None
    assert st.evaluation_options(True).objective == ("entropy",)
    assert main(["run", str(path), "--out", str(tmp_path / "b"), "--no-figures",
                 "--no-evaluation"]) == 0
    assert (tmp_path / "b" / "scores.csv").exists()
    assert not (tmp_path / "b" / "objective_weights.csv").exists()


@pytest.fixture(scope="module")
def boot5(study):
    return _boot(study, method="bca", n=5 * BLOCK - 17)  # five blocks, the last partial


def _draws(study, boot5, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate_study(study, bootstrap=boot5, rng=SEED, cluster="site", **kw)


def _same_evaluation(got, one):
    assert got.draws.keys() == one.draws.keys()
    for k, v in one.draws.items():
        assert got.draws[k].strides == v.strides, k
        np.testing.assert_array_equal(got.draws[k], v, err_msg=k)
    for k, v in one.acceleration.items():
        np.testing.assert_array_equal(got.acceleration[k], v, err_msg=k)
    for k, t in one.tables.items():
        assert t.equals(got.tables[k]), k


def test_blocks_shared_with_a_child_give_the_draws_of_one_process(study, boot5, monkeypatch):
    """The evaluation's blocks of resamples computed here and in a forked child (each
    process taking the next block when free) give the draws, accelerations and tables of
    everything computed in this process, bit for bit and in the same memory layout; so do
    blocks that a child claimed and never stored (a child that died: computed here)."""
    import threading

    import ahpstat.evaluation._study as S
    from ahpstat._threads import Claims

    monkeypatch.setenv("AHPSTAT_THREADS", "1")
    seen = []
    one = _draws(study, boot5, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(min(k * BLOCK, 5 * BLOCK - 17), 5 * BLOCK - 17) for k in range(1, 6)]
    monkeypatch.setenv("AHPSTAT_THREADS", "2")
    made = []

    def claims(n):  # shared whether or not this process may fork (no fork below)
        made.append(Claims(n))
        return made[-1]

    real_child = S.in_child

    def dying_child(func):
        if func.__name__ != "child_blocks":  # BCa's jackknife
            return real_child(func)
        next(iter(made[-1]))  # the child claimed a block, then died before storing it
        return lambda cancel=False: []

    with monkeypatch.context() as m:
        m.setattr(S, "shared_claims", claims)
        m.setattr(S, "in_child", dying_child)
        seen.clear()
        lost = _draws(study, boot5, progress=lambda done, total: seen.append((done, total)))
    assert len(made) == 1
    _same_evaluation(lost, one)
    assert [d for d, _ in seen] == sorted({d for d, _ in seen}) and seen[-1][0] == seen[-1][1]
    if threading.active_count() != 1:
        pytest.skip("no child is forked where other threads run (the rest was checked)")
    seen.clear()
    two = _draws(study, boot5, progress=lambda done, total: seen.append((done, total)))
    _same_evaluation(two, one)
    assert [d for d, _ in seen] == sorted({d for d, _ in seen}) and seen[-1][0] == seen[-1][1]


def test_counts_a_forked_child_took_are_not_kept_here(study, boot, ev, monkeypatch):
    """The within-group counts the joint bootstrap kept for a block that the evaluation's
    child computed are dropped here too (the child took them in its own memory)."""
    import threading
    import time

    import ahpstat.evaluation._study as S
    from ahpstat._level_counts import keeping_counts

    monkeypatch.setenv("AHPSTAT_THREADS", "2")
    if threading.active_count() != 1:
        pytest.skip("no child is forked where other threads run")
    real = S.in_child

    def parent_late(func):  # the child claims block 1 before this process asks
        result = real(func)
        time.sleep(1.0)
        return result

    monkeypatch.setattr(S, "in_child", parent_late)
    with warnings.catch_warnings(), keeping_counts(tuple(study.study.survey.likert)) as kept:
        warnings.simplefilter("ignore")
        shared = _boot(study)
        assert sorted(kept.blocks) == [0, 1]
        again = evaluate_study(study, bootstrap=shared, rng=SEED, cluster="site")
        assert not kept.blocks
    for k, t in ev.tables.items():
        assert t.equals(again.tables[k]), k


def test_an_estimate_made_ahead_gives_the_same_evaluation(study, boot, ev, monkeypatch):
    """``prepared`` (the set-up and whole-sample statistics made ahead by ``estimate``)
    is used (no evaluator made again) and gives the same tables; one made for other
    options is not used."""
    import ahpstat.evaluation._study as S
    from ahpstat.evaluation import estimate

    e = estimate(study, EvaluationOptions(), group="site", cluster="site", compute=True)
    assert e.est
    other = estimate(study, EvaluationOptions(objective=("entropy",)), compute=True)
    assert "global:critic" not in other.est
    made = []
    real = S.Evaluator

    def counted(*args, **kw):
        made.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(S, "Evaluator", counted)
    got = _draws(study, boot, prepared=e)
    assert made == []
    for k, t in ev.tables.items():
        assert t.equals(got.tables[k]), k
    again = _draws(study, boot, prepared=other)
    assert made == [1]
    for k, t in ev.tables.items():
        assert t.equals(again.tables[k]), k


def test_hooks_of_the_wrong_kind_are_refused_before_any_work(study, boot):
    with pytest.raises(TypeError, match="`meanwhile` must be callable; got int"):
        evaluate_study(study, bootstrap=boot, rng=SEED, cluster="site", meanwhile=42)
    with pytest.raises(TypeError, match=r"`prepared` must be an Estimate.*got int"):
        evaluate_study(study, bootstrap=boot, rng=SEED, cluster="site", prepared=42)
    with pytest.raises(TypeError, match="`meanwhile` must be callable; got str"):
        _boot(study, meanwhile="later")


def test_meanwhile_is_called_once_and_changes_nothing(study, boot, ev):
    calls = []
    got = _draws(study, boot, meanwhile=lambda: calls.append(1))
    assert calls == [1]
    for k, t in ev.tables.items():
        assert t.equals(got.tables[k]), k
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluate_study(study, meanwhile=lambda: calls.append(2))  # no bootstrap
    assert calls == [1, 2]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_bootstraps_meanwhile_is_called_once_and_changes_nothing(study, boot, monkeypatch,
                                                                     workers):
    monkeypatch.setenv("AHPSTAT_THREADS", workers)
    calls = []
    got = _boot(study, meanwhile=lambda: calls.append(1))
    assert calls == [1]
    for name in ("score_draws", "group_score_draws", "weight_draws"):
        np.testing.assert_array_equal(getattr(got, name), getattr(boot, name), err_msg=name)
    for k, v in boot.acceleration.items():
        np.testing.assert_array_equal(got.acceleration[k], v, err_msg=k)


@pytest.mark.parametrize("grades", [1, 2, 5])
def test_draw_verdicts_are_argmax_over_the_grades_with_nan_as_none(grades):
    from ahpstat.evaluation._tables import draw_verdicts

    gen = np.random.default_rng(grades)
    D = gen.integers(0, 3, size=(3, 4, grades, 200)).astype(float)  # many ties
    D[gen.random(D.shape) < 0.05] = np.nan
    D[gen.random(D.shape) < 0.05] = -np.inf
    D[gen.random(D.shape) < 0.02] = np.inf
    D[0, 0, :, :5] = -np.inf  # every grade -inf: the first
    want = np.argmax(np.where(np.isnan(D), -np.inf, D), axis=-2)
    want = np.where(np.isnan(D).any(axis=-2), -1, want)
    got = draw_verdicts(D)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    assert (got == -1).any() and (got >= 0).any()
