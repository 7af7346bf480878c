"""A whole study from one YAML file: hierarchy + judgments + survey + options -> tables.

``Study.from_yaml(path)`` reads and validates the study file up front (every key, every
choice; unknown keys are errors naming the key and the file); ``Study.run(rng=...)`` reads
the inputs, aggregates the expert panel at every node (:mod:`ahpstat.panel`), scores every
node from the survey (:mod:`ahpstat.scoring`) and returns a :class:`StudyResult` of tidy
DataFrames; :func:`ahpstat.output.write_study` writes them to a folder (CSV tables, a
Markdown and an HTML report, PNG figures and ``provenance.json``), atomically.

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
    bootstrap: {...}                                    # optional sections
    bayes: {...}

Every section and key is declared once, in :data:`STUDY_SCHEMA` (type, default, one-line
doc): it validates the file and generates its reference (:func:`schema_frame`).

Modules (private): ``_schema`` (the schema and its parser), ``_config`` (:class:`Study`: the
file, its sections, the options), ``_result`` (:class:`StudyResult`), ``_assemble`` (loading
the inputs, the classic pipeline, running), ``_uncertainty`` (the bootstrap's and the Bayesian
model's tables) and ``_check`` (:func:`check_study`).
"""

from ahpstat.study._assemble import natural_key
from ahpstat.study._check import check_study
from ahpstat.study._config import (
    JudgmentsSource,
    Study,
    StudyInputs,
    SurveySource,
    parse_study,
    study_file_problems,
)
from ahpstat.study._decision import DecisionStudy, DecisionStudyResult
from ahpstat.study._result import ALL_LABEL, StudyResult
from ahpstat.study._schema import (
    BAYES_DEFAULTS,
    BOOTSTRAP_DEFAULTS,
    MISSING_POLICIES,
    STUDY_SCHEMA,
    Key,
    Section,
    schema_frame,
)

__all__ = [
    "ALL_LABEL",
    "BAYES_DEFAULTS",
    "BOOTSTRAP_DEFAULTS",
    "MISSING_POLICIES",
    "STUDY_SCHEMA",
    "DecisionStudy",
    "DecisionStudyResult",
    "JudgmentsSource",
    "Key",
    "Section",
    "Study",
    "StudyInputs",
    "StudyResult",
    "SurveySource",
    "check_study",
    "natural_key",
    "parse_study",
    "schema_frame",
    "study_file_problems",
]
