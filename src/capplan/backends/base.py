"""What every solver backend promises: its features, availability and one Result type."""

from __future__ import annotations

import abc
import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from capplan.model.lp import LinearProgram


class Status(enum.StrEnum):
    """Solve outcome, stated honestly.

    ``OPTIMAL`` only when the solver proved optimality within the requested relative gap;
    a plan found at a time limit is ``FEASIBLE`` with its bound and gap.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a solution, optimality not proven (time or node limit)
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    NO_SOLUTION = "no_solution"  # stopped at a limit before finding any solution
    ERROR = "error"
    UNVERIFIED = "unverified"  # a plan that failed the independent check (capplan.verify)

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE, Status.UNVERIFIED)


@dataclass(frozen=True)
class SolveOptions:
    """Settings every backend honours."""

    time_limit_s: float | None = None
    mip_gap: float = 1e-6  # relative gap, set explicitly on every solver
    threads: int = 1
    seed: int = 0
    verbose: bool = False
    # what a MIP start is: True, the plan to beat of a re-solve (HiGHS's heuristics and
    # restarts off, leaving the proof); False, a first plan only (the search as without it)
    start_focus: bool = True


@dataclass(frozen=True)
class Features:
    """What a backend can do; ``capplan solvers`` lists them and callers check them."""

    mip: bool
    duals: bool  # LP duals, d(objective)/d(row bound)
    bound: bool  # reports a best bound for MIPs
    incumbent_at_limit: bool = False  # returns its best plan when stopped at a time limit
    warm_start: bool = False  # takes a MIP start (``start=``)
    interrupt: bool = False  # Ctrl-C stops the solve at once (else when the solver returns)
    progress: bool = False  # reports incumbent, bound, gap and nodes during the solve


@dataclass(frozen=True)
class ProgressEvent:
    """The search state a backend reports during a MIP solve (objective sense of the program).

    ``kind`` is ``incumbent`` (a better plan was found) or ``search`` (a periodic update).
    """

    kind: str
    seconds: float
    incumbent: float | None
    bound: float | None
    gap: float | None
    nodes: int


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class Result:
    """The same answer shape from every backend.

    ``objective`` and ``bound`` are in the program's own sense (including ``c0``);
    ``gap`` is ``|objective - bound| / max(1, |objective|)`` when both are known.
    ``duals[i]`` is d(objective)/d(row bound i) in the program's own sense, so for a
    maximisation the dual of a binding ``<=`` row is >= 0.
    """

    status: Status
    backend: str
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    x: np.ndarray | None = None
    duals: np.ndarray | None = None
    solve_time_s: float = 0.0
    fill_time_s: float = 0.0  # time to hand the program to the solver
    extract_time_s: float = 0.0
    message: str = ""
    solver_version: str = ""
    options: dict[str, object] = field(default_factory=dict)
    iterations: dict[str, int] = field(default_factory=dict)  # nodes, simplex, where known


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return abs(objective - bound) / max(1.0, abs(objective))


class Backend(abc.ABC):
    """A solver behind one name (``highs``, ``scip``, ``cbc``, ``glop``...)."""

    name: str
    features: Features

    @classmethod
    @abc.abstractmethod
    def is_available(cls) -> bool:
        """True when the solver can be used on this machine."""

    @abc.abstractmethod
    def solve(
        self,
        lp: LinearProgram,
        options: SolveOptions,
        *,
        start: np.ndarray | None = None,
        progress: ProgressCallback | None = None,
    ) -> Result:
        """Solve ``lp``; never raise for solver outcomes, report them in the Result.

        ``start`` (one value per column) is offered as a MIP start by backends whose
        features say ``warm_start``; ``progress`` is called during the solve by backends
        whose features say ``progress``.  Others ignore both.  ``KeyboardInterrupt`` is
        the one exception that passes through: the solve was interrupted.
        """


def settle_infeasible_or_unbounded(
    backend: Backend, lp: LinearProgram, options: SolveOptions
) -> tuple[Status, str, float]:
    """Tell an infeasible program from an unbounded one by a zero-objective solve.

    Presolves blur the two (GLOP reports an unbounded LP as infeasible, HiGHS returns
    "unbounded or infeasible" for MIPs, an unbounded LP relaxation says nothing about the
    MIP), so a backend that is told either calls this.  With the objective set to zero the
    program cannot be unbounded: a feasible point means the original objective is
    unbounded, infeasibility means the original is infeasible.  Returns the status, a
    sentence for ``Result.message`` and the seconds the check took.
    """
    if not np.any(lp.c):
        return Status.INFEASIBLE, "", 0.0
    probe = backend.solve(dataclasses.replace(lp, c=np.zeros_like(lp.c), c0=0.0), options)
    seconds = probe.fill_time_s + probe.solve_time_s + probe.extract_time_s
    if probe.status.has_solution:
        return Status.UNBOUNDED, "a zero-objective solve found a feasible point", seconds
    if probe.status is Status.INFEASIBLE:
        return Status.INFEASIBLE, "confirmed by a zero-objective solve", seconds
    note = f"the zero-objective check ended {probe.status.value}: {probe.message}".rstrip(": ")
    return Status.INFEASIBLE_OR_UNBOUNDED, note, seconds


def hold_to_gap(result: Result, lp: LinearProgram, options: SolveOptions) -> str:
    """Downgrade a MIP ``OPTIMAL`` to ``FEASIBLE`` when its known gap exceeds the request.

    Returns a sentence for ``Result.message`` when it downgrades, else ``""``.
    """
    if (
        result.status is Status.OPTIMAL
        and lp.is_mip
        and result.gap is not None
        and result.gap > options.mip_gap + 1e-9
    ):
        result.status = Status.FEASIBLE
        return (
            f"{result.backend} said optimal but the gap {result.gap:.3g} exceeds "
            f"the requested {options.mip_gap:g}"
        )
    return ""
