"""The panel's options: weighting, aggregation, the consistency index and the policy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ahpstat._validation import check_method
from ahpstat.aggregation import AGGREGATIONS, AIP_MEANS
from ahpstat.consistency import CONSISTENCY_INDICES
from ahpstat.scales import get_random_index_table
from ahpstat.weighting import WEIGHTING_METHODS

__all__ = ["PANEL_POLICIES", "PanelOptions", "needs_threshold"]

PANEL_POLICIES = ("keep", "drop", "repair", "downweight")


def needs_threshold(index: str, threshold: float | None, policy: str) -> bool:
    """Whether a panel policy acting on ``index`` lacks the threshold it needs.

    Koczkodaj's index has no default threshold (:mod:`ahpstat.consistency`), so a policy
    other than ``"keep"`` needs one given; the other indices have defaults.

    Examples
    --------
    >>> needs_threshold("koczkodaj", None, "drop"), needs_threshold("koczkodaj", 1 / 3, "drop")
    (True, False)
    >>> needs_threshold("koczkodaj", None, "keep"), needs_threshold("cr", None, "drop")
    (False, False)
    """
    return index == "koczkodaj" and threshold is None and policy != "keep"


@dataclass(frozen=True)
class PanelOptions:
    """How the panel is aggregated (defaults: the seed study's eigenvector + CR + AIJ).

    Attributes
    ----------
    weighting : str, default "eigenvector"
        Weighting method (:data:`ahpstat.weighting.WEIGHTING_METHODS`). Every option is
        matched case-insensitively.
    aggregation : {"aij", "aip"}, default "aij"
    aip_mean : {"geometric", "arithmetic"}, default "geometric"
    index : {"cr", "ci", "gci", "koczkodaj"}, default "cr"
    random_index : str, default "saaty"
        Random-index table (``"cr"`` and ``"ci"``).
    threshold : float or None, default None
        Acceptability threshold of ``index``; ``None`` = the index's own (CR 0.10, ...).
    policy : {"keep", "drop", "repair", "downweight"}, default "keep"
    repair_on_scale : bool, default True
        Repaired judgments stay on Saaty's 1-9 scale.
    max_repair_steps : int or None
        Changes per matrix before giving up (default: twice the number of pairs).
    """

    weighting: str = "eigenvector"
    aggregation: str = "aij"
    aip_mean: str = "geometric"
    index: str = "cr"
    random_index: str = "saaty"
    threshold: float | None = None
    policy: str = "keep"
    repair_on_scale: bool = True
    max_repair_steps: int | None = None

    def __post_init__(self) -> None:
        for name, choices in (("weighting", WEIGHTING_METHODS), ("aggregation", AGGREGATIONS),
                              ("aip_mean", AIP_MEANS), ("index", CONSISTENCY_INDICES),
                              ("policy", PANEL_POLICIES)):
            object.__setattr__(self, name, check_method(name, getattr(self, name), choices))
        get_random_index_table(self.random_index)
        if self.threshold is not None and not (np.isfinite(self.threshold)
                                               and self.threshold > 0):
            raise ValueError(f"`threshold` must be positive; got {self.threshold!r} instead.")
        if needs_threshold(self.index, self.threshold, self.policy):
            raise ValueError(
                "Koczkodaj's index has no default threshold (it does not depend on the matrix "
                "order; see ahpstat.consistency): give `threshold` (Koczkodaj's own is 1/3) for "
                f"the '{self.policy}' policy; got no threshold instead.")
