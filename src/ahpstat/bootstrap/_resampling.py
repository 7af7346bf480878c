"""Bootstrap resampling as count matrices: iid, stratified, one- or two-stage cluster.

Resamples are generated in fixed blocks of :data:`BLOCK`, block ``k`` from its own stream
``rng.spawn``-ed for it, and (within a block) in sub-chunks whose size depends on the data size
only (:data:`CELLS`), so the counts depend on ``rng`` and the data only -- never on how the
work is batched, chunked or distributed.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ahpstat._threads import one_blas_thread
from ahpstat._validation import check_int, check_method
from ahpstat.scoring import means_from_sums

__all__ = [
    "BLOCK",
    "CELLS",
    "STAGES",
    "Scratch",
    "Units",
    "block_counts",
    "check_stage",
    "chunk_rows",
    "cluster_counts",
    "cluster_draws",
    "label_codes",
    "n_blocks",
    "resample_counts",
    "resampled_item_means",
    "rows_per_chunk",
    "times_drawn",
]

#: Resamples per random stream block. Fixed: changing it changes the resamples drawn.
BLOCK = 256
#: Cells of a count matrix (or of any (rows, width) temporary) per sub-chunk: bounds memory;
#: depends on the data size only, so it never changes a resample.
CELLS = 1 << 22
STAGES = ("one", "two")


def n_blocks(n_resamples: int) -> int:
    """Number of blocks of :data:`BLOCK` resamples (the last one may be partial)."""
    return -(-n_resamples // BLOCK)


class Units:
    """Respondents sorted into contiguous units (strata or clusters)."""

    def __init__(self, codes: np.ndarray, n_units: int) -> None:
        self.order = np.argsort(codes, kind="stable")
        self.sizes = np.bincount(codes, minlength=n_units).astype(np.intp)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.intp)
        self.unit_of_pos = np.repeat(np.arange(n_units), self.sizes)
        self.n = int(codes.size)
        self.n_units = n_units


class Scratch:
    """Buffers for :func:`block_counts` (``reuse=``), one pair per thread, kept from block to
    block: a chunk's count buffer and its uniforms (4M cells each, just above glibc's
    largest mmap threshold) were two fresh mappings per block, and every block paid their
    page faults again (about 250,000 at 10^5 respondents and 4,000 resamples).
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, rows: int, n: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
        """The calling thread's (rows, n) count buffer of ``dtype`` and (rows, n) uniforms."""
        bufs = self._local.__dict__.setdefault("bufs", {})
        key = (rows, n, np.dtype(dtype).str)
        if key not in bufs:
            bufs[key] = (np.empty((rows, n), dtype=dtype), np.empty((rows, n)))
        return bufs[key]


def chunk_rows(width: int) -> int:
    """Rows of a ``(rows, width)`` temporary within :data:`CELLS` cells (at least one)."""
    return max(1, CELLS // max(width, 1))


def rows_per_chunk(n: int) -> int:
    """Resamples of ``n`` respondents per sub-chunk of a block (count matrices)."""
    return min(BLOCK, chunk_rows(n))


def _stratified_counts(gen: np.random.Generator, rows: int, units: Units,
                       dtype: Any = float, buffer: np.ndarray | None = None,
                       uniforms: np.ndarray | None = None) -> np.ndarray:
    """Counts (rows, n) in sorted order, as floats: each unit's respondents resampled within
    the unit (respondent ``start + floor(u * size)`` of its unit for each uniform ``u``;
    counted by a compiled loop, :func:`ahpstat._bootstrap_kernels.stratified_counts`).
    ``buffer``, ``uniforms``: arrays to count into (overwritten) and to draw the uniforms
    into (the same stream: ``random(out=)`` draws what ``random(size)`` draws), their first
    ``rows`` rows, instead of new ones -- a fresh array of a chunk's 4M cells is just above
    glibc's largest mmap threshold (32 MiB), so every chunk paid its page faults anew
    (seconds of system time at 10^5 respondents).
    """
    from ahpstat._bootstrap_kernels import stratified_counts

    if uniforms is None:
        u = gen.random((rows, units.n))
    else:
        u = uniforms[:rows]
        gen.random(out=u)
    # every cell is written by the kernel: no zeroing first
    out = np.empty((rows, units.n), dtype=dtype) if buffer is None else buffer[:rows]
    stratified_counts(u, units.starts, units.sizes, out)
    return out


def cluster_draws(gen: np.random.Generator, rows: int, n_units: int) -> np.ndarray:
    """Stage 1 of cluster resampling: (rows, G) indices of the clusters drawn, with
    replacement, as many as there are.
    """
    return (gen.random((rows, n_units)) * n_units).astype(np.intp)


def times_drawn(j: np.ndarray, n_units: int) -> np.ndarray:
    """(rows, G) how often each cluster is drawn in each row of stage-1 draws ``j``."""
    rows = j.shape[0]
    flat = j + (np.arange(rows) * n_units)[:, None]
    return np.bincount(flat.ravel(), minlength=rows * n_units).reshape(rows, n_units)


def cluster_counts(gen: np.random.Generator, j: np.ndarray, units: Units) -> np.ndarray:
    """Counts (rows, n) in sorted order: two-stage cluster resampling, stage 2.

    ``j`` (rows, G) are the clusters drawn with replacement in stage 1; stage 2 draws, for
    each drawn cluster, as many respondents as it has, with replacement, within it. A cluster
    drawn ``k`` times contributes ``k`` independent within-cluster resamples.
    """
    n = units.n
    rows, G = j.shape
    reps = units.sizes[j].ravel()
    j_rep = np.repeat(j.ravel(), reps)
    row_rep = np.repeat(np.repeat(np.arange(rows), G), reps)
    u = gen.random(j_rep.size)
    pick = units.starts[j_rep] + (u * units.sizes[j_rep]).astype(np.intp) + row_rep * n
    return np.bincount(pick, minlength=rows * n).reshape(rows, n)


def block_counts(gen: np.random.Generator, rows: int, units: Units, scheme: str,
                 dtype: Any = float, reuse: bool | Scratch = False):
    """Yield (start, counts) sub-chunks of one block of resamples, in sorted order.

    ``scheme``: ``"strata"`` (respondents within their unit), ``"cluster_one"`` (whole
    clusters) or ``"cluster_two"`` (clusters, then respondents within them). The stream is
    consumed in resample order (for clusters: all stage-1 draws of the block first, so one-
    and two-stage resampling draw the same clusters from the same stream), and the
    sub-chunk size -- chosen from the data size to bound memory -- does not change the
    resamples. Stratified counts come as ``dtype`` (float by default: they feed matrix
    products), cluster counts as integers. ``reuse=True``: stratified chunks are counted
    into one buffer, overwritten by the next chunk (for a consumer that uses each chunk
    before asking for the next); a :class:`Scratch`: into its buffers for this thread,
    kept for the next blocks too.
    """
    step = rows_per_chunk(units.n)
    if scheme in ("cluster_one", "cluster_two"):
        G = units.n_units
        j = cluster_draws(gen, rows, G)
        for s in range(0, rows, step):
            if scheme == "cluster_one":
                yield s, times_drawn(j[s:s + step], G)[:, units.unit_of_pos]
            else:
                yield s, cluster_counts(gen, j[s:s + step], units)
    else:
        buffer = uniforms = None
        if isinstance(reuse, Scratch):
            buffer, uniforms = reuse.get(step, units.n, dtype)
        elif reuse:
            buffer = np.empty((min(step, rows), units.n), dtype=dtype)
            uniforms = np.empty((min(step, rows), units.n))
        for s in range(0, rows, step):
            yield s, _stratified_counts(gen, min(step, rows - s), units, dtype, buffer,
                                        uniforms)


def label_codes(x: ArrayLike | None, n: int,
                name: str) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """Integer codes (in sorted order of the labels) and the labels, ``(None, ())`` for None."""
    if x is None:
        return None, ()
    arr = np.asarray(x)
    if arr.ndim != 1 or arr.size != n:
        raise ValueError(
            f"`{name}` must have one entry per respondent ({n}); got shape {arr.shape} instead."
        )
    if pd.isna(arr).any():
        raise ValueError(f"`{name}` must not contain missing values; got {int(pd.isna(arr).sum())}"
                         " missing instead.")
    codes, uniques = pd.factorize(arr, sort=True)
    return codes.astype(np.intp), tuple(str(u) for u in uniques)


def resample_counts(
    n: int,
    n_resamples: int,
    *,
    strata: ArrayLike | None = None,
    clusters: ArrayLike | None = None,
    cluster_stage: str = "one",
    rng: int | np.random.Generator | None = None,
) -> np.ndarray:
    """How often each observation appears in each bootstrap resample.

    Parameters
    ----------
    n : int
        Number of observations (respondents).
    n_resamples : int
        Number of resamples ``B``.
    strata : array_like, shape (n,), optional
        Resample within each stratum (keeping its size). Exclusive with ``clusters``.
    clusters : array_like, shape (n,), optional
        Cluster resampling: draw as many clusters as there are, with replacement (see
        ``cluster_stage``).
    cluster_stage : {"one", "two"}, default "one"
        With ``clusters``: ``"one"`` keeps every drawn cluster whole (all its respondents,
        once per draw); ``"two"`` then also draws, within each drawn cluster, as many
        respondents as it has, with replacement. Case-insensitive. See Notes.
    rng : None, int or numpy.random.Generator
        Source of randomness; block ``k`` of ``BLOCK`` resamples uses ``rng.spawn``'s k-th
        stream, so the counts do not depend on any batching. One- and two-stage resampling
        with the same ``rng`` draw the same clusters.

    Returns
    -------
    ndarray of int, shape (B, n)
        ``counts[b, i]``: copies of observation ``i`` in resample ``b``. Without ``clusters``
        every row sums to ``n``; with them, to the size of the drawn clusters.

    Notes
    -----
    One-stage resampling of whole clusters estimates the variance of a mean over clusters
    with the factor ``(G - 1) / G`` (Davison & Hinkley 1997, §3.8; Field & Welsh 2007): the
    between-cluster spread already contains the within-cluster sampling variance. Resampling
    respondents again within the drawn clusters adds that variance a second time: for
    ``G`` clusters of ``m`` respondents the two-stage variance of the overall mean is about
    ``(G - 1) / G + (1 - rho) (m - 1) / (m (1 + (m - 1) rho))`` times the true one at
    intra-class correlation ``rho`` -- nearly twice the truth when ``rho`` is small
    (measured in ``studies/coverage``). Two-stage resampling is kept for comparison with earlier
    results; it is conservative at low intra-class correlation, not more accurate.

    Examples
    --------
    >>> c = resample_counts(5, 3, rng=1)
    >>> c.shape, c.sum(axis=1).tolist()
    ((3, 5), [5, 5, 5])
    >>> c = resample_counts(4, 2, strata=[0, 0, 1, 1], rng=1)
    >>> (c[:, :2].sum(axis=1), c[:, 2:].sum(axis=1))
    (array([2, 2]), array([2, 2]))

    One-stage cluster resampling keeps clusters whole (every member of a drawn cluster
    appears as often as the cluster was drawn):

    >>> c = resample_counts(5, 4, clusters=["a", "a", "b", "b", "b"], rng=3)
    >>> bool((c[:, 0] == c[:, 1]).all() and (c[:, 2] == c[:, 4]).all())
    True
    """
    n = check_int("n", n, 1)
    n_resamples = check_int("n_resamples", n_resamples, 1)
    if strata is not None and clusters is not None:
        raise ValueError("`strata` and `clusters` are exclusive; got both instead.")
    codes, names = label_codes(clusters if clusters is not None else strata, n,
                          "clusters" if clusters is not None else "strata")
    if codes is None:
        codes = np.zeros(n, dtype=np.intp)
        names = ("all",)
    stage = check_stage(cluster_stage)
    scheme = f"cluster_{stage}" if clusters is not None else "strata"
    units = Units(codes, len(names))
    out = np.empty((n_resamples, n), dtype=np.int64)
    gens = np.random.default_rng(rng).spawn(n_blocks(n_resamples))
    for k, gen in enumerate(gens):
        b0 = k * BLOCK
        rows = min(BLOCK, n_resamples - b0)
        for s, c in block_counts(gen, rows, units, scheme):
            out[b0 + s:b0 + s + c.shape[0], units.order] = c
    return out


@one_blas_thread  # one parallel layer at a time (ahpstat._threads)
def resampled_item_means(
    answers: ArrayLike,
    n_resamples: int,
    *,
    clusters: ArrayLike | None = None,
    cluster_stage: str = "one",
    groups: ArrayLike | None = None,
    rng: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Available-case item means of bootstrap resamples of the respondents.

    For pairing with other draws (e.g. posterior weight draws, one resample per draw), so
    that scores carry the sampling uncertainty of the item means too.

    Parameters
    ----------
    answers : array_like, shape (R, L)
        Answers of ``R`` respondents to ``L`` items (``NaN`` = missing).
    n_resamples : int
        Number of resamples ``S``.
    clusters : array_like, shape (R,), optional
        Overall means resample clusters (:func:`resample_counts`); iid respondents when
        omitted.
    cluster_stage : {"one", "two"}, default "one"
        Whole clusters, or clusters then respondents within them (:func:`resample_counts`).
    groups : array_like, shape (R,), optional
        Also return per-group means, each group's respondents resampled within it.
    rng : None, int or numpy.random.Generator
        Source of randomness (two independent streams: overall, groups).

    Returns
    -------
    means : ndarray, shape (S, L)
        Item means of each resample (``NaN`` where a resample holds no answer to an item).
    group_means : ndarray, shape (S, G, L) or None
        Per group, groups in sorted order of their labels (as :func:`resample_counts`).

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, np.nan]])
    >>> m, _ = resampled_item_means(X, 4, rng=0)
    >>> m.shape
    (4, 2)
    >>> m, gm = resampled_item_means(X, 2, groups=["a", "a", "b"], rng=0)
    >>> gm[:, 1, 0].tolist()  # group "b" has one respondent: always 5
    [5.0, 5.0]
    """
    X = np.asarray(answers, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"`answers` must be (respondents, items); got shape {X.shape} instead.")
    present = ~np.isnan(X)
    V = np.where(present, X, 0.0)
    P = present.astype(float)
    gen_all, gen_groups = np.random.default_rng(rng).spawn(2)

    def means(C: np.ndarray, rows: Any) -> np.ndarray:
        return means_from_sums(C @ V[rows], C @ P[rows])

    C = resample_counts(X.shape[0], n_resamples, clusters=clusters,
                        cluster_stage=cluster_stage, rng=gen_all).astype(float)
    overall = means(C, slice(None))
    if groups is None:
        return overall, None
    codes, names = label_codes(groups, X.shape[0], "groups")
    C = resample_counts(X.shape[0], n_resamples, strata=codes, rng=gen_groups).astype(float)
    by_group = np.stack([means(C[:, codes == g], codes == g) for g in range(len(names))], axis=1)
    return overall, by_group


def check_stage(stage: Any) -> str:
    """``cluster_stage`` normalised: ``"one"`` or ``"two"`` (case-insensitive)."""
    return check_method("cluster_stage", stage, STAGES)
