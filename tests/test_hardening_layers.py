"""Regression tests for issue 12, item 5 ("wrong file blamed"), the classes the full fuzz
run still found (docs/reliability.md): every message names the layer that supplied the
bad thing.

- a scenario file that lost its ``extends:`` (truncated, or the key deleted) was blamed on
  the command line (``--scenario s: ... is a model file``), not on the scenario file;
- a period renamed in ``horizon.periods`` (by the model file, a scenario or ``--set``) was
  blamed on every table row that uses the old name;
- a part renamed in parts.csv was blamed on every row of supply.csv and eligibility.csv
  that uses the old name; a zone renamed in regions.csv gave demand.csv's missing rows
  without naming regions.csv, where the zones come from.

Each test fails on main before commit "Messages name the layer that renamed ..." and
passes now.  Tiny cases (tests/tiny.py), loaded as ``capplan validate`` does.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from capplan.config.loader import load_config
from capplan.errors import InputError, Problem
from tests.tiny import case, part, region


def problems(model: Path, scenarios: list[str] = [], sets: list[str] = []) -> list[Problem]:  # noqa: B006
    with pytest.raises(InputError) as caught:
        load_config(model, scenarios, sets)
    return caught.value.problems


def only(found: list[Problem]) -> Problem:
    """The one problem there is (a rename is said once, at its root)."""
    assert len(found) == 1, "\n".join(str(p) for p in found)
    return found[0]


# ------------------------------------------------------------ a scenario without extends


def test_scenario_that_lost_its_extends_is_blamed_on_the_scenario_file(tmp_path: Path) -> None:
    model = case(tmp_path)
    (tmp_path / "scenarios").mkdir()
    scenario = tmp_path / "scenarios" / "s.yaml"
    scenario.write_text("overrides:\n  budget: {total_rmb_bn: 50}\n")  # extends: lost
    found = only(problems(model, ["s"]))
    assert found.file.endswith("scenarios/s.yaml") and found.where == "extends"
    assert "missing" in found.message and "--scenario s" in found.message
    scenario.write_text("overrides:\n  budget: {tot")  # truncated mid-file: still the file
    assert only(problems(model, ["s"])).file.endswith("scenarios/s.yaml")


def test_model_file_given_as_a_scenario_is_still_blamed_on_the_command_line(
    tmp_path: Path,
) -> None:
    model = case(tmp_path)
    found = only(problems(model, [str(model)]))
    assert found.file == "command line" and "is a model file" in found.message


# ------------------------------------------------------------ a renamed period


def test_period_renamed_in_the_model_file_is_blamed_on_horizon_periods(tmp_path: Path) -> None:
    model = case(tmp_path, campaigns=None)
    data = yaml.safe_load(model.read_text())
    data["horizon"]["periods"] = ["Y9"]
    model.write_text(yaml.safe_dump(data))
    found = only(problems(model))
    assert found.file.endswith("model.yaml") and found.where == "horizon.periods"
    assert "'Y9' has no rows in" in found.message and "'Y1' instead (renamed?)" in found.message


def test_period_renamed_by_set_or_scenario_is_blamed_on_that_layer(tmp_path: Path) -> None:
    model = case(tmp_path)
    found = only(problems(model, sets=["horizon.periods=[Y9]"]))
    assert (found.file, found.where) == ("command line", "--set horizon.periods")
    (tmp_path / "scenarios").mkdir()
    spec = {"extends": "../model.yaml", "overrides": {"horizon": {"periods": ["Y9"]}}}
    (tmp_path / "scenarios" / "s.yaml").write_text(yaml.safe_dump(spec))
    found = only(problems(model, ["s"]))
    assert found.file.endswith("scenarios/s.yaml")
    assert found.where == "overrides.horizon.periods"


def test_period_added_without_rows_is_blamed_on_horizon_not_on_every_table(
    tmp_path: Path,
) -> None:
    model = case(tmp_path)
    found = only(problems(model, sets=["horizon.periods=[Y1, Y2]"]))
    assert (found.file, found.where) == ("command line", "--set horizon.periods")
    assert "'Y2' has no rows in" in found.message and "instead" not in found.message


def test_a_table_short_of_one_period_is_still_blamed_on_that_table(tmp_path: Path) -> None:
    model = case(tmp_path, model={"horizon": {"periods": ["Y1", "Y2"], "period_years": 1}})
    demand = tmp_path / "inputs" / "demand.csv"
    frame = pd.read_csv(demand)
    frame[frame["period"] == "Y1"].to_csv(demand, index=False)  # Y2 kept by the other tables
    found = only(problems(model))
    assert found.file.endswith("demand.csv") and "missing row" in found.message


# ------------------------------------------------------------ renamed zones, regions, parts


def test_zone_renamed_in_regions_names_regions_in_the_missing_rows(tmp_path: Path) -> None:
    """A zone defined in regions.csv and used only by demand.csv looks the same renamed on
    either side: the missing demand rows are reported, naming the file the zones come from
    (the old name, still used by region B, is no unknown name)."""
    model = case(tmp_path, regions=[region(), region(region="B")])
    regions = tmp_path / "inputs" / "regions.csv"
    frame = pd.read_csv(regions, keep_default_na=False)
    frame.loc[0, "zone"] = "-1"
    frame.to_csv(regions, index=False)
    found = only(problems(model))
    assert found.file.endswith("demand.csv") and found.where == "zone=-1, period=Y1"
    assert found.message.endswith(f"zone x period (the zones of {regions})")


def test_part_renamed_in_parts_is_blamed_on_parts(tmp_path: Path) -> None:
    model = case(tmp_path, parts=[part(), part(part="Q")])
    parts = tmp_path / "inputs" / "parts.csv"
    frame = pd.read_csv(parts, keep_default_na=False)
    frame.loc[1, "part"] = "Q2"
    frame.to_csv(parts, index=False)
    found = only(problems(model))
    assert found.file.endswith("parts.csv") and found.where == "row 3 (part=Q2), column part"
    assert "'Q' instead (renamed?)" in found.message
