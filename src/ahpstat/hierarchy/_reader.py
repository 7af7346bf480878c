"""Reading and validating the hierarchy file: its keys (:data:`HIERARCHY_KEYS`), the nested
mapping of nodes (:func:`parse_tree`), the parent -> children form
(:func:`nested_from_children`) and the YAML file (:func:`read_tree_file`, with
:mod:`ahpstat._yaml`'s limits). Every problem is collected as an :class:`~ahpstat.InputError`
naming the file and the node.

The result is a :class:`TreeSpec`, the validated parts of a tree; this module knows nothing of
:class:`~ahpstat.hierarchy.Hierarchy`, which builds itself from a :class:`TreeSpec` (its
``from_yaml``, ``from_dict`` and ``from_children`` constructors call this module).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ahpstat._validation import InputError, suggest

__all__ = ["HIERARCHY_KEYS", "HierarchyKey", "TreeSpec", "nested_from_children", "parse_tree",
           "read_tree_file", "yaml_problems"]


class HierarchyKey(NamedTuple):
    """One key of the hierarchy file (:data:`HIERARCHY_KEYS`).

    Examples
    --------
    >>> from ahpstat.hierarchy import HIERARCHY_KEYS
    >>> [k.name for k in HIERARCHY_KEYS if k.where == "node"]
    ['id', 'label', 'children', 'item', 'description']
    """

    where: str  #: ``"file"`` (the top level, beside ``hierarchy:``) or ``"node"`` (any node)
    name: str
    expect: str  #: what a valid value is
    default: str  #: the value when left out, in words (``"required"``: it must be given)
    doc: str


#: Every key of the hierarchy file, once: the reader accepts exactly these (any other is an
#: error naming it) and the documentation's reference is generated from them.
HIERARCHY_KEYS: tuple[HierarchyKey, ...] = (
    HierarchyKey("file", "hierarchy", "a node (the goal)", "required",
                 "The tree: the goal node, with its children nested under it. Without this "
                 "key the whole file is the goal node (and `levels` cannot be given)."),
    HierarchyKey("file", "levels", "a list of names, one per depth", "`level 0`, `level 1`, "
                 "...", "Names of the depths, goal first (`[goal, criterion, indicator]`); "
                 "used in tables and figures. Must name every depth of the tree."),
    HierarchyKey("file", "name", "text", "none", "Free text for the reader of the file; "
                 "not used by the analysis."),
    HierarchyKey("file", "title", "text", "none", "Free text for the reader of the file; "
                 "not used by the analysis."),
    HierarchyKey("file", "description", "text", "none", "Free text for the reader of the "
                 "file; not used by the analysis."),
    HierarchyKey("node", "id", "text, unique in the tree, no surrounding spaces", "required",
                 "The node's id: the `node`, `row` and `col` of the judgment files and the "
                 "`node` column of every output table name nodes by it. Quote ids YAML would "
                 "read as numbers (`id: '1'`)."),
    HierarchyKey("node", "label", "text (any language)", "the id",
                 "The node's name in the report and, with `figures: {labels: label}`, in the "
                 "figures."),
    HierarchyKey("node", "children", "a non-empty list of nodes", "none: a leaf",
                 "The node's sub-criteria, in the order of the rows and columns of its "
                 "judgment matrices. A node without `children` is a leaf (an indicator)."),
    HierarchyKey("node", "item", "a survey column name", "the leaf's id",
                 "Leaves only: the survey column holding the indicator's answers; each column "
                 "belongs to one leaf."),
    HierarchyKey("node", "description", "text", "none", "Free text for the reader of the "
                 "file; not used by the analysis."),
)
_NODE_KEYS = tuple(k.name for k in HIERARCHY_KEYS if k.where == "node")
_TOP_KEYS = tuple(k.name for k in HIERARCHY_KEYS if k.where == "file")




class TreeSpec(NamedTuple):
    """The validated parts of a hierarchy (what :class:`~ahpstat.hierarchy.Hierarchy` is
    built from).
    """

    root: str
    children: dict[str, tuple[str, ...]]  #: every node's children in file order
    labels: dict[str, str]
    items: dict[str, str]  #: the survey column of every leaf
    level_names: list[str] | None
    source: str | None


class _Builder:
    """Walks a nested mapping once, collecting every problem instead of stopping at the first."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.problems: list[InputError] = []
        self.children: dict[str, tuple[str, ...]] = {}
        self.parent: dict[str, str | None] = {}
        self.label: dict[str, str] = {}
        self.item: dict[str, str] = {}
        self.order: list[str] = []
        self.where: dict[str, str] = {}

    def error(self, message: str, node: str | None = None) -> None:
        self.problems.append(InputError(message, file=self.source, node=node))

    def node(self, spec: Any, parent: str | None, where: str) -> str | None:
        """Validate one node (and its subtree); return its id or None if unusable."""
        if not isinstance(spec, Mapping):
            self.error(f"{where} must be a mapping with `id`, `label` and `children` (or "
                       f"`item`). Got {type(spec).__name__} {spec!r} instead.", node=parent)
            return None
        nid = spec.get("id")
        unknown = [k for k in spec if k not in _NODE_KEYS]
        shown = nid if isinstance(nid, str) else None
        for key in unknown:
            self.error(f"unknown key {key!r} in {where}; a node has the keys "
                       f"{', '.join(_NODE_KEYS)}.{suggest(str(key), _NODE_KEYS)} "
                       f"Got {key!r} instead.", node=shown)
        if nid is None:
            self.error(f"{where} has no `id`. Got the keys {sorted(map(str, spec))} instead.",
                       node=parent)
            return None
        if not isinstance(nid, str):
            self.error(f"the id of {where} must be text (quote it in YAML: id: '{nid}'). "
                       f"Got {type(nid).__name__} {nid!r} instead.", node=parent)
            return None
        if not nid.strip() or nid != nid.strip():
            self.error(f"the id of {where} must be non-empty without surrounding spaces. "
                       f"Got {nid!r} instead.", node=parent)
            return None
        if nid in self.parent:
            self.error(f"duplicate id {nid!r}: used by {self.where[nid]} and again by {where}.",
                       node=nid)
            return None
        self.parent[nid] = parent
        self.where[nid] = where
        self.order.append(nid)
        label = spec.get("label", nid)
        if isinstance(label, bool) or not isinstance(label, str | int | float):
            self.error(f"the label of node {nid!r} must be text. Got {label!r} instead.",
                       node=nid)
            label = nid
        self.label[nid] = str(label)
        kids = spec.get("children")
        if "children" in spec and not isinstance(kids, list):
            self.error(f"`children` of node {nid!r} must be a list of nodes. Got "
                       f"{type(kids).__name__} {kids!r} instead.", node=nid)
            kids = None
        elif isinstance(kids, list) and not kids:
            self.error(f"`children` of node {nid!r} is an empty list; leave the key out for a "
                       f"leaf. Got [] instead.", node=nid)
            kids = None
        if kids:
            if "item" in spec:
                self.error(f"node {nid!r} has children and an `item`; only a leaf names a "
                           f"survey column. Got item {spec['item']!r} instead.", node=nid)
            ids = []
            for k, child in enumerate(kids, start=1):
                cid = self.node(child, nid, f"child {k} of {nid!r}")
                if cid is not None:
                    ids.append(cid)
            self.children[nid] = tuple(ids)
        else:
            self.children[nid] = ()
            item = spec.get("item", nid)
            if isinstance(item, bool) or not isinstance(item, str | int):
                self.error(f"the `item` of leaf {nid!r} must be a survey column name. Got "
                           f"{item!r} instead.", node=nid)
                item = nid
            self.item[nid] = str(item)
        return nid


def parse_tree(mapping: Any, source: str | None = None
               ) -> tuple[TreeSpec | None, list[InputError]]:
    """Validate a nested mapping (the hierarchy file's layout, as parsed from YAML).

    Returns the tree's specification (``None`` if invalid) and every problem found, each an
    :class:`~ahpstat.InputError` naming ``source`` and the node.

    Examples
    --------
    >>> spec, problems = parse_tree({"id": "A", "children": [{"id": "x"}, {"id": "y"}]})
    >>> spec.root, spec.children["A"], problems
    ('A', ('x', 'y'), [])
    >>> parse_tree({"id": "A", "children": [{"id": "x", "lable": "X"}]})[1][0].reason[:26]
    "unknown key 'lable' in chi"
    """
    b = _Builder(source)
    found = _top_level(b, mapping)
    if found is None:
        return None, b.problems
    tree, level_names = found
    root = b.node(tree, None, "the root node")
    if root is None:
        return None, b.problems
    _one_leaf_per_item(b)
    if b.problems:
        return None, b.problems
    _levels_match(b, root, level_names)
    if b.problems:
        return None, b.problems
    return TreeSpec(root, b.children, b.label, b.item, level_names, source), b.problems


def _top_level(b: _Builder, mapping: Any) -> tuple[Any, list[str] | None] | None:
    """The root node's mapping and the ``levels`` names of a file's top level (``None``, with
    the problem recorded, when there is no usable root).
    """
    if mapping is None or (isinstance(mapping, Mapping) and not mapping):
        b.error("the hierarchy is empty: expected a root node with `id` and `children`. "
                f"Got {mapping!r} instead.")
        return None
    if isinstance(mapping, list):
        b.error(f"the hierarchy must have a single root node (the goal). Got a list of "
                f"{len(mapping)} nodes instead.")
        return None
    if not isinstance(mapping, Mapping):
        b.error("the hierarchy must be a mapping (a root node with `id` and `children`). "
                f"Got {type(mapping).__name__} instead.")
        return None
    level_names: list[str] | None = None
    tree = mapping
    if "hierarchy" in mapping:
        for key in mapping:
            if key not in _TOP_KEYS:
                b.error(f"unknown top-level key {key!r}; expected {', '.join(_TOP_KEYS)}."
                        f"{suggest(str(key), _TOP_KEYS)} Got {key!r} instead.")
        levels = mapping.get("levels")
        if levels is not None:
            if not isinstance(levels, list) or not all(
                    isinstance(x, str | int) and not isinstance(x, bool) for x in levels):
                b.error(f"`levels` must be a list of level names. Got {levels!r} instead.")
            else:
                level_names = [str(x) for x in levels]
        tree = mapping["hierarchy"]
        if tree is None or (isinstance(tree, Mapping) and not tree):
            b.error(f"the hierarchy is empty: `hierarchy` has no root node. Got {tree!r} "
                    "instead.")
            return None
    if isinstance(tree, list):
        b.error(f"the hierarchy must have a single root node (the goal). Got a list of "
                f"{len(tree)} nodes instead.")
        return None
    return tree, level_names


def _one_leaf_per_item(b: _Builder) -> None:
    """A survey column may only be named by one leaf."""
    seen: dict[str, str] = {}
    for v in b.order:
        if v in b.item:
            col = b.item[v]
            if col in seen:
                b.error(f"leaves {seen[col]!r} and {v!r} name the same survey column "
                        f"{col!r}; each item belongs to one leaf. Got {col!r} twice instead.",
                        node=v)
            else:
                seen[col] = v


def _levels_match(b: _Builder, root: str, level_names: list[str] | None) -> None:
    """``levels`` names every depth of the tree."""
    depth = {root: 0}
    for v in b.order:  # pre-order: a parent before its children
        for c in b.children[v]:
            depth[c] = depth[v] + 1
    n_levels = max(depth.values()) + 1
    if level_names is not None and len(level_names) != n_levels:
        b.error(f"`levels` names {len(level_names)} levels but the tree has "
                f"{n_levels} (depths 0..{n_levels - 1}). Got {level_names} instead.")


def nested_from_children(
    mapping: Mapping[Any, Sequence[Any]],
    *,
    labels: Mapping[str, str] | None = None,
    items: Mapping[str, str] | None = None,
    level_names: Sequence[str] | None = None,
    source: str | None = None,
    argument: str | None = None,
) -> dict[str, Any]:
    """The nested mapping (:func:`parse_tree`'s layout) of a mapping parent -> children.

    Checks what only this form can get wrong (see :meth:`Hierarchy.from_children
    <ahpstat.hierarchy.Hierarchy.from_children>`, which documents the arguments): one root,
    no cycle, no node with two parents, distinct children, labels and items naming nodes of
    the tree. :func:`parse_tree` then checks the rest.

    Examples
    --------
    >>> nested_from_children({"A": ["x", "y"]})
    {'hierarchy': {'id': 'A', 'children': [{'id': 'x'}, {'id': 'y'}]}}
    """
    what = f"`{argument}`" if argument else "the hierarchy"
    children = _children_lists(mapping, what, source)
    below = {c for kids in children.values() for c in kids}
    roots = [p for p in children if p not in below]
    if len(roots) != 1:
        raise InputError(f"{what} must have exactly one root (a node that is nobody's "
                         f"child). Got {len(roots)} roots instead: {roots}.", file=source)
    parent = _parents(children, roots[0], what, source)
    labels = {str(k): v for k, v in (labels or {}).items()}
    items = {str(k): v for k, v in (items or {}).items()}
    for key, given in (("labels", labels), ("items", items)):
        stray = [v for v in given if v not in parent or (key == "items" and v in children)]
        if stray:
            what_is = "leaves" if key == "items" else "nodes"
            raise InputError(f"`{key}` names {stray[0]!r}, which is not one of the "
                             f"{what_is} of the tree. Got {stray} instead.", file=source,
                             node=stray[0])

    def node(v: str) -> dict[str, Any]:
        out: dict[str, Any] = {"id": v}
        if v in labels:
            out["label"] = labels[v]
        if v in children:
            out["children"] = [node(c) for c in children[v]]
        elif v in items:
            out["item"] = items[v]
        return out

    tree: dict[str, Any] = {"hierarchy": node(roots[0])}
    if level_names is not None:
        tree["levels"] = list(level_names)
    return tree


def _children_lists(mapping: Any, what: str, source: str | None
                    ) -> dict[str, tuple[str, ...]]:
    """Every parent's children as ids (``str``), leaves left out; distinct children."""
    if not isinstance(mapping, Mapping):
        raise TypeError(f"{what} must be a mapping parent -> children. Got "
                        f"{type(mapping).__name__} instead.")
    children: dict[str, tuple[str, ...]] = {}
    for p, kids in mapping.items():
        if isinstance(kids, str) or not isinstance(kids, Sequence | np.ndarray):
            raise TypeError(f"{what} as a mapping parent -> children needs a list of "
                            f"children for {str(p)!r}; got {type(kids).__name__} instead.")
        ids = tuple(str(c) for c in kids)
        if len(set(ids)) != len(ids):
            dup = sorted({c for c in ids if ids.count(c) > 1})
            raise InputError(f"the children of a node must be distinct. Got {dup} "
                             "repeated instead.", file=source, node=str(p))
        if ids:
            children[str(p)] = ids
    if not children:
        raise InputError(f"{what} is empty: it has no node with children. Got "
                         f"{dict(mapping)!r} instead.", file=source)
    return children


def _parents(children: Mapping[str, tuple[str, ...]], root: str, what: str,
             source: str | None) -> dict[str, str | None]:
    """Every node's parent, walking from the root: a node met twice closes a cycle or has
    two parents, a parent never met is on a cycle apart from the root.
    """
    parent: dict[str, str | None] = {root: None}
    stack: list[tuple[str, tuple[str, ...]]] = [(root, (root,))]
    while stack:
        v, path = stack.pop()
        for c in children.get(v, ()):
            if c in path:
                raise InputError(f"{what} has a cycle through {c!r}; got the path "
                                 f"{' -> '.join((*path, c))} instead.", file=source, node=c)
            if c in parent:
                raise InputError(f"node {c!r} has two parents; a hierarchy is a tree. Got "
                                 f"parents {parent[c]!r} and {v!r} instead.", file=source,
                                 node=c)
            parent[c] = v
            stack.append((c, (*path, c)))
    unreached = [p for p in children if p not in parent]
    if unreached:
        raise InputError(f"{what} has a cycle through {unreached[0]!r}: the nodes "
                         f"{unreached} are not reachable from the root {root!r}. Got "
                         "a structure that is not a tree instead.", file=source,
                         node=unreached[0])
    return parent


def read_tree_file(path: str | os.PathLike) -> tuple[TreeSpec | None, list[InputError]]:
    """Read a hierarchy YAML file: :func:`parse_tree` of its contents (a file that cannot be
    read or parsed is one problem naming it).
    """
    from ahpstat._yaml import load_yaml  # limits on aliases and nesting, duplicate keys

    try:
        data, _ = load_yaml(path, what="hierarchy file")
    except InputError as exc:
        return None, [exc]
    return parse_tree(data, str(path))


def yaml_problems(path: str | os.PathLike) -> list[InputError]:
    """Every problem of a hierarchy YAML file (empty when :meth:`Hierarchy.from_yaml` reads it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "h.yaml"
    >>> _ = p.write_text("id: A\\nchildren: [{id: x, lable: X}, {id: x}]\\n", encoding="utf-8")
    >>> [e.reason[:30] for e in yaml_problems(p)]
    ["unknown key 'lable' in child 1", "duplicate id 'x': used by chil"]
    """
    return read_tree_file(path)[1]
