"""Write a report folder atomically: ``report.html`` plus ``charts/*.png``.

For one run the report goes into the run folder itself (``RUN/report.html``,
``RUN/charts/``) unless ``out`` names another folder; for several runs ``out`` is
required.  The charts are written into a hidden temporary folder and the page into a
hidden temporary file beside their targets, then renamed into place (capplan.io), charts
first and the page last: a report is complete when its ``report.html`` is there, and a
``charts/`` without it (a report killed between the renames) is replaced by the next
report.  An existing report is replaced only with ``force``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from capplan.errors import InputError, OutputExistsError, Problem
from capplan.io import write_atomically, write_file_atomically
from capplan.report.charts import Chart, compare_charts, part_colours, run_charts
from capplan.report.compare_folder import comparison_report, is_comparison, read_comparison
from capplan.report.html import page
from capplan.report.money_charts import money_charts
from capplan.report.rundata import RunData, read_run
from capplan.report.sweep import build_sweep, is_sweep_folder

REPORT_FILE = "report.html"
CHARTS_DIR = "charts"


@dataclass(frozen=True)
class Report:
    """Where a report went."""

    html: Path
    charts: list[Path]


def labels_for(runs: Sequence[RunData]) -> list[str]:
    """A distinct label per run: its folder name, with ``(2)``... where names repeat."""
    seen: dict[str, int] = {}
    out = []
    for run in runs:
        n = seen.get(run.name, 0) + 1
        seen[run.name] = n
        out.append(run.name if n == 1 else f"{run.name} ({n})")
    return out


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("._") or "run"


def report_target(run_dirs: Sequence[Path], out: Path | None) -> Path:
    """The folder the report goes into (see the module docstring)."""
    if out is not None:
        return out
    if len(run_dirs) == 1:
        return run_dirs[0]
    raise InputError(
        [Problem("command line", "--out", "a report of several runs needs --out FOLDER")]
    )


def check_report_writable(folder: Path, force: bool) -> None:
    """Fail before any work if a report is there and may not be replaced."""
    if folder.exists() and not folder.is_dir():
        raise OutputExistsError(f"report folder {folder} exists and is not a folder")
    existing = [p for p in (folder / REPORT_FILE,) if p.exists()]
    if existing and not force:  # charts/ without report.html: left by a killed report
        raise OutputExistsError(
            f"{existing[0]} already exists: pass --force to replace the report, "
            "or choose another folder with --out"
        )


def build(runs: Sequence[RunData]) -> tuple[str, dict[str, bytes]]:
    """The page and the chart files (name -> PNG bytes) of a report of ``runs``."""
    labels = labels_for(runs)
    several = len(runs) > 1
    parts: list[str] = []
    for run in runs:
        parts += list(run.tables["fleet"]["part"]) + [
            p for p in run.tables["investments"]["part"] if p
        ]
    colours = part_colours(parts)
    files: dict[str, bytes] = {}

    def keep(chart: Chart, prefix: str) -> tuple[Chart, str]:
        name = f"{CHARTS_DIR}/{prefix}{chart.name}.png"
        files[name] = chart.png
        return chart, name

    per_run = []
    for run, label in zip(runs, labels, strict=True):
        prefix = f"{_safe(label)}-" if several else ""
        charts = [*run_charts(run, colours), *money_charts(run)]
        per_run.append({c.name: keep(c, prefix) for c in charts})
    compare = [keep(c, "") for c in compare_charts(runs, labels)] if several else []
    return page(runs, labels, per_run, compare), files


def write_report(
    run_dirs: Sequence[str | Path], out: str | Path | None = None, force: bool = False
) -> Report:
    """Read the run folders and write their report; return where it went."""
    dirs = [Path(d) for d in run_dirs]
    if not dirs:
        raise InputError([Problem("command line", "RUN", "give at least one run folder")])
    from capplan.report.hedge import is_hedge_run, write_hedge_report

    if len(dirs) == 1 and is_hedge_run(dirs[0]):  # a capplan hedge run folder
        return Report(write_hedge_report(dirs[0], Path(out) if out else None, force), [])
    folder = report_target(dirs, Path(out) if out is not None else None)
    check_report_writable(folder, force)
    if len(dirs) == 1 and is_comparison(dirs[0]):  # a folder written by capplan compare
        html, files = comparison_report(read_comparison(dirs[0]))
    elif all(is_sweep_folder(d) for d in dirs):  # capplan sweep / evaluate (report/sweep.py)
        html, files = build_sweep(dirs)
    else:
        html, files = build([read_run(d) for d in dirs])
    folder.mkdir(parents=True, exist_ok=True)

    def fill(tmp: Path) -> None:
        for name, data in files.items():
            (tmp / Path(name).name).write_bytes(data)

    # charts/ first, report.html last: the page is what makes a report complete, so a
    # report killed between the two leaves charts/ alone, which the next one replaces
    write_atomically(folder / CHARTS_DIR, fill, force=True)
    write_file_atomically(folder / REPORT_FILE, html, force, mode=0o644)
    return Report(folder / REPORT_FILE, sorted(folder / n for n in files))
