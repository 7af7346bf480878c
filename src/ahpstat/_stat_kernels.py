"""Compiled loops (numba) behind two batched statistics, used where a batch is large:
the multi-level fuzzy evaluation for the operators that take a maximum over the children
(:func:`tree_max`, for :mod:`ahpstat.evaluation`) and Kendall's pair counts
(:func:`kendall_counts`, behind :func:`ahpstat.compare.kendall_tau`). Imported on first use
(it imports numba).

**tree_max.** The numpy version (:func:`ahpstat.fuzzy.fuzzy_evaluation`) composes the nodes
of one depth at a time with ``(batch, nodes, K)`` temporaries per child slot; for a
bootstrap block of the evaluation (256 resamples x 28 groups x 87 nodes x 5 grades) those
passes over memory are the whole cost. Here each batch element is evaluated in a small
scratch table that stays in the cache. Only maxima, minima, products and the normalising sum
(added grade by grade from 0, as numpy's reduction of a short row does) are taken, in the
same order, so the vectors are the numpy version's bit for bit (tested against it). ``NaN``
propagates as through ``np.minimum`` and ``np.maximum``.

**kendall_counts.** The sums over the pairs ``i < j`` of ``sign(a_i - a_j) sign(b_i - b_j)``
and the numbers of non-zero signs: sums of -1, 0 and 1 (``NaN`` propagating), exact in any
order, so the same numbers as numpy's ``(pairs, rows)`` sign arrays without them.
"""

from __future__ import annotations

import numpy as np

from ahpstat._numba import njit, readonly

__all__ = ["kendall_counts", "pair_deviations", "tree_max"]


@njit(nogil=True)
def _compose(V, Rb, leaf_of, w, kids, lo, hi, product, pad, acc):  # pragma: no cover
    """``acc`` (K,): the maximum over the children ``kids[lo:hi]`` (slot order) of
    ``min(w_c, V[c])`` (or ``w_c * V[c]``; a leaf's row read from ``Rb[leaf_of[c]]``), as
    numpy's scalar loops take ``np.minimum(a, b)`` -- ``(a <= b or a is NaN) ? a : b`` --
    and ``np.maximum`` -- ``(a >= b or a is NaN) ? a : b``; ``pad``: then also the
    maximum with numpy's padding child (0).
    """
    for s in range(lo, hi):
        c = kids[s]
        wc = w[c]
        row = V[c] if leaf_of[c] < 0 else Rb[leaf_of[c]]
        for k in range(acc.size):
            x = row[k]
            y = wc * x if product else (wc if (wc <= x or wc != wc) else x)
            if s == lo or not (acc[k] >= y or acc[k] != acc[k]):
                acc[k] = y
    if pad:
        for k in range(acc.size):
            if not (acc[k] >= 0.0 or acc[k] != acc[k]):
                acc[k] = 0.0


@njit(nogil=True)
def _tree_max(R, ridx, W, widx, leaf_of, order, ptr, kids, pad, product, normalize,
              nodes, out):  # pragma: no cover - compiled
    """For every batch element ``b``: leaves from ``R[ridx[b]]`` (node ``v`` is leaf
    ``leaf_of[v]``, ``-1`` for an internal node), local weights ``W[widx[b]]``; the
    internal nodes in ``order`` (deepest first), node ``order[t]``'s children
    ``kids[ptr[t]:ptr[t + 1]]`` in slot order, ``pad[t]`` when it has fewer than the most
    children at its depth (numpy pads them); ``out[j, b]`` the vector of node ``nodes[j]``
    (``out`` C-ordered whatever the shapes: one compiled signature).
    A normalised vector divides by its sum taken grade by grade from 0 (numpy's sum of a
    short row); ``NaN`` where the sum is not positive.
    """
    K = R.shape[2]
    V = np.empty((W.shape[1], K))
    acc = np.empty(K)
    for b in range(out.shape[1]):
        Rb = R[ridx[b]]
        w = W[widx[b]]
        for t in range(order.size):
            _compose(V, Rb, leaf_of, w, kids, ptr[t], ptr[t + 1], product, pad[t], acc)
            tot = 0.0
            for k in range(K):
                tot += acc[k]
            for k in range(K):
                V[order[t], k] = (acc[k] / tot if tot > 0 else np.nan) if normalize else acc[k]
        for j in range(nodes.size):
            v = nodes[j]
            row = V[v] if leaf_of[v] < 0 else Rb[leaf_of[v]]
            for k in range(K):
                out[j, b, k] = row[k]


def tree_max(R: np.ndarray, W: np.ndarray, parents: np.ndarray, product: bool,
             normalize: bool, nodes: np.ndarray) -> np.ndarray:
    """The evaluation vectors (..., len(nodes), K) of ``nodes`` under ``max_min``
    (``product=False``) or ``max_product``, as :func:`ahpstat.fuzzy.fuzzy_evaluation`
    computes them: leaf memberships ``R`` (..., L, K) (leaves in node order), local weights
    ``W`` (..., N), broadcasting together; ``parents`` checked by the caller (pre-order).
    The result has the memory layout of ``fuzzy_evaluation(...)[..., nodes, :]``.

    Examples
    --------
    Goal A over B (items x, y) and item z, M(∧,∨): B = max(min(0.25, (1, 0)), min(0.75,
    (0, 1))) = (0.25, 0.75), A = max(min(0.6, B), min(0.4, (0.5, 0.5))) = (0.4, 0.6):

    >>> R = np.array([[1, 0], [0, 1], [0.5, 0.5]])
    >>> tree_max(R, np.array([1, 0.6, 0.25, 0.75, 0.4]), np.array([-1, 0, 1, 1, 0]),
    ...          False, True, np.array([0, 1]))
    array([[0.4 , 0.6 ],
           [0.25, 0.75]])
    """
    N = parents.size
    is_leaf = ~np.isin(np.arange(N), parents)
    depth = np.zeros(N, dtype=np.intp)
    for v in range(1, N):
        depth[v] = depth[parents[v]] + 1
    internal = np.flatnonzero(~is_leaf)
    order = internal[np.argsort(-depth[internal], kind="stable")]  # deepest first
    kids = [np.flatnonzero(parents == v) for v in order]
    ptr = np.concatenate([[0], np.cumsum([k.size for k in kids])]).astype(np.intp)
    flat_kids = (np.concatenate(kids) if kids else np.zeros(0)).astype(np.intp)
    leaf_of = np.full(N, -1, dtype=np.intp)   # each node's leaf position, -1 internal
    leaf_of[is_leaf] = np.arange(int(is_leaf.sum()))
    n_kids = np.diff(ptr)
    most = {int(d): int(n_kids[depth[order] == d].max()) for d in np.unique(depth[order])}
    pad = np.array([n_kids[t] < most[int(depth[v])] for t, v in enumerate(order)], dtype=bool)
    K = R.shape[-1]
    batch = np.broadcast_shapes(R.shape[:-2], W.shape[:-1])
    n_b = int(np.prod(batch))
    # each batch element's row of R and of W, without broadcasting the arrays themselves
    ridx = np.broadcast_to(np.arange(int(np.prod(R.shape[:-2]))).reshape(R.shape[:-2]),
                           batch).ravel()
    widx = np.broadcast_to(np.arange(int(np.prod(W.shape[:-1]))).reshape(W.shape[:-1]),
                           batch).ravel()
    # laid out as numpy's ``fuzzy_evaluation(...)[..., nodes, :]`` is (the selected nodes'
    # axis outermost in memory): reductions that follow (sums over the grades) then add in
    # the same order, to the same last bit
    mem = np.empty((nodes.size, n_b, K))
    _tree_max(readonly(np.ascontiguousarray(R, dtype=float).reshape(-1, *R.shape[-2:])),
              readonly(np.ascontiguousarray(ridx, dtype=np.intp)),
              readonly(np.ascontiguousarray(W, dtype=float).reshape(-1, N)),
              readonly(np.ascontiguousarray(widx, dtype=np.intp)),
              readonly(leaf_of),
              readonly(order.astype(np.intp)), readonly(ptr), readonly(flat_kids),
              readonly(pad), bool(product), bool(normalize),
              readonly(np.ascontiguousarray(nodes, dtype=np.intp)), mem)
    return np.moveaxis(mem.reshape(nodes.size, *batch, K), 0, -2)


@njit(nogil=True)
def _kendall(A, B, s, na, nb):  # pragma: no cover - compiled
    """Per row ``r`` of ``A``, ``B`` (rows, n): ``s[r] = sum_{i<j} sign(A_ri - A_rj)
    sign(B_ri - B_rj)``, ``na[r]``, ``nb[r]`` the numbers of pairs whose sign is not 0
    (``NaN`` counts, as ``np.sign(NaN) != 0`` does).
    """
    n = A.shape[1]
    for r in range(A.shape[0]):
        a, b = A[r], B[r]
        acc = 0.0
        ca = 0
        cb = 0
        for i in range(n):
            for j in range(i + 1, n):
                da = np.sign(a[i] - a[j])
                db = np.sign(b[i] - b[j])
                acc += da * db
                ca += da != 0
                cb += db != 0
        s[r], na[r], nb[r] = acc, ca, cb


def kendall_counts(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(s, na, nb)`` of :func:`ahpstat.compare.kendall_tau` for ``a``, ``b`` (..., n) of
    the same shape: the concordance sum and the numbers of untied pairs of each, (...).

    Examples
    --------
    >>> kendall_counts(np.array([[0.5, 0.3, 0.2]]), np.array([[0.4, 0.4, 0.2]]))
    (array([2.]), array([3]), array([2]))
    """
    shape = a.shape[:-1]
    A = np.ascontiguousarray(a, dtype=float).reshape(-1, a.shape[-1])
    B = np.ascontiguousarray(b, dtype=float).reshape(-1, b.shape[-1])
    s = np.empty(A.shape[0])
    na = np.empty(A.shape[0], dtype=np.int64)
    nb = np.empty(A.shape[0], dtype=np.int64)
    _kendall(readonly(A), readonly(B), s, na, nb)
    return s.reshape(shape), na.reshape(shape), nb.reshape(shape)


@njit(nogil=True)
def _pair_deviations(dev, scale, jj, kk, var, vc, noise, out):  # pragma: no cover
    """``out[p, b]``: pair ``(j, k) = (jj[p], kk[p])``'s ``(dev[j, b] - dev[k, b]) *
    scale[j, k]``, divided by ``sqrt((vc[j, b] + vc[k, b]) / (var[j] + var[k]))`` with
    ``noise`` (1 where that sum is not positive).
    """
    for p in range(jj.size):
        j, k = jj[p], kk[p]
        s = scale[j, k]
        den = var[j] + var[k] if noise else 1.0
        for b in range(dev.shape[1]):
            t = (dev[j, b] - dev[k, b]) * s
            if noise:
                r = (vc[j, b] + vc[k, b]) / den if den > 0 else 1.0
                t = t / np.sqrt(r)
            out[p, b] = t


def pair_deviations(dev: np.ndarray, scale: np.ndarray, jj: np.ndarray, kk: np.ndarray,
                    var: np.ndarray, vc: np.ndarray, noise: bool, out: np.ndarray) -> None:
    """The studentised pair deviations of :class:`ahpstat.rank_sets._MaxT` into ``out``
    (pairs, B): every pair at once, the same operations per element as its numpy chunks
    (a difference, a product, a sum, a quotient, a square root: no fused multiply-add), so
    the same bits. ``dev`` (K, B) the resamples' deviations, ``scale`` (K, K) one over each
    pair's standard deviation, ``var`` (K,) and ``vc`` (K, B) the competitors' variances
    and simulated variances (used with ``noise``).

    Examples
    --------
    >>> out = np.empty((1, 2))
    >>> pair_deviations(np.array([[1.0, 2.0], [0.0, 1.0]]), np.full((2, 2), 0.5),
    ...                 np.array([0]), np.array([1]), np.ones(2), np.ones((2, 2)), True, out)
    >>> out
    array([[0.5, 0.5]])
    """
    f = np.ascontiguousarray
    _pair_deviations(readonly(f(dev, dtype=float)), readonly(f(scale, dtype=float)),
                     readonly(f(jj, dtype=np.intp)), readonly(f(kk, dtype=np.intp)),
                     readonly(f(var, dtype=float)), readonly(f(vc, dtype=float).reshape(
                         -1, dev.shape[1]) if noise else np.zeros((0, dev.shape[1]))),
                     bool(noise), out)
