"""The hedge's run folder: its tables and summary.json (every column: docs/hedge.md).

| file | what it says |
|---|---|
| commit_now.csv | the first-period investments every future shares (investments.csv's columns) |
| commit_now_vs_base.csv | those against the deterministic base plan's first period |
| futures.csv | each future: probability, outcomes, objective and NPV in the hedged plan, WS |
| npv_distribution.csv | mean, P5, P50, P95 and CVaR of the futures' objective |
| value_of_information.csv | RP, WS, EV, EEV, EVPI, VSS with the bracket of each |
| investments.csv ... budget.csv | each future's plan, with a ``future`` column first |
| summary.json | status, settings, sizes, times, the solves, and all of the above in short |
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from capplan.backends.base import SolveOptions
from capplan.hedge.futures_model import FutureModel
from capplan.hedge.values import Hedge, Solved, distribution, report_values
from capplan.io import write_folder
from capplan.model.build import Model
from capplan.results import tables as rt
from capplan.results.summary import options_summary, program_size, result_tables, versions

KEYS = ["period", "region", "category", "part"]


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _round(v: float | None) -> float | None:
    return None if v is None else round(float(v), 6)


def capplan_tables(
    models: list[FutureModel], result: Hedge, base_model: Model, base_solve: Solved
) -> dict[str, pd.DataFrame]:
    """Every table of a hedge of capplan futures (empty without a hedged plan)."""
    if not result.plans:
        return {}
    per: dict[str, list[pd.DataFrame]] = {}
    rows = []
    for fm, x, value, ws in zip(models, result.plans, result.future_values, result.ws, strict=True):
        x_model = x[: fm.num_model_vars]
        for name, frame in result_tables(fm.model, x_model).items():
            per.setdefault(name, []).append(frame.assign(future=fm.spec.name))
        pv = rt.present_values(fm.model, x_model)
        shortfall = float(x[fm.num_model_vars :].sum())
        rows.append(
            {
                "future": fm.spec.name,
                "probability": fm.spec.probability,
                **{f"outcome_{k}": o for k, o in fm.spec.outcomes},
                "objective_rmb_m": result.sign * value,
                "npv_rmb_m": pv["npv_rmb_m"],
                "hedge_shortfall_zflop": shortfall,
                "ws_objective_rmb_m": None if ws.value is None else result.sign * ws.value,
            }
        )
    tables = {
        name: rt._clean(pd.concat(frames)[["future", *frames[0].columns[:-1]]])
        for name, frames in per.items()
    }
    first = models[0].model.params.sets["period"][0]
    inv = tables["investments"]
    commit = inv[(inv["future"] == models[0].spec.name) & (inv["period"] == first)]
    commit = commit.drop(columns="future").reset_index(drop=True)
    out = {
        "commit_now": commit,
        "commit_now_vs_base": _versus_base(commit, base_model, base_solve, first),
        "futures": rt._clean(pd.DataFrame(rows)),
        "npv_distribution": _distribution_table(result),
        "value_of_information": _voi_table(result),
    }
    return {**out, **tables}


def _versus_base(commit: pd.DataFrame, model: Model, solve: Solved, first: str) -> pd.DataFrame:
    """First-period quantities and capex: hedged, deterministic base plan, change."""
    if solve.x is None:
        return pd.DataFrame(columns=[*KEYS, "hedge_quantity", "base_quantity", "change"])
    inv = rt.investments(model, solve.x)
    base = inv[inv["period"] == first]
    both = commit.merge(base, on=KEYS, how="outer", suffixes=("_hedge", "_base"))
    both = both.fillna(
        {"quantity_hedge": 0, "quantity_base": 0, "capex_rmb_m_hedge": 0.0, "capex_rmb_m_base": 0.0}
    )
    frame = pd.DataFrame(
        {
            **{k: both[k] for k in KEYS},
            "hedge_quantity": both["quantity_hedge"].astype(int),
            "base_quantity": both["quantity_base"].astype(int),
            "change": (both["quantity_hedge"] - both["quantity_base"]).astype(int),
            "hedge_capex_rmb_m": both["capex_rmb_m_hedge"],
            "base_capex_rmb_m": both["capex_rmb_m_base"],
        }
    )
    return rt._clean(frame.sort_values(KEYS))


def _distribution_table(result: Hedge) -> pd.DataFrame:
    d = distribution(result)
    return rt._clean(pd.DataFrame([{"measure": "objective_rmb_m", **d}]))


def _voi_table(result: Hedge) -> pd.DataFrame:
    rows = []
    for name, item in report_values(result).items():
        if not isinstance(item, dict):
            continue
        bracket = item.get("bracket") or [None, None]
        rows.append(
            {
                "measure": name,
                "value": item.get("value"),
                "low": bracket[0],
                "high": bracket[1],
                "status": item.get("status", ""),
            }
        )
    return rt._clean(pd.DataFrame(rows))


def generic_tables(result: Hedge) -> dict[str, pd.DataFrame]:
    """Tables of a program read from an MPS directory: first-stage values, futures."""
    if not result.plans:
        return {}
    m0, x0 = result.members[0], result.plans[0]
    names = m0.lp.var_names()
    commit = pd.DataFrame(
        {"variable": [names[j] for j in m0.stage_cols[0]], "value": x0[m0.stage_cols[0]]}
    )
    futures = pd.DataFrame(
        {
            "future": [m.name for m in result.members],
            "probability": [m.probability for m in result.members],
            "objective": result.sign * result.future_values,
            "ws_objective": [None if s.value is None else result.sign * s.value for s in result.ws],
        }
    )
    return {
        "commit_now": commit,
        "futures": futures,
        "npv_distribution": _distribution_table(result),
        "value_of_information": _voi_table(result),
    }


def _solve_entry(s: Solved, sign: float) -> dict[str, Any]:
    return {
        "label": s.label,
        "status": s.status,
        "objective": None if s.value is None else _round(sign * s.value),
        "gap": s.gap,
        "seconds": round(s.seconds, 6),
    }


def summary(
    result: Hedge,
    options: SolveOptions,
    backend: str,
    times: dict[str, float],
    base_solve: Solved | None,
) -> dict[str, Any]:
    """summary.json of a hedge (the caller adds where its inputs came from)."""
    lp = result.stacked.lp
    s = result.sign
    first = [] if result.first is None else [result.first]
    solves = [result.rp, *first, *result.ws, result.ev, result.eev]
    if base_solve is not None:
        solves.append(base_solve)
    return {
        "status": result.rp.status,
        "objective": None if result.rp.value is None else _round(s * result.rp.value),
        "gap": result.rp.gap,
        "futures": [
            {"name": m.name, "probability": m.probability, "nodes": list(m.nodes)}
            for m in result.members
        ],
        "excluded_futures": list(result.excluded),
        "risk": {"cvar_alpha": result.risk.cvar_alpha, "cvar_weight": result.risk.cvar_weight},
        "value_of_information": report_values(result),
        "npv_distribution": distribution(result),
        "base_plan_objective": None
        if base_solve is None or base_solve.value is None
        else _round(s * base_solve.value),
        "solver": {"backend": backend, **options_summary(options)},
        "size": {
            **program_size(lp),
            "shared_columns": int(sum(len(c) for _k, c in result.stacked.nodes.values())),
        },
        "solves": [_solve_entry(x, s) for x in solves],
        "versions": versions(),
        "times": {k: round(v, 6) for k, v in times.items()},
    }


def write(
    out_dir: Path, tables: dict[str, pd.DataFrame], summary: dict[str, Any], force: bool
) -> Path:
    """The run folder, atomically."""
    return write_folder(out_dir, tables, force, json_files={"summary.json": summary})


def non_anticipative(result: Hedge) -> bool:
    """True when every future through a node has the same values of its decisions."""
    seen: dict[tuple[tuple[str, ...], str], float] = {}
    for m, x in zip(result.members, result.plans, strict=True):
        for k in range(len(m.nodes)):
            for key, col in zip(m.stage_keys[k], m.stage_cols[k], strict=True):
                v = float(x[col])
                if not np.isclose(seen.setdefault((m.node(k), key), v), v, atol=0, rtol=0):
                    return False
    return True
