"""Resampled answer counts per group, item and answer level by dense products of packed
levels (:class:`PackedLevels`): the within-group respondent resampling of the evaluation at
the cost of the item means' product, exact.

For a block of within-group resamples (integer counts of each respondent, respondents sorted
by group) the evaluation needs, per resample, group, item and answer level, how many
resampled answers fall on that level: ``sum_i f_i [x_ij = k]``, (resamples x respondents x
items) work whatever the method. A sparse product over the respondents' answer indicators
(the direct formula) streams every resample's counts once per item and runs at memory speed;
one-hot dense products need ``items x levels`` columns. Here each respondent's answer is
packed into a single float per item: level ``k`` (one of up to ``per_col`` packed levels)
as ``2**(bits * slot(k))``, so one dense ``counts @ packed`` product per group adds up all
levels of an item at once, and integer shifts unpack them. Every partial sum is an integer
below ``2**53`` (``bits`` covers the largest resampled group total), so the products are
exact in any order of summation: the counts equal the direct formula's bit for bit. The most
frequent level of each item is not packed (its count is the resampled total less the other
levels and the missing answers), nor are missing answers (few: a sparse product).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

import numpy as np

__all__ = ["GroupCounts", "KeptCounts", "PackedLevels", "keeping_counts", "kept_counts"]

#: bits of an exact float64 integer
_MANTISSA = 53


class PackedLevels:
    """Answer levels ``0..K-1`` of answers ``codes`` (m, n) (``-1`` missing), respondents
    sorted by group (``sizes[g]`` consecutive rows per group), packed for
    :meth:`counts`.

    Examples
    --------
    >>> codes = np.array([[0, 1], [1, -1], [1, 1], [2, 0]])   # 3 + 1 respondents
    >>> pk = PackedLevels(codes, 3, np.array([3, 1]))
    >>> f = np.array([[1.0, 2.0, 0.0, 1.0], [0.0, 1.0, 2.0, 1.0]])
    >>> pk.counts(f)[0].tolist()    # resample 0: group 0, item 0 -> levels (1, 2, 0)
    [[[1.0, 2.0, 0.0], [0.0, 1.0, 0.0]], [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]]
    """

    @classmethod
    def of_answers(cls, X: np.ndarray, lo: int, K: int, units: Any) -> PackedLevels:
        """The answers ``X`` (R, n) on the levels ``lo..lo + K - 1`` (``NaN`` missing),
        checked by the caller, with the respondents in ``units``' sorted order.
        """
        Xs = X[units.order]
        codes = np.where(np.isnan(Xs), -1, np.nan_to_num(Xs) - lo).astype(np.int16)
        return cls(codes, K, units.sizes)

    def __init__(self, codes: np.ndarray, K: int, sizes: np.ndarray) -> None:
        m, n = codes.shape
        self.m, self.n, self.K = m, n, K
        self.sizes = np.asarray(sizes, dtype=np.intp)
        self.ends = np.cumsum(self.sizes)
        self.starts = self.ends - self.sizes
        G = self.sizes.size
        self.G = G
        # per item, the most frequent level is derived, not packed
        freq = np.stack([(codes == k).sum(axis=0) for k in range(K)])       # (K, n)
        self.derived = freq.argmax(axis=0) if K else np.zeros(n, np.intp)
        self.codes = codes
        self.missing = codes < 0
        self.any_missing = bool(self.missing.any())
        gcode = np.repeat(np.arange(G), self.sizes)
        if self.any_missing:  # the missing cells by (group, item): gathered, then summed
            i, j = np.nonzero(self.missing)                        # sorted by respondent
            self.miss_rows, self.miss_cells = i.astype(np.intp), (gcode[i] * n + j).astype(
                np.intp)
        self._packs: dict[int, tuple[Any, ...]] = {}
        self._lock = threading.Lock()

    def _pack(self, bits: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray,
                                         np.ndarray]:
        """Per group the packed (size_g, n * cols) floats, and for every packed (item,
        level): the item, the level, its packed column and its bit shift. Made once per
        ``bits`` (under a lock: worker threads counting blocks side by side would otherwise
        each build the same matrices).
        """
        with self._lock:
            got = self._packs.get(bits)
            if got is None:
                got = self._packs[bits] = self._build(bits)
        return got

    def _build(self, bits: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray,
                                         np.ndarray, np.ndarray]:
        """:meth:`_pack`'s matrices: respondent ``i``'s answer on item ``j`` at packed
        position ``pos`` (its level's rank among the item's packed levels) adds
        ``2**(bits * (pos % per_col))`` in column ``j * cols + pos // per_col``; the derived
        level and missing answers add nothing.
        """
        K, n = self.K, self.n
        per_col = max(1, _MANTISSA // bits)
        cols = max(1, -(-(K - 1) // per_col))
        where = np.full((n, K), -1, dtype=np.int64)     # column * per_col + slot
        for j in range(n):
            packed = [k for k in range(K) if k != self.derived[j]]
            where[j, packed] = np.arange(len(packed))
        # per item and level (column 0: missing), the packed value and column: one gather
        # per cell from these small tables (the derived level and missing answers add 0)
        slot = np.full((n, K + 1), -1, dtype=np.int64)
        slot[:, 1:] = where
        ok = slot >= 0
        value = np.where(ok, np.ldexp(1.0, bits * (np.where(ok, slot, 0) % per_col)), 0.0)
        column = np.where(ok, slot // per_col, -1)
        cell = (np.arange(n, dtype=np.int32) * (K + 1))[None, :] + (self.codes + 1)
        P3 = np.zeros((self.m, n, cols))
        if cols == 1:
            P3[:, :, 0] = value.ravel()[cell]
        else:
            v, c = value.ravel()[cell], column.ravel()[cell]
            for k in range(cols):
                np.copyto(P3[:, :, k], v, where=c == k)
        P = P3.reshape(self.m, n * cols)
        parts = [P[a:e] for a, e in zip(self.starts, self.ends, strict=True)]  # contiguous
        item, level = np.nonzero(where >= 0)
        pos = where[item, level]
        return (parts, item, level, item * cols + pos // per_col, bits * (pos % per_col))

    def counts(self, f: np.ndarray, stratified: bool = False) -> np.ndarray:
        """Resampled counts (rows, G, n, K) of integer frequencies ``f`` (rows, m) in the
        sorted order: ``sum_i f_i [group g, x_ij = k]``, exact. ``stratified=True``: ``f``
        resamples each group within itself (every row's frequencies of group ``g`` sum to
        its size), so the group totals are the sizes, not summed again.
        """
        rows = f.shape[0]
        G, n, K = self.G, self.n, self.K
        if stratified:
            tot = np.broadcast_to(self.sizes.astype(float), (rows, G))
        else:
            tot = np.zeros((rows, G))
            for g in range(G):
                tot[:, g] = f[:, self.starts[g]:self.ends[g]].sum(axis=1)
        bits = max(1, int(np.ceil(np.log2(float(tot.max(initial=0.0)) + 1.0))))
        parts, item, level, col, shift = self._pack(bits)
        packed = np.empty((rows, G, parts[0].shape[1] if G else 0), dtype=np.int64)
        for g in range(G):
            packed[:, g] = f[:, self.starts[g]:self.ends[g]] @ parts[g]
        out = np.zeros((rows, G, n, K))
        out[:, :, item, level] = (packed[:, :, col] >> shift) & ((1 << bits) - 1)
        miss: Any = 0.0
        if self.any_missing:
            from ahpstat._bootstrap_kernels import add_columns

            flat = np.zeros((rows, G * n))
            add_columns(np.ascontiguousarray(f), self.miss_rows, self.miss_cells, flat)
            miss = flat.reshape(rows, G, n)
        rest = tot[:, :, None] - out.sum(axis=-1) - miss
        out[:, :, np.arange(n), self.derived] = rest
        return out


class GroupCounts(NamedTuple):
    """One block's within-group resamples as their answer counts (rows, G, n, K)
    (:meth:`PackedLevels.counts`), in place of the (rows, respondents) frequencies.
    """

    counts: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return self.counts.shape


#: At most this many bytes of kept counts (float32) per bootstrap; above it the evaluation
#: draws and counts the within-group resamples again from the same streams.
MAX_KEPT_BYTES = 1 << 28

_KEPT: ContextVar[KeptCounts | None] = ContextVar("ahpstat_kept_counts", default=None)


class KeptCounts:
    """The within-group resamples' answer counts, kept block by block by the joint bootstrap
    for the evaluation of the same bootstrap: drawn and counted once instead of twice.

    The joint bootstrap (:class:`ahpstat.bootstrap._joint._Sums`) then counts each block's
    within-group resamples by answer level (:meth:`PackedLevels.counts`) and takes the group
    item sums and answer counts from those counts (``counts @ levels``, ``counts.sum``:
    integers, exact, so the item means are the ones ``counts @ answers`` gives, bit for
    bit); the evaluation of that bootstrap result takes them (:meth:`take`) instead of
    regenerating the resamples. Made by :func:`keeping_counts`.
    """

    def __init__(self, likert: tuple[int, int], max_bytes: int = MAX_KEPT_BYTES) -> None:
        self.lo = int(likert[0])
        self.K = int(likert[1]) - self.lo + 1
        self.max_bytes = max_bytes
        #: the levels' values, for the group sums ``counts @ values``
        self.values = np.arange(self.lo, self.lo + self.K, dtype=float)
        self.blocks: dict[int, np.ndarray] = {}
        self.owner: Any = None

    def packed(self, X: np.ndarray, units: Any, n_resamples: int) -> PackedLevels | None:
        """The answers ``X`` (R, L) as levels packed in ``units``' sorted order, or ``None``
        (nothing kept) when they are not the levels ``lo..lo + K - 1`` (or NaN), or when the
        counts would not fit in ``max_bytes`` or in float32 exactly.
        """
        given = ~np.isnan(X)
        v = X[given]
        if v.size and (not np.array_equal(v, np.round(v)) or v.min() < self.lo
                       or v.max() > self.lo + self.K - 1):
            return None
        L = X.shape[1]
        size = n_resamples * units.n_units * L * self.K * 4
        if size > self.max_bytes or units.n >= 1 << 24:
            return None
        return PackedLevels.of_answers(X, self.lo, self.K, units)

    def keep(self, block: int, counts: np.ndarray) -> None:
        """Keep one block's counts (rows, G, L, K) (as float32: integers below 2**24)."""
        self.blocks[block] = counts.astype(np.float32)

    def bind(self, result: Any) -> None:
        """The bootstrap result these counts are the resamples of."""
        self.owner = weakref.ref(result)

    def take(self, result: Any, block: int) -> GroupCounts | None:
        """Block ``block``'s counts, when kept for ``result`` (then forgotten), else None."""
        if self.owner is None or self.owner() is not result or block not in self.blocks:
            return None
        return GroupCounts(self.blocks.pop(block).astype(float))

    def forget(self, block: int) -> None:
        """Drop block ``block``'s counts, if kept (taken by a forked child, in its memory)."""
        self.blocks.pop(block, None)


@contextmanager
def keeping_counts(likert: tuple[int, int]) -> Iterator[KeptCounts]:
    """Within the block, a joint bootstrap with groups keeps its within-group resamples'
    answer counts (:class:`KeptCounts`) for the evaluation that follows.

    Examples
    --------
    >>> with keeping_counts((1, 5)) as kept:
    ...     kept_counts() is kept
    True
    >>> kept_counts() is None
    True
    """
    kept = KeptCounts(likert)
    token = _KEPT.set(kept)
    try:
        yield kept
    finally:
        _KEPT.reset(token)


def kept_counts() -> KeptCounts | None:
    """The :class:`KeptCounts` of the enclosing :func:`keeping_counts`, if any."""
    return _KEPT.get()
