"""ahpsurvey's wide questionnaire format (Cho 2019, the R package ``ahpsurvey``).

One row per respondent, one column per pair of attributes named ``<A>_<B>`` (``cult_fam``)
for the attributes in their order ``atts`` (``A_B, A_C, ..., B_C, ...``), no id column
(respondent = row number), cells coded on the signed Saaty scale:

- ``negconvert = FALSE`` (ahpsurvey's default; ``encoding="signed"``): ``+3`` means A is 3
  times as important as B, ``-3`` that B is 3 times as important as A;
- ``negconvert = TRUE`` (``encoding="signed_left_negative"``): the sign flipped, as in a
  questionnaire where ticking towards the left attribute is coded negative (ahpsurvey's
  ``city200`` data);
- ``reciprocal = FALSE`` (``encoding="ratio"``): the cells already hold A over B (1/3, 3).

``1`` and ``-1`` both mean "equally important"; ``0`` and values between -1 and 1 are errors
under the signed encodings; a blank or ``NA`` cell is a missing judgment. ahpsurvey matches
columns to pairs by position (``ahp.mat``) or by ``col``; ahpstat matches them by name
(``A_B``, or ``B_A`` holding B over A) unless ``columns`` lists them in ahpsurvey's order.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ahpstat._validation import check_scale, suggest
from ahpstat.io._cells import cell_text, parse_value, quote_cell
from ahpstat.io._grids import Grid, Sink, read_grids, read_table
from ahpstat.io._records import WIDE_ENCODINGS, Record, decode_wide, judgments_frame
from ahpstat.io._validate import validate_judgments

__all__ = ["ahpsurvey_encoding", "read_ahpsurvey", "read_ahpsurvey_into"]


def ahpsurvey_encoding(negconvert: bool | None, reciprocal: bool | None,
                       encoding: str | None) -> str:
    """Ahpsurvey's ``negconvert`` / ``reciprocal`` as an ahpstat wide ``encoding``.

    Examples
    --------
    >>> ahpsurvey_encoding(True, None, None), ahpsurvey_encoding(None, False, None)
    ('signed_left_negative', 'ratio')
    """
    from_flags = None
    if negconvert is not None or reciprocal is not None:
        neg = bool(negconvert)
        rec = True if reciprocal is None else bool(reciprocal)
        if neg and not rec:
            raise ValueError("ahpsurvey forbids `reciprocal=False` with `negconvert=True` (the "
                             "cells would already be ratios). Got both instead.")
        from_flags = "ratio" if not rec else ("signed_left_negative" if neg else "signed")
    if encoding is not None:
        if encoding not in WIDE_ENCODINGS:
            raise ValueError(f"`encoding` must be one of {WIDE_ENCODINGS}; got {encoding!r} "
                             "instead.")
        if from_flags is not None and from_flags != encoding:
            raise ValueError(f"`encoding={encoding!r}` contradicts negconvert={negconvert!r}, "
                             f"reciprocal={reciprocal!r} ({from_flags!r}). Give one of them.")
        return encoding
    if from_flags is None:
        raise ValueError("declare how the cells are coded: `negconvert=True` (negative = the "
                         "left attribute is preferred, as ahpsurvey's city200), "
                         "`negconvert=False` (positive = left preferred) or "
                         "`reciprocal=False` (ratios); or `encoding=`. It is never guessed. "
                         "Got none of them instead.")
    return from_flags


def _pairs(attributes: Sequence[str]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(attributes) for b in attributes[i + 1:]]


def read_ahpsurvey_into(
    source: Any, sink: Sink, *, attributes: Sequence[str], encoding: str, node: str,
    columns: Sequence[str] | None, id_column: str | None, keep_columns: Sequence[str],
    ignore_columns: Sequence[str], sheet: str | None, delimiter: str | None = None,
    decimal: str | None = None,
) -> pd.DataFrame:
    """The reader behind :func:`read_ahpsurvey` (problems go to ``sink``)."""
    atts = [str(a) for a in attributes]
    if len(atts) < 2 or len(set(atts)) != len(atts):
        raise ValueError(f"`attributes` must list two or more distinct attributes in "
                         f"ahpsurvey's order; got {atts} instead.")
    pairs = _pairs(atts)
    if isinstance(source, pd.DataFrame):
        body = source.astype(object).where(source.notna(), None).values.tolist()
        grid = Grid("<DataFrame>", None, [list(map(str, source.columns)), *body])
        grids = [grid]
    else:
        grids = read_grids(source, sheet, sink, what="ahpsurvey judgments",
                           delimiter=delimiter, decimal=decimal)
    records: list[Record] = []
    kept: list[dict[str, Any]] = []
    for grid in grids:
        table = read_table(grid, sink, what="ahpsurvey judgments", lower=False)
        if table is None:
            continue
        names = table.columns
        where0 = grid.where(table.header_row)
        # pair -> (column index, orientation)
        plan: list[tuple[int, str, str, bool]] = []
        if columns is not None:
            cols = [str(c) for c in columns]
            if len(cols) != len(pairs):
                raise ValueError(f"`columns` must list the {len(pairs)} pair columns in "
                                 f"ahpsurvey's order ({pairs[0][0]}_{pairs[0][1]}, ...); got "
                                 f"{len(cols)} instead.")
            for c, (a, b) in zip(cols, pairs, strict=True):
                if c not in names:
                    sink(f"the file has no column {c!r} (listed in `columns` for the pair "
                         f"{a}_{b}).{suggest(c, names)} Got the columns "
                         f"{[n for n in names if n]} instead.", **where0, column=c)
                    return judgments_frame([])
                plan.append((names.index(c), a, b, False))
        else:
            for a, b in pairs:
                fwd, rev = f"{a}_{b}", f"{b}_{a}"
                if fwd in names:
                    plan.append((names.index(fwd), a, b, False))
                elif rev in names:
                    plan.append((names.index(rev), a, b, True))
                else:
                    sink(f"no column for the pair {fwd} (nor {rev}); ahpsurvey names the "
                         f"columns <A>_<B> for the attributes {atts} in order.{suggest(fwd, names)}"
                         f" Got the columns {[n for n in names if n]} instead.", **where0,
                         column=fwd)
                    return judgments_frame([])
        used = {j for j, *_ in plan}
        id_j = None
        if id_column is not None:
            if id_column not in names:
                sink(f"the file has no id column {id_column!r}.{suggest(id_column, names)} Got "
                     f"the columns {[n for n in names if n]} instead.", **where0,
                     column=id_column)
                return judgments_frame([])
            id_j = names.index(id_column)
            used.add(id_j)
        keep_j = []
        for c in keep_columns:
            if c not in names:
                sink(f"the file has no column {c!r} to keep.{suggest(c, names)} Got the "
                     f"columns {[n for n in names if n]} instead.", **where0, column=c)
                return judgments_frame([])
            keep_j.append((c, names.index(c)))
            used.add(names.index(c))
        stray = [n for j, n in enumerate(names) if n and j not in used and n not in
                 set(ignore_columns)]
        if stray:
            sink(f"the columns {stray} are neither pairs of the attributes {atts} nor listed "
                 "in `id_column`, `keep_columns` or `ignore_columns` (ahpsurvey would stop "
                 f"at them too). Got {len(stray)} unexplained columns instead.", **where0,
                 column=stray[0])
            return judgments_frame([])
        seen: dict[str, int] = {}
        for k, (r, cells) in enumerate(table.records, start=1):
            expert = cell_text(cells[id_j]) if id_j is not None else str(k)
            if expert == "":
                sink("the id cell is blank. Got an empty cell instead.",
                     **grid.where(r, column=id_column))
                continue
            if expert in seen:
                sink(f"respondent {expert!r} has a second row (the first is row "
                     f"{seen[expert]}). Got a duplicate id instead.",
                     **grid.where(r, column=id_column, expert=expert))
                continue
            seen[expert] = r
            kept.append({c: cells[j] for c, j in keep_j} | {"expert": expert})
            for j, a, b, reverse in plan:
                raw = cells[j]
                x = parse_value(raw)
                where = grid.where(r, column=table.raw[j], expert=expert, node=node)
                if x is None:
                    sink(f"value is not a number. Got {quote_cell(raw)} instead.", **where)
                    continue
                if math.isnan(x):
                    continue  # blank / NA: a missing judgment
                value = decode_wide(x, encoding)
                if isinstance(value, str):
                    sink(f"{value} under encoding={encoding!r}. Got {quote_cell(raw)} "
                         "instead.", **where)
                    continue
                if reverse:
                    value = 1.0 / value
                records.append((expert, node, a, b, value, grid.file, grid.sheet, r))
    df = judgments_frame(records)
    if keep_columns and kept:
        extra = pd.DataFrame(kept).drop_duplicates("expert").set_index("expert")
        for c in keep_columns:
            df[c] = df["expert"].map(extra[c]).to_numpy()
    return df


def read_ahpsurvey(
    source: str | os.PathLike | pd.DataFrame | Any,
    *,
    attributes: Sequence[str],
    negconvert: bool | None = None,
    reciprocal: bool | None = None,
    encoding: str | None = None,
    node: str = "goal",
    columns: Sequence[str] | None = None,
    id_column: str | None = None,
    keep_columns: Sequence[str] = (),
    ignore_columns: Sequence[str] = (),
    sheet: str | None = None,
    scale: str | None = None,
) -> pd.DataFrame:
    """Read ahpsurvey's wide questionnaire data into the canonical long judgments.

    Parameters
    ----------
    source : path, text stream or DataFrame
        A CSV (UTF-8) or ``.xlsx`` file, or a DataFrame such as R's ``city200``.
    attributes : sequence of str
        ahpsurvey's ``atts``: the attributes in order; the pairs are ``A_B`` for ``A``
        before ``B``.
    negconvert, reciprocal : bool, optional
        ahpsurvey's coding flags (see the module notes); or give ``encoding``.
    encoding : {"signed", "signed_left_negative", "ratio"}, optional
    node : str, default "goal"
        The node these attributes are the children of.
    columns : sequence of str, optional
        The pair columns in ahpsurvey's order (its ``col`` argument); default: by name.
    id_column : str, optional
        Respondent ids (ahpsurvey's ``ID``); default: the row number (1, 2, ...).
    keep_columns : sequence of str
        Respondent columns carried into the result (e.g. a group column).
    ignore_columns : sequence of str
        Columns that are neither pairs nor kept.
    sheet : str, optional
        Worksheet of an ``.xlsx`` file.
    scale : {"saaty"}, optional
        Also require values on Saaty's 1..9 scale.

    Returns
    -------
    DataFrame
        ``expert, node, row, col, value, source_file, source_sheet, source_row`` plus
        ``keep_columns``, one row per judgment (a blank cell is absent).

    Raises
    ------
    InputError
        A missing pair column, an unexplained column, a cell that is not a number, 0 or a
        value between -1 and 1 under a signed encoding, a duplicate id -- naming the file,
        row, column and respondent.

    Examples
    --------
    >>> import io
    >>> f = io.StringIO("cult_fam,cult_house,fam_house\\n2,-2,-4\\n")
    >>> j = read_ahpsurvey(f, attributes=["cult", "fam", "house"], negconvert=True)
    >>> j[["expert", "row", "col", "value"]]
      expert   row    col  value
    0      1  cult    fam    0.5
    1      1  cult  house    2.0
    2      1   fam  house    4.0
    """
    enc = ahpsurvey_encoding(negconvert, reciprocal, encoding)
    scale = check_scale(scale)
    sink = Sink("raise")
    df = read_ahpsurvey_into(source, sink, attributes=attributes, encoding=enc, node=node,
                             columns=columns, id_column=id_column, keep_columns=keep_columns,
                             ignore_columns=ignore_columns, sheet=sheet)
    validate_judgments(df, None, scale=scale, errors="raise")
    return df

