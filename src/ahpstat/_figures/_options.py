"""The figures' options (the study file's ``figures:`` section), their names and
captions, and the record of a figure written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ahpstat._validation import InputError

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
    "specification_curve": "Specification curve: the goal's score under every combination "
                           "of analyst choices, sorted, with the choices below "
                           "(Simonsohn, Simmons & Nelson 2020).",
    "rank_stability": "Goal rank of every group over the specifications of the "
                      "multiverse.",
    "weight_gradient": "Goal scores of the groups against the weight of the most "
                       "critical criterion, with the rank reversals.",
    "weights_compared": "Criteria weights side by side: the experts' AHP weights "
                        "against objective weights from the survey and their "
                        "combination.",
}


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
