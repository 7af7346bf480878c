"""Weight and judgment sensitivity of a study's ranking of the groups.

One at a time (exact)
    Give a criterion ``c`` under node ``v`` the local weight ``t`` in [0, 1] and rescale its
    siblings proportionally (``w_s (1 - t) / (1 - w_c)``). Every group's goal score is then
    a linear function of ``t``, ``S_k(t) = a_k + b_k t``, so two groups swap exactly where
    their lines cross, ``t* = (a_k - a_j) / (b_j - b_k)``; :func:`weight_sensitivity`
    returns, for every criterion at every level, the interval of ``t`` around its weight in
    which no pair of groups swaps (the ranking is unchanged) and the one in which the top
    group stays on top, and Triantaphyllou & Sánchez's (1997) thresholds: the smallest
    change ``delta`` of the criterion's un-normalized weight that reverses a pair of groups
    (any pair, or one involving the top group), absolute and relative to the weight.
    Changing a weight by ``delta`` and renormalizing is exactly the proportional rescaling
    above: ``t = (w + delta) / (1 + delta)``. The most critical criterion is the one with the
    smallest threshold (absolute-top, absolute-any, percent-top, percent-any).

Judgment perturbation (simulation)
    :func:`judgment_perturbation` moves each judgment of every expert to a neighbouring
    value of Saaty's scale with probability ``p`` (or multiplies it by a log-normal factor),
    re-aggregates the panel with the study's own aggregation rule and inconsistency policy,
    and reports how often each group keeps its rank and each node's children keep their
    weight order.

Global (variance-based)
    :func:`sobol_weights` perturbs every criterion's weight at once by independent
    log-uniform factors and estimates Sobol' first-order and total indices of every group's
    goal score and rank with SALib (Saltelli sampling; Herman & Usher 2017).

The package, one concern per module: :mod:`._analysis` (:func:`sensitivity_analysis`, the
section run) over :mod:`._weights` (one at a time) | :mod:`._judgments` (perturbation) |
:mod:`._sobol` (global) | :mod:`._settings` (the study file's section) over :mod:`._common`
(the groups' item means).
"""

from __future__ import annotations

from ahpstat.sensitivity._analysis import SensitivityAnalysis, sensitivity_analysis
from ahpstat.sensitivity._judgments import (
    PerturbationResult,
    judgment_perturbation,
    perturb_judgments,
)
from ahpstat.sensitivity._settings import SENSITIVITY_DEFAULTS, sensitivity_settings
from ahpstat.sensitivity._sobol import sobol_weights
from ahpstat.sensitivity._weights import (
    CROSSING_RTOL,
    WeightSensitivityResult,
    rank_reversal_intervals,
    weight_sensitivity,
)

__all__ = [
    "CROSSING_RTOL",
    "SENSITIVITY_DEFAULTS",
    "PerturbationResult",
    "SensitivityAnalysis",
    "WeightSensitivityResult",
    "judgment_perturbation",
    "perturb_judgments",
    "rank_reversal_intervals",
    "sensitivity_analysis",
    "sensitivity_settings",
    "sobol_weights",
    "weight_sensitivity",
]
