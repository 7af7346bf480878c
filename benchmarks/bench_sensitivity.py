"""Wall time of the seed study's multiverse (default grid) in process, beside the naive way.

Run: ``.venv/bin/python benchmarks/bench_sensitivity.py [--repeats N] [--naive K]``

The study is run once (no bootstrap, no Bayes); then ``ahpstat.multiverse.multiverse`` runs
the default grid (weighting 3 x aggregation 3 x consistency 2 x policy 4 x missing 2 x scale 3
x Likert 3 = 1,296 specifications; 189 distinct panel configurations) from the study's arrays
in memory: best and median of ``--repeats`` runs (the first run is a warm-up). Beside it, the
naive way, a whole ``Study.run`` per specification (reading every input again), is timed on
``--naive`` specifications and extrapolated to the grid. Target (issue 12): the default grid
in under 10 s on 2 cores. The load average is printed: numbers taken on a busy machine are
noisy: the CPU time of the process is printed beside the wall time.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "studies" / "hangzhou_2022" / "study.yaml"


def main() -> None:
    from ahpstat.multiverse import DEFAULT_GRID, multiverse
    from ahpstat.study import Study

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--naive", type=int, default=6)
    args = ap.parse_args()
    study = Study.from_yaml(STUDY)
    res = study.run(bootstrap=False, bayes=False, sensitivity=False, evaluation=False)
    multiverse(res, {k: v[:1] for k, v in DEFAULT_GRID.items()})  # warm-up: imports
    times, cpu = [], []
    for _ in range(args.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        mv = multiverse(res)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    S, P = mv.info["n_specifications"], mv.info["n_panels"]

    # naive: one whole study run per specification (first K specifications of the grid)
    t0 = time.perf_counter()
    for _, row in mv.specifications.head(args.naive).iterrows():
        agg = row.aggregation
        panel = dataclasses.replace(
            study.panel, weighting=row.weighting, aggregation="aij" if agg == "aij" else "aip",
            aip_mean=study.panel.aip_mean if agg == "aij" else agg.split("_", 1)[1],
            policy=row.policy)
        dataclasses.replace(study, panel=panel).run(bootstrap=False, bayes=False, sensitivity=False,
                                                    evaluation=False)
    naive = (time.perf_counter() - t0) / args.naive

    load = os.getloadavg()
    print(f"multiverse of {STUDY.relative_to(ROOT)}: {S} specifications, {P} panel "
          f"configurations, {len(mv.scores)} rows of multiverse.csv")
    print(f"  in process   best {min(times):.2f} s, median {statistics.median(times):.2f} s "
          f"({args.repeats} runs; target < 10 s); CPU time best {min(cpu):.2f} s")
    print(f"  naive        {naive:.3f} s per specification (Study.run, {args.naive} timed) "
          f"-> {naive * S:.0f} s for the grid, {naive * S / min(times):.0f}x slower")
    print(f"  load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on {os.cpu_count()} "
          "cores")


if __name__ == "__main__":
    main()
