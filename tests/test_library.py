"""capplan.library: load -> edit -> build -> solve -> analyse -> write, in memory.

The tiny case (tests/tiny.py) is worked by hand: 1 MW existing, pods of one unit drawing
0.1 MW and costing RMB 1 million, 5 ZFLOP of demand at RMB 2 million per ZFLOP, so the
best plan buys 5 pods and earns NPV = 2 x 5 - 5 = 5 (RMB million).
"""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capplan import library
from capplan.backends.base import Status
from capplan.errors import InputError
from capplan.library import Session, SolveRequest
from capplan.pipeline import solve as pipeline_solve
from capplan.results.decisions import investment_decisions, read_investments
from tests.tiny import case

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return case(tmp_path / "tiny")


def test_steps_give_the_hand_worked_plan(tiny: Path) -> None:
    req = SolveRequest(tiny)
    inputs = library.load(req)
    model = library.build(inputs)
    result = library.solve(model, req.options(inputs))
    plan = library.analyse(model, result, req.options(inputs), config=inputs.config)
    assert plan.status is Status.OPTIMAL and plan.exit_code == 0
    assert plan.npv_rmb_m == pytest.approx(5.0)
    assert plan.tables["investments"]["quantity"].sum() == 5
    assert plan.bound is not None and plan.bound >= plan.objective - 1e-9  # type: ignore[operator]


def test_edit_in_memory_without_the_files(tiny: Path) -> None:
    """A budget of RMB 3 million buys 3 pods (NPV 3); twice the demand needs 10 pods,
    which the 1 MW still powers (NPV 2 x 10 - 10 = 10).  The input files are deleted
    after loading: edits never read them again."""
    inputs = library.load(tiny)
    shutil.rmtree(tiny.parent / "inputs")
    tiny.unlink()
    poorer = library.edit(inputs, sets=["budget.total_rmb_bn=0.003"])
    assert library.solve_inputs(poorer).npv_rmb_m == pytest.approx(3.0)
    more = library.edit(
        inputs,
        {"edits": [{"table": "demand", "where": {}, "scale": {"demand_zflop": 2}}]},
        label="double-demand",
    )
    plan = library.solve_inputs(more)
    assert plan.npv_rmb_m == pytest.approx(10.0)
    assert "double-demand" in more.config.scenarios
    assert more.config.input_hash != inputs.config.input_hash != poorer.config.input_hash
    assert library.solve_inputs(inputs).npv_rmb_m == pytest.approx(5.0)  # the original stays


def test_edit_errors_name_the_layer(tiny: Path) -> None:
    inputs = library.load(tiny)
    with pytest.raises(InputError) as bad:
        library.edit(inputs, {"overrides": {"budget": {"total_rmb_bn": -1}}}, label="my-edit")
    assert "my-edit" in str(bad.value) and "budget.total_rmb_bn" in str(bad.value)
    with pytest.raises(InputError) as unknown:
        library.edit(inputs, {"edits": [{"table": "nope"}]}, label="typo")
    assert "typo" in str(unknown.value)
    with pytest.raises(InputError, match="inputs"):
        library.edit(inputs, sets=["inputs.dir=elsewhere"])


def test_inputs_and_plans_are_picklable(tiny: Path) -> None:
    inputs = library.load(tiny)
    again = pickle.loads(pickle.dumps(inputs))
    assert again.config.input_hash == inputs.config.input_hash
    plan = library.run(SolveRequest(tiny))
    copy = pickle.loads(pickle.dumps(plan))
    for name, frame in plan.tables.items():
        pd.testing.assert_frame_equal(copy.tables[name], frame)
    assert copy.summary == plan.summary


def test_session_warm_starts_each_resolve(tiny: Path) -> None:
    s = Session(SolveRequest(tiny))
    first = s.solve()
    assert first.summary["search"]["mip_start"] == "none"
    second = s.solve(sets=["budget.total_rmb_bn=0.003"])
    assert second.npv_rmb_m == pytest.approx(3.0)
    assert second.summary["search"]["mip_start"].startswith("given (not feasible")  # 5 pods > 3
    third = s.solve()
    assert third.npv_rmb_m == pytest.approx(5.0)
    assert len(s.history) == 3


def test_write_gives_the_files_of_capplan_solve(tiny: Path, tmp_path: Path) -> None:
    run = pipeline_solve(tiny, out=tmp_path / "cli")
    plan = library.run(SolveRequest(tiny))
    library.write(plan, tmp_path / "lib")
    for csv in sorted((tmp_path / "cli").glob("*.csv")):
        assert (tmp_path / "lib" / csv.name).read_bytes() == csv.read_bytes(), csv.name
    assert run.plan.npv_rmb_m == plan.npv_rmb_m


def test_decisions_read_back_onto_the_columns(tiny: Path, tmp_path: Path) -> None:
    run = pipeline_solve(tiny, out=tmp_path / "run")
    decisions = investment_decisions(run.model, read_investments(tmp_path / "run"))
    x = run.plan.x
    assert x is not None
    np.testing.assert_array_equal(decisions.values, x[decisions.ids])
    assert decisions.values.sum() == 5


def test_solve_start_from_a_run_folder(tiny: Path, tmp_path: Path) -> None:
    pipeline_solve(tiny, out=tmp_path / "first")
    again = pipeline_solve(tiny, out=tmp_path / "second", start=tmp_path / "first")
    assert again.summary["search"]["mip_start"].startswith("given")
    bad = tmp_path / "first" / "investments.csv"
    bad.write_text(bad.read_text().replace(",A,", ",Nowhere,"))
    proc = subprocess.run(
        [sys.executable, "-m", "capplan.cli", "solve", str(tiny), "--start",
         str(tmp_path / "first"), "--out", str(tmp_path / "third")],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "Nowhere" in proc.stderr and "no such decision" in proc.stderr
    assert not (tmp_path / "third").exists()


def test_capplan_solve_is_recorded_in_the_run_store(tiny: Path, tmp_path: Path) -> None:
    """`capplan solve` writes its run folder and records it in outputs/runs.duckdb."""
    work = tmp_path / "work"
    work.mkdir()
    cmd = [sys.executable, "-m", "capplan.cli"]
    proc = subprocess.run([*cmd, "solve", str(tiny), "-q"], cwd=work, capture_output=True,
                          text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (work / "outputs" / "tiny" / "summary.json").is_file()
    listed = subprocess.run([*cmd, "runs", "list"], cwd=work, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert "solve" in listed.stdout and "tiny" in listed.stdout
