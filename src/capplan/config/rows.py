"""Scenario ``add:`` and ``remove:``: new rows in the input tables, and rows taken out.

A scenario adds whole rows by table::

    add:
      regions:
        - {region: Saudi Arabia, zone: GULF, market: overseas, currency: USD, ...}
      eligibility:
        - {part: H20, region: Saudi Arabia, allowed: true}

and removes the rows that match a selection (as an edit's ``where``)::

    remove:
      - {table: campaigns, where: {campaign: qwen-omni}}

Rows a new name needs and the scenario does not state get these defaults (:data:`DEFAULTS`):

* a new region or part: ``eligibility`` ``allowed: false`` for every pair with it;
* a new part: ``supply`` of 0 units (price premium 0) in every market and period;
* a new zone (the zone of a new region): ``demand`` of 0 ZFLOP (revenue 0) in every period.

Nothing else is filled in: a new currency still needs its ``exchange_rates`` rows, and the
cross-file checks say so.  Removing a region also removes its eligibility rows; removing a
part, its supply and eligibility rows.  Each default filled in is noted
(:func:`notes`, printed by ``capplan validate``) so that a planner sees what a new row
still lacks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from capplan.config.readers import LINES_ATTR
from capplan.config.schema import TABLE_KEYS, TABLE_ROWS, RowRemoval
from capplan.errors import InputError, Problem

NOTES_ATTR = "capplan_notes"  # DataFrame.attrs key: what the scenarios' defaults filled in
MARKETS = ("china", "overseas")
DEFAULTS: dict[str, dict[str, Any]] = {
    "eligibility": {"allowed": False},
    "supply": {"units": 0.0, "price_premium": 0.0},
    "demand": {"demand_zflop": 0.0, "revenue_rmb_per_zflop": 0.0},
}
Origin = tuple[str, str] | None  # (scenario file, key path) of a row a scenario made


def _frame_with(frame: pd.DataFrame, records: list[dict[str, Any]]) -> pd.DataFrame:
    """``frame`` with ``records`` appended (missing columns empty), its line numbers kept."""
    lines = list(frame.attrs.get(LINES_ATTR) or [])
    notes = list(frame.attrs.get(NOTES_ATTR) or [])
    cols = list(frame.columns)
    extra = pd.DataFrame.from_records(
        [{c: r.get(c) for c in cols} for r in records], columns=cols
    ).astype(object)
    out = pd.concat([frame.astype(object), extra], ignore_index=True)
    out.attrs[LINES_ATTR] = lines + [0] * len(records)
    out.attrs[NOTES_ATTR] = notes
    return out


def remove_rows(
    tables: dict[str, pd.DataFrame],
    origins: dict[str, list[Origin]],
    removal: RowRemoval,
    select: Callable[[pd.DataFrame], np.ndarray],
) -> None:
    """Remove the selected rows, and the eligibility/supply rows of removed regions/parts."""
    frame = tables[removal.table]
    mask = select(frame)
    key = TABLE_KEYS[removal.table][0]
    names = set(frame.loc[mask, key])
    _drop(tables, origins, removal.table, mask)
    if removal.table in ("regions", "parts"):
        for dependent in ("eligibility", "supply"):
            rows = tables[dependent]
            if key in rows.columns:
                _drop(tables, origins, dependent, rows[key].isin(names).to_numpy())


def _drop(
    tables: dict[str, pd.DataFrame], origins: dict[str, list[Origin]], table: str, mask: np.ndarray
) -> None:
    frame = tables[table]
    keep = ~mask
    lines = [n for n, k in zip(frame.attrs.get(LINES_ATTR) or [], keep, strict=True) if k]
    out = frame[keep].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    out.attrs[LINES_ATTR] = lines
    tables[table] = out
    origins[table] = [o for o, k in zip(origins[table], keep, strict=True) if k]


def add_rows(
    tables: dict[str, pd.DataFrame],
    origins: dict[str, list[Origin]],
    added: dict[str, list[dict[str, Any]]],
    periods: list[str],
    file: str,
) -> None:
    """Append a scenario's rows, then the default rows its new names need."""
    problems: list[Problem] = []
    before = {t: set(tables[t][TABLE_KEYS[t][0]]) for t in ("regions", "parts")}
    zones_before = set(tables["regions"]["zone"])
    for table, rows in added.items():
        fields = TABLE_ROWS[table].model_fields
        keys = TABLE_KEYS[table]
        existing = set(tables[table][list(keys)].itertuples(index=False, name=None))
        good = []
        for j, row in enumerate(rows):
            where = f"add.{table}[{j}]"
            unknown = [c for c in row if c not in fields]
            if unknown:
                problems.append(
                    Problem(
                        file,
                        where,
                        f"unknown column(s) {', '.join(map(str, unknown))}; expected columns "
                        f"of {table}: {', '.join(fields)}",
                    )
                )
                continue
            key = tuple(row.get(k) for k in keys)
            if key in existing:
                problems.append(
                    Problem(
                        file,
                        where,
                        f"{table} already has a row {'/'.join(map(str, key))}: expected a new "
                        "row (change an existing one with edits:, or remove: it first)",
                    )
                )
                continue
            existing.add(key)
            good.append({c: (None if v == "" else v) for c, v in row.items()})  # as in a CSV
            origins[table].append((file, where))
        tables[table] = _frame_with(tables[table], good)
    if problems:
        raise InputError(problems)
    new_regions = [r for r in tables["regions"]["region"] if r not in before["regions"]]
    new_parts = [p for p in tables["parts"]["part"] if p not in before["parts"]]
    new_zones = [z for z in dict.fromkeys(tables["regions"]["zone"]) if z not in zones_before]
    _fill_defaults(tables, origins, new_regions, new_parts, new_zones, periods, file)


def _fill_defaults(
    tables: dict[str, pd.DataFrame],
    origins: dict[str, list[Origin]],
    new_regions: list[str],
    new_parts: list[str],
    new_zones: list[str],
    periods: list[str],
    file: str,
) -> None:
    """Default rows for every combination a new name needs and the tables lack."""
    parts, regions = list(tables["parts"]["part"]), list(tables["regions"]["region"])
    wanted: dict[str, list[dict[str, Any]]] = {
        "eligibility": [
            {"part": p, "region": r}
            for p in parts
            for r in regions
            if p in new_parts or r in new_regions
        ],
        "supply": [
            {"part": p, "market": m, "period": t}
            for p in new_parts
            for m in MARKETS
            for t in periods
        ],
        "demand": [{"zone": z, "period": t} for z in new_zones for t in periods],
    }
    for table, combos in wanted.items():
        keys = TABLE_KEYS[table]
        have = set(tables[table][list(keys)].itertuples(index=False, name=None))
        missing = [c for c in combos if tuple(c[k] for k in keys) not in have]
        if not missing:
            continue
        frame = _frame_with(tables[table], [{**c, **DEFAULTS[table]} for c in missing])
        origins[table] += [(file, f"add (default {table} row)")] * len(missing)
        frame.attrs[NOTES_ATTR] = list(frame.attrs.get(NOTES_ATTR) or []) + _notes(
            table, missing, file, set(new_regions)
        )
        tables[table] = frame


def _notes(
    table: str, missing: list[dict[str, Any]], file: str, new_regions: set[str]
) -> list[str]:
    """One line per new name about the defaults it got."""
    defaults = ", ".join(f"{k}: {v}" for k, v in DEFAULTS[table].items())
    by: dict[str, int] = {}
    for row in missing:
        if table == "eligibility":
            name = f"region {row['region']}" if row["region"] in new_regions else None
            name = name or f"part {row['part']}"
        else:
            name = f"part {row['part']}" if table == "supply" else f"zone {row['zone']}"
        by[name] = by.get(name, 0) + 1
    hint = {
        "eligibility": "add eligibility rows with allowed: true where it may be used",
        "supply": "add supply rows for the units obtainable",
        "demand": "add demand rows for the zone's demand and revenue",
    }[table]
    return [
        f"{file}: {name}: {n} default {table} row(s) ({defaults}); {hint}" for name, n in by.items()
    ]


def notes(tables: dict[str, pd.DataFrame]) -> list[str]:
    """What the scenarios' defaults filled in, one line per table and new name."""
    out: list[str] = []
    for frame in tables.values():
        out += list(frame.attrs.get(NOTES_ATTR) or [])
    return out
