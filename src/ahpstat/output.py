"""The output folder of a study: tables, report, figures and provenance, written atomically.

The output layer (beside :mod:`ahpstat.report`, above :mod:`ahpstat.study`): a
:class:`~ahpstat.study.StudyResult` holds everything; :func:`write_study` is the one function
that writes it to disk.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from ahpstat.study import DecisionStudyResult, StudyResult

__all__ = ["FLOAT_FORMAT", "fill_folder", "write_csv", "write_decision", "write_study"]

#: float format of every CSV table (the same inputs and seed give byte-identical files)
FLOAT_FORMAT = "%.10g"


def write_study(result: StudyResult, out_dir: str | os.PathLike, *, figures: bool = True,
                force: bool = False) -> Path:
    """Write a study's tables, report (Markdown and HTML), figures and provenance.

    Parameters
    ----------
    result : StudyResult
        A run study (:meth:`ahpstat.Study.run`).
    out_dir : str or path-like
        The output folder: a new or empty folder, or one an earlier run wrote that holds
        nothing else (:mod:`ahpstat._output`); anything else is refused with an
        :class:`~ahpstat.InputError`.
    figures : bool, default True
        Draw the figures.
    force : bool, default False
        Also replace an ahpstat folder whose files were changed since it was written.

    Returns
    -------
    Path
        The folder written.

    Notes
    -----
    Atomic: everything is written into a temporary folder beside ``out_dir`` that then
    replaces it in one rename; a failure leaves any previous ``out_dir`` untouched and nothing
    else. Tables use ``float_format="%.10g"`` (:data:`FLOAT_FORMAT`), so the same inputs and
    seed give byte-identical files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ahpstat import Study
    >>> from ahpstat.datasets import write_example_study
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> res = Study.from_yaml(write_example_study(d / "study")).run()
    >>> out = write_study(res, d / "out", figures=False)
    >>> sorted(p.name for p in out.iterdir())[:4]
    ['.ahpstat', 'audit.csv', 'consistency.csv', 'dispersion.csv']
    """
    from ahpstat._output import write_folder

    return write_folder(out_dir, lambda folder: fill_folder(result, folder, figures=figures),
                        inputs=result.study.input_files().values(), force=force)


def fill_folder(result: StudyResult, folder: Path, *, figures: bool = True,
                figure_process: Any = None) -> None:
    """Write every output file of ``result`` into the (new, empty) ``folder``.

    With an active ``figure_process`` (:class:`ahpstat._figures._process.FigureProcess`,
    the command line's) the figures are drawn there while the tables are written; on any
    failure or interrupt it is killed and reaped before this returns, so nothing writes into
    the folder once it is removed.
    """
    from ahpstat._text import neutralize_frame
    from ahpstat.report import write_report

    if not (figures and figure_process is not None and figure_process.active):
        figure_process = None
    try:
        if figure_process is not None:
            figure_process.submit(result, folder, result.study.figures)
            # while the figures are drawn: flush what is written, which the folder's
            # manifest would otherwise wait for after them (its fsync is then cheap)
            figure_process.meanwhile = lambda: _flush_files(folder)
        # every table's formula-like text neutralised once, for its CSV file, the workbook
        # and the LaTeX file alike
        safe = {kind: neutralize_frame(result.to_frame(kind)) for kind in result.frame_kinds}
        for kind, df in safe.items():
            write_csv(df, folder / f"{kind}.csv", _neutralized=True)
        with open(folder / "provenance.json", "w", encoding="utf-8", newline="\n") as fh:
            json.dump(result.provenance(), fh, indent=2, ensure_ascii=False, sort_keys=False,
                      default=str)
            fh.write("\n")
        write_report(result, folder, figures=figures, figure_options=result.study.figures,
                     figure_process=figure_process, _tables=safe)
    except BaseException:
        if figure_process is not None:
            figure_process.close()
        raise


def _flush_files(folder: Path) -> None:
    """``fsync`` every file in ``folder`` (where the file system allows it)."""
    import contextlib

    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False):
            with contextlib.suppress(OSError), open(entry.path, "rb") as fh:
                os.fsync(fh.fileno())


def write_csv(df: pd.DataFrame, path: Path, *, _neutralized: bool = False) -> None:
    """A tidy table as CSV with deterministic float formatting; text cells a spreadsheet
    would run as formulas get a leading ``'`` (:func:`ahpstat._text.neutralize_frame`;
    ``_neutralized``, internal: ``df`` is already its output, trusted as such).
    """
    from ahpstat._text import neutralize_frame

    if not _neutralized:
        df = neutralize_frame(df)
    # written _CSV_ROWS rows at a time: the float columns' texts (about 74 bytes a cell) exist
    # for one slice only, not for the whole table (pandas itself formats in such slices)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for a in range(0, max(len(df), 1), _CSV_ROWS):
            _floats_as_text(df.iloc[a:a + _CSV_ROWS].copy()).to_csv(
                fh, index=False, header=a == 0, float_format=FLOAT_FORMAT, lineterminator="\n")


#: rows of a CSV table formatted at a time (:func:`write_csv`)
_CSV_ROWS = 20_000


def _floats_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (a copy of the caller's: changed in place) with its float64 columns as the
    texts ``to_csv(float_format=FLOAT_FORMAT)`` writes for them: ``FLOAT_FORMAT % value``,
    empty for NaN. The same file, without pandas' missing-value test per cell (most of its
    time in a study's tables).
    """
    import pandas as pd

    fmt = FLOAT_FORMAT
    for k in range(df.shape[1]):
        col = df.iloc[:, k]
        if col.dtype == np.float64:
            df.isetitem(k, pd.Series(
                np.array(["" if v != v else fmt % v for v in col.to_numpy().tolist()],
                         dtype=object), index=col.index, name=col.name, dtype=object))
    return df


def write_decision(result: DecisionStudyResult, out_dir: str | os.PathLike, *,
                   force: bool = False) -> Path:
    """Write a decision study's tables, a Markdown report and the provenance, atomically.

    The tables are :attr:`~ahpstat.study.DecisionStudyResult.frame_kinds` as CSV
    (``totals``, ``analyze``, ``weights``, ``local``, ``contributions``, ``consistency``,
    with a bootstrap ``intervals`` and ``rank_probabilities``, with the Bayesian model
    ``bayes_priorities``, ``bayes_rank_probabilities`` and ``bayes_diagnostics``);
    ``report.md`` shows R ahp's ``Analyze`` table of the group (percent); the folder rules are
    :func:`write_study`'s.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from ahpstat.study import DecisionStudy
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "d.ahp").write_text('''Version: 2.0
    ... Alternatives: &a {A: {}, B: {}}
    ... Goal:
    ...   name: G
    ...   preferences: {pairwise: [[X, Y, 3]]}
    ...   children:
    ...     X: {preferences: {pairwise: [[A, B, 2]]}, children: *a}
    ...     Y: {preferences: {score: [{A: 1}, {B: 3}]}, children: *a}
    ... ''')
    >>> out = write_decision(DecisionStudy.from_ahp_file(d / "d.ahp").run(), d / "out")
    >>> sorted(p.name for p in out.iterdir() if p.suffix == ".csv")[:3]
    ['analyze.csv', 'consistency.csv', 'contributions.csv']
    """
    from ahpstat._output import write_folder

    def fill(folder: Path) -> None:
        for kind in result.frame_kinds:
            write_csv(result.to_frame(kind), folder / f"{kind}.csv")
        with open(folder / "provenance.json", "w", encoding="utf-8", newline="\n") as fh:
            json.dump(result.provenance(), fh, indent=2, ensure_ascii=False, default=str)
            fh.write("\n")
        (folder / "report.md").write_text(_decision_report(result), encoding="utf-8")

    return write_folder(out_dir, fill, inputs=result.study.input_files().values(),
                        force=force)


def _decision_report(result: DecisionStudyResult) -> str:
    """A short Markdown report: options and the group's Analyze table in percent."""
    from ahpstat._text import escape_markdown

    r = result.result
    o = r.options
    t = r.analyze()
    cols = [c for c in t.columns if c not in ("level",)]
    head = "| criterion | " + " | ".join(escape_markdown(str(c)) for c in cols) + " |"
    lines = [f"# {escape_markdown(result.study.name)}", "",
             f"{len(r.alternatives)} alternatives, {len(r.decision_makers)} decision "
             f"maker(s); weighting {o.weighting}, aggregation {o.aggregation} "
             f"({o.aip_mean} mean), {o.mode} mode, consistency ratio with the "
             f"{o.random_index} random index. Percent; the goal's row is the alternatives' "
             "priorities (R ahp's Analyze table).", "", head,
             "|" + " --- |" * (len(cols) + 1)]
    for node, row in t.iterrows():
        cells = ["" if not np.isfinite(row[c]) else f"{100 * row[c]:.1f}" for c in cols]
        indent = "&nbsp;&nbsp;" * int(row["level"])
        lines.append(f"| {indent}{escape_markdown(str(node))} | " + " | ".join(cells) + " |")
    if result.bootstrap is not None:
        b = result.bootstrap.to_frame()
        lines += ["", f"Bootstrap over the decision makers: {b.method.iloc[0]} "
                  f"{100 * b.confidence_level.iloc[0]:g}% intervals.", "",
                  "| alternative | priority | low | high |", "| --- | --- | --- | --- |"]
        for x in b.itertuples():
            lines.append(f"| {escape_markdown(str(x.alternative))} | {x.priority:.3f} | "
                         f"{x.low:.3f} | {x.high:.3f} |")
    if result.bayes is not None:
        p = result.to_frame("bayes_priorities")
        ok = bool(result.bayes.bayes.ok)
        lines += ["", f"Bayesian model of the judgments: posterior mean and "
                  f"{100 * result.confidence_level:g}% equal-tailed credible intervals"
                  + ("." if ok else " — the sampler's diagnostics are poor (see "
                     "bayes_diagnostics.csv): do not report these numbers as they stand."),
                  "", "| alternative | mean | low | high |", "| --- | --- | --- | --- |"]
        for x in p.itertuples():
            lines.append(f"| {escape_markdown(str(x.alternative))} | {x.mean:.3f} | "
                         f"{x.low:.3f} | {x.high:.3f} |")
    return "\n".join(lines) + "\n"
