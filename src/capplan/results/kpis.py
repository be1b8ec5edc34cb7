"""Headline figures of a plan, computed from the result tables (one place, one unit each)."""

from __future__ import annotations

import pandas as pd


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole > 0 else None


def kpis(
    tables: dict[str, pd.DataFrame], pv: dict[str, float], china_regions: list[str]
) -> dict[str, float | None]:
    """NPV, capex, shares, utilisation and emissions (units in the key names).

    Shares of the fleet are of installed peak compute (PFLOPS) in the horizon's last period,
    over all regions (domestic_share, nvidia_share: vendor "Nvidia") or China's market
    (china_domestic_share).
    """
    budget = tables["budget"]
    total = budget[budget["period"] == "total"].iloc[0]
    fleet = tables["fleet"]
    last = fleet[fleet["period"] == tables["demand"]["period"].iloc[-1]]
    peak = float(last["peak_pflops"].sum())
    domestic = float(last.loc[last["domestic"], "peak_pflops"].sum())
    nvidia = float(last.loc[last["vendor"] == "Nvidia", "peak_pflops"].sum())
    china = last[last["region"].isin(china_regions)]
    china_peak = float(china["peak_pflops"].sum())
    china_domestic = float(china.loc[china["domestic"], "peak_pflops"].sum())
    demand = tables["demand"]
    cap = tables["capacity"]
    return {
        "npv_rmb_m": round(pv["npv_rmb_m"], 6),
        "revenue_pv_rmb_m": round(pv["revenue_pv_rmb_m"], 6),
        "capex_rmb_m": round(float(total["capex_rmb_m"]), 6),
        "budget_used_share": _share(float(total["capex_rmb_m"]), float(total["cap_rmb_m"])),
        "domestic_share": _share(domestic, peak),
        "nvidia_share": _share(nvidia, peak),
        "china_domestic_share": _share(china_domestic, china_peak),
        "unserved_share": _share(
            float(demand["unserved_zflop"].sum()), float(demand["demand_zflop"].sum())
        ),
        "utilisation": _share(
            float(fleet["used_peak_zflop"].sum()), float(fleet["peak_zflop"].sum())
        ),
        "tco2": round(float(cap["tco2"].sum()), 3),
        "energy_mwh": round(float(cap["energy_mwh"].sum()), 3),
    }
