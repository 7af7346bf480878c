"""The multiverse's factors and their levels: :data:`FACTORS`, :data:`DEFAULT_GRID` and the
validation of a grid (:func:`multiverse_grid`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ahpstat._validation import InputError
from ahpstat.evaluation import WEIGHTINGS
from ahpstat.multiverse._treatments import JUDGMENT_SCALES, LIKERT_TREATMENTS
from ahpstat.panel import needs_threshold

FACTORS = ("weighting", "aggregation", "consistency", "policy", "missing", "scale", "likert",
           "family")


#: The weighting families (the ``family`` factor): AHP, the objective methods, combined.
WEIGHTING_FAMILIES = WEIGHTINGS


AGGREGATION_LEVELS = ("aij", "aip_geometric", "aip_arithmetic")


MISSING_RULES = ("available_case", "listwise")


#: The default grid: 3 x 3 x 2 x 4 x 2 x 3 x 3 x 1 = 1296 specifications.
DEFAULT_GRID: dict[str, tuple] = {
    "weighting": ("eigenvector", "geometric_mean", "column_mean"),
    "aggregation": ("aij", "aip_geometric", "aip_arithmetic"),
    "consistency": ({"index": "cr", "random_index": "saaty", "threshold": 0.1},
                    {"index": "gci"}),
    "policy": ("keep", "drop", "repair", "downweight"),
    "missing": ("available_case", "listwise"),
    "scale": ("saaty", "balanced", "logarithmic"),
    "likert": ("mean", "top2_box", "ridit"),
    "family": ("ahp",),
}


def _consistency_label(c: Mapping[str, Any]) -> str:
    parts = [str(c["index"])]
    if c["index"] in ("cr", "ci"):
        parts.append(str(c.get("random_index", "saaty")))
    if c.get("threshold") is not None:
        parts.append(f"{c['threshold']:g}")
    return "/".join(parts)


def multiverse_grid(grid: Mapping[str, Any] | None = None, *, file: str | None = None,
                    key: str = "sensitivity") -> dict[str, tuple]:
    """Validate a grid of analyst choices; fill missing factors from :data:`DEFAULT_GRID`.

    Every factor is a list of levels (a single value is a one-level list). Errors are
    :class:`~ahpstat.InputError` naming ``file`` and the key (``sensitivity.scale``, ...).

    Examples
    --------
    >>> g = multiverse_grid({"weighting": "eigenvector", "scale": ["saaty", "balanced"]})
    >>> g["weighting"], g["scale"]
    (('eigenvector',), ('saaty', 'balanced'))
    >>> multiverse_grid({"scale": ["saaty", "fibonacci"]})
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: `sensitivity.scale` must be a list of ...
    """
    from ahpstat.panel import PANEL_POLICIES
    from ahpstat.weighting import WEIGHTING_METHODS

    g = dict(grid or {})
    unknown = [k for k in g if k not in FACTORS]
    if unknown:
        known = ", ".join(f"`{key}.{k}`" for k in FACTORS)
        raise InputError(f"unknown key `{key}.{unknown[0]}`; the factors are {known}. Got "
                         f"`{key}.{unknown[0]}` instead.", file=file)
    choices = {"weighting": WEIGHTING_METHODS, "aggregation": AGGREGATION_LEVELS,
               "policy": PANEL_POLICIES, "missing": MISSING_RULES,
               "scale": tuple(JUDGMENT_SCALES), "likert": LIKERT_TREATMENTS,
               "family": WEIGHTING_FAMILIES}
    out: dict[str, tuple] = {}
    for name in FACTORS:
        raw = g.get(name, DEFAULT_GRID[name])
        if raw is None:
            raw = DEFAULT_GRID[name]
        levels = list(raw) if isinstance(raw, list | tuple) else [raw]
        if not levels:
            raise InputError(f"`{key}.{name}` must list at least one level. Got an empty list "
                             "instead.", file=file)
        if name == "consistency":
            out[name] = _consistency_levels(levels, key, file)
        else:
            out[name] = _named_levels(name, levels, choices[name], key, file)
    for c in out["consistency"]:
        acting = [p for p in out["policy"] if needs_threshold(c["index"], c["threshold"], p)]
        if acting:
            raise InputError(f"`{key}.consistency`: Koczkodaj's index has no default threshold "
                             "(ahpstat.consistency); give `threshold` (Koczkodaj's own is 1/3) "
                             f"for the policies {acting}. Got {{index: koczkodaj}} without a "
                             "threshold instead.", file=file)
    return out


def _consistency_level(lev: Any, key: str, file: str | None) -> dict[str, Any]:
    """One level of the ``consistency`` factor: an index name or ``{index, random_index,
    threshold}``, normalised.
    """
    from ahpstat.consistency import CONSISTENCY_INDICES
    from ahpstat.scales import RANDOM_INDEX_TABLES

    c = {"index": lev} if isinstance(lev, str) else lev
    if not isinstance(c, Mapping):
        raise InputError(f"`{key}.consistency` levels must be an index name or a "
                         "mapping {index, random_index, threshold}. Got "
                         f"{lev!r} instead.", file=file)
    bad = [k for k in c if k not in ("index", "random_index", "threshold")]
    if bad:
        raise InputError(f"unknown key `{key}.consistency.{bad[0]}`; the keys "
                         "are `index`, `random_index`, `threshold`. Got "
                         f"`{bad[0]}` instead.", file=file)
    idx = c.get("index")
    idx = idx.lower() if isinstance(idx, str) else idx
    if idx not in CONSISTENCY_INDICES:
        opts = ", ".join(repr(x) for x in CONSISTENCY_INDICES)
        raise InputError(f"`{key}.consistency.index` must be one of {{{opts}}}. "
                         f"Got {c.get('index')!r} instead.", file=file)
    ri = c.get("random_index", "saaty")
    if ri not in RANDOM_INDEX_TABLES:
        opts = ", ".join(repr(x) for x in RANDOM_INDEX_TABLES)
        raise InputError(f"`{key}.consistency.random_index` must be one of "
                         f"{{{opts}}}. Got {ri!r} instead.", file=file)
    thr = c.get("threshold")
    if thr is not None and (isinstance(thr, bool) or not isinstance(thr, int | float)
                            or not np.isfinite(thr) or thr <= 0):
        raise InputError(f"`{key}.consistency.threshold` must be a positive number "
                         f"or null. Got {thr!r} instead.", file=file)
    return {"index": idx, "random_index": ri,
            "threshold": None if thr is None else float(thr)}


def _consistency_levels(levels: list, key: str, file: str | None) -> tuple:
    """The ``consistency`` factor's levels, normalised, none repeated."""
    norm = [_consistency_level(lev, key, file) for lev in levels]
    labels = [_consistency_label(c) for c in norm]
    if len(set(labels)) != len(labels):
        raise InputError(f"`{key}.consistency` repeats a level. Got {labels} instead.",
                         file=file)
    return tuple(norm)


def _named_levels(name: str, levels: list, choices: Sequence[str], key: str,
                  file: str | None) -> tuple:
    """A factor whose levels are names from ``choices`` (case-insensitive), none repeated."""
    norm: list[Any] = []
    for lev in levels:
        v = lev.lower() if isinstance(lev, str) else lev
        if v not in choices:
            opts = ", ".join(repr(x) for x in choices)
            raise InputError(f"`{key}.{name}` must be a list of {{{opts}}}. Got {lev!r} "
                             "instead.", file=file)
        if v in norm:
            raise InputError(f"`{key}.{name}` repeats the level {lev!r}. Got "
                             f"{levels!r} instead.", file=file)
        norm.append(v)
    return tuple(norm)


def level_label(factor: str, level: Any) -> str:
    return _consistency_label(level) if factor == "consistency" else str(level)
