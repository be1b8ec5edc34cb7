"""Demand in any unit gives the same plan (issue 12, "Done when": demand scaled by 1e-6 ...
1e6), with every backend, or an honest non-optimal status.

What must scale together.  Scaling ``demand_zflop`` alone by f is not a change of unit but
a different market: f times the demand needs about f times the pods, so neither the plan
nor the NPV stays.  Measuring compute in a unit 1/f of a ZFLOP is a change of unit, and
every input that counts compute moves with it:

- ``demand.demand_zflop`` x f (ZFLOP of demand),
- ``parts.tflops`` x f (compute a unit delivers: a pod then serves f times as many units
  of demand, so the pods needed stay the same),
- ``campaigns.flop`` x f (compute a campaign needs),
- ``demand.revenue_rmb_per_zflop``, ``campaigns.late_penalty_rmb_per_zflop`` and
  ``objective.unserved_penalty_rmb_per_zflop`` / f (money per unit of compute).

Then every row of the program is a row of the unscaled one with its compute terms x f, so
the plan (pods, modules) is the same and the NPV, in money, is the same: it scales by 1.
For an NPV that scales by the factor, money is scaled by f as well (as in
tests/test_numerics.py): budget, capex per MW, prices and every money-per-compute rate x f
x 1/f = unchanged.  That is ``mode="compute and money"`` below: demand, compute per unit
and campaign FLOP x f, money per unit x f, money per ZFLOP unchanged; NPV x f.

The tiny case (tests/tiny.py; worked by hand): one region with 1 MW, one part at RMB 1
million a pod giving 1 ZFLOP a period, 6 units obtainable, a required campaign of 2 ZFLOP
and 5 ZFLOP of demand paying RMB 2 million per ZFLOP.  The campaign takes 2 pods, demand
gets the other 4 (1 ZFLOP unserved): 6 pods, NPV = 4 x 2 - 6 x 1 = RMB 2 million.

At f = 1e-6, HiGHS and SCIP (whose MIP feasibility tolerance is 1e-6, absolute) serve
all 5e-6 of demand with 6e-6 of compute of which the campaign takes 2e-6: the compute row
is exceeded by 1e-6, 8% of its own size, for an NPV of 4 rather than 2.  capplan.verify
measures a row smaller than 1 against its own size, so that plan is reported
``unverified`` (exit code 4), an honest non-optimal status, never optimal; CBC finds the
true plan.  Every other factor must give the true plan with every backend.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
import scipy.sparse as sp
import yaml

from capplan.backends.base import Status
from capplan.model.lp import LinearProgram
from capplan.pipeline import solve
from capplan.verify import verify
from tests.tiny import ONE_ZFLOP_TFLOPS, campaign, case, part

ROOT = Path(__file__).resolve().parents[1]
FACTORS = [1e-6, 1e-3, 1e3, 1e6]
Mode = Literal["compute", "compute and money"]


def demand_case(root: Path, f: float, mode: Mode) -> Path:
    """The tiny case above with compute measured in units of 1/f ZFLOP (and, in mode
    "compute and money", money in units of 1/f RMB)."""
    g = f if mode == "compute and money" else 1.0  # the money factor
    return case(
        root,
        parts=[part(tflops=ONE_ZFLOP_TFLOPS * f, price_usd=1e6 * g)],
        supply_units=6,
        model={"budget": {"total_rmb_bn": 100 * g}},
        demand=[
            {
                "zone": "Z",
                "period": "Y1",
                "demand_zflop": 5.0 * f,
                "revenue_rmb_per_zflop": 2e6 * g / f,
            }
        ],
        campaigns=[campaign(flop=2e21 * f)],
    )


def _backends() -> list[str]:
    from capplan.backends import available_backends

    return [b for b in ("highs", "highs-ortools", "cbc", "scip") if b in available_backends()]


@pytest.mark.parametrize("backend", ["highs", "highs-ortools", "cbc", "scip"])
@pytest.mark.parametrize("mode", ["compute", "compute and money"])
@pytest.mark.parametrize("f", [1.0, *FACTORS])
def test_demand_in_any_unit_gives_the_same_plan(
    backend: str, mode: Mode, f: float, tmp_path: Path
) -> None:
    if backend not in _backends():
        pytest.skip(f"{backend} is not installed here")
    run = solve(demand_case(tmp_path, f, mode), backend=backend, write=False)
    if f == 1e-6 and run.result.status is Status.UNVERIFIED:  # honest: see above
        assert "row compute[A,P,Y1] violated" in run.result.message
        assert run.summary["verification"]["verified"] is False
        return
    assert run.result.status is Status.OPTIMAL, run.result.message
    npv = 2.0 * (f if mode == "compute and money" else 1.0)  # RMB million
    assert run.result.objective == pytest.approx(npv, rel=1e-6)
    assert run.tables["investments"]["quantity"].tolist() == [6]
    served = run.tables["demand"]["served_zflop"].sum()
    assert served == pytest.approx(4.0 * f, rel=1e-6)  # in the scaled unit
    assert run.summary["verification"]["verified"] is True


def _small_row(size: float) -> LinearProgram:
    """max x + y s.t. x + y <= size."""
    return LinearProgram(
        c=np.array([1.0, 1.0]),
        matrix=sp.csr_matrix(np.array([[1.0, 1.0]])),
        row_lb=np.array([-np.inf]),
        row_ub=np.array([size]),
        col_lb=np.zeros(2),
        col_ub=np.full(2, np.inf),
        integer=np.zeros(2, dtype=bool),
        maximize=True,
    )


def test_a_small_row_is_measured_against_its_own_size() -> None:
    """x + y <= 1.2e-5 exceeded by 1e-6 (8%, within a solver's absolute 1e-6) is a
    violation; x + y <= 1e-12 exceeded by 1e-13 is rounding (below verify.NOISE)."""
    x = np.array([0.65e-5, 0.65e-5])
    checked = verify(_small_row(1.2e-5), x, float(x.sum()))
    assert not checked.verified and checked.max_row_violation == pytest.approx(1 / 13)
    x = np.array([0.55e-12, 0.55e-12])
    assert verify(_small_row(1e-12), x, float(x.sum())).verified


def base_scaled(tmp_path: Path, f: float) -> Path:
    """A copy of the shipped base case with compute in units of 1/f ZFLOP (see above)."""
    shutil.copytree(ROOT / "models", tmp_path / "models")
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    model = tmp_path / "models" / "base.yaml"
    objective = yaml.safe_load(model.read_text())["objective"]
    penalty = objective.get("unserved_penalty_rmb_per_zflop")  # min_cost only
    overrides = {"objective": {"unserved_penalty_rmb_per_zflop": penalty / f}} if penalty else {}
    edits = [
        {"table": "demand", "scale": {"demand_zflop": f, "revenue_rmb_per_zflop": 1 / f}},
        {"table": "parts", "scale": {"tflops": f}},
        {"table": "campaigns", "scale": {"flop": f}},
    ]
    spec = {"extends": "../base.yaml", "overrides": overrides, "edits": edits}
    (tmp_path / "models" / "scenarios" / "compute.yaml").write_text(yaml.safe_dump(spec))
    return model


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["highs", "cbc"])
@pytest.mark.parametrize("f", FACTORS)
def test_base_case_demand_in_any_unit(backend: str, f: float, tmp_path: Path) -> None:
    """The shipped base case with compute in units of 1/f ZFLOP: the same pods and
    modules, and the same NPV, or an honest non-optimal status (at x 1e6 its campaigns
    reach 5e31 FLOP, under the hard limit of 1e36 FLOP = 1e15 ZFLOP, and the program is
    solved in scaled form: capplan.scaling).
    Measured (HiGHS): x 1e-3 optimal, the same pods and NPV in 5 s; x 1e-6 and x 1e3 the
    same pods and NPV, but the proof of optimality stops at the time limit: ``feasible``."""
    if backend not in _backends():
        pytest.skip(f"{backend} is not installed here")
    model = base_scaled(tmp_path, f)
    reference = solve(model, backend=backend, write=False)
    scaled = solve(model, scenarios=["compute"], backend=backend, write=False)
    assert scaled.result.status in (Status.OPTIMAL, Status.FEASIBLE, Status.UNVERIFIED)
    if scaled.result.status is Status.OPTIMAL:
        assert scaled.result.objective == pytest.approx(reference.result.objective, rel=1e-5)
        pods = reference.tables["investments"]["quantity"].tolist()
        assert scaled.tables["investments"]["quantity"].tolist() == pods
    elif scaled.result.status is Status.FEASIBLE and reference.result.status is Status.OPTIMAL:
        # stopped before its proof: a plan no better than the optimum (a maximum)
        assert scaled.result.objective <= reference.result.objective * (1 + 1e-5)
