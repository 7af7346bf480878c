"""The PyMC side of :mod:`ahpstat.bayes`: the judgments' likelihood as one compiled op, and
the model.

Written with PyTensor's own ops, the likelihood of a few thousand judgments is a graph of a
hundred nodes (gathers by expert and element, the censored normal with a switch over the
tails, its gradient's scatter-adds), each compiled by numba on its own: tens of seconds of
compilation, and PyTensor evaluates every branch of a switch. Here it is one op that returns
the total log-likelihood and its gradient from one pass of one numba kernel over all
judgments (:func:`ahpstat._bayes_model.loglik_value_and_grad`; its per-judgment twin
:func:`~ahpstat._bayes_model.loglik_draw` gives the ``log_likelihood`` group): the graph holds
the priors and one likelihood node, whatever the size of the panel.

Only :mod:`ahpstat.bayes` imports this module, when a model is built (PyMC is optional).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import disconnected_type, grad_not_implemented
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.link.numba.dispatch.basic import register_funcify_and_cache_key

from ahpstat._bayes_model import block_basis, judgment_bounds, loglik_zero_sum

__all__ = ["JudgmentLogLik", "build_model", "model_data"]

_VERSION = "ahpstat-judgment-loglik-4"
_PARAMS = ("eta", "tau", "zeta", "log_sigma", "kl")
_DATA = ("lower", "upper", "row", "col", "expert", "weight", "element_node", "log_u",
         "offsets")



class JudgmentLogLik(Op):
    """Total weighted log-likelihood of the judgments and its gradient, in one pass.

    Inputs: the parameters ``eta, tau, zeta, log_sigma, kl`` (``eta`` ``(E - G,)`` and
    ``zeta`` ``(K, E - G)``: the zero-sum log-priorities and expert offsets, ``n - 1`` free
    values per node) and the data ``lower, upper, row, col, expert, weight, element_node,
    log_u, offsets`` (see :func:`ahpstat._bayes_model.loglik_value_and_grad`);
    outputs: the total and its gradient with respect to each parameter, so that PyTensor's
    gradient of the total reuses the same node (one kernel call per log-density evaluation).
    ``point`` (continuous judgments) is a property; ``log_u`` (the lapse density, an array of
    one) is data.
    """

    __props__ = ("point",)

    def __init__(self, point: bool) -> None:
        self.point = bool(point)

    def make_node(self, *inputs: Any) -> Apply:
        ins = [pt.as_tensor_variable(x) for x in inputs]
        outs = [pt.dscalar(), *(x.type() for x in ins[:len(_PARAMS)])]
        return Apply(self, ins, outs)

    def perform(self, node: Any, inputs: Any, outputs: Any) -> None:
        eta, tau, zeta, ls, kl, lower, upper, row, col, k, w, enode, log_u, offsets = inputs
        total, *d = loglik_zero_sum(eta, tau, zeta, enode, offsets, ls, kl, lower, upper,
                                    self.point, row, col, k, w, float(log_u[0]))
        outputs[0][0] = np.asarray(total)
        for out, val in zip(outputs[1:], d, strict=True):
            out[0] = val

    def infer_shape(self, fgraph: Any, node: Any, shapes: Any) -> list[Any]:
        return [(), *shapes[:len(_PARAMS)]]

    def connection_pattern(self, node: Any) -> list[list[bool]]:
        n_out = 1 + len(_PARAMS)
        return [[True] * n_out] * len(_PARAMS) + [[False] * n_out] * len(_DATA)

    def grad(self, inputs: Any, output_grads: Any) -> list[Any]:
        from pytensor.gradient import DisconnectedType

        if any(not isinstance(g.type, DisconnectedType) for g in output_grads[1:]):
            return [grad_not_implemented(self, i, x) for i, x in enumerate(inputs)]
        g = output_grads[0]
        outs = cast(list[Any], self(*inputs))
        return [g * d for d in outs[1:]] + [disconnected_type() for _ in _DATA]


@register_funcify_and_cache_key(JudgmentLogLik)
def _funcify_loglik(op: JudgmentLogLik, node: Any = None, **kwargs: Any) -> tuple[Any, str]:
    import numba

    point = op.point

    @numba.njit
    def judgment_loglik(eta, tau, zeta, ls, kl, lower, upper, row, col, k, w, enode, log_u,
                        offsets):  # pragma: no cover - compiled
        total, d_eta, d_tau, d_zeta, d_ls, d_kl = loglik_zero_sum(
            eta, tau, zeta, enode, offsets, ls, kl, lower, upper, point, row, col, k, w,
            log_u[0])
        return np.asarray(total), d_eta, d_tau, d_zeta, d_ls, d_kl

    return judgment_loglik, f"{_VERSION}-{point}"


# --------------------------------------------------------------------------- the model
def _contrast_labels(panel: Any) -> list[str]:
    """``node:k`` for the ``n - 1`` free (Helmert) values of each judged node."""
    return [f"{v}:{k}" for v, n in zip(panel.judged, panel.sizes, strict=True)
            for k in range(1, int(n))]


def model_data(panel: Any) -> dict[str, np.ndarray]:
    """The model's ``pm.Data`` by name (what :meth:`BayesianAHP.set_judgments` swaps)."""
    lower, upper, _ = judgment_bounds(panel)
    return {
        "judgment_lower": lower, "judgment_upper": upper,
        "judgment_row": panel.row, "judgment_col": panel.col,
        "judgment_expert": panel.expert,
        "judgment_weight": panel.expert_weights[panel.expert],
        "element_node": panel.element_node,
        "lapse_log_density": np.array([panel.lapse_log_density()]),
        "log_judgment_observed": panel.log_value,
    }


def _judgment_random(panel: Any) -> Any:
    """``random(eta, tau, zeta, log_sigma, kl, weight, rng, size)`` for ``pm.CustomDist``:
    every judgment given again (:func:`ahpstat._bayes_model.replicate_judgments`, one draw).
    """
    from ahpstat._bayes_model import (
        expert_log_priorities,
        obs_columns,
        replicate_judgments,
        zero_sum,
    )

    def random(eta: Any, tau: Any, zeta: Any, log_sigma: Any, kl: Any, weight: Any,
               rng: Any = None, size: Any = None) -> Any:
        deviation = np.size(zeta) > 0
        mu = zero_sum(np.asarray(eta)[None], panel.offsets)
        theta = expert_log_priorities(
            mu, np.asarray(tau)[None] if deviation else None,
            zero_sum(np.asarray(zeta)[None], panel.offsets) if deviation else None,
            panel.element_node)
        ri, ci = obs_columns(panel, deviation)
        lapse = None if not np.isfinite(kl[1]) else np.exp(np.asarray([kl[1]]))
        sigma = np.exp(np.asarray(log_sigma, dtype=float))[None, :]
        return replicate_judgments(panel, theta, sigma, lapse, rng, row=ri, col=ci)[0]

    return random


def build_model(panel: Any, lay: Any, cfg: dict[str, Any], item_means: Any = None) -> Any:
    """The PyMC model of ``panel`` (see :class:`ahpstat.bayes.BayesianAHP` for the maths).

    One vector of log-priorities over all judged elements, one matrix of expert offsets (both
    zero-sum within each node: ``n - 1`` free values per node of ``n`` elements, expanded
    inside the likelihood op) and one likelihood op over all judgments (index arrays): no
    Python loop over nodes or experts in the graph, so its size does not grow with the
    hierarchy or the panel.
    """
    import pymc as pm

    h = panel.hierarchy
    K = len(panel.experts)
    deviation = bool(cfg["expert_deviation"])
    coords: dict[str, Any] = {
        "node": list(h.nodes), "element": list(panel.elements),
        "judged_node": list(panel.judged), "expert": list(panel.experts),
        "contrast": _contrast_labels(panel),
    }
    if item_means is not None:
        coords["group"] = list(item_means.index)
        coords["leaf"] = list(h.leaves)
    enode = panel.element_node
    point = judgment_bounds(panel)[2]
    op = JudgmentLogLik(point)
    B = block_basis(panel.offsets)  # the deterministics' zero-sum expansion (not in the gradient)
    offsets = pt.as_tensor(np.asarray(panel.offsets, dtype=np.int64))
    with pm.Model(coords=coords) as model:
        data = [pm.Data(name, value) for name, value in model_data(panel).items()]

        eta = pm.Normal("log_priority_raw", 0.0, cfg["priority_sigma"], dims="contrast")
        if deviation:
            tau = pm.HalfNormal("tau", cfg["tau_sigma"], dims="judged_node")
            z = pm.Normal("expert_offset_raw", 0.0, 1.0, dims=("expert", "contrast"))
        else:
            tau, z = pt.zeros(0), pt.zeros((0, 0))
        ls = cfg["log_sigma_mu"]
        if cfg["shared_sigma"]:
            s = pm.LogNormal("sigma_shared", ls["mu"], ls["sigma"])
            log_sigma = pt.log(s) * pt.ones(K)
        else:
            m = pm.Normal("log_sigma_mu", ls["mu"], ls["sigma"])
            sd = pm.HalfNormal("log_sigma_sd", cfg["log_sigma_sd"])
            u = pm.Normal("sigma_offset", 0.0, 1.0, dims="expert")
            log_sigma = m + sd * u
        pm.Deterministic("sigma", pt.exp(log_sigma), dims="expert")
        if cfg["error"] == "lapse":
            pi = pm.Beta("lapse", cfg["lapse_prior"]["alpha"], cfg["lapse_prior"]["beta"])
            kl = pt.stack([pt.log1p(-pi), pt.log(pi)])
        else:
            kl = pt.as_tensor(np.array([0.0, -np.inf]))

        def logp(value: Any, eta: Any, tau: Any, z: Any, log_sigma: Any, kl: Any,
                 weight: Any) -> Any:
            # continuous judgments: the value itself; a discrete scale: the value's interval
            lo, hi = (value, value) if point else (data[0], data[1])
            outs = cast(list[Any], op(eta, tau, z, log_sigma, kl, lo, hi, *data[2:5], weight,
                                      *data[6:8], offsets))
            return outs[0]

        pm.CustomDist("log_judgment", eta, tau, z, log_sigma, kl, data[5], logp=logp,
                      random=_judgment_random(panel),
                      signature="(f),(g),(k,f),(k),(two),(o)->(o)", observed=data[8])

        # ---- labelled products (computed once per draw, not in the gradient)
        valid = np.asarray(lay.pad_valid)
        pad = np.asarray(lay.pad_index)

        def local_weights(x: Any) -> Any:
            xp = pt.where(valid, x[pad], -np.inf)
            w = pt.special.softmax(xp, axis=1).ravel()[lay.element_pad]
            return pt.concatenate([pt.ones(1), w])[lay.node_source]

        mu = pm.Deterministic("log_priority", pt.dot(B, eta), dims="element")
        lw = pm.Deterministic("local_weight", local_weights(mu), dims="node")
        gw = pm.Deterministic("global_weight", pt.exp(pt.dot(lay.ancestors, pt.log(lw))),
                              dims="node")
        if deviation:
            z_new = pm.Normal("new_expert_offset", 0.0, 1.0, dims="element")
            lw_new = pm.Deterministic("new_expert_local_weight",
                                      local_weights(mu + tau[enode] * z_new), dims="node")
            pm.Deterministic("new_expert_global_weight",
                             pt.exp(pt.dot(lay.ancestors, pt.log(lw_new))), dims="node")
        if item_means is not None:
            leaf_pos = [h.nodes.index(leaf) for leaf in h.leaves]
            X = pm.Data("item_means", item_means.to_numpy(dtype=float), dims=("group", "leaf"))
            M = h.membership()
            g = gw[leaf_pos]
            pm.Deterministic("score", pt.dot(g[None, :] * X, M.T) / pt.dot(g, M.T)[None, :],
                             dims=("group", "node"))
    return model
