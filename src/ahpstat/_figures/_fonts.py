"""Fonts: whether the labels need CJK glyphs, which installed font has them, and the
rcParams the figures are drawn with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from ahpstat._figures._common import TEXT_COLOUR
from ahpstat._figures._labels import Names
from ahpstat._figures._options import FigureOptions
from ahpstat._warnings import AHPWarning, warn

_CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
                  "\U00020000-\U0002ffff]")
#: CJK-capable families, most wanted first (what Linux, macOS and Windows ship or install)
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans SC",
             "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
             "Hiragino Sans GB", "Heiti SC", "Droid Sans Fallback", "AR PL UMing CN",
             "Arial Unicode MS")
_INSTALL_HINT = ("install a CJK font, e.g. Noto Sans CJK (Debian/Ubuntu: `apt-get install "
                 "fonts-noto-cjk`; it is also on Google Fonts), then delete matplotlib's font "
                 "cache (matplotlib.get_cachedir())")




def needs_cjk(texts: Iterable[str]) -> bool:
    """Whether any text needs CJK glyphs (Chinese, Japanese, Korean).

    Examples
    --------
    >>> needs_cjk(["B1", "科学性 (scientific soundness)"]), needs_cjk(["B1"])
    (True, False)
    """
    return any(_CJK.search(str(t)) for t in texts)


def find_cjk_font(text: str = "中文", fonts: Sequence[Any] | None = None) -> str | None:
    """Name of an installed font family that has the CJK glyphs of ``text`` (or None).

    Known CJK families (:data:`CJK_FONTS`) first, then any installed font whose character map
    covers the characters (not a "Last Resort" font, which maps every character to a
    placeholder box). ``fonts``: the font entries to search (default: matplotlib's
    font list).
    """
    chars = frozenset(ord(c) for c in text if _CJK.match(c)) or frozenset(map(ord, "中文"))
    if fonts is None:
        from matplotlib import font_manager

        return _find_installed(chars, tuple(font_manager.fontManager.ttflist))
    return _find_installed(chars, tuple(fonts))


@lru_cache(maxsize=32)
def _find_installed(chars: frozenset[int], fonts: tuple[Any, ...]) -> str | None:
    from matplotlib import font_manager

    # matplotlib (3.10+) ships "Last Resort High-Efficiency", whose character map covers all
    # of Unicode with placeholder boxes: it has no glyphs to offer
    fonts = tuple(f for f in fonts if not str(f.name).startswith("Last Resort"))
    by_name = {f.name: f for f in fonts}
    candidates = [by_name[n] for n in CJK_FONTS if n in by_name]
    candidates += [f for f in fonts if f.name not in CJK_FONTS]
    for f in candidates:
        try:
            cmap = font_manager.get_font(f.fname).get_charmap()
        except Exception:
            continue
        if chars <= cmap.keys():
            return str(f.name)
    return None


def font_setup(res: Any, opts: FigureOptions) -> tuple[FigureOptions, dict[Any, Any]]:
    """RcParams for the figures; falls back to ids (with a warning) when no font has the
    labels' glyphs.
    """
    # dict[Any, Any]: matplotlib's stubs type rc_context's keys as a Literal of rcParams names
    rc: dict[Any, Any] = {"font.size": 8, "svg.hashsalt": "ahpstat", "axes.titlesize": 9,
                          "axes.labelsize": 8, "pdf.fonttype": 42, "svg.fonttype": "path",
                          "text.color": TEXT_COLOUR, "axes.labelcolor": TEXT_COLOUR}
    texts = [str(g) for names in getattr(res, "group_names", {}).values() for g in names]
    texts += [str(e) for e in getattr(res, "experts", ())]
    if opts.labels != "id":
        texts += Names(res.hierarchy, opts.labels).texts()
    if not needs_cjk(texts):
        return opts, rc
    font = find_cjk_font("".join(t for t in texts if needs_cjk([t])))
    if font is None:
        warn("the figure labels need CJK glyphs but no installed font has them: "
             f"{_INSTALL_HINT}. The figures use node ids instead of labels meanwhile.",
             AHPWarning)
        return FigureOptions(opts.format, opts.dpi, "id"), rc
    rc["font.family"] = ["sans-serif"]
    rc["font.sans-serif"] = ["DejaVu Sans", font]
    return opts, rc
