"""One parallel layer at a time: BLAS threads off where ahpstat runs its own parallel work.

Two thread pools can compete for the same cores in ahpstat: numba's (the parallel kernels of
:mod:`ahpstat._kernels`, OpenMP here) and the BLAS library's behind numpy (OpenBLAS, one
thread per core by default, busy-waiting between calls). Measured on a 2-core machine, the
joint bootstrap with 100,000 respondents -- many mid-sized ``counts @ answers`` products --
took 135 ms per replicate with OpenBLAS's default threads and 3.4 ms with one BLAS thread:
its products are too small for threads to pay off, and BLAS threads spinning beside numba's
(or beside another process) only steal the cores. So the rule is: where ahpstat parallelises
itself, BLAS runs on one thread; a user's own numpy code outside those regions keeps
whatever BLAS threading it had (the limit is restored on exit).

:func:`single_threaded_blas` is the mechanism, used around the numba parallel regions
(:func:`ahpstat._kernels.core_batch`) and, through the decorator :func:`one_blas_thread`,
around the bootstrap's resampling (``joint_bootstrap``, ``resampled_item_means``);
:func:`thread_summary` says which pools exist (the benchmarks print it).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

__all__ = ["Claims", "beside", "computed_ahead", "in_child", "no_child", "one_blas_thread",
           "prefetched", "shared_claims", "shared_empty", "single_threaded_blas", "started",
           "thread_summary", "worker_pool"]

_controller: Any = None
_n_modules = -1


def _get_controller() -> Any:
    """A cached ``threadpoolctl.ThreadpoolController`` (rebuilt when modules were imported,
    which is when new native libraries, such as SciPy's own OpenBLAS, can appear).
    """
    global _controller, _n_modules
    n = len(sys.modules)
    if _controller is None or n != _n_modules:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
        _n_modules = n
    return _controller


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with every loaded BLAS library limited to one thread, then restore.

    Costs about 0.1 ms per use (0.7 ms when a library appeared since the last use), so it
    wraps whole parallel regions and resampling loops, not single small products.

    Examples
    --------
    >>> import numpy as np
    >>> with single_threaded_blas():
    ...     x = np.ones((3, 3)) @ np.ones(3)
    >>> x.tolist()
    [3.0, 3.0, 3.0]
    """
    with _get_controller().limit(limits=1, user_api="blas"):
        yield


def one_blas_thread(func: F) -> F:
    """Decorator: run ``func`` inside :func:`single_threaded_blas` (a one-line hook for the
    modules whose loops do many mid-sized products, such as the bootstrap's).

    Examples
    --------
    >>> @one_blas_thread
    ... def f():
    ...     return 1
    >>> f()
    1
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with single_threaded_blas():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def prefetched(items: Iterable[T]) -> Iterator[T]:
    """``items``, each computed in a worker thread while the caller works on the one before.

    The second core for a producer-consumer loop: the bootstrap's resamples of block ``k +
    1`` are drawn and counted (compiled loops and BLAS products, which release the GIL)
    while the caller computes block ``k``'s statistics. The items and their order are those
    of ``items`` -- a generator run in one thread, start to end -- so nothing depends on the
    timing: the results are the same as without the thread. One item ahead at most (memory:
    two blocks). An exception in the producer is raised again in the caller at that item;
    when the caller stops early the producer stops at its next item. With one CPU, or
    ``AHPSTAT_THREADS=1`` in the environment, ``items`` is iterated in the caller's thread.

    The producer must not use numba's parallel kernels or BLAS threads (the caller's
    :func:`one_blas_thread` limit holds for the whole process): one parallel layer at a
    time.

    Examples
    --------
    >>> list(prefetched(x * x for x in range(4)))
    [0, 1, 4, 9]
    """
    if not _workers():
        yield from items
        return
    import queue

    slots: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def put(x: Any) -> bool:
        while not stop.is_set():
            try:
                slots.put(x, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for x in items:
                if not put((True, x)):
                    return
            put((True, done))
        except BaseException as exc:  # raised again in the caller
            put((False, exc))

    worker = threading.Thread(target=work, name="ahpstat-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            ok, x = slots.get()
            if not ok:
                raise x
            if x is done:
                return
            yield x
    finally:
        stop.set()
        worker.join()


def _workers() -> int:
    """Worker threads for :func:`prefetched` and :func:`computed_ahead`: the CPUs, at most
    2 (``AHPSTAT_THREADS`` in the environment sets it; 1 = none: all in the caller).
    """
    env = os.environ.get("AHPSTAT_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        n = int(env)
    else:
        if env:
            warnings.warn(f"AHPSTAT_THREADS={env!r} in the environment is not a positive "
                          "integer; ignored (1 keeps everything in the calling thread).",
                          RuntimeWarning, stacklevel=3)
        # the CPUs this process may run on (its affinity mask), not the machine's
        cpus = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                else os.cpu_count() or 1)
        n = min(2, cpus)
    return n if n > 1 else 0


def computed_ahead(func: Callable[[int], T], n: int, ahead: int = 1) -> Iterator[T]:
    """``func(0), ..., func(n - 1)`` in order, computed in worker threads while the caller
    works on the ones before (at most ``ahead`` items per worker ahead of it: more keep the
    workers busy while the caller does a longer piece of work of its own between two items).

    As :func:`prefetched`, for independent items -- ``func(k)`` must depend on ``k`` only
    (the bootstrap's block ``k`` draws from its own stream) and be safe to run beside
    ``func(j)`` -- so the items are the same whatever the number of workers (``AHPSTAT_THREADS``;
    1: computed in the caller's thread, one at a time). Two workers draw and count two
    blocks at once when one cannot keep up with the caller. An exception of ``func(k)`` is
    raised in the caller at item ``k``; when the caller stops early, the items not started
    are dropped and those running finish before this returns.

    Examples
    --------
    >>> list(computed_ahead(lambda k: k * k, 5))
    [0, 1, 4, 9, 16]
    """
    workers = _workers()
    if not workers:
        for k in range(n):
            yield func(k)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ahpstat-ahead")
    pending: deque = deque()
    try:
        nxt = 0
        for _ in range(n):
            while nxt < n and len(pending) < workers * max(1, ahead):
                pending.append(pool.submit(func, nxt))
                nxt += 1
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True)


class _Deferred:
    """A future of :func:`worker_pool`'s stand-in: ``fn(*args)`` computed in the caller's
    thread at the first :meth:`result`, kept for the later ones.
    """

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._call: tuple[Callable[..., Any], tuple[Any, ...]] | None = (fn, args)
        self._value: Any = None

    def result(self) -> Any:
        if self._call is not None:
            fn, args = self._call
            self._value = fn(*args)
            self._call = None
        return self._value


class _InCaller:
    """:func:`worker_pool` without worker threads: each task is computed in the caller's
    thread when its result is first asked for.
    """

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Deferred:
        return _Deferred(fn, args)

    def shutdown(self, wait: bool = True) -> None:
        pass


def worker_pool(name: str) -> Any:
    """A pool of the worker threads allowed (``AHPSTAT_THREADS``, the CPUs; at most 2),
    threads named ``name``; with one CPU or ``AHPSTAT_THREADS=1``, a stand-in with the same
    ``submit`` / ``result`` / ``shutdown`` whose tasks run in the caller's thread when their
    results are asked for (in the order asked: a task may wait on one submitted before it).
    ``shutdown(wait=True)`` it in a ``finally``.

    Examples
    --------
    >>> pool = worker_pool("example")
    >>> first = pool.submit(lambda: 2)
    >>> second = pool.submit(lambda: first.result() + 1)
    >>> second.result(), first.result()
    (3, 2)
    >>> pool.shutdown(wait=True)
    """
    workers = _workers()
    if not workers:
        return _InCaller()
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)


def started(func: Callable[[], Any]) -> Callable[..., None]:
    """Start ``func()`` in a thread; return ``join(cancel=False)``, which waits for it and
    raises its error, if any, in the caller.

    For independent work that can use a core the caller's own work leaves idle (the
    evaluation's set-up beside the bootstrap's, :func:`ahpstat.bootstrap.joint_bootstrap`'s
    ``meanwhile``): ``func`` must depend on nothing the caller changes meanwhile, and, as
    :func:`prefetched`'s producer, not use numba's parallel kernels or BLAS threads (the
    caller holds :func:`single_threaded_blas` until ``join`` returns). It runs in a copy of
    the caller's context variables (numpy's error state among them), but the warnings
    filters are the process's (before Python 3.14): a ``warnings.catch_warnings`` in
    ``func`` filters the caller's warnings too while it lasts, so the caller should warn
    after ``join`` (as ``joint_bootstrap`` does) and not change the filters itself
    meanwhile (two threads restoring them out of order would leave them changed). With one CPU or
    ``AHPSTAT_THREADS=1`` nothing is started: ``join()`` calls ``func()`` in the caller, and
    ``join(cancel=True)`` (for an error path) does not call it; a thread cannot be cancelled,
    so it is waited for. Call ``join`` on every path (a ``finally``); later calls do nothing.

    Examples
    --------
    >>> out = []
    >>> join = started(lambda: out.append(1))
    >>> join(); join(); out
    [1]
    """
    done: list[bool] = []
    if not _workers():
        def here(cancel: bool = False) -> None:
            if not done:
                done.append(True)
                if not cancel:
                    func()
        return here

    failed: list[BaseException] = []
    import contextvars

    context = contextvars.copy_context()  # the caller's (numpy's error state, kept counts)

    def work() -> None:
        try:
            context.run(func)
        except BaseException as exc:  # raised again in the caller
            failed.append(exc)

    worker = threading.Thread(target=work, name="ahpstat-beside", daemon=True)
    worker.start()

    def join(cancel: bool = False) -> None:
        if done:
            return
        worker.join()
        done.append(True)
        if failed:
            raise failed[0]

    return join


def _can_fork() -> bool:
    """Forking is safe and cheap here: Linux, the main thread, no other Python thread, and
    more than one worker allowed (``AHPSTAT_THREADS``).
    """
    return (sys.platform.startswith("linux") and hasattr(os, "fork") and bool(_workers())
            and threading.current_thread() is threading.main_thread()
            and threading.active_count() == 1)


class _Held(NamedTuple):
    """SIGINT and SIGTERM held across a fork (:func:`_fork`): the signal mask to restore,
    the Python handlers replaced (signal -> handler) and the signals that came meanwhile.
    """

    mask: Any
    handlers: dict[Any, Any]
    pending: list[int]


def _fork() -> tuple[int, _Held]:
    """``os.fork()`` with SIGINT and SIGTERM held across it: ``(pid, held)``, ``pid`` -1 if
    the fork failed; :func:`_after_fork` (this process) or :func:`_as_child` (the child)
    ends the hold.

    Held twice: blocked in this thread, and, since another thread (a native one: BLAS,
    numba) may take a signal sent to the process, its Python handler replaced by one that
    only records it -- so that no ``KeyboardInterrupt`` can come between the fork and the
    moment the caller knows the child's pid; :func:`_after_fork` delivers it then.
    """
    sigs = (signal.SIGINT, signal.SIGTERM)
    pending: list[int] = []

    def record(signum: int, frame: Any) -> None:
        pending.append(signum)

    # a handler set outside Python (getsignal: None) cannot be put back: left as it is
    handlers = {s: signal.signal(s, record) for s in sigs if signal.getsignal(s) is not None}
    held = _Held(signal.pthread_sigmask(signal.SIG_BLOCK, set(sigs)), handlers, pending)
    try:
        return os.fork(), held
    except OSError:
        return -1, held


def _after_fork(pid: int, held: _Held, fds: tuple[int, ...] = ()) -> None:
    """In this process after :func:`_fork`: the signal mask and handlers restored, and a
    signal that came across the fork delivered now, to its own handler. If that raises
    (Ctrl-C), the child (``pid`` > 0) is killed and reaped and ``fds`` closed before the
    exception goes on, so nothing is left behind.
    """
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held.mask)  # blocked ones: recorded
        for s, handler in held.handlers.items():
            signal.signal(s, handler)
        for s in dict.fromkeys(held.pending):
            signal.raise_signal(s)
    except BaseException:
        for fd in fds:
            os.close(fd)
        if pid > 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        raise


def _as_child(parent: int, held: _Held) -> None:
    """A forked child's set-up: SIGINT ignored (the parent decides), SIGTERM default, the
    signal mask restored (:func:`_fork`'s hold ended), dead with ``parent``
    (:func:`die_with_parent`), silent (:func:`silence_terminal`), numba's threads to one.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, held.mask)
    die_with_parent(parent)
    silence_terminal()
    if "numba" in sys.modules:  # GNU OpenMP's pool does not survive a fork
        sys.modules["numba"].config.NUMBA_NUM_THREADS = 1


def _child(func: Callable[[], Any], read_fd: int, write_fd: int, parent: int,
           held: _Held) -> None:
    """:func:`in_child`'s child: run ``func``, send its result, exit."""
    import pickle
    import traceback

    code = 1
    try:
        os.close(read_fd)
        _as_child(parent, held)
        with warnings.catch_warnings(record=True) as caught:
            try:
                out: tuple[Any, ...] = ("ok", func())
            except BaseException as exc:
                out = ("error", portable_exception(exc), traceback.format_exc())
        notes = portable_warnings(caught)
        try:
            data = pickle.dumps((*out, notes), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a result that cannot be pickled
            data = pickle.dumps(("error", portable_exception(exc), traceback.format_exc(),
                                 notes))
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(data)
        code = 0
    finally:
        os._exit(code)




#: prctl's option: a signal for this process when its parent dies
_PR_SET_PDEATHSIG = 1


def silence_terminal() -> None:
    """Point this (forked) process's standard streams at ``os.devnull``: nothing of it
    reaches the terminal (its output, or a library's message on the way out).
    """
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def portable_exception(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a ``RuntimeError`` naming its type and text
    (what a child process can send its parent).

    Examples
    --------
    >>> portable_exception(ValueError("bad"))
    ValueError('bad')
    >>> class Local(Exception):
    ...     pass
    >>> portable_exception(Local("odd"))
    RuntimeError('Local: odd')
    """
    import pickle

    try:
        return pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this (forked) process when its parent dies, ``kill -9``
    included (Linux's ``PR_SET_PDEATHSIG``); exit now if ``parent`` is gone already.
    """
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request: nobody waits
        os._exit(0)


def portable_warnings(caught: list[warnings.WarningMessage]) -> list[tuple[Any, ...]]:
    """``(message, category, filename, lineno)`` of each caught warning, for a child process
    to send to its parent (:func:`child_outcome`); one that cannot be pickled is sent as
    its text, a ``UserWarning``.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("careful", RuntimeWarning)
    >>> message, category, _, _ = portable_warnings(caught)[0]
    >>> str(message), category.__name__
    ('careful', 'RuntimeWarning')
    """
    import pickle

    out = []
    for w in caught:
        item = (w.message, w.category, w.filename, w.lineno)
        try:
            pickle.dumps(item)
        except Exception:
            item = (str(w.message), UserWarning, w.filename, w.lineno)
        out.append(item)
    return out


def in_child(func: Callable[[], T]) -> Callable[..., T]:
    """Start ``func()`` in a forked child process; return ``result()``, which waits for it.

    The second core for an independent piece of work that holds the GIL (numpy and pandas
    code in many small calls): the child computes on an exact copy of this process's
    memory and sends the result back pickled, so the result is the one ``func()`` gives in
    process. ``result()`` re-issues the child's warnings (category and origin) and raises its
    exception again (the child's traceback as a note). The child dies with this process
    (Linux's ``PR_SET_PDEATHSIG``), ignores SIGINT (the parent decides) and writes nothing
    to the terminal; ``result()`` must be called (in a ``finally`` where an error may come
    between): it reaps the child; ``result(cancel=True)`` kills it first (the caller failed
    and wants nothing of it). A child that ends without sending anything (killed, or a
    library that refuses to run after a fork) is not an error: ``func()`` then runs here.

    Where forking is not safe (not Linux, not the main thread, other Python threads
    running) or ``AHPSTAT_THREADS=1``, ``func()`` runs here, now, and ``result()`` returns
    its result (or raises its exception). ``func`` must not call numba's parallel kernels
    directly (GNU OpenMP does not survive a fork: the child runs ahpstat's batched kernels
    serially, which give the same bits).

    Examples
    --------
    >>> result = in_child(lambda: sum(range(10)))
    >>> result()
    45
    """
    import pickle

    def here() -> Callable[..., T]:
        try:
            value = func()
        except Exception as exc:  # raised at result(); an interrupt goes at once
            error = exc

            def fail(cancel: bool = False) -> T:
                if cancel:
                    return None  # type: ignore[return-value]
                raise error

            return fail
        return lambda cancel=False: value

    if not _can_fork():
        return here()
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid, old = _fork()
    if pid == 0:  # the child: never returns into the caller
        _child(func, read_fd, write_fd, parent, old)
    _after_fork(pid, old, (read_fd, write_fd))
    os.close(write_fd)
    if pid < 0:  # fork failed: in process
        os.close(read_fd)
        return here()

    def result(cancel: bool = False) -> T:
        status = None
        try:
            if cancel:  # the caller failed: end the child now (nothing of it is wanted)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with os.fdopen(read_fd, "rb") as fh:
                data = b"" if cancel else fh.read()
            try:
                status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
            except ChildProcessError:  # reaped by the system (SIGCHLD ignored): what it
                status = 0  # sent is complete or not (below), the exit status is unknown
        finally:
            if status is None:  # interrupted (or cancelled): the child goes, and is reaped
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
        if cancel:
            return None  # type: ignore[return-value]
        if status != 0 or not data:  # the child died before it had sent all (killed, or
            # a library that refuses to run after a fork, as GNU OpenMP): computed here
            # instead, the same result
            return func()
        kind, *payload, notes = pickle.loads(data)
        return child_outcome(kind, payload, notes, "the child process")

    return result


class Claims:
    """The numbers ``0..n-1``, each handed out once, in increasing order, to whichever of
    this process and its forked children asks first (:func:`shared_claims`): iterate to
    claim them; :meth:`close` when done with them.

    A pipe holding the numbers as 4-byte tokens, written before the fork: every read of 4
    bytes takes exactly one token, atomically, whichever process reads.
    """

    #: at most this many numbers (a pipe holds 64 KiB by default)
    MAX = 1 << 14

    def __init__(self, n: int) -> None:
        if not 0 <= n <= self.MAX:
            raise ValueError(f"`n` must be between 0 and {self.MAX}; got {n} instead.")
        read_fd, write_fd = os.pipe()
        try:
            data = b"".join(k.to_bytes(4, "little") for k in range(n))
            # never blocks: a pipe smaller than the numbers (Linux gives one page to a user
            # over `fs.pipe-user-pages-soft`) is an OSError, not a writer waiting forever
            os.set_blocking(write_fd, False)
            if data and os.write(write_fd, data) != len(data):
                raise OSError("the claims did not fit in the pipe")
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        self._fd: int | None = read_fd

    def __iter__(self) -> Iterator[int]:
        while self._fd is not None:
            token = os.read(self._fd, 4)
            if len(token) < 4:  # all claimed
                return
            yield int.from_bytes(token, "little")

    def close(self) -> None:
        """Give up the numbers not claimed yet (by this process)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def shared_claims(n: int) -> Claims | None:
    """:class:`Claims` of ``0..n-1`` to share the blocks of a loop with a forked child
    (:func:`in_child`), each process taking the next block when it is free -- so the work
    divides itself by the speed of each whatever the load; ``None`` where no child can be
    forked (:func:`in_child` would run it here: nothing to share) or ``n`` is too large.

    What is computed must not depend on which process computes which block: each block is
    a function of its number alone.

    Examples
    --------
    >>> claims = Claims(3)
    >>> list(claims), list(claims)
    ([0, 1, 2], [])
    >>> claims.close()
    """
    if n < 2 or n > Claims.MAX or not _can_fork():
        return None
    try:
        return Claims(n)
    except OSError:  # no pipe, or one too small for the numbers: nothing shared
        return None


def shared_empty(shape: tuple[int, ...]) -> Any:
    """An uninitialised float64 array, C-ordered, in memory shared with the children this
    process forks afterwards (an anonymous shared mapping): what a child writes in it, this
    process reads, without copying it back.

    Examples
    --------
    >>> a = shared_empty((2, 3))
    >>> a[:] = 1.0
    >>> a.shape, a.dtype.name, a.flags.c_contiguous, float(a.sum())
    ((2, 3), 'float64', True, 6.0)
    """
    import mmap

    import numpy as np

    size = int(np.prod(shape, dtype=np.int64)) * 8
    if size == 0:
        return np.empty(shape)
    buf = mmap.mmap(-1, size, flags=mmap.MAP_SHARED)
    return np.frombuffer(buf, dtype=np.float64).reshape(shape)


def no_child(timeout: float | None = None) -> bool:
    """The ``join`` of :func:`beside` when no child was started: there is nothing to wait
    for (``False``).
    """
    return False


def beside(func: Callable[[], Any]) -> Callable[..., bool]:
    """Start ``func()`` for its side effects only in a forked child, where forking is safe;
    return ``join(timeout=None)``, which waits for the child and says whether it finished.

    For work whose product is on disk, such as numba's cache of functions this process will
    call later: the child compiles them on the second core while this process does other
    work, and this process then loads them instead of compiling them. The child's result,
    warnings and errors are dropped; it writes nothing to the terminal, ignores SIGINT (this
    process decides) and dies with this process (Linux's ``PR_SET_PDEATHSIG``).
    ``join(timeout)`` waits at most ``timeout`` seconds (``None``: until the child ends), then
    kills a child still running; it returns ``True`` if the child ended by itself, without an
    error. Call it in a ``finally`` (``join(0)`` kills and reaps at once); later calls return
    the first one's answer. Where forking is not safe (not Linux, not the main thread, other
    Python threads running) or ``AHPSTAT_THREADS=1``, nothing is started and the ``join``
    returned is :func:`no_child` (the work is then done where it is needed, as without
    this).

    Examples
    --------
    >>> join = beside(lambda: None)
    >>> join() in (True, False)  # False where nothing could be started
    True
    """
    if not _can_fork():
        return no_child
    parent = os.getpid()
    pid, old = _fork()
    if pid == 0:  # the child: never returns into the caller
        code = 1
        try:
            _as_child(parent, old)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                func()
            code = 0
        finally:
            os._exit(code)
    _after_fork(pid, old)
    if pid < 0:  # fork failed
        return no_child
    outcome: list[bool] = []

    def join(timeout: float | None = None) -> bool:
        if outcome:
            return outcome[0]
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        ended = None
        try:
            while ended is None:
                try:
                    done, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:  # reaped by the system (SIGCHLD ignored) or by
                    ended = False  # another handler: ended, how is not known
                    break
                if done:
                    ended = os.waitstatus_to_exitcode(status) == 0
                elif deadline is not None and time.monotonic() >= deadline:
                    break
                else:
                    time.sleep(0.01)
        finally:
            if ended is None:  # timed out or interrupted: the child goes, and is reaped
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
                ended = False
            outcome.append(ended)
        return ended

    return join


def child_outcome(kind: str, payload: list[Any], notes: list[tuple[Any, ...]],
                  where: str) -> Any:
    """What a forked child sent back, delivered here: its warnings issued again (``notes``:
    ``(message, category, filename, lineno)``), then its error raised (``kind == "error"``:
    ``payload`` is the exception and the child's formatted traceback, added as a note naming
    ``where``) or its result returned (``payload[0]``).

    Examples
    --------
    >>> child_outcome("result", [42], [], "the child process")
    42
    >>> try:
    ...     child_outcome("error", [ValueError("bad"), "Traceback ..."], [], "the child")
    ... except ValueError as exc:
    ...     print(exc.__notes__[0])
    In the child:
    Traceback ...
    """
    for message, category, filename, lineno in notes:
        warnings.warn_explicit(message, category, filename, lineno)
    if kind == "error":
        exc, tb = payload
        exc.add_note(f"In {where}:\n" + tb.rstrip())
        raise exc
    return payload[0]


def thread_summary() -> str:
    """One line per thread pool: BLAS and OpenMP libraries (threadpoolctl) and numba's.

    Examples
    --------
    >>> "numba" in thread_summary()
    True
    """
    lines = []
    for d in _get_controller().info():
        lines.append(f"{d['user_api']}: {d['internal_api']} {d.get('version') or ''}, "
                     f"{d['num_threads']} threads ({d.get('prefix', '')})")
    try:
        import numba

        layer = "not started"
        try:
            layer = numba.threading_layer()
        except ValueError:  # no parallel region has run yet
            pass
        lines.append(f"numba: {numba.config.NUMBA_NUM_THREADS} threads, threading layer "
                     f"{layer}")
    except ImportError:  # pragma: no cover - numba is a dependency
        lines.append("numba: not installed")
    return "\n".join(lines)
