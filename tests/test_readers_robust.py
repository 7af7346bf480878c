"""Readers accept what spreadsheets really write: semicolon CSV with decimal commas, a full
matrix exported as both triangles; and they refuse, naming the cell, what they cannot read."""

from __future__ import annotations

import doctest
import io

import pytest

import ahpstat.io._grids as grids_mod
from _base_study import copy_base_study
from ahpstat import InputError
from ahpstat.io import read_judgments, read_survey
from ahpstat.study import Study


def test_doctests():
    assert doctest.testmod(grids_mod).failed == 0


def test_semicolon_and_decimal_comma_read_like_commas(tmp_path):
    a = copy_base_study(tmp_path / "a")
    b = copy_base_study(tmp_path / "b")
    for name in ("survey.csv", "judgments.csv"):
        text = (tmp_path / "b" / name).read_text()
        (tmp_path / "b" / name).write_text(text.replace(",", ";"))
    # a judgment written with a decimal comma (0,5 = 1/2), as European spreadsheets do
    j = (tmp_path / "b" / "judgments.csv").read_text().splitlines()
    ja = (tmp_path / "a" / "judgments.csv").read_text().splitlines()
    assert j[1].endswith(";2") and ja[1].endswith(",2")
    j[1] = j[1].rsplit(";", 3)[0] + ";" + ";".join(reversed(j[1].split(";")[2:4])) + ";0,5"
    (tmp_path / "b" / "judgments.csv").write_text("\n".join(j) + "\n")
    ra, rb = Study.from_yaml(a).run(), Study.from_yaml(b).run()
    assert ra.scores.score.tolist() == pytest.approx(rb.scores.score.tolist(), rel=1e-12)
    assert ra.weights["global"].tolist() == pytest.approx(rb.weights["global"].tolist(),
                                                          rel=1e-12)


def test_full_matrix_export_in_both_triangles_is_one_judgment():
    f = io.StringIO("expert,node,row,col,value\nE1,A,x,y,3\nE1,A,y,x,1/3\nE1,A,x,z,2\n"
                    "E1,A,z,x,0.5\nE1,A,y,z,1\n")
    df = read_judgments(f)
    assert len(df) == 3 and df.source_row.tolist() == [2, 4, 6]
    with pytest.raises(InputError, match=r"row 3 \(expert 'E1', node 'A'\): judgment y-x = 3 "
                                         r"contradicts row 2"):
        read_judgments(io.StringIO("expert,node,row,col,value\nE1,A,x,y,3\nE1,A,y,x,3\n"))
    with pytest.raises(InputError, match="duplicate judgment"):  # same triangle twice
        read_judgments(io.StringIO("expert,node,row,col,value\nE1,A,x,y,3\nE1,A,x,y,3\n"))


def test_short_last_line_only_when_the_file_ends_without_a_break(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("id,Q1,Q2\nR1,3,4\nR2,3")
    with pytest.raises(InputError, match=r"s\.csv, row 3: the last line is cut short"):
        read_survey(p, id_column="id", items=["Q1", "Q2"])
    p.write_text("id,Q1,Q2\nR1,3,4\nR2,3\n")  # a complete line that omits a trailing blank
    assert read_survey(p, id_column="id", items=["Q1", "Q2"]).Q2.isna().tolist() == [False,
                                                                                    True]
