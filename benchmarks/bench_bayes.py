"""Benchmark of ahpstat.bayes.BayesianAHP: the seed study's panel, and 100 experts on its tree.

Run: ``.venv/bin/python benchmarks/bench_bayes.py [--rows seed k100] [--quick]
[--variants default graph density] [--second-process]``

Rows:

- ``seed``: the seed study (``studies/hangzhou_2022``: 25 experts, 30 judged nodes, 2,298
  judgments on Saaty's scale), default model and sampler settings (4 chains x 1,000 draws
  after 1,000 tuning steps, nutpie).
- ``k100``: 100 simulated experts on the seed study's hierarchy (``ahpstat.simulate``,
  Saaty-rounded, 9,200 judgments), same settings.

- ``seeds``: the seed study fitted at seeds 1-5 (``--seeds``) with the study file's own
  ``bayes:`` settings, in one process (compiled once): per seed the wall and CPU seconds of
  the fit, leapfrog steps per draw, divergences, max R-hat and min bulk/tail ESS over every
  parameter of the diagnostics table, and the fit-level verdict (the diagnostics table of
  ``docs/bayes_model.md``). ``--package-defaults``: the package's defaults instead (4 x
  1,000 draws after 1,000, default priors); the min ESS and max R-hat over the weights and
  over the σ_k are printed apart too.

Wall and CPU seconds (``time.process_time``: all threads of the process, so the sampler's
chains too; the cold row adds its ended child processes, the first fit's density compiled
beside it) are both printed: on a loaded machine the CPU seconds are the comparable figure.
``cold_rest_s`` is the cold fit's wall time outside sampling (imports, model, compiling, the
groups after sampling): what a cold start adds, less noisy than the whole cold time, whose
sampling varies with the load.
Each row runs in a fresh Python process with empty PyTensor and numba compile caches
(``PYTENSOR_FLAGS=base_compiledir=<tmp>``, ``NUMBA_CACHE_DIR=<tmp>``), so "cold" is what a
first run on a fresh install pays: imports, validation, model build, compilation, sampling
and the log-likelihood / posterior predictive groups. "warm" re-fits in the same process
(the compiled model is reused). Reported beside the times: min bulk and tail ESS and max
R-hat over every weight and sigma_k, divergences, the machine's load average at the
start and end of the row (``os.getloadavg``), since other processes slow every figure, and
``eig7_us``, one 7x7 ``numpy.linalg.eig`` in microseconds, measured before the row's clock
starts: this machine's speed has varied by a quarter from hour to hour with nothing else
running, and only rows of a similar ``eig7_us`` (or run side by side) compare.

``--variants``: each row once per way nutpie gets the model -- ``density`` (the package's
default: the compiled log-density through nutpie's C interface), ``graph`` (the PyMC model's
PyTensor graph compiled by numba, through the measurement hook
``BayesianAHP._nutpie_graph``) -- one after the other, and their cold fits' posteriors
compared (mean differences in Monte Carlo standard errors, sd ratios).
``--second-process``: each row again in a fresh process on the caches the first one left.

``AHPSTAT_SRC=<src>`` (another tree's ``src`` directory, e.g. main's tip checked out with
``git worktree add``): the ``seed`` and ``k100`` rows run that tree's package too, each in
its own fresh process, the two trees alternating (this tree first), column ``tree``. Compare
``warm_post_s``: the warm fit's seconds after sampling (its wall time less the sampler's:
the summaries, the log-likelihood and posterior predictive groups, single-threaded), and
``warm_main_cpu_s``: the CPU seconds of the fit's main thread (``time.thread_time``; the
sampler's chains run in their own threads, so this is that post-sampling work plus the
main thread's waiting on the sampler), which load slows less than wall time.

``--rows ab --baseline <src>``: the seed study's default fit side by side in one process with
another source tree's compiled density (``<src>/ahpstat/_bayes_model``, e.g. ``git worktree
add /tmp/main main`` then ``/tmp/main/src``: its ``_bases``, ``_kernels`` and ``_density``
loaded under another package name, their C callbacks handed to nutpie), alternating at
``--seeds``: per fit the CPU seconds, leapfrog steps per draw, CPU per kept leapfrog step (the
fit's CPU over the post-tuning steps), min bulk / tail ESS and max R-hat over every weight
and sigma_k, min ESS per CPU second; per seed the posteriors compared (mean differences in
Monte Carlo standard errors, sd ratios).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "studies" / "hangzhou_2022" / "study.yaml"


def _panel(row: str):
    from ahpstat.study import Study

    inputs = Study.from_yaml(STUDY).load()
    h = inputs.hierarchy
    if row == "seed":
        return inputs.judgments, h
    from ahpstat.simulate import simulate_panel

    truth = {v: [1.0] * len(h.children(v)) for v in h.internal if len(h.children(v)) >= 2}
    import numpy as np

    gen = np.random.default_rng(2024)
    truth = {v: gen.dirichlet(np.full(len(w), 2.0)) for v, w in truth.items()}
    return simulate_panel(h, truth, n_experts=100, noise_sd=0.3, expert_sd=0.2, rng=gen), h


def _cpu() -> float:
    """CPU seconds of this process's threads and of its ended children (a first fit
    compiles its density in a forked child, ``BayesianAHP._density_beside``)."""
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


def machine_speed() -> float:
    """Microseconds of one ``numpy.linalg.eig`` of a fixed 7x7 matrix (best of 7 x 2,000
    calls): the machine's speed at the time of a row, the reference that the figures of
    ``benchmarks/README.md`` quote (15.6 us where the targets were set, up to 19.3 us on the
    same machine in a slow hour), so that rows of different hours can be compared."""
    import timeit

    A = np.random.default_rng(0).uniform(0.2, 5.0, (7, 7))
    return min(timeit.repeat(lambda: np.linalg.eig(A), number=2000, repeat=7)) / 2000 * 1e6


def worker(row: str, quick: bool) -> dict:
    eig_us = machine_speed()  # before the clock starts
    t0, c0 = time.perf_counter(), _cpu()
    load0 = os.getloadavg()[0]
    warnings.simplefilter("ignore")
    from ahpstat.bayes import BayesianAHP

    # the package's default is the density; "graph" sets the measurement hook
    BayesianAHP._nutpie_graph = os.environ.get("BENCH_BAYES_VARIANT") == "graph"
    J, h = _panel(row)
    cfg = {"progressbar": False}
    if quick:
        cfg.update(draws=300, tune=300, chains=2)
    m = BayesianAHP(J, h, sampler_config=cfg)
    idata = m.fit(rng=1)
    cold, cold_cpu = time.perf_counter() - t0, _cpu() - c0
    save = os.environ.get("BENCH_BAYES_SAVE")
    if save:  # the cold fit's weights and sigma_k, for the side-by-side equality check
        idata.posterior[["local_weight", "global_weight", "sigma"]].to_netcdf(save)
    compile_s = m.timings.get("compile")
    # the cold fit's time outside sampling (imports, model, compiling, the groups after
    # sampling): what a cold start adds, less noisy under load than the whole cold time
    cold_rest = cold - m.timings["sample"]
    steps = float(idata.sample_stats["n_steps"].mean())
    t1, c1, m1 = time.perf_counter(), time.process_time(), time.thread_time()
    m.fit(rng=2)
    warm, warm_cpu = time.perf_counter() - t1, time.process_time() - c1
    warm_main = time.thread_time() - m1
    res = m.result()
    d = res.diagnostics
    keep = d["parameter"].str.startswith(("local_weight", "global_weight", "sigma["))
    w = d[keep]
    return {
        "row": row, "variant": os.environ.get("BENCH_BAYES_VARIANT", ""),
        "experts": len(m.panel.experts), "judgments": m.panel.n_obs,
        "cold_s": cold, "cold_cpu_s": cold_cpu, "compile_s": compile_s,
        "cold_rest_s": cold_rest, "warm_s": warm,
        "warm_cpu_s": warm_cpu, "warm_sample_s": m.timings.get("sample"),
        "warm_post_s": warm - m.timings["sample"], "warm_main_cpu_s": warm_main,
        "steps_per_draw": steps,
        "min_ess_bulk": float(w["ess_bulk"].min()), "min_ess_tail": float(w["ess_tail"].min()),
        "max_rhat": float(w["r_hat"].max()), "max_rhat_all": float(d["r_hat"].max()),
        "divergences": res.n_divergences, "ok": bool(res.ok),
        "load_start": load0, "load_end": os.getloadavg()[0], "eig7_us": eig_us,
    }


def seeds_worker(seeds: list[int], package_defaults: bool = False) -> list[dict]:
    """The seed study's Bayes fit at each seed (its own ``bayes:`` settings, or the
    package's defaults), with the min ESS and max R-hat over the weights and over the σ_k
    apart."""
    warnings.simplefilter("ignore")
    from ahpstat.bayes import BayesianAHP
    from ahpstat.study import Study

    st = Study.from_yaml(STUDY)
    inputs = st.load()
    opts = st.bayes_options(True)
    if package_defaults:
        opts.update(BayesianAHP.default_sampler_config)
        m = BayesianAHP(inputs.judgments, inputs.hierarchy, sampler_config={"progressbar": False})
    else:
        m = BayesianAHP(inputs.judgments, inputs.hierarchy, scale=st.judgments.scale,
                        model_config=dict(opts["priors"]),
                        sampler_config={**{k: opts[k] for k in ("draws", "tune", "chains",
                                                                  "cores", "sampler",
                                                                  "target_accept")},
                                        "progressbar": False})
    rows = []
    for seed in seeds:
        load0 = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        idata = m.fit(rng=seed)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        res = m.result()
        d = res.diagnostics
        w = d[d["parameter"].str.startswith(("local_weight", "global_weight"))]
        sg = d[d["parameter"].str.startswith("sigma[")]
        rows.append({
            "seed": seed, "draws": opts["draws"], "tune": opts["tune"], "chains": opts["chains"],
            "wall_s": wall, "cpu_s": cpu, "compile_s": m.timings.get("compile"),
            "steps_per_draw": float(idata.sample_stats["n_steps"].mean()),
            "divergences": res.n_divergences, "max_rhat": float(d["r_hat"].max()),
            "min_ess_bulk": float(d["ess_bulk"].min()),
            "min_ess_tail": float(d["ess_tail"].min()),
            "max_rhat_parameter": str(d["parameter"][d["r_hat"].idxmax()]),
            "weights_ess_bulk": float(w["ess_bulk"].min()),
            "weights_ess_tail": float(w["ess_tail"].min()),
            "sigma_ess_bulk": float(sg["ess_bulk"].min()),
            "sigma_ess_tail": float(sg["ess_tail"].min()),
            "max_rhat_weights_sigma": float(max(w["r_hat"].max(), sg["r_hat"].max())),
            "params_not_ok": int((~d["ok"]).sum()), "ok": bool(res.ok),
            "load_start": load0, "load_end": os.getloadavg()[0]})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def _baseline_density(src: str):
    """The ``_density`` module of another source tree's ``ahpstat/_bayes_model`` (its density,
    kernels and bases copied into a temporary package, their imports pointed at it)."""
    import importlib
    import re

    pkg = Path(tempfile.mkdtemp(prefix="bench-bayes-baseline-")) / "baseline_bayes"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in ("_bases", "_kernels", "_density"):
        text = (Path(src) / "ahpstat" / "_bayes_model" / f"{name}.py").read_text()
        (pkg / f"{name}.py").write_text(re.sub(r"ahpstat\._bayes_model\._", "baseline_bayes._",
                                               text))
    sys.path.insert(0, str(pkg.parent))
    return importlib.import_module("baseline_bayes._density")


def ab_worker(seeds: list[int], baseline: str) -> list[dict]:
    """The seed study's default fit with the baseline's density and this tree's, alternating."""
    import arviz as az
    import numpy as np

    warnings.simplefilter("ignore")
    import ahpstat.bayes._compiled as compiled
    from ahpstat.bayes import BayesianAHP

    J, h = _panel("seed")
    own = compiled.density_cfuncs
    models = {}
    base = _baseline_density(baseline)
    for name, cfuncs in (("baseline", base.density_cfuncs), ("this", own)):
        m = BayesianAHP(J, h, sampler_config={"progressbar": False})
        # a baseline from before the marginal coordinates (main before 2026-12-03 17:00)
        # knows only the model's own coordinates
        m._marginal = name == "this" or hasattr(base, "marginal_density_and_grad")
        m.build_model()
        compiled.density_cfuncs = cfuncs
        try:
            m._compiled["nutpie"] = m._compile_density(m.panel)
        finally:
            compiled.density_cfuncs = own
        models[name] = m
    rows = []
    for seed in seeds:
        summaries = {}
        for name in (("baseline", "this") if seed % 2 else ("this", "baseline")):
            m = models[name]
            load0 = os.getloadavg()[0]
            t0, c0 = time.perf_counter(), time.process_time()
            idata = m.fit(rng=seed, log_likelihood=False, posterior_predictive=False)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            steps = int(idata.sample_stats["n_steps"].sum())
            s = az.summary(idata.posterior[["local_weight", "global_weight", "sigma"]],
                           kind="all", round_to="none")
            s = s[s["sd"] > 0]
            summaries[name] = s
            ess = float(min(s["ess_bulk"].min(), s["ess_tail"].min()))
            rows.append({"seed": seed, "density": name, "wall_s": wall, "cpu_s": cpu,
                         "steps_per_draw": steps / idata.posterior.sizes["draw"]
                         / idata.posterior.sizes["chain"],
                         "cpu_us_per_kept_step": 1e6 * cpu / steps,
                         "min_ess_bulk": float(s["ess_bulk"].min()),
                         "min_ess_tail": float(s["ess_tail"].min()),
                         "max_rhat": float(s["r_hat"].max()),
                         "divergences": m.result().n_divergences,
                         "min_ess_per_cpu_s": ess / cpu, "load_start": load0,
                         "load_end": os.getloadavg()[0]})
            print(json.dumps(rows[-1]), flush=True)
        a, b = summaries["baseline"].align(summaries["this"], join="inner", axis=0)
        z = (a["mean"] - b["mean"]) / np.sqrt(a["sd"] ** 2 / a["ess_bulk"]
                                               + b["sd"] ** 2 / b["ess_bulk"])
        r = b["sd"] / a["sd"]
        print(f"seed {seed}: baseline vs this over {len(z)} quantities: max |mean difference| "
              f"{z.abs().max():.2f} MCSE ({z.abs().idxmax()}), sd of the differences in MCSE "
              f"{z.std():.2f} (1 if the same posterior), {100 * (z.abs() > 2).mean():.1f} % "
              f"beyond 2, sd ratio {r.min():.3f}-{r.max():.3f}", flush=True)
    return rows


def _compare(row: str, saved: dict[str, str]) -> None:
    """The cold fits' posteriors side by side: every local and global weight and sigma_k with
    a positive sd, the difference of the means in Monte Carlo standard errors
    ``sd sqrt(1 / ESS_a + 1 / ESS_b)`` (bulk ESS) and the ratio of the sds."""
    import arviz as az
    import numpy as np
    import xarray as xr

    (na, pa), (nb, pb) = list(saved.items())[:2]
    stats = []
    for path in (pa, pb):
        post = xr.open_dataset(path)
        s = az.summary(post, kind="all", round_to="none")
        stats.append(s[s["sd"] > 0])
    a, b = stats[0].align(stats[1], join="inner", axis=0)
    mcse = np.sqrt(a["sd"] ** 2 / a["ess_bulk"] + b["sd"] ** 2 / b["ess_bulk"])
    z = (a["mean"] - b["mean"]).abs() / mcse
    ratio = b["sd"] / a["sd"]
    print(f"{row}: {na} vs {nb} over {len(z)} quantities: max |mean difference| "
          f"{z.max():.2f} MCSE ({z.idxmax()}), {100 * (z > 2).mean():.1f} % beyond 2 "
          f"(4.6 % expected by chance), sd ratio {ratio.min():.3f}-{ratio.max():.3f}",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", default=["seed", "k100"],
                    choices=["seed", "k100", "seeds", "ab"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3, 4, 5],
                    help="seeds of the `seeds` row (default 1-5)")
    ap.add_argument("--quick", action="store_true", help="2 chains x 300 draws (smoke run)")
    ap.add_argument("--package-defaults", action="store_true",
                    help="the `seeds` row at the package's defaults, not the study file's")
    ap.add_argument("--baseline", help="the `ab` row's other source tree (its `src` directory)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write the table as JSON to this path")
    ap.add_argument("--variants", nargs="+", default=["default"],
                    choices=["default", "graph", "density"],
                    help="nutpie's model: the package's default, the compiled PyTensor graph, "
                         "or the compiled density through nutpie's C interface; several are "
                         "run one after the other per row and their posteriors compared")
    ap.add_argument("--second-process", action="store_true",
                    help="run each row again in a second fresh process on the caches the "
                         "first one left (what every later run of a study pays)")
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker, a.quick)))
        return
    rows = []
    if "ab" in a.rows:
        if not a.baseline:
            ap.error("`--rows ab` needs `--baseline <src directory of another tree>`")
        table = pd.DataFrame(ab_worker(a.seeds, a.baseline))
        with pd.option_context("display.width", 200, "display.float_format", "{:.4g}".format):
            print(table.to_string(index=False))
        a.rows = [r for r in a.rows if r != "ab"]
        if not a.rows:
            return
    if "seeds" in a.rows:
        table = pd.DataFrame(seeds_worker(a.seeds, a.package_defaults))
        with pd.option_context("display.width", 200, "display.float_format", "{:.4g}".format):
            print(table.to_string(index=False))
        print("first seed includes the compilation (compile_s); want R-hat <= 1.01, "
              "ESS >= 100 per chain, no divergences")
        if a.json:
            table.to_json(a.json, orient="records", indent=1)
        a.rows = [r for r in a.rows if r != "seeds"]
        if not a.rows:
            return
    src = os.environ.get("AHPSTAT_SRC")
    trees = [("this", None)] + ([(f"AHPSTAT_SRC={src}", src)] if src else [])
    for row in a.rows:
        saved = {}
        for variant, (tree, tree_src) in itertools.product(a.variants, trees):
            tmp = tempfile.mkdtemp(prefix="bench-bayes-")
            env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={tmp}/pytensor",
                   "NUMBA_CACHE_DIR": f"{tmp}/numba", "BENCH_BAYES_VARIANT": variant,
                   "BENCH_BAYES_SAVE": f"{tmp}/posterior.nc"}
            env.pop("AHPSTAT_SRC", None)
            if tree_src:  # the other tree's package first on the path
                env["PYTHONPATH"] = os.pathsep.join(
                    p for p in (str(Path(tree_src).resolve()), env.get("PYTHONPATH")) if p)
            cmd = [sys.executable, __file__, "--worker", row] + (["--quick"] if a.quick else [])
            for run in range(1 + a.second_process):
                out = subprocess.run(cmd, env=env, capture_output=True, text=True,
                                     check=False)
                if out.returncode != 0:
                    print(f"{row} {variant} {tree}: failed\n{out.stderr[-3000:]}",
                          file=sys.stderr)
                    break
                rows.append({**json.loads(out.stdout.strip().splitlines()[-1]), "tree": tree,
                             "caches": "empty" if run == 0 else "from the first process"})
                print(json.dumps(rows[-1]), flush=True)
            else:
                if tree_src is None:
                    saved[variant] = f"{tmp}/posterior.nc"
        if len(saved) >= 2:
            _compare(row, saved)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.float_format", "{:.3g}".format):
        print(table.to_string(index=False))
    print("targets (issue 10/17, 2 cores): seed cold < 30 s, warm < 8 s; 100 experts cold < 30 s")
    if a.json:
        table.to_json(a.json, orient="records", indent=1)


if __name__ == "__main__":
    main()
