"""Alternatives as the last level: the classic AHP decision, for one or many decision makers.

A :class:`DecisionModel` holds a criteria tree, the alternatives judged under every leaf
criterion and the decision makers' preferences at every node (:mod:`ahpstat.io`'s
:class:`~ahpstat.io.DecisionData`: read from R ahp's ``.ahp`` files, AHPy's dictionaries or a
study). :meth:`DecisionModel.evaluate` synthesizes the whole tree:

1. every decision maker's local priorities at every node: the weighting method on a pairwise
   matrix (an incomplete one through Harker's method or the optimal completion), or the
   priorities, scores (``score / sum``) or ratings given directly;
2. the group's local priorities at every node, with that node's decision-maker weights:
   ``aggregation="aip"`` (R ahp's rule) takes their weighted arithmetic (default) or
   geometric mean; ``"aij"`` takes the weighted geometric mean of the judgments (Forman &
   Peniwati 1998), a direct priority counting as the consistent matrix ``p_i / p_j``;
3. the criteria's global weights (Saaty's hierarchic composition) and the alternatives'
   totals ``t_a = sum_c g_c x_ca`` over the leaf criteria ``c``, where ``x_c`` is the local
   vector of the alternatives under ``c``: as computed (``mode="distributive"``), divided by
   its largest entry (``mode="ideal"``, Belton & Gear 1983; Saaty 1994), or a rating (always
   absolute). The reported priority is ``t / sum(t)``.

The same synthesis runs for each decision maker alone (R ahp's ``Analyze(decisionMaker=)``)
and, for the uncertainty layers, for every resample of the decision makers
(:meth:`DecisionModel.bootstrap`) and every posterior draw of a Bayesian model of their
judgments (:meth:`DecisionModel.bayes`). :func:`rank_reversal` re-evaluates the model with an
alternative removed or added and reports every change of order.

R ahp parity: ``evaluate()``'s defaults (eigenvector, weighted arithmetic AIP,
distributive, consistency ratio with Alonso & Lamata's random index) reproduce R ahp's
``Calculate``; :meth:`DecisionResult.analyze` is its ``Analyze`` table.

The package, one concern per module: :mod:`._options` (:class:`DecisionOptions` and the
names), :mod:`._engine` (the synthesis), :mod:`._result` (the results),
:mod:`._model` (:class:`DecisionModel`) and :mod:`._rank_reversal` (:func:`rank_reversal`).
"""

from __future__ import annotations

from ahpstat.alternatives._model import DecisionModel
from ahpstat.alternatives._options import AGGREGATIONS, AIP_MEANS, GROUP, MODES, DecisionOptions
from ahpstat.alternatives._rank_reversal import rank_reversal
from ahpstat.alternatives._result import DecisionBayesResult as DecisionBayesResult
from ahpstat.alternatives._result import DecisionBootstrapResult, DecisionResult

__all__ = [
    "AGGREGATIONS",
    "AIP_MEANS",
    "GROUP",
    "MODES",
    "DecisionBootstrapResult",
    "DecisionModel",
    "DecisionOptions",
    "DecisionResult",
    "rank_reversal",
]
