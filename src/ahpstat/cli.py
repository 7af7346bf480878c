"""Command line: ``ahpstat run | check | weights | convert | experiment | plan |
sensitivity``. Thin: parse, call the API, print.

Exit codes: 0 success; 1 a user error (an :class:`~ahpstat.InputError`: bad input file or
option value, or an unreadable / unwritable file: one clear message, no traceback); 2 a usage
error (unknown command or option, missing argument); 130 and 143 interrupted by SIGINT (Ctrl-C)
and SIGTERM (one line; the output folder as it was). Anything else is a bug in ahpstat and
shows its traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]

EXIT_OK, EXIT_USER, EXIT_USAGE = 0, 1, 2
EXIT_SIGINT, EXIT_SIGTERM = 130, 143


def _parser() -> argparse.ArgumentParser:
    from ahpstat.alternatives import AGGREGATIONS, AIP_MEANS, MODES
    from ahpstat.completion import COMPLETION_METHODS
    from ahpstat.io import CONVERT_LAYOUTS, WIDE_ENCODINGS
    from ahpstat.scales import RANDOM_INDEX_TABLES
    from ahpstat.weighting import WEIGHTING_METHODS

    p = argparse.ArgumentParser(
        prog="ahpstat",
        description="Analytic Hierarchy Process studies: expert weights, consistency, "
                    "composite scores, reports.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser("run", help="run a study and write its tables, report and figures",
                       description="Run the whole study described by STUDY.yaml, or the "
                                   "decision of an R ahp file X.ahp.")
    r.add_argument("study", metavar="STUDY.yaml|X.ahp")
    r.add_argument("--out", required=True, metavar="DIR",
                   help="output folder: a new or empty folder, or one an earlier run wrote "
                        "(replaced atomically); never a folder holding other files")
    r.add_argument("--force", action="store_true",
                   help="also replace an output folder ahpstat wrote whose files were "
                        "changed since (never one holding files ahpstat did not write)")
    r.add_argument("--seed", type=_seed, default=None, metavar="N",
                   help="seed of the random parts (overrides the study's `seed`)")
    r.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    r.add_argument("--bootstrap", action=argparse.BooleanOptionalAction, default=None,
                   help="run (or skip) the bootstrap whatever the study file says")
    r.add_argument("--sensitivity", action=argparse.BooleanOptionalAction, default=None,
                   help="run (or skip) the sensitivity analyses whatever the study file says")
    r.add_argument("--bayes", action=argparse.BooleanOptionalAction, default=None,
                   help="run (or skip) the Bayesian model whatever the study file says")
    r.add_argument("--evaluation", action=argparse.BooleanOptionalAction, default=None,
                   help="run (or skip) the objective weights, fuzzy evaluation, TOPSIS and "
                        "GRA whatever the study file says")
    r.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: only when stderr is a terminal)")
    d = r.add_argument_group(
        "evaluating an R ahp decision (X.ahp only; default: R ahp's Calculate; a study "
        "file sets these in its own sections)")
    for flag, choices, what in (
            ("--weighting", WEIGHTING_METHODS, "a pairwise matrix's priorities"),
            ("--completion", COMPLETION_METHODS, "complete an incomplete matrix first"),
            ("--aggregation", AGGREGATIONS, "the group: priorities (aip) or judgments (aij)"),
            ("--aip-mean", AIP_MEANS, "how aip averages the decision makers"),
            ("--mode", MODES, "the alternatives' priorities as they are or divided by the "
                              "best"),
            ("--random-index", tuple(RANDOM_INDEX_TABLES), "the consistency ratio's table")):
        d.add_argument(flag, default=None, choices=choices, type=str.lower,
                       help=f"{what}: {', '.join(choices)}",
                       metavar=flag.lstrip("-").replace("-", "_").upper())

    c = sub.add_parser("check", help="validate every input of a study; change nothing",
                       description="Validate the study file and every input it names; "
                                   "report all problems found.")
    c.add_argument("study", metavar="STUDY.yaml|X.ahp")

    w = sub.add_parser("weights", help="weights and consistency of one matrix",
                       description="Weights and consistency of one pairwise-comparison "
                                   "matrix (CSV: a square block of numbers such as 3 or 1/3, "
                                   "optionally with element names in the header row and the "
                                   "first column; blank = missing).")
    w.add_argument("matrix", metavar="MATRIX.csv")
    w.add_argument("--method", default="eigenvector", choices=WEIGHTING_METHODS)
    w.add_argument("--completion", default=None, choices=COMPLETION_METHODS,
                   help="complete missing judgments first (optimal: the lambda-max-minimizing "
                        "completion, AHPy's default), then apply --method")
    w.add_argument("--random-index", default="saaty", choices=tuple(RANDOM_INDEX_TABLES),
                   metavar="T", help="random-index table: " + ", ".join(RANDOM_INDEX_TABLES))
    w.add_argument("--json", action="store_true", help="print JSON")

    v = sub.add_parser("convert", help="convert judgments between layouts",
                       description="Convert a judgments file between the layouts long, "
                                   "matrix, wide, ahpsurvey and R ahp's .ahp (values written "
                                   "exactly; an existing OUT is never overwritten).")
    v.add_argument("source", metavar="IN")
    v.add_argument("target", metavar="OUT")
    v.add_argument("--from", dest="from_layout", required=True, choices=CONVERT_LAYOUTS)
    v.add_argument("--to", dest="to_layout", required=True, choices=CONVERT_LAYOUTS)
    v.add_argument("--hierarchy", metavar="H.yaml", help="element order and checks")
    v.add_argument("--encoding", choices=WIDE_ENCODINGS,
                   help="how IN codes its cells (wide, ahpsurvey); ahpsurvey's negconvert = "
                        "TRUE is signed_left_negative")
    v.add_argument("--to-encoding", choices=WIDE_ENCODINGS,
                   help="how OUT codes its cells (wide: default ratio; ahpsurvey: signed)")
    v.add_argument("--attributes", metavar="A,B,...",
                   help="ahpsurvey input: the attributes in order (ahpsurvey's atts)")
    v.add_argument("--node", help="ahpsurvey input: the node (default: goal); wide: the node "
                                  "of A_B columns")
    v.add_argument("--id-column", help="ahpsurvey input: the respondent id column")
    v.add_argument("--sheet", help="worksheet of an .xlsx input")

    from ahpstat._sensitivity_cli import add_subcommands as add_sensitivity
    from ahpstat.experiment import add_subcommands

    add_subcommands(sub)
    add_sensitivity(sub)
    return p


#: the cyclic garbage collector's thresholds while a command runs: a cold ``ahpstat run`` of
#: the seed study spent 0.24 s in 439 collections with Python's (700, 10, 10), most of it
#: in full collections walking the imported modules' objects, 0.06 s with these (issue 17);
#: reference counting still frees everything not in a cycle at once
GC_THRESHOLD = (10_000, 50, 50)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ahpstat`` command; returns the exit code."""
    import gc

    old = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*old)


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if args.version:
        import ahpstat

        print(f"ahpstat {ahpstat.__version__}")
        return EXIT_OK
    if args.command is None:
        parser.print_usage(sys.stderr)
        print("ahpstat: error: a command is required (run, check, weights, convert, "
              "experiment, plan, sensitivity)", file=sys.stderr)
        return EXIT_USAGE
    from ahpstat._output import Interrupts, Terminated
    from ahpstat._validation import InputError

    signals = Interrupts()
    try:
        from ahpstat._sensitivity_cli import commands as sensitivity_commands
        from ahpstat.experiment import commands

        handlers = {"run": _run, "check": _check, "weights": _weights, "convert": _convert,
                    **commands(), **sensitivity_commands()}
        with signals:
            code = handlers[args.command](args)
            signals.reraise()  # an interrupt that something swallowed still ends the run
            return code
    except KeyboardInterrupt:
        print(f"ahpstat: interrupted{signals.note}", file=sys.stderr)
        return EXIT_SIGINT
    except Terminated:
        print(f"ahpstat: terminated (SIGTERM){signals.note}", file=sys.stderr)
        return EXIT_SIGTERM
    except InputError as exc:
        print(f"ahpstat: error: {exc}", file=sys.stderr)
        return EXIT_USER
    except OSError as exc:  # a user's file or folder: missing, unreadable, disk full
        print(f"ahpstat: error: {_os_message(exc)}", file=sys.stderr)
        return EXIT_USER


def _cli_spelling(message: str, labels: Sequence[str]) -> str:
    """A message of the Python API as the command line says it: ``--method harker`` for
    ``method='harker'``, and matrix cells by the file's element names, numbered from 1.

    Examples
    --------
    >>> _cli_spelling("missing judgment a[0, 2]; use method='harker' or 'llsm', or "
    ...               "ahpstat.complete() first.", ["x", "y", "z"])
    "missing judgment 'x' vs 'z' (row 1, column 3 of the matrix); use --method harker or \
--method llsm."
    """
    import re

    def cell(m: re.Match) -> str:
        i, j = int(m.group(1)), int(m.group(2))
        if i < len(labels) and j < len(labels):
            return (f"{labels[i]!r} vs {labels[j]!r} (row {i + 1}, column {j + 1} of the "
                    "matrix)")
        return m.group(0)

    message = re.sub(r"a\[(\d+), (\d+)\]", cell, message)
    message = re.sub(r"method='(\w+)' or '(\w+)'", r"--method \1 or --method \2", message)
    message = re.sub(r"method='(\w+)'", r"--method \1", message)
    message = re.sub(r"random_index='(\w+)'", r"--random-index \1", message)
    return message.replace(", or ahpstat.complete() first", "")


def _seed(text: str) -> int:
    """``--seed``: a non-negative integer (argparse reports the option and exits 2)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer (e.g. 7). Got "
                                         f"{text!r} instead.")
    return value


def _os_message(exc: OSError) -> str:
    if exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    return str(exc)


def _run(args: argparse.Namespace) -> int:
    from ahpstat._limits import small_pages

    with small_pages():
        return _run_command(args)


def _run_command(args: argparse.Namespace) -> int:
    import time

    from ahpstat.study import Study

    t0 = time.perf_counter()
    if str(args.study).lower().endswith(".ahp"):
        return _run_decision(args, t0)
    given = [f"--{k.replace('_', '-')}" for k in _DECISION_OPTIONS
             if getattr(args, k) is not None]
    if given:
        print(f"ahpstat run: error: {', '.join(given)}: only for an R ahp file X.ahp; a "
              "study file sets its methods in its own sections", file=sys.stderr)
        return EXIT_USAGE
    from ahpstat._figures import FigureProcess

    # the process that draws the figures, forked now (this one's imports done, so that it
    # only imports matplotlib, while this one reads and runs the study; issue 17)
    with FigureProcess.start() if not args.no_figures else FigureProcess() as figures:
        return _run_study(args, Study.from_yaml(args.study), figures, t0)


def _run_study(args: argparse.Namespace, study: Any, figures: Any, t0: float) -> int:
    import time

    from ahpstat._output import OutputFolder, write_folder
    from ahpstat.output import fill_folder

    show = sys.stderr.isatty() if args.progress is None else args.progress
    stages = [name for name, on in (
        ("bootstrap", study.bootstrap_options(args.bootstrap) is not None),
        ("sensitivity", study.sensitivity_options(args.sensitivity) is not None)) if on]
    bar = ProgressBar(" + ".join(stages) or "bootstrap", sys.stderr) if show else None
    # the output folder is locked and checked before the run, not after it
    with OutputFolder(args.out, inputs=study.input_files().values(), force=args.force,
                      cli=True):
        try:
            res = study.run(rng=args.seed, bootstrap=args.bootstrap, bayes=args.bayes,
                            sensitivity=args.sensitivity, evaluation=args.evaluation,
                            progress=bar)
        finally:
            if bar is not None:
                bar.close()
        out = write_folder(args.out, lambda folder: fill_folder(
            res, folder, figures=not args.no_figures, figure_process=figures),
            inputs=study.input_files().values(), force=args.force)
    h = res.hierarchy
    goal = res.scores[(res.scores.grouping == "all") & (res.scores.node == h.root)]
    n_flag = int((res.audit.action == "flag").sum()) if len(res.audit) else 0
    print(f"{study.name}: {len(res.experts)} experts, {len(res.respondents)} respondents, "
          f"{len(h.nodes)} nodes; goal score {float(goal.score.iloc[0]):.4f}; "
          f"{n_flag} inconsistent {'matrix' if n_flag == 1 else 'matrices'} "
          f"({study.panel.policy}).")
    b = res.run_info.get("bootstrap")
    if b is not None:
        s = res.scores[(res.scores.grouping == "all") & (res.scores.node == h.root)].iloc[0]
        print(f"Bootstrap: {b['n_resamples']} resamples; goal {100 * b['confidence_level']:g}% "
              f"interval [{s.ci_low:.4f}, {s.ci_high:.4f}] ({b['method']}).")
    ba = res.run_info.get("bayes")
    if ba is not None:
        print(f"Bayes: {ba['chains']} x {ba['draws']} draws ({ba['sampler']}); "
              + ("diagnostics OK." if ba["diagnostics_ok"] else
                 "diagnostics POOR: see bayes_diagnostics.csv."))
    if res.sensitivity is not None:
        from ahpstat._sensitivity_cli import summary_lines

        print(summary_lines(res))
    print(f"Report: {out / 'report.html'}  (also report.md, tables *.csv, provenance.json)  "
          f"[{time.perf_counter() - t0:.1f} s]")
    return EXIT_OK


#: ``run`` options that evaluate an ``.ahp`` decision
#: (:class:`ahpstat.alternatives.DecisionOptions` fields)
_DECISION_OPTIONS = ("weighting", "completion", "aggregation", "aip_mean", "mode",
                     "random_index")


def _run_decision(args: argparse.Namespace, t0: float) -> int:
    """``ahpstat run X.ahp``: an R ahp decision, written like a study's output folder."""
    import time

    from ahpstat._output import OutputFolder
    from ahpstat.output import write_decision
    from ahpstat.study import Study

    if args.sensitivity:
        print("ahpstat run: error: --sensitivity is not available for an R ahp file (in "
              "Python: ahpstat.alternatives.rank_reversal and DecisionModel.evaluate's "
              "options)", file=sys.stderr)
        return EXIT_USAGE
    options = {k: getattr(args, k) for k in _DECISION_OPTIONS if getattr(args, k) is not None}
    study = Study.from_ahp_file(args.study, **options)
    with OutputFolder(args.out, inputs=study.input_files().values(), force=args.force,
                      cli=True):
        res = study.run(rng=args.seed, bootstrap=bool(args.bootstrap), bayes=bool(args.bayes))
        out = write_decision(res, args.out, force=args.force)
    print(res.summary())
    print(f"Report: {out / 'report.md'}  (also tables *.csv, provenance.json)  "
          f"[{time.perf_counter() - t0:.1f} s]")
    return EXIT_OK


class ProgressBar:
    """A dependency-free text progress bar: ``bar(done, total)`` redraws one line."""

    def __init__(self, label: str, stream, width: int = 30) -> None:
        self.label, self.stream, self.width = label, stream, width
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        frac = done / total if total else 1.0
        n = round(self.width * frac)
        self.stream.write(f"\r{self.label} [{'#' * n}{'.' * (self.width - n)}] "
                          f"{done}/{total}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _check(args: argparse.Namespace) -> int:
    from ahpstat.study import check_study

    if str(args.study).lower().endswith(".ahp"):  # an R ahp decision: read it, evaluate it
        from ahpstat.study import Study

        res = Study.from_ahp_file(args.study).run()
        print(f"{args.study}: OK: {res.summary()}")
        return EXIT_OK
    problems = check_study(args.study)
    if not problems:
        print(f"{args.study}: OK: every input is valid.")
        return EXIT_OK
    print(f"{args.study}: {len(problems)} problem{'s' if len(problems) > 1 else ''} found:",
          file=sys.stderr)
    for k, p in enumerate(problems, start=1):
        print(f"  {k}. {p}", file=sys.stderr)
    return EXIT_USER


def _weights(args: argparse.Namespace) -> int:
    import ahpstat as ah
    from ahpstat._validation import InputError
    from ahpstat.io import read_matrix_csv

    labels, A = read_matrix_csv(args.matrix)
    try:
        r = ah.weights(A, method=args.method, completion=args.completion)
        c = ah.consistency(A, index="cr", random_index=args.random_index)
        ci = float(ah.consistency(A, index="ci", random_index=args.random_index).value)
    except ValueError as exc:
        raise InputError(_cli_spelling(str(exc).replace("`A`", "the matrix"), labels),
                         file=args.matrix) from None
    lam = float(c.lambda_max) if c.lambda_max is not None else float("nan")
    out = {
        "file": str(args.matrix),
        "method": args.method,
        "weights_completion": args.completion,
        "weights": {k: float(v) for k, v in zip(labels, r.weights, strict=True)},
        "lambda_max": lam,
        "ci": ci,
        "cr": float(c.value),
        "random_index": c.random_index,
        "random_index_value": c.random_index_value,
        "threshold": c.threshold,
        "acceptable": bool(c.acceptable),
        "completion": c.completion,
    }
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max(len(x) for x in labels)
    how = f", completion {args.completion}" if args.completion else ""
    print(f"{args.matrix}: {len(labels)} x {len(labels)}, method {args.method}{how}")
    for k, v in out["weights"].items():
        print(f"  {k:<{width}}  {v:.4f}")
    extra = " (of the optimal completion)" if c.completion else ""
    print(f"lambda_max {lam:.4f}, CI {out['ci']:.4f}, CR {out['cr']:.4f}{extra} "
          f"(RI({len(labels)}) = {c.random_index_value:g}, table '{c.random_index}'): "
          + ("acceptable" if out["acceptable"] else f"NOT acceptable (> {c.threshold:g})"))
    return EXIT_OK


def _convert(args: argparse.Namespace) -> int:
    from ahpstat._validation import InputError
    from ahpstat.hierarchy import Hierarchy
    from ahpstat.io import convert

    h = Hierarchy.from_yaml(args.hierarchy) if args.hierarchy else None
    atts = [a.strip() for a in args.attributes.split(",")] if args.attributes else None
    try:
        out = convert(args.source, args.target, from_layout=args.from_layout,
                      to_layout=args.to_layout, hierarchy=h, encoding=args.encoding,
                      to_encoding=args.to_encoding, node=args.node, attributes=atts,
                      id_column=args.id_column, sheet=args.sheet)
    except InputError:
        raise
    except ValueError as exc:  # an option that does not fit the layouts
        msg = str(exc).replace("`to_encoding`", "--to-encoding").replace(
            "`encoding`", "--encoding").replace("`attributes`", "--attributes").replace(
            "`node`", "--node").replace("`hierarchy`", "--hierarchy")
        raise InputError(msg) from None
    print(f"{args.source} ({args.from_layout}) -> {out} ({args.to_layout})")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
