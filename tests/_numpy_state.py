"""numpy's process-wide settings as the tests read them, apart from the code under test."""

from __future__ import annotations


def hugepage_setting() -> bool:
    """Whether numpy currently advises its new arrays as transparent huge pages (read by
    setting it and putting the old value back: numpy has no getter)."""
    from numpy._core.multiarray import _set_madvise_hugepage

    now = _set_madvise_hugepage(True)
    _set_madvise_hugepage(now)
    return bool(now)
