"""Small formatting helpers of the report's blocks: plurals, rounded tables, intervals,
figure references.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd


def plural(n: int, one: str, many: str | None = None) -> str:
    """``"1 matrix"``, ``"2 matrices"``.

    Examples
    --------
    >>> plural(1, "matrix", "matrices"), plural(24, "matrix", "matrices")
    ('1 matrix', '24 matrices')
    """
    return f"{n} {one if n == 1 else (many or one + 's')}"


def fmt_table(df: pd.DataFrame, digits: dict[str, int] | int = 4) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            d = digits.get(c, 4) if isinstance(digits, dict) else digits
            out[c] = out[c].map(lambda x, d=d: "" if pd.isna(x) else f"{x:.{d}f}")
        elif pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].map({True: "yes", False: "no"})
        else:
            out[c] = out[c].map(lambda x: "" if x is None or (isinstance(x, float)
                                                                 and pd.isna(x)) else str(x))
    return out


def img(figures: Mapping[str, Any], name: str) -> tuple[str, Any]:
    fig = figures[name]
    return ("img", (fig.image, fig.caption))


def with_ci(est: Any, lo: Any, hi: Any, digits: int = 3) -> list[str]:
    """``"0.246 [0.221, 0.270]"`` cells (the estimate alone without an interval)."""
    out = []
    for e, a, b in zip(est, lo, hi, strict=True):
        cell = f"{e:.{digits}f}"
        if pd.notna(a) and pd.notna(b):
            cell += f" [{a:.{digits}f}, {b:.{digits}f}]"
        out.append(cell)
    return out
