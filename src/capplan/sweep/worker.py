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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from capplan.backends import get_backend
from capplan.backends.base import Result, SolveOptions
from capplan.config.loader import Config
from capplan.errors import CapplanError
from capplan.sweep.inputs import edit

Fixed = tuple[tuple[str, tuple[str, ...], float], ...]  # (block, labels, value)


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
    fix_blocks: tuple[str, ...] = ()
    fix_period: str = ""
    free_too: bool = False  # evaluate: also solve the sample with nothing fixed
    extra: dict[str, Any] = field(default_factory=dict)


_BASE: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Config] = {}


def base_inputs(req: Request) -> Config:
    """The base inputs of ``req``, loaded once per worker process and kept."""
    from capplan.pipeline import load

    key = (req.model, req.scenarios, req.sets)
    config = _BASE.get(key)
    if config is None or config.input_hash != req.base_hash:
        config, _ = load(req.model, req.scenarios, req.sets, allow_outside=True)
        _BASE[key] = config
    if config.input_hash != req.base_hash:
        raise RuntimeError(f"the inputs of {req.model} changed since the sweep started")
    return config


def run_request(req: Request) -> dict[str, Any]:
    """Solve one sample; never raises for bad input or solver outcomes (they are rows)."""
    t0 = time.perf_counter()
    row: dict[str, Any] = {"sample": req.sample, "worker_pid": os.getpid()}
    try:
        config = edit(base_inputs(req), req.mapping, label=f"sample {req.sample}")
    except CapplanError as exc:
        row.update(status="error", reason=str(exc), seconds=time.perf_counter() - t0)
        return row
    row.update(_solve(config, req, req.fixed))
    if req.free_too:
        free = _solve(config, req, None)
        row["free"] = {k: free.get(k) for k in ("status", "objective", "bound", "gap", "kpis")}
        row["solve_s"] += free["solve_s"]
    row["seconds"] = time.perf_counter() - t0
    return row


def _solve(config: Config, req: Request, fixed: Fixed | None) -> dict[str, Any]:
    """Build, optionally fix, solve and summarise one model."""
    from capplan.data.tables import build_tables
    from capplan.model.build import build_model

    model = build_model(build_tables(config))
    lp = model.lp
    if fixed is not None:
        try:
            lp = fix_columns(model, fixed, req.fix_blocks, req.fix_period)
        except KeyError as exc:
            return {"status": "infeasible", "reason": str(exc.args[0]), "solve_s": 0.0}
    options = SolveOptions(
        time_limit_s=req.time_limit_s, mip_gap=req.mip_gap, threads=1, seed=req.seed
    )
    t0 = time.perf_counter()
    result = get_backend(req.backend).solve(lp, options)
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
        out.update(plan_figures(model, result))
    return out


def fix_columns(model: Any, fixed: Fixed, blocks: tuple[str, ...], period: str) -> Any:
    """The program with every ``blocks`` column of ``period`` held at the plan's value
    (0 where the plan has none); KeyError if the plan uses a column this model lacks."""
    lp = model.lp
    lb, ub = lp.col_lb.copy(), lp.col_ub.copy()
    want = {(b, labels): v for b, labels, v in fixed}
    for name in blocks:
        block = lp.var_blocks[name]
        index = block.index
        where = list(index.names).index("period")
        for j, key in enumerate(index):
            labels = tuple(str(k) for k in (key if isinstance(key, tuple) else (key,)))
            if labels[where] == period:
                value = want.pop((name, labels), 0.0)
                lb[block.start + j] = ub[block.start + j] = value
    if want:
        (name, labels), value = next(iter(want.items()))
        raise KeyError(
            f"the plan has {name}[{','.join(labels)}] = {value:g}, which this future does not "
            "allow (no such decision)"
        )
    return lp.with_bounds(col_lb=lb, col_ub=ub)


def plan_figures(model: Any, result: Result) -> dict[str, Any]:
    """KPIs and per-period capex and fleet of a solved sample (plain values)."""
    from capplan.pipeline import _integral
    from capplan.results import tables as rt
    from capplan.results.kpis import kpis

    x = _integral(model, np.asarray(result.x))
    tables = {
        "budget": rt.budget(model, x),
        "fleet": rt.fleet(model, x),
        "demand": rt.demand(model, x),
        "capacity": rt.capacity(model, x),
    }
    pv = rt.present_values(model, x)
    regions = model.tables.regions
    found = kpis(tables, pv, list(regions.index[regions["market"] == "china"]))
    periods = [str(p) for p in model.tables.periods]
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
