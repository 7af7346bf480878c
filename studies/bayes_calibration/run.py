"""Calibration of ahpstat's Bayesian model: coverage under the simulator, and SBC.

Run (from the repository root; about 1 s per fit on one core, with ``nice``)::

    nice -n 10 .venv/bin/python studies/bayes_calibration/run.py coverage --reps 200
    nice -n 10 .venv/bin/python studies/bayes_calibration/run.py sbc --reps 200
    .venv/bin/python studies/bayes_calibration/run.py report

``coverage``: for every condition, ``reps`` panels simulated by
:func:`ahpstat.simulate.simulate_panel` with random truths (below); each fitted with the
default model (4 chains x 1,000 draws after 1,000 tuning steps, the package's defaults;
nutpie, one core); a hit when
the true local weight lies in its 90 % equal-tailed posterior interval. ``sbc``:
simulation-based calibration (Talts et al. 2018):
parameters drawn from the default model's prior, judgments drawn from the model, the rank of
each true value among 99 thinned posterior draws (uniform on 0..99 when the sampler and the
model agree). The model is compiled once per condition; each replication swaps its data in
(:meth:`BayesianAHP.set_judgments`). Results are appended to ``results/*.csv`` (resumable:
replications already there are skipped); ``report`` writes ``coverage.csv``,
``sbc.csv``, ``coverage.png``, ``sbc.png`` and prints the tables.

Truths (per replication, seeded by ``SeedSequence(20260101, (condition, replication))``):
local weights ``softmax(N(0, 0.8^2))`` per node; expert spread ``expert_sd ~ U(0.1, 0.4)``;
judgment noise ``noise_sd ~ U(0.1, 0.5)``.
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
SEED = 20260101
LEVEL = 0.90

TREE = {"G": ["A", "B", "C"], "A": ["a1", "a2", "a3"], "B": ["b1", "b2"],
        "C": ["c1", "c2", "c3", "c4"]}
WIDE = {"G": ["A", "B", "C"], "A": [f"a{i}" for i in range(1, 6)],
        "B": [f"b{i}" for i in range(1, 8)], "C": [f"c{i}" for i in range(1, 10)]}

#: name -> (tree, experts, scale, simulator options, truth kind)
CONDITIONS = {
    "continuous": (TREE, 10, None, {}, "normal"),
    "saaty": (TREE, 10, "saaty", {}, "normal"),
    "ratios_above_9": (TREE, 10, "saaty", {}, "above_9"),
    "erratic_experts": (TREE, 10, "saaty", {"erratic": 2, "erratic_sd": 1.5}, "normal"),
    "missing_40pct": (TREE, 10, "saaty", {"missing": 0.4}, "normal"),
    "experts_4": (TREE, 4, "saaty", {}, "normal"),
    "experts_25": (TREE, 25, "saaty", {}, "normal"),
    "nodes_3_to_9": (WIDE, 10, "saaty", {}, "normal"),
}
#: coverage fits: the package's defaults (4 x 1,000 draws after 1,000 tuning steps); until
#: 2026-12-02 4 x 500 after 500, too short for a max R-hat over ~40 parameters to stay below
#: 1.05 (``geometry.py`` and docs/bayes_model.md)
SAMPLER = {"draws": 1000, "tune": 1000, "chains": 4, "cores": 1, "progressbar": False}
#: SBC fits keep 4 x 500 draws after 500 tuning steps, the setting of its first 65
#: replications, so every rank comes from one computation (a correct sampler gives uniform
#: ranks at any length)
SBC_SAMPLER = {**SAMPLER, "draws": 500, "tune": 500}


def truth(tree: dict, kind: str, gen: np.random.Generator) -> dict[str, np.ndarray]:
    out = {}
    for v, kids in tree.items():
        n = len(kids)
        if kind == "above_9" and v == "G":
            # the largest over the smallest weight between 10 and 30 (beyond Saaty's 9)
            span = np.log(gen.uniform(10.0, 30.0))
            x = np.concatenate([[0.0, span], gen.uniform(0.0, span, n - 2)])
            x = gen.permutation(x)
        else:
            x = gen.normal(0.0, 0.8, n)
        w = np.exp(x - x.max())
        out[v] = w / w.sum()
    return out


def replication(name: str, r: int):
    """Replication ``r`` of condition ``name``: ``(judgments, true local weights, generator)``;
    the generator, advanced past the simulation, then seeds the fit."""
    from ahpstat.simulate import simulate_panel

    c = list(CONDITIONS).index(name)
    tree, K, scale, opts, kind = CONDITIONS[name]
    gen = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(c, r)))
    w = truth(tree, kind, gen)
    J = simulate_panel(tree, w, n_experts=K, scale=scale, expert_sd=gen.uniform(0.1, 0.4),
                       noise_sd=gen.uniform(0.1, 0.5), rng=gen, **opts)
    return J, w, gen


def _fit(m, J, rng):
    from ahpstat.bayes import BayesianAHP  # noqa: F401

    m.set_judgments(J)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = m.fit(rng=rng, log_likelihood=False, posterior_predictive=False)
        res = m.result(confidence_level=LEVEL)
    return idata, res, time.perf_counter() - t0


def _coverage_rows(name: str, r: int, m) -> pd.DataFrame:
    """Fit replication ``r`` of condition ``name`` with model ``m``: its coverage rows (and
    every attempt of a fit that the package refitted, appended to ``results/refits.csv``)."""
    tree = CONDITIONS[name][0]
    J, w, gen = replication(name, r)
    _, res, dt = _fit(m, J, gen)
    lw = res.weights[res.weights["weight"] == "local"].set_index("node")
    rows = []
    for v, kids in tree.items():
        for p, kid in enumerate(kids):
            t = float(w[v][p])
            lo, hi = lw.loc[kid, "ci_low"], lw.loc[kid, "ci_high"]
            rows.append({"condition": name, "rep": r, "node": v, "element": kid,
                         "truth": t, "mean": lw.loc[kid, "mean"], "ci_low": lo,
                         "ci_high": hi, "hit": bool(lo <= t <= hi)})
    d = res.diagnostics
    extra = {"max_rhat": float(d["r_hat"].max()),
             "min_ess_bulk": float(d["ess_bulk"].min()),
             "min_ess_tail": float(d["ess_tail"].min()),
             "divergences": int(res.n_divergences), "seconds": dt}
    out = pd.DataFrame(rows).assign(**extra)
    att = res.attempts
    if len(att) > 1:
        path = RESULTS / "refits.csv"
        att.insert(0, "rep", r)
        att.insert(0, "condition", name)
        att.to_csv(path, mode="a", header=not path.exists(), index=False)
    print(f"{name} rep {r}: coverage {out['hit'].mean():.2f}, max R-hat "
          f"{extra['max_rhat']:.3f}, {len(att)} attempt(s), {dt:.1f} s", flush=True)
    return out


def run_coverage(names: list[str], reps: int) -> None:
    from ahpstat.bayes import BayesianAHP

    RESULTS.mkdir(exist_ok=True)
    todo = [name for name in CONDITIONS if not names or name in names]
    done = {}
    for name in todo:
        path = RESULTS / f"coverage_{name}.csv"
        done[name] = set(pd.read_csv(path)["rep"]) if path.exists() else set()
    models: dict[str, BayesianAHP] = {}
    for r in range(reps):  # replications outer: every condition advances together
        for name in todo:
            if r in done[name]:
                continue
            tree, _, scale, _, _ = CONDITIONS[name]
            path = RESULTS / f"coverage_{name}.csv"
            if name not in models:
                J, _, _ = replication(name, r)
                models[name] = BayesianAHP(J, tree, scale=scale, sampler_config=SAMPLER)
            out = _coverage_rows(name, r, models[name])
            out.to_csv(path, mode="a", header=not path.exists(), index=False)


def run_only(cases: list[str]) -> None:
    """Refit single replications (``condition:rep``) and replace their rows in
    ``results/coverage_<condition>.csv`` (every replication is deterministic given its seed,
    so the other rows stay what this code gives them)."""
    from ahpstat.bayes import BayesianAHP

    for case in cases:
        name, _, r_text = case.partition(":")
        if name not in CONDITIONS or not r_text.isdigit():
            raise SystemExit(f"--only takes condition:rep (conditions {list(CONDITIONS)}); "
                             f"got {case!r}")
        r = int(r_text)
        tree, _, scale, _, _ = CONDITIONS[name]
        J, _, _ = replication(name, r)
        m = BayesianAHP(J, tree, scale=scale, sampler_config=SAMPLER)
        out = _coverage_rows(name, r, m)
        path = RESULTS / f"coverage_{name}.csv"
        old = pd.read_csv(path)
        before = old[old["rep"] == r]
        if len(before):
            print(f"  was: coverage {before['hit'].mean():.2f}, max R-hat "
                  f"{before['max_rhat'].iloc[0]:.3f}; hits changed: "
                  f"{int((before['hit'].to_numpy() != out['hit'].to_numpy()).sum())} of "
                  f"{len(out)}", flush=True)
        new = pd.concat([old[old["rep"] != r], out], ignore_index=True)
        new.sort_values(["rep"], kind="stable").to_csv(path, index=False)


def _prior_draw(m, gen):
    """Parameters from the default model's prior (resolved config) and judgments from the
    model's own generative process (every pair of every node by every expert)."""
    from ahpstat._bayes_model import expert_log_priorities, obs_columns, replicate_judgments

    cfg = m._validate_model_config()
    p = m.panel
    E, K, G = len(p.elements), len(p.experts), len(p.judged)
    mu = gen.normal(0.0, cfg["priority_sigma"], E)
    tau = np.abs(gen.normal(0.0, cfg["tau_sigma"], G))
    z = gen.normal(0.0, 1.0, (K, E))
    ls = cfg["log_sigma_mu"]
    sigma = np.exp(gen.normal(ls["mu"], ls["sigma"])
                   + abs(gen.normal(0.0, cfg["log_sigma_sd"])) * gen.normal(0.0, 1.0, K))
    lapse = gen.beta(cfg["lapse_prior"]["alpha"], cfg["lapse_prior"]["beta"])
    theta = expert_log_priorities(mu[None], tau[None], z[None], p.element_node)
    ri, ci = obs_columns(p, True)
    y = replicate_judgments(p, theta, sigma[None], np.array([lapse]), gen, row=ri, col=ci)[0]
    J = pd.DataFrame({"expert": np.asarray(p.experts)[p.expert],
                      "node": np.asarray(p.judged)[p.node],
                      "row": np.asarray(p.elements)[p.row], "col": np.asarray(p.elements)[p.col],
                      "value": np.exp(y)})
    from ahpstat.scales import nearest_saaty

    J["value"] = nearest_saaty(J["value"].to_numpy())  # exact scale values (no float drift)
    return J, {"mu": mu, "tau": tau, "sigma": sigma, "lapse": lapse}


def run_sbc(reps: int) -> None:
    from ahpstat.bayes import BayesianAHP
    from ahpstat.simulate import simulate_panel

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "sbc.csv"
    done = set(pd.read_csv(path)["rep"]) if path.exists() else set()
    tree, K = TREE, 10
    seed_gen = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(99,)))
    J0 = simulate_panel(tree, truth(tree, "normal", seed_gen), n_experts=K, rng=seed_gen)
    m = BayesianAHP(J0, tree, sampler_config=SBC_SAMPLER)
    m.build_model()
    h = m.panel.hierarchy
    n_draws = SBC_SAMPLER["chains"] * SBC_SAMPLER["draws"]
    keep = np.linspace(0, n_draws - 1, 99).astype(int)
    for r in range(reps):
        if r in done:
            continue
        gen = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(100, r)))
        J, true = _prior_draw(m, gen)
        idata, res, dt = _fit(m, J, gen)
        post = idata.posterior
        thin = lambda da: np.asarray(  # noqa: E731 - 99 draws, evenly thinned
            da.stack(s=("chain", "draw")).values)[..., keep]
        rows = []
        mu = true["mu"]
        lw_true = {}
        for v in m.panel.judged:
            idx = [m.panel.elements.index(c) for c in h.children(v)]
            x = np.exp(mu[idx] - mu[idx].max())
            for c, wt in zip(h.children(v), x / x.sum(), strict=True):
                lw_true[c] = wt
        def rank(da, value, thin=thin):
            return int((thin(da) < value).sum())

        for c, wt in lw_true.items():
            rows.append(("local_weight", c, rank(post["local_weight"].sel(node=c), wt)))
        for k, e in enumerate(m.panel.experts[:3]):
            rows.append(("sigma", e, rank(post["sigma"].sel(expert=e), true["sigma"][k])))
        for g, v in enumerate(m.panel.judged):
            rows.append(("tau", v, rank(post["tau"].sel(judged_node=v), true["tau"][g])))
        rows.append(("lapse", "", int((thin(post["lapse"]) < true["lapse"]).sum())))
        out = pd.DataFrame(rows, columns=["parameter", "index", "rank"]).assign(
            rep=r, max_rhat=float(res.diagnostics["r_hat"].max()),
            divergences=int(res.n_divergences), seconds=dt)
        out.to_csv(path, mode="a", header=not path.exists(), index=False)
        print(f"sbc rep {r}: max R-hat {out['max_rhat'].iloc[0]:.3f}, {dt:.1f} s", flush=True)


def report() -> None:
    rows = []
    for name in CONDITIONS:
        path = RESULTS / f"coverage_{name}.csv"
        if not path.exists():
            continue
        d = pd.read_csv(path)
        per_rep = d.groupby("rep").agg(hit=("hit", "mean"), max_rhat=("max_rhat", "first"),
                                       div=("divergences", "first"), sec=("seconds", "first"))
        n = len(per_rep)
        cov = d["hit"].mean()
        se = per_rep["hit"].std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        rows.append({"condition": name, "replications": n, "weights": len(d),
                     "coverage_90": cov, "se": se,
                     "in_87_93": bool(0.87 <= cov <= 0.93),
                     "collapsed_fits_rhat_gt_1.05": int((per_rep["max_rhat"] > 1.05).sum()),
                     "max_rhat": per_rep["max_rhat"].max(),
                     "fits_with_divergences": int((per_rep["div"] > 0).sum()),
                     "seconds_per_fit": per_rep["sec"].mean()})
    table = pd.DataFrame(rows)
    table.to_csv(HERE / "coverage.csv", index=False)
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False))
    sbc_path = RESULTS / "sbc.csv"
    if sbc_path.exists():
        from scipy.stats import chisquare

        s = pd.read_csv(sbc_path)
        srows = []
        for par, d in s.groupby("parameter"):
            ranks = d["rank"].to_numpy()
            counts = np.bincount(ranks // 10, minlength=10)  # 10 bins of 0..99
            srows.append({"parameter": par, "ranks": len(d), "replications": d["rep"].nunique(),
                          "chi2_p_10_bins": float(chisquare(counts).pvalue),
                          "chi2_p_20_bins": float(chisquare(
                              np.bincount(ranks // 5, minlength=20)).pvalue),
                          "ks_p": _discrete_ks_p(ranks),
                          "mean_rank": d["rank"].mean()})
        st = pd.DataFrame(srows)
        st.to_csv(HERE / "sbc.csv", index=False)
        print(st.to_string(index=False))
    _figures(table, s if sbc_path.exists() else None)


def _discrete_ks_p(ranks: np.ndarray, n_ranks: int = 100, n_sim: int = 20_000) -> float:
    """P-value of the largest ECDF gap of ``ranks`` from the uniform on 0..n_ranks-1.

    The ranks are discrete, so the gap's null distribution is simulated (uniform ranks of
    the same count, a fixed seed) instead of taken from the continuous Kolmogorov law. It
    complements the binned chi-square: sensitive to a shift or a spread of the ranks (a
    biased or an over/under-dispersed posterior), where the chi-square sees bumps.
    """
    grid = np.arange(n_ranks)
    uniform = (grid + 1) / n_ranks

    def gap(r: np.ndarray) -> np.ndarray:  # r: (..., m) ranks -> (...,) sup |ECDF - F|
        ecdf = (r[..., None] <= grid).mean(axis=-2)
        return np.abs(ecdf - uniform).max(axis=-1)

    observed = gap(np.asarray(ranks))
    sim_rng = np.random.default_rng(20261203)
    null = np.concatenate([gap(sim_rng.integers(0, n_ranks, size=(500, len(ranks))))
                           for _ in range(n_sim // 500)])
    return float((1 + (null >= observed - 1e-12).sum()) / (1 + n_sim))


def _figures(table: pd.DataFrame, sbc: pd.DataFrame | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if len(table):
        fig, ax = plt.subplots(figsize=(6, 3.2))
        y = np.arange(len(table))
        ax.axvspan(0.87, 0.93, color="#dddddd", label="target 87-93 %")
        ax.errorbar(table["coverage_90"], y, xerr=1.96 * table["se"], fmt="o", color="#4c72b0")
        ax.axvline(0.90, color="k", linewidth=0.6)
        ax.set_yticks(y)
        ax.set_yticklabels(table["condition"])
        ax.set_xlabel("coverage of the 90 % posterior intervals (local weights)")
        ax.legend(loc="lower left", fontsize=7)
        fig.tight_layout()
        fig.savefig(HERE / "coverage.png", dpi=120)
    if sbc is not None:
        pars = sorted(sbc["parameter"].unique())
        fig, axes = plt.subplots(1, len(pars), figsize=(2.6 * len(pars), 2.4))
        for ax, par in zip(np.atleast_1d(axes), pars, strict=True):
            ranks = sbc.loc[sbc["parameter"] == par, "rank"]
            ax.hist(ranks, bins=np.arange(0, 101, 10), color="#55a868")
            ax.axhline(len(ranks) / 10, color="k", linewidth=0.6)
            ax.set_title(par, fontsize=8)
            ax.set_xlabel("rank of the truth (0..99)", fontsize=7)
        fig.tight_layout()
        fig.savefig(HERE / "sbc.png", dpi=120)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("coverage", "sbc", "report"))
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--conditions", nargs="*", default=[], choices=list(CONDITIONS))
    ap.add_argument("--only", nargs="*", default=[], metavar="CONDITION:REP",
                    help="coverage: refit these replications only and replace their rows")
    ap.add_argument("--graph", action="store_true",
                    help="nutpie samples the PyTensor graph (the package's path until "
                         "2026-12-03, which every stored fit used) instead of the compiled "
                         "density: reproduces the stored fits draw for draw")
    ap.add_argument("--results", type=Path, default=None,
                    help="folder of the per-fit results (default: results/ beside this file)")
    a = ap.parse_args(argv)
    if a.results is not None:
        global RESULTS
        RESULTS = a.results
    if a.graph:
        from ahpstat.bayes import BayesianAHP

        BayesianAHP._nutpie_graph = True
    t0 = time.perf_counter()
    if a.what == "coverage" and a.only:
        run_only(a.only)
    elif a.what == "coverage":
        run_coverage(a.conditions, a.reps)
    elif a.what == "sbc":
        run_sbc(a.reps)
    else:
        report()
    print(f"wall time {time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
