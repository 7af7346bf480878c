"""Tests of the ``ahpstat`` command line: outputs and exit codes (0 ok, 1 user, 2 usage)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _numpy_state import hugepage_setting
from ahpstat._limits import small_pages
from ahpstat.cli import main

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "studies" / "hangzhou_2022"


def _have(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


needs_io = pytest.mark.skipif(not (_have("ahpstat.io") and _have("ahpstat.hierarchy")),
                              reason="ahpstat.io / ahpstat.hierarchy not available")


def _matrix(tmp_path, text, name="m.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_weights_text_and_json(tmp_path, capsys):
    p = _matrix(tmp_path, ",a,b,c\na,1,3,5\nb,1/3,1,2\nc,1/5,1/2,1\n")
    assert main(["weights", str(p)]) == 0
    out = capsys.readouterr().out
    assert "a  0.6483" in out and "CR 0.0032" in out and "table 'saaty'" in out
    assert main(["weights", str(p), "--json", "--method", "geometric_mean",
                 "--random-index", "alonso_lamata"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["random_index"] == "alonso_lamata" and d["random_index_value"] == 0.5245
    assert d["weights"]["a"] == pytest.approx(0.6483, abs=1e-4)


def test_weights_saaty_drinks(tmp_path, capsys):
    # Saaty's drinks matrix (docs/methods.md): eigenvector 0.1775 ... 0.3268, lambda_max 7.177
    u = ["9", "5", "2", "1", "1", "1/2", "1/3", "1/9", "1/9", "1/9", "1/9", "1/3", "1/4",
         "1/3", "1/9", "1/2", "1", "1/3", "2", "1/2", "1/3"]
    from fractions import Fraction

    n = 7
    M = [["1"] * n for _ in range(n)]
    k = 0
    for i in range(n):
        for j in range(i + 1, n):
            M[i][j] = u[k]
            M[j][i] = str(1 / Fraction(u[k]))
            k += 1
    p = _matrix(tmp_path, "\n".join(",".join(r) for r in M) + "\n")
    assert main(["weights", str(p), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [round(v, 4) for v in d["weights"].values()] == [0.1775, 0.0191, 0.0418, 0.1164,
                                                             0.1896, 0.1288, 0.3268]
    assert d["lambda_max"] == pytest.approx(7.177, abs=1e-3)


@pytest.mark.parametrize(("text", "message"), [
    ("1,3,x\n1/3,1,2\n0.2,0.5,1\n", r"m\.csv, row 1, column '3': 'x' is not a number"),
    ("1,3\n1/3,1,2\n", r"m\.csv, row 2: the matrix must be square"),
    ("1,3\n3,1\n", r"m\.csv: the matrix is not reciprocal"),
    ("1,-3\n-1/3,1\n", r"m\.csv: the matrix entries must be positive"),
])
def test_weights_bad_matrix_exit_1(tmp_path, capsys, text, message):
    p = _matrix(tmp_path, text)
    assert main(["weights", str(p)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    import re

    assert re.search(message, err), err


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["run", "study.yaml"]) == 2  # --out is required
    assert main(["weights", "m.csv", "--method", "magic"]) == 2
    assert main(["run", "s.yaml", "--out", "o", "--seed", "abc"]) == 2
    capsys.readouterr()


def test_missing_files_exit_1(tmp_path, capsys):
    assert main(["weights", str(tmp_path / "none.csv")]) == 1
    assert main(["run", str(tmp_path / "none.yaml"), "--out", str(tmp_path / "o")]) == 1
    assert main(["check", str(tmp_path / "none.yaml")]) == 1
    err = capsys.readouterr().err
    assert err.count("does not exist") == 3 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


@needs_io
def test_run_and_check(tmp_path, capsys):
    out = tmp_path / "out"
    # the bootstrap through the CLI: test_run_bootstrap_progress_and_switches
    assert main(["run", str(STUDY / "study.yaml"), "--out", str(out), "--no-figures",
                 "--no-bayes", "--no-sensitivity", "--no-evaluation", "--no-bootstrap"]) == 0
    text = capsys.readouterr().out
    assert f"Report: {out / 'report.html'}" in text
    assert (out / "weights.csv").is_file() and not (out / "hierarchy.png").exists()
    assert main(["check", str(STUDY / "study.yaml")]) == 0
    assert "OK" in capsys.readouterr().out


@needs_io
def test_run_user_error_exit_1_nothing_written(tmp_path, capsys):
    dst = tmp_path / "study"
    shutil.copytree(STUDY, dst, ignore=shutil.ignore_patterns("__pycache__"))
    y = dst / "study.yaml"
    y.write_text(y.read_text().replace("policy: keep", "policy: ignore"))
    out = tmp_path / "out"
    assert main(["run", str(y), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "study.yaml, line 21: `consistency.policy` must be one of" in err
    assert "Traceback" not in err and not out.exists()
    assert main(["check", str(y)]) == 1
    assert "1 problem found" in capsys.readouterr().err


@needs_io
def test_console_script_cold_process(tmp_path):
    exe = Path(sys.executable).with_name("ahpstat")
    if not exe.exists():
        pytest.skip("console script not installed")
    # a fresh process: the entry point, the imports, the run and the output (the compiled
    # bootstrap kernels' cold start: the CLI subprocesses of tests/test_output.py)
    r = subprocess.run([str(exe), "run", str(STUDY / "study.yaml"), "--out",
                        str(tmp_path / "o"), "--no-figures", "--no-bayes", "--no-sensitivity",
                        "--no-evaluation", "--no-bootstrap"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(exe), "run", str(STUDY / "study.yaml")], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "--out" in r.stderr


@needs_io
def test_run_bootstrap_progress_and_switches(tmp_path, capsys):
    from ahpstat.datasets import write_example_study

    y = write_example_study(tmp_path / "s", sites=[f"s{k}" for k in range(20)],
                       extra="bootstrap:\n  n_resamples: 600\n  cluster: site\n")
    out = tmp_path / "o"
    # stderr is not a terminal under pytest: no bar unless asked for
    assert main(["run", str(y), "--out", str(out), "--no-figures"]) == 0
    cap = capsys.readouterr()
    assert "Bootstrap: 600 resamples; goal 95% interval [" in cap.out
    assert "bootstrap [" not in cap.err
    assert main(["run", str(y), "--out", str(out), "--no-figures", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "bootstrap [" in err and err.rstrip().endswith("600/600")
    assert main(["run", str(y), "--out", str(out), "--no-figures", "--no-bootstrap"]) == 0
    assert "Bootstrap:" not in capsys.readouterr().out
    assert not (out / "variance_split.csv").exists()
    assert main(["run", str(y), "--out", str(out), "--no-figures", "--no-bayes",
                 "--bootstrap"]) == 0
    assert (out / "variance_split.csv").is_file()
    capsys.readouterr()


@needs_io
@pytest.mark.slow
def test_run_bayes_flag_overrides_the_file(tmp_path, capsys):
    from ahpstat.datasets import write_example_study

    y = write_example_study(tmp_path / "s", n_experts=5,
                       extra="bayes:\n  enabled: false\n  draws: 200\n  tune: 200\n"
                             "  chains: 2\n")
    out = tmp_path / "o"
    assert main(["run", str(y), "--out", str(out), "--no-figures", "--bayes"]) == 0
    assert "Bayes: 2 x 200 draws" in capsys.readouterr().out
    assert (out / "bayes_diagnostics.csv").is_file()


@needs_io
def test_check_prints_every_problem(tmp_path, capsys):
    from ahpstat.datasets import write_example_study

    y = write_example_study(tmp_path / "s")
    for name, rows, bad in (("judgments.csv", (2, 4), ("-3", "abc")),
                            ("survey.csv", (1, 3), ("7", "0"))):
        f = tmp_path / "s" / name
        lines = f.read_text().splitlines()
        for r, v in zip(rows, bad, strict=True):
            lines[r] = lines[r].rsplit(",", 1)[0] + "," + v
        f.write_text("\n".join(lines) + "\n")
    assert main(["check", str(y)]) == 1
    err = capsys.readouterr().err
    assert "4 problems found:" in err
    for k, where in enumerate(["judgments.csv, row 3", "judgments.csv, row 5",
                               "survey.csv, row 2", "survey.csv, row 4"], start=1):
        assert f"  {k}. " in err and where in err, where


def test_main_restores_the_gc_thresholds(capsys):
    """`main` raises the collector's thresholds for a command's run only (a library user
    calling it in process keeps theirs)."""
    import gc

    from ahpstat import cli

    before = gc.get_threshold()
    assert cli.main(["--version"]) == 0
    assert gc.get_threshold() == before
    assert cli.main(["no-such-command"]) == 2
    assert gc.get_threshold() == before


def test_run_advises_no_huge_pages_and_restores_numpys_setting(monkeypatch):
    import ahpstat.cli as cli

    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    before = hugepage_setting()
    seen = []
    monkeypatch.setattr(cli, "_run_command", lambda args: seen.append(hugepage_setting()) or 0)
    assert main(["run", "study.yaml", "--out", "o"]) == 0
    assert seen == [False]
    assert hugepage_setting() == before
    with pytest.raises(RuntimeError, match="stop"), small_pages() as changed:
        assert changed and not hugepage_setting()
        raise RuntimeError("stop")
    assert hugepage_setting() == before


def test_numpys_own_hugepage_switch_is_left_to_decide(monkeypatch):
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    before = hugepage_setting()
    with small_pages() as changed:
        assert not changed
        assert hugepage_setting() == before
