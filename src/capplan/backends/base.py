"""What every solver backend promises: its features, availability and one Result type."""

from __future__ import annotations

import abc
import enum
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

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True)
class SolveOptions:
    """Settings every backend honours."""

    time_limit_s: float | None = None
    mip_gap: float = 1e-6  # relative gap, set explicitly on every solver
    threads: int = 1
    seed: int = 0
    verbose: bool = False


@dataclass(frozen=True)
class Features:
    mip: bool
    duals: bool
    bound: bool  # reports a best bound for MIPs


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
    def solve(self, lp: LinearProgram, options: SolveOptions) -> Result:
        """Solve ``lp``; never raise for solver outcomes, report them in the Result."""
