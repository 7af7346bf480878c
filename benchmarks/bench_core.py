"""Core benchmark: weights and consistency of 100,000 random reciprocal 7 x 7 matrices.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_core.py [--quick] [--no-ahpy]``

Matrices: upper triangles drawn uniformly (seeded) from Saaty's 17 values 1/9..9, lower
triangles their reciprocals. Every row of the table times, in this one run, the public
batched API on all of them (``ahpstat.weights(A, method=...)`` + ``ahpstat.consistency(A,
index=...)``, validation included) or a baseline:

* AHPy (``ahpy.Compare``, its defaults: weights by repeated squaring rounded to 4 decimals,
  CR with Donegan & Dodd's table), installed into its own environment
  ``benchmarks/.venv-ahpy`` (created on first use, gitignored) and run in a subprocess on a
  subset (it manages about 3,000 matrices/s);
* a per-matrix ``numpy.linalg.eig`` loop (on a subset) and numpy's batched ``eig``, each with
  the Perron vector picked, normalized, and the CR;
* the bare batched row geometric mean in numpy (no validation).

Rates are matrices per second from the best of ``--repeats`` runs. The ahpstat rows use
numba's thread pool (both cores here) for the eigenvector; the row marked "1 thread" is the
same call with ``numba.set_num_threads(1)``; numpy's ``eig`` runs on one core.

Memory: the peak resident set size during one untimed run of each row, minus the resident
size just before it (Linux: ``/proc/self/status`` VmHWM after resetting it through
``/proc/self/clear_refs``; it counts numba's and LAPACK's allocations too), measured in a
child process with glibc's mmap threshold fixed (``MALLOC_MMAP_THRESHOLD_``; see
``memory_in_child``) so that freed heap pages do not hide a row's peak. Where the reset is
unavailable, tracemalloc's peak is reported instead (numpy allocations only) and the column
says so. The input array (100,000 x 7 x 7 float64 = 37 MiB) is not included.

The script also checks that the answers agree (max absolute differences printed): ahpstat's
eigenvector weights, lambda_max and CR against numpy's ``eig`` on all matrices, and weights
and CR against AHPy's (4-decimal) output on the AHPy subset; and it times the cold import
and the first ``ahpstat.weights`` call in fresh processes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np

import ahpstat as ah
from ahpstat.scales import SAATY_SCALE

HERE = Path(__file__).resolve().parent
AHPY_VENV = HERE / ".venv-ahpy"
AHPY_REQUIREMENT = "ahpy==2.1"
RI7_SAATY = 1.32  # Saaty (1980), RI(7): the table ahpstat's random_index="saaty" holds
RI7_DONEGAN_DODD = 1.2519  # Donegan & Dodd (1991), RI(7): AHPy's default table
TARGETS = {  # row -> matrices per second (issue 2, item 7)
    "ahpstat eigenvector + CR": 300_000,
    "ahpstat geometric mean + GCI": 1_000_000,
}
TARGET_VS_AHPY = ("ahpstat eigenvector + CR", 100.0)


# ----------------------------------------------------------------------------- the matrices


def saaty_matrices(n_matrices: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Random reciprocal matrices, upper triangles uniform over Saaty's 17 values."""
    iu = np.triu_indices(n, 1)
    vals = SAATY_SCALE[rng.integers(0, SAATY_SCALE.size, size=(n_matrices, iu[0].size))]
    A = np.ones((n_matrices, n, n))
    A[:, iu[0], iu[1]] = vals
    A[:, iu[1], iu[0]] = 1.0 / vals
    return A


# ------------------------------------------------------------------------------ baselines


def perron_from_eig(vals: np.ndarray, vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Perron vector (sum 1) and root from ``numpy.linalg.eig`` output (batched)."""
    k = np.argmax(vals.real, axis=-1)
    v = np.abs(np.take_along_axis(vecs.real, k[..., None, None], axis=-1)[..., 0])
    lam = np.take_along_axis(vals.real, k[..., None], axis=-1)[..., 0]
    return v / v.sum(axis=-1, keepdims=True), lam


def numpy_batched_eig(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = A.shape[-1]
    w, lam = perron_from_eig(*np.linalg.eig(A))
    return w, lam, (lam - n) / (n - 1) / RI7_SAATY


def numpy_eig_loop(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = A.shape[-1]
    W = np.empty(A.shape[:-1])
    LAM = np.empty(A.shape[0])
    for b in range(A.shape[0]):
        vals, vecs = np.linalg.eig(A[b])
        k = int(np.argmax(vals.real))
        v = np.abs(vecs[:, k].real)
        W[b] = v / v.sum()
        LAM[b] = vals[k].real
    return W, LAM, (LAM - n) / (n - 1) / RI7_SAATY


def bare_geometric_mean(A: np.ndarray) -> np.ndarray:
    g = np.exp(np.log(A).mean(axis=-1))
    return g / g.sum(axis=-1, keepdims=True)


# -------------------------------------------------------------------------- measurements


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


def peak_memory_mib(fn: Callable[[], Any]) -> tuple[float, str]:
    """Extra peak memory of one call of ``fn`` (MiB) and how it was measured."""
    if _reset_peak_rss():
        before = _status_kib("VmRSS")
        out = fn()
        peak = _status_kib("VmHWM")
        del out
        if before is not None and peak is not None:
            return (peak - before) / 1024, "RSS"
    tracemalloc.start()
    out = fn()
    peak_bytes = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del out
    return peak_bytes / 2**20, "tracemalloc"


def best_time(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


# ---------------------------------------------------------------------------------- AHPy

_AHPY_WORKER = r"""
import json, os, sys, time
import numpy as np
import ahpy

A = np.load(sys.argv[1])
repeats = int(sys.argv[2])
n = A.shape[-1]
names = [f"e{i}" for i in range(n)]
iu = np.triu_indices(n, 1)
dicts = [{(names[i], names[j]): float(M[i, j]) for i, j in zip(*iu)} for M in A]

def run():
    return [ahpy.Compare("c", d) for d in dicts]

def vm(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])

mem = None
try:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    before = vm("VmRSS")
    res = run()
    mem = (vm("VmHWM") - before) / 1024
except OSError:
    res = run()
best = float("inf")
for _ in range(repeats):
    t = time.perf_counter()
    res = run()
    best = min(best, time.perf_counter() - t)
W = [[c.local_weights[k] for k in names] for c in res]
CR = [float(c.consistency_ratio) for c in res]
print(json.dumps({"seconds": best, "weights": W, "cr": CR, "mem": mem,
                  "version": ahpy.__version__ if hasattr(ahpy, "__version__") else "?"}))
"""


def ahpy_python(install: bool) -> tuple[Path | None, str]:
    """The AHPy environment's interpreter (created on first use), or None and why not."""
    py = AHPY_VENV / "bin" / "python"
    if not py.exists():
        if not install:
            return None, f"{AHPY_VENV.name} missing and --no-install given"
        print(f"creating {AHPY_VENV.relative_to(HERE.parent)} with {AHPY_REQUIREMENT} ...",
              flush=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(AHPY_VENV)], check=True)
            subprocess.run([str(py), "-m", "pip", "install", "--quiet", AHPY_REQUIREMENT],
                           check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            return None, f"could not install {AHPY_REQUIREMENT}: {exc}"
    return py, ""


def run_ahpy(py: Path, A: np.ndarray, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "A.npy"
        np.save(path, A)
        out = subprocess.run([str(py), "-c", _AHPY_WORKER, str(path), str(repeats)],
                             check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


# ------------------------------------------------------------------------ fresh processes

_FIRST_CALL = r"""
import time
t0 = time.perf_counter()
import numpy as np
import ahpstat as ah
t1 = time.perf_counter()
u = [9, 5, 2, 1, 1, 1/2, 1/3, 1/9, 1/9, 1/9, 1/9, 1/3, 1/4, 1/3, 1/9, 1/2, 1, 1/3, 2, 1/2, 1/3]
A = ah.pairwise.from_upper_triangle(u)
t2 = time.perf_counter()
ah.weights(A, method="eigenvector")
t3 = time.perf_counter()
ah.consistency(A, index="cr")
t4 = time.perf_counter()
for _ in range(100):
    ah.weights(A, method="eigenvector")
t5 = time.perf_counter()
print(t1 - t0, t3 - t2, t4 - t3, (t5 - t4) / 100)
"""


def fresh_process_latency(repeats: int) -> dict[str, float]:
    def wall(code: str) -> float:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t

    out: dict[str, float] = {
        "python -c pass": min(wall("pass") for _ in range(repeats)),
        'python -c "import ahpstat"': min(wall("import ahpstat") for _ in range(repeats)),
    }
    runs = []
    for _ in range(repeats):
        res = subprocess.run([sys.executable, "-c", _FIRST_CALL], check=True,
                             capture_output=True, text=True)
        runs.append([float(x) for x in res.stdout.split()])
    best = np.min(np.array(runs), axis=0)
    out["import numpy + ahpstat (in the process)"] = best[0]
    out["first ahpstat.weights(7x7) call"] = best[1]
    out["first ahpstat.consistency(7x7) call"] = best[2]
    out["later ahpstat.weights(7x7) calls, each"] = best[3]
    return out


# ---------------------------------------------------------------------------- the rows


Row = tuple[str, Callable[[], Any], int, str]


def configurations(A: np.ndarray, loop_subset: int) -> list[Row]:
    """(name, call, matrices, threads) of every timed row but AHPy's."""
    B = A.shape[0]
    nthreads = str(numba.config.NUMBA_NUM_THREADS)

    def one_thread() -> Any:
        numba.set_num_threads(1)
        try:
            return ah.weights(A, method="eigenvector"), ah.consistency(A, index="cr")
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)

    sub = A[:loop_subset]
    return [
        ("ahpstat eigenvector + CR",
         lambda: (ah.weights(A, method="eigenvector"), ah.consistency(A, index="cr")), B,
         nthreads),
        ("ahpstat eigenvector + CR, 1 thread", one_thread, B, "1"),
        ("ahpstat eigenvector weights", lambda: ah.weights(A, method="eigenvector"), B,
         nthreads),
        ("ahpstat geometric mean + GCI",
         lambda: (ah.weights(A, method="geometric_mean"), ah.consistency(A, index="gci")), B,
         "1"),
        ("ahpstat column mean", lambda: ah.weights(A, method="column_mean"), B, "1"),
        ("numpy batched eig + CR", lambda: numpy_batched_eig(A), B, "1"),
        ("numpy eig loop + CR", lambda: numpy_eig_loop(sub), sub.shape[0], "1"),
        ("numpy bare batched row geometric mean", lambda: bare_geometric_mean(A), B, "1"),
    ]


def warm_up(A: np.ndarray) -> None:
    """Load numba's cached kernels (serial and parallel) before anything is measured."""
    for k in (10, min(A.shape[0], 8_000)):
        ah.weights(A[:k])
        ah.consistency(A[:k])


def memory_worker(args: argparse.Namespace) -> None:
    """Child process: peak memory of one run of each row, as JSON on stdout."""
    A = saaty_matrices(args.matrices, args.order, np.random.default_rng(args.seed))
    warm_up(A)
    out = {name: peak_memory_mib(fn) for name, fn, _, _ in configurations(A, args.loop_subset)}
    print(json.dumps(out))


def memory_in_child(args: argparse.Namespace) -> dict[str, tuple[float, str]]:
    """Run :func:`memory_worker` with glibc's mmap threshold fixed at 128 KiB.

    By default glibc raises that threshold after a large block is freed (up to 32 MiB), so
    later arrays come from the heap, whose freed pages stay resident and hide new peaks;
    fixed, every array from 128 KiB up is mapped and unmapped on its own and the peak of
    each row is seen. Timings run in this process with the default allocator.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-worker",
           "--matrices", str(args.matrices), "--order", str(args.order),
           "--seed", str(args.seed), "--loop-subset", str(args.loop_subset)]
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072")
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        print(f"memory measurement failed: {res.stderr[-2000:]}", file=sys.stderr)
        return {}
    return {k: (v[0], v[1]) for k, v in json.loads(res.stdout).items()}


# --------------------------------------------------------------------------- small batches


def small_batch_latency(A: np.ndarray, busy: bool) -> list[tuple[str, float, float]]:
    """Median and 90th percentile (seconds) of ``ahpstat.weights`` on small batches.

    Each call is followed by a 2 ms pause, as between the steps of an optimizer or the nodes
    of a panel: long enough for an idle thread pool to go to sleep. With ``busy``, as many
    busy-looping processes as there are CPUs run meanwhile (a machine shared with other
    jobs), which is where waking a thread pool costs a scheduler time slice.
    """
    procs = []
    if busy:
        procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                 for _ in range(os.cpu_count() or 1)]
        time.sleep(0.5)
    out = []
    try:
        for k in (1, 50):
            batch = A[:k] if k > 1 else A[0]
            ah.weights(batch)
            ts = []
            for _ in range(200):
                t = time.perf_counter()
                ah.weights(batch)
                ts.append(time.perf_counter() - t)
                time.sleep(0.002)
            label = "one 7x7 matrix" if k == 1 else f"{k} 7x7 matrices"
            out.append((label + (", all CPUs busy" if busy else ""),
                        float(np.median(ts)), float(np.percentile(ts, 90))))
    finally:
        for p in procs:
            p.kill()
            p.wait()
    return out


# ------------------------------------------------------------------------------------ main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--matrices", type=int, default=100_000, help="batch size (default 100,000)")
    ap.add_argument("--order", type=int, default=7, help="matrix order (default 7)")
    ap.add_argument("--ahpy-subset", type=int, default=2_000, help="matrices timed with AHPy")
    ap.add_argument("--loop-subset", type=int, default=20_000,
                    help="matrices timed with the per-matrix numpy eig loop")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per row (best is kept)")
    ap.add_argument("--seed", type=int, default=20240607)
    ap.add_argument("--no-ahpy", action="store_true", help="skip AHPy")
    ap.add_argument("--no-install", action="store_true",
                    help="do not create benchmarks/.venv-ahpy when missing")
    ap.add_argument("--quick", action="store_true", help="10,000 matrices, 1 repeat (smoke run)")
    ap.add_argument("--busy", action="store_true",
                    help="also time small batches while busy loops occupy every CPU")
    ap.add_argument("--memory-worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.matrices, args.repeats = 10_000, 1
        args.ahpy_subset, args.loop_subset = 200, 2_000
    if args.order != 7:
        raise SystemExit("`--order` other than 7 is not supported (the RI constants are RI(7)).")
    if args.memory_worker:
        memory_worker(args)
        return

    rng = np.random.default_rng(args.seed)
    A = saaty_matrices(args.matrices, args.order, rng)
    B = A.shape[0]
    print(f"# ahpstat core benchmark: {B:,} random reciprocal {args.order}x{args.order} "
          f"Saaty-scale matrices (seed {args.seed}), best of {args.repeats}")
    print(f"# Python {platform.python_version()}, numpy {np.__version__}, numba "
          f"{numba.__version__}, ahpstat {ah.__version__}; {os.cpu_count()} CPUs, numba "
          f"threads {numba.config.NUMBA_NUM_THREADS}; load average at start "
          f"{os.getloadavg()[0]:.2f}")
    print()

    warm_up(A)

    rows: list[dict[str, Any]] = []
    memory = memory_in_child(args)
    for name, fn, n_timed, threads in configurations(A, args.loop_subset):
        sec = best_time(fn, args.repeats)
        mem, how = memory.get(name, (None, ""))
        rows.append({"name": name, "n": n_timed, "sec": sec, "rate": n_timed / sec,
                     "mem": mem, "how": how, "threads": threads})
        print(f"  timed {name}: {n_timed / sec:,.0f} matrices/s", file=sys.stderr, flush=True)

    ahpy_res = None
    if not args.no_ahpy:
        py, why = ahpy_python(install=not args.no_install)
        if py is None:
            print(f"AHPy skipped: {why}", file=sys.stderr)
        else:
            asub = A[: args.ahpy_subset]
            try:
                ahpy_res = run_ahpy(py, asub, args.repeats)
            except subprocess.CalledProcessError as exc:
                print(f"AHPy failed: {exc.stderr[-2000:]}", file=sys.stderr)
            if ahpy_res is not None:
                rows.append({"name": f"AHPy {ahpy_res['version']} Compare (weights + CR)",
                             "n": asub.shape[0], "sec": ahpy_res["seconds"],
                             "rate": asub.shape[0] / ahpy_res["seconds"],
                             "mem": ahpy_res["mem"], "how": "RSS", "threads": "1"})

    ref = {r["name"]: r["rate"] for r in rows}
    ahpy_rate = next((r["rate"] for r in rows if r["name"].startswith("AHPy")), None)
    eig_rate = ref["numpy batched eig + CR"]
    print("| what | matrices timed | threads | matrices/s | x numpy batched eig | x AHPy "
          "| peak memory (MiB) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        vs_ahpy = f"{r['rate'] / ahpy_rate:,.0f}x" if ahpy_rate else "-"
        mem = "-" if r["mem"] is None else f"{r['mem']:,.0f}" + (
            " (tracemalloc)" if r["how"] == "tracemalloc" else "")
        print(f"| {r['name']} | {r['n']:,} | {r['threads']} | {r['rate']:,.0f} | "
              f"{r['rate'] / eig_rate:,.1f}x | {vs_ahpy} | {mem} |")
    print()

    # ----------------------------------------------------------------- agreement checks
    rw = ah.weights(A, method="eigenvector")
    rc = ah.consistency(A, index="cr", random_index="saaty")
    w_eig, lam_eig, cr_eig = numpy_batched_eig(A)
    print("Agreement (max absolute difference):")
    print(f"- ahpstat eigenvector vs numpy eig, all {B:,}: weights "
          f"{np.abs(rw.weights - w_eig).max():.1e}, lambda_max "
          f"{np.abs(rw.lambda_max - lam_eig).max():.1e}, CR (Saaty RI) "
          f"{np.abs(rc.value - cr_eig).max():.1e}")
    g = ah.weights(A, method="geometric_mean").weights
    print(f"- ahpstat geometric mean vs bare numpy row geometric mean: "
          f"{np.abs(g - bare_geometric_mean(A)).max():.1e}")
    if ahpy_res is not None:
        k = args.ahpy_subset
        wa = np.array(ahpy_res["weights"])
        cra = np.array(ahpy_res["cr"])
        crd = ah.consistency(A[:k], index="cr", random_index="donegan_dodd").value
        print(f"- ahpstat vs AHPy (rounds to 4 decimals), first {k:,}: weights "
              f"{np.abs(rw.weights[:k] - wa).max():.1e}, CR (Donegan & Dodd RI) "
              f"{np.abs(crd - cra).max():.1e}")
    print()

    # ------------------------------------------------------------------------- targets
    print("Targets:")
    for name, target in TARGETS.items():
        rate = ref[name]
        verdict = "met" if rate >= target else "NOT met"
        print(f"- {name}: {rate:,.0f}/s vs target {target:,}/s: {verdict} "
              f"({rate / target:.2f}x the target)")
    if ahpy_rate:
        name, factor = TARGET_VS_AHPY
        ratio = ref[name] / ahpy_rate
        verdict = "met" if ratio >= factor else "NOT met"
        print(f"- {name} vs AHPy: {ratio:,.1f}x vs target {factor:.0f}x: {verdict}")
    print()

    # -------------------------------------------------------------------- small batches
    print("Small batches, in-process (ahpstat.weights, eigenvector; 200 calls, 2 ms apart):")
    for busy in (False, True) if args.busy else (False,):
        for label, med, p90 in small_batch_latency(A, busy):
            print(f"- {label}: median {med * 1e6:,.0f} us, 90th percentile {p90 * 1e6:,.0f} us")
    print()

    # ----------------------------------------------------------------- fresh processes
    print("Fresh-process latency (best of 3, wall seconds):")
    for what, sec in fresh_process_latency(3).items():
        print(f"- {what}: " + (f"{sec * 1e3:,.1f} ms" if sec >= 1e-3 else f"{sec * 1e6:,.0f} us"))
    print(f"\n# load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
