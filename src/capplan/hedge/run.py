"""``capplan hedge``: one plan across futures, as a library function.

    from capplan.hedge import hedge
    run = hedge("models/base.yaml", "models/futures/export_control.yaml", write=False)
    run.tables["commit_now"], run.summary["value_of_information"]["VSS"]

The base inputs are loaded once; each future is the model with its outcomes' overlays
applied in memory (:mod:`capplan.hedge.futures_model`); the futures are stacked into one
deterministic equivalent (:mod:`capplan.hedge.program`) and solved together with the
wait-and-see, mean-value and EEV solves (:mod:`capplan.hedge.values`).  The run folder
is written atomically (:mod:`capplan.hedge.outputs`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from capplan.backends.base import SolveOptions
from capplan.config.futures import Risk as RiskSpec
from capplan.config.futures import futures_path, load_futures
from capplan.errors import ExitCode
from capplan.hedge import outputs
from capplan.hedge.futures_model import build_futures
from capplan.hedge.mpsdir import read_mps_dir, write_mps_dir
from capplan.hedge.overlay import BaseInputs
from capplan.hedge.program import Member, Risk
from capplan.hedge.values import Hedge, Solved, run_solve, solve_hedge
from capplan.io import check_writable, default_run_dir
from capplan.model.build import build_model

Stage = Callable[[str, str], None]


@dataclass
class HedgeRun:
    """What a hedge produced: the solves, the tables, the summary and where they went."""

    result: Hedge
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None

    @property
    def exit_code(self) -> ExitCode:
        status = self.result.rp.status
        if status == "optimal":
            return ExitCode.OPTIMAL
        if status == "feasible":
            return ExitCode.NOT_PROVEN
        if status in ("infeasible", "unbounded", "infeasible_or_unbounded"):
            return ExitCode.INFEASIBLE
        return ExitCode.SOLVER_ERROR


def _risk(spec: RiskSpec | None, override: Risk | None) -> Risk:
    if override is not None:
        return override
    if spec is None:
        return Risk()
    return Risk(spec.cvar_alpha, spec.cvar_weight)


def hedge(
    model_path: str | Path,
    futures: str | Path,
    *,
    scenarios: Sequence[str] = (),
    sets: Sequence[str] = (),
    backend: str | None = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    risk: Risk | None = None,
    out: str | Path | None = None,
    outputs_dir: str | Path = "outputs",
    force: bool = False,
    write: bool = True,
    export_mps_dir: str | Path | None = None,
    on_stage: Stage | None = None,
    values: bool = True,
) -> HedgeRun:
    """Hedge a model across the futures of a futures file (see the module docstring).

    Solver settings override the model file's; ``risk`` overrides the futures file's.
    ``export_mps_dir`` also writes the futures as an mpi-sppy MPS directory.
    ``values=False`` solves the hedged plan only (no WS, EV, EEV, nor the base plan).
    """
    stage = on_stage or (lambda _s, _d: None)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    stage("load", "")
    base = BaseInputs.load(model_path, scenarios, sets)
    periods = list(base.config.model.horizon.periods)
    spec = load_futures(futures_path(futures, Path(model_path)), periods, Path(model_path))
    settings = base.config.model.solver
    name = backend or settings.backend
    options = SolveOptions(
        time_limit_s=time_limit_s if time_limit_s is not None else settings.time_limit_s,
        mip_gap=mip_gap if mip_gap is not None else settings.mip_gap,
        threads=threads if threads is not None else settings.threads,
        seed=settings.seed,
    )
    label = f"{base.config.label}+hedge-{spec.path.stem}"
    out_dir = None
    if write:
        out_dir = Path(out) if out is not None else default_run_dir(Path(outputs_dir), label)
        check_writable(out_dir, force)
    times["load_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    stage("build", f"{len(spec.futures)} futures")
    models = build_futures(base, spec)
    times["build_s"] = time.perf_counter() - t0
    if export_mps_dir is not None:
        write_mps_dir([m.member for m in models], export_mps_dir, force)
    t0 = time.perf_counter()
    result = solve_hedge(
        [m.member for m in models], name, options, _risk(spec.spec.risk, risk), stage, values
    )
    base_model = build_model(base.inputs.tables)
    base_solve = Solved("base", "not solved (values=False)", None, None, None, 0.0)
    if values:
        stage("deterministic", "the base plan, for comparison")
        base_solve = run_solve("base", base_model.lp, name, options)
    times["solve_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    stage("extract", "")
    kept = [m for m in models if m.member.probability > 0]
    tables = outputs.capplan_tables(kept, result, base_model, base_solve)
    summary = outputs.summary(result, options, name, times, base_solve)
    summary.update(
        {
            "model": base.config.model.name,
            "model_file": str(Path(model_path).name),
            "futures_file": spec.display,
            "scenarios": list(scenarios),
            "set": list(sets),
            "input_hash": base.config.input_hash,
            "futures_hash": outputs.file_hash(spec.path),
        }
    )
    times["extract_s"] = time.perf_counter() - t0
    summary["times"] = {k: round(v, 6) for k, v in times.items()}
    run = HedgeRun(result, tables, summary)
    if write and out_dir is not None and result.rp.x is not None:
        stage("write", "")
        run.out_dir = outputs.write(out_dir, tables, summary, force)
    return run


def hedge_mps_dir(
    folder: str | Path,
    *,
    backend: str = "highs",
    time_limit_s: float | None = None,
    mip_gap: float = 1e-6,
    threads: int = 1,
    risk: Risk | None = None,
    out: str | Path | None = None,
    force: bool = False,
    write: bool = True,
    export_mps_dir: str | Path | None = None,
    on_stage: Stage | None = None,
) -> HedgeRun:
    """Hedge a two-stage (or multi-stage) program read from an mpi-sppy MPS directory."""
    stage = on_stage or (lambda _s, _d: None)
    t0 = time.perf_counter()
    stage("load", str(folder))
    members: list[Member] = read_mps_dir(folder)
    if write and out is not None:
        check_writable(Path(out), force)
    if export_mps_dir is not None:
        write_mps_dir(members, export_mps_dir, force)
    options = SolveOptions(time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = solve_hedge(members, backend, options, risk, stage)
    solve_s = time.perf_counter() - t0
    tables = outputs.generic_tables(result)
    summary = outputs.summary(result, options, backend, {}, None)
    summary.update({"mps_dir": str(folder)})
    summary["times"] = {"load_s": round(load_s, 6), "solve_s": round(solve_s, 6)}
    run = HedgeRun(result, tables, summary)
    if write and out is not None and result.rp.x is not None:
        run.out_dir = outputs.write(Path(out), tables, summary, force)
    return run
