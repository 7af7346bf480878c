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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ahpstat._bayes_model import (
    Layout,
    Panel,
    density_cfuncs,
    density_user_data,
    judgment_bounds,
    log_density_and_grad,
    log_density_centred,
    zero_sum,
)

__all__ = ["Density", "add_products", "centring", "compile_density", "density"]


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
    #: centred expert log-priorities ``(K, F)`` and ``log sigma_k`` ``(K,)`` (int 0/1;
    #: :func:`ahpstat._bayes_model.log_density_centred`); all 0: the PyMC model's coordinates
    centre: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    centre_sigma: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_dim(self) -> int:
        return int(sum(math.prod(s) for s in self.shapes))

    def logp(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """``(log-density, gradient)`` at ``x`` (the sampler's unconstrained space)."""
        grad = np.empty(x.size)
        if self.centre.any() or self.centre_sigma.any():
            val = log_density_centred(x, grad, self.flags, self.priors, self.sizes, *self.data,
                                      self._centre(), self._centre_sigma())
        else:
            val = log_density_and_grad(x, grad, self.flags, self.priors, self.sizes, *self.data)
        return float(val), grad

    def _centre(self) -> np.ndarray:
        F, K = int(self.sizes[0]), int(self.sizes[2])
        if self.centre.size == 0:
            return np.zeros(K * F, dtype=np.int64)
        return np.ascontiguousarray(self.centre, dtype=np.int64).ravel()

    def _centre_sigma(self) -> np.ndarray:
        K = int(self.sizes[2])
        if self.centre_sigma.size == 0:
            return np.zeros(K, dtype=np.int64)
        return np.ascontiguousarray(self.centre_sigma, dtype=np.int64)

    def canonical(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Draws on the sampler's coordinates (by name, any leading axes) back to the PyMC
        model's: ``expert_offset_raw = (t - eta) / tau`` where an expert's log-priority is
        centred, ``sigma_offset = (log sigma_k - m) / s`` where ``log sigma_k`` is.
        """
        out = dict(values)
        c = self._centre().reshape(int(self.sizes[2]), int(self.sizes[0])).astype(bool)
        if c.any():
            offsets = np.asarray(self.data[1])
            fnode = np.repeat(np.arange(offsets.size - 1), np.diff(offsets) - 1)
            eta = np.asarray(values["log_priority_raw"], dtype=float)[..., None, :]
            tau = np.asarray(values["tau"], dtype=float)[..., fnode][..., None, :]
            raw = np.asarray(values["expert_offset_raw"], dtype=float)
            out["expert_offset_raw"] = np.where(c, (raw - eta) / tau, raw)
        cs = self._centre_sigma().astype(bool)
        if cs.any():
            m = np.asarray(values["log_sigma_mu"], dtype=float)[..., None]
            sd = np.asarray(values["log_sigma_sd"], dtype=float)[..., None]
            raw = np.asarray(values["sigma_offset"], dtype=float)
            out["sigma_offset"] = np.where(cs, (raw - m) / sd, raw)
        return out

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


def density(panel: Panel, cfg: dict[str, Any], centre: np.ndarray | None = None,
            centre_sigma: np.ndarray | None = None) -> Density:
    """The :class:`Density` of ``panel`` under the resolved model configuration ``cfg``.

    ``centre`` ``(K, F)`` and ``centre_sigma`` ``(K,)`` (booleans) centre some experts'
    log-priorities and ``log sigma_k`` (:func:`ahpstat._bayes_model.log_density_centred`;
    :func:`centring` chooses them); default: none, the PyMC model's own coordinates.
    """
    K, G, E = len(panel.experts), len(panel.judged), len(panel.elements)
    F = E - G
    dev, shared = bool(cfg["expert_deviation"]), bool(cfg["shared_sigma"])
    lapse = cfg["error"] == "lapse"
    ls = cfg["log_sigma_mu"]
    lp = cfg["lapse_prior"]
    priors = np.array([cfg["priority_sigma"], cfg["tau_sigma"], ls["mu"], ls["sigma"],
                       cfg["log_sigma_sd"], lp["alpha"], lp["beta"]], dtype=float)
    lower, upper, point = judgment_bounds(panel)
    data = (panel.element_node, panel.offsets, np.ascontiguousarray(lower, dtype=float),
            np.ascontiguousarray(upper, dtype=float), bool(point), panel.row, panel.col,
            panel.expert, np.ascontiguousarray(panel.expert_weights[panel.expert]),
            float(panel.lapse_log_density()))
    # (name, shape, dims, transform, support point on the unconstrained space); PyMC's
    # support points: a normal's mean, a half-normal's scale, a beta's mean
    spec: list[tuple[str, tuple[int, ...], tuple[str, ...], str, float]] = [
        ("log_priority_raw", (F,), ("contrast",), "none", 0.0)]
    if dev:
        spec += [("tau", (G,), ("judged_node",), "log", math.log(cfg["tau_sigma"])),
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
    if dev:
        spec += [("new_expert_offset", (E,), ("element",), "none", 0.0)]
    start = np.concatenate([np.full(math.prod(s[1]), s[4]) for s in spec])
    cen = np.zeros((K, F), dtype=np.int64)
    if centre is not None and dev:
        cen = np.asarray(centre, dtype=bool).reshape(K, F).astype(np.int64)
    cen_s = np.zeros(K, dtype=np.int64)
    if centre_sigma is not None and not shared:
        cen_s = np.asarray(centre_sigma, dtype=bool).reshape(K).astype(np.int64)
    o = F + (G if dev else 0)
    if dev:  # a centred value starts at its prior's centre, eta's support point 0
        start[o:o + K * F][cen.ravel() != 0] = 0.0
        o += K * F
    if not shared:
        start[o + 2:o + 2 + K][cen_s != 0] = float(ls["mu"])
    return Density(
        flags=np.array([dev, shared, lapse], dtype=np.int64), priors=priors,
        sizes=np.array([F, G, K, E], dtype=np.int64), data=data,
        names=tuple(s[0] for s in spec), shapes=tuple(s[1] for s in spec),
        dims={s[0]: s[2] for s in spec if s[2]}, transforms=tuple(s[3] for s in spec),
        start=start, centre=cen, centre_sigma=cen_s)


def centring(panel: Panel, cfg: dict[str, Any],
             how: str = "auto") -> tuple[np.ndarray | None, np.ndarray | None]:
    """Which experts' log-priorities ``(K, F)`` and ``log sigma_k`` ``(K,)`` the sampler
    sees centred (:func:`density`'s ``centre`` and ``centre_sigma``).

    ``how``: ``"none"`` (the PyMC model's non-centred coordinates), ``"experts"`` (every
    expert's log-priorities at every node where the expert gave a judgment), ``"all"``
    (and every ``log sigma_k``), ``"auto"`` (the default; see below).
    """
    K, G = len(panel.experts), len(panel.judged)
    if how == "none":
        return None, None
    sizes = np.diff(panel.offsets)
    counts = np.zeros((K, G))
    np.add.at(counts, (panel.expert, panel.node), 1.0)
    fnode = np.repeat(np.arange(G), sizes - 1)
    judged = counts[:, fnode] > 0  # (K, F)
    if how == "experts":
        return judged, None
    if how == "all":
        return judged, np.ones(K, dtype=bool)
    if how in ("auto", "auto_experts"):
        cen, cen_s = _pilot_centring(panel, judged)
        return cen, (cen_s if how == "auto" else None)
    raise ValueError(f"unknown centring {how!r}")


def _pilot_centring(panel: Panel, judged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The data's own answer to "centred or not": an expert's log-priorities at a node are
    centred where the judgments pin them down better than the between-expert spread does,
    ``log sigma_k`` where the expert's residuals pin it down better than the spread of the
    experts' ``log sigma``.

    A pilot from the judgments alone (no sampling): each expert's least-squares
    log-priorities at each node (``theta_r - theta_c = log a``), their sampling variance
    ``s_k^2 trace(L^+) / (n - 1)`` per free value (``L`` the expert's comparison graph's
    Laplacian at the node, ``s_k^2`` the expert's pooled residual variance plus the scale's
    rounding variance ``w^2 / 12``), the between-expert variance ``tau_g^2`` (the spread of
    the experts' least-squares values less their mean sampling variance). Centred where
    ``tau_g^2`` exceeds the sampling variance; an expert with no connected judgments at a
    node stays non-centred there. Only the geometry depends on it, never the posterior.
    """
    K, G = len(panel.experts), len(panel.judged)
    sizes = np.diff(panel.offsets)
    if panel.scale_log is not None:
        lo, hi = panel.bounds()
        finite = (np.abs(lo) < 1e2) & (np.abs(hi) < 1e2)
        w = (hi - lo)[finite]
        rounding = float(np.mean(w ** 2) / 12.0) if w.size else 0.0
    else:
        rounding = 0.0
    theta: dict[tuple[int, int], np.ndarray] = {}
    trace = np.full((K, G), np.nan)  # trace(L^+) / (n - 1)
    rss, dof = np.zeros(K), np.zeros(K)
    order = np.lexsort((panel.node, panel.expert))
    ek, ng = panel.expert[order], panel.node[order]
    cut = np.flatnonzero(np.diff(ek * G + ng)) + 1
    for idx in np.split(order, cut):
        if idx.size == 0:
            continue
        k, g = int(panel.expert[idx[0]]), int(panel.node[idx[0]])
        n, a = int(sizes[g]), int(panel.offsets[g])
        X = np.zeros((idx.size, n))
        X[np.arange(idx.size), panel.row[idx] - a] = 1.0
        X[np.arange(idx.size), panel.col[idx] - a] = -1.0
        y = panel.log_value[idx]
        L = X.T @ X
        if np.linalg.matrix_rank(L) < n - 1:
            continue
        Lp = np.linalg.pinv(L)
        t = Lp @ (X.T @ y)
        theta[k, g] = t - t.mean()
        trace[k, g] = np.trace(Lp) / (n - 1)
        rss[k] += float(np.sum((y - X @ t) ** 2))
        dof[k] += idx.size - (n - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s2 = np.where(dof > 0, rss / dof, np.nan)
    fill = float(np.nanmedian(s2)) if np.isfinite(s2).any() else 0.0
    s2 = np.where(np.isfinite(s2), s2, fill) + rounding
    cen_g = np.zeros((K, G), dtype=bool)
    for g in range(G):
        ks = [k for k in range(K) if (k, g) in theta]
        if len(ks) < 2:
            continue
        T = np.array([theta[k, g] for k in ks])  # (k, n), centred rows
        between = float(np.sum(T.var(axis=0, ddof=1)) / (sizes[g] - 1))
        v = s2[ks] * trace[ks, g]
        tau2 = between - float(np.mean(v))
        cen_g[ks, g] = tau2 > v
    fnode = np.repeat(np.arange(G), sizes - 1)
    cen = cen_g[:, fnode] & judged
    # log sigma_k: its sampling variance about 1 / (2 dof_k), against the experts' spread
    log_s = 0.5 * np.log(s2)
    spread = float(np.var(log_s, ddof=1)) if K > 2 else 0.0
    cen_s = (dof > 0) & (1.0 / (2.0 * np.maximum(dof, 1.0)) < spread)
    return cen, cen_s


def compile_density(dens: Density, coords: dict[str, Any]) -> Any:
    """A nutpie model of ``dens`` through nutpie's C interface: numba C callbacks (no GIL,
    cached on disk: the data come through nutpie's user-data pointer), the free variables as
    draws, PyMC's initialisation (the support point, jittered uniformly in ``(-1, 1)``).
    """
    import pandas as pd
    from nutpie.compile_pymc import CompiledPyMCModel

    logp_c, expand_c = density_cfuncs(bool(dens.centre.any() or dens.centre_sigma.any()))
    codes = {"none": 0, "log": 1, "logodds": 2}
    transform = np.concatenate([np.full(math.prod(s), codes[t], dtype=np.int64)
                                for s, t in zip(dens.shapes, dens.transforms, strict=True)])
    meta, arrays = density_user_data(dens.n_dim, dens.flags, dens.priors, dens.sizes,
                                     dens.data, transform, dens._centre(),
                                     dens._centre_sigma())
    names, slices, o = list(dens.names), [], 0
    for s in dens.shapes:
        slices.append(slice(o, o + math.prod(s)))
        o += math.prod(s)

    def initial_point(seed: int) -> np.ndarray:
        jitter = np.random.default_rng(seed).uniform(-1.0, 1.0, size=dens.start.size)
        return dens.start + jitter

    used = {d for dims in dens.dims.values() for d in dims}
    cidx = {k: pd.Index(v) for k, v in coords.items() if k in used}
    return CompiledPyMCModel(
        _n_dim=dens.n_dim, dims=dict(dens.dims), _coords=cidx,
        _shapes=dict(zip(names, dens.shapes, strict=True)), compiled_logp_func=logp_c,
        compiled_expand_func=expand_c, initial_point_func=initial_point,
        shared_data={f"data{i}": a for i, a in enumerate(arrays)}, user_data=meta,
        n_expanded=dens.n_dim, shape_info=(names, slices, list(dens.shapes)), logp_func=None,
        expand_func=None)


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
                 item_means: Any = None) -> Any:
    """The PyMC model's deterministics, computed from the draws of the free variables
    (``log_priority``, ``local_weight``, ``global_weight``, ``sigma``, the new expert's
    weights and ``score``), added to the posterior Dataset ``post`` with their dims.
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
