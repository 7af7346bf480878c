"""Warning classes used across ahpstat (degenerate-but-legal data gives NaN plus a warning)."""

from __future__ import annotations

import warnings

__all__ = ["AHPWarning", "ConvergenceWarning", "DegenerateDataWarning", "warn"]


class AHPWarning(UserWarning):
    """Base class of every warning ahpstat emits."""


class ConvergenceWarning(AHPWarning):
    """An iterative method (eigenvector, completion, sampler) did not converge cleanly."""


class DegenerateDataWarning(AHPWarning):
    """Legal but degenerate data (e.g. zero variance, one expert): a NaN result follows."""


def warn(message: str, category: type[AHPWarning] = AHPWarning, stacklevel: int = 3) -> None:
    """Emit an ahpstat warning pointing at the caller's caller."""
    warnings.warn(message, category, stacklevel=stacklevel)
