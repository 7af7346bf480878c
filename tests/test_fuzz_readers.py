"""Hypothesis fuzzing of the input readers: random bytes, truncated files and deleted cells
in every input file of a study. Whatever the damage: ``check`` returns located
``InputError`` s or nothing (never another exception, never a write), and when ``check``
finds nothing, ``run`` succeeds (check = run). A small version runs by default; the
``slow`` one tries many more inputs."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ahpstat import InputError
from ahpstat.cli import main
from ahpstat.study import Study, check_study

BASE = Path(__file__).parent / "data" / "bad" / "_base"
EW = "expert,weight\nE1,1\nE2,1\nE3,2\nE4,1\n"
FILES = ["judgments.csv", "survey.csv", "hierarchy.yaml", "study.yaml", "experts.csv"]


def _study(folder: Path) -> Path:
    shutil.copytree(BASE, folder)
    (folder / "experts.csv").write_text(EW)
    s = folder / "study.yaml"
    s.write_text(s.read_text() + "expert_weights: experts.csv\n")
    return s


def _original(name: str) -> bytes:
    with tempfile.TemporaryDirectory() as t:
        return (_study(Path(t) / "s") / ".." / name).resolve().read_bytes()


ORIGINAL = {n: _original(n) for n in FILES}


@st.composite
def damaged(draw, name: str) -> bytes:
    data = ORIGINAL[name]
    kind = draw(st.sampled_from(["bytes", "truncate", "cells", "splice"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "splice":  # random bytes in the middle of the file
        k = draw(st.integers(0, len(data)))
        return data[:k] + draw(st.binary(min_size=1, max_size=8)) + data[k:]
    # delete or blank random cells (CSV) or tokens (YAML)
    text = data.decode()
    if name.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(text)))
        for _ in range(draw(st.integers(1, 6))):
            i = draw(st.integers(0, len(rows) - 1))
            if not rows[i]:
                continue
            j = draw(st.integers(0, len(rows[i]) - 1))
            if draw(st.booleans()):
                del rows[i][j]
            else:
                rows[i][j] = ""
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue().encode()
    tokens = text.split(" ")
    for _ in range(draw(st.integers(1, 4))):
        if tokens:
            del tokens[draw(st.integers(0, len(tokens) - 1))]
    return " ".join(tokens).encode()


def _check_and_run(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as t:
        folder = Path(t) / "s"
        study = _study(folder)
        (folder / name).write_bytes(content)
        before = sorted(p.name for p in folder.iterdir())
        problems = check_study(study)  # any exception but InputError fails the test
        assert all(isinstance(p, InputError) and str(p) for p in problems)
        assert sorted(p.name for p in folder.iterdir()) == before  # check writes nothing
        if problems:
            with pytest.raises(InputError):
                Study.from_yaml(study).run()
            code = main(["run", str(study), "--out", str(Path(t) / "out"), "--no-figures"])
            assert code == 1 and not (Path(t) / "out").exists()
        else:
            Study.from_yaml(study).run()  # check said OK: run must agree


def _fuzz(name: str, n: int):
    @settings(max_examples=n, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(content=damaged(name))
    def inner(content):
        _check_and_run(name, content)

    inner()


@pytest.mark.parametrize("name", FILES)
def test_fuzz_small(name, capsys):
    _fuzz(name, 12)


@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_fuzz(name, capsys):
    _fuzz(name, 400)
