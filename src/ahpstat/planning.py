"""Panel-size planning: what more experts and respondents would buy, simulated from a pilot.

From a pilot study -- its hierarchy, its panel's judgments, its clustered survey -- the
package estimates the data-generating model of :mod:`ahpstat.simulate` (true local weights,
the experts' dispersion and judgment noise, item means, cluster / respondent / answer
standard deviations), then simulates whole studies of other sizes: ``K`` experts, ``G``
clusters of ``m`` respondents. For every design it reports the expected half-width of the
95 % interval of every criterion weight and of the goal and criterion scores (half the
2.5-97.5 % range of the estimate over the simulated studies: the interval an honest method
has), the probability that the criteria come out in their true order and that the best
cluster is found. :func:`smallest_designs` answers "how many experts and respondents do I
need for +/-0.02 on the goal?".

Pilot estimates (moment estimators; see ``docs/planning.md``)
    Judgments: each expert's log-weights at a node by incomplete logarithmic least squares;
    ``noise_sd^2`` = the pooled residual sum of squares over its degrees of freedom
    (given pairs minus ``n - 1`` per expert and node); ``expert_sd^2`` = the spread of the
    experts' centred log-weights around the panel mean (times ``K / (K - 1)``), less the
    part the judgment noise explains (``noise_sd^2 (n - 1) / n^2`` per element), over
    ``1 - 1/n``. Survey (answers centred per item): ``respondent_sd^2 + group_sd^2`` = the
    mean covariance between two items of one respondent; ``group_sd^2`` from a one-way
    random-effects ANOVA of the respondents' mean answers on their clusters;
    ``answer_sd^2`` = the mean item variance less both, less the variance 1/12 that
    rounding to whole categories adds. The item means are the pilot's, carried to the latent
    scale by :func:`ahpstat.simulate.latent_means`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import InputError
from ahpstat.pairwise import upper_pairs

__all__ = ["PilotEstimates", "PlanResult", "estimate_pilot", "plan_figure", "plan_panel_size",
           "plan_study", "smallest_designs", "write_plan"]


@dataclass(frozen=True)
class PilotEstimates:
    """The simulation model estimated from a pilot study.

    Attributes
    ----------
    hierarchy : Hierarchy
    local_weights : dict node -> ndarray
        The pilot panel's local weights (taken as the truth of the simulations).
    method : str
        Weighting method the simulated panels use (the study's).
    expert_sd, noise_sd : float
        Between-expert dispersion of log-priorities; judgment noise (log scale).
    n_experts : int
        Experts in the pilot.
    item_means : ndarray (L,)
        The pilot's item means (answer scale), leaf order.
    group_sd, respondent_sd, answer_sd : float
        Cluster effect, respondent effect and answer noise (answer scale).
    likert : (int, int)
    missing : float
        Share of blank answers in the pilot.
    n_respondents, n_clusters : int
    """

    hierarchy: Any
    local_weights: dict[str, np.ndarray]
    method: str
    expert_sd: float
    noise_sd: float
    n_experts: int
    item_means: np.ndarray
    group_sd: float
    respondent_sd: float
    answer_sd: float
    likert: tuple[int, int]
    missing: float
    n_respondents: int
    n_clusters: int

    @property
    def icc(self) -> float:
        """Intra-cluster correlation of one answer (latent scale)."""
        tot = self.group_sd ** 2 + self.respondent_sd ** 2 + self.answer_sd ** 2
        return float(self.group_sd ** 2 / tot) if tot > 0 else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """The scalar estimates as a two-column table (``parameter``, ``value``)."""
        rows = [("n_experts", self.n_experts), ("expert_sd", self.expert_sd),
                ("noise_sd", self.noise_sd), ("n_respondents", self.n_respondents),
                ("n_clusters", self.n_clusters), ("group_sd", self.group_sd),
                ("respondent_sd", self.respondent_sd), ("answer_sd", self.answer_sd),
                ("icc", self.icc), ("missing", self.missing)]
        return pd.DataFrame(rows, columns=["parameter", "value"])


def _panel_sds(stacks: Mapping[str, tuple[Sequence[str], np.ndarray]],
               nodes: Sequence[str]) -> tuple[float, float]:
    from ahpstat._priorities import llsm_weights

    sse = dof = 0.0
    spread: list[tuple[float, int, int]] = []  # (mean sq. deviation, n, K) per node
    for v in nodes:
        _, S = stacks[v]
        S = np.asarray(S, dtype=float)
        K, n = S.shape[0], S.shape[-1]
        W = llsm_weights(S)  # (K, n)
        lw = np.log(W)
        E = np.log(S) + lw[:, None, :] - lw[:, :, None]
        iu = upper_pairs(n)
        e = E[:, iu[0], iu[1]]
        given = ~np.isnan(e)
        sse += float(np.nansum(e * e))
        dof += float(given.sum() - K * (n - 1))
        c = lw - lw.mean(axis=1, keepdims=True)
        if K > 1:
            dev = c - c.mean(axis=0, keepdims=True)
            spread.append((float(np.mean(dev * dev)) * K / (K - 1), n, K))
    noise2 = sse / dof if dof > 0 else 0.0
    parts = [(s - noise2 * (n - 1) / n ** 2) / (1 - 1 / n) for s, n, _ in spread]
    w = [n for _, n, _ in spread]
    expert2 = float(np.average(parts, weights=w)) if parts else 0.0
    return float(np.sqrt(max(expert2, 0.0))), float(np.sqrt(max(noise2, 0.0)))


def _survey_sds(X: np.ndarray, clusters: np.ndarray | None) -> tuple[float, float, float]:
    """(group_sd, respondent_sd, answer_sd) of answers X (R, L) on the answer scale."""
    mu = np.nanmean(X, axis=0)
    C = X - mu
    var_item = float(np.nanmean(np.nanvar(X, axis=0, ddof=1)))
    L = X.shape[1]
    # mean covariance between two different items of one respondent (pairwise complete)
    G = np.where(np.isnan(C), 0.0, C)
    P = (~np.isnan(C)).astype(float)
    num = G.T @ G
    cnt = P.T @ P
    off = ~np.eye(L, dtype=bool)
    cov_between_items = float(np.sum(num[off]) / max(np.sum(cnt[off]) - off.sum(), 1.0))
    shared = max(cov_between_items, 0.0)  # group_sd^2 + respondent_sd^2
    group2 = 0.0
    if clusters is not None:
        r = np.nanmean(C, axis=1)
        ok = ~np.isnan(r)
        codes, inv = np.unique(clusters[ok], return_inverse=True)
        k = codes.size
        if k > 1:
            sizes = np.bincount(inv)
            means = np.bincount(inv, weights=r[ok]) / sizes
            grand = r[ok].mean()
            N = sizes.sum()
            msb = float(np.sum(sizes * (means - grand) ** 2) / (k - 1))
            msw = float(np.sum((r[ok] - means[inv]) ** 2) / (N - k))
            m0 = (N - np.sum(sizes ** 2) / N) / (k - 1)
            group2 = max((msb - msw) / m0, 0.0)
    group2 = min(group2, shared)
    resp2 = shared - group2
    answer2 = max(var_item - shared - 1.0 / 12.0, 1e-4)
    return float(np.sqrt(group2)), float(np.sqrt(resp2)), float(np.sqrt(answer2))


def estimate_pilot(
    stacks: Mapping[str, tuple[Sequence[str], Any]],
    hierarchy: Any,
    survey: pd.DataFrame,
    *,
    cluster_column: str | None = None,
    likert: tuple[int, int] = (1, 5),
    method: str = "eigenvector",
) -> PilotEstimates:
    """Estimate the simulation model from a pilot study's judgments and survey.

    Parameters
    ----------
    stacks : mapping
        ``node -> (experts, (K, n, n))`` as :func:`ahpstat.io.judgment_stacks` returns.
    hierarchy : Hierarchy or mapping
    survey : DataFrame
        One row per respondent, one column per item (``hierarchy.item(leaf)``), answers on
        ``likert``; ``cluster_column`` names the clusters (communities), if any.
    cluster_column : str, optional
    likert : (int, int), default (1, 5)
    method : str, default "eigenvector"
        Weighting method of the panel (its AIJ weights are the truth of the simulations).

    Returns
    -------
    PilotEstimates

    Examples
    --------
    >>> from ahpstat.simulate import simulate_panel, simulate_survey, latent_means
    >>> from ahpstat import io
    >>> from ahpstat.hierarchy import as_hierarchy
    >>> h = as_hierarchy({"G": ["A", "B", "C"], "A": ["a1", "a2"], "B": ["b1", "b2"],
    ...                   "C": ["c1", "c2"]})
    >>> truth = {"G": [0.5, 0.3, 0.2], "A": [0.6, 0.4], "B": [0.5, 0.5], "C": [0.3, 0.7]}
    >>> judg = simulate_panel(h, truth, n_experts=40, expert_sd=0.3, noise_sd=0.2,
    ...                       scale=None, rng=1)
    >>> sv = simulate_survey(h, latent_means([3.5] * 6, group_sd=0.3, respondent_sd=0.4,
    ...                      noise_sd=0.8), n_respondents=2000, groups=40, group_sd=0.3,
    ...                      respondent_sd=0.4, noise_sd=0.8, rng=2)
    >>> p = estimate_pilot(io.judgment_stacks(judg, h), h, sv, cluster_column="group")
    >>> round(p.expert_sd, 1), round(p.noise_sd, 1), round(p.group_sd, 1)
    (0.3, 0.2, 0.3)
    """
    from ahpstat.hierarchy import as_hierarchy
    from ahpstat.panel import PanelOptions, run_panel

    h = as_hierarchy(hierarchy)
    nodes = [v for v in h.internal if len(h.children(v)) >= 2]
    missing_nodes = [v for v in nodes if v not in stacks]
    if missing_nodes:
        raise InputError(f"the pilot has no judgments at node(s) {', '.join(missing_nodes)}; "
                         "every node with two or more children needs them.")
    panel = run_panel(stacks, h, options=PanelOptions(weighting=method))
    local = {v: np.asarray(panel.local[v], dtype=float) for v in nodes}
    K = len(panel.experts)
    expert_sd, noise_sd = _panel_sds(stacks, nodes)
    items = [h.item(x) for x in h.leaves]
    absent = [c for c in items if c not in survey.columns]
    if absent:
        raise InputError(f"the pilot survey lacks item column(s) {', '.join(absent)}.")
    X = survey[items].to_numpy(dtype=float)
    clusters = None
    if cluster_column is not None:
        if cluster_column not in survey.columns:
            raise InputError(f"the pilot survey has no cluster column {cluster_column!r}.")
        clusters = survey[cluster_column].astype(str).to_numpy()
    g, r, a = _survey_sds(X, clusters)
    return PilotEstimates(
        hierarchy=h, local_weights=local, method=method, expert_sd=expert_sd,
        noise_sd=noise_sd, n_experts=K, item_means=np.nanmean(X, axis=0), group_sd=g,
        respondent_sd=r, answer_sd=a, likert=(int(likert[0]), int(likert[1])),
        missing=float(np.isnan(X).mean()), n_respondents=X.shape[0],
        n_clusters=int(np.unique(clusters).size) if clusters is not None else 1)


@dataclass(frozen=True)
class PlanResult:
    """Simulated precision of study designs.

    Attributes
    ----------
    table : DataFrame
        Tidy: ``experts, clusters, per_cluster, respondents, quantity, node, value`` with
        ``quantity`` one of ``weight_half_width`` (criterion global weights),
        ``score_half_width`` (goal and criterion scores), ``p_criterion_order`` and
        ``p_top_cluster`` (node = the goal).
    pilot : PilotEstimates
    replications : int
    confidence_level : float
    """

    table: pd.DataFrame
    pilot: PilotEstimates
    replications: int
    confidence_level: float
    meta: dict[str, Any] = field(default_factory=dict)

    def goal(self) -> pd.DataFrame:
        """One row per design: the goal's half-width and the two probabilities (wide)."""
        t = self.table
        root = self.pilot.hierarchy.root
        keep = ((t.quantity == "score_half_width") & (t.node == root)) | t.quantity.isin(
            ["p_criterion_order", "p_top_cluster"])
        w = t[keep].pivot_table(index=["experts", "clusters", "per_cluster", "respondents"],
                                columns="quantity", values="value").reset_index()
        return w.rename(columns={"score_half_width": "goal_half_width"})


def _panel_draws(p: PilotEstimates, K: int, R: int, gen: np.random.Generator,
                 batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Leaf global weights (R, L) and criterion global weights (R, C) of R panels of K."""
    from ahpstat.aggregation import aggregate
    from ahpstat.simulate import simulate_matrices
    from ahpstat.weighting import weights

    h = p.hierarchy
    nodes = list(p.local_weights)
    leaves, crit = [], []
    for start in range(0, R, batch):
        r = min(batch, R - start)
        S = simulate_matrices(h, p.local_weights, n_experts=r * K, expert_sd=p.expert_sd,
                              noise_sd=p.noise_sd, scale=None, rng=gen)
        local = {}
        for v in nodes:
            A = aggregate(S[v].reshape(r, K, *S[v].shape[1:]), method="aij")
            local[v] = weights(A, method=p.method, validate=False).weights
        g = h.global_weights(local)
        leaves.append(np.stack([np.broadcast_to(g[x], (r,)) for x in h.leaves], axis=-1))
        crit.append(np.stack([np.broadcast_to(g[c], (r,)) for c in h.children(h.root)],
                             axis=-1))
    return np.concatenate(leaves), np.concatenate(crit)


def _survey_draws(p: PilotEstimates, G: int, m: int, R: int, gen: np.random.Generator,
                  batch_cells: int = 4_000_000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overall item means (R, L), cluster item means (R, G, L), true cluster means (R, G, L)."""
    from ahpstat.simulate import expected_likert_mean, latent_means, simulate_survey

    h = p.hierarchy
    items = [h.item(x) for x in h.leaves]
    L = len(items)
    sds = {"group_sd": p.group_sd, "respondent_sd": p.respondent_sd, "noise_sd": p.answer_sd}
    lo, hi = p.likert
    target = np.clip(p.item_means, lo + 1e-3, hi - 1e-3)
    latent = latent_means(target, likert=p.likert, **sds)
    rb = max(1, batch_cells // (G * m * L))
    overall, cmeans, ctrue = [], [], []
    for start in range(0, R, rb):
        r = min(rb, R - start)
        sv = simulate_survey(items, latent, groups=[m] * (G * r), likert=p.likert,
                             missing=p.missing, rng=gen, group_sd=p.group_sd,
                             respondent_sd=p.respondent_sd, noise_sd=p.answer_sd)
        X = sv[items].to_numpy(dtype=float).reshape(r, G, m, L)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a cluster with no answer
            cmeans.append(np.nanmean(X, axis=2))
            overall.append(np.nanmean(X.reshape(r, G * m, L), axis=1))
        u = np.asarray(sv.attrs["group_effects"]).reshape(r, G)
        ctrue.append(expected_likert_mean(latent[None, None, :] + u[..., None],
                                          respondent_sd=p.respondent_sd,
                                          noise_sd=p.answer_sd, likert=p.likert))
    return np.concatenate(overall), np.concatenate(cmeans), np.concatenate(ctrue)


def plan_panel_size(
    pilot: PilotEstimates,
    *,
    experts: Sequence[int] = (5, 10, 15, 20, 30, 40, 50),
    clusters: Sequence[int] = (10, 20, 30, 50),
    per_cluster: Sequence[int] = (5, 10, 20),
    replications: int = 1000,
    confidence_level: float = 0.95,
    rng: int | np.random.Generator | None = None,
) -> PlanResult:
    """Simulate studies of every design ``experts x clusters x per_cluster`` from a pilot.

    Parameters
    ----------
    pilot : PilotEstimates
        From :func:`estimate_pilot`.
    experts : sequence of int
        Panel sizes ``K``.
    clusters, per_cluster : sequence of int
        Survey designs: ``G`` clusters of ``m`` respondents (``G * m`` respondents).
    replications : int, default 1000
        Simulated studies per design; the half-widths are quantiles of their estimates, with
        a relative Monte Carlo error of about 5 % at 1000 (about ``1.1 / sqrt(replications)``
        for a normal estimate at the 2.5 / 97.5 % points).
    confidence_level : float, default 0.95
    rng : None, int or numpy.random.Generator

    Returns
    -------
    PlanResult

    Notes
    -----
    The panel and the survey are independent, so each panel size is simulated once and each
    survey design once (common random numbers), and replication ``r`` of a panel is paired
    with replication ``r`` of a survey.

    Examples
    --------
    >>> from ahpstat.datasets import example_pilot
    >>> p = example_pilot()
    >>> res = plan_panel_size(p, experts=[5, 20], clusters=[10], per_cluster=[10],
    ...                       replications=200, rng=1)
    >>> g = res.goal()
    >>> bool(g.goal_half_width.iloc[1] < g.goal_half_width.iloc[0])  # 20 experts: narrower
    True
    """
    from ahpstat.scoring import composite_scores

    if not 0 < confidence_level < 1:
        raise ValueError(f"`confidence_level` must be in (0, 1); got {confidence_level!r}.")
    for name, vals in (("experts", experts), ("clusters", clusters),
                       ("per_cluster", per_cluster)):
        if not vals or any(int(v) < (2 if name != "per_cluster" else 1) for v in vals):
            raise ValueError(f"`{name}` must list positive sizes (experts and clusters >= 2); "
                             f"got {list(vals)!r} instead.")
    gen = np.random.default_rng(rng)
    g_panel, g_survey = gen.spawn(2)
    h = pilot.hierarchy
    M = h.membership()
    root = h.root
    crit_names = list(h.children(root))
    crit_idx = [h.nodes.index(c) for c in crit_names]
    true_g = h.global_weights(pilot.local_weights)
    true_leaf = np.array([float(true_g[x]) for x in h.leaves])
    true_crit = np.array([float(true_g[c]) for c in crit_names])
    a = (1 - confidence_level) / 2
    R = int(replications)

    def half(x: np.ndarray) -> np.ndarray:
        q = np.nanquantile(x, [a, 1 - a], axis=0)
        return (q[1] - q[0]) / 2

    panels = {}
    for K in sorted({int(k) for k in experts}):
        panels[K] = _panel_draws(pilot, K, R, np.random.default_rng(g_panel.spawn(1)[0]),
                                 batch=max(1, 20000 // K))
    surveys = {}
    for G in sorted({int(c) for c in clusters}):
        for m in sorted({int(x) for x in per_cluster}):
            surveys[G, m] = _survey_draws(pilot, G, m, R,
                                          np.random.default_rng(g_survey.spawn(1)[0]))
    rows = []
    for K, (W, C) in panels.items():
        order_ok = np.all(np.argsort(-C, axis=1) == np.argsort(-true_crit), axis=1).mean()
        hw_w = half(C)
        for (G, m), (mo, mc, mt) in surveys.items():
            design = {"experts": K, "clusters": G, "per_cluster": m, "respondents": G * m}
            sc = composite_scores(W, mo, M)  # (R, N)
            hw_s = half(sc)
            for j, c in enumerate(crit_names):
                rows.append({**design, "quantity": "weight_half_width", "node": c,
                             "value": float(hw_w[j])})
            for j in [h.nodes.index(root), *crit_idx]:
                rows.append({**design, "quantity": "score_half_width", "node": h.nodes[j],
                             "value": float(hw_s[j])})
            est = composite_scores(W, mc, M)[..., h.nodes.index(root)]  # (R, G)
            tru = composite_scores(true_leaf, mt, M)[..., h.nodes.index(root)]
            top = float(np.mean(np.argmax(est, axis=1) == np.argmax(tru, axis=1)))
            rows.append({**design, "quantity": "p_criterion_order", "node": root,
                         "value": float(order_ok)})
            rows.append({**design, "quantity": "p_top_cluster", "node": root, "value": top})
    return PlanResult(table=pd.DataFrame(rows), pilot=pilot, replications=R,
                      confidence_level=confidence_level)


def smallest_designs(result: PlanResult, *, target: float = 0.02,
                     node: str | None = None) -> pd.DataFrame:
    """The designs whose expected score half-width at ``node`` (default the goal) is at most
    ``target``: for each number of experts, the fewest respondents (and its clusters).

    Examples
    --------
    >>> from ahpstat.datasets import example_pilot
    >>> res = plan_panel_size(example_pilot(), experts=[5, 30], clusters=[10, 40],
    ...                       per_cluster=[20], replications=200, rng=1)
    >>> smallest_designs(res, target=0.5).columns.tolist()
    ['experts', 'clusters', 'per_cluster', 'respondents', 'half_width']
    """
    node = result.pilot.hierarchy.root if node is None else node
    t = result.table
    t = t[(t.quantity == "score_half_width") & (t.node == node) & (t.value <= target)]
    t = t.sort_values(["experts", "respondents", "clusters"]).groupby("experts").head(1)
    return t.rename(columns={"value": "half_width"})[
        ["experts", "clusters", "per_cluster", "respondents", "half_width"]].reset_index(
        drop=True)


def plan_figure(result: PlanResult, path: Any, *, target: float = 0.02) -> None:
    """Goal-score half-width against the number of experts, one line per survey design."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ahpstat._text import escape_mathtext

    t = result.table
    root = result.pilot.hierarchy.root
    d = t[(t.quantity == "score_half_width") & (t.node == root)]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for (G, m), s in d.groupby(["clusters", "per_cluster"]):
        s = s.sort_values("experts")
        axes[0].plot(s.experts, s.value, marker="o", ms=3, label=f"{G} x {m} = {G * m}")
    axes[0].axhline(target, color="r", ls=":", lw=1)
    axes[0].set_xlabel("experts")
    axes[0].set_ylabel(f"expected {100 * result.confidence_level:g}% half-width, goal score")
    axes[0].legend(title="clusters x respondents", fontsize=7)
    axes[0].set_title(escape_mathtext(f"goal score ({root})"), fontsize=9)
    p = t[t.quantity == "p_criterion_order"].drop_duplicates("experts").sort_values("experts")
    axes[1].plot(p.experts, p.value, marker="o", ms=3, label="P(criterion order right)")
    q = t[t.quantity == "p_top_cluster"]
    for (G, m), s in q.groupby(["clusters", "per_cluster"]):
        s = s.sort_values("experts")
        axes[1].plot(s.experts, s.value, ls="--", lw=1, label=f"P(top cluster), {G} x {m}")
    axes[1].set_ylim(0, 1.02)
    axes[1].set_xlabel("experts")
    axes[1].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plan_study(study: Any, **kwargs: Any) -> PlanResult:
    """:func:`plan_panel_size` from a :class:`ahpstat.Study` (or its YAML file) as the pilot.

    The study's judgments, survey, weighting method, Likert range and cluster column (the
    ``bootstrap: cluster:`` setting; none: respondents independent) give the pilot
    estimates; ``kwargs`` go to :func:`plan_panel_size`.
    """
    from ahpstat.study import Study

    if not isinstance(study, Study):
        study = Study.from_yaml(study)
    inputs = study.load()
    cluster = (study.bootstrap or {}).get("cluster")
    pilot = estimate_pilot(inputs.stacks, inputs.hierarchy, inputs.survey,
                           cluster_column=cluster, likert=study.survey.likert,
                           method=study.panel.weighting)
    return plan_panel_size(pilot, **kwargs)


def write_plan(result: PlanResult, out: Any, *, target: float = 0.02,
               figures: bool = True) -> Any:
    """Write ``plan.csv`` (tidy), ``plan_goal.csv`` (one row per design), ``pilot.csv``,
    ``plan.md`` and ``plan.png`` into a new or empty folder, each file atomically.
    """
    import os
    from pathlib import Path

    from ahpstat._text import escape_markdown, neutralize_frame

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("the output folder exists and is not empty; ahpstat writes a plan "
                         "only into a new or empty folder. Choose another.", file=str(out))
    out.mkdir(parents=True, exist_ok=True)

    def put(name: str, write: Any) -> None:
        tmp = out / f".tmp{os.getpid()}-{name}"  # keeps the suffix (matplotlib's format)
        write(tmp)
        os.replace(tmp, out / name)

    goal = result.goal()
    for name, df in (("plan.csv", result.table), ("plan_goal.csv", goal),
                     ("pilot.csv", result.pilot.to_frame())):
        put(name, lambda p, df=df: neutralize_frame(df).to_csv(p, index=False,
                                                               lineterminator="\n"))
    if figures:
        put("plan.png", lambda p: plan_figure(result, p, target=target))
    best = smallest_designs(result, target=target)
    pct = f"{100 * result.confidence_level:g}%"
    root = escape_markdown(result.pilot.hierarchy.root)
    lines = [f"# Panel-size plan: ±{target:g} on the goal score ({root})", "",
             f"{result.replications} simulated studies per design; {pct} interval "
             "half-width = half the central range of the estimate over the simulated studies.",
             "", "## Pilot estimates", "",
             "| parameter | value |", "|---|---|"]
    lines += [f"| {r.parameter} | {r.value:.4g} |" for r in result.pilot.to_frame()
              .itertuples()]
    lines += ["", f"## Smallest survey per panel size for ±{target:g} on the goal", ""]
    if best.empty:
        lines += ["No design in the grid reaches it; add more clusters or respondents.", ""]
    else:
        lines += ["| experts | clusters | respondents per cluster | respondents | half-width |",
                  "|---|---|---|---|---|"]
        lines += [f"| {r.experts} | {r.clusters} | {r.per_cluster} | {r.respondents} | "
                  f"{r.half_width:.4f} |" for r in best.itertuples()]
    lines += ["", "## Every design", "",
              "| experts | clusters | per cluster | goal half-width | P(criterion order) | "
              "P(top cluster) |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.experts} | {r.clusters} | {r.per_cluster} | {r.goal_half_width:.4f} | "
              f"{r.p_criterion_order:.3f} | {r.p_top_cluster:.3f} |"
              for r in goal.itertuples()]
    if figures:
        lines += ["", "![plan](plan.png)"]
    put("plan.md", lambda p: p.write_text("\n".join(lines) + "\n", encoding="utf-8"))
    return out
