"""PuLP backends: CBC (the binary bundled with PuLP) and, when installed, GLPK, Gurobi, CPLEX.

The program is rebuilt as a ``pulp.LpProblem``: one ``LpVariable`` per column, one
``LpAffineExpression`` per row from the CSR arrays.  A ranged row (finite
``row_lb < row_ub``) becomes two constraints, an equality row one ``==`` constraint, a
free row none.  PuLP writes an MPS file, runs the solver and reads its solution file;
all files live in a temporary directory that is always removed.

What CBC (2.10.3, bundled with PuLP 3.3.2) does, measured on this machine and checked in
``tests/test_backends.py``:

* At a time limit with a solution ``prob.status`` is 1 ("Optimal") while
  ``prob.sol_status`` is 2 (solution found, not proven): status is read from
  ``sol_status``.  PuLP also gives an objective for an infeasible model, so the objective
  is recomputed here from ``x`` and only for a solution.
* Its solution file has 8 decimals, so ``x``, the objective and the duals are exact to
  about 1e-8 (absolute).
* The best bound is not in the solution file, only in the log: "Partial search - best
  objective A (best possible B)" at a limit, "Exiting as integer gap of G" when it stops
  at the requested gap, "Search completed" when the tree is exhausted (bound = objective).
  CBC works on a minimisation internally, so only differences of its numbers are used.
* ``randomSeed 0`` and ``randomCbcSeed 0`` mean "use the time of day", not a fixed seed.
  Seed 0 therefore maps to CBC's fixed defaults (1234567 and -1).
* LP duals (``constraint.pi``) are already d(objective)/d(row bound) in the program's own
  sense.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

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

CBC_DEFAULT_SEEDS = (1234567, -1)  # CBC's own fixed randomSeed / randomCbcSeed
CBC_LOG = "cbc.log"
_BEST_POSSIBLE = re.compile(r"Partial search - best objective (\S+) \(best possible (\S+)\)")
_INTEGER_GAP = re.compile(r"Exiting as integer gap of (\S+)")
_CBC_VERSION = re.compile(r"^Version: (\S+)", re.MULTILINE)


@functools.cache
def _pulp() -> ModuleType:
    """PuLP, imported on first use."""
    import pulp

    return pulp


def build_problem(lp: LinearProgram) -> tuple[Any, list[Any], list[tuple[int, Any]]]:
    """The ``LpProblem`` for ``lp``, its variables in column order and ``(row, constraint)``.

    Every column appears in the objective (with coefficient 0 if need be) so that PuLP
    writes it even when no row uses it.
    """
    pulp = _pulp()
    name = re.sub(r"\W", "_", lp.name) or "capplan"
    prob = pulp.LpProblem(name, pulp.LpMaximize if lp.maximize else pulp.LpMinimize)
    xs = [
        prob.add_variable(
            f"x{j}",
            float(lo) if np.isfinite(lo) else None,
            float(hi) if np.isfinite(hi) else None,
            pulp.LpInteger if is_int else pulp.LpContinuous,
        )
        for j, (lo, hi, is_int) in enumerate(
            zip(lp.col_lb.tolist(), lp.col_ub.tolist(), lp.integer.tolist(), strict=True)
        )
    ]
    prob.setObjective(
        pulp.LpAffineExpression(list(zip(xs, lp.c.tolist(), strict=True)), constant=float(lp.c0))
    )
    A = lp.A.tocsr(copy=True)
    A.sum_duplicates()
    indptr, indices, data = A.indptr, A.indices.tolist(), A.data.tolist()
    rows: list[tuple[int, Any]] = []
    for i, (lo, hi) in enumerate(zip(lp.row_lb.tolist(), lp.row_ub.tolist(), strict=True)):
        if lo == np.inf or hi == -np.inf:
            raise ValueError(f"row {i} has impossible bounds [{lo}, {hi}]")
        start, stop = indptr[i], indptr[i + 1]
        terms = [(xs[j], a) for j, a in zip(indices[start:stop], data[start:stop], strict=True)]
        if lo == hi:
            sides = [(pulp.LpConstraintEQ, lo, f"r{i}")]
        else:
            sides = []
            if np.isfinite(lo):
                sides.append((pulp.LpConstraintGE, lo, f"r{i}_lo"))
            if np.isfinite(hi):
                sides.append((pulp.LpConstraintLE, hi, f"r{i}_hi"))
        for sense, rhs, row_name in sides:
            con = pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, row_name, rhs)
            prob.addConstraint(con)
            rows.append((i, con))
    return prob, xs, rows


class PulpBackend(Backend):
    """A solver reached through PuLP; subclasses say which one and how to configure it."""

    family: ClassVar[str] = "pulp"
    solver_class: ClassVar[str]  # the PuLP class name, e.g. "GLPK_CMD"

    @classmethod
    def is_available(cls) -> bool:
        try:
            return bool(cls.pulp_solver_class()(msg=False).available())
        except Exception:  # ImportError, or a solver PuLP cannot construct here
            return False

    @classmethod
    def pulp_solver_class(cls) -> Any:
        return getattr(_pulp(), cls.solver_class)

    def make_solver(self, lp: LinearProgram, options: SolveOptions, tmp: Path) -> Any:
        """The PuLP solver object; the generic version passes what its signature accepts."""
        solver_cls = self.pulp_solver_class()
        wanted: dict[str, object] = {
            "mip": lp.is_mip,
            "msg": options.verbose,
            "timeLimit": options.time_limit_s,
            "gapRel": options.mip_gap,
            "threads": options.threads,
            "keepFiles": False,
        }
        accepted = inspect.signature(solver_cls.__init__).parameters
        return solver_cls(**{k: v for k, v in wanted.items() if k in accepted})

    def solver_version(self, log: str) -> str:
        return f"pulp {_pulp().__version__}"

    def bound(self, log: str, lp: LinearProgram, objective: float, optimal: bool) -> float | None:
        """The best bound in the program's own sense, or None when none is known."""
        return objective if optimal and not lp.is_mip else None

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
            return self._error(f"PuLP solver {self.solver_class} is not available", used)
        pulp = _pulp()
        t0 = time.perf_counter()
        try:
            prob, xs, rows = build_problem(lp)
        except Exception as exc:
            return self._error(f"could not build the PuLP problem: {exc}", used)
        t1 = time.perf_counter()
        log = ""
        try:
            with tempfile.TemporaryDirectory(prefix="capplan-pulp-") as tmp:
                solver = self.make_solver(lp, options, Path(tmp))
                solver.tmpDir = tmp
                used["solver_options"] = list(getattr(solver, "options", []))
                prob.solve(solver)
                log_path = Path(tmp) / CBC_LOG
                if log_path.exists():
                    log = log_path.read_text(errors="replace")
        except Exception as exc:
            return self._error(f"{self.name} failed: {type(exc).__name__}: {exc}", used)
        if options.verbose and log:
            sys.stdout.write(log)
        t2 = time.perf_counter()
        result = Result(
            status=Status.ERROR,
            backend=self.name,
            solver_version=self.solver_version(log),
            options=used,
        )
        sol, raw = prob.sol_status, prob.status
        said = f"status {pulp.LpStatus.get(raw, raw)}, sol_status {sol}"
        if sol in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            self._fill_solution(result, lp, options, xs, rows, log, sol == pulp.LpSolutionOptimal)
        elif sol in (pulp.LpSolutionInfeasible, pulp.LpSolutionUnbounded) or raw in (
            pulp.LpStatusInfeasible,
            pulp.LpStatusUnbounded,
        ):
            status, note, seconds = settle_infeasible_or_unbounded(self, lp, options)
            result.status, result.solve_time_s = status, seconds
            result.message = f"{self.name} said {said}" + (f"; {note}" if note else "")
        elif raw == pulp.LpStatusNotSolved:
            result.status = Status.NO_SOLUTION
            result.message = f"stopped at a limit before finding a solution ({said})"
        else:
            result.message = f"{self.name} ended {said}"
        result.fill_time_s = t1 - t0
        result.solve_time_s += t2 - t1
        result.extract_time_s = time.perf_counter() - t2
        return result

    def _fill_solution(
        self,
        result: Result,
        lp: LinearProgram,
        options: SolveOptions,
        xs: list[Any],
        rows: list[tuple[int, Any]],
        log: str,
        optimal: bool,
    ) -> None:
        values = np.array([v.varValue for v in xs], dtype=np.float64)  # None -> nan
        unset = np.isnan(values)  # a column PuLP did not write: any value in its bounds
        values[unset] = np.clip(0.0, lp.col_lb[unset], lp.col_ub[unset])
        integer = np.asarray(lp.integer, dtype=bool)
        values[integer] = np.round(values[integer])  # within the integrality tolerance
        result.x = values
        result.objective = lp.objective_value(values)
        result.status = Status.OPTIMAL if optimal else Status.FEASIBLE
        result.bound = self.bound(log, lp, result.objective, optimal)
        result.gap = relative_gap(result.objective, result.bound)
        if optimal and not lp.is_mip and self.features.duals:
            duals = np.zeros(lp.num_rows)
            for i, con in rows:  # a ranged row's two sides: at most one is binding
                duals[i] += con.pi if con.pi is not None else np.nan
            result.duals = duals
        notes = [hold_to_gap(result, lp, options)]
        if lp.is_mip and result.bound is None:
            notes.append(f"{self.name} stated no best bound")
        result.message = "; ".join(note for note in notes if note)

    def _error(self, message: str, used: dict[str, object]) -> Result:
        return Result(status=Status.ERROR, backend=self.name, message=message, options=used)


class CbcBackend(PulpBackend):
    """CBC through PuLP (``COIN_CMD`` on the binary PuLP bundles), with duals and a bound."""

    name = "cbc"
    solver_class = "COIN_CMD"
    features = Features(mip=True, duals=True, bound=True, incumbent_at_limit=True)

    @classmethod
    def cbc_path(cls) -> str | None:
        """PuLP's bundled CBC binary, or None to let ``COIN_CMD`` look for ``cbc``."""
        path = getattr(_pulp().PULP_CBC_CMD, "pulp_cbc_path", None)
        return path if path and os.access(path, os.X_OK) else None

    @classmethod
    def is_available(cls) -> bool:
        try:
            return bool(_pulp().COIN_CMD(path=cls.cbc_path(), msg=False).available())
        except Exception:
            return False

    def make_solver(self, lp: LinearProgram, options: SolveOptions, tmp: Path) -> Any:
        seeds = (options.seed, options.seed) if options.seed > 0 else CBC_DEFAULT_SEEDS
        cbc_options = [f"randomSeed {seeds[0]}", f"randomCbcSeed {seeds[1]}"]
        if options.threads > 1:
            cbc_options.append(f"threads {100 + options.threads}")  # 100+n: repeatable
        return _pulp().COIN_CMD(
            path=self.cbc_path(),
            mip=lp.is_mip,
            msg=False,  # the log goes to a file, echoed when verbose
            timeLimit=options.time_limit_s,
            gapRel=options.mip_gap,
            gapAbs=options.mip_gap,  # so |obj - bound| <= gap * max(1, |obj|) either way
            options=cbc_options,
            logPath=str(tmp / CBC_LOG),
        )

    def solver_version(self, log: str) -> str:
        found = _CBC_VERSION.search(log)
        return super().solver_version(log) + (f", CBC {found[1]}" if found else "")

    def bound(self, log: str, lp: LinearProgram, objective: float, optimal: bool) -> float | None:
        if not lp.is_mip:
            return super().bound(log, lp, objective, optimal)
        if found := _BEST_POSSIBLE.search(log):
            internal_gap = float(found[1]) - float(found[2])
        elif found := _INTEGER_GAP.search(log):
            internal_gap = float(found[1])
        elif "Search completed" in log:
            internal_gap = 0.0
        else:
            return None
        return objective + internal_gap if lp.maximize else objective - internal_gap


class GlpkBackend(PulpBackend):
    """GLPK's ``glpsol`` through PuLP, when installed (no duals or bound read back)."""

    name = "glpk"
    solver_class = "GLPK_CMD"
    features = Features(mip=True, duals=False, bound=False)

    def make_solver(self, lp: LinearProgram, options: SolveOptions, tmp: Path) -> Any:
        seconds = None if options.time_limit_s is None else max(1, round(options.time_limit_s))
        return _pulp().GLPK_CMD(
            mip=lp.is_mip,
            msg=options.verbose,
            timeLimit=seconds,  # glpsol takes whole seconds
            options=["--mipgap", repr(float(options.mip_gap))],
        )


class GurobiBackend(PulpBackend):
    """Gurobi's command line through PuLP, when installed and licensed."""

    name = "gurobi"
    solver_class = "GUROBI_CMD"
    features = Features(mip=True, duals=False, bound=False)


class CplexBackend(PulpBackend):
    """CPLEX's command line through PuLP, when installed and licensed."""

    name = "cplex"
    solver_class = "CPLEX_CMD"
    features = Features(mip=True, duals=False, bound=False)
