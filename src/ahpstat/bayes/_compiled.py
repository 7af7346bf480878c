"""The model's log-density for nutpie without a PyTensor graph: numba C callbacks.

:func:`ahpstat._bayes_model.log_density_and_grad` computes the PyMC model's ``model.logp()``
(priors on the unconstrained space, the transforms' Jacobians, the judgments' likelihood) and
its gradient in one numba function; :func:`compile_density` hands it to nutpie through
nutpie's C interface (``nutpie.compile_pymc.CompiledPyMCModel`` with our own callbacks,
:func:`ahpstat._bayes_model.density_cfuncs`): the data reach the callbacks through nutpie's
user-data pointer, so the machine code holds no data and numba caches it on disk (compiled
once per installation, about 11 CPU s; then loaded in a fraction of a second), and the
chains call it without the GIL. Unlike ``nutpie.compile_pymc_model`` it skips PyTensor's
rewrites and the numba compilation of the graph (about 35-45 CPU seconds for the seed study
on an empty cache, repeated whenever the panel's shape changes). The same density is tested
against PyMC's ``model.logp`` and ``model.dlogp`` (``tests/test_bayes_kernel.py``). The
deterministics (weights, sigma, the new expert's weights, scores) are computed from the draws
afterwards, vectorized (:func:`add_products`), exactly as the PyMC model defines them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ahpstat._bayes_model import (
    Layout,
    Panel,
    density_cfuncs,
    density_user_data,
    judgment_bounds,
    log_density_and_grad,
    marginal_density_and_grad,
    offsets_around,
    zero_sum,
)

__all__ = ["Density", "add_products", "canonical_draws", "compile_density", "density"]


@dataclass(frozen=True, eq=False)
class Density:
    """The compiled log-density's arguments and the layout of its parameter vector."""

    flags: np.ndarray
    priors: np.ndarray
    sizes: np.ndarray
    data: tuple[Any, ...]
    names: tuple[str, ...]  # free variables, in the order of the parameter vector
    shapes: tuple[tuple[int, ...], ...]
    dims: dict[str, tuple[str, ...]]
    transforms: tuple[str, ...]  # "none", "log" or "logodds" per free variable
    start: np.ndarray  # the support point on the unconstrained space (PyMC's choice)
    #: the experts' mean offset integrated out (:func:`marginal_density_and_grad`)
    marginal: bool = False

    @property
    def n_dim(self) -> int:
        return int(sum(math.prod(s) for s in self.shapes))

    def logp(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """``(log-density, gradient)`` at ``x`` (the sampler's unconstrained space)."""
        grad = np.empty(x.size)
        f = marginal_density_and_grad if self.marginal else log_density_and_grad
        val = f(x, grad, self.flags, self.priors, self.sizes, *self.data)
        return float(val), grad

    def expand(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The free variables on their own scale (``tau``, not ``log tau``) by name."""
        out = {}
        o = 0
        for name, shape, tr in zip(self.names, self.shapes, self.transforms, strict=True):
            n = math.prod(shape)
            v = x[o:o + n]
            o += n
            if tr == "log":
                v = np.exp(v)
            elif tr == "logodds":
                v = 1.0 / (1.0 + np.exp(-v))
            out[name] = np.asarray(v, dtype=float).reshape(shape)
        return out


def density(panel: Panel, cfg: dict[str, Any], sigma_min: float = 0.0,
            marginal: bool = True) -> Density:
    """The :class:`Density` of ``panel`` under the resolved model configuration ``cfg``.

    With expert deviations and ``marginal`` (what nutpie samples), the experts' mean offset
    is integrated out (:func:`marginal_density_and_grad`): the free variables
    ``expert_mean_raw`` ``(F,)`` and ``expert_deviation_raw`` ``(K - 1, F)`` take the places
    of ``log_priority_raw`` and ``expert_offset_raw`` (:func:`canonical_draws` maps the draws
    back, and draws ``new_expert_offset``, which the marginal integrates out as well);
    ``marginal=False`` is the model's own coordinates, PyMC's free variables.
    ``sigma_min > 0`` (a measurement, not the model: ``BayesianAHP._sigma_min``) bounds the
    experts' inconsistencies below, ``sigma_k = sigma_min + exp(m + s u_k)``.
    """
    K, G, E = len(panel.experts), len(panel.judged), len(panel.elements)
    F = E - G
    dev, shared = bool(cfg["expert_deviation"]), bool(cfg["shared_sigma"])
    lapse = cfg["error"] == "lapse"
    ls = cfg["log_sigma_mu"]
    lp = cfg["lapse_prior"]
    priors = np.array([cfg["priority_sigma"], cfg["tau_sigma"], ls["mu"], ls["sigma"],
                       cfg["log_sigma_sd"], lp["alpha"], lp["beta"]]
                      + ([sigma_min] if sigma_min > 0 else []), dtype=float)
    lower, upper, point = judgment_bounds(panel)
    data = (panel.element_node, panel.offsets, np.ascontiguousarray(lower, dtype=float),
            np.ascontiguousarray(upper, dtype=float), bool(point), panel.row, panel.col,
            panel.expert, np.ascontiguousarray(panel.expert_weights[panel.expert]),
            float(panel.lapse_log_density()))
    # (name, shape, dims, transform, support point on the unconstrained space); PyMC's
    # support points: a normal's mean, a half-normal's scale, a beta's mean
    marginal = marginal and dev
    spec: list[tuple[str, tuple[int, ...], tuple[str, ...], str, float]] = [
        ("expert_mean_raw" if marginal else "log_priority_raw", (F,), ("contrast",), "none",
         0.0)]
    if dev:
        spec += [("tau", (G,), ("judged_node",), "log", math.log(cfg["tau_sigma"]))]
        spec += [("expert_deviation_raw", (K - 1, F), ("expert_contrast", "contrast"), "none",
                  0.0) if marginal else
                 ("expert_offset_raw", (K, F), ("expert", "contrast"), "none", 0.0)]
    if shared:
        spec += [("sigma_shared", (), (), "log", float(ls["mu"]))]
    else:
        spec += [("log_sigma_mu", (), (), "none", float(ls["mu"])),
                 ("log_sigma_sd", (), (), "log", math.log(cfg["log_sigma_sd"])),
                 ("sigma_offset", (K,), ("expert",), "none", 0.0)]
    if lapse:
        mean = lp["alpha"] / (lp["alpha"] + lp["beta"])
        spec += [("lapse", (), (), "logodds", math.log(mean / (1.0 - mean)))]
    if dev and not marginal:  # the marginal leaves them to canonical_draws
        spec += [("new_expert_offset", (E,), ("element",), "none", 0.0)]
    start = np.concatenate([np.full(math.prod(s[1]), s[4]) for s in spec])
    return Density(
        flags=np.array([dev, shared, lapse], dtype=np.int64), priors=priors,
        sizes=np.array([F, G, K, E], dtype=np.int64), data=data,
        names=tuple(s[0] for s in spec), shapes=tuple(s[1] for s in spec),
        dims={s[0]: s[2] for s in spec if s[2]}, transforms=tuple(s[3] for s in spec),
        start=start, marginal=marginal)


def compile_density(dens: Density, coords: dict[str, Any]) -> Any:
    """A nutpie model of ``dens`` through nutpie's C interface: numba C callbacks (no GIL,
    cached on disk: the data come through nutpie's user-data pointer), the free variables as
    draws, PyMC's initialisation (the support point, jittered uniformly in ``(-1, 1)``).
    """
    import pandas as pd
    from nutpie.compile_pymc import CompiledPyMCModel

    logp_c, expand_c = density_cfuncs()
    codes = {"none": 0, "log": 1, "logodds": 2}
    transform = np.concatenate([np.full(math.prod(s), codes[t], dtype=np.int64)
                                for s, t in zip(dens.shapes, dens.transforms, strict=True)])
    meta, arrays = density_user_data(dens.n_dim, dens.flags, dens.priors, dens.sizes,
                                     dens.data, transform, dens.marginal)
    names, slices, o = list(dens.names), [], 0
    for s in dens.shapes:
        slices.append(slice(o, o + math.prod(s)))
        o += math.prod(s)

    def initial_point(seed: int) -> np.ndarray:
        jitter = np.random.default_rng(seed).uniform(-1.0, 1.0, size=dens.start.size)
        return dens.start + jitter

    used = {d for dims in dens.dims.values() for d in dims}
    coords = {**coords, "expert_contrast": list(range(int(dens.sizes[2]) - 1))}
    cidx = {k: pd.Index(v) for k, v in coords.items() if k in used}
    return CompiledPyMCModel(
        _n_dim=dens.n_dim, dims=dict(dens.dims), _coords=cidx,
        _shapes=dict(zip(names, dens.shapes, strict=True)), compiled_logp_func=logp_c,
        compiled_expand_func=expand_c, initial_point_func=initial_point,
        shared_data={f"data{i}": a for i, a in enumerate(arrays)}, user_data=meta,
        n_expanded=dens.n_dim, shape_info=(names, slices, list(dens.shapes)), logp_func=None,
        expand_func=None)


def canonical_draws(post: Any, panel: Panel, cfg: dict[str, Any],
                    rng: np.random.Generator) -> Any:
    """The posterior in the model's own coordinates from draws of the marginal density
    (:func:`density`, :func:`marginal_density_and_grad`): ``log_priority_raw`` and
    ``expert_offset_raw`` in place of ``expert_mean_raw`` and ``expert_deviation_raw``.

    Per free value ``f`` of node ``g`` and draw: the experts' mean offset given the sampled
    ``m`` and ``tau`` is ``zbar ~ N(m tau / (ps^2 A), 1 / A)`` with ``A = tau^2 / ps^2 + K``
    (the normal factor the marginal integrated out; ``rng`` draws it), then
    ``eta = m - tau zbar`` and ``zeta[k] = zbar + (H_K u)[k]``; the new expert's offsets
    ``new_expert_offset`` ``(E,)`` are independent standard normals (their prior: no
    judgment informs them), drawn by ``rng`` after ``zbar``. Together with the other
    variables an exact draw from the model's posterior. Without the marginal's variables
    ``post`` is returned as it is.
    """
    if "expert_mean_raw" not in post:
        return post
    import pandas as pd

    C, D = post.sizes["chain"], post.sizes["draw"]
    S = C * D
    K = len(panel.experts)
    offsets = np.asarray(panel.offsets)
    fnode = np.repeat(np.arange(offsets.size - 1), np.diff(offsets) - 1)
    m = np.asarray(post["expert_mean_raw"].values, dtype=float).reshape(S, -1)
    F = m.shape[1]
    tau = np.asarray(post["tau"].values, dtype=float).reshape(S, -1)[:, fnode]
    u = np.asarray(post["expert_deviation_raw"].values, dtype=float).reshape(S, K - 1, F)
    ps2 = float(cfg["priority_sigma"]) ** 2
    a = tau * tau / ps2 + K
    zbar = m * tau / (ps2 * a) + rng.standard_normal((S, F)) / np.sqrt(a)
    eta = m - tau * zbar
    # zbar + H_K u over the experts (H_K u: the zero-sum expansion of one "node" of K
    # elements), in one compiled pass
    zeta = np.empty((S, K, F))
    offsets_around(np.ascontiguousarray(zbar), np.ascontiguousarray(u), zeta)
    E = len(panel.elements)
    new_offset = rng.standard_normal((S, E))
    new = post.drop_vars(["expert_mean_raw", "expert_deviation_raw"])
    new = new.drop_dims("expert_contrast", errors="ignore")
    for dim, labels in (("expert", panel.experts), ("element", panel.elements)):
        if dim not in new.coords:  # as nutpie labels its own dims
            new = new.assign_coords({dim: pd.Index(list(labels))})
    new = new.assign(
        log_priority_raw=(("chain", "draw", "contrast"), eta.reshape(C, D, F)),
        expert_offset_raw=(("chain", "draw", "expert", "contrast"), zeta.reshape(C, D, K, F)),
        new_expert_offset=(("chain", "draw", "element"), new_offset.reshape(C, D, E)))
    rename = {"expert_mean_raw": "log_priority_raw", "expert_deviation_raw": "expert_offset_raw"}
    order = [rename.get(str(v), str(v)) for v in post.data_vars] + ["new_expert_offset"]
    return new[order]


def _local_weights(x: np.ndarray, lay: Layout) -> np.ndarray:
    """``(S, N)`` local weights over every node: softmax of ``x`` ``(S, E)`` within each
    judged node, 1 for the root and the only children.
    """
    valid = np.asarray(lay.pad_valid)
    xp = np.where(valid[None], x[:, np.asarray(lay.pad_index)], -np.inf)  # (S, G, n_max)
    xp = np.exp(xp - xp.max(axis=2, keepdims=True))
    w = (xp / xp.sum(axis=2, keepdims=True)).reshape(x.shape[0], -1)[:, lay.element_pad]
    return np.concatenate([np.ones((x.shape[0], 1)), w], axis=1)[:, lay.node_source]


def add_products(post: Any, panel: Panel, lay: Layout, cfg: dict[str, Any],
                 item_means: Any = None, sigma_min: float = 0.0) -> Any:
    """The PyMC model's deterministics, computed from the draws of the free variables
    (``log_priority``, ``local_weight``, ``global_weight``, ``sigma``, the new expert's
    weights and ``score``), added to the posterior Dataset ``post`` with their dims
    (``sigma_min``: see :func:`density`).
    """
    C, D = post.sizes["chain"], post.sizes["draw"]
    S = C * D

    def flat(name: str) -> np.ndarray:
        x = np.asarray(post[name].values, dtype=float)
        return x.reshape(S, *x.shape[2:])

    def put(x: np.ndarray) -> np.ndarray:
        return x.reshape(C, D, *x.shape[1:])

    mu = zero_sum(flat("log_priority_raw"), panel.offsets)
    anc = np.asarray(lay.ancestors)
    lw = _local_weights(mu, lay)
    gw = np.exp(np.log(lw) @ anc.T)
    K = len(panel.experts)
    if cfg["shared_sigma"]:
        sigma = np.repeat(flat("sigma_shared")[:, None], K, axis=1)
    else:
        sigma = np.exp(flat("log_sigma_mu")[:, None]
                       + flat("log_sigma_sd")[:, None] * flat("sigma_offset"))
        if sigma_min > 0:
            sigma = sigma_min + sigma
    new: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {
        "log_priority": (put(mu), ("element",)), "local_weight": (put(lw), ("node",)),
        "global_weight": (put(gw), ("node",)), "sigma": (put(sigma), ("expert",))}
    if cfg["expert_deviation"]:
        tau = flat("tau")
        lw_new = _local_weights(mu + tau[:, panel.element_node] * flat("new_expert_offset"),
                                lay)
        new["new_expert_local_weight"] = (put(lw_new), ("node",))
        new["new_expert_global_weight"] = (put(np.exp(np.log(lw_new) @ anc.T)), ("node",))
    if item_means is not None:
        h = panel.hierarchy
        leaf_pos = [h.nodes.index(leaf) for leaf in h.leaves]
        X = item_means.to_numpy(dtype=float)  # (groups, leaves)
        M = h.membership()  # (nodes, leaves)
        g = gw[:, leaf_pos]  # (S, leaves)
        score = np.einsum("sl,ql,nl->sqn", g, X, M) / (g @ M.T)[:, None, :]
        new["score"] = (put(score), ("group", "node"))
    coords = {"element": list(panel.elements), "node": list(panel.hierarchy.nodes),
              "expert": list(panel.experts)}
    if item_means is not None:
        coords["group"] = list(item_means.index)
    post = post.assign_coords({k: v for k, v in coords.items() if k not in post.coords})
    for name, (val, dims) in new.items():
        post[name] = (("chain", "draw", *dims), val)
    return post
