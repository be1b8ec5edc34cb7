"""The report as one self-contained HTML page: inline CSS, charts as base64 PNG, no script
and no reference to anything outside the file (a Content-Security-Policy says so too).

Every number on the page is written from a run folder's tables or summary.json and
carries where it came from: ``data-src`` (``budget.csv`` or ``summary.json``),
``data-run`` (the run's position in the report), ``data-row`` and ``data-col`` (CSV row,
counted from 0 below the header, and column) or ``data-key`` (dotted summary key), and
``data-v``, the value exactly as the file has it.  ``data-scale`` is set where the page
shows the value in other units (RMB million as RMB billion).  A test parses the page back
and checks each number against the files.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from capplan.report.charts import Chart
from capplan.report.fmt import cell, number
from capplan.report.rundata import RunData, flatten, summary_value
from capplan.report.units import PLAIN, column_unit, header, summary_unit, words

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 color:#1c2833;margin:0;background:#fbfcfc}
header,main,footer,nav{max-width:1180px;margin:0 auto;padding:0 20px}
header{padding-top:18px}
h1{font-size:24px;margin:8px 0 4px}
h2{font-size:19px;margin:34px 0 8px;border-bottom:2px solid #d5dbdb;padding-bottom:4px}
h3{font-size:15px;margin:22px 0 6px}
nav{font-size:13px;margin-top:6px}
nav a{margin-right:12px;color:#1f618d}
.meta{color:#566573;margin:2px 0}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.kpi{background:#fff;border:1px solid #d5dbdb;border-radius:6px;padding:8px 12px;min-width:130px}
.kpi .k{font-size:12px;color:#566573}
.kpi .v{font-size:20px;font-weight:600}
figure{margin:12px 0;background:#fff;border:1px solid #e5e8e8;border-radius:6px;padding:8px}
figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:12px;color:#566573;margin-top:4px}
table{border-collapse:collapse;font-size:12px;background:#fff;margin:6px 0}
th,td{border:1px solid #e5e8e8;padding:3px 7px;text-align:left;vertical-align:top}
td{white-space:nowrap}
.wide{overflow-x:auto}
th{background:#f2f4f4;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
details{margin:8px 0}
summary{cursor:pointer;color:#1f618d}
.note{color:#566573;font-size:13px}
.lead{background:#fff;border-left:4px solid #2e86c1;padding:4px 14px;margin:10px 0;font-size:15px}
.status-optimal{color:#1e8449}.status-feasible{color:#b9770e}
footer{color:#566573;font-size:12px;margin:40px auto 30px}
"""


GAP_KEYS = frozenset({"gap", "gap_at_most", "solver.mip_gap"})  # tiny shares: 1e-06, not 0.0%


def _attrs(**values: object) -> str:
    return "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in values.items())


def _json_text(value: Any) -> str:
    return json.dumps(value, allow_nan=False)


def summary_number(
    run_index: int, run: RunData, key: str, *, tag: str = "span", scale: float = 1.0
) -> str:
    """A number from summary.json with its provenance; empty text if absent or null."""
    value = summary_value(run.summary, key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"<{tag}></{tag}>" if value is None else f"<{tag}>{escape(str(value))}</{tag}>"
    if key in GAP_KEYS:
        shown = f"{value:.2g}"
    else:
        shown = number(value, share=summary_unit(key).startswith("share"), scale=scale)
    extra = {"data_scale": repr(scale)} if scale != 1.0 else {}
    attrs = _attrs(
        data_src="summary.json", data_run=run_index, data_key=key, data_v=_json_text(value), **extra
    )
    cls = ' class="num"' if tag == "td" else ""
    return f"<{tag}{cls}{attrs}>{escape(shown)}</{tag}>"


def table_html(
    run_index: int,
    run: RunData,
    table: str,
    rows: Iterable[int] | None = None,
    columns: Sequence[str] | None = None,
    lead: Sequence[tuple[str, str]] = (),
) -> str:
    """Rows of a result table as HTML, every numeric cell tagged with its CSV cell.

    ``lead`` adds leading text columns (header, value) such as the run's name.
    """
    typed, raw = run.tables[table], run.raw[table]
    cols = list(columns) if columns is not None else list(typed.columns)
    index = list(rows) if rows is not None else list(range(len(typed)))
    head = "".join(f"<th>{escape(h)}</th>" for h, _ in lead)
    head += "".join(
        f'<th title="{escape(header(table, c))}">{escape(words(table, c))}</th>' for c in cols
    )
    body = []
    for i in index:
        cells = "".join(f"<td>{escape(v)}</td>" for _, v in lead)
        for col in cols:
            unit = column_unit(table, col)
            text = str(raw.at[i, col])
            if unit in PLAIN:
                value = typed.at[i, col]
                shown = ("yes" if value else "no") if unit == "bool" else text
                cells += f"<td>{escape(shown)}</td>"
            elif text == "":
                cells += '<td class="num"></td>'
            else:
                attrs = _attrs(
                    data_src=f"{table}.csv",
                    data_run=run_index,
                    data_row=i,
                    data_col=col,
                    data_v=text,
                )
                shown = cell(_py(typed.at[i, col]), unit)
                cells += f'<td class="num"{attrs}>{escape(shown)}</td>'
        body.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="wide"><table data-table="{escape(table)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _py(value: Any) -> Any:
    """numpy scalars as Python ones (ints stay ints)."""
    return value.item() if hasattr(value, "item") else value


def figure_html(chart: Chart, file_name: str) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    return (
        f'<figure><img data-chart="{escape(chart.name)}" alt="{escape(chart.alt)}" '
        f'src="data:image/png;base64,{data}">'
        f"<figcaption>{escape(chart.title)}. {escape(chart.alt)} "
        f"Also saved as <code>{escape(file_name)}</code>.</figcaption></figure>"
    )


def _details(i: int, run: RunData, table: str) -> str:
    """A folded full table, its summary line giving the file and its number of rows."""
    count = f'<span class="count"{_attrs(data_run=i, data_count=f"{table}.csv")}>'
    count += f"{len(run.tables[table])}</span>"
    return (
        f"<details><summary>{escape(table)}.csv ({count} rows)</summary>"
        f"{table_html(i, run, table)}</details>"
    )


KPI_CARDS: list[tuple[str, str, float, str]] = [
    ("NPV", "kpis.npv_rmb_m", 1e-3, "RMB bn, present value"),
    ("Capex", "kpis.capex_rmb_m", 1e-3, "RMB bn, nominal"),
    ("Budget used", "kpis.budget_used_share", 1.0, "of the total budget"),
    ("Domestic fleet", "kpis.domestic_share", 1.0, "of peak PFLOPS, last period"),
    ("Nvidia fleet", "kpis.nvidia_share", 1.0, "of peak PFLOPS, last period"),
    ("China on domestic", "kpis.china_domestic_share", 1.0, "China's peak PFLOPS"),
    ("Unserved demand", "kpis.unserved_share", 1.0, "of demand ZFLOP"),
    ("Utilisation", "kpis.utilisation", 1.0, "of installed peak"),
    ("Emissions", "kpis.tco2", 1e-6, "Mt CO2"),
    ("Energy", "kpis.energy_mwh", 1e-6, "TWh"),
]


def model_name(run: RunData) -> str:
    """The model's name with the scenarios applied to it: ``base + nvidia_ban``."""
    scenarios = run.summary.get("scenarios") or []
    return str(run.summary.get("model", "")) + "".join(f" + {s}" for s in scenarios)


def status_line(i: int, run: RunData) -> str:
    """Status, what is proven about the gap, solver and objective, all from summary.json."""
    s = run.summary
    status = str(s.get("status", ""))
    solver = s.get("solver") or {}
    if s.get("gap") is not None:
        gap = f"relative gap {summary_number(i, run, 'gap')}"
    elif s.get("gap_at_most") is not None:
        gap = (
            f"relative gap at most {summary_number(i, run, 'gap_at_most')} "
            f"({escape(str(solver.get('backend', '')))} proves it but reports no bound)"
        )
    else:
        gap = "no gap known"
    return (
        f'<p class="meta">Status <b class="status-{escape(status)}">{escape(status)}</b>, '
        f"{gap}; solver {escape(str(solver.get('backend', '')))} "
        f"({escape(str(solver.get('version', '')))}); objective "
        f"{escape(str(s.get('objective_kind', '')))} = "
        f"{summary_number(i, run, 'objective_rmb_m')} RMB M; input hash "
        f"<code>{escape(str(s.get('input_hash', ''))[:16])}</code>&hellip;; run folder "
        f"<code>{escape(str(run.path))}</code>.</p>"
    )


def kpi_cards(i: int, run: RunData) -> str:
    cards = []
    for label, key, scale, unit in KPI_CARDS:
        if summary_value(run.summary, key) is None:
            continue
        value = summary_number(i, run, key, scale=scale)
        cards.append(
            f'<div class="kpi"><div class="k">{escape(label)}</div>'
            f'<div class="v">{value}</div><div class="k">{escape(unit)}</div></div>'
        )
    return f'<div class="kpis">{"".join(cards)}</div>'


def summary_table(i: int, run: RunData) -> str:
    rows = []
    for key, value in flatten(run.summary):
        shown = (
            summary_number(i, run, key, tag="td")
            if isinstance(value, int | float) and not isinstance(value, bool)
            else f"<td>{escape('' if value is None else str(value))}</td>"
        )
        rows.append(f"<tr><td>{escape(key)}</td>{shown}<td>{escape(summary_unit(key))}</td></tr>")
    return (
        '<table data-table="summary"><thead><tr><th>key</th><th>value</th><th>unit</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def run_section(
    i: int, run: RunData, label: str, charts: dict[str, tuple[Chart, str]], anchor: str
) -> str:
    """All of one run: headline, then capex, budget, fleet, demand, campaigns, values."""

    def fig(name: str) -> str:
        return figure_html(*charts[name]) if name in charts else ""

    from capplan.report.lead import summary_paragraph
    from capplan.report.marginal_rows import HOW_TO_READ, shown_marginal
    from capplan.report.money_html import money_section  # it uses this module's helpers

    t = run.tables
    mv = t["marginal_values"]
    shown_mv = shown_marginal(run)
    mv_columns = [c for c in mv.columns if (mv.loc[shown_mv, c] != "").any()]
    parts = [
        f'<section id="{anchor}"><h2>{escape(label)}: {escape(model_name(run))}</h2>',
        status_line(i, run),
        summary_paragraph(i, run),
        kpi_cards(i, run),
        money_section(i, run, anchor, fig),
        f'<h3 id="{anchor}-capex">Capex by period, region and category</h3>',
        fig("capex"),
        _details(i, run, "investments"),
        f'<h3 id="{anchor}-budget">Budget used per period against its cap</h3>',
        fig("budget"),
        table_html(i, run, "budget"),
        f'<h3 id="{anchor}-fleet">Accelerator fleet</h3>',
        fig("fleet_by_part"),
        fig("fleet_by_origin"),
        _details(i, run, "fleet"),
        f'<h3 id="{anchor}-demand">Demand and capacity per zone and region</h3>',
        fig("demand_by_zone"),
        table_html(i, run, "demand"),
        fig("power_by_region"),
        _details(i, run, "capacity"),
        _details(i, run, "serving"),
        f'<h3 id="{anchor}-campaigns">Training campaigns against their deadlines</h3>',
        fig("campaigns"),
        table_html(i, run, "campaigns"),
        _details(i, run, "training"),
        f'<h3 id="{anchor}-marginal">Marginal values</h3>',
        f'<p class="note">{escape(HOW_TO_READ)} All rows: marginal_values.csv.</p>',
        fig("marginal_values"),
        table_html(i, run, "marginal_values", rows=shown_mv, columns=mv_columns),
        f"<details><summary>Everything in summary.json</summary>{summary_table(i, run)}</details>",
        "</section>",
    ]
    return "\n".join(p for p in parts if p)


COMPARE_KEYS = [
    "scenarios",
    "status",
    "gap_at_most",
    "objective_rmb_m",
    "kpis.npv_rmb_m",
    "kpis.revenue_pv_rmb_m",
    "kpis.capex_rmb_m",
    "kpis.budget_used_share",
    "kpis.domestic_share",
    "kpis.nvidia_share",
    "kpis.china_domestic_share",
    "kpis.unserved_share",
    "kpis.utilisation",
    "kpis.tco2",
    "kpis.energy_mwh",
    "solver.backend",
    "input_hash",
]


def compare_section(
    runs: Sequence[RunData], labels: Sequence[str], charts: Sequence[tuple[Chart, str]]
) -> str:
    """Several runs side by side: KPIs per run, capex per run and period."""
    head = "".join(f"<th>{escape(label)}</th>" for label in labels)
    rows = []
    for key in COMPARE_KEYS:
        cells = ""
        for i, run in enumerate(runs):
            value = summary_value(run.summary, key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells += summary_number(i, run, key, tag="td")
            else:
                text = "" if value is None else str(value)
                if isinstance(value, list):
                    text = ", ".join(map(str, value)) or "none"
                cells += f"<td>{escape(text[:16] if key == 'input_hash' else text)}</td>"
        rows.append(f"<tr><td>{escape(key)}</td><td>{escape(summary_unit(key))}</td>{cells}</tr>")
    kpis = (
        '<table data-table="compare"><thead><tr><th>summary.json key</th><th>unit</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    budgets = "".join(
        table_html(i, run, "budget", lead=[("run", label)])
        for i, (run, label) in enumerate(zip(runs, labels, strict=True))
    )
    return "\n".join(
        [
            '<section id="compare"><h2>Runs side by side</h2>',
            '<p class="note">The runs in the order given. Each column comes from that '
            "run's summary.json; capex from its budget.csv.</p>",
            kpis,
            *(figure_html(c, f) for c, f in charts),
            "<h3>Capex per run and period</h3>",
            budgets,
            "</section>",
        ]
    )


def page(
    runs: Sequence[RunData],
    labels: Sequence[str],
    run_charts: Sequence[dict[str, tuple[Chart, str]]],
    compare: Sequence[tuple[Chart, str]],
) -> str:
    """The whole report page."""
    several = len(runs) > 1
    anchors = [f"run-{i + 1}" for i in range(len(runs))]
    title = (
        "capplan report: " + ", ".join(labels)
        if several
        else f"capplan report: {model_name(runs[0]) or labels[0]}"
    )
    nav = []
    if several:
        nav.append('<a href="#compare">Runs side by side</a>')
    for label, anchor in zip(labels, anchors, strict=True):
        prefix = f"{label}: " if several else ""
        nav += [
            f'<a href="#{anchor}-money">{escape(prefix)}money</a>',
            f'<a href="#{anchor}-capex">{escape(prefix)}capex</a>',
            f'<a href="#{anchor}-budget">{escape(prefix)}budget</a>',
            f'<a href="#{anchor}-fleet">{escape(prefix)}fleet</a>',
            f'<a href="#{anchor}-demand">{escape(prefix)}demand</a>',
            f'<a href="#{anchor}-campaigns">{escape(prefix)}campaigns</a>',
            f'<a href="#{anchor}-marginal">{escape(prefix)}marginal values</a>',
        ]
    body = [compare_section(runs, labels, compare)] if several else []
    body += [
        run_section(i, run, label, charts, anchor)
        for i, (run, label, charts, anchor) in enumerate(
            zip(runs, labels, run_charts, anchors, strict=True)
        )
    ]
    versions = ", ".join(
        f"{escape(str(r.summary.get('versions', {}).get('capplan', '?')))}" for r in runs[:1]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n"
        f"<header><h1>{escape(title)}</h1>"
        '<p class="meta">Cloud capacity and capital plan. Money in RMB million (RMB M) '
        "unless a figure says RMB bn; tables show the run folder's files as written, "
        "with units in the column headers.</p></header>\n"
        f"<nav>{''.join(nav)}</nav>\n<main>\n" + "\n".join(body) + "\n</main>\n"
        f"<footer>Written by capplan report from the run folder{'s' if several else ''}; "
        f'the run was solved with capplan <span class="label">{versions}</span>.</footer>'
        "\n</body></html>\n"
    )
