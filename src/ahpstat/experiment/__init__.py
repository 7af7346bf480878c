"""Simulation experiments: method recovery, interval coverage and panel-size planning.

An experiment declares a grid of simulated conditions (matrix order or hierarchy, panel
size, judgment noise, expert dispersion, erratic experts, rounding, missing judgments,
respondents, clusters, intra-class correlation) crossed with the methods to compare
(weighting, aggregation, inconsistency policy, bootstrap scheme, interval method) and a
number of replications. :func:`run_experiment` runs it as tasks -- batches of replications
of one condition, each vectorised -- serially or on a Dask cluster, streams each task's
statistics to a Parquet part, and summarizes them into tidy tables, figures and a report.
Each task draws from ``SeedSequence(seed, spawn_key=(condition, batch))`` only, so the
results are identical bit for bit whatever the number of workers, the order of completion
or a restart (``resume=True``).

See ``docs/experiments.md`` for the experiment file.
"""

from __future__ import annotations

from ahpstat.experiment._cells import rank_metrics, run_task

# package-internal (not in __all__): the `experiment` and `plan` subcommands, for the CLI
from ahpstat.experiment._cli import add_subcommands as add_subcommands
from ahpstat.experiment._cli import commands as commands
from ahpstat.experiment._parts import read_parts
from ahpstat.experiment._runner import ExperimentRun, run_experiment
from ahpstat.experiment._spec import KINDS, Experiment, load_experiment
from ahpstat.experiment._summary import summarize

__all__ = [
    "KINDS",
    "Experiment",
    "ExperimentRun",
    "load_experiment",
    "rank_metrics",
    "read_parts",
    "run_experiment",
    "run_task",
    "summarize",
]
