"""Cells: one spreadsheet or CSV cell as text or as a judgment / answer value."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "MISSING_TEXTS",
    "RECIPROCAL_LOGTOL",
    "cell_text",
    "cell_texts",
    "excel_column",
    "fmt_ratio",
    "is_blank",
    "parse_value",
    "quote_cell",
    "show_value",
]


MISSING_TEXTS = frozenset({"", "na", "n/a", "nan", "#n/a"})
#: tolerance (in log space) for a decimal reciprocal: 0.33, 0.333, 0.14 are 1/3, 1/3, 1/7
RECIPROCAL_LOGTOL = 0.045


def cell_text(v: Any) -> str:
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


#: value kinds (``pandas.api.types.infer_dtype``) whose equal values read as the same text,
#: so that a column can be converted one distinct value at a time (not ``mixed-integer``:
#: ``True == 1`` reads ``'True'`` and ``'1'``; not ``mixed``: anything may compare equal)
_TEXT_EXACT_KINDS = frozenset({"string", "integer", "floating", "mixed-integer-float",
                               "boolean", "empty"})


def cell_texts(values: Any) -> list[str]:
    """:func:`cell_text` of every value of a column (a sequence or Series), each distinct
    value converted once.

    A judgment or survey column repeats a few labels over thousands of rows: the column is
    factorised (``pandas.factorize``) when equal values must read alike -- text, or a typed
    column of numbers or booleans -- and converted cell by cell otherwise (an object column
    may hold ``True``, ``1`` and ``numpy.float32(1.0)``, equal but read differently).

    Examples
    --------
    >>> cell_texts([" E1", "E1 ", "E2"])
    ['E1', 'E1', 'E2']
    >>> cell_texts([2.0, 2, 2.5, float("nan")]), cell_texts([True, 1, None])
    (['2', '2', '2.5', ''], ['True', '1', ''])
    """
    import pandas as pd

    col = values if isinstance(values, pd.Series) else pd.Series(
        np.asarray(list(values), dtype=object), dtype=object)
    kind = pd.api.types.infer_dtype(col, skipna=False)
    # an object column of numbers may mix Python and numpy scalars that compare equal and
    # read differently (``2.0`` and ``numpy.float32(2.0)``): only text is safe there
    if kind not in _TEXT_EXACT_KINDS or (col.dtype == object and kind not in ("string",
                                                                                "empty")):
        return [cell_text(v) for v in col.tolist()]
    codes, uniques = pd.factorize(col, use_na_sentinel=False)
    texts = np.array([cell_text(u) for u in uniques.tolist()], dtype=object)
    return list(texts[codes])


def quote_cell(v: Any) -> str:
    """A cell quoted for a message: its text, clipped to a short excerpt.

    Examples
    --------
    >>> quote_cell(" three "), quote_cell("x" * 100)[-3:]
    ("'three'", "x…'")
    """
    from ahpstat._text import clip_excerpt

    return repr(clip_excerpt(cell_text(v)))


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
    s = cell_text(v)
    if s.lower() in MISSING_TEXTS:
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


def show_value(x: Any) -> str:
    if isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool):
        return fmt_ratio(float(x))
    return repr(x)


def fmt_ratio(v: float) -> str:
    if math.isfinite(v) and v > 0 and v < 1 and abs(1 / v - round(1 / v)) < 1e-9:
        return f"1/{round(1 / v)}"
    return f"{v:g}"


def excel_column(j: int) -> str:
    """1-based column number -> spreadsheet letters (1 -> 'A')."""
    s = ""
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def is_blank(cells: Sequence[Any]) -> bool:
    return all(cell_text(c) == "" for c in cells)
