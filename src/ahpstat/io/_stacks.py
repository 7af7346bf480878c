"""Judgments (canonical long form) as per-node stacks of matrices, one per expert."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ahpstat.io._cells import cell_text
from ahpstat.io._validate import validate_judgments

__all__ = [
    "judgment_stacks",
]


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
    ex = [cell_text(x) for x in judgments["expert"].tolist()]
    order = {e: k for k, e in enumerate(dict.fromkeys(ex))}
    nodes = np.array([cell_text(x) for x in judgments["node"].tolist()], dtype=object)
    rows = [cell_text(x) for x in judgments["row"].tolist()]
    cols = [cell_text(x) for x in judgments["col"].tolist()]
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
