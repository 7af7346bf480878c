"""The summaries of a fit: :class:`BayesResult` (tidy tables over the labelled draws) and the
per-parameter convergence diagnostics.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._bayes_model import credal_table
from ahpstat._validation import check_method
from ahpstat._warnings import AHPDeprecationWarning, ConvergenceWarning, warn
from ahpstat.bayes._checks import predictive_checks
from ahpstat.bayes._common import ESS_PER_CHAIN, RHAT_MAX
from ahpstat.scoring import composite_scores

__all__ = ["BayesResult", "warn_diagnostics"]


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
        names = [v for v in ("local_weight", "global_weight", "new_expert_local_weight",
                             "new_expert_global_weight", "sigma", "tau", "log_sigma_mu",
                             "log_sigma_sd", "sigma_shared", "lapse") if v in post]
        summ = _summary(post[names], confidence_level)
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
            warn_diagnostics(diag, n_div, chains)
        return cls(idata=idata, weights=weights,
                   new_expert=new_expert if new_expert is not None else weights.iloc[:0],
                   credal=credal, experts=experts_df, diagnostics=diag, n_divergences=n_div,
                   ok=ok, confidence_level=confidence_level)

    @property
    def attempts(self) -> pd.DataFrame:
        """The sampling attempts of the fit, one row each: ``attempt, tune, draws, chains,
        seed, max_r_hat, worst_parameter, min_ess_bulk, min_ess_tail, divergences, ok,
        seconds`` (more than one row when the diagnostics asked :meth:`BayesianAHP.fit` for a
        longer refit; the draws are the last attempt's). Empty for InferenceData from before
        the refits were recorded.
        """
        raw = self.idata.posterior.attrs.get("sampling_attempts")
        cols = ["attempt", "tune", "draws", "chains", "seed", "max_r_hat", "worst_parameter",
                "min_ess_bulk", "min_ess_tail", "divergences", "ok", "seconds"]
        return pd.DataFrame(json.loads(raw) if raw else [], columns=cols)

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
        kind = check_method("kind", kind,
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

    # ------------------------------------------------------------------ deprecated
    def weights_table(self) -> pd.DataFrame:
        """``node, parent, weight, mean, median, sd, ci_low, ci_high`` of :attr:`weights`.

        Deprecated: ``to_frame("weights")`` is the one accessor (select its columns).
        """
        warn("`BayesResult.weights_table()` is deprecated; use `to_frame(\"weights\")` (the "
             "same rows, with the diagnostics' columns too).", AHPDeprecationWarning)
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


def _hierarchy_from_attrs(attrs: Mapping[str, Any], Hierarchy: Any) -> Any:
    from ahpstat.hierarchy import as_hierarchy

    return as_hierarchy(json.loads(attrs["structure"]), argument="structure")


def _summary(post: Any, confidence_level: float) -> Any:
    """The summary the tables read, as :func:`arviz.summary` gives it (``fmt="xarray"``, a
    ``metric`` dimension): ArviZ's convergence diagnostics (``kind="diagnostics"``: MCSE,
    bulk and tail ESS, R-hat; :func:`~ahpstat.bayes._convergence.multichain_diagnostics`,
    ArviZ's formulas over all of a variable's parameters at once) and the statistics over
    the pooled draws -- ``mean``, ``sd`` (``ddof=1``), ``median``, ``ci_low``, ``ci_high``
    (equal-tailed quantiles) -- computed once per variable over all its parameters at a
    time, with the same numpy reductions ArviZ applies per parameter (so the same values),
    and no HDI nobody reads.
    """
    import xarray as xr

    from ahpstat.bayes._convergence import METRICS, multichain_diagnostics

    a = (1.0 - confidence_level) / 2.0
    metrics = ["mean", "sd", "median", "ci_low", "ci_high", *METRICS]
    out = {}
    for name, da in post.data_vars.items():
        da = da.transpose("chain", "draw", ...)
        x = np.asarray(da.values, dtype=float)
        flat = x.reshape(x.shape[0] * x.shape[1], -1)
        low, high = np.quantile(flat, [a, 1.0 - a], axis=0)
        with warnings.catch_warnings():
            # a parameter with a NaN or infinite draw goes through ArviZ, which may warn
            warnings.simplefilter("ignore", RuntimeWarning)
            diag = multichain_diagnostics(x)
        stats = np.concatenate([np.stack([flat.mean(axis=0), flat.std(axis=0, ddof=1),
                                          np.median(flat, axis=0), low, high]), diag])
        dims = da.dims[2:]
        out[name] = xr.DataArray(stats.reshape(len(metrics), *x.shape[2:]),
                                 dims=("metric", *dims),
                                 coords={"metric": metrics, **{d: da[d].values for d in dims}})
    return xr.Dataset(out)


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
    ess_min = ESS_PER_CHAIN * chains
    rhat_ok = (diag["r_hat"] <= RHAT_MAX) if chains >= 2 else pd.Series(True, diag.index)
    diag["ok"] = (rhat_ok & (diag["ess_bulk"] >= ess_min) & (diag["ess_tail"] >= ess_min))
    return diag


def _n_divergences(idata: Any) -> int:
    ss = getattr(idata, "sample_stats", None)
    if ss is None or "diverging" not in ss:
        return 0
    return int(np.asarray(ss["diverging"].values).sum())


def warn_diagnostics(diag: pd.DataFrame, n_div: int, chains: int, refits: int = 0) -> None:
    """The :class:`~ahpstat.ConvergenceWarning` of a fit that fails the verdict, with advice
    (``refits``: how many longer refits :meth:`BayesianAHP.fit` already made).
    """
    ess_min = ESS_PER_CHAIN * chains
    problems, advice = [], []
    worst = diag.loc[diag["r_hat"].idxmax()] if chains >= 2 and len(diag) else None
    if worst is not None and worst["r_hat"] > RHAT_MAX:
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
    done = (f" (after {refits} longer refit(s), see `BayesResult.attempts`)" if refits
            else "")
    warn("The Bayesian model's sampler diagnostics are poor" + done + ": "
         + "; ".join(problems) + ". Do not report these results as they stand: "
         + "; ".join(advice) + ".", ConvergenceWarning)
