"""Sphinx configuration of the ahpstat documentation (``make docs``).

Tutorials are MyST-NB pages executed at every build (``nb_execution_mode = "force"``): an
example that stops working fails the build, and ``make docs`` treats warnings as errors.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from pathlib import Path

import ahpstat
import ahpstat.alternatives
import ahpstat.bayes
import ahpstat.bootstrap
import ahpstat.compare
import ahpstat.evaluation
import ahpstat.hierarchy
import ahpstat.multiverse
import ahpstat.panel
import ahpstat.sensitivity
import ahpstat.simulate
import ahpstat.study

# The packages below define their public
# classes in private modules (``ahpstat.bootstrap._result`` ...). For the API reference only, each class carries its
# package's name, so it has one canonical name and is not described twice (the flat namespace
# and the package page). Done here, not in the package: pytest collects a class's doctests
# from the module named by ``__module__``.
for _pkg in (ahpstat.bootstrap, ahpstat.study, ahpstat.evaluation, ahpstat.alternatives,
             ahpstat.multiverse, ahpstat.bayes, ahpstat.hierarchy, ahpstat.compare,
             ahpstat.simulate, ahpstat.sensitivity, ahpstat.panel):
    for _name in _pkg.__all__:
        _obj = getattr(_pkg, _name)
        if isinstance(_obj, type):
            _obj.__module__ = _pkg.__name__

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
# executed pages: figures drawn off-screen, no numba cache outside the repository
os.environ.setdefault("MPLBACKEND", "Agg")
# executed pages import docs/_ext too (shared_runs: the seed study's run, Bayesian model
# included, is computed once per build and shared by the gallery and Tutorial 3); its memory
# is emptied here, at the start of every build, so no result outlives the build
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(HERE / "_ext"), *filter(None, [os.environ.get("PYTHONPATH")])])
_SHARED_RUNS = HERE / "_build" / "shared_runs"
shutil.rmtree(_SHARED_RUNS, ignore_errors=True)
os.environ["AHPSTAT_DOCS_SHARED_RUNS"] = str(_SHARED_RUNS)
# numpydoc reports a docstring section it does not know (its list is fixed: Parameters,
# Returns, Attributes, Notes, ...) with Python's warnings, which `sphinx -W` does not see:
# make them errors, so the build stops at such a docstring
warnings.filterwarnings("error", category=UserWarning,
                        message=r"(Unknown section|potentially wrong underline length)")

project = "ahpstat"
author = "the ahpstat developers"
copyright = "2026, the ahpstat developers"  # noqa: A001 - Sphinx's name
version = release = ahpstat.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinxcontrib.bibtex",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "_generated", "**.ipynb_checkpoints", "README.md"]
root_doc = "index"

# --- MyST / MyST-NB: notebooks in Markdown, executed at build time
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

# --- API reference
autosummary_generate = True
templates_path = ["_templates"]  # autosummary/class.rst: no attribute table
autosummary_imported_members = True
# a module's page lists its `__all__` (its public names), not its imports or the helpers it
# shares with the package's other modules
autosummary_ignore_module_all = False
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- bibliography
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "alpha"
bibtex_reference_style = "author_year"

intersphinx_mapping = {}

# --- HTML
html_theme = "pydata_sphinx_theme"
html_title = f"ahpstat {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False



# --- the API reference lists exactly what the package exports (no hand-kept copy):
# api/index.rst is written here, before Sphinx looks for sources; autosummary then writes a
# page per name into api/ (the whole folder is generated and ignored by git).
def _write_api_index() -> None:
    import types

    names = sorted((n for n in ahpstat.__all__ if not n.startswith("_") and n.upper() != n
                    and not isinstance(getattr(ahpstat, n), types.ModuleType)), key=str.lower)
    constants = [n for n in ahpstat.__all__ if n.upper() == n and not n.startswith("_")]
    modules = sorted({*ahpstat._SUBMODULES, "pairwise", "scales"})
    lines = [
        "API reference", "=============", "",
        "Generated from the docstrings (numpydoc) at every build, from ``ahpstat.__all__`` and",
        "the public submodules, so it lists exactly what the package exports.",
        "``import ahpstat as ah`` gives the flat namespace; the submodules hold the rest. The",
        "numpy core (``weights``, ``consistency``, ``complete``, ``aggregate``, ...) takes plain",
        "arrays batched over leading axes (``(..., n, n)`` matrices, ``NaN`` = a missing",
        "judgment); the study layer takes files and returns tidy DataFrames.", "",
        "Submodules", "----------", "", ".. autosummary::", "   :toctree: generated", "",
        *(f"   ahpstat.{m}" for m in modules), "",
        "The ``ahpstat`` namespace", "-------------------------", "",
        ".. currentmodule:: ahpstat", "",
        ".. autosummary::", "   :toctree: generated", "   :nosignatures:", "",
        *(f"   {n}" for n in names), "",
        "Constants: " + ", ".join(f"``ahpstat.{n}``" for n in constants) + ".", "",
    ]
    text = "\n".join(lines)
    path = HERE / "api" / "index.rst"
    path.parent.mkdir(exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


_write_api_index()

# --- the study-file reference (study_file.md includes it): generated from the schema that
# validates the study file, so it lists exactly the keys this version reads
# (and the hierarchy file's, from ahpstat.hierarchy.HIERARCHY_KEYS, which its reader accepts)
from study_reference import (  # noqa: E402 - docs/_ext is on sys.path above
    write_hierarchy_reference,
    write_reference,
)

write_reference(HERE / "_generated" / "study_file_reference.md")
write_hierarchy_reference(HERE / "_generated" / "hierarchy_file_reference.md")


def setup(app):  # Sphinx calls it: a hook of conf.py
    # the shared runs are for this build only (hundreds of MB): removed when it ends
    app.connect("build-finished",
                lambda app, exc: shutil.rmtree(_SHARED_RUNS, ignore_errors=True))
