"""The unit of every cell a comparison shows: declared here, per table and column, so that
compare.md, the terminal and a comparison folder's report format shares as percentages
from the unit, never by guessing from a column's name or a value's size.

The KPI table is long: its ``unit`` column holds each row's unit (the KPI's documented
unit, ``capplan.report.units.SUMMARY_UNITS``), which applies to every plan's value; a
plan's change of a share is in percentage points (unit ``share change``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

SHARE = "share"
SHARE_CHANGE = "share change"  # a difference of two shares: percentage points
PER_ROW = "unit of the row"  # the KPI table's plan columns: the row's ``unit`` cell

_KEYS = {"plan", "period", "region", "part", "category", "family", "market", "segment"}
_KEYS |= {"campaign", "vendor", "unit", "kpi", "label", "source", "status", "input_hash"}

# table -> column -> unit; a column not declared here is a test failure
# (tests/test_compare.py), so a new share column cannot slip through unformatted.
COLUMN_UNITS: dict[str, dict[str, str]] = {
    "investment_changes": {
        "quantity_ref": "count",
        "quantity": "count",
        "quantity_change": "count",
        "amount_change": "as in column unit",
        "capex_ref_rmb_m": "RMB M",
        "capex_rmb_m": "RMB M",
        "capex_change_rmb_m": "RMB M",
    },
    "budget_shifts": {
        "cap_ref_rmb_m": "RMB M",
        "cap_rmb_m": "RMB M",
        "capex_ref_rmb_m": "RMB M",
        "capex_rmb_m": "RMB M",
        "capex_change_rmb_m": "RMB M",
        "data_centre_change_rmb_m": "RMB M",
        "region_entry_change_rmb_m": "RMB M",
        "accelerators_change_rmb_m": "RMB M",
    },
    "limit_changes": {
        "limit_ref": "model unit of the family",
        "limit": "model unit of the family",
        "activity_ref": "model unit of the family",
        "activity": "model unit of the family",
        "binding_ref": "bool",
        "binding": "bool",
        "marginal_value_ref": "as in column unit",
        "marginal_value": "as in column unit",
        "value_change_rmb_m": "RMB M",
        "change": "text",
    },
}


def declared(table: str, column: str) -> str | None:
    """The declared unit of a column ('-' for keys and names, None if not declared)."""
    if column in _KEYS:
        return "-"
    return COLUMN_UNITS.get(table, {}).get(column)


def kpi_column_unit(column: str, labels: Sequence[str]) -> str:
    """A KPI table column: ``PER_ROW`` for a plan's values, ``PER_ROW change`` for a plan's
    change against the reference (``<label>_change``, every label but the first)."""
    if column in ("kpi", "unit"):
        return "-"
    if column in labels:
        return PER_ROW
    if column.endswith("_change") and column.removesuffix("_change") in labels[1:]:
        return PER_ROW + " change"
    return ""


def cell_units(table: str, frame: pd.DataFrame, labels: Sequence[str]) -> list[list[str]]:
    """The unit of every cell of a comparison table, row by row (``SHARE`` and
    ``SHARE_CHANGE`` are the ones shown as percent and percentage points)."""
    if table != "kpis":
        units = [declared(table, str(c)) or "" for c in frame.columns]
        return [list(units) for _ in range(len(frame))]
    columns = [kpi_column_unit(str(c), labels) for c in frame.columns]
    rows = frame["unit"].astype(str).tolist() if "unit" in frame.columns else [""] * len(frame)
    out = []
    for row_unit in rows:
        out.append([_per_row(unit, row_unit) for unit in columns])
    return out


def _per_row(column_unit: str, row_unit: str) -> str:
    if column_unit == PER_ROW:
        return row_unit
    if column_unit == PER_ROW + " change":
        return SHARE_CHANGE if row_unit == SHARE else row_unit
    return column_unit


def share_text(value: Any, unit: str) -> str | None:
    """'23.9%' for a share, '+14.4 pp' for a change of a share; None for any other unit
    (or a value that is not a number)."""
    if unit not in (SHARE, SHARE_CHANGE) or isinstance(value, bool):
        return None
    if not isinstance(value, int | float) or value != value:
        return None
    if unit == SHARE:
        return f"{100 * value:.1f}%"
    points = round(100 * value, 1)
    return "0.0 pp" if points == 0 else f"{points:+.1f} pp"
