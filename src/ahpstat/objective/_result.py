"""The results of the objective weights and of their combination (:class:`ObjectiveWeights`,
:class:`CombinedWeights`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["CombinedWeights", "ObjectiveWeights"]


@dataclass(frozen=True)
class ObjectiveWeights:
    """Objective weights of the items and the quantities they come from.

    Attributes
    ----------
    method : str
        ``"entropy"``, ``"critic"``, ``"sd"`` or ``"cv"``.
    normalization : str or None
        ``"minmax"`` or ``"proportion"`` (entropy); ``"minmax"`` (CRITIC); ``None`` otherwise.
    weights : ndarray, shape (..., n)
        The weights (sum 1 over the last axis; ``NaN`` where undefined).
    components : dict of str to ndarray, shape (..., n)
        What the method reports per item, as papers tabulate it: ``entropy``, ``divergence``
        (entropy); ``sd``, ``conflict`` (``sum_k (1 - r_jk)``), ``information`` (CRITIC);
        ``sd`` (sd); ``sd``, ``mean``, ``cv`` (cv).
    constant : ndarray of bool, shape (..., n)
        Items whose answers are all equal (weight 0).
    """

    method: str
    normalization: str | None
    weights: np.ndarray
    components: dict[str, np.ndarray] = field(repr=False)
    constant: np.ndarray = field(repr=False)

    def to_frame(self, labels: Sequence[str] | None = None) -> Any:
        """Tidy table of an unbatched result: ``item``, each component, ``weight``.

        Examples
        --------
        >>> from ahpstat.objective import entropy_weights
        >>> entropy_weights([[1, 2], [2, 2], [3, 5]], normalization="proportion").to_frame(
        ...     ["a", "b"]).round(4)
          item  entropy  divergence  weight
        0    a   0.9206      0.0794  0.4571
        1    b   0.9057      0.0943  0.5429
        """
        import pandas as pd

        from ahpstat._results import element_labels

        if self.weights.ndim != 1:
            raise ValueError("`to_frame` needs an unbatched result (weights of shape (n,)); got "
                             f"shape {self.weights.shape} instead.")
        n = self.weights.shape[-1]
        df = pd.DataFrame({"item": element_labels(labels, n)})
        for k, v in self.components.items():
            df[k] = v
        df["weight"] = self.weights
        return df


@dataclass(frozen=True)
class CombinedWeights:
    """Weight vectors combined into one.

    Attributes
    ----------
    method : str
        ``"multiplicative"``, ``"linear"`` or ``"game_theory"``.
    weights : ndarray, shape (..., n)
        The combined weights (sum 1).
    coefficients : ndarray, shape (..., K)
        The coefficient of each combined vector: ``alpha`` (linear), ``alpha*`` (game theory);
        ``NaN`` for the multiplicative combination, which has none.
    """

    method: str
    weights: np.ndarray
    coefficients: np.ndarray
