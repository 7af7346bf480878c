"""A decision study: an R ahp ``.ahp`` file run like a study (``ahpstat run car.ahp``).

:meth:`ahpstat.Study.from_ahp_file` returns a :class:`DecisionStudy`; its :meth:`run` gives a
:class:`DecisionStudyResult` whose tables (``to_frame(kind)``, ``frame_kinds``) and
provenance :func:`ahpstat.output.write_decision` writes, as :func:`~ahpstat.write_study`
writes a survey study's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import InputError, check_method
from ahpstat.alternatives import (
    GROUP,
    DecisionBayesResult,
    DecisionBootstrapResult,
    DecisionModel,
    DecisionOptions,
    DecisionResult,
)

__all__ = ["DecisionStudy", "DecisionStudyResult"]

_KINDS = ("totals", "analyze", "weights", "local", "contributions", "consistency")


@dataclass(frozen=True)
class DecisionStudy:
    """An ``.ahp`` decision with its evaluation options.

    Attributes
    ----------
    model : DecisionModel
    options : DecisionOptions
        Default: R ahp's ``Calculate`` (eigenvector, weighted arithmetic AIP,
        distributive, Alonso & Lamata's random index).
    source : Path
    name : str
    """

    model: DecisionModel
    options: DecisionOptions = field(default_factory=DecisionOptions)
    source: Path | None = None
    name: str = "decision"

    @classmethod
    def from_ahp_file(cls, path: str | os.PathLike, **options: Any) -> DecisionStudy:
        """Read an R ahp ``.ahp`` file; ``options`` are :class:`DecisionOptions` fields."""
        model = DecisionModel.from_ahp_file(path)
        return cls(model=model, options=DecisionOptions(**options), source=Path(path),
                   name=model.data.name or Path(path).stem)

    def input_files(self) -> dict[str, Path]:
        """The input files by role (here one: the ``.ahp`` file)."""
        return {} if self.source is None else {"decision": self.source}

    def run(self, *, rng: int | np.random.Generator | None = None,
            bootstrap: bool | int | None = None,
            confidence_level: float = 0.95, method: str = "percentile",
            bayes: bool = False) -> DecisionStudyResult:
        """Evaluate the decision (and, with ``bootstrap``, resample its decision makers;
        with ``bayes``, fit the Bayesian model to its judgments).

        Parameters
        ----------
        rng : None, int or numpy.random.Generator
            For the bootstrap and the Bayesian model's sampler (one seed, independent
            streams).
        bootstrap : bool or int, optional
            ``True`` (2000 resamples) or the number of resamples; needs two or more
            decision makers.
        confidence_level, method
            Of the bootstrap intervals (``confidence_level`` also of the credible intervals).
        bayes : bool, default False
            :meth:`DecisionModel.bayes <ahpstat.alternatives.DecisionModel.bayes>` (minutes
            on a large tree; its tables are ``bayes_priorities``,
            ``bayes_rank_probabilities`` and ``bayes_diagnostics``).

        Returns
        -------
        DecisionStudyResult

        Examples
        --------
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.ahp"
        >>> _ = p.write_text(\'\'\'Version: 2.0
        ... Alternatives: &a {A: {}, B: {}}
        ... Goal:
        ...   name: G
        ...   preferences: {pairwise: [[X, Y, 3]]}
        ...   children:
        ...     X: {preferences: {pairwise: [[A, B, 2]]}, children: *a}
        ...     Y: {preferences: {score: [{A: 1}, {B: 3}]}, children: *a}
        ... \'\'\')
        >>> res = DecisionStudy.from_ahp_file(p).run()
        >>> res.to_frame("totals").round(4)
          decision_maker alternative   total  priority  rank
        0        (group)           A  0.5625    0.5625     1
        1        (group)           B  0.4375    0.4375     2
        """
        result = self.model.evaluate(self.options)
        gen = np.random.default_rng(rng)
        boot = None
        if bootstrap:
            n = 2000 if bootstrap is True else int(bootstrap)
            if len(self.model.decision_makers) < 2:
                raise InputError("the bootstrap resamples the decision makers; this decision "
                                 "has one. Run it without --bootstrap. Got 1 decision maker "
                                 "instead.", file=str(self.source) if self.source else None)
            boot = self.model.bootstrap(n_resamples=n, confidence_level=confidence_level,
                                        method=method, rng=gen, options=self.options)
        # the sampler's stream is a child of the seed: the bootstrap's stays what it was
        post = self.model.bayes(options=self.options, rng=gen.spawn(1)[0]) if bayes else None
        return DecisionStudyResult(study=self, result=result, bootstrap=boot, bayes=post,
                                   seed=rng if isinstance(rng, int) else None,
                                   confidence_level=confidence_level)


@dataclass(frozen=True)
class DecisionStudyResult:
    """The evaluated decision: tidy tables by name and the provenance.

    Attributes
    ----------
    study : DecisionStudy
    result : DecisionResult
    bootstrap : DecisionBootstrapResult or None
    bayes : DecisionBayesResult or None
    seed : int or None
    confidence_level : float
        Of the credible intervals in ``bayes_priorities``.
    """

    study: DecisionStudy
    result: DecisionResult
    bootstrap: DecisionBootstrapResult | None = None
    bayes: DecisionBayesResult | None = None
    seed: int | None = None
    confidence_level: float = 0.95

    @property
    def frame_kinds(self) -> tuple[str, ...]:
        """The table names of :meth:`to_frame`."""
        extra: tuple[str, ...] = (("intervals", "rank_probabilities")
                                  if self.bootstrap is not None else ())
        if self.bayes is not None:
            extra += ("bayes_priorities", "bayes_rank_probabilities", "bayes_diagnostics")
        return (*_KINDS, *extra)

    def to_frame(self, kind: str = "totals") -> pd.DataFrame:
        """One table by name (:attr:`frame_kinds`): the :class:`DecisionResult` tables,
        ``analyze`` (R ahp's ``Analyze`` table for the group and each decision maker, stacked
        with a ``decision_maker`` column, file order) and, with a bootstrap, ``intervals``
        and ``rank_probabilities``; with the Bayesian model ``bayes_priorities`` (posterior
        mean, SD and equal-tailed credible interval of each alternative's priority),
        ``bayes_rank_probabilities`` and ``bayes_diagnostics`` (R-hat, ESS, MCSE and the
        verdict ``ok`` per parameter; the fit-level verdict, which also counts divergent
        transitions, is in :meth:`provenance`).
        """
        kind = check_method("kind", kind, self.frame_kinds)
        if kind == "analyze":
            dms = [GROUP, *(self.result.decision_makers
                            if len(self.result.decision_makers) > 1 else ())]
            parts = []
            for dm in dms:
                t = self.result.analyze(dm, sort="orig").reset_index()
                t.insert(0, "decision_maker", dm)
                parts.append(t)
            return pd.concat(parts, ignore_index=True)
        if kind == "intervals":
            assert self.bootstrap is not None
            return self.bootstrap.to_frame()
        if kind == "rank_probabilities":
            assert self.bootstrap is not None
            return self.bootstrap.rank_probabilities()
        if kind.startswith("bayes_"):
            assert self.bayes is not None
            if kind == "bayes_priorities":
                return self.bayes.to_frame(confidence_level=self.confidence_level)
            if kind == "bayes_rank_probabilities":
                return self.bayes.rank_probabilities()
            # per-parameter verdicts only; the fit-level verdict (with the divergences) is
            # in the provenance and the report
            return self.bayes.bayes.diagnostics.copy()
        return self.result.to_frame(kind)

    def provenance(self) -> Mapping[str, Any]:
        """Version, options, seed and the SHA-256 of the ``.ahp`` file."""
        import ahpstat
        from ahpstat.io import sha256_file

        st = self.study
        files = {k: {"path": str(p), "sha256": sha256_file(p)}
                 for k, p in st.input_files().items()}
        boot = None
        if self.bootstrap is not None:
            boot = {"n_resamples": int(self.bootstrap.draws.shape[1]),
                    "confidence_level": self.bootstrap.confidence_level,
                    "method": self.bootstrap.method, "seed": self.seed}
        return {"ahpstat": ahpstat.__version__, "kind": "decision", "name": st.name,
                "inputs": files, "options": dict(st.options.__dict__),
                "alternatives": list(self.result.alternatives),
                "decision_makers": list(self.result.decision_makers), "bootstrap": boot,
                "bayes": None if self.bayes is None else {
                    "seed": self.seed, "ok": bool(self.bayes.bayes.ok),
                    "n_divergences": int(self.bayes.bayes.n_divergences),
                    "parameters_not_ok": [str(x) for x in self.bayes.bayes.diagnostics.loc[
                        ~self.bayes.bayes.diagnostics["ok"], "parameter"]],
                    "n_draws": int(self.bayes.draws.shape[1]),
                    "credible_level": self.confidence_level}}

    def summary(self) -> str:
        """One line for the command line."""
        p = self.result.priorities().sort_values(ascending=False)
        best = ", ".join(f"{a} {v:.3f}" for a, v in p.items())
        k = len(self.result.decision_makers)
        return (f"{self.study.name}: {len(p)} alternatives, {k} decision "
                f"maker{'s' if k != 1 else ''}, {len(self.result.hierarchy)} criteria; "
                f"{best}.")
