"""The report's charts, drawn with matplotlib's Agg renderer straight to PNG bytes.

Each chart reads one run's tables (:class:`~capplan.report.rundata.RunData`) and sums
rows at most; no figure is derived any other way.  Figures are made with
:class:`matplotlib.figure.Figure` (no pyplot, so no global state and no display), and PNGs
are written without a timestamp, so the same run gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from capplan.model.families import family as registered_family
from capplan.report import overlaps, palette
from capplan.report.marginal_rows import shown_marginal
from capplan.report.rundata import RunData

DPI = 100
CATEGORY_COLOURS = {"data_centre": "#7f8c8d", "region_entry": "#34495e", "accelerators": "#2e86c1"}
ORIGIN_COLOURS = {"domestic": "#c0392b", "Nvidia": "#76b900", "other foreign": "#95a5a6"}
SERVED = "#2e86c1"


@dataclass(frozen=True)
class Chart:
    """One drawn chart: file stem, title, a sentence of alt text and the PNG bytes."""

    name: str
    title: str
    alt: str
    png: bytes


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, with no timestamp or software tag (reproducible).

    With ``overlaps.CHECK`` on (tests), overlapping text boxes go to ``overlaps.FOUND``.
    """
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    if overlaps.CHECK:
        overlaps.FOUND.extend(overlaps.text_overlaps(fig))
    return buf.getvalue()


def periods_of(run: RunData) -> list[str]:
    """The run's periods in horizon order (budget.csv lists every period, then total)."""
    return [p for p in run.tables["budget"]["period"] if p != "total"]


def part_colours(parts: Sequence[str]) -> dict[str, str]:
    """A fixed colour per part name, the same in every chart of every report (palette.py)."""
    return palette.part_colours(parts)


def _stack(
    ax: Axes,
    x: np.ndarray,
    layers: list[tuple[str, np.ndarray, str]],
    width: float = 0.8,
    **kw: object,
) -> np.ndarray:
    bottom = np.zeros(len(x))
    for label, values, colour in layers:
        if np.any(values > 0):
            ax.bar(x, values, width, bottom=bottom, label=label, color=colour, **kw)  # type: ignore[arg-type]
            bottom = bottom + values
    return bottom


def _period_panel(ax: Axes, title: str, x: np.ndarray, periods: list[str]) -> None:
    """One small panel with periods along x: title, period ticks, grid, readable y ticks."""
    ax.set_title(title, fontsize=10)
    ax.set_xticks(x, periods, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    _ticks(ax)


def _ticks(ax: Axes, axis: Literal["x", "y"] = "y") -> None:
    """Readable tick labels: at most six, with thousands separators."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MaxNLocator(nbins=5))
    target.set_major_formatter(FuncFormatter(lambda v, _: _compact(v)))
    ax.tick_params(axis=axis, labelsize=8)


def _compact(value: float) -> str:
    """A tick label: millions as ``150M`` and billions as ``2bn``, else as in tables."""
    a = abs(value)
    if a >= 1e9:
        return f"{value / 1e9:g}bn"
    if a >= 1e6:
        return f"{value / 1e6:g}M"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def _legend(fig: Figure, ax: Axes) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False)


def capex_chart(run: RunData, colours: dict[str, str]) -> Chart | None:
    """Capex by period x region x category (shells, region entry, accelerators by part)."""
    inv = run.tables["investments"]
    if inv.empty:
        return None
    periods = periods_of(run)
    regions = list(dict.fromkeys(inv["region"]))
    fig = _figure(11, 4.2)
    axes = fig.subplots(1, len(periods), sharey=True, squeeze=False)[0]
    key = inv["category"].where(inv["category"] != "accelerators", inv["part"])
    layers = [c for c in ("data_centre", "region_entry") if c in set(key)]  # shells first
    layers += sorted(set(inv.loc[inv["category"] == "accelerators", "part"]))
    for ax, period in zip(axes, periods, strict=True):
        rows = inv[inv["period"] == period]
        x = np.arange(len(regions))
        stack = []
        for layer in layers:
            sel = rows[key.loc[rows.index] == layer]
            values = sel.groupby("region")["capex_rmb_m"].sum().reindex(regions).fillna(0.0)
            shell = layer in ("data_centre", "region_entry")
            colour = CATEGORY_COLOURS[layer] if shell else colours.get(layer, "#333333")
            label = layer.replace("_", " ") if shell else layer
            stack.append((label, values.to_numpy() / 1e3, colour))
        _stack(ax, x, stack)
        ax.set_title(period, fontsize=10)
        ax.set_xticks(x, regions, rotation=90, fontsize=8)  # upright: never overlapping
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("capex, RMB bn (nominal)")
    _legend(fig, axes[-1] if len(axes) else axes[0])
    _dedupe_legend(fig, axes)
    return Chart(
        "capex",
        "Capex by period, region and category",
        "Stacked bars of capex per region in each period: data-centre shells, region entry "
        "and accelerators by part (investments.csv).",
        png(fig),
    )


def _dedupe_legend(fig: Figure, axes: Sequence[Axes]) -> None:
    """One legend entry per label across all panels."""
    for legend in list(fig.legends):
        legend.remove()
    seen: dict[str, Artist] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    if seen:
        fig.legend(
            list(seen.values()),
            list(seen),
            loc="outside right upper",
            fontsize=8,
            frameon=False,
        )


def budget_chart(run: RunData) -> Chart:
    """Capex per period by category against the period's cap (budget.csv)."""
    b = run.tables["budget"]
    rows = b[b["period"] != "total"]
    x = np.arange(len(rows))
    fig = _figure(8, 4)
    ax = fig.subplots()
    _stack(ax, x, _budget_layers(rows), width=0.6)
    cap = rows["cap_rmb_m"].to_numpy(dtype=float) / 1e3
    if np.isfinite(cap).any():
        ax.hlines(cap, x - 0.4, x + 0.4, colors="#c0392b", linestyles="--", label="cap")
    ax.set_xticks(x, list(rows["period"]))
    ax.set_ylabel("RMB bn (nominal)")
    ax.grid(axis="y", alpha=0.3)
    _legend(fig, ax)
    return Chart(
        "budget",
        "Budget used per period against its cap",
        "Stacked bars of capex per period by category, with the period's cap as a dashed "
        "line (budget.csv).",
        png(fig),
    )


def _budget_layers(rows: pd.DataFrame) -> list[tuple[str, np.ndarray, str]]:
    """budget.csv's three capex categories as stacked-bar layers in RMB bn."""
    return [
        (
            cat.replace("_", " "),
            rows[f"{cat}_rmb_m"].fillna(0.0).to_numpy(dtype=float) / 1e3,
            CATEGORY_COLOURS[cat],
        )
        for cat in ("data_centre", "region_entry", "accelerators")
    ]


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
    fig = _figure(8, 4)
    ax = fig.subplots()
    _stack(
        ax,
        x,
        [(p, by_part.loc[p].to_numpy() / 1e3, colours.get(str(p), "#333")) for p in by_part.index],
        width=0.6,
    )
    ax.set_xticks(x, periods)
    ax.set_ylabel("installed peak compute, EFLOPS (dense BF16)")
    ax.grid(axis="y", alpha=0.3)
    _legend(fig, ax)
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
    fig = _figure(8, 4)
    ax = fig.subplots()
    _stack(
        ax,
        x,
        [(o, by_origin.loc[o].to_numpy() / 1e3, c) for o, c in ORIGIN_COLOURS.items()],
        width=0.6,
    )
    ax.set_xticks(x, periods)
    ax.set_ylabel("installed peak compute, EFLOPS (dense BF16)")
    ax.grid(axis="y", alpha=0.3)
    _legend(fig, ax)
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


def _panels(n: int, cols: int, width: float, height: float) -> tuple[Figure, list[Axes]]:
    rows = max(1, -(-n // cols))
    cols = min(cols, max(n, 1))
    fig = _figure(width, height * rows)
    axes = list(np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def demand_chart(run: RunData) -> Chart | None:
    """Demand, served and unserved per zone and period (demand.csv)."""
    d = run.tables["demand"]
    if d.empty:
        return None
    periods = periods_of(run)
    zones = list(dict.fromkeys(d["zone"]))
    fig, axes = _panels(len(zones), 3, 11, 3.2)
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
        _stack(ax, x - 0.2, layers, width=0.4, edgecolor="#aab7b8", linewidth=0.5)
        # unserved apart, beside the served bar: not delivered, so not stacked on it
        ax.bar(
            x + 0.2, unserved.to_numpy(), 0.4, label="unserved (not delivered)",
            color="#fadbd8", edgecolor="#c0392b", hatch="//", linewidth=0.5,
        )  # fmt: skip
        _period_panel(ax, zone, x, periods)
    for ax in axes[:: min(3, len(axes))]:
        ax.set_ylabel("ZFLOP of inference")
    _dedupe_legend(fig, axes)
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
    fig, axes = _panels(len(regions), 4, 11, 2.8)
    x = np.arange(len(periods))
    for ax, region in zip(axes, regions, strict=True):
        rows = c[c["region"] == region].set_index("period").reindex(periods)
        ax.bar(x - 0.2, rows["mw_online"], 0.4, label="MW online", color="#aab7b8")
        ax.bar(x + 0.2, rows["mw_used"], 0.4, label="MW used", color="#2e86c1")
        _period_panel(ax, region, x, periods)
    for ax in axes[:: min(4, len(axes))]:
        ax.set_ylabel("MW IT")
    _dedupe_legend(fig, axes)
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
    fig, axes = _panels(len(camp), 3, 11, 3.2)
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
        _ticks(ax)
    for ax in axes[:: min(3, len(axes))]:
        ax.set_ylabel("ZFLOP delivered")
    _dedupe_legend(fig, axes)
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
    fig, axes = _panels(len(families), 2, 11, 3.4)
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
        _ticks(ax, "x")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3))  # long labels: few ticks
    return Chart(
        "marginal_values",
        "Marginal values: what one more unit of a limit is worth",
        "For each constraint family with a nonzero marginal value, horizontal bars of its "
        "largest values (by size) in that family's unit (marginal_values.csv).",
        png(fig),
    )


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


def compare_charts(runs: Sequence[RunData], labels: Sequence[str]) -> list[Chart]:
    """Several runs side by side: headline KPIs, and capex per period by category."""
    x = np.arange(len(runs))
    fig = _figure(11, 4)
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
    fig = _figure(11, 4)
    ax = fig.subplots()
    periods = list(dict.fromkeys(p for r in runs for p in periods_of(r)))
    groups = np.arange(len(periods))
    ticks: list[tuple[float, str]] = []
    for i, (run, label) in enumerate(zip(runs, labels, strict=True)):
        b = run.tables["budget"].set_index("period").reindex(periods)
        xs = groups + (i - (len(runs) - 1) / 2) * w
        _stack(ax, xs, _budget_layers(b), width=w * 0.9, edgecolor="white", linewidth=0.5)
        ticks += [(xi, label) for xi in xs]
    # run names upright under their bars (they never overlap), periods above each group
    ax.set_xticks([t[0] for t in ticks], [t[1] for t in ticks], fontsize=7, rotation=90)
    for g, period in zip(groups, periods, strict=True):
        ax.text(float(g), 1.01, period, transform=ax.get_xaxis_transform(), ha="center", fontsize=9)
    ax.set_ylabel("capex, RMB bn (nominal)")
    ax.grid(axis="y", alpha=0.3)
    _dedupe_legend(fig, [ax])
    capex = Chart(
        "compare_capex",
        "Runs side by side: capex per period",
        "Groups of stacked bars per period, one bar per run (named under the bar), "
        "of capex by category (budget.csv).",
        png(fig),
    )
    return [kpi_chart, capex]
