"""The validated inputs of :func:`~ahpstat.bootstrap.joint_bootstrap` (its design), and the
warnings of a design too small for the bootstrap's nominal coverage (``studies/coverage``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat._validation import (
    InputError,
    check_confidence_level,
    check_int,
    check_method,
)
from ahpstat._warnings import AHPWarning, DegenerateDataWarning, FewExpertsWarning, warn
from ahpstat.bootstrap._intervals import METHODS
from ahpstat.bootstrap._resampling import check_stage, label_codes
from ahpstat.bootstrap._result import (
    MIN_CLUSTERS,
    MIN_EXPERTS,
    SOURCES,
    few_clusters_message,
    few_experts_message,
    index_tree,
)

__all__ = [
    "MIN_CLUSTERS",
    "MIN_EXPERTS",
    "Design",
    "FewClustersWarning",
    "FewExpertsWarning",
    "call_sampler",
    "design",
]



class FewClustersWarning(AHPWarning):
    """Too few clusters for the cluster bootstrap to reach its nominal coverage.

    One-stage intervals are then too narrow; two-stage ones too wide at low intra-class
    correlation and too narrow at high (the message says which applies).
    """



@dataclass(frozen=True, eq=False)
class Design:
    """The validated inputs of :func:`joint_bootstrap`."""

    X: np.ndarray                      # (R, L) answers, NaN = missing
    M: np.ndarray                      # (N, L) membership
    w_hat: np.ndarray                  # (L,) leaf weights of the whole panel
    gcodes: np.ndarray | None          # (R,) group codes
    gnames: tuple[str, ...]
    ccodes: np.ndarray | None          # (R,) cluster codes
    cnames: tuple[str, ...]
    stage: str                         # cluster stage, "one" or "two"
    resample: tuple[str, ...]
    n_resamples: int
    confidence_level: float
    method: str
    nodes: tuple[str, ...]
    leaves: tuple[str, ...]
    parents: tuple[int, ...] | None
    n_experts: int | None
    sampler: Callable[[np.ndarray], np.ndarray] | None

    @property
    def do_experts(self) -> bool:
        """Resample the panel (one expert: resampling changes nothing, weights stay fixed)."""
        return "experts" in self.resample and self.n_experts is not None and self.n_experts > 1

    @property
    def do_respondents(self) -> bool:
        """Resample the respondents."""
        return "respondents" in self.resample

    @property
    def scheme(self) -> str:
        """Overall respondent resampling: ``"cluster"`` or ``"iid"``."""
        return "cluster" if self.ccodes is not None else "iid"


def _check_options(resample: Sequence[str] | str, n_resamples: int, confidence_level: float,
                   method: str, cluster_stage: str) -> tuple[tuple[str, ...], int, float, str, str]:
    method = check_method("method", method, METHODS)
    stage = check_stage(cluster_stage)
    confidence_level = check_confidence_level(confidence_level)
    n_resamples = check_int("n_resamples", n_resamples, 2 if method == "bca" else 1)
    if isinstance(resample, str):
        resample = (resample,)
    sources = tuple(check_method("resample", r, SOURCES) for r in resample)
    if not sources:
        raise ValueError("`resample` must name at least one of 'experts', 'respondents'; "
                         "got () instead.")
    return sources, n_resamples, confidence_level, method, stage


def _check_structure(membership: ArrayLike, answers: Any, nodes: Sequence[str] | None,
                     leaves: Sequence[str] | None, parents: Sequence[int] | None
                     ) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...],
                                tuple[int, ...] | None]:
    M = np.asarray(membership, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"`membership` must be (nodes, leaves); got shape {M.shape} instead.")
    N, L = M.shape
    if leaves is None:
        if isinstance(answers, pd.DataFrame):
            raise ValueError("`leaves` must name the item columns of a DataFrame `answers`; "
                             "got None instead.")
        leaves = tuple(f"item{i}" for i in range(L))
    leaf_ids = tuple(str(x) for x in leaves)
    if len(leaf_ids) != L:
        raise ValueError(f"`leaves` must name the {L} columns of `membership`; got "
                         f"{len(leaf_ids)} instead.")
    node_ids = tuple(str(x) for x in (nodes if nodes is not None else range(N)))
    if len(node_ids) != N:
        raise ValueError(f"`nodes` must name the {N} rows of `membership`; got "
                         f"{len(node_ids)} instead.")
    par = None
    if parents is not None:
        par = tuple(int(p) for p in parents)
        if len(par) != N or sum(p == -1 for p in par) != 1 or any(p < -1 or p >= N
                                                                    for p in par):
            raise ValueError(f"`parents` must give one parent index per node ({N}) and -1 for "
                             f"exactly one root; got {par!r} instead.")
        index_tree(par)  # a tree: no cycle
    return M, node_ids, leaf_ids, par


def _answers(answers: Any, leaves: tuple[str, ...], groups: Any, clusters: Any
             ) -> tuple[np.ndarray, Any, Any]:
    """The answer matrix (R, L) and the group and cluster labels (columns looked up)."""
    if isinstance(answers, pd.DataFrame):
        def column(x: Any, name: str) -> Any:
            if isinstance(x, str):
                if x not in answers.columns:
                    raise InputError(f"`{name}` column {x!r} is not in the survey; the columns "
                                     f"are {list(map(str, answers.columns))}. Got {x!r} instead.",
                                     column=x)
                return answers[x].to_numpy()
            return x

        groups = column(groups, "groups")
        clusters = column(clusters, "clusters")
        missing = [c for c in leaves if c not in answers.columns]
        if missing:
            raise InputError(f"the survey has no column for items {missing}. Got columns "
                             f"{list(map(str, answers.columns))} instead.")
        X = answers[list(leaves)].to_numpy(dtype=float)
    else:
        if isinstance(groups, str) or isinstance(clusters, str):
            raise ValueError("`groups`/`clusters` given as column names need `answers` as a "
                             "DataFrame; got an array instead.")
        X = np.asarray(answers, dtype=float)
    L = len(leaves)
    if X.ndim != 2 or X.shape[1] != L:
        raise ValueError(f"`answers` must be (respondents, {L} leaves); got shape {X.shape} "
                         "instead.")
    if X.shape[0] < 1:
        raise ValueError("`answers` has no respondents; got 0 rows instead.")
    return X, groups, clusters


def _check_panel(resample: tuple[str, ...], leaf_weights: ArrayLike | None,
                 sampler: Callable[[np.ndarray], np.ndarray] | None, n_experts: int | None,
                 L: int) -> tuple[np.ndarray, int | None]:
    if "experts" in resample:
        if sampler is None or n_experts is None:
            raise ValueError("resampling 'experts' needs `leaf_weight_sampler` and "
                             "`n_experts`; got None instead.")
        n_experts = check_int("n_experts", n_experts, 1)
        if n_experts == 1:
            warn("one expert: resampling the panel adds no variance.", DegenerateDataWarning)
        elif n_experts < MIN_EXPERTS:
            warn(few_experts_message(n_experts), FewExpertsWarning)
    if leaf_weights is None:
        if sampler is None or n_experts is None:
            raise ValueError("give `leaf_weights` or a `leaf_weight_sampler` with `n_experts`; "
                             "got neither instead.")
        leaf_weights = call_sampler(sampler, np.arange(n_experts)[None], L)[0]
    w = np.asarray(leaf_weights, dtype=float)
    if w.shape != (L,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"`leaf_weights` must be {L} finite non-negative weights; got shape "
                         f"{w.shape} instead.")
    return w, n_experts


def design(answers: Any, membership: ArrayLike, *, leaf_weights: ArrayLike | None,
            sampler: Callable[[np.ndarray], np.ndarray] | None, n_experts: int | None,
            groups: Any, clusters: Any, cluster_stage: str, resample: Sequence[str] | str,
            n_resamples: int, confidence_level: float, method: str,
            nodes: Sequence[str] | None, leaves: Sequence[str] | None,
            parents: Sequence[int] | None) -> Design:
    """Validate every input of :func:`joint_bootstrap` (in the order the user reads them)."""
    sources, B, level, method, stage = _check_options(resample, n_resamples, confidence_level,
                                                      method, cluster_stage)
    M, node_ids, leaf_ids, par = _check_structure(membership, answers, nodes, leaves, parents)
    X, groups, clusters = _answers(answers, leaf_ids, groups, clusters)
    R = X.shape[0]
    gcodes, gnames = label_codes(groups, R, "groups")
    ccodes, cnames = label_codes(clusters, R, "clusters")
    if ccodes is not None:
        if len(cnames) < 2:
            raise ValueError(f"cluster resampling needs at least 2 clusters; got {len(cnames)} "
                             "instead.")
        if len(cnames) < MIN_CLUSTERS and "respondents" in sources:
            warn(few_clusters_message(len(cnames), stage), FewClustersWarning)
    w, K = _check_panel(sources, leaf_weights, sampler, n_experts, len(leaf_ids))
    return Design(X=X, M=M, w_hat=w, gcodes=gcodes, gnames=gnames, ccodes=ccodes,
                   cnames=cnames, stage=stage, resample=sources, n_resamples=B,
                   confidence_level=level, method=method, nodes=node_ids, leaves=leaf_ids,
                   parents=par, n_experts=K, sampler=sampler)


def call_sampler(sampler: Callable, idx: np.ndarray, L: int) -> np.ndarray:
    W = np.asarray(sampler(idx), dtype=float)
    if W.shape != (idx.shape[0], L):
        raise ValueError(f"`leaf_weight_sampler` must return ({idx.shape[0]}, {L}) leaf "
                         f"weights for {idx.shape[0]} resamples; got shape {W.shape} instead.")
    return W
