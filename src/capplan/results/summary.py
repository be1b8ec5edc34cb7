"""The plan's result tables and summary.json, from a model and a solver's result."""

from __future__ import annotations

import functools
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd

from capplan import __version__
from capplan.backends.base import Result, SolveOptions, Status
from capplan.config.loader import Config
from capplan.model.build import Model
from capplan.model.lp import LinearProgram
from capplan.results import tables as rt
from capplan.results.kpis import kpis
from capplan.results.money import money_summary, money_tables


def integral(model: Model, x: np.ndarray) -> np.ndarray:
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


def gap_at_most(result: Result, options: SolveOptions, is_mip: bool) -> float | None:
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


# import name of each package whose version a summary states, where it differs
PACKAGES = {
    "highspy": "highspy",
    "ortools": "ortools",
    "pulp": "pulp",
    "pandas": "pandas",
    "numpy": "numpy",
    "scipy": "scipy",
    "pydantic": "pydantic",
    "pyyaml": "yaml",
}


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    """Versions from the loaded modules where they are loaded (cheap), else from the
    installed packages' metadata (read once per process)."""
    out = {"capplan": __version__, "python": ".".join(map(str, sys.version_info[:3]))}
    for pkg, module in PACKAGES.items():
        loaded = sys.modules.get(module)
        known = getattr(loaded, "__version__", None) if loaded is not None else None
        if isinstance(known, str):
            out[pkg] = known
            continue
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return tuple(out.items())


def versions() -> dict[str, str]:
    """The versions of capplan, Python and the packages that make a plan (read once)."""
    return dict(_versions())


def options_summary(options: SolveOptions) -> dict[str, Any]:
    """summary.json's solver settings (with the backend beside them)."""
    return {
        "time_limit_s": options.time_limit_s,
        "mip_gap": options.mip_gap,
        "threads": options.threads,
        "seed": options.seed,
    }


def program_size(lp: LinearProgram) -> dict[str, int]:
    """summary.json's ``size`` of the program handed to the solver."""
    return {
        "variables": lp.num_vars,
        "integer_variables": lp.num_integer,
        "rows": lp.num_rows,
        "nonzeros": lp.num_nonzeros,
    }


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
        "gap_at_most": gap_at_most(result, options, lp.is_mip),
        "solver": {
            "backend": result.backend,
            "version": result.solver_version,
            **options_summary(options),
        },
        "size": program_size(lp),
        "times": {k: round(v, 6) for k, v in times.items()},
        "solver_times": {
            "fill_s": round(result.fill_time_s, 6),
            "solve_s": round(result.solve_time_s, 6),
            "extract_s": round(result.extract_time_s, 6),
        },
        "search": {
            **{k: int(v) for k, v in sorted(result.iterations.items())},
            "mip_start": str(result.options.get("mip_start", "none")),
        },
        "versions": versions(),
        "marginal_values": marginal,
    }
    if tables:
        pv = rt.present_values(model, integral(model, result.x))  # type: ignore[arg-type]
        china = model.params.sets["region"][model.params.china]
        out["kpis"] = kpis(tables, pv, list(china))
        out["present_values"] = {k: round(v, 6) for k, v in pv.items()}
        out["money"] = money_summary(tables, config.model.finance.residual_value)
    return out
