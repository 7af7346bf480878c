"""The hierarchy file (read by :class:`ahpstat.Hierarchy`)."""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "read_hierarchy",
]


def read_hierarchy(path: str | os.PathLike) -> Any:
    """Read a hierarchy YAML file (same as :meth:`ahpstat.Hierarchy.from_yaml`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "h.yaml"
    >>> _ = p.write_text("id: A\\nchildren: [{id: 科学}, {id: 参与}]\\n", encoding="utf-8")
    >>> read_hierarchy(p).leaves
    ('科学', '参与')
    """
    from ahpstat.hierarchy import Hierarchy

    return Hierarchy.from_yaml(path)
