"""Warning classes used across ahpstat (degenerate-but-legal data gives NaN plus a warning)."""

from __future__ import annotations

import os
import sys
import warnings
from types import FrameType

__all__ = [
    "AHPDeprecationWarning",
    "AHPWarning",
    "ConvergenceWarning",
    "DegenerateDataWarning",
    "FewExpertsWarning",
    "warn",
]


class AHPWarning(UserWarning):
    """Base class of every warning ahpstat emits."""


class ConvergenceWarning(AHPWarning):
    """An iterative method (eigenvector, completion, sampler) did not converge cleanly."""


class AHPDeprecationWarning(AHPWarning, FutureWarning):
    """A deprecated name (study-file key, argument) was used; it still works for now."""


class DegenerateDataWarning(AHPWarning):
    """Legal but degenerate data (e.g. zero variance, one expert): a NaN result follows."""


class FewExpertsWarning(AHPWarning):
    """Too few experts for the expert bootstrap: few distinct panels, intervals too narrow."""


#: the package's folder: frames in it are ahpstat's own
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _user_stacklevel() -> int:
    """Stack level of the first frame outside ahpstat, counted from :func:`warn`'s frame."""
    level = 1
    frame: FrameType | None = sys._getframe(1)  # the frame of warn()
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def warn(message: str, category: type[AHPWarning] = AHPWarning,
         stacklevel: int | None = None) -> None:
    """Emit an ahpstat warning attributed to the user's code that called into ahpstat.

    However deep inside the package the warning arises (a study running the bootstrap
    running the panel), it points at the first frame outside ahpstat, as pandas does;
    ``stacklevel`` overrides that.
    """
    if stacklevel is None:
        stacklevel = _user_stacklevel()
    warnings.warn(message, category, stacklevel=stacklevel)
