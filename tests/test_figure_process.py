"""The command line draws the figures in a forked process (ahpstat._figures._process):
the same files as drawn in process, errors and warnings raised in the parent, no child left
behind whatever ends the parent.

Each test runs a fresh interpreter: the fork is made only from a process with no other
thread (pytest's may have some), as the command line is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from tests._base_study import copy_base_study

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the figure process forks on Linux only")

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def _python(code: str, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args],
                          capture_output=True, text=True, env=ENV, timeout=300, **kw)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie no one reaped yet counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and _alive(int(p.name)):
                out.append(int(p.name))
    return out


def test_same_files_as_in_process_and_errors_and_warnings_reach_the_parent(tmp_path):
    study = copy_base_study(tmp_path / "s")
    code = """
    import os, sys, warnings
    from pathlib import Path
    from ahpstat._figures import _draw
    from ahpstat._figures._process import FigureProcess
    from ahpstat.study import Study

    def run(res, folder):
        folder.mkdir()
        with FigureProcess.start() as fp:
            assert fp.active and fp.pid != 0
            fp.submit(res, folder, res.study.figures)
            names = [f.name for f in fp.built()]
            done = fp.finish()
            assert fp.pid is None  # reaped
        assert [f.name for f in done] == names
        return done

    res = Study.from_yaml(sys.argv[1]).run()
    out = Path(sys.argv[2])
    forked = run(res, out / "forked")
    (out / "here").mkdir()
    assert _draw.draw_all(res, out / "here", res.study.figures) == forked

    # a drawer that warns, then one that fails: both reach this process
    def warns(res, names):
        warnings.warn("drawn with care", RuntimeWarning)
        return None

    def fails(res, names):
        raise ValueError("no such colour")

    DRAWERS = _draw._DRAWERS
    _draw._DRAWERS = (("w", warns), ("f", fails))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            run(res, out / "failed")
        except ValueError as exc:
            assert "no such colour" in str(exc)
            note = "".join(getattr(exc, "__notes__", []))
            assert "In the process drawing the figures" in note and "fails" in note, note
        else:
            raise AssertionError("the child's error was not raised")
    assert [str(w.message) for w in caught] == ["drawn with care"], caught
    assert caught[0].category is RuntimeWarning

    # saving is shared with a helper process: its warnings and its error come back too
    _draw._DRAWERS = DRAWERS
    save = _draw._save_png

    main = os.getpid()

    def noisy_save(fig, path, *a):
        warnings.warn(f"saving {path.name}", UserWarning)
        if FAIL and os.getppid() != main:  # the helper's parent is the figure process
            raise OSError(28, "No space left on device")
        save(fig, path, *a)

    _draw._save_png = noisy_save
    FAIL = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(res, out / "noisy")
    saved = sorted(str(w.message) for w in caught)
    assert saved == sorted(f"saving {f}" for f in os.listdir(out / "here")), saved
    FAIL = True
    try:
        run(res, out / "full")
    except OSError as exc:
        assert exc.errno == 28
        assert "In the helper process saving figures" in "".join(exc.__notes__)
    else:
        raise AssertionError("the helper's error was not raised")
    print("ok")
    """
    p = _python(code, str(study), str(tmp_path))
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr
    forked, here = tmp_path / "forked", tmp_path / "here"
    names = sorted(x.name for x in here.iterdir())
    assert names and sorted(x.name for x in forked.iterdir()) == names
    for name in names:  # byte for byte the figures drawn in process
        assert (forked / name).read_bytes() == (here / name).read_bytes(), name


def test_the_child_dies_with_its_parent(tmp_path):
    """``kill -9`` of the parent while the child draws (no ``finally`` runs in the parent):
    the kernel ends the child at once, it does not finish its figures."""
    study = copy_base_study(tmp_path / "s")
    code = """
    import sys, time
    from pathlib import Path
    from ahpstat._figures import _draw
    from ahpstat._figures._process import FigureProcess
    from ahpstat.study import Study

    save = _draw._save_png
    def slow_save(*a):  # each process has at least 0.9 s of saving left when the parent dies
        time.sleep(1.0)
        save(*a)
    _draw._save_png = slow_save
    res = Study.from_yaml(sys.argv[1]).run()
    folder = Path(sys.argv[2])
    folder.mkdir()
    fp = FigureProcess.start()
    fp.submit(res, folder, res.study.figures)
    fp.built()
    print(fp.pid, flush=True)
    time.sleep(120)
    """
    p = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), str(study),
                          str(tmp_path / "o")], text=True, stdout=subprocess.PIPE, env=ENV)
    try:
        child = int(p.stdout.readline())
        assert _alive(child)
        t0 = time.monotonic()  # the helper is forked once the figures are built
        while not (helpers := _children(child)) and time.monotonic() - t0 < 10:
            time.sleep(0.005)
    finally:
        p.kill()
        p.wait()
    t0 = time.monotonic()
    while _alive(child) and time.monotonic() - t0 < 10:
        time.sleep(0.01)
    assert not _alive(child)
    assert time.monotonic() - t0 < 0.6  # killed, not done drawing (under load: generous)
    assert len(list((tmp_path / "o").iterdir())) < 4  # it stopped mid-way
    # and its helper, which shares the saving of the figures, with it
    t0 = time.monotonic()
    while any(_alive(h) for h in helpers) and time.monotonic() - t0 < 10:
        time.sleep(0.01)
    assert helpers and not any(_alive(h) for h in helpers)
    assert time.monotonic() - t0 < 0.6


@pytest.mark.slow  # (the command line's signal tests in test_output.py draw figures too)
@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_leaves_no_child_and_no_folder(tmp_path, sig, code):
    """A signal to the command line while the child draws: the usual exit, the child killed
    and reaped, the temporary folder removed (nothing writes into it afterwards)."""
    study = copy_base_study(tmp_path / "s")
    out = tmp_path / "o"
    slow = textwrap.dedent("""
    import sys, time
    from ahpstat._figures import _draw
    from ahpstat.cli import main
    save = _draw._save_png
    def slow_save(*a):  # the child saves slowly: the signal comes while it draws
        time.sleep(0.4)
        save(*a)
    _draw._save_png = slow_save
    sys.exit(main())
    """)
    p = subprocess.Popen([sys.executable, "-c", slow, "run", str(study), "--out", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        t0 = time.monotonic()
        children: list[int] = []
        helpers: list[int] = []
        while time.monotonic() - t0 < 60 and p.poll() is None:
            children = _children(p.pid)
            helpers = [h for c in children for h in _children(c)]
            if helpers:
                break  # the child has built the figures and shares their saving
            time.sleep(0.005)
        assert children and helpers, "no figure process and helper seen"
        p.send_signal(sig)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == code, err
    assert "Traceback" not in err
    assert not any(_alive(c) for c in children + helpers)
    time.sleep(0.2)  # a child still writing would show up here
    assert sorted(x.name for x in tmp_path.iterdir()) == ["s"]
