"""How often Koczkodaj's 1/3 rule and Saaty's CR <= 0.10 accept random matrices, by order n.

Koczkodaj's (1993) index is the worst triad, ``K = 1 - exp(-max |log a_ij + log a_jk -
log a_ik|)``; its conventional threshold 1/3 does not depend on n, whereas the worst of the
``n (n - 1) (n - 2) / 6`` triads grows with n. This script measures what that means: the share
of random matrices (upper triangle uniform on Saaty's 17 values, as the random index is
defined) that each rule accepts, for n = 3..10, and, for n = 3, the exact correspondence of
Bozóki & Rapcsák (2008): a 3 x 3 matrix has one triad ``t = a_12 a_23 / a_13``, ``K = 1 -
min(t, 1/t)`` and ``lambda_max = 1 + t^(1/3) + t^(-1/3)``, so ``K <= 1/3`` is the same rule
as ``CR <= c`` for one ``c`` printed here.

Run: ``nice -n 10 .venv/bin/python studies/koczkodaj_threshold/acceptance.py
[--replications N]`` (default 200,000 per order, about a minute). Prints a Markdown table
(docs/methods.md quotes it) and writes ``acceptance.csv`` next to this script.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

import ahpstat as ah
from ahpstat.scales import SAATY_SCALE

HERE = Path(__file__).resolve().parent


def random_matrices(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` random reciprocal matrices, upper triangle uniform on Saaty's 17 values."""
    iu, ju = np.triu_indices(n, 1)
    v = SAATY_SCALE[rng.integers(0, SAATY_SCALE.size, size=(size, iu.size))]
    A = np.ones((size, n, n))
    A[:, iu, ju] = v
    A[:, ju, iu] = 1.0 / v
    return A


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1993)
    args = ap.parse_args()
    rows = []
    for n in range(3, 11):
        rng = np.random.default_rng(np.random.SeedSequence(args.seed, spawn_key=(n,)))
        k_ok = cr_ok = 0
        for s in range(0, args.replications, 20_000):
            A = random_matrices(n, min(20_000, args.replications - s), rng)
            k_ok += int(ah.consistency(A, index="koczkodaj", threshold=1 / 3,
                                       validate=False).acceptable.sum())
            cr_ok += int(ah.consistency(A, index="cr", validate=False).acceptable.sum())
        rows.append((n, k_ok, cr_ok))
    with open(HERE / "acceptance.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["n", "accept_koczkodaj_1_3", "accept_cr_0_10", "replications"])
        for n, k, c in rows:
            w.writerow([n, f"{k / args.replications:.6f}", f"{c / args.replications:.6f}",
                        args.replications])
    R = args.replications
    print(f"| n | K <= 1/3 | CR <= 0.10 (Saaty's RI) |  ({R:,} random matrices per order)")
    print("|---|---|---|")
    for n, k, c in rows:
        print(f"| {n} | {100 * k / R:.3f} % ({k:,}) | {100 * c / R:.3f} % ({c:,}) |")
    # n = 3: K = 1/3 is t = 3/2; lambda_max = 1 + t^(1/3) + t^(-1/3)
    t = 1.5
    lam = 1 + t ** (1 / 3) + t ** (-1 / 3)
    for name in ("saaty", "alonso_lamata"):
        cr = (lam - 3) / 2 / ah.random_index(3, name)
        print(f"n = 3: K <= 1/3 is CR <= {cr:.4f} (RI from '{name}')")
    # and the K that CR = 0.10 corresponds to at n = 3
    for name in ("saaty", "alonso_lamata"):
        lam = 3 + 2 * 0.10 * ah.random_index(3, name)
        s = ((lam - 1) + np.sqrt((lam - 1) ** 2 - 4)) / 2  # s + 1/s = lambda - 1
        print(f"n = 3: CR <= 0.10 is K <= {1 - s ** -3:.4f} (RI from '{name}')")


if __name__ == "__main__":
    main()
