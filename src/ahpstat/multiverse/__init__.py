"""Multiverse (specification) analysis of a study: every combination of analyst choices.

A study's ranking rests on choices that other analysts could reasonably make differently.
:func:`multiverse` re-runs the study over the full factorial of a grid of such choices
(Steegen, Tuerlinckx, Gelman & Vanpaemel 2016; Simonsohn, Simmons & Nelson 2020) and says
how much each choice moves the goal's score and each group's rank:

``weighting``
    Weighting method (:data:`ahpstat.weighting.WEIGHTING_METHODS`).
``aggregation``
    ``aij`` (geometric mean of the judgments), ``aip_geometric`` or ``aip_arithmetic``
    (the experts' priorities combined by that mean; Forman & Peniwati 1998).
``consistency``
    Index, random-index table and threshold, one level each (e.g. CR with Saaty's table at
    0.10, GCI at its own thresholds); matters only with a policy other than ``keep``.
``policy``
    What is done to an inconsistent expert (:data:`ahpstat.panel.PANEL_POLICIES`).
``missing``
    Survey answers: ``available_case`` item means or ``listwise`` deletion.
``scale``
    The numbers given to the verbal judgments (:data:`JUDGMENT_SCALES`): Saaty's 1-9 and
    the alternatives in Ishizaka & Labib (2011) and Goepel (2019); each judgment ``x`` on
    Saaty's scale becomes ``c(x)`` (``1/c(1/x)`` for a reciprocal).
``likert``
    Treatment of the Likert answers (:data:`LIKERT_TREATMENTS`): ``mean`` (interval
    scale), ``top_box`` / ``top2_box`` (share of answers in the highest / two highest
    categories) or ``ridit`` (mean ridit against the whole sample's answers to the item;
    Bross 1958): the latter three are ordinal and lie in [0, 1].
``family``
    The weighting family (:data:`WEIGHTING_FAMILIES`): ``ahp`` (the experts' weights, as
    set by the five panel factors above), an objective method of :mod:`ahpstat.objective`
    -- ``entropy``, ``critic``, ``sd``, ``cv``: item weights from the survey itself,
    computed on the specification's own data (its missing-answer rule and Likert
    treatment), so the panel factors do not move them -- or ``combined`` (the panel's AHP
    weights combined with an objective vector). The objective settings (entropy's
    normalisation and shift, respondents or groups as units, the combination method, the
    objective vector combined and the linear ``alpha``) are the study's
    (:class:`ahpstat.evaluation.EvaluationOptions`, from its ``objective_weights:`` and
    ``combination:`` sections), else that class's defaults (min-max entropy over the
    respondents; game-theory combination with entropy). Default: ``ahp`` only.

Speed: the panel is aggregated once per distinct panel configuration (policy ``keep``
ignores the consistency level), from the study's arrays in memory; every specification's
scores are then one batched product of leaf weights and per-group item statistics.

The variance of the goal's score and of each group's rank over the factorial is split
exactly into main effects, two-way interactions and the higher-order rest by the functional
ANOVA of a balanced full factorial (:func:`anova_decomposition`; Saisana, Saltelli &
Tarantola 2005 do the same for composite indicators).

The package, one concern per module: :mod:`._treatments` (judgment scales and Likert
treatments), :mod:`._anova` (the variance decomposition), :mod:`._grid` (factors, levels and
the grid's validation), :mod:`._result` (:class:`MultiverseResult`) and :mod:`._run`
(:func:`multiverse`).
"""

from __future__ import annotations

from ahpstat.multiverse._anova import anova_decomposition
from ahpstat.multiverse._grid import (
    AGGREGATION_LEVELS,
    DEFAULT_GRID,
    FACTORS,
    WEIGHTING_FAMILIES,
    multiverse_grid,
)
from ahpstat.multiverse._result import MultiverseResult
from ahpstat.multiverse._run import multiverse
from ahpstat.multiverse._treatments import (
    JUDGMENT_SCALES,
    LIKERT_TREATMENTS,
    JudgmentScale,
    likert_transform,
    rescale_judgments,
)

__all__ = [
    "AGGREGATION_LEVELS",
    "DEFAULT_GRID",
    "FACTORS",
    "JUDGMENT_SCALES",
    "LIKERT_TREATMENTS",
    "WEIGHTING_FAMILIES",
    "JudgmentScale",
    "MultiverseResult",
    "anova_decomposition",
    "likert_transform",
    "multiverse",
    "multiverse_grid",
    "rescale_judgments",
]
