"""The comparison tables: KPIs side by side, and each plan's changes against the reference.

Every change is ``plan - reference``, in the units of the run's own tables (RMB million,
units of accelerators, MW of IT load).  The investment changes of a plan add up to the
change of its total capex in budget.csv.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capplan.model.families import family

if TYPE_CHECKING:
    from capplan.results.compare import Plan

INVESTMENT_KEY = ["period", "region", "category", "part"]
LIMIT_KEY = ["family", "period", "region", "part", "market", "segment", "campaign", "vendor"]
CATEGORY_UNIT = {"accelerators": "units", "data_centre": "MW", "region_entry": "-"}
CATEGORIES = ["data_centre", "region_entry", "accelerators"]
TOL = 1e-6
FIRST_KPIS = ["npv_rmb_m", "capex_rmb_m", "revenue_pv_rmb_m", "unserved_share"]  # then A-Z


def kpi_unit(key: str) -> str:
    """The unit of a KPI, from its name (units are in the key names, see docs/outputs.md)."""
    if key.endswith("_rmb_m"):
        return "RMB M"
    if key.endswith("_share") or key == "utilisation":
        return "share"
    return {"tco2": "t CO2", "energy_mwh": "MWh"}.get(key, "")


def kpi_table(plans: list[Plan]) -> pd.DataFrame:
    """One row per KPI (the headline ones first, then by name): its unit, each plan's value
    and each plan's change against the first."""
    found = {k for p in plans for k in p.summary.get("kpis") or {}}
    keys = [k for k in FIRST_KPIS if k in found] + sorted(found - set(FIRST_KPIS))
    frame = pd.DataFrame({"kpi": keys, "unit": [kpi_unit(k) for k in keys]})
    for plan in plans:
        kpis = plan.summary.get("kpis") or {}
        frame[plan.label] = [_number(kpis.get(k)) for k in keys]
    ref = plans[0].label
    for plan in plans[1:]:
        frame[f"{plan.label}_change"] = frame[plan.label] - frame[ref]
    return frame


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else np.nan


def investment_changes(ref: Plan, label: str, plan: Plan) -> pd.DataFrame:
    """What is bought or built differently, per period, region and asset, largest first.

    ``quantity`` is pods, modules or entries; ``amount`` is units of accelerators or MW
    (see ``unit``); capex in RMB million.  Rows that do not change are left out.
    """
    value = ["quantity", "amount", "capex_rmb_m"]
    a = _investments(ref).set_index(INVESTMENT_KEY)[value]
    b = _investments(plan).set_index(INVESTMENT_KEY)[value]
    both = _outer(a, b).fillna(0.0).reset_index()
    out = pd.DataFrame({"plan": label, **{k: both[k] for k in INVESTMENT_KEY}})
    out["unit"] = out["category"].map(CATEGORY_UNIT).fillna("")
    out["quantity_ref"] = both["quantity_ref"].astype(int)
    out["quantity"] = both["quantity"].astype(int)
    out["quantity_change"] = out["quantity"] - out["quantity_ref"]
    out["amount_change"] = both["amount"] - both["amount_ref"]
    out["capex_ref_rmb_m"] = both["capex_rmb_m_ref"]
    out["capex_rmb_m"] = both["capex_rmb_m"]
    out["capex_change_rmb_m"] = both["capex_rmb_m"] - both["capex_rmb_m_ref"]
    changed = (out["quantity_change"] != 0) | (out["capex_change_rmb_m"].abs() > TOL)
    return _ranked(out[changed], "capex_change_rmb_m", INVESTMENT_KEY)


def _outer(ref: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """Rows of either, on the shared index; the reference's columns end in ``_ref``."""
    return ref.merge(plan, how="outer", left_index=True, right_index=True, suffixes=("_ref", ""))


def _investments(plan: Plan) -> pd.DataFrame:
    frame = plan.tables["investments"].copy()
    frame["part"] = frame["part"].fillna("").astype(str)
    return frame


def _ranked(frame: pd.DataFrame, by: str, key: list[str]) -> pd.DataFrame:
    """Largest absolute ``by`` first; ties in key order (stable, so files are identical)."""
    order = frame.assign(_size=-frame[by].abs().round(6)).sort_values(
        ["_size", *key], kind="stable"
    )
    return order.drop(columns="_size").reset_index(drop=True)


def budget_shifts(ref: Plan, label: str, plan: Plan) -> pd.DataFrame:
    """Capex per period (and the total) by category, against the reference and its caps."""
    a = ref.tables["budget"].set_index("period")
    b = plan.tables["budget"].set_index("period")
    periods = list(dict.fromkeys([*a.index, *b.index]))
    a, b = a.reindex(periods), b.reindex(periods)
    out = pd.DataFrame({"plan": label, "period": periods})
    out["cap_ref_rmb_m"] = a["cap_rmb_m"].to_numpy()
    out["cap_rmb_m"] = b["cap_rmb_m"].to_numpy()
    out["capex_ref_rmb_m"] = a["capex_rmb_m"].fillna(0.0).to_numpy()
    out["capex_rmb_m"] = b["capex_rmb_m"].fillna(0.0).to_numpy()
    out["capex_change_rmb_m"] = out["capex_rmb_m"] - out["capex_ref_rmb_m"]
    for cat in CATEGORIES:
        column = f"{cat}_rmb_m"
        change = b[column].fillna(0.0) - a[column].fillna(0.0)
        out[f"{cat}_change_rmb_m"] = change.to_numpy()
    return out


def limit_changes(ref: Plan, label: str, plan: Plan) -> pd.DataFrame:
    """The limits (marginal_values.csv rows) whose limit, binding or value changed.

    ``change`` says how, one or more of (joined by "; "): ``limit changed`` (an input
    limit), ``MW online changed`` (a power row: the plan built more or less), ``became
    binding``, ``became slack``, ``value moved`` (by more than 1%).
    ``value_change_rmb_m`` is the change of marginal value x limit (the part of the LP's
    NPV its duality attributes to the limit), in RMB million; rows are ranked by its size.
    """
    a = _limits(ref).set_index(LIMIT_KEY)
    b = _limits(plan).set_index(LIMIT_KEY)
    both = _outer(a, b).reset_index()
    out = pd.DataFrame({"plan": label, **{k: both[k] for k in LIMIT_KEY}})
    out["unit"] = both["unit"].fillna(both["unit_ref"])
    for column in ["limit", "activity", "binding", "marginal_value"]:
        out[f"{column}_ref"] = both[f"{column}_ref"]
        out[column] = both[column]
    out["value_change_rmb_m"] = (limit_value(both) - limit_value(both, "_ref")).fillna(0.0)
    out["change"] = _how(out)
    return _ranked(out[out["change"] != ""], "value_change_rmb_m", LIMIT_KEY)


def _limits(plan: Plan) -> pd.DataFrame:
    frame = plan.tables["marginal_values"].copy()
    for column in LIMIT_KEY:
        frame[column] = frame[column].astype(object).fillna("").astype(str)
    return frame


def limit_value(frame: pd.DataFrame, suffix: str = "") -> pd.Series:
    """marginal value x limit in RMB million (each family's value is in RMB per unit, a
    budget's RMB per RMB of RMB M: divided by the registry's factor)."""
    factor = frame["family"].map(lambda name: getattr(family(name), "factor", 1e6))
    scale = 1.0 / factor.to_numpy(dtype=float)
    value = frame[f"marginal_value{suffix}"].fillna(0.0) * frame[f"limit{suffix}"].fillna(0.0)
    return value * scale


def _how(out: pd.DataFrame) -> list[str]:
    """How each limit changed: its value, its binding, or its marginal value ('' if not)."""
    return [_how_row(row) for row in out.to_dict("records")]


def _how_row(row: dict[Any, Any]) -> str:
    """'limit changed; became binding'...: every way the row changed, '' if none.  A power
    row's limit counts the MW the plan built, so its change is a decision: MW online."""
    before, after = row["limit_ref"], row["limit"]
    moved = pd.isna(before) or pd.isna(after) or abs(after - before) > TOL * max(1, abs(before))
    how = []
    if moved:
        fam = family(str(row["family"]))
        builds = fam is not None and fam.limit_counts_builds
        how.append("MW online changed" if builds else "limit changed")
    if bool(row["binding"]) and not bool(row["binding_ref"]):
        how.append("became binding")
    if bool(row["binding_ref"]) and not bool(row["binding"]):
        how.append("became slack")
    if _moved(row["marginal_value_ref"], row["marginal_value"]):
        how.append("value moved")
    return "; ".join(how)


def _moved(before: float, after: float) -> bool:
    """A marginal value moved by more than 1% (and more than 1e-6)."""
    if pd.isna(before) or pd.isna(after):
        return not (pd.isna(before) and pd.isna(after))
    return abs(after - before) > max(1e-6, 0.01 * max(abs(before), abs(after)))
