r"""Bayesian aggregation of a panel's pairwise judgments (PyMC), propagated to weights and ranks.

One joint model over every node of the hierarchy and every expert; the maths, the priors and
the evidence behind them are in ``docs/bayes_model.md``. For expert ``k``'s judgment of the
children ``i < j`` of node ``g``:

.. math::

    \log a_{kij} \mid \text{latent}: \quad
    y^*_{kij} = \theta_{ki} - \theta_{kj} + \varepsilon_{kij},
    \qquad \varepsilon_{kij} \sim (1 - \pi)\,N(0, \sigma_k^2) + \pi\,\text{(a random answer)},

    \theta_{k\cdot} = \mu + \tau_{g(\cdot)} z_{k\cdot}, \quad
    \mu_e \sim N(0, s_\mu^2), \quad z_{ke} \sim N(0, 1), \quad
    \tau_g \sim \text{HalfNormal}(s_\tau),

    \log\sigma_k = m + s\,u_k, \quad u_k \sim N(0, 1), \quad m \sim N(m_0, s_m^2), \quad
    s \sim \text{HalfNormal}(s_s), \qquad \pi \sim \text{Beta}(a, b).

A judgment given on a discrete scale (Saaty's 1/9..9) is an interval-censored observation of
``y*``: it says that ``y*`` lies between the log-space midpoints to the neighbouring scale
values (``9`` means "``9`` or more"), so its likelihood is a normal probability mass, never
a density, and exact agreement (every expert clipping a ratio above 9 to 9) cannot make the
likelihood grow without bound as ``sigma_k -> 0``. Continuous judgments keep the normal
density. A random answer ("lapse", probability ``pi``) is uniform over the scale's values
(continuous: over ``[-R, R]``): a bounded, heavy tail that absorbs a wild or reversed
judgment; ``sigma_k`` (shared by all of expert ``k``'s nodes) down-weights an erratic expert
everywhere. Only the differences ``mu_i - mu_j`` are identified, so ``mu`` and every
``z_k`` sum to zero within each node: ``n - 1`` free (Helmert) values per node of ``n``
elements, expanded inside the likelihood kernel (a per-node mean left to its prior alone
would force the sampler to small steps).

Modules (one concern each; every public name is importable from ``ahpstat.bayes``)
----------------------------------------------------------------------------------
``_model``
    :class:`BayesianAHP`: configuration, validation, the PyMC model (built by
    :mod:`ahpstat._bayes_ops` over the index arrays of :mod:`ahpstat._bayes_model`),
    sampling with progress, provenance.
``_result``
    :class:`BayesResult` (tidy tables from ``az.summary`` over the labelled draws) and the
    per-parameter convergence diagnostics.
``_checks``
    :func:`score_draws` (composite scores draw by draw) and :func:`predictive_checks`.
``_common``
    The optional imports and the thresholds the others share.

PyMC, ArviZ and nutpie are the optional extra ``pip install "ahpstat[bayes]"``; they are
imported only when a model is built or fitted.
"""

from __future__ import annotations

from ahpstat.bayes._checks import predictive_checks, score_draws
from ahpstat.bayes._model import BayesianAHP
from ahpstat.bayes._result import BayesResult

__all__ = ["BayesResult", "BayesianAHP", "predictive_checks", "score_draws"]
