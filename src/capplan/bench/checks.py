"""Is each answer right?  Published optima, agreement between backends, and the CI gate.

Verdicts of a run:

* ``ok`` -- checked and right: the published optimum (or infeasibility) within
  :data:`REL_TOL`, or (model instances) an optimum consistent with every other backend.
* ``wrong`` -- a proven answer that contradicts the published one or another backend's.
* ``limit`` -- stopped at the time limit (a plan without proof, or none): not checked.
* ``unreadable`` -- the MPS reader (HiGHS's, capplan.mps) rejected the file (the reason
  is in the message).
* ``error`` -- the backend could not solve it (for example an LP-only solver and a MIP),
  or the run crashed or was killed.
* ``unchecked`` -- solved, but there is nothing to check it against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

REL_TOL = 1e-6  # relative tolerance on objectives (absolute around 0)
GATE_SLOWDOWN = 1.5  # the gate fails when the overhead ratio grows by more than 50%
SOLVED = ("optimal", "feasible")
FAILED = ("wrong",)


def close(value: float, expected: float, tol: float = REL_TOL) -> bool:
    return abs(value - expected) <= tol * max(1.0, abs(expected))


def solu_verdict(run: dict[str, Any], expected: tuple[str, float | None] | None) -> str:
    """The verdict of an MPS run against its ``.solu`` line (see the module docstring)."""
    status = run.get("status")
    if status == "unreadable":
        return "unreadable"
    if status in ("error", "crashed", "killed"):
        return "error"
    if status in ("feasible", "no_solution"):
        return "limit"
    if expected is None or expected[0] not in ("opt", "inf", "unbd"):
        return "unchecked"
    kind, value = expected
    if kind == "opt":
        if status == "optimal" and value is not None and close(run["objective"], value):
            return "ok"
        return "wrong"
    want = {"inf": "infeasible", "unbd": "unbounded"}[kind]
    if status == want:
        return "ok"
    if status == "infeasible_or_unbounded":
        return "unchecked"  # true, but not the specific answer
    return "wrong"


def _slack(run: dict[str, Any]) -> float | None:
    """How far from the optimum the run's objective may be: its proven gap, absolute."""
    gap = run.get("gap_at_most")
    if gap is None or run.get("objective") is None:
        return None
    return float(gap) * max(1.0, abs(float(run["objective"])))


@dataclass(frozen=True)
class Agreement:
    """Whether the backends' answers on one instance are consistent."""

    instance: str
    backends: list[str]
    agree: bool
    spread: float | None  # largest relative difference between proven objectives
    message: str


def agreement(instance: str, runs: list[dict[str, Any]]) -> Agreement:
    """Check that the backends agree on ``instance`` within their reported gaps.

    Two proven objectives (optimal, with a known gap) conflict when they differ by more
    than the sum of their gaps plus :data:`REL_TOL`.  Any objective conflicts with a
    reported bound it beats (above an upper bound when maximising, below a lower bound
    when minimising), and with a proven objective it beats by more than that one's gap.
    Infeasible against solved is a conflict too.
    """
    names = [r["backend"] for r in runs]
    solved = [r for r in runs if r.get("status") in SOLVED and r.get("objective") is not None]
    infeasible = [r for r in runs if r.get("status") == "infeasible"]
    problems: list[str] = []
    if solved and infeasible:
        problems.append(
            f"{', '.join(r['backend'] for r in infeasible)} said infeasible, "
            f"{', '.join(r['backend'] for r in solved)} found a plan"
        )
    spread: float | None = None
    for a in solved:
        for b in solved:
            if a is b:
                continue
            oa, ob = float(a["objective"]), float(b["objective"])
            scale = max(1.0, abs(oa), abs(ob))
            sa, sb = _slack(a), _slack(b)
            sense = 1.0 if a.get("maximize") else -1.0
            if sa is not None and sb is not None and a["backend"] < b["backend"]:
                diff = abs(oa - ob)
                spread = max(spread or 0.0, diff / scale)
                if diff > sa + sb + REL_TOL * scale:
                    problems.append(
                        f"{a['backend']} {oa:.10g} and {b['backend']} {ob:.10g} differ by "
                        f"{diff:.3g}, more than their gaps allow ({sa + sb:.3g})"
                    )
            # a plan can never beat a proven optimum or a bound
            if sb is not None and sense * (oa - ob) > sb + REL_TOL * scale:
                problems.append(
                    f"{a['backend']} {oa:.10g} is better than {b['backend']}'s proven "
                    f"{ob:.10g} (gap {b.get('gap_at_most')})"
                )
            bound = b.get("bound")
            if (
                bound is not None
                and math.isfinite(bound)
                and sense * (oa - float(bound)) > REL_TOL * scale
            ):
                problems.append(
                    f"{a['backend']} {oa:.10g} is beyond {b['backend']}'s bound {bound:.10g}"
                )
    unique = list(dict.fromkeys(problems))
    if unique:
        return Agreement(instance, names, False, spread, "; ".join(unique))
    proven = [r["backend"] for r in solved if _slack(r) is not None]
    note = (
        f"{len(proven)} proven objective(s) agree"
        if len(proven) > 1
        else "only one proven objective: nothing to compare"
    )
    return Agreement(instance, names, True, spread, note)


def model_verdict(run: dict[str, Any], agree: Agreement, others: int) -> str:
    """The verdict of a model run, given its instance's agreement and backend count."""
    status = run.get("status")
    if status in ("error", "crashed", "killed"):
        return "error"
    if status in ("feasible", "no_solution"):
        return "limit" if agree.agree else "wrong"
    if not agree.agree:
        return "wrong"
    if status == "optimal":
        return "ok" if others > 1 else "unchecked"
    return "unchecked"


# --------------------------------------------------------------------------- the gate


@dataclass(frozen=True)
class GateResult:
    passed: bool
    failures: list[str]
    notes: list[str]
    overhead_ratio: float | None
    baseline_ratio: float | None


def overhead_ratio(runs: list[dict[str, Any]]) -> float | None:
    """Sum of capplan's overhead over the sum of solver time, over solved model runs.

    overhead = load + build + extract + write (everything of the run but the solver's own
    time), measured in the same run as the solve.  Summing over the suite before dividing
    keeps the ratio steady on a noisy machine.
    """
    model_runs = [r for r in runs if r.get("kind") == "model" and r.get("status") in SOLVED]
    solve = sum(float(r["times"]["solve_s"]) for r in model_runs)
    over = sum(float(r["times"]["overhead_s"]) for r in model_runs)
    return over / solve if solve > 0 else None


def gate(runs: list[dict[str, Any]], baseline: dict[str, Any]) -> GateResult:
    """Check this run of the suite against the committed baseline.

    It fails on any run that is not ``ok`` (a wrong answer, a disagreement, an error, or an
    answer left unproven at a limit), on an objective that differs from the baseline's by
    more than the runs' gaps allow, and when the overhead ratio exceeds
    :data:`GATE_SLOWDOWN` times the baseline's.
    """
    failures: list[str] = []
    notes: list[str] = []
    want = {(b["instance"], b["backend"]): b for b in baseline.get("runs", [])}
    have = {(r["instance"], r["backend"]): r for r in runs}
    for key, base in want.items():
        run = have.get(key)
        label = f"{key[0]} x {key[1]}"
        if run is None:
            failures.append(f"{label}: in the baseline but not run")
            continue
        if run.get("verdict") not in ("ok", "unchecked"):
            said = run.get("status", "")
            if run.get("message"):
                said += f": {run['message']}"
            failures.append(f"{label}: {run.get('verdict')} ({said})")
            continue
        expected = base.get("objective")
        got = run.get("objective")
        if expected is not None:
            if got is None:
                failures.append(f"{label}: no objective, the baseline has {expected:.10g}")
                continue
            slack = (_slack(run) or 0.0) + float(base.get("gap_at_most") or 0.0) * max(
                1.0, abs(expected)
            )
            if abs(got - expected) > slack + REL_TOL * max(1.0, abs(expected)):
                failures.append(
                    f"{label}: objective {got:.10g}, the baseline has {expected:.10g} "
                    f"(allowed difference {slack + REL_TOL * max(1.0, abs(expected)):.3g})"
                )
        elif base.get("status") and run.get("status") != base["status"]:
            failures.append(
                f"{label}: status {run.get('status')}, the baseline has {base['status']}"
            )
    ratio = overhead_ratio(runs)
    base_ratio = baseline.get("overhead_ratio")
    if base_ratio is not None:
        if ratio is None:
            failures.append("no solved model run to measure the overhead ratio on")
        elif ratio > GATE_SLOWDOWN * float(base_ratio):
            failures.append(
                f"overhead ratio {ratio:.4f} is more than {GATE_SLOWDOWN:g} x the baseline's "
                f"{float(base_ratio):.4f} ({ratio / float(base_ratio):.2f} x): capplan got slower"
            )
        else:
            notes.append(
                f"overhead ratio {ratio:.4f} against the baseline's {float(base_ratio):.4f} "
                f"({ratio / float(base_ratio):.2f} x, limit {GATE_SLOWDOWN:g} x)"
            )
    return GateResult(not failures, failures, notes, ratio, base_ratio)
