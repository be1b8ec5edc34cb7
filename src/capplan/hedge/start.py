"""A first hedged plan by relax-and-fix over the stages of the tree: the MIP start of RP.

HiGHS's own heuristics find the 50-future hedge of the base case a plan within 1-3e-4 of
the optimum and keep it, and a weak plan to prune with costs the proof as much as a
weak bound (docs/benchmarks.md, "Hedged plans").  Relax-and-fix is the standard first
plan of a multi-stage stochastic MIP: for each stage ``s = 0 .. S-1`` in turn, solve the
deterministic equivalent with the integer columns of stages ``<= s`` whole and those of
later stages relaxed, then fix stage ``s``'s integer columns at the values found:

    stage 0:  max  c x   s.t.  A x in [l, u],  x_j integer for j in stage 0 only
    stage s:  ...          with the integer columns of stages < s fixed,
                               x_j integer for j in stage s

The last solve has every integer column whole or fixed, so its plan is feasible for the
whole program (unserved demand and late training are priced slack: every stage solve is
feasible when the program is).  Each solve is a fraction of the whole (stage 0 has 57 of
the 50-future hedge's 2,624 integer columns, the rest relaxed) and is solved to the
requested gap, so the start is deterministic unless a stage meets its time share.  The
start is only a first plan: HiGHS's search, heuristics and restarts run as they would
without it (``SolveOptions.start_focus = False``).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from capplan.backends import get_backend
from capplan.backends.base import SolveOptions
from capplan.hedge.program import Stacked
from capplan.verify import solve_scaled

STAGE_SHARE = 0.1  # of the time limit, at most, for each stage's solve


def column_stages(stacked: Stacked) -> np.ndarray:
    """Each column's stage (its tree node's depth); columns of no node (a CVaR term, a
    column no future has) are counted with the last stage."""
    stages = np.full(stacked.lp.num_vars, -1)
    for node, (_keys, cols) in stacked.nodes.items():
        stages[cols] = len(node) - 1
    stages[stages < 0] = stages.max(initial=0)
    return stages


def relax_and_fix(stacked: Stacked, backend: str, options: SolveOptions) -> np.ndarray | None:
    """A feasible plan of ``stacked.lp`` by relax-and-fix (module docstring), or None when
    the program has no integer columns, a single stage, or a stage solve finds no plan."""
    lp = stacked.lp
    stages = column_stages(stacked)
    last = int(stages.max(initial=0))
    if not lp.is_mip or last == 0:
        return None
    limit = options.time_limit_s
    share = replace(options, time_limit_s=None if limit is None else STAGE_SHARE * limit)
    solver = get_backend(backend)
    lb, ub = lp.col_lb.copy(), lp.col_ub.copy()
    x: np.ndarray | None = None
    for s in range(last + 1):
        fix = lp.integer & (stages == s)
        if not fix.any() and s < last:
            continue  # nothing to fix here: the next stage's solve covers it
        program = lp.with_bounds(col_lb=lb, col_ub=ub, integer=lp.integer & (stages <= s))
        result = solve_scaled(solver, program, share)
        if not result.status.has_solution or result.x is None:
            return None
        x = result.x
        lb[fix] = ub[fix] = np.round(x[fix])  # ``program`` is done with: fix in place
    return x


def timed_start(
    stacked: Stacked, backend: str, options: SolveOptions
) -> tuple[np.ndarray | None, float, SolveOptions]:
    """(start, seconds it took, the options left for RP: its time limit less those
    seconds, the start kept as a first plan only)."""
    if not get_backend(backend).features.warm_start:
        return None, 0.0, options
    t0 = time.perf_counter()
    x = relax_and_fix(stacked, backend, options)
    seconds = time.perf_counter() - t0
    limit = options.time_limit_s
    left = None if limit is None else max(limit - seconds, 0.1 * limit)
    return x, seconds, replace(options, time_limit_s=left, start_focus=False)
