"""The one validation of judgments (canonical long form), read from a file or built in memory."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import InputError, check_scale, suggest
from ahpstat.io._cells import (
    RECIPROCAL_LOGTOL,
    cell_texts,
    fmt_ratio,
    parse_value,
    show_value,
)
from ahpstat.io._grids import Sink
from ahpstat.scales import on_saaty_scale

__all__ = [
    "JUDGMENT_COLUMNS",
    "SOURCE_COLUMNS",
    "placement_problems",
    "validate_judgments",
]

#: Columns of the canonical long form of judgments.
JUDGMENT_COLUMNS: tuple[str, ...] = ("expert", "node", "row", "col", "value")
#: Provenance columns the readers add (file, sheet, 1-based spreadsheet row).
SOURCE_COLUMNS: tuple[str, ...] = ("source_file", "source_sheet", "source_row")


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
    sink = Sink(errors)
    scale = check_scale(scale)
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
    srows: list[Any] = judgments["source_row"].tolist() if has_src else [None] * n
    text: dict[str, list[Any]] = {
        c: [None if null else t for null, t in zip(judgments[c].isna().tolist(),
                                                   cell_texts(judgments[c]),
                                                   strict=True)]
        for c in ("expert", "node", "row", "col")}
    E, V, R, C = text["expert"], text["node"], text["row"], text["col"]

    def loc(i: int) -> dict[str, Any]:
        f = None if _is_null(files[i]) else str(files[i])
        s = None if _is_null(sheets[i]) else str(sheets[i])
        r = None if _is_null(srows[i]) else int(srows[i])
        return {"file": f, "sheet": s, "row": r, "expert": E[i] or None, "node": V[i] or None}

    def at(i: int) -> str:
        return "" if has_src and not _is_null(srows[i]) else f"frame row {i}: "

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
        for i in np.flatnonzero([v is None or v == "" for v in vals]).tolist():
            add(int(i), 0, f"the `{c}` cell is blank. Got an empty cell instead.")
            usable[i] = False
    with np.errstate(invalid="ignore"):
        bad = usable & ~(np.isfinite(values) & (values > 0))
    for i in np.flatnonzero(bad).tolist():
        add(int(i), 2, f"value must be positive and finite. Got {show_value(raw_values[i])} "
            "instead.")
    usable &= ~bad
    if scale == "saaty":
        off = usable & ~on_saaty_scale(np.where(usable, values, 1.0))
        for i in np.flatnonzero(off).tolist():
            add(int(i), 3, "value is not on Saaty's scale (1..9 or 1/2..1/9). Got "
                f"{show_value(raw_values[i])} instead.")
    same = [usable[i] and R[i] == C[i] for i in range(n)]
    for i in np.flatnonzero(same).tolist():
        add(int(i), 4, f"row and col are both {R[i]!r}: an element is not compared with "
            "itself. Got row == col instead.")
        usable[i] = False
    if hierarchy is not None:
        for i in np.flatnonzero(usable).tolist():
            i = int(i)
            for order, message in placement_problems(V[i], R[i], C[i], hierarchy):
                add(i, order, message)
                usable[i] = False
    # duplicates and contradictions: same expert, node and unordered pair
    first: dict[tuple[str, str, str, str], int] = {}
    for i in np.flatnonzero(usable).tolist():
        i = int(i)
        a, b = (R[i], C[i]) if R[i] < C[i] else (C[i], R[i])
        key = (E[i], V[i], a, b)
        j = first.get(key)
        if j is None:
            first[key] = i
            continue
        vj = values[j]
        vi = values[i] if R[i] == R[j] else 1 / values[i]
        there = f"row {srows[j]}" if has_src and not _is_null(srows[j]) else f"frame row {j}"
        if abs(math.log(vi / vj)) <= RECIPROCAL_LOGTOL:
            add(i, 7, f"duplicate judgment of {R[i]!r} vs {C[i]!r}: already given at {there} "
                f"({R[j]}-{C[j]} = {fmt_ratio(vj)}); judgments are never averaged, keep one. Got "
                f"{R[i]}-{C[i]} = {fmt_ratio(values[i])} again instead.")
        else:
            add(i, 7, f"judgment {R[i]}-{C[i]} = {fmt_ratio(values[i])} contradicts {there} "
                f"({R[j]}-{C[j]} = {fmt_ratio(vj)}, which implies {R[i]}-{C[i]} = "
                f"{fmt_ratio(1 / vj if R[i] != R[j] else vj)}); keep one. Got a contradiction "
                "instead.")
    found.sort(key=lambda t: (t[0], t[1]))
    for _, _, err in found:
        sink.add(err)
    if hierarchy is not None:
        judged = {V[i] for i in range(n) if usable[i]}
        file_names = {str(f) for f in files if not _is_null(f)}
        f = file_names.pop() if len(file_names) == 1 else None
        for v in hierarchy.internal:
            kids = hierarchy.children(v)
            if len(kids) >= 2 and v not in judged and not any(V[i] == v for i in range(n)):
                sink(f"no expert judged node {v!r} (children {', '.join(kids)}): its weights "
                     "cannot be computed. Got no judgments instead.", file=f, node=v)
    return sink.problems


def placement_problems(node: str, row: str, col: str, hierarchy: Any) -> list[tuple[int, str]]:
    """What is wrong with judging ``row`` against ``col`` at ``node`` of ``hierarchy``, as
    ``(order, message)`` pairs (empty when the judgment is well placed).

    Examples
    --------
    >>> from ahpstat.hierarchy import Hierarchy
    >>> h = Hierarchy.from_dict({"id": "A", "children": [{"id": "x"}, {"id": "y"}]})
    >>> placement_problems("A", "x", "z", h)[0][1][:32]
    "col 'z' is not a child of node '"
    """
    if node in hierarchy:
        kids = hierarchy.children(node)
        if row in kids and col in kids:
            return []
    else:
        return [(5, f"node {node!r} is not in the hierarchy.{suggest(node, hierarchy.nodes)}"
                    f" Got {node!r} instead.")]
    if not kids:
        return [(5, f"node {node!r} is a leaf (a survey item); only nodes with children are "
                    f"judged. Got a judgment at leaf {node!r} instead.")]
    return [(6, f"{name} {el!r} is not a child of node {node!r}; its children are "
                f"{', '.join(kids)}.{suggest(el, kids)} Got {el!r} instead.")
            for name, el in (("row", row), ("col", col)) if el not in kids]


def _is_null(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False
