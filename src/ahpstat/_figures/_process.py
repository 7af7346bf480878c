"""The figures drawn in a second process while the command line writes the tables and the
report (issue 17: the seed study's ``ahpstat run`` spent about half its time in matplotlib's
import and the figures, on one of the machine's cores).

:class:`FigureProcess` forks the command line's process once it has imported the study's
modules, before the study is read. The child imports matplotlib while the parent reads and
runs the study; the parent then sends it the result, writes the tables, the paper tables and
``report.md`` while the child draws the figures into the same (temporary) output folder, and
waits for them before ``report.html`` (which embeds them). Once the figures are built, the
child forks a helper and the two save about half of them each (:func:`_save_shared`).

The run's guarantees hold as without it:

- the same files: the child runs :func:`~ahpstat._figures.draw_all` on an exact copy of the
  result (pickled), with the same options, so the figures are byte for byte the ones drawn in
  process;
- the child never outlives the parent, nor the helper the child: the kernel kills each when
  its parent dies (Linux's ``PR_SET_PDEATHSIG``, even on ``kill -9``); the child ignores
  SIGINT (a Ctrl-C reaches the whole process group: the parent decides how the run ends) and
  ends on EOF of its job pipe; the parent kills and reaps it, and waits until the helper is
  gone too (EOF of a pipe that only the two hold), before the temporary folder is removed
  (an error, SIGINT or SIGTERM while filling the folder), so nothing is written into a
  folder being removed;
- errors and warnings of the drawing reach the parent: an exception is raised again there
  (with the child's traceback as a note), warnings are issued again with their category and
  origin; the child writes nothing to the terminal.

It forks only where that is safe and cheap: Linux, from the main thread, with no other Python
thread running (a program or a test that calls :func:`ahpstat.cli.main` with threads of its
own draws in process). Elsewhere :meth:`FigureProcess.start` returns an inactive object and
the figures are drawn in process, as by :func:`ahpstat.output.write_study`.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ahpstat._figures._options import DrawnFigure
from ahpstat._threads import (
    child_outcome,
    die_with_parent,
    portable_exception,
    portable_warnings,
    silence_terminal,
)

__all__ = ["FigureProcess"]

_HEADER = struct.Struct("<Q")  # the byte length of the pickle that follows
_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def _send(stream: Any, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: Any) -> Any:
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    (n,) = _HEADER.unpack(head)
    data = stream.read(n)
    if len(data) < n:
        raise EOFError
    return pickle.loads(data)


def _child(job_fd: int, result_fd: int, parent: int) -> int:
    """The child's whole life: get ready, draw the one job sent, report, exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    silence_terminal()
    with os.fdopen(result_fd, "wb") as out:
        # what drawing needs, while the parent runs the study (the result's own modules
        # were imported before the fork); a failure is raised again, and reported, when the
        # job imports it
        with contextlib.suppress(Exception):
            import matplotlib.backends.backend_agg
            import matplotlib.figure  # noqa: F401
        with os.fdopen(job_fd, "rb") as job:
            try:
                res, folder, options = _receive(job)
            except EOFError:  # the parent needs no figures after all
                return 0
        import traceback

        from ahpstat._figures._draw import draw_all

        helper_warnings: list[tuple[Any, ...]] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # the parent's filters decide (warn_explicit)

            def save_all(made: list[Any], save: Callable[[Any], None]) -> None:
                _save_shared(made, save, caught, helper_warnings)

            try:
                drawn = draw_all(res, Path(folder), options, save_all=save_all,
                                 built=lambda figs: _send(out, ("built", figs)))
                msg: tuple[Any, ...] = ("done", drawn)
            except BaseException as exc:
                msg = ("error", portable_exception(exc), traceback.format_exc())
        _send(out, (*msg, portable_warnings(caught) + helper_warnings))
    return 0


def _cost(item: Any) -> float:
    """A figure's saving cost, roughly: its texts (layout, glyphs) and pixels (at 200 dpi;
    only the ratios matter).
    """
    from matplotlib.text import Text

    fig = item[0]
    w, h = fig.get_size_inches()
    return len(fig.findobj(Text)) + 40e-6 * float(w * h) * 200 ** 2


def _save_shared(made: list[Any], save: Callable[[Any], None],
                 caught: list[warnings.WarningMessage],
                 helper_warnings: list[tuple[Any, ...]]) -> None:
    """Save the built figures in two processes: this one and a helper forked from it (the
    figures are already built: nothing is imported or computed twice), each about half of
    the work (largest first, each to the less loaded). The helper dies with this process
    (``PR_SET_PDEATHSIG``); its error and warnings come back through a pipe.
    """
    if len(made) < 2:
        for item in made:
            save(item)
        return
    cost = [_cost(item) for item in made]
    load = [0.0, 0.0]
    share: list[list[int]] = [[], []]
    for k in sorted(range(len(made)), key=lambda k: -cost[k]):
        side = 0 if load[0] <= load[1] else 1
        load[side] += cost[k]
        share[side].append(k)
    mine, theirs = ([made[k] for k in sorted(ks)] for ks in share)
    me = os.getpid()
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no helper: this process saves them all
        os.close(r)
        os.close(w)
        for item in made:
            save(item)
        return
    if pid == 0:  # the helper: save its share, report, exit
        code = 1
        try:
            os.close(r)
            die_with_parent(me)
            n0 = len(caught)
            report: tuple[Any, ...] = (None, "")
            try:
                for item in theirs:
                    save(item)
                code = 0
            except BaseException as exc:
                import traceback

                report = (portable_exception(exc), traceback.format_exc())
            with os.fdopen(w, "wb") as f:
                _send(f, (*report, portable_warnings(caught[n0:])))
        finally:
            os._exit(code)
    os.close(w)
    try:
        for item in mine:
            save(item)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        with os.fdopen(r, "rb") as f:
            try:
                err, tb, got = _receive(f)
            except EOFError:
                err, tb, got = None, "", []
        _, raw = os.waitpid(pid, 0)
    helper_warnings.extend(got)
    if err is not None:
        err.add_note("In the helper process saving figures:\n" + tb.rstrip())
        raise err
    status = os.waitstatus_to_exitcode(raw)
    if status != 0:
        raise RuntimeError(f"the helper process saving figures ended with status {status}")


class FigureProcess:
    """A forked process that draws a study's figures (see the module's notes).

    ``with FigureProcess.start() as fp:`` ... ``fp.submit(res, folder, options)``, then
    :meth:`built` (the figures' names and captions, once built) and :meth:`finish` (once
    saved). Inactive (``fp.active`` false) where it cannot fork: the caller draws in process.
    """

    def __init__(self) -> None:
        self.pid: int | None = None
        self._job: int | None = None  # write end of the job pipe
        self._results: Any = None  # read end of the results pipe (buffered)
        self._life: int | None = None  # read end of the pipe the child and helper hold
        self._sender: threading.Thread | None = None
        self._send_error: BaseException | None = None
        self._built: list[DrawnFigure] | None = None
        #: called once by :meth:`finish` before it waits for the child (the caller's own
        #: work that can overlap the drawing: the output layer flushes its files)
        self.meanwhile: Callable[[], Any] | None = None

    @property
    def active(self) -> bool:
        return self.pid is not None

    @staticmethod
    def possible() -> bool:
        """Whether forking is safe here: Linux, the main thread, no other Python thread."""
        return (sys.platform.startswith("linux") and hasattr(os, "fork")
                and threading.current_thread() is threading.main_thread()
                and threading.active_count() == 1)

    @classmethod
    def start(cls) -> FigureProcess:
        """Fork the drawing process (an inactive object where :meth:`possible` is false).

        Fork after importing what unpickling the result needs (the child imports only
        matplotlib meanwhile) and before opening files or taking locks (the child would
        hold them too).
        """
        self = cls()
        if not cls.possible():
            return self
        job_r, job_w = os.pipe()
        res_r, res_w = os.pipe()
        # held open by the child and its helper until they exit: EOF here means both are
        # gone (nothing of theirs writes any more), which waitpid alone cannot say of the
        # helper (not this process's child)
        life_r, life_w = os.pipe()
        parent = os.getpid()
        # no signal between the fork and the child's own handlers: it would raise in the
        # child inside the parent's code
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        pid = -1
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns about fork with threads running; the only ones here are
                # OpenBLAS's, which it shuts down before a fork (pthread_atfork)
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:  # the child: never returns into the caller
                code = 1
                try:
                    os.close(job_w)
                    os.close(res_r)
                    os.close(life_r)
                    code = _child(job_r, res_w, parent)
                finally:
                    os._exit(code)
        except OSError:
            pid = -1
        finally:
            if pid != 0:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
        os.close(job_r)
        os.close(res_w)
        os.close(life_w)
        if pid < 0:  # fork failed: draw in process
            os.close(job_w)
            os.close(res_r)
            os.close(life_r)
            return self
        self.pid, self._job, self._life = pid, job_w, life_r
        self._results = os.fdopen(res_r, "rb")
        return self

    def __enter__(self) -> FigureProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def submit(self, res: Any, folder: Path, options: Any) -> None:
        """Send the job: draw ``res``'s figures into ``folder`` (returns at once)."""
        assert self.pid is not None and self._job is not None
        blob = pickle.dumps((res, str(folder), options), protocol=pickle.HIGHEST_PROTOCOL)
        fd, self._job = self._job, None

        def send() -> None:  # in a thread: the child may still be importing (a full pipe)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_HEADER.pack(len(blob)))
                    f.write(blob)
            except OSError as exc:  # the child died; said by finish()
                self._send_error = exc

        self._sender = threading.Thread(target=send, name="ahpstat-figures-job", daemon=True)
        self._sender.start()

    def built(self) -> list[DrawnFigure]:
        """The figures' names, captions and files, once the child has built them."""
        if self._built is None:
            kind, *rest = self._message()
            if kind != "built":  # it failed before building them all
                self._end(kind, *rest)
            self._built = rest[0]
        return list(self._built)

    def finish(self) -> list[DrawnFigure]:
        """Wait until every figure is saved; the child's error or warnings are raised here."""
        self.built()
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            try:
                meanwhile()
            except BaseException:
                self.close()
                raise
        kind, *rest = self._message()
        return self._end(kind, *rest)

    def _message(self) -> tuple[Any, ...]:
        try:
            return tuple(_receive(self._results))
        except EOFError:
            status = self._reap()
            raise RuntimeError("the process drawing the figures ended unexpectedly ("
                               + (f"signal {-status}" if status < 0 else f"exit status "
                                  f"{status}") + ")") from self._send_error
        except BaseException:
            self.close()
            raise

    def _end(self, kind: str, *rest: Any) -> list[DrawnFigure]:
        self._reap()
        *payload, caught = rest
        return list(child_outcome(kind, payload, caught, "the process drawing the figures"))

    def _reap(self) -> int:
        """Wait for the child to exit; its exit status (minus the signal if killed)."""
        status = 0
        if self.pid is not None:
            _, raw = os.waitpid(self.pid, 0)
            status = os.waitstatus_to_exitcode(raw)
            self.pid = None
        if self._life is not None:  # the helper, if any, is gone too (killed with the child)
            while os.read(self._life, 4096):
                pass
            os.close(self._life)
            self._life = None
        if self._sender is not None:
            self._sender.join()
            self._sender = None
        if self._results is not None:
            self._results.close()
            self._results = None
        if self._job is not None:
            os.close(self._job)
            self._job = None
        return status

    def close(self) -> None:
        """Kill the child if it still runs and reap it (nothing writes after this)."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover - reaped below
                pass
        self._reap()
