"""Subjective against objective weights, fuzzy evaluation and rankings of a study, with
uncertainty from the same bootstrap resamples as the AHP scores.

:func:`evaluate_study` takes a run study (its hierarchy, panel and survey answers) and

* computes objective weights of the items (:mod:`ahpstat.objective`: entropy, CRITIC, SD, CV)
  from the respondents' answers (or from the groups' item means), rolled up the hierarchy the
  way AHP weights are: a node's global weight is the sum of its items' weights, its local
  weight its global weight over its parent's (:meth:`ahpstat.Hierarchy.local_weights`);
* combines the AHP (subjective) item weights with one objective vector
  (:func:`ahpstat.objective.combine_weights`: game-theory, multiplicative or linear);
* measures how far the weightings agree (Kendall's tau-b and the weighted rank correlation of
  :mod:`ahpstat.compare`, at every level of the hierarchy);
* evaluates every group (and the whole sample) by multi-level fuzzy comprehensive evaluation
  on the Likert answers (:mod:`ahpstat.fuzzy`): evaluation vectors per node, the
  maximum-membership verdict named by the study's grades, the weighted score;
* ranks the groups by TOPSIS and grey relational analysis on their item means
  (:mod:`ahpstat.mcda`) with any of the weight vectors.

Uncertainty: given the study's bootstrap (:func:`ahpstat.bootstrap.bootstrap_study`) and the
``rng`` it was run with, every quantity is recomputed on exactly the same resamples -- the
expert resample's AHP weights (kept in the bootstrap result) and the same respondent resamples
(regenerated from the same random streams, and checked against the bootstrap's item means) --
so an interval here and an AHP score's interval describe the same uncertainty, jointly.
Intervals use the bootstrap's method and level (percentile, basic or BCa; BCa's acceleration
from the multi-sample jackknife over experts, respondents or clusters and the respondents of
each group, as for the scores), and the groups' rank probabilities come from the same draws.

The package, one concern per module: :mod:`._options` (:class:`EvaluationOptions` and the
vocabulary), :mod:`._evaluator` (every statistic for a block of resamples),
:mod:`._resampling` (the bootstrap's respondent resamples, regenerated), :mod:`._tables`
(tidy tables with intervals), :mod:`._result` (:class:`EvaluationResult`) and
:mod:`._study` (:func:`evaluate_study`).
"""

from __future__ import annotations

# package-internal (not in __all__): the study's rows of BCa's jackknife, the resamples
# rewound
from ahpstat.evaluation._jackknife import jackknife_rows as jackknife_rows
from ahpstat.evaluation._options import EVALUATION_TABLES, UNITS, WEIGHTINGS, EvaluationOptions
from ahpstat.evaluation._resampling import rewound as rewound
from ahpstat.evaluation._result import EvaluationResult
from ahpstat.evaluation._study import Estimate, estimate, evaluate_study

__all__ = [
    "EVALUATION_TABLES",
    "UNITS",
    "WEIGHTINGS",
    "Estimate",
    "EvaluationOptions",
    "EvaluationResult",
    "estimate",
    "evaluate_study",
]
