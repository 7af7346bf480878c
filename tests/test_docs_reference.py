"""The study-file reference page (docs/study_file.md) is generated from the schema.

Independent of the generator's own logic, the checks go from ``schema_frame()`` (the schema
as a table) to the rendered Markdown: every section has its heading, every key its row under
that heading, and the default shown there parses back (as YAML) to the schema's default.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from ahpstat.study import STUDY_SCHEMA, schema_frame

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("study_reference",
                                                  DOCS / "_ext" / "study_reference.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def sections(generator):
    """The rendered page split by its ``## `` headings: title -> {key: (value, default)}."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    current = None
    for line in generator.render().splitlines():
        if line.startswith("## "):
            current = out.setdefault(line[3:].strip(), {})
            continue
        m = re.match(r"\| `([^`]+)` \| (.*?) \| (.*?) \| (.*) \|$", line)
        if m and current is not None:
            assert m.group(1) not in current, f"key {m.group(1)} twice in one section"
            current[m.group(1)] = (m.group(2), m.group(3))
    return out


def _plain(v):
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def test_every_schema_key_is_in_the_reference(generator, sections):
    frame = schema_frame()
    assert len(frame) > 50 and frame.section.nunique() == len(STUDY_SCHEMA)
    for row in frame.itertuples():
        title = generator.section_title(row.section)
        assert title in sections, f"no heading for section {row.section!r}"
        assert row.key in sections[title], f"{row.section}.{row.key} is not in the reference"
        value, default = sections[title][row.key]
        assert value == row.expect.replace("|", "\\|")
        if row.default == "required":
            assert default == "**required**", (row.section, row.key)
        else:
            shown = yaml.safe_load(default.strip("`").replace("\\|", "|"))
            want = _plain(STUDY_SCHEMA[row.section].key(row.key).default)
            assert shown == want, (row.section, row.key, default)
        for alias in row.aliases:
            assert f"`{alias}`" in generator.render(), alias
    # nothing in the page that the schema does not have
    assert sum(len(keys) for keys in sections.values()) == len(frame)


def test_the_page_includes_the_generated_tables_and_is_in_the_toctree():
    page = (DOCS / "study_file.md").read_text(encoding="utf-8")
    assert "_generated/study_file_reference.md" in page
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert "write_reference" in conf and "study_file_reference.md" in conf
    assert re.search(r"^study_file$", (DOCS / "index.md").read_text(encoding="utf-8"), re.M)


def test_doctests(generator):
    import doctest

    assert doctest.testmod(generator, raise_on_error=True).failed == 0


# ---------------------------------------------------------------- the hierarchy file


def _hierarchy_tables(generator) -> dict[str, dict[str, str]]:
    """docs/hierarchy_file.md's generated tables: heading -> {key: default}."""
    out: dict[str, dict[str, str]] = {}
    current = None
    for line in generator.render_hierarchy().splitlines():
        if line.startswith("## "):
            current = out.setdefault(line[3:].strip(), {})
        m = re.match(r"\| `([^`]+)` \| (.*?) \| (.*?) \| (.*) \|$", line)
        if m and current is not None:
            current[m.group(1)] = m.group(3)
    return out


def test_the_hierarchy_reference_lists_exactly_the_keys_the_reader_accepts(generator):
    from ahpstat._validation import InputError
    from ahpstat.hierarchy import Hierarchy

    tables = _hierarchy_tables(generator)
    top, node = tables["Top level of the file"], tables["In every node"]
    assert {"hierarchy", "levels"} <= set(top) and {"id", "label", "children", "item"} <= set(node)
    assert top["hierarchy"] == node["id"] == "**required**"
    # the reader, not the declaration, is the judge: every documented key is read without
    # complaint where the page puts it (free-text keys get some words) ...
    values = {"levels": ["goal", "item"], "label": "Goal", "item": "q1"}
    leaf = {k: values.get(k, "some words") for k in node if k not in ("id", "children")}
    tree = {"id": "G", "children": [{"id": "a", **leaf}, {"id": "b"}]}
    doc = {k: values.get(k, "some words") for k in top if k != "hierarchy"}
    h = Hierarchy.from_dict({**doc, "hierarchy": tree})
    assert h.level_name(1) == "item" and h.item("a") == "q1" and h.label("a") == "Goal"
    # ... and a key the page does not list is refused, at the top level and in a node
    for bad in ({"hierarchy": tree, "lvels": ["g", "i"]},
                {"hierarchy": {"id": "G", "children": [{"id": "a", "lable": "x"}]}}):
        with pytest.raises(InputError, match="unknown"):
            Hierarchy.from_dict(bad)


def test_the_hierarchy_page_includes_the_generated_tables_and_is_in_the_toctree():
    page = (DOCS / "hierarchy_file.md").read_text(encoding="utf-8")
    assert "_generated/hierarchy_file_reference.md" in page
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert "write_hierarchy_reference" in conf and "hierarchy_file_reference.md" in conf
    assert re.search(r"^hierarchy_file$", (DOCS / "index.md").read_text(encoding="utf-8"), re.M)


# ---------------------------------------------------------------- one run per docs build


def test_shared_runs_compute_a_study_run_once_per_build(tmp_path, monkeypatch):
    """The gallery and Tutorial 3 share the seed study's run (docs/_ext/shared_runs.py):
    the second identical ``Study.run`` is loaded, not computed; other arguments or other
    input bytes are another run; without the build's variable nothing changes.
    """
    import ahpstat.study
    from ahpstat.datasets import write_example_study
    from ahpstat.study import Study

    spec = importlib.util.spec_from_file_location("shared_runs", DOCS / "_ext" / "shared_runs.py")
    assert spec is not None and spec.loader is not None
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    monkeypatch.setattr(ahpstat.study.Study, "run", Study.run)  # restored after the test
    monkeypatch.delenv(shared.ENV, raising=False)
    original = Study.run
    shared.install()
    assert Study.run is original  # not a docs build: untouched

    calls = []
    monkeypatch.setattr(Study, "run", lambda self, **kw: calls.append(kw) or original(self, **kw))
    monkeypatch.setenv(shared.ENV, str(tmp_path / "runs"))
    shared.install()
    study = Study.from_yaml(write_example_study(tmp_path / "study"))
    a = study.run(bootstrap=False)
    b = Study.from_yaml(study.source).run(bootstrap=False)
    assert len(calls) == 1 and a is not b and b.scores.equals(a.scores)
    assert len(list((tmp_path / "runs").glob("*.pickle"))) == 1
    study.run(bootstrap=False, evaluation=False)  # other arguments: another run
    assert len(calls) == 2
    survey = Path(study.source).parent / study.survey.path
    survey.write_bytes(survey.read_bytes() + b"\n")  # other input bytes: another run
    Study.from_yaml(study.source).run(bootstrap=False)
    assert len(calls) == 3
