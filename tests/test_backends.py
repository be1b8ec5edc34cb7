"""Tests of the solver backends: hand-solved programs against every available backend.

Every small LP and MIP here was solved by hand; the working is in each docstring.  Each
test runs on every backend that is available on this machine (MIP tests on the MIP ones,
dual tests on those that report duals).  A second group checks, on the raw OR-Tools and
PuLP/CBC interfaces, the facts the backends are built on (HiGHS returns row activities as
"duals", GLOP reports an unbounded LP as infeasible, CBC calls a time-limited solve
"Optimal"...), so that a new OR-Tools or PuLP that changes them fails here first.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from capplan.backends import (
    BACKENDS,
    available_backends,
    backend_table,
    get_backend,
)
from capplan.backends.base import Result, SolveOptions, Status, hold_to_gap
from capplan.backends.ortools_backend import build_helper
from capplan.backends.pulp_backend import CbcBackend, build_problem
from capplan.model.lp import LinearProgram

INF = np.inf
AVAILABLE = available_backends()
MIP_BACKENDS = [b for b in AVAILABLE if BACKENDS[b].features.mip]
LP_ONLY = [b for b in AVAILABLE if not BACKENDS[b].features.mip]
DUAL_BACKENDS = [b for b in AVAILABLE if BACKENDS[b].features.duals]
TOL = 1e-6  # CBC's solution file has 8 decimals, PDLP stops at 1e-8


def make_lp(
    c: Sequence[float],
    A: Sequence[Sequence[float]],
    row_lb: Sequence[float],
    row_ub: Sequence[float],
    col_lb: Sequence[float] | None = None,
    col_ub: Sequence[float] | None = None,
    integer: Sequence[bool] | None = None,
    maximize: bool = False,
    c0: float = 0.0,
) -> LinearProgram:
    """A LinearProgram from dense lists; columns default to ``[0, inf)`` and continuous."""
    n = len(c)
    return LinearProgram(
        c=np.array(c, dtype=float),
        matrix=sp.csr_matrix(np.array(A, dtype=float).reshape(-1, n)),
        row_lb=np.array(row_lb, dtype=float),
        row_ub=np.array(row_ub, dtype=float),
        col_lb=np.zeros(n) if col_lb is None else np.array(col_lb, dtype=float),
        col_ub=np.full(n, INF) if col_ub is None else np.array(col_ub, dtype=float),
        integer=np.zeros(n, dtype=bool) if integer is None else np.array(integer, dtype=bool),
        maximize=maximize,
        c0=c0,
    )


def two_by_two(maximize: bool = True, c0: float = 0.0) -> LinearProgram:
    """max 3x + 2y  s.t.  2x + y <= 10,  x + 3y <= 15,  x, y >= 0.

    Both rows bind at the optimum: from 2x + y = 10 and x + 3y = 15, 5y = 20, y = 4,
    x = 3, objective 17.  Duals u solve [2 1; 1 3]^T u = (3, 2): u = (1.4, 0.2).
    With ``maximize=False`` the objective is negated (min -3x - 2y = -17).
    """
    sign = 1.0 if maximize else -1.0
    return make_lp(
        [3 * sign, 2 * sign], [[2, 1], [1, 3]], [-INF, -INF], [10, 15], maximize=maximize, c0=c0
    )


def small_mip(maximize: bool = True) -> LinearProgram:
    """max 5x + 4y  s.t.  6x + 4y <= 24,  x + 2y <= 6,  x, y >= 0 integer.

    The LP relaxation is optimal at x = 3, y = 1.5 (21).  Integer points by y:
    y=0: x<=4 -> 20;  y=1: 6x<=20, x<=3 -> 19;  y=2: x<=2 -> 18;  y=3: x=0 -> 12.
    Optimum 20 at (4, 0).  ``maximize=False`` minimises the negated objective (-20).
    """
    sign = 1.0 if maximize else -1.0
    return make_lp(
        [5 * sign, 4 * sign],
        [[6, 4], [1, 2]],
        [-INF, -INF],
        [24, 6],
        integer=[True, True],
        maximize=maximize,
    )


def knapsack(n: int, m: int, seed: int = 0) -> LinearProgram:
    """A random ``m``-dimensional 0-1 knapsack: weights 1..99, capacity half the weight.

    With ``n=60, m=5, seed=0`` HiGHS needs about 15 s to prove the optimum (2003.6) on
    this machine; with ``n=20`` every MIP backend solves it in well under a second
    (optimum 625.8).
    """
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 100, size=(m, n)).astype(float)
    cap = 0.5 * W.sum(axis=1)
    value = W.mean(axis=0) + rng.integers(1, 20, size=n)
    return LinearProgram(
        c=value,
        matrix=sp.csr_matrix(W),
        row_lb=np.full(m, -INF),
        row_ub=cap,
        col_lb=np.zeros(n),
        col_ub=np.ones(n),
        integer=np.ones(n, dtype=bool),
        maximize=True,
    )


def solve(backend: str, lp: LinearProgram, **options: Any) -> Result:
    return get_backend(backend).solve(lp, SolveOptions(**options))


def assert_optimal(result: Result, objective: float, x: list[float] | None = None) -> None:
    assert result.status is Status.OPTIMAL, result.message
    assert result.objective == pytest.approx(objective, rel=TOL, abs=TOL)
    if x is not None:
        assert result.x is not None
        np.testing.assert_allclose(result.x, x, atol=TOL)


# --- the registry -------------------------------------------------------------------


def test_required_backends_are_available() -> None:
    """highspy, OR-Tools and PuLP are dependencies, so these six must work everywhere."""
    assert {"highs", "highs-ortools", "scip", "glop", "pdlp", "cbc"} <= set(AVAILABLE)


def test_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"highs.*cbc"):
        get_backend("gurobi-typo")


def test_backend_table() -> None:
    rows = {row["name"]: row for row in backend_table()}
    assert list(rows) == list(BACKENDS)
    assert rows["highs"] == {
        "name": "highs",
        "family": "highspy",
        "available": True,
        "mip": True,
        "duals": True,
        "bound": True,
        "incumbent_at_limit": True,
        "warm_start": True,
        "interrupt": True,
        "progress": True,
    }
    assert rows["highs-ortools"]["bound"] is False and rows["highs-ortools"]["duals"] is False
    assert rows["glop"]["mip"] is False and rows["glop"]["duals"] is True
    assert rows["cbc"]["family"] == "pulp" and rows["cbc"]["bound"] is True
    assert {r["name"] for r in rows.values() if r["available"]} == set(AVAILABLE)


def test_importing_backends_does_not_import_solvers() -> None:
    code = (
        "import sys, capplan.backends; "
        "print('ortools' in sys.modules, 'pulp' in sys.modules, 'highspy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


def test_unavailable_backend_reports_error() -> None:
    class Missing(CbcBackend):
        name = "missing"

        @classmethod
        def is_available(cls) -> bool:
            return False

    result = Missing().solve(two_by_two(), SolveOptions())
    assert result.status is Status.ERROR and "not available" in result.message


# --- LPs on every backend ----------------------------------------------------------


@pytest.mark.parametrize("backend", AVAILABLE)
def test_lp_max_and_min(backend: str) -> None:
    """See :func:`two_by_two`: 17 at (3, 4), and -17 at (3, 4) when minimising."""
    result = solve(backend, two_by_two(maximize=True))
    assert_optimal(result, 17.0, [3.0, 4.0])
    assert result.bound == pytest.approx(17.0, rel=TOL) and result.gap is not None
    assert_optimal(solve(backend, two_by_two(maximize=False)), -17.0, [3.0, 4.0])


@pytest.mark.parametrize("backend", AVAILABLE)
def test_objective_offset(backend: str) -> None:
    """c0 = 5 shifts the objective, not the plan: 17 + 5 = 22, and -17 + 5 = -12."""
    assert_optimal(solve(backend, two_by_two(True, c0=5.0)), 22.0, [3.0, 4.0])
    assert_optimal(solve(backend, two_by_two(False, c0=5.0)), -12.0, [3.0, 4.0])


@pytest.mark.parametrize("backend", AVAILABLE)
def test_ranged_and_equality_rows(backend: str) -> None:
    """Rows  3 <= x + y <= 5  (ranged)  and  x - y = 1  (equality), x, y >= 0.

    The equality gives x = y + 1, so x + y = 2y + 1 and the ranged row is 1 <= y <= 2.
    min x + 2y = 3y + 1 takes y = 1: (2, 1), objective 4 (lower side binding).
    max x + 2y takes y = 2: (3, 2), objective 7 (upper side binding).
    """
    rows = ([[1, 1], [1, -1]], [3, 1], [5, 1])
    assert_optimal(solve(backend, make_lp([1, 2], *rows)), 4.0, [2.0, 1.0])
    assert_optimal(solve(backend, make_lp([1, 2], *rows, maximize=True)), 7.0, [3.0, 2.0])


@pytest.mark.parametrize("backend", AVAILABLE)
def test_free_variable_and_free_row(backend: str) -> None:
    """min x  s.t.  x + y >= -2,  0 <= y <= 3,  x free;  plus a free row x - y in R.

    x >= -2 - y is smallest with y = 3: (-5, 3), objective -5.  The free row constrains
    nothing (a solver that took it as x - y <= 0 or >= 0 would move the answer).
    """
    lp = make_lp(
        [1, 0],
        [[1, 1], [1, -1]],
        [-2, -INF],
        [INF, INF],
        col_lb=[-INF, 0],
        col_ub=[INF, 3],
    )
    assert_optimal(solve(backend, lp), -5.0, [-5.0, 3.0])


@pytest.mark.parametrize("backend", AVAILABLE)
def test_duplicate_matrix_entries_are_summed(backend: str) -> None:
    """A CSR row naming x twice (1 + 1) means 2x + y <= 10, as in :func:`two_by_two`."""
    A = sp.csr_matrix(
        (np.array([1.0, 1.0, 1.0, 1.0, 3.0]), np.array([0, 0, 1, 0, 1]), np.array([0, 3, 5])),
        shape=(2, 2),
    )
    assert_optimal(solve(backend, replace(two_by_two(), matrix=A)), 17.0, [3.0, 4.0])


@pytest.mark.parametrize("backend", AVAILABLE)
def test_infeasible_lp(backend: str) -> None:
    """x + y >= 5 and x + y <= 3 cannot both hold; no objective may be reported."""
    lp = make_lp([1, 1], [[1, 1], [1, 1]], [5, -INF], [INF, 3])
    result = solve(backend, lp)
    assert result.status is Status.INFEASIBLE, result.message
    assert result.objective is None and result.x is None and result.duals is None


@pytest.mark.parametrize("backend", AVAILABLE)
@pytest.mark.parametrize("maximize", [True, False])
def test_unbounded_lp(backend: str, maximize: bool) -> None:
    """max x + y s.t. x - y <= 1: (t + 1, t) is feasible for all t >= 0, objective 2t + 1.

    The minimising twin is min -x - y.  GLOP says "infeasible" and PDLP "not solved" for
    this; the backends must still report UNBOUNDED.
    """
    sign = 1.0 if maximize else -1.0
    lp = make_lp([sign, sign], [[1, -1]], [-INF], [1], maximize=maximize)
    result = solve(backend, lp)
    assert result.status is Status.UNBOUNDED, result.message
    assert result.objective is None


# --- MIPs -------------------------------------------------------------------------


@pytest.mark.parametrize("backend", MIP_BACKENDS)
def test_mip(backend: str) -> None:
    """See :func:`small_mip`: 20 at (4, 0); -20 when minimising the negated objective."""
    assert_optimal(solve(backend, small_mip(True)), 20.0, [4.0, 0.0])
    assert_optimal(solve(backend, small_mip(False)), -20.0, [4.0, 0.0])


@pytest.mark.parametrize("backend", MIP_BACKENDS)
def test_mip_infeasible(backend: str) -> None:
    """2x + 2y = 1 has no integer solution (the left side is even), although the LP does."""
    lp = make_lp([1, 1], [[2, 2]], [1], [1], integer=[True, True])
    result = solve(backend, lp)
    assert result.status is Status.INFEASIBLE, result.message
    assert result.objective is None


@pytest.mark.parametrize("backend", MIP_BACKENDS)
def test_mip_unbounded(backend: str) -> None:
    """max x + y s.t. x - y <= 1, integers: (t + 1, t) for every integer t >= 0.

    HiGHS answers "infeasible (may actually be unbounded)"; the backend must settle it.
    """
    lp = make_lp([1, 1], [[1, -1]], [-INF], [1], integer=[True, True], maximize=True)
    result = solve(backend, lp)
    assert result.status is Status.UNBOUNDED, result.message


@pytest.mark.parametrize("backend", LP_ONLY)
def test_lp_only_backend_refuses_a_mip(backend: str) -> None:
    """GLOP would silently solve the relaxation (21 instead of 20); it must refuse."""
    result = solve(backend, small_mip())
    assert result.status is Status.ERROR
    assert "LPs only" in result.message and result.x is None


@pytest.mark.parametrize("backend", MIP_BACKENDS)
def test_time_limited_hard_mip_is_never_optimal(backend: str) -> None:
    """The 60-item knapsack takes HiGHS ~15 s; at 0.2 s no backend may claim optimality.

    HiGHS through OR-Tools 9.15 loses its incumbent at the limit (NO_SOLUTION); SCIP and
    CBC return their incumbent with a best bound and a positive gap.
    """
    lp = knapsack(60, 5)
    result = solve(backend, lp, time_limit_s=0.2)
    assert result.status in (Status.FEASIBLE, Status.NO_SOLUTION), result.message
    assert result.solve_time_s < 5.0
    if result.status is Status.FEASIBLE:
        assert result.x is not None and result.objective is not None
        assert lp.max_violation(result.x) <= 1e-6
        assert result.objective == pytest.approx(lp.objective_value(result.x), rel=TOL)
        if BACKENDS[backend].features.bound:
            assert result.bound is not None and result.bound >= result.objective
            assert result.gap is not None and result.gap > 0
    else:
        assert result.x is None and result.objective is None


@pytest.mark.parametrize("backend", [b for b in MIP_BACKENDS if BACKENDS[b].features.bound])
def test_coarse_gap_reports_a_true_bound(backend: str) -> None:
    """At mip_gap 5 % the 60-item knapsack stops early (SCIP at 1926, CBC at 1991); the
    bound must still lie above the optimum 2003.6 and the gap within the 5 % asked."""
    result = solve(backend, knapsack(60, 5), mip_gap=0.05, time_limit_s=10.0)
    assert result.status is Status.OPTIMAL, result.message
    assert result.objective is not None and result.bound is not None
    assert result.objective <= 2003.6 + 1e-6 <= result.bound + 2e-6
    assert result.gap is not None and 0.0 <= result.gap <= 0.05


def test_an_optimal_claim_beyond_the_gap_is_downgraded() -> None:
    result = Result(Status.OPTIMAL, "x", objective=100.0, bound=110.0, gap=0.1)
    note = hold_to_gap(result, small_mip(), SolveOptions(mip_gap=1e-6))
    assert result.status is Status.FEASIBLE and "0.1" in note
    result = Result(Status.OPTIMAL, "x", objective=100.0, bound=110.0, gap=0.1)
    assert hold_to_gap(result, small_mip(), SolveOptions(mip_gap=0.2)) == ""
    assert result.status is Status.OPTIMAL


@pytest.mark.parametrize("backend", AVAILABLE)
def test_bad_input_is_an_error_not_an_exception(backend: str) -> None:
    """A NaN objective coefficient: every backend returns ERROR with a message."""
    result = solve(backend, replace(two_by_two(), c=np.array([np.nan, 2.0])))
    assert result.status is Status.ERROR and result.message
    assert result.x is None


@pytest.mark.parametrize("backend", AVAILABLE)
def test_same_model_twice_gives_the_same_plan(backend: str) -> None:
    """A fixed seed and one thread: the plan must repeat exactly, not just its objective."""
    lp = knapsack(20, 5)
    if not BACKENDS[backend].features.mip:
        lp = lp.with_bounds(integer=np.zeros(lp.num_vars, dtype=bool))
    first, second = solve(backend, lp), solve(backend, lp)
    assert first.status is Status.OPTIMAL and second.status is Status.OPTIMAL
    assert first.x is not None and second.x is not None
    assert np.array_equal(first.x, second.x)


def test_mip_backends_agree_on_a_knapsack() -> None:
    """HiGHS, SCIP and CBC on the 20-item knapsack: all 625.8 within 1e-6 relative."""
    lp = knapsack(20, 5)
    objectives = {}
    for backend in ("highs", "scip", "cbc"):
        result = solve(backend, lp)
        assert result.status is Status.OPTIMAL, result.message
        assert result.x is not None and lp.max_violation(result.x) <= 1e-9
        objectives[backend] = result.objective
    for value in objectives.values():
        assert value == pytest.approx(625.8, rel=1e-6)


# --- duals ------------------------------------------------------------------------


def three_rows(maximize: bool, ranged: bool) -> LinearProgram:
    """max 3x + 2y + z  s.t.  r0: 2x + y + z <= 10,  r1: x + 3y <= 15,
    r2: 1 <= z <= 2 (or z = 1),  r3: x - y >= -10 (slack);  x, y, z >= 0.

    A unit of z earns 1 but uses a unit of r0, worth 1.4 (see :func:`two_by_two`), so z
    stays at its lower row bound 1.  Then 2x + y = 9, x + 3y = 15: y = 4.2, x = 2.4,
    objective 7.2 + 8.4 + 1 = 16.6.  Duals: r0 1.4, r1 0.2, r2 1 - 1.4 = -0.4, r3 0.
    Minimising the negated objective negates the objective and the duals.
    """
    sign = 1.0 if maximize else -1.0
    return make_lp(
        [3 * sign, 2 * sign, sign],
        [[2, 1, 1], [1, 3, 0], [0, 0, 1], [1, -1, 0]],
        [-INF, -INF, 1, -10],
        [10, 15, 2 if ranged else 1, INF],
        maximize=maximize,
    )


@pytest.mark.parametrize("backend", DUAL_BACKENDS)
@pytest.mark.parametrize("maximize", [True, False])
@pytest.mark.parametrize("ranged", [True, False])
def test_duals_are_finite_differences(backend: str, maximize: bool, ranged: bool) -> None:
    """duals[i] = d(objective)/d(row bound i): shift row i's finite bounds by h, re-solve."""
    sign = 1.0 if maximize else -1.0
    lp = three_rows(maximize, ranged)
    base = solve(backend, lp)
    assert_optimal(base, 16.6 * sign, [2.4, 4.2, 1.0])
    assert base.duals is not None
    np.testing.assert_allclose(base.duals, sign * np.array([1.4, 0.2, -0.4, 0.0]), atol=TOL)
    h = 0.01
    for i in range(lp.num_rows):
        shift = np.zeros(lp.num_rows)
        shift[i] = h
        after = solve(backend, replace(lp, row_lb=lp.row_lb + shift, row_ub=lp.row_ub + shift))
        assert after.objective is not None and base.objective is not None
        slope = (after.objective - base.objective) / h
        assert base.duals[i] == pytest.approx(slope, abs=1e-4), f"row {i}"


@pytest.mark.parametrize("backend", [b for b in AVAILABLE if not BACKENDS[b].features.duals])
def test_no_duals_without_the_feature(backend: str) -> None:
    assert solve(backend, two_by_two()).duals is None


@pytest.mark.parametrize("backend", [b for b in DUAL_BACKENDS if b in MIP_BACKENDS])
def test_no_duals_for_a_mip(backend: str) -> None:
    """A MIP has no duals; CBC's constraint.pi for a MIP is all zeros and must not leak."""
    assert solve(backend, small_mip()).duals is None


# --- results carry what was asked ----------------------------------------------------


@pytest.mark.parametrize("backend", AVAILABLE)
def test_result_records_options_version_and_times(backend: str) -> None:
    result = solve(backend, two_by_two(), mip_gap=1e-7, seed=3)
    assert result.backend == backend
    assert result.options["mip_gap"] == 1e-7 and result.options["seed"] == 3
    assert result.solver_version
    assert min(result.fill_time_s, result.solve_time_s, result.extract_time_s) >= 0.0


def test_cbc_removes_its_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert solve("cbc", small_mip()).status is Status.OPTIMAL
    assert solve("cbc", two_by_two()).status is Status.OPTIMAL
    assert list(tmp_path.iterdir()) == []


def test_cbc_solution_has_eight_decimals() -> None:
    """min x s.t. 3x >= 1: x = 1/3 comes back as 0.33333333 (CBC's solution file)."""
    result = solve("cbc", make_lp([1], [[3]], [1], [INF]))
    assert result.x is not None
    assert 1e-10 < abs(result.x[0] - 1 / 3) < 1e-8


def test_highs_ortools_gap_is_set_and_mip_reports_no_bound() -> None:
    result = solve("highs-ortools", small_mip())
    assert result.bound is None and result.gap is None
    assert "mip_rel_gap=1e-06" in str(result.options["solver_parameters"])


# --- the facts the backends are built on (raw OR-Tools and PuLP) ----------------------


def raw_solve(solver: str, lp: LinearProgram, params: str = "", time_limit: float = 0.0) -> Any:
    """A ``ModelSolverHelper`` after solving ``lp`` with OR-Tools' raw interface."""
    from ortools.linear_solver.python import model_builder_helper as mbh

    s = mbh.ModelSolverHelper(solver)
    if params:
        s.set_solver_specific_parameters(params)
    if time_limit:
        s.set_time_limit_in_seconds(time_limit)
    s.solve(build_helper(lp))
    return s


QUIET_HIGHS = "output_flag=false"


def with_slack_row(lp: LinearProgram) -> LinearProgram:
    """:func:`two_by_two` plus x + y <= 100 (activity 7, dual 0)."""
    return make_lp(list(lp.c), [[2, 1], [1, 3], [1, 1]], [-INF] * 3, [10, 15, 100], maximize=True)


def test_fact_highs_dual_values_are_row_activities() -> None:
    """Activities 2*3 + 4 = 10, 3 + 12 = 15, 3 + 4 = 7, where the duals are 1.4, 0.2, 0."""
    s = raw_solve("highs", with_slack_row(two_by_two()), QUIET_HIGHS)
    np.testing.assert_allclose(s.dual_values(), [10.0, 15.0, 7.0])
    assert len(s.reduced_costs()) == 0


def test_fact_scip_has_no_duals() -> None:
    s = raw_solve("scip", two_by_two())
    assert len(s.dual_values()) == 0


@pytest.mark.parametrize("solver", ["glop", "pdlp"])
def test_fact_glop_and_pdlp_duals_in_the_models_sense(solver: str) -> None:
    s_max = raw_solve(solver, two_by_two(maximize=True))
    s_min = raw_solve(solver, two_by_two(maximize=False))
    np.testing.assert_allclose(s_max.dual_values(), [1.4, 0.2], atol=1e-7)
    np.testing.assert_allclose(s_min.dual_values(), [-1.4, -0.2], atol=1e-7)


def test_fact_highs_bound_is_a_copy_of_the_objective() -> None:
    """At mip_rel_gap 0.5 HiGHS stops early; its 'bound' equals its objective although
    the optimum (625.8, maximising) lies above it, so it cannot be a bound."""
    s = raw_solve("highs", knapsack(20, 5), "mip_rel_gap=0.5\nmip_abs_gap=0.5\n" + QUIET_HIGHS)
    objective = s.objective_value()
    assert objective < 625.8 - 1
    assert s.best_objective_bound() == objective


def test_fact_highs_loses_its_incumbent_at_a_time_limit() -> None:
    from ortools.linear_solver.python import model_builder_helper as mbh

    s = raw_solve("highs", knapsack(60, 5), QUIET_HIGHS, time_limit=0.2)
    assert s.status() == mbh.SolveStatus.UNKNOWN_STATUS
    assert s.status_string() == "Warning HiGHS run()"
    assert not s.has_solution()


def test_fact_highs_prints_a_banner_unless_told_not_to(capfd: pytest.CaptureFixture[str]) -> None:
    raw_solve("highs", two_by_two())
    assert "Running HiGHS" in capfd.readouterr().out
    raw_solve("highs", two_by_two(), QUIET_HIGHS)
    assert capfd.readouterr().out == ""


def test_fact_presolves_misreport_unbounded() -> None:
    """GLOP says INFEASIBLE, PDLP NOT_SOLVED (dual infeasible), HiGHS-MIP INFEASIBLE."""
    from ortools.linear_solver.python import model_builder_helper as mbh
    from ortools.pdlp import solve_log_pb2

    lp = make_lp([1, 1], [[1, -1]], [-INF], [1], maximize=True)
    assert raw_solve("glop", lp).status() == mbh.SolveStatus.INFEASIBLE
    s = raw_solve("pdlp", lp)
    assert s.status() == mbh.SolveStatus.NOT_SOLVED
    log = solve_log_pb2.SolveLog()
    log.ParseFromString(s.response().solver_specific_info)
    assert log.termination_reason == solve_log_pb2.TERMINATION_REASON_DUAL_INFEASIBLE
    mip = lp.with_bounds(integer=np.ones(2, dtype=bool))
    s = raw_solve("highs", mip, QUIET_HIGHS)
    assert s.status() == mbh.SolveStatus.INFEASIBLE
    assert "unbounded" in s.status_string()


def test_fact_cbc_says_optimal_at_a_time_limit(tmp_path: Path) -> None:
    """prob.status is 1 ("Optimal") while prob.sol_status is 2 (found, not proven)."""
    import pulp

    prob, _, _ = build_problem(knapsack(60, 5))
    cbc = pulp.COIN_CMD(path=CbcBackend.cbc_path(), msg=False, timeLimit=0.2)
    cbc.tmpDir = str(tmp_path)
    prob.solve(cbc)
    assert (prob.status, prob.sol_status) == (1, 2)


def test_fact_cbc_seed_zero_means_time_of_day() -> None:
    """Why seed 0 is not passed to CBC as 0: both of its seeds read 0 as "use the clock"."""
    cbc = CbcBackend.cbc_path()
    assert cbc is not None
    for option in ("-randomSeed??", "-randomCbcSeed??"):
        text = subprocess.run([cbc, option, "-stop"], capture_output=True, text=True).stdout
        assert "special value of 0" in text and "time of the day" in " ".join(text.split())


def test_model_file_accepts_exactly_the_mip_backends() -> None:
    """The schema's solver.backend choices are the registry's MIP backends."""
    from typing import get_args

    from capplan.config.schema import MipBackend

    assert set(get_args(MipBackend)) == {n for n, cls in BACKENDS.items() if cls.features.mip}
