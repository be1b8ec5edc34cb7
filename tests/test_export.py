"""Excel export: one workbook whose sheets hold exactly the run folder's tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from capplan.cli import app
from capplan.report.units import COLUMN_UNITS, TABLES, header, summary_unit

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "models" / "base.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "base"
    result = runner.invoke(app, ["solve", str(BASE), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def workbook_path(run_dir: Path) -> Path:
    result = runner.invoke(app, ["export", str(run_dir), "--xlsx"])
    assert result.exit_code == 0, result.output
    path = run_dir / "base.xlsx"
    assert str(path) in result.stdout
    return path


def _expected(cell: str, unit: str) -> object:
    """A CSV cell as the workbook should hold it."""
    if cell == "":
        return None
    if unit == "bool":
        return cell == "True"
    if unit in ("-", "label", "name"):
        return cell
    return float(cell)


def test_sheets_match_the_csv_tables(run_dir: Path, workbook_path: Path) -> None:
    wb = load_workbook(workbook_path)
    assert wb.sheetnames == ["summary", *TABLES]
    for table in TABLES:
        csv = pd.read_csv(run_dir / f"{table}.csv", dtype=str, keep_default_na=False)
        rows = list(wb[table].iter_rows(values_only=True))
        assert list(rows[0]) == [header(table, c) for c in csv.columns], table
        assert len(rows) - 1 == len(csv), table
        for i, row in enumerate(rows[1:]):
            for col, got in zip(csv.columns, row, strict=True):
                want = _expected(str(csv.at[i, col]), COLUMN_UNITS[table][col])
                if isinstance(want, float):
                    assert isinstance(got, int | float) and not isinstance(got, bool)
                assert got == want, (table, i, col, got, want)


def test_headers_carry_the_documented_units(workbook_path: Path) -> None:
    wb = load_workbook(workbook_path)
    heads = [c.value for c in wb["budget"][1]]
    assert "capex_rmb_m (RMB M, nominal)" in heads and "used_share (share)" in heads
    assert "period" in heads  # keys stay bare
    assert "peak_pflops (PFLOPS)" in [c.value for c in wb["fleet"][1]]


def test_summary_sheet_has_status_gap_solver_hash_and_kpis(
    run_dir: Path, workbook_path: Path
) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    rows = {r[0]: (r[1], r[2]) for r in load_workbook(workbook_path)["summary"].iter_rows(
        min_row=2, values_only=True)}  # fmt: skip
    assert rows["status"][0] == summary["status"] == "optimal"
    assert rows["gap_at_most"] == (pytest.approx(summary["gap_at_most"], rel=1e-12), "share")
    gap, unit = rows["gap"]  # HiGHS reports its bound and gap (Excel keeps 15 digits)
    assert (gap, unit) == (pytest.approx(summary["gap"], rel=1e-12), "share")
    assert summary["gap"] <= 1e-6
    assert rows["solver.backend"][0] == "highs"
    assert rows["input_hash"][0] == summary["input_hash"]
    for key, value in summary["kpis"].items():
        assert rows[f"kpis.{key}"] == (value, summary_unit(f"kpis.{key}")), key
    assert rows["kpis.npv_rmb_m"][1] == "RMB M, present value"


def test_export_is_reproducible_and_never_overwritten_without_force(
    run_dir: Path, workbook_path: Path, tmp_path: Path
) -> None:
    before = workbook_path.read_bytes()
    result = runner.invoke(app, ["export", str(run_dir), "--xlsx"])
    assert result.exit_code == 2 and "--force" in result.stderr
    other = tmp_path / "sub" / "again.xlsx"
    result = runner.invoke(app, ["export", str(run_dir), "--xlsx", "--out", str(other)])
    assert result.exit_code == 0, result.output
    assert other.read_bytes() == before  # same run, same bytes (fixed dates inside)
    result = runner.invoke(app, ["export", str(run_dir), "--xlsx", "--force"])
    assert result.exit_code == 0 and workbook_path.read_bytes() == before
    assert not list(run_dir.glob(".*tmp*"))


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["RUN"], "choose a format"),
        (["missing-folder", "--xlsx"], "no such run folder"),
        (["docs", "--xlsx"], "not a run folder"),
    ],
)
def test_export_errors_are_one_clear_message(run_dir: Path, args: list[str], fragment: str) -> None:
    args = [str(run_dir) if a == "RUN" else a for a in args]
    result = runner.invoke(app, ["export", *args])
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and "Traceback" not in result.output
