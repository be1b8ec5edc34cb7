"""The command line: help with examples, version, exit codes, output folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capplan import __version__
from capplan.cli import app
from tests.tiny import case

runner = CliRunner()


def commands() -> list[str]:
    return sorted(c.name or c.callback.__name__ for c in app.registered_commands)  # type: ignore[union-attr]


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"capplan {__version__}"


@pytest.mark.parametrize("command", commands())
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: capplan" in result.output


def test_solve_writes_a_run_and_reports_optimal(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["solve", str(case(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "optimal" in result.output and str(out) in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["kpis"]["npv_rmb_m"] == pytest.approx(5.0)
    assert len(summary["input_hash"]) == 64
    assert set(summary["times"]) == {"load_s", "build_s", "solve_s", "extract_s", "write_s"}


def test_existing_out_needs_force(tmp_path: Path) -> None:
    model, out = case(tmp_path), tmp_path / "run"
    assert runner.invoke(app, ["solve", str(model), "--out", str(out)]).exit_code == 0
    result = runner.invoke(app, ["solve", str(model), "--out", str(out)])
    assert result.exit_code == 2 and "--force" in result.output
    assert runner.invoke(app, ["solve", str(model), "--out", str(out), "--force"]).exit_code == 0


def test_default_folder_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    model = case(tmp_path / "m")
    for _ in range(2):
        assert runner.invoke(app, ["solve", str(model), "--quiet"]).exit_code == 0
    outputs = tmp_path / "outputs"
    assert sorted(p.name for p in outputs.iterdir() if p.is_dir()) == ["tiny", "tiny-2"]
    queued = (outputs / "runs.duckdb.pending").read_text().splitlines()  # for the run store
    assert [Path(json.loads(line)["folder"]).name for line in queued] == ["tiny", "tiny-2"]


def test_time_limited_plan_is_not_called_optimal(tmp_path: Path) -> None:
    """SCIP stopped after 0.5 s on the base case has a plan but no proof: exit code 1,
    status feasible with its gap, never 'optimal'."""
    base = Path(__file__).resolve().parents[1] / "models" / "base.yaml"
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["solve", str(base), "--solver", "scip", "--time-limit", "0.5", "--out", str(out)]
    )
    assert result.exit_code in (1, 4), result.output
    if result.exit_code == 1:
        summary = json.loads((out / "summary.json").read_text())
        assert summary["status"] == "feasible" and summary["gap"] > 0
    else:  # no plan at all within the limit: nothing written
        assert "no_solution" in result.output and not out.exists()


def test_infeasible_exits_3_and_writes_nothing(tmp_path: Path) -> None:
    """A required campaign of 1000 ZFLOP needs 1000 pods (RMB 1,000 M); the budget is
    RMB 10 M: infeasible."""
    camp = [
        {
            "campaign": "big",
            "flop": 1e24,
            "earliest": "",
            "deadline": "Y1",
            "regions": "*",
            "parts": "*",
            "late_penalty_rmb_per_zflop": "",
        }
    ]
    model = case(tmp_path, campaigns=camp, model={"budget": {"total_rmb_bn": 0.01}})
    out = tmp_path / "run"
    result = runner.invoke(app, ["solve", str(model), "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert "infeasible" in result.output and not out.exists()


def test_solvers_lists_the_backends() -> None:
    result = runner.invoke(app, ["solvers"])
    assert result.exit_code == 0
    for name in ("highs", "scip", "cbc", "glop"):
        assert name in result.output
