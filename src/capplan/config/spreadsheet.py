"""Input tables as spreadsheets save them: CSV dialects, number formats, and a workbook.

The rule (docs/inputs.md, "Spreadsheets"):

* **Separator**: a table's header row decides. A header with ``;`` and no ``,`` means a
  semicolon-separated file, a header with tabs and neither means tab-separated; otherwise
  commas.
* **Trailing empty columns** (a spreadsheet's unused columns, saved as ``,,,``) are
  dropped, header and rows alike; a value under a column with no name is an error.
* **Thousands separators**: in a number column, ``2,000,000`` (commas between groups of
  exactly three digits, a dot for decimals) is read as 2000000.
* **Percentages**: in a column that holds a share (:data:`SHARE_COLUMNS`), ``90%`` is read
  as 0.9; a percentage anywhere else is an error that says so.
* **Excel errors** (``#DIV/0!``, ``#N/A``, ``#VALUE!``...) are an error naming the cell.
* **Workbook**: ``inputs.dir`` may name an ``.xlsx`` workbook with one sheet per table
  (named as the table: ``regions``, ``parts``...) and a ``policy`` sheet of ``key``,
  ``value`` rows (``state_share.CN``, 0.3). ``capplan export --inputs x.xlsx`` writes one.

Each problem is one message naming the file (and sheet), row and column.
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo

from capplan.config.schema import TABLE_ROWS
from capplan.errors import InputError, Problem

SHARE_COLUMNS: dict[str, frozenset[str]] = {
    "parts": frozenset({"util_inference", "util_training"}),
    "supply": frozenset({"price_premium"}),
}
THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")
PERCENT = re.compile(r"^([-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*%$")
EXCEL_ERROR = re.compile(r"^#(DIV/0!|N/A|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!)$", re.I)
POLICY_SHEET = "policy"


DOC = """\
## Spreadsheets

The tables may come from a spreadsheet, as a workbook or as CSV files saved from one.

* **A workbook**: `inputs.dir` may name an `.xlsx` file instead of a folder. It holds one
  sheet per table, named as the table (`regions`, `parts`, `supply`, `eligibility`,
  `demand`, `campaigns`, `exchange_rates`), each with the table's header row, and a
  `policy` sheet of `key`, `value` rows (`state_share.CN`, `0.3`). `capplan export
  --inputs inputs.xlsx` writes the model's tables as such a workbook; solving from it gives
  the same result tables, byte for byte, as solving from the files.
* **Separator**: the header row decides: a header with `;` and no `,` means a
  semicolon-separated file, one with tabs and neither a tab-separated file; otherwise
  commas. A UTF-8 byte-order mark (Excel's "CSV UTF-8") is ignored.
* **Trailing empty columns** (saved as `,,,` or `;;;`) are dropped; a value under a column
  with no name in the header is an error.
* **Thousands separators**: in a number column, `2,000,000` (commas between groups of
  exactly three digits, a dot before any decimals) reads as 2000000. A decimal comma
  (`0,9`) is not read: write `0.9`.
* **Percentages**: in a column that holds a share (`util_inference`, `util_training`,
  `price_premium`), `90%` reads as 0.9. A percentage in any other column is an error,
  as the column has a unit of its own.
* **Spreadsheet errors** (`#DIV/0!`, `#N/A`, `#VALUE!`...) in a cell are an error.

Each problem is one message naming the file (and sheet), the row as the spreadsheet
numbers it (the header is row 1) and the column.
"""


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() == ".xlsx"


def delimiter(text: str) -> str:
    """The separator of a CSV text, decided by its first non-blank line (the header)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if ";" in first and "," not in first:
        return ";"
    if "\t" in first and "," not in first and ";" not in first:
        return "\t"
    return ","


def trim_trailing(
    rows: list[tuple[int, list[str]]], display: str
) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """Drop the empty columns at the end of the header, and the cells under them."""
    (head_line, header), body = rows[0], rows[1:]
    width = len(header)
    while width > 0 and header[width - 1] == "":
        width -= 1
    if width == len(header):
        return rows, []
    problems: list[Problem] = []
    out = [(head_line, header[:width])]
    for line, cells in body:
        extra = cells[width:]
        for j, value in enumerate(extra):
            if value != "":
                problems.append(
                    Problem(
                        display,
                        f"row {line}, column {width + j + 1}",
                        f"a value ({value!r}) under a column with no name in the header: "
                        "expected a header name for it, or an empty cell",
                    )
                )
        out.append((line, cells[:width] if len(cells) > width else cells))
    return out, problems


def _is_number(info: FieldInfo) -> bool:
    annotation = info.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return annotation in (int, float)


def normalise(
    name: str, records: list[dict[str, Any]], lines: list[int], display: str
) -> list[Problem]:
    """Read spreadsheet number formats in place; return the cells that cannot be read."""
    fields = TABLE_ROWS[name].model_fields
    shares = SHARE_COLUMNS.get(name, frozenset())
    problems: list[Problem] = []
    for i, record in enumerate(records):
        for column, value in record.items():
            if not isinstance(value, str) or column not in fields:
                continue
            where = f"row {lines[i]}, column {column}"
            if EXCEL_ERROR.match(value):
                problems.append(
                    Problem(
                        display,
                        where,
                        f"the spreadsheet error {value}: expected a value (fix the formula "
                        "that gives it)",
                    )
                )
            elif not _is_number(fields[column]):
                continue
            elif THOUSANDS.match(value):
                record[column] = value.replace(",", "")
            elif (pct := PERCENT.match(value)) is not None:
                if column in shares:
                    record[column] = repr(float(pct.group(1)) / 100)
                else:
                    problems.append(
                        Problem(
                            display,
                            where,
                            f"{value!r} is a percentage, but {column} is not a share: expected "
                            "a plain number in the column's unit (docs/inputs.md)",
                        )
                    )
    return problems


# --------------------------------------------------------------------------- workbook


def _text(value: Any) -> str:
    """A workbook cell as a CSV file would hold it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def _sheet(path: Path, sheet: str, display: str) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(
            [Problem(display, "", f"not a readable .xlsx workbook ({exc}): save it as .xlsx")]
        ) from None
    try:
        if sheet not in wb.sheetnames:
            raise InputError(
                [
                    Problem(
                        display,
                        f"sheet {sheet}",
                        f"missing: expected a sheet named {sheet!r} (sheets: "
                        f"{', '.join(wb.sheetnames)})",
                    )
                ]
            )
        rows = []
        for n, values in enumerate(wb[sheet].iter_rows(values_only=True), start=1):
            cells = [_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                rows.append((n, cells))
        return rows
    finally:
        wb.close()


def workbook_rows(path: Path, table: str, display: str) -> list[tuple[int, list[str]]]:
    """A table's sheet as (row number, cells) pairs, the header first, like a CSV file."""
    rows = _sheet(path, table, f"{display} [sheet {table}]")
    if not rows:
        raise InputError([Problem(f"{display} [sheet {table}]", "", "sheet is empty")])
    width = len(rows[0][1])
    return [(n, cells + [""] * (width - len(cells))) for n, cells in rows]


def workbook_policy(path: Path, display: str) -> dict[str, Any]:
    """The ``policy`` sheet's ``key``, ``value`` rows as the policy file's mapping."""
    shown = f"{display} [sheet {POLICY_SHEET}]"
    out: dict[str, Any] = {}
    for n, cells in _sheet(path, POLICY_SHEET, display)[1:]:
        key, value = cells[0], (cells[1] if len(cells) > 1 else "")
        if not key:
            raise InputError([Problem(shown, f"row {n}", "a value with no key")])
        target = out
        *head, last = key.split(".")
        for part in head:
            target = target.setdefault(part, {})
        target[last] = None if value == "" else _number(value)
    return out


def _number(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def _flat(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            out += _flat(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _typed(text: str, info: FieldInfo) -> Any:
    """A CSV cell as the workbook holds it: numbers as numbers, flags as booleans."""
    if text == "":
        return None
    if _is_number(info):
        value = float(text)
        return int(value) if re.fullmatch(r"[-+]?\d+", text) else value
    if info.annotation is bool:
        return text.lower() == "true"
    return text


def inputs_workbook(tables: dict[str, list[tuple[int, list[str]]]], policy: dict[str, Any]) -> Any:
    """A workbook of the input tables (cells as read from their files) and the policy."""
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for name, rows in tables.items():
        fields = TABLE_ROWS[name].model_fields
        ws = wb.create_sheet(name)
        header = rows[0][1]
        ws.append(header)
        for _, cells in rows[1:]:
            ws.append([_typed(c, fields[h]) for h, c in zip(header, cells, strict=True)])
    ws = wb.create_sheet(POLICY_SHEET)
    ws.append(["key", "value"])
    for key, value in _flat(policy):
        ws.append([key, value])
    return wb
