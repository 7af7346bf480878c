"""Rank reversal: the model re-evaluated with an alternative removed or added, and every
change of order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ahpstat.alternatives._model import DecisionModel
from ahpstat.alternatives._options import MODES, DecisionOptions
from ahpstat.io import DecisionData, Preference


def rank_reversal(
    model: DecisionModel,
    *,
    remove: Sequence[str] | str | None = None,
    add: Mapping[str, Mapping[str, Any]] | None = None,
    modes: Sequence[str] = MODES,
    options: DecisionOptions | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Check whether the order of the other alternatives changes when one is removed or added.

    Parameters
    ----------
    model : DecisionModel
    remove : str or sequence of str, optional
        Alternatives to remove, one at a time (default: each alternative in turn).
    add : mapping name -> {leaf: preference source}, optional
        New alternatives to add, one at a time: for each leaf criterion, either the name of
        an existing alternative it copies (Belton & Gear's test) or a mapping decision maker
        -> :class:`~ahpstat.io.Preference` over the enlarged set of alternatives.
    modes : sequence of {"distributive", "ideal"}, default both
    options, **kwargs
        As :meth:`DecisionModel.evaluate` (``mode`` is set by ``modes``).

    Returns
    -------
    DataFrame
        One row per (change, mode, pair of remaining alternatives whose order differs):
        ``change`` (``remove X`` / ``add X``), ``mode``, ``first``, ``second`` (the order
        before), ``before_first``, ``before_second``, ``after_first``, ``after_second``
        (priorities, renormalized over the alternatives both runs share), ``reversed``
        (True). An empty table means no rank reversal. See :func:`rank_reversal_summary`-like
        counts in ``DataFrame.attrs['checked']`` (changes x modes checked).

    Notes
    -----
    Distributive synthesis can reverse ranks when a copy or near-copy is added (Belton &
    Gear 1983); the ideal mode preserves the order when an irrelevant alternative is added
    or removed (Saaty 1994, ch. 5), unless the removed or added alternative is the ideal on
    some criterion. Ratings are absolute, so they never reverse.
    """
    base = model._options(options, kwargs)
    if remove is None and add is None:
        remove = list(model.alternatives)
    removes = [remove] if isinstance(remove, str) else list(remove or [])
    rows = []
    checked = 0
    for mode in modes:
        opts = DecisionOptions(**{**base.__dict__, "mode": mode})
        before = model.evaluate(opts).priorities()
        changes: list[tuple[str, DecisionModel]] = []
        for a in removes:
            changes.append((f"remove {a}", _without(model, a)))
        for name, spec in (add or {}).items():
            changes.append((f"add {name}", _with(model, name, spec)))
        for label, m2 in changes:
            checked += 1
            after = m2.evaluate(opts).priorities()
            common = [a for a in before.index if a in after.index]
            b = before[common] / before[common].sum()
            f = after[common] / after[common].sum()
            for i, x in enumerate(common):
                for y in common[i + 1:]:
                    if np.sign(b[x] - b[y]) * np.sign(f[x] - f[y]) < 0:
                        first, second = (x, y) if b[x] > b[y] else (y, x)
                        rows.append((label, mode, first, second, float(b[first]),
                                     float(b[second]), float(f[first]), float(f[second]),
                                     True))
    out = pd.DataFrame(rows, columns=["change", "mode", "first", "second", "before_first",
                                      "before_second", "after_first", "after_second",
                                      "reversed"])
    out.attrs["checked"] = checked
    return out


def _without(model: DecisionModel, alt: str) -> DecisionModel:
    d = model.data
    if alt not in d.alternatives:
        raise ValueError(f"`remove` names {alt!r}, which is not an alternative "
                         f"{list(d.alternatives)}.")
    keep = tuple(a for a in d.alternatives if a != alt)
    idx = [d.alternatives.index(a) for a in keep]
    prefs: dict[str, dict[str, Preference]] = {}
    for v, ps in d.preferences.items():
        if d.hierarchy.children(v):
            prefs[v] = dict(ps)
            continue
        prefs[v] = {dm: _subset(p, idx, keep) for dm, p in ps.items()}
    return DecisionModel(DecisionData(
        hierarchy=d.hierarchy, alternatives=keep, decision_makers=d.decision_makers,
        preferences=prefs, decision_maker_weights=d.decision_maker_weights,
        attributes={a: d.attributes[a] for a in keep if a in d.attributes}, name=d.name,
        source=d.source, version=d.version))


def _subset(p: Preference, idx: list[int], keep: tuple[str, ...]) -> Preference:
    if p.kind == "pairwise":
        assert p.matrix is not None
        return Preference("pairwise", keep, matrix=p.matrix[np.ix_(idx, idx)], origin=p.origin,
                          file=p.file, line=p.line)
    assert p.values is not None
    v = p.values[idx]
    kind = p.kind
    if kind == "priority":  # renormalize what remains: the same ratios
        v = v / v.sum()
    return Preference(kind, keep, values=v, origin=p.origin, file=p.file, line=p.line)


def _with(model: DecisionModel, name: str, spec: Mapping[str, Any]) -> DecisionModel:
    d = model.data
    if name in d.alternatives:
        raise ValueError(f"`add` names {name!r}, which is already an alternative.")
    alts = (*d.alternatives, name)
    prefs: dict[str, dict[str, Preference]] = {}
    for v, ps in d.preferences.items():
        if d.hierarchy.children(v):
            prefs[v] = dict(ps)
            continue
        how = spec.get(v) if isinstance(spec, Mapping) else spec
        if how is None and isinstance(spec, str):
            how = spec
        if isinstance(how, str):
            if how not in d.alternatives:
                raise ValueError(f"`add[{name!r}]` copies {how!r}, which is not an "
                                 "alternative.")
            c = d.alternatives.index(how)
            prefs[v] = {dm: _copy_of(p, c, alts) for dm, p in ps.items()}
        elif isinstance(how, Mapping):
            prefs[v] = dict(how)
        else:
            raise ValueError(f"`add[{name!r}]` must give, for leaf {v!r}, the alternative it "
                             "copies or the decision makers' preferences over the enlarged "
                             f"set; got {how!r} instead.")
    return DecisionModel(DecisionData(
        hierarchy=d.hierarchy, alternatives=alts, decision_makers=d.decision_makers,
        preferences=prefs, decision_maker_weights=d.decision_maker_weights, name=d.name,
        source=d.source, version=d.version))


def _copy_of(p: Preference, c: int, alts: tuple[str, ...]) -> Preference:
    if p.kind == "pairwise":
        assert p.matrix is not None
        n = p.matrix.shape[0]
        M = np.ones((n + 1, n + 1))
        M[:n, :n] = p.matrix
        M[n, :n] = p.matrix[c]
        M[:n, n] = p.matrix[:, c]
        return Preference("pairwise", alts, matrix=M, origin=p.origin)
    assert p.values is not None
    v = np.append(p.values, p.values[c])
    if p.kind == "priority":
        v = v / v.sum()
    return Preference(p.kind, alts, values=v, origin=p.origin)
