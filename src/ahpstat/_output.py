"""The output folder: never lose a user's files, never leave half a result.

One function writes a study's output folder, :func:`write_folder` (or, holding the folder for
a whole run, :class:`OutputFolder`). Its rules:

- The output path may be a new folder, an empty folder, or a folder an earlier ahpstat run
  wrote (it carries a ``.ahpstat`` stamp listing every file written, with its SHA-256,
  beside ``provenance.json``) that holds nothing else. Anything else is refused with an
  :class:`~ahpstat.InputError` that says what is there and how to proceed: a file, a
  symbolic link, a folder that is or holds an input file or the working folder, a non-empty
  folder ahpstat did not write, an ahpstat folder to which other files were added.
- ``force`` may replace only folders ahpstat wrote: one whose files were edited since, or one
  written by ahpstat 0.1 (``provenance.json`` of ahpstat, no stamp). It never deletes a file
  ahpstat did not write.
- The new folder is written beside the old one as ``.NAME.tmp-*`` and swapped in with one
  atomic rename (``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere two renames whose
  interruption the next run repairs): at every moment the output path holds either the
  previous complete output or the new complete output. Stale ``.NAME.tmp-*`` / ``.NAME.old-*``
  folders of killed runs are removed (or, for a previous output left only in ``.NAME.old-*``,
  moved back) by the next run.
- A lock file ``.NAME.lock`` beside the folder: a second run on the same folder fails at once.
- SIGINT/SIGTERM while writing: the temporary folder is removed, the previous output stays;
  during the swap itself the signal is held back until the swap is done.
- Folders get the user's umask (``mkdtemp`` would give 0700).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ahpstat._validation import InputError
from ahpstat.io import sha256_file

__all__ = ["STAMP", "Interrupts", "OutputFolder", "Terminated", "write_folder"]

#: the file an output folder carries to say that ahpstat wrote it (JSON: the files written)
STAMP = ".ahpstat"
_MARKER = "provenance.json"
_STAMP_KIND = "ahpstat output folder"
# file names an ahpstat 0.1 output folder (no stamp) may hold
_LEGACY_NAME = re.compile(r"[A-Za-z0-9_]+\.(?:csv|png)|report\.(?:md|html)|provenance\.json")


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM (by the command line's handler), so that every
    ``finally`` runs: the temporary folder is removed, the previous output stays.
    """


#: seconds after which a signal that came during an import is delivered again
IMPORT_RETRY_S = 0.02


def _importing(frame: Any) -> bool:
    """Whether ``frame`` (the one a signal interrupted) runs inside an import."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back
    return False


class Interrupts:
    """While active (``with Interrupts():``, main thread): SIGINT raises
    ``KeyboardInterrupt`` and SIGTERM :class:`Terminated` (once an import under way has
    finished), and both are remembered, so that
    a signal some library swallowed still stops the run: :meth:`reraise` raises it again,
    and :meth:`OutputFolder.write` does so before it swaps a new folder in. ``note`` is
    the end of the one-line message to print on exit (what happened to the output).
    """

    active: Interrupts | None = None

    def __init__(self) -> None:
        self.got: int | None = None
        self.note = ""
        self._old: dict[int, Any] = {}
        self._old_hook: Callable[[Any], Any] | None = None

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
                if s is not None:
                    self._old[s] = signal.signal(s, self._handle)
            self._old_hook = sys.unraisablehook
            sys.unraisablehook = self._unraisable
        Interrupts.active = self
        return self

    def __exit__(self, *exc: Any) -> None:
        Interrupts.active = None
        if self._old_hook is not None:
            sys.unraisablehook = self._old_hook
            self._old_hook = None
        for s, h in self._old.items():
            # once a signal came, it decided how the run ends: a second one (or one still
            # pending) must not raise again during shutdown, where Python would end the
            # process by the signal instead of the exit status chosen for the first
            signal.signal(s, signal.SIG_IGN if self.got is not None else h)
        self._old = {}

    def _handle(self, signum: int, frame: Any) -> None:
        self.got = signum
        if _importing(frame):
            # An exception raised while a module initialises can leave a C extension half
            # made (matplotlib's ft2font: "initialization failed", then the interpreter
            # aborts at exit with SIGABRT instead of the exit status). Let the import finish:
            # the signal comes again shortly, and is raised where no import runs.
            timer = (threading.Timer(IMPORT_RETRY_S, signal.pthread_kill,
                                     (threading.main_thread().ident, signum))
                     if hasattr(signal, "pthread_kill")  # to the main thread: wakes a sleep
                     else threading.Timer(IMPORT_RETRY_S, signal.raise_signal, (signum,)))
            timer.daemon = True
            timer.start()
            return
        self.reraise()

    def _unraisable(self, info: Any) -> None:
        # The handler's exception raised inside a finalizer (``__del__`` of some library's
        # object, e.g. llvmlite's while numba compiles) cannot propagate: Python would print
        # "Exception ignored in ..." with a traceback. The signal is remembered in ``got``
        # and raised again before the output is swapped in, so say nothing here.
        if self.got is not None and isinstance(info.exc_value, KeyboardInterrupt | Terminated):
            return
        assert self._old_hook is not None
        self._old_hook(info)

    def reraise(self) -> None:
        """Raise ``KeyboardInterrupt`` / :class:`Terminated` if a signal came."""
        if self.got is None:
            return
        if self.got == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated


# --------------------------------------------------------------------------- names


class _Names:
    """How messages name the output option and the force option (CLI or Python)."""

    def __init__(self, cli: bool) -> None:
        self.out = "--out" if cli else "the output folder"
        self.force = "--force" if cli else "force=True"


def _show_entries(names: list[str], k: int = 3) -> str:
    shown = ", ".join(names[:k])
    return shown + (f" and {len(names) - k} more" if len(names) > k else "")


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


# --------------------------------------------------------------------------- stamp


def _entries(folder: Path) -> tuple[list[str], list[str]]:
    """(files, folders) under ``folder`` as relative POSIX paths; symbolic links count as
    files (never followed).
    """
    files: list[str] = []
    dirs: list[str] = []
    for root, dnames, fnames in os.walk(folder, followlinks=False):
        rel = Path(root).relative_to(folder)
        for d in dnames:
            p = Path(root, d)
            (files if p.is_symlink() else dirs).append((rel / d).as_posix())
        files.extend((rel / f).as_posix() for f in fnames)
    return sorted(files), sorted(dirs)


def _read_stamp(folder: Path) -> dict[str, Any] | None:
    p = folder / STAMP
    if p.is_symlink() or not p.is_file():
        return None
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}  # our name, unreadable content: a stamp cut short by a killed run
    return d if isinstance(d, dict) and d.get("kind") == _STAMP_KIND else {}


def _write_stamp(folder: Path, state: str, files: dict[str, str] | None = None) -> None:
    import ahpstat

    body = {"kind": _STAMP_KIND, "version": ahpstat.__version__, "state": state,
            "files": files or {}}
    tmp = folder / (STAMP + ".part")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(body, fh, indent=1, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / STAMP)


def _legacy(folder: Path, files: list[str], dirs: list[str]) -> bool:
    """An ahpstat 0.1 output folder: its provenance.json, only names it writes."""
    if dirs or _MARKER not in files or not all(_LEGACY_NAME.fullmatch(f) for f in files):
        return False
    try:
        prov = json.loads((folder / _MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(prov, dict) and prov.get("package") == "ahpstat"


class _Verdict:
    """What is at the output path, and which of its files ahpstat may delete."""

    def __init__(self, kind: str, *, ours: set[str] | None = None,
                 extra: list[str] | None = None, changed: list[str] | None = None) -> None:
        self.kind = kind            # missing | empty | ours | legacy | foreign
        self.ours = ours or set()   # files ahpstat wrote (deletable)
        self.extra = extra or []    # files ahpstat did not write
        self.changed = changed or []  # files ahpstat wrote, changed since


def _inspect(folder: Path) -> _Verdict:
    """Classify an existing folder (never follows symbolic links)."""
    files, dirs = _entries(folder)
    if not files and not dirs:
        return _Verdict("empty")
    stamp = _read_stamp(folder)
    if stamp:
        listed = stamp.get("files") or {}
        if not isinstance(listed, dict):
            listed = {}
        extra = [f for f in files if f != STAMP and f not in listed]
        # reading only: no fsync (it made every check of a folder of ~30 files cost about
        # 0.1 s of disk flushes, four checks per run into an existing folder)
        changed = [f for f in files if f in listed and not Path(folder, f).is_symlink()
                   and sha256_file(folder / f) != listed[f]]
        ours = {STAMP, *(f for f in files if f in listed)}
        return _Verdict("ours", ours=ours, extra=extra, changed=changed)
    if _legacy(folder, files, dirs):
        return _Verdict("legacy", ours=set(files))
    return _Verdict("foreign", extra=files + [d + "/" for d in dirs
                                              if not any(f.startswith(d + "/")
                                                         for f in files)])


def _remove_ours(folder: Path, ours: set[str]) -> bool:
    """Delete the files ``ours`` of ``folder``, then its folders that are left empty.
    True when the folder is gone (nothing else was in it).

    The stamp goes last: a run killed half-way leaves a folder that still says it is ours,
    which the next run's repair removes (an unstamped one it must leave alone).
    """
    files, dirs = _entries(folder)
    last = (STAMP + ".part", STAMP)
    for f in sorted(files, key=lambda f: last.index(f) + 1 if f in last else 0):
        if f in ours:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(folder / f)
    for d in sorted(dirs, key=lambda s: s.count("/"), reverse=True):
        with contextlib.suppress(OSError):
            os.rmdir(folder / d)
    try:
        os.rmdir(folder)
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------- rename


_AT_FDCWD = -100
_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2
_renameat2_fn: Any = None


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """Linux ``renameat2``; False when the system or the file system lacks it."""
    global _renameat2_fn
    if not sys.platform.startswith("linux"):
        return False
    if _renameat2_fn is None:
        import ctypes

        try:
            fn = ctypes.CDLL(None, use_errno=True).renameat2
        except (AttributeError, OSError):
            _renameat2_fn = False
            return False
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                       ctypes.c_uint]
        fn.restype = ctypes.c_int
        _renameat2_fn = fn
    if _renameat2_fn is False:
        return False
    import ctypes

    if _renameat2_fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    e = ctypes.get_errno()
    if e in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(e, os.strerror(e), str(src), None, str(dst))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    with _UMASK_LOCK:
        m = os.umask(0o022)
        os.umask(m)
    return m


_UMASK_LOCK = threading.Lock()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT/SIGTERM arriving inside the block are delivered when it ends (main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    sigs = [s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None]
    old = {s: signal.getsignal(s) for s in sigs}

    def hold(signum: int, frame: Any) -> None:
        got.append(signum)

    for s in sigs:
        signal.signal(s, hold)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        for s in dict.fromkeys(got):
            h = old[s]
            if callable(h):
                h(s, None)
            elif h == signal.SIG_DFL:
                if s == signal.SIGINT:
                    raise KeyboardInterrupt
                signal.raise_signal(s)


# --------------------------------------------------------------------------- lock


_HELD: dict[str, list[Any]] = {}  # lock path -> [fd, count, cli] held by this process
_HELD_LOCK = threading.Lock()


class _Busy(Exception):
    def __init__(self, pid: str) -> None:
        self.pid = pid


def _lock_acquire(path: Path, cli: bool) -> bool:
    """Take the lock (re-entrant in this process); return the outermost holder's ``cli``."""
    key = os.path.abspath(path)
    with _HELD_LOCK:
        if key in _HELD:
            _HELD[key][1] += 1
            return bool(_HELD[key][2])
        while True:
            fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                _flock(fd)
            except BlockingIOError:
                try:
                    pid = os.read(fd, 32).decode("ascii", "replace").strip()
                finally:
                    os.close(fd)
                raise _Busy(pid) from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(key))
            except FileNotFoundError:
                same = False
            if not same:  # removed by its holder between our open and our lock: retry
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            _HELD[key] = [fd, 1, cli]
            return cli


def _lock_release(path: Path) -> None:
    key = os.path.abspath(path)
    with _HELD_LOCK:
        held = _HELD.get(key)
        if held is None:
            return
        held[1] -= 1
        if held[1] > 0:
            return
        del _HELD[key]
        with contextlib.suppress(FileNotFoundError):
            os.unlink(key)
        os.close(held[0])


#: a killed run's figure processes die a moment after it (``PR_SET_PDEATHSIG``); a file one
#: of them was creating can land in its temporary folder while that folder is removed:
#: passes and the pause between them, enough for a SIGKILLed process to finish its syscall
_REMOVE_PASSES = 20
_REMOVE_PAUSE = 0.05


def _remove_tmp(tmp: Path) -> None:
    """Remove a stamped temporary folder of a killed run, again while a straggler's last file
    keeps it from going (everything in it is that run's: the stamp says so).
    """
    left = None
    for k in range(_REMOVE_PASSES):
        shutil.rmtree(tmp, ignore_errors=True)
        if not os.path.lexists(tmp):
            return
        now = _entries(tmp) if tmp.is_dir() else None
        if now == left:  # the same left twice: not a straggler (permissions, say): stop
            return
        left = now
        if k + 1 < _REMOVE_PASSES:
            time.sleep(_REMOVE_PAUSE)


def _flock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            raise BlockingIOError from None
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


# --------------------------------------------------------------------------- the folder


class OutputFolder:
    """Hold an output folder for a run: lock it, check it may be replaced, write it.

    ``with OutputFolder(out, inputs=..., force=...) as folder:`` takes the lock (a second
    run on the same folder fails at once), repairs what killed runs left, and checks the
    path (see the module's rules; :class:`~ahpstat.InputError` if refused); then
    ``folder.write(fill)`` calls ``fill(tmp)`` to fill a new folder and swaps it in.
    Re-entrant within one process.

    Parameters
    ----------
    out : path
        The output folder.
    inputs : iterable of paths
        The run's input files: a folder that is or holds one is never replaced.
    force : bool
        Also replace a folder ahpstat wrote whose files were changed since, or an ahpstat
        0.1 output (no stamp). Never a folder holding files ahpstat did not write.
    cli : bool
        Name the options as the command line spells them (``--out``, ``--force``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with OutputFolder(d / "out") as folder:
    ...     out = folder.write(lambda tmp: (tmp / "provenance.json").write_text("{}"))
    >>> sorted(p.name for p in out.iterdir())
    ['.ahpstat', 'provenance.json']
    >>> _ = (d / "out" / "thesis.docx").write_text("mine")
    >>> with OutputFolder(d / "out") as folder:  # doctest: +ELLIPSIS
    ...     pass
    Traceback (most recent call last):
    ...
    ahpstat._validation.InputError: ...holds files ahpstat did not write (thesis.docx)...
    """

    def __init__(self, out: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = (),
                 force: bool = False, cli: bool = False) -> None:
        self.out = Path(os.path.abspath(out))
        self.given = str(out)
        self.inputs = [Path(p) for p in inputs]
        self.force = bool(force)
        self.cli = bool(cli)
        self.names = _Names(cli)
        self.parent = self.out.parent
        self.lock = self.parent / f".{self.out.name}.lock"
        self._created: list[Path] = []
        self._entered = 0
        self._verdict: _Verdict | None = None

    # ------------------------------------------------------------------ context

    def __enter__(self) -> OutputFolder:
        if self._entered:
            self._entered += 1
            return self
        if not self.out.name or self.out == self.out.parent:
            raise self._error("this is the root of the file system; choose a new folder.")
        self._make_parent()
        try:
            self.names = _Names(_lock_acquire(self.lock, self.cli))
        except _Busy as exc:
            self._drop_parents()
            who = f" (process {exc.pid})" if exc.pid else ""
            raise self._error(f"another ahpstat run{who} is writing this folder right now; "
                              f"wait for it to finish, or choose another {self.names.out}."
                              ) from None
        except BaseException:
            self._drop_parents()
            raise
        self._entered = 1
        try:
            self._repair()
            self._verdict = self._check()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        if Interrupts.active is not None:
            Interrupts.active.note = self._unchanged_note()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._entered -= 1
        if self._entered > 0:
            return
        self._entered = 0
        _lock_release(self.lock)
        if not self.out.exists():
            self._drop_parents()

    def _make_parent(self) -> None:
        missing = []
        p = self.parent
        while not p.exists() and p != p.parent:
            missing.append(p)
            p = p.parent
        self.parent.mkdir(parents=True, exist_ok=True)
        self._created = missing

    def _drop_parents(self) -> None:
        for p in self._created:  # deepest first; only if still empty
            try:
                p.rmdir()
            except OSError:
                break
        self._created = []

    def _error(self, message: str) -> InputError:
        return InputError(f"{self.names.out} {self.given}: {message}")

    # ------------------------------------------------------------------ checks

    def _check(self) -> _Verdict:
        out, n = self.out, self.names
        if out.is_symlink():
            raise self._error(f"this is a symbolic link (to {os.readlink(out)}); give a new "
                              f"folder for {n.out}, or the real folder it points to.")
        if not out.exists():
            return _Verdict("missing")
        if not out.is_dir():
            raise self._error(f"this is a file, not a folder; ahpstat writes a folder of tables "
                              f"there. Choose a new folder for {n.out} (the file is left as "
                              "it is).")
        real = os.path.realpath(out)
        for p in self.inputs:
            if _within(os.path.realpath(p), real):
                raise self._error(f"the folder holds the input file {p}; replacing it would "
                                  f"delete the study's inputs. Choose a new folder for "
                                  f"{n.out}, e.g. {Path(self.given) / 'results'}.")
        if _within(os.path.realpath(os.getcwd()), real):
            raise self._error(f"the folder is (or holds) the working folder {os.getcwd()}; "
                              f"replacing it would delete everything in it. Choose a new "
                              f"folder for {n.out}, e.g. results.")
        v = _inspect(out)
        if v.extra:
            what = ("the folder was written by ahpstat but now also holds files ahpstat did "
                    f"not write ({_show_entries(v.extra)})" if v.kind == "ours" else
                    "the folder is not empty and was not written by ahpstat (it holds "
                    f"{_show_entries(v.extra)})")
            raise self._error(f"{what}; ahpstat replaces only folders it wrote and never "
                              f"deletes other files, even with {n.force}. Choose a new or "
                              f"empty folder for {n.out}, or move those files elsewhere.")
        if v.kind == "ours" and v.changed and not self.force:
            many = len(v.changed) > 1
            raise self._error(f"{_show_entries(v.changed)} changed since ahpstat wrote "
                              f"{'them' if many else 'it'}; replacing the folder would lose "
                              f"{'those changes' if many else 'that change'}. Run again with "
                              f"{n.force} to replace it, or choose another {n.out}.")
        if v.kind == "legacy" and not self.force:
            raise self._error(f"the folder looks like the output of an earlier ahpstat "
                              f"({_MARKER}, no {STAMP} stamp); run again with {n.force} to "
                              f"replace it, or choose another {n.out}.")
        return v

    # ------------------------------------------------------------------ repair

    def _stale(self) -> tuple[list[Path], list[Path]]:
        name = re.escape(self.out.name)
        tmp_re = re.compile(rf"\.{name}\.tmp-[A-Za-z0-9_]+")
        old_re = re.compile(rf"\.{name}\.old-[A-Za-z0-9_]+")
        tmps, olds = [], []
        with os.scandir(self.parent) as it:
            for e in it:
                if e.is_symlink() or not e.is_dir():
                    continue
                if tmp_re.fullmatch(e.name):
                    tmps.append(Path(e.path))
                elif old_re.fullmatch(e.name):
                    olds.append(Path(e.path))
        return sorted(tmps), sorted(olds, key=lambda p: p.stat().st_mtime, reverse=True)

    def _repair(self) -> None:
        """Undo what killed runs left: move a previous output stranded in ``.NAME.old-*``
        back, remove our stale temporary folders (only ours: stamped, or empty).
        """
        tmps, olds = self._stale()
        if olds and not self.out.exists() and not self.out.is_symlink():
            os.rename(olds.pop(0), self.out)  # the previous output, back where it was
        for old in olds:
            v = _inspect(old)
            if v.kind == "empty" or (v.kind in ("ours", "legacy") and not v.extra):
                _remove_ours(old, v.ours)
        for tmp in tmps:
            # a stamp, or the first stamp being written when the run was killed (nothing else
            # is in the folder before it)
            if any((tmp / s).is_file() and not (tmp / s).is_symlink()
                   for s in (STAMP, STAMP + ".part")):
                _remove_tmp(tmp)
            else:
                with contextlib.suppress(OSError):
                    tmp.rmdir()  # a run killed before its stamp: empty

    # ------------------------------------------------------------------ write

    def write(self, fill: Callable[[Path], Any]) -> Path:
        """Fill a new folder with ``fill(folder)`` and put it in place of the output path.

        A failure or an interrupt before the swap removes the new folder and leaves the
        previous output untouched; the swap itself is one rename. Returns the output path.
        """
        if not self._entered:
            with self:
                return self.write(fill)
        self._verdict = self._check()  # again: the folder may have changed during the run
        tmp: Path | None = None
        try:
            with _signals_held():  # a signal right after mkdtemp must not orphan the folder
                tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-", dir=self.parent))
            _write_stamp(tmp, "writing")
            os.chmod(tmp, 0o777 & ~_umask())
            fill(tmp)
            files, _ = _entries(tmp)
            manifest = {f: sha256_file(tmp / f, sync=True) for f in files
                        if f not in (STAMP, STAMP + ".part")}
            _write_stamp(tmp, "complete", manifest)
            _fsync_dir(tmp)
            guard = Interrupts.active
            with _signals_held():
                if guard is not None:
                    guard.reraise()  # a signal swallowed while filling: do not swap
                self._verdict = self._check()
                self._swap(tmp, self._verdict)
                if guard is not None:
                    guard.note = f"; the new output in {self.given} was complete"
        except BaseException:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            if Interrupts.active is not None and not Interrupts.active.note:
                Interrupts.active.note = self._unchanged_note()
            raise
        return self.out

    def _unchanged_note(self) -> str:
        return (f"; {self.given} is as it was" if self.out.exists()
                else f"; nothing was written to {self.given}")

    def _swap(self, tmp: Path, verdict: _Verdict) -> None:
        out = self.out
        if verdict.kind == "missing":
            if not _renameat2(tmp, out, _RENAME_NOREPLACE):
                os.rename(tmp, out)
            _fsync_dir(self.parent)
            return
        if _renameat2(tmp, out, _RENAME_EXCHANGE):
            old = tmp  # holds the previous output now
        else:
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=self.parent))
            os.rmdir(old)
            os.rename(out, old)
            try:
                os.rename(tmp, out)
            except BaseException:
                os.rename(old, out)
                raise
        _fsync_dir(self.parent)
        ours = verdict.ours | {STAMP, STAMP + ".part"}
        if verdict.kind == "empty":
            ours = set()
        if not _remove_ours(old, ours):
            # something was added to the previous output during the swap: keep all of it
            keep = self.parent / f"{out.name}.previous-{os.getpid()}"
            os.rename(old, keep)
            import warnings

            warnings.warn(f"{out}: files were added to the previous output while it was being "
                          f"replaced; the previous folder was kept as {keep}.", stacklevel=3)


def write_folder(out: str | os.PathLike, fill: Callable[[Path], Any], *,
                 inputs: Iterable[str | os.PathLike] = (), force: bool = False,
                 cli: bool = False) -> Path:
    """Write an output folder safely: ``fill(tmp)`` fills a new folder that replaces ``out``.

    See :class:`OutputFolder` for the rules (what may be replaced, ``force``, the lock).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> out = write_folder(d / "o", lambda tmp: (tmp / "a.csv").write_text("x\\n1\\n"))
    >>> out = write_folder(d / "o", lambda tmp: (tmp / "b.csv").write_text("y\\n2\\n"))
    >>> sorted(p.name for p in out.iterdir())
    ['.ahpstat', 'b.csv']
    """
    with OutputFolder(out, inputs=inputs, force=force, cli=cli) as folder:
        return folder.write(fill)
