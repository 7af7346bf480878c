"""A study's ``sensitivity:`` section, run (:func:`sensitivity_analysis`): the multiverse, the
weight intervals, the judgment perturbation and the Sobol' indices with their tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ahpstat._results import TablesResult
from ahpstat.sensitivity._judgments import PerturbationResult, judgment_perturbation
from ahpstat.sensitivity._settings import sensitivity_settings
from ahpstat.sensitivity._sobol import sobol_weights
from ahpstat.sensitivity._weights import WeightSensitivityResult, weight_sensitivity

__all__ = ["SensitivityAnalysis", "sensitivity_analysis"]


@dataclass(frozen=True)
class SensitivityAnalysis(TablesResult):
    """A study's ``sensitivity:`` section, run: multiverse, weight intervals, judgment
    perturbation and Sobol' indices (each ``None`` when switched off).

    Tables (the kinds of :meth:`to_frame`; :meth:`tables` gives them all): ``multiverse``
    (every specification x node x group: score, rank), ``multiverse_specifications``,
    ``multiverse_rank_stability``, ``multiverse_weight_order``, ``multiverse_anova``,
    ``sensitivity_weights``, ``sensitivity_critical``, ``sensitivity_judgments_ranks``,
    ``sensitivity_judgments_order``, ``sensitivity_sobol``.
    """

    settings: dict[str, Any]
    multiverse: Any
    weights: WeightSensitivityResult | None
    judgments: PerturbationResult | None
    sobol: Any

    def _frames(self) -> dict[str, Any]:
        """The tables by kind (the output files' stems)."""
        out: dict[str, Any] = {}
        if self.multiverse is not None:
            out.update(self.multiverse._frames())
        if self.weights is not None:
            out.update(self.weights._frames())
        if self.judgments is not None:
            out.update(self.judgments._frames())
        if self.sobol is not None:
            out["sensitivity_sobol"] = self.sobol
        return out


def sensitivity_analysis(result: Any, settings: dict[str, Any] | None = None, *,
                         rng: int | np.random.Generator | None = None,
                         progress: Callable[[int, int], None] | None = None
                         ) -> SensitivityAnalysis:
    """Run the robustness analyses of a study (its ``sensitivity:`` section).

    Parameters
    ----------
    result : StudyResult
    settings : dict, optional
        As :func:`sensitivity_settings` returns (default: every default).
    rng : None, int or Generator
        Seeds the judgment perturbation and Sobol' sampling (two independent streams).
    progress : callable, optional
        ``progress(done, total)`` over the panel re-runs (multiverse configurations and
        perturbation replicates).

    Returns
    -------
    SensitivityAnalysis

    Examples
    --------
    >>> from ahpstat.datasets import example_study_result
    >>> s = sensitivity_settings({"weighting": ["eigenvector"], "aggregation": ["aij"],
    ...     "policy": ["keep"], "consistency": ["cr"], "judgments": {"n_resamples": 5},
    ...     "sobol": {"n_samples": 64}})
    >>> sa = sensitivity_analysis(example_study_result(), s, rng=1)
    >>> sorted(sa.tables())[:3]
    ['multiverse', 'multiverse_anova', 'multiverse_effects']
    """
    from ahpstat.multiverse import multiverse

    s = settings if settings is not None else sensitivity_settings({})
    gen = np.random.default_rng(rng)
    jr, sr = gen.spawn(2)
    grouping = s.get("grouping") or (next(iter(result.group_codes), None))
    g = s["grid"]
    n_panels = _count_panels(g)
    n_rep = s["judgments"]["n_resamples"] if s["judgments"] is not None else 0
    total = n_panels + n_rep

    def step(offset: int) -> Callable[[int, int], None] | None:
        if progress is None:
            return None

        def cb(d: int, _t: int) -> None:
            progress(min(offset + d, total), total)
        return cb

    mv = multiverse(result, g, nodes=s["nodes"], progress=step(0))
    ws = weight_sensitivity(result, grouping=grouping) if (s["one_at_a_time"] and grouping) \
        else None
    jp = None
    if s["judgments"] is not None:
        j = s["judgments"]
        jp = judgment_perturbation(result, n_resamples=j["n_resamples"],
                                   probability=j["probability"], sigma=j["sigma"], rng=jr,
                                   progress=step(n_panels))
    sb = None
    if s["sobol"] is not None and grouping:
        so = s["sobol"]
        sb = sobol_weights(result, factor=so["factor"], n_samples=so["n_samples"],
                           grouping=grouping, confidence_level=so["confidence_level"], rng=sr)
    return SensitivityAnalysis(settings={**s, "grouping": grouping}, multiverse=mv,
                               weights=ws, judgments=jp, sobol=sb)


def _count_panels(g: dict[str, tuple]) -> int:
    n = len(g["weighting"]) * len(g["aggregation"]) * len(g["scale"])
    per = sum(1 if p == "keep" else len(g["consistency"]) for p in g["policy"])
    return n * per
