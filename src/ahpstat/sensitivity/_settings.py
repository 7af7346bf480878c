"""The study file's ``sensitivity:`` section: its defaults and its validation
(:func:`sensitivity_settings`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["SENSITIVITY_DEFAULTS", "sensitivity_settings"]


# --------------------------------------------------------------------------- a study section


#: defaults of the study file's ``sensitivity:`` section (present = enabled); the grid
#: factors default to :data:`ahpstat.multiverse.DEFAULT_GRID`
SENSITIVITY_DEFAULTS: dict[str, Any] = {
    "enabled": True, "nodes": "criteria", "grouping": None, "one_at_a_time": True,
    "judgments": {"n_resamples": 200, "probability": 0.1, "sigma": None},
    "sobol": {"n_samples": 512, "factor": 2.0, "confidence_level": 0.95},
}
_SECTION_KEYS = ("enabled", "nodes", "grouping", "one_at_a_time", "judgments", "sobol")


def sensitivity_settings(section: Any, *, groups: Sequence[str] = (), file: str | None = None,
                         key: str = "sensitivity") -> dict[str, Any]:
    """Validate a study file's ``sensitivity:`` section and fill in every default.

    Keys: the grid factors of :func:`ahpstat.multiverse.multiverse_grid` (each a list of
    levels), ``nodes`` (``criteria`` | ``internal``), ``grouping`` (a survey group column,
    default the first), ``one_at_a_time`` (true/false), ``judgments`` (``{n_resamples,
    probability, sigma}`` or false) and ``sobol`` (``{n_samples, factor, confidence_level}``
    or false),
    ``enabled``. Errors are :class:`~ahpstat.InputError` naming ``file`` and the key.

    Examples
    --------
    >>> s = sensitivity_settings({"scale": ["saaty", "balanced"], "sobol": False})
    >>> s["grid"]["scale"], s["sobol"], s["judgments"]["n_resamples"]
    (('saaty', 'balanced'), None, 200)
    >>> sensitivity_settings({"judgments": {"n_resamples": 0}}, file="s.yaml")
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: s.yaml: `sensitivity.judgments.n_resamples` must be ...
    """
    from ahpstat._validation import InputError, check_method
    from ahpstat.multiverse import FACTORS, multiverse_grid

    if section is None or section is True:
        section = {}
    if not isinstance(section, dict):
        raise InputError(f"`{key}` must be a mapping of settings. Got "
                         f"{type(section).__name__} instead.", file=file)
    unknown = [k for k in section if k not in _SECTION_KEYS and k not in FACTORS]
    if unknown:
        known = ", ".join(f"`{key}.{k}`" for k in (*_SECTION_KEYS, *FACTORS))
        raise InputError(f"unknown key `{key}.{unknown[0]}`; the keys here are {known}. Got "
                         f"`{key}.{unknown[0]}` instead.", file=file)
    grid = multiverse_grid({k: v for k, v in section.items() if k in FACTORS}, file=file,
                           key=key)
    sec = _Section(section, key, file)
    out: dict[str, Any] = {"grid": grid}
    out["enabled"] = sec.flag("enabled")
    out["one_at_a_time"] = sec.flag("one_at_a_time")
    nodes = section.get("nodes", "criteria")
    try:
        out["nodes"] = check_method(f"{key}.nodes", nodes, ("criteria", "internal"))
    except ValueError as exc:
        raise InputError(str(exc), file=file) from None
    grouping = section.get("grouping")
    if grouping is not None and grouping not in groups:
        raise InputError(f"`{key}.grouping` must be one of the survey's group columns "
                         f"(`survey.group_columns`: {list(groups)}) or null. Got {grouping!r} "
                         "instead.", file=file)
    out["grouping"] = grouping
    out["judgments"] = _judgments(sec)
    out["sobol"] = _sobol(sec)
    return out


class _Section:
    """The checks of the section's values, each error naming ``key.name`` and the file."""

    def __init__(self, section: dict[str, Any], key: str, file: str | None) -> None:
        self.section, self.key, self.file = section, key, file

    def error(self, message: str) -> Exception:
        from ahpstat._validation import InputError

        return InputError(message, file=self.file)

    def flag(self, name: str) -> bool:
        v = self.section.get(name, SENSITIVITY_DEFAULTS[name])
        if not isinstance(v, bool):
            raise self.error(f"`{self.key}.{name}` must be true or false. Got {v!r} instead.")
        return v

    def sub(self, name: str, keys: tuple[str, ...]) -> dict[str, Any] | None:
        key = self.key
        v = self.section.get(name, {})
        if v is False or v is None:
            return None
        if v is True:
            v = {}
        if not isinstance(v, dict):
            raise self.error(f"`{key}.{name}` must be a mapping of settings or false. Got "
                             f"{v!r} instead.")
        bad = [k for k in v if k not in keys]
        if bad:
            known = ", ".join(f"`{key}.{name}.{k}`" for k in keys)
            raise self.error(f"unknown key `{key}.{name}.{bad[0]}`; the keys here are "
                             f"{known}. Got `{key}.{name}.{bad[0]}` instead.")
        return {**SENSITIVITY_DEFAULTS[name], **v}

    def number(self, value: Any, name: str, lo: float, hi: float | None, closed: bool
               ) -> float:
        ok = (not isinstance(value, bool) and isinstance(value, int | float)
              and np.isfinite(value) and (value >= lo if closed else value > lo)
              and (hi is None or value <= hi))
        if not ok:
            rng_txt = f"{'>=' if closed else '>'} {lo:g}" + (f" and <= {hi:g}" if hi else "")
            raise self.error(f"`{self.key}.{name}` must be a number {rng_txt}. Got {value!r} "
                             "instead.")
        return float(value)

    def integer(self, value: Any, name: str, lo: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < lo:
            raise self.error(f"`{self.key}.{name}` must be an integer >= {lo}. Got {value!r} "
                             "instead.")
        return int(value)


def _judgments(sec: _Section) -> dict[str, Any] | None:
    """The ``judgments:`` subsection (``None``: switched off)."""
    j = sec.sub("judgments", ("n_resamples", "probability", "sigma"))
    if j is not None:
        j["n_resamples"] = sec.integer(j["n_resamples"], "judgments.n_resamples", 1)
        j["probability"] = sec.number(j["probability"], "judgments.probability", 0.0, 1.0,
                                      True)
        if j["sigma"] is not None:
            j["sigma"] = sec.number(j["sigma"], "judgments.sigma", 0.0, None, False)
    return j


def _sobol(sec: _Section) -> dict[str, Any] | None:
    """The ``sobol:`` subsection (``None``: switched off)."""
    s = sec.sub("sobol", ("n_samples", "factor", "confidence_level"))
    if s is not None:
        n = sec.integer(s["n_samples"], "sobol.n_samples", 2)
        if n & (n - 1):
            raise sec.error(f"`{sec.key}.sobol.n_samples` must be a power of 2 (e.g. 512). "
                            f"Got {n!r} instead.")
        s["n_samples"] = n
        s["factor"] = sec.number(s["factor"], "sobol.factor", 1.0, None, False)
        cl = sec.number(s["confidence_level"], "sobol.confidence_level", 0.0, 1.0, False)
        if cl >= 1:
            raise sec.error(f"`{sec.key}.sobol.confidence_level` must be a confidence level "
                            f"below 1 (e.g. 0.95). Got {cl!r} instead.")
        s["confidence_level"] = cl
    return s
