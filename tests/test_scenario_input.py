"""Scenario files, --scenario and --set: precedence, table edits, safety and bad input.

Every bad case runs the real command line and checks exit code 2 and one message naming
the file (the scenario file, or ``command line`` for an option) and the key path.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from capplan.cli import app
from capplan.config.loader import Config, load_config
from capplan.errors import InputError
from capplan.pipeline import solve
from tests.test_bad_input import base_copy, check_clean, check_message
from tests.tiny import case

runner = CliRunner()


def tiny(tmp: Path, **scenarios: str) -> Path:
    """A tiny model with scenario files ``<name>.yaml`` beside it, in scenarios/."""
    model = case(
        tmp / "project",
        model={"horizon": {"periods": ["Y1", "Y2", "Y3"]}},
        demand=[
            {"zone": "Z", "period": p, "demand_zflop": 5.0, "revenue_rmb_per_zflop": 2e6}
            for p in ("Y1", "Y2", "Y3")
        ],
        campaigns=[
            {
                "campaign": "c",
                "flop": 1e21,
                "earliest": "",
                "deadline": "Y3",
                "regions": "*",
                "parts": "*",
                "late_penalty_rmb_per_zflop": 1e6,
            }
        ],
    )
    folder = model.parent / "scenarios"
    folder.mkdir(exist_ok=True)
    for name, text in scenarios.items():
        (folder / f"{name}.yaml").write_text(text)
    return model


def scenario(body: str, extends: str = "../model.yaml") -> str:
    return f"extends: {extends}\n{body}"


def validate(model: Path, *args: str) -> Result:
    return runner.invoke(app, ["validate", str(model), *args])


def load(model: Path, *scenarios: str, sets: tuple[str, ...] = ()) -> Config:
    return load_config(model, scenarios, sets)


# --------------------------------------------------------------------------- precedence


def test_scenarios_apply_in_order_and_set_last(tmp_path: Path) -> None:
    model = tiny(
        tmp_path,
        a=scenario("overrides: {budget: {total_rmb_bn: 50}}\n"),
        b=scenario("overrides: {budget: {total_rmb_bn: 20}}\n"),
    )
    assert load(model).model.budget.total_rmb_bn == 100
    assert load(model, "a", "b").model.budget.total_rmb_bn == 20
    assert load(model, "b", "a").model.budget.total_rmb_bn == 50
    both = load(model, "a", "b", sets=("budget.total_rmb_bn=7",))
    assert both.model.budget.total_rmb_bn == 7
    assert both.scenarios == ("a", "b")
    assert both.label == "tiny+a+b"
    assert both.settings == ("budget.total_rmb_bn=7",)


def test_overrides_merge_key_by_key_and_empty_mapping_replaces(tmp_path: Path) -> None:
    model = tiny(
        tmp_path,
        wacc=scenario("overrides: {finance: {wacc: 0.1}}\n"),
        shares=scenario("overrides: {policy: {state_share: {Z: 0.5}}}\n"),
        clear=scenario("overrides: {policy: {state_share: {}}}\n"),
    )
    config = load(model, "wacc", "shares")
    assert config.model.finance.wacc == 0.1
    assert config.model.finance.server_uplift == 0.0  # kept from the model file
    assert config.policy.state_share == {"Z": 0.5}
    assert load(model, "shares", "clear").policy.state_share == {}
    assert load(model, sets=("policy.state_share.Z=0.25",)).policy.state_share == {"Z": 0.25}


def test_extends_chain_applies_parents_first_and_each_file_once(tmp_path: Path) -> None:
    """double scales demand by 2; twice extends double and adds 1: (5 x 2) + 1 = 11, also
    when double is given as well (it is applied once)."""
    model = tiny(
        tmp_path,
        double=scenario("edits: [{table: demand, scale: {demand_zflop: 2}}]\n"),
        twice=scenario("edits: [{table: demand, add: {demand_zflop: 1}}]\n", "double.yaml"),
    )
    for names in (["twice"], ["double", "twice"], ["twice", "double"]):
        config = load(model, *names)
        assert config.scenarios == ("double", "twice")
        assert config.tables["demand"]["demand_zflop"].tolist() == [11.0, 11.0, 11.0]
    direct = load_config(model.parent / "scenarios" / "twice.yaml")
    assert direct.input_hash == load(model, "twice").input_hash
    assert direct.tables["demand"]["demand_zflop"].tolist() == [11.0, 11.0, 11.0]


def test_table_edits_set_scale_add_on_a_period_range(tmp_path: Path) -> None:
    model = tiny(
        tmp_path,
        edit=scenario(
            "edits:\n"
            "  - {table: demand, where: {period: {from: Y2}}, scale: {demand_zflop: 1.5}}\n"
            "  - {table: demand, where: {period: {to: Y1}}, set: {revenue_rmb_per_zflop: 3}}\n"
            "  - {table: regions, where: {region: A}, add: {lead_time_months: 12}}\n"
            "  - {table: regions, where: {}, set: {max_new_mw_total: 7}}\n"
            "  - {table: regions, where: {region: A}, set: {max_new_mw_total: null}}\n"
            "  - {table: supply, where: {part: [P], market: china, period: [Y1, Y3]},\n"
            "     set: {units: 2}}\n"
            "  - {table: parts, scale: {pod_size: 2}}\n"
        ),
    )
    t = load(model, "edit").tables
    assert t["demand"]["demand_zflop"].tolist() == [5.0, 7.5, 7.5]
    assert t["demand"]["revenue_rmb_per_zflop"].tolist() == [3.0, 2e6, 2e6]
    assert t["regions"]["lead_time_months"].tolist() == [12.0]
    assert t["regions"]["max_new_mw_total"].isna().all()
    china = t["supply"][t["supply"]["market"] == "china"]
    assert china["units"].tolist() == [2.0, 1e9, 2.0]
    assert t["parts"]["pod_size"].tolist() == [2]
    assert str(t["parts"]["pod_size"].dtype).startswith("int")  # validated again: whole


def test_input_hash_covers_scenarios_and_set_values(tmp_path: Path) -> None:
    model = tiny(tmp_path, a=scenario("overrides: {budget: {total_rmb_bn: 50}}\n"))
    hashes = {
        load(model).input_hash,
        load(model, "a").input_hash,
        load(model, sets=("budget.total_rmb_bn=50",)).input_hash,
        load(model, sets=("budget.total_rmb_bn=50.0",)).input_hash,
    }
    assert len(hashes) == 4
    assert load(model, "a").input_hash == load(model, "a").input_hash


def test_summary_and_run_folder_name_the_scenarios(tmp_path: Path) -> None:
    model = tiny(tmp_path, a=scenario("overrides: {budget: {total_rmb_bn: 50}}\n"))
    run = solve(model, scenarios=["a"], sets=["finance.wacc=0.05"], outputs_dir=tmp_path / "out")
    assert run.out_dir == tmp_path / "out" / "tiny+a"
    summary = json.loads((run.out_dir / "summary.json").read_text())
    assert summary["scenarios"] == ["a"]
    assert summary["set"] == ["finance.wacc=0.05"]


def test_scenario_may_move_the_inputs_relative_to_itself(tmp_path: Path) -> None:
    """An inputs.dir set by a scenario is relative to the scenario file."""
    model = tiny(tmp_path, moved=scenario("overrides: {inputs: {dir: ../other}}\n"))
    shutil.copytree(model.parent / "inputs", model.parent / "other")
    assert load(model, "moved").files["regions"] == (model.parent / "other" / "regions.csv")


# --------------------------------------------------------------------------- bad input


@dataclass(frozen=True)
class Bad:
    """A bad scenario or option: the files, the command-line arguments, the message."""

    scenarios: dict[str, str]
    args: tuple[str, ...]
    fragments: tuple[str, ...]


BAD: dict[str, Bad] = {
    "unknown key in overrides": Bad(
        {"x": scenario("overrides: {budget: {totl_rmb_bn: 5}}\n")},
        ("-s", "x"),
        (
            "scenarios/x.yaml: overrides.budget.totl_rmb_bn: unknown key "
            "(did you mean 'total_rmb_bn'?)",
        ),
    ),
    "unknown key in a scenario file": Bad(
        {"x": scenario("overides: {budget: {total_rmb_bn: 5}}\n")},
        ("-s", "x"),
        ("scenarios/x.yaml: overides: unknown key (did you mean 'overrides'?)",),
    ),
    "wrong type in overrides": Bad(
        {"x": scenario("overrides: {budget: {total_rmb_bn: 1e6}}\n")},
        ("-s", "x"),
        (
            "scenarios/x.yaml: overrides.budget.total_rmb_bn: expected a number, got '1e6' "
            "(YAML 1.1 reads numbers like 1e6 as text",
        ),
    ),
    "bad policy override": Bad(
        {"x": scenario("overrides: {policy: {state_share: {Z: 1.5}}}\n")},
        ("-s", "x"),
        ("scenarios/x.yaml: overrides.policy.state_share.Z: expected a number less than",),
    ),
    "selection matching nothing": Bad(
        {
            "x": scenario(
                "edits: [{table: supply, where: {part: P, period: Y9}, set: {units: 0}}]\n"
            )
        },
        ("-s", "x"),
        ("scenarios/x.yaml: edits[0].where.period: period 'Y9' is outside the horizon",),
    ),
    "values that exist but not together": Bad(
        {
            "x": scenario(
                "edits: [{table: demand, where: {period: Y2}, set: {demand_zflop: 6}},\n"
                "  {table: demand, where: {period: Y1, demand_zflop: 6}, add: {demand_zflop: 1}}]\n"
            )
        },
        ("-s", "x"),
        (
            "scenarios/x.yaml: edits[1].where: matches no row of demand: expected a "
            "selection that matches at least one row",
        ),
    ),
    "unknown table": Bad(
        {"x": scenario("edits: [{table: suply, set: {units: 0}}]\n")},
        ("-s", "x"),
        ("scenarios/x.yaml: edits[0].table: expected 'regions', 'parts', 'supply'", "'suply'"),
    ),
    "unknown column": Bad(
        {"x": scenario("edits: [{table: supply, where: {prt: P}, set: {units: 0}}]\n")},
        ("-s", "x"),
        ("scenarios/x.yaml: edits[0].where.prt: unknown column of supply 'prt' (did you mean",),
    ),
    "unknown value": Bad(
        {"x": scenario("edits: [{table: supply, where: {part: [P, Q]}, set: {units: 0}}]\n")},
        ("-s", "x"),
        ("scenarios/x.yaml: edits[0].where.part[1]: unknown part 'Q'; expected one of: P",),
    ),
    "key column changed": Bad(
        {"x": scenario("edits: [{table: supply, set: {market: china}}]\n")},
        ("-s", "x"),
        ("scenarios/x.yaml: edits[0].set.market: market is a key column of supply",),
    ),
    "text scaled": Bad(
        {"x": scenario("edits: [{table: regions, scale: {zone: 2}}]\n")},
        ("-s", "x"),
        ("scenarios/x.yaml: edits[0].scale.zone: zone is not a number",),
    ),
    "set value of the wrong type": Bad(
        {"x": scenario("edits: [{table: regions, set: {pue: 1e6}}]\n")},
        ("-s", "x"),
        ("scenarios/x.yaml: edits[0].set.pue: expected a number, got '1e6' (YAML 1.1",),
    ),
    "edited row invalid": Bad(
        {"x": scenario("edits: [{table: demand, where: {period: Y2}, add: {demand_zflop: -9}}]\n")},
        ("-s", "x"),
        (
            "scenarios/x.yaml: edits[0] -> ",
            "demand.csv row 3 (zone=Z, period=Y2), column demand_zflop: expected a number "
            "greater than or equal to 0, got -4.0",
        ),
    ),
    "edited table cross-check": Bad(
        {"x": scenario("edits: [{table: campaigns, set: {deadline: Y9}}]\n")},
        ("-s", "x"),
        (
            "campaigns.csv (edited by ",
            "scenarios/x.yaml): row 2 (campaign=c, deadline=Y9), column deadline: period 'Y9' "
            "is outside the horizon",
        ),
    ),
    "cycle": Bad(
        {"x": scenario("", "y.yaml"), "y": scenario("", "x.yaml")},
        ("-s", "x"),
        ("scenarios/y.yaml: extends: cycle of extends: x.yaml -> y.yaml -> x.yaml",),
    ),
    "self cycle": Bad(
        {"x": scenario("", "x.yaml")},
        ("-s", "x"),
        ("scenarios/x.yaml: extends: cycle of extends: x.yaml -> x.yaml",),
    ),
    "extends outside the project": Bad(
        {"x": scenario("", "../../../model.yaml")},
        ("-s", "x"),
        (
            "scenarios/x.yaml: extends: '../../../model.yaml' is outside the project folder",
            "(or pass --allow-outside)",
        ),
    ),
    "inputs outside the project": Bad(
        {"x": scenario("overrides: {inputs: {dir: ../../..}}\n")},
        ("-s", "x"),
        ("scenarios/x.yaml: overrides.inputs.dir: '../../..' is outside the project folder",),
    ),
    "table file outside the project by --set": Bad(
        {},
        ("--set", "inputs.regions=../../../regions.csv"),
        (
            "command line: --set inputs.regions: '../../../regions.csv' is outside the "
            "project folder",
        ),
    ),
    "extends a missing file": Bad(
        {"x": scenario("", "nothere.yaml")},
        ("-s", "x"),
        ("scenarios/x.yaml: extends: file 'nothere.yaml' not found",),
    ),
    "--set wrong type": Bad(
        {},
        ("--set", "budget.total_rmb_bn=1e6"),
        (
            "command line: --set budget.total_rmb_bn: expected a number, got '1e6' (YAML 1.1 "
            "reads numbers like 1e6 as text: write 1.0e+6 or 1000000)",
        ),
    ),
    "--set unknown key": Bad(
        {},
        ("--set", "budget.totl_rmb_bn=5"),
        ("command line: --set budget.totl_rmb_bn: unknown key (did you mean 'total_rmb_bn'?)",),
    ),
    "--set without a value": Bad(
        {},
        ("--set", "budget.total_rmb_bn"),
        ("command line: --set budget.total_rmb_bn: expected key.path=value",),
    ),
    "--set below a value": Bad(
        {},
        ("--set", "budget.total_rmb_bn.x=1"),
        ("command line: --set budget.total_rmb_bn.x: budget.total_rmb_bn is a value",),
    ),
    "--set malformed YAML": Bad(
        {},
        ("--set", "horizon.periods=[Y1, Y2"),
        ("command line: --set horizon.periods, line 1, column 8: malformed YAML",),
    ),
    "unknown scenario name": Bad(
        {"more_supply": scenario("")},
        ("-s", "more_suply"),
        (
            "command line: --scenario more_suply: no scenario 'more_suply'",
            "(did you mean 'more_supply'?)",
        ),
    ),
    "a model given as a scenario": Bad(
        {},
        ("-s", "{model}"),
        ("model.yaml is a model file (it has no extends:); expected a scenario file",),
    ),
    "alias bomb": Bad(
        {
            "x": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
                for p, n in zip("abcdefg", "bcdefgh", strict=True)
            )
            + "extends: ../model.yaml\n"
        },
        ("-s", "x"),
        ("scenarios/x.yaml: the YAML expands to more than 100,000 values (an alias bomb?)",),
    ),
    "recursive alias": Bad(
        {"x": "a: &a [1, *a]\nextends: ../model.yaml\n"},
        ("-s", "x"),
        ("scenarios/x.yaml: an alias refers to the value that contains it (line 1)",),
    ),
    "deep nesting": Bad(
        {"x": "a: " + "[" * 5000 + "]" * 5000 + "\nextends: ../model.yaml\n"},
        ("-s", "x"),
        ("scenarios/x.yaml: nested too deeply",),
    ),
    "huge scenario file": Bad(
        {"x": "extends: ../model.yaml\n" + "# padding\n" * 120_000},
        ("-s", "x"),
        ("scenarios/x.yaml: file is larger than 1 MiB",),
    ),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_scenario_gives_one_message_and_exit_code_2(kind: str, tmp_path: Path) -> None:
    bad = BAD[kind]
    model = tiny(tmp_path, **bad.scenarios)
    args = [a.format(model=model) for a in bad.args]
    check_message(validate(model, *args), *bad.fragments)
    result = runner.invoke(app, ["solve", str(model), *args, "--out", str(tmp_path / "run")])
    check_message(result, *bad.fragments)
    assert not (tmp_path / "run").exists()


def test_allow_outside_lets_paths_leave_the_project(tmp_path: Path) -> None:
    """The project folder of a/project/model.yaml is a/; ../../../shared leaves it."""
    model = tiny(tmp_path / "a", x=scenario("overrides: {inputs: {dir: ../../../shared}}\n"))
    shutil.copytree(model.parent / "inputs", tmp_path / "shared")
    check_message(validate(model, "-s", "x"), f"is outside the project folder {tmp_path / 'a'}")
    check_clean(validate(model, "-s", "x", "--allow-outside"), 0)


def test_shipped_scenarios_validate_from_a_copy(tmp_path: Path) -> None:
    model = base_copy(tmp_path)
    result = validate(model, "-s", "nvidia_ban", "-s", "demand_surge_sea")
    output = check_clean(result, 0)
    assert " + nvidia_ban + demand_surge_sea: valid" in output


def test_problems_in_overrides_and_model_are_reported_together(tmp_path: Path) -> None:
    model = tiny(tmp_path, x=scenario("overrides: {finance: {wacc: 2}}\n"))
    with pytest.raises(InputError) as info:
        load(model, "x", sets=("budget.total_rmb_bn=-1",))
    places = sorted((p.file.split("/")[-1], p.where) for p in info.value.problems)
    assert places == [
        ("command line", "--set budget.total_rmb_bn"),
        ("x.yaml", "overrides.finance.wacc"),
    ]


# --------------------------------------------------------------------------- schema


def test_schema_command_prints_json_schemas() -> None:
    model = json.loads(check_clean(runner.invoke(app, ["schema", "model"]), 0))
    assert "budget" in model["required"] and model["additionalProperties"] is False
    found = json.loads(check_clean(runner.invoke(app, ["schema", "scenario"]), 0))
    assert found["required"] == ["extends"]
    overrides = found["properties"]["overrides"]
    assert "required" not in overrides and "policy" in overrides["properties"]
    assert "required" not in found["$defs"]["Budget"]
    assert found["$defs"]["TableEdit"]["required"] == ["table"]
    policy = json.loads(check_clean(runner.invoke(app, ["schema", "policy"]), 0))
    assert "state_share" in policy["properties"]
    bad = runner.invoke(app, ["schema", "scenaro"])
    check_message(bad, "command line: KIND: unknown value 'scenaro'")


def test_a_shortened_horizon_is_blamed_on_whoever_shortened_it(tmp_path: Path) -> None:
    """Rows of a period that a scenario or --set took out of the horizon name that layer
    as the source of the expected periods, not the model file."""
    model = tiny(tmp_path, x=scenario("overrides: {horizon: {periods: [Y1, Y2]}}\n"))
    by_set = validate(model, "--set", "horizon.periods=[Y1, Y2]")
    by_scenario = validate(model, "-s", "x")
    for result, source in (
        (by_set, "expected one of --set horizon.periods: Y1, Y2"),
        (by_scenario, "expected one of overrides.horizon.periods of "),
    ):
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if "demand.csv: row 4" in line]
        assert len(lines) == 1 and "period 'Y3' is outside the horizon" in lines[0], lines
        assert source in lines[0] and "horizon.periods of " + str(model) not in lines[0]
    assert "scenarios/x.yaml: Y1, Y2" in by_scenario.output
