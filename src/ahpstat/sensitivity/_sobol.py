"""Global (variance-based): Sobol' indices of the groups' goal scores and ranks for log-uniform
perturbations of every criterion's weight (:func:`sobol_weights`, SALib).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ahpstat.sensitivity._common import group_means

__all__ = ["sobol_weights"]


# --------------------------------------------------------------------------- Sobol


def sobol_weights(result: Any, *, factor: float = 2.0, n_samples: int = 1024,
                  node: str | None = None, grouping: str | None = None,
                  confidence_level: float = 0.95,
                  rng: int | np.random.Generator | None = None) -> Any:
    """Sobol' indices of the groups' goal scores and ranks for the criteria's weights.

    Each child ``c`` of ``node`` (default: the goal) gets its local weight multiplied by
    ``exp(x_c)``, ``x_c`` independent and uniform on ``[-log(factor), log(factor)]``, the
    weights renormalized; each group's goal score (linear in the weights) and rank are
    computed for every sample. First-order (``S1``) and total (``ST``) indices say how much
    of the output's variance each weight's uncertainty explains alone and with its
    interactions. Sampling and estimation by SALib (Saltelli's scheme with Sobol'
    sequences; Saltelli 2002; Saltelli et al. 2010), ``n_samples * (k + 2)`` evaluations.

    Parameters
    ----------
    result : StudyResult
    factor : float, default 2
        Largest multiplicative change of a weight (> 1).
    n_samples : int, default 1024
        SALib's base sample size ``N`` (a power of 2).
    node : str, optional
        Whose children's weights vary (default: the goal).
    grouping : str, optional
        Grouping column (default: the first).
    confidence_level : float, default 0.95
        For SALib's bootstrap intervals of the indices.
    rng : None, int or Generator
        Seeds SALib's scrambled Sobol' sequence and its bootstrap.

    Returns
    -------
    DataFrame
        ``grouping, output, group, factor, S1, S1_conf, ST, ST_conf`` with ``output``
        ``goal_score`` or ``goal_rank``.

    References
    ----------
    Herman, J. & Usher, W. (2017). SALib: an open-source Python library for sensitivity
    analysis. J. Open Source Software 2(9), 97.
    Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output.
    Computer Physics Communications 181, 259-270.

    Examples
    --------
    >>> from ahpstat.datasets import example_study_result
    >>> t = sobol_weights(example_study_result(), n_samples=64, rng=1)
    >>> sorted(set(t.factor))
    ['A', 'B']
    """
    try:
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample
    except ImportError:  # pragma: no cover - SALib is a dependency of the dev install
        raise ImportError("sobol_weights needs SALib: pip install 'ahpstat[sensitivity]'."
                          ) from None
    import pandas as pd

    from ahpstat.compare import descending_ranks

    if not (isinstance(factor, int | float) and np.isfinite(factor) and factor > 1):
        raise ValueError(f"`factor` must be a number > 1; got {factor!r} instead.")
    if (isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2
            or n_samples & (n_samples - 1)):
        raise ValueError(f"`n_samples` must be a power of 2 (>= 2); got {n_samples!r} instead.")
    h = result.hierarchy
    v = h.root if node is None else node
    if v not in h.nodes or len(h.children(v)) < 2:
        raise ValueError(f"`node` must be a node with two or more children; got {node!r} "
                         "instead.")
    blocks = group_means(result)
    if grouping is not None:
        blocks = [x for x in blocks if x[0] == grouping]
    if not blocks:
        raise ValueError("`grouping` must name one of the study's grouping columns "
                         f"{list(result.group_codes)}; got {grouping!r} instead.")
    gcol, names, means = blocks[0]
    gen = np.random.default_rng(rng)
    seed = int(gen.integers(2**31 - 1))
    ch = h.children(v)
    npos = {x: k for k, x in enumerate(h.nodes)}
    M = np.asarray(result.membership, dtype=float)
    g = np.asarray(result.leaf_weights, dtype=float)
    w = result.panel.local[v]
    lf = np.log(factor)
    problem = {"num_vars": len(ch), "names": list(ch), "bounds": [[-lf, lf]] * len(ch)}
    X = sobol_sample.sample(problem, n_samples, calc_second_order=False, seed=seed)
    W = w * np.exp(X)
    W /= W.sum(axis=1, keepdims=True)               # (N', k) new local weights
    # leaf weights: leaves under child c scale by W_c / w_c; others unchanged
    under = np.stack([M[npos[c]] for c in ch])        # (k, L)
    scale = (W / w) @ under                           # (N', L), 0 outside v's subtree
    outside = 1.0 - under.sum(axis=0)
    G = g * (scale + outside)                         # (N', L)
    scores = G @ np.nan_to_num(means).T               # (N', groups)
    scores = np.where(np.isnan(means).any(axis=1)[None, :], np.nan, scores)
    ranks = descending_ranks(scores, axis=-2)
    rows = []
    for out_name, Y in (("goal_score", scores), ("goal_rank", ranks)):
        for k, gname in enumerate(names):
            y = Y[:, k]
            if not np.isfinite(y).all() or np.var(y) == 0:
                for c in ch:
                    rows.append((gcol, out_name, gname, c, np.nan, np.nan, np.nan, np.nan))
                continue
            Si = sobol_analyze.analyze(problem, y, calc_second_order=False,
                                       conf_level=confidence_level, seed=seed)
            for i, c in enumerate(ch):
                rows.append((gcol, out_name, gname, c, float(Si["S1"][i]),
                             float(Si["S1_conf"][i]), float(Si["ST"][i]),
                             float(Si["ST_conf"][i])))
    return pd.DataFrame(rows, columns=["grouping", "output", "group", "factor", "S1",
                                       "S1_conf", "ST", "ST_conf"])


