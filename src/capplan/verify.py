"""Numerical honesty: a sanely scaled objective, and every plan checked without the solver.

Three steps around every solve (docs/reliability.md states the tolerances):

1. :func:`objective_scale` picks a power of ten that brings the objective's largest
   coefficient into [1, 1e4).  Solvers compare reduced costs and gaps with *absolute*
   tolerances (HiGHS: 1e-7), so a model in too small a money unit (every cost x 1e-6)
   looks optimal anywhere; :func:`solve_scaled` solves the scaled program and reports the
   objective, bound and duals in the model's own units.  The base case's objective is
   already in range: its factor is 1.  A program whose matrix or objective spans more
   than 1e8 is scaled by rows and columns first, and one whose row or continuous-column
   bounds exceed 1e6 (the base case's demand rows reach 7e6 ZFLOP) has its rows and
   continuous columns scaled down by a power of two (:mod:`capplan.scaling`); its plan
   is polished there to the solver's tolerance, then mapped back.
2. :func:`polish` cleans the plan at the results boundary: integer columns rounded,
   values within ``CLEAN_TOL`` (relative) of a column bound put on it, and ``<=``/``>=``
   rows exceeded by at most ``CLEAN_TOL`` brought back by shrinking their continuous
   columns, so a solver's last digits (CBC writes 8 significant digits) never show as
   negative slack, negative unserved demand or over-service in the tables.
3. :func:`verify` recomputes, from the plan alone, the largest row and bound violation
   (relative to each row's scale, and a row smaller than 1 to its own size: a solver's
   absolute 1e-6 may be most of a row in too small a unit), integrality, and the
   objective ``c @ x``; a plan beyond ``FEAS_TOL``/``OBJ_TOL`` is reported as
   ``unverified`` (exit code 4), never as optimal.  :func:`coefficient_range` goes into
   summary.json.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from capplan.model.lp import LinearProgram
from capplan.scaling import bound_exponent, bound_factors, needs_scaling
from capplan.scaling import factors as row_column_factors
from capplan.scaling import scale as scale_rows_columns
from capplan.scaling import unscale as unscale_rows_columns

OBJECTIVE_RANGE = (1.0, 1e4)  # the largest |objective coefficient| is brought in here
CLEAN_TOL = 1e-7  # relative: what polish() may move a value or a row by
FEAS_TOL = 1e-6  # relative: the largest row or bound violation a verified plan may have
INT_TOL = 1e-6  # absolute: distance of an integer column from a whole number
OBJ_TOL = 1e-6  # relative: reported objective vs c @ x
NOISE = 1e-9  # absolute: a row exceeded by less is rounding, whatever the row's size


class _Solves(Protocol):
    def solve(self, lp: LinearProgram, options: Any) -> Any: ...


def objective_scale(lp: LinearProgram) -> float:
    """A power of ten ``s`` with ``max |s * c|`` in OBJECTIVE_RANGE (1 if no objective)."""
    nonzero = np.abs(lp.c[lp.c != 0])
    if nonzero.size == 0:
        return 1.0
    top = float(nonzero.max())
    low, high = OBJECTIVE_RANGE
    if low <= top < high:
        return 1.0
    return float(10.0 ** -math.floor(math.log10(top)))  # brings it into [1, 10)


def scaled(lp: LinearProgram, factor: float) -> LinearProgram:
    """The same program with its objective multiplied by ``factor``."""
    if factor == 1.0:
        return lp
    return dataclasses.replace(lp, c=lp.c * factor, c0=lp.c0 * factor)


def unscale(result: Any, factor: float) -> Any:
    """A backend Result of the scaled program in the model's own units (in place)."""
    if factor == 1.0:
        return result
    if result.objective is not None:
        result.objective = result.objective / factor
    if result.bound is not None:
        result.bound = result.bound / factor
    if result.duals is not None:
        result.duals = result.duals / factor
    if result.objective is not None and result.bound is not None and np.isfinite(result.bound):
        result.gap = abs(result.objective - result.bound) / max(1.0, abs(result.objective))
    return result


def program_factors(lp: LinearProgram) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Row and column factors for a program that needs them, and its bound exponent ``k``:
    row and column scaling when the program spans more than 1e8
    (:func:`capplan.scaling.factors`), then every row and continuous column times ``2**k``
    when its bounds exceed ``BOUND_LIMIT`` (:func:`capplan.scaling.bound_factors`).
    ``None``: solved as it is."""
    r, d = row_column_factors(lp) if needs_scaling(lp) else (None, None)
    program = lp if r is None or d is None else scale_rows_columns(lp, r, d)
    k = bound_exponent(program)
    if k:
        rk, dk = bound_factors(program, k)
        r, d = (rk, dk) if r is None or d is None else (r * rk, d * dk)
    return None if r is None or d is None else (r, d, k)


def handed_over(
    lp: LinearProgram,
) -> tuple[LinearProgram, tuple[np.ndarray, np.ndarray, int] | None, float]:
    """What :func:`solve_scaled` hands a solver: the program with its rows and columns
    scaled (:func:`program_factors`, or as it is), those factors, and the factor its
    objective is then multiplied by."""
    rows_columns = program_factors(lp)
    program, k = lp, 0
    if rows_columns is not None:
        r, d, k = rows_columns
        program = scale_rows_columns(lp, r, d)
    # bounds times 2**k carry the objective with them (as HiGHS's user_bound_scale does)
    return program, rows_columns, objective_scale(scaled(program, 2.0**k)) * 2.0**k


def solve_scaled(backend: _Solves, lp: LinearProgram, options: Any, **kwargs: Any) -> Any:
    """``backend.solve`` on the objective-scaled program (and, when the program is badly
    scaled or its bounds are too large, the row- and column-scaled one; see
    :func:`program_factors`), answered in the model's units."""
    program, rows_columns, factor = handed_over(lp)
    progress = kwargs.get("progress")
    if progress is not None and factor != 1.0:

        def unscaled(event: Any) -> None:
            def back(v: float | None) -> float | None:
                return None if v is None else v / factor

            progress(
                dataclasses.replace(event, incumbent=back(event.incumbent), bound=back(event.bound))
            )

        kwargs["progress"] = unscaled
    if rows_columns is not None and kwargs.get("start") is not None:
        kwargs["start"] = kwargs["start"] / rows_columns[1]
    result = unscale(backend.solve(scaled(program, factor), options, **kwargs), factor)
    if rows_columns is None:
        return result
    if result.x is not None:  # the solver's tolerance is met in scaled form: settle it there
        result.x = polish(program, result.x, tol=FEAS_TOL)
    return unscale_rows_columns(result, *rows_columns[:2])


def _span(values: np.ndarray) -> dict[str, float] | None:
    v = np.abs(values[np.isfinite(values) & (values != 0)])
    return {"min": float(v.min()), "max": float(v.max())} if v.size else None


def coefficient_range(lp: LinearProgram) -> dict[str, Any]:
    """{min, max} nonzero magnitude of the objective, matrix, row bounds and column
    bounds, and the objective scale used (for summary.json)."""
    return {
        "objective": _span(lp.c),
        "matrix": _span(lp.csr().data),
        "row_bounds": _span(np.concatenate([lp.row_lb, lp.row_ub])),
        "column_bounds": _span(np.concatenate([lp.col_lb, lp.col_ub])),
        "objective_scale": objective_scale(lp),
    }


# --------------------------------------------------------------------------- polish


def _row_scale(lp: LinearProgram, x: np.ndarray) -> np.ndarray:
    """Each row's scale: max(1, |bounds|, sum |a_ij x_j|)."""
    terms = lp.csr().matvec(np.abs(x), absolute=True)
    lb = np.where(np.isfinite(lp.row_lb), np.abs(lp.row_lb), 0.0)
    ub = np.where(np.isfinite(lp.row_ub), np.abs(lp.row_ub), 0.0)
    return np.maximum.reduce([np.ones_like(terms), terms, lb, ub])


def _row_size(lp: LinearProgram, x: np.ndarray) -> np.ndarray:
    """Each row's own size: max(|bounds|, sum |a_ij x_j|) (no floor of 1)."""
    terms = lp.csr().matvec(np.abs(x), absolute=True)
    lb = np.where(np.isfinite(lp.row_lb), np.abs(lp.row_lb), 0.0)
    ub = np.where(np.isfinite(lp.row_ub), np.abs(lp.row_ub), 0.0)
    return np.maximum.reduce([terms, lb, ub])


def polish(lp: LinearProgram, x: np.ndarray, tol: float = CLEAN_TOL) -> np.ndarray:
    """``x`` with integers rounded, near-bound values on their bounds and rows exceeded
    by at most ``tol`` (relative to the row's scale) brought back within them."""
    out = np.array(x, dtype=float)
    out[lp.integer] = np.round(out[lp.integer])
    for bound in (lp.col_lb, lp.col_ub):
        finite = np.isfinite(bound)
        near = finite & (np.abs(out - bound) <= tol * np.maximum(1.0, np.abs(bound)))
        out[near] = bound[near]
    out = np.clip(out, lp.col_lb, lp.col_ub)
    continuous = ~lp.integer
    for _ in range(3):  # a repair can touch a neighbouring row: a few passes settle it
        if not _repair_rows(lp, out, continuous, tol):
            break
    return out


def _repair_rows(lp: LinearProgram, x: np.ndarray, continuous: np.ndarray, tol: float) -> bool:
    """Shrink the continuous nonnegative columns of slightly violated rows; True if any."""
    A = lp.csr()
    activity = A.matvec(x)
    scale = _row_scale(lp, x)
    over = activity - lp.row_ub
    under = lp.row_lb - activity
    rows = np.flatnonzero(
        ((over > 0) & (over <= tol * scale)) | ((under > 0) & (under <= tol * scale))
    )
    changed = False
    for i in rows:
        start, stop = A.indptr[i], A.indptr[i + 1]
        cols, coef = A.indices[start:stop], A.data[start:stop]
        excess = over[i] if over[i] > 0 else -under[i]  # > 0: too high, < 0: too low
        movable = continuous[cols] & (x[cols] > 0) & (np.sign(coef) == np.sign(excess))
        part = float(coef[movable] @ x[cols[movable]])
        if part <= 0 or abs(excess) > part:
            continue
        x[cols[movable]] *= 1.0 - abs(excess) / part
        changed = True
    return changed


# --------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class Verification:
    """What an independent look at a plan found (summary.json ``verification``)."""

    verified: bool
    max_row_violation: float  # relative to the row's scale, and (above NOISE) its own size
    max_bound_violation: float  # relative to max(1, |bound|)
    max_integrality_violation: float
    objective_recomputed: float
    objective_difference: float  # relative to max(1, sum |c_j x_j|)
    problems: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["problems"] = list(self.problems)
        out["tolerances"] = {"feasibility": FEAS_TOL, "integrality": INT_TOL, "objective": OBJ_TOL}
        return out


def verify(lp: LinearProgram, x: np.ndarray, objective: float | None) -> Verification:
    """Check ``x`` against ``lp`` without the solver: rows, bounds, integrality, and the
    reported ``objective`` against ``c @ x + c0``."""
    activity = lp.csr().matvec(x)
    scale = _row_scale(lp, x)
    with np.errstate(invalid="ignore", divide="ignore"):
        excess = np.maximum(np.maximum(lp.row_lb - activity, activity - lp.row_ub), 0.0)
        row_v = excess / scale
        # a row smaller than 1 (in the model's units) is measured against its own size, so
        # a solver's absolute tolerance (1e-6) cannot hide a violation of a row of size
        # 1e-5; below NOISE (absolute) a difference is rounding, not a violation
        own = np.where(excess > NOISE, excess / _row_size(lp, x), 0.0)
        row_v = np.maximum(row_v, own)
        col_scale = np.maximum(1.0, np.abs(np.where(np.isfinite(lp.col_lb), lp.col_lb, 0.0)))
        col_v = np.maximum(np.maximum(lp.col_lb - x, x - lp.col_ub), 0.0) / col_scale
    ints = x[lp.integer]
    int_v = float(np.abs(ints - np.round(ints)).max()) if ints.size else 0.0
    recomputed = lp.objective_value(x)
    obj_scale = max(1.0, float(np.abs(lp.c) @ np.abs(x)))
    diff = abs(recomputed - objective) / obj_scale if objective is not None else math.inf
    worst_row = float(np.nan_to_num(row_v, nan=math.inf).max()) if row_v.size else 0.0
    worst_col = float(np.nan_to_num(col_v, nan=math.inf).max()) if col_v.size else 0.0
    problems = []
    if not np.all(np.isfinite(x)):
        problems.append("the plan has values that are not finite numbers")
    if worst_row > FEAS_TOL:
        i = int(np.nan_to_num(row_v, nan=math.inf).argmax())
        problems.append(f"row {lp.row_names()[i]} violated by {worst_row:.3g} (relative)")
    if worst_col > FEAS_TOL:
        j = int(np.nan_to_num(col_v, nan=math.inf).argmax())
        problems.append(f"column {lp.var_names()[j]} outside its bounds by {worst_col:.3g}")
    if int_v > INT_TOL:
        problems.append(f"an integer column is {int_v:.3g} from a whole number")
    if not diff <= OBJ_TOL:
        problems.append(f"the solver's objective {objective} differs from c @ x = {recomputed:.9g}")
    return Verification(
        not problems, worst_row, worst_col, int_v, recomputed, float(diff), tuple(problems)
    )


def check_plan(lp: LinearProgram, result: Any) -> Verification | None:
    """Polish a backend Result's plan at the results boundary and verify it without the
    solver; a plan that fails becomes ``unverified`` (in place).  None without a plan."""
    from capplan.backends.base import Status

    if not result.status.has_solution or result.x is None:
        return None
    result.x = polish(lp, result.x)
    checked = verify(lp, result.x, result.objective)
    if not checked.verified:
        said = result.status
        result.status = Status.UNVERIFIED
        result.message = f"{result.backend} said {said}, but " + "; ".join(checked.problems)
    return checked
