"""Row and column scaling of a badly scaled program, undone on the answer.

Solvers judge feasibility, reduced costs and gaps with *absolute* tolerances (HiGHS:
1e-7 on reduced costs, 1e-6 on rows).  Compute counted in a unit a million times too
small puts a revenue of 1.6e-8 on each ZFLOP served: below the tolerance, so HiGHS
treated serving as worthless and called a plan that builds nothing "optimal" (found by
``tests/test_demand_scaling.py``).  No choice of unit should change the plan, so a program
whose matrix or objective spans more than ``SPREAD`` is solved in scaled form:

    rows     r_i a_i x  in  [r_i l_i, r_i u_i]
    columns  x_j = d_j y_j   (d_j = 1 for integer columns: whole numbers stay whole)

with ``r`` and ``d`` powers of two (exact in binary) chosen by geometric-mean passes
(Curtis and Reid's idea): each row, then each continuous column (with its objective
coefficient), divided by the geometric mean of its largest and smallest entry.  The
answer is mapped back, ``x = d y`` and the row duals ``pi = r pi'``; the objective is the
same number.  A program within ``SPREAD`` (the base case: matrix 0.13 ... 1.8e4) is
not scaled so.

Large bounds are a second hazard.  The base case's demand rows reach 7e6 ZFLOP and a
hedge's 9e6, while HiGHS judges a row's feasibility to an absolute 1e-7 (a part in 1e14
of such a row).  HiGHS calls bounds over 1e6 "excessively large" and advises its
``user_bound_scale``; :func:`bound_factors` does the same thing here (rows and continuous
columns times ``2**k``, the objective with them), so the bound and gap HiGHS reports are
mapped back by capplan rather than left in scaled units (highspy 1.12 returns
``mip_dual_bound`` scaled).  Measured (docs/benchmarks.md, "Hedged plans"): the base
case's proof takes 440 branch-and-bound nodes instead of 1,688, and the 50-future hedge's
gap at 300 s is about halved.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from capplan.model.csr import Csr
from capplan.model.lp import LinearProgram

SPREAD = 1e8  # max/min nonzero |coefficient| of the matrix or the objective
PASSES = 8
#: The largest row or continuous-column bound handed to a solver; HiGHS calls larger
#: bounds "excessively large" and advises scaling them down by a power of two.
BOUND_LIMIT = 1e6
#: At most 2**-4: an integer column's coefficients shrink with its rows.  Forced to 2**-9,
#: HiGHS rejected the optimum of a hand-sized case for a 1.5e-5 row violation after its
#: presolve and called a worse plan optimal (tests/test_bench.py checks that case, whose
#: supply row of 1e9 stands for "no limit", against PuLP and CBC).
BOUND_SCALE_MAX = 4


def _spread(values: np.ndarray) -> float:
    v = np.abs(values[np.isfinite(values) & (values != 0)])
    return float(v.max() / v.min()) if v.size else 1.0


def needs_scaling(lp: LinearProgram) -> bool:
    """True when the matrix or the objective spans more than ``SPREAD``."""
    return _spread(lp.csr().data) > SPREAD or _spread(lp.c) > SPREAD


def _geometric(data: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Per segment of a compressed matrix: log2 of sqrt(max * min) of |entries| (0 if empty)."""
    out = np.zeros(len(indptr) - 1)
    full = np.flatnonzero(np.diff(indptr) > 0)
    if full.size:
        logs = np.log2(data)
        starts = indptr[full]
        out[full] = 0.5 * (np.maximum.reduceat(logs, starts) + np.minimum.reduceat(logs, starts))
    return out


def factors(lp: LinearProgram) -> tuple[np.ndarray, np.ndarray]:
    """Row factors ``r`` and column factors ``d`` (powers of two; 1 on integer columns)."""
    import scipy.sparse as sp

    m, n = lp.A.shape
    a = abs(lp.A.tocsr())
    a.eliminate_zeros()
    log_r, log_d = np.zeros(m), np.zeros(n)
    cont = ~lp.integer
    cost = np.abs(lp.c)
    for _ in range(PASSES):
        scaled = sp.diags(2.0**log_r) @ a @ sp.diags(2.0**log_d)
        rows = scaled.tocsr()
        log_r -= _geometric(rows.data, rows.indptr)
        scaled = (sp.diags(2.0**log_r) @ a @ sp.diags(2.0**log_d)).tocsc()
        cols = sp.vstack([scaled, sp.csr_matrix(cost * 2.0**log_d)]).tocsc()
        log_d -= np.where(cont, _geometric(cols.data, cols.indptr), 0.0)
        log_r, log_d = np.round(log_r), np.round(log_d)
    return 2.0**log_r, 2.0**log_d


def scale(lp: LinearProgram, r: np.ndarray, d: np.ndarray) -> LinearProgram:
    """The program in scaled form (rows times ``r``, columns ``x = d y``)."""
    a = lp.csr()
    matrix = Csr(a.data * r[a.rows()] * d[a.indices], a.indices, a.indptr, a.shape)
    with np.errstate(invalid="ignore"):  # inf * positive stays inf
        return dataclasses.replace(
            lp,
            matrix=matrix,
            c=lp.c * d,
            row_lb=lp.row_lb * r,
            row_ub=lp.row_ub * r,
            col_lb=lp.col_lb / d,
            col_ub=lp.col_ub / d,
        )


def bound_exponent(lp: LinearProgram) -> int:
    """``k <= 0``: the power of two that brings every finite row bound and continuous
    column bound within ``BOUND_LIMIT`` (0 if they are already), but not below
    ``-BOUND_SCALE_MAX``.  A row bound no plan within the column bounds can reach (a
    supply of 1e9 pods standing for "no limit") is no bound and is not counted."""
    low, high = _activity_range(lp)
    with np.errstate(invalid="ignore"):
        row_lb = np.where(lp.row_lb > low, lp.row_lb, np.nan)
        row_ub = np.where(lp.row_ub < high, lp.row_ub, np.nan)
    cont = ~lp.integer
    bounds = np.concatenate([row_lb, row_ub, lp.col_lb[cont], lp.col_ub[cont]])
    finite = np.abs(bounds[np.isfinite(bounds)])
    top = float(finite.max()) if finite.size else 0.0
    if top <= BOUND_LIMIT:
        return 0
    return -min(math.ceil(math.log2(top / BOUND_LIMIT)), BOUND_SCALE_MAX)


def _activity_range(lp: LinearProgram) -> tuple[np.ndarray, np.ndarray]:
    """Each row's least and greatest activity over the column bounds (may be infinite)."""
    a = lp.csr()
    rows = a.rows()
    lb, ub = lp.col_lb[a.indices], lp.col_ub[a.indices]
    # a term at its low end is finite or -inf, at its high end finite or +inf (a
    # canonical matrix has no zeros), so no sum is NaN
    at_low = np.where(a.data > 0, a.data * lb, a.data * ub)
    at_high = np.where(a.data > 0, a.data * ub, a.data * lb)
    m = a.shape[0]
    return (
        np.bincount(rows, weights=at_low, minlength=m),
        np.bincount(rows, weights=at_high, minlength=m),
    )


def bound_factors(lp: LinearProgram, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column factors that scale every row and continuous column by ``2**k``:
    rows ``2**k a_i x``, continuous columns ``x_j = 2**-k y_j`` (HiGHS's
    ``user_bound_scale``, done here so that what comes back is in the program's units).
    The bounds shrink by ``2**k``; a continuous column's coefficients stay as they were,
    an integer column's shrink with its rows."""
    s = 2.0**k
    return np.full(lp.num_rows, s), np.where(lp.integer, 1.0, 1.0 / s)


def unscale(result: Any, r: np.ndarray, d: np.ndarray) -> Any:
    """A backend Result of the scaled program, in the program's own columns and rows."""
    if result.x is not None:
        result.x = result.x * d
    if result.duals is not None:
        result.duals = result.duals * r
    return result
