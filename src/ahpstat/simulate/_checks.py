"""The simulators' shared argument checks (package-internal): standard deviations,
probabilities, generated or given ids, true local weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["check_prob", "check_sd", "ids_of", "true_local"]


# --------------------------------------------------------------------------- validation


def check_sd(name: str, value: Any) -> float:
    """A finite standard deviation >= 0."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a number; got {type(value).__name__} "
                        "instead.") from None
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"`{name}` must be a finite number >= 0; got {value!r} instead.")
    return v


def check_prob(name: str, value: Any) -> float:
    """A probability in [0, 1]."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a probability; got {type(value).__name__} "
                        "instead.") from None
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"`{name}` must be a probability in [0, 1]; got {value!r} instead.")
    return v


def ids_of(name: str, given: Sequence[Any] | None, n: int, prefix: str, width: int) -> list[str]:
    """``n`` unique ids: ``given``, or ``prefix`` and a zero-padded number."""
    if given is None:
        w = max(width, len(str(n)))
        return [f"{prefix}{k:0{w}d}" for k in range(1, n + 1)]
    if isinstance(given, str) or not isinstance(given, Sequence):
        raise TypeError(f"`{name}` must be a sequence of {n} ids; got "
                        f"{type(given).__name__} instead.")
    out = [str(x) for x in given]
    if len(out) != n:
        raise ValueError(f"`{name}` must hold {n} id(s); got {len(out)} instead.")
    if len(set(out)) != n or any(x == "" for x in out):
        raise ValueError(f"`{name}` must be unique, non-empty ids; got {out!r} instead.")
    return out


def true_local(h: Any, true_weights: Mapping[str, ArrayLike],
                nodes: Sequence[str]) -> dict[str, np.ndarray]:
    """The true local weights of ``nodes`` (normalized), every one given and valid."""
    if not isinstance(true_weights, Mapping):
        raise TypeError("`true_weights` must map each node to the local weights of its "
                        f"children; got {type(true_weights).__name__} instead.")
    unknown = [str(v) for v in true_weights if str(v) not in h]
    if unknown:
        raise ValueError(f"`true_weights` names nodes that are not in the hierarchy: "
                         f"{unknown!r}. Got {len(unknown)} unknown node(s) instead.")
    out = {}
    for v in nodes:
        kids = h.children(v)
        if v not in true_weights:
            raise ValueError(f"`true_weights` lacks node {v!r} (children "
                             f"{', '.join(kids)}); every node with two or more children needs "
                             "its local weights. Got no entry instead.")
        w = np.asarray(true_weights[v], dtype=float)
        if w.shape != (len(kids),) or not np.all(np.isfinite(w)) or not np.all(w > 0):
            raise ValueError(f"`true_weights[{v!r}]` must be {len(kids)} positive weights (one "
                             f"per child {', '.join(kids)}); got {w.tolist()!r} instead.")
        out[v] = w / w.sum()
    return out


