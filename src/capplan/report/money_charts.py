"""The report's money charts: the NPV bridge as a waterfall, and cash flow by period.

Both read only ``npv_bridge.csv`` and ``cash_flow.csv`` of a run folder (see
:mod:`capplan.results.money`); runs written before those tables get no money charts.
"""

from __future__ import annotations

import textwrap

import numpy as np

from capplan.report.chart_kit import Chart, figure, png, ticks
from capplan.report.rundata import RunData

UP, DOWN, TOTAL = "#27ae60", "#c0392b", "#2e86c1"
FLOW_COLOURS = {"revenue": "#27ae60", "capex": "#7f8c8d", "opex": "#e67e22"}


def bridge_chart(run: RunData) -> Chart | None:
    """Waterfall: revenue, capex, opex, penalty, subtotal, residual, NPV (RMB bn, PV)."""
    bridge = run.tables.get("npv_bridge")
    if bridge is None or bridge.empty:
        return None
    fig = figure(11, 3.6)
    ax = fig.subplots()
    level = 0.0
    labels = []
    for i, (label, kind, pv) in enumerate(
        zip(bridge["label"], bridge["kind"], bridge["pv_rmb_m"].to_numpy(float), strict=True)
    ):
        value = pv / 1e3
        if kind == "part":
            bottom, height = (level, value) if value >= 0 else (level + value, -value)
            colour = UP if value >= 0 else DOWN
            level += value
        else:
            bottom, height, colour = min(0.0, value), abs(value), TOTAL
        ax.bar(i, height, 0.6, bottom=bottom, color=colour)
        ax.annotate(
            f"{value:,.1f}",
            (i, bottom + height),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
        labels.append(textwrap.fill(str(label), 16))
    ax.axhline(0, color="#333", linewidth=0.6)
    ax.set_xticks(np.arange(len(labels)), labels, fontsize=8)
    ax.set_ylabel("RMB bn, present value")
    ax.grid(axis="y", alpha=0.3)
    ticks(ax)
    method = run.summary.get("money", {}).get("residual_method_text", "")
    return Chart(
        "npv_bridge",
        "From revenue to the NPV",
        "Waterfall of present values: revenue up, capex, opex and penalties down to the NPV "
        f"without residual value, then the residual value ({method}) up to the NPV "
        "(npv_bridge.csv).",
        png(fig),
    )


def cash_flow_chart(run: RunData) -> Chart | None:
    """Revenue up, capex and opex down per period, net cash flow as a line (nominal)."""
    flow = run.tables.get("cash_flow")
    if flow is None or flow.empty:
        return None
    rows = flow[~flow["period"].isin(["end", "total"])]
    x = np.arange(len(rows))
    fig = figure(11, 3.4)
    ax = fig.subplots()
    ax.bar(
        x - 0.2, rows["revenue_rmb_m"] / 1e3, 0.4, color=FLOW_COLOURS["revenue"], label="revenue"
    )
    capex = -rows["capex_rmb_m"].to_numpy(float) / 1e3
    opex = -rows["opex_rmb_m"].to_numpy(float) / 1e3
    ax.bar(x + 0.2, capex, 0.4, color=FLOW_COLOURS["capex"], label="capex")
    ax.bar(x + 0.2, opex, 0.4, bottom=capex, color=FLOW_COLOURS["opex"], label="opex")
    operating = rows["net_rmb_m"].to_numpy(float) / 1e3
    ax.plot(x, operating, color="#1c2833", marker="o", label="net cash flow")
    ax.axhline(0, color="#333", linewidth=0.6)
    ax.set_xticks(x, list(rows["period"]), fontsize=8)
    ax.set_ylabel("RMB bn, nominal")
    ax.grid(axis="y", alpha=0.3)
    ticks(ax)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False)
    return Chart(
        "cash_flow",
        "Cash flow by period",
        "Bars of revenue (up) and capex and opex (down) per period, and the net cash flow "
        "as a line, nominal RMB bn; the residual value at the horizon's end is not drawn "
        "(cash_flow.csv).",
        png(fig),
    )


def money_charts(run: RunData) -> list[Chart]:
    """The run's money charts (none for runs without the money tables)."""
    return [c for c in (bridge_chart(run), cash_flow_chart(run)) if c is not None]
