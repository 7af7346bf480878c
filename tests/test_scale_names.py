"""`scale=` and the other option names are case-insensitive at every public entry point.

Each entry point is called with "Saaty" and "SAATY" and must behave exactly as with "saaty"
(the same values, the same rejections); a name that is no scale is still rejected.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import ahpstat as ah
from ahpstat._validation import check_scale
from ahpstat.io import collect_problems, read_ahpsurvey, read_judgments, validate_judgments
from ahpstat.multiverse._treatments import likert_transform, rescale_judgments
from ahpstat.pairwise import validate_matrix
from ahpstat.simulate import random_reciprocal_matrices, simulate_panel

SPELLINGS = ("Saaty", "SAATY", "saaty")
#: 0.14 is 1/7 on Saaty's scale (ahpstat.scales), 2.5 is off it
LONG = "expert,node,row,col,value\nE1,G,A,B,3\nE1,G,A,C,0.14\nE1,G,B,C,1\n"
OFF = "expert,node,row,col,value\nE1,G,A,B,2.5\n"


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_helper(spelling):
    assert check_scale(spelling) == "saaty"
    assert check_scale(None) is None
    with pytest.raises(ValueError, match=r"`scale` must be one of \{'saaty', None\}"):
        check_scale("likert")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_validate_matrix_and_weights(spelling):
    A = [[1, 3, 0.14], [1 / 3, 1, 0.2], [1 / 0.14, 5, 1]]
    snapped = validate_matrix(A, scale=spelling)
    assert snapped[0, 2] == pytest.approx(1 / 7)  # snapped: the scale was applied
    w = ah.weights(A, scale=spelling).weights
    np.testing.assert_array_equal(w, ah.weights(A, scale="saaty").weights)
    with pytest.raises(ValueError, match="off Saaty's 1-9 scale"):
        validate_matrix([[1, 2.5], [0.4, 1]], scale=spelling)
    with pytest.raises(ValueError, match=r"`scale` must be one of \{'saaty', None\}; got 'likert'"):
        validate_matrix(A, scale="likert")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_readers(spelling):
    df = read_judgments(io.StringIO(LONG), scale=spelling)
    assert df["value"].iloc[1] == pytest.approx(1 / 7)  # snapped as with "saaty"
    with pytest.raises(ah.InputError, match="not on Saaty's scale"):
        read_judgments(io.StringIO(OFF), scale=spelling)
    raw = read_judgments(io.StringIO(OFF))
    (problem,) = validate_judgments(raw, scale=spelling, errors="collect")
    assert "not on Saaty's scale" in problem.reason
    (problem,) = collect_problems(io.StringIO(OFF), kind="judgments", scale=spelling)
    assert "not on Saaty's scale" in problem.reason
    survey = "cult_fam,cult_house,fam_house\n-2,2,4\n"
    j = read_ahpsurvey(io.StringIO(survey), attributes=["cult", "fam", "house"], negconvert=True,
                       scale=spelling)
    pd.testing.assert_frame_equal(
        j, read_ahpsurvey(io.StringIO(survey), attributes=["cult", "fam", "house"],
                          negconvert=True))
    with pytest.raises(ValueError, match=r"`scale` must be one of"):
        read_judgments(io.StringIO(LONG), scale="likert")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_simulators(spelling):
    A = random_reciprocal_matrices(3, size=2, scale=spelling, rng=1)
    np.testing.assert_array_equal(A, random_reciprocal_matrices(3, size=2, scale="saaty", rng=1))
    tree, truth = {"G": ["A", "B", "C"]}, {"G": [0.5, 0.3, 0.2]}
    panel = simulate_panel(tree, truth, n_experts=2, scale=spelling, rng=2)
    pd.testing.assert_frame_equal(panel, simulate_panel(tree, truth, n_experts=2,
                                                        scale="saaty", rng=2))


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_multiverse_treatments(spelling):
    A = [[1, 3], [1 / 3, 1]]
    np.testing.assert_array_equal(rescale_judgments(A, spelling), np.asarray(A, dtype=float))
    np.testing.assert_array_equal(rescale_judgments(A, "BALANCED"),
                                  rescale_judgments(A, "balanced"))
    X = np.array([[1.0, 5.0], [4.0, 2.0]])
    np.testing.assert_array_equal(likert_transform(X, "TOP_BOX", likert=(1, 5)),
                                  likert_transform(X, "top_box", likert=(1, 5)))
    with pytest.raises(ValueError, match=r"`scale` must be one of"):
        rescale_judgments(A, "fibonacci")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_bayes_options(spelling):
    from ahpstat._bayes_model import prepare_panel, scale_log_values
    from ahpstat.bayes import BayesianAHP

    tree = {"G": ["A", "B", "C"]}
    J = read_judgments(io.StringIO(LONG))
    m = BayesianAHP(J, tree, scale=spelling, model_config={"error": "Normal"})
    assert m.scale == "saaty"
    assert m._validate_model_config()["error"] == "normal"
    np.testing.assert_array_equal(scale_log_values(spelling), scale_log_values("saaty"))
    assert prepare_panel(J, tree, scale=spelling).scale == "saaty"
    # the sampler name passes its check ("PYMC" is "pymc"); the next check then fails cheaply
    with pytest.raises(ValueError, match=r"`chains` must be a positive integer"):
        m.fit(sampler="PYMC", chains=0)
    with pytest.raises(ValueError, match=r"`sampler` must be one of"):
        m.fit(sampler="stan", chains=0)
    with pytest.raises(ValueError, match=r"`scale` must be one of"):
        BayesianAHP(J, tree, scale="likert")


def test_other_option_names():
    """`kind` of collect_problems, `errors` of validate_judgments and the sensitivity
    section's `nodes` are matched case-insensitively too (check_method)."""
    from ahpstat.sensitivity import sensitivity_settings

    (problem,) = collect_problems(io.StringIO(OFF), kind="Judgments", scale="saaty")
    assert "not on Saaty's scale" in problem.reason
    raw = read_judgments(io.StringIO(OFF))
    assert len(validate_judgments(raw, scale="saaty", errors="COLLECT")) == 1
    assert sensitivity_settings({"nodes": "Internal", "sobol": False})["nodes"] == "internal"
    with pytest.raises(ah.InputError, match=r"s.yaml: `sensitivity.nodes` must be one of"):
        sensitivity_settings({"nodes": "leaves"}, file="s.yaml")
    with pytest.raises(ValueError, match=r"`kind` must be one of"):
        collect_problems(io.StringIO(OFF), kind="matrix")


def test_study_file_bootstrap_sources(tmp_path):
    """`bootstrap.resample` in a study file is case-insensitive, as every name of the file."""
    from ahpstat.datasets import write_example_study
    from ahpstat.study import Study

    y = write_example_study(tmp_path / "s",
                            extra="bootstrap:\n  resample: [Respondents, EXPERTS]\n")
    assert Study.from_yaml(y).bootstrap["resample"] == ["experts", "respondents"]
    y.write_text(y.read_text().replace("EXPERTS", "nobody"))
    with pytest.raises(ah.InputError, match=r"`bootstrap.resample` must be experts, respondents"):
        Study.from_yaml(y)
