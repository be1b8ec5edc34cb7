"""Money views: cash flow, NPV bridge, IRR and payback, checked by hand and from the tables.

The hand case: two one-year periods, wacc 10%, 5 ZFLOP of demand a year at RMB 2 M per
ZFLOP, pods of 1 ZFLOP a year at RMB 1 M with a 3-year life and free power.  The plan buys
5 pods in Y1 (capex 5 at t=0), earns 10 mid-Y1 and 10 mid-Y2; at the end (t=2) the pods
have 1 of their 3 years left.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capplan.pipeline import Run, solve
from capplan.results.money import irr, payback_years
from tests.tiny import case, part

W = 0.1


def _run(tmp_path: Path, method: str) -> Run:
    model = {
        "horizon": {"periods": ["Y1", "Y2"], "period_years": 1},
        "finance": {"wacc": W, "residual_value": method},
    }
    path = case(tmp_path / method, model=model, parts=[part(life_years=3)])
    return solve(path, write=False)


def _annuity(years: float) -> float:
    return (1 - (1 + W) ** -years) / W


HAND_RESIDUAL_PV = {
    "straight_line": 5 * (1 / 3) / 1.1**2,
    "none": 0.0,
    "earnings": 10 * _annuity(1.5) / 1.1**2,  # final-period earnings for half of 3 years
}


@pytest.mark.parametrize("method", ["straight_line", "none", "earnings"])
def test_hand_worked_cash_flow_and_bridge(tmp_path: Path, method: str) -> None:
    run = _run(tmp_path, method)
    flow = run.tables["cash_flow"].set_index("period")
    assert flow.loc[["Y1", "Y2"], "capex_rmb_m"].tolist() == pytest.approx([5.0, 0.0])
    assert flow.loc[["Y1", "Y2"], "revenue_rmb_m"].tolist() == pytest.approx([10.0, 10.0])
    revenue_pv = 10 / 1.1**0.5 + 10 / 1.1**1.5
    assert flow.loc["total", "revenue_pv_rmb_m"] == pytest.approx(revenue_pv, abs=1e-6)
    residual = HAND_RESIDUAL_PV[method]
    assert flow.loc["end", "residual_pv_rmb_m"] == pytest.approx(residual, abs=1e-6)
    assert flow.loc["end", "residual_rmb_m"] == pytest.approx(residual * 1.1**2, abs=1e-6)
    npv = revenue_pv - 5 + residual
    bridge = run.tables["npv_bridge"].set_index("item")["pv_rmb_m"]
    assert bridge["npv"] == pytest.approx(npv, abs=1e-6)
    money = run.summary["money"]
    assert money["residual_method"] == method
    assert money["npv_rmb_m"] == pytest.approx(run.summary["kpis"]["npv_rmb_m"], abs=1e-5)
    assert money["npv_without_residual_rmb_m"] == pytest.approx(revenue_pv - 5, abs=1e-6)
    # the objective is the NPV under the chosen method (no state work: no tie-break)
    assert run.summary["objective_rmb_m"] == pytest.approx(npv, abs=1e-6)
    # payback by hand: 5 at t=0, earning 10 a year from t=0: half a year
    assert money["payback_years"] == pytest.approx(0.5, abs=1e-6)


def test_residual_method_is_stated_in_the_terminal_summary(tmp_path: Path) -> None:
    from capplan.report_text import summary_text

    text = summary_text(_run(tmp_path, "earnings"))
    assert "residual value" in text and "earnings" in text and "IRR" in text


def _check_from_tables(run: Run) -> None:
    """Recompute every money figure from cash_flow.csv and npv_bridge.csv alone."""
    flow, bridge = run.tables["cash_flow"], run.tables["npv_bridge"]
    rows = flow[~flow["period"].isin(["total"])]
    total = flow[flow["period"] == "total"].iloc[0]
    for col in [c for c in flow.columns if c.endswith("_rmb_m")]:
        assert rows[col].sum() == pytest.approx(total[col], abs=1e-5), col
    sign = {"revenue": 1, "capex": -1, "opex": -1, "late_penalty": -1, "residual": 1}
    for suffix in ("_rmb_m", "_pv_rmb_m"):
        net = sum(s * rows[f"{k}{suffix}"] for k, s in sign.items())
        assert np.allclose(net, rows[f"net{suffix}"], atol=1e-5)
    item = bridge.set_index("item")["pv_rmb_m"]
    for k, s in sign.items():
        assert item[k] == pytest.approx(s * total[f"{k}_pv_rmb_m"], abs=1e-6)
    parts = bridge.loc[bridge["kind"] == "part", "pv_rmb_m"].sum()
    assert parts == pytest.approx(item["npv"], abs=1e-5), "the bridge adds up to the NPV"
    assert item["npv"] == pytest.approx(run.summary["kpis"]["npv_rmb_m"], abs=1e-4)
    assert item["npv"] == pytest.approx(total["net_pv_rmb_m"], abs=1e-4)
    money = run.summary["money"]
    # IRR by its defining equation on the dated flows
    for key, residual in (("irr", True), ("irr_without_residual", False)):
        rate = money[key]
        if rate is None:
            continue
        times = np.concatenate([rows["start_years"], rows["mid_years"], rows["mid_years"]])
        operating = rows["revenue_rmb_m"] - rows["opex_rmb_m"] - rows["late_penalty_rmb_m"]
        res = rows["residual_rmb_m"] * residual
        amounts = np.concatenate([-rows["capex_rmb_m"], operating, res])
        pv = float((amounts * (1 + rate) ** -times).sum())
        assert abs(pv) < 1e-3 * float(np.abs(amounts).sum()), key
    # payback: the cumulative net cash flow (no residual) at the stated time is zero
    per = flow[~flow["period"].isin(["end", "total"])].reset_index(drop=True)
    payback = money["payback_years"]
    if payback is not None:
        i = int(np.searchsorted(per["start_years"].to_numpy(), payback, side="right") - 1)
        before = per.loc[: i - 1]
        cum = float((before["revenue_rmb_m"] - before["opex_rmb_m"] - before["capex_rmb_m"]).sum())
        row = per.loc[i]
        length = 2 * (row["mid_years"] - row["start_years"])
        share = (payback - row["start_years"]) / length
        cum += share * (row["revenue_rmb_m"] - row["opex_rmb_m"]) - row["capex_rmb_m"]
        assert cum == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize("method", ["straight_line", "earnings"])
def test_money_recomputed_from_the_tables(tmp_path: Path, method: str) -> None:
    _check_from_tables(_run(tmp_path, method))


def test_irr_solves_its_equation_and_refuses_no_sign_change() -> None:
    amounts, times = np.array([-100.0, 60.0, 60.0]), np.array([0.0, 1.0, 2.0])
    rate = irr(amounts, times)
    assert rate is not None
    assert (amounts * (1 + rate) ** -times).sum() == pytest.approx(0.0, abs=1e-9)
    assert rate == pytest.approx(0.130662, abs=1e-6)  # (-100 + 60/q + 60/q^2 = 0)
    assert irr(np.array([100.0, 5.0]), np.array([0.0, 1.0])) is None


def test_payback_beyond_the_horizon_is_none() -> None:
    flow = pd.DataFrame(
        {
            "period": ["Y1", "end", "total"],
            "start_years": [0.0, 1.0, np.nan],
            "mid_years": [0.5, 1.0, np.nan],
            **{f"{k}_rmb_m": [v, 0.0, v] for k, v in [("capex", 10.0), ("opex", 1.0)]},
            "revenue_rmb_m": [5.0, 0.0, 5.0],
            "late_penalty_rmb_m": [0.0, 0.0, 0.0],
        }
    )
    assert payback_years(flow) is None


def test_money_reaches_the_report_and_the_workbook(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from capplan.report.write import write_report
    from capplan.report.xlsx import write_xlsx

    model = {
        "horizon": {"periods": ["Y1", "Y2"], "period_years": 1},
        "finance": {"wacc": W, "residual_value": "earnings"},
    }
    path = case(tmp_path / "m", model=model, parts=[part(life_years=3)])
    run = solve(path, out=tmp_path / "run")
    assert run.out_dir is not None
    html = write_report([run.out_dir]).html.read_text()
    for key in ("money.irr", "money.payback_years", "money.npv_without_residual_rmb_m"):
        assert f'data-key="{key}"' in html, key
    assert 'data-table="cash_flow"' in html and 'data-table="npv_bridge"' in html
    assert "earnings: PV of the final period" in html  # the method is stated
    wb = load_workbook(write_xlsx(run.out_dir))
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["money.residual_method"] == "earnings"
    assert summary["money.irr"] == run.summary["money"]["irr"]
    flow = list(wb["cash_flow"].iter_rows(values_only=True))
    head = [str(h).split(" (")[0] for h in flow[0]]
    rows = [dict(zip(head, r, strict=True)) for r in flow[1:]]
    npv = sum(r["net_pv_rmb_m"] for r in rows if r["period"] != "total")
    bridge = {r[0]: r[-1] for r in wb["npv_bridge"].iter_rows(min_row=2, values_only=True)}
    assert npv == pytest.approx(bridge["npv"], abs=1e-5)
    assert bridge["npv"] == pytest.approx(run.summary["money"]["npv_rmb_m"], abs=1e-6)
