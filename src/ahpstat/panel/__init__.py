"""Panel aggregation at every node of a hierarchy: AIJ / AIP, inconsistency policies, audit.

The labelled layer between the numpy core (:mod:`ahpstat.aggregation`,
:mod:`ahpstat.weighting`, :mod:`ahpstat.consistency`) and :mod:`ahpstat.study`. Input is the
per-node expert stacks of ``io.judgment_stacks`` (``node -> (experts, (K, n, n))``, ``NaN`` =
missing judgment) and a hierarchy; output is a :class:`PanelResult` with the local and
global weights, every expert's consistency at every node, an audit table of everything the
inconsistency policy did, and the panel's dispersion per node.

Aggregation (Forman & Peniwati 1998)
    ``aij``: element-wise weighted geometric mean of the experts' judgments, skipping missing
    ones (the weights renormalized over the experts who gave that judgment), then the
    weighting method on the aggregate matrix. A pair no expert judged stays missing: the
    eigenvector is then Harker's (1987) and the geometric mean the incomplete LLSM; a node
    whose pooled comparison graph is disconnected is an :class:`~ahpstat.InputError`.
    ``aip``: each expert's weights (Harker / LLSM for an incomplete matrix), combined by the
    weighted geometric mean (renormalized) or the weighted arithmetic mean.

Policies for an expert whose matrix at a node exceeds the threshold of the chosen index
    Every such case is flagged in the audit table, whatever the policy.
    ``keep``: flag only. ``drop``: leave that expert out at that node. ``repair``: repeatedly
    replace the worst judgment (largest ``|log(a_ij w_j / w_i)|``) by its consistent value
    ``w_i / w_j`` (rounded to Saaty's scale, or one scale step toward it, when
    ``repair_on_scale``) until the index is acceptable; every change is a row of the audit
    table. ``downweight``: multiply the expert's weight at that node by ``threshold / value``
    (an expert at twice the threshold counts half).

A policy acts per expert and node, independently of the other experts, so a resample of the
panel (:meth:`PanelResult.resample`) only re-aggregates: the per-expert decisions are
precomputed, and all nodes of all resamples are two matrix products plus one batched
eigenvector call per matrix order.

Modules, top to bottom (``ahpstat.panel`` re-exports the public names): ``_run``
(:func:`run_panel`, the dispersion table) < ``_result`` (:class:`PanelResult`) | ``_engine``
(re-aggregation of any resample; every expert's own weights) | ``_policy`` (the inconsistency
policy, the consistency table, the audit) < ``_inputs`` (stacks over all experts, who judged a
node, one expert's weights) < ``_options`` (:class:`PanelOptions`).
"""

from __future__ import annotations

from ahpstat.aggregation import AGGREGATIONS
from ahpstat.panel._options import PANEL_POLICIES, PanelOptions, needs_threshold
from ahpstat.panel._result import PanelResult
from ahpstat.panel._run import run_panel

__all__ = [
    "AGGREGATIONS",
    "PANEL_POLICIES",
    "PanelOptions",
    "PanelResult",
    "needs_threshold",
    "run_panel",
]
