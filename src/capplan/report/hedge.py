"""The report of a hedge run folder (``capplan hedge``): one self-contained HTML page.

Sections: what to commit now (and how it differs from the deterministic base plan), the
distribution of the objective across futures, the value of information (RP, WS, EV, EEV,
EVPI, VSS with their brackets) and each future's plan.  Every number is read from the run
folder's files and carries ``data-src``, ``data-row``, ``data-col`` and ``data-v`` (the
value exactly as written), as on the solve report.
"""

from __future__ import annotations

import json
import os
import tempfile
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from capplan.errors import InputError, OutputExistsError, Problem
from capplan.report.html import CSP, CSS

REPORT_FILE = "report.html"
SECTIONS = [
    (
        "commit_now",
        "What to commit now",
        "The first-period decisions every future shares: they are taken before anything is known.",
    ),
    (
        "commit_now_vs_base",
        "Against the deterministic base plan",
        "First-period quantities of the hedged plan and of the base plan solved alone.",
    ),
    (
        "value_of_information",
        "Value of information",
        "RP: the hedged plan. WS: each future planned knowing it. EV: the plan of the mean "
        "future. EEV: the mean future's first-period plan, then the best response in each "
        "future. EVPI = what perfect foresight would be worth; VSS = what hedging is worth "
        "over planning for the mean. low/high: the bracket the solves prove.",
    ),
    (
        "npv_distribution",
        "Distribution across futures",
        "Objective of each future in the hedged plan: probability-weighted mean, percentiles "
        "and CVaR (the mean of the worst tail).",
    ),
    (
        "futures",
        "Futures",
        "Each future: probability, outcomes, its value in the hedged plan "
        "and when planned alone (WS).",
    ),
    ("investments", "Each future's investments", "investments.csv with a future column."),
]


def is_hedge_run(folder: Path) -> bool:
    path = folder / "summary.json"
    if not path.is_file():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and "value_of_information" in data


def _table(folder: Path, name: str) -> str:
    path = folder / f"{name}.csv"
    if not path.is_file():
        return '<p class="note">(not in this run folder)</p>'
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    head = "".join(f"<th>{escape(c)}</th>" for c in raw.columns)
    rows = []
    for i, row in raw.iterrows():
        cells = []
        for col in raw.columns:
            text = str(row[col])
            try:
                value = float(text)
            except ValueError:
                cells.append(f"<td>{escape(text)}</td>")
                continue
            shown = f"{value:,.2f}" if abs(value) >= 1 or value == 0 else f"{value:.6g}"
            cells.append(
                f'<td class="num" data-src="{name}.csv" data-row="{i}" '
                f'data-col="{escape(col)}" data-v="{escape(text)}">{escape(shown)}</td>'
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="wide"><table data-table="{name}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def page(folder: Path, summary: dict[str, Any]) -> str:
    voi = summary.get("value_of_information", {})
    cards = []
    for key in ("VSS", "EVPI"):
        value = voi.get(key, {}).get("value")
        shown = "n/a" if value is None else f"{value:,.2f}"
        cards.append(
            f'<div class="kpi"><div class="k">{key}</div><div class="v" '
            f'data-src="summary.json" data-key="value_of_information.{key}.value" '
            f'data-v="{escape(json.dumps(value))}">{escape(shown)}</div></div>'
        )
    body = [
        f"<header><h1>Hedged plan: {escape(str(summary.get('model', folder.name)))}</h1>",
        f'<p class="meta">futures: {escape(str(summary.get("futures_file", "")))}; '
        f"status {escape(str(summary.get('status')))}; "
        f"{len(summary.get('futures', []))} futures</p></header><main>",
        f'<div class="kpis">{"".join(cards)}</div>',
    ]
    for name, title, note in SECTIONS:
        body.append(f'<h2 id="{name}">{escape(title)}</h2><p class="note">{escape(note)}</p>')
        body.append(_table(folder, name))
    body.append("</main>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>capplan hedge: {escape(folder.name)}</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def write_hedge_report(folder: Path, out: Path | None, force: bool) -> Path:
    """Write ``report.html`` of a hedge run folder (into ``out`` if given), atomically."""
    target_dir = out if out is not None else folder
    target = target_dir / REPORT_FILE
    if target.exists() and not force:
        raise OutputExistsError(f"{target} already exists: pass --force to replace the report")
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError([Problem(str(folder / "summary.json"), "", str(exc))]) from None
    html = page(folder, summary)
    target_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{REPORT_FILE}.tmp-", dir=target_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(html)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
