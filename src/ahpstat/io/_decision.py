"""Decision data: a criteria tree, alternatives, decision makers and their preferences.

The validated input of a classic AHP decision (choose among alternatives under every leaf
criterion), whatever file it came from: R ahp's ``.ahp`` files (:func:`read_ahp`), AHPy's
dictionaries (:func:`from_ahpy`) or a study's alternatives section. The computation lives one
layer up, in :class:`ahpstat.alternatives.DecisionModel`.

Every judged node (each criterion with children, and each leaf criterion, whose elements are
the alternatives) holds one :class:`Preference` per decision maker, of one of these kinds:

``pairwise``
    A reciprocal matrix over the node's elements (``NaN`` = a pair not judged).
``priority``
    Local priorities given directly (they sum to 1), or derived from measured values
    (benefit: ``v / sum(v)``; cost: ``(1/v) / sum(1/v)``).
``score``
    Non-negative scores; the priorities are ``score / sum(score)`` (R ahp's
    ``PrioritiesFromScoresDefault``). A score may be 0 (priority 0), which no ratio judgment
    can express.
``rating``
    Absolute ratings (ratings mode, Saaty 1986): each alternative's idealized intensity on
    the criterion's rating scale, in ``[0, 1]``; never renormalized, so adding or removing an
    alternative changes no other alternative's score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ahpstat._validation import InputError
from ahpstat.hierarchy import Hierarchy

__all__ = ["DIRECTIONS", "PREFERENCE_KINDS", "DecisionData", "Preference", "RatingScale",
           "measured_preference", "rating_preference"]

PREFERENCE_KINDS = ("pairwise", "priority", "score", "rating")
#: how a measured value relates to preference
DIRECTIONS = ("benefit", "cost")
#: tolerance of a reciprocal pair and of priorities summing to 1
_TOL = 1e-6


@dataclass(frozen=True)
class Preference:
    """One decision maker's preference over one node's elements.

    Attributes
    ----------
    kind : {"pairwise", "priority", "score", "rating"}
        See the module notes.
    elements : tuple of str
        The node's elements (children or alternatives), in the order of ``matrix`` /
        ``values``.
    matrix : ndarray (n, n) or None
        ``pairwise``: ``matrix[i, j]`` is how much ``elements[i]`` is preferred to
        ``elements[j]``; diagonal 1, reciprocal, ``NaN`` for a pair not judged.
    values : ndarray (n,) or None
        The other kinds: priorities, scores or ratings.
    origin : str
        How the file gave it (``pairwise``, ``pairwiseFunction``, ``score``,
        ``scoreFunction``, ``priority``, ``measured (benefit)``, ``rating``, ...).
    file : str or None
    line : int or None
        1-based line of the preference in ``file`` (YAML files).
    element_lines : mapping element -> line
        Line of each element's value (``score``/``priority``) or ``"a|b"`` -> line of each
        judged pair, for errors that name the exact entry.
    """

    kind: str
    elements: tuple[str, ...]
    matrix: Any = None  # array_like (n, n); stored as a read-only float ndarray
    values: Any = None  # array_like (n,); stored as a read-only float ndarray
    origin: str = ""
    file: str | None = None
    line: int | None = None
    element_lines: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in PREFERENCE_KINDS:
            raise ValueError(f"`kind` must be one of {PREFERENCE_KINDS}; got {self.kind!r} "
                             "instead.")
        object.__setattr__(self, "elements", tuple(str(e) for e in self.elements))
        object.__setattr__(self, "element_lines", MappingProxyType(dict(self.element_lines)))
        n = len(self.elements)
        if self.kind == "pairwise":
            if self.matrix is None:
                raise ValueError("a pairwise preference needs `matrix`; got None instead.")
            M = np.array(self.matrix, dtype=float)
            if M.shape != (n, n):
                raise ValueError(f"`matrix` must be ({n}, {n}) for the elements "
                                 f"{self.elements}; got shape {M.shape} instead.")
            M.setflags(write=False)
            object.__setattr__(self, "matrix", M)
        else:
            if self.values is None:
                raise ValueError(f"a {self.kind} preference needs `values`; got None instead.")
            v = np.array(self.values, dtype=float)
            if v.shape != (n,):
                raise ValueError(f"`values` must be ({n},) for the elements {self.elements}; "
                                 f"got shape {v.shape} instead.")
            v.setflags(write=False)
            object.__setattr__(self, "values", v)

    def priorities(self) -> np.ndarray:
        """The local priorities of the direct kinds (``score / sum``; ratings as given).

        Examples
        --------
        >>> Preference("score", ("a", "b"), values=[5, 0]).priorities()
        array([1., 0.])
        """
        if self.kind == "pairwise":
            raise ValueError("a pairwise preference has no direct priorities; weight its "
                             "matrix instead.")
        assert self.values is not None
        if self.kind == "rating":
            return np.array(self.values)
        return self.values / self.values.sum()

    def ratio_matrix(self, *, node: str | None = None, decision_maker: str | None = None
                     ) -> np.ndarray:
        """The preference as a ratio-judgment matrix (``pairwise``: the matrix itself;
        the direct kinds: ``v_i / v_j``, a consistent matrix).

        Raises
        ------
        InputError
            A zero priority, score or rating: no ratio judgment says "infinitely more
            preferred". The message names the file, line, node, decision maker and element.

        Examples
        --------
        >>> Preference("score", ("a", "b"), values=[2, 1]).ratio_matrix()
        array([[1. , 2. ],
               [0.5, 1. ]])
        """
        if self.kind == "pairwise":
            assert self.matrix is not None
            return np.array(self.matrix)
        assert self.values is not None
        zero = np.flatnonzero(self.values <= 0)
        if zero.size:
            e = self.elements[int(zero[0])]
            raise InputError(
                f"the {self.origin or self.kind} of {e!r} is 0, which cannot be a ratio "
                "judgment (no ratio says 'infinitely more preferred'); aggregating "
                "judgments (AIJ), the geometric mean of priorities and converting to a "
                "pairwise layout all need ratios. Use aggregation 'aip' with the arithmetic "
                f"mean, or give {e!r} a positive score. Got "
                f"{self.kind} {_fmt(float(self.values[int(zero[0])]))} instead.",
                file=self.file, line=self.element_lines.get(e, self.line), node=node,
                expert=decision_maker)
        v = self.values
        return v[:, None] / v[None, :]


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class DecisionData:
    """A whole decision: criteria tree, alternatives, decision makers, preferences.

    Attributes
    ----------
    hierarchy : Hierarchy
        The criteria; its leaves are the criteria under which the alternatives are judged.
    alternatives : tuple of str
    decision_makers : tuple of str
    preferences : mapping node -> mapping decision maker -> Preference
        One entry per judged node: every internal node (over its children) and every leaf
        criterion (over the alternatives). A decision maker may be absent at a node.
    decision_maker_weights : mapping node -> ndarray (K,), optional
        Voting weights per judged node (R ahp lets them differ by node, inherited from the
        nearest ancestor that sets them), summing to 1. Not given (or empty): equal weights
        at every node; given, they must cover every node.
    attributes : mapping alternative -> mapping
        The alternatives' attributes (R ahp), for display.
    name : str or None
        The goal's name.
    source : str or None
        The file it was read from.
    version : str or None
        The file format version (R ahp).

    Examples
    --------
    >>> from ahpstat.hierarchy import Hierarchy
    >>> h = Hierarchy.from_children({"G": ["price", "space"]})
    >>> d = DecisionData(h, ("a", "b"), ("me",), {
    ...     "G": {"me": Preference("pairwise", ("price", "space"), matrix=[[1, 3], [1/3, 1]])},
    ...     "price": {"me": measured_preference(["a", "b"], [10, 20], direction="cost")},
    ...     "space": {"me": measured_preference(["a", "b"], [1, 3], direction="benefit")}})
    >>> d.elements("price"), d.decision_maker_weights["G"]
    (('a', 'b'), array([1.]))
    """

    hierarchy: Hierarchy
    alternatives: tuple[str, ...]
    decision_makers: tuple[str, ...]
    preferences: Mapping[str, Mapping[str, Preference]]
    decision_maker_weights: Mapping[str, np.ndarray] = field(default_factory=dict)
    attributes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    name: str | None = None
    source: str | None = None
    version: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "alternatives", tuple(str(a) for a in self.alternatives))
        object.__setattr__(self, "decision_makers", tuple(str(d) for d in self.decision_makers))
        prefs = {v: MappingProxyType(dict(p)) for v, p in self.preferences.items()}
        object.__setattr__(self, "preferences", MappingProxyType(prefs))
        w = {}
        given = self.decision_maker_weights
        if not given:  # equal voting weights at every node
            k = len(self.decision_makers)
            given = {v: np.full(k, 1 / k) for v in self.hierarchy.nodes} if k else {}
        for v, x in given.items():
            a = np.array(x, dtype=float)
            a.setflags(write=False)
            w[v] = a
        object.__setattr__(self, "decision_maker_weights", MappingProxyType(w))
        object.__setattr__(self, "attributes", MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in self.attributes.items()}))
        validate_decision_data(self)

    @property
    def judged_nodes(self) -> tuple[str, ...]:
        """Every criterion, in pre-order: each is judged over its children or, at a leaf,
        over the alternatives.
        """
        return tuple(self.hierarchy.nodes)

    def elements(self, node: str) -> tuple[str, ...]:
        """The elements judged at ``node``: its children, or the alternatives at a leaf."""
        kids = self.hierarchy.children(node)
        return kids if kids else self.alternatives


def validate_decision_data(d: DecisionData) -> None:
    """The checks every decision passes, whatever its source (raises the first problem)."""
    h = d.hierarchy
    src = d.source
    if len(d.alternatives) < 2:
        raise InputError(f"a decision needs at least two alternatives. Got "
                         f"{list(d.alternatives)} instead.", file=src)
    dup = sorted({a for a in d.alternatives if d.alternatives.count(a) > 1})
    if dup:
        raise InputError(f"alternatives must be distinct. Got {dup} repeated instead.",
                         file=src)
    clash = sorted(set(d.alternatives) & set(h.nodes))
    if clash:
        raise InputError(f"an alternative cannot share its name with a criterion. Got "
                         f"{clash} instead.", file=src, node=clash[0])
    if not d.decision_makers:
        raise InputError("a decision needs at least one decision maker. Got none instead.",
                         file=src)
    K = len(d.decision_makers)
    for v in d.judged_nodes:
        els = d.elements(v)
        prefs = d.preferences.get(v, {})
        if len(els) >= 2 and not prefs:
            raise InputError(f"no decision maker gave preferences over the {len(els)} "
                             f"elements of this node ({', '.join(els)}). Got none instead.",
                             file=src, node=v)
        for dm, p in prefs.items():
            if dm not in d.decision_makers:
                raise InputError(f"preferences of an unknown decision maker {dm!r}; the "
                                 f"decision makers are {list(d.decision_makers)}. Got {dm!r} "
                                 "instead.", file=p.file or src, line=p.line, node=v)
            if set(p.elements) != set(els) or len(p.elements) != len(els):
                raise InputError(f"the preference must cover exactly the elements "
                                 f"{list(els)}. Got {list(p.elements)} instead.",
                                 file=p.file or src, line=p.line, node=v, expert=dm)
            _check_preference(p, v, dm)
        w = d.decision_maker_weights.get(v)
        if w is None or w.shape != (K,):
            raise InputError(f"decision-maker weights must give one weight per decision maker "
                             f"{list(d.decision_makers)}. Got {w!r} instead.", file=src,
                             node=v)
        if (w < 0).any() or not np.isfinite(w).all() or abs(w.sum() - 1) > _TOL:
            raise InputError(f"decision-maker weights must be non-negative and sum to 1. Got "
                             f"{[round(float(x), 6) for x in w]} instead.", file=src, node=v)
    unknown = [v for v in d.preferences if v not in h.nodes]
    if unknown:
        raise InputError(f"preferences for a node that is not a criterion. Got "
                         f"{unknown[0]!r} instead.", file=src, node=unknown[0])


def _check_preference(p: Preference, node: str, dm: str) -> None:
    where: dict[str, Any] = {"file": p.file, "line": p.line, "node": node, "expert": dm}
    if p.kind == "pairwise":
        M = p.matrix
        assert M is not None
        n = M.shape[0]
        off = ~np.eye(n, dtype=bool)
        given = ~np.isnan(M)
        bad = given & off & ~(M > 0) | (given & off & ~np.isfinite(M))
        if bad.any():
            i, j = (int(x) for x in np.argwhere(bad)[0])
            raise InputError(f"the judgment ({p.elements[i]}, {p.elements[j]}) must be a "
                             f"positive finite number. Got {M[i, j]:g} instead.", **where)
        if not np.allclose(np.diag(M), 1.0):
            raise InputError("the diagonal of a pairwise matrix must be 1. Got "
                             f"{np.diag(M).tolist()} instead.", **where)
        both = given & given.T & off
        if both.any():
            prod = np.where(both, M * M.T, 1.0)
            if (np.abs(np.log(prod)) > 1e-6).any():
                i, j = (int(x) for x in np.argwhere(np.abs(np.log(prod)) > 1e-6)[0])
                raise InputError(f"the judgments ({p.elements[i]}, {p.elements[j]}) = "
                                 f"{M[i, j]:g} and ({p.elements[j]}, {p.elements[i]}) = "
                                 f"{M[j, i]:g} are not reciprocal.", **where)
        if (given != given.T).any():
            raise InputError("a pairwise matrix must be missing symmetrically (a judgment "
                             "and its reciprocal).", **where)
        return
    v = p.values
    assert v is not None
    if not np.isfinite(v).all() or (v < 0).any():
        k = int(np.flatnonzero(~np.isfinite(v) | (v < 0))[0])
        e = p.elements[k]
        raise InputError(f"the {p.origin or p.kind} of {e!r} must be a non-negative finite "
                         f"number. Got {v[k]:g} instead.",
                         **{**where, "line": p.element_lines.get(e, p.line)})
    if p.kind in ("priority", "score") and v.sum() <= 0:
        raise InputError(f"the {p.origin or p.kind}s are all 0, so no priority follows. Got "
                         f"{v.tolist()} instead.", **where)
    if p.kind == "priority" and abs(v.sum() - 1) > 1e-3:
        raise InputError(f"priorities must sum to 1 (give scores for values on any scale). "
                         f"Got a sum of {v.sum():g} instead.", **where)
    if p.kind == "rating" and (v > 1 + _TOL).any():
        raise InputError(f"ratings are idealized intensities in [0, 1]. Got "
                         f"{v.tolist()} instead.", **where)


def equal_weights(decision_makers: Sequence[str]) -> np.ndarray:
    """``1/K`` each."""
    K = len(decision_makers)
    return np.full(K, 1.0 / K) if K else np.zeros(0)


def is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


# --------------------------------------------------------------------------- builders


def measured_preference(elements: Sequence[str], values: Sequence[float], *,
                        direction: str = "benefit") -> Preference:
    """Priorities from measured values (price, mpg, cargo volume ...) with a direction.

    ``"benefit"`` (more is better): ``v / sum(v)``; ``"cost"`` (less is better):
    ``(1/v) / sum(1/v)``. Both keep the ratios of the measurements, as a pairwise judgment
    ``v_i / v_j`` would (AHPy's "normalized weights" are the benefit case).

    Raises
    ------
    InputError
        A negative or non-finite value; a zero cost (no ratio of 1/0).

    Examples
    --------
    >>> measured_preference(["a", "b"], [1, 3]).values
    array([0.25, 0.75])
    >>> measured_preference(["a", "b"], [1, 3], direction="cost").values
    array([0.75, 0.25])
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"`direction` must be one of {DIRECTIONS}; got {direction!r} instead.")
    els = tuple(str(e) for e in elements)
    v = np.asarray(values, dtype=float)
    if v.shape != (len(els),):
        raise ValueError(f"`values` must give one value per element {list(els)}; got shape "
                         f"{v.shape} instead.")
    bad = ~np.isfinite(v) | (v < 0) | ((v == 0) if direction == "cost" else False)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        why = "a cost of 0 has no ratio to the others" if v[k] == 0 else \
            "a measured value must be non-negative and finite"
        raise InputError(f"{why}. Got {v[k]:g} for {els[k]!r} instead.")
    x = v if direction == "benefit" else 1.0 / v
    if x.sum() <= 0:
        raise InputError(f"the measured values are all 0. Got {v.tolist()} instead.")
    return Preference("priority", els, values=x / x.sum(), origin=f"measured ({direction})")


@dataclass(frozen=True)
class RatingScale:
    """A criterion's rating scale for the ratings mode (absolute measurement; Saaty 1986).

    Attributes
    ----------
    intensities : tuple of str
        The grades, e.g. ``("excellent", "good", "fair", "poor")``.
    values : ndarray
        Their idealized priorities: the largest is 1.
    source : str
        ``"given"`` or the weighting method of the intensities' pairwise matrix.

    Examples
    --------
    >>> s = RatingScale.from_priorities({"high": 0.6, "medium": 0.3, "low": 0.1})
    >>> s.values.round(3)
    array([1.   , 0.5  , 0.167])
    >>> RatingScale.from_judgments(["high", "low"], [[1, 4], [1/4, 1]]).values
    array([1.  , 0.25])
    """

    intensities: tuple[str, ...]
    values: np.ndarray
    source: str = "given"

    def __post_init__(self) -> None:
        ints = tuple(str(i) for i in self.intensities)
        v = np.array(self.values, dtype=float)
        if len(ints) < 2 or len(set(ints)) != len(ints) or v.shape != (len(ints),):
            raise InputError(f"a rating scale needs two or more distinct intensities, one "
                             f"value each. Got {list(ints)} with {v.tolist()} instead.")
        if not np.isfinite(v).all() or (v < 0).any() or v.max() <= 0:
            raise InputError(f"the intensities' priorities must be non-negative, not all 0. "
                             f"Got {v.tolist()} instead.")
        v = v / v.max()
        v.setflags(write=False)
        object.__setattr__(self, "intensities", ints)
        object.__setattr__(self, "values", v)

    @classmethod
    def from_priorities(cls, priorities: Mapping[str, float]) -> RatingScale:
        """From the intensities' priorities (idealized: divided by the largest)."""
        return cls(tuple(priorities), np.array(list(priorities.values()), dtype=float))

    @classmethod
    def from_judgments(cls, intensities: Sequence[str], matrix: Any, *,
                       weighting: str = "eigenvector") -> RatingScale:
        """From a pairwise matrix of the intensities (Saaty's way), idealized."""
        from ahpstat.weighting import weights

        w = weights(np.asarray(matrix, dtype=float), method=weighting).weights
        return cls(tuple(intensities), w, source=weighting)

    def value(self, intensity: str) -> float:
        """The idealized priority of one grade."""
        try:
            return float(self.values[self.intensities.index(str(intensity))])
        except ValueError:
            raise InputError(f"{intensity!r} is not a grade of the rating scale "
                             f"{list(self.intensities)}. Got {intensity!r} instead.") from None


def rating_preference(elements: Sequence[str], ratings: Mapping[str, str],
                      scale: RatingScale) -> Preference:
    """One decision maker's ratings of the alternatives on one criterion's scale.

    Examples
    --------
    >>> s = RatingScale.from_priorities({"good": 1.0, "poor": 0.25})
    >>> rating_preference(["a", "b"], {"a": "poor", "b": "good"}, s).values
    array([0.25, 1.  ])
    """
    els = tuple(str(e) for e in elements)
    missing = [e for e in els if e not in ratings]
    extra = [e for e in ratings if e not in els]
    if missing or extra:
        raise InputError(f"ratings must rate exactly the alternatives {list(els)}. Got "
                         f"{list(ratings)} instead.")
    return Preference("rating", els, values=[scale.value(ratings[e]) for e in els],
                      origin="rating")
