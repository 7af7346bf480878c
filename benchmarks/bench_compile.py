"""Cold numba compilation (first call, empty cache) of the package's kernels, side by side.

Run: ``[AHPSTAT_SRC=path/to/other/src] .venv/bin/python benchmarks/bench_compile.py
[--rounds 2]`` -- or ``... bench_compile.py --record LOGDIR -- COMMAND ...`` to run any
command (``make test``, ``ahpstat run ...``) cold and list every compilation it made.

1. Kernels (default): each round runs one fresh process per tree (alternating order) with an
   empty ``NUMBA_CACHE_DIR``, which calls the compiled kernels of the numpy core and of the
   bootstrap as a study run does: the serial core (eigenvector, geometric mean and GCI of 100
   matrices), the same with read-only input (a memoized array, a broadcast start), the
   parallel core (a batch above ``PARALLEL_MIN_ENTRIES``), the BCa quantiles and the
   fraction below the estimate (writeable and read-only probabilities). It prints the wall
   seconds of each first call (all compilation: the calls themselves take milliseconds), the
   best over the rounds per tree, and the load average. Export the old tree with ``git
   archive <commit> src | tar -x -C /tmp/before`` and pass ``AHPSTAT_SRC=/tmp/before/src``.
2. ``--steady``: the same kernels' steady state, the trees side by side (fresh processes in
   alternating order, each tree on its own warm cache): the best of 40 repeats of each call
   (CPU time of the calling thread for the serial calls, wall time for the parallel ones),
   and a hash of every output, which must be the same for both trees.
3. ``--record LOGDIR -- COMMAND``: runs COMMAND with an empty numba cache (``*.nbi`` /
   ``*.nbc`` next to the sources are not removed: clear them first) and a listener on
   numba's ``"numba:compile"`` events in every Python process it starts (a
   ``sitecustomize`` on ``PYTHONPATH``, installed when numba is first imported), then ranks
   the compilations: count, processes, seconds exclusive of nested compilations, and the
   inclusive seconds of top-level ones. ``AHPSTAT_SRC`` is put first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: the scripts' common start: the tree on sys.argv[1], random Saaty matrices
_PRELUDE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import ahpstat._bootstrap_kernels as BK
import ahpstat._kernels as K
rng = np.random.default_rng(0)
def saaty(B, n):
    A = np.ones((B, n, n))
    iu = np.triu_indices(n, 1)
    v = rng.choice(np.r_[1 / np.arange(9, 1, -1), np.arange(1, 10)], size=(B, len(iu[0])))
    A[:, iu[0], iu[1]] = v
    A[:, iu[1], iu[0]] = 1 / v
    return A
"""

_KERNELS = _PRELUDE + r"""
A = saaty(100, 7)
Ar = A.copy()
Ar.setflags(write=False)
W0r = np.broadcast_to(np.full((100, 7), 1 / 7), (100, 7))  # contiguous, read-only
Ab = saaty(K.PARALLEL_MIN_ENTRIES // 49 + 1, 7)
X = rng.normal(size=(50, 4000))
P = np.tile([0.025, 0.975], (50, 1))
tr = np.broadcast_to(X[:, 1].copy(), (50,))
cases = {
    "core, serial": lambda: K.core_batch(A, geometric_mean=True, gci=True),
    "core, serial, read-only input": lambda: K.core_batch(Ar, start=W0r),
    "core, parallel": lambda: K._core_parallel(Ab, np.empty((0, 7)), True, 1e-2, True, False,
                                               False, 1e-12, 1000),
    "bootstrap quantiles": lambda: BK.quantiles_linear(X, P),
    "bootstrap quantiles, read-only P": lambda: BK.quantiles_linear(
        X, np.broadcast_to(np.array([0.025, 0.975]), (50, 2))),
    "fraction below": lambda: BK.fraction_below(X, X[:, 0].copy(), 1e-9),
    "fraction below, read-only t": lambda: BK.fraction_below(X, tr, 1e-9),
}
out = {}
for name, f in cases.items():
    t0 = time.perf_counter()
    f()
    out[name] = time.perf_counter() - t0
print(json.dumps(out))
"""

_STEADY = _PRELUDE + r"""
import hashlib
A33, A200, A2000, A20k = saaty(33, 7), saaty(200, 7), saaty(2000, 7), saaty(20000, 7)
X = rng.normal(size=(300, 4000))
X[5, 7] = np.nan
P = np.tile([0.025, 0.975], (300, 1))
P[3, 1] = np.nan
t = X[:, 3].copy()
cases = {  # name: (call, calls per repeat, wall clock)
    "core 33 x 7, eigenvector": (lambda: K.core_batch(A33), 200, False),
    "core 200 x 7, eigenvector": (lambda: K.core_batch(A200), 50, False),
    "core 2000 x 7, eigenvector": (lambda: K.core_batch(A2000), 5, False),
    "core 2000 x 7, eigenvector + GM + GCI": (
        lambda: K.core_batch(A2000, geometric_mean=True, gci=True), 5, False),
    "core 20000 x 7, eigenvector (parallel, wall)": (lambda: K.core_batch(A20k), 2, True),
    "quantiles 300 x 4000 (parallel, wall)": (lambda: BK.quantiles_linear(X, P), 3, True),
    "fraction below 300 x 4000 (parallel, wall)": (
        lambda: BK.fraction_below(X, t, 1e-9), 3, True),
}
out, h = {}, hashlib.sha256()
for name, (f, num, wall) in cases.items():
    r = f()
    for a in r if isinstance(r, tuple) else (r,):
        h.update(np.ascontiguousarray(a).tobytes())
    clock = time.perf_counter if wall else time.thread_time
    best = float("inf")
    for _ in range(40):
        t0 = clock()
        for _ in range(num):
            f()
        best = min(best, (clock() - t0) / num)
    out[name] = best
out["output hash"] = h.hexdigest()[:16]
print(json.dumps(out))
"""

_SITECUSTOMIZE = r'''
import json, os, sys, time
_DIR = os.environ.get("AHPSTAT_COMPILE_LOG")

def _install(event):
    class Listener(event.Listener):
        def __init__(self):
            self.stack, self.f = [], None
        def on_start(self, ev):
            self.stack.append([time.perf_counter(), 0.0])
        def on_end(self, ev):
            t0, child = self.stack.pop()
            dt = time.perf_counter() - t0
            fn = getattr((ev.data or {}).get("dispatcher"), "py_func", None)
            rec = dict(name=getattr(fn, "__qualname__", "?"), module=getattr(fn, "__module__", "?"),
                       depth=len(self.stack), incl=dt, excl=dt - child, pid=os.getpid())
            if self.stack:
                self.stack[-1][1] += dt
            if self.f is None:
                self.f = open(os.path.join(_DIR, f"{os.getpid()}.jsonl"), "a")
            self.f.write(json.dumps(rec) + "\n")
            self.f.flush()
    event.register("numba:compile", Listener())

if _DIR:
    import importlib.abc, importlib.util

    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "numba.core.event":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            run = spec.loader.exec_module
            def exec_module(module):
                run(module)
                _install(module)
            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _Finder())
'''


def kernels(rounds: int, steady: bool) -> None:
    other = os.environ.get("AHPSTAT_SRC")
    trees = {"this tree": str(HERE.parent / "src")}
    if other:
        trees = {f"AHPSTAT_SRC ({other})": str(Path(other).resolve()), **trees}
    runs: dict[str, list[dict]] = {k: [] for k in trees}
    warm = {k: tempfile.mkdtemp(prefix="ahpstat-numba-") for k in trees}  # --steady
    print(f"load average at start: {os.getloadavg()}")
    for r in range(rounds):
        order = list(trees.items()) if r % 2 == 0 else list(reversed(trees.items()))
        for name, src in order:
            with tempfile.TemporaryDirectory() as cache:
                env = {**os.environ, "NUMBA_CACHE_DIR": warm[name] if steady else cache}
                out = subprocess.run([sys.executable, "-c", _STEADY if steady else _KERNELS,
                                      src], env=env, capture_output=True, text=True, check=True)
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"load average at end: {os.getloadavg()}")
    for d in warm.values():
        shutil.rmtree(d, ignore_errors=True)
    names = list(runs)
    what = "steady state, us (best)" if steady else "first call (cold), s"
    print(f"\n| {what} | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))
    first = next(iter(runs.values()))[0]
    for row in [*first, "total"] if not steady else first:
        if row == "output hash":
            print(f"| {row} | " + " | ".join(", ".join(sorted({x[row] for x in runs[k]}))
                                             for k in names) + " |")
            continue
        best = [min(sum(x.values()) if row == "total" else x[row] for x in runs[k])
                for k in names]
        scale = 1e6 if steady else 1.0
        print(f"| {row} | " + " | ".join(f"{b * scale:.2f}" for b in best) + " |")


def record(logdir: Path, command: list[str]) -> None:
    logdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sitecustomize.py").write_text(_SITECUSTOMIZE)
        path = [os.environ.get("AHPSTAT_SRC", ""), tmp, os.environ.get("PYTHONPATH", "")]
        env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(tmp) / "numba"),
               "AHPSTAT_COMPILE_LOG": str(logdir.resolve()),
               "PYTHONPATH": os.pathsep.join(p for p in path if p)}
        print(f"load average at start: {os.getloadavg()}")
        t0 = time.perf_counter()
        rc = subprocess.run(command, env=env).returncode
        print(f"wall {time.perf_counter() - t0:.1f} s, exit {rc}; "
              f"load average at end: {os.getloadavg()}")
    recs = [json.loads(line) for f in logdir.glob("*.jsonl") for line in f.open()]
    by: dict[tuple[str, str], list] = collections.defaultdict(lambda: [0, set(), 0.0, 0.0])
    for r in recs:
        e = by[r["module"], r["name"]]
        e[0] += 1
        e[1].add(r["pid"])
        e[2] += r["excl"]
        e[3] += r["incl"] if r["depth"] == 0 else 0.0
    top = sum(r["incl"] for r in recs if r["depth"] == 0)
    print(f"\n{len(recs)} compilations in {len({r['pid'] for r in recs})} processes, "
          f"{top:.1f} s in all (summed over processes)\n")
    print("| module | function | n | processes | exclusive s | top-level inclusive s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for (mod, name), (n, pids, ex, inc) in sorted(by.items(), key=lambda kv: -kv[1][2])[:30]:
        print(f"| {mod} | {name} | {n} | {len(pids)} | {ex:.2f} | {inc:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2, help="processes per tree (default 2)")
    ap.add_argument("--steady", action="store_true", help="the kernels' steady state instead")
    ap.add_argument("--record", type=Path, metavar="LOGDIR",
                    help="run the command after -- cold, recording its compilations here")
    ap.add_argument("command", nargs="*", help="with --record: the command to run")
    args = ap.parse_args()
    if args.record:
        if not args.command:
            sys.exit("--record LOGDIR -- COMMAND ...")
        record(args.record, args.command)
    else:
        kernels(args.rounds, args.steady)


if __name__ == "__main__":
    main()
