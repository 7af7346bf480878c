"""Grids and tables: the cells of a CSV file or worksheet, a header and its data rows,
and the sink that raises or collects every problem found in them.
"""

from __future__ import annotations

import csv
import io as _stdio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ahpstat._text import clip_excerpt
from ahpstat._validation import InputError, check_method, suggest
from ahpstat.io._cells import cell_text, excel_column, is_blank

__all__ = [
    "DECIMALS",
    "DELIMITERS",
    "Grid",
    "Sink",
    "Table",
    "check_csv_format",
    "csv_format",
    "read_grids",
    "read_table",
    "require_columns",
    "show_columns",
    "sniff_delimiter",
]


class Sink:
    """Either raises each problem at once or collects them all."""

    def __init__(self, errors: str) -> None:
        self.mode = check_method("errors", errors, ("raise", "collect"))
        self.problems: list[InputError] = []

    def __call__(self, message: str, **where: Any) -> None:
        self.add(InputError(message, **where))

    def add(self, err: InputError) -> None:
        if self.mode == "raise":
            raise err
        self.problems.append(err)


@dataclass
class Grid:
    """The cells of one CSV file or one worksheet; ``rows[i]`` is spreadsheet row ``i + 1``."""

    file: str | None
    sheet: str | None
    rows: list[list[Any]]
    #: False for a text file whose last line has no line break (perhaps cut short)
    complete_last_line: bool = True

    def where(self, row: int | None = None, **kw: Any) -> dict[str, Any]:
        return {"file": self.file, "sheet": self.sheet, "row": row, **kw}


#: field separators of a CSV file (``delimiter:`` in the study file; ``"tab"`` is ``"\t"``)
DELIMITERS = (",", ";", "\t", "|")
#: decimal marks of a CSV file (``decimal:`` in the study file)
DECIMALS = (".", ",")


def check_csv_format(delimiter: str | None, decimal: str | None) -> tuple[str | None, str | None]:
    """Validate the ``delimiter`` and ``decimal`` of a CSV reader (``None``: sniffed);
    ``"tab"`` is a tab.

    Examples
    --------
    >>> check_csv_format("tab", ",")
    ('\\t', ',')
    """
    if delimiter == "tab":
        delimiter = "\t"
    if delimiter is not None and delimiter not in DELIMITERS:
        raise ValueError(f"`delimiter` must be one of {DELIMITERS} or 'tab' (or None: sniffed "
                         f"from the header line). Got {delimiter!r} instead.")
    if decimal is not None and decimal not in DECIMALS:
        raise ValueError(f"`decimal` must be one of {DECIMALS} (or None: a comma with "
                         f"semicolon-separated files, else a point). Got {decimal!r} instead.")
    return delimiter, decimal


def csv_format(text: str, suffix: str, delimiter: str | None,
               decimal: str | None) -> tuple[str, str]:
    """The delimiter and decimal mark a CSV text is read with: those given, else sniffed
    (tab for ``.tsv``/``.tab``; semicolons when the header line splits into more cells on
    them; a decimal comma goes with semicolons, as spreadsheets write CSV where the decimal
    mark is a comma).

    Examples
    --------
    >>> csv_format("id;Q1\\nR1;2,5\\n", ".csv", None, None)
    (';', ',')
    >>> csv_format("id;Q1\\nR1;2,5\\n", ".csv", None, ".")
    (';', '.')
    """
    if delimiter is None:
        delimiter = "\t" if suffix in (".tsv", ".tab") else sniff_delimiter(text)
    if decimal is None:
        decimal = "," if delimiter == ";" else "."
    return delimiter, decimal


def read_grids(path: Any, sheet: str | None, sink: Sink, *, what: str,
               all_sheets: bool = False, delimiter: str | None = None,
               decimal: str | None = None) -> list[Grid]:
    """Read a CSV (or text stream) or the sheet(s) of an .xlsx workbook into grids.

    ``delimiter`` and ``decimal`` (CSV only; ``None``: sniffed, see :func:`csv_format`) say
    how a text file is separated and which decimal mark its numbers use.
    """
    delimiter, decimal = check_csv_format(delimiter, decimal)
    if hasattr(path, "read"):
        name = getattr(path, "name", None)
        f = str(name) if name is not None else "<stream>"
        text = path.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        return [Grid(f, None, _csv_rows(text, delimiter or ",", decimal or "."))]
    f = str(path)
    p = Path(path)
    if not p.is_file():
        sink(f"the {what} file does not exist.", file=f)
        return []
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods") and (delimiter or decimal):
        sink(f"`delimiter` and `decimal` apply to CSV files only. Got "
             f"{'delimiter ' + repr(delimiter) if delimiter else 'decimal ' + repr(decimal)} "
             f"for the workbook {p.name!r} instead.", file=f)
        return []
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_grids(p, f, sheet, sink, all_sheets=all_sheets)
    if suffix in (".xls", ".ods"):
        sink(f"{suffix} workbooks are not read; save the file as .xlsx or CSV (UTF-8). Got "
             f"{p.name!r} instead.", file=f)
        return []
    if sheet is not None:
        sink(f"`sheet` applies to .xlsx workbooks only. Got sheet {sheet!r} for a text file "
             "instead.", file=f)
        return []
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        sink(f"the file is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'. Got "
             f"byte 0x{exc.object[exc.start]:02x} instead.", file=f)
        return []
    given = delimiter
    delimiter, decimal = csv_format(text, suffix, delimiter, decimal)
    rows = _csv_rows(text, delimiter, decimal)
    header = next((r for r in rows if any(c.strip() for c in r)), [])
    if given is not None and len(header) == 1:
        found = sniff_delimiter(text)
        other = next(csv.reader([text.lstrip().splitlines()[0]], delimiter=found), [])
        if found != given and len(other) > 1:
            sink(f"the header line is one cell when split on {given!r} (the declared "
                 f"`delimiter`), but {len(other)} cells when split on {found!r}. Declare "
                 f"`delimiter: {found!r}` or leave it out (sniffed). Got one column "
                 f"{clip_excerpt(header[0], 40)!r} instead.", file=f, row=1)
            return []
    return [Grid(f, None, rows, complete_last_line=text.endswith(("\n", "\r")) or not text)]


def _csv_rows(text: str, delimiter: str, decimal: str) -> list[list[str]]:
    rows = [list(r) for r in csv.reader(_stdio.StringIO(text), delimiter=delimiter)]
    if decimal == ",":  # "0,5" is 0.5
        rows = [[_DECIMAL_COMMA.sub(r"\1.\2", c) for c in r] for r in rows]
    return rows


_DECIMAL_COMMA = re.compile(r"^\s*([-+]?\d+),(\d+)\s*$")


def sniff_delimiter(text: str) -> str:
    """``";"`` when the first non-blank line of a CSV text is separated by semicolons (as
    spreadsheets write CSV where the decimal mark is a comma), else ``","``.

    Examples
    --------
    >>> sniff_delimiter("id;site;Q1\\nR1;HZ;2,5\\n"), sniff_delimiter("id,site\\nR1,HZ\\n")
    (';', ',')
    """
    for line in text.splitlines():
        if line.strip():
            head = next(csv.reader([line]), [])
            semi = next(csv.reader([line], delimiter=";"), [])
            return ";" if len(semi) > len(head) else ","
    return ","


def show_columns(names: Sequence[str], k: int = 12) -> str:
    """Column names for a message: each clipped, at most ``k`` of them (a header that is a
    long line of some other file is not printed whole).
    """
    shown = [clip_excerpt(c, 30) for c in names[:k]]
    more = f" and {len(names) - k} more" if len(names) > k else ""
    return f"{shown}{more}"


def _xlsx_grids(p: Path, f: str, sheet: str | None, sink: Sink, *,
                all_sheets: bool) -> list[Grid]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        sink(f"cannot open the workbook ({type(exc).__name__}: {exc}).", file=f)
        return []
    try:
        names = wb.sheetnames
        if sheet is not None:
            if sheet not in names:
                sink(f"the workbook has no sheet {sheet!r}; its sheets are {names}."
                     f"{suggest(sheet, names)} Got {sheet!r} instead.", file=f)
                return []
            chosen = [sheet]
        else:
            chosen = names if all_sheets else names[:1]
        grids = [Grid(f, s, [list(r) for r in wb[s].iter_rows(values_only=True)])
                 for s in chosen]
    finally:
        wb.close()
    _uncached_formulas(p, f, grids, sink)
    return grids


def _uncached_formulas(p: Path, f: str, grids: list[Grid], sink: Sink) -> None:
    """Report formula cells whose value was never computed and saved (a workbook written by
    a program, not by Excel): openpyxl reads them as blank, which would be a silent
    missing answer or judgment.
    """
    if not any(c is None for g in grids for r in g.rows for c in r):
        return
    import openpyxl

    wb = openpyxl.load_workbook(p, data_only=False, read_only=True)
    try:
        for g in grids:
            for i, row in enumerate(wb[g.sheet].iter_rows(values_only=True)):
                cached = g.rows[i] if i < len(g.rows) else []
                for j, c in enumerate(row):
                    if (isinstance(c, str) and c.startswith("=")
                            and (j >= len(cached) or cached[j] is None)):
                        cell = f"{excel_column(j + 1)}{i + 1}"
                        sink(f"cell {cell} holds the formula {clip_excerpt(c)!r} but no saved "
                             "value (the workbook was written by a program that does not "
                             "compute formulas): open and save the file in Excel, or type the "
                             "value. Got a formula without a value instead.",
                             file=f, sheet=g.sheet, row=i + 1, column=excel_column(j + 1))
    finally:
        wb.close()


@dataclass
class Table:
    """A header row and the non-blank data rows of a grid."""

    grid: Grid
    columns: list[str]          # normalized header names
    raw: list[str]              # header names as written
    header_row: int
    records: list[tuple[int, list[Any]]]

    def index(self, name: str) -> int:
        return self.columns.index(name)


def read_table(grid: Grid, sink: Sink, *, what: str, lower: bool = True) -> Table | None:
    rows = grid.rows
    start = next((i for i, r in enumerate(rows) if not is_blank(r)), None)
    if start is None:
        sink(f"the {what} file is empty. Got no rows instead.", **grid.where())
        return None
    raw = [cell_text(c) for c in rows[start]]
    while raw and raw[-1] == "":
        raw.pop()
    cols = [c.lower() if lower else c for c in raw]
    ok = True
    seen: dict[str, int] = {}
    for j, c in enumerate(cols):
        if c == "":
            continue
        if c in seen:
            sink(f"the header names column {raw[j]!r} twice (columns {seen[c] + 1} and "
                 f"{j + 1}). Got a duplicate header instead.", **grid.where(start + 1,
                                                                          column=raw[j]))
            ok = False
        seen[c] = j
    records = []
    width = len(cols)
    for i in range(start + 1, len(rows)):
        r = rows[i]
        if is_blank(r):
            continue
        extra = [c for c in r[width:] if cell_text(c) != ""]
        unnamed = [j for j in range(min(width, len(r))) if cols[j] == "" and cell_text(r[j])]
        if extra or unnamed:
            sink(f"row {i + 1} has cells outside the named columns (a header is missing or a "
                 f"value has an unquoted comma). Got {len(r)} cells for {width} named "
                 "columns instead.", **grid.where(i + 1))
            continue
        if i == len(rows) - 1 and not grid.complete_last_line and len(r) < width:
            sink(f"the last line is cut short: {len(r)} of the header's {width} cells and no "
                 "line break at the end (was the file truncated?). Complete it or remove it. "
                 f"Got {clip_excerpt(','.join(cell_text(c) for c in r))!r} instead.",
                 **grid.where(i + 1))
            continue
        records.append((i + 1, list(r[:width]) + [None] * (width - len(r))))
    if not records:
        sink(f"the {what} file has a header but no data rows. Got only row {start + 1} "
             "instead.", **grid.where())
        return None
    return Table(grid, cols, raw, start + 1, records) if ok else None


def require_columns(table: Table, required: Sequence[str], sink: Sink, what: str) -> bool:
    missing = [c for c in required if c not in table.columns]
    if missing:
        found = [c for c in table.raw if c]
        hint = "".join(suggest(m, found) for m in missing[:1])
        sink(f"the {what} file lacks the column(s) {', '.join(missing)}; required: "
             f"{', '.join(required)}.{hint}{_semicolon_hint(found)} Got the columns "
             f"{show_columns(found)} instead.",
             **table.grid.where(table.header_row))
        return False
    return True


def _semicolon_hint(found: Sequence[str]) -> str:
    if len(found) == 1 and (";" in found[0] or "\t" in found[0]):
        sep = "semicolons" if ";" in found[0] else "tabs"
        return (f" The header is one cell holding {sep}: save the file as CSV with commas "
                "(or UTF-8 CSV), or name it .tsv for tabs.")
    return ""
