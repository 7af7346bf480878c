"""Core benchmark: one table, ahpstat side by side with bare numpy, AHPy, pyDecision and pymcdm.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_core.py [--quick] [--no-others]``

Every row is one task; the columns are the implementations that do it, all measured in this
one run (ratios are what to read on a shared machine), the ahpstat row's peak memory, the
target (issue 17) and whether it is met:

* **throughput** -- eigenvector + lambda_max + CR, geometric mean + GCI, column mean of
  100,000 random reciprocal 7 x 7 matrices (upper triangles uniform, seeded, over Saaty's 17
  values: the worst case, about 50 power steps each, against about 15 for experts' matrices),
  through the public batched API with validation: ``ahpstat.weights(A, method=...,
  consistency=...)`` (one compiled pass), also on one numba thread and as two calls
  (``weights`` then ``consistency``). Bare numpy: batched ``numpy.linalg.eig`` (Perron vector
  picked and normalized, CR), a per-matrix ``eig`` loop, and the batched row geometric mean
  (no validation, no GCI). AHPy (``ahpy.Compare``: weights by repeated squaring rounded to 4
  decimals, CR with Donegan & Dodd's table), pyDecision (``ahp_method``: ``"me"`` eig, ``"g"``
  geometric mean, ``"m"`` column mean, each with its CR) and pymcdm (``AHP(matrix=...)``:
  eig weights, ``get_cr()``) loop over a subset (they manage thousands of matrices per
  second), in their own environment ``benchmarks/.venv-others`` (created on first use,
  gitignored), in a subprocess, never in the project's venv.
* **latency** -- one 7 x 7 matrix and 50 of them per call (median of calls in loops),
  weights + CR: ahpstat (numpy path for up to 4 matrices, compiled beyond), a bare
  ``numpy.linalg.eig`` call (and a bare numpy power iteration), each library's call.
* **fresh process** -- ``python -c``: importing ahpstat, then the first call of each core
  function (best of 3 processes).
* **threads** -- the joint bootstrap with 100,000 respondents (the issue's case), ms per
  replicate, with OpenBLAS's default threads and with the one BLAS thread ahpstat now sets
  inside its resampling (``ahpstat._threads``); the thread pools are printed.

Rates are matrices per second, best of ``--repeats``. Memory: peak resident set size of one
untimed run minus the resident size before it, in a child process with glibc's mmap
threshold fixed (``MALLOC_MMAP_THRESHOLD_``) so that freed heap pages cannot hide a peak
(tracemalloc where ``/proc/self/clear_refs`` is unavailable; the input is not counted).
The script checks the answers agree (printed) and prints the load average at start and end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
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
from ahpstat._threads import thread_summary
from ahpstat.scales import SAATY_SCALE

HERE = Path(__file__).resolve().parent
OTHERS_VENV = HERE / ".venv-others"
OTHERS = ("ahpy==2.1", "pydecision==5.1.8", "pymcdm==1.4.0")
RI7_SAATY = 1.32  # Saaty (1980), RI(7): ahpstat's random_index="saaty"
#: Saaty's (1977) drinks matrix, a real expert's judgments (CR 0.022): random Saaty-scale
#: matrices (CR about 1.3) need twice the power steps of such a matrix (64 against 32)
DRINKS = ah.pairwise.from_upper_triangle(
    [9, 5, 2, 1, 1, 1 / 2, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 3, 1 / 4, 1 / 3, 1 / 9,
     1 / 2, 1, 1 / 3, 2, 1 / 2, 1 / 3])

# ------------------------------------------------------------------------------- matrices


def saaty_matrices(n_matrices: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Random reciprocal matrices, upper triangles uniform over Saaty's 17 values."""
    iu = np.triu_indices(n, 1)
    vals = SAATY_SCALE[rng.integers(0, SAATY_SCALE.size, size=(n_matrices, iu[0].size))]
    A = np.ones((n_matrices, n, n))
    A[:, iu[0], iu[1]] = vals
    A[:, iu[1], iu[0]] = 1.0 / vals
    return A


# -------------------------------------------------------------------------- bare numpy


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


def numpy_eig_loop(A: np.ndarray) -> np.ndarray:
    n = A.shape[-1]
    out = np.empty(A.shape[0])
    for b in range(A.shape[0]):
        vals, vecs = np.linalg.eig(A[b])
        k = int(np.argmax(vals.real))
        v = np.abs(vecs[:, k].real)
        _ = v / v.sum()
        out[b] = (vals[k].real - n) / (n - 1) / RI7_SAATY
    return out


def bare_geometric_mean(A: np.ndarray) -> np.ndarray:
    g = np.exp(np.log(A).mean(axis=-1))
    return g / g.sum(axis=-1, keepdims=True)


def bare_power_iteration(M: np.ndarray, steps: int = 50) -> tuple[np.ndarray, float]:
    """The textbook loop: ``steps`` normalized products (no convergence test)."""
    w = np.full(M.shape[0], 1.0 / M.shape[0])
    for _ in range(steps):
        v = M @ w
        w = v / v.sum()
    return w, float((M @ w).sum())


# -------------------------------------------------------------------------- measurements


def best_time(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def per_call(fn: Callable[[], Any], calls: int = 200, rounds: int = 7) -> float:
    """Median over ``rounds`` of the mean time of ``calls`` back-to-back calls (seconds)."""
    fn()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t) / calls)
    return statistics.median(times)


def per_matrix_ratios(mats: np.ndarray, calls: int = 40, rounds: int = 5) -> np.ndarray:
    """For each matrix, ``weights(M, consistency="cr")`` time over ``numpy.linalg.eig(M)``
    time, the two timed alternately (``rounds`` of ``calls`` back-to-back calls each, the
    median round of each), so that a drift of the machine's speed hits both alike.
    """
    out = np.empty(len(mats))
    for k, M in enumerate(mats):
        ours, eig = [], []
        ah.weights(M, consistency="cr")
        np.linalg.eig(M)
        for _ in range(rounds):
            t = time.perf_counter()
            for _ in range(calls):
                ah.weights(M, consistency="cr")
            t1 = time.perf_counter()
            for _ in range(calls):
                np.linalg.eig(M)
            t2 = time.perf_counter()
            ours.append(t1 - t)
            eig.append(t2 - t1)
        out[k] = statistics.median(ours) / statistics.median(eig)
    return out


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


# ----------------------------------------------------------------- the other libraries

_OTHERS_WORKER = r"""
import json, statistics, sys, time
import numpy as np

A = np.load(sys.argv[1])
repeats = int(sys.argv[2])
n = A.shape[-1]
names = [f"e{i}" for i in range(n)]
iu = np.triu_indices(n, 1)
out = {}

def best(fn):
    b = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        r = fn()
        b = min(b, time.perf_counter() - t)
    return b, r

def per_call(fn, calls=100, rounds=7):
    fn()
    ts = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        ts.append((time.perf_counter() - t) / calls)
    return statistics.median(ts)

import ahpy
dicts = [{(names[i], names[j]): float(M[i, j]) for i, j in zip(*iu)} for M in A]
def ahpy_all():
    return [ahpy.Compare("c", d) for d in dicts]
sec, res = best(ahpy_all)
out["ahpy"] = {"version": ahpy.__version__ if hasattr(ahpy, "__version__") else "2.1",
               "eig_cr": sec, "w": [[c.local_weights[k] for k in names] for c in res],
               "cr": [float(c.consistency_ratio) for c in res],
               "one": per_call(lambda: ahpy.Compare("c", dicts[0])),
               "fifty": per_call(lambda: [ahpy.Compare("c", d) for d in dicts[:50]], 5, 5)}

from pyDecision.algorithm import ahp_method
import pyDecision
rows = {}
for wd in ("me", "g", "m"):
    sec, res = best(lambda wd=wd: [ahp_method(M, wd=wd) for M in A])
    rows[wd] = sec
    if wd == "me":
        out["pydecision_w"] = [r[0].tolist() for r in res]
        out["pydecision_cr"] = [float(r[1]) for r in res]
out["pydecision"] = {"version": getattr(pyDecision, "__version__", "5.1.8"), **rows,
                     "one": per_call(lambda: ahp_method(A[0], wd="me")),
                     "fifty": per_call(lambda: [ahp_method(M, wd="me") for M in A[:50]], 5, 5)}

import pymcdm
from pymcdm.weights.subjective import AHP
def pymcdm_one(M):
    m = AHP(matrix=M)
    return m(), m.get_cr()
sec, res = best(lambda: [pymcdm_one(M) for M in A])
out["pymcdm"] = {"version": getattr(pymcdm, "__version__", "1.4.0"), "eig_cr": sec,
                 "w": [r[0].tolist() for r in res], "cr": [float(r[1]) for r in res],
                 "one": per_call(lambda: pymcdm_one(A[0])),
                 "fifty": per_call(lambda: [pymcdm_one(M) for M in A[:50]], 5, 5)}
print(json.dumps(out))
"""


def others_python(install: bool) -> tuple[Path | None, str]:
    """The other libraries' interpreter (environment created on first use), or why not."""
    py = OTHERS_VENV / "bin" / "python"
    if not py.exists():
        if not install:
            return None, f"{OTHERS_VENV.name} missing and --no-install given"
        print(f"creating {OTHERS_VENV.relative_to(HERE.parent)} with {', '.join(OTHERS)} ...",
              file=sys.stderr, flush=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(OTHERS_VENV)], check=True)
            subprocess.run([str(py), "-m", "pip", "install", "--quiet", *OTHERS], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            return None, f"could not install {', '.join(OTHERS)}: {exc}"
    return py, ""


def run_others(py: Path, A: np.ndarray, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "A.npy"
        np.save(path, A)
        out = subprocess.run([str(py), "-c", _OTHERS_WORKER, str(path), str(repeats)],
                             check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------- fresh processes

_FIRST = r"""
import sys, time
t0 = time.perf_counter()
import numpy as np
import ahpstat as ah
t1 = time.perf_counter()
u = [9, 5, 2, 1, 1, 1/2, 1/3, 1/9, 1/9, 1/9, 1/9, 1/3, 1/4, 1/3, 1/9, 1/2, 1, 1/3, 2, 1/2, 1/3]
A = ah.pairwise.from_upper_triangle(u)
what = sys.argv[1]
B = np.stack([A] * 50)
I = A.copy(); I[0, 3] = I[3, 0] = np.nan
calls = {
    "weights": lambda: ah.weights(A),
    "weights_cr": lambda: ah.weights(A, consistency="cr"),
    "consistency": lambda: ah.consistency(A),
    "gci": lambda: ah.consistency(A, index="gci"),
    "geometric_mean": lambda: ah.weights(A, method="geometric_mean"),
    "llsm": lambda: ah.weights(I, method="llsm"),
    "complete": lambda: ah.complete(I),
    "worst_judgments": lambda: ah.worst_judgments(A),
    "weights_25": lambda: ah.weights(B[:25], consistency="cr"),
    "panel_3x3": lambda: ah.consistency(np.stack([A[:3, :3]] * 425)),
    "weights_50": lambda: ah.weights(B, consistency="cr"),
}
before = set(sys.modules)
if len(sys.argv) > 2:  # the libraries the call imports, imported before it is timed
    import numba, pandas, scipy.linalg  # noqa: E401
    from ahpstat import _kernels
t2 = time.perf_counter()
calls[what]()
t3 = time.perf_counter()
heavy = sorted({m.split(".")[0] for m in set(sys.modules) - before} & {"numba", "pandas", "scipy"})
print(t1 - t0, t3 - t2, ",".join(heavy) or "-")
"""

FIRST_CALLS = {
    "weights": "weights(7x7)",
    "weights_cr": "weights(7x7, consistency='cr')",
    "consistency": "consistency(7x7)",
    "gci": "consistency(7x7, index='gci')",
    "geometric_mean": "weights(7x7, method='geometric_mean')",
    "llsm": "weights(incomplete 7x7, method='llsm')",
    "complete": "complete(incomplete 7x7)",
    "worst_judgments": "worst_judgments(7x7)",
    "weights_25": "weights(25 x 7x7, consistency='cr') [a panel's node: numpy stack]",
    "panel_3x3": "consistency(425 x 3x3) [a panel's nodes of order 3: closed form]",
    "weights_50": "weights(50 x 7x7, consistency='cr') [compiled path]",
}


_NUMBA_FLOOR = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
t0 = time.perf_counter()
import numba
t1 = time.perf_counter()
import trivial_cached
trivial_cached.f(1.0)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def numba_floor(repeats: int) -> tuple[float, float]:
    """numba's own cost in a fresh process, whatever the function: ``(import numba, first
    call of a trivial ``cache=True`` function whose cache is warm)`` (best of runs). The
    first call initializes numba's compiler context (its typing and lowering registries,
    which import numba's numpy support and scipy.linalg) before it loads anything cached.
    """
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "trivial_cached.py").write_text(
            "from numba import njit\n\n@njit(cache=True)\ndef f(x):\n    return x + 1\n")
        subprocess.run([sys.executable, "-c", _NUMBA_FLOOR, tmp], check=True,
                       capture_output=True)  # writes the cache
        runs = []
        for _ in range(repeats):
            res = subprocess.run([sys.executable, "-c", _NUMBA_FLOOR, tmp], check=True,
                                 capture_output=True, text=True)
            runs.append([float(x) for x in res.stdout.split()])
    best = np.min(np.array(runs), axis=0)
    return float(best[0]), float(best[1])


def fresh_process(repeats: int) -> tuple[float, dict[str, tuple[float, float, str]]]:
    """Import time of ahpstat and the first call of each core function (best of runs).

    Each call is timed twice in fresh processes: as it comes (what a user sees), and with
    the libraries it imports (numba, pandas, scipy) imported before the clock starts, which
    is ahpstat's own part. Returns ``(import, {call: (first, own part, libraries)})``.
    """
    imp, first = [], {}
    for what in FIRST_CALLS:
        runs, own = [], []
        heavy = "-"
        for _ in range(repeats):
            res = subprocess.run([sys.executable, "-c", _FIRST, what], check=True,
                                 capture_output=True, text=True)
            out = res.stdout.split()
            runs.append([float(x) for x in out[:2]])
            heavy = out[2]
            res = subprocess.run([sys.executable, "-c", _FIRST, what, "pre"], check=True,
                                 capture_output=True, text=True)
            own.append(float(res.stdout.split()[1]))
        best = np.min(np.array(runs), axis=0)
        imp.append(best[0])
        first[what] = (best[1], min(own), heavy)
    return min(imp), first


# -------------------------------------------------------------------------- threads


def bootstrap_threads(respondents: int, replicates: int) -> dict[str, float] | None:
    """Joint bootstrap, ms per replicate: OpenBLAS's default threads vs ahpstat's one."""
    sys.path.insert(0, str(HERE))
    try:
        from bench_bootstrap import seed_study  # (puts tests/ on the path)
    except ImportError:
        return None
    from _bootstrap_panel import aij_geometric_sampler
    from ahpstat.bootstrap import joint_bootstrap

    rng = np.random.default_rng(17)
    par, leaves, M, stacks, X, groups = seed_study(rng, R=respondents, G=100)
    sampler = aij_geometric_sampler(stacks, par, leaves)

    def run(fn: Callable[..., Any]) -> float:
        t = time.perf_counter()
        fn(X, M, leaf_weight_sampler=sampler, n_experts=25, groups=groups, clusters=groups,
           n_resamples=replicates, rng=1, parents=par, method="percentile")
        return (time.perf_counter() - t) / replicates * 1e3

    run(joint_bootstrap)
    default = min(run(joint_bootstrap.__wrapped__) for _ in range(2))  # without the limit
    one = min(run(joint_bootstrap) for _ in range(2))
    return {"default": default, "one": one}


# ------------------------------------------------------------------------ the rows

Row = tuple[str, Callable[[], Any], int, str]


def throughput_rows(A: np.ndarray, loop_subset: int) -> list[Row]:
    """(name, call, matrices, threads) of every timed in-process throughput row."""
    nthreads = str(numba.config.NUMBA_NUM_THREADS)

    def one_thread() -> Any:
        numba.set_num_threads(1)
        try:
            return ah.weights(A, consistency="cr")
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)

    sub = A[:loop_subset]
    return [
        ("eig_cr", lambda: ah.weights(A, consistency="cr"), A.shape[0], nthreads),
        ("eig_cr_1", one_thread, A.shape[0], "1"),
        ("eig_cr_two_calls", lambda: (ah.weights(A), ah.consistency(A)), A.shape[0],
         nthreads),
        ("gm_gci", lambda: ah.weights(A, method="geometric_mean", consistency="gci"),
         A.shape[0], nthreads),
        ("column_mean", lambda: ah.weights(A, method="column_mean"), A.shape[0], "1"),
        ("numpy_eig", lambda: numpy_batched_eig(A), A.shape[0], "1"),
        ("numpy_eig_loop", lambda: numpy_eig_loop(sub), sub.shape[0], "1"),
        ("numpy_gm", lambda: bare_geometric_mean(A), A.shape[0], "1"),
    ]


def warm_up(A: np.ndarray) -> None:
    """Load numba's cached kernels (serial and parallel) before anything is measured."""
    for k in (10, min(A.shape[0], 8_000)):
        ah.weights(A[:k], consistency="cr")
        ah.weights(A[:k], method="geometric_mean", consistency="gci")
        ah.consistency(A[:k])


def memory_worker(args: argparse.Namespace) -> None:
    """Child process: peak memory of one run of each row, as JSON on stdout."""
    A = saaty_matrices(args.matrices, args.order, np.random.default_rng(args.seed))
    warm_up(A)
    out = {name: peak_memory_mib(fn) for name, fn, _, _ in throughput_rows(A, args.loop_subset)}
    print(json.dumps(out))


def memory_in_child(args: argparse.Namespace) -> dict[str, tuple[float, str]]:
    """Run :func:`memory_worker` with glibc's mmap threshold fixed at 128 KiB."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-worker",
           "--matrices", str(args.matrices), "--order", str(args.order),
           "--seed", str(args.seed), "--loop-subset", str(args.loop_subset)]
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072")
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        print(f"memory measurement failed: {res.stderr[-2000:]}", file=sys.stderr)
        return {}
    return {k: (v[0], v[1]) for k, v in json.loads(res.stdout).items()}


# ------------------------------------------------------------------------------ table


def _rate(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x / 1e6:.2f}M/s" if x >= 1e6 else f"{x:,.0f}/s"


def _us(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x * 1e6:,.1f} us" if x < 1e-2 else f"{x * 1e3:,.0f} ms"


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x * 1e3:,.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--matrices", type=int, default=100_000, help="batch size (default 100,000)")
    ap.add_argument("--order", type=int, default=7, help="matrix order (default 7)")
    ap.add_argument("--others-subset", type=int, default=2_000,
                    help="matrices timed with AHPy, pyDecision and pymcdm")
    ap.add_argument("--loop-subset", type=int, default=20_000,
                    help="matrices timed with the per-matrix numpy eig loop")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per row (best is kept)")
    ap.add_argument("--respondents", type=int, default=100_000,
                    help="respondents in the bootstrap thread row")
    ap.add_argument("--seed", type=int, default=20240607)
    ap.add_argument("--no-others", action="store_true", help="skip AHPy, pyDecision, pymcdm")
    ap.add_argument("--no-install", action="store_true",
                    help="do not create benchmarks/.venv-others when missing")
    ap.add_argument("--quick", action="store_true", help="small sizes, 1 repeat (smoke run)")
    ap.add_argument("--memory-worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.matrices, args.repeats, args.respondents = 10_000, 1, 10_000
        args.others_subset, args.loop_subset = 200, 2_000
    if args.order != 7:
        raise SystemExit("`--order` other than 7 is not supported (the RI constants are RI(7)).")
    if args.memory_worker:
        memory_worker(args)
        return

    load0 = os.getloadavg()[0]
    A = saaty_matrices(args.matrices, args.order, np.random.default_rng(args.seed))
    B = A.shape[0]
    print(f"# ahpstat core benchmark: {B:,} random reciprocal {args.order}x{args.order} "
          f"Saaty-scale matrices (seed {args.seed}), best of {args.repeats}")
    print(f"# Python {platform.python_version()}, numpy {np.__version__}, numba "
          f"{numba.__version__}, ahpstat {ah.__version__}; {os.cpu_count()} CPUs; load "
          f"average at start {load0:.2f}")
    print("# thread pools:")
    warm_up(A)
    for line in thread_summary().splitlines():
        print(f"#   {line}")
    print(flush=True)

    # ---- in-process throughput
    memory = memory_in_child(args)
    rate: dict[str, float] = {}
    threads: dict[str, str] = {}
    for name, fn, n_timed, nthr in throughput_rows(A, args.loop_subset):
        rate[name] = n_timed / best_time(fn, args.repeats)
        threads[name] = nthr
        print(f"  timed {name}: {rate[name]:,.0f} matrices/s", file=sys.stderr, flush=True)

    # ---- in-process latency
    one, fifty = A[0], A[:50]
    lat = {
        "one": per_call(lambda: ah.weights(one, consistency="cr")),
        "one_eig": per_call(lambda: np.linalg.eig(one)),
        "drinks": per_call(lambda: ah.weights(DRINKS, consistency="cr")),
        "drinks_eig": per_call(lambda: np.linalg.eig(DRINKS)),
        "one_power": per_call(lambda: bare_power_iteration(one)),
        "fifty": per_call(lambda: ah.weights(fifty, consistency="cr"), 50),
        "fifty_eig": per_call(lambda: numpy_batched_eig(fifty), 50),
    }
    ratios = per_matrix_ratios(A[1:201] if not args.quick else A[1:21])
    print("  timed latency", file=sys.stderr, flush=True)

    # ---- other libraries
    others = None
    if not args.no_others:
        py, why = others_python(install=not args.no_install)
        if py is None:
            print(f"AHPy, pyDecision, pymcdm skipped: {why}", file=sys.stderr)
        else:
            try:
                others = run_others(py, A[: args.others_subset], args.repeats)
            except subprocess.CalledProcessError as exc:
                print(f"the other libraries failed: {exc.stderr[-2000:]}", file=sys.stderr)
    k = args.others_subset

    def orate(lib: str, key: str) -> float | None:
        return k / others[lib][key] if others else None

    # ---- fresh processes and threads
    imp, first = fresh_process(3 if not args.quick else 1)
    floor = numba_floor(3 if not args.quick else 1)
    print("  timed fresh processes", file=sys.stderr, flush=True)
    boot = bootstrap_threads(args.respondents, 20 if not args.quick else 4)
    print("  timed bootstrap threads", file=sys.stderr, flush=True)

    # ---- the table
    ahpy_rate = orate("ahpy", "eig_cr")
    eig_rate = rate["numpy_eig"]
    vs = f"{rate['eig_cr'] / ahpy_rate:,.0f}x AHPy, " if ahpy_rate else ""
    t_eig = (rate["eig_cr"] >= 2e6 and rate["eig_cr"] >= 20 * eig_rate
             and (ahpy_rate is None or rate["eig_cr"] >= 300 * ahpy_rate))
    rows: list[tuple[str, ...]] = []

    def mem(name: str) -> str:
        m = memory.get(name)
        return "-" if m is None else f"{m[0]:,.0f}" + (" (tm)" if m[1] == "tracemalloc" else "")

    def ver(lib: str) -> str:
        return others[lib]["version"] if others else "-"

    rows.append((f"eigenvector + lambda_max + CR, {B:,} 7x7 ({threads['eig_cr']} threads)",
                 _rate(rate["eig_cr"]),
                 f"batched eig {_rate(eig_rate)}; eig loop {_rate(rate['numpy_eig_loop'])}",
                 _rate(ahpy_rate), _rate(orate("pydecision", "me")),
                 _rate(orate("pymcdm", "eig_cr")), mem("eig_cr"),
                 f">= 2M/s, >= 300x AHPy, >= 20x batched eig: {vs}"
                 f"{rate['eig_cr'] / eig_rate:,.0f}x eig", "yes" if t_eig else "no"))
    rows.append(("  the same, 1 numba thread", _rate(rate["eig_cr_1"]), "", "", "", "",
                 mem("eig_cr_1"), "", ""))
    rows.append(("  the same as two calls, weights() then consistency()",
                 _rate(rate["eig_cr_two_calls"]), "", "", "", "", mem("eig_cr_two_calls"),
                 "", ""))
    t_gm = rate["gm_gci"] >= 0.6 * rate["numpy_gm"]
    rows.append((f"geometric mean + GCI, {B:,} 7x7", _rate(rate["gm_gci"]),
                 f"row geometric mean alone {_rate(rate['numpy_gm'])}", "-",
                 _rate(orate("pydecision", "g")) + " (with CR)", "-", mem("gm_gci"),
                 f">= 0.6x bare numpy: {rate['gm_gci'] / rate['numpy_gm']:.2f}x",
                 "yes" if t_gm else "no"))
    rows.append((f"column mean, {B:,} 7x7", _rate(rate["column_mean"]), "-", "-",
                 _rate(orate("pydecision", "m")) + " (with CR)", "-", mem("column_mean"),
                 "", ""))
    o = others or {}
    t_one = lat["one"] <= 25e-6 and lat["one"] < lat["one_eig"]
    rows.append(("one 7x7: weights + CR, per call", _us(lat["one"]),
                 f"eig {_us(lat['one_eig'])}; 50-step power iteration "
                 f"{_us(lat['one_power'])}",
                 _us(o.get("ahpy", {}).get("one")), _us(o.get("pydecision", {}).get("one")),
                 _us(o.get("pymcdm", {}).get("one")), "",
                 f"<= 25 us and < eig: {lat['one'] / lat['one_eig']:.2f}x eig",
                 "yes" if t_one else "no"))
    q1, med, q3 = np.percentile(ratios, [25, 50, 75])
    rows.append((f"  {len(ratios)} other random 7x7, one at a time: time / eig's time "
                 "(alternated per matrix)", f"median {med:.2f}x", f"quartiles {q1:.2f}x, "
                 f"{q3:.2f}x; slower than eig for {int((ratios >= 1).sum())}", "", "", "", "",
                 "< eig", "yes" if med < 1 else "no"))
    rows.append(("  an expert's 7x7 (Saaty's drinks, CR 0.02), per call", _us(lat["drinks"]),
                 f"eig {_us(lat['drinks_eig'])}", "", "", "", "",
                 f"< eig: {lat['drinks'] / lat['drinks_eig']:.2f}x eig",
                 "yes" if lat["drinks"] < lat["drinks_eig"] else "no"))
    rows.append(("50 7x7: weights + CR, per call", _us(lat["fifty"]),
                 f"batched eig {_us(lat['fifty_eig'])}",
                 _us(o.get("ahpy", {}).get("fifty")), _us(o.get("pydecision", {}).get("fifty")),
                 _us(o.get("pymcdm", {}).get("fifty")), "", "<= 60 us",
                 "yes" if lat["fifty"] <= 60e-6 else "no"))
    rows.append(("fresh process: import ahpstat", _ms(imp), "", "", "", "", "", "", ""))
    for what, label in FIRST_CALLS.items():
        cold, own, heavy = first[what]
        split = "" if heavy == "-" else (f"{_ms(own)} with {heavy.replace(',', ', ')} "
                                         "imported before")
        rows.append((f"fresh process: first {label}", _ms(cold), split, "", "", "", "",
                     "< 100 ms", "yes" if cold < 0.1 else "no"))
    rows.append(("fresh process: numba alone, import + first call of a trivial cached "
                 "function", f"{_ms(floor[0])} + {_ms(floor[1])}", "", "", "", "", "", "", ""))
    if boot is not None:
        rows.append((f"joint bootstrap, {args.respondents:,} respondents, per replicate",
                     f"{boot['one']:,.1f} ms (1 BLAS thread)",
                     f"{boot['default']:,.1f} ms (default BLAS threads)", "", "", "", "",
                     f"one parallel layer: {boot['default'] / boot['one']:.1f}x faster", ""))

    head = ("task", "ahpstat", "bare numpy", f"AHPy {ver('ahpy')}",
            f"pyDecision {ver('pydecision')}", f"pymcdm {ver('pymcdm')}",
            "ahpstat peak MiB", "target (issue 17)", "met")
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()

    # ---- agreement
    rw = ah.weights(A, consistency="cr")
    w_eig, lam_eig, cr_eig = numpy_batched_eig(A)
    print("Agreement (max absolute difference):")
    print(f"- ahpstat vs numpy eig, all {B:,}: weights {np.abs(rw.weights - w_eig).max():.1e}, "
          f"lambda_max {np.abs(rw.lambda_max - lam_eig).max():.1e}, CR (Saaty RI) "
          f"{np.abs(rw.consistency.value - cr_eig).max():.1e}")
    g = ah.weights(A, method="geometric_mean").weights
    print(f"- ahpstat geometric mean vs bare numpy: {np.abs(g - bare_geometric_mean(A)).max():.1e}")
    if others:
        crd = ah.consistency(A[:k], index="cr", random_index="donegan_dodd").value
        print(f"- vs AHPy (4 decimals), first {k:,}: weights "
              f"{np.abs(rw.weights[:k] - np.array(others['ahpy']['w'])).max():.1e}, CR (Donegan "
              f"& Dodd RI) {np.abs(crd - np.array(others['ahpy']['cr'])).max():.1e}")
        print(f"- vs pyDecision ('me'), first {k:,}: weights "
              f"{np.abs(rw.weights[:k] - np.array(others['pydecision_w'])).max():.1e}, CR "
              f"{np.abs(rw.consistency.value[:k] - np.array(others['pydecision_cr'])).max():.1e}")
        crm = (rw.lambda_max[:k] - 7) / 6 / 1.3322  # pymcdm's RI(7) (Tummala & Ling 1998)
        print(f"- vs pymcdm, first {k:,}: weights "
              f"{np.abs(rw.weights[:k] - np.array(others['pymcdm']['w'])).max():.1e}, CR "
              f"{np.abs(crm - np.array(others['pymcdm']['cr'])).max():.1e}")
    print(f"\n# load average at start {load0:.2f}, at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
