"""run(): load -> tables -> build -> solve -> results -> write.  The CLI calls only this.

Python users call the same functions::

    from capplan.pipeline import solve
    run = solve("models/base.yaml", write=False)
    run.tables["investments"], run.summary["kpis"]["npv_rmb_m"]
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from capplan import __version__
from capplan.backends import get_backend
from capplan.backends.base import Result, SolveOptions, Status
from capplan.config.loader import Config, load_config
from capplan.data.tables import Tables, build_tables
from capplan.errors import ExitCode, InputError, Problem
from capplan.io import check_writable, default_run_dir, write_run
from capplan.model.build import Model, build_model
from capplan.results import tables as rt
from capplan.results.explain import Explanation, explain_infeasible
from capplan.results.kpis import kpis
from capplan.results.marginal import marginal_values
from capplan.results.money import money_summary, money_tables

EXIT_FOR_STATUS = {
    Status.OPTIMAL: ExitCode.OPTIMAL,
    Status.FEASIBLE: ExitCode.NOT_PROVEN,
    Status.INFEASIBLE: ExitCode.INFEASIBLE,
    Status.UNBOUNDED: ExitCode.INFEASIBLE,
    Status.INFEASIBLE_OR_UNBOUNDED: ExitCode.INFEASIBLE,
    Status.NO_SOLUTION: ExitCode.SOLVER_ERROR,
    Status.ERROR: ExitCode.SOLVER_ERROR,
}


@dataclass
class Run:
    """What one solve produced: the result, the tables, the summary and where it went."""

    config: Config
    model: Model
    result: Result
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None
    explanation: Explanation | None = None  # why it is infeasible (results/explain.py)

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
    config = load_config(model_path, scenarios, sets, allow_outside)
    if strict and config.warnings:
        raise InputError(config.warnings)
    return config, build_tables(config)


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
    strict: bool = False,
) -> Run:
    """Solve a model and (unless ``write=False``) write its run folder.

    Settings given here override the model file's ``solver`` section.  The run folder is
    ``out`` if given (an existing one is replaced only with ``force``), else
    ``<outputs_dir>/<model name>[+<scenario>...]`` or the first free ``-2``, ``-3``... suffix.
    ``scenarios`` (names or paths) and ``sets`` (``key.path=value``) change the model as on
    the command line; ``allow_outside`` lets paths leave the project folder.
    ``on_stage(stage, detail)`` is called as each stage begins: ``load``, ``build``,
    ``solve``, ``extract`` and ``write`` (the CLI's progress display).
    ``export`` (a ``.mps`` or ``.lp`` path) writes the built program there before it is
    solved, so an infeasible model is exported too (:func:`capplan.mps.write_model_file`).
    """
    stage = on_stage or (lambda _stage, _detail: None)
    if export is not None:
        check_export_path(export)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    stage("load", "")
    config, tables = load(model_path, scenarios, sets, allow_outside, strict)
    times["load_s"] = time.perf_counter() - t0

    settings = config.model.solver
    name = backend or settings.backend
    options = SolveOptions(
        time_limit_s=time_limit_s if time_limit_s is not None else settings.time_limit_s,
        mip_gap=mip_gap if mip_gap is not None else settings.mip_gap,
        threads=settings.threads,
        seed=settings.seed,
    )
    out_dir: Path | None = None
    if write:
        out_dir = Path(out) if out is not None else default_run_dir(Path(outputs_dir), config.label)
        check_writable(out_dir, force)

    t0 = time.perf_counter()
    stage("build", "")
    model = build_model(tables)
    times["build_s"] = time.perf_counter() - t0
    if export is not None:
        stage("export", str(export))
        export_model(model, export)

    solver = get_backend(name)
    t0 = time.perf_counter()
    limit = options.time_limit_s
    stage("solve", f"{name}, " + (f"time limit {limit:g} s" if limit else "no time limit"))
    result = solver.solve(model.lp, options)
    times["solve_s"] = time.perf_counter() - t0

    run = Run(config, model, result)
    if result.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        stage("explain", "smallest violations")
        run.explanation = explain_infeasible(model, name, options, config.scenarios)
    t0 = time.perf_counter()
    stage("extract", "")
    mv_info: dict[str, Any] = {}
    if result.status.has_solution and result.x is not None:
        x = _integral(model, result.x)
        run.tables = result_tables(model, x)
        mv = marginal_values(model, x, name, replace(options, time_limit_s=None))
        run.tables["marginal_values"] = mv.table
        mv_info = {
            "method": mv.method,
            "lp_backend": mv.lp_result.backend,
            "lp_status": str(mv.lp_result.status),
            "lp_objective": mv.lp_result.objective,
            "lp_solve_s": round(mv.lp_result.solve_time_s, 6),
        }
    times["extract_s"] = time.perf_counter() - t0
    run.summary = summary(config, model, result, options, run.tables, times, mv_info)

    if write and out_dir is not None and result.status.has_solution:
        stage("write", "")
        run.out_dir = write_run(out_dir, run.tables, run.summary, force)
    return run


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


def _integral(model: Model, x: np.ndarray) -> np.ndarray:
    """Round integer columns of a MIP solution to exact whole numbers."""
    out = x.copy()
    mask = model.lp.integer
    out[mask] = np.round(out[mask])
    return out


def result_tables(model: Model, x: np.ndarray) -> dict[str, pd.DataFrame]:
    """Every result table of a plan, by file name."""
    return {
        "investments": rt.investments(model, x),
        "capacity": rt.capacity(model, x),
        "fleet": rt.fleet(model, x),
        "demand": rt.demand(model, x),
        "serving": rt.serving(model, x),
        "training": rt.training(model, x),
        "campaigns": rt.campaigns(model, x),
        "budget": rt.budget(model, x),
        **money_tables(model, x),
    }


def _gap_at_most(result: Result, options: SolveOptions, is_mip: bool) -> float | None:
    """What the status proves about the gap, also when the solver gives no bound.

    HiGHS through OR-Tools says OPTIMAL only when its own gap is within ``mip_rel_gap``
    (set to the requested gap) but does not pass its dual bound through, so the gap is
    known to be at most the requested one; with a bound, the measured gap is the answer.
    """
    if result.gap is not None:
        return result.gap
    if result.status == Status.OPTIMAL:
        return options.mip_gap if is_mip else 0.0
    return None


def versions() -> dict[str, str]:
    out = {"capplan": __version__, "python": platform.python_version()}
    for pkg in ["ortools", "pulp", "pandas", "numpy", "scipy", "pydantic", "pyyaml"]:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def summary(
    config: Config,
    model: Model,
    result: Result,
    options: SolveOptions,
    tables: dict[str, pd.DataFrame],
    times: dict[str, float],
    marginal: dict[str, Any],
) -> dict[str, Any]:
    """Everything needed to trust and reproduce a run (written as summary.json)."""
    lp = model.lp
    out: dict[str, Any] = {
        "model": config.model.name,
        "model_file": str(config.model_path.name),
        "scenarios": list(config.scenarios),
        "set": list(config.settings),
        "input_hash": config.input_hash,
        "status": str(result.status),
        "message": result.message,
        "objective_kind": config.model.objective.kind,
        "objective_rmb_m": result.objective,
        "bound_rmb_m": result.bound,
        "gap": result.gap,
        "gap_at_most": _gap_at_most(result, options, lp.is_mip),
        "solver": {
            "backend": result.backend,
            "version": result.solver_version,
            "time_limit_s": options.time_limit_s,
            "mip_gap": options.mip_gap,
            "threads": options.threads,
            "seed": options.seed,
        },
        "size": {
            "variables": lp.num_vars,
            "integer_variables": lp.num_integer,
            "rows": lp.num_rows,
            "nonzeros": lp.num_nonzeros,
        },
        "times": {k: round(v, 6) for k, v in times.items()},
        "solver_times": {
            "fill_s": round(result.fill_time_s, 6),
            "solve_s": round(result.solve_time_s, 6),
            "extract_s": round(result.extract_time_s, 6),
        },
        "versions": versions(),
        "marginal_values": marginal,
    }
    if tables:
        pv = rt.present_values(model, _integral(model, result.x))  # type: ignore[arg-type]
        regions = model.tables.regions
        out["kpis"] = kpis(tables, pv, list(regions.index[regions["market"] == "china"]))
        out["present_values"] = {k: round(v, 6) for k, v in pv.items()}
        out["money"] = money_summary(tables, config.model.finance.residual_value)
    return out
