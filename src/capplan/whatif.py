"""What-if comparisons: gather plans (run folders, or scenarios solved on the fly), compare
them (:mod:`capplan.results.compare`) and write the comparison folder.  ``capplan compare``
calls only this module.

A plan is named on the command line by (the first that applies):

* an existing run folder written by ``capplan solve`` (its label is the folder's name);
* ``base``: the model with no scenario;
* scenario names or files joined by ``+`` (``nvidia_ban+demand_surge_sea``): the model
  with those scenarios applied in order, solved now;
* a model or scenario file (``.yaml``), solved now.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from capplan.config.layers import COMMAND_LINE
from capplan.errors import InputError, NoPlanError, Problem
from capplan.io import check_writable, default_run_dir, write_folder
from capplan.pipeline import Run, solve
from capplan.results.compare import TABLES, Comparison, Plan, compare
from capplan.results.compare.render import csv_tables, description, markdown

BASE = "base"  # the plan name for the model with no scenario
TEXT_COLUMNS = [  # columns of the run tables that hold names, not numbers
    "period",
    "region",
    "category",
    "part",
    "zone",
    "segment",
    "campaign",
    "market",
    "vendor",
    "family",
    "unit",
    "earliest",
    "deadline",
]


@dataclass(frozen=True)
class SolveSettings:
    """How plans named by scenario are solved (as ``capplan solve`` would)."""

    model: Path = Path("models/base.yaml")
    backend: str | None = None
    time_limit_s: float | None = None
    mip_gap: float | None = None
    sets: tuple[str, ...] = ()
    allow_outside: bool = False


def compare_plans(
    names: Sequence[str],
    settings: SolveSettings,
    on_plan: Callable[[str], None] | None = None,
) -> Comparison:
    """Gather the named plans (the first is the reference) and compare them."""
    if len(names) < 2:
        raise InputError([Problem(COMMAND_LINE, "PLANS", "expected at least two plans to compare")])
    repeated = sorted({n for n in names if list(names).count(n) > 1})
    if repeated:
        raise InputError(
            [
                Problem(
                    COMMAND_LINE,
                    "PLANS",
                    f"{', '.join(repeated)} given twice: expected each plan once",
                )
            ]
        )
    plans = []
    for name in names:
        if on_plan is not None:
            on_plan(name)
        plans.append(gather(name, settings))
    return compare(plans)


def gather(name: str, settings: SolveSettings) -> Plan:
    """One plan: read a run folder, or solve the model with the named scenarios."""
    path = Path(name)
    if path.is_dir():
        return read_run(path)
    if name.endswith((".yaml", ".yml")):
        return _solved(path.stem, path, [], settings)
    scenarios = [] if name == BASE else name.split("+")
    return _solved(name, settings.model, scenarios, settings)


def _solved(label: str, model: Path, scenarios: list[str], settings: SolveSettings) -> Plan:
    run = solve(
        model,
        backend=settings.backend,
        time_limit_s=settings.time_limit_s,
        mip_gap=settings.mip_gap,
        write=False,
        scenarios=scenarios,
        sets=settings.sets,
        allow_outside=settings.allow_outside,
    )
    source = " ".join([str(model), *(f"--scenario {s}" for s in scenarios)])
    return plan_of(run, label, source + "".join(f" --set {s}" for s in settings.sets))


def plan_of(run: Run, label: str, source: str = "") -> Plan:
    """A solved run as a plan to compare; a run with no plan is an error (its exit code)."""
    if not run.result.status.has_solution:
        lines = [f"{label}: {run.result.status}: {run.result.message}".rstrip(": ")]
        lines += run.explanation or ()
        raise NoPlanError("\n".join(lines), run.exit_code)
    return Plan(label, run.tables, run.summary, source)


def read_run(folder: Path) -> Plan:
    """A plan from a run folder written by ``capplan solve``."""
    missing = [f"{t}.csv" for t in TABLES if not (folder / f"{t}.csv").is_file()]
    if not (folder / "summary.json").is_file():
        missing.insert(0, "summary.json")
    if missing:
        raise InputError(
            [
                Problem(
                    str(folder),
                    "",
                    f"not a run folder: no {', '.join(missing)}; expected a folder written "
                    "by capplan solve",
                )
            ]
        )
    summary: dict[str, Any] = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    tables = {t: _read_csv(folder / f"{t}.csv") for t in TABLES}
    return Plan(folder.name, tables, summary, str(folder))


def _read_csv(path: Path) -> pd.DataFrame:
    """A run table as written: text columns as text ("" when empty), numbers as numbers."""
    frame = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=False)
    for column in frame.columns:
        if column not in TEXT_COLUMNS and frame[column].dtype == object:
            frame[column] = pd.to_numeric(frame[column].replace("", None))
    return frame


def write_comparison(
    comparison: Comparison,
    out: Path | None = None,
    outputs_dir: Path = Path("outputs"),
    force: bool = False,
) -> Path:
    """Write the comparison folder atomically: the CSV tables, compare.md, compare.json.

    The default folder is ``<outputs_dir>/compare-<reference>-vs-<plan>-...`` (or the first
    free ``-2``, ``-3``... suffix).
    """
    labels = [p.label for p in comparison.plans]
    target = out or default_run_dir(outputs_dir, f"compare-{labels[0]}-vs-{'-'.join(labels[1:])}")
    check_writable(target, force)
    return write_folder(
        target,
        csv_tables(comparison),
        force,
        json_files={"compare.json": description(comparison)},
        texts={"compare.md": markdown(comparison)},
    )
