"""Shares in a comparison read as percentages, from a declared unit.

Tiny case (tests/tiny.py): 5 ZFLOP of demand; the reference can buy 3 units, so 3 ZFLOP
are served and 2 are not (unserved share 2/5 = 40.0%); ``more_supply`` buys 5 and serves
all (0.0%): a change of -40.0 percentage points.  Every pod bought is fully used
(utilisation 100.0%).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from capplan.cli import app
from capplan.report.units import SUMMARY_UNITS
from capplan.results.compare.changes import kpi_unit
from capplan.results.compare.units import declared
from tests.test_compare import MORE_SUPPLY
from tests.tiny import case

runner = CliRunner()
KPI_ROW = {
    "unserved_share": ["40.0%", "0.0%", "-40.0 pp"],
    "utilisation": ["100.0%", "100.0%", "0.0 pp"],
    "npv_rmb_m": ["3", "5", "2"],  # money is not a share
}


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("shares")
    model = case(root / "tiny", supply_units=3)
    (model.parent / "scenarios").mkdir()
    (model.parent / "scenarios" / "more_supply.yaml").write_text(MORE_SUPPLY)
    out = root / "cmp"
    args = ["compare", "base", "more_supply", "--model", str(model), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_compare_md_and_terminal_show_shares_as_percent(compared: tuple[Path, str]) -> None:
    out, terminal = compared
    md = (out / "compare.md").read_text()
    for kpi, cells in KPI_ROW.items():
        unit = kpi_unit(kpi)
        assert f"| {kpi} | {unit} | {' | '.join(cells)} |" in md, md
        assert re.search(rf"^\s+{kpi}\s+{re.escape(unit)}\s+" + r"\s+".join(cells), terminal, re.M)
    # the CSV keeps the number (a share, 0..1), only the text shows percent
    kpis = pd.read_csv(out / "kpis.csv").set_index("kpi")
    assert kpis.at["unserved_share", "base"] == pytest.approx(0.4)
    assert "0.4 " not in md and "| 0.4 |" not in md


def test_compare_folder_report_shows_shares_as_percent(compared: tuple[Path, str]) -> None:
    out, _ = compared
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text()
    kpis = pd.read_csv(out / "kpis.csv", dtype=str)
    row = int(kpis.index[kpis["kpi"] == "unserved_share"][0])
    columns = ["base", "more_supply", "more_supply_change"]
    for col, shown in zip(columns, KPI_ROW["unserved_share"], strict=True):
        cell = re.search(
            rf'data-src="kpis.csv" data-run="0" data-row="{row}" data-col="{col}" '
            rf'data-v="[^"]*">([^<]*)</td>',
            page,
        )
        assert cell is not None and cell.group(1) == shown, (col, cell and cell.group(0))


def test_compare_folder_workbook_formats_shares_as_percent(compared: tuple[Path, str]) -> None:
    out, _ = compared
    result = runner.invoke(app, ["export", str(out), "--xlsx"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out / f"{out.name}.xlsx")["kpis"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    unserved, npv = rows["unserved_share"], rows["npv_rmb_m"]
    assert [c.value for c in unserved[2:5]] == pytest.approx([0.4, 0.0, -0.4])  # numbers
    assert {c.number_format for c in unserved[2:5]} == {"0.0%"}
    assert "%" not in npv[2].number_format


def test_every_column_compare_shows_has_a_declared_unit(compared: tuple[Path, str]) -> None:
    """A new column (a share, say) cannot be added without saying its unit."""
    out, _ = compared
    for table in ["investment_changes", "budget_shifts", "limit_changes"]:
        columns = pd.read_csv(out / f"{table}.csv", nrows=0).columns
        missing = [c for c in columns if declared(table, c) is None]
        assert not missing, (table, missing)


def test_kpi_units_are_the_documented_ones() -> None:
    """The KPI table's unit column agrees with summary.json's documented units."""
    kpis = [k.removeprefix("kpis.") for k in SUMMARY_UNITS if k.startswith("kpis.")]
    assert kpis
    for key in kpis:
        documented = SUMMARY_UNITS[f"kpis.{key}"]
        expected = "RMB M" if documented.startswith("RMB M") else documented
        assert kpi_unit(key) == expected, key
