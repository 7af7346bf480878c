"""ahpstat: the Analytic Hierarchy Process for indicator hierarchies, with honest uncertainty."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ahpstat import pairwise, scales
from ahpstat._results import ConsistencyResult, WeightsResult
from ahpstat._validation import InputError
from ahpstat._warnings import AHPWarning, ConvergenceWarning, DegenerateDataWarning
from ahpstat.aggregation import aggregate
from ahpstat.completion import complete
from ahpstat.consistency import consistency, worst_judgments
from ahpstat.scales import RANDOM_INDEX_TABLES, SAATY_SCALE, random_index
from ahpstat.weighting import weights

try:
    __version__ = version("ahpstat")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "RANDOM_INDEX_TABLES",
    "SAATY_SCALE",
    "AHPWarning",
    "ConsistencyResult",
    "ConvergenceWarning",
    "DegenerateDataWarning",
    "InputError",
    "WeightsResult",
    "__version__",
    "aggregate",
    "complete",
    "consistency",
    "pairwise",
    "random_index",
    "scales",
    "weights",
    "worst_judgments",
]
