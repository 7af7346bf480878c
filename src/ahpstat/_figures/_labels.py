"""Node names in the figures: ids, labels or both, escaped for matplotlib, wrapped and
cut to the room they have.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ahpstat._text import escape_mathtext as _m


class Names:
    """Display names of nodes per the ``labels`` option, escaped for matplotlib."""

    def __init__(self, hierarchy: Any, mode: str) -> None:
        self.h = hierarchy
        self.mode = mode

    def __call__(self, v: str, *, width: int | None = None) -> str:
        text = self.plain(v)
        if width is not None and len(text) > width:
            text = text[: max(1, width - 1)] + "…"
        return _m(text)

    def fit(self, v: str, suffix: str, width: float, fontsize: float, lines: int = 1) -> str:
        """The name of ``v`` and ``suffix`` in at most ``lines`` lines of ``width`` points,
        wrapped between words (anywhere in CJK text) and cut with an ellipsis only when it
        does not fit.
        """
        return _m(wrap(self.plain(v), suffix, width, fontsize, lines))

    def plain(self, v: str) -> str:
        """The name of ``v`` per the mode, unescaped and uncut."""
        label = self.h.label(v) if self.mode != "id" else ""
        if self.mode == "label" and label:
            return str(label)
        if self.mode == "both" and label and label != v:
            return f"{v} {label}"
        return str(v)

    def texts(self) -> list[str]:
        return [self.h.label(v) for v in self.h.nodes]


_TOKENS = re.compile(r"\s+|[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff"
                     r"\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+")


#: the rcParams a default FontProperties is looked up with
_FONT_RC = ("font.family", "font.style", "font.variant", "font.weight", "font.stretch",
            "font.sans-serif", "font.serif", "font.monospace", "font.cursive", "font.fantasy")


def text_width(text: str, fontsize: float) -> float:
    """Width of ``text`` in points at ``fontsize``, in the current rcParams' font.

    Examples
    --------
    >>> 0 < text_width("goal", 8) < text_width("goal goal", 8)
    True
    """
    import matplotlib as mpl

    rc: Any = mpl.rcParams  # (its stubs accept only literal keys)
    font = tuple(tuple(v) if isinstance(v, list) else v for v in (rc[k] for k in _FONT_RC))
    return _text_width(text, float(fontsize), font)


@lru_cache(maxsize=4096)
def _text_width(text: str, fontsize: float, font: tuple[Any, ...]) -> float:
    """:func:`text_width`, remembered: the label fitting measures the same strings many
    times (``font``: the rcParams the font is looked up with, part of the key).
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    w, _h, _d = text_to_path.get_text_width_height_descent(
        text, FontProperties(size=fontsize), ismath=False)
    return float(w)


def wrap(text: str, suffix: str, width: float, fontsize: float, lines: int) -> str:
    r"""``text`` + ``suffix`` wrapped in at most ``lines`` lines of ``width`` points.

    Examples
    --------
    >>> wrap("Overall performance of the platforms", "  1.000", 90, 8, 3)
    'Overall performance\nof the platforms\n1.000'
    >>> one = wrap("Overall performance of the platforms", "  1.000", 90, 8, 1)
    >>> one.startswith("Overall perf") and one.endswith("…  1.000"), text_width(one, 8) <= 90
    (True, True)
    """
    def fits(t: str) -> bool:
        return text_width(t, fontsize) <= width

    out: list[str] = []
    cur = ""
    for tok in _TOKENS.findall(text):
        for piece in ([tok] if fits(tok) else list(tok)):  # an over-long word: by letters
            if cur and not piece.isspace() and not fits(cur + piece):
                out.append(cur.rstrip())
                cur = ""
            if cur or not piece.isspace():
                cur += piece
    out.append(cur.rstrip())
    if suffix and fits(out[-1] + suffix):
        out[-1] += suffix
    elif suffix:
        out.append(suffix.strip())
    if len(out) > lines:
        last = out[lines - 1]
        while last and not fits(last + "…" + suffix):
            last = last[:-1]
        out = [*out[: lines - 1], last.rstrip() + "…" + suffix]
    return "\n".join(out)


def fitting_lines(height: float, fontsize: float, most: int) -> int:
    """How many lines of ``fontsize`` fit in ``height`` points (1 to ``most``)."""
    return int(max(1, min(most, height // (1.25 * fontsize))))
