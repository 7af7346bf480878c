"""The study file's evaluation sections: ``objective_weights:``, ``combination:``, ``fce:``,
``topsis:`` and ``gra:`` -> :func:`ahpstat.evaluation.evaluate_study` on the study's own
bootstrap resamples, its tables in the result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from ahpstat._validation import InputError
from ahpstat.evaluation import EvaluationOptions, estimate, evaluate_study, jackknife_rows
from ahpstat.study._schema import STUDY_SCHEMA, parse_section

__all__ = ["EVALUATION_SECTIONS", "attach_evaluation", "check_evaluation_memory",
           "evaluation_bytes", "evaluation_options", "prepare_evaluation"]

#: the sections that make a study run the evaluation (any one of them present)
EVALUATION_SECTIONS = ("objective_weights", "combination", "fce", "topsis", "gra")


def evaluation_options(top: Mapping[str, Any], likert: tuple[int, int],
                       group_columns: tuple[str, ...], file: str | None
                       ) -> tuple[EvaluationOptions | None, dict[str, Any]]:
    """The evaluation a study file asks for (``None``: none of its sections is present),
    and the sections as parsed (for the provenance).

    Raises
    ------
    InputError
        A section's key is invalid, or the sections do not fit together (a combination
        without objective weights, a weighting that is not computed, grades that do not
        match the answer scale, a group-level method without grouping columns); the message
        names the file and the key.
    """
    given = {name: top.get(name) for name in EVALUATION_SECTIONS if top.get(name) is not None}
    if not given:
        return None, {}
    sec = {name: parse_section(STUDY_SCHEMA[name], given[name], file) for name in given}
    obj = sec.get("objective_weights")
    methods = tuple(obj["methods"]) if obj else ()
    comb = sec.get("combination")
    _check_combination(comb, methods, file)
    computed = ("ahp", *methods) + (("combined",) if comb is not None else ())
    _check_sections(sec, computed, likert, group_columns, file)
    fce, top_, gra = sec.get("fce"), sec.get("topsis"), sec.get("gra")

    def ws(s: Mapping[str, Any] | None) -> tuple[str, ...] | None:
        if s is None:
            return ()
        return None if s["weighting"] is None else tuple(s["weighting"])

    try:
        opts = EvaluationOptions(
            objective=methods,
            normalization=obj["normalization"] if obj else "minmax",
            shift=obj["shift"] if obj else 0.0,
            unit=obj["unit"] if obj else "respondents",
            combination=comb["method"] if comb else None,
            alpha=comb["alpha"] if comb else None,
            combine=comb["objective"] if comb else None,
            fce_weighting=ws(fce) or (),
            fce_operators=tuple(fce["operators"]) if fce else ("weighted_average",),
            grades=tuple(fce["grades"]) if fce and fce["grades"] else None,
            grade_values=tuple(fce["values"]) if fce and fce["values"] else None,
            fce_nodes=fce["nodes"] if fce else "criteria",
            topsis_weighting=ws(top_),
            topsis_normalization=top_["normalization"] if top_ else "vector",
            gra_weighting=ws(gra),
            gra_normalization=gra["normalization"] if gra else "minmax",
            rho=gra["rho"] if gra else 0.5,
        )
    except ValueError as exc:  # pragma: no cover - every case is checked above
        raise InputError(str(exc), file=file) from None
    return opts, sec


def _check_combination(comb: Mapping[str, Any] | None, methods: tuple[str, ...],
                       file: str | None) -> None:
    if comb is None:
        return
    if not methods:
        raise InputError("`combination` combines the AHP weights with an objective weight "
                         "vector, so it needs the `objective_weights` section. Got no "
                         "objective weights instead.", file=file)
    if comb["objective"] is not None and comb["objective"] not in methods:
        raise InputError(f"`combination.objective` must be one of "
                         f"`objective_weights.methods` {list(methods)}. Got "
                         f"{comb['objective']!r} instead.", file=file)
    if comb["method"] == "linear" and comb["alpha"] is None:
        raise InputError("`combination.alpha` (the AHP vector's weight, 0..1) is required "
                         "for the linear combination. Got null instead.", file=file)
    if comb["method"] != "linear" and comb["alpha"] is not None:
        raise InputError(f"`combination.alpha` applies to the linear combination only; "
                         f"`combination.method` is {comb['method']!r}. Got alpha "
                         f"{comb['alpha']!r} instead.", file=file)


def _check_sections(sec: Mapping[str, Any], computed: tuple[str, ...], likert: tuple[int, int],
                    group_columns: tuple[str, ...], file: str | None) -> None:
    for name in ("fce", "topsis", "gra"):
        s = sec.get(name)
        if s is None or s["weighting"] is None:
            continue
        bad = [w for w in s["weighting"] if w not in computed]
        if bad:
            hint = ("add the `combination` section" if bad[0] == "combined" else
                    "add it to `objective_weights.methods`")
            raise InputError(f"`{name}.weighting` names {bad[0]!r}, which this study does not "
                             f"compute ({hint}; computed: {list(computed)}). Got "
                             f"{s['weighting']!r} instead.", file=file)
    lo, hi = likert
    K = hi - lo + 1
    fce = sec.get("fce")
    for key in ("grades", "values"):
        if fce is not None and fce[key] is not None and len(fce[key]) != K:
            raise InputError(f"`fce.{key}` must give one entry per answer category, {K} for "
                             f"`survey.likert` [{lo}, {hi}]. Got {len(fce[key])} instead: "
                             f"{fce[key]!r}.", file=file)
    needs_groups: list[str] = [n for n in ("topsis", "gra") if n in sec]
    obj = sec.get("objective_weights")
    if obj is not None and obj["unit"] == "groups":
        needs_groups.append("objective_weights.unit: groups")
    if needs_groups and not group_columns:
        raise InputError(f"`{needs_groups[0]}` works on the groups of a grouping column, but "
                         "`survey.group_columns` is empty. Got no grouping column instead.",
                         file=file)


def evaluation_bytes(opts: EvaluationOptions, *, n_resamples: int, n_respondents: int,
                     n_nodes: int, n_leaves: int, n_groups: int, n_levels: int,
                     n_fce_nodes: int, n_grades: int) -> float:
    """Memory of the evaluation's stored draws: every statistic per resample (and per
    respondent left out, for BCa), twice (intervals sort copies).

    Examples
    --------
    The seed study's size with the default options: per resample 57 x 7 item statistics,
    2 x 87 x 4 node weights, 2 coefficients, 6 pairs x 3 levels x 2 agreements,
    2 operators x 29 x 8 x 6 memberships and scores, 28 x 8 closenesses and grades --
    4141 floats, for 4000 resamples and 370 jackknife values, twice:

    >>> from ahpstat._limits import format_bytes
    >>> format_bytes(evaluation_bytes(EvaluationOptions(), n_resamples=4000,
    ...     n_respondents=370, n_nodes=87, n_leaves=57, n_groups=28, n_levels=3,
    ...     n_fce_nodes=8, n_grades=5))
    '276.1 MiB'
    """
    W = len(opts.weightings)
    per = n_leaves * (1 + 3 * len(opts.objective)) + 2 * n_nodes * W + 2
    per += W * (W - 1) // 2 * n_levels * 2
    per += (len(opts.fce_weighting) * len(opts.fce_operators)
            * (1 + n_groups) * n_fce_nodes * (n_grades + 1))
    per += n_groups * (len(opts.topsis_weighting or ()) + len(opts.gra_weighting or ()))
    return 2.0 * 8.0 * per * (n_resamples + n_respondents)


def _settings(res: Any, study: Any, bootstrap_options: Mapping[str, Any] | None,
              options: EvaluationOptions | None) -> tuple[EvaluationOptions, str | None,
                                                        str | None]:
    """The evaluation's options, grouping column and the bootstrap's cluster column."""
    opts: EvaluationOptions = options if options is not None else study.evaluation
    bo = bootstrap_options or {}
    groupings = tuple(res.group_codes)
    return opts, bo.get("group") or (groupings[0] if groupings else None), bo.get("cluster")


def check_evaluation_memory(res: Any, study: Any, bootstrap_options: Mapping[str, Any] | None,
                            options: EvaluationOptions | None = None) -> None:
    """Refuse an evaluation whose memory estimate exceeds the machine's (before it starts)."""
    from ahpstat._limits import require_memory

    opts, group, _ = _settings(res, study, bootstrap_options, options)
    bo = bootstrap_options or {}
    h = res.hierarchy
    lo, hi = study.survey.likert
    G = len(res.group_names[group]) if group is not None else 0
    depth = [h.depth(v) for v in h.nodes]
    n_fce = {"criteria": sum(d <= 1 for d in depth), "internal": len(h.internal),
             "all": len(h.nodes)}[opts.fce_nodes]
    B = int(bo["n_resamples"]) if bootstrap_options is not None else 0
    need = evaluation_bytes(opts, n_resamples=B,
                            n_respondents=jackknife_rows(len(res.respondents), G),
                            n_nodes=len(h.nodes), n_leaves=len(h.leaves), n_groups=G,
                            n_levels=max(depth), n_fce_nodes=n_fce, n_grades=hi - lo + 1)
    require_memory(need, what="the evaluation (objective weights, FCE, TOPSIS, GRA)",
                   detail=f"{B:,} resamples x every weight, membership, closeness and grade",
                   hint="Lower `bootstrap.n_resamples`, report fewer `fce.nodes`, or use "
                        "fewer weightings.", file=str(study.source) if study.source else None)


def prepare_evaluation(res: Any, study: Any, bootstrap_options: Mapping[str, Any] | None,
                       options: EvaluationOptions | None = None) -> Any:
    """The memory check and :func:`attach_evaluation`'s estimate (``prepared``), made ahead
    of it (``Study.run`` makes it while the bootstrap's threads draw).
    """
    check_evaluation_memory(res, study, bootstrap_options, options)
    opts, group, cluster = _settings(res, study, bootstrap_options, options)
    lo, hi = study.survey.likert
    return estimate(res, opts, (lo, hi), group,
                    cluster if bootstrap_options is not None else None, compute=True)


def attach_evaluation(res: Any, study: Any, boot: Any, rng: Any,
                      bootstrap_options: Mapping[str, Any] | None,
                      options: EvaluationOptions | None = None,
                      before: Callable[[Any], Any] | None = None,
                      prepared: Any = None) -> Any:
    """Run the study's evaluation (on the bootstrap's resamples when there is one) and add
    its tables to the result's :attr:`~ahpstat.study.StudyResult.uncertainty`.

    ``before``: a step of the pipeline that comes before the evaluation and is independent
    of it (``before(res)`` returns the result the evaluation's tables are added to), run
    while the evaluation's BCa jackknife runs in its child process (``evaluate_study``'s
    ``meanwhile``): the result is the one of ``attach_evaluation(before(res), ...)``.
    ``prepared``: :func:`prepare_evaluation`'s estimate for these arguments, made ahead.
    """
    opts, group, cluster = _settings(res, study, bootstrap_options, options)
    if prepared is None:
        check_evaluation_memory(res, study, bootstrap_options, options)
    lo, hi = study.survey.likert
    base = [res]
    ev = evaluate_study(res, options=opts, likert=(lo, hi), group=group, bootstrap=boot,
                        rng=rng, cluster=cluster if boot is not None else None,
                        meanwhile=(lambda: base.append(before(res))) if before else None,
                        prepared=prepared)
    out = base[-1]
    info = {"options": dataclasses.asdict(opts), "grouping": group,
            "groups": len(ev.groups), "intervals": ev.interval or None}
    return dataclasses.replace(out, uncertainty={**out.uncertainty, **ev.tables},
                               run_info={**out.run_info, "evaluation": info})
