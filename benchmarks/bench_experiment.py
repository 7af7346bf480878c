"""Experiment runner: cells per second serial vs a 2-worker LocalCluster, memory, overhead.

Run: ``.venv/bin/python benchmarks/bench_experiment.py [--replications N] [--workers W]``

One panel experiment (matrices of order 7, panels of 5 experts, Saaty-scale judgments,
three weighting methods x AIJ / AIP, acceptance under CR, GCI and Koczkodaj) is run

1. serially in a fresh process with one compiled-kernel thread and one BLAS thread
   (``NUMBA_NUM_THREADS=1``, ``OMP/OPENBLAS/MKL_NUM_THREADS=1``: one core, as each Dask
   worker has), and
2. on a ``LocalCluster`` of W single-threaded worker processes (default 2), started and
   warmed up (every worker imports ahpstat and compiles its kernels on a first task)
   before the clock starts,

side by side in one run, and checks that both wrote identical statistics. A cell is one
simulated panel (condition x replication) with every method applied. Reported: cells/s of
each and the speed-up (target >= 1.7x on 2 cores), the peak resident memory of each worker
(target < 1 GiB), and the scheduler overhead per task: wall time x workers - the summed
compute time of the tasks (from Dask's task stream), per task, as a share of the mean task
time (target < 5 % at the default batch size). The load average is printed before and
after: on a shared machine, numbers taken under load are noisy.

Under load the wall-clock ratio says little (each process gets what the others leave), so the
CPU time of every process is printed too, with the speed-up it implies on an otherwise idle
machine: serial CPU time / the larger of the busiest worker's CPU time and the cluster's
total CPU time (workers + this client, which runs the scheduler and writes the parts) shared
over the cores. It is a bound from the CPU the tasks cost, not a measurement; the measured
wall-clock ratio on a quiet machine is the one that counts.

Command for the record (a quiet machine, nothing else running)::

    .venv/bin/python benchmarks/bench_experiment.py
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPEC = {
    "name": "bench", "seed": 7, "batch_size": None,
    "conditions": {"n": 7, "n_experts": 5, "noise_sd": [0.2, 0.5], "expert_sd": 0.3},
    "methods": {"weighting": ["eigenvector", "geometric_mean", "column_mean"],
                "aggregation": ["aij", "aip"]},
    "acceptance": ["cr", "gci", "koczkodaj"],
}

SERIAL = """
import json, sys, time
from ahpstat.experiment import Experiment, run_experiment, run_task
spec = json.loads(sys.argv[1]); out = sys.argv[2]
exp = Experiment.from_dict(spec)
run_task(exp.to_dict(), 0, 0)  # compile the kernels before the clock starts
t, c = time.perf_counter(), time.process_time()
run_experiment(exp, out, serial=True, figures=False, progress=False)
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c}))
"""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--replications", type=int, default=48_000,
                   help="panels per condition (default 48,000: 24 tasks of 4,000)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="panels per task (default: the runner's, 20,000 matrices per task)")
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args(argv)

    from distributed import Client, LocalCluster

    from ahpstat.experiment import Experiment, read_parts, run_experiment, run_task

    spec = {**SPEC, "replications": a.replications}
    if a.batch_size:
        spec["batch_size"] = a.batch_size
    else:
        spec.pop("batch_size")
    exp = Experiment.from_dict(spec)
    cells = a.replications * len(exp.conditions)
    print(f"experiment: {len(exp.conditions)} conditions x {len(exp.methods)} methods x "
          f"{a.replications} panels of 5 (n = 7) = {cells} cells in {exp.n_tasks} tasks of "
          f"{exp.batch_size} panels")
    print(f"load average before: {load()}  ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # one core, as each worker has: one numba thread, and one BLAS/OpenMP thread, which
        # Dask's nannies also give their workers (distributed.nanny.pre-spawn-environ)
        env = {**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        r = subprocess.run([sys.executable, "-c", SERIAL, json.dumps(spec),
                            str(tmp / "serial")], env=env, capture_output=True, text=True,
                           check=True)
        serial = json.loads(r.stdout.strip().splitlines()[-1])
        t_serial = serial["seconds"]

        import dask

        from ahpstat.experiment._runner import _WORKER_CONFIG

        with dask.config.set(_WORKER_CONFIG), \
                LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                             dashboard_address=":0", env={"NUMBA_NUM_THREADS": "1"},
                             silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            payload = exp.to_dict()
            warm = [client.submit(run_task, payload, 0, 0, pure=False, workers=[w])
                    for w in client.scheduler_info()["workers"]]
            client.gather(warm)
            from distributed import get_task_stream

            def cpu() -> float:
                import resource

                r = resource.getrusage(resource.RUSAGE_SELF)
                return r.ru_utime + r.ru_stime

            cpu0 = client.run(cpu)
            with get_task_stream(client) as ts:
                t0, c0 = time.perf_counter(), time.process_time()
                run_experiment(exp, tmp / "cluster", client=client, figures=False,
                               progress=False)
                t_cluster = time.perf_counter() - t0
                client_cpu = time.process_time() - c0

            def peak_rss() -> int:
                import resource

                return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

            peaks = client.run(peak_rss)
            cpu1 = client.run(cpu)
        per_worker = [cpu1[w] - cpu0[w] for w in cpu1]
        worker_cpu = sum(per_worker)
        compute = [sum(s["stop"] - s["start"] for s in t["startstops"]
                       if s["action"] == "compute") for t in ts.data
                   if str(t["key"]).startswith("ahpstat-")]
        same = read_parts(tmp / "serial").equals(read_parts(tmp / "cluster"))

    n_tasks = len(compute)
    mean_task = sum(compute) / n_tasks
    overhead = (t_cluster * a.workers - sum(compute)) / n_tasks
    print(f"serial (1 core):          {t_serial:7.2f} s  {cells / t_serial:9.0f} cells/s")
    print(f"LocalCluster ({a.workers} workers):  {t_cluster:7.2f} s  "
          f"{cells / t_cluster:9.0f} cells/s  speed-up {t_serial / t_cluster:.2f}x "
          f"(target >= 1.7x)")
    print(f"identical statistics (serial vs cluster): {same}")
    print("peak RSS per worker: " + ", ".join(f"{v / 2**20:.0f} MiB" for v in peaks.values())
          + " (target < 1024 MiB)")
    print(f"tasks {n_tasks}, mean task {mean_task * 1000:.0f} ms, overhead per task "
          f"{overhead * 1000:.1f} ms = {100 * overhead / mean_task:.1f} % of the task time "
          "(target < 5 %)")
    print(f"CPU time: serial process {serial['cpu']:.1f} s; worker processes {worker_cpu:.1f} s "
          f"(" + ", ".join(f"{c:.1f}" for c in per_worker) + f") for {sum(compute):.1f} s of "
          f"task wall time (CPU << wall: waiting for a core); this client (scheduler, "
          f"parts) {client_cpu:.1f} s")
    cores = os.cpu_count() or 1
    bound = max(max(per_worker), (worker_cpu + client_cpu) / min(cores, a.workers + 1))
    print(f"speed-up implied by the CPU times on an idle machine: {serial['cpu'] / bound:.2f}x "
          "(a bound, not a measurement; the wall-clock ratio above is the measurement)")
    print(f"load average after: {load()}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
