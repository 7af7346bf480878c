"""Tests of the compiled kernels (ahpstat._kernels) and of the numpy small-batch path: accuracy
against LAPACK, the validation they fuse, serial and parallel paths, the cache fallback."""

from __future__ import annotations

import subprocess
import sys

import numba
import numba.core.caching
import numpy as np
import pytest

from ahpstat import _kernels
from ahpstat._numba import njit
from ahpstat._priorities import (
    _eigen_closed_form,
    _perron_numpy,
    _perron_stacked,
    geometric_mean_weights,
)
from ahpstat.consistency import _gci
from ahpstat.pairwise import validate_matrix
from ahpstat.scales import SAATY_SCALE


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


def power_step_change(A: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Largest change of a weight in one power step from W (the stopping rule, in numpy)."""
    V = np.einsum("bij,bj->bi", A, W)
    return np.abs(V / V.sum(axis=-1, keepdims=True) - W).max(axis=-1)


@pytest.mark.parametrize("start", ["kernel", "given"])
@pytest.mark.parametrize("n", [2, 3, 4, 7, 12, 20])
def test_matches_lapack_on_random_saaty_matrices(n, start):
    # Random Saaty-scale matrices are very inconsistent (|lambda_2 / lambda_1| about 0.6 for
    # n = 7: about 50 power steps); the reference is LAPACK's eig. Started from the row
    # geometric mean computed in the kernel (W0=None) or given.
    A = random_saaty(500, n, seed=n)
    W0 = None if start == "kernel" else geometric_mean_weights(A)
    W, lam, it = _kernels.perron_batch(A, W0, 1e-12, 1000)
    w_ref, lam_ref = lapack_perron(A)
    assert (it > 0).all() and (it <= _kernels._MAX_INVERSE).all()
    np.testing.assert_allclose(W, w_ref, rtol=0, atol=1e-11)
    np.testing.assert_allclose(lam, lam_ref, rtol=1e-11)
    np.testing.assert_allclose(W.sum(axis=-1), 1.0, rtol=1e-14)
    # lambda_max is sum(A w) at the returned w, and w meets the stopping rule
    np.testing.assert_allclose(lam, np.einsum("bij,bj->b", A, W), rtol=1e-14)
    assert (power_step_change(A, W) <= 1e-12).all()


@pytest.mark.parametrize("n", [3, 4, 7, 12])
@pytest.mark.parametrize("path", [_perron_numpy, _perron_stacked])
def test_numpy_small_batch_paths_match_lapack(path, n):
    # Repeated squaring in numpy (no compiled code): one matrix at a time (up to 4 matrices)
    # and as one stack (up to 32; each matrix leaves the stack when converged).
    A = random_saaty(32, n, seed=100 + n)
    w_ref, lam_ref = lapack_perron(A)
    for batch in (A[:1], A[:5], A):
        W, lam, p, bad = path(batch, None, 1e-12, 1000)
        assert not bad.any() and p >= 32
        np.testing.assert_allclose(W, w_ref[: len(batch)], rtol=0, atol=1e-11)
        np.testing.assert_allclose(lam, lam_ref[: len(batch)], rtol=1e-11)
        assert (power_step_change(batch, W) <= 1e-12).all()


def test_numpy_stacked_path_flags_what_cannot_converge():
    A = random_saaty(6, 7, seed=207)
    w_ref, _ = lapack_perron(A)
    # a matrix that cannot converge (NaN) is flagged for LAPACK, the others unaffected
    B = A.copy()
    B[2, 0, 1] = np.nan
    W, _, _, bad = _perron_stacked(B, None, 1e-12, 1000)
    assert bad.tolist() == [False, False, True, False, False, False]
    np.testing.assert_allclose(W[~bad], w_ref[~bad], rtol=0, atol=1e-11)


@pytest.mark.parametrize("n", [2, 3])
def test_closed_form_orders_two_and_three_match_lapack(n):
    # Order 2 and 3: the eigenvector is the row geometric mean (Crawford & Williams 1985),
    # lambda_max 2 or 1 + d + 1/d (Saaty 1977); against LAPACK on random Saaty matrices.
    A = random_saaty(500, n, seed=300 + n)
    w_ref, lam_ref = lapack_perron(A)
    W, lam, _ = _eigen_closed_form(A)
    np.testing.assert_allclose(W, w_ref, rtol=0, atol=1e-14)
    np.testing.assert_allclose(lam, lam_ref, rtol=1e-14)


def test_small_batches_need_no_compiled_code():
    # A fresh process weighting a panel's worth of matrices (25 of order 7, 425 of order 3,
    # 250 of order 2, 50 of order 4, as the seed study's panel) never imports numba: its
    # start-up (0.4-0.6 s) would be most of a small study's run time.
    code = (
        "import sys, numpy as np, ahpstat as ah\n"
        "g = np.random.default_rng(0)\n"
        "for B, n in ((25, 7), (425, 3), (250, 2), (50, 4), (4, 7)):\n"
        "    A = np.ones((B, n, n)); iu = np.triu_indices(n, 1)\n"
        "    u = g.choice([1/3, 1/2, 2.0, 3.0, 5.0], (B, iu[0].size))\n"
        "    A[:, iu[0], iu[1]] = u; A[:, iu[1], iu[0]] = 1 / u\n"
        "    ah.weights(A, consistency='cr'); ah.consistency(A); ah.consistency(A, index='gci')\n"
        "    ah.weights(A, method='geometric_mean', consistency='gci')\n"
        "print('numba' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_order_three_converges_in_one_round_from_the_geometric_mean():
    # For n = 3 the row geometric mean is the principal eigenvector (Crawford & Williams
    # 1985), so the kernel's own start is already converged: one round.
    A = random_saaty(200, 3, seed=7)
    W, _, it = _kernels.perron_batch(A, None, 1e-12, 1000)
    assert (it == 1).all()
    np.testing.assert_allclose(W, lapack_perron(A)[0], rtol=0, atol=1e-14)


def test_geometric_mean_survives_overflowing_rows_and_zeros():
    # A row product that overflows (1e150 ** 3) is redone by logs: compared with the row
    # geometric mean computed by logs in numpy. A row with a zero (Harker's auxiliary
    # matrices have zeros) gives the uniform start, and the iteration still matches LAPACK.
    big = np.array([[1, 1e150, 1e150, 1e150], [1e-150, 1, 2, 3],
                    [1e-150, 1 / 2, 1, 2], [1e-150, 1 / 3, 1 / 2, 1]])
    g = np.empty(4)
    _kernels._geometric_mean(big, g)
    ref = np.exp(np.log(big).mean(axis=1) - np.log(big).mean(axis=1).max())
    np.testing.assert_allclose(g, ref / ref.sum(), rtol=1e-12)
    zero = np.array([[2.0, 2.0, 0.0], [0.5, 1.0, 2.0], [0.0, 0.5, 2.0]])
    g = np.empty(3)
    _kernels._geometric_mean(zero, g)
    np.testing.assert_array_equal(g, np.full(3, 1 / 3))
    W, lam, _ = _kernels.perron_batch(zero[None].copy(), None, 1e-12, 1000)
    w_ref, lam_ref = lapack_perron(zero[None])
    np.testing.assert_allclose(W, w_ref, rtol=0, atol=1e-11)
    np.testing.assert_allclose(lam, lam_ref, rtol=1e-11)


def test_geometric_mean_and_gci_match_numpy():
    # Independent: the numpy row geometric mean and the GCI of its log errors (consistency
    # module, Aguaron & Moreno-Jimenez 2003).
    A = random_saaty(300, 6, seed=11)
    _, WG, _, gci, status, _ = _kernels.core_batch(A, eigenvector=False, geometric_mean=True,
                                                   gci=True)
    assert not status.any()
    np.testing.assert_allclose(WG, geometric_mean_weights(A), rtol=1e-13)
    np.testing.assert_allclose(gci, _gci(A), rtol=1e-12)


def test_validation_statuses_and_rounded_reciprocals():
    # 0 ok, 1 a missing judgment, 2 invalid (diagonal, zero, negative, infinite,
    # non-reciprocal beyond 1 %); a rounded reciprocal (0.333) is made exact as
    # validate_matrix does, so the weights are those of the exact matrix.
    good = random_saaty(1, 4, seed=1)[0]
    cases = []
    for i, j, v in [(0, 0, 1.1), (0, 1, 0.0), (1, 2, -2.0), (2, 3, np.inf), (0, 2, None),
                    (1, 3, np.nan)]:
        M = good.copy()
        if v is None:  # non-reciprocal: a[0, 2] * a[2, 0] = 1.05
            M[0, 2] = 1.05 / M[2, 0]
        else:
            M[i, j] = v
            if np.isnan(v):
                M[j, i] = np.nan
        cases.append(M)
    rounded = good.copy()
    rounded[1, 0] = round(rounded[1, 0], 3)
    A = np.stack([good, *cases, rounded])
    WE, _, _, _, status, _ = _kernels.core_batch(A)
    assert status.tolist() == [0, 2, 2, 2, 2, 2, 1, 0]
    exact = validate_matrix(rounded)
    assert exact[1, 0] == 1 / exact[0, 1]
    np.testing.assert_allclose(WE[-1], lapack_perron(exact[None])[0][0], atol=1e-12)
    np.testing.assert_allclose(WE[0], lapack_perron(good[None])[0][0], atol=1e-12)


def test_serial_and_parallel_kernels_agree_bitwise():
    # One batch across several parallel tasks (chunks of _CHUNK matrices, last one partial,
    # lanes of _LANES matrices, last one partial).
    A = random_saaty(3 * _kernels._CHUNK + 17, 7, seed=3)
    W0 = geometric_mean_weights(A)
    for start in (W0, np.empty((0, 7))):  # given start; geometric mean in the kernel
        args = (A, start, True, 1e-2, True, True, True, 1e-12, 1000)
        ser = _kernels._core_serial(*args)
        par = _kernels._core_parallel(*args)
        for x, y in zip(ser, par, strict=True):
            np.testing.assert_array_equal(x, y)


def test_results_do_not_depend_on_the_other_matrices_in_the_batch():
    # Lanes are iterated together, but each matrix's arithmetic is its own.
    A = random_saaty(200, 7, seed=8)
    W, lam, _ = _kernels.perron_batch(A, None, 1e-12, 1000)
    W2, lam2, _ = _kernels.perron_batch(np.ascontiguousarray(A[::-1]), None, 1e-12, 1000)
    np.testing.assert_array_equal(W, W2[::-1])
    np.testing.assert_array_equal(lam, lam2[::-1])


def test_small_batches_do_not_use_the_thread_pool(monkeypatch):
    calls = []
    parallel = _kernels._core_parallel

    def spy(*args):
        calls.append(args[0].shape[0])
        return parallel(*args)

    monkeypatch.setattr(_kernels, "_core_parallel", spy)
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
    # the function is defined (checked here, so the fallback stays needed); njit compiles
    # without a disk cache instead.
    def unwritable(self):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(numba.core.caching._CacheLocator, "ensure_cache_path", unwritable)
    with pytest.raises(RuntimeError, match="no locator available"):
        numba.njit(cache=True)(_double)
    f = njit()(_double)
    assert f(2.0) == 4.0


def test_read_only_input_uses_the_same_compiled_kernel():
    # A read-only batch or start (a memoized array, a broadcast) is another numba type than a
    # writeable one: the kernels get read-only views, so no second compilation (seconds on a
    # first call) and the same results.
    A = random_saaty(40, 7, seed=9)
    W0 = geometric_mean_weights(A)
    ser = _kernels._core_serial(A, W0, True, 1e-2, True, True, True, 1e-12, 1000)
    compiled = set(_kernels._chunks.signatures)
    Ar = A.copy()
    Ar.setflags(write=False)
    W0r = np.broadcast_to(W0, W0.shape)  # read-only
    ser_r = _kernels._core_serial(Ar, W0r, True, 1e-2, True, True, True, 1e-12, 1000)
    assert set(_kernels._chunks.signatures) == compiled
    for x, y in zip(ser, ser_r, strict=True):
        np.testing.assert_array_equal(x, y)
    assert A.flags.writeable and W0.flags.writeable  # the caller's arrays are not changed
