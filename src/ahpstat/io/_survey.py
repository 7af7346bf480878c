"""Survey answers: one row per respondent, one column per item, on a declared Likert range."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import check_likert, suggest
from ahpstat.io._cells import cell_text, parse_value, quote_cell
from ahpstat.io._grids import Sink, check_csv_format, read_grids, read_table, show_columns

__all__ = [
    "read_survey",
    "read_survey_into",
]


def read_survey_into(path: Any, sink: Sink, *, id_column: str,
                      items: Mapping[str, str] | Sequence[str], group_columns: Sequence[str],
                      likert: tuple[int, int], sheet: str | None,
                      delimiter: str | None = None,
                      decimal: str | None = None) -> pd.DataFrame | None:
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
    delimiter, decimal = check_csv_format(delimiter, decimal)
    if sheet is None and not hasattr(path, "read"):
        fast = _fast_csv(path, id_column, item_map, groups, lo, hi, delimiter, decimal)
        if fast is not None:
            return fast
    grids = read_grids(path, sheet, sink, what="survey", delimiter=delimiter, decimal=decimal)
    if not grids:
        return None
    grid = grids[0]
    table = read_table(grid, sink, what="survey", lower=False)
    if table is None:
        return None
    cols = table.columns
    found = [c for c in cols if c]
    ok = True
    if id_column not in cols:
        sink(f"the survey lacks the id column {id_column!r}.{suggest(id_column, found)} Got "
             f"the columns {show_columns(found)} instead.",
             **grid.where(table.header_row, column=id_column))
        ok = False
    missing_items = [c for c in item_map.values() if c not in cols]
    if missing_items:
        hint = suggest(missing_items[0], found)
        sink(f"the survey lacks {len(missing_items)} item column(s): "
             f"{', '.join(missing_items)}.{hint} Got the columns {show_columns(found)} "
             "instead.",
             **grid.where(table.header_row))
        ok = False
    unknown_groups = [g for g in groups if g not in cols]
    if unknown_groups:
        sink(f"the survey has no group column(s) {', '.join(unknown_groups)}."
             f"{suggest(unknown_groups[0], found)} Got the columns {show_columns(found)} "
             "instead.",
             **grid.where(table.header_row))
        ok = False
    if not ok:
        return None
    nrec = len(table.records)
    rownums = [r for r, _ in table.records]
    icol = cols.index(id_column)
    ids = [cell_text(cells[icol]) for _, cells in table.records]
    keep = np.ones(nrec, dtype=bool)
    first: dict[str, int] = {}
    for k, (r, rid) in enumerate(zip(rownums, ids, strict=True)):
        if rid == "":
            sink(f"the respondent id ({id_column!r}) is blank. Got an empty cell instead.",
                 **grid.where(r, column=id_column))
            keep[k] = False
        elif not rid.isprintable():
            sink(f"the respondent id {rid!r} holds a control character (a damaged file?). "
                 "Got a non-printable character instead.", **grid.where(r, column=id_column))
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
        vals = [cell_text(cells[j]) for _, cells in table.records]
        for k in np.flatnonzero([v == "" for v in vals]).tolist():
            sink(f"the group cell is blank (respondent {ids[k]!r}). Got an empty cell instead.",
                 **grid.where(rownums[k], column=g))
        for k in np.flatnonzero([not v.isprintable() for v in vals]).tolist():
            sink(f"the group {vals[k]!r} holds a control character (a damaged file?). Got a "
                 "non-printable character instead.", **grid.where(rownums[k], column=g))
        group_data[g] = vals
    answers: dict[str, np.ndarray] = {}
    for leaf, c in item_map.items():
        j = cols.index(c)
        cells = [cells[j] for _, cells in table.records]
        col = np.empty(nrec)
        for k, x in enumerate(cells):
            v = parse_value(x) if not isinstance(x, int | float) or isinstance(x, bool) else x
            if v is None or ("/" in cell_text(x) and not np.isnan(v)):  # n/a is missing
                sink(f"the answer is not a number. Got {quote_cell(x)} instead.",
                     **grid.where(rownums[k], column=c))
                col[k] = np.nan
            else:
                col[k] = float(v)
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(col) & ((col < lo) | (col > hi) | (col != np.round(col)))
        for k in np.flatnonzero(bad).tolist():
            sink(f"the answer must be an integer in {lo}..{hi} (the declared Likert range). "
                 f"Got {quote_cell(cells[k])} instead.", **grid.where(rownums[k], column=c))
        col[bad] = np.nan
        if np.isnan(col[keep]).all() and not bad.any():
            sink(f"nobody answered item {c!r}: all {int(keep.sum())} cells are blank, so its "
                 "mean, and every score above it, cannot be computed. Remove the item from "
                 "the hierarchy or add its answers. Got no answer instead.",
                 **grid.where(table.header_row, column=c))
        answers[leaf] = col
    index = pd.Index([ids[k] for k in range(nrec)], name=id_column, dtype=object)
    data: dict[str, Any] = {g: pd.Series(group_data[g], index=index, dtype=object)
                            for g in groups}
    for leaf, col in answers.items():
        data[leaf] = pd.Series(col, index=index, dtype=float)
    df = pd.DataFrame(data, index=index)
    df = df.loc[keep]
    df.attrs.update(source_file=grid.file, source_sheet=grid.sheet,
                    source_rows=SourceRows(np.array([ids[k] for k in np.flatnonzero(keep)],
                                                    dtype=object),
                                           np.asarray(rownums)[keep]),
                    likert=(lo, hi), items=dict(item_map))
    return df


_NA_TEXTS = ["", "na", "NA", "Na", "n/a", "N/A", "N/a", "nan", "NaN", "NAN", "Nan", "#n/a",
             "#N/A"]
#: rows per chunk of the fast CSV reader (its temporaries are a few chunks' worth)
_CHUNK_ROWS = 1 << 16


class SourceRows(Mapping[str, int]):
    """Respondent id -> row of the file, without a dict of a million entries.

    pandas deep-copies ``DataFrame.attrs`` at every operation; a plain dict of 10^6 ids made
    each copy cost a second. This mapping is immutable, so a deep copy is itself.
    """

    def __init__(self, ids: np.ndarray, rows: np.ndarray | None = None) -> None:
        self._ids = ids
        self._rows = rows  # None: consecutive rows from 2 (a header, no gaps)
        self._pos: dict[str, int] | None = None

    def _lookup(self) -> dict[str, int]:
        if self._pos is None:
            self._pos = {str(r): k for k, r in enumerate(self._ids)}
        return self._pos

    def __getitem__(self, key: str) -> int:
        k = self._lookup()[key]
        return int(self._rows[k]) if self._rows is not None else k + 2

    def __iter__(self) -> Iterator[str]:
        return (str(r) for r in self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __deepcopy__(self, memo: dict[int, Any]) -> SourceRows:
        return self

    def __copy__(self) -> SourceRows:
        return self

    def __repr__(self) -> str:
        return f"SourceRows({len(self)} respondents)"


def _plain_text(col: pd.Series) -> bool:
    """Every (non-empty) text of ``col`` printable, NFKC-normalised and stripped.

    Printable ASCII is all three when no text starts or ends with a space (ASCII is unchanged
    by every Unicode normalisation, and a space is its only printable whitespace): checked
    on the texts joined into one string, without a Python call per text (a 10^5-row
    survey's ids took about a second through ``str.normalize``). Other texts are checked one
    by one.
    """
    vals = col.to_numpy(dtype=object)
    joined = "".join(vals)
    if joined.isascii():
        return joined.isprintable() and not any(v[0] == " " or v[-1] == " " for v in vals)
    return bool(col.map(str.isprintable).all()
                and not (col.str.normalize("NFKC").str.strip() != col).any())


def _fast_csv(path: Any, id_column: str, item_map: Mapping[str, str], groups: Sequence[str],
              lo: int, hi: int, delimiter: str | None = None,
              decimal: str | None = None) -> pd.DataFrame | None:
    """A valid, plain CSV survey read by pandas' C parser in chunks with explicit dtypes,
    straight into the answers' final array: the same frame as the general reader, whose
    memory is the answers (8 bytes each) and the ids, plus a few chunks (a 10^6-row survey
    would otherwise be held as 57 million Python strings). The delimiter and decimal mark are
    those of the general reader (given, or sniffed: :func:`~ahpstat.io._grids.csv_format`).
    Anything unusual -- not UTF-8, blank lines, a last line without a break, text to
    normalise, an answer that is not an integer in range, a blank or repeated id, an item
    nobody answered -- returns
    None, and the general reader then reads the file and names every problem.
    """
    from pathlib import Path

    from ahpstat.io._grids import csv_format

    p = Path(path)
    if not p.is_file() or p.suffix.lower() not in (".csv", ".txt"):
        return None
    try:
        with open(p, "rb") as fh:
            head = fh.read(1 << 16)
            n_lines = head.count(b"\n")
            last = head[-1:]
            for block in iter(lambda: fh.read(1 << 22), b""):
                n_lines += block.count(b"\n")
                last = block[-1:]
        if last != b"\n" or b"\r" in head.replace(b"\r\n", b"") or b'"' in head:
            return None
        sep, dec = csv_format(head.decode("utf-8-sig"), p.suffix.lower(), delimiter, decimal)
        header = pd.read_csv(p, nrows=0, sep=sep, encoding="utf-8-sig").columns.tolist()
        items = list(item_map.values())
        wanted = [id_column, *groups, *items]
        if (len(set(header)) != len(header) or any(c not in header for c in wanted)
                or any(not isinstance(c, str) or c != c.strip() for c in header)):
            return None
        dtype: dict[str, Any] = {id_column: str, **{g: str for g in groups},
                                 **{c: "float64" for c in items}}
        n = n_lines - 1
        # pandas' layout of a float block: one row per column, so the frame is a view of it
        values = np.empty((len(items), n))
        ids = np.empty(n, dtype=object)
        gvals = {g: np.empty(n, dtype=object) for g in groups}
        shared: dict[str, dict[str, str]] = {g: {} for g in groups}  # one str per group name
        answered = np.zeros(len(items), dtype=bool)
        done = 0
        with pd.read_csv(p, usecols=wanted, dtype=dtype, encoding="utf-8-sig", sep=sep,
                         decimal=dec,
                         keep_default_na=False, na_values={c: _NA_TEXTS for c in items},
                         skip_blank_lines=False, engine="c", chunksize=_CHUNK_ROWS) as reader:
            for chunk in reader:
                m = len(chunk)
                if done + m > n:
                    return None
                for c in (id_column, *groups):
                    col = chunk[c]
                    if col.isna().any() or (col == "").any() or not _plain_text(col):
                        return None
                X = chunk[items].to_numpy(dtype=float)
                with np.errstate(invalid="ignore"):
                    ok = np.isnan(X) | ((X >= lo) & (X <= hi) & (X == np.round(X)))
                if not ok.all():
                    return None
                answered |= ~np.isnan(X).all(axis=0)
                values[:, done:done + m] = X.T
                ids[done:done + m] = chunk[id_column].to_numpy(dtype=object)
                for g in groups:
                    seen = shared[g]
                    gvals[g][done:done + m] = [seen.setdefault(v, v)
                                               for v in chunk[g].to_numpy(dtype=object)]
                done += m
                del chunk, X, ok
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError):
        return None
    # blank lines or line breaks in cells: the general reader
    if done != n or not answered.all():
        return None
    index = pd.Index(ids, name=id_column, dtype=object, copy=False)
    if index.has_duplicates:
        return None
    answers = pd.DataFrame(values.T, index=index, columns=list(item_map), copy=False)
    out = pd.concat([pd.DataFrame({g: pd.Series(gvals[g], index=index, dtype=object)
                                   for g in groups}), answers],
                    axis=1) if groups else answers
    out.attrs.update(source_file=str(path), source_sheet=None, source_rows=SourceRows(ids),
                     likert=(lo, hi), items=dict(item_map))
    return out


def read_survey(
    path: str | os.PathLike | Any,
    *,
    id_column: str,
    items: Mapping[str, str] | Sequence[str],
    group_columns: Sequence[str] = (),
    likert: tuple[int, int] = (1, 5),
    sheet: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
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
    delimiter : {",", ";", "tab", "|"}, optional
        Field separator of a CSV file (default: sniffed from the header line).
    decimal : {".", ","}, optional
        Decimal mark of a CSV file (default: a comma in a semicolon-separated file, else a
        point).

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
    sink = Sink("raise")
    df = read_survey_into(path, sink, id_column=id_column, items=items,
                           group_columns=group_columns, likert=likert, sheet=sheet,
                           delimiter=delimiter, decimal=decimal)
    assert df is not None  # every failure raised
    return df
