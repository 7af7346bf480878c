"""Reading the user's YAML files (study file, hierarchy file) safely, with line numbers.

``yaml.safe_load`` builds no arbitrary objects, but it still lets a small file hang or
exhaust the machine and it hides mistakes:

- an alias bomb ("billion laughs": nine anchors of ten aliases each) is a 1 kB file whose
  aliases expand to 10^9 nodes; the loader shares them, but anything that walks or prints
  the result (validation, error messages, provenance) does not. Here the expanded size is
  counted while the file is composed, and a file whose aliases expand beyond
  :data:`MAX_ALIAS_EXPANSION` nodes is refused at once, naming the line;
- deep nesting (``[[[[...`` a thousand times, a hierarchy hundreds of levels deep) ends in a
  ``RecursionError``; here nesting beyond :data:`MAX_DEPTH` is a located error;
- a key given twice in one mapping silently keeps the last value; here it is an error naming
  both lines (merge keys ``<<: *defaults`` still override as YAML intends);
- a file larger than :data:`MAX_BYTES` is refused before it is parsed.

:func:`load_yaml` returns the data and, for each key and list item, the line it is on (as a
dotted path: ``"bootstrap.replicates"``, ``"survey.group_columns[1]"``), so that a validator
can say where a bad value is.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from ahpstat._text import clip_excerpt
from ahpstat._validation import InputError

__all__ = ["MAX_ALIAS_EXPANSION", "MAX_BYTES", "MAX_DEPTH", "load_yaml", "locate",
           "parse_yaml"]

#: deepest nesting of mappings and lists (a hierarchy level takes two: node and children)
MAX_DEPTH = 100
#: most nodes that aliases may add when expanded (a billion-laughs file adds 10^9)
MAX_ALIAS_EXPANSION = 100_000
#: largest YAML file read (a study or hierarchy file is a few kilobytes)
MAX_BYTES = 4 * 2**20

_MERGE = "tag:yaml.org,2002:merge"


class _Refused(Exception):
    """A limit of this loader, raised from inside PyYAML (converted to InputError)."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message, self.mark = message, mark


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with limits on nesting and alias expansion, duplicate keys
    refused, and the line of every key and list item recorded.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._size: dict[int, int] = {}   # id(node) -> nodes it expands to
        self._added = 0                   # nodes added by aliases so far

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = super().compose_node(parent, index)
            self._added += self._size.get(id(node), 1)
            if self._added > MAX_ALIAS_EXPANSION:
                raise _Refused(
                    f"the aliases (*{clip_excerpt(event.anchor, 20)} and others) expand to "
                    f"more than {MAX_ALIAS_EXPANSION:,} nodes: a YAML alias bomb (\"billion "
                    "laughs\")? Write the values out instead of repeating aliases of aliases",
                    event.start_mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(f"the YAML nests mappings and lists more than {MAX_DEPTH} levels "
                           f"deep (a hierarchy can have at most {MAX_DEPTH // 2 - 1} levels)",
                           self.peek_event().start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._size.get(id(c), 1) for c in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._size.get(id(k), 1) + self._size.get(id(v), 1)
                        for k, v in node.value)
        self._size[id(node)] = size
        return node

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    continue  # PyYAML's own error follows
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise _Refused(f"the key {clip_excerpt(key)!r} is given twice in one "
                                   f"mapping (lines {seen[key]} and {line}); YAML would keep "
                                   "only the last. Remove or merge one of them",
                                   key_node.start_mark)
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _lines(node: Any, path: str, out: dict[str, int], depth: int = 0) -> None:
    """Record the line of every key and item under ``node`` by its dotted path (the
    file's own nodes only: aliases are not walked again).
    """
    if depth > MAX_DEPTH:
        return
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode) or k.tag == _MERGE:
                continue
            p = f"{path}.{k.value}" if path else str(k.value)
            out.setdefault(p, k.start_mark.line + 1)
            _lines(v, p, out, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            p = f"{path}[{i}]"
            out.setdefault(p, v.start_mark.line + 1)
            _lines(v, p, out, depth + 1)


_QUOTED = re.compile(r"'[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"")


def _flow_too_deep(text: str) -> int | None:
    """Offset at which ``[``/``{`` brackets (outside quoted scalars) nest deeper than
    :data:`MAX_DEPTH`, or None; linear and fast, for any file size.
    """
    import numpy as np

    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    plain = _QUOTED.sub(lambda m: " " * len(m.group(0)), text)
    b = np.frombuffer(plain.encode("utf-32-le"), dtype=np.uint32)
    step = ((b == ord("[")) | (b == ord("{"))).astype(np.int32) - (
        (b == ord("]")) | (b == ord("}"))).astype(np.int32)
    depth = np.cumsum(step)
    over = np.flatnonzero(depth > MAX_DEPTH)
    return int(over[0]) if over.size else None


def parse_yaml(text: str, *, file: str | None = None) -> tuple[Any, dict[str, int]]:
    """Parse YAML text safely; return ``(data, lines)``.

    ``lines`` maps the dotted path of every key and list item (``"survey.path"``,
    ``"survey.group_columns[0]"``) to its 1-based line. Raises :class:`~ahpstat.InputError`
    with ``file`` and the line for invalid YAML, an alias bomb, nesting deeper than
    :data:`MAX_DEPTH` and a duplicate key.

    Examples
    --------
    >>> data, lines = parse_yaml("name: x\\nsurvey:\\n  path: s.csv\\n  likert: [1, 5]\\n")
    >>> data["survey"]["likert"], lines["survey.path"], lines["survey.likert[1]"]
    ([1, 5], 3, 4)
    >>> parse_yaml("a: 1\\nb: 2\\na: 3\\n", file="study.yaml")
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: study.yaml, line 3: the key 'a' is given twice in one \
mapping (lines 1 and 3); YAML would keep only the last. Remove or merge one of them.
    """
    deep = _flow_too_deep(text)
    if deep is not None:  # refused before PyYAML's scanner walks a bracket pile slowly
        raise InputError(f"the YAML nests mappings and lists more than {MAX_DEPTH} levels "
                         f"deep (a hierarchy can have at most {MAX_DEPTH // 2 - 1} levels).",
                         file=file, line=text.count("\n", 0, deep) + 1)
    loader = None
    try:
        loader = _Loader(text)  # its reader refuses control characters at once
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        if node is not None:
            _lines(node, "", lines)  # before construction merges `<<` keys into mappings
        data = loader.construct_document(node) if node is not None else None
    except _Refused as exc:
        raise InputError(exc.message + ".", file=file,
                         line=exc.mark.line + 1 if exc.mark is not None else None) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        raise InputError(f"not valid YAML: the character {exc.character:#06x} is not allowed "
                         "in a YAML file (a control character: is it a text file?).",
                         file=file, line=line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = getattr(exc, "problem", None) or getattr(exc, "context", None) or "syntax error"
        ctx = getattr(exc, "context", None)
        if ctx and ctx != what:
            what = f"{what} ({ctx})"
        col = f", column {mark.column + 1}" if mark is not None else ""
        raise InputError(f"not valid YAML{col}: {clip_excerpt(what, 120)}.", file=file,
                         line=mark.line + 1 if mark is not None else None) from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps far from the limit
        raise InputError(f"the YAML nests more than {MAX_DEPTH} levels deep.",
                         file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, lines


def load_yaml(path: str | os.PathLike, *, what: str = "YAML") -> tuple[Any, dict[str, int]]:
    """Read a YAML file safely (see :func:`parse_yaml`); ``what`` names the file in messages
    ("the study file does not exist").

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bomb.yaml"
    >>> _ = p.write_text("a: &a [x, x, x, x, x, x, x, x, x, x]\\n" + "".join(
    ...     f"{c}: &{c} [{', '.join(['*' + p_] * 10)}]\\n"
    ...     for p_, c in zip("abcdefgh", "bcdefghi")))
    >>> load_yaml(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: ...bomb.yaml, line 5: the aliases (*d and others) expand to \
more than 100,000 nodes: a YAML alias bomb ("billion laughs")? ...
    """
    f = str(path)
    p = Path(path)
    if not p.is_file():
        raise InputError(f"the {what} does not exist.", file=f)
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"the {what} is {size / 2**20:.0f} MiB; a YAML file of more than "
                         f"{MAX_BYTES // 2**20} MiB is not read (is it the right file?).",
                         file=f)
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"the {what} is not UTF-8 text (byte {exc.start}: "
                         f"0x{raw[exc.start]:02x}); save it as UTF-8.", file=f) from None
    return parse_yaml(text, file=f)


_KEY_IN_MESSAGE = re.compile(r"`([A-Za-z_][\w.]*(?:\[\d+\])?)`")


def locate(exc: InputError, lines: dict[str, int]) -> InputError:
    """``exc`` with the line of the key it names (the first ```dotted.key``` of its message
    found in ``lines``), unless it already has one.

    Examples
    --------
    >>> e = InputError("`bootstrap.replicates` must be an integer >= 2.", file="s.yaml")
    >>> str(locate(e, {"bootstrap": 5, "bootstrap.replicates": 6}))
    's.yaml, line 6: `bootstrap.replicates` must be an integer >= 2.'
    """
    loc = exc.location
    if loc.line is not None:
        return exc
    for key in _KEY_IN_MESSAGE.findall(exc.reason):
        while key:
            if key in lines:
                return InputError(exc.reason, file=loc.file, sheet=loc.sheet, row=loc.row,
                                  column=loc.column, expert=loc.expert, node=loc.node,
                                  line=lines[key])
            key = key.rpartition(".")[0]  # the section, when the key itself is missing
    return exc
