"""The bootstrap's respondent resamples, regenerated from the same random streams, and
the check that they are the bootstrap's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from ahpstat._grouping import Grouped
from ahpstat._level_counts import GroupCounts, KeptCounts, PackedLevels


def rewound(rng: Any) -> np.random.Generator:
    """A fresh generator whose ``spawn`` gives the children ``rng`` gives next.

    An int or ``SeedSequence`` always gives the same; a ``Generator`` is copied at its
    current spawn count, so passing the generator *before* it was given to the bootstrap
    reproduces the bootstrap's streams.
    """
    if isinstance(rng, np.random.Generator):
        ss = rng.bit_generator.seed_seq
        if not isinstance(ss, np.random.SeedSequence):
            raise TypeError("`rng` must be an int, a SeedSequence or a Generator made from "
                            f"one; got a generator seeded by {type(ss).__name__} instead.")
        return np.random.default_rng(np.random.SeedSequence(
            ss.entropy, spawn_key=ss.spawn_key, pool_size=ss.pool_size,
            n_children_spawned=ss.n_children_spawned))
    return np.random.default_rng(rng)


def respondent_blocks(boot: Any, rng: Any, R: int, clusters: np.ndarray | None,
                       gcodes: np.ndarray | None, n_groups: int,
                       levels: Callable[[Any], PackedLevels] | None = None,
                       kept: KeptCounts | None = None, blocks: Iterable[int] | None = None):
    """Yield ``(slice, Fo, Fg)`` for the bootstrap's blocks of resamples: the respondent
    frequencies of the whole-sample and the within-group resamples, regenerated from the
    same streams as :func:`ahpstat.bootstrap.joint_bootstrap` draws them (experts, overall,
    groups: ``rng.spawn(3)``, each spawned into one stream per block of ``BLOCK``).

    One-stage cluster frequencies come as :class:`~ahpstat._grouping.Grouped` (the times
    each cluster was drawn) and, given ``levels(units)`` (the answers' packed levels in the
    groups' sorted order), the within-group ones as their answer counts
    (:class:`~ahpstat._level_counts.GroupCounts`, each sub-chunk of counts reduced as it is
    drawn): the same draws, without (rows, respondents) matrices. Otherwise dense (rows, R)
    arrays. ``kept``: the counts the joint bootstrap kept of these very resamples
    (:class:`~ahpstat._level_counts.KeptCounts`), taken instead of drawing them again.
    ``blocks``: only these blocks, in this order (default all; each block is drawn from its
    own streams, so a block is the same whichever others are drawn).
    """
    from ahpstat.bootstrap import (
        BLOCK,
        Units,
        block_counts,
        cluster_draws,
        n_blocks,
        times_drawn,
    )

    B = boot.n_resamples
    do_r = "respondents" in boot.resample
    nb = n_blocks(B)
    _, o_root, g_root = rewound(rng).spawn(3)
    o_gens, g_gens = o_root.spawn(nb), g_root.spawn(nb)
    if clusters is not None:
        cc, cn = pd.factorize(clusters, sort=True)
        o_units = Units(cc.astype(np.intp), len(cn))
        scheme = f"cluster_{boot.cluster_stage}"
    else:
        o_units = Units(np.zeros(R, np.intp), 1)
        scheme = "strata"
    g_units = Units(gcodes, n_groups) if gcodes is not None and n_groups else None
    for k in range(nb) if blocks is None else blocks:
        b0 = k * BLOCK
        rows = min(BLOCK, B - b0)
        Fo: Any
        Fg: Any
        if do_r and scheme == "cluster_one":
            # the stream as block_counts consumes it: the block's stage-1 draws first
            j = cluster_draws(o_gens[k], rows, o_units.n_units)
            Fo = Grouped.of(times_drawn(j, o_units.n_units).astype(float), cc)
        else:
            Fo = np.ones((rows, R))
            if do_r:
                for s, cnt in block_counts(o_gens[k], rows, o_units, scheme):
                    Fo[s:s + cnt.shape[0]][:, o_units.order] = cnt
        # kept counts stand only for what the next branch would count (groups and levels)
        got = (kept.take(boot, k) if kept is not None and do_r and g_units is not None
               and levels is not None else None)
        if got is not None:  # counted once, by the joint bootstrap
            Fg = got
        elif do_r and g_units is not None and levels is not None:
            pk = levels(g_units)
            Fg = GroupCounts(np.concatenate([pk.counts(cnt, stratified=True)
                                             for _, cnt in block_counts(g_gens[k], rows, g_units,
                                                                        "strata", reuse=True)]))
        else:
            Fg = np.ones((rows, R))
            if do_r and g_units is not None:
                for s, cnt in block_counts(g_gens[k], rows, g_units, "strata"):
                    Fg[s:s + cnt.shape[0]][:, g_units.order] = cnt
        yield slice(b0, b0 + rows), Fo, Fg


def check_same_resamples(boot: Any, leaf_rows: np.ndarray, sl: slice,
                          stats: dict[str, np.ndarray], means_g: np.ndarray | None) -> None:
    """The regenerated respondent resamples must give the bootstrap's own item means."""
    ref = boot.score_draws[leaf_rows, sl].T                       # (rows, L)
    ok = np.allclose(stats["item_means"], ref, rtol=1e-9, atol=1e-12, equal_nan=True)
    if ok and means_g is not None and boot.groups:
        gref = np.moveaxis(boot.group_score_draws[:, leaf_rows, sl], -1, 0)
        ok = np.allclose(means_g, gref, rtol=1e-9, atol=1e-12, equal_nan=True)
    if not ok:
        raise ValueError("`rng` does not reproduce the bootstrap's resamples: give the `rng` "
                         "that `bootstrap` was run with (an int seed, or the Generator as it "
                         "was before the bootstrap used it), and the same `cluster` and "
                         "`group`. Got resamples with other item means instead.")
