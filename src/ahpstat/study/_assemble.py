"""Assembling a study: loading its inputs, the classic pipeline, then the uncertainty."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ahpstat import io
from ahpstat._level_counts import keeping_counts
from ahpstat._validation import InputError
from ahpstat._warnings import DegenerateDataWarning
from ahpstat.bootstrap import bootstrap_study
from ahpstat.evaluation import rewound
from ahpstat.hierarchy import Hierarchy
from ahpstat.panel import run_panel
from ahpstat.scoring import composite_scores, cronbach_alpha, item_sums_counts, means_from_sums
from ahpstat.study._config import Study, StudyInputs, non_null
from ahpstat.study._evaluation import attach_evaluation, prepare_evaluation
from ahpstat.study._result import ALL_LABEL, StudyResult
from ahpstat.study._uncertainty import attach_bayes, attach_bootstrap

__all__ = ["assemble", "check_resources", "load_inputs", "natural_key", "run_study",
           "study_panel"]


def load_inputs(study: Study) -> StudyInputs:
    """Read and validate every input file (first error raised)."""
    for role, p in study.input_files().items():
        if not Path(p).is_file():
            raise InputError(f"the {role.replace('_', ' ')} file does not exist (from "
                             f"`{role}` in the study file).", file=str(p))
    h = Hierarchy.from_yaml(study.hierarchy)
    judg = io.read_judgments(study.judgments.path, layout=study.judgments.layout,
                             hierarchy=h, **study.judgments.reader_options(),
                             **non_null(scale=study.judgments.scale))
    stacks = io.judgment_stacks(judg, h, validate=False)  # read_judgments validated
    ew = None
    if study.expert_weights is not None:
        ew = io.read_expert_weights(study.expert_weights,
                                    **non_null(sheet=study.expert_weights_sheet))
    items = [h.item(leaf) for leaf in h.leaves]
    survey = io.read_survey(study.survey.path, id_column=study.survey.id_column,
                            group_columns=list(study.survey.group_columns), items=items,
                            likert=study.survey.likert, **study.survey.reader_options())
    return StudyInputs(hierarchy=h, judgments=judg, stacks=stacks, expert_weights=ew,
                       survey=survey, items=tuple(items))


def run_study(study: Study, *, rng: int | np.random.Generator | None = None,
              bootstrap: bool | None = None, bayes: bool | None = None,
              sensitivity: bool | None = None, evaluation: bool | None = None,
              progress: Callable[[int, int], None] | None = None) -> StudyResult:
    """:meth:`Study.run`: load, assemble, then the uncertainty and sensitivity sections."""
    inputs = load_inputs(study)
    check_resources(study, inputs, bootstrap)
    seed = study.seed if rng is None else rng
    entropy = None
    if seed is None:  # fresh entropy, recorded so that the run can be repeated
        entropy = np.random.SeedSequence().entropy
    res = assemble(study, inputs, seed)
    if entropy is not None:
        res = dataclasses.replace(res, run_info={**res.run_info, "entropy": entropy})
    boot_rng, bayes_rng = np.random.default_rng(seed if entropy is None else entropy).spawn(2)
    bo = study.bootstrap_options(bootstrap)
    boot = None
    eval_rng = rewound(boot_rng)  # the bootstrap's streams, again, for the evaluation
    eo = study.evaluation_options(evaluation)
    # the evaluation takes the within-group resamples' answer counts that the bootstrap
    # kept instead of drawing them again (ahpstat._level_counts.KeptCounts)
    lo, hi = study.survey.likert
    with (keeping_counts((lo, hi)) if bo is not None and eo is not None
          else contextlib.nullcontext()):
        prepared: list[Any] = []
        if bo is not None:
            # the evaluation's set-up and estimate (independent of the bootstrap) made in a
            # thread beside the bootstrap's one-core set-up and its worker threads' draws
            base = res
            boot = bootstrap_study(res, n_resamples=bo["n_resamples"],
                                   resample=bo["resample"], cluster=bo["cluster"],
                                   cluster_stage=bo["cluster_stage"], group=bo["group"],
                                   method=bo["method"],
                                   confidence_level=bo["confidence_level"], rng=boot_rng,
                                   progress=progress,
                                   meanwhile=(lambda: prepared.append(prepare_evaluation(
                                       base, study, bo, eo))) if eo is not None else None)
            # a fourth stream for the rank sets' simulated variances: seeded by the study,
            # not by the draws' last bits (the bootstrap's, Bayes's and sensitivity's
            # unchanged)
            ranks_rng = np.random.default_rng(seed if entropy is None else entropy).spawn(4)[3]

            def bootstrap_tables(r: StudyResult) -> StudyResult:
                return attach_bootstrap(r, boot, bo, ranks_rng)

            if eo is None:
                res = bootstrap_tables(res)
        if eo is not None:
            # the bootstrap's tables (independent of the evaluation) made while the
            # evaluation's BCa jackknife runs in its child process: the same result as
            # attach_bootstrap first, the second core busy meanwhile
            res = attach_evaluation(res, study, boot, eval_rng, bo, options=eo,
                                    before=bootstrap_tables if bo is not None else None,
                                    prepared=prepared[0] if prepared else None)
    ba = study.bayes_options(bayes)
    if ba is not None:
        cluster = (study.bootstrap or {}).get("cluster")
        stage = (study.bootstrap or {}).get("cluster_stage", "one")
        res = attach_bayes(res, inputs, {**ba, "scale": study.judgments.scale}, bayes_rng,
                           cluster=cluster, cluster_stage=stage)
    so = study.sensitivity_options(sensitivity)
    if so is not None:
        # a third stream: the bootstrap's and Bayes's stay what they were
        sens_rng = np.random.default_rng(seed if entropy is None else entropy).spawn(3)[2]
        res = attach_sensitivity(res, so, sens_rng, progress)
    return res


def study_panel(study: Study, inp: StudyInputs) -> Any:
    """:func:`~ahpstat.panel.run_panel` with the study's options; an option that does not
    fit the data (a random-index table too short for a node's children) is an
    :class:`InputError` in the study file's spelling, in ``check`` as in ``run``.
    """
    try:
        return run_panel(inp.stacks, inp.hierarchy, expert_weights=inp.expert_weights,
                         options=study.panel)
    except InputError:
        raise
    except ValueError as exc:
        msg = str(exc)
        if "random-index table" not in msg:
            raise
        msg = msg.replace("choose `random_index='alonso_lamata'`",
                          "set `consistency.random_index: alonso_lamata` in the study file")
        raise InputError(msg, file=str(study.source) if study.source else None) from None


def check_resources(study: Study, inp: StudyInputs, bootstrap: bool | None = None) -> None:
    """Refuse a run whose memory estimate exceeds the machine's, before it starts (``run``
    and ``check`` alike; :mod:`ahpstat._limits`).
    """
    from ahpstat._limits import bootstrap_bytes, memory_budget, require_memory

    bo = study.bootstrap_options(bootstrap)
    if bo is None:
        return
    gcol = bo["group"] or (study.survey.group_columns[0] if study.survey.group_columns
                           else None)
    G = int(inp.survey[gcol].nunique()) if gcol is not None else 0
    N, B = len(inp.hierarchy.nodes), int(bo["n_resamples"])
    per = bootstrap_bytes(1, N, G)
    fit = int(memory_budget()[0] // per)
    require_memory(bootstrap_bytes(B, N, G), what="the bootstrap",
                   detail=f"{B:,} resamples x {N} nodes x (4 + {G} groups) x 8 bytes, twice",
                   hint=f"Lower `bootstrap.n_resamples` (at most about {fit:,} fit; 2000 to "
                        "10000 are usual).", file=str(study.source) if study.source else None)


def attach_sensitivity(res: StudyResult, settings: dict[str, Any], rng: Any,
                       progress: Callable[[int, int], None] | None) -> StudyResult:
    """Run the ``sensitivity:`` section; add its tables and a summary for the provenance."""
    from ahpstat.sensitivity import sensitivity_analysis

    sa = sensitivity_analysis(res, settings, rng=rng, progress=progress)
    info: dict[str, Any] = {"grouping": sa.settings["grouping"]}
    if sa.multiverse is not None:
        info.update({k: sa.multiverse.info[k] for k in ("n_specifications", "n_panels",
                                                        "n_infeasible")})
        info["baseline_spec"] = sa.multiverse.baseline
    if sa.judgments is not None:
        info["judgments"] = sa.judgments.settings
    return dataclasses.replace(res, sensitivity=sa,
                               uncertainty={**res.uncertainty, **sa.tables()},
                               run_info={**res.run_info, "sensitivity": info})


def assemble(study: Study, inp: StudyInputs, seed: Any) -> StudyResult:
    """The classic pipeline: panel weights, scores, ranks, reliability, item table."""
    h = inp.hierarchy
    panel = study_panel(study, inp)
    nodes = tuple(h.nodes)
    leaves = tuple(h.leaves)

    depth = {v: h.depth(v) for v in nodes}
    level = {v: h.level_name(depth[v]) for v in nodes}
    label = {v: h.label(v) for v in nodes}
    local_of = {v: float(lw) for v, lw, _ in h.walk_weights(panel.local)}
    weights = pd.DataFrame({
        "node": nodes,
        "parent": [h.parent(v) or "" for v in nodes],
        "depth": [depth[v] for v in nodes],
        "level": [level[v] for v in nodes],
        "label": [label[v] for v in nodes],
        "local": [local_of[v] for v in nodes],
        "global": [panel.global_weights[v] for v in nodes],
        "ci_low": np.nan, "ci_high": np.nan, "local_ci_low": np.nan, "local_ci_high": np.nan,
        "interval": None,
    })

    # survey: answers (R, L) in leaf order, the missing-answer policy, groups
    sv = inp.survey
    X = sv[list(inp.items)].to_numpy(dtype=float)  # a view of the survey's float block
    keep = np.ones(X.shape[0], dtype=bool)
    if study.survey.missing == "listwise":
        keep = ~np.isnan(X).any(axis=1)
        if not keep.any():
            raise InputError("the listwise missing-answer policy leaves no respondent: every "
                             "respondent skipped at least one item. Use `survey.missing: "
                             "available_case`. Got 0 complete respondents instead.",
                             file=str(study.survey.path))
    if not keep.all():  # (a boolean selection copies the answers)
        X = X[keep]
        sv = sv.loc[keep]
    respondents = tuple(str(r) for r in sv.index)
    M = np.asarray(h.membership(), dtype=float)
    w = panel.leaf_weights

    score_rows = []
    s_all, c_all = item_sums_counts(X)
    mean_all = means_from_sums(s_all, c_all)[0]
    sc_all = composite_scores(w, mean_all, M)
    for i, v in enumerate(nodes):
        score_rows.append((v, depth[v], level[v], label[v], ALL_LABEL, ALL_LABEL, X.shape[0],
                           sc_all[i]))
    group_codes: dict[str, np.ndarray] = {}
    group_names: dict[str, tuple[str, ...]] = {}
    rank_frames = []
    internal_idx = [nodes.index(v) for v in h.internal]
    for gcol in study.survey.group_columns:
        first, seen = pd.factorize(sv[gcol].astype(str).to_numpy())
        names = tuple(sorted(seen, key=natural_key))
        pos = {g: k for k, g in enumerate(names)}
        codes = np.array([pos[g] for g in seen], dtype=np.intp)[first]
        group_codes[gcol], group_names[gcol] = codes, names
        sums, cnts = item_sums_counts(X, codes, len(names))
        sc = composite_scores(w, means_from_sums(sums, cnts), M)  # (G, N)
        n_g = np.bincount(codes, minlength=len(names))
        for k, g in enumerate(names):
            for i, v in enumerate(nodes):
                score_rows.append((v, depth[v], level[v], label[v], gcol, g, int(n_g[k]),
                                   sc[k, i]))
        sub = sc[:, internal_idx]  # (G, internal)
        rk = pd.DataFrame(-sub).rank(axis=0, method="min").to_numpy()
        for j, i in enumerate(internal_idx):
            for k, g in enumerate(names):
                rank_frames.append((gcol, nodes[i], g, sub[k, j],
                                    int(rk[k, j]) if np.isfinite(sub[k, j]) else -1))
    scores = pd.DataFrame(score_rows, columns=["node", "depth", "level", "label", "grouping",
                                               "group", "n_respondents", "score"])
    scores["ci_low"] = np.nan
    scores["ci_high"] = np.nan
    scores["interval"] = None
    ranks = pd.DataFrame(rank_frames, columns=["grouping", "node", "group", "score", "rank"])
    for c in ("rank_mean", "rank_ci_low", "rank_ci_high"):
        ranks[c] = np.nan
    ranks["rank_interval"] = None

    # reliability: Cronbach's alpha per criterion (depth 1) and overall


    rel = []
    leaf_pos = {leaf: k for k, leaf in enumerate(leaves)}
    scopes = [(v, [leaf_pos[x] for x in h.leaves_under(v)]) for v in nodes if depth[v] == 1]
    scopes.append((h.root, list(range(len(leaves)))))
    for v, cols in scopes:
        n_complete = sum(int((~np.isnan(x[:, cols]).any(axis=1)).sum())
                         for x in np.array_split(X, max(1, X.size // (1 << 18))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateDataWarning)
            a = cronbach_alpha(X, items=cols) if len(cols) >= 2 else float("nan")
        rel.append(("overall" if v == h.root else v, label[v], len(cols), n_complete, a))
    reliability = pd.DataFrame(rel, columns=["scope", "label", "n_items", "n_complete", "alpha"])

    sd = _item_sd(X, mean_all, c_all[0])
    items = pd.DataFrame({
        "leaf": leaves, "item": list(inp.items), "label": [label[x] for x in leaves],
        "n_answers": c_all[0].astype(int), "mean": mean_all, "sd": sd,
    })

    files = study.input_files()
    hashes = {role: io.sha256_file(p) for role, p in files.items()}
    return StudyResult(
        study=study, hierarchy=h, panel=panel, stacks=inp.stacks, weights=weights,
        consistency=panel.consistency.copy(), scores=scores, ranks=ranks,
        audit=panel.audit.copy(), dispersion=panel.dispersion.copy(), reliability=reliability,
        items=items, answers=X, respondents=respondents, membership=M,
        group_codes=group_codes, group_names=group_names, survey_file=str(study.survey.path),
        seed=seed, input_hashes=hashes,
        n_dropped_listwise=int((~keep).sum()),
    )


def _item_sd(X: np.ndarray, mean: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Sample standard deviation of each column's answers (``NaN`` = missing skipped; ``NaN``
    below two answers), as ``numpy.nanstd(X, axis=0, ddof=1)`` but over blocks of rows: no
    copy of a survey of 10^6 respondents.
    """
    ss = np.zeros(X.shape[1])
    for x in np.array_split(X, max(1, X.size // (1 << 18))):
        d = x - mean
        ss += np.where(np.isnan(d), 0.0, d * d).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 1, np.sqrt(ss / np.where(count > 1, count - 1, 1)), np.nan)


def natural_key(s: str) -> tuple:
    """Sort key of group names: digits compare as numbers (``"HZ2"`` before ``"HZ10"``)."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s))
