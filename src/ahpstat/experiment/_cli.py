"""``ahpstat experiment`` (and ``ahpstat plan``): argument parsing and printing only."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

__all__ = ["add_subcommands", "commands"]


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    """Register the experiment commands on the ``ahpstat`` parser."""
    e = sub.add_parser(
        "experiment", help="run a simulation experiment (serially or on Dask)",
        description="Run the simulation experiment described by EXPERIMENT.yaml: every "
                    "condition x method x replication, as tasks on a Dask cluster (a local "
                    "one by default), then write summary.csv, report.md and figures/.")
    e.add_argument("experiment", metavar="EXPERIMENT.yaml")
    e.add_argument("--out", required=True, metavar="DIR",
                   help="output folder (new or empty; with --resume an experiment folder)")
    how = e.add_mutually_exclusive_group()
    how.add_argument("--serial", action="store_true",
                     help="run in this process, one task after the other (no Dask needed)")
    how.add_argument("--scheduler", metavar="ADDRESS", default=None,
                     help="address of a running Dask scheduler, e.g. tcp://10.0.0.1:8786 "
                          "(default: $DASK_SCHEDULER_ADDRESS, else a local cluster)")
    e.add_argument("--workers", type=int, default=None, metavar="N",
                   help="workers of the local cluster (default: number of cores)")
    e.add_argument("--resume", action="store_true",
                   help="continue the experiment in --out (runs only the missing tasks)")
    e.add_argument("--summary-only", action="store_true",
                   help="only redo the summary of the experiment in --out")
    e.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    e.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: only when stderr is a terminal)")
    _add_plan(sub)


def _sizes(text: str) -> list[int]:
    try:
        vals = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as "
                                         f"5,10,20; got {text!r}") from None
    if not vals or min(vals) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes; got {text!r}")
    return vals


def _add_plan(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan", help="how many experts and respondents: simulate designs from a pilot study",
        description="Estimate the panel's dispersion and noise and the survey's variance "
                    "components from STUDY.yaml (the pilot), simulate studies with other "
                    "numbers of experts, clusters and respondents, and write plan.md, "
                    "plan.csv, plan_goal.csv, pilot.csv and plan.png.")
    p.add_argument("study", metavar="STUDY.yaml")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (new or empty)")
    p.add_argument("--experts", type=_sizes, default=[5, 10, 15, 20, 30, 40, 50],
                   metavar="K,K,...", help="panel sizes (default 5,10,15,20,30,40,50)")
    p.add_argument("--clusters", type=_sizes, default=[10, 20, 30, 50], metavar="G,G,...",
                   help="numbers of clusters (default 10,20,30,50)")
    p.add_argument("--per-cluster", type=_sizes, default=[5, 10, 20], metavar="M,M,...",
                   help="respondents per cluster (default 5,10,20)")
    p.add_argument("--replications", type=int, default=1000, metavar="N",
                   help="simulated studies per design (default 1000)")
    p.add_argument("--target", type=float, default=0.02, metavar="H",
                   help="wanted half-width of the goal score's interval (default 0.02)")
    p.add_argument("--level", type=float, default=0.95, metavar="L",
                   help="confidence level (default 0.95)")
    p.add_argument("--seed", type=int, default=None, metavar="N")
    p.add_argument("--no-figures", action="store_true", help="skip plan.png")


def _plan(args: argparse.Namespace) -> int:
    from ahpstat._validation import InputError
    from ahpstat.planning import plan_study, smallest_designs, write_plan

    if args.replications < 50:
        raise InputError(f"--replications must be at least 50. Got {args.replications}.")
    if not (args.target > 0 and 0 < args.level < 1):
        raise InputError("--target must be positive and --level in (0, 1). Got "
                         f"{args.target} and {args.level}.")
    from pathlib import Path

    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("the output folder exists and is not empty; ahpstat writes a plan "
                         "only into a new or empty folder. Choose another.", file=str(out))
    res = plan_study(args.study, experts=args.experts, clusters=args.clusters,
                     per_cluster=args.per_cluster, replications=args.replications,
                     confidence_level=args.level, rng=args.seed)
    write_plan(res, out, target=args.target, figures=not args.no_figures)
    best = smallest_designs(res, target=args.target)
    p = res.pilot
    print(f"Pilot: {p.n_experts} experts (expert sd {p.expert_sd:.3f}, noise sd "
          f"{p.noise_sd:.3f}), {p.n_respondents} respondents in {p.n_clusters} clusters "
          f"(ICC {p.icc:.3f}).")
    if best.empty:
        print(f"No design in the grid reaches +/-{args.target:g} on the goal score.")
    else:
        r = best.sort_values(["respondents", "experts"]).iloc[0]
        print(f"+/-{args.target:g} on the goal score: e.g. {int(r.experts)} experts and "
              f"{int(r.clusters)} clusters x {int(r.per_cluster)} = {int(r.respondents)} "
              f"respondents (half-width {r.half_width:.4f}).")
    print(f"Plan: {out / 'plan.md'}")
    return 0


def _experiment(args: argparse.Namespace) -> int:
    from ahpstat._validation import InputError
    from ahpstat.experiment import load_experiment, run_experiment, summarize

    if args.summary_only:
        table = summarize(args.out, figures=not args.no_figures)
        print(f"Summary: {len(table)} rows -> {args.out}/summary.csv, report.md")
        return 0
    exp = load_experiment(args.experiment)
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be at least 1. Got {args.workers} instead.")
    try:
        run = run_experiment(exp, args.out, scheduler=args.scheduler, serial=args.serial,
                             n_workers=args.workers, resume=args.resume,
                             progress=args.progress, figures=not args.no_figures)
    except KeyboardInterrupt:
        print(f"ahpstat: interrupted; the finished tasks are kept in {args.out}/parts. "
              "Continue with --resume.", file=sys.stderr)
        return 130
    print(f"{exp.name}: {len(exp.conditions)} conditions x {len(exp.methods)} methods x "
          f"{exp.replications} replications = {run.n_tasks} tasks ({run.n_run} run, "
          f"{run.n_skipped} already done) on {run.executor} in {run.seconds:.1f} s.")
    print(f"Report: {run.out / 'report.md'}  (summary.csv, figures/, parts/)")
    return 0


def commands() -> dict[str, Callable[[argparse.Namespace], int]]:
    """Command name -> handler."""
    return {"experiment": _experiment, "plan": _plan}
