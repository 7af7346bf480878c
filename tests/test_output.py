"""The output folder never loses a user's file: every ``--out`` case, the lock, umask,
stale folders of killed runs, SIGINT/SIGTERM and ``kill -9`` with real subprocesses."""

from __future__ import annotations

import doctest
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ahpstat._output as output_mod
from _base_study import copy_base_study
from ahpstat import InputError
from ahpstat._output import STAMP, OutputFolder, write_folder
from ahpstat.cli import main
from ahpstat.io import sha256_file
from ahpstat.output import write_study


def test_doctests():
    assert doctest.testmod(output_mod, optionflags=doctest.ELLIPSIS).failed == 0


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("study") / "s"
    copy_base_study(d)
    return d


def _run(study_dir, out, *extra, cwd=None):
    args = ["run", str(study_dir / "study.yaml"), "--out", str(out), "--no-figures", *extra]
    if cwd is None:
        return main(args)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return main(args)
    finally:
        os.chdir(old)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _no_litter(parent: Path, name: str) -> None:
    left = [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]
    assert left == [], left


# --------------------------------------------------------------------------- --out cases


def test_new_folder_and_rerun_replace(study_dir, tmp_path):
    out = tmp_path / "deep" / "out"
    assert _run(study_dir, out) == 0
    first = _snapshot(out)
    assert "provenance.json" in first and STAMP in first
    stamp = json.loads(first[STAMP])
    assert stamp["state"] == "complete"
    assert set(stamp["files"]) == set(first) - {STAMP}
    # a second run replaces the folder it wrote; a file a run no longer writes disappears
    (out / "old_figure.png").unlink(missing_ok=True)
    assert _run(study_dir, out) == 0
    assert _snapshot(out).keys() == first.keys()
    _no_litter(out.parent, "out")


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_folders_and_files_follow_umask(study_dir, tmp_path, umask):
    old = os.umask(umask)
    try:
        out = write_folder(tmp_path / f"o{umask:o}", lambda d: (d / "a.csv").write_text("x\n"))
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask
    assert (out / "a.csv").stat().st_mode & 0o777 == 0o666 & ~umask


def test_refuses_the_study_folder(study_dir, capsys):
    before = _snapshot(study_dir)
    assert _run(study_dir, study_dir) == 1
    err = capsys.readouterr().err
    assert "holds the input file" in err and "--out" in err and "Traceback" not in err
    assert _snapshot(study_dir) == before


def test_refuses_the_working_folder_and_its_ancestors(study_dir, tmp_path, capsys):
    work = tmp_path / "work" / "sub"
    work.mkdir(parents=True)
    (work / "mine.txt").write_text("keep")
    for out in (".", "..", str(work)):
        assert _run(study_dir, out, cwd=work) == 1
        err = capsys.readouterr().err
        assert "working folder" in err, err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _run(study_dir, ".", cwd=empty) == 1  # even an empty working folder
    assert (work / "mine.txt").read_text() == "keep"


def test_refuses_a_foreign_folder_even_with_force(study_dir, tmp_path, capsys):
    d = tmp_path / "d"
    (d / "chapters").mkdir(parents=True)
    (d / "thesis.docx").write_bytes(b"PK\x03\x04 thesis")
    (d / "chapters" / "one.tex").write_text("\\chapter{One}")
    before = _snapshot(d)
    for extra in ((), ("--force",)):
        assert _run(study_dir, d, *extra) == 1
        err = capsys.readouterr().err
        assert "not written by ahpstat" in err and "thesis.docx" in err, err
        assert "even with --force" in err
    assert _snapshot(d) == before
    _no_litter(tmp_path, "d")


def test_refuses_a_file_and_a_symlink(study_dir, tmp_path, capsys):
    f = tmp_path / "results"
    f.write_text("a file")
    assert _run(study_dir, f) == 1
    assert "this is a file" in capsys.readouterr().err
    assert f.read_text() == "a file"
    target = tmp_path / "real"
    assert _run(study_dir, target) == 0
    link = tmp_path / "link"
    link.symlink_to(target)
    assert _run(study_dir, link) == 1
    assert "symbolic link" in capsys.readouterr().err
    assert link.is_symlink() and (target / STAMP).is_file()


def test_empty_folder_is_used(study_dir, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert _run(study_dir, out) == 0
    assert (out / "provenance.json").is_file()


def test_changed_output_needs_force_added_file_is_never_deleted(study_dir, tmp_path, capsys):
    out = tmp_path / "o"
    assert _run(study_dir, out) == 0
    with open(out / "report.md", "a") as fh:
        fh.write("my notes\n")
    assert _run(study_dir, out) == 1
    err = capsys.readouterr().err
    assert "report.md changed since ahpstat wrote it" in err and "--force" in err
    assert "my notes" in (out / "report.md").read_text()
    assert _run(study_dir, out, "--force") == 0
    assert "my notes" not in (out / "report.md").read_text()
    (out / "notes.txt").write_text("mine")
    for extra in ((), ("--force",)):
        assert _run(study_dir, out, *extra) == 1
        err = capsys.readouterr().err
        assert "did not write (notes.txt)" in err
    assert (out / "notes.txt").read_text() == "mine"


def test_output_of_ahpstat_0_1_needs_force(study_dir, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "provenance.json").write_text(json.dumps({"package": "ahpstat", "version": "0.1.0"}))
    (out / "weights.csv").write_text("node\nG\n")
    (out / "report.md").write_text("# Study\n")
    assert _run(study_dir, out) == 1
    assert "earlier ahpstat" in capsys.readouterr().err
    assert _run(study_dir, out, "--force") == 0
    assert (out / STAMP).is_file()
    # a folder with a provenance.json of someone else is foreign
    other = tmp_path / "other"
    other.mkdir()
    (other / "provenance.json").write_text("{}")
    assert _run(study_dir, other, "--force") == 1
    assert (other / "provenance.json").read_text() == "{}"


def test_python_api_refuses_too(study_dir, tmp_path):
    from ahpstat.study import Study

    res = Study.from_yaml(study_dir / "study.yaml").run()
    d = tmp_path / "d"
    d.mkdir()
    (d / "thesis.docx").write_text("x")
    with pytest.raises(InputError, match=r"the output folder .*not written by ahpstat"):
        write_study(res, d, figures=False)
    with pytest.raises(InputError, match="holds the input file"):
        write_study(res, study_dir, figures=False)
    out = write_study(res, tmp_path / "o", figures=False)
    (out / "report.md").write_text("changed")
    with pytest.raises(InputError, match="force=True"):
        write_study(res, out, figures=False)
    write_study(res, out, figures=False, force=True)


def test_failure_while_filling_leaves_previous_output(tmp_path):
    out = write_folder(tmp_path / "o", lambda d: (d / "a.csv").write_text("1\n"))
    before = _snapshot(out)

    def fill(d):
        (d / "a.csv").write_text("2\n")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_folder(out, fill)
    assert _snapshot(out) == before
    _no_litter(tmp_path, "o")
    with pytest.raises(OSError):
        write_folder(tmp_path / "new" / "o", fill)
    assert not (tmp_path / "new").exists()  # parents it created are gone again


@pytest.mark.parametrize("exchange", [True, False])
def test_replace_with_and_without_renameat2(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(output_mod, "_renameat2", lambda *a: False)
    out = write_folder(tmp_path / "o", lambda d: (d / "a.csv").write_text("1\n"))
    write_folder(out, lambda d: (d / "b.csv").write_text("2\n"))
    assert sorted(_snapshot(out)) == [STAMP, "b.csv"]
    _no_litter(tmp_path, "o")


def test_crash_between_two_renames_is_recovered(tmp_path, monkeypatch):
    """Without renameat2 the swap is two renames; a crash between them leaves the previous
    output only in .o.old-*: the next run must move it back before anything else."""
    out = write_folder(tmp_path / "o", lambda d: (d / "a.csv").write_text("1\n"))
    before = _snapshot(out)
    monkeypatch.setattr(output_mod, "_renameat2", lambda *a: False)
    real_rename = os.rename

    def crash(src, dst):
        real_rename(src, dst)
        if Path(dst).name.startswith(".o.old-"):
            raise SystemExit("killed")  # stands for kill -9 right after the first rename

    monkeypatch.setattr(output_mod.os, "rename", crash)
    with pytest.raises(SystemExit):
        write_folder(out, lambda d: (d / "b.csv").write_text("2\n"))
    monkeypatch.setattr(output_mod.os, "rename", real_rename)
    assert not out.exists() and any(p.name.startswith(".o.old-") for p in tmp_path.iterdir())
    with OutputFolder(out):  # the next run (or check of the folder) repairs first
        assert _snapshot(out) == before
    _no_litter(tmp_path, "o")


def test_stale_folders_of_killed_runs(tmp_path):
    out = write_folder(tmp_path / "o", lambda d: (d / "a.csv").write_text("1\n"))
    ours = tmp_path / ".o.tmp-abc123"
    ours.mkdir()
    (ours / STAMP).write_text("")  # a stamp cut short
    (ours / "weights.csv").write_text("half")
    empty = tmp_path / ".o.tmp-empty_1"
    empty.mkdir()
    stale_old = tmp_path / ".o.old-xyz"
    stale_old.mkdir()
    (stale_old / "a.csv").write_text("1\n")
    (stale_old / STAMP).write_text(json.dumps(
        {"kind": "ahpstat output folder", "files": {"a.csv": sha256_file(
            out / "a.csv")}}))
    foreign = tmp_path / ".o.tmp-notours"
    foreign.mkdir()
    (foreign / "data.txt").write_text("someone's")
    write_folder(out, lambda d: (d / "a.csv").write_text("2\n"))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".o.tmp-notours", "o"]
    assert (foreign / "data.txt").read_text() == "someone's"


def test_stale_folder_written_into_while_removed(tmp_path, monkeypatch):
    # a killed run's figure process dies a moment after it and can create one more file in
    # the run's temporary folder while the next run removes that folder (seen in
    # test_kill_9_at_random_moments): the folder must still go, not stay with that file
    out = write_folder(tmp_path / "o", lambda d: (d / "a.csv").write_text("1\n"))
    ours = tmp_path / ".o.tmp-late1"
    ours.mkdir()
    (ours / STAMP).write_text("")
    (ours / "weights.csv").write_text("half")
    real = shutil.rmtree
    passes = []

    def rmtree_with_straggler(path, ignore_errors=False):
        passes.append(Path(path).name)
        real(path, ignore_errors=ignore_errors)
        if len(passes) == 1 and Path(path) == ours:  # a PNG landed during the first pass
            ours.mkdir()
            (ours / "figure.png").write_bytes(b"late")

    monkeypatch.setattr(output_mod.shutil, "rmtree", rmtree_with_straggler)
    monkeypatch.setattr(output_mod, "_REMOVE_PAUSE", 0.0, raising=False)
    write_folder(out, lambda d: (d / "a.csv").write_text("2\n"))
    assert passes[:2] == [".o.tmp-late1", ".o.tmp-late1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_stale_folder_that_cannot_go_is_not_retried_for_long(tmp_path, monkeypatch):
    # a stamped folder whose files cannot be removed (permissions, say) is not a straggler's:
    # the next run gives up after the second pass with the same leftovers, not after 20
    out = write_folder(tmp_path / "o", lambda d: (d / "a.csv").write_text("1\n"))
    stuck = tmp_path / ".o.tmp-stuck1"
    stuck.mkdir()
    (stuck / STAMP).write_text("")
    passes = []
    monkeypatch.setattr(output_mod.shutil, "rmtree",
                        lambda path, ignore_errors=False: passes.append(path))
    monkeypatch.setattr(output_mod, "_REMOVE_PAUSE", 0.0, raising=False)
    write_folder(out, lambda d: (d / "a.csv").write_text("2\n"))
    assert len(passes) == 2
    assert (out / "a.csv").read_text() == "2\n"


def test_stale_folder_killed_while_writing_its_first_stamp(tmp_path):
    out = write_folder(tmp_path / "o", lambda d: (d / "a.csv").write_text("1\n"))
    ours = tmp_path / ".o.tmp-part1"
    ours.mkdir()
    (ours / (STAMP + ".part")).write_text('{"kind": "ahpstat out')  # cut short
    write_folder(out, lambda d: (d / "a.csv").write_text("2\n"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


class _Killed(BaseException):
    pass


@pytest.mark.parametrize("k", range(4))
def test_previous_output_removed_stamp_last(tmp_path, monkeypatch, k):
    # killed after k files of the replaced output were deleted: what is left still carries
    # its stamp, so the next run's repair removes it (an unstamped folder it must keep)
    old = write_folder(tmp_path / ".o.tmp-old1", lambda d: [
        (d / f"t{i}.csv").write_text("x\n") for i in range(3)])
    ours = {p.name for p in old.iterdir()}
    real, n = os.unlink, []

    def unlink(path, *a, **kw):
        if len(n) == k:
            raise _Killed
        n.append(path)
        return real(path, *a, **kw)

    monkeypatch.setattr(output_mod.os, "unlink", unlink)
    with pytest.raises(_Killed):
        output_mod._remove_ours(old, ours)
    monkeypatch.undo()
    assert (old / STAMP).is_file()
    write_folder(tmp_path / "o", lambda d: (d / "a.csv").write_text("1\n"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


# --------------------------------------------------------------------------- processes

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def _slow_study(folder: Path) -> Path:
    """A study whose run takes a few seconds (bootstrap) and draws figures."""
    return copy_base_study(folder, n_respondents=200, extra="bootstrap: {n_resamples: 4000}\n")


def _cli(*args: str, **kw):
    return subprocess.Popen([sys.executable, "-m", "ahpstat.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ENV, **kw)


def _wait_for(cond, timeout=60.0):
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError("timed out")
        time.sleep(0.01)


def test_concurrent_run_fails_at_once(tmp_path):
    study = _slow_study(tmp_path / "s")
    out = tmp_path / "o"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from ahpstat._output import OutputFolder\n"
         f"with OutputFolder({str(out)!r}):\n"
         "    print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        p = _cli("run", str(study), "--out", str(out), "--no-figures")
        _, err = p.communicate(timeout=120)
        assert p.returncode == 1
        assert f"another ahpstat run (process {holder.pid}) is writing this folder" in err
        assert "Traceback" not in err
        # it failed before running the study (the run alone takes seconds)
        assert time.monotonic() - t0 < 30
    finally:
        holder.kill()
        holder.wait()
    assert not out.exists()
    # the holder was killed: its lock is free for the next run, which removes the lock file
    p = _cli("run", str(study), "--out", str(out), "--no-figures", "--no-bootstrap")
    assert p.wait(timeout=120) == 0, p.stderr.read()
    _no_litter(tmp_path, "o")


def _tmp_exists(parent: Path, name: str) -> bool:
    return any(p.name.startswith(f".{name}.tmp-") for p in parent.iterdir())


_INT, _TERM = (signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")


# each signal and each phase once in the default suite; the other two pairs are ``slow``
@pytest.mark.parametrize("when,sig,code,word", [
    ("running", *_INT), ("writing", *_TERM),
    pytest.param("running", *_TERM, marks=pytest.mark.slow),
    pytest.param("writing", *_INT, marks=pytest.mark.slow)])
def test_signal_exits_cleanly_and_keeps_previous_output(tmp_path, sig, code, word, when):
    study = _slow_study(tmp_path / "s")
    out = tmp_path / "o"
    assert _run(tmp_path / "s", out) == 0
    before = _snapshot(out)
    p = _cli("run", str(study), "--out", str(out))
    if when == "running":
        _wait_for(lambda: (tmp_path / ".o.lock").exists())
        time.sleep(0.5)
    else:  # while the new folder is being filled (tables, report, figures)
        _wait_for(lambda: _tmp_exists(tmp_path, "o"))
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    lines = err.strip().splitlines()
    if p.returncode == 0:  # the signal came after the swap was done: never the case here
        pytest.fail(f"signal swallowed: {err}")
    assert p.returncode == code, err
    # one line about the interrupt (warnings the study itself raises may precede it)
    ours = [ln for ln in lines if ln.startswith("ahpstat:")]
    assert len(ours) == 1 and lines[-1] == ours[0], err
    assert ours[0].startswith(f"ahpstat: {word}"), err
    assert "Traceback" not in err
    after = _snapshot(out)
    assert after == before or json.loads(after[STAMP])["state"] == "complete"
    _no_litter(tmp_path, "o")


@pytest.mark.parametrize("sig,exc", [(signal.SIGINT, KeyboardInterrupt),
                                     (signal.SIGTERM, output_mod.Terminated)])
def test_signal_inside_a_finalizer_is_silent_and_still_stops(sig, exc, capsys, monkeypatch):
    """A signal whose exception is raised inside ``__del__`` (llvmlite's objects while numba
    compiles) cannot propagate there: Python would print "Exception ignored in ..." with a
    traceback and go on. Nothing is printed, and the run still stops at the next check."""
    ran_del = []

    class Finalized:
        def __del__(self):
            ran_del.append(True)
            signal.raise_signal(sig)  # the handler runs here, inside the finalizer
            ran_del.append("after")  # not reached: the handler raised

    # Python's own hook (pytest's would turn the message into a warning instead)
    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)
    hook = sys.unraisablehook
    with pytest.raises(exc):
        with output_mod.Interrupts() as interrupts:
            obj = Finalized()
            del obj  # the exception is swallowed by the finalizer ...
            assert ran_del == [True] and interrupts.got == sig
            interrupts.reraise()  # ... and raised again where the run checks
    assert sys.unraisablehook is hook
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Exception ignored" not in err, err


@pytest.mark.parametrize("sig,exc", [(signal.SIGINT, KeyboardInterrupt),
                                     (signal.SIGTERM, output_mod.Terminated)])
def test_signal_during_an_import_waits_for_it(sig, exc, tmp_path, monkeypatch):
    """A signal that comes while a module initialises is raised once the import is done:
    raised inside it, it can leave a C extension half made (matplotlib's ft2font), and the
    interpreter then aborted at exit (SIGABRT) instead of exiting with 130/143."""
    name = f"ahpstat_test_import_{sig}"
    (tmp_path / f"{name}.py").write_text(
        f"import signal\nsignal.raise_signal({int(sig)})\nDONE = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(exc):
            with output_mod.Interrupts():
                __import__(name)  # the handler runs inside the module's code
                time.sleep(5)  # ... and the signal is raised here, after the import
        assert sys.modules[name].DONE  # the whole module ran
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        sys.modules.pop(name, None)


def _kill_trials(tmp_path: Path, n: int, seed: int) -> None:
    gen = random.Random(seed)
    study = _slow_study(tmp_path / "s")
    out = tmp_path / "o"
    assert _run(tmp_path / "s", out) == 0
    t0 = time.monotonic()
    p = _cli("run", str(study), "--out", str(out))
    assert p.wait(timeout=300) == 0
    total = time.monotonic() - t0
    for _ in range(n):
        previous = _snapshot(out)
        p = _cli("run", str(study), "--out", str(out))
        time.sleep(gen.uniform(0.2, total))
        p.kill()
        p.wait()
        now = _snapshot(out)
        stamp = json.loads(now[STAMP])
        # either the previous output, untouched, or the new one, complete
        if now != previous:
            assert stamp["state"] == "complete"
            assert set(stamp["files"]) == set(now) - {STAMP}
            assert all(sha256_file(out / f) == h for f, h in stamp["files"].items())
        with OutputFolder(out):  # what the next run does first
            pass
        _no_litter(tmp_path, "o")


def test_kill_9_at_random_moments_small(tmp_path):
    _kill_trials(tmp_path, 2, seed=1)


@pytest.mark.slow
def test_kill_9_at_random_moments(tmp_path):
    _kill_trials(tmp_path, 25, seed=2)


def test_write_csv_is_pandas_to_csv_with_the_float_format(tmp_path, monkeypatch):
    # the float64 columns are formatted before pandas sees them: the file must be the one
    # pandas writes with float_format=FLOAT_FORMAT (NaN, infinities, signed zeros, tiny and
    # huge numbers, a one-column table whose empty cell pandas quotes, other dtypes beside)
    import numpy as np
    import pandas as pd

    from ahpstat._text import neutralize_frame
    from ahpstat.output import FLOAT_FORMAT, write_csv

    rng = np.random.default_rng(0)
    x = rng.standard_normal(400) * 10.0 ** rng.integers(-12, 12, 400)
    x[::7] = np.nan
    x[1:6] = [np.inf, -np.inf, -0.0, 0.0, 1e300]
    frames = {
        "mixed": pd.DataFrame({"node": ["=a", "b,c", '"q"', ""] * 100, "v": x,
                               "n": np.arange(400), "f32": np.float32(1 / 3) * np.arange(400),
                               "ok": x > 0, "o": pd.Series([1.5, None, "x", np.nan] * 100,
                                                           dtype=object)}),
        "one": pd.DataFrame({"v": [np.nan, 1.0, 2.5e-7]}),
        "empty": pd.DataFrame({"v": np.array([], dtype=float), "t": []}),
    }
    for rows in (None, 7, 400):  # written in slices of that many rows (the default, ...)
        if rows:
            monkeypatch.setattr("ahpstat.output._CSV_ROWS", rows)
        for name, df in frames.items():
            ours, ref = tmp_path / f"{name}.csv", tmp_path / f"{name}.ref.csv"
            write_csv(df, ours)
            neutralize_frame(df).to_csv(ref, index=False, float_format=FLOAT_FORMAT,
                                        lineterminator="\n")
            assert ours.read_bytes() == ref.read_bytes(), (name, rows)
    assert frames["one"].v.dtype == np.float64  # the caller's table is not changed


def test_library_versions_are_the_installed_distributions_versions():
    # read once per process (cached), the same as asking importlib.metadata each time
    from importlib.metadata import PackageNotFoundError, version

    from ahpstat._versions import CORE, library_versions

    got = library_versions()
    assert got == library_versions()
    for name in ("ahpstat", *CORE):
        try:
            assert got[name] == version(name)
        except PackageNotFoundError:
            assert name not in got
