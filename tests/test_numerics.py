"""Numerical honesty (issue 12, item 3 and "what to build" 2): capplan.verify.

Money in any unit gives the same plan with the NPV scaled by the factor, with every
backend; a plan the solver calls optimal but that breaks a row is reported ``unverified``
(exit code 4); CBC's 8 significant digits never show as negative unserved demand.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import yaml

from capplan.backends.base import Result, Status
from capplan.errors import ExitCode
from capplan.library import EXIT_FOR_STATUS
from capplan.model.lp import LinearProgram
from capplan.pipeline import solve
from capplan.verify import check_plan, coefficient_range, objective_scale, polish, verify
from tests.tiny import case, part, region

ROOT = Path(__file__).resolve().parents[1]


def money_case(root: Path, f: float) -> Path:
    """The tiny case with every money input x f: 3 pods fit the 0.3 MW there; a module
    (2.5) would cost more than the 2 more pods earn (2 x (2 - 1)), so the NPV is 3 x f."""
    return case(
        root,
        regions=[region(capex_per_mw_m=10 * f, existing_mw=0.3, module_mw=0.25)],
        parts=[part(price_usd=1e6 * f)],
        model={"budget": {"total_rmb_bn": 100 * f}},
        demand=[
            {"zone": "Z", "period": "Y1", "demand_zflop": 5.0, "revenue_rmb_per_zflop": 2e6 * f}
        ],
    )


@pytest.mark.parametrize("backend", ["highs", "highs-ortools", "scip", "cbc"])
@pytest.mark.parametrize("f", [1e-9, 1e-6, 1e6])
def test_money_in_any_unit_gives_the_same_plan(backend: str, f: float, tmp_path: Path) -> None:
    run = solve(money_case(tmp_path, f), backend=backend, write=False)
    assert run.result.status is Status.OPTIMAL, run.result.message
    assert run.result.objective == pytest.approx(3 * f, rel=1e-6)
    assert run.tables["investments"]["quantity"].tolist() == [3]
    assert run.summary["verification"]["verified"] is True


@pytest.mark.slow
@pytest.mark.parametrize("f", [1e-6, 1e-3, 1e3, 1e6])
def test_base_case_money_scaled(f: float, tmp_path: Path) -> None:
    """The shipped base case with every money input x f: HiGHS used to call an NPV of
    -0.0006 optimal at x 1e-6, against +0.1222 for the base plan."""
    import shutil

    shutil.copytree(ROOT / "models", tmp_path / "models")
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    model = tmp_path / "models" / "base.yaml"
    base = yaml.safe_load(model.read_text())
    budget = base["budget"]
    overrides = {
        "budget": {
            "total_rmb_bn": budget["total_rmb_bn"] * f,
            **(
                {"per_period_rmb_bn": {k: v * f for k, v in budget["per_period_rmb_bn"].items()}}
                if budget.get("per_period_rmb_bn")
                else {}
            ),
        },
        "finance": {"carbon_price_rmb_per_t": base["finance"].get("carbon_price_rmb_per_t", 0) * f},
    }
    money = {"capex_per_mw_m": f, "power_price_per_mwh": f, "entry_cost_m": f}
    edits = [
        {"table": "regions", "scale": money},
        {"table": "parts", "scale": {"price_usd": f}},
        {"table": "demand", "scale": {"revenue_rmb_per_zflop": f}},
    ]
    spec = {"extends": "../base.yaml", "overrides": overrides, "edits": edits}
    (tmp_path / "models" / "scenarios" / "money.yaml").write_text(yaml.safe_dump(spec))
    reference = solve(model, write=False)
    scaled = solve(model, scenarios=["money"], write=False)
    assert scaled.result.status in (Status.OPTIMAL, Status.FEASIBLE, Status.UNVERIFIED)
    if scaled.result.status is Status.OPTIMAL:
        assert scaled.result.objective == pytest.approx(reference.result.objective * f, rel=1e-5)
        pods = reference.tables["investments"]["quantity"].tolist()
        assert scaled.tables["investments"]["quantity"].tolist() == pods


def lp_one_row() -> LinearProgram:
    """max x + y s.t. x + y <= 1, 0 <= x, y <= 1."""
    return LinearProgram(
        c=np.array([1.0, 1.0]),
        matrix=sp.csr_matrix(np.array([[1.0, 1.0]])),
        row_lb=np.array([-np.inf]),
        row_ub=np.array([1.0]),
        col_lb=np.zeros(2),
        col_ub=np.ones(2),
        integer=np.zeros(2, dtype=bool),
        maximize=True,
    )


def test_a_plan_that_breaks_a_row_is_unverified_not_optimal() -> None:
    lp = lp_one_row()
    result = Result(Status.OPTIMAL, "test", objective=2.0, x=np.array([1.0, 1.0]))
    checked = check_plan(lp, result)
    assert checked is not None and not checked.verified
    assert result.status is Status.UNVERIFIED and "violated" in result.message
    assert EXIT_FOR_STATUS[result.status] is ExitCode.SOLVER_ERROR


def test_a_wrong_objective_is_unverified() -> None:
    lp = lp_one_row()
    result = Result(Status.OPTIMAL, "test", objective=1.5, x=np.array([0.5, 0.5]))
    check_plan(lp, result)
    assert result.status is Status.UNVERIFIED and "c @ x" in result.message


def test_polish_brings_last_digits_back_inside() -> None:
    """x + y <= 1 exceeded by 2e-8 (8 significant digits) is brought back; a value 1e-9
    below its lower bound 0 is put on it; a real violation is left for verify to see."""
    lp = lp_one_row()
    x = polish(lp, np.array([0.50000001, 0.50000001]))
    assert (lp.A @ x)[0] <= 1.0 and verify(lp, x, float(x.sum())).verified
    assert polish(lp, np.array([-1e-9, 0.5]))[0] == 0.0
    assert not verify(lp, polish(lp, np.array([0.6, 0.6])), 1.2).verified


def test_objective_scale_is_a_power_of_ten_into_range() -> None:
    lp = lp_one_row()
    assert objective_scale(lp) == 1.0
    small = LinearProgram(**{**lp.__dict__, "c": np.array([3e-7, 1e-9])})
    assert objective_scale(small) == 1e7
    large = LinearProgram(**{**lp.__dict__, "c": np.array([7.2e8, 1.0])})
    assert objective_scale(large) == 1e-8


def test_cbc_last_digits_do_not_show_as_negative_unserved(tmp_path: Path) -> None:
    """1234567.891 ZFLOP of demand, fully served: CBC writes 1234567.9 (8 digits), which
    showed as -0.009 ZFLOP unserved."""
    demand = [
        {"zone": "Z", "period": "Y1", "demand_zflop": 1234567.891, "revenue_rmb_per_zflop": 2e6}
    ]
    model = case(
        tmp_path,
        regions=[region(existing_mw=1e6)],
        model={"budget": {"total_rmb_bn": 1e4}},
        demand=demand,
    )
    run = solve(model, backend="cbc", write=False)
    table = run.tables["demand"]
    assert (table["unserved_zflop"] >= 0).all(), table
    assert (table["served_zflop"] <= table["demand_zflop"]).all(), table


def test_summary_has_coefficient_range_and_verification(tmp_path: Path) -> None:
    run = solve(case(tmp_path), out=tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["coefficients"] == json.loads(json.dumps(coefficient_range(run.model.lp)))
    span = summary["coefficients"]["objective"]
    assert 0 < span["min"] <= span["max"]
    assert summary["verification"]["verified"] is True
    assert summary["verification"]["tolerances"]["feasibility"] == 1e-6


@pytest.mark.parametrize("f", [1e-9, 1e6])
def test_marginal_values_scale_with_the_money_unit(f: float, tmp_path: Path) -> None:
    """One more MW is worth RMB 10 million x f (a module of 0.25 MW buys 2.5 more pods'
    worth of room): the marginal-value LP is scaled like the MIP."""
    ref = solve(money_case(tmp_path / "ref", 1.0), write=False).tables["marginal_values"]
    got = solve(money_case(tmp_path / "f", f), write=False).tables["marginal_values"]
    power = ref["family"] == "power"
    assert ref.loc[power, "marginal_value"].tolist() == [1e7]
    money = ref["unit"] != "RMB per RMB"
    expected = ref.loc[money, "marginal_value"] * f
    assert got.loc[money, "marginal_value"].tolist() == pytest.approx(expected.tolist(), rel=1e-6)
