"""Scenario `add:` and `remove:`: new rows with documented defaults, removed rows, and one
clear message per bad row.  The library's own new-region and new-part scenarios are
solved in tests/test_scenarios.py; here they are held to "at most 10 lines beyond their own
rows", and the mechanics are checked on the tiny hand case (tests/tiny.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from capplan.cli import app
from capplan.errors import InputError
from capplan.pipeline import load, solve
from tests.tiny import REGION, case, part

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _lines_beyond_own_row(path: Path, table: str) -> int:
    """YAML lines of a scenario file, without comments, the header keys and the new row of
    ``table`` itself (the row, however it is wrapped)."""
    lines = [ln.split("#", 1)[0].rstrip() for ln in path.read_text().splitlines()]
    lines = [ln for ln in lines if ln.strip()]
    body = lines[next(i for i, ln in enumerate(lines) if ln.startswith("add:")) :]
    start = next(i for i, ln in enumerate(body) if ln.strip() == f"{table}:")
    end = next(i for i in range(start + 1, len(body)) if body[i].rstrip().endswith("}"))
    return len(body) - (end - start + 1)


@pytest.mark.parametrize(
    ("name", "table"), [("enter_saudi_arabia", "regions"), ("ascend_950", "parts")]
)
def test_a_new_region_or_part_takes_at_most_ten_lines(name: str, table: str) -> None:
    path = ROOT / "models" / "scenarios" / f"{name}.yaml"
    assert _lines_beyond_own_row(path, table) <= 10
    config, _ = load(ROOT / "models" / "base.yaml", [name])
    assert (
        len(config.tables[table]) == len(load(ROOT / "models" / "base.yaml")[0].tables[table]) + 1
    )


def _scenario(root: Path, body: dict[str, object]) -> Path:
    path = root / "what_if.yaml"
    path.write_text(yaml.safe_dump({"extends": "model.yaml", **body}, sort_keys=False))
    return path


NEW_REGION = {**REGION, "region": "B", "zone": "Y", "existing_mw": 1.0}
NEW_PART = {**part(part="Q", price_usd=5e5), "domestic": True}


def test_added_region_and_part_get_the_defaults_and_solve(tmp_path: Path) -> None:
    model = case(tmp_path)
    scenario = _scenario(
        tmp_path,
        {
            "add": {
                "regions": [NEW_REGION],
                "parts": [NEW_PART],
                "demand": [
                    {"zone": "Y", "period": "Y1", "demand_zflop": 3, "revenue_rmb_per_zflop": 2e6}
                ],
                "supply": [{"part": "Q", "market": "china", "period": "Y1", "units": 4}],
                "eligibility": [{"part": "Q", "region": "B", "allowed": True}],
            }
        },
    )
    config, _ = load(model, [str(scenario)])
    elig = config.tables["eligibility"].set_index(["part", "region"])["allowed"]
    assert elig.to_dict() == {
        ("P", "A"): True,
        ("P", "B"): False,
        ("Q", "A"): False,
        ("Q", "B"): True,
    }
    supply = config.tables["supply"].set_index(["part", "market"])["units"]
    assert supply[("Q", "overseas")] == 0 and supply[("Q", "china")] == 4
    run = solve(model, scenarios=[str(scenario)], write=False)
    inv = run.tables["investments"]
    # B serves its 3 ZFLOP with the cheaper Q, of which only 4 units exist; A keeps P
    assert inv.loc[inv["region"] == "B", "part"].tolist() == ["Q"]
    assert inv.loc[inv["region"] == "B", "quantity"].tolist() == [3]
    assert set(inv.loc[inv["region"] == "A", "part"]) == {"P"}


def test_validate_says_what_a_new_row_still_lacks(tmp_path: Path) -> None:
    model = case(tmp_path)
    scenario = _scenario(tmp_path, {"add": {"regions": [NEW_REGION], "parts": [NEW_PART]}})
    result = runner.invoke(app, ["validate", str(model), "-s", str(scenario)])
    assert result.exit_code == 0, result.output
    notes = [ln for ln in result.output.splitlines() if ln.startswith("note:")]
    assert any("region B" in n and "eligibility" in n and "allowed: False" in n for n in notes)
    assert any("part Q" in n and "supply" in n and "units: 0.0" in n for n in notes)
    assert any("zone Y" in n and "demand" in n for n in notes)


def test_remove_takes_a_part_with_its_supply_and_eligibility(tmp_path: Path) -> None:
    model = case(tmp_path, parts=[part(), part(part="Q")])
    scenario = _scenario(tmp_path, {"remove": [{"table": "parts", "where": {"part": "Q"}}]})
    config, _ = load(model, [str(scenario)])
    for table in ("parts", "supply", "eligibility"):
        assert set(config.tables[table]["part"]) == {"P"}, table
    run = solve(model, scenarios=[str(scenario)], write=False)
    assert run.summary["kpis"]["npv_rmb_m"] == pytest.approx(5.0)  # the hand case again


@pytest.mark.parametrize(
    ("body", "where", "fragment"),
    [
        ({"add": {"regions": [{**NEW_REGION, "colour": "red"}]}}, "add.regions[0]", "colour"),
        ({"add": {"regions": [REGION]}}, "add.regions[0]", "already has a row A"),
        ({"add": {"regions": [{**NEW_REGION, "pue": 9}]}}, "add.regions[0]", "column pue"),
        (
            {"remove": [{"table": "regions", "where": {"region": "Z"}}]},
            "remove[0].where.region",
            "unknown region 'Z'",
        ),
        (
            {"add": {"regions": [{**NEW_REGION, "currency": "SAR"}]}},
            "currency=SAR",
            "missing row",
        ),
    ],
)
def test_bad_new_rows_give_one_message_each(
    tmp_path: Path, body: dict[str, object], where: str, fragment: str
) -> None:
    model = case(tmp_path)
    scenario = _scenario(tmp_path, body)
    with pytest.raises(InputError) as info:
        load(model, [str(scenario)])
    text = str(info.value)
    assert where in text and fragment in text, text
    if "currency" not in where:
        assert len(info.value.problems) == 1 and "what_if.yaml" in info.value.problems[0].file
    result = runner.invoke(app, ["validate", str(model), "-s", str(scenario)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert re.search(re.escape(fragment), result.output)
