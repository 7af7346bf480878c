"""The tree of an indicator hierarchy (:class:`Hierarchy`): structure, membership, global
weights, tables. Reading and validating the hierarchy file is :mod:`._reader`'s job; the
constructors here build the tree from its :class:`~ahpstat.hierarchy._reader.TreeSpec`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import InputError, suggest
from ahpstat.hierarchy._reader import (
    TreeSpec,
    nested_from_children,
    parse_tree,
    read_tree_file,
)

__all__ = ["Hierarchy", "as_hierarchy"]


class Hierarchy:
    """An immutable indicator hierarchy with labels in any language.

    Build it with :meth:`from_yaml` or :meth:`from_dict`; the constructor is internal.

    Attributes
    ----------
    root : str
        Id of the goal.
    nodes : tuple of str
        All node ids in pre-order (parent before children, children in file order).
    internal : tuple of str
        Non-leaf nodes in pre-order: the nodes that have judgment matrices.
    leaves : tuple of str
        Leaves in pre-order: the survey items.
    source : str or None
        The file it was read from.

    Examples
    --------
    >>> h = Hierarchy.from_dict({"id": "A", "label": "目标", "children": [
    ...     {"id": "B1", "label": "科学", "children": [{"id": "D1"}, {"id": "D2"}]},
    ...     {"id": "B2", "label": "参与", "children": [{"id": "D3", "item": "Q3"}]}]})
    >>> h
    Hierarchy(root='A', depth=2, nodes=6, internal=3, leaves=3)
    >>> h.children("A"), h.label("B2"), h.item("D3")
    (('B1', 'B2'), '参与', 'Q3')
    """

    def __init__(
        self,
        *,
        root: str,
        children: Mapping[str, Sequence[str]],
        labels: Mapping[str, str],
        items: Mapping[str, str],
        level_names: Sequence[str] | None = None,
        source: str | None = None,
    ) -> None:
        self.root = root
        self.source = source
        self._children = {v: tuple(c) for v, c in children.items()}
        self._label = dict(labels)
        self._item = dict(items)
        self._parent: dict[str, str | None] = {root: None}
        self._depth: dict[str, int] = {root: 0}
        order: list[str] = []
        stack = [root]
        while stack:
            v = stack.pop()
            order.append(v)
            for c in self._children[v]:
                self._parent[c] = v
                self._depth[c] = self._depth[v] + 1
            stack.extend(reversed(self._children[v]))
        self.nodes: tuple[str, ...] = tuple(order)
        self.internal: tuple[str, ...] = tuple(v for v in order if self._children[v])
        self.leaves: tuple[str, ...] = tuple(v for v in order if not self._children[v])
        self._index = {v: i for i, v in enumerate(order)}
        self._leaf_index = {v: i for i, v in enumerate(self.leaves)}
        self._level_names = tuple(level_names) if level_names is not None else None
        under: dict[str, tuple[str, ...]] = {}
        for v in reversed(order):
            kids = self._children[v]
            under[v] = (v,) if not kids else tuple(x for c in kids for x in under[c])
        self._under = under
        # hierarchic composition level by level (:meth:`_global_array`): per depth, the
        # positions in ``nodes`` of its nodes and of their parents
        by_depth: dict[int, tuple[list[int], list[int]]] = {}
        for v in order:
            for c in self._children[v]:
                pos, parents = by_depth.setdefault(self._depth[c], ([], []))
                pos.append(self._index[c])
                parents.append(self._index[v])
        self._levels = tuple((np.array(k, dtype=np.intp), np.array(p, dtype=np.intp))
                             for _, (k, p) in sorted(by_depth.items()))
        self._child_positions = {
            v: np.array([self._index[c] for c in self._children[v]], dtype=np.intp)
            for v in self.internal}
        self._leaf_positions = np.array([self._index[v] for v in self.leaves], dtype=np.intp)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> Hierarchy:
        """Read and validate a hierarchy from a YAML file.

        Parameters
        ----------
        path : str or path-like
            The YAML file (UTF-8). Layout: see the module docstring.

        Returns
        -------
        Hierarchy

        Raises
        ------
        InputError
            The file is missing, is not valid YAML, or describes an invalid tree; the message
            names the file and the node.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "h.yaml").write_text(
        ...     "levels: [goal, criterion]\\n"
        ...     "hierarchy:\\n  id: A\\n  children:\\n"
        ...     "    - {id: B1, label: 科学}\\n    - {id: B2, label: 参与}\\n",
        ...     encoding="utf-8")
        >>> h = Hierarchy.from_yaml(d / "h.yaml")
        >>> h.leaves, h.level_name(1)
        (('B1', 'B2'), 'criterion')
        """
        return cls._from_spec(*read_tree_file(path))

    @classmethod
    def from_children(
        cls,
        mapping: Mapping[Any, Sequence[Any]],
        *,
        labels: Mapping[str, str] | None = None,
        items: Mapping[str, str] | None = None,
        level_names: Sequence[str] | None = None,
        source: str | None = None,
        argument: str | None = None,
    ) -> Hierarchy:
        """Build and validate a hierarchy from a mapping parent -> ordered children.

        Parameters
        ----------
        mapping : mapping
            ``{parent: [child, ...]}``; the children's order is the row/column order of the
            parent's judgment matrices. A leaf needs no entry (or an empty list). Ids are
            converted with ``str``. The root is inferred: the one parent that is nobody's
            child.
        labels, items : mapping, optional
            Labels of nodes and survey columns of leaves (default: their ids).
        level_names : sequence of str, optional
            Names of the depths 0, 1, ... (as the YAML ``levels`` list).
        source : str, optional
            File name used in error messages.
        argument : str, optional
            Name of the caller's argument that holds ``mapping``, used in error messages
            (default: "the hierarchy").

        Returns
        -------
        Hierarchy

        Raises
        ------
        TypeError
            ``mapping`` is not a mapping, or a node's children are not a list.
        InputError
            No root or several roots, a cycle, a node with two parents, repeated children of
            one node, or what :meth:`from_dict` rejects (ids with surrounding spaces, ...);
            the message names the node.

        Examples
        --------
        >>> h = Hierarchy.from_children({"A": ["B1", "B2"], "B1": ["x", "y"]})
        >>> h.nodes, h.leaves
        (('A', 'B1', 'x', 'y', 'B2'), ('x', 'y', 'B2'))
        >>> Hierarchy.from_children({"A": ["B"], "C": ["D"]})
        Traceback (most recent call last):
        ...
        ahpstat._validation.InputError: the hierarchy must have exactly one root (a node that \
is nobody's child). Got 2 roots instead: ['A', 'C'].
        """
        spec = nested_from_children(mapping, labels=labels, items=items,
                                    level_names=level_names, source=source, argument=argument)
        return cls.from_dict(spec, source=source)

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], *, source: str | None = None) -> Hierarchy:
        """Build and validate a hierarchy from a nested mapping (as parsed from YAML).

        Parameters
        ----------
        mapping : mapping
            Either the root node ``{id, label, children}`` or a top-level mapping
            ``{hierarchy: <root node>, levels: [...]}``.
        source : str, optional
            File name used in error messages.

        Returns
        -------
        Hierarchy

        Raises
        ------
        InputError
            Empty hierarchy, a node without ``id``, a non-text or duplicate id, ``children``
            that is not a list, an unknown key (typo protection), an ``item`` column used by
            two leaves, or ``levels`` that do not match the depth of the tree.

        Examples
        --------
        >>> h = Hierarchy.from_dict({"hierarchy": {"id": "G", "children": [
        ...     {"id": "a"}, {"id": "b"}]}, "levels": ["goal", "criterion"]})
        >>> h.nodes, h.level_name(0)
        (('G', 'a', 'b'), 'goal')
        """
        return cls._from_spec(*parse_tree(mapping, source))

    @classmethod
    def _from_spec(cls, spec: TreeSpec | None, problems: list[InputError]) -> Hierarchy:
        """The tree of a validated specification; the first problem if there is one."""
        if problems or spec is None:
            raise problems[0]
        return cls(root=spec.root, children=spec.children, labels=spec.labels,
                   items=spec.items, level_names=spec.level_names, source=spec.source)

    # ------------------------------------------------------------------ structure

    def _check(self, node: str) -> str:
        if node not in self._children:
            raise InputError(f"node {node!r} is not in the hierarchy."
                             f"{suggest(str(node), self.nodes)} Got {node!r} instead.",
                             file=self.source, node=str(node))
        return node

    def children(self, node: str) -> tuple[str, ...]:
        """Child ids of ``node`` in file order (the row/column order of its matrices)."""
        return self._children[self._check(node)]

    def parent(self, node: str) -> str | None:
        """Parent id of ``node``; ``None`` for the root."""
        return self._parent[self._check(node)]

    def label(self, node: str) -> str:
        """Label of ``node`` (its id when the file gives none)."""
        return self._label[self._check(node)]

    def depth(self, node: str) -> int:
        """Depth of ``node``: the root is 0."""
        return self._depth[self._check(node)]

    @property
    def n_levels(self) -> int:
        """Number of levels (the root's level included)."""
        return max(self._depth.values()) + 1

    def level_name(self, depth: int) -> str:
        """Name of a depth from the file's ``levels`` list, else ``"level <depth>"``.

        Examples
        --------
        >>> Hierarchy.from_dict({"id": "A", "children": [{"id": "b"}]}).level_name(1)
        'level 1'
        """
        if isinstance(depth, bool) or not isinstance(depth, int | np.integer):
            raise TypeError(f"`depth` must be an integer. Got {depth!r} instead.")
        if not 0 <= depth < self.n_levels:
            raise ValueError(f"`depth` must be in 0..{self.n_levels - 1}. Got {depth} instead.")
        if self._level_names is not None:
            return self._level_names[depth]
        return f"level {depth}"

    def item(self, leaf: str) -> str:
        """Survey column of a leaf (its id when the file names none)."""
        self._check(leaf)
        if leaf not in self._item:
            raise InputError(f"node {leaf!r} is not a leaf, so it has no survey item. Got "
                             f"an internal node with children {self._children[leaf]} instead.",
                             file=self.source, node=leaf)
        return self._item[leaf]

    def is_leaf(self, node: str) -> bool:
        """Whether ``node`` has no children."""
        return not self._children[self._check(node)]

    def levels(self) -> list[tuple[str, ...]]:
        """Node ids grouped by depth: ``[(root,), (depth-1 nodes...), ...]`` in pre-order."""
        out: list[list[str]] = [[] for _ in range(self.n_levels)]
        for v in self.nodes:
            out[self._depth[v]].append(v)
        return [tuple(x) for x in out]

    def leaves_under(self, node: str) -> tuple[str, ...]:
        """Leaves of the subtree of ``node`` in pre-order (a leaf gives itself)."""
        return self._under[self._check(node)]

    def membership(self) -> np.ndarray:
        """0/1 matrix ``(n_nodes, n_leaves)``: ``M[v, l] = 1`` if leaf ``l`` is under node ``v``.

        Rows follow :attr:`nodes`, columns :attr:`leaves`.

        Examples
        --------
        >>> h = Hierarchy.from_dict({"id": "A", "children": [
        ...     {"id": "B", "children": [{"id": "x"}, {"id": "y"}]}, {"id": "z"}]})
        >>> h.membership().astype(int)
        array([[1, 1, 1],
               [1, 1, 0],
               [1, 0, 0],
               [0, 1, 0],
               [0, 0, 1]])
        """
        M = np.zeros((len(self.nodes), len(self.leaves)))
        for i, v in enumerate(self.nodes):
            M[i, [self._leaf_index[leaf] for leaf in self._under[v]]] = 1.0
        return M

    @property
    def node_index(self) -> Mapping[str, int]:
        """Position of every node in :attr:`nodes` (read-only mapping).

        Examples
        --------
        >>> h = Hierarchy.from_children({"A": ["x", "y"]})
        >>> h.node_index["y"], h.leaf_index["y"]
        (2, 1)
        """
        return MappingProxyType(self._index)

    @property
    def leaf_index(self) -> Mapping[str, int]:
        """Position of every leaf in :attr:`leaves` (read-only mapping; columns of
        :meth:`membership`).
        """
        return MappingProxyType(self._leaf_index)

    def parent_index(self) -> np.ndarray:
        """Position in :attr:`nodes` of each node's parent; ``-1`` for the root.

        Examples
        --------
        >>> Hierarchy.from_children({"A": ["B", "z"], "B": ["x", "y"]}).parent_index()
        array([-1,  0,  1,  1,  0])
        """
        return np.array([-1 if (p := self._parent[v]) is None else self._index[p]
                         for v in self.nodes], dtype=np.intp)

    # ------------------------------------------------------------------ weights

    def _local_arrays(self, local: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], tuple]:
        if not isinstance(local, Mapping):
            raise TypeError("`local` must be a mapping node -> local weights of its children. "
                            f"Got {type(local).__name__} instead.")
        unknown = [v for v in local if v not in self._children or not self._children[v]]
        if unknown:
            v = unknown[0]
            what = "a leaf" if v in self._children else "not in the hierarchy"
            raise ValueError(f"`local` has weights for node {v!r}, which is {what}; only "
                             f"internal nodes have local weights. Got {unknown} instead.")
        arrays: dict[str, np.ndarray] = {}
        for v in self.internal:
            n = len(self._children[v])
            if v not in local:
                if n == 1:
                    continue
                raise ValueError(f"`local` has no weights for node {v!r} "
                                 f"({n} children {self._children[v]}). Got the nodes "
                                 f"{sorted(local)} instead.")
            a = np.asarray(local[v], dtype=float)
            if a.ndim == 0 or a.shape[-1] != n:
                raise ValueError(f"`local[{v!r}]` must have shape (..., {n}): one weight per "
                                 f"child {self._children[v]}. Got shape {a.shape} instead.")
            arrays[v] = a
        try:
            batch = np.broadcast_shapes(*(a.shape[:-1] for a in arrays.values()))
        except ValueError:
            shapes = {v: a.shape for v, a in arrays.items()}
            raise ValueError("the batch shapes of `local` (all axes but the last) must "
                             f"broadcast together. Got {shapes} instead.") from None
        return arrays, batch

    def global_weights(self, local: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Global weight of every node: the product of the local weights on its path.

        Parameters
        ----------
        local : mapping node -> array_like, shape (..., n_children)
            Local weights of each internal node's children, in :meth:`children` order. Batch
            axes (experts, resamples, draws, ...) broadcast across nodes. A node with a
            single child may be omitted (its child's local weight is 1).

        Returns
        -------
        dict node -> ndarray, shape (...)
            In :attr:`nodes` order; the root is 1. When each local vector sums to 1, the
            leaves' global weights sum to 1 (and so do those of every level).

        Notes
        -----
        ``g(root) = 1``, ``g(c) = g(parent(c)) * w_parent[c]`` (Saaty 1980, hierarchic
        composition). Vectorized: one multiplication per node over all batch axes.

        Examples
        --------
        >>> h = Hierarchy.from_dict({"id": "A", "children": [
        ...     {"id": "B", "children": [{"id": "x"}, {"id": "y"}]}, {"id": "z"}]})
        >>> g = h.global_weights({"A": [0.6, 0.4], "B": [0.25, 0.75]})
        >>> {v: round(float(w), 3) for v, w in g.items()}
        {'A': 1.0, 'B': 0.6, 'x': 0.15, 'y': 0.45, 'z': 0.4}
        >>> h.global_weights({"A": [[0.6, 0.4], [0.5, 0.5]], "B": [0.25, 0.75]})["y"]
        array([0.45 , 0.375])
        """
        arrays, batch = self._local_arrays(local)
        G = self._global_array(arrays, batch)
        if not batch:  # numpy scalars, as node-by-node products give them
            return {v: G[i] for i, v in enumerate(self.nodes)}
        return {v: G[..., i].copy() for i, v in enumerate(self.nodes)}

    def leaf_weights(self, local: Mapping[str, Any]) -> np.ndarray:
        """Global weights of the leaves, stacked on the last axis in :attr:`leaves` order.

        Parameters
        ----------
        local : mapping node -> array_like, shape (..., n_children)
            As :meth:`global_weights` takes it.

        Returns
        -------
        ndarray, shape (..., n_leaves)

        Examples
        --------
        >>> h = Hierarchy.from_children({"A": ["B", "z"], "B": ["x", "y"]})
        >>> h.leaf_weights({"A": [[0.6, 0.4], [0.5, 0.5]], "B": [0.25, 0.75]})
        array([[0.15 , 0.45 , 0.4  ],
               [0.125, 0.375, 0.5  ]])
        """
        arrays, batch = self._local_arrays(local)
        return np.take(self._global_array(arrays, batch), self._leaf_positions, axis=-1)

    def _global_array(self, arrays: dict[str, np.ndarray], batch: tuple) -> np.ndarray:
        """Every node's global weight on the last axis, ``(*batch, n_nodes)`` in
        :attr:`nodes` order: the local weights laid side by side, then one product per depth
        (``g(c) = g(parent(c)) * w_parent[c]``, the same products as :meth:`walk_weights`).
        """
        L = np.ones((*batch, len(self.nodes)))
        for v, w in arrays.items():
            L[..., self._child_positions[v]] = w
        G = L
        for nodes, parents in self._levels:
            G[..., nodes] = G[..., parents] * G[..., nodes]
        return G

    def local_weights(self, global_weights: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Local weight of every node from the global weights of all nodes (the inverse of
        :meth:`global_weights`): ``g(v) / g(parent(v))``, the root 1.

        Parameters
        ----------
        global_weights : mapping node -> array_like
            The global weight of every node; arrays broadcast together.

        Returns
        -------
        dict node -> ndarray
            In :attr:`nodes` order (``NaN`` where the parent's weight is 0 or ``NaN``).

        Examples
        --------
        >>> h = Hierarchy.from_children({"A": ["B", "z"], "B": ["x", "y"]})
        >>> g = {"A": 1.0, "B": 0.6, "x": 0.15, "y": 0.45, "z": 0.4}
        >>> {v: round(float(w), 3) for v, w in h.local_weights(g).items()}
        {'A': 1.0, 'B': 0.6, 'x': 0.25, 'y': 0.75, 'z': 0.4}
        """
        missing = [v for v in self.nodes if v not in global_weights]
        if missing:
            raise ValueError(f"`global_weights` must give every node's weight; got none for "
                             f"{missing} instead.")
        g = {v: np.asarray(global_weights[v], dtype=float) for v in self.nodes}
        out: dict[str, np.ndarray] = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            for v in self.nodes:
                p = self._parent[v]
                out[v] = np.ones_like(g[v]) if p is None else g[v] / g[p]
        return out

    def walk_weights(self, local: Mapping[str, Any]) -> Iterator[tuple[str, np.ndarray,
                                                                       np.ndarray]]:
        """Yield ``(node, local_weight, global_weight)`` for every node in pre-order.

        The root's local weight is 1; arrays have the broadcast batch shape of ``local``
        (see :meth:`global_weights`). Handy for building tables.

        Examples
        --------
        >>> h = Hierarchy.from_dict({"id": "A", "children": [{"id": "x"}, {"id": "y"}]})
        >>> [(v, float(lw), float(gw)) for v, lw, gw in h.walk_weights({"A": [0.3, 0.7]})]
        [('A', 1.0, 1.0), ('x', 0.3, 0.3), ('y', 0.7, 0.7)]
        """
        arrays, batch = self._local_arrays(local)
        one = np.ones(batch)
        glob: dict[str, np.ndarray] = {self.root: one}
        loc: dict[str, np.ndarray] = {self.root: one}
        for v in self.nodes:
            kids = self._children[v]
            if kids:
                w = arrays.get(v)
                for k, c in enumerate(kids):
                    lw = one if w is None else np.broadcast_to(w[..., k], batch)
                    loc[c] = np.array(lw, dtype=float)
                    glob[c] = glob[v] * lw
            yield v, loc[v], glob[v]

    # ------------------------------------------------------------------ tables

    def to_frame(self) -> pd.DataFrame:
        """Tidy table of the tree, one row per node in pre-order.

        Returns
        -------
        DataFrame
            Columns ``id``, ``label``, ``parent`` (missing for the root), ``depth``
            (root = 0), ``n_children`` and ``item`` (the survey column of a leaf, missing
            for internal nodes).

        Examples
        --------
        >>> h = Hierarchy.from_dict({"id": "A", "label": "目标", "children": [
        ...     {"id": "B1", "label": "科学", "item": "Q1"}, {"id": "B2", "label": "参与"}]})
        >>> h.to_frame()
           id label parent  depth  n_children item
        0   A    目标    NaN      0           2  NaN
        1  B1    科学      A      1           0   Q1
        2  B2    参与      A      1           0   B2
        """
        return pd.DataFrame({
            "id": list(self.nodes),
            "label": [self._label[v] for v in self.nodes],
            "parent": [self._parent[v] for v in self.nodes],
            "depth": [self._depth[v] for v in self.nodes],
            "n_children": [len(self._children[v]) for v in self.nodes],
            "item": [self._item.get(v) for v in self.nodes],
        })

    def to_dict(self) -> dict[str, Any]:
        """The tree as a nested mapping that :meth:`from_dict` reads back.

        Examples
        --------
        >>> h = Hierarchy.from_dict({"id": "A", "children": [{"id": "x", "item": "Q1"}]})
        >>> Hierarchy.from_dict(h.to_dict()).to_dict() == h.to_dict()
        True
        """
        def node(v: str) -> dict[str, Any]:
            out: dict[str, Any] = {"id": v, "label": self._label[v]}
            if self._children[v]:
                out["children"] = [node(c) for c in self._children[v]]
            else:
                out["item"] = self._item[v]
            return out

        top: dict[str, Any] = {"hierarchy": node(self.root)}
        if self._level_names is not None:
            top["levels"] = list(self._level_names)
        return top

    def __contains__(self, node: object) -> bool:
        return node in self._children

    def __len__(self) -> int:
        return len(self.nodes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hierarchy):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"Hierarchy(root={self.root!r}, depth={self.n_levels - 1}, "
                f"nodes={len(self.nodes)}, internal={len(self.internal)}, "
                f"leaves={len(self.leaves)})")


def as_hierarchy(hierarchy: Any, *, argument: str = "hierarchy") -> Hierarchy:
    """A :class:`Hierarchy` from a Hierarchy, a nested mapping or a mapping parent -> children.

    Parameters
    ----------
    hierarchy : Hierarchy or mapping
        A nested mapping has an ``id`` (the root node) or a ``hierarchy`` key
        (:meth:`Hierarchy.from_dict`); any other mapping is parent -> children
        (:meth:`Hierarchy.from_children`).
    argument : str, default "hierarchy"
        The caller's argument name, for error messages.

    Examples
    --------
    >>> as_hierarchy({"A": ["x", "y"]}) == as_hierarchy({"id": "A", "children": [
    ...     {"id": "x"}, {"id": "y"}]})
    True
    """
    if isinstance(hierarchy, Hierarchy):
        return hierarchy
    if not isinstance(hierarchy, Mapping):
        raise TypeError(f"`{argument}` must be an ahpstat.Hierarchy or a mapping parent -> "
                        f"children; got {type(hierarchy).__name__} instead.")
    if "id" in hierarchy or "hierarchy" in hierarchy:
        return Hierarchy.from_dict(hierarchy)
    return Hierarchy.from_children(hierarchy, argument=argument)
