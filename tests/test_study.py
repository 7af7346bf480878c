"""End-to-end tests of ahpstat.study on the reconstructed seed study, and its input errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ahpstat.hierarchy")
pytest.importorskip("ahpstat.io")

import ahpstat as ah
from ahpstat import InputError
from ahpstat.output import write_study
from ahpstat.study import Study, check_study

STUDY = Path(__file__).resolve().parents[1] / "studies" / "hangzhou_2022"


@pytest.fixture(scope="module")
def result():
    # the seed study's own bootstrap runs; its Bayesian fit is tested on a tiny study below,
    # its evaluation (objective weights, FCE, TOPSIS, GRA) in test_evaluation.py
    return Study.from_yaml(STUDY / "study.yaml").run(bayes=False, sensitivity=False,
                                                     evaluation=False)


@pytest.fixture
def study_copy(tmp_path):
    dst = tmp_path / "study"
    shutil.copytree(STUDY, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def _edit_yaml(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# ------------------------------------------------------------------ the seed study's figures


def test_reproduces_the_published_figures(result):
    W = result.weights.set_index("node")["global"]
    crit = ["B1", "B2", "B3", "B4", "B5", "B6", "B7"]
    order = sorted(crit, key=lambda c: -W[c])
    assert order == ["B2", "B6", "B7", "B5", "B4", "B3", "B1"]
    S = result.scores[result.scores.grouping == "all"].set_index("node")["score"]
    assert S["A"] == pytest.approx(3.7801, abs=0.01)
    assert S["B7"] == pytest.approx(3.759, abs=0.01)
    assert all(S[c] > 3.5 for c in crit)
    assert max(crit, key=lambda c: S[c]) == "B1"
    assert min(crit, key=lambda c: S[c]) == "B3"
    lab = result.weights.set_index("node")["label"]
    by_en = {lab[v].split("(")[-1].rstrip(")"): v for v in lab.index}
    assert S[by_en["goal completion"]] == pytest.approx(4.0, abs=0.02)
    assert S[by_en["basic information disclosure"]] == pytest.approx(3.3964, abs=0.02)


def test_tables_are_complete_and_consistent(result):
    h = result.hierarchy
    w = result.weights
    for d in sorted(set(w.depth)):
        assert w[w.depth == d]["global"].sum() == pytest.approx(1.0)
    assert result.leaf_weights.sum() == pytest.approx(1.0)
    c = result.consistency
    K = len(result.experts)
    assert K == 25 and len(result.respondents) == 370
    assert len(c[c.expert != "(aggregate)"]) == K * len(h.internal)
    assert set(result.group_names["community"]) and len(result.group_names["community"]) == 28
    s = result.scores
    assert len(s) == len(h.nodes) * (1 + 28)
    # the audit records every unacceptable expert matrix
    bad = c[(c.expert != "(aggregate)") & (c.acceptable == False)]  # noqa: E712
    assert len(result.audit) == len(bad) >= 1
    assert set(result.reliability.scope) == {*h.children(h.root), "overall"}
    # arrays for the uncertainty layers
    assert result.answers.shape == (370, len(h.leaves))
    assert result.membership.shape == (len(h.nodes), len(h.leaves))
    np.testing.assert_allclose(result.resample_leaf_weights(np.arange(K)),
                               result.leaf_weights)


def test_write_is_deterministic_and_complete(result, tmp_path):
    a = write_study(result, tmp_path / "a")
    b = write_study(Study.from_yaml(STUDY / "study.yaml").run(bayes=False, sensitivity=False,
                                                              evaluation=False),
                    tmp_path / "b", figures=False)
    names = sorted(p.name for p in a.glob("*.csv"))
    assert len(names) == 13  # 8 classic tables + 5 of the bootstrap
    for name in names:  # the seed study's bootstrap included: same seed, same bytes
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for name in ("report.md", "report.html", "provenance.json", "hierarchy.png",
                 "scores_criteria.png", "scores_groups.png", "consistency.png",
                 "forest_scores.png", "rank_probabilities.png"):
        assert (a / name).is_file(), name
    prov = json.loads((a / "provenance.json").read_text())
    import hashlib

    for role, d in prov["inputs"].items():
        digest = hashlib.sha256((STUDY / d["path"]).read_bytes()).hexdigest()
        assert d["sha256"] == digest, role
    assert prov["options"]["weighting"]["method"] == "eigenvector"
    assert prov["options"]["consistency"]["random_index"] == "saaty"
    md = (a / "report.md").read_text(encoding="utf-8")
    assert "Random index table: **saaty**" in md and "AIJ" in md


def test_write_is_atomic(result, tmp_path, monkeypatch):
    import ahpstat.report

    out = write_study(result, tmp_path / "out", figures=False)  # a previous output
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ahpstat.report, "write_report", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        write_study(result, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    with pytest.raises(RuntimeError):
        write_study(result, tmp_path / "new")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("policy", ["drop", "repair", "downweight"])
def test_policies_run_and_are_audited(study_copy, policy):
    _edit_yaml(study_copy / "study.yaml", "policy: keep", f"policy: {policy}")
    if policy == "drop":
        # every part of the sensitivity section runs once, under the policy that changes the
        # panel most, on smaller grids (its multiverse varies the policy itself:
        # tests/test_multiverse.py)
        for old, new in [("scale: [saaty, balanced, logarithmic]", "scale: [saaty]"),
                         ("likert: [mean, top2_box, ridit]", "likert: [mean, ridit]"),
                         ("n_resamples: 200, probability", "n_resamples: 20, probability"),
                         ("n_samples: 512", "n_samples: 64")]:
            _edit_yaml(study_copy / "study.yaml", old, new)
    res = Study.from_yaml(study_copy / "study.yaml").run(bootstrap=False, bayes=False,
                                                         sensitivity=policy == "drop")
    assert policy in set(res.audit.action) or (policy == "repair"
                                               and "repair" in set(res.audit.action))
    assert res.leaf_weights.sum() == pytest.approx(1.0)
    if policy == "drop":
        assert {"multiverse", "sensitivity_weights", "sensitivity_judgments_ranks",
                "sensitivity_sobol"} <= set(res.sensitivity.frame_kinds)


def test_listwise_and_aip(study_copy):
    _edit_yaml(study_copy / "study.yaml", "missing: available_case", "missing: listwise")
    _edit_yaml(study_copy / "study.yaml", "aggregation: aij", "aggregation: aip")
    res = Study.from_yaml(study_copy / "study.yaml").run(bootstrap=False, bayes=False,
                                                         sensitivity=False)
    assert res.answers.shape[0] == 370 - res.n_dropped_listwise
    assert not np.isnan(res.answers).any()


# ------------------------------------------------------------------ study-file errors


@pytest.mark.parametrize(("old", "new", "message"), [
    ("seed: 20220607", "seed: 1\ncolour: red", r"study.yaml, line \d+: unknown key `colour`"),
    ("policy: keep", "policy: keep\n  tolerance: 3",
     r"study.yaml, line \d+: unknown key `consistency.tolerance`"),
    ("policy: keep", "policy: ignore",
     r"study.yaml, line \d+: `consistency.policy` must be one of \{'keep', 'drop', 'repair', "
     r"'downweight'\}. Got 'ignore' instead."),
    ("threshold: 0.1", "threshold: -0.1", r"`consistency.threshold` must be a positive"),
    ("method: eigenvector", "method: magic", r"`weighting.method` must be one of"),
    ("random_index: saaty ", "random_index: nope ", r"`consistency.random_index` must be one"),
    ("likert: [1, 5]", "likert: [5, 1]", r"`survey.likert` must be \[lowest, highest\]"),
    ("missing: available_case", "missing: impute", r"`survey.missing` must be one of"),
    ("layout: long", "layout: diagonal", r"`judgments.layout` must be one of"),
    ("seed: 20220607", "seed: -3", r"`seed` must be a non-negative integer"),
    ("hierarchy: hierarchy.yaml\n", "", r"the key `hierarchy` is required"),
])
def test_study_file_errors(study_copy, old, new, message):
    _edit_yaml(study_copy / "study.yaml", old, new)
    with pytest.raises(InputError, match=message):
        Study.from_yaml(study_copy / "study.yaml")


def test_bad_yaml_and_missing_study(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("hierarchy: [unclosed\n")
    with pytest.raises(InputError, match=r"s.yaml.*not valid YAML"):
        Study.from_yaml(p)
    with pytest.raises(InputError, match=r"the study file does not exist"):
        Study.from_yaml(tmp_path / "none.yaml")


# ------------------------------------------------------------------ input-file errors


def _corrupt(study_copy, what):
    if what == "judgments":
        p = study_copy / "judgments.csv"
        lines = p.read_text().splitlines()
        lines[5] = ",".join([*lines[5].split(",")[:-1], "-3"])
        p.write_text("\n".join(lines) + "\n")
        return "judgments.csv"
    if what == "survey":
        p = study_copy / "survey.csv"
        lines = p.read_text().splitlines()
        lines[3] = ",".join([*lines[3].split(",")[:-1], "7"])
        p.write_text("\n".join(lines) + "\n")
        return "survey.csv"
    if what == "survey_column":
        p = study_copy / "survey.csv"
        p.write_text(p.read_text().replace(",Q57", ",Q99", 1))
        return "survey.csv"
    if what == "hierarchy":
        p = study_copy / "hierarchy.yaml"
        p.write_text(p.read_text().replace("id: D57", "id: D56", 1))
        return "hierarchy.yaml"
    if what == "missing_file":
        (study_copy / "survey.csv").unlink()
        return "survey.csv"
    raise AssertionError(what)


@pytest.mark.parametrize("what", ["judgments", "survey", "survey_column", "hierarchy",
                                  "missing_file"])
def test_bad_inputs_name_the_file_and_write_nothing(study_copy, tmp_path, what):
    fname = _corrupt(study_copy, what)
    out = tmp_path / "out"
    with pytest.raises(InputError, match=fname.replace(".", r"\.")):
        write_study(Study.from_yaml(study_copy / "study.yaml").run(), out)
    assert not out.exists()
    problems = check_study(study_copy / "study.yaml")
    assert problems and any(fname in str(p) for p in problems)


def test_check_reports_several_problems(study_copy):
    _corrupt(study_copy, "judgments")
    _corrupt(study_copy, "survey")
    problems = check_study(study_copy / "study.yaml")
    text = "\n".join(map(str, problems))
    assert "judgments.csv" in text and "survey.csv" in text


def test_check_clean_study():
    assert check_study(STUDY / "study.yaml") == []


# ------------------------------------------------------------------ bootstrap_study (4.4)

from ahpstat.bootstrap import bootstrap_study  # noqa: E402
from ahpstat.datasets import write_example_study  # noqa: E402


def _tiny(tmp_path, **kw):
    return Study.from_yaml(write_example_study(tmp_path / "tiny", **kw)).run()


def test_bootstrap_study_constant_survey_gives_zero_width(tmp_path):
    # every answer 4: each composite score is a weighted mean of 4s, so exactly 4 in every
    # resample of experts and respondents (independent of the code: arithmetic)
    res = _tiny(tmp_path, constant=4, sites=[f"s{k}" for k in range(20)])
    b = bootstrap_study(res, n_resamples=300, cluster="site", rng=3)
    t = b.to_frame("scores")
    np.testing.assert_allclose(t.ci_low, 4.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(t.ci_high, 4.0, rtol=0, atol=1e-12)
    vs = b.variance_split()
    np.testing.assert_allclose(vs.var_joint, 0.0, atol=1e-20)


def test_bootstrap_study_one_expert_has_no_panel_variance(tmp_path):
    res = _tiny(tmp_path, n_experts=1)
    with pytest.warns(ah.DegenerateDataWarning, match="one expert"):
        b = bootstrap_study(res, n_resamples=200, rng=1)
    vs = b.variance_split()
    assert (vs.var_panel == 0).all() and (vs.share_panel.fillna(0) == 0).all()
    w = b.to_frame("weights")
    np.testing.assert_array_equal(w.ci_low, w.estimate)
    np.testing.assert_array_equal(w.ci_high, w.estimate)


def test_bootstrap_study_reproducible_and_matches_analytic_se(tmp_path):
    res = _tiny(tmp_path, n_respondents=200)
    a = bootstrap_study(res, n_resamples=2000, resample="respondents", rng=11)
    b = bootstrap_study(res, n_resamples=2000, resample="respondents", rng=11)
    c = bootstrap_study(res, n_resamples=2000, resample="respondents", rng=12)
    np.testing.assert_array_equal(a.score_draws, b.score_draws)
    np.testing.assert_array_equal(a.group_score_draws, b.group_score_draws)
    assert not np.array_equal(a.score_draws, c.score_draws)
    # independent check: with fixed weights and complete answers the goal's score is the
    # mean over respondents of z_i = sum_l (w_l / sum w) x_il, whose iid-bootstrap standard
    # error is sd(z) * sqrt((n - 1) / n) / sqrt(n) (Efron & Tibshirani 1993, eq. 6.2)
    X = res.answers
    z = X @ res.leaf_weights
    n = len(z)
    se = z.std(ddof=1) * np.sqrt((n - 1) / n) / np.sqrt(n)
    assert a.standard_error("scores")[0] == pytest.approx(se, rel=0.08)
    assert a.scores[0] == pytest.approx(z.mean())


def test_bootstrap_study_bad_options(tmp_path):
    res = _tiny(tmp_path)
    with pytest.raises(ValueError, match=r"`cluster` must be a grouping column of the study "
                                         r"\(survey.group_columns: \['site'\]\)"):
        bootstrap_study(res, n_resamples=10, cluster="district")
    with pytest.raises(ValueError, match=r"`group` must be a grouping column"):
        bootstrap_study(res, n_resamples=10, group="district")
    with pytest.raises(ValueError, match=r"`method` must be one of \{'percentile', 'basic', "
                                         r"'bca'\}; got 'magic' instead"):
        bootstrap_study(res, n_resamples=10, method="magic")
    with pytest.raises(ValueError, match=r"`n_resamples` must be an integer >= 2"):
        bootstrap_study(res, n_resamples=1, method="BCa")
    one = _tiny(tmp_path / "one", sites=["s1"])
    with pytest.raises(InputError, match=r"survey\.csv, column 'site': cluster resampling "
                                         r"needs at least 2 clusters"):
        bootstrap_study(one, n_resamples=10, cluster="site")


# ------------------------------------------------------------------ the bootstrap: section

_BOOT = ("bootstrap:\n  n_resamples: 300\n  cluster: site\n  method: percentile\n"
         "  confidence_level: 0.9\n")
_SITES = [f"s{k}" for k in range(20)]


def test_bootstrap_section_tables_are_reproducible(tmp_path):
    y = write_example_study(tmp_path / "s", sites=_SITES, extra=_BOOT)
    a = write_study(Study.from_yaml(y).run(), tmp_path / "a", figures=False)
    b = write_study(Study.from_yaml(y).run(), tmp_path / "b", figures=False)
    c = write_study(Study.from_yaml(y).run(rng=99), tmp_path / "c", figures=False)
    names = sorted(p.name for p in a.glob("*.csv"))
    for t in ("rank_probabilities.csv", "rank_pairwise.csv", "criteria_ranks.csv",
              "variance_split.csv"):
        assert t in names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "scores.csv").read_bytes() != (c / "scores.csv").read_bytes()
    prov = json.loads((a / "provenance.json").read_text())
    assert prov["bootstrap"]["method"] == "percentile"
    assert prov["bootstrap"]["confidence_level"] == 0.9
    assert prov["bootstrap"]["scheme"] == "cluster" and prov["bootstrap"]["n_clusters"] == 20


def test_bootstrap_section_intervals_and_ranks(tmp_path):
    res = Study.from_yaml(write_example_study(tmp_path / "s", sites=_SITES, extra=_BOOT)).run()
    s = res.scores
    assert s[["ci_low", "ci_high"]].notna().all().all()
    assert ((s.ci_low <= s.score + 1e-12) & (s.score <= s.ci_high + 1e-12)).all()
    # the whole-sample 90% percentile intervals are the 5% / 95% quantiles (numpy's linear
    # type 7, scipy.stats.bootstrap's convention) of the kept resamples
    lo, hi = np.quantile(res.bootstrap.score_draws, [0.05, 0.95], axis=-1)
    np.testing.assert_allclose(s[s.grouping == "all"].ci_low, lo, rtol=1e-12)
    np.testing.assert_allclose(s[s.grouping == "all"].ci_high, hi, rtol=1e-12)
    w = res.weights
    assert (w.ci_low <= w["global"] + 1e-12).all() and (w["global"] <= w.ci_high + 1e-12).all()
    r = res.ranks
    assert ((r.rank_ci_low <= r.rank_mean) & (r.rank_mean <= r.rank_ci_high)).all()
    rp = res.uncertainty["rank_probabilities"]
    sums = rp.groupby(["node", "group"]).probability.sum()
    np.testing.assert_allclose(sums, 1.0)
    # each node's rows are its own rank probabilities (asked of the bootstrap here), and
    # the rank table's mean rank of each internal node is their mean
    from ahpstat.study._uncertainty import _rank_summary

    assert rp.node.nunique() > 1
    for v, sub in rp.groupby("node", sort=False):
        own = res.bootstrap.rank_probabilities(node=v).set_index(["group", "rank"])
        got = sub.set_index(["group", "rank"]).probability
        np.testing.assert_array_equal(got, own.probability.loc[got.index])
    for v in res.hierarchy.internal:
        want = _rank_summary(res.bootstrap.rank_probabilities(node=v), 0.9)
        got = r[r.node == v].set_index("group").rank_mean
        np.testing.assert_array_equal(got.loc[want.group], want.rank_mean)
    vs = res.uncertainty["variance_split"]
    share = vs.share_panel.dropna()  # 0/0 where a small group answered an item alike
    assert len(share) and ((share >= 0) & (share <= 1)).all()


def test_bootstrap_section_switches(tmp_path):
    y = write_example_study(tmp_path / "s", sites=_SITES,
                       extra=_BOOT.replace("bootstrap:\n", "bootstrap:\n  enabled: false\n"))
    res = Study.from_yaml(y).run()
    assert res.bootstrap is None and res.scores.ci_low.isna().all()
    assert "variance_split" not in res.frame_kinds
    assert Study.from_yaml(y).run(bootstrap=True).bootstrap.n_resamples == 300
    plain = write_example_study(tmp_path / "p", sites=_SITES)
    assert Study.from_yaml(plain).run().bootstrap is None
    # the defaults (BOOTSTRAP_DEFAULTS) when switched on without a section
    b = Study.from_yaml(plain).run(bootstrap=True).bootstrap
    assert b.n_resamples == 2000 and b.method == "percentile" and b.scheme == "iid"


@pytest.mark.parametrize(("line", "message"), [
    ("  cluster: district\n", r"study.yaml, line \d+: "
                              r"`bootstrap.cluster` must be one of the survey's "
                              r"group columns \(`survey.group_columns`: \['site'\]\)"),
    ("  method: jackknife\n", r"study.yaml, line \d+: "
                              r"`bootstrap.method` must be one of \{'percentile', "
                              r"'basic', 'BCa'\}. Got 'jackknife' instead."),
    ("  replicates: 1\n", r"study.yaml, line \d+: `bootstrap.replicates` must be an integer >= 2"),
    ("  level: 95\n", r"study.yaml, line \d+: `bootstrap.level` must be a confidence level"),
    ("  resample: panel\n", r"study.yaml, line \d+: "
                            r"`bootstrap.resample` must be experts, respondents"),
    ("  enabled: maybe\n", r"study.yaml, line \d+: `bootstrap.enabled` must be true or false"),
    ("  seeds: 3\n", r"study.yaml, line \d+: unknown key `bootstrap.seeds`"),
])
def test_bootstrap_section_errors(tmp_path, line, message):
    y = write_example_study(tmp_path / "s", extra="bootstrap:\n" + line)
    with pytest.raises(InputError, match=message):
        Study.from_yaml(y)


def test_seed_study_bootstrap(result):
    # the seed study's file asks for a cluster bootstrap of both sources
    b = result.bootstrap
    assert b is not None and b.scheme == "cluster" and b.n_clusters == 28
    assert set(b.resample) == {"experts", "respondents"}
    goal = result.scores[(result.scores.grouping == "all") & (result.scores.node == "A")]
    assert float(goal.ci_low.iloc[0]) < 3.7801 < float(goal.ci_high.iloc[0])


# ------------------------------------------------------------------ the bayes: section (5.5)

try:
    import nutpie  # noqa: F401
    import pymc  # noqa: F401

    HAVE_PYMC = True
except ImportError:  # pragma: no cover
    HAVE_PYMC = False

_BAYES = "bayes:\n  draws: 200\n  tune: 200\n  chains: 2\n  confidence_level: 0.9\n"


@pytest.fixture(scope="module")
def bayes_run(tmp_path_factory):
    """One small fit of the tiny study (compiling dominates: the only default-suite fit)."""
    if not HAVE_PYMC:
        pytest.skip("needs the bayes extra")
    d = tmp_path_factory.mktemp("bayes")
    y = write_example_study(d / "s", n_experts=5, sites=_SITES, extra=_BOOT + _BAYES)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ah.ConvergenceWarning)  # 2 x 200 draws: short
        res = Study.from_yaml(y).run()
    return res, write_study(res, d / "out")


def test_bayes_section_tables(bayes_run):
    res, out = bayes_run
    for name in ("bayes_weights", "credal", "expert_inconsistency", "bayes_scores",
                 "bayes_diagnostics"):
        assert (out / f"{name}.csv").is_file(), name
    bw = res.uncertainty["bayes_weights"]
    g = bw[bw.weight == "global"].set_index("node")
    # the leaves' posterior global weights sum to 1 draw by draw, so their means do too
    assert g.loc[["a1", "a2", "b1", "b2", "b3"], "mean"].sum() == pytest.approx(1.0)
    assert ((bw.ci_low <= bw["median"]) & (bw["median"] <= bw.ci_high)).all()
    # every expert judged A over B (2..3) and a1 over a2 (2..4): the posterior agrees
    cr = res.uncertainty["credal"].set_index(["node", "element_i", "element_j"])
    assert cr.loc[("G", "A", "B"), "p_greater"] > 0.9
    assert cr.loc[("A", "a1", "a2"), "p_greater"] > 0.9
    # a leaf's score is its item mean whatever the weights, so its posterior interval is the
    # interval of the item mean over resamples of the respondents (clusters 'site', as in the
    # bootstrap section): it must agree with the joint bootstrap's interval for that leaf,
    # an independent code path (joint_bootstrap vs resampled_item_means), up to Monte-Carlo
    # error of 400 vs 300 resamples
    bs = res.uncertainty["bayes_scores"]
    leaf = bs[(bs.grouping == "all") & (bs.node == "a1")].iloc[0]
    item = res.items.set_index("leaf").loc["a1", "mean"]
    boot = res.scores[(res.scores.grouping == "all") & (res.scores.node == "a1")].iloc[0]
    assert leaf["median"] == pytest.approx(item, abs=0.1)
    assert leaf.ci_high - leaf.ci_low > 0
    assert (leaf.ci_high - leaf.ci_low) == pytest.approx(boot.ci_high - boot.ci_low, rel=0.3)
    assert set(bs.item_means) == {"one-stage cluster bootstrap"}
    assert set(bs.grouping) == {"all", "site"}
    # posterior rank probabilities of the sites: each site's ranks, and each rank, sum to 1
    rp = res.uncertainty["bayes_rank_probabilities"]
    for _, t in rp.groupby("node"):
        np.testing.assert_allclose(t.groupby("group").probability.sum(), 1.0)
        np.testing.assert_allclose(t.groupby("rank").probability.sum(), 1.0)
    d = res.uncertainty["bayes_diagnostics"]
    assert {"parameter", "r_hat", "ess_bulk", "ess_tail", "ok"} <= set(d.columns)
    # per-parameter verdicts (R-hat <= 1.01, ESS >= 100 per chain), not one repeated flag
    want = (d.r_hat <= 1.01) & (d.ess_bulk >= 200) & (d.ess_tail >= 200)
    assert (d["ok"] == want).all()
    pc = res.uncertainty["bayes_predictive_checks"]
    assert set(pc.check) == {"consistency_ratio", "share_at_scale_ends"}
    assert pc.p_value.between(0, 1).all()
    ex = res.uncertainty["expert_inconsistency"]
    assert sorted(ex["rank"]) == [1, 2, 3, 4, 5]
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["bayes"]["chains"] == 2 and prov["bayes"]["credible_level"] == 0.9
    assert prov["bayes"]["diagnostics_ok"] == (bool(d["ok"].all())
                                               and prov["bayes"]["n_divergences"] == 0)


def test_bayes_section_in_report(bayes_run):
    _, out = bayes_run
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Bayesian aggregation of the panel" in md
    assert "### Sampler diagnostics" in md and "Bayesian score intervals" in md
    assert "Verdict: " in md and "### Posterior predictive checks" in md
    assert "Share of judgments at the scale's ends" in md
    assert "## Uncertainty: bootstrap" in md
    for png in ("bayes_credal.png", "bayes_experts.png", "forest_scores.png"):
        assert (out / png).is_file() and f"({png})" in md


@pytest.mark.parametrize(("line", "message"), [
    ("  draws: 0\n", r"study.yaml, line \d+: `bayes.draws` must be an integer >= 1"),
    ("  sampler: stan\n", r"study.yaml, line \d+: "
                          r"`bayes.sampler` must be one of \{'auto', 'nutpie', "
                          r"'pymc'\}"),
    ("  target_accept: 1.2\n", r"study.yaml, line \d+: "
                               r"`bayes.target_accept` must be a number between"),
    ("  nu: -1\n", r"study.yaml, line \d+: `bayes.nu` must be null"),
    # Student-t errors were removed: any value but null is refused where it is written
    ("  nu: 4\n", r"study.yaml, line \d+: `bayes.nu` must be null \(Student-t judgment "
                  r"errors were removed"),
    ("  priors: {tau: 1}\n", r"study.yaml, line \d+: unknown key `bayes.priors.tau`"),
    ("  priors: {tau_sigma: -1}\n", r"study.yaml, line \d+: "
                                    r"`bayes.priors`: `model_config\['tau_sigma'\]`"
                                    r" must be a positive number"),
    ("  chain: 2\n", r"study.yaml, line \d+: unknown key `bayes.chain`"),
])
def test_bayes_section_errors(tmp_path, line, message):
    y = write_example_study(tmp_path / "s", extra="bayes:\n" + line)
    with pytest.raises(InputError, match=message):
        Study.from_yaml(y)


def test_bayes_switch_without_fit(tmp_path):
    y = write_example_study(tmp_path / "s", extra=_BAYES.replace("bayes:\n", "bayes:\n  enabled: "
                                                                         "false\n"))
    st = Study.from_yaml(y)
    assert st.bayes_options() is None and st.bayes_options(True)["draws"] == 200
    res = st.run()
    assert res.bayes is None and "credal" not in res.frame_kinds


@pytest.mark.slow
def test_bayes_tables_are_reproducible(tmp_path):
    y = write_example_study(tmp_path / "s", n_experts=5, extra=_BAYES)
    a = write_study(Study.from_yaml(y).run(), tmp_path / "a", figures=False)
    b = write_study(Study.from_yaml(y).run(), tmp_path / "b", figures=False)
    for name in sorted(p.name for p in a.glob("*.csv")):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# ------------------------------------------------------------------ check_study: every problem


def _two_bad_files(folder):
    """The tiny study with two bad judgments and two bad survey answers (known positions)."""
    y = write_example_study(folder)
    j = folder / "judgments.csv"
    lines = j.read_text().splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + ",-3"     # row 3: a negative judgment
    lines[4] = lines[4].rsplit(",", 1)[0] + ",abc"    # row 5: not a number
    j.write_text("\n".join(lines) + "\n")
    sv = folder / "survey.csv"
    lines = sv.read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",7"      # row 2: above the Likert range
    lines[3] = lines[3].rsplit(",", 1)[0] + ",0"      # row 4: below it
    sv.write_text("\n".join(lines) + "\n")
    return y


def test_check_reports_every_problem_in_every_file(tmp_path):
    problems = check_study(_two_bad_files(tmp_path / "s"))
    where = sorted((Path(p.location.file).name, p.location.row) for p in problems)
    assert where == [("judgments.csv", 3), ("judgments.csv", 5), ("survey.csv", 2),
                     ("survey.csv", 4)]
    text = "\n".join(map(str, problems))
    assert "Got -3 instead" in text and "'abc'" in text


def test_check_bad_hierarchy_still_checks_judgments(tmp_path):
    y = write_example_study(tmp_path / "s")
    h = tmp_path / "s" / "hierarchy.yaml"
    h.write_text(h.read_text().replace("id: b3", "id: b2"))  # a duplicate id
    j = tmp_path / "s" / "judgments.csv"
    j.write_text(j.read_text().replace("E1,G,A,B,2", "E1,G,A,B,-2"))
    files = {Path(p.location.file).name for p in check_study(y)}
    assert files == {"hierarchy.yaml", "judgments.csv"}


# ------------------------------------------------------------------ the schema


def test_deprecated_keys_warn_and_mean_the_same(tmp_path):
    old = write_example_study(tmp_path / "old", extra="bootstrap:\n  replicates: 50\n"
                              "  level: 0.9\n  method: BCa\n")
    new = write_example_study(tmp_path / "new", extra="bootstrap:\n  n_resamples: 50\n"
                              "  confidence_level: 0.9\n  method: bca\n")
    with pytest.warns(ah.AHPDeprecationWarning, match=r"`bootstrap.replicates` is deprecated"):
        a = Study.from_yaml(old)
    b = Study.from_yaml(new)
    assert a.bootstrap == b.bootstrap
    assert b.bootstrap["n_resamples"] == 50 and b.bootstrap["method"] == "bca"
    both = write_example_study(tmp_path / "both", extra="bootstrap:\n  replicates: 50\n"
                               "  n_resamples: 60\n")
    with pytest.raises(InputError, match=r"`bootstrap.n_resamples` and "
                                         r"`bootstrap.replicates` are the same setting"), \
            pytest.warns(ah.AHPDeprecationWarning):
        Study.from_yaml(both)


def test_schema_documents_every_key():
    from ahpstat.study import STUDY_SCHEMA, schema_frame

    t = schema_frame()
    assert set(t.section) == set(STUDY_SCHEMA)
    assert (t.doc.str.len() > 0).all() and (t.expect.str.len() > 0).all()
    assert t.set_index(["section", "key"]).loc[("bootstrap", "n_resamples"), "aliases"] == [
        "replicates"]


def test_run_without_seed_records_its_entropy(tmp_path):
    y = write_example_study(tmp_path / "s", extra="bootstrap:\n  n_resamples: 30\n")
    text = y.read_text().replace("seed: 7\n", "")
    y.write_text(text)
    res = Study.from_yaml(y).run()
    entropy = res.run_info["entropy"]
    assert isinstance(entropy, int) and res.provenance()["entropy"] == entropy
    again = Study.from_yaml(y).run(rng=entropy)
    np.testing.assert_array_equal(again.bootstrap.score_draws, res.bootstrap.score_draws)
    assert "entropy" not in Study.from_yaml(y).run(rng=3).run_info


def test_every_interval_in_every_table_names_itself(bayes_run):
    """Issue 11: a CSV read alone cannot be misread -- every table with interval bounds has
    a column naming each interval's level and method, filled wherever the bounds are."""
    import re

    import pandas as pd

    res, out = bayes_run
    bounds = re.compile(r"(^|_)(ci_low|ci_high|rank_low|rank_high)$")
    checked = []
    for f in sorted(out.glob("*.csv")):
        df = pd.read_csv(f)
        cols = [c for c in df.columns if bounds.search(c)]
        if not cols:
            continue
        labels = [c for c in df.columns if c.endswith("interval")]
        assert labels, f"{f.name}: bounds {cols} but no interval column"
        has_bounds = df[cols].notna().any(axis=1)
        named = df[labels].notna().any(axis=1)
        assert named[has_bounds].all(), f"{f.name}: unnamed intervals"
        assert df.loc[has_bounds, labels].stack().str.match(r"\d+(\.\d+)?% ").all(), f.name
        checked.append(f.stem)
    assert {"weights", "scores", "ranks", "rank_confidence_sets", "bayes_weights",
            "bayes_scores", "expert_inconsistency"} <= set(checked)
    rs = res.uncertainty["rank_confidence_sets"]
    assert set(rs.coverage) == {"joint", "marginal"}
    assert rs.interval.str.contains("90% joint over the 20 groups at G").any()


def test_few_experts_caveat_reaches_the_report_and_provenance(bayes_run):
    """Issue 11: a warning printed once on a terminal is lost; the report and run_info keep
    what the design gets wrong (5 experts: C(9, 5) = 126 distinct panels)."""
    res, out = bayes_run
    cav = res.run_info["bootstrap"]["caveats"]
    assert len(cav) == 1 and "only 5 experts" in cav[0] and "126 distinct panels" in cav[0]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "**Caveat.** Only 5 experts" in report


def test_rank_summary_arrays_as_the_group_by_group_loop():
    # the rank tables' mean rank and interval, every group at once: the same bits and
    # dtypes as the group-by-group computation (cumulative sums, searchsorted), groups in
    # order of first appearance, a group of another size (then group by group) and NaN
    import pandas as pd

    from ahpstat.bootstrap import rank_table
    from ahpstat.study._uncertainty import _rank_summary

    def loop(P, level):
        a, rows = (1.0 - level) / 2.0, []
        for g, sub in P.groupby("group", sort=False):
            r = sub["rank"].to_numpy(dtype=float)
            p = sub["probability"].to_numpy(dtype=float)
            cdf = np.cumsum(p)
            rows.append((g, float((r * p).sum()), r[np.searchsorted(cdf, a - 1e-12)],
                         r[min(np.searchsorted(cdf, 1.0 - a - 1e-12), len(r) - 1)]))
        return pd.DataFrame(rows, columns=["group", "rank_mean", "rank_ci_low", "rank_ci_high"])

    rng = np.random.default_rng(4)
    D = rng.normal(size=(11, 300)) + np.linspace(0, 2, 11)[:, None]
    D[3, :5] = np.nan
    P = rank_table(D, [f"g{j}" for j in (5, 2, 9, 0, 1, 3, 4, 6, 7, 8, 10)])
    P = P.iloc[rng.permutation(len(P))].reset_index(drop=True)  # groups interleaved
    for frame in (P, P.iloc[:-3], P.assign(group=P["group"].where(P.index % 13 > 0))):
        for level in (0.95, 0.5):
            got, ref = _rank_summary(frame, level), loop(frame, level)
            pd.testing.assert_frame_equal(got, ref)
            for c in ("rank_mean", "rank_ci_low", "rank_ci_high"):
                assert got[c].to_numpy().tobytes() == ref[c].to_numpy().tobytes()
    # by hand, at 95 %: a cumulative probability exactly at 2.5 % (10 of 400 draws) is in
    # the interval (rank 1); probabilities summing to less than 97.5 % end at the last
    # rank; a row whose running sum decreases is summarised as searchsorted does
    hand = pd.DataFrame({"group": list("aaabbbccc"), "rank": [1, 2, 3] * 3,
                         "probability": [10 / 400, 370 / 400, 20 / 400, 0.5, 0.3, 0.1,
                                         0.5, -0.49, 0.99]})
    got = _rank_summary(hand.iloc[:6], 0.95)  # every row's running sum increases
    assert got["rank_ci_low"].tolist() == [1.0, 1.0]
    assert got["rank_ci_high"].tolist() == [3.0, 3.0]
    pd.testing.assert_frame_equal(_rank_summary(hand, 0.95), loop(hand, 0.95))
