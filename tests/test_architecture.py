"""docs/architecture.md describes the import-linter contracts of pyproject.toml, which
`make lint` enforces: the contract is the source of truth, and the page must say what it says.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "ahpstat"
ALL_CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "tool"]["importlinter"]["contracts"]
CONTRACTS = [c for c in ALL_CONTRACTS if c["type"] == "layers"]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _names(layer: str) -> list[str]:
    return [m.strip() for m in re.split(r"[|:]", layer)]


def _sections(package: str) -> list[str]:
    """Each passage of the page about ``package/``: from a mention to the next heading."""
    out = []
    for m in re.finditer(re.escape(f"`{package}/`"), DOC):
        start = DOC.rfind("\n\n", 0, m.start())
        end = re.search(r"\n\n(\*\*[A-Z]|## )", DOC[m.end():])
        out.append(DOC[start:m.end() + (end.start() if end else len(DOC))])
    return out


def test_the_top_level_table_is_the_contract():
    (top,) = [c for c in CONTRACTS if c["containers"] == ["ahpstat"]]
    block = DOC.split("## The layers", 1)[1].split("```", 2)[1]
    # a layer starts at column 0; the indented lines continue the description
    rows = [ln for ln in block.splitlines() if ln and not ln[0].isspace()]
    written = [re.split(r"\s{2,}", r)[0].strip() for r in rows]
    assert written == [" ".join(layer.split()) for layer in top["layers"]]


@pytest.mark.parametrize("contract", [c for c in CONTRACTS if c["containers"] != ["ahpstat"]],
                         ids=lambda c: c["containers"][0])
def test_every_package_contract_is_described(contract):
    package = contract["containers"][0].removeprefix("ahpstat.")
    modules = [m for layer in contract["layers"] for m in _names(layer)]
    missing = min(([m for m in modules if not re.search(rf"`{re.escape(m)}\b", s)]
                   for s in _sections(package)), key=len, default=modules)
    assert missing == [], f"docs/architecture.md does not describe {package}/'s {missing}"


def test_every_package_with_private_modules_has_a_contract():
    """A package of several private modules layers them (one contract each)."""
    contracted = {c["containers"][0] for c in CONTRACTS}
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        private = [p.stem for p in init.parent.glob("_*.py") if p.stem != "__init__"]
        if len(private) >= 2:
            assert f"ahpstat.{init.parent.name}" in contracted, init.parent.name
            layered = {m for c in CONTRACTS if c["containers"] == [f"ahpstat.{init.parent.name}"]
                       for layer in c["layers"] for m in _names(layer)}
            assert set(private) <= layered, (init.parent.name, set(private) - layered)


def test_private_modules_stay_in_their_package():
    """One contract forbids importing another package's private module; the page says so."""
    assert [c["type"] for c in ALL_CONTRACTS].count("private_modules") == 1
    assert "private_modules" in DOC

