"""The unit of every output column and summary key: the one place the report and the
Excel export take them from.  ``tests/test_report_units.py`` checks that this matches
``docs/outputs.md`` word for word, so the docs and the exports cannot drift apart.
"""

from __future__ import annotations

# Units a header does not need to repeat: keys, names and flags.
PLAIN = frozenset({"-", "label", "name", "bool", "text", "hex", "status", ""})

# table -> column -> unit, tables in the order docs/outputs.md lists them
COLUMN_UNITS: dict[str, dict[str, str]] = {
    "investments": {
        "period": "label",
        "region": "name",
        "category": "-",
        "part": "name",
        "quantity": "modules / count / pods",
        "amount": "MW IT / - / units",
        "capex_rmb_m": "RMB M, nominal",
    },
    "capacity": {
        "period": "-",
        "region": "-",
        "mw_online": "MW IT",
        "mw_used": "MW IT",
        "mw_free": "MW IT",
        "facility_mw": "facility MW",
        "energy_mwh": "MWh",
        "power_cost_rmb_m": "RMB M, nominal",
        "tco2": "t CO2",
    },
    "fleet": {
        "period": "-",
        "region": "-",
        "part": "-",
        "vendor": "name",
        "domestic": "bool",
        "pods": "pods",
        "units": "units",
        "peak_pflops": "PFLOPS",
        "peak_zflop": "ZFLOP of peak",
        "used_peak_zflop": "ZFLOP of peak",
        "utilisation": "share",
    },
    "demand": {
        "period": "label",
        "zone": "name",
        "segment": "name",
        "domestic_only": "bool",
        "demand_zflop": "ZFLOP delivered",
        "served_zflop": "ZFLOP delivered",
        "unserved_zflop": "ZFLOP",
        "served_share": "share",
        "revenue_rmb_m": "RMB M, nominal",
    },
    "serving": {
        "period": "-",
        "segment": "-",
        "region": "-",
        "part": "-",
        "served_zflop": "ZFLOP delivered",
    },
    "training": {
        "period": "-",
        "campaign": "-",
        "region": "-",
        "part": "-",
        "zflop": "ZFLOP delivered",
    },
    "campaigns": {
        "campaign": "-",
        "required_zflop": "ZFLOP",
        "delivered_zflop": "ZFLOP",
        "short_zflop": "ZFLOP",
        "earliest": "label",
        "deadline": "label",
        "required": "bool",
    },
    "budget": {
        "period": "-",
        "data_centre_rmb_m": "RMB M, nominal",
        "region_entry_rmb_m": "RMB M, nominal",
        "accelerators_rmb_m": "RMB M, nominal",
        "capex_rmb_m": "RMB M, nominal",
        "cap_rmb_m": "RMB M",
        "used_share": "share",
    },
    "marginal_values": {
        "family": "-",
        "period": "-",
        "region": "-",
        "part": "-",
        "market": "-",
        "segment": "-",
        "campaign": "-",
        "vendor": "-",
        "marginal_value": "as in column unit",
        "unit": "-",
        "activity": "model unit of the family",
        "limit": "model unit of the family",
        "slack": "model unit of the family",
        "binding": "bool",
    },
    "cash_flow": {
        "period": "-",
        "start_years": "years",
        "mid_years": "years",
        "capex_rmb_m": "RMB M, nominal",
        "opex_rmb_m": "RMB M, nominal",
        "revenue_rmb_m": "RMB M, nominal",
        "late_penalty_rmb_m": "RMB M, nominal",
        "residual_rmb_m": "RMB M, at the horizon's end",
        "net_rmb_m": "RMB M, nominal",
        "capex_pv_rmb_m": "RMB M, present value",
        "opex_pv_rmb_m": "RMB M, present value",
        "revenue_pv_rmb_m": "RMB M, present value",
        "late_penalty_pv_rmb_m": "RMB M, present value",
        "residual_pv_rmb_m": "RMB M, present value",
        "net_pv_rmb_m": "RMB M, present value",
    },
    "npv_bridge": {
        "item": "-",
        "label": "-",
        "kind": "-",
        "pv_rmb_m": "RMB M, present value",
    },
}

TABLES: tuple[str, ...] = tuple(COLUMN_UNITS)
# Tables that run folders written before them lack: read when present.
OPTIONAL_TABLES = frozenset({"cash_flow", "npv_bridge"})

# summary.json key (dotted) -> unit, as documented in docs/outputs.md
SUMMARY_UNITS: dict[str, str] = {
    "model": "-",
    "model_file": "-",
    "input_hash": "hex",
    "status": "-",
    "message": "text",
    "objective_kind": "-",
    "objective_rmb_m": "RMB M, present value",
    "bound_rmb_m": "RMB M",
    "gap": "share",
    "gap_at_most": "share",
    "solver.backend": "name",
    "solver.version": "text",
    "solver.time_limit_s": "s",
    "solver.mip_gap": "share",
    "solver.threads": "-",
    "solver.seed": "-",
    "size.variables": "count",
    "size.integer_variables": "count",
    "size.rows": "count",
    "size.nonzeros": "count",
    "times.load_s": "s",
    "times.build_s": "s",
    "times.solve_s": "s",
    "times.extract_s": "s",
    "times.write_s": "s",
    "solver_times.fill_s": "s",
    "solver_times.solve_s": "s",
    "solver_times.extract_s": "s",
    "versions": "text",
    "marginal_values.method": "text",
    "marginal_values.lp_backend": "name",
    "marginal_values.lp_status": "status",
    "marginal_values.lp_objective": "RMB M",
    "kpis.npv_rmb_m": "RMB M, present value",
    "kpis.revenue_pv_rmb_m": "RMB M, present value",
    "kpis.capex_rmb_m": "RMB M, nominal",
    "kpis.budget_used_share": "share",
    "kpis.domestic_share": "share",
    "kpis.nvidia_share": "share",
    "kpis.china_domestic_share": "share",
    "kpis.unserved_share": "share",
    "kpis.utilisation": "share",
    "kpis.tco2": "t CO2",
    "kpis.energy_mwh": "MWh",
}
PRESENT_VALUE_UNIT = "RMB M, present value"  # every present_values.* key
MONEY_UNITS: dict[str, str] = {
    "residual_method": "-",
    "residual_method_text": "-",
    "npv_rmb_m": "RMB M, present value",
    "npv_without_residual_rmb_m": "RMB M, present value",
    "residual_pv_rmb_m": "RMB M, present value",
    "irr": "share a year",
    "irr_without_residual": "share a year",
    "payback_years": "years",
    "discounted_payback_years": "years",
}


def column_unit(table: str, column: str) -> str:
    """The documented unit of a table column ('' if the column is not known)."""
    return COLUMN_UNITS.get(table, {}).get(column, "")


def summary_unit(key: str) -> str:
    """The documented unit of a dotted summary.json key ('' if not documented)."""
    if key.startswith("present_values."):
        return PRESENT_VALUE_UNIT
    if key.startswith("money."):
        return MONEY_UNITS.get(key.removeprefix("money."), "")
    if key.startswith("versions."):
        return SUMMARY_UNITS["versions"]
    return SUMMARY_UNITS.get(key, "")


def header(table: str, column: str) -> str:
    """A column header with its unit, e.g. ``capex_rmb_m (RMB M, nominal)``."""
    unit = column_unit(table, column)
    return column if unit in PLAIN else f"{column} ({unit})"


# Column names in people's words for the report (the workbook keeps the file's names).
WORDS: dict[str, str] = {
    "capex_rmb_m": "Capex",
    "opex_rmb_m": "Opex",
    "mw_online": "MW online",
    "mw_used": "MW used",
    "mw_free": "MW free",
    "facility_mw": "Facility MW",
    "energy_mwh": "Energy",
    "power_cost_rmb_m": "Power cost",
    "tco2": "Emissions",
    "peak_pflops": "Peak compute",
    "peak_zflop": "Peak compute over the period",
    "used_peak_zflop": "Compute used",
    "demand_zflop": "Demand",
    "served_zflop": "Served",
    "unserved_zflop": "Unserved",
    "served_share": "Served share",
    "revenue_rmb_m": "Revenue",
    "zflop": "Training delivered",
    "required_zflop": "Compute required",
    "delivered_zflop": "Compute delivered",
    "short_zflop": "Shortfall",
    "required": "Must be met",
    "data_centre_rmb_m": "Data centres",
    "region_entry_rmb_m": "Region entry",
    "accelerators_rmb_m": "Accelerators",
    "cap_rmb_m": "Cap",
    "used_share": "Share of the cap used",
    "marginal_value": "Marginal value",
    "start_years": "Starts at",
    "mid_years": "Mid-period at",
    "late_penalty_rmb_m": "Late penalty",
    "residual_rmb_m": "Residual value",
    "net_rmb_m": "Net cash flow",
    "pv_rmb_m": "Present value",
    "domestic_only": "Domestic parts only",
    "pods": "Pods",
    "units": "Accelerators",
}
SUFFIXES = ("_pv_rmb_m", "_rmb_m", "_zflop", "_share", "_mw", "_years")


def words(table: str, column: str) -> str:
    """A column header in people's words with its unit: 'Capex (RMB M, nominal)'."""
    unit = column_unit(table, column)
    name = WORDS.get(column)
    if name is None and column.endswith("_pv_rmb_m"):
        name = WORDS.get(column.replace("_pv_rmb_m", "_rmb_m"))
    if name is None:
        base = column
        for suffix in SUFFIXES:
            if base.endswith(suffix) and base != suffix:
                base = base[: -len(suffix)]
                break
        name = base.replace("_", " ").strip().capitalize()
    if unit in PLAIN or unit in ("as in column unit", "model unit of the family"):
        return name
    return f"{name} ({'%' if unit == 'share' else unit})"
