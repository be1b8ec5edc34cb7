"""Tiny model folders for tests, written from Python dicts.

The default case is built so that answers can be worked out by hand: one period of one
year, no discounting (wacc 0), no server uplift, no maintenance, RMB = USD = CNY, free
power, pods of one unit costing RMB 1 million, each unit giving exactly 1 ZFLOP of peak
compute per period and drawing 0.1 MW, and one zone with 5 ZFLOP of demand paying
RMB 2 million per ZFLOP.  With 1 MW existing, the best plan buys 5 pods: NPV = 2*5 - 5 = 5.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

# TFLOPS that give exactly 1 ZFLOP (1e21 FLOP) in one year of 8760 hours
ONE_ZFLOP_TFLOPS = 1e21 / (1e12 * 8760 * 3600)

REGION = {
    "region": "A",
    "zone": "Z",
    "market": "china",
    "currency": "CNY",
    "existing_mw": 1.0,
    "module_mw": 1.0,
    "capex_per_mw_m": 10.0,
    "lead_time_months": 0,
    "pue": 1.0,
    "power_price_per_mwh": 0.0,
    "grid_gco2_per_kwh": 0.0,
    "max_new_mw_per_period": "",
    "max_new_mw_total": "",
    "entry_cost_m": 0.0,
    "min_first_build_mw": 0.0,
}
PART = {
    "part": "P",
    "vendor": "V",
    "domestic": True,
    "price_usd": 1e6,
    "tflops": ONE_ZFLOP_TFLOPS,
    "memory_gb": 80,
    "watts": 1e5,
    "life_years": 1,
    "pod_size": 1,
    "util_inference": 1.0,
    "util_training": 1.0,
}
MODEL: dict[str, Any] = {
    "name": "tiny",
    "horizon": {"periods": ["Y1"], "period_years": 1},
    "budget": {"total_rmb_bn": 100},
    "finance": {
        "wacc": 0.0,
        "server_uplift": 0.0,
        "maintenance_rate_hardware": 0.0,
        "maintenance_rate_shell": 0.0,
        "shell_life_years": 1.0,
    },
    "objective": {"kind": "max_npv"},
    "solver": {"backend": "highs", "time_limit_s": 60, "mip_gap": 1.0e-9},
    "inputs": {"dir": "inputs"},
}
CAMPAIGN_COLUMNS = [
    "campaign",
    "flop",
    "earliest",
    "deadline",
    "regions",
    "parts",
    "late_penalty_rmb_per_zflop",
]


def case(
    root: Path,
    *,
    model: dict[str, Any] | None = None,
    regions: list[dict[str, Any]] | None = None,
    parts: list[dict[str, Any]] | None = None,
    supply: list[dict[str, Any]] | None = None,
    eligibility: list[dict[str, Any]] | None = None,
    demand: list[dict[str, Any]] | None = None,
    campaigns: list[dict[str, Any]] | None = None,
    exchange_rates: list[dict[str, Any]] | None = None,
    policy: dict[str, Any] | None = None,
    supply_units: float = 1e9,
) -> Path:
    """Write a model folder under ``root``; return the model file's path.

    Tables not given are derived from the others: supply ``supply_units`` of every part in
    every market and period, every part allowed everywhere, 5 ZFLOP of demand at RMB 2
    million per ZFLOP in every zone and period, rate 1 for every currency.
    """
    m = copy.deepcopy(MODEL)
    for key, value in (model or {}).items():
        if isinstance(value, dict) and isinstance(m.get(key), dict):
            m[key].update(value)
        else:
            m[key] = value
    periods = m["horizon"]["periods"]
    regions = regions or [dict(REGION)]
    parts = parts or [dict(PART)]
    zones = list(dict.fromkeys(r["zone"] for r in regions))
    if supply is None:
        supply = [
            {
                "part": p["part"],
                "market": mk,
                "period": t,
                "units": supply_units,
                "price_premium": 0.0,
            }
            for p in parts
            for mk in ("china", "overseas")
            for t in periods
        ]
    if eligibility is None:
        eligibility = [
            {"part": p["part"], "region": r["region"], "allowed": True}
            for p in parts
            for r in regions
        ]
    if demand is None:
        demand = [
            {"zone": z, "period": t, "demand_zflop": 5.0, "revenue_rmb_per_zflop": 2e6}
            for z in zones
            for t in periods
        ]
    if exchange_rates is None:
        currencies = sorted({*(r["currency"] for r in regions), "CNY", "USD"})
        exchange_rates = [
            {"currency": c, "period": t, "per_usd": 1.0} for c in currencies for t in periods
        ]
    inputs = root / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    tables = {
        "regions": regions,
        "parts": parts,
        "supply": supply,
        "eligibility": eligibility,
        "demand": demand,
        "exchange_rates": exchange_rates,
    }
    for name, rows in tables.items():
        pd.DataFrame(rows).to_csv(inputs / f"{name}.csv", index=False)
    pd.DataFrame(campaigns or [], columns=CAMPAIGN_COLUMNS).to_csv(
        inputs / "campaigns.csv", index=False
    )
    (inputs / "policy.yaml").write_text(yaml.safe_dump(policy or {"state_share": {}}))
    path = root / "model.yaml"
    path.write_text(yaml.safe_dump(m, sort_keys=False))
    return path


def region(**changes: Any) -> dict[str, Any]:
    return {**REGION, **changes}


def part(**changes: Any) -> dict[str, Any]:
    return {**PART, **changes}


def campaign(**changes: Any) -> dict[str, Any]:
    """A required campaign ``c`` of 1e20 FLOP by Y1 on any region and part, changed."""
    row = {
        "campaign": "c",
        "flop": 1e20,
        "earliest": "",
        "deadline": "Y1",
        "regions": "*",
        "parts": "*",
        "late_penalty_rmb_per_zflop": "",
    }
    return {**row, **changes}
