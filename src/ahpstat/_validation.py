"""Input errors and small validation helpers shared by every layer.

Every error a user can cause is an :class:`InputError` (a ``ValueError``) whose message names
where the problem is: the file, sheet, row and column, and the expert and node when known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["InputError", "Location", "check_choice", "format_location"]


@dataclass(frozen=True)
class Location:
    """Where a problem sits in the user's inputs (every field optional)."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    expert: str | None = None
    node: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return format_location(
            file=self.file,
            sheet=self.sheet,
            row=self.row,
            column=self.column,
            expert=self.expert,
            node=self.node,
        )


def format_location(
    *,
    file: str | None = None,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    expert: str | None = None,
    node: str | None = None,
) -> str:
    """Return ``"file.csv, sheet 'S', row 4, column 'value' (expert 'E1', node 'B2')"``.

    Parts that are ``None`` are left out; an empty string is returned when all are.

    Examples
    --------
    >>> format_location(file="j.csv", row=3, expert="E1", node="B1")
    "j.csv, row 3 (expert 'E1', node 'B1')"
    """
    parts: list[str] = []
    if file is not None:
        parts.append(str(file))
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
    ) -> None:
        self.location = Location(
            file=file, sheet=sheet, row=row, column=column, expert=expert, node=node
        )
        self.reason = message
        where = str(self.location)
        super().__init__(f"{where}: {message}" if where else message)


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Raise a ``ValueError`` unless ``value`` is one of ``choices``; return it.

    Examples
    --------
    >>> check_choice("method", "aij", ("aij", "aip"))
    'aij'
    """
    choices = tuple(choices)
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {{{options}}}; got {value!r} instead.")
    return value
