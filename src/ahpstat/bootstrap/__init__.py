"""Bootstrap uncertainty for AHP weights, composite scores and ranks.

Two independent sources of uncertainty (docs/methods.md): the expert panel, which gives the
weights, and the respondent sample, which gives the item means. This package resamples either
or both, independently, and keeps every resample (draws on the LAST axis), so another
confidence level or interval method needs no new resampling.

Modules (one concern each; every public name is importable from ``ahpstat.bootstrap``)
------------------------------------------------------------------------------------------
``_resampling`` (numpy core)
    :func:`resample_counts` (iid, stratified, one- or two-stage cluster resampling as count
    matrices in fixed blocks of :data:`BLOCK` resamples), :func:`resampled_item_means`.
``_intervals`` (numpy core)
    :func:`bootstrap_interval` (percentile, basic and BCa intervals with scipy's
    conventions), :func:`jackknife_acceleration` (BCa's ``a``).
``_ranks`` (numpy core)
    :func:`rank_probabilities`, :func:`rank_table`, :func:`pairwise_probabilities`.
``_result``
    :class:`StudyBootstrapResult` (every resample kept; intervals, ranks and tidy tables via
    ``to_frame``).
``_design``
    The validated inputs of :func:`joint_bootstrap`; :class:`FewClustersWarning`,
    :class:`FewExpertsWarning`.
``_joint``
    :func:`joint_bootstrap` in named steps (sufficient statistics, panel re-runs, scores of
    all nodes and groups per block, the multi-sample jackknife).
``_study``
    :class:`StudyData` and :func:`bootstrap_study` (a run study's bootstrap).

Reproducibility: the resamples are generated in fixed blocks of ``BLOCK`` resamples, block
``k`` from its own stream ``rng.spawn``-ed for it, so the result depends on ``rng`` and the
data only -- never on how the work is batched, chunked or distributed.
"""

from __future__ import annotations

from ahpstat.bootstrap._design import (
    MIN_CLUSTERS,
    MIN_EXPERTS,
    FewClustersWarning,
    FewExpertsWarning,
)
from ahpstat.bootstrap._intervals import (
    MIN_DEFINED_SHARE,
    ConfidenceInterval,
    bootstrap_interval,
    jackknife_acceleration,
)
from ahpstat.bootstrap._joint import joint_bootstrap
from ahpstat.bootstrap._ranks import pairwise_probabilities, rank_probabilities, rank_table
from ahpstat.bootstrap._resampling import BLOCK, resample_counts, resampled_item_means

# package-internal (not in __all__): the resampling's blocks, for the evaluation's rewound
# resamples
from ahpstat.bootstrap._resampling import Units as Units
from ahpstat.bootstrap._resampling import block_counts as block_counts
from ahpstat.bootstrap._resampling import cluster_draws as cluster_draws
from ahpstat.bootstrap._resampling import n_blocks as n_blocks
from ahpstat.bootstrap._resampling import times_drawn as times_drawn
from ahpstat.bootstrap._result import SOURCES as SOURCES
from ahpstat.bootstrap._result import SPLIT, StudyBootstrapResult
from ahpstat.bootstrap._study import StudyData, bootstrap_study

__all__ = [
    "BLOCK",
    "MIN_CLUSTERS",
    "MIN_DEFINED_SHARE",
    "MIN_EXPERTS",
    "SPLIT",
    "ConfidenceInterval",
    "FewClustersWarning",
    "FewExpertsWarning",
    "StudyBootstrapResult",
    "StudyData",
    "bootstrap_interval",
    "bootstrap_study",
    "jackknife_acceleration",
    "joint_bootstrap",
    "pairwise_probabilities",
    "rank_probabilities",
    "rank_table",
    "resample_counts",
    "resampled_item_means",
]
