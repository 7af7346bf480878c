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
