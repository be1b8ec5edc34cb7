"""HiGHS natively, through highspy: the default backend.

The program goes to HiGHS in one ``passModel`` call from its CSR arrays.  What HiGHS gives
that the OR-Tools layer did not (solver-hazards.md, "Found later"):

* the real best bound and gap of a MIP (``mip_dual_bound``), also at a time limit, where
  the incumbent comes back as a ``feasible`` plan with its bound and gap;
* progress during the solve: every improving solution and, about four times a second, the
  incumbent, bound, gap and node count, from HiGHS's MIP callbacks;
* an interrupt: the solve runs in HiGHS's own thread while this one waits in short
  steps, so Ctrl-C (``KeyboardInterrupt``) cancels the solve through HiGHS's interrupt
  callbacks and is re-raised here as soon as HiGHS has stopped, or after
  ``CANCEL_GRACE_S`` if it has not: HiGHS checks its interrupt flag between nodes and in
  its own simplex loops, but not inside the root node's heuristics and sub-MIPs, which can
  run for many seconds on large models.  Such a solve is left to stop at its next check
  (:func:`abandoned_solves` counts them; the CLI then ends the process at once);
* a MIP start (``setSolution``) from a given plan, checked by HiGHS and ignored when it
  does not fit the program; a feasible start turns HiGHS's primal heuristics off (the
  start is the plan to beat, what is left is the proof);
* LP duals (``row_dual``), as d(objective)/d(row bound) in the program's own sense.

highspy 1.12.0 is pinned: it is the HiGHS that OR-Tools 9.15 bundles and the only highspy
that imports beside it (docs/benchmarks.md, "Which HiGHS").
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from capplan.backends.base import (
    Backend,
    Features,
    ProgressCallback,
    ProgressEvent,
    Result,
    SolveOptions,
    Status,
    hold_to_gap,
    relative_gap,
    settle_infeasible_or_unbounded,
)
from capplan.model.lp import LinearProgram

PROGRESS_EVERY_S = 0.25  # at most this often a progress event from the interrupt callback
WAIT_STEP_S = 0.05  # the waiting thread wakes this often, so Ctrl-C is seen at once
CANCEL_GRACE_S = 0.5  # after Ctrl-C, wait this long for HiGHS to stop before returning
_ABANDONED: list[Any] = []
START_TOLERANCE = 1e-9  # relative violation up to which a MIP start counts as feasible
WARM_OFF = (  # HiGHS options switched off when a feasible start is given (_set_start)
    "mip_heuristic_run_feasibility_jump",
    "mip_heuristic_run_rens",
    "mip_heuristic_run_rins",
    "mip_heuristic_run_root_reduced_cost",
    "mip_heuristic_run_shifting",
    "mip_heuristic_run_zi_round",
    "mip_allow_restart",
)  # solver threads still running after an interrupt


@functools.cache
def _highspy() -> ModuleType:
    """highspy, imported on first use."""
    import highspy

    return highspy


@functools.cache
def highs_version() -> str:
    h = _highspy().Highs()
    return f"highspy {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def pass_program(h: Any, lp: LinearProgram) -> None:
    """Hand ``lp`` to the ``Highs`` object ``h`` in one call (CSR, duplicates summed)."""
    A = lp.csr()  # the builder's arrays as they are: no SciPy on the way to the solver
    if not (np.all(np.isfinite(lp.c)) and np.all(np.isfinite(A.data)) and np.isfinite(lp.c0)):
        raise ValueError("the objective or the matrix has a NaN or infinite coefficient")
    bounds = (lp.col_lb, lp.col_ub, lp.row_lb, lp.row_ub)
    if any(np.isnan(b).any() for b in bounds):
        raise ValueError("a row or column bound is NaN")
    hs = _highspy()
    inf = hs.kHighsInf
    status = h.passModel(
        lp.num_vars,
        lp.num_rows,
        int(A.nnz),
        int(hs.MatrixFormat.kRowwise),
        int(hs.ObjSense.kMaximize if lp.maximize else hs.ObjSense.kMinimize),
        float(lp.c0),
        np.ascontiguousarray(lp.c, dtype=np.float64),
        np.clip(np.asarray(lp.col_lb, dtype=np.float64), -inf, inf),
        np.clip(np.asarray(lp.col_ub, dtype=np.float64), -inf, inf),
        np.clip(np.asarray(lp.row_lb, dtype=np.float64), -inf, inf),
        np.clip(np.asarray(lp.row_ub, dtype=np.float64), -inf, inf),
        A.indptr.astype(np.int32),
        A.indices.astype(np.int32),
        A.data,
        np.asarray(lp.integer, dtype=np.int32),
    )
    if status == hs.HighsStatus.kError:
        raise ValueError("HiGHS refused the program (passModel returned an error)")


class HighspyBackend(Backend):
    """HiGHS 1.12 through highspy: MIP and LP, real bound, duals, start, progress, interrupt."""

    name = "highs"
    family: ClassVar[str] = "highspy"
    features = Features(
        mip=True,
        duals=True,
        bound=True,
        incumbent_at_limit=True,
        warm_start=True,
        interrupt=True,
        progress=True,
    )

    @classmethod
    def is_available(cls) -> bool:
        try:
            _highspy()
        except Exception:  # ImportError, or a broken native library
            return False
        return True

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
            return self._error("highspy is not installed", used)
        hs = _highspy()
        t0 = time.perf_counter()
        h = hs.Highs()
        self._set_options(h, options)
        try:
            pass_program(h, lp)
        except ValueError as exc:
            return self._error(str(exc), used)
        used["mip_start"] = self._set_start(h, lp, start, options.start_focus)
        if progress is not None and lp.is_mip:
            _subscribe_progress(h, progress)
        t1 = time.perf_counter()
        with contextlib.nullcontext() if options.verbose else _stdout_silenced():
            _run_interruptibly(h)
        t2 = time.perf_counter()
        result = self._read(h, lp, options)
        result.fill_time_s = t1 - t0
        result.solve_time_s += t2 - t1
        result.extract_time_s = time.perf_counter() - t2
        result.options = used
        return result

    @staticmethod
    def _set_options(h: Any, options: SolveOptions) -> None:
        h.setOptionValue("output_flag", bool(options.verbose))
        h.setOptionValue("mip_rel_gap", float(options.mip_gap))
        # so |obj - bound| <= gap * max(1, |obj|) holds either way
        h.setOptionValue("mip_abs_gap", float(options.mip_gap))
        h.setOptionValue("random_seed", int(options.seed))
        h.setOptionValue("threads", int(options.threads))
        if options.time_limit_s is not None:
            h.setOptionValue("time_limit", float(options.time_limit_s))

    @staticmethod
    def _set_start(h: Any, lp: LinearProgram, start: np.ndarray | None, focus: bool) -> str:
        """Offer ``start`` as a MIP start: one value per column, NaN where none is given
        (HiGHS completes a partial start by solving for the rest).  HiGHS checks it and
        ignores a start that does not fit the program.

        A complete start that satisfies every row and bound (checked here) is a plan to
        beat: HiGHS's primal heuristics and its restart are then switched off, leaving
        the work of proving the bound (on the base case a budget change re-solves about
        seven times faster: docs/benchmarks.md, "warm"), unless ``focus`` is False (a
        first plan only: :mod:`capplan.hedge.start`).  Any other start leaves HiGHS's
        settings as they are.
        """
        if start is None or not lp.is_mip:
            return "none"
        if start.shape != (lp.num_vars,):
            return "ignored: not one value per column"
        given = np.flatnonzero(np.isfinite(start))
        if len(given) == 0:
            return "ignored: no finite value"
        values = np.clip(np.asarray(start[given], dtype=np.float64), lp.col_lb[given],
                         lp.col_ub[given])  # fmt: skip
        whole = lp.integer[given]
        values[whole] = np.round(values[whole])
        h.setSolution(len(given), given.astype(np.int32), values)
        if len(given) < lp.num_vars:
            return f"given for {len(given)} columns"
        scale = max(1.0, float(np.abs(values).max(initial=0.0)))
        if lp.max_violation(values) > START_TOLERANCE * scale:
            return "given (not feasible here: HiGHS repairs or ignores it)"
        if not focus:
            return "given (feasible: a first plan, the search as without it)"
        for option in WARM_OFF:
            h.setOptionValue(option, False)
        h.setOptionValue("mip_heuristic_effort", 0.0)
        return "given (feasible: heuristics off)"

    def _read(self, h: Any, lp: LinearProgram, options: SolveOptions) -> Result:
        """Turn HiGHS's answer into a Result with an honest status."""
        ms = _highspy().HighsModelStatus
        status = h.getModelStatus()
        said = h.modelStatusToString(status)
        info = h.getInfo()
        result = Result(status=Status.ERROR, backend=self.name, solver_version=highs_version())
        result.iterations = {
            "nodes": int(info.mip_node_count) if lp.is_mip else 0,
            "simplex": int(info.simplex_iteration_count),
        }
        has_x = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
        if status == ms.kOptimal and has_x:
            self._fill(result, h, lp, info, optimal=True)
            result.message = hold_to_gap(result, lp, options)
            return result
        if status == ms.kInterrupt:
            raise KeyboardInterrupt  # the solve was cancelled from this process
        if status in (ms.kInfeasible, ms.kUnbounded, ms.kUnboundedOrInfeasible):
            st, note, seconds = settle_infeasible_or_unbounded(self, lp, options)
            result.status = st
            result.solve_time_s = seconds
            result.message = f"HiGHS said {said}" + (f"; {note}" if note else "")
            return result
        limited = status in (ms.kTimeLimit, ms.kIterationLimit, ms.kSolutionLimit)
        if limited and has_x:
            self._fill(result, h, lp, info, optimal=False)
            result.message = f"HiGHS stopped: {said}; the best plan found, with its bound and gap"
            return result
        if limited:
            result.status = Status.NO_SOLUTION
            result.message = f"HiGHS stopped before finding any plan: {said}"
            return result
        result.message = f"HiGHS ended {said}"
        return result

    def _fill(self, result: Result, h: Any, lp: LinearProgram, info: Any, optimal: bool) -> None:
        solution = h.getSolution()
        x = np.asarray(solution.col_value, dtype=np.float64)
        x[lp.integer] = np.round(x[lp.integer])  # within the integrality tolerance
        result.x = x
        result.objective = lp.objective_value(x)
        result.status = Status.OPTIMAL if optimal else Status.FEASIBLE
        if lp.is_mip:
            bound = float(info.mip_dual_bound)
            result.bound = bound if np.isfinite(bound) and abs(bound) < 1e30 else None
        elif optimal:
            result.bound = result.objective
            result.duals = np.asarray(solution.row_dual, dtype=np.float64)
        result.gap = relative_gap(result.objective, result.bound)

    def _error(self, message: str, used: dict[str, object]) -> Result:
        return Result(
            status=Status.ERROR,
            backend=self.name,
            message=message,
            solver_version=highs_version() if self.is_available() else "",
            options=used,
        )


def _run_interruptibly(h: Any) -> None:
    """Run HiGHS in its own thread; on Ctrl-C cancel it and let :meth:`_read` re-raise.

    HiGHS checks its interrupt callbacks in the simplex, IPM and MIP loops; the cancel is
    seen at the next check (measured: well under a second on the base case and on a
    40-region generated model).
    """
    h.HandleUserInterrupt = True
    thread = h.startSolve()
    cancelled_at: float | None = None
    while thread.is_alive():
        try:
            thread.join(WAIT_STEP_S)
        except KeyboardInterrupt:
            if cancelled_at is None:
                cancelled_at = time.monotonic()
                h.cancelSolve()
        if cancelled_at is not None and time.monotonic() - cancelled_at > CANCEL_GRACE_S:
            if thread.is_alive():
                _ABANDONED.append((h, thread))  # keep h alive while its thread runs
            raise KeyboardInterrupt
    if cancelled_at is not None:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _stdout_silenced() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null while HiGHS runs.

    HiGHS 1.12 prints a debug line ("HighsMipSolverData::transformNewIntegerFeasibleSolution
    tmpSolver.run();") with printf when it repairs a MIP start, whatever ``output_flag``
    says; it would corrupt ``capplan solve --json`` and break ``-q``.  Python's own output
    goes to stderr meanwhile (the progress display), so nothing of capplan's is lost.
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (an embedding host): leave it alone
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def abandoned_solves() -> int:
    """Solves cancelled by Ctrl-C whose HiGHS thread has not stopped yet."""
    _ABANDONED[:] = [(h, t) for h, t in _ABANDONED if t.is_alive()]
    return len(_ABANDONED)


def _subscribe_progress(h: Any, progress: ProgressCallback) -> None:
    """Report improving solutions at once and the search state at most every 0.25 s."""
    last = [0.0]

    def event(kind: str, data: Any) -> ProgressEvent:
        return ProgressEvent(
            kind=kind,
            seconds=float(data.running_time),
            incumbent=_finite(data.mip_primal_bound),
            bound=_finite(data.mip_dual_bound),
            gap=_finite(data.mip_gap),
            nodes=int(data.mip_node_count),
        )

    def improving(e: Any) -> None:
        progress(event("incumbent", e.data_out))

    def tick(e: Any) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            progress(event("search", e.data_out))

    h.cbMipImprovingSolution.subscribe(improving)
    h.cbMipInterrupt.subscribe(tick)


def _finite(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) and abs(value) < 1e30 else None
