"""Drawing helpers shared by the figures: the figure itself, colours, heat-map cells,
label spreading, the interval's wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

TEXT_COLOUR = "#222222"
GOAL_COLOUR = "#c44e52"
DOT_COLOUR = "#4c72b0"

def new_figure(width: float, height: float, *, fixed: bool = False) -> Any:
    """A figure of ``width`` x ``height`` inches: laid out by matplotlib's constrained
    layout engine when drawn, or (``fixed``) by :func:`fixed_layout` once when built.
    """
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout=None if fixed else "constrained")


def text_colour(rgba: Sequence[float]) -> str:
    """Black or white, whichever contrasts more with a cell colour (WCAG luminance)."""
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(float(x)) for x in rgba[:3])
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"


def annotate_cells(ax: Any, im: Any, Z: np.ndarray, fmt: str, fontsize: float) -> None:
    rgba = im.cmap(im.norm(Z))
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            if np.isfinite(Z[i, j]):
                ax.text(j, i, format(Z[i, j], fmt), ha="center", va="center",
                        fontsize=fontsize, color=text_colour(rgba[i, j]))


def cell_fontsize(fig_h: float, rows: int, fig_w: float, cols: int, chars: int) -> float:
    """A font size that fits ``chars`` characters in a heat-map cell (points)."""
    cell_h = 72 * fig_h * 0.75 / max(rows, 1)
    cell_w = 72 * fig_w * 0.75 / max(cols, 1)
    return float(np.clip(min(0.62 * cell_h, cell_w / (0.62 * chars)), 4.5, 9))


def likert_range(res: Any) -> tuple[int, int]:
    lo, hi = res.study.survey.likert
    return int(lo), int(hi)


def interval_text(res: Any) -> str | None:
    b = res.run_info.get("bootstrap") if res.bootstrap is not None else None
    if not b:
        return None
    method = {"bca": "BCa", "percentile": "percentile", "basic": "basic"}.get(
        b["method"], b["method"])
    return f"{100 * b['confidence_level']:g}% {method} bootstrap interval"


def spread_labels(y: np.ndarray, gap: float, lo: float, hi: float) -> np.ndarray:
    """Label positions near ``y`` (descending), at least ``gap`` apart, within [lo, hi]."""
    n = len(y)
    if n == 0:
        return y
    if gap * (n - 1) > hi - lo:
        gap = (hi - lo) / max(n - 1, 1)
    pos = np.minimum(np.asarray(y, dtype=float), hi)
    for i in range(1, n):  # push down
        pos[i] = min(pos[i], pos[i - 1] - gap)
    over = lo - pos[-1]
    if over > 0:  # shifted past the bottom: push back up
        pos[-1] = lo
        for i in range(n - 2, -1, -1):
            pos[i] = max(pos[i], pos[i + 1] + gap)
    return pos
