"""The report of a sweep or evaluation folder: NPV distribution, tornado, fan charts.

One self-contained page in the style of the run report (inline CSS and PNG charts, no
script, no network).  Every number comes from the folder's CSV files or summary.json and
carries its source as the run report's numbers do (``data-src``, ``data-run``,
``data-row``/``data-col`` or ``data-key``, ``data-v``), so the same test reads it back.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from capplan.report.charts import Chart, png
from capplan.report.fmt import number
from capplan.report.html import CSP, CSS, _attrs, _json_text, figure_html
from capplan.report.rundata import summary_value

SAMPLE_ROWS = 200  # rows of samples.csv shown on the page (the file has all)
KINDS = ("sweep", "evaluation")


def is_sweep_folder(path: Path) -> bool:
    """True for a folder written by ``capplan sweep`` or ``capplan evaluate``."""
    try:
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return summary.get("kind") in KINDS and (path / "samples.csv").is_file()


class Folder:
    """A sweep folder's files: raw text tables (as written) and summary.json."""

    def __init__(self, path: Path, index: int = 0) -> None:
        self.path = path
        self.index = index  # the folder's position in the report (data-run)
        self.summary: dict[str, Any] = json.loads((path / "summary.json").read_text("utf-8"))
        self.raw = {
            p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
            for p in sorted(path.glob("*.csv"))
        }

    def values(self, table: str, column: str) -> np.ndarray:
        text = self.raw[table][column]
        return pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(dtype=float)


def _num(text: str, scale: float = 1.0, share: bool = False) -> str:
    try:
        return number(float(text), scale=scale, share=share)
    except ValueError:
        return text


def table_html(
    f: Folder, table: str, columns: list[str] | None = None, rows: int | None = None
) -> str:
    """A CSV table, each numeric cell tagged with its file, row and column."""
    raw = f.raw[table]
    cols = columns or list(raw.columns)
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = []
    for i in range(min(len(raw), rows or len(raw))):
        cells = ""
        for col in cols:
            text = str(raw.at[i, col])
            try:
                float(text)
            except ValueError:
                cells += f"<td>{escape(text)}</td>"
                continue
            share = col.endswith("share") or col == "utilisation"
            attrs = _attrs(
                data_src=f"{table}.csv", data_run=f.index, data_row=i, data_col=col, data_v=text
            )
            cells += f'<td class="num"{attrs}>{escape(_num(text, share=share))}</td>'
        body.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="wide"><table data-table="{escape(table)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def key_number(f: Folder, key: str, scale: float = 1.0) -> str:
    value = summary_value(f.summary, key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "<span></span>"
    extra = {"data_scale": repr(scale)} if scale != 1.0 else {}
    attrs = _attrs(
        data_src="summary.json", data_run=f.index, data_key=key, data_v=_json_text(value), **extra
    )
    return f"<span{attrs}>{escape(number(value, scale=scale))}</span>"


def _bn(ax: Any) -> None:
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v / 1e3:,.4g}")


def npv_chart(f: Folder) -> Chart:
    dist = f.raw["npv_distribution"]
    lo, hi = f.values("npv_distribution", "low_rmb_m"), f.values("npv_distribution", "high_rmb_m")
    counts = f.values("npv_distribution", "count")
    fig = Figure(figsize=(9, 3.6))
    ax = fig.add_subplot()
    ax.bar(lo, counts, width=hi - lo, align="edge", color="#2e86c1", edgecolor="white")
    for key, style in (("p10", ":"), ("p50", "-"), ("p90", ":")):
        v = summary_value(f.summary, f"npv.{key}")
        if isinstance(v, int | float):
            ax.axvline(v, color="#c0392b", linestyle=style, label=key.upper())
    ax.set_xlabel("NPV, RMB bn")
    ax.set_ylabel("samples")
    _bn(ax)
    if len(dist):
        ax.legend(loc="upper left")
    ax.set_title("NPV over the samples")
    fig.tight_layout()
    return Chart(
        "npv_distribution",
        "NPV distribution",
        "Histogram of the NPV of the samples with a plan, with P10, P50 and P90 "
        "(npv_distribution.csv, summary.json).",
        png(fig),
    )


def tornado_chart(f: Folder) -> Chart:
    t = f.raw["tornado"]
    names = list(t["parameter"])[::-1]
    low, high = (
        f.values("tornado", "npv_low_rmb_m")[::-1],
        f.values("tornado", "npv_high_rmb_m")[::-1],
    )
    base = float(f.values("tornado", "npv_base_rmb_m")[0]) if len(t) else 0.0
    fig = Figure(figsize=(9, 0.5 * len(names) + 1.6))
    ax = fig.add_subplot()
    y = np.arange(len(names))
    ax.barh(y, low - base, left=base, color="#c0392b", label="low value")
    ax.barh(y, high - base, left=base, color="#2e86c1", label="high value", alpha=0.8)
    ax.axvline(base, color="#1c2833", linewidth=1)
    ax.set_yticks(y, names)
    ax.set_xlabel("NPV, RMB bn")
    _bn(ax)
    ax.legend(loc="lower right")
    ax.set_title("NPV at each assumption's low and high value, the others at base")
    fig.tight_layout()
    top = ", ".join(list(t["parameter"])[:3])
    return Chart(
        "tornado",
        "Tornado of NPV by assumption",
        f"The assumptions that move NPV most: {top} (tornado.csv).",
        png(fig),
    )


def fan_chart(f: Folder, table: str, what: str, unit: str, scale: float) -> Chart:
    fan = f.raw[table]
    x = np.arange(len(fan))
    fig = Figure(figsize=(9, 3.4))
    ax = fig.add_subplot()
    p10, p50, p90 = (f.values(table, c) * scale for c in ("p10", "p50", "p90"))
    ax.fill_between(x, p10, p90, color="#aed6f1", label="P10-P90")
    ax.plot(x, p50, color="#1f618d", marker="o", label="P50")
    ax.set_xticks(x, list(fan["period"]))
    ax.set_ylabel(unit)
    ax.legend(loc="upper left")
    ax.set_title(f"{what} by period")
    fig.tight_layout()
    return Chart(
        table,
        f"{what} by period, P10-P90",
        f"P10 to P90 band and median of {what.lower()} per period ({table}.csv).",
        png(fig),
    )


STAT_KEYS = [
    ("mean", "mean"),
    ("mean_ci_low", "mean, 95% CI low"),
    ("mean_ci_high", "mean, 95% CI high"),
    ("sd", "standard deviation"),
    ("p05", "P5"),
    ("p10", "P10"),
    ("p50", "P50"),
    ("p90", "P90"),
    ("p95", "P95"),
    ("cvar_10", "CVaR 10% (mean of the worst 10%)"),
]
EVAL_KEYS = [
    ("plan_feasible", "futures where the plan is feasible"),
    ("plan_infeasible", "futures where it is not"),
    ("cvar_10_rmb_m", "CVaR 10% of NPV, RMB M"),
    ("regret_mean_rmb_m", "mean regret against perfect foresight, RMB M"),
    ("regret_ci_low_rmb_m", "mean regret, 95% CI low"),
    ("regret_ci_high_rmb_m", "mean regret, 95% CI high"),
    ("regret_p90_rmb_m", "P90 regret, RMB M"),
    ("mmw_gap_rmb_m", "optimality gap estimate (MMW), RMB M"),
    ("mmw_gap_upper_95_rmb_m", "gap, one-sided 95% upper bound, RMB M"),
]


def _rows(f: Folder, prefix: str, keys: list[tuple[str, str]]) -> str:
    rows = "".join(
        f"<tr><td class='label'>{escape(label)}</td>"
        f"<td class='num'>{key_number(f, f'{prefix}.{k}')}</td></tr>"
        for k, label in keys
        if summary_value(f.summary, f"{prefix}.{k}") is not None
    )
    return f'<table data-table="{prefix}"><tbody>{rows}</tbody></table>'


COMPARE_KEYS = [
    ("npv.mean", "mean NPV, RMB M"),
    ("npv.mean_ci_low", "mean NPV, 95% CI low"),
    ("npv.mean_ci_high", "mean NPV, 95% CI high"),
    ("npv.p10", "P10 NPV"),
    ("npv.cvar_10", "CVaR 10% of NPV"),
    ("evaluation.plan_infeasible", "futures where the plan is infeasible"),
    ("evaluation.regret_mean_rmb_m", "mean regret, RMB M"),
    ("evaluation.regret_ci_low_rmb_m", "mean regret, 95% CI low"),
    ("evaluation.regret_ci_high_rmb_m", "mean regret, 95% CI high"),
    ("evaluation.mmw_gap_upper_95_rmb_m", "optimality gap, 95% upper bound"),
    ("paired.npv_diff_mean_rmb_m", "mean NPV minus the other plan's, same futures (paired)"),
    ("paired.npv_diff_ci_low_rmb_m", "paired difference, 95% CI low"),
    ("paired.npv_diff_ci_high_rmb_m", "paired difference, 95% CI high"),
    ("paired.pairs", "futures where both plans hold"),
]


def compare_html(folders: list[Folder], labels: list[str]) -> str:
    """Several sweeps or evaluations side by side, every figure from its summary.json."""
    head = "".join(f"<th>{escape(label)}</th>" for label in labels)
    rows = "".join(
        f"<tr><td class='label'>{escape(text)}</td>"
        + "".join(f"<td class='num'>{key_number(f, key)}</td>" for f in folders)
        + "</tr>"
        for key, text in COMPARE_KEYS
        if any(summary_value(f.summary, key) is not None for f in folders)
    )
    return (
        "<h2 id='compare'>Side by side</h2><p class='note'>Evaluations with the same sweep "
        "file face the same futures (each sample is the same draw); the plan with the "
        "higher mean NPV and lower regret holds up better, and where the confidence "
        "intervals of the means do not overlap the difference is clear at that level.</p>"
        f'<table data-table="compare"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>" + _paired_html(folders)
    )


def _paired_html(folders: list[Folder]) -> str:
    """Which plan holds up better, from an evaluation run with ``--against`` (its
    summary.json's ``paired``: capplan.sweep.evaluate.paired); the figures are in the
    table above."""
    out = []
    for f in folders:
        p = f.summary.get("paired") or {}
        if "holds_up_better" not in p:
            continue
        a, b = p["plans"]
        text = (
            f"{p['holds_up_better']} holds up better than "
            f"{b if p['holds_up_better'] == a else a}: over the same futures, paired, the "
            "confidence interval of the mean NPV difference lies clear of zero"
            if p["holds_up_better"]
            else f"No clear difference between {a} and {b}: the confidence interval of the "
            "mean NPV difference over the same futures, paired, holds zero"
        )
        out.append(f"<p class='verdict'>{escape(text)}.</p>")
    return "".join(out)


def build_sweep(paths: list[Path]) -> tuple[str, dict[str, bytes]]:
    """The page and its charts (name -> PNG bytes) for sweep or evaluation folders."""
    folders = [Folder(p, i) for i, p in enumerate(paths)]
    labels = [
        p.name if [q.name for q in paths].count(p.name) == 1 else f"{p.name} ({i + 1})"
        for i, p in enumerate(paths)
    ]
    files: dict[str, bytes] = {}
    parts = [compare_html(folders, labels)] if len(folders) > 1 else []
    for f, label in zip(folders, labels, strict=True):
        prefix = f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', label)}-" if len(folders) > 1 else ""
        html, charts = _section(f, prefix)
        parts.append(html)
        files.update(charts)
    first = folders[0].summary
    title = (
        f"capplan {first.get('kind')}: {first.get('model')} x {first.get('sweep_file')} "
        f"({first.get('method')})"
        if len(folders) == 1
        else "capplan sweeps: " + ", ".join(labels)
    )
    html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n"
        f"<header><h1>{escape(title)}</h1><p class='meta'>Money in RMB million unless a "
        "figure says RMB bn.</p></header><main>\n"
        + "\n".join(parts)
        + "\n</main><footer>Written by capplan report from the sweep folder(s).</footer>"
        "</body></html>\n"
    )
    return html, files


def _section(f: Folder, prefix: str) -> tuple[str, dict[str, bytes]]:
    """One sweep or evaluation folder: NPV, evaluation, tornado, fans, samples."""
    s = f.summary
    charts = [npv_chart(f)]
    if "tornado" in f.raw:
        charts.append(tornado_chart(f))
    charts += [
        fan_chart(f, "fan_capex", "Capex", "RMB bn", 1e-3),
        fan_chart(f, "fan_fleet", "Installed fleet", "PFLOPS", 1.0),
    ]
    files = {f"charts/{prefix}{c.name}.png": c.png for c in charts}
    fig = {c.name: figure_html(c, f"charts/{prefix}{c.name}.png") for c in charts}
    counts = ", ".join(
        f"{escape(k)} {key_number(f, f'status_counts.{k}')}" for k in (s.get("status_counts") or {})
    )
    parts = [
        f"<section><h2>{escape(str(s.get('kind')))} {escape(f.path.name)}</h2>"
        f"<p class='meta'>Run {escape(str(s.get('run_id')))}; model "
        f"{escape(str(s.get('model')))}, sweep file {escape(str(s.get('sweep_file')))} "
        f"({escape(str(s.get('method')))}); {key_number(f, 'samples')} samples ({counts}); "
        f"seed {key_number(f, 'seed')}; parameters: "
        f"{escape(', '.join(s.get('parameters', [])))}.</p>",
        "<h3>NPV distribution</h3>",
        _rows(f, "npv", STAT_KEYS),
        fig["npv_distribution"],
    ]
    if s.get("kind") == "evaluation":
        plan = s.get("plan", {})
        parts += [
            "<h3>The plan out of sample</h3>",
            f"<p class='note'>Plan {escape(str(plan.get('folder')))} "
            f"({escape(str(plan.get('file')))}): its {escape(str(plan.get('period')))} build, "
            "entry and pod decisions are fixed "
            "in every future and the rest re-optimised; regret is the NPV of the same "
            "future solved free minus the plan's (docs/sweeps.md).</p>",
            _rows(f, "evaluation", EVAL_KEYS),
        ]
    if "tornado" in f.raw:
        parts += [
            "<h3>Which assumptions move NPV most</h3>",
            fig["tornado"],
            table_html(f, "tornado"),
        ]
    parts += [
        "<h3>Capex and fleet by period</h3>",
        fig["fan_capex"],
        table_html(f, "fan_capex"),
        fig["fan_fleet"],
        table_html(f, "fan_fleet"),
        "<h3>Samples</h3>",
        "<details><summary>npv_distribution.csv</summary>",
        table_html(f, "npv_distribution"),
        "</details><details><summary>samples.csv (the first rows; the file has all "
        f"<span{_attrs(data_run=f.index, data_count='samples.csv')}>{len(f.raw['samples'])}</span>)"
        f"</summary>{table_html(f, 'samples', rows=SAMPLE_ROWS)}</details>",
        "</section>",
    ]
    return "\n".join(parts), files
