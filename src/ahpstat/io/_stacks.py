"""Judgments (canonical long form) as per-node stacks of matrices, one per expert."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ahpstat.io._cells import cell_texts
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
    # labels as integer codes, in order of first appearance (``pandas.factorize``): the
    # experts' order is their first appearance in ``judgments``
    ecode, experts = pd.factorize(np.array(cell_texts(judgments["expert"]), dtype=object))
    ncode, nodes = pd.factorize(np.array(cell_texts(judgments["node"]), dtype=object))
    n_obs = len(judgments)
    lcode, labels = pd.factorize(np.array(cell_texts(judgments["row"])
                                          + cell_texts(judgments["col"]), dtype=object))
    rcode, ccode = lcode[:n_obs], lcode[n_obs:]
    label_code = {x: i for i, x in enumerate(labels.tolist())}
    vals = judgments["value"].to_numpy(dtype=float)
    by_node = np.argsort(ncode, kind="stable")  # each node's judgments in frame order
    ends = np.searchsorted(ncode[by_node], np.arange(len(nodes) + 1))
    node_code = {v: i for i, v in enumerate(nodes.tolist())}
    out: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for v in hierarchy.internal:
        kids = hierarchy.children(v)
        if len(kids) < 2 or v not in node_code:
            continue
        j = node_code[v]
        idx = by_node[ends[j]:ends[j + 1]]
        who, k = np.unique(ecode[idx], return_inverse=True)
        pos = np.full(len(labels), -1)
        for i, c in enumerate(kids):
            if c in label_code:
                pos[label_code[c]] = i
        a, b = pos[rcode[idx]], pos[ccode[idx]]
        if (a < 0).any() or (b < 0).any():
            bad = labels[rcode[idx][a < 0]].tolist() + labels[ccode[idx][b < 0]].tolist()
            raise ValueError(f"node {v!r} has judgments on {sorted(set(bad))}, which are not "
                             f"its children {list(kids)}: validate the judgments first "
                             "(`validate=True`).")
        n = len(kids)
        stack = np.full((who.size, n, n), np.nan)
        stack[:, np.arange(n), np.arange(n)] = 1.0
        stack[k, a, b] = vals[idx]
        stack[k, b, a] = 1.0 / vals[idx]
        out[v] = (tuple(experts[who].tolist()), stack)
    return out
