"""``delimiter:`` and ``decimal:`` of the judgments and survey files (issue 8).

The expected numbers come from the same study with its files written the usual way (commas,
decimal points): a file written with other separators and declared must give the same
tables, bit for bit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from ahpstat.io import read_survey
from ahpstat.study import Study, check_study

BASE = Path(__file__).parent / "data" / "bad" / "_base"
SURVEY = "survey: {path: survey.csv, id_column: respondent, group_columns: [site], likert: [1, 5]"


def _study(folder: Path, judgments: str = "judgments.csv", survey_extra: str = "") -> Path:
    text = (f"hierarchy: hierarchy.yaml\njudgments: {judgments}\n"
            f"{SURVEY}{survey_extra}}}\nseed: 7\n")
    (folder / "study.yaml").write_text(text, encoding="utf-8")
    return folder / "study.yaml"


def _flip(folder: Path) -> None:
    """Judgments of 2 and 4 given the other way round, as 1/2 and 1/4 (same judgments)."""
    p = folder / "judgments.csv"
    rows = [line.split(",") for line in p.read_text(encoding="utf-8").splitlines()]
    for r in rows[1:]:
        if r[4] in ("2", "4"):
            r[2], r[3], r[4] = r[3], r[2], f"1/{r[4]}"
    p.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    d = tmp_path_factory.mktemp("ref")
    shutil.copytree(BASE, d, dirs_exist_ok=True)
    _flip(d)
    return Study.from_yaml(_study(d)).run()


@pytest.fixture
def folder(tmp_path) -> Path:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    _flip(tmp_path)
    return tmp_path


def _rewrite(path: Path, sep: str, decimal_comma: bool = False) -> None:
    rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]
    if decimal_comma:  # 1/2 -> 0,5 and 1/4 -> 0,25 (exact in binary)
        for r in rows[1:]:
            if "/" in r[-1]:
                r[-1] = str(1 / float(r[-1].split("/")[1])).replace(".", ",")
    path.write_text("\n".join(sep.join(r) for r in rows) + "\n", encoding="utf-8")


def test_semicolons_and_decimal_commas_declared_give_the_same_tables(folder, reference):
    j = folder / "judgments.csv"
    text = j.read_text(encoding="utf-8")
    assert "1/4" in text and "1/2" in text
    _rewrite(j, ";", decimal_comma=True)
    assert ";0,25\n" in j.read_text() and ";0,5\n" in j.read_text()
    _rewrite(folder / "survey.csv", "|")
    st = _study(folder, judgments="{path: judgments.csv, delimiter: ';', decimal: ','}",
                survey_extra=", delimiter: '|'")
    assert check_study(st) == []
    res = Study.from_yaml(st).run()
    pd.testing.assert_frame_equal(res.weights, reference.weights)
    pd.testing.assert_frame_equal(res.scores, reference.scores)
    assert res.study.options()["survey"]["delimiter"] == "|"


def test_tab_is_a_delimiter(folder, reference):
    _rewrite(folder / "survey.csv", "\t")
    st = _study(folder, survey_extra=", delimiter: tab")
    assert check_study(st) == []
    pd.testing.assert_frame_equal(Study.from_yaml(st).run().scores, reference.scores)


def test_semicolons_are_sniffed_without_the_options(folder, reference):
    _rewrite(folder / "judgments.csv", ";", decimal_comma=True)
    _rewrite(folder / "survey.csv", ";")
    st = _study(folder)
    assert check_study(st) == []
    pd.testing.assert_frame_equal(Study.from_yaml(st).run().weights, reference.weights)


def test_a_wrong_declared_delimiter_says_what_the_header_splits_into(folder):
    _rewrite(folder / "survey.csv", ";")
    problems = check_study(_study(folder, survey_extra=", delimiter: ','"))
    assert len(problems) == 1
    msg = str(problems[0])
    assert "survey.csv, row 1: the header line is one cell when split on ','" in msg
    assert "7 cells when split on ';'" in msg and "delimiter: ';'" in msg


def test_a_declared_decimal_point_does_not_read_decimal_commas(folder):
    _rewrite(folder / "judgments.csv", ";", decimal_comma=True)
    st = _study(folder, judgments="{path: judgments.csv, delimiter: ';', decimal: '.'}")
    problems = check_study(st)
    assert problems and all("not a number" in p.reason for p in problems)
    assert problems[0].location.row is not None
    with pytest.raises(Exception, match="not a number"):
        Study.from_yaml(st).run()


def test_bad_values_and_workbooks(folder):
    problems = check_study(_study(folder, survey_extra=", delimiter: ':', decimal: ';'"))
    assert [p.location.line for p in problems] == [3, 3]
    assert "`survey.delimiter` must be one of ','" in problems[0].reason
    assert "`survey.decimal` must be one of" in problems[1].reason
    pd.DataFrame({"respondent": ["R1"], "a1": [1]}).to_excel(folder / "s.xlsx", index=False)
    with pytest.raises(Exception, match="`delimiter` and `decimal` apply to CSV files only"):
        read_survey(folder / "s.xlsx", id_column="respondent", items=["a1"], delimiter=";")
    with pytest.raises(ValueError, match="`decimal` must be one of"):
        read_survey(folder / "survey.csv", id_column="respondent", items=["a1"], decimal=";")


def test_fast_reader_reads_semicolons_as_the_general_one(folder, monkeypatch):
    import ahpstat.io._survey as survey_mod

    _rewrite(folder / "survey.csv", ";")
    kw = dict(id_column="respondent", items=["a1", "a2", "b1"], group_columns=["site"])
    fast = read_survey(folder / "survey.csv", **kw)
    assert survey_mod._fast_csv(folder / "survey.csv", "respondent", {c: c for c in kw["items"]},
                                ["site"], 1, 5) is not None
    monkeypatch.setattr(survey_mod, "_fast_csv", lambda *a, **k: None)
    pd.testing.assert_frame_equal(fast, read_survey(folder / "survey.csv", **kw))
