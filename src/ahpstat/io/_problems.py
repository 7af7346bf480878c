"""Every problem of one input file at once (``ahpstat check``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ahpstat._validation import InputError, check_method, check_scale
from ahpstat.io._expert_weights import read_expert_weights_into, validate_expert_weights
from ahpstat.io._grids import Sink
from ahpstat.io._layouts import read_judgments_into
from ahpstat.io._survey import read_survey_into
from ahpstat.io._validate import validate_judgments

__all__ = [
    "collect_problems",
]


def collect_problems(
    path: str | os.PathLike | Any, *, kind: str, **options: Any
) -> list[InputError]:
    """Every problem of one input file, instead of only the first (``ahpstat check``).

    Parameters
    ----------
    path : str, path-like or text stream
    kind : {"hierarchy", "judgments", "expert_weights", "survey"}
        Which reader's rules apply.
    **options
        The reader's keywords: for ``"judgments"`` those of :func:`read_judgments`
        (``layout``, ``hierarchy``, ``sheet``, ``scale``, ``node``, ``encoding``,
        ``ignore_columns``, ``attributes``, ``id_column``, ``delimiter``, ``decimal``);
        for ``"expert_weights"`` ``sheet`` and optionally ``experts``
        (checked by :func:`validate_expert_weights`); for ``"survey"`` those of
        :func:`read_survey`.

    Returns
    -------
    list of InputError
        Empty when the file is valid. Problems in row order within each stage (parsing,
        then content).

    Examples
    --------
    >>> import io
    >>> f = io.StringIO("expert,node,row,col,value\\nE1,A,x,y,-3\\nE1,A,x,z,abc\\n")
    >>> for p in collect_problems(f, kind="judgments"):
    ...     print(p.location.row, p.reason)
    3 value is not a number or a fraction like 1/3. Got 'abc' instead.
    2 value must be positive and finite. Got -3 instead.
    """
    kind = check_method("kind", kind, ("hierarchy", "judgments", "expert_weights", "survey"))
    sink = Sink("collect")
    if kind == "hierarchy":
        from ahpstat.hierarchy import yaml_problems

        if options:
            raise TypeError(f"kind='hierarchy' takes no options. Got {sorted(options)} instead.")
        return yaml_problems(path)
    if kind == "judgments":
        scale = check_scale(options.pop("scale", None))
        df = read_judgments_into(
            path, sink, layout=options.pop("layout", "long"),
            hierarchy=options.get("hierarchy"), sheet=options.pop("sheet", None),
            node=options.pop("node", None), encoding=options.pop("encoding", None),
            ignore_columns=options.pop("ignore_columns", ()),
            attributes=options.pop("attributes", None), id_column=options.pop("id_column", None),
            delimiter=options.pop("delimiter", None), decimal=options.pop("decimal", None))
        hierarchy = options.pop("hierarchy", None)
        _no_more(options)
        if len(df) or not sink.problems:
            sink.problems += validate_judgments(df, hierarchy, scale=scale, errors="collect")
        return sink.problems
    if kind == "expert_weights":
        experts = options.pop("experts", None)
        sheet = options.pop("sheet", None)
        _no_more(options)
        w = read_expert_weights_into(path, sink, sheet)
        if experts is not None and len(w):
            sink.problems += validate_expert_weights(w, experts, errors="collect")
        return sink.problems
    lacking = [k for k in ("id_column", "items") if k not in options]
    if lacking:
        raise TypeError(f"kind='survey' needs the keyword(s) {', '.join(lacking)} (as "
                        f"read_survey). Got only {sorted(options)} instead.")
    read_survey_into(path, sink, id_column=options.pop("id_column"),
                      items=options.pop("items"),
                      group_columns=options.pop("group_columns", ()),
                      likert=options.pop("likert", (1, 5)), sheet=options.pop("sheet", None),
                      delimiter=options.pop("delimiter", None),
                      decimal=options.pop("decimal", None))
    _no_more(options)
    return sink.problems


def _no_more(options: Mapping[str, Any]) -> None:
    if options:
        raise TypeError(f"unexpected option(s) {sorted(options)}.")
