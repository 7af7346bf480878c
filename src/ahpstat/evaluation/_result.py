"""The result of an evaluation: :class:`EvaluationResult`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ahpstat._validation import check_method
from ahpstat.evaluation._options import EVALUATION_TABLES, EvaluationOptions


@dataclass(frozen=True, eq=False)
class EvaluationResult:
    """Objective and combined weights, fuzzy evaluation and rankings of a study's groups.

    Attributes
    ----------
    options : EvaluationOptions
    nodes : tuple of str
        The hierarchy's nodes (pre-order); ``fce_nodes`` the ones the evaluation reports.
    groups : tuple of str
        The groups evaluated and ranked (of the grouping column ``grouping``).
    grades : tuple of str
        Names of the grades (answer categories, lowest first).
    estimates : dict of str to ndarray
        Every statistic on the data (keys as in :attr:`draws`).
    draws : dict of str to ndarray or None
        The same statistics per bootstrap resample, resamples on the LAST axis (``None``
        without a bootstrap).
    acceleration : dict of str to ndarray
        BCa's ``a`` per statistic (empty unless the interval method is BCa).
    confidence_level, method : float, str
        The intervals' level and method (the bootstrap's).
    interval : str
        What the intervals are, in words (the bootstrap's label), or ``""``.
    tables : dict of str to DataFrame
        :data:`EVALUATION_TABLES`, tidy (see :func:`evaluate_study`).
    """

    options: EvaluationOptions
    nodes: tuple[str, ...]
    fce_nodes: tuple[str, ...]
    groups: tuple[str, ...]
    grouping: str | None
    grades: tuple[str, ...]
    estimates: dict[str, np.ndarray] = field(repr=False)
    draws: dict[str, np.ndarray] | None = field(repr=False)
    acceleration: dict[str, np.ndarray] = field(repr=False)
    confidence_level: float = 0.95
    method: str = "percentile"
    interval: str = ""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def to_frame(self, kind: str = "objective_weights") -> pd.DataFrame:
        """One of the tidy tables (:data:`EVALUATION_TABLES`).

        Examples
        --------
        >>> import tempfile
        >>> from ahpstat import Study
        >>> from ahpstat.datasets import write_example_study
        >>> from ahpstat.evaluation import evaluate_study
        >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
        >>> r = evaluate_study(res)
        >>> r.to_frame("topsis").columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
        ['weighting', 'grouping', 'group', 'estimate', 'se', 'ci_low', 'ci_high', 'rank',
         'confidence_level', 'method', 'interval']
        """
        kind = check_method("kind", kind, EVALUATION_TABLES)
        return self.tables[kind]

    def weights(self, weighting: str, *, kind: str = "global") -> np.ndarray:
        """A weighting's node weights (estimate), ``kind`` ``"global"`` or ``"local"``.

        Examples
        --------
        >>> import tempfile
        >>> from ahpstat import Study
        >>> from ahpstat.datasets import write_example_study
        >>> from ahpstat.evaluation import evaluate_study
        >>> res = Study.from_yaml(write_example_study(tempfile.mkdtemp())).run()
        >>> float(evaluate_study(res).weights("entropy")[0])  # the goal
        1.0
        """
        check_method("kind", kind, ("global", "local"))
        w = check_method("weighting", weighting, self.options.weightings)
        return self.estimates[f"{kind}:{w}"]
