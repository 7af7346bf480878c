"""A whole study from one YAML file: hierarchy + judgments + survey + options -> tables.

``Study.from_yaml(path)`` reads and validates the study file up front (every key, every
choice; unknown keys are errors naming the key and the file); ``Study.run(rng=...)`` reads
the inputs, aggregates the expert panel at every node (:mod:`ahpstat.panel`), scores every
node from the survey (:mod:`ahpstat.scoring`) and returns a :class:`StudyResult` of tidy
DataFrames; ``StudyResult.write(out_dir)`` writes the CSV tables, a Markdown and an HTML
report, PNG figures and ``provenance.json``, atomically.

The study file (paths relative to it)::

    hierarchy: hierarchy.yaml
    judgments: {path: judgments.csv, layout: long}      # long | matrix | wide
    expert_weights: expert_weights.csv                  # optional
    survey:
      path: survey.csv
      id_column: respondent
      group_columns: [community]
      likert: [1, 5]
      missing: available_case                           # or listwise
    weighting: {method: eigenvector, aggregation: aij, aip_mean: geometric}
    consistency: {index: cr, random_index: saaty, threshold: 0.1, policy: keep,
                  repair_on_scale: true}
    seed: 20220101
    bootstrap: {...}                                    # optional sections, see their modules
    bayes: {...}
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import InputError
from ahpstat._versions import library_versions
from ahpstat.consistency import CONSISTENCY_INDICES
from ahpstat.io import JUDGMENT_LAYOUTS
from ahpstat.panel import AGGREGATIONS, PANEL_POLICIES, PanelOptions, PanelResult
from ahpstat.panel import run_panel as _run_panel
from ahpstat.scales import RANDOM_INDEX_TABLES, get_random_index_table
from ahpstat.scoring import composite_scores, cronbach_alpha, item_sums_counts, means_from_sums
from ahpstat.weighting import WEIGHTING_METHODS

__all__ = ["MISSING_POLICIES", "Study", "StudyResult", "check_study"]

MISSING_POLICIES = ("available_case", "listwise")
ALL_LABEL = "all"
FLOAT_FORMAT = "%.10g"

_TOP_KEYS = ("name", "title", "description", "hierarchy", "judgments", "expert_weights",
             "survey", "weighting", "consistency", "seed", "bootstrap", "bayes", "figures")
_JUDGMENT_KEYS = ("path", "layout", "sheet", "scale")
_WEIGHT_FILE_KEYS = ("path", "sheet")
_SURVEY_KEYS = ("path", "sheet", "id_column", "group_columns", "likert", "missing")
_WEIGHTING_KEYS = ("method", "aggregation", "aip_mean")
_CONSISTENCY_KEYS = ("index", "random_index", "threshold", "policy", "repair_on_scale")
_BOOTSTRAP_KEYS = ("enabled", "replicates", "resample", "cluster", "group", "method", "level")
_BAYES_KEYS = ("enabled", "draws", "tune", "chains", "cores", "sampler", "target_accept", "nu",
               "priors", "level")
#: defaults of the study file's ``bootstrap:`` section (present = enabled)
BOOTSTRAP_DEFAULTS: dict[str, Any] = {
    "enabled": True, "replicates": 2000, "resample": ["experts", "respondents"],
    "cluster": None, "group": None, "method": "percentile", "level": 0.95,
}
#: defaults of the study file's ``bayes:`` section (present = enabled)
BAYES_DEFAULTS: dict[str, Any] = {
    "enabled": True, "draws": 1000, "tune": 1000, "chains": 4, "cores": None,
    "sampler": "auto", "target_accept": 0.8, "nu": None, "priors": {}, "level": 0.95,
}


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class JudgmentsSource:
    """Where the expert judgments are and how they are laid out."""

    path: Path
    layout: str = "long"
    sheet: str | None = None
    scale: str | None = "saaty"


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
    bootstrap, bayes : mapping or None
        Settings of the optional uncertainty sections (validated by their modules).
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
    name: str = "study"
    title: str = ""
    source: Path | None = None
    figures: Any = None  # ahpstat._figures.FigureOptions (the `figures:` section)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> Study:
        """Read and validate a study file (raises :class:`~ahpstat.InputError` naming the
        file and the key).

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
        """Validate a study mapping; relative paths are resolved against ``base``."""
        f = str(source) if source is not None else None
        base = Path(base)
        if not isinstance(data, Mapping):
            raise InputError("the study file must be a mapping of keys (hierarchy, judgments, "
                             f"survey, ...). Got {type(data).__name__} instead.", file=f)
        _no_unknown(data, _TOP_KEYS, "", f)
        for key in ("hierarchy", "judgments", "survey"):
            if key not in data or data[key] is None:
                raise InputError(f"the key `{key}` is required.", file=f)

        hierarchy = _path(data["hierarchy"], "hierarchy", base, f)

        j = _section(data["judgments"], "judgments", f, path_shorthand=True)
        _no_unknown(j, _JUDGMENT_KEYS, "judgments.", f)
        judgments = JudgmentsSource(
            path=_path(j.get("path"), "judgments.path", base, f),
            layout=_choice(j.get("layout", "long"), JUDGMENT_LAYOUTS, "judgments.layout", f),
            sheet=_opt_str(j.get("sheet"), "judgments.sheet", f),
            scale=_choice(j.get("scale", "saaty"), ("saaty", None), "judgments.scale", f),
        )

        ew_path, ew_sheet = None, None
        if data.get("expert_weights") is not None:
            e = _section(data["expert_weights"], "expert_weights", f, path_shorthand=True)
            _no_unknown(e, _WEIGHT_FILE_KEYS, "expert_weights.", f)
            ew_path = _path(e.get("path"), "expert_weights.path", base, f)
            ew_sheet = _opt_str(e.get("sheet"), "expert_weights.sheet", f)

        s = _section(data["survey"], "survey", f, path_shorthand=True)
        _no_unknown(s, _SURVEY_KEYS, "survey.", f)
        groups = s.get("group_columns", [])
        if isinstance(groups, str):
            groups = [groups]
        if not isinstance(groups, Sequence) or not all(isinstance(g, str) for g in groups):
            raise InputError("`survey.group_columns` must be a list of column names. Got "
                             f"{groups!r} instead.", file=f)
        likert = s.get("likert", [1, 5])
        if (not isinstance(likert, Sequence) or len(likert) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in likert)
                or likert[0] >= likert[1]):
            raise InputError("`survey.likert` must be [lowest, highest] answer, two integers "
                             f"with lowest < highest. Got {likert!r} instead.", file=f)
        id_col = s.get("id_column", "respondent")
        if not isinstance(id_col, str) or not id_col:
            raise InputError(f"`survey.id_column` must be a column name. Got {id_col!r} "
                             "instead.", file=f)
        survey = SurveySource(
            path=_path(s.get("path"), "survey.path", base, f),
            id_column=id_col,
            group_columns=tuple(groups),
            likert=(int(likert[0]), int(likert[1])),
            missing=_choice(s.get("missing", "available_case"), MISSING_POLICIES,
                            "survey.missing", f),
            sheet=_opt_str(s.get("sheet"), "survey.sheet", f),
        )

        w = _section(data.get("weighting") or {}, "weighting", f)
        _no_unknown(w, _WEIGHTING_KEYS, "weighting.", f)
        c = _section(data.get("consistency") or {}, "consistency", f)
        _no_unknown(c, _CONSISTENCY_KEYS, "consistency.", f)
        ri = c.get("random_index", "saaty")
        if isinstance(ri, Mapping):
            try:
                get_random_index_table(ri)
            except (TypeError, ValueError) as exc:
                raise InputError(f"`consistency.random_index`: {exc}", file=f) from None
            ri = {int(k): float(v) for k, v in ri.items()}
        else:
            ri = _choice(ri, tuple(RANDOM_INDEX_TABLES), "consistency.random_index", f)
        thr = c.get("threshold", None)
        if thr is not None and (isinstance(thr, bool) or not isinstance(thr, int | float)
                                or not np.isfinite(thr) or thr <= 0):
            raise InputError("`consistency.threshold` must be a positive number (or null for "
                             f"the index's own threshold). Got {thr!r} instead.", file=f)
        ros = c.get("repair_on_scale", True)
        if not isinstance(ros, bool):
            raise InputError("`consistency.repair_on_scale` must be true or false. Got "
                             f"{ros!r} instead.", file=f)
        panel = PanelOptions(
            method=_choice(w.get("method", "eigenvector"), WEIGHTING_METHODS,
                           "weighting.method", f),
            aggregation=_choice(w.get("aggregation", "aij"), AGGREGATIONS,
                                "weighting.aggregation", f),
            aip_mean=_choice(w.get("aip_mean", "geometric"), ("geometric", "arithmetic"),
                             "weighting.aip_mean", f),
            index=_choice(c.get("index", "cr"), CONSISTENCY_INDICES, "consistency.index", f),
            random_index=ri,
            threshold=None if thr is None else float(thr),
            policy=_choice(c.get("policy", "keep"), PANEL_POLICIES, "consistency.policy", f),
            repair_on_scale=ros,
        )

        seed = data.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)
                                 or seed < 0):
            raise InputError(f"`seed` must be a non-negative integer. Got {seed!r} instead.",
                             file=f)
        extra = {}
        for key in ("bootstrap", "bayes"):
            sec = data.get(key)
            if sec is not None and not isinstance(sec, Mapping):
                raise InputError(f"`{key}` must be a mapping of settings. Got "
                                 f"{type(sec).__name__} instead.", file=f)
            extra[key] = dict(sec) if sec is not None else None
        if extra["bootstrap"] is not None:
            extra["bootstrap"] = _bootstrap_options(extra["bootstrap"], survey.group_columns, f)
        if extra["bayes"] is not None:
            extra["bayes"] = _bayes_options(extra["bayes"], f)
        from ahpstat._figures import figure_options

        figures = figure_options(data.get("figures"), file=f)
        name = data.get("name") or (Path(source).parent.name if source is not None else "study")
        return cls(
            hierarchy=hierarchy, judgments=judgments, survey=survey, panel=panel,
            expert_weights=ew_path, expert_weights_sheet=ew_sheet, seed=seed,
            bootstrap=extra["bootstrap"], bayes=extra["bayes"], name=str(name),
            title=str(data.get("title") or ""), source=Path(source) if source else None,
            figures=figures,
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
            "weighting": {"method": self.panel.method,
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
        }

    def load(self) -> StudyInputs:
        """Read and validate every input file (first error raised)."""
        from ahpstat import io
        from ahpstat.hierarchy import Hierarchy

        for role, p in self.input_files().items():
            if not Path(p).is_file():
                raise InputError(f"the {role.replace('_', ' ')} file does not exist (from "
                                 f"`{role}` in the study file).", file=str(p))
        h = Hierarchy.from_yaml(self.hierarchy)
        judg = io.read_judgments(self.judgments.path, layout=self.judgments.layout,
                                 hierarchy=h, **_opt(sheet=self.judgments.sheet,
                                                     scale=self.judgments.scale))
        stacks = io.judgment_stacks(judg, h, validate=False)  # read_judgments validated
        ew = None
        if self.expert_weights is not None:
            ew = io.read_expert_weights(self.expert_weights,
                                        **_opt(sheet=self.expert_weights_sheet))
        items = [h.item(leaf) for leaf in h.leaves]
        survey = io.read_survey(self.survey.path, id_column=self.survey.id_column,
                                group_columns=list(self.survey.group_columns), items=items,
                                likert=self.survey.likert, **_opt(sheet=self.survey.sheet))
        return StudyInputs(hierarchy=h, judgments=judg, stacks=stacks, expert_weights=ew,
                           survey=survey, items=tuple(items))

    def run(self, *, rng: Any = None, bootstrap: bool | None = None, bayes: bool | None = None,
            progress: Callable[[int, int], None] | None = None) -> StudyResult:
        """Run the study: panel weights at every node, consistency, scores, reliability, and
        the ``bootstrap:`` and ``bayes:`` sections when present and enabled.

        Parameters
        ----------
        rng : None, int or numpy.random.Generator
            Seed of the random parts (bootstrap, Bayes); default: the study's ``seed``. The
            classic pipeline itself is deterministic. The bootstrap and the Bayesian fit draw
            from two independent streams spawned from it.
        bootstrap, bayes : bool or None
            Run (True) or skip (False) that section whatever the file says; ``None``: as the
            file says. ``True`` without the section runs it with the defaults
            (:data:`BOOTSTRAP_DEFAULTS`, :data:`BAYES_DEFAULTS`).
        progress : callable, optional
            ``progress(done, total)`` during the bootstrap (for a progress bar).

        Returns
        -------
        StudyResult

        Examples
        --------
        >>> res = _example_result()
        >>> round(float(res.scores.score.iloc[0]), 4)
        3.0446
        """
        inputs = self.load()
        _check_resources(self, inputs, bootstrap)
        seed = self.seed if rng is None else rng
        res = _assemble(self, inputs, seed)
        boot_rng, bayes_rng = np.random.default_rng(seed).spawn(2)
        bo = self.bootstrap_options(bootstrap)
        if bo is not None:
            from ahpstat.bootstrap import bootstrap_study

            boot = bootstrap_study(res, n_resamples=bo["replicates"], resample=bo["resample"],
                                   cluster=bo["cluster"], group=bo["group"],
                                   method=bo["method"], confidence_level=bo["level"],
                                   rng=boot_rng, progress=progress)
            res = _attach_bootstrap(res, boot, bo)
        ba = self.bayes_options(bayes)
        if ba is not None:
            cluster = (self.bootstrap or {}).get("cluster")
            res = _attach_bayes(res, inputs, ba, bayes_rng, cluster=cluster)
        return res

    def bootstrap_options(self, enabled: bool | None = None) -> dict[str, Any] | None:
        """The bootstrap settings a run uses (``None``: no bootstrap); see :meth:`run`."""
        o = self.bootstrap if self.bootstrap is not None else {**BOOTSTRAP_DEFAULTS,
                                                                "enabled": False}
        on = o["enabled"] if enabled is None else bool(enabled)
        return {**o, "enabled": True} if on else None

    def bayes_options(self, enabled: bool | None = None) -> dict[str, Any] | None:
        """The Bayesian settings a run uses (``None``: no Bayesian fit); see :meth:`run`."""
        o = self.bayes if self.bayes is not None else {**BAYES_DEFAULTS, "enabled": False}
        on = o["enabled"] if enabled is None else bool(enabled)
        return {**o, "enabled": True} if on else None


@dataclass(frozen=True)
class StudyInputs:
    """The validated inputs of a study."""

    hierarchy: Any
    judgments: pd.DataFrame
    stacks: dict[str, tuple[tuple[str, ...], np.ndarray]]
    expert_weights: pd.Series | None
    survey: pd.DataFrame
    items: tuple[str, ...]


def _check_resources(study: Study, inp: StudyInputs, bootstrap: bool | None = None) -> None:
    """Refuse a run whose memory estimate exceeds the machine's, before it starts (``run``
    and ``check`` alike; :mod:`ahpstat._limits`)."""
    from ahpstat._limits import bootstrap_bytes, require_memory

    bo = study.bootstrap_options(bootstrap)
    if bo is None:
        return
    gcol = bo["group"] or (study.survey.group_columns[0] if study.survey.group_columns
                           else None)
    G = int(inp.survey[gcol].nunique()) if gcol is not None else 0
    N, B = len(inp.hierarchy.nodes), int(bo["replicates"])
    per = bootstrap_bytes(1, N, G)
    from ahpstat._limits import memory_budget

    fit = int(memory_budget()[0] // per)
    require_memory(bootstrap_bytes(B, N, G), what="the bootstrap",
                   detail=f"{B:,} resamples x {N} nodes x (4 + {G} groups) x 8 bytes, twice",
                   hint=f"Lower `bootstrap.replicates` (at most about {fit:,} fit; 2000 to "
                        "10000 are usual).", file=str(study.source) if study.source else None)


def _opt(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


# --------------------------------------------------------------------------- validation


def _no_unknown(section: Mapping, allowed: Sequence[str], prefix: str, f: str | None) -> None:
    for key in section:
        if key not in allowed:
            known = ", ".join(f"`{prefix}{k}`" for k in allowed)
            raise InputError(f"unknown key `{prefix}{key}`; the keys here are {known}. Got "
                             f"`{prefix}{key}` instead.", file=f)


def _section(value: Any, key: str, f: str | None, *, path_shorthand: bool = False) -> dict:
    if path_shorthand and isinstance(value, str):
        return {"path": value}
    if not isinstance(value, Mapping):
        raise InputError(f"`{key}` must be a mapping" + (" or a path" if path_shorthand else "")
                         + f". Got {type(value).__name__} instead.", file=f)
    return dict(value)


def _path(value: Any, key: str, base: Path, f: str | None) -> Path:
    if not isinstance(value, str) or not value:
        raise InputError(f"`{key}` must be a file path. Got {value!r} instead.", file=f)
    p = Path(value)
    return p if p.is_absolute() else base / p


def _choice(value: Any, choices: Sequence[Any], key: str, f: str | None) -> Any:
    if value not in choices:
        opts = ", ".join(repr(c) if c is not None else "null" for c in choices)
        raise InputError(f"`{key}` must be one of {{{opts}}}. Got {value!r} instead.", file=f)
    return value


def _bool(value: Any, key: str, f: str | None) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"`{key}` must be true or false. Got {value!r} instead.", file=f)
    return value


def _int(value: Any, key: str, f: str | None, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(f"`{key}` must be an integer >= {minimum}. Got {value!r} instead.",
                         file=f)
    return int(value)


def _level(value: Any, key: str, f: str | None) -> float:
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not 0 < float(value) < 1):
        raise InputError(f"`{key}` must be a confidence level between 0 and 1 (e.g. 0.95). "
                         f"Got {value!r} instead.", file=f)
    return float(value)


def _bootstrap_options(sec: Mapping[str, Any], groups: Sequence[str],
                       f: str | None) -> dict[str, Any]:
    """The ``bootstrap:`` section with every default filled in (see BOOTSTRAP_DEFAULTS)."""
    _no_unknown(sec, _BOOTSTRAP_KEYS, "bootstrap.", f)
    o = {**BOOTSTRAP_DEFAULTS, **sec}
    o["enabled"] = _bool(o["enabled"], "bootstrap.enabled", f)
    o["replicates"] = _int(o["replicates"], "bootstrap.replicates", f, 2)
    res = o["resample"]
    res = [res] if isinstance(res, str) else res
    if (not isinstance(res, Sequence) or not res
            or any(r not in ("experts", "respondents") for r in res)):
        raise InputError("`bootstrap.resample` must be experts, respondents or [experts, "
                         f"respondents]. Got {o['resample']!r} instead.", file=f)
    o["resample"] = sorted(set(res), key=("experts", "respondents").index)
    for key in ("cluster", "group"):
        v = o[key]
        if v is not None and v not in groups:
            raise InputError(f"`bootstrap.{key}` must be one of the survey's group columns "
                             f"(`survey.group_columns`: {list(groups)}) or null. Got {v!r} "
                             "instead.", file=f)
    m = o["method"]
    if not isinstance(m, str) or m.lower() not in ("percentile", "basic", "bca"):
        raise InputError("`bootstrap.method` must be one of {'percentile', 'basic', 'BCa'}. "
                         f"Got {m!r} instead.", file=f)
    o["method"] = m.lower()
    o["level"] = _level(o["level"], "bootstrap.level", f)
    return o


def _bayes_options(sec: Mapping[str, Any], f: str | None) -> dict[str, Any]:
    """The ``bayes:`` section with every default filled in (see BAYES_DEFAULTS)."""
    _no_unknown(sec, _BAYES_KEYS, "bayes.", f)
    o = {**BAYES_DEFAULTS, **sec}
    o["enabled"] = _bool(o["enabled"], "bayes.enabled", f)
    o["draws"] = _int(o["draws"], "bayes.draws", f, 1)
    o["tune"] = _int(o["tune"], "bayes.tune", f, 0)
    o["chains"] = _int(o["chains"], "bayes.chains", f, 1)
    if o["cores"] is not None:
        o["cores"] = _int(o["cores"], "bayes.cores", f, 1)
    o["sampler"] = _choice(o["sampler"], ("auto", "nutpie", "pymc"), "bayes.sampler", f)
    ta = o["target_accept"]
    if isinstance(ta, bool) or not isinstance(ta, int | float) or not 0 < ta < 1:
        raise InputError("`bayes.target_accept` must be a number between 0 and 1 (e.g. 0.9). "
                         f"Got {ta!r} instead.", file=f)
    nu = o["nu"]
    if nu is not None and (isinstance(nu, bool) or not isinstance(nu, int | float)
                           or not np.isfinite(nu) or nu <= 0):
        raise InputError("`bayes.nu` must be a positive number (fixed Student-t degrees of "
                         f"freedom) or null (estimated). Got {nu!r} instead.", file=f)
    o["level"] = _level(o["level"], "bayes.level", f)
    pri = o["priors"] if o["priors"] is not None else {}
    if not isinstance(pri, Mapping):
        raise InputError("`bayes.priors` must be a mapping of prior settings. Got "
                         f"{type(pri).__name__} instead.", file=f)
    from ahpstat.bayes import BayesianAHP

    allowed = tuple(k for k in BayesianAHP.default_model_config if k != "nu")
    _no_unknown(pri, allowed, "bayes.priors.", f)
    try:
        BayesianAHP(pd.DataFrame(), {}, model_config={**pri, "nu": nu})._validate_model_config()
    except (TypeError, ValueError) as exc:
        raise InputError(f"`bayes.priors`: {exc}", file=f) from None
    o["priors"] = dict(pri)
    return o


def _opt_str(value: Any, key: str, f: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise InputError(f"`{key}` must be a name. Got {value!r} instead.", file=f)
    return str(value)


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class StudyResult:
    """Everything a study computed, as tidy tables plus the arrays uncertainty methods need.

    Tables (``pandas.DataFrame``; the columns of each are fixed)
    --------------------------------------------------------------
    weights
        ``node, parent, depth, level, label, local, global, ci_low, ci_high, local_ci_low,
        local_ci_high`` (every node, pre-order); ``ci_*`` is the bootstrap interval of the
        global weight, ``local_ci_*`` of the local weight (empty without a bootstrap that
        resamples the experts).
    consistency
        ``expert, node, n, index, value, threshold, acceptable, random_index,
        random_index_value, lambda_max, completion, status, value_after`` -- every expert's
        matrix at every node (before/after the policy) and each node's aggregate matrix
        (``expert = "(aggregate)"``).
    scores
        ``node, depth, level, label, grouping, group, n_respondents, score, ci_low,
        ci_high``: every node's composite score for the whole sample (``grouping = group =
        "all"``) and per group of every grouping column. A leaf's score is its item mean.
        ``ci_*``: the bootstrap interval (empty without a bootstrap, and for grouping
        columns other than the bootstrap's ``group``).
    ranks
        ``grouping, node, group, score, rank, rank_mean, rank_ci_low, rank_ci_high``:
        groups ranked on every internal node's score (1 = highest; ties share the lowest
        rank); ``rank_*`` from the bootstrap: mean rank and the equal-tailed interval of
        the rank over the resamples.

    Tables of the uncertainty sections (in :attr:`uncertainty`, written when run)
    ---------------------------------------------------------------------------
    rank_probabilities
        ``grouping, node, group, rank, probability``: P(the group ranks ``rank``) at the
        goal and at every criterion (bootstrap).
    rank_pairwise
        ``grouping, node, a, b, probability``: P(group ``a`` scores above group ``b``) at
        the goal and every criterion (bootstrap).
    criteria_ranks
        ``by, parent, node, rank, probability``: the criteria ranked by score (whole
        sample) and by weight (bootstrap).
    variance_split
        ``grouping, group, node, var_panel, var_sample, var_joint, share_panel, split``: the
        bootstrap variance of every score due to the panel (experts resampled, item means
        fixed) and to the sample (respondents resampled, weights fixed), one source at a
        time with no interaction term (``split`` says so).
    bayes_weights
        ``node, parent, weight, mean, median, sd, ci_low, ci_high``: posterior of every
        local and global weight (:meth:`ahpstat.bayes.BayesResult.weights_table`).
    credal
        ``node, element_i, element_j, p_greater``: posterior P(w_i > w_j) per node.
    expert_inconsistency
        ``expert, sigma_mean, sigma_ci_low, sigma_ci_high, rank, influence``.
    bayes_scores
        ``node, grouping, group, mean, median, ci_low, ci_high, item_means``: posterior of
        every score from the posterior weights with the item means held fixed at the
        sample means (``item_means = "fixed"``: only the panel's uncertainty).
    bayes_diagnostics
        ``parameter, r_hat, ess_bulk, ess_tail, n_divergences, ok``.
    audit
        What the inconsistency policy did (:class:`~ahpstat.panel.PanelResult`).
    dispersion
        Panel dispersion per node.
    reliability
        ``scope, label, n_items, n_complete, alpha``: Cronbach's alpha per criterion and
        overall (listwise within the items).
    items
        ``leaf, item, label, n_answers, mean, sd``: the item means the scores use.

    Arrays and objects for the uncertainty layers
    ---------------------------------------------
    hierarchy, panel (:class:`~ahpstat.panel.PanelResult`), stacks (node -> (experts,
    (K, n, n))), experts, leaf_weights (L,) in ``hierarchy.leaves`` order, answers (R, L)
    (after the missing-answer policy), respondents, membership (N, L), group_codes
    (grouping -> (R,) int codes) and group_names (grouping -> names), and
    :meth:`resample_leaf_weights` (the panel re-run for resampled experts).
    """

    study: Study
    hierarchy: Any
    panel: PanelResult
    stacks: dict[str, tuple[tuple[str, ...], np.ndarray]]
    weights: pd.DataFrame
    consistency: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame
    audit: pd.DataFrame
    dispersion: pd.DataFrame
    reliability: pd.DataFrame
    items: pd.DataFrame
    answers: np.ndarray
    respondents: tuple[str, ...]
    membership: np.ndarray
    group_codes: dict[str, np.ndarray]
    group_names: dict[str, tuple[str, ...]]
    seed: Any
    input_hashes: dict[str, str]
    n_dropped_listwise: int = 0
    bootstrap: Any = None
    bayes: Any = None
    uncertainty: dict[str, pd.DataFrame] = field(default_factory=dict)
    run_info: dict[str, Any] = field(default_factory=dict)

    @property
    def experts(self) -> tuple[str, ...]:
        """The experts, in the order of ``resample_leaf_weights`` indices."""
        return self.panel.experts

    @property
    def leaf_weights(self) -> np.ndarray:
        """Global weights of the leaves (sum 1), ``hierarchy.leaves`` order."""
        return self.panel.leaf_weights

    def resample_leaf_weights(self, expert_index: Any) -> np.ndarray:
        """Leaf global weights of the panel re-run on experts ``expert_index`` ((k,) or
        (B, k) ints into :attr:`experts`, repeats allowed) under the study's aggregation
        rule and inconsistency policy; see :meth:`ahpstat.panel.PanelResult.resample`."""
        return self.panel.resample(expert_index)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The output tables by file stem."""
        return {"weights": self.weights, "consistency": self.consistency,
                "scores": self.scores, "ranks": self.ranks, "audit": self.audit,
                "dispersion": self.dispersion, "reliability": self.reliability,
                "items": self.items, **self.uncertainty}

    def provenance(self) -> dict[str, Any]:
        """Package version, every option, the seed and the SHA-256 of every input."""
        import ahpstat

        return {
            "package": "ahpstat",
            "version": ahpstat.__version__,
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "libraries": library_versions(self),
            "study": self.study.name,
            "options": self.study.options(),
            "seed": self.seed if isinstance(self.seed, int | None) else repr(self.seed),
            "inputs": {role: {"path": _display_path(p, self.study.source),
                              "sha256": self.input_hashes[role]}
                       for role, p in self.study.input_files().items()},
            "counts": {"experts": len(self.experts), "respondents": len(self.respondents),
                       "nodes": len(self.hierarchy.nodes), "leaves": len(self.hierarchy.leaves),
                       "listwise_dropped": self.n_dropped_listwise},
            "bootstrap": self.run_info.get("bootstrap"),
            "bayes": self.run_info.get("bayes"),
        }

    def write(self, out_dir: str | os.PathLike, *, figures: bool = True,
              force: bool = False) -> Path:
        """Write tables, report (Markdown and HTML), figures and provenance to ``out_dir``.

        Safe (:mod:`ahpstat._output`): ``out_dir`` may be a new or empty folder or one an
        earlier run wrote that holds nothing else; anything else is refused with an
        :class:`~ahpstat.InputError` (a non-empty folder ahpstat did not write, a folder that
        holds an input or the working folder, a file). ``force=True`` also replaces an
        ahpstat folder whose files were changed since it was written. Atomic: everything is
        written into a temporary folder beside ``out_dir`` that then replaces it in one
        rename; a failure leaves any previous ``out_dir`` untouched and nothing else. Tables
        use ``float_format="%.10g"``, so the same inputs and seed give byte-identical files.

        Returns
        -------
        Path
            The folder written.
        """
        from ahpstat._output import write_folder

        return write_folder(out_dir, lambda folder: self._fill_output(folder, figures=figures),
                            inputs=self.study.input_files().values(), force=force)

    def _fill_output(self, folder: Path, *, figures: bool) -> None:
        """Write every output file into the (new, empty) ``folder``."""
        for stem, df in self.tables().items():
            write_csv(df, folder / f"{stem}.csv")
        with open(folder / "provenance.json", "w", encoding="utf-8", newline="\n") as fh:
            json.dump(self.provenance(), fh, indent=2, ensure_ascii=False, sort_keys=False,
                      default=str)
            fh.write("\n")
        from ahpstat.report import write_report

        write_report(self, folder, figures=figures, figure_options=self.study.figures)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """A tidy table as CSV with deterministic float formatting; text cells a spreadsheet
    would run as formulas get a leading ``'`` (:func:`ahpstat._text.neutralize_frame`)."""
    from ahpstat._text import neutralize_frame

    neutralize_frame(df).to_csv(path, index=False, float_format=FLOAT_FORMAT,
                                lineterminator="\n")


def _display_path(p: Path, source: Path | None) -> str:
    if source is not None:
        try:
            return str(Path(os.path.relpath(p, source.parent)))
        except ValueError:
            pass
    return str(p)


# --------------------------------------------------------------------------- assembly


def _assemble(study: Study, inp: StudyInputs, seed: Any) -> StudyResult:
    h = inp.hierarchy
    panel = _run_panel(inp.stacks, h, expert_weights=inp.expert_weights, options=study.panel)
    nodes = tuple(h.nodes)
    leaves = tuple(h.leaves)

    depth = {v: h.depth(v) for v in nodes}
    level = {v: _level_name(h, depth[v]) for v in nodes}
    label = {v: h.label(v) for v in nodes}
    local_of = {h.root: 1.0}
    for v in panel.nodes:
        for c, w in zip(h.children(v), panel.local[v], strict=True):
            local_of[c] = float(w)
    weights = pd.DataFrame({
        "node": nodes,
        "parent": [h.parent(v) or "" for v in nodes],
        "depth": [depth[v] for v in nodes],
        "level": [level[v] for v in nodes],
        "label": [label[v] for v in nodes],
        "local": [local_of[v] for v in nodes],
        "global": [panel.global_weights[v] for v in nodes],
        "ci_low": np.nan, "ci_high": np.nan, "local_ci_low": np.nan, "local_ci_high": np.nan,
    })

    # survey: answers (R, L) in leaf order, the missing-answer policy, groups
    sv = inp.survey
    X = sv[list(inp.items)].to_numpy(dtype=float)
    keep = np.ones(X.shape[0], dtype=bool)
    if study.survey.missing == "listwise":
        keep = ~np.isnan(X).any(axis=1)
        if not keep.any():
            raise InputError("the listwise missing-answer policy leaves no respondent: every "
                             "respondent skipped at least one item. Use `survey.missing: "
                             "available_case`. Got 0 complete respondents instead.",
                             file=str(study.survey.path))
    X = X[keep]
    sv = sv.loc[keep]
    respondents = tuple(str(r) for r in sv.index)
    M = np.asarray(h.membership(), dtype=float)
    w = panel.leaf_weights

    score_rows = []
    s_all, c_all = item_sums_counts(X)
    mean_all = means_from_sums(s_all, c_all)[0]
    sc_all = composite_scores(w, mean_all, M)
    for i, v in enumerate(nodes):
        score_rows.append((v, depth[v], level[v], label[v], ALL_LABEL, ALL_LABEL, X.shape[0],
                           sc_all[i]))
    group_codes: dict[str, np.ndarray] = {}
    group_names: dict[str, tuple[str, ...]] = {}
    rank_frames = []
    internal_idx = [nodes.index(v) for v in h.internal]
    for gcol in study.survey.group_columns:
        labels_g = sv[gcol].astype(str).to_numpy()
        names = tuple(sorted(set(labels_g), key=_natural_key))
        pos = {g: k for k, g in enumerate(names)}
        codes = np.array([pos[g] for g in labels_g], dtype=np.intp)
        group_codes[gcol], group_names[gcol] = codes, names
        sums, cnts = item_sums_counts(X, codes, len(names))
        sc = composite_scores(w, means_from_sums(sums, cnts), M)  # (G, N)
        n_g = np.bincount(codes, minlength=len(names))
        for k, g in enumerate(names):
            for i, v in enumerate(nodes):
                score_rows.append((v, depth[v], level[v], label[v], gcol, g, int(n_g[k]),
                                   sc[k, i]))
        sub = sc[:, internal_idx]  # (G, internal)
        rk = pd.DataFrame(-sub).rank(axis=0, method="min").to_numpy()
        for j, i in enumerate(internal_idx):
            for k, g in enumerate(names):
                rank_frames.append((gcol, nodes[i], g, sub[k, j],
                                    int(rk[k, j]) if np.isfinite(sub[k, j]) else -1))
    scores = pd.DataFrame(score_rows, columns=["node", "depth", "level", "label", "grouping",
                                               "group", "n_respondents", "score"])
    scores["ci_low"] = np.nan
    scores["ci_high"] = np.nan
    ranks = pd.DataFrame(rank_frames, columns=["grouping", "node", "group", "score", "rank"])
    for c in ("rank_mean", "rank_ci_low", "rank_ci_high"):
        ranks[c] = np.nan

    # reliability: Cronbach's alpha per criterion (depth 1) and overall
    import warnings

    from ahpstat._warnings import DegenerateDataWarning

    rel = []
    leaf_pos = {leaf: k for k, leaf in enumerate(leaves)}
    scopes = [(v, [leaf_pos[x] for x in h.leaves_under(v)]) for v in nodes if depth[v] == 1]
    scopes.append((h.root, list(range(len(leaves)))))
    for v, cols in scopes:
        sub = X[:, cols]
        n_complete = int((~np.isnan(sub).any(axis=1)).sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            a = cronbach_alpha(sub) if len(cols) >= 2 else float("nan")
        rel.append(("overall" if v == h.root else v, label[v], len(cols), n_complete, a))
    reliability = pd.DataFrame(rel, columns=["scope", "label", "n_items", "n_complete", "alpha"])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nanstd(X, axis=0, ddof=1)
    items = pd.DataFrame({
        "leaf": leaves, "item": list(inp.items), "label": [label[x] for x in leaves],
        "n_answers": c_all[0].astype(int), "mean": mean_all, "sd": sd,
    })

    files = study.input_files()
    from ahpstat.io import sha256_file

    hashes = {role: sha256_file(p) for role, p in files.items()}
    return StudyResult(
        study=study, hierarchy=h, panel=panel, stacks=inp.stacks, weights=weights,
        consistency=panel.consistency.copy(), scores=scores, ranks=ranks,
        audit=panel.audit.copy(), dispersion=panel.dispersion.copy(), reliability=reliability,
        items=items, answers=X, respondents=respondents, membership=M,
        group_codes=group_codes, group_names=group_names, seed=seed, input_hashes=hashes,
        n_dropped_listwise=int((~keep).sum()),
    )


def _level_name(h: Any, d: int) -> str:
    fn = getattr(h, "level_name", None)
    return str(fn(d)) if fn is not None else str(d)


def _natural_key(s: str) -> tuple:
    import re

    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s))


# --------------------------------------------------------------------------- uncertainty


def _in_order(df: pd.DataFrame, column: str, order: Sequence[str]) -> pd.DataFrame:
    """Rows sorted stably by ``column`` in ``order`` (the study's group order)."""
    pos = {g: k for k, g in enumerate(order)}
    return (df.assign(_o=df[column].map(pos)).sort_values("_o", kind="stable")
            .drop(columns="_o").reset_index(drop=True))


def _rank_summary(P: pd.DataFrame, level: float) -> pd.DataFrame:
    """Mean rank and equal-tailed rank interval per group from ``P(rank = r)`` rows."""
    a = (1.0 - level) / 2.0
    out = []
    for g, sub in P.groupby("group", sort=False):
        r = sub["rank"].to_numpy(dtype=float)
        p = sub["probability"].to_numpy(dtype=float)
        cdf = np.cumsum(p)
        tol = 1e-12
        out.append((g, float((r * p).sum()), r[np.searchsorted(cdf, a - tol)],
                    r[min(np.searchsorted(cdf, 1.0 - a - tol), len(r) - 1)]))
    return pd.DataFrame(out, columns=["group", "rank_mean", "rank_ci_low", "rank_ci_high"])


def _attach_bootstrap(res: StudyResult, boot: Any, opts: Mapping[str, Any]) -> StudyResult:
    """The result with the bootstrap's intervals in its tables and the bootstrap tables."""
    import dataclasses

    h = res.hierarchy
    gcol = opts.get("group") or (next(iter(res.group_codes)) if res.group_codes else None)
    order = res.group_names.get(gcol, ()) if gcol is not None else ()
    level = boot.confidence_level

    t = boot.to_frame("scores")
    overall = t["group"].isna()
    t = t.assign(grouping=np.where(overall, ALL_LABEL, gcol if gcol is not None else ""),
                 group=t["group"].where(~overall, ALL_LABEL))
    scores = res.scores.drop(columns=["ci_low", "ci_high"]).merge(
        t[["grouping", "group", "node", "ci_low", "ci_high"]], how="left",
        on=["grouping", "group", "node"], validate="one_to_one")

    weights = res.weights.copy()
    if boot.weight_draws is not None:
        wt = boot.to_frame("weights")
        for kind, lo, hi in (("global", "ci_low", "ci_high"),
                             ("local", "local_ci_low", "local_ci_high")):
            sub = wt[wt.weight == kind].set_index("node")
            weights[lo] = weights["node"].map(sub["ci_low"])
            weights[hi] = weights["node"].map(sub["ci_high"])
        root = weights["node"] == h.root
        weights.loc[root, ["local_ci_low", "local_ci_high"]] = 1.0

    ranks = res.ranks.copy()
    extra: dict[str, pd.DataFrame] = {}
    if boot.groups and gcol is not None:
        summ = []
        for v in h.internal:
            sm = _rank_summary(boot.rank_probabilities(node=v), level)
            summ.append(sm.assign(grouping=gcol, node=v))
        summ = pd.concat(summ, ignore_index=True)
        ranks = ranks.drop(columns=["rank_mean", "rank_ci_low", "rank_ci_high"]).merge(
            summ, how="left", on=["grouping", "node", "group"], validate="one_to_one")
        top = [h.root, *h.children(h.root)]
        rp = pd.concat([_in_order(boot.rank_probabilities(node=v), "group", order)
                        for v in top], ignore_index=True)
        rp.insert(0, "grouping", gcol)
        extra["rank_probabilities"] = rp
        pw = pd.concat([boot.pairwise_probabilities(of="groups", node=v) for v in top],
                       ignore_index=True)
        pos = {g: k for k, g in enumerate(order)}
        pw = (pw.assign(_n=pw["node"].map({v: k for k, v in enumerate(top)}),
                        _a=pw["a"].map(pos), _b=pw["b"].map(pos))
              .sort_values(["_n", "_a", "_b"], kind="stable")
              .drop(columns=["_n", "_a", "_b"]).reset_index(drop=True))
        pw.insert(0, "grouping", gcol)
        extra["rank_pairwise"] = pw
    crit = [boot.criteria_rank_probabilities(by="score").assign(by="score")]
    if boot.weight_draws is not None:
        crit.append(boot.criteria_rank_probabilities(by="weight").assign(by="weight"))
    crit = pd.concat(crit, ignore_index=True)
    extra["criteria_ranks"] = crit[["by", "parent", "node", "rank", "probability"]]
    vs = boot.variance_split()
    overall = vs["group"].isna()
    vs = vs.assign(grouping=np.where(overall, ALL_LABEL, gcol if gcol is not None else ""),
                   group=vs["group"].where(~overall, ALL_LABEL))
    extra["variance_split"] = vs[["grouping", "group", "node", "var_panel", "var_sample",
                                  "var_joint", "share_panel", "split"]]
    info = {
        "replicates": boot.n_resamples, "resample": list(boot.resample),
        "cluster": opts.get("cluster"), "group": gcol, "scheme": boot.scheme,
        "cluster_stage": boot.cluster_stage, "n_clusters": boot.n_clusters,
        "method": boot.method, "confidence_level": level,
    }
    return dataclasses.replace(
        res, scores=scores, weights=weights, ranks=ranks, bootstrap=boot,
        uncertainty={**res.uncertainty, **extra},
        run_info={**res.run_info, "bootstrap": info})


def _attach_bayes(res: StudyResult, inputs: StudyInputs, opts: Mapping[str, Any],
                  rng: Any, cluster: str | None = None) -> StudyResult:
    """Fit the joint Bayesian model of the judgments; add its tables to the result."""
    import dataclasses

    from ahpstat.bayes import BayesianAHP

    h = res.hierarchy
    model = BayesianAHP(
        inputs.judgments, h, expert_weights=inputs.expert_weights,
        model_config={**opts["priors"], "nu": opts["nu"]},
        sampler_config={k: opts[k] for k in ("draws", "tune", "chains", "cores", "sampler",
                                             "target_accept")})
    import warnings

    with warnings.catch_warnings():
        # ArviZ's notice of its coming refactor says nothing about this study
        warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")
        idata = model.fit(rng=rng)
    br = model.result(ci=opts["level"])
    level = opts["level"]

    nodes = tuple(h.nodes)
    node_pos = {v: k for k, v in enumerate(nodes)}
    bw = br.weights_table()
    bw = (bw.assign(_w=bw["weight"].map({"local": 0, "global": 1}),
                    _n=bw["node"].map(node_pos))
          .sort_values(["_w", "_n"], kind="stable").drop(columns=["_w", "_n"])
          .reset_index(drop=True))

    # posterior scores: draw s of the weights x bootstrap resample s of the respondents'
    # item means (clusters as in the bootstrap settings, else iid; groups within themselves)
    from ahpstat.bootstrap import rank_table, resampled_item_means

    study_leaf = {leaf: k for k, leaf in enumerate(h.leaves)}
    cols = [study_leaf[leaf] for leaf in br.leaves]
    X = res.answers[:, cols]
    G = br.global_leaf_draws.T  # (S, L)
    S = G.shape[0]
    clusters = res.group_codes.get(cluster) if cluster is not None else None
    blocks = []
    gens = np.random.default_rng(rng).spawn(1 + len(res.group_codes))
    m_all, _ = resampled_item_means(X, S, clusters=clusters, rng=gens[0])
    blocks.append((ALL_LABEL, (ALL_LABEL,), composite_scores(G, m_all, br.membership)[:, None]))
    group_draws = {}
    for (gcol, codes), gen in zip(res.group_codes.items(), gens[1:], strict=True):
        names = res.group_names[gcol]
        _, m_g = resampled_item_means(X, S, groups=codes, rng=gen)
        D = composite_scores(G[:, None, :], m_g, br.membership)  # (S, G, N)
        blocks.append((gcol, names, D))
        group_draws[gcol] = D
    a = (1.0 - level) / 2.0
    rows = []
    for gcol, names, D in blocks:
        with np.errstate(invalid="ignore"):
            q = np.quantile(D, [a, 0.5, 1.0 - a], axis=0)
            mean = D.mean(axis=0)
        for k, g in enumerate(names):
            for r, v in enumerate(br.nodes):
                rows.append((v, gcol, g, mean[k, r], q[1, k, r], q[0, k, r], q[2, k, r]))
    bs = pd.DataFrame(rows, columns=["node", "grouping", "group", "mean", "median", "ci_low",
                                     "ci_high"])
    bs["item_means"] = "cluster bootstrap" if clusters is not None else "iid bootstrap"
    # posterior rank probabilities of the groups at the goal and the criteria
    top = [h.root, *h.children(h.root)]
    bnode = {v: k for k, v in enumerate(br.nodes)}
    rp = []
    for gcol, D in group_draws.items():
        names = res.group_names[gcol]
        for v in top:
            t = rank_table(D[:, :, bnode[v]].T, names)  # draws (G, S)
            t.insert(0, "node", v)
            t.insert(0, "grouping", gcol)
            rp.append(t)
    gorder = {ALL_LABEL: -1, **{g: k for k, g in enumerate(res.group_codes)}}
    bs = (bs.assign(_g=bs["grouping"].map(gorder), _n=bs["node"].map(node_pos))
          .sort_values(["_g", "_n"], kind="stable").drop(columns=["_g", "_n"])
          .reset_index(drop=True))

    diag = br.diagnostics.copy()
    diag["n_divergences"] = int(br.n_divergences)
    diag["ok"] = bool(br.ok)
    extra = {"bayes_weights": bw, "credal": br.credal.reset_index(drop=True),
             "expert_inconsistency": br.experts.reset_index(drop=True),
             "bayes_scores": bs, "bayes_diagnostics": diag}
    if rp:
        extra["bayes_rank_probabilities"] = pd.concat(rp, ignore_index=True)
    attrs = idata.posterior.attrs
    info = {"sampler": attrs.get("sampler"), "sampler_seed": attrs.get("seed"),
            "draws": opts["draws"], "tune": opts["tune"], "chains": opts["chains"],
            "target_accept": opts["target_accept"], "nu": opts["nu"],
            "priors": model.model_config, "credible_level": level,
            "n_divergences": int(br.n_divergences), "diagnostics_ok": bool(br.ok),
            "scores_item_means": (
                "posterior weight draw s paired with bootstrap resample s of the respondents ("
                + (f"whole clusters '{cluster}'" if clusters is not None else "iid")
                + "; group scores resample within the group)")}
    return dataclasses.replace(res, bayes=br, uncertainty={**res.uncertainty, **extra},
                               run_info={**res.run_info, "bayes": info})


# --------------------------------------------------------------------------- example


def _example_files(folder: str | os.PathLike, *, n_experts: int = 4,
                   n_respondents: int = 40, sites: Sequence[str] = ("s1", "s2"),
                   constant: float | None = None, extra: str = "") -> Path:
    """Write a tiny study (goal G -> A (a1, a2), B (b1, b2, b3)) into ``folder``.

    For doctests and tests: ``n_experts`` experts with slightly different judgments, a survey
    of ``n_respondents`` answers 1..5 (all equal to ``constant`` if given) spread over
    ``sites``, and ``extra`` appended to the study file. Returns the study file's path.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hierarchy.yaml").write_text(
        "id: G\nlabel: goal\nchildren:\n"
        "- {id: A, label: criterion A, children: [{id: a1, label: item a1}, "
        "{id: a2, label: item a2}]}\n"
        "- {id: B, label: criterion B, children: [{id: b1, label: item b1}, "
        "{id: b2, label: item b2}, {id: b3, label: item b3}]}\n", encoding="utf-8")
    base = {("G", "A", "B"): 2, ("A", "a1", "a2"): 3, ("B", "b1", "b2"): 2,
            ("B", "b1", "b3"): 4, ("B", "b2", "b3"): 2}  # Saaty values 1..9
    shift = (0, 1, -1, 0, 1)
    lines = ["expert,node,row,col,value"]
    for k in range(n_experts):
        for q, ((node, r, c), v) in enumerate(base.items()):
            lines.append(f"E{k + 1},{node},{r},{c},{max(1, v + shift[(k + q) % 5])}")
    (folder / "judgments.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    gen = np.random.default_rng(12345)
    items = ["a1", "a2", "b1", "b2", "b3"]
    rows = ["respondent,site," + ",".join(items)]
    for i in range(n_respondents):
        ans = ([int(constant)] * len(items) if constant is not None
               else gen.integers(1, 6, len(items)).tolist())
        rows.append(f"R{i + 1:03d},{sites[i % len(sites)]}," + ",".join(map(str, ans)))
    (folder / "survey.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "study.yaml").write_text(
        "name: example\nhierarchy: hierarchy.yaml\njudgments: judgments.csv\n"
        "survey: {path: survey.csv, id_column: respondent, group_columns: [site], "
        "likert: [1, 5]}\nseed: 7\n" + extra, encoding="utf-8")
    return folder / "study.yaml"


def _example_result(**kw: Any) -> StudyResult:
    """:func:`_example_files` in a temporary folder, run (for doctests)."""
    with tempfile.TemporaryDirectory() as d:
        return Study.from_yaml(_example_files(d, **kw)).run()


# --------------------------------------------------------------------------- check


def check_study(path: str | os.PathLike) -> list[InputError]:
    """Validate every input of a study and return all problems found (empty = fine).

    The study file is checked first (its errors stop the check: the paths may be wrong);
    then every input file is read with :func:`ahpstat.io.collect_problems`, which lists every
    problem of a file instead of only the first: the hierarchy, the judgments (against the
    hierarchy when it is valid), the expert weights (against the judgments' experts when
    those are valid) and the survey (its item columns are the hierarchy's, so it is checked
    only when the hierarchy is valid). When every file is valid, the panel is aggregated
    once to catch problems that span files (e.g. a node no expert judged).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     check_study(_example_files(d))
    []
    """
    try:
        study = Study.from_yaml(path)
    except InputError as exc:
        return [exc]
    from ahpstat import io
    from ahpstat.hierarchy import Hierarchy

    problems: list[InputError] = []
    for role, p in study.input_files().items():
        if not Path(p).is_file():
            problems.append(InputError(f"the {role.replace('_', ' ')} file does not exist "
                                       f"(from `{role}` in the study file).", file=str(p)))
    if problems:
        return problems

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
                          hierarchy=h, **_opt(sheet=study.judgments.sheet,
                                              scale=study.judgments.scale))
    judg = None
    if judg_ok and h is not None:
        judg = io.read_judgments(study.judgments.path, layout=study.judgments.layout,
                                 hierarchy=h, **_opt(sheet=study.judgments.sheet))
    ew_ok = True
    if study.expert_weights is not None:
        experts = sorted(set(judg["expert"])) if judg is not None else None
        ew_ok = not collect("expert_weights", study.expert_weights,
                            **_opt(sheet=study.expert_weights_sheet, experts=experts))
    if h is not None:
        collect("survey", study.survey.path, id_column=study.survey.id_column,
                items=[h.item(leaf) for leaf in h.leaves],
                group_columns=list(study.survey.group_columns), likert=study.survey.likert,
                **_opt(sheet=study.survey.sheet))
    if not problems and judg is not None and ew_ok:
        try:
            inp = study.load()
            _check_resources(study, inp)
            _run_panel(inp.stacks, h, expert_weights=inp.expert_weights, options=study.panel)
        except InputError as exc:
            problems.append(exc)
    return problems


def _dataclass_dict(obj: Any) -> dict:  # pragma: no cover - convenience
    return asdict(obj)
