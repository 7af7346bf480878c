"""Tables for papers: one Excel workbook and one LaTeX file of the study's tables
(each capped at :data:`PAPER_TABLE_MAX_ROWS` rows).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


#: tables with more rows are left out of tables.xlsx and tables.tex (their CSV file has them):
#: the multiverse's long table (300,000 rows for the seed study) took minutes to write there
#: and is no table for a paper
PAPER_TABLE_MAX_ROWS = 20_000


def paper_tables(tables: Mapping[str, pd.DataFrame], max_rows: int = PAPER_TABLE_MAX_ROWS
                 ) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """The tables for tables.xlsx and tables.tex, and those left out (name -> rows).

    Examples
    --------
    >>> kept, omitted = paper_tables({"w": pd.DataFrame({"x": [1, 2]}),
    ...                               "big": pd.DataFrame({"x": range(5)})}, max_rows=3)
    >>> list(kept), omitted
    (['w'], {'big': 5})
    """
    kept = {k: df for k, df in tables.items() if len(df) <= max_rows}
    return kept, {k: len(df) for k, df in tables.items() if len(df) > max_rows}


def _omitted_note(omitted: Mapping[str, int]) -> str:
    listed = "; ".join(f"{k} ({n:,} rows, {k}.csv)" for k, n in omitted.items())
    return f"Left out (more than {PAPER_TABLE_MAX_ROWS:,} rows; in their CSV files): {listed}."


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: Path, *,
               omitted: Mapping[str, int] | None = None, _neutralized: bool = False) -> Path:
    """Every table as one sheet of an Excel workbook (text cells formula-neutralised).

    Sheet names are the table names (at most 31 characters, Excel's limit); numbers stay
    numbers at full precision (the shortest decimal that reads back as the same double).
    ``omitted`` (name -> rows, from :func:`paper_tables`): the tables left out, listed on a
    last sheet ``omitted`` with their CSV file. ``_neutralized`` (internal): the tables are
    :func:`~ahpstat._text.neutralize_frame`'s output already. The file is the same, byte
    for byte, for the same tables (fixed dates in the workbook and in the archive).

    Tables of text, numbers, booleans and missing values (every table of a study) are
    written as SpreadsheetML directly, about ten times faster than openpyxl's cell objects
    (which took most of the seed study's output time); a table with any other cell type
    (dates, say) makes the whole workbook go through openpyxl instead.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_xlsx({"weights": pd.DataFrame({"node": ["=A1"], "w": [0.5]})},
    ...                    Path(d) / "t.xlsx")
    ...     ws = openpyxl.load_workbook(p)["weights"]
    ...     [c.value for c in ws[2]]
    ["'=A1", 0.5]
    """
    from ahpstat._text import neutralize_frame

    sheets: list[tuple[str, str]] = []
    names = _sheet_names(tables)
    for sheet, df in zip(names, tables.values(), strict=True):
        safe = df if _neutralized else neutralize_frame(df)
        xml = _sheet_xml([str(c) for c in safe.columns],
                         [_column_values(safe.iloc[:, k]) for k in range(safe.shape[1])],
                         frozen=True)
        if xml is None:
            return _write_xlsx_openpyxl(tables, path, omitted=omitted)
        sheets.append((sheet, xml))
    if omitted:
        rows = [list(omitted), list(omitted.values()), [f"{t}.csv" for t in omitted]]
        xml = _sheet_xml(["table", "rows", "file"], [np.array(r, dtype=object) for r in rows],
                         frozen=False)
        if xml is None:
            return _write_xlsx_openpyxl(tables, path, omitted=omitted)
        sheets.append((_omitted_sheet(names), xml))
    _zip_workbook(sheets, path)
    return path


def _column_values(col: pd.Series) -> np.ndarray:
    """A column's cells for :func:`_sheet_xml`: float64, integer and boolean numpy columns as
    they are, any other as objects (the values ``to_numpy(dtype=object)`` gives).
    """
    dt = col.dtype
    if isinstance(dt, np.dtype) and (dt == np.float64 or dt == np.bool_ or dt.kind in "iu"):
        return col.to_numpy()
    return col.to_numpy(dtype=object)


def _sheet_names(tables: Mapping[str, Any]) -> list[str]:
    """Sheet names of the tables: Excel's forbidden characters replaced, at most 31
    characters, unique regardless of case.
    """
    names: list[str] = []
    used: set[str] = set()
    for name in tables:
        sheet = _SHEET_BAD.sub("_", str(name))[:31] or "table"
        k = 2
        while sheet.lower() in used:
            sheet = f"{sheet[:28]}_{k}"
            k += 1
        used.add(sheet.lower())
        names.append(sheet)
    return names


def _omitted_sheet(names: list[str]) -> str:
    return "omitted" if "omitted" not in {n.lower() for n in names} else "omitted_tables"


# SpreadsheetML as openpyxl's write-only mode writes it (the same sheet XML for the same
# cells, except floats: openpyxl rounds them to 16 significant digits, here they keep 17)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_HEAD = (f'<worksheet xmlns="{_MAIN}"><sheetPr><outlinePr summaryBelow="1" '
               'summaryRight="1" /><pageSetUpPr /></sheetPr><sheetViews><sheetView '
               'workbookViewId="0">{pane}</sheetView></sheetViews><sheetFormatPr '
               'baseColWidth="8" defaultRowHeight="15" /><sheetData>')
_FROZEN = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen" />'
           '<selection pane="bottomLeft" activeCell="A1" sqref="A1" />')
_NOT_FROZEN = '<selection activeCell="A1" sqref="A1" />'
_SHEET_TAIL = ('</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" '
               'header="0.5" footer="0.5" /></worksheet>')
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_XML_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
# what openpyxl refuses in a cell (IllegalCharacterError): such a table goes through it
_XML_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_INTS = (int, np.integer)
_FLOATS = (float, np.floating)


def _column_letters(k: int) -> str:
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(65 + r) + out
    return out


def _text_cell(ref: str, text: str, style: str) -> str | None:
    body = _text_body(text)
    return None if body is None else f'<c r="{ref}"{style}{body}'


def _text_body(text: str) -> str | None:
    """A text cell after its ``<c r="A1"`` (and style): the same for every cell of that
    text, so a sheet computes it once per distinct text; ``None`` for a text this writer
    leaves to openpyxl.
    """
    if len(text) > 32767 or _XML_ILLEGAL.search(text):
        return None
    if not text:
        return ' t="inlineStr" />'
    space = ' xml:space="preserve"' if text.strip() and text != text.strip() else ""
    return f' t="inlineStr"><is><t{space}>{text.translate(_XML_TEXT)}</t></is></c>'


def _sheet_xml(header: list[str], cols: list[np.ndarray], *, frozen: bool) -> str | None:
    """One worksheet: a header row (bold, and frozen, with ``frozen``), then the rows;
    ``None`` if a cell is of a type (or a text) this writer leaves to openpyxl.

    Column by column (:func:`_column_cells`: a column of float64, integers or booleans is
    formatted without a type check per cell), then joined row by row.
    """
    letters = [_column_letters(k) for k in range(len(header))]
    parts = [_SHEET_HEAD.replace("{pane}", _FROZEN if frozen else _NOT_FROZEN), '<row r="1">']
    for col, name in zip(letters, header, strict=True):
        cell = _text_cell(f"{col}1", name, ' s="1"' if frozen else "")
        if cell is None:
            return None
        parts.append(cell)
    parts.append("</row>")
    bodies: dict[str, str | None] = {}  # a text's cell body, once per distinct text
    cells = []
    for col, values in zip(letters, cols, strict=True):
        c = _column_cells(col, values, bodies)
        if c is None:
            return None
        cells.append(c)
    parts.extend(f'<row r="{i}">{"".join(row)}</row>'
                 for i, row in enumerate(zip(*cells, strict=True), start=2))
    parts.append(_SHEET_TAIL)
    return "".join(parts)


def _float_cell(col: str, i: int, f: float) -> str:
    if f != f:  # NaN: an empty cell
        return ""
    if f in (np.inf, -np.inf):  # as openpyxl: a number cell with no value
        return f'<c r="{col}{i}" t="n"><v></v></c>'
    return f'<c r="{col}{i}" t="n"><v>{f!r}</v></c>'


def _column_cells(col: str, values: np.ndarray, bodies: dict[str, str | None]
                  ) -> list[str] | None:
    """The cells (``""`` for an empty one) of column ``col`` (letters), rows from 2 on;
    ``None`` if a cell is of a type (or a text) this writer leaves to openpyxl.
    """
    dt = values.dtype
    if dt == np.float64:
        return [f'<c r="{col}{i}" t="n"><v>{f!r}</v></c>' if f == f and abs(f) != np.inf
                else _float_cell(col, i, f) for i, f in enumerate(values.tolist(), start=2)]
    if dt == np.bool_:
        return [f'<c r="{col}{i}" t="b"><v>{int(v)}</v></c>'
                for i, v in enumerate(values.tolist(), start=2)]
    if dt.kind in "iu":
        return [f'<c r="{col}{i}" t="n"><v>{v}</v></c>'
                for i, v in enumerate(values.tolist(), start=2)]
    out = []
    for i, v in enumerate(values.astype(object, copy=False), start=2):
        if v is None or v is pd.NA:
            out.append("")
        elif isinstance(v, str):
            body = bodies[v] if v in bodies else bodies.setdefault(v, _text_body(v))
            if body is None:
                return None
            out.append(f'<c r="{col}{i}"{body}')
        elif isinstance(v, bool | np.bool_):
            out.append(f'<c r="{col}{i}" t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, _INTS):
            out.append(f'<c r="{col}{i}" t="n"><v>{int(v)}</v></c>')
        elif isinstance(v, _FLOATS):
            out.append(_float_cell(col, i, float(v)))
        else:
            return None
    return out


_STYLES = (f'<styleSheet xmlns="{_MAIN}"><numFmts count="0" /><fonts count="2"><font><name '
           'val="Calibri" /><family val="2" /><sz val="11" /><scheme val="minor" /></font>'
           '<font><b val="1" /></font></fonts><fills count="2"><fill><patternFill /></fill>'
           '<fill><patternFill patternType="gray125" /></fill></fills><borders count="1">'
           "<border><left /><right /><top /><bottom /><diagonal /></border></borders>"
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" />'
           '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" '
           'borderId="0" xfId="0" /><xf numFmtId="0" fontId="1" fillId="0" borderId="0" '
           'xfId="0" /></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
           'builtinId="0" /></cellStyles></styleSheet>')
_CORE = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
         'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
         'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/'
         'XMLSchema-instance"><dc:creator>ahpstat</dc:creator><dcterms:created '
         'xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created><dcterms:modified '
         'xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
         "</cp:coreProperties>")
_APP = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"><Application>ahpstat</Application></Properties>')
_CT = "application/vnd.openxmlformats-"


def _zip_workbook(sheets: list[tuple[str, str]], path: Path) -> None:
    """The workbook's package (content types, relationships, workbook, styles, document
    properties and the sheets), every entry dated 2000-01-01 so that the bytes depend only
    on the tables.
    """
    n = len(sheets)
    types = "".join(f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{_CT}'
                    'officedocument.spreadsheetml.worksheet+xml" />' for k in range(1, n + 1))
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{_CT}package.relationships+xml" />'
            '<Default Extension="xml" ContentType="application/xml" />'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}officedocument.'
            'spreadsheetml.sheet.main+xml" />'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}officedocument.'
            'spreadsheetml.styles+xml" />'
            f'<Override PartName="/docProps/core.xml" ContentType="{_CT}package.'
            'core-properties+xml" />'
            f'<Override PartName="/docProps/app.xml" ContentType="{_CT}officedocument.'
            f'extended-properties+xml" />{types}</Types>'),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PKG_REL}"><Relationship Type="{_REL}/officeDocument" '
            'Target="xl/workbook.xml" Id="rId1" /><Relationship Type="http://schemas.'
            'openxmlformats.org/package/2006/relationships/metadata/core-properties" '
            'Target="docProps/core.xml" Id="rId2" /><Relationship Type="'
            f'{_REL}/extended-properties" Target="docProps/app.xml" Id="rId3" />'
            "</Relationships>"),
        "docProps/app.xml": _APP,
        "docProps/core.xml": _CORE,
        "xl/workbook.xml": (
            f'<workbook xmlns:r="{_REL}" xmlns="{_MAIN}"><workbookPr /><bookViews>'
            '<workbookView activeTab="0" /></bookViews><sheets>'
            + "".join(f'<sheet name="{name.translate(_XML_ATTR)}" sheetId="{k}" '
                      f'r:id="rId{k}" />' for k, (name, _) in enumerate(sheets, start=1))
            + '</sheets><calcPr calcId="124519" fullCalcOnLoad="1" /></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PKG_REL}">'
            + "".join(f'<Relationship Type="{_REL}/worksheet" Target="/xl/worksheets/'
                      f'sheet{k}.xml" Id="rId{k}" />' for k in range(1, n + 1))
            + f'<Relationship Type="{_REL}/styles" Target="styles.xml" Id="rId{n + 1}" />'
            "</Relationships>"),
        "xl/styles.xml": _STYLES,
        **{f"xl/worksheets/sheet{k}.xml": xml for k, (_, xml) in enumerate(sheets, start=1)},
    }
    _write_zip(path, ((name, text.encode("utf-8")) for name, text in parts.items()))


def _write_zip(path: Path, entries: Iterable[tuple[str, bytes]]) -> None:
    """A zip archive of ``entries`` (name, bytes) in their order, deflated, every entry dated
    2000-01-01: the bytes depend only on the entries.
    """
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data, compresslevel=6)


def _write_xlsx_openpyxl(tables: Mapping[str, pd.DataFrame], path: Path, *,
                         omitted: Mapping[str, int] | None = None) -> Path:
    """:func:`write_xlsx` through openpyxl (write-only mode, row by row), for the tables
    with cells the direct writer does not handle. openpyxl dates its package's entries and
    its ``modified`` property with the time of saving: the package is written again with
    the direct writer's fixed dates and document properties, so that these bytes too depend
    only on the tables.
    """
    import io
    import zipfile

    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from ahpstat._text import neutralize_frame

    wb = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    names = _sheet_names(tables)
    for sheet, df in zip(names, tables.values(), strict=True):
        ws = wb.create_sheet(sheet)
        ws.freeze_panes = "A2"
        safe = neutralize_frame(df)
        header = []
        for c in safe.columns:
            cell = WriteOnlyCell(ws, value=str(c))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        cols = [safe[c].to_numpy(dtype=object) for c in safe.columns]
        for row in zip(*cols, strict=True):
            ws.append([None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                       else v for v in row])
    if omitted:
        ws = wb.create_sheet(_omitted_sheet(names))
        ws.append(["table", "rows", "file"])
        for table, rows in omitted.items():
            ws.append([table, rows, f"{table}.csv"])
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as saved:
        _write_zip(path, ((i.filename, _CORE.encode("utf-8") if i.filename == "docProps/core.xml"
                           else saved.read(i)) for i in saved.infolist()))
    return path


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$",
                  "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_TABLE = str.maketrans(_LATEX_SPECIAL)


def latex_escape(text: Any) -> str:
    """Text safe in LaTeX: the ten special characters escaped.

    Examples
    --------
    >>> print(latex_escape("50% of R&D_1 {x}"))
    50\\% of R\\&D\\_1 \\{x\\}
    """
    return str(text).translate(_LATEX_TABLE)


def _latex_column(col: pd.Series) -> list[str]:
    """:func:`_latex_cell` of every value of a column (the values ``itertuples`` gives),
    a column of float, integer or boolean numbers formatted without the per-cell checks.
    """
    if col.dtype == np.float64:
        return ["" if v != v else f"{v:.4f}" if abs(v) >= 1e-4 or v == 0 else f"{v:.2e}"
                for v in col.to_numpy().tolist()]
    if col.dtype == np.bool_:
        return ["yes" if v else "no" for v in col.to_numpy().tolist()]
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iu":
        return [str(v) for v in col.to_numpy().tolist()]
    seen: dict[str, str] = {}  # text columns repeat their values (nodes, groups, labels)
    # text columns as an object array: iterating pandas' Arrow-backed strings one by one
    # cost several microseconds a cell (the same values: the texts and the missing value)
    values: Any = (col.to_numpy(dtype=object) if col.dtype == object
                   or isinstance(col.dtype, pd.StringDtype) else col)
    return [(seen[x] if x in seen else seen.setdefault(x, _latex_cell(x)))
            if isinstance(x, str) else _latex_cell(x) for x in values]


def _latex_cell(x: Any) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if isinstance(x, float | np.floating):
        v = float(x)
        return f"{v:.4f}" if abs(v) >= 1e-4 or v == 0 else f"{v:.2e}"
    return latex_escape(x)


def to_latex(tables: Mapping[str, pd.DataFrame], *, title: str = "",
             omitted: Mapping[str, int] | None = None, _neutralized: bool = False) -> str:
    """Every table as a LaTeX ``longtable`` with booktabs rules (text escaped, formula-like
    cells neutralised, numbers to 4 decimals; the CSV files keep full precision).
    ``omitted`` (name -> rows, from :func:`paper_tables`): named in a comment at the top.
    ``_neutralized`` (internal): the tables are :func:`~ahpstat._text.neutralize_frame`'s
    output already, trusted as such.

    Needs ``\\usepackage{booktabs,longtable}``; each table has a caption and a label
    ``tab:<name>``.

    Examples
    --------
    >>> print(to_latex({"w": pd.DataFrame({"node": ["B_1"], "weight": [0.25]})}))
    ... # doctest: +ELLIPSIS
    % Tables ...
    \\begin{longtable}{lr}
    \\caption{w}\\label{tab:w}\\\\
    \\toprule
    node & weight \\\\
    \\midrule
    \\endhead
    B\\_1 & 0.2500 \\\\
    \\bottomrule
    \\end{longtable}
    <BLANKLINE>
    """
    from ahpstat._text import neutralize_frame

    out = [f"% Tables of {latex_escape(title) if title else 'an ahpstat study'}, written by "
           "ahpstat. Preamble: \\usepackage{booktabs,longtable}", ""]
    if omitted:
        out[-1:] = ["% " + _omitted_note(omitted), ""]
    for name, df in tables.items():
        if not _neutralized:
            df = neutralize_frame(df)
        align = "".join("r" if pd.api.types.is_numeric_dtype(df[c])
                        and not pd.api.types.is_bool_dtype(df[c]) else "l" for c in df.columns)
        out.append(f"\\begin{{longtable}}{{{align}}}")
        out.append(f"\\caption{{{latex_escape(name)}}}\\label{{tab:{_label(name)}}}\\\\")
        out.append("\\toprule")
        out.append(" & ".join(latex_escape(c) for c in df.columns) + " \\\\")
        out.append("\\midrule")
        out.append("\\endhead")
        if df.shape[1]:
            out.extend(" & ".join(row) + " \\\\"
                       for row in zip(*(_latex_column(df.iloc[:, k])
                                        for k in range(df.shape[1])), strict=True))
        else:
            out.extend(" \\\\" for _ in range(len(df)))
        out.append("\\bottomrule")
        out.append("\\end{longtable}")
        out.append("")
    return "\n".join(out)


def _label(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9:-]+", "-", str(name)).strip("-") or "table"
