"""Charts of several runs side by side (a report of ``capplan report RUN RUN...``), and of
a comparison folder (``capplan compare``; its report is :mod:`capplan.report.compare_folder`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from capplan.report.chart_kit import (
    CATEGORY_COLOURS,
    Chart,
    budget_layers,
    dedupe_legend,
    figure,
    panels,
    part_colours,
    periods_of,
    png,
    stack,
    ticks,
)
from capplan.report.rundata import RunData


def compare_charts(runs: Sequence[RunData], labels: Sequence[str]) -> list[Chart]:
    """Several runs side by side: headline KPIs, and capex per period by category."""
    x = np.arange(len(runs))
    fig = figure(11, 4)
    ax_money, ax_share = fig.subplots(1, 2)
    kpis = [r.summary.get("kpis") or {} for r in runs]
    for offset, key, label, colour in [
        (-0.2, "npv_rmb_m", "NPV (present value)", "#2e86c1"),
        (0.2, "capex_rmb_m", "capex (nominal)", "#7f8c8d"),
    ]:
        values = np.array([(k.get(key) or 0.0) / 1e3 for k in kpis])
        ax_money.bar(x + offset, values, 0.4, label=label, color=colour)
    ax_money.set_xticks(x, labels, rotation=90, fontsize=8)  # upright: never overlapping
    ax_money.set_ylabel("RMB bn")
    ax_money.grid(axis="y", alpha=0.3)
    ax_money.legend(fontsize=8, frameon=False)
    shares = [
        ("budget_used_share", "budget used"),
        ("domestic_share", "domestic fleet"),
        ("nvidia_share", "Nvidia fleet"),
        ("unserved_share", "unserved demand"),
    ]
    w = 0.8 / len(runs)
    for i, (k, label) in enumerate(zip(kpis, labels, strict=True)):
        values = np.array([100 * (k.get(key) or 0.0) for key, _ in shares])
        ax_share.bar(np.arange(len(shares)) + (i - (len(runs) - 1) / 2) * w, values, w, label=label)
    ax_share.set_xticks(np.arange(len(shares)), [s[1] for s in shares], fontsize=8)
    ax_share.set_ylabel("%")
    ax_share.grid(axis="y", alpha=0.3)
    ax_share.legend(fontsize=8, frameon=False)
    kpi_chart = Chart(
        "compare_kpis",
        "Runs side by side: headline figures",
        "Bars of NPV and capex per run, and of budget used, domestic and Nvidia fleet "
        "shares and unserved demand per run (summary.json kpis).",
        png(fig),
    )
    fig = figure(11, 4)
    ax = fig.subplots()
    periods = list(dict.fromkeys(p for r in runs for p in periods_of(r)))
    groups = np.arange(len(periods))
    ticks: list[tuple[float, str]] = []
    for i, (run, label) in enumerate(zip(runs, labels, strict=True)):
        b = run.tables["budget"].set_index("period").reindex(periods)
        xs = groups + (i - (len(runs) - 1) / 2) * w
        stack(ax, xs, budget_layers(b), width=w * 0.9, edgecolor="white", linewidth=0.5)
        ticks += [(xi, label) for xi in xs]
    # run names upright under their bars (they never overlap), periods above each group
    ax.set_xticks([t[0] for t in ticks], [t[1] for t in ticks], fontsize=7, rotation=90)
    for g, period in zip(groups, periods, strict=True):
        ax.text(float(g), 1.01, period, transform=ax.get_xaxis_transform(), ha="center", fontsize=9)
    ax.set_ylabel("capex, RMB bn (nominal)")
    ax.grid(axis="y", alpha=0.3)
    dedupe_legend(fig, [ax])
    capex = Chart(
        "compare_capex",
        "Runs side by side: capex per period",
        "Groups of stacked bars per period, one bar per run (named under the bar), "
        "of capex by category (budget.csv).",
        png(fig),
    )
    return [kpi_chart, capex]


def change_chart(investments: pd.DataFrame) -> Chart | None:
    """A comparison folder's investment changes (investment_changes.csv): per plan, the
    change of capex against the reference summed over periods and regions, per part (in the
    part's colour, as in every report) and for data centres and region entry."""
    if investments.empty:
        return None
    rows = investments.assign(
        capex=pd.to_numeric(investments["capex_change_rmb_m"], errors="coerce").fillna(0.0),
        asset=investments["part"].where(
            investments["category"] == "accelerators",
            investments["category"].str.replace("_", " "),
        ),
    )
    plans = list(dict.fromkeys(rows["plan"]))
    parts = rows.loc[rows["category"] == "accelerators", "asset"]
    colours = {
        **{c.replace("_", " "): v for c, v in CATEGORY_COLOURS.items()},
        **part_colours(list(parts)),
    }
    fig, axes = panels(len(plans), 2, 11, 3.2)
    for ax, plan in zip(axes, plans, strict=True):
        per = rows[rows["plan"] == plan].groupby("asset", sort=True)["capex"].sum() / 1e3
        per = per.sort_values(kind="stable")
        y = np.arange(len(per))
        ax.barh(y, per.to_numpy(), color=[colours.get(str(a), "#333333") for a in per.index])
        ax.set_yticks(y, [str(a) for a in per.index], fontsize=8)
        ax.axvline(0, color="#333", linewidth=0.5)
        ax.set_title(str(plan), fontsize=10)
        ax.set_xlabel("capex change, RMB bn (nominal)", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ticks(ax, "x")
    return Chart(
        "investment_changes",
        "Capex bought less and more, per part",
        "For each plan, horizontal bars of its change of capex against the reference, "
        "summed over periods and regions: per accelerator part, in the colour the part has "
        "in every report, and for data centres and region entry (investment_changes.csv).",
        png(fig),
    )
