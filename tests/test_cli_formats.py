"""The command line for the formats: ``convert``, ``weights --completion``, ``run X.ahp``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ahpstat.cli import main

DATA = Path(__file__).parent / "data" / "public"


def test_weights_with_optimal_completion(tmp_path, capsys):
    """Bozóki, Fülöp & Rónyai (2010) / AHPy's test: (c, d) missing, weights 0.3738, 0.392,
    0.0985, 0.1357."""
    p = tmp_path / "m.csv"
    p.write_text(",a,b,c,d\na,1,1,5,2\nb,1,1,3,4\nc,1/5,1/3,1,\nd,1/2,1/4,,1\n")
    assert main(["weights", str(p), "--completion", "optimal", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["weights_completion"] == "optimal"
    got = [round(out["weights"][k], 4) for k in "abcd"]
    assert got == [0.3738, 0.392, 0.0985, 0.1357]
    assert main(["weights", str(p)]) == 1  # eigenvector needs a complete matrix
    assert "--method harker" in capsys.readouterr().err
    assert main(["weights", str(p), "--completion", "nonsense"]) == 2


def test_convert_round_trip_and_exit_codes(tmp_path, capsys):
    src = DATA / "ahpsurvey_city200.csv"
    long_ = tmp_path / "long.csv"
    args = ["convert", str(src), str(long_), "--from", "ahpsurvey", "--to", "long",
            "--encoding", "signed_left_negative", "--attributes", "cult,fam,house,jobs,trans"]
    assert main(args) == 0
    assert long_.read_text().splitlines()[1] == "1,goal,cult,fam,1/2"
    assert main(args) == 1  # never overwrites
    assert "does not overwrite" in capsys.readouterr().err
    back = tmp_path / "back.csv"
    assert main(["convert", str(long_), str(back), "--from", "long", "--to", "ahpsurvey",
                 "--to-encoding", "signed_left_negative"]) == 0
    assert back.read_bytes() == src.read_bytes()
    # an option that does not fit: a user error with the option's CLI spelling
    assert main(["convert", str(long_), str(tmp_path / "w.csv"), "--from", "long", "--to",
                 "wide", "--encoding", "signed"]) == 1
    assert "--to-encoding" in capsys.readouterr().err
    # a zero score cannot become a judgment: located error, nothing written
    assert main(["convert", str(DATA / "ahp_vacation.ahp"), str(tmp_path / "v.csv"),
                 "--from", "ahp", "--to", "long"]) == 1
    err = capsys.readouterr().err
    assert "line 59" in err and "'Kid'" in err
    assert not (tmp_path / "v.csv").exists()
    assert main(["convert", str(src), str(tmp_path / "x.csv"), "--from", "bogus",
                 "--to", "long"]) == 2


@pytest.mark.parametrize("layout", ["matrix", "wide"])
def test_convert_ahp_to_judgment_layouts(tmp_path, layout):
    out = tmp_path / f"car_{layout}.csv"
    assert main(["convert", str(DATA / "ahp_car.ahp"), str(out), "--from", "ahp", "--to",
                 layout]) == 0
    assert out.stat().st_size > 0


def test_run_an_ahp_file_writes_r_ahps_tables(tmp_path, capsys):
    """``ahpstat run car.ahp``: R ahp's Analyze table (tests/test_rahp.py has the numbers)."""
    import pandas as pd

    out = tmp_path / "car"
    assert main(["run", str(DATA / "ahp_car.ahp"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Odyssey 0.220, Accord Sedan 0.210" in printed
    t = pd.read_csv(out / "analyze.csv")
    goal = t[t.node == "Buy Car"].iloc[0]
    assert round(100 * goal["Odyssey"], 1) == 22.0
    assert round(100 * goal["inconsistency"], 1) == 7.5
    assert "| Buy Car | 100.0 | 22.0 | 21.0 |" in (out / "report.md").read_text()
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["kind"] == "decision" and prov["options"]["aggregation"] == "aip"
    assert main(["check", str(DATA / "ahp_car.ahp")]) == 0
    assert "OK: Buy Car: 6 alternatives" in capsys.readouterr().out
    # one decision maker: nothing to resample
    assert main(["run", str(DATA / "ahp_car.ahp"), "--out", str(tmp_path / "b"),
                 "--bootstrap"]) == 1
    assert "one" in capsys.readouterr().err


def test_run_an_ahp_file_with_a_bootstrap(tmp_path):
    import pandas as pd

    out = tmp_path / "vac"
    with pytest.warns(UserWarning, match="decision makers"):
        assert main(["run", str(DATA / "ahp_vacation.ahp"), "--out", str(out), "--bootstrap",
                     "--seed", "3"]) == 0
    iv = pd.read_csv(out / "intervals.csv").set_index("alternative")
    assert iv.loc["Beach", "low"] <= 0.524 <= iv.loc["Beach", "high"]
    rp = pd.read_csv(out / "rank_probabilities.csv")
    assert rp.groupby("alternative").probability.sum().round(12).eq(1).all()


def test_study_file_with_the_ahpsurvey_layout(tmp_path):
    """A study whose judgments are ahpsurvey's city200 file: the panel's AIJ weights equal
    the numpy core's aggregate of the same 200 matrices."""
    import shutil

    import numpy as np

    import ahpstat as ah
    from ahpstat.hierarchy import Hierarchy
    from ahpstat.io import judgment_stacks, read_ahpsurvey

    atts = ["cult", "fam", "house", "jobs", "trans"]
    shutil.copy(DATA / "ahpsurvey_city200.csv", tmp_path / "city200.csv")
    (tmp_path / "hierarchy.yaml").write_text(
        "hierarchy:\n  id: goal\n  children:\n" + "".join(f"    - {{id: {a}}}\n" for a in atts))
    rng = np.random.default_rng(1)
    rows = ["respondent,community," + ",".join(atts)]
    for i in range(30):
        rows.append(f"r{i},c{i % 3}," + ",".join(str(int(x)) for x in rng.integers(1, 6, 5)))
    (tmp_path / "survey.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "study.yaml").write_text(
        "hierarchy: hierarchy.yaml\n"
        "judgments: {path: city200.csv, layout: ahpsurvey, encoding: signed_left_negative}\n"
        "survey: {path: survey.csv, group_columns: [community], likert: [1, 5]}\n")
    res = ah.Study.from_yaml(tmp_path / "study.yaml").run()
    w = res.weights.set_index("node")
    j = read_ahpsurvey(DATA / "ahpsurvey_city200.csv", attributes=atts, negconvert=True)
    _, S = judgment_stacks(j, Hierarchy.from_children({"goal": atts}))["goal"]
    expected = ah.weights(ah.aggregate(S, method="aij")).weights
    col = "local" if "local" in w.columns else "local_weight"
    np.testing.assert_allclose(w.loc[atts, col].to_numpy(dtype=float), expected, atol=1e-9)
    assert main(["check", str(tmp_path / "study.yaml")]) == 0
    (tmp_path / "bad.yaml").write_text(
        "hierarchy: hierarchy.yaml\njudgments: {path: city200.csv, layout: ahpsurvey}\n"
        "survey: {path: survey.csv, likert: [1, 5]}\n")
    with pytest.raises(ah.InputError, match="encoding"):
        ah.Study.from_yaml(tmp_path / "bad.yaml")


def test_run_an_ahp_file_with_evaluation_options(tmp_path, capsys):
    """The CLI's evaluation options reach the model: its table equals the Python API's."""
    import pandas as pd

    from ahpstat.alternatives import DecisionModel

    out = tmp_path / "car"
    assert main(["run", str(DATA / "ahp_car.ahp"), "--out", str(out), "--mode", "IDEAL",
                 "--aggregation", "aij", "--random-index", "saaty"]) == 0
    api = DecisionModel.from_ahp_file(DATA / "ahp_car.ahp").evaluate(
        mode="ideal", aggregation="aij", random_index="saaty").analyze()
    got = pd.read_csv(out / "analyze.csv").set_index("node")
    pd.testing.assert_frame_equal(got.loc[api.index, api.columns], api, check_dtype=False,
                                  atol=1e-12)
    default = DecisionModel.from_ahp_file(DATA / "ahp_car.ahp").evaluate().analyze()
    assert not np.allclose(default.loc["Buy Car", "Odyssey"], api.loc["Buy Car", "Odyssey"])
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["options"]["mode"] == "ideal" and prov["options"]["random_index"] == "saaty"
    capsys.readouterr()
    # not available for an .ahp file, or only for one: usage errors, nothing written
    assert main(["run", str(DATA / "ahp_car.ahp"), "--out", str(tmp_path / "b"),
                 "--sensitivity"]) == 2
    assert "--sensitivity is not available" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "c"),
                 "--mode", "ideal"]) == 2
    assert "--mode: only for an R ahp file" in capsys.readouterr().err
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()
    assert main(["run", str(DATA / "ahp_car.ahp"), "--out", str(tmp_path / "d"),
                 "--mode", "best"]) == 2


TINY = """Version: 2.0
Alternatives: &a {A: {}, B: {}, C: {}}
Goal:
  name: G
  decision-makers: [P: 0.4, Q: 0.3, R: 0.3]
  preferences:
    P: {pairwise: [[X, Y, 3]]}
    Q: {pairwise: [[X, Y, 2]]}
    R: {pairwise: [[X, Y, 4]]}
  children:
    X:
      preferences:
        P: {pairwise: [[A, B, 2], [A, C, 3], [B, C, 2]]}
        Q: {pairwise: [[A, B, 3], [A, C, 4], [B, C, 1]]}
        R: {pairwise: [[A, B, 1], [A, C, 2], [B, C, 2]]}
      children: *a
    Y:
      preferences:
        P: {pairwise: [[A, B, 1/2], [A, C, 1/3], [B, C, 1]]}
        Q: {pairwise: [[A, B, 1/3], [A, C, 1/2], [B, C, 2]]}
        R: {pairwise: [[A, B, 1/2], [A, C, 1/4], [B, C, 1/2]]}
      children: *a
"""


@pytest.mark.slow
def test_run_an_ahp_file_with_the_bayesian_model(tmp_path):
    """``ahpstat run X.ahp --bayes`` writes the posterior tables; they are the Python API's
    (same seed) and the bootstrap's stream does not change when the model is added."""
    import warnings

    import pandas as pd

    from ahpstat.study import DecisionStudy

    f = tmp_path / "tiny.ahp"
    f.write_text(TINY, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few decision makers; sampler diagnostics
        assert main(["run", str(f), "--out", str(tmp_path / "o"), "--bayes", "--bootstrap",
                     "--seed", "5"]) == 0
        api = DecisionStudy.from_ahp_file(f).run(rng=5, bootstrap=True, bayes=True)
        boot_only = DecisionStudy.from_ahp_file(f).run(rng=5, bootstrap=True)
    got = pd.read_csv(tmp_path / "o" / "bayes_priorities.csv")
    pd.testing.assert_frame_equal(got, api.to_frame("bayes_priorities"), check_dtype=False,
                                  rtol=1e-9)
    rp = pd.read_csv(tmp_path / "o" / "bayes_rank_probabilities.csv")
    assert rp.groupby("alternative").probability.sum().round(12).eq(1).all()
    assert rp.groupby("rank").probability.sum().round(12).eq(1).all()
    diag = pd.read_csv(tmp_path / "o" / "bayes_diagnostics.csv")
    # per-parameter verdicts (not one fit-level flag repeated); the fit's verdict in provenance
    assert "n_divergences" not in diag.columns
    ess = 100 * api.bayes.bayes.idata.posterior.sizes["chain"]  # 100 per chain
    want = (diag.r_hat <= 1.01) & (diag.ess_bulk >= ess) & (diag.ess_tail >= ess)
    assert (diag["ok"] == want).all()
    # the posterior means lie inside their credible intervals and sum to 1
    assert (got["low"] <= got["mean"]).all() and (got["mean"] <= got["high"]).all()
    assert got["mean"].sum() == pytest.approx(1, abs=1e-9)
    pd.testing.assert_frame_equal(api.to_frame("intervals"), boot_only.to_frame("intervals"))
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text())
    assert prov["bayes"]["seed"] == 5 and prov["bayes"]["n_draws"] == api.bayes.draws.shape[1]
    assert prov["bayes"]["ok"] == (bool(diag["ok"].all()) and prov["bayes"]["n_divergences"] == 0)
    assert prov["bayes"]["parameters_not_ok"] == diag.loc[~diag["ok"], "parameter"].tolist()
    assert "Bayesian model of the judgments" in (tmp_path / "o" / "report.md").read_text()
