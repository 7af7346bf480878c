"""ahpstat: the Analytic Hierarchy Process for indicator hierarchies, with honest uncertainty."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ahpstat import pairwise, scales
from ahpstat._results import ConsistencyResult, WeightsResult
from ahpstat._validation import InputError
from ahpstat._warnings import (
    AHPDeprecationWarning,
    AHPWarning,
    ConvergenceWarning,
    DegenerateDataWarning,
)
from ahpstat.aggregation import aggregate
from ahpstat.completion import complete
from ahpstat.consistency import consistency, worst_judgments
from ahpstat.scales import RANDOM_INDEX_TABLES, SAATY_SCALE, random_index
from ahpstat.weighting import weights

#: public names loaded on first use (they pull in pandas, matplotlib or PyMC), name -> module
_LAZY: dict[str, str] = {
    "Hierarchy": "ahpstat.hierarchy",
    "Study": "ahpstat.study",
    "StudyResult": "ahpstat.study",
    "check_study": "ahpstat.study",
    "PanelOptions": "ahpstat.panel",
    "PanelResult": "ahpstat.panel",
    "run_panel": "ahpstat.panel",
    "StudyBootstrapResult": "ahpstat.bootstrap",
    "StudyData": "ahpstat.bootstrap",
    "ConfidenceInterval": "ahpstat.bootstrap",
    "FewClustersWarning": "ahpstat.bootstrap",
    "FewExpertsWarning": "ahpstat.bootstrap",
    "bootstrap_interval": "ahpstat.bootstrap",
    "joint_bootstrap": "ahpstat.bootstrap",
    "bootstrap_study": "ahpstat.bootstrap",
    "rank_probabilities": "ahpstat.bootstrap",
    "pairwise_probabilities": "ahpstat.bootstrap",
    "resample_counts": "ahpstat.bootstrap",
    "resampled_item_means": "ahpstat.bootstrap",
    "write_study": "ahpstat.output",
    "BayesianAHP": "ahpstat.bayes",
    "BayesResult": "ahpstat.bayes",
    "compare_methods": "ahpstat.compare",
    "compare_study": "ahpstat.compare",
    "MethodComparison": "ahpstat.compare",
    "StudyComparison": "ahpstat.compare",
    "multiverse": "ahpstat.multiverse",
    "MultiverseResult": "ahpstat.multiverse",
    "rank_confidence_sets": "ahpstat.rank_sets",
    "DecisionModel": "ahpstat.alternatives",
    "DecisionResult": "ahpstat.alternatives",
    "rank_reversal": "ahpstat.alternatives",
    "individual_priorities": "ahpstat.individual",
    "harker_repair": "ahpstat.individual",
    "evaluate_study": "ahpstat.evaluation",
    "EvaluationOptions": "ahpstat.evaluation",
    "EvaluationResult": "ahpstat.evaluation",
    "objective_weights": "ahpstat.objective",
    "combine_weights": "ahpstat.objective",
}
#: public submodules loaded on first use
_SUBMODULES = ("io", "hierarchy", "panel", "scoring", "bootstrap", "bayes", "simulate", "study",
               "report", "compare", "rank_sets", "output", "datasets", "experiment",
               "planning", "alternatives", "individual", "objective", "fuzzy", "mcda",
               "evaluation")


def __getattr__(name: str):  # PEP 562: keep `import ahpstat` light
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"ahpstat.{name}")
    else:
        raise AttributeError(f"module 'ahpstat' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


try:
    __version__ = version("ahpstat")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "RANDOM_INDEX_TABLES",
    "SAATY_SCALE",
    "AHPDeprecationWarning",
    "AHPWarning",
    "ConsistencyResult",
    "ConvergenceWarning",
    "DegenerateDataWarning",
    "InputError",
    "WeightsResult",
    "__version__",
    "aggregate",
    "complete",
    "consistency",
    "pairwise",
    "random_index",
    "scales",
    "weights",
    "worst_judgments",
    *_LAZY,
]
