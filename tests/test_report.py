"""The report's presentation: self-contained HTML, references, tables for papers, provenance."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ahpstat import report
from ahpstat.datasets import write_example_study
from ahpstat.output import write_study
from ahpstat.report._format import plural
from ahpstat.report._render import _inline
from ahpstat.study import Study

BIB = Path(__file__).resolve().parents[1] / "docs" / "references.bib"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    d = tmp_path_factory.mktemp("rep")
    path = write_example_study(d / "in", n_respondents=40, sites=("=cmd|x", "R&D_1"),
                          extra="bootstrap: {n_resamples: 200}\n")
    res = Study.from_yaml(path).run()
    out = write_study(res, d / "out")
    return res, out


def test_html_is_self_contained(written):
    _res, out = written
    html = (out / "report.html").read_text(encoding="utf-8")
    srcs = re.findall(r'<img src="([^"]*)"', html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r'(src|href)="[^"#:]+\.(png|svg|pdf|css|js)"', html)


def test_reference_list_has_every_work_cited(written):
    _res, out = written
    md = (out / "report.md").read_text(encoding="utf-8")
    body, refs = md.split("## References", 1)
    # every author-year citation in the body has its entry, and nothing else is listed
    for pat, ref in report.REFERENCES.values():
        cited = bool(re.search(pat, re.sub(r"'s\b", "", body)))
        assert cited == (ref[:30] in refs), ref[:40]
    for must in ("Saaty, T. L. (1977)", "Forman, E., & Peniwati, K. (1998)",
                 "Cronbach, L. J. (1951)", "Efron, B., & Tibshirani, R. J. (1993)"):
        assert must in refs
    assert "seed study" not in md


def test_references_agree_with_the_bibliography():
    bib = BIB.read_text(encoding="utf-8")
    entries = dict(re.findall(r"@\w+\{(\w+),(.*?)\n\}", bib, flags=re.S))
    for key, (_pat, ref) in report.REFERENCES.items():
        assert key in entries, key
        year = re.search(r"year\s*=\s*\{(\d{4})\}", entries[key]).group(1)
        assert f"({year})" in ref, key
        doi = re.search(r"doi\s*=\s*\{([^}]*)\}", entries[key])
        if doi:
            assert ref.endswith("https://doi.org/" + doi.group(1)), key


def test_methods_paragraph_for_a_paper(written):
    res, _out = written
    paras = report.method_statement(res)
    text = " ".join(paras)
    assert "(AIJ; Forman & Peniwati, 1998)" in text and "bootstrap (Efron & Tibshirani" in text
    assert re.search(r"ahpstat \S+ \(Python [\d.]+; numpy [\d.]+, scipy [\d.]+", text)
    assert "were" in text and "the seed study" not in text


def test_html_renders_the_markdown_emphasis(written):
    """The HTML report shows no literal Markdown emphasis: the methods section's italic intro
    line (``*...*``) is <em>, bold is <strong>, and a lone asterisk stays an asterisk.
    """
    _res, out = written
    html = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "*Written for a paper" in md
    assert "<em>Written for a paper" in html
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S)
    text = re.sub(r'src="data:[^"]*"', "", body)
    assert not re.search(r"\*\*?\w[^<>\n]*?\*", text), re.search(r"\*[^<>\n]{0,60}", text)
    assert _inline("a *b* c **d** 2 * 3 and x*y*z") == (
        "a <em>b</em> c <strong>d</strong> 2 * 3 and x*y*z")


def test_xlsx_one_sheet_per_table_formula_neutralised(written):
    res, out = written
    wb = openpyxl.load_workbook(out / "tables.xlsx")
    assert wb.sheetnames == [k[:31] for k in res.frame_kinds]
    ws = wb["scores"]
    header = [c.value for c in ws[1]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    df = pd.DataFrame(rows, columns=header)
    assert "'=cmd|x" in set(df.group) and "=cmd|x" not in set(df.group)
    csv = pd.read_csv(out / "scores.csv", keep_default_na=False)
    got = pd.to_numeric(df.score).to_numpy()
    assert abs(got - pd.to_numeric(csv.score).to_numpy()).max() < 1e-9


@pytest.mark.parametrize("values", [
    np.array([0.1 + 0.2, np.nan, np.inf, -np.inf, -0.0, 0.0, 1e300, 5e-324, -2.5e17]),
    np.array([True, False, True]),
    np.array([-128, 0, 127], dtype=np.int8),
    np.array([0, 2**64 - 1], dtype=np.uint64),
    np.array([-(2**63), 2**63 - 1], dtype=np.int64),
])
def test_xlsx_typed_columns_are_the_per_cell_rule(values):
    # a float64, boolean or integer column is formatted column-wise without a type check per
    # cell; each cell must be what the writer's per-cell rule (its object-column path, which
    # the read-back test below checks with openpyxl) writes for the same value
    from ahpstat.report._tables import _column_cells

    fast = _column_cells("C", values, {})
    per_cell = _column_cells("C", values.astype(object), {})
    assert fast is not None and fast == per_cell


def test_xlsx_direct_writer_reads_back_exactly_and_is_deterministic(tmp_path):
    """The direct SpreadsheetML writer, read back by openpyxl (an independent reader): every
    cell as given (floats to the last bit, which openpyxl's own writer rounds to 16 digits),
    missing values empty, same bytes twice; a table with a date goes through openpyxl.
    """
    from ahpstat.report._tables import _write_xlsx_openpyxl

    t = pd.DataFrame({
        "text": [" lead", "a & <b> > c", "中文 label", "", None, "=1+1", "trail ", "x"],
        "int": np.arange(8, dtype=np.int64) - 3,
        "float": [0.1 + 0.2, 1e-300, -2.5e17, np.nan, 1 / 3, 4 - 4e-16, 0.0, 7.0],
        "flag": [True, False, True, True, False, False, True, False],
        "cat": pd.Categorical(["u", "v", None, "u", "v", "u", "v", "u"]),
        "na": pd.array([1.5, None, 2.0, None, 3.0, 4.0, 5.0, 6.0], dtype="Float64"),
    })
    tables = {"t": t, "with/bad:name": t.iloc[:2], "empty": t.iloc[:0]}
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    report.write_xlsx(tables, a, omitted={"big": 30_000})
    report.write_xlsx(tables, b, omitted={"big": 30_000})
    assert a.read_bytes() == b.read_bytes()
    wb = openpyxl.load_workbook(a)
    assert wb.sheetnames == ["t", "with_bad_name", "empty", "omitted"]
    ws = wb["t"]
    assert ws.freeze_panes == "A2" and all(c.font.b for c in ws[1])
    got = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_col=6)]
    assert [c.value for c in ws[1]] == list(t.columns)
    for r, row in enumerate(got):
        text = None if pd.isna(t.text[r]) else t.text[r]
        want = ["'=1+1" if text == "=1+1" else (text or None), int(t.int[r]),
                None if np.isnan(t.float[r]) else t.float[r], bool(t.flag[r]),
                None if pd.isna(t.cat[r]) else t.cat[r], None if pd.isna(t.na[r]) else t.na[r]]
        assert row == want, (r, row, want)
    assert got[5][2] == 4 - 4e-16  # not rounded to 4.0
    assert [c.value for c in wb["omitted"][2]] == ["big", 30_000, "big.csv"]
    # a cell type the direct writer leaves to openpyxl: the whole workbook goes through it
    dated = {"d": pd.DataFrame({"when": pd.to_datetime(["2022-06-07"]), "x": [1.5]})}
    report.write_xlsx(dated, tmp_path / "d.xlsx")
    _write_xlsx_openpyxl(dated, tmp_path / "e.xlsx")
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(tmp_path / "d.xlsx")["d"]]
    ref = [[c.value for c in r] for r in openpyxl.load_workbook(tmp_path / "e.xlsx")["d"]]
    assert rows == ref and rows[1][1] == 1.5
    # ... and its bytes depend on the tables only: no entry or property dated by the clock
    # (openpyxl dates both with the time of saving)
    import zipfile

    with zipfile.ZipFile(tmp_path / "d.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert re.findall(r"\d{4}-\d\d-\d\dT", core) == ["2000-01-01T", "2000-01-01T"], core
    props = openpyxl.load_workbook(tmp_path / "d.xlsx").properties
    assert props.creator == "ahpstat" and props.modified.year == 2000


def test_tables_too_long_for_a_paper_stay_in_their_csv(tmp_path):
    """A table above PAPER_TABLE_MAX_ROWS (the seed study's multiverse has 300,672 rows) is
    left out of tables.xlsx and tables.tex, and both name it with its CSV file.
    """
    n = report.PAPER_TABLE_MAX_ROWS
    tables = {"weights": pd.DataFrame({"node": ["a"], "w": [1.0]}),
              "multiverse": pd.DataFrame({"spec": np.arange(n + 1)}),
              "edge": pd.DataFrame({"spec": np.arange(n)})}
    kept, omitted = report.paper_tables(tables)
    assert list(kept) == ["weights", "edge"] and omitted == {"multiverse": n + 1}
    report.write_xlsx(kept, tmp_path / "t.xlsx", omitted=omitted)
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["weights", "edge", "omitted"]
    assert [c.value for c in wb["omitted"][2]] == ["multiverse", n + 1, "multiverse.csv"]
    tex = report.to_latex(kept, omitted=omitted)
    assert tex.count("\\begin{longtable}") == 2 and "multiverse.csv" in tex.splitlines()[1]


def test_latex_booktabs_escaped(written):
    res, out = written
    tex = (out / "tables.tex").read_text(encoding="utf-8")
    assert tex.count("\\begin{longtable}") == len(res.frame_kinds)
    assert tex.count("\\toprule") == tex.count("\\bottomrule") == len(res.frame_kinds)
    assert "R\\&D\\_1" in tex and "R&D_1" not in tex
    assert "'=cmd|x" in tex


def test_latex_escape_every_special_character():
    assert report.latex_escape("a&b%c$d#e_f{g}h~i^j\\k") == (
        "a\\&b\\%c\\$d\\#e\\_f\\{g\\}h\\textasciitilde{}i\\textasciicircum{}j"
        "\\textbackslash{}k")


def test_provenance_lists_the_libraries(written):
    import json

    _res, out = written
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    libs = prov["libraries"]
    for name in ("numpy", "scipy", "pandas", "numba", "matplotlib"):
        assert re.fullmatch(r"\d+(\.\d+)+.*", libs[name]), name
    assert "pymc" not in libs  # no Bayesian model in this run


def test_grammar_of_counts():
    assert plural(1, "matrix", "matrices") == "1 matrix"
    assert plural(0, "matrix", "matrices") == "0 matrices"


def test_doctests():
    import doctest

    from ahpstat import _figures, _versions

    for mod in (report, _figures, _versions):
        assert doctest.testmod(mod, optionflags=doctest.ELLIPSIS).failed == 0, mod.__name__


def test_latex_columns_format_as_the_per_cell_rule():
    """The column-wise LaTeX formatting gives, for every dtype, what the per-cell rule
    (`_latex_cell` on the values `itertuples` yields) gives.
    """
    from ahpstat.report._tables import _latex_cell, _latex_column

    df = pd.DataFrame({
        "f": [0.5, np.nan, 1e-7, 0.0, -np.inf], "i": np.arange(5) - 2,
        "b": [True, False, True, True, False], "o": ["a_b", None, 3.5, True, "x&y"],
        "n": pd.array([1.5, None, 2, 3, 4], dtype="Float64"), "c": pd.Categorical(list("abab_")),
        "u": np.arange(5, dtype=np.uint8), "f32": np.arange(5, dtype=np.float32) / 3})
    want = [[_latex_cell(x) for x in row] for row in df.itertuples(index=False)]
    got = [list(r) for r in zip(*(_latex_column(df[c]) for c in df.columns), strict=True)]
    assert got == want


def test_paper_tables_of_neutralised_tables_are_the_same_files(tmp_path):
    # write_report hands the workbook and the LaTeX file the tables neutralised once (as
    # the CSV files were written): the same bytes as neutralising in each writer
    from ahpstat._text import neutralize_frame
    from ahpstat.report import to_latex, write_xlsx

    tables = {"t": pd.DataFrame({"=col": ["=1+1", "+x", "-3", "a", None],
                                 "v": [0.5, np.nan, -1e-7, 2.0, np.inf],
                                 "c": pd.Categorical(["@a", "b", "@a", "b", "b"])}),
              "u": pd.DataFrame({"n": [1, 2], "s": ["\tx", "y"]})}
    safe = {k: neutralize_frame(v) for k, v in tables.items()}
    write_xlsx(tables, tmp_path / "a.xlsx")
    write_xlsx(safe, tmp_path / "b.xlsx", _neutralized=True)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert to_latex(tables, title="x") == to_latex(safe, title="x", _neutralized=True)
    assert "'=1+1" in to_latex(safe, title="x", _neutralized=True)
