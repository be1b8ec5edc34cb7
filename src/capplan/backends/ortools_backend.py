"""OR-Tools ``model_builder`` backends: HiGHS and SCIP (MIP), GLOP and PDLP (LP only).

The program goes to OR-Tools in one call from its sparse arrays
(``ModelBuilderHelper.fill_model_from_sparse_data``); no Python object is made per
variable.  What each solver reports through OR-Tools 9.15 was measured on this machine
(``tests/test_backends.py`` checks every point):

* ``highs-ortools``: ``dual_values()`` returns the row *activities*, not duals, so no duals are
  reported.  ``best_objective_bound()`` is a copy of the objective even when HiGHS stopped
  at a coarse gap, so no MIP bound is reported either; "optimal" is HiGHS's own claim at
  the ``mip_rel_gap``/``mip_abs_gap`` set here.  At a time limit OR-Tools discards HiGHS's
  incumbent (status UNKNOWN, "Warning HiGHS run()"), so a time-limited HiGHS MIP ends
  ``NO_SOLUTION``.  An unbounded MIP comes back as INFEASIBLE ("may actually be unbounded").
* ``scip``: a real best bound (``+-1e20`` when it has none); no duals.
* ``glop``: duals are d(objective)/d(row bound) in the program's own sense.  With presolve
  an unbounded LP is reported INFEASIBLE.  It ignores integrality, so MIPs are refused.
* ``pdlp``: first-order method, duals as GLOP, bound = its dual objective.  An unbounded
  LP ends NOT_SOLVED with termination reason DUAL_INFEASIBLE.

Every INFEASIBLE or UNBOUNDED answer is settled by a zero-objective solve
(:func:`~capplan.backends.base.settle_infeasible_or_unbounded`).
"""

from __future__ import annotations

import functools
import time
from dataclasses import asdict
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from capplan.backends.base import (
    Backend,
    Features,
    ProgressCallback,
    Result,
    SolveOptions,
    Status,
    hold_to_gap,
    relative_gap,
    settle_infeasible_or_unbounded,
)
from capplan.model.lp import LinearProgram

if TYPE_CHECKING:
    from ortools.linear_solver.python.model_builder_helper import ModelSolverHelper

NO_BOUND = 1e20  # SCIP's "infinity": a bound this large means "no bound yet"
PDLP_TOLERANCE = 1e-8  # relative and absolute optimality tolerance asked of PDLP
TIME_LIMIT_SLACK = 0.95  # a solve this close to its time limit stopped at the limit


@functools.cache
def _mbh() -> ModuleType:
    """The OR-Tools helper module, imported on first use (it loads a large library)."""
    from ortools.linear_solver.python import model_builder_helper

    return model_builder_helper


@functools.cache
def ortools_version() -> str:
    from importlib.metadata import version

    return f"ortools {version('ortools')}"


def build_helper(lp: LinearProgram) -> Any:
    """A ``ModelBuilderHelper`` holding ``lp``, filled from its sparse arrays.

    Duplicate entries of ``A`` are summed first (on a copy; a matrix in canonical form, as
    the model builder makes it, is used as it is): OR-Tools rejects a row that names a
    column twice.
    """
    mbh = _mbh()
    A = lp.csr().to_scipy()
    helper = mbh.ModelBuilderHelper()
    helper.fill_model_from_sparse_data(
        np.asarray(lp.col_lb, dtype=np.float64),
        np.asarray(lp.col_ub, dtype=np.float64),
        np.asarray(lp.c, dtype=np.float64),
        np.asarray(lp.row_lb, dtype=np.float64),
        np.asarray(lp.row_ub, dtype=np.float64),
        A,
    )
    for j in np.flatnonzero(lp.integer).tolist():
        helper.set_var_integrality(j, True)
    helper.set_maximize(bool(lp.maximize))
    helper.set_objective_offset(float(lp.c0))
    return helper


class OrToolsBackend(Backend):
    """One OR-Tools ``model_builder`` solver; subclasses name it and set its parameters."""

    family: ClassVar[str] = "ortools"
    solver_id: ClassVar[str]  # the name ModelSolverHelper knows the solver by

    @classmethod
    def is_available(cls) -> bool:
        try:
            return bool(_mbh().ModelSolverHelper(cls.solver_id).solver_is_supported())
        except Exception:  # ImportError, or a broken native library
            return False

    def parameters(self, options: SolveOptions) -> str:
        """The solver-specific parameter text for these options."""
        return ""

    def solve(
        self,
        lp: LinearProgram,
        options: SolveOptions,
        *,
        start: np.ndarray | None = None,
        progress: ProgressCallback | None = None,
    ) -> Result:
        used: dict[str, object] = asdict(options)
        if not self.is_available():
            return self._error(f"OR-Tools solver {self.solver_id!r} is not available", used)
        if lp.is_mip and not self.features.mip:
            return self._error(
                f"{self.name} solves LPs only and this program has {lp.num_integer} "
                "integer variables; use a MIP backend (highs, scip, cbc) or relax it first",
                used,
            )
        params = self.parameters(options)
        used["solver_parameters"] = params
        t0 = time.perf_counter()
        try:
            helper = build_helper(lp)
        except Exception as exc:
            return self._error(f"could not hand the program to OR-Tools: {exc}", used)
        t1 = time.perf_counter()
        solver = _mbh().ModelSolverHelper(self.solver_id)
        solver.enable_output(options.verbose)
        if params:
            solver.set_solver_specific_parameters(params)
        if options.time_limit_s is not None:
            solver.set_time_limit_in_seconds(float(options.time_limit_s))
        try:
            solver.solve(helper)
        except Exception as exc:
            return self._error(f"{self.name} raised {type(exc).__name__}: {exc}", used)
        t2 = time.perf_counter()
        try:
            result = self._read(solver, lp, options, t2 - t1)
        except Exception as exc:
            return self._error(f"could not read the {self.name} answer: {exc}", used)
        result.fill_time_s = t1 - t0
        result.extract_time_s = time.perf_counter() - t2
        result.solve_time_s += t2 - t1  # plus any feasibility check made while reading
        result.options = used
        return result

    def _read(
        self, solver: ModelSolverHelper, lp: LinearProgram, options: SolveOptions, seconds: float
    ) -> Result:
        """Turn the solver's answer into a Result with an honest status."""
        ss = _mbh().SolveStatus
        raw = solver.status()
        said = f"{raw.name}" + (f" ({solver.status_string()})" if solver.status_string() else "")
        result = Result(status=Status.ERROR, backend=self.name, solver_version=ortools_version())
        if raw in (ss.OPTIMAL, ss.FEASIBLE) and solver.has_solution():
            self._fill_solution(result, solver, lp, options, optimal=raw == ss.OPTIMAL)
            return result
        if raw in (ss.INFEASIBLE, ss.UNBOUNDED) or self._maybe_unbounded(solver):
            return self._settle(result, lp, options, said)
        limited = self._stopped_at_limit(solver, options, seconds)
        if limited or raw == ss.FEASIBLE:
            result.status = Status.NO_SOLUTION
            result.message = f"stopped at a limit before any solution was reported: {said}"
            return result
        result.message = f"{self.name} ended {said}"
        return result

    def _fill_solution(
        self,
        result: Result,
        solver: ModelSolverHelper,
        lp: LinearProgram,
        options: SolveOptions,
        optimal: bool,
    ) -> None:
        x = np.asarray(solver.variable_values(), dtype=np.float64)
        integer = np.asarray(lp.integer, dtype=bool)
        x[integer] = np.round(x[integer])  # within the integrality tolerance
        result.x = x
        result.objective = float(solver.objective_value())
        result.status = Status.OPTIMAL if optimal else Status.FEASIBLE
        result.bound = self._bound(solver, lp, result.objective, optimal)
        result.gap = relative_gap(result.objective, result.bound)
        if not lp.is_mip and optimal and self.features.duals:
            result.duals = np.asarray(solver.dual_values(), dtype=np.float64)
        notes = []
        if lp.is_mip and result.bound is None:
            notes.append(f"{self.name} reports no best bound through OR-Tools")
        notes.append(hold_to_gap(result, lp, options))
        result.message = "; ".join(note for note in notes if note)

    def _bound(
        self, solver: ModelSolverHelper, lp: LinearProgram, objective: float, optimal: bool
    ) -> float | None:
        """The best bound in the program's own sense, or None when none is known."""
        return objective if optimal and not lp.is_mip else None

    def _maybe_unbounded(self, solver: ModelSolverHelper) -> bool:
        """True when a solver-specific answer means "infeasible or unbounded"."""
        return False

    def _stopped_at_limit(
        self, solver: ModelSolverHelper, options: SolveOptions, seconds: float
    ) -> bool:
        """True when the solve ended because of its time limit (OR-Tools does not say)."""
        limit = options.time_limit_s
        return limit is not None and seconds >= TIME_LIMIT_SLACK * limit

    def _settle(
        self, result: Result, lp: LinearProgram, options: SolveOptions, said: str
    ) -> Result:
        status, note, seconds = settle_infeasible_or_unbounded(self, lp, options)
        result.status = status
        result.solve_time_s = seconds
        result.message = f"{self.name} said {said}" + (f"; {note}" if note else "")
        return result

    def _error(self, message: str, used: dict[str, object]) -> Result:
        return Result(
            status=Status.ERROR,
            backend=self.name,
            message=message,
            solver_version=ortools_version(),
            options=used,
        )


def _number(value: float) -> str:
    """The shortest text that reads back as ``value`` (``1e-06``, not ``9.99...e-07``)."""
    return repr(float(value))


class HighsOrToolsBackend(OrToolsBackend):
    """HiGHS through OR-Tools 9.15 (HiGHS 1.12.0 bundled): kept to compare the two layers.

    The default ``highs`` is HiGHS through highspy (:mod:`capplan.backends.highs_backend`).
    """

    name = "highs-ortools"
    solver_id = "highs"
    features = Features(mip=True, duals=False, bound=False)

    def parameters(self, options: SolveOptions) -> str:
        gap = _number(options.mip_gap)
        return "\n".join(
            [
                f"mip_rel_gap={gap}",
                f"mip_abs_gap={gap}",  # so |obj - bound| <= gap * max(1, |obj|) either way
                f"random_seed={options.seed}",
                f"threads={options.threads}",
                f"output_flag={'true' if options.verbose else 'false'}",  # else a banner
            ]
        )


class ScipBackend(OrToolsBackend):
    """SCIP: MIP with a real best bound, no duals; single-threaded in OR-Tools."""

    name = "scip"
    solver_id = "scip"
    features = Features(mip=True, duals=False, bound=True, incumbent_at_limit=True)

    def parameters(self, options: SolveOptions) -> str:
        gap = _number(options.mip_gap)
        return "\n".join(
            [
                f"limits/gap = {gap}",
                f"limits/absgap = {gap}",
                f"randomization/randomseedshift = {options.seed}",
            ]
        )

    def _bound(
        self, solver: ModelSolverHelper, lp: LinearProgram, objective: float, optimal: bool
    ) -> float | None:
        bound = float(solver.best_objective_bound())
        if not np.isfinite(bound) or abs(bound) >= NO_BOUND:
            return None
        return bound


class GlopBackend(OrToolsBackend):
    """GLOP: primal/dual simplex for LPs, with duals."""

    name = "glop"
    solver_id = "glop"
    features = Features(mip=False, duals=True, bound=False)

    def parameters(self, options: SolveOptions) -> str:
        return f"random_seed: {options.seed}"


class PdlpBackend(OrToolsBackend):
    """PDLP: first-order LP method for very large LPs, optimal to ``PDLP_TOLERANCE``."""

    name = "pdlp"
    solver_id = "pdlp"
    features = Features(mip=False, duals=True, bound=False)

    def parameters(self, options: SolveOptions) -> str:
        tol = _number(PDLP_TOLERANCE)
        return (
            f"num_threads: {options.threads}\n"
            "termination_criteria { simple_optimality_criteria { "
            f"eps_optimal_relative: {tol} eps_optimal_absolute: {tol} }} }}"
        )

    @staticmethod
    def _log(solver: ModelSolverHelper) -> Any:
        from ortools.pdlp import solve_log_pb2

        log = solve_log_pb2.SolveLog()
        if solver.has_response():
            log.ParseFromString(solver.response().solver_specific_info)
        return log

    def _termination(self, solver: ModelSolverHelper) -> str:
        from ortools.pdlp import solve_log_pb2

        return str(solve_log_pb2.TerminationReason.Name(self._log(solver).termination_reason))

    def _bound(
        self, solver: ModelSolverHelper, lp: LinearProgram, objective: float, optimal: bool
    ) -> float | None:
        if not optimal:
            return None
        log = self._log(solver)
        for info in log.solution_stats.convergence_information:
            if info.candidate_type == log.solution_type:
                return float(info.dual_objective)
        return objective

    def _maybe_unbounded(self, solver: ModelSolverHelper) -> bool:
        return self._termination(solver) in (
            "TERMINATION_REASON_DUAL_INFEASIBLE",
            "TERMINATION_REASON_PRIMAL_OR_DUAL_INFEASIBLE",
        )

    def _stopped_at_limit(
        self, solver: ModelSolverHelper, options: SolveOptions, seconds: float
    ) -> bool:
        return self._termination(solver) in (
            "TERMINATION_REASON_TIME_LIMIT",
            "TERMINATION_REASON_ITERATION_LIMIT",
            "TERMINATION_REASON_KKT_MATRIX_PASS_LIMIT",
        ) or super()._stopped_at_limit(solver, options, seconds)
