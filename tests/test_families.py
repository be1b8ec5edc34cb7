"""Every constraint family and objective term on a tiny instance solved by hand.

The default tiny case (tests/tiny.py): one period, no discounting, pods of one unit at
RMB 1 million giving 1 ZFLOP each and drawing 0.1 MW, 1 MW existing, 5 ZFLOP of demand
paying RMB 2 million per ZFLOP.  Unless a test says otherwise the optimum buys 5 pods
and NPV = 2 * 5 - 5 = 5 (RMB million).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from capplan.pipeline import Run, solve
from tests.tiny import case, part, region

TOL = 1e-6


def run(path: Path, backend: str = "highs") -> Run:
    r = solve(path, backend=backend, write=False)
    assert r.result.status == "optimal", r.result.message
    return r


def npv(r: Run) -> float:
    return float(r.summary["kpis"]["npv_rmb_m"])


def bought(r: Run, part_name: str | None = None, period: str | None = None) -> int:
    inv = r.tables["investments"]
    sel = inv[inv["category"] == "accelerators"]
    if part_name is not None:
        sel = sel[sel["part"] == part_name]
    if period is not None:
        sel = sel[sel["period"] == period]
    return int(sel["quantity"].sum())


def test_default_case(tmp_path: Path) -> None:
    """Buy 5 pods, serve 5 ZFLOP: NPV = 2*5 - 5 = 5; objective equals the NPV."""
    r = run(case(tmp_path))
    assert npv(r) == pytest.approx(5.0, abs=TOL)
    assert r.result.objective == pytest.approx(5.0, abs=TOL)
    assert bought(r) == 5


def test_power(tmp_path: Path) -> None:
    """power: 0.1 MW per pod within 0.25 MW existing and no new build: 2 pods, NPV = 4 - 2."""
    r = run(case(tmp_path, regions=[region(existing_mw=0.25, max_new_mw_per_period=0)]))
    assert bought(r) == 2
    assert npv(r) == pytest.approx(2.0, abs=TOL)
    cap = r.tables["capacity"]
    assert cap["mw_used"].iloc[0] == pytest.approx(0.2)
    assert cap["mw_free"].iloc[0] == pytest.approx(0.05)


def test_build_after_lead_time(tmp_path: Path) -> None:
    """Lead time: two years, no existing MW, 12-month lead, revenue RMB 4 M per ZFLOP.

    A module started in Y1 (RMB 10 M) powers on in Y2; none can power Y1, and a Y2 start
    would power on after the horizon, so it is not offered.  Y2: 5 pods, revenue 20, cost 5.
    NPV = 20 - 5 - 10 = 5.
    """
    path = case(
        tmp_path,
        model={"horizon": {"periods": ["Y1", "Y2"]}, "finance": {"shell_life_years": 0.5}},
        regions=[region(existing_mw=0, lead_time_months=12)],
        demand=[
            {"zone": "Z", "period": p, "demand_zflop": 5, "revenue_rmb_per_zflop": 4e6}
            for p in ("Y1", "Y2")
        ],
    )
    r = run(path)
    inv = r.tables["investments"]
    shells = inv[inv["category"] == "data_centre"]
    assert shells[["period", "quantity"]].values.tolist() == [["Y1", 1]]
    assert bought(r, period="Y1") == 0 and bought(r, period="Y2") == 5
    assert npv(r) == pytest.approx(5.0, abs=TOL)
    assert "build[A,Y2]" not in r.model.lp.var_names()


def test_entry_fixed_cost_and_minimum_first_build(tmp_path: Path) -> None:
    """entry: a new region costs RMB 3 M to enter and needs a 2 MW first build.

    Revenue 3 per ZFLOP; 5 pods need 0.5 MW, but the first build is 2 modules of 1 MW at
    RMB 1 M each.  NPV = 15 - 5 - 2 - 3 = 5.  Without the minimum, one module: NPV = 6.
    """

    def make(sub: str, min_first: float) -> Path:
        return case(
            tmp_path / sub,
            regions=[
                region(
                    existing_mw=0,
                    capex_per_mw_m=1.0,
                    entry_cost_m=3.0,
                    min_first_build_mw=min_first,
                )
            ],
            demand=[{"zone": "Z", "period": "Y1", "demand_zflop": 5, "revenue_rmb_per_zflop": 3e6}],
        )

    r = run(make("with", 2.0))
    inv = r.tables["investments"]
    assert inv.loc[inv["category"] == "data_centre", "quantity"].sum() == 2
    assert inv.loc[inv["category"] == "region_entry", "capex_rmb_m"].sum() == pytest.approx(3)
    assert npv(r) == pytest.approx(5.0, abs=TOL)
    assert npv(run(make("without", 0.0))) == pytest.approx(6.0, abs=TOL)


def test_entry_not_taken_when_unprofitable(tmp_path: Path) -> None:
    """entry: at revenue 2 the same region earns 10 - 5 - 2 - 3 = 0 at best: NPV 0 either way,
    and with an entry cost of 4 entering loses money, so nothing is built."""
    path = case(
        tmp_path,
        regions=[
            region(existing_mw=0, capex_per_mw_m=1.0, entry_cost_m=4.0, min_first_build_mw=2.0)
        ],
    )
    r = run(path)
    assert npv(r) == pytest.approx(0.0, abs=TOL)
    assert len(r.tables["investments"]) == 0


def test_mw_total(tmp_path: Path) -> None:
    """mw_total: at most 0.3 MW of new build over two years (modules of 0.1 MW at RMB 0.1 M).

    Demand 1 ZFLOP in Y1 and 5 in Y2 at revenue 2; pods live one year.  Three modules power
    1 pod in Y1 and 3 in Y2: NPV = (2 - 1) + (6 - 3) - 0.3 = 3.7.  Without the row, the
    per-period bound would allow 3 + 3 modules: NPV = (2 - 1) + (10 - 5) - 0.5 = 5.5.
    """
    path = case(
        tmp_path,
        model={"horizon": {"periods": ["Y1", "Y2"]}, "finance": {"shell_life_years": 0.5}},
        regions=[region(existing_mw=0, module_mw=0.1, capex_per_mw_m=1.0, max_new_mw_total=0.3)],
        demand=[
            {"zone": "Z", "period": p, "demand_zflop": d, "revenue_rmb_per_zflop": 2e6}
            for p, d in (("Y1", 1), ("Y2", 5))
        ],
    )
    r = run(path)
    assert npv(r) == pytest.approx(3.7, abs=TOL)
    assert r.tables["capacity"]["mw_online"].max() == pytest.approx(0.3)


def test_supply_shared_by_regions_of_a_market(tmp_path: Path) -> None:
    """supply: 3 units a period for the china market, shared by regions A and B (1 MW each).

    Only 3 pods can be bought in all: NPV = 6 - 3 = 3 (6 pods if each region had its own 3).
    """
    path = case(tmp_path, regions=[region(), region(region="B")], supply_units=3)
    r = run(path)
    assert bought(r) == 3
    assert npv(r) == pytest.approx(3.0, abs=TOL)


def test_supply_counts_units_not_pods(tmp_path: Path) -> None:
    """supply with pods of 2 units (RMB 2 M, 2 ZFLOP, 0.2 MW a pod): 5 units obtainable
    allow 2 pods = 4 units.  NPV = 2 * 4 - 4 = 4."""
    r = run(case(tmp_path, parts=[part(pod_size=2)], supply_units=5))
    assert bought(r) == 2
    assert npv(r) == pytest.approx(4.0, abs=TOL)


def test_zero_supply_buys_nothing(tmp_path: Path) -> None:
    """supply 0: no pods, NPV 0."""
    r = run(case(tmp_path, supply_units=0))
    assert bought(r) == 0 and npv(r) == pytest.approx(0.0, abs=TOL)


def test_compute_with_utilisation(tmp_path: Path) -> None:
    """compute: at inference utilisation 0.5 a pod serves 0.5 ZFLOP, so 10 pods serve 5.

    Revenue 3: NPV = 15 - 10 = 5 (2 MW existing so power does not bind)."""
    path = case(
        tmp_path,
        parts=[part(util_inference=0.5)],
        regions=[region(existing_mw=2)],
        demand=[{"zone": "Z", "period": "Y1", "demand_zflop": 5, "revenue_rmb_per_zflop": 3e6}],
    )
    r = run(path)
    assert bought(r) == 10
    assert npv(r) == pytest.approx(5.0, abs=TOL)
    fleet = r.tables["fleet"]
    assert fleet["utilisation"].iloc[0] == pytest.approx(1.0)


def test_residency(tmp_path: Path) -> None:
    """residency: zone Y's only region B has no power and cannot build; A (zone Z, 1 MW =
    10 pods) may not serve Y.  Only Z's 5 ZFLOP are served: NPV = 5, Y unserved."""
    path = case(
        tmp_path,
        regions=[region(), region(region="B", zone="Y", existing_mw=0, max_new_mw_per_period=0)],
    )
    r = run(path)
    assert npv(r) == pytest.approx(5.0, abs=TOL)
    dem = r.tables["demand"].set_index("zone")
    assert dem.loc["Y", "served_zflop"] == 0
    assert dem.loc["Z", "served_zflop"] == pytest.approx(5)


def test_state_work_on_domestic_parts(tmp_path: Path) -> None:
    """state share 0.4 of zone Z (2 ZFLOP) runs only on domestic parts.

    Foreign part only: 3 ZFLOP served, NPV = 6 - 3 = 3.  Adding a domestic part at RMB
    1.5 M: 2 domestic pods serve the state work, NPV = 3 + (4 - 3) = 4.
    """
    policy = {"state_share": {"Z": 0.4}}
    foreign = part(domestic=False)
    r = run(case(tmp_path / "a", parts=[foreign], policy=policy))
    assert npv(r) == pytest.approx(3.0, abs=TOL)
    dom = part(part="D", vendor="W", price_usd=1.5e6)
    r = run(case(tmp_path / "b", parts=[foreign, dom], policy=policy))
    assert npv(r) == pytest.approx(4.0, abs=TOL)
    assert bought(r, "D") == 2
    serving = r.tables["serving"]
    state = serving[serving["segment"] == "Z/state"]
    assert set(state["part"]) == {"D"}


def test_required_campaign(tmp_path: Path) -> None:
    """campaign: 3 ZFLOP of training in Y1 needs 3 more pods: NPV = 10 - 8 = 2."""
    camp = [
        {
            "campaign": "c",
            "flop": 3e21,
            "earliest": "",
            "deadline": "Y1",
            "regions": "*",
            "parts": "*",
            "late_penalty_rmb_per_zflop": "",
        }
    ]
    r = run(case(tmp_path, campaigns=camp))
    assert bought(r) == 8
    assert npv(r) == pytest.approx(2.0, abs=TOL)
    assert r.tables["campaigns"]["delivered_zflop"].iloc[0] == pytest.approx(3)


def test_required_campaign_displaces_demand(tmp_path: Path) -> None:
    """campaign at training utilisation 0.5 needs 6 pods; with 1 MW (10 pods) only 4 remain
    for inference: NPV = 8 - 10 = -2 (the campaign is required whatever it costs)."""
    camp = [
        {
            "campaign": "c",
            "flop": 3e21,
            "earliest": "",
            "deadline": "Y1",
            "regions": "A",
            "parts": "P",
            "late_penalty_rmb_per_zflop": "",
        }
    ]
    r = run(
        case(
            tmp_path,
            parts=[part(util_training=0.5)],
            campaigns=camp,
            regions=[region(max_new_mw_per_period=0)],
        )
    )
    assert npv(r) == pytest.approx(-2.0, abs=TOL)


def test_penalised_campaign_may_be_short(tmp_path: Path) -> None:
    """campaign with a late penalty of RMB 0.5 M per ZFLOP: training costs RMB 1 M per
    ZFLOP, so it is cheaper to pay the penalty: short 3, NPV = 5 - 1.5 = 3.5."""
    camp = [
        {
            "campaign": "c",
            "flop": 3e21,
            "earliest": "",
            "deadline": "Y1",
            "regions": "*",
            "parts": "*",
            "late_penalty_rmb_per_zflop": 5e5,
        }
    ]
    r = run(case(tmp_path, campaigns=camp))
    assert npv(r) == pytest.approx(3.5, abs=TOL)
    assert r.tables["campaigns"]["short_zflop"].iloc[0] == pytest.approx(3)


def test_budget_total(tmp_path: Path) -> None:
    """budget_total RMB 0.003 bn = 3 M buys 3 pods: NPV = 6 - 3 = 3."""
    r = run(case(tmp_path, model={"budget": {"total_rmb_bn": 0.003}}))
    assert bought(r) == 3 and npv(r) == pytest.approx(3.0, abs=TOL)


def test_budget_per_period(tmp_path: Path) -> None:
    """budget_period: caps of RMB 2 M in Y1 and 4 M in Y2 (pods live one year, demand 5 a
    year): 2 then 4 pods, NPV = (4 - 2) + (8 - 4) = 6."""
    path = case(
        tmp_path,
        model={
            "horizon": {"periods": ["Y1", "Y2"]},
            "budget": {"total_rmb_bn": 100, "per_period_rmb_bn": {"Y1": 0.002, "Y2": 0.004}},
        },
    )
    r = run(path)
    assert bought(r, period="Y1") == 2 and bought(r, period="Y2") == 4
    assert npv(r) == pytest.approx(6.0, abs=TOL)
    b = r.tables["budget"].set_index("period")
    assert b.loc["Y1", "capex_rmb_m"] == pytest.approx(2)
    assert b.loc["total", "capex_rmb_m"] == pytest.approx(6)


def test_budget_converts_currencies(tmp_path: Path) -> None:
    """budget in RMB: at 7 CNY per USD a USD 1 M pod costs RMB 7 M.  Revenue RMB 10 M per
    ZFLOP, budget RMB 21 M: 3 pods, NPV = 30 - 21 = 9."""
    rates = [
        {"currency": "CNY", "period": "Y1", "per_usd": 7.0},
        {"currency": "USD", "period": "Y1", "per_usd": 1.0},
    ]
    path = case(
        tmp_path,
        exchange_rates=rates,
        model={"budget": {"total_rmb_bn": 0.021}},
        demand=[{"zone": "Z", "period": "Y1", "demand_zflop": 5, "revenue_rmb_per_zflop": 1e7}],
    )
    r = run(path)
    assert bought(r) == 3 and npv(r) == pytest.approx(9.0, abs=TOL)


def test_shell_capex_in_local_currency(tmp_path: Path) -> None:
    """A region costed in EUR at 0.5 EUR per USD and 1 CNY per USD: EUR 1 = RMB 2.  A new
    region with no existing MW builds one 1 MW module at EUR 1 M = RMB 2 M:
    NPV = 10 - 5 - 2 = 3."""
    rates = [
        {"currency": c, "period": "Y1", "per_usd": v}
        for c, v in (("CNY", 1.0), ("USD", 1.0), ("EUR", 0.5))
    ]
    path = case(
        tmp_path,
        exchange_rates=rates,
        regions=[region(currency="EUR", existing_mw=0, capex_per_mw_m=1.0)],
    )
    r = run(path)
    assert npv(r) == pytest.approx(3.0, abs=TOL)
    b = r.tables["budget"].set_index("period")
    assert b.loc["Y1", "data_centre_rmb_m"] == pytest.approx(2.0)


def test_domestic_share(tmp_path: Path) -> None:
    """domestic_share >= 0.5 of China's compute: a foreign part F at RMB 1 M and a domestic
    part D at RMB 1.5 M, same compute.  Without the rule: 5 F, NPV 5.  With it, D >= F:
    best is F=2, D=3: NPV = 10 - 2 - 4.5 = 3.5."""
    parts = [part(part="F", domestic=False), part(part="D", vendor="W", price_usd=1.5e6)]
    assert npv(run(case(tmp_path / "a", parts=parts))) == pytest.approx(5.0, abs=TOL)
    r = run(
        case(
            tmp_path / "b", parts=parts, policy={"state_share": {}, "min_domestic_share_china": 0.5}
        )
    )
    assert npv(r) == pytest.approx(3.5, abs=TOL)
    assert (bought(r, "F"), bought(r, "D")) == (2, 3)


def test_vendor_cap(tmp_path: Path) -> None:
    """vendor_cap 0.2: foreign vendor V's compute F <= 0.2 (F + D), i.e. F <= D / 4.
    Best is D=4, F=1: NPV = 10 - 1 - 6 = 3 (D=5: 10 - 7.5 = 2.5)."""
    parts = [part(part="F", domestic=False), part(part="D", vendor="W", price_usd=1.5e6)]
    r = run(
        case(tmp_path, parts=parts, policy={"state_share": {}, "max_foreign_vendor_share": 0.2})
    )
    assert npv(r) == pytest.approx(3.0, abs=TOL)
    assert (bought(r, "F"), bought(r, "D")) == (1, 4)


def test_discounting(tmp_path: Path) -> None:
    """wacc 10%: capex at the start of the year, revenue at mid-year.
    NPV = 10 / 1.1**0.5 - 5 = 4.534625892."""
    r = run(case(tmp_path, model={"finance": {"wacc": 0.1}}))
    assert npv(r) == pytest.approx(10 / 1.1**0.5 - 5, abs=TOL)


def test_residual_value(tmp_path: Path) -> None:
    """residual: a 2-year life leaves half of the RMB 1 M price at the end of a 1-year
    horizon: NPV = 10 - 5 + 5 * 0.5 = 7.5."""
    r = run(case(tmp_path, parts=[part(life_years=2)]))
    assert npv(r) == pytest.approx(7.5, abs=TOL)
    assert r.summary["present_values"]["residual_pv_rmb_m"] == pytest.approx(2.5, abs=TOL)


def test_power_cost_and_carbon(tmp_path: Path) -> None:
    """opex: 0.1 MW x PUE 1.5 x 8760 h = 1314 MWh a pod at RMB 10 per MWh = RMB 13,140;
    NPV = 5 - 5 * 0.01314 = 4.9343; emissions 1314 MWh x 0.5 t/MWh x 5 = 3285 t."""
    r = run(
        case(tmp_path, regions=[region(pue=1.5, power_price_per_mwh=10, grid_gco2_per_kwh=500)])
    )
    assert npv(r) == pytest.approx(5 - 5 * 0.01314, abs=TOL)
    assert r.summary["kpis"]["tco2"] == pytest.approx(3285, abs=1e-3)


def test_maintenance(tmp_path: Path) -> None:
    """opex: hardware maintenance 10% a year of the price: NPV = 5 - 5 * 0.1 = 4.5."""
    r = run(case(tmp_path, model={"finance": {"maintenance_rate_hardware": 0.1}}))
    assert npv(r) == pytest.approx(4.5, abs=TOL)


def test_min_cost_objective(tmp_path: Path) -> None:
    """min_cost with a penalty of RMB 3 M per unserved ZFLOP: serving costs 1 per ZFLOP, so
    all 5 are served; the present cost is 5 (versus 15 for serving nothing)."""
    r = run(
        case(
            tmp_path,
            model={"objective": {"kind": "min_cost", "unserved_penalty_rmb_per_zflop": 3e6}},
        )
    )
    assert r.model.lp.maximize is False
    assert r.result.objective == pytest.approx(5.0, abs=TOL)
    assert bought(r) == 5


def test_every_family_has_a_test() -> None:
    """Each row family the builder can make is exercised by a test in this file."""
    from capplan.model import constraints

    families = {
        name.removeprefix("define_") for name in dir(constraints) if name.startswith("define_")
    }
    text = Path(__file__).read_text()
    covered = {
        "entry": "test_entry_fixed_cost",
        "mw_total": "test_mw_total",
        "power": "test_power",
        "supply": "test_supply_shared",
        "compute": "test_compute_with",
        "demand": "test_residency",
        "campaigns": "test_required_campaign",
        "budget": "test_budget_total",
        "domestic_share": "test_domestic_share",
        "vendor_cap": "test_vendor_cap",
    }
    assert families == set(covered)
    for test in covered.values():
        assert f"def {test}" in text


def test_marginal_value_of_budget_matches_finite_difference(tmp_path: Path) -> None:
    """With budget RMB 3 M binding, one more RMB M buys one more pod worth 2 - 1 = 1:
    the marginal value of budget is 1 RMB per RMB, and demand's is 0 (not binding)."""
    r = run(case(tmp_path, model={"budget": {"total_rmb_bn": 0.003}}))
    mv = r.tables["marginal_values"]
    total = mv[mv["family"] == "budget_total"].iloc[0]
    assert total["marginal_value"] == pytest.approx(1.0, abs=1e-6)
    assert bool(total["binding"])
    dem = mv[mv["family"] == "demand"].iloc[0]
    assert dem["marginal_value"] == pytest.approx(0.0, abs=1e-6)


def test_marginal_value_of_supply_and_power(tmp_path: Path) -> None:
    """Supply 3 units binding (demand 5): one more unit earns 2 - 1 = RMB 1 M = 1e6 RMB.
    Power with 0.25 MW: one more MW powers 10 more pods: 10 x (2 - 1) = RMB 10 M per MW."""
    r = run(case(tmp_path / "s", supply_units=3))
    mv = r.tables["marginal_values"]
    sup = mv[(mv["family"] == "supply") & (mv["market"] == "china")]
    assert sup["marginal_value"].iloc[0] == pytest.approx(1e6, rel=1e-6)
    r = run(case(tmp_path / "p", regions=[region(existing_mw=0.25, max_new_mw_per_period=0)]))
    mv = r.tables["marginal_values"]
    power = mv[mv["family"] == "power"]
    assert power["marginal_value"].iloc[0] == pytest.approx(1e7, rel=1e-6)
    assert isinstance(mv, pd.DataFrame)
