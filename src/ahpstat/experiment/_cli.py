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
    return {"experiment": _experiment}
