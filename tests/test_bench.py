"""capplan bench: its checks, the CI gate, the reference builders and the command itself.

The gate is fed a deliberately wrong answer and a deliberately slow build (a
``sitecustomize`` that slows ``build_model`` in the bench's worker processes) and must
fail with exit code 5; the harness must report honestly a file its reader cannot read,
a solver stopped at its time limit and a backend that cannot solve a MIP.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from typer.testing import CliRunner

from capplan.backends import get_backend
from capplan.backends.base import SolveOptions
from capplan.bench import checks
from capplan.bench.reference import build_pulp, fill_lower_bound, solve_pulp
from capplan.cli import app
from capplan.model.build import build_model
from capplan.model.lp import LinearProgram
from capplan.mps import write_mps
from capplan.pipeline import load, solve
from tests.tiny import case, part, region

INSTANCES = Path(__file__).parent / "data" / "instances"
BASE = Path(__file__).resolve().parents[1] / "models" / "base.yaml"


def run(**fields: Any) -> dict[str, Any]:
    base = {"kind": "model", "backend": "highs", "status": "optimal", "objective": 100.0}
    base.update(bound=None, gap=None, gap_at_most=0.0, maximize=True, message="")
    base.update(fields)
    return base


# --------------------------------------------------------------------------- checks


@pytest.mark.parametrize(
    ("result", "expected", "verdict"),
    [
        ({"status": "optimal", "objective": 3089.0}, ("opt", 3089.0), "ok"),
        ({"status": "optimal", "objective": 3089.0 * (1 + 5e-7)}, ("opt", 3089.0), "ok"),
        ({"status": "optimal", "objective": 3090.0}, ("opt", 3089.0), "wrong"),
        ({"status": "optimal", "objective": 1e-7}, ("opt", 0.0), "ok"),
        ({"status": "infeasible"}, ("opt", 3089.0), "wrong"),
        ({"status": "feasible", "objective": 3100.0}, ("opt", 3089.0), "limit"),
        ({"status": "no_solution"}, ("opt", 3089.0), "limit"),
        ({"status": "unreadable", "message": "x.mps:3: ..."}, ("opt", 1.0), "unreadable"),
        ({"status": "error", "message": "glop solves LPs only"}, ("opt", 1.0), "error"),
        ({"status": "killed"}, ("opt", 1.0), "error"),
        ({"status": "infeasible"}, ("inf", None), "ok"),
        ({"status": "optimal", "objective": 1.0}, ("inf", None), "wrong"),
        ({"status": "infeasible_or_unbounded"}, ("inf", None), "unchecked"),
        ({"status": "optimal", "objective": 1.0}, None, "unchecked"),
    ],
)
def test_published_result_verdicts(
    result: dict[str, Any], expected: tuple[str, float | None] | None, verdict: str
) -> None:
    assert checks.solu_verdict(result, expected) == verdict


def test_backends_agree_within_their_gaps() -> None:
    a = run(backend="highs", objective=100.0, gap_at_most=1e-4)
    b = run(backend="scip", objective=100.005, gap_at_most=1e-4, bound=100.01)
    assert checks.agreement("i", [a, b]).agree


@pytest.mark.parametrize(
    ("b", "why"),
    [
        (run(backend="scip", objective=101.0, gap_at_most=1e-4), "differ"),
        (run(backend="scip", objective=99.0, gap_at_most=1e-6, bound=99.5), "bound"),
        (run(backend="scip", status="infeasible", objective=None), "infeasible"),
        (run(backend="scip", status="feasible", objective=103.0, gap_at_most=None), "better"),
    ],
)
def test_disagreements_are_found(b: dict[str, Any], why: str) -> None:
    a = run(backend="highs", objective=100.0, gap_at_most=1e-4)
    found = checks.agreement("i", [a, b])
    assert not found.agree and why in found.message
    assert checks.model_verdict(a, found, 2) == "wrong"


BASELINE = {
    "version": 1,
    "suite": {},
    "overhead_ratio": 0.05,
    "runs": [
        {
            "instance": "m",
            "backend": "highs",
            "status": "optimal",
            "objective": 100.0,
            "gap_at_most": 1e-4,
        },
        {
            "instance": "afiro",
            "backend": "highs",
            "status": "optimal",
            "objective": -464.75,
            "gap_at_most": 0.0,
        },
    ],
}


def suite_runs(objective: float = 100.0, build_s: float = 0.2) -> list[dict[str, Any]]:
    """What a run of the suite recorded: solve 10 s, load + build + extract + write 0.5 s."""
    times = {"load_s": 0.1, "build_s": build_s, "extract_s": 0.1, "write_s": 0.1}
    times["solve_s"] = 10.0
    times["overhead_s"] = sum(v for k, v in times.items() if k != "solve_s")
    model = run(instance="m", objective=objective, gap_at_most=1e-4, times=times, verdict="ok")
    mps = run(instance="afiro", kind="mps", objective=-464.75, times=dict(times), verdict="ok")
    return [model, mps]


def test_gate_passes_the_same_numbers() -> None:
    result = checks.gate(suite_runs(), BASELINE)
    assert result.passed, result.failures
    assert result.overhead_ratio == pytest.approx(0.05)


def test_gate_fails_a_wrong_answer() -> None:
    result = checks.gate(suite_runs(objective=100.5), BASELINE)
    assert not result.passed
    assert any("objective 100.5" in f for f in result.failures)


def test_gate_fails_a_slow_build() -> None:
    """0.2 s -> 1.2 s of build on a 10 s solve: the ratio 0.05 -> 0.15, over 1.5 x."""
    result = checks.gate(suite_runs(build_s=1.2), BASELINE)
    assert not result.passed
    assert any("overhead ratio" in f and "slower" in f for f in result.failures)
    assert checks.gate(suite_runs(build_s=0.4), BASELINE).passed  # 0.07: within 1.5 x


def test_gate_fails_a_run_it_did_not_check() -> None:
    runs = suite_runs()
    runs[1]["verdict"] = "limit"
    runs[1]["status"] = "no_solution"
    assert not checks.gate(runs, BASELINE).passed
    assert not checks.gate(runs[:1], BASELINE).passed  # a run of the baseline is missing


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"supply_units": 3},
        {
            "regions": [region(existing_mw=0.0, entry_cost_m=0.5, min_first_build_mw=1.0)],
            "model": {"horizon": {"periods": ["Y1", "Y2"]}},
        },
        {
            "parts": [part(), part(part="F", vendor="W", domestic=False, price_usd=8e5)],
            "policy": {
                "state_share": {"Z": 0.4},
                "min_domestic_share_china": 0.5,
                "max_foreign_vendor_share": 0.6,
            },
        },
        {
            "campaigns": [
                {
                    "campaign": "k",
                    "flop": 2e21,
                    "earliest": "",
                    "deadline": "Y1",
                    "regions": "*",
                    "parts": "*",
                    "late_penalty_rmb_per_zflop": 5e6,
                }
            ],
            "model": {"objective": {"kind": "min_cost", "unserved_penalty_rmb_per_zflop": 3e6}},
        },
    ],
    ids=["default", "supply", "entry", "policies", "campaign-min-cost"],
)
def test_pulp_builder_gives_capplans_objective(tmp_path: Path, spec: dict[str, Any]) -> None:
    path = case(tmp_path, **spec)
    capplan = solve(path, write=False, allow_outside=True)
    assert capplan.result.status == "optimal"
    _, tables = load(path, allow_outside=True)
    model = build_pulp(tables)
    assert model.num_terms == capplan.model.lp.num_nonzeros
    status, objective = solve_pulp(model)
    assert status == "Optimal" and objective is not None
    assert objective == pytest.approx(capplan.result.objective, rel=1e-6, abs=1e-6)


def test_pulp_builder_on_the_base_case() -> None:
    """capplan's optimal plan, put into the PuLP model, is feasible there and has the same
    objective: the same algebra, checked at the optimum without a second solve."""
    run = solve(BASE, write=False)
    _, tables = load(BASE)
    model = build_pulp(tables)
    assert model.num_vars == run.model.lp.num_vars
    assert model.num_terms == run.model.lp.num_nonzeros
    by_name = model.problem.variablesDict()
    x = run.result.x
    for block in ("build", "enter", "pods", "serve", "train", "short"):
        entries = getattr(run.model.vars, block)
        codes = [entries.codes[d] for d in entries.dims]
        for i, column in enumerate(entries.ids):
            by_name["_".join([block, *(str(c[i]) for c in codes)])].varValue = x[column]
    objective = model.problem.objective.value()
    assert objective == pytest.approx(run.result.objective, rel=1e-9)
    for row in model.rows:
        value = row.value()  # expression - right-hand side, for "value <=/>=/== 0"
        violation = {-1: max(value, 0.0), 1: max(-value, 0.0), 0: abs(value)}[row.sense]
        size = abs(row.constant) + sum(abs(a * v.varValue) for v, a in row.items())
        assert violation <= 1e-9 * max(1.0, size), row.name  # the solver's tolerance


def test_lower_bound_fills_the_same_program() -> None:
    _, tables = load(BASE)
    lp = build_model(tables).lp
    helper = fill_lower_bound(lp)
    assert helper.num_variables() == lp.num_vars
    assert helper.num_constraints() == lp.num_rows
    assert sum(helper.var_is_integral(j) for j in range(lp.num_vars)) == lp.num_integer
    assert helper.maximize() == lp.maximize


# --------------------------------------------------------------------------- the command


def knapsack(n: int = 60, m: int = 5, seed: int = 0) -> LinearProgram:
    """A 0-1 knapsack HiGHS needs about 15 s for (tests/test_backends.py)."""
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 100, size=(m, n)).astype(float)
    return LinearProgram(
        c=W.mean(axis=0) + rng.integers(1, 20, size=n),
        matrix=sp.csr_matrix(W),
        row_lb=np.full(m, -np.inf),
        row_ub=0.5 * W.sum(axis=1),
        col_lb=np.zeros(n),
        col_ub=np.ones(n),
        integer=np.ones(n, dtype=bool),
        maximize=True,
    )


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_mps_files_are_checked_and_failures_reported_honestly(tmp_path: Path) -> None:
    folder = tmp_path / "mps"
    folder.mkdir()
    for name in ["afiro", "p0033", "woodinfe"]:
        (folder / f"{name}.mps").write_bytes((INSTANCES / f"{name}.mps").read_bytes())
    (folder / "sos.mps").write_text("NAME s\nROWS\n N obj\nCOLUMNS\n x obj 1\nSOS\nENDATA\n")
    write_mps(knapsack(), folder / "knap.mps")
    solu = tmp_path / "x.solu"
    solu.write_text((INSTANCES / "instances.solu").read_text() + "=opt= sos 1\n=opt= knap 1\n")
    out = tmp_path / "out"
    args = ["bench", "--mps", str(folder), "--solu", str(solu), "--out", str(out)]
    args += ["--backend", "highs", "--backend", "glop", "--time-limit", "0.5"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output  # limits and unreadable files are no failure
    assert "[ 1/10]" in result.output and "Traceback" not in result.output
    rows = {(r["instance"], r["backend"]): r for r in read_rows(out / "results.csv")}
    assert rows["afiro", "highs"]["verdict"] == "ok"
    assert rows["afiro", "glop"]["verdict"] == "ok"
    assert rows["p0033", "highs"]["verdict"] == "ok"
    assert rows["woodinfe", "highs"]["verdict"] == "ok"
    assert rows["p0033", "glop"]["verdict"] == "error"
    assert "LPs only" in rows["p0033", "glop"]["message"]
    assert rows["sos", "highs"]["verdict"] == "unreadable"
    assert "SOS" in rows["sos", "highs"]["message"]
    assert rows["knap", "highs"]["verdict"] == "limit"  # stopped by the limit, not proven
    assert rows["knap", "highs"]["status"] == "feasible"  # with its best plan, bound and gap
    assert {p.name for p in out.iterdir()} == {
        "results.csv",
        "reference.csv",
        "results.json",
        "results.md",
        "logs",
    }
    text = (out / "results.md").read_text()
    assert "| afiro | -464.7531429 | ok: -464.7531429" in text
    data = json.loads((out / "results.json").read_text())
    assert data["failures"] == []
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 2 and "already exists" in again.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_bad_options_are_input_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    for args, where in [
        (["bench", "--mps", str(INSTANCES / "afiro.mps"), "--backend", "nope"], "--backend"),
        (["bench", str(BASE), "--solu", str(INSTANCES / "instances.solu")], "--solu"),
        (["bench", "--mps", str(tmp_path / "missing.mps")], "missing.mps"),
        (["bench", "--suite", "nightly"], "--suite"),
        (["bench"], "nothing to run"),
        (["bench", "--gate", str(tmp_path / "none.json")], "none.json"),
        (["bench", "--generate", "seed=1,colour=red"], "--generate"),
    ]:
        result = runner.invoke(app, [*args, "--out", str(tmp_path / "o")])
        assert result.exit_code == 2, (args, result.output)
        assert where in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


@pytest.fixture(scope="module")
def gate_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small suite (a tiny model and afiro, HiGHS) and its baseline."""
    root = tmp_path_factory.mktemp("gate")
    model = case(root / "tiny")
    baseline = root / "baseline.json"
    args = ["bench", str(model), "--mps", str(INSTANCES / "afiro.mps"), "--backend", "highs"]
    args += ["--no-reference", "--out", str(root / "first"), "--write-baseline", str(baseline)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return root, baseline


def gate_run(root: Path, baseline: dict[str, Any], name: str) -> Any:
    path = root / f"{name}.json"
    path.write_text(json.dumps(baseline))
    return CliRunner().invoke(app, ["bench", "--gate", str(path), "--out", str(root / name)])


def test_gate_command_passes_its_own_baseline(gate_setup: tuple[Path, Path]) -> None:
    root, path = gate_setup
    baseline = json.loads(path.read_text())
    assert baseline["suite"]["backends"] == ["highs"]
    assert {(r["instance"], r["backend"]) for r in baseline["runs"]} == {
        ("tiny", "highs"),
        ("afiro", "highs"),
    }
    baseline["overhead_ratio"] *= 3  # a margin for a noisy machine: this is the pass case
    result = gate_run(root, baseline, "same")
    assert result.exit_code == 0, result.output
    assert "gate passed" in result.output


def test_gate_command_fails_a_wrong_answer(gate_setup: tuple[Path, Path]) -> None:
    root, path = gate_setup
    baseline = json.loads(path.read_text())
    baseline["overhead_ratio"] *= 3
    for r in baseline["runs"]:
        if r["instance"] == "tiny":
            r["objective"] += 1.0  # the "right" answer is now another one
    result = gate_run(root, baseline, "wrong")
    assert result.exit_code == 5, result.output
    assert "tiny x highs: objective" in result.output and "gate FAILED" in result.output


def test_gate_command_fails_a_slow_build(
    gate_setup: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every worker process slows build_model by 2 s: far over 1.5 x the tiny overhead."""
    root, path = gate_setup
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import time\n"
        "import capplan.model.build as build\n"
        "_build = build.build_model\n"
        "def slow(tables):\n"
        "    time.sleep(2.0)\n"
        "    return _build(tables)\n"
        "build.build_model = slow\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(hook))
    result = gate_run(root, json.loads(path.read_text()), "slow")
    assert result.exit_code == 5, result.output
    assert "overhead ratio" in result.output and "capplan got slower" in result.output
    data = json.loads((root / "slow" / "results.json").read_text())
    tiny = next(r for r in data["runs"] if r["instance"] == "tiny")
    assert tiny["times"]["build_s"] >= 2.0  # the slow build was measured, in the run


def test_backends_solve_what_the_bench_reads() -> None:
    """The bench solves each MPS file through a backend's own solve (no PuLP reader)."""
    from capplan.mps import read_mps

    lp = read_mps(INSTANCES / "afiro.mps")
    result = get_backend("highs").solve(lp, SolveOptions(mip_gap=1e-9))
    assert result.objective == pytest.approx(-464.75314286, rel=1e-6)
