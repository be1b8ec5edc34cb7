"""Input tables from spreadsheets: a workbook that round-trips with `capplan export
--inputs`, CSVs as Excel saves them, and one message per spreadsheet slip."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from capplan.cli import app
from capplan.config.loader import load_config
from capplan.config.readers import read_table
from capplan.errors import InputError
from tests.tiny import case

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "models" / "base.yaml"
runner = CliRunner()


def test_base_case_round_trips_through_a_workbook(tmp_path: Path) -> None:
    """Every table and the policy read from the exported workbook equal the files' exactly
    (so the plan is the same; the tiny case below solves both and compares the files)."""
    book = tmp_path / "inputs.xlsx"
    result = runner.invoke(app, ["export", "--inputs", str(book)])
    assert result.exit_code == 0, result.output
    model = tmp_path / "base.yaml"
    model.write_text(BASE.read_text().replace("dir: ../inputs", "dir: inputs.xlsx"))
    original, from_book = load_config(BASE), load_config(model)
    for name, frame in original.tables.items():
        pd.testing.assert_frame_equal(from_book.tables[name], frame, check_exact=True, obj=name)
    assert from_book.policy == original.policy
    # the export is reproducible, and never replaces a file without --force
    again = tmp_path / "again.xlsx"
    assert runner.invoke(app, ["export", "--inputs", str(again)]).exit_code == 0
    assert again.read_bytes() == book.read_bytes()
    assert runner.invoke(app, ["export", "--inputs", str(book)]).exit_code == 2


def test_solving_from_the_workbook_gives_byte_identical_tables(tmp_path: Path) -> None:
    model = case(tmp_path / "csv", model={"horizon": {"periods": ["Y1", "Y2"], "period_years": 1}})
    book = tmp_path / "csv" / "tiny.xlsx"
    result = runner.invoke(app, ["export", "--inputs", str(book), "--model", str(model)])
    assert result.exit_code == 0, result.output
    from_book = tmp_path / "csv" / "book.yaml"
    from_book.write_text(model.read_text().replace("dir: inputs", "dir: tiny.xlsx"))
    runs = {}
    for name, path in [("csv", model), ("xlsx", from_book)]:
        out = tmp_path / name / "run"
        result = runner.invoke(app, ["solve", str(path), "--out", str(out), "-q"])
        assert result.exit_code == 0, result.output
        runs[name] = out
    files = sorted(p.name for p in runs["csv"].glob("*.csv"))
    assert len(files) == 11
    for name in files:
        assert (runs["csv"] / name).read_bytes() == (runs["xlsx"] / name).read_bytes(), name


def _excel_csv(src: Path, dst: Path, sep: str, extra: int) -> None:
    """A CSV as Excel saves it: ``sep`` separators, ``extra`` empty columns at the end,
    thousands separators in whole numbers of 1,000 and more, shares as percentages."""
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    shares = {"util_inference", "util_training", "price_premium"}
    for col in frame.columns:
        for i, value in enumerate(frame[col]):
            if re.fullmatch(r"\d{4,}", value):
                frame.at[i, col] = f"{int(value):,}"
            elif col in shares and value:
                frame.at[i, col] = f"{float(value) * 100:g}%"
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    writer.writerow([*frame.columns, *[""] * extra])
    for row in frame.itertuples(index=False):
        writer.writerow([*row, *[""] * extra])
    dst.write_text(buf.getvalue(), encoding="utf-8-sig")  # with Excel's byte-order mark


def test_excel_saved_csvs_read_as_the_originals(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    for path in (ROOT / "inputs").glob("*.csv"):
        sep = ";" if path.stem in ("demand", "supply", "parts") else ","
        _excel_csv(path, tmp_path / "inputs" / path.name, sep, 3)
    text = (tmp_path / "inputs" / "demand.csv").read_text(encoding="utf-8-sig")
    assert ";" in text and "2,000,000" in text and ";;;" in text  # the slips are there
    assert "90%" in (tmp_path / "inputs" / "parts.csv").read_text(encoding="utf-8-sig")
    (tmp_path / "models").mkdir()
    moved = tmp_path / "models" / "base.yaml"
    moved.write_text(BASE.read_text())
    original, saved = load_config(BASE), load_config(moved)
    for name, frame in original.tables.items():
        pd.testing.assert_frame_equal(saved.tables[name], frame, check_exact=True, obj=name)


SLIPS = [
    ("demand", "demand_zflop", "5.0", "90%", "is a percentage"),
    ("parts", "price_usd", "1000000.0", "#DIV/0!", "spreadsheet error"),
    ("supply", "units", "1000000000.0", '"2,00,000"', "expected a number"),
    ("parts", "util_inference", "1.0", '"0,9"', "expected a number"),
    ("regions", "existing_mw", "1.0", "N/A", "expected a number"),
    ("parts", "price_usd", "1000000.0", "$13500", "expected a number"),
    ("parts", "util_training", "1.0", "150%", "less than or equal to 1"),
    ("parts", "domestic", "True", "yes please", "true or false"),
    ("supply", "units", "1000000000.0", "-5", "greater than or equal to 0"),
    ("regions", "pue", "1.0", "1 .3", "expected a number"),
]


@pytest.mark.parametrize(("table", "column", "old", "new", "fragment"), SLIPS)
def test_each_spreadsheet_slip_gives_one_message_naming_file_row_and_column(
    tmp_path: Path, table: str, column: str, old: str, new: str, fragment: str
) -> None:
    case(tmp_path)
    path = tmp_path / "inputs" / f"{table}.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    j = header.index(column)
    assert cells[j] == old, (cells[j], old)
    cells[j] = new
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        read_table(table, path, f"inputs/{table}.csv")
    [problem] = info.value.problems
    text = str(problem)
    assert f"inputs/{table}.csv" in text and "row 2" in text and f"column {column}" in text, text
    assert fragment in text, text


def test_a_value_under_an_unnamed_column_is_one_message(tmp_path: Path) -> None:
    case(tmp_path)
    path = tmp_path / "inputs" / "demand.csv"
    lines = path.read_text().splitlines()
    lines = [lines[0] + ",,", lines[1] + ",,oops", *(ln + ",," for ln in lines[2:])]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        read_table("demand", path, "inputs/demand.csv")
    [problem] = info.value.problems
    assert "row 2, column 6" in str(problem) and "no name" in str(problem)
