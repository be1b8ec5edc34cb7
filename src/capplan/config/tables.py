"""Reading CSV tables (and workbook sheets): header, ragged rows, rows by their schema.

Rows are numbered as in a spreadsheet or editor: the header is row 1, the first data row
is row 2.  Reading is linear in rows and columns; rows are validated a chunk at a time and
checking stops once a file has more than MAX_PROBLEMS_PER_FILE problems.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from capplan.config.messages import RowLabel, validation_problems
from capplan.config.schema import TABLE_KEYS, TABLE_ROWS
from capplan.config.spreadsheet import (
    delimiter,
    is_workbook,
    normalise,
    trim_trailing,
    workbook_rows,
)
from capplan.config.yaml_files import _read_text, input_error
from capplan.errors import (
    MAX_PROBLEMS_PER_FILE,
    InputError,
    Problem,
    ProblemCollector,
    more_problems,
)

MAY_BE_EMPTY = {"campaigns"}  # a model may have no training campaigns
MAX_RAGGED_ROWS = 20  # ragged rows reported per table (a wrong delimiter breaks them all)
LINES_ATTR = "lines"  # DataFrame.attrs key: the file row number of each table row


def _read_rows(path: Path, display: str, fields: list[str]) -> list[tuple[int, list[str]]]:
    """Parse a CSV file into (row number, cells) pairs, the header first; skip blank rows."""
    expected = f"a CSV table with columns {', '.join(fields)}"
    text = _read_text(path, display, expected)
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter(text), skipinitialspace=True
    )
    start = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((start, [c.strip() for c in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise input_error(
            display, f"row {reader.line_num}", f"not a readable CSV row: {exc}"
        ) from None
    if not rows:
        raise input_error(display, "", f"file is empty: expected {expected}")
    return rows


def _header_problems(
    header: list[str], fields: dict[str, FieldInfo], display: str
) -> list[Problem]:
    """Missing, unknown and repeated columns of a table's header row.

    A misspelt column is reported once, as unknown with a suggestion, not also as missing.
    """
    out: list[Problem] = []
    where = "row 1 (header)"
    names = list(fields)
    expected = f"expected columns: {', '.join(names)}"
    given = set(header)  # linear in the columns: a 100k-column header is read in ms
    missing = [c for c in names if fields[c].is_required() and c not in given]
    unknown = [c for c in dict.fromkeys(header) if c not in fields]
    repeated = sorted(c for c, n in Counter(header).items() if n > 1)
    absent = [n for n in names if n not in given]
    unlisted = max(len(unknown) - MAX_PROBLEMS_PER_FILE, 0)
    for col in unknown[:MAX_PROBLEMS_PER_FILE]:
        close = difflib.get_close_matches(col, absent, n=1)
        if close:
            hint = f" (did you mean {close[0]!r}?)"
            missing = [c for c in missing if c != close[0]]
        elif len(header) == 1 and any(s in col for s in ";\t|"):
            hint = " (columns must be separated by commas)"
        else:
            hint = ""
        out.append(Problem(display, where, f"unknown column {col!r}{hint}; {expected}"))
    if missing:
        out.insert(
            0, Problem(display, where, f"missing column(s) {', '.join(missing)}; {expected}")
        )
    if repeated:
        out.append(
            Problem(
                display,
                where,
                f"column(s) given twice: {', '.join(repeated)}; expected each column once",
            )
        )
    if unlisted:
        out.append(more_problems(display, unlisted))
    return out


def read_table(name: str, path: Path, display: str) -> pd.DataFrame:
    """Read and validate one CSV table; return a typed DataFrame (one column per field).

    The DataFrame's ``attrs["lines"]`` holds the file row number of each of its rows.
    """
    fields = TABLE_ROWS[name].model_fields
    if is_workbook(path):  # one sheet per table (config.spreadsheet)
        rows = workbook_rows(path, name, display)
        display = f"{display} [sheet {name}]"
    else:
        rows = _read_rows(path, display, list(fields))
    rows, trailing = trim_trailing(rows, display)
    (_, header), body = rows[0], rows[1:]
    collector = ProblemCollector()
    collector.extend(trailing)
    collector.extend(_header_problems(header, fields, display))
    ragged = [(n, cells) for n, cells in body if len(cells) != len(header)]
    for n, cells in ragged[:MAX_RAGGED_ROWS]:
        collector.add(
            display,
            f"row {n}",
            f"{len(cells)} values, expected {len(header)} "
            "(one per column of the header; is a comma missing, extra or unquoted?)",
        )
    if len(ragged) > MAX_RAGGED_ROWS:
        collector.add(
            display,
            "",
            f"... and {len(ragged) - MAX_RAGGED_ROWS} more rows with the wrong number of values",
        )
    collector.raise_if_any()
    if not body and name not in MAY_BE_EMPTY:
        raise input_error(display, "", "table has a header but no rows: expected at least one row")
    lines = [n for n, _ in body]
    records = [{k: (v or None) for k, v in zip(header, cells, strict=True)} for _, cells in body]
    collector.extend(normalise(name, records, lines, display))
    collector.raise_if_any()
    return validate_table(name, records, lines, display)


def table_row_label(name: str, records: list[dict[str, Any]], lines: list[int]) -> RowLabel:
    """``row 5 (part=H20, market=china), column units``: a table row by line number and key."""
    keys = TABLE_KEYS[name]

    def row_label(i: int, rest: list[Any]) -> str:
        cells = {k: records[i].get(k) for k in keys}
        ident = ", ".join(f"{k}={v}" for k, v in cells.items() if v is not None and v != "")
        col = f", column {rest[0]}" if rest else ""
        return f"row {lines[i]}" + (f" ({ident})" if ident else "") + col

    return row_label


def validate_table(
    name: str,
    records: list[dict[str, Any]],
    lines: list[int],
    display: str,
    row_label: RowLabel | None = None,
    row_file: Callable[[int], str] | None = None,
) -> pd.DataFrame:
    """Validate a table's rows with its row schema; return a typed DataFrame.

    ``records[i]`` is row i as {column: value} (None for an empty cell): the text cells of a
    CSV file, or the values after a scenario's edits, which are checked the same way.
    ``lines[i]`` is the row's number in the file (kept in ``attrs["lines"]``).  Problems name
    the row with ``row_label`` (default :func:`table_row_label`) and blame ``row_file(i)``
    (default ``display``).  A key given twice is an error.
    """
    row_model = TABLE_ROWS[name]
    fields = row_model.model_fields
    keys = TABLE_KEYS[name]
    label = row_label or table_row_label(name, records, lines)
    parsed = _validate_rows(row_model, records, lines, display, label, row_file)
    frame = pd.DataFrame.from_records([r.model_dump() for r in parsed], columns=list(fields))
    collector = ProblemCollector()
    first: dict[tuple[Any, ...], int] = {}
    for i, key in enumerate(frame[list(keys)].itertuples(index=False, name=None)):
        if key in first:
            collector.add(
                row_file(i) if row_file is not None else display,
                label(i, []),
                f"duplicate {'/'.join(keys)}: row "
                f"{lines[first[key]]} has the same; expected one row per {'/'.join(keys)}",
            )
        else:
            first[key] = i
    collector.raise_if_any()
    frame.attrs[LINES_ATTR] = lines
    return frame


CHUNK_ROWS = 2000  # rows validated at a time; checking stops once a file has enough problems


def _validate_rows(
    row_model: type[BaseModel],
    records: list[dict[str, Any]],
    lines: list[int],
    display: str,
    label: RowLabel,
    row_file: Callable[[int], str] | None,
) -> list[BaseModel]:
    """Validate rows a chunk at a time; stop after MAX_PROBLEMS_PER_FILE problems, so a
    huge bad file costs time and memory in proportion to the rows read, not its errors."""
    fields = row_model.model_fields
    adapter: TypeAdapter[list[BaseModel]] = TypeAdapter(list[row_model])  # type: ignore[valid-type]
    parsed: list[BaseModel] = []
    problems: list[Problem] = []
    for start in range(0, len(records), CHUNK_ROWS):
        chunk = [
            {k: v for k, v in r.items() if v is not None or fields[k].is_required()}
            for r in records[start : start + CHUNK_ROWS]
        ]
        try:
            parsed += adapter.validate_python(chunk)
        except ValidationError as exc:

            def shifted(i: int, rest: list[Any], start: int = start) -> str:
                return label(start + i, rest)

            def blamed(i: int, start: int = start) -> str:
                return row_file(start + i) if row_file is not None else display

            problems += validation_problems(exc, display, shifted, row_model, row_file=blamed)
        end = start + CHUNK_ROWS
        if len(problems) > MAX_PROBLEMS_PER_FILE and end < len(records):
            note = Problem(
                display,
                f"rows {lines[end]}-{lines[-1]}",
                "not checked: too many problems above (fix those first)",
            )
            keep = MAX_PROBLEMS_PER_FILE - 1  # the note is listed, the rest counted
            problems = [*problems[:keep], note, *problems[keep:]]
            break
    if problems:
        raise InputError(problems)
    return parsed
