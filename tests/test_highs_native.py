"""HiGHS through highspy (the default backend): what OR-Tools' layer could not give.

A real best bound and gap, the incumbent at a time limit, a MIP start, progress from
HiGHS's MIP callbacks, an interrupt that stops the solve at once, and that highspy 1.12
imports beside OR-Tools 9.15 in one process.  The knapsacks are those of
tests/test_backends.py (20 items: optimum 625.8; 60 items: ~15 s to prove).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from capplan.backends import get_backend
from capplan.backends.base import ProgressEvent, SolveOptions, Status
from capplan.backends.highs_backend import HighspyBackend
from tests.test_backends import knapsack

ROOT = Path(__file__).resolve().parents[1]
CAPPLAN = [sys.executable, "-m", "capplan.cli"]


def test_highspy_and_ortools_import_together() -> None:
    """solver-hazards.md: highspy 1.15 and ortools 9.15 clash; the pinned 1.12.0 does not."""
    code = (
        "import highspy, ortools.linear_solver.python.model_builder_helper as m; "
        "h = highspy.Highs(); print(h.versionMajor(), h.versionMinor())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "12"]


def test_real_bound_brackets_the_optimum_at_a_coarse_gap() -> None:
    """At gap 0.5 HiGHS may stop early; its bound must still lie above the optimum 625.8
    (maximising) and the reported gap must be the one between objective and bound."""
    result = get_backend("highs").solve(knapsack(20, 5), SolveOptions(mip_gap=0.5))
    assert result.status is Status.OPTIMAL
    assert result.objective is not None and result.bound is not None and result.gap is not None
    assert result.objective <= 625.8 + 1e-6 <= result.bound + 2e-6
    assert result.gap == pytest.approx(
        (result.bound - result.objective) / max(1.0, abs(result.objective))
    )
    assert result.gap <= 0.5


def test_optimal_bound_within_the_requested_gap() -> None:
    result = get_backend("highs").solve(knapsack(20, 5), SolveOptions(mip_gap=1e-6))
    assert result.status is Status.OPTIMAL and result.gap is not None
    assert result.objective == pytest.approx(625.8, rel=1e-9)
    assert abs(result.bound - result.objective) <= 1e-6 * max(1.0, abs(result.objective))  # type: ignore[operator]


def test_time_limit_returns_the_incumbent_with_bound_and_gap() -> None:
    """The 60-item knapsack takes ~15 s to prove; at 0.3 s HiGHS has a plan but no proof."""
    lp = knapsack(60, 5)
    result = get_backend("highs").solve(lp, SolveOptions(time_limit_s=0.3))
    assert result.status is Status.FEASIBLE, result.message
    assert result.x is not None and lp.max_violation(result.x) <= 1e-9
    assert result.objective == pytest.approx(lp.objective_value(result.x))
    assert result.bound is not None and result.bound >= result.objective
    assert result.gap is not None and result.gap > 1e-6
    assert "Time limit" in result.message


def test_mip_start_is_taken_as_the_first_incumbent() -> None:
    """With the optimal plan as a start and a 99% gap, HiGHS stops at once on that plan;
    without it, the same gap stops on whatever it finds first."""
    lp = knapsack(60, 5, seed=1)
    best = get_backend("highs").solve(lp, SolveOptions(mip_gap=1e-3, time_limit_s=30))
    assert best.x is not None
    warm = get_backend("highs").solve(lp, SolveOptions(mip_gap=0.99), start=best.x)
    assert warm.options["mip_start"] == "given (feasible: heuristics off)"
    assert warm.objective is not None and warm.objective >= best.objective - 1e-9  # type: ignore[operator]
    wrong_shape = get_backend("highs").solve(lp, SolveOptions(mip_gap=0.99), start=np.ones(3))
    assert wrong_shape.options["mip_start"].startswith("ignored")


def test_progress_reports_incumbents_and_bounds() -> None:
    events: list[ProgressEvent] = []
    lp = knapsack(60, 5)
    get_backend("highs").solve(lp, SolveOptions(time_limit_s=1.0), progress=events.append)
    found = [e for e in events if e.kind == "incumbent" and e.incumbent is not None]
    assert found, "no improving solution was reported"
    values = [e.incumbent for e in found]
    assert values == sorted(values)  # maximising: each improves on the last
    assert any(e.kind == "search" for e in events)
    for e in events:
        if e.incumbent is not None and e.bound is not None:
            assert e.bound >= e.incumbent - 1e-6


def test_lp_duals_in_the_programs_sense() -> None:
    """max 3x + 2y s.t. 2x + y <= 10, x + 3y <= 15: duals 1.4 and 0.2 (by hand: the
    optimum x = 3, y = 4 solves 2u + v = 3, u + 3v = 2); minimising -3x - 2y: -1.4, -0.2."""
    from tests.test_backends import two_by_two

    for maximize, sign in ((True, 1.0), (False, -1.0)):
        result = get_backend("highs").solve(two_by_two(maximize=maximize), SolveOptions())
        assert result.duals is not None
        np.testing.assert_allclose(result.duals, [1.4 * sign, 0.2 * sign], atol=1e-9)


def test_features_are_declared() -> None:
    f = HighspyBackend.features
    assert f.bound and f.duals and f.incumbent_at_limit and f.warm_start and f.interrupt


@pytest.fixture(scope="module")
def slow_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated model of 40 regions and 36 monthly periods: minutes to solve."""
    folder = tmp_path_factory.mktemp("slow") / "gen"
    subprocess.run(
        [*CAPPLAN, "generate", str(folder), "--seed", "1", "--regions", "40", "--periods", "36",
         "--period-length", "month"],
        check=True, capture_output=True, cwd=ROOT,
    )  # fmt: skip
    return folder / "model.yaml"


def _as_from_a_terminal() -> None:
    """Ctrl-C's default in the child, as in a terminal.  A test run started in the
    background of a script (`.ci/run &`) has SIGINT ignored, every child inherits that,
    and Python then keeps it ignored (POSIX; capplan respects it, as `nohup` expects)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_stops_solve_within_two_seconds(slow_model: Path, tmp_path: Path) -> None:
    """A real SIGINT to `capplan solve` mid-solve: exit 130 within 2 s, no run folder."""
    out = tmp_path / "outputs"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [*CAPPLAN, "solve", str(slow_model), "--out", str(out / "run"), "--time-limit", "600"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=_as_from_a_terminal,
    )  # fmt: skip
    try:
        time.sleep(8.0)  # loading and building take a few seconds; then it is solving
        assert proc.poll() is None, proc.communicate()
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        waited = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    _, err = proc.communicate()
    assert proc.returncode == 130, err
    assert waited <= 2.0, f"took {waited:.2f} s to stop"
    assert "interrupted" in err
    assert not (out / "run").exists()
    leftovers = list(out.iterdir()) if out.exists() else []
    assert leftovers == []


def test_time_limited_base_case_exits_1_with_bound(tmp_path: Path) -> None:
    """`capplan solve --time-limit 0.5`: a plan, a real bound and gap, exit code 1."""
    run = tmp_path / "run"
    proc = subprocess.run(
        [*CAPPLAN, "solve", "models/base.yaml", "--time-limit", "0.5", "--out", str(run), "-q"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "feasible"
    objective, bound = summary["objective_rmb_m"], summary["bound_rmb_m"]
    assert bound >= objective and summary["gap"] > 1e-6
    assert summary["gap"] == pytest.approx((bound - objective) / max(1.0, abs(objective)))
