"""Charts of several runs side by side (a report of ``capplan report RUN RUN...``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from capplan.report.chart_kit import (
    Chart,
    budget_layers,
    dedupe_legend,
    figure,
    periods_of,
    png,
    stack,
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
