"""Error types and the exit codes the CLI returns (documented in the README).

| code | meaning |
|------|---------|
| 0    | optimal plan (proven within the requested gap) |
| 1    | feasible plan, optimality not proven (time limit) |
| 2    | bad input: a file, key, unit or value is wrong; or the output folder exists |
| 3    | infeasible or unbounded model |
| 4    | solver or internal error, or no plan found within the time limit |
| 5    | `capplan bench`: a check failed (a wrong answer, backends disagree, or the gate) |
| 130  | interrupted (Ctrl-C); nothing is written |
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    OPTIMAL = 0
    NOT_PROVEN = 1
    BAD_INPUT = 2
    INFEASIBLE = 3
    SOLVER_ERROR = 4
    CHECK_FAILED = 5  # capplan bench: a wrong answer, a disagreement or a gate failure
    INTERRUPTED = 130


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what was expected."""

    file: str
    where: str  # key path (budget.total_rmb_bn) or row (row 3, region=Brazil, column pue)
    message: str

    def __str__(self) -> str:
        place = f"{self.file}: {self.where}" if self.where else self.file
        return f"{place}: {self.message}"


class CapplanError(Exception):
    """Base class: every error capplan reports to a user carries an exit code."""

    exit_code: ExitCode = ExitCode.SOLVER_ERROR


class InputError(CapplanError):
    """The input is wrong. Holds every problem found, so all are reported at once."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        if len(self.problems) == 1:
            return f"bad input: {self.problems[0]}"
        lines = [f"bad input: {len(self.problems)} problems"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class OutputExistsError(CapplanError):
    exit_code = ExitCode.BAD_INPUT


class SolverError(CapplanError):
    exit_code = ExitCode.SOLVER_ERROR


class NoPlanError(CapplanError):
    """A solve gave no plan (infeasible, unbounded, or no solution): its run's exit code."""

    def __init__(self, message: str, exit_code: ExitCode) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ProblemCollector:
    """Collects problems and raises them together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, where: str, message: str) -> None:
        self.problems.append(Problem(file, where, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)
