"""The model's data: judgments validated by the package's one path as flat index arrays
(:class:`Panel`, :func:`prepare_panel`), the judgment scale's intervals, and the index arrays
that map elements onto the hierarchy (:class:`Layout`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._bayes_model._kernels import SENTINEL
from ahpstat._validation import InputError, check_scale
from ahpstat.pairwise import comparison_graph_components, upper_pairs
from ahpstat.scales import SAATY_SCALE

__all__ = ["Layout", "Panel", "interval_bounds", "layout", "prepare_panel", "scale_log_values"]

def scale_log_values(scale: str | None) -> np.ndarray | None:
    """The judgment scale's values in log space, ascending (``None``: continuous judgments).

    Examples
    --------
    >>> scale_log_values("saaty").round(3)[[0, 8, 16]]
    array([-2.197,  0.   ,  2.197])
    """
    if check_scale(scale) is None:
        return None
    return np.log(np.asarray(SAATY_SCALE, dtype=float))


def interval_bounds(log_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bound of each scale value's interval of the latent log ratio.

    A judgment ``v_c`` on a discrete scale says the latent log ratio lies between the
    log-space midpoints to its neighbours; the scale's ends are open (``9`` means "9 or more"):
    ``-SENTINEL`` and ``+SENTINEL`` stand for minus and plus infinity.

    Examples
    --------
    >>> lo, hi = interval_bounds(np.log([1 / 3, 1, 3]))
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([-1000.0, -0.549, 0.549], [-0.549, 0.549, 1000.0])
    """
    mid = 0.5 * (log_values[1:] + log_values[:-1])
    return np.concatenate([[-SENTINEL], mid]), np.concatenate([mid, [SENTINEL]])


# --------------------------------------------------------------------------- judgments
@dataclass(frozen=True, eq=False)
class Panel:
    """Validated judgments as flat index arrays into one vector of all judged elements.

    ``elements`` are the children of the judged nodes (nodes with two or more children),
    node after node in pre-order; a child id is unique in a tree, so it names its element.
    Judgment ``o`` is expert ``expert[o]``'s ``log a`` for elements ``row[o] < col[o]`` (flat
    indices; oriented to the upper triangle of the node's matrix), ``log_value[o]``.
    """

    hierarchy: Any
    experts: tuple[str, ...]
    judged: tuple[str, ...]
    elements: tuple[str, ...]
    element_node: np.ndarray  # (E,) index into judged
    offsets: np.ndarray  # (G + 1,)
    expert: np.ndarray  # (O,)
    node: np.ndarray  # (O,) index into judged
    row: np.ndarray  # (O,) flat element index
    col: np.ndarray  # (O,)
    log_value: np.ndarray  # (O,)
    scale: str | None
    scale_log: np.ndarray | None  # (C,) ascending, or None (continuous)
    expert_weights: np.ndarray  # (K,), mean 1
    sha256: str

    @property
    def n_obs(self) -> int:
        return int(self.log_value.size)

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each judgment's interval of the latent log ratio (discrete scales only)."""
        if self.scale_log is None:
            raise ValueError("continuous judgments have no intervals")
        lo, hi = interval_bounds(self.scale_log)
        cat = self.category()
        return lo[cat], hi[cat]

    def category(self) -> np.ndarray:
        """Each judgment's position on the scale (discrete scales only)."""
        assert self.scale_log is not None
        return np.abs(self.log_value[:, None] - self.scale_log[None, :]).argmin(axis=1)

    def lapse_half_range(self) -> float:
        """``R``: a random continuous answer is uniform on ``[-R, R]`` (log ratio), ``R`` the
        larger of log 9 and the largest ``|log a|`` given.
        """
        return max(math.log(9.0), float(np.abs(self.log_value).max(initial=0.0)))

    def lapse_log_density(self) -> float:
        """Log-density of a random answer: uniform over the scale's values, or (continuous)
        uniform over ``[-R, R]`` (:meth:`lapse_half_range`).
        """
        if self.scale_log is not None:
            return -math.log(self.scale_log.size)
        return -math.log(2.0 * self.lapse_half_range())

    def n_judged_per_node(self) -> np.ndarray:
        """Judgments per judged node (all experts)."""
        return np.bincount(self.node, minlength=len(self.judged))


def _as_hierarchy(structure: Any) -> Any:
    from ahpstat.hierarchy import as_hierarchy

    return as_hierarchy(structure, argument="structure")


def _expert_order(judgments: pd.DataFrame, found: set[str]) -> tuple[str, ...]:
    """The experts of the judgments in order of first appearance."""
    seen = list(dict.fromkeys(str(e).strip() for e in judgments["expert"].tolist()))
    first = [e for e in seen if e in found]
    return tuple(first + sorted(found - set(first)))


def prepare_panel(judgments: pd.DataFrame, structure: Any, *, scale: str | None = "saaty",
                  expert_weights: Any = None) -> Panel:
    """Validate the judgments (the package's one path) and build the model's index arrays.

    Raises :class:`~ahpstat.InputError` (naming file, row, expert and node when known) for
    everything :func:`ahpstat.io.validate_judgments` rejects (with ``scale``), and for a node
    whose comparison graph, pooled over all experts, is not connected.
    """
    from ahpstat.io import expert_weight_vector, judgment_stacks, validate_judgments

    scale = check_scale(scale)
    h = _as_hierarchy(structure)
    if not isinstance(judgments, pd.DataFrame):
        raise TypeError("`judgments` must be a pandas DataFrame in the canonical long form "
                        "(expert, node, row, col, value); got "
                        f"{type(judgments).__name__} instead.")
    if len(judgments) == 0:
        raise InputError("the judgments table is empty. Got 0 rows instead.")
    validate_judgments(judgments, h, scale=scale, errors="raise")
    stacks = judgment_stacks(judgments, h, validate=False)
    judged = tuple(v for v in h.internal if len(h.children(v)) >= 2)
    missing = [v for v in judged if v not in stacks]
    if missing:  # pragma: no cover - validate_judgments names them first
        raise InputError(f"no expert judged the nodes {missing}. Got no judgments instead.")
    experts = _expert_order(judgments, {e for v in judged for e in stacks[v][0]})
    kpos = {e: k for k, e in enumerate(experts)}
    sizes = np.array([len(h.children(v)) for v in judged], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    parts = []
    for g, v in enumerate(judged):
        who, stack = stacks[v]
        n = int(sizes[g])
        present = ~np.isnan(stack)
        comps = comparison_graph_components(present.any(axis=0) | np.eye(n, dtype=bool))
        if len(comps) > 1:
            kids = h.children(v)
            names = [[kids[p] for p in comp] for comp in comps]
            raise InputError(
                f"the comparison graph of node {v!r}, pooled over all experts, is not "
                f"connected: its elements fall into the separate groups {names}, which no "
                "judgment links, so their relative weights are not identified. Add a judgment "
                f"between the groups. Got {len(comps)} components instead of 1.", node=v)
        iu, ju = upper_pairs(n)
        kk, p = np.nonzero(present[:, iu, ju])
        parts.append((np.array([kpos[who[x]] for x in kk], dtype=np.int64),
                      np.full(kk.size, g, dtype=np.int64), offsets[g] + iu[p], offsets[g] + ju[p],
                      np.log(stack[kk, iu[p], ju[p]])))
    k_all, g_all, r_all, c_all, y_all = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((c_all, r_all, k_all))
    k_all, g_all, r_all, c_all, y_all = (x[order] for x in (k_all, g_all, r_all, c_all, y_all))
    log_scale = scale_log_values(scale)
    if log_scale is not None:  # snap 0.333 to 1/3 (validate_judgments accepted it as 1/3)
        y_all = log_scale[np.abs(y_all[:, None] - log_scale[None, :]).argmin(axis=1)]
    w = expert_weight_vector(expert_weights, experts)
    w = w * (len(experts) / w.sum())
    elements = tuple(c for v in judged for c in h.children(v))
    structure_map = {v: list(h.children(v)) for v in h.internal}
    canonical = {
        "structure": structure_map, "experts": list(experts), "scale": scale,
        "expert_weights": [float(x) for x in w],
        "obs": [[experts[k], elements[r], elements[c], float(y)]
                for k, r, c, y in zip(k_all, r_all, c_all, y_all, strict=True)],
    }
    sha = hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
    return Panel(hierarchy=h, experts=experts, judged=judged, elements=elements,
                 element_node=np.repeat(np.arange(len(judged)), sizes), offsets=offsets,
                 expert=k_all, node=g_all, row=r_all, col=c_all, log_value=y_all, scale=scale,
                 scale_log=log_scale, expert_weights=w, sha256=sha)


# --------------------------------------------------------------------------- layout
@dataclass(frozen=True)
class Layout:
    """Index arrays that map the flat element vector onto the hierarchy's nodes."""

    pad_index: np.ndarray  # (G, n_max) element index per judged node, padded with 0
    pad_valid: np.ndarray  # (G, n_max) bool
    element_pad: np.ndarray  # (E,) position of element e in pad_index.ravel()
    node_source: np.ndarray  # (N,) index into [1, local weights of the elements...]
    ancestors: np.ndarray  # (N, N) 1 if column node is the row node or one of its ancestors
    parent: tuple[str, ...]  # (N,) parent id ("" for the root)


def layout(panel: Panel) -> Layout:
    """The index arrays of :class:`Layout` for ``panel``'s hierarchy."""
    h = panel.hierarchy
    sizes = panel.sizes
    G, n_max = len(panel.judged), int(sizes.max())
    pad_index = np.zeros((G, n_max), dtype=np.int64)
    pad_valid = np.zeros((G, n_max), dtype=bool)
    element_pad = np.empty(int(panel.offsets[-1]), dtype=np.int64)
    for g in range(G):
        n, a = int(sizes[g]), int(panel.offsets[g])
        pad_index[g, :n] = np.arange(a, a + n)
        pad_valid[g, :n] = True
        element_pad[a:a + n] = g * n_max + np.arange(n)
    epos = {e: p for p, e in enumerate(panel.elements)}
    nodes = h.nodes
    node_source = np.array([1 + epos[v] if v in epos else 0 for v in nodes], dtype=np.int64)
    npos = {v: p for p, v in enumerate(nodes)}
    anc = np.zeros((len(nodes), len(nodes)))
    parent = []
    for r, v in enumerate(nodes):
        u: str | None = v
        while u is not None:
            anc[r, npos[u]] = 1.0
            u = h.parent(u)
        parent.append(h.parent(v) or "")
    return Layout(pad_index, pad_valid, element_pad, node_source, anc, tuple(parent))
