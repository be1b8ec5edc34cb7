"""Plausible ranges: a unit slip the schema accepts is a warning naming the file, the key
or row and column, and the likely slip; --strict makes it an error (exit code 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from capplan.cli import app
from capplan.config.plausible import RANGES
from capplan.config.schema import TABLE_ROWS, ModelFile, Policy
from capplan.docgen import inputs_markdown

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "models" / "base.yaml"
runner = CliRunner()


def _scenario(tmp_path: Path, body: dict[str, object]) -> Path:
    path = tmp_path / "slip.yaml"
    path.write_text(yaml.safe_dump({"extends": str(BASE), **body}))
    return path


SLIPS = [
    (
        ["--set", "budget.total_rmb_bn=380000000000"],
        "budget.total_rmb_bn",
        "typed in RMB rather than RMB billion",
    ),
    (
        {
            "edits": [
                {"table": "regions", "where": {"region": "China"}, "scale": {"capex_per_mw_m": 1e6}}
            ]
        },
        "region=China), column capex_per_mw_m",
        "typed in currency units rather than millions",
    ),
    (
        # an edit's scale factor is at most 1e15 (config/carried.py); demand typed x 1e20
        # into demand.csv is tests/test_unit_slips.py
        {"edits": [{"table": "demand", "scale": {"demand_zflop": 1e6}}]},
        "column demand_zflop",
        "in FLOP rather than ZFLOP",
    ),
]


@pytest.mark.parametrize(("change", "where", "slip"), SLIPS)
def test_a_unit_slip_is_a_warning_and_an_error_with_strict(
    tmp_path: Path, change: object, where: str, slip: str
) -> None:
    args = ["validate", str(BASE)]
    if isinstance(change, list):
        args += change
    else:
        args += ["-s", str(_scenario(tmp_path, change)), "--allow-outside"]  # type: ignore[arg-type]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    warnings = [ln for ln in result.stderr.splitlines() if "warning:" in ln]
    assert len(warnings) == 1, result.stderr  # one cause, one message
    assert where in warnings[0] and slip in warnings[0], warnings[0]
    strict = runner.invoke(app, [*args, "--strict"])
    assert strict.exit_code == 2 and slip in strict.stderr


def test_the_base_case_and_new_rows_are_plausible() -> None:
    for name in ["", "enter_saudi_arabia", "ascend_950", "cny_depreciation"]:
        args = ["validate", str(BASE), "--strict", *(["-s", name] if name else [])]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (name, result.output)


def test_every_numeric_input_field_has_a_documented_range() -> None:
    doc = inputs_markdown()
    fields = [(t, n, f) for t, row in TABLE_ROWS.items() for n, f in row.model_fields.items()]
    sections = {"budget", "horizon", "finance", "objective", "solver"}
    fields += [("policy", n, f) for n, f in Policy.model_fields.items()]
    fields += [
        (s, n, f)
        for s, info in ModelFile.model_fields.items()
        if s in sections
        for n, f in info.annotation.model_fields.items()  # type: ignore[union-attr]
    ]
    for table, name, info in fields:
        text = str(info.annotation)
        if "float" in text or "int" in text:
            assert f"{table}.{name}" in RANGES, f"{table}.{name} has no plausible range"
            assert f"`{table}.{name}`" in doc, f"{table}.{name} range not in docs/inputs.md"
