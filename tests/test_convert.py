"""Converting between the judgment layouts (long, matrix, wide, ahpsurvey) and R ahp's .ahp."""

from __future__ import annotations

import filecmp
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ahpstat import InputError
from ahpstat.alternatives import DecisionModel
from ahpstat.hierarchy import Hierarchy
from ahpstat.io import convert, read_ahpsurvey, read_judgments, write_judgments
from ahpstat.io._convert import format_value

DATA = Path(__file__).parent / "data" / "public"
CITY = DATA / "ahpsurvey_city200.csv"
ATTS = ["cult", "fam", "house", "jobs", "trans"]


def _canon(j: pd.DataFrame) -> pd.DataFrame:
    """Judgments oriented and sorted, for comparing two reads."""
    rows = []
    for e, v, a, b, x in j[["expert", "node", "row", "col", "value"]].itertuples(index=False):
        if a > b:
            a, b, x = b, a, 1 / x
        rows.append((str(e), v, a, b, x))
    return pd.DataFrame(sorted(rows), columns=["expert", "node", "row", "col", "value"])


def test_ahpsurvey_round_trip_is_byte_identical(tmp_path):
    convert(CITY, tmp_path / "long.csv", from_layout="ahpsurvey", to_layout="long",
            encoding="signed_left_negative", attributes=ATTS)
    convert(tmp_path / "long.csv", tmp_path / "back.csv", from_layout="long",
            to_layout="ahpsurvey", to_encoding="signed_left_negative")
    assert filecmp.cmp(tmp_path / "back.csv", CITY, shallow=False)


@pytest.mark.parametrize("chain", [("long", "matrix", "wide", "long"),
                                   ("long", "wide", "matrix", "long")])
def test_layout_chains_keep_every_judgment(tmp_path, chain):
    src = tmp_path / "0.csv"
    convert(CITY, src, from_layout="ahpsurvey", to_layout="long",
            encoding="signed_left_negative", attributes=ATTS)
    h = Hierarchy.from_children({"goal": ATTS})
    prev = src
    for k, (a, b) in enumerate(itertools.pairwise(chain), start=1):
        out = tmp_path / f"{k}.csv"
        convert(prev, out, from_layout=a, to_layout=b, hierarchy=h,
                encoding="ratio" if a == "wide" else None)
        prev = out
    first = read_judgments(src, hierarchy=h)
    last = read_judgments(prev, hierarchy=h)
    pd.testing.assert_frame_equal(_canon(first), _canon(last))


def test_ahp_to_long_and_back_gives_the_same_decision(tmp_path):
    car = DATA / "ahp_car.ahp"
    convert(car, tmp_path / "car.ahp", from_layout="ahp", to_layout="ahp")
    a = DecisionModel.from_ahp_file(car).evaluate().priorities()
    b = DecisionModel.from_ahp_file(tmp_path / "car.ahp").evaluate().priorities()
    np.testing.assert_allclose(a, b, atol=1e-15)
    convert(car, tmp_path / "car.csv", from_layout="ahp", to_layout="long")
    j = read_judgments(tmp_path / "car.csv")
    # the Style judgments of the alternatives, as the file gives them (Accord Sedan vs Pilot 7)
    s = j[(j.node == "Style")].set_index(["row", "col"]).value
    assert s["Accord Sedan", "Pilot"] == 7 and s["Pilot", "CR-V"] == pytest.approx(1 / 6)
    # functions are written as the judgments they gave
    f = j[j.node == "Fuel Cost"].set_index(["row", "col"]).value
    assert f["Accord Sedan", "Accord Hybrid"] == pytest.approx(35 / 31)


def test_zero_score_cannot_become_a_pairwise_layout(tmp_path):
    with pytest.raises(InputError) as e:
        convert(DATA / "ahp_vacation.ahp", tmp_path / "v.csv", from_layout="ahp",
                to_layout="long")
    assert e.value.location.line == 59 and e.value.location.node == "Fun"
    assert not (tmp_path / "v.csv").exists()
    # the .ahp format keeps the score as a score
    convert(DATA / "ahp_vacation.ahp", tmp_path / "v.ahp", from_layout="ahp", to_layout="ahp")
    p = DecisionModel.from_ahp_file(tmp_path / "v.ahp").evaluate().priorities()
    assert p["Beach"] == pytest.approx(
        DecisionModel.from_ahp_file(DATA / "ahp_vacation.ahp").evaluate().priorities()["Beach"])


def test_never_overwrites_and_refuses_ahp_without_alternatives(tmp_path):
    out = tmp_path / "x.csv"
    out.write_text("keep me")
    with pytest.raises(InputError, match="does not overwrite"):
        convert(CITY, out, from_layout="ahpsurvey", to_layout="long",
                encoding="signed_left_negative", attributes=ATTS)
    assert out.read_text() == "keep me"
    with pytest.raises(InputError, match="alternatives"):
        convert(CITY, tmp_path / "y.ahp", from_layout="ahpsurvey", to_layout="ahp",
                encoding="signed_left_negative", attributes=ATTS)
    with pytest.raises(ValueError, match="to_encoding"):
        convert(tmp_path / "x.csv", tmp_path / "z.csv", from_layout="long",
                to_layout="wide", encoding="signed")


def test_signed_codes_need_scale_points(tmp_path):
    j = pd.DataFrame({"expert": ["E"], "node": ["n"], "row": ["a"], "col": ["b"],
                      "value": [2.5]})
    with pytest.raises(InputError, match="encoding='ratio'"):
        write_judgments(j, tmp_path / "w.csv", layout="wide", encoding="signed")
    write_judgments(j, tmp_path / "r.csv", layout="wide", encoding="ratio")
    assert (tmp_path / "r.csv").read_text() == "expert,n:a_b\nE,2.5\n"
    with pytest.raises(InputError, match="one node"):
        two = pd.concat([j, j.assign(node="m")])
        write_judgments(two, tmp_path / "s.csv", layout="ahpsurvey", encoding="signed")


@pytest.mark.parametrize(("x", "text"), [(3.0, "3"), (1 / 3, "1/3"), (0.45, "0.45"),
                                         (1 / 7, "1/7"), (0.1 + 0.2, "0.30000000000000004"),
                                         (35 / 31, repr(35 / 31))])
def test_values_written_exactly(x, text):
    assert format_value(x) == text
    from ahpstat.io import parse_value

    assert parse_value(text) == x


def test_wide_signed_round_trip_by_hand(tmp_path):
    j = read_ahpsurvey(CITY, attributes=ATTS, negconvert=True).head(10)
    write_judgments(j, tmp_path / "w.csv", layout="wide", encoding="signed")
    w = pd.read_csv(tmp_path / "w.csv", dtype=str)
    # respondent 1's cult_fam is coded 2 with negative = left preferred, i.e. fam is twice
    # as important as cult: in the 'signed' (positive = left) code that is -2
    assert w.loc[0, "goal:cult_fam"] == "-2"
    back = read_judgments(tmp_path / "w.csv", layout="wide", encoding="signed")
    pd.testing.assert_frame_equal(_canon(j), _canon(back))
