"""R ahp's ``.ahp`` files (Glur 2018, the R package ``ahp``; file format versions 1.0 and 2.x).

An ``.ahp`` file is YAML with a ``Version``, an ``Alternatives`` section (anchored, with any
attributes) and a ``Goal``: a tree of criteria whose leaves list the alternatives as their
``children`` (usually ``*alternatives``). Each node's ``preferences`` are, per decision maker
(or directly, for a single one, who is then called ``DecisionMaker`` as in R):
``pairwise`` (``- [A, B, 3]``: A is 3 times as preferred as B), ``pairwiseFunction`` (an R
function of two alternatives), ``score``, ``scoreFunction`` (an R function of one
alternative) or ``priority``; ``decision-makers`` gives voting weights at any node (inherited
by the nodes below). Version 1.0 (deprecated by R ahp) put the pairs directly under
``preferences`` and the function under ``preferenceFunction``.

Numbers may be R expressions (``1/7``); functions are evaluated by a safe interpreter of the R
subset R ahp's examples use (:mod:`ahpstat.io._rexpr`), never by R or Python's ``eval``.

Where ahpstat is stricter than R ahp (each one an :class:`~ahpstat.InputError` with the file,
line, node and decision maker): an unknown element in a pair, a pair judged twice, a value
that is not a positive number, priorities that do not sum to 1, decision-maker weights that
do not sum to 1 or name an unknown decision maker, leaf criteria with different alternatives.
Where it differs: a pair that is not judged is missing (R ahp silently sets it to 1), and
decision-maker weights are matched to the decision makers by name (R ahp by position).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ahpstat._validation import InputError, suggest
from ahpstat._warnings import warn
from ahpstat._yaml import load_yaml
from ahpstat.hierarchy import Hierarchy
from ahpstat.io._decision import DecisionData, Preference
from ahpstat.io._rexpr import RCodeError, compile_function, evaluate_number

__all__ = ["SINGLE_DECISION_MAKER", "read_ahp"]

#: R ahp's name of the decision maker of a file without decision makers
SINGLE_DECISION_MAKER = "DecisionMaker"
_TYPES = ("pairwise", "pairwiseFunction", "priority", "score", "scoreFunction")
_RESERVED = ("name", "preferences", "children", "decision-makers", "preferenceFunction")


class _Reader:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.file = str(path)
        self.version_major = 2
        self.constructor = yaml.constructor.SafeConstructor()
        self.alt_node: yaml.Node | None = None
        self.alternatives: list[str] | None = None
        self.attributes: dict[str, dict[str, Any]] = {}
        self.children: dict[str, list[str]] = {}
        self.parent: dict[str, str | None] = {}
        self.prefs: dict[str, dict[str, Preference]] = {}
        self.dm_order: dict[str, None] = {}
        self.dm_weights: dict[str, tuple[dict[str, float], int]] = {}
        self.node_line: dict[str, int] = {}
        self.leaf_alts: dict[str, tuple[list[str], int]] = {}

    # ------------------------------------------------------------------ helpers
    def err(self, message: str, node_or_line: Any = None, *, node: str | None = None,
            dm: str | None = None) -> InputError:
        line = node_or_line if isinstance(node_or_line, int) else (
            _line(node_or_line) if node_or_line is not None else None)
        return InputError(message, file=self.file, line=line, node=node, expert=dm)

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.err(f"expected a single value. Got a {_kind(node)} instead.", node)
        return self.constructor.construct_object(node)

    def text(self, node: yaml.Node, what: str) -> str:
        v = self.scalar(node)
        if v is None or isinstance(v, bool) or (isinstance(v, str) and not v.strip()):
            raise self.err(f"{what} must be a name. Got {v!r} instead.", node)
        s = str(v)
        if s != s.strip():
            raise self.err(f"{what} must not start or end with spaces. Got {s!r} instead.",
                           node)
        return s

    def items(self, node: yaml.Node, what: str) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """(key text, key node, value node) of a mapping; duplicate keys are errors."""
        if not isinstance(node, yaml.MappingNode):
            raise self.err(f"{what} must be a mapping. Got a {_kind(node)} instead.", node)
        seen: dict[str, int] = {}
        for k, v in node.value:
            key = self.text(k, f"a key of {what}")
            if key in seen:
                raise self.err(f"{what} has the key {key!r} twice (first on line "
                               f"{seen[key]}). Got a duplicate key instead.", k)
            seen[key] = _line(k)
            yield key, k, v

    def named_numbers(self, node: yaml.Node, what: str, *, node_id: str,
                      dm: str | None) -> tuple[dict[str, float], dict[str, int]]:
        """``- Name: value`` list (or a mapping) -> name -> number, name -> line."""
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        if isinstance(node, yaml.SequenceNode):
            for it in node.value:
                if not (isinstance(it, yaml.MappingNode) and len(it.value) == 1):
                    raise self.err(f"each entry of {what} must be one `- name: value`. Got a "
                                   f"{_kind(it)} instead.", it, node=node_id, dm=dm)
                pairs.append(it.value[0])
        elif isinstance(node, yaml.MappingNode):
            pairs = list(node.value)
        else:
            raise self.err(f"{what} must be a list of `- name: value`. Got a {_kind(node)} "
                           "instead.", node, node=node_id, dm=dm)
        values: dict[str, float] = {}
        lines: dict[str, int] = {}
        for k, v in pairs:
            name = self.text(k, f"a name in {what}")
            if name in values:
                raise self.err(f"{what} gives {name!r} twice (first on line {lines[name]}). "
                               "Got a duplicate instead.", k, node=node_id, dm=dm)
            values[name] = self.number(v, f"the value of {name!r} in {what}", node_id, dm)
            lines[name] = _line(k)
        return values, lines

    def number(self, node: yaml.Node, what: str, node_id: str | None, dm: str | None) -> float:
        raw = self.scalar(node)
        try:
            x = evaluate_number(raw)
        except RCodeError as exc:
            raise self.err(f"{what} must be a number or an R expression such as 1/3 ({exc}). "
                           f"Got {raw!r} instead.", node, node=node_id, dm=dm) from None
        if not np.isfinite(x):
            raise self.err(f"{what} must be finite. Got {raw!r} = {x} instead.", node,
                           node=node_id, dm=dm)
        return x

    # ------------------------------------------------------------------ file
    def read(self) -> DecisionData:
        # limits (size, nesting, alias expansion), duplicate keys and syntax: the package's
        # safe YAML reader; then the node graph (lines, and aliases as shared nodes)
        load_yaml(self.path, what=".ahp file")
        text = self.path.read_text(encoding="utf-8-sig")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is None:
            raise InputError("the .ahp file is empty. Got no content instead.", file=self.file)
        top = dict((k, (kn, v)) for k, kn, v in self.items(root, "the .ahp file"))
        if "Version" not in top:
            raise self.err("an .ahp file starts with `Version: 2.0` (R ahp's file format "
                           "version). Got no Version instead.", 1)
        version = self.scalar(top["Version"][1])
        vtext = str(version)
        try:
            major = int(float(vtext))
        except ValueError:
            major = -1
        if major not in (1, 2):
            raise self.err(f"ahpstat reads .ahp file versions 1.0 and 2.x (R ahp 0.2.x). Got "
                           f"Version {vtext!r} instead.", top["Version"][1])
        self.version_major = major
        if "Goal" not in top:
            raise self.err("the .ahp file has no `Goal` section. Got the sections "
                           f"{sorted(top)} instead.", 1)
        ignored = [k for k in top if k not in ("Version", "Goal", "Alternatives")]
        if ignored:
            warn(f"{self.file}: sections {ignored} are not part of the .ahp format and were "
                 "ignored.")
        if "Alternatives" in top:
            self.alt_node = top["Alternatives"][1]
            self.alternatives = list(self.read_alternatives(self.alt_node))
        goal = top["Goal"][1]
        fields = dict((k, (kn, v)) for k, kn, v in self.items(goal, "the Goal"))
        name = self.text(fields["name"][1], "the Goal's name") if "name" in fields else "Goal"
        self.node(name, goal, parent=None)
        return self.build(name, vtext)

    def read_alternatives(self, node: yaml.Node) -> Iterator[str]:
        if isinstance(node, yaml.ScalarNode) and self.scalar(node) is None:
            raise self.err("the Alternatives section is empty. Got no alternatives instead.",
                           node)
        for name, _k, v in self.items(node, "the Alternatives section"):
            attrs: dict[str, Any] = {}
            if isinstance(v, yaml.MappingNode):
                for a, _ak, av in self.items(v, f"alternative {name!r}"):
                    attrs[a] = self.constructor.construct_object(av, deep=True) \
                        if isinstance(av, yaml.ScalarNode) else _plain(av, self.constructor)
            elif not (isinstance(v, yaml.ScalarNode) and self.scalar(v) is None):
                raise self.err(f"alternative {name!r} must be a mapping of attributes (or "
                               f"empty). Got a {_kind(v)} instead.", v)
            if name in self.attributes:
                continue
            self.attributes[name] = attrs
            yield name

    # ------------------------------------------------------------------ tree
    def node(self, name: str, spec: yaml.Node, parent: str | None) -> None:
        if name in self.parent:
            raise self.err(f"two criteria are named {name!r}; names identify the criteria. Got "
                           "a duplicate name instead.", spec, node=name)
        self.parent[name] = parent
        self.node_line[name] = _line(spec)
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        if not (isinstance(spec, yaml.ScalarNode) and self.scalar(spec) is None):
            fields = {k: (kn, v) for k, kn, v in self.items(spec, f"criterion {name!r}")}
        kids = fields.get("children")
        if kids is None or (isinstance(kids[1], yaml.ScalarNode) and self.scalar(kids[1]) is None):
            raise self.err("a criterion needs `children`: sub-criteria or, at a leaf "
                           "criterion, the alternatives (`children: *alternatives`). Got no "
                           "children instead.", spec, node=name)
        kid_node = kids[1]
        if "decision-makers" in fields:
            self.read_dm_weights(name, *fields["decision-makers"])
        entries = list(self.items(kid_node, f"the children of {name!r}"))
        alt_like = [self.is_alternative(v) or kid_node is self.alt_node for _, _, v in entries]
        if all(alt_like):
            alts = [k for k, _, _ in entries]
            if kid_node is not self.alt_node:
                for k, _kn, v in entries:
                    if k not in self.attributes:
                        attrs: dict[str, Any] = {}
                        if isinstance(v, yaml.MappingNode):
                            attrs = {a: _plain(av, self.constructor)
                                     for a, _ak, av in self.items(v, f"alternative {k!r}")}
                        self.attributes[k] = attrs
            self.children[name] = []
            self.leaf_alts[name] = (alts, _line(kid_node))
        elif any(alt_like):
            k = next(k for (k, _, _), a in zip(entries, alt_like, strict=True) if a)
            raise self.err(f"the children of a criterion are either all sub-criteria (with "
                           f"their own `preferences` and `children`) or all alternatives. Got "
                           f"{k!r} without preferences or children among sub-criteria "
                           "instead.", kid_node, node=name)
        else:
            self.children[name] = [k for k, _, _ in entries]
            for k, _kn, v in entries:
                self.node(k, v, parent=name)
        elements = self.leaf_alts[name][0] if name in self.leaf_alts else self.children[name]
        if self.version_major == 1:
            pref = fields.get("preferences")
            func = fields.get("preferenceFunction")
            if pref is not None and func is not None:
                raise self.err("a version 1.0 criterion has either `preferences` or a "
                               "`preferenceFunction`. Got both instead.", spec, node=name)
            if pref is not None:
                self.prefs[name] = {SINGLE_DECISION_MAKER: self.pref_of_type(
                    "pairwise", pref[1], name, SINGLE_DECISION_MAKER, elements)}
            elif func is not None:
                self.prefs[name] = {SINGLE_DECISION_MAKER: self.pref_of_type(
                    "pairwiseFunction", func[1], name, SINGLE_DECISION_MAKER, elements)}
        elif "preferences" in fields:
            self.prefs[name] = self.read_preferences(fields["preferences"][1], name, elements)
        if name not in self.prefs and len(elements) >= 2:
            raise self.err(f"criterion {name!r} has {len(elements)} children but no "
                           "`preferences`. Got none instead.", spec, node=name)

    def is_alternative(self, v: yaml.Node) -> bool:
        if isinstance(v, yaml.ScalarNode):
            return self.scalar(v) is None
        if isinstance(v, yaml.MappingNode):
            keys = {str(self.scalar(k)) for k, _ in v.value}
            return not keys & {"children", "preferences", "preferenceFunction"}
        return False

    def read_dm_weights(self, node_id: str, key: yaml.Node, node: yaml.Node) -> None:
        values, _lines = self.named_numbers(node, "`decision-makers`", node_id=node_id, dm=None)
        self.dm_weights[node_id] = (values, _line(key))

    def read_preferences(self, node: yaml.Node, node_id: str,
                         elements: list[str]) -> dict[str, Preference]:
        fields = [(k, kn, v) for k, kn, v in self.items(node, f"the preferences of "
                                                              f"{node_id!r}")]
        if len(fields) == 1 and fields[0][0] in _TYPES:
            k, _kn, v = fields[0]
            return {SINGLE_DECISION_MAKER: self.pref_of_type(k, v, node_id,
                                                             SINGLE_DECISION_MAKER, elements)}
        out: dict[str, Preference] = {}
        for dm, dm_key, v in fields:
            if dm in _TYPES:
                raise self.err(f"preferences either name decision makers or give one of "
                               f"{', '.join(_TYPES)}. Got {dm!r} beside other keys instead.",
                               dm_key, node=node_id)
            if not isinstance(v, yaml.MappingNode):
                raise self.err(f"{dm!r} is neither a preference type ({', '.join(_TYPES)})"
                               f" nor a decision maker with one.{suggest(dm, _TYPES)} Got "
                               f"{dm!r} with a {_kind(v)} instead.", dm_key, node=node_id)
            inner = list(self.items(v, f"the preferences of {dm!r}"))
            if len(inner) != 1 or inner[0][0] not in _TYPES:
                got = [k for k, _, _ in inner]
                hint = suggest(got[0], _TYPES) if len(got) == 1 else ""
                raise self.err(f"a decision maker's preferences are exactly one of "
                               f"{', '.join(_TYPES)}.{hint} Got {got} instead.", v,
                               node=node_id, dm=dm)
            self.dm_order.setdefault(dm, None)
            out[dm] = self.pref_of_type(inner[0][0], inner[0][2], node_id, dm, elements)
        return out

    def pref_of_type(self, kind: str, node: yaml.Node, node_id: str, dm: str,
                     elements: list[str]) -> Preference:
        if dm == SINGLE_DECISION_MAKER:
            self.dm_order.setdefault(dm, None)
        line = _line(node)
        n = len(elements)
        if kind == "pairwise":
            M = np.full((n, n), np.nan)
            np.fill_diagonal(M, 1.0)
            lines: dict[str, int] = {}
            if not isinstance(node, yaml.SequenceNode):
                raise self.err(f"`pairwise` is a list of `- [A, B, value]`. Got a "
                               f"{_kind(node)} instead.", node, node=node_id, dm=dm)
            pos = {e: i for i, e in enumerate(elements)}
            for it in node.value:
                if not (isinstance(it, yaml.SequenceNode) and len(it.value) == 3):
                    raise self.err(f"each pairwise preference is `- [A, B, value]`. Got "
                                   f"{_show(it, self.constructor)} instead.", it, node=node_id,
                                   dm=dm)
                a = self.text(it.value[0], "the first element of a pair")
                b = self.text(it.value[1], "the second element of a pair")
                for e, en in ((a, it.value[0]), (b, it.value[1])):
                    if e not in pos:
                        raise self.err(f"{e!r} is not one of the elements judged here "
                                       f"{elements}.{suggest(e, elements)} Got {e!r} instead.",
                                       en, node=node_id, dm=dm)
                if a == b:
                    raise self.err(f"a pair compares two different elements. Got [{a}, {b}] "
                                   "instead.", it, node=node_id, dm=dm)
                x = self.number(it.value[2], f"the preference of {a!r} over {b!r}", node_id,
                                dm)
                if not x > 0:
                    raise self.err(f"the preference of {a!r} over {b!r} must be positive "
                                   f"(1/9 .. 9 on Saaty's scale). Got {x:g} instead.",
                                   it.value[2], node=node_id, dm=dm)
                i, j = pos[a], pos[b]
                if not np.isnan(M[i, j]):
                    first = lines.get(f"{a}|{b}", lines.get(f"{b}|{a}"))
                    raise self.err(f"the pair ({a}, {b}) is judged twice (first on line "
                                   f"{first}); judgments are never averaged. Got a second "
                                   "judgment instead.", it, node=node_id, dm=dm)
                M[i, j], M[j, i] = x, 1.0 / x
                lines[f"{a}|{b}"] = _line(it)
            return Preference("pairwise", tuple(elements), matrix=M, origin="pairwise",
                              file=self.file, line=line, element_lines=lines)
        if kind in ("pairwiseFunction", "scoreFunction"):
            n_args = 2 if kind == "pairwiseFunction" else 1
            code = self.scalar(node)
            try:
                f = compile_function(str(code), n_args=n_args)
            except RCodeError as exc:
                raise self.err(f"the {kind} is outside the R subset ahpstat evaluates: {exc}. "
                               f"Got {str(code).strip()[:80]!r} instead.", node, node=node_id,
                               dm=dm) from None
            attrs = [self.attributes.get(e, {}) for e in elements]
            if kind == "scoreFunction":
                scores = np.empty(n)
                for i, e in enumerate(elements):
                    scores[i] = self.call(f, (attrs[i],), kind, (e,), node, node_id, dm)
                    if not scores[i] >= 0:
                        raise self.err(f"the scoreFunction must give non-negative scores. Got "
                                       f"{scores[i]:g} for {e!r} instead.", node,
                                       node=node_id, dm=dm)
                return Preference("score", tuple(elements), values=scores,
                                  origin="scoreFunction", file=self.file, line=line)
            M = np.ones((n, n))
            for i in range(n):
                for j in range(i + 1, n):
                    x = self.call(f, (attrs[i], attrs[j]), kind, (elements[i], elements[j]),
                                  node, node_id, dm)
                    if not (x > 0 and np.isfinite(x)):
                        raise self.err(f"the pairwiseFunction must return a positive finite "
                                       f"preference. Got {x:g} for ({elements[i]}, "
                                       f"{elements[j]}) instead.", node, node=node_id, dm=dm)
                    M[i, j], M[j, i] = x, 1.0 / x
            return Preference("pairwise", tuple(elements), matrix=M, origin="pairwiseFunction",
                              file=self.file, line=line)
        values, vlines = self.named_numbers(node, f"`{kind}`", node_id=node_id, dm=dm)
        missing = [e for e in elements if e not in values]
        extra = [e for e in values if e not in elements]
        if missing or extra:
            what = f"{extra[0]!r} is not one of them{suggest(extra[0], elements)}" if extra \
                else f"{missing} are missing"
            raise self.err(f"`{kind}` gives one value per element {elements}; {what}. Got "
                           f"{list(values)} instead.", node, node=node_id, dm=dm)
        v = np.array([values[e] for e in elements])
        return Preference("priority" if kind == "priority" else "score", tuple(elements),
                          values=v, origin=kind, file=self.file, line=line,
                          element_lines=vlines)

    def call(self, f: Any, args: tuple, kind: str, names: tuple[str, ...], node: yaml.Node,
             node_id: str, dm: str) -> float:
        try:
            return float(f(*args))
        except RCodeError as exc:
            raise self.err(f"the {kind} fails for ({', '.join(names)}): {exc}.", node,
                           node=node_id, dm=dm) from None

    # ------------------------------------------------------------------ assemble
    def build(self, root: str, version: str) -> DecisionData:
        leaves = list(self.leaf_alts)
        first_alts, _ = self.leaf_alts[leaves[0]]
        order = self.alternatives if self.alternatives is not None else first_alts
        for leaf in leaves:
            alts, line = self.leaf_alts[leaf]
            if set(alts) != set(first_alts) or len(alts) != len(first_alts):
                raise self.err(f"every leaf criterion judges the same alternatives. Got "
                               f"{alts} here and {first_alts} under {leaves[0]!r} instead.",
                               line, node=leaf)
        alternatives = [a for a in order if a in first_alts] + [
            a for a in first_alts if a not in order]
        # reorder leaf preferences to the alternatives' order
        for leaf in leaves:
            for dm, p in list(self.prefs.get(leaf, {}).items()):
                self.prefs[leaf][dm] = _reorder(p, alternatives)
        dms = tuple(self.dm_order) or (SINGLE_DECISION_MAKER,)
        tree = Hierarchy.from_dict(_nested(root, self.children), source=self.file)
        weights: dict[str, np.ndarray] = {}
        for v in tree.nodes:
            src: str | None = v
            while src is not None and src not in self.dm_weights:
                src = self.parent[src]
            if src is None:
                weights[v] = np.full(len(dms), 1.0 / len(dms))
                continue
            given, line = self.dm_weights[src]
            unknown = [d for d in given if d not in dms]
            if unknown:
                raise self.err(f"`decision-makers` names {unknown[0]!r}, who gives no "
                               f"preferences; the decision makers are {list(dms)}."
                               f"{suggest(unknown[0], dms)} Got {unknown[0]!r} instead.", line,
                               node=src)
            absent = [d for d in dms if d not in given]
            if absent:
                raise self.err(f"`decision-makers` must weigh every decision maker; "
                               f"{absent} have no weight. Got {list(given)} instead.", line,
                               node=src)
            w = np.array([given[d] for d in dms])
            if (w < 0).any() or abs(w.sum() - 1) > 1e-6:
                raise self.err(f"decision-maker weights must be non-negative and sum to 1 "
                               f"(R ahp's file format). Got {dict(given)} (sum "
                               f"{w.sum():g}) instead.", line, node=src)
            weights[v] = w
        return DecisionData(hierarchy=tree, alternatives=tuple(alternatives),
                            decision_makers=dms, preferences=self.prefs,
                            decision_maker_weights=weights, attributes=self.attributes,
                            name=root, source=self.file, version=version)


def _reorder(p: Preference, order: list[str]) -> Preference:
    if list(p.elements) == list(order):
        return p
    idx = [p.elements.index(a) for a in order]
    if p.kind == "pairwise":
        assert p.matrix is not None
        return Preference("pairwise", tuple(order), matrix=p.matrix[np.ix_(idx, idx)],
                          origin=p.origin, file=p.file, line=p.line,
                          element_lines=p.element_lines)
    assert p.values is not None
    return Preference(p.kind, tuple(order), values=p.values[idx], origin=p.origin,
                      file=p.file, line=p.line, element_lines=p.element_lines)


def _nested(v: str, children: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": v}
    if children.get(v):
        out["children"] = [_nested(c, children) for c in children[v]]
    return out


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return f"value {node.value!r}"


def _plain(node: yaml.Node, constructor: Any) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return constructor.construct_object(node)
    if isinstance(node, yaml.SequenceNode):
        return [_plain(x, constructor) for x in node.value]
    return {str(constructor.construct_object(k)): _plain(v, constructor) for k, v in node.value}


def _show(node: yaml.Node, constructor: Any) -> str:
    try:
        return repr(_plain(node, constructor))
    except Exception:  # pragma: no cover - defensive
        return _kind(node)


def read_ahp(path: str | os.PathLike) -> DecisionData:
    """Read an R ahp ``.ahp`` file (versions 1.0 and 2.x) into validated decision data.

    Parameters
    ----------
    path : str or path-like
        The ``.ahp`` file (YAML, UTF-8).

    Returns
    -------
    DecisionData
        The criteria tree, the alternatives (in the order of the ``Alternatives`` section)
        with their attributes, the decision makers (a file without them has one, called
        ``DecisionMaker`` as in R ahp) with their weights at every node, and every
        preference: ``pairwise`` and ``pairwiseFunction`` as matrices, ``score``,
        ``scoreFunction`` and ``priority`` as values. Compute with
        :class:`ahpstat.alternatives.DecisionModel`.

    Raises
    ------
    InputError
        Naming the file, the line, the node and the decision maker (see the module notes).

    Examples
    --------
    R ahp's vacation example, shortened to one decision maker:

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "vacation.ahp"
    >>> _ = p.write_text('''Version: 2.0
    ... Alternatives: &alternatives
    ...   Beach: {cost: 10000}
    ...   Mountains: {cost: 5000}
    ... Goal:
    ...   name: Vacation
    ...   preferences:
    ...     pairwise: [[Costs, Fun, 4]]
    ...   children:
    ...     Costs:
    ...       preferences:
    ...         pairwiseFunction: function(a1, a2) min(9, max(1/9, a2$cost/a1$cost))
    ...       children: *alternatives
    ...     Fun:
    ...       preferences:
    ...         score: [{Beach: 5}, {Mountains: 0}]
    ...       children: *alternatives
    ... ''')
    >>> d = read_ahp(p)
    >>> d.alternatives, d.decision_makers
    (('Beach', 'Mountains'), ('DecisionMaker',))
    >>> d.preferences["Costs"]["DecisionMaker"].matrix  # Beach costs twice as much
    array([[1. , 0.5],
           [2. , 1. ]])
    """
    return _Reader(path).read()
