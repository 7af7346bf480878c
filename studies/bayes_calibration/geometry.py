"""Sampler geometry of the default model: refit chosen calibration replications with other
parametrisations / adaptation settings and compare diagnostics and posteriors.

Run (from the repository root, one core)::

    nice -n 10 .venv/bin/python studies/bayes_calibration/geometry.py fit --variants base
    .venv/bin/python studies/bayes_calibration/geometry.py report

The fixed set of replications: every coverage replication whose stored fit (``--stored``,
default ``results/``) had max R-hat > 1.05, plus 8 ordinary ones per condition (drawn with a
fixed seed). Each replication is regenerated exactly as ``run.py coverage`` did (its
``SeedSequence(20260101, (condition, replication))``, the same generator then seeds the
fit), so the variant ``base`` reproduces the stored fit. Results are appended to
``results/geometry_fits.csv`` (one row per fit: max R-hat, which parameter, min ESS,
divergences, CPU seconds, leapfrog steps per draw) and ``results/geometry_params.csv``
(posterior mean, sd and MCSE of every diagnosed parameter), resumable.
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
sys.path.insert(0, str(HERE))
from run import CONDITIONS, LEVEL, SEED, replication  # noqa: E402

#: the sampler settings of the stored (wave-4) coverage fits, which ``base`` reproduces
SAMPLER = {"draws": 500, "tune": 500, "chains": 4, "cores": 1, "progressbar": False}

RESULTS = HERE / "results"
FITS = RESULTS / "geometry_fits.csv"
PARAMS = RESULTS / "geometry_params.csv"

#: name -> sampler overrides of SAMPLER. Two parametrisations were also measured (rows
#: ``centred_sigma``: ``log sigma_k ~ N(m, s)`` centred; ``centred_offset``: the experts'
#: deviations ``tau_g z_k`` centred), with a temporary switch in ``_bayes_ops.build_model``
#: that was not kept (docs/bayes_model.md); ``report`` shows them against ``base`` on the
#: replications they ran.
VARIANTS: dict[str, dict] = {
    "base": {},
    "base_reseed": {},  # the control: base with another seed (regression to the mean)
    "lowrank": {"nutpie_kwargs": {"low_rank_modified_mass_matrix": True}},
    "tune1000": {"tune": 1000},
    "draws1000": {"draws": 1000},
    "draws1000_tune1000": {"draws": 1000, "tune": 1000},
}


def replication_set(stored: Path) -> list[tuple[str, int, bool]]:
    rows = []
    gen = np.random.default_rng(7)
    for name in CONDITIONS:
        d = pd.read_csv(stored / f"coverage_{name}.csv")
        per = d.groupby("rep")["max_rhat"].first()
        bad = sorted(int(r) for r in per.index[per > 1.05])
        ok = np.sort(gen.choice(per.index[per <= 1.05].to_numpy(), 8, replace=False))
        rows += [(name, r, True) for r in bad] + [(name, int(r), False) for r in ok]
    return rows


def fit(variants: list[str], stored: Path, only_bad: bool) -> None:
    from ahpstat.bayes import BayesianAHP

    done = set()
    if FITS.exists():
        f = pd.read_csv(FITS)
        done = set(zip(f["variant"], f["condition"], f["rep"], strict=True))
    models: dict[str, BayesianAHP] = {}
    for name, r, bad in replication_set(stored):
        if only_bad and not bad:
            continue
        for v in variants:
            if (v, name, r) in done:
                continue
            samp = VARIANTS[v]
            tree, _, scale, *_ = CONDITIONS[name]
            J, _, gen = replication(name, r)
            if name not in models:  # one compiled model per condition
                models[name] = BayesianAHP(J, tree, scale=scale, sampler_config=SAMPLER)
            m = models[name]
            m.set_judgments(J)
            if v.endswith("_reseed"):
                gen = np.random.default_rng([SEED, 1, list(CONDITIONS).index(name), r])
            c0, t0 = time.process_time(), time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                idata = m.fit(rng=gen, log_likelihood=False, posterior_predictive=False,
                              **samp)
                res = m.result(confidence_level=LEVEL)
            cpu, wall = time.process_time() - c0, time.perf_counter() - t0
            d = res.diagnostics
            worst = d.loc[d["r_hat"].idxmax()]
            ss = idata.sample_stats
            steps = float(ss["n_steps"].mean()) if "n_steps" in ss else np.nan
            fam = d["parameter"].str.replace(r"\[.*", "", regex=True)
            row = {"variant": v, "condition": name, "rep": r, "stored_bad": bad,
                   "max_rhat": float(worst["r_hat"]), "worst": worst["parameter"],
                   "min_ess_bulk": float(d["ess_bulk"].min()),
                   "min_ess_tail": float(d["ess_tail"].min()),
                   "divergences": int(res.n_divergences), "steps_per_draw": steps,
                   "cpu_s": cpu, "wall_s": wall, "compile_s": m.timings.get("compile", 0.0),
                   **{f"rhat_{k}": float(x) for k, x in d.groupby(fam)["r_hat"].max().items()}}
            pd.DataFrame([row]).to_csv(FITS, mode="a", header=not FITS.exists(), index=False)
            lw = res.weights[res.weights["weight"] == "local"]
            lw = lw[lw["sd"] > 0]
            p = pd.DataFrame({"parameter": "local_weight[" + lw["node"] + "]",
                              "mean": lw["mean"], "sd": lw["sd"], "ci_low": lw["ci_low"],
                              "ci_high": lw["ci_high"]})
            ex = res.experts
            p = pd.concat([p, pd.DataFrame({"parameter": "sigma[" + ex["expert"] + "]",
                                            "mean": ex["sigma_mean"], "sd": ex["sigma_sd"],
                                            "ci_low": ex["sigma_ci_low"],
                                            "ci_high": ex["sigma_ci_high"]})])
            p = p.merge(d[["parameter", "mcse_mean", "r_hat", "ess_bulk"]], on="parameter",
                        how="left").assign(variant=v, condition=name, rep=r)
            p.to_csv(PARAMS, mode="a", header=not PARAMS.exists(), index=False)
            print(f"{v:18s} {name:16s} {r:4d} R-hat {row['max_rhat']:.3f} ({row['worst']}) "
                  f"ESS {row['min_ess_bulk']:.0f} div {row['divergences']} "
                  f"steps {steps:.1f} cpu {cpu:.1f} s", flush=True)


def _read_fits() -> pd.DataFrame:
    f = pd.read_csv(FITS)
    f["cpu_s"] = f["cpu_s"] - f["compile_s"]  # a condition's first fit compiled the model
    return f


def report() -> None:
    """Tables: diagnostics per variant on the stored-bad and the ordinary replications (only
    replications fitted by every variant listed), which parameter family carries the max
    R-hat, and old vs new posterior means in units of their Monte Carlo error."""
    f = _read_fits()
    f["family"] = f["worst"].str.replace(r"\[.*", "", regex=True)
    variants = [v for v in VARIANTS if v in set(f["variant"])]
    key = ["condition", "rep"]
    common = f.groupby(key)["variant"].apply(set)
    full = {v for v in variants if (common.apply(lambda s, v=v: v in s)).mean() > 0.9}
    keep = common[common.apply(lambda s: full <= s)].index
    f = f.set_index(key).loc[keep].reset_index()
    f = f[f["variant"].isin(full)]
    t = f.groupby(["stored_bad", "variant"]).agg(
        fits=("rep", "size"), rhat_gt_1_05=("max_rhat", lambda x: int((x > 1.05).sum())),
        rhat_gt_1_01=("max_rhat", lambda x: int((x > 1.01).sum())),
        max_rhat=("max_rhat", "max"), median_max_rhat=("max_rhat", "median"),
        median_min_ess_bulk=("min_ess_bulk", "median"), min_ess_bulk=("min_ess_bulk", "min"),
        fits_with_div=("divergences", lambda x: int((x > 0).sum())),
        steps_per_draw=("steps_per_draw", "median"), cpu_s_median=("cpu_s", "median"),
        cpu_s_total=("cpu_s", "sum"))
    fam = f[f["max_rhat"] > 1.05].groupby("variant")["family"].value_counts().unstack(
        fill_value=0)
    with pd.option_context("display.width", 250, "display.max_columns", 30,
                           "display.float_format", "{:.3f}".format):
        print(f"replications fitted by every variant of {sorted(full)}: {len(keep)}")
        print(t.to_string())
        allf = _read_fits()
        pair = []
        for v in sorted(set(allf["variant"]) - {"base"}):
            a = allf[allf["variant"] == v].set_index(key)
            b = allf[allf["variant"] == "base"].set_index(key).loc[a.index]
            for bad in (True, False):
                sa, sb = a[a["stored_bad"] == bad], b[b["stored_bad"] == bad]
                pair.append({"variant": v, "stored_bad": bad, "fits": len(sa),
                             "gt_1_05": int((sa["max_rhat"] > 1.05).sum()),
                             "base_gt_1_05": int((sb["max_rhat"] > 1.05).sum()),
                             "fits_div": int((sa["divergences"] > 0).sum()),
                             "base_fits_div": int((sb["divergences"] > 0).sum()),
                             "median_cpu_ratio": float(np.median(sa["cpu_s"] / sb["cpu_s"]))})
        print("\nevery variant against base on the replications it ran (paired):")
        print(pd.DataFrame(pair).to_string(index=False))
        print("\nparameter family of the max R-hat, fits with max R-hat > 1.05:")
        print(fam.to_string())
        if PARAMS.exists():
            p = pd.read_csv(PARAMS)
            p = p[p["variant"].isin(full)]
            base = p[p["variant"] == "base"].set_index(["condition", "rep", "parameter"])
            rows = []
            for v in sorted(full - {"base"}):
                o = p[p["variant"] == v].set_index(["condition", "rep", "parameter"])
                j = base.join(o, how="inner", lsuffix="_a", rsuffix="_b").dropna(
                    subset=["mcse_mean_a", "mcse_mean_b"])
                z = (j["mean_b"] - j["mean_a"]) / np.hypot(j["mcse_mean_a"], j["mcse_mean_b"])
                ci = np.maximum(abs(j["ci_low_b"] - j["ci_low_a"]),
                                abs(j["ci_high_b"] - j["ci_high_a"])) / j["sd_a"]
                rows.append({"variant": v, "parameters": len(j), "z_sd": z.std(),
                             "share_abs_z_gt_2": (abs(z) > 2).mean(),
                             "max_abs_z": abs(z).max(),
                             "median_ci_end_shift_in_sd": ci.median()})
            print("\nposterior means vs base (z = difference / combined MCSE; "
                  "N(0, 1) if the posterior is the same):")
            print(pd.DataFrame(rows).to_string(index=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("fit", "report", "list"))
    ap.add_argument("--variants", nargs="*", default=["base"], choices=list(VARIANTS))
    ap.add_argument("--stored", type=Path, default=RESULTS)
    ap.add_argument("--only-bad", action="store_true")
    a = ap.parse_args()
    if a.what == "fit":
        fit(a.variants, a.stored, a.only_bad)
    elif a.what == "list":
        for row in replication_set(a.stored):
            print(*row)
    else:
        report()


if __name__ == "__main__":
    main()
