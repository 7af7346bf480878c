"""The result of a multiverse analysis: :class:`MultiverseResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ahpstat._results import TablesResult


@dataclass(frozen=True)
class MultiverseResult(TablesResult):
    """Every specification of a grid of analyst choices, and what they change.

    Attributes
    ----------
    specifications : pandas.DataFrame
        ``spec`` (0..S-1), one column per factor (its level label), ``baseline`` (the
        study's own choices), ``feasible`` and ``problem`` (why a specification could not
        be computed, e.g. a ``drop`` policy that leaves a node without experts).
    scores : pandas.DataFrame
        ``spec, node, grouping, group, score, rank``: the score of every reported node for
        the whole sample (``grouping = group = "all"``, no rank) and per group, and the
        group's rank at that node (1 = highest, ties share the lowest). Written as
        ``multiverse.csv``.
    rank_stability : pandas.DataFrame
        ``grouping, group, node, baseline_rank, share_same_rank, rank_min, rank_median,
        rank_max, share_top``: over the feasible specifications.
    weight_order : pandas.DataFrame
        ``parent, node, baseline_rank, share_same_rank, share_same_order``: each criterion's
        local-weight rank among its siblings (and the whole order of its parent's children)
        kept across the panel configurations (weighted by how many specifications use
        each).
    anova : pandas.DataFrame
        ``target, likert, grouping, group, effect, order, variance, share``: the exact
        variance decomposition (:func:`anova_decomposition`) of the goal's score (whole
        sample; ``target = "goal_score"``) over the other factors within each Likert
        treatment (``likert``: their units differ), and of every group's goal rank
        (``target = "goal_rank"``, ``likert = "all"``) over the whole factorial;
        ``effect`` is a factor, ``a:b`` (two-way interaction), ``higher-order`` (the rest)
        or ``total`` (the variance itself; ``share`` = variance / total).
    effects : pandas.DataFrame
        ``target, likert, grouping, effect, order, share_mean, share_max``: the ANOVA shares
        summarized over the groups (mean and largest share of each effect), largest first.
    """

    grid: dict[str, tuple]
    specifications: Any
    scores: Any
    rank_stability: Any
    weight_order: Any
    anova: Any
    effects: Any
    baseline: int | None
    info: dict[str, Any] = field(default_factory=dict)

    def _frames(self) -> dict[str, Any]:
        """The tables by kind (the output files' stems)."""
        return {"multiverse": self.scores, "multiverse_specifications": self.specifications,
                "multiverse_rank_stability": self.rank_stability,
                "multiverse_weight_order": self.weight_order,
                "multiverse_anova": self.anova, "multiverse_effects": self.effects}
