"""AHPy-style input (Griffith, AHPy): a dictionary of comparisons per node and a hierarchy.

AHPy builds a decision from ``Compare(name, comparisons)`` objects linked by
``Compose.add_hierarchy({parent: [children]})``. The same information as plain data:

``comparisons``
    ``{name: {(a, b): value, ...}}``: for each node, its pairwise comparisons (``(a, b): 3``
    means a is 3 times as important as b; pairs may be missing), or ``{name: {a: measured,
    ...}}``: measured values whose normalized values are the priorities (AHPy's
    "normalized weights").
``hierarchy``
    ``{parent: [child, ...]}``: the names of the nodes below each node. A node's elements
    are its children; the nodes without children are the leaf criteria, whose elements are
    the alternatives (AHPy's "target" elements). Omitted for a single node.

AHPy completes missing comparisons optimally (Bozóki, Fülöp & Rónyai 2010): evaluate with
``completion="optimal"`` to reproduce it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ahpstat._validation import InputError, suggest
from ahpstat.hierarchy import Hierarchy
from ahpstat.io._decision import DecisionData, Preference
from ahpstat.io._rahp import SINGLE_DECISION_MAKER

__all__ = ["from_ahpy"]


def _elements(name: str, comp: Mapping[Any, Any]) -> tuple[list[str], str]:
    """The elements of one node in order of first appearance, and the form."""
    if not isinstance(comp, Mapping) or not comp:
        raise InputError(f"`comparisons[{name!r}]` must be a non-empty dict of pairs "
                         "{(a, b): value} or of measured values {a: value}. Got "
                         f"{comp!r} instead.", node=name)
    pairs = [isinstance(k, tuple) for k in comp]
    if all(pairs):
        seen: dict[str, None] = {}
        for k in comp:
            if len(k) != 2:
                raise InputError(f"a comparison key is a pair (a, b). Got {k!r} instead.",
                                 node=name)
            seen.setdefault(str(k[0]), None)
            seen.setdefault(str(k[1]), None)
        return list(seen), "pairwise"
    if any(pairs):
        raise InputError("a node's comparisons are either all pairs (a, b) or all measured "
                         f"values a. Got both kinds of keys instead: {list(comp)[:4]}.",
                         node=name)
    return [str(k) for k in comp], "measured"


def _preference(name: str, comp: Mapping[Any, Any], order: Sequence[str]) -> Preference:
    els, form = _elements(name, comp)
    if set(els) != set(order):
        extra = sorted(set(els) - set(order))
        miss = sorted(set(order) - set(els))
        raise InputError(f"the comparisons of {name!r} must cover exactly its elements "
                         f"{list(order)}; {'unknown ' + repr(extra) if extra else ''}"
                         f"{' and ' if extra and miss else ''}"
                         f"{'missing ' + repr(miss) if miss else ''}. Got {els} instead.",
                         node=name)
    pos = {e: i for i, e in enumerate(order)}
    n = len(order)
    if form == "measured":
        v = np.empty(n)
        for k, x in comp.items():
            x = _number(x, f"the measured value of {k!r}", name)
            if x < 0:
                raise InputError(f"a measured value must be non-negative. Got {x:g} for "
                                 f"{k!r} instead.", node=name)
            v[pos[str(k)]] = x
        if v.sum() <= 0:
            raise InputError(f"the measured values are all 0. Got {v.tolist()} instead.",
                             node=name)
        return Preference("priority", tuple(order), values=v / v.sum(), origin="measured")
    M = np.full((n, n), np.nan)
    np.fill_diagonal(M, 1.0)
    for (a, b), x in comp.items():
        a, b = str(a), str(b)
        x = _number(x, f"the comparison ({a}, {b})", name)
        if a == b:
            raise InputError(f"a comparison needs two different elements. Got ({a}, {b}) "
                             "instead.", node=name)
        if not x > 0:
            raise InputError(f"the comparison ({a}, {b}) must be positive. Got {x:g} "
                             "instead.", node=name)
        i, j = pos[a], pos[b]
        if not np.isnan(M[i, j]):
            raise InputError(f"the pair ({a}, {b}) is compared twice (also as ({b}, {a})?); "
                             "comparisons are never averaged. Got a second comparison "
                             "instead.", node=name)
        M[i, j], M[j, i] = x, 1.0 / x
    return Preference("pairwise", tuple(order), matrix=M, origin="ahpy")


def _number(x: Any, what: str, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float | np.integer | np.floating):
        raise InputError(f"{what} must be a number. Got {x!r} instead.", node=name)
    x = float(x)
    if not math.isfinite(x):
        raise InputError(f"{what} must be finite. Got {x} instead.", node=name)
    return x


def from_ahpy(
    comparisons: Mapping[str, Mapping[Any, Any]],
    hierarchy: Mapping[str, Sequence[str]] | None = None,
) -> DecisionData:
    """Decision data from AHPy-style dictionaries.

    Parameters
    ----------
    comparisons : mapping name -> dict
        Per node, ``{(a, b): value}`` pairwise comparisons (missing pairs allowed) or
        ``{a: value}`` measured values.
    hierarchy : mapping parent -> list of children, optional
        Node names (keys of ``comparisons``); required with more than one node.

    Returns
    -------
    DecisionData
        One decision maker (``DecisionMaker``); the leaf nodes' elements are the
        alternatives. Evaluate with :class:`ahpstat.alternatives.DecisionModel`
        (``completion="optimal"`` as AHPy).

    Raises
    ------
    InputError
        A node missing from ``comparisons``, a parent whose elements are not its children,
        leaf nodes with different elements, a pair compared twice, a value that is not a
        positive number (naming the node).

    Examples
    --------
    AHPy README, choosing a leader (Experience, Education, Charisma, Age); AHPy prints
    ``{'Nell': 0.493, 'Moll': 0.358, 'Sue': 0.15}``, rounding every intermediate weight to
    three decimals (``precision=3``), which moves Sue's 0.1491 to 0.15:

    >>> from ahpstat.alternatives import DecisionModel
    >>> c = {"Criteria": {("Experience", "Education"): 4, ("Experience", "Charisma"): 3,
    ...                   ("Experience", "Age"): 7, ("Education", "Charisma"): 1/3,
    ...                   ("Education", "Age"): 3, ("Charisma", "Age"): 5},
    ...      "Experience": {("Moll", "Nell"): 1/4, ("Moll", "Sue"): 4, ("Nell", "Sue"): 9},
    ...      "Education": {("Moll", "Nell"): 3, ("Moll", "Sue"): 1/5, ("Nell", "Sue"): 1/7},
    ...      "Charisma": {("Moll", "Nell"): 5, ("Moll", "Sue"): 9, ("Nell", "Sue"): 4},
    ...      "Age": {("Moll", "Nell"): 1/3, ("Moll", "Sue"): 5, ("Nell", "Sue"): 9}}
    >>> h = {"Criteria": ["Experience", "Education", "Charisma", "Age"]}
    >>> r = DecisionModel(from_ahpy(c, h)).evaluate(completion="optimal")
    >>> r.priorities().round(3).to_dict()
    {'Moll': 0.358, 'Nell': 0.493, 'Sue': 0.149}
    """
    if not isinstance(comparisons, Mapping) or not comparisons:
        raise InputError("`comparisons` must be a non-empty dict name -> comparisons. Got "
                         f"{comparisons!r} instead.")
    comps = {str(k): v for k, v in comparisons.items()}
    if hierarchy is None:
        if len(comps) != 1:
            raise InputError(f"`hierarchy` is required with more than one node; got the "
                             f"nodes {list(comps)} and no hierarchy instead.")
        root = next(iter(comps))
        tree = Hierarchy.from_dict({"id": root})
    else:
        tree = Hierarchy.from_children(hierarchy, argument="hierarchy")
    unknown = [v for v in tree.nodes if v not in comps]
    if unknown:
        raise InputError(f"node {unknown[0]!r} of the hierarchy has no comparisons."
                         f"{suggest(unknown[0], comps)} Got comparisons for {list(comps)} "
                         "instead.", node=unknown[0])
    unused = [v for v in comps if v not in tree.nodes]
    if unused:
        raise InputError(f"comparisons for {unused[0]!r}, which is not in the hierarchy "
                         f"{list(tree.nodes)}. Got {unused} unused instead.", node=unused[0])
    leaves = tree.leaves
    alt_order, _ = _elements(leaves[0], comps[leaves[0]])
    for leaf in leaves[1:]:
        els, _ = _elements(leaf, comps[leaf])
        if set(els) != set(alt_order):
            raise InputError(f"every leaf node compares the same alternatives. Got {els} "
                             f"here and {alt_order} at {leaves[0]!r} instead.", node=leaf)
    prefs: dict[str, dict[str, Preference]] = {}
    for v in tree.nodes:
        kids = tree.children(v)
        order = list(kids) if kids else alt_order
        prefs[v] = {SINGLE_DECISION_MAKER: _preference(v, comps[v], order)}
    return DecisionData(hierarchy=tree, alternatives=tuple(alt_order),
                        decision_makers=(SINGLE_DECISION_MAKER,), preferences=prefs,
                        decision_maker_weights={v: np.ones(1) for v in tree.nodes},
                        name=tree.root)
