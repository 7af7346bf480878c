"""Wall time of the whole seed-sized study from the command line, in a cold process.

Run: ``.venv/bin/python benchmarks/bench_study.py [--repeats N]``

Times ``ahpstat run studies/hangzhou_2022/study.yaml --out DIR`` (a fresh interpreter each
time: imports, reading and validating every input, the panel at all 30 nodes with the
consistency of 25 x 30 matrices, scores of 87 nodes overall and in 28 communities, tables,
report, provenance), never the Bayesian model (``--no-bayes``) nor the sensitivity section
(``--no-sensitivity``): with and without the study's
bootstrap section (4,000 joint BCa resamples of experts and clustered respondents) and with and
without the PNG figures; prints the best and the median of ``--repeats`` runs. Target (issue
of the study pipeline, before the bootstrap existed): under 3 s with figures.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "studies" / "hangzhou_2022" / "study.yaml"


def time_run(extra: list[str], repeats: int) -> list[float]:
    exe = Path(sys.executable).with_name("ahpstat")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeats):
            cmd = [str(exe), "run", str(STUDY), "--out", f"{tmp}/out{k}", "--no-bayes",
                   "--no-sensitivity", *extra]
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    time_run(["--no-figures"], 1)  # warm the OS file cache and numba's on-disk cache
    rows = [("with figures", time_run([], args.repeats)),
            ("without figures", time_run(["--no-figures"], args.repeats)),
            ("no bootstrap", time_run(["--no-bootstrap"], args.repeats)),
            ("neither", time_run(["--no-bootstrap", "--no-figures"], args.repeats))]
    print(f"ahpstat run {STUDY.relative_to(ROOT)} (cold process, {args.repeats} runs)")
    for name, t in rows:
        print(f"  {name:<16} best {min(t):.2f} s, median {statistics.median(t):.2f} s")


if __name__ == "__main__":
    main()
