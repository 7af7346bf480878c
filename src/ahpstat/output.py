"""The output folder of a study: tables, report, figures and provenance, written atomically.

The output layer (beside :mod:`ahpstat.report`, above :mod:`ahpstat.study`): a
:class:`~ahpstat.study.StudyResult` holds everything; :func:`write_study` is the one function
that writes it to disk.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ahpstat._validation import InputError

if TYPE_CHECKING:
    import pandas as pd

    from ahpstat.study import StudyResult

__all__ = ["FLOAT_FORMAT", "write_csv", "write_study"]

#: float format of every CSV table (the same inputs and seed give byte-identical files)
FLOAT_FORMAT = "%.10g"


def write_study(result: StudyResult, out_dir: str | os.PathLike, *,
                figures: bool = True) -> Path:
    """Write a study's tables, report (Markdown and HTML), figures and provenance.

    Parameters
    ----------
    result : StudyResult
        A run study (:meth:`ahpstat.Study.run`).
    out_dir : str or path-like
        The output folder (created, or replaced as a whole).
    figures : bool, default True
        Draw the PNG figures.

    Returns
    -------
    Path
        The folder written.

    Notes
    -----
    Atomic: everything is written into a temporary folder beside ``out_dir`` that then
    replaces it; a failure leaves any previous ``out_dir`` untouched and nothing else.
    Tables use ``float_format="%.10g"`` (:data:`FLOAT_FORMAT`), so the same inputs and seed
    give byte-identical files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ahpstat import Study
    >>> from ahpstat.datasets import write_example_study
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> res = Study.from_yaml(write_example_study(d / "study")).run()
    >>> out = write_study(res, d / "out", figures=False)
    >>> sorted(p.name for p in out.iterdir())[:4]
    ['audit.csv', 'consistency.csv', 'dispersion.csv', 'items.csv']
    """
    from ahpstat.report import write_report

    out = Path(out_dir)
    parent = out.parent if str(out.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        for kind in result.frame_kinds:
            write_csv(result.to_frame(kind), tmp / f"{kind}.csv")
        with open(tmp / "provenance.json", "w", encoding="utf-8", newline="\n") as fh:
            json.dump(result.provenance(), fh, indent=2, ensure_ascii=False, sort_keys=False,
                      default=str)
            fh.write("\n")
        write_report(result, tmp, figures=figures, figure_options=result.study.figures)
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """A tidy table as CSV with deterministic float formatting; text cells a spreadsheet
    would run as formulas get a leading ``'`` (:func:`ahpstat._text.neutralize_frame`).
    """
    from ahpstat._text import neutralize_frame

    neutralize_frame(df).to_csv(path, index=False, float_format=FLOAT_FORMAT,
                                lineterminator="\n")


def _replace_dir(tmp: Path, out: Path) -> None:
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise InputError("the output path exists and is not a folder.", file=str(out))
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rmdir(old)
        os.replace(out, old)
        try:
            os.replace(tmp, out)
        except BaseException:
            os.replace(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)
