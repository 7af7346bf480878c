"""The result of a study: tidy tables, the arrays the uncertainty layers use, provenance."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import check_method
from ahpstat._versions import library_versions
from ahpstat.bootstrap import StudyData
from ahpstat.study._config import Study

__all__ = ["ALL_LABEL", "StudyResult"]

#: the group label of the whole sample in the tables
ALL_LABEL = "all"


@dataclass(frozen=True, eq=False)
class StudyResult(StudyData):
    """Everything a study computed, as tidy tables plus the arrays uncertainty methods need.

    Attributes
    ----------
    weights : pandas.DataFrame
        ``node, parent, depth, level, label, local, global, ci_low, ci_high, local_ci_low,
        local_ci_high, interval`` (every node, pre-order); ``ci_*`` is the bootstrap interval
        of the global weight, ``local_ci_*`` of the local weight (empty without a bootstrap
        that resamples the experts); ``interval`` names them (level, method, what was
        resampled).
    consistency : pandas.DataFrame
        ``expert, node, n, index, value, threshold, acceptable, random_index,
        random_index_value, lambda_max, completion, status, value_after`` -- every expert's
        matrix at every node (before/after the policy) and each node's aggregate matrix
        (``expert = "(aggregate)"``).
    scores : pandas.DataFrame
        ``node, depth, level, label, grouping, group, n_respondents, score, ci_low,
        ci_high, interval``: every node's composite score for the whole sample (``grouping
        = group = "all"``) and per group of every grouping column. A leaf's score is its item
        mean. ``ci_*``: the bootstrap interval (empty without a bootstrap, and for grouping
        columns other than the bootstrap's ``group``), named by ``interval``.
    ranks : pandas.DataFrame
        ``grouping, node, group, score, rank, rank_mean, rank_ci_low, rank_ci_high,
        rank_interval``: groups ranked on every internal node's score (1 = highest; ties
        share the lowest rank); ``rank_*`` from the bootstrap: mean rank and the marginal
        equal-tailed interval of the rank over the resamples (``rank_interval`` says so;
        joint sets are in ``rank_confidence_sets``).
    audit : pandas.DataFrame
        What the inconsistency policy did (:class:`~ahpstat.panel.PanelResult`).
    dispersion : pandas.DataFrame
        Panel dispersion per node.
    reliability : pandas.DataFrame
        ``scope, label, n_items, n_complete, alpha``: Cronbach's alpha per criterion and
        overall (listwise within the items).
    items : pandas.DataFrame
        ``leaf, item, label, n_answers, mean, sd``: the item means the scores use.
    uncertainty : dict of str to pandas.DataFrame
        The tables of the ``bootstrap:``, ``bayes:``, ``sensitivity:`` and evaluation
        sections that ran, by name (listed under Notes); :func:`ahpstat.write_study`
        writes each as ``<name>.csv``.
    hierarchy, panel, stacks, experts, leaf_weights, answers, membership : objects, arrays
        What the uncertainty layers need: the hierarchy, the panel
        (:class:`~ahpstat.panel.PanelResult`), stacks (node -> (experts, (K, n, n))), the
        experts, leaf_weights (L,) in ``hierarchy.leaves`` order, answers (R, L) (after the
        missing-answer policy), respondents, membership (N, L), group_codes (grouping ->
        (R,) int codes) and group_names (grouping -> names), and
        :meth:`resample_leaf_weights` (the panel re-run for resampled experts). It is the
        :class:`~ahpstat.bootstrap.StudyData` that :func:`~ahpstat.bootstrap.bootstrap_study`
        takes. Write it with :func:`ahpstat.output.write_study`.

    Notes
    -----
    The tables in :attr:`uncertainty` (each written when its section ran):

    rank_probabilities
        ``grouping, node, group, rank, probability``: P(the group ranks ``rank``) at the
        goal and at every criterion (bootstrap).
    rank_pairwise
        ``grouping, node, a, b, probability``: P(group ``a`` scores above group ``b``) at
        the goal and every criterion (bootstrap).
    criteria_ranks
        ``by, parent, node, rank, probability``: the criteria ranked by score (whole
        sample) and by weight (bootstrap).
    rank_confidence_sets
        ``ranked, by, grouping, parent, node, group, estimate, rank, rank_low, rank_high,
        coverage, confidence_level, interval``: joint (all ranks of a family at once) and
        marginal confidence sets for the ranks of the groups at the goal and every criterion
        (``ranked = "groups"``, ``node`` the node whose score ranks them) and of the
        criteria by score and by weight (``ranked = "criteria"``, ``parent``, ``node`` the
        criterion) -- :mod:`ahpstat.rank_sets` (bootstrap).
    variance_split
        ``grouping, group, node, var_panel, var_sample, var_joint, share_panel, split``: the
        bootstrap variance of every score due to the panel (experts resampled, item means
        fixed) and to the sample (respondents resampled, weights fixed), one source at a
        time with no interaction term (``split`` says so).
    bayes_weights
        ``node, parent, weight, mean, median, sd, ci_low, ci_high, interval``: posterior of
        every local and global weight (``BayesResult.to_frame("weights")``).
    credal
        ``node, element_i, element_j, p_greater, p_greater_new_expert``: posterior
        P(w_i > w_j) of the panel centre, and for a new expert drawn from the panel.
    expert_inconsistency
        ``expert, sigma_mean, sigma_sd, sigma_ci_low, sigma_ci_high, rank, influence,
        interval``.
    bayes_scores
        ``node, grouping, group, mean, median, ci_low, ci_high, item_means, interval``:
        posterior of every score, each posterior weight draw paired with a bootstrap
        resample of the respondents' item means (``item_means`` says how they were
        resampled: ``"one-stage cluster bootstrap"``, ``"iid bootstrap"``, ...), so both the
        panel's and the sample's uncertainty.
    bayes_diagnostics
        ``parameter, r_hat, ess_bulk, ess_tail, mcse_mean, ok``: each parameter's verdict
        (R-hat <= 1.01, bulk and tail ESS >= 100 per chain); the fit-level verdict (also no
        divergent transition) is ``run_info["bayes"]["diagnostics_ok"]`` (provenance, report).
    bayes_predictive_checks
        ``check, expert, n, observed, replicated_median, ci_low, ci_high, p_value,
        interval``:
        observed vs replicated consistency ratio per expert and share of judgments at the
        scale's ends (:func:`ahpstat.bayes.predictive_checks`).
    multiverse, multiverse_*, sensitivity_*
        The ``sensitivity:`` section (:class:`ahpstat.sensitivity.SensitivityAnalysis`,
        also in :attr:`sensitivity`): every specification's scores and ranks, rank and
        weight-order stability, the variance decomposition, the weight intervals and
        thresholds, the perturbed judgments' rank probabilities, Sobol' indices.
    """

    study: Study
    stacks: dict[str, tuple[tuple[str, ...], np.ndarray]]
    weights: pd.DataFrame
    consistency: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame
    audit: pd.DataFrame
    dispersion: pd.DataFrame
    reliability: pd.DataFrame
    items: pd.DataFrame
    respondents: tuple[str, ...]
    membership: np.ndarray
    seed: Any
    input_hashes: dict[str, str]
    n_dropped_listwise: int = 0
    bootstrap: Any = None
    bayes: Any = None
    sensitivity: Any = None
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
        rule and inconsistency policy; see :meth:`ahpstat.panel.PanelResult.resample`.
        """
        return self.panel.resample(expert_index)

    @property
    def frame_kinds(self) -> tuple[str, ...]:
        """The tables this result holds, in the order they are written (file stems)."""
        return ("weights", "consistency", "scores", "ranks", "audit", "dispersion",
                "reliability", "items", *self.uncertainty)

    def to_frame(self, kind: str = "weights") -> pd.DataFrame:
        """One of the result's tidy tables (:attr:`frame_kinds`; see the class docstring).

        Examples
        --------
        >>> import tempfile
        >>> from ahpstat.datasets import write_example_study
        >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
        >>> res.to_frame("weights").columns[:4].tolist()
        ['node', 'parent', 'depth', 'level']
        """
        kind = check_method("kind", kind, self.frame_kinds)
        if kind in self.uncertainty:
            return self.uncertainty[kind]
        return getattr(self, kind)

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
            "entropy": self.run_info.get("entropy"),
            "inputs": {role: {"path": _display_path(p, self.study.source),
                              "sha256": self.input_hashes[role]}
                       for role, p in self.study.input_files().items()},
            "counts": {"experts": len(self.experts), "respondents": len(self.respondents),
                       "nodes": len(self.hierarchy.nodes), "leaves": len(self.hierarchy.leaves),
                       "listwise_dropped": self.n_dropped_listwise},
            "bootstrap": self.run_info.get("bootstrap"),
            "bayes": self.run_info.get("bayes"),
            "sensitivity": self.run_info.get("sensitivity"),
        }


def _display_path(p: Path, source: Path | None) -> str:
    if source is not None:
        try:
            return str(Path(os.path.relpath(p, source.parent)))
        except ValueError:
            pass
    return str(p)
