"""What every chart of the report shares: the :class:`Chart` record, reproducible PNG
bytes, the fixed colours, and small helpers for panels, stacked bars, ticks and legends.

Figures are made with :class:`matplotlib.figure.Figure` (no pyplot, so no global state and
no display) and drawn with the Agg renderer; PNGs are written without a timestamp, so the
same run gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from capplan.report import overlaps, palette
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


def stack(
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


def period_panel(ax: Axes, title: str, x: np.ndarray, periods: list[str]) -> None:
    """One small panel with periods along x: title, period ticks, grid, readable y ticks."""
    ax.set_title(title, fontsize=10)
    ax.set_xticks(x, periods, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ticks(ax)


def ticks(ax: Axes, axis: Literal["x", "y"] = "y") -> None:
    """Readable tick labels: at most six, with thousands separators."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MaxNLocator(nbins=5))
    target.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    ax.tick_params(axis=axis, labelsize=8)


def compact(value: float) -> str:
    """A tick label: millions as ``150M`` and billions as ``2bn``, else as in tables."""
    a = abs(value)
    if a >= 1e9:
        return f"{value / 1e9:g}bn"
    if a >= 1e6:
        return f"{value / 1e6:g}M"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"


def figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def legend(fig: Figure, ax: Axes) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False)


def dedupe_legend(fig: Figure, axes: Sequence[Axes]) -> None:
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


def panels(n: int, cols: int, width: float, height: float) -> tuple[Figure, list[Axes]]:
    rows = max(1, -(-n // cols))
    cols = min(cols, max(n, 1))
    fig = figure(width, height * rows)
    axes = list(np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def budget_layers(rows: pd.DataFrame) -> list[tuple[str, np.ndarray, str]]:
    """budget.csv's three capex categories as stacked-bar layers in RMB bn."""
    return [
        (
            cat.replace("_", " "),
            rows[f"{cat}_rmb_m"].fillna(0.0).to_numpy(dtype=float) / 1e3,
            CATEGORY_COLOURS[cat],
        )
        for cat in ("data_centre", "region_entry", "accelerators")
    ]
