"""What the parts of :mod:`ahpstat.bayes` share: the optional imports and the thresholds.

A private module: its names are the package's internal API, not the public one.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

__all__ = ["ESS_PER_CHAIN", "EXTRA", "LOG_RANGE", "RHAT_MAX", "has_nutpie", "import_arviz",
           "import_pymc"]

EXTRA = 'pip install "ahpstat[bayes]"'
#: convergence thresholds (Vehtari et al. 2021): R-hat, and ESS per chain (400 for 4 chains)
RHAT_MAX = 1.01
ESS_PER_CHAIN = 100
#: reference log ratio of the priors: log 9, the end of Saaty's scale (and of the range
#: continuous judgments are expected in)
LOG_RANGE = math.log(9.0)


def import_pymc() -> Any:
    try:
        import pymc as pm
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"ahpstat.bayes needs PyMC for model building and sampling: {EXTRA}"
        ) from exc
    return pm


def import_arviz() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            import arviz as az
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"ahpstat.bayes needs ArviZ for diagnostics: {EXTRA}") from exc
    return az


def has_nutpie() -> bool:
    try:
        import nutpie  # noqa: F401
    except ImportError:
        return False
    return True

