"""Readers and validators for the files a study brings: judgments, expert weights, survey.

Every reader accepts CSV (UTF-8, with or without BOM) and Excel ``.xlsx``. Every problem is an
:class:`~ahpstat.InputError` naming the file, the sheet, the 1-based row as a spreadsheet shows
it (the header is row 1), the column, and the expert and node when known. Nothing is guessed:
layouts and encodings are declared, duplicates are never averaged, missing stays missing.

Readers raise the first problem; :func:`collect_problems` returns every problem of a file
(what ``ahpstat check`` reports), and the validators take ``errors="raise" | "collect"``.

Judgment layouts (``read_judgments(..., layout=...)``)
------------------------------------------------------
``"long"`` (canonical): columns ``expert, node, row, col, value``, one row per judgment;
``value`` says how much more important ``row`` is than ``col`` and may be written ``3``,
``1/3`` or ``0.333``. Missing pairs are simply absent (a blank ``value`` is also missing).
Other columns are ignored.

``"matrix"``: one block per expert and node, as desktop AHP tools export them::

    expert,E01,node,A          <- block header: the words `expert` and `node` and their ids
    ,B1,B2,B3                  <- element ids (first cell ignored)
    B1,1,3,5                   <- one row per element, same order; blank = missing
    B2,1/3,1,
    B3,0.2,,1
                               <- blank rows between blocks are optional
    expert,E01,node,B1
    ...

In an ``.xlsx`` workbook the blocks may also be spread over one sheet per expert: a block
header ``node,<id>`` (without ``expert``) takes the expert id from the sheet name. Without
``sheet`` every sheet of the workbook is read. The diagonal must be 1 or blank; when both
``a_ij`` and ``a_ji`` are given they must be reciprocal (``3`` and ``0.333`` are).

``"wide"`` (the survey layout of ahpsurvey users): one row per expert with an ``expert``
column and one column per pair, named ``<node>:<A>_<B>`` (or just ``A_B`` with ``node=``).
The cell encoding is declared with ``encoding=``:

- ``"signed"``: -9..9; ``+3`` means A is 3 times as important as B, ``-3`` means B is 3 times
  as important as A; 1 and -1 both mean equal; 0 is an error (ahpsurvey's ``ahp.mat`` default,
  ``negconvert = FALSE``);
- ``"signed_left_negative"``: the same with the sign flipped (``-3`` = A 3 times as
  important), as in ahpsurvey's ``city200`` data (``negconvert = TRUE``);
- ``"ratio"``: 1/9..9, the value of A over B.
"""

from __future__ import annotations

import csv
import hashlib
import io as _stdio
import math
import os
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat._validation import InputError, check_choice, check_likert, suggest
from ahpstat.aggregation import normalize_expert_weights

__all__ = [
    "JUDGMENT_COLUMNS",
    "SOURCE_COLUMNS",
    "collect_problems",
    "expert_weight_vector",
    "judgment_stacks",
    "parse_value",
    "read_expert_weights",
    "read_hierarchy",
    "read_judgments",
    "read_survey",
    "sha256_file",
    "validate_expert_weights",
    "validate_judgments",
]

#: Columns of the canonical long form of judgments.
JUDGMENT_COLUMNS: tuple[str, ...] = ("expert", "node", "row", "col", "value")
#: Provenance columns the readers add (file, sheet, 1-based spreadsheet row).
SOURCE_COLUMNS: tuple[str, ...] = ("source_file", "source_sheet", "source_row")

_LAYOUTS = ("long", "matrix", "wide")
_ENCODINGS = ("signed", "signed_left_negative", "ratio")
_SCALES = ("saaty",)
_MISSING = frozenset({"", "na", "n/a", "nan", "#n/a"})
#: tolerance (in log space) for a decimal reciprocal: 0.33, 0.333, 0.14 are 1/3, 1/3, 1/7
_RECIP_LOGTOL = 0.045
#: tolerance for integers 1..9 (they are written exactly)
_INT_LOGTOL = 0.005
_SAATY_INTS = np.arange(1.0, 10.0)


# ---------------------------------------------------------------------- problems


class _Sink:
    """Either raises each problem at once or collects them all."""

    def __init__(self, errors: str) -> None:
        self.mode = check_choice("errors", errors, ("raise", "collect"))
        self.problems: list[InputError] = []

    def __call__(self, message: str, **where: Any) -> None:
        self.add(InputError(message, **where))

    def add(self, err: InputError) -> None:
        if self.mode == "raise":
            raise err
        self.problems.append(err)


# ---------------------------------------------------------------------- cells


def _text(v: Any) -> str:
    """A cell as stripped text (numbers without a spurious ``.0``)."""
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, str):
        return unicodedata.normalize("NFKC", v).strip()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v).strip()


def parse_value(v: Any) -> float | None:
    """Parse one judgment or answer cell: a number, or a fraction like ``1/3``.

    Returns ``nan`` for a blank / ``NA`` cell and ``None`` when the text is not a number.
    Full-width characters (``１／３``) are read as their ASCII forms.

    Examples
    --------
    >>> parse_value("1/3") == 1 / 3, parse_value(" 0.333 "), parse_value(5)
    (True, 0.333, 5.0)
    >>> parse_value(""), parse_value("three")
    (nan, None)
    """
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v)
    s = _text(v)
    if s.lower() in _MISSING:
        return math.nan
    try:
        return float(s)
    except ValueError:
        pass
    num, sep, den = s.partition("/")
    if sep:
        try:
            a, b = float(num), float(den)
        except ValueError:
            return None
        if b == 0 or not (math.isfinite(a) and math.isfinite(b)):
            return None
        return a / b
    return None


def _on_saaty(v: np.ndarray) -> np.ndarray:
    """Which positive values are 1..9 (exactly) or their reciprocals (0.333 counts as 1/3)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lv = np.log(np.asarray(v, dtype=float))
    big = np.abs(np.abs(lv)[..., None] - np.log(_SAATY_INTS))
    tol = np.where(lv < 0, _RECIP_LOGTOL, _INT_LOGTOL)
    return np.isfinite(lv) & (big.min(axis=-1) <= tol)


def _show(x: Any) -> str:
    if isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool):
        return _fmt(float(x))
    return repr(x)


def _fmt(v: float) -> str:
    if math.isfinite(v) and v > 0 and v < 1 and abs(1 / v - round(1 / v)) < 1e-9:
        return f"1/{round(1 / v)}"
    return f"{v:g}"


# ---------------------------------------------------------------------- grids


@dataclass
class _Grid:
    """The cells of one CSV file or one worksheet; ``rows[i]`` is spreadsheet row ``i + 1``."""

    file: str | None
    sheet: str | None
    rows: list[list[Any]]

    def where(self, row: int | None = None, **kw: Any) -> dict[str, Any]:
        return {"file": self.file, "sheet": self.sheet, "row": row, **kw}


def _is_blank(cells: Sequence[Any]) -> bool:
    return all(_text(c) == "" for c in cells)


def _grids(path: Any, sheet: str | None, sink: _Sink, *, what: str,
           all_sheets: bool = False) -> list[_Grid]:
    """Read a CSV (or text stream) or the sheet(s) of an .xlsx workbook into grids."""
    if hasattr(path, "read"):
        name = getattr(path, "name", None)
        f = str(name) if name is not None else "<stream>"
        text = path.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        return [_Grid(f, None, [list(r) for r in csv.reader(_stdio.StringIO(text))])]
    f = str(path)
    p = Path(path)
    if not p.is_file():
        sink(f"the {what} file does not exist.", file=f)
        return []
    suffix = p.suffix.lower()
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
    delimiter = "\t" if suffix in (".tsv", ".tab") else ","
    return [_Grid(f, None, [list(r) for r in csv.reader(_stdio.StringIO(text),
                                                        delimiter=delimiter)])]


def _xlsx_grids(p: Path, f: str, sheet: str | None, sink: _Sink, *,
                all_sheets: bool) -> list[_Grid]:
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
        return [_Grid(f, s, [list(r) for r in wb[s].iter_rows(values_only=True)])
                for s in chosen]
    finally:
        wb.close()


@dataclass
class _Table:
    """A header row and the non-blank data rows of a grid."""

    grid: _Grid
    columns: list[str]          # normalized header names
    raw: list[str]              # header names as written
    header_row: int
    records: list[tuple[int, list[Any]]]

    def index(self, name: str) -> int:
        return self.columns.index(name)


def _table(grid: _Grid, sink: _Sink, *, what: str, lower: bool = True) -> _Table | None:
    rows = grid.rows
    start = next((i for i, r in enumerate(rows) if not _is_blank(r)), None)
    if start is None:
        sink(f"the {what} file is empty. Got no rows instead.", **grid.where())
        return None
    raw = [_text(c) for c in rows[start]]
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
        if _is_blank(r):
            continue
        extra = [c for c in r[width:] if _text(c) != ""]
        unnamed = [j for j in range(min(width, len(r))) if cols[j] == "" and _text(r[j])]
        if extra or unnamed:
            sink(f"row {i + 1} has cells outside the named columns (a header is missing or a "
                 f"value has an unquoted comma). Got {len(r)} cells for {width} named "
                 "columns instead.", **grid.where(i + 1))
            continue
        records.append((i + 1, list(r[:width]) + [None] * (width - len(r))))
    if not records:
        sink(f"the {what} file has a header but no data rows. Got only row {start + 1} "
             "instead.", **grid.where())
        return None
    return _Table(grid, cols, raw, start + 1, records) if ok else None


def _require(table: _Table, required: Sequence[str], sink: _Sink, what: str) -> bool:
    missing = [c for c in required if c not in table.columns]
    if missing:
        found = [c for c in table.raw if c]
        hint = "".join(suggest(m, found) for m in missing[:1])
        sink(f"the {what} file lacks the column(s) {', '.join(missing)}; required: "
             f"{', '.join(required)}.{hint} Got the columns {found} instead.",
             **table.grid.where(table.header_row))
        return False
    return True


# ---------------------------------------------------------------------- judgments


def read_hierarchy(path: str | os.PathLike) -> Any:
    """Read a hierarchy YAML file (same as :meth:`ahpstat.Hierarchy.from_yaml`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "h.yaml"
    >>> _ = p.write_text("id: A\\nchildren: [{id: 科学}, {id: 参与}]\\n", encoding="utf-8")
    >>> read_hierarchy(p).leaves
    ('科学', '参与')
    """
    from ahpstat.hierarchy import Hierarchy

    return Hierarchy.from_yaml(path)


_Record = tuple[str, str, str, str, float, str | None, str | None, int | None]


def _frame(records: list[_Record]) -> pd.DataFrame:
    cols = [*JUDGMENT_COLUMNS, *SOURCE_COLUMNS]
    if not records:
        df = pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
        df["value"] = df["value"].astype(float)
        df["source_row"] = df["source_row"].astype("Int64")
        return df
    data = list(zip(*records, strict=True))
    df = pd.DataFrame({c: list(v) for c, v in zip(cols, data, strict=True)})
    df["value"] = df["value"].astype(float)
    df["source_row"] = pd.array(data[7], dtype="Int64")
    return df


def _read_long(grid: _Grid, sink: _Sink) -> list[_Record]:
    table = _table(grid, sink, what="judgments")
    if table is None or not _require(table, JUDGMENT_COLUMNS, sink, "judgments"):
        return []
    idx = [table.index(c) for c in JUDGMENT_COLUMNS]
    out: list[_Record] = []
    for r, cells in table.records:
        e, v, a, b = (_text(cells[i]) for i in idx[:4])
        raw = cells[idx[4]]
        bad = False
        for name, val in zip(("expert", "node", "row", "col"), (e, v, a, b), strict=True):
            if val == "":
                sink(f"the `{name}` cell is blank. Got an empty cell instead.",
                     **grid.where(r, column=table.raw[table.index(name)],
                                  expert=e or None, node=v or None))
                bad = True
        if bad:
            continue
        value = parse_value(raw)
        if value is None:
            sink(f"value is not a number or a fraction like 1/3. Got {_text(raw)!r} instead.",
                 **grid.where(r, column=table.raw[idx[4]], expert=e, node=v))
            continue
        if math.isnan(value):
            continue  # blank = missing judgment
        out.append((e, v, a, b, value, grid.file, grid.sheet, r))
    return out


def _read_matrix(grid: _Grid, sink: _Sink, per_sheet: bool) -> list[_Record]:
    rows = grid.rows
    out: list[_Record] = []
    seen: dict[tuple[str, str], int] = {}
    i = 0
    n_rows = len(rows)
    found_any = False

    def skip_blank(k: int) -> int:
        while k < n_rows and _is_blank(rows[k]):
            k += 1
        return k

    while True:
        i = skip_blank(i)
        if i >= n_rows:
            break
        found_any = True
        head = [_text(c) for c in rows[i]]
        key = head[0].lower() if head else ""
        expert = node = None
        if key == "expert" and len(head) >= 4 and head[2].lower() == "node":
            expert, node = head[1], head[3]
        elif key == "node" and len(head) >= 2 and per_sheet:
            expert, node = grid.sheet, head[1]
        if not expert or not node:
            shown = ",".join(h for h in head if h) or "(empty)"
            form = "`expert,<id>,node,<id>`" + (" or `node,<id>`" if per_sheet else "")
            sink(f"expected a block header {form}. Got {shown!r} instead.", **grid.where(i + 1))
            # resynchronize at the next plausible header
            i += 1
            while i < n_rows and _text(rows[i][0] if rows[i] else "").lower() not in (
                    "expert", "node"):
                i += 1
            continue
        start = i + 1
        if (expert, node) in seen:
            sink(f"a second block for this expert and node (the first starts at row "
                 f"{seen[expert, node]}). Got a duplicate block instead.",
                 **grid.where(start, expert=expert, node=node))
        seen[expert, node] = start
        i = skip_blank(i + 1)
        if i >= n_rows:
            sink("the block has no element header row. Got the end of the file instead.",
                 **grid.where(start, expert=expert, node=node))
            break
        hdr = [_text(c) for c in rows[i][1:]]
        elems = []
        for h in hdr:
            if h == "":
                break
            elems.append(h)
        if len(elems) < 2 or len(set(elems)) != len(elems):
            sink("the element header row must list two or more distinct element ids after "
                 f"an empty first cell. Got {elems} instead.",
                 **grid.where(i + 1, expert=expert, node=node))
            i += 1
            continue
        n = len(elems)
        vals = np.full((n, n), np.nan)
        rownum = [0] * n
        ok = True
        for k in range(n):
            i += 1
            if i >= n_rows or _is_blank(rows[i]):
                sink(f"the block has {k} element rows but its header lists {n} elements "
                     f"{elems}. Got {'the end of the file' if i >= n_rows else 'a blank row'} "
                     "instead.", **grid.where(i + 1, expert=expert, node=node))
                ok = False
                break
            cells = list(rows[i]) + [None] * (n + 1 - len(rows[i]))
            lab = _text(cells[0])
            if lab != elems[k]:
                sink(f"element row {k + 1} must be {elems[k]!r} (the rows follow the header's "
                     f"order). Got {lab!r} instead.",
                     **grid.where(i + 1, expert=expert, node=node, column="A"))
                ok = False
                continue
            rownum[k] = i + 1
            for j in range(n):
                raw = cells[j + 1]
                v = parse_value(raw)
                col = _excel_column(j + 2)
                if v is None:
                    sink(f"cell ({elems[k]}, {elems[j]}) is not a number or a fraction like "
                         f"1/3. Got {_text(raw)!r} instead.",
                         **grid.where(i + 1, column=col, expert=expert, node=node))
                    ok = False
                elif j == k:
                    if not math.isnan(v) and abs(v - 1) > 1e-9:
                        sink(f"the diagonal cell ({elems[k]}, {elems[k]}) must be 1 or blank. "
                             f"Got {_text(raw)!r} instead.",
                             **grid.where(i + 1, column=col, expert=expert, node=node))
                        ok = False
                else:
                    vals[k, j] = v
            extra = [c for c in cells[n + 1:] if _text(c) != ""]
            if extra:
                sink(f"element row {elems[k]!r} has more than {n} values. Got "
                     f"{[_text(c) for c in extra]} beyond them instead.",
                     **grid.where(i + 1, expert=expert, node=node))
                ok = False
        i += 1
        if not ok:
            continue
        for a in range(n):
            for b in range(a + 1, n):
                x, y = vals[a, b], vals[b, a]
                if not math.isnan(x) and not math.isnan(y):
                    if x > 0 and y > 0 and abs(math.log(x * y)) > _RECIP_LOGTOL:
                        sink(f"cells ({elems[a]}, {elems[b]}) = {_fmt(x)} and ({elems[b]}, "
                             f"{elems[a]}) = {_fmt(y)} are not reciprocal (expected "
                             f"{_fmt(1 / x)}). Got {_fmt(y)} instead.",
                             **grid.where(rownum[b], column=_excel_column(a + 2),
                                          expert=expert, node=node))
                        continue
                    out.append((expert, node, elems[a], elems[b], x, grid.file, grid.sheet,
                                rownum[a]))
                elif not math.isnan(x):
                    out.append((expert, node, elems[a], elems[b], x, grid.file, grid.sheet,
                                rownum[a]))
                elif not math.isnan(y):
                    out.append((expert, node, elems[b], elems[a], y, grid.file, grid.sheet,
                                rownum[b]))
    if not found_any and not per_sheet:
        sink("the judgments file is empty. Got no rows instead.", **grid.where())
    return out


def _excel_column(j: int) -> str:
    """1-based column number -> spreadsheet letters (1 -> 'A')."""
    s = ""
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _split_pair(name: str, node: str | None, hierarchy: Any) -> tuple[str, str, str] | str:
    """``'<node>:<A>_<B>'`` (or ``'A_B'`` with ``node``) -> (node, A, B), or a reason."""
    if node is None:
        cands = [k for k, ch in enumerate(name) if ch == ":"]
        if not cands:
            return "a pair column must be named <node>:<A>_<B> (or pass `node=`)"
        if hierarchy is not None:
            known = [k for k in cands if name[:k] in hierarchy]
            k = known[0] if known else cands[0]
        else:
            k = cands[0]
        node, rest = name[:k], name[k + 1:]
    else:
        rest = name
    cuts = [k for k, ch in enumerate(rest) if ch == "_"]
    if not cuts:
        return "a pair must be named <A>_<B>"
    if hierarchy is not None and node in hierarchy:
        kids = set(hierarchy.children(node))
        fits = [k for k in cuts if rest[:k] in kids and rest[k + 1:] in kids]
        if len(fits) == 1:
            k = fits[0]
            return node, rest[:k], rest[k + 1:]
        if len(fits) > 1:
            return "the pair can be split in more than one way into children of the node"
    if len(cuts) > 1:
        return ("the pair has more than one '_' and cannot be split into two element ids "
                "(pass `hierarchy=` to resolve it)")
    k = cuts[0]
    return node, rest[:k], rest[k + 1:]


def _read_wide(grid: _Grid, sink: _Sink, *, encoding: str, node: str | None,
               hierarchy: Any, ignore: Sequence[str]) -> list[_Record]:
    table = _table(grid, sink, what="judgments", lower=False)
    if table is None:
        return []
    low = [c.lower() for c in table.columns]
    if "expert" not in low:
        sink(f"the wide judgments file lacks the `expert` column. Got the columns "
             f"{[c for c in table.raw if c]} instead.", **grid.where(table.header_row))
        return []
    e_idx = low.index("expert")
    ignore_set = set(ignore)
    pairs: list[tuple[int, str, str, str, str]] = []
    bad_cols = False
    for j, name in enumerate(table.columns):
        if j == e_idx or name == "" or name in ignore_set:
            continue
        split = _split_pair(name, node, hierarchy)
        if isinstance(split, str):
            sink(f"{split}; list columns that are not pairs in `ignore_columns`. Got "
                 f"{name!r} instead.", **grid.where(table.header_row, column=name))
            bad_cols = True
            continue
        pairs.append((j, name, *split))
    if bad_cols:
        return []
    out: list[_Record] = []
    seen: dict[str, int] = {}
    for r, cells in table.records:
        e = _text(cells[e_idx])
        if e == "":
            sink("the `expert` cell is blank. Got an empty cell instead.",
                 **grid.where(r, column=table.raw[e_idx]))
            continue
        if e in seen:
            sink(f"expert {e!r} has a second row (the first is row {seen[e]}). Got a "
                 "duplicate row instead.", **grid.where(r, column=table.raw[e_idx], expert=e))
            continue
        seen[e] = r
        for j, name, v_node, a, b in pairs:
            raw = cells[j]
            x = parse_value(raw)
            where = grid.where(r, column=name, expert=e, node=v_node)
            if x is None:
                sink(f"value is not a number or a fraction like 1/3. Got {_text(raw)!r} "
                     "instead.", **where)
                continue
            if math.isnan(x):
                continue
            if encoding == "ratio":
                value = x
            else:
                if not math.isfinite(x) or x == 0 or abs(x) < 1:
                    why = "0 is not a judgment (use 1 for equal)" if x == 0 else \
                        "a signed judgment is 1..9 or -9..-1"
                    sink(f"{why} under encoding={encoding!r}. Got {_text(raw)!r} instead.",
                         **where)
                    continue
                left = x > 0 if encoding == "signed" else x < 0
                value = abs(x) if left else 1 / abs(x)
            out.append((e, v_node, a, b, value, grid.file, grid.sheet, r))
    return out


def _read_judgments_into(path: Any, sink: _Sink, *, layout: str, hierarchy: Any,
                         sheet: str | None, node: str | None, encoding: str | None,
                         ignore_columns: Sequence[str]) -> pd.DataFrame:
    check_choice("layout", layout, _LAYOUTS)
    if layout == "wide":
        if encoding is None:
            raise ValueError("`encoding` is required with layout='wide' (it is declared, never "
                             f"guessed): one of {_ENCODINGS}. Got None instead.")
        check_choice("encoding", encoding, _ENCODINGS)
    elif encoding is not None:
        raise ValueError(f"`encoding` applies to layout='wide' only. Got {encoding!r} with "
                         f"layout={layout!r} instead.")
    if node is not None and layout != "wide":
        raise ValueError(f"`node` applies to layout='wide' only. Got node={node!r} instead.")
    grids = _grids(path, sheet, sink, what="judgments", all_sheets=layout == "matrix")
    records: list[_Record] = []
    for grid in grids:
        if layout == "long":
            records += _read_long(grid, sink)
        elif layout == "matrix":
            records += _read_matrix(grid, sink, per_sheet=grid.sheet is not None)
        else:
            records += _read_wide(grid, sink, encoding=encoding or "", node=node,
                                  hierarchy=hierarchy, ignore=ignore_columns)
    if layout == "matrix" and grids and all(g.sheet is not None for g in grids) and not any(
            not _is_blank(r) for g in grids for r in g.rows):
        sink("the judgments workbook is empty. Got no rows instead.", file=grids[0].file)
    return _frame(records)


def read_judgments(
    path: str | os.PathLike | Any,
    *,
    layout: str = "long",
    hierarchy: Any = None,
    sheet: str | None = None,
    scale: str | None = None,
    node: str | None = None,
    encoding: str | None = None,
    ignore_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """Read pairwise judgments into the canonical long DataFrame, validating them.

    Parameters
    ----------
    path : str, path-like or text stream
        A ``.csv`` (UTF-8) or ``.xlsx`` file; a stream is read as CSV.
    layout : {"long", "matrix", "wide"}
        File layout (see the module docstring).
    hierarchy : Hierarchy, optional
        When given, nodes and elements are checked against it (unknown node, a leaf, an
        element that is not a child of the node) and, in the wide layout, pair names with
        ``_`` inside ids are split by it.
    sheet : str, optional
        Worksheet of an ``.xlsx`` file (default: the first; for ``"matrix"`` every sheet).
    scale : {"saaty"}, optional
        Also require values on Saaty's scale: 1..9 and reciprocals (``0.333`` counts as 1/3).
    node : str, optional
        Wide layout: the node of every pair column, which is then named just ``A_B``.
    encoding : {"signed", "signed_left_negative", "ratio"}
        Wide layout only, required: how the cells encode a judgment.
    ignore_columns : sequence of str
        Wide layout: columns that are not pairs (names, timestamps, ...).

    Returns
    -------
    DataFrame
        Columns ``expert, node, row, col`` (str), ``value`` (float > 0: how much more
        important ``row`` is than ``col``), ``source_file``, ``source_sheet`` (None for CSV),
        ``source_row`` (1-based spreadsheet row; header = row 1), in file order.

    Raises
    ------
    InputError
        The first problem found, naming file, sheet, row, column, expert and node: a missing
        column, a value that is not a number (its text is shown), a value that is not
        positive and finite, off the declared scale, ``row == col``, a duplicate or
        contradictory judgment (never averaged), a malformed matrix block, non-reciprocal
        matrix cells, and with ``hierarchy`` the checks of :func:`validate_judgments`.
        :func:`collect_problems` lists all of them instead.

    Examples
    --------
    >>> import io
    >>> f = io.StringIO("expert,node,row,col,value\\nE1,A,B1,B2,3\\nE1,A,B1,B3,1/3\\n")
    >>> read_judgments(f)[["expert", "node", "row", "col", "value", "source_row"]].round(3)
      expert node row col  value  source_row
    0     E1    A  B1  B2  3.000           2
    1     E1    A  B1  B3  0.333           3
    >>> f = io.StringIO("expert,node,row,col,value\\nE1,A,B1,B2,3\\nE1,A,B2,B1,3\\n")
    >>> read_judgments(f)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: <stream>, row 3 (expert 'E1', node 'A'): ...contradicts...
    """
    sink = _Sink("raise")
    df = _read_judgments_into(path, sink, layout=layout, hierarchy=hierarchy, sheet=sheet,
                              node=node, encoding=encoding, ignore_columns=ignore_columns)
    validate_judgments(df, hierarchy, scale=scale, errors="raise")
    return df


def validate_judgments(
    judgments: pd.DataFrame,
    hierarchy: Any = None,
    *,
    scale: str | None = None,
    errors: str = "raise",
) -> list[InputError]:
    """Check a judgments DataFrame (read from a file or built in memory).

    Parameters
    ----------
    judgments : DataFrame
        Canonical long form (``expert, node, row, col, value``); the ``source_*`` columns, if
        present, locate each problem in its file.
    hierarchy : Hierarchy, optional
        Check nodes and elements against it, and that every node with two or more
        children has at least one judgment.
    scale : {"saaty"}, optional
        Require values on Saaty's 1..9 scale or its reciprocals.
    errors : {"raise", "collect"}
        Raise the first problem (in row order), or return all of them.

    Returns
    -------
    list of InputError
        Every problem found (empty when the judgments are valid); with ``errors="raise"``
        always empty.

    Notes
    -----
    A pair judged twice by the same expert at the same node is an error even when both
    agree (``a-b = 3`` and ``b-a = 1/3`` is a *duplicate*); when they disagree (``a-b = 3``
    and ``b-a = 3``) it is a *contradiction*. Neither is ever averaged.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"expert": ["E1", "E1"], "node": ["A", "A"], "row": ["x", "y"],
    ...                    "col": ["y", "y"], "value": [3.0, 2.0]})
    >>> for p in validate_judgments(df, errors="collect"):  # doctest: +ELLIPSIS
    ...     print(p.reason)
    frame row 1: row and col are both 'y': an element is not compared with itself. Got row ...
    """
    sink = _Sink(errors)
    if scale is not None:
        check_choice("scale", scale, _SCALES)
    if not isinstance(judgments, pd.DataFrame):
        raise TypeError("`judgments` must be a pandas DataFrame (expert, node, row, col, "
                        f"value). Got {type(judgments).__name__} instead.")
    missing = [c for c in JUDGMENT_COLUMNS if c not in judgments.columns]
    if missing:
        sink(f"the judgments lack the column(s) {', '.join(missing)}. Got the columns "
             f"{list(map(str, judgments.columns))} instead.")
        return sink.problems
    found: list[tuple[int, int, InputError]] = []  # (position, order, error)
    n = len(judgments)
    has_src = "source_row" in judgments.columns
    files = judgments["source_file"].tolist() if "source_file" in judgments else [None] * n
    sheets = judgments["source_sheet"].tolist() if "source_sheet" in judgments else [None] * n
    srows = judgments["source_row"].tolist() if has_src else [None] * n
    text = {c: [None if _null(x) else _text(x) for x in judgments[c].tolist()]
            for c in ("expert", "node", "row", "col")}
    E, V, R, C = text["expert"], text["node"], text["row"], text["col"]

    def loc(i: int) -> dict[str, Any]:
        f = None if _null(files[i]) else str(files[i])
        s = None if _null(sheets[i]) else str(sheets[i])
        r = None if _null(srows[i]) else int(srows[i])
        return {"file": f, "sheet": s, "row": r, "expert": E[i] or None, "node": V[i] or None}

    def at(i: int) -> str:
        return "" if has_src and not _null(srows[i]) else f"frame row {i}: "

    def add(i: int, order: int, message: str) -> None:
        found.append((i, order, InputError(at(i) + message, **loc(i))))

    raw_values = judgments["value"].tolist()
    values = np.full(n, np.nan)
    usable = np.ones(n, dtype=bool)
    for i, x in enumerate(raw_values):
        v = parse_value(x) if not isinstance(x, float) else x
        if v is None:
            add(i, 1, f"value is not a number. Got {x!r} instead.")
            usable[i] = False
            continue
        values[i] = v
    for c, vals in text.items():
        for i in np.flatnonzero([v is None or v == "" for v in vals]):
            add(int(i), 0, f"the `{c}` cell is blank. Got an empty cell instead.")
            usable[i] = False
    with np.errstate(invalid="ignore"):
        bad = usable & ~(np.isfinite(values) & (values > 0))
    for i in np.flatnonzero(bad):
        add(int(i), 2, f"value must be positive and finite. Got {_show(raw_values[i])} "
            "instead.")
    usable &= ~bad
    if scale == "saaty":
        off = usable & ~_on_saaty(np.where(usable, values, 1.0))
        for i in np.flatnonzero(off):
            add(int(i), 3, "value is not on Saaty's scale (1..9 or 1/2..1/9). Got "
                f"{_show(raw_values[i])} instead.")
    same = [usable[i] and R[i] == C[i] for i in range(n)]
    for i in np.flatnonzero(same):
        add(int(i), 4, f"row and col are both {R[i]!r}: an element is not compared with "
            "itself. Got row == col instead.")
        usable[i] = False
    if hierarchy is not None:
        kids_of = {v: hierarchy.children(v) for v in hierarchy.nodes}
        for i in np.flatnonzero(usable):
            i = int(i)
            v = V[i]
            kids = kids_of.get(v, ())
            if v in kids_of and R[i] in kids and C[i] in kids:
                continue
            if v not in hierarchy:
                add(i, 5, f"node {v!r} is not in the hierarchy.{suggest(v, hierarchy.nodes)}"
                    f" Got {v!r} instead.")
                usable[i] = False
                continue
            kids = hierarchy.children(v)
            if not kids:
                add(i, 5, f"node {v!r} is a leaf (a survey item); only nodes with children "
                    f"are judged. Got a judgment at leaf {v!r} instead.")
                usable[i] = False
                continue
            for name, el in (("row", R[i]), ("col", C[i])):
                if el not in kids:
                    add(i, 6, f"{name} {el!r} is not a child of node {v!r}; its children "
                        f"are {', '.join(kids)}.{suggest(el, kids)} Got {el!r} instead.")
                    usable[i] = False
    # duplicates and contradictions: same expert, node and unordered pair
    first: dict[tuple[str, str, str, str], int] = {}
    for i in np.flatnonzero(usable):
        i = int(i)
        a, b = (R[i], C[i]) if R[i] < C[i] else (C[i], R[i])
        key = (E[i], V[i], a, b)
        j = first.get(key)
        if j is None:
            first[key] = i
            continue
        vj = values[j]
        vi = values[i] if R[i] == R[j] else 1 / values[i]
        there = f"row {srows[j]}" if has_src and not _null(srows[j]) else f"frame row {j}"
        if abs(math.log(vi / vj)) <= _RECIP_LOGTOL:
            add(i, 7, f"duplicate judgment of {R[i]!r} vs {C[i]!r}: already given at {there} "
                f"({R[j]}-{C[j]} = {_fmt(vj)}); judgments are never averaged, keep one. Got "
                f"{R[i]}-{C[i]} = {_fmt(values[i])} again instead.")
        else:
            add(i, 7, f"judgment {R[i]}-{C[i]} = {_fmt(values[i])} contradicts {there} "
                f"({R[j]}-{C[j]} = {_fmt(vj)}, which implies {R[i]}-{C[i]} = "
                f"{_fmt(1 / vj if R[i] != R[j] else vj)}); keep one. Got a contradiction "
                "instead.")
    found.sort(key=lambda t: (t[0], t[1]))
    for _, _, err in found:
        sink.add(err)
    if hierarchy is not None:
        judged = {V[i] for i in range(n) if usable[i]}
        file_names = {str(f) for f in files if not _null(f)}
        f = file_names.pop() if len(file_names) == 1 else None
        for v in hierarchy.internal:
            kids = hierarchy.children(v)
            if len(kids) >= 2 and v not in judged and not any(V[i] == v for i in range(n)):
                sink(f"no expert judged node {v!r} (children {', '.join(kids)}): its weights "
                     "cannot be computed. Got no judgments instead.", file=f, node=v)
    return sink.problems


def _null(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def judgment_stacks(
    judgments: pd.DataFrame, hierarchy: Any, *, validate: bool = True
) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """Per node, the experts' judgment matrices as one array.

    Parameters
    ----------
    judgments : DataFrame
        Canonical long form.
    hierarchy : Hierarchy
    validate : bool
        Run :func:`validate_judgments` first (raising). Pass ``False`` only for frames known
        to be valid (e.g. already validated, or built by a simulator) to save the check.

    Returns
    -------
    dict node -> (experts, stack)
        For every node with two or more children, in :attr:`Hierarchy.internal` order:
        ``experts`` is the tuple of experts who judged that node, in order of first appearance
        in ``judgments``; ``stack`` has shape ``(K, n, n)`` with rows/columns in
        ``hierarchy.children(node)`` order, 1 on the diagonal, each judgment and its
        reciprocal filled in, and ``NaN`` for missing pairs.

    Examples
    --------
    >>> import pandas as pd
    >>> from ahpstat.hierarchy import Hierarchy
    >>> h = Hierarchy.from_dict({"id": "A", "children": [{"id": "x"}, {"id": "y"},
    ...                                                   {"id": "z"}]})
    >>> df = pd.DataFrame({"expert": ["E2", "E1", "E2"], "node": "A",
    ...                    "row": ["x", "x", "z"], "col": ["y", "y", "y"],
    ...                    "value": [3.0, 2.0, 4.0]})
    >>> experts, stack = judgment_stacks(df, h)["A"]
    >>> experts
    ('E2', 'E1')
    >>> stack[0].round(3)
    array([[1.   , 3.   ,   nan],
           [0.333, 1.   , 0.25 ],
           [  nan, 4.   , 1.   ]])
    """
    if validate:
        validate_judgments(judgments, hierarchy, errors="raise")
    ex = [_text(x) for x in judgments["expert"].tolist()]
    order = {e: k for k, e in enumerate(dict.fromkeys(ex))}
    nodes = np.array([_text(x) for x in judgments["node"].tolist()], dtype=object)
    rows = [_text(x) for x in judgments["row"].tolist()]
    cols = [_text(x) for x in judgments["col"].tolist()]
    vals = judgments["value"].to_numpy(dtype=float)
    out: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for v in hierarchy.internal:
        kids = hierarchy.children(v)
        if len(kids) < 2:
            continue
        idx = np.flatnonzero(nodes == v)
        if idx.size == 0:
            continue
        who = sorted({ex[i] for i in idx}, key=order.__getitem__)
        kpos = {e: k for k, e in enumerate(who)}
        epos = {c: j for j, c in enumerate(kids)}
        n = len(kids)
        stack = np.full((len(who), n, n), np.nan)
        stack[:, np.arange(n), np.arange(n)] = 1.0
        k = np.array([kpos[ex[i]] for i in idx])
        a = np.array([epos[rows[i]] for i in idx])
        b = np.array([epos[cols[i]] for i in idx])
        stack[k, a, b] = vals[idx]
        stack[k, b, a] = 1.0 / vals[idx]
        out[v] = (tuple(who), stack)
    return out


# ---------------------------------------------------------------------- expert weights


def _read_expert_weights_into(path: Any, sink: _Sink, sheet: str | None) -> pd.Series:
    grids = _grids(path, sheet, sink, what="expert weights")
    out = pd.Series([], dtype=float, name="weight")
    out.index.name = "expert"
    if not grids:
        return out
    grid = grids[0]
    table = _table(grid, sink, what="expert weights")
    if table is None or not _require(table, ("expert", "weight"), sink, "expert weights"):
        return out
    ie, iw = table.index("expert"), table.index("weight")
    experts: list[str] = []
    weights: list[float] = []
    rows: dict[str, int] = {}
    for r, cells in table.records:
        e = _text(cells[ie])
        if e == "":
            sink("the `expert` cell is blank. Got an empty cell instead.",
                 **grid.where(r, column=table.raw[ie]))
            continue
        w = parse_value(cells[iw])
        where = grid.where(r, column=table.raw[iw], expert=e)
        if w is None or math.isnan(w):
            sink(f"the weight is not a number. Got {_text(cells[iw])!r} instead.", **where)
            continue
        if not (math.isfinite(w) and w > 0):
            sink(f"an expert weight must be positive and finite. Got {_text(cells[iw])!r} "
                 "instead.", **where)
            continue
        if e in rows:
            sink(f"expert {e!r} has a second weight (the first is in row {rows[e]}). Got a "
                 "duplicate expert instead.", **grid.where(r, column=table.raw[ie], expert=e))
            continue
        rows[e] = r
        experts.append(e)
        weights.append(w)
    out = pd.Series(weights, index=pd.Index(experts, name="expert", dtype=object),
                    name="weight", dtype=float)
    out.attrs.update(source_file=grid.file, source_sheet=grid.sheet, source_rows=rows)
    return out


def read_expert_weights(path: str | os.PathLike | Any, *, sheet: str | None = None) -> pd.Series:
    """Read expert weights: columns ``expert, weight`` (other columns are ignored).

    Parameters
    ----------
    path : str, path-like or text stream
        A ``.csv`` or ``.xlsx`` file.
    sheet : str, optional
        Worksheet of an ``.xlsx`` file (default: the first).

    Returns
    -------
    Series
        Weights (float, as written, not normalized) indexed by expert id, named ``weight``.
        ``attrs`` holds ``source_file``, ``source_sheet`` and ``source_rows`` (expert -> row).

    Raises
    ------
    InputError
        Missing columns, an empty file, a blank expert, a weight that is not a positive finite
        number, an expert listed twice.

    Examples
    --------
    >>> import io
    >>> read_expert_weights(io.StringIO("expert,weight\\nE1,2\\nE2,1\\n")).to_dict()
    {'E1': 2.0, 'E2': 1.0}
    """
    return _read_expert_weights_into(path, _Sink("raise"), sheet)


def validate_expert_weights(
    weights: Mapping[str, float] | pd.Series,
    experts: Iterable[str],
    *,
    errors: str = "raise",
) -> list[InputError]:
    """Check expert weights against the experts who gave judgments.

    Parameters
    ----------
    weights : Series or mapping expert -> weight
        As :func:`read_expert_weights` returns (its ``attrs`` locate problems in the file).
    experts : iterable of str
        The experts of the judgments.
    errors : {"raise", "collect"}
        Raise the first problem or return all of them.

    Returns
    -------
    list of InputError
        A weight for an expert who gave no judgments, an expert without a weight, a weight
        that is not positive and finite. Empty when valid (always with ``errors="raise"``).

    Examples
    --------
    >>> problems = validate_expert_weights({"E1": 1.0, "E9": 2.0}, ["E1", "E2"],
    ...                                    errors="collect")
    >>> for p in problems:
    ...     print(p.reason)  # doctest: +NORMALIZE_WHITESPACE
    expert 'E9' has a weight but gave no judgments. Got weights for experts without
    judgments: E9 instead.
    expert 'E2' gave judgments but has no weight. Got no expert weight for E2 instead.
    """
    sink = _Sink(errors)
    attrs = getattr(weights, "attrs", {}) or {}
    f, s = attrs.get("source_file"), attrs.get("source_sheet")
    rows = attrs.get("source_rows", {})
    w = {str(k): v for k, v in dict(weights).items()}
    known = [str(e) for e in experts]
    known_set = set(known)
    unknown = [e for e in w if e not in known_set]
    lacking = [e for e in dict.fromkeys(known) if e not in w]
    for e, x in w.items():
        where = {"file": f, "sheet": s, "row": rows.get(e), "expert": e}
        try:
            xf = float(x)
        except (TypeError, ValueError):
            sink(f"the weight of expert {e!r} is not a number. Got {x!r} instead.", **where)
            continue
        if not (math.isfinite(xf) and xf > 0):
            sink(f"the weight of expert {e!r} must be positive and finite. Got {x!r} "
                 "instead.", **where)
        if e not in known_set:
            sink(f"expert {e!r} has a weight but gave no judgments. Got weights for experts "
                 f"without judgments: {', '.join(unknown)} instead.", **where)
    for e in lacking:
        sink(f"expert {e!r} gave judgments but has no weight. Got no expert weight for "
             f"{', '.join(lacking)} instead.", file=f, sheet=s, expert=e)
    return sink.problems


def expert_weight_vector(
    expert_weights: Mapping[str, float] | pd.Series | ArrayLike | None,
    experts: Sequence[str],
) -> np.ndarray:
    """The expert weights as a vector in ``experts`` order, validated and summing to 1.

    The one path from expert weights (a mapping or Series by expert id, as
    :func:`read_expert_weights` returns, or an array in ``experts`` order) to the vector the
    aggregation uses.

    Parameters
    ----------
    expert_weights : mapping expert -> weight, Series, array_like (K,) or None
        Positive weights; ``None`` = equal weights.
    experts : sequence of str
        The experts who gave judgments, in the order of the result.

    Returns
    -------
    ndarray, shape (K,)

    Raises
    ------
    InputError
        A mapping with a weight for an unknown expert, an expert without a weight, or a weight
        that is not positive and finite (located in the file when the Series came from
        :func:`read_expert_weights`).

    Examples
    --------
    >>> expert_weight_vector({"E2": 3.0, "E1": 1.0}, ["E1", "E2"])
    array([0.25, 0.75])
    >>> expert_weight_vector(None, ["E1", "E2"])
    array([0.5, 0.5])
    """
    experts = [str(e) for e in experts]
    if isinstance(expert_weights, Mapping | pd.Series):
        validate_expert_weights(expert_weights, experts, errors="raise")
        w = {str(k): float(v) for k, v in dict(expert_weights).items()}
        expert_weights = [w[e] for e in experts]
    return normalize_expert_weights(expert_weights, len(experts))


# ---------------------------------------------------------------------- survey


def _read_survey_into(path: Any, sink: _Sink, *, id_column: str,
                      items: Mapping[str, str] | Sequence[str], group_columns: Sequence[str],
                      likert: tuple[int, int], sheet: str | None) -> pd.DataFrame | None:
    if isinstance(items, Mapping):
        item_map = {str(k): str(c) for k, c in items.items()}
    elif isinstance(items, str) or not isinstance(items, Iterable):
        raise TypeError("`items` must map leaf ids to survey columns (or list the columns). "
                        f"Got {type(items).__name__} instead.")
    else:
        item_map = {str(c): str(c) for c in items}
    if not item_map:
        raise ValueError("`items` must name at least one survey column. Got none instead.")
    lo, hi = check_likert(likert)
    groups = [str(g) for g in group_columns]
    grids = _grids(path, sheet, sink, what="survey")
    if not grids:
        return None
    grid = grids[0]
    table = _table(grid, sink, what="survey", lower=False)
    if table is None:
        return None
    cols = table.columns
    found = [c for c in cols if c]
    ok = True
    if id_column not in cols:
        sink(f"the survey lacks the id column {id_column!r}.{suggest(id_column, found)} Got "
             f"the columns {found} instead.", **grid.where(table.header_row, column=id_column))
        ok = False
    missing_items = [c for c in item_map.values() if c not in cols]
    if missing_items:
        hint = suggest(missing_items[0], found)
        sink(f"the survey lacks {len(missing_items)} item column(s): "
             f"{', '.join(missing_items)}.{hint} Got the columns {found} instead.",
             **grid.where(table.header_row))
        ok = False
    unknown_groups = [g for g in groups if g not in cols]
    if unknown_groups:
        sink(f"the survey has no group column(s) {', '.join(unknown_groups)}."
             f"{suggest(unknown_groups[0], found)} Got the columns {found} instead.",
             **grid.where(table.header_row))
        ok = False
    if not ok:
        return None
    nrec = len(table.records)
    rownums = [r for r, _ in table.records]
    icol = cols.index(id_column)
    ids = [_text(cells[icol]) for _, cells in table.records]
    keep = np.ones(nrec, dtype=bool)
    first: dict[str, int] = {}
    for k, (r, rid) in enumerate(zip(rownums, ids, strict=True)):
        if rid == "":
            sink(f"the respondent id ({id_column!r}) is blank. Got an empty cell instead.",
                 **grid.where(r, column=id_column))
            keep[k] = False
        elif rid in first:
            sink(f"respondent {rid!r} appears twice: rows {first[rid]} and {r}. Got a "
                 "duplicate id instead.", **grid.where(r, column=id_column))
            keep[k] = False
        else:
            first[rid] = r
    group_data: dict[str, list[str]] = {}
    for g in groups:
        j = cols.index(g)
        vals = [_text(cells[j]) for _, cells in table.records]
        for k in np.flatnonzero([v == "" for v in vals]):
            sink(f"the group cell is blank (respondent {ids[k]!r}). Got an empty cell instead.",
                 **grid.where(rownums[k], column=g))
        group_data[g] = vals
    answers: dict[str, np.ndarray] = {}
    for leaf, c in item_map.items():
        j = cols.index(c)
        cells = [cells[j] for _, cells in table.records]
        col = np.empty(nrec)
        for k, x in enumerate(cells):
            v = parse_value(x) if not isinstance(x, int | float) or isinstance(x, bool) else x
            if v is None or "/" in _text(x):
                sink(f"the answer is not a number. Got {_text(x)!r} instead.",
                     **grid.where(rownums[k], column=c))
                col[k] = np.nan
            else:
                col[k] = float(v)
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(col) & ((col < lo) | (col > hi) | (col != np.round(col)))
        for k in np.flatnonzero(bad):
            sink(f"the answer must be an integer in {lo}..{hi} (the declared Likert range). "
                 f"Got {_text(cells[k])!r} instead.", **grid.where(rownums[k], column=c))
        col[bad] = np.nan
        answers[leaf] = col
    index = pd.Index([ids[k] for k in range(nrec)], name=id_column, dtype=object)
    data: dict[str, Any] = {g: pd.Series(group_data[g], index=index, dtype=object)
                            for g in groups}
    for leaf, col in answers.items():
        data[leaf] = pd.Series(col, index=index, dtype=float)
    df = pd.DataFrame(data, index=index)
    df = df.loc[keep]
    df.attrs.update(source_file=grid.file, source_sheet=grid.sheet,
                    source_rows=dict(zip([ids[k] for k in np.flatnonzero(keep)],
                                         [rownums[k] for k in np.flatnonzero(keep)],
                                         strict=True)),
                    likert=(lo, hi), items=dict(item_map))
    return df


def read_survey(
    path: str | os.PathLike | Any,
    *,
    id_column: str,
    items: Mapping[str, str] | Sequence[str],
    group_columns: Sequence[str] = (),
    likert: tuple[int, int] = (1, 5),
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read and validate survey answers: one row per respondent, one column per item.

    Parameters
    ----------
    path : str, path-like or text stream
        A ``.csv`` or ``.xlsx`` file with a header row.
    id_column : str
        Column of respondent ids (unique, non-blank).
    items : mapping leaf id -> column, or sequence of columns
        The item columns to read, e.g. ``{leaf: hierarchy.item(leaf) for leaf in
        hierarchy.leaves}``. Output columns are named by the mapping's keys (by the column
        names for a sequence). Other columns of the file are ignored.
    group_columns : sequence of str
        Grouping columns (community, district, ...), kept as text.
    likert : (int, int)
        Lowest and highest answer; answers must be integers in this range.
    sheet : str, optional
        Worksheet of an ``.xlsx`` file (default: the first).

    Returns
    -------
    DataFrame
        Indexed by respondent id (index name = ``id_column``), in file order: the group
        columns (text), then one float column per item (``NaN`` = blank / ``NA`` = missing).
        ``attrs`` holds ``source_file``, ``source_sheet``, ``source_rows`` (id -> row),
        ``likert`` and ``items``.

    Raises
    ------
    InputError
        Missing item columns (all listed), missing id column, unknown group columns, a blank
        or duplicate respondent id (both rows named), an answer that is not a number (row,
        column and text), an answer off the Likert range or not an integer, an empty file.

    Examples
    --------
    >>> import io
    >>> f = io.StringIO("id,community,Q1,Q2\\nR1,HZ01,5,4\\nR2,HZ02,,3\\n")
    >>> read_survey(f, id_column="id", items={"D1": "Q1", "D2": "Q2"},
    ...             group_columns=["community"])  # doctest: +NORMALIZE_WHITESPACE
       community   D1   D2
    id
    R1      HZ01  5.0  4.0
    R2      HZ02  NaN  3.0
    """
    sink = _Sink("raise")
    df = _read_survey_into(path, sink, id_column=id_column, items=items,
                           group_columns=group_columns, likert=likert, sheet=sheet)
    assert df is not None  # every failure raised
    return df


# ---------------------------------------------------------------------- all problems


def collect_problems(
    path: str | os.PathLike | Any, *, kind: str, **options: Any
) -> list[InputError]:
    """Every problem of one input file, instead of only the first (``ahpstat check``).

    Parameters
    ----------
    path : str, path-like or text stream
    kind : {"hierarchy", "judgments", "expert_weights", "survey"}
        Which reader's rules apply.
    **options
        The reader's keywords: for ``"judgments"`` those of :func:`read_judgments`
        (``layout``, ``hierarchy``, ``sheet``, ``scale``, ``node``, ``encoding``,
        ``ignore_columns``); for ``"expert_weights"`` ``sheet`` and optionally ``experts``
        (checked by :func:`validate_expert_weights`); for ``"survey"`` those of
        :func:`read_survey`.

    Returns
    -------
    list of InputError
        Empty when the file is valid. Problems in row order within each stage (parsing,
        then content).

    Examples
    --------
    >>> import io
    >>> f = io.StringIO("expert,node,row,col,value\\nE1,A,x,y,-3\\nE1,A,x,z,abc\\n")
    >>> for p in collect_problems(f, kind="judgments"):
    ...     print(p.location.row, p.reason)
    3 value is not a number or a fraction like 1/3. Got 'abc' instead.
    2 value must be positive and finite. Got -3 instead.
    """
    check_choice("kind", kind, ("hierarchy", "judgments", "expert_weights", "survey"))
    sink = _Sink("collect")
    if kind == "hierarchy":
        from ahpstat.hierarchy import yaml_problems

        if options:
            raise TypeError(f"kind='hierarchy' takes no options. Got {sorted(options)} instead.")
        return yaml_problems(path)
    if kind == "judgments":
        scale = options.pop("scale", None)
        df = _read_judgments_into(
            path, sink, layout=options.pop("layout", "long"),
            hierarchy=options.get("hierarchy"), sheet=options.pop("sheet", None),
            node=options.pop("node", None), encoding=options.pop("encoding", None),
            ignore_columns=options.pop("ignore_columns", ()))
        hierarchy = options.pop("hierarchy", None)
        _no_more(options)
        if len(df) or not sink.problems:
            sink.problems += validate_judgments(df, hierarchy, scale=scale, errors="collect")
        return sink.problems
    if kind == "expert_weights":
        experts = options.pop("experts", None)
        sheet = options.pop("sheet", None)
        _no_more(options)
        w = _read_expert_weights_into(path, sink, sheet)
        if experts is not None and len(w):
            sink.problems += validate_expert_weights(w, experts, errors="collect")
        return sink.problems
    _read_survey_into(path, sink, id_column=options.pop("id_column"),
                      items=options.pop("items"),
                      group_columns=options.pop("group_columns", ()),
                      likert=options.pop("likert", (1, 5)), sheet=options.pop("sheet", None))
    _no_more(options)
    return sink.problems


def _no_more(options: Mapping[str, Any]) -> None:
    if options:
        raise TypeError(f"unexpected option(s) {sorted(options)}.")


# ---------------------------------------------------------------------- provenance


def sha256_file(path: str | os.PathLike, *, chunk_size: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file's bytes (for provenance records).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            h.update(block)
    return h.hexdigest()
