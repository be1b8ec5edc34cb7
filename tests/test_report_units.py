"""One source of truth for units: capplan.report.units equals docs/outputs.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from capplan.pipeline import Run, solve
from capplan.report.units import COLUMN_UNITS, PRESENT_VALUE_UNIT, SUMMARY_UNITS, TABLES
from tests.tiny import case

OUTPUTS = Path(__file__).resolve().parents[1] / "docs" / "outputs.md"


def _sections(text: str) -> dict[str, str]:
    """'## name' or '### name' heading -> the text under it."""
    parts = re.split(r"^#{2,3} +(.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _units(section: str) -> dict[str, str]:
    """Column/key -> unit from the first table with a 'unit' column in a section."""
    out: dict[str, str] = {}
    lines = section.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[-1] == "unit" and cells[0] in ("column", "key"):
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    return out
                cells = [c.strip() for c in row.strip().strip("|").split("|")]
                for name in re.findall(r"`([^`]+)`", cells[0]):
                    out[name] = cells[-1]
            return out
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return solve(case(tmp_path_factory.mktemp("tiny")), write=False)


def test_every_table_and_column_has_a_unit(tiny: Run) -> None:
    assert list(TABLES) == list(COLUMN_UNITS)
    assert set(TABLES) == set(tiny.tables)
    for table, frame in tiny.tables.items():
        assert list(frame.columns) == list(COLUMN_UNITS[table]), table


def test_column_units_are_the_documented_ones() -> None:
    sections = _sections(OUTPUTS.read_text())
    for table, units in COLUMN_UNITS.items():
        documented = _units(sections[f"{table}.csv"])
        assert documented == units, f"{table}.csv units differ from docs/outputs.md"


def test_summary_units_are_the_documented_ones() -> None:
    sections = _sections(OUTPUTS.read_text())
    documented = _units(sections["summary.json"])
    documented.update({f"kpis.{k}": u for k, u in _units(sections["kpis"]).items()})
    for key, unit in SUMMARY_UNITS.items():
        assert documented.get(key) == unit, key
    assert "RMB M, present value" in sections["present_values"]
    assert PRESENT_VALUE_UNIT == "RMB M, present value"
