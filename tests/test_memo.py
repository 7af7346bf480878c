"""ahpstat._memo: results remembered by identity only for arrays ahpstat froze itself."""

from __future__ import annotations

import gc
import threading

import numpy as np

from ahpstat import _memo


def _counting():
    calls = []

    def f(shape, data):
        calls.append(shape)
        return np.frombuffer(data).sum()

    return f, calls


def test_only_arrays_ahpstat_froze_are_remembered_by_identity():
    f, calls = _counting()
    A = _memo.freeze([[1.0, 2.0], [3.0, 4.0]])
    assert not A.flags.writeable and A.flags.c_contiguous and _memo.frozen(A)
    assert _memo.memo(A, "sum", f) == _memo.memo(A, "sum", f) == 10.0
    assert len(calls) == 1
    U = np.array([1.0, 2.0])
    view = U[:]
    U.flags.writeable = False  # the user's read-only array: still changes through `view`
    assert not _memo.frozen(U)
    assert _memo.memo(U, "sum", f) == 3.0
    view[0] = 5.0
    assert _memo.memo(U, "sum", f) == 7.0 and len(calls) == 3
    B = A.copy()
    B.flags.writeable = False
    assert not _memo.frozen(B) and not _memo.frozen(A[:1])


def test_dead_arrays_leave_the_registry_without_a_deadlock():
    """An evicted LRU entry drops the last reference to its frozen array; the array's
    weakref callback then runs inside the memo's lock (it must not wait for it: a hang
    before the lock was re-entrant) and takes its registry entry with it."""
    f, _ = _counting()

    def fill():
        for i in range(5 * _memo.MAX_FROZEN):
            _memo.memo(_memo.freeze(np.full(3, float(i))), "sum", f)

    t = threading.Thread(target=fill, daemon=True)
    t.start()
    t.join(timeout=60)
    assert not t.is_alive(), "memo deadlocked on a dead array's callback"
    _memo._FROZEN.clear()
    gc.collect()
    assert len(_memo._OURS) <= 1  # at most an array still referenced by a frame
