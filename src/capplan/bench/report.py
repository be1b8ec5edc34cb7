"""The benchmark's files: ``results.csv``, ``reference.csv``, ``results.json``, ``results.md``.

Every file is written whole into the (temporary) output folder; a single file outside it
(the baseline) is written through a temporary file renamed into place.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capplan.io import write_file_atomically

if TYPE_CHECKING:
    from capplan.bench.run import BenchOutcome, BenchSettings

RUN_COLUMNS = [
    "instance",
    "kind",
    "backend",
    "status",
    "verdict",
    "objective",
    "expected",
    "bound",
    "gap",
    "gap_at_most",
    "variables",
    "integer_variables",
    "rows",
    "nonzeros",
    "load_s",
    "build_s",
    "solve_s",
    "extract_s",
    "write_s",
    "total_s",
    "overhead_s",
    "overhead_ratio",
    "build_peak_rss_mb",
    "peak_rss_mb",
    "message",
]
REFERENCE_COLUMNS = [
    "instance",
    "variables",
    "rows",
    "nonzeros",
    "repeat",
    "model_build_s",
    "capplan_build_s",
    "lower_bound_s",
    "build_ratio",
    "pulp_build_s",
    "pulp_speedup",
    "capplan_build_peak_rss_mb",
    "pulp_build_peak_rss_mb",
    "capplan_objective",
    "pulp_objective",
    "pulp_agrees",
    "message",
]


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, replacing an existing file (capplan.io)."""
    write_file_atomically(path, text, force=True)


def run_row(run: dict[str, Any]) -> dict[str, Any]:
    flat = {
        **run,
        **(run.get("size") or {}),
        **(run.get("times") or {}),
        **(run.get("memory") or {}),
    }
    return {c: flat.get(c) for c in RUN_COLUMNS}


def reference_row(ref: dict[str, Any]) -> dict[str, Any]:
    flat = {**ref, **(ref.get("size") or {})}
    return {c: flat.get(c) for c in REFERENCE_COLUMNS}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 9)) if abs(value) < 1e15 else repr(value)
    return str(value)


def csv_text(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return buf.getvalue()


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}%"


def _num(value: Any, fmt: str = ".3g") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return format(value, fmt)
    return str(value)


def markdown(outcome: BenchOutcome, settings: BenchSettings, machine: dict[str, Any]) -> str:
    """The results as Markdown tables (the ones docs/benchmarks.md shows)."""
    lines = ["# capplan bench results", ""]
    lines += [
        f"Machine: {machine['platform']}, {machine['cpus']} CPUs, Python {machine['python']}, "
        f"ortools {machine['versions'].get('ortools')}, pulp {machine['versions'].get('pulp')}.",
        f"Settings: time limit {_num(settings.time_limit_s, 'g')} s per solve, relative MIP gap "
        f"{settings.gap:g} (models) and {settings.mps_gap:g} (MPS files), one thread.",
        "",
    ]
    if outcome.references:
        lines += [
            "## Build speed",
            "",
            "capplan build = tables -> LinearProgram -> filled OR-Tools model; lower bound = "
            "filling OR-Tools from the finished program's arrays alone; PuLP = the same model "
            "with the PuLP object API. Best of "
            f"{settings.repeat} builds each, alternated in one process; memory = peak RSS of "
            "that process after the first build.",
            "",
            "| instance | variables | rows | nonzeros | capplan build s | lower bound s "
            "| ratio | PuLP build s | PuLP / capplan | build peak MB | PuLP peak MB "
            "| PuLP objective agrees |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in outcome.references:
            size = r.get("size") or {}
            lines.append(
                f"| {r['instance']} | {_num(size.get('variables'), 'd')} "
                f"| {_num(size.get('rows'), 'd')} "
                f"| {_num(size.get('nonzeros'), 'd')} | {_num(r['capplan_build_s'], '.4f')} "
                f"| {_num(r['lower_bound_s'], '.4f')} | {_num(r['build_ratio'], '.2f')} "
                f"| {_num(r['pulp_build_s'], '.3f')} | {_num(r['pulp_speedup'], '.0f')} "
                f"| {_num(r['capplan_build_peak_rss_mb'], '.0f')} "
                f"| {_num(r['pulp_build_peak_rss_mb'], '.0f')} "
                f"| {_num(r['pulp_agrees']) if r['pulp_agrees'] is not None else '-'} |"
            )
        lines.append("")
    models = [r for r in outcome.runs if r["kind"] == "model"]
    if models:
        lines += [
            "## Model instances",
            "",
            "overhead = load + build + extract + write: the whole `capplan solve` but the "
            "solver's own time (MIP and marginal-value LP); ratio = overhead / solve.",
            "",
            "| instance | backend | status | verdict | objective | gap <= | nonzeros | load s "
            "| build s | solve s | extract s | write s | overhead | peak MB |",
            "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in models:
            t, size = r.get("times") or {}, r.get("size") or {}
            lines.append(
                f"| {r['instance']} | {r['backend']} | {r['status']} | {r['verdict']} "
                f"| {_num(r['objective'], '.10g')} | {_num(r['gap_at_most'], '.1e')} "
                f"| {_num(size.get('nonzeros'), 'd')} | {_num(t.get('load_s'), '.3f')} "
                f"| {_num(t.get('build_s'), '.3f')} | {_num(t.get('solve_s'), '.2f')} "
                f"| {_num(t.get('extract_s'), '.3f')} | {_num(t.get('write_s'), '.3f')} "
                f"| {_percent(r['overhead_ratio'])} "
                f"| {_num((r.get('memory') or {}).get('peak_rss_mb'), '.0f')} |"
            )
        lines.append("")
        lines += ["Agreement between backends:", ""]
        for a in outcome.agreements:
            if any(r["instance"] == a.instance and r["kind"] == "model" for r in outcome.runs):
                lines.append(f"- {a.instance}: {'agree' if a.agree else 'DISAGREE'} ({a.message})")
        lines.append("")
    mps = [r for r in outcome.runs if r["kind"] == "mps"]
    if mps:
        backends = list(dict.fromkeys(r["backend"] for r in mps))
        lines += [
            "## Public MPS instances",
            "",
            "Read with HiGHS's MPS reader (capplan.mps); objective against the published value "
            "(relative 1e-6).",
            "",
            "| instance | published | " + " | ".join(backends) + " |",
            "|---|---:|" + "---|" * len(backends),
        ]
        by_name: dict[str, dict[str, dict[str, Any]]] = {}
        for r in mps:
            by_name.setdefault(r["instance"], {})[r["backend"]] = r
        for name, group in by_name.items():
            first = next(iter(group.values()))
            cells = []
            for b in backends:
                found = group.get(b)
                if found is None:
                    cells.append("-")
                    continue
                r = found
                shown = _num(r["objective"], ".10g") if r["objective"] is not None else r["status"]
                t = (r.get("times") or {}).get("solve_s")
                cells.append(
                    f"{r['verdict']}: {shown}" + (f" ({t:.2f} s)" if t is not None else "")
                )
            lines.append(
                f"| {name} | {_num(first['expected'], '.10g')} | " + " | ".join(cells) + " |"
            )
        lines.append("")
    if outcome.gate is not None:
        g = outcome.gate
        lines += ["## Gate", "", f"**{'passed' if g.passed else 'FAILED'}**", ""]
        lines += [f"- {f}" for f in g.failures] + [f"- {n}" for n in g.notes] + [""]
    if outcome.failures:
        lines += ["## Failures", ""] + [f"- {f}" for f in outcome.failures] + [""]
    return "\n".join(lines)


def write_all(
    out: Path, outcome: BenchOutcome, settings: BenchSettings, machine: dict[str, Any]
) -> None:
    """Write the four result files into ``out``."""
    (out / "results.csv").write_text(
        csv_text(RUN_COLUMNS, [run_row(r) for r in outcome.runs]), encoding="utf-8"
    )
    (out / "reference.csv").write_text(
        csv_text(REFERENCE_COLUMNS, [reference_row(r) for r in outcome.references]),
        encoding="utf-8",
    )
    data = {
        "machine": machine,
        "settings": settings.suite(Path.cwd()),
        "runs": outcome.runs,
        "references": outcome.references,
        "agreements": [a.__dict__ for a in outcome.agreements],
        "gate": None if outcome.gate is None else outcome.gate.__dict__,
        "failures": outcome.failures,
        "overhead_ratio": _overall(outcome),
    }
    (out / "results.json").write_text(
        json.dumps(data, indent=2, sort_keys=True, default=str, allow_nan=True) + "\n",
        encoding="utf-8",
    )
    (out / "results.md").write_text(markdown(outcome, settings, machine), encoding="utf-8")


def _overall(outcome: BenchOutcome) -> float | None:
    from capplan.bench.checks import overhead_ratio

    return overhead_ratio(outcome.runs)
