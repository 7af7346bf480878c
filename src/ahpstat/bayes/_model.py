"""The model object: :class:`BayesianAHP` (configuration, validation, building, sampling with
progress, provenance) and its helpers.
"""

from __future__ import annotations

import copy
import json
import math
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ahpstat import __version__
from ahpstat._bayes_model import (
    Layout,
    Panel,
    layout,
    obs_columns,
    offsets_around,
    pointwise_loglik,
    predictive_kernels_loaded,
    prepare_panel,
    replicate_judgments,
    zero_sum,
)
from ahpstat._limits import small_pages
from ahpstat._threads import no_child, worker_pool
from ahpstat._validation import check_method, check_scale
from ahpstat._warnings import AHPWarning, warn
from ahpstat.bayes._common import EXTRA, LOG_RANGE, has_nutpie, import_pymc
from ahpstat.bayes._result import BayesResult, warn_diagnostics

__all__ = ["BayesianAHP"]


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

    def note(self, message: str) -> None:
        """One line (a terminal or not), unless silent."""
        if self.show:
            print(f"ahpstat.bayes: {message}", file=sys.stderr, flush=True)

    def done(self, extra: str = "") -> float:
        dt = time.perf_counter() - self._t0
        if self._status is not None:
            self._status.stop()
            self._status = None
        if self.show:
            print(f"ahpstat.bayes: {self._message}: done in {dt:.1f} s{extra}", file=sys.stderr,
                  flush=True)
        return dt


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
    ``pymc_mode`` (PyTensor mode of PyMC's NUTS, default ``"NUMBA"``); ``retry`` (below).

    Refits (``retry``, default ``{"max_retries": 2, "r_hat": 1.05, "ess": None,
    "factor": 2}``): after sampling, :meth:`fit` checks its own diagnostics; when the largest
    R-hat (every weight, ``sigma_k``, ``tau_g`` and hyperparameter) exceeds ``r_hat`` -- the
    chains disagree -- or (when ``ess`` is a number) a bulk or tail ESS falls below ``ess``,
    it samples again from scratch with ``factor`` times the tuning steps and draws (a seed
    derived from the first), up to ``max_retries`` times, and keeps the last fit. A fit that
    passes the first time is exactly the fit without this check. Every attempt is recorded
    (:attr:`BayesResult.attempts`, the InferenceData's ``sampling_attempts`` attribute). The
    default threshold is the calibration's "collapsed fit" (``studies/bayes_calibration/``:
    fits with R-hat between 1.01 and 1.05 cover as well as the others, those above do not);
    ``{"r_hat": 1.01, "ess": 400}`` refits up to the package's reporting verdict,
    ``{"max_retries": 0}`` never refits.

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
        "retry": {"max_retries": 2, "r_hat": 1.05, "ess": None, "factor": 2},
    }

    #: measurement hook (``benchmarks/bench_bayes.py --variants graph``): nutpie samples the
    #: PyMC model's PyTensor graph compiled by numba instead of the compiled density
    _nutpie_graph: bool = False
    #: measurement hook (not the model; docs/bayes_model.md, *A lower bound on sigma_k*): the
    #: compiled density with ``sigma_k = _sigma_min + exp(log_sigma_mu + log_sigma_sd u_k)``
    _sigma_min: float = 0.0
    #: measurement hook (``benchmarks/bench_bayes.py --rows ab``): ``False`` samples the
    #: model's own coordinates instead of the density with the experts' mean offset
    #: integrated out (the same posterior; ``ahpstat.bayes._compiled.density``)
    _marginal: bool = True

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
        self.scale = check_scale(scale)
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
        self._density_join: Callable[..., bool] = no_child
        self._result_cache: tuple[float, BayesResult] | None = None
        self._item_means: pd.DataFrame | None = None

    # ----------------------------------------------------------------- build
    def _validate_model_config(self) -> dict[str, Any]:
        """The model configuration with the scale-aware defaults filled in."""
        cfg = copy.deepcopy(self.model_config)
        cfg["error"] = check_method("model_config['error']", cfg["error"], ("lapse", "normal"))
        R = LOG_RANGE
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
        import_pymc()
        from ahpstat._bayes_ops import build_model

        self.model = build_model(panel, lay, cfg, means)
        self.panel, self.layout = panel, lay
        self._item_means = means
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
        pm = import_pymc()
        with self.model:
            pm.set_data(data)
        if "nutpie" in self._compiled and not self._nutpie_graph:
            self._compiled["nutpie"] = self._compile_density(panel)
        elif "nutpie" in self._compiled:
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
            ``sampler``, ``seed`` (of the first attempt), ``compile_time``, ``sampling_time``
            (all attempts), ``sampling_attempts`` (JSON: one record per attempt, see
            :attr:`BayesResult.attempts`; more than one when the diagnostics asked for a
            refit, see ``retry`` in the class notes).
        """
        overrides = {"draws": draws, "tune": tune, "chains": chains, **sampler_kwargs}
        cfg = _merge("sampler_config", self.sampler_config,
                     {k: v for k, v in overrides.items() if v is not None})
        sampler = cfg["sampler"] = check_method("sampler", cfg["sampler"],
                                                ("auto", "nutpie", "pymc"))
        for key in ("draws", "tune", "chains"):
            v = cfg[key]
            if not (isinstance(v, int | np.integer) and not isinstance(v, bool)
                    and v >= (key != "tune")):
                raise ValueError(f"`{key}` must be a positive integer; got {v!r} instead.")
        if not 0 < cfg["target_accept"] < 1:
            raise ValueError("`target_accept` must lie in (0, 1); got "
                             f"{cfg['target_accept']!r} instead.")
        retry = _check_retry(cfg["retry"])
        # a cold first fit: the density compiles in a forked child while this process
        # imports the sampler, builds the model and compiles the predictive kernels
        self._density_join = self._density_beside(sampler)
        try:
            # the pointwise groups, their posterior arrays and the summaries are arrays of up
            # to a few hundred MB, each mapped afresh: small pages (ahpstat._limits)
            with small_pages():
                return self._fit(cfg, sampler, retry, rng, log_likelihood,
                                 posterior_predictive)
        finally:
            self._density_join(0)
            self._density_join = no_child

    def _fit(self, cfg: dict[str, Any], sampler: str, retry: dict[str, Any], rng: Any,
             log_likelihood: bool, posterior_predictive: bool) -> Any:
        """:meth:`fit` after its arguments are checked."""
        if sampler == "auto":
            sampler = "nutpie" if has_nutpie() else "pymc"
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
        attempts: list[dict[str, Any]] = []
        if self._density_join is not no_child and not predictive_kernels_loaded():
            # while the child compiles the density
            self._compile_pointwise(posterior_predictive)
        # the pointwise groups (compiled kernels without the GIL) are computed in two more
        # threads, one each, while the summaries (ArviZ, Python) run in this one: the same
        # arrays, on the cores the sampler has let go; with one CPU or AHPSTAT_THREADS=1, in
        # this thread after the summaries (the same arrays, in the same order)
        pool = worker_pool("ahpstat-pointwise")
        try:
            idata, res, pending = self._sample_attempts(
                pool, cfg, sampler, seed, retry, names, progress, what, attempts,
                (log_likelihood, posterior_predictive, pp_seed))
            done = {k: v for f in pending for k, v in f.result().items()}
            arrays = {k: done[k] for k in ("log_likelihood", "posterior_predictive")
                      if k in done}  # the groups' order as before
        finally:
            pool.shutdown(wait=True)
        self._add_pointwise(idata, arrays)
        self.idata = idata
        if not res.ok:
            warn_diagnostics(res.diagnostics, res.n_divergences,
                             int(idata.posterior.sizes["chain"]), len(attempts) - 1)
        self._result_cache = (0.95, res)
        return idata

    def _sample_attempts(self, pool: Any, cfg: dict[str, Any], sampler: str, seed: int,
                         retry: dict[str, Any], names: list[str], progress: _Progress,
                         what: str, attempts: list[dict[str, Any]],
                         pointwise_args: tuple[bool, bool, int]) -> tuple[Any, Any, Any]:
        """Sample, and refit while the diagnostics ask for it (``retry``); the kept fit's
        InferenceData, its :class:`BayesResult` and the futures of its pointwise arrays.
        """
        compile_time, sample_time = 0.0, 0.0
        while True:
            a = len(attempts)
            run = dict(cfg)
            if a:  # a refit: longer tuning and more draws, a seed derived from the first
                run["tune"] = cfg["tune"] * retry["factor"] ** a
                run["draws"] = cfg["draws"] * retry["factor"] ** a
                progress.note(f"refit {a} of at most {retry['max_retries']} with "
                              f"{run['tune']} tuning steps and {run['draws']} draws: the "
                              f"last fit's diagnostics ({attempts[-1]['worst_parameter']} "
                              f"R-hat {attempts[-1]['max_r_hat']:.3f}) ask for it")
            run_seed = seed if a == 0 else int(
                np.random.default_rng([seed, a]).integers(0, 2**31 - 1))
            if sampler == "nutpie":
                idata = self._sample_nutpie(run, run_seed, names, progress, what)
            else:
                idata = self._sample_pymc(run, run_seed, names, progress, what)
            compile_time += self.timings.get("compile", 0.0) if a == 0 else 0.0
            sample_time += self.timings["sample"]
            idata = self._stamp(idata, cfg, sampler, seed)
            pending = self._submit_pointwise(pool, idata.posterior, *pointwise_args)
            res = BayesResult.from_idata(idata, warn_if_bad=False)
            attempts.append(_attempt_record(a, run, run_seed, res, self.timings["sample"]))
            if a >= retry["max_retries"] or not _needs_refit(res, retry):
                break
            for f in pending:  # a refit follows: this attempt's arrays are not kept
                f.result()
        self.timings["compile"], self.timings["sample"] = compile_time, sample_time
        extra = {"sampling_attempts": json.dumps(attempts), "sampling_time": sample_time,
                 "compile_time": compile_time}
        idata.posterior.attrs.update(extra)
        idata.attrs.update(extra)
        return idata, res, pending

    def _sample_nutpie(self, cfg: dict[str, Any], seed: int, names: list[str],
                       progress: _Progress, what: str) -> Any:
        try:
            import nutpie
        except ImportError as exc:
            raise ImportError(f"`sampler='nutpie'` needs nutpie: {EXTRA}") from exc
        if "nutpie" not in self._compiled:
            progress.start(f"compiling the model ({what})")
            if not self._nutpie_graph:
                assert self.panel is not None
                # the child compiling the density (:meth:`_density_beside`): its cache
                self._density_join(_DENSITY_WAIT)
                try:
                    self._compiled["nutpie"] = self._compile_density(self.panel)
                except _NutpieMismatch:
                    # a nutpie whose model class differs from the one the C callbacks are
                    # written for (0.16): sample the PyTensor graph instead
                    self._nutpie_graph = True
            if self._nutpie_graph:
                with warnings.catch_warnings():
                    # PyTensor's C-backend BLAS notice: the numba backend does not use it
                    warnings.filterwarnings("ignore",
                                            message="PyTensor could not link to a BLAS")
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
        if not self._nutpie_graph:
            from ahpstat.bayes._compiled import add_products, canonical_draws

            assert self.panel is not None and self.layout is not None
            # the experts' mean offset the sampled density integrated out, drawn from its
            # conditional (a stream of its own, from the sampler's seed)
            gen = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
            post = canonical_draws(idata.posterior, self.panel, self._resolved_config, gen)
            idata.posterior = add_products(post, self.panel, self.layout,
                                           self._resolved_config, self._item_means,
                                           self._sigma_min)
        return idata

    def _compile_density(self, panel: Panel) -> Any:
        from ahpstat.bayes._compiled import compile_density, density

        coords = {k: list(v) for k, v in self.model.coords.items()}
        dens = density(panel, self._resolved_config, self._sigma_min, self._marginal)
        try:
            return compile_density(dens, coords)
        except (TypeError, AttributeError, ImportError) as exc:  # nutpie's side only
            raise _NutpieMismatch(str(exc)) from exc

    def _sample_pymc(self, cfg: dict[str, Any], seed: int, names: list[str],
                     progress: _Progress, what: str) -> Any:
        pm = import_pymc()
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

    def _stamp(self, idata: Any, cfg: dict[str, Any], sampler: str, seed: int) -> Any:
        """Provenance attributes, the coordinate ``parent`` and the observed and constant
        data groups.
        """
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
        _add_groups(idata, groups)
        idata.attrs.update(attrs)
        return idata

    def _density_beside(self, sampler: str) -> Callable[..., bool]:
        """Start compiling the model's log-density in a forked child; return its ``join``
        (:func:`ahpstat._threads.beside`).

        A cold first fit (empty numba cache) compiles the density on one core (most of its
        compile time), after importing nutpie, PyMC and ArviZ and building the model, and
        compiles the kernels of the pointwise groups after sampling. Here the child compiles
        the density into numba's on-disk cache from the start while this process does the
        rest, the posterior predictive's kernels included (:meth:`_compile_pointwise`);
        :meth:`_sample_nutpie` then waits for the child and loads the density from the
        cache: the same machine code, so the same draws. Nothing is started when the PyMC
        sampler or the PyTensor graph is asked for, nutpie is not installed, the density is
        in this process or in numba's cache already, numba cannot write a cache here,
        forking is not safe or ``AHPSTAT_THREADS=1``.
        """
        import importlib.util

        from ahpstat._bayes_model import (
            density_cached,
            density_cfuncs,
            density_in_cache,
            density_loaded,
        )
        from ahpstat._threads import beside

        if (sampler == "pymc" or self._nutpie_graph or "nutpie" in self._compiled
                or density_loaded() or not density_cached() or density_in_cache()
                or importlib.util.find_spec("nutpie") is None):
            return no_child
        return beside(density_cfuncs)

    def _compile_pointwise(self, posterior_predictive: bool = True) -> None:
        """:meth:`_pointwise_arrays` of two draws (zeros, unit scales), the posterior
        predictive group only (``posterior_predictive``), and the experts' offsets of the
        canonical draws (:func:`~ahpstat._bayes_model.offsets_around`): compiles their
        kernels, or loads them from numba's cache, with the argument types of a fit's (the
        arrays of :meth:`_posterior_arrays`: float64, C order, one row per draw). The
        log-likelihood group's kernel is left to after sampling: it shares its kernels with
        the density, which the child compiles (here they would be compiled twice), and then
        finds them in the cache.
        """
        panel, cfg = self.panel, self._resolved_config
        assert panel is not None
        S, K, E, G = 2, len(panel.experts), len(panel.elements), len(panel.judged)
        dev = bool(cfg["expert_deviation"])
        if dev and not self._nutpie_graph:
            offsets_around(np.zeros((S, E - G)), np.zeros((S, K - 1, E - G)),
                           np.empty((S, K, E - G)))
        if not posterior_predictive:
            return
        p = {"mu": np.zeros((S, E)), "tau": np.ones((S, G)) if dev else None,
             "z": zero_sum(np.zeros((S, K, E - G)), panel.offsets) if dev else None,
             "sigma": np.ones((S, K)),
             "lapse": np.full(S, 0.05) if cfg["error"] == "lapse" else None}
        self._pointwise_arrays(p, False, True, 0)

    def _submit_pointwise(self, pool: Any, post: Any, log_likelihood: bool,
                          posterior_predictive: bool, pp_seed: int) -> list[Any]:
        """The futures of the pointwise groups of ``post`` (:meth:`_pointwise_arrays`), one
        task per group after a task of their common arrays (:meth:`_posterior_arrays`), so
        that this thread goes on at once: the posterior predictive (the longer: its random
        numbers) first. ``pool``: :func:`ahpstat._threads.worker_pool`'s (no worker threads:
        the tasks run in this thread when their results are asked for).
        """
        if not (log_likelihood or posterior_predictive):
            return []
        arrays = pool.submit(self._posterior_arrays, post)

        def group(ll: bool, pp: bool) -> dict[str, np.ndarray]:
            return self._pointwise_arrays(arrays.result(), ll, pp, pp_seed)

        futures = []
        if posterior_predictive:
            futures.append(pool.submit(group, False, True))
        if log_likelihood:
            futures.append(pool.submit(group, True, False))
        return futures

    def _pointwise_arrays(self, p: dict[str, Any], log_likelihood: bool,
                          posterior_predictive: bool, pp_seed: int) -> dict[str, np.ndarray]:
        """The ``log_likelihood`` and ``posterior_predictive`` arrays ``(S, O)`` of the
        posterior arrays ``p`` (:meth:`_posterior_arrays`); numpy only (run in a thread).
        """
        panel = self.panel
        assert panel is not None
        out: dict[str, np.ndarray] = {}
        if log_likelihood:
            out["log_likelihood"] = pointwise_loglik(panel, p["mu"], p["tau"], p["z"],
                                                     p["sigma"], p["lapse"])
        if posterior_predictive:
            ri, ci = obs_columns(panel, self._resolved_config["expert_deviation"])
            # each chunk of draws makes its experts' log-priorities (expert_log_priorities)
            out["posterior_predictive"] = replicate_judgments(
                panel, p["mu"], p["sigma"], p["lapse"], np.random.default_rng(pp_seed),
                row=ri, col=ci, tau=p["tau"], offset=p["z"])
        return out

    def _add_pointwise(self, idata: Any, arrays: Mapping[str, np.ndarray]) -> None:
        """The ``log_likelihood`` and ``posterior_predictive`` groups of the kept fit, from
        :meth:`_pointwise_arrays`.
        """
        import xarray as xr

        panel = self.panel
        assert panel is not None
        post = idata.posterior
        C, D = post.sizes["chain"], post.sizes["draw"]
        cd = {"chain": post["chain"].values, "draw": post["draw"].values,
              "judgment": np.arange(panel.n_obs)}
        dims = ("chain", "draw", "judgment")
        _add_groups(idata, {name: xr.Dataset({"log_judgment": (dims, x.reshape(C, D, -1))},
                                             coords=cd)
                            for name, x in arrays.items()})

    # ----------------------------------------------------------------- summaries
    def result(self, *, confidence_level: float = 0.95,
               ci: float | None = None) -> BayesResult:
        """Summaries of the last fit (see :class:`BayesResult`); diagnostics always included.

        ``ci`` is the former name of ``confidence_level`` (deprecated).
        """
        if ci is not None:
            from ahpstat._warnings import AHPDeprecationWarning, warn

            warn("`ci` is deprecated; use `confidence_level` (the package's one name for it).",
                 AHPDeprecationWarning)
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


#: seconds a fit waits for the child compiling its density (a cold compile takes 10-60 s,
#: more on a loaded machine); past them the child is stopped and the density compiled here
_DENSITY_WAIT = 300.0


class _NutpieMismatch(Exception):
    """nutpie's model class does not take the compiled density's C callbacks."""


def _add_groups(idata: Any, groups: Mapping[str, Any]) -> None:
    for name, ds in groups.items():
        if name in idata.groups():
            delattr(idata, name)
        idata.add_groups({name: ds})


def _check_retry(retry: Any) -> dict[str, Any]:
    """The validated ``sampler_config['retry']``."""
    if not isinstance(retry, Mapping):
        raise TypeError("`sampler_config['retry']` must be a mapping; got "
                        f"{type(retry).__name__} instead.")
    unknown = sorted(set(retry) - {"max_retries", "r_hat", "ess", "factor"})
    if unknown:
        raise ValueError(f"`sampler_config['retry']` has unknown keys {unknown}; valid keys "
                         "are ['ess', 'factor', 'max_retries', 'r_hat']. Got "
                         f"{unknown} instead.")
    out = dict(retry)
    for key, low in (("max_retries", 0), ("factor", 1)):
        v = out[key]
        if not (isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= low):
            raise ValueError(f"`sampler_config['retry'][{key!r}]` must be an integer >= "
                             f"{low}; got {v!r} instead.")
    v = out["r_hat"]
    if not (isinstance(v, int | float) and not isinstance(v, bool) and v >= 1.0):
        raise ValueError("`sampler_config['retry']['r_hat']` must be a number >= 1; got "
                         f"{v!r} instead.")
    v = out["ess"]
    if v is not None and not (isinstance(v, int | float) and not isinstance(v, bool)
                              and v > 0):
        raise ValueError("`sampler_config['retry']['ess']` must be None or a positive "
                         f"number; got {v!r} instead.")
    return out


def _needs_refit(res: BayesResult, retry: Mapping[str, Any]) -> bool:
    """Whether the fit's diagnostics ask for a longer refit (see ``retry``)."""
    d = res.diagnostics
    if not len(d):
        return False
    if int(res.idata.posterior.sizes["chain"]) >= 2 and d["r_hat"].max() > retry["r_hat"]:
        return True
    ess = retry["ess"]
    return ess is not None and float(d[["ess_bulk", "ess_tail"]].min().min()) < ess


def _attempt_record(a: int, run: Mapping[str, Any], seed: int, res: BayesResult,
                    seconds: float) -> dict[str, Any]:
    d = res.diagnostics
    worst = d.loc[d["r_hat"].idxmax()] if len(d) and d["r_hat"].notna().any() else None
    return {"attempt": a, "tune": int(run["tune"]), "draws": int(run["draws"]),
            "chains": int(run["chains"]), "seed": int(seed),
            "max_r_hat": float(d["r_hat"].max()) if len(d) else float("nan"),
            "worst_parameter": "" if worst is None else str(worst["parameter"]),
            "min_ess_bulk": float(d["ess_bulk"].min()) if len(d) else float("nan"),
            "min_ess_tail": float(d["ess_tail"].min()) if len(d) else float("nan"),
            "divergences": int(res.n_divergences), "ok": bool(res.ok),
            "seconds": float(seconds)}


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
