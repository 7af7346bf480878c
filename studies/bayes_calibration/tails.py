"""The heavy tail of the Bayesian model chosen by evidence: lapse mixture vs plain normal.

Run (from the repository root; one core, ``nice``)::

    nice -n 10 .venv/bin/python studies/bayes_calibration/tails.py loo
    nice -n 10 .venv/bin/python studies/bayes_calibration/tails.py loeo
    nice -n 10 .venv/bin/python studies/bayes_calibration/tails.py sim --reps 60
    .venv/bin/python studies/bayes_calibration/tails.py report

``loo``: the seed study (``studies/hangzhou_2022``) fitted with the default error model
(``error="lapse"``) and with ``error="normal"`` (everything else the default: 4 chains x
1,000 draws after 1,000 tuning steps, nutpie, one core), compared by PSIS-LOO
(:func:`arviz.compare`, leave one judgment out; the model's ``log_likelihood`` group).

``loeo``: the same two fits (4 chains on the machine's cores), compared by PSIS-LOO leaving
out one *expert* at a time: the ``log_likelihood`` group summed over each expert's
judgments (``az.loo`` on the ``(chain, draw, expert)`` sums), with each expert's Pareto
``k``. An exact refit without the expert is what an expert with ``k > 0.7`` needs; its
predictive density integrates over the held-out expert's own log-priorities and
``sigma_k`` and is not computed here (see ``docs/bayes_model.md``).

``sim``: panels simulated as in ``run.py`` (the same tree, truths and judgment noise; 10
experts, Saaty's scale), in three conditions, each panel fitted with both error models
(same panel, same seed: paired):

- ``clean``: every expert as ``run.py``'s ``saaty`` condition (what the lapse costs when
  nothing is wrong);
- ``erratic_experts``: 2 of 10 experts with judgment noise sd 1.5 (``run.py``'s condition);
- ``reversed_5pct``: 5 % of the judgments entered the wrong way round (``a`` recorded as
  ``1/a``), the classic data-entry slip, on top of ``clean``.

Per fit: RMSE of the posterior mean local weights against the truth, coverage and width of
the 90 % equal-tailed intervals, max R-hat. ``report`` writes ``tails.csv`` (paired
differences with their standard errors over replications) and prints both tables.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from run import SEED, TREE, truth  # noqa: E402 - the calibration study's own truths

LEVEL = 0.90
SAMPLER = {"draws": 500, "tune": 500, "chains": 4, "cores": 1, "progressbar": False}
CONDITIONS = {"clean": {}, "erratic_experts": {"erratic": 2, "erratic_sd": 1.5},
              "reversed_5pct": {}}
ERRORS = ("lapse", "normal")


def run_loo() -> None:
    import arviz as az

    from ahpstat.bayes import BayesianAHP
    from ahpstat.study import Study

    inputs = Study.from_yaml(ROOT / "studies" / "hangzhou_2022" / "study.yaml").load()
    fits = {}
    rows = []
    for error in ERRORS:
        m = BayesianAHP(inputs.judgments, inputs.hierarchy, scale="saaty",
                        model_config={"error": error},
                        sampler_config={"cores": 1, "progressbar": False})
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = m.fit(rng=1, posterior_predictive=False)
        res = m.result()
        loo = az.loo(idata, pointwise=True)
        k = np.asarray(loo.pareto_k)
        fits[error] = idata
        rows.append({"error": error, "elpd_loo": float(loo.elpd_loo), "se": float(loo.se),
                     "p_loo": float(loo.p_loo), "n_judgments": int(k.size),
                     "pareto_k_gt_0.7": int((k > 0.7).sum()),
                     "max_rhat": float(res.diagnostics["r_hat"].max()),
                     "divergences": int(res.n_divergences),
                     "seconds": time.perf_counter() - t0})
        print(rows[-1], flush=True)
    cmp = az.compare(fits, ic="loo")
    print(cmp.to_string(), flush=True)
    RESULTS.mkdir(exist_ok=True)
    pd.DataFrame(rows).to_csv(RESULTS / "tails_loo_fits.csv", index=False)
    cmp.reset_index(names="error").to_csv(RESULTS / "tails_loo_compare.csv", index=False)
    # the judgments the lapse helps most: the largest pointwise elpd differences
    d = (az.loo(fits["lapse"], pointwise=True).loo_i.values
         - az.loo(fits["normal"], pointwise=True).loo_i.values)
    cd = fits["lapse"].constant_data
    top = pd.DataFrame({"expert": cd["judgment_expert"].values,
                        "node": cd["judgment_node"].values,
                        "row": cd["judgment_row"].values, "col": cd["judgment_col"].values,
                        "log_judgment": fits["lapse"].observed_data["log_judgment"].values,
                        "elpd_diff": d}).sort_values("elpd_diff", ascending=False)
    top.to_csv(RESULTS / "tails_loo_pointwise.csv", index=False)
    print(top.head(10).to_string(index=False))
    print(f"share of the elpd difference from the 5 % most helped judgments: "
          f"{top['elpd_diff'].head(len(top) // 20).sum() / top['elpd_diff'].sum():.2f}")


def run_loeo() -> None:
    """PSIS-LOO leaving one expert out: each expert's judgments' log-likelihood summed."""
    import arviz as az
    import xarray as xr

    from ahpstat.bayes import BayesianAHP
    from ahpstat.study import Study

    inputs = Study.from_yaml(ROOT / "studies" / "hangzhou_2022" / "study.yaml").load()
    fits, rows, per_expert = {}, [], []
    for error in ERRORS:
        m = BayesianAHP(inputs.judgments, inputs.hierarchy, scale="saaty",
                        model_config={"error": error}, sampler_config={"progressbar": False})
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = m.fit(rng=1, posterior_predictive=False)
        res = m.result()
        ll = idata.log_likelihood["log_judgment"]
        experts = list(m.panel.experts)
        vals = ll.transpose("chain", "draw", "judgment").values
        sums = np.stack([vals[..., np.asarray(m.panel.expert) == k].sum(axis=-1)
                         for k in range(len(experts))], axis=-1)
        by_expert = xr.DataArray(sums, dims=("chain", "draw", "expert"),
                                 coords={"chain": ll["chain"].values,
                                         "draw": ll["draw"].values, "expert": experts})
        grouped = az.InferenceData(posterior=idata.posterior,
                                   log_likelihood=xr.Dataset({"log_judgment": by_expert}))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # high Pareto k: reported, not hidden
            loo = az.loo(grouped, pointwise=True)
        k = np.asarray(loo.pareto_k)
        fits[error] = grouped
        rows.append({"error": error, "elpd_loeo_psis": float(loo.elpd_loo), "se": float(loo.se),
                     "p_loo": float(loo.p_loo), "n_experts": int(k.size),
                     "pareto_k_gt_0.7": int((k > 0.7).sum()), "max_pareto_k": float(k.max()),
                     "max_rhat": float(res.diagnostics["r_hat"].max()),
                     "divergences": int(res.n_divergences),
                     "seconds": time.perf_counter() - t0})
        per_expert.append(pd.DataFrame({"error": error, "expert": experts,
                                        "elpd_i": loo.loo_i.values, "pareto_k": k}))
        print(rows[-1], flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cmp = az.compare(fits, ic="loo")
    print(cmp.to_string(), flush=True)
    RESULTS.mkdir(exist_ok=True)
    pd.DataFrame(rows).to_csv(RESULTS / "tails_loeo_fits.csv", index=False)
    cmp.reset_index(names="error").to_csv(RESULTS / "tails_loeo_compare.csv", index=False)
    pd.concat(per_expert).to_csv(RESULTS / "tails_loeo_experts.csv", index=False)


def _panel(cond: str, r: int) -> tuple[pd.DataFrame, dict, np.random.Generator]:
    from ahpstat.simulate import simulate_panel

    c = list(CONDITIONS).index(cond)
    gen = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(200 + c, r)))
    w = truth(TREE, "normal", gen)
    J = simulate_panel(TREE, w, n_experts=10, scale="saaty", expert_sd=gen.uniform(0.1, 0.4),
                       noise_sd=gen.uniform(0.1, 0.5), rng=gen, **CONDITIONS[cond])
    if cond == "reversed_5pct":
        flip = gen.random(len(J)) < 0.05
        J = J.assign(value=np.where(flip, 1.0 / J["value"].to_numpy(), J["value"].to_numpy()))
    return J, w, gen


def run_sim(reps: int) -> None:
    from ahpstat.bayes import BayesianAHP

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "tails_sim.csv"
    done = (set(map(tuple, pd.read_csv(path)[["condition", "error", "rep"]].to_numpy()))
            if path.exists() else set())
    models: dict[tuple[str, str], BayesianAHP] = {}
    for r in range(reps):
        for cond in CONDITIONS:
            J, w, gen = _panel(cond, r)
            seed = int(gen.integers(2**31 - 1))
            for error in ERRORS:
                if (cond, error, r) in done:
                    continue
                key = (cond, error)
                if key not in models:
                    models[key] = BayesianAHP(J, TREE, scale="saaty",
                                              model_config={"error": error},
                                              sampler_config=SAMPLER)
                m = models[key].set_judgments(J)
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    m.fit(rng=seed, log_likelihood=False, posterior_predictive=False)
                    res = m.result(confidence_level=LEVEL)
                lw = res.weights[res.weights["weight"] == "local"].set_index("node")
                t = np.concatenate([w[v] for v in TREE])
                kids = [k for v in TREE for k in TREE[v]]
                est = lw.loc[kids]
                hit = (est["ci_low"] <= t) & (t <= est["ci_high"])
                row = {"condition": cond, "error": error, "rep": r,
                       "rmse": float(np.sqrt(np.mean((est["mean"] - t) ** 2))),
                       "coverage": float(hit.mean()),
                       "width": float((est["ci_high"] - est["ci_low"]).mean()),
                       "max_rhat": float(res.diagnostics["r_hat"].max()),
                       "divergences": int(res.n_divergences),
                       "seconds": time.perf_counter() - t0}
                pd.DataFrame([row]).to_csv(path, mode="a", header=not path.exists(),
                                           index=False)
                print(row, flush=True)


def report() -> None:
    d = pd.read_csv(RESULTS / "tails_sim.csv")
    rows = []
    for cond, g in d.groupby("condition", sort=False):
        p = g.pivot(index="rep", columns="error")
        n = len(p.dropna())
        p = p.dropna()
        out = {"condition": cond, "replications": n}
        for err in ERRORS:
            out[f"rmse_{err}"] = p[("rmse", err)].mean()
            out[f"coverage_{err}"] = p[("coverage", err)].mean()
            out[f"coverage_se_{err}"] = p[("coverage", err)].std(ddof=1) / np.sqrt(n)
            out[f"width_{err}"] = p[("width", err)].mean()
            out[f"rhat_gt_1.05_{err}"] = int((p[("max_rhat", err)] > 1.05).sum())
        diff = p[("rmse", "lapse")] - p[("rmse", "normal")]
        out["rmse_lapse_minus_normal"] = diff.mean()
        out["rmse_diff_se"] = diff.std(ddof=1) / np.sqrt(n)
        out["rmse_ratio_lapse_normal"] = p[("rmse", "lapse")].mean() / p[("rmse", "normal")].mean()
        rows.append(out)
    t = pd.DataFrame(rows)
    t.to_csv(HERE / "tails.csv", index=False)
    with pd.option_context("display.width", 250, "display.float_format", "{:.4f}".format):
        print(t.T.to_string())
    loo = RESULTS / "tails_loo_compare.csv"
    if loo.exists():
        print(pd.read_csv(loo).to_string(index=False))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("loo", "loeo", "sim", "report"))
    ap.add_argument("--reps", type=int, default=60)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    {"loo": run_loo, "loeo": run_loeo, "sim": lambda: run_sim(a.reps),
     "report": report}[a.what]()
    print(f"wall time {time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
