"""Infeasibility explained: the smallest violations in business terms, exit code 3.

Tiny cases (tests/tiny.py): pods of one unit at RMB 1 million, each giving exactly 1 ZFLOP
in the one year and drawing 0.1 MW.  A required campaign of 100 ZFLOP (1e23 FLOP) by Y1
cannot be met when a limit allows only a few pods; the elastic program keeps the other
limits and reports the campaign short by what that limit cannot deliver:

* budget RMB 2 million -> 2 pods -> 2 ZFLOP: short by 98 ZFLOP (98%);
* supply of 3 units -> 3 pods -> 3 ZFLOP: short by 97%;
* 0.5 MW and no new build -> 5 pods -> 5 ZFLOP: short by 95%.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capplan.backends.base import SolveOptions
from capplan.cli import app
from capplan.model.build import build_model
from capplan.pipeline import load, solve
from capplan.results.explain import Explanation, explain_infeasible
from tests.tiny import case, part, region

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
CAMPAIGN = {
    "campaign": "big",
    "flop": 1e23,
    "earliest": "",
    "deadline": "Y1",
    "regions": "*",
    "parts": "*",
    "late_penalty_rmb_per_zflop": "",
}


def explain(model: Path) -> Explanation:
    config, tables = load(model)
    return explain_infeasible(build_model(tables), "highs", SolveOptions(), config.scenarios)


def cli_solve(model: Path, *args: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["solve", str(model), "--out", str(model.parent / "run"), *args])
    assert "Traceback" not in result.output
    assert not (model.parent / "run").exists()  # an infeasible run writes nothing
    lines = result.stderr.strip().splitlines()
    # the tiny cases' figures are implausible on purpose (config/plausible.py)
    return result.exit_code, [ln for ln in lines if not ln.startswith("capplan: warning:")]


CASES = {
    "budget": (
        {"model": {"budget": {"total_rmb_bn": 0.002}}},
        2.0,
        "limited by the total budget of RMB 2.0 million",
    ),
    "supply": ({"supply_units": 3}, 3.0, "limited by the supply of P for china in Y1, 3 units"),
    "power": (
        {"regions": [region(existing_mw=0.5, max_new_mw_per_period=0)]},
        5.0,
        "limited by power in A in Y1, 0.5 MW plus new builds online",
    ),
}


@pytest.mark.parametrize("cause", list(CASES))
def test_campaign_shortfall_names_the_limit(cause: str, tmp_path: Path) -> None:
    changes, delivered, limited_by = CASES[cause]
    model = case(tmp_path, campaigns=[CAMPAIGN], **changes)  # type: ignore[arg-type]
    code, lines = cli_solve(model)
    assert code == 3
    short = 100.0 - delivered
    assert lines[0].startswith("capplan: infeasible")
    assert lines[1] == (
        f"capplan: campaign big needs 1e23 FLOP by Y1; at most {delivered:g}e21 FLOP can be "
        f"delivered: short by {short:.0f}%; {limited_by}"
    )
    assert len(lines) == 2
    found = explain(model)
    [violation] = found.violations
    assert violation.family == "campaign"
    assert violation.amount == pytest.approx(short)
    assert violation.share == pytest.approx(short / 100)


def test_policy_share_is_a_violation_in_pflops(tmp_path: Path) -> None:
    """Only a foreign part, a 50% domestic minimum and a 5 ZFLOP campaign: buying 5 pods
    misses the share by half their peak compute, 5 x 0.5 x 31.71 TFLOPS = 0.0793 PFLOPS,
    which is smaller, relative to all obtainable compute, than dropping the campaign."""
    model = case(
        tmp_path,
        parts=[part(domestic=False)],
        policy={"state_share": {}, "min_domestic_share_china": 0.5},
        campaigns=[{**CAMPAIGN, "flop": 5e21}],
    )
    found = explain(model)
    [violation] = found.violations
    assert violation.family == "domestic_share"
    assert violation.amount == pytest.approx(5 * 0.5 * part()["tflops"] / 1e3)
    assert violation.sentence == (
        "the minimum domestic share in China of 50% in Y1 is missed by 0.0793 PFLOPS of peak "
        "compute"
    )


def test_two_campaigns_each_short(tmp_path: Path) -> None:
    """Budget RMB 4 million for two campaigns of 10 ZFLOP each: 4 pods, 6 + 10 or 10 + 6
    short; relative weights are equal, so 16 ZFLOP short in all, over both lines."""
    model = case(
        tmp_path,
        model={"budget": {"total_rmb_bn": 0.004}},
        campaigns=[{**CAMPAIGN, "flop": 1e22}, {**CAMPAIGN, "campaign": "second", "flop": 1e22}],
    )
    found = explain(model)
    assert {v.family for v in found.violations} == {"campaign"}
    assert sum(v.amount for v in found.violations) == pytest.approx(16.0)
    assert found.causes == ["the total budget of RMB 4.0 million"]


def test_feasible_model_has_no_explanation(tmp_path: Path) -> None:
    run = solve(case(tmp_path), write=False)
    assert run.result.status == "optimal"
    assert run.explanation is None


def test_base_scenario_campaign_beyond_all_supply(tmp_path: Path) -> None:
    """nvidia_ban plus a 5e27-FLOP qwen-max-next by FY2026: more than every domestic part
    of FY2026 can train.  Exit 3; the message names the campaign, the scenarios, what can
    be delivered and the shortfall, and the FY2026 domestic supply as the limit."""
    shutil.copytree(ROOT / "models", tmp_path / "models")
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    (tmp_path / "models" / "scenarios" / "huge_run.yaml").write_text(
        "extends: ../base.yaml\n"
        "edits:\n"
        "  - {table: campaigns, where: {campaign: qwen-max-next}, set: {flop: 5.0e+27}}\n"
    )
    code, lines = cli_solve(tmp_path / "models" / "base.yaml", "-s", "nvidia_ban", "-s", "huge_run")
    assert code == 3
    text = "\n".join(lines)
    assert (
        "campaign qwen-max-next needs 5e27 FLOP by FY2026; with scenarios nvidia_ban, "
        "huge_run at most " in text
    )
    assert "short by 66%" in text
    assert "limited by the supply of Ascend 910C for china in FY2026, 120,000 units" in text


def _feasible(tmp_path: Path, flop: float) -> bool:
    """Whether the base case solves with qwen-frontier at ``flop`` (no explanation run)."""
    from capplan.backends import get_backend

    scenario = tmp_path / f"frontier_{flop:.6g}.yaml"
    scenario.write_text(
        f"extends: {ROOT / 'models' / 'base.yaml'}\n"
        "edits:\n"
        f"  - {{table: campaigns, where: {{campaign: qwen-frontier}}, set: {{flop: {flop:.6e}}}}}\n"
    )
    _, tables = load(ROOT / "models" / "base.yaml", [str(scenario)], allow_outside=True)
    result = get_backend("highs").solve(build_model(tables).lp, SolveOptions(mip_gap=1e-6))
    return bool(result.status.has_solution)


def test_the_named_bound_is_achievable_and_one_percent_more_is_not(tmp_path: Path) -> None:
    """qwen-frontier at 2e28 FLOP (issue 11): the explanation once said "at most 0 FLOP"
    (HiGHS claimed a wrong elastic optimum).  The amount it names now solves, and 1% more
    does not."""
    scenario = tmp_path / "frontier.yaml"
    scenario.write_text(
        f"extends: {ROOT / 'models' / 'base.yaml'}\n"
        "edits:\n"
        "  - {table: campaigns, where: {campaign: qwen-frontier}, set: {flop: 2.0e+28}}\n"
    )
    config, tables = load(ROOT / "models" / "base.yaml", [str(scenario)], allow_outside=True)
    found = explain_infeasible(build_model(tables), "highs", SolveOptions(), config.scenarios)
    [violation] = found.violations
    text = violation.sentence
    named = float(text.split("at most ")[1].split(" FLOP")[0])
    assert named > 1e27, text  # not "at most 0 FLOP"
    assert _feasible(tmp_path, named), text
    assert not _feasible(tmp_path, named * 1.01), text
