"""ahpstat: the Analytic Hierarchy Process for indicator hierarchies, with honest uncertainty."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ahpstat._validation import InputError

try:
    __version__ = version("ahpstat")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["InputError", "__version__"]
