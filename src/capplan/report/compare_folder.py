"""Reports and workbooks of a comparison folder (written by ``capplan compare``).

A comparison folder holds ``compare.json`` (the plans), ``compare.md`` (tables and the
"what changed and why" paragraphs) and the CSV tables ``kpis.csv``,
``investment_changes.csv``, ``budget_shifts.csv`` and ``limit_changes.csv``.  The report
puts the "why" paragraphs at the top, for leadership, then the tables; every number in a
table carries its CSV cell (``data-src``, ``data-row``, ``data-col``, ``data-v``) and each
paragraph its source (``data-src="compare.md"``), as in a run's report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from capplan.errors import InputError, Problem
from capplan.report.chart_kit import Chart
from capplan.report.fmt import number
from capplan.results.compare.units import SHARE, SHARE_CHANGE, cell_units, share_text

TABLES = ("kpis", "investment_changes", "budget_shifts", "limit_changes")
TITLES = {
    "kpis": "Headline figures per plan",
    "investment_changes": "Investment changes against the reference",
    "budget_shifts": "Budget shifts by period",
    "limit_changes": "Limits that changed",
}
WHY = "## What changed and why"


@dataclass(frozen=True)
class ComparisonFolder:
    path: Path
    description: dict[str, Any]
    why: list[tuple[str, str]]  # (plan label, paragraph) from compare.md
    raw: dict[str, pd.DataFrame]


def is_comparison(path: Path) -> bool:
    return (path / "compare.json").is_file()


def _why(text: str) -> list[tuple[str, str]]:
    """The '**label.** paragraph' lines under the "What changed and why" heading."""
    out: list[tuple[str, str]] = []
    if WHY not in text:
        return out
    for line in text.split(WHY, 1)[1].splitlines():
        if line.startswith("## "):
            break
        if line.startswith("**") and ".** " in line:
            label, paragraph = line[2:].split(".** ", 1)
            out.append((label, paragraph))
    return out


def read_comparison(path: Path) -> ComparisonFolder:
    """Read a comparison folder; a broken one is bad input (exit code 2)."""
    try:
        description = json.loads((path / "compare.json").read_text(encoding="utf-8"))
        story = (path / "compare.md").read_text(encoding="utf-8")
        raw = {t: pd.read_csv(path / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLES}
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(
            [Problem(str(path), "", f"not a readable comparison folder ({exc})")]
        ) from None
    return ComparisonFolder(path, description, _why(story), raw)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if text.strip() else None


def _table(cmp: ComparisonFolder, table: str, limit: int = 30) -> str:
    raw = cmp.raw[table]
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in raw.columns)
    labels = [str(p.get("label", "")) for p in cmp.description.get("plans", [])]
    units = cell_units(table, raw, labels)
    body = []
    for i in range(min(len(raw), limit)):
        cells = ""
        for j, col in enumerate(raw.columns):
            text = str(raw.at[i, col])
            value = _number(text)
            if value is None:
                cells += f"<td>{escape(text)}</td>"
                continue
            shown = share_text(value, units[i][j]) or number(value)
            attrs = (
                f' data-src="{table}.csv" data-run="0" data-row="{i}" data-col="{escape(col)}" '
                f'data-v="{escape(text)}"'
            )
            cells += f'<td class="num"{attrs}>{escape(shown)}</td>'
        body.append(f"<tr>{cells}</tr>")
    shown = f'<span class="count" data-count="{table}.csv" data-run="0">{len(raw)}</span>'
    note = f"the first {limit} rows" if len(raw) > limit else "every row"
    return (
        f'<h3>{escape(TITLES[table])}</h3><p class="note">{note} of {shown}; '
        f"all in {table}.csv</p>"
        f'<div class="wide"><table data-table="{table}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def comparison_report(cmp: ComparisonFolder) -> tuple[str, dict[str, bytes]]:
    """The comparison's page and its chart files (name -> PNG bytes, under charts/)."""
    from capplan.report.compare_charts import change_chart

    chart = change_chart(cmp.raw["investment_changes"])
    files = {f"charts/{chart.name}.png": chart.png} if chart is not None else {}
    return comparison_page(cmp, chart), files


def comparison_page(cmp: ComparisonFolder, chart: Chart | None = None) -> str:
    """The comparison's report page: the "why" paragraphs first, then the investment
    changes by part (``chart``, inline as in a run's report), then the tables."""
    from capplan.report.html import CSP, CSS, figure_html

    plans = [str(p.get("label", "")) for p in cmp.description.get("plans", [])]
    title = "capplan comparison: " + " vs ".join(plans)
    why = "".join(
        f'<p data-src="compare.md" data-v="{escape(text)}"><b>{escape(label)}.</b> '
        f"{escape(text)}</p>"
        for label, text in cmp.why
    )
    body = [
        f"<header><h1>{escape(title)}</h1>",
        f'<p class="meta">Every change is against {escape(str(cmp.description.get("reference")))}; '
        f"comparison folder <code>{escape(str(cmp.path))}</code>.</p></header><main>",
        f'<h2>What changed and why</h2><div class="lead">{why or "<p>(none)</p>"}</div>',
        figure_html(chart, f"charts/{chart.name}.png") if chart is not None else "",
        *(_table(cmp, t) for t in TABLES),
        "</main>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def comparison_workbook(cmp: ComparisonFolder) -> Any:
    """A workbook: a ``why`` sheet (plan, paragraph), then a sheet per table (shares, and
    their changes, as numbers formatted as percent)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "why"
    ws.append(["plan", "what changed and why"])
    for label, text in cmp.why:
        ws.append([label, text])
    labels = [str(p.get("label", "")) for p in cmp.description.get("plans", [])]
    for table in TABLES:
        ws = wb.create_sheet(table)
        raw = cmp.raw[table]
        ws.append(list(raw.columns))
        units = cell_units(table, raw, labels)
        for i, row in enumerate(raw.itertuples(index=False)):
            ws.append(
                [_number(str(v)) if _number(str(v)) is not None else (v or None) for v in row]
            )
            for j, unit in enumerate(units[i], start=1):  # shares and their changes: percent
                if unit in (SHARE, SHARE_CHANGE):
                    ws.cell(row=i + 2, column=j).number_format = "0.0%"
    return wb
