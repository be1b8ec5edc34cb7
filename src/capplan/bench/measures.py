"""Measurement suites: ``capplan bench --suite engine``, ``--suite warm`` and ``--suite sweep``.

Unlike the instance suites (:mod:`capplan.bench.suites`), these measure one question each,
side by side in one run, and write ``results.md`` and ``results.json`` to the output folder:

* ``engine`` -- what ``capplan solve`` adds to the solver on the base case: the whole
  command's wall time minus the solver's own time (``solver_times.solve_s`` of its
  summary.json), imports included, median of ``repeat`` runs.  With ``--against CMD`` (a
  ``capplan`` executable of another version, e.g. today's main installed in its own venv)
  the two commands run interleaved and the ratio of their overheads is reported.  Both run
  as on a user's machine from the second run on: with Python's bytecode cache (a
  ``PYTHONDONTWRITEBYTECODE`` in the caller's environment is not passed on, as it would
  have each run compile every module of the package from source again) after one untimed
  warm-up run each.
* ``warm`` -- from Python, change the total budget and re-solve the base case at gap 1e-3,
  warm-started from the previous plan (:class:`capplan.library.Session`), against the same
  re-solve without a start; every warm objective must equal the cold one within the gap
  (exit code 5 otherwise).
* ``sweep`` -- sweep throughput with 2 Dask workers against 1, and the share of the
  sweep's time outside the solver (:mod:`capplan.bench.sweep`, docs/sweeps.md).
* ``proof`` -- the proof of optimality at gap 1e-6 with the formulation before and after
  the valid inequalities, on the base case and every library scenario
  (:mod:`capplan.bench.proof`).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
BASE = ROOT / "models" / "base.yaml"
WARM_BUDGETS = (420, 400, 390, 370, 350, 330, 310, 300, 290, 280)  # RMB bn, walked in order


@dataclass
class Measured:
    """What a measurement suite found: its tables as text, its figures, failed checks."""

    markdown: str
    figures: dict[str, Any]
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MeasureArgs:
    out: Path
    repeat: int = 7
    against: str | None = None


def _user_env() -> dict[str, str]:
    """The environment a user's ``capplan`` runs in: bytecode caching as Python's default."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _solve_once(command: list[str], folder: Path) -> tuple[float, float]:
    """(wall seconds, solver seconds) of one ``capplan solve`` of the base case."""
    run = folder / f"run-{time.monotonic_ns()}"
    t0 = time.perf_counter()
    subprocess.run(
        [*command, "solve", str(BASE), "--out", str(run), "-q"],
        check=True,
        cwd=ROOT,
        capture_output=True,
        env=_user_env(),
    )
    wall = time.perf_counter() - t0
    summary = json.loads((run / "summary.json").read_text())
    return wall, float(summary["solver_times"]["solve_s"])


def engine(args: MeasureArgs) -> Measured:
    """Overhead of ``capplan solve`` on the base case, this version vs ``--against``."""
    commands = {"this": [sys.executable, "-m", "capplan.cli"]}
    if args.against:
        commands["against"] = [args.against]
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    with tempfile.TemporaryDirectory() as tmp:
        for command in commands.values():  # warm-up, untimed: writes the bytecode caches
            _solve_once(command, Path(tmp))
        for _ in range(args.repeat):
            for name, command in commands.items():  # interleaved: same machine state
                samples[name].append(_solve_once(command, Path(tmp)))
    rows: list[str] = []
    figures: dict[str, Any] = {}
    for name, runs in samples.items():
        wall = statistics.median(w for w, _ in runs)
        solver = statistics.median(s for _, s in runs)
        overhead = statistics.median(w - s for w, s in runs)
        figures[name] = {"wall_s": wall, "solver_s": solver, "overhead_s": overhead}
        rows.append(f"| {name} | {wall:.3f} | {solver:.3f} | {overhead:.3f} |")
    text = [
        f"# engine: `capplan solve models/base.yaml`, median of {args.repeat}",
        "",
        "| command | wall s | solver s | overhead s (wall - solver) |",
        "|---|---|---|---|",
        *rows,
    ]
    if "against" in figures:
        ratio = figures["this"]["overhead_s"] / figures["against"]["overhead_s"]
        figures["overhead_ratio"] = ratio
        text += ["", f"overhead ratio this / against: {ratio:.3f} (`--against {args.against}`)"]
    return Measured("\n".join(text) + "\n", figures)


def warm(args: MeasureArgs) -> Measured:
    """Budget edits re-solved at gap 1e-3, warm-started vs cold, from Python."""
    from capplan.library import Session, SolveRequest, edit, solve_inputs

    request = SolveRequest(BASE, mip_gap=1e-3)
    session = Session(request)
    session.solve()  # the first plan, which the first edit starts from
    assert session.inputs is not None
    rows, warm_s, cold_s, failures = [], [], [], []
    for budget in WARM_BUDGETS:
        sets = [f"budget.total_rmb_bn={budget}"]
        t0 = time.perf_counter()
        hot = session.solve(sets=sets)
        warm_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        cold = solve_inputs(edit(session.inputs, sets=sets), request, marginal=False)
        cold_s.append(time.perf_counter() - t0)
        ok = _same_within_gap(hot.objective, cold.objective, 1e-3)
        if not ok:
            failures.append(f"warm {hot.objective} vs cold {cold.objective} at {budget} bn")
        rows.append(
            f"| {budget} | {hot.status} | {hot.objective:,.1f} | {warm_s[-1]:.3f} | "
            f"{hot.summary['search'].get('nodes', 0)} | {cold_s[-1]:.3f} | "
            f"{'ok' if ok else 'DIFFERENT'} |"
        )
    figures = {
        "median_warm_s": statistics.median(warm_s),
        "median_cold_s": statistics.median(cold_s),
        "budgets_rmb_bn": list(WARM_BUDGETS),
    }
    text = [
        "# warm: change the total budget and re-solve the base case (gap 1e-3)",
        "",
        "Each row: `Session.solve(sets=['budget.total_rmb_bn=B'])` (edit in memory, build, "
        "solve warm-started from the previous plan, result tables; no marginal values), then "
        "the same without a start.",
        "",
        "| budget RMB bn | status | NPV RMB m | warm s | nodes | cold s | same NPV |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"median warm {figures['median_warm_s']:.3f} s, median cold "
        f"{figures['median_cold_s']:.3f} s",
    ]
    return Measured("\n".join(text) + "\n", figures, failures)


def _same_within_gap(a: float | None, b: float | None, gap: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 2 * gap * max(1.0, abs(a), abs(b))


def sweep(args: MeasureArgs) -> Measured:
    """Sweep throughput, 2 Dask workers vs 1, and time outside the solver (bench/sweep.py)."""
    from capplan.bench.sweep import measure_sweep

    return measure_sweep(args)


def proof(args: MeasureArgs) -> Measured:
    """The proof of optimality: plain, tight and scaled (capplan.bench.proof)."""
    from capplan.bench.proof import measure

    return measure(args)


MEASURES: dict[str, Callable[[MeasureArgs], Measured]] = {
    "engine": engine,
    "warm": warm,
    "sweep": sweep,
    "proof": proof,
}


def run_measure(name: str, args: MeasureArgs) -> Measured:
    """Run one measurement suite and write results.md and results.json to ``args.out``."""
    from capplan.io import write_folder

    measured = MEASURES[name](args)
    payload = {"suite": name, "figures": measured.figures, "failures": measured.failures}
    write_folder(
        args.out,
        {},
        force=False,
        json_files={"results.json": payload},
        texts={"results.md": measured.markdown},
    )
    return measured
