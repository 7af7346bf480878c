"""``ahpstat sensitivity STUDY.yaml``: argument parsing and printing only."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

__all__ = ["add_subcommands", "commands"]


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    """Register the ``sensitivity`` command on the ``ahpstat`` parser."""
    s = sub.add_parser(
        "sensitivity", help="is the ranking robust? multiverse of analyst choices, exact "
                            "weight intervals, perturbed judgments, Sobol' indices",
        description="Run STUDY.yaml and its `sensitivity:` section (the defaults when the "
                    "file has none): the study under every combination of analyst choices, "
                    "the weight intervals within which the ranking holds, the ranking under "
                    "perturbed judgments, Sobol' indices of the criteria's weights. Writes "
                    "the study's folder with multiverse.csv, the sensitivity tables and a "
                    "robustness section in the report.")
    s.add_argument("study", metavar="STUDY.yaml")
    s.add_argument("--out", required=True, metavar="DIR",
                   help="output folder (replaced atomically)")
    s.add_argument("--seed", type=int, default=None, metavar="N",
                   help="seed of the random parts (overrides the study's `seed`)")
    s.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    s.add_argument("--bootstrap", action=argparse.BooleanOptionalAction, default=False,
                   help="also run the study's bootstrap (default: no)")
    s.add_argument("--bayes", action=argparse.BooleanOptionalAction, default=False,
                   help="also run the study's Bayesian model (default: no)")
    s.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: only when stderr is a terminal)")


def _sensitivity(args: argparse.Namespace) -> int:
    import time

    from ahpstat.cli import ProgressBar
    from ahpstat.output import write_study
    from ahpstat.study import Study

    t0 = time.perf_counter()
    study = Study.from_yaml(args.study)
    show = sys.stderr.isatty() if args.progress is None else args.progress
    bar = ProgressBar("sensitivity", sys.stderr) if show else None
    try:
        res = study.run(rng=args.seed, bootstrap=args.bootstrap, bayes=args.bayes,
                        sensitivity=True, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    out = write_study(res, args.out, figures=not args.no_figures)
    print(summary_lines(res))
    print(f"Report: {out / 'report.html'}  (also multiverse.csv, sensitivity_*.csv)  "
          f"[{time.perf_counter() - t0:.1f} s]")
    return 0


def summary_lines(res: object) -> str:
    """What the sensitivity section found, in a few lines (printed by the CLI)."""
    sa = res.sensitivity  # type: ignore[attr-defined]
    h = res.hierarchy  # type: ignore[attr-defined]
    lines = []
    mv = sa.multiverse
    if mv is not None:
        spec = mv.specifications
        lines.append(f"Multiverse: {len(spec)} specifications ({int((~spec.feasible).sum())} "
                     f"infeasible), {mv.info['n_panels']} panel aggregations.")
        g = sa.settings.get("grouping")
        st = mv.rank_stability
        sub = st[(st.grouping == g) & (st.node == h.root)]
        if len(sub):
            top = sub.sort_values("baseline_rank", kind="stable").iloc[0]
            lines.append(f"  the top {g}, {top.group}, keeps rank 1 in "
                         f"{top.share_same_rank:.1%} of them; the groups keep their goal rank "
                         f"in {sub.share_same_rank.mean():.1%} on average.")
    ws = sa.weights
    if ws is not None:
        c = ws.critical[(ws.critical.scope == "criteria") & (ws.critical.measure == "PA")]
        if len(c) and c.node.iloc[0] is not None:
            lines.append(f"Most critical criterion (percent-any): {c.node.iloc[0]}, a change of "
                         f"{c.percent.iloc[0]:.1f}% of its weight reverses two groups.")
    return "\n".join(lines)


def commands() -> dict[str, Callable[[argparse.Namespace], int]]:
    """The handlers of the commands registered by :func:`add_subcommands`."""
    return {"sensitivity": _sensitivity}
