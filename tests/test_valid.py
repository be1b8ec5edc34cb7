"""The valid inequalities of capplan.model.valid: each cuts off a fractional point of the
plain relaxation, keeps the integer optimum, and never cuts off an integer plan.

Tiny instances (tests/tiny.py): one period, no discounting, pods of one unit at RMB 1
million giving 1 ZFLOP and drawing 0.1 MW, 5 ZFLOP of demand; modules of 1 MW with no
lead time.  LP values below are worked by hand in each docstring.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from capplan.backends import get_backend
from capplan.backends.base import SolveOptions
from capplan.model.build import Model, build_model
from capplan.model.lp import LinearProgram
from capplan.model.valid import VALID_FAMILIES
from capplan.pipeline import load
from tests.tiny import case, region

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = SolveOptions(mip_gap=1e-9)


def models(path: Path) -> tuple[Model, Model]:
    """(plain, tight) builds of one model file."""
    _, tables = load(path)
    return build_model(tables, tighten=False), build_model(tables, tighten=True)


def solve(lp: LinearProgram, relax: bool = False) -> tuple[float, np.ndarray]:
    if relax:
        lp = lp.with_bounds(integer=np.zeros(lp.num_vars, dtype=bool))
    result = get_backend("highs").solve(lp, OPTIONS)
    assert result.status == "optimal", result.message
    assert result.objective is not None and result.x is not None
    return result.objective, result.x


def violation(lp: LinearProgram, family: str, x: np.ndarray) -> float:
    """Largest violation of the rows of ``family`` by ``x`` (0 when it satisfies them)."""
    block = lp.row_blocks[family]
    ax = (lp.A @ x)[block.slice]
    lo, hi = lp.row_lb[block.slice], lp.row_ub[block.slice]
    return float(np.maximum(np.maximum(lo - ax, ax - hi), 0.0).max())


def test_entry_serve(tmp_path: Path) -> None:
    """entry_serve: a new region (entry RMB 3 M, first build 2 MW, modules RMB 1 M/MW),
    revenue 3 per ZFLOP, 5 ZFLOP of demand.

    Plain relaxation: the entry gate's big-M is the module bound U (the whole budget's
    worth of modules, 100,000), so enter = build / U is almost 0 and the entry is nearly
    free: 5 pods, 0.5 modules, NPV = 15 - 5 - 0.5 - 3 * 5e-6 ~ 9.5.  entry_serve[A,Y1]
    (serve <= 5 * enter) forces enter = 1, hence 2 modules: 15 - 5 - 2 - 3 = 5, the
    integer optimum.
    """
    path = case(
        tmp_path,
        regions=[
            region(existing_mw=0, capex_per_mw_m=1.0, entry_cost_m=3.0, min_first_build_mw=2.0)
        ],
        demand=[{"zone": "Z", "period": "Y1", "demand_zflop": 5, "revenue_rmb_per_zflop": 3e6}],
    )
    plain, tight = models(path)
    assert "entry_serve" not in plain.lp.row_blocks
    assert len(tight.lp.row_blocks["entry_serve"].index) == 1
    lp_plain, x_plain = solve(plain.lp, relax=True)
    assert lp_plain == pytest.approx(9.5, abs=1e-3)
    assert violation(tight.lp, "entry_serve", x_plain) > 4.0  # serve 5 against 5 * ~0
    lp_tight, _ = solve(tight.lp, relax=True)
    assert lp_tight == pytest.approx(5.0, abs=1e-6)
    assert solve(plain.lp)[0] == pytest.approx(5.0, abs=1e-6)
    assert solve(tight.lp)[0] == pytest.approx(5.0, abs=1e-6)


def free_except(lp: LinearProgram, keep: tuple[str, ...]) -> LinearProgram:
    """``lp`` with every valid family but ``keep`` made free."""
    row_lb, row_ub = lp.row_lb.copy(), lp.row_ub.copy()
    for name in VALID_FAMILIES:
        if name not in keep and name in lp.row_blocks:
            block = lp.row_blocks[name]
            row_lb[block.slice], row_ub[block.slice] = -np.inf, np.inf
    return dataclasses.replace(lp, row_lb=row_lb, row_ub=row_ub)


def test_entry_zone(tmp_path: Path) -> None:
    """entry_zone: zone Z has region A (0.2 MW existing, no builds) and a new region B
    (entry RMB 3 M, modules of 1 MW at RMB 1 M); 5 ZFLOP of demand at 3 per ZFLOP.

    A can serve at most C = 10 ZFLOP/MW x 0.2 MW = 2, so entry_zone[B,Y1] reads
    s_A + s_B - 3 enter <= 2.  With entry_serve alone (s_B <= 5 enter) the relaxation
    serves 3 from B with enter = 0.6: NPV = (6 - 2) + (9 - 3 - 0.3 - 1.8) = 7.9.  With
    entry_zone, enter = 1: 4 + (9 - 3 - 0.3 - 3) = 6.7; with module_demand too (s <= 2 + 3
    build) one whole module: 4 + 2 = 6, the integer optimum (not entering gives 4).
    """
    path = case(
        tmp_path,
        regions=[
            region(existing_mw=0.2, max_new_mw_per_period=0),
            region(region="B", existing_mw=0, capex_per_mw_m=1.0, entry_cost_m=3.0),
        ],
        demand=[{"zone": "Z", "period": "Y1", "demand_zflop": 5, "revenue_rmb_per_zflop": 3e6}],
    )
    plain, tight = models(path)
    block = tight.lp.row_blocks["entry_zone"]
    assert len(block.index) == 1 and tight.lp.row_ub[block.start] == pytest.approx(2.0)
    assert tight.lp.A[block.start, tight.vars.enter.ids[0]] == pytest.approx(-3.0)
    serve_only, x = solve(free_except(tight.lp, ("entry_serve",)), relax=True)
    assert serve_only == pytest.approx(7.9, abs=1e-6)
    assert violation(tight.lp, "entry_zone", x) == pytest.approx(1.2, abs=1e-6)
    with_zone = free_except(tight.lp, ("entry_serve", "entry_zone"))
    assert solve(with_zone, relax=True)[0] == pytest.approx(6.7, abs=1e-6)
    assert solve(tight.lp, relax=True)[0] == pytest.approx(6.0, abs=1e-6)
    assert solve(plain.lp)[0] == pytest.approx(6.0, abs=1e-6)
    assert solve(tight.lp)[0] == pytest.approx(6.0, abs=1e-6)


def test_module_demand(tmp_path: Path) -> None:
    """module_demand: no existing MW, modules of 1 MW at RMB 2 M, 5 ZFLOP of demand.

    rho = 1 ZFLOP / 0.1 MW = 10 ZFLOP per MW, delta = 10 per module, beta = 5, so
    f = frac(5 / 10) = 0.5 and the row reads 5 * build - serve >= 10 * 0.5 * 1 - 5 = 0.
    Plain relaxation: 0.5 module for 5 pods, each ZFLOP earns 2 - 1 - 0.2: NPV = 4.0.
    With the row a ZFLOP needs 1/5 module: 2 - 1 - 0.4, NPV = 3.0, which is the integer
    optimum (one whole module: 10 - 5 - 2 = 3).
    """
    path = case(tmp_path, regions=[region(existing_mw=0, capex_per_mw_m=2.0)])
    plain, tight = models(path)
    block = tight.lp.row_blocks["module_demand"]
    row = tight.lp.A[block.start].toarray().ravel()
    build = tight.vars.build.ids
    assert row[build] == pytest.approx([5.0])
    assert tight.lp.row_lb[block.start] == pytest.approx(0.0, abs=1e-9)
    lp_plain, x_plain = solve(plain.lp, relax=True)
    assert lp_plain == pytest.approx(4.0, abs=1e-6)
    assert violation(tight.lp, "module_demand", x_plain) == pytest.approx(2.5, abs=1e-6)
    assert solve(tight.lp, relax=True)[0] == pytest.approx(3.0, abs=1e-6)
    assert solve(plain.lp)[0] == pytest.approx(3.0, abs=1e-6)
    assert solve(tight.lp)[0] == pytest.approx(3.0, abs=1e-6)


def test_module_demand_absent_when_demand_fits_whole_modules(tmp_path: Path) -> None:
    """With 10 ZFLOP of demand beta / delta = 1 exactly: f = 0 gives no cut, no row."""
    path = case(
        tmp_path,
        regions=[region(existing_mw=0, capex_per_mw_m=2.0)],
        demand=[{"zone": "Z", "period": "Y1", "demand_zflop": 10, "revenue_rmb_per_zflop": 2e6}],
    )
    _, tight = models(path)
    assert "module_demand" not in tight.lp.row_blocks


def test_base_case_same_optimum_and_plain_plan_feasible() -> None:
    """On the base case the tight formulation keeps the plain optimum: the plain model's
    optimal plan satisfies every valid row, and both prove the same objective."""
    plain, tight = models(ROOT / "models" / "base.yaml")
    assert plain.lp.num_vars == tight.lp.num_vars
    options = SolveOptions(mip_gap=1e-6)
    highs = get_backend("highs")
    r_plain = highs.solve(plain.lp, options)
    assert r_plain.status == "optimal" and r_plain.x is not None
    x = r_plain.x.copy()
    whole = plain.lp.integer.astype(bool)
    x[whole] = np.round(x[whole])
    for family in VALID_FAMILIES:
        assert family in tight.lp.row_blocks
        assert violation(tight.lp, family, x) <= 1e-6
    assert tight.lp.max_violation(x) <= 1e-6 * 1e3  # rows in ZFLOP of order 1e5..1e7
    r_tight = highs.solve(tight.lp, options)
    assert r_tight.status == "optimal" and r_tight.objective is not None
    assert r_plain.objective is not None
    assert r_tight.objective == pytest.approx(r_plain.objective, rel=1e-6)


def test_proof_suite_on_a_tiny_instance(tmp_path: Path) -> None:
    """The proof suite's runner solves both formulations and checks their optima agree."""
    from capplan.bench.proof import ProofSettings, markdown, run_proof

    path = case(tmp_path, regions=[region(existing_mw=0, capex_per_mw_m=2.0)])
    settings = ProofSettings(model=path, scenarios=[None], repeat=2, seeds=(0, 3))
    result = run_proof(settings, progress=lambda _line: None)
    (rec,) = result["instances"]
    assert rec["same_optimum"] and result["failures"] == []
    assert rec["plain"]["objective"] == pytest.approx(3.0, abs=1e-6)
    assert rec["scaled"]["objective"] == pytest.approx(3.0, abs=1e-6)
    assert rec["plain"]["root_lp_bound"] == pytest.approx(4.0, abs=1e-6)
    assert rec["tight"]["root_lp_bound"] == pytest.approx(3.0, abs=1e-6)
    assert len(rec["plain"]["seconds_all"]) == 2
    assert rec["tight"]["rows"] == rec["plain"]["rows"] + 1  # the module_demand row
    assert "| model |" in markdown(result)
    seeds = rec["tight"]["seeds"]
    assert seeds["seeds"] == [0, 3] and len(seeds["nodes"]) == 2 and seeds["all_optimal"]
    assert seeds["nodes_median"] == pytest.approx(sum(seeds["nodes"]) / 2)
    assert "by seed 0, 3" in markdown(result)


def test_mean_value_program_frees_valid_rows(tmp_path: Path) -> None:
    """The hedge's futures carry the valid rows; the mean-value program must not (a
    rounding cut of one future's data is no cut of the mean data).  One future of
    probability 1 of the module_demand case: its EV program is the future with the
    module_demand row made free, so its relaxation is the plain one (4.0, not 3.0)."""
    from capplan.hedge.meanvalue import mean_value_program
    from capplan.hedge.program import Member

    path = case(tmp_path, regions=[region(existing_mw=0, capex_per_mw_m=2.0)])
    _, tight = models(path)
    member = Member("only", 1.0, tight.lp, ("root",), ((),), (np.zeros(0, dtype=np.int64),))
    ev, _ = mean_value_program([member])
    names = ev.row_names()
    (row,) = [i for i, name in enumerate(names) if name.startswith("module_demand[")]
    assert np.isinf(ev.row_lb[row]) and np.isinf(ev.row_ub[row])
    assert solve(ev, relax=True)[0] == pytest.approx(4.0, abs=1e-6)
    assert solve(tight.lp, relax=True)[0] == pytest.approx(3.0, abs=1e-6)
    assert solve(ev)[0] == pytest.approx(3.0, abs=1e-6)
