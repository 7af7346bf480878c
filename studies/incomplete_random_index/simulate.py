"""Random indices of incomplete pairwise-comparison matrices, by Monte Carlo.

Reproduces the table of Ágoston & Csató (2022), "Inconsistency thresholds for incomplete
pairwise comparison matrices", Omega 108, 102576 (arXiv:2102.10558): the random index
RI(n, m) is the mean consistency index CI = (lambda_max - n) / (n - 1) of random
incomplete matrices of order n with m missing comparisons, where lambda_max is that of the
matrix's optimal completion.

Generation, for every cell (n, m):

1. the n (n - 1) / 2 upper-triangle judgments are drawn independently and uniformly from the
   17 values of Saaty's scale 1/9, 1/8, ..., 1/2, 1, 2, ..., 9; the lower triangle holds their
   reciprocals;
2. m of the pairs, chosen uniformly at random, are made missing; a pattern whose comparison
   graph is disconnected is rejected and drawn again (so the pattern is uniform over the
   connected ones; for m = (n - 1)(n - 2) / 2 the given pairs form a spanning tree);
3. the missing entries are filled by the completion minimising lambda_max with every
   missing entry kept in Saaty's range [1/9, 9] (``ahpstat.completion._optimal_batch`` with
   ``bounds=(1/9, 9)``: projected Newton; checked against scipy's L-BFGS-B in the tests);
4. CI of the completed matrix; RI(n, m) is the mean over the replications, printed with its
   standard error.

The bound matters and is what the published values need: without it a spanning tree
completes to a consistent matrix (CI = 0), whereas the published table gives RI(4, 3) =
0.053 and RI(5, 6) = 0.059; with it this script reproduces them (and the cells near
spanning trees, where unbounded completions give values 10-25 % lower).

Run: ``.venv/bin/python studies/incomplete_random_index/simulate.py [--replications N]``
(default 20,000 per cell, n = 3..10: about 10 minutes of one core). Writes
``random_index.csv`` (n, m, ri, se, replications) next to this script and prints the table
as ahpstat stores it (``ahpstat.scales``). Every cell has its own seed (``SeedSequence(seed,
(n, m))``), so a cell's value does not depend on which other cells are run.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

from ahpstat.completion import _optimal_batch
from ahpstat.pairwise import is_connected
from ahpstat.scales import SAATY_SCALE
from ahpstat.weighting import weights

HERE = Path(__file__).resolve().parent
BOUNDS = (1 / 9, 9.0)


def random_incomplete(n: int, m: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` random matrices of order n with m missing pairs and a connected graph."""
    iu, ju = np.triu_indices(n, 1)
    P = iu.size
    out = np.empty((0, n, n))
    while out.shape[0] < size:
        k = 2 * (size - out.shape[0]) + 16
        vals = SAATY_SCALE[rng.integers(0, SAATY_SCALE.size, size=(k, P))]
        A = np.ones((k, n, n))
        A[:, iu, ju] = vals
        A[:, ju, iu] = 1.0 / vals
        if m:
            drop = np.argsort(rng.random((k, P)), axis=1)[:, :m]  # m pairs, uniformly
            rows = np.arange(k)[:, None]
            A[rows, iu[drop], ju[drop]] = np.nan
            A[rows, ju[drop], iu[drop]] = np.nan
            A = A[is_connected(~np.isnan(A))]
        out = np.concatenate([out, A])
    return out[:size]


def random_index(n: int, m: int, replications: int, seed: int) -> tuple[float, float]:
    """Mean CI and its standard error for cell (n, m)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(n, m)))
    ci = np.empty(replications)
    for s in range(0, replications, 5000):
        A = random_incomplete(n, m, min(5000, replications - s), rng)
        C = _optimal_batch(A, 1e-10, BOUNDS) if m else A
        lam = weights(C, validate=False).lambda_max
        ci[s:s + A.shape[0]] = np.maximum((lam - n) / (n - 1), 0.0)
    return float(ci.mean()), float(ci.std(ddof=1) / np.sqrt(replications))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=20_000)
    ap.add_argument("--orders", type=int, nargs="*", default=list(range(3, 11)))
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--out", type=Path, default=HERE / "random_index.csv")
    args = ap.parse_args()
    rows = []
    t0 = time.perf_counter()
    with open(args.out, "w", newline="") as fh:  # one row per cell, as soon as it is done
        w = csv.writer(fh)
        w.writerow(["n", "m", "ri", "se", "replications"])
        for n in args.orders:
            for m in range((n - 1) * (n - 2) // 2 + 1):
                ri, se = random_index(n, m, args.replications, args.seed)
                rows.append((n, m, ri, se, args.replications))
                w.writerow([n, m, f"{ri:.4f}", f"{se:.4f}", args.replications])
                fh.flush()
                print(f"n={n} m={m}: RI {ri:.4f} (s.e. {se:.4f})  "
                      f"[{time.perf_counter() - t0:.0f} s]", file=sys.stderr, flush=True)
    print("{")
    for n in args.orders:
        cells = ", ".join(f"({n}, {m}): {ri:.3f}" for nn, m, ri, _, _ in rows if nn == n)
        print(f"    {cells},")
    print("}")


if __name__ == "__main__":
    main()
