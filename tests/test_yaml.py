"""YAML safety: alias bombs, deep nesting, duplicate keys, line numbers -- in the study file
and the hierarchy file, through the API, ``check`` and ``run``."""

from __future__ import annotations

import doctest
import time

import pytest

import ahpstat._yaml as yaml_mod
from _base_study import copy_base_study
from ahpstat import InputError
from ahpstat._yaml import MAX_DEPTH, parse_yaml
from ahpstat.cli import main
from ahpstat.hierarchy import Hierarchy
from ahpstat.study import Study, check_study

# the classic "billion laughs": 9 levels of 10 aliases = 10^9 strings once expanded
BOMB = "lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi",
                                                                 strict=True))


def test_doctests():
    assert doctest.testmod(yaml_mod, optionflags=doctest.ELLIPSIS).failed == 0


def _timed(fn, *a, **k):
    t0 = time.perf_counter()
    try:
        return fn(*a, **k), time.perf_counter() - t0
    except InputError as exc:
        return exc, time.perf_counter() - t0


def test_bomb_refused_quickly_with_line():
    exc, dt = _timed(parse_yaml, BOMB, file="s.yaml")
    assert isinstance(exc, InputError)
    # a guard against a hang (the unguarded run took 60-150 s), not a speed target
    assert dt < 10
    assert exc.location.line == 5 and "alias bomb" in str(exc)


def test_moderate_aliases_still_work():
    text = ("defaults: &d {draws: 10, chains: 2}\nbayes:\n  <<: *d\n  chains: 4\n"
            "lists: [*d, *d, *d]\n")
    data, lines = parse_yaml(text)
    assert data["bayes"] == {"draws": 10, "chains": 4}  # merge key then override: allowed
    assert lines["bayes.chains"] == 4


@pytest.mark.parametrize("where", ["study", "hierarchy"])
@pytest.mark.parametrize("command", ["check", "run"])
def test_bomb_in_study_or_hierarchy_through_cli(tmp_path, capsys, where, command):
    study = copy_base_study(tmp_path / "s")
    if where == "study":
        study.write_text(study.read_text() + "x_" + BOMB.replace("\n", "\nx_", 8))
    else:
        h = tmp_path / "s" / "hierarchy.yaml"
        h.write_text(h.read_text() + "description: &top\n" + "".join(
            "  " + ln + "\n" for ln in BOMB.splitlines()))
    args = [command, str(study)] + (["--out", str(tmp_path / "o")] if command == "run" else [])
    t0 = time.perf_counter()
    assert main(args) == 1
    assert time.perf_counter() - t0 < 10
    err = capsys.readouterr().err
    assert "alias bomb" in err and "line" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_duplicate_keys_name_both_lines(tmp_path):
    study = copy_base_study(tmp_path / "s")
    study.write_text(study.read_text() + "seed: 8\n")
    with pytest.raises(InputError, match=r"study\.yaml, line 6: the key 'seed' is given twice "
                                         r"in one mapping \(lines 5 and 6\)"):
        Study.from_yaml(study)
    h = tmp_path / "s" / "hierarchy.yaml"
    h.write_text("id: G\nlabel: goal\nlabel: again\nchildren: [{id: a}, {id: b}]\n")
    with pytest.raises(InputError, match=r"line 3: the key 'label' is given twice.*lines 2 and 3"):
        Hierarchy.from_yaml(h)


def test_deep_brackets_located_not_recursionerror():
    with pytest.raises(InputError, match=rf"line 1: the YAML nests .* more than {MAX_DEPTH}"):
        parse_yaml("x: " + "[" * 1000 + "]" * 1000 + "\n", file="h.yaml")
    with pytest.raises(InputError, match="line 1"):
        parse_yaml("[" * 100_000, file="h.yaml")  # unclosed as well


def _chain(levels: int) -> str:
    """A hierarchy `levels` deep written as nested block YAML (one node per level)."""
    out = []
    for d in range(levels):
        pad = "  " * d
        out.append(f"{pad}- id: n{d}\n" if d else "id: n0\n")
        out.append(f"{pad}  children:\n" if d else "children:\n")
    out.append("  " * levels + "- id: leaf\n")
    return "".join(out)


def test_deep_hierarchy_file(tmp_path):
    p = tmp_path / "h.yaml"
    p.write_text(_chain(300))
    with pytest.raises(InputError, match=r"h\.yaml, line \d+: the YAML nests"):
        Hierarchy.from_yaml(p)
    p.write_text(_chain(20))  # a deep but reasonable hierarchy still reads
    assert Hierarchy.from_yaml(p).n_levels == 21


def test_study_errors_carry_the_line(tmp_path, capsys):
    study = copy_base_study(tmp_path / "s", extra="bootstrap:\n  replicates: many\n")
    with pytest.raises(InputError, match=r"study\.yaml, line 7: `bootstrap\.replicates`"):
        Study.from_yaml(study)
    study.write_text(study.read_text().replace("replicates: many", "replicate: 200"))
    problems = check_study(study)
    assert len(problems) == 1 and problems[0].location.line == 7
    assert "bootstrap.replicate" in str(problems[0])


def test_yaml_syntax_error_located(tmp_path):
    p = tmp_path / "h.yaml"
    p.write_text("id: A\nchildren: [{id: b}\n")
    with pytest.raises(InputError, match=r"h\.yaml, line \d+: not valid YAML, column \d+"):
        Hierarchy.from_yaml(p)


def test_not_utf8_and_too_large(tmp_path, monkeypatch):
    p = tmp_path / "s.yaml"
    p.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(InputError, match="not UTF-8 text"):
        Study.from_yaml(p)
    monkeypatch.setattr(yaml_mod, "MAX_BYTES", 10)
    p.write_text("name: a long enough study\n")
    with pytest.raises(InputError, match="is not read"):
        Study.from_yaml(p)


def test_control_characters_located():
    with pytest.raises(InputError, match=r"h\.yaml, line 2: not valid YAML: the character "
                                         r"0x0000 is not allowed"):
        parse_yaml("id: a\n\x00b: 1\n", file="h.yaml")


def test_bracket_pile_refused_before_scanning():
    """PyYAML's scanner walks a pile of brackets slowly; the nesting is measured first."""
    text = "x: " + "[" * 200_000 + "]" * 200_000 + "\n"
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=r"line 1: the YAML nests"):
        parse_yaml(text, file="s.yaml")
    assert time.perf_counter() - t0 < 10  # a hang guard; about 0.1 s on a quiet machine
    data, _ = parse_yaml("a: '" + "[" * 500 + "'\n")  # quoted brackets are text
    assert data == {"a": "[" * 500}
