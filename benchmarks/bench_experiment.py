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
(target < 1 GiB), and the scheduler overhead per task (target < 5 % of the task time at the
default batch size).

How the overhead is measured: the task phase runs from the call of ``run_experiment`` to the
moment the client has written the last task's part (the runner's ``on_task`` callback). In it
the W workers have W x its wall time to give; what they did not spend computing tasks (the
summed ``compute`` intervals of Dask's task stream) is the overhead: dispatch of the first
tasks, the idle gaps on each worker between one task's end and the next one's start (result
hand-off, scheduler round trip, deserialising the next task) and the tail (the last results
travelling to the client and being written, and a worker left idle while the other finishes).
Per task and as a share of the mean task's compute time, it is the figure held against the
target; the split is printed with it. The summary step that follows (reading the parts,
tables, report) runs once per experiment in the client, in the serial runner too; it is not
per-task scheduling and is printed apart, together with the whole-run figure (wall time of
``run_experiment`` x W - compute), which is what earlier versions of this script called the
overhead. Both are measured in the same run. The load average is printed before and after:
on a shared machine, numbers taken under load are noisy.

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
t, c, last = time.perf_counter(), time.process_time(), []
run_experiment(exp, out, serial=True, figures=False, progress=False,
               on_task=lambda c, b: last.append(time.perf_counter()))
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "tasks": last[-1] - t}))
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

        # the runner's own LocalCluster and client (housekeeping, results straight from the
        # workers), started and warmed up here so that the clock sees only the experiment
        from ahpstat.experiment._runner import _local_client

        client, cluster = _local_client(a.workers)
        with cluster, client:
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
            last_part: list[float] = []
            with get_task_stream(client) as ts:
                w0, t0, c0 = time.time(), time.perf_counter(), time.process_time()
                phase_cpu: list[float] = []
                run_experiment(exp, tmp / "cluster", client=client, figures=False,
                               progress=False,
                               on_task=lambda c, b: (last_part.append(time.time()),
                                                     phase_cpu.append(time.process_time())))
                t_cluster = time.perf_counter() - t0
                client_cpu = time.process_time() - c0

            def peak_rss() -> int:
                import resource

                return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

            peaks = client.run(peak_rss)
            cpu1 = client.run(cpu)
        per_worker = [cpu1[w] - cpu0[w] for w in cpu1]
        worker_cpu = sum(per_worker)
        runs: dict[str, list[tuple[float, float]]] = {}
        for t in ts.data:
            if str(t["key"]).startswith("ahpstat-"):
                runs.setdefault(t["worker"], []).extend(
                    (s["start"], s["stop"]) for s in t["startstops"]
                    if s["action"] == "compute")
        compute = [b - a for r in runs.values() for a, b in r]
        same = read_parts(tmp / "serial").equals(read_parts(tmp / "cluster"))

    n_tasks = len(compute)
    mean_task = sum(compute) / n_tasks
    t_phase = last_part[-1] - w0  # call -> last part written (both time.time(), one host)
    overhead = (t_phase * a.workers - sum(compute)) / n_tasks
    whole = (t_cluster * a.workers - sum(compute)) / n_tasks
    start = sum(min(r)[0] - w0 for r in runs.values()) / n_tasks
    gaps = sum(sorted(r)[i + 1][0] - sorted(r)[i][1] for r in runs.values()
               for i in range(len(r) - 1)) / n_tasks
    tail = sum(last_part[-1] - max(r)[1] for r in runs.values()) / n_tasks
    idle = a.workers - len(runs)  # workers that got no task: all their time is overhead
    tail += idle * t_phase / n_tasks
    print(f"serial (1 core):          {t_serial:7.2f} s  {cells / t_serial:9.0f} cells/s")
    print(f"LocalCluster ({a.workers} workers):  {t_cluster:7.2f} s  "
          f"{cells / t_cluster:9.0f} cells/s  speed-up {t_serial / t_cluster:.2f}x "
          f"(target >= 1.7x)")
    print(f"identical statistics (serial vs cluster): {same}")
    print("peak RSS per worker: " + ", ".join(f"{v / 2**20:.0f} MiB" for v in peaks.values())
          + " (target < 1024 MiB)")
    print(f"tasks {n_tasks}, mean task {mean_task * 1000:.0f} ms, scheduler overhead per task "
          f"{overhead * 1000:.1f} ms = {100 * overhead / mean_task:.1f} % of the task time "
          "(target < 5 %)")
    print(f"  of which first dispatch {start * 1000:.1f} ms, gaps between tasks on a worker "
          f"{gaps * 1000:.1f} ms, tail (last results, imbalance) {tail * 1000:.1f} ms")
    client_task_cpu = (phase_cpu[-1] - c0) / n_tasks
    print(f"  the client process (scheduler, results, parts) used {client_task_cpu * 1000:.1f}"
          " ms of CPU per task in the task phase, on the cores the workers use")
    print(f"  task phase serial {serial['tasks']:.2f} s, cluster {t_phase:.2f} s: "
          f"{serial['tasks'] / t_phase:.2f}x on {a.workers} workers")
    print(f"  not per task: the summary step after the tasks {t_cluster - t_phase:.2f} s"
          f" once (serial runner too); whole run incl. it: {whole * 1000:.1f} ms per task = "
          f"{100 * whole / mean_task:.1f} % (the earlier scripts' figure)")
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
