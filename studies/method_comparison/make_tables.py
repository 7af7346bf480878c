"""Tables and figures of the method-comparison study from the runner's output folders.

Run the three experiments first (see README.md), then
``.venv/bin/python studies/method_comparison/make_tables.py --runs out/method_comparison``.
Copies each experiment's ``summary.csv`` here as ``<name>_summary.csv`` and writes
``results.md`` (the tables the README discusses) and ``figures/*.png``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent


def pivot(s: pd.DataFrame, metric: str | None, index: list[str], columns: str | list[str],
          target: str | None = None, digits: int = 4) -> str:
    d = s if metric is None else s[s.metric == metric]
    if target is not None:
        d = d[d.target == target]
    t = d.pivot_table(index=index, columns=columns, values="mean", sort=False)
    t = t.round(digits).reset_index()
    t.columns = [" / ".join(map(str, c)) if isinstance(c, tuple) else str(c)
                 for c in t.columns]
    head = "| " + " | ".join(t.columns) + " |"
    sep = "|" + "---|" * len(t.columns)
    rows = ["| " + " | ".join(str(v) for v in r) + " |" for r in t.itertuples(index=False)]
    return "\n".join([head, sep, *rows])


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", default="out/method_comparison",
                   help="folder holding the single_matrix, panel and incomplete runs")
    a = p.parse_args(argv)
    runs = Path(a.runs)
    (HERE / "figures").mkdir(exist_ok=True)
    out = ["# Method comparison: tables", "",
           "Means over the replications (Monte Carlo standard errors in the `*_summary.csv` "
           "files; at 10^5 replications they are below 0.0016 for a probability and below "
           "1 % of the mean for the weight errors).", ""]
    s = pd.read_csv(runs / "single_matrix" / "summary.csv")
    s.to_csv(HERE / "single_matrix_summary.csv", index=False)
    idx = ["scale", "noise_sd", "n"]
    out += ["## One complete matrix", "",
            "### Weight RMSE against the truth", "", pivot(s, "rmse", idx, "weighting"), "",
            "### P(full order right)", "", pivot(s, "order_right", idx, "weighting"), "",
            "### P(top element right)", "", pivot(s, "top_right", idx, "weighting"), "",
            "### Rank contradictions: P(same full order as the eigenvector)", "",
            pivot(s, "same_order_as_first", idx, "weighting"), "",
            "### P(same top element as the eigenvector)", "",
            pivot(s, "same_top_as_first", idx, "weighting"), "",
            "### Acceptance rates of the matrices", "",
            pivot(s[s.method == -1], None, idx, "metric", digits=3), ""]
    if (runs / "panel" / "summary.csv").is_file():
        s = pd.read_csv(runs / "panel" / "summary.csv")
        s.to_csv(HERE / "panel_summary.csv", index=False)
        idx = ["erratic", "n"]
        out += ["## Panels of five experts: AIJ against AIP", "",
                "### Weight RMSE", "", pivot(s, "rmse", idx, ["weighting", "aggregation"]), "",
                "### P(full order right)", "",
                pivot(s, "order_right", idx, ["weighting", "aggregation"]), "",
                "### P(top element right)", "",
                pivot(s, "top_right", idx, ["weighting", "aggregation"]), ""]
    if (runs / "incomplete" / "summary.csv").is_file():
        s = pd.read_csv(runs / "incomplete" / "summary.csv")
        s.to_csv(HERE / "incomplete_summary.csv", index=False)
        idx = ["scale", "missing", "n"]
        out += ["## Incomplete matrices: Harker against LLSM", "",
                "### Weight RMSE", "", pivot(s, "rmse", idx, "weighting"), "",
                "### P(full order right)", "", pivot(s, "order_right", idx, "weighting"), "",
                "### P(same full order as Harker)", "",
                pivot(s, "same_order_as_first", idx, "weighting"), ""]
    (HERE / "results.md").write_text("\n".join(out) + "\n")
    for run, figs in (("single_matrix", ("weights_rmse", "weights_order_right",
                                         "weights_same_order_as_first")),
                      ("panel", ("weights_rmse", "weights_order_right")),
                      ("incomplete", ("weights_rmse",))):
        for f in figs:
            src = runs / run / "figures" / f"{f}.png"
            if src.is_file():
                shutil.copyfile(src, HERE / "figures" / f"{run}_{f}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
