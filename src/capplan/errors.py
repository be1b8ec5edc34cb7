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


MAX_PROBLEMS_PER_FILE = 30  # problems listed per file; the rest are counted
MAX_PART_CHARS = 300  # a file name, key path or message is shortened beyond this


def shorten(text: str, limit: int = MAX_PART_CHARS) -> str:
    """``text`` with its middle cut out if it is longer than ``limit`` characters."""
    text = text.replace("\x00", "\\0")
    if len(text) <= limit:
        return text
    keep = (limit - 20) // 2
    return f"{text[:keep]}... ({len(text):,} chars) ...{text[-keep:]}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what was expected.

    Each part is shortened when shown, so a message stays under ~1 KB whatever the input.
    """

    file: str
    where: str  # key path (budget.total_rmb_bn) or row (row 3, region=Brazil, column pue)
    message: str
    more: int = 0  # > 0: this line stands for that many problems not listed

    def __str__(self) -> str:
        file, where = shorten(self.file), shorten(self.where)
        place = f"{file}: {where}" if where else file
        return f"{place}: {shorten(self.message, 2 * MAX_PART_CHARS)}"


def capped(problems: Iterable[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS_PER_FILE problems per file, then one that counts the rest."""
    out: list[Problem] = []
    per_file: dict[str, int] = {}
    unlisted: dict[str, int] = {}
    for problem in problems:
        if problem.more:
            unlisted[problem.file] = unlisted.get(problem.file, 0) + problem.more
            continue
        n = per_file.get(problem.file, 0) + 1
        per_file[problem.file] = n
        if n <= MAX_PROBLEMS_PER_FILE:
            out.append(problem)
        else:
            unlisted[problem.file] = unlisted.get(problem.file, 0) + 1
    out += [more_problems(file, n) for file, n in unlisted.items()]
    return out


def more_problems(file: str, n: int) -> Problem:
    """The line that counts ``n`` problems of ``file`` not listed."""
    return Problem(file, "", f"... and {n:,} more problem(s) not listed", more=n)


class CapplanError(Exception):
    """Base class: every error capplan reports to a user carries an exit code."""

    exit_code: ExitCode = ExitCode.SOLVER_ERROR


class InputError(CapplanError):
    """The input is wrong. Holds every problem found, so all are reported at once."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = capped(problems)
        super().__init__(self.render())

    def render(self) -> str:
        if len(self.problems) == 1:
            return f"bad input: {self.problems[0]}"
        total = sum(p.more or 1 for p in self.problems)
        lines = [f"bad input: {total:,} problems"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class OutputExistsError(CapplanError):
    exit_code = ExitCode.BAD_INPUT


class OutputError(CapplanError):
    """The output folder cannot be written (read-only, full, not a folder): exit code 2,
    found before the solve where possible."""

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
