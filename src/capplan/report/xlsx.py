"""Excel export: one workbook per run, a ``summary`` sheet and a sheet per result table.

Cells hold the values of the run folder's files (numbers as numbers, flags as booleans,
empty cells empty); headers carry the documented units (:mod:`capplan.report.units`).
The workbook is written to a hidden temporary file and renamed into place, and its zip
entries and document properties carry a fixed date, so the same run gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from capplan.errors import InputError, OutputExistsError, Problem
from capplan.io import write_file_atomically
from capplan.report.compare_folder import comparison_workbook, is_comparison, read_comparison
from capplan.report.rundata import RunData, flatten, read_run
from capplan.report.units import PLAIN, TABLES, column_unit, header, summary_unit

FIXED_TIME = dt.datetime(2000, 1, 1)
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
SUMMARY_FIRST = [
    "model",
    "model_file",
    "status",
    "message",
    "objective_kind",
    "objective_rmb_m",
    "bound_rmb_m",
    "gap",
    "gap_at_most",
    "input_hash",
]
SUMMARY_SHEET = "summary"


def default_path(run_dir: Path) -> Path:
    """``RUN/<run folder name>.xlsx``."""
    return run_dir / f"{run_dir.name}.xlsx"


def summary_rows(summary: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(key, value, unit) for the summary sheet: headline keys first, then the rest."""
    flat = dict(flatten(summary))
    order = [k for k in SUMMARY_FIRST if k in flat]
    order += [k for k in flat if k.startswith(("money.", "kpis.", "present_values.", "solver."))]
    order += [k for k in flat if k not in order]
    return [(k, _cell(flat[k]), summary_unit(k)) for k in order]


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return str(value)
    return value


def _py(value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and value != value:  # NaN: an empty cell
        return None
    return value


def _finish(ws: Worksheet, widths: list[int]) -> None:
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)


def workbook(run: RunData) -> Workbook:
    """The workbook of a run folder."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SUMMARY_SHEET
    ws.append(["key", "value", "unit"])
    rows = summary_rows(run.summary)
    for row in rows:
        ws.append(list(row))
    _finish(
        ws, [max(len(str(r[i] or "")) for r in [("key", "value", "unit"), *rows]) for i in range(3)]
    )
    for table in [t for t in TABLES if t in run.tables]:
        frame = run.tables[table]
        ws = wb.create_sheet(table)
        heads = [header(table, c) for c in frame.columns]
        ws.append(heads)
        for values in frame.itertuples(index=False):
            ws.append([_py(v) for v in values])
        for j, col in enumerate(frame.columns, start=1):
            if column_unit(table, col) == "share":
                for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    c.number_format = "0.0%"
            elif column_unit(table, col) not in PLAIN:
                for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    c.number_format = "#,##0.000000" if frame[col].dtype.kind == "f" else "#,##0"
        _finish(ws, [max(len(h), 12) for h in heads])
    props = wb.properties
    props.creator = "capplan"
    props.created = props.modified = FIXED_TIME
    props.title = f"capplan run {run.name}"
    return wb


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry dated ``ZIP_TIME`` (openpyxl stamps the current time)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _fixed_core(body)
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, body)
    return out.getvalue()


def _fixed_core(body: bytes) -> bytes:
    """openpyxl sets ``modified`` to the time of saving; put the fixed time back."""
    import re

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", body
    )


def write_xlsx(run_dir: str | Path, out: str | Path | None = None, force: bool = False) -> Path:
    """Write the run folder's workbook (default ``RUN/<name>.xlsx``); return its path."""
    folder = Path(run_dir)
    target = Path(out) if out is not None else default_path(folder)
    if target.exists() and not force:
        raise OutputExistsError(
            f"{target} already exists: pass --force to replace it, or choose another --out"
        )
    if target.exists() and target.is_dir():
        raise OutputExistsError(f"{target} is a folder; --out names the workbook file")
    buf = io.BytesIO()
    if is_comparison(folder):  # a folder written by capplan compare: the "why" first
        book = comparison_workbook(read_comparison(folder))
    else:
        book = workbook(read_run(folder))
    book.properties.creator = "capplan"
    book.properties.created = book.properties.modified = FIXED_TIME
    book.save(buf)
    data = _fixed_zip(buf.getvalue())
    return write_file_atomically(target, data, force, mode=0o644)


def write_inputs_xlsx(
    model: str | Path, target: str | Path, force: bool = False, allow_outside: bool = False
) -> Path:
    """Write a model's input tables and policy as one workbook that ``inputs.dir`` may name.

    Cells hold the files' values (numbers as numbers); solving from the workbook gives the
    same tables as solving from the files.  Written atomically, with fixed dates.
    """
    from capplan.config.loader import load_config
    from capplan.config.readers import _read_rows, read_yaml, show_path
    from capplan.config.schema import TABLE_ROWS
    from capplan.config.spreadsheet import (
        inputs_workbook,
        is_workbook,
        trim_trailing,
        workbook_policy,
        workbook_rows,
    )

    out = Path(target)
    if not is_workbook(out):
        raise InputError([Problem("command line", "--inputs", f"{out}: expected a .xlsx file")])
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists: pass --force to replace it")
    config = load_config(model, allow_outside=allow_outside)
    tables = {}
    for name in TABLE_ROWS:
        path = config.files[name]
        shown = show_path(path)
        rows = (
            workbook_rows(path, name, shown)
            if is_workbook(path)
            else _read_rows(path, shown, list(TABLE_ROWS[name].model_fields))
        )
        tables[name] = trim_trailing(rows, shown)[0]
    policy_path = config.files["policy"]
    shown = show_path(policy_path)
    policy = (
        workbook_policy(policy_path, shown)
        if is_workbook(policy_path)
        else read_yaml(policy_path, shown)
    )
    buf = io.BytesIO()
    wb = inputs_workbook(tables, policy)
    props = wb.properties
    props.creator = "capplan"
    props.created = props.modified = FIXED_TIME
    wb.save(buf)
    write_file_atomically(out, _fixed_zip(buf.getvalue()), force, mode=0o644)
    return out
