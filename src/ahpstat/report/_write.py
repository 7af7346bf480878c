"""Writing the report files of a study result: Markdown, HTML, the figures and the
tables for papers.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ahpstat._text import neutralize_frame
from ahpstat.report._blocks import report_blocks
from ahpstat.report._render import to_html, to_markdown
from ahpstat.report._tables import paper_tables, to_latex, write_xlsx


def write_report(res: Any, out: Path, *, figures: bool = True,
                 figure_options: Any = None, figure_process: Any = None,
                 _tables: Mapping[str, pd.DataFrame] | None = None) -> list[Path]:
    """Write the report and the tables for a paper into ``out``.

    ``report.md``; ``report.html`` (self-contained: the figures are embedded); with
    ``figures`` the figures (:mod:`ahpstat._figures`, formats and resolution from
    ``figure_options``, the study file's ``figures:`` section); ``tables.xlsx`` (every table,
    one sheet each) and ``tables.tex`` (every table as a LaTeX booktabs ``longtable``), their
    text cells formula-neutralised (:func:`ahpstat._text.neutralize_frame`). A table of more
    than :data:`PAPER_TABLE_MAX_ROWS` rows (the multiverse's long table) is only in its CSV
    file; both files say which (:func:`paper_tables`).

    ``figure_process`` (an active :class:`~ahpstat._figures._process.FigureProcess` that was
    sent this result and folder) draws the figures in another process meanwhile: the paper
    tables and ``report.md`` are written while it draws, ``report.html`` once it is done.
    ``_tables`` (internal: :func:`ahpstat.output.fill_folder`, which wrote the CSV files from
    them): the result's tables (``res.frame_kinds``) already neutralised, trusted as such
    (default: made here).
    """
    out = Path(out)
    drawn: dict[str, Any] = {}
    title = res.study.title or f"Study {res.study.name}"
    if figures and figure_process is None:
        from ahpstat._figures import draw_all

        drawn = {f.name: f for f in draw_all(res, out, figure_options)}
    tables = _tables if _tables is not None else {
        k: neutralize_frame(res.to_frame(k)) for k in res.frame_kinds}
    paper, omitted = paper_tables(tables)
    write_xlsx(paper, out / "tables.xlsx", omitted=omitted, _neutralized=True)
    (out / "tables.tex").write_text(to_latex(paper, title=title, omitted=omitted,
                                             _neutralized=True),
                                    encoding="utf-8", newline="\n")
    if figures and figure_process is not None:
        drawn = {f.name: f for f in figure_process.built()}
    blocks = report_blocks(res, drawn)
    (out / "report.md").write_text(to_markdown(blocks), encoding="utf-8", newline="\n")
    if figures and figure_process is not None:
        figure_process.finish()
    (out / "report.html").write_text(to_html(blocks, title, images=out), encoding="utf-8",
                                     newline="\n")
    files = [out / "report.md", out / "report.html", out / "tables.xlsx", out / "tables.tex"]
    return files + [out / f for d in drawn.values() for f in d.files]
