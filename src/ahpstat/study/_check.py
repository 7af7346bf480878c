"""``ahpstat check``: every problem of a study's inputs at once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ahpstat import io
from ahpstat._validation import InputError
from ahpstat.hierarchy import Hierarchy
from ahpstat.study._assemble import check_resources, study_panel
from ahpstat.study._config import non_null, study_file_problems

__all__ = ["check_study"]


def check_study(path: str | os.PathLike) -> list[InputError]:
    """Validate every input of a study and return all problems found (empty = fine).

    The study file is checked first, all of it: every unknown key (with a "did you mean"), wrong
    type and bad value of every section, each with its line, and every input file it names that
    does not exist. Problems of the study file stop the check there (the options that say how to
    read the data may be wrong); otherwise every input file is read with
    :func:`ahpstat.io.collect_problems`, which lists every problem of a file instead of only the
    first: the hierarchy, the judgments (against the hierarchy when it is valid), the expert
    weights (against the judgments' experts when those are valid) and the survey (its item
    columns are the hierarchy's, so it is checked only when the hierarchy is valid). When every
    file is valid, the panel is aggregated once to catch problems that span files (e.g. a node
    no expert judged).

    Examples
    --------
    >>> import tempfile
    >>> from ahpstat.datasets import write_example_study
    >>> with tempfile.TemporaryDirectory() as d:
    ...     check_study(write_example_study(d))
    []
    """
    study, problems, files = study_file_problems(path)
    for role, p in files.items():
        if not Path(p).is_file():
            problems.append(InputError(f"the {role.replace('_', ' ')} file does not exist "
                                       f"(from `{role}` in the study file).", file=str(p)))
    if problems:
        return problems
    assert study is not None

    def collect(kind: str, file: Path, **options: Any) -> list[InputError]:
        try:
            found = io.collect_problems(file, kind=kind, **options)
        except InputError as exc:  # a reader that stops at a fatal problem
            found = [exc]
        problems.extend(found)
        return found

    h = None
    if not collect("hierarchy", study.hierarchy):
        h = Hierarchy.from_yaml(study.hierarchy)
    judg_ok = not collect("judgments", study.judgments.path, layout=study.judgments.layout,
                          hierarchy=h, **study.judgments.reader_options(),
                          **non_null(scale=study.judgments.scale))
    judg = None
    if judg_ok and h is not None:
        judg = io.read_judgments(study.judgments.path, layout=study.judgments.layout,
                                 hierarchy=h, **study.judgments.reader_options())
    ew_ok = True
    if study.expert_weights is not None:
        experts = sorted(set(judg["expert"])) if judg is not None else None
        ew_ok = not collect("expert_weights", study.expert_weights,
                            **non_null(sheet=study.expert_weights_sheet, experts=experts))
    if h is not None:
        collect("survey", study.survey.path, id_column=study.survey.id_column,
                items=[h.item(leaf) for leaf in h.leaves],
                group_columns=list(study.survey.group_columns), likert=study.survey.likert,
                **study.survey.reader_options())
    if not problems and judg is not None and ew_ok:
        try:
            inp = study.load()
            check_resources(study, inp)
            study_panel(study, inp)
        except InputError as exc:
            problems.append(exc)
    return problems
