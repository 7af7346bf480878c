"""The results of a decision: the evaluation (:class:`DecisionResult`, R ahp's tables), its
bootstrap and its Bayesian posterior.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import check_confidence_level, check_method
from ahpstat._warnings import AHPDeprecationWarning, warn
from ahpstat.alternatives._options import GROUP, DecisionOptions
from ahpstat.hierarchy import Hierarchy


@dataclass(frozen=True)
class DecisionResult:
    """The synthesized decision, for the group and for each decision maker.

    Attributes
    ----------
    totals : DataFrame
        ``decision_maker, alternative, total, priority, rank`` (``total`` the synthesis
        ``sum_c g_c x_ca``, ``priority`` = total / sum of totals, rank 1 = best), the group
        (:data:`GROUP`) first.
    weights : DataFrame
        ``decision_maker, node, parent, level, local, global``: every criterion.
    local : DataFrame
        ``decision_maker, node, element, priority``: every node's local vector (the
        alternatives' under each leaf criterion, after ``mode``).
    contributions : DataFrame
        ``decision_maker, node, alternative, contribution``: what each criterion (the sum
        over the leaves under it) adds to each alternative's total (R ahp's
        ``weightContribution``).
    consistency : DataFrame
        ``decision_maker, node, n, origin, value, lambda_max, random_index,
        random_index_value``: the consistency ratio of every pairwise matrix (``NaN`` for
        direct priorities, scores and ratings); the group's row is the aggregate matrix's
        under AIJ and, as R ahp reports it, the largest of the decision makers' under AIP.
    options : DecisionOptions
    alternatives, decision_makers : tuple of str
    hierarchy : Hierarchy
    """

    totals: pd.DataFrame
    weights: pd.DataFrame
    local: pd.DataFrame
    contributions: pd.DataFrame
    consistency: pd.DataFrame
    options: DecisionOptions
    alternatives: tuple[str, ...]
    decision_makers: tuple[str, ...]
    hierarchy: Hierarchy

    def priorities(self, decision_maker: str = GROUP) -> pd.Series:
        """The alternatives' priorities (sum 1) of the group or one decision maker."""
        t = self.totals[self.totals.decision_maker == decision_maker]
        if t.empty:
            raise ValueError(f"`decision_maker` must be {GROUP!r} or one of "
                             f"{list(self.decision_makers)}; got {decision_maker!r} instead.")
        return pd.Series(t.priority.to_numpy(), index=pd.Index(t.alternative, name="alternative"),
                         name="priority")

    def analyze(self, decision_maker: str = GROUP, *, variable: str = "contribution",
                sort: str = "priority") -> pd.DataFrame:
        """R ahp's ``Analyze`` table: one row per criterion, one column per alternative.

        Parameters
        ----------
        decision_maker : str, default :data:`GROUP`
        variable : {"contribution", "priority"}
            ``"contribution"``: column ``weight`` (the criterion's global weight) and each
            alternative's contribution from that criterion (R ahp's default,
            ``weightContribution``); ``"priority"``: column ``priority`` (the criterion's
            local weight) and, on the leaf criteria, the alternatives' local priorities.
        sort : {"priority", "orig"}
            ``"priority"``: siblings by decreasing weight and the alternatives by decreasing
            total (R ahp's default); ``"orig"``: the file's order.

        Returns
        -------
        DataFrame
            Index ``node``; columns ``level`` (the goal 0), ``weight`` or ``priority``, one
            per alternative, and ``inconsistency`` (the consistency ratio at that node).
        """
        check_method("variable", variable, ("contribution", "priority"))
        check_method("sort", sort, ("priority", "orig"))
        dm = decision_maker
        self.priorities(dm)  # validates the name
        w = self.weights[self.weights.decision_maker == dm].set_index("node")
        tot = self.priorities(dm)
        alts = list(tot.sort_values(ascending=False, kind="stable").index) if sort == "priority" \
            else list(self.alternatives)
        h = self.hierarchy
        order: list[str] = []

        def walk(v: str) -> None:
            order.append(v)
            kids = list(h.children(v))
            if sort == "priority":
                kids.sort(key=lambda c: -float(w.loc[c, "local"]))
            for c in kids:
                walk(c)

        walk(h.root)
        cons = self.consistency[self.consistency.decision_maker == dm].set_index("node")
        rows = []
        if variable == "contribution":
            con = self.contributions[self.contributions.decision_maker == dm]
            piv = con.pivot(index="node", columns="alternative", values="contribution")
            for v in order:
                rows.append({"node": v, "level": h.depth(v), "weight": float(w.loc[v, "global"]),
                             **{a: float(piv.loc[v, a]) for a in alts},
                             "inconsistency": float(cons.value.get(v, np.nan))})
        else:
            loc = self.local[self.local.decision_maker == dm]
            for v in order:
                row: dict[str, Any] = {"node": v, "level": h.depth(v),
                                       "priority": float(w.loc[v, "local"])}
                if h.is_leaf(v):
                    lv = loc[loc.node == v].set_index("element").priority
                    row.update({a: float(lv[a]) for a in alts})
                else:
                    row.update({a: np.nan for a in alts})
                row["inconsistency"] = float(cons.value.get(v, np.nan))
                rows.append(row)
        return pd.DataFrame(rows).set_index("node")

    def to_frame(self, kind: str = "totals") -> pd.DataFrame:
        """One of the tables by name: ``totals``, ``weights``, ``local``, ``contributions``,
        ``consistency``.
        """
        kind = check_method("kind", kind, ("totals", "weights", "local", "contributions",
                                           "consistency"))
        return getattr(self, kind).copy()


@dataclass(frozen=True)
class DecisionBootstrapResult:
    """Bootstrap of the decision makers: every resample's priorities of the alternatives.

    Attributes
    ----------
    alternatives : tuple of str
    estimate : ndarray (m,)
        The group's priorities on the full panel.
    draws : ndarray (m, B)
        Priorities in each resample (resamples on the last axis).
    jackknife : ndarray (m, K) or None
        Leave-one-decision-maker-out priorities (BCa).
    confidence_level : float
    method : str
    options : DecisionOptions
    """

    alternatives: tuple[str, ...]
    estimate: np.ndarray
    draws: np.ndarray
    jackknife: np.ndarray | None
    confidence_level: float
    method: str
    options: DecisionOptions = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """``alternative, priority, low, high, se, confidence_level, method``."""
        from ahpstat.bootstrap import bootstrap_interval, jackknife_acceleration

        acc = None
        if self.method == "bca":
            assert self.jackknife is not None
            acc = jackknife_acceleration(self.jackknife)
        ci = bootstrap_interval(self.draws, self.estimate, confidence_level=self.confidence_level,
                                method=self.method, acceleration=acc)
        with np.errstate(invalid="ignore"):
            se = np.nanstd(self.draws, axis=1, ddof=1)
        return pd.DataFrame({"alternative": list(self.alternatives), "priority": self.estimate,
                             "low": ci.low, "high": ci.high, "se": se,
                             "confidence_level": self.confidence_level, "method": self.method})

    def rank_probabilities(self) -> pd.DataFrame:
        """``alternative, rank, probability``: the share of resamples in each rank."""
        from ahpstat.bootstrap import rank_table

        return rank_table(self.draws, list(self.alternatives), key="alternative")


@dataclass(frozen=True)
class DecisionBayesResult:
    """Posterior draws of the alternatives' priorities.

    Attributes
    ----------
    alternatives : tuple of str
    draws : ndarray (m, S)
        Priorities in each posterior draw (draws on the last axis).
    bayes : ahpstat.bayes.BayesResult
        The fitted model's result (weights, diagnostics).
    options : DecisionOptions
    """

    alternatives: tuple[str, ...]
    draws: np.ndarray
    bayes: Any = field(repr=False)
    options: DecisionOptions = field(repr=False)

    def to_frame(self, *, confidence_level: float = 0.95,
                 ci: float | None = None) -> pd.DataFrame:
        """``alternative, mean, sd, low, high, confidence_level`` (equal-tailed credible
        interval at ``confidence_level``; ``ci`` is its deprecated old name).
        """
        if ci is not None:
            warn("`ci` is deprecated; use `confidence_level` (the package's one name for it).",
                 AHPDeprecationWarning)
            confidence_level = ci
        level = check_confidence_level(confidence_level)
        a = (1 - level) / 2
        lo, hi = np.quantile(self.draws, [a, 1 - a], axis=1)
        return pd.DataFrame({"alternative": list(self.alternatives),
                             "mean": self.draws.mean(axis=1),
                             "sd": self.draws.std(axis=1, ddof=1), "low": lo, "high": hi,
                             "confidence_level": level})

    def rank_probabilities(self) -> pd.DataFrame:
        """``alternative, rank, probability`` over the posterior draws."""
        from ahpstat.bootstrap import rank_table

        return rank_table(self.draws, list(self.alternatives), key="alternative")
