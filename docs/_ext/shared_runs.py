"""Documentation build only: one study run shared by the executed pages that show it.

The gallery and Tutorial 3 both show the seed study run as its study file says, Bayesian
model included (about a minute on two cores, most of it the model's fit). Each page's code
calls :meth:`ahpstat.Study.run` as a reader would; :func:`install`, called from a hidden first
cell of those pages, makes ``Study.run`` remember its result for the rest of the build, so the
first page to ask computes it and the next one loads it.

The memory is keyed on everything the run reads -- the bytes of every file in the study
file's folder (the study file and its inputs), the arguments of ``run`` and ahpstat's version
-- and lives in the folder named by the environment variable ``AHPSTAT_DOCS_SHARED_RUNS``,
which ``conf.py`` sets and empties when a build starts: nothing is carried from one build to
the next, so every build computes the run once and an example cannot go stale. Outside a
documentation build (the variable unset) :func:`install` does nothing.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

ENV = "AHPSTAT_DOCS_SHARED_RUNS"

__all__ = ["ENV", "install", "run_key"]


def run_key(study: Any, kwargs: dict[str, Any]) -> str:
    """A digest of the study's folder (every file's name and bytes), the arguments of
    ``run`` and ahpstat's version.

    Examples
    --------
    >>> import tempfile
    >>> import ahpstat as ah
    >>> from ahpstat.datasets import write_example_study
    >>> st = ah.Study.from_yaml(write_example_study(tempfile.mkdtemp()))
    >>> run_key(st, {}) == run_key(st, {}) != run_key(st, {"bayes": False})
    True
    """
    import ahpstat

    h = hashlib.sha256(f"ahpstat {ahpstat.__version__}\n{sorted(kwargs.items())!r}\n".encode())
    folder = Path(study.source).resolve().parent
    for p in sorted(folder.iterdir()):
        if p.is_file():
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def install() -> None:
    """Make ``ahpstat.Study.run`` remember its results for the rest of this build."""
    folder = os.environ.get(ENV)
    if not folder:
        return
    from ahpstat.study import Study

    if getattr(Study.run, "_shared", False):
        return
    run = Study.run

    @functools.wraps(run)
    def shared(self: Any, **kwargs: Any) -> Any:
        if self.source is None or kwargs.get("progress") is not None:
            return run(self, **kwargs)
        path = Path(folder) / f"{run_key(self, kwargs)}.pickle"
        if path.exists():
            with path.open("rb") as f:
                return pickle.load(f)
        res = run(self, **kwargs)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with tmp.open("wb") as f:
            pickle.dump(res, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        return res

    shared._shared = True  # type: ignore[attr-defined]
    Study.run = shared  # type: ignore[method-assign]
