"""The study file: reading it, validating every section against the schema, the options."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ahpstat._figures import figure_options
from ahpstat._validation import InputError, suggest
from ahpstat.panel import PanelOptions, needs_threshold
from ahpstat.study._schema import (
    BAYES_DEFAULTS,
    BOOTSTRAP_DEFAULTS,
    STUDY_SCHEMA,
    parse_section,
)

if TYPE_CHECKING:
    from ahpstat.hierarchy import Hierarchy
    from ahpstat.study._decision import DecisionStudy
    from ahpstat.study._result import StudyResult

__all__ = ["JudgmentsSource", "Study", "StudyInputs", "SurveySource", "non_null", "parse_study",
           "study_file_problems"]


@dataclass(frozen=True)
class JudgmentsSource:
    """Where the expert judgments are and how they are laid out."""

    path: Path
    layout: str = "long"
    sheet: str | None = None
    scale: str | None = "saaty"
    encoding: str | None = None
    node: str | None = None
    id_column: str | None = None
    delimiter: str | None = None
    decimal: str | None = None

    def reader_options(self) -> dict[str, Any]:
        """The layout's keywords of :func:`ahpstat.io.read_judgments` (those given)."""
        return non_null(sheet=self.sheet, encoding=self.encoding, node=self.node,
                        id_column=self.id_column, delimiter=self.delimiter,
                        decimal=self.decimal)


@dataclass(frozen=True)
class SurveySource:
    """Where the survey is and how to read it."""

    path: Path
    id_column: str = "respondent"
    group_columns: tuple[str, ...] = ()
    likert: tuple[int, int] = (1, 5)
    missing: str = "available_case"
    sheet: str | None = None
    delimiter: str | None = None
    decimal: str | None = None

    def reader_options(self) -> dict[str, Any]:
        """The keywords of :func:`ahpstat.io.read_survey` besides the columns (those given)."""
        return non_null(sheet=self.sheet, delimiter=self.delimiter, decimal=self.decimal)


@dataclass(frozen=True)
class StudyInputs:
    """The validated inputs of a study."""

    hierarchy: Hierarchy
    judgments: pd.DataFrame
    stacks: dict[str, tuple[tuple[str, ...], np.ndarray]]
    expert_weights: pd.Series | None
    survey: pd.DataFrame
    items: tuple[str, ...]


@dataclass(frozen=True)
class Study:
    """A study: the input files and every option, validated (frozen).

    Build it with :meth:`from_yaml` (or :meth:`from_dict`); run it with :meth:`run`.

    Attributes
    ----------
    source : Path or None
        The study file.
    hierarchy : Path
    judgments : JudgmentsSource
    survey : SurveySource
    expert_weights : Path or None
    panel : PanelOptions
        Weighting method, aggregation rule, consistency index, threshold and policy.
    seed : int or None
    bootstrap, bayes, sensitivity : mapping or None
        Settings of the optional uncertainty sections, every default filled in.
    name, title : str
    """

    hierarchy: Path
    judgments: JudgmentsSource
    survey: SurveySource
    panel: PanelOptions = field(default_factory=PanelOptions)
    expert_weights: Path | None = None
    expert_weights_sheet: str | None = None
    seed: int | None = None
    bootstrap: Mapping[str, Any] | None = None
    bayes: Mapping[str, Any] | None = None
    sensitivity: Mapping[str, Any] | None = None
    name: str = "study"
    title: str = ""
    source: Path | None = None
    figures: Any = None  # ahpstat._figures.FigureOptions (the `figures:` section)
    #: :class:`ahpstat.evaluation.EvaluationOptions` of the `objective_weights:`,
    #: `combination:`, `fce:`, `topsis:` and `gra:` sections (None: none present)
    evaluation: Any = None
    evaluation_sections: Mapping[str, Any] | None = None

    # ------------------------------------------------------------------ construction

    @staticmethod
    def from_ahp_file(path: str | os.PathLike, **options: Any) -> DecisionStudy:
        """A decision study from an R ahp ``.ahp`` file (``ahpstat run car.ahp``).

        ``options`` are :class:`ahpstat.alternatives.DecisionOptions` fields (default: R
        ahp's ``Calculate``). Returns a :class:`~ahpstat.study.DecisionStudy`, whose ``run()``
        gives the priorities and the ``Analyze`` tables R ahp prints (``docs/formats.md``).
        """
        from ahpstat.study._decision import DecisionStudy

        return DecisionStudy.from_ahp_file(path, **options)

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> Study:
        """Read and validate a study file.

        Raises
        ------
        InputError
            A missing file, invalid YAML, or any problem of :meth:`from_dict`, naming the
            file, the line and the key (the first problem; :func:`study_file_problems` and
            ``ahpstat check`` list them all).

        Examples
        --------
        >>> Study.from_yaml("no/such/study.yaml")
        Traceback (most recent call last):
        ...
        ahpstat._validation.InputError: no/such/study.yaml: the study file does not exist.
        """
        study, problems, _ = study_file_problems(path)
        if problems:
            raise problems[0]
        assert study is not None
        return study

    @classmethod
    def from_dict(cls, data: Any, *, base: str | os.PathLike = ".",
                  source: str | os.PathLike | None = None) -> Study:
        """Validate a study mapping (every section against :data:`STUDY_SCHEMA`).

        Relative paths are resolved against ``base``. The first problem is raised
        (:func:`parse_study` collects them all).

        Examples
        --------
        >>> st = Study.from_dict({"hierarchy": "h.yaml", "judgments": "j.csv",
        ...                       "survey": {"path": "s.csv", "likert": [1, 7]}})
        >>> st.survey.likert, st.panel.weighting
        ((1, 7), 'eigenvector')
        """
        problems: list[InputError] = []
        study = parse_study(data, base=base, source=source, problems=problems)
        if problems:
            raise problems[0]
        assert study is not None
        return study

    # ------------------------------------------------------------------ running

    def input_files(self) -> dict[str, Path]:
        """The input files by role (study, hierarchy, judgments, expert_weights, survey)."""
        files = {}
        if self.source is not None:
            files["study"] = self.source
        files["hierarchy"] = self.hierarchy
        files["judgments"] = self.judgments.path
        if self.expert_weights is not None:
            files["expert_weights"] = self.expert_weights
        files["survey"] = self.survey.path
        return files

    def options(self) -> dict[str, Any]:
        """Every option, as plain data (for provenance and the report)."""
        return {
            "name": self.name,
            "title": self.title,
            "judgments": {"layout": self.judgments.layout, "sheet": self.judgments.sheet,
                          "scale": self.judgments.scale,
                          **non_null(delimiter=self.judgments.delimiter,
                                     decimal=self.judgments.decimal)},
            "survey": {"id_column": self.survey.id_column,
                       "group_columns": list(self.survey.group_columns),
                       "likert": list(self.survey.likert), "missing": self.survey.missing,
                       "sheet": self.survey.sheet,
                       **non_null(delimiter=self.survey.delimiter,
                                  decimal=self.survey.decimal)},
            "weighting": {"method": self.panel.weighting,
                          "aggregation": self.panel.aggregation,
                          "aip_mean": self.panel.aip_mean},
            "consistency": {"index": self.panel.index,
                            "random_index": self.panel.random_index,
                            "threshold": self.panel.threshold,
                            "policy": self.panel.policy,
                            "repair_on_scale": self.panel.repair_on_scale},
            "seed": self.seed,
            "bootstrap": self.bootstrap,
            "bayes": self.bayes,
            "figures": None if self.figures is None else asdict(self.figures),
            "sensitivity": self.sensitivity,
            **dict(self.evaluation_sections or {}),
        }

    def load(self) -> StudyInputs:
        """Read and validate every input file (first error raised)."""
        from ahpstat.study._assemble import load_inputs

        return load_inputs(self)

    def run(self, *, rng: int | np.random.Generator | None = None, bootstrap: bool | None = None,
            bayes: bool | None = None, sensitivity: bool | None = None,
            evaluation: bool | None = None,
            progress: Callable[[int, int], None] | None = None) -> StudyResult:
        """Run the study: panel weights at every node, consistency, scores, reliability, and
        the ``bootstrap:``, ``bayes:`` and ``sensitivity:`` sections when present and
        enabled.

        Parameters
        ----------
        rng : None, int or numpy.random.Generator
            Seed of the random parts (bootstrap, Bayes); default: the study's ``seed``. The
            classic pipeline itself is deterministic. The bootstrap and the Bayesian fit draw
            from two independent streams spawned from it. With neither, fresh entropy is
            drawn and recorded (``run_info["entropy"]``, in the provenance), so the run can
            be repeated with ``rng=<that entropy>``.
        bootstrap, bayes, sensitivity : bool or None
            Run (True) or skip (False) that section whatever the file says; ``None``: as the
            file says. ``True`` without the section runs it with the defaults
            (:data:`BOOTSTRAP_DEFAULTS`, :data:`BAYES_DEFAULTS`,
            :func:`ahpstat.sensitivity.sensitivity_settings`).
        evaluation : bool or None
            Run (True) or skip (False) the objective weights, fuzzy evaluation, TOPSIS and
            GRA of the ``objective_weights:``, ``combination:``, ``fce:``, ``topsis:`` and
            ``gra:`` sections; ``None``: as the file says. ``True`` without any of them runs
            :class:`ahpstat.evaluation.EvaluationOptions`'s defaults.
        progress : callable, optional
            ``progress(done, total)`` during the bootstrap and the sensitivity analyses (for a
            progress bar).

        Returns
        -------
        StudyResult

        Examples
        --------
        >>> import tempfile
        >>> from ahpstat.datasets import write_example_study
        >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
        >>> round(float(res.scores.score.iloc[0]), 4)
        3.0446
        """
        from ahpstat.study._assemble import run_study

        return run_study(self, rng=rng, bootstrap=bootstrap, bayes=bayes,
                         sensitivity=sensitivity, evaluation=evaluation, progress=progress)

    def evaluation_options(self, enabled: bool | None = None) -> Any:
        """The evaluation a run computes (``None``: none); see :meth:`run`.

        Examples
        --------
        >>> import tempfile
        >>> from ahpstat.datasets import write_example_study
        >>> st = Study.from_yaml(write_example_study(tempfile.mkdtemp()))
        >>> st.evaluation_options() is None, st.evaluation_options(True).objective
        (True, ('entropy', 'critic'))
        """
        if enabled is None:
            return self.evaluation
        if not enabled:
            return None
        if self.evaluation is not None:
            return self.evaluation
        from ahpstat.evaluation import EvaluationOptions

        return EvaluationOptions()

    def bootstrap_options(self, enabled: bool | None = None) -> dict[str, Any] | None:
        """The bootstrap settings a run uses (``None``: no bootstrap); see :meth:`run`."""
        o = self.bootstrap if self.bootstrap is not None else {**BOOTSTRAP_DEFAULTS,
                                                                "enabled": False}
        on = o["enabled"] if enabled is None else bool(enabled)
        return {**o, "enabled": True} if on else None

    def sensitivity_options(self, enabled: bool | None = None) -> dict[str, Any] | None:
        """The sensitivity settings a run uses (``None``: none); see :meth:`run`."""
        from ahpstat.sensitivity import sensitivity_settings

        o = self.sensitivity if self.sensitivity is not None else {
            **sensitivity_settings({}, groups=self.survey.group_columns), "enabled": False}
        on = o["enabled"] if enabled is None else bool(enabled)
        return {**o, "enabled": True} if on else None

    def bayes_options(self, enabled: bool | None = None) -> dict[str, Any] | None:
        """The Bayesian settings a run uses (``None``: no Bayesian fit); see :meth:`run`."""
        o = self.bayes if self.bayes is not None else {**BAYES_DEFAULTS, "enabled": False}
        on = o["enabled"] if enabled is None else bool(enabled)
        return {**o, "enabled": True} if on else None


def study_file_problems(
    path: str | os.PathLike,
) -> tuple[Study | None, list[InputError], dict[str, Path]]:
    """Every problem of a study file at once, each located (file, line, key).

    Returns
    -------
    study : Study or None
        The study when the file has no problem.
    problems : list of InputError
        Unreadable or invalid YAML (which stops the parse), else every unknown key (with a
        "did you mean"), wrong type and bad value of every section.
    files : dict role -> Path
        The input files the file names, as far as their keys are valid (for ``check`` to
        say which are missing even when other keys are wrong).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "study.yaml"
    >>> _ = p.write_text("hierarchy: h.yaml\\njudgments: j.csv\\nsurvy: s.csv\\n"
    ...                  "weighting: {metod: llsm}\\nseed: -1\\n")
    >>> for e in study_file_problems(p)[1]:
    ...     print(e.location.line, e.reason.split(";")[0].split(". Got")[0])
    3 unknown key `survy`
    4 unknown key `weighting.metod`
    5 `seed` must be a non-negative integer
    None the key `survey` is required.
    >>> "Did you mean 'survey'?" in str(study_file_problems(p)[1][0])
    True
    """
    from ahpstat._yaml import load_yaml, locate

    p = Path(path)
    try:
        data, lines = load_yaml(path, what="study file")
    except InputError as exc:
        return None, [exc], {}
    problems: list[InputError] = []
    files: dict[str, Path] = {}
    study = parse_study(data, base=p.parent, source=p, problems=problems, files=files)
    located = [locate(e, lines) for e in problems]
    located.sort(key=lambda e: e.location.line if e.location.line is not None else 1 << 30)
    return study, located, files


def parse_study(data: Any, *, base: str | os.PathLike = ".",
                source: str | os.PathLike | None = None,
                problems: list[InputError], files: dict[str, Path] | None = None,
                ) -> Study | None:
    """Validate a study mapping, appending every problem to ``problems`` (none raised);
    the :class:`Study` when there is none. ``files`` receives the input paths whose keys
    are valid.

    Examples
    --------
    >>> found = []
    >>> parse_study({"hierarchy": "h.yaml", "judgments": 3, "survey": "s.csv",
    ...              "seed": "x"}, problems=found) is None
    True
    >>> [e.reason[:30] for e in found]
    ['`seed` must be a non-negative ', '`judgments` must be a mapping ']
    """
    f = str(source) if source is not None else None
    base = Path(base)
    files = {} if files is None else files
    n_before = len(problems)

    def fail(exc: InputError) -> None:
        problems.append(exc)

    if not isinstance(data, Mapping):
        fail(InputError("the study file must be a mapping of keys (hierarchy, judgments, "
                        f"survey, ...). Got {type(data).__name__} instead.", file=f))
        return None
    required = ("hierarchy", "judgments", "survey")  # null = left out
    top = parse_section(STUDY_SCHEMA[""], {k: v for k, v in data.items()
                                           if not (k in required and v is None)}, f, problems)

    def path(p: Any) -> Path | None:
        if p is None:
            return None
        return Path(p) if Path(p).is_absolute() else base / p

    hierarchy = path(top["hierarchy"])
    if hierarchy is not None:
        files["hierarchy"] = hierarchy
    judgments = None
    if top["judgments"] is not None:
        judgments = _judgments_section(top["judgments"], path, f, problems)
        if judgments is not None:
            files["judgments"] = judgments.path
    ew_path = ew_sheet = None
    if top["expert_weights"] is not None:
        e = parse_section(STUDY_SCHEMA["expert_weights"], top["expert_weights"], f, problems)
        ew_path, ew_sheet = path(e["path"]), e["sheet"]
        if ew_path is not None:
            files["expert_weights"] = ew_path
    survey = None
    groups: tuple[str, ...] = ()
    if top["survey"] is not None:
        s = parse_section(STUDY_SCHEMA["survey"], top["survey"], f, problems)
        groups = tuple(s["group_columns"])
        spath = path(s["path"])
        if spath is not None:
            files["survey"] = spath
            survey = SurveySource(path=spath, id_column=s["id_column"], group_columns=groups,
                                  likert=s["likert"], missing=s["missing"], sheet=s["sheet"],
                                  delimiter=s["delimiter"], decimal=s["decimal"])
    w = parse_section(STUDY_SCHEMA["weighting"], top["weighting"], f, problems)
    c = parse_section(STUDY_SCHEMA["consistency"], top["consistency"], f, problems)
    policy = _consistency_policy(c, f, problems)
    panel = PanelOptions(weighting=w["method"], aggregation=w["aggregation"],
                         aip_mean=w["aip_mean"], index=c["index"],
                         random_index=c["random_index"], threshold=c["threshold"],
                         policy=policy, repair_on_scale=c["repair_on_scale"])
    boot, bayes, figures, sens = _optional_sections(top, groups, f, problems)
    evaluation = ev_sections = None
    if survey is not None:
        from ahpstat.study._evaluation import evaluation_options

        try:
            evaluation, ev_sections = evaluation_options(top, survey.likert, groups, f)
        except InputError as exc:
            problems.append(exc)
    if len(problems) > n_before or hierarchy is None or judgments is None or survey is None:
        return None
    name = top["name"] or (Path(source).parent.name if source is not None else "study")
    return Study(
        hierarchy=hierarchy, judgments=judgments, survey=survey, panel=panel,
        expert_weights=ew_path, expert_weights_sheet=ew_sheet, seed=top["seed"],
        bootstrap=boot, bayes=bayes, sensitivity=sens, name=str(name),
        title=top["title"], source=Path(source) if source else None, figures=figures,
        evaluation=evaluation, evaluation_sections=ev_sections or None,
    )


def _consistency_policy(c: Mapping[str, Any], f: str | None,
                        problems: list[InputError]) -> str:
    """The consistency section's policy; a policy acting on Koczkodaj's index needs a
    threshold (it has no default), else a problem is recorded (and ``"keep"`` returned: the
    study is not built).
    """
    if needs_threshold(c["index"], c["threshold"], c["policy"]):
        problems.append(InputError(
            "`consistency.threshold` is required with index koczkodaj and policy "
            f"{c['policy']!r}: Koczkodaj's index has no default threshold (Koczkodaj's own "
            "1/3 ignores the matrix order). Got none instead.", file=f))
        return "keep"
    return str(c["policy"])


def non_null(**kw: Any) -> dict[str, Any]:
    """The keyword arguments that are not ``None`` (to pass on only the options given)."""
    return {k: v for k, v in kw.items() if v is not None}


def _optional_sections(top: Mapping[str, Any], groups: tuple[str, ...], f: str | None,
                       problems: list[InputError]) -> tuple[Any, Any, Any, Any]:
    """The ``bootstrap:``, ``bayes:``, ``figures:`` and ``sensitivity:`` sections."""
    boot = bayes = figures = sens = None
    if top["bootstrap"] is not None:
        boot = _bootstrap_section(top["bootstrap"], groups, f, problems)
    if top["bayes"] is not None:
        bayes = _bayes_section(top["bayes"], f, problems)
    try:
        figures = figure_options(top["figures"], file=f)
    except InputError as exc:
        problems.append(exc)
    if top["sensitivity"] is not None:
        from ahpstat.sensitivity import sensitivity_settings

        try:
            sens = sensitivity_settings(top["sensitivity"], groups=groups, file=f)
        except InputError as exc:
            problems.append(exc)
    return boot, bayes, figures, sens


def _judgments_section(sec: Any, path: Callable[[Any], Path | None], f: str | None,
                       problems: list[InputError]) -> JudgmentsSource | None:
    """The ``judgments:`` section; the layout's own keys."""
    j = parse_section(STUDY_SCHEMA["judgments"], sec, f, problems)
    needs = j["layout"] in ("wide", "ahpsurvey")
    if needs and j["encoding"] is None:
        problems.append(InputError(
            f"`judgments.encoding` is required with layout {j['layout']!r} (it is declared, "
            "never guessed): signed, signed_left_negative (ahpsurvey's negconvert = TRUE) or "
            "ratio. Got none instead.", file=f))
    for key in ("encoding", "node", "id_column"):
        ok = needs if key != "id_column" else j["layout"] == "ahpsurvey"
        if j[key] is not None and not ok:
            problems.append(InputError(f"`judgments.{key}` does not apply to layout "
                                       f"{j['layout']!r}. Got {key}: {j[key]!r} instead.",
                                       file=f))
    jpath = path(j["path"])
    if jpath is None:
        return None
    return JudgmentsSource(path=jpath, layout=j["layout"], sheet=j["sheet"], scale=j["scale"],
                           encoding=j["encoding"], node=j["node"], id_column=j["id_column"],
                           delimiter=j["delimiter"], decimal=j["decimal"])


def _bootstrap_section(sec: Any, groups: tuple[str, ...], f: str | None,
                       problems: list[InputError]) -> dict[str, Any]:
    """The ``bootstrap:`` section; its group columns must be the survey's."""
    o = parse_section(STUDY_SCHEMA["bootstrap"], sec, f, problems)
    for key in ("cluster", "group"):
        v = o[key]
        if v is not None and v not in groups:
            problems.append(InputError(
                f"`bootstrap.{key}` must be one of the survey's group columns "
                f"(`survey.group_columns`: {list(groups)}) or null. Got {v!r} instead.",
                file=f))
    return o


def _bayes_section(sec: Any, f: str | None, problems: list[InputError]) -> dict[str, Any]:
    """The ``bayes:`` section; its priors are checked by the model."""
    n_before = len(problems)
    o = parse_section(STUDY_SCHEMA["bayes"], sec, f, problems)
    if len(problems) > n_before or (not o["priors"] and o["nu"] is None):
        return o  # nothing to check against the model (whose import costs numba's)
    from ahpstat.bayes import BayesianAHP

    allowed = tuple(k for k in BayesianAHP.default_model_config if k != "nu")
    pri = o["priors"]
    for key in pri:
        if key not in allowed:
            known = ", ".join(f"`bayes.priors.{k}`" for k in allowed)
            problems.append(InputError(f"unknown key `bayes.priors.{key}`; the keys here are "
                                       f"{known}.{suggest(str(key), list(allowed))} Got "
                                       f"`bayes.priors.{key}` instead.", file=f))
            return o
    try:
        BayesianAHP(pd.DataFrame(), {},
                    model_config={**pri, "nu": o["nu"]})._validate_model_config()
    except (TypeError, ValueError) as exc:
        problems.append(InputError(f"`bayes.priors`: {exc}", file=f))
    return o
