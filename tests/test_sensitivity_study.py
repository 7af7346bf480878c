"""The study file's ``sensitivity:`` section, ``ahpstat sensitivity`` and the report section."""

from __future__ import annotations

import pytest

from ahpstat import InputError
from ahpstat.cli import main
from ahpstat.datasets import write_example_study
from ahpstat.output import write_study
from ahpstat.study import Study

SMALL = """sensitivity:
  weighting: [eigenvector, geometric_mean]
  aggregation: [aij, aip_geometric]
  consistency: [cr]
  policy: [keep, downweight]
  missing: [available_case]
  scale: [saaty, balanced]
  likert: [mean, ridit]
  judgments: {n_resamples: 6, probability: 0.2}
  sobol: {n_samples: 32}
"""


def test_section_runs_with_the_study_and_is_written(tmp_path):
    path = write_example_study(tmp_path / "s", extra=SMALL)
    study = Study.from_yaml(path)
    assert study.sensitivity["grid"]["scale"] == ("saaty", "balanced")
    res = study.run()
    assert res.sensitivity is not None
    assert len(res.sensitivity.multiverse.specifications) == 2 * 2 * 1 * 2 * 1 * 2 * 2
    out = write_study(res, tmp_path / "out")
    for stem in ("multiverse", "multiverse_specifications", "multiverse_anova",
                 "sensitivity_weights", "sensitivity_critical", "sensitivity_sobol",
                 "sensitivity_judgments_ranks"):
        assert (out / f"{stem}.csv").is_file(), stem
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Robustness: is the ranking robust?" in md
    for fig in ("specification_curve.png", "rank_stability.png", "weight_gradient.png"):
        assert (out / fig).is_file() and fig in md
    assert res.provenance()["sensitivity"]["n_specifications"] == 32
    # same inputs and seed: identical tables
    again = Study.from_yaml(path).run()
    for k, t in res.sensitivity.tables().items():
        assert t.equals(again.sensitivity.tables()[k]), k
    # switched off from the API
    assert Study.from_yaml(path).run(sensitivity=False).sensitivity is None


@pytest.mark.parametrize("extra, match", [
    ("sensitivity: {scale: [saaty, fibonacci]}\n", r"`sensitivity.scale` must be a list of"),
    ("sensitivity: {grouping: district}\n", r"`sensitivity.grouping` must be one of"),
    ("sensitivity: {judgments: {n_resamples: -1}}\n",
     r"`sensitivity.judgments.n_resamples` must be an integer"),
    ("sensitivity: [1, 2]\n", r"`sensitivity` must be a mapping"),
    ("sensitivity: {consistency: [{index: cr, threshold: 0}]}\n",
     r"`sensitivity.consistency.threshold` must be a positive number"),
])
def test_bad_section_values_are_located(tmp_path, extra, match):
    path = write_example_study(tmp_path, extra=extra)
    with pytest.raises(InputError, match=match) as e:
        Study.from_yaml(path)
    assert str(path) in str(e.value)


def test_cli_sensitivity(tmp_path, capsys):
    path = write_example_study(tmp_path / "s", extra="")
    small = SMALL.replace("sensitivity:\n", "").replace("\n  ", "\n")
    # the command runs the defaults when the file has no section: use a small one here
    path.write_text(path.read_text() + "sensitivity:\n" + "".join(
        "  " + line + "\n" for line in small.strip().splitlines()), encoding="utf-8")
    code = main(["sensitivity", str(path), "--out", str(tmp_path / "o"), "--no-figures",
                 "--progress"])
    cap = capsys.readouterr()
    assert code == 0, cap.err
    assert "Multiverse: 32 specifications" in cap.out
    assert "sensitivity [" in cap.err  # the progress bar
    assert (tmp_path / "o" / "multiverse.csv").is_file()
    code = main(["sensitivity", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "x")])
    assert code == 1
