"""Read a run folder back: the tables as written (raw text and typed) and summary.json.

The report and the Excel export show only what is in the run folder, so they read it
here rather than taking the numbers from a live solve.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from capplan.errors import InputError, Problem
from capplan.report.units import OPTIONAL_TABLES, PLAIN, TABLES, column_unit


@dataclass(frozen=True)
class RunData:
    """One run folder: ``tables`` typed (NaN for empty numeric cells, '' for empty text),
    ``raw`` the same cells exactly as written, and the parsed ``summary``."""

    path: Path
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    raw: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name


def _problem(path: Path, message: str) -> InputError:
    return InputError([Problem(str(path), "", message)])


def read_table(path: Path, table: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A result CSV as (typed, raw text) frames with the same rows and columns.

    The typed frame is derived from the raw text by the column's documented unit: keys
    and names stay text, flags become booleans, everything else is a number (NaN where
    the cell is empty).
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    typed = pd.DataFrame(index=raw.index)
    for col in raw.columns:
        unit = column_unit(table, col)
        if unit == "bool":
            typed[col] = raw[col] == "True"
        elif unit in PLAIN:
            typed[col] = raw[col].astype(object)
        else:
            typed[col] = pd.to_numeric(raw[col].replace("", None), errors="raise")
    return typed, raw


def read_run(path: str | Path) -> RunData:
    """Read a run folder written by ``capplan solve``; a bad folder is bad input (code 2)."""
    folder = Path(path)
    if not folder.is_dir():
        raise _problem(folder, "no such run folder (give a folder written by capplan solve)")
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise _problem(folder, "not a run folder: it has no summary.json")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _problem(summary_path, f"cannot be read as JSON ({exc})") from None
    if not isinstance(summary, dict) or "status" not in summary:
        raise _problem(summary_path, "is not a capplan summary (no status)")
    present = [t for t in TABLES if (folder / f"{t}.csv").is_file()]
    missing = [f"{t}.csv" for t in TABLES if t not in present and t not in OPTIONAL_TABLES]
    if missing:
        raise _problem(folder, f"not a complete run folder: missing {', '.join(missing)}")
    tables, raw = {}, {}
    for name in present:
        try:
            tables[name], raw[name] = read_table(folder / f"{name}.csv", name)
        except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
            raise _problem(folder / f"{name}.csv", f"cannot be read as CSV ({exc})") from None
        except pd.errors.EmptyDataError:
            raise _problem(folder / f"{name}.csv", "is empty (no header)") from None
    return RunData(folder, summary, tables, raw)


def summary_value(summary: dict[str, Any], key: str) -> Any:
    """The value at a dotted key of summary.json (``kpis.npv_rmb_m``); None if absent."""
    value: Any = summary
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted (key, value) pairs of a nested dict, in its key order."""
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            out += flatten(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out
