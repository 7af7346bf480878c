"""The experiment file: a grid of simulated conditions x the methods to compare.

Parsed into a frozen :class:`Experiment`; every problem is an :class:`~ahpstat.InputError`
naming the file, the line and the key (``conditions.noise_sd[2]``), as the study file does.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._validation import InputError

__all__ = ["KINDS", "Experiment", "load_experiment"]

KINDS = ("panel", "study")

#: condition keys of each kind, with their defaults (order = the grid's nesting order)
_PANEL_CONDITIONS: dict[str, Any] = {
    "n": None, "hierarchy": None, "n_experts": 1, "expert_sd": 0.0, "noise_sd": 0.2,
    "erratic": 0.0, "erratic_sd": 1.0, "scale": "saaty", "missing": 0.0, "concentration": 1.0,
}
_STUDY_CONDITIONS: dict[str, Any] = {
    **_PANEL_CONDITIONS, "n_experts": 25, "expert_sd": 0.4, "noise_sd": 0.2,
    "scale": "continuous", "concentration": 4.0, "respondents": 370, "clusters": 28,
    "icc": None, "group_sd": None, "respondent_sd": 0.3, "answer_sd": 0.8,
}
_PANEL_METHODS: dict[str, Any] = {
    "weighting": "eigenvector", "aggregation": "aij", "aip_mean": "geometric",
    "policy": "keep", "index": "cr",
}
_STUDY_METHODS: dict[str, Any] = {
    **_PANEL_METHODS, "weighting": "geometric_mean", "index": "gci",
    "resampling": "cluster_one", "interval": "percentile",
}
_TOP_KEYS = ("name", "kind", "seed", "replications", "batch_size", "conditions", "methods",
             "acceptance", "truth", "bootstrap", "bayes", "description")
#: the ``bayes:`` section (present: the Bayesian model is one more method) and its defaults
BAYES_KEYS: dict[str, Any] = {"draws": 500, "tune": 1000, "chains": 4, "target_accept": 0.9,
                              "confidence_level": 0.95}
#: ``methods`` row of the Bayesian model: it replaces weighting, aggregation and policy
BAYES_METHOD = "bayes"
#: replications per task when the Bayesian model is a method (each is a fit of 1-3 s)
BAYES_BATCH = 25
_ACCEPTANCE = ("cr", "gci", "koczkodaj")
_STUDY_POLICIES = ("keep", "drop", "repair", "downweight")
#: respondents iid, whole clusters (one-stage), or clusters then respondents (two-stage)
_RESAMPLING = ("iid", "cluster_one", "cluster_two")
_INTERVALS = ("percentile", "basic", "bca")


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: what to simulate, which methods, how many replications.

    Build one with :func:`load_experiment` (a YAML file) or :meth:`from_dict`.

    Attributes
    ----------
    name : str
    kind : {"panel", "study"}
        ``"panel"``: expert panels only (weight recovery, rank recovery, acceptance rates),
        vectorised over a batch of replications. ``"study"``: panel + clustered Likert survey
        + joint bootstrap per replication (interval coverage and width of weights and scores).
    seed : int or None
        Entropy of every random stream: replication batch ``b`` of condition ``c`` draws from
        ``SeedSequence(seed, spawn_key=(c, b))``.
    replications : int
        Simulated panels (or studies) per condition.
    batch_size : int
        Replications per task.
    conditions : DataFrame
        One row per condition (the grid's product), columns = condition keys.
    methods : DataFrame
        One row per method combination.
    acceptance : tuple of str
        Consistency rules whose acceptance rate is reported.
    truth : dict
        ``draw`` (``"per_replication"`` or ``"once"``), ``seed`` (for ``"once"``),
        ``item_means`` (``[lo, hi]`` of the uniform true Likert item means, study kind).
    bootstrap : dict
        ``n_resamples`` and ``confidence_level`` (study kind).
    bayes : dict
        The ``bayes:`` section (empty: none): ``draws``, ``tune``, ``chains``,
        ``target_accept``, ``confidence_level``. When given, the joint Bayesian model
        (:class:`ahpstat.bayes.BayesianAHP`) is one more row of :attr:`methods`
        (``weighting = "bayes"``), fitted to every simulated panel; its posterior mean is the
        estimate and its equal-tailed credible intervals are scored for coverage and width.
    hierarchies : dict
        Hierarchy file (as written) -> nested mapping, for conditions naming one.
    source : str or None
        The file read.
    """

    name: str
    kind: str
    seed: int | None
    replications: int
    batch_size: int
    conditions: pd.DataFrame = field(repr=False)
    methods: pd.DataFrame = field(repr=False)
    acceptance: tuple[str, ...] = _ACCEPTANCE
    truth: dict[str, Any] = field(default_factory=dict)
    bootstrap: dict[str, Any] = field(default_factory=dict)
    bayes: dict[str, Any] = field(default_factory=dict)
    hierarchies: dict[str, Any] = field(default_factory=dict, repr=False)
    description: str = ""
    source: str | None = None

    @property
    def n_batches(self) -> int:
        """Tasks per condition."""
        return -(-self.replications // self.batch_size)

    @property
    def n_tasks(self) -> int:
        """Tasks in the whole experiment."""
        return len(self.conditions) * self.n_batches

    def batch_rows(self, batch: int) -> int:
        """Replications in batch ``batch`` (the last one may be short)."""
        return min(self.batch_size, self.replications - batch * self.batch_size)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form; :meth:`from_payload` rebuilds the experiment from it."""
        out = {
            "name": self.name, "kind": self.kind, "seed": self.seed,
            "replications": self.replications, "batch_size": self.batch_size,
            "conditions": _records(self.conditions), "methods": _records(self.methods),
            "acceptance": list(self.acceptance), "truth": dict(self.truth),
            "bootstrap": dict(self.bootstrap), "hierarchies": dict(self.hierarchies),
            "description": self.description,
        }
        if self.bayes:  # only when given: the fingerprints of other experiments stay
            out["bayes"] = dict(self.bayes)
        return out

    @classmethod
    def from_payload(cls, d: Mapping[str, Any]) -> Experiment:
        """Inverse of :meth:`to_dict` (no validation: the payload came from an Experiment)."""
        return cls(
            name=d["name"], kind=d["kind"], seed=int(d["seed"]),
            replications=int(d["replications"]), batch_size=int(d["batch_size"]),
            conditions=pd.DataFrame(d["conditions"]), methods=pd.DataFrame(d["methods"]),
            acceptance=tuple(d["acceptance"]), truth=dict(d["truth"]),
            bootstrap=dict(d["bootstrap"]), hierarchies=dict(d["hierarchies"]),
            bayes=dict(d.get("bayes") or {}), description=d.get("description", ""),
        )

    def fingerprint(self) -> str:
        """SHA-256 of everything that determines the results (a resumed run must match)."""
        text = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: Any, *, base: str | os.PathLike = ".",
                  source: str | os.PathLike | None = None,
                  lines: Mapping[str, int] | None = None) -> Experiment:
        """Validate an experiment mapping (relative hierarchy paths resolve against ``base``).

        ``lines`` maps dotted keys (``"conditions.noise_sd[2]"``) to their line in
        ``source``, as :func:`ahpstat._yaml.load_yaml` returns them, so that an error names
        its line.

        Examples
        --------
        >>> exp = Experiment.from_dict({"seed": 1, "replications": 1000,
        ...     "conditions": {"n": [3, 5], "noise_sd": [0.1, 0.3]},
        ...     "methods": {"weighting": ["eigenvector", "geometric_mean"]}})
        >>> len(exp.conditions), len(exp.methods), exp.n_tasks
        (4, 2, 4)
        >>> exp.conditions.n.tolist(), exp.conditions.noise_sd.tolist()
        ([3, 3, 5, 5], [0.1, 0.3, 0.1, 0.3])
        """
        return _Parser(source, lines or {}, Path(base)).experiment(data)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
            for r in df.to_dict(orient="records")]


def load_experiment(path: str | os.PathLike) -> Experiment:
    """Read and validate an experiment file (YAML).

    Parameters
    ----------
    path : str or path
        The experiment file; a ``hierarchy`` condition is a path relative to it.

    Returns
    -------
    Experiment

    Raises
    ------
    InputError
        The file is missing, not YAML, or a key is unknown or invalid: the message names the
        file, the line and the key.

    Examples
    --------
    >>> load_experiment("no/such/experiment.yaml")
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: no/such/experiment.yaml: the experiment file does not exist.
    """
    from ahpstat._yaml import load_yaml  # the study file's reader: limits, duplicate keys, lines

    p = Path(path)
    data, lines = load_yaml(p, what="experiment file")
    return Experiment.from_dict(data, base=p.parent, source=p, lines=lines)


def _dotted(path: tuple) -> str:
    """``("conditions", "noise_sd", 2)`` -> ``"conditions.noise_sd[2]"`` (the keys of
    :func:`ahpstat._yaml.load_yaml`'s lines).
    """
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                   for i, p in enumerate(path))


class _Parser:
    def __init__(self, source: Any, lines: Mapping[str, int], base: Path) -> None:
        self.file = str(source) if source is not None else None
        self.lines = lines
        self.base = base

    # ------------------------------------------------------------------ errors
    def fail(self, path: tuple, message: str) -> None:
        key = _dotted(path)
        line = None
        for k in range(len(path), 0, -1):  # the key's line, else its nearest parent's
            if (at := _dotted(path[:k])) in self.lines:
                line = self.lines[at]
                break
        raise InputError(f"`{key}` {message}" if key else message, file=self.file, line=line)

    def int_(self, path: tuple, v: Any, lo: int) -> int:
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo:
            self.fail(path, f"must be an integer >= {lo}. Got {v!r} instead.")
        return int(v)

    def num(self, path: tuple, v: Any, lo: float, hi: float = np.inf, *,
            open_hi: bool = False, open_lo: bool = False) -> float:
        ok = not isinstance(v, bool) and isinstance(v, int | float) and np.isfinite(v)
        if ok:
            ok = (v > lo if open_lo else v >= lo) and (v < hi if open_hi else v <= hi)
        if not ok:
            lo_s = f"> {lo}" if open_lo else f">= {lo}"
            rng = f"{lo_s}" if hi == np.inf else f"in [{lo}, {hi}{')' if open_hi else ']'}"
            self.fail(path, f"must be a number {rng}. Got {v!r} instead.")
        return float(v)

    def choice(self, path: tuple, v: Any, choices: Sequence[str]) -> str:
        s = v.lower() if isinstance(v, str) else v
        if s not in choices:
            self.fail(path, f"must be one of {', '.join(map(str, choices))}. Got {v!r} "
                            "instead.")
        return str(s)

    def unknown(self, path: tuple, d: Mapping, allowed: Sequence[str]) -> None:
        for k in d:
            if k not in allowed:
                import difflib

                near = difflib.get_close_matches(str(k), list(allowed), n=1)
                hint = f" (did you mean `{near[0]}`?)" if near else ""
                self.fail((*path, k), f"is not a known key{hint}; the keys are "
                                      f"{', '.join(allowed)}.")

    def values(self, path: tuple, v: Any) -> list[Any]:
        if isinstance(v, list):
            if not v:
                self.fail(path, "must list at least one value. Got [] instead.")
            if len({json.dumps(x, sort_keys=True, default=str) for x in v}) != len(v):
                self.fail(path, f"lists a value twice. Got {v!r} instead.")
            return v
        if isinstance(v, Mapping):
            self.fail(path, "must be a value or a list of values. Got a mapping instead.")
        return [v]

    # ------------------------------------------------------------------ sections
    def experiment(self, data: Any) -> Experiment:
        if not isinstance(data, Mapping):
            self.fail((), "the experiment file must be a mapping of keys (conditions, methods, "
                          f"replications, ...). Got {type(data).__name__} instead.")
        self.unknown((), data, _TOP_KEYS)
        kind = self.choice(("kind",), data.get("kind", "panel"), KINDS)
        for key in ("replications", "conditions"):
            if data.get(key) is None:
                self.fail((key,), "is required.")
        name = data.get("name", Path(self.file).stem if self.file else "experiment")
        if not isinstance(name, str) or not name.strip():
            self.fail(("name",), f"must be a non-empty text. Got {name!r} instead.")
        desc = data.get("description", "")
        if not isinstance(desc, str):
            self.fail(("description",), f"must be text. Got {desc!r} instead.")
        seed = data.get("seed")  # None: fresh entropy, recorded in the output folder
        seed = None if seed is None else self.int_(("seed",), seed, 0)
        reps = self.int_(("replications",), data["replications"], 1)
        hierarchies: dict[str, Any] = {}
        conditions = self.conditions(data["conditions"], kind, hierarchies)
        bayes = self.bayes(data["bayes"]) if data.get("bayes") is not None else {}
        methods = self.methods(data.get("methods") or {}, kind, conditions, bool(bayes))
        max_k = int(conditions["n_experts"].max())
        default_batch = max(1, 20_000 // max_k) if kind == "panel" else 4
        if bayes and kind == "panel":
            default_batch = BAYES_BATCH
        batch = self.int_(("batch_size",), data.get("batch_size", default_batch), 1)
        acc = data.get("acceptance", list(_ACCEPTANCE))
        acc = [self.choice(("acceptance", i), a, _ACCEPTANCE)
               for i, a in enumerate(self.values(("acceptance",), acc))]
        truth = self.truth(data.get("truth") or {}, kind)
        boot = self.bootstrap(data.get("bootstrap") or {}, kind)
        return Experiment(name=name.strip(), kind=kind, seed=seed, replications=reps,
                          batch_size=min(batch, reps), conditions=conditions, methods=methods,
                          acceptance=tuple(acc), truth=truth, bootstrap=boot, bayes=bayes,
                          hierarchies=hierarchies, description=desc.strip(),
                          source=self.file)

    def conditions(self, c: Any, kind: str, hierarchies: dict) -> pd.DataFrame:
        path = ("conditions",)
        if not isinstance(c, Mapping):
            self.fail(path, f"must be a mapping of condition keys to values. Got "
                            f"{type(c).__name__} instead.")
        spec = _PANEL_CONDITIONS if kind == "panel" else _STUDY_CONDITIONS
        self.unknown(path, c, tuple(spec))
        if ("n" in c) == ("hierarchy" in c):
            self.fail(path, "must give exactly one of `n` (elements of one comparison matrix) "
                            "and `hierarchy` (a hierarchy file). Got "
                            f"{'both' if 'n' in c else 'neither'} instead.")
        if kind == "study" and "n" in c:
            self.fail((*path, "n"), "is for panel experiments; a study experiment needs "
                                    "`hierarchy` (its leaves are the survey items).")
        if "icc" in c and "group_sd" in c:
            self.fail((*path, "icc"), "and `group_sd` both set the cluster effect; give one.")
        axes: dict[str, list[Any]] = {}
        for key, default in spec.items():
            if key not in c:
                if default is not None:
                    axes[key] = [default]
                continue
            axes[key] = [self.condition_value((*path, key, i) if isinstance(c[key], list)
                                              else (*path, key), key, v, hierarchies)
                         for i, v in enumerate(self.values((*path, key), c[key]))]
        if kind == "study" and "icc" not in axes and "group_sd" not in axes:
            axes["group_sd"] = [0.3]
        rows = [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]
        df = pd.DataFrame(rows)
        df.insert(0, "condition", np.arange(len(df)))
        return df

    def condition_value(self, path: tuple, key: str, v: Any, hierarchies: dict) -> Any:
        if key == "n":
            return self.int_(path, v, 2)
        if key in ("n_experts", "respondents", "clusters"):
            return self.int_(path, v, 1)
        if key == "hierarchy":
            if not isinstance(v, str) or not v:
                self.fail(path, f"must be the path of a hierarchy file. Got {v!r} instead.")
            if v not in hierarchies:
                from ahpstat.hierarchy import Hierarchy

                p = Path(v) if Path(v).is_absolute() else self.base / v
                try:
                    h = Hierarchy.from_yaml(p)
                except InputError as exc:
                    self.fail(path, f"names a hierarchy that cannot be read: {exc}")
                hierarchies[v] = h.to_dict()
            return v
        if key == "scale":
            return self.choice(path, v if v is not None else "continuous",
                               ("saaty", "continuous"))
        if key in ("erratic", "missing"):
            return self.num(path, v, 0.0, 1.0, open_hi=key == "missing")
        if key == "icc":
            return self.num(path, v, 0.0, 1.0, open_hi=True)
        if key == "concentration":
            return self.num(path, v, 0.0, open_lo=True)
        return self.num(path, v, 0.0)  # standard deviations

    def methods(self, m: Any, kind: str, conditions: pd.DataFrame,
                bayes: bool = False) -> pd.DataFrame:
        from ahpstat.weighting import WEIGHTING_METHODS

        path = ("methods",)
        if not isinstance(m, Mapping):
            self.fail(path, f"must be a mapping of method keys to values. Got "
                            f"{type(m).__name__} instead.")
        spec = _PANEL_METHODS if kind == "panel" else _STUDY_METHODS
        self.unknown(path, m, tuple(spec))
        choices = {"weighting": WEIGHTING_METHODS, "aggregation": ("aij", "aip"),
                   "aip_mean": ("geometric", "arithmetic"),
                   "policy": _STUDY_POLICIES,
                   "index": ("cr", "ci", "gci", "koczkodaj"), "resampling": _RESAMPLING,
                   "interval": _INTERVALS}
        axes = {}
        for key, default in spec.items():
            vals = self.values((*path, key), m.get(key, default))
            axes[key] = [self.choice((*path, key, i) if isinstance(m.get(key), list)
                                     else (*path, key), v, choices[key])
                         for i, v in enumerate(vals)]
        if kind == "panel" and "repair" in axes["policy"]:
            self.fail((*path, "policy"), "repair is iterative per matrix and is offered in "
                                         "study experiments only.")
        rows = [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]
        if bayes:  # one joint model of all experts: no aggregation rule, policy or index
            rows.append({k: BAYES_METHOD if k == "weighting" else "-" for k in axes})
        df = pd.DataFrame(rows)
        df.insert(0, "method", np.arange(len(df)))
        return df

    def bayes(self, b: Any) -> dict[str, Any]:
        path = ("bayes",)
        if not isinstance(b, Mapping):
            self.fail(path, "must be a mapping (draws, tune, chains, target_accept, "
                            f"confidence_level; {{}} for the defaults). Got "
                            f"{type(b).__name__} instead.")
        self.unknown(path, b, tuple(BAYES_KEYS))
        import importlib.util

        if importlib.util.find_spec("pymc") is None:
            self.fail(path, "needs the Bayesian model's dependencies (pymc, arviz, nutpie): "
                            "pip install 'ahpstat[bayes]'.")
        d = {**BAYES_KEYS, **b}
        out: dict[str, Any] = {k: self.int_((*path, k), d[k], 1)
                               for k in ("draws", "chains")}
        out["tune"] = self.int_((*path, "tune"), d["tune"], 0)
        for k in ("target_accept", "confidence_level"):
            out[k] = self.num((*path, k), d[k], 0.0, 1.0, open_lo=True, open_hi=True)
        return out

    def truth(self, t: Any, kind: str) -> dict[str, Any]:
        path = ("truth",)
        if not isinstance(t, Mapping):
            self.fail(path, f"must be a mapping (draw, seed, item_means). Got "
                            f"{type(t).__name__} instead.")
        self.unknown(path, t, ("draw", "seed", "item_means"))
        default_draw = "per_replication" if kind == "panel" else "once"
        draw = self.choice((*path, "draw"), t.get("draw", default_draw),
                           ("per_replication", "once"))
        seed = self.int_((*path, "seed"), t.get("seed", 12345), 0)
        im = t.get("item_means", [3.2, 4.2])
        if (not isinstance(im, list) or len(im) != 2
                or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in im)
                or not 1 < im[0] <= im[1] < 5):
            self.fail((*path, "item_means"), "must be [lowest, highest] true Likert item mean, "
                                             f"inside 1..5. Got {im!r} instead.")
        return {"draw": draw, "seed": seed, "item_means": [float(im[0]), float(im[1])]}

    def bootstrap(self, b: Any, kind: str) -> dict[str, Any]:
        path = ("bootstrap",)
        if not isinstance(b, Mapping):
            self.fail(path, f"must be a mapping (n_resamples, confidence_level). Got "
                            f"{type(b).__name__} instead.")
        self.unknown(path, b, ("n_resamples", "confidence_level"))
        if b and kind == "panel":
            self.fail(path, "is for study experiments (interval coverage); a panel experiment "
                            "has no bootstrap.")
        return {"n_resamples": self.int_((*path, "n_resamples"), b.get("n_resamples", 1000),
                                         10),
                "confidence_level": self.num((*path, "confidence_level"),
                                             b.get("confidence_level", 0.95), 0.0, 1.0,
                                             open_lo=True, open_hi=True)}
