"""Judgment readers: the long, matrix and wide layouts (described in :mod:`ahpstat.io`)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import check_method, check_scale
from ahpstat.io._ahpsurvey import read_ahpsurvey_into
from ahpstat.io._cells import (
    RECIPROCAL_LOGTOL,
    cell_text,
    excel_column,
    fmt_ratio,
    is_blank,
    parse_value,
    quote_cell,
)
from ahpstat.io._grids import Grid, Sink, read_grids, read_table, require_columns
from ahpstat.io._records import WIDE_ENCODINGS, Record, decode_wide, judgments_frame
from ahpstat.io._validate import (
    JUDGMENT_COLUMNS,
    SOURCE_COLUMNS,
    placement_problems,
    validate_judgments,
)
from ahpstat.scales import snap_to_saaty

__all__ = [
    "JUDGMENT_COLUMNS",
    "JUDGMENT_LAYOUTS",
    "SOURCE_COLUMNS",
    "WIDE_ENCODINGS",
    "Record",
    "decode_wide",
    "judgments_frame",
    "read_judgments",
    "read_judgments_into",
]


JUDGMENT_LAYOUTS = ("long", "matrix", "wide", "ahpsurvey")
def _read_long(grid: Grid, sink: Sink, hierarchy: Any = None) -> list[Record]:
    table = read_table(grid, sink, what="judgments")
    if table is None or not require_columns(table, JUDGMENT_COLUMNS, sink, "judgments"):
        return []
    idx = [table.index(c) for c in JUDGMENT_COLUMNS]
    out: list[Record] = []
    for r, cells in table.records:
        e, v, a, b = (cell_text(cells[i]) for i in idx[:4])
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
            sink(f"value is not a number or a fraction like 1/3. Got {quote_cell(raw)} instead.",
                 **grid.where(r, column=table.raw[idx[4]], expert=e, node=v))
            continue
        if math.isnan(value):  # blank = missing judgment; its other cells must still be right
            where = grid.where(r, expert=e, node=v)
            if a == b:
                sink(f"row and col are both {a!r}: an element is not compared with itself. "
                     "Got row == col instead.", **where)
            elif hierarchy is not None:
                for _, message in placement_problems(v, a, b, hierarchy):
                    sink(message, **where)
            continue
        out.append((e, v, a, b, value, grid.file, grid.sheet, r))
    return out


def _read_matrix(grid: Grid, sink: Sink, per_sheet: bool) -> list[Record]:
    rows = grid.rows
    out: list[Record] = []
    seen: dict[tuple[str, str], int] = {}
    i = 0
    n_rows = len(rows)
    found_any = False

    def skip_blank(k: int) -> int:
        while k < n_rows and is_blank(rows[k]):
            k += 1
        return k

    while True:
        i = skip_blank(i)
        if i >= n_rows:
            break
        found_any = True
        head = [cell_text(c) for c in rows[i]]
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
            while i < n_rows and cell_text(rows[i][0] if rows[i] else "").lower() not in (
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
        hdr = [cell_text(c) for c in rows[i][1:]]
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
            if i >= n_rows or is_blank(rows[i]):
                sink(f"the block has {k} element rows but its header lists {n} elements "
                     f"{elems}. Got {'the end of the file' if i >= n_rows else 'a blank row'} "
                     "instead.", **grid.where(i + 1, expert=expert, node=node))
                ok = False
                break
            cells = list(rows[i]) + [None] * (n + 1 - len(rows[i]))
            lab = cell_text(cells[0])
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
                col = excel_column(j + 2)
                if v is None:
                    sink(f"cell ({elems[k]}, {elems[j]}) is not a number or a fraction like "
                         f"1/3. Got {quote_cell(raw)} instead.",
                         **grid.where(i + 1, column=col, expert=expert, node=node))
                    ok = False
                elif j == k:
                    if not math.isnan(v) and abs(v - 1) > 1e-9:
                        sink(f"the diagonal cell ({elems[k]}, {elems[k]}) must be 1 or blank. "
                             f"Got {quote_cell(raw)} instead.",
                             **grid.where(i + 1, column=col, expert=expert, node=node))
                        ok = False
                else:
                    vals[k, j] = v
            extra = [c for c in cells[n + 1:] if cell_text(c) != ""]
            if extra:
                sink(f"element row {elems[k]!r} has more than {n} values. Got "
                     f"{[cell_text(c) for c in extra]} beyond them instead.",
                     **grid.where(i + 1, expert=expert, node=node))
                ok = False
        i += 1
        if not ok:
            continue
        for a in range(n):
            for b in range(a + 1, n):
                x, y = vals[a, b], vals[b, a]
                if not math.isnan(x) and not math.isnan(y):
                    if x > 0 and y > 0 and abs(math.log(x * y)) > RECIPROCAL_LOGTOL:
                        sink(f"cells ({elems[a]}, {elems[b]}) = {fmt_ratio(x)} and ({elems[b]}, "
                             f"{elems[a]}) = {fmt_ratio(y)} are not reciprocal (expected "
                             f"{fmt_ratio(1 / x)}). Got {fmt_ratio(y)} instead.",
                             **grid.where(rownum[b], column=excel_column(a + 2),
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


def _read_wide(grid: Grid, sink: Sink, *, encoding: str, node: str | None,
               hierarchy: Any, ignore: Sequence[str]) -> list[Record]:
    table = read_table(grid, sink, what="judgments", lower=False)
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
    out: list[Record] = []
    seen: dict[str, int] = {}
    for r, cells in table.records:
        e = cell_text(cells[e_idx])
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
                sink(f"value is not a number or a fraction like 1/3. Got {quote_cell(raw)} "
                     "instead.", **where)
                continue
            if math.isnan(x):
                continue
            value = decode_wide(x, encoding)
            if isinstance(value, str):
                sink(f"{value} under encoding={encoding!r}. Got {quote_cell(raw)} instead.",
                     **where)
                continue
            out.append((e, v_node, a, b, value, grid.file, grid.sheet, r))
    return out


def read_judgments_into(path: Any, sink: Sink, *, layout: str, hierarchy: Any,
                         sheet: str | None, node: str | None, encoding: str | None,
                         ignore_columns: Sequence[str],
                         attributes: Sequence[str] | None = None,
                         id_column: str | None = None, delimiter: str | None = None,
                         decimal: str | None = None) -> pd.DataFrame:
    layout = check_method("layout", layout, JUDGMENT_LAYOUTS)
    csv = {"delimiter": delimiter, "decimal": decimal}
    if layout == "ahpsurvey":
        if encoding is None:
            raise ValueError("`encoding` is required with layout='ahpsurvey' (ahpsurvey's "
                             "negconvert = TRUE is 'signed_left_negative', FALSE 'signed'; "
                             f"reciprocal = FALSE 'ratio'): one of {WIDE_ENCODINGS}. Got None "
                             "instead.")
        encoding = check_method("encoding", encoding, WIDE_ENCODINGS)
        if node is None:
            if hierarchy is None:
                raise ValueError("layout='ahpsurvey' needs `node` (the node whose children "
                                 "the attributes are) or a `hierarchy`; got neither.")
            node = hierarchy.root
        if attributes is None:
            if hierarchy is None:
                raise ValueError("layout='ahpsurvey' needs `attributes` (ahpsurvey's atts, in "
                                 "order) or a `hierarchy`; got neither.")
            attributes = hierarchy.children(node)
        return read_ahpsurvey_into(path, sink, attributes=attributes, encoding=encoding,
                                   node=node, columns=None, id_column=id_column,
                                   keep_columns=(), ignore_columns=ignore_columns, sheet=sheet,
                                   **csv)
    if attributes is not None or id_column is not None:
        raise ValueError("`attributes` and `id_column` apply to layout='ahpsurvey' only. Got "
                         f"them with layout={layout!r} instead.")
    if layout == "wide":
        if encoding is None:
            raise ValueError("`encoding` is required with layout='wide' (it is declared, never "
                             f"guessed): one of {WIDE_ENCODINGS}. Got None instead.")
        encoding = check_method("encoding", encoding, WIDE_ENCODINGS)
    elif encoding is not None:
        raise ValueError(f"`encoding` applies to layout='wide' only. Got {encoding!r} with "
                         f"layout={layout!r} instead.")
    if node is not None and layout != "wide":
        raise ValueError(f"`node` applies to layout='wide' only. Got node={node!r} instead.")
    grids = read_grids(path, sheet, sink, what="judgments", all_sheets=layout == "matrix",
                       **csv)
    records: list[Record] = []
    for grid in grids:
        if layout == "long":
            records += _read_long(grid, sink, hierarchy)
        elif layout == "matrix":
            records += _read_matrix(grid, sink, per_sheet=grid.sheet is not None)
        else:
            records += _read_wide(grid, sink, encoding=encoding or "", node=node,
                                  hierarchy=hierarchy, ignore=ignore_columns)
    if layout == "matrix" and grids and all(g.sheet is not None for g in grids) and not any(
            not is_blank(r) for g in grids for r in g.rows):
        sink("the judgments workbook is empty. Got no rows instead.", file=grids[0].file)
    return judgments_frame(_drop_mirrors(records))


def _drop_mirrors(records: list[Record]) -> list[Record]:
    """Leave out a judgment that repeats an earlier one of the same expert and node in the
    other triangle with the reciprocal value (``a-b = 3`` then ``b-a = 1/3``, as an export of
    a full matrix writes it): one judgment, not two. Any other repeat is kept, for
    :func:`validate_judgments` to report as a duplicate or a contradiction.
    """
    first: dict[tuple[str, str, str, str], Record] = {}
    out = []
    for rec in records:
        e, v, a, b, x = rec[:5]
        key = (e, v, b, a)
        prev = first.get(key)
        if (prev is not None and x > 0 and prev[4] > 0 and math.isfinite(x * prev[4])
                and abs(math.log(x * prev[4])) <= RECIPROCAL_LOGTOL):
            first.pop(key)  # a third copy is a duplicate again
            continue
        first.setdefault((e, v, a, b), rec)
        out.append(rec)
    return out


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
    attributes: Sequence[str] | None = None,
    id_column: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
) -> pd.DataFrame:
    """Read pairwise judgments into the canonical long DataFrame, validating them.

    Parameters
    ----------
    path : str, path-like or text stream
        A ``.csv`` (UTF-8) or ``.xlsx`` file; a stream is read as CSV.
    layout : {"long", "matrix", "wide", "ahpsurvey"}
        File layout (see the module docstring; ``"ahpsurvey"``: :func:`read_ahpsurvey`).
    hierarchy : Hierarchy, optional
        When given, nodes and elements are checked against it (unknown node, a leaf, an
        element that is not a child of the node) and, in the wide layout, pair names with
        ``_`` inside ids are split by it.
    sheet : str, optional
        Worksheet of an ``.xlsx`` file (default: the first; for ``"matrix"`` every sheet).
    scale : {"saaty"}, optional
        Also require values on Saaty's scale, 1..9 and reciprocals, as
        :mod:`ahpstat.scales` defines it (``0.333`` and ``0.14`` count as 1/3 and 1/7);
        such values are read as the scale point itself.
    node : str, optional
        Wide layout: the node of every pair column, which is then named just ``A_B``.
    encoding : {"signed", "signed_left_negative", "ratio"}
        Wide and ahpsurvey layouts, required: how the cells encode a judgment.
    ignore_columns : sequence of str
        Wide and ahpsurvey layouts: columns that are not pairs (names, timestamps, ...).
    attributes : sequence of str, optional
        ahpsurvey layout: the attributes in ahpsurvey's order (default: the children of
        ``node`` in ``hierarchy``).
    id_column : str, optional
        ahpsurvey layout: the respondent id column (default: the row number).
    delimiter : {",", ";", "tab", "|"}, optional
        Field separator of a CSV file (default: sniffed from the header line).
    decimal : {".", ","}, optional
        Decimal mark of a CSV file (default: a comma in a semicolon-separated file, else a
        point): ``delimiter=";", decimal=","`` reads ``E1;G;A;B;0,5`` as 0.5.

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
    scale = check_scale(scale)
    sink = Sink("raise")
    df = read_judgments_into(path, sink, layout=layout, hierarchy=hierarchy, sheet=sheet,
                              node=node, encoding=encoding, ignore_columns=ignore_columns,
                              attributes=attributes, id_column=id_column,
                              delimiter=delimiter, decimal=decimal)
    validate_judgments(df, hierarchy, scale=scale, errors="raise")
    if scale == "saaty":
        df["value"] = snap_to_saaty(df["value"].to_numpy(dtype=float))
    return df
