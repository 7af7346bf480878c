"""Bayesian aggregation of a panel's pairwise judgments (PyMC), propagated to weights and ranks.

One joint model over every node of the hierarchy and every expert (docs/methods.md). For the
observed upper-triangle judgment of expert ``k`` at node ``g`` on elements ``i < j``

.. math::

    y_{kij} = \\log a_{kij} = \\theta_{kgi} - \\theta_{kgj} + \\varepsilon_{kij},
    \\qquad \\varepsilon_{kij} \\sim \\mathrm{StudentT}(\\nu, 0, \\sigma_k),

    \\theta_{kg} = \\mu_g + \\tau_g z_{kg},
    \\qquad \\mu_g \\sim \\mathrm{ZeroSumNormal}(s_\\mu),
    \\quad z_{kg} \\sim \\mathrm{ZeroSumNormal}(1),
    \\quad \\tau_g \\sim \\mathrm{HalfNormal}(s_\\tau),

    \\log \\sigma_k = m + s\\,u_k,\\quad u_k \\sim N(0, 1),
    \\quad m \\sim N(m_0, s_m),\\quad s \\sim \\mathrm{HalfNormal}(s_s),
    \\qquad \\nu \\sim \\mathrm{Gamma}(2, 0.1).

``mu_g`` are the panel's log-priorities at node ``g`` (local weights ``softmax(mu_g)``);
``tau_g z_kg`` is expert ``k``'s own deviation (non-centred, zero-sum per node); ``sigma_k``
is expert ``k``'s inconsistency, shared across all nodes, so an erratic expert is
down-weighted everywhere; the t tail absorbs single wild judgments. Only observed judgments
enter the likelihood, so incomplete matrices need nothing special. All nodes' elements live
in one flat vector and all judgments in one vectorized likelihood (index arrays), which keeps
the gradient graph small; softmax, global weights, credal rankings and scores are computed
from the draws in numpy afterwards.

PyMC, ArviZ and nutpie are the optional extra ``pip install "ahpstat[bayes]"``; they are
imported only when a model is built or fitted.
"""

from __future__ import annotations

import copy
import json
import math
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat._bayes_model import (
    Panel,
    block_basis,
    credal_table,
    global_draws,
    prepare_panel,
    segment_softmax,
    summarize,
    tree_from_structure,
)
from ahpstat._validation import check_choice
from ahpstat._warnings import ConvergenceWarning, warn
from ahpstat.scoring import composite_scores

__all__ = ["BayesResult", "BayesianAHP", "score_draws"]

_EXTRA = 'pip install "ahpstat[bayes]"'
_RHAT_MAX = 1.01
_ESS_PER_CHAIN = 100


def _import_pymc() -> tuple[Any, Any]:
    try:
        import pymc as pm
        import pytensor.tensor as pt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"ahpstat.bayes needs PyMC for model building and sampling: {_EXTRA}"
        ) from exc
    return pm, pt


def _import_arviz() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            import arviz as az
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"ahpstat.bayes needs ArviZ for diagnostics: {_EXTRA}") from exc
    return az


def _has_nutpie() -> bool:
    try:
        import nutpie  # noqa: F401
    except ImportError:
        return False
    return True


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("ahpstat")
    except Exception:  # pragma: no cover - source tree without metadata
        return "0.0.0+unknown"


# --------------------------------------------------------------------------- score propagation
def score_draws(
    leaf_weight_draws: ArrayLike,
    item_means: ArrayLike,
    membership: ArrayLike,
    *,
    axis: int = 0,
) -> np.ndarray:
    """Posterior (or bootstrap) draws of every node's composite score.

    Combines draws of the leaves' global weights with fixed item means by the seed study's
    rule ``score_v = sum_l (g_l / g_v) mean_l`` over the leaves ``l`` under ``v``
    (:func:`ahpstat.scoring.composite_scores`), draw by draw.

    Parameters
    ----------
    leaf_weight_draws : array_like, shape (S, L) (``axis=0``) or (L, S) (``axis=-1``)
        Draws of the leaves' global weights; ``axis`` is the draws axis.
    item_means : array_like, shape (L,) or (G, L)
        Item means, overall or per group ``G``.
    membership : array_like, shape (N, L)
        ``membership[v, l] = 1`` if leaf ``l`` lies under node ``v`` (a leaf is under itself).
    axis : {0, -1}, optional
        Position of the draws axis in the input, and in the output.

    Returns
    -------
    ndarray
        Node scores: ``(S, N)`` or ``(S, G, N)`` for ``axis=0``; ``(N, S)`` or ``(G, N, S)``
        for ``axis=-1`` (draws last, as in :class:`BayesResult`).

    Examples
    --------
    Goal over two criteria; criterion ``A`` has two items, ``B`` one; two weight draws:

    >>> M = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    >>> g = np.array([[0.3, 0.3, 0.4], [0.2, 0.4, 0.4]])
    >>> score_draws(g, [4.0, 3.0, 5.0], M)[:, 0]
    array([4.1, 4. ])
    """
    g = np.asarray(leaf_weight_draws, dtype=float)
    m = np.asarray(item_means, dtype=float)
    if g.ndim != 2:
        raise ValueError(
            f"`leaf_weight_draws` must be 2-d (draws, leaves); got shape {g.shape} instead."
        )
    if axis not in (0, -1, 1):
        raise ValueError(f"`axis` must be 0 or -1; got {axis!r} instead.")
    if m.ndim not in (1, 2):
        raise ValueError(f"`item_means` must be (L,) or (G, L); got shape {m.shape} instead.")
    if axis != 0:
        g = g.T
    if m.ndim == 2:
        out = composite_scores(g[:, None, :], m[None, :, :], membership)  # (S, G, N)
    else:
        out = composite_scores(g, m, membership)  # (S, N)
    return out if axis == 0 else np.moveaxis(out, 0, -1)


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class BayesResult:
    """Posterior summaries of a fitted :class:`BayesianAHP` (tidy tables plus the draws).

    Intervals are equal-tailed posterior intervals at level ``ci``; draws of all chains are
    concatenated on the LAST axis (chain-major).

    Attributes
    ----------
    local_weights : DataFrame
        ``node, element, mean, sd, ci_low, ci_high``: local weight of each child of each
        internal node (a single child has weight 1).
    global_weights : DataFrame
        ``node, mean, sd, ci_low, ci_high`` for every node of the tree (root = 1).
    credal : DataFrame
        ``node, element_i, element_j, p_greater``: posterior probability that ``element_i``
        outweighs ``element_j``, for every ordered pair of children (credal ranking).
    experts : DataFrame
        ``expert, sigma_mean, sigma_ci_low, sigma_ci_high, rank, influence``: inconsistency
        ``sigma_k`` (sd of the expert's log-judgment errors); ``rank`` 1 = most inconsistent;
        ``influence`` = posterior mean of ``w_k sigma_k^-2 / sum_j w_j sigma_j^-2`` (the
        expert's share of the likelihood precision; ``1/K`` for equally consistent experts,
        whereas unweighted AIJ gives every expert ``1/K`` regardless).
    diagnostics : DataFrame
        ``parameter, r_hat, ess_bulk, ess_tail`` for every local weight, ``sigma_k``,
        ``tau_g`` and hyperparameter.
    n_divergences : int
        Divergent transitions after tuning, all chains.
    ok : bool
        ``max r_hat <= 1.01``, ``min ess_bulk`` and ``min ess_tail >= 100`` per chain, and no
        divergence.
    weight_draws : dict of str to ndarray
        Local weight draws per internal node, ``(n_children, S)``.
    global_leaf_draws : ndarray, shape (L, S)
        Global weight draws of the leaves, in ``leaves`` order.
    nodes, leaves, experts_order : tuple of str
        Tree nodes (pre-order), leaves (pre-order) and experts, as in the tables.
    sigma_draws : ndarray, shape (K, S)
        Draws of every expert's ``sigma_k``.
    membership : ndarray, shape (N, L)
        Node-by-leaf membership matrix (rows ``nodes``, columns ``leaves``), for scores.
    ci : float
        Interval level of the tables.
    """

    local_weights: pd.DataFrame
    global_weights: pd.DataFrame
    credal: pd.DataFrame
    experts: pd.DataFrame
    diagnostics: pd.DataFrame
    n_divergences: int
    ok: bool
    weight_draws: dict[str, np.ndarray] = field(repr=False)
    global_leaf_draws: np.ndarray = field(repr=False)
    nodes: tuple[str, ...] = ()
    leaves: tuple[str, ...] = ()
    experts_order: tuple[str, ...] = ()
    sigma_draws: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), repr=False)
    membership: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), repr=False)
    ci: float = 0.95

    @classmethod
    def from_idata(cls, idata: Any, *, ci: float = 0.95, warn_if_bad: bool = True) -> BayesResult:
        """Summaries from the InferenceData returned by :meth:`BayesianAHP.fit`.

        Parameters
        ----------
        idata : arviz.InferenceData
            Must carry the ``structure`` attribute written by :meth:`BayesianAHP.fit`.
        ci : float, optional
            Level of the equal-tailed intervals, in (0, 1).
        warn_if_bad : bool, optional
            Emit a :class:`~ahpstat.ConvergenceWarning` with advice when the diagnostics are
            bad.
        """
        if not 0 < ci < 1:
            raise ValueError(f"`ci` must lie in (0, 1); got {ci!r} instead.")
        post = idata.posterior
        attrs = post.attrs
        if "structure" not in attrs:
            raise ValueError(
                "`idata` lacks the 'structure' attribute; pass the InferenceData returned by "
                "BayesianAHP.fit. Got attributes " + f"{sorted(attrs)} instead."
            )
        tree = tree_from_structure(json.loads(attrs["structure"]))
        elements = [str(e) for e in post["element"].values]
        experts = tuple(str(e) for e in post["expert"].values)
        modeled = tree.modeled
        sizes = [len(tree.children[v]) for v in modeled]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        lp = np.asarray(post["log_priority"].transpose("chain", "draw", "element").values)
        C, D = lp.shape[:2]
        S = C * D
        w_cd = segment_softmax(lp, offsets)  # (C, D, E)
        w_flat = w_cd.reshape(S, -1).T  # (E, S)
        pos = {e: p for p, e in enumerate(elements)}
        local: dict[str, np.ndarray] = {}
        for v in tree.internal:
            kids = tree.children[v]
            if len(kids) == 1:
                local[v] = np.ones((1, S))
            else:
                local[v] = w_flat[[pos[c] for c in kids]]
        glob = global_draws(tree, local)

        rows = []
        for v in tree.internal:
            mean, sd, lo, hi = summarize(local[v], ci)
            for p, c in enumerate(tree.children[v]):
                rows.append((v, c, mean[p], sd[p], lo[p], hi[p]))
        cols = ["mean", "sd", "ci_low", "ci_high"]
        local_df = pd.DataFrame(rows, columns=["node", "element", *cols])
        gstack = np.stack([glob[v] for v in tree.nodes])
        mean, sd, lo, hi = summarize(gstack, ci)
        global_df = pd.DataFrame(
            {"node": list(tree.nodes), "mean": mean, "sd": sd, "ci_low": lo, "ci_high": hi}
        )

        sig = np.asarray(post["sigma"].transpose("expert", "chain", "draw").values).reshape(
            len(experts), S
        )
        ew = np.asarray(json.loads(attrs.get("expert_weights", "null")) or np.ones(len(experts)))
        prec = ew[:, None] / sig**2
        influence = (prec / prec.sum(axis=0, keepdims=True)).mean(axis=1)
        smean, _, slo, shi = summarize(sig, ci)
        experts_df = pd.DataFrame(
            {
                "expert": list(experts),
                "sigma_mean": smean,
                "sigma_ci_low": slo,
                "sigma_ci_high": shi,
                "rank": pd.Series(-smean).rank(method="min").astype(int).to_numpy(),
                "influence": influence,
            }
        )

        diag = _diagnostics(post, w_cd, elements)
        n_div = _n_divergences(idata)
        ok = _diagnostics_ok(diag, n_div, C)
        if warn_if_bad and not ok:
            _warn_diagnostics(diag, n_div, C)
        return cls(
            local_weights=local_df,
            global_weights=global_df,
            credal=credal_table(tree, local),
            experts=experts_df,
            diagnostics=diag,
            n_divergences=n_div,
            ok=ok,
            weight_draws=local,
            global_leaf_draws=np.stack([glob[leaf] for leaf in tree.leaves]),
            nodes=tree.nodes,
            leaves=tree.leaves,
            experts_order=experts,
            sigma_draws=sig,
            membership=tree.membership(),
            ci=ci,
        )

    def score_draws(self, item_means: ArrayLike) -> np.ndarray:
        """Draws of every node's composite score: ``(N, S)`` or ``(G, N, S)``, rows ``nodes``.

        ``item_means`` is ``(L,)`` or ``(G, L)`` in ``leaves`` order; see :func:`score_draws`.
        """
        return score_draws(self.global_leaf_draws, item_means, self.membership, axis=-1)

    def weights_table(self) -> pd.DataFrame:
        """Posterior of every node's local and global weight in one tidy table.

        Returns
        -------
        DataFrame
            ``node, parent, weight, mean, median, sd, ci_low, ci_high``: one row per node and
            ``weight`` (``"local"``: within its parent, ``"global"``: within the tree), nodes
            in pre-order, the root's weights 1; equal-tailed intervals at level :attr:`ci`.

        Examples
        --------
        >>> res = _example_result()
        >>> t = res.weights_table()
        >>> list(t.columns)
        ['node', 'parent', 'weight', 'mean', 'median', 'sd', 'ci_low', 'ci_high']
        >>> t[t.weight == "global"].set_index("node").loc[["A", "B"], "mean"].round(2).tolist()
        [0.7, 0.3]
        """
        S = self.global_leaf_draws.shape[-1]
        parent = {}
        local = {}
        for v, draws in self.weight_draws.items():
            kids = self.local_weights.loc[self.local_weights.node == v, "element"].tolist()
            if len(kids) != draws.shape[0]:  # pragma: no cover - defensive
                kids = kids[: draws.shape[0]]
            for p, c in enumerate(kids):
                parent[c] = v
                local[c] = draws[p]
        glob = self.membership @ self.global_leaf_draws  # (N, S)
        rows = []
        for kind in ("local", "global"):
            for r, v in enumerate(self.nodes):
                d = (glob[r] if kind == "global" and v in parent
                     else local.get(v, np.ones(S)))  # the root: 1 exactly
                lo, med, hi = np.quantile(d, [(1 - self.ci) / 2, 0.5, (1 + self.ci) / 2])
                rows.append((v, parent.get(v, ""), kind, float(d.mean()), float(med),
                             float(d.std(ddof=1)) if S > 1 else float("nan"), float(lo),
                             float(hi)))
        return pd.DataFrame(rows, columns=["node", "parent", "weight", "mean", "median", "sd",
                                           "ci_low", "ci_high"])

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The tidy tables by name (diagnostics always included)."""
        return {
            "local_weights": self.local_weights,
            "global_weights": self.global_weights,
            "credal": self.credal,
            "experts": self.experts,
            "diagnostics": self.diagnostics,
        }


def _diagnostics(post: Any, w_cd: np.ndarray, elements: list[str]) -> pd.DataFrame:
    import xarray as xr

    az = _import_arviz()
    data = {"local_weight": xr.DataArray(w_cd, dims=("chain", "draw", "element"))}
    for name in ("sigma", "tau", "nu", "log_sigma_mu", "log_sigma_sd", "sigma_shared"):
        if name in post and not (name == "sigma" and "sigma_shared" in post):
            data[name] = post[name].reset_coords(drop=True)
    ds = xr.Dataset(data).assign_coords(element=elements)
    r = az.rhat(ds, method="rank")
    eb = az.ess(ds, method="bulk")
    et = az.ess(ds, method="tail")
    rows = []
    for name in ds.data_vars:
        rv, bv, tv = (np.atleast_1d(x[name].values).ravel() for x in (r, eb, et))
        dims = [d for d in ds[name].dims if d not in ("chain", "draw")]
        labels = [f"{name}[{c}]" for c in ds[name][dims[0]].values] if dims else [str(name)]
        rows += list(zip(labels, rv, bv, tv, strict=True))
    return pd.DataFrame(rows, columns=["parameter", "r_hat", "ess_bulk", "ess_tail"])


def _n_divergences(idata: Any) -> int:
    ss = getattr(idata, "sample_stats", None)
    if ss is None or "diverging" not in ss:
        return 0
    return int(np.asarray(ss["diverging"].values).sum())


def _diagnostics_ok(diag: pd.DataFrame, n_div: int, chains: int) -> bool:
    ess_min = _ESS_PER_CHAIN * chains
    rhat_ok = chains < 2 or bool((diag["r_hat"] <= _RHAT_MAX).all())
    return (
        rhat_ok
        and bool((diag["ess_bulk"] >= ess_min).all())
        and bool((diag["ess_tail"] >= ess_min).all())
        and n_div == 0
    )


def _warn_diagnostics(diag: pd.DataFrame, n_div: int, chains: int) -> None:
    ess_min = _ESS_PER_CHAIN * chains
    problems, advice = [], []
    worst = diag.loc[diag["r_hat"].idxmax()] if chains >= 2 else None
    if worst is not None and worst["r_hat"] > _RHAT_MAX:
        problems.append(f"R-hat up to {worst['r_hat']:.3f} ({worst['parameter']}; want <= 1.01)")
        advice.append("run more chains and more tuning/draws")
    low = diag.loc[diag[["ess_bulk", "ess_tail"]].min(axis=1).idxmin()]
    low_ess = min(low["ess_bulk"], low["ess_tail"])
    if low_ess < ess_min:
        problems.append(f"ESS down to {low_ess:.0f} ({low['parameter']}; want >= {ess_min})")
        advice.append("increase `draws`")
    if n_div:
        problems.append(f"{n_div} divergent transitions")
        advice.append(
            "raise `target_accept` (e.g. 0.95), tighten the priors `tau_sigma` / "
            "`log_sigma_sd`, or fix `nu`; check the data for an extreme expert or node"
        )
    warn(
        "The Bayesian model's sampler diagnostics are poor: "
        + "; ".join(problems)
        + ". Do not report these results as they stand: "
        + "; ".join(advice)
        + ".",
        ConvergenceWarning,
    )


# --------------------------------------------------------------------------- model
class BayesianAHP:
    """Joint Bayesian model of all experts' judgments at all nodes of a hierarchy.

    The constructor only stores configuration; :meth:`build_model` validates the data and
    builds the PyMC model; :meth:`fit` samples it; :meth:`result` summarizes the draws.

    Parameters
    ----------
    judgments : DataFrame
        Canonical long form ``expert, node, row, col, value`` (``value`` = how much more
        important ``row`` is than ``col``); missing pairs are absent. Either triangle may be
        given; both triangles of one pair must agree (reciprocal). Optional columns
        ``source_file, source_sheet, source_row`` are used in error messages.
    structure : mapping or hierarchy-like
        ``node -> sequence of child ids`` (ordered), or an object with ``.internal`` and
        ``.children(node)`` such as :class:`ahpstat.Hierarchy`. The root is the node that is
        nobody's child.
    expert_weights : mapping, Series, DataFrame (``expert, weight``) or array_like, optional
        Relative expert weights (normalized to mean 1). They enter as powers of each expert's
        likelihood, so in the sanity limit (normal errors, one sigma, no deviation) the
        posterior centre is the weighted geometric AIJ's row geometric mean.
    model_config : dict, optional
        Overrides of :attr:`default_model_config` (only the keys given change).
    sampler_config : dict, optional
        Overrides of :attr:`default_sampler_config`.

    Attributes
    ----------
    model : pymc.Model or None
        The last built model.
    idata : arviz.InferenceData or None
        The last fit's draws.
    panel : Panel or None
        The validated data (flat index arrays), set by :meth:`build_model`.

    Notes
    -----
    Priors, all on the log-ratio scale (``log a_ij``; Saaty's 1..9 spans 0..2.2):

    ``priority_sigma`` (1.0)
        ``mu_g ~ ZeroSumNormal(priority_sigma)``: a log-ratio ``mu_i - mu_j`` has prior sd
        about ``1.4``, i.e. ratios between 1/16 and 16 with 95 % probability.
    ``tau_sigma`` (0.5)
        ``tau_g ~ HalfNormal(tau_sigma)``: spread of the experts' own log-priorities around
        the panel's at node ``g`` (``expert_deviation=False`` removes it: ``theta = mu``).
    ``sigma_prior`` ("hierarchical")
        ``log sigma_k = m + s u_k`` with ``m ~ N(log_sigma_mu["mu"], log_sigma_mu["sigma"])``
        (default ``N(log 0.5, 1)``: typical log-judgment error 0.5) and
        ``s ~ HalfNormal(log_sigma_sd)`` (0.5); non-centred. ``"halfnormal"`` gives
        independent ``sigma_k ~ HalfNormal(sigma_scale)``. ``shared_sigma=True`` uses one
        ``sigma ~ LogNormal(log_sigma_mu["mu"], log_sigma_mu["sigma"])`` for all experts.
    ``error`` ("student_t")
        ``"student_t"`` with ``nu ~ Gamma(nu_prior["alpha"], nu_prior["beta"])`` (default
        ``Gamma(2, 0.1)``, Juárez & Steel 2010) or ``nu`` fixed to a number; ``"normal"``.

    The sanity limit (``error="normal"``, ``shared_sigma=True``, ``expert_deviation=False``)
    is the log-linear least-squares model: with complete matrices its posterior centre is
    the row geometric mean of the experts' element-wise geometric-mean (AIJ) matrix
    (Crawford & Williams 1985; Forman & Peniwati 1998).

    Sampler configuration: ``sampler`` is ``"auto"`` (nutpie when installed, else PyMC's
    NUTS), ``"nutpie"`` or ``"pymc"``; ``draws``, ``tune``, ``chains``, ``cores``,
    ``target_accept``, ``progressbar``; ``nutpie_backend`` (``"numba"``) and
    ``nutpie_kwargs`` (passed to ``nutpie.sample``); ``pymc_mode`` (PyTensor compile mode of
    PyMC's NUTS, e.g. ``"NUMBA"``; ``None`` = PyMC's default C backend).

    Examples
    --------
    >>> import pandas as pd
    >>> from ahpstat.bayes import BayesianAHP
    >>> structure = {"goal": ["A", "B", "C"]}
    >>> judgments = pd.DataFrame(
    ...     [(e, "goal", r, c, v) for e, f in (("E1", 1.0), ("E2", 1.2), ("E3", 0.8))
    ...      for r, c, v in (("A", "B", 2 * f), ("A", "C", 4 * f), ("B", "C", 2 / f))],
    ...     columns=["expert", "node", "row", "col", "value"])
    >>> m = BayesianAHP(judgments, structure, sampler_config={"chains": 2})
    >>> idata = m.fit(rng=7, draws=500, tune=500)  # doctest: +SKIP
    >>> m.result().global_weights  # doctest: +SKIP
    """

    default_model_config: dict[str, Any] = {  # noqa: RUF012 - read-only by convention
        "error": "student_t",
        "nu": None,
        "nu_prior": {"alpha": 2.0, "beta": 0.1},
        "expert_deviation": True,
        "shared_sigma": False,
        "priority_sigma": 1.0,
        "tau_sigma": 0.5,
        "sigma_prior": "hierarchical",
        "log_sigma_mu": {"mu": math.log(0.5), "sigma": 1.0},
        "log_sigma_sd": 0.5,
        "sigma_scale": 1.0,
    }
    default_sampler_config: dict[str, Any] = {  # noqa: RUF012 - read-only by convention
        "sampler": "auto",
        "draws": 1000,
        "tune": 1000,
        "chains": 4,
        "cores": None,
        "target_accept": 0.8,
        "progressbar": False,
        "nutpie_backend": "numba",
        "nutpie_kwargs": {},
        "pymc_mode": None,
    }

    def __init__(
        self,
        judgments: pd.DataFrame,
        structure: Any,
        *,
        expert_weights: Any = None,
        model_config: Mapping[str, Any] | None = None,
        sampler_config: Mapping[str, Any] | None = None,
    ) -> None:
        self.judgments = judgments
        self.structure = structure
        self.expert_weights = expert_weights
        self.model_config = _merge("model_config", self.default_model_config, model_config)
        self.sampler_config = _merge("sampler_config", self.default_sampler_config, sampler_config)
        self.model: Any = None
        self.idata: Any = None
        self.panel: Panel | None = None
        self.timings: dict[str, float] = {}
        self._compiled: dict[Any, Any] = {}
        self._result_cache: tuple[float, BayesResult] | None = None

    # ----------------------------------------------------------------- build
    def _validate_model_config(self) -> dict[str, Any]:
        cfg = self.model_config
        check_choice("model_config['error']", cfg["error"], ("student_t", "normal"))
        check_choice(
            "model_config['sigma_prior']", cfg["sigma_prior"], ("hierarchical", "halfnormal")
        )
        if cfg["nu"] is not None and not (
            isinstance(cfg["nu"], int | float) and cfg["nu"] > 0 and math.isfinite(cfg["nu"])
        ):
            raise ValueError(
                f"`model_config['nu']` must be None or a positive number; got {cfg['nu']!r} "
                "instead."
            )
        for key in ("priority_sigma", "tau_sigma", "log_sigma_sd", "sigma_scale"):
            val = cfg[key]
            if not (isinstance(val, int | float) and val > 0 and math.isfinite(val)):
                raise ValueError(
                    f"`model_config[{key!r}]` must be a positive number; got {val!r} instead."
                )
        return cfg

    def build_model(self) -> Any:
        """Validate the data and build the PyMC model (coords ``node``, ``element``, ``expert``).

        Returns
        -------
        pymc.Model
            Free variables ``priority_raw`` (zero-sum contrasts of the log-priorities),
            ``expert_raw`` and ``tau`` (expert deviations), ``sigma_raw``, ``log_sigma_mu``,
            ``log_sigma_sd`` (or ``sigma`` / ``sigma_shared``), ``nu``; deterministics
            ``log_priority`` (dims ``element``) and ``sigma`` (dims ``expert``); the
            log-likelihood of all judgments as one potential ``loglik`` (the data go to the
            ``observed_data`` / ``constant_data`` groups of :meth:`fit`'s InferenceData).

        Raises
        ------
        ahpstat.InputError
            Unknown node or element, non-positive value, contradictory duplicates, or a node
            whose comparison graph (pooled over experts) is not connected -- named with its
            separate groups of elements -- all before any sampling.
        """
        cfg = self._validate_model_config()
        tree = tree_from_structure(self.structure)
        panel = prepare_panel(self.judgments, tree, self.expert_weights)
        pm, pt = _import_pymc()
        B = block_basis(panel.offsets)
        F = B.shape[1]
        k, i, j = panel.expert_idx, panel.i_idx, panel.j_idx
        coords = {
            "node": list(panel.nodes),
            "element": list(panel.elements),
            "expert": list(panel.experts),
            "contrast": np.arange(F),
        }
        n_per_expert = np.bincount(k, weights=panel.expert_weights[k], minlength=len(panel.experts))
        w_obs = panel.expert_weights[k]
        with pm.Model(coords=coords) as model:
            eta = pm.Normal("priority_raw", 0.0, cfg["priority_sigma"], dims="contrast")
            mu = pm.Deterministic("log_priority", pt.dot(B, eta), dims="element")
            loc = mu[i] - mu[j]
            if cfg["expert_deviation"]:
                tau = pm.HalfNormal("tau", cfg["tau_sigma"], dims="node")
                z = pm.Normal("expert_raw", 0.0, 1.0, dims=("expert", "contrast"))
                dev = (pt.dot(z, B.T) * tau[panel.element_node][None, :]).ravel()  # (K * E)
                E = len(panel.elements)
                loc = loc + dev[k * E + i] - dev[k * E + j]
            if cfg["shared_sigma"]:
                lsm = cfg["log_sigma_mu"]
                s = pm.LogNormal("sigma_shared", mu=lsm["mu"], sigma=lsm["sigma"])
                log_sigma = pt.log(s) * pt.ones(len(panel.experts))
                pm.Deterministic("sigma", pt.exp(log_sigma), dims="expert")
            elif cfg["sigma_prior"] == "hierarchical":
                lsm = cfg["log_sigma_mu"]
                m = pm.Normal("log_sigma_mu", lsm["mu"], lsm["sigma"])
                s = pm.HalfNormal("log_sigma_sd", cfg["log_sigma_sd"])
                u = pm.Normal("sigma_raw", 0.0, 1.0, dims="expert")
                log_sigma = m + s * u
                pm.Deterministic("sigma", pt.exp(log_sigma), dims="expert")
            else:
                sigma = pm.HalfNormal("sigma", cfg["sigma_scale"], dims="expert")
                log_sigma = pt.log(sigma)
            # One vectorized log-likelihood of all judgments, written out so that the terms
            # in nu and sigma_k are summed once (not once per judgment); expert weights w_k
            # are likelihood powers (all 1 without expert weights).
            r2 = ((panel.y - loc) * pt.exp(-log_sigma)[k]) ** 2
            total_w = float(w_obs.sum())
            ll = -pt.sum(n_per_expert * log_sigma)
            if cfg["error"] == "normal":
                ll = ll - 0.5 * pt.sum(w_obs * r2) - 0.5 * total_w * math.log(2 * math.pi)
            else:
                nu = cfg["nu"]
                if nu is None:
                    nu = pm.Gamma(
                        "nu", alpha=cfg["nu_prior"]["alpha"], beta=cfg["nu_prior"]["beta"]
                    )
                const = (
                    pt.gammaln((nu + 1.0) / 2.0) - pt.gammaln(nu / 2.0) - 0.5 * pt.log(math.pi * nu)
                )
                ll = ll + total_w * const - (nu + 1.0) / 2.0 * pt.sum(w_obs * pt.log1p(r2 / nu))
            pm.Potential("loglik", ll)
        self.model = model
        self.panel = panel
        self._compiled.clear()
        return model

    # ----------------------------------------------------------------- fit
    def _stored_names(self) -> list[str]:
        names = ["log_priority", "sigma", "tau", "nu", "log_sigma_mu", "log_sigma_sd"]
        names.append("sigma_shared")
        have = set(self.model.named_vars)
        return [n for n in names if n in have]

    def fit(
        self,
        *,
        rng: int | np.random.Generator | None = None,
        draws: int | None = None,
        tune: int | None = None,
        chains: int | None = None,
        **sampler_kwargs: Any,
    ) -> Any:
        """Sample the posterior; return InferenceData stamped with provenance.

        Parameters
        ----------
        rng : int, Generator or None
            Seeds the sampler (through one integer drawn from ``np.random.default_rng(rng)``);
            the same ``rng`` and configuration give the same draws.
        draws, tune, chains : int, optional
            Override :attr:`sampler_config`.
        **sampler_kwargs
            Further overrides of :attr:`sampler_config` (e.g. ``sampler="pymc"``).

        Returns
        -------
        arviz.InferenceData
            ``posterior`` with ``log_priority`` (chain, draw, element), ``sigma`` (expert),
            ``tau`` (node) and hyperparameters; coords ``node``, ``element`` (with the
            non-dimension coordinate ``parent``), ``expert``; ``sample_stats``. Attributes
            (on the InferenceData and its posterior): ``ahpstat_version``, ``model_config``,
            ``sampler_config``, ``data_sha256`` (of the validated judgments, structure and
            expert weights), ``structure``, ``expert_weights``, ``sampler``, ``seed``,
            ``sampling_time``.
        """
        overrides = {"draws": draws, "tune": tune, "chains": chains, **sampler_kwargs}
        cfg = _merge(
            "sampler_config",
            self.sampler_config,
            {k: v for k, v in overrides.items() if v is not None},
        )
        sampler = check_choice("sampler", cfg["sampler"], ("auto", "nutpie", "pymc"))
        if sampler == "auto":
            sampler = "nutpie" if _has_nutpie() else "pymc"
        for key in ("draws", "tune", "chains"):
            if not (isinstance(cfg[key], int | np.integer) and cfg[key] >= (key != "tune")):
                raise ValueError(f"`{key}` must be a positive integer; got {cfg[key]!r} instead.")
        gen = np.random.default_rng(rng)
        seed = int(gen.integers(0, 2**31 - 1))
        if self.model is None:
            self.build_model()
        pm, _ = _import_pymc()
        names = self._stored_names()
        t0 = time.perf_counter()
        if sampler == "nutpie":
            try:
                import nutpie
            except ImportError as exc:
                raise ImportError(f"`sampler='nutpie'` needs nutpie: {_EXTRA}") from exc
            key = ("nutpie", cfg["nutpie_backend"])
            if key not in self._compiled:
                with warnings.catch_warnings():
                    # PyTensor's C-backend BLAS notice: nutpie's backend does not use it
                    warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
                    self._compiled[key] = nutpie.compile_pymc_model(
                        self.model, backend=cfg["nutpie_backend"], var_names=names
                    )
            self.timings["compile"] = time.perf_counter() - t0
            kwargs = {"target_accept": cfg["target_accept"], **cfg["nutpie_kwargs"]}
            if cfg["cores"] is not None:
                kwargs["cores"] = cfg["cores"]
            idata = nutpie.sample(
                self._compiled[key],
                draws=cfg["draws"],
                tune=cfg["tune"],
                chains=cfg["chains"],
                seed=seed,
                save_warmup=False,
                progress_bar=cfg["progressbar"],
                **kwargs,
            )
        else:
            compile_kwargs = {"mode": cfg["pymc_mode"]} if cfg["pymc_mode"] else None
            idata = pm.sample(
                draws=cfg["draws"],
                tune=cfg["tune"],
                chains=cfg["chains"],
                cores=cfg["cores"],
                random_seed=seed,
                target_accept=cfg["target_accept"],
                progressbar=cfg["progressbar"],
                var_names=names,
                compute_convergence_checks=False,
                nuts_sampler="pymc",
                compile_kwargs=compile_kwargs,
                model=self.model,
            )
            self.timings["compile"] = float("nan")
        self.timings["total"] = time.perf_counter() - t0
        idata = self._stamp(idata, cfg, sampler, seed)
        self.idata = idata
        self._last_chains = cfg["chains"]
        res = BayesResult.from_idata(idata, warn_if_bad=False)
        if not res.ok:
            _warn_diagnostics(res.diagnostics, res.n_divergences, cfg["chains"])
        self._result_cache = (0.95, res)
        return idata

    def _stamp(self, idata: Any, cfg: dict[str, Any], sampler: str, seed: int) -> Any:
        panel = self.panel
        parents = [panel.nodes[g] for g in panel.element_node]
        idata.posterior = idata.posterior.assign_coords(parent=("element", parents))
        attrs = {
            "ahpstat_version": _version(),
            "model_config": json.dumps(self.model_config, sort_keys=True),
            "sampler_config": json.dumps(cfg, sort_keys=True, default=str),
            "data_sha256": panel.sha256,
            "structure": json.dumps(panel.tree.to_dict()),
            "expert_weights": json.dumps([float(x) for x in panel.expert_weights]),
            "sampler": sampler,
            "seed": seed,
            "sampling_time": self.timings["total"],
        }
        idata.posterior.attrs.update(attrs)
        import xarray as xr

        o = {"judgment": np.arange(panel.n_obs)}
        groups = {
            "observed_data": xr.Dataset({"y": ("judgment", panel.y)}, coords=o),
            "constant_data": xr.Dataset(
                {
                    "judgment_expert": ("judgment", np.asarray(panel.experts)[panel.expert_idx]),
                    "judgment_row": ("judgment", np.asarray(panel.elements)[panel.i_idx]),
                    "judgment_col": ("judgment", np.asarray(panel.elements)[panel.j_idx]),
                    "judgment_node": ("judgment", np.asarray(panel.nodes)[panel.node_idx]),
                },
                coords=o,
            ),
        }
        for name, ds in groups.items():
            if name in idata.groups():
                delattr(idata, name)
            idata.add_groups({name: ds})
        if hasattr(idata, "attrs"):
            idata.attrs.update(attrs)
        return idata

    # ----------------------------------------------------------------- summaries
    def result(self, *, ci: float = 0.95) -> BayesResult:
        """Summaries of the last fit (see :class:`BayesResult`); diagnostics always included."""
        if self.idata is None:
            raise ValueError("`result` needs a fitted model; call `fit()` first.")
        cached = self._result_cache
        if cached is not None and cached[0] == ci:
            return cached[1]
        return BayesResult.from_idata(self.idata, ci=ci, warn_if_bad=False)


def _merge(name: str, default: Mapping[str, Any], given: Mapping[str, Any] | None) -> dict:
    out = copy.deepcopy(dict(default))
    if given is None:
        return out
    if not isinstance(given, Mapping):
        raise TypeError(f"`{name}` must be a mapping; got {type(given).__name__} instead.")
    unknown = sorted(set(given) - set(default))
    if unknown:
        raise ValueError(
            f"`{name}` has unknown keys {unknown}; valid keys are {sorted(default)}. "
            f"Got {unknown} instead."
        )
    for key, val in given.items():
        if isinstance(out[key], dict) and isinstance(val, Mapping):
            out[key] = {**out[key], **val}
        else:
            out[key] = copy.deepcopy(val)
    return out


def _example_result() -> BayesResult:
    """A hand-made posterior (no sampling) for the doctests: G -> A (a1, a2), B."""
    rng = np.random.default_rng(0)
    S = 400
    wa = np.clip(rng.normal(0.7, 0.02, S), 0, 1)
    w1 = np.clip(rng.normal(0.6, 0.05, S), 0, 1)
    local = {"G": np.stack([wa, 1 - wa]), "A": np.stack([w1, 1 - w1])}
    leaf = np.stack([wa * w1, wa * (1 - w1), 1 - wa])  # leaves a1, a2, B
    lw = pd.DataFrame([("G", "A"), ("G", "B"), ("A", "a1"), ("A", "a2")],
                      columns=["node", "element"])
    M = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1.0]])
    empty = pd.DataFrame()
    return BayesResult(local_weights=lw, global_weights=empty, credal=empty, experts=empty,
                       diagnostics=empty, n_divergences=0, ok=True, weight_draws=local,
                       global_leaf_draws=leaf, nodes=("G", "A", "a1", "a2", "B"),
                       leaves=("a1", "a2", "B"), membership=M)
