"""``capplan solve``: the library's steps (:mod:`capplan.library`) plus the run folder.

Python users call the same function::

    from capplan.pipeline import solve
    run = solve("models/base.yaml", write=False)
    run.tables["investments"], run.summary["kpis"]["npv_rmb_m"]

or the steps themselves (load, edit, build, solve, analyse, write) from
:mod:`capplan.library`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from capplan import library
from capplan.backends.base import ProgressCallback, Result, Status
from capplan.config.loader import Config
from capplan.data.tables import Tables
from capplan.errors import ExitCode, InputError, Problem
from capplan.io import check_writable, next_free_name, write_run
from capplan.library import EXIT_FOR_STATUS, Plan, SolveRequest
from capplan.model.build import Model
from capplan.results.summary import result_tables, summary, versions

__all__ = ["EXIT_FOR_STATUS", "Run", "load", "result_tables", "solve", "summary", "versions"]


@dataclass
class Run:
    """One ``capplan solve``: the model, the solver's result, the plan and where it went."""

    config: Config
    model: Model
    result: Result
    plan: Plan
    out_dir: Path | None = None
    notes: list[str] = field(default_factory=list)  # warnings for stderr (not failures)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return self.plan.tables

    @property
    def summary(self) -> dict[str, Any]:
        return self.plan.summary

    @property
    def explanation(self) -> tuple[str, ...] | None:
        """For an infeasible model, the lines that explain it; else None."""
        return self.plan.explanation or None

    @property
    def exit_code(self) -> ExitCode:
        return EXIT_FOR_STATUS[self.result.status]


def load(
    model_path: str | Path,
    scenarios: Sequence[str] = (),
    sets: Sequence[str] = (),
    allow_outside: bool = False,
    strict: bool = False,
) -> tuple[Config, Tables]:
    """Validate a model file with its scenarios, ``--set`` values and inputs, and derive
    the model's tables (precedence: docs/scenarios.md).  ``strict``: a value outside its
    plausible range (``config.warnings``) is an error."""
    inputs = library.load(
        SolveRequest(model_path, tuple(scenarios), tuple(sets), None, allow_outside=allow_outside)
    )
    _check_strict(inputs.config, strict)
    return inputs.config, inputs.tables


def _check_strict(config: Config, strict: bool) -> None:
    if strict and config.warnings:
        raise InputError(config.warnings)


def solve(
    model_path: str | Path,
    *,
    backend: str | None = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    out: str | Path | None = None,
    outputs_dir: str | Path = "outputs",
    force: bool = False,
    write: bool = True,
    on_stage: Callable[[str, str], None] | None = None,
    scenarios: Sequence[str] = (),
    sets: Sequence[str] = (),
    allow_outside: bool = False,
    export: str | Path | None = None,
    progress: ProgressCallback | None = None,
    start: Plan | np.ndarray | str | Path | None = None,
    strict: bool = False,
    record: bool = True,
) -> Run:
    """Solve a model and (unless ``write=False``) write its run folder.

    Settings given here override the model file's ``solver`` section.  The run folder is
    ``out`` if given (an existing one is replaced only with ``force``), else
    ``<outputs_dir>/<model name>[+<scenario>...]`` or the first free ``-2``, ``-3``... suffix.
    ``scenarios`` (names or paths) and ``sets`` (``key.path=value``) change the model as on
    the command line; ``allow_outside`` lets paths leave the project folder.
    ``on_stage(stage, detail)`` is called as each stage begins: ``load``, ``build``,
    ``solve``, ``extract`` and ``write`` (the CLI's progress display); ``progress`` gets
    the solver's search state during the solve; ``start`` is a MIP start: a plan, column
    values, or a run folder whose investments are read back
    (:mod:`capplan.results.decisions`).
    ``export`` (a ``.mps`` or ``.lp`` path) writes the built program there before it is
    solved, so an infeasible model is exported too (:func:`capplan.mps.write_model_file`).
    A written run is queued for the run store ``<outputs_dir>/runs.duckdb`` unless
    ``record=False`` (:func:`capplan.store.queue_run`: recorded when the store is next
    opened); a queue that cannot be written is a note, not a failure.
    """
    stage = on_stage or (lambda _stage, _detail: None)
    if export is not None:
        check_export_path(export)
    req = SolveRequest(
        model_path,
        tuple(scenarios),
        tuple(sets),
        backend,
        time_limit_s,
        mip_gap,
        allow_outside=allow_outside,
    )
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    stage("load", "")
    inputs = library.load(req)
    _check_strict(inputs.config, strict)
    times["load_s"] = time.perf_counter() - t0
    options, name = req.options(inputs), req.backend_name(inputs)
    out_dir: Path | None = None
    next_free = None  # the default name moves on to -2, -3... if taken, even in a race
    if write:
        if out is None:
            next_free = next_free_name(Path(outputs_dir), inputs.config.label)
            out_dir = next_free(1)
        else:
            out_dir = Path(out)
        check_writable(out_dir, force)

    t0 = time.perf_counter()
    stage("build", "")
    model = library.build(inputs)
    times["build_s"] = time.perf_counter() - t0
    if export is not None:
        stage("export", str(export))
        export_model(model, export)

    if isinstance(start, str | Path):
        start = _start_from_run(model, Path(start))
    limit = options.time_limit_s
    stage("solve", f"{name}, " + (f"time limit {limit:g} s" if limit else "no time limit"))
    t0 = time.perf_counter()
    result = library.solve(model, options, backend=name, start=start, progress=progress)
    times["solve_s"] = time.perf_counter() - t0
    if result.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        stage("explain", "smallest violations")
    else:
        stage("extract", "")
    plan = library.analyse(model, result, options, config=inputs.config, times=times)
    run = Run(inputs.config, model, result, plan)
    if write and out_dir is not None and result.status.has_solution:
        stage("write", "")
        run.out_dir = write_run(out_dir, plan.tables, plan.summary, force, next_free)
        if record:
            run.notes += _record(run.out_dir, Path(outputs_dir) / "runs.duckdb")
    return run


def _record(folder: Path, store: Path) -> list[str]:
    """Queue the run folder for the run store (recorded when the store is next opened)."""
    from capplan.store import queue_run

    try:
        queue_run(folder, store, kind="solve")
    except OSError as exc:  # a read-only outputs folder...
        return [f"not queued for the run store {store}: {exc.strerror or exc}"]
    return []


def _start_from_run(model: Model, folder: Path) -> np.ndarray:
    """A MIP start from a run folder's investments (build, enter, pods of every period)."""
    from capplan.results.decisions import investment_decisions, read_investments

    decisions = investment_decisions(model, read_investments(folder), source=str(folder))
    return decisions.start(model.lp.num_vars)


def check_export_path(path: str | Path) -> None:
    """Fail before any work if ``path`` cannot take an exported program (exit code 2)."""
    from capplan.mps import model_file_format

    try:
        model_file_format(path)
    except ValueError as exc:
        raise InputError([Problem("command line", "--export", str(exc))]) from None
    parent = Path(path).parent
    if not parent.is_dir():
        raise InputError(
            [Problem("command line", "--export", f"folder {parent} not found: create it first")]
        )


def export_model(model: Model, path: str | Path) -> None:
    """Write the model's program to ``path`` (MPS or LP by suffix), atomically."""
    from capplan.mps import write_model_file

    try:
        write_model_file(model.lp, path)
    except OSError as exc:
        raise InputError(
            [Problem("command line", "--export", f"cannot write {path}: {exc.strerror or exc}")]
        ) from None
