"""What changed and why, in plain language, from the comparison tables.

The paragraph follows the tables, so its figures add up to them: the headline KPIs, the
limits the scenario changed, what was bought less and more (investment changes summed
over periods per region and asset), and the limits that became binding or slack and the
marginal values that moved most.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from capplan.model.families import MONEY, family
from capplan.results.compare.changes import LIMIT_KEY, limit_value

if TYPE_CHECKING:
    from capplan.results.compare import Plan

LISTED = 4  # items named per sentence; the rest are counted
TOL = 1e-6


def story(
    ref: Plan, plan: Plan, investments: pd.DataFrame, budget: pd.DataFrame, limits: pd.DataFrame
) -> str:
    """One paragraph: headline, changed limits, investments, and why."""
    sentences = [
        _headline(ref, plan),
        _changed_limits(limits),
        *_bought(investments),
        *_why(limits),
        _holding(plan),
    ]
    return " ".join(s for s in sentences if s)


def _headline(ref: Plan, plan: Plan) -> str:
    a, b = ref.summary.get("kpis") or {}, plan.summary.get("kpis") or {}
    npv = _change("the NPV", a.get("npv_rmb_m"), b.get("npv_rmb_m"))
    capex = _change("capex", a.get("capex_rmb_m"), b.get("capex_rmb_m"))
    text = f"Against {ref.label}, {plan.label} {npv} and {capex}"
    before, after = a.get("unserved_share"), b.get("unserved_share")
    if before is not None and after is not None and abs(after - before) > 5e-4:
        text += f"; unserved demand goes from {_pct(before)} to {_pct(after)}"
    return text + "."


def _change(what: str, before: float | None, after: float | None) -> str:
    """'lowers the NPV by RMB 24.3 bn (-19.9%) to RMB 97.9 bn' (money in RMB million)."""
    if before is None or after is None:
        return f"changes {what}"
    change = after - before
    if abs(change) <= 0.05:  # RMB 50,000: equal for a planner
        return f"leaves {what} unchanged at {_rmb(after)}"
    verb = "raises" if change > 0 else "lowers"
    rel = f" ({change / abs(before):+.1%})" if before else ""
    return f"{verb} {what} by {_rmb(abs(change))}{rel} to {_rmb(after)}"


def _changed_limits(limits: pd.DataFrame) -> str:
    changed = _records(_having(limits, "limit changed"))
    if not changed:
        return "It changes no limit of the model: its effect comes through prices, costs or rules."
    items = [
        f"{_limit(r)} from {_amount(r['limit_ref'], r['family'])} to "
        f"{_amount(r['limit'], r['family'])}"
        for r in changed
    ]
    return f"It changes {len(items)} limit{'s' if len(items) > 1 else ''}: {_listing(items)}."


def _bought(investments: pd.DataFrame) -> list[str]:
    """'Bought less: ...' and 'Bought more: ...', per region and asset over all periods."""
    if investments.empty:
        return ["The investments are the same."]
    total = (
        investments.groupby(["region", "category", "part", "unit"])[
            ["quantity_change", "amount_change", "capex_change_rmb_m"]
        ]
        .sum()
        .reset_index()
    )
    out = []
    for word, sign in (("less", -1), ("more", 1)):
        side = total[total["capex_change_rmb_m"] * sign > TOL]
        side = side.sort_values("capex_change_rmb_m", ascending=sign < 0, kind="stable")
        if side.empty:
            continue
        items = [_asset(r) for r in _records(side)]
        money = side["capex_change_rmb_m"].sum()
        out.append(
            f"Bought {word} ({_rmb(money, signed=True)} of capex in all): {_listing(items)}."
        )
    return out


def _asset(r: dict[str, Any]) -> str:
    """'Ascend 910B in China: +76,800 units (RMB +12.3 bn)'."""
    names = {"data_centre": "data-centre MW", "region_entry": "region entry"}
    name = names.get(r["category"], r["part"])
    amount = "" if r["unit"] == "-" else f"{r['amount_change']:+,.0f} {r['unit']} "
    return f"{name} in {r['region']}: {amount}({_rmb(r['capex_change_rmb_m'], signed=True)})"


def _why(limits: pd.DataFrame) -> list[str]:
    """The limits that became binding or slack, and the marginal values that moved most."""
    out = []
    for change, text in (
        ("became binding", "Limits that now bind"),
        ("became slack", "Limits that no longer bind"),
    ):
        rows = _records(_having(limits, change))
        if rows:
            items = [
                f"{_limit(r)} (marginal value {_value(r['marginal_value'], r['unit'])})"
                for r in rows
            ]
            out.append(f"{text}: {_listing(items)}.")
    moved = _records(_having(limits, "value moved"))
    if moved:
        items = [
            f"{_limit(r)} from {_value(r['marginal_value_ref'], r['unit'])} to "
            f"{_value(r['marginal_value'], r['unit'])}"
            for r in moved
        ]
        out.append(f"Marginal values that moved most: {_listing(items)}.")
    return out


def _holding(plan: Plan) -> str:
    """The binding limits with the most value in the plan: what keeps it from doing more."""
    mv = plan.tables["marginal_values"].copy()
    mv[LIMIT_KEY] = mv[LIMIT_KEY].astype(object).fillna("")
    mv = mv.assign(_value=limit_value(mv))
    held = mv[mv["binding"].astype(bool) & (mv["marginal_value"].abs() > TOL)]
    held = held.sort_values("_value", key=lambda v: -v.abs(), kind="stable")
    if held.empty:
        return ""
    items = [f"{_limit(r)} ({_value(r['marginal_value'], r['unit'])})" for r in _records(held)]
    return f"What holds {plan.label} back (binding, largest value first): {_listing(items)}."


def _having(limits: pd.DataFrame, change: str) -> pd.DataFrame:
    """The rows whose ``change`` includes ``change``."""
    return limits[limits["change"].str.split("; ").apply(lambda kinds: change in kinds)]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


# --------------------------------------------------------------------------- words


def _limit(r: dict[str, Any]) -> str:
    """A marginal_values.csv row in words: 'the supply of H20 for china in FY2026' (the
    registry's words; a family it does not know, from another version, by its name)."""
    fam = family(str(r["family"]))
    if fam is None:
        return str(r["family"])
    return fam.row_words({k: str(r[k]) for k in LIMIT_KEY if k in r})


def _amount(value: float, name: str) -> str:
    """A limit in its family's unit: RMB M as money, else the number and the unit."""
    if pd.isna(value):
        return "none"
    fam = family(name)
    if fam is not None and fam.unit == MONEY:
        return _rmb(value)
    return f"{value:,.0f} {fam.unit if fam is not None else ''}".strip()


def _value(value: float, unit: str) -> str:
    if pd.isna(value):
        return "unknown"
    if unit == "RMB per RMB":
        return f"{value:,.3f} {unit}"
    return f"{value:,.0f} {unit}"


def _rmb(million: float, signed: bool = False) -> str:
    sign = "+" if signed and million > 0 else ("-" if million < 0 else "")
    size = abs(million)
    text = f"{size / 1e3:,.1f} bn" if size >= 1e3 else f"{size:,.1f} million"
    return f"RMB {sign}{text}"


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _listing(items: list[str]) -> str:
    shown = "; ".join(items[:LISTED])
    more = len(items) - LISTED
    return shown + (f"; and {more} more" if more > 0 else "")
