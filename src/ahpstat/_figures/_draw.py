"""Every figure a result supports, in the report's order: built (for notebooks and
tests) or saved in every requested format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ahpstat._figures._estimates import (
    consistency_figure,
    criteria_scores_figure,
    group_scores_figure,
    hierarchy_figure,
)
from ahpstat._figures._fonts import font_setup
from ahpstat._figures._labels import Names
from ahpstat._figures._options import DrawnFigure, FigureOptions, figure_options
from ahpstat._figures._robustness import (
    rank_stability_figure,
    specification_curve_figure,
    weight_gradient_figure,
    weights_compared_figure,
)
from ahpstat._figures._uncertainty import (
    credal_figure,
    expert_sigma_figure,
    forest_figure,
    rank_probability_figure,
)

_DRAWERS: tuple[tuple[str, Callable[[Any, Names], tuple[Any, str] | None]], ...] = (
    ("hierarchy", hierarchy_figure),
    ("scores_criteria", criteria_scores_figure),
    ("scores_groups", group_scores_figure),
    ("consistency", consistency_figure),
    ("forest_scores", forest_figure),
    ("weights_compared", weights_compared_figure),
    ("rank_probabilities", rank_probability_figure),
    ("bayes_credal", credal_figure),
    ("bayes_experts", expert_sigma_figure),
    ("specification_curve", specification_curve_figure),
    ("rank_stability", rank_stability_figure),
    ("weight_gradient", weight_gradient_figure),
)


def _drawn(res: Any, names: Names) -> Iterator[tuple[str, Any, str]]:
    """``(name, Figure, caption)`` of every figure the result supports, in order."""
    for name, fn in _DRAWERS:
        made = fn(res, names)
        if made is not None:
            yield (name, *made)


def build_figures(res: Any, options: FigureOptions | Mapping[str, Any] | None = None
                  ) -> list[tuple[str, Any, str]]:
    """Every figure the result supports, as ``(name, Figure, caption)`` (not saved).

    For tests and notebooks; :func:`draw_all` saves them.
    """
    opts, rc = font_setup(res, figure_options(options))
    import matplotlib as mpl

    with mpl.rc_context(rc):
        return list(_drawn(res, Names(res.hierarchy, opts.labels)))


#: zlib level of the PNG files: 1 encodes the seed study's figures in about 60 % of the
#: time of Pillow's default 6, for files 10-25 % larger (the same pixels)
PNG_COMPRESS_LEVEL = 1


def _save_png(fig: Any, path: Path, dpi: int, meta: dict[str, Any]) -> None:
    """``fig.savefig(path, dpi=dpi)`` as a PNG, drawn once instead of twice.

    With a layout engine, ``savefig`` draws the figure twice: once with rendering disabled to
    run the layout, then again to render it (matplotlib's ``print_figure``). Drawing the Agg
    canvas runs the layout at the start of its one draw, at the same resolution, so the
    pixels are the same (tested against ``savefig``) for half the text layout work.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    old = fig.dpi
    canvas = FigureCanvasAgg(fig)
    try:
        fig.dpi = dpi
        canvas.print_png(path, metadata=meta, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    finally:
        fig.dpi = old


def draw_all(res: Any, out: Path,
             options: FigureOptions | Mapping[str, Any] | None = None, *,
             built: Callable[[list[DrawnFigure]], Any] | None = None,
             save_all: Callable[[list[Any], Callable[[Any], None]], None] | None = None,
             ) -> list[DrawnFigure]:
    """Draw every figure into ``out`` in every requested format; return what was written.

    ``built``, if given, is called with the same list once every figure is built, before
    any is saved (:class:`~ahpstat._figures._process.FigureProcess` sends it to the
    report, which needs the captions, while the figures are being saved). ``save_all``, if
    given, saves the built figures instead of the loop here: ``save_all(figures, save)``
    with ``figures`` the ``(Figure, DrawnFigure)`` pairs and ``save`` the function that
    writes one pair's files (the figure process shares them with a helper process).
    """
    opts, rc = font_setup(res, figure_options(options))
    import matplotlib as mpl

    def save(item: Any) -> None:
        fig, drawn = item
        for fmt, file in zip(opts.format, drawn.files, strict=True):
            path = Path(out) / file
            meta: dict[str, Any] = ({"Software": None} if fmt == "png" else
                                    {"Creator": None, "Producer": None,
                                     "CreationDate": None} if fmt == "pdf" else
                                    {"Creator": None, "Date": None})
            if fmt == "png":
                _save_png(fig, path, opts.dpi, meta)
            else:
                fig.savefig(path, format=fmt, dpi="figure", metadata=meta)

    with mpl.rc_context(rc):  # also while saving: the SVG salt and font types are rcParams
        figures = list(_drawn(res, Names(res.hierarchy, opts.labels)))
        written = [DrawnFigure(name, caption, tuple(f"{name}.{fmt}" for fmt in opts.format))
                   for name, _, caption in figures]
        if built is not None:
            built(list(written))
        made = [(fig, drawn) for (_, fig, _), drawn in zip(figures, written, strict=True)]
        if save_all is None:
            for item in made:
                save(item)
        else:
            save_all(made, save)
    return written
