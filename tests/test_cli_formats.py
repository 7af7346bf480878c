"""The command line for the formats: ``convert``, ``weights --completion``, ``run X.ahp``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ahpstat.cli import main

DATA = Path(__file__).parent / "data" / "public"


def test_weights_with_optimal_completion(tmp_path, capsys):
    """Bozóki, Fülöp & Rónyai (2010) / AHPy's test: (c, d) missing, weights 0.3738, 0.392,
    0.0985, 0.1357."""
    p = tmp_path / "m.csv"
    p.write_text(",a,b,c,d\na,1,1,5,2\nb,1,1,3,4\nc,1/5,1/3,1,\nd,1/2,1/4,,1\n")
    assert main(["weights", str(p), "--completion", "optimal", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["weights_completion"] == "optimal"
    got = [round(out["weights"][k], 4) for k in "abcd"]
    assert got == [0.3738, 0.392, 0.0985, 0.1357]
    assert main(["weights", str(p)]) == 1  # eigenvector needs a complete matrix
    assert "--method harker" in capsys.readouterr().err
    assert main(["weights", str(p), "--completion", "nonsense"]) == 2


def test_convert_round_trip_and_exit_codes(tmp_path, capsys):
    src = DATA / "ahpsurvey_city200.csv"
    long_ = tmp_path / "long.csv"
    args = ["convert", str(src), str(long_), "--from", "ahpsurvey", "--to", "long",
            "--encoding", "signed_left_negative", "--attributes", "cult,fam,house,jobs,trans"]
    assert main(args) == 0
    assert long_.read_text().splitlines()[1] == "1,goal,cult,fam,1/2"
    assert main(args) == 1  # never overwrites
    assert "does not overwrite" in capsys.readouterr().err
    back = tmp_path / "back.csv"
    assert main(["convert", str(long_), str(back), "--from", "long", "--to", "ahpsurvey",
                 "--to-encoding", "signed_left_negative"]) == 0
    assert back.read_bytes() == src.read_bytes()
    # an option that does not fit: a user error with the option's CLI spelling
    assert main(["convert", str(long_), str(tmp_path / "w.csv"), "--from", "long", "--to",
                 "wide", "--encoding", "signed"]) == 1
    assert "--to-encoding" in capsys.readouterr().err
    # a zero score cannot become a judgment: located error, nothing written
    assert main(["convert", str(DATA / "ahp_vacation.ahp"), str(tmp_path / "v.csv"),
                 "--from", "ahp", "--to", "long"]) == 1
    err = capsys.readouterr().err
    assert "line 59" in err and "'Kid'" in err
    assert not (tmp_path / "v.csv").exists()
    assert main(["convert", str(src), str(tmp_path / "x.csv"), "--from", "bogus",
                 "--to", "long"]) == 2


@pytest.mark.parametrize("layout", ["matrix", "wide"])
def test_convert_ahp_to_judgment_layouts(tmp_path, layout):
    out = tmp_path / f"car_{layout}.csv"
    assert main(["convert", str(DATA / "ahp_car.ahp"), str(out), "--from", "ahp", "--to",
                 layout]) == 0
    assert out.stat().st_size > 0
