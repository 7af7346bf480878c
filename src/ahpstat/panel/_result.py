"""The aggregated panel (:class:`PanelResult`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat.panel._options import PanelOptions

if TYPE_CHECKING:
    from ahpstat.panel._engine import Engine

__all__ = ["PanelResult"]


@dataclass(frozen=True)
class PanelResult:
    """The aggregated panel: weights at every node and what was done to get them.

    Attributes
    ----------
    experts : tuple of str
        All experts, in the order of every per-expert axis.
    expert_weights : ndarray, shape (K,)
        Normalized expert weights (before any policy).
    nodes : tuple of str
        Internal nodes (pre-order).
    local : dict
        ``node -> (n,)`` local weights of its children (in ``children(node)`` order).
    global_weights : dict
        ``node -> float`` for every node (root = 1).
    leaves : tuple of str
    leaf_weights : ndarray, shape (L,)
        Global weights of the leaves (sum 1), in ``leaves`` order.
    aggregate_matrices : dict
        ``node -> (n, n)`` the AIJ matrix (``aij``), or ``None`` (``aip``).
    stacks : dict
        ``node -> (K, n, n)`` the experts' matrices as given (all-``NaN`` for an expert who
        did not judge that node).
    effective_stacks : dict
        The same after the policy (repaired judgments).
    node_expert_weights : dict
        ``node -> (K,)`` the expert weights used at that node (0 = absent or dropped).
    expert_local : dict
        ``node -> (K, n)`` each expert's own weights (``NaN`` when absent or not identified).
    consistency : DataFrame
        ``expert, node, n, index, value, threshold, acceptable, random_index,
        random_index_value, lambda_max, completion, status, value_after`` -- one row per expert
        and node, plus one per node for the aggregate matrix (``expert = "(aggregate)"``,
        ``aij`` only).
    audit : DataFrame
        ``expert, node, action, row, col, old, new, index, index_before, index_after,
        threshold``; ``action`` is ``flag``, ``drop``, ``repair``, ``repair_failed`` or
        ``downweight`` (``old``/``new`` are then the expert's node weight multiplier).
    dispersion : DataFrame
        Per node: ``node, n_experts, n_elements, n_pairs, log_sd_mean, log_sd_max, worst_row,
        worst_col, weight_sd_mean``.
    options : PanelOptions
    threshold : float or None
        The threshold used (``None`` when it depends on the matrix order, e.g. GCI).
    """

    experts: tuple[str, ...]
    expert_weights: np.ndarray
    nodes: tuple[str, ...]
    local: dict[str, np.ndarray]
    global_weights: dict[str, float]
    leaves: tuple[str, ...]
    leaf_weights: np.ndarray
    aggregate_matrices: dict[str, np.ndarray | None]
    stacks: dict[str, np.ndarray]
    effective_stacks: dict[str, np.ndarray]
    node_expert_weights: dict[str, np.ndarray]
    expert_local: dict[str, np.ndarray]
    consistency: pd.DataFrame
    audit: pd.DataFrame
    dispersion: pd.DataFrame
    options: PanelOptions
    threshold: float | None
    _engine: Engine = field(repr=False, compare=False)

    def resample(self, expert_index: ArrayLike) -> np.ndarray:
        """Leaf global weights of the panel re-run on a resample of experts.

        Parameters
        ----------
        expert_index : array_like of int, shape (k,) or (B, k)
            Indices into :attr:`experts`, repeats allowed (a bootstrap resample counts an
            expert as often as drawn). The policy decisions (drops, repairs, down-weights)
            are per expert and node, so they carry over unchanged.

        Returns
        -------
        ndarray, shape (L,) or (B, L)
            Leaf global weights (sum 1) in :attr:`leaves` order. ``NaN`` (with a
            :class:`~ahpstat.DegenerateDataWarning`) for a resample in which no retained
            expert judged some node, or whose pooled comparisons at a node are disconnected.

        Examples
        --------
        >>> import numpy as np
        >>> from ahpstat.datasets import example_panel
        >>> from ahpstat.panel import run_panel
        >>> res = run_panel(*example_panel())
        >>> np.allclose(res.resample(np.arange(len(res.experts))), res.leaf_weights)
        True
        >>> res.resample([[0, 0, 1], [1, 2, 2]]).shape
        (2, 5)
        """
        idx = np.asarray(expert_index)
        if idx.dtype.kind not in "iu" or idx.ndim not in (1, 2) or idx.shape[-1] == 0:
            raise ValueError("`expert_index` must be a non-empty int array (k,) or (B, k); got "
                             f"dtype {idx.dtype}, shape {idx.shape} instead.")
        K = len(self.experts)
        if idx.size and (idx.min() < 0 or idx.max() >= K):
            raise ValueError(f"`expert_index` must lie in 0..{K - 1}; got values "
                             f"{int(idx.min())}..{int(idx.max())} instead.")
        one = idx.ndim == 1
        idx2 = idx[None] if one else idx
        B = idx2.shape[0]
        counts = np.zeros((B, K))
        np.add.at(counts, (np.repeat(np.arange(B), idx2.shape[1]), idx2.ravel()), 1.0)
        g = self._engine.leaf_weights(counts, strict=False)
        return g[0] if one else g

    def leaf_weight_sampler(self) -> Callable[[np.ndarray], np.ndarray]:
        """``sampler(expert_index (B, k)) -> (B, L)``, as :func:`ahpstat.bootstrap.joint_bootstrap`
        takes it (:meth:`resample`).
        """
        return self.resample
