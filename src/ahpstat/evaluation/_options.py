"""The evaluation's options (the study file's ``evaluation:`` section) and its vocabulary:
the weightings, the units of the objective weights, the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ahpstat._validation import check_method
from ahpstat.fuzzy import (
    check_operator,
)
from ahpstat.mcda import GRA_NORMALIZATIONS, TOPSIS_NORMALIZATIONS
from ahpstat.objective import (
    COMBINATION_METHODS,
    ENTROPY_NORMALIZATIONS,
    OBJECTIVE_METHODS,
)

#: every weighting an evaluation can use: the panel's AHP weights, the objective methods and
#: their combination
WEIGHTINGS = ("ahp", *OBJECTIVE_METHODS, "combined")


#: the units whose data give the objective weights
UNITS = ("respondents", "groups")


#: the tables of an :class:`EvaluationResult`, in the order they are written
EVALUATION_TABLES = ("objective_weights", "objective_components", "weight_agreement",
                     "fce", "fce_verdicts", "topsis", "gra", "evaluation_ranks")


_NODE_SETS = ("criteria", "internal", "all")


def _names(key: str, value: Any, choices: Sequence[str]) -> tuple[str, ...]:
    """A name or names from ``choices`` (case-insensitive), without repeats."""
    vals = (value,) if isinstance(value, str) else tuple(value)
    out = tuple(check_method(key, v, choices) for v in vals)
    if len(set(out)) != len(out):
        raise ValueError(f"`{key}` must not repeat a name; got {list(vals)!r} instead.")
    return out


@dataclass(frozen=True)
class EvaluationOptions:
    """What :func:`evaluate_study` computes (the study file's ``objective_weights:``,
    ``combination:``, ``fce:``, ``topsis:`` and ``gra:`` sections).

    Attributes
    ----------
    objective : tuple of str
        Objective methods (:data:`ahpstat.objective.OBJECTIVE_METHODS`).
    normalization : str
        Entropy's normalisation, ``"minmax"`` or ``"proportion"``.
    shift : float
        Entropy's shift of the normalised values (0: the limit ``0 ln 0 = 0``).
    unit : str
        ``"respondents"`` (objective weights from the answers) or ``"groups"`` (from the
        groups' item means).
    combination : str or None
        How the AHP vector and ``combine`` are combined
        (:data:`ahpstat.objective.COMBINATION_METHODS`); ``None``: no combined weights.
    alpha : float or None
        The linear combination's weight of the AHP vector (required for ``"linear"``).
    combine : str or None
        The objective method combined with AHP (default: the first of ``objective``).
    fce_weighting : tuple of str
        Weightings the fuzzy evaluation uses (:data:`WEIGHTINGS`); empty: no evaluation.
    fce_operators : tuple of str
        Fuzzy operators (:data:`ahpstat.fuzzy.FCE_OPERATORS`).
    grades : tuple of str or None
        Names of the answer categories, lowest first (default: the answer values).
    grade_values : tuple of float or None
        Values of the grades in the weighted score (default: the answer values).
    fce_nodes : str
        Nodes reported: ``"criteria"`` (the goal and its children), ``"internal"`` or
        ``"all"``.
    topsis_weighting, gra_weighting : tuple of str or None
        Weightings TOPSIS and grey relational analysis rank the groups with (``None``: every
        weighting computed; empty: not run).
    topsis_normalization, gra_normalization : str
        :data:`ahpstat.mcda.TOPSIS_NORMALIZATIONS`, :data:`ahpstat.mcda.GRA_NORMALIZATIONS`.
    rho : float
        Grey relational analysis's distinguishing coefficient.
    """

    objective: tuple[str, ...] = ("entropy", "critic")
    normalization: str = "minmax"
    shift: float = 0.0
    unit: str = "respondents"
    combination: str | None = "game_theory"
    alpha: float | None = None
    combine: str | None = None
    fce_weighting: tuple[str, ...] = ("ahp",)
    fce_operators: tuple[str, ...] = ("weighted_average", "max_min")
    grades: tuple[str, ...] | None = None
    grade_values: tuple[float, ...] | None = None
    fce_nodes: str = "criteria"
    topsis_weighting: tuple[str, ...] | None = None
    topsis_normalization: str = "vector"
    gra_weighting: tuple[str, ...] | None = None
    gra_normalization: str = "minmax"
    rho: float = 0.5

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        obj = _names("objective", self.objective, OBJECTIVE_METHODS)
        set_(self, "objective", obj)
        set_(self, "normalization", check_method("normalization", self.normalization,
                                                 ENTROPY_NORMALIZATIONS))
        shift = float(self.shift)
        if not np.isfinite(shift) or shift < 0:
            raise ValueError(f"`shift` must be a number >= 0; got {self.shift!r} instead.")
        set_(self, "shift", shift)
        set_(self, "unit", check_method("unit", self.unit, UNITS))
        self._check_combination(obj)
        available = ("ahp", *obj) + (("combined",) if self.combination is not None else ())
        for key in ("fce_weighting", "topsis_weighting", "gra_weighting"):
            given = getattr(self, key)
            vals = available if given is None else _names(key, given, WEIGHTINGS)
            missing = [v for v in vals if v not in available]
            if missing:
                raise ValueError(f"`{key}` names {missing}, which this evaluation does not "
                                 f"compute (it has {list(available)}); got {list(vals)!r} "
                                 "instead.")
            set_(self, key, tuple(vals))
        self._check_fce()
        set_(self, "topsis_normalization", check_method(
            "topsis_normalization", self.topsis_normalization, TOPSIS_NORMALIZATIONS))
        set_(self, "gra_normalization", check_method(
            "gra_normalization", self.gra_normalization, GRA_NORMALIZATIONS))
        rho = float(self.rho)
        if not 0 < rho <= 1:
            raise ValueError(f"`rho` must be in (0, 1]; got {self.rho!r} instead.")
        set_(self, "rho", rho)

    def _check_combination(self, obj: tuple[str, ...]) -> None:
        set_ = object.__setattr__
        if self.combination is None:
            set_(self, "combine", None)
            return
        comb = check_method("combination", self.combination, COMBINATION_METHODS)
        set_(self, "combination", comb)
        if not obj:
            raise ValueError("a combination needs an objective method to combine with AHP; "
                             "got `objective` empty instead.")
        set_(self, "combine", obj[0] if self.combine is None else check_method(
            "combine", self.combine, obj))
        a = self.alpha
        if comb == "linear":
            if a is None or isinstance(a, bool) or not isinstance(a, int | float) or not (
                    0 <= a <= 1):
                raise ValueError("the linear combination needs `alpha`, the weight of the "
                                 f"AHP vector in [0, 1]; got {a!r} instead.")
            set_(self, "alpha", float(a))
        elif a is not None:
            raise ValueError(f"`alpha` applies to the linear combination only; got {a!r} with "
                             f"{comb!r} instead.")

    def _check_fce(self) -> None:
        set_ = object.__setattr__
        ops = (self.fce_operators,) if isinstance(self.fce_operators, str) else tuple(
            self.fce_operators)
        ops = tuple(check_operator(o) for o in ops)
        if self.fce_weighting and not ops:
            raise ValueError("`fce_operators` must name at least one operator; got none.")
        set_(self, "fce_operators", ops)
        if self.grades is not None:
            set_(self, "grades", tuple(str(g) for g in self.grades))
        if self.grade_values is not None:
            gv = tuple(float(v) for v in self.grade_values)
            if not all(np.isfinite(gv)):
                raise ValueError(f"`grade_values` must be finite numbers; got "
                                 f"{self.grade_values!r} instead.")
            set_(self, "grade_values", gv)
        set_(self, "fce_nodes", check_method("fce_nodes", self.fce_nodes, _NODE_SETS))

    @property
    def weightings(self) -> tuple[str, ...]:
        """The weight vectors computed: ``ahp``, the objective methods, ``combined``."""
        return ("ahp", *self.objective) + (("combined",) if self.combination else ())
