"""Versions of the libraries that computed a result (for ``provenance.json`` and the report)."""

from __future__ import annotations

import functools
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = ["library_versions"]

#: distributions every study run computes with
CORE = ("numpy", "scipy", "pandas", "numba", "matplotlib", "PyYAML", "openpyxl")
#: the Bayesian model's stack (when a study ran it)
BAYES = ("pymc", "pytensor", "nutpie", "arviz")


def library_versions(res: Any = None) -> dict[str, str]:
    """Python, ahpstat and every library a result was computed with, name -> version.

    The core libraries always; PyMC, PyTensor, nutpie and ArviZ when ``res`` ran the Bayesian
    model; SALib when it ran a Sobol' analysis. A library that is not installed is left out.

    Examples
    --------
    >>> v = library_versions()
    >>> sorted(v)[:3], "numpy" in v
    (['PyYAML', 'ahpstat', 'matplotlib'], True)
    """
    names = ["ahpstat", *CORE]
    if res is not None and getattr(res, "bayes", None) is not None:
        names += BAYES
    sens = getattr(res, "sensitivity", None) if res is not None else None
    if sens is not None and getattr(sens, "sobol", None) is not None:
        names.append("SALib")
    out = {"python": sys.version.split()[0]}
    for n in names:
        v = _version(n)
        if v is not None:
            out[n] = v
    return out


@functools.cache
def _version(name: str) -> str | None:
    """The installed version of distribution ``name`` (``None``: not installed), read once
    per process: each read parses the distribution's metadata (about 10 ms here, and a run
    asks three times: provenance, report, method section).
    """
    try:
        return version(name)
    except PackageNotFoundError:
        return None
