"""The study report, Markdown and HTML, from a :class:`~ahpstat.study.StudyResult`.

A thin layer: it formats the result's tables (rounding only for display), states the
methods in words, and embeds the figures. No statistics are computed here.

The package, one concern per module: :mod:`._method` (the methods statement and the works it
cites), :mod:`._format` (formatting helpers), :mod:`._blocks` (the report's blocks in order)
with the sections :mod:`._uncertainty`, :mod:`._evaluation` and :mod:`._sensitivity`,
:mod:`._render` (Markdown and HTML), :mod:`._tables` (tables for papers: Excel and LaTeX)
and :mod:`._write` (the report's files).
"""

from __future__ import annotations

from ahpstat.report._blocks import report_blocks
from ahpstat.report._method import REFERENCES as REFERENCES
from ahpstat.report._method import cited_references as cited_references
from ahpstat.report._method import method_statement
from ahpstat.report._render import to_html as to_html
from ahpstat.report._render import to_markdown as to_markdown
from ahpstat.report._tables import (
    PAPER_TABLE_MAX_ROWS,
    latex_escape,
    paper_tables,
    to_latex,
    write_xlsx,
)
from ahpstat.report._write import write_report

__all__ = ["PAPER_TABLE_MAX_ROWS", "latex_escape", "method_statement", "paper_tables",
           "report_blocks", "to_latex", "write_report", "write_xlsx"]
