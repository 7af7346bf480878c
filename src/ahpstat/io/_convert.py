"""Converting judgments between layouts: long, matrix, wide, ahpsurvey and R ahp's ``.ahp``.

Every layout is read by its reader (:func:`read_judgments`, :func:`read_ahpsurvey`,
:func:`read_ahp`) and written here, so that ``convert(a -> b)`` then ``convert(b -> a)``
gives back the same judgments. Values are written exactly: integers as integers, the
reciprocal of an integer as ``1/k``, anything else with the 17 significant digits that
round-trip a float. Ids are written as given (a data file for ahpstat, not a report: no
formula neutralization); a file that exists is never overwritten.

- ``long``: ``expert, node, row, col, value`` (one row per judgment, upper triangle in the
  node's element order).
- ``matrix``: one ``expert,<id>,node,<id>`` block per expert and node.
- ``wide``: one row per expert, ``expert`` then ``<node>:<A>_<B>`` columns, cells in the
  declared ``encoding`` (``ratio``, or the signed codes when every judgment is an integer or
  its reciprocal).
- ``ahpsurvey``: one node only; columns ``A_B`` in ahpsurvey's order, the expert ids in an
  ``id`` column, signed codes (``encoding``).
- ``ahp``: R ahp's YAML format, for a decision (criteria and alternatives): from an ``.ahp``
  file or :class:`DecisionData`.

Reading an ``.ahp`` file into a judgment layout turns every preference into ratio
judgments: a pairwise (or pairwiseFunction) matrix as it is; priorities and scores as
``p_i / p_j`` (a zero score is an :class:`~ahpstat.InputError`: no ratio expresses it); the
alternatives' judgments under a leaf criterion ``c`` are at node ``c``.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ahpstat._validation import InputError, check_method
from ahpstat.io._cells import cell_text
from ahpstat.io._decision import DecisionData
from ahpstat.io._layouts import JUDGMENT_LAYOUTS, WIDE_ENCODINGS

__all__ = ["CONVERT_LAYOUTS", "convert", "decision_judgments", "write_ahp",
           "write_judgments"]

CONVERT_LAYOUTS = (*JUDGMENT_LAYOUTS, "ahp")


def format_value(x: float) -> str:
    """A judgment as text that reads back to the same float.

    Examples
    --------
    >>> format_value(3.0), format_value(1 / 3), format_value(0.45), format_value(1.5)
    ('3', '1/3', '0.45', '1.5')
    """
    x = float(x)
    if x.is_integer():
        return str(int(x))
    if 0 < x < 1:
        k = round(1 / x)
        if k >= 2 and 1 / k == x:
            return f"1/{k}"
    return repr(x)


def _orders(judgments: pd.DataFrame, hierarchy: Any,
            orders: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """Element order per node: given, from the hierarchy, or first appearance."""
    out: dict[str, list[str]] = {}
    for v in dict.fromkeys(cell_text(x) for x in judgments["node"]):
        if orders is not None and v in orders:
            out[v] = [str(e) for e in orders[v]]
        elif hierarchy is not None and v in hierarchy:
            out[v] = list(hierarchy.children(v))
        else:
            sub = judgments[judgments["node"].map(cell_text) == v]
            out[v] = list(dict.fromkeys(cell_text(x) for pair in zip(
                sub["row"], sub["col"], strict=True) for x in pair))
    return out


def _upper(judgments: pd.DataFrame, orders: Mapping[str, Sequence[str]]
           ) -> list[tuple[str, str, str, str, float]]:
    """Every judgment oriented to the upper triangle of its node's order, in a stable order
    (experts by first appearance, nodes, then pairs).
    """
    pos = {v: {e: i for i, e in enumerate(o)} for v, o in orders.items()}
    rows = []
    for e, v, a, b, x in zip(judgments["expert"].map(cell_text), judgments["node"].map(cell_text),
                             judgments["row"].map(cell_text), judgments["col"].map(cell_text),
                             judgments["value"].astype(float), strict=True):
        if a == b:
            continue
        if pos[v][a] > pos[v][b]:
            a, b, x = b, a, 1.0 / x
        rows.append((e, v, a, b, x))
    experts = {e: k for k, e in enumerate(dict.fromkeys(r[0] for r in rows))}
    nodes = {v: k for k, v in enumerate(orders)}
    rows.sort(key=lambda r: (experts[r[0]], nodes[r[1]], pos[r[1]][r[2]], pos[r[1]][r[3]]))
    return rows


def _signed(x: float, encoding: str) -> str:
    if encoding == "ratio":
        return format_value(x)
    big = x if x >= 1 else 1.0 / x
    k = round(big)
    if abs(big - k) > 1e-9 * k:
        raise InputError(f"the judgment {format_value(x)} is not an integer or the reciprocal "
                         f"of one, so encoding={encoding!r} cannot code it; use "
                         "encoding='ratio'. Got a value between the scale's points instead.")
    left = x >= 1
    if k == 1:
        return "1"
    sign = 1 if left else -1
    if encoding == "signed_left_negative":
        sign = -sign
    return str(sign * k)


def _new_file(path: Path, text: str) -> None:
    """Write a new file atomically (complete or not at all), with the permissions the umask
    gives; an existing file is never replaced.
    """
    if path.exists():
        raise InputError("the output file exists; ahpstat does not overwrite files. Choose a "
                         "new name or remove it yourself.", file=str(path))
    fd, tmp = tempfile.mkstemp(dir=str(path.parent) or ".", prefix=".ahpstat-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            f.write(text)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        try:
            os.link(tmp, path)  # fails if the path appeared meanwhile: never clobbers
        except FileExistsError:
            raise InputError("the output file exists; ahpstat does not overwrite files.",
                             file=str(path)) from None
    finally:
        os.unlink(tmp)


def _write_csv(path: Path, rows: Sequence[Sequence[Any]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    _new_file(path, buf.getvalue())


def _matrix_blocks(rows: Sequence[tuple[str, str, str, str, float]],
                   order: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """The matrix layout's rows: one block per expert and node, blank rows between."""
    out: list[list[str]] = []
    by: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
    for e, v, a, b, x in rows:
        by.setdefault((e, v), {})[a, b] = x
    for (e, v), pairs in by.items():
        els = order[v]
        out.append(["expert", e, "node", v])
        out.append(["", *els])
        for a in els:
            cells = [a]
            for b in els:
                if a == b:
                    cells.append("1")
                elif (a, b) in pairs:
                    cells.append(format_value(pairs[a, b]))
                elif (b, a) in pairs:
                    cells.append(format_value(1.0 / pairs[b, a]))
                else:
                    cells.append("")
            out.append(cells)
        out.append([])
    return out[:-1]


def write_judgments(
    judgments: pd.DataFrame,
    path: str | os.PathLike,
    *,
    layout: str = "long",
    hierarchy: Any = None,
    orders: Mapping[str, Sequence[str]] | None = None,
    encoding: str | None = None,
) -> Path:
    """Write judgments (canonical long form) in one of the judgment layouts, as CSV.

    Parameters
    ----------
    judgments : DataFrame
        ``expert, node, row, col, value``.
    path : str or path-like
        A new ``.csv`` file (an existing file is an error, never overwritten).
    layout : {"long", "matrix", "wide", "ahpsurvey"}
    hierarchy : Hierarchy, optional
        Element order of each node (default: ``orders``, else first appearance).
    orders : mapping node -> elements, optional
    encoding : {"signed", "signed_left_negative", "ratio"}
        Required for ``wide`` and ``ahpsurvey``.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> j = pd.DataFrame({"expert": ["E1", "E1"], "node": "A", "row": ["x", "y"],
    ...                   "col": ["y", "z"], "value": [3.0, 0.5]})
    >>> p = write_judgments(j, pathlib.Path(tempfile.mkdtemp()) / "w.csv", layout="wide",
    ...                     encoding="signed")
    >>> print(p.read_text())
    expert,A:x_y,A:y_z
    E1,3,-2
    <BLANKLINE>
    """
    layout = check_method("layout", layout, JUDGMENT_LAYOUTS)
    path = Path(path)
    if layout in ("wide", "ahpsurvey"):
        if encoding is None:
            raise ValueError(f"`encoding` is required for layout={layout!r}: one of "
                             f"{WIDE_ENCODINGS}. Got None instead.")
        encoding = check_method("encoding", encoding, WIDE_ENCODINGS)
    order = _orders(judgments, hierarchy, orders)
    rows = _upper(judgments, order)
    if layout == "long":
        _write_csv(path, [("expert", "node", "row", "col", "value"),
                          *((e, v, a, b, format_value(x)) for e, v, a, b, x in rows)])
        return path
    if layout == "matrix":
        _write_csv(path, _matrix_blocks(rows, order))
        return path
    assert encoding is not None
    if layout == "ahpsurvey":
        if len(order) != 1:
            raise InputError(f"the ahpsurvey layout holds one node's judgments; these are "
                             f"of {len(order)} nodes {list(order)[:5]}. Convert one node at "
                             "a time or use the wide layout.")
        node = next(iter(order))
        els = order[node]
        cols = [(a, b) for i, a in enumerate(els) for b in els[i + 1:]]
        header = ["id", *(f"{a}_{b}" for a, b in cols)]
        experts = list(dict.fromkeys(r[0] for r in rows))
        numbered = experts == [str(k) for k in range(1, len(experts) + 1)]
    else:
        cols_by: dict[str, None] = {}
        for _e, v, a, b, _x in rows:
            cols_by.setdefault(f"{v}:{a}_{b}", None)
        # every node's pairs in the node's order
        cols_v = [(v, a, b) for v, els in order.items() for i, a in enumerate(els)
                  for b in els[i + 1:] if f"{v}:{a}_{b}" in cols_by]
        header = ["expert", *(f"{v}:{a}_{b}" for v, a, b in cols_v)]
    table: dict[str, dict[str, str]] = {}
    for e, v, a, b, x in rows:
        key = f"{a}_{b}" if layout == "ahpsurvey" else f"{v}:{a}_{b}"
        table.setdefault(e, {})[key] = _signed(x, encoding)
    body = [[e, *(cells.get(h, "") for h in header[1:])] for e, cells in table.items()]
    if layout == "ahpsurvey" and numbered:  # ahpsurvey's own form: the row number is the id
        header, body = header[1:], [r[1:] for r in body]
    _write_csv(path, [header, *body])
    return path


def decision_judgments(data: DecisionData) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """A decision's preferences as ratio judgments in the long form, with each node's order.

    Raises
    ------
    InputError
        A zero priority or score (located in its file, line, node and decision maker).
    """
    rows = []
    orders: dict[str, list[str]] = {}
    for v in data.hierarchy.nodes:
        els = list(data.elements(v))
        orders[v] = els
        for dm in data.decision_makers:
            p = data.preferences.get(v, {}).get(dm)
            if p is None or len(els) < 2:
                continue
            M = p.ratio_matrix(node=v, decision_maker=dm)
            for i in range(len(els)):
                for j in range(i + 1, len(els)):
                    if not math.isnan(M[i, j]):
                        rows.append((dm, v, els[i], els[j], float(M[i, j])))
    return pd.DataFrame(rows, columns=["expert", "node", "row", "col", "value"]), orders


def _yaml_value(x: float) -> int | float | str:
    """A judgment for a YAML file: an int, ``"1/k"`` (R ahp evaluates it), or a float."""
    t = format_value(x)
    if "/" in t:
        return t
    return int(t) if float(x).is_integer() else float(x)


class _Flow(list):
    """A YAML flow sequence ([a, b, 3])."""


def _flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, _flow)


def write_ahp(data: DecisionData, path: str | os.PathLike) -> Path:
    """Write a decision as an R ahp ``.ahp`` file (format version 2.0).

    Pairwise matrices are written as ``pairwise`` lists (a pairwiseFunction as the values it
    gave), scores as ``score``, priorities (and ratings, as scores) as ``priority``/``score``;
    decision-maker weights at the goal and wherever a node's differ from its parent's.
    """
    path = Path(path)
    if path.exists():
        raise InputError("the output file exists; ahpstat does not overwrite files.",
                         file=str(path))
    h = data.hierarchy
    single = data.decision_makers == ("DecisionMaker",)

    def prefs(v: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for dm in data.decision_makers:
            p = data.preferences.get(v, {}).get(dm)
            if p is None:
                continue
            if p.kind == "pairwise":
                assert p.matrix is not None
                n = len(p.elements)
                body: dict[str, Any] = {"pairwise": [
                    _Flow([p.elements[i], p.elements[j], _yaml_value(p.matrix[i, j])])
                    for i in range(n) for j in range(i + 1, n)
                    if not math.isnan(p.matrix[i, j])]}
            else:
                assert p.values is not None
                kind = "priority" if p.kind == "priority" else "score"
                body = {kind: [{e: float(x)} for e, x in zip(p.elements, p.values,
                                                               strict=True)]}
            out[dm] = body
        return next(iter(out.values())) if single and out else out

    alt_anchor: dict[str, Any] = {a: dict(data.attributes.get(a, {})) or None
                                  for a in data.alternatives}

    def node(v: str) -> dict[str, Any]:
        d: dict[str, Any] = {}
        w = data.decision_maker_weights[v]
        p = h.parent(v)
        if not single and (p is None or not np.allclose(w, data.decision_maker_weights[p])):
            d["decision-makers"] = [{dm: float(x)} for dm, x in zip(data.decision_makers, w,
                                                                     strict=True)]
        pr = prefs(v)
        if pr:
            d["preferences"] = pr
        kids = h.children(v)
        d["children"] = {c: node(c) for c in kids} if kids else alt_anchor
        return d

    goal = {"name": h.root, **node(h.root)}
    text = yaml.dump({"Version": 2.0, "Alternatives": alt_anchor, "Goal": goal},
                     Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    text = text.replace("Alternatives: &id001", "Alternatives: &alternatives").replace(
        "*id001", "*alternatives")
    _new_file(path, text)
    return path


def convert(
    source: str | os.PathLike,
    target: str | os.PathLike,
    *,
    from_layout: str,
    to_layout: str,
    hierarchy: Any = None,
    encoding: str | None = None,
    to_encoding: str | None = None,
    node: str | None = None,
    attributes: Sequence[str] | None = None,
    id_column: str | None = None,
    sheet: str | None = None,
) -> Path:
    """Convert a judgments file from one layout to another (``ahpstat convert``).

    Parameters
    ----------
    source, target : path
        ``target`` must not exist.
    from_layout, to_layout : {"long", "matrix", "wide", "ahpsurvey", "ahp"}
        ``ahp`` as output needs an ``.ahp`` input (a decision with alternatives).
    hierarchy : Hierarchy, optional
        Element orders and the nodes' checks (judgment layouts).
    encoding : str, optional
        How the input's cells are coded (``wide``, ``ahpsurvey``).
    to_encoding : str, optional
        How the output's cells are coded (``wide``, ``ahpsurvey``; default: ``encoding``,
        else ``"ratio"`` for wide and ``"signed"`` for ahpsurvey).
    node, attributes, id_column, sheet : optional
        As :func:`read_judgments` takes them (``node``, ``attributes`` and ``id_column`` for
        the ahpsurvey input; its node defaults to ``"goal"``).

    Returns
    -------
    Path
        The written file.
    """
    from ahpstat.io._layouts import read_judgments
    from ahpstat.io._rahp import read_ahp

    from_layout = check_method("from_layout", from_layout, CONVERT_LAYOUTS)
    to_layout = check_method("to_layout", to_layout, CONVERT_LAYOUTS)
    if to_layout == "ahp":
        if from_layout != "ahp":
            raise InputError("the .ahp format describes a decision (criteria and the "
                             "alternatives judged under each leaf); judgments of a "
                             "hierarchy's nodes alone have no alternatives. Convert from an "
                             f".ahp file, or to a judgment layout. Got from_layout="
                             f"{from_layout!r} instead.")
        return write_ahp(read_ahp(source), target)
    orders = None
    if from_layout == "ahp":
        judgments, orders = decision_judgments(read_ahp(source))
    else:
        if encoding is not None and from_layout not in ("wide", "ahpsurvey"):
            raise ValueError(f"`encoding` says how the input's cells are coded (wide and "
                             f"ahpsurvey inputs); for the output give `to_encoding`. Got "
                             f"encoding={encoding!r} with from_layout={from_layout!r} "
                             "instead.")
        if from_layout == "ahpsurvey" and node is None and hierarchy is None:
            node = "goal"
        judgments = read_judgments(source, layout=from_layout, hierarchy=hierarchy, sheet=sheet,
                                   node=node, encoding=encoding, attributes=attributes,
                                   id_column=id_column)
        if from_layout == "ahpsurvey" and attributes is not None:
            orders = {str(node or (hierarchy.root if hierarchy is not None else "goal")):
                      list(attributes)}
    enc = to_encoding or encoding
    if to_layout in ("wide", "ahpsurvey") and enc is None:
        enc = "ratio" if to_layout == "wide" else "signed"
    return write_judgments(judgments, target, layout=to_layout, hierarchy=hierarchy,
                           orders=orders, encoding=enc if to_layout in ("wide", "ahpsurvey")
                           else None)
