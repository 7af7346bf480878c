"""ahpstat.experiment: the experiment file, the metrics, the runner (serial and Dask).

Independent checks: the weight and rank metrics against a loop; acceptance rates at n = 3
against their closed forms (for a 3 x 3 matrix with log-normal judgment noise sd s the triad
error t = e12 + e23 - e13 is N(0, 3 s^2); Koczkodaj's index is 1 - exp(-|t|) and the GCI is
t^2 / 3); exact recovery without noise; the AIJ = AIP identity of the geometric mean
(Forman & Peniwati 1998). Reproducibility: the serial runner, a LocalCluster with 1 and with
2 workers and an external scheduler on 127.0.0.1 write identical parts, bit for bit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ahpstat._validation import InputError
from ahpstat.cli import main
from ahpstat.experiment import (
    Experiment,
    load_experiment,
    rank_metrics,
    read_parts,
    run_experiment,
    run_task,
)

SMALL = {
    "name": "small", "seed": 20240601, "replications": 600, "batch_size": 200,
    "conditions": {"n": [3, 5], "n_experts": [1, 4], "noise_sd": 0.3, "expert_sd": 0.2,
                   "missing": [0.0, 0.3]},
    "methods": {"weighting": ["eigenvector", "geometric_mean"],
                "aggregation": ["aij", "aip"], "policy": ["keep", "downweight"],
                "index": "gci"},
    "acceptance": ["gci", "koczkodaj"],  # CR of incomplete matrices optimizes a completion
}


#: a study experiment's hierarchy: two criteria, five survey items
TWO_CRITERIA = ("hierarchy:\n  id: G\n  children:\n"
                "    - {id: A, children: [{id: a1}, {id: a2}]}\n"
                "    - {id: B, children: [{id: b1}, {id: b2}, {id: b3}]}\n")


def write_yaml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the file


def test_grid_is_the_product_in_key_order():
    exp = Experiment.from_dict(SMALL)
    assert len(exp.conditions) == 8 and len(exp.methods) == 8
    assert exp.n_batches == 3 and exp.n_tasks == 24
    first = exp.conditions.iloc[0]
    assert (first.n, first.n_experts, first.missing) == (3, 1, 0.0)
    assert exp.conditions.iloc[1].missing == 0.3  # last key varies fastest
    assert exp.conditions.scale.unique().tolist() == ["saaty"]  # default


@pytest.mark.parametrize(("text", "where", "what"), [
    ("replications: 10\nconditions:\n  n: 3\n  nosie_sd: 0.1\n", "line 4",
     "`conditions.nosie_sd` is not a known key (did you mean `noise_sd`?)"),
    ("replications: 10\nconditions:\n  n: [3, 1]\n", "line 3", "`conditions.n[1]` must be"),
    ("replications: 10\nconditions:\n  n: 3\n  hierarchy: h.yaml\n", None,
     "exactly one of `n`"),
    ("replications: 0\nconditions: {n: 3}\n", "line 1", "`replications` must be an integer"),
    ("replications: 10\nconditions: {n: 3}\nmethods:\n  weighting: [eigenvector, eigen]\n",
     "line 4", "`methods.weighting[1]` must be one of"),
    ("replications: 10\nconditions: {n: 3, missing: 1.0}\n", "line 2",
     "`conditions.missing` must be a number in [0.0, 1.0)"),
    ("replications: 10\nconditions: {n: 3}\nmethods: {policy: repair}\n", "line 3",
     "offered in study experiments only"),
    ("replications: 10\nconditions: {n: [3, 3]}\n", "line 2", "lists a value twice"),
    ("replications: 10\nconditions: {n: 3}\nbootstrap: {n_resamples: 100}\n", "line 3",
     "is for study experiments"),
    ("conditions: {n: 3\n", "line", "not valid YAML"),
    ("- 1\n- 2\n", None, "must be a mapping"),
])
def test_bad_files_get_located_errors(tmp_path, text, where, what):
    f = write_yaml(tmp_path / "exp.yaml", text)
    with pytest.raises(InputError) as err:
        load_experiment(f)
    msg = str(err.value)
    assert msg.startswith(str(f)), msg
    assert what in msg, msg
    if where:
        assert where in msg, msg


def test_hierarchy_condition_is_read_relative_to_the_file(tmp_path):
    write_yaml(tmp_path / "h.yaml", "hierarchy:\n  id: G\n  children:\n"
               "    - {id: A, children: [{id: a1}, {id: a2}]}\n    - {id: B}\n")
    f = write_yaml(tmp_path / "exp.yaml", "seed: 1\nreplications: 50\n"
                   "conditions: {hierarchy: h.yaml, n_experts: 3}\n")
    exp = load_experiment(f)
    df = run_task(exp.to_dict(), 0, 0)
    assert set(df.target) == {"panel", "criteria", "global"}
    bad = write_yaml(tmp_path / "bad.yaml", "replications: 5\nconditions: {hierarchy: no.yaml}\n")
    with pytest.raises(InputError, match=r"`conditions\.hierarchy` names a hierarchy"):
        load_experiment(bad)


# --------------------------------------------------------------------------- metrics


def test_rank_metrics_against_a_loop():
    rng = np.random.default_rng(4)
    true = rng.dirichlet(np.ones(5), size=300)
    est = true + rng.normal(0, 0.05, size=true.shape)
    est[7] = est[7, [1, 0, 2, 3, 4]]
    m = rank_metrics(est, true)
    for k in range(300):
        d = est[k] - true[k]
        assert m["rmse"][k] == pytest.approx(np.sqrt(np.mean(d ** 2)))
        assert m["max_abs"][k] == pytest.approx(np.abs(d).max())
        assert m["top_right"][k] == float(np.argmax(est[k]) == np.argmax(true[k]))
        assert m["order_right"][k] == float(
            (np.argsort(-est[k]) == np.argsort(-true[k])).all())
        ref = stats.kendalltau(est[k], true[k], variant="b").statistic
        assert m["kendall_tau"][k] == pytest.approx(ref, abs=1e-12)



def test_ties_up_to_rounding_error_are_ties():
    """For n = 3 the eigenvector equals the row geometric mean (Crawford & Williams 1985), so
    on Saaty-scale matrices, where both tie elements exactly in theory, the two methods must
    agree on every order; in floating point they differ by ~1e-16 and without the tie
    tolerance about 0.3-0.7 % of the orders 'disagreed' (30 of these 4,000 matrices)."""
    from ahpstat.experiment._cells import agreement
    from ahpstat.weighting import weights

    rng = np.random.default_rng(5)
    vals = np.r_[1 / np.arange(9, 1, -1), np.arange(1, 10)]  # Saaty's 1/9..9
    a = np.ones((4000, 3, 3))
    for i, j in ((0, 1), (0, 2), (1, 2)):
        a[:, i, j] = rng.choice(vals, 4000)
        a[:, j, i] = 1 / a[:, i, j]
    ev = np.asarray(weights(a, method="eigenvector").weights)
    gm = np.asarray(weights(a, method="geometric_mean").weights)
    raw_ties = np.isclose(ev[:, :, None], ev[:, None, :], rtol=0, atol=1e-12).sum() > 4000 * 3
    assert raw_ties  # the sample has exact ties (e.g. a12 = 1 with a13 = a23)
    assert agreement(ev, gm)["same_order_as_first"].tolist() == [1.0] * 4000
    # a tie at the top is not "top right": equal weights for two elements, truth not tied
    m = rank_metrics(np.array([[0.4, 0.4 + 1e-16, 0.2]]), np.array([[0.5, 0.3, 0.2]]))
    assert m["top_right"].tolist() == [0.0] and m["order_right"].tolist() == [0.0]

def summary_of(payload: dict, metric: str, target: str = "weights") -> pd.DataFrame:
    exp = Experiment.from_payload(payload)
    frames = [run_task(payload, c, b) for c in range(len(exp.conditions))
              for b in range(exp.n_batches)]
    df = pd.concat(frames)
    df = df[(df.metric == metric) & (df.target == target)]
    g = df.groupby(["condition", "method"])[["count", "sum"]].sum()
    return (g["sum"] / g["count"]).rename("mean").reset_index()


@pytest.mark.parametrize("noise", [0.15, 0.4])
def test_acceptance_rates_at_n3_match_closed_forms(noise):
    exp = Experiment.from_dict({
        "seed": 11, "replications": 20000, "batch_size": 10000,
        "conditions": {"n": 3, "noise_sd": noise, "scale": "continuous"},
        "acceptance": ["gci", "koczkodaj"]})
    payload = exp.to_dict()
    sd_t = noise * np.sqrt(3)
    expected = {
        "accept_koczkodaj": 2 * stats.norm.cdf(np.log(1.5) / sd_t) - 1,
        "accept_gci": 2 * stats.norm.cdf(np.sqrt(3 * 0.31) / sd_t) - 1,
    }
    for metric, p in expected.items():
        got = float(summary_of(payload, metric, "panel")["mean"].iloc[0])
        se = np.sqrt(p * (1 - p) / 20000)
        assert abs(got - p) < 4 * se, (metric, got, p)


def test_no_noise_recovers_the_truth_exactly_with_every_method():
    exp = Experiment.from_dict({
        "seed": 5, "replications": 300,
        "conditions": {"n": [4, 7], "n_experts": [1, 3], "noise_sd": 0.0, "expert_sd": 0.0,
                       "scale": "continuous"},
        "methods": {"weighting": ["eigenvector", "geometric_mean", "column_mean", "harker",
                                  "llsm"], "aggregation": ["aij", "aip"],
                    "aip_mean": ["geometric", "arithmetic"]}})
    payload = exp.to_dict()
    assert summary_of(payload, "rmse")["mean"].max() < 1e-12
    assert summary_of(payload, "order_right")["mean"].min() == 1.0


def test_geometric_aij_equals_geometric_aip_for_the_row_geometric_mean():
    exp = Experiment.from_dict({
        "seed": 9, "replications": 400,
        "conditions": {"n": 5, "n_experts": 6, "noise_sd": 0.4, "expert_sd": 0.3},
        "methods": {"weighting": "geometric_mean", "aggregation": ["aij", "aip"]}})
    s = summary_of(exp.to_dict(), "rmse")
    assert s["mean"].iloc[0] == pytest.approx(s["mean"].iloc[1], rel=1e-10)


def test_more_noise_and_rounding_cost_accuracy():
    exp = Experiment.from_dict({
        "seed": 2, "replications": 3000, "batch_size": 3000,
        "conditions": {"n": 6, "noise_sd": [0.05, 0.5], "scale": ["continuous", "saaty"]}})
    s = summary_of(exp.to_dict(), "rmse")["mean"].to_numpy()  # (0.05 c, 0.05 s, 0.5 c, 0.5 s)
    assert s[0] < s[1] and s[0] < s[2] < s[3]


# --------------------------------------------------------------------------- runner


def parts_bytes(out: Path) -> dict[str, pd.DataFrame]:
    return {p.name: pd.read_parquet(p) for p in sorted((out / "parts").glob("c*"))}


def test_serial_and_local_clusters_give_identical_results(tmp_path):
    from distributed import Client, LocalCluster

    exp = Experiment.from_dict(SMALL)
    serial = run_experiment(exp, tmp_path / "serial", serial=True, figures=False)
    ref = parts_bytes(tmp_path / "serial")
    assert len(ref) == exp.n_tasks
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=False,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            run = run_experiment(exp, tmp_path / f"w{workers}", client=client, figures=False)
        assert run.n_run == exp.n_tasks
        got = parts_bytes(tmp_path / f"w{workers}")
        assert got.keys() == ref.keys()
        for k in ref:
            pd.testing.assert_frame_equal(got[k], ref[k], check_exact=True)
        pd.testing.assert_frame_equal(run.summary, serial.summary, check_exact=True)


def test_scheduler_address_and_cli(tmp_path, capsys):
    from distributed import LocalCluster

    f = write_yaml(tmp_path / "exp.yaml", json.dumps(SMALL))
    run_experiment(load_experiment(f), tmp_path / "ref", serial=True, figures=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                      host="127.0.0.1", scheduler_port=0, dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        code = main(["experiment", str(f), "--out", str(tmp_path / "out"), "--scheduler",
                     cluster.scheduler_address, "--no-figures", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "24 tasks (24 run, 0 already done)" in printed and "127.0.0.1" in printed
    a = pd.read_csv(tmp_path / "ref" / "summary.csv")
    b = pd.read_csv(tmp_path / "out" / "summary.csv")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    report = (tmp_path / "out" / "report.md").read_text()
    assert "tasks complete" in report and "kendall" in report


def test_unreachable_scheduler_is_a_clear_error(tmp_path, capsys):
    import dask

    f = write_yaml(tmp_path / "exp.yaml", json.dumps(SMALL))
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["experiment", str(f), "--out", str(tmp_path / "o"), "--scheduler",
                     "tcp://127.0.0.1:9"])
    assert code == 1
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


def test_resume_after_an_interruption_gives_the_same_results(tmp_path):
    exp = Experiment.from_dict(SMALL)
    run_experiment(exp, tmp_path / "full", serial=True, figures=False)
    seen = []

    def stop_after_five(c, b):
        seen.append((c, b))
        if len(seen) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, tmp_path / "cut", serial=True, on_task=stop_after_five)
    assert len(list((tmp_path / "cut" / "parts").glob("c*"))) == 5
    with pytest.raises(InputError, match="--resume"):
        run_experiment(exp, tmp_path / "cut", serial=True)
    run = run_experiment(exp, tmp_path / "cut", serial=True, resume=True, figures=False)
    assert (run.n_run, run.n_skipped) == (exp.n_tasks - 5, 5)
    pd.testing.assert_frame_equal(read_parts(tmp_path / "cut"), read_parts(tmp_path / "full"),
                                  check_exact=True)
    other = Experiment.from_dict({**SMALL, "replications": 800})
    with pytest.raises(InputError, match="different experiment"):
        run_experiment(other, tmp_path / "cut", serial=True, resume=True)


def test_never_writes_into_a_foreign_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not an ahpstat experiment folder"):
        run_experiment(Experiment.from_dict(SMALL), tmp_path / "mine", serial=True)
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_without_dask_serial_works_and_dask_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    exp = Experiment.from_dict({**SMALL, "replications": 200})
    with pytest.raises(InputError, match=r"pip install 'ahpstat\[experiment\]'"):
        run_experiment(exp, tmp_path / "d", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(InputError, match="--serial"):
        run_experiment(exp, tmp_path / "d")  # the default local cluster needs Dask too
    assert not (tmp_path / "d").exists()  # refused before the folder was made
    run = run_experiment(exp, tmp_path / "d", serial=True, figures=False)
    assert run.n_run == exp.n_tasks


def test_unseeded_experiment_records_its_seed_and_resumes_with_it(tmp_path):
    spec = {k: v for k, v in SMALL.items() if k != "seed"}
    exp = Experiment.from_dict(spec)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, tmp_path / "o", serial=True,
                       on_task=lambda c, b: (_ for _ in ()).throw(KeyboardInterrupt))
    stored = json.loads((tmp_path / "o" / "experiment.json").read_text())
    assert isinstance(stored["experiment"]["seed"], int)
    run = run_experiment(Experiment.from_dict(spec), tmp_path / "o", serial=True, resume=True,
                         figures=False)
    assert run.n_skipped == 1


def test_study_experiment_reports_coverage_and_width(tmp_path):
    write_yaml(tmp_path / "h.yaml", TWO_CRITERIA)
    f = write_yaml(tmp_path / "exp.yaml", """
kind: study
seed: 3
replications: 4
batch_size: 2
conditions: {hierarchy: h.yaml, n_experts: 6, respondents: 60, clusters: [6]}
methods: {resampling: [iid, cluster_one], interval: [percentile, bca]}
bootstrap: {n_resamples: 100}
""")
    run = run_experiment(load_experiment(f), tmp_path / "o", serial=True, figures=True)
    s = run.summary
    cov = s[(s.metric == "coverage") & (s.target == "goal_score")]
    assert len(cov) == 4 and (cov["count"] == 4).all()
    assert cov["mean"].between(0, 1).all()
    width = s[(s.metric == "width") & (s.target == "goal_score")]
    iid = width[width.resampling == "iid"]["mean"].to_numpy()
    clu = width[width.resampling == "cluster_one"]["mean"].to_numpy()
    assert (clu > iid).all()  # the cluster effect widens the honest interval
    assert "## goal_score" in (tmp_path / "o" / "report.md").read_text()


def test_simulate_matrices_holds_the_judgments_of_simulate_panel():
    from ahpstat.simulate import simulate_matrices, simulate_panel

    tree = {"A": ["B1", "B2", "B3", "B4"], "B1": ["x", "y", "z"]}
    truth = {"A": [0.4, 0.3, 0.2, 0.1], "B1": [0.5, 0.3, 0.2]}
    kw = {"n_experts": 5, "expert_sd": 0.3, "noise_sd": 0.2, "erratic": 2, "missing": 0.4}
    df = simulate_panel(tree, truth, rng=8, **kw)
    S = simulate_matrices(tree, truth, rng=8, **kw)
    for node, kids in tree.items():
        A = np.full((5, len(kids), len(kids)), np.nan)
        for r in df[df.node == node].itertuples():
            k, i, j = int(r.expert[1:]) - 1, kids.index(r.row), kids.index(r.col)
            A[k, i, j], A[k, j, i] = r.value, 1 / r.value
        off = ~np.eye(len(kids), dtype=bool)
        np.testing.assert_array_equal(np.isnan(S[node][:, off]), np.isnan(A[:, off]))
        np.testing.assert_allclose(S[node][:, off], A[:, off])


# --------------------------------------------------------------------------- Bayes


BAYES_PANEL = {
    "name": "bayes", "seed": 11, "replications": 6, "batch_size": 3,
    "conditions": {"n": 3, "n_experts": 5, "expert_sd": 0.1, "noise_sd": 0.1,
                   "scale": "continuous"},
    "methods": {"weighting": ["eigenvector"], "aggregation": "aip"},
    "bayes": {"draws": 300, "tune": 300, "chains": 2},
}


def test_a_bayes_section_adds_one_method_and_is_validated():
    exp = Experiment.from_dict({**BAYES_PANEL, "bayes": {}})
    assert exp.methods["weighting"].tolist() == ["eigenvector", "bayes"]
    assert exp.methods.iloc[1][["aggregation", "policy", "index"]].tolist() == ["-"] * 3
    # the package's default tuning (1,000 steps: docs/bayes_model.md, "Sampler geometry")
    assert exp.bayes == {"draws": 500, "tune": 1000, "chains": 4, "target_accept": 0.9,
                         "confidence_level": 0.95}
    assert Experiment.from_payload(exp.to_dict()).bayes == exp.bayes
    # a panel experiment's default batch: 25 fits (20,000 matrices without the model)
    spec = {k: v for k, v in BAYES_PANEL.items() if k != "batch_size"}
    assert Experiment.from_dict({**spec, "replications": 1000}).batch_size == 25
    no_bayes = {k: v for k, v in spec.items() if k != "bayes"}
    assert Experiment.from_dict(no_bayes).batch_size == 6
    assert "bayes" not in Experiment.from_dict(no_bayes).to_dict()  # fingerprints unchanged
    for bad, what in [({"draws": 0}, "`bayes.draws` must be an integer >= 1"),
                      ({"drows": 5}, "did you mean `draws`"),
                      ({"confidence_level": 95}, "`bayes.confidence_level` must be a number"),
                      (5, "`bayes` must be a mapping")]:
        with pytest.raises(InputError, match=what):
            Experiment.from_dict({**BAYES_PANEL, "bayes": bad})


def test_a_simulated_panel_goes_to_the_model_as_its_judgments():
    """The long judgments the model is fitted to hold the simulated matrices: read back by
    the package's reader (``judgment_stacks``), they are the same matrices.
    """
    from ahpstat.experiment._cells import _long_judgments
    from ahpstat.hierarchy import Hierarchy
    from ahpstat.io import judgment_stacks
    from ahpstat.simulate import simulate_matrices

    h = Hierarchy.from_dict({"id": "G", "children": [
        {"id": "A", "children": [{"id": "a1"}, {"id": "a2"}, {"id": "a3"}]}, {"id": "b"}]})
    truth = {"G": np.array([[0.6, 0.4]]), "A": np.array([[0.5, 0.3, 0.2]])}
    S = simulate_matrices(h, {v: np.repeat(w, 4, axis=0) for v, w in truth.items()},
                          n_experts=4, noise_sd=0.3, missing=0.5, rng=2)
    experts = ["E01", "E02", "E03", "E04"]
    long = _long_judgments(h, ["G", "A"], S, experts)
    stacks = judgment_stacks(long, h)
    for v in ("G", "A"):
        got_experts, M = stacks[v]
        assert list(got_experts) == experts
        np.testing.assert_array_equal(np.isnan(M), np.isnan(S[v]))
        np.testing.assert_allclose(M[~np.isnan(M)], S[v][~np.isnan(S[v])], rtol=1e-12)


@pytest.mark.slow
def test_bayes_method_scores_its_posterior_and_is_deterministic(tmp_path):
    """The model as an experiment method (one compile per process and panel shape): its
    statistics are the same bit for bit when a task is rerun, its weight error at low noise
    is as small as the eigenvector's, and its credible intervals are scored (coverage in
    [0, 1], positive width) in panel and study experiments. Whether the intervals are
    calibrated is the Bayesian calibration study's question (``studies/bayes_calibration``).
    """
    exp = Experiment.from_dict(BAYES_PANEL)
    run = run_experiment(exp, tmp_path / "p", serial=True, figures=False)
    again = run_task(exp.to_dict(), 0, 1)
    parts = read_parts(tmp_path / "p")
    assert again.equals(parts[parts.batch == 1].reset_index(drop=True))
    s = run.summary.set_index(["weighting", "target", "metric"])["mean"]
    assert s[("bayes", "weights", "rmse")] < 0.05
    assert abs(s[("bayes", "weights", "rmse")] - s[("eigenvector", "weights", "rmse")]) < 0.02
    assert 0 <= s[("bayes", "weights", "coverage")] <= 1
    assert s[("bayes", "weights", "width")] > 0
    assert 0 <= s[("bayes", "panel", "diagnostics_ok")] <= 1
    assert ("eigenvector", "weights", "coverage") not in s.index  # no interval: no score

    write_yaml(tmp_path / "h.yaml", TWO_CRITERIA)
    f = write_yaml(tmp_path / "exp.yaml", """
kind: study
seed: 3
replications: 2
batch_size: 2
conditions: {hierarchy: h.yaml, n_experts: 6, respondents: 60, clusters: 6}
bootstrap: {n_resamples: 50}
bayes: {draws: 200, tune: 200, chains: 2}
""")
    s = run_experiment(load_experiment(f), tmp_path / "s", serial=True,
                       figures=False).summary
    b = s[(s.weighting == "bayes") & (s.target == "criteria_weights")].set_index("metric")
    assert {"rmse", "coverage", "width", "kendall_tau"} <= set(b.index)
    assert (b.loc[["coverage", "width"], "count"] == 2).all()
    assert 0 <= b.loc["coverage", "mean"] <= 1 and b.loc["width", "mean"] > 0


def test_acceptance_rates_get_their_figure(tmp_path):
    from ahpstat.experiment._summary import draw_figures

    exp = Experiment.from_dict({"seed": 2, "replications": 50, "batch_size": 50,
                                "conditions": {"n": [3, 4], "noise_sd": 0.3},
                                "acceptance": ["cr", "koczkodaj"]})
    run = run_experiment(exp, tmp_path / "o", serial=True, figures=False)
    acc = run.summary[run.summary.metric.str.startswith("accept_")]
    assert set(acc.metric) == {"accept_cr", "accept_koczkodaj"}
    assert draw_figures(exp, acc, tmp_path / "f") == ["figures/panel_acceptance.png"]
    assert (tmp_path / "f" / "panel_acceptance.png").stat().st_size > 1000
