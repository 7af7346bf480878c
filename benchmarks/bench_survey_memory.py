"""Peak memory of a study run on a large survey (issue 8: <= 1 GiB for 10^6 x 57 items).

Writes a study with a 57-item hierarchy (4 criteria of 15, 14, 14 and 14 items), 5 experts
and a survey of N respondents x 57 Likert items in 40 communities, then measures each
command under its own wrapper process (the peak RSS of that command alone):

- ``ahpstat check`` and ``ahpstat run --no-figures --no-bootstrap --no-bayes``;
- side by side, the floor of reading the same file: ``pandas.read_csv`` with explicit dtypes
  (int8 answers), and with pandas' default dtypes.

Usage::

    python benchmarks/bench_survey_memory.py            # N = 10^6 (the target; minutes)
    python benchmarks/bench_survey_memory.py --n 100000 # quicker

Prints one line per measurement: what, N, file size, peak RSS, RSS / file size, seconds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ITEMS = [f"Q{k:02d}" for k in range(1, 58)]
CRITERIA = {"C1": ITEMS[:15], "C2": ITEMS[15:29], "C3": ITEMS[29:43], "C4": ITEMS[43:]}


def write_study(folder: Path, n: int, seed: int = 1) -> Path:
    """The study files; the survey is written in chunks (never held whole)."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    lines = ["id: G", "label: goal", "children:"]
    for c, items in CRITERIA.items():
        lines.append(f"- id: {c}")
        lines.append("  children:")
        lines.extend(f"  - {{id: {q}}}" for q in items)
    (folder / "hierarchy.yaml").write_text("\n".join(lines) + "\n")
    gen = np.random.default_rng(seed)
    rows = ["expert,node,row,col,value"]
    nodes = {"G": list(CRITERIA), **CRITERIA}
    for e in range(1, 6):
        for node, kids in nodes.items():
            for i in range(len(kids) - 1):  # a chain plus one more pair per node
                for a, b in ((kids[i], kids[i + 1]),) + (((kids[0], kids[-1]),) if i == 0
                                                         else ()):
                    v = int(gen.integers(1, 6))
                    rows.append(f"E{e},{node},{a},{b},{v if gen.random() < 0.5 else f'1/{v}'}")
    (folder / "judgments.csv").write_text("\n".join(rows) + "\n")
    with open(folder / "survey.csv", "w") as fh:
        fh.write("respondent,community," + ",".join(ITEMS) + "\n")
        done = 0
        while done < n:
            m = min(100_000, n - done)
            ans = gen.integers(1, 6, size=(m, len(ITEMS)))
            com = gen.integers(1, 41, size=m)
            fh.write("".join(f"R{done + k + 1:07d},HZ{com[k]:02d}," + ",".join(map(str, a))
                             + "\n" for k, a in enumerate(ans.tolist())))
            done += m
    (folder / "study.yaml").write_text(
        "name: bench\nhierarchy: hierarchy.yaml\njudgments: judgments.csv\n"
        "survey: {path: survey.csv, id_column: respondent, group_columns: [community], "
        "likert: [1, 5]}\nseed: 1\n")
    return folder / "study.yaml"


_PANDAS = """
import sys, pandas as pd
path, explicit = sys.argv[1], sys.argv[2] == "1"
items = [f"Q{k:02d}" for k in range(1, 58)]
dtype = ({"respondent": str, "community": "category", **{q: "int8" for q in items}}
         if explicit else None)
df = pd.read_csv(path, dtype=dtype)
print(len(df))
"""


_WRAP = """
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
tail = (r.stderr.strip().splitlines() or [""])[-1][:100]
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, tail, sep="\\t")
"""


def measure(label: str, cmd: list[str], n: int, size: int) -> None:
    """Run ``cmd`` under a fresh wrapper process and report the command's own peak RSS."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _WRAP, *cmd], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    code, kib, tail = out.stdout.rstrip("\n").split("\t")
    peak = int(kib) * 1024  # ru_maxrss is in KiB on Linux
    note = "" if code == "0" else f"  FAILED: {tail}"
    print(f"{label:<50} N={n:>9,}  file {size / 2**20:7.1f} MiB  peak RSS "
          f"{peak / 2**20:8.1f} MiB  ({peak / size:5.1f} x file)  {dt:7.1f} s{note}",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="respondents")
    ap.add_argument("--only", choices=["run", "check", "pandas", "pandas-default"],
                    help="measure one thing only")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        study = write_study(Path(d) / "s", args.n)
        size = (Path(d) / "s" / "survey.csv").stat().st_size
        exe = [sys.executable, "-m", "ahpstat.cli"]
        todo = {
            "pandas-default": ("pandas.read_csv, default dtypes",
                               [sys.executable, "-c", _PANDAS, str(Path(d) / "s" / "survey.csv"),
                                "0"]),
            "pandas": ("pandas.read_csv, explicit dtypes (int8)",
                       [sys.executable, "-c", _PANDAS, str(Path(d) / "s" / "survey.csv"), "1"]),
            "check": ("ahpstat check", [*exe, "check", str(study)]),
            "run": ("ahpstat run --no-figures (no bootstrap, no Bayes)",
                    [*exe, "run", str(study), "--out", str(Path(d) / "out"), "--no-figures",
                     "--no-bootstrap", "--no-bayes"]),
        }
        keys = [args.only] if args.only else list(todo)
        print(f"# load average {os.getloadavg()[0]:.1f}; target: run <= 1024 MiB at N = 10^6")
        for k in keys:
            measure(*todo[k], n=args.n, size=size)


if __name__ == "__main__":
    main()
