"""Random indices of incomplete pairwise-comparison matrices, by Monte Carlo.

Reproduces the table of Ágoston & Csató (2022), "Inconsistency thresholds for incomplete
pairwise comparison matrices", Omega 108, 102576 (arXiv:2102.10558): the random index
RI(n, m) is the mean consistency index CI = (lambda_max - n) / (n - 1) of random
incomplete matrices of order n with m missing comparisons, where lambda_max is that of the
matrix's optimal completion.

Generation, for every cell (n, m):

1. the n (n - 1) / 2 upper-triangle judgments are drawn independently and uniformly from the
   17 values of Saaty's scale 1/9, 1/8, ..., 1/2, 1, 2, ..., 9; the lower triangle holds their
   reciprocals (Saaty's and Alonso & Lamata's generator: the m = 0 column is the complete
   random index, and reproduces Alonso & Lamata's 2006 values, ``random_index="alonso_lamata"``);
2. m of the pairs, chosen uniformly at random, are made missing; a pattern whose comparison
   graph is disconnected is rejected and drawn again (the pattern is uniform over the
   connected ones);
3. the missing entries are filled by the lambda_max-minimizing completion
   (``ahpstat.complete(method="optimal")``, Bozóki, Fülöp & Rónyai 2010; unbounded, as
   ``ahpstat.consistency`` completes a user's matrix, so CI and RI are the same statistic);
4. CI of the completed matrix; RI(n, m) is the mean over the replications, printed with its
   standard error. The mean GCI of the same incomplete matrices (given pairs, residual
   degrees of freedom; ``ahpstat.consistency(index="gci")``) is written beside it: it shows
   how far the complete-matrix GCI thresholds fit incomplete matrices.

m runs from 0 to (n - 1)(n - 2)/2 - 1: with m = (n - 1)(n - 2)/2 the given pairs form a
spanning tree, which always completes to a consistent matrix (CI = 0 for every matrix, no
threshold to calibrate; ``ahpstat.consistency`` reports CR = 0 for it). n = 3 has no
incomplete cell (one missing pair leaves a spanning tree).

Run: ``nice -n 10 .venv/bin/python studies/incomplete_random_index/simulate.py
--replications 10000`` (the shipped table; ``--orders 4 5 ...`` for some orders only). Writes
``random_index.csv`` (n, m, ri, se, gci, gci_se, replications) next to this script, one row
per cell as soon as it is done, and prints the table as ahpstat ships it
(``ahpstat.scales.INCOMPLETE_RANDOM_INDEX``; a test checks the two agree). Every cell has
its own seed
(``SeedSequence(seed, (n, m))``), so a cell's value does not depend on which other cells
are run.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

from ahpstat.completion import complete
from ahpstat.consistency import consistency
from ahpstat.pairwise import is_connected
from ahpstat.scales import SAATY_SCALE
from ahpstat.weighting import weights

HERE = Path(__file__).resolve().parent


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


def random_index(n: int, m: int, replications: int, seed: int) -> dict[str, float]:
    """Mean CI (the random index) and mean GCI, with standard errors, for cell (n, m)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(n, m)))
    ci = np.empty(replications)
    gci = np.empty(replications)
    for s in range(0, replications, 5000):
        A = random_incomplete(n, m, min(5000, replications - s), rng)
        C = complete(A, method="optimal", validate=False) if m else A
        lam = weights(C, validate=False).lambda_max
        ci[s:s + A.shape[0]] = np.maximum((lam - n) / (n - 1), 0.0)
        gci[s:s + A.shape[0]] = consistency(A, index="gci", validate=False).value
    root = np.sqrt(replications)
    return {"ri": float(ci.mean()), "se": float(ci.std(ddof=1) / root),
            "gci": float(gci.mean()), "gci_se": float(gci.std(ddof=1) / root)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=10_000)
    ap.add_argument("--orders", type=int, nargs="*", default=list(range(4, 11)))
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--out", type=Path, default=HERE / "random_index.csv")
    args = ap.parse_args()
    rows = []
    t0 = time.perf_counter()
    with open(args.out, "w", newline="") as fh:  # one row per cell, as soon as it is done
        w = csv.writer(fh)
        w.writerow(["n", "m", "ri", "se", "gci", "gci_se", "replications"])
        for n in args.orders:
            for m in range((n - 1) * (n - 2) // 2):
                r = random_index(n, m, args.replications, args.seed)
                rows.append((n, m, r["ri"]))
                w.writerow([n, m, *(f"{r[k]:.4f}" for k in ("ri", "se", "gci", "gci_se")),
                            args.replications])
                fh.flush()
                print(f"n={n} m={m}: RI {r['ri']:.4f} (s.e. {r['se']:.4f}), mean GCI "
                      f"{r['gci']:.4f}  [{time.perf_counter() - t0:.0f} s]", file=sys.stderr,
                      flush=True)
    # the table as ahpstat.scales stores it (INCOMPLETE_RANDOM_INDEX, 3 decimals)
    for n in args.orders:
        # rounded from the CSV's 4 decimals, as the test compares them
        cells = ", ".join(f"{round(float(f'{ri:.4f}'), 3):.3f}" for nn, _, ri in rows if nn == n)
        print(f"    {n}: ({cells}),")
    print(f"_INCOMPLETE_REPLICATIONS = {args.replications}")


if __name__ == "__main__":
    main()
