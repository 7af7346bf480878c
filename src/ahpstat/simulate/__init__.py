"""Simulated expert panels and Likert surveys with known truth.

Every generator draws only from a keyword-only ``rng`` (normalized with
``np.random.default_rng``) and returns data in the layouts the rest of the package reads, so a
simulated study runs through :func:`ahpstat.io.judgment_stacks`, :func:`ahpstat.panel.run_panel`,
:func:`ahpstat.bootstrap.joint_bootstrap` or, written to files, :class:`ahpstat.Study`.

Panel model (:func:`simulate_panel`)
    Expert ``k``'s log-priorities at node ``g`` are ``theta_kg = log w_g + expert_sd * z_kg``
    with ``z_kg`` standard normal and centred over the node's elements (so the experts scatter
    around the true local weights ``w_g``); a judgment is
    ``log a_ij = theta_i - theta_j + sigma_k * eps_ij`` (upper triangle only), with
    ``sigma_k = noise_sd`` or ``erratic_sd`` for erratic experts, then optionally rounded to the
    nearest value of Saaty's scale (in log space, clipped to 1/9..9). This is the log-linear
    judgment model of docs/methods.md (Crawford & Williams 1985).

Survey model (:func:`simulate_survey`)
    Respondent ``r`` of group ``g`` has the latent answer to item ``i``
    ``y_ri = mu_i + u_g + v_r + e_ri`` with ``u_g ~ N(0, group_sd^2)``,
    ``v_r ~ N(0, respondent_sd^2)``, ``e_ri ~ N(0, noise_sd^2)``; the Likert answer is the
    lowest category plus the number of thresholds below ``y_ri`` (default thresholds halfway
    between categories, i.e. rounding to the nearest category, clipped to the range). Its
    expected value, :func:`expected_likert_mean`, is exact, so the true item means and the true
    composite scores of a simulated study are known.

Common random numbers: the draws of a generator depend on the sizes only, never on the
parameter values, so e.g. the same ``rng`` with ``missing=0.2`` deletes judgments from the
panel that ``missing=0`` gives, and moving ``item_means`` moves every latent answer alike.

The package, one concern per module: :mod:`._panel` (judgments) | :mod:`._survey` (Likert
answers) over :mod:`._checks` (their shared argument checks).
"""

from __future__ import annotations

from ahpstat.simulate._panel import (
    random_reciprocal_matrices,
    random_weights,
    simulate_matrices,
    simulate_panel,
)
from ahpstat.simulate._survey import (
    expected_likert_mean,
    latent_means,
    simulate_survey,
    true_scores,
)

__all__ = [
    "expected_likert_mean",
    "latent_means",
    "random_reciprocal_matrices",
    "random_weights",
    "simulate_matrices",
    "simulate_panel",
    "simulate_survey",
    "true_scores",
]
