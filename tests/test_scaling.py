"""Row and column scaling of badly scaled programs (capplan.scaling), worked by hand.

The hazard it answers: HiGHS judges reduced costs with an absolute tolerance, so a
column whose objective coefficient is 2e-8 looks worthless.  On

    maximise 2e-8 x - b   subject to   x - 1e9 b <= 0,   0 <= x <= 1e8,   b in {0, 1}

b = 1, x = 1e8 earns 2 - 1 = 1 and b = 0 earns 0, so the optimum is 1; HiGHS 1.12 on the
program as written answers 0 and calls it optimal.  Scaled, every backend finds 1.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from capplan.backends import get_backend
from capplan.backends.base import ProgressEvent, SolveOptions, Status
from capplan.model.lp import LinearProgram
from capplan.scaling import bound_exponent, factors, needs_scaling, scale, unscale
from capplan.verify import check_plan, solve_scaled


def lp_of(c: list[float], rows: list[list[float]], lb: list[float], ub: list[float],
          col_ub: list[float], integer: list[bool], maximize: bool) -> LinearProgram:  # fmt: skip
    return LinearProgram(
        c=np.array(c),
        matrix=sp.csr_matrix(np.array(rows)),
        row_lb=np.array(lb),
        row_ub=np.array(ub),
        col_lb=np.zeros(len(c)),
        col_ub=np.array(col_ub),
        integer=np.array(integer),
        maximize=maximize,
    )


TINY_REVENUE = lp_of([2e-8, -1.0], [[1.0, -1e9]], [-np.inf], [0.0], [1e8, 1.0], [False, True],
                     maximize=True)  # fmt: skip


def _backends() -> list[str]:
    return [b for b in ("highs", "scip", "cbc") if get_backend(b).is_available()]


def test_factors_are_powers_of_two_and_integer_columns_stay_whole() -> None:
    assert needs_scaling(TINY_REVENUE)
    r, d = factors(TINY_REVENUE)
    for f in (*r, *d):
        assert f > 0 and np.log2(f) == np.round(np.log2(f))
    assert d[1] == 1.0  # b is an integer column
    program = scale(TINY_REVENUE, r, d)
    # row 0 times r, column x = d y: the same plan in the scaled columns is feasible there
    y = np.array([1e8 / d[0], 1.0])
    assert program.A.toarray() == pytest.approx(np.array([[r[0] * d[0], -1e9 * r[0]]]))
    assert float(program.c @ y) == pytest.approx(1.0)
    assert (program.A @ y)[0] <= 1e-12
    spread = np.abs(program.A.data).max() / np.abs(program.A.data).min()
    assert spread < 1e9 / 100  # far narrower than the original 1e9


@pytest.mark.parametrize("backend", _backends())
def test_a_tiny_revenue_is_not_lost_to_the_solver_tolerance(backend: str) -> None:
    result = solve_scaled(get_backend(backend), TINY_REVENUE, SolveOptions())
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(1.0, rel=1e-6)
    assert result.x == pytest.approx([1e8, 1.0], rel=1e-6)
    checked = check_plan(TINY_REVENUE, result)
    assert checked is not None and checked.verified


def test_highs_as_written_loses_it() -> None:
    """Why the scaling exists (highspy 1.12.0): the unscaled program's answer is wrong."""
    result = get_backend("highs").solve(TINY_REVENUE, SolveOptions())
    assert result.status is Status.OPTIMAL and result.objective == pytest.approx(0.0, abs=1e-9)


def test_duals_come_back_in_the_rows_units() -> None:
    """minimise x + y s.t. 1e-5 x >= 1e-5 and 1e4 y >= 2e4: x = 1, y = 2, objective 3;
    the rows' duals are 1 / 1e-5 = 1e5 and 1 / 1e4 = 1e-4."""
    lp = lp_of([1.0, 1.0], [[1e-5, 0.0], [0.0, 1e4]], [1e-5, 2e4], [np.inf, np.inf],
               [np.inf, np.inf], [False, False], maximize=False)  # fmt: skip
    assert needs_scaling(lp)
    result = solve_scaled(get_backend("highs"), lp, SolveOptions())
    assert result.objective == pytest.approx(3.0)
    assert result.x == pytest.approx([1.0, 2.0])
    assert np.abs(result.duals) == pytest.approx([1e5, 1e-4], rel=1e-9)


def test_unscale_maps_columns_and_duals_back() -> None:
    class R:
        x = np.array([2.0, 3.0])
        duals = np.array([5.0])

    out = unscale(R(), np.array([4.0]), np.array([0.5, 8.0]))
    assert out.x.tolist() == [1.0, 24.0] and out.duals.tolist() == [20.0]


def test_the_base_case_is_solved_as_it_is() -> None:
    from pathlib import Path

    from capplan.library import SolveRequest, build, load

    root = Path(__file__).resolve().parents[1]
    model = build(load(SolveRequest(model=str(root / "models" / "base.yaml"))))
    assert not needs_scaling(model.lp)
    # its demand rows reach 7.0e6 ZFLOP: bounds (only) are scaled by 2**-3 (7.0e6 / 8 < 1e6)
    top = np.abs(np.concatenate([model.lp.row_lb, model.lp.row_ub]))
    assert 4e6 < top[np.isfinite(top)].max() <= 8e6
    assert bound_exponent(model.lp) == -3


def test_progress_is_reported_in_the_models_units() -> None:
    """The search's incumbent and bound reach the caller in the program's own units, also
    when the objective of the row- and column-scaled program is scaled again."""
    lp = dataclasses.replace(TINY_REVENUE, c=TINY_REVENUE.c * 1e6)  # optimum 1e6
    events: list[ProgressEvent] = []
    result = solve_scaled(get_backend("highs"), lp, SolveOptions(), progress=events.append)
    assert result.objective == pytest.approx(1e6, rel=1e-6)
    found = [e.incumbent for e in events if e.incumbent is not None]
    assert found and found[-1] == pytest.approx(1e6, rel=1e-6)


# maximise 5 n + 1e-3 y  s.t.  y <= 3e6,  1e6 n + y <= 5.5e6,  n in {0..10} integer, y >= 0.
# n = 2, y = 3e6 earns 10 + 3000 = 3010 (n = 1: 3005; n = 3: y <= 2.5e6, 2515); the LP
# relaxation's n = 2.5 earns 3012.5.  With n fixed at 2 the first row's dual is 1e-3.
LARGE_BOUNDS = lp_of([5.0, 1e-3], [[0.0, 1.0], [1e6, 1.0]], [-np.inf, -np.inf], [3e6, 5.5e6],
                     [10.0, np.inf], [True, False], maximize=True)  # fmt: skip


def test_bound_exponent_brings_the_largest_bound_within_the_limit() -> None:
    assert bound_exponent(LARGE_BOUNDS) == -3  # 5.5e6 / 8 = 687,500
    assert bound_exponent(TINY_REVENUE) == -4  # x <= 1e8 would need 2**-7: at most 2**-4
    small = dataclasses.replace(LARGE_BOUNDS, row_ub=np.array([3e5, 5.5e5]))
    assert bound_exponent(small) == 0
    # an integer column's bound is never scaled (whole numbers stay whole), so not counted
    assert bound_exponent(dataclasses.replace(small, col_ub=np.array([1e9, np.inf]))) == 0
    # a row bound no plan can reach is no bound: 1e6 n + y <= 1e9 with n <= 10, y <= 4e5
    # (at most 1.04e7) stands for "no limit"
    unreachable = dataclasses.replace(small, row_ub=np.array([3e5, 1e9]),
                                      col_ub=np.array([10.0, 4e5]))  # fmt: skip
    assert bound_exponent(unreachable) == 0
    reachable = dataclasses.replace(unreachable, col_ub=np.array([10.0, np.inf]))
    assert bound_exponent(reachable) == -4  # 1e9 would need 2**-10: at most 2**-4


class _Recording:
    """The real HiGHS backend, keeping the program it was handed."""

    def __init__(self) -> None:
        self.inner = get_backend("highs")
        self.seen: list[LinearProgram] = []

    def solve(self, lp: LinearProgram, options: SolveOptions, **kwargs: object) -> object:
        self.seen.append(lp)
        return self.inner.solve(lp, options, **kwargs)


def test_large_bounds_are_solved_scaled_and_answered_in_the_programs_units() -> None:
    backend = _Recording()
    result = solve_scaled(backend, LARGE_BOUNDS, SolveOptions(mip_gap=1e-9))
    handed = backend.seen[0]
    finite = np.abs(np.concatenate([handed.row_ub[np.isfinite(handed.row_ub)], [handed.col_ub[0]]]))
    assert finite.max() <= 1e6 and handed.col_ub[0] == 10.0  # n stays whole, up to 10
    assert result.status is Status.OPTIMAL
    assert result.x == pytest.approx([2.0, 3e6], rel=1e-9)
    assert result.objective == pytest.approx(3010.0, rel=1e-9)
    assert result.bound == pytest.approx(3010.0, rel=1e-6)  # not 3010 / 8
    fixed = dataclasses.replace(
        LARGE_BOUNDS, col_lb=np.array([2.0, 0.0]), col_ub=np.array([2.0, np.inf]),
        integer=np.array([False, False]),
    )  # fmt: skip
    duals = solve_scaled(get_backend("highs"), fixed, SolveOptions()).duals
    assert np.abs(duals) == pytest.approx([1e-3, 0.0], abs=1e-12)
    checked = check_plan(LARGE_BOUNDS, result)
    assert checked is not None and checked.verified
