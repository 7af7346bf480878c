"""Products of the posterior draws in numpy: the experts' log-priorities, the pointwise
log-likelihood (the model's own kernel, draw by draw), the posterior predictive judgments and
the credal table ``P(w_i > w_j)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._bayes_model._data import Panel
from ahpstat._bayes_model._kernels import loglik_theta_draws
from ahpstat._numba import njit

__all__ = [
    "credal_table",
    "expert_log_priorities",
    "judgment_bounds",
    "lapse_logs",
    "obs_columns",
    "pointwise_loglik",
    "predictive_kernels_loaded",
    "replicate_judgments",
]


def expert_log_priorities(mu: np.ndarray, tau: np.ndarray | None, offset: np.ndarray | None,
                          element_node: np.ndarray) -> np.ndarray:
    """``theta[s, k, e] = mu[s, e] + tau[s, node(e)] * offset[s, k, e]`` as ``(S, K * E)``."""
    if tau is None or offset is None:
        return mu
    c = np.ascontiguousarray
    theta = np.empty(offset.shape)
    _theta_draws(c(mu, dtype=float), c(tau, dtype=float), c(offset, dtype=float),
                 np.asarray(element_node, dtype=np.int64), theta)
    return theta.reshape(offset.shape[0], -1)


@njit(fastmath=False, nogil=True)
def _theta_draws(mu, tau, offset, element_node, out):  # pragma: no cover - compiled
    """``out[s, k, e] = mu[s, e] + tau[s, node(e)] * offset[s, k, e]`` (one pass, no
    temporaries).
    """
    for s in range(out.shape[0]):
        for k in range(out.shape[1]):
            for e in range(out.shape[2]):
                out[s, k, e] = mu[s, e] + tau[s, element_node[e]] * offset[s, k, e]


def obs_columns(panel: Panel, deviation: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each judgment's two columns of ``theta`` (flat ``(K * E)`` with expert deviations)."""
    E = len(panel.elements)
    if not deviation:
        return panel.row, panel.col
    return panel.expert * E + panel.row, panel.expert * E + panel.col


def judgment_bounds(panel: Panel) -> tuple[np.ndarray, np.ndarray, bool]:
    """``lower, upper, point`` as the likelihood kernels take them: each judgment's interval
    of the latent log ratio (discrete scale), or its log value twice (continuous, ``point``).
    """
    if panel.scale_log is None:
        return panel.log_value, panel.log_value, True
    lo, hi = panel.bounds()
    return lo, hi, False


def lapse_logs(lapse: np.ndarray | None, S: int) -> np.ndarray:
    """``(S, 2)``: ``log(1 - pi), log pi`` per draw (``0, -inf`` without lapses)."""
    if lapse is None:
        return np.tile([0.0, -np.inf], (S, 1))
    lapse = np.asarray(lapse, dtype=float)
    with np.errstate(divide="ignore"):
        return np.stack([np.log1p(-lapse), np.log(lapse)], axis=1)


def pointwise_loglik(panel: Panel, mu: np.ndarray, tau: np.ndarray | None,
                     z: np.ndarray | None, sigma: np.ndarray,
                     lapse: np.ndarray | None) -> np.ndarray:
    """Weighted log-likelihood of every judgment at every draw, ``(S, O)``: the model's own
    likelihood kernel, draw by draw.

    ``mu`` ``(S, E)``, ``tau`` ``(S, G)`` and ``z`` ``(S, K, E)`` (``None`` without expert
    deviations), ``sigma`` ``(S, K)``, ``lapse`` ``(S,)`` or ``None``. Computed as the
    sampled density computes it (:func:`~ahpstat._bayes_model._kernels.loglik_theta_draws`).
    """
    S = mu.shape[0]
    out = np.empty((S, panel.n_obs))
    if tau is None or z is None:
        tau, z = np.zeros((S, 0)), np.zeros((S, 0, 0))
    lower, upper, point = judgment_bounds(panel)
    c = np.ascontiguousarray
    loglik_theta_draws(c(mu, dtype=float), c(tau, dtype=float), c(z, dtype=float),
                 panel.element_node, np.log(c(sigma, dtype=float)), lapse_logs(lapse, S),
                 lower, upper, point, panel.row, panel.col, panel.expert,
                 panel.expert_weights[panel.expert], panel.lapse_log_density(), out)
    return out


def replicate_judgments(panel: Panel, theta: np.ndarray, sigma: np.ndarray,
                        lapse: np.ndarray | None, rng: np.random.Generator, *,
                        row: np.ndarray, col: np.ndarray, chunk: int = 256,
                        tau: np.ndarray | None = None,
                        offset: np.ndarray | None = None) -> np.ndarray:
    """Posterior predictive log-judgments ``(S, O)``: every judgment given again by its expert.

    Latent ``log a = theta_i - theta_j + sigma_k * z``, then (discrete scale) the scale value
    whose interval holds it; with probability ``lapse`` a random answer instead (uniform over
    the scale, or over ``[-R, R]`` for continuous judgments, see
    :meth:`Panel.lapse_log_density`).

    ``theta`` ``(S, C)``: the log-priorities by column (``row``, ``col``), or, with ``tau``
    ``(S, G)`` and ``offset`` ``(S, K, E)`` given, ``mu`` ``(S, E)``, from which each chunk of
    ``chunk`` draws makes its own :func:`expert_log_priorities` (the same values, without the
    ``(S, K E)`` array). The random numbers are drawn chunk by chunk in one stream, into
    buffers reused from chunk to chunk.
    """
    S, n = theta.shape[0], panel.n_obs
    out = np.empty((S, n))
    theta = np.ascontiguousarray(theta, dtype=float)
    sigma = np.ascontiguousarray(sigma, dtype=float)
    ri, ci = np.asarray(row, dtype=np.int64), np.asarray(col, dtype=np.int64)
    expert = np.asarray(panel.expert, dtype=np.int64)
    log_scale = panel.scale_log
    # the kernel's scale and interval midpoints (empty: continuous judgments)
    values = np.empty(0) if log_scale is None else np.asarray(log_scale, dtype=float)
    mid = 0.5 * (values[1:] + values[:-1])
    lapse_p = np.empty(0) if lapse is None else np.ascontiguousarray(lapse, dtype=float)
    no_u, no_pick, no_rand = np.empty((0, 0)), np.empty((0, 0), dtype=np.int64), np.empty((0, 0))
    c = min(S, chunk)
    normal_buf = np.empty((c, n))
    u_buf = np.empty((c, n)) if lapse is not None else no_u
    parts = None
    if tau is not None and offset is not None:
        parts = (np.ascontiguousarray(tau, dtype=float),
                 np.ascontiguousarray(offset, dtype=float),
                 np.asarray(panel.element_node, dtype=np.int64),
                 np.empty((c, *offset.shape[1:])))
    for a in range(0, S, chunk):
        b = min(S, a + chunk)
        # the random numbers in the order the numpy expression drew them: the normal errors,
        # then (lapses) the lapse indicators' uniforms and the random answers
        normal = rng.standard_normal(out=normal_buf[:b - a])
        u, pick, rand = no_u, no_pick, no_rand
        if lapse is not None:
            u = rng.random(out=u_buf[:b - a])
            if log_scale is not None:
                pick = rng.integers(0, log_scale.size, size=(b - a, n))
            else:
                half = panel.lapse_half_range()
                rand = rng.uniform(-half, half, size=(b - a, n))
        if parts is not None:
            tau_, offset_, enode, theta_buf = parts
            t = theta_buf[:b - a]
            _theta_draws(theta[a:b], tau_[a:b], offset_[a:b], enode, t)
            th = t.reshape(b - a, -1)
        else:
            th = theta[a:b]
        _latent_judgments(th, sigma[a:b], ri, ci, expert, normal, values, mid, u, lapse_p[a:b],
                          pick, rand, out[a:b])
    return out


def predictive_kernels_loaded() -> bool:
    """Whether this process holds the posterior predictive's compiled kernel already
    (compiled here or loaded from numba's cache by an earlier call).
    """
    return bool(_latent_judgments.signatures)


@njit(fastmath=False, nogil=True)
def _latent_judgments(theta, sigma, row, col, expert, normal, values, mid, u, lapse, pick,
                      rand, out):  # pragma: no cover - compiled
    """``out[s, o] = theta[s, row[o]] - theta[s, col[o]] + sigma[s, expert[o]]
    * normal[s, o]``, then (discrete scale: ``values`` the scale's log values, ``mid`` the
    midpoints between them; both empty for continuous judgments) the scale value whose
    interval holds it, ``values[searchsorted(mid, y)]`` (the first ``mid >= y``, counted as
    the number of midpoints below ``y``; NaN past the end, as numpy sorts it); then (a lapse:
    ``u`` not empty) a random answer where ``u[s, o] < lapse[s]``: ``values[pick[s, o]]`` on
    a discrete scale, ``rand[s, o]`` otherwise. The same operations in the same order as the
    numpy expressions it replaces (``numpy.where(u < lapse, answer, y)``; so the same
    values). One draw at a time in three passes over its row of ``out`` (latent values,
    scale values, lapses), each without branches but the lapses': 0.29x the time of one
    pass with a branch per judgment (``benchmarks/README.md``, 2026-12-04 afternoon).
    """
    discrete = values.size > 0
    lapses = u.shape[0] > 0
    m = mid.size
    n = normal.shape[1]
    for s in range(normal.shape[0]):
        th, sg, z, o_s = theta[s], sigma[s], normal[s], out[s]
        for o in range(n):
            o_s[o] = (th[row[o]] - th[col[o]]) + sg[expert[o]] * z[o]
        if discrete:
            for o in range(n):
                y = o_s[o]
                below = 0
                for j in range(m):
                    below += mid[j] < y
                o_s[o] = values[m if y != y else below]
        if lapses:
            pi = lapse[s]
            for o in range(n):
                if u[s, o] < pi:
                    o_s[o] = values[pick[s, o]] if discrete else rand[s, o]


def credal_table(hierarchy: Any, judged: tuple[str, ...], draws: Mapping[str, np.ndarray],
                 columns: Mapping[str, str]) -> pd.DataFrame:
    """``P(w_i > w_j)`` for every ordered pair of siblings of every judged node.

    ``draws[name]`` is ``(S, N)`` local weights over the hierarchy's nodes (pre-order), one
    array per kind of weight; ``columns`` maps each name to its output column.
    """
    pos = {v: p for p, v in enumerate(hierarchy.nodes)}
    rows: list[tuple[Any, ...]] = []
    for v in judged:
        kids = hierarchy.children(v)
        idx = [pos[c] for c in kids]
        probs = []
        for name in columns:
            w = draws[name][:, idx]  # (S, n)
            probs.append((w[:, :, None] > w[:, None, :]).mean(axis=0))
        for a, ca in enumerate(kids):
            for b, cb in enumerate(kids):
                if a != b:
                    rows.append((v, ca, cb, *(float(p[a, b]) for p in probs)))
    return pd.DataFrame(rows, columns=["node", "element_i", "element_j", *columns.values()])
