"""The study file's schema: every section and key, its type, default and one-line doc.

The schema is the single source of truth for the study file: :func:`parse_section` validates a
section against it (unknown keys, types, choices, deprecated aliases) and the documentation's
study-file reference is generated from it (:func:`schema_frame`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ahpstat._validation import InputError, check_likert, suggest
from ahpstat._warnings import AHPDeprecationWarning, warn
from ahpstat.aggregation import AIP_MEANS
from ahpstat.bootstrap import SOURCES
from ahpstat.consistency import CONSISTENCY_INDICES
from ahpstat.evaluation import UNITS, WEIGHTINGS
from ahpstat.fuzzy import FCE_OPERATORS
from ahpstat.io import DECIMALS, DELIMITERS, JUDGMENT_LAYOUTS, WIDE_ENCODINGS
from ahpstat.mcda import GRA_NORMALIZATIONS, TOPSIS_NORMALIZATIONS
from ahpstat.objective import COMBINATION_METHODS, ENTROPY_NORMALIZATIONS, OBJECTIVE_METHODS
from ahpstat.panel import AGGREGATIONS, PANEL_POLICIES
from ahpstat.scales import RANDOM_INDEX_TABLES, get_random_index_table
from ahpstat.weighting import WEIGHTING_METHODS

__all__ = [
    "BAYES_DEFAULTS",
    "BOOTSTRAP_DEFAULTS",
    "MISSING_POLICIES",
    "STUDY_SCHEMA",
    "Key",
    "Section",
    "parse_section",
    "schema_frame",
]

MISSING_POLICIES = ("available_case", "listwise")
#: marks a key without a default (it must be given)
REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "required"})()


class _Bad(Exception):
    """A value that does not fit its key (the key's ``expect`` phrase says why)."""


@dataclass(frozen=True)
class Key:
    """One key of a study-file section.

    Attributes
    ----------
    name : str
        The key as written in the file.
    expect : str
        What a valid value is, as the error message says it (``"`x` must be <expect>"``).
    default : object
        The value when the key is left out (:data:`REQUIRED`: it must be given).
    doc : str
        One line for the reference documentation.
    check : callable
        ``check(value) -> normalised value``; raises for an invalid value.
    choices : tuple, optional
        The valid values, when they are a fixed list (matched case-insensitively).
    aliases : tuple of str
        Old names still read, with an :class:`~ahpstat.AHPDeprecationWarning`.
    """

    name: str
    expect: str
    default: Any
    doc: str
    check: Callable[[Any], Any] = field(repr=False, default=lambda v: v)
    choices: tuple[Any, ...] | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A section of the study file: its keys, and whether a bare path may stand for it."""

    name: str
    doc: str
    keys: tuple[Key, ...]
    path_shorthand: bool = False
    required: bool = False

    def key(self, name: str) -> Key:
        """The key called ``name`` (or one of its deprecated aliases)."""
        for k in self.keys:
            if name == k.name or name in k.aliases:
                return k
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        """The default of every key that has one."""
        return {k.name: k.default for k in self.keys if k.default is not REQUIRED}


# --------------------------------------------------------------------------- checks


def _choice(choices: Sequence[Any], shown: Sequence[str] | None = None) -> Callable[[Any], Any]:
    def check(v: Any) -> Any:
        for c in choices:
            if v == c or (isinstance(v, str) and isinstance(c, str)
                          and v.casefold() == c.casefold()):
                return c
        raise _Bad
    return check


def _shown(choices: Sequence[Any], shown: Sequence[str] | None = None) -> str:
    names = shown or [repr(c) if c is not None else "null" for c in choices]
    return "one of {" + ", ".join(names) + "}"


def _int(minimum: int, nullable: bool = False) -> Callable[[Any], Any]:
    def check(v: Any) -> Any:
        if v is None and nullable:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise _Bad
        return int(v)
    return check


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise _Bad
    return v


def _number(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise _Bad
    return float(v)


def _level(v: Any) -> float:
    x = _number(v)
    if not 0 < x < 1:
        raise _Bad
    return x


def _positive_or_null(v: Any) -> float | None:
    if v is None:
        return None
    x = _number(v)
    if x <= 0:
        raise _Bad
    return x


def _null(v: Any) -> None:
    if v is not None:
        raise _Bad
    return None


def _name(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, str | int):
        raise _Bad
    return str(v)


def _column(v: Any) -> str:
    if not isinstance(v, str) or not v:
        raise _Bad
    return v


def _path(v: Any) -> str:
    if not isinstance(v, str) or not v:
        raise _Bad
    return v


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        raise _Bad
    return str(v)


def _columns(v: Any) -> tuple[str, ...]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, Sequence) or not all(isinstance(g, str) for g in v):
        raise _Bad
    return tuple(v)


def _likert(v: Any) -> tuple[int, int]:
    if not isinstance(v, Sequence) or isinstance(v, str):
        raise _Bad
    try:
        return check_likert(v)
    except ValueError:
        raise _Bad from None


def _resample(v: Any) -> list[str]:
    res = [v] if isinstance(v, str) else v
    if not isinstance(res, Sequence) or not res:
        raise _Bad
    source = _choice(SOURCES)  # case-insensitive, as every name of the file
    return sorted({source(r) for r in res}, key=SOURCES.index)


def _random_index(v: Any) -> Any:
    if isinstance(v, Mapping):
        try:
            get_random_index_table(v)
        except (TypeError, ValueError) as exc:
            raise _Bad(str(exc)) from None
        return {int(k): float(x) for k, x in v.items()}
    return _choice(tuple(RANDOM_INDEX_TABLES))(v)


def _seed(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise _Bad
    return v


def _mapping(v: Any) -> dict[str, Any]:
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise _Bad
    return dict(v)


def _section_value(v: Any) -> Any:
    return v  # a nested section: parsed by its own Section


def _list_of(choices: Sequence[str], *, nullable: bool = False,
             extra: Mapping[str, str] | None = None) -> Callable[[Any], Any]:
    """A name or a list of names from ``choices`` (case-insensitive, no repeats; ``extra``
    maps other spellings, e.g. an operator's symbol, to a choice).
    """
    def check(v: Any) -> Any:
        if v is None and nullable:
            return None
        vals = [v] if isinstance(v, str) else v
        if not isinstance(vals, Sequence) or isinstance(vals, str):
            raise _Bad
        out: list[str] = []
        for x in vals:
            if not isinstance(x, str):
                raise _Bad
            name = (extra or {}).get(x) or next(
                (c for c in choices if c.casefold() == x.casefold()), None)
            if name is None or name in out:
                raise _Bad
            out.append(name)
        return out
    return check


def _grade_names(v: Any) -> list[str] | None:
    if v is None:
        return None
    if isinstance(v, str) or not isinstance(v, Sequence) or not v or not all(
            isinstance(g, str | int) and not isinstance(g, bool) for g in v):
        raise _Bad
    names = [str(g) for g in v]
    if len(set(names)) != len(names):
        raise _Bad
    return names


def _numbers(v: Any) -> list[float] | None:
    if v is None:
        return None
    if isinstance(v, str) or not isinstance(v, Sequence) or not v:
        raise _Bad
    return [_number(x) for x in v]


def _unit_or_null(v: Any) -> float | None:
    if v is None:
        return None
    x = _number(v)
    if not 0 <= x <= 1:
        raise _Bad
    return x


def _non_negative(v: Any) -> float:
    x = _number(v)
    if x < 0:
        raise _Bad
    return x


def _rho(v: Any) -> float:
    x = _number(v)
    if not 0 < x <= 1:
        raise _Bad
    return x


# --------------------------------------------------------------------------- the schema


def _key(name: str, expect: str, default: Any, doc: str, check: Callable[[Any], Any],
         choices: Sequence[Any] | None = None, aliases: tuple[str, ...] = ()) -> Key:
    return Key(name, expect, default, doc, check, tuple(choices) if choices else None, aliases)


def _choice_key(name: str, choices: Sequence[Any], default: Any, doc: str,
                shown: Sequence[str] | None = None) -> Key:
    return _key(name, _shown(choices, shown), default, doc, _choice(choices), choices)


_LEVEL = "a confidence level between 0 and 1 (e.g. 0.95)"


def _delimiter(v: Any) -> str | None:
    if v is None:
        return None
    if v == "tab":
        return "\t"
    if v not in DELIMITERS:
        raise _Bad
    return str(v)


_CSV_KEYS = (
    _key("delimiter", "one of ',', ';', tab ('\\t' or tab) or '|' (null: sniffed)", None,
         "Field separator of a CSV file (default: sniffed from the header line).",
         _delimiter, (*DELIMITERS, "tab")),
    _choice_key("decimal", (*DECIMALS, None), None, "Decimal mark of a CSV file (default: "
                "a comma in a semicolon-separated file, else a point)."),
)

#: Every section of the study file, in the order the reference documents them.
STUDY_SCHEMA: dict[str, Section] = {s.name: s for s in (
    Section("", "Top level of the study file (paths are relative to it).", (
        _key("name", "a name", None, "Name of the study (default: its folder's name).", _text),
        _key("title", "a title", "", "Title of the report.", _text),
        _key("description", "a description", "", "Free text, kept in the provenance.", _text),
        _key("hierarchy", "a file path", REQUIRED, "The hierarchy YAML file.", _path),
        _key("judgments", "a mapping or a path", REQUIRED, "The expert judgments (section "
             "`judgments`, or just its path).", _section_value),
        _key("expert_weights", "a mapping or a path", None, "Expert weights (section "
             "`expert_weights`, or just its path); equal weights when left out.",
             _section_value),
        _key("survey", "a mapping or a path", REQUIRED, "The survey (section `survey`).",
             _section_value),
        _key("weighting", "a mapping of settings", None, "Weighting and aggregation (section "
             "`weighting`).", _section_value),
        _key("consistency", "a mapping of settings", None, "Consistency index and policy "
             "(section `consistency`).", _section_value),
        _key("seed", "a non-negative integer", None, "Seed of the random parts (bootstrap, "
             "Bayes); null: fresh entropy, recorded in the provenance.", _seed),
        _key("bootstrap", "a mapping of settings", None, "The bootstrap (section `bootstrap`; "
             "present = run).", _section_value),
        _key("bayes", "a mapping of settings", None, "The Bayesian model (section `bayes`; "
             "present = run).", _section_value),
        _key("figures", "a mapping of settings", None, "Figure options (section `figures`).",
             _section_value),
        _key("sensitivity", "a mapping of settings", None, "Is the ranking robust? Multiverse "
             "of analyst choices, weight intervals, perturbed judgments, Sobol' indices "
             "(section `sensitivity`; present = run).", _section_value),
        _key("objective_weights", "a mapping of settings", None, "Objective item weights "
             "from the survey (section `objective_weights`; present = run).", _section_value),
        _key("combination", "a mapping of settings", None, "AHP and objective weights "
             "combined (section `combination`; present = run).", _section_value),
        _key("fce", "a mapping of settings", None, "Fuzzy comprehensive evaluation of the "
             "Likert answers (section `fce`; present = run).", _section_value),
        _key("topsis", "a mapping of settings", None, "TOPSIS ranking of the groups (section "
             "`topsis`; present = run).", _section_value),
        _key("gra", "a mapping of settings", None, "Grey relational analysis of the groups "
             "(section `gra`; present = run).", _section_value),
    ), required=True),
    Section("judgments", "The expert judgments file.", (
        _key("path", "a file path", REQUIRED, "CSV or XLSX file of judgments.", _path),
        _choice_key("layout", JUDGMENT_LAYOUTS, "long", "File layout (see `ahpstat.io`)."),
        _key("sheet", "a name", None, "Worksheet of an XLSX file (default: the first; "
             "matrix layout: all).", _name),
        _choice_key("scale", ("saaty", None), "saaty", "Require values on Saaty's 1-9 scale "
                    "and reciprocals (null: any positive value)."),
        _choice_key("encoding", (*WIDE_ENCODINGS, None), None, "How the cells of the wide "
                    "and ahpsurvey layouts code a judgment (required for them): signed (+3: "
                    "the left element 3 times as important), signed_left_negative "
                    "(ahpsurvey's negconvert = TRUE) or ratio."),
        _key("node", "a node id", None, "wide: the node of `A_B` columns; ahpsurvey: the "
             "node whose children are the attributes (default: the goal).", _name),
        _key("id_column", "a column name", None, "ahpsurvey: the respondent id column "
             "(default: the row number).", _column),
        *_CSV_KEYS,
    ), path_shorthand=True),
    Section("expert_weights", "The expert weights file (columns `expert`, `weight`).", (
        _key("path", "a file path", REQUIRED, "CSV or XLSX file.", _path),
        _key("sheet", "a name", None, "Worksheet of an XLSX file.", _name),
    ), path_shorthand=True),
    Section("survey", "The survey file: one row per respondent, one column per item.", (
        _key("path", "a file path", REQUIRED, "CSV or XLSX file.", _path),
        _key("sheet", "a name", None, "Worksheet of an XLSX file.", _name),
        _key("id_column", "a column name", "respondent", "Column of respondent ids.",
             _column),
        _key("group_columns", "a list of column names", (), "Grouping columns (community, "
             "district, ...): scores and ranks per group.", _columns),
        _key("likert", "[lowest, highest] answer, two integers with lowest < highest",
             (1, 5), "The answer range.", _likert),
        _choice_key("missing", MISSING_POLICIES, "available_case", "Missing answers: item "
                    "means of the answers given, or only complete respondents."),
        *_CSV_KEYS,
    ), path_shorthand=True),
    Section("weighting", "How weights are computed and the panel aggregated.", (
        _choice_key("method", WEIGHTING_METHODS, "eigenvector", "Weighting method."),
        _choice_key("aggregation", AGGREGATIONS, "aij", "Aggregation of individual judgments "
                    "(AIJ) or priorities (AIP)."),
        _choice_key("aip_mean", AIP_MEANS, "geometric", "Mean of the experts' weights (AIP)."),
    )),
    Section("consistency", "Consistency index, threshold and the inconsistency policy.", (
        _choice_key("index", CONSISTENCY_INDICES, "cr", "Consistency index."),
        _key("random_index", _shown(tuple(RANDOM_INDEX_TABLES)) + " or a mapping n -> RI",
             "saaty", "Random-index table (CR and CI).", _random_index,
             tuple(RANDOM_INDEX_TABLES)),
        _key("threshold", "a positive number (or null for the index's own threshold)", None,
             "Acceptability threshold of the index.", _positive_or_null),
        _choice_key("policy", PANEL_POLICIES, "keep", "What to do with an expert's "
                    "inconsistent matrix (every case is flagged in the audit)."),
        _key("repair_on_scale", "true or false", True, "Repaired judgments stay on Saaty's "
             "scale.", _bool),
    )),
    Section("bootstrap", "The bootstrap of weights, scores and ranks (present = run).", (
        _key("enabled", "true or false", True, "Run it (false: keep the settings, skip it).",
             _bool),
        _key("n_resamples", "an integer >= 2", 2000, "Number of resamples.", _int(2),
             aliases=("replicates",)),
        _key("resample", "experts, respondents or [experts, respondents]",
             ["experts", "respondents"], "Sources resampled (independently).", _resample),
        _key("cluster", "a group column or null", None, "Grouping column whose groups are "
             "the clusters of a cluster bootstrap (null: respondents iid).", _name),
        _choice_key("cluster_stage", ("one", "two"), "one", "Cluster bootstrap: whole "
                    "clusters (one-stage), or clusters then respondents within them "
                    "(two-stage)."),
        _key("group", "a group column or null", None, "Grouping column whose groups get "
             "intervals and rank probabilities (default: the first).", _name),
        _choice_key("method", ("percentile", "basic", "bca"), "percentile", "Interval method "
                    "(case-insensitive).", shown=("'percentile'", "'basic'", "'BCa'")),
        _key("confidence_level", _LEVEL, 0.95, "Confidence level of the intervals.", _level,
             aliases=("level",)),
    )),
    Section("bayes", "The joint Bayesian model of the judgments (present = run).", (
        _key("enabled", "true or false", True, "Run it (false: keep the settings, skip it).",
             _bool),
        _key("draws", "an integer >= 1", 1000, "Posterior draws per chain.", _int(1)),
        _key("tune", "an integer >= 0", 1000, "Tuning steps per chain.", _int(0)),
        _key("chains", "an integer >= 1", 4, "Number of chains.", _int(1)),
        _key("cores", "an integer >= 1", None, "Parallel chains (null: automatic).",
             _int(1, nullable=True)),
        _choice_key("sampler", ("auto", "nutpie", "pymc"), "auto", "NUTS implementation."),
        _key("target_accept", "a number between 0 and 1 (e.g. 0.9)", 0.8,
             "NUTS target acceptance rate.", _level),
        _key("nu", "null (Student-t judgment errors were removed: their free degrees of "
             "freedom collapsed on rounded judgments; the model's errors are normal with a "
             "lapse probability)", None, "Removed; kept so that old study files with "
             "`nu: null` still read.", _null),
        _key("priors", "a mapping of prior settings", {}, "Prior settings (see "
             "`BayesianAHP.default_model_config`).", _mapping),
        _key("confidence_level", _LEVEL, 0.95, "Credible level of the intervals.", _level,
             aliases=("level",)),
    )),
    Section("objective_weights", "Objective (data-driven) weights of the items, rolled up the "
            "hierarchy as AHP weights are (present = run; `ahpstat.objective`).", (
        _key("methods", "a list of entropy, critic, sd, cv", ["entropy", "critic"],
             "Objective weighting methods (entropy: Shannon's entropy weights; critic: "
             "Diakoulaki et al. 1995; sd, cv: standard deviation, coefficient of variation).",
             _list_of(OBJECTIVE_METHODS), OBJECTIVE_METHODS),
        _choice_key("normalization", ENTROPY_NORMALIZATIONS, "minmax", "Entropy weights: "
                    "min-max normalised values or proportions of the raw values."),
        _key("shift", "a number >= 0", 0.0, "Entropy weights: added to the normalised values "
             "before the shares are formed (0: the limit 0 ln 0 = 0).", _non_negative),
        _choice_key("unit", UNITS, "respondents", "Whose data give the weights: the "
                    "respondents' answers, or the groups' item means (the groups of "
                    "`bootstrap.group`, default the first grouping column)."),
    )),
    Section("combination", "The AHP (subjective) and one objective weight vector combined "
            "(present = run).", (
        _choice_key("method", COMBINATION_METHODS, "game_theory", "game_theory (minimum "
                    "deviation, Lai et al. 2015), multiplicative (normalised product) or "
                    "linear (with `alpha`)."),
        _key("alpha", "a number between 0 and 1 (the AHP vector's weight) or null", None,
             "Linear combination: the weight of the AHP vector (required there).",
             _unit_or_null),
        _key("objective", "one of `objective_weights.methods` or null", None, "The objective "
             "vector combined with AHP (default: the first of `objective_weights.methods`).",
             _name),
    )),
    Section("fce", "Multi-level fuzzy comprehensive evaluation of the Likert answers "
            "(present = run; `ahpstat.fuzzy`).", (
        _key("grades", "a list of grade names, the lowest answer first, or null", None,
             "Names of the answer categories, e.g. [很差, 差, 一般, 好, 很好] (default: the "
             "answer values).", _grade_names),
        _key("values", "a list of numbers, one per grade, or null", None, "Grade values of "
             "the weighted score (default: the answer values).", _numbers),
        _key("operators", "a list of weighted_average, max_min, max_product, "
             "bounded_min_sum (or their symbols M(·,⊕), M(∧,∨), M(·,∨), M(∧,⊕))",
             ["weighted_average", "max_min"], "Fuzzy operators.",
             _list_of(tuple(FCE_OPERATORS), extra={v: k for k, v in FCE_OPERATORS.items()}),
             tuple(FCE_OPERATORS)),
        _key("weighting", "a list of ahp, entropy, critic, sd, cv, combined", ["ahp"],
             "Weight vectors the evaluation uses.", _list_of(WEIGHTINGS), WEIGHTINGS),
        _choice_key("nodes", ("criteria", "internal", "all"), "criteria", "Nodes reported: "
                    "the goal and its children, every internal node, or every node."),
    )),
    Section("topsis", "TOPSIS ranking of the groups on their item means (present = run; "
            "`ahpstat.mcda`).", (
        _key("weighting", "a list of weight vectors (ahp, entropy, critic, sd, cv, combined) "
             "or null", None, "Weight vectors TOPSIS ranks with (null: every one computed).",
             _list_of(WEIGHTINGS, nullable=True), WEIGHTINGS),
        _choice_key("normalization", TOPSIS_NORMALIZATIONS, "vector", "vector (Hwang & Yoon "
                    "1981) or minmax normalisation of the items."),
    )),
    Section("gra", "Grey relational analysis of the groups on their item means (present = "
            "run; `ahpstat.mcda`).", (
        _key("weighting", "a list of weight vectors (ahp, entropy, critic, sd, cv, combined) "
             "or null", None, "Weight vectors the grades use (null: every one computed).",
             _list_of(WEIGHTINGS, nullable=True), WEIGHTINGS),
        _key("rho", "a number in (0, 1]", 0.5, "Distinguishing coefficient.", _rho),
        _choice_key("normalization", GRA_NORMALIZATIONS, "minmax", "minmax or mean "
                    "normalisation of the items."),
    )),
)}

def _sensitivity_schema() -> Section:
    """The ``sensitivity:`` section, documented here and validated (nested lists and
    mappings) by :func:`ahpstat.sensitivity.sensitivity_settings`, whose defaults these are.
    """
    from ahpstat.multiverse import DEFAULT_GRID, FACTORS
    from ahpstat.sensitivity import SENSITIVITY_DEFAULTS as D

    docs = {
        "weighting": "Weighting methods of the multiverse.",
        "aggregation": "Aggregations: aij, aip_geometric, aip_arithmetic.",
        "consistency": "Consistency rules, each {index, random_index, threshold} (or an index "
                       "name).",
        "policy": "Policies for inconsistent experts.",
        "missing": "Missing-answer rules: available_case, listwise.",
        "scale": "Judgment scales: saaty, balanced, geometric, power, root_square, "
                 "logarithmic, inverse_linear.",
        "likert": "Likert treatments: mean, top_box, top2_box, ridit.",
        "family": "Weighting families: ahp, entropy, critic, sd, cv, combined (objective "
                  "settings from objective_weights: and combination:).",
    }
    keys = [_key("enabled", "true or false", True, "Run it (false: keep the settings, skip "
                 "it).", _bool)]
    keys += [_key(f, "a list of levels", list(DEFAULT_GRID[f]), docs[f], _section_value)
             for f in FACTORS]
    keys += [
        _choice_key("nodes", ("criteria", "internal"), D["nodes"], "Nodes in multiverse.csv: "
                    "the goal and its children, or every internal node."),
        _key("grouping", "a group column or null", None, "Grouping column whose ranks are "
             "analysed (default: the first).", _name),
        _key("one_at_a_time", "true or false", D["one_at_a_time"], "Exact weight intervals "
             "and Triantaphyllou & Sanchez thresholds.", _bool),
        _key("judgments", "a mapping {n_resamples, probability, sigma} or false",
             dict(D["judgments"]), "Perturbed judgments (false: skip).", _section_value),
        _key("sobol", "a mapping {n_samples, factor, confidence_level} or false",
             dict(D["sobol"]), "Sobol' indices of the criteria's weights (false: skip).",
             _section_value),
    ]
    return Section("sensitivity", "Robustness of the ranking (present = run); see "
                   "docs/robustness.md.", tuple(keys))


STUDY_SCHEMA["sensitivity"] = _sensitivity_schema()


def _figures_schema() -> Section:
    """The ``figures:`` section, documented here and validated by
    :func:`ahpstat._figures.figure_options`, whose defaults these are.
    """
    from ahpstat._figures import FIGURE_FORMATS, LABEL_MODES, FigureOptions

    d = FigureOptions()
    return Section("figures", "Figure files of `ahpstat run` and the report.", (
        _key("format", "png, svg, pdf or a list of them", list(d.format), "File formats, "
             "each figure written in every one (SVG and PDF are vector formats).",
             _section_value, FIGURE_FORMATS),
        _key("dpi", "a whole number from 50 to 1200", d.dpi, "Resolution of the PNG files.",
             _section_value),
        _choice_key("labels", LABEL_MODES, d.labels, "Nodes named by id, label or both (labels "
                    "in CJK script need a CJK font; without one the figures use ids, with a "
                    "warning)."),
    ))


STUDY_SCHEMA["figures"] = _figures_schema()

#: defaults of the study file's ``bootstrap:`` section (present = enabled)
BOOTSTRAP_DEFAULTS: dict[str, Any] = STUDY_SCHEMA["bootstrap"].defaults()
#: defaults of the study file's ``bayes:`` section (present = enabled)
BAYES_DEFAULTS: dict[str, Any] = STUDY_SCHEMA["bayes"].defaults()


def parse_section(section: Section, data: Any, file: str | None,
                  problems: list[InputError] | None = None) -> dict[str, Any]:
    """Validate one section of a study file against its schema; fill in the defaults.

    Parameters
    ----------
    section : Section
        From :data:`STUDY_SCHEMA`.
    data : mapping (or a path, for a section that allows the shorthand)
        The section as parsed from YAML; ``None`` = empty.
    file : str or None
        The study file, for error messages.
    problems : list, optional
        Collect mode (``ahpstat check``): every problem is appended here instead of raised,
        and the section is parsed on (a bad value or a missing required key counts as its
        default, ``None`` when it has none; a section that is not a mapping as empty).

    Returns
    -------
    dict
        Every key by its current name (a deprecated alias is renamed, with a warning),
        normalised by its check; keys left out have their default.

    Raises
    ------
    InputError
        Not a mapping, an unknown key (with a suggestion), a required key left out, or a value
        that does not fit its key; the message names the file and the key.

    Examples
    --------
    >>> parse_section(STUDY_SCHEMA["weighting"], {"method": "LLSM"}, "study.yaml")
    {'method': 'llsm', 'aggregation': 'aij', 'aip_mean': 'geometric'}
    >>> parse_section(STUDY_SCHEMA["weighting"], {"metod": "llsm"}, "study.yaml")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: study.yaml: unknown key `weighting.metod`; ...'method'?...
    >>> found = []
    >>> _ = parse_section(STUDY_SCHEMA["weighting"], {"metod": "llsm", "aggregation": 3},
    ...                   "study.yaml", found)
    >>> len(found)
    2
    """
    def fail(exc: InputError) -> None:
        if problems is None:
            raise exc
        problems.append(exc)

    prefix = f"{section.name}." if section.name else ""
    if data is None:
        data = {}
    if section.path_shorthand and isinstance(data, str):
        data = {"path": data}
    if not isinstance(data, Mapping):
        fail(InputError(f"`{section.name}` must be a mapping"
                        + (" or a path" if section.path_shorthand else "")
                        + f". Got {type(data).__name__} instead.", file=file))
        return {k.name: None if k.default is REQUIRED else k.default for k in section.keys}
    names = [k.name for k in section.keys]
    out: dict[str, Any] = {}
    written: dict[str, str] = {}
    for raw in data:
        try:
            key = section.key(raw)
        except KeyError:
            known = ", ".join(f"`{prefix}{k}`" for k in names)
            fail(InputError(f"unknown key `{prefix}{raw}`; the keys here are {known}."
                            f"{suggest(str(raw), names)} Got `{prefix}{raw}` instead.",
                            file=file))
            continue
        if key.name in written:
            fail(InputError(f"`{prefix}{raw}` and `{prefix}{written[key.name]}` are the same "
                            f"setting; keep `{prefix}{key.name}`. Got both instead.",
                            file=file))
            continue
        written[key.name] = raw
        if raw != key.name:
            warn(f"{file + ': ' if file else ''}`{prefix}{raw}` is deprecated; call it "
                 f"`{prefix}{key.name}`.", AHPDeprecationWarning)
        try:
            out[key.name] = _checked(key, data[raw], f"{prefix}{raw}", file)
        except InputError as exc:
            fail(exc)
    for key in section.keys:
        if key.name not in out:
            if key.default is REQUIRED:
                if key.name not in written:
                    fail(InputError(f"the key `{prefix}{key.name}` is required.", file=file))
                out[key.name] = None
            else:
                out[key.name] = key.default
    return out


def _checked(key: Key, value: Any, shown: str, file: str | None) -> Any:
    if key.check is _section_value:
        return value
    try:
        return key.check(value)
    except _Bad as exc:
        if exc.args:  # the check's own reason (e.g. a random-index mapping)
            raise InputError(f"`{shown}`: {exc.args[0]}", file=file) from None
        raise InputError(f"`{shown}` must be {key.expect}. Got {value!r} instead.",
                         file=file) from None


def schema_frame() -> pd.DataFrame:
    """The study-file reference as a table: one row per key of every section.

    Returns
    -------
    DataFrame
        Columns ``section`` (empty for the top level), ``key``, ``expect`` (what a valid
        value is), ``default`` (``"required"`` when the key must be given), ``choices``,
        ``aliases`` (deprecated names still read) and ``doc``.

    Examples
    --------
    >>> t = schema_frame()
    >>> t[t.section == "bootstrap"].key.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['enabled', 'n_resamples', 'resample', 'cluster', 'cluster_stage', 'group', 'method',
     'confidence_level']
    """
    rows = []
    for s in STUDY_SCHEMA.values():
        for k in s.keys:
            rows.append((s.name, k.name, k.expect, repr(k.default) if k.default is not REQUIRED
                         else "required", None if k.choices is None else list(k.choices),
                         list(k.aliases), k.doc))
    return pd.DataFrame(rows, columns=["section", "key", "expect", "default", "choices",
                                       "aliases", "doc"])

