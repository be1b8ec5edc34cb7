"""Scenario edits of input tables: set, scale or add to the rows that match a selection.

An edit names a table, a selection (``where``) and what to do to the matched rows::

    {table: supply, where: {part: [H20, H100], market: china}, set: {units: 0}}
    {table: demand, where: {zone: SEA, period: {from: FY2027}}, scale: {demand_zflop: 1.5}}
    {table: regions, where: {region: Mexico}, add: {lead_time_months: 12}}

The selection is checked: an unknown column or value, or a selection that matches no row,
is an error naming the scenario file and the edit's key path.  Key columns cannot be
changed.  An empty cell (no limit) stays empty when scaled or added to.  Edited tables
are validated again by the same row schema as the files (:func:`readers.validate_table`),
and the loader cross-checks them as it does the files.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import ConfigDict, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from capplan.config.checks import unknown_name
from capplan.config.layers import Scenario
from capplan.config.readers import (
    LINES_ATTR,
    table_row_label,
    validate_table,
    validation_problems,
)
from capplan.config.rows import NOTES_ATTR, add_rows, remove_rows
from capplan.config.schema import TABLE_KEYS, TABLE_ROWS, PeriodRange, RowRemoval, TableEdit
from capplan.errors import InputError, Problem, ProblemCollector

Kind = Literal["text", "number", "bool"]
_STRICT = ConfigDict(strict=True, allow_inf_nan=False)
MAX_SHOWN = 12  # values listed in a message


def apply_edits(
    tables: dict[str, pd.DataFrame],
    scenarios: Sequence[Scenario],
    periods: list[str],
    names: dict[str, str],
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Apply every scenario's removals, added rows and edits, in that order, scenario by
    scenario; validate the changed tables again (:mod:`capplan.config.rows`).

    Returns the tables and their display names (a changed table is shown as
    ``<file> (edited by <scenario files>)`` in later messages).
    """
    collector = ProblemCollector()
    out = dict(tables)
    # per table and row: (scenario file, key path) of the scenario that made or changed it
    origins: dict[str, list[tuple[str, str] | None]] = {t: [None] * len(f) for t, f in out.items()}
    changed: set[str] = set()
    for scenario in scenarios:
        spec, file = scenario.spec, scenario.display
        for i, removal in enumerate(spec.remove):
            try:
                remove_rows(out, origins, removal, _selector(removal, periods, file, i))
            except InputError as exc:
                collector.extend(exc.problems)
            changed |= {removal.table, "eligibility", "supply"}
        if spec.add:
            try:
                added = {str(k): [dict(r) for r in v] for k, v in spec.add.items()}
                add_rows(out, origins, added, periods, file)
            except InputError as exc:
                collector.extend(exc.problems)
            changed |= {*spec.add, "eligibility", "supply", "demand"}
        for i, edit in enumerate(spec.edits):
            try:
                frame, rows = apply_edit(out[edit.table], edit, periods, file, i)
            except InputError as exc:
                collector.extend(exc.problems)
                continue
            out[edit.table] = frame
            for r in rows.tolist():
                origins[edit.table][r] = (file, f"edits[{i}]")
            changed.add(edit.table)
    collector.raise_if_any()
    shown = dict(names)
    for table in sorted(changed):
        by_row = {i: o for i, o in enumerate(origins[table]) if o is not None}
        if not by_row and len(out[table]) == len(tables[table]):
            continue
        try:
            out[table] = _revalidate(table, out[table], by_row, names[table])
        except InputError as exc:
            collector.extend(exc.problems)
        by = ", ".join(dict.fromkeys(file for file, _ in by_row.values()))
        shown[table] = f"{names[table]} (edited by {by or 'a scenario'})"
    collector.raise_if_any()
    return out, shown


def _selector(
    removal: RowRemoval, periods: list[str], file: str, index: int
) -> Callable[[pd.DataFrame], np.ndarray]:
    def select(frame: pd.DataFrame) -> np.ndarray:
        fields = TABLE_ROWS[removal.table].model_fields
        where = f"remove[{index}]"
        unknown = [
            unknown_name(file, f"{where}.where.{c}", f"column of {removal.table}", c, fields)
            for c in removal.where
            if c not in fields
        ]
        if unknown:
            raise InputError(unknown)
        return _select(frame, removal, fields, periods, file, where)

    return select


def apply_edit(
    frame: pd.DataFrame, edit: TableEdit, periods: list[str], file: str, index: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """One edit on one table: the edited copy and the positions of the rows it matched."""
    where = f"edits[{index}]"
    fields = TABLE_ROWS[edit.table].model_fields
    problems = _column_problems(edit, fields, file, where)
    try:
        mask = _select(frame, edit, fields, periods, file, where)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    out = frame.copy()
    out.attrs[LINES_ATTR] = frame.attrs.get(LINES_ATTR)
    for column, value in edit.set.items():
        _check_value(fields[column], value, file, f"{where}.set.{column}")
        if value is None:
            out[column] = out[column].astype(object)
        out.loc[mask, column] = value
    for column, factor in edit.scale.items():
        out[column] = out[column].astype(float)
        out.loc[mask, column] = out.loc[mask, column] * factor
    for column, amount in edit.add.items():
        out[column] = out[column].astype(float)
        out.loc[mask, column] = out.loc[mask, column] + amount
    return out, np.flatnonzero(mask)


def _column_problems(
    edit: TableEdit, fields: dict[str, FieldInfo], file: str, where: str
) -> list[Problem]:
    """Unknown columns, key columns changed, text scaled, a column changed twice, no change."""
    out: list[Problem] = []
    keys = TABLE_KEYS[edit.table]
    values = [c for c in fields if c not in keys]
    changes: dict[str, list[str]] = {
        "set": list(edit.set),
        "scale": list(edit.scale),
        "add": list(edit.add),
    }
    for part, columns in {"where": list(edit.where), **changes}.items():
        for column in columns:
            loc = f"{where}.{part}.{column}"
            if column not in fields:
                out.append(unknown_name(file, loc, f"column of {edit.table}", column, fields))
            elif part != "where" and column in keys:
                out.append(
                    Problem(
                        file,
                        loc,
                        f"{column} is a key column of {edit.table}: expected one of the "
                        f"columns that may change: {', '.join(values)}",
                    )
                )
            elif part in ("scale", "add") and _kind(fields[column]) != "number":
                out.append(
                    Problem(file, loc, f"{column} is not a number: expected a number column")
                )
    changed = [c for columns in changes.values() for c in columns]
    for column in sorted({c for c in changed if changed.count(c) > 1}):
        out.append(
            Problem(
                file,
                where,
                f"column {column} is changed twice: expected it in one of set, scale or add",
            )
        )
    if not changed:
        out.append(Problem(file, where, "nothing to change: expected set, scale or add"))
    return out


def _select(
    frame: pd.DataFrame,
    edit: TableEdit | RowRemoval,
    fields: dict[str, FieldInfo],
    periods: list[str],
    file: str,
    where: str,
) -> np.ndarray:
    """The rows that match every column of ``where``; an empty selection is an error."""
    problems: list[Problem] = []
    mask = np.ones(len(frame), dtype=bool)
    for column, wanted in edit.where.items():
        if column not in fields:  # reported by _column_problems
            continue
        loc = f"{where}.where.{column}"
        chosen: list[Any]
        if isinstance(wanted, PeriodRange):
            chosen, found = _period_range(wanted, column, periods, file, loc)
            problems += found
        else:
            items = wanted if isinstance(wanted, list) else [wanted]
            present = list(dict.fromkeys(v for v in frame[column] if not pd.isna(v)))
            chosen = []
            for j, item in enumerate(items):
                at = f"{loc}[{j}]" if isinstance(wanted, list) else loc
                problem = _value_problem(item, fields[column], column, present, periods, file, at)
                if problem is None:
                    chosen.append(item)
                else:
                    problems.append(problem)
        mask &= frame[column].isin(chosen).to_numpy()
    if problems:
        raise InputError(problems)
    if not mask.any():
        raise InputError(
            [
                Problem(
                    file,
                    f"{where}.where",
                    f"matches no row of {edit.table}: expected a selection that matches at "
                    "least one row (each value exists, but not together)",
                )
            ]
        )
    return mask


def _value_problem(
    value: Any,
    info: FieldInfo,
    column: str,
    present: list[Any],
    periods: list[str],
    file: str,
    where: str,
) -> Problem | None:
    """A selection value of the wrong type, or one that no row has."""
    kind = _kind(info)
    if kind != _kind_of_value(value):
        hint = " (YAML read it as a number: put it in quotes)" if kind == "text" else ""
        expected = {"text": "text", "number": "a number", "bool": "true or false"}[kind]
        return Problem(file, where, f"expected {expected}, got {value!r}{hint}")
    if value in present:
        return None
    if column == "period" and value not in periods:
        return unknown_name(file, where, "period", value, periods, "horizon.periods")
    if kind == "number":
        shown = ", ".join(f"{v:g}" for v in present[:MAX_SHOWN])
        more = f" ... ({len(present)} in all)" if len(present) > MAX_SHOWN else ""
        return Problem(
            file, where, f"no row has {column} {value:g}; expected one of: {shown}{more}"
        )
    return unknown_name(file, where, column, str(value), [str(v) for v in present])


def _period_range(
    wanted: PeriodRange, column: str, periods: list[str], file: str, where: str
) -> tuple[list[str], list[Problem]]:
    """The periods of ``{from, to}`` in horizon order, or the problems with it."""
    if column != "period":
        return [], [
            Problem(file, where, "a range {from, to} selects periods: expected it only for period")
        ]
    problems = [
        unknown_name(file, f"{where}.{key}", "period", label, periods, "horizon.periods")
        for key, label in (("from", wanted.from_), ("to", wanted.to))
        if label is not None and label not in periods
    ]
    if problems:
        return [], problems
    first = periods.index(wanted.from_) if wanted.from_ is not None else 0
    last = periods.index(wanted.to) if wanted.to is not None else len(periods) - 1
    if first > last:
        return [], [
            Problem(
                file, where, f"from {wanted.from_} is after to {wanted.to}: expected from <= to"
            )
        ]
    return periods[first : last + 1], []


def _check_value(info: FieldInfo, value: Any, file: str, where: str) -> None:
    """A ``set`` value must have the column's type, strictly (YAML reads 1e6 as text)."""
    annotated: Any = (
        Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    )
    adapter: TypeAdapter[Any] = TypeAdapter(annotated, config=_STRICT)
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, file, locate=lambda loc: (file, where))) from None


def _kind(info: FieldInfo) -> Kind:
    """What a column holds: text, a number or true/false."""
    annotation = info.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is Annotated:  # an optional annotated column (NonNeg)
        annotation = typing.get_args(annotation)[0]
    if annotation is bool:
        return "bool"
    if annotation in (int, float):
        return "number"
    return "text"


def _kind_of_value(value: Any) -> Kind:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, int | float) else "text"


def _revalidate(
    table: str, frame: pd.DataFrame, touched: dict[int, tuple[str, str]], display: str
) -> pd.DataFrame:
    """Validate an edited table with its row schema; a bad row is blamed on its edit."""
    records = [{str(k): _cell(v) for k, v in row.items()} for row in frame.to_dict("records")]
    lines = list(frame.attrs[LINES_ATTR])
    base = table_row_label(table, records, lines)

    def row_label(i: int, rest: list[Any]) -> str:
        if i not in touched:
            return base(i, rest)
        if touched[i][1].startswith("add"):  # a new row: no file line to name
            return f"{touched[i][1]} -> {display} " + base(i, rest).split(" ", 2)[-1]
        return f"{touched[i][1]} -> {display} {base(i, rest)}"

    def row_file(i: int) -> str:
        return touched[i][0] if i in touched else display

    notes = frame.attrs.get(NOTES_ATTR)
    out = validate_table(table, records, lines, display, row_label, row_file)
    out.attrs[NOTES_ATTR] = notes or []
    return out


def _cell(value: Any) -> Any:
    """A DataFrame cell as a plain Python value, None for an empty cell."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
