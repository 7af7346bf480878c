"""Benchmark of ahpstat.bayes.BayesianAHP on the seed-sized panel, sampler against sampler.

Run: ``.venv/bin/python benchmarks/bench_bayes.py [--quick] [--fresh-cache] [--samplers ...]``

The seed-sized model: 25 experts; a goal with 7 criteria, 7 criterion nodes with 22
sub-criteria, 22 sub-criterion nodes with 2-5 items (57 leaves); 30 judgment nodes, 94
judgments per expert (2 % missing, rounded to Saaty's 1-9 scale; 2,303 judgments). Default
model (Student-t errors with estimated nu, expert deviations, hierarchical sigma_k).

Each sampler runs in its own fresh Python process (so "cold" includes every import, the
model build, PyTensor/numba compilation and sampling) and is then re-fitted in the same
process ("warm": the compiled model is reused). 4 chains x 1,000 draws after 1,000 tuning
steps. Reported: cold and warm wall times, min bulk/tail ESS over every local weight, ESS/s
(min bulk ESS of the weights / warm time), max R-hat (weights; all parameters), divergences.
``--fresh-cache`` points PyTensor at an empty compile directory so "cold" also pays the
C/numba cache misses.

Samplers compared: nutpie (numba backend; the default), PyMC's NUTS with PyTensor's default
C backend, PyMC's NUTS with the NUMBA mode.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

SAMPLERS = {
    "nutpie-numba": {"sampler": "nutpie", "nutpie_backend": "numba"},
    "pymc-c": {"sampler": "pymc"},
    "pymc-numba": {"sampler": "pymc", "pymc_mode": "NUMBA"},
}
SAATY = np.array(
    [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]
)


def seed_structure() -> dict[str, list[str]]:
    """Goal -> 7 criteria -> 22 sub-criteria -> 57 items (2-5 per sub-criterion)."""
    subs_per_crit = [3, 3, 3, 3, 3, 3, 4]
    items_per_sub = [2, 3] * 10 + [3, 4]
    st: dict[str, list[str]] = {"goal": [f"C{c + 1}" for c in range(7)]}
    s = it = 0
    for c, ns in enumerate(subs_per_crit):
        st[f"C{c + 1}"] = [f"S{s + q + 1}" for q in range(ns)]
        for _ in range(ns):
            st[f"S{s + 1}"] = [f"I{it + q + 1}" for q in range(items_per_sub[s])]
            it += items_per_sub[s]
            s += 1
    return st


def seed_panel(seed: int = 2024, K: int = 25, missing: float = 0.02) -> pd.DataFrame:
    """Simulated panel: log-normal expert inconsistency, expert deviations, Saaty rounding."""
    rng = np.random.default_rng(seed)
    st = seed_structure()
    sigma = np.exp(rng.normal(np.log(0.35), 0.35, K))
    rows = []
    for node, kids in st.items():
        n = len(kids)
        mu = rng.normal(0, 0.7, n)
        for k in range(K):
            th = mu + rng.normal(0, 0.2, n)
            for a in range(n):
                for b in range(a + 1, n):
                    if rng.random() < missing:
                        continue
                    y = th[a] - th[b] + sigma[k] * rng.standard_t(8)
                    v = SAATY[np.argmin(np.abs(np.log(SAATY) - y))]
                    rows.append((f"E{k + 1:02d}", node, kids[a], kids[b], float(v)))
    return pd.DataFrame(rows, columns=["expert", "node", "row", "col", "value"])


def worker(name: str, draws: int, tune: int, chains: int) -> dict:
    t0 = time.perf_counter()
    warnings.simplefilter("ignore")
    from ahpstat.bayes import BayesianAHP

    J = seed_panel()
    m = BayesianAHP(J, seed_structure(), sampler_config=SAMPLERS[name])
    m.fit(rng=1, draws=draws, tune=tune, chains=chains)
    cold = time.perf_counter() - t0
    cold_compile = m.timings["compile"]
    t1 = time.perf_counter()
    m.fit(rng=2, draws=draws, tune=tune, chains=chains)
    warm = time.perf_counter() - t1
    res = m.result()
    d = res.diagnostics
    w = d[d["parameter"].str.startswith("local_weight")]
    return {
        "sampler": name,
        "n_judgments": int(m.panel.n_obs),
        "cold_s": cold,
        "compile_s": cold_compile,
        "warm_s": warm,
        "min_ess_bulk_weights": float(w["ess_bulk"].min()),
        "min_ess_tail_weights": float(w["ess_tail"].min()),
        "min_ess_bulk_all": float(d["ess_bulk"].min()),
        "ess_per_s": float(w["ess_bulk"].min()) / warm,
        "max_rhat_weights": float(w["r_hat"].max()),
        "max_rhat_all": float(d["r_hat"].max()),
        "worst_param": str(d.loc[d["r_hat"].idxmax(), "parameter"]),
        "divergences": res.n_divergences,
        "ok": bool(res.ok),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 chains x 300 draws (smoke run)")
    ap.add_argument("--fresh-cache", action="store_true", help="empty PyTensor compile dir")
    ap.add_argument("--samplers", nargs="+", default=list(SAMPLERS), choices=list(SAMPLERS))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write the table as JSON to this path")
    a = ap.parse_args()
    draws, tune, chains = (300, 300, 2) if a.quick else (1000, 1000, 4)
    if a.worker:
        print(json.dumps(worker(a.worker, draws, tune, chains)))
        return
    rows = []
    for name in a.samplers:
        env = dict(os.environ)
        tmp = None
        if a.fresh_cache:
            tmp = tempfile.mkdtemp(prefix="pytensor-bench-")
            env["PYTENSOR_FLAGS"] = f"base_compiledir={tmp}"
        cmd = [sys.executable, __file__, "--worker", name] + (["--quick"] if a.quick else [])
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"{name}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
    table = pd.DataFrame(rows)
    print(
        f"\n{chains} chains x {draws} draws (+{tune} tune), 25 experts, 57 leaves, "
        f"fresh cache: {a.fresh_cache}"
    )
    with pd.option_context("display.width", 200, "display.float_format", "{:.3g}".format):
        print(table.to_string(index=False))
    if a.json:
        table.to_json(a.json, orient="records", indent=1)


if __name__ == "__main__":
    main()
