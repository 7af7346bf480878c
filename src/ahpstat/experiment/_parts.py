"""The experiment folder on disk: its metadata file and one statistics part per task.

Output folder::

    experiment.json              the resolved experiment (seed included) and its fingerprint
    parts/c00003_b00012.parquet  statistics of task (condition 3, batch 12), written atomically

The runner writes the folder and the summary step reads it; both go through this module, the
one place that knows the folder's layout.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ahpstat._validation import InputError
from ahpstat.experiment._cells import STAT_COLUMNS
from ahpstat.experiment._spec import Experiment

__all__ = ["META", "PARTS", "done_tasks", "load_run", "part_name", "read_parts", "write_part"]

#: The experiment's metadata file and the folder of its parts, inside the output folder.
META = "experiment.json"
PARTS = "parts"


def part_name(condition: int, batch: int) -> str:
    """File stem of a task's part.

    Examples
    --------
    >>> part_name(3, 12)
    'c00003_b00012'
    """
    return f"c{condition:05d}_b{batch:05d}"


def _have_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_part(parts: Path, condition: int, batch: int, df: pd.DataFrame) -> None:
    """Write a task's statistics into ``parts`` atomically (Parquet, or CSV without pyarrow)."""
    stem = part_name(condition, batch)
    ext = ".parquet" if _have_pyarrow() else ".csv"
    tmp = parts / f".{stem}{ext}.tmp{os.getpid()}"
    if ext == ".parquet":
        df.to_parquet(tmp, engine="pyarrow", index=False)
    else:  # serial runs without the extra: exact floats in CSV
        df.to_csv(tmp, index=False, float_format="%.17g")
    os.replace(tmp, parts / f"{stem}{ext}")


def done_tasks(parts: Path) -> set[tuple[int, int]]:
    """The ``(condition, batch)`` tasks with a part in ``parts`` (empty if there is none)."""
    out = set()
    for p in parts.iterdir() if parts.is_dir() else ():
        if p.name.startswith("c") and p.suffix in (".parquet", ".csv"):
            try:
                c, b = p.stem[1:].split("_b")
                out.add((int(c), int(b)))
            except ValueError:
                continue
    return out


def read_parts(out: str | os.PathLike) -> pd.DataFrame:
    """All task statistics of an experiment folder, in (condition, batch) order.

    Examples
    --------
    >>> read_parts("no/such/folder").columns.tolist()[:3]
    ['condition', 'batch', 'method']
    """
    parts = Path(out) / PARTS
    files = sorted(p for p in parts.glob("c*") if p.suffix in (".parquet", ".csv")) \
        if parts.is_dir() else []
    frames = [pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p) for p in files]
    if not frames:
        return pd.DataFrame(columns=STAT_COLUMNS)
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values(["condition", "batch"], kind="stable", ignore_index=True)


def load_run(out: str | os.PathLike) -> tuple[Experiment, dict[str, Any]]:
    """The experiment stored in an experiment folder (and its metadata)."""
    meta = Path(out) / META
    if not meta.is_file():
        raise InputError(f"not an experiment folder (no {META}).", file=str(out))
    stored = json.loads(meta.read_text(encoding="utf-8"))
    return Experiment.from_payload(stored["experiment"]), stored
