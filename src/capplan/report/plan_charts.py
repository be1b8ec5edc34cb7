"""The report's charts of how a plan uses what it builds: demand served and unserved per
zone, power online and used per region, training campaigns against their deadlines, and
the largest marginal values (each reads one run's tables, see :mod:`capplan.report.charts`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from capplan.model.families import family as registered_family
from capplan.report.chart_kit import (
    SERVED,
    Chart,
    dedupe_legend,
    panels,
    period_panel,
    periods_of,
    png,
    stack,
    ticks,
)
from capplan.report.marginal_rows import shown_marginal
from capplan.report.rundata import RunData


def demand_chart(run: RunData) -> Chart | None:
    """Demand, served and unserved per zone and period (demand.csv)."""
    d = run.tables["demand"]
    if d.empty:
        return None
    periods = periods_of(run)
    zones = list(dict.fromkeys(d["zone"]))
    fig, axes = panels(len(zones), 3, 11, 3.2)
    x = np.arange(len(periods))
    for ax, zone in zip(axes, zones, strict=True):
        rows = d[d["zone"] == zone]
        layers = []
        for seg, shade in zip(
            dict.fromkeys(rows["segment"]), [SERVED, "#1b4f72", "#5dade2"], strict=False
        ):
            served = rows[rows["segment"] == seg].set_index("period")["served_zflop"]
            label = "served: " + str(seg).split("/", 1)[-1]
            layers.append((label, served.reindex(periods).fillna(0).to_numpy(), shade))
        unserved = rows.groupby("period")["unserved_zflop"].sum().reindex(periods).fillna(0)
        stack(ax, x - 0.2, layers, width=0.4, edgecolor="#aab7b8", linewidth=0.5)
        # unserved apart, beside the served bar: not delivered, so not stacked on it
        ax.bar(
            x + 0.2, unserved.to_numpy(), 0.4, label="unserved (not delivered)",
            color="#fadbd8", edgecolor="#c0392b", hatch="//", linewidth=0.5,
        )  # fmt: skip
        period_panel(ax, zone, x, periods)
    for ax in axes[:: min(3, len(axes))]:
        ax.set_ylabel("ZFLOP of inference")
    dedupe_legend(fig, axes)
    return Chart(
        "demand_by_zone",
        "Inference demand and what the plan serves, per zone",
        "For each data-residency zone and period, a bar of the ZFLOP served (by segment) "
        "and beside it, hatched, the ZFLOP of demand left unserved (demand.csv).",
        png(fig),
    )


def power_chart(run: RunData) -> Chart | None:
    """MW online against MW used per region and period (capacity.csv)."""
    c = run.tables["capacity"]
    active = c.groupby("region", sort=False)[["mw_online", "mw_used"]].sum()
    regions = list(active.index[(active["mw_online"] > 0) | (active["mw_used"] > 0)])
    if not regions:
        return None
    periods = periods_of(run)
    fig, axes = panels(len(regions), 4, 11, 2.8)
    x = np.arange(len(periods))
    for ax, region in zip(axes, regions, strict=True):
        rows = c[c["region"] == region].set_index("period").reindex(periods)
        ax.bar(x - 0.2, rows["mw_online"], 0.4, label="MW online", color="#aab7b8")
        ax.bar(x + 0.2, rows["mw_used"], 0.4, label="MW used", color="#2e86c1")
        period_panel(ax, region, x, periods)
    for ax in axes[:: min(4, len(axes))]:
        ax.set_ylabel("MW IT")
    dedupe_legend(fig, axes)
    return Chart(
        "power_by_region",
        "Data-centre capacity against use, per region",
        "For each region with capacity, bars of MW of IT load online and used per period "
        "(capacity.csv).",
        png(fig),
    )


def campaigns_chart(run: RunData) -> Chart | None:
    """Training delivered per period against each campaign's need and deadline."""
    camp, train = run.tables["campaigns"], run.tables["training"]
    if camp.empty:
        return None
    periods = periods_of(run)
    pos = {p: i for i, p in enumerate(periods)}
    fig, axes = panels(len(camp), 3, 11, 3.2)
    x = np.arange(len(periods))
    for ax, (_, c) in zip(axes, camp.iterrows(), strict=True):
        rows = train[train["campaign"] == c["campaign"]]
        per = rows.groupby("period")["zflop"].sum().reindex(periods).fillna(0.0).to_numpy()
        lo, hi = pos.get(c["earliest"], 0), pos.get(c["deadline"], len(periods) - 1)
        ax.axvspan(lo - 0.5, hi + 0.5, color="#fdebd0", label="window (earliest to deadline)")
        ax.bar(x, per, 0.6, color="#2e86c1", label="delivered in the period")
        ax.step(x, np.cumsum(per), where="mid", color="#1b4f72", label="delivered so far")
        ax.axhline(c["required_zflop"], color="#c0392b", linestyle="--", label="required")
        ax.axvline(hi + 0.5, color="#c0392b", linestyle=":", label="deadline")
        ax.set_title(str(c["campaign"]), fontsize=10)
        ax.set_xticks(x, periods, fontsize=8)
        ax.set_xlim(-0.5, len(periods) - 0.5)
        ax.grid(axis="y", alpha=0.3)
        ticks(ax)
    for ax in axes[:: min(3, len(axes))]:
        ax.set_ylabel("ZFLOP delivered")
    dedupe_legend(fig, axes)
    return Chart(
        "campaigns",
        "Training campaigns against their deadlines",
        "For each training campaign, ZFLOP delivered per period and so far, against the "
        "compute required and the deadline (campaigns.csv, training.csv).",
        png(fig),
    )


def _row_label(row: pd.Series) -> str:
    """A marginal_values.csv row in the registry's words ('power in CN in FY2026')."""
    keys = ["period", "region", "part", "market", "segment", "campaign", "vendor"]
    labels = {k: str(row[k]) for k in keys if k in row}
    fam = registered_family(str(row["family"]))
    if fam is not None:
        return fam.row_words(labels)
    return ", ".join(v for v in labels.values() if v)


def marginal_chart(run: RunData, top: int = 10) -> Chart | None:
    """The largest nonzero marginal values of each family, in its own unit."""
    mv = run.tables["marginal_values"]
    nonzero = mv.loc[shown_marginal(run)]  # nonzero, of limits that exist in the plan
    families = list(dict.fromkeys(nonzero["family"]))
    if not families:
        return None
    fig, axes = panels(len(families), 2, 11, 3.4)
    for ax, family in zip(axes, families, strict=True):
        rows = nonzero[nonzero["family"] == family]
        rows = rows.reindex(rows["marginal_value"].abs().sort_values(ascending=False).index)
        rows = rows.head(top).iloc[::-1]
        y = np.arange(len(rows))
        colours = np.where(rows["marginal_value"] > 0, "#2e86c1", "#c0392b")
        ax.barh(y, rows["marginal_value"], color=colours)
        ax.set_yticks(y, [_row_label(r) for _, r in rows.iterrows()], fontsize=7)
        ax.set_title(f"{family} ({rows['unit'].iloc[0]})", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.axvline(0, color="#333", linewidth=0.5)
        ticks(ax, "x")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3))  # long labels: few ticks
    return Chart(
        "marginal_values",
        "Marginal values: what one more unit of a limit is worth",
        "For each constraint family with a nonzero marginal value, horizontal bars of its "
        "largest values (by size) in that family's unit (marginal_values.csv).",
        png(fig),
    )
