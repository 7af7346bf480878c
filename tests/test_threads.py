"""ahpstat._threads.prefetched: a producer thread one item ahead of its caller."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from ahpstat._threads import prefetched


def test_items_in_order_and_made_in_another_thread():
    made_in = []

    def items():
        for k in range(5):
            made_in.append(threading.current_thread().name)
            yield k * k

    assert list(prefetched(items())) == [0, 1, 4, 9, 16]
    assert set(made_in) == {"ahpstat-prefetch"}


def test_an_error_of_the_producer_is_raised_in_the_caller_at_its_item():
    def items():
        yield 1
        raise KeyError("bad block")

    got = []
    with pytest.raises(KeyError, match="bad block"):
        for x in prefetched(items()):
            got.append(x)
    assert got == [1]


def test_the_producer_stops_when_the_caller_stops():
    made = []

    def items():
        for k in range(1000):
            made.append(k)
            yield k

    for x in prefetched(items()):
        if x == 2:
            break
    assert threading.active_count() == 1 or not any(
        t.name == "ahpstat-prefetch" for t in threading.enumerate())
    assert len(made) <= 5  # 3 taken, one in the slot, one made and waiting for it


def test_one_thread_when_asked(monkeypatch):
    monkeypatch.setenv("AHPSTAT_THREADS", "1")
    names = []

    def items():
        names.append(threading.current_thread().name)
        yield 1

    assert list(prefetched(items())) == [1]
    assert names == [threading.current_thread().name]


def test_computed_ahead_gives_the_items_in_order_whatever_the_workers(monkeypatch):
    from ahpstat._threads import computed_ahead

    def f(k):
        return np.random.default_rng(k).random(3).sum()  # a function of k only

    got = {}
    for n in ("1", "2", "3"):
        monkeypatch.setenv("AHPSTAT_THREADS", n)
        got[n] = list(computed_ahead(f, 7))
    assert got["1"] == got["2"] == got["3"] == [f(k) for k in range(7)]


def test_computed_ahead_raises_at_the_failing_item_and_stops_early():
    from ahpstat._threads import computed_ahead

    started = []

    def f(k):
        started.append(k)
        if k == 2:
            raise ValueError("block 2")
        return k

    got = []
    with pytest.raises(ValueError, match="block 2"):
        for x in computed_ahead(f, 50):
            got.append(x)
    assert got == [0, 1]
    assert max(started) <= 4  # no more than the workers ahead of the caller
    assert not any(t.name.startswith("ahpstat-ahead") for t in threading.enumerate())


@pytest.mark.parametrize("workers", ["1", "2"])
def test_in_child_returns_raises_and_warns_as_in_process(monkeypatch, workers):
    """The result computed in a forked child (or here with one worker) is the same object,
    the child's warning is issued again here, its exception raised again here."""
    import os
    import warnings

    from ahpstat._threads import in_child

    monkeypatch.setenv("AHPSTAT_THREADS", workers)
    me = os.getpid()

    def work():
        warnings.warn("careful", UserWarning, stacklevel=1)
        return {"pid_differs": os.getpid() != me, "x": np.arange(5.0) ** 2}

    with pytest.warns(UserWarning, match="careful"):
        got = in_child(work)()
    np.testing.assert_array_equal(got["x"], np.arange(5.0) ** 2)
    # forked where it is safe (no other thread here): a child process computed it
    assert got["pid_differs"] == (workers == "2" and threading.active_count() == 1)

    def fail():
        raise KeyError("in the jackknife")

    result = in_child(fail)
    with pytest.raises(KeyError, match="in the jackknife"):
        result()


def test_in_child_computes_here_when_the_child_dies_without_a_result(monkeypatch):
    """A child killed before it could send anything (as GNU OpenMP kills a forked child that
    enters a parallel region) is no error: the work is done in process instead."""
    import os
    import signal

    from ahpstat._threads import in_child

    monkeypatch.setenv("AHPSTAT_THREADS", "2")
    me = os.getpid()

    def work():
        if os.getpid() != me:
            os.kill(os.getpid(), signal.SIGKILL)
        return 42

    assert in_child(work)() == 42


def test_in_child_an_unpicklable_warning_arrives_as_its_text(monkeypatch):
    """A warning the child cannot pickle (its class is local) reaches the parent as its
    text (a UserWarning, as from the figure process), and the result still arrives."""
    import os
    import warnings

    from ahpstat._threads import in_child

    monkeypatch.setenv("AHPSTAT_THREADS", "2")
    me = os.getpid()

    class LocalWarning(UserWarning):
        pass

    def work():
        warnings.warn(LocalWarning("local kind"), stacklevel=1)
        return os.getpid() != me

    with pytest.warns(UserWarning, match="local kind"):
        forked = in_child(work)()
    assert forked == (threading.active_count() == 1)


def test_in_child_an_interrupt_in_process_is_not_held_back(monkeypatch):
    """Where the work runs in process (one worker), Ctrl-C during it goes at once, not at
    ``result()`` after the caller's other work."""
    from ahpstat._threads import in_child

    monkeypatch.setenv("AHPSTAT_THREADS", "1")

    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        in_child(interrupted)
    # an ordinary error still waits for result()
    result = in_child(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        result()


class _Interrupt(Exception):
    pass


def test_in_child_interrupted_while_waiting_ends_and_reaps_the_child(monkeypatch, tmp_path):
    """An exception (Ctrl-C) while ``result()`` waits for the child kills the child and reaps
    it: no process left computing, no zombie."""
    import os
    import signal
    import time

    from ahpstat._threads import in_child

    monkeypatch.setenv("AHPSTAT_THREADS", "2")
    if threading.active_count() != 1:
        pytest.skip("in_child computes in process where other threads run")
    me = os.getpid()
    where = tmp_path / "pid"

    def slow():
        where.write_text(str(os.getpid()))
        time.sleep(30 if os.getpid() != me else 0)
        return 1

    def alarm(signum, frame):
        raise _Interrupt

    old = signal.signal(signal.SIGALRM, alarm)
    try:
        result = in_child(slow)
        t0 = time.monotonic()
        while not where.exists() and time.monotonic() - t0 < 20:  # the child has started
            time.sleep(0.01)
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(_Interrupt):
            result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    pid = int(where.read_text())
    assert pid != me
    with pytest.raises(ProcessLookupError):  # gone and reaped (a zombie would answer)
        os.kill(pid, 0)


def test_in_child_an_interrupt_arriving_at_the_fork_ends_and_reaps_the_child(monkeypatch):
    """Ctrl-C pressed during the fork -- blocked in this thread (it waits), or taken by
    another thread of the process (a native one, as BLAS's: its Python handler then runs in
    this thread at once) -- is delivered once the caller holds the child's pid, before
    ``result`` exists: the child is killed and reaped there, its pipe closed."""
    import os
    import signal
    import time

    import ahpstat._threads as T

    monkeypatch.setenv("AHPSTAT_THREADS", "2")
    if threading.active_count() != 1:
        pytest.skip("in_child computes in process where other threads run")
    real_fork, forked = T._fork, []

    def fork_then_interrupt():
        pid, held = real_fork()
        if pid > 0:
            forked.append(pid)
            # taken by another thread: the handler in place runs here and now ...
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
            # ... and taken by none: it waits, blocked in this thread
            os.kill(os.getpid(), signal.SIGINT)
        return pid, held

    def interrupt(signum, frame):
        raise _Interrupt

    monkeypatch.setattr(T, "_fork", fork_then_interrupt)
    fds = sorted(os.listdir("/proc/self/fd"))
    old = signal.signal(signal.SIGINT, interrupt)
    try:
        with pytest.raises(_Interrupt):
            T.in_child(lambda: time.sleep(30))
        assert signal.getsignal(signal.SIGINT) is interrupt  # the handler put back
    finally:
        signal.signal(signal.SIGINT, old)
    assert len(forked) == 1
    with pytest.raises(ProcessLookupError):  # gone and reaped (a zombie would answer)
        os.kill(forked[0], 0)
    assert sorted(os.listdir("/proc/self/fd")) == fds  # its pipe closed


def test_workers_setting_not_a_number_is_said_not_dropped(monkeypatch):
    from ahpstat._threads import _workers

    monkeypatch.setenv("AHPSTAT_THREADS", "two")
    with pytest.warns(RuntimeWarning, match="AHPSTAT_THREADS='two'.*not a positive integer"):
        n = _workers()
    assert n in (0, 2)
    monkeypatch.setenv("AHPSTAT_THREADS", "1")
    assert _workers() == 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_beside_leaves_its_work_on_disk_and_nothing_else(monkeypatch, tmp_path, workers):
    """``beside`` runs the work in a forked child for what it leaves on disk only: after
    ``join()`` the child's file is there (where forking is safe), the work never ran in this
    process, and the child's warning and error do not reach the caller; with one worker
    (``AHPSTAT_THREADS=1``) nothing runs at all."""
    import os
    import warnings

    from ahpstat._threads import beside

    monkeypatch.setenv("AHPSTAT_THREADS", workers)
    me = os.getpid()
    ran_here = []

    def work():
        if os.getpid() == me:
            ran_here.append(True)
        (tmp_path / "done").write_text(str(os.getpid()))
        warnings.warn("noise", UserWarning, stacklevel=1)
        raise RuntimeError("not the caller's business")

    forked = workers == "2" and threading.active_count() == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning arriving here would raise
        join = beside(work)
        assert join() is False  # the child failed (or nothing was started)
    assert ran_here == []
    assert (tmp_path / "done").exists() == forked
    if forked:
        assert int((tmp_path / "done").read_text()) != me
    assert beside(lambda: None)() is forked  # ended by itself, without an error


def test_beside_join_with_a_timeout_stops_the_child(monkeypatch, tmp_path):
    """``join(timeout)`` never waits longer than asked: a child still at work then is killed
    and reaped (no process left behind), and the answer is False; asked again, the same."""
    import os
    import time

    from ahpstat._threads import beside

    monkeypatch.setenv("AHPSTAT_THREADS", "2")

    def slow():
        (tmp_path / "pid").write_text(str(os.getpid()))
        time.sleep(60)

    t0 = time.monotonic()
    join = beside(slow)
    assert join(0.5) is False
    assert time.monotonic() - t0 < 10
    assert join() is False
    if (tmp_path / "pid").exists():  # it was forked: the child is gone
        with pytest.raises(ProcessLookupError):
            os.kill(int((tmp_path / "pid").read_text()), 0)


def test_children_reaped_by_the_system_are_no_error(monkeypatch, tmp_path):
    """With SIGCHLD ignored (as daemons and servers set it) the system reaps a child as it
    ends, and ``waitpid`` finds nothing: ``beside``'s join says False (how the child ended
    is not known) after its work is done, and ``in_child``'s result still arrives; nothing
    raises."""
    import signal

    from ahpstat._threads import beside, in_child

    monkeypatch.setenv("AHPSTAT_THREADS", "2")
    old = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        join = beside(lambda: (tmp_path / "done").write_text("1"))
        assert join(60) is False
        assert join() is False
        assert in_child(lambda: 6 * 7)() == 42
    finally:
        signal.signal(signal.SIGCHLD, old)
    if threading.active_count() == 1:  # forked: the child did its work
        assert (tmp_path / "done").exists()


def test_claims_hand_each_number_once_across_a_forked_child(monkeypatch):
    """A child and this process claiming from the same Claims take every number exactly
    once between them, each in increasing order."""
    from ahpstat._threads import Claims, in_child, shared_claims

    monkeypatch.setenv("AHPSTAT_THREADS", "2")
    if threading.active_count() == 1:
        assert shared_claims(200) is not None
    # (where other threads run, in_child computes in process: the same claims then)
    claims = Claims(200)
    theirs = in_child(lambda: list(claims))
    mine = list(claims)
    claims.close()
    got = theirs()
    assert sorted(mine + got) == list(range(200))
    assert mine == sorted(mine) and got == sorted(got)
    assert list(claims) == []  # closed: nothing more
    with pytest.raises(ValueError, match="between 0 and"):
        Claims(Claims.MAX + 1)


def test_claims_in_a_pipe_too_small_are_an_error_and_not_shared(monkeypatch):
    """A pipe smaller than the numbers (Linux's one page for a user over its pipe quota)
    is an OSError, never a write waiting forever; ``shared_claims`` then shares nothing."""
    import fcntl
    import os

    import ahpstat._threads as T

    real_pipe = os.pipe

    def small_pipe():
        r, w = real_pipe()
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 4096)
        return r, w

    monkeypatch.setattr(os, "pipe", small_pipe)
    fds = sorted(os.listdir("/proc/self/fd"))
    with pytest.raises(OSError):
        T.Claims(2000)  # 8,000 bytes
    assert sorted(os.listdir("/proc/self/fd")) == fds  # both ends closed
    monkeypatch.setattr(T, "_can_fork", lambda: True)
    assert T.shared_claims(2000) is None
    fits = T.shared_claims(1000)  # 4,000 bytes
    assert fits is not None and list(fits) == list(range(1000))
    fits.close()


def test_no_claims_where_no_child_can_be_forked(monkeypatch):
    from ahpstat._threads import shared_claims

    monkeypatch.setenv("AHPSTAT_THREADS", "1")
    assert shared_claims(10) is None
    monkeypatch.setenv("AHPSTAT_THREADS", "2")
    assert shared_claims(1) is None  # nothing to share


def test_shared_empty_is_written_by_a_forked_child(monkeypatch):
    from ahpstat._threads import in_child, shared_empty

    monkeypatch.setenv("AHPSTAT_THREADS", "2")
    a = shared_empty((3, 4, 5))
    assert a.shape == (3, 4, 5) and a.dtype == np.float64 and a.flags.c_contiguous
    assert a.strides == np.empty((3, 4, 5)).strides
    a[:] = 0.0
    done = in_child(lambda: a.__setitem__((..., slice(2, 5)), 7.0))
    done()
    assert (a[..., 2:] == 7.0).all() and (a[..., :2] == 0.0).all()
    assert shared_empty((0, 3)).shape == (0, 3)


def test_computed_ahead_further_ahead_gives_the_same_items(monkeypatch):
    from ahpstat._threads import computed_ahead

    def f(k):
        return np.random.default_rng(k).random(3).sum()

    monkeypatch.setenv("AHPSTAT_THREADS", "2")
    started = []

    def g(k):
        started.append(k)
        return f(k)

    items = computed_ahead(g, 30, ahead=3)
    assert next(items) == f(0)
    assert max(started) < 2 * 3  # at most `ahead` per worker in flight: 0..5
    assert [f(0), *items] == [f(k) for k in range(30)]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_started_runs_once_where_the_workers_say_and_raises_in_the_caller(monkeypatch, workers):
    from ahpstat._threads import started

    monkeypatch.setenv("AHPSTAT_THREADS", workers)
    where = []
    join = started(lambda: where.append(threading.current_thread().name))
    join()
    join()
    assert where == ([threading.current_thread().name] if workers == "1" else ["ahpstat-beside"])

    def fail():
        raise ValueError("beside")

    join = started(fail)
    with pytest.raises(ValueError, match="beside"):
        join()
    join()  # raised once
    assert not any(t.name == "ahpstat-beside" for t in threading.enumerate())


def test_started_cancelled_without_workers_never_runs(monkeypatch):
    from ahpstat._threads import started

    monkeypatch.setenv("AHPSTAT_THREADS", "1")
    calls = []
    join = started(lambda: calls.append(1))
    join(cancel=True)
    join()
    assert calls == []


def _joint_case():
    M = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    X = np.random.default_rng(0).integers(1, 6, size=(40, 3)).astype(float)
    return X, M


@pytest.mark.parametrize("workers", ["1", "2"])
def test_joint_bootstraps_meanwhile_runs_beside_with_one_blas_thread(monkeypatch, workers):
    """With workers, ``meanwhile`` runs in a thread started before the set-up (it has
    started before the first block is drawn), under the one-BLAS-thread limit, and is
    joined before the bootstrap returns; the draws are those without it."""
    from threadpoolctl import threadpool_info

    import ahpstat.bootstrap._joint as J

    monkeypatch.setenv("AHPSTAT_THREADS", workers)
    X, M = _joint_case()
    kw = dict(leaf_weights=[0.3, 0.3, 0.4], resample="respondents", n_resamples=600, rng=1,
              parents=[-1, 0, 0, 1, 1, 2], groups=np.arange(40) % 3)
    plain = J.joint_bootstrap(X, M, **kw)
    seen, first_block = [], []
    real_sums = J._Sums
    gate = threading.Event()

    def sums(*a, **k):  # the set-up waits until meanwhile has started (with workers)
        if workers == "2":
            assert gate.wait(10)
        return real_sums(*a, **k)

    monkeypatch.setattr(J, "_Sums", sums)
    real_add = J._Draws.add

    def add(self, *a, **k):
        first_block.append(len(seen))
        return real_add(self, *a, **k)

    monkeypatch.setattr(J._Draws, "add", add)

    def meanwhile():
        gate.set()
        blas = {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}
        seen.append((threading.current_thread().name, blas))

    got = J.joint_bootstrap(X, M, meanwhile=meanwhile, **kw)
    assert len(seen) == 1
    name, blas = seen[0]
    assert name == ("ahpstat-beside" if workers == "2" else threading.current_thread().name)
    assert blas <= {1}
    if workers == "1":
        assert first_block[0] == 0  # after the first block, in this thread
    assert not any(t.name == "ahpstat-beside" for t in threading.enumerate())
    for k in ("score_draws", "group_score_draws", "weight_draws"):
        np.testing.assert_array_equal(getattr(got, k), getattr(plain, k), err_msg=k)
    for k, v in plain.acceleration.items():
        np.testing.assert_array_equal(got.acceleration[k], v, err_msg=k)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_joint_bootstraps_errors_come_first_and_meanwhile_is_waited_for(monkeypatch, workers):
    import ahpstat.bootstrap._joint as J

    monkeypatch.setenv("AHPSTAT_THREADS", workers)
    X, M = _joint_case()
    kw = dict(leaf_weights=[0.3, 0.3, 0.4], resample="respondents", n_resamples=300, rng=1)

    def boom(*a, **k):
        raise RuntimeError("set-up")

    def failing():
        raise ValueError("meanwhile")

    monkeypatch.setattr(J, "_Sums", boom)
    with pytest.raises(RuntimeError, match="set-up"):
        J.joint_bootstrap(X, M, meanwhile=failing, **kw)
    calls = []
    with pytest.raises(RuntimeError, match="set-up"):
        J.joint_bootstrap(X, M, meanwhile=lambda: calls.append(1), **kw)
    assert calls == ([] if workers == "1" else [1])  # a started thread is waited for
    assert not any(t.name == "ahpstat-beside" for t in threading.enumerate())
    monkeypatch.undo()
    monkeypatch.setenv("AHPSTAT_THREADS", workers)
    with pytest.raises(ValueError, match="meanwhile"):
        J.joint_bootstrap(X, M, meanwhile=failing, **kw)
