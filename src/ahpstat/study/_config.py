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
from ahpstat._validation import InputError
from ahpstat.panel import PanelOptions
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

__all__ = ["JudgmentsSource", "Study", "StudyInputs", "SurveySource", "non_null"]


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

    def reader_options(self) -> dict[str, Any]:
        """The layout's keywords of :func:`ahpstat.io.read_judgments` (those given)."""
        return non_null(sheet=self.sheet, encoding=self.encoding, node=self.node,
                        id_column=self.id_column)


@dataclass(frozen=True)
class SurveySource:
    """Where the survey is and how to read it."""

    path: Path
    id_column: str = "respondent"
    group_columns: tuple[str, ...] = ()
    likert: tuple[int, int] = (1, 5)
    missing: str = "available_case"
    sheet: str | None = None


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

    # ------------------------------------------------------------------ construction

    @staticmethod
    def from_ahp_file(path: str | os.PathLike, **options: Any) -> DecisionStudy:
        """A decision study from an R ahp ``.ahp`` file (``ahpstat run car.ahp``).

        ``options`` are :class:`ahpstat.alternatives.EvaluationOptions` fields (default: R
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
            file and the key.

        Examples
        --------
        >>> Study.from_yaml("no/such/study.yaml")
        Traceback (most recent call last):
        ...
        ahpstat._validation.InputError: no/such/study.yaml: the study file does not exist.
        """
        from ahpstat._yaml import load_yaml, locate

        p = Path(path)
        data, lines = load_yaml(path, what="study file")
        try:
            return cls.from_dict(data, base=p.parent, source=p)
        except InputError as exc:
            raise locate(exc, lines) from None

    @classmethod
    def from_dict(cls, data: Any, *, base: str | os.PathLike = ".",
                  source: str | os.PathLike | None = None) -> Study:
        """Validate a study mapping (every section against :data:`STUDY_SCHEMA`).

        Relative paths are resolved against ``base``.

        Examples
        --------
        >>> st = Study.from_dict({"hierarchy": "h.yaml", "judgments": "j.csv",
        ...                       "survey": {"path": "s.csv", "likert": [1, 7]}})
        >>> st.survey.likert, st.panel.weighting
        ((1, 7), 'eigenvector')
        """
        f = str(source) if source is not None else None
        base = Path(base)
        if not isinstance(data, Mapping):
            raise InputError("the study file must be a mapping of keys (hierarchy, judgments, "
                             f"survey, ...). Got {type(data).__name__} instead.", file=f)
        for key in ("hierarchy", "judgments", "survey"):
            if data.get(key) is None:
                raise InputError(f"the key `{key}` is required.", file=f)
        top = parse_section(STUDY_SCHEMA[""], data, f)

        def path(p: str) -> Path:
            return Path(p) if Path(p).is_absolute() else base / p

        j = parse_section(STUDY_SCHEMA["judgments"], top["judgments"], f)
        needs = j["layout"] in ("wide", "ahpsurvey")
        if needs and j["encoding"] is None:
            raise InputError(f"`judgments.encoding` is required with layout {j['layout']!r} "
                             "(it is declared, never guessed): signed, signed_left_negative "
                             "(ahpsurvey's negconvert = TRUE) or ratio. Got none instead.",
                             file=f)
        for key in ("encoding", "node", "id_column"):
            ok = needs if key != "id_column" else j["layout"] == "ahpsurvey"
            if j[key] is not None and not ok:
                raise InputError(f"`judgments.{key}` does not apply to layout "
                                 f"{j['layout']!r}. Got {key}: {j[key]!r} instead.", file=f)
        judgments = JudgmentsSource(path=path(j["path"]), layout=j["layout"], sheet=j["sheet"],
                                    scale=j["scale"], encoding=j["encoding"], node=j["node"],
                                    id_column=j["id_column"])
        ew_path = ew_sheet = None
        if top["expert_weights"] is not None:
            e = parse_section(STUDY_SCHEMA["expert_weights"], top["expert_weights"], f)
            ew_path, ew_sheet = path(e["path"]), e["sheet"]
        s = parse_section(STUDY_SCHEMA["survey"], top["survey"], f)
        survey = SurveySource(path=path(s["path"]), id_column=s["id_column"],
                              group_columns=tuple(s["group_columns"]), likert=s["likert"],
                              missing=s["missing"], sheet=s["sheet"])
        w = parse_section(STUDY_SCHEMA["weighting"], top["weighting"], f)
        c = parse_section(STUDY_SCHEMA["consistency"], top["consistency"], f)
        panel = PanelOptions(weighting=w["method"], aggregation=w["aggregation"],
                             aip_mean=w["aip_mean"], index=c["index"],
                             random_index=c["random_index"], threshold=c["threshold"],
                             policy=c["policy"], repair_on_scale=c["repair_on_scale"])
        boot = None
        if top["bootstrap"] is not None:
            boot = _bootstrap_section(top["bootstrap"], survey.group_columns, f)
        bayes = None
        if top["bayes"] is not None:
            bayes = _bayes_section(top["bayes"], f)
        figures = figure_options(top["figures"], file=f)
        sens = None
        if top["sensitivity"] is not None:
            from ahpstat.sensitivity import sensitivity_settings

            sens = sensitivity_settings(top["sensitivity"], groups=survey.group_columns, file=f)
        name = top["name"] or (Path(source).parent.name if source is not None else "study")
        return cls(
            hierarchy=path(top["hierarchy"]), judgments=judgments, survey=survey, panel=panel,
            expert_weights=ew_path, expert_weights_sheet=ew_sheet, seed=top["seed"],
            bootstrap=boot, bayes=bayes, sensitivity=sens, name=str(name),
            title=top["title"], source=Path(source) if source else None, figures=figures,
        )

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
                          "scale": self.judgments.scale},
            "survey": {"id_column": self.survey.id_column,
                       "group_columns": list(self.survey.group_columns),
                       "likert": list(self.survey.likert), "missing": self.survey.missing,
                       "sheet": self.survey.sheet},
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
        }

    def load(self) -> StudyInputs:
        """Read and validate every input file (first error raised)."""
        from ahpstat.study._assemble import load_inputs

        return load_inputs(self)

    def run(self, *, rng: int | np.random.Generator | None = None, bootstrap: bool | None = None,
            bayes: bool | None = None, sensitivity: bool | None = None,
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
                         sensitivity=sensitivity, progress=progress)

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


def non_null(**kw: Any) -> dict[str, Any]:
    """The keyword arguments that are not ``None`` (to pass on only the options given)."""
    return {k: v for k, v in kw.items() if v is not None}


def _bootstrap_section(sec: Any, groups: tuple[str, ...], f: str | None) -> dict[str, Any]:
    """The ``bootstrap:`` section; its group columns must be the survey's."""
    o = parse_section(STUDY_SCHEMA["bootstrap"], sec, f)
    for key in ("cluster", "group"):
        v = o[key]
        if v is not None and v not in groups:
            raise InputError(f"`bootstrap.{key}` must be one of the survey's group columns "
                             f"(`survey.group_columns`: {list(groups)}) or null. Got {v!r} "
                             "instead.", file=f)
    return o


def _bayes_section(sec: Any, f: str | None) -> dict[str, Any]:
    """The ``bayes:`` section; its priors are checked by the model."""
    o = parse_section(STUDY_SCHEMA["bayes"], sec, f)
    from ahpstat.bayes import BayesianAHP

    allowed = tuple(k for k in BayesianAHP.default_model_config if k != "nu")
    pri = o["priors"]
    for key in pri:
        if key not in allowed:
            known = ", ".join(f"`bayes.priors.{k}`" for k in allowed)
            raise InputError(f"unknown key `bayes.priors.{key}`; the keys here are {known}. "
                             f"Got `bayes.priors.{key}` instead.", file=f)
    try:
        BayesianAHP(pd.DataFrame(), {},
                    model_config={**pri, "nu": o["nu"]})._validate_model_config()
    except (TypeError, ValueError) as exc:
        raise InputError(f"`bayes.priors`: {exc}", file=f) from None
    return o
