"""The tidy tables of an evaluation from its estimates and draws, with intervals."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._warnings import DegenerateDataWarning
from ahpstat.compare import descending_ranks
from ahpstat.evaluation._evaluator import Evaluator
from ahpstat.evaluation._options import EvaluationOptions
from ahpstat.fuzzy import (
    FCE_OPERATORS,
    max_membership,
)


def _interval_columns(est: np.ndarray, draws: np.ndarray | None, acc: np.ndarray | None,
                      level: float, method: str) -> dict[str, np.ndarray]:
    from ahpstat.bootstrap import bootstrap_interval

    est = np.asarray(est, dtype=float)
    if draws is None:
        nan = np.full(est.shape, np.nan)
        return {"se": nan, "ci_low": nan, "ci_high": nan}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        with np.errstate(invalid="ignore"):
            se = np.nanstd(draws, axis=-1, ddof=1) if draws.shape[-1] > 1 else np.full(
                est.shape, np.nan)
        m = method
        if m == "bca" and acc is None:
            m = "percentile"
        lo, hi = bootstrap_interval(draws, est, confidence_level=level, method=m,
                                    acceleration=acc if m == "bca" else None)
    lo = np.where(np.isnan(est), np.nan, lo)
    hi = np.where(np.isnan(est), np.nan, hi)
    return {"se": np.asarray(se), "ci_low": np.asarray(lo), "ci_high": np.asarray(hi)}


def draw_verdicts(D: np.ndarray) -> np.ndarray:
    """The maximum-membership verdict of every resample: for ``D`` (..., grades, B), the
    grade of the largest membership (the lowest when tied) per resample, ``-1`` where a
    grade's membership is ``NaN`` -- ``np.argmax`` over the grades with ``NaN`` as ``-inf``,
    in one pass per grade over contiguous rows of resamples (``argmax`` over the
    next-to-last axis copied the whole array and reduced rows of a few grades).

    Examples
    --------
    >>> D = np.array([[[0.2, 0.5, np.nan], [0.5, 0.5, 0.1], [0.3, 0.0, 0.9]]])
    >>> draw_verdicts(D)
    array([[ 1,  0, -1]])
    """
    first = D[..., 0, :]
    nan = np.isnan(first)
    best = np.where(nan, -np.inf, first)
    out = np.zeros(best.shape, dtype=np.intp)
    for k in range(1, D.shape[-2]):
        x = D[..., k, :]
        xn = np.isnan(x)
        nan |= xn
        x = np.where(xn, -np.inf, x)
        up = x > best  # strictly: the first of equal memberships stays
        np.copyto(best, x, where=up)
        out[up] = k
    out[nan] = -1
    return out


_META = ["confidence_level", "method", "interval"]


def method_of(key: str, method: str) -> str:
    """The interval method of statistic ``key``: the bootstrap's, except percentile for the
    rank correlations -- they take few values, so BCa's bias correction (the share of draws
    below the estimate) is undefined or arbitrary for them.
    """
    return "percentile" if key.startswith(("tau:", "rw:")) else method


_IV = ["se", "ci_low", "ci_high"]


class Tables:
    """The tidy tables of an evaluation from its estimates and draws."""

    def __init__(self, ev: Evaluator, est: Mapping[str, np.ndarray],
                 draws: Mapping[str, np.ndarray] | None, acc: Mapping[str, np.ndarray],
                 level: float, method: str, labeller: Callable[[str], str] | None, h: Any,
                 gnames: tuple[str, ...], grouping: str | None, grades: tuple[str, ...],
                 opts: EvaluationOptions) -> None:
        self.ev, self.est, self.draws, self.acc = ev, est, draws, acc
        self.level, self.method, self.labeller = level, method, labeller
        self.h, self.gnames, self.grouping, self.grades, self.opts = (h, gnames, grouping,
                                                                      grades, opts)

    def mt(self, key: str) -> dict[str, Any]:
        """What the intervals of statistic ``key`` are."""
        if self.draws is None or self.labeller is None:
            return {"confidence_level": np.nan, "method": None, "interval": None}
        return {"confidence_level": self.level, "method": method_of(key, self.method),
                "interval": self.labeller(key)}

    def iv(self, key: str) -> dict[str, np.ndarray]:
        """Standard error and interval of statistic ``key``."""
        return _interval_columns(self.est[key], None if self.draws is None else self.draws[key],
                                 self.acc.get(key), self.level, method_of(key, self.method))

    def all(self) -> dict[str, pd.DataFrame]:
        fce, verdicts = self.fce()
        return {"objective_weights": self.weights(), "objective_components": self.components(),
                "weight_agreement": self.agreement(), "fce": fce, "fce_verdicts": verdicts,
                "topsis": self.ranking("topsis", self.opts.topsis_weighting or ()),
                "gra": self.ranking("gra", self.opts.gra_weighting or ()),
                "evaluation_ranks": self.rank_probabilities()}

    def weights(self) -> pd.DataFrame:
        h, nodes = self.h, self.ev.nodes
        parent = [h.parent(v) or "" for v in nodes]
        depth = [h.depth(v) for v in nodes]
        frames = []
        for w in self.opts.weightings:
            for kind in ("global", "local"):
                key = f"{kind}:{w}"
                frames.append(pd.DataFrame({"weighting": w, "node": nodes, "parent": parent,
                                            "level": depth, "weight": kind,
                                            "estimate": self.est[key], **self.iv(key),
                                            **self.mt(key)}))
        return pd.concat(frames, ignore_index=True)

    def components(self) -> pd.DataFrame:
        leaves = tuple(self.h.leaves)
        comp = []
        for key, e in self.est.items():
            if key.startswith("component:"):
                _, m, q = key.split(":")
                names = leaves if e.shape[-1] == len(leaves) else None
                comp.append(pd.DataFrame({"weighting": m, "node": names, "quantity": q,
                                          "estimate": e, **self.iv(key), **self.mt(key)}))
        key = "combination_coefficients"
        if key in self.est:
            comp.append(pd.DataFrame({
                "weighting": "combined", "node": None,
                "quantity": ["coefficient:ahp", f"coefficient:{self.opts.combine}"],
                "estimate": self.est[key], **self.iv(key), **self.mt(key)}))
        cols = ["weighting", "node", "quantity", "estimate", *_IV, *_META]
        return pd.concat(comp, ignore_index=True)[cols] if comp else pd.DataFrame(columns=cols)

    def agreement(self) -> pd.DataFrame:
        rows = []
        for key, e in self.est.items():
            if key.startswith(("tau:", "rw:")):
                kind, a, b, d = key.split(":")
                rows.append({"weighting_a": a, "weighting_b": b, "level": int(d),
                             "measure": "kendall_tau" if kind == "tau" else "weighted_spearman",
                             "estimate": float(e),
                             **{k: float(v) for k, v in self.iv(key).items()}, **self.mt(key)})
        t = pd.DataFrame(rows, columns=["weighting_a", "weighting_b", "level", "measure",
                                        "estimate", *_IV, *_META])
        return t.sort_values(["level", "measure", "weighting_a", "weighting_b"],
                             kind="stable").reset_index(drop=True) if len(t) else t

    def fce(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        fce_rows: list[pd.DataFrame] = []
        verdict_rows: list[pd.DataFrame] = []
        for w in self.opts.fce_weighting:
            for op in self.opts.fce_operators:
                blocks: list[tuple[str | None, tuple[str, ...], str]] = [
                    ("all", ("all",), "all")]
                if self.gnames:
                    blocks.append((self.grouping, self.gnames, "groups"))
                for gcol, names, which in blocks:
                    head = {"weighting": w, "operator": op, "symbol": FCE_OPERATORS[op],
                            "grouping": gcol}
                    f, v = self._fce_block(head, names, f"fce:{w}:{op}:{which}",
                                           f"score:{w}:{op}:{which}")
                    fce_rows.append(f)
                    verdict_rows.append(v)
        head_cols = ["weighting", "operator", "symbol", "grouping", "group", "node"]
        fce = pd.concat(fce_rows, ignore_index=True) if fce_rows else pd.DataFrame(
            columns=[*head_cols, "grade", "estimate", *_IV, *_META])
        verdicts = pd.concat(verdict_rows, ignore_index=True) if verdict_rows else pd.DataFrame(
            columns=[*head_cols, "verdict", "tied", "verdict_share", "score", "score_se",
                     "score_ci_low", "score_ci_high", *_META])
        return fce, verdicts

    def _fce_block(self, head: dict[str, Any], names: tuple[str, ...], fk: str, sk: str
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
        fnodes = [self.ev.nodes[i] for i in self.ev.fce_nodes]
        grades = self.grades
        E = self.est[fk].reshape(len(names), len(fnodes), len(grades))
        EI = {k: v.reshape(E.shape).ravel() for k, v in self.iv(fk).items()}
        fce = pd.DataFrame({
            **head, "group": np.repeat(names, len(fnodes) * len(grades)),
            "node": np.tile(np.repeat(fnodes, len(grades)), len(names)),
            "grade": np.tile(grades, len(names) * len(fnodes)),
            "estimate": E.ravel(), **EI, **self.mt(fk)})
        grade, tied = max_membership(E)
        share = np.full(grade.shape, np.nan)
        if self.draws is not None:        # the verdict of every resample (NaN: none)
            gb = draw_verdicts(self.draws[fk].reshape(*E.shape, -1))
            share = (gb == grade[..., None]).mean(axis=-1)
        S = self.est[sk].reshape(len(names), len(fnodes))
        SI = {k: v.reshape(S.shape).ravel() for k, v in self.iv(sk).items()}
        verdicts = pd.DataFrame({
            **head, "group": np.repeat(names, len(fnodes)), "node": np.tile(fnodes, len(names)),
            "verdict": [grades[g] if g >= 0 else None for g in grade.ravel()],
            "tied": tied.ravel(), "verdict_share": share.ravel(), "score": S.ravel(),
            "score_se": SI["se"], "score_ci_low": SI["ci_low"], "score_ci_high": SI["ci_high"],
            **self.mt(sk)})
        return fce, verdicts

    def ranking(self, prefix: str, ws: tuple[str, ...]) -> pd.DataFrame:
        rows = []
        for w in ws:
            key = f"{prefix}:{w}"
            if key in self.est:
                e = self.est[key]
                rows.append(pd.DataFrame({"weighting": w, "grouping": self.grouping,
                                          "group": self.gnames, "estimate": e, **self.iv(key),
                                          "rank": descending_ranks(e), **self.mt(key)}))
        cols = ["weighting", "grouping", "group", "estimate", *_IV, "rank", *_META]
        return pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)

    def rank_probabilities(self) -> pd.DataFrame:
        from ahpstat.bootstrap import rank_table

        cols = ["ranking", "weighting", "grouping", "group", "rank", "probability"]
        draws = self.draws
        if draws is None or len(self.gnames) < 2:
            return pd.DataFrame(columns=cols)
        o = self.opts
        sources: list[tuple[str, str, np.ndarray]] = []
        for name, ws in (("topsis", o.topsis_weighting or ()), ("gra", o.gra_weighting or ())):
            sources += [(name, w, draws[f"{name}:{w}"]) for w in ws if f"{name}:{w}" in draws]
        if 0 in self.ev.fce_nodes:            # the goal: every group's FCE score
            root = self.ev.fce_nodes.tolist().index(0)
            for w in o.fce_weighting:
                for op in o.fce_operators:
                    k = f"score:{w}:{op}:groups"
                    if k in draws:
                        sources.append((f"fce_score:{op}", w, draws[k][:, root, :]))
        frames = []
        for name, w, D in sources:
            t = rank_table(D, self.gnames)
            frames.append(t.assign(ranking=name, weighting=w, grouping=self.grouping)[cols])
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
