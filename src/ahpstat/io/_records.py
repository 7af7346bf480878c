"""What every judgment layout reader shares: a judgment as a record (value and source cell),
the records as the canonical long frame, and the wide layouts' number encodings.
"""

from __future__ import annotations

import math

import pandas as pd

from ahpstat.io._validate import JUDGMENT_COLUMNS, SOURCE_COLUMNS

__all__ = ["WIDE_ENCODINGS", "Record", "decode_wide", "judgments_frame"]

#: how a wide layout's number encodes a judgment of A over B
WIDE_ENCODINGS = ("signed", "signed_left_negative", "ratio")
#: one judgment: expert, node, row, col, value, source file, sheet and row
Record = tuple[str, str, str, str, float, str | None, str | None, int | None]


def judgments_frame(records: list[Record]) -> pd.DataFrame:
    """The canonical long judgments (with their source columns) of records."""
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


def decode_wide(x: float, encoding: str) -> float | str:
    """One wide-layout cell (a number) as the value of A over B, or the reason it is none.

    Examples
    --------
    >>> decode_wide(-3.0, "signed"), decode_wide(-3.0, "signed_left_negative")
    (0.3333333333333333, 3.0)
    >>> decode_wide(0.0, "signed")
    '0 is not a judgment (use 1 for equal)'
    """
    if encoding == "ratio":
        return x
    if not math.isfinite(x) or x == 0 or abs(x) < 1:
        return "0 is not a judgment (use 1 for equal)" if x == 0 else \
            "a signed judgment is 1..9 or -9..-1"
    left = x > 0 if encoding == "signed" else x < 0
    return abs(x) if left else 1 / abs(x)
