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
solved as it is.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from capplan.model.lp import LinearProgram

SPREAD = 1e8  # max/min nonzero |coefficient| of the matrix or the objective
PASSES = 8


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
    import scipy.sparse as sp

    with np.errstate(invalid="ignore"):  # inf * positive stays inf
        return dataclasses.replace(
            lp,
            matrix=(sp.diags(r) @ lp.A @ sp.diags(d)).tocsr(),
            c=lp.c * d,
            row_lb=lp.row_lb * r,
            row_ub=lp.row_ub * r,
            col_lb=lp.col_lb / d,
            col_ub=lp.col_ub / d,
        )


def unscale(result: Any, r: np.ndarray, d: np.ndarray) -> Any:
    """A backend Result of the scaled program, in the program's own columns and rows."""
    if result.x is not None:
        result.x = result.x * d
    if result.duals is not None:
        result.duals = result.duals * r
    return result
