"""Structural checks of the study figures (matplotlib Figure objects and the files written).

Each check would fail on a regression the issue names: truncated bars instead of dots and
intervals, unlabelled axes or colour bars, annotation text that does not contrast with its
cell, interval levels and reference lines not stated, 2-element nodes silently left out,
overlapping labels in the hierarchy, options that do nothing.
"""

from __future__ import annotations

import itertools
import struct
import warnings

import numpy as np
import pytest

import ahpstat as ah
from ahpstat import _figures as F
from ahpstat._figures._common import text_colour
from ahpstat._figures._estimates import hierarchy_figure
from ahpstat._figures._fonts import font_setup
from ahpstat._figures._labels import Names
from ahpstat.datasets import write_example_study
from ahpstat.study import Study


def _wcag_contrast(a, b) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (independent of the package's helper)."""
    def lum(c):
        c = np.asarray(c[:3], dtype=float)
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    la, lb = sorted((lum(a), lum(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    d = tmp_path_factory.mktemp("fig")
    path = write_example_study(d, n_respondents=60, extra="bootstrap: {n_resamples: 300}\n")
    return Study.from_yaml(path).run()


@pytest.fixture(scope="module")
def figures(example):
    return {name: (fig, cap) for name, fig, cap in F.build_figures(example)}


@pytest.fixture(scope="module")
def seed_result():
    from pathlib import Path

    study = Path(__file__).resolve().parents[1] / "studies" / "hangzhou_2022" / "study.yaml"
    return Study.from_yaml(study).run(bootstrap=False, bayes=False, sensitivity=False)


def _plot_axes(fig):
    return [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is None]


def test_every_axis_and_colour_bar_is_labelled(figures):
    assert {"hierarchy", "scores_criteria", "scores_groups", "consistency",
            "forest_scores", "rank_probabilities"} <= set(figures)
    for name, (fig, _cap) in figures.items():
        for ax in _plot_axes(fig):
            assert ax.get_title(), name
            if name != "hierarchy":  # the icicle chart's x axis is the level names
                assert ax.get_xlabel() and ax.get_ylabel(), name
        for ax in fig.axes:
            if getattr(ax, "_colorbar", None) is not None:
                assert ax._colorbar.ax.get_ylabel() or ax._colorbar.ax.get_xlabel(), name


def test_scores_are_dots_with_intervals_not_truncated_bars(example, figures):
    fig, cap = figures["scores_criteria"]
    ax = _plot_axes(fig)[0]
    assert not [p for p in ax.patches if type(p).__name__ == "Rectangle"], "bars drawn"
    S = example.scores[example.scores.grouping == "all"].set_index("node")
    nodes = [example.hierarchy.root, *example.hierarchy.children(example.hierarchy.root)]
    lo, hi = ax.get_xlim()
    assert lo <= S.loc[nodes, "ci_low"].min() and hi >= S.loc[nodes, "ci_high"].max()
    # the interval level and the reference line are stated, in the legend and the caption
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("95% percentile bootstrap interval" in t for t in legend)
    assert any(t.startswith("goal G") for t in legend)
    assert "95% percentile bootstrap interval" in cap and "dashed line" in cap


def test_forest_states_level_and_reference_line(figures):
    _fig, cap = figures["forest_scores"]
    assert "95% percentile bootstrap interval" in cap and "dashed line" in cap


def test_annotation_text_contrasts_with_its_cell(figures):
    fig, _ = figures["scores_groups"]
    ax = _plot_axes(fig)[0]
    im = ax.images[0]
    Z = np.asarray(im.get_array())
    texts = [t for t in ax.texts if t.get_text()]
    assert len(texts) == np.isfinite(Z).sum()
    for t in texts:
        j, i = (round(v) for v in t.get_position())
        cell = im.cmap(im.norm(Z[i, j]))
        from matplotlib.colors import to_rgba

        assert _wcag_contrast(cell, to_rgba(t.get_color())) >= 4.5, (t.get_text(), cell)


def test_text_colour_helper_picks_the_higher_contrast():
    for rgba in [(0, 0, 0, 1), (1, 1, 1, 1), (0.2, 0.1, 0.4, 1), (0.99, 0.9, 0.15, 1),
                 (0.13, 0.57, 0.55, 1), (0.5, 0.5, 0.5, 1)]:
        chosen = text_colour(rgba)
        other = "white" if chosen == "black" else "black"
        rgb = {"black": (0, 0, 0), "white": (1, 1, 1)}
        assert _wcag_contrast(rgba, rgb[chosen]) >= _wcag_contrast(rgba, rgb[other])


def test_consistency_figure_names_the_two_element_nodes(example, figures):
    _fig, cap = figures["consistency"]
    h = example.hierarchy
    two = [v for v in h.internal if len(h.children(v)) == 2]
    assert two  # G and A have two children in the example
    assert "two elements" in cap
    for v in two:
        assert v in cap


def test_hierarchy_labels_do_not_overlap(seed_result):
    fig, _cap = next((f, c) for n, f, c in F.build_figures(seed_result) if n == "hierarchy")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
    n_leaves = len(seed_result.hierarchy.leaves)
    assert len(boxes) >= n_leaves  # every leaf is labelled
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b) or a.intersection(a, b).height < 0.5, (a, b)


LONG_LABELS = {"G": "Overall performance of the governance platforms",
               "A": "Scientific soundness", "B": "Participation of residents"}


@pytest.fixture(scope="module")
def long_labels(tmp_path_factory):
    """The example study with long labels on the goal and the criteria (no bootstrap)."""
    d = tmp_path_factory.mktemp("long")
    path = write_example_study(d)
    h = (d / "hierarchy.yaml").read_text(encoding="utf-8")
    for v, label in LONG_LABELS.items():
        old = "label: goal" if v == "G" else f"label: criterion {v}"
        assert old in h
        h = h.replace(old, f"label: {label}")
    (d / "hierarchy.yaml").write_text(h, encoding="utf-8")
    return Study.from_yaml(path).run(bootstrap=False, bayes=False, sensitivity=False)


@pytest.mark.parametrize("mode", ["label", "both"])
def test_hierarchy_names_every_box_in_full(long_labels, mode):
    """With long labels, the goal (level 0) and the criteria (level 1) are named in full and
    their text stays inside their box (the goal's label was cut to a few characters).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import Rectangle

    fig, _cap = hierarchy_figure(long_labels, Names(long_labels.hierarchy, mode))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    # the wrapped text, joined again: a line break stands where a space was
    texts = {t.get_text().replace("\n", " "): t for t in ax.texts}
    boxes = [p.get_window_extent(renderer).padded(0.5) for p in ax.patches
             if isinstance(p, Rectangle)]
    for v, label in LONG_LABELS.items():
        want = label if mode == "label" else f"{v} {label}"
        hit = [s for s in texts if s.startswith(want)]
        assert hit, (want, list(texts))
        e = texts[hit[0]].get_window_extent(renderer)
        assert any(b.contains(e.x0, e.y0) and b.contains(e.x1, e.y1) for b in boxes), (want, e)


def test_labels_option(example):
    figs = {n: f for n, f, _ in F.build_figures(example, {"labels": "label"})}
    ticks = [t.get_text() for t in _plot_axes(figs["scores_criteria"])[0].get_yticklabels()]
    assert "criterion A" in ticks and "goal" in ticks
    figs = {n: f for n, f, _ in F.build_figures(example, {"labels": "both"})}
    ticks = [t.get_text() for t in _plot_axes(figs["scores_criteria"])[0].get_yticklabels()]
    assert "A criterion A" in ticks


def test_formats_and_dpi_written(example, figures, tmp_path):
    drawn = F.draw_all(example, tmp_path, {"format": ["png", "svg", "pdf"], "dpi": 150})
    assert drawn and all(len(d.files) == 3 for d in drawn)
    for d in drawn:
        png = (tmp_path / f"{d.name}.png").read_bytes()
        width, height = struct.unpack(">II", png[16:24])
        w_in, h_in = figures[d.name][0].get_size_inches()
        assert abs(width - 150 * w_in) <= 1 and abs(height - 150 * h_in) <= 1
        assert (tmp_path / f"{d.name}.svg").read_text().lstrip().startswith("<?xml")
        assert (tmp_path / f"{d.name}.pdf").read_bytes().startswith(b"%PDF")
    (tmp_path / "x").mkdir()
    default = F.draw_all(example, tmp_path / "x", None)
    png = (tmp_path / "x" / f"{default[0].name}.png").read_bytes()
    width = struct.unpack(">I", png[16:20])[0]
    w_in = figures[default[0].name][0].get_size_inches()[0]
    assert abs(width - 200 * w_in) <= 1  # 200 dpi by default


def test_figure_options_errors():
    for bad, match in [({"format": "tiff"}, "png, svg or pdf"), ({"dpi": 10}, "50 to 1200"),
                       ({"dpi": True}, "whole number"), ({"labels": "name"}, "id, label"),
                       ({"colour": 1}, "unknown key `figures.colour`"), ("png", "mapping")]:
        with pytest.raises(ah.InputError, match=match):
            F.figure_options(bad, file="study.yaml")


def test_schema_documents_what_figure_options_reads():
    """The study-file reference's `figures:` section (STUDY_SCHEMA) has exactly the keys
    figure_options accepts, and its defaults are the ones figure_options fills in.
    """
    from ahpstat.study import STUDY_SCHEMA

    sec = STUDY_SCHEMA["figures"]
    assert F.figure_options(sec.defaults()) == F.figure_options({}) == F.FigureOptions()
    with pytest.raises(ah.InputError, match=r"known: ([a-z, ]+)\)") as e:
        F.figure_options({"colour": 1})
    known = e.value.args[0].split("known: ")[1].split(")")[0].split(", ")
    assert sorted(known) == sorted(k.name for k in sec.keys)
    assert set(sec.key("format").choices or ()) == set(F.FIGURE_FORMATS)
    assert set(sec.key("labels").choices or ()) == set(F.LABEL_MODES)


def test_study_file_figures_section(tmp_path):
    path = write_example_study(tmp_path, extra="figures: {format: svg, dpi: 300, labels: both}\n")
    st = Study.from_yaml(path)
    assert st.figures == F.FigureOptions(("svg",), 300, "both")
    bad = write_example_study(tmp_path / "b", extra="figures: {dpi: 12}\n")
    with pytest.raises(ah.InputError, match=r"study\.yaml.*figures\.dpi"):
        Study.from_yaml(bad)


def test_cjk_labels_font_or_warning(tmp_path):
    path = write_example_study(tmp_path)
    h = (tmp_path / "hierarchy.yaml").read_text(encoding="utf-8")
    (tmp_path / "hierarchy.yaml").write_text(h.replace("criterion A", "科学性"),
                                             encoding="utf-8")
    res = Study.from_yaml(path).run()
    assert F.find_cjk_font("科学性", fonts=[]) is None
    from matplotlib import font_manager

    last_resort = [f for f in font_manager.fontManager.ttflist if "Last Resort" in f.name]
    # its character map covers everything, but with placeholder boxes
    assert F.find_cjk_font("科学性", fonts=last_resort) is None
    font = F.find_cjk_font("科学性")
    if font is None:
        with pytest.warns(ah.AHPWarning, match="fonts-noto-cjk"):
            figs = {n: f for n, f, _ in F.build_figures(res, {"labels": "label"})}
        ticks = [t.get_text() for t in
                 _plot_axes(figs["scores_criteria"])[0].get_yticklabels()]
        assert "A" in ticks  # fell back to ids
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ah.AHPWarning)
            opts, rc = font_setup(res, F.FigureOptions(labels="label"))
        assert opts.labels == "label" and font in rc["font.sans-serif"]


def test_no_cjk_needed_no_warning(example):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ah.AHPWarning)
        F.build_figures(example, {"labels": "both"})


def test_png_drawn_once_has_the_pixels_of_savefig(example, tmp_path):
    """draw_all saves a PNG with one draw of the Agg canvas (the layout run at the start of
    that draw) instead of savefig's two; the pixels must be savefig's (compared pixel by pixel
    on the hierarchy, whose layout depends on every label's extent, and on the heat map).
    """
    import matplotlib as mpl
    from PIL import Image

    from ahpstat._figures._draw import _save_png
    from ahpstat._figures._estimates import group_scores_figure

    _opts, rc = font_setup(example, F.figure_options(None))
    with mpl.rc_context(rc):
        for k, fn in enumerate((hierarchy_figure, group_scores_figure)):
            made = fn(example, Names(example.hierarchy, "both"))
            assert made is not None
            made[0].savefig(tmp_path / f"a{k}.png", dpi=90, metadata={"Software": None})
            fig, _ = fn(example, Names(example.hierarchy, "both"))
            _save_png(fig, tmp_path / f"b{k}.png", 90, {"Software": None})
            a = np.asarray(Image.open(tmp_path / f"a{k}.png"))
            b = np.asarray(Image.open(tmp_path / f"b{k}.png"))
            assert a.shape == b.shape and np.array_equal(a, b)
            assert fig.dpi == made[0].dpi  # the figure's own resolution is restored


def _texts_of(fig):
    """Every visible, non-empty text of a figure: titles, axis and tick labels, legends,
    colour bar labels, in-axes text."""
    from ahpstat._figures._layout import shown_ticklabels

    out = []
    for ax in fig.axes:
        out += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts,
                *shown_ticklabels(ax.xaxis), *shown_ticklabels(ax.yaxis)]
        if ax.get_legend() is not None:
            out += list(ax.get_legend().get_texts())
    return [t for t in out if t.get_visible() and t.get_text()]


#: the figures laid out once from font metrics (``fixed_layout``), not by matplotlib's
#: constrained layout engine at draw time
FIXED = ("hierarchy", "scores_criteria", "scores_groups", "consistency", "weights_compared")


# the longest labels ("both") in the default suite, ids alone ``slow``
@pytest.mark.parametrize("labels", [pytest.param("id", marks=pytest.mark.slow), "both"])
def test_no_text_clipped_or_over_the_axis_labels(example, seed_result, labels):
    """The margins of the figures laid out from font metrics hold their text: drawn on a
    renderer, no text reaches past the figure's edge, and no tick label overlaps its
    axis' label or the title (independent check: the renderer's own extents)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ahpstat._figures._layout import shown_ticklabels

    for res in (example, seed_result):
        for name, fig, _ in F.build_figures(res, {"labels": labels}):
            if name not in FIXED:
                continue
            r = FigureCanvasAgg(fig).get_renderer()
            fig.draw(r)
            page = fig.bbox
            for t in _texts_of(fig):
                e = t.get_window_extent(r)
                assert (e.x0 >= page.x0 - 0.5 and e.x1 <= page.x1 + 0.5
                        and e.y0 >= page.y0 - 0.5 and e.y1 <= page.y1 + 0.5), \
                    (name, labels, t.get_text(), e, page)
            for ax in _plot_axes(fig):
                heads = [t.get_window_extent(r) for t in (ax.title, ax.xaxis.label,
                                                          ax.yaxis.label) if t.get_text()]
                for t in [*shown_ticklabels(ax.xaxis), *shown_ticklabels(ax.yaxis)]:
                    e = t.get_window_extent(r)
                    assert not any(e.overlaps(h) for h in heads), (name, t.get_text())
