"""Hedge values: the farmer problem's published figures and a case worked by hand.

Birge and Louveaux's farmer problem (tests/data/farmer, made by make_farmer.py there)
read through ``capplan hedge --mps-dir``: RP, WS, EEV, EVPI and VSS match the published
values to 1e-6 relative, minimising cost and maximising profit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from capplan.cli import app
from capplan.hedge import hedge, hedge_mps_dir
from capplan.hedge.mpsdir import read_mps_dir, write_mps_dir
from tests.hedge_cases import boom_bust, tiny_hedge_model, write_futures

FARMER = Path(__file__).parent / "data" / "farmer"
# Birge and Louveaux (2011), section 1.1 and 4.1-4.2, minimisation form (cost = -profit)
PUBLISHED = {"RP": -108390.0, "WS": -115405.56, "EEV": -107240.0, "EVPI": 7015.56, "VSS": 1150.0}
ROUNDED = {"WS": 0.01, "EVPI": 0.01}  # published to the cent: 115405.5555... and 7015.5555...


def _close(got: float, want: float, key: str) -> None:
    slack = ROUNDED.get(key, 0.0)
    assert abs(got - want) <= 1e-6 * abs(want) + slack / 2, (key, got, want)


@pytest.mark.parametrize("form", ["min", "max"])
def test_farmer_reproduces_published_values(form: str) -> None:
    run = hedge_mps_dir(FARMER / form, write=False)
    voi = run.summary["value_of_information"]
    sign = 1.0 if form == "min" else -1.0
    for key, want in PUBLISHED.items():
        expected = want if key in ("EVPI", "VSS") else sign * want
        _close(voi[key]["value"], expected, key)
        lo, hi = voi[key]["bracket"]
        assert lo - 1e-6 <= voi[key]["value"] <= hi + 1e-6
    # the published first-stage plan: 170 acres of wheat, 80 of corn, 250 of beets
    commit = run.tables["commit_now"].set_index("variable")["value"]
    assert commit.round(6).tolist() == [170.0, 80.0, 250.0]


def test_farmer_ws_and_evpi_exact() -> None:
    """WS = -115405.5555..., so EVPI = 7015.5555... (the published values are rounded)."""
    voi = hedge_mps_dir(FARMER / "min", write=False).summary["value_of_information"]
    assert voi["WS"]["value"] == pytest.approx(-108390 - 7015 - 5 / 9 - 0, rel=1e-9)
    assert voi["EVPI"]["value"] == pytest.approx(7015 + 5 / 9, rel=1e-9)


def test_export_and_read_back_mps_dir(tmp_path: Path) -> None:
    members = read_mps_dir(FARMER / "max")
    write_mps_dir(members, tmp_path / "again")
    again = hedge_mps_dir(tmp_path / "again", write=False).summary["value_of_information"]
    assert again["RP"]["value"] == pytest.approx(108390.0, rel=1e-9)
    assert again["VSS"]["value"] == pytest.approx(1150.0, rel=1e-9)


def test_hand_worked_tiny_hedge(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    futures = write_futures(tmp_path / "f.yaml", boom_bust())
    run = hedge(model, futures, write=False)
    voi = run.summary["value_of_information"]
    want = {"RP": 24.0, "WS": 26.5, "EV": 28.0, "EEV": 20.0, "EVPI": 2.5, "VSS": 4.0}
    for key, value in want.items():
        assert voi[key]["value"] == pytest.approx(value, abs=1e-6), key
    commit = run.tables["commit_now"]
    assert commit["quantity"].tolist() == [10]


def test_cli_hedge_mps_dir(tmp_path: Path) -> None:
    out = tmp_path / "farmer"
    result = CliRunner().invoke(
        app, ["hedge", "--mps-dir", str(FARMER / "min"), "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    text = (out / "value_of_information.csv").read_text()
    assert "VSS,1150.000000" in text
    again = CliRunner().invoke(
        app, ["hedge", "--mps-dir", str(FARMER / "min"), "--out", str(out), "-q"]
    )
    assert again.exit_code == 2 and "already exists" in again.output


def test_capplan_futures_exported_and_read_back(tmp_path: Path) -> None:
    """A three-stage capplan hedge written as an MPS directory and read back through
    --mps-dir gives the same hedged objective and first-period decisions."""
    model = tiny_hedge_model(tmp_path / "m")
    data = boom_bust()
    data["factors"]["later"] = {
        "known_at": "Y3",
        "outcomes": {"flat": {"probability": 0.5}, "up": {"probability": 0.5}},
    }
    futures = write_futures(tmp_path / "f.yaml", data)
    run = hedge(model, futures, write=False, export_mps_dir=tmp_path / "dir")
    tree = (tmp_path / "dir" / "scen0_nonants.json").read_text()
    # ROOT (Y1), then the Y2 node shared by two futures; Y3 is each future's leaf
    assert '"ROOT_0"' in tree and '"condProb": 0.5' in tree and '"ROOT_0_0"' not in tree
    again = hedge_mps_dir(tmp_path / "dir", write=False)
    assert again.summary["objective"] == pytest.approx(run.summary["objective"], abs=1e-6)
    first = again.tables["commit_now"]
    pods = first[first["variable"].str.startswith("pods_")]
    assert pods["value"].tolist() == [10.0]
