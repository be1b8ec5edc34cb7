"""What a worker does with one sample: plain request in, plain row out.

A :class:`Request` holds only text, numbers and small mappings (the model path, the
sample's scenario mapping, solver settings and, for ``capplan evaluate``, the decisions
to fix), so it pickles to any Dask worker; the reply is a plain dict.  No solver object
crosses a process.  Each worker process loads the base inputs once and keeps them
(:func:`base_inputs`); every sample is applied to them in memory.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from capplan.backends.base import Result, SolveOptions
from capplan.errors import CapplanError, InputError
from capplan.library import Inputs, SolveRequest, build, edit, load, solve
from capplan.model.build import Model
from capplan.results.summary import integral
from capplan.sweep.delta import Delta
from capplan.sweep.figures import sample_figures

# a plan's commit-now decisions: investments.csv rows (period, region, category, part,
# quantity) as plain tuples, so that they pickle to any worker
Fixed = tuple[tuple[str, str, str, str, float], ...]


@dataclass(frozen=True)
class Request:
    """One sample to solve (plain data only)."""

    model: str  # absolute path of the model file
    scenarios: tuple[str, ...]
    sets: tuple[str, ...]
    base_hash: str  # the coordinator's input hash: the worker checks it loaded the same
    sample: int
    mapping: dict[str, Any]
    backend: str
    time_limit_s: float | None
    mip_gap: float
    seed: int = 0
    fixed: Fixed | None = None  # evaluate: decisions held at these values
    fix_period: str = ""
    free_too: bool = False  # evaluate: also solve the sample with nothing fixed
    free: dict[str, Any] | None = None  # evaluate: that solve, known from another evaluation
    extra: dict[str, Any] = field(default_factory=dict)


_BASE: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Delta] = {}


def _delta(req: Request) -> Delta:
    """The delta path over the base inputs of ``req`` (loaded once per process)."""
    key = (req.model, req.scenarios, req.sets)
    delta = _BASE.get(key)
    if delta is None or delta.base.config.input_hash != req.base_hash:
        inputs = load(SolveRequest(req.model, req.scenarios, req.sets, allow_outside=True))
        delta = _BASE[key] = Delta(inputs)
    if delta.base.config.input_hash != req.base_hash:
        raise RuntimeError(f"the inputs of {req.model} changed since the sweep started")
    return delta


def prepare(req: Request) -> str:
    """Load the base inputs of ``req`` in this process ahead of its samples (run on every
    worker as the sweep starts); a problem is left for the samples to report as rows."""
    try:
        _delta(req)
    except Exception as exc:  # each sample reports it again, as a row
        return f"{type(exc).__name__}: {exc}"
    return ""


def sample_inputs(req: Request, fast: bool = True) -> Inputs:
    """The base inputs with the sample applied: as a delta where it can be
    (:mod:`capplan.sweep.delta`), else (or with ``fast=False``) by
    :func:`capplan.library.edit`; CapplanError for a bad sample."""
    label = f"sample {req.sample}"
    delta = _delta(req)
    inputs = delta.edit(req.mapping, label) if fast else None
    return inputs if inputs is not None else edit(delta.base, req.mapping, label=label)


def run_request(req: Request, fast: bool = True) -> dict[str, Any]:
    """Solve one sample; never raises for bad input or solver outcomes (they are rows).
    ``fast=False`` applies the sample by the full path (for tests and comparisons)."""
    t0 = time.perf_counter()
    row: dict[str, Any] = {"sample": req.sample, "worker_pid": os.getpid()}
    try:
        inputs = sample_inputs(req, fast)
    except CapplanError as exc:
        row.update(status="error", reason=str(exc), seconds=time.perf_counter() - t0)
        return row
    model = build(inputs)  # once: the fixed model differs in column bounds only
    row.update(_solve(model, req, req.fixed, fast))
    if req.free is not None:
        row["free"] = req.free
    elif req.free_too:
        free = _solve(model, req, None, fast)
        row["free"] = {k: free.get(k) for k in ("status", "objective", "bound", "gap", "kpis")}
        row["solve_s"] += free["solve_s"]
    row["seconds"] = time.perf_counter() - t0
    return row


def _solve(model: Model, req: Request, fixed: Fixed | None, fast: bool) -> dict[str, Any]:
    """Optionally fix, solve and summarise one model (``fast``: the figures from the
    solution arrays, :mod:`capplan.sweep.figures`, else from the result tables)."""
    if fixed is not None:
        try:
            model = fix_columns(model, fixed, req.fix_period)
        except InputError as exc:
            reason = "; ".join(f"{p.where}: {p.message}" for p in exc.problems)
            return {"status": "infeasible", "reason": reason, "solve_s": 0.0}
    options = SolveOptions(
        time_limit_s=req.time_limit_s, mip_gap=req.mip_gap, threads=1, seed=req.seed
    )
    t0 = time.perf_counter()
    result = solve(model, options, backend=req.backend)
    solve_s = time.perf_counter() - t0
    out: dict[str, Any] = {
        "status": str(result.status),
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "reason": result.message if not result.status.has_solution else "",
        "solve_s": solve_s,
    }
    if result.status.has_solution and result.x is not None:
        if fast:
            out.update(sample_figures(model, integral(model, np.asarray(result.x))))
        else:
            out.update(plan_figures(model, result))
    return out


def fix_columns(model: Model, fixed: Fixed, period: str) -> Model:
    """The model with every ``build``, ``enter`` and ``pods`` column of ``period`` held at
    the plan's value (0 where the plan has none); InputError naming a decision this model
    does not have (:func:`capplan.results.decisions.investment_decisions`)."""
    from capplan.results.decisions import COLUMNS, investment_decisions

    table = pd.DataFrame(list(fixed), columns=list(COLUMNS))
    decisions = investment_decisions(model, table, periods=[period], source="the plan")
    lp = model.lp
    lb, ub = lp.col_lb.copy(), lp.col_ub.copy()
    lb[decisions.ids] = ub[decisions.ids] = decisions.values
    return replace(model, lp=lp.with_bounds(col_lb=lb, col_ub=ub))


def plan_figures(model: Model, result: Result) -> dict[str, Any]:
    """KPIs and per-period capex and fleet of a solved sample (plain values)."""
    from capplan.results import tables as rt
    from capplan.results.kpis import kpis
    from capplan.results.summary import integral

    x = integral(model, np.asarray(result.x))
    tables = {
        "budget": rt.budget(model, x),
        "fleet": rt.fleet(model, x),
        "demand": rt.demand(model, x),
        "capacity": rt.capacity(model, x),
    }
    pv = rt.present_values(model, x)
    params = model.params
    found = kpis(tables, pv, list(params.sets["region"][params.china]))
    periods = [str(p) for p in params.sets["period"]]
    capex = tables["budget"].set_index("period")["capex_rmb_m"].astype(float)
    fleet = tables["fleet"].groupby("period")[["peak_pflops", "units"]].sum().astype(float)
    fleet = fleet.reindex(periods, fill_value=0.0)
    by_period = [
        {
            "period": p,
            "capex_rmb_m": float(capex[p]),
            "fleet_pflops": float(fleet["peak_pflops"][p]),
            "fleet_units": float(fleet["units"][p]),
        }
        for p in periods
    ]
    return {"kpis": found, "periods": by_period}


def frame_of_periods(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Per-period figures of many samples as one table (sample, period, ...)."""
    return pd.DataFrame(
        rows, columns=["sample", "period", "capex_rmb_m", "fleet_pflops", "fleet_units"]
    )
