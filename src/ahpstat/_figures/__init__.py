"""Figures of a study result (matplotlib, no pyplot). Drawing only: no statistics.

Every figure is a :class:`matplotlib.figure.Figure` built without pyplot (no global state,
no backend switch in the user's session), laid out once when built (the point estimates'
figures: margins from their text's font metrics, :func:`._layout.fixed_layout`; the others:
matplotlib's constrained layout engine, when drawn) and
saved in each requested format (PNG at ``dpi``, SVG, PDF). Each figure comes with a caption
that states every reference line and interval level it shows, so the report can print it.

Options (the study file's ``figures:`` section; :class:`FigureOptions`):

``format``
    ``png``, ``svg``, ``pdf`` or a list of them (default ``[png]``).
``dpi``
    Resolution of PNG files (default 200).
``labels``
    ``id`` (node ids, e.g. ``B1``), ``label`` (the hierarchy's labels) or ``both``.

Labels in any script: when the text drawn needs CJK glyphs, a CJK font is looked up among the
installed ones (Noto Sans CJK, Source Han Sans, WenQuanYi, Microsoft YaHei, ...) and used as
the fallback after DejaVu Sans; when none is installed a warning names the font to install
and the figures use node ids instead. User text never reaches mathtext
(:func:`ahpstat._text.escape_mathtext`).

The package, one concern per module: :mod:`._options` (options, names and captions),
:mod:`._labels` and :mod:`._fonts` (node names, CJK fonts), :mod:`._common` (drawing
helpers), the figures by what they show (:mod:`._estimates`, :mod:`._uncertainty`,
:mod:`._robustness`) and :mod:`._draw` (build or save them all).
"""

from ahpstat._figures._draw import build_figures, draw_all
from ahpstat._figures._fonts import CJK_FONTS, find_cjk_font, needs_cjk
from ahpstat._figures._options import (
    FIGURE_FORMATS,
    FIGURES,
    LABEL_MODES,
    DrawnFigure,
    FigureOptions,
    figure_options,
)
from ahpstat._figures._process import FigureProcess

__all__ = ["CJK_FONTS", "FIGURES", "FIGURE_FORMATS", "LABEL_MODES", "DrawnFigure",
           "FigureOptions", "FigureProcess", "build_figures", "draw_all", "figure_options",
           "find_cjk_font", "needs_cjk"]
