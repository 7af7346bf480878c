"""Core call latency of this source tree against another one, side by side in one run.

Run: ``AHPSTAT_SRC=path/to/other/src .venv/bin/python benchmarks/bench_trees.py [--rounds 6]``

For a before/after of a change to the numpy core: export the old tree with
``git archive main src | tar -x -C /tmp/before`` and pass ``AHPSTAT_SRC=/tmp/before/src``.
Each round runs one fresh process per tree, in alternating order; each process times every
call as the best over 41 loops of the mean of back-to-back calls (the best, not the median:
on a shared machine the best is what the code costs, the rest is other processes' load), on
``bench_core``'s random Saaty-scale 7 x 7 matrices. The table gives each tree's best over the
rounds and the ratio; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

_WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(1, sys.argv[2])
import numpy as np
import ahpstat as ah
assert ah.__file__.startswith(sys.argv[1]), ah.__file__
from bench_core import saaty_matrices

def per_call(fn, calls=200, rounds=41):
    fn()
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t) / calls)
    return best

A = saaty_matrices(1000, 7, np.random.default_rng(20240607))
one, fifty = A[0], A[:50]
I = one.copy(); I[0, 3] = I[3, 0] = np.nan
T = saaty_matrices(425, 3, np.random.default_rng(3))
F = saaty_matrices(50, 4, np.random.default_rng(4))
R = np.round(one, 3); R[np.tril_indices(7, -1)] = np.round(1 / one.T, 3)[np.tril_indices(7, -1)]
out = {
    "one 7x7: weights + CR": per_call(lambda: ah.weights(one, consistency="cr")),
    "one 7x7: weights": per_call(lambda: ah.weights(one)),
    "one 7x7: consistency": per_call(lambda: ah.consistency(one)),
    "one 7x7 rounded to 3 decimals: weights": per_call(lambda: ah.weights(R)),
    "one 7x7: weights(scale='saaty')": per_call(lambda: ah.weights(one, scale="saaty")),
    "one 7x7: geometric mean + GCI": per_call(
        lambda: ah.weights(one, method="geometric_mean", consistency="gci")),
    "25 7x7 (a panel's node): weights + CR": per_call(
        lambda: ah.weights(A[:25], consistency="cr"), 50),
    "425 3x3 (a panel's nodes of order 3): weights + CR": per_call(
        lambda: ah.weights(T, consistency="cr"), 50),
    "50 4x4: weights + CR": per_call(lambda: ah.weights(F, consistency="cr"), 50),
    "50 7x7: weights + CR": per_call(lambda: ah.weights(fifty, consistency="cr"), 50),
    "50 7x7: consistency": per_call(lambda: ah.consistency(fifty), 50),
    "50 7x7: consistency GCI": per_call(lambda: ah.consistency(fifty, index="gci"), 50),
    "incomplete 7x7: complete (llsm)": per_call(lambda: ah.complete(I, method="llsm"), 50),
    "1000 7x7: weights + CR": per_call(lambda: ah.weights(A, consistency="cr"), 5),
}
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6, help="processes per tree (default 6)")
    args = ap.parse_args()
    other = os.environ.get("AHPSTAT_SRC")
    if not other:
        sys.exit("set AHPSTAT_SRC=path/to/other/src (the tree to compare with)")
    trees = {f"AHPSTAT_SRC ({other})": str(Path(other).resolve()),
             "this tree": str(HERE.parent / "src")}
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in trees}
    print(f"load average at start: {os.getloadavg()}")
    for r in range(args.rounds):
        order = list(trees.items()) if r % 2 == 0 else list(reversed(trees.items()))
        for name, src in order:
            out = subprocess.run([sys.executable, "-c", _WORKER, src, str(HERE)],
                                 capture_output=True, text=True, check=True)
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"load average at end: {os.getloadavg()}")
    (before, b_runs), (_, a_runs) = runs.items()
    print(f"\n| call | {before}, us | this tree, us | this / other |\n| --- | --- | --- | --- |")
    for row in b_runs[0]:
        b = min(x[row] for x in b_runs) * 1e6
        a = min(x[row] for x in a_runs) * 1e6
        print(f"| {row} | {b:.1f} | {a:.1f} | {a / b:.3f} |")


if __name__ == "__main__":
    main()
