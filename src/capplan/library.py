"""capplan as a library: load -> edit -> build -> solve -> analyse -> write, step by step.

Every step takes and returns plain, picklable values (no solver objects), so a notebook or
a worker process can solve, change a number and re-solve, warm-started from the previous
plan, without touching the disk::

    from capplan.library import SolveRequest, load, edit, build, solve, analyse
    req = SolveRequest("models/base.yaml")
    inputs = load(req)
    model = build(inputs)
    plan = analyse(model, solve(model, req.options(inputs)), req.options(inputs))
    more = edit(inputs, sets=["budget.total_rmb_bn=480"])       # in memory
    model2 = build(more)
    plan2 = analyse(model2, solve(model2, req.options(more), start=plan.x), req.options(more))

``run(request)`` does load -> build -> solve -> analyse in one call; ``write(plan, folder)``
writes the run folder ``capplan solve`` writes (:mod:`capplan.pipeline` adds the folder
naming and the CLI's stages).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from capplan.backends import get_backend
from capplan.backends.base import ProgressCallback, Result, SolveOptions, Status
from capplan.config.layers import Scenario
from capplan.config.loader import Config, Sources, assemble, read_sources
from capplan.config.readers import validate_yaml
from capplan.config.schema import ScenarioFile
from capplan.data.tables import Tables, build_tables
from capplan.errors import ExitCode
from capplan.model.build import Model, build_model

EXIT_FOR_STATUS = {
    Status.OPTIMAL: ExitCode.OPTIMAL,
    Status.FEASIBLE: ExitCode.NOT_PROVEN,
    Status.INFEASIBLE: ExitCode.INFEASIBLE,
    Status.UNBOUNDED: ExitCode.INFEASIBLE,
    Status.INFEASIBLE_OR_UNBOUNDED: ExitCode.INFEASIBLE,
    Status.NO_SOLUTION: ExitCode.SOLVER_ERROR,
    Status.ERROR: ExitCode.SOLVER_ERROR,
    Status.UNVERIFIED: ExitCode.SOLVER_ERROR,
}
Stage = Callable[[str, str], None]


@dataclass(frozen=True)
class SolveRequest:
    """What to solve and how: the model file, scenarios, ``--set`` values and solver
    settings.  ``None`` settings take the model file's ``solver`` section."""

    model: str | Path = "models/base.yaml"
    scenarios: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()
    backend: str | None = None
    time_limit_s: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    seed: int | None = None
    allow_outside: bool = False

    def options(self, inputs: Inputs) -> SolveOptions:
        """The solver options: these settings over the model file's."""
        s = inputs.config.model.solver
        return SolveOptions(
            time_limit_s=self.time_limit_s if self.time_limit_s is not None else s.time_limit_s,
            mip_gap=self.mip_gap if self.mip_gap is not None else s.mip_gap,
            threads=self.threads if self.threads is not None else s.threads,
            seed=self.seed if self.seed is not None else s.seed,
        )

    def backend_name(self, inputs: Inputs) -> str:
        return self.backend or inputs.config.model.solver.backend


@dataclass(frozen=True)
class Inputs:
    """A validated model with its derived tables, and what was read to make it (so that
    :func:`edit` works in memory)."""

    config: Config
    tables: Tables
    sources: Sources

    @property
    def label(self) -> str:
        return self.config.label


@dataclass(frozen=True)
class Plan:
    """What a solve produced, as plain values: status, objective, bound and gap (in the
    program's sense, RMB million), the run folder's tables, summary.json as a mapping,
    the column values (for warm starts and fixing decisions) and, for an infeasible model,
    the lines that explain it."""

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    x: np.ndarray | None = None
    explanation: tuple[str, ...] = ()
    message: str = ""

    @property
    def exit_code(self) -> ExitCode:
        return EXIT_FOR_STATUS[self.status]

    @property
    def npv_rmb_m(self) -> float | None:
        kpis = self.summary.get("kpis") or {}
        value = kpis.get("npv_rmb_m")
        return None if value is None else float(value)


def load(request: SolveRequest | str | Path) -> Inputs:
    """Read and validate a model with its scenarios, ``--set`` values and input tables."""
    req = request if isinstance(request, SolveRequest) else SolveRequest(request)
    sources = read_sources(req.model, req.scenarios, req.sets, req.allow_outside)
    config = assemble(sources)
    return Inputs(config, build_tables(config), sources)


def edit(
    inputs: Inputs,
    overlay: Mapping[str, Any] | None = None,
    *,
    sets: Sequence[str] = (),
    label: str = "edit",
) -> Inputs:
    """``inputs`` with one more scenario layer and ``--set`` values, in memory.

    ``overlay`` is a scenario mapping (the keys of a scenario file: ``overrides``,
    ``edits``, ``description``, ``source``; no ``extends``), named ``label`` in messages and
    in the run label.  Everything is validated and cross-checked as a loaded model is; a
    change of ``inputs.*`` paths is refused (it would need the files read again: use
    :func:`load` with the scenario instead).
    """
    comp = replace(
        inputs.sources.comp,
        model=json.loads(json.dumps(inputs.sources.comp.model)),
        scenarios=list(inputs.sources.comp.scenarios),
        sets=list(inputs.sources.comp.sets),
        model_origin=dict(inputs.sources.comp.model_origin),
        policy_patches=list(inputs.sources.comp.policy_patches),
        policy_origin=dict(inputs.sources.comp.policy_origin),
    )
    before = json.dumps(comp.model.get("inputs"), sort_keys=True)
    extra = ""
    if overlay is not None:
        body = {"extends": "(in memory)", **dict(overlay)}
        spec = validate_yaml(ScenarioFile, body, label)
        comp.apply(Scenario(label, Path(f"<{label}>"), label, spec))
        extra += "overlay:" + json.dumps(body, sort_keys=True, default=str)
    for text in sets:
        comp.set(text)
    if json.dumps(comp.model.get("inputs"), sort_keys=True) != before:
        from capplan.errors import InputError, Problem

        raise InputError(
            [Problem(label, "inputs", "an in-memory edit cannot change where inputs are read")]
        )
    sources = replace(inputs.sources, comp=comp)
    config = assemble(sources, extra_hash=inputs.config.input_hash + extra)
    return Inputs(config, build_tables(config), sources)


def build(inputs: Inputs) -> Model:
    """The planning program of ``inputs`` (docs/model.md)."""
    return build_model(inputs.tables)


def solve(
    model: Model,
    options: SolveOptions,
    *,
    backend: str = "highs",
    start: Plan | np.ndarray | None = None,
    progress: ProgressCallback | None = None,
) -> Result:
    """Solve the model's program.  ``start`` (a plan of a model with the same columns, or
    one value per column) is a MIP start for backends that take one; a start of another
    shape is ignored, never an error."""
    x0 = start.x if isinstance(start, Plan) else start
    if x0 is not None and x0.shape != (model.lp.num_vars,):
        x0 = None
    from capplan.verify import solve_scaled  # the objective in a sane range (capplan.verify)

    return solve_scaled(get_backend(backend), model.lp, options, start=x0, progress=progress)


def analyse(
    model: Model,
    result: Result,
    options: SolveOptions,
    *,
    config: Config,
    marginal: bool = True,
    times: Mapping[str, float] | None = None,
    explain: bool = True,
) -> Plan:
    """Result tables, KPIs, marginal values and the summary of a solve (or, for an
    infeasible model, the smallest violations that would make it feasible)."""
    from capplan.results.marginal import marginal_values
    from capplan.results.summary import integral, result_tables, summary
    from capplan.verify import check_plan, coefficient_range

    t0 = time.perf_counter()
    checked = check_plan(model.lp, result)  # polish, verify: unverified, never optimal
    lines: tuple[str, ...] = ()
    if explain and result.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
        from capplan.results.explain import explain_infeasible  # only for an infeasible model

        explanation = explain_infeasible(model, result.backend, options, config.scenarios)
        lines = tuple(explanation.lines()) if explanation is not None else ()
    tables: dict[str, pd.DataFrame] = {}
    mv_info: dict[str, Any] = {}
    x = None
    if result.status.has_solution and result.x is not None:
        x = integral(model, result.x)
        tables = result_tables(model, x)
        if marginal:
            mv = marginal_values(model, x, result.backend, replace(options, time_limit_s=None))
            tables["marginal_values"] = mv.table
            mv_info = {
                "method": mv.method,
                "lp_backend": mv.lp_result.backend,
                "lp_status": str(mv.lp_result.status),
                "lp_objective": mv.lp_result.objective,
                "lp_solve_s": round(mv.lp_result.solve_time_s, 6),
            }
    all_times = {**(times or {}), "extract_s": time.perf_counter() - t0}
    info = summary(config, model, result, options, tables, all_times, mv_info)
    info["coefficients"] = coefficient_range(model.lp)
    info["verification"] = checked.summary() if checked is not None else None
    return Plan(
        status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        tables=tables,
        summary=info,
        x=x,
        explanation=lines,
        message=result.message,
    )


def write(plan: Plan, out_dir: str | Path, force: bool = False) -> Path:
    """Write the plan's run folder atomically (tables as CSV, summary.json)."""
    from capplan.io import write_run

    return write_run(Path(out_dir), plan.tables, plan.summary, force)


def run(
    request: SolveRequest | str | Path,
    *,
    start: Plan | np.ndarray | None = None,
    progress: ProgressCallback | None = None,
    on_stage: Stage | None = None,
    marginal: bool = True,
) -> Plan:
    """load -> build -> solve -> analyse; nothing is written."""
    req = request if isinstance(request, SolveRequest) else SolveRequest(request)
    stage = on_stage or (lambda _stage, _detail: None)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    stage("load", "")
    inputs = load(req)
    times["load_s"] = time.perf_counter() - t0
    return solve_inputs(
        inputs, req, times=times, start=start, progress=progress, stage=stage, marginal=marginal
    )


def solve_inputs(
    inputs: Inputs,
    req: SolveRequest | None = None,
    *,
    times: dict[str, float] | None = None,
    start: Plan | np.ndarray | None = None,
    progress: ProgressCallback | None = None,
    stage: Stage | None = None,
    marginal: bool = True,
    before_solve: Callable[[Model], None] | None = None,
) -> Plan:
    """build -> solve -> analyse for loaded (or edited) inputs; ``req`` gives the solver
    settings (default: the model file's)."""
    req = req or SolveRequest(inputs.config.model_path)
    say = stage or (lambda _stage, _detail: None)
    times = dict(times or {})
    options = req.options(inputs)
    name = req.backend_name(inputs)
    t0 = time.perf_counter()
    say("build", "")
    model = build(inputs)
    times["build_s"] = time.perf_counter() - t0
    if before_solve is not None:
        before_solve(model)
    limit = options.time_limit_s
    say("solve", f"{name}, " + (f"time limit {limit:g} s" if limit else "no time limit"))
    t0 = time.perf_counter()
    result = solve(model, options, backend=name, start=start, progress=progress)
    times["solve_s"] = time.perf_counter() - t0
    say("extract", "")
    return analyse(model, result, options, config=inputs.config, marginal=marginal, times=times)


@dataclass
class Session:
    """Solve, change, re-solve: the last plan warm-starts the next solve.

    >>> s = Session(SolveRequest("models/base.yaml", mip_gap=1e-3))
    >>> first = s.solve()
    >>> second = s.solve(sets=["budget.total_rmb_bn=480"])
    """

    request: SolveRequest
    inputs: Inputs | None = None
    last: Plan | None = None
    history: list[Plan] = field(default_factory=list)

    def solve(
        self,
        overlay: Mapping[str, Any] | None = None,
        *,
        sets: Sequence[str] = (),
        label: str = "edit",
        marginal: bool = False,
    ) -> Plan:
        if self.inputs is None:
            self.inputs = load(self.request)
        inputs = self.inputs
        if overlay is not None or sets:
            inputs = edit(inputs, overlay, sets=sets, label=label)
        plan = solve_inputs(inputs, self.request, start=self.last, marginal=marginal)
        self.last = plan if plan.x is not None else self.last
        self.history.append(plan)
        return plan
