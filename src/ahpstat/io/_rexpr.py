"""A safe evaluator for the small subset of R that R ahp's ``.ahp`` files embed.

R ahp (Glur 2018) lets a file give a preference as R code: a number written as an R
expression (``1/7``, ``2/5``), a ``pairwiseFunction`` of two alternatives returning how much
the first is preferred to the second, or a ``scoreFunction`` of one alternative. R evaluates
them with ``eval(parse(text = ...))``. ahpstat never runs R and never calls Python's ``eval``:
this module parses the text into a syntax tree and interprets exactly this subset:

- numbers (``5``, ``1.5``, ``1e3``, ``.5``, ``5L``), ``"strings"``, ``TRUE``/``FALSE``,
  ``Inf``, ``NULL``;
- ``a$name`` and ``a$`name with spaces``` (an attribute of an alternative);
- ``+ - * / ^ %% %/%``, unary ``-``/``+``, comparisons ``< > <= >= == !=``, ``! & && | ||``;
- calls of ``min``, ``max``, ``abs``, ``sqrt``, ``exp``, ``log`` (one or two arguments),
  ``log10``, ``log2``, ``floor``, ``ceiling``, ``round`` (one or two arguments), ``ifelse``,
  ``is.na``, ``return``, and of the file's own named function (recursion, as in R ahp's car
  example), with positional arguments;
- ``{ ... }`` blocks, statements separated by new lines or ``;``; ``x <- value`` (and
  ``x = value`` as a statement) for local variables; ``if (...) ... else ...``;
- ``function(a1, a2) body`` and ``Name <- function(a1, a2) body``.

Anything else (loops, other functions, vectors, assignment to anything but a name, more than
:data:`MAX_DEPTH` nested calls) is a :class:`RCodeError` naming the construct, which the
``.ahp`` reader turns into an :class:`~ahpstat.InputError` with the file, line, node and
decision maker.

Examples
--------
>>> f = compile_function("function(a1, a2) min(9, max(1/9, a2$mpg/a1$mpg))")
>>> round(f({"mpg": 31}, {"mpg": 35}), 4)
1.129
>>> evaluate_number("2/5")
0.4
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_DEPTH", "RCodeError", "RFunction", "compile_function", "evaluate_number"]

#: deepest chain of nested calls of the file's own function (R ahp's examples use 2)
MAX_DEPTH = 64
#: longest program text accepted (characters)
MAX_LENGTH = 20_000
#: deepest nesting of expressions (parentheses, blocks, operators, assignments) the parser
#: accepts
MAX_NESTING = 100
#: deepest chain of expressions being evaluated at once, across nested calls (keeps far from
#: Python's recursion limit: every chain R ahp's files need is a few dozen long)
MAX_EVAL_DEPTH = 400


class RCodeError(ValueError):
    """R code outside the supported subset, or an error while evaluating it."""


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\f]+|\#[^\n]*)
  | (?P<nl>\n)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?L?)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<bq>`[^`]*`)
  | (?P<name>[A-Za-z][A-Za-z0-9._]*|\.[A-Za-z._][A-Za-z0-9._]*)
  | (?P<op><-|<=|>=|==|!=|&&|\|\||%/%|%%|->|[-+*/^<>!&|$(){}\[\],;=:~?@])
""", re.VERBOSE)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            raise RCodeError(f"unexpected character {text[i]!r} at position {i + 1}")
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append(_Tok(kind, m.group(), i))
        i = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


# --------------------------------------------------------------------------- syntax tree

@dataclass(frozen=True)
class _Node:
    kind: str            # num, str, const, name, dollar, call, unary, binary, if, block,
    #                      assign, function
    value: Any = None
    args: tuple[Any, ...] = ()


_BINARY = {  # R's precedence (R Language Definition 10.4.2), higher binds tighter
    "||": 2, "|": 2, "&&": 3, "&": 3,
    "==": 5, "!=": 5, "<": 5, ">": 5, "<=": 5, ">=": 5,
    "+": 6, "-": 6, "*": 7, "/": 7, "%%": 8, "%/%": 8, "^": 10,
}
_NOT_PREC = 4
_UNARY_PREC = 9
_UNSUPPORTED_WORDS = {"for", "while", "repeat", "break", "next", "in", "library", "require",
                      "system", "eval", "parse", "source", "get", "assign", "do.call"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokenize(text)
        self.i = 0
        self.depth = 0  # open parentheses / brackets: new lines are ignored inside
        self.nesting = 0  # recursion depth of the parser (bounded: MAX_NESTING)

    # token helpers
    def peek(self, skip_nl: bool = False) -> _Tok:
        j = self.i
        if skip_nl or self.depth:
            while self.toks[j].kind == "nl":
                j += 1
        return self.toks[j]

    def next(self, skip_nl: bool = False) -> _Tok:
        if skip_nl or self.depth:
            self.skip_nl()
        t = self.toks[self.i]
        self.i += 1
        return t

    def skip_nl(self) -> None:
        while self.toks[self.i].kind == "nl":
            self.i += 1

    def expect(self, text: str) -> None:
        t = self.next(skip_nl=True)
        if t.text != text or t.kind not in ("op", "name"):
            raise RCodeError(f"expected {text!r} at position {t.pos + 1}, got "
                             f"{t.text or 'the end of the code'!r}")

    # grammar
    def program(self) -> _Node:
        stmts = self.statements(until="end")
        if not stmts:
            raise RCodeError("the code is empty")
        return stmts[0] if len(stmts) == 1 else _Node("block", args=tuple(stmts))

    def statements(self, until: str) -> list[_Node]:
        stmts: list[_Node] = []
        while True:
            t = self.peek(skip_nl=True)
            if (until == "end" and t.kind == "end") or (until == "}" and t.text == "}"
                                                        and t.kind == "op"):
                break
            while self.peek(skip_nl=True).text == ";":
                self.next(skip_nl=True)
            stmts.append(self.statement())
            t = self.toks[self.i]
            if t.kind == "nl" or t.text == ";":
                self.i += 1
                continue
            t = self.peek(skip_nl=True)
            if not ((until == "end" and t.kind == "end") or (until == "}" and t.text == "}")):
                raise RCodeError(f"unexpected {t.text!r} at position {t.pos + 1}")
        return stmts

    def statement(self) -> _Node:
        expr = self.expression(0)
        t = self.peek()
        if t.kind == "op" and t.text in ("<-", "="):
            if expr.kind != "name":
                raise RCodeError(f"only assignment to a plain name is supported, at "
                                 f"position {t.pos + 1}")
            self.next()
            self.skip_nl()
            self.nesting += 1
            if self.nesting > MAX_NESTING:
                raise RCodeError(f"assignments chained more than {MAX_NESTING} deep")
            try:
                value = self.statement()
            finally:
                self.nesting -= 1
            return _Node("assign", expr.value, (value,))
        if t.kind == "op" and t.text == "->":
            raise RCodeError("right assignment '->' is not supported")
        return expr

    def expression(self, min_prec: int) -> _Node:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise RCodeError(f"expressions nested more than {MAX_NESTING} deep")
        try:
            return self._expression(min_prec)
        finally:
            self.nesting -= 1

    def _expression(self, min_prec: int) -> _Node:
        left = self.unary()
        while True:
            t = self.peek()
            if t.kind != "op" or t.text not in _BINARY:
                return left
            prec = _BINARY[t.text]
            if prec < min_prec:
                return left
            self.next()
            self.skip_nl()
            right_prec = prec if t.text == "^" else prec + 1  # ^ is right-associative
            right = self.expression(right_prec)
            left = _Node("binary", t.text, (left, right))

    def unary(self) -> _Node:
        t = self.peek(skip_nl=True)
        if t.kind == "op" and t.text in ("-", "+"):
            self.next(skip_nl=True)
            return _Node("unary", t.text, (self.expression(_UNARY_PREC),))
        if t.kind == "op" and t.text == "!":
            self.next(skip_nl=True)
            return _Node("unary", "!", (self.expression(_NOT_PREC),))
        return self.postfix(self.primary())

    def postfix(self, node: _Node) -> _Node:
        while True:
            t = self.peek()
            if t.kind == "op" and t.text == "$":
                self.next()
                f = self.next()
                if f.kind == "name":
                    name = f.text
                elif f.kind == "bq":
                    name = f.text[1:-1]
                elif f.kind == "str":
                    name = _unquote(f.text)
                else:
                    raise RCodeError(f"expected an attribute name after '$' at position "
                                     f"{f.pos + 1}")
                node = _Node("dollar", name, (node,))
            elif t.kind == "op" and t.text == "(":
                if node.kind != "name":
                    raise RCodeError(f"only calls of named functions are supported, at "
                                     f"position {t.pos + 1}")
                self.next()
                self.depth += 1
                args: list[_Node] = []
                if self.peek().text != ")":
                    while True:
                        if self.peek().kind == "name" and self.toks[self._after_nl()].text == "=":
                            raise RCodeError(f"named arguments are not supported (in the call "
                                             f"of {node.value}())")
                        args.append(self.expression(0))
                        if self.peek().text == ",":
                            self.next()
                            continue
                        break
                self.depth -= 1
                self.expect(")")
                node = _Node("call", node.value, tuple(args))
            elif t.kind == "op" and t.text in ("[", "@", ":", "~", "?"):
                raise RCodeError(f"the operator {t.text!r} is not supported, at position "
                                 f"{t.pos + 1}")
            else:
                return node

    def _after_nl(self) -> int:
        j = self.i
        while self.toks[j].kind == "nl":
            j += 1
        j += 1
        while self.toks[j].kind == "nl":
            j += 1
        return j

    def primary(self) -> _Node:
        t = self.next(skip_nl=True)
        if t.kind == "num":
            return _Node("num", float(t.text.rstrip("L")))
        if t.kind == "str":
            return _Node("str", _unquote(t.text))
        if t.kind == "bq":
            return _Node("name", t.text[1:-1])
        if t.kind == "name":
            word = t.text
            if word == "TRUE":
                return _Node("const", True)
            if word == "FALSE":
                return _Node("const", False)
            if word == "Inf":
                return _Node("const", math.inf)
            if word in ("NULL", "NA", "NaN"):
                return _Node("const", None if word == "NULL" else math.nan)
            if word == "function":
                return self.function()
            if word == "if":
                return self.if_()
            if word in _UNSUPPORTED_WORDS:
                raise RCodeError(f"{word!r} is not supported")
            return _Node("name", word)
        if t.kind == "op" and t.text == "(":
            self.depth += 1
            inner = self.expression(0)
            self.depth -= 1
            self.expect(")")
            return inner
        if t.kind == "op" and t.text == "{":
            saved, self.depth = self.depth, 0
            stmts = self.statements(until="}")
            self.depth = saved
            self.expect("}")
            return _Node("block", args=tuple(stmts))
        if t.kind == "end":
            raise RCodeError("the code ends in the middle of an expression")
        raise RCodeError(f"unexpected {t.text!r} at position {t.pos + 1}")

    def function(self) -> _Node:
        self.expect("(")
        self.depth += 1
        params: list[str] = []
        if self.peek().text != ")":
            while True:
                p = self.next()
                if p.kind not in ("name", "bq"):
                    raise RCodeError(f"expected a parameter name at position {p.pos + 1}")
                if self.peek().text == "=":
                    raise RCodeError("default parameter values are not supported")
                params.append(p.text.strip("`"))
                if self.peek().text == ",":
                    self.next()
                    continue
                break
        self.depth -= 1
        self.expect(")")
        saved, self.depth = self.depth, 0
        body = self.statement()
        self.depth = saved
        return _Node("function", tuple(params), (body,))

    def if_(self) -> _Node:
        self.expect("(")
        self.depth += 1
        cond = self.expression(0)
        self.depth -= 1
        self.expect(")")
        saved, self.depth = self.depth, 0
        yes = self.statement()
        # `else` may follow on a new line (R accepts that inside braces)
        j = self.i
        while self.toks[j].kind == "nl":
            j += 1
        no = None
        if self.toks[j].kind == "name" and self.toks[j].text == "else":
            self.i = j + 1
            no = self.statement()
        self.depth = saved
        return _Node("if", None, (cond, yes, no))


def _unquote(s: str) -> str:
    body = s[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


# --------------------------------------------------------------------------- interpreter

class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


@dataclass
class _Closure:
    params: tuple[str, ...]
    body: _Node
    env: dict[str, Any]
    name: str | None = None


def _num(x: Any, what: str) -> float:
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, int | float):
        return float(x)
    raise RCodeError(f"{what} needs a number, got {_show(x)}")


def _show(x: Any) -> str:
    if x is None:
        return "NULL"
    if isinstance(x, _Closure):
        return "a function"
    if isinstance(x, Mapping):
        return "an alternative"
    return repr(x)


def _truth(x: Any) -> bool:
    if isinstance(x, bool):
        return x
    if isinstance(x, int | float):
        if math.isnan(x):
            raise RCodeError("missing value where TRUE/FALSE needed")
        return x != 0
    raise RCodeError(f"a condition needs TRUE/FALSE, got {_show(x)}")


def _arith(op: str, a: Any, b: Any) -> float:
    x, y = _num(a, f"'{op}'"), _num(b, f"'{op}'")
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        if y == 0:
            return math.copysign(math.inf, x) * math.copysign(1.0, y) if x != 0 else math.nan
        return x / y
    if op == "^":
        try:
            return float(x ** y)
        except (OverflowError, ZeroDivisionError):
            return math.inf
    if op == "%%":
        return math.nan if y == 0 else x - math.floor(x / y) * y
    return math.nan if y == 0 else float(math.floor(x / y))  # %/%


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        if not (isinstance(a, str) and isinstance(b, str)):
            a, b = str(a), str(b)  # R coerces the number to text
        pairs = {"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b,
                 ">=": a >= b}
        return pairs[op]
    x, y = _num(a, f"'{op}'"), _num(b, f"'{op}'")
    return {"==": x == y, "!=": x != y, "<": x < y, ">": x > y, "<=": x <= y,
            ">=": x >= y}[op]


def _builtin(name: str, args: list[Any]) -> Any:
    def nums() -> list[float]:
        return [_num(a, f"{name}()") for a in args]

    def arity(*ok: int) -> None:
        if len(args) not in ok:
            raise RCodeError(f"{name}() takes {' or '.join(map(str, ok))} argument(s), got "
                             f"{len(args)}")

    if name in ("min", "max"):
        if not args:
            raise RCodeError(f"{name}() needs at least one argument")
        v = nums()
        return min(v) if name == "min" else max(v)
    if name in ("abs", "sqrt", "exp", "floor", "ceiling", "log10", "log2", "is.na"):
        arity(1)
        if name == "is.na":
            return isinstance(args[0], float) and math.isnan(args[0])
        (x,) = nums()
        if name == "abs":
            return abs(x)
        if name == "sqrt":
            return math.sqrt(x) if x >= 0 else math.nan
        if name == "exp":
            try:
                return math.exp(x)
            except OverflowError:
                return math.inf
        if name == "floor":
            return float(math.floor(x))
        if name == "ceiling":
            return float(math.ceil(x))
        if x < 0:
            return math.nan
        if x == 0:
            return -math.inf
        return math.log10(x) if name == "log10" else math.log2(x)
    if name == "log":
        arity(1, 2)
        v = nums()
        if v[0] < 0 or (len(v) == 2 and v[1] <= 0):
            return math.nan
        if v[0] == 0:
            return -math.inf
        return math.log(v[0]) if len(v) == 1 else math.log(v[0]) / math.log(v[1])
    if name == "round":
        arity(1, 2)
        v = nums()
        digits = int(v[1]) if len(v) == 2 else 0
        return float(round(v[0], digits))  # IEC 60559 round half to even, as R
    if name == "ifelse":
        arity(3)
        return args[1] if _truth(args[0]) else args[2]
    raise RCodeError(f"the function {name}() is not supported")


_BUILTINS = {"min", "max", "abs", "sqrt", "exp", "log", "log10", "log2", "floor", "ceiling",
             "round", "ifelse", "is.na"}


class _Interp:
    def __init__(self) -> None:
        self.depth = 0  # nested calls of the file's own functions
        self.eval_depth = 0  # nested expressions being evaluated

    def eval(self, node: _Node, env: dict[str, Any]) -> Any:
        self.eval_depth += 1
        if self.eval_depth > MAX_EVAL_DEPTH:
            raise RCodeError(f"the evaluation nests more than {MAX_EVAL_DEPTH} expressions "
                             f"deep (endless recursion?)")
        try:
            return self._eval(node, env)
        finally:
            self.eval_depth -= 1

    def _eval(self, node: _Node, env: dict[str, Any]) -> Any:
        k = node.kind
        if k in ("num", "str", "const"):
            return node.value
        if k == "name":
            if node.value in env:
                return env[node.value]
            if node.value in ("T", "F"):  # R's variables T and F, unless reassigned
                return node.value == "T"
            raise RCodeError(f"object {node.value!r} not found")
        if k == "dollar":
            obj = self.eval(node.args[0], env)
            if not isinstance(obj, Mapping):
                raise RCodeError(f"'$' needs an alternative on its left, got {_show(obj)}")
            if node.value not in obj:
                known = ", ".join(map(str, obj)) or "none"
                raise RCodeError(f"the alternative has no attribute {node.value!r} (it has: "
                                 f"{known})")
            val = obj[node.value]
            if isinstance(val, bool) or not isinstance(val, int | float | str):
                raise RCodeError(f"attribute {node.value!r} must be a number or text, got "
                                 f"{_show(val)}")
            return float(val) if isinstance(val, int) else val
        if k == "unary":
            x = self.eval(node.args[0], env)
            if node.value == "!":
                return not _truth(x)
            v = _num(x, f"unary '{node.value}'")
            return -v if node.value == "-" else v
        if k == "binary":
            op = node.value
            if op in ("&&", "&"):
                return _truth(self.eval(node.args[0], env)) and _truth(
                    self.eval(node.args[1], env))
            if op in ("||", "|"):
                return _truth(self.eval(node.args[0], env)) or _truth(
                    self.eval(node.args[1], env))
            a = self.eval(node.args[0], env)
            b = self.eval(node.args[1], env)
            if op in ("==", "!=", "<", ">", "<=", ">="):
                return _compare(op, a, b)
            return _arith(op, a, b)
        if k == "if":
            cond, yes, no = node.args
            if _truth(self.eval(cond, env)):
                return self.eval(yes, env)
            return None if no is None else self.eval(no, env)
        if k == "block":
            value = None
            for stmt in node.args:
                value = self.eval(stmt, env)
            return value
        if k == "assign":
            value = self.eval(node.args[0], env)
            if isinstance(value, _Closure) and value.name is None:
                value.name = node.value
            env[node.value] = value
            return value
        if k == "function":
            return _Closure(node.value, node.args[0], env)
        if k == "call":
            return self.call(node, env)
        raise RCodeError(f"unsupported construct {k!r}")  # pragma: no cover

    def call(self, node: _Node, env: dict[str, Any]) -> Any:
        name = node.value
        if name == "return":
            if len(node.args) > 1:
                raise RCodeError("return() takes one argument")
            raise _Return(self.eval(node.args[0], env) if node.args else None)
        target = env.get(name)
        args = [self.eval(a, env) for a in node.args]
        if isinstance(target, _Closure):
            return self.apply(target, args)
        if name in _BUILTINS:
            return _builtin(name, args)
        raise RCodeError(f"the function {name}() is not supported")

    def apply(self, f: _Closure, args: Sequence[Any]) -> Any:
        if len(args) != len(f.params):
            raise RCodeError(f"the function takes {len(f.params)} argument(s), got {len(args)}")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RCodeError(f"more than {MAX_DEPTH} nested calls (endless recursion?)")
        try:
            local = dict(f.env)
            local.update(zip(f.params, args, strict=True))
            try:
                return self.eval(f.body, local)
            except _Return as r:
                return r.value
        finally:
            self.depth -= 1


# --------------------------------------------------------------------------- public

class RFunction:
    """A compiled R function of ``n`` alternatives (mappings of attribute -> value).

    Calling it returns a float; anything else (text, ``NULL``, a function) is an
    :class:`RCodeError`.
    """

    def __init__(self, closure: _Closure, text: str) -> None:
        self._closure = closure
        self.text = text
        self.n_args = len(closure.params)

    def __call__(self, *alternatives: Mapping[str, Any]) -> float:
        interp = _Interp()
        value = interp.apply(self._closure, alternatives)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RCodeError(f"the function must return a number, got {_show(value)}")
        return float(value)


def _parse(text: str) -> _Node:
    if not isinstance(text, str):
        raise RCodeError(f"R code must be text, got {_show(text)}")
    if len(text) > MAX_LENGTH:
        raise RCodeError(f"the code is longer than {MAX_LENGTH} characters")
    return _Parser(text).program()


def compile_function(text: str, n_args: int | None = None) -> RFunction:
    """Parse ``function(...) ...`` or ``Name <- function(...) ...`` into an :class:`RFunction`.

    Raises
    ------
    RCodeError
        Text outside the supported subset, or not a function (of ``n_args`` arguments).

    Examples
    --------
    >>> f = compile_function('''G <- function(a1, a2) {
    ...   if (a1$x < a2$x) return (1/G(a2, a1))
    ...   ratio <- a1$x / a2$x
    ...   if (ratio < 1.5) return (1)
    ...   return (3)
    ... }''', n_args=2)
    >>> f({"x": 2}, {"x": 2.5}), f({"x": 4}, {"x": 2}), f({"x": 2}, {"x": 4})
    (1.0, 3.0, 0.3333333333333333)
    """
    tree = _parse(text)
    env: dict[str, Any] = {}
    value = _Interp().eval(tree, env)
    if not isinstance(value, _Closure):
        raise RCodeError(f"the code must define a function, got {_show(value)}")
    if n_args is not None and len(value.params) != n_args:
        raise RCodeError(f"the function must take {n_args} argument(s), got "
                         f"{len(value.params)}")
    return RFunction(value, text)


def evaluate_number(text: Any) -> float:
    """A number written as a number or as an R expression without variables (``"1/7"``).

    Examples
    --------
    >>> evaluate_number("1/7") == 1 / 7, evaluate_number(3), evaluate_number("2^-1")
    (True, 3.0, 0.5)
    """
    if isinstance(text, bool):
        raise RCodeError(f"expected a number, got {text!r}")
    if isinstance(text, int | float):
        return float(text)
    value = _Interp().eval(_parse(str(text)), {})
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RCodeError(f"expected a number, got {_show(value)}")
    return float(value)

