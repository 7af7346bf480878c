"""The result of the joint bootstrap: every resample kept, intervals and tables on demand."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import check_confidence_level, check_method
from ahpstat.bootstrap._intervals import METHODS, ConfidenceInterval, bootstrap_interval
from ahpstat.bootstrap._ranks import pairwise_probabilities, rank_table
from ahpstat.hierarchy import Hierarchy

__all__ = ["MIN_CLUSTERS", "MIN_EXPERTS", "QUANTITIES", "SOURCES", "SPLIT", "StudyBootstrapResult",
           "few_clusters_message", "few_experts_message", "index_tree", "local_from_global"]

#: The sources a bootstrap resamples, independently of each other.
SOURCES = ("experts", "respondents")
#: The quantities a study bootstrap has intervals of (``what`` of its methods).
QUANTITIES = ("scores", "group_scores", "global_weights", "local_weights")
#: Name of the variance decomposition of :meth:`StudyBootstrapResult.variance_split`.
SPLIT = "one-at-a-time (no interaction term)"
#: Below this many clusters a cluster bootstrap misses its nominal coverage (studies/coverage).
MIN_CLUSTERS = 20
#: Below this many experts the expert bootstrap is coarse and under-covers (studies/coverage).
MIN_EXPERTS = 10


@dataclass(frozen=True, eq=False)
class StudyBootstrapResult:
    """Bootstrap of a weighted hierarchy scored from a survey, with every resample kept.

    Attributes
    ----------
    nodes, leaves : tuple of str
        Node ids (rows of ``membership``) and leaf ids (its columns).
    groups : tuple of str
        Group names (empty when no groups were given).
    parents : tuple of int or None
        Parent index of each node (``-1`` for the root), when given.
    global_weights : ndarray, shape (N,)
        Global weight of each node (sum of its leaves' global weights).
    scores, group_scores : ndarray, shape (N,) and (G, N)
        Estimates: node scores overall and per group.
    weight_draws : ndarray, shape (N, B) or None
        Global weights per resample (``None`` when experts were not resampled).
    score_draws, group_score_draws : ndarray, shape (N, B) and (G, N, B)
        Node scores per resample, both sources resampled as requested.
    panel_score_draws, sample_score_draws : ndarray, shape (N, B)
        Scores with only the panel resampled (item means fixed) and only the sample
        resampled (weights fixed; clusters whole, the stage-1 draws of the same resamples
        under two-stage resampling).
    group_var_panel, group_var_sample : ndarray, shape (G, N)
        Per group, the variances of those two (only the variances are kept per group).
    acceleration : dict of str to ndarray
        BCa's ``a`` for ``"global_weights"``, ``"local_weights"``, ``"scores"`` and
        ``"group_scores"`` (from the jackknife over experts and respondents or clusters).
    confidence_level, method : float, str
        Defaults used by :meth:`confidence_interval` and :meth:`to_frame`.
    n_resamples : int
    resample : tuple of str
        Sources resampled: ``"experts"``, ``"respondents"``.
    scheme : str
        Overall respondent resampling: ``"iid"`` or ``"cluster"``. Group scores always
        resample respondents within their group.
    cluster_stage : str or None
        With ``scheme="cluster"``: ``"one"`` (whole clusters) or ``"two"`` (clusters, then
        respondents within them); ``None`` otherwise.
    n_clusters, n_experts, n_respondents : int or None
    group_sizes : tuple of int
        Respondents per group (empty when no groups were given); the degrees of freedom of
        the groups' rank sets (:meth:`rank_confidence_sets`).
    """

    nodes: tuple[str, ...]
    leaves: tuple[str, ...]
    groups: tuple[str, ...]
    parents: tuple[int, ...] | None
    global_weights: np.ndarray
    scores: np.ndarray
    group_scores: np.ndarray
    weight_draws: np.ndarray | None
    score_draws: np.ndarray
    group_score_draws: np.ndarray
    panel_score_draws: np.ndarray
    sample_score_draws: np.ndarray
    group_var_panel: np.ndarray
    group_var_sample: np.ndarray
    acceleration: dict[str, np.ndarray] = field(repr=False)
    confidence_level: float = 0.95
    method: str = "bca"
    n_resamples: int = 0
    resample: tuple[str, ...] = SOURCES
    scheme: str = "iid"
    cluster_stage: str | None = None
    n_clusters: int | None = None
    n_experts: int | None = None
    n_respondents: int = 0
    group_sizes: tuple[int, ...] = ()
    _tree: Hierarchy | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        tree = None if self.parents is None else index_tree(self.parents)
        object.__setattr__(self, "_tree", tree)

    # ---- derived quantities -------------------------------------------------------------

    @property
    def local_weights(self) -> np.ndarray | None:
        """Local weight of each node (global / parent's global; root 1), if ``parents``."""
        if self._tree is None:
            return None
        return local_from_global(self.global_weights, self._tree)

    @property
    def local_weight_draws(self) -> np.ndarray | None:
        """Local weights per resample, shape (N, B) (``None`` without ``parents`` or draws)."""
        if self._tree is None or self.weight_draws is None:
            return None
        return local_from_global(self.weight_draws, self._tree)

    def _level_method(self, confidence_level: float | None,
                      method: str | None) -> tuple[float, str]:
        """The level and method asked for, checked, or this result's."""
        lv = self.confidence_level if confidence_level is None else check_confidence_level(
            confidence_level)
        m = self.method if method is None else check_method("method", method, METHODS)
        return lv, m

    def interval(
        self, *, confidence_level: float | None = None, method: str | None = None
    ) -> StudyBootstrapResult:
        """The same resamples with another default level or method (nothing is resampled).

        Examples
        --------
        >>> from ahpstat.bootstrap import joint_bootstrap
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> res.interval(confidence_level=0.9, method="percentile").method
        'percentile'
        """
        lv, m = self._level_method(confidence_level, method)
        return dataclasses.replace(self, confidence_level=lv, method=m)

    def _quantity(self, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        what = check_method("what", what, QUANTITIES)
        if what == "scores":
            return self.scores, self.score_draws, self.acceleration["scores"]
        if what == "group_scores":
            return self.group_scores, self.group_score_draws, self.acceleration["group_scores"]
        if self.weight_draws is None:
            raise ValueError(f"no weight resamples: `resample` did not include 'experts'; "
                             f"got {self.resample!r} instead.")
        if what == "global_weights":
            return self.global_weights, self.weight_draws, self.acceleration["global_weights"]
        if self.parents is None:
            raise ValueError("local weights need `parents`; got None instead.")
        lw, lwd = self.local_weights, self.local_weight_draws
        assert lw is not None and lwd is not None  # parents and weight draws are known
        return lw, lwd, self.acceleration["local_weights"]

    def confidence_interval(
        self, what: str = "scores", *, confidence_level: float | None = None,
        method: str | None = None,
    ) -> ConfidenceInterval:
        """Interval of ``"scores"`` (N,), ``"group_scores"`` (G, N), ``"global_weights"`` or
        ``"local_weights"`` (N,), from the stored resamples.

        Examples
        --------
        >>> from ahpstat.bootstrap import joint_bootstrap
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> lo, hi = res.confidence_interval("scores", method="percentile")
        >>> bool(lo[0] < res.scores[0] < hi[0])
        True
        """
        est, draws, acc = self._quantity(what)
        return bootstrap_interval(
            draws, est,
            confidence_level=self.confidence_level if confidence_level is None
            else confidence_level,
            method=self.method if method is None else method, acceleration=acc)

    def interval_label(
        self, what: str = "scores", *, confidence_level: float | None = None,
        method: str | None = None,
    ) -> str:
        """What an interval of ``what`` is, in words: level, method and what was resampled.

        For the ``interval`` column of every table, so that a table read alone cannot be
        misread (``what`` as in :meth:`confidence_interval`).

        Examples
        --------
        >>> from ahpstat.bootstrap import joint_bootstrap
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> res.interval_label("scores", method="bca")
        '95% BCa bootstrap: respondents iid'
        >>> res.interval_label("group_scores", confidence_level=0.9, method="basic")
        '90% basic bootstrap: respondents within group'
        """
        what = check_method("what", what, QUANTITIES)
        lv, m = self._level_method(confidence_level, method)
        name = {"bca": "BCa"}.get(m, m)
        return f"{100 * lv:g}% {name} bootstrap: " + self.resampled(what)

    def resampled(self, what: str = "scores") -> str:
        """What was resampled for ``what`` (as in :meth:`confidence_interval`), in words.

        Examples
        --------
        >>> from ahpstat.bootstrap import joint_bootstrap
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> res.resampled("scores")
        'respondents iid'
        """
        what = check_method("what", what, QUANTITIES)
        parts = []
        if "experts" in self.resample:
            parts.append("experts")
        if "respondents" in self.resample and what in ("scores", "group_scores"):
            if what == "group_scores":
                parts.append("respondents within group")
            elif self.scheme == "cluster":
                parts.append(f"{self.cluster_stage}-stage cluster ({self.n_clusters} "
                             "clusters)")
            else:
                parts.append("respondents iid")
        return " + ".join(parts) or "nothing resampled"

    def caveats(self) -> list[str]:
        """What this bootstrap's design is known to get wrong, in words (empty when nothing).

        The texts of the :class:`FewClustersWarning` and :class:`FewExpertsWarning` issued
        when it ran: fewer than ``MIN_CLUSTERS`` clusters resampled, or fewer than
        ``MIN_EXPERTS`` experts. For reports and provenance, where a warning shown once on a
        terminal is lost.

        Examples
        --------
        >>> from ahpstat.bootstrap import joint_bootstrap
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> res.caveats()
        []
        """
        out = []
        if (self.scheme == "cluster" and "respondents" in self.resample
                and self.n_clusters is not None and self.n_clusters < MIN_CLUSTERS):
            out.append(few_clusters_message(self.n_clusters, self.cluster_stage or "one"))
        if ("experts" in self.resample and self.n_experts is not None
                and 1 < self.n_experts < MIN_EXPERTS):
            out.append(few_experts_message(self.n_experts))
        return out

    def standard_error(self, what: str = "scores") -> np.ndarray:
        """Standard deviation (``ddof=1``) of the resamples of ``what``."""
        return self._quantity(what)[1].std(axis=-1, ddof=1)

    def rank_probabilities(self, *, node: str | None = None) -> pd.DataFrame:
        """Groups ranked by their score at ``node`` (default: the root): ``P(rank = r)``.

        Returns a tidy table ``node, group, rank, probability`` (rank 1 = highest score).
        """
        v = self._node_index(node)
        t = rank_table(self.group_score_draws[:, v, :], self.groups)
        t.insert(0, "node", self.nodes[v])
        return t

    def criteria_rank_probabilities(
        self, *, parent: str | None = None, by: str = "score", group: str | None = None
    ) -> pd.DataFrame:
        """Children of ``parent`` (default: the root) ranked by ``"score"`` or ``"weight"``.

        Returns ``parent, node, rank, probability`` (rank 1 = highest).
        """
        D, names, p = self._children_draws(parent, by, group)
        t = rank_table(D, names, key="node")
        t.insert(0, "parent", p)
        return t

    def pairwise_probabilities(
        self, *, of: str = "groups", node: str | None = None, by: str = "score",
        group: str | None = None,
    ) -> pd.DataFrame:
        """``P(a ranks above b)`` for groups at ``node`` (``of="groups"``) or for the children
        of ``node`` (``of="criteria"``, ranked ``by`` score or weight). Columns
        ``node, a, b, probability``.
        """
        of = check_method("of", of, ("groups", "criteria"))
        if of == "groups":
            v = self._node_index(node)
            D, names, where = self.group_score_draws[:, v, :], list(self.groups), self.nodes[v]
        else:
            D, names, where = self._children_draws(node, by, group)
        P = pairwise_probabilities(D)
        k = len(names)
        a, b = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        keep = a != b
        return pd.DataFrame({"node": where, "a": np.asarray(names)[a[keep]],
                             "b": np.asarray(names)[b[keep]], "probability": P[keep]})

    def rank_confidence_sets(
        self, *, of: str = "groups", node: str | None = None, by: str = "score",
        group: str | None = None, confidence_level: float | None = None,
        coverage: Sequence[str] | str = ("joint", "marginal"),
        small_sample: bool = True,
        rng: int | np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """Joint and marginal confidence sets for ranks (:mod:`ahpstat.rank_sets`).

        Groups ranked by their score at ``node`` (``of="groups"``, default the root), or the
        children of ``node`` ranked by ``"score"`` (whole sample, or ``group``'s) or
        ``"weight"`` (``of="criteria"``). Joint sets cover the ranks of all of them at once
        at ``confidence_level`` (default the result's); marginal ones each rank on its own.

        ``small_sample`` (default) studentises the sets with the degrees of freedom of what
        was resampled (:meth:`rank_dof`): groups from their own respondents, criteria from
        the panel and/or the sample (Satterthwaite). Without it, ten equal groups of 13
        respondents are covered jointly 82 % of the time at 95 % (``studies/coverage``).
        ``rng`` is the source of that studentisation's simulated variance estimates;
        ``None`` seeds it from the estimates and draws (the same result always gives the
        same sets, but a last-bit change of any draw changes the stream). A study passes a
        stream of its own seed, so its sets do not depend on how the draws were rounded.

        Returns
        -------
        DataFrame
            ``node, group, estimate, rank, rank_low, rank_high, coverage, confidence_level,
            interval`` for groups; ``parent, node, ...`` for criteria (rank 1 = highest).

        Examples
        --------
        Two criteria whose scores 40 respondents cannot tell apart: each may rank 1 or 2.

        >>> from ahpstat.bootstrap import joint_bootstrap
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> t = res.rank_confidence_sets(of="criteria", coverage="joint")
        >>> t[["parent", "node", "rank", "rank_low", "rank_high"]].values.tolist()
        [['0', '1', 1, 1, 2], ['0', '2', 2, 1, 2]]
        """
        from ahpstat.rank_sets import rank_sets_table

        of = check_method("of", of, ("groups", "criteria"))
        level = self.confidence_level if confidence_level is None else confidence_level
        if of == "groups":
            v = self._node_index(node)
            est, D, names = self.group_scores[:, v], self.group_score_draws[:, v, :], self.groups
            where, key, what = self.nodes[v], "group", f"groups at {self.nodes[v]}"
        else:
            D, names, where = self._children_draws(node, by, group)
            pos = [self.nodes.index(x) for x in names]
            if by == "weight":
                est = self.global_weights[pos]
            elif group is None:
                est = self.scores[pos]
            else:
                est = self.group_scores[self.groups.index(group)][pos]
            key, what = "node", f"criteria under {where} by {by}"
        dof = self.rank_dof(of=of, node=node, by=by, group=group) if small_sample else None
        t = rank_sets_table(est, D, list(names), confidence_level=level, coverage=coverage,
                            key=key, what=what, dof=dof, rng=rng)
        src = ("global_weights" if of == "criteria" and by == "weight" else
               "scores" if of == "criteria" and group is None else "group_scores")
        t["interval"] = t["interval"] + "; resampled: " + self.resampled(src)
        t.insert(0, "node" if of == "groups" else "parent", where)
        return t

    def rank_dof(self, *, of: str = "groups", node: str | None = None, by: str = "score",
                 group: str | None = None) -> float | np.ndarray | None:
        """Degrees of freedom of the rank sets' small-sample correction (``None``: none).

        Groups (``of="groups"``): a vector, each group's respondents minus one (groups are
        separate samples; ``n_experts - 1`` when only the panel was resampled; ``None`` when
        the sizes are unknown). Criteria: one number for the one sample they all come from
        -- the panel's ``n_experts - 1`` (by weight), the sample's ``n - 1`` (clusters,
        respondents, or the group's respondents), or for scores with both resampled
        Satterthwaite's combination of the two weighted by their variances
        (:meth:`variance_split`'s parts).

        Examples
        --------
        >>> from ahpstat.bootstrap import joint_bootstrap
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> res.rank_dof(of="criteria"), res.n_respondents
        (39.0, 40)
        """
        of = check_method("of", of, ("groups", "criteria"))
        resp = "respondents" in self.resample
        nu_e = (float(self.n_experts - 1) if "experts" in self.resample
                and self.n_experts is not None and self.n_experts > 1 else None)
        if of == "groups":
            if not resp:  # only the panel moves the groups: one sample, the experts
                return nu_e
            if len(self.group_sizes) != len(self.groups):
                return None
            return np.maximum(np.asarray(self.group_sizes, dtype=float) - 1.0, 1.0)
        by = check_method("by", by, ("score", "weight"))
        if by == "weight":
            return nu_e
        if group is not None:
            g = self.groups.index(group)
            n_s = self.group_sizes[g] if len(self.group_sizes) == len(self.groups) else None
        elif self.scheme == "cluster":
            n_s = self.n_clusters
        else:
            n_s = self.n_respondents
        nu_s = float(n_s - 1) if resp and n_s is not None and n_s > 1 else None
        if nu_e is None or nu_s is None:
            return nu_e if nu_s is None else nu_s
        _, names, _ = self._children_draws(node, by, group)
        pos = [self.nodes.index(x) for x in names]
        if group is None:
            vp = float(self.panel_score_draws[pos].var(axis=-1, ddof=1).sum())
            vs = float(self.sample_score_draws[pos].var(axis=-1, ddof=1).sum())
        else:
            g = self.groups.index(group)
            vp = float(self.group_var_panel[g, pos].sum())
            vs = float(self.group_var_sample[g, pos].sum())
        if vp + vs <= 0:
            return min(nu_e, nu_s)
        return (vp + vs) ** 2 / (vp ** 2 / nu_e + vs ** 2 / nu_s)

    def variance_split(self) -> pd.DataFrame:
        """One-at-a-time split of each score's bootstrap variance: panel versus sample.

        ``var_panel``: variance over resamples with only the experts resampled (item means
        fixed); ``var_sample``: only the respondents resampled (weights fixed; clusters kept
        whole even under two-stage resampling, whose second stage would count the
        within-cluster variance twice); ``share_panel = var_panel / (var_panel +
        var_sample)``; ``var_joint``: both resampled at once, as the intervals were. The split
        is one source at a time with no interaction term: ``var_panel + var_sample`` is
        close to ``var_joint`` only because the sources are independent and the score is
        nearly additive in them. Columns ``node, group, var_panel, var_sample, var_joint,
        share_panel, split`` (``group`` empty for the whole sample; ``split`` names the
        decomposition).

        Examples
        --------
        >>> from ahpstat.bootstrap import joint_bootstrap
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> t = res.variance_split()
        >>> t.split.iloc[0]
        'one-at-a-time (no interaction term)'
        """
        rows = []
        triples = [tuple(_var(x, self.scores) for x in (
            self.panel_score_draws, self.sample_score_draws, self.score_draws)),
            *zip(self.group_var_panel, self.group_var_sample,
                 _var(self.group_score_draws, self.group_scores), strict=True)]
        for g, (vp, vs, vj) in enumerate(triples):
            with np.errstate(invalid="ignore", divide="ignore"):
                share = vp / (vp + vs)
            rows.append(pd.DataFrame({
                "node": self.nodes, "group": None if g == 0 else self.groups[g - 1],
                "var_panel": vp, "var_sample": vs, "var_joint": vj, "share_panel": share,
                "split": SPLIT}))
        return pd.concat(rows, ignore_index=True)

    def to_frame(self, kind: str = "scores") -> pd.DataFrame:
        """Tidy tables.

        ``"scores"``: ``node, level, group, estimate, se, ci_low, ci_high, confidence_level,
        method, interval`` -- every node overall (``group`` empty) then per group; ``level``
        is the depth (root 0) when ``parents`` is known. Leaves' scores are the item means.
        ``"weights"``: ``node, parent, weight ("global"/"local"), estimate, se, ci_low,
        ci_high, confidence_level, method, interval``. ``interval`` names each interval
        (:meth:`interval_label`). ``"ranks"``: groups at the root
        (:meth:`rank_probabilities`). ``"pairwise"``: groups at the root.
        ``"variance"``: :meth:`variance_split`.

        Examples
        --------
        >>> from ahpstat.bootstrap import joint_bootstrap
        >>> from ahpstat.datasets import example_scoring
        >>> res = joint_bootstrap(**example_scoring(), resample="respondents",
        ...                       n_resamples=200, rng=1)
        >>> list(res.to_frame("scores").columns)  # doctest: +NORMALIZE_WHITESPACE
        ['node', 'level', 'group', 'estimate', 'se', 'ci_low', 'ci_high', 'confidence_level',
         'method', 'interval']
        """
        kind = check_method("kind", kind, ("scores", "weights", "ranks", "pairwise",
                                           "variance"))
        if kind == "ranks":
            return self.rank_probabilities()
        if kind == "pairwise":
            return self.pairwise_probabilities()
        if kind == "variance":
            return self.variance_split()
        meta = {"confidence_level": self.confidence_level, "method": self.method}
        if kind == "weights":
            frames = []
            kinds = ["global"] + (["local"] if self.parents is not None else [])
            for k in kinds:
                est, draws, _ = self._quantity(f"{k}_weights")
                lo, hi = self.confidence_interval(f"{k}_weights")
                frames.append(pd.DataFrame({
                    "node": self.nodes, "parent": self._parent_names(), "weight": k,
                    "estimate": est, "se": draws.std(axis=-1, ddof=1),
                    "ci_low": lo, "ci_high": hi, **meta,
                    "interval": self.interval_label(f"{k}_weights")}))
            return pd.concat(frames, ignore_index=True)
        level = self._levels()
        lo, hi = self.confidence_interval("scores")
        frames = [pd.DataFrame({
            "node": self.nodes, "level": level, "group": None, "estimate": self.scores,
            "se": self.standard_error("scores"), "ci_low": lo, "ci_high": hi, **meta,
            "interval": self.interval_label("scores")})]
        if self.groups:
            G, N = self.group_scores.shape
            glo, ghi = self.confidence_interval("group_scores")
            frames.append(pd.DataFrame({
                "node": np.tile(self.nodes, G), "level": np.tile(level, G),
                "group": np.repeat(self.groups, N), "estimate": self.group_scores.ravel(),
                "se": self.standard_error("group_scores").ravel(), "ci_low": glo.ravel(),
                "ci_high": ghi.ravel(), **meta,
                "interval": self.interval_label("group_scores")}))
        return pd.concat(frames, ignore_index=True)

    # ---- helpers --------------------------------------------------------------------------

    def _node_index(self, node: str | None) -> int:
        if node is None:
            return self._root()
        if node not in self.nodes:
            raise ValueError(f"`node` must be one of the nodes; got {node!r} instead.")
        return self.nodes.index(node)

    def _root(self) -> int:
        return 0 if self._tree is None else int(self._tree.root)

    def _children_draws(self, parent, by, group):
        by = check_method("by", by, ("score", "weight"))
        if self._tree is None:
            raise ValueError("ranking criteria needs `parents`; got None instead.")
        p = self._node_index(parent)
        ch = [int(c) for c in self._tree.children(str(p))]
        if by == "weight":
            D = self._quantity("global_weights")[1][ch]
        elif group is None:
            D = self.score_draws[ch]
        else:
            if group not in self.groups:
                raise ValueError(f"`group` must be one of the groups; got {group!r} instead.")
            D = self.group_score_draws[self.groups.index(group)][ch]
        return D, [self.nodes[i] for i in ch], self.nodes[p]

    def _parent_names(self) -> list[str | None]:
        if self._tree is None:
            return [None] * len(self.nodes)
        parent = [self._tree.parent(str(i)) for i in range(len(self.nodes))]
        return [None if q is None else self.nodes[int(q)] for q in parent]

    def _levels(self) -> list[Any]:
        if self._tree is None:
            return [None] * len(self.nodes)
        return [self._tree.depth(str(i)) for i in range(len(self.nodes))]


def few_clusters_message(n_clusters: int, stage: str) -> str:
    """What a cluster bootstrap with few clusters gets wrong, by stage (studies/coverage)."""
    G = n_clusters
    if stage == "one":
        return (f"only {G} clusters: one-stage cluster-bootstrap intervals are too narrow with "
                f"fewer than {MIN_CLUSTERS} clusters -- the bootstrap variance is about "
                f"(G - 1) / G = {(G - 1) / G:.2f} of the true one and is estimated from {G} "
                "clusters only (studies/coverage: a nominal 95% interval of the goal score "
                "covered 84-87% with 5 clusters and 88-91% with 10, 400 simulated studies "
                "per condition). Read them as lower "
                "bounds of the uncertainty.")
    return (f"only {G} clusters, resampled in two stages: the intervals are too wide when the "
            "intra-class correlation is low (the second stage counts the within-cluster "
            "variance again, up to about twice the variance) and can still be too narrow when "
            "it is high, so they are neither lower nor upper bounds (studies/coverage: 98-100% "
            "coverage of a nominal 95% with 5-10 clusters and no cluster effect, 87-94% with "
            "one). "
            "One-stage resampling (`cluster_stage: one`, the default) is too narrow by a "
            "known amount instead.")


def few_experts_message(n_experts: int) -> str:
    """What an expert bootstrap of a small panel gets wrong (studies/coverage)."""
    K = n_experts
    return (f"only {K} experts: the expert bootstrap resamples among at most C(2K - 1, K) = "
            f"{math.comb(2 * K - 1, K)} distinct panels and puts the panel's variance at "
            f"about (K - 1) / K = {(K - 1) / K:.2f} of the true one; with fewer than "
            f"{MIN_EXPERTS} experts the intervals of the weights (and the panel's part of "
            "the score intervals) are too narrow (studies/coverage: 95% intervals of the "
            "criteria's weights covered 77% with 4 experts, 86% with 6 and 87% with 8). Read "
            "them as lower bounds of the panel's uncertainty.")


def _var(draws: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Sample variance over the last axis, computed about ``centre`` (exactly 0 if constant)."""
    B = draws.shape[-1]
    if B < 2:
        return np.full(draws.shape[:-1], np.nan)
    d = draws - centre[..., None]
    return ((d**2).sum(axis=-1) - d.sum(axis=-1) ** 2 / B) / (B - 1)


def index_tree(parents: Sequence[int]) -> Hierarchy:
    """The tree of ``parents`` (parent position of each node, -1 for the root) as a
    :class:`~ahpstat.Hierarchy` whose node ids are the positions as text.
    """
    kids: dict[str, list[str]] = {}
    for i, p in enumerate(parents):
        if p >= 0:
            kids.setdefault(str(p), []).append(str(i))
    if not kids:
        return Hierarchy.from_dict({"id": str(list(parents).index(-1))})
    return Hierarchy.from_children(kids, argument="parents")


def local_from_global(g: np.ndarray, tree: Hierarchy) -> np.ndarray:
    """Local weights from global weights ``g`` with the nodes on axis 0 (positions = ids)."""
    loc = tree.local_weights({str(i): g[i] for i in range(g.shape[0])})
    return np.stack([loc[str(i)] for i in range(g.shape[0])])
