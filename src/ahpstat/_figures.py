"""Figures of a study result (matplotlib, no pyplot). Drawing only: no statistics.

Every figure is a :class:`matplotlib.figure.Figure` built without pyplot (no global state,
no backend switch in the user's session), drawn with the constrained layout engine once and
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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ahpstat._text import escape_mathtext as _m
from ahpstat._validation import InputError
from ahpstat._warnings import AHPWarning, warn

__all__ = ["FIGURES", "FIGURE_FORMATS", "LABEL_MODES", "DrawnFigure", "FigureOptions",
           "draw_all", "figure_options"]

FIGURE_FORMATS = ("png", "svg", "pdf")
LABEL_MODES = ("id", "label", "both")

#: figure name (file stem) -> what it shows (the report's caption adds the specifics)
FIGURES = {
    "hierarchy": "The hierarchy: each box's height is the node's global weight.",
    "scores_criteria": "Composite score of the goal and of every criterion (whole sample).",
    "scores_groups": "Composite scores per group: goal and criteria.",
    "consistency": "Consistency of every expert's matrix at every node.",
    "forest_scores": "Bootstrap confidence intervals of the scores: goal and criteria "
                     "(whole sample), and the goal per group.",
    "rank_probabilities": "Bootstrap probability of each rank of every group on the goal's "
                          "score.",
    "bayes_credal": "Posterior probability that the row criterion outweighs the column "
                    "criterion at the goal.",
    "bayes_experts": "Posterior inconsistency of every expert.",
}

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
_TEXT = "#222222"
_GOAL = "#c44e52"
_DOT = "#4c72b0"


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class FigureOptions:
    """How figures are written: formats, PNG resolution, what names they show.

    Attributes
    ----------
    format : tuple of str, default ("png",)
        Any of ``"png"``, ``"svg"``, ``"pdf"``.
    dpi : int, default 200
        Resolution of the PNG files.
    labels : {"id", "label", "both"}, default "id"
        Node names in the figures: ids, the hierarchy's labels, or both.
    """

    format: tuple[str, ...] = ("png",)
    dpi: int = 200
    labels: str = "id"


def figure_options(data: Any = None, *, file: str | None = None) -> FigureOptions:
    """Validate the study file's ``figures:`` section (``None``: the defaults).

    Errors are :class:`~ahpstat.InputError` naming the file and the key.

    Examples
    --------
    >>> figure_options({"format": ["png", "pdf"], "dpi": 300, "labels": "both"})
    FigureOptions(format=('png', 'pdf'), dpi=300, labels='both')
    >>> figure_options({"format": "tiff"})
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: `figures.format` must be png, svg or pdf. Got 'tiff' instead.
    """
    if data is None:
        return FigureOptions()
    if isinstance(data, FigureOptions):
        return data
    default = FigureOptions()
    keys = [f.name for f in fields(FigureOptions)]  # the section's keys: the options' fields
    if not isinstance(data, Mapping):
        raise InputError(f"`figures` must be a mapping ({', '.join(keys)}). Got "
                         f"{type(data).__name__} instead.", file=file)
    unknown = sorted(set(map(str, data)) - set(keys))
    if unknown:
        raise InputError(f"unknown key `figures.{unknown[0]}` (known: {', '.join(keys)}).",
                         file=file)
    fmt = data.get("format", list(default.format))
    fmts = [fmt] if isinstance(fmt, str) else fmt
    if not isinstance(fmts, list | tuple) or not fmts:
        raise InputError("`figures.format` must be png, svg, pdf or a list of them. Got "
                         f"{fmt!r} instead.", file=file)
    out: list[str] = []
    for f in fmts:
        f2 = f.lower() if isinstance(f, str) else f
        if f2 not in FIGURE_FORMATS:
            raise InputError(f"`figures.format` must be png, svg or pdf. Got {f!r} instead.",
                             file=file)
        if f2 not in out:
            out.append(f2)
    dpi = data.get("dpi", default.dpi)
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 50 <= dpi <= 1200:
        raise InputError(f"`figures.dpi` must be a whole number from 50 to 1200. Got {dpi!r} "
                         "instead.", file=file)
    labels = data.get("labels", default.labels)
    if not isinstance(labels, str) or labels.lower() not in LABEL_MODES:
        raise InputError(f"`figures.labels` must be one of {', '.join(LABEL_MODES)}. Got "
                         f"{labels!r} instead.", file=file)
    return FigureOptions(format=tuple(out), dpi=dpi, labels=labels.lower())


@dataclass(frozen=True)
class DrawnFigure:
    """A figure written: its name, caption and files (``name.png``, ``name.svg``, ...)."""

    name: str
    caption: str
    files: tuple[str, ...]

    @property
    def image(self) -> str:
        """The file a report shows (PNG if written, else SVG, else the first)."""
        for ext in ("png", "svg"):
            if f"{self.name}.{ext}" in self.files:
                return f"{self.name}.{ext}"
        return self.files[0]


# --------------------------------------------------------------------------- fonts and text


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


class _Names:
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
        return _m(_wrap(self.plain(v), suffix, width, fontsize, lines))

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


def _text_width(text: str, fontsize: float) -> float:
    """Width of ``text`` in points at ``fontsize``, in the current rcParams' font.

    Examples
    --------
    >>> 0 < _text_width("goal", 8) < _text_width("goal goal", 8)
    True
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    w, _h, _d = text_to_path.get_text_width_height_descent(
        text, FontProperties(size=fontsize), ismath=False)
    return float(w)


def _wrap(text: str, suffix: str, width: float, fontsize: float, lines: int) -> str:
    r"""``text`` + ``suffix`` wrapped in at most ``lines`` lines of ``width`` points.

    Examples
    --------
    >>> _wrap("Overall performance of the platforms", "  1.000", 90, 8, 3)
    'Overall performance\nof the platforms\n1.000'
    >>> one = _wrap("Overall performance of the platforms", "  1.000", 90, 8, 1)
    >>> one.startswith("Overall perf") and one.endswith("…  1.000"), _text_width(one, 8) <= 90
    (True, True)
    """
    def fits(t: str) -> bool:
        return _text_width(t, fontsize) <= width

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


def _font_setup(res: Any, opts: FigureOptions) -> tuple[FigureOptions, dict[Any, Any]]:
    """RcParams for the figures; falls back to ids (with a warning) when no font has the
    labels' glyphs.
    """
    # dict[Any, Any]: matplotlib's stubs type rc_context's keys as a Literal of rcParams names
    rc: dict[Any, Any] = {"font.size": 8, "svg.hashsalt": "ahpstat", "axes.titlesize": 9,
                          "axes.labelsize": 8, "pdf.fonttype": 42, "svg.fonttype": "path",
                          "text.color": _TEXT, "axes.labelcolor": _TEXT}
    texts = [str(g) for names in getattr(res, "group_names", {}).values() for g in names]
    texts += [str(e) for e in getattr(res, "experts", ())]
    if opts.labels != "id":
        texts += _Names(res.hierarchy, opts.labels).texts()
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


# --------------------------------------------------------------------------- helpers


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _text_colour(rgba: Sequence[float]) -> str:
    """Black or white, whichever contrasts more with a cell colour (WCAG luminance)."""
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(float(x)) for x in rgba[:3])
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"


def _annotate_cells(ax: Any, im: Any, Z: np.ndarray, fmt: str, fontsize: float) -> None:
    rgba = im.cmap(im.norm(Z))
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            if np.isfinite(Z[i, j]):
                ax.text(j, i, format(Z[i, j], fmt), ha="center", va="center",
                        fontsize=fontsize, color=_text_colour(rgba[i, j]))


def _cell_fontsize(fig_h: float, rows: int, fig_w: float, cols: int, chars: int) -> float:
    """A font size that fits ``chars`` characters in a heat-map cell (points)."""
    cell_h = 72 * fig_h * 0.75 / max(rows, 1)
    cell_w = 72 * fig_w * 0.75 / max(cols, 1)
    return float(np.clip(min(0.62 * cell_h, cell_w / (0.62 * chars)), 4.5, 9))


def _likert(res: Any) -> tuple[int, int]:
    lo, hi = res.study.survey.likert
    return int(lo), int(hi)


def _interval_text(res: Any) -> str | None:
    b = res.run_info.get("bootstrap") if res.bootstrap is not None else None
    if not b:
        return None
    method = {"bca": "BCa", "percentile": "percentile", "basic": "basic"}.get(
        b["method"], b["method"])
    return f"{100 * b['confidence_level']:g}% {method} bootstrap interval"


def _lines(height: float, fontsize: float, most: int) -> int:
    """How many lines of ``fontsize`` fit in ``height`` points (1 to ``most``)."""
    return int(max(1, min(most, height // (1.25 * fontsize))))


def _spread_labels(y: np.ndarray, gap: float, lo: float, hi: float) -> np.ndarray:
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


# --------------------------------------------------------------------------- the figures


def hierarchy_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    """Icicle chart: one column per level, box height = global weight; the deepest level's
    labels beside it, spread so they never overlap, each joined to its box.
    """
    from matplotlib.patches import Rectangle

    h = res.hierarchy
    W = res.weights.set_index("node")
    depth_max = int(W.depth.max())
    leaves = list(h.leaves)
    n_deep = sum(1 for v in h.nodes if int(W.loc[v, "depth"]) == depth_max)
    wide = names.mode != "id"
    col_w = 1.9 if wide else 1.15
    label_w = 2.6 if wide else 1.1
    height = max(4.0, 0.125 * n_deep + 1.0)
    fig = _figure(col_w * depth_max + 0.9 + label_w, height)
    ax = fig.add_subplot()
    top: dict[str, float] = {}
    y = 1.0
    for leaf in leaves:
        top[leaf] = y
        y -= float(W.loc[leaf, "global"])
    for v in reversed(h.nodes):  # a node starts where its first leaf starts
        if v not in top:
            top[v] = top[h.leaves_under(v)[0]]
    import matplotlib as mpl

    cmap = mpl.colormaps["tab10"]
    crit = {c: k for k, c in enumerate(h.children(h.root))}

    def colour(v: str) -> Any:
        if v == h.root:
            return (0.88, 0.88, 0.88, 1.0)
        path = v
        while h.parent(path) not in (None, h.root):
            path = h.parent(path)
        base = np.array(cmap(crit.get(path, 0) % 10))
        d = int(W.loc[v, "depth"])
        return (*tuple(base[:3] + (1 - base[:3]) * min(0.55, 0.2 * (d - 1))), 1.0)

    x_of = {d: (0.0 if d == 0 else 0.9 + col_w * (d - 1)) for d in range(depth_max + 1)}
    w_of = {d: (0.85 if d == 0 else col_w * 0.95) for d in range(depth_max + 1)}
    pt_per_unit = 72 * height * 0.9  # y-axis units (0..1) -> points, roughly
    pt_per_inch = 72 * 0.92  # x-axis units are about inches (less the margins)
    deep: list[tuple[str, float]] = []
    for v in h.nodes:
        d = int(W.loc[v, "depth"])
        g = float(W.loc[v, "global"])
        rgba = colour(v)
        ax.add_patch(Rectangle((x_of[d], top[v] - g), w_of[d], g, facecolor=rgba,
                               edgecolor="white", linewidth=0.6))
        if d == depth_max and d > 0:
            deep.append((v, top[v] - g / 2))
            continue
        fs = 8.0 if d <= 1 else 7.0
        if d == 0:  # the goal's box is the whole height: its name reads upwards along it
            text = names.fit(v, f"  {g:.3f}", 0.9 * pt_per_unit, fs,
                             lines=_lines(w_of[0] * pt_per_inch, fs, 2))
            ax.text(x_of[0] + w_of[0] / 2, 0.5, text, rotation=90, va="center",
                    ha="center", ma="center", fontsize=fs, color=_text_colour(rgba))
        elif g * pt_per_unit >= fs * 1.15:  # the label fits inside the box
            text = names.fit(v, f"  {g:.3f}", (w_of[d] - 0.1) * pt_per_inch, fs,
                             lines=_lines(g * pt_per_unit, fs, 3))
            ax.text(x_of[d] + 0.04, top[v] - g / 2, text, va="center", ha="left",
                    fontsize=fs, color=_text_colour(rgba))
    if deep:
        fs = 6.0
        x_box = x_of[depth_max] + w_of[depth_max]
        x_lab = x_box + 0.25
        ys = np.array([c for _, c in deep])
        pos = _spread_labels(ys, gap=1.15 * fs / pt_per_unit, lo=0.004, hi=0.996)
        for (v, c), p in zip(deep, pos, strict=True):
            g = float(W.loc[v, "global"])
            ax.plot([x_box, x_box + 0.08, x_lab - 0.03], [c, p, p], color="#999999",
                    linewidth=0.4)
            ax.text(x_lab, p, names.fit(v, f"  {g:.3f}", label_w * pt_per_inch, fs),
                    va="center", ha="left", fontsize=fs)
    ax.set_xlim(0, x_of[depth_max] + w_of[depth_max] + 0.25 + label_w)
    ax.set_ylim(0, 1)
    level_names = [_m(str(W.loc[W.depth == d, "level"].iloc[0])) for d in range(depth_max + 1)]
    ax.set_xticks([x_of[d] + w_of[d] / 2 for d in range(depth_max + 1)], level_names)
    ax.set_yticks([])
    for s in ("top", "right", "left"):
        ax.spines[s].set_visible(False)
    ax.set_title("Global weights: box height = the node's weight in the whole hierarchy")
    cap = (FIGURES["hierarchy"] + " Numbers are global weights (they sum to 1 over each "
           "level); the last level's labels are set beside their boxes.")
    return fig, cap


def criteria_scores_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    """Dot-and-interval plot of the goal's and the criteria's scores (whole sample)."""
    h = res.hierarchy
    S = res.scores[res.scores.grouping == "all"].set_index("node")
    nodes = [h.root, *h.children(h.root)]
    est = np.array([float(S.loc[v, "score"]) for v in nodes])
    interval = _interval_text(res)
    lo_hi = None
    if interval and {"ci_low", "ci_high"} <= set(S.columns):
        lo_hi = np.array([[float(S.loc[v, "ci_low"]) for v in nodes],
                          [float(S.loc[v, "ci_high"]) for v in nodes]])
    wide = names.mode != "id"
    fig = _figure(6.4 if wide else 5.6, 0.3 * len(nodes) + 1.3)
    ax = fig.add_subplot()
    y = np.arange(len(nodes))[::-1].astype(float)
    y[0] += 0.4  # the goal set apart above the criteria
    goal = est[0]
    ax.axvline(goal, color=_GOAL, linestyle="--", linewidth=0.9,
               label=f"goal {names(h.root)} = {goal:.4f}")
    if lo_hi is not None:
        err = np.vstack([est - lo_hi[0], lo_hi[1] - est])
        ax.errorbar(est, y, xerr=np.where(np.isfinite(err), err, 0.0), fmt="none",
                    ecolor=_DOT, elinewidth=1.2, capsize=2.5, label=interval)
    ax.plot(est, y, "o", color=_DOT, ms=4.5, label="estimate", zorder=3)
    right = lo_hi[1] if lo_hi is not None else est
    for yy, v, r in zip(y, est, right, strict=True):
        ax.annotate(f"{v:.3f}", (r, yy), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=7)
    ax.set_yticks(y, [names(v, width=40) for v in nodes])
    lo, hi = _likert(res)
    span_lo = np.nanmin(lo_hi[0]) if lo_hi is not None else est.min()
    span_hi = np.nanmax(lo_hi[1]) if lo_hi is not None else est.max()
    pad = max(0.08, 0.12 * (span_hi - span_lo))
    ax.set_xlim(max(lo, span_lo - pad), min(hi, span_hi + 2.2 * pad))
    ax.set_xlabel(f"composite score (Likert scale {lo}–{hi}; axis shows part of it)")
    ax.set_ylabel("goal and criteria")
    ax.grid(axis="x", linewidth=0.3, color="#dddddd")
    ax.legend(loc="lower right", fontsize=6.5, frameon=True)
    ax.set_title("Scores of the goal and the criteria, whole sample")
    cap = (FIGURES["scores_criteria"] + " Dots: estimates; dashed line: the goal's score"
           + (f"; bars: {interval}s." if interval else " (no bootstrap section: no "
              "intervals)."))
    return fig, cap


def group_scores_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    if not res.group_names:
        return None
    h = res.hierarchy
    gcol = next(iter(res.group_names))
    groups = list(res.group_names[gcol])
    cols = [h.root, *h.children(h.root)]
    S = res.scores[res.scores.grouping == gcol].pivot(index="group", columns="node",
                                                      values="score")
    Z = S.reindex(index=groups, columns=cols).to_numpy(dtype=float)
    wide = names.mode != "id"
    fig_w = 1.6 + (0.75 if wide else 0.55) * len(cols)
    fig_h = 0.24 * len(groups) + (2.0 if wide else 1.5)
    fig = _figure(fig_w, fig_h)
    ax = fig.add_subplot()
    im = ax.imshow(Z, aspect="auto", cmap="viridis")
    _annotate_cells(ax, im, Z, ".2f", _cell_fontsize(fig_h, len(groups), fig_w - 1.2,
                                                   len(cols), 4))
    ax.set_xticks(range(len(cols)), [names(c, width=24) for c in cols],
                  rotation=40 if wide else 0, ha="right" if wide else "center")
    ax.set_yticks(range(len(groups)), [_m(str(g)) for g in groups], fontsize=6.5)
    ax.set_xlabel("goal and criteria")
    ax.set_ylabel(_m(str(gcol)))
    lo, hi = _likert(res)
    cb = fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02)
    cb.set_label(f"composite score (Likert {lo}–{hi})")
    ax.set_title(f"Scores per {_m(str(gcol))}")
    cap = (FIGURES["scores_groups"].replace("group", _m(str(gcol)), 1)
           + " Cell numbers are the scores; colours span the range shown on the colour bar.")
    return fig, cap


def consistency_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.lines import Line2D

    C = res.consistency
    C = C[C.expert != "(aggregate)"]
    small = [v for v in res.panel.nodes if v in set(C.node[C.n < 3])]
    C = C[C.n >= 3]
    idx = res.study.panel.index.upper()
    if C.empty:
        return None
    nodes = [v for v in res.panel.nodes if v in set(C.node)]
    experts = list(res.experts)
    R = (C.assign(ratio=C.value / C.threshold)
         .pivot(index="expert", columns="node", values="ratio")
         .reindex(index=experts, columns=nodes))
    Z = R.to_numpy(dtype=float)
    wide = names.mode != "id"
    fig = _figure(0.24 * len(nodes) + 2.6, 0.2 * len(experts) + (2.6 if wide else 1.9))
    ax = fig.add_subplot()
    vmax = max(2.0, float(np.nanmax(Z)) if np.isfinite(Z).any() else 2.0)
    im = ax.imshow(Z, aspect="auto", cmap="RdYlGn_r", norm=TwoSlopeNorm(1.0, 0.0, vmax))
    bad = np.argwhere(Z > 1 + 1e-12)
    if bad.size:
        ax.scatter(bad[:, 1], bad[:, 0], marker="x", color="black", s=14, linewidths=0.8)
    ax.set_xticks(range(len(nodes)), [names(v, width=18) for v in nodes], rotation=90,
                  fontsize=6)
    ax.set_yticks(range(len(experts)), [_m(str(e)) for e in experts], fontsize=6)
    ax.set_xlabel("node (matrices of order 3 or more)")
    ax.set_ylabel("expert")
    cb = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    cb.set_label(f"{idx} / threshold (above 1: not acceptable)")
    ax.legend(handles=[Line2D([], [], marker="x", color="black", linestyle="none",
                              label="above the threshold")],
              loc="upper left", bbox_to_anchor=(0, -0.02 - (0.12 if wide else 0.08)),
              fontsize=6.5, frameon=False)
    thr = res.panel.threshold
    ax.set_title(f"{idx} of every expert's matrix, relative to its threshold"
                 + (f" ({thr:g})" if thr is not None else ""))
    cap = (f"Consistency of every expert's matrix at every node: {idx} divided by the "
           "threshold (green: acceptable, red and x: not acceptable; blank: the expert did "
           "not judge that node).")
    if small:
        shown = ", ".join(_m(str(v)) for v in small[:12]) + (", …" if len(small) > 12 else "")
        cap += (f" Not shown: the {len(small)} node(s) with two elements ({shown}), whose "
                "2 × 2 matrices are always consistent.")
    return fig, cap


def forest_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    """Scores with bootstrap intervals: goal + criteria, and the goal per group."""
    if res.bootstrap is None:
        return None
    h = res.hierarchy
    S = res.scores
    crit = [h.root, *h.children(h.root)]
    top = S[(S.grouping == "all")].set_index("node").loc[crit]
    gcol = res.run_info.get("bootstrap", {}).get("group")
    G = S[(S.grouping == gcol) & (S.node == h.root)] if gcol else S.iloc[:0]
    G = G.sort_values("score", kind="stable")
    panels = 2 if len(G) else 1
    height = max(0.3 * len(crit) + 1.5, 0.19 * len(G) + 1.5)
    fig = _figure(5.2 * panels, height)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    lv = _interval_text(res)
    goal = float(top.loc[h.root, "score"])

    def draw(ax: Any, labels: list[str], est: Any, lo: Any, hi: Any, title: str,
             colour: str) -> None:
        y = np.arange(len(labels))[::-1]
        err = np.vstack([est - lo, hi - est])
        ax.errorbar(est, y, xerr=np.where(np.isfinite(err), err, 0.0), fmt="o", ms=3,
                    color=colour, ecolor=colour, elinewidth=1, capsize=2, label=lv)
        ax.axvline(goal, color=_GOAL, linestyle="--", linewidth=0.8,
                   label=f"goal {names(h.root)}, whole sample ({goal:.3f})")
        ax.set_yticks(y, labels, fontsize=7 if len(labels) <= 12 else 6)
        ax.set_title(title)
        ax.grid(axis="x", linewidth=0.3, color="#dddddd")
        ax.legend(loc="lower right", fontsize=6, frameon=True)

    draw(axes[0], [names(v, width=32) for v in crit], top.score.to_numpy(),
         top.ci_low.to_numpy(), top.ci_high.to_numpy(), "Goal and criteria, whole sample",
         _DOT)
    axes[0].set_ylabel("goal and criteria")
    if len(G):
        draw(axes[1], [_m(str(g)) for g in G.group], G.score.to_numpy(), G.ci_low.to_numpy(),
             G.ci_high.to_numpy(), f"Goal {names(h.root)} per {_m(str(gcol))}", "#55a868")
        axes[1].set_ylabel(_m(str(gcol)))
    lo, hi = _likert(res)
    for ax in axes:
        ax.set_xlabel(f"composite score (Likert {lo}–{hi})")
    cap = (FIGURES["forest_scores"] + f" Dots: estimates; bars: {lv}s; dashed line: the "
           "goal's score in the whole sample.")
    return fig, cap


def rank_probability_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    """Heat map of P(rank = r) of every group on the goal's score."""
    rp = res.uncertainty.get("rank_probabilities")
    if rp is None or rp.empty:
        return None
    h = res.hierarchy
    sub = rp[rp.node == h.root]
    gcol = str(sub.grouping.iloc[0])
    P = sub.pivot(index="group", columns="rank", values="probability")
    S = res.scores[(res.scores.grouping == gcol) & (res.scores.node == h.root)]
    order = S.sort_values("score", ascending=False, kind="stable").group.tolist()
    P = P.reindex(index=order)
    Z = P.to_numpy(dtype=float)
    fig = _figure(0.2 * Z.shape[1] + 2.8, 0.2 * Z.shape[0] + 1.6)
    ax = fig.add_subplot()
    im = ax.imshow(Z, aspect="auto", cmap="Blues", vmin=0, vmax=max(0.05, float(Z.max())))
    ax.set_xticks(range(Z.shape[1]), [str(c) for c in P.columns], fontsize=6)
    ax.set_yticks(range(Z.shape[0]), [_m(str(g)) for g in order], fontsize=6)
    ax.set_xlabel(f"rank on the goal {names(h.root)} (1 = highest score)")
    ax.set_ylabel(f"{_m(gcol)} (highest estimate first)")
    cb = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    cb.set_label("P(rank = r) over the bootstrap resamples")
    ax.set_title(f"How sure is each {_m(gcol)}'s rank?")
    n = res.run_info.get("bootstrap", {}).get("replicates")
    cap = (FIGURES["rank_probabilities"] + " Rank 1 = highest score; each row sums to 1"
           + (f" over {n} resamples." if n else "."))
    return fig, cap + _rank_sets_overlay(res, ax, gcol, order, list(P.columns))


def _rank_sets_overlay(res: Any, ax: Any, gcol: str, order: list[Any],
                       ranks: list[Any]) -> str:
    """Draw each group's joint rank set (box) and marginal rank interval (line) on the goal
    row of the rank heat map; return the caption's sentence about them.
    """
    h = res.hierarchy
    col = {r: k for k, r in enumerate(ranks)}
    row = {str(g): k for k, g in enumerate(order)}
    said = []
    rs = res.uncertainty.get("rank_confidence_sets")
    if rs is not None and not rs.empty:
        j = rs[(rs.ranked == "groups") & (rs.node == h.root) & (rs.coverage == "joint")
               & (rs.grouping == gcol)].dropna(subset=["rank_low", "rank_high"])
        for i, r in enumerate(j.itertuples(index=False)):
            y = row.get(str(r.group))
            if y is None or r.rank_low not in col or r.rank_high not in col:
                continue
            ax.add_patch(_rectangle((col[r.rank_low] - 0.5, y - 0.42),
                                    col[r.rank_high] - col[r.rank_low] + 1, 0.84,
                                    fill=False, ec="#dd8452", lw=1.4,
                                    label="joint rank set" if i == 0 else None))
        if len(j):
            lv = f"{100 * float(j.confidence_level.iloc[0]):g}%"
            said.append(f"orange boxes: {lv} joint rank sets, covering the true ranks of all "
                        f"{len(j)} groups together (bootstrap max-t with stepdown, Mogstad "
                        "et al. 2024)")
    R = res.ranks[(res.ranks.grouping == gcol) & (res.ranks.node == h.root)].dropna(
        subset=["rank_ci_low", "rank_ci_high"])
    first = True
    for r in R.itertuples(index=False):
        y = row.get(str(r.group))
        lo, hi = col.get(r.rank_ci_low), col.get(r.rank_ci_high)
        if y is None or lo is None or hi is None:
            continue
        ax.plot([lo, hi], [y, y], color="black", lw=0.9, marker="|", ms=4,
                label="marginal rank interval" if first else None)
        first = False
    if not first:
        level = res.run_info.get("bootstrap", {}).get("confidence_level")
        lv = f"{100 * level:g}% " if level else ""
        said.append(f"black lines: {lv}marginal intervals (percentiles of each group's "
                    "bootstrap ranks), each covering its own rank only")
    if said:
        ax.legend(loc="upper right", fontsize=6, framealpha=0.8)  # top rows rank high
    text = "; ".join(said)
    return (" " + text[:1].upper() + text[1:] + ".") if said else ""


def _rectangle(xy: tuple[float, float], w: float, h: float, **kw: Any) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(xy, w, h, **kw)


def credal_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    """Heat map of the posterior P(w_i > w_j) among the goal's children."""
    cr = res.uncertainty.get("credal")
    if cr is None or cr.empty:
        return None
    h = res.hierarchy
    kids = list(h.children(h.root))
    sub = cr[cr.node == h.root]
    if sub.empty:
        return None
    P = sub.pivot(index="element_i", columns="element_j", values="p_greater").reindex(
        index=kids, columns=kids)
    Z = P.to_numpy(dtype=float)
    wide = names.mode != "id"
    fig_w = 0.5 * len(kids) + (3.6 if wide else 2.4)
    fig_h = 0.42 * len(kids) + (2.4 if wide else 1.5)
    fig = _figure(fig_w, fig_h)
    ax = fig.add_subplot()
    im = ax.imshow(Z, cmap="RdBu_r", vmin=0, vmax=1)
    _annotate_cells(ax, im, Z, ".2f", _cell_fontsize(fig_h, len(kids), fig_w - 1.5,
                                                   len(kids), 4))
    ax.set_xticks(range(len(kids)), [names(k, width=20) for k in kids],
                  rotation=40 if wide else 0, ha="right" if wide else "center")
    ax.set_yticks(range(len(kids)), [names(k, width=20) for k in kids])
    ax.set_xlabel("column criterion j")
    ax.set_ylabel("row criterion i")
    cb = fig.colorbar(im, ax=ax, fraction=0.05, pad=0.03)
    cb.set_label("posterior P(w_i > w_j)")
    ax.set_title(f"Credal ranking of the criteria at {names(h.root)}")
    cap = (FIGURES["bayes_credal"] + " 0.5 = undecided; near 1 (red) the row criterion "
           "outweighs the column criterion in almost every posterior draw.")
    return fig, cap


def expert_sigma_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    """Posterior mean and interval of each expert's inconsistency sigma_k."""
    ex = res.uncertainty.get("expert_inconsistency")
    if ex is None or ex.empty:
        return None
    ex = ex.sort_values("sigma_mean", kind="stable")
    y = np.arange(len(ex))
    fig = _figure(5.2, 0.19 * len(ex) + 1.5)
    ax = fig.add_subplot()
    m = ex.sigma_mean.to_numpy()
    err = np.vstack([m - ex.sigma_ci_low.to_numpy(), ex.sigma_ci_high.to_numpy() - m])
    level = res.run_info.get("bayes", {}).get("credible_level", 0.95)
    lv = f"{100 * level:g}% equal-tailed credible interval"
    ax.errorbar(m, y, xerr=err, fmt="o", ms=3, color="#8172b2", elinewidth=1, capsize=2,
                label=f"posterior mean and {lv}")
    ax.set_yticks(y, [_m(str(e)) for e in ex.expert], fontsize=6)
    ax.set_xlabel("σ_k: sd of the expert's log-judgment errors")
    ax.set_ylabel("expert (least to most inconsistent)")
    ax.set_title("Expert inconsistency (posterior)")
    ax.grid(axis="x", linewidth=0.3, color="#dddddd")
    ax.legend(loc="lower right", fontsize=6, frameon=True)
    cap = (FIGURES["bayes_experts"] + f" Dots: posterior means; bars: {lv}s. Larger σ_k = "
           "more erratic judgments, less influence on the weights.")
    return fig, cap


# --------------------------------------------------------------------------- robustness


def _sensitivity(res: Any) -> Any:
    return getattr(res, "sensitivity", None)


def specification_curve_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    """Specification curve (Simonsohn, Simmons & Nelson 2020): the goal's score under every
    specification, sorted, above a dashboard of the choices each one makes.
    """
    sa = _sensitivity(res)
    if sa is None or sa.multiverse is None:
        return None
    mv = sa.multiverse
    h = res.hierarchy
    lo, hi = mv.info["likert"]
    spec = mv.specifications
    sc = mv.scores[mv.scores.node == h.root]
    overall = sc[sc.grouping == "all"].set_index("spec")["score"].reindex(spec.spec)
    mean_t = (spec.likert == "mean").to_numpy()
    y = overall.to_numpy(dtype=float).copy()
    y[mean_t] = (y[mean_t] - lo) / (hi - lo)
    grp = sc[sc.grouping != "all"]
    gmin = grp.groupby("spec")["score"].min().reindex(spec.spec).to_numpy(dtype=float).copy()
    gmax = grp.groupby("spec")["score"].max().reindex(spec.spec).to_numpy(dtype=float).copy()
    gmin[mean_t] = (gmin[mean_t] - lo) / (hi - lo)
    gmax[mean_t] = (gmax[mean_t] - lo) / (hi - lo)
    order = np.argsort(np.where(np.isnan(y), np.inf, y), kind="stable")
    factors = [f for f in mv.grid if f in spec and spec[f].nunique() > 1]
    rows = [(f, lev) for f in factors for lev in spec[f].drop_duplicates()]
    D = np.array([(spec[f].to_numpy()[order] == lev) for f, lev in rows], dtype=float)
    S = len(spec)
    fig = _figure(9, 3.2 + 0.14 * len(rows))
    ax, ax2 = fig.subplots(2, 1, sharex=True,
                           gridspec_kw={"height_ratios": [2.2, 0.14 * len(rows) + 0.4]})
    x = np.arange(S)
    if np.isfinite(gmin).any():
        ax.vlines(x, gmin[order], gmax[order], color="#c8d3e6", linewidth=0.6,
                  label="range over the groups")
    ax.scatter(x, y[order], s=2, color="#1f4e9c", label="whole sample", zorder=3)
    if mv.baseline is not None:
        xb = int(np.flatnonzero(order == mv.baseline)[0])
        ax.scatter([xb], [y[mv.baseline]], s=40, facecolor="none", edgecolor="#c44e52",
                   zorder=4, label="the study's own choices")
    ax.set_ylabel("goal score (0-1)")
    ax.set_title(f"Specification curve: {S} specifications, sorted by the goal's score "
                 "(mean answers in POMP units)")
    ax.legend(fontsize=6, loc="upper left")
    ax2.imshow(D, aspect="auto", cmap="Greys", vmin=0, vmax=1.4, interpolation="nearest")
    ax2.set_yticks(range(len(rows)))
    ax2.set_yticklabels([f"{_m(f)}: {_m(lev)}" for f, lev in rows], fontsize=5.5)
    ax2.set_xlabel("specification (sorted)")
    ax2.set_ylabel("choices")
    return fig, (FIGURES["specification_curve"] + " Dots: the whole sample's goal score; "
                 "vertical lines: its range over the groups; circle: the study's own "
                 "choices. Dark cells below: the choices each specification makes.")


def rank_stability_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    """Each group's goal rank over the specifications: range, quartiles, median and the
    study's own rank.
    """
    sa = _sensitivity(res)
    if sa is None or sa.multiverse is None:
        return None
    mv = sa.multiverse
    h = res.hierarchy
    gcol = sa.settings.get("grouping")
    sc = mv.scores[(mv.scores.node == h.root) & (mv.scores.grouping == gcol)]
    if sc.empty:
        return None
    feas = set(mv.specifications.spec[mv.specifications.feasible])
    sc = sc[sc.spec.isin(feas)]
    st = mv.rank_stability[(mv.rank_stability.grouping == gcol)
                           & (mv.rank_stability.node == h.root)]
    st = st.sort_values(["baseline_rank", "group"], kind="stable")
    groups = st.group.tolist()
    fig = _figure(7, 0.22 * len(groups) + 1.3)
    ax = fig.add_subplot()
    for i, g in enumerate(groups):
        r = sc[sc.group == g]["rank"].dropna().to_numpy()
        if r.size == 0:
            continue
        q1, med, q3 = np.percentile(r, [25, 50, 75])
        ax.hlines(i, r.min(), r.max(), color="#b0b0b0", linewidth=1)
        ax.hlines(i, q1, q3, color="#4c72b0", linewidth=4)
        ax.plot([med], [i], "o", color="white", markeredgecolor="#1f4e9c", markersize=4)
    ax.plot(st.baseline_rank.to_numpy(), np.arange(len(groups)), "x", color="#c44e52",
            markersize=5, label="the study's own choices")
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels([f"{_m(g)} ({s:.0%})" for g, s in zip(groups, st.share_same_rank,
                                                              strict=True)], fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel(f"rank on {_m(h.root)} (1 = highest score)")
    ax.set_title(f"Goal rank of every {_m(gcol)} over the specifications (range, quartiles, "
                 "median); in brackets: share keeping its rank")
    ax.set_ylabel(f"{_m(str(gcol))} (share of specifications keeping its rank)")
    ax.legend(fontsize=6, loc="lower right")
    return fig, (FIGURES["rank_stability"] + " Grey line: the range of the rank; thick bar: "
                 "its quartiles; white dot: the median; red x: the rank under the study's "
                 "own choices.")


def weight_gradient_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    """Every group's goal score against one criterion's weight (siblings rescaled), with the
    crossings and the interval in which the ranking holds: the most critical criterion
    among the goal's children.
    """
    sa = _sensitivity(res)
    if sa is None or sa.weights is None:
        return None
    ws = sa.weights
    h = res.hierarchy
    iv = ws.intervals[ws.intervals.parent == h.root]
    if iv.empty:
        return None
    crit = ws.critical[(ws.critical.scope == "criteria") & (ws.critical.measure == "AA")]
    node = crit.node.iloc[0] if len(crit) and crit.node.iloc[0] is not None else \
        iv.sort_values("weight", ascending=False).node.iloc[0]
    row = iv[iv.node == node].iloc[0]
    L = ws.lines[(ws.lines.parent == h.root) & (ws.lines.node == node)]
    C = ws.crossings[(ws.crossings.parent == h.root) & (ws.crossings.node == node)]
    t = np.linspace(0, 1, 101)
    fig = _figure(7, 4.5)
    ax = fig.add_subplot()
    ax.axvspan(row.lower, row.upper, color="#e8f0e0", label="ranking unchanged")
    for a, b in zip(L.intercept, L.slope, strict=True):
        ax.plot(t, a + b * t, color="#4c72b0", linewidth=0.6, alpha=0.7)
    if len(C):
        ax.scatter(C.t, [float(L.set_index("group").loc[g, "intercept"]
                               + L.set_index("group").loc[g, "slope"] * x)
                         for g, x in zip(C.ahead, C.t, strict=True)],
                   s=6, color="#c44e52", zorder=3, label="crossings (rank reversals)")
    ax.axvline(row.weight, color="black", linestyle="--", linewidth=1,
               label=f"current weight {row.weight:.3f}")
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"local weight of {_m(node)} (its siblings rescaled proportionally)")
    ax.set_ylabel(f"goal score per {_m(row.grouping)}")
    ax.set_title(f"Scores against the weight of {_m(node)}: the ranking holds on "
                 f"[{row.lower:.3f}, {row.upper:.3f}], the top group on "
                 f"[{row.top_lower:.3f}, {row.top_upper:.3f}]")
    ax.legend(fontsize=6, loc="best")
    return fig, (FIGURES["weight_gradient"] + " Each line is a group's goal score; the "
                 "dashed line marks the criterion's current weight, the shaded band the "
                 "weights within which the ranking of the groups is unchanged.")


FIGURES.update({
    "specification_curve": "Specification curve: the goal's score under every combination "
                               "of analyst choices, sorted, with the choices below "
                               "(Simonsohn, Simmons & Nelson 2020).",
    "rank_stability": "Goal rank of every group over the specifications of the "
                          "multiverse.",
    "weight_gradient": "Goal scores of the groups against the weight of the most "
                           "critical criterion, with the rank reversals.",
})
_ROBUSTNESS_FIGURES = (("specification_curve", specification_curve_figure),
                       ("rank_stability", rank_stability_figure),
                       ("weight_gradient", weight_gradient_figure))


FIGURES["weights_compared"] = ("Criteria weights side by side: the experts' AHP weights "
                                "against objective weights from the survey and their "
                                "combination.")
#: colours of the weightings in the side-by-side weights figure
_WEIGHTING_COLOURS = {"ahp": "#4c72b0", "entropy": "#55a868", "critic": "#dd8452",
                      "sd": "#8172b3", "cv": "#937860", "combined": "#c44e52"}


def weights_compared_figure(res: Any, names: _Names) -> tuple[Any, str] | None:
    """Global weights of the goal's children under every weighting, with intervals."""
    t = res.uncertainty.get("objective_weights")
    if t is None or t.empty:
        return None
    h = res.hierarchy
    crit = list(h.children(h.root))
    sub = t[(t.weight == "global") & t.node.isin(crit)]
    ws = list(dict.fromkeys(sub.weighting))
    if len(ws) < 2:
        return None
    fig = _figure(6.2, 0.42 * len(crit) * max(1.0, len(ws) / 3) + 1.6)
    ax = fig.add_subplot()
    y0 = np.arange(len(crit))[::-1].astype(float)
    step = 0.8 / len(ws)
    has_ci = bool(sub.ci_low.notna().any())
    for k, w in enumerate(ws):
        d = sub[sub.weighting == w].set_index("node").reindex(crit)
        est = d.estimate.to_numpy(dtype=float)
        y = y0 + 0.4 - step * (k + 0.5)
        colour = _WEIGHTING_COLOURS.get(w, "#333333")
        if has_ci:
            lo, hi = d.ci_low.to_numpy(dtype=float), d.ci_high.to_numpy(dtype=float)
            err = np.vstack([est - lo, hi - est])
            ax.errorbar(est, y, xerr=np.where(np.isfinite(err), np.maximum(err, 0), 0.0),
                        fmt="o", ms=3, color=colour, ecolor=colour, elinewidth=1, capsize=2,
                        label=w)
        else:
            ax.plot(est, y, "o", ms=3.5, color=colour, label=w)
    ax.axvline(1.0 / len(crit), color=_GOAL, linestyle="--", linewidth=0.8,
               label=f"equal weights (1/{len(crit)})")
    ax.set_yticks(y0, [names(v, width=32) for v in crit], fontsize=7)
    ax.set_xlabel(f"global weight of the criterion (sums to 1 over the {len(crit)} criteria)")
    ax.set_ylabel(f"criteria (children of {names(h.root)})")
    ax.set_title("Subjective (AHP) against objective weights")
    ax.grid(axis="x", linewidth=0.3, color="#dddddd")
    ax.legend(loc="lower right", fontsize=6, frameon=True, title="weighting",
              title_fontsize=6)
    cap = FIGURES["weights_compared"] + " Dots: estimates."
    if has_ci:
        lv = _interval_text(res) or "bootstrap interval"
        cap += (f" Bars: {lv}s from the same resamples as the scores (each weighting "
                "resamples what it depends on: AHP the experts, objective weights the "
                "respondents, the combination both; `objective_weights.csv` says which).")
    cap += " Dashed line: equal weights."
    return fig, cap


_DRAWERS: tuple[tuple[str, Callable[[Any, _Names], tuple[Any, str] | None]], ...] = (
    ("hierarchy", hierarchy_figure),
    ("scores_criteria", criteria_scores_figure),
    ("scores_groups", group_scores_figure),
    ("consistency", consistency_figure),
    ("forest_scores", forest_figure),
    ("weights_compared", weights_compared_figure),
    ("rank_probabilities", rank_probability_figure),
    ("bayes_credal", credal_figure),
    ("bayes_experts", expert_sigma_figure),
    *_ROBUSTNESS_FIGURES,
)


def build_figures(res: Any, options: FigureOptions | Mapping[str, Any] | None = None
                  ) -> list[tuple[str, Any, str]]:
    """Every figure the result supports, as ``(name, Figure, caption)`` (not saved).

    For tests and notebooks; :func:`draw_all` saves them.
    """
    opts, rc = _font_setup(res, figure_options(options))
    import matplotlib as mpl

    names = _Names(res.hierarchy, opts.labels)
    out = []
    with mpl.rc_context(rc):
        for name, fn in _DRAWERS:
            made = fn(res, names)
            if made is not None:
                out.append((name, *made))
    return out


def draw_all(res: Any, out: Path,
             options: FigureOptions | Mapping[str, Any] | None = None) -> list[DrawnFigure]:
    """Draw every figure into ``out`` in every requested format; return what was written."""
    opts, rc = _font_setup(res, figure_options(options))
    import matplotlib as mpl

    names = _Names(res.hierarchy, opts.labels)
    written = []
    with mpl.rc_context(rc):
        for name, fn in _DRAWERS:
            made = fn(res, names)
            if made is None:
                continue
            fig, caption = made
            files = []
            for fmt in opts.format:
                path = Path(out) / f"{name}.{fmt}"
                meta: dict[str, Any] = ({"Software": None} if fmt == "png" else
                                        {"Creator": None, "Producer": None,
                                         "CreationDate": None} if fmt == "pdf" else
                                        {"Creator": None, "Date": None})
                fig.savefig(path, format=fmt, dpi=opts.dpi if fmt == "png" else "figure",
                            metadata=meta)
                files.append(path.name)
            written.append(DrawnFigure(name, caption, tuple(files)))
    return written
