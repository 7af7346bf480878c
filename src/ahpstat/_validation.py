"""Input errors and small validation helpers shared by every layer.

Every error a user can cause is an :class:`InputError` (a ``ValueError``) whose message names
where the problem is: the file, sheet, row and column, and the expert and node when known.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "InputError",
    "Location",
    "check_confidence_level",
    "check_int",
    "check_likert",
    "check_method",
    "check_scale",
    "format_location",
    "suggest",
]


@dataclass(frozen=True)
class Location:
    """Where a problem sits in the user's inputs (every field optional)."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    expert: str | None = None
    node: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        return format_location(
            file=self.file,
            line=self.line,
            sheet=self.sheet,
            row=self.row,
            column=self.column,
            expert=self.expert,
            node=self.node,
        )


def format_location(
    *,
    file: str | None = None,
    line: int | None = None,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    expert: str | None = None,
    node: str | None = None,
) -> str:
    """Return ``"file.csv, sheet 'S', row 4, column 'value' (expert 'E1', node 'B2')"``.

    Parts that are ``None`` are left out; an empty string is returned when all are.
    ``line`` is the line of a text file such as a YAML study file (``"study.yaml, line 7"``).

    Examples
    --------
    >>> format_location(file="j.csv", row=3, expert="E1", node="B1")
    "j.csv, row 3 (expert 'E1', node 'B1')"
    """
    parts: list[str] = []
    if file is not None:
        parts.append(str(file))
    if line is not None:
        parts.append(f"line {line}")
    if sheet is not None:
        parts.append(f"sheet {sheet!r}")
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column!r}")
    who = []
    if expert is not None:
        who.append(f"expert {expert!r}")
    if node is not None:
        who.append(f"node {node!r}")
    text = ", ".join(parts)
    if who:
        text = f"{text} ({', '.join(who)})" if text else ", ".join(who)
    return text


class InputError(ValueError):
    """Invalid user input; the message says where (file, sheet, row, column, expert, node).

    Parameters
    ----------
    message : str
        What is wrong, ending with what was found ("Got ... instead.").
    file, sheet, row, column, expert, node : optional
        Where. ``row`` is the 1-based row number as a spreadsheet shows it (header = row 1).
    line : int, optional
        The 1-based line of a text file (a YAML study or hierarchy file).

    Examples
    --------
    >>> err = InputError("value -3 is not positive.", file="j.csv", row=4, node="B1")
    >>> str(err)
    "j.csv, row 4 (node 'B1'): value -3 is not positive."
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        expert: str | None = None,
        node: str | None = None,
        line: int | None = None,
    ) -> None:
        self.location = Location(
            file=file, sheet=sheet, row=row, column=column, expert=expert, node=node,
            line=line,
        )
        self.reason = message
        where = str(self.location)
        super().__init__(f"{where}: {message}" if where else message)


def check_method(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Validate a method name case-insensitively; return it as spelled in ``choices``.

    Every method and option name of ahpstat is matched this way (``"BCa"`` is ``"bca"``).

    Examples
    --------
    >>> check_method("method", "BCa", ("percentile", "basic", "bca"))
    'bca'
    >>> check_method("method", "bc", ("percentile", "bca"))
    Traceback (most recent call last):
    ...
    ValueError: `method` must be one of {'percentile', 'bca'}; got 'bc' instead. Did you mean \
'bca'?
    """
    choices = tuple(choices)
    if isinstance(value, str) and value in choices:  # spelled as listed: the common case
        return value
    if value is None and None in choices:  # an option whose choices include "none"
        return None
    if isinstance(value, str):
        folded = {c.casefold(): c for c in choices if isinstance(c, str)}
        if value.casefold() in folded:
            return folded[value.casefold()]
    options = ", ".join(repr(c) for c in choices)
    hint = suggest(value, [c for c in choices if isinstance(c, str)]) if isinstance(
        value, str) else ""
    raise ValueError(f"`{name}` must be one of {{{options}}}; got {value!r} instead.{hint}")


#: The judgment scales an entry point's ``scale=`` may declare (``None``: any positive value).
SCALES = ("saaty", None)


#: Two computed values within ``TIE_RTOL`` times the largest magnitude involved are the same
#: quantity reached by two computations (in another order, on another path): a tie, whatever
#: their last bits. Used by BCa's bias correction and by the rank confidence sets.
TIE_RTOL = 1e-12


def check_scale(value: Any, name: str = "scale") -> str | None:
    """The declared judgment scale, canonical (``"Saaty"`` is ``"saaty"``); ``None`` stays.

    The one check of ``scale=`` behind every public entry point (:func:`ahpstat.validate_matrix`,
    :func:`ahpstat.weights`, the readers, :class:`ahpstat.BayesianAHP`, the simulators):
    :func:`check_method` over :data:`SCALES`, after a fast path for the canonical spellings.

    Examples
    --------
    >>> check_scale("SAATY"), check_scale(None)
    ('saaty', None)
    >>> check_scale("likert")
    Traceback (most recent call last):
    ...
    ValueError: `scale` must be one of {'saaty', None}; got 'likert' instead.
    """
    if value is None or value == "saaty":
        return value
    return check_method(name, value, SCALES)


def suggest(word: Any, choices: Iterable[Any]) -> str:
    """``" Did you mean 'x'?"`` for the closest of ``choices`` to ``word``, else ``""``.

    Examples
    --------
    >>> suggest("weigth", ["expert", "weight"])
    " Did you mean 'weight'?"
    """
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""


def check_int(name: str, value: Any, minimum: int) -> int:
    """An integer argument ``>= minimum`` (``bool`` is not an integer here).

    Examples
    --------
    >>> check_int("n_resamples", 10, 1)
    10
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}; got {value!r} instead.")
    return int(value)


def check_confidence_level(value: Any, name: str = "confidence_level") -> float:
    """A confidence (or credible) level strictly between 0 and 1.

    Examples
    --------
    >>> check_confidence_level(0.9)
    0.9
    """
    try:
        lv = float(value)
    except (TypeError, ValueError):
        lv = float("nan")
    if isinstance(value, bool) or not 0.0 < lv < 1.0:
        raise ValueError(f"`{name}` must be in (0, 1); got {value!r} instead.")
    return lv


def check_likert(likert: Any) -> tuple[int, int]:
    """The ``(lowest, highest)`` answer of a Likert scale: two integers, lowest < highest.

    Examples
    --------
    >>> check_likert([1, 5])
    (1, 5)
    """
    try:
        lo, hi = likert
    except (TypeError, ValueError):
        raise ValueError("`likert` must be (lowest, highest) answer, two integers. Got "
                         f"{likert!r} instead.") from None
    if not all(isinstance(x, int | np.integer) and not isinstance(x, bool) for x in (lo, hi)) \
            or lo >= hi:
        raise ValueError("`likert` must be (lowest, highest) answer, two integers with lowest "
                         f"< highest. Got {likert!r} instead.")
    return int(lo), int(hi)
