"""How a decision is evaluated (:class:`DecisionOptions`, R ahp's defaults) and the
names of the group, the aggregations, the synthesis modes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ahpstat._validation import check_method
from ahpstat.completion import COMPLETION_METHODS
from ahpstat.scales import get_random_index_table
from ahpstat.weighting import WEIGHTING_METHODS

#: the decision makers' aggregate in every table (R ahp calls it "Total")
GROUP = "(group)"


AGGREGATIONS = ("aip", "aij")


MODES = ("distributive", "ideal")


AIP_MEANS = ("arithmetic", "geometric")


@dataclass(frozen=True)
class DecisionOptions:
    """How a :class:`DecisionModel` is evaluated (defaults: R ahp's ``Calculate``).

    Attributes
    ----------
    weighting : str, default "eigenvector"
        Weighting method of a pairwise matrix (:data:`ahpstat.weighting.WEIGHTING_METHODS`).
    completion : {None, "optimal", "harker", "llsm"}, default None
        An incomplete matrix is first completed by this method (``"optimal"``: the
        lambda-max-minimizing completion, AHPy's default); ``None`` weights it directly
        (eigenvector: Harker 1987; geometric mean: incomplete LLSM).
    aggregation : {"aip", "aij"}, default "aip"
    aip_mean : {"arithmetic", "geometric"}, default "arithmetic"
    mode : {"distributive", "ideal"}, default "distributive"
    random_index : str, default "alonso_lamata"
        Random-index table of the consistency ratio (R ahp uses Alonso & Lamata 2006).
    """

    weighting: str = "eigenvector"
    completion: str | None = None
    aggregation: str = "aip"
    aip_mean: str = "arithmetic"
    mode: str = "distributive"
    random_index: str = "alonso_lamata"

    def __post_init__(self) -> None:
        object.__setattr__(self, "weighting",
                           check_method("weighting", self.weighting, WEIGHTING_METHODS))
        if self.completion is not None:
            object.__setattr__(self, "completion", check_method(
                "completion", self.completion, COMPLETION_METHODS))
        object.__setattr__(self, "aggregation",
                           check_method("aggregation", self.aggregation, AGGREGATIONS))
        object.__setattr__(self, "aip_mean", check_method("aip_mean", self.aip_mean,
                                                          AIP_MEANS))
        object.__setattr__(self, "mode", check_method("mode", self.mode, MODES))
        get_random_index_table(self.random_index)
