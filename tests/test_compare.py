"""`capplan compare` on tiny cases whose binding limits are known by hand.

Reference (tests/tiny.py): 3 units of the part obtainable in China.  Each pod (one unit,
RMB 1 million) serves 1 ZFLOP at RMB 2 million, so supply binds: 3 pods, NPV 3, and one
more unit is worth RMB 1 million of NPV (the supply's marginal value), while the 5 ZFLOP
of demand is slack.  Scenario ``more_supply`` raises the supply to 6 units: 5 pods serve
all demand, NPV 5; now demand binds (worth RMB 1 million per ZFLOP) and supply is slack.
"""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from capplan.cli import app
from tests.tiny import case

runner = CliRunner()
MORE_SUPPLY = """\
description: More supply.
source: test
extends: ../model.yaml
edits:
  - {table: supply, where: {part: P, market: china}, set: {units: 6}}
"""
NO_BUDGET = """\
description: A budget too small for the campaign.
source: test
extends: ../model.yaml
overrides:
  budget: {total_rmb_bn: 0.002}
edits:
  - table: campaigns
    where: {campaign: big}
    set: {flop: 1.0e+23}
"""


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = case(tmp_path / "tiny", supply_units=3)
    folder = path.parent / "scenarios"
    folder.mkdir()
    (folder / "more_supply.yaml").write_text(MORE_SUPPLY)
    return path


def compare(model: Path, *args: str) -> Result:
    result = runner.invoke(app, ["compare", *args, "--model", str(model)])
    assert "Traceback" not in result.output
    return result


def test_story_names_the_binding_switch(model: Path, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    result = compare(model, "base", "more_supply", "--out", str(out))
    assert result.exit_code == 0, result.output
    story = (out / "compare.md").read_text()
    assert (
        "Against base, more_supply raises the NPV by RMB 2.0 million (+66.7%) to RMB 5.0 "
        "million and raises capex by RMB 2.0 million (+66.7%) to RMB 5.0 million"
    ) in story
    assert "It changes 1 limit: the supply of P for china in Y1 from 3 units to 6 units." in story
    assert "Bought more (RMB +2.0 million of capex in all): P in A: +2 units" in story
    assert (
        "Limits that now bind: Z/commercial demand in Y1 (marginal value 1,000,000 RMB per "
        "ZFLOP)." in story
    )
    assert (
        "Limits that no longer bind: the supply of P for china in Y1 (marginal value 0 RMB per "
        "unit)." in story
    )
    assert "What holds more_supply back" in story
    limits = pd.read_csv(out / "limit_changes.csv")
    supply = limits[limits["family"] == "supply"].iloc[0]
    assert supply["change"] == "limit changed; became slack; value moved"
    assert supply["marginal_value_ref"] == pytest.approx(1e6)
    assert supply["marginal_value"] == pytest.approx(0.0)
    inv = pd.read_csv(out / "investment_changes.csv")
    assert inv[["quantity_ref", "quantity", "capex_change_rmb_m"]].values.tolist() == [[3, 5, 2.0]]
    kpis = pd.read_csv(out / "kpis.csv").set_index("kpi")
    assert kpis.loc["npv_rmb_m", ["base", "more_supply", "more_supply_change"]].tolist() == [
        pytest.approx(3.0),
        pytest.approx(5.0),
        pytest.approx(2.0),
    ]
    assert "more_supply: Against base" in result.stdout  # the story is printed too


def test_same_plans_give_identical_files_and_never_overwrite(model: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert compare(model, "base", "more_supply", "--out", str(first), "-q").exit_code == 0
    assert compare(model, "base", "more_supply", "--out", str(second), "-q").exit_code == 0
    names = sorted(p.name for p in first.iterdir())
    assert names == [
        "budget_shifts.csv",
        "compare.json",
        "compare.md",
        "investment_changes.csv",
        "kpis.csv",
        "limit_changes.csv",
    ]
    assert filecmp.cmpfiles(first, second, names, shallow=False)[0] == names
    before = (first / "compare.md").read_bytes()
    again = compare(model, "base", "more_supply", "--out", str(first))
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert (first / "compare.md").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_run_folders_compare_like_solves_on_the_fly(model: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for name, extra in (("base", []), ("more_supply", ["-s", "more_supply"])):
        solved = runner.invoke(app, ["solve", str(model), "--out", str(runs / name), *extra])
        assert solved.exit_code == 0, solved.output
    read = tmp_path / "read"
    result = compare(model, str(runs / "base"), str(runs / "more_supply"), "--out", str(read))
    assert result.exit_code == 0, result.output
    fly = tmp_path / "fly"
    assert compare(model, "base", "more_supply", "--out", str(fly)).exit_code == 0
    tables = ["kpis.csv", "investment_changes.csv", "budget_shifts.csv", "limit_changes.csv"]
    assert filecmp.cmpfiles(read, fly, tables, shallow=False)[0] == tables


def test_scenarios_joined_by_plus_compose(model: Path, tmp_path: Path) -> None:
    """more_supply+half_price: 6 units at RMB 0.5 million a pod: 5 pods, NPV 10 - 2.5."""
    (model.parent / "scenarios" / "half_price.yaml").write_text(
        "extends: ../model.yaml\nedits:\n"
        "  - {table: parts, where: {part: P}, scale: {price_usd: 0.5}}\n"
    )
    out = tmp_path / "cmp"
    result = compare(model, "base", "more_supply+half_price", "--out", str(out))
    assert result.exit_code == 0, result.output
    kpis = pd.read_csv(out / "kpis.csv").set_index("kpi")
    assert kpis.loc["npv_rmb_m", "more_supply+half_price"] == pytest.approx(7.5)


def test_infeasible_plan_stops_with_exit_3_and_its_explanation(model: Path) -> None:
    (model.parent / "inputs" / "campaigns.csv").write_text(
        "campaign,flop,earliest,deadline,regions,parts,late_penalty_rmb_per_zflop\n"
        "big,1e21,,Y1,*,*,\n"
    )
    (model.parent / "scenarios" / "no_budget.yaml").write_text(NO_BUDGET)
    result = compare(model, "base", "no_budget")
    assert result.exit_code == 3
    assert "no_budget: infeasible" in result.stderr
    assert "campaign big needs 1e23 FLOP by Y1" in result.stderr
    assert "short by 98%" in result.stderr


@pytest.mark.parametrize(
    ("plans", "message"),
    [
        (["base"], "command line: PLANS: expected at least two plans to compare"),
        (["base", "base"], "command line: PLANS: base given twice"),
        (["base", "more_suply"], "no scenario 'more_suply'"),
        (["base", "{tmp}"], "not a run folder: no summary.json"),
    ],
)
def test_bad_plans_exit_2(model: Path, tmp_path: Path, plans: list[str], message: str) -> None:
    names = [p.format(tmp=tmp_path) for p in plans]
    result = compare(model, *names, "--out", str(tmp_path / "cmp"))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not (tmp_path / "cmp").exists()
