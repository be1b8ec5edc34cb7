"""Headline figures of a plan, computed from the result tables (one place, one unit each)."""

from __future__ import annotations

import pandas as pd


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole > 0 else None


def kpis(tables: dict[str, pd.DataFrame], pv: dict[str, float]) -> dict[str, float | None]:
    """NPV, capex, shares, utilisation and emissions (units in the key names).

    Shares of the fleet are of installed peak compute (PFLOPS) in the last period.
    """
    budget = tables["budget"]
    total = budget[budget["period"] == "total"].iloc[0]
    fleet = tables["fleet"]
    last = fleet[fleet["period"] == fleet["period"].iloc[-1]] if len(fleet) else fleet
    peak = float(last["peak_pflops"].sum()) if len(last) else 0.0
    domestic = float(last.loc[last["domestic"], "peak_pflops"].sum()) if len(last) else 0.0
    nvidia = float(last.loc[last["vendor"] == "Nvidia", "peak_pflops"].sum()) if len(last) else 0.0
    demand = tables["demand"]
    cap = tables["capacity"]
    return {
        "npv_rmb_m": round(pv["npv_rmb_m"], 6),
        "revenue_pv_rmb_m": round(pv["revenue_pv_rmb_m"], 6),
        "capex_rmb_m": round(float(total["capex_rmb_m"]), 6),
        "budget_used_share": _share(float(total["capex_rmb_m"]), float(total["cap_rmb_m"])),
        "domestic_share": _share(domestic, peak),
        "nvidia_share": _share(nvidia, peak),
        "unserved_share": _share(
            float(demand["unserved_zflop"].sum()), float(demand["demand_zflop"].sum())
        ),
        "utilisation": _share(
            float(fleet["used_peak_zflop"].sum()), float(fleet["peak_zflop"].sum())
        ),
        "tco2": round(float(cap["tco2"].sum()), 3),
        "energy_mwh": round(float(cap["energy_mwh"].sum()), 3),
    }
