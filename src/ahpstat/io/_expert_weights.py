"""Expert weights: the file reader, the check against the experts, and the one path to
the normalised weight vector.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat._validation import InputError
from ahpstat.aggregation import normalize_expert_weights
from ahpstat.io._cells import cell_text, parse_value, quote_cell
from ahpstat.io._grids import Sink, read_grids, read_table, require_columns

__all__ = [
    "expert_weight_vector",
    "read_expert_weights",
    "read_expert_weights_into",
    "validate_expert_weights",
]


def read_expert_weights_into(path: Any, sink: Sink, sheet: str | None) -> pd.Series:
    grids = read_grids(path, sheet, sink, what="expert weights")
    out = pd.Series([], dtype=float, name="weight")
    out.index.name = "expert"
    if not grids:
        return out
    grid = grids[0]
    table = read_table(grid, sink, what="expert weights")
    if table is None or not require_columns(table, ("expert", "weight"), sink, "expert weights"):
        return out
    ie, iw = table.index("expert"), table.index("weight")
    experts: list[str] = []
    weights: list[float] = []
    rows: dict[str, int] = {}
    for r, cells in table.records:
        e = cell_text(cells[ie])
        if e == "":
            sink("the `expert` cell is blank. Got an empty cell instead.",
                 **grid.where(r, column=table.raw[ie]))
            continue
        w = parse_value(cells[iw])
        where = grid.where(r, column=table.raw[iw], expert=e)
        if w is None or math.isnan(w):
            sink(f"the weight is not a number. Got {quote_cell(cells[iw])} instead.", **where)
            continue
        if not (math.isfinite(w) and w > 0):
            sink(f"an expert weight must be positive and finite. Got {quote_cell(cells[iw])} "
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
    return read_expert_weights_into(path, Sink("raise"), sheet)


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
    sink = Sink(errors)
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
