"""Private helpers of :mod:`ahpstat.bayes`: tree and judgment preparation, numpy products.

Nothing here imports PyMC, PyTensor or ArviZ: the data preparation (validation, index arrays
into one flat vector of all elements) and the posterior products (softmax per node, global
weights, credal ranking, intervals) are plain numpy so they are cheap and testable alone.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import InputError
from ahpstat.pairwise import comparison_graph_components

__all__ = [
    "Panel",
    "Tree",
    "credal_table",
    "global_draws",
    "helmert_basis",
    "prepare_panel",
    "segment_softmax",
    "tree_from_structure",
]

_REQUIRED = ("expert", "node", "row", "col", "value")
# Two entries for the same pair (e.g. both triangles of a matrix block) are merged when their
# log-judgments agree to this tolerance (1/3 written 0.333 differs by 1e-3).
_DUPLICATE_TOL = 0.05


# --------------------------------------------------------------------------- tree
@dataclass(frozen=True)
class Tree:
    """A hierarchy reduced to what the Bayesian model needs (ids as strings, pre-order)."""

    root: str
    nodes: tuple[str, ...]
    internal: tuple[str, ...]
    leaves: tuple[str, ...]
    children: dict[str, tuple[str, ...]]
    parent: dict[str, str | None]

    @property
    def modeled(self) -> tuple[str, ...]:
        """Internal nodes with at least two children (the ones with judgment matrices)."""
        return tuple(v for v in self.internal if len(self.children[v]) >= 2)

    def membership(self) -> np.ndarray:
        """``(nodes, leaves)`` 0/1 matrix: leaf ``l`` lies under node ``v`` (or is ``v``)."""
        pos = {leaf: i for i, leaf in enumerate(self.leaves)}
        M = np.zeros((len(self.nodes), len(self.leaves)))
        for r, v in enumerate(self.nodes):
            stack = [v]
            while stack:
                u = stack.pop()
                kids = self.children.get(u, ())
                if kids:
                    stack.extend(kids)
                else:
                    M[r, pos[u]] = 1.0
        return M

    def to_dict(self) -> dict[str, list[str]]:
        return {v: list(self.children[v]) for v in self.internal}


def tree_from_structure(structure: Any) -> Tree:
    """Normalize a mapping ``node -> children`` or a hierarchy-like object to a :class:`Tree`."""
    if hasattr(structure, "internal") and hasattr(structure, "children"):
        raw = {str(v): tuple(str(c) for c in structure.children(v)) for v in structure.internal}
    elif isinstance(structure, Mapping):
        raw = {}
        for v, kids in structure.items():
            if isinstance(kids, str) or not isinstance(kids, Sequence):
                raise TypeError(
                    "`structure` must map each node to a sequence of child ids; got "
                    f"{type(kids).__name__} for node {v!r} instead."
                )
            if len(kids):
                raw[str(v)] = tuple(str(c) for c in kids)
    else:
        raise TypeError(
            "`structure` must be a mapping node -> children or an object with `.internal` and "
            f"`.children(node)`; got {type(structure).__name__} instead."
        )
    if not raw:
        raise InputError("the hierarchy has no internal node. Got an empty structure instead.")
    parent: dict[str, str | None] = {}
    for v, kids in raw.items():
        if len(set(kids)) != len(kids):
            dup = sorted({c for c in kids if kids.count(c) > 1})
            raise InputError(f"children must be distinct. Got {dup} repeated instead.", node=v)
        for c in kids:
            if c in parent:
                raise InputError(
                    f"node {c!r} has two parents; a hierarchy is a tree. Got parents "
                    f"{parent[c]!r} and {v!r} instead."
                )
            parent[c] = v
    roots = [v for v in raw if v not in parent]
    if len(roots) != 1:
        raise InputError(
            "the hierarchy must have exactly one root (a node that is nobody's child). "
            f"Got {len(roots)} instead: {roots}."
        )
    root = roots[0]
    parent[root] = None
    nodes: list[str] = []
    stack = [root]
    while stack:
        v = stack.pop()
        nodes.append(v)
        stack.extend(reversed(raw.get(v, ())))
    unreachable = sorted(set(raw) - set(nodes))
    if unreachable:
        raise InputError(
            f"nodes {unreachable} are not reachable from the root {root!r} (a cycle?). "
            "Got a structure that is not a tree instead."
        )
    internal = tuple(v for v in nodes if v in raw)
    leaves = tuple(v for v in nodes if v not in raw)
    return Tree(root, tuple(nodes), internal, leaves, dict(raw), parent)


# --------------------------------------------------------------------------- judgments
@dataclass(frozen=True)
class Panel:
    """Judgments as flat index arrays into one vector of all elements of all modeled nodes.

    ``elements`` are the children of the modeled nodes, node after node (pre-order); a child
    id is unique in a tree, so it names its element. Observation ``o`` says
    ``y[o] = log a = theta[expert_idx[o], i_idx[o]] - theta[expert_idx[o], j_idx[o]] + error``
    with ``i_idx < j_idx`` (oriented to the upper triangle).
    """

    tree: Tree
    experts: tuple[str, ...]
    nodes: tuple[str, ...]  # modeled nodes
    elements: tuple[str, ...]
    element_node: np.ndarray  # (E,) index into nodes
    offsets: np.ndarray  # (n_nodes + 1,) element offsets per node
    y: np.ndarray  # (O,)
    expert_idx: np.ndarray  # (O,)
    i_idx: np.ndarray  # (O,) flat element index
    j_idx: np.ndarray  # (O,)
    node_idx: np.ndarray  # (O,)
    expert_weights: np.ndarray  # (K,), mean 1
    sha256: str

    @property
    def n_obs(self) -> int:
        return int(self.y.size)


def _where(df: pd.DataFrame, idx: Any) -> dict[str, Any]:
    """InputError location keywords for row ``idx`` of the judgments table."""
    rec = df.loc[idx]
    loc: dict[str, Any] = {"expert": str(rec["expert"]), "node": str(rec["node"])}
    if "source_file" in df.columns and pd.notna(rec.get("source_file")):
        loc["file"] = str(rec["source_file"])
    if "source_sheet" in df.columns and pd.notna(rec.get("source_sheet")):
        loc["sheet"] = str(rec["source_sheet"])
    if "source_row" in df.columns and pd.notna(rec.get("source_row")):
        loc["row"] = int(rec["source_row"])
    return loc


def _expert_weight_vector(expert_weights: Any, experts: tuple[str, ...]) -> np.ndarray:
    K = len(experts)
    if expert_weights is None:
        return np.ones(K)
    if isinstance(expert_weights, pd.DataFrame):
        if not {"expert", "weight"} <= set(expert_weights.columns):
            raise InputError(
                "expert weights need the columns 'expert' and 'weight'. Got "
                f"{list(expert_weights.columns)} instead."
            )
        expert_weights = dict(
            zip(expert_weights["expert"].astype(str), expert_weights["weight"], strict=True)
        )
    if isinstance(expert_weights, pd.Series):
        expert_weights = {str(k): v for k, v in expert_weights.items()}
    if isinstance(expert_weights, Mapping):
        ew = {str(k): v for k, v in expert_weights.items()}
        missing = [e for e in experts if e not in ew]
        if missing:
            raise InputError(
                f"no expert weight for experts {missing}. Got weights for {sorted(ew)}."
            )
        w = np.array([ew[e] for e in experts], dtype=float)
    else:
        w = np.asarray(expert_weights, dtype=float).ravel()
        if w.size != K:
            raise ValueError(
                f"`expert_weights` must have one weight per expert ({K}); got {w.size} instead."
            )
    if not np.all(np.isfinite(w) & (w > 0)):
        raise InputError(f"expert weights must be positive and finite. Got {w.tolist()} instead.")
    return w / w.mean()


def prepare_panel(judgments: pd.DataFrame, tree: Tree, expert_weights: Any = None) -> Panel:
    """Validate the canonical judgments table against ``tree``; build the flat index arrays.

    Raises :class:`~ahpstat.InputError` (naming expert, node, file and row when known) for a
    missing column, an unknown node or element, a non-positive value, contradictory duplicate
    judgments, and a node whose comparison graph pooled over all experts is not connected.
    """
    if not isinstance(judgments, pd.DataFrame):
        raise TypeError(
            "`judgments` must be a pandas DataFrame in the canonical long form (expert, node, "
            f"row, col, value); got {type(judgments).__name__} instead."
        )
    missing = [c for c in _REQUIRED if c not in judgments.columns]
    if missing:
        raise InputError(
            f"the judgments table lacks the column(s) {missing}. Got columns "
            f"{list(judgments.columns)} instead."
        )
    df = judgments.copy()
    for c in ("expert", "node", "row", "col"):
        df[c] = df[c].astype(str)
    if df.empty:
        raise InputError("the judgments table is empty. Got 0 rows instead.")
    value = pd.to_numeric(df["value"], errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(value) & (value > 0))
    if bad.any():
        k = df.index[np.flatnonzero(bad)[0]]
        shown = df.loc[k, "value"]
        shown = shown.item() if isinstance(shown, np.generic) else shown
        raise InputError(
            f"judgment values must be positive finite numbers. Got {shown!r} instead.",
            **_where(df, k),
        )
    modeled = tree.modeled
    node_pos = {v: g for g, v in enumerate(modeled)}
    unknown = ~df["node"].isin(node_pos)
    if unknown.any():
        k = df.index[np.flatnonzero(unknown.to_numpy())[0]]
        v = df.loc[k, "node"]
        why = (
            f"node {v!r} has a single child and needs no judgments"
            if v in tree.children
            else f"node {v!r} is not an internal node of the hierarchy"
        )
        raise InputError(
            f"{why}; judgments can be given for {list(modeled)}. Got node {v!r} instead.",
            **_where(df, k),
        )
    sizes = np.array([len(tree.children[v]) for v in modeled])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    elements = tuple(c for v in modeled for c in tree.children[v])
    element_node = np.repeat(np.arange(len(modeled)), sizes)
    local = {(v, c): p for v in modeled for p, c in enumerate(tree.children[v])}
    g = df["node"].map(node_pos).to_numpy(dtype=np.int64)
    for side in ("row", "col"):
        pos = [local.get(key, -1) for key in zip(df["node"], df[side], strict=True)]
        pos_arr = np.asarray(pos, dtype=np.int64)
        if (pos_arr < 0).any():
            k = df.index[np.flatnonzero(pos_arr < 0)[0]]
            v = df.loc[k, "node"]
            raise InputError(
                f"element {df.loc[k, side]!r} (column {side!r}) is not a child of node {v!r}, "
                f"whose children are {list(tree.children[v])}. Got {df.loc[k, side]!r} instead.",
                **_where(df, k),
            )
        df[f"_{side}"] = pos_arr
    y = np.log(value)
    diag = (df["_row"] == df["_col"]).to_numpy()
    if diag.any():
        off = diag & (np.abs(y) > 1e-9)
        if off.any():
            k = df.index[np.flatnonzero(off)[0]]
            raise InputError(
                "an element compared with itself must have value 1. Got "
                f"{float(df.loc[k, 'value'])!r} instead.",
                **_where(df, k),
            )
    flip = (df["_row"] > df["_col"]).to_numpy()
    i_loc = np.where(flip, df["_col"], df["_row"])
    j_loc = np.where(flip, df["_row"], df["_col"])
    df["_i"], df["_j"], df["_y"], df["_g"] = i_loc, j_loc, np.where(flip, -y, y), g
    df = df.loc[~diag]
    experts = tuple(pd.unique(df["expert"]))
    if not experts:
        raise InputError("no off-diagonal judgment. Got only diagonal entries instead.")
    keys = ["expert", "_g", "_i", "_j"]
    grouped = df.groupby(keys, sort=False)["_y"]
    spread = grouped.transform(lambda s: s.max() - s.min()).to_numpy()
    if (spread > _DUPLICATE_TOL).any():
        k = df.index[np.flatnonzero(spread > _DUPLICATE_TOL)[0]]
        rec = df.loc[k]
        raise InputError(
            f"contradictory judgments of the pair ({rec['row']!r}, {rec['col']!r}): the same "
            "expert gives it twice with different values (a_ij and a_ji must be reciprocal). "
            f"Got log-values differing by {spread[df.index.get_loc(k)]:.3g} instead.",
            **_where(df, k),
        )
    agg = grouped.mean().reset_index()
    # connectivity of each node's comparison graph, pooled over experts
    for gi, v in enumerate(modeled):
        n = sizes[gi]
        sub = agg[agg["_g"] == gi]
        present = np.zeros((n, n), dtype=bool)
        present[sub["_i"].to_numpy(), sub["_j"].to_numpy()] = True
        comps = comparison_graph_components(present | np.eye(n, dtype=bool))
        if len(comps) > 1:
            names = [[tree.children[v][p] for p in comp] for comp in comps]
            raise InputError(
                f"the comparison graph of node {v!r}, pooled over all experts, is not "
                f"connected: its elements fall into the separate groups {names}, which no "
                "judgment links, so their relative weights are not identified. Add a "
                "judgment between the groups. Got "
                f"{len(comps)} components instead of 1.",
                node=v,
            )
    expert_pos = {e: k for k, e in enumerate(experts)}
    weights = _expert_weight_vector(expert_weights, experts)
    k_idx = agg["expert"].map(expert_pos).to_numpy(dtype=np.int64)
    gg = agg["_g"].to_numpy(dtype=np.int64)
    i_idx = offsets[gg] + agg["_i"].to_numpy(dtype=np.int64)
    j_idx = offsets[gg] + agg["_j"].to_numpy(dtype=np.int64)
    yy = agg["_y"].to_numpy(dtype=float)
    order = np.lexsort((j_idx, i_idx, k_idx))
    canonical = {
        "structure": tree.to_dict(),
        "experts": list(experts),
        "expert_weights": [float(x) for x in weights],
        "obs": [
            [experts[k_idx[o]], elements[i_idx[o]], elements[j_idx[o]], float(yy[o])] for o in order
        ],
    }
    sha = hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
    return Panel(
        tree=tree,
        experts=experts,
        nodes=modeled,
        elements=elements,
        element_node=element_node,
        offsets=offsets,
        y=yy[order],
        expert_idx=k_idx[order],
        i_idx=i_idx[order],
        j_idx=j_idx[order],
        node_idx=gg[order],
        expert_weights=weights,
        sha256=sha,
    )


def helmert_basis(n: int) -> np.ndarray:
    """Orthonormal basis ``(n, n - 1)`` of the zero-sum subspace of R^n (Helmert contrasts).

    With ``eta ~ N(0, s^2 I_(n-1))``, ``H @ eta`` is zero-sum normal with scale ``s``.

    Examples
    --------
    >>> H = helmert_basis(3)
    >>> np.allclose(H.sum(0), 0), np.allclose(H.T @ H, np.eye(2))
    (True, True)
    """
    H = np.zeros((n, max(n - 1, 0)))
    for k in range(1, n):
        H[:k, k - 1] = 1.0
        H[k, k - 1] = -float(k)
        H[:, k - 1] /= np.sqrt(k * (k + 1.0))
    return H


def block_basis(offsets: np.ndarray) -> np.ndarray:
    """Block-diagonal zero-sum basis ``(E, E - n_nodes)`` over all nodes' elements."""
    sizes = np.diff(offsets)
    E, F = int(offsets[-1]), int(np.sum(sizes - 1))
    B = np.zeros((E, F))
    f = 0
    for g, n in enumerate(sizes):
        B[offsets[g] : offsets[g] + n, f : f + n - 1] = helmert_basis(int(n))
        f += n - 1
    return B


# --------------------------------------------------------------------------- products
def segment_softmax(log_priority: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Softmax of ``log_priority`` (..., E) within each node's segment of the last axis."""
    out = np.empty_like(log_priority, dtype=float)
    for a, b in itertools.pairwise(offsets):
        x = log_priority[..., a:b]
        x = np.exp(x - x.max(axis=-1, keepdims=True))
        out[..., a:b] = x / x.sum(axis=-1, keepdims=True)
    return out


def global_draws(tree: Tree, local: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Global weights of every node from local weight draws ``node -> (n_children, ...)``."""
    shape = next(iter(local.values())).shape[1:]
    out: dict[str, np.ndarray] = {tree.root: np.ones(shape)}
    for v in tree.nodes:  # pre-order: a parent is done before its children
        for p, c in enumerate(tree.children.get(v, ())):
            out[c] = out[v] * local[v][p]
    return out


def credal_table(tree: Tree, local: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """``P(w_i > w_j)`` for every ordered pair of children of every node with 2+ children."""
    rows = []
    for v in tree.internal:
        kids = tree.children[v]
        if len(kids) < 2:
            continue
        w = local[v]
        p = (w[:, None, :] > w[None, :, :]).mean(axis=-1)
        for a, ca in enumerate(kids):
            for b, cb in enumerate(kids):
                if a != b:
                    rows.append((v, ca, cb, float(p[a, b])))
    return pd.DataFrame(rows, columns=["node", "element_i", "element_j", "p_greater"])


def summarize(draws: np.ndarray, ci: float) -> tuple[np.ndarray, ...]:
    """Mean, sd and equal-tailed ``ci`` interval over the last axis."""
    lo, hi = np.quantile(draws, [(1 - ci) / 2, (1 + ci) / 2], axis=-1)
    return draws.mean(axis=-1), draws.std(axis=-1, ddof=1), lo, hi
