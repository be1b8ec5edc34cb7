"""The three unit slips of issue 11, typed into real files of a copy of the project: each is
a warning naming the file, the row or key and the likely slip (exit 0), and an error with
``--strict`` (exit 2, before any solve); truly absurd values stay errors without it.

- the budget typed in RMB: ``total_rmb_bn: 380000000000`` (RMB 380 bn, in RMB);
- China's capex per MW typed in RMB: 54,798,000 rather than 54.798 (RMB million);
- demand x 1e20: the base demand (2e6 to 1e7 ZFLOP) typed as if in 100 EFLOP, 2e26 to
  1e27: outside the plausible 0 to 1e9 ZFLOP, and the known slip whose factor brings it
  nearest the range is FLOP for ZFLOP (x 1e21 = 1 ZFLOP in FLOP, docs/inputs.md).
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capplan.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _project(tmp_path: Path) -> Path:
    """A copy of models/base.yaml and inputs/ whose files a test may edit."""
    (tmp_path / "models").mkdir()
    shutil.copy(ROOT / "models" / "base.yaml", tmp_path / "models" / "base.yaml")
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    return tmp_path / "models" / "base.yaml"


def _edit_csv(path: Path, column: str, change: Callable[[dict[str, str]], str | None]) -> None:
    """Rewrite one column of a CSV file: ``change(row)`` gives the new text (None: keep)."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        new = change(row)
        if new is not None:
            row[column] = new
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _budget_in_rmb(model: Path) -> None:
    text = model.read_text()
    assert "total_rmb_bn: 380 " in text
    model.write_text(text.replace("total_rmb_bn: 380 ", "total_rmb_bn: 380000000000 ", 1))


def _capex_in_rmb(model: Path) -> None:
    regions = model.parents[1] / "inputs" / "regions.csv"
    _edit_csv(
        regions,
        "capex_per_mw_m",
        lambda r: f"{float(r['capex_per_mw_m']) * 1e6:.0f}" if r["region"] == "China" else None,
    )


def _demand_x(factor: float) -> Callable[[Path], None]:
    def edit(model: Path) -> None:
        demand = model.parents[1] / "inputs" / "demand.csv"
        _edit_csv(demand, "demand_zflop", lambda r: repr(float(r["demand_zflop"]) * factor))

    return edit


SLIPS = [
    (
        _budget_in_rmb,
        "models/base.yaml: budget.total_rmb_bn",
        "typed in RMB rather than RMB billion",
    ),
    (
        _capex_in_rmb,
        "inputs/regions.csv: row 2 (region=China), column capex_per_mw_m",
        "typed in currency units rather than millions",
    ),
    (
        _demand_x(1e20),
        "inputs/demand.csv: row 2 (zone=CN, period=FY2026), column demand_zflop",
        "in FLOP rather than ZFLOP",
    ),
]


@pytest.mark.parametrize(("edit", "where", "slip"), SLIPS, ids=["budget", "capex", "demand"])
def test_a_unit_slip_in_a_file_is_a_warning_and_exit_2_with_strict(
    tmp_path: Path,
    edit: Callable[[Path], None],
    where: str,
    slip: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = _project(tmp_path)
    edit(model)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", "models/base.yaml"])
    assert result.exit_code == 0, result.output
    warnings = [ln for ln in result.stderr.splitlines() if "warning:" in ln]
    assert len(warnings) == 1, result.stderr  # one cause, one message
    assert where in warnings[0] and f"likely {slip}" in warnings[0], warnings[0]
    for command in (["validate"], ["solve", "--out", str(tmp_path / "run")]):
        strict = runner.invoke(app, [*command, "models/base.yaml", "--strict"])
        assert strict.exit_code == 2, strict.output
        assert where in strict.stderr and slip in strict.stderr
    assert not (tmp_path / "run").exists()  # refused before the solve


@pytest.mark.parametrize("value", ["1e300", "inf", "1e31"])
def test_absurd_demand_is_still_an_error(
    tmp_path: Path, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond what any slip explains (and what the solver carries): an error, no --strict."""
    model = _project(tmp_path)
    demand = model.parents[1] / "inputs" / "demand.csv"
    _edit_csv(demand, "demand_zflop", lambda r: value if r["zone"] == "EU" else None)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", "models/base.yaml"])
    assert result.exit_code == 2, result.output
    assert "inputs/demand.csv: row 5 (zone=EU, period=FY2026), column demand_zflop" in result.stderr
    assert "warning:" not in result.stderr
