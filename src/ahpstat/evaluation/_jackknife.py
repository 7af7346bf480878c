"""BCa's acceleration for the evaluation: the multi-sample jackknife in bounded memory.

Every statistic of the evaluation is recomputed with one unit left out of one independently
resampled sample (the experts; the respondents or clusters of the whole sample; the
respondents of each group). Up to :data:`EXACT_MAX` respondents this is the exact
leave-one-out jackknife; above it, the grouped (delete-d) jackknife: the units of each sample
are split into at most :data:`N_BLOCKS` contiguous blocks and each block is left out in turn
(Efron & Tibshirani 1993, ch. 11; Shao & Tu 1995, ch. 2). Either way the frequency
matrices are built and evaluated a block of rows at a time, within :data:`BLOCK_BYTES`, so
the cost is (rows) x (respondents) and the memory bounded: at most ``N_BLOCKS`` rows per
sample above the threshold, hence linear in the number of respondents.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ahpstat._warnings import DegenerateDataWarning

#: Exact leave-one-out jackknife up to this many respondents; grouped (delete-d) above.
EXACT_MAX = 2_000
#: Blocks of the grouped jackknife per sample (the whole sample; all groups together).
N_BLOCKS = 1_000
#: Memory budget of one block of frequency rows (bytes, float64).
BLOCK_BYTES = 64 * 2**20

Stats = dict[str, np.ndarray]


def contiguous_blocks(n: int, n_blocks: int) -> np.ndarray:
    """Block code ``0..b-1`` of units ``0..n-1``: ``b = min(n, n_blocks)`` contiguous blocks
    whose sizes differ by at most one (unit ``u`` in block ``u * b // n``). With ``n <=
    n_blocks`` every unit is its own block: the leave-one-out jackknife.
    """
    b = max(1, min(n, n_blocks))
    return (np.arange(n, dtype=np.int64) * b) // max(n, 1)


def within_group_blocks(gcodes: np.ndarray, n_groups: int, n_blocks: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Blocks of the within-group sample: ``(block of each respondent, group of each
    block)``. Each group's respondents (in file order) are split into contiguous blocks, the
    groups getting ``n_blocks`` blocks in proportion to their sizes (at least two each when
    they have two respondents; never more than their respondents); blocks are numbered group
    by group.
    """
    sizes = np.bincount(gcodes, minlength=n_groups)
    R = int(sizes.sum())
    blk = np.empty(R, dtype=np.int64)
    bgroup: list[np.ndarray] = []
    start = 0
    for g in range(n_groups):
        rows = np.flatnonzero(gcodes == g)
        n = rows.size
        b = min(n, max(2, -(-n_blocks * n // max(R, 1))))  # ceil, >= 2, <= n
        blk[rows] = start + contiguous_blocks(n, b)
        bgroup.append(np.full(max(b, 0), g, dtype=np.int64))
        start += b
    return blk, (np.concatenate(bgroup) if bgroup else np.empty(0, np.int64))


def leave_out_rows(blk: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Frequency rows (hi - lo, R): row ``k`` leaves out block ``lo + k`` (0 for its units,
    1 for everyone else). Exact 0/1 floats, as ``1 - eye(R)`` for one-unit blocks.
    """
    return 1.0 - (blk[None, :] == np.arange(lo, hi, dtype=np.int64)[:, None])


class LeaveOut(NamedTuple):
    """The frequency rows :func:`leave_out_rows` ``(blk, lo, hi)`` without building them:
    row ``k`` leaves out block ``lo + k``. The evaluator gets the groups' answer counts of
    such rows as all the answers' counts less the left-out block's (exact: integer counts),
    instead of a (rows, respondents) product.
    """

    blk: np.ndarray
    lo: int
    hi: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.hi - self.lo, self.blk.shape[0])

    def dense(self) -> np.ndarray:
        return leave_out_rows(self.blk, self.lo, self.hi)

    def left_out(self) -> Any:
        """The sparse (rows, respondents) indicator of the left-out units (1 - the rows)."""
        from scipy import sparse

        units = np.flatnonzero((self.blk >= self.lo) & (self.blk < self.hi))
        return sparse.csr_matrix((np.ones(units.size), (self.blk[units] - self.lo, units)),
                                 shape=self.shape)


def row_chunk(R: int, budget: int = BLOCK_BYTES) -> int:
    """Rows of a float64 ``(rows, R)`` frequency block within ``budget`` bytes (>= 1)."""
    return max(1, budget // (8 * max(R, 1)))


def leave_block_out(call: Callable[[np.ndarray, Any], Stats], blk: np.ndarray,
                    n_blocks: int, budget: int = BLOCK_BYTES, *, dense: bool = True) -> Stats:
    """Every statistic with each block of ``blk`` left out: ``call(rows, F)`` on the
    frequency rows ``F`` of blocks ``rows`` (a slice), a chunk of rows within ``budget`` at a
    time; the results stacked on the first axis (one row per block). ``dense=False``: ``F``
    is a :class:`LeaveOut` instead of the rows themselves.
    """
    R = blk.shape[0]
    step = row_chunk(R, budget)
    parts: list[Stats] = [call(np.arange(a, min(n_blocks, a + step)),
                               leave_out_rows(blk, a, min(n_blocks, a + step)) if dense
                               else LeaveOut(blk, a, min(n_blocks, a + step)))
                          for a in range(0, n_blocks, step)]
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}


def _samples(ev: Any, data: Any, boot: Any, W_hat: np.ndarray, R: int,
             clusters: np.ndarray | None, gcodes: np.ndarray | None, G: int,
             exact_max: int, n_blocks: int, budget: int) -> Iterator[Stats]:
    """The jackknife values of every independently resampled sample, one dict each
    (units on the first axis).
    """
    L = W_hat.shape[1]
    K = boot.n_experts or 0
    if "experts" in boot.resample and K >= 2:
        loo = np.array([np.delete(np.arange(K), i) for i in range(K)])
        Wj = np.asarray(data.panel.resample(loo), dtype=float)
        yield ev(Wj, None, None)  # None: every respondent once, in every row
    if "respondents" not in boot.resample:
        return
    grouped = R > exact_max
    nb = n_blocks if grouped else R
    if clusters is not None:
        cc = pd.factorize(clusters, sort=True)[0].astype(np.int64)
        blk = contiguous_blocks(int(cc.max()) + 1, nb)[cc]
    else:
        blk = contiguous_blocks(R, nb)
    nbo = int(blk.max()) + 1

    def overall(rows: np.ndarray, Fo: np.ndarray) -> Stats:
        n = rows.size
        return ev(np.broadcast_to(W_hat, (n, L)), Fo, None)

    yield leave_block_out(overall, blk, nbo, budget)
    if G and gcodes is not None:
        # each group is its own (independently resampled) sample; one pass over all the
        # groups' blocks, split by group afterwards
        if grouped:
            gblk, bgroup = within_group_blocks(gcodes, G, n_blocks)
        else:
            gblk, bgroup = np.arange(R, dtype=np.int64), np.asarray(gcodes, dtype=np.int64)

        def within(rows: np.ndarray, Fg: LeaveOut) -> Stats:
            n = rows.size
            return ev(np.broadcast_to(W_hat, (n, L)), None, Fg)

        allg = leave_block_out(within, gblk, bgroup.size, budget, dense=False)
        for g in range(G):
            rows = np.flatnonzero(bgroup == g)
            if rows.size >= 2:
                yield {k: v[rows] for k, v in allg.items()}


def jackknife(ev: Any, data: Any, boot: Any, W_hat: np.ndarray, R: int,
              clusters: np.ndarray | None, gcodes: np.ndarray | None, G: int, *,
              exact_max: int = EXACT_MAX, n_blocks: int = N_BLOCKS,
              budget: int = BLOCK_BYTES) -> dict[str, np.ndarray]:
    """BCa's acceleration of every statistic from the multi-sample jackknife: leave one
    expert out (panel re-run), one respondent (or cluster) out of the whole sample, one
    respondent out of each group -- the samples the bootstrap resamples independently.

    Up to ``exact_max`` respondents every unit is left out in turn (exact leave-one-out);
    above it, the grouped (delete-d) jackknife: the respondents (or clusters) of the whole
    sample in at most ``n_blocks`` contiguous blocks, those of the groups in ``n_blocks``
    blocks shared among the groups in proportion to their sizes, and each block left out in
    turn. The acceleration is then computed from the block values as from leave-one-out
    values (each block one unit): for a smooth statistic the grouped jackknife's terms
    estimate the same third and second moments of the influence values (Efron & Tibshirani
    1993, ch. 11; Shao & Tu 1995, ch. 2), with a sampling error of ``a`` of about
    ``1 / (sqrt(6) b)`` for ``b`` blocks. Frequency rows are built ``budget`` bytes at a time.
    """
    from ahpstat.bootstrap import jackknife_acceleration

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        samples = list(_samples(ev, data, boot, W_hat, R, clusters, gcodes, G,
                                exact_max, n_blocks, budget))
    if not samples:
        return {}
    return {k: jackknife_acceleration(*(np.moveaxis(s[k], 0, -1) for s in samples))
            for k in samples[0]}


def jackknife_rows(n_respondents: int, n_groups: int, *, exact_max: int = EXACT_MAX,
                   n_blocks: int = N_BLOCKS) -> int:
    """Rows of jackknife values the evaluation keeps for BCa (for its memory estimate): the
    respondents up to ``exact_max``, else the blocks of the whole sample and of the groups.
    """
    if n_respondents <= exact_max:
        return n_respondents
    return min(n_respondents, 2 * n_blocks + n_groups)
