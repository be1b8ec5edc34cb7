"""The report's charts of one run, drawn with matplotlib's Agg renderer straight to PNG
bytes: what is bought (capex, budget, fleet) here, how the plan is used (demand, power,
campaigns, marginal values) in :mod:`capplan.report.plan_charts`, several runs side by
side in :mod:`capplan.report.compare_charts`, and what they share in
:mod:`capplan.report.chart_kit`.

Each chart reads one run's tables (:class:`~capplan.report.rundata.RunData`) and sums
rows at most; no figure is derived any other way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from capplan.report.chart_kit import (
    CATEGORY_COLOURS,
    ORIGIN_COLOURS,
    Chart,
    budget_layers,
    dedupe_legend,
    figure,
    legend,
    part_colours,
    periods_of,
    png,
    stack,
)
from capplan.report.compare_charts import compare_charts
from capplan.report.plan_charts import (
    _row_label,
    campaigns_chart,
    demand_chart,
    marginal_chart,
    power_chart,
)
from capplan.report.rundata import RunData

__all__ = [
    "Chart",
    "_row_label",
    "capex_chart",
    "compare_charts",
    "part_colours",
    "png",
    "run_charts",
]


def capex_chart(run: RunData, colours: dict[str, str]) -> Chart | None:
    """Capex by period x region x category (shells, region entry, accelerators by part)."""
    inv = run.tables["investments"]
    if inv.empty:
        return None
    periods = periods_of(run)
    regions = list(dict.fromkeys(inv["region"]))
    fig = figure(11, 4.2)
    axes = fig.subplots(1, len(periods), sharey=True, squeeze=False)[0]
    key = inv["category"].where(inv["category"] != "accelerators", inv["part"])
    layers = [c for c in ("data_centre", "region_entry") if c in set(key)]  # shells first
    layers += sorted(set(inv.loc[inv["category"] == "accelerators", "part"]))
    for ax, period in zip(axes, periods, strict=True):
        rows = inv[inv["period"] == period]
        x = np.arange(len(regions))
        bars = []
        for layer in layers:
            sel = rows[key.loc[rows.index] == layer]
            values = sel.groupby("region")["capex_rmb_m"].sum().reindex(regions).fillna(0.0)
            shell = layer in ("data_centre", "region_entry")
            colour = CATEGORY_COLOURS[layer] if shell else colours.get(layer, "#333333")
            label = layer.replace("_", " ") if shell else layer
            bars.append((label, values.to_numpy() / 1e3, colour))
        stack(ax, x, bars)
        ax.set_title(period, fontsize=10)
        ax.set_xticks(x, regions, rotation=90, fontsize=8)  # upright: never overlapping
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("capex, RMB bn (nominal)")
    legend(fig, axes[-1] if len(axes) else axes[0])
    dedupe_legend(fig, axes)
    return Chart(
        "capex",
        "Capex by period, region and category",
        "Stacked bars of capex per region in each period: data-centre shells, region entry "
        "and accelerators by part (investments.csv).",
        png(fig),
    )


def budget_chart(run: RunData) -> Chart:
    """Capex per period by category against the period's cap (budget.csv)."""
    b = run.tables["budget"]
    rows = b[b["period"] != "total"]
    x = np.arange(len(rows))
    fig = figure(8, 4)
    ax = fig.subplots()
    stack(ax, x, budget_layers(rows), width=0.6)
    cap = rows["cap_rmb_m"].to_numpy(dtype=float) / 1e3
    if np.isfinite(cap).any():
        ax.hlines(cap, x - 0.4, x + 0.4, colors="#c0392b", linestyles="--", label="cap")
    ax.set_xticks(x, list(rows["period"]))
    ax.set_ylabel("RMB bn (nominal)")
    ax.grid(axis="y", alpha=0.3)
    legend(fig, ax)
    return Chart(
        "budget",
        "Budget used per period against its cap",
        "Stacked bars of capex per period by category, with the period's cap as a dashed "
        "line (budget.csv).",
        png(fig),
    )


def origin(fleet: pd.DataFrame) -> pd.Series:
    """Each fleet row's origin: domestic, Nvidia (the KPIs' vendor) or other foreign."""
    nvidia = np.where(fleet["vendor"] == "Nvidia", "Nvidia", "other foreign")
    return pd.Series(np.where(fleet["domestic"], "domestic", nvidia), index=fleet.index)


def fleet_charts(run: RunData, colours: dict[str, str]) -> list[Chart]:
    """Installed peak PFLOPS by part, and by domestic / Nvidia / other, per period."""
    fleet = run.tables["fleet"]
    if fleet.empty:
        return []
    periods = periods_of(run)
    x = np.arange(len(periods))
    out = []
    by_part = fleet.pivot_table(
        index="part", columns="period", values="peak_pflops", aggfunc="sum", fill_value=0.0
    ).reindex(columns=periods, fill_value=0.0)
    fig = figure(8, 4)
    ax = fig.subplots()
    stack(
        ax,
        x,
        [(p, by_part.loc[p].to_numpy() / 1e3, colours.get(str(p), "#333")) for p in by_part.index],
        width=0.6,
    )
    ax.set_xticks(x, periods)
    ax.set_ylabel("installed peak compute, EFLOPS (dense BF16)")
    ax.grid(axis="y", alpha=0.3)
    legend(fig, ax)
    out.append(
        Chart(
            "fleet_by_part",
            "Accelerator fleet by part",
            "Stacked bars of installed peak compute per period by part, all regions "
            "(fleet.csv peak_pflops).",
            png(fig),
        )
    )
    by_origin = fleet.assign(origin=origin(fleet)).pivot_table(
        index="origin", columns="period", values="peak_pflops", aggfunc="sum", fill_value=0.0
    )
    by_origin = by_origin.reindex(index=list(ORIGIN_COLOURS), columns=periods, fill_value=0.0)
    fig = figure(8, 4)
    ax = fig.subplots()
    stack(
        ax,
        x,
        [(o, by_origin.loc[o].to_numpy() / 1e3, c) for o, c in ORIGIN_COLOURS.items()],
        width=0.6,
    )
    ax.set_xticks(x, periods)
    ax.set_ylabel("installed peak compute, EFLOPS (dense BF16)")
    ax.grid(axis="y", alpha=0.3)
    legend(fig, ax)
    out.append(
        Chart(
            "fleet_by_origin",
            "Accelerator fleet: domestic and Nvidia",
            "Stacked bars of installed peak compute per period on domestic parts, Nvidia "
            "parts and other foreign parts (fleet.csv).",
            png(fig),
        )
    )
    return out


def run_charts(run: RunData, colours: dict[str, str]) -> list[Chart]:
    """Every chart of one run, in report order (charts with nothing to show are left out)."""
    makers: list[Callable[[], Chart | list[Chart] | None]] = [
        lambda: capex_chart(run, colours),
        lambda: budget_chart(run),
        lambda: fleet_charts(run, colours),
        lambda: demand_chart(run),
        lambda: power_chart(run),
        lambda: campaigns_chart(run),
        lambda: marginal_chart(run),
    ]
    out: list[Chart] = []
    for make in makers:
        made = make()
        if isinstance(made, list):
            out += made
        elif made is not None:
            out.append(made)
    return out
