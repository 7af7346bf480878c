"""Objective (data-driven) criteria weights and their combination with subjective weights.

Indicator-system studies weight their items twice: by experts (AHP, *subjective*) and from the
data (*objective*: the entropy weight method, CRITIC, standard-deviation or coefficient-of-
variation weights), and then combine the two (组合赋权). This module is the numpy core: every
function works on a decision matrix ``X`` of ``m`` units (rows: respondents, or groups) by
``n`` items (columns), batched over leading axes, with optional *frequencies* of the rows -- how
often each row counts, so that a bootstrap resample (rows drawn with repeats) or a
leave-one-out jackknife (one row with frequency 0) is the same computation with other
frequencies. ``NaN`` is a missing answer: every statistic of an item uses the rows that answered
it (correlations use the rows that answered both items).

Methods
-------
``entropy``
    Shannon's entropy weight method (Zeleny 1982, ch. 7; Hwang & Yoon 1981, §4.1): with
    ``p_ij`` the share of unit ``i`` in item ``j`` after a normalisation,
    ``e_j = -(1 / ln n_j) sum_i p_ij ln p_ij`` (``n_j`` units answered item ``j``),
    ``d_j = 1 - e_j`` (divergence) and ``w_j = d_j / sum_k d_k``. Two normalisations, named:
    ``"proportion"`` (``p_ij = x_ij / sum_i x_ij``, the data must be non-negative) and
    ``"minmax"`` (``z_ij = (x_ij - min_i x_ij) / (max_i x_ij - min_i x_ij)`` first, then
    ``p_ij = z_ij / sum_i z_ij``; the usual choice of the Chinese 熵权法 literature, which makes
    the item's lowest answer a zero).
``critic``
    CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995): min-max normalised items ``z_j``, their
    standard deviations ``s_j`` and Pearson correlations ``r_jk``; the information of item
    ``j`` is ``C_j = s_j sum_k (1 - r_jk)`` and ``w_j = C_j / sum_k C_k``.
``sd``
    Standard-deviation weights ``w_j = s_j / sum_k s_k`` on the raw items (which share one
    answer scale in a survey; Jahan & Edwards 2013 use them on normalised data).
``cv``
    Coefficient-of-variation weights ``w_j = v_j / sum_k v_k``, ``v_j = s_j / |mean_j|``.

Standard deviations are sample ones (``ddof=1``) over the units (with frequencies, over the
``sum f`` rows they stand for), as pymcdm and pyDecision compute them.

Degenerate cases, handled explicitly (each with a :class:`~ahpstat.DegenerateDataWarning`)
    *Zeros*: ``0 ln 0 = 0`` (the limit; Shannon's convention), so a unit with share 0 adds no
    entropy. With ``shift > 0`` the shares are computed from ``z + shift`` instead (some papers
    shift the min-max values by 0.0001 or 0.01 to avoid the zeros; say which). pymcdm instead
    sets the whole item's entropy to 0 once it holds a zero -- not done here.
    *A constant item* (every answer equal) carries no information: its divergence, standard
    deviation and CRITIC information are exactly 0, so its weight is 0; CRITIC leaves it out of
    the other items' conflict sums (as if it were not in the matrix: adding a constant item
    changes no other weight). Its coefficient of variation is 0 as well.
    *Fewer than two answers* to an item, or every item constant, or a zero mean for ``cv``: the
    weights are undefined -- ``NaN``.

Combination (:func:`combine_weights`)
-------------------------------------
``multiplicative``
    ``w_j = prod_k u_kj / sum_i prod_k u_ki`` (multiplicative normalisation, 乘法合成归一化).
``linear``
    ``w = sum_k alpha_k u_k`` with stated coefficients (for two vectors, ``alpha`` on the
    first -- by convention the subjective one -- and ``1 - alpha`` on the second).
``game_theory``
    The game-theory (minimum-deviation) combination (Lai et al. 2015, after the 博弈论组合赋权
    literature): the coefficients ``alpha`` minimise ``|| sum_k alpha_k u_k - u_i ||_2`` for
    every ``i`` at once, whose first-order condition is the linear system
    ``sum_k alpha_k (u_i . u_k) = u_i . u_i`` (``i = 1..K``); then ``alpha* = |alpha| /
    sum |alpha|`` and ``w = sum_k alpha*_k u_k``. Linearly dependent vectors (e.g. identical
    ones) make the system singular: the minimum-norm solution is used (pseudo-inverse), which
    gives identical vectors equal coefficients.

References
----------
Diakoulaki, D., Mavrotas, G. & Papayannakis, L. (1995). Determining objective weights in
multiple criteria problems: the CRITIC method. Computers & Operations Research 22(7), 763-770.
Hwang, C.-L. & Yoon, K. (1981). Multiple Attribute Decision Making. Springer.
Jahan, A. & Edwards, K. L. (2013). Weighting of dependent and target-based criteria for optimal
decision-making in materials selection process. Materials & Design 49, 1000-1008.
Lai, C., Chen, X., Chen, X., Wang, Z., Wu, X. & Zhao, S. (2015). A fuzzy comprehensive
evaluation model for flood risk based on the combination weight of game theory. Natural
Hazards 77, 1243-1259.
Zeleny, M. (1982). Multiple Criteria Decision Making. McGraw-Hill.

The package, one concern per module: :mod:`._methods` (the four methods and
:func:`objective_weights`) and :mod:`._combine` (:func:`combine_weights`) over :mod:`._data`
(the validated decision matrix and its items' values with counts) over :mod:`._shared` (what a
shared matrix contributes to every resample, computed once), with the results in
:mod:`._result`; the layers are an import-linter contract (docs/architecture.md).
"""

from __future__ import annotations

from ahpstat.objective._combine import COMBINATION_METHODS, combine_weights
from ahpstat.objective._methods import (
    ENTROPY_NORMALIZATIONS,
    OBJECTIVE_METHODS,
    critic_weights,
    cv_weights,
    entropy_weights,
    objective_weights,
    sd_weights,
)
from ahpstat.objective._result import CombinedWeights, ObjectiveWeights

__all__ = [
    "COMBINATION_METHODS",
    "ENTROPY_NORMALIZATIONS",
    "OBJECTIVE_METHODS",
    "CombinedWeights",
    "ObjectiveWeights",
    "combine_weights",
    "critic_weights",
    "cv_weights",
    "entropy_weights",
    "objective_weights",
    "sd_weights",
]
