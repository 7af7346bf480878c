"""Margins of a figure from its text's font metrics, set once when it is built: what
matplotlib's constrained layout engine finds at draw time (it measures every tick label on a
renderer, twice per draw), at a fraction of its cost.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ahpstat._figures._labels import text_width, wrap

#: white space around a figure's outermost text (points)
EDGE_PT = 4.0


def _extent(t: Any) -> tuple[float, float]:
    """Width and height (points) of a Text artist from its font's metrics, rotation
    included, without a renderer (upper bounds: escapes are measured as drawn text).
    """
    text = t.get_text()
    if not text or not t.get_visible():
        return 0.0, 0.0
    fs = float(t.get_fontsize())
    lines = text.split("\n")
    w = max(text_width(line, fs) for line in lines)
    h = fs * (1.2 * len(lines) + 0.1)
    r = np.deg2rad(t.get_rotation())
    c, s = abs(np.cos(r)), abs(np.sin(r))
    return float(w * c + h * s), float(w * s + h * c)


def shown_ticklabels(axis: Any) -> list[Any]:
    """The tick labels of ``axis`` that are drawn: non-empty, at ticks within its view
    (``get_ticklabels`` also returns those of the locator's ticks beyond the limits).
    """
    lo, hi = sorted(axis.get_view_interval())
    eps = 1e-9 * max(1.0, abs(hi - lo))
    return [t for loc, t in zip(axis.get_majorticklocs(), axis.get_ticklabels(), strict=False)
            if lo - eps <= loc <= hi + eps and t.get_text() and t.get_visible()]


def _tick_room(axis: Any, which: int) -> tuple[float, float]:
    """Room the tick labels of ``axis`` take beside it (points) and, for x labels set
    right-aligned at an angle, how far the first one reaches back left of its tick.
    """
    import matplotlib as mpl

    labels = shown_ticklabels(axis)
    if not labels:
        return 0.0, 0.0
    rc: Any = mpl.rcParams
    name = axis.axis_name
    ticks = float(rc[f"{name}tick.major.size"]) + float(rc[f"{name}tick.major.pad"])
    room = max(_extent(t)[which] for t in labels) + ticks
    first = labels[0]
    back = _extent(first)[0] if (name == "x" and first.get_ha() == "right") else 0.0
    return room, back


def fixed_layout(fig: Any, ax: Any, *, cbar: Any = None, below: float = 0.0) -> None:
    """Margins of a one-axes figure (and its colour bar) from its text's font metrics,
    set once (:meth:`~matplotlib.figure.Figure.subplots_adjust`): the room of the title,
    the axis labels and the tick labels, plus ``below`` points of legend under the axes.

    What the constrained layout engine would find, at a fraction of its cost: it measures
    every tick label on a renderer twice per draw.
    """
    import matplotlib as mpl

    rc: Any = mpl.rcParams
    width, height = (float(x) * 72 for x in fig.get_size_inches())
    label_pad = float(rc["axes.labelpad"])
    y_room, _ = _tick_room(ax.yaxis, 0)
    x_room, back = _tick_room(ax.xaxis, 1)
    xs = shown_ticklabels(ax.xaxis)
    # an x tick label centred on the axis' right end reaches half its width past it
    over = _extent(xs[-1])[0] / 2 if xs and xs[-1].get_ha() == "center" else 0.0
    left = EDGE_PT + y_room
    if ax.yaxis.label.get_text():
        left += _extent(ax.yaxis.label)[0] + label_pad
    left = max(left, EDGE_PT + back)
    bottom = EDGE_PT + x_room + below
    if ax.xaxis.label.get_text():
        bottom += _extent(ax.xaxis.label)[1] + label_pad
    right = EDGE_PT + over
    if cbar is not None:
        c_room, _ = _tick_room(cbar.ax.yaxis, 0)
        right += c_room + _extent(cbar.ax.yaxis.label)[0] + label_pad
    top = EDGE_PT
    if ax.title.get_text():
        # centred over the axes: wrapped to the room on its narrower side
        room = 2 * min((left + width - right) / 2, width - (left + width - right) / 2)
        room -= 2 * EDGE_PT
        if _extent(ax.title)[0] > room:
            ax.title.set_text(wrap(ax.title.get_text(), "", room,
                                   float(ax.title.get_fontsize()), 3))
        top += _extent(ax.title)[1] + float(rc["axes.titlepad"])
    fig.subplots_adjust(left=left / width, right=1 - right / width,
                        bottom=bottom / height, top=1 - top / height)
