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


def _slow(monkeypatch, path, **kw):
    import ahpstat.io._survey as survey_mod

    with monkeypatch.context() as m:
        m.setattr(survey_mod, "_fast_csv", lambda *a, **k: None)
        return read_survey(path, **kw)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_fast_csv_path_gives_the_general_readers_frame(tmp_path, monkeypatch, newline):
    """The pandas fast path for plain CSV surveys must return exactly what the general
    reader returns (values, dtypes, index, attrs), and decline anything unusual."""
    import numpy as np

    import ahpstat.io._survey as survey_mod

    gen = np.random.default_rng(3)
    rows = ["extra,id,community,Q1,Q2,Q3"]
    for k in range(300):
        ans = [str(v) if v else gen.choice(["", "NA", "n/a"]) for v in gen.integers(0, 6, 3)]
        rows.append(f"x{k},R{k:04d},HZ{k % 7:02d}," + ",".join(ans))
    p = tmp_path / "s.csv"
    p.write_bytes(newline.join(rows).encode() + newline.encode())
    kw = dict(id_column="id", items={"D1": "Q1", "D2": "Q2", "D3": "Q3"},
              group_columns=["community"], likert=(0, 5))
    assert survey_mod._fast_csv(p, "id", kw["items"], ["community"], 0, 5) is not None
    fast, slow = read_survey(p, **kw), _slow(monkeypatch, p, **kw)
    import pandas as pd

    pd.testing.assert_frame_equal(fast, slow)
    assert fast.attrs == slow.attrs
    # declined: a blank line, an answer out of range, full-width text, no final line break
    for text in ("id,community,Q1,Q2,Q3\nR1,A,1,2,3\n\nR2,A,1,2,3\n",
                 "id,community,Q1,Q2,Q3\nR1,A,1,2,9\n",
                 "id,community,Q1,Q2,Q3\nＲ1,A,1,2,3\n",
                 "id,community,Q1,Q2,Q3\nR1,A,1,2,3"):
        p.write_text(text)
        assert survey_mod._fast_csv(p, "id", kw["items"], ["community"], 0, 5) is None


@pytest.mark.parametrize("texts", [["R0001", "HZ 02", "a-b_c"], ["R1 "], [" R1"], ["R\t1"],
                                   ["a\x7f"], ["Ｒ1"], ["é", "R1"], ["e\u0301"], ["社区"],
                                   ["a\u00a0"], ["ﬁ"]])
def test_plain_text_check_is_the_per_text_definition(texts):
    """The fast path's check of ids and group names (printable, NFKC-normalised, stripped)
    joins printable ASCII texts into one string; it must decide as the per-text definition
    does, for ASCII and non-ASCII texts alike."""
    import pandas as pd

    from ahpstat.io._survey import _plain_text

    for col in (pd.Series(texts, dtype=object), pd.Series(texts, dtype="string[pyarrow]")):
        expected = bool(col.map(str.isprintable).all()
                        and not (col.str.normalize("NFKC").str.strip() != col).any())
        assert _plain_text(col) is expected
