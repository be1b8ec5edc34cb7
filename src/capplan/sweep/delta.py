"""A sample applied as a validated delta of the base inputs: the sweep's fast path.

:func:`capplan.library.edit` applies a scenario mapping the way a load from files does:
copy the composed model, validate the model file and the policy again, apply every
scenario's edits, validate each edited table whole, cross-check, derive every model
table.  A sweep's samples change a few numbers of a few tables, so :class:`Delta` (one
per worker process, over the loaded base inputs) does only what the sample touches, with
the same rules:

- an edit that sets, scales or adds to number columns over a selection of key columns
  (the usual sweep parameter) is applied with numpy at the rows the same selection
  (:func:`capplan.config.edits.apply_edit`, run once per selection and kept) matched, by
  the same arithmetic; any other edit goes through ``apply_edit`` itself;
- only the rows an edit touched are validated again, by the table's row schema (the
  others were validated when the base was loaded, and an edit cannot change a key);
- ``overrides`` are merged on a copy of the composed model, which is validated again;
- the cross-checks (:func:`capplan.config.checks.cross_check`) read only key and
  reference columns of ``supply``, ``demand`` and ``exchange_rates``, which no edit
  changes, so they run again only if another table, the horizon or the per-period budget
  changed;
- only the model tables that depend on a change are derived again (:data:`DERIVED`):
  a row of ``supply`` or ``demand`` feeds fixed rows of the derived table, found once.

Anything else (rows removed or added, a policy or ``inputs`` override, or any problem on
the way) returns ``None``: the caller then takes the full path, so a bad sample gets the
message a load gives.  The plausibility warnings of a load are not computed (a sweep
records none).  tests/test_sweep_delta.py shows both paths give equal tables and programs.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from capplan.config.checks import cross_check
from capplan.config.edits import apply_edit
from capplan.config.layers import Source, merge
from capplan.config.loader import Config
from capplan.config.readers import validate_yaml
from capplan.config.schema import TABLE_KEYS, TABLE_ROWS, ModelFile, ScenarioFile, TableEdit
from capplan.data.tables import Tables, _segments, build_tables
from capplan.errors import InputError
from capplan.library import Inputs

OVERLAY_KEYS = frozenset({"overrides", "edits", "description", "source"})
# input table -> the model tables (fields of Tables) derived from it alone; a change of a
# table not named here (regions, parts, eligibility, campaigns) derives every table again
DERIVED = {
    "supply": ("supply",),
    "demand": ("segments", "demand"),
    "exchange_rates": ("rmb_per_unit",),
}
CROSS_CHECKED_KEYS_ONLY = frozenset(DERIVED)  # tables whose cross-checks read keys only


class Fallback(Exception):
    """The delta path does not handle this sample: take the full path."""


class Delta:
    """Apply sample mappings to ``base`` as deltas (module docstring)."""

    def __init__(self, base: Inputs) -> None:
        self.base = base
        self._model_text = json.dumps(base.sources.comp.model)
        self._periods = [str(p) for p in base.config.model.horizon.periods]
        self._rows: dict[str, Any] = {}  # selection -> row positions
        self._adapters: dict[str, TypeAdapter[Any]] = {}
        self._maps: dict[str, Any] = {}  # derived table -> (positions, factors)

    def edit(self, mapping: Mapping[str, Any], label: str) -> Inputs | None:
        """``library.edit(base, mapping, label=label)`` as a delta, or None."""
        overrides = mapping.get("overrides") or {}
        if not set(mapping) <= OVERLAY_KEYS or {"policy", "inputs"} & set(overrides):
            return None
        body = {"extends": "(in memory)", **dict(mapping)}
        try:
            spec = validate_yaml(ScenarioFile, body, label)
            if spec.remove or spec.add:
                return None
            model = self._model(spec.overrides, label)
            tables = self._tables(spec.edits, label)
        except (InputError, Fallback):
            return None
        base = self.base.config
        changed = {t for t in tables if tables[t] is not base.tables[t]}
        per_period = model.budget.per_period_rmb_bn != base.model.budget.per_period_rmb_bn
        if (
            not changed <= CROSS_CHECKED_KEYS_ONLY
            or model.horizon != base.model.horizon
            or per_period
        ) and cross_check(model, base.policy, tables, {k: str(v) for k, v in base.files.items()}):
            return None
        extra = base.input_hash + "overlay:" + json.dumps(body, sort_keys=True, default=str)
        config = replace(
            base,
            model=model,
            tables=tables,
            input_hash=self._digest(extra),
            scenarios=(*base.scenarios, label),
            warnings=(),
        )
        return Inputs(config, self._derive(config, changed), self.base.sources)

    def _model(self, overrides: dict[str, Any], label: str) -> ModelFile:
        """The model file with ``overrides`` merged on and validated again."""
        if not overrides:
            return self.base.config.model
        mapping = json.loads(self._model_text)
        origin = dict(self.base.sources.comp.model_origin)
        merge(mapping, dict(overrides), Source(label, "overrides.", Path(f"<{label}>")), origin)
        model: ModelFile = validate_yaml(ModelFile, mapping, label)
        return model

    def _tables(self, edits: list[TableEdit], label: str) -> dict[str, pd.DataFrame]:
        """The base tables with the edits applied; the touched rows validated again."""
        tables = dict(self.base.config.tables)
        columns: dict[str, dict[str, np.ndarray]] = {}  # table -> edited number columns
        touched: dict[str, set[int]] = {}
        for i, edit in enumerate(edits):
            rows = self._selection(edit, label, i)
            frame = tables[edit.table]
            if rows is None:  # any other edit: as a load does
                if edit.table in columns:
                    frame = _with(frame, columns.pop(edit.table))
                frame, found = apply_edit(frame, edit, self._periods, label, i)
                tables[edit.table] = frame
                touched.setdefault(edit.table, set()).update(int(r) for r in found.tolist())
                continue
            cols = columns.setdefault(edit.table, {})
            for column, value in edit.set.items():
                cols.setdefault(column, frame[column].to_numpy(dtype=float, copy=True))[rows] = (
                    value
                )
            for column, factor in edit.scale.items():
                arr = cols.setdefault(column, frame[column].to_numpy(dtype=float, copy=True))
                arr[rows] = arr[rows] * factor
            for column, amount in edit.add.items():
                arr = cols.setdefault(column, frame[column].to_numpy(dtype=float, copy=True))
                arr[rows] = arr[rows] + amount
            touched.setdefault(edit.table, set()).update(rows.tolist())
        for table, cols in columns.items():
            tables[table] = _with(tables[table], cols)
        for table, positions in touched.items():
            self._check_rows(table, tables[table], sorted(positions))
        return tables

    def _selection(self, edit: TableEdit, label: str, index: int) -> np.ndarray | None:
        """The rows ``edit`` selects, found once per selection (by ``apply_edit``) if the
        edit changes float columns by numbers over a selection of key columns, else None."""
        frame = self.base.config.tables[edit.table]
        if not set(edit.where) <= set(TABLE_KEYS[edit.table]) or not _numeric(edit, frame):
            return None  # a selection on a value column may change with the values
        columns = sorted({*edit.set, *edit.scale, *edit.add})
        key = json.dumps([edit.table, edit.model_dump(mode="json")["where"], columns])
        if key not in self._rows:
            probe = edit.model_copy(
                update={"set": {}, "add": {}, "scale": dict.fromkeys(columns, 1.0)}
            )
            try:
                self._rows[key] = apply_edit(frame, probe, self._periods, label, index)[1]
            except InputError:
                raise Fallback from None
        rows: np.ndarray = self._rows[key]
        return rows

    def _check_rows(self, table: str, frame: pd.DataFrame, rows: list[int]) -> None:
        """Validate rows ``rows`` of ``frame`` by the table's row schema (as a load does)."""
        row_model = TABLE_ROWS[table]
        adapter = self._adapters.get(table)
        if adapter is None:
            adapter = self._adapters[table] = TypeAdapter(list[row_model])  # type: ignore[valid-type]
        fields = row_model.model_fields
        records = [
            {
                str(k): c
                for k, v in r.items()
                if (c := _cell(v)) is not None or fields[str(k)].is_required()
            }
            for r in frame.iloc[rows].to_dict("records")
        ]
        try:
            adapter.validate_python(records)
        except ValidationError:
            raise Fallback from None

    def _digest(self, extra: str) -> str:
        """The input hash :func:`capplan.config.loader.assemble` gives the edited inputs."""
        comp = self.base.sources.comp
        digest = hashlib.sha256(self.base.sources.file_hash.encode())
        for i, text in enumerate(comp.sets):
            digest.update(f"set-{i:03d}".encode())
            digest.update(text.encode())
        digest.update(extra.encode())
        return digest.hexdigest()

    def _derive(self, config: Config, changed: set[str]) -> Tables:
        """The model tables: the base's, with those that depend on a change derived again."""
        base = self.base.tables
        old = self.base.config.model
        if config.model is not old and config.model.model_dump(
            exclude={"budget"}
        ) != old.model_dump(exclude={"budget"}):
            return build_tables(config)
        if not changed <= set(DERIVED):
            return build_tables(config)
        update: dict[str, Any] = {}
        t = config.tables
        if "supply" in changed:
            update["supply"] = self._mapped("supply", t["supply"], base.supply)
        if "demand" in changed:
            update["demand"] = self._mapped("demand", t["demand"], base.demand)
        if "exchange_rates" in changed:
            fx = t["exchange_rates"].pivot(index="currency", columns="period", values="per_usd")
            fx = fx[list(base.periods)]
            rmb = fx.loc["CNY"] / fx
            rmb.columns.name = "period"
            update["rmb_per_unit"] = rmb
        if config.model.budget != old.budget:
            per = config.model.budget.per_period_rmb_bn
            update["budget_total_m"] = config.model.budget.total_rmb_bn * 1e3
            update["budget_period_m"] = pd.Series(
                [per[p] * 1e3 if per is not None else math.inf for p in base.periods],
                index=base.periods,
                name="budget_rmb_m",
            )
        return replace(base, **update)

    def _mapped(self, name: str, raw: pd.DataFrame, derived: pd.DataFrame) -> pd.DataFrame:
        """``derived`` (the base's model table of input table ``name``) with the number
        columns of ``raw`` carried over: row j of it is row ``source[j]`` of the input
        table, times ``factor[j]`` for demand (the segment's share)."""
        if name not in self._maps:
            self._maps[name] = self._row_map(name)
        source, factor = self._maps[name]
        out = derived.copy()
        for column in derived.columns:
            values = raw[column].to_numpy()[source]
            if column == "demand_zflop":
                values = values * factor
            out[column] = values.astype(derived[column].dtype)
        return out

    def _row_map(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Which input row each row of a derived table comes from, by deriving the base's
        table again with row numbers as values."""
        raw = self.base.config.tables[name]
        pos = raw.assign(**{c: np.arange(len(raw), dtype=float) for c in _NUMBERS[name]})
        if name == "supply":
            out = pos.set_index(["part", "market", "period"]).sort_index()
            return out["units"].to_numpy().astype(int), np.ones(len(out))
        segments, out = _segments(
            pos, self.base.config.policy.state_share, self.base.tables.periods
        )
        share = segments["share"].reindex(out.index.get_level_values("segment")).to_numpy()
        return out["revenue_rmb_per_zflop"].to_numpy().astype(int), share


_NUMBERS = {"supply": ("units",), "demand": ("demand_zflop", "revenue_rmb_per_zflop")}


def _numeric(edit: TableEdit, frame: pd.DataFrame) -> bool:
    """An edit of float columns by numbers only (no empty value set)."""
    changes = {**edit.set, **edit.scale, **edit.add}
    return all(
        frame[c].dtype == np.float64 and isinstance(v, int | float) and not isinstance(v, bool)
        for c, v in changes.items()
    )


def _with(frame: pd.DataFrame, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    out = frame.copy()
    out.attrs = dict(frame.attrs)
    for column, values in columns.items():
        out[column] = values
    return out


def _cell(value: Any) -> Any:
    """A DataFrame cell as a plain Python value, None for an empty cell."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
