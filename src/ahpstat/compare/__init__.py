"""Compare weighting methods: discrepancy, order preservation, efficiency, rank agreement.

Numpy core (batched over leading axes like :func:`ahpstat.weights`) under a labelled layer:
:func:`compare_methods` weights one or many matrices by several methods and measures how well
each weight vector ``w`` represents its matrix ``A``; :func:`compare_study` re-runs a
study's panel under every method and says which nodes' weight order and which groups' ranks
change.

Measures (``i != j`` runs over all ordered pairs of a complete matrix)

``euclidean_distance``
    ``ED = sqrt(sum_{i != j} (a_ij - w_i / w_j)^2)`` (Takeda, Cogger & Yu 1987; the fit
    criterion of Golany & Kress 1993 and Choo & Wedley 2004).
``total_deviation``
    ``TD = sum_{i != j} |a_ij - w_i / w_j|``, the absolute counterpart (some authors call
    ``ED^2`` the total deviation; it is ``euclidean_distance ** 2`` here).
``minimum_violations``
    ``MV = sum_{i != j} I_ij`` with ``I_ij = 1`` if ``w_i > w_j`` but ``a_ij < 1``,
    ``1/2`` if ``w_i = w_j`` and ``a_ij != 1`` or ``w_i != w_j`` and ``a_ij = 1``, else 0
    (Golany & Kress 1993; Choo & Wedley 2004): how often the weights reverse or tie a
    stated preference.
``gci``
    ``2 / ((n - 1)(n - 2)) sum_{i<j} log^2(a_ij w_j / w_i)`` with the method's own ``w``
    (with row-geometric-mean weights it is the GCI of Aguarón & Moreno-Jiménez 2003).
``pop_violations``, ``poip_violations``
    The conditions of order preservation (Bana e Costa & Vansnick 2008): preservation of
    order of preference, ``a_ij > 1 => w_i > w_j`` (violations: pairs ``i < j``), and of
    order of intensity of preference, ``a_ij > 1, a_kl > 1, a_ij > a_kl =>
    w_i / w_j > w_k / w_l`` (violations: such pairs of judgments).
``efficient``, ``dominating``
    Pareto efficiency (Blanquero, Carrizosa & Conde 2006): ``w`` is efficient when no
    ``w'`` has ``|a_ij - w'_i / w'_j| <= |a_ij - w_i / w_j|`` for all ``i, j`` with strict
    inequality for some. Tested by the strong connectivity of the digraph with an arc
    ``i -> j`` whenever ``w_i / w_j >= a_ij`` (Blanquero et al. 2006, Corollary 10); an
    inefficient vector gets an efficient dominating one from the linear program of Bozóki &
    Fülöp (2018) (``scipy.optimize.linprog``).

Rank agreement between two methods' weights: Kendall's tau-b (Kendall 1945;
``scipy.stats.kendalltau``) and the weighted rank correlation ``r_W`` of Pinto da Costa &
Soares (2005), which weighs disagreements at the top of the order more.

The package, one concern per module: :mod:`._study` (:func:`compare_study`) over
:mod:`._methods` (:func:`compare_methods`) over :mod:`._measures` (the numpy measures and
:func:`descending_ranks`).
"""

from __future__ import annotations

from ahpstat.compare._measures import (
    TIE_RTOL,
    descending_ranks,
    euclidean_distance,
    kendall_tau,
    minimum_violations,
    order_violations,
    pareto_efficiency,
    total_deviation,
    weighted_spearman,
)
from ahpstat.compare._methods import DEFAULT_METHODS, MethodComparison, compare_methods
from ahpstat.compare._study import StudyComparison, compare_study

__all__ = [
    "DEFAULT_METHODS",
    "TIE_RTOL",
    "MethodComparison",
    "StudyComparison",
    "compare_methods",
    "compare_study",
    "descending_ranks",
    "euclidean_distance",
    "kendall_tau",
    "minimum_violations",
    "order_violations",
    "pareto_efficiency",
    "total_deviation",
    "weighted_spearman",
]
