"""What the sensitivity analyses share: every grouping's item means by group."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["group_means"]


def group_means(result: Any) -> list[tuple[str, tuple[str, ...], np.ndarray]]:
    """``(grouping column, group names, (G, L) item means)`` of every grouping of a study."""
    from ahpstat.scoring import item_sums_counts, means_from_sums

    X = result.answers
    out = []
    for gcol, codes in result.group_codes.items():
        names = result.group_names[gcol]
        s, c = item_sums_counts(X, codes, len(names))
        out.append((gcol, names, means_from_sums(s, c)))
    return out
