"""A plan's investment decisions read back onto a model's columns.

``investments.csv`` (a run folder's, or any table with its columns) says how many modules
(``data_centre``), which region entries (``region_entry``) and how many pods
(``accelerators``: ``quantity`` is pods) are bought in which period and region.  Mapped onto
the ``build``, ``enter`` and ``pods`` columns of a model by their labels, they serve as a
MIP start (``capplan solve --start RUN``) or as decisions to fix (the commit-now decisions of
a plan tested in other futures).  Columns the table does not name are zero in the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from capplan.errors import InputError, Problem
from capplan.model.build import Model

CATEGORY_BLOCK = {"data_centre": "build", "region_entry": "enter", "accelerators": "pods"}
COLUMNS = ("period", "region", "category", "part", "quantity")


@dataclass(frozen=True)
class Decisions:
    """Values for some integer columns of a model: ``ids`` (column numbers) and ``values``."""

    ids: np.ndarray
    values: np.ndarray

    def start(self, num_vars: int) -> np.ndarray:
        """A full-length start: these values, NaN elsewhere (for the solver to complete)."""
        x = np.full(num_vars, np.nan)
        x[self.ids] = self.values
        return x


def read_investments(folder: str | Path) -> pd.DataFrame:
    """A run folder's investments.csv (exit code 2 with the file named if it is not one)."""
    path = Path(folder) / "investments.csv"
    if not path.is_file():
        raise InputError(
            [Problem(str(folder), "investments.csv", "not found: expected a run folder")]
        )
    frame = pd.read_csv(path, dtype={"part": str}, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputError([Problem(str(path), "header", f"missing column(s) {', '.join(missing)}")])
    return frame


def investment_decisions(
    model: Model, investments: pd.DataFrame, *, periods: list[str] | None = None, source: str = ""
) -> Decisions:
    """The ``build``, ``enter`` and ``pods`` columns of every period (or of ``periods``).

    Every column of those blocks in those periods gets a value: the table's quantity, or
    0 where the table has no row.  A row whose region, part or period the model does not
    have as a column is an error naming the row (the plan cannot be carried over).
    """
    sets = model.params.sets
    wanted = list(sets["period"]) if periods is None else list(periods)
    ids: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for name in CATEGORY_BLOCK.values():
        block = model.lp.var_blocks[name]
        labels = block.index.get_level_values("period")
        keep = np.flatnonzero(np.isin(labels, wanted))
        ids.append(block.start + keep)
        values.append(np.zeros(len(keep)))
    at = {  # column number -> position in the concatenated arrays
        int(j): k for k, j in enumerate(np.concatenate(ids))
    }
    value = np.concatenate(values)
    problems = []
    for row in investments.itertuples(index=False):
        if str(row.period) not in wanted:
            continue
        block_name = CATEGORY_BLOCK.get(str(row.category))
        if block_name is None:
            continue
        block = model.lp.var_blocks[block_name]
        key = _key(block_name, str(row.region), str(row.part), str(row.period))
        try:
            loc = block.index.get_loc(key)
            if not isinstance(loc, int):
                raise KeyError(key)
        except KeyError:
            problems.append(
                Problem(
                    source or "investments",
                    f"row {row.period}, {row.region}, {row.category} {row.part}".rstrip(),
                    "the model has no such decision (region, part or period unknown, or not "
                    "allowed there)",
                )
            )
            continue
        value[at[block.start + loc]] = float(str(row.quantity))
    if problems:
        raise InputError(problems)
    return Decisions(np.concatenate(ids).astype(np.int64), value)


def _key(block: str, region: str, part: str, period: str) -> tuple[str, ...]:
    return (region, part, period) if block == "pods" else (region, period)
