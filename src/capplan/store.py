"""The run store: one DuckDB file (``outputs/runs.duckdb``) indexing every run.

It records every solve, hedge, sweep and evaluation (table ``runs``: kind, run id, inputs
hash, scenarios, settings, versions, status, objective, bound, gap, times, KPIs), their
tables (``run_tables``: one CSV text per table), and each sweep or evaluation sample
(``samples``, ``sample_periods``).  A run folder stays the unit a planner opens; the
store is the index across them.

One writer: the coordinating process, never a worker.  DuckDB lets one process open a file
for writing, so the writer opens it for one transaction per batch and closes it again;
readers (``capplan runs``) open it read-only between batches, waiting briefly while a
batch is written.  A batch is one transaction: a killed writer leaves every committed
batch whole and no part of the batch it was writing.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from capplan.errors import InputError, Problem

DEFAULT_STORE = Path("outputs/runs.duckdb")
WAIT_S = 30.0  # how long to wait for another process's batch to finish
_READY: set[str] = set()  # store files whose tables this process has made sure of

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, created VARCHAR NOT NULL,
        label VARCHAR, model VARCHAR, model_file VARCHAR, inputs_hash VARCHAR,
        scenarios VARCHAR, settings VARCHAR, versions VARCHAR, status VARCHAR,
        objective DOUBLE, bound DOUBLE, gap DOUBLE, times VARCHAR, kpis VARCHAR,
        folder VARCHAR, sweep_key VARCHAR, total INTEGER, complete BOOLEAN)""",
    """CREATE TABLE IF NOT EXISTS run_tables (
        run_id VARCHAR NOT NULL, name VARCHAR NOT NULL, csv VARCHAR NOT NULL,
        PRIMARY KEY (run_id, name))""",
    """CREATE TABLE IF NOT EXISTS samples (
        run_id VARCHAR NOT NULL, sample INTEGER NOT NULL, inputs VARCHAR, status VARCHAR,
        objective DOUBLE, bound DOUBLE, gap DOUBLE, reason VARCHAR, kpis VARCHAR,
        free VARCHAR, attempts INTEGER, seconds DOUBLE, solve_s DOUBLE,
        PRIMARY KEY (run_id, sample))""",
    """CREATE TABLE IF NOT EXISTS sample_periods (
        run_id VARCHAR NOT NULL, sample INTEGER NOT NULL, period VARCHAR NOT NULL,
        capex_rmb_m DOUBLE, fleet_pflops DOUBLE, fleet_units DOUBLE,
        PRIMARY KEY (run_id, sample, period))""",
]
RUN_COLUMNS = [
    "run_id",
    "kind",
    "created",
    "label",
    "model",
    "model_file",
    "inputs_hash",
    "scenarios",
    "settings",
    "versions",
    "status",
    "objective",
    "bound",
    "gap",
    "times",
    "kpis",
    "folder",
    "sweep_key",
    "total",
    "complete",
]


@contextmanager
def connect(path: str | Path, read_only: bool = False, wait_s: float = WAIT_S) -> Iterator[Any]:
    """A connection to the store, waiting up to ``wait_s`` while another process writes."""
    import duckdb

    path = Path(path)
    ingest_pending(path)  # runs queued by `capplan solve` since the store was last opened
    if read_only and not path.is_file():
        raise InputError([Problem(str(path), "", "no run store here; run a solve or sweep")])
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        key = str(path.resolve())
        if not read_only and key not in _READY:
            for statement in SCHEMA:
                con.execute(statement)
            _READY.add(key)
        yield con
    finally:
        con.close()


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


def put_run(
    path: str | Path,
    row: dict[str, Any],
    tables: dict[str, pd.DataFrame] | None = None,
    wait_s: float = WAIT_S,
) -> None:
    """Insert or replace one run (and its tables) in one transaction."""
    values = [
        _json(row.get(c))
        if c in ("scenarios", "settings", "versions", "times", "kpis")
        else row.get(c)
        for c in RUN_COLUMNS
    ]
    with connect(path, wait_s=wait_s) as con:
        con.begin()
        con.execute("DELETE FROM runs WHERE run_id = ?", [row["run_id"]])
        con.execute(f"INSERT INTO runs VALUES ({', '.join('?' * len(RUN_COLUMNS))})", values)
        for name, frame in (tables or {}).items():
            con.execute(
                "DELETE FROM run_tables WHERE run_id = ? AND name = ?", [row["run_id"], name]
            )
            con.execute(
                "INSERT INTO run_tables VALUES (?, ?, ?)",
                [row["run_id"], name, frame.to_csv(index=False, lineterminator="\n")],
            )
        con.commit()


def put_samples(path: str | Path, run_id: str, rows: Sequence[dict[str, Any]]) -> None:
    """Record finished samples (and their per-period figures) in one transaction."""
    if not rows:
        return
    with connect(path) as con:
        con.begin()
        for r in rows:
            con.execute(
                "DELETE FROM samples WHERE run_id = ? AND sample = ?", [run_id, r["sample"]]
            )
            con.execute(
                "DELETE FROM sample_periods WHERE run_id = ? AND sample = ?", [run_id, r["sample"]]
            )
            con.execute(
                "INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    r["sample"],
                    _json(r.get("inputs")),
                    r.get("status"),
                    r.get("objective"),
                    r.get("bound"),
                    r.get("gap"),
                    r.get("reason") or "",
                    _json(r.get("kpis")),
                    _json(r.get("free")),
                    r.get("attempts", 1),
                    r.get("seconds"),
                    r.get("solve_s"),
                ],
            )
            periods = r.get("periods") or []
            if periods:
                con.executemany(
                    "INSERT INTO sample_periods VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        [
                            run_id,
                            r["sample"],
                            p["period"],
                            p["capex_rmb_m"],
                            p["fleet_pflops"],
                            p["fleet_units"],
                        ]
                        for p in periods
                    ],
                )
        con.commit()


def get_samples(con: Any, run_id: str) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """The recorded samples of a run (ordered by sample) and their per-period figures."""
    cur = con.execute("SELECT * FROM samples WHERE run_id = ? ORDER BY sample", [run_id])
    names = [d[0] for d in cur.description]
    rows = []
    for values in cur.fetchall():
        r = dict(zip(names, values, strict=True))
        for key in ("inputs", "kpis", "free"):
            r[key] = json.loads(r[key]) if r[key] else None
        rows.append(r)
    periods = con.execute(
        "SELECT sample, period, capex_rmb_m, fleet_pflops, fleet_units FROM sample_periods "
        "WHERE run_id = ? ORDER BY sample, rowid",
        [run_id],
    ).df()
    return rows, periods


def find_unfinished(path: str | Path, sweep_key: str) -> str | None:
    """The newest incomplete run with this sweep key, or None."""
    if not Path(path).is_file():
        return None
    with connect(path, read_only=True) as con:
        found = con.execute(
            "SELECT run_id FROM runs WHERE sweep_key = ? AND NOT complete "
            "ORDER BY created DESC, run_id DESC LIMIT 1",
            [sweep_key],
        ).fetchone()
    return None if found is None else str(found[0])


def pending_path(store: str | Path) -> Path:
    """The queue of run folders not yet recorded, beside the store."""
    store = Path(store)
    return store.with_name(store.name + ".pending")


def queue_run(folder: str | Path, store: str | Path = DEFAULT_STORE, kind: str = "solve") -> None:
    """Queue a run folder for the store: one line appended to ``<store>.pending``.

    This is what ``capplan solve`` does (a file append, no database work on the solve's
    path); the next process that opens the store records the queued folders first
    (:func:`ingest_pending`), so ``capplan runs`` always sees them.  Appending a short
    line is atomic, so solves running at once never mix their lines.
    """
    line = json.dumps({"folder": str(Path(folder).resolve()), "kind": kind}) + "\n"
    queue = pending_path(store)
    queue.parent.mkdir(parents=True, exist_ok=True)
    with queue.open("a", encoding="utf-8") as handle:
        handle.write(line)


def ingest_pending(store: str | Path) -> int:
    """Record every queued run folder that still exists; return how many were recorded.

    The queue is claimed by renaming it (one process wins; the others find nothing), so a
    folder is recorded once.  A queued folder that was deleted meanwhile is skipped.
    """
    queue = pending_path(store)
    if not queue.is_file():
        return 0
    claimed = queue.with_name(f"{queue.name}.{os.getpid()}")
    try:
        os.rename(queue, claimed)
    except FileNotFoundError:  # another process claimed it first
        return 0
    done = 0
    for line in claimed.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if (Path(entry["folder"]) / "summary.json").is_file():
            record_run(entry["folder"], store, kind=entry.get("kind"))
            done += 1
    claimed.unlink()
    return done


def record_run(
    folder: str | Path,
    store: str | Path = DEFAULT_STORE,
    kind: str | None = None,
    wait_s: float = WAIT_S,
) -> str:
    """Record a run folder written by ``capplan solve`` or ``capplan hedge`` (summary.json and
    its CSV tables); return its run id.  The folder's own files are all it reads."""
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    tables = {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted(folder.glob("*.csv"))
    }
    kind = kind or summary.get("kind") or ("hedge" if "commit_now" in tables else "solve")
    inputs_hash = str(summary.get("input_hash", ""))
    run_id = f"{kind}-{inputs_hash[:8]}-{now().replace(':', '').replace('-', '')}-{folder.name}"
    put_run(
        store,
        {
            "run_id": run_id,
            "kind": kind,
            "created": now(),
            "label": folder.name,
            "model": summary.get("model"),
            "model_file": summary.get("model_file"),
            "inputs_hash": inputs_hash,
            "scenarios": summary.get("scenarios", []),
            "settings": {"set": summary.get("set", []), "solver": summary.get("solver", {})},
            "versions": summary.get("versions", {}),
            "status": summary.get("status"),
            "objective": summary.get("objective_rmb_m"),
            "bound": summary.get("bound_rmb_m"),
            "gap": summary.get("gap"),
            "times": summary.get("times", {}),
            "kpis": summary.get("kpis", {}),
            "folder": str(folder.resolve()),
            "sweep_key": None,
            "total": None,
            "complete": True,
        },
        {name: frame for name, frame in tables.items()},
        wait_s=wait_s,
    )
    return run_id
