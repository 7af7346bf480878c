"""Tables for papers: one Excel workbook and one LaTeX file of the study's tables
(each capped at :data:`PAPER_TABLE_MAX_ROWS` rows).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
               omitted: Mapping[str, int] | None = None) -> Path:
    """Every table as one sheet of an Excel workbook (text cells formula-neutralised).

    Sheet names are the table names (at most 31 characters, Excel's limit); numbers stay
    numbers at full precision. ``omitted`` (name -> rows, from :func:`paper_tables`): the
    tables left out, listed on a last sheet ``omitted`` with their CSV file.

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
    import datetime as _dt

    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from ahpstat._text import neutralize_frame

    # openpyxl's write-only mode, row by row: a third of the time of DataFrame.to_excel
    # (whose per-cell formatting pipeline dominated the seed study's output); same values
    wb = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for name, df in tables.items():
        sheet = _SHEET_BAD.sub("_", str(name))[:31] or "table"
        k = 2
        while sheet.lower() in used:
            sheet = f"{sheet[:28]}_{k}"
            k += 1
        used.add(sheet.lower())
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
        ws = wb.create_sheet("omitted" if "omitted" not in used else "omitted_tables")
        ws.append(["table", "rows", "file"])
        for table, rows in omitted.items():
            ws.append([table, rows, f"{table}.csv"])
    props = wb.properties
    props.creator = "ahpstat"
    fixed = _dt.datetime(2000, 1, 1)
    props.created = props.modified = fixed
    wb.save(path)
    return path


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$",
                  "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text: Any) -> str:
    """Text safe in LaTeX: the ten special characters escaped.

    Examples
    --------
    >>> print(latex_escape("50% of R&D_1 {x}"))
    50\\% of R\\&D\\_1 \\{x\\}
    """
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


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
             omitted: Mapping[str, int] | None = None) -> str:
    """Every table as a LaTeX ``longtable`` with booktabs rules (text escaped, formula-like
    cells neutralised, numbers to 4 decimals; the CSV files keep full precision).
    ``omitted`` (name -> rows, from :func:`paper_tables`): named in a comment at the top.

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
        df = neutralize_frame(df)
        align = "".join("r" if pd.api.types.is_numeric_dtype(df[c])
                        and not pd.api.types.is_bool_dtype(df[c]) else "l" for c in df.columns)
        out.append(f"\\begin{{longtable}}{{{align}}}")
        out.append(f"\\caption{{{latex_escape(name)}}}\\label{{tab:{_label(name)}}}\\\\")
        out.append("\\toprule")
        out.append(" & ".join(latex_escape(c) for c in df.columns) + " \\\\")
        out.append("\\midrule")
        out.append("\\endhead")
        for row in df.itertuples(index=False):
            out.append(" & ".join(_latex_cell(x) for x in row) + " \\\\")
        out.append("\\bottomrule")
        out.append("\\end{longtable}")
        out.append("")
    return "\n".join(out)


def _label(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9:-]+", "-", str(name)).strip("-") or "table"
