"""``capplan runs list|show|diff|sql``: read the run store, as text for a terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from capplan.errors import InputError, Problem
from capplan.store import connect

LIST_COLUMNS = ["run_id", "kind", "created", "label", "status", "objective", "total", "complete"]


def _text(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "(no rows)"
    with pd.option_context(
        "display.max_rows", 500, "display.max_columns", 50, "display.width", 200
    ):
        return frame.to_string(index=False)


def list_runs(store: Path, kind: str | None = None) -> str:
    with connect(store, read_only=True) as con:
        where, args = ("WHERE kind = ?", [kind]) if kind else ("", [])
        frame = con.execute(
            f"SELECT {', '.join(LIST_COLUMNS)} FROM runs {where} ORDER BY created DESC, run_id",
            args,
        ).df()
    return _text(frame)


def _run(con: Any, run_id: str, store: Path) -> dict[str, Any]:
    found = con.execute(
        "SELECT * FROM runs WHERE run_id = ? OR run_id LIKE ? ORDER BY run_id",
        [run_id, run_id + "%"],
    ).df()
    exact = found[found["run_id"] == run_id]
    if len(exact) == 1:
        found = exact
    if len(found) != 1:
        what = "no run" if found.empty else f"{len(found)} runs ({', '.join(found['run_id'][:5])})"
        raise InputError([Problem(str(store), run_id, f"{what} match: expected one run id")])
    row: dict[str, Any] = {}
    for key, value in found.iloc[0].to_dict().items():
        if key in ("scenarios", "settings", "versions", "times", "kpis") and isinstance(value, str):
            row[str(key)] = json.loads(value)
        else:
            row[str(key)] = None if _missing(value) else value
    return row


def _missing(value: Any) -> bool:
    return isinstance(value, float) and value != value  # NaN: an empty cell


def show_run(store: Path, run_id: str) -> str:
    with connect(store, read_only=True) as con:
        row = _run(con, run_id, store)
        tables = con.execute(
            "SELECT name, length(csv) AS bytes FROM run_tables WHERE run_id = ? ORDER BY name",
            [row["run_id"]],
        ).df()
        counts = con.execute(
            "SELECT status, count(*) AS samples FROM samples WHERE run_id = ? GROUP BY status "
            "ORDER BY status",
            [row["run_id"]],
        ).df()
    lines = [
        f"{k}: {json.dumps(v, default=str) if isinstance(v, dict | list) else v}"
        for k, v in row.items()
    ]
    lines += ["", "tables:", _text(tables)]
    if not counts.empty:
        lines += ["", "samples:", _text(counts)]
    return "\n".join(lines)


def _flat(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out[prefix] = value


def diff_runs(store: Path, a: str, b: str) -> str:
    """Every field, setting, version and KPI that differs between two runs."""
    with connect(store, read_only=True) as con:
        ra, rb = _run(con, a, store), _run(con, b, store)
    fa: dict[str, Any] = {}
    fb: dict[str, Any] = {}
    _flat("", {k: v for k, v in ra.items() if k not in ("run_id", "created")}, fa)
    _flat("", {k: v for k, v in rb.items() if k not in ("run_id", "created")}, fb)
    rows = [
        {"field": k, ra["run_id"]: fa.get(k), rb["run_id"]: fb.get(k)}
        for k in sorted(set(fa) | set(fb))
        if fa.get(k) != fb.get(k)
    ]
    return _text(pd.DataFrame(rows)) if rows else "no differences"


def run_sql(store: Path, query: str) -> str:
    import duckdb

    with connect(store, read_only=True) as con:
        try:
            frame = con.execute(query).df()
        except duckdb.Error as exc:
            raise InputError([Problem("command line", "QUERY", str(exc).splitlines()[0])]) from None
    return _text(frame)
