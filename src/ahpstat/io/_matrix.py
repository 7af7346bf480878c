"""One pairwise-comparison matrix from a CSV file (the ``ahpstat weights`` command)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ahpstat._validation import InputError
from ahpstat.io._cells import cell_text, is_blank, parse_value
from ahpstat.io._grids import Sink, read_grids

__all__ = ["read_matrix_csv"]


def read_matrix_csv(path: str | os.PathLike) -> tuple[list[str], np.ndarray]:
    """Read one pairwise-comparison matrix from CSV.

    The file holds a square block of numbers such as ``3``, ``0.5`` or ``1/3`` (blank or
    ``NA`` = missing judgment), optionally with the element names in the header row and/or
    the first column.

    Parameters
    ----------
    path : str or path-like
        A CSV file (UTF-8, with or without BOM).

    Returns
    -------
    labels : list of str
        The element names (``"1"``, ``"2"``, ... when the file names none).
    matrix : ndarray, shape (n, n)
        The values as written (not validated: :func:`ahpstat.weights` does that).

    Raises
    ------
    InputError
        A missing or empty file, a row of the wrong length or a cell that is not a number,
        naming the file, row and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> _ = p.write_text(",a,b\\na,1,3\\nb,1/3,\\n", encoding="utf-8")
    >>> labels, A = read_matrix_csv(p)
    >>> labels, A.round(3).tolist()
    (['a', 'b'], [[1.0, 3.0], [0.333, nan]])
    """
    f = str(path)
    grids = read_grids(path, None, Sink("raise"), what="matrix")
    rows = [[cell_text(c) for c in r] for r in grids[0].rows if not is_blank(r)]
    if not rows:
        raise InputError("the matrix file is empty. Got no rows instead.", file=f)

    def text(c: Any) -> bool:
        return c != "" and parse_value(c) is None

    header = len(rows[0]) > 1 and all(text(c) for c in rows[0][1:])
    labels = None
    body = rows
    if header:
        labels = list(rows[0][1:])
        body = rows[1:]
    row_labels = bool(body) and all(text(r[0]) for r in body)
    if row_labels:
        labels = labels or [r[0] for r in body]
        body = [r[1:] for r in body]
    n = len(body)
    vals = np.full((n, n), np.nan)
    first = 2 if header else 1
    for i, r in enumerate(body):
        if len(r) != n:
            raise InputError(f"the matrix must be square ({n} x {n}); this row has {len(r)} "
                             f"values. Got {len(r)} instead of {n}.", file=f, row=first + i)
        for j, cell in enumerate(r):
            v = parse_value(cell)
            if v is None:
                col = labels[j] if labels else str(j + 1)
                raise InputError(f"{cell!r} is not a number (use e.g. 3, 0.5 or 1/3). Got "
                                 f"{cell!r} instead.", file=f, row=first + i, column=col)
            vals[i, j] = v
    if header and row_labels and labels is not None and [r[0] for r in rows[1:]] != labels:
        row_names = [r[0] for r in rows[1:]]
        k = next(k for k in range(min(len(labels), len(row_names)))
                 if labels[k] != row_names[k]) if len(labels) == len(row_names) else 0
        raise InputError(f"the element names of the rows and of the columns differ: row "
                         f"{k + 2} is named {row_names[k]!r} but column {k + 2} "
                         f"{labels[k]!r}; the rows must follow the header's order. Got rows "
                         f"{row_names} instead.", file=f, row=k + 2)
    if labels is not None:
        seen: dict[str, int] = {}
        for k, name in enumerate(labels):
            if name in seen:
                raise InputError(f"the element name {name!r} is given twice (elements "
                                 f"{seen[name] + 1} and {k + 1}); each row and column is one "
                                 f"element. Got {name!r} twice instead.", file=f,
                                 row=1 if header else k + 1)
            seen[name] = k
    if labels is None:
        labels = [str(k + 1) for k in range(n)]
    if len(labels) != n:
        raise InputError(f"{len(labels)} element names for a {n} x {n} matrix. Got "
                         f"{len(labels)} names instead of {n}.", file=f, row=1)
    return labels, vals
