"""Reference builders for the build-speed comparison of ``capplan bench``.

* :func:`fill_lower_bound` -- the lower bound: the already built program's sparse arrays
  handed to OR-Tools in one call (``ModelBuilderHelper.fill_model_from_sparse_data``),
  plus its integrality, sense and objective constant.  No faster way to get the program
  into OR-Tools exists, so capplan's build (tables -> program -> filled OR-Tools model)
  cannot beat it.
* :func:`build_pulp` -- the same model written again with the PuLP object API, the way
  it is usually written: one ``LpVariable`` per variable and one ``lpSum`` of
  ``coefficient * variable`` per row, looping over the sets.  It shares only the
  parameter arrays (:mod:`capplan.model.params`, the unit conversions of the data); the
  variable domains, every row and the objective follow ``docs/model.md`` and the code's
  objective, written out independently of :mod:`capplan.model` (no ``Builder``, no
  masks).  :func:`solve_pulp` solves it with PuLP's CBC, so tests and the bench can check
  that it gives capplan's objective on small instances.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from capplan.data.tables import Tables
from capplan.model.lp import LinearProgram
from capplan.model.objective import PRIORITY
from capplan.model.params import Params, make_params


def fill_lower_bound(lp: LinearProgram) -> Any:
    """An OR-Tools ``ModelBuilderHelper`` filled from ``lp``'s prebuilt arrays, nothing more."""
    from ortools.linear_solver.python import model_builder_helper as mbh

    helper: Any = mbh.ModelBuilderHelper()
    helper.fill_model_from_sparse_data(lp.col_lb, lp.col_ub, lp.c, lp.row_lb, lp.row_ub, lp.A)
    for j in np.flatnonzero(lp.integer).tolist():
        helper.set_var_integrality(j, True)
    helper.set_maximize(bool(lp.maximize))
    helper.set_objective_offset(float(lp.c0))
    return helper


@dataclass
class PulpModel:
    """The PuLP problem, its rows (``LpConstraint``) and its size."""

    problem: Any
    rows: list[Any]
    num_vars: int
    num_rows: int
    num_terms: int


def _module_bound(p: Params) -> list[float]:
    """U_r: the per-period module limit tightened by the horizon MW, the budget and need."""
    out = []
    supply_mw = sum(
        float(p.supply_units[q].sum()) * p.pod_mw[q] / p.pod[q] for q in range(len(p.pod))
    )
    for r in range(len(p.module_mw)):
        by_total = (
            math.floor(p.mw_total[r] / p.module_mw[r] + 1e-9)
            if p.mw_total[r] < math.inf
            else math.inf
        )
        cheapest = float(p.module_capex[r].min())
        by_budget = math.floor(p.budget_total / cheapest + 1e-9) if cheapest > 0 else math.inf
        by_need = math.ceil(supply_mw / p.module_mw[r] - 1e-9)
        out.append(min(float(p.build_cap[r]), by_total, by_budget, by_need))
    return out


def build_pulp(tables: Tables) -> PulpModel:
    """The capplan model as a ``pulp.LpProblem`` (see the module docstring)."""
    import pulp

    p = make_params(tables)
    fin, objective = tables.finance, tables.objective
    R, P, T = len(p.sets["region"]), len(p.sets["part"]), len(p.sets["period"])
    G, K, V = len(p.sets["segment"]), len(p.sets["campaign"]), len(p.sets["vendor"])
    y = p.period_years
    maximize = objective.kind == "max_npv"
    prob = pulp.LpProblem(re.sub(r"\W", "_", tables.name) or "capplan", pulp.LpMaximize)
    elig = p.eligible.tolist()
    active = p.active.tolist()  # active[q][tau][t]
    offset = [int(o) for o in p.offset]
    module_mw = p.module_mw.tolist()
    U = _module_bound(p)

    # variables (docs/model.md, Variables)
    build: dict[tuple[int, int], Any] = {}
    enter: dict[tuple[int, int], Any] = {}
    for r in range(R):
        for t in range(T):
            if t + offset[r] <= T - 1:
                build[r, t] = prob.add_variable(f"build_{r}_{t}", 0, U[r], pulp.LpInteger)
                if p.needs_entry[r]:
                    enter[r, t] = prob.add_variable(f"enter_{r}_{t}", 0, 1, pulp.LpInteger)
    pods: dict[tuple[int, int, int], Any] = {}
    for r in range(R):
        for q in range(P):
            if not elig[r][q]:
                continue
            for t in range(T):
                cost = float(p.pod_capex[r, q, t])
                by_budget = math.floor(p.budget_total / cost + 1e-9) if cost > 0 else math.inf
                ub = min(float(p.pod_cap[r, q, t]), by_budget)
                pods[r, q, t] = prob.add_variable(
                    f"pods_{r}_{q}_{t}", 0, ub if ub < math.inf else None, pulp.LpInteger
                )
    serve: dict[tuple[int, int, int, int], Any] = {}
    for g in range(G):
        for r in range(R):
            if p.zone[r] != p.seg_zone[g]:
                continue
            for q in range(P):
                if elig[r][q] and (not p.seg_domestic_only[g] or p.domestic[q]):
                    for t in range(T):
                        serve[g, r, q, t] = prob.add_variable(f"serve_{g}_{r}_{q}_{t}", 0)
    train: dict[tuple[int, int, int, int], Any] = {}
    for k in range(K):
        for r in range(R):
            for q in range(P):
                if p.camp_option[k, r, q]:
                    for t in range(T):
                        if p.camp_window[k, t]:
                            train[k, r, q, t] = prob.add_variable(f"train_{k}_{r}_{q}_{t}", 0)
    short = {
        k: prob.add_variable(f"short_{k}", 0) for k in range(K) if not math.isnan(p.camp_penalty[k])
    }

    rows: list[Any] = []

    def add(row: Any) -> None:
        if len(row) == 0 and row.valid():  # no variable and satisfied: nothing to say
            return
        rows.append(row)
        prob.addConstraint(row)

    # region entry
    for r in range(R):
        ts = [t for t in range(T) if (r, t) in enter]
        if not ts:
            continue
        add(pulp.lpSum(enter[r, t] for t in ts) <= 1)
        for t in ts:
            add(build[r, t] - U[r] * pulp.lpSum(enter[r, s] for s in ts if s <= t) <= 0)
            add(module_mw[r] * build[r, t] - p.min_first_mw[r] * enter[r, t] >= 0)
    # mw_total
    for r in range(R):
        if p.mw_total[r] < math.inf:
            add(
                pulp.lpSum(module_mw[r] * build[r, t] for t in range(T) if (r, t) in build)
                <= p.mw_total[r]
            )
    # power
    for r in range(R):
        for t in range(T):
            used = pulp.lpSum(
                p.pod_mw[q] * pods[r, q, s]
                for q in range(P)
                if elig[r][q]
                for s in range(T)
                if active[q][s][t]
            )
            built = pulp.lpSum(
                module_mw[r] * build[r, s]
                for s in range(T)
                if (r, s) in build and s <= t - offset[r]
            )
            add(used - built <= p.existing_mw[r])
    # supply
    for q in range(P):
        for m in range(len(p.sets["market"])):
            regions = [r for r in range(R) if p.market[r] == m and elig[r][q]]
            if regions:
                for t in range(T):
                    add(
                        pulp.lpSum(p.pod[q] * pods[r, q, t] for r in regions)
                        <= p.supply_units[q, m, t]
                    )
    # compute
    for r in range(R):
        for q in range(P):
            if not elig[r][q]:
                continue
            for t in range(T):
                use = pulp.lpSum(
                    (1.0 / p.util_inf[q]) * serve[g, r, q, t]
                    for g in range(G)
                    if (g, r, q, t) in serve
                ) + pulp.lpSum(
                    (1.0 / p.util_tr[q]) * train[k, r, q, t]
                    for k in range(K)
                    if (k, r, q, t) in train
                )
                have = pulp.lpSum(
                    p.pod_peak_zflop[q] * pods[r, q, s] for s in range(T) if active[q][s][t]
                )
                add(use - have <= 0)
    # demand
    for g in range(G):
        for t in range(T):
            add(
                pulp.lpSum(
                    serve[g, r, q, t] for r in range(R) for q in range(P) if (g, r, q, t) in serve
                )
                <= p.demand[g, t]
            )
    # campaigns
    for k in range(K):
        delivered = pulp.lpSum(
            train[k, r, q, t]
            for r in range(R)
            for q in range(P)
            for t in range(T)
            if (k, r, q, t) in train
        )
        add(delivered + short.get(k, 0) >= p.camp_zflop[k])

    # budgets
    def capex(t: int) -> Any:
        return (
            pulp.lpSum(
                float(p.pod_capex[r, q, t]) * pods[r, q, t]
                for r in range(R)
                for q in range(P)
                if (r, q, t) in pods
            )
            + pulp.lpSum(
                float(p.module_capex[r, t]) * build[r, t] for r in range(R) if (r, t) in build
            )
            + pulp.lpSum(
                float(p.entry_capex[r, t]) * enter[r, t] for r in range(R) if (r, t) in enter
            )
        )

    per_period = [capex(t) for t in range(T)]
    for t in range(T):
        if p.budget_period[t] < math.inf:
            add(per_period[t] <= p.budget_period[t])
    add(pulp.lpSum(per_period) <= p.budget_total)
    # policies
    delta = tables.min_domestic_share_china
    if delta is not None:
        for t in range(T):
            add(
                pulp.lpSum(
                    (float(p.domestic[q]) - delta) * p.pod_pflops[q] * pods[r, q, s]
                    for r in range(R)
                    if p.china[r]
                    for q in range(P)
                    if elig[r][q]
                    for s in range(T)
                    if active[q][s][t]
                )
                >= 0
            )
    kappa = tables.max_foreign_vendor_share
    if kappa is not None:
        for vendor in range(V):
            if not p.foreign_vendor[vendor]:
                continue
            for t in range(T):
                add(
                    pulp.lpSum(
                        (float(p.vendor[q] == vendor) - kappa) * p.pod_pflops[q] * pods[r, q, s]
                        for r in range(R)
                        for q in range(P)
                        if elig[r][q]
                        for s in range(T)
                        if active[q][s][t]
                    )
                    <= 0
                )

    # objective: the NPV (max_npv), or -NPV with revenue -> unserved penalty plus c0 (min_cost)
    life = tables.parts["life_years"].to_numpy(float).tolist()
    disc_start, disc_mid = p.disc_start.tolist(), p.disc_mid.tolist()
    terms = []
    for (r, q, tau), var in pods.items():
        cost = float(p.pod_capex[r, q, tau])
        opex = 0.0
        for t in range(T):
            if active[q][tau][t]:
                power = p.pod_mw[q] * p.pue[r] * p.hours * p.power_rmb_per_mwh[r, t] / 1e6
                opex += (power + fin.maintenance_rate_hardware * cost * y) * disc_mid[t]
        remain = min(max(1 - (T - tau) * y / life[q], 0.0), 1.0)
        terms.append((cost * remain * p.disc_end - cost * disc_start[tau] - opex) * var)
    for (r, tau), var in build.items():
        cost = float(p.module_capex[r, tau])
        opex = sum(
            fin.maintenance_rate_shell * cost * y * disc_mid[t]
            for t in range(T)
            if t >= tau + offset[r]
        )
        remain = min(max(1 - (T - tau - offset[r]) * y / fin.shell_life_years, 0.0), 1.0)
        terms.append((cost * remain * p.disc_end - cost * disc_start[tau] - opex) * var)
    for (r, tau), var in enter.items():
        terms.append(-float(p.entry_capex[r, tau]) * disc_start[tau] * var)
    penalty = objective.unserved_penalty_rmb_per_zflop / 1e6
    for (g, _r, _q, t), var in serve.items():
        price = float(p.revenue[g, t]) if maximize else penalty
        weight = 1 + PRIORITY if p.seg_domestic_only[g] else 1.0
        terms.append(price * disc_mid[t] * weight * var)
    deadline = tables.campaigns["deadline"].to_numpy().tolist()
    for k, var in short.items():
        terms.append(-float(p.camp_penalty[k]) * disc_mid[deadline[k]] * var)
    npv = pulp.lpSum(terms)
    if maximize:
        prob.setObjective(npv)
    else:
        prob.sense = pulp.LpMinimize
        c0 = sum(penalty * float(p.demand[g, t]) * disc_mid[t] for g in range(G) for t in range(T))
        prob.setObjective(-npv + c0)
    n_vars = len(build) + len(enter) + len(pods) + len(serve) + len(train) + len(short)
    return PulpModel(prob, rows, n_vars, len(rows), sum(len(row) for row in rows))


def solve_pulp(
    model: PulpModel, time_limit_s: float | None = None, gap: float = 1e-9
) -> tuple[str, float | None]:
    """Solve with PuLP's bundled CBC at relative (and absolute) gap ``gap``: (status,
    objective).  The objective is that of a plan CBC proved within ``gap``, else None."""
    import pulp

    from capplan.backends.pulp_backend import CbcBackend

    solver = pulp.COIN_CMD(
        path=CbcBackend.cbc_path(), msg=False, gapRel=gap, gapAbs=gap, timeLimit=time_limit_s
    )
    model.problem.solve(solver)
    status = pulp.LpStatus.get(model.problem.status, str(model.problem.status))
    if model.problem.sol_status != pulp.LpSolutionOptimal:  # not proven within the gap
        return status, None
    return status, float(pulp.value(model.problem.objective))
