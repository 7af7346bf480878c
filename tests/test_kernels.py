"""Tests of the compiled Perron kernel (ahpstat._kernels): accuracy against LAPACK, serial and
parallel paths, the squaring path for slowly converging matrices, the cache fallback."""

from __future__ import annotations

import numba
import numba.core.caching
import numpy as np
import pytest

from ahpstat import _kernels
from ahpstat.scales import SAATY_SCALE
from ahpstat.weighting import geometric_mean_weights


def random_saaty(B: int, n: int, seed: int) -> np.ndarray:
    """B random reciprocal matrices, upper triangles drawn uniformly from Saaty's 17 values."""
    rng = np.random.default_rng(seed)
    iu = np.triu_indices(n, 1)
    vals = SAATY_SCALE[rng.integers(0, SAATY_SCALE.size, size=(B, iu[0].size))]
    A = np.ones((B, n, n))
    A[:, iu[0], iu[1]] = vals
    A[:, iu[1], iu[0]] = 1.0 / vals
    return A


def lapack_perron(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Perron vector (sum 1) and root of each matrix by numpy.linalg.eig (independent)."""
    vals, vecs = np.linalg.eig(A)
    k = np.argmax(vals.real, axis=-1)
    v = np.abs(np.take_along_axis(vecs.real, k[:, None, None], axis=-1)[..., 0])
    lam = np.take_along_axis(vals.real, k[:, None], axis=-1)[:, 0]
    return v / v.sum(axis=-1, keepdims=True), lam


@pytest.mark.parametrize("start", ["kernel", "numpy"])
@pytest.mark.parametrize("n", [2, 3, 4, 7, 12, 20])
def test_matches_lapack_on_random_saaty_matrices(n, start):
    # Random Saaty-scale matrices are very inconsistent (|lambda_2 / lambda_1| about 0.6 for
    # n = 7), so most of them take the squaring path; the reference is LAPACK's eig. Started
    # from the row geometric mean computed in the kernel (W0=None) or given.
    A = random_saaty(500, n, seed=n)
    W0 = None if start == "kernel" else geometric_mean_weights(A)
    W, lam, it = _kernels.perron_batch(A, W0, 1e-12, 1000)
    w_ref, lam_ref = lapack_perron(A)
    assert (it > 0).all()
    np.testing.assert_allclose(W, w_ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(lam, lam_ref, rtol=1e-11)
    np.testing.assert_allclose(W.sum(axis=-1), 1.0, rtol=1e-14)


def test_iteration_count_is_in_matrix_vector_products():
    # Random 7 x 7 Saaty matrices converge slowly (about 50 plain power iterations to 1e-12),
    # so the kernel squares them; the count it reports is still in products with A (a step
    # with A**k counts k). Reference: a plain lock-step power iteration in numpy. A squared
    # step tests the change over k products, a slightly stricter stop, hence a few more.
    A = random_saaty(2000, 7, seed=1)
    _, _, it = _kernels.perron_batch(A, geometric_mean_weights(A), 1e-12, 1000)
    w = geometric_mean_weights(A)
    plain = np.zeros(len(A), dtype=int)
    active = np.ones(len(A), dtype=bool)
    for k in range(1, 1000):
        v = np.einsum("bij,bj->bi", A, w)
        v /= v.sum(axis=-1, keepdims=True)
        done = active & (np.abs(v - w).max(axis=-1) <= 1e-12)
        plain[done] = k
        active &= ~done
        w = np.where(active[:, None], v, w)
        if not active.any():
            break
    assert not active.any() and plain.mean() > 40
    assert (it >= plain - 2).all() and (it <= plain + 32).all()


def test_order_three_converges_in_one_step_from_the_geometric_mean():
    # For n = 3 the row geometric mean is the principal eigenvector (Crawford & Williams
    # 1985), so the kernel's own start is already converged: one step.
    A = random_saaty(200, 3, seed=7)
    W, _, it = _kernels.perron_batch(A, None, 1e-12, 1000)
    assert (it == 1).all()
    np.testing.assert_allclose(W, lapack_perron(A)[0], rtol=0, atol=1e-14)


def test_start_survives_overflowing_rows_and_zeros():
    # A row product that overflows (1e150 ** 3) is redone by logs: compared with the row
    # geometric mean computed by logs in numpy. A row with a zero (Harker's auxiliary
    # matrices have zeros) gives the uniform start, and the iteration still matches LAPACK.
    big = np.array([[1, 1e150, 1e150, 1e150], [1e-150, 1, 2, 3],
                    [1e-150, 1 / 2, 1, 2], [1e-150, 1 / 3, 1 / 2, 1]])
    w = np.empty(4)
    _kernels._geometric_mean_start(big[None].copy(), 0, 4, w)
    g = np.exp(np.log(big).mean(axis=1) - np.log(big).mean(axis=1).max())
    np.testing.assert_allclose(w, g / g.sum(), rtol=1e-12)
    zero = np.array([[2.0, 2.0, 0.0], [0.5, 1.0, 2.0], [0.0, 0.5, 2.0]])
    w = np.empty(3)
    _kernels._geometric_mean_start(zero[None].copy(), 0, 3, w)
    np.testing.assert_array_equal(w, np.full(3, 1 / 3))
    W, lam, _ = _kernels.perron_batch(zero[None].copy(), None, 1e-12, 1000)
    w_ref, lam_ref = lapack_perron(zero[None])
    np.testing.assert_allclose(W, w_ref, rtol=0, atol=1e-11)
    np.testing.assert_allclose(lam, lam_ref, rtol=1e-11)


def test_serial_and_parallel_kernels_agree_bitwise():
    # One batch across several parallel tasks (chunks of _CHUNK matrices, last one partial).
    A = random_saaty(3 * _kernels._CHUNK + 17, 7, seed=3)
    W0 = geometric_mean_weights(A)
    for start in (W0, np.empty((0, 7))):  # given start; geometric mean in the kernel
        ser = _kernels._perron_serial(A, start, 1e-12, 1000)
        par = _kernels._perron_parallel(A, start, 1e-12, 1000)
        for x, y in zip(ser, par, strict=True):
            np.testing.assert_array_equal(x, y)


def test_small_batches_do_not_use_the_thread_pool(monkeypatch):
    calls = []
    parallel = _kernels._perron_parallel

    def spy(*args):
        calls.append(args[0].shape[0])
        return parallel(*args)

    monkeypatch.setattr(_kernels, "_perron_parallel", spy)
    monkeypatch.setattr(_kernels.config, "NUMBA_NUM_THREADS", 2)
    small = random_saaty(10, 7, seed=4)
    _kernels.perron_batch(small, geometric_mean_weights(small), 1e-12, 1000)
    assert calls == []
    B = _kernels.PARALLEL_MIN_ENTRIES // 49 + 1
    large = random_saaty(B, 7, seed=5)
    _kernels.perron_batch(large, geometric_mean_weights(large), 1e-12, 1000)
    assert calls == [B]


def test_not_converged_is_flagged():
    A = random_saaty(5, 7, seed=6)
    _, _, it = _kernels.perron_batch(A, np.full((5, 7), 1 / 7), 1e-12, 2)
    assert (it == -1).all()


def _double(x):
    return 2.0 * x


def test_compiles_in_memory_when_no_cache_directory_is_writable(monkeypatch):
    # A read-only install with a read-only home: numba finds no cache locator and raises when
    # the function is defined (checked here, so the fallback stays needed); _njit compiles
    # without a disk cache instead.
    def unwritable(self):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(numba.core.caching._CacheLocator, "ensure_cache_path", unwritable)
    with pytest.raises(RuntimeError, match="no locator available"):
        numba.njit(cache=True)(_double)
    f = _kernels._njit()(_double)
    assert f(2.0) == 4.0
