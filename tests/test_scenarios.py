"""The scenario library: every what-if solves (HiGHS, default settings) and moves the plan
the way it should against the base case; `capplan compare` names what replaced what.

The base case is solved once per module; each scenario once.  NPV comparisons allow the
requested relative gap (1e-6) on both sides.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from capplan.config.layers import read_chain
from capplan.config.schema import ScenarioFile
from capplan.data.tables import build_tables
from capplan.pipeline import Run, solve
from capplan.results.compare import compare
from capplan.whatif import plan_of

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "models" / "base.yaml"
LIBRARY = sorted(p.stem for p in (ROOT / "models" / "scenarios").glob("*.yaml"))
_RUNS: dict[str, Run] = {}


def run(name: str) -> Run:
    """The base case (``base``) or a library scenario, solved once per module."""
    if name not in _RUNS:
        _RUNS[name] = solve(BASE, scenarios=[] if name == "base" else [name], write=False)
        assert _RUNS[name].result.status == "optimal", (name, _RUNS[name].result.message)
    return _RUNS[name]


@pytest.fixture(scope="module", autouse=True)
def _forget() -> object:
    yield
    _RUNS.clear()


def npv(name: str) -> float:
    return float(run(name).summary["kpis"]["npv_rmb_m"])


def tol() -> float:
    return 2e-6 * abs(npv("base")) + 1e-6


def bought(name: str, **where: object) -> pd.DataFrame:
    inv = run(name).tables["investments"]
    for column, value in where.items():
        inv = inv[inv[column].isin(value if isinstance(value, list) else [value])]
    return inv


def test_library_has_at_least_ten_documented_scenarios() -> None:
    doc = (ROOT / "docs" / "scenarios.md").read_text()
    assert len(LIBRARY) >= 10
    for name in LIBRARY:
        assert f"| `{name}` |" in doc, f"{name} is not in the library table of docs/scenarios.md"
        _, _, _, [layer] = read_chain(
            ROOT / "models" / "scenarios" / f"{name}.yaml", name, ROOT, False
        )
        spec: ScenarioFile = layer.spec
        assert spec.description and spec.source, name
        assert "\n" not in spec.description.strip(), f"{name}: description is not one line"


def test_every_scenario_has_a_direction_test() -> None:
    tested = {n.removeprefix("test_") for n in globals() if n.startswith("test_")}
    assert set(LIBRARY) <= tested, set(LIBRARY) - tested


def test_nvidia_ban() -> None:
    """No Nvidia part is bought for China, and the NPV does not rise."""
    china = bought("nvidia_ban", region="China", category="accelerators")
    assert not china["part"].isin(["H20", "H100", "H200", "B200"]).any()
    assert len(bought("base", region="China", part="H20")) > 0  # the base does buy them
    assert npv("nvidia_ban") <= npv("base") + tol()


def test_h200_licensed() -> None:
    """More options never lower the NPV; H200 is bought for China from FY2027 within its
    40,000-unit cap, at the 25% levy over the overseas price."""
    assert npv("h200_licensed") >= npv("base") - tol()
    china = bought("h200_licensed", region="China", part="H200")
    assert len(china) > 0 and "FY2026" not in set(china["period"])
    assert (china["amount"] <= 40_000).all()
    params = run("h200_licensed").model.params
    h200, cn = list(params.sets["part"]).index("H200"), list(params.sets["region"])
    levy = params.pod_capex[cn.index("China"), h200] / params.pod_capex[cn.index("Mexico"), h200]
    assert levy[1:] == pytest.approx([1.25, 1.25])


def test_domestic_yield_shortfall() -> None:
    """At most 60% of the base supply of Ascend parts is bought, and the NPV does not rise."""
    supply = build_tables(run("base").config).supply["units"]
    for row in bought("domestic_yield_shortfall", part=["Ascend 910B", "Ascend 910C"]).itertuples():
        assert row.amount <= 0.6 * supply[(row.part, "china", row.period)] + 1e-6
    assert npv("domestic_yield_shortfall") <= npv("base") + tol()


def test_demand_surge_sea() -> None:
    """SEA serves at least as much, and more demand never lowers the NPV."""

    def sea(name: str) -> pd.DataFrame:
        d = run(name).tables["demand"]
        return d[d["zone"] == "SEA"].set_index("period")

    base, surge = sea("base"), sea("demand_surge_sea")
    assert surge.loc["FY2028", "demand_zflop"] == pytest.approx(
        1.5 * base.loc["FY2028", "demand_zflop"]
    )
    assert surge["served_zflop"].sum() >= base["served_zflop"].sum() - 1e-6
    assert npv("demand_surge_sea") >= npv("base") - tol()


def test_demand_slowdown() -> None:
    """Less demand never raises the NPV; nothing is served beyond the lower demand."""
    d = run("demand_slowdown").tables["demand"]
    assert (d["served_zflop"] <= d["demand_zflop"] + 1e-6).all()
    later = d["period"] != "FY2026"
    base = run("base").tables["demand"]
    assert d.loc[later, "demand_zflop"].sum() == pytest.approx(
        0.75 * base.loc[later, "demand_zflop"].sum()
    )
    assert npv("demand_slowdown") <= npv("base") + tol()


def test_budget_upside() -> None:
    """More budget never lowers the NPV; spending stays within RMB 480 billion."""
    budget = run("budget_upside").tables["budget"].set_index("period")
    assert budget.loc["total", "cap_rmb_m"] == 480_000
    assert budget.loc["total", "capex_rmb_m"] <= 480_000 + 1e-6
    assert npv("budget_upside") >= npv("base") - tol()


def test_budget_cut() -> None:
    """The cut binds (the base spends more than RMB 250 billion) and lowers the NPV."""
    budget = run("budget_cut").tables["budget"].set_index("period")
    assert budget.loc["total", "capex_rmb_m"] <= 250_000 + 1e-6
    assert (budget.drop(index="total")["capex_rmb_m"] <= 100_000 + 1e-6).all()
    assert run("base").tables["budget"]["capex_rmb_m"].iloc[-1] > 250_000
    assert npv("budget_cut") < npv("base") - tol()


def test_cny_depreciation() -> None:
    """Accelerators cost 10% more RMB in FY2028, and dearer inputs never raise the NPV."""
    ratio = run("cny_depreciation").model.params.pod_capex / run("base").model.params.pod_capex
    assert ratio[..., 2] == pytest.approx(1.10)
    assert ratio[..., 0] == pytest.approx(1.0)
    assert npv("cny_depreciation") <= npv("base") + tol()


def test_eu_power_price_spike() -> None:
    """EU power costs twice as much per MWh, and the NPV does not rise."""
    regions = list(run("base").model.params.sets["region"])
    price = {n: run(n).model.params.power_rmb_per_mwh for n in ("base", "eu_power_price_spike")}
    for region in ("France", "Netherlands"):
        i = regions.index(region)
        assert price["eu_power_price_spike"][i] == pytest.approx(2 * price["base"][i])
    assert npv("eu_power_price_spike") <= npv("base") + tol()


def test_mexico_construction_delay() -> None:
    """A 27-month lead time cannot power on inside the horizon: no module in Mexico."""
    assert len(bought("base", region="Mexico", category="data_centre")) > 0
    assert len(bought("mexico_construction_delay", region="Mexico", category="data_centre")) == 0
    assert npv("mexico_construction_delay") <= npv("base") + tol()


def test_singapore_power_cap() -> None:
    """No module in Singapore; its accelerators fit in the 20 MW existing; NPV not higher."""
    assert len(bought("singapore_power_cap", region="Singapore", category="data_centre")) == 0
    cap = run("singapore_power_cap").tables["capacity"]
    assert (cap.loc[cap["region"] == "Singapore", "mw_used"] <= 20 + 1e-6).all()
    assert npv("singapore_power_cap") <= npv("base") + tol()


def test_state_share_high() -> None:
    """40% of China's demand is state work, served only by domestic parts; NPV not higher."""
    r = run("state_share_high")
    d = r.tables["demand"]
    cn = d[d["zone"] == "CN"].groupby("segment")["demand_zflop"].sum()
    assert cn["CN/state"] == pytest.approx(0.4 * cn.sum())
    served = r.tables["serving"]
    state = served[served["segment"] == "CN/state"]
    parts = build_tables(r.config).parts
    domestic = set(parts.index[parts["domestic"]])
    assert len(state) > 0 and set(state["part"]) <= domestic
    assert npv("state_share_high") <= npv("base") + tol()


# --------------------------------------------------------------------------- compare


def test_compare_names_what_replaced_the_banned_capacity() -> None:
    """base vs nvidia_ban: the story's figures are the sums of investment_changes, which
    add up to the change of total capex; it names the parts and regions bought instead."""
    base, ban = run("base"), run("nvidia_ban")
    result = compare([plan_of(base, "base"), plan_of(ban, "nvidia_ban")])
    inv = result.investments
    total = result.budget.set_index("period").loc["total", "capex_change_rmb_m"]
    assert inv["capex_change_rmb_m"].sum() == pytest.approx(total, abs=1e-3)
    kpis = result.kpis.set_index("kpi")
    assert kpis.loc["npv_rmb_m", "nvidia_ban_change"] == pytest.approx(
        npv("nvidia_ban") - npv("base")
    )
    story = result.story["nvidia_ban"]
    per_asset = inv[inv["category"] == "accelerators"].groupby(["region", "part"])
    for (region, part), rows in per_asset:
        units = rows["amount_change"].sum()
        assert f"{part} in {region}: {units:+,.0f} units" in story, (part, region, story)
    more = re.search(r"Bought more [^:]*: (.*?)\.", story)
    assert more is not None and "Ascend 910B in China" in more.group(1)
    less = re.search(r"Bought less [^:]*: (.*?)\.", story)
    assert less is not None and "H20 in China: -299,520 units" in less.group(1)
    assert "the supply of H20 for china in FY2026 from 150,000 units to 0 units" in story


def test_enter_saudi_arabia() -> None:
    """A region added by `add:` is entered and serves its new zone; the NPV does not fall."""
    inv = bought("enter_saudi_arabia", region="Saudi Arabia")
    assert set(inv["category"]) >= {"data_centre", "accelerators"}
    assert set(inv["part"]) - {""} <= {"H200", "B200"}  # eligibility false unless stated
    demand = run("enter_saudi_arabia").tables["demand"]
    assert demand.loc[demand["zone"] == "GULF", "served_zflop"].sum() > 0
    assert npv("enter_saudi_arabia") >= npv("base") - tol()


def test_ascend_950() -> None:
    """A part added by `add:` is bought for China only, from FY2027, within its supply."""
    inv = bought("ascend_950", part="Ascend 950")
    assert len(inv) > 0 and set(inv["region"]) == {"China"}
    assert "FY2026" not in set(inv["period"])  # supply 0 unless stated
    assert (inv.set_index("period")["amount"] <= pd.Series({"FY2027": 5e4, "FY2028": 1.5e5})).all()
    assert npv("ascend_950") >= npv("base") - tol()
