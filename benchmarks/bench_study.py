"""The study at scale: the seed study's wall and compute time, a 100,000-respondent study,
and how the cost grows with respondents, items, groups and resamples (issue 17).

Run: ``.venv/bin/python benchmarks/bench_study.py [--repeats N] [--quick]
[--only seed|figproc|compute|large|bca|scaling] [--no-bootstrap]``

1. ``seed``: ``ahpstat run studies/hangzhou_2022/study.yaml --out DIR`` in a cold process
   (bytecode cached, as in an installed package: ``PYTHONDONTWRITEBYTECODE`` is dropped)
   (imports, reading and validating every input, the panel at all 30 nodes, scores of 87
   nodes overall and in 28 communities, tables, report, provenance), never the Bayesian model
   nor the sensitivity section: with and without the bootstrap section (4,000 joint BCa
   resamples) and the PNG figures; best and median of ``--repeats`` runs, wall time.
   ``AHPSTAT_SRC=path/to/src``: the same runs of that tree too, interleaved with this one's.
   ``figproc``: the same run with figures (no bootstrap), its steps across the two processes
   (``ahpstat run`` draws the figures in a forked process): wall and CPU time of each, and
   from the CPU times an estimate of the wall time on an idle two-core machine.
2. ``compute``: the same run in one process with the CPU time of each stage *after* the
   imports (reading + pipeline, the bootstrap, tables + report, figures). Target: the seed
   study end to end with figures (no bootstrap) under 2 s of compute after imports.
3. ``large``: the seed study with its survey resampled to 100,000 respondents (same 28
   communities), bootstrap section included, no figures, in a cold process: wall and CPU
   time (user + system, from the child's rusage), best of ``--repeats`` with ``--only
   large`` (else one run). Target: under 10 s. ``AHPSTAT_SRC=path/to/src``: the same runs
   of that tree too, interleaved with this one's.
4. ``bca``: the evaluation section (objective weights, FCE, TOPSIS, GRA) with BCa intervals
   on the seed study resampled to 20,000 and 100,000 respondents, 200 resamples (so that
   BCa's jackknife shows): CPU time of the run, of the jackknife alone, and peak RSS, in a
   cold process. ``AHPSTAT_SRC=path/to/src`` runs another tree's code (before/after).
5. ``scaling``: a synthetic study (5 experts judging every pair; items under 4 criteria;
   Likert answers with 2 % missing; groups as clusters and as the groups of the group
   scores; one-stage cluster bootstrap, BCa) run in process, doubling one factor at a time
   from a base of 20,000 respondents x 32 items x 8 groups x 500 resamples; the exponent
   of each factor is the slope of log(CPU time) on log(size) (1 = linear). Twice: without
   and with the seed study's evaluation sections (objective weights, combination, FCE,
   TOPSIS, GRA, with their BCa intervals), which are most of the 100,000-respondent seed
   study's cost.

Every section prints the load average and BLAS's thread pools (``threadpoolctl``): on a
shared machine the wall times are noisy, the CPU times less so, and the ratios most robust.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "studies" / "hangzhou_2022"
STUDY = SEED / "study.yaml"


def _env() -> str:
    from threadpoolctl import threadpool_info

    pools = ", ".join(f"{p['internal_api']} {p['num_threads']} threads"
                      for p in threadpool_info()) or "none"
    return (f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; thread pools at "
            f"start: {pools} (the bootstrap runs BLAS on one thread: ahpstat._threads)")


def _cold(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of a command in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: ``ahpstat`` in a fresh interpreter (the code on ``PYTHONPATH`` first, when a tree is given)
_CLI = [sys.executable, "-c", "import sys; from ahpstat.cli import main; sys.exit(main())"]


def _trees() -> list[tuple[str, str | None]]:
    """This tree, and the tree at ``AHPSTAT_SRC=path/to/src`` when set: (label, src)."""
    src = os.environ.get("AHPSTAT_SRC")
    return [("this tree", None)] + ([(f"AHPSTAT_SRC={src}", src)] if src else [])


def _cold_runs(trees: list[tuple[str, str | None]], repeats: int,
               argv: Callable[[int], list[str]]) -> dict[str | None, list[tuple[float, float]]]:
    """``ahpstat *argv(k)`` cold, ``repeats`` times per tree, the trees interleaved: wall and
    CPU seconds per tree (:func:`_cold`)."""
    out: dict[str | None, list[tuple[float, float]]] = {t: [] for _, t in trees}
    for k in range(repeats):
        for _, tree in trees:
            env = dict(os.environ)
            env.pop("AHPSTAT_SRC", None)
            # as an installed package: its bytecode cached (the warm-up run writes it); with
            # PYTHONDONTWRITEBYTECODE set (as on the project's shared machine) every run
            # compiled ahpstat's ~120 modules again, 0.2-0.3 s
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            if tree:
                env["PYTHONPATH"] = tree
            out[tree].append(_cold([*_CLI, *argv(k)], env))
    return out


def seed(repeats: int, bootstrap: bool = True) -> None:
    """Cold CLI runs; with ``AHPSTAT_SRC=path/to/src`` the same runs of that tree too,
    interleaved with this tree's (side by side under the same load).
    """
    trees = _trees()
    print(f"## seed study from the command line, cold process ({repeats} runs; {_env()})")
    with tempfile.TemporaryDirectory() as tmp:
        def runs(extra: list[str]) -> dict[str | None, list[tuple[float, float]]]:
            return _cold_runs(trees, repeats, lambda k: [
                "run", str(STUDY), "--out", f"{tmp}/o{k}", "--no-bayes", "--no-sensitivity",
                "--force", *extra])

        runs(["--no-figures"])  # warm the OS file cache and numba's on-disk cache
        for name, extra in (("figures, no bootstrap", ["--no-bootstrap"]),
                            ("no figures, no bootstrap", ["--no-bootstrap", "--no-figures"]),
                            ("figures + bootstrap", []),
                            ("bootstrap, no figures", ["--no-figures"])):
            if not bootstrap and "--no-bootstrap" not in extra:
                continue
            got = runs(extra)
            for label, tree in trees:
                wall, cpu = [w for w, _ in got[tree]], [c for _, c in got[tree]]
                print(f"  {name:<26} {label:<12} wall best {min(wall):.2f} s, median "
                      f"{statistics.median(wall):.2f} s; CPU best {min(cpu):.2f} s")


_COMPUTE = r"""
import sys, time
P = time.process_time
t0 = P()
from ahpstat.study import Study
from ahpstat.output import write_study
import ahpstat._figures as F, ahpstat.report as R
import matplotlib.figure
imports = P() - t0
boot = sys.argv[2] == "1"
t = P(); st = Study.from_yaml(sys.argv[1])
res = st.run(bootstrap=boot, bayes=False, sensitivity=False, rng=1); run = P() - t
draw = [0.0]
orig = F.draw_all
def timed(*a, **k):
    s = P(); r = orig(*a, **k); draw[0] += P() - s; return r
F.draw_all = timed
t = P(); write_study(res, sys.argv[3], figures=True); write = P() - t
print(f"{imports:.3f} {run:.3f} {write - draw[0]:.3f} {draw[0]:.3f}")
"""


def compute(repeats: int) -> None:
    print(f"## seed study, CPU time per stage after the imports (best of {repeats}; {_env()})")
    with tempfile.TemporaryDirectory() as tmp:
        for boot in (False, True):
            rows = []
            for k in range(repeats):
                out = subprocess.run([sys.executable, "-c", _COMPUTE, str(STUDY),
                                      "1" if boot else "0", f"{tmp}/c{k}{boot}"],
                                     check=True, capture_output=True, text=True)
                rows.append([float(x) for x in out.stdout.split()])
            best = np.min(np.array(rows), axis=0)
            total = best[1:].sum()
            print(f"  {'with' if boot else 'without'} bootstrap: imports {best[0]:.2f} s; after "
                  f"them: study {best[1]:.2f} s + tables/report {best[2]:.2f} s + figures "
                  f"{best[3]:.2f} s = {total:.2f} s"
                  + ("" if boot else f"  (target < 2 s: {'met' if total < 2 else 'NOT met'})"))


def _large_study(folder: Path, n: int, seed: int = 1) -> Path:
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    for f in ("hierarchy.yaml", "judgments.csv", "study.yaml", "experts.csv"):
        if (SEED / f).exists():
            shutil.copy(SEED / f, folder / f)
    s = pd.read_csv(SEED / "survey.csv", dtype=str, keep_default_na=False)
    rows = s.iloc[np.random.default_rng(seed).integers(0, len(s), n)].reset_index(drop=True)
    rows["respondent"] = [f"R{k:07d}" for k in range(1, n + 1)]
    rows.to_csv(folder / "survey.csv", index=False)
    return folder / "study.yaml"


def large(n: int, repeats: int = 1) -> None:
    """Cold ``ahpstat run`` of the large study; with ``AHPSTAT_SRC=path/to/src`` the same
    runs of that tree too, interleaved with this tree's (side by side under the same load).
    """
    trees = _trees()
    print(f"## the seed study with {n:,} respondents (survey rows resampled), bootstrap "
          f"section, no figures, cold process, {repeats} run(s) per tree ({_env()})")
    with tempfile.TemporaryDirectory() as tmp:
        st = _large_study(Path(tmp) / "s", n)
        got = _cold_runs(trees, repeats, lambda k: [
            "run", str(st), "--out", f"{tmp}/o{k}", "--no-bayes", "--no-sensitivity",
            "--no-figures", "--force"])
        for label, tree in trees:
            wall, cpu = min(w for w, _ in got[tree]), min(c for _, c in got[tree])
            # the target is the wall time: the run uses the second core (worker threads
            # drawing the bootstrap's blocks, ahpstat._threads), so CPU may exceed it
            print(f"  {label:<12} wall best {wall:.1f} s, CPU best {cpu:.1f} s (target < 10 s "
                  f"wall: {'met' if wall < 10 else 'NOT met'}); load now "
                  f"{os.getloadavg()[0]:.1f}")


_BCA = r"""
import resource, sys, time
import ahpstat.evaluation._study as S
from ahpstat.study import Study
name = "jackknife" if hasattr(S, "jackknife") else "_jackknife"
orig, spent = getattr(S, name), [0.0]
def timed(*a, **k):
    t = time.process_time(); r = orig(*a, **k); spent[0] += time.process_time() - t; return r
setattr(S, name, timed)
st = Study.from_yaml(sys.argv[1])
t = time.process_time(); st.run(bayes=False, sensitivity=False, rng=1)
run = time.process_time() - t
print(f"{run:.1f} {spent[0]:.1f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f}")
"""


def bca(sizes: tuple[int, ...]) -> None:
    env = dict(os.environ)
    src = env.pop("AHPSTAT_SRC", None)
    if src:
        env["PYTHONPATH"] = src
    print(f"## the evaluation with BCa intervals, seed study resampled, 200 resamples, cold "
          f"process; code from {src or 'this tree'} ({_env()})")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            st = _large_study(Path(tmp) / f"s{n}", n)
            st.write_text(st.read_text().replace("n_resamples: 4000", "n_resamples: 200"))
            out = subprocess.run([sys.executable, "-c", _BCA, str(st)], capture_output=True,
                                 text=True, env=env)
            if out.returncode:
                err = (out.stderr.strip().splitlines() or ["?"])[-1]
                print(f"  {n:>7,} respondents: failed ({err[:120]})")
                continue
            run, jk, rss = (float(x) for x in out.stdout.split())
            print(f"  {n:>7,} respondents: run CPU {run:.1f} s, of which BCa's jackknife "
                  f"{jk:.1f} s; peak RSS {rss:.2f} GiB")


def _synthetic(folder: Path, R: int, L: int, G: int, B: int, seed: int = 1,
               evaluation: bool = False) -> Path:
    gen = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    items = [f"Q{k:03d}" for k in range(L)]
    crit = {f"C{c}": items[c::4] for c in range(4)}
    lines = ["id: G", "children:"]
    for c, its in crit.items():
        lines += [f"- id: {c}", "  children:"] + [f"  - {{id: {q}}}" for q in its]
    (folder / "hierarchy.yaml").write_text("\n".join(lines) + "\n")
    rows = ["expert,node,row,col,value"]
    for e in range(5):
        for node, kids in {"G": list(crit), **crit}.items():
            for i, a in enumerate(kids):
                for b in kids[i + 1:]:
                    v = int(gen.integers(1, 6))
                    rows.append(f"E{e},{node},{a},{b},{v if gen.random() < .5 else f'1/{v}'}")
    (folder / "judgments.csv").write_text("\n".join(rows) + "\n")
    X = gen.integers(1, 6, size=(R, L)).astype(object)
    X[gen.random((R, L)) < 0.02] = ""
    grp = gen.integers(0, G, R)
    body = "".join(f"R{r:07d},g{grp[r]:03d}," + ",".join(map(str, X[r])) + "\n"
                   for r in range(R))
    (folder / "survey.csv").write_text("respondent,group," + ",".join(items) + "\n" + body)
    (folder / "study.yaml").write_text(
        "hierarchy: hierarchy.yaml\njudgments: judgments.csv\n"
        "survey: {path: survey.csv, id_column: respondent, group_columns: [group]"
        + (", likert: [1, 5]" if evaluation else "") + "}\nseed: 1\n"
        "consistency: {random_index: alonso_lamata}\n"
        f"bootstrap: {{n_resamples: {B}, cluster: group, method: bca}}\n"
        + (_EVALUATION if evaluation else ""))
    return folder / "study.yaml"


#: the seed study's evaluation sections (objective weights, their combination with the AHP
#: weights, FCE, TOPSIS, GRA; BCa intervals with the respondents' jackknife): most of the
#: cost of the 100,000-respondent seed study
_EVALUATION = (
    "objective_weights: {methods: [entropy, critic], normalization: minmax, unit: respondents}\n"
    "combination: {method: game_theory, objective: entropy}\n"
    "fce: {grades: [g1, g2, g3, g4, g5], operators: [weighted_average, max_min],"
    " weighting: [ahp, combined]}\n"
    "topsis: {normalization: vector}\n"
    "gra: {rho: 0.5}\n")


_SCALE = r"""
import resource, sys, time
from ahpstat.study import Study
def cpu():  # this process's threads and its children (the evaluation's BCa jackknife)
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + r.ru_utime + r.ru_stime
st = Study.from_yaml(sys.argv[1])
Study.from_yaml(sys.argv[1]).run(bootstrap=False)  # first calls (numba's cache) untimed
best = []
for _ in range(int(sys.argv[2])):
    t = cpu(); st.run(); best.append(cpu() - t)
print(min(best))
"""


def scaling(repeats: int, quick: bool, evaluation: bool = False) -> None:
    base = dict(R=5_000, L=16, G=4, B=200) if quick else dict(R=20_000, L=32, G=8, B=500)
    factors = (1, 2, 4)
    what_run = ("with the seed study's evaluation sections (objective weights, combination, "
                "FCE, TOPSIS, GRA)" if evaluation else "without the evaluation sections")
    print(f"## cost of Study.run (bootstrap included) by factor, {what_run}, CPU time in "
          f"process, best of {repeats}; base {base} ({_env()})")
    with tempfile.TemporaryDirectory() as tmp:
        for key, what in (("R", "respondents"), ("L", "items"), ("G", "groups"),
                          ("B", "resamples")):
            sizes, secs = [], []
            for f in factors:
                p = dict(base, **{key: base[key] * f})
                st = _synthetic(Path(tmp) / f"{key}{f}", **p, evaluation=evaluation)
                out = subprocess.run([sys.executable, "-c", _SCALE, str(st), str(repeats)],
                                     check=True, capture_output=True, text=True)
                sizes.append(p[key])
                secs.append(float(out.stdout.strip().splitlines()[-1]))
            slope = float(np.polyfit(np.log(sizes), np.log(secs), 1)[0])
            shown = ", ".join(f"{s:,}: {t:.2f} s" for s, t in zip(sizes, secs, strict=True))
            print(f"  {what:<12} exponent {slope:4.2f}  ({shown})")


_TRACE = r"""
import os, sys, time
LOG = sys.argv[1]


def mark(what):
    with open(LOG, "a") as f:
        f.write(f"{os.getpid()} {what} {time.monotonic():.4f} {time.process_time():.4f}\n")


mark("parent start")
from ahpstat._figures import _draw, _process as P  # noqa: E402
from ahpstat.cli import main  # noqa: E402

_child, _start = P._child, P.FigureProcess.start.__func__
P._child = lambda *a: (mark("child start"), _child(*a))[1]


def start(cls):
    mark("parent fork")
    return _start(cls)


P.FigureProcess.start = classmethod(start)
_draw_all = _draw.draw_all


def draw_all(*a, **k):  # the child's job: after its imports and the result's unpickling
    mark("child job")
    try:
        return _draw_all(*a, **k)
    finally:
        mark("child drawn")


_draw.draw_all = draw_all
_save_png = _draw._save_png


def save_png(*a):  # in the child and in its helper (which shares the saving)
    _save_png(*a)
    mark("saved")


_draw._save_png = save_png
_submit, _finish = P.FigureProcess.submit, P.FigureProcess.finish


def submit(self, *a):
    mark("parent submit")
    return _submit(self, *a)


def finish(self):
    mark("parent waits")
    try:
        return _finish(self)
    finally:
        mark("parent figures")


P.FigureProcess.submit, P.FigureProcess.finish = submit, finish
code = main(sys.argv[2:])
mark("parent end")
sys.exit(code)
"""


def _pid(log: Path, what: str) -> str:
    return next(line.split()[0] for line in log.read_text().splitlines()
                if " ".join(line.split()[1:-2]) == what)


def figure_process(repeats: int) -> None:
    """Where a cold ``ahpstat run`` with figures spends its time across the two processes.

    The CLI runs with marks at its steps (``_TRACE``; the child is forked from it and
    inherits them): wall (since the script started, after the interpreter's own start)
    and CPU time of each process. The CPU times are what load inflates least; from them an
    estimate of the wall time on an otherwise idle two-core machine: the result is ready
    at ``max(parent CPU to submit, parent CPU to fork + child CPU to its job)``, then the
    child's drawing, then the parent's work after the figures (interpreter start and exit,
    and I/O waits, not included).
    """
    print(f"## seed study, figures drawn in the second process: steps, wall / CPU seconds "
          f"({repeats} runs; {_env()})")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeats + 1):  # the first warms the caches
            log = Path(tmp, f"trace{k}.txt")
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", _TRACE, str(log), "run", str(STUDY), "--out",
                            f"{tmp}/o", "--no-bayes", "--no-sensitivity", "--no-bootstrap",
                            "--force"], check=True, capture_output=True, env=env)
            total = time.perf_counter() - t0
            if k == 0:
                continue
            m, saved = {}, {}
            for line in log.read_text().splitlines():
                pid, *what, wall, cpu = line.split()
                m[" ".join(what)] = (float(wall), float(cpu))
                if what == ["saved"]:
                    saved[pid] = float(cpu)  # the last: the process's CPU time when done
            w0 = m["parent start"][0]
            steps = ", ".join(f"{name} {m[name][0] - w0:.2f}/{m[name][1]:.2f}" for name in (
                "parent fork", "parent submit", "parent waits", "parent figures",
                "parent end", "child job", "child drawn") if name in m)
            if "child job" not in m:
                print(f"  run {k}: no figure process (drawn in process); {steps}")
                continue
            p_fork, p_submit = m["parent fork"][1], m["parent submit"][1]
            c_job, c_draw = m["child job"][1], m["child drawn"][1] - m["child job"][1]
            p_draw = m["parent waits"][1] - p_submit
            # the helper (forked from the child) and its CPU time: the other saving process
            helper = sum(cpu for pid, cpu in saved.items()
                         if m["child job"] and pid not in (_pid(log, "child job"),))
            after = m["parent end"][1] - m["parent figures"][1]
            ready = max(p_submit, p_fork + c_job)
            # the drawing: the child's, or the three processes' CPU over the two cores
            drawing = max(c_draw, (c_draw + helper + p_draw) / 2)
            print(f"  run {k}: wall {total:.2f} s (whole process); {steps}; helper CPU "
                  f"{helper:.2f}; estimate on an idle 2-core machine {ready + drawing + after:.2f} "
                  f"s (result ready {ready:.2f} + drawing {drawing:.2f} + after {after:.2f}; "
                  f"parent CPU while the child draws {p_draw:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    ap.add_argument("--only", choices=["seed", "figproc", "compute", "large", "bca",
                                       "scaling"])
    ap.add_argument("--no-bootstrap", action="store_true",
                    help="seed: only the runs without the bootstrap section (a short run)")
    args = ap.parse_args()
    todo = [args.only] if args.only else ["seed", "figproc", "compute", "large", "bca",
                                          "scaling"]
    if "seed" in todo:
        seed(args.repeats, bootstrap=not args.no_bootstrap)
    if "figproc" in todo:
        figure_process(args.repeats)
    if "compute" in todo:
        compute(args.repeats)
    if "large" in todo:
        large(10_000 if args.quick else 100_000, args.repeats if args.only == "large" else 1)
    if "bca" in todo:
        bca((5_000,) if args.quick else (20_000, 100_000))
    if "scaling" in todo:
        scaling(args.repeats, args.quick)
        scaling(args.repeats, args.quick, evaluation=True)


if __name__ == "__main__":
    main()
