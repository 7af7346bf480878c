"""``ahpstat check`` says every problem of a study file at once, and agrees with ``run``.

Whatever ``check`` accepts, ``run`` accepts, and whatever ``run`` rejects, ``check`` rejects
with the same message (issue 8). The bad-input catalogue (``tests/data/bad/``,
``test_bad_inputs.py``) holds hand-made cases; here the study file of its valid base study is
mutated key by key (every key of the schema, values of every type) and both verdicts are
compared.
"""

from __future__ import annotations

import itertools
import random
import shutil
import warnings
from pathlib import Path

import pytest
import yaml

from ahpstat._validation import InputError
from ahpstat.cli import main
from ahpstat.study import STUDY_SCHEMA, Study, check_study

BASE = Path(__file__).parent / "data" / "bad" / "_base"

SEVEN_PROBLEMS = """\
name: example
hierarchy: hierarchy.yaml
judgments: no_such_judgments.csv
survey: {path: survey.csv, id_column: respondent, grop_columns: [site], likert: [1, 5]}
seeed: 7
weighting: {method: eigen}
consistency:
  threshold: -1
  policy: keep
bootstrap:
  n_resamples: many
  metod: bca
"""


@pytest.fixture
def base(tmp_path: Path) -> Path:
    d = tmp_path / "study"
    shutil.copytree(BASE, d)
    return d


def test_check_says_every_problem_of_the_study_file_at_once(base, monkeypatch, capsys):
    (base / "study.yaml").write_text(SEVEN_PROBLEMS, encoding="utf-8")
    problems = check_study(base / "study.yaml")
    shown = [(p.location.line, p.reason) for p in problems]
    expected = [  # (line, fragment), in line order; the missing file last
        (4, "unknown key `survey.grop_columns`"),
        (5, "unknown key `seeed`"),
        (6, "`weighting.method` must be one of"),
        (8, "`consistency.threshold` must be a positive number"),
        (11, "`bootstrap.n_resamples` must be an integer >= 2. Got 'many' instead."),
        (12, "unknown key `bootstrap.metod`"),
        (None, "the judgments file does not exist"),
    ]
    assert len(shown) == len(expected), shown
    for (line, reason), (want_line, fragment) in zip(shown, expected, strict=True):
        assert line == want_line and fragment in reason, (line, reason)
    # did you mean, where a key is close
    assert "Did you mean 'group_columns'?" in shown[0][1]
    assert "Did you mean 'seed'?" in shown[1][1]
    assert "Did you mean 'method'?" in shown[5][1]
    # the CLI lists them all, numbered; run stops at the first of them
    monkeypatch.chdir(base)
    assert main(["check", "study.yaml"]) == 1
    err = capsys.readouterr().err
    assert "7 problems found" in err
    assert all(f"  {k}. " in err for k in range(1, 8))
    assert main(["run", "study.yaml", "--out", "out", "--no-figures"]) == 1
    err = capsys.readouterr().err
    assert "study.yaml, line 4: unknown key `survey.grop_columns`" in err
    assert not (base / "out").exists()


def test_a_valid_study_file_has_no_problem(base):
    study, problems = Study.from_yaml(base / "study.yaml"), check_study(base / "study.yaml")
    assert problems == [] and study.survey.group_columns == ("site",)


# ---------------------------------------------------------------- check = run, mutated

#: values of every YAML type, valid for some keys and not for others
VALUES = [None, True, 0, 1, 2, -1, 0.5, 1.5, 1e12, "", "x", "eigenvector", "CR", "bca",
          "site", "respondent", [], [1, 5], ["site"], ["experts"], {}, {"a": 1}]
SECTIONS = ("", "survey", "weighting", "consistency", "bootstrap", "figures")


def _mutations() -> list[tuple[str, str, object]]:
    """(section, key, value) for every key of the sections above and every value."""
    out = []
    for name in SECTIONS:
        keys = [k.name for k in STUDY_SCHEMA[name].keys]
        if name == "":  # heavy sections (not run here, or mutated key by key only)
            keys = [k for k in keys if k not in ("bayes", "sensitivity", "bootstrap",
                                                 "figures")]
        out += [(name, k, v) for k, v in itertools.product(keys, VALUES)]
    return out


ALL = _mutations()
FEW = random.Random(8).sample(ALL, 24)


def _verdicts(folder: Path, section: str, key: str, value: object) -> tuple[list, str | None]:
    data = yaml.safe_load((BASE / "study.yaml").read_text(encoding="utf-8"))
    if section == "":
        data[key] = value
    else:
        sec = data.get(section)
        data[section] = {**(sec if isinstance(sec, dict) else {}), key: value}
    study = folder / "study.yaml"
    study.write_text(yaml.safe_dump(data), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problems = check_study(study)
        try:
            Study.from_yaml(study).run(bayes=False, sensitivity=False)
            refused = None
        except InputError as exc:
            refused = str(exc)
    return problems, refused


def _agree(folder: Path, section: str, key: str, value: object) -> None:
    problems, refused = _verdicts(folder, section, key, value)
    where = f"{section or 'top'}.{key} = {value!r}"
    if refused is None:
        assert problems == [], f"{where}: run accepts, check says {problems[0]}"
    else:
        assert problems, f"{where}: check accepts, run says {refused}"
        assert refused in [str(p) for p in problems], (where, refused, problems)


@pytest.mark.parametrize(("section", "key", "value"), FEW,
                         ids=[f"{s or 'top'}.{k}={v!r}" for s, k, v in FEW])
def test_check_agrees_with_run_on_a_mutated_study_file(base, section, key, value):
    _agree(base, section, key, value)


@pytest.mark.slow
def test_check_agrees_with_run_on_every_mutation(base):
    for section, key, value in ALL:
        _agree(base, section, key, value)


def test_a_random_index_table_too_short_is_a_located_error_in_check_and_run(tmp_path, capsys):
    """16 children under one node and Saaty's table (n <= 15): a bare ValueError traceback
    from both commands before; now the same InputError in the study file's spelling."""
    kids = [f"x{k:02d}" for k in range(16)]
    (tmp_path / "hierarchy.yaml").write_text(
        "id: G\nchildren:\n" + "".join(f"- {{id: {k}}}\n" for k in kids), encoding="utf-8")
    (tmp_path / "judgments.csv").write_text(
        "expert,node,row,col,value\n" + "".join(
            f"E{e},G,{a},{b},{1 + (i + e) % 3}\n" for e in (1, 2)
            for i, (a, b) in enumerate(itertools.combinations(kids, 2))), encoding="utf-8")
    (tmp_path / "survey.csv").write_text(
        "respondent," + ",".join(kids) + "\n" + "".join(
            f"R{r}," + ",".join(str(1 + (r + k) % 5) for k in range(16)) + "\n"
            for r in range(6)), encoding="utf-8")
    study = tmp_path / "study.yaml"
    study.write_text("hierarchy: hierarchy.yaml\njudgments: judgments.csv\nsurvey: survey.csv\n",
                     encoding="utf-8")
    problems = check_study(study)
    assert len(problems) == 1
    assert "set `consistency.random_index: alonso_lamata` in the study file" in str(problems[0])
    with pytest.raises(InputError) as run_error:
        Study.from_yaml(study).run()
    assert str(run_error.value) == str(problems[0])
    assert main(["check", str(study)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    study.write_text(study.read_text() + "consistency: {random_index: alonso_lamata}\n")
    assert check_study(study) == []
