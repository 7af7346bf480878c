"""Memory estimates refuse impossible runs up front, in ``check`` as in ``run``."""

from __future__ import annotations

import doctest
import time

import numpy as np
import pytest

import ahpstat as ah
import ahpstat._limits as limits_mod
from _base_study import copy_base_study
from ahpstat import InputError
from ahpstat._limits import bootstrap_bytes, memory_budget
from ahpstat.cli import main
from ahpstat.study import check_study


def test_doctests():
    assert doctest.testmod(limits_mod, optionflags=doctest.ELLIPSIS).failed == 0


def test_budget_env_override(monkeypatch):
    monkeypatch.setenv("AHPSTAT_MEMORY_LIMIT", "2GiB")
    assert memory_budget() == (2 * 2**30, "AHPSTAT_MEMORY_LIMIT")
    monkeypatch.setenv("AHPSTAT_MEMORY_LIMIT", "lots")
    with pytest.raises(InputError, match="AHPSTAT_MEMORY_LIMIT must be a size"):
        memory_budget()


def test_bootstrap_estimate_counts_the_stored_draws():
    """Independent count: joint, panel, sample, weights (N x B each) and group scores
    (G x N x B), float64, twice for the sorted copies."""
    B, N, G = 1000, 8, 3
    stored = 4 * N * B * 8 + G * N * B * 8
    assert bootstrap_bytes(B, N, G) == 2 * stored


@pytest.mark.parametrize("command", ["check", "run"])
def test_absurd_replicates_refused_by_check_and_run(tmp_path, capsys, command):
    study = copy_base_study(tmp_path / "s", extra="bootstrap: {replicates: 1000000000000}\n")
    args = [command, str(study)] + (["--out", str(tmp_path / "o")] if command == "run" else [])
    t0 = time.perf_counter()
    assert main(args) == 1
    assert time.perf_counter() - t0 < 60  # refused up front, not after allocating
    err = capsys.readouterr().err
    assert "the bootstrap would need about" in err and "TiB" in err
    assert "Lower `bootstrap.n_resamples`" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_replicates_within_budget_pass(tmp_path, monkeypatch):
    study = copy_base_study(tmp_path / "s", extra="bootstrap: {replicates: 3000}\n")
    assert check_study(study) == []
    # 3000 x 8 nodes x (4 + 2) x 16 bytes = 2.3 MB: refused under a 1 MB budget
    monkeypatch.setenv("AHPSTAT_MEMORY_LIMIT", "1MB")
    problems = check_study(study)
    assert len(problems) == 1 and "at most about 1,302 fit" in str(problems[0])
    assert main(["check", str(study), ]) == 1


def _chain(n: int) -> np.ndarray:
    A = np.full((n, n), np.nan)
    np.fill_diagonal(A, 1.0)
    for i in range(n - 1):
        A[i, i + 1], A[i + 1, i] = 2.0, 0.5
    return A


def test_completion_of_a_1000_chain_refused_at_once():
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=r"optimal completion of a 1000 x 1000 matrix with "
                                         r"498501 missing judgments would need about [0-9.]+ TiB"):
        ah.consistency(_chain(1000), index="cr")
    assert time.perf_counter() - t0 < 60
    # what the message proposes works
    assert np.isfinite(float(ah.consistency(_chain(1000), index="gci").value))


def test_completion_small_still_runs():
    c = ah.consistency(_chain(5), index="cr")
    assert c.completion == "optimal" and c.value == pytest.approx(0.0, abs=1e-8)
