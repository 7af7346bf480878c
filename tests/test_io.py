"""Tests of ahpstat.io: every reader, layout and error category, xlsx, round trips."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ahpstat import InputError
from ahpstat.hierarchy import Hierarchy
from ahpstat.io import (
    JUDGMENT_COLUMNS,
    SOURCE_COLUMNS,
    collect_problems,
    judgment_stacks,
    parse_value,
    read_expert_weights,
    read_hierarchy,
    read_judgments,
    read_survey,
    sha256_file,
    validate_expert_weights,
    validate_judgments,
)

TREE = {"id": "A", "label": "目标", "children": [
    {"id": "B1", "label": "科学", "children": [{"id": "C1", "item": "Q1"},
                                              {"id": "C2", "item": "Q2"}]},
    {"id": "B2", "label": "参与", "children": [{"id": "C3", "item": "Q3"}]},
    {"id": "B3", "label": "透明", "children": [{"id": "C4", "item": "Q4"},
                                              {"id": "C5", "item": "Q5"},
                                              {"id": "C6", "item": "Q6"}]},
]}

#: (expert, node, row, col, value): a panel with a missing pair (E2 never compares B2-B3)
PANEL = [
    ("E1", "A", "B1", "B2", 3.0), ("E1", "A", "B1", "B3", 1 / 5), ("E1", "A", "B2", "B3", 1 / 7),
    ("E1", "B1", "C1", "C2", 2.0),
    ("E1", "B3", "C4", "C5", 1.0), ("E1", "B3", "C4", "C6", 4.0), ("E1", "B3", "C5", "C6", 9.0),
    ("E2", "A", "B1", "B2", 1 / 2), ("E2", "A", "B1", "B3", 6.0),
    ("E2", "B1", "C1", "C2", 1 / 9),
    ("E2", "B3", "C4", "C5", 5.0), ("E2", "B3", "C5", "C6", 1 / 3),
]


@pytest.fixture
def h() -> Hierarchy:
    return Hierarchy.from_dict(TREE)


def _csv(tmp_path: Path, text: str, name: str = "j.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _xlsx(tmp_path: Path, sheets: dict[str, list[list]], name: str = "j.xlsx") -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    p = tmp_path / name
    wb.save(p)
    return p


def _frac(v: float) -> str:
    return f"1/{round(1 / v)}" if v < 1 else f"{v:g}"


def _long_text(panel=PANEL) -> str:
    lines = ["expert,node,row,col,value"]
    lines += [f"{e},{v},{a},{b},{_frac(x)}" for e, v, a, b, x in panel]
    return "\n".join(lines) + "\n"


def _matrix_rows(panel, h: Hierarchy, *, with_expert=True, full=True) -> dict[str, list]:
    """Blocks per expert: {expert: rows}, each cell as text, lower triangle as 0.xxx."""
    out: dict[str, list] = {}
    for e in dict.fromkeys(p[0] for p in panel):
        rows: list[list] = []
        for v in h.internal:
            mine = [p for p in panel if p[0] == e and p[1] == v]
            if not mine:
                continue
            kids = h.children(v)
            M = [["" for _ in kids] for _ in kids]
            for i in range(len(kids)):
                M[i][i] = "1"
            for _, _, a, b, x in mine:
                i, j = kids.index(a), kids.index(b)
                M[i][j] = _frac(x)
                if full:
                    M[j][i] = f"{1 / x:.3f}"
            rows.append(["expert", e, "node", v] if with_expert else ["node", v])
            rows.append(["", *kids])
            rows += [[k, *M[i]] for i, k in enumerate(kids)]
            rows.append([])
        out[e] = rows
    return out


def _wide_text(panel, h: Hierarchy, encoding: str) -> str:
    cols = [f"{v}:{a}_{b}" for v in h.internal for i, a in enumerate(h.children(v))
            for b in h.children(v)[i + 1:] if len(h.children(v)) > 1]
    lines = ["expert," + ",".join(cols)]
    for e in dict.fromkeys(p[0] for p in panel):
        cells = []
        for c in cols:
            v, pair = c.split(":")
            a, b = pair.split("_")
            x = next((p[4] for p in panel if p[:4] == (e, v, a, b)), None)
            if x is None:
                cells.append("")
            elif encoding == "ratio":
                cells.append(_frac(x))
            else:
                s = round(x) if x >= 1 else -round(1 / x)
                cells.append(str(s))
        lines.append(e + "," + ",".join(cells))
    return "\n".join(lines) + "\n"


def _stacks_equal(s1, s2):
    assert list(s1) == list(s2)
    for v in s1:
        assert s1[v][0] == s2[v][0]
        np.testing.assert_allclose(s1[v][1], s2[v][1], rtol=2e-3)  # 0.333 vs 1/3


# ------------------------------------------------------------------ long layout


def test_read_long_canonical_frame(tmp_path, h):
    p = _csv(tmp_path, _long_text())
    df = read_judgments(p, hierarchy=h)
    assert list(df.columns) == [*JUDGMENT_COLUMNS, *SOURCE_COLUMNS]
    assert len(df) == len(PANEL)
    assert df.value.dtype == float
    assert df.loc[1, "value"] == pytest.approx(0.2)
    assert df.source_row.tolist() == list(range(2, 2 + len(PANEL)))
    assert set(df.source_file) == {str(p)}
    assert df.source_sheet.isna().all()


def test_parse_value_forms():
    assert parse_value("1/3") == pytest.approx(1 / 3)
    assert parse_value("0.333") == 0.333
    assert parse_value(" 3 ") == 3.0
    assert parse_value("１／３") == pytest.approx(1 / 3)  # full-width, as typed in Chinese IMEs
    assert math.isnan(parse_value("")) and math.isnan(parse_value("NA"))
    assert parse_value("three") is None and parse_value("1/0") is None
    assert parse_value(True) is None


def test_blank_value_is_missing_and_extra_columns_ignored(tmp_path):
    p = _csv(tmp_path, "expert,node,row,col,value,comment\nE1,A,x,y,,skipped\nE1,A,x,z,2,ok\n")
    df = read_judgments(p)
    assert df[["row", "col", "value"]].values.tolist() == [["x", "z", 2.0]]
    assert df.source_row.tolist() == [3]


LONG_ERRORS = [
    ("expert,node,row,value\nE1,A,x,3\n",
     r"j\.csv, row 1: the judgments file lacks the column\(s\) col; required: expert, node, "
     r"row, col, value\. Got the columns \['expert', 'node', 'row', 'value'\]"),
    ("expert,node,row,col,value\nE1,A,x,y,3\nE1,A,x,z,three\n",
     r"j\.csv, row 3, column 'value' \(expert 'E1', node 'A'\): value is not a number or a "
     r"fraction like 1/3\. Got 'three' instead"),
    ("expert,node,row,col,value\nE1,A,x,y,-3\n",
     r"j\.csv, row 2 \(expert 'E1', node 'A'\): value must be positive and finite\. Got -3"),
    ("expert,node,row,col,value\nE1,A,x,y,0\n", r"row 2 .*positive and finite\. Got 0 inst"),
    ("expert,node,row,col,value\nE1,A,x,y,inf\n", r"row 2 .*positive and finite\. Got inf"),
    ("expert,node,row,col,value\nE1,A,x,x,3\n",
     r"j\.csv, row 2 \(expert 'E1', node 'A'\): row and col are both 'x'"),
    # a mirror (y-x = 1/3 after x-y = 3) is one judgment; a third copy is a duplicate
    ("expert,node,row,col,value\nE1,A,x,y,3\nE1,A,y,x,1/3\nE1,A,x,y,3\n",
     r"j\.csv, row 4 \(expert 'E1', node 'A'\): duplicate judgment of 'x' vs 'y': already "
     r"given at row 2"),
    ("expert,node,row,col,value\nE1,A,x,y,3\nE1,A,x,y,3\n",
     r"row 3 \(expert 'E1', node 'A'\): duplicate judgment"),
    ("expert,node,row,col,value\nE1,A,x,y,3\nE1,A,y,x,3\n",
     r"j\.csv, row 3 \(expert 'E1', node 'A'\): judgment y-x = 3 contradicts row 2 \(x-y = 3, "
     r"which implies y-x = 1/3\)"),
    ("expert,node,row,col,value\nE1,A,x,y,3\nE1,A,x,y,5\n", r"row 3 .*x-y = 5 contradicts row 2"),
    ("expert,node,row,col,value\n,A,x,y,3\n",
     r"j\.csv, row 2, column 'expert' \(node 'A'\): the `expert` cell is blank"),
    ("", r"j\.csv: the judgments file is empty"),
    ("\n\n", r"j\.csv: the judgments file is empty"),
    ("expert,node,row,col,value\n", r"j\.csv: the judgments file has a header but no data rows"),
    ("expert,node,row,col,value\nE1,A,x,y,3,7\n", r"j\.csv, row 2: row 2 has cells outside"),
    ("expert,node,row,col,value,value\nE1,A,x,y,3,3\n",
     r"j\.csv, row 1, column 'value': the header names column 'value' twice"),
]


@pytest.mark.parametrize(("text", "message"), LONG_ERRORS)
def test_long_errors_name_file_row_expert_node(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        read_judgments(_csv(tmp_path, text))


def test_missing_file_and_xls(tmp_path):
    with pytest.raises(InputError, match=r"nope\.csv: the judgments file does not exist"):
        read_judgments(tmp_path / "nope.csv")
    (tmp_path / "old.xls").write_bytes(b"x")
    with pytest.raises(InputError, match=r"old\.xls: \.xls workbooks are not read"):
        read_judgments(tmp_path / "old.xls")
    with pytest.raises(InputError, match=r"`sheet` applies to \.xlsx workbooks only"):
        read_judgments(_csv(tmp_path, _long_text()), sheet="S")


def test_not_utf8(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("expert,node,row,col,value\n专家,A,x,y,3\n".encode("gbk"))
    with pytest.raises(InputError, match=r"gbk\.csv: the file is not UTF-8 text"):
        read_judgments(p)


def test_utf8_bom_and_chinese_ids(tmp_path):
    h = Hierarchy.from_dict({"id": "目标", "children": [{"id": "科学"}, {"id": "参与"},
                                                         {"id": "透明"}]})
    text = "expert,node,row,col,value\n专家一,目标,科学,参与,3\n专家一,目标,透明,科学,1/2\n"
    p = tmp_path / "j.csv"
    p.write_bytes(text.encode("utf-8-sig"))  # Excel's "CSV UTF-8" writes a BOM
    experts, stack = judgment_stacks(read_judgments(p, hierarchy=h), h)["目标"]
    assert experts == ("专家一",)
    assert stack[0, 0, 1] == 3 and stack[0, 0, 2] == 2 and np.isnan(stack[0, 1, 2])
    bad = _csv(tmp_path, "expert,node,row,col,value\n专家一,目标,科学,公正,3\n", "bad.csv")
    with pytest.raises(InputError, match=r"bad\.csv, row 2 \(expert '专家一', node '目标'\): "
                                         r"col '公正' is not a child of node '目标'"):
        read_judgments(bad, hierarchy=h)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("E1,B9,C1,C2,3", r"row 2 \(expert 'E1', node 'B9'\): node 'B9' is not in the "
                          r"hierarchy\. Did you mean 'B\d'\?"),
        ("E1,C1,C1,C2,3", r"row 2 \(expert 'E1', node 'C1'\): node 'C1' is a leaf"),
        ("E1,B1,C1,C4,3", r"row 2 \(expert 'E1', node 'B1'\): col 'C4' is not a child of node "
                          r"'B1'; its children are C1, C2"),
        ("E1,B1,C9,C1,3", r"row 2 .*row 'C9' is not a child of node 'B1'"),
    ],
)
def test_hierarchy_checks(tmp_path, h, line, message):
    p = _csv(tmp_path, "expert,node,row,col,value\n" + line + "\n")
    with pytest.raises(InputError, match=r"j\.csv, " + message):
        read_judgments(p, hierarchy=h)


def test_node_without_judgments(tmp_path, h):
    p = _csv(tmp_path, _long_text([x for x in PANEL if x[1] != "B3"]))
    with pytest.raises(InputError, match=r"j\.csv \(node 'B3'\): no expert judged node 'B3'"):
        read_judgments(p, hierarchy=h)


def test_saaty_scale(tmp_path):
    ok = "expert,node,row,col,value\nE1,A,x,y,0.333\nE1,A,x,z,0.14\nE1,A,y,z,9\n"
    assert len(read_judgments(_csv(tmp_path, ok), scale="saaty")) == 3
    bad = "expert,node,row,col,value\nE1,A,x,y,2.5\n"
    assert len(read_judgments(_csv(tmp_path, bad, "b.csv"))) == 1  # no scale declared
    with pytest.raises(InputError, match=r"b\.csv, row 2 \(expert 'E1', node 'A'\): value is "
                                         r"not on Saaty's scale .* Got 2\.5 instead"):
        read_judgments(_csv(tmp_path, bad, "b.csv"), scale="saaty")
    for v in ("10", "0.3", "1/10"):
        with pytest.raises(InputError, match="not on Saaty's scale"):
            read_judgments(_csv(tmp_path, f"expert,node,row,col,value\nE1,A,x,y,{v}\n",
                                "c.csv"), scale="saaty")


def test_argument_errors(tmp_path):
    p = _csv(tmp_path, _long_text())
    with pytest.raises(ValueError, match=r"`layout` must be one of"):
        read_judgments(p, layout="tall")
    with pytest.raises(ValueError, match=r"`encoding` is required with layout='wide'"):
        read_judgments(p, layout="wide")
    with pytest.raises(ValueError, match=r"`encoding` applies to layout='wide' only"):
        read_judgments(p, encoding="signed")
    with pytest.raises(ValueError, match=r"`scale` must be one of"):
        read_judgments(p, scale="likert")


# ------------------------------------------------------------------ in-memory frames


def test_validate_in_memory_frame_collects_everything(h):
    df = pd.DataFrame(PANEL, columns=list(JUDGMENT_COLUMNS))
    assert validate_judgments(df, h, scale="saaty") == []
    bad = pd.concat([df, pd.DataFrame([("E1", "A", "B2", "B1", 3.0),
                                       ("E3", "B1", "C1", "C1", 2.0),
                                       ("E3", "B1", "C1", "C2", -1.0),
                                       ("E3", "XX", "C1", "C2", 2.0)],
                                      columns=list(JUDGMENT_COLUMNS))], ignore_index=True)
    problems = validate_judgments(bad, h, errors="collect")
    assert [p.location.expert for p in problems] == ["E1", "E3", "E3", "E3"]
    assert "frame row 12: judgment B2-B1 = 3 contradicts frame row 0" in problems[0].reason
    assert "frame row 13: row and col are both 'C1'" in problems[1].reason
    assert "positive and finite" in problems[2].reason
    assert "node 'XX' is not in the hierarchy" in problems[3].reason
    with pytest.raises(InputError, match=r"frame row 12: judgment B2-B1"):
        validate_judgments(bad, h)
    with pytest.raises(InputError, match=r"lack the column\(s\) value"):
        validate_judgments(df.drop(columns="value"))
    with pytest.raises(ValueError, match=r"`errors` must be one of"):
        validate_judgments(df, errors="warn")


def test_judgment_stacks(h):
    df = pd.DataFrame(PANEL, columns=list(JUDGMENT_COLUMNS))
    st = judgment_stacks(df, h)
    assert list(st) == ["A", "B1", "B3"]  # B2 has one child: no matrix
    experts, S = st["A"]
    assert experts == ("E1", "E2") and S.shape == (2, 3, 3)
    np.testing.assert_array_equal(S[:, [0, 1, 2], [0, 1, 2]], 1.0)
    assert S[0, 0, 1] == 3 and S[0, 1, 0] == pytest.approx(1 / 3)
    assert np.isnan(S[1, 1, 2]) and np.isnan(S[1, 2, 1])  # E2 skipped B2-B3
    # first-appearance order of experts, per node only those who judged it
    df2 = pd.concat([df[df.expert == "E2"], df[df.expert == "E1"]])
    assert judgment_stacks(df2, h)["B1"][0] == ("E2", "E1")
    only = df[~((df.expert == "E1") & (df.node == "B1"))]
    assert judgment_stacks(only, h)["B1"][0] == ("E2",)
    _stacks_equal(judgment_stacks(df, h, validate=False), st)
    with pytest.raises(InputError, match=r"node 'B9' is not in the hierarchy"):
        judgment_stacks(df.assign(node="B9"), h)


# ------------------------------------------------------------------ matrix layout


def test_matrix_csv_round_trip_with_long(tmp_path, h):
    rows = _matrix_rows(PANEL, h)
    text = "\n".join(",".join(map(str, r)) for e in rows for r in rows[e]) + "\n"
    p = _csv(tmp_path, text, "m.csv")
    dm = read_judgments(p, layout="matrix", hierarchy=h)
    dl = read_judgments(_csv(tmp_path, _long_text()), hierarchy=h)
    _stacks_equal(judgment_stacks(dm, h), judgment_stacks(dl, h))
    assert len(dm) == len(PANEL)
    # the first block's judgments come from its element rows 3.. (header line 1, elements 2)
    first = dm[(dm.expert == "E1") & (dm.node == "A")]
    assert first.source_row.tolist() == [3, 3, 4]


def test_matrix_xlsx_one_sheet_per_expert(tmp_path, h):
    rows = _matrix_rows(PANEL, h, with_expert=False, full=False)
    p = _xlsx(tmp_path, rows, "m.xlsx")
    dm = read_judgments(p, layout="matrix", hierarchy=h)
    assert set(dm.source_sheet) == {"E1", "E2"}
    dl = read_judgments(_csv(tmp_path, _long_text()), hierarchy=h)
    _stacks_equal(judgment_stacks(dm, h), judgment_stacks(dl, h))
    one = read_judgments(p, layout="matrix", sheet="E2")
    assert set(one.expert) == {"E2"}


def test_matrix_lower_triangle_only(tmp_path):
    text = "expert,E1,node,A\n,x,y,z\nx,1,,\ny,1/3,1,\nz,5,,1\n"
    df = read_judgments(_csv(tmp_path, text, "m.csv"), layout="matrix")
    assert df[["row", "col"]].values.tolist() == [["y", "x"], ["z", "x"]]
    assert df.value.tolist() == pytest.approx([1 / 3, 5.0])
    assert df.source_row.tolist() == [4, 5]


MATRIX_ERRORS = [
    ("E1,A\n,x,y\nx,1,3\ny,1/3,1\n",
     r"m\.csv, row 1: expected a block header `expert,<id>,node,<id>`\. Got 'E1,A'"),
    ("node,A\n,x,y\nx,1,3\ny,1/3,1\n", r"m\.csv, row 1: expected a block header"),
    ("expert,E1,node,A\n,x,y\nx,1,3\ny,0.5,1\n",
     r"m\.csv, row 4, column 'B' \(expert 'E1', node 'A'\): cells \(x, y\) = 3 and \(y, x\) = "
     r"1/2 are not reciprocal \(expected 1/3\)"),
    ("expert,E1,node,A\n,x,y\nx,2,3\ny,,1\n",
     r"row 3, column 'B' \(expert 'E1', node 'A'\): the diagonal cell \(x, x\) must be 1 or "
     r"blank\. Got '2'"),
    ("expert,E1,node,A\n,x,y\nx,1,abc\ny,,1\n",
     r"row 3, column 'C' \(expert 'E1', node 'A'\): cell \(x, y\) is not a number .*Got 'abc'"),
    ("expert,E1,node,A\n,x,y\ny,1,3\nx,,1\n",
     r"row 3, column 'A' \(expert 'E1', node 'A'\): element row 1 must be 'x'"),
    ("expert,E1,node,A\n,x,y,z\nx,1,3,\ny,,1,\n",
     r"row 5 \(expert 'E1', node 'A'\): the block has 2 element rows but its header lists 3"),
    ("expert,E1,node,A\n,x,x\nx,1,3\nx,,1\n", r"row 2 .*two or more distinct element ids"),
    ("expert,E1,node,A\n,x,y\nx,1,3\ny,,1\nexpert,E1,node,A\n,x,y\nx,1,2\ny,,1\n",
     r"row 5 \(expert 'E1', node 'A'\): a second block for this expert and node \(the first "
     r"starts at row 1\)"),
    ("expert,E1,node,A\n,x,y\nx,1,-3\ny,,1\n", r"row 3 .*positive and finite"),
    ("", r"m\.csv: the judgments file is empty"),
]


@pytest.mark.parametrize(("text", "message"), MATRIX_ERRORS)
def test_matrix_errors(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        read_judgments(_csv(tmp_path, text, "m.csv"), layout="matrix")


def test_matrix_xlsx_error_names_sheet(tmp_path):
    p = _xlsx(tmp_path, {"E1": [["node", "A"], [None, "x", "y"], ["x", 1, 3],
                                ["y", 0.2, 1]]}, "m.xlsx")
    with pytest.raises(InputError, match=r"m\.xlsx, sheet 'E1', row 4, column 'B' \(expert "
                                         r"'E1', node 'A'\): cells \(x, y\) = 3 and"):
        read_judgments(p, layout="matrix")
    with pytest.raises(InputError, match=r"m\.xlsx: the workbook has no sheet 'E9'"):
        read_judgments(p, layout="matrix", sheet="E9")


# ------------------------------------------------------------------ wide layout


@pytest.mark.parametrize("encoding", ["signed", "ratio"])
def test_wide_round_trip(tmp_path, h, encoding):
    p = _csv(tmp_path, _wide_text(PANEL, h, encoding), "w.csv")
    dw = read_judgments(p, layout="wide", encoding=encoding, hierarchy=h)
    dl = read_judgments(_csv(tmp_path, _long_text()), hierarchy=h)
    _stacks_equal(judgment_stacks(dw, h), judgment_stacks(dl, h))
    assert set(dw.source_row) == {2, 3}


def test_wide_signed_semantics_and_node_keyword(tmp_path):
    text = "expert,x_y,x_z,y_z\nE1,3,-3,1\nE2,-1,9,\n"
    df = read_judgments(_csv(tmp_path, text, "w.csv"), layout="wide", encoding="signed",
                        node="A")
    got = {(r.expert, r.row, r.col): r.value for r in df.itertuples()}
    assert got[("E1", "x", "y")] == 3 and got[("E1", "x", "z")] == pytest.approx(1 / 3)
    assert got[("E1", "y", "z")] == 1 and got[("E2", "x", "y")] == 1
    assert ("E2", "y", "z") not in got and set(df.node) == {"A"}
    flipped = read_judgments(_csv(tmp_path, text, "w.csv"), layout="wide",
                             encoding="signed_left_negative", node="A")
    assert flipped.value.tolist() == pytest.approx([1 / 3, 3, 1, 1, 1 / 9])


def test_wide_ids_with_underscores_need_the_hierarchy(tmp_path):
    h = Hierarchy.from_dict({"id": "G", "children": [{"id": "net_cost"}, {"id": "speed"}]})
    text = "expert,G:net_cost_speed,name\nE1,5,Ann\n"
    p = _csv(tmp_path, text, "w.csv")
    df = read_judgments(p, layout="wide", encoding="ratio", hierarchy=h,
                        ignore_columns=["name"])
    assert df[["row", "col", "value"]].values.tolist() == [["net_cost", "speed", 5.0]]
    with pytest.raises(InputError, match=r"column 'G:net_cost_speed': the pair has more than "
                                         r"one '_'"):
        read_judgments(p, layout="wide", encoding="ratio", ignore_columns=["name"])


WIDE_ERRORS = [
    ("expert,A:x_y\nE1,0\n",
     r"w\.csv, row 2, column 'A:x_y' \(expert 'E1', node 'A'\): 0 is not a judgment \(use 1 "
     r"for equal\) under encoding='signed'\. Got '0'"),
    ("expert,A:x_y\nE1,0.5\n", r"row 2, column 'A:x_y' .*a signed judgment is 1\.\.9 or -9"),
    ("expert,A:x_y\nE1,strong\n", r"row 2, column 'A:x_y' .*not a number .*Got 'strong'"),
    ("name,A:x_y\nE1,3\n", r"w\.csv, row 1: the wide judgments file lacks the `expert` column"),
    ("expert,xy\nE1,3\n",
     r"w\.csv, row 1, column 'xy': a pair column must be named <node>:<A>_<B> \(or pass "
     r"`node=`\); list columns that are not pairs in `ignore_columns`\. Got 'xy' instead"),
    ("expert,A:x_y\nE1,3\nE1,2\n",
     r"row 3, column 'expert' \(expert 'E1'\): expert 'E1' has a second row \(the first is row "
     r"2\)"),
    ("expert,A:x_y,A:y_x\nE1,3,3\n",
     r"row 2 \(expert 'E1', node 'A'\): judgment y-x = 3 contradicts row 2"),
    ("expert,A:x_y\nE1,10\n", r"row 2 .*not on Saaty's scale"),
]


@pytest.mark.parametrize(("text", "message"), WIDE_ERRORS)
def test_wide_errors(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        read_judgments(_csv(tmp_path, text, "w.csv"), layout="wide", encoding="signed",
                       scale="saaty")


def test_wide_xlsx(tmp_path, h):
    p = _xlsx(tmp_path, {"panel": [["expert", "A:B1_B2", "A:B1_B3", "A:B2_B3", "B1:C1_C2",
                                    "B3:C4_C5", "B3:C4_C6", "B3:C5_C6"],
                                   ["E1", 3, -5, -7, 2, 1, 4, 9]]}, "w.xlsx")
    df = read_judgments(p, layout="wide", encoding="signed", hierarchy=h, sheet="panel")
    dl = read_judgments(_csv(tmp_path, _long_text([x for x in PANEL if x[0] == "E1"])),
                        hierarchy=h)
    _stacks_equal(judgment_stacks(df, h), judgment_stacks(dl, h))
    assert set(df.source_sheet) == {"panel"}


# ------------------------------------------------------------------ xlsx long


def test_long_xlsx_numbers_and_text(tmp_path, h):
    rows = [["expert", "node", "row", "col", "value"],
            *[[e, v, a, b, _frac(x) if x < 1 else x] for e, v, a, b, x in PANEL]]
    rows.insert(3, [None] * 5)  # a blank row keeps the numbering of the rows below
    p = _xlsx(tmp_path, {"Sheet1": rows}, "j.xlsx")
    df = read_judgments(p, hierarchy=h)
    assert df.source_row.tolist()[:4] == [2, 3, 5, 6]
    _stacks_equal(judgment_stacks(df, h),
                  judgment_stacks(pd.DataFrame(PANEL, columns=list(JUDGMENT_COLUMNS)), h))
    rows[5][4] = "abc"
    p = _xlsx(tmp_path, {"Sheet1": rows}, "bad.xlsx")
    with pytest.raises(InputError, match=r"bad\.xlsx, sheet 'Sheet1', row 6, column 'value' "
                                         r"\(expert 'E1', node 'B1'\): value is not a number"):
        read_judgments(p, hierarchy=h)


# ------------------------------------------------------------------ collect problems


def test_collect_problems_reports_every_problem(tmp_path, h):
    text = ("expert,node,row,col,value\nE1,A,B1,B2,3\nE1,A,B1,B3,x\nE1,A,B2,B1,3\n"
            "E1,B1,C1,C9,2\nE1,A,B2,B3,0\n")
    p = _csv(tmp_path, text)
    problems = collect_problems(p, kind="judgments", hierarchy=h)
    rows = [pr.location.row for pr in problems]
    assert rows[:4] == [3, 4, 5, 6]
    assert all(pr.location.file == str(p) for pr in problems)
    text = "\n".join(map(str, problems))
    assert "Got 'x'" in text and "contradicts row 2" in text and "'C9'" in text
    assert "positive" in text and "no expert judged node 'B3'" in text
    assert collect_problems(_csv(tmp_path, _long_text(), "ok.csv"), kind="judgments",
                            hierarchy=h) == []
    with pytest.raises(ValueError, match=r"`kind` must be one of"):
        collect_problems(p, kind="study")


# ------------------------------------------------------------------ expert weights


def test_expert_weights(tmp_path):
    p = _csv(tmp_path, "expert,role,weight\nE1,researcher,2\nE2,engineer,1/2\n", "w.csv")
    w = read_expert_weights(p)
    assert w.to_dict() == {"E1": 2.0, "E2": 0.5}
    assert w.name == "weight" and w.index.name == "expert"
    assert validate_expert_weights(w, ["E1", "E2", "E1"]) == []
    with pytest.raises(InputError, match=r"w\.csv, row 3 \(expert 'E2'\): expert 'E2' has a "
                                         r"weight but gave no judgments"):
        validate_expert_weights(w, ["E1"])
    with pytest.raises(InputError, match=r"w\.csv \(expert 'E3'\): expert 'E3' gave judgments "
                                         r"but has no weight"):
        validate_expert_weights(w, ["E1", "E2", "E3"])
    assert len(collect_problems(p, kind="expert_weights", experts=["E1", "E3"])) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("expert,wt\nE1,1\n", r"lacks the column\(s\) weight.*Did you mean 'wt'\?"),
        ("expert,weight\nE1,0\n",
         r"w\.csv, row 2, column 'weight' \(expert 'E1'\): an expert weight must be positive"),
        ("expert,weight\nE1,-1\n", r"row 2, column 'weight' .*positive and finite"),
        ("expert,weight\nE1,heavy\n", r"row 2, column 'weight' .*Got 'heavy'"),
        ("expert,weight\nE1,1\nE1,2\n",
         r"row 3, column 'expert' \(expert 'E1'\): expert 'E1' has a second weight \(the first "
         r"is in row 2\)"),
        ("", r"w\.csv: the expert weights file is empty"),
    ],
)
def test_expert_weight_errors(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        read_expert_weights(_csv(tmp_path, text, "w.csv"))


# ------------------------------------------------------------------ survey


SURVEY = "respondent,community,Q1,Q2,Q3,note\nR1,HZ01,5,4,3,x\nR2,HZ02,,2,1,\nR3,HZ01,4,4.0,NA,\n"


def test_read_survey(tmp_path, h):
    p = _csv(tmp_path, SURVEY, "s.csv")
    items = {leaf: h.item(leaf) for leaf in h.leaves[:3]}
    df = read_survey(p, id_column="respondent", items=items, group_columns=["community"])
    assert list(df.columns) == ["community", "C1", "C2", "C3"]
    assert df.index.name == "respondent" and list(df.index) == ["R1", "R2", "R3"]
    assert df.C1.dtype == float and np.isnan(df.loc["R2", "C1"])
    assert np.isnan(df.loc["R3", "C3"]) and df.loc["R3", "C2"] == 4.0
    assert df.attrs["source_rows"] == {"R1": 2, "R2": 3, "R3": 4}
    by_column = read_survey(p, id_column="respondent", items=["Q1", "Q2"])
    assert list(by_column.columns) == ["Q1", "Q2"]


@pytest.mark.parametrize(
    ("text", "kw", "message"),
    [
        ("respondent,Q1\nR1,5\n", {},
         r"s\.csv, row 1: the survey lacks 2 item column\(s\): Q2, Q3\."),
        (SURVEY, {"group_columns": ["district", "community"]},
         r"s\.csv, row 1: the survey has no group column\(s\) district"),
        (SURVEY, {"id_column": "id"}, r"s\.csv, row 1, column 'id': the survey lacks the id "
                                      r"column 'id'"),
        (SURVEY.replace("R3,", "R1,"), {},
         r"s\.csv, row 4, column 'respondent': respondent 'R1' appears twice: rows 2 and 4"),
        (SURVEY.replace("R2,HZ02,,2", "R2,HZ02,,agree"), {},
         r"s\.csv, row 3, column 'Q2': the answer is not a number\. Got 'agree' instead"),
        (SURVEY.replace("R2,HZ02,,2", "R2,HZ02,,7"), {},
         r"s\.csv, row 3, column 'Q2': the answer must be an integer in 1\.\.5 \(the declared "
         r"Likert range\)\. Got '7' instead"),
        (SURVEY.replace("R2,HZ02,,2", "R2,HZ02,,2.5"), {}, r"row 3, column 'Q2'.*Got '2\.5'"),
        (SURVEY.replace("R2,HZ02,,2", "R2,HZ02,,0"), {}, r"row 3, column 'Q2'.*Got '0'"),
        (SURVEY.replace("R2,HZ02", ",HZ02"), {}, r"row 3, column 'respondent': the respondent "
                                                 r"id \('respondent'\) is blank"),
        ("", {}, r"s\.csv: the survey file is empty"),
    ],
)
def test_survey_errors(tmp_path, text, kw, message):
    kw = {"id_column": "respondent", "items": {"C1": "Q1", "C2": "Q2", "C3": "Q3"}} | kw
    with pytest.raises(InputError, match=message):
        read_survey(_csv(tmp_path, text, "s.csv"), **kw)


def test_survey_likert_declared(tmp_path):
    p = _csv(tmp_path, "id,Q1\nR1,7\nR2,1\n", "s.csv")
    assert read_survey(p, id_column="id", items=["Q1"], likert=(1, 7)).Q1.tolist() == [7, 1]
    with pytest.raises(ValueError, match=r"`likert` must be"):
        read_survey(p, id_column="id", items=["Q1"], likert=(5, 1))


def test_survey_xlsx_and_collect(tmp_path):
    rows = [["id", "社区", "Q1", "Q2"], ["R1", "HZ01", 5, 3], ["R2", "HZ01", None, 9],
            ["R1", "HZ02", "x", 2]]
    p = _xlsx(tmp_path, {"答卷": rows}, "s.xlsx")
    problems = collect_problems(p, kind="survey", id_column="id", items=["Q1", "Q2"],
                                group_columns=["社区"])
    text = [str(x) for x in problems]
    assert text[0].startswith(f"{p}, sheet '答卷', row 4, column 'id': respondent 'R1' "
                              "appears twice: rows 2 and 4")
    assert any("row 4, column 'Q1': the answer is not a number. Got 'x'" in t for t in text)
    assert any("row 3, column 'Q2'" in t and "Got '9'" in t for t in text)
    rows[3][0], rows[3][2], rows[2][3] = "R3", 4, 1
    p = _xlsx(tmp_path, {"答卷": rows}, "ok.xlsx")
    df = read_survey(p, id_column="id", items=["Q1", "Q2"], group_columns=["社区"])
    assert df["社区"].tolist() == ["HZ01", "HZ01", "HZ02"] and np.isnan(df.loc["R2", "Q1"])


# ------------------------------------------------------------------ misc


def test_read_hierarchy_and_sha256(tmp_path):
    p = tmp_path / "h.yaml"
    p.write_text("id: A\nchildren: [{id: 科学}, {id: 参与}]\n", encoding="utf-8")
    assert read_hierarchy(p).children("A") == ("科学", "参与")
    assert sha256_file(p) == hashlib.sha256(p.read_bytes()).hexdigest()


def test_collect_problems_survey_needs_its_keywords(tmp_path):
    p = _csv(tmp_path, "id,Q1\nR1,3\n", "s.csv")
    with pytest.raises(TypeError, match=r"kind='survey' needs the keyword\(s\) id_column, "
                                        r"items"):
        collect_problems(p, kind="survey")
    assert collect_problems(p, kind="survey", id_column="id", items=["Q1"]) == []



def test_layout_names_are_case_insensitive(tmp_path):
    # One vocabulary (issue 9): option names are matched case-insensitively, as methods are.
    p = _csv(tmp_path, "expert,node,row,col,value\nE1,A,x,y,3\nE1,A,x,z,0.5\n")
    pd.testing.assert_frame_equal(read_judgments(p, layout="LONG"), read_judgments(p))
    w = _csv(tmp_path, "expert,A:x_y,A:x_z\nE1,3,0.5\n", name="w.csv")
    pd.testing.assert_frame_equal(read_judgments(w, layout="Wide", encoding="RATIO"),
                                  read_judgments(w, layout="wide", encoding="ratio"))


@pytest.mark.parametrize("column", [
    [" E1", "E1 ", "ｅ２", "E2", "e1"],                           # text, NFKC, stripped
    [1, 2, 1, 3],                                               # integers
    [1.0, 2.5, float("nan"), 1.0, -0.0, 0.0, 1e20, 10.0],        # floats, NaN, signed 0
    [1, 1.0, 2, 2.5, 10**20, 1e20],                             # ints and floats mixed
    [np.float64(2.5), 2.5, np.float32(2.0), 2.0, np.int64(3), 3],  # numpy and Python scalars
    pd.Series([1.5, 2.0, 1.5]), pd.Series([3, 1, 3]), pd.Series([True, False]),  # typed
    [True, False, True],
    [True, 1, 1.0, False, 0],                                   # equal, read differently
    ["a", None, float("nan"), 1, "1", pd.NA],                   # anything
    pd.Series(["x", "y", "x", None], dtype="string"),
    pd.Series([1, None, 1], dtype="Int64"),
    pd.Series(["b", "a", "b"], dtype="category"),
    [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-01").to_pydatetime()],
    [],
])
def test_cell_texts_equal_cell_by_cell(column):
    """``cell_texts`` (one conversion per distinct value) gives what ``cell_text`` gives
    cell by cell, also where equal values read differently (``True == 1 == 1.0``)."""
    from ahpstat.io._cells import cell_text, cell_texts

    cells = column.tolist() if isinstance(column, pd.Series) else column
    assert cell_texts(column) == [cell_text(v) for v in cells]
    assert cell_texts(pd.Series(cells, dtype=object)) == [cell_text(v) for v in cells]


def test_judgment_stacks_equal_a_row_by_row_construction():
    """``judgment_stacks`` (labels factorised, judgments grouped by node in one sort) puts
    every judgment and its reciprocal where a plain loop over the frame's rows puts them:
    an incomplete simulated panel, rows shuffled, two experts who skip a node, labels with
    stray spaces, experts listed by first appearance."""
    from ahpstat.io import judgment_stacks
    from ahpstat.simulate import random_weights, simulate_panel

    h = Hierarchy.from_children({"G": ["a", "b", "c", "d"], "a": ["x", "y", "z"],
                                 "b": ["u", "w"], "c": ["p"]})
    gen = np.random.default_rng(3)
    truth = {v: random_weights(len(h.children(v)), rng=gen) for v in ("G", "a", "b")}
    df = simulate_panel(h, truth, n_experts=6, missing=0.3, rng=gen)
    df = df[~((df.node == "a") & df.expert.isin(["E02", "E05"]))]
    df = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    df["row"] = df["row"].where(df.index % 3 != 0, " " + df["row"] + " ")
    got = judgment_stacks(df, h)
    expected_nodes = [v for v in h.internal if len(h.children(v)) >= 2]
    assert list(got) == expected_nodes
    for v in expected_nodes:
        kids = h.children(v)
        sub = [r for r in df.itertuples() if r.node == v]
        first = list(dict.fromkeys(df.expert))  # the frame's order of first appearance
        who = tuple(sorted({r.expert for r in sub}, key=first.index))
        stack = np.full((len(who), len(kids), len(kids)), np.nan)
        for k in range(len(who)):
            np.fill_diagonal(stack[k], 1.0)
        for r in sub:
            k, a, b = who.index(r.expert), kids.index(r.row.strip()), kids.index(r.col)
            stack[k, a, b], stack[k, b, a] = r.value, 1.0 / r.value
        assert got[v][0] == who
        np.testing.assert_array_equal(got[v][1], stack)
    assert len(got["a"][0]) == 4 and "E02" not in got["a"][0]
    # unvalidated duplicates: the later judgment stands, as in the row-by-row loop
    first = df.iloc[[5]].copy()
    dup = pd.concat([df, first.assign(value=first["value"] * 2.0)], ignore_index=True)
    r = first.iloc[0]
    who, S = judgment_stacks(dup, h, validate=False)[r["node"]]
    kids = h.children(r["node"])
    i, j = kids.index(r["row"].strip()), kids.index(r["col"])
    assert S[who.index(r["expert"]), i, j] == 2.0 * r["value"]
    assert S[who.index(r["expert"]), j, i] == 1.0 / (2.0 * r["value"])
    bad = df.copy()
    bad.loc[bad.index[0], "col"] = "nowhere"
    with pytest.raises(ValueError, match="nowhere"):
        judgment_stacks(bad, h, validate=False)
