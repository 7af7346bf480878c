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

PyMC, ArviZ and nutpie are the optional extra ``pip install "ahpstat[bayes]"``; they are
imported only when a model is built or fitted.
"""

from __future__ import annotations

import copy
import json
import math
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat import __version__
from ahpstat._bayes_model import (
    Layout,
    Panel,
    credal_table,
    expert_log_priorities,
    layout,
    obs_columns,
    pointwise_loglik,
    prepare_panel,
    replicate_judgments,
    zero_sum,
)
from ahpstat._validation import check_choice
from ahpstat._warnings import AHPWarning, ConvergenceWarning, warn
from ahpstat.scoring import composite_scores

__all__ = ["BayesResult", "BayesianAHP", "predictive_checks", "score_draws"]

_EXTRA = 'pip install "ahpstat[bayes]"'
#: convergence thresholds (Vehtari et al. 2021): R-hat, and ESS per chain (400 for 4 chains)
_RHAT_MAX = 1.01
_ESS_PER_CHAIN = 100
#: reference log ratio of the priors: log 9, the end of Saaty's scale (and of the range
#: continuous judgments are expected in)
_LOG_RANGE = math.log(9.0)


def _import_pymc() -> Any:
    try:
        import pymc as pm
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"ahpstat.bayes needs PyMC for model building and sampling: {_EXTRA}"
        ) from exc
    return pm


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


# --------------------------------------------------------------------------- score propagation
def score_draws(
    leaf_weight_draws: ArrayLike,
    item_means: ArrayLike,
    membership: ArrayLike,
    *,
    axis: int = 0,
) -> np.ndarray:
    """Posterior (or bootstrap) draws of every node's composite score.

    Combines draws of the leaves' global weights with item means by the seed study's rule
    ``score_v = sum_l (g_l / g_v) mean_l`` over the leaves ``l`` under ``v``
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
        for ``axis=-1``.

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
    if axis not in (0, -1):
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


# --------------------------------------------------------------------------- progress
class _Progress:
    """A spinner or bar on a terminal, one line per phase (to stderr) otherwise."""

    def __init__(self, mode: bool | None) -> None:
        tty = bool(getattr(sys.stderr, "isatty", lambda: False)())
        self.show = tty if mode is None else bool(mode)
        self.bar = self.show and tty
        self._status: Any = None

    def start(self, message: str) -> None:
        self._t0 = time.perf_counter()
        self._message = message
        if not self.show:
            return
        if self.bar:
            try:
                from rich.console import Console

                self._status = Console(stderr=True).status(message + " ...")
                self._status.start()
                return
            except ImportError:  # pragma: no cover - rich comes with PyMC
                pass
        print(f"ahpstat.bayes: {message} ...", file=sys.stderr, flush=True)

    def done(self, extra: str = "") -> float:
        dt = time.perf_counter() - self._t0
        if self._status is not None:
            self._status.stop()
            self._status = None
        if self.show:
            print(f"ahpstat.bayes: {self._message}: done in {dt:.1f} s{extra}", file=sys.stderr,
                  flush=True)
        return dt


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class BayesResult:
    """Posterior summaries of a fitted :class:`BayesianAHP`: tidy tables over labelled draws.

    The draws themselves stay in :attr:`idata` (ArviZ ``InferenceData``, every variable with
    named dimensions); the tables come from :func:`arviz.summary`. Intervals are equal-tailed
    credible intervals at :attr:`confidence_level`.

    Attributes
    ----------
    idata : arviz.InferenceData
        ``posterior`` with ``local_weight``, ``global_weight``, ``new_expert_local_weight``,
        ``new_expert_global_weight`` (dims ``node``), ``log_priority`` (``element``),
        ``sigma`` (``expert``), ``tau`` (``judged_node``), the hyperparameters and (when
        item means were given) ``score`` (``group``, ``node``); ``log_likelihood`` and
        ``posterior_predictive`` (``log_judgment``, dim ``judgment``), ``observed_data``,
        ``constant_data``, ``sample_stats``.
    weights : DataFrame
        ``node, parent, weight, mean, sd, median, ci_low, ci_high, r_hat, ess_bulk,
        ess_tail``: the panel's local (within its parent) and global weight of every node,
        in pre-order, local rows first; the root's weights and single children are 1.
    new_expert : DataFrame
        The same for the weights of a NEW expert drawn from the panel (the posterior
        predictive of ``theta = mu + tau z_new``): how far one more expert's priorities may
        fall from the panel's centre, i.e. the between-expert spread, not only the centre.
    credal : DataFrame
        ``node, element_i, element_j, p_greater, p_greater_new_expert``: for every ordered
        pair of siblings, the posterior probability that the panel centre ranks ``element_i``
        above ``element_j`` (``p_greater``; it goes to 0 or 1 as experts are added, however
        much they disagree) and the predictive probability that a new expert does
        (``p_greater_new_expert``; it stays near 1/2 when the panel is split).
    experts : DataFrame
        ``expert, sigma_mean, sigma_sd, sigma_ci_low, sigma_ci_high, rank, influence``:
        inconsistency ``sigma_k`` (sd of the expert's latent log-judgment errors), ``rank`` 1
        = most inconsistent, ``influence`` = posterior mean of the expert's share
        ``w_k sigma_k^-2 / sum_j w_j sigma_j^-2`` of the likelihood precision (``1/K`` for
        equally consistent experts).
    diagnostics : DataFrame
        ``parameter, r_hat, ess_bulk, ess_tail, mcse_mean, ok`` for every weight that is not
        constant, every ``sigma_k``, ``tau_g`` and hyperparameter; ``ok`` is this parameter's
        verdict (R-hat <= 1.01, bulk and tail ESS >= 100 per chain).
    n_divergences : int
        Divergent transitions after tuning, all chains.
    ok : bool
        The fit-level verdict: every parameter ``ok`` and no divergence.
    confidence_level : float
        Level of the credible intervals.
    """

    idata: Any = field(repr=False)
    weights: pd.DataFrame
    new_expert: pd.DataFrame
    credal: pd.DataFrame
    experts: pd.DataFrame
    diagnostics: pd.DataFrame
    n_divergences: int
    ok: bool
    confidence_level: float = 0.95

    @classmethod
    def from_idata(cls, idata: Any, *, confidence_level: float = 0.95,
                   warn_if_bad: bool = True) -> BayesResult:
        """Summaries from the InferenceData returned by :meth:`BayesianAHP.fit`.

        Parameters
        ----------
        idata : arviz.InferenceData
            As :meth:`BayesianAHP.fit` returns it (its ``structure`` attribute is needed).
        confidence_level : float, optional
            Level of the equal-tailed credible intervals, in (0, 1).
        warn_if_bad : bool, optional
            Emit a :class:`~ahpstat.ConvergenceWarning` with advice when the diagnostics are
            poor.
        """
        if not 0 < confidence_level < 1:
            raise ValueError("`confidence_level` must lie in (0, 1); got "
                             f"{confidence_level!r} instead.")
        post = idata.posterior
        if "structure" not in post.attrs:
            raise ValueError("`idata` lacks the 'structure' attribute; pass the InferenceData "
                             "returned by BayesianAHP.fit. Got attributes "
                             f"{sorted(post.attrs)} instead.")
        az = _import_arviz()
        a = (1.0 - confidence_level) / 2.0
        stat_funcs = {"median": np.median,
                      "ci_low": lambda x: np.quantile(x, a),
                      "ci_high": lambda x: np.quantile(x, 1.0 - a)}
        names = [v for v in ("local_weight", "global_weight", "new_expert_local_weight",
                             "new_expert_global_weight", "sigma", "tau", "log_sigma_mu",
                             "log_sigma_sd", "sigma_shared", "lapse") if v in post]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # constant weights: R-hat NaN
            summ = az.summary(idata, var_names=names, fmt="xarray", stat_funcs=stat_funcs,
                              extend=True, round_to="none")
        parent = [str(p) for p in post["parent"].values]
        nodes = [str(v) for v in post["node"].values]
        cols = ["mean", "sd", "median", "ci_low", "ci_high", "r_hat", "ess_bulk", "ess_tail"]

        def weight_table(prefix: str) -> pd.DataFrame:
            parts = []
            for kind in ("local", "global"):
                da = summ[f"{prefix}{kind}_weight"]
                t = pd.DataFrame({c: da.sel(metric=c).values for c in cols})
                t.insert(0, "weight", kind)
                t.insert(0, "parent", parent)
                t.insert(0, "node", nodes)
                parts.append(t)
            out = pd.concat(parts, ignore_index=True)
            const = out["sd"] == 0
            out.loc[const, ["r_hat", "ess_bulk", "ess_tail"]] = np.nan
            return out

        weights = weight_table("")
        new_expert = weight_table("new_expert_") if "new_expert_local_weight" in post else None

        # experts: sigma_k summary, rank, influence
        sig = summ["sigma"]
        experts = [str(e) for e in post["expert"].values]
        s_draws = post["sigma"].stack(sample=("chain", "draw")).transpose("expert", "sample")
        ew = np.asarray(json.loads(post.attrs.get("expert_weights", "null"))
                        or np.ones(len(experts)))
        prec = ew[:, None] / np.asarray(s_draws.values) ** 2
        influence = (prec / prec.sum(axis=0, keepdims=True)).mean(axis=1)
        smean = sig.sel(metric="mean").values
        experts_df = pd.DataFrame({
            "expert": experts, "sigma_mean": smean, "sigma_sd": sig.sel(metric="sd").values,
            "sigma_ci_low": sig.sel(metric="ci_low").values,
            "sigma_ci_high": sig.sel(metric="ci_high").values,
            "rank": pd.Series(-smean).rank(method="min").astype(int).to_numpy(),
            "influence": influence,
        })

        # credal: panel centre and a new expert
        lw = post["local_weight"].stack(sample=("chain", "draw")).transpose("sample", "node")
        draws = {"panel": np.asarray(lw.values)}
        columns = {"panel": "p_greater"}
        if "new_expert_local_weight" in post:
            nw = post["new_expert_local_weight"].stack(sample=("chain", "draw"))
            draws["new"] = np.asarray(nw.transpose("sample", "node").values)
            columns["new"] = "p_greater_new_expert"
        from ahpstat.hierarchy import Hierarchy

        h = _hierarchy_from_attrs(post.attrs, Hierarchy)
        judged = tuple(v for v in h.internal if len(h.children(v)) >= 2)
        credal = credal_table(h, judged, draws, columns)

        chains = int(post.sizes["chain"])
        diag = _diagnostics(summ, chains)
        n_div = _n_divergences(idata)
        ok = bool(diag["ok"].all()) and n_div == 0
        if warn_if_bad and not ok:
            _warn_diagnostics(diag, n_div, chains)
        return cls(idata=idata, weights=weights,
                   new_expert=new_expert if new_expert is not None else weights.iloc[:0],
                   credal=credal, experts=experts_df, diagnostics=diag, n_divergences=n_div,
                   ok=ok, confidence_level=confidence_level)

    # ------------------------------------------------------------------ accessors
    def to_frame(self, kind: str = "weights") -> pd.DataFrame:
        """One of the tidy tables: ``"weights"``, ``"new_expert"``, ``"credal"``,
        ``"experts"`` or ``"diagnostics"`` (see the attributes).

        Examples
        --------
        >>> from ahpstat.datasets import bayes_example  # doctest: +SKIP
        >>> bayes_example().to_frame("credal").columns.tolist()  # doctest: +SKIP
        ['node', 'element_i', 'element_j', 'p_greater', 'p_greater_new_expert']
        """
        kind = check_choice("kind", kind,
                            ("weights", "new_expert", "credal", "experts", "diagnostics"))
        return getattr(self, kind)

    @property
    def structure(self) -> dict[str, list[str]]:
        """The hierarchy as ``parent -> children`` (from the fit's provenance)."""
        return json.loads(self.idata.posterior.attrs["structure"])

    def score_draws(self, item_means: Any) -> Any:
        """Posterior draws of every node's composite score for given item means.

        Parameters
        ----------
        item_means : Series (leaf -> mean) or DataFrame (groups x leaves)
            Item means by leaf id; a DataFrame gives one score per group (its index).

        Returns
        -------
        xarray.DataArray
            Dims ``(chain, draw, node)`` or ``(chain, draw, group, node)``.
        """
        import xarray as xr

        post = self.idata.posterior
        nodes = [str(v) for v in post["node"].values]
        from ahpstat.hierarchy import Hierarchy

        h = _hierarchy_from_attrs(post.attrs, Hierarchy)
        gw = post["global_weight"].sel(node=list(h.leaves))
        G = np.asarray(gw.transpose("chain", "draw", "node").values)
        M = h.membership()
        if isinstance(item_means, pd.DataFrame):
            X = item_means.reindex(columns=list(h.leaves)).to_numpy(dtype=float)
            out = composite_scores(G[:, :, None, :], X[None, None], M)
            return xr.DataArray(out, dims=("chain", "draw", "group", "node"),
                                coords={"chain": post["chain"], "draw": post["draw"],
                                        "group": list(item_means.index), "node": nodes},
                                name="score")
        X = pd.Series(item_means).reindex(list(h.leaves)).to_numpy(dtype=float)
        out = composite_scores(G, X, M)
        return xr.DataArray(out, dims=("chain", "draw", "node"),
                            coords={"chain": post["chain"], "draw": post["draw"], "node": nodes},
                            name="score")

    def predictive_checks(self, *, max_draws: int = 1000) -> pd.DataFrame:
        """Posterior predictive checks (:func:`predictive_checks`) at this result's level."""
        return predictive_checks(self.idata, confidence_level=self.confidence_level,
                                 max_draws=max_draws)

    # ------------------------------------------------------------------ legacy (study)
    def weights_table(self) -> pd.DataFrame:
        """``node, parent, weight, mean, median, sd, ci_low, ci_high`` (see :attr:`weights`)."""
        return self.weights[["node", "parent", "weight", "mean", "median", "sd", "ci_low",
                             "ci_high"]].copy()

    @property
    def nodes(self) -> tuple[str, ...]:
        """Every node of the hierarchy, in pre-order."""
        return tuple(str(v) for v in self.idata.posterior["node"].values)

    @property
    def leaves(self) -> tuple[str, ...]:
        """The leaves (indicators), in pre-order."""
        from ahpstat.hierarchy import Hierarchy

        return _hierarchy_from_attrs(self.idata.posterior.attrs, Hierarchy).leaves

    @property
    def membership(self) -> np.ndarray:
        """``(nodes, leaves)`` 0/1: leaf ``l`` lies under node ``v``."""
        from ahpstat.hierarchy import Hierarchy

        return _hierarchy_from_attrs(self.idata.posterior.attrs, Hierarchy).membership()

    @property
    def global_leaf_draws(self) -> np.ndarray:
        """``(leaves, draws)`` global weights of the leaves, chains stacked."""
        gw = self.idata.posterior["global_weight"].sel(node=list(self.leaves))
        return np.asarray(gw.stack(sample=("chain", "draw")).transpose("node", "sample").values)


def predictive_checks(idata: Any, *, confidence_level: float = 0.95,
                      max_draws: int = 1000) -> pd.DataFrame:
    """Posterior predictive checks of a fit: observed vs replicated judgments.

    Every replicated data set of the ``posterior_predictive`` group (each expert giving every
    judgment again at one posterior draw, its own deviation, inconsistency and lapses
    included) is summarised as the observed one is; the observed statistic should look like
    a typical replicated one (Gelman, Meng & Stern 1996). Two statistics:

    - ``consistency_ratio``, per expert: the mean consistency ratio (Saaty's random index)
      of the expert's complete matrices of order 3 or more. A ``p_value`` near 0 means the
      expert is less consistent than the model's ``sigma_k`` and lapses reproduce; near 1,
      more consistent (e.g. a repaired or copied matrix).
    - ``share_at_scale_ends``, over the panel (``expert = "all"``): the share of judgments
      at or beyond the scale's ends 9 and 1/9. Too many observed end values mean the
      judgments clip (true ratios above 9) more than the model expects.

    Parameters
    ----------
    idata : arviz.InferenceData
        From :meth:`BayesianAHP.fit` (with its ``posterior_predictive`` group).
    confidence_level : float, optional
        Level of the equal-tailed interval of the replicated statistic.
    max_draws : int, optional
        Replicated data sets used at most (evenly thinned), to bound the work.

    Returns
    -------
    DataFrame
        ``check, expert, n, observed, replicated_median, ci_low, ci_high, p_value``: ``n``
        matrices (consistency) or judgments (scale ends); ``p_value`` = P(replicated >=
        observed).

    Examples
    --------
    >>> from ahpstat.bayes import predictive_checks  # doctest: +SKIP
    >>> predictive_checks(model.fit(rng=1)).columns.tolist()  # doctest: +SKIP
    ['check', 'expert', 'n', 'observed', 'replicated_median', 'ci_low', 'ci_high', 'p_value']
    """
    from ahpstat.consistency import consistency

    if not 0 < confidence_level < 1:
        raise ValueError("`confidence_level` must lie in (0, 1); got "
                         f"{confidence_level!r} instead.")
    if "posterior_predictive" not in idata.groups():
        raise ValueError("`idata` has no posterior_predictive group; fit with "
                         "`posterior_predictive=True`. Got groups "
                         f"{list(idata.groups())} instead.")
    rep = idata.posterior_predictive["log_judgment"].stack(sample=("chain", "draw"))
    rep = np.asarray(rep.transpose("sample", "judgment").values)
    keep = np.unique(np.linspace(0, rep.shape[0] - 1, min(max_draws, rep.shape[0]))
                     .round().astype(int))
    Y = np.vstack([np.asarray(idata.observed_data["log_judgment"].values)[None], rep[keep]])
    cd = idata.constant_data
    expert = np.asarray(cd["judgment_expert"].values).astype(str)
    node = np.asarray(cd["judgment_node"].values).astype(str)
    row = np.asarray(cd["judgment_row"].values).astype(str)
    col = np.asarray(cd["judgment_col"].values).astype(str)
    structure = json.loads(idata.posterior.attrs["structure"])
    a = (1.0 - confidence_level) / 2.0
    rows = []

    def summary(check: str, who: str, n: int, T: np.ndarray) -> None:
        obs, r = float(T[0]), T[1:]
        rows.append((check, who, n, obs, float(np.median(r)), float(np.quantile(r, a)),
                     float(np.quantile(r, 1.0 - a)), float(np.mean(r >= obs))))

    # consistency ratio per expert: complete matrices of order >= 3, batched by order
    cells: dict[int, list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]] = {}
    for (k, g), idx in pd.Series(np.arange(node.size)).groupby([expert, node]):
        kids = structure[g]
        n = len(kids)
        ix = idx.to_numpy()
        if n < 3 or ix.size != n * (n - 1) // 2:
            continue
        pos = {c: i for i, c in enumerate(kids)}
        cells.setdefault(n, []).append((k, ix, np.array([pos[x] for x in row[ix]]),
                                        np.array([pos[x] for x in col[ix]])))
    cr: dict[str, list[np.ndarray]] = {}
    for n, group in cells.items():
        A = np.ones((Y.shape[0], len(group), n, n))
        for m, (_, ix, r, c) in enumerate(group):
            v = np.exp(Y[:, ix])
            A[:, m, r, c] = v
            A[:, m, c, r] = 1.0 / v
        val = np.asarray(consistency(A.reshape(-1, n, n), index="cr").value)
        val = val.reshape(Y.shape[0], len(group))
        for m, (k, *_) in enumerate(group):
            cr.setdefault(k, []).append(val[:, m])
    experts = [str(e) for e in idata.posterior["expert"].values]
    for k in experts:
        if k in cr:
            summary("consistency_ratio", k, len(cr[k]), np.mean(cr[k], axis=0))
    # share of judgments at (or beyond) the scale's ends
    end = _LOG_RANGE - 1e-9
    summary("share_at_scale_ends", "all", int(Y.shape[1]), (np.abs(Y) >= end).mean(axis=1))
    return pd.DataFrame(rows, columns=["check", "expert", "n", "observed",
                                       "replicated_median", "ci_low", "ci_high", "p_value"])


def _hierarchy_from_attrs(attrs: Mapping[str, Any], Hierarchy: Any) -> Any:
    from ahpstat._bayes_model import _as_hierarchy

    return _as_hierarchy(json.loads(attrs["structure"]))


def _diagnostics(summ: Any, chains: int) -> pd.DataFrame:
    """Per-parameter convergence table from the xarray summary (constant weights left out)."""
    rows = []
    for name in summ.data_vars:
        da = summ[name]
        dims = [d for d in da.dims if d != "metric"]
        vals = {m: np.atleast_1d(da.sel(metric=m).values).ravel()
                for m in ("r_hat", "ess_bulk", "ess_tail", "mcse_mean", "sd")}
        labels = ([f"{name}[{c}]" for c in da[dims[0]].values] if dims else [str(name)])
        for p, label in enumerate(labels):
            if vals["sd"][p] == 0:  # the root, a single child: weight 1 in every draw
                continue
            rows.append((label, vals["r_hat"][p], vals["ess_bulk"][p], vals["ess_tail"][p],
                         vals["mcse_mean"][p]))
    diag = pd.DataFrame(rows, columns=["parameter", "r_hat", "ess_bulk", "ess_tail",
                                       "mcse_mean"])
    ess_min = _ESS_PER_CHAIN * chains
    rhat_ok = (diag["r_hat"] <= _RHAT_MAX) if chains >= 2 else pd.Series(True, diag.index)
    diag["ok"] = (rhat_ok & (diag["ess_bulk"] >= ess_min) & (diag["ess_tail"] >= ess_min))
    return diag


def _n_divergences(idata: Any) -> int:
    ss = getattr(idata, "sample_stats", None)
    if ss is None or "diverging" not in ss:
        return 0
    return int(np.asarray(ss["diverging"].values).sum())


def _warn_diagnostics(diag: pd.DataFrame, n_div: int, chains: int) -> None:
    ess_min = _ESS_PER_CHAIN * chains
    problems, advice = [], []
    worst = diag.loc[diag["r_hat"].idxmax()] if chains >= 2 and len(diag) else None
    if worst is not None and worst["r_hat"] > _RHAT_MAX:
        problems.append(f"R-hat up to {worst['r_hat']:.3f} ({worst['parameter']}; want <= 1.01)")
        advice.append("run more chains and more tuning/draws")
    if len(diag):
        low = diag.loc[diag[["ess_bulk", "ess_tail"]].min(axis=1).idxmin()]
        low_ess = min(low["ess_bulk"], low["ess_tail"])
        if low_ess < ess_min:
            problems.append(f"ESS down to {low_ess:.0f} ({low['parameter']}; want >= {ess_min})")
            advice.append("increase `draws`")
    if n_div:
        problems.append(f"{n_div} divergent transitions")
        advice.append("raise `target_accept` (e.g. 0.95) or tighten the priors `tau_sigma` / "
                      "`log_sigma_sd`; check the data for an extreme expert or node")
    warn("The Bayesian model's sampler diagnostics are poor: " + "; ".join(problems)
         + ". Do not report these results as they stand: " + "; ".join(advice) + ".",
         ConvergenceWarning)


# --------------------------------------------------------------------------- model
class BayesianAHP:
    r"""Joint Bayesian model of all experts' judgments at all nodes of a hierarchy.

    The constructor only stores the inputs and configuration; :meth:`build_model` validates
    the data (raising before any sampling) and builds the PyMC model; :meth:`fit` samples it
    with nutpie (or PyMC's NUTS) and returns labelled ArviZ ``InferenceData``; :meth:`result`
    summarizes it (:class:`BayesResult`). The model is described in the module docstring and
    in ``docs/bayes_model.md``.

    Parameters
    ----------
    judgments : DataFrame
        Canonical long form ``expert, node, row, col, value`` (``value`` = how much more
        important ``row`` is than ``col``); missing pairs are absent. Validated by
        :func:`ahpstat.io.validate_judgments` (the ``source_*`` columns, when present,
        locate each problem in its file).
    structure : Hierarchy or mapping
        An :class:`ahpstat.Hierarchy` or a mapping ``parent -> ordered children``.
    scale : {"saaty", None}, default "saaty"
        The judgment scale: ``"saaty"`` treats each judgment as the interval of the latent
        log ratio that rounds to it on Saaty's 1/9..9 scale (values must lie on the scale;
        ``0.333`` counts as 1/3); ``None`` treats judgments as continuous (e.g. geometric
        means or slider values).
    expert_weights : mapping, Series or array_like, optional
        Relative expert weights (as :func:`ahpstat.io.read_expert_weights` returns them, or
        one per expert in order of first appearance); they enter as powers of each expert's
        likelihood, normalized to mean 1, so in the sanity limit (normal errors, one sigma,
        no expert deviation, continuous judgments) the posterior centre is the weighted
        geometric AIJ's row geometric mean.
    item_means : Series or DataFrame, optional
        Item means by leaf id (a DataFrame: one row per group) for the ``score`` deterministic
        (composite scores of every node, draw by draw, item means held fixed).
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
    timings : dict
        Seconds spent compiling (``compile``) and sampling (``sample``) in the last fit.

    Notes
    -----
    Priors, on the log-ratio scale (Saaty's 1..9 spans 0..log 9 = 2.2); ``None`` means the
    scale-aware default, in units of ``R = log 9``:

    ``priority_sigma`` (``R / 2`` = 1.10)
        ``mu_e ~ N(0, priority_sigma^2)``: a log-ratio ``mu_i - mu_j`` has prior sd 1.55,
        ratios between 1/21 and 21 with 95 % probability.
    ``tau_sigma`` (``R / 4`` = 0.55)
        ``tau_g ~ HalfNormal(tau_sigma)``: spread of the experts' own log-priorities around
        the panel's at node ``g`` (``expert_deviation=False``: every expert has the panel's).
    ``log_sigma_mu`` (``{"mu": log(R / 4), "sigma": 1}``) and ``log_sigma_sd`` (0.5)
        ``log sigma_k = m + s u_k``, ``m ~ N(mu, sigma^2)``, ``s ~ HalfNormal(log_sigma_sd)``:
        the typical expert's error sd has prior median 0.55 (a quarter of the scale's
        half-range; 95 % between 0.07 and 3.9), proper and bounded away from 0.
        ``shared_sigma=True`` uses one ``sigma ~ LogNormal(mu, sigma)`` for all experts.
    ``error`` (``"lapse"``)
        ``"lapse"``: with probability ``pi ~ Beta(lapse_prior)`` (default ``Beta(1, 19)``,
        mean 5 %) a judgment is a random answer (uniform over the scale's values); else
        normal. ``"normal"``: no lapse.

    The sanity limit (``error="normal"``, ``shared_sigma=True``, ``expert_deviation=False``,
    ``scale=None``) is the log-linear least-squares model: with complete matrices its
    posterior centre is the row geometric mean of the experts' element-wise geometric-mean
    (AIJ) matrix (Crawford & Williams 1985; Forman & Peniwati 1998).

    Sampler configuration: ``sampler`` ``"auto"`` (nutpie when installed, else PyMC's NUTS),
    ``"nutpie"`` or ``"pymc"``; ``draws``, ``tune``, ``chains``, ``cores``,
    ``target_accept``; ``progressbar`` (``None``: a bar on a terminal, one line per phase
    otherwise; ``False``: silent); ``nutpie_kwargs`` (passed to ``nutpie.sample``);
    ``pymc_mode`` (PyTensor mode of PyMC's NUTS, default ``"NUMBA"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from ahpstat.bayes import BayesianAHP
    >>> judgments = pd.DataFrame(
    ...     [(e, "goal", r, c, v) for e, f in (("E1", 1), ("E2", 2), ("E3", 1))
    ...      for r, c, v in (("A", "B", 2 * f), ("A", "C", 4), ("B", "C", 2))],
    ...     columns=["expert", "node", "row", "col", "value"])
    >>> m = BayesianAHP(judgments, {"goal": ["A", "B", "C"]})
    >>> idata = m.fit(rng=7)  # doctest: +SKIP
    >>> m.result().weights  # doctest: +SKIP
    """

    default_model_config: dict[str, Any] = {  # noqa: RUF012 - read-only by convention
        "error": "lapse",
        "expert_deviation": True,
        "shared_sigma": False,
        "priority_sigma": None,
        "tau_sigma": None,
        "log_sigma_mu": {"mu": None, "sigma": 1.0},
        "log_sigma_sd": 0.5,
        "lapse_prior": {"alpha": 1.0, "beta": 19.0},
    }
    default_sampler_config: dict[str, Any] = {  # noqa: RUF012 - read-only by convention
        "sampler": "auto",
        "draws": 1000,
        "tune": 1000,
        "chains": 4,
        "cores": None,
        "target_accept": 0.8,
        "progressbar": None,
        "nutpie_kwargs": {},
        "pymc_mode": "NUMBA",
    }

    def __init__(
        self,
        judgments: pd.DataFrame,
        structure: Any,
        *,
        scale: str | None = "saaty",
        expert_weights: Any = None,
        item_means: Any = None,
        model_config: Mapping[str, Any] | None = None,
        sampler_config: Mapping[str, Any] | None = None,
    ) -> None:
        self.judgments = judgments
        self.structure = structure
        self.scale = check_choice("scale", scale, ("saaty", None))
        self.expert_weights = expert_weights
        self.item_means = item_means
        model_config = dict(model_config or {})
        if "nu" in model_config:  # the study file's former `bayes.nu` (Student-t errors)
            if model_config.pop("nu") is not None:
                raise ValueError("`model_config['nu']` (Student-t errors) is no longer "
                                 "supported: their free nu collapsed on rounded judgments. The "
                                 "default error model is a normal with a lapse probability "
                                 "(`error='lapse'`); see docs/bayes_model.md.")
        self.model_config = _merge("model_config", self.default_model_config, model_config)
        self.sampler_config = _merge("sampler_config", self.default_sampler_config,
                                     sampler_config)
        self.model: Any = None
        self.idata: Any = None
        self.panel: Panel | None = None
        self.layout: Layout | None = None
        self.timings: dict[str, float] = {}
        self._compiled: dict[Any, Any] = {}
        self._result_cache: tuple[float, BayesResult] | None = None

    # ----------------------------------------------------------------- build
    def _validate_model_config(self) -> dict[str, Any]:
        """The model configuration with the scale-aware defaults filled in."""
        cfg = copy.deepcopy(self.model_config)
        check_choice("model_config['error']", cfg["error"], ("lapse", "normal"))
        R = _LOG_RANGE
        if cfg["priority_sigma"] is None:
            cfg["priority_sigma"] = R / 2.0
        if cfg["tau_sigma"] is None:
            cfg["tau_sigma"] = R / 4.0
        if cfg["log_sigma_mu"]["mu"] is None:
            cfg["log_sigma_mu"]["mu"] = math.log(R / 4.0)
        for key in ("expert_deviation", "shared_sigma"):
            if not isinstance(cfg[key], bool):
                raise ValueError(f"`model_config[{key!r}]` must be True or False; got "
                                 f"{cfg[key]!r} instead.")
        checks = {
            "priority_sigma": cfg["priority_sigma"], "tau_sigma": cfg["tau_sigma"],
            "log_sigma_sd": cfg["log_sigma_sd"],
            "log_sigma_mu['sigma']": cfg["log_sigma_mu"]["sigma"],
            "lapse_prior['alpha']": cfg["lapse_prior"]["alpha"],
            "lapse_prior['beta']": cfg["lapse_prior"]["beta"],
        }
        for key, val in checks.items():
            if not (isinstance(val, int | float) and not isinstance(val, bool) and val > 0
                    and math.isfinite(val)):
                raise ValueError(f"`model_config[{key!r}]` must be a positive number; got "
                                 f"{val!r} instead.")
        mu = cfg["log_sigma_mu"]["mu"]
        if not (isinstance(mu, int | float) and math.isfinite(mu)):
            raise ValueError(f"`model_config['log_sigma_mu']['mu']` must be a number; got "
                             f"{mu!r} instead.")
        return cfg

    def build_model(self) -> Any:
        """Validate the data and build the PyMC model.

        Returns
        -------
        pymc.Model
            Coords ``node`` (every node, pre-order), ``element`` (children of the judged
            nodes), ``judged_node``, ``expert`` (and ``group``, ``leaf`` with item means);
            the judgments as ``pm.Data`` (index arrays, weights, log-values) and one observed
            ``log_judgment`` (:class:`pymc.CustomDist`); deterministics ``log_priority``,
            ``local_weight``, ``global_weight``, ``new_expert_local_weight``,
            ``new_expert_global_weight``, ``sigma`` (and ``score``).

        Raises
        ------
        ahpstat.InputError
            Everything :func:`ahpstat.io.validate_judgments` rejects, and a node whose
            comparison graph (pooled over experts) is not connected -- all before sampling.
        """
        cfg = self._validate_model_config()
        panel = prepare_panel(self.judgments, self.structure, scale=self.scale,
                              expert_weights=self.expert_weights)
        lay = layout(panel)
        means = _item_means_frame(self.item_means, panel.hierarchy)
        _import_pymc()
        from ahpstat._bayes_ops import build_model

        self.model = build_model(panel, lay, cfg, means)
        self.panel, self.layout = panel, lay
        self._resolved_config = cfg
        self._compiled.clear()
        return self.model

    def set_judgments(self, judgments: pd.DataFrame) -> BayesianAHP:
        """Swap in new judgments, keeping the compiled model when the panel's shape allows.

        When the new judgments have the same experts and hierarchy (any number of
        judgments), the compiled sampler is reused with the new data (no recompilation: a
        simulation study, a sensitivity analysis, the next wave of a survey); otherwise the
        model is rebuilt at the next :meth:`fit`. Validated at once (:class:`InputError`).

        Returns
        -------
        BayesianAHP
            ``self``.
        """
        panel = prepare_panel(judgments, self.structure, scale=self.scale,
                              expert_weights=self.expert_weights)
        self.judgments = judgments
        old = self.panel
        self.idata, self._result_cache = None, None
        if (old is None or self.model is None or old.experts != panel.experts
                or old.elements != panel.elements):
            self.model, self.panel, self.layout = None, None, None
            self._compiled.clear()
            return self
        from ahpstat._bayes_ops import model_data

        data = model_data(panel)
        pm = _import_pymc()
        with self.model:
            pm.set_data(data)
        if "nutpie" in self._compiled:
            compiled = self._compiled["nutpie"]
            self._compiled["nutpie"] = compiled.with_data(
                **{k: v for k, v in data.items() if k in compiled.shared_data})
        self.panel = panel
        return self

    def _warn_small(self) -> None:
        """Warn, before sampling, when the data can say little."""
        panel = self.panel
        assert panel is not None
        K = len(panel.experts)
        if K < 5:
            warn(f"Only {K} expert(s): the between-expert spread (tau) and the experts' "
                 "inconsistencies are then mostly prior; the credible intervals of the weights "
                 "lean on the priors (see docs/bayes_model.md). Got fewer than 5 experts.",
                 _small_panel_warning())
        counts = panel.n_judged_per_node()
        params = panel.sizes.astype(int)  # n - 1 log-priority contrasts + the spread tau_g
        few = [f"{v} ({int(c)} < {int(p)})" for v, c, p
               in zip(panel.judged, counts, params, strict=True) if c < p]
        if few:
            warn("These nodes have fewer judgments (all experts) than parameters (n - 1 "
                 "log-priority contrasts and the spread tau): " + ", ".join(few)
                 + "; their weights are weakly identified and lean on the priors.",
                 _small_panel_warning())

    # ----------------------------------------------------------------- fit
    def fit(
        self,
        *,
        rng: int | np.random.Generator | None = None,
        draws: int | None = None,
        tune: int | None = None,
        chains: int | None = None,
        log_likelihood: bool = True,
        posterior_predictive: bool = True,
        **sampler_kwargs: Any,
    ) -> Any:
        """Sample the posterior; return labelled InferenceData stamped with provenance.

        Parameters
        ----------
        rng : int, Generator or None
            Seeds the sampler and the predictive draws (through integers drawn from
            ``np.random.default_rng(rng)``); the same ``rng`` and configuration give the same
            draws.
        draws, tune, chains : int, optional
            Override :attr:`sampler_config`.
        log_likelihood : bool, default True
            Add the ``log_likelihood`` group (``az.loo(idata)`` works).
        posterior_predictive : bool, default True
            Add the ``posterior_predictive`` group: every judgment replicated by its expert
            at every draw.
        **sampler_kwargs
            Further overrides of :attr:`sampler_config` (e.g. ``sampler="pymc"``).

        Returns
        -------
        arviz.InferenceData
            See :attr:`BayesResult.idata`. Attributes (on the InferenceData and its
            posterior): ``ahpstat_version``, ``model_config`` (with the scale-aware defaults
            filled in), ``sampler_config``, ``scale``, ``data_sha256`` (of the validated
            judgments, structure and expert weights), ``structure``, ``expert_weights``,
            ``sampler``, ``seed``, ``compile_time``, ``sampling_time``.
        """
        overrides = {"draws": draws, "tune": tune, "chains": chains, **sampler_kwargs}
        cfg = _merge("sampler_config", self.sampler_config,
                     {k: v for k, v in overrides.items() if v is not None})
        sampler = check_choice("sampler", cfg["sampler"], ("auto", "nutpie", "pymc"))
        if sampler == "auto":
            sampler = "nutpie" if _has_nutpie() else "pymc"
        for key in ("draws", "tune", "chains"):
            v = cfg[key]
            if not (isinstance(v, int | np.integer) and not isinstance(v, bool)
                    and v >= (key != "tune")):
                raise ValueError(f"`{key}` must be a positive integer; got {v!r} instead.")
        if not 0 < cfg["target_accept"] < 1:
            raise ValueError("`target_accept` must lie in (0, 1); got "
                             f"{cfg['target_accept']!r} instead.")
        gen = np.random.default_rng(rng)
        seed, pp_seed = (int(x) for x in gen.integers(0, 2**31 - 1, size=2))
        if self.model is None:
            self.build_model()
        self._warn_small()
        progress = _Progress(cfg["progressbar"])
        panel = self.panel
        assert panel is not None
        what = (f"{len(panel.experts)} experts, {panel.n_obs} judgments, "
                f"{len(panel.judged)} nodes")
        names = [n for n in ("log_priority", "local_weight", "global_weight", "sigma",
                             "new_expert_local_weight", "new_expert_global_weight", "score")
                 if n in self.model.named_vars]
        names += [v.name for v in self.model.free_RVs]
        if sampler == "nutpie":
            idata = self._sample_nutpie(cfg, seed, names, progress, what)
        else:
            idata = self._sample_pymc(cfg, seed, names, progress, what)
        idata = self._stamp(idata, cfg, sampler, seed, log_likelihood, posterior_predictive,
                            pp_seed)
        self.idata = idata
        res = BayesResult.from_idata(idata, warn_if_bad=True)
        self._result_cache = (0.95, res)
        return idata

    def _sample_nutpie(self, cfg: dict[str, Any], seed: int, names: list[str],
                       progress: _Progress, what: str) -> Any:
        try:
            import nutpie
        except ImportError as exc:
            raise ImportError(f"`sampler='nutpie'` needs nutpie: {_EXTRA}") from exc
        if "nutpie" not in self._compiled:
            progress.start(f"compiling the model ({what})")
            with warnings.catch_warnings():
                # PyTensor's C-backend BLAS notice: the numba backend does not use it
                warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
                self._compiled["nutpie"] = nutpie.compile_pymc_model(
                    self.model, backend="numba", var_names=names)
            self.timings["compile"] = progress.done()
        else:
            self.timings["compile"] = 0.0
        kwargs = {"target_accept": cfg["target_accept"], **cfg["nutpie_kwargs"]}
        if cfg["cores"] is not None:
            kwargs["cores"] = cfg["cores"]
        progress.start(f"sampling {cfg['chains']} chains x {cfg['draws']} draws "
                       f"(+{cfg['tune']} tuning)")
        idata = nutpie.sample(self._compiled["nutpie"], draws=cfg["draws"], tune=cfg["tune"],
                              chains=cfg["chains"], seed=seed, save_warmup=False,
                              progress_bar=progress.bar, **kwargs)
        self.timings["sample"] = progress.done()
        return idata

    def _sample_pymc(self, cfg: dict[str, Any], seed: int, names: list[str],
                     progress: _Progress, what: str) -> Any:
        pm = _import_pymc()
        progress.start(f"compiling and sampling with PyMC's NUTS ({what})")
        compile_kwargs = {"mode": cfg["pymc_mode"]} if cfg["pymc_mode"] else None
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
            idata = pm.sample(draws=cfg["draws"], tune=cfg["tune"], chains=cfg["chains"],
                              cores=cfg["cores"], random_seed=seed,
                              target_accept=cfg["target_accept"], progressbar=progress.bar,
                              var_names=names,
                              compute_convergence_checks=False, nuts_sampler="pymc",
                              compile_kwargs=compile_kwargs, model=self.model)
        self.timings["compile"] = float("nan")
        self.timings["sample"] = progress.done()
        return idata

    def _posterior_arrays(self, post: Any) -> dict[str, Any]:
        """``mu (S, E)``, ``tau (S, G)``, ``z (S, K, E)`` (None without deviations),
        ``sigma (S, K)``, ``lapse (S,)`` (or None) from the posterior.
        """

        def flat(name: str) -> np.ndarray | None:
            if name not in post:
                return None
            x = np.asarray(post[name].values)
            return x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])

        zeta = flat("expert_offset_raw")
        assert self.panel is not None
        z = None if zeta is None else zero_sum(zeta, self.panel.offsets)
        return {"mu": flat("log_priority"), "tau": flat("tau"), "z": z,
                "sigma": flat("sigma"), "lapse": flat("lapse")}

    def _stamp(self, idata: Any, cfg: dict[str, Any], sampler: str, seed: int,
               log_likelihood: bool, posterior_predictive: bool, pp_seed: int) -> Any:
        import xarray as xr

        panel, lay = self.panel, self.layout
        assert panel is not None and lay is not None
        post = idata.posterior
        idata.posterior = post.assign_coords(parent=("node", list(lay.parent)))
        attrs = {
            "ahpstat_version": __version__,
            "model_config": json.dumps(self._resolved_config, sort_keys=True),
            "sampler_config": json.dumps(cfg, sort_keys=True, default=str),
            "scale": "continuous" if panel.scale is None else panel.scale,
            "data_sha256": panel.sha256,
            "structure": json.dumps({v: list(panel.hierarchy.children(v))
                                     for v in panel.hierarchy.internal}),
            "expert_weights": json.dumps([float(x) for x in panel.expert_weights]),
            "sampler": sampler,
            "seed": seed,
            "compile_time": self.timings.get("compile", float("nan")),
            "sampling_time": self.timings.get("sample", float("nan")),
        }
        idata.posterior.attrs.update(attrs)
        o = {"judgment": np.arange(panel.n_obs)}
        el = np.asarray(panel.elements)
        groups = {
            "observed_data": xr.Dataset({"log_judgment": ("judgment", panel.log_value)},
                                        coords=o),
            "constant_data": xr.Dataset({
                "judgment_expert": ("judgment", np.asarray(panel.experts)[panel.expert]),
                "judgment_node": ("judgment", np.asarray(panel.judged)[panel.node]),
                "judgment_row": ("judgment", el[panel.row]),
                "judgment_col": ("judgment", el[panel.col]),
                "judgment_weight": ("judgment", panel.expert_weights[panel.expert]),
            }, coords=o),
        }
        if log_likelihood or posterior_predictive:
            deviation = self._resolved_config["expert_deviation"]
            p = self._posterior_arrays(idata.posterior)
            C, D = idata.posterior.sizes["chain"], idata.posterior.sizes["draw"]
            cd = {"chain": idata.posterior["chain"].values,
                  "draw": idata.posterior["draw"].values, **o}
            dims = ("chain", "draw", "judgment")
            if log_likelihood:
                ll = pointwise_loglik(panel, p["mu"], p["tau"], p["z"], p["sigma"], p["lapse"])
                groups["log_likelihood"] = xr.Dataset(
                    {"log_judgment": (dims, ll.reshape(C, D, -1))}, coords=cd)
            if posterior_predictive:
                ri, ci = obs_columns(panel, deviation)
                theta = expert_log_priorities(p["mu"], p["tau"], p["z"], panel.element_node)
                rep = replicate_judgments(panel, theta, p["sigma"], p["lapse"],
                                          np.random.default_rng(pp_seed), row=ri, col=ci)
                groups["posterior_predictive"] = xr.Dataset(
                    {"log_judgment": (dims, rep.reshape(C, D, -1))}, coords=cd)
        for name, ds in groups.items():
            if name in idata.groups():
                delattr(idata, name)
            idata.add_groups({name: ds})
        idata.attrs.update(attrs)
        return idata

    # ----------------------------------------------------------------- summaries
    def result(self, *, confidence_level: float = 0.95,
               ci: float | None = None) -> BayesResult:
        """Summaries of the last fit (see :class:`BayesResult`); diagnostics always included.

        ``ci`` is the former name of ``confidence_level``.
        """
        if ci is not None:
            confidence_level = ci
        if self.idata is None:
            raise ValueError("`result` needs a fitted model; call `fit()` first.")
        cached = self._result_cache
        if cached is not None and cached[0] == confidence_level:
            return cached[1]
        res = BayesResult.from_idata(self.idata, confidence_level=confidence_level,
                                     warn_if_bad=False)
        self._result_cache = (confidence_level, res)
        return res


def _small_panel_warning() -> type[AHPWarning]:
    from ahpstat._warnings import FewExpertsWarning

    return FewExpertsWarning


def _item_means_frame(item_means: Any, hierarchy: Any) -> pd.DataFrame | None:
    """Item means as a DataFrame ``groups x leaves`` (leaf ids), or None."""
    if item_means is None:
        return None
    if isinstance(item_means, pd.Series):
        item_means = item_means.to_frame().T.set_axis(["all"])
    if not isinstance(item_means, pd.DataFrame):
        raise TypeError("`item_means` must be a Series (leaf -> mean) or a DataFrame (groups x "
                        f"leaves); got {type(item_means).__name__} instead.")
    cols = [str(c) for c in item_means.columns]
    missing = [leaf for leaf in hierarchy.leaves if leaf not in cols]
    if missing:
        raise ValueError(f"`item_means` lacks the leaves {missing}; it needs one column per "
                         f"leaf of the hierarchy. Got the columns {cols} instead.")
    out = item_means.set_axis(cols, axis=1)[list(hierarchy.leaves)].astype(float)
    out.index = [str(g) for g in out.index]
    return out


def _merge(name: str, default: Mapping[str, Any], given: Mapping[str, Any] | None) -> dict:
    out = copy.deepcopy(dict(default))
    if given is None:
        return out
    if not isinstance(given, Mapping):
        raise TypeError(f"`{name}` must be a mapping; got {type(given).__name__} instead.")
    unknown = sorted(set(given) - set(default))
    if unknown:
        raise ValueError(f"`{name}` has unknown keys {unknown}; valid keys are "
                         f"{sorted(default)}. Got {unknown} instead.")
    for key, val in given.items():
        if isinstance(out[key], dict) and isinstance(val, Mapping):
            out[key] = {**out[key], **val}
        else:
            out[key] = copy.deepcopy(val)
    return out
