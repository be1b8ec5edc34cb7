"""A comparison as files (CSV tables, compare.md, compare.json) and as terminal text."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from capplan.results.compare.units import cell_units, share_text

if TYPE_CHECKING:
    from capplan.results.compare import Comparison

SHOWN = 10  # rows of each table shown in the terminal and in compare.md (all are in the CSV)
RANKED = "largest change first"
INVESTMENT_COLUMNS = [
    "plan",
    "period",
    "region",
    "part",
    "category",
    "quantity_change",
    "amount_change",
    "unit",
    "capex_change_rmb_m",
]
BUDGET_COLUMNS = [
    "plan",
    "period",
    "capex_ref_rmb_m",
    "capex_rmb_m",
    "capex_change_rmb_m",
    "accelerators_change_rmb_m",
    "data_centre_change_rmb_m",
]
LIMIT_COLUMNS = [
    "plan",
    "family",
    "period",
    "region",
    "part",
    "segment",
    "change",
    "limit_ref",
    "limit",
    "marginal_value_ref",
    "marginal_value",
    "unit",
]


def csv_tables(cmp: Comparison) -> dict[str, pd.DataFrame]:
    """The tables of a comparison folder, by file name (without .csv)."""
    return {
        "kpis": cmp.kpis,
        "investment_changes": cmp.investments,
        "budget_shifts": cmp.budget,
        "limit_changes": cmp.limits,
    }


def description(cmp: Comparison) -> dict[str, Any]:
    """compare.json: the plans compared, where they came from, and the reference."""
    plans = []
    for plan in cmp.plans:
        s = plan.summary
        plans.append(
            {
                "label": plan.label,
                "source": plan.source,
                "status": s.get("status"),
                "model": s.get("model"),
                "scenarios": s.get("scenarios", []),
                "set": s.get("set", []),
                "input_hash": s.get("input_hash"),
            }
        )
    return {"reference": cmp.reference.label, "plans": plans}


def markdown(cmp: Comparison) -> str:
    """compare.md: the plans, KPIs, the largest changes and the story of each plan."""
    ref = cmp.reference.label
    lines = [f"# {' vs '.join(p.label for p in cmp.plans)}", ""]
    lines += [f"Every change is against **{ref}**. All rows are in the CSV files.", ""]
    plans = pd.DataFrame(description(cmp)["plans"])[["label", "source", "status", "input_hash"]]
    sections = [
        ("Plans", "plans", plans, "", ""),
        ("KPIs", "kpis", cmp.kpis, "", ""),
        (
            "Investment changes",
            "investment_changes",
            cmp.investments[INVESTMENT_COLUMNS],
            "investment_changes.csv",
            RANKED,
        ),
        (
            "Budget shifts",
            "budget_shifts",
            cmp.budget[BUDGET_COLUMNS],
            "budget_shifts.csv",
            "by period",
        ),
        (
            "Limits that changed",
            "limit_changes",
            cmp.limits[LIMIT_COLUMNS],
            "limit_changes.csv",
            RANKED,
        ),
    ]
    labels = _labels(cmp)
    for title, table, frame, file, order in sections:
        lines += [f"## {title}", ""]
        if file:
            lines += [_shown_note(frame, file, order), ""]
        lines += [*_md_table(table, frame.head(SHOWN) if file else frame, labels), ""]
    lines += ["## What changed and why", ""]
    for label, text in cmp.story.items():
        lines += [f"**{label}.** {text}", ""]
    return "\n".join(lines)


def terminal(cmp: Comparison) -> str:
    """What ``capplan compare`` prints: KPIs, the largest changes and the story."""
    labels = _labels(cmp)
    out = [_text_table("kpis", cmp.kpis, labels), ""]
    out += [f"investment changes ({_shown_note(cmp.investments, '', RANKED)}):"]
    investments = cmp.investments[INVESTMENT_COLUMNS].head(SHOWN)
    out += [_text_table("investment_changes", investments, labels), ""]
    totals = cmp.budget[cmp.budget["period"] == "total"]
    out += ["budget (total):", _text_table("budget_shifts", totals[BUDGET_COLUMNS], labels), ""]
    for label, text in cmp.story.items():
        out += [f"{label}: {text}", ""]
    return "\n".join(out).rstrip()


def _shown_note(frame: pd.DataFrame, file: str, order: str) -> str:
    where = f"; all in {file}" if file else ""
    shown = min(len(frame), SHOWN)
    return f"{shown} of {len(frame)} rows, {order}{where}"


def _labels(cmp: Comparison) -> list[str]:
    return [p.label for p in cmp.plans]


def _cell(value: Any, unit: str = "") -> str:
    """A table cell: shares as percent and their changes in percentage points (by the
    declared unit, see ``units``), money and counts with thousands separators, other
    numbers with 4 significant digits."""
    shown = share_text(value, unit)
    if shown is not None:
        return shown
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"
    return str(value).replace("|", "/")


def _rows(table: str, frame: pd.DataFrame, labels: list[str]) -> list[list[str]]:
    header = [str(c) for c in frame.columns]
    units = cell_units(table, frame, labels)
    values = frame.astype(object).itertuples(index=False)
    body = [
        [_cell(v, u) for v, u in zip(row, unit, strict=True)]
        for row, unit in zip(values, units, strict=True)
    ]
    return [header, *body]


def _md_table(table: str, frame: pd.DataFrame, labels: list[str]) -> list[str]:
    rows = _rows(table, frame, labels)
    if len(rows) == 1:
        return ["(none)"]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return lines + ["| " + " | ".join(r) + " |" for r in rows[1:]]


def _text_table(table: str, frame: pd.DataFrame, labels: list[str]) -> str:
    rows = _rows(table, frame, labels)
    if len(rows) == 1:
        return "  (none)"
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )
