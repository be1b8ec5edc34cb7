"""Marginal values in business units, from the LP around the optimal plan.

Method: the binary entry decisions are fixed at their optimal values and the whole-unit
decisions (modules, pods) are relaxed to continuous; the duals of that LP are the
marginal values.  Fixing the pods and modules too would make every budget, supply and
MW dual zero by construction (those rows would contain only fixed variables), so it
would say nothing.  A marginal value is d(NPV)/d(limit): for min_cost models it is
minus d(cost)/d(limit), so in both cases a positive value means "more of this is worth
that much".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from capplan.backends import get_backend
from capplan.backends.base import Result, SolveOptions
from capplan.model.build import Model
from capplan.model.families import REPORTED
from capplan.model.lp import LinearProgram
from capplan.model.valid import free_valid_rows

KEY_COLUMNS = ["period", "region", "part", "market", "segment", "campaign", "vendor"]
LP_BACKEND = {
    "highs": "highs",
    "highs-ortools": "glop",
    "scip": "glop",
    "glop": "glop",
    "cbc": "cbc",
}


@dataclass(frozen=True)
class MarginalValues:
    table: pd.DataFrame
    lp_result: Result
    method: str = (
        "duals of the LP with region entry fixed at the optimum and modules and pods relaxed"
    )


def fixed_entry_lp(model: Model, x: np.ndarray) -> LinearProgram:
    """The LP around the plan: entry binaries fixed, every other integer relaxed.

    Bounds the builder derives to tighten the MIP are dropped back to the true limits:
    pods' upper bounds (from supply and budget), modules' (back to the per-period MW limit)
    and the entry gate of a region already entered (its big-M).  Otherwise such a bound,
    equal to a row's limit, would take that row's dual and the row would show zero.
    """
    lp = model.lp
    lb, ub = lp.col_lb.copy(), lp.col_ub.copy()
    v, p = model.vars, model.params
    ids = v.enter.ids
    lb[ids] = ub[ids] = np.round(x[ids])
    ub[v.pods.ids] = np.inf
    ub[v.build.ids] = p.build_cap[v.build["region"]]
    row_ub = lp.row_ub.copy()
    gate = lp.row_blocks.get("entry_gate")
    if gate is not None:
        only = np.zeros(lp.num_vars)
        only[ids] = np.round(x[ids])
        entered = lp.csr().matvec(only)[gate.slice] < 0  # -U * sum enter < 0
        row_ub[gate.slice] = np.where(entered, np.inf, row_ub[gate.slice])
    relaxed = lp.with_bounds(lb, ub, np.zeros(lp.num_vars, dtype=bool))
    # the valid inequalities hold for whole units only: not in this LP
    return free_valid_rows(dataclasses.replace(relaxed, row_ub=row_ub))


def marginal_values(
    model: Model, x: np.ndarray, backend: str, options: SolveOptions
) -> MarginalValues:
    """Solve the fixed-entry LP and express its duals per constraint family and unit."""
    relaxed = fixed_entry_lp(model, x)
    result = get_backend(LP_BACKEND.get(backend, "glop")).solve(relaxed, options)
    lp = model.lp
    A = lp.csr()
    activity = A.matvec(x)
    lp_activity = A.matvec(result.x) if result.x is not None else np.full(lp.num_rows, np.nan)
    # power rows read "MW used - MW built <= MW existing": shown as MW used against MW online
    b = model.vars.build
    only = np.zeros(lp.num_vars)
    only[b.ids] = x[b.ids]
    built = -A.matvec(only)
    sign = 1.0 if lp.maximize else -1.0
    frames = []
    for fam in REPORTED:  # units and factors from the registry (capplan.model.families)
        family, unit, factor = fam.name, fam.value_unit, fam.factor
        block = lp.row_blocks.get(family)
        if block is None or len(block.index) == 0:
            continue
        keys = (
            block.index.to_frame(index=False)
            if isinstance(block.index, pd.MultiIndex)
            else pd.DataFrame(index=range(len(block.index)))
        )
        frame = pd.DataFrame({"family": family}, index=keys.index)
        for col in KEY_COLUMNS:
            frame[col] = keys[col].astype(str) if col in keys else ""
        dual = (
            result.duals[block.slice] * sign * factor
            if result.duals is not None and result.status.has_solution
            else np.full(len(block.index), np.nan)
        )
        lo, hi = lp.row_lb[block.slice], lp.row_ub[block.slice]
        lp_act = lp_activity[block.slice]
        lp_slack = np.where(np.isfinite(hi), hi - lp_act, lp_act - lo)
        act = activity[block.slice]
        if fam.limit_counts_builds:  # power: MW used against MW online
            shift = built[block.slice]
            act, lo, hi = act + shift, lo + shift, hi + shift
        limit = np.where(np.isfinite(hi), hi, lo)
        slack = np.where(np.isfinite(hi), hi - act, act - lo)
        frame["marginal_value"] = dual
        frame["unit"] = unit
        frame["activity"] = act
        frame["limit"] = limit
        frame["slack"] = slack
        frame["binding"] = np.abs(lp_slack) <= 1e-6 * np.maximum(1.0, np.abs(limit))
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    for col in ["marginal_value", "activity", "limit", "slack"]:
        v = table[col].to_numpy(dtype=float)
        table[col] = np.round(np.where(np.abs(v) < 1e-9, 0.0, v), 6) + 0.0
    return MarginalValues(table, result)
