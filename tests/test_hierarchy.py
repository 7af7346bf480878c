"""Tests of ahpstat.hierarchy: structure, validation errors, and hierarchic synthesis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ahpstat as ah
from ahpstat import InputError
from ahpstat.hierarchy import Hierarchy

SEED_STUDY = Path(__file__).resolve().parents[1] / "studies" / "hangzhou_2022" / "hierarchy.yaml"

#: the seed study's first level, with its Chinese labels
SEED_YAML = """\
levels: [目标, 准则, 指标]
hierarchy:
  id: A
  label: 基层智慧治理平台绩效
  children:
    - id: B1
      label: 科学
      children:
        - {id: C1, label: 目标达成, item: Q01}
        - {id: C2, label: 过程科学, item: Q02}
    - id: B2
      label: 参与
      children:
        - {id: C3, label: 参与回应, item: Q03}
    - id: B3
      label: 透明
      children:
        - {id: C4, label: 基本信息公开, item: Q04}
        - {id: C5, label: 事务公开}
        - {id: C6, label: 财务公开, item: Q06}
"""


def _write(tmp_path: Path, text: str, name: str = "h.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def seed(tmp_path) -> Hierarchy:
    return Hierarchy.from_yaml(_write(tmp_path, SEED_YAML))


# ------------------------------------------------------------------ structure


def test_structure_with_chinese_labels(seed):
    h = seed
    assert h.root == "A"
    assert h.nodes == ("A", "B1", "C1", "C2", "B2", "C3", "B3", "C4", "C5", "C6")
    assert h.internal == ("A", "B1", "B2", "B3")
    assert h.leaves == ("C1", "C2", "C3", "C4", "C5", "C6")
    assert h.children("A") == ("B1", "B2", "B3")
    assert h.children("C1") == ()
    assert h.parent("C4") == "B3" and h.parent("A") is None
    assert [h.label(v) for v in h.children("A")] == ["科学", "参与", "透明"]
    assert h.depth("A") == 0 and h.depth("B2") == 1 and h.depth("C6") == 2
    assert [h.level_name(d) for d in range(3)] == ["目标", "准则", "指标"]
    assert h.item("C1") == "Q01" and h.item("C5") == "C5"  # default item: the id
    assert h.levels() == [("A",), ("B1", "B2", "B3"), ("C1", "C2", "C3", "C4", "C5", "C6")]
    assert h.leaves_under("B3") == ("C4", "C5", "C6")
    assert h.leaves_under("C3") == ("C3",)
    assert h.leaves_under("A") == h.leaves
    assert "B2" in h and "X" not in h and len(h) == 10
    assert repr(h) == "Hierarchy(root='A', depth=2, nodes=10, internal=4, leaves=6)"


def test_membership_rows_nodes_cols_leaves(seed):
    M = seed.membership()
    assert M.shape == (10, 6)
    assert set(np.unique(M)) == {0.0, 1.0}
    np.testing.assert_array_equal(M[0], np.ones(6))
    np.testing.assert_array_equal(M[seed.nodes.index("B3")], [0, 0, 0, 1, 1, 1])
    leaf_rows = [seed.nodes.index(v) for v in seed.leaves]
    np.testing.assert_array_equal(M[leaf_rows], np.eye(6))


def test_to_frame_schema(seed):
    df = seed.to_frame()
    assert list(df.columns) == ["id", "label", "parent", "depth", "n_children", "item"]
    assert list(df.id) == list(seed.nodes)
    row = df.set_index("id").loc["C4"]
    assert (row["label"], row["parent"], row["depth"], row["n_children"], row["item"]) == (
        "基本信息公开", "B3", 2, 0, "Q04")
    assert df.set_index("id").loc["A"].isna()[["parent", "item"]].all()


def test_level_names_default_and_range():
    h = Hierarchy.from_dict({"id": "A", "children": [{"id": "b"}, {"id": "c"}]})
    assert h.level_name(0) == "level 0" and h.level_name(1) == "level 1"
    with pytest.raises(ValueError, match=r"`depth` must be in 0\.\.1"):
        h.level_name(2)


def test_unknown_node_and_item_of_internal_node(seed):
    with pytest.raises(InputError, match=r"h\.yaml \(node 'B4'\): node 'B4' is not in the "):
        seed.children("B4")
    with pytest.raises(InputError, match=r"node 'B1' is not a leaf"):
        seed.item("B1")


def test_round_trip_to_dict(seed):
    assert Hierarchy.from_dict(seed.to_dict()) == seed


def test_seed_study_file_reads():
    h = Hierarchy.from_yaml(SEED_STUDY)
    assert len(h.children(h.root)) == 7 and len(h.leaves) == 57
    assert len(h.levels()[2]) == 22
    assert h.label("B3").startswith("透明")


# ------------------------------------------------------------------ validation errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"h\.yaml: the hierarchy is empty"),
        ("hierarchy:\n", r"h\.yaml: the hierarchy is empty"),
        ("id: A\nchildren:\n  - {id: b}\n  - {label: 参与}\n",
         r"h\.yaml \(node 'A'\): child 2 of 'A' has no `id`"),
        ("id: A\nchildren:\n  - {id: b}\n  - {id: b}\n",
         r"h\.yaml \(node 'b'\): duplicate id 'b': used by child 1 of 'A' and again by "
         r"child 2 of 'A'"),
        ("id: A\nchildren: {id: b}\n",
         r"h\.yaml \(node 'A'\): `children` of node 'A' must be a list of nodes\. Got dict"),
        ("id: A\nchildren:\n  - {id: 12}\n  - {id: b}\n",
         r"h\.yaml \(node 'A'\): the id of child 1 of 'A' must be text \(quote it in YAML: "
         r"id: '12'\)\. Got int 12 instead"),
        ("id: A\nchildren:\n  - {id: b, item: Q1}\n  - {id: c, item: Q1}\n",
         r"h\.yaml \(node 'c'\): leaves 'b' and 'c' name the same survey column 'Q1'"),
        ("id: A\nchildern:\n  - {id: b}\n",
         r"h\.yaml \(node 'A'\): unknown key 'childern' in the root node.*Did you mean "
         r"'children'\?"),
        ("hierarchy:\n  id: A\n  children: [{id: b}]\nlevel: [x, y]\n",
         r"unknown top-level key 'level'.*Did you mean 'levels'\?"),
        ("levels: [goal]\nhierarchy:\n  id: A\n  children: [{id: b}]\n",
         r"`levels` names 1 levels but the tree has 2"),
        ("id: A\nitem: Q1\nchildren: [{id: b}]\n",
         r"node 'A' has children and an `item`"),
        ("id: A\nchildren: []\n", r"`children` of node 'A' is an empty list"),
        ("- id: A\n- id: B\n", r"must have a single root node"),
        ("id: A\nchildren: [{id: b}\n", r"h\.yaml, line \d+: not valid YAML, column \d+"),
    ],
)
def test_hierarchy_errors_name_file_and_node(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        Hierarchy.from_yaml(_write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nothere\.yaml: the hierarchy file does not exist"):
        Hierarchy.from_yaml(tmp_path / "nothere.yaml")


def test_collect_all_hierarchy_problems(tmp_path):
    from ahpstat.io import collect_problems

    p = _write(tmp_path, "id: A\nchildren:\n  - {id: b, lable: x}\n  - {id: b}\n  - {}\n")
    problems = collect_problems(p, kind="hierarchy")
    text = "\n".join(map(str, problems))
    assert len(problems) == 3
    assert "unknown key 'lable'" in text and "duplicate id 'b'" in text
    assert "child 3 of 'A' has no `id`" in text


# ------------------------------------------------------------------ global weights


def _car() -> Hierarchy:
    return Hierarchy.from_dict({"id": "Criteria", "children": [
        {"id": "Cost", "children": [{"id": "Price"}, {"id": "Fuel"}, {"id": "Maintenance"},
                                    {"id": "Resale"}]},
        {"id": "Safety"},
        {"id": "Style"},
        {"id": "Capacity", "children": [{"id": "Cargo"}, {"id": "Passenger"}]},
    ]})


# AHPy README, "Purchasing a vehicle" (PhilipGriffith/AHPy, README.md; the example follows
# Wikipedia's "Analytic hierarchy process - car example"). Published weights, 3 decimals:
#   criteria local = global: Cost 0.51, Safety 0.234, Capacity 0.215, Style 0.041
#   Cost local: Price 0.488, Fuel 0.252, Resale 0.161, Maintenance 0.1
#   Cost children global: Price 0.249, Fuel 0.129, Resale 0.082, Maintenance 0.051
#   Cargo: local 0.1667, global 0.0358
CAR_PUBLISHED_GLOBAL = {"Cost": 0.51, "Safety": 0.234, "Style": 0.041, "Capacity": 0.215,
                        "Price": 0.249, "Fuel": 0.129, "Maintenance": 0.051, "Resale": 0.082,
                        "Cargo": 0.0358}


def test_global_weights_published_car_example_from_published_locals():
    h = _car()
    local = {"Criteria": [0.51, 0.234, 0.041, 0.215],
             "Cost": [0.488, 0.252, 0.1, 0.161],
             "Capacity": [1 / 6, 5 / 6]}  # AHPy input: Cargo vs Passenger = 1/5
    g = h.global_weights(local)
    assert g["Criteria"] == 1.0
    for v, pub in CAR_PUBLISHED_GLOBAL.items():
        assert g[v] == pytest.approx(pub, abs=6e-4), v
    assert sum(float(g[v]) for v in h.leaves) == pytest.approx(1.0, abs=1e-3)


def test_global_weights_published_car_example_from_published_judgments():
    """Eigenvector weights of AHPy's published comparison values -> its published globals."""
    criteria = np.array([[1, 3, 7, 3], [1 / 3, 1, 9, 1], [1 / 7, 1 / 9, 1, 1 / 7],
                         [1 / 3, 1, 7, 1]])  # Cost, Safety, Style, Capacity
    cost = np.array([[1, 2, 5, 3], [1 / 2, 1, 2, 2], [1 / 5, 1 / 2, 1, 1 / 2],
                     [1 / 3, 1 / 2, 2, 1]])  # Price, Fuel, Maintenance, Resale
    capacity = np.array([[1, 1 / 5], [5, 1]])  # Cargo, Passenger
    local = {v: ah.weights(A, method="eigenvector").weights
             for v, A in (("Criteria", criteria), ("Cost", cost), ("Capacity", capacity))}
    g = _car().global_weights(local)
    # AHPy multiplies local weights already rounded to 3 decimals (e.g. Fuel: 0.51 x 0.252 =
    # 0.1285 -> 0.129, exact 0.1283), so the published globals carry up to ~1e-3 of rounding.
    for v, pub in CAR_PUBLISHED_GLOBAL.items():
        assert g[v] == pytest.approx(pub, abs=1e-3), v
    assert local["Criteria"].round(3).tolist() == [0.51, 0.234, 0.041, 0.215]
    assert local["Cost"].round(3).tolist() == [0.488, 0.252, 0.1, 0.161]
    assert sum(g[v] for v in _car().leaves) == pytest.approx(1.0)


def test_global_weights_batched_broadcast_and_single_child(seed):
    rng = np.random.default_rng(1)
    S = 200
    local = {"A": rng.dirichlet(np.ones(3), size=(S, 1)),   # (S, 1, 3)
             "B1": rng.dirichlet(np.ones(2), size=4),        # (4, 2): broadcasts
             "B3": np.array([0.2, 0.3, 0.5])}                # unbatched; B2 omitted (1 child)
    g = seed.global_weights(local)
    assert list(g) == list(seed.nodes)
    assert all(g[v].shape == (S, 4) for v in seed.nodes)
    np.testing.assert_allclose(sum(g[v] for v in seed.leaves), 1.0)
    for level in seed.levels():
        np.testing.assert_allclose(sum(g[v] for v in level), 1.0)
    np.testing.assert_allclose(g["C3"], g["B2"])  # single child: local weight 1
    np.testing.assert_allclose(g["C5"], np.broadcast_to(local["A"][:, :, 2] * 0.3, (S, 4)))
    # 1-D input gives 0-d arrays
    g1 = seed.global_weights({"A": [0.5, 0.25, 0.25], "B1": [0.5, 0.5], "B3": [1, 1, 2]})
    assert g1["C6"].shape == () and float(g1["C6"]) == pytest.approx(0.25 * 2)  # as given


def test_walk_weights_yields_local_and_global(seed):
    rows = list(seed.walk_weights({"A": [0.5, 0.3, 0.2], "B1": [0.6, 0.4],
                                   "B3": [0.2, 0.3, 0.5]}))
    assert [v for v, _, _ in rows] == list(seed.nodes)
    table = {v: (float(lw), float(gw)) for v, lw, gw in rows}
    assert table["A"] == (1.0, 1.0)
    assert table["C2"] == pytest.approx((0.4, 0.2))
    assert table["C3"] == pytest.approx((1.0, 0.3))


@pytest.mark.parametrize(
    ("local", "message"),
    [
        ({"A": [0.5, 0.3, 0.2], "B1": [0.6, 0.4]}, r"`local` has no weights for node 'B3'"),
        ({"A": [0.5, 0.5], "B1": [0.6, 0.4], "B3": [0.2, 0.3, 0.5]},
         r"`local\['A'\]` must have shape \(\.\.\., 3\)"),
        ({"A": [0.5, 0.3, 0.2], "B1": [0.6, 0.4], "B3": [0.2, 0.3, 0.5], "C1": [1.0]},
         r"node 'C1', which is a leaf"),
        ({"A": [0.5, 0.3, 0.2], "B1": [0.6, 0.4], "B3": [0.2, 0.3, 0.5], "Z": [1.0]},
         r"node 'Z', which is not in the hierarchy"),
        ({"A": np.full((3, 3), 1 / 3), "B1": np.full((4, 2), 0.5), "B3": [0.2, 0.3, 0.5]},
         r"batch shapes of `local`.*must broadcast"),
    ],
)
def test_global_weights_errors(seed, local, message):
    with pytest.raises(ValueError, match=message):
        seed.global_weights(local)


# ------------------------------------------------------------------ from_children


def test_from_children_equals_from_dict(seed):
    kids = {v: list(seed.children(v)) for v in seed.internal}
    h = Hierarchy.from_children(kids, labels={v: seed.label(v) for v in seed.nodes},
                                items={x: seed.item(x) for x in seed.leaves},
                                level_names=[seed.level_name(d) for d in range(seed.n_levels)])
    assert h == seed
    # a leaf may be listed with no children; the root need not come first
    h2 = Hierarchy.from_children({"B1": ["x", "y"], "z": [], "A": ["B1", "z"]})
    assert h2.root == "A" and h2.nodes == ("A", "B1", "x", "y", "z")


@pytest.mark.parametrize(("mapping", "exc", "message"), [
    ({"A": ["B"], "C": ["D"]}, InputError, r"exactly one root .*Got 2 roots instead: \['A', 'C'\]"),
    ({"A": ["B"], "B": ["C"], "C": ["B"]}, InputError, r"the hierarchy has a cycle through 'B'"),
    ({"A": ["B", "C"], "B": ["x"], "C": ["x"]}, InputError, r"node 'x'.*two parents"),
    ({"A": ["B", "B"]}, InputError, r"node 'A'.*must be distinct"),
    ({"A": ["B"], "C": ["D"], "D": ["C"]}, InputError, r"cycle through 'C'.*not reachable"),
    ({}, InputError, r"the hierarchy is empty"),
    ({"A": "BC"}, TypeError, r"needs a list of children for 'A'"),
    (["A"], TypeError, r"must be a mapping parent -> children"),
    ({"A": [" B"]}, InputError, r"without surrounding spaces"),
])
def test_from_children_errors(mapping, exc, message):
    with pytest.raises(exc, match=message):
        Hierarchy.from_children(mapping)


def test_from_children_names_the_argument_and_stray_labels():
    with pytest.raises(InputError, match=r"`structure` has a cycle"):
        Hierarchy.from_children({"A": ["B"], "B": ["A"], "R": ["A"]}, argument="structure")
    with pytest.raises(InputError, match=r"`items` names 'A'"):
        Hierarchy.from_children({"A": ["x"]}, items={"A": "Q1"})
    with pytest.raises(InputError, match=r"`labels` names 'q'"):
        Hierarchy.from_children({"A": ["x"]}, labels={"q": "Q"})


def test_index_maps_and_parent_index(seed):
    par = seed.parent_index()
    for i, v in enumerate(seed.nodes):
        assert seed.node_index[v] == i
        p = seed.parent(v)
        assert par[i] == (-1 if p is None else seed.node_index[p])
    assert [seed.leaf_index[x] for x in seed.leaves] == list(range(len(seed.leaves)))
    with pytest.raises(TypeError):
        seed.node_index["A"] = 3  # read-only


def test_local_weights_invert_global_weights(seed):
    rng = np.random.default_rng(4)
    local = {v: rng.dirichlet(np.ones(len(seed.children(v))), size=5) for v in seed.internal}
    g = seed.global_weights(local)
    back = seed.local_weights(g)
    for v in seed.internal:
        got = np.stack([back[c] for c in seed.children(v)], axis=-1)
        np.testing.assert_allclose(got, local[v], rtol=1e-12)
    np.testing.assert_allclose(seed.leaf_weights(local).sum(axis=-1), 1.0)


def test_global_and_leaf_weights_equal_the_node_by_node_walk_bit_for_bit():
    """``global_weights`` / ``leaf_weights`` compose the tree level by level in one array;
    :meth:`walk_weights` multiplies node by node (``g(c) = g(parent) * w``): the same
    products, so the same bits -- on a seed-shaped tree of depth 3 with single-child nodes,
    batch axes that broadcast (resamples x experts against one shared node), and NaN."""
    h = Hierarchy.from_children({
        "G": ["C1", "C2", "C3"], "C1": ["s1", "s2"], "C2": ["s3"], "C3": ["s4", "s5", "s6"],
        "s1": ["i1", "i2"], "s2": ["i3"], "s3": ["i4", "i5", "i6"], "s4": ["i7", "i8"],
        "s5": ["i9"], "s6": ["i10", "i11"]})
    gen = np.random.default_rng(7)
    local = {v: gen.dirichlet(np.ones(len(h.children(v))), size=(5, 4))
             for v in h.internal if len(h.children(v)) > 1}
    local["C1"] = local["C1"][0, 0]  # one vector shared by every resample and expert
    local["s4"] = local["s4"][:, :1]  # shared by the experts
    local["s6"][2, 3, 1] = np.nan
    walked = {v: g for v, _, g in h.walk_weights(local)}
    got = h.global_weights(local)
    assert list(got) == list(h.nodes)
    for v in h.nodes:
        assert got[v].shape == (5, 4)
        np.testing.assert_array_equal(got[v], walked[v])  # NaN == NaN; bits otherwise
        assert got[v].tobytes() == np.broadcast_to(walked[v], (5, 4)).tobytes()
    leaves = h.leaf_weights(local)
    assert leaves.shape == (5, 4, len(h.leaves)) and leaves.flags.c_contiguous
    assert leaves.tobytes() == np.stack([np.broadcast_to(walked[x], (5, 4))
                                         for x in h.leaves], axis=-1).tobytes()
    # no batch axes: the single-matrix case
    one = {v: w[0, 0] if w.ndim == 3 else w for v, w in local.items()}
    one["s4"] = local["s4"][0, 0]
    walked = {v: g for v, _, g in h.walk_weights(one)}
    assert h.leaf_weights(one).tobytes() == np.array(
        [walked[x] for x in h.leaves], dtype=float).tobytes()
    got = h.global_weights(one)
    for v in h.nodes[1:]:  # numpy scalars, as the node-by-node products
        assert type(got[v]) is type(walked[v]) is np.float64 and got[v] == walked[v]
