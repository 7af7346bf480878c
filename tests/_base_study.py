"""A small valid study from files (``tests/data/bad/_base``), copied for a test to change."""

from __future__ import annotations

import shutil
from pathlib import Path

BASE = Path(__file__).parent / "data" / "bad" / "_base"


def copy_base_study(folder: str | Path, *, extra: str = "",
                    n_respondents: int | None = None) -> Path:
    """Copy the base study into ``folder``; append ``extra`` to its study file; repeat its
    survey's rows (new ids) up to ``n_respondents``. Returns the study file."""
    folder = Path(folder)
    shutil.copytree(BASE, folder)
    if n_respondents is not None:
        lines = (folder / "survey.csv").read_text().splitlines()
        rows = [r.split(",", 1)[1] for r in lines[1:]]
        body = [f"R{i + 1:06d},{rows[i % len(rows)]}" for i in range(n_respondents)]
        (folder / "survey.csv").write_text("\n".join([lines[0], *body]) + "\n")
    study = folder / "study.yaml"
    if extra:
        study.write_text(study.read_text() + extra)
    return study
