"""Property-based tests beyond the numpy core: the tree and its global weights, io round
trips between the judgment layouts, the panel's resamples, off-scale and rounded values.

Strategies in ``tests/strategies.py``. Expected values come from definitions, never from the
code under test: global weights are products along the path (Saaty 1980), a layout round trip
must give back the judgments written, the aggregate of a panel does not depend on the order
of its experts, and Saaty's scale is 1..9 and the reciprocals.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ahpstat import InputError
from ahpstat.hierarchy import Hierarchy
from ahpstat.io import judgment_stacks, read_judgments, validate_judgments
from ahpstat.panel import run_panel
from strategies import SAATY_VALUES, local_weight_maps, panel_judgments, trees

_SLOW = settings(max_examples=10, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _path_product(children: dict[str, list[str]], local: dict[str, np.ndarray]
                  ) -> dict[str, float]:
    """Global weight by definition: the product of the local weights on the path."""
    parent = {c: (p, i) for p, kids in children.items() for i, c in enumerate(kids)}
    out = {"G": 1.0}

    def g(v: str) -> float:
        if v not in out:
            p, i = parent[v]
            out[v] = g(p) * float(local[p][i])
        return out[v]

    for v in parent:
        g(v)
    return out


# ------------------------------------------------------------------ the tree


@_SLOW
@given(st.data())
def test_global_weights_are_path_products_and_invert(data):
    children = data.draw(trees())
    local = data.draw(local_weight_maps(children))
    h = Hierarchy.from_children(children)
    g = h.global_weights(local)
    want = _path_product(children, local)
    for v in h.nodes:
        assert g[v] == pytest.approx(want[v], rel=1e-12)
    # the leaves partition the goal; a node's weight is its leaves' (membership)
    leaf = h.leaf_weights(local)
    assert leaf.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(h.membership() @ leaf, [g[v] for v in h.nodes], rtol=1e-12)
    # local weights back from the global ones
    back = h.local_weights(g)
    for v, kids in children.items():
        np.testing.assert_allclose([back[c] for c in kids], local[v], rtol=1e-10)
    # parent_index and the nested-mapping form describe the same tree
    par = h.parent_index()
    for i, v in enumerate(h.nodes):
        assert (par[i] == -1) == (v == "G")
        if par[i] >= 0:
            assert v in children[h.nodes[par[i]]]
    assert Hierarchy.from_dict(h.to_dict()) == h


# ------------------------------------------------------------------ io round trips


def _frac(v: float) -> str:
    return str(Fraction(v).limit_denominator(9))


def _write_long(rows, path):
    lines = ["expert,node,row,col,value"] + [f"{e},{v},{a},{b},{_frac(x)}"
                                             for e, v, a, b, x in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_matrix(rows, children, path):
    by = {}
    for e, v, a, b, x in rows:
        by.setdefault((e, v), {})[(a, b)] = x
    lines = []
    for (e, v), cells in by.items():
        kids = children[v]
        lines += [f"expert,{e},node,{v}", "," + ",".join(kids)]
        for a in kids:
            vals = []
            for b in kids:
                if a == b:
                    vals.append("1")
                elif (a, b) in cells:
                    vals.append(_frac(cells[a, b]))
                else:
                    vals.append(_frac(1 / cells[b, a]))
            lines.append(a + "," + ",".join(vals))
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_wide(rows, path):
    cols: dict[str, None] = {}
    table: dict[str, dict[str, str]] = {}
    for e, v, a, b, x in rows:
        c = f"{v}:{a}_{b}"
        cols.setdefault(c, None)
        table.setdefault(e, {})[c] = _frac(x)
    lines = ["expert," + ",".join(cols)]
    lines += [e + "," + ",".join(r.get(c, "") for c in cols) for e, r in table.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@_SLOW
@given(st.data())
def test_layouts_round_trip_long_matrix_wide(tmp_path_factory, data):
    children = data.draw(trees(max_children=4, max_depth=2))
    rows = data.draw(panel_judgments(children))
    h = Hierarchy.from_children(children)
    d = tmp_path_factory.mktemp("layouts")
    _write_long(rows, d / "long.csv")
    _write_matrix(rows, children, d / "matrix.csv")
    _write_wide(rows, d / "wide.csv")
    frames = {
        "long": read_judgments(d / "long.csv", hierarchy=h, scale="saaty"),
        "matrix": read_judgments(d / "matrix.csv", layout="matrix", hierarchy=h,
                                 scale="saaty"),
        "wide": read_judgments(d / "wide.csv", layout="wide", encoding="ratio", hierarchy=h,
                               scale="saaty"),
    }
    stacks = {k: judgment_stacks(f, h, validate=False) for k, f in frames.items()}
    for layout in ("matrix", "wide"):
        assert stacks[layout].keys() == stacks["long"].keys()
        for v, (experts, S) in stacks["long"].items():
            e2, S2 = stacks[layout][v]
            assert e2 == experts
            np.testing.assert_allclose(S2, S, rtol=1e-12)
    # and the stacks hold exactly what was written
    for e, v, a, b, x in rows:
        experts, S = stacks["long"][v]
        kids = children[v]
        k, i, j = experts.index(e), kids.index(a), kids.index(b)
        assert S[k, i, j] == pytest.approx(x, rel=1e-12)
        assert S[k, j, i] == pytest.approx(1 / x, rel=1e-12)


# ------------------------------------------------------------------ the panel


@_SLOW
@given(st.data())
def test_panel_resamples_are_invariant_to_expert_order_and_replication(data):
    children = data.draw(trees(max_children=4, max_depth=2))
    rows = data.draw(panel_judgments(children, max_experts=5))
    h = Hierarchy.from_children(children)
    df = pd.DataFrame(rows, columns=["expert", "node", "row", "col", "value"])
    method = data.draw(st.sampled_from(["eigenvector", "geometric_mean"]))
    agg = data.draw(st.sampled_from(["aij", "aip"]))
    from ahpstat.panel import PanelOptions

    res = run_panel(judgment_stacks(df, h), h,
                    options=PanelOptions(weighting=method, aggregation=agg))
    K = len(res.experts)
    everyone = np.arange(K)
    np.testing.assert_allclose(res.resample(everyone), res.leaf_weights, rtol=1e-10)
    perm = data.draw(st.permutations(list(range(K))))
    np.testing.assert_allclose(res.resample(np.array(perm)), res.leaf_weights, rtol=1e-9)
    twice = np.concatenate([everyone, everyone])
    np.testing.assert_allclose(res.resample(twice), res.leaf_weights, rtol=1e-9)
    one = data.draw(st.integers(0, K - 1))
    alone = res.resample(np.array([one]))
    assert alone.sum() == pytest.approx(1.0) and np.all(alone > 0)


# ------------------------------------------------------------------ Saaty's scale


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(SAATY_VALUES), st.integers(2, 4))
def test_rounded_saaty_values_are_on_the_scale(v, digits):
    """A scale value written with 2-4 decimals (0.33, 0.333, 0.1429) is on Saaty's scale."""
    df = pd.DataFrame({"expert": ["E1"], "node": ["A"], "row": ["x"], "col": ["y"],
                       "value": [round(v, digits)]})
    assert validate_judgments(df, scale="saaty", errors="collect") == []


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.floats(0.15, 0.85), st.floats(0.4, 0.55))
def test_values_between_scale_points_are_off_the_scale(k, frac, mid):
    """Between two integers of the scale (k + 0.15 .. k + 0.85) nothing is on the scale;
    between two reciprocals, a value more than the tolerance of a 2-decimal reciprocal (4.5%
    in log space) from both is off it too (1/(k + 0.4 .. k + 0.55))."""
    for value in (k + frac, 1 / (k + mid)):
        df = pd.DataFrame({"expert": ["E1"], "node": ["A"], "row": ["x"], "col": ["y"],
                           "value": [value]})
        problems = validate_judgments(df, scale="saaty", errors="collect")
        assert len(problems) == 1 and "not on Saaty's scale" in problems[0].reason
    with pytest.raises(InputError, match="not on Saaty's scale"):
        validate_judgments(pd.DataFrame({"expert": ["E1"], "node": ["A"], "row": ["x"],
                                         "col": ["y"], "value": [10.0]}), scale="saaty")
