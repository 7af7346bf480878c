"""One replicate of a Monte Carlo method study, step by step: what a simulation loop pays per
simulated panel on a seed-shaped hierarchy (7 criteria, 22 indicators, 57 items; 25 experts
with continuous judgments, 2,325 of them), side by side with another source tree.

Run: ``[AHPSTAT_SRC=path/to/other/src] .venv/bin/python benchmarks/bench_panel_loop.py
[--rounds 3]``

Each round runs one fresh process per tree (alternating which goes first) that times, as the
best of 5 repeats of 20 calls (milliseconds per call): ``simulate.simulate_panel``,
``io.judgment_stacks`` (``validate=False``), ``io.validate_judgments``, ``panel.run_panel``
(AIJ geometric mean, GCI) with and without its report diagnostics, and
``Hierarchy.leaf_weights`` for 256 resamples of the local weights. It also prints a hash of
every result, which must be the same for both trees. Export the other tree with ``git archive
<commit> src | tar -x -C /tmp/before``. The load average is printed: compare trees within a
round.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_WORKER = r"""
import hashlib, json, sys, timeit, warnings
sys.path.insert(0, sys.argv[1])
import numpy as np
from ahpstat import io
from ahpstat.hierarchy import Hierarchy
from ahpstat.panel import PanelOptions, run_panel
from ahpstat.simulate import random_weights, simulate_panel

SHAPE = ((3, 3, 3, 3, 3, 3, 4),
         (2, 3, 3, 2, 3, 2, 2, 3, 3, 3, 3, 3, 2, 3, 2, 3, 2, 3, 2, 3, 3, 2))
children, d, i = {"A": [f"B{b}" for b in range(7)]}, 0, 0
for b, n in enumerate(SHAPE[0]):
    children[f"B{b}"] = [f"C{i + k}" for k in range(n)]
    for c in children[f"B{b}"]:
        children[c] = [f"D{d + k}" for k in range(SHAPE[1][i])]
        d += SHAPE[1][i]
        i += 1
h = Hierarchy.from_children(children)
gen = np.random.default_rng(12345)
truth = {v: random_weights(len(h.children(v)), concentration=4.0, rng=gen)
         for v in h.internal if len(h.children(v)) > 1}
opts = PanelOptions(weighting="geometric_mean", index="gci")
sim = lambda: simulate_panel(h, truth, n_experts=25, expert_sd=0.4, noise_sd=0.2, scale=None,
                             rng=1)
judg = sim()
stacks = io.judgment_stacks(judg, h, validate=False)
local = {v: gen.dirichlet(np.ones(len(h.children(v))), size=256)
         for v in h.internal if len(h.children(v)) > 1}
steps = {
    "simulate_panel": sim,
    "judgment_stacks": lambda: io.judgment_stacks(judg, h, validate=False),
    "validate_judgments": lambda: io.validate_judgments(judg, h),
    "run_panel": lambda: run_panel(stacks, h, options=opts),
    "run_panel, diagnostics=False": lambda: run_panel(stacks, h, options=opts,
                                                      diagnostics=False),
    "leaf_weights, 256 resamples": lambda: h.leaf_weights(local),
}
out, digest = {}, hashlib.sha256()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for name, f in steps.items():
        r = f()
        out[name] = 1e3 * min(timeit.repeat(f, number=20, repeat=5)) / 20
        if name == "simulate_panel":
            digest.update(r.to_csv().encode())
        elif name == "judgment_stacks":
            for v, (who, S) in r.items():
                digest.update(repr((v, who)).encode() + S.tobytes())
        elif name.startswith("run_panel"):
            digest.update(r.leaf_weights.tobytes())
        elif name.startswith("leaf_weights"):
            digest.update(r.tobytes())
out["hash"] = digest.hexdigest()[:16]
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    trees = [("this tree", str(ROOT / "src"))]
    if os.environ.get("AHPSTAT_SRC"):
        trees.append((f"AHPSTAT_SRC={os.environ['AHPSTAT_SRC']}", os.environ["AHPSTAT_SRC"]))
    best: dict[str, dict[str, float]] = {name: {} for name, _ in trees}
    hashes: dict[str, set[str]] = {name: set() for name, _ in trees}
    for k in range(a.rounds):
        for name, src in (trees if k % 2 == 0 else trees[::-1]):
            env = {**os.environ, "PYTHONPATH": src}
            res = json.loads(subprocess.run([sys.executable, "-c", _WORKER, src], env=env,
                                            capture_output=True, text=True,
                                            check=True).stdout.strip().splitlines()[-1])
            hashes[name].add(res.pop("hash"))
            for step, ms in res.items():
                best[name][step] = min(ms, best[name].get(step, float("inf")))
            print(f"round {k + 1}, {name}: load average {os.getloadavg()[0]:.1f}", flush=True)
    steps = list(best[trees[0][0]])
    width = max(map(len, steps))
    print(f"\n{'ms per call (best over rounds)':<{width}}  "
          + "  ".join(f"{name:>24}" for name, _ in trees))
    for step in steps:
        print(f"{step:<{width}}  " + "  ".join(f"{best[name][step]:>24.2f}"
                                               for name, _ in trees))
    print("result hashes: " + "; ".join(f"{name} {sorted(h)}" for name, h in hashes.items()))
    if len({frozenset(h) for h in hashes.values()}) > 1:
        print("THE TREES' RESULTS DIFFER")


if __name__ == "__main__":
    main()
